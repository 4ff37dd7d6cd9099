/*
 * worker.c - the worker loop: curl multi for fetching, extract.c for
 * parsing, proto.h frames to and from the coordinator.
 *
 * Runs in each worker process.  Tuned for up to `concurrency` (64)
 * transfers in flight and thousands of small pages per second: one
 * curl_multi_poll() waits on every transfer and on the channel; per
 * finished transfer the body is parsed at once and one result frame is
 * queued; the channel is flushed before sleeping.
 */
#include "worker.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <zlib.h>

#include "extract.h"
#include "log.h"
#include "proto.h"
#include "scrape.h"
#include "url.h"

struct xfer {
	struct xfer *prev, *next;   /* in worker.xfers */
	CURL *easy;
	uint32_t id;
	char *url;
	char *body;
	size_t len, cap, max;
	bool too_large;
	bool robots;                /* keep the first max bytes, drop the rest */
	char errbuf[CURL_ERROR_SIZE];
};

struct worker {
	int slot, fd;
	const struct conf *conf;
	struct stats_worker *stats;
	CURLM *multi;
	CURL *proto;          /* template every transfer is duplicated from */
	CURL **spare;         /* finished handles, reused before duplicating */
	size_t nspare;
	struct xfer *xfers;   /* transfers in flight */
	const char *crash_on; /* TRAWL_TEST_CRASH_URL: abort on such a URL */
	const char *hang_on;  /* TRAWL_TEST_HANG_URL: hang on such a URL */
	struct ipc_in in;
	struct ipc_out out;
	int running;          /* transfers in the multi handle */
	bool stopping;        /* no more orders will come */
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (x->len + n > x->max) {
		if (x->robots) {
			/* RFC 9309: parse the first 500 KiB, ignore the rest. */
			n = x->max - x->len;
			if (n == 0)
				return size * nmemb;
		} else {
			x->too_large = true;
			return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
		}
	}
	if (x->len + n > x->cap) {
		curl_off_t cl = -1;
		size_t cap = x->cap ? x->cap : 32768;
		if (!x->cap)
			curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		if (cl > 0 && (size_t)cl >= x->len + n)
			cap = (size_t)cl;
		while (cap < x->len + n)
			cap *= 2;
		if (cap > x->max)
			cap = x->max;
		x->body = xrealloc(x->body, cap);
		x->cap = cap;
	}
	memcpy(x->body + x->len, p, n);
	x->len += n;
	return size * nmemb;
}

static CURL *make_proto(const struct conf *c)
{
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* Redirects are the coordinator's to follow (scope, robots, dedup
	 * for each hop); only robots.txt follows them here. */
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout_s);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, c->timeout_s);
	/* A server trickling under 100 bytes/s for 30 s is cut off. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 100L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_size);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 65536L);
	return e;
}

#define ROBOTS_MAX (500 * 1024)

static int start(struct worker *w, uint32_t id, const char *url, unsigned flags)
{
	struct xfer *x = xcalloc(1, sizeof *x);

	x->id = id;
	x->url = xstrdup(url);
	x->robots = flags & ORDER_ROBOTS;
	x->max = x->robots ? ROBOTS_MAX : (size_t)w->conf->max_size;
	/* A finished handle keeps the template's options; only the ones set
	 * per transfer below change. */
	x->easy = w->nspare ? w->spare[--w->nspare] : curl_easy_duphandle(w->proto);
	if (!x->easy)
		abort();
	curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE,
			 x->robots ? (curl_off_t)0 : (curl_off_t)w->conf->max_size);
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, x->robots ? 1L : 0L);
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	if (curl_multi_add_handle(w->multi, x->easy) != CURLM_OK) {
		log_error("curl_multi_add_handle failed for %s", url);
		curl_easy_cleanup(x->easy);
		free(x->url);
		free(x);
		return -1;
	}
	x->next = w->xfers;
	if (x->next)
		x->next->prev = x;
	w->xfers = x;
	w->running++;
	atomic_store_explicit(&w->stats->inflight, (uint32_t)w->running,
			      memory_order_relaxed);
	return 0;
}

static void xfer_free(struct worker *w, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		w->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	curl_multi_remove_handle(w->multi, x->easy);
	if (w->nspare < (size_t)w->conf->concurrency) {
		curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, NULL);
		w->spare[w->nspare++] = x->easy;
	} else {
		curl_easy_cleanup(x->easy);
	}
	free(x->body);
	free(x->url);
	free(x);
}

static const char *error_code(CURLcode rc, const struct xfer *x)
{
	switch (rc) {
	case CURLE_OK: return NULL;
	case CURLE_OPERATION_TIMEDOUT: return "timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return "dns";
	case CURLE_COULDNT_CONNECT: return "connect";
	case CURLE_FILESIZE_EXCEEDED: return "too-large";
	case CURLE_WRITE_ERROR: return x->too_large ? "too-large" : "write";
	case CURLE_TOO_MANY_REDIRECTS: return "redirect-loop";
	case CURLE_UNSUPPORTED_PROTOCOL: return "protocol";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE: return "tls";
	case CURLE_BAD_CONTENT_ENCODING: return "encoding";
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: return "network";
	default: return "fetch";
	}
}

/* True for text/html and application/xhtml+xml, or, without a type, for
 * a body that starts like HTML. */
static bool is_html(const char *ctype, const char *body, size_t len)
{
	size_t i;

	if (ctype) {
		size_t n = strcspn(ctype, "; \t");
		return (n == 9 && strncasecmp(ctype, "text/html", 9) == 0) ||
		       (n == 21 && strncasecmp(ctype, "application/xhtml+xml", 21) == 0);
	}
	for (i = 0; i < len && i < 512; i++)
		if (body[i] == '<')
			return len - i >= 5 && (strncasecmp(body + i, "<html", 5) == 0 ||
						strncasecmp(body + i, "<!doc", 5) == 0 ||
						strncasecmp(body + i, "<head", 5) == 0);
	return false;
}

/* The charset parameter of a Content-Type, copied into BUF, or NULL. */
static const char *charset_of(const char *ctype, char *buf, size_t size)
{
	const char *p = ctype ? strcasestr(ctype, "charset=") : NULL;
	size_t n;

	if (!p)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	n = strcspn(p, "\"; \t");
	if (n == 0 || n >= size)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static const char *header_value(CURL *e, const char *name)
{
	struct curl_header *h;

	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	return h->value;
}

static void finish(struct worker *w, struct xfer *x, CURLcode rc)
{
	struct result r;
	struct extract ex;
	long status = 0;
	curl_off_t total_us = 0;
	char *eff = NULL, *final_url = NULL, *ctype = NULL, *zbody = NULL,
	     *loc = NULL, *location = NULL, *items = NULL;
	char csbuf[64];
	bool parsed = false;

	memset(&r, 0, sizeof r);
	memset(&ex, 0, sizeof ex);
	/* Should this page kill us, the coordinator knows which one did. */
	atomic_store_explicit(&w->stats->handling, x->id, memory_order_relaxed);
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	final_url = eff ? url_normalize(eff) : NULL;

	r.status = (uint32_t)status;
	r.error = error_code(rc, x);
	if (r.error && x->errbuf[0])
		r.error_detail = x->errbuf;
	if (!r.error && status >= 400)
		r.error = "http";
	r.final_url = final_url ? final_url : x->url;
	if (!x->robots && status >= 300 && status < 400 &&
	    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc) {
		location = url_normalize(loc);
		r.location = location ? location : "";
	}
	r.content_type = ctype;
	r.bytes = x->len;
	r.elapsed_ms = (uint32_t)(total_us / 1000);
	r.etag = header_value(x->easy, "ETag");
	r.last_modified = header_value(x->easy, "Last-Modified");
	r.content_hash = x->len ? url_fingerprint(x->body, x->len) : 0;

	/* Fault tests make a page kill its parser (see README, Tests). */
	if (w->crash_on && strstr(x->url, w->crash_on))
		abort();
	while (w->hang_on && strstr(x->url, w->hang_on))
		pause();
	if (x->robots) {
		r.body = x->body;
		r.body_len = x->len;
	} else if (rc == CURLE_OK && status >= 200 && status < 300 &&
		   is_html(ctype, x->body, x->len)) {
		atomic_store_explicit(&w->stats->phase, PHASE_PARSE, memory_order_relaxed);
		const char *cs = charset_of(ctype, csbuf, sizeof csbuf);

		if (extract_html(&ex, x->body, x->len, r.final_url, cs,
				 (size_t)w->conf->max_links) == 0)
			parsed = true;
		if (w->conf->scrape)
			items = scrape_page(w->conf->scrape, x->body, x->len,
					    r.final_url, cs);
		r.items = items;
		atomic_store_explicit(&w->stats->phase, PHASE_FETCH, memory_order_relaxed);
	}
	if (parsed) {
		r.flags |= RESULT_PARSED;
		if (ex.noindex)
			r.flags |= RESULT_NOINDEX;
		if (ex.nofollow)
			r.flags |= RESULT_NOFOLLOW;
		r.title = ex.title;
		r.description = ex.description;
		r.canonical = ex.canonical;
		r.links = ex.links;
		r.links_len = ex.links_len;
		r.nlinks = (uint32_t)ex.nlinks;
	}
	if (w->conf->store_body && x->len > 0 && !x->robots) {
		uLongf zlen = compressBound((uLong)x->len);
		zbody = xmalloc(zlen);
		if (compress2((Bytef *)zbody, &zlen, (const Bytef *)x->body,
			      (uLong)x->len, 6) == Z_OK) {
			r.body = zbody;
			r.body_len = zlen;
		}
	}
	proto_put_result(&w->out, x->id, &r);
	atomic_store_explicit(&w->stats->handling, 0, memory_order_relaxed);

	stats_add(&w->stats->pages, 1);
	stats_add(&w->stats->bytes, x->len);
	if (r.error)
		stats_add(&w->stats->errors, 1);
	extract_release(&ex);
	free(items);
	free(location);
	free(final_url);
	free(zbody);
	xfer_free(w, x);
	w->running--;
	atomic_store_explicit(&w->stats->inflight, (uint32_t)w->running,
			      memory_order_relaxed);
}

/* Reads the channel and starts what it orders.  Returns -1 when the
 * coordinator is gone or sent a bad frame. */
static int read_orders(struct worker *w)
{
	struct ipc_frame f;
	const char *url;
	long n;
	int rc;

	for (;;) {
		n = ipc_fill(&w->in, w->fd);
		if (n == IPC_AGAIN)
			break;
		if (n <= 0)
			return -1; /* EOF: the coordinator is gone */
		while ((rc = ipc_next(&w->in, &f)) == 1) {
			switch (f.type) {
			case IPC_ORDER:
				if (proto_get_order(&f, &url) < 0) {
					log_error("malformed order frame");
					return -1;
				}
				start(w, f.id, url, f.flags);
				break;
			case IPC_STOP:
				w->stopping = true;
				break;
			default:
				log_error("unexpected %s frame", ipc_type_name(f.type));
				return -1;
			}
		}
		if (rc < 0) {
			log_error("malformed frame from the coordinator");
			return -1;
		}
	}
	return 0;
}

int worker_run(int slot, int fd, const struct conf *conf,
	       struct stats_worker *stats)
{
	struct worker w;
	struct curl_waitfd wfd;
	CURLMsg *msg;
	int left, ret = 1;
	char name[32];

	snprintf(name, sizeof name, "trawl[w%d]", slot);
	log_init(name, conf->quiet ? LOG_WARN : LOG_INFO);
	signal(SIGINT, SIG_IGN);  /* the coordinator tells us when to stop */
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	memset(&w, 0, sizeof w);
	w.slot = slot;
	w.fd = fd;
	w.conf = conf;
	w.stats = stats;
	w.crash_on = getenv("TRAWL_TEST_CRASH_URL");
	if (w.crash_on && !*w.crash_on)
		w.crash_on = NULL;
	w.hang_on = getenv("TRAWL_TEST_HANG_URL");
	if (w.hang_on && !*w.hang_on)
		w.hang_on = NULL;
	ipc_in_init(&w.in);
	ipc_out_init(&w.out);
	atomic_store_explicit(&stats->pid, (int32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&stats->phase, PHASE_FETCH, memory_order_relaxed);

	w.multi = curl_multi_init();
	w.proto = make_proto(conf);
	if (!w.multi || !w.proto) {
		log_error("cannot initialize libcurl");
		goto out;
	}
	curl_multi_setopt(w.multi, CURLMOPT_MAXCONNECTS, (long)conf->concurrency * 2);
	w.spare = xcalloc((size_t)conf->concurrency, sizeof *w.spare);

	ipc_begin(&w.out, IPC_READY, 0);
	ipc_put_u32(&w.out, (uint32_t)getpid());
	ipc_end(&w.out);

	for (;;) {
		wfd.fd = fd;
		wfd.events = CURL_WAIT_POLLIN;
		if (ipc_pending(&w.out))
			wfd.events |= CURL_WAIT_POLLOUT;
		wfd.revents = 0;
		if (curl_multi_poll(w.multi, &wfd, 1, 1000, NULL) != CURLM_OK)
			break;
		stats_add(&stats->beat, 1);
		curl_multi_perform(w.multi, &left);
		while ((msg = curl_multi_info_read(w.multi, &left))) {
			struct xfer *x = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			finish(&w, x, msg->data.result);
		}
		if (read_orders(&w) < 0)
			break;
		if (ipc_flush(&w.out, fd) < 0)
			break;
		if (w.stopping && w.running == 0 && ipc_pending(&w.out) == 0) {
			ret = 0;
			break;
		}
	}
	if (ret != 0 && w.stopping == false)
		ret = 0; /* the coordinator left; nothing of ours is lost */
out:
	/* Transfers still running belong to a coordinator that is gone or
	 * stopping hard; its supervisor re-queues them. */
	while (w.xfers)
		xfer_free(&w, w.xfers);
	while (w.nspare)
		curl_easy_cleanup(w.spare[--w.nspare]);
	free(w.spare);
	curl_easy_cleanup(w.proto);
	curl_multi_cleanup(w.multi);
	ipc_in_release(&w.in);
	ipc_out_release(&w.out);
	atomic_store_explicit(&stats->phase, PHASE_IDLE, memory_order_relaxed);
	atomic_store_explicit(&stats->inflight, 0, memory_order_relaxed);
	return ret;
}
