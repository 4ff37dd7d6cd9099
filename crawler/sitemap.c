/*
 * sitemap.c - sitemap parsing (see sitemap.h).
 *
 * Runs in the coordinator, once per fetched sitemap.  The body flows in
 * 64 KiB pieces from a source (the body itself, or zlib inflating it)
 * into a sink (libxml2's push parser with SAX2 callbacks, or a line
 * splitter), so that memory follows the entries kept, not the size of
 * the body: a 50 MiB sitemap is never held inflated.  Raw locs are
 * collected during the parse and normalized one by one as their <url>
 * ends.
 */
#include "sitemap.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "log.h"
#include "url.h"
#include "utf8.h"

#define CHUNK (64 * 1024)
/* Raw bytes of one loc or text line kept: room for a URL_MAX_LEN URL and
 * the whitespace around it.  A longer loc is dropped. */
#define LOC_ROOM (4 * URL_MAX_LEN)
/* "YYYY-MM-DDThh:mm:ss.sssssssss+hh:mm" with room to spare. */
#define LASTMOD_ROOM 64

/* The text of one <loc>, <lastmod> or line, leading whitespace skipped. */
struct text {
	char *buf;
	size_t len, room;
	bool over; /* more than ROOM bytes: dropped */
};

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void text_reset(struct text *t)
{
	t->len = 0;
	t->over = false;
}

static void text_add(struct text *t, const char *p, size_t n)
{
	if (t->len == 0)
		while (n > 0 && is_space((unsigned char)*p)) {
			p++;
			n--;
		}
	if (n > t->room - t->len) {
		t->over = true;
		n = t->room - t->len;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* Trims trailing whitespace and NUL-terminates (BUF has ROOM + 1 bytes).
 * Returns the length, or 0 when the text is empty or over. */
static size_t text_end(struct text *t)
{
	if (t->over)
		return 0;
	while (t->len > 0 && is_space((unsigned char)t->buf[t->len - 1]))
		t->len--;
	t->buf[t->len] = '\0';
	return t->len;
}

/* Set of the locs kept, by fingerprint, to drop repeats. */
struct seen {
	struct slot {
		uint64_t fp;
		size_t idx; /* index in sitemap.e, plus 1; 0 for a free slot */
	} *slot;
	size_t mask, n;
};

enum mode { MODE_START, MODE_XML, MODE_TEXT };
enum field { FIELD_NONE, FIELD_LOC, FIELD_LASTMOD };

struct parse {
	struct sitemap *sm;
	struct url_base base;
	struct seen seen;
	enum mode mode;
	size_t total;    /* bytes handed to the sink */
	bool stop;       /* read no further: entry cap, XML error, not a sitemap */
	struct text loc; /* also the current line of a text sitemap */
	struct text lastmod;
	/* XML */
	xmlParserCtxtPtr ctxt;
	int depth;             /* of the element being read; root is 1 */
	char *ns;              /* the root element's namespace, or NULL */
	const char *item;      /* "url" or "sitemap" */
	enum field field;      /* the <loc> or <lastmod> being read */
	bool in_item;          /* inside an entry's element */
	bool loc_done;         /* the entry's first <loc> was read */
	bool lastmod_done;     /* its first <lastmod> was read */
	bool lastmod_ok;       /* ... and is a W3C datetime */
	char locbuf[LOC_ROOM + 1];
	char lastmodbuf[LASTMOD_ROOM + 1];
	unsigned char out[CHUNK]; /* inflated bytes */
};

/* ---- entries ---- */

/* True if S (N bytes) starts with "scheme:" (RFC 3986, 3.1). */
static bool has_scheme(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; i < n; i++) {
		char c = s[i];
		if (c == ':')
			return true;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
			return false;
	}
	return false;
}

/* Adds U (a new normalized URL, taken over) unless it is there already.
 * Returns false if the entry cap stops the parse. */
static bool add_entry(struct parse *ps, char *u, const char *lastmod)
{
	struct sitemap *sm = ps->sm;
	struct seen *s = &ps->seen;
	size_t len = strlen(u), i;
	uint64_t fp = url_fingerprint(u, len);

	for (i = fp & s->mask; s->slot[i].idx; i = (i + 1) & s->mask)
		if (s->slot[i].fp == fp && strcmp(sm->e[s->slot[i].idx - 1].loc, u) == 0) {
			free(u);
			return true;
		}
	if (sm->n == SITEMAP_MAX_ENTRIES) {
		free(u);
		sm->cuts |= SITEMAP_CUT_ENTRIES;
		return false;
	}
	if ((sm->n & (sm->n - 1)) == 0 && sm->n >= 16)
		sm->e = xrealloc(sm->e, 2 * sm->n * sizeof *sm->e);
	else if (sm->n == 0)
		sm->e = xmalloc(16 * sizeof *sm->e);
	sm->e[sm->n].loc = u;
	sm->e[sm->n].lastmod = lastmod ? xstrdup(lastmod) : NULL;
	sm->n++;
	s->slot[i].fp = fp;
	s->slot[i].idx = sm->n;
	if (++s->n * 2 > s->mask + 1) {
		struct seen big = { xcalloc(2 * (s->mask + 1), sizeof *big.slot),
				    2 * (s->mask + 1) - 1, s->n };
		for (i = 0; i <= s->mask; i++) {
			size_t j;
			if (!s->slot[i].idx)
				continue;
			for (j = s->slot[i].fp & big.mask; big.slot[j].idx; j = (j + 1) & big.mask)
				;
			big.slot[j] = s->slot[i];
		}
		free(s->slot);
		*s = big;
	}
	return true;
}

/* Takes the loc in ps->loc (with LASTMOD, or NULL) as an entry.  Returns
 * false if the entry cap stops the parse. */
static bool add_loc(struct parse *ps, const char *lastmod)
{
	size_t n = text_end(&ps->loc);
	const char *s = ps->loc.buf;
	char *u = NULL;

	if (n > 0 && has_scheme(s, n))
		u = url_normalize(s);
	else if (n > 0 && s[0] == '/')
		u = url_resolve(&ps->base, s, n);
	if (!u) {
		ps->sm->dropped++;
		return true;
	}
	return add_entry(ps, u, lastmod);
}

/* ---- lastmod ---- */

static int num(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* True if S (N bytes) is a W3C datetime (https://www.w3.org/TR/NOTE-datetime):
 * YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm[:ss[.s+]]TZD with TZD
 * "Z" or "+hh:mm" or "-hh:mm". */
static bool w3c_datetime(const char *s, size_t n)
{
	const char *p, *end = s + n;
	int year, month, day;

	if (n < 4 || (year = num(s, 4)) < 0)
		return false;
	if (n == 4)
		return true;
	if (n < 7 || s[4] != '-' || (month = num(s + 5, 2)) < 1 || month > 12)
		return false;
	if (n == 7)
		return true;
	if (n < 10 || s[7] != '-' || (day = num(s + 8, 2)) < 1 || day > days_in(year, month))
		return false;
	if (n == 10)
		return true;
	if (n < 16 || s[10] != 'T' || num(s + 11, 2) < 0 || num(s + 11, 2) > 23 ||
	    s[13] != ':' || num(s + 14, 2) < 0 || num(s + 14, 2) > 59)
		return false;
	p = s + 16;
	if (p < end && *p == ':') {
		if (end - p < 3 || num(p + 1, 2) < 0 || num(p + 1, 2) > 59)
			return false;
		p += 3;
		if (p < end && *p == '.') {
			const char *d = ++p;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
			if (p == d)
				return false;
		}
	}
	if (p < end && *p == 'Z')
		return p + 1 == end;
	if (end - p != 6 || (*p != '+' && *p != '-'))
		return false;
	return num(p + 1, 2) >= 0 && num(p + 1, 2) <= 23 && p[3] == ':' &&
	       num(p + 4, 2) >= 0 && num(p + 4, 2) <= 59;
}

/* ---- XML ---- */

static bool same_ns(const struct parse *ps, const xmlChar *uri)
{
	if (!ps->ns || !uri)
		return !ps->ns && !uri;
	return strcmp(ps->ns, (const char *)uri) == 0;
}

/* The entry being read ends: keep it if its <loc> was read whole. */
static void item_end(struct parse *ps)
{
	const char *lm = NULL;

	if (ps->in_item && ps->loc_done) {
		if (ps->lastmod_ok)
			lm = ps->lastmodbuf;
		if (!add_loc(ps, lm)) {
			ps->stop = true;
			xmlStopParser(ps->ctxt);
		}
	}
	ps->in_item = false;
}

static void on_start(void *ctx, const xmlChar *xname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct parse *ps = ctx;
	const char *name = (const char *)xname;

	(void)prefix;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_attributes;
	(void)nb_defaulted;
	(void)attributes;
	if (ps->stop)
		return;
	switch (++ps->depth) {
	case 1:
		if (strcmp(name, "urlset") == 0) {
			ps->sm->kind = SITEMAP_URLSET;
			ps->item = "url";
		} else if (strcmp(name, "sitemapindex") == 0) {
			ps->sm->kind = SITEMAP_INDEX;
			ps->item = "sitemap";
		} else {
			/* An HTML page or another document: nothing to read. */
			ps->stop = true;
			xmlStopParser(ps->ctxt);
			return;
		}
		ps->ns = uri ? xstrdup((const char *)uri) : NULL;
		break;
	case 2:
		ps->in_item = same_ns(ps, uri) && strcmp(name, ps->item) == 0;
		ps->loc_done = ps->lastmod_done = ps->lastmod_ok = false;
		break;
	case 3:
		if (!ps->in_item || !same_ns(ps, uri))
			break;
		if (!ps->loc_done && strcmp(name, "loc") == 0) {
			ps->field = FIELD_LOC;
			text_reset(&ps->loc);
		} else if (!ps->lastmod_done && strcmp(name, "lastmod") == 0) {
			ps->field = FIELD_LASTMOD;
			text_reset(&ps->lastmod);
		}
		break;
	}
}

static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct parse *ps = ctx;

	(void)name;
	(void)prefix;
	(void)uri;
	if (ps->stop)
		return;
	if (ps->depth == 3 && ps->field == FIELD_LOC) {
		ps->loc_done = true;
	} else if (ps->depth == 3 && ps->field == FIELD_LASTMOD) {
		size_t n = text_end(&ps->lastmod);
		ps->lastmod_done = true;
		ps->lastmod_ok = n > 0 && w3c_datetime(ps->lastmod.buf, n);
	} else if (ps->depth == 2) {
		item_end(ps);
	}
	if (ps->depth == 3)
		ps->field = FIELD_NONE;
	ps->depth--;
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct parse *ps = ctx;

	if (ps->depth != 3 || ps->stop)
		return;
	if (ps->field == FIELD_LOC)
		text_add(&ps->loc, (const char *)ch, (size_t)len);
	else if (ps->field == FIELD_LASTMOD)
		text_add(&ps->lastmod, (const char *)ch, (size_t)len);
}

/* Only the five predefined entities exist (libxml2 looks them up before
 * asking this): no entity declared in a DTD is ever expanded. */
static xmlEntityPtr no_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

static void no_error(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

static void xml_begin(struct parse *ps)
{
	xmlSAXHandler sax;

	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	sax.cdataBlock = on_chars;
	sax.ignorableWhitespace = on_chars;
	sax.getEntity = no_entity;
	sax.getParameterEntity = no_entity;
	sax.serror = no_error;
	ps->ctxt = xmlCreatePushParserCtxt(&sax, ps, NULL, 0, NULL);
	if (!ps->ctxt)
		abort();
	/* Not XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_RECOVER. */
	xmlCtxtUseOptions(ps->ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static void xml_feed(struct parse *ps, const char *p, size_t n, bool last)
{
	if (ps->stop)
		return;
	xmlParseChunk(ps->ctxt, p, (int)n, last);
	if (!ps->stop && !ps->ctxt->wellFormed) {
		ps->sm->cuts |= SITEMAP_CUT_ERROR;
		ps->stop = true;
	}
}

/* ---- text ---- */

static void text_feed(struct parse *ps, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end && !ps->stop) {
		const char *eol = p;
		while (eol < end && *eol != '\n' && *eol != '\r')
			eol++;
		text_add(&ps->loc, p, (size_t)(eol - p));
		if (eol == end)
			break;
		if (ps->loc.len > 0 || ps->loc.over) {
			if (!ps->loc.over && !utf8_valid(ps->loc.buf, ps->loc.len)) {
				ps->sm->dropped++;
			} else if (!add_loc(ps, NULL)) {
				ps->stop = true;
			}
			text_reset(&ps->loc);
		}
		p = eol + 1;
	}
}

/* ---- the sink ---- */

/* Decides from the first bytes whether the body is XML or text. */
static void start(struct parse *ps, const char **pp, size_t *np)
{
	const char *p = *pp;
	size_t n = *np;

	if (ps->total == 0) {
		if (n >= 2 && (((unsigned char)p[0] == 0xff && (unsigned char)p[1] == 0xfe) ||
			       ((unsigned char)p[0] == 0xfe && (unsigned char)p[1] == 0xff) ||
			       (p[0] == '<' && p[1] == '\0') || (p[0] == '\0' && p[1] == '<'))) {
			ps->mode = MODE_XML; /* UTF-16: libxml2 converts it */
			xml_begin(ps);
			return;
		}
		if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			n -= 3;
		}
	}
	/* Whitespace before "<?xml" is an error to libxml2, and a frequent
	 * one in generated sitemaps: skipped. */
	while (n > 0 && is_space((unsigned char)*p)) {
		p++;
		n--;
	}
	*pp = p;
	*np = n;
	if (n == 0)
		return;
	if (*p == '<') {
		ps->mode = MODE_XML;
		xml_begin(ps);
	} else {
		ps->mode = MODE_TEXT;
	}
}

/* Hands N bytes at P to the parser, at most SITEMAP_MAX_SIZE in all.
 * Returns false when no more bytes are wanted. */
static bool sink(struct parse *ps, const char *p, size_t n)
{
	bool more = true;

	if (n > SITEMAP_MAX_SIZE - ps->total) {
		n = SITEMAP_MAX_SIZE - ps->total;
		ps->sm->cuts |= SITEMAP_CUT_SIZE;
		more = false;
	}
	if (ps->mode == MODE_START) {
		size_t was = n;
		start(ps, &p, &n);
		ps->total += was - n;
	}
	if (ps->mode == MODE_XML)
		xml_feed(ps, p, n, false);
	else if (ps->mode == MODE_TEXT)
		text_feed(ps, p, n);
	ps->total += n;
	return more && !ps->stop;
}

/* The body is read whole: the end of the document or of the last line. */
static void sink_end(struct parse *ps)
{
	if (ps->mode == MODE_XML)
		xml_feed(ps, NULL, 0, true);
	else if (ps->mode == MODE_TEXT)
		text_feed(ps, "\n", 1);
}

/* ---- sources ---- */

static void read_plain(struct parse *ps, const char *body, size_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		if (!sink(ps, body + off, n))
			return;
		off += n;
	}
	sink_end(ps);
}

/* Inflates BODY, a gzip file of one or more members, into the sink. */
static void read_gzip(struct parse *ps, const char *body, size_t len)
{
	const unsigned char *in = (const unsigned char *)body;
	z_stream z;
	size_t used = 0; /* bytes of BODY given to zlib */
	int rc;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		abort(); /* out of memory */
	for (;;) {
		size_t got;
		if (z.avail_in == 0 && used < len) {
			size_t k = len - used < UINT32_MAX ? len - used : UINT32_MAX;
			z.next_in = (unsigned char *)(uintptr_t)(in + used);
			z.avail_in = (uInt)k;
			used += k;
		}
		z.next_out = ps->out;
		z.avail_out = CHUNK;
		rc = inflate(&z, Z_NO_FLUSH);
		got = CHUNK - z.avail_out;
		if (got > 0 && !sink(ps, (const char *)ps->out, got))
			goto out;
		if (rc == Z_STREAM_END) {
			/* gzip(1) reads concatenated members as one file, and
			 * ignores what follows the last. */
			size_t at = (size_t)(z.next_in - in);
			if (len - at >= 2 && in[at] == 0x1f && in[at + 1] == 0x8b) {
				inflateReset(&z);
				continue;
			}
			break;
		}
		if (rc != Z_OK) {
			/* Z_BUF_ERROR: the input ended inside the stream. */
			ps->sm->cuts |= SITEMAP_CUT_ERROR;
			goto out;
		}
	}
	sink_end(ps);
out:
	inflateEnd(&z);
}

/* ---- the entry points ---- */

int sitemap_parse(struct sitemap *sm, const char *body, size_t len, const char *url)
{
	struct parse *ps;

	memset(sm, 0, sizeof *sm);
	ps = xcalloc(1, sizeof *ps);
	if (url_base_init(&ps->base, url) < 0) {
		log_error("sitemap: %s: not an absolute http(s) URL", url);
		free(ps);
		return -1;
	}
	ps->sm = sm;
	ps->seen.slot = xcalloc(1024, sizeof *ps->seen.slot);
	ps->seen.mask = 1023;
	ps->loc.buf = ps->locbuf;
	ps->loc.room = LOC_ROOM;
	ps->lastmod.buf = ps->lastmodbuf;
	ps->lastmod.room = LASTMOD_ROOM;

	if (len >= 2 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b)
		read_gzip(ps, body, len);
	else
		read_plain(ps, body, len);

	if (ps->mode == MODE_XML) {
		/* Cut short by an error or the size cap: the entry being read
		 * counts if its <loc> is whole. */
		if (!(sm->cuts & SITEMAP_CUT_ENTRIES))
			item_end(ps);
		/* libxml2 keeps a DTD's entity declarations in a document of
		 * its own even in SAX mode ("expat compatibility"). */
		xmlFreeDoc(ps->ctxt->myDoc);
		xmlFreeParserCtxt(ps->ctxt);
	} else if (ps->mode == MODE_TEXT && sm->n > 0) {
		sm->kind = SITEMAP_URLSET;
	}
	free(ps->ns);
	free(ps->seen.slot);
	url_base_release(&ps->base);
	free(ps);
	return 0;
}

void sitemap_release(struct sitemap *sm)
{
	size_t i;

	if (!sm)
		return;
	for (i = 0; i < sm->n; i++) {
		free(sm->e[i].loc);
		free(sm->e[i].lastmod);
	}
	free(sm->e);
	memset(sm, 0, sizeof *sm);
}
