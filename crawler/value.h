/*
 * value.h - typed values from extracted text: what an extraction field's
 * "type" and "normalize" options do.
 *
 * A field's XPath yields text; value_convert() turns it into a JSON value
 * of the field's type.  A field has the same JSON type in every record:
 * a conversion either gives that type or fails with NULL and a short
 * static reason, which the caller turns into null or a validation error.
 * Type "url" is listed here for the config's name table, but the caller
 * resolves it against the page (url.h); value_convert() refuses it.
 *
 * Work is bounded: numbers are looked for in the first VALUE_SCAN_MAX
 * bytes after leading whitespace, and bool and datetime texts longer than
 * that (surrounding whitespace aside) are refused.  Nothing depends on the
 * C locale, the TZ variable or the system's time zone files.
 *
 * Pure functions; run in workers, once per extracted field.
 */
#ifndef TRAWL_VALUE_H
#define TRAWL_VALUE_H

#include <stddef.h>

#include <jansson.h>

#define VALUE_SCAN_MAX 256

enum value_type {
	VALUE_STRING,
	VALUE_INT,
	VALUE_NUMBER,
	VALUE_BOOL,
	VALUE_URL,
	VALUE_DATETIME,
};

/* Sets *T from its config name: "string", "int", "number", "bool", "url"
 * or "datetime" (exact spelling).  Returns 0, or -1 for any other name. */
int value_type_parse(const char *name, enum value_type *t);

/* The config name of T (static), or "?" for a value outside the enum. */
const char *value_type_name(enum value_type t);

/* Normalizes the whitespace of S in place: leading and trailing whitespace
 * removed, every inner run of it replaced by one ASCII space.  Whitespace
 * is Unicode's White_Space set: ASCII space, \t \n \v \f \r, U+0085,
 * NO-BREAK SPACE U+00A0, U+1680, U+2000-U+200A (thin, hair, figure,
 * en/em spaces...), U+2028, U+2029, NARROW NO-BREAK SPACE U+202F, U+205F
 * and IDEOGRAPHIC SPACE U+3000.  Zero-width space U+200B and U+FEFF are
 * not whitespace and stay.  Other bytes, valid UTF-8 or not, are kept.
 * Returns the new length. */
size_t value_normalize_space(char *s);

/*
 * Converts TEXT (a NUL-terminated string, valid UTF-8) to a JSON value of
 * type T.  Returns a new reference (caller frees with json_decref()), or
 * NULL with *WHY set to a static reason (WHY may be NULL).
 *
 * string    TEXT as it is.  "invalid UTF-8" if it is not.
 *
 * number    json_real, always, even for "12".  The first number in the
 *           text; whatever surrounds it is ignored ("$1,299.50" 1299.5,
 *           "Price: 12.99 EUR" 12.99, "-3.5e2" -350, ".5" 0.5).  A number
 *           is [sign] int-part [. digits] [e|E [sign] digits]:
 *           - sign: '+', '-' or U+2212 MINUS SIGN right before the digits
 *             or before one currency symbol before them ("-$5", "$-5");
 *             not after a letter or digit ("SKU-12" is 12);
 *           - int-part: digits, or 1-3 digits (not starting with 0) then
 *             groups of exactly 3 digits, all after the same separator:
 *             ',', '\'', U+2019, ASCII space, U+00A0, U+2007, U+2009 or
 *             U+202F ("1,299", "1 299", "1'299", "12 345 678"); so
 *             that NBSP-grouped prices read the same once normalized, an
 *             ASCII space groups too, and "6 100ml" reads as 6100;
 *           - a leading '.' counts only if no letter or digit precedes it
 *             ("Rs.500" is 500, not 0.5).
 *           The decimal point is '.'.  A number followed right away by ','
 *           or '.' and a digit is refused as "ambiguous number": this
 *           catches European decimal commas and dot groups ("12,5",
 *           "1.299,50", "1 299,50"), lists ("1,2,3") and versions
 *           ("1.2.3").  Note that "1,299" is 1299 and "1.299" is 1.299.
 *           Fails: "no number", "ambiguous number", "out of range" (not a
 *           finite double), "too long" (the number is not complete within
 *           the scanned bytes).  -0 gives 0.0.
 *
 * int       json_integer.  The same scan as number; the value must be
 *           integral, exactly: "12.00" and "1.5e1" are 12 and 15, "12.5"
 *           fails "not an integer".  Outside int64 fails "out of range"
 *           (computed from the digits, not through a double).
 *
 * bool      Whole text, surrounding whitespace ignored, ASCII case
 *           ignored: true yes on 1 y checked selected give true;
 *           false no off 0 n and the empty text give false; anything else
 *           fails "not a boolean".
 *
 * datetime  json_string in ISO 8601: "YYYY-MM-DD" when the text has a
 *           date only, "YYYY-MM-DDTHH:MM:SSZ" in UTC when it has a time.
 *           The whole text (surrounding whitespace aside) must be one of:
 *           - ISO 8601 / RFC 3339: 2026-11-22, then optionally 'T', 't' or
 *             spaces and a time: 10:05, 10:05:30, 10:05:30.123 (',' too);
 *           - 2026/11/22 (month and day 1 or 2 digits), time as above;
 *           - day first: 22 Nov 2026, 22 November 2026, 22-Nov-2026,
 *             22nd November 2026;
 *           - month first: Nov 22, 2026, November 22 2026, Nov. 22nd, 2026;
 *           - asctime: Sun Nov 22 10:05:30 2026;
 *           - a unix timestamp: 9 or 10 digits are seconds, 12 or 13
 *             digits milliseconds (1973..2286); other digit counts fail.
 *           Month and weekday names are English, any case, 3 letters or
 *           more of the full name ("Sept", "Tues"), an optional '.' after.
 *           The forms with names may start with a weekday, which is not
 *           checked against the date ("Sun, 22 Nov 2026 10:05:30 GMT").
 *           After a date, a time may follow spaces, ',' or "at":
 *           H:MM[:SS[.frac]], optionally with AM/PM (a.m., pm...) for a
 *           12-hour clock, then optionally a zone: Z, +01:00, +0100, +01,
 *           UTC, UT, GMT (optionally followed by an offset: GMT+1), or
 *           the US zones of RFC 2822 (EST EDT CST CDT MST MDT PST PDT),
 *           then optionally a "(comment)".  A time without zone is taken
 *           as UTC.  Fractions of a second are dropped.
 *           Years have 4 digits (two-digit years are refused), and the
 *           result must fall within 0000..9999.  Numeric day-month orders
 *           (11/22/2026, 22.11.2026) are refused as ambiguous.
 *           Fails: "not a date" (no known form), "invalid date" (month
 *           13, Feb 29 of a common year...), "invalid time" (hour 24,
 *           second 60, 13 PM...), "invalid time zone" (unknown name,
 *           offset over 23:59), "out of range", "too long".
 *
 * url       Refused: "url needs the page".
 */
json_t *value_convert(enum value_type t, const char *text, const char **why);

#endif
