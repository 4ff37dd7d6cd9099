/*
 * test_traps.c - integration tests: the real trawl binary crawls the
 * hostile site of tests/support/traps.h (rate limits, redirect loops and
 * chains, a trickle, an endless body, a gzip bomb, infinite link spaces,
 * lying content types and charsets, robots.txt variants) and the tests
 * check that the crawl ends in bounded time and what it recorded.
 *
 * What trawl recorded is read from its SQLite database directly (urls
 * joined with pages); what it requested, from the test server's log, so
 * that "never requested" is the server's word, not trawl's.
 *
 * trawl comes from $TRAWL_BIN (unset: the tests skip).  Each run has a
 * hard limit of 60 s times $TRAWL_SLOW.  Each test works in its own
 * /tmp/trawl-traps-XXXXXX (fixture.h), removed when the test passes and
 * kept, with its path printed, when it fails.
 *
 * Tests named after a feature trawl may not have yet (Retry-After, robots
 * 5xx retry, low_speed_time, trap rules) are kept apart from the crawl of
 * the whole site so that the rest stands on its own.
 */
#include "fixture.h"
#include "log.h"
#include "proc.h"
#include "store.h"
#include "testsrv.h"
#include "traps.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The crawl of the whole site must end within this (times $TRAWL_SLOW). */
#define SITE_BOUND_MS 30000
/* --max-depth of that crawl; "/" is depth 0, every trap depth 1. */
#define SITE_DEPTH 8

/* One row of the job: a URL and, if fetched, its page. */
struct row {
	char *url;
	int state;          /* enum url_state */
	char *reason;       /* skip reason, or NULL */
	int depth;
	bool page;          /* a pages row exists */
	int status;
	char *error, *final_url, *title, *content_type;
	long long elapsed_ms;
};

/* One test's world; each Criterion test runs in its own process. */
static struct {
	struct traps *traps;
	struct testsrv *srv;
	char *origin;           /* "http://127.0.0.1:PORT" */
	char *db;
	struct row *rows;
	size_t nrows;
} fx;

static char *url_of(const char *path)
{
	return fixture_keep(xasprintf("%s%s", fx.origin, path));
}

static void rows_free(void)
{
	size_t i;

	for (i = 0; i < fx.nrows; i++) {
		free(fx.rows[i].url);
		free(fx.rows[i].reason);
		free(fx.rows[i].error);
		free(fx.rows[i].final_url);
		free(fx.rows[i].title);
		free(fx.rows[i].content_type);
	}
	free(fx.rows);
	fx.rows = NULL;
	fx.nrows = 0;
}

static void fx_fini(void)
{
	traps_stop(fx.traps);
	rows_free();
	fixture_fini();
}

TestSuite(traps, .init = fixture_init, .fini = fx_fini, .timeout = 300);

/* Make the temp dir and serve the trap site with ROBOTS. */
static void fx_start(enum traps_robots robots)
{
	fixture_trawl_bin();
	fixture_mkdtemp("traps");
	fx.traps = traps_start(robots);
	cr_assert_not_null(fx.traps, "the trap server did not start");
	fx.srv = traps_srv(fx.traps);
	fx.origin = fixture_keep(testsrv_url(fx.srv, ""));
	fx.db = fixture_path("trawl.db");
}

/* ---- the database --------------------------------------------------- */

static char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/* Load every URL of JOB with its page into fx.rows. */
static void load_rows(const char *job)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	rows_free();
	st = fixture_db_query(fx.db,
		"SELECT u.url, u.state, u.reason, u.depth, p.id IS NOT NULL,"
		" p.status, p.error, p.final_url, p.title, p.content_type,"
		" p.elapsed_ms"
		" FROM urls u JOIN jobs j ON j.id = u.job"
		" LEFT JOIN pages p ON p.url_id = u.id"
		" WHERE j.name = %Q ORDER BY u.id", job);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct row *w;

		if (fx.nrows == cap) {
			cap = cap ? cap * 2 : 64;
			fx.rows = xrealloc(fx.rows, cap * sizeof *fx.rows);
		}
		w = &fx.rows[fx.nrows++];
		w->url = col_str(st, 0);
		w->state = sqlite3_column_int(st, 1);
		w->reason = col_str(st, 2);
		w->depth = sqlite3_column_int(st, 3);
		w->page = sqlite3_column_int(st, 4) != 0;
		w->status = sqlite3_column_int(st, 5);
		w->error = col_str(st, 6);
		w->final_url = col_str(st, 7);
		w->title = col_str(st, 8);
		w->content_type = col_str(st, 9);
		w->elapsed_ms = sqlite3_column_int64(st, 10);
	}
	cr_assert_eq(rc, SQLITE_DONE, "%s: %s", fx.db,
		     sqlite3_errmsg(sqlite3_db_handle(st)));
	fixture_db_done(st);
	cr_assert_gt(fx.nrows, 0, "job %s has no URLs", job);
}

static const struct row *find_row(const char *path)
{
	const char *url = url_of(path);
	size_t i;

	for (i = 0; i < fx.nrows; i++)
		if (strcmp(fx.rows[i].url, url) == 0)
			return &fx.rows[i];
	return NULL;
}

/* The row of PATH, which must have a page. */
static const struct row *page_of(const char *path)
{
	const struct row *w = find_row(path);

	cr_assert_not_null(w, "no URL row for %s", path);
	cr_assert(w->page, "%s has no page (state %s, reason %s)", path,
		  url_state_name(w->state), w->reason ? w->reason : "none");
	return w;
}

/* Pages fetched whose path starts with PREFIX. */
static size_t pages_under(const char *prefix)
{
	const char *u = url_of(prefix);
	size_t i, n = 0, len = strlen(u);

	for (i = 0; i < fx.nrows; i++)
		if (fx.rows[i].page && strncmp(fx.rows[i].url, u, len) == 0)
			n++;
	return n;
}

static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

static void expect_ok_page(const struct row *w, const char *title)
{
	cr_assert_eq(w->status, 200, "%s: status %d, expected 200 (error %s)",
		     w->url, w->status, or_null(w->error));
	cr_assert_null(w->error, "%s: error %s, expected none", w->url,
		       or_null(w->error));
	if (title)
		cr_assert(w->title && strcmp(w->title, title) == 0,
			  "%s: title \"%s\", expected \"%s\"", w->url,
			  or_null(w->title), title);
}

/* W's page has ERROR.  Its URL is "failed" if no HTTP status came back,
 * else "done" (coord.c's rule: a page with a status is a page, error or
 * not; the status counts of `trawl status` rely on it). */
static void expect_error(const struct row *w, const char *error)
{
	int state = w->status == 0 ? URL_FAILED : URL_DONE;

	cr_assert(w->error && strcmp(w->error, error) == 0,
		  "%s: error %s (status %d), expected %s", w->url,
		  or_null(w->error), w->status, error);
	cr_assert_eq(w->state, state, "%s: state %s with status %d, "
		     "expected %s", w->url, url_state_name(w->state),
		     w->status, url_state_name(state));
}

/* ---- the server's log ----------------------------------------------- */

/* Requests whose path?query starts with PREFIX. */
static size_t hits_under(const char *prefix)
{
	struct testsrv_hit *log;
	size_t n, i, k = 0;

	log = testsrv_log(fx.srv, &n);
	for (i = 0; i < n; i++)
		if (strncmp(log[i].path, prefix, strlen(prefix)) == 0)
			k++;
	testsrv_log_free(log, n);
	return k;
}

/* Times (ms) of the requests for exactly PATH, oldest first; *N gets
 * how many (at most MAX). */
static void times_of(const char *path, long long *t, size_t max, size_t *n)
{
	struct testsrv_hit *log;
	size_t nlog, i;

	*n = 0;
	log = testsrv_log(fx.srv, &nlog);
	for (i = 0; i < nlog; i++)
		if (strcmp(log[i].path, path) == 0 && *n < max)
			t[(*n)++] = log[i].ms;
	testsrv_log_free(log, nlog);
}

/* Nothing under /trap/private/ was requested; robots.txt was. */
static void expect_private_untouched(void)
{
	cr_assert_geq(testsrv_hits(fx.srv, "/robots.txt"), 1,
		      "trawl never asked for /robots.txt");
	cr_assert_eq(hits_under("/trap/private/"), 0,
		     "trawl requested %zu URL(s) under /trap/private/, "
		     "which robots.txt disallows",
		     hits_under("/trap/private/"));
}

/* The titles of the four charset pages (fx.rows loaded): valid UTF-8
 * with the right characters. */
static void expect_charset_titles(void)
{
	const struct row *w;

	expect_ok_page(page_of("/trap/charset/header-latin1.html"),
		       TRAPS_TITLE_HEADER_LATIN1);
	expect_ok_page(page_of("/trap/charset/meta-latin1.html"),
		       TRAPS_TITLE_META_LATIN1);
	expect_ok_page(page_of("/trap/charset/meta-http-equiv.html"),
		       TRAPS_TITLE_HTTP_EQUIV);

	/* Declared UTF-8 with two bad bytes: they become replacement
	 * characters (or vanish), the valid "é" after them stays "é". */
	w = page_of("/trap/charset/bad-utf8.html");
	expect_ok_page(w, NULL);
	cr_assert_not_null(w->title);
	cr_assert(fixture_utf8(w->title, strlen(w->title), NULL),
		  "title is not valid UTF-8: %s", w->title);
	cr_assert(strncmp(w->title, "Bad ", 4) == 0 &&
		  strstr(w->title, "bytes, caf\xc3\xa9"),
		  "title \"%s\", expected \"Bad \xef\xbf\xbd\xef\xbf\xbd bytes, "
		  "caf\xc3\xa9\"", w->title);
}

/* ---- the crawl of the whole site ------------------------------------ */

static struct proc_result *crawl_site(const char *job, long long *ms)
{
	struct proc_result *r;
	char depth[16];

	snprintf(depth, sizeof depth, "%d", SITE_DEPTH);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", job,
			  "--workers", "2", "--max-depth", depth,
			  "--timeout", "10", "--low-speed-time", "2",
			  "--max-size", "1m", "--retries", "2",
			  "--retry-delay", "200", url_of("/"), NULL);
	*ms = r->ms;
	fprintf(stderr, "traps: the crawl of the trap site took %lld ms\n",
		r->ms);
	return r;
}

/* One crawl of the whole site, and every trap's outcome that trawl has
 * the features for today. */
Test(traps, whole_site_is_crawled_in_bounded_time_and_each_trap_recorded)
{
	const struct row *w;
	struct proc_result *r;
	long long ms;
	size_t n;

	fx_start(TRAPS_ROBOTS_RULES);
	r = crawl_site("site", &ms);
	fixture_expect_exit(r, 0, "trawl crawl of the trap site");
	cr_assert_not(r->leftovers, "trawl left processes behind: %s",
		      r->leftover_desc);

	/* (1) Bounded: the trickle costs at most three 2 s low-speed
	 * cut-offs, the rate limits a few seconds (Retry-After: 1, backoff);
	 * slowbot's Crawl-delay: 30 is not ours. */
	cr_assert_leq(ms, (long long)(SITE_BOUND_MS * proc_slow_factor()),
		      "the crawl took %lld ms, bound %d ms", ms, SITE_BOUND_MS);

	load_rows("site");
	expect_ok_page(page_of("/"), "Trap home");
	expect_ok_page(page_of("/trap/open.html"), "Open");

	/* (2) Redirects.  The loop: a -> b -> a is an error, stored under
	 * the linked URL, each hop requested once. */
	w = page_of("/trap/redir/loop-a");
	expect_error(w, "redirect-loop");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/redir/loop-a"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/redir/loop-b"), 1);
	w = page_of("/trap/redir/self");
	expect_error(w, "redirect-loop");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/redir/self"), 1);
	/* A hop into /trap/private/ is robots-checked: never requested
	 * (expect_private_untouched() below); the redirect itself once. */
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/redir/private"), 1);

	/* 12 hops, more than the 10 trawl follows by default: an error on
	 * the linked URL (trawl calls too many hops "redirect-loop" too),
	 * with the 3xx status of the last hop; 11 requests (long/0 to
	 * long/10), the end of the chain never. */
	w = page_of("/trap/redir/long/0");
	expect_error(w, "redirect-loop");
	cr_assert_geq(w->status, 300, "%s: status %d", w->url, w->status);
	cr_assert_lt(w->status, 400, "%s: status %d", w->url, w->status);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/redir/long/12"), 0,
		     "the 12th hop was followed");
	cr_assert_eq(hits_under("/trap/redir/long/"), 11,
		     "%zu requests along the 12-hop chain",
		     hits_under("/trap/redir/long/"));
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/redir/long/10"), 1);

	/* 3 hops to a page: stored under the linked URL, final_url the
	 * end, the end has no page of its own. */
	w = page_of("/trap/redir/three/0");
	expect_ok_page(w, "Chain end");
	cr_assert(w->final_url && strcmp(w->final_url,
					  url_of("/trap/redir/three-end.html")) == 0,
		  "%s: final_url %s", w->url, or_null(w->final_url));
	w = find_row("/trap/redir/three-end.html");
	cr_assert(!w || !w->page, "the end of the chain has a page of its own");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/redir/three-end.html"), 1);

	/* Trickle: cut off by the 2 s low-speed limit (a "timeout"), tried
	 * at most 1 + 2 times (trawl tries it once: a status came back). */
	w = page_of("/trap/slow/trickle.html");
	expect_error(w, "timeout");
	n = testsrv_hits(fx.srv, "/trap/slow/trickle.html");
	cr_assert(n >= 1 && n <= 3, "trickle requested %zu times", n);
	cr_assert_lt(w->elapsed_ms, 5000, "the trickle ran %lld ms: cut off "
		     "by the 10 s timeout, not the low-speed limit",
		     w->elapsed_ms);

	/* Endless body and gzip bomb: too-large at 1 MiB, not retried, and
	 * the bomb quickly (it inflates to 100 MiB). */
	w = page_of("/trap/big/endless.html");
	expect_error(w, "too-large");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/big/endless.html"), 1);
	w = page_of("/trap/big/bomb.html");
	expect_error(w, "too-large");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/big/bomb.html"), 1);
	cr_assert_lt(w->elapsed_ms, 2000, "the bomb took %lld ms",
		     w->elapsed_ms);

	/* Infinite spaces bounded by --max-depth 8 (depth 1 to 8): the
	 * calendar at most 2 * 7 + 1 months, the loop 8 levels, the query
	 * 1 + 3 * 7 variants; requests too, each URL once. */
	n = pages_under("/trap/cal/");
	cr_assert(n >= 1 && n <= 2 * (SITE_DEPTH - 1) + 1,
		  "%zu calendar pages", n);
	cr_assert_eq(hits_under("/trap/cal/"), n, "calendar: %zu requests for "
		     "%zu pages", hits_under("/trap/cal/"), n);
	n = pages_under("/trap/loop/");
	cr_assert(n >= 1 && n <= SITE_DEPTH, "%zu loop pages", n);
	cr_assert_eq(hits_under("/trap/loop/"), n);
	n = pages_under("/trap/query?");
	cr_assert(n >= 1 && n <= 1 + 3 * (SITE_DEPTH - 1), "%zu query pages",
		  n);
	cr_assert_eq(hits_under("/trap/query?"), n);

	/* Lying content types: HTML as image/png is not parsed; a PNG as
	 * text/html is parsed into nothing, and nobody crashed. */
	w = page_of("/trap/type/html-as-png.png");
	expect_ok_page(w, NULL);
	cr_assert_null(w->title, "image/png parsed as HTML: title %s",
		       w->title);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/type/never.html"), 0,
		     "followed a link inside an image/png body");
	w = page_of("/trap/type/png-as-html.html");
	expect_ok_page(w, NULL);
	cr_assert_null(w->title, "a PNG has a title: %s", w->title);
	cr_assert_null(strstr(r->err, "worker-crashed"));

	/* Charsets: header, <meta charset>, http-equiv, bad UTF-8. */
	expect_charset_titles();

	/* (3) robots.txt, from the server's log. */
	expect_private_untouched();
	w = find_row("/trap/private/secret.html");
	cr_assert(w && w->state == URL_SKIPPED && w->reason &&
		  strcmp(w->reason, "robots") == 0,
		  "/trap/private/secret.html should be skipped for robots");

	/* (4) Rate limited, then fetched: two failures, then 200. */
	expect_ok_page(page_of("/trap/rate/429.html"), "Rate 429");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/rate/429.html"),
		     TRAPS_RATE_FAILS + 1);
	expect_ok_page(page_of("/trap/rate/503.html"), "Rate 503");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/rate/503.html"),
		     TRAPS_RATE_FAILS + 1);
	fixture_pass();
}

/* Titles of pages whose charset is declared in the header, in <meta>
 * only, or wrongly as UTF-8: valid UTF-8 with the right characters. */
Test(traps, titles_are_decoded_by_header_and_meta_charset)
{
	struct proc_result *r;

	fx_start(TRAPS_ROBOTS_RULES);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "charset",
			  "--workers", "2", "--max-depth", "0",
			  url_of("/trap/charset/header-latin1.html"),
			  url_of("/trap/charset/meta-latin1.html"),
			  url_of("/trap/charset/meta-http-equiv.html"),
			  url_of("/trap/charset/bad-utf8.html"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl of the charset pages");
	load_rows("charset");
	expect_charset_titles();
	fixture_pass();
}

/* ---- robots.txt variants -------------------------------------------- */

static struct proc_result *crawl_small(const char *job)
{
	return fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", job,
			     "--workers", "2", "--retries", "1",
			     "--retry-delay", "100", url_of("/trap/small.html"),
			     NULL);
}

/* RFC 9309: a 4xx robots.txt means no rules. */
Test(traps, robots_txt_404_allows_everything)
{
	struct proc_result *r;

	fx_start(TRAPS_ROBOTS_404);
	r = crawl_small("r404");
	fixture_expect_exit(r, 0, "trawl crawl, robots.txt 404");
	cr_assert_eq(testsrv_hits(fx.srv, "/robots.txt"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/small.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/open.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/private/"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/private/secret.html"), 1);
	fixture_pass();
}

/* RFC 9309: a robots.txt that keeps answering 5xx means disallow all:
 * nothing but robots.txt is requested, and the crawl still ends. */
Test(traps, robots_txt_500_disallows_the_host)
{
	struct testsrv_hit *log;
	struct proc_result *r;
	const struct row *w;
	size_t n, i;

	fx_start(TRAPS_ROBOTS_500);
	r = crawl_small("r500");
	fixture_expect_exit(r, 0, "trawl crawl, robots.txt 500");
	log = testsrv_log(fx.srv, &n);
	for (i = 0; i < n; i++)
		if (strcmp(log[i].path, "/robots.txt") != 0)
			break;
	cr_assert_eq(i, n, "requested %s although robots.txt answers 500",
		     i < n ? fixture_keep(xstrdup(log[i].path)) : "");
	testsrv_log_free(log, n);
	/* Asked once and once more (--retries 1), then given up. */
	n = testsrv_hits(fx.srv, "/robots.txt");
	cr_assert(n >= 1 && n <= 2, "robots.txt requested %zu times", n);
	load_rows("r500");
	w = find_row("/trap/small.html");
	cr_assert(w && w->state == URL_SKIPPED && w->reason &&
		  strcmp(w->reason, "robots-unavailable") == 0,
		  "the seed should be skipped as robots-unavailable (%s, %s)",
		  w ? url_state_name(w->state) : "no row",
		  w ? or_null(w->reason) : "");
	fixture_pass();
}

/* A robots.txt that answered 500 is asked again later; once it answers,
 * its rules apply and the host is crawled.  Nothing but robots.txt is
 * requested before that. */
Test(traps, robots_txt_500_is_retried_later_then_obeyed)
{
	struct testsrv_hit *log;
	struct proc_result *r;
	size_t n, i, robots = 0;

	fx_start(TRAPS_ROBOTS_500_ONCE);
	r = crawl_small("r500once");
	fixture_expect_exit(r, 0, "trawl crawl, robots.txt 500 then 200");
	log = testsrv_log(fx.srv, &n);
	for (i = 0; i < n && robots < 2; i++) {
		if (strcmp(log[i].path, "/robots.txt") == 0)
			robots++;
		else
			cr_assert_fail("requested %s before robots.txt answered",
				       fixture_keep(xstrdup(log[i].path)));
	}
	testsrv_log_free(log, n);
	cr_assert_geq(testsrv_hits(fx.srv, "/robots.txt"), 2,
		      "robots.txt answered 500 and was never asked again");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/small.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/open.html"), 1);
	expect_private_untouched();
	fixture_pass();
}

/* A redirected robots.txt is followed (RFC 9309: at least five hops) and
 * its rules apply. */
Test(traps, robots_txt_redirect_is_followed)
{
	struct proc_result *r;

	fx_start(TRAPS_ROBOTS_REDIRECT);
	r = crawl_small("rredir");
	fixture_expect_exit(r, 0, "trawl crawl, robots.txt redirected");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/robots/real.txt"), 1,
		     "the robots.txt redirect was not followed");
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/small.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/open.html"), 1);
	expect_private_untouched();
	fixture_pass();
}

/* ---- features that may be missing ----------------------------------- */

/* 429 with Retry-After: 1 makes the next attempt wait a second, longer
 * than --retry-delay 50 would (25 to 75 ms, then 50 to 150). */
Test(traps, retry_after_on_429_is_honoured)
{
	struct proc_result *r;
	long long t[8];
	size_t n, i;

	fx_start(TRAPS_ROBOTS_RULES);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "ra",
			  "--workers", "1", "--max-depth", "0",
			  "--retries", "3", "--retry-delay", "50",
			  url_of("/trap/rate/429.html"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl of a 429 page");
	times_of("/trap/rate/429.html", t, 8, &n);
	cr_assert_eq(n, TRAPS_RATE_FAILS + 1, "%zu requests", n);
	for (i = 1; i < n; i++)
		cr_assert_geq(t[i] - t[i - 1], 950,
			      "request %zu came %lld ms after a 429 with "
			      "Retry-After: 1", i + 1, t[i] - t[i - 1]);
	load_rows("ra");
	expect_ok_page(page_of("/trap/rate/429.html"), "Rate 429");
	fixture_pass();
}

/* With a long timeout, the low-speed limit (low_speed_time 2 s) still
 * cuts the trickle off in seconds, as a "timeout". */
Test(traps, low_speed_time_cuts_off_a_trickle_before_the_timeout)
{
	struct proc_result *r;
	const char *conf;
	long long t[4];
	size_t n;

	fx_start(TRAPS_ROBOTS_RULES);
	conf = fixture_write("slow.json", "{ \"low_speed_time\": 2, "
			     "\"timeout\": 60, \"retries\": 0 }\n");
	r = fixture_trawl("crawl", "crawl", "-c", conf, "--db", fx.db, "--job",
			  "slow", "--workers", "1", "--max-depth", "0",
			  url_of("/trap/slow/trickle.html"), NULL);
	fixture_expect_exit(r, 0,
			    "trawl crawl of the trickle with low_speed_time 2");
	times_of("/trap/slow/trickle.html", t, 4, &n);
	cr_assert_eq(n, 1);
	cr_assert_lt(r->ms, (long long)(10000 * proc_slow_factor()),
		     "the trickle was cut off only after %lld ms", r->ms);
	load_rows("slow");
	expect_error(page_of("/trap/slow/trickle.html"), "timeout");
	fixture_pass();
}

/* Without --max-depth, the trap rules alone bound the infinite spaces:
 * max_segment_repeats 2 stops /trap/loop/ at a/a/ ("trap"),
 * max_query_variants 5 keeps five linked query strings of /trap/query
 * ("query-limit"), and max_pages_per_host 60 ends the calendar. */
Test(traps, trap_rules_bound_infinite_spaces_without_max_depth)
{
	struct proc_result *r;
	const struct row *w;
	size_t n;

	fx_start(TRAPS_ROBOTS_RULES);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "rules",
			  "--workers", "2", "--max-segment-repeats", "2",
			  "--max-query-variants", "5",
			  "--max-pages-per-host", "60",
			  url_of("/trap/loop/"), url_of("/trap/query?p=0"),
			  url_of("/trap/cal/2026/11"), NULL);
	fixture_expect_exit(r, 0, "trawl crawl of the infinite spaces");
	load_rows("rules");

	n = pages_under("/trap/loop/");
	cr_assert_eq(n, 3, "%zu loop pages, expected /trap/loop/, a/, a/a/",
		     n);
	cr_assert_eq(hits_under("/trap/loop/"), 3);
	w = find_row("/trap/loop/a/a/a/");
	cr_assert(w && w->state == URL_SKIPPED && w->reason &&
		  strcmp(w->reason, "trap") == 0,
		  "/trap/loop/a/a/a/ should be skipped as a trap");

	/* The seed ?p=0 is exempt (coord.c: only the host limit applies to
	 * seeds); five variants are taken from links. */
	n = pages_under("/trap/query?");
	cr_assert_leq(n, 1 + 5, "%zu query variants fetched", n);
	cr_assert_eq(hits_under("/trap/query?"), n);
	w = find_row("/trap/query?p=3");
	cr_assert(w && w->state == URL_SKIPPED && w->reason &&
		  strcmp(w->reason, "query-limit") == 0,
		  "/trap/query?p=3 should be skipped as query-limit");

	n = hits_under("/trap/");
	cr_assert_leq(n, 60, "%zu requests to the host", n);
	cr_assert_gt(pages_under("/trap/cal/"), 1);
	cr_assert_leq(pages_under("/trap/cal/"), 60);
	fixture_pass();
}

/* --max-redirects 12 lets the 12-hop chain reach its page, stored under
 * the linked URL; --max-redirects 2 stops it after three requests. */
Test(traps, max_redirects_sets_how_many_hops_are_followed)
{
	struct proc_result *r;
	const struct row *w;

	fx_start(TRAPS_ROBOTS_RULES);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "twelve",
			  "--workers", "1", "--max-depth", "0",
			  "--max-redirects", "12", url_of("/trap/redir/long/0"),
			  NULL);
	fixture_expect_exit(r, 0, "trawl crawl --max-redirects 12");
	load_rows("twelve");
	w = page_of("/trap/redir/long/0");
	expect_ok_page(w, "Long end");
	cr_assert(w->final_url &&
		  strcmp(w->final_url, url_of("/trap/redir/long/12")) == 0,
		  "final_url %s", or_null(w->final_url));
	cr_assert_eq(hits_under("/trap/redir/long/"), TRAPS_LONG_HOPS + 1);

	testsrv_log_clear(fx.srv);
	fx.db = fixture_path("two.db");
	r = fixture_trawl("crawl2", "crawl", "--db", fx.db, "--job", "two",
			  "--workers", "1", "--max-depth", "0",
			  "--max-redirects", "2", url_of("/trap/redir/long/0"),
			  NULL);
	fixture_expect_exit(r, 0, "trawl crawl --max-redirects 2");
	load_rows("two");
	w = page_of("/trap/redir/long/0");
	cr_assert_not_null(w->error, "a chain past --max-redirects has no error");
	cr_assert_eq(hits_under("/trap/redir/long/"), 3,
		     "%zu requests with --max-redirects 2",
		     hits_under("/trap/redir/long/"));
	fixture_pass();
}

/* A redirect whose hop robots.txt disallows ends the chain as an
 * out-of-scope hop does (README: "the record is the redirect itself"):
 * the linked URL, which was fetched, has its 302 as its page with
 * final_url the disallowed target; it is not "skipped" (store.h:
 * skipped means never fetched), and the target is never requested. */
Test(traps, redirect_into_a_disallowed_path_is_stored_as_the_redirect)
{
	struct proc_result *r;
	const struct row *w;

	fx_start(TRAPS_ROBOTS_RULES);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "rprivate",
			  "--workers", "1", "--max-depth", "0",
			  url_of("/trap/redir/private"), NULL);
	fixture_expect_exit(r, 0,
			    "trawl crawl of a redirect into /trap/private/");
	expect_private_untouched();
	cr_assert_eq(testsrv_hits(fx.srv, "/trap/redir/private"), 1);
	load_rows("rprivate");
	w = find_row("/trap/redir/private");
	cr_assert_not_null(w, "no row for /trap/redir/private");
	cr_assert(w->page, "/trap/redir/private was fetched (302) but has no "
		  "page: state %s, reason %s", url_state_name(w->state),
		  or_null(w->reason));
	cr_assert_eq(w->state, URL_DONE);
	cr_assert_eq(w->status, 302);
	cr_assert(w->final_url &&
		  strcmp(w->final_url,
			 url_of("/trap/private/from-redirect.html")) == 0,
		  "final_url %s", or_null(w->final_url));
	fixture_pass();
}
