/*
 * coord.c - the coordinator's loop (see coord.h).
 *
 * Runs in the coordinator process.  Per page: one order out, one result
 * in, one page row, ~40 links fingerprinted and looked up in the seen set,
 * and a row for each new one.  One poll() covers every worker channel and
 * a signalfd, so signals are handled in ordinary code.  Per host, once:
 * its robots.txt, from the store or fetched.  Per sitemap, once: a fetch
 * and a parse.
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
#include <time.h>
#include <unistd.h>

#include "cookies.h"
#include "frontier.h"
#include "log.h"
#include "progress.h"
#include "proto.h"
#include "robots.h"
#include "seeds.h"
#include "sitemap.h"
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
/* At the end, how long workers have to send their last cookies. */
#define COLLECT_MS 2000

struct order {
	struct fentry *e;    /* the URL of a page order */
	struct host *robots; /* the host of a robots.txt order */
	char *sitemap;       /* the URL of a sitemap order (owned) */
	int smdepth;         /* and its depth */
	int worker;
	bool used;
};

/* What the coordinator knows of a host (frontier_host_data()). */
enum hstate_robots {
	RB_NONE,        /* rules not known yet: ask the store, then fetch */
	RB_PENDING,     /* robots.txt being fetched; the host is held */
	RB_READY,       /* rules known */
	RB_UNAVAILABLE, /* robots.txt could not be had: URLs skipped */
	RB_BLOCKED,     /* the host's address is refused: URLs skipped */
};

struct hstate {
	enum hstate_robots state;
	struct robots *rb;   /* RB_READY with robots on */
	int tries;           /* robots.txt fetches that failed */
};

/* A Retry-After further away than this is read as this. */
#define RETRY_AFTER_MAX_MS (3600 * 1000LL)
/* Sitemaps: files per job, index nesting below a named sitemap, fetches
 * at once. */
#define SITEMAP_MAX_FILES 1000
#define SITEMAP_MAX_DEPTH 3
#define SITEMAP_INFLIGHT 1

/* Sitemaps waiting to be fetched, in order. */
struct smqueue {
	char **url;
	int *depth;
	size_t head, n, cap;
};

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

	struct smqueue smq;      /* sitemaps to fetch */
	long sitemaps;           /* the job's sitemaps, any state */
	int sitemap_inflight;
	bool sitemap_cap_logged;

	long long tx_since;
	int tx_results;

	char agent[64];          /* product token matched in robots.txt */

	long long stuck_ms;      /* heartbeat limit */
	uint64_t rng;            /* xorshift state for retry jitter */
	int64_t retried;

	struct cookies jar;      /* the job's cookies ("cookies") */
	bool collecting;         /* workers told to stop; none respawned */

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

/* NULL if URL (LEN bytes, normalized, not seen before) may be queued, else
 * the reason it is skipped.  Counts it for the host and query limits when
 * it may.  Cheap enough for every new link: no allocation. */
static const char *admit(struct coord *c, const char *url, size_t len)
{
	const struct conf *cf = c->conf;
	const char *why = out_of_scope(c, url);

	if (why)
		return why;
	if ((long)len > cf->max_url_length)
		return "too-long";
	if (frontier_url_trap(url, len, cf->max_segment_repeats))
		return "trap";
	return frontier_admit(c->fr, url, len, true);
}

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
	why = admit(c, url, len);
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
	o->sitemap = NULL;
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

/* ---- skipping ---- */

/* Queued URL E is not to be fetched, for reason WHY: its row says so.
 * The caller then ends E (frontier_done()).  -1 on a storage error. */
static int skip_entry(struct coord *c, struct fentry *e, const char *why)
{
	if (tx_touch(c) < 0 || store_url_skip(c->store, e->id, why) < 0)
		return -1;
	c->queued--;
	c->skipped++;
	log_debug("%s: skipped (%s)", e->url, why);
	return 0;
}

static int store_result(struct coord *c, struct fentry *e, const struct result *r);

/* E, the target of a redirect, is not to be fetched: the redirect that
 * led to it is the page of E's row (which was fetched), as when the
 * target is out of scope; ERROR says why when it is not robots.txt.  The
 * caller then ends E.  -1 on a storage error. */
static int end_chain(struct coord *c, struct fentry *e, const char *error)
{
	struct result r;

	memset(&r, 0, sizeof r);
	r.status = e->hop_status;
	r.final_url = e->url;
	r.error = error;
	r.links = "";
	log_debug("%s: redirect target not fetched (%s)", e->url,
		  error ? error : "robots");
	return store_result(c, e, &r);
}

/* The end of E that is not fetched for reason WHY. */
static int skip_or_end(struct coord *c, struct fentry *e, const char *why)
{
	if (e->hops > 0)
		return end_chain(c, e, strcmp(why, "robots") == 0 ? NULL : why);
	return skip_entry(c, e, why);
}

/* True for a fetch the worker refused for the host's address. */
static bool blocked(const struct result *r)
{
	return r->status == 0 && r->error && strcmp(r->error, "blocked-address") == 0;
}

/* ---- robots.txt ---- */

static struct hstate *host_state(struct host *h)
{
	struct hstate *hs = frontier_host_data(h);

	if (!hs) {
		hs = xcalloc(1, sizeof *hs);
		frontier_host_set_data(h, hs);
	}
	return hs;
}

static void free_host_data(void *arg, struct host *h)
{
	struct hstate *hs = frontier_host_data(h);

	(void)arg;
	if (hs) {
		robots_free(hs->rb);
		free(hs);
	}
	frontier_host_set_data(h, NULL);
}

static void queue_sitemap(struct coord *c, const char *url, int depth, bool scoped);

/* Rules RB (taken over) now apply to host H: its Crawl-delay, the sitemaps
 * it names (with conf->sitemaps), a word if the parse was cut. */
static void robots_apply(struct coord *c, struct host *h, struct hstate *hs,
			 struct robots *rb)
{
	long d = robots_crawl_delay_ms(rb);
	unsigned cuts = robots_cuts(rb);

	robots_free(hs->rb);
	hs->rb = rb;
	hs->state = RB_READY;
	/* The floor between requests: the larger of --delay and Crawl-delay,
	 * Crawl-delay capped (max_crawl_delay). */
	if (d > c->conf->max_crawl_delay_ms)
		d = c->conf->max_crawl_delay_ms;
	if (d > c->conf->delay_ms)
		frontier_host_delay(h, d);
	if (cuts)
		log_warn("%s/robots.txt was cut:%s%s%s%s; rules past the cut are "
			 "not applied", frontier_host_name(h),
			 cuts & ROBOTS_CUT_BODY ? " over 500 KiB" : "",
			 cuts & ROBOTS_CUT_LINE ? " a line over 16 KiB" : "",
			 cuts & ROBOTS_CUT_RULES ? " over 20000 rules" : "",
			 cuts & ROBOTS_CUT_SITEMAPS ? " over 1000 sitemaps" : "");
	if (c->conf->sitemaps) {
		const char *const *sm;
		size_t i, n = robots_sitemaps(rb, &sm);
		struct url_base base;
		char *self = xasprintf("%s/robots.txt", frontier_host_name(h));

		/* RFC 9309 wants them absolute; a relative one has one meaning. */
		if (n && url_base_init(&base, self) == 0) {
			for (i = 0; i < n; i++) {
				char *u = url_resolve(&base, sm[i], strlen(sm[i]));
				queue_sitemap(c, u ? u : sm[i], 0, true);
				free(u);
			}
			url_base_release(&base);
		}
		free(self);
	}
}

/* Rules from a robots.txt answer: status STATUS, body BODY (LEN bytes). */
static struct robots *robots_of(struct coord *c, int status, const char *body,
				size_t len)
{
	if (status >= 200 && status < 300)
		return robots_parse(body ? body : "", len, c->agent);
	return robots_new_all(true);
}

/* H's robots.txt as stored, if younger than robots_ttl (or any age if
 * STALE_OK): 1 applied, 0 none, -1 storage error. */
static int robots_from_store(struct coord *c, struct host *h, struct hstate *hs,
			     bool stale_ok)
{
	struct robots_rec rec;
	int rc = store_robots_get(c->store, frontier_host_name(h), &rec);

	if (rc <= 0)
		return rc;
	if (!stale_ok && wall_ms() - rec.fetched_at >= c->conf->robots_ttl_s * 1000LL) {
		store_robots_rec_release(&rec);
		return 0;
	}
	robots_apply(c, h, hs, robots_of(c, rec.status, rec.body, rec.body_len));
	log_debug("%s/robots.txt: the copy stored %lld s ago", frontier_host_name(h),
		  (wall_ms() - rec.fetched_at) / 1000);
	store_robots_rec_release(&rec);
	return 1;
}

/* Stores the rules host H answered (status STATUS, body R->body). */
static int robots_store(struct coord *c, struct host *h, struct robots *rb,
			const struct result *r)
{
	struct robots_rec rec;
	const char *const *sm;
	size_t i, n = robots_sitemaps(rb, &sm), len = 0;
	char *list = NULL;
	int rc;

	for (i = 0; i < n; i++)
		len += strlen(sm[i]) + 1;
	if (n) {
		list = xmalloc(len);
		for (len = 0, i = 0; i < n; i++) {
			size_t l = strlen(sm[i]);
			memcpy(list + len, sm[i], l);
			list[len + l] = i + 1 < n ? '\n' : '\0';
			len += l + 1;
		}
	}
	memset(&rec, 0, sizeof rec);
	rec.fetched_at = wall_ms();
	rec.status = (int)r->status;
	if (r->status >= 200 && r->status < 300) {
		rec.body = (char *)(r->body ? r->body : "");
		rec.body_len = r->body_len > ROBOTS_MAX_BODY ? ROBOTS_MAX_BODY : r->body_len;
	}
	rec.sitemaps = list;
	rc = tx_touch(c) < 0 ? -1 : store_robots_put(c->store, frontier_host_name(h), &rec);
	free(list);
	return rc;
}

#define RETRY_MAX_MS (10 * 60 * 1000LL)

/* Takes the robots.txt result for host H and releases the host.
 *
 * RFC 9309 2.3.1: 2xx gives the rules; 3xx after 5 hops (the worker
 * follows them), and 4xx, mean no rules; both are stored for robots_ttl.
 * 5xx, 429 (a rate limit, not "no robots.txt", as Google reads it) and no
 * answer mean "disallow everything for now": the host's URLs wait, and
 * robots.txt is asked again after retry_delay, doubled each time (or its
 * Retry-After), up to `retries` times; a stored copy older than
 * robots_ttl is used instead if there is one (RFC 9309 2.4 allows a
 * stale copy while the file is unreachable).  After the last attempt the
 * host's URLs are skipped with reason "robots-unavailable": RFC 9309
 * 2.3.1.4 requires a complete disallow, and a URL that waited forever
 * would keep the job from finishing.  -1 on a storage error. */
static int robots_done(struct coord *c, struct host *h, const struct result *r)
{
	struct hstate *hs = host_state(h);
	const char *name = frontier_host_name(h);
	/* The worker calls a 4xx or 5xx answer error "http", and more than 5
	 * redirects "redirect-loop"; other errors mean no answer. */
	bool decided = r->status > 0 &&
		       (!r->error || strcmp(r->error, "http") == 0 ||
			strcmp(r->error, "redirect-loop") == 0);
	long long wait, ra;
	int rc = 0;

	frontier_hold(c->fr, h, false);
	if (blocked(r)) {
		log_warn("%s: its address is refused (blocked-address); not "
			 "crawling that host", name);
		hs->state = RB_BLOCKED;
		return 0;
	}
	if (decided && ((r->status >= 200 && r->status < 300) ||
			(r->status >= 300 && r->status < 500 && r->status != 429))) {
		struct robots *rb = robots_of(c, (int)r->status, r->body, r->body_len);
		rc = robots_store(c, h, rb, r);
		robots_apply(c, h, hs, rb);
		hs->tries = 0;
		return rc;
	}
	/* Unreachable for now. */
	hs->tries++;
	rc = robots_from_store(c, h, hs, true);
	if (rc != 0) {
		if (rc > 0)
			log_warn("%s/robots.txt: %s (status %u); using the copy "
				 "stored earlier", name, r->error ? r->error : "http",
				 r->status);
		return rc < 0 ? -1 : 0;
	}
	if (hs->tries > c->conf->retries) {
		log_warn("%s/robots.txt could not be fetched (%s, status %u, %d "
			 "attempts); skipping that host's URLs (robots-unavailable)",
			 name, r->error ? r->error : "http", r->status, hs->tries);
		hs->state = RB_UNAVAILABLE;
		return 0;
	}
	ra = r->status == 429 || r->status == 503 ?
	     frontier_retry_after_ms(r->retry_after, wall_ms() / 1000) : -1;
	if (ra >= 0) {
		wait = ra > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : ra;
	} else {
		wait = c->conf->retry_delay_ms;
		for (int i = 1; i < hs->tries && wait < RETRY_MAX_MS; i++)
			wait *= 2;
		if (wait > RETRY_MAX_MS)
			wait = RETRY_MAX_MS;
	}
	log_info("%s/robots.txt: %s (status %u); its URLs wait, asking again in "
		 "%lld ms", name, r->error ? r->error : "http", r->status, wait);
	hs->state = RB_NONE;
	frontier_host_pause(h, now_ms() + wait);
	return 0;
}

/* The path and query of normalized URL U. */
static const char *url_path(const char *u)
{
	size_t n;
	const char *a = url_authority(u, &n);

	return a && a[n] ? a + n : "/";
}

/* ---- politeness and retries ---- */

/* Tells E's host how the fetch went (backoff, Retry-After, autothrottle).
 * Returns the Retry-After of a 429 or 503 in ms (capped), or -1. */
static long long polite_result(struct coord *c, struct fentry *e,
			       const struct result *r)
{
	struct host *h = e->host;
	long long now = now_ms(), ra = -1;

	if (r->status == 429 || r->status == 503) {
		ra = frontier_retry_after_ms(r->retry_after, wall_ms() / 1000);
		if (ra > RETRY_AFTER_MAX_MS)
			ra = RETRY_AFTER_MAX_MS;
		if (ra >= 0)
			frontier_host_pause(h, now + ra);
		else
			frontier_host_backoff(c->fr, h, now, e->sent);
		log_debug("%s: %u; %s waits %lld ms", e->url, r->status,
			  frontier_host_name(h),
			  ra >= 0 ? ra : (long long)frontier_host_delay_ms(c->fr, h));
	} else if (r->status > 0) {
		frontier_host_recover(c->fr, h, e->sent);
	}
	if (r->status > 0)
		frontier_host_latency(c->fr, h, (long)r->elapsed_ms,
				      r->status >= 200 && r->status < 300);
	return ra;
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

/* If E's fetch failed in a way worth retrying and attempts are left,
 * schedules the retry (stored, so it survives a restart) and returns 1;
 * E then waits in the frontier, RA ms if the server said so (Retry-After,
 * RA >= 0), else retry_delay doubled per attempt, with jitter.  0 if the
 * result is final, -1 on a storage error. */
static int maybe_retry(struct coord *c, struct fentry *e, const struct result *r,
		       long long ra)
{
	long long delay;
	int i;

	if (!retryable(r) || e->attempts >= c->conf->retries)
		return 0;
	e->attempts++;
	if (ra >= 0) {
		delay = ra;
	} else {
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
	}
	if (tx_touch(c) < 0 || store_url_retry(c->store, e->id, e->attempts,
					       wall_ms() + delay) < 0)
		return -1;
	log_debug("%s: %s (status %u); attempt %d in %lld ms", e->url,
		  r->error ? r->error : "http", r->status, e->attempts + 1, delay);
	frontier_defer(c->fr, e, now_ms() + delay);
	c->retried++;
	return 1;
}

/* ---- sitemaps ---- */

/* Queues URL (taken over) at DEPTH, at the back or, if FRONT, first. */
static void smq_push(struct smqueue *q, char *url, int depth, bool front)
{
	if (q->head > 0 && q->head == q->n)
		q->head = q->n = 0;
	if (front && q->head > 0) {
		q->head--;
		q->url[q->head] = url;
		q->depth[q->head] = depth;
		return;
	}
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->url = xrealloc(q->url, q->cap * sizeof *q->url);
		q->depth = xrealloc(q->depth, q->cap * sizeof *q->depth);
	}
	if (front) {
		memmove(q->url + 1, q->url, q->n * sizeof *q->url);
		memmove(q->depth + 1, q->depth, q->n * sizeof *q->depth);
		q->url[0] = url;
		q->depth[0] = depth;
	} else {
		q->url[q->n] = url;
		q->depth[q->n] = depth;
	}
	q->n++;
}

static void smq_release(struct smqueue *q)
{
	size_t i;

	for (i = q->head; i < q->n; i++)
		free(q->url[i]);
	free(q->url);
	free(q->depth);
	memset(q, 0, sizeof *q);
}

/* Adds sitemap URL (as written; normalized here) of DEPTH to the job, to
 * be fetched once.  SCOPED: only if it is in scope (a sitemap named by a
 * robots.txt or an index; those given in the config make the scope). */
static void queue_sitemap(struct coord *c, const char *url, int depth, bool scoped)
{
	char *u = url_normalize(url);
	int rc;

	if (!u) {
		log_warn("sitemap \"%s\" is not an http(s) URL; skipped", url);
		return;
	}
	if (depth > SITEMAP_MAX_DEPTH) {
		log_warn("sitemap %s: nested %d indexes deep; not read (at most %d)",
			 u, depth, SITEMAP_MAX_DEPTH);
		free(u);
		return;
	}
	if (scoped && out_of_scope(c, u)) {
		log_debug("sitemap %s: out of scope; not read", u);
		free(u);
		return;
	}
	if (c->sitemaps >= SITEMAP_MAX_FILES) {
		if (!c->sitemap_cap_logged)
			log_warn("more than %d sitemaps; the rest (%s, ...) are not "
				 "read", SITEMAP_MAX_FILES, u);
		c->sitemap_cap_logged = true;
		free(u);
		return;
	}
	rc = tx_touch(c) < 0 ? -1 : store_sitemap_add(c->store, c->job, u, depth);
	if (rc < 0)
		c->fatal = true;
	if (rc <= 0) {
		free(u);
		return;
	}
	c->sitemaps++;
	smq_push(&c->smq, u, depth, false);
}

/* Queues LOC, listed by a sitemap, as a seed found at depth 0 (scope,
 * limits and robots.txt apply as to a link), and records its LASTMOD. */
static int take_sitemap_loc(struct coord *c, const char *loc, const char *lastmod)
{
	size_t len = strlen(loc);
	uint64_t fp = url_fingerprint(loc, len);
	int seen = frontier_seen(c->fr, fp), rc = 0;
	const char *why;
	int64_t id;

	if (seen == SEEN_NONE) {
		frontier_mark(c->fr, fp, 0);
		why = admit(c, loc, len);
		if (why) {
			rc = store_url_add(c->store, c->job, fp, loc, 0, 0, URL_SKIPPED,
					   why, &id);
			if (rc > 0)
				c->skipped++;
		} else {
			rc = frontier_add(c->fr, fp, loc, 0, 0);
			if (rc > 0)
				c->queued++;
		}
	} else if (seen > 0) {
		frontier_mark(c->fr, fp, 0);
		rc = store_url_set_depth(c->store, c->job, fp, 0);
	}
	if (rc >= 0 && lastmod)
		rc = store_url_set_lastmod(c->store, c->job, fp, lastmod);
	return rc < 0 ? -1 : 0;
}

/* Takes the result of the fetch of sitemap URL of DEPTH.  -1 on a storage
 * error. */
static int took_sitemap(struct coord *c, const char *url, int depth,
			const struct result *r)
{
	struct sitemap sm;
	const char *kind = NULL;
	size_t i;
	int state = URL_DONE, rc = 0;

	c->sitemap_inflight--;
	memset(&sm, 0, sizeof sm);
	if (tx_touch(c) < 0)
		return -1;
	if (blocked(r)) {
		log_warn("sitemap %s: its address is refused (blocked-address)", url);
		return store_sitemap_done(c->store, c->job, url, URL_SKIPPED, 0, NULL,
					  0, r->error);
	}
	if (r->status < 200 || r->status >= 300 || r->error) {
		log_warn("sitemap %s: %s (status %u); not read", url,
			 r->error ? r->error : "http", r->status);
		return store_sitemap_done(c->store, c->job, url, URL_FAILED,
					  (int)r->status, NULL, 0,
					  r->error ? r->error : "http");
	}
	if (sitemap_parse(&sm, r->body ? r->body : "", r->body_len,
			  r->final_url && *r->final_url ? r->final_url : url) < 0) {
		sitemap_release(&sm);
		return store_sitemap_done(c->store, c->job, url, URL_FAILED,
					  (int)r->status, NULL, 0, "url");
	}
	if (sm.cuts)
		log_warn("sitemap %s: read only in part (%s%s%s); %zu entries kept", url,
			 sm.cuts & SITEMAP_CUT_SIZE ? "over 50 MiB " : "",
			 sm.cuts & SITEMAP_CUT_ENTRIES ? "over 50,000 entries " : "",
			 sm.cuts & SITEMAP_CUT_ERROR ? "malformed " : "", sm.n);
	if (sm.kind == SITEMAP_INDEX) {
		kind = "index";
		for (i = 0; i < sm.n; i++)
			queue_sitemap(c, sm.e[i].loc, depth + 1, true);
	} else if (sm.kind == SITEMAP_URLSET) {
		kind = "urlset";
		for (i = 0; i < sm.n && rc == 0; i++)
			rc = take_sitemap_loc(c, sm.e[i].loc, sm.e[i].lastmod);
	} else {
		log_warn("sitemap %s: not a sitemap (no <urlset>, <sitemapindex> "
			 "or URL lines)", url);
		state = URL_FAILED;
	}
	log_debug("sitemap %s: %s of %zu entries", url, kind ? kind : "nothing", sm.n);
	if (rc == 0)
		rc = store_sitemap_done(c->store, c->job, url, state, (int)r->status,
					kind, (long)sm.n, kind ? NULL : "not-a-sitemap");
	sitemap_release(&sm);
	return rc;
}

/* Sends the next sitemap to worker WI. */
static void send_sitemap(struct coord *c, int wi)
{
	struct smqueue *q = &c->smq;
	uint32_t id = order_new(c, NULL, NULL, wi);
	struct order *o = &c->orders[id - 1];

	o->sitemap = q->url[q->head];
	o->smdepth = q->depth[q->head];
	q->head++;
	c->sitemap_inflight++;
	/* ORDER_ROBOTS too: a worker that does not know ORDER_SITEMAP still
	 * sends the body back raw (its first 500 KiB). */
	proto_put_order(&c->sv.w[wi].out, id, o->sitemap, ORDER_SITEMAP | ORDER_ROBOTS);
}

static void requeue_sitemap(void *arg, const char *url, int depth)
{
	struct coord *c = arg;

	smq_push(&c->smq, xstrdup(url), depth, false);
}

static int store_result(struct coord *c, struct fentry *e, const struct result *r);

/* E's fetch answered with a redirect to R->location.  The hop is
 * followed when its target is new, in scope and no loop: the target is
 * queued (its robots.txt and politeness apply as to any URL) and its page
 * will be stored under E's row.  Otherwise the redirect itself is E's
 * page, with error "redirect-loop" for a loop or too many hops.  Returns
 * 1 if followed (E freed), 0 if stored, -1 on a storage error. */
static int follow_redirect(struct coord *c, struct fentry *e, const struct result *r)
{
	struct result fin = *r;
	const char *to = r->location, *why;
	uint64_t fp, *chain;
	int i, rc, seen;

	fin.final_url = *to ? to : r->final_url;
	if (!*to)
		return store_result(c, e, &fin); /* to another scheme: final */
	fp = url_fingerprint(to, strlen(to));
	for (i = 0; i < e->hops; i++)
		if (e->chain[i] == fp)
			break;
	if (fp == e->fp || i < e->hops || e->hops >= c->conf->max_redirects) {
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
	why = admit(c, to, strlen(to));
	if (why) {
		int64_t id;
		if (tx_touch(c) < 0 ||
		    store_url_add(c->store, c->job, fp, to, e->depth, e->id,
				  URL_SKIPPED, why, &id) < 0)
			return -1;
		c->skipped++;
		return store_result(c, e, &fin);
	}
	chain = xmalloc(((size_t)e->hops + 1) * sizeof *chain);
	if (e->hops)
		memcpy(chain, e->chain, (size_t)e->hops * sizeof *chain);
	chain[e->hops] = e->fp;
	frontier_add_hop(c->fr, e->id, fp, to, e->depth, e->hops + 1, chain, r->status);
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
	/* noindex (<meta name=robots>, X-Robots-Tag): the fetch is recorded,
	 * the content is not, and exports leave the page out. */
	if (r->flags & RESULT_NOINDEX) {
		p.noindex = true;
		p.title = p.description = p.canonical = NULL;
		p.body = NULL;
		p.body_len = 0;
	}
	state = r->error && r->status == 0 ? URL_FAILED : URL_DONE;
	if (tx_touch(c) < 0 || (stored = store_page_add(c->store, c->job, &p, state)) < 0)
		return -1;
	/* A page fetched twice (at-least-once) has its items stored once. */
	if (stored && r->items && !p.noindex &&
	    store_items(c, e->id, e->url, r->items) < 0)
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

/* ---- cookies ---- */

/* Queues the job's jar for the new worker in SLOT: its first message. */
static void send_jar(struct coord *c, int slot)
{
	char *text;
	size_t len;

	if (!c->conf->cookies || c->sv.w[slot].fd < 0)
		return;
	text = cookies_text(&c->jar, &len);
	if (len)
		proto_put_cookies(&c->sv.w[slot].out, text, len);
	free(text);
}

/* Merges the cookies a worker sent into the job's jar (the latest wins),
 * stores the jar with the current batch, and passes the lines that
 * changed it to every worker, the sender too: all apply them in this
 * order, so two workers that set the same cookie at once end up agreeing.
 * -1 on a storage error. */
static int took_cookies(struct coord *c, const char *text, size_t len)
{
	char *changed = NULL, *all;
	size_t clen = 0, alen;
	int i, rc;

	if (cookies_merge(&c->jar, text, len, (int64_t)time(NULL), &changed,
			  &clen) == 0)
		return 0;
	all = cookies_text(&c->jar, &alen);
	rc = tx_touch(c) < 0 || store_job_set_cookies(c->store, c->job, all, alen) < 0
		     ? -1 : 0;
	free(all);
	for (i = 0; changed && i < c->sv.n; i++)
		if (c->sv.w[i].fd >= 0)
			proto_put_cookies(&c->sv.w[i].out, changed, clen);
	free(changed);
	return rc;
}

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
			if (f.type == IPC_COOKIES && c->conf->cookies) {
				const char *text;
				size_t len;

				if (proto_get_cookies(&f, &text, &len) < 0) {
					log_error("worker %d sent a malformed cookies "
						  "frame; replacing it", slot);
					worker_lost(c, slot);
					return 0;
				}
				if (took_cookies(c, text, len) < 0)
					return -1;
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
				struct host *oh = o.robots ? o.robots : o.e ? o.e->host : NULL;
				long long ra;
				long d;

				/* The delay also runs from each answer: a server
				 * logs a request when it arrives, not when trawl
				 * sent it, and with per_host 1 it then never sees
				 * two requests closer than the delay, however late
				 * the first one reached it. */
				if (oh && (d = frontier_host_delay_ms(c->fr, oh)) > 0)
					frontier_host_pause(oh, now_ms() + d);
				if (o.robots) {
					if (robots_done(c, o.robots, &r) < 0)
						return -1;
					continue;
				}
				if (o.sitemap) {
					rc = took_sitemap(c, o.sitemap, o.smdepth, &r);
					free(o.sitemap);
					if (rc < 0)
						return -1;
					continue;
				}
				if (blocked(&r)) {
					/* Refused for its address: no page, no retry,
					 * and the host's other URLs go the same way. */
					host_state(o.e->host)->state = RB_BLOCKED;
					rc = skip_or_end(c, o.e, "blocked-address");
					frontier_done(c->fr, o.e);
					if (rc < 0)
						return -1;
					continue;
				}
				ra = polite_result(c, o.e, &r);
				rc = maybe_retry(c, o.e, &r, ra);
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
			host_state(o.robots)->state = RB_NONE;
			frontier_hold(c->fr, o.robots, false);
			continue;
		}
		if (o.sitemap) {
			/* Fetched again, first. */
			c->sitemap_inflight--;
			smq_push(&c->smq, o.sitemap, o.smdepth, true);
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
	if (c->collecting) {
		/* Exiting as told; supervise_stop() reaps it. */
		close(c->sv.w[slot].fd);
		c->sv.w[slot].fd = -1;
		c->sv.w[slot].ready = false;
		c->sv.w[slot].inflight = 0;
		return;
	}
	supervise_lost(&c->sv, slot);
	if (!c->draining) {
		if (supervise_spawn(&c->sv, slot) < 0)
			c->fatal = true;
		else
			send_jar(c, slot);
	}
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
	while (!page_limit_reached(c) && total_credit(c)) {
		struct host *h;
		struct hstate *hs;
		const char *why = NULL;

		if (c->smq.head < c->smq.n && c->sitemap_inflight < SITEMAP_INFLIGHT) {
			send_sitemap(c, pick_worker(c, NULL));
			continue;
		}
		if (!(e = frontier_pop(c->fr, now, &wake)))
			break;
		h = e->host;
		hs = host_state(h);
		wi = pick_worker(c, h);
		if (c->conf->robots && hs->state == RB_NONE) {
			int rc = robots_from_store(c, h, hs, false);
			if (rc < 0) {
				c->fatal = true;
				frontier_requeue(c->fr, e);
				break;
			}
			if (rc == 0) {
				/* First visit: robots.txt before anything else. */
				char *u = xasprintf("%s/robots.txt", frontier_host_name(h));
				frontier_hold(c->fr, h, true);
				frontier_requeue(c->fr, e);
				hs->state = RB_PENDING;
				proto_put_order(&c->sv.w[wi].out, order_new(c, NULL, h, wi),
						u, ORDER_ROBOTS);
				free(u);
				continue;
			}
		}
		if (hs->state == RB_BLOCKED)
			why = "blocked-address";
		else if (c->conf->robots && hs->state == RB_UNAVAILABLE)
			why = "robots-unavailable";
		else if (c->conf->robots && hs->rb && !robots_allowed(hs->rb, url_path(e->url)))
			why = "robots";
		if (why) {
			int rc = skip_or_end(c, e, why);
			frontier_done(c->fr, e);
			if (rc < 0) {
				c->fatal = true;
				break;
			}
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

/* Tells every worker to stop and takes what they send until they are
 * gone or COLLECT_MS passes: a worker sends its cookies at most once a
 * second, so the changes of its last second come now. */
static void collect_cookies(struct coord *c)
{
	struct pollfd *pfd = xcalloc((size_t)c->sv.n, sizeof *pfd);
	long long deadline = now_ms() + COLLECT_MS;
	int i, np, slot;

	c->collecting = true;
	for (i = 0; i < c->sv.n; i++) {
		if (c->sv.w[i].fd < 0)
			continue;
		ipc_begin(&c->sv.w[i].out, IPC_STOP, 0);
		ipc_end(&c->sv.w[i].out);
	}
	while (!c->fatal) {
		long long left = deadline - now_ms();

		for (i = 0, np = 0; i < c->sv.n; i++) {
			struct wslot *w = &c->sv.w[i];

			if (w->fd < 0)
				continue;
			if (ipc_pending(&w->out) && ipc_flush(&w->out, w->fd) < 0) {
				worker_lost(c, i);
				continue;
			}
			pfd[np].fd = w->fd;
			pfd[np].events = POLLIN | (ipc_pending(&w->out) ? POLLOUT : 0);
			pfd[np].revents = 0;
			np++;
		}
		if (np == 0 || left <= 0)
			break;
		if (poll(pfd, (nfds_t)np, (int)left) < 0 && errno != EINTR)
			break;
		for (i = 0; i < np && !c->fatal; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (slot = 0; slot < c->sv.n; slot++)
				if (c->sv.w[slot].fd == pfd[i].fd)
					break;
			if (slot < c->sv.n && read_worker(c, slot) < 0)
				c->fatal = true;
		}
	}
	free(pfd);
}

/* ---- setup ---- */

/* Stores seed U (normalized) and adds its host to the scope. */
static int add_seed(void *arg, const char *u)
{
	struct coord *c = arg;
	size_t n;
	const char *h = url_host(u, &n);
	uint64_t fp = url_fingerprint(u, strlen(u));
	const char *why;
	int64_t id;
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
	/* Seeds are the user's: only the host limit applies to them. */
	why = frontier_admit(c->fr, u, strlen(u), false);
	if (why) {
		rc = store_url_add(c->store, c->job, fp, u, 0, 0, URL_SKIPPED, why, &id);
		if (rc > 0)
			c->skipped++;
		return rc < 0 ? -1 : 0;
	}
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

/* The sitemaps still to fetch from an earlier run, then those of the
 * config (their hosts join the scope, as seeds' do). */
static int add_sitemaps(struct coord *c)
{
	const struct conf_list *l = &c->conf->sitemap;
	long n = store_sitemap_queued(c->store, c->job, requeue_sitemap, c);
	size_t i;

	if (n < 0)
		return -1;
	c->sitemaps = n;
	for (i = 0; i < l->n; i++) {
		char *u = url_normalize(l->v[i]);
		size_t hn;
		const char *h = u ? url_host(u, &hn) : NULL;

		if (h && !host_in_list(h, hn, c->scope_hosts, c->nscope)) {
			if (c->nscope + 1 >= c->scope_cap) {
				c->scope_cap = c->scope_cap ? c->scope_cap * 2 : 16;
				c->scope_hosts = xrealloc(c->scope_hosts,
							  c->scope_cap * sizeof *c->scope_hosts);
			}
			c->scope_hosts[c->nscope++] = xstrndup(h, hn);
		}
		free(u);
		queue_sitemap(c, l->v[i], 0, false);
	}
	return c->fatal ? -1 : 0;
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
		    (c->draining || page_limit_reached(c) ||
		     (frontier_empty(c->fr) && c->smq.head == c->smq.n)))
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
	{
		struct frontier_policy pol = {
			.autothrottle = cf->autothrottle,
			.autothrottle_target = cf->autothrottle_target,
			.autothrottle_max_ms = cf->autothrottle_max_delay_ms,
			.max_per_host = cf->max_pages_per_host,
			.max_query_variants = cf->max_query_variants,
		};
		frontier_set_policy(c.fr, &pol);
	}
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
	if (cf->cookies) {
		char *text = NULL;
		size_t len = 0;

		if (store_job_cookies(c.store, c.job, &text, &len) < 0)
			goto out;
		if (text)
			cookies_merge(&c.jar, text, len, (int64_t)time(NULL), NULL, NULL);
		free(text);
	}
	if (supervise_start(&c.sv, cf, (int)cf->workers) < 0)
		goto out;
	for (i = 0; i < (uint32_t)c.sv.n; i++)
		send_jar(&c, (int)i);
	if (tx_touch(&c) < 0 || frontier_load(c.fr) < 0 || add_seeds(&c, seeds) < 0 ||
	    add_sitemaps(&c) < 0 || tx_commit(&c) < 0)
		goto out;
	if (resumed && c.queued == 0 && c.smq.head == c.smq.n) {
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
	if (cf->cookies && ret != EXIT_RUNTIME && c.signals < 2) {
		collect_cookies(&c);
		if (c.fatal)
			ret = EXIT_RUNTIME;
	}
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
	for (i = 0; c.orders && i < c.norders; i++) {
		frontier_entry_free(c.orders[i].e);
		free(c.orders[i].sitemap);
	}
	smq_release(&c.smq);
	cookies_release(&c.jar);
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
