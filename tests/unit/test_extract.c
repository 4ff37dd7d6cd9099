/*
 * test_extract.c - crawler/extract.c: which links a page yields (a, area,
 * canonical; base; duplicates; schemes; the cap), the title, description
 * and robots meta, charsets, and what broken pages still give.
 */
#include "extract.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define PAGE "http://h.com/dir/page.html"

static struct extract x;

static void teardown(void)
{
	extract_release(&x);
}

TestSuite(extract, .fini = teardown, .timeout = 10);

/* Parses the LEN bytes of BODY as fetched from PAGE. */
static void parse_n(const char *body, size_t len, const char *charset, size_t max)
{
	cr_assert_eq(extract_html(&x, body, len, PAGE, charset, max), 0);
	cr_assert_not_null(x.links);
}

static void parse(const char *body)
{
	parse_n(body, strlen(body), NULL, 1000);
}

static void parse_cs(const char *body, const char *charset)
{
	parse_n(body, strlen(body), charset, 1000);
}

/* Literal with embedded NULs: its size, not strlen. */
#define PARSE_LIT(lit) parse_n(lit, sizeof(lit) - 1, NULL, 1000)

/* Checks that x.links holds exactly the NULL-terminated list of URLs,
 * in that order, and that nlinks and links_len agree. */
static void expect_links(const char *first, ...)
{
	const char *want[64], *p = x.links, *end = x.links + x.links_len;
	size_t n = 0, i;
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		want[n++] = s;
	va_end(ap);
	for (i = 0; p < end; i++) {
		size_t l = strlen(p);
		cr_assert(p + l < end, "link %zu runs past links_len", i);
		cr_expect(i < n && strcmp(p, want[i]) == 0, "link %zu: %s, want %s",
			  i, p, i < n ? want[i] : "(none)");
		p += l + 1;
	}
	cr_expect_eq(i, n, "%zu links, want %zu", i, n);
	cr_expect_eq(x.nlinks, n, "nlinks %zu, want %zu", x.nlinks, n);
}

static bool has_link(const char *u)
{
	const char *p;

	for (p = x.links; p < x.links + x.links_len; p += strlen(p) + 1)
		if (strcmp(p, u) == 0)
			return true;
	return false;
}

Test(extract, takes_links_from_a_area_and_canonical)
{
	parse("<html><head><link rel=canonical href='/canon'>"
	      "<link rel=stylesheet href='/style.css'></head><body>"
	      "<a href='a.html'>a</a><map><area href='/area.html'></map>"
	      "<a name=anchor-without-href>x</a><img src='/img.png'>"
	      "</body></html>");
	expect_links("http://h.com/dir/a.html", "http://h.com/area.html",
		     "http://h.com/canon", NULL);
	cr_expect_str_eq(x.canonical, "http://h.com/canon");
}

Test(extract, matches_tag_and_attribute_names_in_any_case)
{
	parse("<A HREF='/up'>x</A><AREA Href=/ar><LINK REL=Canonical HREF=/c>");
	expect_links("http://h.com/up", "http://h.com/ar", "http://h.com/c", NULL);
	cr_expect_str_eq(x.canonical, "http://h.com/c");
}

Test(extract, finds_canonical_among_rel_tokens)
{
	parse("<link rel='alternate canonical' href='http://h.com/CANON#x'>");
	cr_expect_str_eq(x.canonical, "http://h.com/CANON");
}

Test(extract, first_canonical_wins)
{
	parse("<link rel=canonical href=/one><link rel=canonical href=/two>");
	cr_expect_str_eq(x.canonical, "http://h.com/one");
}

Test(extract, applies_base_to_every_link_even_before_it)
{
	parse("<a href=x1>1</a>"
	      "<base href='http://other.com/base/'>"
	      "<base href='http://third.com/'>"
	      "<a href=x2>2</a><link rel=canonical href=c>");
	expect_links("http://other.com/base/x1", "http://other.com/base/x2",
		     "http://other.com/base/c", NULL);
	cr_expect_str_eq(x.canonical, "http://other.com/base/c");
}

Test(extract, resolves_relative_base_against_page)
{
	parse("<head><base href='/b/'></head><a href=x>x</a><a href='/abs'>y</a>");
	expect_links("http://h.com/b/x", "http://h.com/abs", NULL);
}

Test(extract, ignores_unusable_base)
{
	parse("<base href='mailto:a@b'><a href=x>x</a>");
	expect_links("http://h.com/dir/x", NULL);
}

Test(extract, keeps_duplicate_links_once_in_document_order)
{
	parse("<a href=/c>1</a><a href=/a>2</a><a href='/c#frag'>3</a>"
	      "<a href='http://H.COM:80/a'>4</a><a href=/b>5</a><a href=/c>6</a>");
	expect_links("http://h.com/c", "http://h.com/a", "http://h.com/b", NULL);
}

Test(extract, canonical_already_linked_counts_once)
{
	parse("<link rel=canonical href=/a><a href=/a>a</a><a href=/b>b</a>");
	expect_links("http://h.com/a", "http://h.com/b", NULL);
	cr_expect_str_eq(x.canonical, "http://h.com/a");
}

Test(extract, drops_links_of_other_schemes)
{
	parse("<a href='mailto:me@h.com'>m</a><a href='javascript:void(0)'>j</a>"
	      "<a href=' JavaScript:go()'>j2</a><a href='tel:123'>t</a>"
	      "<a href='data:text/html,x'>d</a><a href='ftp://h.com/f'>f</a>"
	      "<a href='/ok'>ok</a>");
	expect_links("http://h.com/ok", NULL);
}

Test(extract, respects_max_links)
{
	const char *b = "<a href=/1></a><a href=/2></a><a href=/3></a><a href=/4></a>"
			"<link rel=canonical href=/c>";

	parse_n(b, strlen(b), NULL, 2);
	expect_links("http://h.com/1", "http://h.com/2", NULL);
	/* The canonical is still reported, only not as a link. */
	cr_expect_str_eq(x.canonical, "http://h.com/c");
}

Test(extract, max_links_zero_takes_none)
{
	const char *b = "<a href=/1></a><a href=/2></a>";

	parse_n(b, strlen(b), NULL, 0);
	expect_links(NULL);
}

/* Regression (fixed in 0e786c5): raw hrefs were collected up to
 * 2 * max_links before being resolved and de-duplicated, so a page opening
 * with many duplicate or unfetchable hrefs gave fewer than max_links links,
 * or none, though enough distinct links followed. */
Test(extract, cap_counts_links_kept_not_hrefs_seen)
{
	char body[4096];
	size_t n = 0;
	int i;

	for (i = 0; i < 6; i++)
		n += (size_t)snprintf(body + n, sizeof body - n,
				      "<a href='mailto:x%d@h.com'>m</a>"
				      "<a href='/nav'>nav</a>", i);
	n += (size_t)snprintf(body + n, sizeof body - n,
			      "<a href=/p1>1</a><a href=/p2>2</a><a href=/p3>3</a>");
	parse_n(body, n, NULL, 3);
	expect_links("http://h.com/nav", "http://h.com/p1", "http://h.com/p2", NULL);
}

Test(extract, decodes_entities_in_href)
{
	parse("<a href='/q?a=1&amp;b=2'>q</a><a href=\"/r?x=&#65;&#x42;&amp;y\">r</a>");
	expect_links("http://h.com/q?a=1&b=2", "http://h.com/r?x=AB&y", NULL);
}

Test(extract, strips_whitespace_around_href)
{
	parse("<a href='\n\t /spaced.html \n'>s</a>");
	expect_links("http://h.com/spaced.html", NULL);
}

Test(extract, empty_href_and_fragment_link_to_page_itself)
{
	parse("<a href=''>e</a><a href='#top'>t</a><a href=/other>o</a>");
	expect_links(PAGE, "http://h.com/other", NULL);
}

Test(extract, collapses_whitespace_in_title)
{
	parse("<title>\n  Hello \t\n  World \r\n </title>");
	cr_expect_str_eq(x.title, "Hello World");
}

Test(extract, takes_first_title_with_entities_decoded)
{
	parse("<title>a &amp; b &lt;c&gt; &eacute;</title><title>second</title>");
	cr_expect_str_eq(x.title, "a & b <c> \xc3\xa9");
}

Test(extract, title_is_null_when_absent_or_blank)
{
	parse("<p>no title</p>");
	cr_expect_null(x.title);
	extract_release(&x);
	parse("<title> \n\t </title>");
	cr_expect_null(x.title);
}

Test(extract, caps_long_title_as_valid_utf8)
{
	char body[40000];
	size_t n = 0, i;

	n += (size_t)sprintf(body, "<title>");
	for (i = 0; i < 10000; i++) {
		memcpy(body + n, "\xc3\xa9", 2); /* cut mid-character somewhere */
		n += 2;
	}
	n += (size_t)sprintf(body + n, "</title><a href=/after>a</a>");
	parse_n(body, n, "utf-8", 100);
	cr_assert_not_null(x.title);
	cr_expect_lt(strlen(x.title), 8192);
	cr_expect_gt(strlen(x.title), 1000);
	cr_expect(utf8_valid(x.title, strlen(x.title)));
	expect_links("http://h.com/after", NULL);
}

Test(extract, takes_meta_description)
{
	parse("<meta name=Description content='  A   page\n about  things '>"
	      "<meta name=description content='second'>");
	cr_expect_str_eq(x.description, "A page about things");
}

Test(extract, description_is_null_without_meta)
{
	parse("<meta name=keywords content='a,b'><title>t</title>");
	cr_expect_null(x.description);
}

Test(extract, reads_meta_robots_noindex)
{
	parse("<meta name=ROBOTS content='NoIndex, follow'>");
	cr_expect(x.noindex);
	cr_expect(!x.nofollow);
}

Test(extract, reads_meta_robots_nofollow)
{
	parse("<meta name=robots content='index,nofollow'>");
	cr_expect(!x.noindex);
	cr_expect(x.nofollow);
}

Test(extract, reads_meta_robots_none_as_both)
{
	parse("<meta name=robots content='none'>");
	cr_expect(x.noindex);
	cr_expect(x.nofollow);
}

Test(extract, robots_words_must_match_whole)
{
	parse("<meta name=robots content='noindexing, nofollowers'>"
	      "<meta name=googlebot-news content='noindex'>");
	cr_expect(!x.noindex);
	cr_expect(!x.nofollow);
}

Test(extract, plain_page_has_no_robots_flags)
{
	parse("<title>t</title><a href=/x>x</a>");
	cr_expect(!x.noindex);
	cr_expect(!x.nofollow);
	cr_expect_null(x.canonical);
	cr_expect_null(x.description);
}

Test(extract, recovers_links_from_broken_html)
{
	parse("<html><title>Broken</title><div><a href=/1>x<p><a href=/2 "
	      "<<<>>> garbage &&& <table><td><a href=/3></tr></div></span>"
	      "<a href=\"/4\" unterminated attr='x>four</a>");
	cr_expect(has_link("http://h.com/1"));
	cr_expect(has_link("http://h.com/2"));
	cr_expect(has_link("http://h.com/3"));
	cr_expect_str_eq(x.title, "Broken");
}

Test(extract, gives_valid_utf8_title_from_invalid_bytes)
{
	PARSE_LIT("<title>Bro\xff\xfeken \xed\xa0\x80 \xc3</title><a href=/x>x</a>");
	cr_assert_not_null(x.title);
	cr_expect(utf8_valid(x.title, strlen(x.title)), "%s", x.title);
	cr_expect(strncmp(x.title, "Bro", 3) == 0, "%s", x.title);
	expect_links("http://h.com/x", NULL);
	extract_release(&x);
	/* Same bytes, the page declared UTF-8. */
	parse_cs("<title>Bro\xff\xfeken</title><a href=/x>x</a>", "utf-8");
	cr_assert_not_null(x.title);
	cr_expect(utf8_valid(x.title, strlen(x.title)), "%s", x.title);
	expect_links("http://h.com/x", NULL);
}

Test(extract, survives_nul_in_text)
{
	PARSE_LIT("<title>N\0UL</title><p>x\0y</p><a href=/after>a</a>");
	cr_assert_not_null(x.title);
	cr_expect(utf8_valid(x.title, strlen(x.title)));
	/* The NUL dropped, or made a space or U+FFFD; the rest kept. */
	cr_expect(x.title[0] == 'N' && strlen(x.title) >= 3 && strlen(x.title) <= 6 &&
		  strcmp(x.title + strlen(x.title) - 2, "UL") == 0, "%s", x.title);
	expect_links("http://h.com/after", NULL);
}

/* Regression (fixed in 0e786c5): libxml2 2.9.14 ends the parse at a NUL
 * byte between tags or inside an attribute value; every link after it was
 * lost.  Browsers read on. */
Test(extract, finds_links_after_nul_between_tags)
{
	PARSE_LIT("<html><body><a href=/before>b</a>\0<a href=/after>a</a>"
		  "<p>t</p>\0\0<a href=/last>l</a></body></html>");
	expect_links("http://h.com/before", "http://h.com/after",
		     "http://h.com/last", NULL);
}

/* Regression, as above: a NUL inside an attribute value. */
Test(extract, finds_links_after_nul_in_attribute)
{
	PARSE_LIT("<a href='/a\0b'>b</a><a href=/after>a</a>");
	cr_expect(has_link("http://h.com/after"));
}

Test(extract, survives_garbage_bytes)
{
	char body[8192];
	unsigned seed = 99;
	size_t i, n;
	int round;

	/* Random bytes with markup mixed in: never a failure, strings valid. */
	for (round = 0; round < 200; round++) {
		n = (size_t)rand_r(&seed) % (sizeof body - 64);
		for (i = 0; i < n; i++) {
			int r = rand_r(&seed) % 10;
			body[i] = r < 2 ? '<' : r < 3 ? '>' : r < 4 ? '"' :
				  (char)rand_r(&seed);
		}
		memcpy(body + n, "<title>T\xff</title><a href=/z>z</a>", 32);
		n += 32;
		cr_assert_eq(extract_html(&x, body, n, PAGE, NULL, 50), 0);
		if (x.title)
			cr_assert(utf8_valid(x.title, strlen(x.title)));
		if (x.description)
			cr_assert(utf8_valid(x.description, strlen(x.description)));
		cr_assert_leq(x.nlinks, 50);
		extract_release(&x);
	}
}

Test(extract, empty_body_gives_nothing)
{
	parse_n("", 0, NULL, 100);
	expect_links(NULL);
	cr_expect_null(x.title);
	cr_expect_null(x.description);
	cr_expect_null(x.canonical);
	cr_expect(!x.noindex && !x.nofollow);
	cr_expect_eq(x.links_len, 0);
}

Test(extract, converts_latin1_title_given_by_header)
{
	parse_cs("<title>caf\xe9 cr\xe8me</title>", "iso-8859-1");
	cr_expect_str_eq(x.title, "caf\xc3\xa9 cr\xc3\xa8me");
}

Test(extract, converts_latin1_title_declared_in_meta)
{
	PARSE_LIT("<html><head><meta http-equiv='Content-Type' "
		  "content='text/html; charset=iso-8859-1'>"
		  "<title>caf\xe9</title></head></html>");
	cr_expect_str_eq(x.title, "caf\xc3\xa9");
	extract_release(&x);
	PARSE_LIT("<html><head><meta charset=ISO-8859-1>"
		  "<title>caf\xe9</title></head></html>");
	cr_expect_str_eq(x.title, "caf\xc3\xa9");
}

Test(extract, keeps_utf8_title_declared_utf8)
{
	PARSE_LIT("<meta charset=utf-8><title>\xc3\xa9t\xc3\xa9 \xe2\x82\xac</title>");
	cr_expect_str_eq(x.title, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac");
	extract_release(&x);
	parse_cs("<title>\xc3\xa9t\xc3\xa9</title>", "UTF-8");
	cr_expect_str_eq(x.title, "\xc3\xa9t\xc3\xa9");
}

Test(extract, ignores_unknown_charset)
{
	parse_cs("<title>ok</title><a href=/x>x</a>", "x-no-such-charset");
	cr_expect_str_eq(x.title, "ok");
	expect_links("http://h.com/x", NULL);
}

Test(extract, fails_when_page_url_cannot_be_a_base)
{
	cr_expect_eq(extract_html(&x, "<a href=/x>", 11, "mailto:a@b", NULL, 10), -1);
	cr_assert_not_null(x.links, "links is still a valid empty list");
	cr_expect_eq(x.nlinks, 0);
	cr_expect_eq(x.links_len, 0);
}

Test(extract, release_accepts_null_and_twice)
{
	parse("<title>t</title><a href=/x>x</a>");
	extract_release(&x);
	extract_release(&x);
	extract_release(NULL);
	cr_expect_null(x.links);
}
