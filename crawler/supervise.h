/*
 * supervise.h - the prefork pool: forks workers, notices their deaths,
 * respawns them, and stops them.
 *
 * Each worker slot owns a non-blocking, close-on-exec stream socketpair;
 * the coordinator keeps one end, the child the other.  A worker's death is
 * seen as EOF on its channel or through SIGCHLD (supervise_reap()).  The
 * coordinator decides what happens to the URLs a dead worker held; this
 * module only restarts processes, with a brake: more than MAX_DEATHS
 * deaths within DEATH_WINDOW_MS stops respawning (supervise_spawn() then
 * fails), so a worker that cannot run does not make the pool fork-loop.
 *
 * Runs in the coordinator.
 */
#ifndef TRAWL_SUPERVISE_H
#define TRAWL_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "ipc.h"
#include "stats.h"

#define SUPERVISE_MAX_DEATHS 10
#define SUPERVISE_DEATH_WINDOW_MS 10000

struct wslot {
	pid_t pid;          /* 0 when no process */
	int fd;             /* coordinator's end, -1 when none */
	bool ready;         /* sent its ready frame */
	int inflight;       /* orders it holds */
	uint64_t last_beat; /* its stats beat when last seen to move */
	long long beat_at;  /* when that was (monotonic ms) */
	struct ipc_in in;
	struct ipc_out out;
};

struct supervise {
	int n;
	struct wslot *w;
	struct stats_worker *stats;
	const struct conf *conf;
	long long deaths[SUPERVISE_MAX_DEATHS];  /* times of recent deaths */
	int ndeaths;
	int total_deaths;
};

/* Maps the shared stats and forks N workers.  Returns 0 or -1. */
int supervise_start(struct supervise *s, const struct conf *conf, int n);

/* Forks a worker into SLOT (which must be empty).  Returns 0, or -1 when
 * fork fails or the brake is on (logged). */
int supervise_spawn(struct supervise *s, int slot);

/* Closes SLOT's channel and forgets its process (already dead or about to
 * be killed); records the death for the brake. */
void supervise_lost(struct supervise *s, int slot);

/* Reaps exited children without blocking; logs how each ended.  Returns
 * the number reaped.  For each reaped child still attached to a slot,
 * *SLOT_DIED is called. */
int supervise_reap(struct supervise *s, void (*died)(void *arg, int slot),
		   void *arg);

/* Stops every worker: closes the channels (workers exit on EOF), waits up
 * to GRACE_MS, then SIGKILLs what is left and reaps it.  Unmaps stats. */
void supervise_stop(struct supervise *s, int grace_ms);

#endif
