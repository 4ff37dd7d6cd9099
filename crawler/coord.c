/*
 * coord.c - the coordinator's loop (see coord.h).
 *
 * Runs in the coordinator process.  Per page: one order out, one result
 * in, one page row, ~40 links fingerprinted and looked up in the seen set,
 * and a row for each new one.  One poll() covers every worker channel and
 * a signalfd, so signals are handled in ordinary code.
 */
#include "coord.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "frontier.h"
#include "log.h"
#include "progress.h"
#include "proto.h"
#include "robots.h"
#include "seeds.h"
#include "store.h"
#include "supervise.h"
#include "url.h"

#define BATCH_RESULTS 500
#define BATCH_MS 250
#define DRAIN_MS 10000
#define WINDOW 50000
/* A worker whose loop has not turned for this long (a parse that never
 * ends, say) is killed and replaced.  TRAWL_TEST_STUCK_MS overrides it for
 * the tests. */
#define STUCK_MS 60000

struct order {
	struct fentry *e;    /* the URL of a page order */
	struct host *robots; /* the host of a robots.txt order */
	int worker;
	bool used;
};

/* Host data while its robots.txt is being fetched. */
static char robots_pending;
#define ROBOTS_PENDING ((void *)&robots_pending)
#define CRAWL_DELAY_MAX_MS 30000

struct coord {
	struct conf *conf;
	struct store *store;
	int64_t job;
	struct frontier *fr;
	struct supervise sv;
	struct progress prog;

	struct order *orders;    /* indexed by order id - 1 */
	uint32_t *free_ids;
	uint32_t nfree, norders;
	int inflight;

	char **scope_hosts;      /* the seeds' hosts */
	size_t nscope, scope_cap;
	long nseeds;

	int64_t pages_before;    /* page rows from earlier runs */
	int64_t pages, errors, skipped, queued;
	int64_t items, invalid_items;
	long long started;

	long long tx_since;
	int tx_results;

	char agent[64];          /* product token matched in robots.txt */

	long long stuck_ms;      /* heartbeat limit */
	uint64_t rng;            /* xorshift state for retry jitter */
	int64_t retried;

	int sigfd;
	int signals;
	bool draining, fatal;
	long long drain_deadline;
};

/* ---- scope ---- */

static bool host_in_list(const char *h, size_t n, char **list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(list[i]) == n && strncmp(list[i], h, n) == 0)
			return true;
	return false;
}

static bool domain_match(const char *h, size_t n, const struct conf_list *doms)
{
	size_t i;

	for (i = 0; i < doms->n; i++) {
		size_t dl = strlen(doms->v[i]);
		if (n == dl && strncmp(h, doms->v[i], n) == 0)
			return true;
		if (n > dl && h[n - dl - 1] == '.' &&
		    strncmp(h + n - dl, doms->v[i], dl) == 0)
			return true;
	}
	return false;
}

/* NULL if URL may be crawled, else the reason it is skipped. */
static const char *out_of_scope(const struct coord *c, const char *url)
{
	const struct conf *cf = c->conf;
	size_t n, i;
	const char *h = url_host(url, &n);
	bool ok;

	if (!h)
		return "scope";
	if (!host_in_list(h, n, c->scope_hosts, c->nscope) &&
	    !domain_match(h, n, &cf->allow_domains))
		return "scope";
	if (cf->include.n > 0) {
		for (ok = false, i = 0; i < cf->include.n && !ok; i++)
			ok = regexec(&cf->include_re[i], url, 0, NULL, 0) == 0;
		if (!ok)
			return "include";
	}
	for (i = 0; i < cf->exclude.n; i++)
		if (regexec(&cf->exclude_re[i], url, 0, NULL, 0) == 0)
			return "exclude";
	return NULL;
}

/* ---- storage batching ---- */

static int tx_touch(struct coord *c)
{
	if (store_in_tx(c->store))
		return 0;
	if (store_begin(c->store) < 0)
		return -1;
	c->tx_since = now_ms();
	c->tx_results = 0;
	return 0;
}

static int tx_commit(struct coord *c)
{
	if (!store_in_tx(c->store))
		return 0;
	return store_commit(c->store);
}

/* ---- links ---- */

/* Handles one link found on a page of depth DEPTH - 1. */
static int take_link(struct coord *c, const char *url, size_t len, int depth,
		     int64_t parent)
{
	uint64_t fp = url_fingerprint(url, len);
	int seen = frontier_seen(c->fr, fp), rc;
	long maxd = c->conf->max_depth;
	const char *why;
	int64_t id;

	if (seen != SEEN_NONE && seen <= depth)
		return 0;
	frontier_mark(c->fr, fp, depth);
	if (seen != SEEN_NONE && (maxd < 0 || seen <= maxd))
		/* Queued or fetched already; lower a queued row's depth. */
		return store_url_set_depth(c->store, c->job, fp, depth);
	if (maxd >= 0 && depth > maxd)
		return 0; /* remembered in the seen set only */
	why = out_of_scope(c, url);
	if (why) {
		rc = store_url_add(c->store, c->job, fp, url, depth, parent,
				   URL_SKIPPED, why, &id);
		if (rc > 0)
			c->skipped++;
		return rc < 0 ? -1 : 0;
	}
	rc = frontier_add(c->fr, fp, url, depth, parent);
	if (rc > 0)
		c->queued++;
	return rc < 0 ? -1 : 0;
}

/* ---- orders and results ---- */

static uint32_t order_new(struct coord *c, struct fentry *e, struct host *robots,
			  int worker)
{
	uint32_t id = c->free_ids[--c->nfree];
	struct order *o = &c->orders[id - 1];

	o->e = e;
	o->robots = robots;
	o->worker = worker;
	o->used = true;
	c->inflight++;
	c->sv.w[worker].inflight++;
	return id;
}

/* Frees order ID and returns what it was. */
static struct order order_end(struct coord *c, uint32_t id)
{
	struct order *o = &c->orders[id - 1], copy = *o;

	memset(o, 0, sizeof *o);
	c->free_ids[c->nfree++] = id;
	c->inflight--;
	c->sv.w[copy.worker].inflight--;
	return copy;
}

/* ---- robots.txt ---- */

/* Takes the robots.txt result for host H and releases the host. */
static void robots_done(struct coord *c, struct host *h, const struct result *r)
{
	struct robots *rb;
	long d;

	if (r->status >= 200 && r->status < 300 && !r->error)
		rb = robots_parse(r->body ? r->body : "", r->body_len, c->agent);
	else if (r->status >= 400 && r->status < 500)
		rb = robots_new_all(true);   /* RFC 9309: no rules */
	else
		rb = robots_new_all(false);  /* unreachable: assume disallow */
	if (rb && r->status >= 500)
		log_warn("%s/robots.txt answered %u; not crawling that host", frontier_host_name(h),
			 r->status);
	else if (!(r->status >= 200 && r->status < 500))
		log_warn("%s/robots.txt could not be fetched (%s); not crawling that host",
			 frontier_host_name(h), r->error ? r->error : "no response");
	frontier_host_set_data(h, rb);
	d = robots_crawl_delay_ms(rb);
	if (d > CRAWL_DELAY_MAX_MS)
		d = CRAWL_DELAY_MAX_MS;
	if (d > c->conf->delay_ms)
		frontier_host_delay(h, d);
	frontier_hold(c->fr, h, false);
}

static void free_host_data(void *arg, struct host *h)
{
	void *d = frontier_host_data(h);

	(void)arg;
	if (d && d != ROBOTS_PENDING)
		robots_free(d);
	frontier_host_set_data(h, NULL);
}

/* The path and query of normalized URL U. */
static const char *url_path(const char *u)
{
	size_t n;
	const char *a = url_authority(u, &n);

	return a && a[n] ? a + n : "/";
}

/* True for failures worth another attempt: no answer, or a server that
 * said so (5xx, 429).  4xx and oversize bodies are final. */
static bool retryable(const struct result *r)
{
	static const char *const again[] = { "timeout", "connect", "dns", "network",
					     "fetch", NULL };
	size_t i;

	if (r->status >= 500 || r->status == 429)
		return true;
	if (!r->error || r->status != 0)
		return false;
	for (i = 0; again[i]; i++)
		if (strcmp(r->error, again[i]) == 0)
			return true;
	return false;
}

#define RETRY_MAX_MS (10 * 60 * 1000LL)

/* If E's fetch failed in a way worth retrying and attempts are left,
 * schedules the retry (stored, so it survives a restart) and returns 1;
 * E then waits in the frontier.  0 if the result is final, -1 on a
 * storage error. */
static int maybe_retry(struct coord *c, struct fentry *e, const struct result *r)
{
	long long delay;
	int i;

	if (!retryable(r) || e->attempts >= c->conf->retries)
		return 0;
	e->attempts++;
	delay = c->conf->retry_delay_ms;
	for (i = 1; i < e->attempts && delay < RETRY_MAX_MS; i++)
		delay *= 2;
	if (delay > RETRY_MAX_MS)
		delay = RETRY_MAX_MS;
	/* Jitter, +-50 %: retries of many URLs do not come back together. */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	delay = delay / 2 + (long long)(c->rng % (uint64_t)(delay + 1));
	if (tx_touch(c) < 0 || store_url_retry(c->store, e->id, e->attempts,
					       wall_ms() + delay) < 0)
		return -1;
	log_debug("%s: %s (status %u); attempt %d in %lld ms", e->url,
		  r->error ? r->error : "http", r->status, e->attempts + 1, delay);
	frontier_defer(c->fr, e, now_ms() + delay);
	c->retried++;
	return 1;
}

static int store_result(struct coord *c, struct fentry *e, const struct result *r);

#define MAX_REDIRECTS 10

/* E's fetch answered with a redirect to R->location.  The hop is
 * followed when its target is new, in scope and no loop: the target is
 * queued (its robots.txt and politeness apply as to any URL) and its page
 * will be stored under E's row.  Otherwise the redirect itself is E's
 * page, with error "redirect-loop" for a loop or too many hops.  Returns
 * 1 if followed (E freed), 0 if stored, -1 on a storage error. */
static int follow_redirect(struct coord *c, struct fentry *e, const struct result *r)
{
	struct result fin = *r;
	const char *to = r->location;
	uint64_t fp, *chain;
	int i, rc, seen;

	fin.final_url = *to ? to : r->final_url;
	if (!*to)
		return store_result(c, e, &fin); /* to another scheme: final */
	fp = url_fingerprint(to, strlen(to));
	for (i = 0; i < e->hops; i++)
		if (e->chain[i] == fp)
			break;
	if (fp == e->fp || i < e->hops || e->hops >= MAX_REDIRECTS) {
		fin.error = "redirect-loop";
		return store_result(c, e, &fin);
	}
	seen = frontier_seen(c->fr, fp);
	if (seen != SEEN_NONE && (c->conf->max_depth < 0 || seen <= c->conf->max_depth)) {
		/* Fetched, or to be, on its own (or skipped): this URL's page
		 * is the redirect. */
		return store_result(c, e, &fin);
	}
	frontier_mark(c->fr, fp, e->depth);
	if (out_of_scope(c, to)) {
		int64_t id;
		if (tx_touch(c) < 0 ||
		    store_url_add(c->store, c->job, fp, to, e->depth, e->id,
				  URL_SKIPPED, out_of_scope(c, to), &id) < 0)
			return -1;
		c->skipped++;
		return store_result(c, e, &fin);
	}
	chain = xmalloc(((size_t)e->hops + 1) * sizeof *chain);
	if (e->hops)
		memcpy(chain, e->chain, (size_t)e->hops * sizeof *chain);
	chain[e->hops] = e->fp;
	frontier_add_hop(c->fr, e->id, fp, to, e->depth, e->hops + 1, chain);
	rc = 1;
	frontier_done(c->fr, e);
	return rc;
}

/* Stores the items a worker made of page URL_ID (scrape.h's JSON array).
 * A worker's text that is not that shape is dropped with a warning: the
 * page itself is still good. */
static int store_items(struct coord *c, int64_t url_id, const char *url,
		       const char *text)
{
	json_error_t jerr;
	json_t *a = json_loads(text, 0, &jerr), *it;
	size_t i;
	int ret = 0;

	if (!json_is_array(a)) {
		log_warn("%s: a worker sent items that are not a JSON array "
			 "(%s); the page's items are not stored", url, jerr.text);
		json_decref(a);
		return 0;
	}
	json_array_foreach(a, i, it) {
		const char *ex = json_string_value(json_object_get(it, "extractor"));
		json_t *fields = json_object_get(it, "fields");
		struct item_rec rec;
		char *ftext;

		if (!ex || !json_is_object(fields))
			continue;
		ftext = json_dumps(fields, JSON_COMPACT | JSON_REAL_PRECISION(15));
		memset(&rec, 0, sizeof rec);
		rec.url_id = url_id;
		rec.extractor = ex;
		rec.fields = ftext;
		rec.error = json_string_value(json_object_get(it, "error"));
		ret = ftext ? store_item_add(c->store, c->job, &rec) : 0;
		free(ftext);
		if (ret < 0)
			break;
		c->items++;
		if (rec.error)
			c->invalid_items++;
	}
	json_decref(a);
	return ret;
}

static int store_result(struct coord *c, struct fentry *e, const struct result *r)
{
	struct page_rec p;
	int depth = frontier_seen(c->fr, e->fp), state, stored;
	const char *l, *end;

	if (depth == SEEN_NONE || depth > e->depth)
		depth = e->depth;
	memset(&p, 0, sizeof p);
	p.url_id = e->id;
	p.final_url = r->final_url;
	p.status = (int)r->status;
	p.depth = depth;
	p.fetched_at = wall_ms();
	p.content_type = r->content_type;
	p.bytes = (int64_t)r->bytes;
	p.elapsed_ms = r->elapsed_ms;
	p.etag = r->etag;
	p.last_modified = r->last_modified;
	p.content_hash = r->content_hash;
	p.title = r->title;
	p.description = r->description;
	p.canonical = r->canonical;
	p.links = r->links;
	p.links_len = r->links_len;
	p.error = r->error;
	p.body = r->body;
	p.body_len = r->body_len;
	state = r->error && r->status == 0 ? URL_FAILED : URL_DONE;
	if (tx_touch(c) < 0 || (stored = store_page_add(c->store, c->job, &p, state)) < 0)
		return -1;
	/* A page fetched twice (at-least-once) has its items stored once. */
	if (stored && r->items && store_items(c, e->id, e->url, r->items) < 0)
		return -1;
	c->pages++;
	c->queued--;
	c->tx_results++;
	if (r->error) {
		c->errors++;
		log_debug("%s: %s%s%s", e->url, r->error,
			  r->error_detail ? ": " : "",
			  r->error_detail ? r->error_detail : "");
	}
	if (!(r->flags & RESULT_PARSED) || (r->flags & RESULT_NOFOLLOW))
		return 0;
	for (l = r->links, end = r->links + r->links_len; l < end;) {
		size_t n = strlen(l);
		if (take_link(c, l, n, depth + 1, e->id) < 0)
			return -1;
		l += n + 1;
	}
	return 0;
}

static void worker_lost(struct coord *c, int slot);

/* Handles what worker SLOT sent.  Returns -1 on a storage error. */
static int read_worker(struct coord *c, int slot)
{
	struct wslot *w = &c->sv.w[slot];
	struct ipc_frame f;
	struct result r;
	long n;
	int rc;

	for (;;) {
		n = ipc_fill(&w->in, w->fd);
		if (n == IPC_AGAIN)
			return 0;
		if (n <= 0) {
			if (n < 0)
				log_warn("reading from worker %d: %s", slot, strerror(errno));
			worker_lost(c, slot);
			return 0;
		}
		while ((rc = ipc_next(&w->in, &f)) == 1) {
			if (f.type == IPC_READY) {
				w->ready = true;
				continue;
			}
			if (f.type != IPC_RESULT || f.id == 0 || f.id > c->norders ||
			    !c->orders[f.id - 1].used || c->orders[f.id - 1].worker != slot ||
			    proto_get_result(&f, &r) < 0) {
				log_error("worker %d sent a malformed %s frame; replacing it",
					  slot, ipc_type_name(f.type));
				worker_lost(c, slot);
				return 0;
			}
			{
				struct order o = order_end(c, f.id);
				if (o.robots) {
					robots_done(c, o.robots, &r);
					continue;
				}
				rc = maybe_retry(c, o.e, &r);
				if (rc == 0 && r.location)
					rc = follow_redirect(c, o.e, &r);
				else if (rc == 0)
					rc = store_result(c, o.e, &r);
				if (rc <= 0)
					frontier_done(c->fr, o.e);
				if (rc < 0)
					return -1;
			}
		}
		if (rc < 0) {
			log_error("worker %d sent a malformed frame; replacing it", slot);
			worker_lost(c, slot);
			return 0;
		}
	}
}

/* Worker SLOT is gone: its orders go back to the queue and a new worker
 * takes the slot.  Blame goes where it can be placed: a worker that died
 * while making the result of one order (parsing its page, say) names that
 * order, and a URL that two workers died handling is marked failed with
 * "worker-crashed".  A death that names no order (killed from outside, a
 * crash inside a transfer) counts against every URL it had in flight; the
 * third such death fails the URL too.  No URL is retried forever. */
#define MAX_CRASHES 2
#define MAX_DEATHS 3

static void worker_lost(struct coord *c, int slot)
{
	uint32_t id, culprit;

	if (c->sv.w[slot].fd < 0 && c->sv.w[slot].pid == 0)
		return;
	culprit = atomic_load_explicit(&c->sv.stats[slot].handling, memory_order_relaxed);
	for (id = 1; id <= c->norders; id++) {
		struct fentry *e;
		struct result r;
		struct order o;
		if (!c->orders[id - 1].used || c->orders[id - 1].worker != slot)
			continue;
		o = order_end(c, id);
		if (o.robots) {
			/* Asked again when the host is next served. */
			frontier_host_set_data(o.robots, NULL);
			frontier_hold(c->fr, o.robots, false);
			continue;
		}
		e = o.e;
		if (culprit == id)
			e->crashes++;
		else if (!culprit)
			e->deaths++;
		if (e->crashes < MAX_CRASHES && e->deaths < MAX_DEATHS) {
			frontier_requeue(c->fr, e);
			continue;
		}
		memset(&r, 0, sizeof r);
		r.error = "worker-crashed";
		r.final_url = e->url;
		r.links = "";
		log_warn("%s: %d workers died handling it; marked failed", e->url,
			 e->crashes >= MAX_CRASHES ? e->crashes : e->deaths);
		if (store_result(c, e, &r) < 0)
			c->fatal = true;
		frontier_done(c->fr, e);
	}
	supervise_lost(&c->sv, slot);
	if (!c->draining && supervise_spawn(&c->sv, slot) < 0)
		c->fatal = true;
}

/* Kills workers whose heartbeat (stats beat) stopped moving. */
static void check_heartbeats(struct coord *c, long long now)
{
	int i;

	for (i = 0; i < c->sv.n; i++) {
		struct wslot *w = &c->sv.w[i];
		uint64_t b;
		if (w->fd < 0 || w->pid <= 0)
			continue;
		b = stats_get(&c->sv.stats[i].beat);
		if (b != w->last_beat) {
			w->last_beat = b;
			w->beat_at = now;
		} else if (now - w->beat_at > c->stuck_ms) {
			progress_clear(&c->prog);
			log_warn("worker %d (pid %d) has not answered for %lld s; "
				 "replacing it", i, (int)w->pid, (now - w->beat_at) / 1000);
			worker_lost(c, i);
		}
	}
}

static void on_reaped(void *arg, int slot)
{
	worker_lost(arg, slot);
}

/* ---- dispatch ---- */

/* The least busy worker with credit, the host's own worker on a tie (its
 * connections to the host are warm).  -1 if every worker is full. */
static int pick_worker(struct coord *c, const struct host *h)
{
	int n = c->sv.n, best = -1, i;
	long conc = c->conf->concurrency;
	int pref = (int)(((uintptr_t)h >> 4) % (uintptr_t)n);

	for (i = 0; i < n; i++) {
		int k = (pref + i) % n;
		struct wslot *w = &c->sv.w[k];
		if (w->fd < 0 || !w->ready || w->inflight >= conc)
			continue;
		if (best < 0 || w->inflight < c->sv.w[best].inflight)
			best = k;
	}
	return best;
}

static bool total_credit(const struct coord *c)
{
	int i;

	for (i = 0; i < c->sv.n; i++) {
		const struct wslot *w = &c->sv.w[i];
		if (w->fd >= 0 && w->ready && w->inflight < c->conf->concurrency)
			return true;
	}
	return false;
}

static bool page_limit_reached(const struct coord *c)
{
	return c->conf->max_pages > 0 &&
	       c->pages_before + c->pages + c->inflight >= c->conf->max_pages;
}

/* Sends what may go now.  Returns the time a delayed host wakes, or 0. */
static long long dispatch(struct coord *c)
{
	long long now = now_ms(), wake = 0;
	struct fentry *e;
	int wi;

	if (frontier_refill(c->fr) < 0) {
		c->fatal = true;
		return 0;
	}
	while (!page_limit_reached(c) && total_credit(c) &&
	       (e = frontier_pop(c->fr, now, &wake))) {
		struct host *h = e->host;
		void *rb = c->conf->robots ? frontier_host_data(h) : NULL;

		wi = pick_worker(c, h);
		if (c->conf->robots && !rb) {
			/* First visit: robots.txt before anything else. */
			char *u = xasprintf("%s/robots.txt", frontier_host_name(h));
			frontier_hold(c->fr, h, true);
			frontier_requeue(c->fr, e);
			frontier_host_set_data(h, ROBOTS_PENDING);
			proto_put_order(&c->sv.w[wi].out, order_new(c, NULL, h, wi), u,
					ORDER_ROBOTS);
			free(u);
			continue;
		}
		if (rb && rb != ROBOTS_PENDING && !robots_allowed(rb, url_path(e->url))) {
			if (tx_touch(c) < 0 || store_url_skip(c->store, e->id, "robots") < 0) {
				c->fatal = true;
				frontier_done(c->fr, e);
				break;
			}
			c->queued--;
			c->skipped++;
			frontier_done(c->fr, e);
			continue;
		}
		proto_put_order(&c->sv.w[wi].out, order_new(c, e, NULL, wi), e->url, 0);
		if (frontier_waiting(c->fr) == 0 && frontier_refill(c->fr) < 0) {
			c->fatal = true;
			break;
		}
	}
	return wake;
}

/* ---- signals ---- */

static void read_signals(struct coord *c)
{
	struct signalfd_siginfo si;

	while (read(c->sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD) {
			supervise_reap(&c->sv, on_reaped, c);
			continue;
		}
		c->signals++;
		progress_clear(&c->prog);
		if (c->signals == 1) {
			c->draining = true;
			c->drain_deadline = now_ms() + DRAIN_MS;
			log_info("stopping: letting %d transfers finish (up to %d s); "
				 "press Ctrl-C again to stop now", c->inflight,
				 DRAIN_MS / 1000);
		} else {
			log_info("stopping now");
		}
	}
}

/* ---- setup ---- */

/* Stores seed U (normalized) and adds its host to the scope. */
static int add_seed(void *arg, const char *u)
{
	struct coord *c = arg;
	size_t n;
	const char *h = url_host(u, &n);
	uint64_t fp = url_fingerprint(u, strlen(u));
	int rc;

	if (h && !host_in_list(h, n, c->scope_hosts, c->nscope)) {
		if (c->nscope + 1 >= c->scope_cap) {
			c->scope_cap = c->scope_cap ? c->scope_cap * 2 : 16;
			c->scope_hosts = xrealloc(c->scope_hosts,
						  c->scope_cap * sizeof *c->scope_hosts);
		}
		c->scope_hosts[c->nscope++] = xstrndup(h, n);
	}
	c->nseeds++;
	if (frontier_seen(c->fr, fp) != SEEN_NONE)
		return 0;
	frontier_mark(c->fr, fp, 0);
	rc = frontier_add(c->fr, fp, u, 0, 0);
	if (rc < 0)
		return -1;
	c->queued += rc;
	return 0;
}

/* Stores the seeds of the list, then frees it, then those of the seeds
 * file, streaming. */
static int add_seeds(struct coord *c, struct conf_list *seeds)
{
	size_t i;

	for (i = 0; i < seeds->n; i++)
		if (add_seed(c, seeds->v[i]) < 0)
			return -1;
	if (c->conf->seeds_file && seeds_read(c->conf->seeds_file, true, add_seed, c) < 0)
		return -1;
	for (i = 0; i < seeds->n; i++)
		free(seeds->v[i]);
	free(seeds->v);
	seeds->v = NULL;
	seeds->n = 0;
	malloc_trim(0);
	return 0;
}

static void summary(struct coord *c, const char *how)
{
	double secs = (double)(now_ms() - c->started) / 1000.0;

	progress_clear(&c->prog);
	fprintf(stderr,
		"trawl: job \"%s\" %s: %lld pages fetched in %.1f s (%.0f pages/s), "
		"%lld errors, %lld queued, %lld skipped\n",
		c->conf->job, how, (long long)c->pages, secs,
		secs > 0 ? (double)c->pages / secs : 0.0, (long long)c->errors,
		(long long)(c->queued > 0 ? c->queued : 0), (long long)c->skipped);
	if (c->items > 0)
		fprintf(stderr, "trawl: %lld items extracted, %lld of them invalid "
			"(see: trawl status)\n", (long long)c->items,
			(long long)c->invalid_items);
	if (c->pages_before + c->pages > 0)
		fprintf(stderr, "trawl: export with: trawl export --db %s --job %s%s\n",
			c->conf->db, c->conf->job,
			c->conf->scrape ? " [--what items]" : "");
}

static void progress_update(struct coord *c)
{
	struct progress_info in = {
		.pages = c->pages, .errors = c->errors, .queued = c->queued,
		.skipped = c->skipped, .inflight = c->inflight, .workers = c->sv.n,
		.concurrency = (int)c->conf->concurrency, .draining = c->draining,
	};
	progress_tick(&c->prog, &in, c->sv.stats);
}

/* ---- the loop ---- */

static int loop(struct coord *c)
{
	struct pollfd *pfd = xcalloc((size_t)c->sv.n + 1, sizeof *pfd);
	int ret = EXIT_OK;

	for (;;) {
		long long now, wake = 0, timeout = 1000, t;
		int i, np = 0;

		if (!c->draining)
			wake = dispatch(c);
		if (c->fatal) {
			ret = EXIT_RUNTIME;
			break;
		}
		if (c->inflight == 0 &&
		    (c->draining || page_limit_reached(c) || frontier_empty(c->fr)))
			break;
		if (c->signals >= 2 || (c->draining && now_ms() >= c->drain_deadline))
			break;

		for (i = 0; i < c->sv.n; i++) {
			struct wslot *w = &c->sv.w[i];
			if (w->fd < 0)
				continue;
			if (ipc_pending(&w->out) && ipc_flush(&w->out, w->fd) < 0) {
				log_warn("writing to worker %d: %s", i, strerror(errno));
				worker_lost(c, i);
				continue;
			}
		}
		for (i = 0; i < c->sv.n; i++) {
			struct wslot *w = &c->sv.w[i];
			if (w->fd < 0)
				continue;
			pfd[np].fd = w->fd;
			pfd[np].events = POLLIN | (ipc_pending(&w->out) ? POLLOUT : 0);
			pfd[np].revents = 0;
			np++;
		}
		pfd[np].fd = c->sigfd;
		pfd[np].events = POLLIN;
		pfd[np].revents = 0;

		now = now_ms();
		if (store_in_tx(c->store)) {
			t = c->tx_since + BATCH_MS - now;
			if (c->inflight == 0)
				t = 0;
			if (t < timeout)
				timeout = t;
		}
		if (wake && wake - now < timeout)
			timeout = wake - now;
		if (c->prog.on && timeout > 200)
			timeout = 200;
		if (c->draining && c->drain_deadline - now < timeout)
			timeout = c->drain_deadline - now;
		if (timeout < 0)
			timeout = 0;

		if (poll(pfd, (nfds_t)np + 1, (int)timeout) < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			ret = EXIT_RUNTIME;
			break;
		}
		if (pfd[np].revents)
			read_signals(c);
		for (i = 0; i < np; i++) {
			int slot;
			if (!pfd[i].revents)
				continue;
			for (slot = 0; slot < c->sv.n; slot++)
				if (c->sv.w[slot].fd == pfd[i].fd)
					break;
			if (slot == c->sv.n)
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				if (read_worker(c, slot) < 0) {
					c->fatal = true;
					break;
				}
			}
		}
		if (c->fatal) {
			ret = EXIT_RUNTIME;
			break;
		}
		now = now_ms();
		if (store_in_tx(c->store) &&
		    (c->tx_results >= BATCH_RESULTS || now - c->tx_since >= BATCH_MS ||
		     c->inflight == 0) &&
		    tx_commit(c) < 0) {
			ret = EXIT_RUNTIME;
			break;
		}
		check_heartbeats(c, now);
		progress_update(c);
	}
	free(pfd);
	if (ret == EXIT_OK && c->signals > 0)
		ret = EXIT_INTERRUPTED;
	return ret;
}

int coord_run(struct conf *cf, struct conf_list *seeds)
{
	struct coord c;
	sigset_t mask;
	char *config_json = NULL;
	bool resumed = false;
	int ret = EXIT_RUNTIME, claimed = 0;
	uint32_t i;
	struct job_counts counts;

	memset(&c, 0, sizeof c);
	c.conf = cf;
	c.sigfd = -1;
	c.started = now_ms();
	c.rng = (uint64_t)wall_ms() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	if (!c.rng)
		c.rng = 1;
	c.stuck_ms = getenv("TRAWL_TEST_STUCK_MS") ? atoll(getenv("TRAWL_TEST_STUCK_MS")) : STUCK_MS;
	if (c.stuck_ms <= 0)
		c.stuck_ms = STUCK_MS;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	c.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (c.sigfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		goto out;
	}

	c.store = store_open(cf->db, STORE_RW);
	if (!c.store)
		goto out;
	config_json = conf_to_json(cf);
	if (store_job_claim(c.store, cf->job, config_json, &c.job, &resumed) < 0)
		goto out;
	claimed = 1;
	c.fr = frontier_new(c.store, c.job, WINDOW, (int)cf->per_host, cf->delay_ms);
	robots_agent_token(cf->user_agent, c.agent, sizeof c.agent);
	if (resumed) {
		if (store_job_counts(c.store, c.job, &counts) < 0)
			goto out;
		c.pages_before = counts.pages;
		c.queued = counts.by_state[URL_QUEUED];
	}
	/* Workers first, while this process is small: a child starts with
	 * its parent's memory, and seeds, the seen set and the queue window
	 * are the coordinator's alone. */
	c.norders = (uint32_t)(cf->workers * cf->concurrency);
	c.orders = xcalloc(c.norders, sizeof *c.orders);
	c.free_ids = xmalloc(c.norders * sizeof *c.free_ids);
	for (i = 0; i < c.norders; i++)
		c.free_ids[i] = c.norders - i;
	c.nfree = c.norders;
	if (supervise_start(&c.sv, cf, (int)cf->workers) < 0)
		goto out;
	if (tx_touch(&c) < 0 || frontier_load(c.fr) < 0 || add_seeds(&c, seeds) < 0 ||
	    tx_commit(&c) < 0)
		goto out;
	if (resumed && c.queued == 0) {
		log_info("job \"%s\" is finished (%lld pages); nothing to fetch. "
			 "Export with: trawl export --db %s --job %s", cf->job,
			 (long long)c.pages_before, cf->db, cf->job);
		if (cf->scrape)
			log_info("extraction rules apply to pages as they are "
				 "fetched: to extract with changed rules, crawl "
				 "again under a new --job");
		ret = EXIT_OK;
		goto out;
	}
	if (resumed)
		log_info("resuming job \"%s\": %lld pages fetched before, %lld queued",
			 cf->job, (long long)c.pages_before, (long long)c.queued);

	progress_init(&c.prog, cf->progress && !cf->quiet);
	ret = loop(&c);
	if (tx_commit(&c) < 0)
		ret = EXIT_RUNTIME;
	supervise_stop(&c.sv, c.signals >= 2 ? 0 : 2000);
	summary(&c, ret == EXIT_OK ? "finished" :
		    ret == EXIT_INTERRUPTED ? "stopped (resume with the same command)" :
		    "failed");
out:
	if (c.store && claimed) {
		/* After a storage error this is best effort: the error was
		 * reported once already, and a job left marked as held by a
		 * dead process is taken over by the next run anyway. */
		enum log_level lv = log_get_level();
		if (ret == EXIT_RUNTIME)
			log_set_level(LOG_SILENT);
		if (store_in_tx(c.store))
			tx_commit(&c);
		store_job_release(c.store, c.job,
				  ret == EXIT_OK ? "finished" : "stopped");
		log_set_level(lv);
	}
	if (c.sv.w)
		supervise_stop(&c.sv, 0);
	/* Entries still held by orders were never given back to the frontier. */
	for (i = 0; c.orders && i < c.norders; i++)
		frontier_entry_free(c.orders[i].e);
	if (c.fr)
		frontier_each_host(c.fr, free_host_data, NULL);
	frontier_free(c.fr);
	store_close(c.store);
	for (i = 0; i < c.nscope; i++)
		free(c.scope_hosts[i]);
	free(c.scope_hosts);
	free(c.orders);
	free(c.free_ids);
	free(config_json);
	if (c.sigfd >= 0)
		close(c.sigfd);
	return ret;
}
