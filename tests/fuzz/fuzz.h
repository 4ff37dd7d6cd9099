/*
 * fuzz.h - what the libFuzzer targets in tests/fuzz/ share: the contract of
 * a normalized URL (url.h) checked byte by byte, and a trap that makes any
 * broken invariant a crash libFuzzer records.
 *
 * Header-only (static functions) so that each target is one .c file plus
 * the project sources it exercises.  No I/O: targets run in memory.
 */
#ifndef TRAWL_FUZZ_H
#define TRAWL_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

/* An invariant failed: crash so that libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                  \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

/* The input as a NUL-terminated string (bytes after a NUL are lost).
 * Caller frees with free(). */
static inline char *fuzz_strndup(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Bytes a normalized URL never holds: controls, space, DEL, non-ASCII. */
static inline bool fuzz_bad_byte(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f;
}

/* Length of "scheme://authority" at the start of U. */
static inline size_t fuzz_origin_len(const char *u)
{
	const char *a = strstr(u, "://");

	if (!a)
		return 0;
	a += 3;
	return (size_t)(a - u) + strcspn(a, "/?");
}

/* True if the path of normalized URL U has a "." or ".." segment. */
static inline bool fuzz_has_dot_segment(const char *u)
{
	const char *p = u + fuzz_origin_len(u), *end = p + strcspn(p, "?");

	while (p < end) {
		size_t n;

		p++; /* the '/' */
		n = strcspn(p, "/?");
		if (p + n > end)
			n = (size_t)(end - p);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return true;
		p += n;
	}
	return false;
}

/* The invariants of a normalized URL that callers rely on: absolute http
 * or https, at most URL_MAX_LEN bytes, nothing but printable ASCII (it goes
 * into HTTP request lines, SQLite and JSON as is), no fragment, no dot
 * segment. */
static inline void fuzz_check_url(const char *u)
{
	size_t n = strlen(u);

	FUZZ_CHECK(strncmp(u, "http://", 7) == 0 ||
		   strncmp(u, "https://", 8) == 0);
	FUZZ_CHECK(n <= URL_MAX_LEN);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(!fuzz_bad_byte((unsigned char)u[i]));
	FUZZ_CHECK(strchr(u, '#') == NULL);
	FUZZ_CHECK(!fuzz_has_dot_segment(u));
}

/* U, a normalized URL, is a fixed point of url_normalize(). */
static inline void fuzz_check_fixed_point(const char *u)
{
	char *again = url_normalize(u);

	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(strcmp(again, u) == 0);
	free(again);
}

#endif
