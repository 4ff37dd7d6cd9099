/*
 * url.c - resolution, normalization and fingerprints (see url.h).
 *
 * Runs in workers, ~40 url_resolve() calls per page, and in the coordinator
 * for seeds.  Each resolve copies the href into a stack buffer with the
 * fix-ups browsers apply (WHATWG URL), makes it absolute against the base,
 * lets curl_url parse that, then fixes what curl_url leaves as written or
 * reads otherwise than browsers: host case, IP address spellings,
 * percent-encoding.  An ordinary href costs one scan and a memcpy before
 * curl sees it; tests/unit/test_url_whatwg.c checks the results against
 * the WHATWG URL test data.
 */
#include "url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <fnmatch.h>
#include <idn2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A prepared href: at most URL_MAX_LEN bytes, 2 more when "//" is put
 * after its scheme, and the NUL. */
#define HREF_ROOM (URL_MAX_LEN + 3)

/* Bytes after which href_clean() leaves its fast path: C0 controls and
 * DEL, '\\', and '%' (which may start "%2e"). */
static inline bool href_rare(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '\\' || c == '%';
}

/* Copies HREF (LEN bytes) into BUF (HREF_ROOM bytes, NUL-terminated) with
 * the fix-ups browsers apply before parsing: leading and trailing C0
 * controls and spaces trimmed; tabs and newlines removed; other C0
 * controls and DEL percent-encoded; and before the query, '\\' read as '/'
 * (as in every http(s) URL; other schemes are refused anyway) and "%2e" as
 * "." so that curl removes the dot segments it spells.  The href up to
 * the first such byte is copied as it is.  Returns the length, or -1 if
 * longer than URL_MAX_LEN. */
static long href_clean(char *buf, const char *href, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0, n;
	bool in_path;

	while (len > 0 && (unsigned char)href[0] <= ' ') {
		href++;
		len--;
	}
	while (len > 0 && (unsigned char)href[len - 1] <= ' ')
		len--;
	while (i < len && !href_rare((unsigned char)href[i]))
		i++;
	if (i > URL_MAX_LEN)
		return -1;
	memcpy(buf, href, i);
	n = i;
	if (i == len)
		goto out;
	in_path = !memchr(href, '?', i) && !memchr(href, '#', i);
	for (; i < len; i++) {
		unsigned char c = (unsigned char)href[i];
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (n + (c < 0x20 || c == 0x7f ? 3 : 1) > URL_MAX_LEN)
			return -1;
		if (c < 0x20 || c == 0x7f) {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
			continue;
		}
		if (c == '?' || c == '#')
			in_path = false;
		if (in_path && c == '\\')
			c = '/';
		/* "%2e", also when a tab split it: its "%2" is already out. */
		if (in_path && (c == 'e' || c == 'E') && n >= 2 && buf[n - 2] == '%' &&
		    buf[n - 1] == '2') {
			n -= 2;
			c = '.';
		}
		buf[n++] = (char)c;
	}
out:
	buf[n] = '\0';
	return (long)n;
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

/* S (N bytes in a buffer of HREF_ROOM) starts with an http(s) scheme of SL
 * bytes: makes the slashes after "scheme:", however many, exactly two, as
 * browsers read "http:x", "http:/x" and "http:///x" unless relative to a
 * base of the same scheme.  Returns the new length. */
static size_t scheme_slashes(char *s, size_t sl, size_t n)
{
	size_t k = 0;

	while (s[sl + 1 + k] == '/')
		k++;
	if (k != 2) {
		memmove(s + sl + 3, s + sl + 1 + k, n - (sl + 1 + k) + 1);
		s[sl + 1] = s[sl + 2] = '/';
		n = n + 2 - k;
	}
	return n;
}

/* Checks the authority of S (N bytes), which starts at S + AUTH, just
 * after "//".  Returns S; or a new string in *OWN (caller frees with
 * free()) where every '@' of the authority but the last is written %40,
 * since browsers split the user info from the host at the last '@' and
 * curl at the first; or NULL if the host holds a '%': percent-encoded host
 * names are not links people write, and curl's decoding of them does not
 * survive a second normalization. */
static const char *authority_prepare(const char *s, size_t *n, size_t auth,
				     char **own)
{
	const char *a = s + auth, *end = a + strcspn(a, "/?#"), *p, *last = NULL;
	size_t ats = 0;
	char *w;

	for (p = a; p < end; p++)
		if (*p == '@') {
			ats++;
			last = p;
		}
	p = last ? last + 1 : a;
	if (memchr(p, '%', (size_t)(end - p)))
		return NULL;
	if (ats < 2)
		return s;
	if (*n + 2 * (ats - 1) > URL_MAX_LEN)
		return NULL;
	*own = w = xmalloc(*n + 2 * (ats - 1) + 1);
	for (p = s; *p; p++) {
		if (*p == '@' && p >= a && p < last) {
			w = stpcpy(w, "%40");
			continue;
		}
		*w++ = *p;
	}
	*w = '\0';
	*n = (size_t)(w - *own);
	return *own;
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

/* True if the last label of HOST (a trailing dot aside) is a number,
 * decimal or "0x" hex: browsers then read the host as an IPv4 address,
 * or refuse it. */
static bool ends_in_number(const char *host)
{
	const char *end = host + strlen(host), *p;

	if (end > host && end[-1] == '.')
		end--;
	for (p = end; p > host && p[-1] != '.'; p--)
		;
	if (p == end)
		return false;
	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; p < end && isxdigit((unsigned char)*p); p++)
			;
		return p == end;
	}
	while (p < end && isdigit((unsigned char)*p))
		p++;
	return p == end;
}

/* True if HOST is four decimal numbers 0-255 without leading zeros, the
 * form curl gives every IPv4 address it reads. */
static bool is_dotted_quad(const char *host)
{
	const char *p = host;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part && *p++ != '.')
			return false;
		while (isdigit((unsigned char)*p) && digits < 4) {
			v = v * 10 + (unsigned)(*p++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255 ||
		    (digits > 1 && p[-(int)digits] == '0'))
			return false;
	}
	return *p == '\0';
}

/* The IPv6 literal HOST ("[...]") spelled as browsers spell it: lower-case
 * hex, no leading zeros, the first longest run of two or more zero pieces
 * as "::", no dotted IPv4 tail.  Returns a new string (caller frees with
 * free()), or NULL if HOST is no IPv6 address. */
static char *ipv6_spelling(const char *host)
{
	unsigned char a[16];
	char in[64], *out, *p;
	size_t n = strlen(host);
	int i, run = 0, best = -1, best_len = 1;

	if (n < 3 || n - 2 >= sizeof in)
		return NULL;
	memcpy(in, host + 1, n - 2);
	in[n - 2] = '\0';
	if (inet_pton(AF_INET6, in, a) != 1)
		return NULL;
	for (i = 0; i < 8; i++) {
		run = a[2 * i] || a[2 * i + 1] ? 0 : run + 1;
		if (run > best_len) {
			best_len = run;
			best = i - run + 1;
		}
	}
	out = p = xmalloc(2 + 8 * 5 + 2);
	*p++ = '[';
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			if (i == 0)
				*p++ = ':';
			i += best_len - 1;
			continue;
		}
		p += sprintf(p, "%x", a[2 * i] << 8 | a[2 * i + 1]);
		if (i < 7)
			*p++ = ':';
	}
	strcpy(p, "]");
	return out;
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

/* Copies the N bytes at SRC to DST with percent-encoding normalized: %xx
 * upper-cased, %xx of unreserved characters decoded, bytes that may not
 * appear raw encoded, a '%' that starts no escape written as %25.  In user
 * info (USERINFO) also ":;=@/?#[]", as browsers encode them there.  DST
 * has room for 3 * N bytes.  Returns the bytes written. */
static inline size_t pct_normalize(char *dst, const char *src, size_t n,
				   bool userinfo)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *end = src + n;
	char *w = dst;
	int hi, lo;

	while (src < end) {
		unsigned char c = (unsigned char)*src;
		if (c != '%') {
			if (must_encode(c) || (userinfo && strchr(":;=@/?#[]", c))) {
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

size_t url_pct_normalize(char *dst, const char *src, size_t n)
{
	return pct_normalize(dst, src, n, false);
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

/* The host of a normalized URL made of HOST as curl returns it: a new
 * string (caller frees with free()), or NULL if browsers would refuse it
 * or it is no DNS name or IP address.  Lower-cased; an internationalized
 * name in its ASCII (punycode) form; IPv4 addresses in the dotted-decimal
 * form browsers give them (curl gives it too, but not to "1.2.3.4." nor
 * through a name libidn2 maps to a number); IPv6 literals as browsers
 * spell them. */
static char *host_normalize(const char *host)
{
	const char *p;
	char *hn, *q, *ip;
	size_t n;

	for (p = host; *p && (unsigned char)*p < 0x80; p++)
		;
	if (*p) {
		/* By libidn2: curl 7.88's CURLU_PUNYCODE fails here. */
		char *ascii = NULL;
		if (idn2_to_ascii_8z(host, &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK &&
		    idn2_to_ascii_8z(host, &ascii, IDN2_TRANSITIONAL) != IDN2_OK) {
			idn2_free(ascii);
			return NULL;
		}
		/* "\uff05\uff14\uff11" maps to "%41", which curl would decode. */
		hn = host_ok(ascii) ? reparse_host(ascii) : NULL;
		idn2_free(ascii);
		if (!hn)
			return NULL;
	} else {
		hn = xstrdup(host);
	}
	for (q = hn; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	if (hn[0] == '[') {
		ip = ipv6_spelling(hn);
		free(hn);
		return ip;
	}
	if (ends_in_number(hn)) {
		n = strlen(hn);
		if (hn[n - 1] == '.') {
			hn[n - 1] = '\0';
			ip = reparse_host(hn);
			free(hn);
			hn = ip;
		}
		if (hn && !is_dotted_quad(hn)) {
			free(hn);
			return NULL;
		}
		return hn;
	}
	if (!host_ok(hn)) {
		free(hn);
		return NULL;
	}
	return hn;
}

/* Query parameters removed from every URL (url_strip_params()). */
static const char *const *strip_pat;
static size_t strip_n;

void url_strip_params(const char *const *patterns, size_t n)
{
	strip_pat = n ? patterns : NULL;
	strip_n = strip_pat ? n : 0;
}

/* Writes "?" and query Q (N bytes) normalized at P, without the parameters
 * url_strip_params() names (nothing at all if none is left); returns the
 * end.  Parameters are compared by their normalized name, so
 * "utm%5Fsource" is "utm_source". */
static char *query_write(char *p, const char *q, size_t n)
{
	char *start = p + 1, *r, *w, *end;

	*p = '?';
	end = start + url_pct_normalize(start, q, n);
	if (!strip_n)
		return end;
	*end = '\0';
	for (r = w = start; r < end;) {
		char *amp = memchr(r, '&', (size_t)(end - r)), *next, *eq;
		size_t len;
		bool drop = false;

		next = amp ? amp : end;
		len = (size_t)(next - r);
		eq = memchr(r, '=', len);
		if (len) {
			char name[256];
			size_t nl = eq ? (size_t)(eq - r) : len;

			if (nl < sizeof name) {
				memcpy(name, r, nl);
				name[nl] = '\0';
				for (size_t i = 0; i < strip_n && !drop; i++)
					drop = fnmatch(strip_pat[i], name, 0) == 0;
			}
		}
		if (!drop && len) {
			if (w != start)
				*w++ = '&';
			memmove(w, r, len);
			w += len;
		}
		r = amp ? amp + 1 : end;
	}
	/* No parameter left: no "?" either. */
	return w == start ? p : w;
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
	     *hn = NULL;
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
	hn = host_normalize(host);
	if (!hn)
		goto out;
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK)
		curl_url_get(h, CURLUPART_PASSWORD, &pass, 0);
	/* As browsers: "u:@h" is "u@h", and "@h" or ":@h" is "h". */
	if (pass && !*pass) {
		curl_free(pass);
		pass = NULL;
	}
	if (user && !*user && !pass) {
		curl_free(user);
		user = NULL;
	}
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
		p += pct_normalize(p, user, strlen(user), true);
		if (pass) {
			*p++ = ':';
			p += pct_normalize(p, pass, strlen(pass), true);
		}
		*p++ = '@';
	}
	p = stpcpy(p, hn);
	if (port) {
		*p++ = ':';
		p = stpcpy(p, port);
	}
	p += url_pct_normalize(p, path, pl);
	if (query)
		p = query_write(p, query, ql);
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
	free(hn);
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
	if (ql)
		p = query_write(p, query, ql);
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
	const char *auth, *q, *p, *s;
	char buf[HREF_ROOM], *own = NULL;
	long r;
	size_t n, sl;
	CURLUcode rc = CURLUE_MALFORMED_INPUT;

	memset(b, 0, sizeof *b);
	if (!h)
		abort();
	r = href_clean(buf, base, strlen(base));
	if (r < 0)
		goto fail;
	n = (size_t)r;
	sl = scheme_len(buf, n);
	if (!sl || !is_http_scheme(buf, sl))
		goto fail;
	n = scheme_slashes(buf, sl, n);
	s = authority_prepare(buf, &n, sl + 3, &own);
	if (s)
		rc = curl_url_set(h, CURLUPART_URL, s, parse_flags);
	free(own);
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
	char buf[HREF_ROOM], *own = NULL, *abs = NULL, *out = NULL;
	const char *s = buf;
	long r = href_clean(buf, href, len);
	size_t n, sl;
	bool net;
	CURLU *h;

	if (r < 0)
		return NULL;
	n = (size_t)r;
	sl = scheme_len(s, n);
	if (sl && !is_http_scheme(s, sl))
		return NULL;
	if (sl && sl + 1 == b->scheme_len && strncasecmp(s, b->self, sl) == 0 &&
	    !(s[sl + 1] == '/' && s[sl + 2] == '/')) {
		/* "http:x" on an http page is "x" to browsers. */
		s += sl + 1;
		n -= sl + 1;
		sl = 0;
	} else if (sl) {
		n = scheme_slashes(buf, sl, n);
	} else if (s[0] == '/' && s[1] == '/') {
		/* Browsers read "///h/x" as "//h/x". */
		while (s[2] == '/') {
			s++;
			n--;
		}
	}
	/* curl_url resolves "" and "#x" to the base's directory; for a link
	 * they mean the page itself. */
	if (n == 0 || s[0] == '#')
		return xstrdup(b->self);
	if (sl || (s[0] == '/' && s[1] == '/')) {
		s = authority_prepare(s, &n, sl ? sl + 3 : 2, &own);
		if (!s)
			return NULL;
	}
	/* A reference without a scheme is made absolute here (RFC 3986,
	 * 5.2.2 and 5.2.3) and curl is handed that absolute URL, which it
	 * parses and normalizes: a path or query ("x.html", "/p/x.html",
	 * "?q") after the base's directory, origin or path, a network path
	 * ("//h/x") after its scheme.  This spares curl_url_set() formatting
	 * the whole base URL again for every link, its way of resolving. */
	net = !sl && s[0] == '/' && s[1] == '/';
	if (!sl) {
		size_t pre;
		if (net)
			pre = b->scheme_len;
		else if (s[0] == '/')
			pre = b->origin_len;
		else if (s[0] == '?')
			pre = b->origin_len + strcspn(b->self + b->origin_len, "?");
		else
			pre = b->dir_len;
		abs = xmalloc(pre + n + 1);
		memcpy(abs, b->self, pre);
		memcpy(abs + pre, s, n + 1);
	}
	h = curl_url();
	if (!h)
		abort();
	if (curl_url_set(h, CURLUPART_URL, abs ? abs : s, parse_flags) == CURLUE_OK)
		out = abs && !net ? finish_path(h, b) : finish(h);
	curl_url_cleanup(h);
	free(abs);
	free(own);
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
