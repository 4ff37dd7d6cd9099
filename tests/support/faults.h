/*
 * faults.h - what the fault tests need beyond proc.h: a seeded PRNG to draw
 * fault points from, and the children of a running process (to kill
 * workers).  Environment variables and a file size limit for the child,
 * and running a program in the background, are proc.h's (struct
 * proc_opts, proc_spawn()).
 *
 * Runs in the test process only.
 */
#ifndef TRAWL_TEST_FAULTS_H
#define TRAWL_TEST_FAULTS_H

#include <stdint.h>
#include <sys/types.h>

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

#endif
