/*
 * stats.c - the shared counter mapping (see stats.h).  Made once in the
 * coordinator before any fork.
 */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"

struct stats_worker *stats_map(int n)
{
	void *p = mmap(NULL, sizeof(struct stats_worker) * (size_t)n,
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		log_error("mmap of %d stats blocks: %s", n, strerror(errno));
		return NULL;
	}
	return p;
}

void stats_unmap(struct stats_worker *s, int n)
{
	if (s)
		munmap(s, sizeof(struct stats_worker) * (size_t)n);
}
