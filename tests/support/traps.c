/*
 * traps.c - the hostile test site (see traps.h).
 *
 * Runs in the test process as a testsrv handler, on libmicrohttpd's
 * thread-per-connection threads, so a stream callback may sleep: the
 * trickle sleeps in 100 ms steps, checking the stop flag.  A crawl of the
 * site makes a few dozen requests; only the gzip bomb is costly, and it is
 * deflated once at start.
 */
#include "traps.h"

#include "log.h"
#include "testsrv.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

struct traps {
	struct testsrv *srv;
	enum traps_robots robots;
	atomic_bool stopping;    /* streams end at once */
	atomic_int n429, n503;   /* requests so far to the rate pages */
	atomic_int nrobots;      /* requests so far to /robots.txt */
	char *bomb;              /* gzip bytes, made once */
	size_t bomb_len;
};

/* One streamed body; freed by MHD when the response is done. */
enum stream_kind { STREAM_TRICKLE, STREAM_ENDLESS };

struct stream {
	struct traps *t;
	enum stream_kind kind;
	long long start_ms;
};

static const char trickle_body[] =
	"<!DOCTYPE html><html><head><title>Trickle</title></head><body>"
	"<p>one byte a second</p></body></html>\n";

static const char endless_para[] = "<p>This body never ends.</p>\n";

static const char robots_rules[] =
	"User-agent: slowbot\n"
	"Crawl-delay: 30\n"
	"Disallow: /\n"
	"\n"
	"User-agent: *\n"
	"Disallow: /trap/private/\n";

/* ---- responses ---------------------------------------------------- */

/* Queues a response on C and drops our reference.  1, or -1 if MHD
 * refused. */
static int queue(struct MHD_Connection *c, unsigned status,
		 struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return -1;
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret == MHD_YES ? 1 : -1;
}

/* BODY (LEN bytes, copied) with STATUS and TYPE; NAME: VALUE as an extra
 * header if NAME is not NULL. */
static int send_bytes(struct MHD_Connection *c, unsigned status,
		      const char *type, const char *body, size_t len,
		      const char *name, const char *value)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return -1;
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					type);
	if (name)
		MHD_add_response_header(resp, name, value);
	return queue(c, status, resp);
}

/* BODY (taken over, NUL-terminated) as text/html with STATUS. */
static int send_html(struct MHD_Connection *c, unsigned status, char *body)
{
	int rc = send_bytes(c, status, "text/html; charset=utf-8", body,
			    strlen(body), NULL, NULL);

	free(body);
	return rc;
}

static int send_page(struct MHD_Connection *c, const char *title,
		     const char *links)
{
	return send_html(c, MHD_HTTP_OK,
			 xasprintf("<!DOCTYPE html>\n<html><head><title>%s"
				   "</title></head><body><h1>%s</h1>\n%s"
				   "</body></html>\n", title, title,
				   links ? links : ""));
}

static int send_status(struct MHD_Connection *c, unsigned status,
		       const char *text)
{
	return send_html(c, status,
			 xasprintf("<!DOCTYPE html>\n<html><head><title>%s"
				   "</title></head><body><h1>%s</h1></body>"
				   "</html>\n", text, text));
}

static int send_redirect(struct MHD_Connection *c, unsigned status,
			 const char *to)
{
	return send_bytes(c, status, "text/html", "moved", 5,
			  MHD_HTTP_HEADER_LOCATION, to);
}

static int not_found(struct MHD_Connection *c)
{
	return send_status(c, MHD_HTTP_NOT_FOUND, "Not Found");
}

/* ---- streams ------------------------------------------------------ */

/* Sleeps MS milliseconds in 100 ms steps; false if the site is stopping. */
static bool nap(struct traps *t, int ms)
{
	while (ms > 0 && !atomic_load(&t->stopping)) {
		int step = ms < 100 ? ms : 100;
		struct timespec ts = { 0, step * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		ms -= step;
	}
	return !atomic_load(&t->stopping);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;

	if (atomic_load(&s->t->stopping))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->kind == STREAM_TRICKLE) {
		if (pos >= sizeof trickle_body - 1 ||
		    now_ms() - s->start_ms >= TRAPS_TRICKLE_MAX_S * 1000LL)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (pos > 0 && !nap(s->t, 1000))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		buf[0] = trickle_body[pos];
		return 1;
	} else {
		static const char head[] =
			"<!DOCTYPE html><html><head><title>Endless</title>"
			"</head><body>\n";
		const size_t h = sizeof head - 1, k = sizeof endless_para - 1;
		size_t n;

		if (pos >= (uint64_t)TRAPS_ENDLESS_CAP)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if ((uint64_t)max > (uint64_t)TRAPS_ENDLESS_CAP - pos)
			max = (size_t)((uint64_t)TRAPS_ENDLESS_CAP - pos);
		/* Byte P of the body: the head, then the paragraph over and
		 * over. */
		for (n = 0; n < max; n++) {
			uint64_t p = pos + n;
			buf[n] = p < h ? head[p] : endless_para[(p - h) % k];
		}
		return (ssize_t)n;
	}
}

static void stream_free(void *cls)
{
	free(cls);
}

static int send_stream(struct traps *t, struct MHD_Connection *c,
		       enum stream_kind kind)
{
	struct stream *s = xcalloc(1, sizeof *s);
	struct MHD_Response *resp;

	s->t = t;
	s->kind = kind;
	s->start_ms = now_ms();
	resp = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, kind == STREAM_TRICKLE ? 16 : 65536,
		stream_read, s, stream_free);
	if (!resp) {
		free(s);
		return -1;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/html; charset=utf-8");
	return queue(c, MHD_HTTP_OK, resp);
}

/* Deflates TRAPS_BOMB_SIZE bytes of HTML (a head, then spaces) into a
 * gzip member.  Z_RLE: runs are all there is, and it is fast. */
static int make_bomb(struct traps *t)
{
	static const char head[] = "<!DOCTYPE html><html><head><title>Bomb"
				   "</title></head><body>\n";
	static char spaces[1 << 20];
	z_stream z;
	size_t cap = 1 << 18;
	long long left = TRAPS_BOMB_SIZE - (long long)(sizeof head - 1);
	int rc;

	memset(spaces, ' ', sizeof spaces);
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_RLE) != Z_OK) {
		fprintf(stderr, "traps: deflateInit2 failed\n");
		return -1;
	}
	t->bomb = xmalloc(cap);
	z.next_out = (Bytef *)t->bomb;
	z.avail_out = (uInt)cap;
	z.next_in = (Bytef *)head;
	z.avail_in = sizeof head - 1;
	for (;;) {
		int flush = Z_NO_FLUSH;

		if (z.avail_in == 0) {
			if (left > 0) {
				size_t n = left < (long long)sizeof spaces
						   ? (size_t)left : sizeof spaces;
				z.next_in = (Bytef *)spaces;
				z.avail_in = (uInt)n;
				left -= (long long)n;
			}
		}
		if (left == 0)
			flush = Z_FINISH;
		if (z.avail_out == 0) {
			size_t used = cap;
			cap *= 2;
			t->bomb = xrealloc(t->bomb, cap);
			z.next_out = (Bytef *)t->bomb + used;
			z.avail_out = (uInt)(cap - used);
		}
		rc = deflate(&z, flush);
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			fprintf(stderr, "traps: deflate: %d\n", rc);
			deflateEnd(&z);
			return -1;
		}
	}
	t->bomb_len = z.total_out;
	deflateEnd(&z);
	return 0;
}

static int send_bomb(struct traps *t, struct MHD_Connection *c)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(t->bomb_len, t->bomb,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return -1;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING,
				"gzip");
	return queue(c, MHD_HTTP_OK, resp);
}

/* ---- pages -------------------------------------------------------- */

static const char home_links[] =
	"<ul>\n"
	"<li><a href=\"/trap/private/\">private</a>\n"
	"<li><a href=\"/trap/private/secret.html\">secret</a>\n"
	"<li><a href=\"/trap/open.html\">open</a>\n"
	"<li><a href=\"/trap/rate/429.html\">429</a>\n"
	"<li><a href=\"/trap/rate/503.html\">503</a>\n"
	"<li><a href=\"/trap/redir/loop-a\">redirect loop</a>\n"
	"<li><a href=\"/trap/redir/self\">redirect to itself</a>\n"
	"<li><a href=\"/trap/redir/private\">redirect into private</a>\n"
	"<li><a href=\"/trap/redir/long/0\">12 redirects</a>\n"
	"<li><a href=\"/trap/redir/three/0\">3 redirects</a>\n"
	"<li><a href=\"/trap/slow/trickle.html\">trickle</a>\n"
	"<li><a href=\"/trap/big/endless.html\">endless</a>\n"
	"<li><a href=\"/trap/big/bomb.html\">gzip bomb</a>\n"
	"<li><a href=\"/trap/cal/2026/11\">calendar</a>\n"
	"<li><a href=\"/trap/loop/\">loop</a>\n"
	"<li><a href=\"/trap/query?p=0\">query</a>\n"
	"<li><a href=\"/trap/type/html-as-png.png\">html as png</a>\n"
	"<li><a href=\"/trap/type/png-as-html.html\">png as html</a>\n"
	"<li><a href=\"/trap/charset/header-latin1.html\">latin-1</a>\n"
	"<li><a href=\"/trap/charset/meta-latin1.html\">meta</a>\n"
	"<li><a href=\"/trap/charset/meta-http-equiv.html\">http-equiv</a>\n"
	"<li><a href=\"/trap/charset/bad-utf8.html\">bad utf-8</a>\n"
	"</ul>\n";

static const char small_links[] =
	"<a href=\"/trap/open.html\">open</a>\n"
	"<a href=\"/trap/private/\">private</a>\n"
	"<a href=\"/trap/private/secret.html\">secret</a>\n";

/* A PNG: signature, a 1x1 IHDR, an IDAT of garbage holding NULs and
 * markup-like bytes, IEND.  CRCs are not right; nobody should care. */
static const unsigned char png_bytes[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0,
	0, 0x1f, 0x15, 0xc4, 0x89,
	0, 0, 0, 16, 'I', 'D', 'A', 'T', 0x78, 0x9c, '<', 't', 0xff, 0,
	'>', 0xfe, '<', '/', 0x80, 0x00, 0xc3, 0x28, '&', '#',
	0xde, 0xad, 0xbe, 0xef,
	0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
};

static int serve_robots(struct traps *t, struct MHD_Connection *c)
{
	int n = atomic_fetch_add(&t->nrobots, 1);

	switch (t->robots) {
	case TRAPS_ROBOTS_404:
		return not_found(c);
	case TRAPS_ROBOTS_500:
		return send_status(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "Internal Server Error");
	case TRAPS_ROBOTS_500_ONCE:
		if (n == 0)
			return send_status(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					   "Internal Server Error");
		break;
	case TRAPS_ROBOTS_REDIRECT:
		return send_redirect(c, MHD_HTTP_MOVED_PERMANENTLY,
				     "/trap/robots/real.txt");
	case TRAPS_ROBOTS_RULES:
		break;
	}
	return send_bytes(c, MHD_HTTP_OK, "text/plain", robots_rules,
			  sizeof robots_rules - 1, NULL, NULL);
}

/* The first TRAPS_RATE_FAILS requests fail with STATUS (and Retry-After
 * if RETRY_AFTER), then the page. */
static int serve_rate(struct MHD_Connection *c, atomic_int *count,
		      unsigned status, bool retry_after, const char *title)
{
	if (atomic_fetch_add(count, 1) < TRAPS_RATE_FAILS) {
		char *body = xasprintf("<html><head><title>%u</title></head>"
				       "<body>slow down</body></html>\n",
				       status);
		int rc = send_bytes(c, status, "text/html", body, strlen(body),
				    retry_after ? "Retry-After" : NULL, "1");
		free(body);
		return rc;
	}
	return send_page(c, title, NULL);
}

/* /trap/redir/... */
static int serve_redir(struct MHD_Connection *c, const char *rest)
{
	char *to;
	int k, n = -1, rc;

	if (strcmp(rest, "loop-a") == 0)
		return send_redirect(c, MHD_HTTP_MOVED_PERMANENTLY,
				     "/trap/redir/loop-b");
	if (strcmp(rest, "loop-b") == 0)
		return send_redirect(c, MHD_HTTP_MOVED_PERMANENTLY,
				     "/trap/redir/loop-a");
	if (strcmp(rest, "self") == 0)
		return send_redirect(c, MHD_HTTP_MOVED_PERMANENTLY,
				     "/trap/redir/self");
	if (strcmp(rest, "private") == 0)
		return send_redirect(c, MHD_HTTP_FOUND,
				     "/trap/private/from-redirect.html");
	if (strcmp(rest, "three-end.html") == 0)
		return send_page(c, "Chain end", NULL);
	if (sscanf(rest, "long/%d%n", &k, &n) == 1 && n > 0 && !rest[n] &&
	    k >= 0 && k <= TRAPS_LONG_HOPS) {
		if (k == TRAPS_LONG_HOPS)
			return send_page(c, "Long end", NULL);
		to = xasprintf("/trap/redir/long/%d", k + 1);
		rc = send_redirect(c, MHD_HTTP_FOUND, to);
		free(to);
		return rc;
	}
	n = -1;
	if (sscanf(rest, "three/%d%n", &k, &n) == 1 && n > 0 && !rest[n] &&
	    k >= 0 && k <= 2) {
		to = k < 2 ? xasprintf("/trap/redir/three/%d", k + 1)
			   : xstrdup("/trap/redir/three-end.html");
		rc = send_redirect(c, MHD_HTTP_MOVED_PERMANENTLY, to);
		free(to);
		return rc;
	}
	return not_found(c);
}

/* /trap/cal/YYYY/MM */
static int serve_cal(struct MHD_Connection *c, const char *rest)
{
	int y, m, n = -1, py, pm, ny, nm;
	char *title, *links;
	int rc;

	if (sscanf(rest, "%d/%d%n", &y, &m, &n) != 2 || n < 0 || rest[n] ||
	    y < 1 || y > 9999 || m < 1 || m > 12 || rest[0] < '0' ||
	    rest[0] > '9')
		return not_found(c);
	py = m == 1 ? y - 1 : y;
	pm = m == 1 ? 12 : m - 1;
	ny = m == 12 ? y + 1 : y;
	nm = m == 12 ? 1 : m + 1;
	title = xasprintf("Calendar %04d-%02d", y, m);
	links = xasprintf("<table><tr><td>1</td><td>2</td></tr></table>\n"
			  "<a href=\"/trap/cal/%d/%d\">previous</a>\n"
			  "<a href=\"/trap/cal/%d/%d\">next</a>\n",
			  py >= 1 ? py : y, py >= 1 ? pm : m,
			  ny <= 9999 ? ny : y, ny <= 9999 ? nm : m);
	rc = send_page(c, title, links);
	free(title);
	free(links);
	return rc;
}

/* /trap/loop/ followed by REST: "", "a/", "a/a/", ... */
static int serve_loop(struct MHD_Connection *c, const char *rest)
{
	int n = 0;

	while (rest[0] == 'a' && rest[1] == '/') {
		rest += 2;
		n++;
	}
	if (*rest || n > TRAPS_LOOP_MAX)
		return not_found(c);
	return send_page(c, "Loop", "<a href=\"a/\">deeper</a>\n");
}

/* /trap/query?p=N[&sort=...] */
static int serve_query(struct MHD_Connection *c, const char *query)
{
	int p, n = -1, rc;
	char *links;

	if (sscanf(query, "p=%d%n", &p, &n) != 1 || n < 0 || p < 0 ||
	    p > 100000)
		return not_found(c);
	if (query[n] && strcmp(query + n, "&sort=asc") != 0 &&
	    strcmp(query + n, "&sort=desc") != 0)
		return not_found(c);
	links = xasprintf("<a href=\"/trap/query?p=%d\">next</a>\n"
			  "<a href=\"/trap/query?p=%d&amp;sort=asc\">asc</a>\n"
			  "<a href=\"/trap/query?p=%d&amp;sort=desc\">desc</a>\n",
			  p + 1, p + 1, p + 1);
	rc = send_page(c, "Query", links);
	free(links);
	return rc;
}

static int serve_charset(struct MHD_Connection *c, const char *name)
{
	static const struct {
		const char *name, *type, *body;
	} pages[] = {
		{ "header-latin1.html", "text/html; charset=iso-8859-1",
		  "<!DOCTYPE html>\n<html><head><title>Caf\xe9 cr\xe8me "
		  "br\xfbl\xe9" "e</title></head><body><p>Cr\xe8me</p>"
		  "</body></html>\n" },
		{ "meta-latin1.html", "text/html",
		  "<!DOCTYPE html>\n<html><head><meta charset=\"iso-8859-1\">"
		  "<title>Na\xefve fa\xe7" "ade</title></head><body>"
		  "<p>\xe9t\xe9</p></body></html>\n" },
		{ "meta-http-equiv.html", "text/html",
		  "<!DOCTYPE html>\n<html><head><meta http-equiv=\"Content-Type"
		  "\" content=\"text/html; charset=iso-8859-1\"><title>\xc0 "
		  "bient\xf4t</title></head><body><p>\xe0 plus</p></body>"
		  "</html>\n" },
		{ "bad-utf8.html", "text/html; charset=utf-8",
		  "<!DOCTYPE html>\n<html><head><title>Bad \xff\xfe bytes, "
		  "caf\xc3\xa9</title></head><body><p>\xc3(\xa0\xa1</p>"
		  "</body></html>\n" },
	};
	size_t i;

	for (i = 0; i < sizeof pages / sizeof pages[0]; i++)
		if (strcmp(name, pages[i].name) == 0)
			return send_bytes(c, MHD_HTTP_OK, pages[i].type,
					  pages[i].body, strlen(pages[i].body),
					  NULL, NULL);
	return not_found(c);
}

static bool starts(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

static int handle(void *arg, struct MHD_Connection *c, const char *target,
		  int port)
{
	struct traps *t = arg;
	const char *rest;

	(void)port;
	if (strcmp(target, "/") == 0)
		return send_page(c, "Trap home", home_links);
	if (strcmp(target, "/robots.txt") == 0)
		return serve_robots(t, c);
	if (strcmp(target, "/trap/robots/real.txt") == 0)
		return send_bytes(c, MHD_HTTP_OK, "text/plain", robots_rules,
				  sizeof robots_rules - 1, NULL, NULL);
	if (strcmp(target, "/trap/small.html") == 0)
		return send_page(c, "Small", small_links);
	if (strcmp(target, "/trap/open.html") == 0)
		return send_page(c, "Open", NULL);
	if (strcmp(target, "/trap/private/") == 0)
		return send_page(c, "Private", NULL);
	if (strcmp(target, "/trap/private/secret.html") == 0)
		return send_page(c, "Secret", NULL);
	if (strcmp(target, "/trap/private/from-redirect.html") == 0)
		return send_page(c, "Private by redirect", NULL);
	if (strcmp(target, "/trap/rate/429.html") == 0)
		return serve_rate(c, &t->n429, 429, true, "Rate 429");
	if (strcmp(target, "/trap/rate/503.html") == 0)
		return serve_rate(c, &t->n503, MHD_HTTP_SERVICE_UNAVAILABLE,
				  false, "Rate 503");
	if (starts(target, "/trap/redir/", &rest))
		return serve_redir(c, rest);
	if (strcmp(target, "/trap/slow/trickle.html") == 0)
		return send_stream(t, c, STREAM_TRICKLE);
	if (strcmp(target, "/trap/big/endless.html") == 0)
		return send_stream(t, c, STREAM_ENDLESS);
	if (strcmp(target, "/trap/big/bomb.html") == 0)
		return send_bomb(t, c);
	if (starts(target, "/trap/cal/", &rest))
		return serve_cal(c, rest);
	if (starts(target, "/trap/loop/", &rest))
		return serve_loop(c, rest);
	if (starts(target, "/trap/query?", &rest))
		return serve_query(c, rest);
	if (strcmp(target, "/trap/type/html-as-png.png") == 0) {
		static const char body[] =
			"<!DOCTYPE html>\n<html><head><title>Not a PNG</title>"
			"</head><body><a href=\"/trap/type/never.html\">never"
			"</a></body></html>\n";
		return send_bytes(c, MHD_HTTP_OK, "image/png", body,
				  sizeof body - 1, NULL, NULL);
	}
	if (strcmp(target, "/trap/type/png-as-html.html") == 0)
		return send_bytes(c, MHD_HTTP_OK, "text/html", (const char *)png_bytes,
				  sizeof png_bytes, NULL, NULL);
	if (strcmp(target, "/trap/type/never.html") == 0)
		return send_page(c, "Never", NULL);
	if (starts(target, "/trap/charset/", &rest))
		return serve_charset(c, rest);
	return not_found(c);
}

struct traps *traps_start(enum traps_robots robots)
{
	struct traps *t = xcalloc(1, sizeof *t);

	t->robots = robots;
	atomic_init(&t->stopping, false);
	atomic_init(&t->n429, 0);
	atomic_init(&t->n503, 0);
	atomic_init(&t->nrobots, 0);
	if (make_bomb(t) < 0)
		goto fail;
	t->srv = testsrv_start_handler(handle, t);
	if (!t->srv)
		goto fail;
	return t;
fail:
	traps_stop(t);
	return NULL;
}

struct testsrv *traps_srv(const struct traps *t)
{
	return t->srv;
}

void traps_stop(struct traps *t)
{
	if (!t)
		return;
	atomic_store(&t->stopping, true);
	testsrv_stop(t->srv);
	free(t->bomb);
	free(t);
}
