/*
 * extract.c - one SAX pass of libxml2's HTML parser per page (see
 * extract.h).
 *
 * Runs in workers, once per HTML page, ~20 KB and ~40 links each in the
 * benchmark.  SAX instead of a tree because a tree costs more than the
 * links are worth: libxml2 parses such pages at ~5,000/s/core into a tree
 * and ~8,000/s with callbacks.  Raw hrefs are copied during the parse and
 * resolved after it, when the first <base> is known.
 */
#include "extract.h"

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "url.h"
#include "utf8.h"

#define TEXT_CAP 4096 /* bytes kept of a title or description */

/* A growing list of NUL-terminated strings in one allocation. */
struct strs {
	char *data;
	size_t len, cap, n;
};

static void strs_push(struct strs *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		while (cap < s->len + n + 1)
			cap *= 2;
		s->data = xrealloc(s->data, cap);
		s->cap = cap;
	}
	memcpy(s->data + s->len, p, n);
	s->data[s->len + n] = '\0';
	s->len += n + 1;
	s->n++;
}

/* Open-addressing set of link fingerprints, to keep each link once. */
struct fpset {
	uint64_t *slot;
	size_t mask, n;
};

static bool fpset_add(struct fpset *s, uint64_t fp)
{
	size_t i;

	if ((s->n + 1) * 2 > s->mask + 1) {
		struct fpset big = { xcalloc((s->mask + 1) * 2, sizeof(uint64_t)),
				     (s->mask + 1) * 2 - 1, 0 };
		for (i = 0; i <= s->mask; i++)
			if (s->slot[i])
				fpset_add(&big, s->slot[i]);
		free(s->slot);
		*s = big;
	}
	for (i = fp & s->mask; s->slot[i]; i = (i + 1) & s->mask)
		if (s->slot[i] == fp)
			return false;
	s->slot[i] = fp;
	s->n++;
	return true;
}

struct sax {
	struct strs hrefs;
	size_t max_hrefs;
	struct fpset raw;      /* hrefs taken, as written */
	char *base;
	char *canonical;
	char *description;
	char title[TEXT_CAP];
	size_t title_len;
	int in_title;   /* 1 inside the first <title>, 2 after it */
	bool noindex, nofollow;
};

static const char *attr(const xmlChar **atts, const char *name)
{
	if (!atts)
		return NULL;
	for (; atts[0]; atts += 2)
		if (strcmp((const char *)atts[0], name) == 0)
			return atts[1] ? (const char *)atts[1] : "";
	return NULL;
}

/* True if space-separated (or comma-separated) list S holds WORD. */
static bool has_token(const char *s, const char *word)
{
	size_t wl = strlen(word);

	while (*s) {
		size_t n;
		s += strspn(s, " \t\n\r\f,");
		n = strcspn(s, " \t\n\r\f,");
		if (n == wl && strncasecmp(s, word, wl) == 0)
			return true;
		s += n;
	}
	return false;
}

/* Keeps HREF for resolving unless it was taken already or has a scheme
 * trawl never fetches: the budget of hrefs goes to candidates only. */
static void take_href(struct sax *st, const char *href)
{
	size_t n = strlen(href), i = 0;

	if (st->hrefs.n >= st->max_hrefs)
		return;
	while (i < n && (href[i] == ' ' || href[i] == '\t' || href[i] == '\n'))
		i++;
	if (strncasecmp(href + i, "mailto:", 7) == 0 ||
	    strncasecmp(href + i, "javascript:", 11) == 0 ||
	    strncasecmp(href + i, "data:", 5) == 0 ||
	    strncasecmp(href + i, "tel:", 4) == 0)
		return;
	if (!fpset_add(&st->raw, url_fingerprint(href, n)))
		return;
	strs_push(&st->hrefs, href, n);
}

static void on_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
	struct sax *st = ctx;
	const char *name = (const char *)xname, *v, *rel;

	switch (name[0]) {
	case 'a':
		if ((name[1] == '\0' || strcmp(name, "area") == 0) &&
		    (v = attr(atts, "href")))
			take_href(st, v);
		break;
	case 'b':
		if (strcmp(name, "base") == 0 && !st->base && (v = attr(atts, "href")))
			st->base = xstrdup(v);
		break;
	case 'l':
		if (strcmp(name, "link") == 0 && (rel = attr(atts, "rel")) &&
		    has_token(rel, "canonical") && (v = attr(atts, "href")) &&
		    !st->canonical)
			st->canonical = xstrdup(v);
		break;
	case 'm':
		if (strcmp(name, "meta") == 0 && (v = attr(atts, "name"))) {
			const char *content = attr(atts, "content");
			if (!content)
				break;
			if (strcasecmp(v, "description") == 0 && !st->description) {
				st->description = xstrdup(content);
			} else if (strcasecmp(v, "robots") == 0) {
				if (has_token(content, "none"))
					st->noindex = st->nofollow = true;
				if (has_token(content, "noindex"))
					st->noindex = true;
				if (has_token(content, "nofollow"))
					st->nofollow = true;
			}
		}
		break;
	case 't':
		if (strcmp(name, "title") == 0 && st->in_title == 0)
			st->in_title = 1;
		break;
	}
}

static void on_end(void *ctx, const xmlChar *name)
{
	struct sax *st = ctx;

	if (st->in_title == 1 && strcmp((const char *)name, "title") == 0)
		st->in_title = 2;
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct sax *st = ctx;
	size_t n = (size_t)len;

	if (st->in_title != 1)
		return;
	if (n > TEXT_CAP - 1 - st->title_len)
		n = TEXT_CAP - 1 - st->title_len;
	memcpy(st->title + st->title_len, ch, n);
	st->title_len += n;
}

/* A new valid-UTF-8 string: S with whitespace runs collapsed and trimmed;
 * NULL if nothing is left. */
static char *text_clean(const char *s, size_t len)
{
	char *tmp = xmalloc(len + 1), *out;
	size_t i, n = 0;
	bool space = false;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			space = n > 0;
			continue;
		}
		if (space)
			tmp[n++] = ' ';
		space = false;
		tmp[n++] = (char)c;
	}
	out = n ? utf8_clean(tmp, n) : NULL;
	free(tmp);
	return out;
}

int extract_html(struct extract *x, const char *body, size_t len,
		 const char *url, const char *charset, size_t max_links)
{
	struct sax st;
	struct url_base base = { 0 }, page = { 0 };
	const struct url_base *rb;
	struct fpset seen = { xcalloc(128, sizeof(uint64_t)), 127, 0 };
	htmlParserCtxtPtr ctxt = NULL;
	struct strs out = { 0 };
	size_t i, off;
	char *nul_free = NULL;
	int ret = -1;

	memset(x, 0, sizeof *x);
	memset(&st, 0, sizeof st);
	st.max_hrefs = max_links * 2; /* room for the ones that get dropped */
	st.raw.slot = xcalloc(128, sizeof(uint64_t));
	st.raw.mask = 127;
	/* libxml2 ends the parse at a NUL byte; browsers read on.  A space
	 * stands in for it (U+FFFD would be misread in a page that declares
	 * no charset). */
	if (len > 0 && memchr(body, '\0', len)) {
		size_t k;
		nul_free = xmalloc(len);
		for (k = 0; k < len; k++)
			nul_free[k] = body[k] ? body[k] : ' ';
		body = nul_free;
	}

	if (url_base_init(&page, url) < 0)
		goto out;
	if (len > 0 && len < INT32_MAX) {
		ctxt = htmlCreateMemoryParserCtxt(body, (int)len);
		if (!ctxt)
			abort();
		memset(ctxt->sax, 0, sizeof(htmlSAXHandler));
		ctxt->sax->startElement = on_start;
		ctxt->sax->endElement = on_end;
		ctxt->sax->characters = on_chars;
		ctxt->sax->initialized = 1;
		ctxt->userData = &st;
		htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
					 HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
					 HTML_PARSE_NOIMPLIED);
		if (charset && *charset) {
			xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(charset);
			if (h)
				xmlSwitchToEncoding(ctxt, h);
		}
		htmlParseDocument(ctxt);
		htmlFreeParserCtxt(ctxt);
	}

	rb = &page;
	if (st.base && url_base_init(&base, st.base) == 0)
		rb = &base;
	else if (st.base) {
		char *abs = url_resolve(&page, st.base, strlen(st.base));
		if (abs && url_base_init(&base, abs) == 0)
			rb = &base;
		free(abs);
	}

	for (i = 0, off = 0; i < st.hrefs.n && x->nlinks < max_links; i++) {
		const char *h = st.hrefs.data + off;
		size_t hl = strlen(h);
		char *u = url_resolve(rb, h, hl);
		off += hl + 1;
		if (!u)
			continue;
		if (fpset_add(&seen, url_fingerprint(u, strlen(u)))) {
			strs_push(&out, u, strlen(u));
			x->nlinks++;
		}
		free(u);
	}
	if (st.canonical) {
		x->canonical = url_resolve(rb, st.canonical, strlen(st.canonical));
		if (x->canonical && x->nlinks < max_links &&
		    fpset_add(&seen, url_fingerprint(x->canonical, strlen(x->canonical)))) {
			strs_push(&out, x->canonical, strlen(x->canonical));
			x->nlinks++;
		}
	}
	x->links = out.data ? out.data : xstrdup("");
	x->links_len = out.len;
	x->title = text_clean(st.title, st.title_len);
	if (st.description)
		x->description = text_clean(st.description, strlen(st.description));
	x->noindex = st.noindex;
	x->nofollow = st.nofollow;
	ret = 0;
out:
	free(st.hrefs.data);
	free(st.base);
	free(st.canonical);
	free(st.description);
	free(seen.slot);
	free(st.raw.slot);
	free(nul_free);
	url_base_release(&base);
	url_base_release(&page);
	if (ret < 0)
		x->links = xstrdup("");
	return ret;
}

void extract_release(struct extract *x)
{
	if (!x)
		return;
	free(x->title);
	free(x->description);
	free(x->canonical);
	free(x->links);
	memset(x, 0, sizeof *x);
}
