/*
 * progress.c - live display and summary (see progress.h).  Runs in the
 * coordinator, at most five times a second.
 */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define BAR 24

void progress_init(struct progress *p, bool on)
{
	memset(p, 0, sizeof *p);
	p->on = on;
	p->start = p->last_t = now_ms();
}

void progress_clear(struct progress *p)
{
	char buf[64];
	int n;

	if (!p->on || p->lines == 0)
		return;
	/* Up to the first line, then clear to the end of the screen. */
	n = snprintf(buf, sizeof buf, "\r\033[%dA\033[J", p->lines);
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
	p->lines = 0;
}

void progress_tick(struct progress *p, const struct progress_info *in,
		   struct stats_worker *st)
{
	long long now = now_ms();
	char out[8192];
	size_t len = 0;
	int i, lines = 0;
	double dt;

	if (!p->on || now - p->last_t < 200)
		return;
	dt = (double)(now - p->last_t) / 1000.0;
	if (dt > 0) {
		double r = (double)(in->pages - p->last_pages) / dt;
		p->rate = p->rate == 0 ? r : 0.7 * p->rate + 0.3 * r;
	}
	p->last_t = now;
	p->last_pages = in->pages;

#define ADD(...) len += (size_t)snprintf(out + len, sizeof out - len, __VA_ARGS__)
	if (p->lines)
		ADD("\r\033[%dA", p->lines);
	ADD("\033[Jtrawl: %lld pages, %lld queued, %lld errors, %lld skipped, "
	    "%.0f pages/s, %d in flight, %llds%s\n",
	    (long long)in->pages, (long long)in->queued, (long long)in->errors,
	    (long long)in->skipped, p->rate, in->inflight,
	    (now - p->start) / 1000, in->draining ? " (stopping)" : "");
	lines++;
	for (i = 0; i < in->workers && len < sizeof out - 200; i++) {
		unsigned fl = atomic_load_explicit(&st[i].inflight, memory_order_relaxed);
		unsigned phase = atomic_load_explicit(&st[i].phase, memory_order_relaxed);
		int fill = in->concurrency ? (int)((fl * BAR + (unsigned)in->concurrency - 1) /
						   (unsigned)in->concurrency) : 0;
		char bar[BAR + 1];
		if (fill > BAR)
			fill = BAR;
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(BAR - fill));
		bar[BAR] = '\0';
		ADD("  w%-2d [%s] %3u/%d in flight  %8llu pages  %s\n", i, bar, fl,
		    in->concurrency, (unsigned long long)stats_get(&st[i].pages),
		    phase == PHASE_PARSE ? "parsing" : phase == PHASE_FETCH ? "fetching" : "idle");
		lines++;
	}
#undef ADD
	if (len >= sizeof out)
		len = sizeof out - 1;
	if (write(STDERR_FILENO, out, len) < 0)
		return;
	p->lines = lines;
}
