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

/* Finishes a resolved handle: checks the scheme, drops the fragment,
 * lower-cases the host, and returns the normalized string or NULL. */
static char *finish(CURLU *h)
{
	char *scheme = NULL, *host = NULL, *u = NULL, *out = NULL;
	size_t auth_end, i;
	bool upper = false;

	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    !is_http_scheme(scheme, strlen(scheme)))
		goto out;
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		goto out;
	for (i = 0; host[i]; i++)
		if (isupper((unsigned char)host[i]))
			upper = true;
	if (upper) {
		for (i = 0; host[i]; i++)
			host[i] = (char)tolower((unsigned char)host[i]);
		if (curl_url_set(h, CURLUPART_HOST, host, 0) != CURLUE_OK)
			goto out;
	}
	curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(h, CURLUPART_URL, &u, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	if (strlen(u) > URL_MAX_LEN)
		goto out;
	out = xstrdup(u);
	auth_end = strcspn(out + strlen(scheme) + 3, "/?") + strlen(scheme) + 3;
	fix_percent(out, auth_end);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(u);
	return out;
}

static const unsigned int parse_flags =
	CURLU_ALLOW_SPACE | CURLU_URLENCODE | CURLU_NON_SUPPORT_SCHEME;

int url_base_init(struct url_base *b, const char *base)
{
	CURLU *h = curl_url();

	b->cu = NULL;
	b->self = NULL;
	if (!h)
		abort();
	if (curl_url_set(h, CURLUPART_URL, base, parse_flags) != CURLUE_OK)
		goto fail;
	b->self = finish(h);
	if (!b->self)
		goto fail;
	b->cu = h;
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

char *url_resolve(const struct url_base *b, const char *href, size_t len)
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

uint64_t url_fingerprint(const char *s, size_t len)
{
	/* FNV-1a, then a 64-bit finalizer so that similar URLs spread over
	 * the whole hash table. */
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
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
