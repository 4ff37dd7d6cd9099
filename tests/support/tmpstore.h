/*
 * tmpstore.h - a fresh trawl database in a temp directory, with a job
 * claimed, for unit tests of modules that run over a real store (the
 * frontier and its politeness rules).
 *
 * Runs in the test process: set up in a suite's .init, released in its
 * .fini.  Helpers check with cr_assert.  The directory is removed whether
 * the test passed or not: it holds nothing but the database.
 */
#ifndef TRAWL_TEST_TMPSTORE_H
#define TRAWL_TEST_TMPSTORE_H

#include <limits.h>
#include <stdint.h>

struct store;

struct tmpstore {
	char dir[64];
	char path[PATH_MAX];    /* DIR/trawl.db */
	struct store *st;       /* open read-write */
	int64_t job;            /* job "test", claimed */
};

/* Makes /tmp/NAME.XXXXXX and opens a new database in it. */
void tmpstore_init(struct tmpstore *t, const char *name);

/* Closes the store and opens it again, claiming the job again: what a
 * restarted crawl sees. */
void tmpstore_reopen(struct tmpstore *t);

/* Closes the store and removes the database, its -wal and -shm files and
 * the directory.  Accepts a tmpstore never initialized (zeroed). */
void tmpstore_release(struct tmpstore *t);

#endif
