/*
 * test_requests.c - integration tests of what trawl sends and what it
 * refuses: request headers, basic auth, cookies, proxies, the address
 * guard (SSRF), and the limits on what comes back (gzip bombs, trickling
 * servers, X-Robots-Tag, content types that are not parsed).
 *
 * Each test serves a small table of routes (struct route) through
 * testsrv's handler hook on 127.0.0.1, runs the real trawl binary, and
 * checks first what the server saw (its request log and the request
 * headers recorded here), then what trawl stored (read from the SQLite
 * file).  The address guard tests add a bare TCP listener on 127.0.0.2
 * that counts connections: "blocked" means not one TCP connection.
 *
 * trawl comes from $TRAWL_BIN, the test server is in-process; every run
 * has a hard limit of 60 s times $TRAWL_SLOW, and every response the
 * servers make is bounded whatever trawl does.  Each test works in its
 * own /tmp/trawl-req-XXXXXX (fixture.h), kept (and named on stderr) when
 * it fails.
 */
#include "fixture.h"
#include "log.h"
#include "proc.h"
#include "testsrv.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_LOG 512

/* ---- a table-driven test server ------------------------------------ */

enum route_kind {
	R_PAGE,       /* BODY as given */
	R_GZIP_BOMB,  /* gzip that inflates to SIZE bytes: an HTML head, spaces */
	R_TRICKLE,    /* SIZE bytes announced, one sent a second */
};

struct route {
	const char *path;      /* path?query exactly, or "*" for any */
	enum route_kind kind;
	unsigned status;       /* 0: 200 */
	const char *type;      /* Content-Type, NULL: none sent */
	const char *headers;   /* more response headers, "Name: value\n"... */
	const char *body;
	size_t size;
};

struct logged {
	char *target;
	char *headers;         /* "name: value\n" each, names as sent */
};

struct server {
	struct testsrv *srv;
	int port;
	const struct route *routes;
	size_t nroutes;
	const char *need_auth;  /* Authorization value required, or NULL */
	char *bomb;             /* the gzip body, made once */
	size_t bomb_len;
	pthread_mutex_t mu;
	struct logged log[MAX_LOG];
	size_t nlog;
};

static atomic_bool stopping; /* ends every trickle within 50 ms */

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	char **s = cls, *n;

	(void)kind;
	n = xasprintf("%s%s: %s\n", *s ? *s : "", key, value ? value : "");
	free(*s);
	*s = n;
	return MHD_YES;
}

static ssize_t trickle_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	for (int i = 0; i < 20; i++) {
		struct timespec ts = { 0, 50 * 1000000L };

		if (atomic_load(&stopping))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		nanosleep(&ts, NULL);
	}
	if (max == 0)
		return 0;
	buf[0] = ' ';
	return 1;
}

/* The gzip stream of an HTML head followed by spaces, SIZE bytes in all
 * (~1000:1); caller frees. */
static char *make_bomb(size_t size, size_t *len)
{
	static const char head[] = "<!DOCTYPE html><html><head><title>Bomb"
				   "</title></head><body><a href=\"/after-bomb\">x</a>";
	static char spaces[65536];
	z_stream z;
	size_t cap = size / 500 + 4096, left = size - strlen(head);
	char *out = xmalloc(cap);

	memset(spaces, ' ', sizeof spaces);
	memset(&z, 0, sizeof z);
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
				  Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	z.next_in = (Bytef *)head;
	z.avail_in = (uInt)strlen(head);
	cr_assert_eq(deflate(&z, Z_NO_FLUSH), Z_OK);
	while (left > 0) {
		size_t n = left < sizeof spaces ? left : sizeof spaces;

		z.next_in = (Bytef *)spaces;
		z.avail_in = (uInt)n;
		cr_assert_eq(deflate(&z, Z_NO_FLUSH), Z_OK);
		cr_assert_gt(z.avail_out, 0);
		left -= n;
	}
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*len = z.total_out;
	deflateEnd(&z);
	return out;
}

static int handle(void *arg, struct MHD_Connection *c, const char *target,
		  int port)
{
	struct server *s = arg;
	struct MHD_Response *resp = NULL;
	const struct route *r = NULL;
	char *hdrs = NULL;
	const char *auth;
	enum MHD_Result ret;

	(void)port;
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect, &hdrs);
	pthread_mutex_lock(&s->mu);
	if (s->nlog < MAX_LOG) {
		s->log[s->nlog].target = xstrdup(target);
		s->log[s->nlog].headers = hdrs ? hdrs : xstrdup("");
		s->nlog++;
		hdrs = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	free(hdrs);

	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (s->need_auth && (!auth || strcmp(auth, s->need_auth) != 0)) {
		resp = MHD_create_response_from_buffer(12, (void *)"unauthorized",
						       MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, "WWW-Authenticate",
					"Basic realm=\"test\"");
		ret = MHD_queue_response(c, 401, resp);
		MHD_destroy_response(resp);
		return ret == MHD_YES ? 1 : -1;
	}
	for (size_t i = 0; i < s->nroutes && !r; i++)
		if (strcmp(s->routes[i].path, target) == 0 ||
		    strcmp(s->routes[i].path, "*") == 0)
			r = &s->routes[i];
	if (!r)
		return 0;
	switch (r->kind) {
	case R_PAGE:
		resp = MHD_create_response_from_buffer(strlen(r->body),
						       (void *)r->body,
						       MHD_RESPMEM_PERSISTENT);
		break;
	case R_GZIP_BOMB:
		resp = MHD_create_response_from_buffer(s->bomb_len, s->bomb,
						       MHD_RESPMEM_PERSISTENT);
		if (resp)
			MHD_add_response_header(resp, "Content-Encoding", "gzip");
		break;
	case R_TRICKLE:
		resp = MHD_create_response_from_callback(r->size, 1, trickle_read,
							 NULL, NULL);
		break;
	}
	if (!resp)
		return -1;
	if (r->type)
		MHD_add_response_header(resp, "Content-Type", r->type);
	for (const char *h = r->headers; h && *h;) {
		size_t n = strcspn(h, "\n"), k = strcspn(h, ":");
		char *name = xstrndup(h, k), *value;

		value = xstrndup(h + k + 2, n - k - 2);
		MHD_add_response_header(resp, name, value);
		free(name);
		free(value);
		h += n + (h[n] == '\n');
	}
	ret = MHD_queue_response(c, r->status ? r->status : 200, resp);
	MHD_destroy_response(resp);
	return ret == MHD_YES ? 1 : -1;
}

/* ---- a listener that only counts connections (127.0.0.2) ----------- */

struct listener {
	int fd, port;
	pthread_t th;
	atomic_int conns;
};

static void *listener_run(void *arg)
{
	static const char answer[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0"
				     "\r\nConnection: close\r\n\r\n";
	struct listener *l = arg;
	struct pollfd p = { l->fd, POLLIN, 0 };

	while (!atomic_load(&stopping)) {
		int c;

		if (poll(&p, 1, 50) <= 0)
			continue;
		c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		atomic_fetch_add(&l->conns, 1);
		if (write(c, answer, sizeof answer - 1) < 0)
			(void)0;
		close(c);
	}
	return NULL;
}

/* ---- one test's world ---------------------------------------------- */

static struct {
	char *db;
} fx;

static void fx_init(void)
{
	fixture_init();
	atomic_store(&stopping, false);
	fixture_trawl_bin();
	fixture_mkdtemp("req");
	fx.db = fixture_path("trawl.db");
}

static void fx_fini(void)
{
	atomic_store(&stopping, true);
	fixture_fini();
}

TestSuite(requests, .init = fx_init, .fini = fx_fini, .timeout = 120);

static void server_free(void *arg)
{
	struct server *s = arg;

	for (size_t j = 0; j < s->nlog; j++) {
		free(s->log[j].target);
		free(s->log[j].headers);
	}
	pthread_mutex_destroy(&s->mu);
	free(s->bomb);
	free(s);
}

/* Serves ROUTES (N of them, borrowed) on 127.0.0.1; AUTH, if not NULL, is
 * the Authorization value every request must carry (else 401). */
static struct server *serve(const struct route *routes, size_t n,
			    const char *auth)
{
	struct server *s = xcalloc(1, sizeof *s);

	s->routes = routes;
	s->nroutes = n;
	s->need_auth = auth;
	pthread_mutex_init(&s->mu, NULL);
	for (size_t i = 0; i < n; i++)
		if (routes[i].kind == R_GZIP_BOMB && !s->bomb)
			s->bomb = make_bomb(routes[i].size, &s->bomb_len);
	/* Deferred first: freed after its server stops. */
	fixture_defer(server_free, s);
	s->srv = fixture_serve(NULL, testsrv_start_handler(handle, s), NULL);
	s->port = testsrv_port(s->srv);
	return s;
}

static char *url_of(const struct server *s, const char *path)
{
	return fixture_keep(xasprintf("http://127.0.0.1:%d%s", s->port, path));
}

static void listener_stop(void *arg)
{
	struct listener *l = arg;

	pthread_join(l->th, NULL);
	close(l->fd);
	free(l);
}

/* A listener on IP (a 127/8 address other than 127.0.0.1). */
static struct listener *listen_on(const char *ip)
{
	struct listener *l = xcalloc(1, sizeof *l);
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(l->fd, 0);
	cr_assert_eq(bind(l->fd, (struct sockaddr *)&sa, sizeof sa), 0,
		     "bind %s: %s", ip, strerror(errno));
	cr_assert_eq(listen(l->fd, 64), 0);
	cr_assert_eq(getsockname(l->fd, (struct sockaddr *)&sa, &len), 0);
	l->port = ntohs(sa.sin_port);
	atomic_init(&l->conns, 0);
	cr_assert_eq(pthread_create(&l->th, NULL, listener_run, l), 0);
	fixture_defer(listener_stop, l);
	return l;
}

/* ---- what the servers saw ------------------------------------------ */

/* Requests S logged for TARGET. */
static size_t hits(struct server *s, const char *target)
{
	size_t n = 0;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nlog; i++)
		n += strcmp(s->log[i].target, target) == 0;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* The value of header NAME (any case) on request I of S's log, or NULL;
 * kept. */
static const char *header_at(struct server *s, size_t i, const char *name)
{
	const char *h = s->log[i].headers;
	size_t n = strlen(name);

	while (*h) {
		size_t len = strcspn(h, "\n");

		if (strncasecmp(h, name, n) == 0 && h[n] == ':')
			return fixture_keep(xstrndup(h + n + 2, len - n - 2));
		h += len + (h[len] == '\n');
	}
	return NULL;
}

/* Header NAME of the first request for TARGET, NULL if it had none or
 * there was no such request. */
static const char *header_of(struct server *s, const char *target,
			     const char *name)
{
	const char *v = NULL;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nlog; i++)
		if (strcmp(s->log[i].target, target) == 0) {
			v = header_at(s, i, name);
			break;
		}
	pthread_mutex_unlock(&s->mu);
	return v;
}

/* ---- what trawl stored --------------------------------------------- */

/* The first column of the first row of SQL (sqlite3_mprintf() style:
 * %Q quotes a string), as text; NULL if no row or SQL NULL.  Kept. */
#define db_text(...) fixture_db_text(fx.db, __VA_ARGS__)

/* A column of URL's page ("status", "error", "bytes", ...), or NULL. */
static const char *page(const char *url, const char *col)
{
	return db_text("SELECT p.%s FROM pages p JOIN urls u ON u.id = p.url_id "
		       "WHERE u.url = %Q", col, url);
}

/* ======================================================================
 * Request headers
 */

static const struct route plain_site[] = {
	{ "/", R_PAGE, 0, "text/html", NULL,
	  "<!DOCTYPE html><title>Home</title><a href=\"/a.html\">a</a>", 0 },
	{ "/a.html", R_PAGE, 0, "text/html", NULL, "<title>A</title>", 0 },
};

Test(requests, sends_configured_headers_on_every_request)
{
	struct server *s = serve(plain_site, 2, NULL);
	char *host = fixture_keep(xasprintf("127.0.0.1:%d", s->port));
	struct proc_result *r;
	const char *v;

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet",
			  "--workers", "1", "--header",
			  "X-Trawl-Test: hello there", "--header",
			  "Accept-Language: de", "--header",
			  "X-Empty-Name-Value:", "--header",
			  "Authorization: Bearer tok123", "--job", "hdr",
			  url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	cr_assert_eq(hits(s, "/robots.txt"), 1);
	cr_assert_eq(hits(s, "/"), 1);
	cr_assert_eq(hits(s, "/a.html"), 1);
	for (size_t i = 0; i < s->nlog; i++) {
		const char *t = s->log[i].target;

		v = header_at(s, i, "X-Trawl-Test");
		cr_assert(v && strcmp(v, "hello there") == 0,
			  "%s: X-Trawl-Test is %s", t, v ? v : "missing");
		v = header_at(s, i, "Accept-Language");
		cr_assert(v && strcmp(v, "de") == 0, "%s: Accept-Language %s", t,
			  v ? v : "missing");
		v = header_at(s, i, "Host");
		cr_assert(v && strcmp(v, host) == 0, "%s: Host is %s", t,
			  v ? v : "missing");
		cr_assert_null(header_at(s, i, "X-Empty-Name-Value"),
			       "\"Name:\" removes a header, it sends none");
		v = header_at(s, i, "Authorization");
		cr_assert(v && strcmp(v, "Bearer tok123") == 0,
			  "%s: Authorization %s", t, v ? v : "missing");
	}
	v = db_text("SELECT config FROM jobs WHERE name = 'hdr'");
	cr_assert(v && strstr(v, "\"Authorization: ***\"") && !strstr(v, "tok123"),
		  "stored config: %s", v);
	fixture_pass();
}

Test(requests, refuses_headers_it_must_not_send_before_fetching_anything)
{
	static const struct {
		const char *header, *says;
	} bad[] = {
		{ "Host: evil.invalid", "Host header" },
		{ "host:evil.invalid", "host header" },
		{ "User-Agent: x", "--user-agent" },
		{ "Content-Length: 5", "Content-Length" },
		{ "X-No-Colon", "is not a header" },
		{ ": value", "is not a header" },
		{ "X Space: v", "is not a header" },
		{ "X-Split: a\r\nX-Injected: b", "control character" },
	};
	struct server *s = serve(plain_site, 2, NULL);
	char *conf = fixture_path("bad.json");
	FILE *f;
	struct proc_result *r;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = fixture_trawl("bad", "crawl", "--db", fx.db, "--quiet",
				  "--header", bad[i].header, url_of(s, "/"),
				  NULL);
		fixture_expect_exit(r, 2, bad[i].header);
		cr_assert(strstr(r->err, bad[i].says), "\"%s\": stderr does not "
			  "say \"%s\":\n%s", bad[i].header, bad[i].says, r->err);
	}
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "{\n  \"headers\": [\"X-Ok: 1\",\n    \"Host: evil.invalid\"]\n}\n");
	fclose(f);
	r = fixture_trawl("badfile", "crawl", "--db", fx.db, "--quiet", "-c",
			  conf, url_of(s, "/"), NULL);
	fixture_expect_exit(r, 2, "a config file with a Host header");
	cr_assert(strstr(r->err, "bad.json:3:5: \"headers\": trawl sets the "
			 "Host header itself"), "%s", r->err);
	cr_assert_eq(testsrv_page_hits(s->srv) + hits(s, "/robots.txt"), 0,
		     "nothing may be fetched after a config error");
	fixture_pass();
}

/* ======================================================================
 * Basic auth: to its host and port, and nowhere else
 */

Test(requests, sends_basic_auth_only_to_its_host_and_port)
{
	/* "user:s3cret pw" */
	static const char want[] = "Basic dXNlcjpzM2NyZXQgcHc=";
	struct route b_routes[] = {
		{ "/robots.txt", R_PAGE, 0, "text/plain", NULL, "User-agent: *\n", 0 },
		{ "/b.html", R_PAGE, 0, "text/html", NULL, "<title>B</title>", 0 },
		{ "/landing.html", R_PAGE, 0, "text/html", NULL, "<title>L</title>", 0 },
	};
	struct server *b = serve(b_routes, 3, NULL);
	char *home = fixture_keep(xasprintf(
				  "<title>A</title><a href=\"/a2.html\">a2</a>"
				  "<a href=\"http://127.0.0.1:%d/b.html\">b</a>"
				  "<a href=\"/go\">go</a>", b->port));
	struct route a_routes[] = {
		{ "/", R_PAGE, 0, "text/html", NULL, home, 0 },
		{ "/a2.html", R_PAGE, 0, "text/html", NULL, "<title>A2</title>", 0 },
	};
	struct server *a = serve(a_routes, 2, want);
	char *rule = fixture_keep(xasprintf("127.0.0.1:%d user:s3cret pw",
					    a->port));
	const char *cfg;
	struct proc_result *r;

	/* curl follows robots.txt redirects itself; trawl follows the rest. */
	testsrv_add_redirect(a->srv, "/robots.txt",
			     url_of(b, "/robots.txt"), 302);
	testsrv_add_redirect(a->srv, "/go", url_of(b, "/landing.html"), 302);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet", "--job",
			  "auth", "--auth", rule, "--auth",
			  "127.0.0.1 other:wrong", "--auth",
			  "example.invalid:80 x:y", url_of(a, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");

	cr_assert_eq(hits(a, "/"), 1);
	cr_assert_eq(hits(a, "/a2.html"), 1);
	cr_assert_str_eq(header_of(a, "/", "Authorization"), want);
	cr_assert_str_eq(header_of(a, "/a2.html", "Authorization"), want);
	cr_assert_str_eq(page(url_of(a, "/"), "status"), "200");
	cr_assert_str_eq(page(url_of(a, "/a2.html"), "status"), "200");

	cr_assert_eq(hits(b, "/robots.txt"), 2, "B's own robots.txt, and A's "
		     "through the redirect");
	cr_assert_eq(hits(b, "/b.html"), 1);
	cr_assert_eq(hits(b, "/landing.html"), 1, "redirect followed");
	for (size_t i = 0; i < b->nlog; i++)
		cr_assert_null(header_at(b, i, "Authorization"),
			       "%s on another port got credentials",
			       b->log[i].target);

	/* The job's stored config keeps no password. */
	cfg = db_text("SELECT config FROM jobs WHERE name = 'auth'");
	cr_assert_not_null(cfg);
	cr_assert(strstr(cfg, "user:***"), "%s", cfg);
	cr_assert_null(strstr(cfg, "s3cret"), "%s", cfg);
	cr_assert_null(strstr(cfg, "wrong"), "%s", cfg);
	fixture_pass();
}

Test(requests, refuses_malformed_auth_and_proxy_entries)
{
	static const char *const bad_auth[] = {
		"example.com", "example.com user", "example.com :pw",
		"example.com:0 u:p", "example.com:99999 u:p", "example.com:x u:p",
		"http://example.com u:p", "::1 u:p", "[::1 u:p",
	};
	static const char *const bad_proxy[] = {
		"127.0.0.1:3128", "ftp://127.0.0.1:21", "http://", "http:///x",
	};
	struct server *s = serve(plain_site, 2, NULL);
	struct proc_result *r;

	for (size_t i = 0; i < sizeof bad_auth / sizeof bad_auth[0]; i++) {
		r = fixture_trawl("bad", "crawl", "--db", fx.db, "--quiet",
				  "--auth", bad_auth[i], url_of(s, "/"), NULL);
		fixture_expect_exit(r, 2, bad_auth[i]);
		cr_assert(strstr(r->err, "HOST[:PORT] USER:PASSWORD"), "%s: %s",
			  bad_auth[i], r->err);
	}
	for (size_t i = 0; i < sizeof bad_proxy / sizeof bad_proxy[0]; i++) {
		r = fixture_trawl("bad", "crawl", "--db", fx.db, "--quiet",
				  "--proxy", bad_proxy[i], url_of(s, "/"),
				  NULL);
		fixture_expect_exit(r, 2, bad_proxy[i]);
		cr_assert(strstr(r->err, "is not a proxy URL"), "%s: %s",
			  bad_proxy[i], r->err);
	}
	r = fixture_trawl("ok", "crawl", "--db", fx.db, "--quiet", "--auth",
			  "[::1]:8080 u:p:with:colons and spaces",
			  "--max-pages", "1", url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "a valid IPv6 auth entry");
	fixture_pass();
}

/* ======================================================================
 * Cookies
 */

Test(requests, keeps_cookies_only_when_asked)
{
	static const struct route routes[] = {
		{ "/", R_PAGE, 0, "text/html", "Set-Cookie: sid=abc123; Path=/\n",
		  "<title>Home</title><a href=\"/next.html\">n</a>", 0 },
		{ "/next.html", R_PAGE, 0, "text/html", NULL, "<title>N</title>", 0 },
	};
	struct server *s = serve(routes, 2, NULL);
	struct proc_result *r;
	const char *v;

	r = fixture_trawl("off", "crawl", "--db", fx.db, "--quiet", "--job",
			  "off", "--workers", "1", url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	cr_assert_eq(hits(s, "/next.html"), 1);
	cr_assert_null(header_of(s, "/next.html", "Cookie"),
		       "cookies are off by default");

	r = fixture_trawl("on", "crawl", "--db", fx.db, "--quiet", "--job",
			  "on", "--workers", "1", "--cookies", url_of(s, "/"),
			  NULL);
	fixture_expect_exit(r, 0, "trawl crawl --cookies");
	cr_assert_eq(hits(s, "/next.html"), 2);
	pthread_mutex_lock(&s->mu);
	v = NULL;
	for (size_t i = s->nlog; i-- > 0;)
		if (strcmp(s->log[i].target, "/next.html") == 0) {
			v = header_at(s, i, "Cookie");
			break;
		}
	pthread_mutex_unlock(&s->mu);
	cr_assert(v && strcmp(v, "sid=abc123") == 0, "Cookie: %s",
		  v ? v : "(none)");
	fixture_pass();
}

/* ======================================================================
 * Proxies: configured, and from the environment
 */

/* The seed links to an IP literal on loopback, which the proxy would
 * reach: only a literal is trawl's to judge through a proxy, and the
 * proxy's own address is exempt only as the place to connect to. */
static const struct route proxy_routes[] = {
	{ "http://seed.invalid/robots.txt", R_PAGE, 404, "text/plain", NULL,
	  "none", 0 },
	{ "http://seed.invalid/", R_PAGE, 0, "text/html", NULL,
	  "<title>Proxied</title><a href=\"/two.html\">two</a>"
	  "<a href=\"http://127.0.0.2:9/x\">literal</a>"
	  "<a href=\"http://127.0.0.1:9/self\">the proxy's address</a>", 0 },
	{ "*", R_PAGE, 0, "text/html", NULL, "<title>Two</title>", 0 },
};

static void expect_proxied(struct server *p, const char *job)
{
	cr_assert_eq(hits(p, "http://seed.invalid/robots.txt"), 1);
	cr_assert_eq(hits(p, "http://seed.invalid/"), 1);
	cr_assert_eq(hits(p, "http://seed.invalid/two.html"), 1);
	cr_assert_str_eq(header_of(p, "http://seed.invalid/", "Host"),
			 "seed.invalid");
	cr_assert_eq(hits(p, "http://127.0.0.2:9/robots.txt"), 0);
	cr_assert_eq(hits(p, "http://127.0.0.2:9/x"), 0);
	cr_assert_eq(hits(p, "http://127.0.0.1:9/self"), 0);
	cr_assert_eq(hits(p, "http://127.0.0.1:9/robots.txt"), 0);
	cr_assert_str_eq(db_text("SELECT u.reason FROM urls u JOIN jobs j ON "
				 "j.id = u.job WHERE j.name = %Q AND u.url = %Q",
				 job, "http://127.0.0.2:9/x"), "blocked-address");
	cr_assert_str_eq(db_text("SELECT u.reason FROM urls u JOIN jobs j ON "
				 "j.id = u.job WHERE j.name = %Q AND u.url = %Q",
				 job, "http://127.0.0.1:9/self"), "blocked-address");
	cr_assert_str_eq(db_text("SELECT p.title FROM pages p JOIN urls u ON "
				 "u.id = p.url_id JOIN jobs j ON j.id = u.job "
				 "WHERE j.name = %Q AND u.url = %Q", job,
				 "http://seed.invalid/"), "Proxied");
}

Test(requests, goes_through_the_configured_proxy)
{
	struct server *p = serve(proxy_routes, 2, NULL);
	struct proc_result *r;

	/* The proxy is on loopback and the seed names no address: the
	 * proxy's own address is exempt from the address guard. */
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet", "--job",
			  "px", "--proxy", url_of(p, ""), "--allow-domain",
			  "127.0.0.2", "--allow-domain", "127.0.0.1",
			  "http://seed.invalid/", NULL);
	fixture_expect_exit(r, 0, "trawl crawl --proxy");
	expect_proxied(p, "px");
	fixture_pass();
}

Test(requests, uses_the_proxy_from_the_environment_when_none_is_set)
{
	struct server *p = serve(proxy_routes, 2, NULL);
	struct proc_result *r;

	cr_assert_eq(setenv("http_proxy", url_of(p, ""), 1), 0);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet", "--job",
			  "env", "--allow-domain", "127.0.0.2",
			  "--allow-domain", "127.0.0.1", "http://seed.invalid/",
			  NULL);
	unsetenv("http_proxy");
	fixture_expect_exit(r, 0, "trawl crawl with http_proxy set");
	expect_proxied(p, "env");
	fixture_pass();
}

/* ======================================================================
 * The address guard
 */

/* The site on 127.0.0.1 links to a page on 127.0.0.2, and to one
 * through a redirect that trawl follows. */
static struct server *guard_site(struct listener *l, char **direct,
				 char **via_redirect)
{
	struct route *routes = fixture_keep(xcalloc(2, sizeof *routes));
	struct server *s;
	char *home;

	*direct = fixture_keep(xasprintf("http://127.0.0.2:%d/secret.html",
					 l->port));
	home = fixture_keep(xasprintf("<title>Home</title>"
				      "<a href=\"%s\">direct</a>"
				      "<a href=\"/go\">redirect</a>"
				      "<a href=\"/ok.html\">ok</a>", *direct));
	routes[0] = (struct route){ "/", R_PAGE, 0, "text/html", NULL, home, 0 };
	routes[1] = (struct route){ "/ok.html", R_PAGE, 0, "text/html", NULL,
				    "<title>OK</title>", 0 };
	s = serve(routes, 2, NULL);
	*via_redirect = url_of(s, "/go");
	testsrv_add_redirect(s->srv, "/go", fixture_keep(xasprintf(
		"http://127.0.0.2:%d/redirected.html", l->port)), 302);
	return s;
}

/* URL is stored as skipped with reason "blocked-address". */
static void expect_blocked(const char *url)
{
	const char *got = db_text("SELECT state || ' ' || ifnull(reason, '-') "
				  "FROM urls WHERE url = %Q", url);

	cr_assert_not_null(got, "%s is not in the urls table", url);
	cr_assert_str_eq(got, "3 blocked-address", "%s: state and reason "
			 "\"%s\", expected skipped (3), \"blocked-address\"",
			 url, got);
}

Test(requests, never_connects_to_a_blocked_address)
{
	struct listener *l = listen_on("127.0.0.2");
	char *direct, *via;
	struct server *s = guard_site(l, &direct, &via);
	struct proc_result *r;

	/* allow_networks replaces the seeds' loopback allowance: only
	 * 127.0.0.1 may be reached, while 127.0.0.2 is in scope. */
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet",
			  "--retries", "0", "--allow-network", "127.0.0.1/32",
			  "--allow-domain", "127.0.0.2", url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	cr_assert_eq(atomic_load(&l->conns), 0, "a blocked address got %d "
		     "TCP connections", atomic_load(&l->conns));
	cr_assert_eq(hits(s, "/"), 1);
	cr_assert_eq(hits(s, "/ok.html"), 1, "the allowed host is crawled");
	cr_assert_eq(testsrv_hits(s->srv, "/go"), 1);
	expect_blocked(direct);
	/* The redirect: skipped, or (the coordinator's choice once it knows
	 * the target host is refused) stored as the 302 with the error. */
	cr_assert(strcmp(db_text("SELECT state || ' ' || ifnull(reason, '-') "
				 "FROM urls WHERE url = %Q", via),
			 "3 blocked-address") == 0 ||
		  (page(via, "error") &&
		   strcmp(page(via, "error"), "blocked-address") == 0),
		  "%s is neither skipped nor a page with error blocked-address",
		  via);
	fixture_pass();
}

Test(requests, seed_on_loopback_allows_loopback_by_default)
{
	struct listener *l = listen_on("127.0.0.2");
	char *direct, *via;
	struct server *s = guard_site(l, &direct, &via);
	struct proc_result *r;

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet",
			  "--retries", "0", "--allow-domain", "127.0.0.2",
			  url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	/* robots.txt, secret.html, redirected.html: each its own connection
	 * (the listener closes them). */
	cr_assert_geq(atomic_load(&l->conns), 3, "127.0.0.2 got %d connections",
		      atomic_load(&l->conns));
	cr_assert_str_eq(page(direct, "status"), "404");
	fixture_pass();
}

Test(requests, refuses_malformed_networks)
{
	struct server *s = serve(plain_site, 2, NULL);
	struct proc_result *r;

	r = fixture_trawl("bad", "crawl", "--db", fx.db, "--quiet",
			  "--allow-network", "10.1.2.3/8", url_of(s, "/"),
			  NULL);
	fixture_expect_exit(r, 2, "--allow-network 10.1.2.3/8");
	cr_assert(strstr(r->err, "did you mean 10.0.0.0/8?"), "%s", r->err);
	r = fixture_trawl("bad2", "crawl", "--db", fx.db, "--quiet",
			  "--allow-network", "intranet", url_of(s, "/"), NULL);
	fixture_expect_exit(r, 2, "--allow-network intranet");
	cr_assert(strstr(r->err, "is not a network"), "%s", r->err);
	cr_assert_eq(testsrv_page_hits(s->srv) + hits(s, "/robots.txt"), 0);
	fixture_pass();
}

/* ======================================================================
 * Limits on what comes back
 */

Test(requests, stops_a_gzip_bomb_at_max_size)
{
	static const struct route routes[] = {
		{ "/", R_PAGE, 0, "text/html", NULL,
		  "<title>Home</title><a href=\"/bomb.html\">b</a>", 0 },
		{ "/bomb.html", R_GZIP_BOMB, 0, "text/html", NULL, NULL, 200 << 20 },
	};
	struct server *s = serve(routes, 2, NULL);
	struct proc_result *r;
	struct rusage ru;
	const char *bytes;

	cr_assert_lt(s->bomb_len, 300 << 10, "the bomb is small on the wire");
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet",
			  "--max-size", "1m", url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	cr_assert_eq(hits(s, "/bomb.html"), 1, "too-large is not retried");
	cr_assert_str_eq(page(url_of(s, "/bomb.html"), "error"), "too-large");
	bytes = page(url_of(s, "/bomb.html"), "bytes");
	cr_assert_not_null(bytes);
	cr_assert_leq(atoll(bytes), 1 << 20, "kept %s bytes", bytes);
	cr_assert_eq(hits(s, "/after-bomb"), 0, "a cut body is not parsed");
	cr_assert_lt(r->ms, 10000 * proc_slow_factor(), "took %lld ms", r->ms);
	/* The largest process trawl ran (coordinator or worker): far below
	 * the 200 MiB the body inflates to. */
	cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
	cr_assert_lt(ru.ru_maxrss, 100 * 1024, "peak RSS %ld KiB", ru.ru_maxrss);
	fixture_pass();
}

Test(requests, cuts_off_a_trickling_server)
{
	static const struct route routes[] = {
		{ "/", R_PAGE, 0, "text/html", NULL,
		  "<title>Home</title><a href=\"/slow.html\">s</a>", 0 },
		{ "/slow.html", R_TRICKLE, 0, "text/html", NULL, NULL, 100000 },
	};
	struct server *s = serve(routes, 2, NULL);
	struct proc_result *r;
	const char *ms;

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet",
			  "--retries", "0", "--low-speed-time", "2",
			  url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	cr_assert_str_eq(page(url_of(s, "/slow.html"), "error"), "timeout");
	ms = page(url_of(s, "/slow.html"), "elapsed_ms");
	cr_assert_not_null(ms);
	cr_assert(atoll(ms) >= 1500 && atoll(ms) < 6000 * proc_slow_factor(),
		  "cut off after %s ms, expected about 2000", ms);
	cr_assert_lt(r->ms, 15000 * proc_slow_factor(), "took %lld ms", r->ms);
	fixture_pass();
}

/* Each page links to TARGET; whether trawl follows says what it made of
 * the page's X-Robots-Tag headers. */
#define XR(path, hdrs, target) \
	{ path, R_PAGE, 0, "text/html", hdrs, \
	  "<title>" path "</title><a href=\"" target "\">t</a>", 0 }

static const struct route xrobots_routes[] = {
	{ "/", R_PAGE, 0, "text/html", NULL,
	  "<title>Home</title>"
	  "<a href=\"/nofollow\">1</a><a href=\"/none\">2</a>"
	  "<a href=\"/ours\">3</a><a href=\"/theirs\">4</a>"
	  "<a href=\"/two-headers\">5</a><a href=\"/list\">6</a>"
	  "<a href=\"/unavailable\">7</a><a href=\"/noindex\">8</a>"
	  "<a href=\"/scoped-list\">9</a><a href=\"/upper\">10</a>"
	  "<a href=\"/plain\">11</a>", 0 },
	XR("/nofollow", "X-Robots-Tag: nofollow\n", "/t/nofollow"),
	XR("/none", "X-Robots-Tag: none\n", "/t/none"),
	XR("/ours", "X-Robots-Tag: trawl: nofollow\n", "/t/ours"),
	XR("/theirs", "X-Robots-Tag: otherbot: nofollow, noindex\n", "/t/theirs"),
	XR("/two-headers", "X-Robots-Tag: noarchive\nX-Robots-Tag: nofollow\n",
	   "/t/two-headers"),
	XR("/list", "X-Robots-Tag: noarchive, nosnippet,nofollow\n", "/t/list"),
	XR("/unavailable",
	   "X-Robots-Tag: unavailable_after: 25 Jun 2010 15:00:00 PST\n",
	   "/t/unavailable"),
	XR("/noindex", "X-Robots-Tag: noindex\n", "/t/noindex"),
	XR("/scoped-list", "X-Robots-Tag: otherbot: noindex, trawl: nofollow\n",
	   "/t/scoped-list"),
	XR("/upper", "X-ROBOTS-TAG: NoFollow\n", "/t/upper"),
	XR("/plain", NULL, "/t/plain"),
	{ "*", R_PAGE, 0, "text/html", NULL, "<title>Target</title>", 0 },
};

Test(requests, honours_x_robots_tag_like_meta_robots)
{
	static const char *const followed[] = {
		"/t/theirs", "/t/unavailable", "/t/noindex", "/t/plain", NULL,
	};
	static const char *const not_followed[] = {
		"/t/nofollow", "/t/none", "/t/ours", "/t/two-headers", "/t/list",
		"/t/scoped-list", "/t/upper", NULL,
	};
	struct server *s = serve(xrobots_routes,
				 sizeof xrobots_routes / sizeof xrobots_routes[0],
				 NULL);
	struct proc_result *r;

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet",
			  url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	for (size_t i = 0; followed[i]; i++)
		cr_assert_eq(hits(s, followed[i]), 1, "%s not followed",
			     followed[i]);
	for (size_t i = 0; not_followed[i]; i++)
		cr_assert_eq(hits(s, not_followed[i]), 0, "%s followed",
			     not_followed[i]);
	/* noindex: the fetch is recorded (its links followed, above), its
	 * content is not, and the export leaves it out; a plain page keeps
	 * its title. */
	cr_assert_str_eq(page(url_of(s, "/noindex"), "status"), "200");
	cr_assert_str_eq(page(url_of(s, "/noindex"), "noindex"), "1");
	cr_assert_null(page(url_of(s, "/noindex"), "title"));
	cr_assert_str_eq(page(url_of(s, "/plain"), "noindex"), "0");
	cr_assert_str_eq(page(url_of(s, "/plain"), "title"), "/plain");
	{
		char *out = fixture_path("pages.jsonl");
		struct proc_result *e = fixture_trawl("export", "export", "--db", fx.db,
						      "-o", out, NULL);
		char *text;

		fixture_expect_exit(e, 0, "trawl export");
		text = fixture_read(out, NULL);
		cr_assert(text && strstr(text, fixture_keep(xasprintf("\"url\":\"%s\"",
									url_of(s, "/plain")))),
			  "plain page exported");
		cr_assert(!strstr(text, fixture_keep(xasprintf("\"url\":\"%s\"",
							       url_of(s, "/noindex")))),
			  "noindex page exported: %s", text);
	}
	fixture_pass();
}

#define TYPED(path, type, body) \
	{ path, R_PAGE, 0, type, NULL, body, 0 }
#define LINKS(tag) \
	"<!DOCTYPE html><html><head><title>T</title></head><body>" \
	"<a href=\"/from/" tag "\">x</a></body></html>"

static const struct route typed_routes[] = {
	{ "/", R_PAGE, 0, "text/html", NULL,
	  "<title>Home</title>"
	  "<a href=\"/plain.txt\">1</a><a href=\"/data.json\">2</a>"
	  "<a href=\"/image.png\">3</a><a href=\"/htmlx\">4</a>"
	  "<a href=\"/xhtml\">5</a><a href=\"/upper\">6</a>"
	  "<a href=\"/untyped\">7</a><a href=\"/untyped-text\">8</a>"
	  "<a href=\"/octets\">9</a>", 0 },
	TYPED("/plain.txt", "text/plain", LINKS("plain")),
	TYPED("/data.json", "application/json", LINKS("json")),
	TYPED("/image.png", "image/png", LINKS("png")),
	TYPED("/htmlx", "text/htmlx", LINKS("htmlx")),
	TYPED("/octets", "application/octet-stream", LINKS("octets")),
	TYPED("/xhtml", "application/xhtml+xml; charset=utf-8", LINKS("xhtml")),
	TYPED("/upper", "TEXT/HTML; Charset=UTF-8", LINKS("upper")),
	TYPED("/untyped", NULL, LINKS("untyped")),
	TYPED("/untyped-text", NULL, "just text <a href=\"/from/untyped-text\">x</a>"),
	{ "*", R_PAGE, 0, "text/html", NULL, "<title>Target</title>", 0 },
};

Test(requests, parses_only_html_and_records_the_rest)
{
	static const char *const parsed[] = { "xhtml", "upper", "untyped", NULL };
	static const char *const unparsed[] = {
		"plain", "json", "png", "htmlx", "octets", "untyped-text", NULL,
	};
	static const char *const unparsed_path[] = {
		"/plain.txt", "/data.json", "/image.png", "/htmlx", "/octets",
		"/untyped-text", NULL,
	};
	struct server *s = serve(typed_routes,
				 sizeof typed_routes / sizeof typed_routes[0],
				 NULL);
	struct proc_result *r;

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--quiet",
			  url_of(s, "/"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	for (size_t i = 0; parsed[i]; i++) {
		char *t = fixture_keep(xasprintf("/from/%s", parsed[i]));

		cr_assert_eq(hits(s, t), 1, "%s: its link was not followed", t);
	}
	for (size_t i = 0; unparsed[i]; i++) {
		char *t = fixture_keep(xasprintf("/from/%s", unparsed[i]));
		const char *u = url_of(s, unparsed_path[i]), *len;

		cr_assert_eq(hits(s, t), 0, "%s was parsed", unparsed_path[i]);
		cr_assert_str_eq(page(u, "status"), "200", "%s", u);
		cr_assert_null(page(u, "error"), "%s", u);
		cr_assert_null(page(u, "title"), "%s has a title", u);
		len = page(u, "bytes");
		cr_assert(len && atoll(len) > 0, "%s: bytes %s", u, len);
	}
	cr_assert_str_eq(page(url_of(s, "/plain.txt"), "bytes"),
			 fixture_keep(xasprintf("%zu",
						strlen(LINKS("plain")))));
	cr_assert_str_eq(page(url_of(s, "/data.json"), "content_type"),
			 "application/json");
	fixture_pass();
}
