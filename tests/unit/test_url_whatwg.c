/*
 * test_url_whatwg.c - crawler/url.c against the WHATWG URL test data
 * (urltestdata.json of web-platform-tests): does trawl find the URL a
 * browser finds for the same href on the same page?
 *
 * The data is read at run time, never copied into the tree: from
 * $TRAWL_URLTESTDATA, else ../shared/data/urltestdata.json (relative to
 * the repository root, where the tests run); without it the tests are
 * skipped.
 *
 * Cases with an http(s) base go through url_base_init(base) and
 * url_resolve(input); cases without a base through url_normalize(input)
 * (seeds, redirects).  Then:
 *   - the browser gets an http(s) URL: trawl must give that URL in its
 *     normal form (url.h).  The normal form of the browser's href is made
 *     here by normal_form(), a model independent of url.c: the href is
 *     already parsed and serialized (host lower-case, IP addresses in
 *     canonical form, default port and dot segments gone), so what is left
 *     is trawl's spelling: fragment and empty query dropped, %xx
 *     upper-cased, unreserved characters decoded, bytes RFC 3986 forbids
 *     encoded.  url_normalize() of the browser's href must give the same;
 *   - the browser gets another scheme (mailto:, ftp:, ...): trawl must
 *     refuse, as it refuses every link it cannot fetch;
 *   - the browser fails to parse: trawl must refuse too.
 * Any other outcome is a divergence.  The few trawl means to have are
 * listed in `allowed` with the reason; a test fails on a divergence not in
 * the list, and on an entry that no longer diverges (so the list shrinks
 * when url.c improves).
 */
#include "url.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(url_whatwg, .timeout = 30);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A case trawl resolves differently on purpose: INPUT against BASE (NULL:
 * the cases without a base, given to url_normalize()).  INPUT is a literal
 * that may hold a NUL, so its length is taken from the literal. */
struct allow {
	const char *input;
	size_t input_len;
	const char *base;
	const char *why;
};

#define ALLOW(in, base, why) { in, sizeof(in) - 1, base, why }

static const struct allow allowed[] = {
	/* Resolved against an http(s) base. */
	ALLOW("http://%30%78%63%30%2e%30%32%35%30.01", "http://other.com/",
	      "percent-encoded host: refused, no page spells a host so"),
	ALLOW("http://%30%78%63%30%2e%30%32%35%30.01%2e", "http://other.com/",
	      "percent-encoded host: refused, no page spells a host so"),
	/* Absolute, no base. */
	ALLOW("https://%e2%98%83", NULL,
	      "percent-encoded host: refused, no page spells a host so"),
	ALLOW("https://a%C2%ADb/", NULL,
	      "percent-encoded host: refused, no page spells a host so"),
	ALLOW("http://!\"$&'()*+,-.;=_`{}~/", NULL,
	      "host is no DNS name: refused"),
	ALLOW("https://0x.0x.0", NULL,
	      "\"0x\" without digits is 0 to browsers, no number to curl: refused"),
	ALLOW("https://0x.0x.0x.0x", NULL,
	      "\"0x\" without digits is 0 to browsers, no number to curl: refused"),
	ALLOW("http://host/?'", NULL,
	      "' in a query kept raw (RFC 3986 sub-delim); browsers send %27"),
	ALLOW("https://www.example.com/path{\x7fpath.html?query'\x7f=query"
	      "#fragment<\x7f" "fragment", NULL,
	      "' in a query kept raw (RFC 3986 sub-delim); browsers send %27"),
};

/* The allow-list entry for INPUT (LEN bytes) against BASE, or -1. */
static int allow_index(const char *input, size_t len, const char *base)
{
	size_t i;

	for (i = 0; i < NELEM(allowed); i++)
		if (allowed[i].input_len == len &&
		    memcmp(allowed[i].input, input, len) == 0 &&
		    (allowed[i].base && base ? strcmp(allowed[i].base, base) == 0
					     : allowed[i].base == base))
			return (int)i;
	return -1;
}

static bool is_http(const char *u)
{
	return u && (strncmp(u, "http:", 5) == 0 || strncmp(u, "https:", 6) == 0);
}

static unsigned hexv(char c)
{
	return isdigit((unsigned char)c) ? (unsigned)(c - '0')
					 : (unsigned)(tolower((unsigned char)c) - 'a' + 10);
}

/* The reference model of trawl's percent-encoding: the N bytes of user
 * info, path or query at SRC appended to W.  Returns the new end. */
static char *model_pct(char *w, const char *src, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		unsigned v;

		if (c == '%' && i + 2 < n && isxdigit((unsigned char)src[i + 1]) &&
		    isxdigit((unsigned char)src[i + 2])) {
			v = hexv(src[i + 1]) * 16 + hexv(src[i + 2]);
			i += 2;
			if (isalnum((int)v) || (v && strchr("-._~", (int)v))) {
				*w++ = (char)v;
				continue;
			}
		} else if (c == '%' || c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}", c)) {
			v = c;
		} else {
			*w++ = (char)c;
			continue;
		}
		*w++ = '%';
		*w++ = hex[v >> 4];
		*w++ = hex[v & 15];
	}
	return w;
}

/* HREF, an http(s) URL as browsers serialize it, in trawl's normal form
 * (url.h), made without url.c.  Caller frees with free(). */
static char *normal_form(const char *href)
{
	const char *auth = strstr(href, "://") + 3, *end, *at, *colon;
	const char *path, *query, *frag;
	char *out = malloc(3 * strlen(href) + 1), *w = out;

	cr_assert_not_null(out);
	end = auth + strcspn(auth, "/?#");
	for (at = end; at > auth && at[-1] != '@'; at--)
		;
	memcpy(w, href, (size_t)(auth - href));
	w += auth - href;
	if (at > auth) {
		colon = memchr(auth, ':', (size_t)(at - 1 - auth));
		w = model_pct(w, auth, (size_t)((colon ? colon : at - 1) - auth));
		if (colon && colon + 1 < at - 1) {
			*w++ = ':';
			w = model_pct(w, colon + 1, (size_t)(at - 1 - colon - 1));
		}
		*w++ = '@';
	}
	memcpy(w, at, (size_t)(end - at));
	w += end - at;
	path = end;
	frag = path + strcspn(path, "#");
	query = memchr(path, '?', (size_t)(frag - path));
	w = model_pct(w, path, (size_t)((query ? query : frag) - path));
	if (query && query + 1 < frag) {
		*w++ = '?';
		w = model_pct(w, query + 1, (size_t)(frag - query - 1));
	}
	*w = '\0';
	return out;
}

/* S (LEN bytes) as a C string literal body, for messages.  Caller frees
 * with free(). */
static char *quoted(const char *s, size_t len)
{
	char *out = malloc(4 * len + 1), *w = out;
	size_t i;

	cr_assert_not_null(out);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			w += sprintf(w, "\\x%02x", c);
		else if (c == '"' || c == '\\')
			w += sprintf(w, "\\%c", c);
		else
			*w++ = (char)c;
	}
	*w = '\0';
	return out;
}

static const char *or_null(const char *s)
{
	return s ? s : "NULL";
}

/* The test data, or the test skipped.  Caller frees with json_decref(). */
static json_t *load_data(void)
{
	const char *path = getenv("TRAWL_URLTESTDATA");
	json_error_t err;
	json_t *root;

	if (!path || !*path)
		path = "../shared/data/urltestdata.json";
	if (access(path, R_OK) != 0)
		cr_skip_test("%s not readable (set TRAWL_URLTESTDATA to the WHATWG "
			     "urltestdata.json)", path);
	root = json_load_file(path, JSON_ALLOW_NUL, &err);
	cr_assert_not_null(root, "%s:%d:%d: %s", path, err.line, err.column, err.text);
	cr_assert(json_is_array(root), "%s: not an array", path);
	return root;
}

struct tally {
	size_t total, compared, matched, respelled, other, other_refused,
		failures, failures_refused, allowed, unexpected, skipped;
	bool used[NELEM(allowed)];
};

/* Runs every case whose base is http(s) (WITH_BASE) or null. */
static void run_cases(json_t *root, bool with_base, struct tally *t)
{
	size_t i;
	json_t *c;

	json_array_foreach(root, i, c) {
		const char *input, *base, *href = NULL;
		size_t input_len;
		struct url_base b;
		char *got = NULL, *want = NULL, *again = NULL, *q;
		bool failure, ok;
		int a;

		if (!json_is_object(c))
			continue; /* a comment */
		base = json_string_value(json_object_get(c, "base"));
		if (with_base ? !is_http(base) : base != NULL)
			continue;
		input = json_string_value(json_object_get(c, "input"));
		cr_assert_not_null(input, "case %zu has no input", i);
		input_len = json_string_length(json_object_get(c, "input"));
		failure = json_is_true(json_object_get(c, "failure"));
		if (!failure) {
			href = json_string_value(json_object_get(c, "href"));
			cr_assert_not_null(href, "case %zu has no href", i);
		}
		if (!with_base && strlen(input) != input_len) {
			t->skipped++; /* a NUL: url_normalize() takes a C string */
			continue;
		}
		t->total++;

		if (!with_base) {
			got = url_normalize(input);
		} else if (url_base_init(&b, base) == 0) {
			got = url_resolve(&b, input, input_len);
			url_base_release(&b);
		}
		if (failure) {
			t->failures++;
			ok = got == NULL;
			t->failures_refused += ok;
		} else if (!is_http(href)) {
			t->other++;
			ok = got == NULL;
			t->other_refused += ok;
		} else {
			t->compared++;
			want = normal_form(href);
			again = url_normalize(href);
			ok = got && strcmp(got, want) == 0 && again &&
			     strcmp(again, want) == 0;
			t->matched += ok;
			t->respelled += ok && strcmp(want, href) != 0;
		}
		if (!ok) {
			a = allow_index(input, input_len, base);
			q = quoted(input, input_len);
			if (a >= 0) {
				t->used[a] = true;
				t->allowed++;
				cr_log_info("allowed: input \"%s\" base %s: %s", q,
					    or_null(base), allowed[a].why);
			} else {
				t->unexpected++;
				cr_log_error("divergence: input \"%s\" base %s: browser %s%s%s, "
					     "trawl %s%s%s",
					     q, or_null(base), failure ? "fails" : href,
					     want ? ", normal form " : "", want ? want : "",
					     or_null(got),
					     want ? ", url_normalize(browser's) " : "",
					     want ? or_null(again) : "");
			}
			free(q);
		}
		free(got);
		free(want);
		free(again);
	}
}

/* The summary line, then the verdict. */
static void report(const char *what, const struct tally *t, bool with_base)
{
	size_t i;

	fprintf(stderr,
		"url_whatwg: %zu cases %s: %zu give http(s) (%zu match, %zu of "
		"them respelled by trawl's normal form), %zu another scheme (%zu "
		"refused), %zu fail (%zu refused); %zu allow-listed, %zu "
		"unexpected; %zu inputs holding a NUL skipped\n",
		t->total, what, t->compared, t->matched, t->respelled, t->other,
		t->other_refused, t->failures, t->failures_refused, t->allowed,
		t->unexpected, t->skipped);
	for (i = 0; i < NELEM(allowed); i++)
		if ((allowed[i].base != NULL) == with_base)
			cr_expect(t->used[i],
				  "allow-list entry no longer diverges: \"%s\" base %s "
				  "(%s)",
				  allowed[i].input, or_null(allowed[i].base),
				  allowed[i].why);
	cr_expect_eq(t->unexpected, 0, "%zu divergences not in the allow-list",
		     t->unexpected);
}

Test(url_whatwg, resolves_hrefs_as_browsers_do)
{
	json_t *root = load_data();
	struct tally t = { 0 };

	run_cases(root, true, &t);
	json_decref(root);
	cr_expect_gt(t.compared, 100, "too few cases: is %s the WHATWG data?",
		     "urltestdata.json");
	report("with an http(s) base", &t, true);
}

Test(url_whatwg, normalizes_absolute_urls_as_browsers_do)
{
	json_t *root = load_data();
	struct tally t = { 0 };

	run_cases(root, false, &t);
	json_decref(root);
	report("without a base", &t, false);
}
