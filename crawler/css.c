/*
 * css.c - CSS selector to XPath 1.0 compiler (see css.h).
 *
 * Runs in the coordinator, once per selector in the config: a hand-written
 * recursive-descent parser over at most CSS_MAX_LEN bytes that emits the
 * XPath as it goes.  Speed does not matter; what matters is that nothing
 * it returns can fail to compile in libxml2, so every name and string is
 * decoded (CSS escapes, UTF-8 checked) and re-emitted in a form XPath can
 * hold: a name test only for plain ASCII names, a quoted literal (or
 * concat() when both quotes occur) for everything else.
 *
 * Shape of the output, for "ul > li.x + li::text, a::attr(href)":
 *   descendant-or-self::ul/li[contains(concat(' ', normalize-space(@class),
 *   ' '), ' x ')]/following-sibling::*[1][self::li]/text()
 *   | descendant-or-self::a/@href
 * Conditions never depend on position() (":first-child" is
 * not(preceding-sibling::*)), so they can be joined with "and" and moved
 * behind the "[1]" of the "+" combinator.
 */
#include "css.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

/* :not(:not(...)) nesting allowed; keeps recursion (ours and libxml2's)
 * shallow. */
#define MAX_NOT_DEPTH 8
/* Digits in an :nth-child() number: keeps a*n+b arithmetic far from
 * overflow. */
#define MAX_NTH_DIGITS 9

/* The sibling index of the element being tested, 0 for a first child. */
#define SIBLING_INDEX "count(preceding-sibling::*)"

/* A growable string that refuses to grow past CSS_MAX_XPATH bytes: it
 * drops what does not fit and remembers that it did. */
struct buf {
	char *s;
	size_t len, cap;
	bool over;
};

/* One compound selector ("li.x[y]:first-child::text") as XPath pieces. */
struct compound {
	struct buf test;  /* "*" or an element name that is an NCName */
	struct buf conds; /* conditions joined by " and ", or empty */
	struct buf tail;  /* "/text()", "/@name" or empty */
	bool any;         /* anything was read */
	bool pseudo;      /* ends in a pseudo-element */
};

struct parser {
	const char *sel; /* the whole selector, for columns */
	const char *p;   /* next byte to read */
	char *err;
	size_t errlen;
	int not_depth;
};

/* ---- buffers ---- */

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->over || n > CSS_MAX_XPATH - b->len) {
		b->over = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = xrealloc(b->s, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_addb(struct buf *b, const struct buf *src)
{
	if (src->over)
		b->over = true;
	buf_add(b, src->s ? src->s : "", src->len);
}

static void buf_addnum(struct buf *b, long long v)
{
	char num[32];

	snprintf(num, sizeof num, "%lld", v);
	buf_adds(b, num);
}

static const char *buf_str(const struct buf *b)
{
	return b->s ? b->s : "";
}

static void buf_reset(struct buf *b)
{
	b->len = 0;
	b->over = false;
	if (b->s)
		b->s[0] = '\0';
}

static void buf_release(struct buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

/* S (N bytes, valid UTF-8 holding only XML characters) as an XPath
 * literal: 'S', "S" if S holds a ', else concat() of 'runs' and "'". */
static void buf_add_literal(struct buf *b, const char *s, size_t n)
{
	size_t i, run;

	if (!memchr(s, '\'', n)) {
		buf_adds(b, "'");
		buf_add(b, s, n);
		buf_adds(b, "'");
		return;
	}
	if (!memchr(s, '"', n)) {
		buf_adds(b, "\"");
		buf_add(b, s, n);
		buf_adds(b, "\"");
		return;
	}
	/* Both quotes, so at least two arguments: concat() needs two. */
	buf_adds(b, "concat(");
	for (i = 0; i < n; i += run) {
		if (i > 0)
			buf_adds(b, ", ");
		if (s[i] == '\'') {
			buf_adds(b, "\"'\"");
			run = 1;
			continue;
		}
		run = strcspn(s + i, "'");
		if (run > n - i)
			run = n - i;
		buf_adds(b, "'");
		buf_add(b, s + i, run);
		buf_adds(b, "'");
	}
	buf_adds(b, ")");
}

/* ---- characters ---- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_newline(char c)
{
	return c == '\n' || c == '\r' || c == '\f';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_name_start(char c)
{
	return is_alpha(c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool is_name_char(char c)
{
	return is_name_start(c) || is_digit(c) || c == '-';
}

/* An escape that may appear in a name: a backslash not followed by a
 * newline or the end. */
static bool is_name_escape(const char *p)
{
	return p[0] == '\\' && p[1] != '\0' && !is_newline(p[1]);
}

/* Can an identifier start at P?  "-x", "--", "x", "_", "\41". */
static bool is_ident_start(const char *p)
{
	if (p[0] == '-')
		return is_name_start(p[1]) || p[1] == '-' || is_name_escape(p + 1);
	return is_name_start(p[0]) || is_name_escape(p);
}

/* Characters an XPath literal (an XML document) can hold. */
static bool is_xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* Decodes the UTF-8 character at S into *CP.  Returns its length (1-4),
 * or 0 if S does not start with a well-formed, shortest-form encoding of
 * a scalar value. */
static size_t utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	uint32_t c, min;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2, c = u[0] & 0x1f, min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3, c = u[0] & 0x0f, min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4, c = u[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void utf8_encode(struct buf *b, uint32_t c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c, n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6), n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12), n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18), n = 4;
	}
	for (size_t i = 1; i < n; i++)
		u[i] = (char)(0x80 | ((c >> (6 * (n - 1 - i))) & 0x3f));
	buf_add(b, u, n);
}

static void ascii_lower(struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->s[i] >= 'A' && b->s[i] <= 'Z')
			b->s[i] = (char)(b->s[i] - 'A' + 'a');
}

/* A name XPath can take as a name test or after "@": ASCII only, so that
 * no Unicode table of libxml2's has a say. */
static bool is_ncname(const struct buf *b)
{
	if (b->len == 0 || !(is_alpha(b->s[0]) || b->s[0] == '_'))
		return false;
	for (size_t i = 1; i < b->len; i++) {
		char c = b->s[i];

		if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* ---- errors ---- */

/* The N bytes at S, fit for a one-line message: at most ~32 characters,
 * controls as '?'. */
static void describe(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0, chars = 0, i = 0;

	while (i < n && chars < 32 && o + 8 < outlen) {
		uint32_t cp;
		size_t l = utf8_decode(s + i, &cp);

		if (l == 0 || cp < 0x20 || cp == 0x7f) {
			out[o++] = '?';
			i += l ? l : 1;
		} else {
			memcpy(out + o, s + i, l);
			o += l, i += l;
		}
		chars++;
	}
	if (i < n && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Writes "MESSAGE at column N" into the parser's error buffer, N being the
 * 1-based character column of AT (or no column if AT is NULL).
 * Returns -1. */
static int fail(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t col = 1;

	if (!ps->err || ps->errlen == 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= ps->errlen || !at)
		return -1;
	for (const char *q = ps->sel; q < at; q++)
		if (((unsigned char)*q & 0xc0) != 0x80)
			col++;
	snprintf(ps->err + n, ps->errlen - (size_t)n, " at column %zu", col);
	return -1;
}

/* "expected WHAT, found 'X'" (or "unexpected 'X'" when WHAT is NULL) for
 * what is at the parser's position. */
static int fail_expected(struct parser *ps, const char *what)
{
	char d[64];
	uint32_t cp;
	size_t l;

	if (*ps->p == '\0')
		return what ? fail(ps, ps->p, "expected %s", what) :
			      fail(ps, ps->p, "unexpected end of selector");
	l = utf8_decode(ps->p, &cp);
	if (l == 0)
		return fail(ps, ps->p, "invalid UTF-8 byte 0x%02x",
			    (unsigned char)*ps->p);
	describe(ps->p, l, d, sizeof d);
	return what ? fail(ps, ps->p, "expected %s, found '%s'", what, d) :
		      fail(ps, ps->p, "unexpected '%s'", d);
}

/* ---- tokens ---- */

static bool skip_ws(struct parser *ps)
{
	const char *start = ps->p;

	while (is_ws(*ps->p))
		ps->p++;
	return ps->p != start;
}

/* Appends the UTF-8 character at the parser's position to OUT, checking
 * that it is well-formed and one XPath can hold. */
static int take_char(struct parser *ps, struct buf *out)
{
	uint32_t cp;
	size_t l = utf8_decode(ps->p, &cp);

	if (l == 0)
		return fail(ps, ps->p, "invalid UTF-8 byte 0x%02x",
			    (unsigned char)*ps->p);
	if (!is_xml_char(cp))
		return fail(ps, ps->p, "character U+%04X cannot be used", (unsigned)cp);
	buf_add(out, ps->p, l);
	ps->p += l;
	return 0;
}

/* Decodes the escape at the parser's position ('\' then not a newline,
 * not the end) into OUT: up to six hex digits and one optional white
 * space, or the next character as itself. */
static int take_escape(struct parser *ps, struct buf *out)
{
	const char *start = ps->p;
	uint32_t cp = 0;
	int i, h;

	ps->p++;
	if (hex_value(*ps->p) < 0)
		return take_char(ps, out);
	for (i = 0; i < 6 && (h = hex_value(*ps->p)) >= 0; i++, ps->p++)
		cp = cp * 16 + (uint32_t)h;
	if (!is_xml_char(cp))
		return fail(ps, start, "escape '\\%.*s' is not a character XPath can hold",
			    (int)(ps->p - start - 1), start + 1);
	if (ps->p[0] == '\r' && ps->p[1] == '\n')
		ps->p += 2;
	else if (is_ws(*ps->p))
		ps->p++;
	utf8_encode(out, cp);
	return 0;
}

/* Reads a name into OUT (decoded, appended).  IDENT: a CSS identifier
 * (type and attribute names: not starting with a digit or "-digit");
 * otherwise any run of name characters (classes, ids, bare values: "#1",
 * "[colspan=2]").  Reads nothing, and returns 0, when no name starts at
 * the parser's position; the caller checks OUT. */
static int take_name(struct parser *ps, bool ident, struct buf *out)
{
	if (ident && !is_ident_start(ps->p))
		return 0;
	for (;;) {
		if (is_name_escape(ps->p)) {
			if (take_escape(ps, out) < 0)
				return -1;
		} else if (is_name_char(*ps->p)) {
			if (take_char(ps, out) < 0)
				return -1;
		} else {
			return 0;
		}
	}
}

/* Reads a quoted string (the parser is on its opening quote) into OUT. */
static int take_string(struct parser *ps, struct buf *out)
{
	const char *start = ps->p;
	char quote = *ps->p++;

	for (;;) {
		char c = *ps->p;

		if (c == quote) {
			ps->p++;
			return 0;
		}
		if (c == '\0')
			return fail(ps, start, "unterminated string");
		if (is_newline(c))
			return fail(ps, ps->p, "newline in a string (escape it as \\a)");
		if (c != '\\') {
			if (take_char(ps, out) < 0)
				return -1;
			continue;
		}
		/* A backslash before a newline continues the line. */
		if (ps->p[1] == '\r' && ps->p[2] == '\n')
			ps->p += 3;
		else if (is_newline(ps->p[1]))
			ps->p += 2;
		else if (ps->p[1] == '\0')
			return fail(ps, start, "unterminated string");
		else if (take_escape(ps, out) < 0)
			return -1;
	}
}

/* ---- conditions ---- */

/* C's conditions, ready for one more: " and " appended if needed. */
static struct buf *new_cond(struct compound *c)
{
	if (c->conds.len)
		buf_adds(&c->conds, " and ");
	return &c->conds;
}

static void add_cond(struct compound *c, const char *s)
{
	buf_adds(new_cond(c), s);
}

/* The XPath for attribute NAME (decoded, lower-cased) into OUT. */
static void attr_expr(struct buf *out, const struct buf *name)
{
	if (is_ncname(name)) {
		buf_adds(out, "@");
		buf_addb(out, name);
	} else {
		buf_adds(out, "@*[name() = ");
		buf_add_literal(out, buf_str(name), name->len);
		buf_adds(out, "]");
	}
}

/* Whether whitespace-separated token V (a class, a ~= value) can match:
 * not if empty or holding white space. */
static bool is_token(const struct buf *v)
{
	if (v->len == 0)
		return false;
	for (size_t i = 0; i < v->len; i++)
		if (is_ws(v->s[i]))
			return false;
	return true;
}

/* contains(concat(' ', normalize-space(ATTR), ' '), ' V ') */
static void add_token_cond(struct compound *c, const struct buf *attr,
			   const struct buf *v)
{
	struct buf padded = {0}, *o;

	if (!is_token(v)) {
		add_cond(c, "false()");
		return;
	}
	buf_adds(&padded, " ");
	buf_addb(&padded, v);
	buf_adds(&padded, " ");
	o = new_cond(c);
	buf_adds(o, "contains(concat(' ', normalize-space(");
	buf_addb(o, attr);
	buf_adds(o, "), ' '), ");
	buf_add_literal(o, buf_str(&padded), padded.len);
	buf_adds(o, ")");
	if (padded.over)
		o->over = true;
	buf_release(&padded);
}

/* The element's name: a name test when XPath can spell it, else a
 * name() comparison. */
static void set_type(struct compound *c, struct buf *name)
{
	ascii_lower(name);
	buf_reset(&c->test);
	if (is_ncname(name)) {
		buf_addb(&c->test, name);
		return;
	}
	buf_adds(&c->test, "*");
	add_cond(c, "name() = ");
	buf_add_literal(&c->conds, buf_str(name), name->len);
}

static size_t utf8_count(const struct buf *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++)
		if (((unsigned char)b->s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* The condition of [ATTR OP V], ATTR as attr_expr() spells it, OP one of
 * = ~ | ^ $ *. */
static void add_attr_cond(struct compound *c, const struct buf *attr, char op,
			  const struct buf *v)
{
	struct buf *o;
	const char *fn;

	if (op == '~') {
		add_token_cond(c, attr, v);
		return;
	}
	/* Selectors 3: ^= $= *= with an empty value match nothing. */
	if (v->len == 0 && op != '=' && op != '|') {
		add_cond(c, "false()");
		return;
	}
	o = new_cond(c);
	switch (op) {
	case '=':
		buf_addb(o, attr);
		buf_adds(o, " = ");
		buf_add_literal(o, buf_str(v), v->len);
		return;
	case '|': {
		/* v itself or v followed by '-': [lang|=en] */
		struct buf dash = {0};

		buf_addb(&dash, v);
		buf_adds(&dash, "-");
		buf_adds(o, "(");
		buf_addb(o, attr);
		buf_adds(o, " = ");
		buf_add_literal(o, buf_str(v), v->len);
		buf_adds(o, " or starts-with(");
		buf_addb(o, attr);
		buf_adds(o, ", ");
		buf_add_literal(o, buf_str(&dash), dash.len);
		buf_adds(o, "))");
		if (dash.over)
			o->over = true;
		buf_release(&dash);
		return;
	}
	case '$': {
		/* XPath 1.0 has no ends-with(): compare the last
		 * string-length(v) characters.  From an attribute shorter
		 * than v, substring() starts before 1 and returns all of it,
		 * which differs from v. */
		size_t k = utf8_count(v) - 1;

		buf_adds(o, "substring(");
		buf_addb(o, attr);
		buf_adds(o, ", string-length(");
		buf_addb(o, attr);
		buf_adds(o, ")");
		if (k > 0) {
			buf_adds(o, " - ");
			buf_addnum(o, (long long)k);
		}
		buf_adds(o, ") = ");
		buf_add_literal(o, buf_str(v), v->len);
		return;
	}
	default:
		fn = op == '^' ? "starts-with(" : "contains(";
		buf_adds(o, fn);
		buf_addb(o, attr);
		buf_adds(o, ", ");
		buf_add_literal(o, buf_str(v), v->len);
		buf_adds(o, ")");
		return;
	}
}

/* ---- parser ---- */

static int parse_compound(struct parser *ps, struct compound *c, bool in_not);

/* [name], [name OP value]; the parser is on '['. */
static int parse_attrib(struct parser *ps, struct compound *c)
{
	struct buf name = {0}, attr = {0}, v = {0};
	char op;
	int rc = -1;

	ps->p++;
	skip_ws(ps);
	if (take_name(ps, true, &name) < 0)
		goto out;
	if (name.len == 0) {
		fail_expected(ps, "an attribute name after '['");
		goto out;
	}
	if (*ps->p == '|' && ps->p[1] != '=') {
		fail(ps, ps->p, "namespace prefixes ('|') are not supported");
		goto out;
	}
	ascii_lower(&name);
	attr_expr(&attr, &name);
	skip_ws(ps);
	if (*ps->p == ']') {
		ps->p++;
		buf_addb(new_cond(c), &attr);
		rc = 0;
		goto out;
	}
	if (*ps->p == '=') {
		op = '=';
		ps->p++;
	} else if (*ps->p && strchr("~|^$*", *ps->p) && ps->p[1] == '=') {
		op = *ps->p;
		ps->p += 2;
	} else {
		fail_expected(ps, "']' or one of = ~= |= ^= $= *=");
		goto out;
	}
	skip_ws(ps);
	if (*ps->p == '"' || *ps->p == '\'') {
		if (take_string(ps, &v) < 0)
			goto out;
	} else {
		if (take_name(ps, false, &v) < 0)
			goto out;
		if (v.len == 0) {
			fail_expected(ps, op == '=' ? "a value after '='" :
				     "a value after the operator");
			goto out;
		}
	}
	skip_ws(ps);
	if (*ps->p != ']') {
		if (is_alpha(*ps->p) && (is_ws(ps->p[1]) || ps->p[1] == ']'))
			fail(ps, ps->p, "attribute selector flags ('%c') are not supported",
			     *ps->p);
		else
			fail_expected(ps, "']'");
		goto out;
	}
	ps->p++;
	add_attr_cond(c, &attr, op, &v);
	rc = 0;
out:
	buf_release(&name);
	buf_release(&attr);
	buf_release(&v);
	return rc;
}

/* Reads an unsigned number of at most MAX_NTH_DIGITS digits; returns the
 * count of digits read (0: none), or -1. */
static int take_number(struct parser *ps, long long *v)
{
	int n = 0;

	*v = 0;
	while (is_digit(*ps->p)) {
		if (++n > MAX_NTH_DIGITS)
			return fail(ps, ps->p - n + 1, "number too large in :nth-child()");
		*v = *v * 10 + (*ps->p++ - '0');
	}
	return n;
}

static bool keyword_at(const char *p, const char *kw)
{
	size_t n = strlen(kw);

	return strncasecmp(p, kw, n) == 0 && !is_name_char(p[n]) && p[n] != '\\';
}

/* The argument of :nth-child(): "odd", "even", "B", "An", "An+B", with
 * A or B signed, A possibly absent ("n", "-n+3"). */
static int parse_anb(struct parser *ps, long long *a, long long *b)
{
	const char *start = ps->p, *after_n;
	long long v;
	int sign = 1, nd;

	if (keyword_at(ps->p, "odd")) {
		ps->p += 3;
		*a = 2, *b = 1;
		return 0;
	}
	if (keyword_at(ps->p, "even")) {
		ps->p += 4;
		*a = 2, *b = 0;
		return 0;
	}
	if (*ps->p == '+' || *ps->p == '-')
		sign = *ps->p++ == '-' ? -1 : 1;
	if ((nd = take_number(ps, &v)) < 0)
		return -1;
	if (*ps->p != 'n' && *ps->p != 'N') {
		if (nd == 0)
			return fail(ps, start, "expected an+b, 'odd' or 'even' in :nth-child()");
		*a = 0, *b = sign * v;
		goto end;
	}
	ps->p++;
	*a = sign * (nd ? v : 1);
	*b = 0;
	after_n = ps->p;
	skip_ws(ps);
	if (*ps->p != '+' && *ps->p != '-') {
		ps->p = after_n;
		goto end;
	}
	sign = *ps->p++ == '-' ? -1 : 1;
	skip_ws(ps);
	if ((nd = take_number(ps, &v)) < 0)
		return -1;
	if (nd == 0)
		return fail_expected(ps, "a number in :nth-child()");
	*b = sign * v;
end:
	if (is_name_char(*ps->p) || *ps->p == '\\')
		return fail(ps, start, "expected an+b, 'odd' or 'even' in :nth-child()");
	return 0;
}

/* The condition that the element is child number a*n+b (1-based) for
 * some n >= 0.  With k = SIBLING_INDEX = position - 1. */
static void add_nth_cond(struct compound *c, long long a, long long b)
{
	struct buf *o = &c->conds;
	long long m, r;

	if (a == 0) {
		if (b < 1) {
			add_cond(c, "false()");
			return;
		}
		add_cond(c, SIBLING_INDEX " = ");
		buf_addnum(o, b - 1);
		return;
	}
	if (a < 0 && b < 1) {
		add_cond(c, "false()");
		return;
	}
	m = a > 0 ? a : -a;
	/* Both branches: k = b-1 (mod m); a > 0 also needs k >= b-1, a < 0
	 * needs k <= b-1.  b-1 mod m normalized to 0..m-1. */
	r = ((b - 1) % m + m) % m;
	if (a > 0 && b <= 1) {
		if (m == 1)
			return; /* every child */
		add_cond(c, SIBLING_INDEX " mod ");
		buf_addnum(o, m);
		buf_adds(o, " = ");
		buf_addnum(o, r);
		return;
	}
	add_cond(c, SIBLING_INDEX);
	buf_adds(o, a > 0 ? " >= " : " <= ");
	buf_addnum(o, b - 1);
	if (m > 1) {
		buf_adds(o, " and " SIBLING_INDEX " mod ");
		buf_addnum(o, m);
		buf_adds(o, " = ");
		buf_addnum(o, r);
	}
}

static void compound_release(struct compound *c)
{
	buf_release(&c->test);
	buf_release(&c->conds);
	buf_release(&c->tail);
}

/* :not(compound); the parser is just past "not(". */
static int parse_not(struct parser *ps, struct compound *c, const char *colon)
{
	struct compound inner = {0};
	struct buf *o;
	int rc = -1;

	if (++ps->not_depth > MAX_NOT_DEPTH) {
		fail(ps, colon, ":not() nested more than %d deep", MAX_NOT_DEPTH);
		goto out;
	}
	skip_ws(ps);
	if (parse_compound(ps, &inner, true) < 0)
		goto out;
	if (!inner.any) {
		fail_expected(ps, "a selector in :not()");
		goto out;
	}
	skip_ws(ps);
	if (*ps->p != ')') {
		if (*ps->p == ',')
			fail(ps, ps->p, ":not() takes one compound selector, not a list");
		else if (*ps->p && (strchr(">+~", *ps->p) || is_ident_start(ps->p) ||
				    *ps->p == '*'))
			fail(ps, ps->p, ":not() takes a compound selector, without combinators");
		else
			fail_expected(ps, "')'");
		goto out;
	}
	ps->p++;
	o = new_cond(c);
	buf_adds(o, "not(");
	if (strcmp(buf_str(&inner.test), "*") != 0) {
		buf_adds(o, "self::");
		buf_addb(o, &inner.test);
		if (inner.conds.len)
			buf_adds(o, " and ");
	} else if (inner.conds.len == 0) {
		buf_adds(o, "true()");
	}
	buf_addb(o, &inner.conds);
	buf_adds(o, ")");
	rc = 0;
out:
	ps->not_depth--;
	compound_release(&inner);
	return rc;
}

/* :name or :name(...); the parser is on the ':'. */
static int parse_pseudo_class(struct parser *ps, struct compound *c)
{
	const char *colon = ps->p;
	struct buf name = {0};
	char d[160];
	int rc = -1;

	ps->p++;
	if (take_name(ps, true, &name) < 0)
		goto out;
	if (name.len == 0) {
		fail_expected(ps, "a pseudo-class name after ':'");
		goto out;
	}
	ascii_lower(&name);
	describe(buf_str(&name), name.len, d, sizeof d);
	if (*ps->p == '(') {
		ps->p++;
		if (strcmp(name.s, "nth-child") == 0) {
			long long a = 0, b = 0;

			skip_ws(ps);
			if (parse_anb(ps, &a, &b) < 0)
				goto out;
			skip_ws(ps);
			if (*ps->p != ')') {
				fail_expected(ps, "')' after the :nth-child() argument");
				goto out;
			}
			ps->p++;
			add_nth_cond(c, a, b);
		} else if (strcmp(name.s, "not") == 0) {
			if (parse_not(ps, c, colon) < 0)
				goto out;
		} else {
			fail(ps, colon, "unsupported pseudo-class ':%s()'", d);
			goto out;
		}
	} else if (strcmp(name.s, "first-child") == 0) {
		add_cond(c, "not(preceding-sibling::*)");
	} else if (strcmp(name.s, "last-child") == 0) {
		add_cond(c, "not(following-sibling::*)");
	} else if (strcmp(name.s, "nth-child") == 0 || strcmp(name.s, "not") == 0) {
		fail(ps, ps->p, "expected '(' after ':%s'", name.s);
		goto out;
	} else if (strcmp(name.s, "text") == 0 || strcmp(name.s, "attr") == 0) {
		fail(ps, colon, "'::%s' is a pseudo-element, with two colons", name.s);
		goto out;
	} else {
		fail(ps, colon, "unsupported pseudo-class ':%s'", d);
		goto out;
	}
	rc = 0;
out:
	buf_release(&name);
	return rc;
}

/* ::text or ::attr(name); the parser is on the first ':'. */
static int parse_pseudo_element(struct parser *ps, struct compound *c)
{
	const char *start = ps->p;
	struct buf name = {0}, attr = {0};
	char d[160];
	int rc = -1;

	ps->p += 2;
	if (take_name(ps, true, &name) < 0)
		goto out;
	if (name.len == 0) {
		fail_expected(ps, "a pseudo-element name after '::'");
		goto out;
	}
	ascii_lower(&name);
	if (strcmp(name.s, "text") == 0 && *ps->p != '(') {
		buf_adds(&c->tail, "/text()");
	} else if (strcmp(name.s, "attr") == 0) {
		if (*ps->p != '(') {
			fail(ps, ps->p, "expected '(' after '::attr'");
			goto out;
		}
		ps->p++;
		skip_ws(ps);
		if (take_name(ps, true, &attr) < 0)
			goto out;
		if (attr.len == 0) {
			fail_expected(ps, "an attribute name in ::attr()");
			goto out;
		}
		skip_ws(ps);
		if (*ps->p != ')') {
			fail_expected(ps, "')' after the ::attr() name");
			goto out;
		}
		ps->p++;
		ascii_lower(&attr);
		buf_adds(&c->tail, "/");
		attr_expr(&c->tail, &attr);
	} else {
		describe(buf_str(&name), name.len, d, sizeof d);
		fail(ps, start, "unsupported pseudo-element '::%s%s'", d,
		     *ps->p == '(' ? "()" : "");
		goto out;
	}
	c->pseudo = true;
	rc = 0;
out:
	buf_release(&name);
	buf_release(&attr);
	return rc;
}

/* Reads a compound selector into C (which must be zeroed); C->any tells
 * whether there was one.  A pseudo-element ends it; IN_NOT refuses them. */
static int parse_compound(struct parser *ps, struct compound *c, bool in_not)
{
	struct buf name = {0};
	int rc = -1;

	buf_adds(&c->test, "*");
	if (*ps->p == '*') {
		ps->p++;
		c->any = true;
	} else {
		if (take_name(ps, true, &name) < 0)
			goto out;
		if (name.len) {
			set_type(c, &name);
			c->any = true;
		}
	}
	if (*ps->p == '|') {
		fail(ps, ps->p, "namespace prefixes ('|') are not supported");
		goto out;
	}
	for (;;) {
		switch (*ps->p) {
		case '.':
		case '#': {
			const char *at = ps->p++;

			buf_reset(&name);
			if (take_name(ps, false, &name) < 0)
				goto out;
			if (name.len == 0) {
				fail_expected(ps, *at == '.' ? "a class name after '.'" :
						 "an id after '#'");
				goto out;
			}
			if (*at == '.') {
				struct buf attr = {0};

				buf_adds(&attr, "@class");
				add_token_cond(c, &attr, &name);
				buf_release(&attr);
			} else {
				add_cond(c, "@id = ");
				buf_add_literal(&c->conds, buf_str(&name), name.len);
			}
			break;
		}
		case '[':
			if (parse_attrib(ps, c) < 0)
				goto out;
			break;
		case ':':
			if (ps->p[1] != ':') {
				if (parse_pseudo_class(ps, c) < 0)
					goto out;
				break;
			}
			if (in_not) {
				fail(ps, ps->p, "pseudo-elements are not allowed in :not()");
				goto out;
			}
			if (parse_pseudo_element(ps, c) < 0)
				goto out;
			c->any = true;
			rc = 0;
			goto out;
		default:
			rc = 0;
			goto out;
		}
		c->any = true;
	}
out:
	buf_release(&name);
	return rc;
}

enum step { STEP_FIRST, STEP_DESCENDANT, STEP_CHILD, STEP_ADJACENT, STEP_SIBLING };

static void emit_step(struct buf *out, enum step how, const struct compound *c)
{
	static const char *const axis[] = {
		[STEP_FIRST] = "descendant-or-self::",
		[STEP_DESCENDANT] = "/descendant::",
		[STEP_CHILD] = "/",
		[STEP_SIBLING] = "/following-sibling::",
	};
	bool typed = strcmp(buf_str(&c->test), "*") != 0;

	if (how == STEP_ADJACENT) {
		/* The very next element sibling, then the tests on it. */
		buf_adds(out, "/following-sibling::*[1]");
		if (typed || c->conds.len) {
			buf_adds(out, "[");
			if (typed) {
				buf_adds(out, "self::");
				buf_addb(out, &c->test);
				if (c->conds.len)
					buf_adds(out, " and ");
			}
			buf_addb(out, &c->conds);
			buf_adds(out, "]");
		}
	} else {
		buf_adds(out, axis[how]);
		buf_addb(out, &c->test);
		if (c->conds.len) {
			buf_adds(out, "[");
			buf_addb(out, &c->conds);
			buf_adds(out, "]");
		}
	}
	buf_addb(out, &c->tail);
}

/* One selector of the group: compounds joined by combinators, up to a
 * ',' or the end. */
static int parse_selector(struct parser *ps, struct buf *out)
{
	enum step how = STEP_FIRST;
	const char *comb = NULL; /* the combinator before this compound */

	for (;;) {
		struct compound c = {0};
		bool ws;

		if (parse_compound(ps, &c, false) < 0) {
			compound_release(&c);
			return -1;
		}
		if (!c.any) {
			compound_release(&c);
			if (*ps->p == '\0' && comb)
				return fail(ps, ps->p, "expected a selector after '%c'", *comb);
			if (!comb && *ps->p && strchr(">+~", *ps->p))
				return fail(ps, ps->p, "expected a selector before '%c'", *ps->p);
			return fail_expected(ps, NULL);
		}
		emit_step(out, how, &c);
		ws = skip_ws(ps);
		if (c.pseudo && *ps->p != ',' && *ps->p != '\0') {
			fail(ps, ps->p, "a pseudo-element must end the selector");
			compound_release(&c);
			return -1;
		}
		compound_release(&c);
		comb = ps->p;
		switch (*ps->p) {
		case '>':
			how = STEP_CHILD;
			break;
		case '+':
			how = STEP_ADJACENT;
			break;
		case '~':
			how = STEP_SIBLING;
			break;
		case ',':
		case '\0':
			return 0;
		default:
			if (!ws)
				return fail_expected(ps, NULL);
			how = STEP_DESCENDANT;
			comb = NULL;
			continue;
		}
		ps->p++;
		skip_ws(ps);
	}
}

char *css_to_xpath(const char *sel, char *err, size_t errlen)
{
	struct parser ps = { .sel = sel, .p = sel, .err = err, .errlen = errlen };
	struct buf out = {0};

	if (err && errlen)
		err[0] = '\0';
	if (!sel) {
		if (err && errlen)
			snprintf(err, errlen, "no selector");
		return NULL;
	}
	if (strnlen(sel, CSS_MAX_LEN + 1) > CSS_MAX_LEN) {
		fail(&ps, NULL, "selector longer than %d bytes", CSS_MAX_LEN);
		return NULL;
	}
	skip_ws(&ps);
	if (*ps.p == '\0') {
		fail(&ps, NULL, "empty selector");
		return NULL;
	}
	for (;;) {
		if (parse_selector(&ps, &out) < 0)
			goto fail;
		if (*ps.p == '\0')
			break;
		/* parse_selector() stops only at ',' or the end. */
		ps.p++;
		skip_ws(&ps);
		if (*ps.p == '\0' || *ps.p == ',') {
			fail(&ps, ps.p, "expected a selector after ','");
			goto fail;
		}
		buf_adds(&out, " | ");
	}
	if (out.over) {
		fail(&ps, NULL, "selector too complex: its XPath would exceed %d bytes",
		     CSS_MAX_XPATH);
		goto fail;
	}
	return out.s;
fail:
	buf_release(&out);
	return NULL;
}
