/*
 * frontier.c - seen set, host queues and the window over the store, per-host
 * politeness and the trap counts (see frontier.h).
 *
 * Runs in the coordinator.  The seen set is open addressing, 8 bytes a
 * slot, half to three quarters full: at most 16 bytes per URL.  Hosts are
 * a chained hash table; hosts with waiting entries and room sit on a
 * circular ready list, served round-robin.  frontier_admit() and
 * frontier_url_trap() run once per new link (~40 per page at most): no
 * allocation, a hash or two, a scan of the URL.  The politeness calls run
 * once per result.
 */
#include "frontier.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "url.h"

struct host {
	struct host *hnext;          /* hash chain */
	struct host *rprev, *rnext;  /* ready ring, when on it */
	struct fentry *head, *tail;
	size_t queued;
	int inflight;
	long long next_at;           /* earliest next dispatch, monotonic ms */
	long delay_ms;               /* floor between dispatches; -1: the frontier's */
	long backoff_ms;             /* 0, or the delay while throttled */
	long long backoff_since;     /* when backoff_ms last grew */
	long auto_ms;                /* autothrottle's delay; -1: no answer yet */
	long admitted;               /* URLs taken (max_per_host) */
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

	struct frontier_policy pol;
	uint64_t *qkeys;             /* query variants: QSETS x QWAYS paths */
	uint32_t *qcounts;
};

/* The query-variant table: 16,384 sets of 4 paths. */
#define QSETS 16384
#define QWAYS 4
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define BACKOFF_DROP_MS 100

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
	f->pol.backoff_max_ms = BACKOFF_MAX_MS;
	f->pol.autothrottle_target = 1.0;
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
	free(f->qkeys);
	free(f->qcounts);
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
	h->auto_ms = -1;
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

struct host *frontier_host_of(struct frontier *f, const char *url)
{
	size_t alen, sl;
	const char *auth = url_authority(url, &alen);
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
	return host_get(f, key, sl + alen);
}

static struct fentry *entry_new(struct frontier *f, int64_t id, uint64_t fp,
				const char *url, int depth, int attempts)
{
	size_t len = strlen(url);
	struct fentry *e = xmalloc(sizeof *e + len + 1);
	struct host *h = frontier_host_of(f, url);

	memcpy(e->url, url, len + 1);
	e->id = id;
	e->fp = fp;
	e->depth = depth;
	e->crashes = 0;
	e->deaths = 0;
	e->attempts = attempts;
	e->hops = 0;
	e->chain = NULL;
	e->hop_status = 0;
	e->due = 0;
	e->sent = 0;
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
		      const char *url, int depth, int hops, uint64_t *chain,
		      unsigned status)
{
	struct fentry *e = entry_new(f, id, fp, url, depth, 0);

	e->hop_status = status;
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

static void count_admitted(struct frontier *f, const char *url);

static void seen_row(void *arg, const struct url_row *r)
{
	struct frontier *f = arg;

	frontier_mark(f, r->fp, r->depth);
	if (r->state != URL_SKIPPED && r->url &&
	    (f->pol.max_per_host > 0 || f->pol.max_query_variants > 0))
		count_admitted(f, r->url);
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
	e->sent = now;
	{
		long d = frontier_host_delay_ms(f, h);
		if (d > 0)
			h->next_at = now + d;
	}
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

/* ---- politeness ---- */

void frontier_set_policy(struct frontier *f, const struct frontier_policy *p)
{
	f->pol = *p;
	if (f->pol.backoff_max_ms <= 0)
		f->pol.backoff_max_ms = BACKOFF_MAX_MS;
	if (!(f->pol.autothrottle_target > 0))
		f->pol.autothrottle_target = 1.0;
}

static long host_floor(const struct frontier *f, const struct host *h)
{
	return h->delay_ms >= 0 ? h->delay_ms : f->delay_ms;
}

long frontier_host_delay_ms(const struct frontier *f, const struct host *h)
{
	long d = host_floor(f, h);

	if (h->backoff_ms > d)
		d = h->backoff_ms;
	if (f->pol.autothrottle && h->auto_ms > d)
		d = h->auto_ms;
	return d;
}

void frontier_host_pause(struct host *h, long long until)
{
	if (until > h->next_at)
		h->next_at = until;
}

void frontier_host_backoff(struct frontier *f, struct host *h, long long now,
			   long long sent)
{
	long cap = f->pol.backoff_max_ms, d;

	if (host_floor(f, h) > cap)
		cap = host_floor(f, h);
	if (h->backoff_ms == 0 || sent >= h->backoff_since) {
		d = frontier_host_delay_ms(f, h);
		d = d > cap / 2 ? cap : d * 2;
		if (d < BACKOFF_MIN_MS)
			d = BACKOFF_MIN_MS;
		if (d > cap)
			d = cap;
		h->backoff_ms = d;
		h->backoff_since = now;
	}
	frontier_host_pause(h, now + h->backoff_ms);
}

void frontier_host_recover(struct frontier *f, struct host *h, long long sent)
{
	long base, extra;

	if (h->backoff_ms == 0 || sent < h->backoff_since)
		return;
	base = host_floor(f, h);
	if (f->pol.autothrottle && h->auto_ms > base)
		base = h->auto_ms;
	extra = (h->backoff_ms - base) / 2;
	h->backoff_ms = extra < BACKOFF_DROP_MS ? 0 : base + extra;
}

void frontier_host_latency(struct frontier *f, struct host *h, long latency_ms,
			   bool ok)
{
	double floor, max, prev, next;

	if (!f->pol.autothrottle)
		return;
	floor = (double)host_floor(f, h);
	max = (double)f->pol.autothrottle_max_ms;
	if (max < floor)
		max = floor;
	prev = h->auto_ms >= 0 ? (double)h->auto_ms : floor;
	next = (prev + (double)(latency_ms < 0 ? 0 : latency_ms) /
		       f->pol.autothrottle_target) / 2;
	if (next < floor)
		next = floor;
	if (next > max)
		next = max;
	if (!ok && next < prev)
		return;
	h->auto_ms = (long)(next + 0.5);
}

/* ---- trap limits ---- */

/* The query-variant slot of the path of URL (whose query starts at Q),
 * made or taken over if need be; NULL when no table. */
static uint32_t *query_slot(struct frontier *f, const char *url, size_t q)
{
	uint64_t key = url_fingerprint(url, q);
	size_t set = (size_t)(key % QSETS) * QWAYS, i, low = set;

	if (!f->qkeys) {
		f->qkeys = xcalloc((size_t)QSETS * QWAYS, sizeof *f->qkeys);
		f->qcounts = xcalloc((size_t)QSETS * QWAYS, sizeof *f->qcounts);
	}
	for (i = set; i < set + QWAYS; i++) {
		if (f->qkeys[i] == key)
			return &f->qcounts[i];
		if (f->qcounts[i] < f->qcounts[low])
			low = i;
	}
	f->qkeys[low] = key;
	f->qcounts[low] = 0;
	return &f->qcounts[low];
}

/* Where the query of URL (LEN bytes) starts, or 0 if it has none. */
static size_t query_at(const char *url, size_t len)
{
	const char *q = memchr(url, '?', len);

	return q ? (size_t)(q - url) : 0;
}

const char *frontier_admit(struct frontier *f, const char *url, size_t len,
			   bool query)
{
	struct host *h = NULL;
	uint32_t *qc = NULL;
	size_t q;

	if (f->pol.max_per_host > 0) {
		h = frontier_host_of(f, url);
		if (h->admitted >= f->pol.max_per_host)
			return "host-limit";
	}
	if (query && f->pol.max_query_variants > 0 && (q = query_at(url, len)) > 0) {
		qc = query_slot(f, url, q);
		if (*qc >= (uint64_t)f->pol.max_query_variants)
			return "query-limit";
		(*qc)++;
	}
	if (h)
		h->admitted++;
	return NULL;
}

/* Counts URL, a row of the store, as frontier_admit() did when it was
 * found. */
static void count_admitted(struct frontier *f, const char *url)
{
	size_t q, len = strlen(url);

	if (f->pol.max_per_host > 0)
		frontier_host_of(f, url)->admitted++;
	if (f->pol.max_query_variants > 0 && (q = query_at(url, len)) > 0) {
		uint32_t *qc = query_slot(f, url, q);
		if (*qc < UINT32_MAX)
			(*qc)++;
	}
}

/* Non-empty segments a path of at most URL_MAX_LEN bytes can have. */
#define TRAP_MAX_SEGS (URL_MAX_LEN / 2 + 1)

bool frontier_url_trap(const char *url, size_t len, long max_repeats)
{
	uint64_t keys[2048];
	uint16_t counts[2048];
	const char *p, *end, *s;
	size_t nseg = 0, cap = 8, alen, i;

	_Static_assert(2048 >= TRAP_MAX_SEGS * 3 / 2, "room for every segment");
	if (max_repeats <= 0 || !(p = url_authority(url, &alen)))
		return false;
	p += alen;
	end = url + len;
	if ((s = memchr(p, '?', (size_t)(end - p))))
		end = s;
	for (s = p; s < end; s++)
		nseg += *s == '/' && s + 1 < end && s[1] != '/';
	if (nseg <= (size_t)max_repeats)
		return false;
	/* At most two thirds full. */
	while (cap < nseg + nseg / 2)
		cap *= 2;
	memset(keys, 0, cap * sizeof *keys);
	while (p < end) {
		uint64_t hv = 0xcbf29ce484222325ULL;
		const char *e;

		p++; /* the '/' */
		for (e = p; e < end && *e != '/'; e++)
			hv = (hv ^ (unsigned char)*e) * 0x100000001b3ULL;
		if (e > p) {
			hv |= 1; /* 0 marks an empty slot */
			for (i = hv & (cap - 1); keys[i] && keys[i] != hv; i = (i + 1) & (cap - 1))
				;
			if (!keys[i]) {
				keys[i] = hv;
				counts[i] = 0;
			}
			if (++counts[i] > max_repeats)
				return true;
		}
		p = e;
	}
	return false;
}

/* ---- Retry-After ---- */

static int month_of(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (strncasecmp(s, names + 3 * i, 3) == 0)
			return i;
	return -1;
}

/* Seconds since the epoch of HTTP-date S, or -1. */
static long long http_date(const char *s)
{
	struct tm tm;
	char wd[16], mon[4], zone[4];
	int day, year, hh, mm, ss, n = 0;
	time_t t;

	memset(&tm, 0, sizeof tm);
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(s, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d %3s%n", wd, &day, mon,
		   &year, &hh, &mm, &ss, zone, &n) == 8 && n > 0) {
		;
	/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
	} else if (n = 0, sscanf(s, "%15[A-Za-z], %2d-%3s-%4d %2d:%2d:%2d %3s%n", wd,
				 &day, mon, &year, &hh, &mm, &ss, zone, &n) == 8 && n > 0) {
		if (year < 100)
			year += year < 70 ? 2000 : 1900;
	/* asctime: Sun Nov  6 08:49:37 1994 */
	} else if (n = 0, sscanf(s, "%15[A-Za-z] %3s %2d %2d:%2d:%2d %4d%n", wd, mon,
				 &day, &hh, &mm, &ss, &year, &n) == 7 && n > 0) {
		strcpy(zone, "GMT");
	} else {
		return -1;
	}
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	if (s[n] != '\0' || strcmp(zone, "GMT") != 0 || month_of(mon) < 0 ||
	    strlen(mon) != 3 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 ||
	    hh < 0 || mm < 0 || ss < 0 || year < 1900)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = month_of(mon);
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	t = timegm(&tm);
	return t == (time_t)-1 ? -1 : (long long)t;
}

long long frontier_retry_after_ms(const char *v, long long now)
{
	long long secs = 0, t;
	const char *p;

	if (!v)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		for (p = v; isdigit((unsigned char)*p); p++)
			if (secs < LLONG_MAX / 10000)
				secs = secs * 10 + (*p - '0');
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p)
			return -1;
		return secs < LLONG_MAX / 10000 ? secs * 1000 : LLONG_MAX / 2;
	}
	t = http_date(v);
	if (t < 0)
		return -1;
	return t <= now ? 0 : (t - now) * 1000;
}
