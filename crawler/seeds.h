/*
 * seeds.h - reading a seeds file: one URL per line, blank lines and lines
 * starting with '#' ignored, each URL normalized (url.h).  A line that is
 * not an http(s) URL is reported with its line number and skipped.
 *
 * The file is streamed, never held in memory: a million seeds cost the
 * coordinator nothing once they are stored.  Runs in the coordinator.
 */
#ifndef TRAWL_SEEDS_H
#define TRAWL_SEEDS_H

#include <stdbool.h>

/* Calls FN(ARG, url) for each URL of file PATH, in order; the url is
 * borrowed for the call.  FN returns 0 to go on, 1 to stop early, -1 to
 * fail.  With REPORT, bad lines are reported on stderr as
 * "PATH:LINE: ...".  Returns the number of URLs handed to FN, or -1 if the
 * file cannot be read (reported) or FN failed. */
long seeds_read(const char *path, bool report,
		int (*fn)(void *arg, const char *url), void *arg);

#endif
