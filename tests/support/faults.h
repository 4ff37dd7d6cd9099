/*
 * faults.h - what the fault tests need beyond proc.h: a seeded PRNG to draw
 * fault points from, the children of a running process (to kill workers),
 * and a runner that can set an environment variable and a file size limit
 * in the child between fork and exec, and can leave the program running
 * while the test does other things.
 *
 * Runs in the test process only.  A program started here gets its own
 * process group, stdin from /dev/null and stdout/stderr into files, as
 * proc_run() does, and is waited for under a hard time limit, after which
 * its whole group is killed.  Waiting fills a struct proc_result (proc.h),
 * so both runners' results are checked the same way.
 */
#ifndef TRAWL_TEST_FAULTS_H
#define TRAWL_TEST_FAULTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc.h"

/* splitmix64: tiny, seedable, good enough to pick fault points. */
struct faults_rng {
	uint64_t s;
};

/* $TRAWL_FAULT_SEED if set (decimal or 0x hex), else one from the clock
 * and the pid.  Tests print it so that a failure can be replayed. */
uint64_t faults_seed(void);
void faults_rng_init(struct faults_rng *r, uint64_t seed);
uint64_t faults_rng_next(struct faults_rng *r);
/* Uniform in [LO, HI]; LO <= HI. */
long faults_rng_range(struct faults_rng *r, long lo, long hi);

/* The live (not zombie) children of PID's main thread, read from
 * /proc/PID/task/PID/children: up to MAX of them into OUT.  Returns how
 * many there are (possibly more than MAX), or -1 if PID is gone. */
int faults_children(pid_t pid, pid_t *out, int max);

/* The child of the calling thread that leads its own process group: the
 * program proc_run() is running, seen from its ready() callback.  -1 if
 * there is none. */
pid_t faults_running_child(void);

struct faults_opts {
	const char *out_file;     /* stdout goes here (created/truncated) */
	const char *err_file;     /* stderr goes here */
	const char *const *env;   /* "NAME=VALUE" set in the child only,
	                             NULL-terminated; or NULL */
	long long fsize_limit;    /* > 0: RLIMIT_FSIZE of the child, bytes */
};

/* Start ARGV (argv[0] is a path) in the background.  Returns its pid (also
 * its process group), or -1 if it could not be started (logged).  O is
 * copied.  Finish with faults_wait(), which must be called exactly once. */
pid_t faults_spawn(char *const argv[], const struct faults_opts *o);

/* True while PID has not exited; does not reap it. */
bool faults_running(pid_t pid);

/* Wait for PID (from faults_spawn() with O) up to TIMEOUT_MS from now,
 * then SIGKILL its group.  Fills R as proc_run() does, with ms counted
 * from the start of the wait, and processes of its group still there
 * 2 s after it ended reported in leftovers/leftover_desc and killed.
 * Caller releases R with proc_result_release(). */
void faults_wait(pid_t pid, const struct faults_opts *o,
		 long long timeout_ms, struct proc_result *r);

/* faults_spawn() then faults_wait(): 0, or -1 if it could not start. */
int faults_run(char *const argv[], const struct faults_opts *o,
	       long long timeout_ms, struct proc_result *r);

#endif
