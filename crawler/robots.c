/*
 * robots.c - robots.txt parsing and matching (see robots.h).
 *
 * Runs in the coordinator.  A robots.txt is parsed once per host (at most
 * 500 KiB of it reach here); robots_allowed() runs once per URL over the
 * few rules of one group.
 */
#include "robots.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "url.h"

struct rule {
	char *pat;        /* percent-normalized pattern */
	size_t len;       /* its length, the rule's priority */
	bool allow;
};

struct robots {
	struct rule *rules;
	size_t n, cap;
	long delay_ms;
	bool deny_all;
};

struct robots *robots_new_all(bool allow)
{
	struct robots *r = xcalloc(1, sizeof *r);

	r->delay_ms = -1;
	r->deny_all = !allow;
	return r;
}

void robots_free(struct robots *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(r->rules[i].pat);
	free(r->rules);
	free(r);
}

long robots_crawl_delay_ms(const struct robots *r)
{
	return r->delay_ms;
}

char *robots_agent_token(const char *ua, char *buf, size_t size)
{
	size_t n = 0;

	while (*ua && n + 1 < size && (isalnum((unsigned char)*ua) || *ua == '-' || *ua == '_'))
		buf[n++] = *ua++;
	buf[n] = '\0';
	return buf;
}

static void add_rule(struct robots *r, const char *v, size_t n, bool allow)
{
	struct rule *ru;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->rules = xrealloc(r->rules, r->cap * sizeof *r->rules);
	}
	ru = &r->rules[r->n++];
	ru->pat = xmalloc(3 * n + 1);
	ru->len = url_pct_normalize(ru->pat, v, n);
	ru->pat[ru->len] = '\0';
	ru->allow = allow;
}

/* True if the user-agent value V (N bytes) names AGENT: its leading token
 * equals AGENT, case-insensitively. */
static bool names_agent(const char *v, size_t n, const char *agent)
{
	size_t t = 0, al = strlen(agent);

	while (t < n && (isalnum((unsigned char)v[t]) || v[t] == '-' || v[t] == '_'))
		t++;
	return t == al && al > 0 && strncasecmp(v, agent, al) == 0;
}

struct robots *robots_parse(const char *body, size_t len, const char *agent)
{
	/* Two rule sets are gathered in one pass: the groups naming AGENT and
	 * the "*" groups; the first is kept if it saw any group at all. */
	struct robots *mine = robots_new_all(true), *star = robots_new_all(true);
	const char *p = body, *end = body + len;
	bool in_mine = false, in_star = false, seen_mine = false;
	bool last_was_agent = false;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *eol = p, *k, *ke, *v, *ve, *hash;
		while (eol < end && *eol != '\n' && *eol != '\r')
			eol++;
		hash = memchr(p, '#', (size_t)(eol - p));
		ve = hash ? hash : eol;
		k = p;
		while (k < ve && (*k == ' ' || *k == '\t'))
			k++;
		ke = k;
		while (ke < ve && *ke != ':')
			ke++;
		p = eol < end ? eol + 1 : end;
		if (ke == ve)
			continue; /* no "key:" on this line */
		v = ke + 1;
		while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
#define KEY(s) ((size_t)(ke - k) == sizeof(s) - 1 && strncasecmp(k, s, sizeof(s) - 1) == 0)
		if (KEY("user-agent")) {
			if (!last_was_agent)
				in_mine = in_star = false;
			last_was_agent = true;
			if (ve - v == 1 && *v == '*')
				in_star = true;
			else if (names_agent(v, (size_t)(ve - v), agent))
				in_mine = seen_mine = true;
			continue;
		}
		if (KEY("allow") || KEY("disallow")) {
			bool allow = KEY("allow");
			last_was_agent = false;
			if (v == ve)
				continue; /* an empty rule matches nothing */
			if (in_mine)
				add_rule(mine, v, (size_t)(ve - v), allow);
			if (in_star)
				add_rule(star, v, (size_t)(ve - v), allow);
		} else if (KEY("crawl-delay")) {
			char num[32];
			double d;
			size_t n = (size_t)(ve - v) < sizeof num - 1 ? (size_t)(ve - v) : sizeof num - 1;
			last_was_agent = false;
			memcpy(num, v, n);
			num[n] = '\0';
			d = strtod(num, NULL);
			if (d > 0 && d < 86400) {
				if (in_mine)
					mine->delay_ms = (long)(d * 1000);
				if (in_star)
					star->delay_ms = (long)(d * 1000);
			}
		} else if (!KEY("sitemap")) {
			last_was_agent = false;
		}
#undef KEY
	}
	if (seen_mine) {
		robots_free(star);
		return mine;
	}
	robots_free(mine);
	return star;
}

/* Does pattern P (with '*' and a final '$') match the start of S?  The
 * classic wildcard walk: remember the last '*' and retry from it. */
static bool pat_match(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	for (;;) {
		if (*p == '$' && p[1] == '\0') {
			if (*s == '\0')
				return true;
		} else if (*p == '\0') {
			return true; /* a pattern matches a prefix */
		} else if (*p == '*') {
			star = ++p;
			resume = s;
			continue;
		} else if (*s && *p == *s) {
			p++;
			s++;
			continue;
		}
		if (!star || !*resume)
			return false;
		p = star;
		s = ++resume;
	}
}

bool robots_allowed(const struct robots *r, const char *path)
{
	size_t i, best = 0, n = strlen(path);
	bool allow = true, any = false;
	char buf[2048], *norm = buf;

	if (strcmp(path, "/robots.txt") == 0)
		return true;
	if (r->deny_all)
		return false;
	if (r->n == 0)
		return true;
	if (3 * n + 1 > sizeof buf)
		norm = xmalloc(3 * n + 1);
	norm[url_pct_normalize(norm, path, n)] = '\0';
	for (i = 0; i < r->n; i++) {
		const struct rule *ru = &r->rules[i];
		if (any && (ru->len < best || (ru->len == best && !ru->allow)))
			continue;
		if (!pat_match(ru->pat, norm))
			continue;
		if (!any || ru->len > best || ru->allow)
			allow = ru->allow;
		best = ru->len;
		any = true;
	}
	if (norm != buf)
		free(norm);
	return allow;
}
