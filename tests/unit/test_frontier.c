/*
 * test_frontier.c - crawler/frontier.c over a real SQLite store: the seen
 * set against a naive reference model, per-host limits and delays,
 * round-robin between hosts, the bounded window refilled from the store,
 * requeue, and resume (frontier_load after reopening the store).
 *
 * Each test gets its own mkdtemp() directory under /tmp with a fresh
 * database and a claimed job; teardown removes them.
 */
#include "frontier.h"
#include "log.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "tmpstore.h"
#include "url.h"

static struct tmpstore ts;
static struct frontier *fr;

static void setup(void)
{
	tmpstore_init(&ts, "test_frontier");
}

static void teardown(void)
{
	frontier_free(fr);
	fr = NULL;
	tmpstore_release(&ts);
}

TestSuite(frontier, .init = setup, .fini = teardown, .timeout = 20);

/* A frontier over the store, loaded as the coordinator does at start. */
static void start(size_t window, int per_host, long delay_ms)
{
	fr = frontier_new(ts.st, ts.job, window, per_host, delay_ms);
	cr_assert_not_null(fr);
	cr_assert_eq(frontier_load(fr), 0);
}

static uint64_t fp_of(const char *u)
{
	return url_fingerprint(u, strlen(u));
}

/* Adds URL at DEPTH as the coordinator does: mark seen, then add. */
static int add(const char *u, int depth)
{
	uint64_t fp = fp_of(u);

	frontier_mark(fr, fp, depth);
	return frontier_add(fr, fp, u, depth, 0);
}

static struct fentry *pop_at(long long now)
{
	long long wake;

	/* *wake is only defined when NULL comes back. */
	return frontier_pop(fr, now, &wake);
}

static void expect_url(const struct fentry *e, const char *u)
{
	cr_assert_not_null(e, "popped NULL, want %s", u);
	cr_expect_str_eq(e->url, u);
	cr_expect_eq(e->fp, fp_of(u));
}

/* ---- seen set ---- */

static uint64_t rnd64(unsigned *seed)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 16 ^ (uint64_t)(rand_r(seed) & 0xffff);
	return v;
}

/* The reference: a sorted array, binary search, insertion by memmove. */
struct model {
	uint64_t *fp;
	int *depth;
	size_t n, cap;
};

static size_t model_find(const struct model *m, uint64_t fp, bool *found)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->fp[mid] < fp)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->n && m->fp[lo] == fp;
	return lo;
}

static int model_seen(const struct model *m, uint64_t fp)
{
	bool found;
	size_t i = model_find(m, fp, &found);

	return found ? m->depth[i] : SEEN_NONE;
}

static void model_mark(struct model *m, uint64_t fp, int depth)
{
	bool found;
	size_t i = model_find(m, fp, &found);

	if (found) {
		if (depth < m->depth[i])
			m->depth[i] = depth;
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->fp = realloc(m->fp, m->cap * sizeof *m->fp);
		m->depth = realloc(m->depth, m->cap * sizeof *m->depth);
	}
	memmove(m->fp + i + 1, m->fp + i, (m->n - i) * sizeof *m->fp);
	memmove(m->depth + i + 1, m->depth + i, (m->n - i) * sizeof *m->depth);
	m->fp[i] = fp;
	m->depth[i] = depth;
	m->n++;
}

Test(frontier, seen_set_matches_reference_model)
{
	enum { OPS = 60000 };
	struct model m = { 0 };
	uint64_t *keys = malloc(OPS * sizeof *keys);
	size_t nkeys = 0, i;
	unsigned seed = 20261121;
	int op;

	start(100, 4, 0);
	cr_expect_eq(frontier_seen_count(fr), 0);
	for (op = 0; op < OPS; op++) {
		int r = rand_r(&seed) % 10;
		uint64_t fp;

		if (r < 5 || nkeys == 0) {
			/* A new key: fully random, or sharing its low 20 bits
			 * with many others so that probe chains get long. */
			fp = rnd64(&seed);
			if (r % 2)
				fp = (fp & ~(uint64_t)0xfffff) | (uint64_t)(op % 3);
			if (fp == 0)
				fp = 1;
			keys[nkeys++] = fp;
		} else if (r < 7) {
			fp = keys[(size_t)rand_r(&seed) % nkeys]; /* again */
		} else {
			/* Look up a key, known or not. */
			fp = r == 9 ? rnd64(&seed) | 1 : keys[(size_t)rand_r(&seed) % nkeys];
			if (frontier_seen(fr, fp) != model_seen(&m, fp))
				cr_assert_fail("op %d fp %016llx: %d, model %d", op,
					       (unsigned long long)fp, frontier_seen(fr, fp),
					       model_seen(&m, fp));
			continue;
		}
		{
			int d = rand_r(&seed) % 255;
			frontier_mark(fr, fp, d);
			model_mark(&m, fp, d);
		}
		if (frontier_seen(fr, fp) != model_seen(&m, fp))
			cr_assert_fail("after mark, op %d: %d, model %d", op,
				       frontier_seen(fr, fp), model_seen(&m, fp));
	}
	cr_assert_eq(frontier_seen_count(fr), m.n);
	cr_assert_gt(m.n, 20000, "the set grew well past its first size");
	for (i = 0; i < nkeys; i++)
		if (frontier_seen(fr, keys[i]) != model_seen(&m, keys[i]))
			cr_assert_fail("key %zu", i);
	free(keys);
	free(m.fp);
	free(m.depth);
}

Test(frontier, seen_keeps_minimum_depth)
{
	start(100, 4, 0);
	cr_expect_eq(frontier_seen(fr, 42), SEEN_NONE);
	frontier_mark(fr, 42, 5);
	cr_expect_eq(frontier_seen(fr, 42), 5);
	frontier_mark(fr, 42, 7);
	cr_expect_eq(frontier_seen(fr, 42), 5, "a larger depth does not raise it");
	frontier_mark(fr, 42, 2);
	cr_expect_eq(frontier_seen(fr, 42), 2);
	frontier_mark(fr, 42, 0);
	cr_expect_eq(frontier_seen(fr, 42), 0);
	cr_expect_eq(frontier_seen_count(fr), 1);
}

/* ---- adding and popping ---- */

Test(frontier, add_reports_new_and_known_urls)
{
	start(100, 4, 0);
	cr_expect(frontier_empty(fr), "empty store: nothing to do");
	cr_expect_eq(add("http://a.com/1", 0), 1);
	cr_expect_eq(add("http://a.com/1", 3), 0, "the job had it");
	cr_expect_eq(frontier_waiting(fr), 1);
	cr_expect(!frontier_empty(fr));
}

Test(frontier, pops_what_was_added_with_its_depth)
{
	struct fentry *e;

	start(100, 4, 0);
	cr_assert_eq(add("http://a.com/x", 3), 1);
	e = pop_at(1000);
	expect_url(e, "http://a.com/x");
	cr_expect_eq(e->depth, 3);
	cr_expect_gt(e->id, 0);
	cr_expect_eq(frontier_waiting(fr), 0);
	cr_expect_null(pop_at(1000));
	frontier_done(fr, e);
	cr_expect(frontier_empty(fr));
}

Test(frontier, pop_on_empty_frontier_sets_no_wake)
{
	long long wake = 12345;

	start(100, 4, 0);
	cr_expect_null(frontier_pop(fr, 1000, &wake));
	cr_expect_eq(wake, 0);
}

Test(frontier, limits_in_flight_per_host)
{
	struct fentry *e1, *e2, *e3;
	long long wake = -1;

	start(100, 2, 0);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	add("http://a.com/3", 1);
	e1 = pop_at(1000);
	e2 = pop_at(1000);
	expect_url(e1, "http://a.com/1");
	expect_url(e2, "http://a.com/2");
	cr_expect_null(frontier_pop(fr, 1000, &wake), "two in flight: the third waits");
	cr_expect_eq(wake, 0, "no time makes it ready, only a done");
	cr_expect_eq(frontier_waiting(fr), 1);
	frontier_done(fr, e1);
	e3 = pop_at(1000);
	expect_url(e3, "http://a.com/3");
	frontier_done(fr, e2);
	frontier_done(fr, e3);
}

Test(frontier, host_limit_does_not_hold_back_other_hosts)
{
	struct fentry *a, *b;

	start(100, 1, 0);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	add("http://b.com/1", 1);
	a = pop_at(0);
	b = pop_at(0);
	expect_url(a, "http://a.com/1");
	expect_url(b, "http://b.com/1");
	cr_expect_null(pop_at(0));
	frontier_done(fr, a);
	frontier_done(fr, b);
	expect_url(a = pop_at(0), "http://a.com/2");
	frontier_done(fr, a);
}

Test(frontier, treats_ports_as_different_hosts)
{
	struct fentry *a, *b;

	start(100, 1, 0);
	add("http://a.com/1", 1);
	add("http://a.com:8080/1", 1);
	a = pop_at(0);
	b = pop_at(0);
	cr_assert_not_null(a);
	cr_assert_not_null(b, "a.com:8080 is not a.com");
	frontier_done(fr, a);
	frontier_done(fr, b);
}

Test(frontier, treats_schemes_as_different_hosts)
{
	struct fentry *a, *b;

	start(100, 1, 0);
	add("http://a.com/1", 1);
	add("https://a.com/1", 1);
	a = pop_at(0);
	b = pop_at(0);
	cr_assert_not_null(a);
	cr_assert_not_null(b, "https://a.com is another origin (robots.txt)");
	cr_expect_str_eq(frontier_host_name(a->host), "http://a.com");
	cr_expect_str_eq(frontier_host_name(b->host), "https://a.com");
	frontier_done(fr, a);
	frontier_done(fr, b);
}

/* BUG: frontier.c push() keys a host by the URL up to the end of its
 * authority, user info included, so "http://u:p@a.com/1" and
 * "http://a.com/2" are two hosts: two robots.txt fetches, and per_host and
 * the delay apply to each separately, so adding user info to links gets
 * around politeness.  frontier.h says a host is "scheme://host:port".
 * Fix: build the key from the scheme ("http://" or "https://") and
 * url_authority()'s result, which skips the user info. */
Test(frontier, user_info_does_not_make_another_host)
{
	struct fentry *a, *b;

	start(100, 1, 0);
	add("http://u:p@a.com/1", 1);
	add("http://a.com/2", 1);
	a = pop_at(0);
	cr_assert_not_null(a);
	cr_expect_str_eq(frontier_host_name(a->host), "http://a.com");
	b = pop_at(0);
	cr_expect_null(b, "per_host 1: one origin, one fetch at a time");
	frontier_done(fr, a);
	if (b)
		frontier_done(fr, b);
}

struct find {
	const char *name;
	struct host *h;
	int n;
};

static void find_host(void *arg, struct host *h)
{
	struct find *fd = arg;

	fd->n++;
	if (strcmp(frontier_host_name(h), fd->name) == 0)
		fd->h = h;
}

static struct host *host_named(const char *name)
{
	struct find fd = { name, NULL, 0 };

	frontier_each_host(fr, find_host, &fd);
	cr_assert_not_null(fd.h, "no host %s", name);
	return fd.h;
}

Test(frontier, names_hosts_by_origin_with_port)
{
	struct find fd = { "", NULL, 0 };

	start(100, 4, 0);
	add("http://a.com:8080/x", 1);
	add("http://a.com:8080/y", 1);
	add("https://b.com/", 1);
	cr_expect_not_null(host_named("http://a.com:8080"));
	cr_expect_not_null(host_named("https://b.com"));
	frontier_each_host(fr, find_host, &fd);
	cr_expect_eq(fd.n, 2, "one host per origin");
}

Test(frontier, held_host_waits_until_released)
{
	struct fentry *e;
	long long wake = -1;
	struct host *a;

	start(100, 4, 0);
	add("http://a.com/1", 1);
	add("http://b.com/1", 1);
	a = host_named("http://a.com");
	frontier_hold(fr, a, true);
	e = pop_at(0);
	expect_url(e, "http://b.com/1");
	frontier_done(fr, e);
	cr_expect_null(frontier_pop(fr, 0, &wake), "a.com is held");
	cr_expect_eq(wake, 0, "no time releases a hold");
	cr_expect_eq(frontier_waiting(fr), 1);
	frontier_hold(fr, a, false);
	e = pop_at(0);
	expect_url(e, "http://a.com/1");
	frontier_done(fr, e);
}

Test(frontier, done_does_not_release_a_held_host)
{
	struct fentry *e;
	struct host *a;

	start(100, 1, 0);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	e = pop_at(0);
	expect_url(e, "http://a.com/1");
	a = e->host;
	frontier_hold(fr, a, true);
	frontier_done(fr, e);
	cr_expect_null(pop_at(0), "room again, but still held");
	frontier_hold(fr, a, false);
	e = pop_at(0);
	expect_url(e, "http://a.com/2");
	frontier_done(fr, e);
}

Test(frontier, keeps_host_data_for_the_coordinator)
{
	int token = 7;
	struct host *a;

	start(100, 4, 0);
	add("http://a.com/1", 1);
	a = host_named("http://a.com");
	cr_expect_null(frontier_host_data(a));
	frontier_host_set_data(a, &token);
	cr_expect_eq(frontier_host_data(host_named("http://a.com")), &token);
}

Test(frontier, host_delay_overrides_frontier_delay)
{
	struct fentry *e1, *e2;
	long long wake = -1;

	start(100, 4, 0);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	add("http://b.com/1", 1);
	add("http://b.com/2", 1);
	frontier_host_delay(host_named("http://a.com"), 500);
	e1 = pop_at(1000);
	expect_url(e1, "http://a.com/1");
	frontier_done(fr, e1);
	e1 = pop_at(1000);
	expect_url(e1, "http://b.com/1");
	e2 = pop_at(1000);
	expect_url(e2, "http://b.com/2");
	frontier_done(fr, e1);
	frontier_done(fr, e2);
	cr_expect_null(frontier_pop(fr, 1000, &wake), "a.com's own delay");
	cr_expect_eq(wake, 1500);
	e1 = pop_at(1500);
	expect_url(e1, "http://a.com/2");
	frontier_done(fr, e1);
}

Test(frontier, host_delay_zero_overrides_frontier_delay)
{
	struct fentry *e1, *e2;

	start(100, 4, 100);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	frontier_host_delay(host_named("http://a.com"), 0);
	e1 = pop_at(1000);
	e2 = pop_at(1000);
	expect_url(e1, "http://a.com/1");
	expect_url(e2, "http://a.com/2");
	frontier_done(fr, e1);
	frontier_done(fr, e2);
}

Test(frontier, delays_next_dispatch_to_same_host)
{
	struct fentry *e1, *e2, *b;
	long long wake = -1;

	start(100, 4, 100);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	e1 = pop_at(5000);
	expect_url(e1, "http://a.com/1");
	cr_expect_null(frontier_pop(fr, 5000, &wake));
	cr_expect_eq(wake, 5100);
	cr_expect_null(frontier_pop(fr, 5099, &wake));
	cr_expect_eq(wake, 5100);
	/* Another host is not held back meanwhile. */
	add("http://b.com/1", 1);
	b = pop_at(5050);
	expect_url(b, "http://b.com/1");
	e2 = pop_at(5100);
	expect_url(e2, "http://a.com/2");
	frontier_done(fr, e1);
	frontier_done(fr, e2);
	frontier_done(fr, b);
}

Test(frontier, wake_is_the_earliest_delayed_host)
{
	struct fentry *a, *b;
	long long wake = -1;

	start(100, 4, 100);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	add("http://b.com/1", 1);
	add("http://b.com/2", 1);
	a = pop_at(1000);
	b = pop_at(1030);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_expect_null(frontier_pop(fr, 1040, &wake));
	cr_expect_eq(wake, 1100);
	frontier_done(fr, a);
	frontier_done(fr, b);
}

Test(frontier, serves_hosts_round_robin)
{
	static const char *const want[] = {
		"http://a.com/1", "http://b.com/1", "http://c.com/1",
		"http://a.com/2", "http://b.com/2", "http://c.com/2",
		"http://a.com/3", "http://b.com/3", "http://c.com/3",
	};
	size_t i;

	start(100, 10, 0);
	/* Grouped by host on purpose: the turns must interleave anyway. */
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	add("http://a.com/3", 1);
	add("http://b.com/1", 1);
	add("http://b.com/2", 1);
	add("http://b.com/3", 1);
	add("http://c.com/1", 1);
	add("http://c.com/2", 1);
	add("http://c.com/3", 1);
	for (i = 0; i < 9; i++) {
		struct fentry *e = pop_at(0);
		expect_url(e, want[i]);
		frontier_done(fr, e);
	}
	cr_expect_null(pop_at(0));
}

Test(frontier, host_back_from_its_limit_takes_its_turn_last)
{
	struct fentry *a1, *b1, *c1, *e;

	start(100, 1, 0);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	add("http://b.com/1", 1);
	add("http://b.com/2", 1);
	add("http://c.com/1", 1);
	add("http://c.com/2", 1);
	a1 = pop_at(0);
	b1 = pop_at(0);
	expect_url(a1, "http://a.com/1");
	expect_url(b1, "http://b.com/1");
	frontier_done(fr, a1);
	/* c has been waiting longer than a, which just came back. */
	c1 = pop_at(0);
	expect_url(c1, "http://c.com/1");
	e = pop_at(0);
	expect_url(e, "http://a.com/2");
	frontier_done(fr, e);
	frontier_done(fr, b1);
	frontier_done(fr, c1);
}

Test(frontier, requeue_puts_entry_back_first)
{
	struct fentry *e, *again;
	int64_t id;

	start(100, 1, 0);
	add("http://a.com/1", 1);
	add("http://a.com/2", 1);
	e = pop_at(0);
	expect_url(e, "http://a.com/1");
	id = e->id;
	cr_expect_eq(frontier_waiting(fr), 1);
	frontier_requeue(fr, e);
	cr_expect_eq(frontier_waiting(fr), 2);
	again = pop_at(0);
	expect_url(again, "http://a.com/1");
	cr_expect_eq(again->id, id);
	cr_expect_null(pop_at(0), "the host limit holds for the requeued entry");
	frontier_done(fr, again);
	e = pop_at(0);
	expect_url(e, "http://a.com/2");
	frontier_done(fr, e);
	cr_expect(frontier_empty(fr));
}

/* ---- the window ---- */

struct popped {
	int64_t id;
	char url[64];
};

/* Runs refill/pop/done cycles, as the coordinator's loop does, until the
 * frontier is empty; records what was popped in *OUT.  After cycle
 * ADD_AT, adds EXTRA more URLs.  Returns the count. */
static size_t drain(size_t window, struct popped *out, size_t max, int add_at,
		    int extra)
{
	struct fentry *batch[256];
	size_t n = 0;
	int cycle;

	for (cycle = 0; cycle < 10000 && !frontier_empty(fr); cycle++) {
		size_t nb = 0, i;
		struct fentry *e;

		cr_assert_eq(frontier_refill(fr), 0);
		cr_assert_leq(frontier_waiting(fr), window, "window exceeded");
		/* Pop a few, not all: refills happen at every fill level. */
		while (nb < 7 && (e = pop_at(0)) != NULL)
			batch[nb++] = e;
		for (i = 0; i < nb; i++) {
			cr_assert_lt(n, max, "more pops than URLs");
			out[n].id = batch[i]->id;
			snprintf(out[n].url, sizeof out[n].url, "%s", batch[i]->url);
			n++;
			frontier_done(fr, batch[i]);
		}
		if (cycle == add_at) {
			int k;
			char u[64];
			for (k = 0; k < extra; k++) {
				snprintf(u, sizeof u, "http://h%d.com/late%d", k % 3, k);
				cr_assert_eq(add(u, 2), 1);
			}
			cr_assert_leq(frontier_waiting(fr), window);
		}
	}
	cr_assert(frontier_empty(fr), "drained");
	return n;
}

static void check_drained(const struct popped *p, size_t n, size_t total)
{
	size_t i, j;

	cr_assert_eq(n, total, "popped %zu of %zu", n, total);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			cr_assert_neq(p[i].id, p[j].id, "%s popped twice", p[i].url);
	/* Per host, in id order. */
	for (i = 0; i < n; i++) {
		size_t hl;
		const char *h = url_authority(p[i].url, &hl);
		for (j = i + 1; j < n; j++) {
			size_t hl2;
			const char *h2 = url_authority(p[j].url, &hl2);
			if (hl == hl2 && memcmp(h, h2, hl) == 0)
				cr_assert_lt(p[i].id, p[j].id, "%s before %s", p[i].url,
					     p[j].url);
		}
	}
}

Test(frontier, window_pops_every_url_once_in_id_order_per_host)
{
	enum { N = 100, W = 10 };
	static struct popped p[N + 1];
	char u[64];
	size_t n;
	int i;

	start(W, 1000, 0);
	for (i = 0; i < N; i++) {
		snprintf(u, sizeof u, "http://h%d.com/p%d", i % 3, i);
		cr_assert_eq(add(u, 1), 1);
		cr_assert_leq(frontier_waiting(fr), W, "window exceeded while adding");
	}
	cr_expect_eq(frontier_waiting(fr), W);
	n = drain(W, p, N + 1, -1, 0);
	check_drained(p, n, N);
}

Test(frontier, window_takes_urls_added_while_draining)
{
	enum { N = 100, EXTRA = 40, W = 10 };
	static struct popped p[N + EXTRA + 1];
	char u[64];
	size_t n;
	int i;

	start(W, 1000, 0);
	for (i = 0; i < N; i++) {
		snprintf(u, sizeof u, "http://h%d.com/p%d", i % 3, i);
		cr_assert_eq(add(u, 1), 1);
	}
	n = drain(W, p, N + EXTRA + 1, 3, EXTRA);
	check_drained(p, n, N + EXTRA);
}

Test(frontier, small_crawl_stays_in_memory)
{
	static struct popped p[21];
	char u[64];
	size_t n;
	int i;

	start(50, 1000, 0);
	for (i = 0; i < 20; i++) {
		snprintf(u, sizeof u, "http://h.com/%d", i);
		add(u, 0);
	}
	cr_expect_eq(frontier_waiting(fr), 20, "all fit: all in memory at once");
	n = drain(50, p, 21, 0, 0);
	check_drained(p, n, 20);
}

/* ---- resume ---- */

static void mark_done(const struct fentry *e)
{
	struct page_rec pr;

	memset(&pr, 0, sizeof pr);
	pr.url_id = e->id;
	pr.final_url = e->url;
	pr.status = 200;
	pr.depth = e->depth;
	pr.fetched_at = 1795302000000LL;
	cr_assert_eq(store_page_add(ts.st, ts.job, &pr, URL_DONE), 1);
}

Test(frontier, load_after_reopen_rebuilds_seen_set_and_queue)
{
	enum { N = 30, DONE = 10 };
	char u[64];
	bool done[N] = { false };
	int i, left = 0;
	int64_t id;
	struct fentry *e;

	start(1000, 1000, 0);
	for (i = 0; i < N; i++) {
		snprintf(u, sizeof u, "http://h%d.com/p%d", i % 3, i);
		cr_assert_eq(add(u, i % 4), 1);
	}
	cr_assert_eq(store_url_add(ts.st, ts.job, fp_of("http://out.com/"), "http://out.com/",
				   1, 0, URL_SKIPPED, "scope", &id), 1);
	for (i = 0; i < DONE; i++) {
		e = pop_at(0);
		cr_assert_not_null(e);
		cr_assert_eq(sscanf(strrchr(e->url, 'p'), "p%d", &left), 1);
		done[left] = true;
		mark_done(e);
		frontier_done(fr, e);
	}
	/* One in flight when the crawl stops: still queued in the store. */
	e = pop_at(0);
	cr_assert_not_null(e);
	frontier_free(fr);
	fr = NULL;
	free(e); /* in flight: the caller's, not freed by frontier_free() */
	tmpstore_reopen(&ts);

	start(1000, 1000, 0);
	cr_expect_eq(frontier_seen_count(fr), N + 1, "every URL, skipped ones too");
	for (i = 0; i < N; i++) {
		snprintf(u, sizeof u, "http://h%d.com/p%d", i % 3, i);
		cr_expect_eq(frontier_seen(fr, fp_of(u)), i % 4, "%s", u);
	}
	cr_expect_eq(frontier_seen(fr, fp_of("http://out.com/")), 1);
	cr_expect_eq(frontier_waiting(fr), N - DONE);
	left = 0;
	while ((e = pop_at(0)) != NULL) {
		int k;
		cr_assert_eq(sscanf(strrchr(e->url, 'p'), "p%d", &k), 1, "%s", e->url);
		cr_expect(!done[k], "%s was done before the restart", e->url);
		cr_expect_eq(e->depth, k % 4);
		done[k] = true;
		left++;
		frontier_done(fr, e);
	}
	cr_expect_eq(left, N - DONE);
	cr_expect(frontier_empty(fr));
}

Test(frontier, load_with_small_window_resumes_everything)
{
	enum { N = 60, W = 8 };
	static struct popped p[N + 1];
	char u[64];
	size_t n;
	int i;

	start(W, 1000, 0);
	for (i = 0; i < N; i++) {
		snprintf(u, sizeof u, "http://h%d.com/p%d", i % 2, i);
		cr_assert_eq(add(u, 1), 1);
	}
	frontier_free(fr);
	fr = NULL;
	tmpstore_reopen(&ts);
	start(W, 1000, 0);
	cr_expect_eq(frontier_waiting(fr), W);
	cr_expect_eq(frontier_seen_count(fr), N);
	n = drain(W, p, N + 1, -1, 0);
	check_drained(p, n, N);
}

Test(frontier, seen_set_costs_at_most_16_bytes_per_url)
{
	unsigned seed = 7;
	size_t n;

	start(100, 4, 0);
	for (n = 1; n <= 300000; n++) {
		frontier_mark(fr, rnd64(&seed) | 1, (int)(n % 7));
		if (n >= 1000 && n % 997 == 0)
			cr_assert_leq(frontier_seen_bytes(fr), 16 * n,
				      "%zu URLs take %zu bytes", n, frontier_seen_bytes(fr));
	}
	cr_assert_eq(frontier_seen_count(fr), 300000);
}

Test(frontier, deferred_retry_waits_until_due)
{
	struct fentry *e;
	long long wake;

	start(100, 4, 0);
	cr_assert_eq(add("http://a.com/1", 0), 1);
	e = pop_at(1000);
	expect_url(e, "http://a.com/1");
	frontier_defer(fr, e, 5000);
	cr_assert_eq(frontier_waiting(fr), 1);
	cr_assert(!frontier_empty(fr));
	cr_assert_null(frontier_pop(fr, 4999, &wake));
	cr_assert_eq(wake, 5000);
	e = pop_at(5000);
	expect_url(e, "http://a.com/1");
	frontier_done(fr, e);
	cr_assert(frontier_empty(fr));
}

Test(frontier, retry_scheduled_in_the_store_still_waits_after_reload)
{
	struct fentry *e;
	long long wake, now = now_ms();
	int64_t id;

	start(100, 4, 0);
	cr_assert_eq(add("http://a.com/late", 0), 1);
	cr_assert_eq(add("http://a.com/now", 0), 1);
	e = pop_at(now);
	expect_url(e, "http://a.com/late");
	id = e->id;
	cr_assert_eq(store_url_retry(ts.st, id, 2, wall_ms() + 60000), 0);
	free(e); /* the crawl stops with its retry pending */
	frontier_free(fr);
	fr = NULL;
	tmpstore_reopen(&ts);
	start(100, 4, 0);
	e = pop_at(now_ms());
	expect_url(e, "http://a.com/now");
	frontier_done(fr, e);
	cr_assert_null(frontier_pop(fr, now_ms(), &wake));
	cr_assert_gt(wake, now_ms() + 50000, "the retry should wait about a minute");
	e = pop_at(wake);
	expect_url(e, "http://a.com/late");
	cr_assert_eq(e->attempts, 2);
	frontier_done(fr, e);
}
