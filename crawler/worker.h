/*
 * worker.h - a worker process: fetches what the coordinator orders with
 * one curl multi handle, parses HTML, and sends results back.
 *
 * A worker decides nothing about policy (scope, dedup, politeness): it
 * fetches every order it gets, up to conf->concurrency at once, and the
 * coordinator never sends more than that (credit-based flow control).
 * Its life is tied to its channel: EOF from the coordinator means exit.
 */
#ifndef TRAWL_WORKER_H
#define TRAWL_WORKER_H

#include "conf.h"
#include "stats.h"

/* Runs worker SLOT on channel FD until told to stop or the coordinator is
 * gone.  Called in the child right after fork(); returns the exit status
 * for the child (0, or 1 on a fatal error). */
int worker_run(int slot, int fd, const struct conf *conf,
	       struct stats_worker *stats);

#endif
