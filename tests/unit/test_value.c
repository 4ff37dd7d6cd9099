/*
 * test_value.c - crawler/value.c: type names, whitespace normalization,
 * and every conversion: what each type accepts (with the exact JSON it
 * gives, JSON type included) and what it refuses (with the reason).
 *
 * The tables hold the rules; the random tests check dates and integers
 * against reference models (gmtime_r/timegm, printf) over many values;
 * the last tests feed long and hostile texts.  Inputs are copied to the
 * heap so that AddressSanitizer sees any read past the NUL.
 */
#include "value.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TestSuite(value, .timeout = 20);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Criterion runs each parameterized test in a fresh process image, where
 * pointers copied from the parent's tables are not valid: pass the index
 * of a row and read the row from the table, which the child has too. */
static int row_index[512];

static struct criterion_test_params rows(size_t n)
{
	size_t i;

	cr_assert_leq(n, NELEM(row_index));
	for (i = 0; i < n; i++)
		row_index[i] = (int)i;
	return cr_make_param_array(int, row_index, n);
}

/* Converts a heap copy of IN; *WHY gets the reason. */
static json_t *convert(enum value_type t, const char *in, const char **why)
{
	char *copy = strdup(in);
	json_t *v;

	cr_assert_not_null(copy);
	*why = "(not set)";
	v = value_convert(t, copy, why);
	free(copy);
	return v;
}

/* Its JSON text, for messages; caller frees. */
static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_ENCODE_ANY) : strdup("NULL");
}

/* ---- Type names ---- */

Test(value, parses_every_type_name_and_back)
{
	static const struct {
		const char *name;
		enum value_type t;
	} names[] = {
		{ "string", VALUE_STRING }, { "int", VALUE_INT },
		{ "number", VALUE_NUMBER }, { "bool", VALUE_BOOL },
		{ "url", VALUE_URL },       { "datetime", VALUE_DATETIME },
	};
	enum value_type t;
	size_t i;

	for (i = 0; i < NELEM(names); i++) {
		t = (enum value_type)-1;
		cr_expect_eq(value_type_parse(names[i].name, &t), 0, "%s", names[i].name);
		cr_expect_eq(t, names[i].t, "%s", names[i].name);
		cr_expect_str_eq(value_type_name(names[i].t), names[i].name);
	}
}

Test(value, refuses_unknown_type_names)
{
	static const char *const bad[] = { "", "String", "INT", "integer", "float",
					   "boolean", "date", "url ", "strin" };
	enum value_type t = VALUE_BOOL;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		cr_expect_eq(value_type_parse(bad[i], &t), -1, "\"%s\"", bad[i]);
		cr_expect_eq(t, VALUE_BOOL, "\"%s\" changed *t", bad[i]);
	}
	cr_expect_str_eq(value_type_name((enum value_type)99), "?");
}

/* ---- Whitespace ---- */

struct scase {
	const char *in, *want;
};

static struct scase space_cases[] = {
	{ "", "" },
	{ "abc", "abc" },
	{ "  abc  ", "abc" },
	{ " \t\n\r\f\v ", "" },
	{ "a  b\t\tc\n\nd", "a b c d" },
	{ "a \t\r\n b", "a b" },
	{ "\n  Title\n    of page \n", "Title of page" },
	/* NO-BREAK SPACE, alone, in runs and mixed with ASCII spaces. */
	{ "a\xc2\xa0" "b", "a b" },
	{ "\xc2\xa0\xc2\xa0" "a\xc2\xa0 \xc2\xa0" "b\xc2\xa0", "a b" },
	{ "1\xc2\xa0" "299\xc2\xa0\xe2\x82\xac", "1 299 \xe2\x82\xac" },
	/* NEL, OGHAM SPACE MARK, EN QUAD, HAIR SPACE, THIN SPACE, LINE and
	 * PARAGRAPH SEPARATOR, NARROW NBSP, MEDIUM MATHEMATICAL SPACE,
	 * IDEOGRAPHIC SPACE. */
	{ "a\xc2\x85" "b", "a b" },
	{ "a\xe1\x9a\x80" "b", "a b" },
	{ "a\xe2\x80\x80" "b", "a b" },
	{ "a\xe2\x80\x8a" "b", "a b" },
	{ "a\xe2\x80\x89" "b", "a b" },
	{ "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", "a b c" },
	{ "a\xe2\x80\xaf" "b", "a b" },
	{ "a\xe2\x81\x9f" "b", "a b" },
	{ "\xe3\x80\x80" "a\xe3\x80\x80\xe3\x80\x80" "b\xe3\x80\x80", "a b" },
	/* Not whitespace: ZERO WIDTH SPACE, BOM, U+200C, neighbours of the
	 * ranges above (U+2010 hyphen, U+00A1, U+3001), other characters. */
	{ "a\xe2\x80\x8b" "b", "a\xe2\x80\x8b" "b" },
	{ "\xef\xbb\xbf" "a", "\xef\xbb\xbf" "a" },
	{ "a\xe2\x80\x8c" "b", "a\xe2\x80\x8c" "b" },
	{ "a\xe2\x80\x90" "b", "a\xe2\x80\x90" "b" },
	{ "a\xc2\xa1" "b", "a\xc2\xa1" "b" },
	{ "a\xe3\x80\x81" "b", "a\xe3\x80\x81" "b" },
	{ "caf\xc3\xa9  cr\xc3\xa8me", "caf\xc3\xa9 cr\xc3\xa8me" },
	/* Invalid or cut sequences are kept, never read past the NUL. */
	{ "a \xc2", "a \xc2" },
	{ "a \xe2\x80", "a \xe2\x80" },
	{ "\xe2 \xff", "\xe2 \xff" },
};

ParameterizedTestParameters(value, normalizes_whitespace)
{
	return rows(NELEM(space_cases));
}

ParameterizedTest(int *row, value, normalizes_whitespace)
{
	const struct scase *c = &space_cases[*row];
	char *s = strdup(c->in), *again;
	size_t n;

	cr_assert_not_null(s);
	n = value_normalize_space(s);
	cr_expect_str_eq(s, c->want, "row %d", *row);
	cr_expect_eq(n, strlen(c->want), "row %d: returned %zu", *row, n);
	again = strdup(s);
	cr_assert_not_null(again);
	cr_expect_eq(value_normalize_space(again), n, "row %d: not idempotent", *row);
	cr_expect_str_eq(again, s, "row %d: not idempotent", *row);
	free(again);
	free(s);
}

/* ---- Accepted texts ---- */

#define S(x) "\"" x "\""

struct acase {
	enum value_type t;
	const char *in;
	const char *want; /* JSON text; its JSON type counts too */
};

static struct acase accept_cases[] = {
	/* string: as is, nothing trimmed. */
	{ VALUE_STRING, "", S("") },
	{ VALUE_STRING, "  a  b ", S("  a  b ") },
	{ VALUE_STRING, "caf\xc3\xa9 \xe2\x82\xac", S("caf\xc3\xa9 \xe2\x82\xac") },
	{ VALUE_STRING, "12", S("12") },

	/* number: always a real; the first number wherever it stands. */
	{ VALUE_NUMBER, "12", "12.0" },
	{ VALUE_NUMBER, "0", "0.0" },
	{ VALUE_NUMBER, "-0", "0.0" },
	{ VALUE_NUMBER, "12.99", "12.99" },
	{ VALUE_NUMBER, "$1,299.50", "1299.5" },
	{ VALUE_NUMBER, "Price: 12.99 EUR", "12.99" },
	{ VALUE_NUMBER, "12.99EUR", "12.99" },
	{ VALUE_NUMBER, "-3.5e2", "-350.0" },
	{ VALUE_NUMBER, "2.5E-3", "0.0025" },
	{ VALUE_NUMBER, "1e+3", "1000.0" },
	{ VALUE_NUMBER, "5e", "5.0" },
	{ VALUE_NUMBER, "5e-", "5.0" },
	{ VALUE_NUMBER, "+7", "7.0" },
	{ VALUE_NUMBER, ".5", "0.5" },
	{ VALUE_NUMBER, "-.5", "-0.5" },
	{ VALUE_NUMBER, "12.", "12.0" },
	{ VALUE_NUMBER, "3.5.", "3.5" },
	{ VALUE_NUMBER, "007", "7.0" },
	{ VALUE_NUMBER, "\xe2\x82\xac" "49.90", "49.9" },
	{ VALUE_NUMBER, "\xc2\xa3" "1,000", "1000.0" },
	{ VALUE_NUMBER, "1,234", "1234.0" },
	{ VALUE_NUMBER, "1.234", "1.234" },
	{ VALUE_NUMBER, "12,345,678.9", "12345678.9" },
	{ VALUE_NUMBER, "1,299 items", "1299.0" },
	{ VALUE_NUMBER, "Items: 1, 2, 3", "1.0" },
	{ VALUE_NUMBER, "e5", "5.0" },
	{ VALUE_NUMBER, "5 stars", "5.0" },
	{ VALUE_NUMBER, "4.5 out of 5", "4.5" },
	{ VALUE_NUMBER, "1-5 of 20", "1.0" },
	{ VALUE_NUMBER, "2026-11-22", "2026.0" },
	/* Groups: one separator kind, exactly 3 digits, first group 1-3
	 * digits without a leading zero. */
	{ VALUE_NUMBER, "1 299", "1299.0" },
	{ VALUE_NUMBER, "12 345 678", "12345678.0" },
	{ VALUE_NUMBER, "1\xc2\xa0" "299\xc2\xa0\xe2\x82\xac", "1299.0" },
	{ VALUE_NUMBER, "1\xe2\x80\xaf" "299.5", "1299.5" },
	{ VALUE_NUMBER, "1\xe2\x80\x89" "299", "1299.0" },
	{ VALUE_NUMBER, "1\xe2\x80\x87" "299", "1299.0" },
	{ VALUE_NUMBER, "CHF 1'299.50", "1299.5" },
	{ VALUE_NUMBER, "1\xe2\x80\x99" "299", "1299.0" },
	{ VALUE_NUMBER, "1,234 567", "1234.0" },
	{ VALUE_NUMBER, "1234 567", "1234.0" },
	{ VALUE_NUMBER, "1 2345", "1.0" },
	/* Signs: right before the digits or a currency symbol, not after a
	 * letter or digit; U+2212 is a minus. */
	{ VALUE_NUMBER, "-5", "-5.0" },
	{ VALUE_NUMBER, "\xe2\x88\x92" "5", "-5.0" },
	{ VALUE_NUMBER, "-$5", "-5.0" },
	{ VALUE_NUMBER, "$-5", "-5.0" },
	{ VALUE_NUMBER, "-\xe2\x82\xac" "5", "-5.0" },
	{ VALUE_NUMBER, "Change: -1.5%", "-1.5" },
	{ VALUE_NUMBER, "(-2)", "-2.0" },
	{ VALUE_NUMBER, "SKU-12", "12.0" },
	{ VALUE_NUMBER, "A1-5", "1.0" },
	{ VALUE_NUMBER, "- 5", "5.0" },
	{ VALUE_NUMBER, "-x5", "5.0" },
	{ VALUE_NUMBER, "Rs.500", "500.0" },
	{ VALUE_NUMBER, "No.5", "5.0" },
	{ VALUE_NUMBER, "\n\t  42  \n", "42.0" },
	{ VALUE_NUMBER, "1e-400", "0.0" },
	{ VALUE_NUMBER, "1.7976931348623157e308", "1.7976931348623157e308" },
	{ VALUE_NUMBER, "0.1", "0.1" },

	/* int: exact, from the digits. */
	{ VALUE_INT, "12", "12" },
	{ VALUE_INT, "-12", "-12" },
	{ VALUE_INT, "-0", "0" },
	{ VALUE_INT, "0.000", "0" },
	{ VALUE_INT, "12.00", "12" },
	{ VALUE_INT, "1.5e1", "15" },
	{ VALUE_INT, "100e-2", "1" },
	{ VALUE_INT, "1e18", "1000000000000000000" },
	{ VALUE_INT, "0e99999", "0" },
	{ VALUE_INT, "$1,299", "1299" },
	{ VALUE_INT, "12,345,678 views", "12345678" },
	{ VALUE_INT, "1 234 567", "1234567" },
	{ VALUE_INT, "  42 items", "42" },
	{ VALUE_INT, "9223372036854775807", "9223372036854775807" },
	{ VALUE_INT, "-9223372036854775808", "-9223372036854775808" },
	{ VALUE_INT, "9,223,372,036,854,775,807", "9223372036854775807" },
	{ VALUE_INT, "9223372036854775807.000", "9223372036854775807" },
	{ VALUE_INT, "922337203685477580.7e1", "9223372036854775807" },
	{ VALUE_INT, "0000000000000000000000000000012", "12" },
	{ VALUE_INT, "9007199254740993", "9007199254740993" }, /* not a double */

	/* bool: whole text, case and surrounding whitespace ignored. */
	{ VALUE_BOOL, "true", "true" },
	{ VALUE_BOOL, "TRUE", "true" },
	{ VALUE_BOOL, "Yes", "true" },
	{ VALUE_BOOL, "on", "true" },
	{ VALUE_BOOL, "1", "true" },
	{ VALUE_BOOL, "y", "true" },
	{ VALUE_BOOL, "Y", "true" },
	{ VALUE_BOOL, "checked", "true" },
	{ VALUE_BOOL, "Selected", "true" },
	{ VALUE_BOOL, "\n  yes \xc2\xa0", "true" },
	{ VALUE_BOOL, "false", "false" },
	{ VALUE_BOOL, "False", "false" },
	{ VALUE_BOOL, "no", "false" },
	{ VALUE_BOOL, "NO", "false" },
	{ VALUE_BOOL, "off", "false" },
	{ VALUE_BOOL, "0", "false" },
	{ VALUE_BOOL, "n", "false" },
	{ VALUE_BOOL, "", "false" },
	{ VALUE_BOOL, " \t\n", "false" },

	/* datetime: ISO 8601 / RFC 3339. */
	{ VALUE_DATETIME, "2026-11-22", S("2026-11-22") },
	{ VALUE_DATETIME, "2026-11-22T10:05", S("2026-11-22T10:05:00Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30Z", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22t10:05:30z", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22 10:05:30", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22  10:05", S("2026-11-22T10:05:00Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30.123Z", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30.999999999Z", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30,5Z", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30+01:00", S("2026-11-22T09:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30+0100", S("2026-11-22T09:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30+01", S("2026-11-22T09:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30-05:30", S("2026-11-22T15:35:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30+05:45", S("2026-11-22T04:20:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30-00:00", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22T10:05:30.5+01:00", S("2026-11-22T09:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22 10:05:30 +01:00", S("2026-11-22T09:05:30Z") },
	{ VALUE_DATETIME, "2026-11-22 10:05 UTC", S("2026-11-22T10:05:00Z") },
	{ VALUE_DATETIME, "2026-11-22 10:05 GMT+1", S("2026-11-22T09:05:00Z") },
	{ VALUE_DATETIME, "2026-11-22 10:05 UTC-03:00", S("2026-11-22T13:05:00Z") },
	{ VALUE_DATETIME, "  2026-11-22\n", S("2026-11-22") },
	{ VALUE_DATETIME, "2026/11/22", S("2026-11-22") },
	{ VALUE_DATETIME, "2026/1/2", S("2026-01-02") },
	{ VALUE_DATETIME, "2026/01/02 3:04", S("2026-01-02T03:04:00Z") },
	/* Day first, RFC 2822 and HTTP dates. */
	{ VALUE_DATETIME, "Sun, 22 Nov 2026 10:05:30 GMT", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "Sun, 06 Dec 2026 08:49:37 GMT", S("2026-12-06T08:49:37Z") },
	{ VALUE_DATETIME, "22 Nov 2026 10:05:30 +0100", S("2026-11-22T09:05:30Z") },
	{ VALUE_DATETIME, "22 Nov 2026 10:05 -0800", S("2026-11-22T18:05:00Z") },
	{ VALUE_DATETIME, "Mon, 23 Nov 2026 10:05:30 +0000 (UTC)", S("2026-11-23T10:05:30Z") },
	{ VALUE_DATETIME, "Tue, 1 Dec 2026 00:00:00 EST", S("2026-12-01T05:00:00Z") },
	{ VALUE_DATETIME, "1 Dec 2026 00:00 EDT", S("2026-12-01T04:00:00Z") },
	{ VALUE_DATETIME, "1 Dec 2026 00:00 PST", S("2026-12-01T08:00:00Z") },
	{ VALUE_DATETIME, "1 Dec 2026 00:00 pdt", S("2026-12-01T07:00:00Z") },
	{ VALUE_DATETIME, "1 Dec 2026 00:00 CST", S("2026-12-01T06:00:00Z") },
	{ VALUE_DATETIME, "1 Dec 2026 00:00 CDT", S("2026-12-01T05:00:00Z") },
	{ VALUE_DATETIME, "1 Dec 2026 00:00 MST", S("2026-12-01T07:00:00Z") },
	{ VALUE_DATETIME, "1 Dec 2026 00:00 MDT", S("2026-12-01T06:00:00Z") },
	{ VALUE_DATETIME, "1 Dec 2026 00:00 UT", S("2026-12-01T00:00:00Z") },
	{ VALUE_DATETIME, "22 Nov 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "22 November 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "22-Nov-2026", S("2026-11-22") },
	{ VALUE_DATETIME, "22-Nov-2026 10:05:30 +0100", S("2026-11-22T09:05:30Z") },
	{ VALUE_DATETIME, "22nd November 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "1st May 2026", S("2026-05-01") },
	{ VALUE_DATETIME, "3rd Jan 2026", S("2026-01-03") },
	{ VALUE_DATETIME, "22. November 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "22 November, 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "Sunday, 22 November 2026", S("2026-11-22") },
	/* Month first. */
	{ VALUE_DATETIME, "November 22, 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "Nov 22, 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "Nov 22 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "Nov. 22, 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "Nov.22, 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "NOVEMBER 22ND, 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "november 2, 2026", S("2026-11-02") },
	{ VALUE_DATETIME, "Sept 1, 2026", S("2026-09-01") },
	{ VALUE_DATETIME, "Sept. 1, 2026", S("2026-09-01") },
	{ VALUE_DATETIME, "Sep 1, 2026", S("2026-09-01") },
	{ VALUE_DATETIME, "May 1, 2026", S("2026-05-01") },
	{ VALUE_DATETIME, "Jun 1, 2026", S("2026-06-01") },
	{ VALUE_DATETIME, "Jul 1, 2026", S("2026-07-01") },
	{ VALUE_DATETIME, "Mar 1, 2026", S("2026-03-01") },
	{ VALUE_DATETIME, "Sunday, November 22, 2026", S("2026-11-22") },
	{ VALUE_DATETIME, "Tues. Nov 24, 2026", S("2026-11-24") },
	{ VALUE_DATETIME, "Nov 22, 2026, 3:45 PM", S("2026-11-22T15:45:00Z") },
	{ VALUE_DATETIME, "November 22, 2026 at 3:45 pm", S("2026-11-22T15:45:00Z") },
	{ VALUE_DATETIME, "Nov 22, 2026 3:45:10 p.m. EST", S("2026-11-22T20:45:10Z") },
	{ VALUE_DATETIME, "Nov 22 2026 10:05am", S("2026-11-22T10:05:00Z") },
	{ VALUE_DATETIME, "Nov 22, 2026 12:00 AM", S("2026-11-22T00:00:00Z") },
	{ VALUE_DATETIME, "Nov 22, 2026 12:30 A.M.", S("2026-11-22T00:30:00Z") },
	{ VALUE_DATETIME, "Nov 22, 2026 12:00 PM", S("2026-11-22T12:00:00Z") },
	{ VALUE_DATETIME, "Nov 22, 2026 11:59 PM", S("2026-11-22T23:59:00Z") },
	{ VALUE_DATETIME, "2026-11-22 at 10:05", S("2026-11-22T10:05:00Z") },
	/* asctime. */
	{ VALUE_DATETIME, "Sun Nov 22 10:05:30 2026", S("2026-11-22T10:05:30Z") },
	{ VALUE_DATETIME, "Sun Dec  6 08:49:37 2026", S("2026-12-06T08:49:37Z") },
	/* Unix timestamps. */
	{ VALUE_DATETIME, "1795428330", S("2026-11-23T10:05:30Z") },
	{ VALUE_DATETIME, "1795428330999", S("2026-11-23T10:05:30Z") },
	{ VALUE_DATETIME, "123456789", S("1973-11-29T21:33:09Z") },
	{ VALUE_DATETIME, "000000000", S("1970-01-01T00:00:00Z") },
	{ VALUE_DATETIME, "9999999999", S("2286-11-20T17:46:39Z") },
	/* Leap days. */
	{ VALUE_DATETIME, "2024-02-29", S("2024-02-29") },
	{ VALUE_DATETIME, "2000-02-29", S("2000-02-29") },
	{ VALUE_DATETIME, "2400-02-29", S("2400-02-29") },
	{ VALUE_DATETIME, "29 Feb 2024 12:00", S("2024-02-29T12:00:00Z") },
	/* Offsets that cross midnight, a month, a leap day, a year. */
	{ VALUE_DATETIME, "2026-11-22T00:30+01:00", S("2026-11-21T23:30:00Z") },
	{ VALUE_DATETIME, "2026-11-22T23:30-01:00", S("2026-11-23T00:30:00Z") },
	{ VALUE_DATETIME, "2026-12-01T00:30+01:00", S("2026-11-30T23:30:00Z") },
	{ VALUE_DATETIME, "2024-03-01T00:30+01:00", S("2024-02-29T23:30:00Z") },
	{ VALUE_DATETIME, "2023-03-01T00:30+01:00", S("2023-02-28T23:30:00Z") },
	{ VALUE_DATETIME, "2024-02-29T23:30-01:00", S("2024-03-01T00:30:00Z") },
	{ VALUE_DATETIME, "2026-12-31T23:30:00-01:00", S("2027-01-01T00:30:00Z") },
	{ VALUE_DATETIME, "2027-01-01T00:30+01:00", S("2026-12-31T23:30:00Z") },
	{ VALUE_DATETIME, "2027-01-01T05:00+14:00", S("2026-12-31T15:00:00Z") },
	{ VALUE_DATETIME, "2026-12-31T20:00-12:00", S("2027-01-01T08:00:00Z") },
	{ VALUE_DATETIME, "1 Jan 2027 00:00 +2359", S("2026-12-31T00:01:00Z") },
	/* The ends of the range. */
	{ VALUE_DATETIME, "0000-01-01", S("0000-01-01") },
	{ VALUE_DATETIME, "0000-01-01T00:00:00Z", S("0000-01-01T00:00:00Z") },
	{ VALUE_DATETIME, "0001-01-01T00:30+01:00", S("0000-12-31T23:30:00Z") },
	{ VALUE_DATETIME, "9999-12-31T23:59:59Z", S("9999-12-31T23:59:59Z") },
	{ VALUE_DATETIME, "1969-12-31T23:59:59Z", S("1969-12-31T23:59:59Z") },
	{ VALUE_DATETIME, "1900-03-01T00:00:00+00:01", S("1900-02-28T23:59:00Z") },
};

ParameterizedTestParameters(value, converts_accepted_text)
{
	return rows(NELEM(accept_cases));
}

ParameterizedTest(int *row, value, converts_accepted_text)
{
	const struct acase *c = &accept_cases[*row];
	json_error_t err;
	json_t *want, *got;
	const char *why;
	char *g, *w;

	want = json_loads(c->want, JSON_DECODE_ANY, &err);
	cr_assert_not_null(want, "row %d: bad JSON %s", *row, c->want);
	got = convert(c->t, c->in, &why);
	g = dump(got);
	w = dump(want);
	cr_expect(got && json_equal(got, want),
		  "%s \"%s\" = %s (%s), want %s", value_type_name(c->t), c->in, g,
		  got ? "" : why, w);
	if (got)
		cr_expect_null(why, "%s \"%s\": why set to \"%s\" on success",
			       value_type_name(c->t), c->in, why);
	/* A datetime's output is a fixed point. */
	if (got && c->t == VALUE_DATETIME) {
		json_t *again = convert(VALUE_DATETIME, json_string_value(got), &why);

		cr_expect(again && json_equal(again, got), "%s: not a fixed point", g);
		json_decref(again);
	}
	free(g);
	free(w);
	json_decref(got);
	json_decref(want);
}

/* ---- Refused texts ---- */

struct rcase {
	enum value_type t;
	const char *in;
	const char *why;
};

static struct rcase reject_cases[] = {
	{ VALUE_STRING, "a\xff" "b", "invalid UTF-8" },
	{ VALUE_STRING, "\xc3", "invalid UTF-8" },

	{ VALUE_NUMBER, "", "no number" },
	{ VALUE_NUMBER, "   ", "no number" },
	{ VALUE_NUMBER, "abc", "no number" },
	{ VALUE_NUMBER, "$", "no number" },
	{ VALUE_NUMBER, "-", "no number" },
	{ VALUE_NUMBER, ".", "no number" },
	{ VALUE_NUMBER, "1,2,3", "ambiguous number" },
	{ VALUE_NUMBER, "free", "no number" },
	/* A decimal comma, dot groups, versions: not guessed. */
	{ VALUE_NUMBER, "12,5", "ambiguous number" },
	{ VALUE_NUMBER, "49,90\xe2\x82\xac", "ambiguous number" },
	{ VALUE_NUMBER, "1.299,50", "ambiguous number" },
	{ VALUE_NUMBER, "1 299,50", "ambiguous number" },
	{ VALUE_NUMBER, "1\xc2\xa0" "299,50 \xe2\x82\xac", "ambiguous number" },
	{ VALUE_NUMBER, "1.234.567", "ambiguous number" },
	{ VALUE_NUMBER, "1,2345", "ambiguous number" },
	{ VALUE_NUMBER, "1,23 4", "ambiguous number" },
	{ VALUE_NUMBER, "1 234,567", "ambiguous number" },
	{ VALUE_NUMBER, "1,2345 x", "ambiguous number" },
	{ VALUE_NUMBER, "1,234,5", "ambiguous number" },
	{ VALUE_NUMBER, "0,123", "ambiguous number" },
	{ VALUE_NUMBER, "1234,567", "ambiguous number" },
	{ VALUE_NUMBER, "v1.2.3", "ambiguous number" },
	{ VALUE_NUMBER, "1,299.50.1", "ambiguous number" },
	{ VALUE_NUMBER, "1e400", "out of range" },
	{ VALUE_NUMBER, "-1e99999999999999", "out of range" },
	{ VALUE_NUMBER, "1.8e308", "out of range" },

	{ VALUE_INT, "12.5", "not an integer" },
	{ VALUE_INT, "12.01", "not an integer" },
	{ VALUE_INT, "0.5", "not an integer" },
	{ VALUE_INT, "1e-1", "not an integer" },
	{ VALUE_INT, "1e-400", "not an integer" },
	{ VALUE_INT, "$1,299.99", "not an integer" },
	{ VALUE_INT, "9223372036854775808", "out of range" },
	{ VALUE_INT, "-9223372036854775809", "out of range" },
	{ VALUE_INT, "18446744073709551616", "out of range" },
	{ VALUE_INT, "99999999999999999999999", "out of range" },
	{ VALUE_INT, "1e19", "out of range" },
	{ VALUE_INT, "1e99999999999", "out of range" },
	{ VALUE_INT, "9.223372036854775808e18", "out of range" },
	{ VALUE_INT, "none", "no number" },
	{ VALUE_INT, "12,5", "ambiguous number" },

	{ VALUE_BOOL, "maybe", "not a boolean" },
	{ VALUE_BOOL, "yes!", "not a boolean" },
	{ VALUE_BOOL, "truee", "not a boolean" },
	{ VALUE_BOOL, "t", "not a boolean" },
	{ VALUE_BOOL, "2", "not a boolean" },
	{ VALUE_BOOL, "yes no", "not a boolean" },
	{ VALUE_BOOL, "null", "not a boolean" },
	{ VALUE_BOOL, "ye\xe2\x80\x8bs", "not a boolean" },

	{ VALUE_URL, "http://example.com/", "url needs the page" },

	/* Not one of the forms. */
	{ VALUE_DATETIME, "", "not a date" },
	{ VALUE_DATETIME, "yesterday", "not a date" },
	{ VALUE_DATETIME, "2026", "not a date" },
	{ VALUE_DATETIME, "20261122", "not a date" },
	{ VALUE_DATETIME, "12345678901", "not a date" },
	{ VALUE_DATETIME, "12345678901234", "not a date" },
	{ VALUE_DATETIME, "99999999999999999999999999999999999999999999", "not a date" },
	{ VALUE_DATETIME, "-123456789", "not a date" },
	{ VALUE_DATETIME, "1795428330.5", "not a date" },
	{ VALUE_DATETIME, "11/22/2026", "not a date" },
	{ VALUE_DATETIME, "22/11/2026", "not a date" },
	{ VALUE_DATETIME, "22.11.2026", "not a date" },
	{ VALUE_DATETIME, "26-11-22", "not a date" },
	{ VALUE_DATETIME, "2026-11", "not a date" },
	{ VALUE_DATETIME, "2026-1-22", "not a date" },
	{ VALUE_DATETIME, "2026-11-2", "not a date" },
	{ VALUE_DATETIME, "2026-11-222", "not a date" },
	{ VALUE_DATETIME, "2026-11/22", "not a date" },
	{ VALUE_DATETIME, "12026-11-22", "not a date" },
	{ VALUE_DATETIME, "2026-11-22T", "not a date" },
	{ VALUE_DATETIME, "2026-11-22T10", "not a date" },
	{ VALUE_DATETIME, "2026-11-22T10:5", "not a date" },
	{ VALUE_DATETIME, "2026-11-22T10:05:3", "not a date" },
	{ VALUE_DATETIME, "2026-11-22T10:05:30.", "not a date" },
	{ VALUE_DATETIME, "2026-11-22T10:05:30.Z", "not a date" },
	{ VALUE_DATETIME, "2026-11-22T10:05:30Z junk", "not a date" },
	{ VALUE_DATETIME, "2026-11-2210:05", "not a date" },
	{ VALUE_DATETIME, "2026-11-22Z", "not a date" },
	{ VALUE_DATETIME, "Posted on 2026-11-22", "not a date" },
	{ VALUE_DATETIME, "Sunday, 22-Nov-26 10:05:30 GMT", "not a date" },
	{ VALUE_DATETIME, "22 Nov 26", "not a date" },
	{ VALUE_DATETIME, "Nov 22", "not a date" },
	{ VALUE_DATETIME, "Nov 2026", "not a date" },
	{ VALUE_DATETIME, "22 Nov", "not a date" },
	{ VALUE_DATETIME, "22Nov2026", "not a date" },
	{ VALUE_DATETIME, "Nov22, 2026", "not a date" },
	{ VALUE_DATETIME, "No 22, 2026", "not a date" },
	{ VALUE_DATETIME, "Novembre 22, 2026", "not a date" },
	{ VALUE_DATETIME, "22 noviembre 2026", "not a date" },
	{ VALUE_DATETIME, "Sunday", "not a date" },
	{ VALUE_DATETIME, "Sun, ", "not a date" },
	{ VALUE_DATETIME, "10:05", "not a date" },
	{ VALUE_DATETIME, "10:05 Nov 22, 2026", "not a date" },
	{ VALUE_DATETIME, "Nov 22 10:05:30", "not a date" },
	{ VALUE_DATETIME, "Nov 22, 2026 10:05 (UTC", "not a date" },
	{ VALUE_DATETIME, "Nov 22, 2026 at", "not a date" },
	/* The form is right, the values are not. */
	{ VALUE_DATETIME, "2026-13-01", "invalid date" },
	{ VALUE_DATETIME, "2026-00-10", "invalid date" },
	{ VALUE_DATETIME, "2026-11-00", "invalid date" },
	{ VALUE_DATETIME, "2026-11-31", "invalid date" },
	{ VALUE_DATETIME, "2026-04-31T10:00Z", "invalid date" },
	{ VALUE_DATETIME, "2026-01-32", "invalid date" },
	{ VALUE_DATETIME, "2025-02-29", "invalid date" },
	{ VALUE_DATETIME, "1900-02-29", "invalid date" },
	{ VALUE_DATETIME, "2100-02-29", "invalid date" },
	{ VALUE_DATETIME, "2024-02-30", "invalid date" },
	{ VALUE_DATETIME, "29 Feb 2025", "invalid date" },
	{ VALUE_DATETIME, "Feb 29, 2023 10:00", "invalid date" },
	{ VALUE_DATETIME, "2026/13/1", "invalid date" },
	{ VALUE_DATETIME, "2026-11-22T24:00", "invalid time" },
	{ VALUE_DATETIME, "2026-11-22T24:00:00Z", "invalid time" },
	{ VALUE_DATETIME, "2026-11-22T10:60", "invalid time" },
	{ VALUE_DATETIME, "2026-11-22T10:05:60Z", "invalid time" },
	{ VALUE_DATETIME, "2026-11-22T99:00", "invalid time" },
	{ VALUE_DATETIME, "Nov 22, 2026 13:00 PM", "invalid time" },
	{ VALUE_DATETIME, "Nov 22, 2026 0:30 AM", "invalid time" },
	{ VALUE_DATETIME, "2026-11-22T10:05 CET", "invalid time zone" },
	{ VALUE_DATETIME, "2026-11-22T10:05 Europe/Paris", "invalid time zone" },
	{ VALUE_DATETIME, "2026-11-22T10:05+24:00", "invalid time zone" },
	{ VALUE_DATETIME, "2026-11-22T10:05+01:60", "invalid time zone" },
	{ VALUE_DATETIME, "2026-11-22T10:05+123", "invalid time zone" },
	{ VALUE_DATETIME, "2026-11-22T10:05+", "invalid time zone" },
	{ VALUE_DATETIME, "22 Nov 2026 10:05 +010000", "invalid time zone" },
	{ VALUE_DATETIME, "0000-01-01T00:30+01:00", "out of range" },
	{ VALUE_DATETIME, "9999-12-31T23:30-01:00", "out of range" },
};

ParameterizedTestParameters(value, refuses_text_with_reason)
{
	return rows(NELEM(reject_cases));
}

ParameterizedTest(int *row, value, refuses_text_with_reason)
{
	const struct rcase *c = &reject_cases[*row];
	const char *why;
	json_t *got = convert(c->t, c->in, &why);
	char *g = dump(got);

	cr_expect_null(got, "%s \"%s\" = %s, want refused (%s)",
		       value_type_name(c->t), c->in, g, c->why);
	cr_expect(why && strcmp(why, c->why) == 0,
		  "%s \"%s\": why \"%s\", want \"%s\"", value_type_name(c->t),
		  c->in, why ? why : "NULL", c->why);
	free(g);
	json_decref(got);
}

/* ---- Properties ---- */

/* The JSON type of a field never depends on the text. */
Test(value, gives_one_json_type_per_value_type)
{
	static const char *const texts[] = { "12", "12.5", "-3", "1e3", "0" };
	const char *why;
	json_t *v;
	size_t i;

	for (i = 0; i < NELEM(texts); i++) {
		v = value_convert(VALUE_NUMBER, texts[i], &why);
		cr_expect(json_is_real(v), "number \"%s\" is not a real", texts[i]);
		json_decref(v);
	}
	v = value_convert(VALUE_INT, "12", &why);
	cr_expect(json_is_integer(v));
	json_decref(v);
	v = value_convert(VALUE_DATETIME, "1795428330", &why);
	cr_expect(json_is_string(v));
	json_decref(v);
}

Test(value, accepts_null_why)
{
	json_t *v = value_convert(VALUE_INT, "12", NULL);

	cr_expect(json_is_integer(v) && json_integer_value(v) == 12);
	json_decref(v);
	cr_expect_null(value_convert(VALUE_INT, "x", NULL));
	cr_expect_null(value_convert(VALUE_BOOL, "x", NULL));
	cr_expect_null(value_convert(VALUE_DATETIME, "x", NULL));
	cr_expect_null(value_convert(VALUE_URL, "x", NULL));
	cr_expect_null(value_convert(VALUE_STRING, "\xff", NULL));
}

static uint64_t rnd64(uint64_t *s)
{
	/* xorshift64*: fixed seeds, so failures reproduce. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Writes V (minus V if NEG) into BUF in groups of three digits, SEP
 * between them. */
static void group_digits(char *buf, size_t size, uint64_t v, bool neg,
			 const char *sep)
{
	char plain[32], *w = buf;
	size_t n, i;

	n = (size_t)snprintf(plain, sizeof(plain), "%" PRIu64, v);
	if (neg)
		*w++ = '-';
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0) {
			strcpy(w, sep);
			w += strlen(sep);
		}
		*w++ = plain[i];
	}
	*w = '\0';
	cr_assert_lt((size_t)(w - buf), size);
}

/* int64 values of every magnitude, in several spellings, come back
 * exactly; printf is the reference. */
Test(value, int_matches_printf_over_random_values)
{
	static const char *const seps[] = { ",", " ", "\xc2\xa0", "'" };
	uint64_t seed = 0x9e3779b97f4a7c15ULL, u;
	char text[128], grouped[96];
	const char *why;
	int64_t want;
	json_t *v;
	int i;

	for (i = 0; i < 5000; i++) {
		u = rnd64(&seed) >> (rnd64(&seed) % 64);
		want = (int64_t)u;
		switch (i % 4) {
		case 0:
			snprintf(text, sizeof(text), "%" PRId64, want);
			break;
		case 1:
			group_digits(grouped, sizeof(grouped),
				     want < 0 ? 0 - (uint64_t)want : (uint64_t)want,
				     want < 0, seps[i / 4 % NELEM(seps)]);
			snprintf(text, sizeof(text), "Total: %s units", grouped);
			break;
		case 2:
			snprintf(text, sizeof(text), "$%" PRId64 ".000", want);
			break;
		default:
			snprintf(text, sizeof(text), "%" PRId64 "00e-2", want);
			break;
		}
		v = value_convert(VALUE_INT, text, &why);
		cr_assert(json_is_integer(v) && json_integer_value(v) == want,
			  "\"%s\": got %lld (%s), want %" PRId64, text,
			  v ? (long long)json_integer_value(v) : 0LL, v ? "" : why, want);
		json_decref(v);
	}
}

/* Doubles printed with 17 significant digits come back bit for bit. */
Test(value, number_matches_strtod_over_random_values)
{
	uint64_t seed = 42, bits;
	char text[64];
	const char *why;
	double d;
	json_t *v;
	int i;

	for (i = 0; i < 5000; i++) {
		bits = rnd64(&seed);
		memcpy(&d, &bits, sizeof(d));
		if (d != d || d - d != 0) /* NaN, infinities */
			continue;
		snprintf(text, sizeof(text), "%.17g", d);
		v = value_convert(VALUE_NUMBER, text, &why);
		cr_assert(json_is_real(v) && json_real_value(v) == (d == 0 ? 0.0 : d),
			  "\"%s\": got %.17g (%s)", text, v ? json_real_value(v) : 0.0,
			  v ? "" : why);
		json_decref(v);
	}
}

static const char *const month_full[] = {
	"January", "February", "March",     "April",   "May",      "June",
	"July",    "August",   "September", "October", "November", "December",
};

/* Random instants in years 1..9998 written with a random offset in each
 * form that carries one; gmtime_r is the reference for the UTC result. */
Test(value, datetime_matches_gmtime_over_random_instants)
{
	/* 0001-01-01T00:00:00Z and 9998-12-31T00:00:00Z */
	const int64_t lo = -62135596800LL, hi = 253370678400LL;
	uint64_t seed = 7;
	char text[160], want[96];
	struct tm loc, utc;
	const char *why, *got;
	int64_t t;
	time_t tt;
	int i, off, oh, om;
	json_t *v;

	for (i = 0; i < 20000; i++) {
		t = lo + (int64_t)(rnd64(&seed) % (uint64_t)(hi - lo));
		off = ((int)(rnd64(&seed) % 113) - 56) * 15 * 60; /* -14:00..+14:00 */
		tt = (time_t)(t + off);
		cr_assert_not_null(gmtime_r(&tt, &loc));
		tt = (time_t)t;
		cr_assert_not_null(gmtime_r(&tt, &utc));
		oh = abs(off) / 3600;
		om = abs(off) / 60 % 60;
		switch (i % 4) {
		case 0:
			snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
				 loc.tm_year + 1900, loc.tm_mon + 1, loc.tm_mday,
				 loc.tm_hour, loc.tm_min, loc.tm_sec, off < 0 ? '-' : '+',
				 oh, om);
			break;
		case 1:
			snprintf(text, sizeof(text), "%d %.3s %04d %02d:%02d:%02d %c%02d%02d",
				 loc.tm_mday, month_full[loc.tm_mon], loc.tm_year + 1900,
				 loc.tm_hour, loc.tm_min, loc.tm_sec, off < 0 ? '-' : '+',
				 oh, om);
			break;
		case 2:
			snprintf(text, sizeof(text), "%s %d, %04d, %d:%02d:%02d %s UTC%c%d:%02d",
				 month_full[loc.tm_mon], loc.tm_mday, loc.tm_year + 1900,
				 (loc.tm_hour + 11) % 12 + 1, loc.tm_min, loc.tm_sec,
				 loc.tm_hour < 12 ? "AM" : "PM", off < 0 ? '-' : '+', oh, om);
			break;
		default:
			snprintf(text, sizeof(text), "%04d/%d/%d %d:%02d:%02d.25 %c%02d%02d",
				 loc.tm_year + 1900, loc.tm_mon + 1, loc.tm_mday,
				 loc.tm_hour, loc.tm_min, loc.tm_sec, off < 0 ? '-' : '+',
				 oh, om);
			break;
		}
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
			 utc.tm_min, utc.tm_sec);
		v = value_convert(VALUE_DATETIME, text, &why);
		got = json_string_value(v);
		cr_assert(got && strcmp(got, want) == 0, "\"%s\" = %s (%s), want %s",
			  text, got ? got : "NULL", v ? "" : why, want);
		json_decref(v);
	}
}

/* Every day 27..32 of every month of years with every leap rule: the
 * conversion accepts exactly the days timegm/gmtime_r keep in the month. */
Test(value, datetime_knows_the_length_of_every_month)
{
	static const int years[] = { 0, 1, 4, 100, 400, 1600, 1700, 1900, 1996, 2000,
				     2023, 2024, 2100, 2400, 9996, 9999 };
	char text[96], want[96];
	struct tm tm, back;
	const char *why, *got;
	size_t i;
	int m, d;
	bool real;
	time_t tt;
	json_t *v;

	for (i = 0; i < NELEM(years); i++) {
		for (m = 1; m <= 12; m++) {
			for (d = 27; d <= 32; d++) {
				memset(&tm, 0, sizeof(tm));
				tm.tm_year = years[i] - 1900;
				tm.tm_mon = m - 1;
				tm.tm_mday = d;
				tm.tm_hour = 12;
				tt = timegm(&tm);
				cr_assert_not_null(gmtime_r(&tt, &back));
				real = back.tm_mday == d;
				snprintf(text, sizeof(text), "%04d-%02d-%02d", years[i], m, d);
				v = value_convert(VALUE_DATETIME, text, &why);
				got = json_string_value(v);
				if (real)
					cr_expect(got && strcmp(got, text) == 0,
						  "%s refused (%s)", text, why);
				else
					cr_expect(!v && strcmp(why, "invalid date") == 0,
						  "%s accepted", text);
				/* The same day in words, day first. */
				snprintf(text, sizeof(text), "%d %s %04d 12:00", d,
					 month_full[m - 1], years[i]);
				snprintf(want, sizeof(want), "%04d-%02d-%02dT12:00:00Z",
					 years[i], m, d);
				json_decref(v);
				v = value_convert(VALUE_DATETIME, text, &why);
				got = json_string_value(v);
				cr_expect(real ? got && strcmp(got, want) == 0 : !v,
					  "\"%s\" = %s", text, got ? got : why);
				json_decref(v);
			}
		}
	}
}

/* ---- Long and hostile texts ---- */

static char *repeat(const char *unit, size_t times, const char *tail)
{
	size_t u = strlen(unit), t = strlen(tail), i;
	char *s = malloc(u * times + t + 1);

	cr_assert_not_null(s);
	for (i = 0; i < times; i++)
		memcpy(s + i * u, unit, u);
	memcpy(s + u * times, tail, t + 1);
	return s;
}

static void expect_refused(enum value_type t, const char *in,
			   const char *reason, const char *what)
{
	const char *why = NULL;
	json_t *v = value_convert(t, in, &why);
	char *g = dump(v);

	cr_expect_null(v, "%s: got %s", what, g);
	cr_expect(why && strcmp(why, reason) == 0, "%s: why \"%s\", want \"%s\"",
		  what, why ? why : "NULL", reason);
	free(g);
	json_decref(v);
}

static void expect_json(enum value_type t, const char *in, const char *want,
			const char *what)
{
	const char *why = NULL;
	json_t *v = value_convert(t, in, &why);
	char *g = dump(v);

	cr_expect(strcmp(g, want) == 0, "%s: got %s (%s), want %s", what, g,
		  v ? "" : why, want);
	free(g);
	json_decref(v);
}

Test(value, scans_numbers_only_in_the_first_bytes, .timeout = 10)
{
	char *s;

	/* A number that starts past the window is not seen. */
	s = repeat("x", VALUE_SCAN_MAX, "12");
	expect_refused(VALUE_NUMBER, s, "no number", "number after the window");
	free(s);
	/* One that ends inside it is, whatever follows. */
	s = malloc(1 << 20);
	cr_assert_not_null(s);
	memset(s, 'x', 1 << 20);
	memcpy(s + VALUE_SCAN_MAX - 20, " 12.5 ", 6);
	s[(1 << 20) - 1] = '\0';
	expect_json(VALUE_NUMBER, s, "12.5", "number at the end of the window");
	free(s);
	/* One that the window cuts is not known to be whole. */
	s = repeat("1", 1 << 20, "");
	expect_refused(VALUE_NUMBER, s, "too long", "1 MiB of digits");
	expect_refused(VALUE_INT, s, "too long", "1 MiB of digits");
	free(s);
	s = repeat("x", VALUE_SCAN_MAX - 4, "1,234,567");
	expect_refused(VALUE_NUMBER, s, "too long", "groups cut by the window");
	free(s);
	/* Leading whitespace does not use up the window. */
	s = repeat(" \n", 1 << 18, "7 of 9");
	expect_json(VALUE_INT, s, "7", "number after 512 KiB of whitespace");
	free(s);
}

Test(value, bounds_bool_and_datetime_texts, .timeout = 10)
{
	char *s;

	s = repeat("\xc2\xa0\n", 1 << 18, "yes");
	expect_json(VALUE_BOOL, s, "true", "yes after 768 KiB of whitespace");
	free(s);
	s = malloc((1 << 20) + 8);
	cr_assert_not_null(s);
	strcpy(s, "no");
	memset(s + 2, ' ', 1 << 20);
	s[(1 << 20) + 2] = '\0';
	expect_json(VALUE_BOOL, s, "false", "no before 1 MiB of spaces");
	free(s);
	s = repeat("y", 1 << 20, "");
	expect_refused(VALUE_BOOL, s, "not a boolean", "1 MiB of y");
	free(s);
	s = repeat(" ", 1 << 20, "2026-11-22T10:05:30+01:00\n\t");
	expect_json(VALUE_DATETIME, s, S("2026-11-22T09:05:30Z"),
		    "date in 1 MiB of spaces");
	free(s);
	s = repeat("Sunday ", 40, "22 Nov 2026");
	expect_refused(VALUE_DATETIME, s, "too long", "date after 280 bytes");
	free(s);
	s = repeat("9", 1 << 20, "");
	expect_refused(VALUE_DATETIME, s, "too long", "1 MiB of digits as a date");
	free(s);
	/* The window holds VALUE_SCAN_MAX bytes of text, not one more: a
	 * fraction of a second pads a date to the size. */
	s = malloc(VALUE_SCAN_MAX + 2);
	cr_assert_not_null(s);
	memset(s, '5', VALUE_SCAN_MAX + 1);
	memcpy(s, "2026-11-22T10:05:30.", 20);
	s[VALUE_SCAN_MAX - 1] = 'Z';
	s[VALUE_SCAN_MAX] = '\0';
	expect_json(VALUE_DATETIME, s, S("2026-11-22T10:05:30Z"),
		    "date of the window's size");
	s[VALUE_SCAN_MAX] = 'Z';
	s[VALUE_SCAN_MAX - 1] = '5';
	s[VALUE_SCAN_MAX + 1] = '\0';
	expect_refused(VALUE_DATETIME, s, "too long", "date one byte over the window");
	free(s);
}

/* The date forms' fixed-width fields do not read on past a NUL: each
 * prefix of a full date is either refused or a shorter valid date. */
Test(value, handles_every_prefix_of_a_date)
{
	static const char *const full[] = {
		"2026-11-22T10:05:30.125+01:00 (CET)",
		"Sun, 22 Nov 2026 10:05:30 +0100",
		"Sunday, November 22nd, 2026 at 3:45 p.m. EST",
		"Sun Nov 22 10:05:30 2026",
		"1795428330999",
	};
	const char *why;
	size_t i, n;
	char *s;
	json_t *v;

	for (i = 0; i < NELEM(full); i++) {
		for (n = 0; n <= strlen(full[i]); n++) {
			s = strndup(full[i], n);
			cr_assert_not_null(s);
			why = NULL;
			v = value_convert(VALUE_DATETIME, s, &why);
			cr_expect(v ? json_is_string(v) && !why : why != NULL,
				  "\"%s\"", s);
			json_decref(v);
			free(s);
		}
	}
}

/* json_equal() cannot tell -0.0 from 0.0; the dump can. */
Test(value, number_drops_the_sign_of_zero)
{
	expect_json(VALUE_NUMBER, "-0", "0.0", "-0");
	expect_json(VALUE_NUMBER, "-0.000", "0.0", "-0.000");
	expect_json(VALUE_NUMBER, "-1e-400", "0.0", "-1e-400");
	expect_json(VALUE_NUMBER, "-0.5", "-0.5", "-0.5");
}
