/*
 * cookies.c - merging and diffing cookie jar text (see cookies.h).
 *
 * Runs in the coordinator (a merge per worker message) and in workers (a
 * diff per sync, at most about once a second).  A merge appends the new
 * lines, sorts by key and stamp, and keeps the latest of each key:
 * O((n + m) log(n + m)) for n entries and m new lines, a few hundred
 * microseconds for a full jar of 10,000.
 */
#include "cookies.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define HTTPONLY "#HttpOnly_"

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sbuf_add(struct sbuf *b, const char *s, size_t n, char end)
{
	if (b->len + n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 2)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len++] = end;
	b->p[b->len] = '\0';
}

void cookies_init(struct cookies *j)
{
	memset(j, 0, sizeof *j);
}

void cookies_release(struct cookies *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		free(j->v[i].line);
	free(j->v);
	memset(j, 0, sizeof *j);
}

static int is_bool(const char *s, size_t n)
{
	return (n == 4 && memcmp(s, "TRUE", 4) == 0) ||
	       (n == 5 && memcmp(s, "FALSE", 5) == 0);
}

/* Parses LINE (LEN bytes) into the key and expiry of C; 0 or -1. */
static int parse(const char *line, size_t len, struct cookie *c)
{
	size_t start[7], flen[7], k = 0, i, s = 0;
	int64_t exp = 0;

	if (len == 0 || len > COOKIES_LINE_MAX)
		return -1;
	for (i = 0; i <= len; i++) {
		unsigned char ch = i < len ? (unsigned char)line[i] : '\t';

		if (ch == '\t') {
			if (k == 7)
				return -1;
			start[k] = s;
			flen[k++] = i - s;
			s = i + 1;
		} else if (ch < 0x20 || ch == 0x7f) {
			return -1;
		}
	}
	if (k != 7)
		return -1;
	/* Domain: optional "#HttpOnly_", optional leading dot, then a name. */
	if (flen[0] >= sizeof HTTPONLY - 1 &&
	    memcmp(line, HTTPONLY, sizeof HTTPONLY - 1) == 0) {
		start[0] += sizeof HTTPONLY - 1;
		flen[0] -= sizeof HTTPONLY - 1;
	}
	if (flen[0] > 0 && line[start[0]] == '.') {
		start[0]++;
		flen[0]--;
	}
	if (flen[0] == 0 || line[start[0]] == '#' || !is_bool(line + start[1], flen[1]) ||
	    flen[2] == 0 || line[start[2]] != '/' ||
	    !is_bool(line + start[3], flen[3]) || flen[4] == 0 || flen[4] > 18 ||
	    flen[5] == 0)
		return -1;
	for (i = 0; i < flen[4]; i++) {
		char d = line[start[4] + i];

		if (d < '0' || d > '9')
			return -1;
		exp = exp * 10 + (d - '0');
	}
	if (c) {
		c->dom = (uint32_t)start[0];
		c->domlen = (uint32_t)flen[0];
		c->path = (uint32_t)start[2];
		c->pathlen = (uint32_t)flen[2];
		c->name = (uint32_t)start[5];
		c->namelen = (uint32_t)flen[5];
		c->expires = exp;
	}
	return 0;
}

int cookies_line_ok(const char *line, size_t len)
{
	return parse(line, len, NULL);
}

static int cmp_part(const char *a, size_t an, const char *b, size_t bn, int icase)
{
	size_t n = an < bn ? an : bn;
	int r = icase ? strncasecmp(a, b, n) : memcmp(a, b, n);

	if (r)
		return r;
	return an < bn ? -1 : an > bn;
}

static int key_cmp(const struct cookie *a, const struct cookie *b)
{
	int r = cmp_part(a->line + a->dom, a->domlen, b->line + b->dom, b->domlen, 1);

	if (!r)
		r = cmp_part(a->line + a->path, a->pathlen, b->line + b->path,
			     b->pathlen, 0);
	if (!r)
		r = cmp_part(a->line + a->name, a->namelen, b->line + b->name,
			     b->namelen, 0);
	return r;
}

static int by_key_stamp(const void *x, const void *y)
{
	const struct cookie *a = x, *b = y;
	int r = key_cmp(a, b);

	if (r)
		return r;
	return a->stamp < b->stamp ? -1 : a->stamp > b->stamp;
}

static int by_stamp(const void *x, const void *y)
{
	const struct cookie *a = x, *b = y;

	return a->stamp < b->stamp ? -1 : a->stamp > b->stamp;
}

static int expired(const struct cookie *c, int64_t now)
{
	return c->expires != 0 && c->expires <= now;
}

/* Appends C's line with its expiry set to 1. */
static void add_tombstone(struct sbuf *b, const struct cookie *c)
{
	const char *l = c->line;
	size_t i, tabs = 0, exp = 0, expend;

	for (i = 0; i < c->len && tabs < 4; i++)
		if (l[i] == '\t' && ++tabs == 4)
			exp = i + 1;
	expend = exp + strcspn(l + exp, "\t");
	sbuf_add(b, l, exp, '1');
	sbuf_add(b, "", 0, '\t');
	sbuf_add(b, l + expend + 1, c->len - expend - 1, '\n');
}

long cookies_merge(struct cookies *j, const char *text, size_t len, int64_t now,
		   char **changed, size_t *changed_len)
{
	const char *p = text, *end = text + len;
	struct sbuf out = { 0 };
	size_t i, k, n = 0;
	long nchanged = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct cookie c;

		memset(&c, 0, sizeof c);
		if (parse(p, l, &c) == 0) {
			if (j->n == j->cap) {
				j->cap = j->cap ? j->cap * 2 : 16;
				j->v = xrealloc(j->v, j->cap * sizeof *j->v);
			}
			c.line = xstrndup(p, l);
			c.len = l;
			c.stamp = ++j->stamp;
			c.fresh = 1;
			j->v[j->n++] = c;
		}
		p += l + 1;
	}
	if (j->n)
		qsort(j->v, j->n, sizeof *j->v, by_key_stamp);
	j->bytes = 0;
	for (i = 0; i < j->n; i = k) {
		struct cookie *win, *old = NULL;
		int keep;

		for (k = i + 1; k < j->n && key_cmp(&j->v[i], &j->v[k]) == 0; k++)
			;
		win = &j->v[k - 1];
		for (size_t m = i; m < k; m++)
			if (!j->v[m].fresh)
				old = &j->v[m];
		keep = !expired(win, now);
		if (win->fresh) {
			if (old ? !keep || old->len != win->len ||
				      memcmp(old->line, win->line, win->len) != 0
				: keep) {
				nchanged++;
				if (!keep && changed)
					add_tombstone(&out, win);
				win->fresh = keep ? 2 : 0; /* 2: report below */
			} else {
				win->fresh = 0;
			}
		} else if (!keep) {
			nchanged++;
		}
		for (size_t m = i; m < k; m++)
			if (&j->v[m] != win || !keep)
				free(j->v[m].line);
		if (keep) {
			j->v[n++] = *win;
			j->bytes += win->len + 1;
		}
	}
	j->n = n;
	if (j->n > COOKIES_MAX || j->bytes > COOKIES_TEXT_MAX) {
		qsort(j->v, j->n, sizeof *j->v, by_stamp);
		for (i = 0; j->n - i > COOKIES_MAX || j->bytes > COOKIES_TEXT_MAX; i++) {
			j->bytes -= j->v[i].len + 1;
			free(j->v[i].line);
			nchanged++;
		}
		memmove(j->v, j->v + i, (j->n - i) * sizeof *j->v);
		j->n -= i;
		qsort(j->v, j->n, sizeof *j->v, by_key_stamp);
	}
	for (i = 0; i < j->n; i++) {
		if (j->v[i].fresh == 2 && changed)
			sbuf_add(&out, j->v[i].line, j->v[i].len, '\n');
		j->v[i].fresh = 0;
	}
	if (changed) {
		*changed = out.p;
		*changed_len = out.len;
	}
	return nchanged;
}

char *cookies_text(const struct cookies *j, size_t *len)
{
	struct cookie *v = xcalloc(j->n + 1, sizeof *v);
	struct sbuf b = { 0 };
	size_t i;

	if (j->n) {
		memcpy(v, j->v, j->n * sizeof *v);
		qsort(v, j->n, sizeof *v, by_stamp);
	}
	for (i = 0; i < j->n; i++)
		sbuf_add(&b, v[i].line, v[i].len, '\n');
	free(v);
	if (!b.p)
		b.p = xcalloc(1, 1);
	*len = b.len;
	return b.p;
}

char *cookies_diff(const struct cookies *was, const struct cookies *now,
		   int64_t t, size_t *len, size_t *added)
{
	struct sbuf b = { 0 }, tomb = { 0 };
	size_t i = 0, k = 0, lines = 0, nadded = 0;

	while (i < was->n || k < now->n) {
		int r = i == was->n ? 1 : k == now->n ? -1
				      : key_cmp(&was->v[i], &now->v[k]);

		if (r < 0) {
			if (!expired(&was->v[i], t))
				add_tombstone(&tomb, &was->v[i]);
			i++;
		} else if (r > 0 || was->v[i].len != now->v[k].len ||
			   memcmp(was->v[i].line, now->v[k].line, now->v[k].len) != 0) {
			if (lines < COOKIES_MAX &&
			    b.len + now->v[k].len + 1 <= COOKIES_TEXT_MAX) {
				sbuf_add(&b, now->v[k].line, now->v[k].len, '\n');
				lines++;
				nadded += r > 0;
			}
			i += r == 0;
			k++;
		} else {
			i++;
			k++;
		}
	}
	for (const char *p = tomb.p, *e = tomb.p + tomb.len; p && p < e;) {
		size_t l = (size_t)((const char *)memchr(p, '\n', (size_t)(e - p)) - p);

		if (lines < COOKIES_MAX && b.len + l + 1 <= COOKIES_TEXT_MAX) {
			sbuf_add(&b, p, l, '\n');
			lines++;
		}
		p += l + 1;
	}
	free(tomb.p);
	*len = b.len;
	if (added)
		*added = nadded;
	if (!b.len) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
