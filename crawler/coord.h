/*
 * coord.h - the coordinator: runs one crawl job from seeds to summary.
 *
 * It owns all state: the store (the only writer), the frontier, the seen
 * set, scope and the worker pool.  Workers only fetch and parse what it
 * orders.  Results are committed in batches (every 500 results or 250 ms,
 * whichever comes first, and before exit).  A failure worth retrying
 * (no answer, 429, 5xx) is stored as a pending retry with exponential
 * backoff instead of a page, up to conf->retries times.
 *
 * Politeness is decided here and kept per host by the frontier: a 429 or
 * 503 with Retry-After (seconds or an HTTP date, at most 1 hour) holds
 * the whole host until then and retries the URL then; without it the
 * host backs off (frontier.h); robots.txt Crawl-delay (capped by
 * max_crawl_delay) raises the host's floor above --delay.
 *
 * What a new URL must pass before it is queued (links, redirect targets,
 * sitemap entries), else it is stored as skipped with the reason: scope
 * ("scope", "include", "exclude"), length over max_url_length
 * ("too-long"), a path segment repeated more than max_segment_repeats
 * times ("trap"), more than max_query_variants query strings on its path
 * ("query-limit"), more than max_pages_per_host URLs on its host
 * ("host-limit").  Seeds pass the host limit only.  At dispatch: robots.txt
 * rules ("robots"), a robots.txt that never answered
 * ("robots-unavailable"), a host whose address the worker refused
 * ("blocked-address").
 *
 * robots.txt (RFC 9309) is kept in the store per origin for robots_ttl
 * and shared by the jobs of the file; while a host's robots.txt cannot be
 * fetched (5xx, 429, no answer) its URLs wait and it is asked again with
 * backoff, up to conf->retries times (robots_done() in coord.c).
 *
 * Sitemaps (conf->sitemap, and with conf->sitemaps those robots.txt names)
 * are fetched once per job, one at a time, at most 1000 per job and 3
 * index levels deep; their URLs are queued as depth-0 URLs (scope,
 * limits and robots.txt apply) and their lastmod is stored with the URL.
 *
 * Stops: the first SIGINT/SIGTERM stops dispatching and lets transfers in
 * flight finish (10 s at most); a second one stops at once.  Either way
 * what was fetched is committed and the job resumes where it stopped.
 */
#ifndef TRAWL_COORD_H
#define TRAWL_COORD_H

#include "conf.h"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
	EXIT_INTERRUPTED = 130,
};

/* Runs the crawl described by C (finished, c->job set) from SEEDS (the
 * normalized seed URLs; taken over and emptied once they are stored, so a
 * million seeds cost no memory during the crawl).  Returns the process
 * exit status. */
int coord_run(struct conf *c, struct conf_list *seeds);

#endif
