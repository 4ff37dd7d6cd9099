/*
 * frontier.h - what to fetch next: the seen set, per-host ready queues and
 * per-host politeness, over the URL rows in the store.
 *
 * Every queued URL lives in the store; memory holds a bounded window of
 * them (at most `window` entries), refilled from the store in id order as
 * it drains.  Ids grow with discovery, so the window is close to
 * breadth-first.  While every queued URL fits in the window, new URLs go
 * straight into it; once one does not fit, new URLs stay on disk until a
 * refill reaches them.
 *
 * The seen set maps each URL fingerprint of the job (queued, fetched,
 * skipped, or merely found too deep) to the smallest depth it was found at.
 *
 * Per host ("scheme://host:port"): at most per_host entries in flight and at least
 * delay_ms between two dispatches.  Hosts with work and room take turns.
 *
 * Politeness beyond that (frontier_set_policy()): a host's delay between
 * request starts is the largest of
 *   - its floor: the frontier's delay_ms, or what frontier_host_delay()
 *     set (the coordinator's max(delay, robots.txt Crawl-delay));
 *   - its backoff: 0 while it answers well; after a throttling answer
 *     (429 or 503 without Retry-After) max(1 s, 2 x the delay it had),
 *     at most max(backoff_max_ms, floor).  Answers to requests sent
 *     before the last increase do not increase it again, so a burst of
 *     per_host failures counts once.  Each good answer (sent after the
 *     increase) halves the part above the other two; under 100 ms it is
 *     dropped;
 *   - its autothrottle delay (off by default, as Scrapy's AutoThrottle):
 *     after each answer, the mean of the previous delay and latency /
 *     target, clamped to [floor, max(floor, autothrottle_max_ms)]; an
 *     answer that is not 2xx may raise it but never lowers it (error
 *     pages are fast and would feed back into faster requests).
 * frontier_host_pause() holds a host until a time (Retry-After).
 *
 * Trap limits: frontier_admit() counts the URLs taken per host
 * (max_per_host) and the distinct query strings per scheme+host+path
 * (max_query_variants).  Host counts are exact, rebuilt from the store by
 * frontier_load().  Query counts live in a fixed table of 65,536 paths
 * (768 KiB, made at the first URL with a query), 4-way set-associative:
 * when a set is full the path with the smallest count is forgotten, so
 * a path that has many variants stays counted and a forgotten one starts
 * again from 1 (counts can only be too low).  frontier_load() rebuilds
 * them too, from the URLs not skipped.
 *
 * Runs in the coordinator.  frontier_seen() is called ~40 times per page,
 * frontier_pop() once per dispatched URL.
 */
#ifndef TRAWL_FRONTIER_H
#define TRAWL_FRONTIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct frontier;
struct host;

/* A URL in memory, queued or in flight. */
struct fentry {
	struct fentry *next;     /* in its host's queue */
	struct host *host;
	int64_t id;              /* urls row id */
	uint64_t fp;
	int depth;
	int attempts;            /* fetches that failed and were retried */
	int hops;                /* redirects followed to reach url */
	uint64_t *chain;         /* fingerprints of those hops, or NULL */
	unsigned hop_status;     /* the status of the redirect to url, or 0 */
	long long due;           /* when a deferred retry may go (monotonic) */
	long long sent;          /* when frontier_pop() last gave it out */
	int crashes;             /* workers that died handling it */
	int deaths;              /* workers that died with it in flight */
	char url[];              /* normalized */
};

#define SEEN_NONE (-1)

struct frontier *frontier_new(struct store *s, int64_t job, size_t window,
			      int per_host, long delay_ms);
void frontier_free(struct frontier *f);

/* What frontier_new() does not set; all 0 / false by default (no
 * backoff cap means 60 s).  Call before frontier_load(). */
struct frontier_policy {
	long backoff_max_ms;        /* largest backoff delay, 60000 */
	bool autothrottle;
	double autothrottle_target; /* requests in flight wanted per host */
	long autothrottle_max_ms;   /* largest autothrottle delay */
	long max_per_host;          /* URLs taken per host, 0 = no limit */
	long max_query_variants;    /* per scheme+host+path, 0 = no limit */
};
void frontier_set_policy(struct frontier *f, const struct frontier_policy *p);

/* Seen set.  frontier_seen() returns the recorded depth or SEEN_NONE;
 * frontier_mark() records depth D (a smaller D lowers it). */
int frontier_seen(const struct frontier *f, uint64_t fp);
void frontier_mark(struct frontier *f, uint64_t fp, int depth);
size_t frontier_seen_count(const struct frontier *f);
/* Bytes the seen set takes now. */
size_t frontier_seen_bytes(const struct frontier *f);

/* Rebuilds the seen set from the store (on resume) and starts the window
 * from the first queued row.  Returns 0 or -1. */
int frontier_load(struct frontier *f);

/* Stores URL as queued (state URL_QUEUED) and queues it in memory if the
 * window has room.  Returns 1 if added, 0 if the job had it, -1 on error.
 * The caller has checked scope and marked it seen. */
int frontier_add(struct frontier *f, uint64_t fp, const char *url, int depth,
		 int64_t parent);

/* Takes the next entry whose host may be fetched at NOW (ms, monotonic):
 * counts it in flight for its host.  Returns NULL if none may go now;
 * *WAKE is then the time a delayed host becomes ready (0 if none). */
struct fentry *frontier_pop(struct frontier *f, long long now, long long *wake);

/* Queues URL, the target of a redirect from the URL of row ID, in memory
 * only (the row stays queued until the chain ends, so a stop restarts the
 * chain): its page will be stored under ID.  Takes ownership of CHAIN
 * (HOPS fingerprints, malloc'd).  STATUS is the redirect's (hop_status). */
void frontier_add_hop(struct frontier *f, int64_t id, uint64_t fp,
		      const char *url, int depth, int hops, uint64_t *chain,
		      unsigned status);

/* The fetch of E ended: frees E, lets its host go again. */
void frontier_done(struct frontier *f, struct fentry *e);

/* The fetch of E failed and is to be tried again at DUE (monotonic ms):
 * E waits until then, counted as waiting, then joins its host's queue. */
void frontier_defer(struct frontier *f, struct fentry *e, long long due);

/* Frees an entry the frontier no longer holds (one in flight when the
 * crawl ends).  Accepts NULL. */
void frontier_entry_free(struct fentry *e);

/* E goes back to the front of its host's queue (its worker died). */
void frontier_requeue(struct frontier *f, struct fentry *e);

/* Entries in memory waiting, and whether the store may hold more. */
size_t frontier_waiting(const struct frontier *f);
bool frontier_empty(struct frontier *f);

/* Loads more queued rows if the window is below half full.  -1 on error. */
int frontier_refill(struct frontier *f);

/* Hosts.  A host is "scheme://host:port" (robots.txt is per origin).  A
 * held host is not served until released: its robots.txt is on the way.
 * Its data is the coordinator's (borrowed; the coordinator frees it via
 * frontier_each_host() before frontier_free()).  Its delay overrides the
 * frontier's when >= 0 (robots.txt Crawl-delay). */
void frontier_hold(struct frontier *f, struct host *h, bool hold);
void *frontier_host_data(const struct host *h);
void frontier_host_set_data(struct host *h, void *data);
const char *frontier_host_name(const struct host *h);
void frontier_host_delay(struct host *h, long ms);
void frontier_each_host(struct frontier *f, void (*fn)(void *arg, struct host *h),
			void *arg);

/* The host of normalized URL U (made if new).  Borrowed, valid until
 * frontier_free(). */
struct host *frontier_host_of(struct frontier *f, const char *u);

/* The delay between request starts that applies to H now (ms): the
 * largest of its floor, backoff and autothrottle delays. */
long frontier_host_delay_ms(const struct frontier *f, const struct host *h);

/* H is not served before UNTIL (monotonic ms), whatever its delay. */
void frontier_host_pause(struct host *h, long long until);

/* H answered a request sent at SENT with a throttling answer (429 or
 * 503 without Retry-After) at NOW: its backoff grows (see above) and it
 * waits that long from NOW. */
void frontier_host_backoff(struct frontier *f, struct host *h, long long now,
			   long long sent);

/* H answered a request sent at SENT well (2xx, 3xx, 4xx but 429): its
 * backoff shrinks. */
void frontier_host_recover(struct frontier *f, struct host *h, long long sent);

/* H answered in LATENCY_MS, with a 2xx if OK: autothrottle's step (no-op
 * when autothrottle is off). */
void frontier_host_latency(struct frontier *f, struct host *h, long latency_ms,
			   bool ok);

/* Takes URL (LEN bytes, normalized) into the trap counts: NULL if it may
 * be queued (counted), else why not: "host-limit" (its host had
 * max_per_host URLs) or, if QUERY, "query-limit" (its path had
 * max_query_variants query strings; only URLs with a query count).  The
 * caller admits only URLs it has not seen before. */
const char *frontier_admit(struct frontier *f, const char *url, size_t len,
			   bool query);

/* True if the path of URL (LEN bytes, normalized) is a crawler trap: one
 * segment occurs more than MAX_REPEATS times in it, anywhere.  Segments
 * are the non-empty strings between slashes of the path (query left
 * out), compared byte for byte, the last one (file name) included:
 * with MAX_REPEATS 2, /a/b/a/b/a/b/ and /x/x/x/ are traps, /2026/11/22/,
 * /page/1/page/2 and /a/b/c/a/b/c are not.  MAX_REPEATS <= 0: never.
 * O(length of the path), no allocation. */
bool frontier_url_trap(const char *url, size_t len, long max_repeats);

/* The Retry-After header value V (RFC 9110 10.2.3: delay-seconds or an
 * HTTP-date, the IMF-fixdate, RFC 850 and asctime forms) as milliseconds
 * from NOW (seconds since the epoch): >= 0 (a date in the past is 0), or
 * -1 if V is NULL or neither form.  Seconds too many to hold are
 * LLONG_MAX / 2. */
long long frontier_retry_after_ms(const char *v, long long now);

#endif
