/*
 * test_utf8.c - crawler/utf8.c: what counts as valid UTF-8 (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF, no truncated
 * sequences, and here no NULs) and how utf8_clean() repairs the rest.
 */
#include "utf8.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

TestSuite(utf8, .timeout = 10);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FFFD "\xef\xbf\xbd"

struct bytes {
	const char *s;
	size_t n;
	const char *why;
};

#define B(lit, why) { lit, sizeof(lit) - 1, why }

static const struct bytes valid[] = {
	B("", "empty"),
	B("plain ASCII ~!", "ascii"),
	B("\x01\x1f\x7f", "controls other than NUL"),
	B("\x7f", "U+007F"),
	B("\xc2\x80", "U+0080, smallest 2-byte"),
	B("caf\xc3\xa9", "e acute"),
	B("\xdf\xbf", "U+07FF, largest 2-byte"),
	B("\xe0\xa0\x80", "U+0800, smallest 3-byte"),
	B("\xe2\x82\xac", "euro sign"),
	B("\xed\x9f\xbf", "U+D7FF, just below the surrogates"),
	B("\xee\x80\x80", "U+E000, just above the surrogates"),
	B("\xef\xbf\xbf", "U+FFFF"),
	B("\xef\xbb\xbf", "BOM"),
	B("\xf0\x90\x80\x80", "U+10000, smallest 4-byte"),
	B("\xf0\x9f\x98\x80", "emoji"),
	B("\xf4\x8f\xbf\xbf", "U+10FFFF, the largest"),
	B("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", "mixed"),
};

static const struct bytes invalid[] = {
	B("a\0b", "NUL"),
	B("\0", "lone NUL"),
	B("\x80", "lone continuation"),
	B("\xbf", "lone continuation 0xBF"),
	B("a\x80z", "continuation amid ASCII"),
	B("\xc0\x80", "overlong NUL"),
	B("\xc0\xaf", "overlong '/'"),
	B("\xc1\xbf", "overlong 2-byte"),
	B("\xe0\x80\x80", "overlong 3-byte NUL"),
	B("\xe0\x9f\xbf", "overlong U+07FF in 3 bytes"),
	B("\xf0\x80\x80\x80", "overlong 4-byte NUL"),
	B("\xf0\x8f\xbf\xbf", "overlong U+FFFF in 4 bytes"),
	B("\xed\xa0\x80", "surrogate U+D800"),
	B("\xed\xbf\xbf", "surrogate U+DFFF"),
	B("\xed\xa0\xbd\xed\xb8\x80", "surrogate pair (CESU-8)"),
	B("\xf4\x90\x80\x80", "U+110000"),
	B("\xf5\x80\x80\x80", "lead byte F5"),
	B("\xf8\x88\x80\x80\x80", "5-byte form"),
	B("\xfc\x84\x80\x80\x80\x80", "6-byte form"),
	B("\xfe", "byte FE"),
	B("\xff", "byte FF"),
	B("\xc3", "truncated 2-byte at end"),
	B("\xe2\x82", "truncated 3-byte at end"),
	B("\xf0\x9f\x98", "truncated 4-byte at end"),
	B("\xc3z", "2-byte cut by ASCII"),
	B("\xe2\x82z", "3-byte cut by ASCII"),
	B("\xf0\x9f\x98z", "4-byte cut by ASCII"),
	B("\xe2\xc3\xa9", "3-byte cut by a 2-byte lead"),
};

Test(utf8, accepts_valid_sequences)
{
	size_t i;

	for (i = 0; i < NELEM(valid); i++)
		cr_expect(utf8_valid(valid[i].s, valid[i].n), "%s", valid[i].why);
}

Test(utf8, rejects_invalid_sequences)
{
	size_t i;

	for (i = 0; i < NELEM(invalid); i++)
		cr_expect(!utf8_valid(invalid[i].s, invalid[i].n), "%s", invalid[i].why);
}

Test(utf8, validates_only_len_bytes)
{
	/* A sequence cut by LEN is truncated even if the bytes go on. */
	cr_expect(!utf8_valid("\xe2\x82\xac", 2));
	cr_expect(utf8_valid("ab\xff", 2));
}

Test(utf8, clean_keeps_valid_text_unchanged)
{
	size_t i;

	for (i = 0; i < NELEM(valid); i++) {
		char *c = utf8_clean(valid[i].s, valid[i].n);
		cr_expect(strlen(c) == valid[i].n && memcmp(c, valid[i].s, valid[i].n) == 0,
			  "%s", valid[i].why);
		free(c);
	}
}

Test(utf8, clean_repairs_every_invalid_case)
{
	size_t i;

	for (i = 0; i < NELEM(invalid); i++) {
		char *c = utf8_clean(invalid[i].s, invalid[i].n);
		cr_expect(utf8_valid(c, strlen(c)), "%s", invalid[i].why);
		/* Something was invalid and not just a NUL: a U+FFFD marks it. */
		if (memchr(invalid[i].s, 0, invalid[i].n) == NULL)
			cr_expect_not_null(strstr(c, FFFD), "%s", invalid[i].why);
		free(c);
	}
}

Test(utf8, clean_replaces_invalid_byte_with_fffd)
{
	char *c = utf8_clean("a\xff" "b", 3);

	cr_expect_str_eq(c, "a" FFFD "b");
	free(c);
	c = utf8_clean("x\xed\xa0\x80y", 5);
	/* Whatever the count of U+FFFD, the surrogate's bytes are gone and
	 * the neighbours stay. */
	cr_expect(c[0] == 'x' && c[strlen(c) - 1] == 'y', "%s", c);
	cr_expect_null(strstr(c, "\xed\xa0"));
	cr_expect_not_null(strstr(c, FFFD));
	free(c);
}

Test(utf8, clean_keeps_valid_sequence_after_invalid_lead)
{
	/* A truncated lead must not swallow the valid character after it. */
	char *c = utf8_clean("\xe2\xc3\xa9", 3);

	cr_expect_str_eq(c, FFFD "\xc3\xa9");
	free(c);
	c = utf8_clean("\xc3z", 2);
	cr_expect_str_eq(c, FFFD "z");
	free(c);
}

Test(utf8, clean_drops_nuls)
{
	char *c = utf8_clean("\0a\0\0b\0", 6);

	cr_expect_str_eq(c, "ab");
	free(c);
	c = utf8_clean("\0", 1);
	cr_expect_str_eq(c, "");
	free(c);
}

Test(utf8, clean_of_nothing_is_empty_string)
{
	char *c = utf8_clean("", 0);

	cr_assert_not_null(c);
	cr_expect_str_eq(c, "");
	free(c);
}

Test(utf8, clean_of_worst_case_fits)
{
	/* Every byte invalid: three output bytes per input byte. */
	enum { N = 4096 };
	char *in = malloc(N), *c;
	size_t i;

	memset(in, 0xff, N);
	c = utf8_clean(in, N);
	cr_expect_eq(strlen(c), 3 * N);
	for (i = 0; i < N; i++)
		cr_assert(memcmp(c + 3 * i, FFFD, 3) == 0);
	free(c);
	free(in);
}

/* Appends code point CP as UTF-8 to P; returns bytes written. */
static size_t put_cp(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xc0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xe0 | cp >> 12);
		p[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		p[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | cp >> 18);
	p[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	p[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	p[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

Test(utf8, encodings_of_random_scalar_values_are_valid)
{
	char buf[4 * 64];
	unsigned seed = 12345;
	int round;

	for (round = 0; round < 2000; round++) {
		size_t n = 0;
		int k;
		for (k = 0; k < 64; k++) {
			uint32_t cp;
			do
				cp = (uint32_t)rand_r(&seed) % 0x110000;
			while (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff));
			n += put_cp(buf + n, cp);
		}
		cr_assert(utf8_valid(buf, n), "round %d", round);
		{
			char *c = utf8_clean(buf, n);
			cr_assert(strlen(c) == n && memcmp(c, buf, n) == 0, "round %d", round);
			free(c);
		}
	}
}

Test(utf8, clean_output_of_random_bytes_is_valid)
{
	unsigned char buf[256];
	unsigned seed = 777;
	int round;

	for (round = 0; round < 5000; round++) {
		size_t n = (size_t)rand_r(&seed) % sizeof buf, i;
		char *c;
		for (i = 0; i < n; i++) {
			/* Biased towards the bytes that matter. */
			int r = rand_r(&seed) % 4;
			buf[i] = r == 0 ? (unsigned char)(0x80 | rand_r(&seed) % 64) :
				 r == 1 ? (unsigned char)(0xc0 | rand_r(&seed) % 64) :
					  (unsigned char)rand_r(&seed);
		}
		c = utf8_clean((const char *)buf, n);
		cr_assert(utf8_valid(c, strlen(c)), "round %d", round);
		cr_assert_leq(strlen(c), 3 * n);
		/* Valid input comes back unchanged. */
		if (utf8_valid((const char *)buf, n))
			cr_assert(strlen(c) == n && memcmp(c, buf, n) == 0);
		free(c);
	}
}
