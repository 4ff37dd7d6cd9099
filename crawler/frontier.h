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
	long long due;           /* when a deferred retry may go (monotonic) */
	int crashes;             /* workers that died handling it */
	int deaths;              /* workers that died with it in flight */
	char url[];              /* normalized */
};

#define SEEN_NONE (-1)

struct frontier *frontier_new(struct store *s, int64_t job, size_t window,
			      int per_host, long delay_ms);
void frontier_free(struct frontier *f);

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
 * (HOPS fingerprints, malloc'd). */
void frontier_add_hop(struct frontier *f, int64_t id, uint64_t fp,
		      const char *url, int depth, int hops, uint64_t *chain);

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

#endif
