/*
 * test_sitemap.c - crawler/sitemap.c: urlsets and indexes with and without
 * namespaces, gzip and text sitemaps, which locs and lastmods are kept,
 * the caps (entries, inflated size, a gzip bomb), and what malformed,
 * hostile or non-sitemap bodies give.
 */
#include "sitemap.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zlib.h>

#include "log.h"
#include "url.h"

#define SITEMAP_URL "https://example.com/dir/sitemap.xml"
#define NS "http://www.sitemaps.org/schemas/sitemap/0.9"
#define URLSET "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"" NS "\">\n"

static struct sitemap sm;

static void teardown(void)
{
	sitemap_release(&sm);
}

TestSuite(sitemap, .fini = teardown, .timeout = 30);

static void parse_n(const char *body, size_t len)
{
	sitemap_release(&sm);
	cr_assert_eq(sitemap_parse(&sm, body, len, SITEMAP_URL), 0);
	cr_assert(sm.n <= SITEMAP_MAX_ENTRIES);
}

static void parse(const char *body)
{
	parse_n(body, strlen(body));
}

/* The locs of sm, one per line, for comparing whole results at once. */
static char *locs(void)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < sm.n; i++)
		len += strlen(sm.e[i].loc) + 1;
	s = malloc(len);
	cr_assert_not_null(s);
	s[0] = '\0';
	for (i = 0; i < sm.n; i++) {
		strcat(s, sm.e[i].loc);
		strcat(s, "\n");
	}
	return s;
}

static void expect_locs(const char *want)
{
	char *got = locs();

	cr_expect_str_eq(got, want);
	free(got);
}

/* Streaming gzip writer: the output grows, the input is given piecewise. */
struct gz {
	z_stream z;
	unsigned char *out;
	size_t len, cap;
};

static void gz_init(struct gz *g, int level)
{
	memset(g, 0, sizeof *g);
	cr_assert_eq(deflateInit2(&g->z, level, Z_DEFLATED, 16 + MAX_WBITS, 9,
				  Z_DEFAULT_STRATEGY), Z_OK);
}

static void gz_put(struct gz *g, const void *p, size_t n, int flush)
{
	int rc;

	g->z.next_in = (unsigned char *)(uintptr_t)p;
	g->z.avail_in = (uInt)n;
	do {
		if (g->cap - g->len < 65536) {
			g->cap = g->cap ? 2 * g->cap : 1 << 20;
			g->out = realloc(g->out, g->cap);
			cr_assert_not_null(g->out);
		}
		g->z.next_out = g->out + g->len;
		g->z.avail_out = (uInt)(g->cap - g->len);
		rc = deflate(&g->z, flush);
		g->len = g->cap - g->z.avail_out;
	} while (g->z.avail_in > 0 || g->z.avail_out == 0 ||
		 (flush == Z_FINISH && rc != Z_STREAM_END));
}

static unsigned char *gz_end(struct gz *g, size_t *len)
{
	gz_put(g, "", 0, Z_FINISH);
	deflateEnd(&g->z);
	*len = g->len;
	return g->out;
}

static unsigned char *gzip(const char *s, size_t *len)
{
	struct gz g;

	gz_init(&g, 6);
	gz_put(&g, s, strlen(s), Z_NO_FLUSH);
	return gz_end(&g, len);
}

/* ---- the formats ---- */

Test(sitemap, urlset_without_namespace)
{
	parse("<urlset><url><loc>http://example.com/a</loc></url>"
	      "<url><loc>https://example.com/b?x=1</loc></url></urlset>");
	cr_expect_eq(sm.kind, SITEMAP_URLSET);
	expect_locs("http://example.com/a\nhttps://example.com/b?x=1\n");
	cr_expect_eq(sm.cuts, 0);
	cr_expect_eq(sm.dropped, 0);
}

Test(sitemap, urlset_with_namespace_keeps_lastmod_only)
{
	parse(URLSET "<url>\n  <loc>https://example.com/</loc>\n"
		     "  <lastmod>2024-05-01</lastmod>\n  <changefreq>daily</changefreq>\n"
		     "  <priority>0.8</priority>\n</url>\n"
		     "<url><loc>https://example.com/x</loc></url>\n</urlset>\n");
	cr_assert_eq(sm.kind, SITEMAP_URLSET);
	cr_assert_eq(sm.n, 2);
	cr_expect_str_eq(sm.e[0].loc, "https://example.com/");
	cr_expect_str_eq(sm.e[0].lastmod, "2024-05-01");
	cr_expect_str_eq(sm.e[1].loc, "https://example.com/x");
	cr_expect_null(sm.e[1].lastmod);
	cr_expect_eq(sm.cuts, 0);
}

Test(sitemap, urlset_with_prefix)
{
	parse("<?xml version=\"1.0\"?><sm:urlset xmlns:sm=\"" NS "\">"
	      "<sm:url><sm:loc>http://example.com/p</sm:loc>"
	      "<sm:lastmod>2023-01-02T03:04:05Z</sm:lastmod></sm:url></sm:urlset>");
	cr_assert_eq(sm.kind, SITEMAP_URLSET);
	cr_assert_eq(sm.n, 1);
	cr_expect_str_eq(sm.e[0].loc, "http://example.com/p");
	cr_expect_str_eq(sm.e[0].lastmod, "2023-01-02T03:04:05Z");
}

Test(sitemap, undeclared_prefix_still_reads)
{
	parse("<sm:urlset><sm:url><sm:loc>http://example.com/p</sm:loc></sm:url></sm:urlset>");
	cr_expect_eq(sm.kind, SITEMAP_URLSET);
	expect_locs("http://example.com/p\n");
}

Test(sitemap, index_lists_sitemaps_with_lastmod)
{
	parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"" NS "\">\n"
	      "<sitemap><loc>https://example.com/s1.xml.gz</loc>"
	      "<lastmod>2004-10-01T18:23:17+00:00</lastmod></sitemap>\n"
	      "<sitemap><loc>https://example.com/s2.xml</loc></sitemap>\n"
	      "<url><loc>https://example.com/not-in-an-index</loc></url>\n"
	      "</sitemapindex>");
	cr_assert_eq(sm.kind, SITEMAP_INDEX);
	cr_assert_eq(sm.n, 2);
	cr_expect_str_eq(sm.e[0].loc, "https://example.com/s1.xml.gz");
	cr_expect_str_eq(sm.e[0].lastmod, "2004-10-01T18:23:17+00:00");
	cr_expect_str_eq(sm.e[1].loc, "https://example.com/s2.xml");
}

Test(sitemap, urlset_ignores_sitemap_elements)
{
	parse("<urlset><sitemap><loc>http://example.com/s.xml</loc></sitemap>"
	      "<url><loc>http://example.com/a</loc></url></urlset>");
	expect_locs("http://example.com/a\n");
}

Test(sitemap, extension_locs_are_not_entries)
{
	parse(URLSET "<url><loc>http://example.com/page</loc>"
		     "<image:image xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">"
		     "<image:loc>http://example.com/img.jpg</image:loc></image:image>"
		     "<xhtml:link xmlns:xhtml=\"http://www.w3.org/1999/xhtml\" rel=\"alternate\" "
		     "hreflang=\"de\" href=\"http://example.com/de\"/>"
		     "<video:loc xmlns:video=\"http://www.google.com/schemas/sitemap-video/1.1\">"
		     "http://example.com/v.mp4</video:loc></url></urlset>");
	expect_locs("http://example.com/page\n");
}

Test(sitemap, elements_of_another_namespace_are_not_entries)
{
	parse(URLSET "<url xmlns=\"urn:other\"><loc>http://example.com/a</loc></url>"
		     "<url><loc xmlns=\"urn:other\">http://example.com/b</loc></url>"
		     "<url><loc>http://example.com/c</loc></url></urlset>");
	expect_locs("http://example.com/c\n");
}

Test(sitemap, first_loc_and_lastmod_of_an_entry_count)
{
	parse("<urlset><url><lastmod>2020-02-29</lastmod><loc>http://example.com/a</loc>"
	      "<loc>http://example.com/b</loc><lastmod>2021-01-01</lastmod></url>"
	      "<url><loc>http://example.com/c</loc></url></urlset>");
	cr_assert_eq(sm.n, 2);
	cr_expect_str_eq(sm.e[0].loc, "http://example.com/a");
	cr_expect_str_eq(sm.e[0].lastmod, "2020-02-29");
	/* The lastmod of an entry does not leak into the next one. */
	cr_expect_str_eq(sm.e[1].loc, "http://example.com/c");
	cr_expect_null(sm.e[1].lastmod);
}

Test(sitemap, gzipped_body_is_inflated)
{
	const char *xml = URLSET "<url><loc>http://example.com/z</loc>"
				 "<lastmod>1997-07-16T19:20+01:00</lastmod></url></urlset>";
	size_t len;
	unsigned char *gz = gzip(xml, &len);

	cr_assert(len >= 2 && gz[0] == 0x1f && gz[1] == 0x8b);
	parse_n((const char *)gz, len);
	free(gz);
	cr_assert_eq(sm.kind, SITEMAP_URLSET);
	cr_assert_eq(sm.n, 1);
	cr_expect_str_eq(sm.e[0].loc, "http://example.com/z");
	cr_expect_str_eq(sm.e[0].lastmod, "1997-07-16T19:20+01:00");
	cr_expect_eq(sm.cuts, 0);
}

Test(sitemap, gzip_members_are_read_in_turn)
{
	size_t l1, l2;
	unsigned char *a = gzip("http://example.com/1\nhttp://exa", &l1);
	unsigned char *b = gzip("mple.com/2\n", &l2);
	char *both = malloc(l1 + l2 + 3);

	memcpy(both, a, l1);
	memcpy(both + l1, b, l2);
	memcpy(both + l1 + l2, "xyz", 3); /* trailing garbage is ignored */
	parse_n(both, l1 + l2 + 3);
	expect_locs("http://example.com/1\nhttp://example.com/2\n");
	cr_expect_eq(sm.cuts, 0);
	free(a);
	free(b);
	free(both);
}

Test(sitemap, corrupt_or_cut_gzip_keeps_what_came_before)
{
	const char *xml = URLSET "<url><loc>http://example.com/a</loc></url>"
				 "<url><loc>http://example.com/b</loc></url></urlset>";
	size_t len;
	unsigned char *gz = gzip(xml, &len);

	/* The CRC in the trailer is wrong: the data is all there. */
	gz[len - 8] ^= 0xff;
	parse_n((const char *)gz, len);
	expect_locs("http://example.com/a\nhttp://example.com/b\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);

	/* Cut in the trailer: the document is whole, the stream is not. */
	gz[len - 8] ^= 0xff;
	parse_n((const char *)gz, len - 4);
	expect_locs("http://example.com/a\nhttp://example.com/b\n");
	cr_expect(sm.cuts & SITEMAP_CUT_ERROR);

	/* A gzip header over garbage. */
	parse_n("\x1f\x8b garbage", 10);
	cr_expect_eq(sm.kind, SITEMAP_UNKNOWN);
	cr_expect_eq(sm.n, 0);
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);
	free(gz);
}

Test(sitemap, text_sitemap_one_url_per_line)
{
	parse("http://example.com/a\r\n"
	      "  https://example.com/b  \n"
	      "\n"
	      "not a url\n"
	      "ftp://example.com/f\n"
	      "http://example.com/a\n"
	      "http://example.com/bad\xff\n"
	      "http://example.com/last"); /* no final newline */
	cr_expect_eq(sm.kind, SITEMAP_URLSET);
	expect_locs("http://example.com/a\nhttps://example.com/b\nhttp://example.com/last\n");
	cr_expect_eq(sm.dropped, 3);
	cr_expect_null(sm.e[0].lastmod);
	cr_expect_eq(sm.cuts, 0);
}

Test(sitemap, text_without_urls_is_unknown)
{
	parse("User-agent: *\nDisallow: /\n");
	cr_expect_eq(sm.kind, SITEMAP_UNKNOWN);
	cr_expect_eq(sm.n, 0);
	parse("");
	cr_expect_eq(sm.kind, SITEMAP_UNKNOWN);
	parse(" \n\t\r\n");
	cr_expect_eq(sm.kind, SITEMAP_UNKNOWN);
}

Test(sitemap, gzipped_text_sitemap)
{
	size_t len;
	unsigned char *gz = gzip("http://example.com/t1\nhttp://example.com/t2\n", &len);

	parse_n((const char *)gz, len);
	free(gz);
	cr_expect_eq(sm.kind, SITEMAP_URLSET);
	expect_locs("http://example.com/t1\nhttp://example.com/t2\n");
}

/* ---- lastmod ---- */

static const char *lastmod_of(const char *value)
{
	char buf[512];

	snprintf(buf, sizeof buf, "<urlset><url><loc>http://example.com/</loc>"
		 "<lastmod>%s</lastmod></url></urlset>", value);
	parse(buf);
	cr_assert_eq(sm.n, 1);
	return sm.e[0].lastmod;
}

Test(sitemap, lastmod_kept_as_written_when_w3c_datetime)
{
	static const char *const good[] = {
		"1997", "1997-07", "1997-07-16", "1997-07-16T19:20+01:00",
		"1997-07-16T19:20:30+01:00", "1997-07-16T19:20:30.45+01:00",
		"1997-07-16T19:20:30.123456789Z", "2024-02-29", "2000-02-29",
		"2023-12-31T23:59:59-12:00", "2023-01-01T00:00Z",
	};
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		const char *lm = lastmod_of(good[i]);
		cr_expect(lm && strcmp(lm, good[i]) == 0, "%s: got %s", good[i], lm ? lm : "NULL");
	}
	cr_expect_str_eq(lastmod_of("\n   2005-01-01 \t\n"), "2005-01-01");
}

Test(sitemap, lastmod_not_w3c_datetime_is_null)
{
	static const char *const bad[] = {
		"", "   ", "yesterday", "97", "1997-7", "1997-07-1", "1997/07/16",
		"1997-13-01", "1997-00-10", "1997-07-32", "2023-02-29", "1900-02-29",
		"2023-04-31", "1997-07-16T19:20", "1997-07-16T19:20:30",
		"1997-07-16 19:20:30+01:00", "1997-07-16T24:00Z", "1997-07-16T19:60Z",
		"1997-07-16T19:20:61Z", "1997-07-16T19:20:30.Z", "1997-07-16T19:20Zx",
		"1997-07-16T19:20+0100", "1997-07-16T19:20+01", "1997-07-16T19:20+24:00",
		"1997-07-16t19:20z", "1997-07-16T", "1997-07-16X", "19970716",
		"Tue, 16 Jul 1997 19:20:30 GMT", "2024-01-01\xc3\xa9",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *lm = lastmod_of(bad[i]);
		cr_expect_null(lm, "%s: kept as %s", bad[i], lm ? lm : "");
	}
}

Test(sitemap, overlong_lastmod_is_null)
{
	char buf[200];

	memset(buf, '1', sizeof buf - 1);
	buf[sizeof buf - 1] = '\0';
	memcpy(buf, "2020-01-01T00:00:00.", 20);
	strcpy(buf + sizeof buf - 2, "Z");
	cr_expect_null(lastmod_of(buf));

	/* Not shortened to a valid "2020" either. */
	memset(buf, ' ', sizeof buf - 1);
	memcpy(buf, "2020", 4);
	strcpy(buf + sizeof buf - 2, "x");
	cr_expect_null(lastmod_of(buf));
}

/* ---- locs ---- */

Test(sitemap, entities_and_character_references_are_decoded)
{
	parse("<urlset><url><loc>http://example.com/a?x=1&amp;y=2</loc></url>"
	      "<url><loc>http://example.com&#x2F;b&#63;q=&quot;&apos;&lt;&gt;</loc></url></urlset>");
	expect_locs("http://example.com/a?x=1&y=2\nhttp://example.com/b?q=%22'%3C%3E\n");
}

Test(sitemap, cdata_is_text)
{
	parse("<urlset><url><loc><![CDATA[http://example.com/c?a=1&b=2]]></loc></url>"
	      "<url><loc>http://example.com/<![CDATA[d]]>/e</loc></url></urlset>");
	expect_locs("http://example.com/c?a=1&b=2\nhttp://example.com/d/e\n");
}

Test(sitemap, whitespace_around_loc_is_trimmed)
{
	parse("<urlset><url><loc>\n\t   http://example.com/w  \r\n\t</loc></url>"
	      "<url><loc>   </loc></url></urlset>");
	expect_locs("http://example.com/w\n");
	cr_expect_eq(sm.dropped, 1);
}

Test(sitemap, locs_are_normalized)
{
	parse("<urlset><url><loc>HTTP://Example.COM:80/a/./b/../c#frag</loc></url>"
	      "<url><loc>https://example.com/%7euser/caf\xc3\xa9</loc></url></urlset>");
	expect_locs("http://example.com/a/c\nhttps://example.com/~user/caf%C3%A9\n");
}

Test(sitemap, only_http_and_https_are_kept)
{
	parse("<urlset><url><loc>ftp://example.com/f</loc></url>"
	      "<url><loc>mailto:a@example.com</loc></url>"
	      "<url><loc>javascript:alert(1)</loc></url>"
	      "<url><loc>file:///etc/passwd</loc></url>"
	      "<url><loc>data:text/html,x</loc></url>"
	      "<url><loc>http://</loc></url>"
	      "<url><loc>https://example.com/ok</loc></url></urlset>");
	expect_locs("https://example.com/ok\n");
	cr_expect_eq(sm.dropped, 6);
}

Test(sitemap, locs_starting_with_slash_resolve_other_relative_ones_are_dropped)
{
	parse("<urlset><url><loc>/top</loc></url>"
	      "<url><loc>//other.example/net</loc></url>"
	      "<url><loc>page.html</loc></url>"
	      "<url><loc>www.example.com/x</loc></url>"
	      "<url><loc>?q=1</loc></url>"
	      "<url><loc>#frag</loc></url>"
	      "<url><loc>../up</loc></url></urlset>");
	expect_locs("https://example.com/top\nhttps://other.example/net\n");
	cr_expect_eq(sm.dropped, 5);
}

Test(sitemap, overlong_loc_is_dropped)
{
	size_t n = URL_MAX_LEN + 10, i;
	char *body = malloc(n + 200);

	strcpy(body, "<urlset><url><loc>http://example.com/");
	i = strlen(body);
	memset(body + i, 'a', n);
	strcpy(body + i + n, "</loc></url><url><loc>http://example.com/ok</loc></url></urlset>");
	parse(body);
	expect_locs("http://example.com/ok\n");
	cr_expect_eq(sm.dropped, 1);

	/* Longer than the raw buffer too. */
	free(body);
	n = 10 * URL_MAX_LEN;
	body = malloc(n + 200);
	strcpy(body, "<urlset><url><loc>http://example.com/");
	i = strlen(body);
	memset(body + i, 'a', n);
	strcpy(body + i + n, "</loc></url><url><loc>http://example.com/ok</loc></url></urlset>");
	parse(body);
	expect_locs("http://example.com/ok\n");
	cr_expect_eq(sm.dropped, 1);
	free(body);
}

Test(sitemap, loc_longer_than_its_buffer_is_dropped_not_shortened)
{
	/* Tabs and newlines inside a URL are removed (url.h), so a loc cut
	 * in its run of tabs would still look like a URL: the wrong one. */
	size_t n = 10 * URL_MAX_LEN, i;
	char *body = malloc(n + 200);

	strcpy(body, "<urlset><url><loc>http://example.com/a");
	i = strlen(body);
	memset(body + i, '\t', n);
	strcpy(body + i + n, "b</loc></url></urlset>");
	parse(body);
	cr_expect_eq(sm.n, 0);
	cr_expect_eq(sm.dropped, 1);

	strcpy(body, "http://example.com/a");
	i = strlen(body);
	memset(body + i, '\t', n);
	strcpy(body + i + n, "b\n");
	parse(body);
	cr_expect_eq(sm.n, 0);
	cr_expect_eq(sm.dropped, 1);
	free(body);
}

Test(sitemap, duplicates_keep_the_first)
{
	parse("<urlset><url><loc>http://example.com/a</loc><lastmod>2001</lastmod></url>"
	      "<url><loc>http://example.com/b</loc></url>"
	      "<url><loc>HTTP://EXAMPLE.com:80/a#x</loc><lastmod>2002</lastmod></url>"
	      "<url><loc>http://example.com/a</loc></url></urlset>");
	cr_assert_eq(sm.n, 2);
	cr_expect_str_eq(sm.e[0].loc, "http://example.com/a");
	cr_expect_str_eq(sm.e[0].lastmod, "2001");
	cr_expect_str_eq(sm.e[1].loc, "http://example.com/b");
	cr_expect_eq(sm.dropped, 0);
}

/* ---- caps ---- */

/* A urlset of N distinct entries, gzipped. */
static unsigned char *many(size_t n, size_t *len)
{
	struct gz g;
	char line[128];
	size_t i;

	gz_init(&g, 1);
	gz_put(&g, URLSET, strlen(URLSET), Z_NO_FLUSH);
	for (i = 0; i < n; i++) {
		int k = snprintf(line, sizeof line,
				 "<url><loc>https://example.com/p/%zu</loc></url>\n", i);
		gz_put(&g, line, (size_t)k, Z_NO_FLUSH);
	}
	gz_put(&g, "</urlset>\n", 10, Z_NO_FLUSH);
	return gz_end(&g, len);
}

Test(sitemap, entry_cap_truncates)
{
	size_t len, i;
	unsigned char *gz = many(SITEMAP_MAX_ENTRIES + 10, &len);
	char want[64];

	parse_n((const char *)gz, len);
	free(gz);
	cr_assert_eq(sm.n, SITEMAP_MAX_ENTRIES);
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ENTRIES);
	for (i = 0; i < sm.n; i += 9999) {
		snprintf(want, sizeof want, "https://example.com/p/%zu", i);
		cr_expect_str_eq(sm.e[i].loc, want);
	}
	snprintf(want, sizeof want, "https://example.com/p/%d", SITEMAP_MAX_ENTRIES - 1);
	cr_expect_str_eq(sm.e[sm.n - 1].loc, want);
}

Test(sitemap, entry_cap_is_not_hit_by_exactly_the_cap)
{
	size_t len;
	unsigned char *gz = many(SITEMAP_MAX_ENTRIES, &len);

	parse_n((const char *)gz, len);
	free(gz);
	cr_expect_eq(sm.n, SITEMAP_MAX_ENTRIES);
	cr_expect_eq(sm.cuts, 0);
}

Test(sitemap, text_sitemap_entry_cap)
{
	size_t n = SITEMAP_MAX_ENTRIES + 1, i, off = 0;
	char *body = malloc(n * 40);

	for (i = 0; i < n; i++)
		off += (size_t)sprintf(body + off, "http://example.com/%zu\n", i);
	parse_n(body, off);
	free(body);
	cr_expect_eq(sm.n, SITEMAP_MAX_ENTRIES);
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ENTRIES);
	cr_expect_str_eq(sm.e[sm.n - 1].loc, "http://example.com/49999");
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* PREFIX, then TOTAL bytes of FILL, then SUFFIX, gzipped while written so
 * that the test never holds the inflated body. */
static unsigned char *bomb(const char *prefix, int fill, size_t total, const char *suffix,
			   size_t *len)
{
	struct gz g;
	char *block = malloc(1 << 20);
	size_t i;

	memset(block, fill, 1 << 20);
	gz_init(&g, 1);
	gz_put(&g, prefix, strlen(prefix), Z_NO_FLUSH);
	for (i = 0; i < total; i += 1 << 20)
		gz_put(&g, block, total - i < 1 << 20 ? total - i : 1 << 20, Z_NO_FLUSH);
	gz_put(&g, suffix, strlen(suffix), Z_NO_FLUSH);
	free(block);
	return gz_end(&g, len);
}

Test(sitemap, gzip_bomb_of_zeros_stops_at_the_size_cap)
{
	size_t len;
	unsigned char *gz = bomb("", 0, 200u << 20, "\nhttp://example.com/after\n", &len);
	long rss;
	double t;

	cr_assert_lt(len, 1 << 20);
	rss = max_rss_kb();
	t = seconds();
	parse_n((const char *)gz, len);
	t = seconds() - t;
	free(gz);
	cr_expect_eq(sm.n, 0);
	cr_expect_eq(sm.kind, SITEMAP_UNKNOWN);
	cr_expect_eq(sm.cuts, SITEMAP_CUT_SIZE);
	cr_expect_lt(t, 5.0, "took %.2f s", t);
	/* Inflating does not hold the inflated body: far under 50 MiB. */
	cr_expect_lt(max_rss_kb() - rss, 16 * 1024, "peak RSS grew by %ld KiB", max_rss_kb() - rss);
}

Test(sitemap, gzip_bomb_inside_xml_stops_at_the_size_cap)
{
	size_t len;
	unsigned char *gz = bomb(URLSET "<url><loc>http://example.com/before</loc></url>", ' ',
				 200u << 20,
				 "<url><loc>http://example.com/after</loc></url></urlset>", &len);
	long rss;
	double t;

	cr_assert_lt(len, 1 << 20);
	rss = max_rss_kb();
	t = seconds();
	parse_n((const char *)gz, len);
	t = seconds() - t;
	free(gz);
	cr_expect_eq(sm.kind, SITEMAP_URLSET);
	expect_locs("http://example.com/before\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_SIZE);
	cr_expect_lt(t, 10.0, "took %.2f s", t);
	cr_expect_lt(max_rss_kb() - rss, 16 * 1024, "peak RSS grew by %ld KiB", max_rss_kb() - rss);
}

Test(sitemap, body_of_exactly_the_size_cap_is_read_whole)
{
	const char *head = "<urlset><url><loc>http://example.com/a</loc></url>";
	const char *tail = "<url><loc>http://example.com/z</loc></url></urlset>";
	size_t len;
	unsigned char *gz = bomb(head, ' ', SITEMAP_MAX_SIZE - strlen(head) - strlen(tail), tail,
				 &len);

	parse_n((const char *)gz, len);
	expect_locs("http://example.com/a\nhttp://example.com/z\n");
	cr_expect_eq(sm.cuts, 0);
	free(gz);

	/* One byte more: the final '>' is not read. */
	gz = bomb(head, ' ', SITEMAP_MAX_SIZE - strlen(head) - strlen(tail) + 1, tail, &len);
	parse_n((const char *)gz, len);
	expect_locs("http://example.com/a\nhttp://example.com/z\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_SIZE);
	free(gz);

	/* Thirty more: the cap falls inside the last <loc>. */
	gz = bomb(head, ' ', SITEMAP_MAX_SIZE - strlen(head) - strlen(tail) + 30, tail, &len);
	parse_n((const char *)gz, len);
	expect_locs("http://example.com/a\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_SIZE);
	free(gz);
}

/* ---- malformed and hostile bodies ---- */

Test(sitemap, malformed_xml_keeps_entries_before_the_error)
{
	parse("<urlset><url><loc>http://example.com/1</loc></url>"
	      "<url><loc>http://example.com/2</loc></url>"
	      "<url><loc>http://example.com/3</lo></url>"
	      "<url><loc>http://example.com/4</loc></url></urlset>");
	cr_expect_eq(sm.kind, SITEMAP_URLSET);
	expect_locs("http://example.com/1\nhttp://example.com/2\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);
}

Test(sitemap, cut_body_keeps_an_entry_whose_loc_is_whole)
{
	parse("<urlset><url><loc>http://example.com/1</loc></url>"
	      "<url><loc>http://example.com/2</loc><lastmod>2020-01-01</lastmod>");
	expect_locs("http://example.com/1\nhttp://example.com/2\n");
	cr_expect_str_eq(sm.e[1].lastmod, "2020-01-01");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);

	parse("<urlset><url><loc>http://example.com/1</loc></url>"
	      "<url><loc>http://example.com/2");
	expect_locs("http://example.com/1\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);
}

Test(sitemap, trailing_garbage_after_the_root_keeps_all_entries)
{
	parse("<urlset><url><loc>http://example.com/1</loc></url></urlset><junk>");
	expect_locs("http://example.com/1\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);
}

Test(sitemap, html_page_is_not_a_sitemap)
{
	parse("<!DOCTYPE html>\n<html><head><title>Not found</title></head><body>"
	      "<urlset><url><loc>http://example.com/x</loc></url></urlset>"
	      "<a href=\"http://example.com/y\">http://example.com/z</a></body></html>");
	cr_expect_eq(sm.kind, SITEMAP_UNKNOWN);
	cr_expect_eq(sm.n, 0);

	/* Not well-formed HTML either. */
	parse("<html><head><meta charset=utf-8><title>x</title>"
	      "<body><p>http://example.com/z<br></body></html>");
	cr_expect_eq(sm.kind, SITEMAP_UNKNOWN);
	cr_expect_eq(sm.n, 0);
}

Test(sitemap, byte_order_mark_and_leading_whitespace_are_skipped)
{
	parse("\xef\xbb\xbf\n\n  <?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	      "<urlset><url><loc>http://example.com/bom</loc></url></urlset>");
	cr_expect_eq(sm.kind, SITEMAP_URLSET);
	expect_locs("http://example.com/bom\n");
	cr_expect_eq(sm.cuts, 0);

	parse("\xef\xbb\xbfhttp://example.com/text-bom\n");
	expect_locs("http://example.com/text-bom\n");
}

/* S (ASCII) in UTF-16, little-endian with a byte order mark or big-endian
 * without; *LEN bytes. */
static char *utf16(const char *s, bool le, size_t *len)
{
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(2 * n + 2);

	if (le) {
		out[o++] = (char)0xff;
		out[o++] = (char)0xfe;
	}
	for (i = 0; i < n; i++) {
		out[o++] = le ? s[i] : '\0';
		out[o++] = le ? '\0' : s[i];
	}
	*len = o;
	return out;
}

Test(sitemap, utf16_xml_is_decoded)
{
	size_t len;
	char *b = utf16("<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
			"<urlset><url><loc>http://example.com/16le</loc></url></urlset>", true, &len);

	parse_n(b, len);
	free(b);
	cr_expect_eq(sm.kind, SITEMAP_URLSET);
	expect_locs("http://example.com/16le\n");

	/* Without a byte order mark, "<?" tells UTF-16 (XML 1.0, appendix F). */
	b = utf16("<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
		  "<urlset><url><loc>http://example.com/16be</loc></url></urlset>", false, &len);
	parse_n(b, len);
	free(b);
	expect_locs("http://example.com/16be\n");
}

Test(sitemap, declared_encoding_is_decoded)
{
	parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
	      "<urlset><url><loc>http://example.com/caf\xe9</loc></url></urlset>");
	expect_locs("http://example.com/caf%C3%A9\n");
}

Test(sitemap, invalid_utf8_stops_the_xml)
{
	parse("<urlset><url><loc>http://example.com/a</loc></url>"
	      "<url><loc>http://example.com/\xff\xfe</loc></url>"
	      "<url><loc>http://example.com/c</loc></url></urlset>");
	expect_locs("http://example.com/a\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);
}

/* DTD declares an entity E; the body uses it in its second entry. */
static void parse_with_entity(const char *decl, const char *use)
{
	char buf[1024];

	snprintf(buf, sizeof buf,
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE urlset [\n%s\n]>\n"
		 "<urlset><url><loc>http://example.com/ok</loc></url>"
		 "<url><loc>%s</loc></url>"
		 "<url><loc>http://example.com/after</loc></url></urlset>", decl, use);
	parse(buf);
}

Test(sitemap, dtd_entities_are_never_expanded)
{
	/* An internal entity: an undeclared one to the parser, an error. */
	parse_with_entity("<!ENTITY x \"http://evil.example/\">", "&x;");
	expect_locs("http://example.com/ok\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);

	/* An external one (XXE) is never read. */
	parse_with_entity("<!ENTITY xxe SYSTEM \"file:///etc/hostname\">",
			  "http://example.com/&xxe;");
	expect_locs("http://example.com/ok\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);

	/* A DTD with a parameter entity to fetch is not fetched. */
	parse_with_entity("<!ENTITY % pe SYSTEM \"http://127.0.0.1:9/dtd\">\n%pe;",
			  "http://example.com/2");
	cr_expect_eq(sm.n, 0);
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);

	/* A DTD whose entities go unused does not matter. */
	parse_with_entity("<!ENTITY x \"http://evil.example/\">", "http://example.com/2");
	expect_locs("http://example.com/ok\nhttp://example.com/2\nhttp://example.com/after\n");
	cr_expect_eq(sm.cuts, 0);
}

Test(sitemap, billion_laughs_is_not_expanded, .timeout = 10)
{
	parse("<?xml version=\"1.0\"?>\n<!DOCTYPE urlset [\n"
	      "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	      "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	      "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	      "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	      "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
	      "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
	      "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"
	      "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\n"
	      "]>\n<urlset><url><loc>http://example.com/&i;</loc></url>"
	      "<url><loc>http://example.com/&a;</loc></url></urlset>");
	for (size_t i = 0; i < sm.n; i++)
		cr_expect_null(strstr(sm.e[i].loc, "aaaa"), "%s", sm.e[i].loc);
}

Test(sitemap, nul_bytes_never_pass)
{
	static const char xml[] = "<urlset><url><loc>http://example.com/a</loc></url>"
				  "<url><loc>http://example.com/b\0c</loc></url></urlset>";
	static const char txt[] = "http://example.com/a\nhttp://example.com/b\0c\n"
				  "http://example.com/d\n";

	parse_n(xml, sizeof xml - 1);
	expect_locs("http://example.com/a\n");
	cr_expect_eq(sm.cuts, SITEMAP_CUT_ERROR);
	parse_n(txt, sizeof txt - 1);
	expect_locs("http://example.com/a\nhttp://example.com/d\n");
	cr_expect_eq(sm.dropped, 1);
}

Test(sitemap, base_url_must_be_http)
{
	log_set_level(LOG_SILENT);
	cr_expect_eq(sitemap_parse(&sm, "http://example.com/\n", 20, "ftp://example.com/s.txt"), -1);
	cr_expect_eq(sm.n, 0);
	cr_expect_null(sm.e);
	sitemap_release(&sm);
	sitemap_release(NULL);
}
