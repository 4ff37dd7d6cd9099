/*
 * worker.c - the worker loop: curl multi for fetching, extract.c for
 * parsing, proto.h frames to and from the coordinator.
 *
 * Runs in each worker process.  Tuned for up to `concurrency` (64)
 * transfers in flight and thousands of small pages per second: one
 * curl_multi_poll() waits on every transfer and on the channel; per
 * finished transfer the body is parsed at once and one result frame is
 * queued; the channel is flushed before sleeping.
 *
 * What the config asks of every request is built into the template handle
 * once (headers list, proxy, cookie jar, limits); per transfer only the
 * URL, the per-transfer pointers and, when "auth" is set, the credentials
 * for the URL's host change.  Every new connection passes the address
 * guard (netguard.h) in open_socket(), before the socket exists.
 *
 * With "cookies", every handle shares one jar (a curl share); a bare
 * handle on that share reads and writes it.  After a response that set a
 * cookie, what changed in the jar goes to the coordinator, ahead of the
 * response's result: at once if it is the first change this second or
 * brings a new cookie (a login's session must be everywhere before the
 * pages it opens are ordered), else with the next once-a-second tick; and
 * when told to stop.  What the coordinator sends goes into the jar.
 */
#include "worker.h"

#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cookies.h"
#include "extract.h"
#include "log.h"
#include "netguard.h"
#include "proto.h"
#include "robots.h"
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
	unsigned blocked;           /* connections the address guard refused */
	uint8_t blocked_addr[16];   /* the last of them */
	struct worker *w;
	char errbuf[CURL_ERROR_SIZE];
};

/* Basic auth for one host and port ("auth"). */
struct auth_rule {
	char *host;                 /* as in a normalized URL */
	size_t hostlen;
	long port;                  /* 0: the scheme's default port */
	char *userpwd;              /* "USER:PASSWORD" */
};

#define PROXY_ADDRS_MAX 16

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

	struct curl_slist *headers; /* conf->headers; every handle points here */
	CURLSH *share;        /* the cookie jar ("cookies"), or NULL */
	CURL *jar;            /* a handle on the share, never transferring:
				 reads and fills the jar */
	struct cookies known; /* the jar as the coordinator knows it */
	bool cookies_dirty;   /* a response set cookies since the last sync */
	long long cookies_at; /* start of the current second (monotonic ms) */
	int cookies_sent;     /* messages sent in it */
	struct auth_rule *auth;
	size_t nauth;
	bool proxied;         /* a proxy is configured or in the environment */
	uint8_t proxy_addr[PROXY_ADDRS_MAX][16]; /* exempt from the guard */
	size_t nproxy;
	char agent[64];       /* our robots.txt product token (X-Robots-Tag) */
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

/* ---- the address guard ---- */

static bool is_proxy(const struct worker *w, const uint8_t a[16])
{
	for (size_t i = 0; i < w->nproxy; i++)
		if (memcmp(w->proxy_addr[i], a, 16) == 0)
			return true;
	return false;
}

/* May transfer X reach address A?  The host of the URL it is on
 * (curl's, which moves along robots.txt redirects) matters only for a
 * special address, so a public one costs no lookup.  PROXY_OK: A is
 * where a connection goes, and a proxy's address is fine for that; not
 * for a URL naming it (the proxy would connect to itself). */
static bool address_ok(struct xfer *x, const uint8_t a[16], bool proxy_ok)
{
	const struct worker *w = x->w;
	char *u = NULL;
	const char *h = NULL;
	size_t n = 0;

	if (netguard_classify(a) == NETGUARD_PUBLIC || (proxy_ok && is_proxy(w, a)))
		return true;
	if (curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &u) == CURLE_OK && u)
		h = url_host(u, &n);
	return netguard_allows(w->conf->netguard, a, h, n);
}

static void refuse(struct xfer *x, const uint8_t a[16])
{
	x->blocked++;
	memcpy(x->blocked_addr, a, 16);
}

/* CURLOPT_OPENSOCKETFUNCTION: every connection curl makes (to a server or
 * a proxy) starts here, with the address it resolved.  A refused one
 * never gets a socket; curl tries the host's next address, if any, and
 * fails with CURLE_COULDNT_CONNECT. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose,
				 struct curl_sockaddr *sa)
{
	struct xfer *x = arg;
	uint8_t a[16];

	(void)purpose;
	if (netguard_addr_of(&sa->addr, sa->addrlen, a) < 0) {
		memset(a, 0, sizeof a);
		refuse(x, a);
		return CURL_SOCKET_BAD;
	}
	if (!address_ok(x, a, true)) {
		refuse(x, a);
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype | SOCK_CLOEXEC, sa->protocol);
}

/* CURLOPT_PREREQFUNCTION, set only when a proxy may be used: the proxy
 * connects to the server, so the one address trawl can judge is an IP
 * literal in the URL.  Runs before each request is sent. */
static int before_request(void *arg, char *ip, char *local_ip, int port,
			  int local_port)
{
	struct xfer *x = arg;
	char *u = NULL;
	const char *h;
	uint8_t a[16];
	size_t n;

	(void)ip;
	(void)local_ip;
	(void)port;
	(void)local_port;
	if (curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &u) != CURLE_OK || !u)
		return CURL_PREREQFUNC_OK;
	h = url_host(u, &n);
	if (h && netguard_addr_parse(h, n, a) == 0 && !address_ok(x, a, false)) {
		refuse(x, a);
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

/* Notes where proxy URL P (scheme optional, as curl takes it) is: its
 * addresses are exempt from the guard, since every proxied request goes
 * there.  Runs once at start; a name is resolved now, blocking. */
static void add_proxy(struct worker *w, const char *p)
{
	CURLU *u = curl_url();
	char *host = NULL;
	struct addrinfo hints, *res = NULL, *ai;
	size_t n;
	int rc;

	w->proxied = true;
	if (!u || curl_url_set(u, CURLUPART_URL, p, CURLU_DEFAULT_SCHEME |
			       CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		log_warn("proxy \"%s\": no host in it", p);
		goto out;
	}
	n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		log_warn("proxy %s: cannot resolve it (%s); if it is on a private "
			 "or loopback address, list it in allow_networks", host,
			 gai_strerror(rc));
		goto out;
	}
	for (ai = res; ai && w->nproxy < PROXY_ADDRS_MAX; ai = ai->ai_next) {
		uint8_t a[16];

		if (netguard_addr_of(ai->ai_addr, ai->ai_addrlen, a) == 0 &&
		    !is_proxy(w, a))
			memcpy(w->proxy_addr[w->nproxy++], a, 16);
	}
out:
	if (res)
		freeaddrinfo(res);
	curl_free(host);
	curl_url_cleanup(u);
}

/* The proxies curl may use: "proxy", or else the environment it reads
 * when CURLOPT_PROXY is unset (no_proxy still applies either way). */
static void find_proxies(struct worker *w)
{
	static const char *const env[] = { "http_proxy", "https_proxy",
					   "HTTPS_PROXY", "all_proxy",
					   "ALL_PROXY", NULL };
	const char *v;

	if (w->conf->proxy) {
		add_proxy(w, w->conf->proxy);
		return;
	}
	for (size_t i = 0; env[i]; i++)
		if ((v = getenv(env[i])) && *v)
			add_proxy(w, v);
}

/* ---- credentials ---- */

/* Parses the "auth" entries, "HOST[:PORT] USER:PASSWORD", which conf.c
 * has checked; the host is spelled as url_normalize() spells hosts. */
static void parse_auth(struct worker *w)
{
	const struct conf_list *l = &w->conf->auth;

	w->auth = l->n ? xcalloc(l->n, sizeof *w->auth) : NULL;
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->v[i], *sp = strchr(s, ' '), *end, *colon;
		struct auth_rule *r = &w->auth[w->nauth];
		char *u, *norm;
		const char *h;
		size_t n;

		if (!sp)
			continue;
		end = s[0] == '[' ? memchr(s, ']', (size_t)(sp - s)) : s;
		colon = end ? memchr(end, ':', (size_t)(sp - end)) : NULL;
		if (colon)
			r->port = strtol(colon + 1, NULL, 10);
		n = (size_t)((colon ? colon : sp) - s);
		u = xasprintf("http://%.*s/", (int)n, s);
		norm = url_normalize(u);
		h = norm ? url_host(norm, &n) : NULL;
		r->host = h ? xstrndup(h, n) : xstrndup(s, n);
		r->hostlen = strlen(r->host);
		r->userpwd = xstrdup(sp + 1);
		free(norm);
		free(u);
		w->nauth++;
	}
}

/* The credentials for normalized URL U: those of the rule for exactly its
 * host and port, or NULL. */
static const char *auth_for(const struct worker *w, const char *u)
{
	size_t an, hn;
	const char *a = url_authority(u, &an), *h = url_host(u, &hn);
	long port, def = strncmp(u, "https:", 6) == 0 ? 443 : 80;

	if (!a || !h)
		return NULL;
	port = hn < an && h[hn] == ':' ? strtol(h + hn + 1, NULL, 10) : def;
	for (size_t i = 0; i < w->nauth; i++) {
		const struct auth_rule *r = &w->auth[i];

		if (r->hostlen == hn && strncasecmp(r->host, h, hn) == 0 &&
		    (r->port ? r->port : def) == port)
			return r->userpwd;
	}
	return NULL;
}

/* ---- the template handle ---- */

static CURL *make_proto(struct worker *w)
{
	const struct conf *c = w->conf;
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
	/* A server trickling under 100 bytes/s for low_speed_time is cut
	 * off ("timeout"). */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 100L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->low_speed_time_s);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_size);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 65536L);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	if (w->proxied)
		curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, before_request);
	if (w->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, w->headers);
	/* Unset, curl reads http_proxy, https_proxy, all_proxy, no_proxy. */
	if (c->proxy)
		curl_easy_setopt(e, CURLOPT_PROXY, c->proxy);
	if (c->cookies)
		curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
	if (w->nauth) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		/* Never to another host on a robots.txt redirect. */
		curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
	}
	return e;
}

#define ROBOTS_MAX (500 * 1024)

static int start(struct worker *w, uint32_t id, const char *url, unsigned flags)
{
	struct xfer *x = xcalloc(1, sizeof *x);

	x->id = id;
	x->w = w;
	x->url = xstrdup(url);
	x->robots = flags & ORDER_ROBOTS;
	/* A robots.txt past 500 KiB is cut there (RFC 9309); a sitemap
	 * (sent with ORDER_ROBOTS too: raw, redirects followed) may be as
	 * large as any page and is cut at max_size. */
	x->max = x->robots && !(flags & ORDER_SITEMAP) ? ROBOTS_MAX
						       : (size_t)w->conf->max_size;
	/* A finished handle keeps the template's options; only the ones set
	 * per transfer below change. */
	if (w->nspare) {
		x->easy = w->spare[--w->nspare];
	} else {
		x->easy = curl_easy_duphandle(w->proto);
		if (!x->easy)
			abort();
		/* A duplicate does not inherit the share. */
		if (w->share)
			curl_easy_setopt(x->easy, CURLOPT_SHARE, w->share);
	}
	if (w->nauth)
		curl_easy_setopt(x->easy, CURLOPT_USERPWD, auth_for(w, x->url));
	curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE,
			 x->robots ? (curl_off_t)0 : (curl_off_t)w->conf->max_size);
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, x->robots ? 1L : 0L);
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_OPENSOCKETDATA, x);
	if (w->proxied)
		curl_easy_setopt(x->easy, CURLOPT_PREREQDATA, x);
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
	case CURLE_COULDNT_CONNECT: return x->blocked ? "blocked-address" : "connect";
	case CURLE_ABORTED_BY_CALLBACK: return x->blocked ? "blocked-address" : "fetch";
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

/* True if the N bytes at S are WORD, ignoring case. */
static bool is_word(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* The enum result_flag bits of one X-Robots-Tag value for AGENT: comma-
 * separated directives, where "NAME: directive" scopes that directive and
 * the ones after it in the value to user agent NAME ("otherbot: noindex,
 * nofollow") unless NAME is a directive that takes a value
 * ("unavailable_after: 25 Jun 2010 15:00:00 PST").  "none" is "noindex,
 * nofollow", as in <meta name="robots">. */
static uint32_t xrobots_parse(const char *v, const char *agent)
{
	static const char *const valued[] = { "unavailable_after", "max-snippet",
					      "max-image-preview",
					      "max-video-preview", NULL };
	bool applies = true;
	uint32_t f = 0;

	while (*v) {
		const char *item, *colon;
		size_t n, k, i;

		v += strspn(v, " \t,");
		n = strcspn(v, ",");
		item = v;
		v += n;
		while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t'))
			n--;
		colon = memchr(item, ':', n);
		if (colon) {
			k = (size_t)(colon - item);
			while (k > 0 && (item[k - 1] == ' ' || item[k - 1] == '\t'))
				k--;
			for (i = 0; valued[i] && !is_word(item, k, valued[i]); i++)
				;
			if (!valued[i] && k > 0 && !memchr(item, ' ', k)) {
				applies = is_word(item, k, agent);
				n -= (size_t)(colon + 1 - item);
				item = colon + 1;
				while (n > 0 && (*item == ' ' || *item == '\t')) {
					item++;
					n--;
				}
			}
		}
		if (!applies)
			continue;
		if (is_word(item, n, "none"))
			f |= RESULT_NOINDEX | RESULT_NOFOLLOW;
		else if (is_word(item, n, "noindex"))
			f |= RESULT_NOINDEX;
		else if (is_word(item, n, "nofollow"))
			f |= RESULT_NOFOLLOW;
	}
	return f;
}

/* What every X-Robots-Tag header of the last response says to us. */
static uint32_t xrobots_flags(const struct worker *w, CURL *e)
{
	struct curl_header *h;
	uint32_t f = 0;
	size_t n = 1;

	for (size_t i = 0; i < n; i++) {
		if (curl_easy_header(e, "X-Robots-Tag", i, CURLH_HEADER, -1,
				     &h) != CURLHE_OK)
			break;
		n = h->amount;
		f |= xrobots_parse(h->value, w->agent);
	}
	return f;
}

/* ---- cookies ---- */

#define COOKIES_SYNC_MS 1000
/* Messages a second for new cookies, beyond the first (a site that makes
 * up a cookie per page must not make a message per page). */
#define COOKIES_BURST 8
/* Over this many cookies, a response does not look at the jar: the tick
 * does. */
#define COOKIES_EAGER_MAX 1000

enum sync_when { SYNC_NOW, SYNC_IF_URGENT };

/* True if a response of transfer E (any hop of a followed redirect) had a
 * Set-Cookie header. */
static bool sets_cookies(CURL *e)
{
	struct curl_header *h;
	long hops = 0;

	curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &hops);
	for (long i = 0; i <= hops && i <= 10; i++)
		if (curl_easy_header(e, "Set-Cookie", 0, CURLH_HEADER, (int)i,
				     &h) == CURLHE_OK)
			return true;
	return false;
}

/* Sends the coordinator what changed in the jar since it last heard:
 * WHEN SYNC_NOW, or SYNC_IF_URGENT if it is the first message this second
 * or a new cookie within the burst allowance (else the change waits for
 * the tick, cookies_dirty still set). */
static void sync_cookies(struct worker *w, enum sync_when when)
{
	struct curl_slist *list = NULL, *l;
	struct cookies cur;
	char *text = NULL, *diff;
	size_t len = 0, cap = 0, dlen, added = 0;
	int64_t now = (int64_t)time(NULL);
	long long ms = now_ms();

	if (ms - w->cookies_at >= COOKIES_SYNC_MS) {
		w->cookies_at = ms;
		w->cookies_sent = 0;
	}
	if (curl_easy_getinfo(w->jar, CURLINFO_COOKIELIST, &list) != CURLE_OK) {
		log_warn("cannot read libcurl's cookie jar");
		w->cookies_dirty = false;
		return;
	}
	/* Lines cookies.h cannot take (over COOKIES_LINE_MAX) stay here. */
	for (l = list; l && len <= 4 * COOKIES_TEXT_MAX; l = l->next) {
		size_t n = strlen(l->data);

		if (cookies_line_ok(l->data, n) < 0)
			continue;
		if (len + n + 1 > cap) {
			cap = cap ? cap * 2 : 4096;
			while (cap < len + n + 1)
				cap *= 2;
			text = xrealloc(text, cap);
		}
		memcpy(text + len, l->data, n);
		len += n;
		text[len++] = '\n';
	}
	curl_slist_free_all(list);
	cookies_init(&cur);
	cookies_merge(&cur, text ? text : "", len, now, NULL, NULL);
	free(text);
	diff = cookies_diff(&w->known, &cur, now, &dlen, &added);
	if (diff && when == SYNC_IF_URGENT && w->cookies_sent > 0 &&
	    (!added || w->cookies_sent > COOKIES_BURST)) {
		cookies_release(&cur);
		free(diff);
		return;
	}
	if (diff) {
		proto_put_cookies(&w->out, diff, dlen);
		w->cookies_sent++;
	}
	cookies_release(&w->known);
	w->known = cur;
	w->cookies_dirty = false;
	free(diff);
}

/* Puts the LEN bytes of jar text TEXT (from the coordinator) into the
 * jar, after sending what changed here, which they may overwrite. */
static void apply_cookies(struct worker *w, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	char line[COOKIES_LINE_MAX + 1];

	if (w->cookies_dirty)
		sync_cookies(w, SYNC_NOW);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		/* Only cookie lines: libcurl would also obey "ALL", "FLUSH". */
		if (cookies_line_ok(p, n) == 0) {
			memcpy(line, p, n);
			line[n] = '\0';
			curl_easy_setopt(w->jar, CURLOPT_COOKIELIST, line);
		}
		p += n + 1;
	}
	cookies_merge(&w->known, text, len, (int64_t)time(NULL), NULL, NULL);
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
	if (r.error && strcmp(r.error, "blocked-address") == 0) {
		char ip[INET6_ADDRSTRLEN];

		snprintf(x->errbuf, sizeof x->errbuf, "%s is a %s address; trawl "
			 "does not connect there unless allow_networks "
			 "(--allow-network) allows it",
			 netguard_addr_str(x->blocked_addr, ip, sizeof ip),
			 netguard_class_name(netguard_classify(x->blocked_addr)));
	}
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
	r.retry_after = header_value(x->easy, "Retry-After");
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
		r.flags |= RESULT_PARSED | xrobots_flags(w, x->easy);
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
	/* Cookies ahead of the result: the coordinator has them before it
	 * orders the links of the page that set them. */
	if (w->share && sets_cookies(x->easy)) {
		w->cookies_dirty = true;
		if (w->known.n < COOKIES_EAGER_MAX)
			sync_cookies(w, SYNC_IF_URGENT);
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
	const char *url, *text;
	size_t len;
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
			case IPC_COOKIES:
				if (!w->share ||
				    proto_get_cookies(&f, &text, &len) < 0) {
					log_error("malformed cookies frame");
					return -1;
				}
				apply_cookies(w, text, len);
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

	robots_agent_token(conf->user_agent, w.agent, sizeof w.agent);
	for (size_t i = 0; i < conf->headers.n; i++) {
		struct curl_slist *l = curl_slist_append(w.headers, conf->headers.v[i]);

		if (!l)
			abort();
		w.headers = l;
	}
	parse_auth(&w);
	find_proxies(&w);
	if (conf->cookies) {
		/* One jar for all of this worker's transfers.  Single-threaded:
		 * no lock callbacks. */
		w.share = curl_share_init();
		if (!w.share || curl_share_setopt(w.share, CURLSHOPT_SHARE,
						  CURL_LOCK_DATA_COOKIE) != CURLSHE_OK) {
			log_error("cannot initialize libcurl's cookie share");
			goto out;
		}
		w.jar = curl_easy_init();
		if (!w.jar || curl_easy_setopt(w.jar, CURLOPT_SHARE, w.share) != CURLE_OK) {
			log_error("cannot initialize libcurl's cookie jar");
			goto out;
		}
	}
	w.multi = curl_multi_init();
	w.proto = make_proto(&w);
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
		if (w.cookies_dirty && (w.stopping ||
					now_ms() - w.cookies_at >= COOKIES_SYNC_MS))
			sync_cookies(&w, SYNC_NOW);
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
	curl_easy_cleanup(w.jar);
	cookies_release(&w.known);
	/* After every handle that points at them. */
	curl_share_cleanup(w.share);
	curl_slist_free_all(w.headers);
	for (size_t i = 0; i < w.nauth; i++) {
		free(w.auth[i].host);
		free(w.auth[i].userpwd);
	}
	free(w.auth);
	ipc_in_release(&w.in);
	ipc_out_release(&w.out);
	atomic_store_explicit(&stats->phase, PHASE_IDLE, memory_order_relaxed);
	atomic_store_explicit(&stats->inflight, 0, memory_order_relaxed);
	return ret;
}
