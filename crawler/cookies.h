/*
 * cookies.h - a job's cookie jar as text: the Netscape lines libcurl's
 * cookie engine reads (CURLOPT_COOKIELIST) and writes
 * (CURLINFO_COOKIELIST), merged by key.
 *
 * A line is seven tab-separated fields: domain (optionally prefixed
 * "#HttpOnly_"), tail-match TRUE/FALSE, path, secure TRUE/FALSE, expiry
 * (seconds since the epoch, 0 for a session cookie), name, value (may be
 * empty).  A cookie's key is its domain (case ignored, without the
 * prefix and a leading dot), path and name.  Jar text is lines each ended
 * by '\n'.
 *
 * Invariants of a struct cookies: one entry per key, none expired (expiry
 * 0 never expires), at most COOKIES_MAX entries and COOKIES_TEXT_MAX bytes
 * of text, so a whole jar fits one "cookies" message (proto.h).  Merging
 * is "the latest wins": a line replaces the entry of its key, and an
 * expired line (a "tombstone", expiry 1) removes it.
 *
 * Runs in the coordinator (the job's jar: a merge per message from a
 * worker, at most about one a second per worker) and in workers (what the
 * coordinator has been told, to send only what changed).  Sizes are tens
 * of cookies; the bounds are for hostile servers.
 */
#ifndef TRAWL_COOKIES_H
#define TRAWL_COOKIES_H

#include <stddef.h>
#include <stdint.h>

#define COOKIES_MAX 10000            /* entries in a jar, lines in a message */
#define COOKIES_LINE_MAX 8192        /* bytes in a line, without its '\n' */
#define COOKIES_TEXT_MAX (1u << 20)  /* bytes of jar text */

struct cookie {
	char *line;          /* without its '\n' (owned) */
	size_t len;
	uint32_t dom, domlen, path, pathlen, name, namelen; /* the key */
	int64_t expires;     /* 0: session cookie */
	uint64_t stamp;      /* merge order: higher is later */
	int fresh;           /* during a merge: 1 came with the new text,
				2 and changed the jar; else 0 */
};

struct cookies {
	struct cookie *v;    /* sorted by key */
	size_t n, cap;
	size_t bytes;        /* of the jar's text, newlines included */
	uint64_t stamp;
};

void cookies_init(struct cookies *j);
void cookies_release(struct cookies *j);

/* 0 if the LEN bytes at LINE (no '\n') are a well-formed cookie line,
 * else -1. */
int cookies_line_ok(const char *line, size_t len);

/* Merges jar text TEXT (LEN bytes) into J at wall time NOW (seconds):
 * lines in order, each replacing its key's entry (a later line of the
 * same key wins); malformed lines are skipped.  Expired entries go, and
 * then the oldest merged ones while J is over its caps.  If CHANGED is
 * not NULL, *CHANGED is set to the text of the lines that changed J
 * (a new key, a different line, or a tombstone that removed an entry),
 * NUL-terminated, caller frees with free(), and *CHANGED_LEN to its
 * length; NULL and 0 when nothing did.  Returns the number of entries added, replaced or
 * removed (expiry and caps included). */
long cookies_merge(struct cookies *j, const char *text, size_t len, int64_t now,
		   char **changed, size_t *changed_len);

/* J's text, oldest merged first (so merging it into an empty jar keeps
 * the order the caps go by), NUL-terminated.  Caller frees with free();
 * *LEN its length.  Never NULL. */
char *cookies_text(const struct cookies *j, size_t *len);

/* What turns WAS into NOW for a reader that holds WAS: the lines of NOW
 * that WAS lacks or holds differently, then a tombstone (the line with
 * expiry 1) for each key of WAS, not expired at time T, that NOW lacks.
 * Capped at COOKIES_MAX lines and COOKIES_TEXT_MAX bytes (the rest is
 * dropped), NUL-terminated.  Caller frees with free(); NULL with *LEN 0
 * if there is no difference.  *ADDED (if not NULL): how many of the lines
 * are for keys WAS lacks. */
char *cookies_diff(const struct cookies *was, const struct cookies *now,
		   int64_t t, size_t *len, size_t *added);

#endif
