/*
 * test_cookies.c - "cookies" (--cookies): one jar per job, shared by its
 * workers and kept in the database for the next run.
 *
 * The site: / sets a cookie ("visit") and links to /login, which sets a
 * session cookie and links to the private pages; a private page answers
 * 403 without the session and sets a cookie of its own ("last") with it.
 * So the session comes less than a second after the worker's first
 * cookies, and must still reach the other worker before it is ordered a
 * private page.  Each private request takes
 * 30 ms, and the crawl runs two workers with one transfer each, so two
 * private requests at once at the server prove that both workers had the
 * session.  The server logs the Cookie header of every request.
 *
 * Runs in the test process (the server on libmicrohttpd's threads) and
 * trawl as a child, through fixture.h.
 */
#include "fixture.h"
#include "log.h"
#include "testsrv.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NPRIVATE 24
#define SID "s3cret-42"

struct hit {
	char *path;
	char *cookie;        /* the Cookie header, or NULL */
};

/* One test's world; each Criterion test runs in its own process. */
static struct {
	pthread_mutex_t mu;
	struct hit *log;
	size_t n, cap;
	atomic_int inflight, max_inflight;
	struct fixture_web web;
} fx;

static void log_hit(const char *path, const char *cookie)
{
	pthread_mutex_lock(&fx.mu);
	if (fx.n == fx.cap) {
		fx.cap = fx.cap ? fx.cap * 2 : 64;
		fx.log = xrealloc(fx.log, fx.cap * sizeof *fx.log);
	}
	fx.log[fx.n].path = xstrdup(path);
	fx.log[fx.n].cookie = cookie ? xstrdup(cookie) : NULL;
	fx.n++;
	pthread_mutex_unlock(&fx.mu);
}

static void log_clear(void)
{
	pthread_mutex_lock(&fx.mu);
	for (size_t i = 0; i < fx.n; i++) {
		free(fx.log[i].path);
		free(fx.log[i].cookie);
	}
	fx.n = 0;
	pthread_mutex_unlock(&fx.mu);
}

static int respond(struct MHD_Connection *c, unsigned status, const char *body,
		   const char *set_cookie)
{
	struct MHD_Response *r;
	int ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return -1;
	MHD_add_response_header(r, "Content-Type", "text/html");
	if (set_cookie)
		MHD_add_response_header(r, "Set-Cookie", set_cookie);
	ret = MHD_queue_response(c, status, r) == MHD_YES ? 1 : -1;
	MHD_destroy_response(r);
	return ret;
}

static int handle(void *arg, struct MHD_Connection *c, const char *target,
		  int port)
{
	const char *cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							 "Cookie");
	bool session = cookie && strstr(cookie, "sid=" SID);
	char body[8192], set[64];
	size_t n = 0;

	(void)arg;
	(void)port;
	if (strcmp(target, "/robots.txt") == 0)
		return 0;
	log_hit(target, cookie);
	if (strcmp(target, "/") == 0)
		return respond(c, 200, "<title>Home</title><a href=\"/login\">in</a>",
			       "visit=1; Path=/");
	if (strcmp(target, "/login") == 0) {
		n = (size_t)snprintf(body, sizeof body, "<title>Welcome</title>");
		for (int i = 0; i < NPRIVATE; i++)
			n += (size_t)snprintf(body + n, sizeof body - n,
					      "<a href=\"/private/%d\">%d</a>", i, i);
		return respond(c, 200, body, "sid=" SID "; Path=/; HttpOnly");
	}
	if (strncmp(target, "/private/", 9) == 0) {
		struct timespec ts = { 0, 30 * 1000000L };
		int in = atomic_fetch_add(&fx.inflight, 1) + 1, max;

		max = atomic_load(&fx.max_inflight);
		while (in > max && !atomic_compare_exchange_weak(&fx.max_inflight,
								 &max, in))
			;
		nanosleep(&ts, NULL);
		atomic_fetch_sub(&fx.inflight, 1);
		if (!session)
			return respond(c, 403, "<title>Log in first</title>", NULL);
		snprintf(set, sizeof set, "last=%s; Path=/", target + 9);
		return respond(c, 200, "<title>Private</title>", set);
	}
	return 0;
}

static void fx_init(void)
{
	fixture_init();
	memset(&fx, 0, sizeof fx);
	pthread_mutex_init(&fx.mu, NULL);
}

static void fx_fini(void)
{
	fixture_fini(); /* stops the server first */
	log_clear();
	free(fx.log);
	pthread_mutex_destroy(&fx.mu);
}

TestSuite(cookies, .init = fx_init, .fini = fx_fini, .timeout = 120);

static void serve(void)
{
	fixture_trawl_bin();
	fixture_mkdtemp("cookies");
	fixture_serve(&fx.web, testsrv_start_handler(handle, NULL), "/");
}

static char *url_of(const char *path)
{
	return fixture_keep(xasprintf("%s%s", fx.web.origin, path));
}

/* Requests logged for PATH; *WITH_SID of them carried the session. */
static size_t hits(const char *path, size_t *with_sid)
{
	size_t n = 0, s = 0;

	pthread_mutex_lock(&fx.mu);
	for (size_t i = 0; i < fx.n; i++) {
		if (path ? strcmp(fx.log[i].path, path) != 0
			 : strncmp(fx.log[i].path, "/private/", 9) != 0)
			continue;
		n++;
		s += fx.log[i].cookie && strstr(fx.log[i].cookie, "sid=" SID);
	}
	pthread_mutex_unlock(&fx.mu);
	if (with_sid)
		*with_sid = s;
	return n;
}

/* Every request logged; fails the test with the log if one lacks (WANT
 * true) or has (WANT false) the session cookie. */
static void expect_all_sid(bool want, const char *what)
{
	pthread_mutex_lock(&fx.mu);
	for (size_t i = 0; i < fx.n; i++) {
		bool has = fx.log[i].cookie && strstr(fx.log[i].cookie, "sid=" SID);

		if (has != want) {
			const char *p = fixture_keep(xstrdup(fx.log[i].path));
			const char *ck = fx.log[i].cookie
				? fixture_keep(xstrdup(fx.log[i].cookie)) : "(none)";

			pthread_mutex_unlock(&fx.mu);
			cr_assert_fail("%s: request %zu for %s had Cookie: %s", what,
				       i, p, ck);
		}
	}
	pthread_mutex_unlock(&fx.mu);
}

static long long private_pages(const char *job, int status)
{
	return fixture_db_int(fx.web.db,
			      "SELECT count(*) FROM pages p JOIN urls u ON u.id = p.url_id"
			      " JOIN jobs j ON j.id = p.job WHERE j.name = %Q"
			      " AND u.url LIKE '%%/private/%%' AND p.status = %d",
			      job, status);
}

Test(cookies, share_a_session_across_workers_and_runs)
{
	struct proc_result *r;
	const char *jar;
	size_t n, sid;

	serve();
	r = fixture_trawl("first", "crawl", "--db", fx.web.db, "--job", "site",
			  "--quiet", "--cookies", "--workers", "2",
			  "--concurrency", "1", fx.web.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl --cookies --workers 2");
	cr_assert_eq(hits("/login", NULL), 1);
	n = hits(NULL, &sid);
	cr_assert_eq(n, NPRIVATE, "%zu private requests, want %d", n, NPRIVATE);
	cr_assert_eq(sid, n, "only %zu of %zu private requests had the session",
		     sid, n);
	cr_assert_geq(atomic_load(&fx.max_inflight), 2,
		      "the private pages were never fetched two at a time: one "
		      "worker fetched them all, which proves nothing");
	cr_assert_eq(private_pages("site", 200), NPRIVATE);

	jar = fixture_db_text(fx.web.db, "SELECT cookies FROM jobs WHERE name = 'site'");
	cr_assert_not_null(jar, "jobs.cookies is NULL");
	cr_assert(strstr(jar, "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\t" SID "\n"),
		  "jobs.cookies lacks the session:\n%s", jar);
	/* Set on the last pages, less than a second before the end: it
	 * came with the workers' last words. */
	cr_assert(strstr(jar, "\tlast\t"), "jobs.cookies lacks \"last\":\n%s", jar);

	/* A page added since: the next run sends the stored session from
	 * its first request and never logs in again. */
	log_clear();
	r = fixture_trawl("second", "crawl", "--db", fx.web.db, "--job", "site",
			  "--quiet", "--cookies", "--workers", "2",
			  url_of("/private/extra"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl --cookies, second run");
	cr_assert_eq(hits("/login", NULL), 0, "the second run logged in again");
	cr_assert_eq(hits("/private/extra", &sid), 1);
	cr_assert_eq(sid, 1, "the second run did not send the stored session");
	expect_all_sid(true, "second run");
	cr_assert_eq(private_pages("site", 200), NPRIVATE + 1);
	fixture_pass();
}

Test(cookies, keeps_and_sends_nothing_without_the_option)
{
	struct proc_result *r;
	size_t n, sid;

	serve();
	r = fixture_trawl("off", "crawl", "--db", fx.web.db, "--job", "off",
			  "--quiet", "--workers", "2", "--concurrency", "1",
			  fx.web.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl without --cookies");
	cr_assert_eq(hits("/login", NULL), 1);
	n = hits(NULL, &sid);
	cr_assert_eq(n, NPRIVATE);
	expect_all_sid(false, "without --cookies");
	cr_assert_eq(private_pages("off", 403), NPRIVATE);
	cr_assert_null(fixture_db_text(fx.web.db,
				       "SELECT cookies FROM jobs WHERE name = 'off'"),
		       "jobs.cookies was stored without --cookies");
	fixture_pass();
}
