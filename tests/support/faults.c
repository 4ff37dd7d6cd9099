/*
 * faults.c - fault injection helpers for the integration tests (see
 * faults.h).
 *
 * Runs in the test process.  Programs are run by proc.c, which sets the
 * environment and the file size limit the fault tests ask for.
 */
#include "faults.h"

#include "log.h"
#include "proc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- PRNG ---- */

uint64_t faults_seed(void)
{
	const char *s = getenv("TRAWL_FAULT_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^
	       (uint64_t)getpid() << 32;
}

void faults_rng_init(struct faults_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t faults_rng_next(struct faults_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

long faults_rng_range(struct faults_rng *r, long lo, long hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	return lo + (long)(faults_rng_next(r) % span);
}

/* ---- processes ---- */

/* State letter and process group of PID from /proc/PID/stat; 0 if gone. */
static char proc_state(pid_t pid, pid_t *pgrp)
{
	char path[64], *stat, *close, state = 0;
	int pg;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	stat = proc_read_file(path, NULL);
	if (!stat)
		return 0;
	/* comm may hold spaces and parentheses: parse after the last ')'. */
	close = strrchr(stat, ')');
	if (close && sscanf(close + 1, " %c %*d %d", &state, &pg) == 2) {
		if (pgrp)
			*pgrp = pg;
	} else {
		state = 0;
	}
	free(stat);
	return state;
}

/* Pids in a children file, up to MAX; returns how many there are, or -1
 * if it cannot be read. */
static int read_children(const char *path, pid_t *out, int max, bool live)
{
	char *buf = proc_read_file(path, NULL), *p, *end;
	int n = 0;

	if (!buf)
		return -1;
	for (p = buf;; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v <= 0)
			continue;
		if (live) {
			char st = proc_state((pid_t)v, NULL);
			if (st == 0 || st == 'Z' || st == 'X')
				continue;
		}
		if (n < max)
			out[n] = (pid_t)v;
		n++;
	}
	free(buf);
	return n;
}

int faults_children(pid_t pid, pid_t *out, int max)
{
	char path[80];

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	return read_children(path, out, max, true);
}

pid_t faults_running_child(void)
{
	char path[80];
	pid_t kids[64];
	int n, i;

	snprintf(path, sizeof path, "/proc/self/task/%ld/children",
		 (long)syscall(SYS_gettid));
	n = read_children(path, kids, 64, false);
	for (i = 0; i < n && i < 64; i++) {
		pid_t pgrp = 0;

		if (proc_state(kids[i], &pgrp) && pgrp == kids[i])
			return kids[i];
	}
	return -1;
}
