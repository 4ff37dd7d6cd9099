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
