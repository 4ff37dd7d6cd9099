/*
 * url.c - resolution, normalization and fingerprints (see url.h).
 *
 * Runs in workers, ~40 url_resolve() calls per page, and in the coordinator
 * for seeds.  Each resolve duplicates the parsed base (cheaper than parsing
 * it again), lets curl_url resolve the href, then fixes the few things
 * curl_url leaves as written: host case and percent-encoding.
 */
#include "url.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Returns a new string holding HREF with the fix-ups browsers apply before
 * parsing: leading and trailing spaces and controls trimmed, tabs and
 * newlines removed.  *NLEN receives its length. */
static char *href_clean(const char *href, size_t len, size_t *nlen)
{
	char *out;
	size_t i, n = 0;

	while (len > 0 && (unsigned char)href[0] <= ' ') {
		href++;
		len--;
	}
	while (len > 0 && (unsigned char)href[len - 1] <= ' ')
		len--;
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (href[i] == '\t' || href[i] == '\n' || href[i] == '\r')
			continue;
		out[n++] = href[i];
	}
	out[n] = '\0';
	*nlen = n;
	return out;
}

/* If S starts with "scheme:", returns the scheme's length, else 0. */
static size_t scheme_len(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ':')
			return i;
		if (!isalnum(c) && c != '+' && c != '-' && c != '.')
			return 0;
	}
	return 0;
}

static bool is_http_scheme(const char *s, size_t n)
{
	return (n == 4 && strncasecmp(s, "http", 4) == 0) ||
	       (n == 5 && strncasecmp(s, "https", 5) == 0);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_unreserved(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* In place, after the authority: %xx upper-cased, %xx of unreserved
 * characters decoded. */
static void fix_percent(char *u, size_t start)
{
	char *r = u + start, *w = u + start;

	while (*r) {
		int hi, lo;
		if (r[0] == '%' && (hi = hexval((unsigned char)r[1])) >= 0 &&
		    (lo = hexval((unsigned char)r[2])) >= 0) {
			int c = hi * 16 + lo;
			if (is_unreserved(c)) {
				*w++ = (char)c;
			} else {
				*w++ = '%';
				*w++ = (char)toupper((unsigned char)r[1]);
				*w++ = (char)toupper((unsigned char)r[2]);
			}
			r += 3;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Finishes a resolved handle into the normalized string, or NULL if it is
 * not an http(s) URL with a host.  The string is put together from the
 * parts curl parsed (scheme and host lower-cased, default port left out,
 * fragment and user info dropped): asking curl for the whole URL formats
 * it with printf, which costs more than the rest of a resolution. */
static char *finish(CURLU *h)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL,
	     *query = NULL, *out = NULL, *p;
	size_t sl, hl, ol = 0, pl, ql = 0, len;
	bool https;

	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "http") == 0)
		https = false;
	else if (strcmp(scheme, "https") == 0)
		https = true;
	else
		goto out;
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		goto out;
	if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, https ? "443" : "80") != 0)
		ol = strlen(port) + 1;
	if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK)
		ql = strlen(query) + 1;
	sl = strlen(scheme);
	hl = strlen(host);
	pl = strlen(path);
	len = sl + 3 + hl + ol + pl + ql;
	if (len > URL_MAX_LEN)
		goto out;
	out = p = xmalloc(len + 1);
	memcpy(p, scheme, sl);
	memcpy(p + sl, "://", 3);
	p += sl + 3;
	for (size_t i = 0; i < hl; i++) {
		char c = host[i];
		*p++ = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
	}
	if (ol) {
		*p++ = ':';
		memcpy(p, port, ol - 1);
		p += ol - 1;
	}
	memcpy(p, path, pl);
	p += pl;
	if (ql) {
		*p++ = '?';
		memcpy(p, query, ql - 1);
		p += ql - 1;
	}
	*p = '\0';
	fix_percent(out, sl + 3 + hl + ol);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	return out;
}

static const unsigned int parse_flags =
	CURLU_ALLOW_SPACE | CURLU_URLENCODE | CURLU_NON_SUPPORT_SCHEME;

int url_base_init(struct url_base *b, const char *base)
{
	CURLU *h = curl_url();
	const char *auth, *q, *p;

	memset(b, 0, sizeof *b);
	if (!h)
		abort();
	if (curl_url_set(h, CURLUPART_URL, base, parse_flags) != CURLUE_OK)
		goto fail;
	b->self = finish(h);
	if (!b->self)
		goto fail;
	b->cu = h;
	b->scheme_len = (size_t)(strchr(b->self, ':') - b->self) + 1;
	auth = b->self + b->scheme_len + 2;
	b->origin_len = (size_t)(auth + strcspn(auth, "/?") - b->self);
	q = b->self + b->origin_len + strcspn(b->self + b->origin_len, "?");
	for (p = q; p > b->self + b->origin_len && p[-1] != '/'; p--)
		;
	b->dir_len = (size_t)(p - b->self);
	return 0;
fail:
	curl_url_cleanup(h);
	return -1;
}

void url_base_release(struct url_base *b)
{
	if (!b)
		return;
	curl_url_cleanup(b->cu);
	free(b->self);
	b->cu = NULL;
	b->self = NULL;
}

/* The resolution cache: direct-mapped, one entry per slot, the newest
 * resolution wins a slot. */
struct rc_entry {
	uint64_t hash;
	char *key;    /* prefix, '\1', href */
	char *val;    /* the result, or NULL for "not a link" */
};

static struct rc_entry *rc_slots;
static size_t rc_mask;

void url_cache_init(size_t entries)
{
	size_t i;

	if (rc_slots) {
		for (i = 0; i <= rc_mask; i++) {
			free(rc_slots[i].key);
			free(rc_slots[i].val);
		}
		free(rc_slots);
		rc_slots = NULL;
		rc_mask = 0;
	}
	if (entries == 0)
		return;
	rc_slots = xcalloc(entries, sizeof *rc_slots);
	rc_mask = entries - 1;
}

/* How much of the base the resolution of HREF depends on: the scheme for
 * "//host", the origin for "/path", the directory for a relative path,
 * nothing for an absolute URL.  0 with *CACHEABLE false for the forms
 * that depend on the whole base ("?query"). */
static size_t base_prefix(const struct url_base *b, const char *href,
			  size_t len, bool *cacheable)
{
	size_t sl = scheme_len(href, len);

	*cacheable = true;
	if (sl)
		return 0;
	if (len >= 2 && href[0] == '/' && href[1] == '/')
		return b->scheme_len;
	if (len >= 1 && href[0] == '/')
		return b->origin_len;
	if (len == 0 || href[0] == '?' || href[0] == '#' ||
	    (unsigned char)href[0] <= ' ') {
		*cacheable = false;
		return 0;
	}
	return b->dir_len;
}

static char *resolve(const struct url_base *b, const char *href, size_t len)
{
	char *clean, *out = NULL;
	size_t n, sl;
	CURLU *h;

	clean = href_clean(href, len, &n);
	if (n > URL_MAX_LEN)
		goto out;
	/* curl_url resolves "" and "#x" to the base's directory; for a link
	 * they mean the page itself. */
	if (n == 0 || clean[0] == '#') {
		out = xstrdup(b->self);
		goto out;
	}
	sl = scheme_len(clean, n);
	if (sl && !is_http_scheme(clean, sl))
		goto out;
	h = curl_url_dup(b->cu);
	if (!h)
		abort();
	if (curl_url_set(h, CURLUPART_URL, clean, parse_flags) == CURLUE_OK)
		out = finish(h);
	curl_url_cleanup(h);
out:
	free(clean);
	return out;
}

char *url_resolve(const struct url_base *b, const char *href, size_t len)
{
	char key[1024];
	size_t plen;
	bool cacheable;
	struct rc_entry *e;
	uint64_t hv;
	char *out;

	if (!rc_slots)
		return resolve(b, href, len);
	plen = base_prefix(b, href, len, &cacheable);
	if (!cacheable || plen + 1 + len >= sizeof key)
		return resolve(b, href, len);
	memcpy(key, b->self, plen);
	key[plen] = '\1';
	memcpy(key + plen + 1, href, len);
	key[plen + 1 + len] = '\0';
	hv = url_fingerprint(key, plen + 1 + len);
	e = &rc_slots[hv & rc_mask];
	if (e->key && e->hash == hv && strcmp(e->key, key) == 0)
		return e->val ? xstrdup(e->val) : NULL;
	out = resolve(b, href, len);
	free(e->key);
	free(e->val);
	e->hash = hv;
	e->key = xstrdup(key);
	e->val = out ? xstrdup(out) : NULL;
	return out;
}

char *url_normalize(const char *u)
{
	struct url_base b;
	char *out;

	if (url_base_init(&b, u) < 0)
		return NULL;
	out = b.self;
	b.self = NULL;
	url_base_release(&b);
	return out;
}

static uint64_t rotl64(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

static uint64_t mix_word(uint64_t w)
{
	w *= 0x87c37b91114253d5ULL;
	w = rotl64(w, 31);
	return w * 0x4cf5ad432745937fULL;
}

uint64_t url_fingerprint(const char *s, size_t len)
{
	/* Eight bytes per step (bodies are hashed with it too), then a
	 * finalizer so that similar inputs spread over the whole range.  Words
	 * are read in host byte order: fingerprints are not meant to move
	 * between machines of different endianness. */
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h ^= mix_word(w);
		h = rotl64(h, 27) * 5 + 0x52dce729;
	}
	if (len) {
		w = 0;
		memcpy(&w, s, len);
		h ^= mix_word(w);
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

const char *url_authority(const char *u, size_t *len)
{
	const char *p = strstr(u, "://"), *at, *end;

	if (!p)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	*len = (size_t)(end - p);
	return p;
}

const char *url_host(const char *u, size_t *len)
{
	const char *a = url_authority(u, len), *c;

	if (!a)
		return NULL;
	if (a[0] == '[') {
		c = memchr(a, ']', *len);
		if (c)
			*len = (size_t)(c - a + 1);
		return a;
	}
	c = memchr(a, ':', *len);
	if (c)
		*len = (size_t)(c - a);
	return a;
}
