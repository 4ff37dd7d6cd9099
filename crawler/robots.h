/*
 * robots.h - robots.txt (RFC 9309): which paths of a host trawl may fetch.
 *
 * robots_parse() keeps the rules of the groups that name trawl's product
 * token (case-insensitive; all such groups merged) or, when none does, of
 * the "*" groups.  robots_allowed() applies them to a path: the longest
 * matching pattern wins, Allow wins a tie, "*" matches any run of
 * characters and a final "$" anchors at the end; patterns and paths are
 * compared with their percent-encoding normalized.  /robots.txt itself is
 * always allowed.  Sitemap: lines are kept whatever group they are in.
 *
 * Beyond RFC 9309, trawl reads robots.txt as Google's parser does where the
 * author's intent is plain (tests/unit/test_robots_google.c says which of
 * Google's extensions are taken and why): a line without its colon
 * ("Disallow /x") when it has exactly two words, a few frequent misspelt
 * keys ("useragent", "disalow", "site-map", ...), a partial UTF-8 byte
 * order mark, and lines cut at ROBOTS_MAX_LINE bytes.
 *
 * Every buffer has a ceiling: the caps below bound a parse to a few
 * megabytes whatever the body, and robots_allowed() to time linear in the
 * path and the patterns per rule.
 *
 * Runs in the coordinator: parse once per host, check once per URL.
 */
#ifndef TRAWL_ROBOTS_H
#define TRAWL_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of a body that are parsed (RFC 9309 section 2.5 asks for at least
 * 500 KiB); when a body is longer, a line the cut falls inside is dropped. */
#define ROBOTS_MAX_BODY (500 * 1024)
/* Bytes of one line that are read; the rest of the line is ignored (as
 * Google's parser does: 8 URLs of 2083 bytes, less its terminator). */
#define ROBOTS_MAX_LINE (8 * 2083 - 1)
/* Allow and Disallow rules kept for the group that applies; more are
 * ignored. */
#define ROBOTS_MAX_RULES 20000
/* Sitemap: URLs kept (distinct, non-empty, at most 2083 bytes each). */
#define ROBOTS_MAX_SITEMAPS 1000

/* What a parse left out because of a cap above (bits of robots_cuts()). */
enum robots_cut {
	ROBOTS_CUT_BODY = 1 << 0,     /* body over ROBOTS_MAX_BODY */
	ROBOTS_CUT_LINE = 1 << 1,     /* a line over ROBOTS_MAX_LINE */
	ROBOTS_CUT_RULES = 1 << 2,    /* over ROBOTS_MAX_RULES rules */
	ROBOTS_CUT_SITEMAPS = 1 << 3, /* over ROBOTS_MAX_SITEMAPS sitemaps */
};

struct robots;

/* Parses the LEN bytes of BODY for AGENT (a product token such as
 * "trawl").  Never fails: garbage gives no rules.  Caller frees with
 * robots_free(). */
struct robots *robots_parse(const char *body, size_t len, const char *agent);

/* Rules for a host whose robots.txt could not be had: allow everything
 * (4xx) or nothing (5xx, unreachable). */
struct robots *robots_new_all(bool allow);

void robots_free(struct robots *r);

/* True if PATH (path and query of a normalized URL, starting with '/';
 * "" is read as "/") may be fetched. */
bool robots_allowed(const struct robots *r, const char *path);

/* The group's Crawl-delay in milliseconds, or -1 when it has none. */
long robots_crawl_delay_ms(const struct robots *r);

/* The URLs of the Sitemap: lines, in file order, as written (comment and
 * surrounding blanks removed, not normalized).  Sets *URLS to an array of
 * the returned count, borrowed, valid until robots_free(R). */
size_t robots_sitemaps(const struct robots *r, const char *const **urls);

/* What the parse left out: a set of enum robots_cut bits, 0 when nothing
 * (for the caller to log, naming the host). */
unsigned robots_cuts(const struct robots *r);

/* The product token of a User-Agent string: "trawl/0.1 (+info)" gives
 * "trawl".  Writes at most SIZE bytes to BUF; returns BUF. */
char *robots_agent_token(const char *user_agent, char *buf, size_t size);

#endif
