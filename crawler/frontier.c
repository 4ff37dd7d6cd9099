/*
 * frontier.c - seen set, host queues and the window over the store (see
 * frontier.h).
 *
 * Runs in the coordinator.  The seen set is open addressing, 8 bytes a
 * slot, half to three quarters full: at most 16 bytes per URL.  Hosts are a chained hash table; hosts with
 * waiting entries and room sit on a circular ready list, served round-robin.
 */
#include "frontier.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "url.h"

struct host {
	struct host *hnext;          /* hash chain */
	struct host *rprev, *rnext;  /* ready ring, when on it */
	struct fentry *head, *tail;
	size_t queued;
	int inflight;
	long long next_at;           /* earliest next dispatch, monotonic ms */
	long delay_ms;               /* between dispatches; -1: the frontier's */
	bool ready;
	bool held;                   /* not served until released */
	void *data;                  /* the coordinator's (robots rules) */
	char name[];                 /* "scheme://host:port" */
};

struct frontier {
	struct store *store;
	int64_t job;
	size_t window, waiting;
	int per_host;
	long delay_ms;
	bool spill;                  /* the store may hold rows not in memory */
	int64_t cursor;              /* every queued row with id <= cursor is in memory or done */

	uint64_t *seen;
	size_t seen_cap, seen_n;

	struct host **hosts;
	size_t hosts_mask, nhosts;
	struct fentry **delayed;     /* retries waiting: min-heap on due */
	size_t ndelayed, capdelayed;
	struct host *ring;           /* next host to serve */
};

/* The seen set: one 8-byte slot per URL, the fingerprint's low 56 bits
 * with the depth in the top 8 (0 = empty slot).  Linear probing over a
 * table of any size (slot = fingerprint scaled to the size), grown by half
 * when three quarters full, so it stays between half and three quarters
 * full: at most 16 bytes per URL.  56 bits leave a collision chance of
 * about 1 in 100,000 for a million URLs. */
#define SEEN_FP_MASK 0x00ffffffffffffffULL

static size_t seen_slot(const struct frontier *f, uint64_t key)
{
	return (size_t)(((unsigned __int128)(key << 8) * f->seen_cap) >> 64);
}

static void seen_grow(struct frontier *f)
{
	size_t old = f->seen_cap, cap = old + old / 2, i, j;
	uint64_t *t = xcalloc(cap, sizeof *t);

	f->seen_cap = cap;
	for (i = 0; i < old; i++) {
		uint64_t v = f->seen[i];
		if (!v)
			continue;
		for (j = seen_slot(f, v & SEEN_FP_MASK); t[j]; j = j + 1 == cap ? 0 : j + 1)
			;
		t[j] = v;
	}
	free(f->seen);
	f->seen = t;
}

static uint64_t seen_key(uint64_t fp)
{
	fp &= SEEN_FP_MASK;
	return fp ? fp : 1;
}

int frontier_seen(const struct frontier *f, uint64_t fp)
{
	uint64_t key = seen_key(fp);
	size_t i;

	for (i = seen_slot(f, key); f->seen[i]; i = i + 1 == f->seen_cap ? 0 : i + 1)
		if ((f->seen[i] & SEEN_FP_MASK) == key)
			return (int)(f->seen[i] >> 56);
	return SEEN_NONE;
}

void frontier_mark(struct frontier *f, uint64_t fp, int depth)
{
	uint64_t key = seen_key(fp), d = depth > 255 ? 255 : (uint64_t)depth;
	size_t i;

	if ((f->seen_n + 1) * 4 > f->seen_cap * 3)
		seen_grow(f);
	for (i = seen_slot(f, key); f->seen[i]; i = i + 1 == f->seen_cap ? 0 : i + 1) {
		if ((f->seen[i] & SEEN_FP_MASK) == key) {
			if (d < f->seen[i] >> 56)
				f->seen[i] = key | d << 56;
			return;
		}
	}
	f->seen[i] = key | d << 56;
	f->seen_n++;
}

size_t frontier_seen_bytes(const struct frontier *f)
{
	return f->seen_cap * sizeof *f->seen;
}

size_t frontier_seen_count(const struct frontier *f)
{
	return f->seen_n;
}

struct frontier *frontier_new(struct store *s, int64_t job, size_t window,
			      int per_host, long delay_ms)
{
	struct frontier *f = xcalloc(1, sizeof *f);

	f->store = s;
	f->job = job;
	f->window = window;
	f->per_host = per_host;
	f->delay_ms = delay_ms;
	f->spill = true;
	f->seen_cap = 1024;
	f->seen = xcalloc(f->seen_cap, sizeof *f->seen);
	f->hosts_mask = 255;
	f->hosts = xcalloc(f->hosts_mask + 1, sizeof *f->hosts);
	return f;
}

static struct fentry *heap_pop(struct frontier *f);

void frontier_free(struct frontier *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i <= f->hosts_mask; i++) {
		struct host *h = f->hosts[i], *hn;
		for (; h; h = hn) {
			struct fentry *e = h->head, *en;
			for (; e; e = en) {
				en = e->next;
				frontier_entry_free(e);
			}
			hn = h->hnext;
			free(h);
		}
	}
	while (f->ndelayed)
		frontier_entry_free(heap_pop(f));
	free(f->delayed);
	free(f->hosts);
	free(f->seen);
	free(f);
}

static uint64_t name_hash(const char *s, size_t n)
{
	return url_fingerprint(s, n);
}

static struct host *host_get(struct frontier *f, const char *name, size_t n)
{
	uint64_t hv = name_hash(name, n);
	struct host **b = &f->hosts[hv & f->hosts_mask], *h;

	for (h = *b; h; h = h->hnext)
		if (strncmp(h->name, name, n) == 0 && h->name[n] == '\0')
			return h;
	if (f->nhosts + 1 > (f->hosts_mask + 1) * 2) {
		size_t cap = (f->hosts_mask + 1) * 4, i;
		struct host **t = xcalloc(cap, sizeof *t);
		for (i = 0; i <= f->hosts_mask; i++) {
			struct host *x = f->hosts[i], *xn;
			for (; x; x = xn) {
				uint64_t xh = name_hash(x->name, strlen(x->name));
				xn = x->hnext;
				x->hnext = t[xh & (cap - 1)];
				t[xh & (cap - 1)] = x;
			}
		}
		free(f->hosts);
		f->hosts = t;
		f->hosts_mask = cap - 1;
		b = &f->hosts[hv & f->hosts_mask];
	}
	h = xcalloc(1, sizeof *h + n + 1);
	memcpy(h->name, name, n);
	h->delay_ms = -1;
	h->hnext = *b;
	*b = h;
	f->nhosts++;
	return h;
}

static void ring_add(struct frontier *f, struct host *h)
{
	if (h->ready)
		return;
	h->ready = true;
	if (!f->ring) {
		h->rprev = h->rnext = h;
		f->ring = h;
		return;
	}
	/* Insert just before the next host to serve: last in turn. */
	h->rnext = f->ring;
	h->rprev = f->ring->rprev;
	h->rprev->rnext = h;
	f->ring->rprev = h;
}

static void ring_del(struct frontier *f, struct host *h)
{
	if (!h->ready)
		return;
	h->ready = false;
	if (h->rnext == h) {
		f->ring = NULL;
	} else {
		h->rprev->rnext = h->rnext;
		h->rnext->rprev = h->rprev;
		if (f->ring == h)
			f->ring = h->rnext;
	}
	h->rprev = h->rnext = NULL;
}

static void host_update(struct frontier *f, struct host *h)
{
	if (h->queued > 0 && h->inflight < f->per_host && !h->held)
		ring_add(f, h);
	else
		ring_del(f, h);
}

/* Appends E to its host's queue (E already counted in f->waiting). */
static void enqueue(struct frontier *f, struct fentry *e)
{
	struct host *h = e->host;

	e->next = NULL;
	if (h->tail)
		h->tail->next = e;
	else
		h->head = e;
	h->tail = e;
	h->queued++;
	host_update(f, h);
}

/* The delayed entries (retries): a binary min-heap on due time. */
static void heap_push(struct frontier *f, struct fentry *e)
{
	size_t i;

	if (f->ndelayed == f->capdelayed) {
		f->capdelayed = f->capdelayed ? f->capdelayed * 2 : 64;
		f->delayed = xrealloc(f->delayed, f->capdelayed * sizeof *f->delayed);
	}
	for (i = f->ndelayed++; i > 0 && f->delayed[(i - 1) / 2]->due > e->due; i = (i - 1) / 2)
		f->delayed[i] = f->delayed[(i - 1) / 2];
	f->delayed[i] = e;
}

static struct fentry *heap_pop(struct frontier *f)
{
	struct fentry *top = f->delayed[0], *last = f->delayed[--f->ndelayed];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < f->ndelayed) {
		if (c + 1 < f->ndelayed && f->delayed[c + 1]->due < f->delayed[c]->due)
			c++;
		if (last->due <= f->delayed[c]->due)
			break;
		f->delayed[i] = f->delayed[c];
		i = c;
	}
	if (f->ndelayed)
		f->delayed[i] = last;
	return top;
}

static struct fentry *entry_new(struct frontier *f, int64_t id, uint64_t fp,
				const char *url, int depth, int attempts)
{
	size_t len = strlen(url), alen, sl;
	const char *auth = url_authority(url, &alen);
	struct fentry *e = xmalloc(sizeof *e + len + 1);
	struct host *h;
	char key[URL_MAX_LEN + 16];

	/* Hosts are keyed by scheme and authority, user info left out:
	 * robots.txt and politeness are per origin. */
	if (!auth) {
		auth = url;
		alen = 0;
	}
	sl = (size_t)(strstr(url, "://") ? strstr(url, "://") - url + 3 : 0);
	if (sl + alen >= sizeof key)
		alen = sizeof key - sl - 1;
	memcpy(key, url, sl);
	memcpy(key + sl, auth, alen);
	h = host_get(f, key, sl + alen);
	memcpy(e->url, url, len + 1);
	e->id = id;
	e->fp = fp;
	e->depth = depth;
	e->crashes = 0;
	e->deaths = 0;
	e->attempts = attempts;
	e->hops = 0;
	e->chain = NULL;
	e->due = 0;
	e->host = h;
	e->next = NULL;
	return e;
}

static void push(struct frontier *f, int64_t id, uint64_t fp, const char *url,
		 int depth)
{
	f->waiting++;
	enqueue(f, entry_new(f, id, fp, url, depth, 0));
}

void frontier_add_hop(struct frontier *f, int64_t id, uint64_t fp,
		      const char *url, int depth, int hops, uint64_t *chain)
{
	struct fentry *e = entry_new(f, id, fp, url, depth, 0);

	e->hops = hops;
	e->chain = chain;
	f->waiting++;
	enqueue(f, e);
}

void frontier_defer(struct frontier *f, struct fentry *e, long long due)
{
	struct host *h = e->host;

	h->inflight--;
	host_update(f, h);
	e->due = due;
	f->waiting++;
	heap_push(f, e);
}

int frontier_add(struct frontier *f, uint64_t fp, const char *url, int depth,
		 int64_t parent)
{
	int64_t id = 0;
	int rc = store_url_add(f->store, f->job, fp, url, depth, parent,
			       URL_QUEUED, NULL, &id);

	if (rc <= 0)
		return rc;
	if (!f->spill && f->waiting < f->window) {
		push(f, id, fp, url, depth);
		if (id > f->cursor)
			f->cursor = id;
	} else {
		f->spill = true;
	}
	return 1;
}

static void load_row(void *arg, const struct url_row *r)
{
	struct frontier *f = arg;
	long long wait = r->next_at - wall_ms();
	struct fentry *e = entry_new(f, r->id, r->fp, r->url, r->depth, r->attempts);

	f->waiting++;
	if (wait > 0) {
		/* A retry that was waiting when trawl stopped still waits. */
		e->due = now_ms() + wait;
		heap_push(f, e);
	} else {
		enqueue(f, e);
	}
	f->cursor = r->id;
}

int frontier_refill(struct frontier *f)
{
	long want, got;

	if (!f->spill || f->waiting * 2 > f->window)
		return 0;
	want = (long)(f->window - f->waiting);
	got = store_url_queued(f->store, f->job, f->cursor, want, load_row, f);
	if (got < 0)
		return -1;
	if (got < want)
		f->spill = false;
	return 0;
}

static void seen_row(void *arg, const struct url_row *r)
{
	frontier_mark(arg, r->fp, r->depth);
}

int frontier_load(struct frontier *f)
{
	if (store_url_all(f->store, f->job, seen_row, f) < 0)
		return -1;
	f->cursor = 0;
	f->spill = true;
	return frontier_refill(f);
}

struct fentry *frontier_pop(struct frontier *f, long long now, long long *wake)
{
	struct host *h = f->ring, *start = f->ring;
	struct fentry *e;

	*wake = 0;
	while (f->ndelayed && f->delayed[0]->due <= now)
		enqueue(f, heap_pop(f));
	h = start = f->ring;
	if (f->ndelayed)
		*wake = f->delayed[0]->due;
	if (!h)
		return NULL;
	do {
		if (h->next_at <= now)
			goto take;
		if (!*wake || h->next_at < *wake)
			*wake = h->next_at;
		h = h->rnext;
	} while (h != start);
	return NULL;
take:
	e = h->head;
	h->head = e->next;
	if (!h->head)
		h->tail = NULL;
	e->next = NULL;
	h->queued--;
	f->waiting--;
	h->inflight++;
	if (h->delay_ms > 0 || (h->delay_ms < 0 && f->delay_ms > 0))
		h->next_at = now + (h->delay_ms >= 0 ? h->delay_ms : f->delay_ms);
	f->ring = h->rnext;
	host_update(f, h);
	return e;
}

void frontier_done(struct frontier *f, struct fentry *e)
{
	struct host *h = e->host;

	h->inflight--;
	host_update(f, h);
	frontier_entry_free(e);
}

void frontier_requeue(struct frontier *f, struct fentry *e)
{
	struct host *h = e->host;

	h->inflight--;
	e->next = h->head;
	h->head = e;
	if (!h->tail)
		h->tail = e;
	h->queued++;
	f->waiting++;
	host_update(f, h);
}

size_t frontier_waiting(const struct frontier *f)
{
	return f->waiting;
}

bool frontier_empty(struct frontier *f)
{
	return f->waiting == 0 && !f->spill;
}

void frontier_hold(struct frontier *f, struct host *h, bool hold)
{
	h->held = hold;
	host_update(f, h);
}

void *frontier_host_data(const struct host *h)
{
	return h->data;
}

void frontier_host_set_data(struct host *h, void *data)
{
	h->data = data;
}

const char *frontier_host_name(const struct host *h)
{
	return h->name;
}

void frontier_host_delay(struct host *h, long ms)
{
	h->delay_ms = ms;
}

void frontier_each_host(struct frontier *f, void (*fn)(void *arg, struct host *h),
			void *arg)
{
	size_t i;
	struct host *h;

	for (i = 0; i <= f->hosts_mask; i++)
		for (h = f->hosts[i]; h; h = h->hnext)
			fn(arg, h);
}

void frontier_entry_free(struct fentry *e)
{
	if (!e)
		return;
	free(e->chain);
	free(e);
}
