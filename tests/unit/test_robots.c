/*
 * test_robots.c - robots.txt groups, matching and precedence (RFC 9309).
 */
#include <criterion/criterion.h>
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

Test(robots, lines_without_a_colon_are_ignored)
{
	cr_assert(allowed("User-agent: *\nDisallow /x\n", "/x"));
}
