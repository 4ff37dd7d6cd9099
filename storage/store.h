/*
 * store.h - trawl's state: jobs, the URL frontier and seen set on disk,
 * and fetched pages.  One SQLite file (store_sqlite.c); a second backend
 * is a second file implementing this header.
 *
 * Writers: only the coordinator, and only through one struct store.
 * Writes made between store_begin() and store_commit() land together; the
 * coordinator batches hundreds of results per transaction.  Readers
 * (export, status) open their own store and see committed snapshots.
 *
 * Every row carries its job.  URL states and their meaning:
 *   queued   waiting to be fetched (at start, nothing is in flight: a URL
 *            that was being fetched when trawl stopped is still queued)
 *   done     fetched, a page row exists (whatever its HTTP status)
 *   failed   fetch failed for good (error set on its page row)
 *   skipped  never fetched, with a reason: scope, include, exclude,
 *            robots, robots-unavailable, blocked-address, too-long, trap,
 *            query-limit, host-limit (coord.h says when)
 *
 * All functions log their own errors (naming the database path and the
 * SQLite message) and return -1; callers only pass it up.
 */
#ifndef TRAWL_STORE_H
#define TRAWL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

enum store_mode { STORE_RW, STORE_RO };

enum url_state { URL_QUEUED = 0, URL_DONE = 1, URL_FAILED = 2, URL_SKIPPED = 3 };

const char *url_state_name(int state);

/* Opens (STORE_RW: creates and migrates) the database at PATH.  Checks
 * that it is a trawl database of a schema this build knows and, for
 * STORE_RW, that it is writable, before changing anything.  Returns NULL
 * after logging why and what to do. */
struct store *store_open(const char *path, enum store_mode mode);
void store_close(struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
bool store_in_tx(const struct store *s);

/* Jobs. */
struct job_info {
	int64_t id;
	char *name;
	char *state;       /* "running", "finished", "stopped" */
	long pid;          /* of the crawl holding it, 0 if none */
};

/* Finds or creates job NAME and claims it for this process (pid).  If a
 * live process already holds it, logs that process's pid and returns -1.
 * *RESUMED is set when the job existed. */
int store_job_claim(struct store *s, const char *name, const char *config,
		    int64_t *job, bool *resumed);
/* Sets the job's state ("finished", "stopped") and releases the claim. */
int store_job_release(struct store *s, int64_t job, const char *state);
/* The job's cookie jar ("cookies"; Netscape lines, each ended by '\n'):
 * *TEXT NULL if none was stored, else caller frees with free(); *LEN its
 * length. */
int store_job_cookies(struct store *s, int64_t job, char **text, size_t *len);
/* Replaces the job's cookie jar with the LEN bytes of TEXT.  Call inside
 * store_begin()/store_commit(), with the results that set the cookies. */
int store_job_set_cookies(struct store *s, int64_t job, const char *text,
			  size_t len);
/* Looks job NAME up; NAME NULL means the only job (-1 with a message that
 * lists the jobs if there are several).  Caller frees fields with
 * store_job_info_release(). */
int store_job_find(struct store *s, const char *name, struct job_info *ji);
void store_job_info_release(struct job_info *ji);

/* URLs. */
struct url_row {
	int64_t id;
	uint64_t fp;
	const char *url;   /* borrowed for the callback's duration */
	int depth;
	int state;
	int attempts;      /* failed fetches so far (queued rows) */
	int64_t next_at;   /* wall ms before which it waits, 0 = none */
};

/* Adds a URL with STATE (queued or skipped with REASON).  Returns 1 and
 * sets *ID if it was new, 0 if the job had it already, -1 on error. */
int store_url_add(struct store *s, int64_t job, uint64_t fp, const char *url,
		  int depth, int64_t parent, int state, const char *reason,
		  int64_t *id);
/* Marks URL row ID skipped with REASON (e.g. "robots"). */
int store_url_skip(struct store *s, int64_t id, const char *reason);
/* Records a failed fetch of queued URL row ID to be retried at NEXT_AT
 * (wall ms): it stays queued with ATTEMPTS failures. */
int store_url_retry(struct store *s, int64_t id, int attempts, int64_t next_at);
/* Lowers a queued URL's depth. */
int store_url_set_depth(struct store *s, int64_t job, uint64_t fp, int depth);
/* Calls FN for queued URLs of JOB with id > AFTER, in id order, at most
 * LIMIT of them.  Returns the number of rows, -1 on error. */
long store_url_queued(struct store *s, int64_t job, int64_t after, long limit,
		      void (*fn)(void *arg, const struct url_row *r), void *arg);
/* Calls FN for every URL of JOB (rebuilding the seen set on resume);
 * r->url is set. */
int store_url_all(struct store *s, int64_t job,
		  void (*fn)(void *arg, const struct url_row *r), void *arg);
/* Records LASTMOD (a sitemap's W3C datetime, as written) for JOB's URL
 * with fingerprint FP, whatever its state. */
int store_url_set_lastmod(struct store *s, int64_t job, uint64_t fp,
			  const char *lastmod);

/* robots.txt, kept per origin ("scheme://host[:port]") for every job of
 * the file.  BODY is at most ROBOTS_MAX_BODY bytes (robots.h); SITEMAPS
 * its Sitemap: URLs, one a line, or NULL. */
struct robots_rec {
	int64_t fetched_at;       /* ms since the epoch */
	int status;               /* HTTP status of the answer */
	char *body;               /* store_robots_get(): caller frees */
	size_t body_len;
	char *sitemaps;           /* likewise */
};
/* Fills *R with ORIGIN's stored robots.txt, whatever its age: 1, or 0
 * if none is stored, -1 on error.  Caller frees with
 * store_robots_rec_release(). */
int store_robots_get(struct store *s, const char *origin, struct robots_rec *r);
/* Stores R as ORIGIN's robots.txt, replacing what was there. */
int store_robots_put(struct store *s, const char *origin,
		     const struct robots_rec *r);
void store_robots_rec_release(struct robots_rec *r);

/* Sitemaps of a job, each fetched once.  DEPTH: 0 for a sitemap named by
 * the config or a robots.txt, n + 1 for one listed by an index of depth
 * n.  store_sitemap_add() returns 1 if URL was new to JOB (queued), 0 if
 * JOB had it, -1 on error. */
int store_sitemap_add(struct store *s, int64_t job, const char *url, int depth);
/* Records the fetch of sitemap URL: STATE URL_DONE, URL_FAILED or
 * URL_SKIPPED; STATUS the HTTP status (0: none); KIND "urlset", "index"
 * or NULL; NURLS the entries it gave; ERROR NULL or why it failed. */
int store_sitemap_done(struct store *s, int64_t job, const char *url, int state,
		       int status, const char *kind, long nurls, const char *error);
/* Calls FN for each queued sitemap of JOB, in the order they were added;
 * returns the number of sitemaps JOB has in any state, or -1. */
long store_sitemap_queued(struct store *s, int64_t job,
			  void (*fn)(void *arg, const char *url, int depth),
			  void *arg);

/* Pages. */
struct page_rec {
	int64_t url_id;
	const char *url;          /* export only */
	const char *job_name;     /* export only */
	const char *final_url;
	int status;               /* HTTP status, 0 if none */
	int depth;
	int64_t fetched_at;       /* ms since the epoch */
	const char *content_type;
	int64_t bytes;
	int64_t elapsed_ms;
	const char *etag, *last_modified;
	uint64_t content_hash;
	const char *title, *description, *canonical;
	const char *links;        /* each link followed by a NUL */
	size_t links_len;         /* bytes, NULs included */
	const char *fields;       /* JSON object text or NULL */
	const char *error;        /* NULL if the fetch worked */
	const void *body;         /* zlib-compressed body or NULL */
	size_t body_len;
	bool noindex;             /* the page asked not to be indexed: store
				     the fetch, not the content */
};

/* Stores a fetch result and moves its URL to STATE (done or failed).
 * Returns 1 if the page was stored, 0 if its URL had a page row already
 * (a page fetched twice is stored once: its items must not be added
 * again), -1 on error. */
int store_page_add(struct store *s, int64_t job, const struct page_rec *p,
		   int state);
/* Number of page rows of JOB. */
int64_t store_page_count(struct store *s, int64_t job);

/* What export reads: every field 0 or NULL means "no restriction". */
struct store_filter {
	const char *extractor;    /* items of this extractor only */
	int64_t since;            /* fetched at or after (ms since the epoch) */
	int status_min, status_max; /* pages (and their items, links) whose
				   HTTP status is in [min, max] */
	enum {
		STORE_ANY = 0,
		STORE_OK,         /* pages without error / valid items */
		STORE_ERROR,      /* pages with an error / invalid items */
	} outcome;
};

/* Calls FN for every page of JOB matching F (NULL: all) in fetch order,
 * from one read transaction (a consistent snapshot).  FN returns 0 to go
 * on, -1 to stop (the call then returns -1).  Memory stays constant
 * whatever the count. */
int store_page_each(struct store *s, int64_t job, const struct store_filter *f,
		    int (*fn)(void *arg, const struct page_rec *p), void *arg);

/* Items: what a job's extraction rules made of a page. */
struct item_rec {
	int64_t id;
	int64_t url_id;           /* the page's URL row */
	const char *extractor;
	const char *fields;       /* JSON object text, written by jansson */
	const char *error;        /* NULL for a valid item, else what failed */
	/* export only: */
	const char *url, *job_name;
	int64_t fetched_at;       /* the page's, ms since the epoch */
};

/* Adds an item of the page stored for URL row IT->url_id (call it in the
 * same transaction as store_page_add(), and only when that returned 1). */
int store_item_add(struct store *s, int64_t job, const struct item_rec *it);

/* Calls FN for every item of JOB matching F (NULL: all) in insertion
 * order, from one snapshot, as store_page_each().  Strings are borrowed
 * for the call's duration. */
int store_item_each(struct store *s, int64_t job, const struct store_filter *f,
		    int (*fn)(void *arg, const struct item_rec *it), void *arg);


/* Counts for `status`. */
struct job_counts {
	int64_t by_state[4];      /* indexed by enum url_state */
	int64_t pages, errors, noindex;
	struct { int status; int64_t n; } http[64];
	size_t nhttp;
	int64_t items, invalid_items;
	struct { char name[64]; int64_t n, invalid; } extractors[32];
	size_t nextractors;
};
int store_job_counts(struct store *s, int64_t job, struct job_counts *c);

#endif
