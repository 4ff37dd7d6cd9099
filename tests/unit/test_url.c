/*
 * test_url.c - crawler/url.c: resolution of the href forms found in real
 * pages, the canonical spelling (case, ports, percent-encoding, dot
 * segments, fragments), what is refused, idempotence, fingerprints, and
 * url_host()/url_authority().
 *
 * The tables list a base, an href and the one spelling the crawler must
 * produce; the same tables then check that normalizing an output again
 * changes nothing.
 */
#include "url.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <criterion/parameterized.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(url, .timeout = 10);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Criterion runs each parameterized test in a fresh process image, where
 * pointers copied from the parent's tables are not valid: pass the index
 * of a row and read the row from the table, which the child has too. */
static int row_index[256];

static struct criterion_test_params rows(size_t n)
{
	size_t i;

	cr_assert_leq(n, NELEM(row_index));
	for (i = 0; i < n; i++)
		row_index[i] = (int)i;
	return cr_make_param_array(int, row_index, n);
}

static char *resolve_with(const char *base, const char *href);

#define BASE "http://Example.COM:80/a/b/c.html?x=1#top"
#define BASE_N "http://example.com/a/b/c.html?x=1"

struct rcase {
	const char *base, *href, *want; /* want NULL: refused */
};

static struct rcase resolve_cases[] = {
	/* Relative forms. */
	{ BASE, "d.html", "http://example.com/a/b/d.html" },
	{ BASE, "sub/e.html", "http://example.com/a/b/sub/e.html" },
	{ BASE, "../up.html", "http://example.com/a/up.html" },
	{ BASE, "../../../../top.html", "http://example.com/top.html" },
	{ BASE, "./here.html", "http://example.com/a/b/here.html" },
	{ BASE, "/root.html", "http://example.com/root.html" },
	{ BASE, "//Other.ORG/p", "http://other.org/p" },
	{ "https://example.com/a/b", "//other.org/p", "https://other.org/p" },
	{ BASE, "?q=2", "http://example.com/a/b/c.html?q=2" },
	{ "http://example.com/dir/", "?q", "http://example.com/dir/?q" },
	{ BASE, "", BASE_N },
	{ BASE, "#frag", BASE_N },
	{ BASE, "#", BASE_N },
	{ BASE, "   ", BASE_N },
	{ "http://example.com/dir/", "page#f", "http://example.com/dir/page" },
	{ BASE, "/a/./b/../c/", "http://example.com/a/c/" },
	{ BASE, "/a/b/..", "http://example.com/a/" },
	/* Absolute hrefs, normalized. */
	{ BASE, "HTTP://X.COM:8080/", "http://x.com:8080/" },
	{ BASE, "HTTPS://EX.com", "https://ex.com/" },
	{ BASE, "http://a.com?x", "http://a.com/?x" },
	{ BASE, "http://a.com#x", "http://a.com/" },
	/* Fragments dropped. */
	{ BASE, "/p.html#sec-2", "http://example.com/p.html" },
	{ BASE, "/p.html?q=1#sec", "http://example.com/p.html?q=1" },
	/* Default ports dropped, others kept. */
	{ BASE, "http://x.com:80/", "http://x.com/" },
	{ BASE, "https://x.com:443/", "https://x.com/" },
	{ BASE, "https://x.com:443", "https://x.com/" },
	{ BASE, "http://x.com:443/", "http://x.com:443/" },
	{ BASE, "https://x.com:80/", "https://x.com:80/" },
	{ BASE, "http://x.com:8080/", "http://x.com:8080/" },
	{ BASE, "http://x.com:080/", "http://x.com/" },
	{ BASE, "http://x.com:/", "http://x.com/" },
	/* Percent-encoding: hex upper-cased, unreserved decoded. */
	{ BASE, "/%7euser/", "http://example.com/~user/" },
	{ BASE, "/%7Euser/", "http://example.com/~user/" },
	{ BASE, "/%41%62%2d%5f%2E%30", "http://example.com/Ab-_.0" },
	{ BASE, "/a%2fb%3a", "http://example.com/a%2Fb%3A" },
	{ BASE, "/p?a=%e2%82%ac", "http://example.com/p?a=%E2%82%AC" },
	{ BASE, "/p?b=%7e", "http://example.com/p?b=~" },
	{ BASE, "/%25%37%65", "http://example.com/%257e" },
	/* Spaces and non-ASCII encoded. */
	{ BASE, "/a b/c d", "http://example.com/a%20b/c%20d" },
	{ BASE, "/\xc3\xa9t\xc3\xa9", "http://example.com/%C3%A9t%C3%A9" },
	/* Whitespace trimmed, tabs and newlines removed. */
	{ BASE, "  /trim.html  ", "http://example.com/trim.html" },
	{ BASE, "\n\t /nl.html\r\n", "http://example.com/nl.html" },
	{ BASE, "/a\tb\nc\rd", "http://example.com/abcd" },
	{ BASE, "ht\ttp://q.com/", "http://q.com/" },
	/* User info kept, host lower-cased; IPv6 literals. */
	{ BASE, "http://user:pw@Host.COM:81/p", "http://user:pw@host.com:81/p" },
	{ BASE, "http://[::1]:8080/x", "http://[::1]:8080/x" },
	{ BASE, "http://[::1]:80/x", "http://[::1]/x" },
	{ BASE, "http://[2001:DB8::1]/", "http://[2001:db8::1]/" },
	/* Not fetchable: refused. */
	{ BASE, "mailto:a@example.com", NULL },
	{ BASE, "MAILTO:a@example.com", NULL },
	{ BASE, "javascript:alert(1)", NULL },
	{ BASE, "  JavaScript:void(0)", NULL },
	{ BASE, "java\tscript:alert(1)", NULL },
	{ BASE, "data:text/html,<p>x</p>", NULL },
	{ BASE, "ftp://ftp.example.com/f", NULL },
	{ BASE, "tel:+15551234", NULL },
	{ BASE, "http://x.com:99999/", NULL },
	{ BASE, "http://:80/x", NULL },
};

ParameterizedTestParameters(url, resolves_href_to_canonical_form)
{
	return rows(NELEM(resolve_cases));
}

ParameterizedTest(int *row, url, resolves_href_to_canonical_form)
{
	const struct rcase *c = &resolve_cases[*row];
	struct url_base b;
	char *got;

	cr_assert_eq(url_base_init(&b, c->base), 0, "base %s", c->base);
	got = url_resolve(&b, c->href, strlen(c->href));
	if (c->want)
		cr_expect(got && strcmp(got, c->want) == 0,
			  "resolve(%s, \"%s\") = %s, want %s", c->base, c->href,
			  got ? got : "NULL", c->want);
	else
		cr_expect_null(got, "resolve(%s, \"%s\") = %s, want NULL", c->base,
			       c->href, got);
	free(got);
	url_base_release(&b);
}

/* Where curl and browsers read an href differently, url_resolve() reads it
 * as browsers do (test_url_whatwg.c checks the WHATWG test data; these
 * are the facts it relies on, without the data). */
static struct rcase browser_cases[] = {
	/* A backslash is a slash before the query, kept (encoded) after. */
	{ BASE, "\\x.html", "http://example.com/x.html" },
	{ BASE, "\\\\h.com\\p\\q", "http://h.com/p/q" },
	{ BASE, "http:\\\\h.com\\p", "http://h.com/p" },
	{ BASE, "/p\\q?a\\b#c\\d", "http://example.com/p/q?a%5Cb" },
	{ BASE, "..\\..\\x", "http://example.com/x" },
	/* Controls other than tab and newline encoded; in a host, refused. */
	{ BASE, "/a\x01" "b\x7f", "http://example.com/a%01b%7F" },
	{ BASE, "?q=\x1f" "x", "http://example.com/a/b/c.html?q=%1Fx" },
	{ BASE, "http://a\x01" "b.com/", NULL },
	/* "http:" on an http page: relative; other slashes counts: "//". */
	{ BASE, "http:d.html", "http://example.com/a/b/d.html" },
	{ BASE, "HTTP:/p", "http://example.com/p" },
	{ BASE, "http:", BASE_N },
	{ BASE, "http:?q", "http://example.com/a/b/c.html?q" },
	{ BASE, "https:x.com/p", "https://x.com/p" },
	{ BASE, "https:/x.com/p", "https://x.com/p" },
	{ BASE, "https:////x.com/p", "https://x.com/p" },
	{ BASE, "http:///x.com/p", "http://x.com/p" },
	{ "https://example.com/a/b", "http:x.com", "http://x.com/" },
	{ BASE, "////x.com/p", "http://x.com/p" },
	/* User info ends at the last '@'; empty parts dropped. */
	{ BASE, "http://a@b@h.com/", "http://a%40b@h.com/" },
	{ BASE, "http://u:p:q@h.com/", "http://u:p%3Aq@h.com/" },
	{ BASE, "http://u:@h.com/", "http://u@h.com/" },
	{ BASE, "http://@h.com/", "http://h.com/" },
	{ BASE, "http://:@h.com/", "http://h.com/" },
	{ BASE, "http://u:[x]@h.com/", "http://u:%5Bx%5D@h.com/" },
	/* A host ending in a number is an IPv4 address or refused. */
	{ BASE, "http://0x7f.1/", "http://127.0.0.1/" },
	{ BASE, "http://1.2.3.4./", "http://1.2.3.4/" },
	{ BASE, "http://999999999./", "http://59.154.201.255/" },
	{ BASE, "http://256.0.0.1/", NULL },
	{ BASE, "http://1.2.3.4.5/", NULL },
	{ BASE, "http://1.2.3.08/", NULL },
	{ BASE, "http://foo.09/", NULL },
	{ BASE, "http://foo.0x4/", NULL },
	{ BASE, "http://4294967296/", NULL },
	{ BASE, "http://a1.example9x/", "http://a1.example9x/" },
	/* IPv6 literals spelled as browsers spell them. */
	{ BASE, "http://[::127.0.0.1]/", "http://[::7f00:1]/" },
	{ BASE, "http://[0:0:0:0:0:0:13.1.68.3]/", "http://[::d01:4403]/" },
	{ BASE, "http://[::FFFF:1.2.3.4]/", "http://[::ffff:102:304]/" },
	{ BASE, "http://[1:0:0:2:0:0:0:3]/", "http://[1:0:0:2::3]/" },
	{ BASE, "http://[1:0:2:0:3:0:4:0]/", "http://[1:0:2:0:3:0:4:0]/" },
	{ BASE, "http://[0001:0::]:8080/", "http://[1::]:8080/" },
	/* An IDN host libidn2 maps to "%41.com" (fullwidth "％４１"). */
	{ BASE, "http://\xef\xbc\x85\xef\xbc\x94\xef\xbc\x91.com/", NULL },
};

ParameterizedTestParameters(url, resolves_href_as_browsers_do)
{
	return rows(NELEM(browser_cases));
}

ParameterizedTest(int *row, url, resolves_href_as_browsers_do)
{
	const struct rcase *c = &browser_cases[*row];
	struct url_base b;
	char *got;

	cr_assert_eq(url_base_init(&b, c->base), 0, "base %s", c->base);
	got = url_resolve(&b, c->href, strlen(c->href));
	if (c->want)
		cr_expect(got && strcmp(got, c->want) == 0,
			  "resolve(%s, \"%s\") = %s, want %s", c->base, c->href,
			  got ? got : "NULL", c->want);
	else
		cr_expect_null(got, "resolve(%s, \"%s\") = %s, want NULL", c->base,
			       c->href, got);
	free(got);
	url_base_release(&b);
}

struct ncase {
	const char *in, *want;
};

static struct ncase normalize_cases[] = {
	{ "http://Example.COM", "http://example.com/" },
	{ "HTTP://EXAMPLE.COM/Path/", "http://example.com/Path/" },
	{ "http://example.com/a#frag", "http://example.com/a" },
	{ "http://example.com:80/", "http://example.com/" },
	{ "https://example.com:443/x", "https://example.com/x" },
	{ "https://example.com:8443/x", "https://example.com:8443/x" },
	{ "http://example.com/a/../b/./c", "http://example.com/b/c" },
	{ "http://example.com/%7e%7Ex", "http://example.com/~~x" },
	{ "http://example.com/%c3%a9", "http://example.com/%C3%A9" },
	{ "mailto:a@b.c", NULL },
	{ "ftp://example.com/", NULL },
	{ "/relative/path", NULL },
	{ "example.com/no-scheme", NULL },
	{ "", NULL },
	{ "http://", NULL },
};

ParameterizedTestParameters(url, normalizes_absolute_url)
{
	return rows(NELEM(normalize_cases));
}

ParameterizedTest(int *row, url, normalizes_absolute_url)
{
	const struct ncase *c = &normalize_cases[*row];
	char *got = url_normalize(c->in);

	if (c->want) {
		cr_expect(got && strcmp(got, c->want) == 0,
			  "normalize(\"%s\") = %s, want %s", c->in,
			  got ? got : "NULL", c->want);
	} else {
		cr_expect_null(got, "normalize(\"%s\") = %s, want NULL", c->in, got);
	}
	free(got);
}

/* normalize(normalize(x)) == normalize(x), over every output of both
 * tables. */
Test(url, normalization_is_idempotent_over_all_cases)
{
	size_t i, checked = 0;

	for (i = 0; i < NELEM(resolve_cases); i++) {
		struct url_base b;
		char *once, *twice;

		cr_assert_eq(url_base_init(&b, resolve_cases[i].base), 0);
		once = url_resolve(&b, resolve_cases[i].href,
				   strlen(resolve_cases[i].href));
		url_base_release(&b);
		if (!once)
			continue;
		twice = url_normalize(once);
		cr_expect(twice && strcmp(once, twice) == 0,
			  "href \"%s\": %s then %s", resolve_cases[i].href, once,
			  twice ? twice : "NULL");
		free(once);
		free(twice);
		checked++;
	}
	for (i = 0; i < NELEM(browser_cases); i++) {
		char *once = resolve_with(browser_cases[i].base, browser_cases[i].href),
		     *twice;

		if (!once)
			continue;
		twice = url_normalize(once);
		cr_expect(twice && strcmp(once, twice) == 0,
			  "href \"%s\": %s then %s", browser_cases[i].href, once,
			  twice ? twice : "NULL");
		free(once);
		free(twice);
		checked++;
	}
	for (i = 0; i < NELEM(normalize_cases); i++) {
		char *once = url_normalize(normalize_cases[i].in), *twice;

		if (!once)
			continue;
		twice = url_normalize(once);
		cr_expect(twice && strcmp(once, twice) == 0, "%s then %s", once,
			  twice ? twice : "NULL");
		free(once);
		free(twice);
		checked++;
	}
	cr_assert_gt(checked, 50);
}

/* Regression (fixed in 0e786c5): %2E was decoded to '.' after curl_url
 * had removed dot segments, so "/b/%2e%2e/c" came out as "/b/../c": a dot
 * segment left in, not idempotent, the same URL under two fingerprints. */
Test(url, removes_percent_encoded_dot_segments)
{
	static const struct ncase cases[] = {
		{ "http://a.com/b/%2e%2e/c", "http://a.com/c" },
		{ "http://a.com/b/%2E/c", "http://a.com/b/c" },
		{ "http://a.com/b/c/%2e%2E/", "http://a.com/b/" },
		{ "http://a.com/b/.%2e/c", "http://a.com/c" },
	};
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		char *got = url_normalize(cases[i].in);
		cr_expect(got && strcmp(got, cases[i].want) == 0,
			  "normalize(%s) = %s, want %s", cases[i].in,
			  got ? got : "NULL", cases[i].want);
		free(got);
	}
}

/* Regression (fixed in 0e786c5): a stray '%' was copied as is and the
 * escape after it decoded into hex digits, forming a new escape: "/%%37e"
 * gave "/%7e", which normalized again to "/~". */
Test(url, normalizes_stray_percent_idempotently)
{
	static const char *const in[] = {
		"http://a.com/%%37e", "http://a.com/%%41b", "http://a.com/x?%%34%31=1",
	};
	size_t i;

	for (i = 0; i < NELEM(in); i++) {
		char *once = url_normalize(in[i]), *twice;

		cr_assert_not_null(once, "%s", in[i]);
		twice = url_normalize(once);
		cr_expect(twice && strcmp(once, twice) == 0, "%s: %s then %s",
			  in[i], once, twice ? twice : "NULL");
		free(once);
		free(twice);
	}
}

/* Regression (fixed in 0e786c5): bytes RFC 3986 does not allow raw, and
 * that browsers percent-encode, were left raw: "/p<q>" and "/p%3Cq%3E" were
 * the same link to a browser but two spellings and two fetches here. */
Test(url, encodes_characters_not_allowed_in_urls)
{
	static const struct ncase cases[] = {
		{ "http://a.com/p<q>", "http://a.com/p%3Cq%3E" },
		{ "http://a.com/p?x=\"y\"", "http://a.com/p?x=%22y%22" },
		{ "http://a.com/{a}`b", "http://a.com/%7Ba%7D%60b" },
	};
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		char *got = url_normalize(cases[i].in);
		char *enc = url_normalize(cases[i].want);
		cr_expect(got && strcmp(got, cases[i].want) == 0,
			  "normalize(%s) = %s, want %s", cases[i].in,
			  got ? got : "NULL", cases[i].want);
		cr_expect(got && enc && strcmp(got, enc) == 0,
			  "raw and encoded spellings differ: %s, %s",
			  got ? got : "NULL", enc ? enc : "NULL");
		free(got);
		free(enc);
	}
}

Test(url, encodes_spaces_in_query)
{
	char *got = url_normalize("http://a.com/p?q=a b&r=c d");

	cr_assert_not_null(got);
	cr_expect_null(strchr(got, ' '), "raw space in %s", got);
	/* "+" (form encoding) or "%20": both mean a space to the server. */
	cr_expect(strcmp(got, "http://a.com/p?q=a+b&r=c+d") == 0 ||
		  strcmp(got, "http://a.com/p?q=a%20b&r=c%20d") == 0, "%s", got);
	free(got);
}

Test(url, keeps_empty_href_and_fragment_as_the_page_itself)
{
	struct url_base b;
	char *u;

	cr_assert_eq(url_base_init(&b, "http://h.com/dir/page.html?a=1#old"), 0);
	cr_expect_str_eq(b.self, "http://h.com/dir/page.html?a=1");
	u = url_resolve(&b, "#new", 4);
	cr_expect_str_eq(u, "http://h.com/dir/page.html?a=1");
	free(u);
	/* LEN, not the NUL, bounds the href. */
	u = url_resolve(&b, "#xyz/other.html", 1);
	cr_expect_str_eq(u, "http://h.com/dir/page.html?a=1");
	free(u);
	url_base_release(&b);
}

Test(url, honours_href_length_argument)
{
	struct url_base b;
	char *u;

	cr_assert_eq(url_base_init(&b, "http://h.com/dir/"), 0);
	u = url_resolve(&b, "x.htmlGARBAGE", 6);
	cr_expect_str_eq(u, "http://h.com/dir/x.html");
	free(u);
	url_base_release(&b);
}

Test(url, base_init_refuses_relative_and_other_schemes)
{
	static const char *const bad[] = { "/x", "x.html", "mailto:a@b",
					   "ftp://h/", "", "http://" };
	struct url_base b;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		cr_expect_eq(url_base_init(&b, bad[i]), -1, "base \"%s\"", bad[i]);
		cr_expect_null(b.cu);
		cr_expect_null(b.self);
	}
	url_base_release(NULL);
}

/* "http://h.com/" plus padding to exactly N bytes. */
static char *url_of_len(size_t n)
{
	const char *pre = "http://h.com/";
	size_t pl = strlen(pre);
	char *s = malloc(n + 1);

	memcpy(s, pre, pl);
	memset(s + pl, 'a', n - pl);
	s[n] = '\0';
	return s;
}

Test(url, accepts_url_of_max_len)
{
	char *in = url_of_len(URL_MAX_LEN), *got = url_normalize(in);

	cr_assert_not_null(got);
	cr_expect_eq(strlen(got), URL_MAX_LEN);
	free(in);
	free(got);
}

Test(url, rejects_url_over_max_len)
{
	struct url_base b;
	char *in = url_of_len(URL_MAX_LEN + 1), *got;
	char href[URL_MAX_LEN + 2];

	cr_expect_null(url_normalize(in));
	cr_assert_eq(url_base_init(&b, "http://h.com/"), 0);
	got = url_resolve(&b, in, strlen(in));
	cr_expect_null(got, "absolute href of %zu bytes", strlen(in));
	free(got);
	/* A relative href over the limit. */
	memset(href, 'b', sizeof href - 1);
	href[sizeof href - 1] = '\0';
	got = url_resolve(&b, href, strlen(href));
	cr_expect_null(got, "relative href of %zu bytes", strlen(href));
	free(got);
	url_base_release(&b);
	free(in);
}

Test(url, rejects_short_href_resolving_over_max_len)
{
	struct url_base b;
	char *base = url_of_len(URL_MAX_LEN - 5), *got;

	/* A directory base of URL_MAX_LEN - 5 bytes; 10 more bytes under it
	 * overflow. */
	base[URL_MAX_LEN - 6] = '/';
	cr_assert_eq(url_base_init(&b, base), 0);
	got = url_resolve(&b, "0123456789", 10);
	cr_expect_null(got, "resolved to %zu bytes", got ? strlen(got) : 0);
	free(got);
	url_base_release(&b);
	free(base);
}

Test(url, fingerprint_is_stable_across_builds)
{
	/* Fingerprints are stored in every database (urls.fp, unique per
	 * job) and rebuild the seen set on resume: a change in the function
	 * makes a resumed crawl fetch everything again.  Change these values
	 * only together with a schema version that recomputes urls.fp. */
	const char *s = "http://example.com/";

	cr_expect_eq(url_fingerprint(s, strlen(s)), 0x9704b94b8cef2004ULL);
	cr_expect_eq(url_fingerprint("", 0), 0x9ca066f1a4ab2eeaULL);
	cr_expect_eq(url_fingerprint(s, strlen(s)), url_fingerprint(s, strlen(s)));
}

/* Every base of this list against every href of resolve_cases, and a few
 * hrefs that depend on more of the base than their form suggests. */
static const char *const cache_bases[] = {
	BASE,
	"http://example.com/a/b/c.html?y=2",
	"http://example.com/a/b/other.html",
	"http://example.com/a/x/c.html",
	"https://example.com/a/b/c.html",
	"http://example.com:8080/a/b/c.html",
	"http://other.org/a/b/c.html",
	"http://example.com/",
	"http://example.com",
	"http://u:p@example.com/a/b/",
};

static const char *const cache_hrefs[] = {
	"?q", "?", "#f", "", " ", "\t?q", "x", "x?q", "x#f", "./x", "../x", "../../x",
	"/x", "//h.com/x", "http://h.com/x", "HTTP://h.com/x", "mailto:a@b",
	"h\ttp://h.com/x", "/\t/h.com/x", "%2e%2e/x", "a:b", "http:x", "http:/x",
};

static char *resolve_with(const char *base, const char *href)
{
	struct url_base b;
	char *u;

	cr_assert_eq(url_base_init(&b, base), 0, "%s", base);
	u = url_resolve(&b, href, strlen(href));
	url_base_release(&b);
	return u;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* curl's own resolution of HREF against BASE, then url_normalize(): what
 * url_resolve() must agree with whichever path it takes inside. */
static char *curl_reference(const char *base, const char *href)
{
	CURLU *h = curl_url();
	char *raw = NULL, *out = NULL;
	size_t n = strlen(href);

	/* The same href fix-ups url_resolve() documents: trim, drop tabs
	 * and newlines. */
	while (n && (unsigned char)href[0] <= ' ') {
		href++;
		n--;
	}
	while (n && (unsigned char)href[n - 1] <= ' ')
		n--;
	{
		char clean[512];
		size_t i, k = 0;
		for (i = 0; i < n && k < sizeof clean - 1; i++)
			if (href[i] != '\t' && href[i] != '\n' && href[i] != '\r')
				clean[k++] = href[i];
		clean[k] = '\0';
		if (curl_url_set(h, CURLUPART_URL, base, CURLU_ALLOW_SPACE | CURLU_URLENCODE) == CURLUE_OK &&
		    curl_url_set(h, CURLUPART_URL, clean, CURLU_ALLOW_SPACE | CURLU_URLENCODE |
				 CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
		    curl_url_get(h, CURLUPART_URL, &raw, 0) == CURLUE_OK)
			out = url_normalize(raw);
	}
	curl_free(raw);
	curl_url_cleanup(h);
	return out;
}

/* url_resolve() hands path references to curl as absolute URLs it builds
 * from the base; every other reference goes through curl's resolution.
 * Both must give what curl's resolution gives. */
Test(url, resolves_path_references_as_curl_does)
{
	size_t nb = NELEM(cache_bases), nh = NELEM(cache_hrefs) + NELEM(resolve_cases);
	size_t i, j;

	for (i = 0; i < nb; i++) {
		for (j = 0; j < nh; j++) {
			const char *h = j < NELEM(cache_hrefs) ? cache_hrefs[j] :
					resolve_cases[j - NELEM(cache_hrefs)].href;
			char *got, *want;
			/* "" and "#x" mean the page itself, where curl 7.88
			 * answers the directory (a documented fix-up). */
			if (!*h || h[strspn(h, " \t\n")] == '#' || !h[strspn(h, " \t\n")])
				continue;
			/* Nor "http:x" and "http:/x", relative to an http page
			 * for browsers and for url_resolve() (test_url_whatwg.c),
			 * where curl answers NULL or "http://x/". */
			if (strncasecmp(h, "http:", 5) == 0 && strncmp(h + 5, "//", 2) != 0)
				continue;
			got = resolve_with(cache_bases[i], h);
			want = curl_reference(cache_bases[i], h);
			cr_expect(same(got, want), "base %s href \"%s\": %s, curl says %s",
				  cache_bases[i], h, got ? got : "NULL", want ? want : "NULL");
			free(got);
			free(want);
		}
	}
}

Test(url, fingerprint_reads_only_len_bytes)
{
	cr_expect_eq(url_fingerprint("http://a.com/xyz", 13),
		     url_fingerprint("http://a.com/", 13));
	cr_expect_neq(url_fingerprint("http://a.com/xyz", 14),
		      url_fingerprint("http://a.com/", 13));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

Test(url, fingerprint_is_never_zero_and_differs_between_urls)
{
	enum { N = 60000 };
	uint64_t *fp = malloc(N * sizeof *fp);
	char buf[64];
	size_t i;

	/* Near-identical URLs: one character or one digit apart. */
	for (i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof buf, "http://h%zu.com/p/%zu", i % 7, i);
		fp[i] = url_fingerprint(buf, (size_t)n);
		cr_assert_neq(fp[i], 0, "%s", buf);
	}
	qsort(fp, N, sizeof *fp, cmp_u64);
	for (i = 1; i < N; i++)
		cr_assert_neq(fp[i], fp[i - 1], "two URLs share a fingerprint");
	free(fp);
	cr_expect_neq(url_fingerprint("http://a.com/", 13),
		      url_fingerprint("http://a.com/", 12));
	cr_expect_neq(url_fingerprint("http://a.com/a", 14),
		      url_fingerprint("http://a.com/b", 14));
}

struct hcase {
	const char *u, *host, *authority; /* NULL: no "://" */
};

static struct hcase host_cases[] = {
	{ "http://a.com/x", "a.com", "a.com" },
	{ "http://a.com", "a.com", "a.com" },
	{ "http://a.com?q=1", "a.com", "a.com" },
	{ "http://a.com:8080/x", "a.com", "a.com:8080" },
	{ "https://a.com:8443?q", "a.com", "a.com:8443" },
	{ "http://user@a.com/x", "a.com", "a.com" },
	{ "http://user:pw@a.com:81/x", "a.com", "a.com:81" },
	{ "http://[::1]/x", "[::1]", "[::1]" },
	{ "http://[::1]:8080/x", "[::1]", "[::1]:8080" },
	{ "http://u:p@[2001:db8::1]:9/x", "[2001:db8::1]", "[2001:db8::1]:9" },
	{ "http://a.com/p@q:1/r", "a.com", "a.com" },
	{ "no-scheme/x", NULL, NULL },
	{ "mailto:a@b.com", NULL, NULL },
};

ParameterizedTestParameters(url, finds_host_and_authority)
{
	return rows(NELEM(host_cases));
}

ParameterizedTest(int *row, url, finds_host_and_authority)
{
	const struct hcase *c = &host_cases[*row];
	size_t hl = 12345, al = 12345;
	const char *h = url_host(c->u, &hl), *a = url_authority(c->u, &al);
	size_t ul = strlen(c->u);

	if (!c->host) {
		cr_expect_null(h, "url_host(%s)", c->u);
		cr_expect_null(a, "url_authority(%s)", c->u);
		return;
	}
	cr_assert_not_null(h, "url_host(%s)", c->u);
	cr_assert_not_null(a, "url_authority(%s)", c->u);
	/* Borrowed from U. */
	cr_expect(h >= c->u && h + hl <= c->u + ul);
	cr_expect(a >= c->u && a + al <= c->u + ul);
	cr_expect(hl == strlen(c->host) && memcmp(h, c->host, hl) == 0,
		  "url_host(%s) = %.*s, want %s", c->u, (int)hl, h, c->host);
	cr_expect(al == strlen(c->authority) && memcmp(a, c->authority, al) == 0,
		  "url_authority(%s) = %.*s, want %s", c->u, (int)al, a,
		  c->authority);
}

Test(url, host_of_resolved_url_is_lower_case_without_port)
{
	char *u = url_normalize("HTTP://User@WWW.Example.COM:8080/P");
	size_t n;
	const char *h;

	cr_assert_not_null(u);
	h = url_host(u, &n);
	cr_assert_not_null(h);
	cr_expect(n == 15 && memcmp(h, "www.example.com", 15) == 0, "%.*s",
		  (int)n, h);
	h = url_authority(u, &n);
	cr_expect(n == 20 && memcmp(h, "www.example.com:8080", 20) == 0, "%.*s",
		  (int)n, h);
	free(u);
}

/* Inputs the fuzzer found (tests/fuzz/regressions/url): each result must
 * be a fixed point of normalization, or the input refused. */
Test(url, fuzz_findings_normalize_to_fixed_points)
{
	static const char *const base = "http://127.0.0.1/a/b.html";
	static const char *const in[] = {
		"http:/%30",            /* percent-encoded host, one slash */
		"%\t2e",                /* "%2e" split by a tab */
		"//%2527",              /* host %25 */
		"http://a%7fb/",        /* host %7f */
		"//%30",                /* host that curl would read as IPv4 */
		"//\xff",               /* raw byte in the host */
		"http://us er:p\xc3\xa4ss@h/", /* space and UTF-8 in user info */
		"http://b\xc3\xbcro.example/", /* IDN host: punycode */
		"//\xc2\xb2",          /* IDN maps superscript two to "2": IPv4 */
	};
	struct url_base b;
	size_t i;

	cr_assert_eq(url_base_init(&b, base), 0);
	for (i = 0; i < NELEM(in); i++) {
		char *u = url_resolve(&b, in[i], strlen(in[i])), *again;
		if (!u)
			continue;
		again = url_normalize(u);
		cr_expect(again && strcmp(again, u) == 0, "\"%s\" -> %s -> %s", in[i], u,
			  again ? again : "NULL");
		for (const char *p = u; *p; p++)
			cr_expect((unsigned char)*p > ' ' && (unsigned char)*p < 0x7f,
				  "\"%s\" -> %s has a raw byte", in[i], u);
		free(again);
		free(u);
	}
	url_base_release(&b);
	{
		char *idn = url_normalize("http://b\xc3\xbcro.example/");
		cr_expect(idn && strcmp(idn, "http://xn--bro-hoa.example/") == 0,
			  "IDN host: %s", idn ? idn : "NULL");
		free(idn);
		idn = url_normalize("http://\xc2\xb2/");
		cr_expect(idn && strcmp(idn, "http://0.0.0.2/") == 0,
			  "IDN host that is a number: %s", idn ? idn : "NULL");
		free(idn);
	}
}

/* strip_params: named query parameters go, matched by glob on their
 * normalized names; the rest keep their order; an emptied query loses its
 * "?"; the result is still a fixed point. */
Test(url, strip_params_removes_named_query_parameters)
{
	static const char *const pats[] = { "utm_*", "sessionid", "fbclid" };
	static const struct { const char *in, *want; } cases[] = {
		{ "http://a.com/p?utm_source=x&id=3&utm_medium=y", "http://a.com/p?id=3" },
		{ "http://a.com/p?utm_source=x", "http://a.com/p" },
		{ "http://a.com/p?id=3&sessionid=abc&b", "http://a.com/p?id=3&b" },
		{ "http://a.com/p?utm%5Fcampaign=z&q=1", "http://a.com/p?q=1" },
		{ "http://a.com/p?sessionidx=1&fbclid", "http://a.com/p?sessionidx=1" },
		{ "http://a.com/p?a=1&&utm_x=2&", "http://a.com/p?a=1" },
		{ "http://a.com/p?UTM_source=1", "http://a.com/p?UTM_source=1" },
	};
	struct url_base b;
	size_t i;

	url_strip_params(pats, 3);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *u = url_normalize(cases[i].in), *again;

		cr_expect(u && strcmp(u, cases[i].want) == 0, "%s -> %s, want %s",
			  cases[i].in, u ? u : "NULL", cases[i].want);
		again = u ? url_normalize(u) : NULL;
		cr_expect(again && u && strcmp(again, u) == 0, "fixed point: %s", u);
		free(again);
		free(u);
	}
	cr_assert_eq(url_base_init(&b, "http://a.com/dir/page.html"), 0);
	{
		char *u = url_resolve(&b, "x.html?utm_source=feed&page=2", 29);
		cr_expect(u && strcmp(u, "http://a.com/dir/x.html?page=2") == 0,
			  "resolved: %s", u ? u : "NULL");
		free(u);
		u = url_resolve(&b, "?fbclid=123", 11);
		cr_expect(u && strcmp(u, "http://a.com/dir/page.html") == 0,
			  "query-only reference: %s", u ? u : "NULL");
		free(u);
	}
	url_base_release(&b);
	url_strip_params(NULL, 0);
	{
		char *u = url_normalize("http://a.com/p?utm_source=x");
		cr_expect(u && strcmp(u, "http://a.com/p?utm_source=x") == 0, "off again");
		free(u);
	}
}
