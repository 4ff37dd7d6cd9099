/*
 * test_polite.c - integration tests of trawl's manners: per-host
 * concurrency and delay, Retry-After and backoff, robots.txt that fails
 * then answers, robots.txt kept in the database between jobs, trap limits,
 * sitemaps, refused addresses, and one slow host beside a fast one.
 *
 * What trawl did is read from the server's side: the handler below logs
 * every request with the time it arrived and the time its response was
 * queued (start and end), so overlap and spacing are checked where they
 * happen, not from trawl's own records.  The database is read directly
 * (SQLite) for skip reasons and lastmod.
 *
 * trawl comes from $TRAWL_BIN (make integ sets it; unset: the tests skip).
 * Each run has a hard limit of 60 s times $TRAWL_SLOW; each test takes a
 * few seconds.  Each test works in its own /tmp/trawl-polite-XXXXXX
 * (fixture.h), removed when it passes and kept, with its path printed, when
 * it fails.
 */
#include "fixture.h"
#include "log.h"
#include "proc.h"
#include "testsrv.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* ---- the site ---- */

#define MAX_HITS 1024
#define MAX_RULES 8
#define MAX_FILES 8

/* The next TIMES requests for PATH answer STATUS, with Retry-After RA
 * unless it is empty. */
struct rule {
	char path[128];
	int times;
	unsigned status;
	char ra[64];
};

struct file {
	char path[128];
	const char *type;
	char *body;              /* owned */
	size_t len;
};

struct hit {
	char path[512];
	long long start, end;    /* now_ms(): arrived, response queued */
	unsigned status;
};

/* Serves, on any port:
 *   /robots.txt     robots_fail times robots_status (with Retry-After
 *                   robots_ra if set), then robots (404 if NULL)
 *   /               links /page/0.html .. /page/N-1.html and home_extra
 *   /page/K.html    a page, title "Page K", no links
 *   /private/...    a page
 *   /loop/...       links "a/" (so /loop/a/, /loop/a/a/, ...; 404 past 30)
 *   /q?p=K          links /q?p=K+1 and /q?p=K+1&s=1 (404 past K = 100)
 *   /long           links a 300-byte path and /page/0.html
 *   files[]         as given (sitemaps)
 * rules[] come first.  Every response waits delay_ms. */
struct site {
	pthread_mutex_t mu;
	int npages;
	bool home_bare;          /* / links home_extra only */
	const char *home_extra;
	const char *robots;
	int robots_fail;
	unsigned robots_status;
	const char *robots_ra;
	int delay_ms;
	struct rule rules[MAX_RULES];
	int nrules;
	struct file files[MAX_FILES];
	int nfiles;
	struct hit hits[MAX_HITS];
	size_t nhits;
};

static int answer(struct MHD_Connection *c, unsigned status, const char *type,
		  char *body, size_t len, const char *ra)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (!resp) {
		free(body);
		return -1;
	}
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (ra && *ra)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc == MHD_YES ? 1 : -1;
}

static char *html(const char *title, const char *links)
{
	return xasprintf("<!DOCTYPE html>\n<html><head><title>%s</title></head>"
			 "<body><h1>%s</h1>%s</body></html>\n", title, title, links);
}

/* The response to TARGET: sets *STATUS, *TYPE, *RA; returns the body. */
static char *route(struct site *s, const char *target, unsigned *status,
		   const char **type, const char **ra, size_t *len)
{
	char *body = NULL, *links;
	int i, k;

	*status = 200;
	*type = "text/html; charset=utf-8";
	*ra = NULL;
	*len = 0;
	for (i = 0; i < s->nrules; i++) {
		struct rule *r = &s->rules[i];
		if (r->times > 0 && strcmp(target, r->path) == 0) {
			r->times--;
			*status = r->status;
			*ra = r->ra;
			return html("Try again", "");
		}
	}
	for (i = 0; i < s->nfiles; i++) {
		if (strcmp(target, s->files[i].path) == 0) {
			*type = s->files[i].type;
			*len = s->files[i].len;
			body = xmalloc(*len + 1);
			memcpy(body, s->files[i].body, *len);
			return body;
		}
	}
	if (strcmp(target, "/robots.txt") == 0) {
		*type = "text/plain";
		if (s->robots_fail > 0) {
			s->robots_fail--;
			*status = s->robots_status;
			*ra = s->robots_ra;
			return xstrdup("unavailable\n");
		}
		if (!s->robots) {
			*status = 404;
			return xstrdup("no robots.txt\n");
		}
		return xstrdup(s->robots);
	}
	if (strcmp(target, "/") == 0) {
		links = xstrdup(s->home_extra ? s->home_extra : "");
		for (i = 0; i < s->npages && !s->home_bare; i++) {
			char *more = xasprintf("%s<a href=\"/page/%d.html\">%d</a>\n",
					       links, i, i);
			free(links);
			links = more;
		}
		body = html("Home", links);
		free(links);
		return body;
	}
	if (sscanf(target, "/page/%d.html", &k) == 1 && k >= 0 && k < s->npages) {
		char title[32];
		snprintf(title, sizeof title, "Page %d", k);
		return html(title, "");
	}
	if (strncmp(target, "/private/", 9) == 0)
		return html("Private", "");
	if (strncmp(target, "/loop/", 6) == 0 && strlen(target) < 6 + 2 * 30)
		return html("Loop", "<a href=\"a/\">deeper</a>");
	if (sscanf(target, "/q?p=%d", &k) == 1 && k >= 0 && k < 100) {
		links = xasprintf("<a href=\"/q?p=%d\">next</a>"
				  "<a href=\"/q?p=%d&amp;s=1\">sorted</a>", k + 1, k + 1);
		body = html("Query", links);
		free(links);
		return body;
	}
	if (strcmp(target, "/long") == 0) {
		char path[301];
		memset(path, 'x', 300);
		path[0] = '/';
		path[300] = '\0';
		links = xasprintf("<a href=\"%s\">long</a><a href=\"/page/0.html\">0</a>",
				  path);
		body = html("Long", links);
		free(links);
		return body;
	}
	*status = 404;
	return html("Not Found", "");
}

static int handler(void *arg, struct MHD_Connection *c, const char *target, int port)
{
	struct site *s = arg;
	long long start = now_ms();
	struct hit *h = NULL;
	const char *type, *ra;
	unsigned status;
	size_t len;
	char *body;

	(void)port;
	if (s->delay_ms > 0) {
		struct timespec ts = { s->delay_ms / 1000, (s->delay_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_lock(&s->mu);
	body = route(s, target, &status, &type, &ra, &len);
	if (!len)
		len = strlen(body);
	if (s->nhits < MAX_HITS) {
		h = &s->hits[s->nhits++];
		snprintf(h->path, sizeof h->path, "%s", target);
		h->start = start;
		h->status = status;
		h->end = now_ms();
	}
	pthread_mutex_unlock(&s->mu);
	return answer(c, status, type, body, len, ra);
}

/* ---- one test's world ---- */

static struct {
	struct site site[2];
	struct testsrv *srv[2];
	char *db;
} fx;

TestSuite(polite, .init = fixture_init, .fini = fixture_fini, .timeout = 120);

static void site_release(void *arg)
{
	struct site *s = arg;
	int i;

	for (i = 0; i < s->nfiles; i++)
		free(s->files[i].body);
	pthread_mutex_destroy(&s->mu);
}

/* The temp dir and the database path; sites are set up by the test, then
 * served with serve(). */
static void fx_start(void)
{
	int k;

	fixture_trawl_bin();
	fixture_mkdtemp("polite");
	fx.db = fixture_path("trawl.db");
	for (k = 0; k < 2; k++) {
		pthread_mutex_init(&fx.site[k].mu, NULL);
		/* Deferred before serve(): released after the server stops. */
		fixture_defer(site_release, &fx.site[k]);
	}
}

static void serve(int k)
{
	struct testsrv *srv = testsrv_start_handler(handler, &fx.site[k]);

	fx.srv[k] = fixture_serve(NULL, srv, NULL);
}

static char *url_of(int k, const char *path)
{
	return fixture_keep(testsrv_url(fx.srv[k], path));
}

/* Runs trawl with ARGS (NULL-terminated) after "crawl --db DB --workers
 * 1"; output in TAG.out and TAG.err. */
static struct proc_result *crawl(const char *tag, ...)
{
	const char *head[] = { "crawl", "--db", fx.db, "--workers", "1", NULL };
	struct proc_result *r;
	va_list ap;

	va_start(ap, tag);
	r = fixture_vtrawl(tag, NULL, head, ap);
	va_end(ap);
	cr_assert_eq(r->exit_code, 0, "trawl %s: exit status %d (signal %d); "
		     "stderr:\n%.3000s", tag, r->exit_code, r->signal, r->err);
	return r;
}

/* ---- reading the log and the database ---- */

/* A copy of site K's log, oldest first (by arrival). */
static struct hit *hits(int k, size_t *n)
{
	struct site *s = &fx.site[k];
	struct hit *v;
	size_t i, j;

	pthread_mutex_lock(&s->mu);
	*n = s->nhits;
	v = fixture_keep(xcalloc(*n + 1, sizeof *v));
	memcpy(v, s->hits, *n * sizeof *v);
	pthread_mutex_unlock(&s->mu);
	for (i = 1; i < *n; i++) /* insertion sort on start */
		for (j = i; j > 0 && v[j].start < v[j - 1].start; j--) {
			struct hit t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v;
}

static size_t count_path(int k, const char *prefix)
{
	size_t n, i, c = 0;
	struct hit *v = hits(k, &n);

	for (i = 0; i < n; i++)
		c += strncmp(v[i].path, prefix, strlen(prefix)) == 0;
	return c;
}

/* The first integer SQL gives on the test's database. */
static long long sql_int(const char *fmt, ...)
{
	sqlite3_stmt *st;
	long long v = -1;
	va_list ap;
	char *sql;

	va_start(ap, fmt);
	cr_assert_neq(vasprintf(&sql, fmt, ap), -1);
	va_end(ap);
	st = fixture_db_query(fx.db, "%s", sql);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	fixture_db_done(st);
	free(sql);
	return v;
}

static long long skipped(const char *reason)
{
	return sql_int("SELECT count(*) FROM urls WHERE state = 3 AND reason = '%s'",
		       reason);
}

/* ---- (a) per-host concurrency and delay ---- */

#define JITTER_MS 10

Test(polite, per_host_one_and_delay_space_requests_out)
{
	struct hit *v;
	size_t n, i;

	fx_start();
	fx.site[0].npages = 8;
	serve(0);
	crawl("crawl", "--per-host", "1", "--delay", "200", url_of(0, "/"), NULL);
	v = hits(0, &n);
	cr_assert_eq(n, 1 + 1 + 8, "robots.txt, home and 8 pages; got %zu", n);
	/* trawl spaces the starts of its requests 200 ms apart; they reach
	 * the server a few ms later each, not always the same few (a new
	 * connection, a busy worker): JITTER_MS of slack. */
	for (i = 1; i < n; i++) {
		cr_expect_geq(v[i].start - v[i - 1].start, 200 - JITTER_MS,
			      "%s came %lld ms after %s", v[i].path,
			      v[i].start - v[i - 1].start, v[i - 1].path);
		cr_expect_geq(v[i].start, v[i - 1].end, "%s overlaps %s", v[i].path,
			      v[i - 1].path);
	}
	fixture_pass();
}

Test(polite, per_host_limit_holds_with_slow_answers)
{
	struct hit *v;
	size_t n, i, j;
	int most = 0;

	fx_start();
	fx.site[0].npages = 12;
	fx.site[0].delay_ms = 100;
	serve(0);
	crawl("crawl", "--per-host", "2", url_of(0, "/"), NULL);
	v = hits(0, &n);
	cr_assert_eq(n, 14);
	for (i = 0; i < n; i++) {
		int at = 0;
		for (j = 0; j < n; j++)
			at += v[j].start <= v[i].start && v[j].end > v[i].start;
		if (at > most)
			most = at;
	}
	cr_expect_leq(most, 2, "%d requests in flight at once", most);
	cr_expect_eq(most, 2, "the limit is used");
	fixture_pass();
}

/* ---- (b) 429 with Retry-After, (c) 503 backoff ---- */

static void add_rule(int k, const char *path, int times, unsigned status, const char *ra)
{
	struct rule *r = &fx.site[k].rules[fx.site[k].nrules++];

	snprintf(r->path, sizeof r->path, "%s", path);
	r->times = times;
	r->status = status;
	snprintf(r->ra, sizeof r->ra, "%s", ra ? ra : "");
}

Test(polite, retry_after_holds_the_whole_host)
{
	struct hit *v;
	size_t n, i, at = 0, ok = 0;

	fx_start();
	fx.site[0].npages = 6;
	add_rule(0, "/page/2.html", 1, 429, "2");
	serve(0);
	crawl("crawl", "--per-host", "1", url_of(0, "/"), NULL);
	v = hits(0, &n);
	for (i = 0; i < n; i++) {
		if (v[i].status == 429)
			at = i;
		if (strcmp(v[i].path, "/page/2.html") == 0 && v[i].status == 200)
			ok++;
	}
	cr_assert_gt(at, 0, "no 429 was sent");
	cr_assert_lt(at + 1, n, "nothing after the 429");
	cr_expect_geq(v[at + 1].start - v[at].end, 2000,
		      "%s came %lld ms after the 429 with Retry-After: 2",
		      v[at + 1].path, v[at + 1].start - v[at].end);
	cr_expect_lt(v[at + 1].start - v[at].end, 4000 * proc_slow_factor(),
		     "but not much later");
	cr_expect_eq(ok, 1, "the page is fetched in the end");
	cr_expect_eq(sql_int("SELECT count(*) FROM pages WHERE status = 200"), 7);
	fixture_pass();
}

Test(polite, retry_after_as_a_date_is_honoured)
{
	struct hit *v;
	size_t n, i, at = 0;
	char date[64];
	time_t t = time(NULL) + 3;

	fx_start();
	fx.site[0].npages = 3;
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&t));
	add_rule(0, "/page/1.html", 1, 503, date);
	serve(0);
	crawl("crawl", "--per-host", "1", url_of(0, "/"), NULL);
	v = hits(0, &n);
	for (i = 0; i < n; i++)
		if (v[i].status == 503)
			at = i;
	cr_assert_gt(at, 0);
	cr_assert_lt(at + 1, n);
	/* The date has whole seconds: at least 1 s and a bit away. */
	cr_expect_geq(v[at + 1].start - v[at].end, 1000, "waited %lld ms",
		      v[at + 1].start - v[at].end);
	cr_expect_eq(sql_int("SELECT count(*) FROM pages WHERE status = 200"), 4);
	fixture_pass();
}

Test(polite, server_errors_without_retry_after_back_the_host_off)
{
	struct hit *v;
	size_t n, i, fails[2], nf = 0;

	fx_start();
	fx.site[0].npages = 4;
	add_rule(0, "/", 2, 503, NULL);
	serve(0);
	crawl("crawl", "--per-host", "1", "--retry-delay", "100", url_of(0, "/"), NULL);
	v = hits(0, &n);
	for (i = 0; i < n; i++)
		if (v[i].status == 503 && nf < 2)
			fails[nf++] = i;
	cr_assert_eq(nf, 2);
	cr_assert_lt(fails[1] + 1, n);
	cr_expect_geq(v[fails[0] + 1].start - v[fails[0]].end, 1000,
		      "after the first 503: %lld ms", v[fails[0] + 1].start - v[fails[0]].end);
	cr_expect_geq(v[fails[1] + 1].start - v[fails[1]].end, 2000,
		      "after the second 503, doubled: %lld ms",
		      v[fails[1] + 1].start - v[fails[1]].end);
	cr_expect_eq(sql_int("SELECT count(*) FROM pages WHERE status = 200"), 5,
		     "every page fetched in the end");
	fixture_pass();
}

/* ---- (d) robots.txt unavailable, then there ---- */

Test(polite, robots_txt_that_fails_then_answers_keeps_urls_waiting)
{
	struct hit *v;
	size_t n, i, ok = 0;

	fx_start();
	fx.site[0].npages = 3;
	fx.site[0].home_extra = "<a href=\"/private/a.html\">p</a>";
	fx.site[0].robots = "User-agent: *\nDisallow: /private/\n";
	fx.site[0].robots_fail = 2;
	fx.site[0].robots_status = 503;
	serve(0);
	crawl("crawl", "--retry-delay", "200", url_of(0, "/"), NULL);
	v = hits(0, &n);
	for (i = 0; i < n; i++) {
		cr_expect(strncmp(v[i].path, "/private/", 9) != 0,
			  "%s is disallowed", v[i].path);
		if (strcmp(v[i].path, "/robots.txt") == 0) {
			cr_expect_eq(ok, 0, "robots.txt asked after it answered");
			if (v[i].status == 200)
				ok = i;
			continue;
		}
		cr_expect_gt(ok, 0, "%s fetched before robots.txt answered", v[i].path);
	}
	cr_expect_eq(count_path(0, "/robots.txt"), 3);
	cr_expect_eq(count_path(0, "/page/"), 3);
	cr_expect_eq(skipped("robots"), 1);
	fixture_pass();
}

Test(polite, robots_txt_that_never_answers_skips_the_host)
{
	fx_start();
	fx.site[0].npages = 3;
	fx.site[0].robots_fail = 100;
	fx.site[0].robots_status = 500;
	serve(0);
	crawl("crawl", "--retries", "1", "--retry-delay", "100", url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/robots.txt"), 2, "one retry");
	cr_expect_eq(count_path(0, "/page/"), 0);
	cr_expect_eq(count_path(0, "/"), 2, "nothing but robots.txt");
	cr_expect_eq(skipped("robots-unavailable"), 1, "the seed");
	cr_expect_eq(sql_int("SELECT count(*) FROM pages"), 0);
	fixture_pass();
}

Test(polite, robots_txt_404_allows_everything)
{
	fx_start();
	fx.site[0].npages = 2;
	fx.site[0].home_extra = "<a href=\"/private/a.html\">p</a>";
	serve(0);
	crawl("crawl", url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/private/"), 1);
	cr_expect_eq(count_path(0, "/robots.txt"), 1);
	fixture_pass();
}

/* ---- (e) robots.txt kept between jobs ---- */

Test(polite, robots_txt_is_reused_by_a_second_job_within_its_ttl)
{
	fx_start();
	fx.site[0].npages = 2;
	fx.site[0].robots = "User-agent: *\nDisallow: /private/\n"
			    "Sitemap: /sm.xml\n";
	fx.site[0].home_extra = "<a href=\"/private/a.html\">p</a>";
	serve(0);
	crawl("one", "--job", "one", url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/robots.txt"), 1);
	crawl("two", "--job", "two", url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/robots.txt"), 1, "job two used the stored copy");
	cr_expect_eq(count_path(0, "/private/"), 0, "and its rules");
	cr_expect_eq(count_path(0, "/page/"), 4);
	cr_expect_eq(sql_int("SELECT count(*) FROM robots WHERE status = 200 AND "
			     "sitemaps = '/sm.xml'"), 1, "the Sitemap: line is kept");
	crawl("three", "--job", "three", "--robots-ttl", "0", url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/robots.txt"), 2, "a TTL of 0 fetches it again");
	fixture_pass();
}

/* ---- (f) traps ---- */

Test(polite, repeated_segments_are_a_trap)
{
	fx_start();
	fx.site[0].home_extra = "<a href=\"/loop/\">loop</a>";
	serve(0);
	crawl("crawl", url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/loop/"), 3, "/loop/, /loop/a/, /loop/a/a/");
	cr_expect_eq(count_path(0, "/loop/a/a/a/"), 0);
	cr_expect_eq(skipped("trap"), 1);
	fixture_pass();
}

Test(polite, query_variants_are_capped_per_path)
{
	fx_start();
	fx.site[0].home_extra = "<a href=\"/q?p=0\">q</a>";
	serve(0);
	crawl("crawl", "--max-query-variants", "5", url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/q?"), 5);
	cr_expect_geq(skipped("query-limit"), 1);
	fixture_pass();
}

Test(polite, long_urls_and_hosts_over_their_limit_are_skipped)
{
	fx_start();
	fx.site[0].npages = 10;
	fx.site[0].home_extra = "<a href=\"/long\">long</a>";
	serve(0);
	crawl("crawl", "--max-url-length", "200", "--max-pages-per-host", "6",
	      url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/xxx"), 0);
	cr_expect_eq(skipped("too-long"), 1);
	cr_expect_eq(sql_int("SELECT count(*) FROM pages"), 6);
	cr_expect_eq(count_path(0, "/") - count_path(0, "/robots.txt"), 6);
	cr_expect_eq(skipped("host-limit"), 11 - 5);
	fixture_pass();
}

Test(polite, redirect_hops_are_limited_by_max_redirects)
{
	int i;
	char from[32], to[32];

	fx_start();
	fx.site[0].home_extra = "<a href=\"/r/0\">r</a>";
	serve(0);
	for (i = 0; i < 5; i++) {
		snprintf(from, sizeof from, "/r/%d", i);
		snprintf(to, sizeof to, "/r/%d", i + 1);
		testsrv_add_redirect(fx.srv[0], from, to, 302);
	}
	crawl("crawl", "--max-redirects", "3", url_of(0, "/"), NULL);
	/* Redirects are testsrv's, answered before the handler: its log. */
	cr_expect_eq(testsrv_hits(fx.srv[0], "/r/0"), 1);
	cr_expect_eq(testsrv_hits(fx.srv[0], "/r/3"), 1, "3 hops followed");
	cr_expect_eq(testsrv_hits(fx.srv[0], "/r/4"), 0, "not a 4th");
	cr_expect_eq(sql_int("SELECT count(*) FROM pages WHERE error = 'redirect-loop'"), 1);
	fixture_pass();
}

/* ---- (g) sitemaps ---- */

static void add_file(int k, const char *path, const char *type, const char *body,
		     size_t len)
{
	struct file *f = &fx.site[k].files[fx.site[k].nfiles++];

	snprintf(f->path, sizeof f->path, "%s", path);
	f->type = type;
	f->body = xmalloc(len + 1);
	memcpy(f->body, body, len);
	f->len = len;
}

static void add_gzip_file(int k, const char *path, const char *text)
{
	z_stream z;
	unsigned char out[8192];

	memset(&z, 0, sizeof z);
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = sizeof out;
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	add_file(k, path, "application/x-gzip", (const char *)out,
		 sizeof out - z.avail_out);
	deflateEnd(&z);
}

Test(polite, sitemaps_urlset_index_and_gzip_seed_the_crawl)
{
	char *urlset, *index, *gz, *sm;

	fx_start();
	fx.site[0].npages = 9;
	fx.site[0].home_bare = true;
	serve(0);
	/* Pages 0-2 from a urlset, 3-4 from a gzipped urlset an index names,
	 * 5 from a sitemap robots.txt names; 6 is out of scope. */
	urlset = fixture_keep(xasprintf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
		"<url><loc>%s</loc><lastmod>2026-11-01</lastmod></url>\n"
		"<url><loc>%s</loc></url>\n<url><loc>/page/2.html</loc></url>\n"
		"<url><loc>http://other.invalid/x.html</loc></url>\n"
		"</urlset>\n", url_of(0, "/page/0.html"), url_of(0, "/page/1.html")));
	gz = fixture_keep(xasprintf(
		"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
		"<url><loc>%s</loc><lastmod>2026-10-31T12:00:00Z</lastmod></url>"
		"<url><loc>%s</loc></url></urlset>",
		url_of(0, "/page/3.html"), url_of(0, "/page/4.html")));
	index = fixture_keep(xasprintf(
		"<?xml version=\"1.0\"?>\n"
		"<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
		"<sitemap><loc>%s</loc></sitemap>\n"
		"<sitemap><loc>%s</loc></sitemap>\n"
		"</sitemapindex>\n", url_of(0, "/sm/b.xml.gz"), url_of(0, "/sm/a.xml")));
	sm = fixture_keep(xasprintf("%s\n", url_of(0, "/page/5.html")));
	add_file(0, "/sm/a.xml", "application/xml", urlset, strlen(urlset));
	add_gzip_file(0, "/sm/b.xml.gz", gz);
	add_file(0, "/sm/index.xml", "application/xml", index, strlen(index));
	add_file(0, "/sm/robots.txt", "text/plain", sm, strlen(sm));
	/* Relative, though RFC 9309 wants it absolute: resolved. */
	fx.site[0].robots = "User-agent: *\nAllow: /\nSitemap: /sm/robots.txt\n";
	crawl("crawl", "--sitemap", url_of(0, "/sm/index.xml"), "--sitemaps",
	      url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/sm/a.xml"), 1, "fetched once though named twice");
	cr_expect_eq(count_path(0, "/sm/"), 4);
	cr_expect_eq(count_path(0, "/page/"), 6, "pages 0-5");
	cr_expect_eq(count_path(0, "/page/6"), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM urls WHERE lastmod = '2026-11-01'"
			     " AND url LIKE '%%/page/0.html'"), 1);
	cr_expect_eq(sql_int("SELECT count(*) FROM urls WHERE lastmod = "
			     "'2026-10-31T12:00:00Z' AND url LIKE '%%/page/3.html'"), 1);
	cr_expect_eq(sql_int("SELECT count(*) FROM urls WHERE depth = 0 AND state = 1"),
		     7, "sitemap URLs are seeds: the home page and pages 0-5");
	cr_expect_eq(skipped("scope"), 1, "other.invalid");
	cr_expect_eq(sql_int("SELECT count(*) FROM sitemaps WHERE state = 1"), 4);
	cr_expect_eq(sql_int("SELECT count(*) FROM sitemaps WHERE kind = 'index'"), 1);
	fixture_pass();
}

/* ---- (5) refused addresses ---- */

Test(polite, a_host_whose_address_is_refused_is_skipped)
{
	fx_start();
	fx.site[0].npages = 2;
	serve(0);
	crawl("crawl", "--allow-network", "192.0.2.0/24", url_of(0, "/"), NULL);
	cr_expect_eq(count_path(0, "/"), 0, "nothing reaches the server");
	cr_expect_eq(skipped("blocked-address"), 1);
	cr_expect_eq(sql_int("SELECT count(*) FROM pages"), 0);
	fixture_pass();
}

/* ---- (h) one slow host beside a fast one ---- */

Test(polite, a_slow_host_does_not_hold_back_a_fast_one)
{
	struct hit *fast, *slow;
	size_t nf, ns;

	fx_start();
	fx.site[0].npages = 4;
	fx.site[0].delay_ms = 1000;
	fx.site[1].npages = 20;
	serve(0);
	serve(1);
	crawl("crawl", "--per-host", "1", url_of(0, "/"), url_of(1, "/"), NULL);
	fast = hits(1, &nf);
	slow = hits(0, &ns);
	cr_assert_eq(nf, 22);
	cr_assert_eq(ns, 6);
	cr_expect_lt(fast[nf - 1].end - fast[0].start, 1500 * proc_slow_factor(),
		     "the fast host took %lld ms", fast[nf - 1].end - fast[0].start);
	cr_expect_lt(fast[nf - 1].end, slow[2].start,
		     "the fast host was done while the slow one was on its third request");
	fixture_pass();
}

/* ---- autothrottle ---- */

Test(polite, autothrottle_spaces_requests_by_latency_over_target)
{
	struct hit *v;
	size_t n, i;

	fx_start();
	fx.site[0].npages = 10;
	fx.site[0].delay_ms = 100;
	serve(0);
	/* Target 0.5 in flight with 100 ms answers: 200 ms between starts,
	 * reached by halving the distance each answer (0, 100, 150, 175,
	 * ...). */
	crawl("crawl", "--autothrottle", "--autothrottle-target", "0.5",
	      url_of(0, "/"), NULL);
	v = hits(0, &n);
	cr_assert_eq(n, 12);
	for (i = n - 4; i < n; i++)
		cr_expect_geq(v[i].start - v[i - 1].start, 150 - JITTER_MS,
			      "%s came %lld ms after %s", v[i].path,
			      v[i].start - v[i - 1].start, v[i - 1].path);
	fixture_pass();
}
