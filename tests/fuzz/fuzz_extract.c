/*
 * fuzz_extract.c - libFuzzer target for crawler/extract.c: one HTML page,
 * parsed with libxml2's SAX HTML parser, as a worker parses every page.
 *
 * The input is the body of http://127.0.0.1/a/b.html (no charset header,
 * so libxml2 sniffs <meta charset> itself), with max_links 100.  What
 * extract.h promises, checked on every output:
 *   - nlinks <= 100, and links holds exactly nlinks NUL-terminated
 *     strings in links_len bytes, all different;
 *   - every link and the canonical URL meet url.h's contract (fuzz.h) and
 *     are fixed points of url_normalize();
 *   - title and description are valid UTF-8, non-empty, with no leading
 *     or trailing space.
 */
#include <curl/curl.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "fuzz.h"
#include "url.h"
#include "utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGE_URL "http://127.0.0.1/a/b.html"
#define MAX_LINKS 100

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	return 0;
}

static void check_text(const char *s)
{
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(utf8_valid(s, n));
	FUZZ_CHECK(s[0] != ' ' && s[n - 1] != ' ');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract x;
	const char *p, *end;
	size_t i;

	FUZZ_CHECK(extract_html(&x, (const char *)data, size, PAGE_URL, NULL,
				MAX_LINKS) == 0);
	FUZZ_CHECK(x.nlinks <= MAX_LINKS);
	FUZZ_CHECK(x.links != NULL);
	p = x.links;
	end = x.links + x.links_len;
	for (i = 0; i < x.nlinks; i++) {
		const char *q;
		size_t n;

		FUZZ_CHECK(p < end);
		n = strnlen(p, (size_t)(end - p));
		FUZZ_CHECK(p + n < end);
		fuzz_check_url(p);
		fuzz_check_fixed_point(p);
		/* Links are unique (few, so quadratic is fine). */
		for (q = x.links; q < p; q += strlen(q) + 1)
			FUZZ_CHECK(strcmp(q, p) != 0);
		p += n + 1;
	}
	FUZZ_CHECK(p == end);
	if (x.canonical) {
		fuzz_check_url(x.canonical);
		fuzz_check_fixed_point(x.canonical);
	}
	check_text(x.title);
	check_text(x.description);
	extract_release(&x);
	return 0;
}
