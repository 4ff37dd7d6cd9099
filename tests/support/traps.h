/*
 * traps.h - a hostile test site: each page exercises one way a server can
 * hurt a crawler, all linked from the home page "/".
 *
 * Runs in the test process, on testsrv's libmicrohttpd threads (it is a
 * testsrv_start_handler() handler; the request log is testsrv's).  Every
 * response is bounded on the server side whatever the crawler does: the
 * trickle ends after TRAPS_TRICKLE_MAX_S seconds, the endless body after
 * TRAPS_ENDLESS_CAP bytes, generated link chains at a fixed limit, and a
 * stopping server ends every stream within 100 ms.
 *
 * Endpoints (all linked from "/", at depth 1, unless said otherwise):
 *
 *   /robots.txt          see enum traps_robots; the rules are
 *                          User-agent: slowbot / Crawl-delay: 30 /
 *                          Disallow: /   (another agent's group: ignore)
 *                          User-agent: * / Disallow: /trap/private/
 *   /trap/robots/real.txt  the same rules (the target of the redirect)
 *   /trap/small.html     a small page for the robots tests: links to
 *                        /trap/open.html, /trap/private/ and
 *                        /trap/private/secret.html (not linked from "/")
 *   /trap/open.html      a plain page, title "Open"
 *   /trap/private/, /trap/private/secret.html  pages robots.txt disallows
 *                        (both linked from "/" too)
 *   /trap/private/from-redirect.html  also disallowed; reached only by
 *                        the redirect /trap/redir/private
 *
 *   /trap/rate/429.html  429 with "Retry-After: 1" to the first
 *                        TRAPS_RATE_FAILS requests, then 200 "Rate 429"
 *   /trap/rate/503.html  503 without Retry-After to the first
 *                        TRAPS_RATE_FAILS requests, then 200 "Rate 503"
 *
 *   /trap/redir/loop-a   301 to /trap/redir/loop-b, which 301s back to
 *                        loop-a (loop-b is not linked)
 *   /trap/redir/self     301 to itself
 *   /trap/redir/private  302 into /trap/private/ (robots.txt applies to
 *                        each hop)
 *   /trap/redir/long/0   302 to long/1, ... long/11 302 to long/12:
 *                        TRAPS_LONG_HOPS hops, more than trawl's default
 *                        of 10; long/12 is a page "Long end"
 *   /trap/redir/three/0  301 to three/1, 301 to three/2, 301 to
 *                        /trap/redir/three-end.html, page "Chain end"
 *                        (only reachable through the chain)
 *
 *   /trap/slow/trickle.html  200 text/html, one byte a second, chunked;
 *                        ends after TRAPS_TRICKLE_MAX_S seconds
 *   /trap/big/endless.html   200 text/html, chunked, an HTML paragraph
 *                        repeated up to TRAPS_ENDLESS_CAP bytes
 *   /trap/big/bomb.html  200 text/html, Content-Encoding: gzip: about
 *                        100 KiB that inflate to TRAPS_BOMB_SIZE bytes
 *                        (an HTML head, then spaces)
 *
 *   /trap/cal/YYYY/MM    a calendar month (YYYY 1..9999, MM 1..12, as
 *                        "2026/11" or "2026/1"; 404 outside) linking to
 *                        the previous and next month; "/" links 2026/11
 *   /trap/loop/          links "a/", so /trap/loop/a/, /trap/loop/a/a/,
 *                        ... up to TRAPS_LOOP_MAX "a" segments (then 404)
 *   /trap/query?p=N      links to ?p=N+1, ?p=N+1&sort=asc and
 *                        ?p=N+1&sort=desc (N up to 100000); "/" links p=0
 *
 *   /trap/type/html-as-png.png  an HTML page sent as image/png; its link
 *                        to /trap/type/never.html must not be followed
 *   /trap/type/png-as-html.html a PNG sent as text/html (no title, no
 *                        links)
 *   /trap/type/never.html  a page nothing followable links to
 *
 *   /trap/charset/header-latin1.html  "text/html; charset=iso-8859-1",
 *                        Latin-1 bytes: title TRAPS_TITLE_HEADER_LATIN1
 *   /trap/charset/meta-latin1.html    "text/html", <meta charset=
 *                        "iso-8859-1">: title TRAPS_TITLE_META_LATIN1
 *   /trap/charset/meta-http-equiv.html  "text/html", <meta http-equiv=
 *                        "Content-Type" ... charset=iso-8859-1>: title
 *                        TRAPS_TITLE_HTTP_EQUIV
 *   /trap/charset/bad-utf8.html       "text/html; charset=utf-8", title
 *                        "Bad " 0xFF 0xFE " bytes, café" (é valid UTF-8)
 *
 * Any other path answers 404.  Titles below are UTF-8.
 */
#ifndef TRAWL_TEST_TRAPS_H
#define TRAWL_TEST_TRAPS_H

struct testsrv;
struct traps;

#define TRAPS_RATE_FAILS 2
#define TRAPS_LONG_HOPS 12
#define TRAPS_TRICKLE_MAX_S 30
#define TRAPS_ENDLESS_CAP (64LL << 20)
#define TRAPS_BOMB_SIZE (100LL << 20)
#define TRAPS_LOOP_MAX 100

#define TRAPS_TITLE_HEADER_LATIN1 "Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e"
#define TRAPS_TITLE_META_LATIN1 "Na\xc3\xafve fa\xc3\xa7" "ade"
#define TRAPS_TITLE_HTTP_EQUIV "\xc3\x80 bient\xc3\xb4t"

/* What /robots.txt answers. */
enum traps_robots {
	TRAPS_ROBOTS_RULES,    /* 200 text/plain, the rules above */
	TRAPS_ROBOTS_404,      /* 404: no rules, everything allowed */
	TRAPS_ROBOTS_500,      /* 500, always */
	TRAPS_ROBOTS_500_ONCE, /* 500 to the first request, then the rules */
	TRAPS_ROBOTS_REDIRECT, /* 301 to /trap/robots/real.txt */
};

/* Builds the site (the gzip bomb takes ~0.2 s) and serves it on 127.0.0.1
 * and an ephemeral port.  NULL if the server cannot start (logged).
 * Caller stops with traps_stop(). */
struct traps *traps_start(enum traps_robots robots);

/* The server, for testsrv_url(), testsrv_hits(), testsrv_log().
 * Borrowed, valid until traps_stop(). */
struct testsrv *traps_srv(const struct traps *t);

/* Ends every stream, stops the server and frees.  Accepts NULL. */
void traps_stop(struct traps *t);

#endif
