/*
 * fuzz_url.c - libFuzzer target for crawler/url.c: normalization and
 * resolution of hostile URLs and hrefs.
 *
 * Each input is used three ways:
 *   1. url_normalize(input): when it gives a URL, that URL meets the
 *      contract of url.h (fuzz.h: http(s), <= URL_MAX_LEN, printable
 *      ASCII, no fragment) and normalizing it again changes nothing.
 *   2. url_resolve() of the raw bytes (not NUL-terminated: ASan sees any
 *      read past them) against a fixed base; same checks on the result.
 *   3. If the input holds a newline, the part before it as the base (so
 *      url_base_init() meets odd bases) and the part after it as the href.
 * url_fingerprint(), url_host() and url_authority() run on every result.
 */
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "url.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct url_base fixed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (url_base_init(&fixed, "http://127.0.0.1:8080/a/b/c.html?x=1") < 0)
		abort();
	return 0;
}

/* Every check that applies to a URL url.c handed out. */
static void check_result(const char *u)
{
	size_t n;
	const char *h;

	fuzz_check_url(u);
	fuzz_check_fixed_point(u);
	FUZZ_CHECK(url_fingerprint(u, strlen(u)) != 0);
	h = url_authority(u, &n);
	FUZZ_CHECK(h != NULL && h + n <= u + strlen(u));
	h = url_host(u, &n);
	FUZZ_CHECK(h != NULL && h + n <= u + strlen(u));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), *u;
	const uint8_t *nl;
	struct url_base b;

	u = url_normalize(s);
	if (u) {
		check_result(u);
		free(u);
	}

	u = url_resolve(&fixed, (const char *)data, size);
	if (u) {
		check_result(u);
		free(u);
	}

	nl = memchr(data, '\n', size);
	if (nl) {
		char *base = fuzz_strndup(data, (size_t)(nl - data));

		if (url_base_init(&b, base) == 0) {
			check_result(b.self);
			FUZZ_CHECK(b.scheme_len < b.origin_len &&
				   b.origin_len <= b.dir_len &&
				   b.dir_len <= strlen(b.self));
			u = url_resolve(&b, (const char *)nl + 1,
					size - (size_t)(nl + 1 - data));
			if (u) {
				check_result(u);
				free(u);
			}
			url_base_release(&b);
		}
		free(base);
	}
	free(s);
	return 0;
}
