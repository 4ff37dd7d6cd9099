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
#include <idn2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Returns a new string holding HREF with the fix-ups browsers apply before
 * parsing: leading and trailing spaces and controls trimmed, tabs and
 * newlines removed, and "%2e" in the path made a plain "." so that curl
 * removes the dot segments it spells.  *NLEN receives its length. */
static char *href_clean(const char *href, size_t len, size_t *nlen)
{
	char *out;
	size_t i, n = 0;
	bool in_path = true;

	while (len > 0 && (unsigned char)href[0] <= ' ') {
		href++;
		len--;
	}
	while (len > 0 && (unsigned char)href[len - 1] <= ' ')
		len--;
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		if (href[i] != '\t' && href[i] != '\n' && href[i] != '\r')
			out[n++] = href[i];
	out[n] = '\0';
	/* Then, over what is left, "%2e" in the path becomes ".". */
	for (i = 0, len = n, n = 0; i < len; i++) {
		if (out[i] == '?' || out[i] == '#')
			in_path = false;
		if (in_path && out[i] == '%' && i + 2 < len && out[i + 1] == '2' &&
		    (out[i + 2] == 'e' || out[i + 2] == 'E')) {
			out[n++] = '.';
			i += 2;
			continue;
		}
		out[n++] = out[i];
	}
	out[n] = '\0';
	*nlen = n;
	return out;
}

/* False when the host in reference S ("http://host/...", "//host/...",
 * also "http:/host" as curl reads it) holds a '%': percent-encoded host
 * names are not links people write, and curl's decoding of them does not
 * survive a second normalization. */
static size_t scheme_len(const char *s, size_t len);

static bool authority_plain(const char *s)
{
	size_t sl = scheme_len(s, strlen(s));
	const char *a = s + (sl ? sl + 1 : 0), *end, *at;

	if (!sl && !(a[0] == '/' && a[1] == '/'))
		return true; /* a path reference: the base's host */
	if (sl && *a != '/' && *a != '\\')
		return true; /* "http:x": relative to the base */
	while (*a == '/' || *a == '\\')
		a++;
	end = a + strcspn(a, "/?#\\");
	for (at = end; at > a && at[-1] != '@'; at--)
		;
	return memchr(at, '%', (size_t)(end - at)) == NULL;
}

/* True if HOST (as curl returns it, lower-cased) is a DNS name or an IP
 * literal: letters, digits, '-', '_' and '.', or "[...]". */
static bool host_ok(const char *host)
{
	const char *p;

	if (host[0] == '[')
		return host[strlen(host) - 1] == ']';
	for (p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return false;
	return p != host;
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

/* True for bytes that may not appear raw in a path or query: controls,
 * space, non-ASCII, and "<>\\^`{|} (RFC 3986 allows none of them). */
static bool must_encode(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL;
}

/* Copies the N bytes of path or query at SRC to DST with percent-encoding
 * normalized: %xx upper-cased, %xx of unreserved characters decoded, bytes
 * that may not appear raw encoded, a '%' that starts no escape written as
 * %25.  DST has room for 3 * N bytes.  Returns the bytes written. */
size_t url_pct_normalize(char *dst, const char *src, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *end = src + n;
	char *w = dst;
	int hi, lo;

	while (src < end) {
		unsigned char c = (unsigned char)*src;
		if (c != '%') {
			if (must_encode(c)) {
				*w++ = '%';
				*w++ = hex[c >> 4];
				*w++ = hex[c & 15];
			} else {
				*w++ = (char)c;
			}
			src++;
			continue;
		}
		if (end - src >= 3 && (hi = hexval((unsigned char)src[1])) >= 0 &&
		    (lo = hexval((unsigned char)src[2])) >= 0) {
			int d = hi * 16 + lo;
			if (is_unreserved(d)) {
				*w++ = (char)d;
			} else {
				*w++ = '%';
				*w++ = (char)toupper((unsigned char)src[1]);
				*w++ = (char)toupper((unsigned char)src[2]);
			}
			src += 3;
			continue;
		}
		memcpy(w, "%25", 3);
		w += 3;
		src++;
	}
	return (size_t)(w - dst);
}

/* The host curl makes of an ASCII host name, or NULL if curl refuses it.
 * libidn2's mapping can turn a name into one curl reads as a number
 * ("\u00b2" becomes "2", which is the IPv4 address 0.0.0.2): the ASCII
 * form goes through curl's parser once more so that a second
 * normalization of the result changes nothing. */
static char *reparse_host(const char *ascii)
{
	CURLU *h = curl_url();
	char *u, *host = NULL, *out = NULL;

	if (!h)
		return NULL;
	u = xmalloc(strlen(ascii) + 9);
	stpcpy(stpcpy(stpcpy(u, "http://"), ascii), "/");
	if (curl_url_set(h, CURLUPART_URL, u, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		out = xstrdup(host);
	curl_free(host);
	curl_url_cleanup(h);
	free(u);
	return out;
}

/* Finishes a resolved handle into the normalized string, or NULL if it is
 * not an http(s) URL with a host.  The string is put together from the
 * parts curl parsed (scheme and host lower-cased, default port left out,
 * fragment dropped): asking curl for the whole URL formats it with printf,
 * which costs more than the rest of a resolution. */
static char *finish(CURLU *h)
{
	char *scheme = NULL, *user = NULL, *pass = NULL, *host = NULL,
	     *port = NULL, *path = NULL, *query = NULL, *out = NULL, *p,
	     *idn_host = NULL, *hn;
	size_t pl, ql = 0;
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
	for (p = host; *p && (unsigned char)*p < 0x80; p++)
		;
	if (*p) {
		/* An internationalized name: its ASCII (punycode) form, by
		 * libidn2 (curl 7.88's CURLU_PUNYCODE fails here). */
		char *ascii = NULL;
		if (idn2_to_ascii_8z(host, &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK &&
		    idn2_to_ascii_8z(host, &ascii, IDN2_TRANSITIONAL) != IDN2_OK) {
			idn2_free(ascii);
			goto out;
		}
		idn_host = reparse_host(ascii);
		idn2_free(ascii);
		if (!idn_host)
			goto out;
	}
	hn = idn_host ? idn_host : host;
	for (p = hn; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!host_ok(hn))
		goto out;
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK)
		curl_url_get(h, CURLUPART_PASSWORD, &pass, 0);
	if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, https ? "443" : "80") == 0) {
		curl_free(port);
		port = NULL;
	}
	if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	/* An empty query ("x?") is dropped, as curl drops it. */
	if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK && !*query) {
		curl_free(query);
		query = NULL;
	}
	if (query)
		ql = strlen(query);
	pl = strlen(path);
	if (pl + ql > URL_MAX_LEN)
		goto out;
	out = p = xmalloc(strlen(scheme) + 3 + (user ? 3 * strlen(user) + 1 : 0) +
			  (pass ? 3 * strlen(pass) + 1 : 0) + strlen(hn) +
			  (port ? strlen(port) + 1 : 0) + 3 * (pl + ql) + 2);
	p = stpcpy(p, scheme);
	p = stpcpy(p, "://");
	if (user) {
		p += url_pct_normalize(p, user, strlen(user));
		if (pass) {
			*p++ = ':';
			p += url_pct_normalize(p, pass, strlen(pass));
		}
		*p++ = '@';
	}
	p = stpcpy(p, hn);
	if (port) {
		*p++ = ':';
		p = stpcpy(p, port);
	}
	p += url_pct_normalize(p, path, pl);
	if (query) {
		*p++ = '?';
		p += url_pct_normalize(p, query, ql);
	}
	*p = '\0';
	if ((size_t)(p - out) > URL_MAX_LEN) {
		free(out);
		out = NULL;
	}
out:
	curl_free(scheme);
	curl_free(user);
	curl_free(pass);
	curl_free(host);
	free(idn_host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	return out;
}

/* For a path reference: the base's origin, already normalized, then the
 * path and query curl made of the reference.  Two curl_url_get() calls
 * instead of six. */
static char *finish_path(CURLU *h, const struct url_base *b)
{
	char *path = NULL, *query = NULL, *out = NULL, *p;
	size_t pl, ql = 0;

	if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK && *query)
		ql = strlen(query);
	pl = strlen(path);
	if (b->origin_len + pl + ql + 1 > URL_MAX_LEN)
		goto out;
	out = p = xmalloc(b->origin_len + 3 * (pl + ql) + 2);
	memcpy(p, b->self, b->origin_len);
	p += b->origin_len;
	p += url_pct_normalize(p, path, pl);
	if (ql) {
		*p++ = '?';
		p += url_pct_normalize(p, query, ql);
	}
	*p = '\0';
	if ((size_t)(p - out) > URL_MAX_LEN) {
		free(out);
		out = NULL;
	}
out:
	curl_free(path);
	curl_free(query);
	return out;
}

static const unsigned int parse_flags =
	CURLU_ALLOW_SPACE | CURLU_NON_SUPPORT_SCHEME;

int url_base_init(struct url_base *b, const char *base)
{
	CURLU *h = curl_url();
	const char *auth, *q, *p;
	char *clean;
	size_t n;
	CURLUcode rc;

	memset(b, 0, sizeof *b);
	if (!h)
		abort();
	clean = href_clean(base, strlen(base), &n);
	rc = authority_plain(clean) ? curl_url_set(h, CURLUPART_URL, clean, parse_flags)
				    : CURLUE_MALFORMED_INPUT;
	free(clean);
	if (rc != CURLUE_OK)
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

char *url_resolve(const struct url_base *b, const char *href, size_t len)
{
	char *clean, *abs = NULL, *out = NULL;
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
	if (!authority_plain(clean))
		goto out;
	/* A path reference ("x.html", "/p/x.html") resolves to the base's
	 * directory or origin followed by it (RFC 3986, 5.2.2 and 5.2.3): curl
	 * is handed that absolute URL, which it parses and normalizes.  This
	 * spares curl_url_set() formatting the whole base URL again for every
	 * link, its way of resolving.  Other references go to curl as they
	 * are. */
	if (!sl && clean[0] != '?' && !(clean[0] == '/' && clean[1] == '/')) {
		size_t pre = clean[0] == '/' ? b->origin_len : b->dir_len;
		abs = xmalloc(pre + n + 1);
		memcpy(abs, b->self, pre);
		memcpy(abs + pre, clean, n + 1);
		h = curl_url();
	} else {
		h = sl ? curl_url() : curl_url_dup(b->cu);
	}
	if (!h)
		abort();
	if (curl_url_set(h, CURLUPART_URL, abs ? abs : clean, parse_flags) == CURLUE_OK)
		out = abs ? finish_path(h, b) : finish(h);
	curl_url_cleanup(h);
	free(abs);
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
