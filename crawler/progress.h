/*
 * progress.h - the live display on a terminal and the closing summary.
 *
 * The display redraws in place on stderr (a few lines: totals, rate, one
 * bar per worker showing its transfers in flight and its pages).  It is
 * drawn only when conf->progress is on; the summary is printed either way.
 * Runs in the coordinator, a few times a second.
 */
#ifndef TRAWL_PROGRESS_H
#define TRAWL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

struct progress_info {
	int64_t pages;       /* fetched in this run */
	int64_t errors;
	int64_t queued;      /* waiting, in memory and on disk */
	int64_t skipped;
	int inflight;
	int workers;
	int concurrency;
	bool draining;
};

struct progress {
	bool on;
	int lines;           /* lines drawn last time, to go back over */
	long long start, last_t;
	int64_t last_pages;
	double rate;         /* pages/s, smoothed */
};

void progress_init(struct progress *p, bool on);
/* Redraws if at least 200 ms passed since the last draw. */
void progress_tick(struct progress *p, const struct progress_info *in,
		   struct stats_worker *st);
/* Erases the display (before a log line or the summary). */
void progress_clear(struct progress *p);

#endif
