/*
 * robots.c - robots.txt parsing and matching (see robots.h).
 *
 * Runs in the coordinator.  A robots.txt is parsed once per host (at most
 * ROBOTS_MAX_BODY bytes of it); robots_allowed() runs once per URL over
 * the rules of one group, sorted longest first so that the first pattern
 * that matches decides.
 */
#include "robots.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "url.h"

struct rule {
	char *pat;        /* percent-normalized pattern without a final '$' */
	size_t plen;      /* strlen(pat) */
	size_t len;       /* the whole pattern's length: the rule's priority */
	bool anchored;    /* the pattern ended in '$' */
	bool allow;
};

struct robots {
	struct rule *rules;
	size_t n, cap;
	char **sitemaps;
	size_t nsitemaps;
	long delay_ms;
	unsigned cuts;    /* enum robots_cut bits */
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
	for (i = 0; i < r->nsitemaps; i++)
		free(r->sitemaps[i]);
	free(r->sitemaps);
	free(r);
}

long robots_crawl_delay_ms(const struct robots *r)
{
	return r->delay_ms;
}

size_t robots_sitemaps(const struct robots *r, const char *const **urls)
{
	*urls = (const char *const *)r->sitemaps;
	return r->nsitemaps;
}

unsigned robots_cuts(const struct robots *r)
{
	return r->cuts;
}

static bool is_token_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

char *robots_agent_token(const char *ua, char *buf, size_t size)
{
	size_t n = 0;

	while (*ua && n + 1 < size && is_token_char((unsigned char)*ua))
		buf[n++] = *ua++;
	buf[n] = '\0';
	return buf;
}

/* ---- parsing ---- */

/* One parse: the groups naming AGENT and the "*" groups are gathered side
 * by side into MINE and STAR; the first is kept if any group named AGENT. */
struct parser {
	const char *agent;
	struct robots *mine, *star;
	char **maps;          /* Sitemap: values, handed to the result */
	size_t nmaps;
	unsigned cuts;
	bool in_mine;         /* the current group names AGENT */
	bool in_star;         /* the current group names "*" */
	bool seen_mine;
	bool in_agents;       /* no rule since the last user-agent line */
	char scratch[3 * ROBOTS_MAX_LINE]; /* a pattern, percent-normalized */
};

enum key { KEY_OTHER, KEY_AGENT, KEY_ALLOW, KEY_DISALLOW, KEY_SITEMAP, KEY_DELAY };

/* Keys as RFC 9309 spells them, then the misspellings Google's parser
 * accepts (exact words only: Google also takes any key that merely starts
 * with one of these, which would read a future "disallow-foo:" record as
 * Disallow). */
static const struct {
	const char *name;
	enum key key;
} keys[] = {
	{ "user-agent", KEY_AGENT }, { "allow", KEY_ALLOW }, { "disallow", KEY_DISALLOW },
	{ "sitemap", KEY_SITEMAP }, { "crawl-delay", KEY_DELAY },
	{ "useragent", KEY_AGENT }, { "user agent", KEY_AGENT },
	{ "dissallow", KEY_DISALLOW }, { "dissalow", KEY_DISALLOW },
	{ "disalow", KEY_DISALLOW }, { "diasllow", KEY_DISALLOW },
	{ "disallaw", KEY_DISALLOW }, { "site-map", KEY_SITEMAP },
};

static enum key key_of(const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strlen(keys[i].name) == n && strncasecmp(k, keys[i].name, n) == 0)
			return keys[i].key;
	return KEY_OTHER;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static void add_rule(struct parser *ps, struct robots *r, const char *v, size_t n, bool allow)
{
	struct rule *ru;
	size_t len;

	if (r->n == ROBOTS_MAX_RULES) {
		r->cuts |= ROBOTS_CUT_RULES;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->rules = xrealloc(r->rules, r->cap * sizeof *r->rules);
	}
	len = url_pct_normalize(ps->scratch, v, n);
	ru = &r->rules[r->n++];
	ru->len = len;
	ru->anchored = len > 0 && ps->scratch[len - 1] == '$';
	ru->plen = ru->anchored ? len - 1 : len;
	ru->pat = xstrndup(ps->scratch, ru->plen);
	ru->allow = allow;
}

/* True if the user-agent value V (N bytes) names AGENT: its leading token
 * equals AGENT, case-insensitively ("Foo Bar" and "Foo/2.0" name Foo). */
static bool names_agent(const char *v, size_t n, const char *agent)
{
	size_t t = 0, al = strlen(agent);

	while (t < n && is_token_char((unsigned char)v[t]))
		t++;
	return t == al && al > 0 && strncasecmp(v, agent, al) == 0;
}

static void add_sitemap(struct parser *ps, const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > URL_MAX_LEN)
		return;
	for (i = 0; i < ps->nmaps; i++)
		if (strlen(ps->maps[i]) == n && memcmp(ps->maps[i], v, n) == 0)
			return;
	if (ps->nmaps == ROBOTS_MAX_SITEMAPS) {
		ps->cuts |= ROBOTS_CUT_SITEMAPS;
		return;
	}
	if (!ps->maps)
		ps->maps = xmalloc(ROBOTS_MAX_SITEMAPS * sizeof *ps->maps);
	ps->maps[ps->nmaps++] = xstrndup(v, n);
}

static void set_delay(struct parser *ps, const char *v, size_t n)
{
	char num[32];
	double d;

	if (n > sizeof num - 1)
		n = sizeof num - 1;
	memcpy(num, v, n);
	num[n] = '\0';
	d = strtod(num, NULL);
	if (!(d > 0 && d < 86400))
		return;
	if (ps->in_mine)
		ps->mine->delay_ms = (long)(d * 1000);
	if (ps->in_star)
		ps->star->delay_ms = (long)(d * 1000);
}

/* Splits the line at P (N bytes, no line end) into key and value and
 * applies it.  The syntax is "key: value # comment"; without a colon, a
 * line of exactly two words is read as "key value" (Google does too: the
 * intent of "Disallow /x" is plain). */
static void parse_line(struct parser *ps, const char *p, size_t n)
{
	const char *k = p, *end, *ke, *v, *ve, *hash;
	enum key key;

	hash = memchr(p, '#', n);
	end = hash ? hash : p + n;
	while (k < end && is_blank(*k))
		k++;
	while (end > k && is_blank(end[-1]))
		end--;
	ke = memchr(k, ':', (size_t)(end - k));
	if (ke) {
		v = ke + 1;
	} else {
		for (ke = k; ke < end && !is_blank(*ke); ke++)
			;
		if (ke == end)
			return; /* one word: not a record */
		for (v = ke; is_blank(*v); v++)
			;
		for (ve = v; ve < end; ve++)
			if (is_blank(*ve))
				return; /* three words or more: not a record */
	}
	while (ke > k && is_blank(ke[-1]))
		ke--;
	if (ke == k)
		return;
	while (v < end && is_blank(*v))
		v++;
	ve = end;

	switch ((key = key_of(k, (size_t)(ke - k)))) {
	case KEY_AGENT:
		/* Consecutive user-agent lines share one group; any other
		 * line but a rule leaves the run open (RFC 9309 2.2.4: other
		 * records must not change how the group is read). */
		if (!ps->in_agents)
			ps->in_mine = ps->in_star = false;
		ps->in_agents = true;
		if (v < ve && *v == '*' && (v + 1 == ve || is_blank(v[1])))
			ps->in_star = true;
		else if (names_agent(v, (size_t)(ve - v), ps->agent))
			ps->in_mine = ps->seen_mine = true;
		break;
	case KEY_ALLOW:
	case KEY_DISALLOW:
		ps->in_agents = false;
		if (v == ve)
			break; /* an empty rule matches nothing */
		if (ps->in_mine)
			add_rule(ps, ps->mine, v, (size_t)(ve - v), key == KEY_ALLOW);
		if (ps->in_star)
			add_rule(ps, ps->star, v, (size_t)(ve - v), key == KEY_ALLOW);
		break;
	case KEY_DELAY:
		/* For the agents named so far.  Crawl-delay is not an RFC 9309
		 * record, so it does not end the run of user-agent lines (the
		 * rules below it still apply to all of them), but its value
		 * is not handed to the agents named after it: in
		 * "User-agent: slowbot / Crawl-delay: 10 / User-agent: *"
		 * the ten seconds are meant for slowbot. */
		set_delay(ps, v, (size_t)(ve - v));
		break;
	case KEY_SITEMAP:
		add_sitemap(ps, v, (size_t)(ve - v));
		break;
	case KEY_OTHER:
		break;
	}
}

/* Longest pattern first; Allow before Disallow of the same length. */
static int rule_cmp(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;

	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return (int)y->allow - (int)x->allow;
}

struct robots *robots_parse(const char *body, size_t len, const char *agent)
{
	static const char bom[] = "\xef\xbb\xbf";
	struct parser *ps = xcalloc(1, sizeof *ps);
	struct robots *r;
	const char *p = body, *end;
	size_t i;

	ps->agent = agent;
	ps->mine = robots_new_all(true);
	ps->star = robots_new_all(true);
	if (len > ROBOTS_MAX_BODY) {
		/* Parse whole lines only: half a "Disallow: /private" would
		 * read as "Disallow: /", half a user-agent as another agent. */
		ps->cuts |= ROBOTS_CUT_BODY;
		len = ROBOTS_MAX_BODY;
		if (body[len] != '\n' && body[len] != '\r')
			while (len > 0 && body[len - 1] != '\n' && body[len - 1] != '\r')
				len--;
	}
	end = body + len;
	/* A byte order mark, or the start of one, is skipped. */
	for (i = 0; i < 3 && p < end && *p == bom[i]; i++)
		p++;
	while (p < end) {
		const char *eol = p;
		while (eol < end && *eol != '\n' && *eol != '\r')
			eol++;
		if (eol - p > ROBOTS_MAX_LINE) {
			ps->cuts |= ROBOTS_CUT_LINE;
			parse_line(ps, p, ROBOTS_MAX_LINE);
		} else {
			parse_line(ps, p, (size_t)(eol - p));
		}
		p = eol < end ? eol + 1 : end;
	}

	if (ps->seen_mine) {
		r = ps->mine;
		robots_free(ps->star);
	} else {
		r = ps->star;
		robots_free(ps->mine);
	}
	if (r->n > 1)
		qsort(r->rules, r->n, sizeof *r->rules, rule_cmp);
	r->sitemaps = ps->maps;
	r->nsitemaps = ps->nmaps;
	r->cuts |= ps->cuts;
	free(ps);
	return r;
}

/* ---- matching ---- */

/* Does RU match the start of S (N bytes)?  The literal runs between '*'s
 * are found left to right, each at its first occurrence after the
 * previous one: for patterns whose only wildcard is '*' the leftmost
 * choice never loses a match, and memmem() keeps the walk linear however
 * the webmaster wrote the pattern. */
static bool rule_matches(const struct rule *ru, const char *s, size_t n)
{
	const char *seg = ru->pat, *pend = ru->pat + ru->plen, *star, *hit;
	size_t pos, k;

	star = memchr(seg, '*', ru->plen);
	k = (size_t)((star ? star : pend) - seg);
	if (k > n || memcmp(s, seg, k) != 0)
		return false;
	if (!star)
		return !ru->anchored || k == n;
	pos = k;
	seg = star + 1;
	while ((star = memchr(seg, '*', (size_t)(pend - seg))) != NULL) {
		k = (size_t)(star - seg);
		if (k > 0) {
			hit = memmem(s + pos, n - pos, seg, k);
			if (!hit)
				return false;
			pos = (size_t)(hit - s) + k;
		}
		seg = star + 1;
	}
	k = (size_t)(pend - seg);
	if (ru->anchored)
		return n - pos >= k && memcmp(s + n - k, seg, k) == 0;
	return k == 0 || memmem(s + pos, n - pos, seg, k) != NULL;
}

bool robots_allowed(const struct robots *r, const char *path)
{
	size_t i, n;
	bool allow = true;
	char buf[2048], *norm = buf;

	if (!*path)
		path = "/";
	if (strcmp(path, "/robots.txt") == 0)
		return true;
	if (r->deny_all)
		return false;
	if (r->n == 0)
		return true;
	n = strlen(path);
	if (3 * n > sizeof buf)
		norm = xmalloc(3 * n);
	n = url_pct_normalize(norm, path, n);
	/* Sorted longest first: the first rule that matches decides. */
	for (i = 0; i < r->n; i++) {
		if (rule_matches(&r->rules[i], norm, n)) {
			allow = r->rules[i].allow;
			break;
		}
	}
	if (norm != buf)
		free(norm);
	return allow;
}
