/*
 * value.c - typed values from extracted text (see value.h).
 *
 * Runs in workers, once per extracted field of a page: a few to a few
 * dozen calls per page, each on a short text.  Every scan works on a
 * NUL-terminated copy of at most VALUE_SCAN_MAX bytes, so a hostile text
 * costs one linear pass over its whitespace at worst.
 */
#include "value.h"

#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The exponent a number may carry is kept within this, far beyond what a
 * double or an int64 holds, so that "1e99999999999" cannot overflow. */
#define EXP_SAT 100000

static const char *const type_names[] = {
	[VALUE_STRING] = "string", [VALUE_INT] = "int",
	[VALUE_NUMBER] = "number", [VALUE_BOOL] = "bool",
	[VALUE_URL] = "url",       [VALUE_DATETIME] = "datetime",
};

int value_type_parse(const char *name, enum value_type *t)
{
	size_t i;

	for (i = 0; i < NELEM(type_names); i++) {
		if (strcmp(name, type_names[i]) == 0) {
			*t = (enum value_type)i;
			return 0;
		}
	}
	return -1;
}

const char *value_type_name(enum value_type t)
{
	if ((unsigned)t >= NELEM(type_names))
		return "?";
	return type_names[t];
}

/* Bytes of the whitespace character at P, 0 if P does not start with one.
 * Reads no byte after a NUL: each byte is compared only once the ones
 * before it matched non-NUL values. */
static size_t space_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	switch (u[0]) {
	case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
		return 1;
	case 0xc2: /* U+0085, U+00A0 */
		return u[1] == 0x85 || u[1] == 0xa0 ? 2 : 0;
	case 0xe1: /* U+1680 */
		return u[1] == 0x9a && u[2] == 0x80 ? 3 : 0;
	case 0xe2:
		if (u[1] == 0x80) /* U+2000-U+200A, U+2028, U+2029, U+202F */
			return (u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 ||
			       u[2] == 0xa9 || u[2] == 0xaf ? 3 : 0;
		return u[1] == 0x81 && u[2] == 0x9f ? 3 : 0; /* U+205F */
	case 0xe3: /* U+3000 */
		return u[1] == 0x80 && u[2] == 0x80 ? 3 : 0;
	}
	return 0;
}

static const char *skip_space(const char *p)
{
	size_t k;

	while ((k = space_len(p)))
		p += k;
	return p;
}

size_t value_normalize_space(char *s)
{
	const char *r = s;
	char *w = s;
	bool gap = false;
	size_t k;

	while (*r) {
		if ((k = space_len(r))) {
			r += k;
			gap = w != s;
			continue;
		}
		if (gap) {
			*w++ = ' ';
			gap = false;
		}
		*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Copies TEXT without its leading and trailing whitespace into BUF
 * (VALUE_SCAN_MAX + 1 bytes), NUL-terminated.  Returns -1 if that is
 * longer than VALUE_SCAN_MAX bytes; stops reading there. */
static int trim_copy(const char *text, char *buf)
{
	const char *p = skip_space(text), *q = p, *end = p;
	size_t k;

	while (*q) {
		if ((k = space_len(q))) {
			q += k;
			continue;
		}
		end = ++q;
		if (end - p > VALUE_SCAN_MAX)
			return -1;
	}
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

/* ---- Numbers ---- */

struct num {
	bool neg;
	char digits[VALUE_SCAN_MAX + 1]; /* int-part then fraction digits */
	size_t nint, nfrac;
	long exp;                        /* within +-EXP_SAT */
};

/* Bytes of the digit-group separator at P, 0 if none. */
static size_t group_sep_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] == ',' || u[0] == '\'' || u[0] == ' ')
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	/* U+2007 figure space, U+2009 thin space, U+2019, U+202F */
	if (u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] == 0x87 || u[2] == 0x89 || u[2] == 0x99 || u[2] == 0xaf))
		return 3;
	return 0;
}

/* Bytes of the currency symbol ending right before BUF + I, 0 if none:
 * '$', U+00A2-U+00A5 (cent, pound, currency sign, yen) and the Currency
 * Symbols block U+20A0-U+20CF (euro, rupee, ...). */
static size_t currency_before(const char *buf, size_t i)
{
	const unsigned char *u = (const unsigned char *)buf;

	if (i >= 1 && u[i - 1] == '$')
		return 1;
	if (i >= 2 && u[i - 2] == 0xc2 && u[i - 1] >= 0xa2 && u[i - 1] <= 0xa5)
		return 2;
	if (i >= 3 && u[i - 3] == 0xe2 &&
	    ((u[i - 2] == 0x82 && u[i - 1] >= 0xa0) ||
	     (u[i - 2] == 0x83 && u[i - 1] <= 0x8f)))
		return 3;
	return 0;
}

/* True if the number starting at BUF + START has a minus sign, false for
 * '+' or none.  See value.h for where a sign counts. */
static bool number_negative(const char *buf, size_t start)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t i = start - currency_before(buf, start), slen = 0;
	bool neg = false;

	if (i >= 1 && (u[i - 1] == '-' || u[i - 1] == '+')) {
		slen = 1;
		neg = u[i - 1] == '-';
	} else if (i >= 3 && u[i - 3] == 0xe2 && u[i - 2] == 0x88 &&
		   u[i - 1] == 0x92) { /* U+2212 */
		slen = 3;
		neg = true;
	}
	if (!slen || (i > slen && is_alnum(buf[i - slen - 1])))
		return false;
	return neg;
}

/* Finds the first number in TEXT and splits it into N.  Returns NULL or
 * the reason it fails. */
static const char *scan_number(const char *text, struct num *n)
{
	char buf[VALUE_SCAN_MAX + 1];
	const char *p = skip_space(text);
	size_t len = strnlen(p, VALUE_SCAN_MAX), i, start, k, sep = 0;
	bool cut = p[len] != '\0';
	long e = 0;
	int esign = 1;

	memcpy(buf, p, len);
	buf[len] = '\0';
	for (start = 0; start < len; start++) {
		if (is_digit(buf[start]))
			break;
		if (buf[start] == '.' && is_digit(buf[start + 1]) &&
		    (start == 0 || !is_alnum(buf[start - 1])))
			break;
	}
	if (start == len)
		return "no number";
	n->neg = number_negative(buf, start);
	n->nint = n->nfrac = 0;
	n->exp = 0;

	for (i = start; is_digit(buf[i]); i++)
		n->digits[n->nint++] = buf[i];
	/* Digit groups: the first group is 1-3 digits without a leading 0,
	 * every separator the same, every later group exactly 3 digits. */
	if (n->nint >= 1 && n->nint <= 3 && buf[start] != '0') {
		while ((k = group_sep_len(buf + i)) &&
		       (!sep || (k == sep && memcmp(buf + i, buf + i - 3 - sep, k) == 0)) &&
		       is_digit(buf[i + k]) && is_digit(buf[i + k + 1]) &&
		       is_digit(buf[i + k + 2]) && !is_digit(buf[i + k + 3])) {
			memcpy(n->digits + n->nint, buf + i + k, 3);
			n->nint += 3;
			i += k + 3;
			sep = k;
		}
	}
	if (buf[i] == '.' && is_digit(buf[i + 1])) {
		for (i++; is_digit(buf[i]); i++)
			n->digits[n->nint + n->nfrac++] = buf[i];
	}
	if ((buf[i] == 'e' || buf[i] == 'E') &&
	    (is_digit(buf[i + 1]) ||
	     ((buf[i + 1] == '+' || buf[i + 1] == '-') && is_digit(buf[i + 2])))) {
		i++;
		if (buf[i] == '+' || buf[i] == '-')
			esign = buf[i++] == '-' ? -1 : 1;
		for (; is_digit(buf[i]); i++)
			if (e < EXP_SAT)
				e = e * 10 + (buf[i] - '0');
		n->exp = esign * (e < EXP_SAT ? e : EXP_SAT);
	}
	/* Separators and lookahead read at most 7 bytes past the number: a
	 * number that ends that close to a cut is not known to be whole. */
	if (cut && i + 7 >= len)
		return "too long";
	if ((buf[i] == ',' || buf[i] == '.') && is_digit(buf[i + 1]))
		return "ambiguous number";
	return NULL;
}

/* The C locale for strtod_l(), so that a setlocale() elsewhere cannot
 * change what "1.5" means.  Made once per process, never freed. */
static locale_t c_numeric(void)
{
	static locale_t loc;

	if (!loc) {
		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (!loc) {
			log_error("newlocale(C): out of memory");
			abort();
		}
	}
	return loc;
}

static json_t *number_real(const struct num *n, const char **why)
{
	char s[VALUE_SCAN_MAX + 32];
	size_t w = 0;
	double d;

	if (n->neg)
		s[w++] = '-';
	memcpy(s + w, n->digits, n->nint);
	w += n->nint;
	if (!n->nint)
		s[w++] = '0';
	if (n->nfrac) {
		s[w++] = '.';
		memcpy(s + w, n->digits + n->nint, n->nfrac);
		w += n->nfrac;
	}
	snprintf(s + w, sizeof(s) - w, "e%ld", n->exp);
	d = strtod_l(s, NULL, c_numeric());
	if (!isfinite(d)) {
		*why = "out of range";
		return NULL;
	}
	return json_real(d == 0 ? 0.0 : d);
}

/* N's exact value as an int64, from its decimal digits. */
static json_t *number_int(const struct num *n, const char **why)
{
	size_t first = 0, last = n->nint + n->nfrac;
	long e10 = n->exp - (long)n->nfrac;
	uint64_t v = 0, lim = n->neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	unsigned d;

	while (first < last && n->digits[first] == '0')
		first++;
	if (first == last)
		return json_integer(0);
	for (; e10 < 0; e10++, last--) {
		if (n->digits[last - 1] != '0') {
			*why = "not an integer";
			return NULL;
		}
	}
	if ((long)(last - first) + e10 > 19)
		goto range;
	for (; first < last; first++) {
		d = (unsigned)(n->digits[first] - '0');
		if (v > (UINT64_MAX - d) / 10)
			goto range;
		v = v * 10 + d;
	}
	for (; e10 > 0; e10--) {
		if (v > UINT64_MAX / 10)
			goto range;
		v *= 10;
	}
	if (v > lim)
		goto range;
	if (!n->neg)
		return json_integer((json_int_t)v);
	return json_integer(v == lim ? INT64_MIN : -(json_int_t)v);
range:
	*why = "out of range";
	return NULL;
}

/* ---- Booleans ---- */

static json_t *convert_bool(const char *text, const char **why)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "y",
					   "checked", "selected" };
	static const char *const no[] = { "false", "no", "off", "0", "n", "" };
	char buf[VALUE_SCAN_MAX + 1];
	size_t i;

	if (trim_copy(text, buf) == 0) {
		for (i = 0; i < NELEM(yes); i++)
			if (strcasecmp(buf, yes[i]) == 0)
				return json_true();
		for (i = 0; i < NELEM(no); i++)
			if (strcasecmp(buf, no[i]) == 0)
				return json_false();
	}
	*why = "not a boolean";
	return NULL;
}

/* ---- Dates and times ---- */

struct datetime {
	int year, mon, day;
	int hour, min, sec;
	int ampm;      /* 0 none, 1 AM, 2 PM */
	int offset;    /* seconds east of UTC */
	bool has_time;
	int64_t epoch; /* for timestamps: seconds since 1970 */
	bool is_epoch;
};

static const char *const month_names[] = {
	"january", "february", "march",     "april",   "may",      "june",
	"july",    "august",   "september", "october", "november", "december",
};

static const char *const weekday_names[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

/* Reads the ASCII letters at *PP.  Returns their count (0 if none) and
 * moves *PP past them. */
static size_t read_word(const char **pp, const char **word)
{
	const char *p = *pp;

	while (is_alpha(*p))
		p++;
	*word = *pp;
	*pp = p;
	return (size_t)(p - *word);
}

/* Index in NAMES of the name the LEN letters at W abbreviate (3 letters
 * or more, any case), or -1. */
static int match_name(const char *w, size_t len, const char *const *names,
		      size_t count)
{
	size_t i;

	if (len < 3)
		return -1;
	for (i = 0; i < count; i++)
		if (len <= strlen(names[i]) && strncasecmp(w, names[i], len) == 0)
			return (int)i;
	return -1;
}

/* Reads MIN to MAX digits at *P into *V; more digits than MAX fail. */
static int read_num(const char **pp, int min, int max, int *v)
{
	const char *p = *pp;
	int n = 0, x = 0;

	while (n < max && is_digit(p[n])) {
		x = x * 10 + (p[n] - '0');
		n++;
	}
	if (n < min || is_digit(p[n]))
		return -1;
	*v = x;
	*pp = p + n;
	return 0;
}

/* Reads a month name (abbreviation, optional '.').  Returns 1-12 or -1. */
static int read_month(const char **pp)
{
	const char *p = *pp, *w;
	size_t len = read_word(&p, &w);
	int m = match_name(w, len, month_names, NELEM(month_names));

	if (m < 0)
		return -1;
	if (*p == '.')
		p++;
	*pp = p;
	return m + 1;
}

/* Reads a day of month with an optional ordinal suffix ("22nd"). */
static int read_day(const char **pp, int *day)
{
	const char *p = *pp;

	if (read_num(&p, 1, 2, day) != 0)
		return -1;
	if ((strncasecmp(p, "st", 2) == 0 || strncasecmp(p, "nd", 2) == 0 ||
	     strncasecmp(p, "rd", 2) == 0 || strncasecmp(p, "th", 2) == 0) &&
	    !is_alpha(p[2]))
		p += 2;
	*pp = p;
	return 0;
}

/* Reads an "AM"/"PM" marker ("am", "a.m.", "A.M") after optional spaces;
 * returns 1 AM, 2 PM, 0 if none (then *PP is unchanged). */
static int read_ampm(const char **pp)
{
	const char *p = skip_space(*pp);
	int r;

	if (*p == 'a' || *p == 'A')
		r = 1;
	else if (*p == 'p' || *p == 'P')
		r = 2;
	else
		return 0;
	p++;
	if (*p == '.')
		p++;
	if (*p != 'm' && *p != 'M')
		return 0;
	p++;
	if (*p == '.')
		p++;
	if (is_alpha(*p))
		return 0;
	*pp = p;
	return r;
}

/* Reads H:MM[:SS[.frac]] [AM|PM]. */
static const char *read_clock(const char **pp, struct datetime *dt)
{
	const char *p = *pp;

	if (read_num(&p, 1, 2, &dt->hour) != 0 || *p++ != ':' ||
	    read_num(&p, 2, 2, &dt->min) != 0)
		return "not a date";
	dt->sec = 0;
	if (*p == ':') {
		p++;
		if (read_num(&p, 2, 2, &dt->sec) != 0)
			return "not a date";
		if ((*p == '.' || *p == ',') && is_digit(p[1]))
			for (p++; is_digit(*p); p++)
				;
	}
	dt->ampm = read_ampm(&p);
	dt->has_time = true;
	*pp = p;
	return NULL;
}

/* Reads a numeric offset: sign, then H, HH, H:MM, HH:MM or HHMM. */
static const char *read_offset(const char **pp, int *offset)
{
	const char *p = *pp + 1;
	int sign = **pp == '-' ? -1 : 1, h = 0, m = 0;
	size_t nd = 0;

	while (is_digit(p[nd]))
		nd++;
	if (nd == 4) {
		h = (p[0] - '0') * 10 + (p[1] - '0');
		m = (p[2] - '0') * 10 + (p[3] - '0');
		p += 4;
	} else if (nd == 1 || nd == 2) {
		h = nd == 1 ? p[0] - '0' : (p[0] - '0') * 10 + (p[1] - '0');
		p += nd;
		if (*p == ':' && is_digit(p[1]) && is_digit(p[2]) && !is_digit(p[3])) {
			m = (p[1] - '0') * 10 + (p[2] - '0');
			p += 3;
		}
	} else {
		return "invalid time zone";
	}
	if (h > 23 || m > 59)
		return "invalid time zone";
	*offset = sign * (h * 3600 + m * 60);
	*pp = p;
	return NULL;
}

/* Reads an optional zone after optional spaces, then an optional
 * "(comment)". */
static const char *read_zone(const char **pp, struct datetime *dt)
{
	static const struct {
		const char *name;
		int hours;
	} zones[] = {
		{ "UTC", 0 },  { "UT", 0 },   { "GMT", 0 },  { "Z", 0 },
		{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
		{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};
	const char *p = skip_space(*pp), *w, *why;
	size_t len, i;

	dt->offset = 0;
	if (*p == '+' || *p == '-') {
		if ((why = read_offset(&p, &dt->offset)))
			return why;
	} else if ((len = read_word(&p, &w))) {
		for (i = 0; i < NELEM(zones); i++)
			if (strlen(zones[i].name) == len &&
			    strncasecmp(w, zones[i].name, len) == 0)
				break;
		if (i == NELEM(zones))
			return "invalid time zone";
		dt->offset = zones[i].hours * 3600;
		if (zones[i].hours == 0 && len > 1 && (*p == '+' || *p == '-'))
			if ((why = read_offset(&p, &dt->offset)))
				return why;
	}
	p = skip_space(p);
	if (*p == '(') {
		while (*p && *p != ')')
			p++;
		if (*p != ')')
			return "not a date";
		p++;
	}
	*pp = p;
	return NULL;
}

/* After a date: nothing, or a separator and a time (and zone). */
static const char *read_time_part(const char *p, struct datetime *dt, bool iso)
{
	const char *q = skip_space(p), *end, *w, *why;

	if (!*q)
		return NULL;
	if (iso && (*p == 'T' || *p == 't') && is_digit(p[1])) {
		q = p + 1;
	} else {
		if (*q == ',')
			q = skip_space(q + 1);
		else if (q == p)
			return "not a date";
		end = q;
		if (read_word(&end, &w) == 2 && strncasecmp(w, "at", 2) == 0 &&
		    space_len(end))
			q = skip_space(end);
	}
	if ((why = read_clock(&q, dt)) || (why = read_zone(&q, dt)))
		return why;
	return *skip_space(q) ? "not a date" : NULL;
}

/* 9-10 digits: seconds; 12-13 digits: milliseconds. */
static bool read_timestamp(const char *s, struct datetime *dt)
{
	size_t n = 0;
	int64_t v = 0;

	while (n < 14 && is_digit(s[n]))
		v = v * 10 + (s[n++] - '0');
	if (s[n] || !(n == 9 || n == 10 || n == 12 || n == 13))
		return false;
	dt->epoch = n >= 12 ? v / 1000 : v;
	dt->is_epoch = dt->has_time = true;
	return true;
}

static const char *parse_datetime(const char *s, struct datetime *dt)
{
	const char *p = s, *w, *q;
	size_t len;
	int m;

	memset(dt, 0, sizeof(*dt));
	if (read_timestamp(s, dt))
		return NULL;
	if (is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) &&
	    is_digit(p[3]) && (p[4] == '-' || p[4] == '/')) {
		read_num(&p, 4, 4, &dt->year);
		if (*p == '-') {
			p++;
			if (read_num(&p, 2, 2, &dt->mon) != 0 || *p++ != '-' ||
			    read_num(&p, 2, 2, &dt->day) != 0)
				return "not a date";
		} else {
			p++;
			if (read_num(&p, 1, 2, &dt->mon) != 0 || *p++ != '/' ||
			    read_num(&p, 1, 2, &dt->day) != 0)
				return "not a date";
		}
		return read_time_part(p, dt, true);
	}

	q = p;
	len = read_word(&q, &w);
	if (match_name(w, len, weekday_names, NELEM(weekday_names)) >= 0) {
		if (*q == '.')
			q++;
		q = skip_space(q);
		if (*q == ',')
			q = skip_space(q + 1);
		p = q;
	}
	if (is_digit(*p)) {
		/* 22 Nov 2026, 22-Nov-2026, 22nd November 2026 */
		if (read_day(&p, &dt->day) != 0)
			return "not a date";
		if (*p == '-')
			p++;
		else if (*p == '.' && space_len(p + 1))
			p = skip_space(p + 1);
		else if (space_len(p))
			p = skip_space(p);
		else
			return "not a date";
		if ((dt->mon = read_month(&p)) < 0)
			return "not a date";
		if (*p == '-')
			p++;
		else if (*(q = skip_space(p)) == ',')
			p = skip_space(q + 1);
		else if (q != p)
			p = q;
		else
			return "not a date";
		if (read_num(&p, 4, 4, &dt->year) != 0)
			return "not a date";
		return read_time_part(p, dt, false);
	}
	/* Nov 22, 2026 and asctime's Nov 22 10:05:30 2026 */
	if ((m = read_month(&p)) < 0)
		return "not a date";
	dt->mon = m;
	q = skip_space(p);
	if (q == p && p[-1] != '.')
		return "not a date";
	p = q;
	if (read_day(&p, &dt->day) != 0)
		return "not a date";
	q = skip_space(p);
	if (*q == ',')
		q = skip_space(q + 1);
	else if (q == p)
		return "not a date";
	p = q;
	if (read_num(&q, 1, 2, &m) == 0 && *q == ':') {
		const char *why = read_clock(&p, dt);

		if (why)
			return why;
		q = skip_space(p);
		if (q == p || read_num(&q, 4, 4, &dt->year) != 0)
			return "not a date";
		return *skip_space(q) ? "not a date" : NULL;
	}
	if (read_num(&p, 4, 4, &dt->year) != 0)
		return "not a date";
	return read_time_part(p, dt, false);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

static json_t *convert_datetime(const char *text, const char **why)
{
	char buf[VALUE_SCAN_MAX + 1], out[80];
	struct datetime dt;
	int64_t t, days, y;
	int m, d, sod;

	if (trim_copy(text, buf) != 0) {
		*why = "too long";
		return NULL;
	}
	if ((*why = parse_datetime(buf, &dt)))
		return NULL;
	if (dt.is_epoch) {
		t = dt.epoch;
	} else {
		if (dt.mon < 1 || dt.mon > 12 || dt.day < 1 ||
		    dt.day > days_in_month(dt.year, dt.mon)) {
			*why = "invalid date";
			return NULL;
		}
		if (!dt.has_time) {
			snprintf(out, sizeof(out), "%04d-%02d-%02d", dt.year,
				 dt.mon, dt.day);
			return json_string(out);
		}
		if (dt.ampm) {
			if (dt.hour < 1 || dt.hour > 12) {
				*why = "invalid time";
				return NULL;
			}
			dt.hour = dt.hour % 12 + (dt.ampm == 2 ? 12 : 0);
		}
		if (dt.hour > 23 || dt.min > 59 || dt.sec > 59) {
			*why = "invalid time";
			return NULL;
		}
		t = days_from_civil(dt.year, dt.mon, dt.day) * 86400 +
		    dt.hour * 3600 + dt.min * 60 + dt.sec - dt.offset;
	}
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	sod = (int)(t - days * 86400);
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		*why = "out of range";
		return NULL;
	}
	snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
		 sod / 3600, sod / 60 % 60, sod % 60);
	return json_string(out);
}

json_t *value_convert(enum value_type t, const char *text, const char **why)
{
	const char *dummy;
	struct num n;
	json_t *v = NULL;

	if (!why)
		why = &dummy;
	*why = NULL;
	switch (t) {
	case VALUE_STRING:
		if (!(v = json_string(text)))
			*why = "invalid UTF-8";
		return v;
	case VALUE_NUMBER:
	case VALUE_INT:
		if ((*why = scan_number(text, &n)))
			return NULL;
		return t == VALUE_INT ? number_int(&n, why) : number_real(&n, why);
	case VALUE_BOOL:
		return convert_bool(text, why);
	case VALUE_DATETIME:
		return convert_datetime(text, why);
	case VALUE_URL:
		*why = "url needs the page";
		return NULL;
	}
	*why = "unknown type";
	return NULL;
}
