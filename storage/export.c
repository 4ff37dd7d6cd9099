/*
 * export.c - pages, items and links as JSON Lines, JSON or CSV, plain or
 * gzip (see export.h).
 *
 * Runs in `trawl export`, tuned for millions of item rows: no JSON tree is
 * built per row; each record is written straight into one fixed buffer
 * (OUT_SIZE) that is flushed to the file, the gzip stream or stdout.
 *
 * Strings: one made of printable ASCII without '"' and '\' is copied
 * between quotes as it is (jansson would write exactly those bytes); any
 * other goes through jansson's encoder, after invalid UTF-8 is replaced by
 * U+FFFD.  So every string is encoded by jansson or is trivially the same.
 *
 * An item's fields text was written by jansson; it is spliced in verbatim
 * once scan_object() has checked that it is valid UTF-8 and exactly one
 * JSON object (RFC 8259 grammar, no lone surrogate escapes) without a
 * line break.  Anything else is repaired: UTF-8 cleaned, parsed and
 * re-dumped by jansson, or {} if it still is not an object.
 *
 * Page records keep the bytes the earlier jansson-built export wrote: the
 * same key order, compact separators, and the page's fields re-dumped by
 * jansson.
 */
#include "export.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "utf8.h"

#define OUT_SIZE (256 * 1024)
#define MAX_DEPTH 1000         /* nesting scan_object() follows */
#define MAX_COLUMNS 10000      /* distinct item field names in a CSV */

/* ---- option parsers ------------------------------------------------ */

int export_format_parse(const char *s, enum export_format *f)
{
	if (strcmp(s, "jsonl") == 0 || strcmp(s, "ndjson") == 0) {
		*f = EXPORT_JSONL;
	} else if (strcmp(s, "json") == 0) {
		*f = EXPORT_JSON;
	} else if (strcmp(s, "csv") == 0) {
		*f = EXPORT_CSV;
	} else {
		log_error("--format \"%s\": unknown format; use jsonl (JSON Lines), "
			  "json (one array) or csv", s);
		return -1;
	}
	return 0;
}

int export_what_parse(const char *s, enum export_what *w)
{
	if (strcmp(s, "pages") == 0) {
		*w = EXPORT_PAGES;
	} else if (strcmp(s, "items") == 0) {
		*w = EXPORT_ITEMS;
	} else if (strcmp(s, "links") == 0) {
		*w = EXPORT_LINKS;
	} else {
		log_error("--what \"%s\": unknown record kind; use pages, items or links", s);
		return -1;
	}
	return 0;
}

/* Days from 1970-01-01 to Y-M-D of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* N digits at *P as a number; advances *P.  -1 if they are not there. */
static int digits(const char **p, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	return v;
}

static int parse_iso(const char *s, int64_t *ms)
{
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0, scale;
	bool leap;

	y = digits(&p, 4);
	if (y < 1 || *p++ != '-' || (mo = digits(&p, 2)) < 1 || mo > 12 ||
	    *p++ != '-' || (d = digits(&p, 2)) < 1)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return -1;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if ((h = digits(&p, 2)) < 0 || h > 23 || *p++ != ':' ||
		    (mi = digits(&p, 2)) < 0 || mi > 59)
			return -1;
		if (*p == ':') {
			p++;
			if ((sec = digits(&p, 2)) < 0 || sec > 59)
				return -1;
			if (*p == '.' || *p == ',') {
				p++;
				if (*p < '0' || *p > '9')
					return -1;
				for (scale = 100; *p >= '0' && *p <= '9'; p++, scale /= 10)
					frac += (*p - '0') * scale;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
			if ((oh = digits(&p, 2)) < 0 || oh > 23)
				return -1;
			if (*p == ':')
				p++;
			if (*p && ((om = digits(&p, 2)) < 0 || om > 59))
				return -1;
			off = sign * (oh * 60 + om);
		} else {
			return -1; /* a local time: which zone? */
		}
		if (*p)
			return -1;
	}
	*ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
		mi * 60 + sec - off * 60) * 1000) + frac;
	return 0;
}

int export_since_parse(const char *s, int64_t now_ms, int64_t *ms)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 },
		{ 'd', 86400000 }, { 'w', 604800000 },
	};
	const char *p = s;
	int64_t v = 0;
	size_t i;

	if (*p >= '0' && *p <= '9') {
		while (*p >= '0' && *p <= '9' && v < 1000000000)
			v = v * 10 + (*p++ - '0');
		for (i = 0; i < sizeof units / sizeof units[0]; i++)
			if (*p == units[i].unit && p[1] == '\0' && p > s) {
				*ms = now_ms - v * units[i].ms;
				return 0;
			}
		if (parse_iso(s, ms) == 0)
			return 0;
	}
	log_error("--since \"%s\": not a time; use an ISO 8601 date (2026-11-21, UTC "
		  "midnight) or date-time with Z or an offset (2026-11-21T23:00:00Z, "
		  "2026-11-21T23:00+02:00), or a span before now: a number and s, m, "
		  "h, d or w (30m, 2h, 7d)", s);
	return -1;
}

/* One --status token; 0, or -1 if it is none of them. */
static int status_token(const char *t, enum export_what w, bool *code_set,
			bool *outcome_set, struct store_filter *f)
{
	const char *p = t;
	int a, b;

	if (strcasecmp(t, "ok") == 0 || strcasecmp(t, "error") == 0 ||
	    strcasecmp(t, "valid") == 0 || strcasecmp(t, "invalid") == 0) {
		bool items_word = tolower((unsigned char)t[0]) == 'v' ||
				  tolower((unsigned char)t[0]) == 'i';
		if (items_word != (w == EXPORT_ITEMS) || *outcome_set)
			return -1;
		*outcome_set = true;
		f->outcome = strcasecmp(t, "ok") == 0 || strcasecmp(t, "valid") == 0 ?
			     STORE_OK : STORE_ERROR;
		return 0;
	}
	if (*code_set)
		return -1;
	if (t[0] >= '1' && t[0] <= '5' && (t[1] == 'x' || t[1] == 'X') &&
	    (t[2] == 'x' || t[2] == 'X') && t[3] == '\0') {
		f->status_min = (t[0] - '0') * 100;
		f->status_max = f->status_min + 99;
		*code_set = true;
		return 0;
	}
	a = digits(&p, 3);
	if (a < 100 || a > 599)
		return -1;
	b = a;
	if (*p == '-') {
		p++;
		b = digits(&p, 3);
		if (b < a || b > 599)
			return -1;
	}
	if (*p)
		return -1;
	f->status_min = a;
	f->status_max = b;
	*code_set = true;
	return 0;
}

int export_status_parse(const char *s, enum export_what w, struct store_filter *f)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	bool code_set = false, outcome_set = false;
	int ret = 0, n = 0;

	for (tok = strtok_r(copy, ",", &save); tok && ret == 0;
	     tok = strtok_r(NULL, ",", &save), n++)
		ret = status_token(tok, w, &code_set, &outcome_set, f);
	if (n == 0)
		ret = -1;
	free(copy);
	if (ret == 0)
		return 0;
	if (w == EXPORT_ITEMS)
		log_error("--status \"%s\": not a status for items; use valid or invalid "
			  "(the item's own validation), or a code (404), a class (4xx) "
			  "or a range (200-299) of its page's HTTP status, at most one "
			  "of each, comma-separated", s);
	else
		log_error("--status \"%s\": not a status for %s; use a code (404), a "
			  "class (4xx), a range (200-299), ok (no fetch error) or error "
			  "(the fetch failed), at most one code and one of ok/error, "
			  "comma-separated", s, w == EXPORT_LINKS ? "links" : "pages");
	return -1;
}

/* ---- the output buffer --------------------------------------------- */

/* Bytes go to BUF, then to FD or GZ when it is full.  A memory buffer
 * (MEM) grows instead; it holds one CSV cell of JSON text. */
struct out {
	char *buf;
	size_t len, cap;
	bool mem;
	int fd;
	gzFile gz;
	const char *name;      /* for messages */
	bool failed;           /* logged once; later writes are dropped */
};

static void out_fail(struct out *o, const char *why)
{
	if (!o->failed)
		log_error("%s: write failed: %s", o->name, why);
	o->failed = true;
}

static void out_raw(struct out *o, const char *p, size_t n)
{
	if (o->failed)
		return;
	if (o->gz) {
		while (n > 0) {
			unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
			int errnum;
			if (gzwrite(o->gz, p, chunk) != (int)chunk) {
				const char *msg = gzerror(o->gz, &errnum);
				out_fail(o, errnum == Z_ERRNO ? strerror(errno) : msg);
				return;
			}
			p += chunk;
			n -= chunk;
		}
		return;
	}
	while (n > 0) {
		ssize_t w = write(o->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			out_fail(o, strerror(errno));
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void out_flush(struct out *o)
{
	if (!o->mem)
		out_raw(o, o->buf, o->len);
	o->len = 0;
}

/* Room for N more bytes at o->buf + o->len. */
static void out_need(struct out *o, size_t n)
{
	if (o->len + n <= o->cap)
		return;
	if (o->mem) {
		while (o->len + n > o->cap)
			o->cap = o->cap ? o->cap * 2 : 256;
		o->buf = xrealloc(o->buf, o->cap);
		return;
	}
	out_flush(o);
}

static void out_put(struct out *o, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (!o->mem && n > o->cap / 2) {
		out_flush(o);
		out_raw(o, p, n);
		return;
	}
	out_need(o, n);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void out_puts(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void out_putc(struct out *o, char c)
{
	out_need(o, 1);
	o->buf[o->len++] = c;
}

/* As printf's %lld. */
static void out_int(struct out *o, long long v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	out_put(o, p, (size_t)(tmp + sizeof tmp - p));
}

static int dump_cb(const char *buf, size_t size, void *data)
{
	out_put(data, buf, size);
	return 0;
}

/* ---- JSON and CSV values ------------------------------------------- */

/* Length of the prefix of S that is printable ASCII without '"' and '\'. */
static size_t plain_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
		p++;
	return (size_t)(p - (const unsigned char *)s);
}

/* S as a JSON string (null for NULL). */
static void json_str(struct out *o, const char *s)
{
	size_t n, len;
	char *fixed = NULL;
	json_t *j;

	if (!s) {
		out_put(o, "null", 4);
		return;
	}
	n = plain_len(s);
	if (s[n] == '\0') {
		out_need(o, n + 2);
		o->buf[o->len++] = '"';
		out_put(o, s, n);
		out_putc(o, '"');
		return;
	}
	len = n + strlen(s + n);
	if (!utf8_valid(s, len)) {
		fixed = utf8_clean(s, len);
		s = fixed;
		len = strlen(fixed);
	}
	j = json_stringn_nocheck(s, len);
	json_dump_callback(j, dump_cb, o, JSON_ENCODE_ANY);
	json_decref(j);
	free(fixed);
}

/* One CSV cell of the N bytes at S (valid UTF-8), quoted if it must be. */
static void csv_cell(struct out *o, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *q;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			break;
	if (i == n) {
		out_put(o, s, n);
		return;
	}
	out_putc(o, '"');
	while ((q = memchr(p, '"', (size_t)(end - p))) != NULL) {
		out_put(o, p, (size_t)(q - p) + 1);
		out_putc(o, '"');
		p = q + 1;
	}
	out_put(o, p, (size_t)(end - p));
	out_putc(o, '"');
}

/* S as a CSV cell (empty for NULL), invalid UTF-8 repaired. */
static void csv_str(struct out *o, const char *s)
{
	size_t len;
	char *fixed;

	if (!s)
		return;
	len = strlen(s);
	if (utf8_valid(s, len)) {
		csv_cell(o, s, len);
		return;
	}
	fixed = utf8_clean(s, len);
	csv_cell(o, fixed, strlen(fixed));
	free(fixed);
}

struct tcache {
	bool valid;
	time_t sec;
	char quoted[48];
	size_t len;
};

/* MS as ISO 8601 UTC to the second, as a JSON string ("2026-11-21T23:00:00Z"
 * in its quotes), c->len bytes; borrowed until the next call.  Items of one
 * page share their time: the last one is kept. */
static const char *iso_time(struct tcache *c, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!c->valid || c->sec != t) {
		if (!gmtime_r(&t, &tm))
			memset(&tm, 0, sizeof tm); /* never for int64 ms: a year fits */
		c->len = strftime(c->quoted, sizeof c->quoted,
				  "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
		c->sec = t;
		c->valid = true;
	}
	return c->quoted;
}

/* ---- checking an item's fields text -------------------------------- */

enum jtype { JT_STRING, JT_NUMBER, JT_LITERAL, JT_NULL, JT_NESTED };

/* A member of the top-level object: spans of the text, quotes included
 * for strings. */
struct member {
	const char *key, *val;
	size_t klen, vlen;
	bool kesc, vesc;       /* the string has backslash escapes */
	enum jtype type;
};

struct members {
	struct member *v;
	size_t n, cap;
	bool want;             /* record them (CSV), or only check */
};

static const char *skip_ws(const char *p)
{
	/* Not CR or LF: a record of JSON Lines stays on one line. */
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at P; false if not (stops at the first non-digit, so
 * never reads past a terminating NUL). */
static bool hex4(const char *p, unsigned *v)
{
	int i, h;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if ((h = hexval(p[i])) < 0)
			return false;
		*v = *v << 4 | (unsigned)h;
	}
	return true;
}

/* The string at P (at its '"'); returns the byte after it, NULL if it is
 * not a valid JSON string.  The text is NUL-terminated valid UTF-8, so
 * bytes >= 0x80 are whole characters and NUL is the end. */
static const char *scan_string(const char *p, bool *esc)
{
	unsigned cp, lo;

	*esc = false;
	for (p++;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL; /* a control character, or the end */
		if (c != '\\')
			continue;
		*esc = true;
		c = (unsigned char)*++p;
		switch (c) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			break;
		case 'u':
			if (!hex4(p + 1, &cp))
				return NULL;
			p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return NULL;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* Only as a pair: a lone surrogate is no character. */
				if (p[1] != '\\' || p[2] != 'u' || !hex4(p + 3, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff)
					return NULL;
				p += 6;
			}
			break;
		default:
			return NULL;
		}
	}
}

static const char *scan_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

/* The value at P; returns the byte after it, NULL if invalid. */
static const char *scan_value(const char *p, int depth, enum jtype *type, bool *esc)
{
	enum jtype t;
	bool e;

	*esc = false;
	switch (*p) {
	case '"':
		*type = JT_STRING;
		return scan_string(p, esc);
	case '{':
	case '[': {
		char close = *p == '{' ? '}' : ']';
		*type = JT_NESTED;
		if (depth >= MAX_DEPTH)
			return NULL;
		p = skip_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (*p != '"' || !(p = scan_string(p, &e)))
					return NULL;
				p = skip_ws(p);
				if (*p != ':')
					return NULL;
				p = skip_ws(p + 1);
			}
			if (!(p = scan_value(p, depth + 1, &t, &e)))
				return NULL;
			p = skip_ws(p);
			if (*p == close)
				return p + 1;
			if (*p != ',')
				return NULL;
			p = skip_ws(p + 1);
		}
	}
	case 't':
		*type = JT_LITERAL;
		return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		*type = JT_LITERAL;
		return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		*type = JT_NULL;
		return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		*type = JT_NUMBER;
		return scan_number(p);
	}
}

/* True if TEXT (NUL-terminated, valid UTF-8) is exactly one JSON object
 * without CR or LF; records its members into M if M->want. */
static bool scan_object(const char *text, struct members *m)
{
	const char *p = skip_ws(text), *k;
	struct member *mb;
	enum jtype t;
	bool kesc, vesc;

	m->n = 0;
	if (*p != '{')
		return false;
	p = skip_ws(p + 1);
	if (*p != '}') {
		for (;;) {
			k = p;
			if (*p != '"' || !(p = scan_string(p, &kesc)))
				return false;
			if (m->want) {
				if (m->n == m->cap) {
					m->cap = m->cap ? m->cap * 2 : 16;
					m->v = xrealloc(m->v, m->cap * sizeof *m->v);
				}
				mb = &m->v[m->n];
				mb->key = k;
				mb->klen = (size_t)(p - k);
				mb->kesc = kesc;
			}
			p = skip_ws(p);
			if (*p != ':')
				return false;
			p = skip_ws(p + 1);
			k = p;
			if (!(p = scan_value(p, 1, &t, &vesc)))
				return false;
			if (m->want) {
				mb = &m->v[m->n++];
				mb->val = k;
				mb->vlen = (size_t)(p - k);
				mb->vesc = vesc;
				mb->type = t;
			}
			p = skip_ws(p);
			if (*p == '}')
				break;
			if (*p != ',')
				return false;
			p = skip_ws(p + 1);
		}
	}
	return *skip_ws(p + 1) == '\0';
}

/* ---- CSV columns of items ------------------------------------------ */

/* Field names, in column order, with an open-addressing index. */
struct columns {
	char **name;           /* NUL-terminated, no NUL inside */
	size_t *len;
	size_t n, cap;
	size_t *slot;          /* column + 1, 0 for empty */
	size_t nslot;          /* a power of two, > 2 * n */
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* Column of the N-byte name S, -1 if none. */
static long columns_find(const struct columns *c, const char *s, size_t n)
{
	size_t i, col;

	if (!c->nslot)
		return -1;
	for (i = hash(s, n) & (c->nslot - 1); c->slot[i]; i = (i + 1) & (c->nslot - 1)) {
		col = c->slot[i] - 1;
		if (c->len[col] == n && memcmp(c->name[col], s, n) == 0)
			return (long)col;
	}
	return -1;
}

static void columns_insert(struct columns *c, size_t col)
{
	size_t i;

	for (i = hash(c->name[col], c->len[col]) & (c->nslot - 1); c->slot[i];
	     i = (i + 1) & (c->nslot - 1))
		;
	c->slot[i] = col + 1;
}

/* Adds the N-byte name S (copied) as the last column. */
static void columns_add(struct columns *c, const char *s, size_t n)
{
	size_t i;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->name = xrealloc(c->name, c->cap * sizeof *c->name);
		c->len = xrealloc(c->len, c->cap * sizeof *c->len);
	}
	c->name[c->n] = xstrndup(s, n);
	c->len[c->n] = n;
	c->n++;
	if (2 * c->n >= c->nslot) {
		c->nslot = c->nslot ? c->nslot * 2 : 64;
		free(c->slot);
		c->slot = xcalloc(c->nslot, sizeof *c->slot);
		for (i = 0; i < c->n; i++)
			columns_insert(c, i);
	} else {
		columns_insert(c, c->n - 1);
	}
}

static void columns_release(struct columns *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
	free(c->len);
	free(c->slot);
	memset(c, 0, sizeof *c);
}

/* ---- records --------------------------------------------------------- */

struct exp {
	struct out out;
	struct out cell;       /* CSV: one cell of JSON text */
	const struct export_opts *o;
	long n;
	struct tcache tc;
	struct members m;      /* the current item's fields */
	char *fixed;           /* its repaired fields text, or NULL */
	long repaired;         /* items whose fields text was not valid */
	struct columns cols;
	long *colval;          /* member of each column in the current row */
	struct out key;        /* a decoded field name */
	int64_t last_id;       /* CSV: the last item the columns were read from */
};

static int stop_check(struct exp *e)
{
	if (e->out.failed)
		return -1;
	if (e->o->stop && *e->o->stop) {
		log_error("export interrupted%s%s%s", e->o->path ? "; " : "",
			  e->o->path ? e->o->path : "",
			  e->o->path ? " left as it was" : "");
		return -1;
	}
	return 0;
}

/* A record is written field by field, in its CSV column order, between
 * rec_begin() and rec_end(): each field a member "name":value of a JSON
 * object (the first one opens it) or a CSV cell.  Inline: these run for
 * every field of millions of rows. */
static inline void rec_begin(struct exp *e)
{
	if (e->o->fmt == EXPORT_JSON)
		out_put(&e->out, e->n ? ",\n" : "\n", e->n ? 2 : 1);
}

static inline void rec_end(struct exp *e)
{
	if (e->o->fmt == EXPORT_CSV) {
		out_put(&e->out, "\r\n", 2);
	} else {
		out_putc(&e->out, '}');
		if (e->o->fmt == EXPORT_JSONL)
			out_putc(&e->out, '\n');
	}
	e->n++;
}

/* A field's name as the two arguments NAME, N of the field writers: the
 * JSON text before its value, SEP "name":, where SEP is "{" for the first
 * field of a record and "," for the others. */
#define FIELD(sep, name) sep "\"" name "\":", sizeof sep "\"" name "\":" - 1

/* What goes before a field's value: NAME in JSON, the comma in CSV. */
static inline void field_begin(struct exp *e, const char *name, size_t n)
{
	if (e->o->fmt != EXPORT_CSV)
		out_put(&e->out, name, n);
	else if (name[0] == ',')
		out_putc(&e->out, ',');
}

/* S as a JSON string (null for NULL) or a CSV cell (empty for NULL). */
static inline void field_str(struct exp *e, const char *name, size_t n, const char *s)
{
	field_begin(e, name, n);
	if (e->o->fmt == EXPORT_CSV)
		csv_str(&e->out, s);
	else
		json_str(&e->out, s);
}

static inline void field_int(struct exp *e, const char *name, size_t n, long long v)
{
	field_begin(e, name, n);
	out_int(&e->out, v);
}

/* MS as ISO 8601 UTC, a string in JSON. */
static inline void field_time(struct exp *e, const char *name, size_t n, int64_t ms)
{
	const char *t = iso_time(&e->tc, ms);

	field_begin(e, name, n);
	if (e->o->fmt == EXPORT_CSV)
		out_put(&e->out, t + 1, e->tc.len - 2);
	else
		out_put(&e->out, t, e->tc.len);
}

/* The JSON value PUT writes for page P, as it is or as a CSV cell. */
static void field_json(struct exp *e, const char *name, size_t n,
		       void (*put)(struct out *, const struct page_rec *),
		       const struct page_rec *p)
{
	field_begin(e, name, n);
	if (e->o->fmt != EXPORT_CSV) {
		put(&e->out, p);
		return;
	}
	e->cell.len = 0;
	put(&e->cell, p);
	csv_cell(&e->out, e->cell.buf, e->cell.len);
}

/* A page's fields as the earlier export wrote them: {} if absent or not
 * a JSON object, else re-dumped by jansson. */
static void page_fields(struct out *o, const struct page_rec *p)
{
	const char *text = p->fields;
	json_t *j;

	if (!text || strcmp(text, "{}") == 0) {
		out_put(o, "{}", 2);
		return;
	}
	j = json_loads(text, 0, NULL);
	if (json_is_object(j))
		json_dump_callback(j, dump_cb, o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	else
		out_put(o, "{}", 2);
	json_decref(j);
}

/* Loops over the links of P that are non-empty and NUL-terminated: L
 * each link, N its length. */
#define FOR_EACH_LINK(p, l, n) \
	for (const char *l = (p)->links, *end_ = l ? l + (p)->links_len : NULL; \
	     l && l < end_; l += n + 1) \
		if ((n = strnlen(l, (size_t)(end_ - l))) > 0 && l + n < end_)

static void page_links(struct out *o, const struct page_rec *p)
{
	size_t n;
	bool first = true;

	out_putc(o, '[');
	FOR_EACH_LINK(p, l, n) {
		if (!first)
			out_putc(o, ',');
		json_str(o, l);
		first = false;
	}
	out_putc(o, ']');
}

/* The CSV header of pages: the fields write_page() writes. */
static const char *const page_cols[] = {
	"job", "url", "final_url", "status", "depth", "fetched_at", "content_type",
	"bytes", "elapsed_ms", "title", "description", "canonical", "links",
	"fields", "error",
};

static int write_page(void *arg, const struct page_rec *p)
{
	struct exp *e = arg;

	if (stop_check(e) < 0)
		return -1;
	rec_begin(e);
	field_str(e, FIELD("{", "job"), p->job_name);
	field_str(e, FIELD(",", "url"), p->url);
	field_str(e, FIELD(",", "final_url"), p->final_url);
	field_int(e, FIELD(",", "status"), p->status);
	field_int(e, FIELD(",", "depth"), p->depth);
	field_time(e, FIELD(",", "fetched_at"), p->fetched_at);
	field_str(e, FIELD(",", "content_type"), p->content_type);
	field_int(e, FIELD(",", "bytes"), p->bytes);
	field_int(e, FIELD(",", "elapsed_ms"), p->elapsed_ms);
	field_str(e, FIELD(",", "title"), p->title);
	field_str(e, FIELD(",", "description"), p->description);
	field_str(e, FIELD(",", "canonical"), p->canonical);
	field_json(e, FIELD(",", "links"), page_links, p);
	field_json(e, FIELD(",", "fields"), page_fields, p);
	field_str(e, FIELD(",", "error"), p->error);
	rec_end(e);
	return 0;
}

static int write_links(void *arg, const struct page_rec *p)
{
	struct exp *e = arg;
	size_t n;

	if (stop_check(e) < 0)
		return -1;
	FOR_EACH_LINK(p, l, n) {
		rec_begin(e);
		field_str(e, FIELD("{", "job"), p->job_name);
		field_str(e, FIELD(",", "from"), p->url);
		field_str(e, FIELD(",", "to"), l);
		rec_end(e);
	}
	return 0;
}

/* The item's fields as one valid single-line JSON object (borrowed until
 * the next call), its members in e->m when they are wanted. */
static const char *item_fields(struct exp *e, const char *text)
{
	size_t len = text ? strlen(text) : 0;
	char *clean;
	json_t *j = NULL;

	free(e->fixed);
	e->fixed = NULL;
	if (text && utf8_valid(text, len) && scan_object(text, &e->m))
		return text;
	/* Not what jansson writes: parse it (invalid UTF-8 replaced) and
	 * write it again. */
	if (text) {
		clean = utf8_clean(text, len);
		j = json_loads(clean, JSON_ALLOW_NUL, NULL);
		free(clean);
	}
	if (json_is_object(j))
		e->fixed = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	else
		e->repaired++;
	json_decref(j);
	if (!e->fixed || !scan_object(e->fixed, &e->m)) {
		free(e->fixed);
		e->fixed = xstrdup("{}");
		scan_object(e->fixed, &e->m);
	}
	return e->fixed;
}

/* The JSON string text at S (quotes included, N bytes) decoded into the
 * memory buffer DST, replacing what it held; NULs (from \u0000) are
 * dropped: they have no place in CSV. */
static void unquote(struct out *dst, const char *s, size_t n)
{
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	const char *v = json_string_value(j), *nul;
	size_t len = json_string_length(j);

	dst->len = 0;
	while (v && len && (nul = memchr(v, '\0', len)) != NULL) {
		out_put(dst, v, (size_t)(nul - v));
		len -= (size_t)(nul - v) + 1;
		v = nul + 1;
	}
	if (v)
		out_put(dst, v, len);
	json_decref(j);
}

/* A JSON string (quotes included, N bytes) as CSV text. */
static void csv_json_string(struct exp *e, const char *s, size_t n, bool esc)
{
	if (!esc) {
		csv_cell(&e->out, s + 1, n - 2);
		return;
	}
	unquote(&e->cell, s, n);
	csv_cell(&e->out, e->cell.buf, e->cell.len);
}

/* Member M's name (borrowed until the next call), *LEN bytes, decoded
 * and without NULs (\u0000 has no place in a CSV header). */
static const char *member_key(struct exp *e, const struct member *m, size_t *len)
{
	if (!m->kesc) {
		*len = m->klen - 2;
		return m->key + 1;
	}
	unquote(&e->key, m->key, m->klen);
	*len = e->key.len;
	return e->key.buf ? e->key.buf : "";
}

/* The first pass of a CSV of items: every field name, in the order they
 * first appear. */
static int collect_columns(void *arg, const struct item_rec *it)
{
	struct exp *e = arg;
	const char *k;
	size_t i, n;

	if (stop_check(e) < 0)
		return -1;
	e->m.want = true;
	item_fields(e, it->fields);
	for (i = 0; i < e->m.n; i++) {
		k = member_key(e, &e->m.v[i], &n);
		if (columns_find(&e->cols, k, n) >= 0)
			continue;
		if (e->cols.n >= MAX_COLUMNS) {
			log_error("the items have more than %d distinct field names: "
				  "too many CSV columns; export them as JSON Lines",
				  MAX_COLUMNS);
			return -1;
		}
		columns_add(&e->cols, k, n);
	}
	e->last_id = it->id;
	return 0;
}

static void item_csv(struct exp *e, const struct item_rec *it)
{
	size_t i;

	e->m.want = true;
	item_fields(e, it->fields);
	for (i = 0; i < e->cols.n; i++)
		e->colval[i] = -1;
	for (i = 0; i < e->m.n; i++) {
		size_t n;
		const char *k = member_key(e, &e->m.v[i], &n);
		long col = columns_find(&e->cols, k, n);
		if (col >= 0)
			e->colval[col] = (long)i; /* a repeated name: the last wins */
	}
	/* Each column's cell and a comma, as csv_header() writes the names;
	 * so the cells of the metadata follow with no comma before the first. */
	for (i = 0; i < e->cols.n; i++) {
		const struct member *m = e->colval[i] < 0 ? NULL : &e->m.v[e->colval[i]];
		if (m && m->type == JT_STRING)
			csv_json_string(e, m->val, m->vlen, m->vesc);
		else if (m && m->type != JT_NULL)
			csv_cell(&e->out, m->val, m->vlen);
		out_putc(&e->out, ',');
	}
	field_str(e, FIELD("{", "_url"), it->url);
	field_str(e, FIELD(",", "_extractor"), it->extractor);
	field_time(e, FIELD(",", "_fetched_at"), it->fetched_at);
	field_str(e, FIELD(",", "_error"), it->error);
}

static int write_item(void *arg, const struct item_rec *it)
{
	struct exp *e = arg;

	if (stop_check(e) < 0)
		return -1;
	/* Items added since the columns were read (by a crawl running now)
	 * are left for the next export: they may have other fields. */
	if (e->o->fmt == EXPORT_CSV && it->id > e->last_id)
		return 0;
	rec_begin(e);
	if (e->o->fmt == EXPORT_CSV) {
		item_csv(e, it);
	} else {
		field_str(e, FIELD("{", "job"), it->job_name);
		field_str(e, FIELD(",", "extractor"), it->extractor);
		field_str(e, FIELD(",", "url"), it->url);
		field_time(e, FIELD(",", "fetched_at"), it->fetched_at);
		field_begin(e, FIELD(",", "fields"));
		out_puts(&e->out, item_fields(e, it->fields));
		field_str(e, FIELD(",", "error"), it->error);
	}
	rec_end(e);
	return 0;
}

static void csv_header(struct exp *e)
{
	static const char *const meta[] = { "_url", "_extractor", "_fetched_at", "_error" };
	const char *const *names = e->o->what == EXPORT_PAGES ? page_cols : meta;
	size_t n = e->o->what == EXPORT_PAGES ? sizeof page_cols / sizeof page_cols[0] : 4;
	size_t i;

	if (e->o->what == EXPORT_LINKS) {
		out_puts(&e->out, "job,from,to\r\n");
		return;
	}
	if (e->o->what == EXPORT_ITEMS)
		for (i = 0; i < e->cols.n; i++) {
			csv_cell(&e->out, e->cols.name[i], e->cols.len[i]);
			out_putc(&e->out, ',');
		}
	for (i = 0; i < n; i++) {
		out_puts(&e->out, names[i]);
		out_puts(&e->out, i + 1 < n ? "," : "\r\n");
	}
}

/* ---- the output file ----------------------------------------------- */

struct target {
	char *final;           /* the file to replace, NULL if written in place */
	char *tmp;
	int fd;
};

static bool ends_with_gz(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && strcasecmp(path + n - 3, ".gz") == 0;
}

static int target_open(struct target *t, const char *path, struct out *o)
{
	struct stat sb;
	char *real = NULL;

	memset(t, 0, sizeof *t);
	t->fd = -1;
	o->name = "standard output";
	if (!path || strcmp(path, "-") == 0) {
		fflush(stdout);
		o->fd = STDOUT_FILENO;
		return 0;
	}
	o->name = path;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if (S_ISDIR(sb.st_mode)) {
			log_error("%s is a directory; give -o a file name", path);
			return -1;
		}
		/* A device or a FIFO: never replaced, written as it is. */
		t->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (t->fd < 0) {
			log_error("%s: cannot write: %s", path, strerror(errno));
			return -1;
		}
	} else {
		if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
			real = realpath(path, NULL); /* replace the file, keep the link */
		t->final = real ? real : xstrdup(path);
		t->tmp = xasprintf("%s.tmp.%ld", t->final, (long)getpid());
		t->fd = open(t->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (t->fd < 0) {
			log_error("cannot write %s (creating %s: %s); choose another -o "
				  "path", path, t->tmp, strerror(errno));
			free(t->tmp);
			free(t->final);
			t->tmp = t->final = NULL;
			return -1;
		}
	}
	o->fd = t->fd;
	if (ends_with_gz(path)) {
		int fd = dup(t->fd);
		o->gz = fd < 0 ? NULL : gzdopen(fd, "wb");
		if (!o->gz) {
			log_error("%s: cannot start gzip: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		gzbuffer(o->gz, 128 * 1024);
	}
	return 0;
}

/* Finishes the output; with OK false, or on a failure here, removes the
 * temporary file.  Returns 0 or -1. */
static int target_close(struct target *t, struct out *o, bool ok)
{
	if (o->gz) {
		int rc = gzclose(o->gz);
		o->gz = NULL;
		if (rc != Z_OK && ok) {
			log_error("%s: write failed: %s", o->name,
				  rc == Z_ERRNO ? strerror(errno) : "gzip error");
			ok = false;
		}
	}
	if (t->tmp) {
		if (ok && fsync(t->fd) < 0) {
			log_error("%s: write failed: %s", t->tmp, strerror(errno));
			ok = false;
		}
		if (close(t->fd) < 0 && ok) {
			log_error("%s: write failed: %s", t->tmp, strerror(errno));
			ok = false;
		}
		if (ok && rename(t->tmp, t->final) < 0) {
			log_error("cannot rename %s to %s: %s", t->tmp, t->final,
				  strerror(errno));
			ok = false;
		}
		if (!ok)
			unlink(t->tmp);
		free(t->tmp);
		free(t->final);
	} else if (t->fd >= 0 && close(t->fd) < 0 && ok) {
		log_error("%s: write failed: %s", o->name, strerror(errno));
		ok = false;
	}
	memset(t, 0, sizeof *t);
	return ok ? 0 : -1;
}

long export_run(struct store *s, int64_t job, const struct export_opts *o)
{
	struct exp e;
	struct target t;
	const struct store_filter *f = &o->filter;
	bool ok = false;
	int rc;

	memset(&e, 0, sizeof e);
	e.o = o;
	e.cell.mem = true;
	e.key.mem = true;
	/* Columns first: reading the items' field names takes a pass over
	 * them, before the output exists. */
	if (o->what == EXPORT_ITEMS && o->fmt == EXPORT_CSV) {
		if (store_item_each(s, job, f, collect_columns, &e) < 0)
			goto out;
		e.repaired = 0; /* counted again in the second pass */
		e.colval = xcalloc(e.cols.n + 1, sizeof *e.colval);
	}
	if (target_open(&t, o->path, &e.out) < 0) {
		target_close(&t, &e.out, false);
		goto out;
	}
	e.out.cap = OUT_SIZE;
	e.out.buf = xmalloc(OUT_SIZE);
	if (o->fmt == EXPORT_JSON)
		out_putc(&e.out, '[');
	else if (o->fmt == EXPORT_CSV)
		csv_header(&e);
	if (o->what == EXPORT_ITEMS)
		rc = store_item_each(s, job, f, write_item, &e);
	else
		rc = store_page_each(s, job, f, o->what == EXPORT_LINKS ? write_links :
				     write_page, &e);
	if (rc == 0 && o->fmt == EXPORT_JSON)
		out_puts(&e.out, e.n ? "\n]\n" : "]\n");
	if (rc == 0)
		out_flush(&e.out);
	ok = rc == 0 && !e.out.failed;
	if (target_close(&t, &e.out, ok) < 0)
		ok = false;
	if (ok && e.repaired)
		log_warn("%ld item%s had fields that are not a JSON object; written "
			 "as {}", e.repaired, e.repaired == 1 ? "" : "s");
out:
	free(e.out.buf);
	free(e.cell.buf);
	free(e.key.buf);
	free(e.fixed);
	free(e.m.v);
	free(e.colval);
	columns_release(&e.cols);
	return ok ? e.n : -1;
}

long export_pages(struct store *s, int64_t job, enum export_format fmt,
		  const char *path)
{
	struct export_opts o;

	memset(&o, 0, sizeof o);
	o.what = EXPORT_PAGES;
	o.fmt = fmt;
	o.path = path;
	return export_run(s, job, &o);
}
