/*
 * test_robots.c - robots.txt groups, matching and precedence (RFC 9309).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"

static struct robots *parse(const char *txt)
{
	return robots_parse(txt, strlen(txt), "trawl");
}

static bool allowed(const char *txt, const char *path)
{
	struct robots *r = parse(txt);
	bool ok = robots_allowed(r, path);
	robots_free(r);
	return ok;
}

Test(robots, empty_file_allows_everything)
{
	cr_assert(allowed("", "/anything"));
}

Test(robots, disallow_is_a_prefix_match)
{
	const char *t = "User-agent: *\nDisallow: /private\n";
	cr_assert_not(allowed(t, "/private"));
	cr_assert_not(allowed(t, "/private/x.html"));
	cr_assert_not(allowed(t, "/privateer"));
	cr_assert(allowed(t, "/public"));
}

Test(robots, own_group_replaces_star_group)
{
	const char *t = "User-agent: *\nDisallow: /\n\nUser-agent: trawl\nDisallow: /x\n";
	cr_assert(allowed(t, "/y"));
	cr_assert_not(allowed(t, "/x"));
}

Test(robots, agent_match_is_case_insensitive_on_the_token)
{
	cr_assert_not(allowed("User-agent: TRAWL/2.0\nDisallow: /a\n", "/a"));
	cr_assert(allowed("User-agent: trawler\nDisallow: /a\n", "/a"));
}

Test(robots, groups_for_the_same_agent_are_merged)
{
	const char *t = "User-agent: trawl\nDisallow: /a\n\nUser-agent: other\nDisallow: /b\n"
			"\nUser-agent: trawl\nDisallow: /c\n";
	cr_assert_not(allowed(t, "/a"));
	cr_assert(allowed(t, "/b"));
	cr_assert_not(allowed(t, "/c"));
}

Test(robots, consecutive_agent_lines_share_one_group)
{
	const char *t = "User-agent: other\nUser-agent: trawl\nDisallow: /shared\n";
	cr_assert_not(allowed(t, "/shared"));
}

Test(robots, longest_match_wins)
{
	const char *t = "User-agent: *\nDisallow: /a\nAllow: /a/b\n";
	cr_assert(allowed(t, "/a/b/c"));
	cr_assert_not(allowed(t, "/a/c"));
}

Test(robots, allow_wins_a_tie)
{
	cr_assert(allowed("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page"));
}

Test(robots, star_matches_any_run)
{
	const char *t = "User-agent: *\nDisallow: /*.pdf\n";
	cr_assert_not(allowed(t, "/docs/a.pdf"));
	cr_assert_not(allowed(t, "/a.pdf?x=1"));
	cr_assert(allowed(t, "/a.html"));
}

Test(robots, dollar_anchors_the_end)
{
	const char *t = "User-agent: *\nDisallow: /*.php$\n";
	cr_assert_not(allowed(t, "/index.php"));
	cr_assert(allowed(t, "/index.php?x=1"));
	cr_assert(allowed(t, "/index.phps"));
}

Test(robots, empty_disallow_matches_nothing)
{
	cr_assert(allowed("User-agent: *\nDisallow:\n", "/x"));
}

Test(robots, robots_txt_itself_is_always_allowed)
{
	cr_assert(allowed("User-agent: *\nDisallow: /\n", "/robots.txt"));
}

Test(robots, comments_bom_and_crlf_are_handled)
{
	const char *t = "\xef\xbb\xbfUser-agent: * # everyone\r\nDisallow: /x # not x\r\n";
	cr_assert_not(allowed(t, "/x"));
	cr_assert(allowed(t, "/y"));
}

Test(robots, percent_encoding_is_compared_normalized)
{
	const char *t = "User-agent: *\nDisallow: /%7ejoe/\nDisallow: /caf%c3%a9\n";
	cr_assert_not(allowed(t, "/~joe/index.html"));
	cr_assert_not(allowed(t, "/caf%C3%A9"));
}

Test(robots, crawl_delay_is_read_from_the_matching_group)
{
	struct robots *r = parse("User-agent: *\nCrawl-delay: 2.5\n");
	cr_assert_eq(robots_crawl_delay_ms(r), 2500);
	robots_free(r);
	r = parse("User-agent: *\nDisallow: /x\n");
	cr_assert_eq(robots_crawl_delay_ms(r), -1);
	robots_free(r);
}

Test(robots, unreachable_means_disallow_all_and_4xx_allow_all)
{
	struct robots *deny = robots_new_all(false), *allow = robots_new_all(true);
	cr_assert_not(robots_allowed(deny, "/x"));
	cr_assert(robots_allowed(allow, "/x"));
	robots_free(deny);
	robots_free(allow);
}

Test(robots, agent_token_is_taken_from_the_user_agent)
{
	char buf[32];
	cr_assert_str_eq(robots_agent_token("trawl/0.1.0 (+info)", buf, sizeof buf), "trawl");
	cr_assert_str_eq(robots_agent_token("My-Bot_2", buf, sizeof buf), "My-Bot_2");
}

/* This once asserted that "Disallow /x" is ignored; Google's parser reads
 * it as "Disallow: /x" (robots_test.cc ID_LineSyntax_Line) and so does
 * trawl now, but only a line of exactly two words. */
Test(robots, a_two_word_line_without_a_colon_is_read_as_key_and_value)
{
	cr_assert_not(allowed("User-agent: *\nDisallow /x\n", "/x"));
	cr_assert(allowed("User-agent: *\nDisallow /x y\n", "/x"));
	cr_assert(allowed("User-agent: *\nDisallow\n", "/x"));
}

/* Crawl-delay is no RFC 9309 record: it does not end the run of
 * user-agent lines, so the rules after it are the group's, but its value
 * is for the agents named above it only. */
Test(robots, crawl_delay_does_not_split_a_group)
{
	const char *t = "User-agent: other\nCrawl-delay: 3\nUser-agent: trawl\nDisallow: /x\n";
	const char *bing = "User-agent: slowbot\nCrawl-delay: 10\n\nUser-agent: *\nDisallow: /admin\n";
	struct robots *r = parse(t);

	cr_expect_not(robots_allowed(r, "/x"));
	cr_expect_eq(robots_crawl_delay_ms(r), -1);
	robots_free(r);
	r = parse(bing);
	cr_expect_not(robots_allowed(r, "/admin"));
	cr_expect_eq(robots_crawl_delay_ms(r), -1);
	robots_free(r);
	r = robots_parse(bing, strlen(bing), "slowbot");
	cr_expect_not(robots_allowed(r, "/admin"));
	cr_expect_eq(robots_crawl_delay_ms(r), 10000);
	robots_free(r);
}

Test(robots, star_followed_by_more_is_still_star)
{
	cr_assert_not(allowed("User-agent: * everyone\nDisallow: /x\n", "/x"));
	cr_assert(allowed("User-agent: *everyone\nDisallow: /x\n", "/x"));
}

/* ---- Sitemap: lines ---- */

static size_t sitemaps(const struct robots *r, const char *const **urls)
{
	return robots_sitemaps(r, urls);
}

Test(robots, sitemaps_are_kept_from_any_group_in_file_order)
{
	const char *t = "Sitemap: https://a.example/one.xml\n"
			"User-agent: other\nDisallow: /\nSitemap: https://a.example/two.xml # c\n"
			"User-agent: trawl\nSITEMAP:https://b.example/three.xml?x=%7e\n";
	struct robots *r = parse(t);
	const char *const *u;

	cr_assert_eq(sitemaps(r, &u), 3);
	cr_expect_str_eq(u[0], "https://a.example/one.xml");
	cr_expect_str_eq(u[1], "https://a.example/two.xml");
	cr_expect_str_eq(u[2], "https://b.example/three.xml?x=%7e"); /* as written */
	robots_free(r);
}

Test(robots, sitemaps_skip_empty_duplicate_and_overlong_values)
{
	char *t = malloc(3000);
	struct robots *r;
	const char *const *u;

	strcpy(t, "Sitemap:\nSitemap: /s.xml\nsitemap: /s.xml\nSitemap: /");
	memset(t + strlen(t), 'x', 2083);
	strcpy(t + strlen("Sitemap:\nSitemap: /s.xml\nsitemap: /s.xml\nSitemap: /") + 2083, "\n");
	r = parse(t);
	cr_assert_eq(sitemaps(r, &u), 1);
	cr_expect_str_eq(u[0], "/s.xml");
	robots_free(r);
	free(t);
}

Test(robots, sitemaps_are_capped)
{
	size_t i, n = ROBOTS_MAX_SITEMAPS + 5, len = 0;
	char *t = malloc(n * 64);
	struct robots *r;
	const char *const *u;

	for (i = 0; i < n; i++)
		len += (size_t)sprintf(t + len, "Sitemap: https://e.example/%zu.xml\n", i);
	r = parse(t);
	cr_assert_eq(sitemaps(r, &u), ROBOTS_MAX_SITEMAPS);
	cr_expect_str_eq(u[ROBOTS_MAX_SITEMAPS - 1], "https://e.example/999.xml");
	cr_expect(robots_cuts(r) & ROBOTS_CUT_SITEMAPS);
	robots_free(r);
	free(t);
}

Test(robots, new_all_has_no_sitemaps_and_no_cuts)
{
	struct robots *r = robots_new_all(false);
	const char *const *u;

	cr_assert_eq(sitemaps(r, &u), 0);
	cr_assert_eq(robots_cuts(r), 0);
	robots_free(r);
}

/* ---- caps ---- */

/* "User-agent: *\nDisallow: /a\n", comment lines up to byte AT, then
 * LINE, then "Disallow: /b\n"; *LEN gets the length.  Caller frees. */
static char *big_body(size_t at, const char *line, size_t *len)
{
	const char *head = "User-agent: *\nDisallow: /a\n", *tail = "Disallow: /b\n";
	size_t hl = strlen(head), ll = strlen(line), tl = strlen(tail), p;
	char *t = malloc(at + ll + tl + 1);

	memcpy(t, head, hl);
	for (p = hl; p < at;) {
		size_t n = at - p > 80 ? 80 : at - p;
		memset(t + p, '#', n);
		t[p + n - 1] = '\n';
		p += n;
	}
	memcpy(t + at, line, ll);
	memcpy(t + at + ll, tail, tl + 1);
	*len = at + ll + tl;
	return t;
}

Test(robots, a_body_is_parsed_up_to_500_KiB_in_whole_lines)
{
	size_t len;
	/* "Disallow: /private" straddles the cut at "Disallow: /p|rivate":
	 * read, that half line would close /p..., so it is dropped. */
	char *t = big_body(ROBOTS_MAX_BODY - 12, "Disallow: /private\n", &len);
	struct robots *r = robots_parse(t, len, "trawl");

	cr_assert_gt(len, ROBOTS_MAX_BODY);
	cr_expect_not(robots_allowed(r, "/a"));
	cr_expect(robots_allowed(r, "/private"));
	cr_expect(robots_allowed(r, "/p"));
	cr_expect(robots_allowed(r, "/b"));
	cr_expect(robots_cuts(r) & ROBOTS_CUT_BODY);
	robots_free(r);
	free(t);
}

Test(robots, a_line_that_ends_at_the_cut_is_kept)
{
	size_t len;
	char *t = big_body(ROBOTS_MAX_BODY - 18, "Disallow: /private\n", &len);
	struct robots *r = robots_parse(t, len, "trawl");

	cr_expect_not(robots_allowed(r, "/private"));
	cr_expect(robots_allowed(r, "/b"));
	robots_free(r);
	free(t);
	/* CRLF: the cut between CR and LF. */
	t = big_body(ROBOTS_MAX_BODY - 18, "Disallow: /private\r\n", &len);
	r = robots_parse(t, len, "trawl");
	cr_expect_not(robots_allowed(r, "/private"));
	robots_free(r);
	free(t);
}

Test(robots, a_body_of_500_KiB_is_read_whole)
{
	size_t len;
	char *t = big_body(ROBOTS_MAX_BODY - 18, "Disallow: /private", &len);
	struct robots *r;

	/* Without its tail: exactly ROBOTS_MAX_BODY bytes, no final line end. */
	r = robots_parse(t, ROBOTS_MAX_BODY, "trawl");
	cr_expect_not(robots_allowed(r, "/private"));
	cr_expect_eq(robots_cuts(r), 0);
	robots_free(r);
	free(t);
}

Test(robots, rules_are_capped)
{
	size_t i, n = ROBOTS_MAX_RULES + 5, len;
	char *t = malloc(n * 24 + 32);
	struct robots *r;

	len = (size_t)sprintf(t, "User-agent: *\n");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(t + len, "Disallow: /r%zu/\n", i);
	r = robots_parse(t, len, "trawl");
	cr_expect_not(robots_allowed(r, "/r0/"));
	cr_expect_not(robots_allowed(r, "/r19999/"));
	cr_expect(robots_allowed(r, "/r20000/"));
	cr_expect(robots_cuts(r) & ROBOTS_CUT_RULES);
	robots_free(r);
	free(t);
}

/* ---- matching against a reference model ---- */

/* Does pattern P ('*' any run, a final '$' the end) match a prefix of S?
 * The definition, by brute force. */
static bool model_match(const char *p, const char *s)
{
	if (*p == '\0')
		return true;
	if (*p == '$' && p[1] == '\0')
		return *s == '\0';
	if (*p == '*')
		return model_match(p + 1, s) || (*s && model_match(p, s + 1));
	return *s == *p && model_match(p + 1, s + 1);
}

/* A linear congruential generator: the same cases on every run. */
static unsigned next_rand(unsigned *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 16;
}

Test(robots, wildcards_match_as_the_brute_force_model_does)
{
	static const char alphabet[] = "ab$/*"; /* '*' also drawn 1 time in 4 */
	unsigned seed = 12345;
	int i;

	for (i = 0; i < 20000; i++) {
		char pat[12] = "/", path[12] = "/", txt[64];
		size_t pl = 1 + next_rand(&seed) % 9, sl = 1 + next_rand(&seed) % 9, k;

		for (k = 1; k < pl; k++)
			pat[k] = next_rand(&seed) % 4 ? alphabet[next_rand(&seed) % 5] : '*';
		pat[pl] = '\0';
		for (k = 1; k < sl; k++)
			path[k] = alphabet[next_rand(&seed) % 5];
		path[sl] = '\0';
		snprintf(txt, sizeof txt, "User-agent: *\nDisallow: %s\n", pat);
		cr_assert_eq(!allowed(txt, path), model_match(pat, path), "pattern %s, path %s", pat,
			     path);
	}
}

/* Patterns are found with memmem(), not by backtracking: a pattern the
 * classic walk needs time quadratic in the path for is still fast. */
Test(robots, wildcard_matching_is_linear, .timeout = 10)
{
	size_t i, len = 0;
	char *t = malloc(30 * 2100 + 32), *path = malloc(2100);
	struct robots *r;

	len = (size_t)sprintf(t, "User-agent: *\n");
	for (i = 0; i < 20; i++) {
		len += (size_t)sprintf(t + len, "Disallow: /*");
		memset(t + len, 'a', 2000);
		len += 2000;
		len += (size_t)sprintf(t + len, "%c\n", (int)('b' + i));
	}
	path[0] = '/';
	memset(path + 1, 'a', 2050);
	path[2051] = '\0';
	r = robots_parse(t, len, "trawl");
	for (i = 0; i < 200; i++)
		cr_assert(robots_allowed(r, path));
	robots_free(r);
	free(t);
	free(path);
}

/* Bodies are counted bytes, not C strings: nothing is read past LEN (the
 * ASan build checks; the fuzzer once found "User-agent:" at the end). */
Test(robots, reads_nothing_past_the_body)
{
	static const char *const bodies[] = {
		"User-agent:", "User-agent: *", "User-agent: *\nDisallow:", "Disallow /",
		"User-agent: *\nDisallow: /x$", "Sitemap:", "Crawl-delay:", "\xef\xbb", "a b",
		"User-agent: *\nDisallow: /x #",
	};
	size_t i;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		size_t n = strlen(bodies[i]);
		char *b = malloc(n);
		struct robots *r;

		memcpy(b, bodies[i], n);
		r = robots_parse(b, n, "trawl");
		cr_expect(robots_allowed(r, "/y"));
		robots_free(r);
		free(b);
	}
}

/* RFC 9309 section 5.1, "Simple Example", read by each of its crawlers. */
static bool rfc_allows(const char *agent, const char *path)
{
	static const char txt[] =
		"User-Agent: *\n"
		"Disallow: *.gif$\n"
		"Disallow: /example/\n"
		"Allow: /publications/\n"
		"\n"
		"User-Agent: foobot\n"
		"Disallow:/\n"
		"Allow:/example/page.html\n"
		"Allow:/example/allowed.gif\n"
		"\n"
		"User-Agent: barbot\n"
		"User-Agent: bazbot\n"
		"Disallow: /example/page.html\n"
		"\n"
		"User-Agent: quxbot\n";
	struct robots *r = robots_parse(txt, sizeof txt - 1, agent);
	bool ok = robots_allowed(r, path);

	robots_free(r);
	return ok;
}

Test(robots, rfc9309_simple_example)
{
	/* foobot: only the two allowed files. */
	cr_expect(rfc_allows("foobot", "/example/page.html"));
	cr_expect(rfc_allows("foobot", "/example/allowed.gif"));
	cr_expect_not(rfc_allows("foobot", "/example/other.html"));
	cr_expect_not(rfc_allows("foobot", "/publications/"));
	cr_expect_not(rfc_allows("foobot", "/"));
	/* barbot and bazbot share a group: all but /example/page.html. */
	cr_expect_not(rfc_allows("barbot", "/example/page.html"));
	cr_expect_not(rfc_allows("bazbot", "/example/page.html"));
	cr_expect(rfc_allows("barbot", "/example/other.html"));
	cr_expect(rfc_allows("bazbot", "/picture.gif"));
	/* quxbot has an empty group: everything. */
	cr_expect(rfc_allows("quxbot", "/example/page.html"));
	cr_expect(rfc_allows("quxbot", "/a.gif"));
	/* Anyone else reads the "*" group. */
	cr_expect_not(rfc_allows("trawl", "/example/x.html"));
	cr_expect_not(rfc_allows("trawl", "/images/a.gif"));
	cr_expect(rfc_allows("trawl", "/images/a.gif?size=2"), "$ anchors the end");
	cr_expect(rfc_allows("trawl", "/publications/"));
	cr_expect(rfc_allows("trawl", "/index.html"));
}

/* RFC 9309 section 5.2, "Longest Match". */
Test(robots, rfc9309_longest_match_example)
{
	static const char txt[] = "User-Agent: foobot\n"
				  "Allow: /example/page/\n"
				  "Disallow: /example/page/disallowed.gif\n";
	struct robots *r = robots_parse(txt, sizeof txt - 1, "foobot");

	cr_expect(robots_allowed(r, "/example/page/"));
	cr_expect(robots_allowed(r, "/example/page/index.html"));
	cr_expect_not(robots_allowed(r, "/example/page/disallowed.gif"));
	robots_free(r);
}
