/*
 * robots.h - robots.txt (RFC 9309): which paths of a host trawl may fetch.
 *
 * robots_parse() keeps the rules of the groups that name trawl's product
 * token (case-insensitive; all such groups merged) or, when none does, of
 * the "*" groups.  robots_allowed() applies them to a path: the longest
 * matching pattern wins, Allow wins a tie, "*" matches any run of
 * characters and a final "$" anchors at the end; patterns and paths are
 * compared with their percent-encoding normalized.  /robots.txt itself is
 * always allowed.
 *
 * Runs in the coordinator: parse once per host, check once per URL.
 */
#ifndef TRAWL_ROBOTS_H
#define TRAWL_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

struct robots;

/* Parses the LEN bytes of BODY for AGENT (a product token such as
 * "trawl").  Never fails: garbage gives no rules.  Caller frees with
 * robots_free(). */
struct robots *robots_parse(const char *body, size_t len, const char *agent);

/* Rules for a host whose robots.txt could not be had: allow everything
 * (4xx) or nothing (5xx, unreachable). */
struct robots *robots_new_all(bool allow);

void robots_free(struct robots *r);

/* True if PATH (path and query of a normalized URL, starting with '/')
 * may be fetched. */
bool robots_allowed(const struct robots *r, const char *path);

/* The group's Crawl-delay in milliseconds, or -1 when it has none. */
long robots_crawl_delay_ms(const struct robots *r);

/* The product token of a User-Agent string: "trawl/0.1 (+info)" gives
 * "trawl".  Writes at most SIZE bytes to BUF; returns BUF. */
char *robots_agent_token(const char *user_agent, char *buf, size_t size);

#endif
