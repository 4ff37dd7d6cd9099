/*
 * url.h - URL resolution, normalization and fingerprints.
 *
 * Parsing and resolution are libcurl's URL API (curl_url); this module adds
 * what a crawler needs on top: the fix-ups browsers apply to hrefs found in
 * real pages, one canonical spelling per URL, and a 64-bit fingerprint of
 * that spelling.
 *
 * A normalized URL is absolute http or https; scheme and host lower-case;
 * the host a DNS name (internationalized names in punycode), an IPv4
 * address in dotted decimal or an IPv6 literal as browsers spell it; no
 * default port; no fragment; dot segments removed; empty path "/"; no
 * empty query; percent-encodings upper-case with unreserved characters
 * decoded, bytes RFC 3986 forbids raw encoded; at most URL_MAX_LEN bytes.
 * Normalization is idempotent.  Resolution follows browsers (the WHATWG
 * URL standard, checked against its test data by test_url_whatwg.c) where
 * they and curl differ on links real pages hold.
 *
 * Runs in workers (resolve: ~40 calls per page, the hot path) and in the
 * coordinator (seeds, fingerprints, hosts).
 */
#ifndef TRAWL_URL_H
#define TRAWL_URL_H

#include <stddef.h>
#include <stdint.h>

#define URL_MAX_LEN 2083

struct url_base {
	void *cu;          /* CURLU * of the base URL; opaque so callers need no curl.h */
	char *self;        /* the base itself, normalized (target of "" and "#x") */
	size_t scheme_len; /* "http:" in self */
	size_t origin_len; /* "http://host:port" in self */
	size_t dir_len;    /* self up to the last '/' of its path, included */
};

/* Parses BASE (absolute) for resolving many hrefs against it, with the
 * fix-ups of url_resolve() ("http:x" is "http://x").  Returns 0, or -1 if
 * BASE is not an absolute http(s) URL. */
int url_base_init(struct url_base *b, const char *base);
void url_base_release(struct url_base *b);

/* Resolves HREF (LEN bytes, not necessarily NUL-terminated) against B and
 * normalizes it.  As browsers do: leading and trailing spaces and
 * controls trimmed, tabs and newlines removed, other controls encoded; a
 * backslash before the query is '/'; "http:x" on an http page is "x",
 * and after another http(s) scheme any number of slashes is "//"; "" and
 * "#x" are the page itself; user info ends at the last '@'; a host ending
 * in a number must be an IPv4 address.  Returns a new string (caller frees
 * with free()), or NULL when HREF is not a fetchable link: another scheme
 * (mailto:, javascript:, data:, ...), malformed, a host that is no DNS
 * name or IP address (percent-encoded hosts included), or longer than
 * URL_MAX_LEN. */
char *url_resolve(const struct url_base *b, const char *href, size_t len);

/* From now on, in this process and the workers it forks, normalization
 * removes the query parameters whose name (after percent-normalization)
 * matches one of the N fnmatch() glob PATTERNS, e.g. "utm_*", "sessionid"
 * (config key "strip_params"); a query left empty goes with its "?".
 * PATTERNS are borrowed and must outlive every later call; N = 0 turns it
 * off.  Set it once, before forking. */
void url_strip_params(const char *const *patterns, size_t n);

/* Normalizes absolute URL U.  Returns a new string (caller frees with
 * free()) or NULL if U is not an absolute http(s) URL. */
char *url_normalize(const char *u);

/* Copies the N bytes of a path or query at SRC to DST with the
 * percent-encoding of a normalized URL: %xx upper-cased, unreserved
 * characters decoded, bytes not allowed raw encoded, a stray '%' as %25.
 * DST needs room for 3 * N bytes; no NUL is written.  Returns the bytes
 * written. */
size_t url_pct_normalize(char *dst, const char *src, size_t n);

/* 64-bit fingerprint of the LEN bytes at S; never 0. */
uint64_t url_fingerprint(const char *s, size_t len);

/* The host of normalized URL U, without port or user info: a pointer into
 * U and its length in *LEN (borrowed, valid while U is).  Returns NULL if U
 * has no "://". */
const char *url_host(const char *u, size_t *len);

/* The "host[:port]" authority of normalized URL U, likewise borrowed. */
const char *url_authority(const char *u, size_t *len);

#endif
