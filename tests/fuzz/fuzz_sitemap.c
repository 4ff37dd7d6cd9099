/*
 * fuzz_sitemap.c - libFuzzer target for crawler/sitemap.c: sitemap XML,
 * sitemap indexes, text sitemaps and gzip.
 *
 * The input is parsed as a sitemap fetched from a fixed URL, then again
 * gzipped (unless it is gzip already), and the two results must be the
 * same: inflating is transparent.  Checked on each result: at most
 * SITEMAP_MAX_ENTRIES entries; every loc a normalized http(s) URL as
 * fuzz.h defines it and a fixed point of url_normalize(); locs distinct;
 * every lastmod valid UTF-8 and of the shape of a W3C datetime (checked
 * with a regular expression, apart from sitemap.c's grammar); no entries when the kind is unknown; only the cut bits
 * sitemap.h names (and SITEMAP_CUT_SIZE never, inputs being small).
 */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz.h"
#include "sitemap.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE "https://example.com/dir/sitemap.xml"

/* The shape of a W3C datetime; sitemap.c also checks the ranges. */
static const char w3c_shape[] =
	"^[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?"
	"(Z|[-+][0-9]{2}:[0-9]{2}))?)?)?$";
static regex_t w3c_re;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check(const struct sitemap *sm)
{
	const char **sorted;
	size_t i;

	FUZZ_CHECK(sm->n <= SITEMAP_MAX_ENTRIES);
	FUZZ_CHECK(sm->kind == SITEMAP_UNKNOWN || sm->kind == SITEMAP_URLSET ||
		   sm->kind == SITEMAP_INDEX);
	FUZZ_CHECK(sm->kind != SITEMAP_UNKNOWN || sm->n == 0);
	FUZZ_CHECK((sm->cuts & ~(unsigned)(SITEMAP_CUT_ENTRIES | SITEMAP_CUT_ERROR)) == 0);
	FUZZ_CHECK(!(sm->cuts & SITEMAP_CUT_ENTRIES) || sm->n == SITEMAP_MAX_ENTRIES);
	FUZZ_CHECK((sm->n == 0) == (sm->e == NULL));
	if (sm->n == 0)
		return;
	sorted = malloc(sm->n * sizeof *sorted);
	if (!sorted)
		abort();
	for (i = 0; i < sm->n; i++) {
		const char *lm = sm->e[i].lastmod;
		FUZZ_CHECK(sm->e[i].loc != NULL);
		fuzz_check_url(sm->e[i].loc);
		fuzz_check_fixed_point(sm->e[i].loc);
		if (lm) {
			size_t n = strlen(lm);
			FUZZ_CHECK(utf8_valid(lm, n));
			FUZZ_CHECK(regexec(&w3c_re, lm, 0, NULL, 0) == 0);
		}
		sorted[i] = sm->e[i].loc;
	}
	qsort(sorted, sm->n, sizeof *sorted, cmp_str);
	for (i = 1; i < sm->n; i++)
		FUZZ_CHECK(strcmp(sorted[i - 1], sorted[i]) != 0);
	free(sorted);
}

static bool same(const struct sitemap *a, const struct sitemap *b)
{
	size_t i;

	if (a->kind != b->kind || a->n != b->n || a->dropped != b->dropped || a->cuts != b->cuts)
		return false;
	for (i = 0; i < a->n; i++) {
		const char *x = a->e[i].lastmod, *y = b->e[i].lastmod;
		if (strcmp(a->e[i].loc, b->e[i].loc) != 0)
			return false;
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
			return false;
	}
	return true;
}

/* DATA gzipped with zlib; caller frees with free(). */
static unsigned char *gzip(const uint8_t *data, size_t size, size_t *len)
{
	z_stream z;
	size_t cap = size + size / 100 + 64;
	unsigned char *out = malloc(cap);

	if (!out)
		abort();
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)size;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sitemap a, b;
	unsigned char *gz;
	size_t len;

	static bool init;

	if (!init) {
		if (regcomp(&w3c_re, w3c_shape, REG_EXTENDED | REG_NOSUB) != 0)
			abort();
		init = true;
	}
	if (size > 1 << 20)
		return 0;
	FUZZ_CHECK(sitemap_parse(&a, (const char *)data, size, BASE) == 0);
	check(&a);
	if (!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b)) {
		gz = gzip(data, size, &len);
		FUZZ_CHECK(sitemap_parse(&b, (const char *)gz, len, BASE) == 0);
		FUZZ_CHECK(same(&a, &b));
		sitemap_release(&b);
		free(gz);
	}
	sitemap_release(&a);
	return 0;
}
