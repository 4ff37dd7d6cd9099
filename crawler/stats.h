/*
 * stats.h - per-worker counters in one shared anonymous mapping.
 *
 * Made by the coordinator before it forks; each worker writes only its own
 * block (relaxed atomics, no locks), the coordinator only reads them for
 * the progress display and the summary.  One block per worker, on its own
 * cache lines, so workers never share a line.
 */
#ifndef TRAWL_STATS_H
#define TRAWL_STATS_H

#include <stdatomic.h>
#include <stdint.h>

enum worker_phase { PHASE_IDLE, PHASE_FETCH, PHASE_PARSE };

struct stats_worker {
	_Atomic uint64_t pages;     /* results sent */
	_Atomic uint64_t errors;    /* results with an error */
	_Atomic uint64_t bytes;     /* body bytes received */
	_Atomic uint64_t parse_us;  /* time spent parsing */
	_Atomic uint64_t beat;      /* bumped every loop turn, at least 1/s */
	_Atomic uint32_t handling;  /* order id of the result being made, 0 */
	_Atomic uint32_t inflight;  /* transfers running now */
	_Atomic uint32_t phase;     /* enum worker_phase */
	_Atomic int32_t pid;
} __attribute__((aligned(64)));

/* Maps N zeroed blocks shared with future children.  NULL on failure
 * (logged). */
struct stats_worker *stats_map(int n);
void stats_unmap(struct stats_worker *s, int n);

static inline void stats_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t stats_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
