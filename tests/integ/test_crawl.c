/*
 * test_crawl.c - integration tests: the real trawl binary crawls a generated
 * site (tests/support/site.h) served on 127.0.0.1 by an in-process
 * libmicrohttpd server, and the tests compare what happened with the site's
 * reference model:
 *
 *   (a) the server's request log: every expected path requested exactly
 *       once, nothing else (robots.txt aside), so nothing out of scope, no
 *       undecoded "&amp;", nothing from a nofollow page or a PDF;
 *   (b) `trawl export`, parsed with jansson: one record per expected URL
 *       with the right depth, status, title, description, canonical, links.
 *
 * trawl comes from $TRAWL_BIN (make integ sets it; unset: the tests skip).
 * Each run has a hard limit of 60 s times $TRAWL_SLOW.  Each test works in
 * its own /tmp/trawl-integ-XXXXXX (fixture.h), removed when the test passes
 * and kept, with its path printed, when it fails.
 */
#include "fixture.h"
#include "log.h"
#include "proc.h"
#include "site.h"
#include "testsrv.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

/* The test's site and server; each Criterion test runs in its own
 * process. */
static struct fixture_web fx;

TestSuite(crawl, .init = fixture_init, .fini = fixture_fini, .timeout = 300);
TestSuite(export, .init = fixture_init, .fini = fixture_fini, .timeout = 300);
TestSuite(status, .init = fixture_init, .fini = fixture_fini, .timeout = 300);

/* Make the temp dir and serve a site of NPAGES pages. */
static void fx_start(int npages, int fanout)
{
	fixture_trawl_bin();
	fixture_mkdtemp("integ");
	fixture_serve_site(&fx, npages, fanout);
}

/* ---- checking exports ---------------------------------------------- */

static void expect_utf8(const char *buf, size_t len, const char *what)
{
	size_t bad = 0;

	cr_assert(fixture_utf8(buf, len, &bad),
		  "%s is not valid UTF-8 at byte %zu", what, bad);
}

/* Parse JSON Lines, checking first that they are UTF-8; returns an array
 * of the records (kept). */
static json_t *parse_jsonl(const char *buf, size_t len, const char *what)
{
	expect_utf8(buf, len, what);
	return fixture_jsonl(buf, len, what);
}

/* `trawl export` of JOB as JSON Lines into a file; returns the records. */
static json_t *export_jsonl(const char *job)
{
	char *out = fixture_path("%s.jsonl", job);
	struct proc_result *r;
	size_t len;
	char *buf;

	r = fixture_trawl("export", "export", "--db", fx.db, "--job", job, "-o",
			  out, NULL);
	fixture_expect_exit(r, 0, "trawl export");
	buf = fixture_read(out, &len);
	return parse_jsonl(buf, len, out);
}

static const char *str_of(const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *rec_url(const json_t *rec)
{
	const char *url = str_of(rec, "url");

	cr_assert_not_null(url, "a record has no string \"url\"");
	return url;
}

static void expect_null_or_str(const json_t *rec, const char *key,
			       const char *want, const char *url)
{
	const json_t *v = json_object_get(rec, key);

	cr_assert_not_null(v, "%s: record has no \"%s\"", url, key);
	if (!want) {
		cr_assert(json_is_null(v), "%s: \"%s\" should be null", url,
			  key);
		return;
	}
	cr_assert(json_is_string(v), "%s: \"%s\" should be a string", url,
		  key);
	cr_assert_str_eq(json_string_value(v), want, "%s: \"%s\" is \"%s\", "
			 "expected \"%s\"", url, key, json_string_value(v),
			 want);
}

static long long int_of(const json_t *rec, const char *key, const char *url)
{
	const json_t *v = json_object_get(rec, key);

	cr_assert(json_is_integer(v), "%s: \"%s\" should be an integer", url,
		  key);
	return json_integer_value(v);
}

static void expect_links(const json_t *rec, int node, const char *url)
{
	const json_t *links = json_object_get(rec, "links");
	char **want;
	size_t n, i;

	cr_assert(json_is_array(links), "%s: \"links\" should be an array",
		  url);
	want = site_links(fx.site, node, fx.port, &n);
	for (i = 0; i < n && i < json_array_size(links); i++) {
		const json_t *l = json_array_get(links, i);
		cr_assert(json_is_string(l), "%s: links[%zu] is not a string",
			  url, i);
		if (strcmp(json_string_value(l), want[i]) != 0) {
			char *got = json_dumps(links, JSON_COMPACT);
			cr_assert_fail("%s: links[%zu] is %s, expected %s\n"
				       "links: %.3000s", url, i,
				       json_string_value(l), want[i], got);
		}
	}
	if (json_array_size(links) != n) {
		char *got = json_dumps(links, JSON_COMPACT);
		cr_assert_fail("%s: %zu links, expected %zu (first missing or "
			       "extra: %s)\nlinks: %.3000s", url,
			       json_array_size(links), n,
			       i < n ? want[i] : json_string_value(
					json_array_get(links, i)),
			       got);
	}
	site_strv_free(want, n);
}

static void expect_record(const json_t *rec, const struct site_expect *e,
			  const char *job)
{
	static regex_t iso;
	static bool iso_ready;
	const struct site_node *nd = &fx.site->nodes[e->node];
	const char *url = rec_url(rec);
	const char *ct, *at, *title;
	const json_t *fields;
	char *body;
	size_t len;

	if (!iso_ready) {
		cr_assert_eq(regcomp(&iso, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"
				     "[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$",
				     REG_EXTENDED | REG_NOSUB), 0);
		iso_ready = true;
	}
	expect_null_or_str(rec, "job", job, url);
	expect_null_or_str(rec, "final_url", url, url);
	cr_assert_eq(int_of(rec, "status", url), e->status,
		     "%s: status %lld, expected %d", url,
		     int_of(rec, "status", url), e->status);
	cr_assert_eq(int_of(rec, "depth", url), e->depth,
		     "%s: depth %lld, expected %d", url,
		     int_of(rec, "depth", url), e->depth);
	at = str_of(rec, "fetched_at");
	cr_assert(at && regexec(&iso, at, 0, NULL, 0) == 0,
		  "%s: fetched_at %s is not like 2026-11-21T23:00:00Z", url,
		  at ? at : "(not a string)");
	ct = str_of(rec, "content_type");
	cr_assert(ct && strncmp(ct, nd->content_type,
				strlen(nd->content_type)) == 0,
		  "%s: content_type %s, expected %s", url,
		  ct ? ct : "(not a string)", nd->content_type);
	body = site_render(fx.site, e->node, fx.port, &len);
	free(body);
	cr_assert_eq(int_of(rec, "bytes", url), (long long)len,
		     "%s: bytes %lld, expected %zu", url,
		     int_of(rec, "bytes", url), len);
	cr_assert_geq(int_of(rec, "elapsed_ms", url), 0);
	fields = json_object_get(rec, "fields");
	cr_assert(json_is_object(fields) && json_object_size(fields) == 0,
		  "%s: \"fields\" should be {} without extraction rules", url);

	if (e->status != 200) {
		expect_null_or_str(rec, "error", "http", url);
		return;
	}
	expect_null_or_str(rec, "error", NULL, url);
	if (nd->kind == SITE_BROKEN) {
		/* Its title holds invalid UTF-8: whatever the crawler makes
		 * of it, the valid start survives. */
		title = str_of(rec, "title");
		cr_assert(title && strncmp(title, "Broken", 6) == 0,
			  "%s: title should start with \"Broken\"", url);
	} else {
		expect_null_or_str(rec, "title", nd->title, url);
	}
	expect_null_or_str(rec, "description", nd->description, url);
	if (nd->canonical) {
		char *self = site_url(fx.site, e->node, fx.port);
		expect_null_or_str(rec, "canonical", self, url);
		free(self);
	} else {
		expect_null_or_str(rec, "canonical", NULL, url);
	}
	expect_links(rec, e->node, url);
}

/* One record per expected fetch, each as the model says; none other. */
static void expect_records(const json_t *recs, const struct site_expect *exp,
			   size_t n, const char *job)
{
	int *seen = xcalloc(fx.site->nnodes, sizeof *seen);
	int *want = xmalloc(fx.site->nnodes * sizeof *want);
	size_t i;

	fixture_keep(seen);
	fixture_keep(want);
	for (i = 0; i < fx.site->nnodes; i++)
		want[i] = -1;
	for (i = 0; i < n; i++)
		want[exp[i].node] = (int)i;
	for (i = 0; i < json_array_size(recs); i++) {
		const json_t *rec = json_array_get(recs, i);
		const char *url = rec_url(rec);
		int node = fixture_site_node(&fx, url);

		cr_assert(node >= 0 && want[node] >= 0,
			  "export has a record for %s, which should not have "
			  "been fetched", url);
		cr_assert_eq(seen[node], 0, "export has %s twice", url);
		seen[node] = 1;
		expect_record(rec, &exp[want[node]], job);
	}
	for (i = 0; i < n; i++)
		cr_assert(seen[exp[i].node], "export has no record for %s%s",
			  fx.origin, exp[i].path);
	cr_assert_eq(json_array_size(recs), n);
}

/* ---- checking the server's log ------------------------------------- */

/* Every expected path requested with GET at least once and at most MAX
 * times; nothing else except /robots.txt. */
static void expect_requests_max(const struct site_expect *exp, size_t n,
				int max)
{
	int *hits = fixture_site_hits(&fx, exp, n, true);
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert(hits[exp[i].node] >= 1 && hits[exp[i].node] <= max,
			  "%s was requested %d times, expected %s",
			  exp[i].path, hits[exp[i].node],
			  max == 1 ? "once" : "once or twice");
}

/* Every expected path requested exactly once; nothing else. */
static void expect_requests(const struct site_expect *exp, size_t n)
{
	expect_requests_max(exp, n, 1);
}

static struct site_expect *expected(int max_depth, size_t *n)
{
	return fixture_keep(site_expected(fx.site, max_depth, n));
}

/* The whole check of a crawl of JOB: the request log and the export. */
static void expect_crawl(const char *job, const struct site_expect *exp,
			 size_t n)
{
	expect_requests(exp, n);
	expect_records(export_jsonl(job), exp, n, job);
}

/* ---- include / exclude model --------------------------------------- */

struct filter {
	regex_t include[4], exclude[4];
	int ninclude, nexclude;
};

static bool filter_allow(const char *url, void *arg)
{
	const struct filter *f = arg;
	int i;

	for (i = 0; i < f->nexclude; i++)
		if (regexec(&f->exclude[i], url, 0, NULL, 0) == 0)
			return false;
	if (f->ninclude == 0)
		return true;
	for (i = 0; i < f->ninclude; i++)
		if (regexec(&f->include[i], url, 0, NULL, 0) == 0)
			return true;
	return false;
}

static void filter_add(regex_t *re, int *n, const char *pattern)
{
	cr_assert_eq(regcomp(&re[*n], pattern, REG_EXTENDED | REG_NOSUB), 0);
	(*n)++;
}

static void filter_release(struct filter *f)
{
	int i;

	for (i = 0; i < f->ninclude; i++)
		regfree(&f->include[i]);
	for (i = 0; i < f->nexclude; i++)
		regfree(&f->exclude[i]);
}

/* ---- the tests ----------------------------------------------------- */

Test(crawl, fetches_every_reachable_page_once)
{
	struct site_expect *exp;
	struct proc_result *r;
	size_t n;

	fx_start(300, 5);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "all",
			  "--workers", "1", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl --workers 1");
	cr_assert_not(r->leftovers, "trawl left processes behind: %s",
		      r->leftover_desc);
	exp = expected(-1, &n);
	expect_crawl("all", exp, n);
	fixture_pass();
}

Test(crawl, fetches_every_reachable_page_once_with_three_workers)
{
	struct site_expect *exp;
	struct proc_result *r;
	size_t n;

	fx_start(300, 5);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "three",
			  "--workers", "3", "--concurrency", "8", fx.seed,
			  NULL);
	fixture_expect_exit(r, 0, "trawl crawl --workers 3");
	cr_assert_not(r->leftovers, "trawl left processes behind: %s",
		      r->leftover_desc);
	exp = expected(-1, &n);
	expect_crawl("three", exp, n);
	fixture_pass();
}

Test(crawl, stops_at_max_depth)
{
	struct site_expect *exp;
	struct proc_result *r;
	size_t n;

	fx_start(300, 5);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "shallow",
			  "--workers", "2", "--max-depth", "2", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl --max-depth 2");
	exp = expected(2, &n);
	cr_assert_lt(n, fx.site->nnodes);
	expect_crawl("shallow", exp, n);
	fixture_pass();
}

Test(crawl, fetches_exactly_max_pages)
{
	struct site_expect *all, *got;
	struct proc_result *r;
	size_t n, nall, i;

	fx_start(300, 5);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "fifty",
			  "--workers", "3", "--max-pages", "50", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl --max-pages 50");
	cr_assert_eq(testsrv_page_hits(fx.srv), 50,
		     "the server saw %zu requests (robots.txt aside), "
		     "expected 50", testsrv_page_hits(fx.srv));

	/* Which 50 depends on timing: expect those the server saw, each
	 * as the full crawl would have it. */
	all = expected(-1, &nall);
	got = fixture_keep(xcalloc(nall, sizeof *got));
	for (i = n = 0; i < nall; i++)
		if (testsrv_hits(fx.srv, all[i].path) > 0)
			got[n++] = all[i];
	cr_assert_eq(n, 50, "only %zu of the 50 requests were for pages the "
		     "crawl should reach", n);
	expect_crawl("fifty", got, n);
	fixture_pass();
}

Test(crawl, follows_only_included_urls)
{
	struct filter f = { .ninclude = 0 };
	struct site_crawl how = { .max_depth = -1 };
	struct site_expect *exp;
	struct proc_result *r;
	size_t n;

	fx_start(300, 5);
	filter_add(f.include, &f.ninclude, "/p/([0-9]|[1-9][0-9])\\.html$");
	how.port = fx.port;
	how.allow = filter_allow;
	how.arg = &f;
	exp = fixture_keep(site_expected_ex(fx.site, &how, &n));
	filter_release(&f);
	cr_assert_eq(n, 100);

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "inc",
			  "--workers", "2", "--include",
			  "/p/([0-9]|[1-9][0-9])\\.html$", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl --include");
	expect_crawl("inc", exp, n);
	fixture_pass();
}

Test(crawl, skips_excluded_urls)
{
	struct filter f = { .ninclude = 0 };
	struct site_crawl how = { .max_depth = -1 };
	struct site_expect *exp, *all;
	struct proc_result *r;
	size_t n, nall;

	fx_start(300, 5);
	filter_add(f.exclude, &f.nexclude, "/p/[0-9]*[27]\\.html$");
	filter_add(f.exclude, &f.nexclude, "item|nofollow");
	how.port = fx.port;
	how.allow = filter_allow;
	how.arg = &f;
	exp = fixture_keep(site_expected_ex(fx.site, &how, &n));
	filter_release(&f);
	all = expected(-1, &nall);
	cr_assert_lt(n, nall);
	(void)all;

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "exc",
			  "--workers", "2", "--exclude",
			  "/p/[0-9]*[27]\\.html$", "--exclude", "item|nofollow",
			  fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl --exclude");
	expect_crawl("exc", exp, n);
	fixture_pass();
}

Test(crawl, reports_bad_seed_line_and_crawls_the_rest)
{
	struct site_crawl how = { .max_depth = -1 };
	struct site_expect *exp;
	struct proc_result *r;
	char *seeds, *text, *where;
	int seed_nodes[2];
	size_t n;
	FILE *f;

	fx_start(60, 4);
	seeds = fixture_path("seeds.txt");
	text = fixture_keep(xasprintf("# seeds for the integration test\n"
				      "%s\n"
				      "\n"
				      "this is not a url\n"
				      "   # an indented comment\n"
				      "%s/sub/leaf.html\n",
				      fx.seed, fx.origin));
	f = fopen(seeds, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "seeds",
			  "--workers", "2", "-s", seeds, NULL);
	fixture_expect_exit(r, 0, "trawl crawl -s with a bad line");
	where = fixture_keep(xasprintf("%s:4:", seeds));
	cr_assert_not_null(strstr(r->err, where),
			   "stderr should name %s; it is:\n%.3000s", where,
			   r->err);

	seed_nodes[0] = 0;
	seed_nodes[1] = site_find(fx.site, "/sub/leaf.html");
	cr_assert_geq(seed_nodes[1], 0);
	how.seeds = seed_nodes;
	how.nseeds = 2;
	exp = fixture_keep(site_expected_ex(fx.site, &how, &n));
	expect_crawl("seeds", exp, n);
	fixture_pass();
}

static void expect_one_line(const struct proc_result *r, const char *what)
{
	const char *nl = memchr(r->err, '\n', r->err_len);

	cr_assert(r->err_len > 1 && nl &&
		  (size_t)(nl - r->err) == r->err_len - 1,
		  "%s: stderr should be one line; it is:\n%.3000s", what,
		  r->err);
}

Test(crawl, refuses_database_that_is_not_sqlite)
{
	struct proc_result *r;
	char *before, *after;
	size_t nbefore, nafter, i;
	FILE *f;

	fx_start(20, 3);
	f = fopen(fx.db, "w");
	cr_assert_not_null(f);
	for (i = 0; i < 64; i++)
		fprintf(f, "line %zu of a text file that is not a database\n",
			i);
	fclose(f);
	before = fixture_read(fx.db, &nbefore);

	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "notdb",
			  fx.seed, NULL);
	fixture_expect_exit(r, 1, "trawl crawl on a text file");
	expect_one_line(r, "trawl crawl on a text file");
	cr_assert_not_null(strstr(r->err, "trawl.db"),
			   "the message should name the file: %s", r->err);
	after = fixture_read(fx.db, &nafter);
	cr_assert(nbefore == nafter && memcmp(before, after, nafter) == 0,
		  "trawl changed the file that is not a database");
	cr_assert_eq(testsrv_page_hits(fx.srv), 0,
		     "trawl fetched pages before failing");
	fixture_pass();
}

Test(crawl, refuses_read_only_database)
{
	struct proc_opts as = { .uid = NOBODY, .gid = NOBODY };
	struct proc_result *r;
	char *before, *after;
	size_t nbefore, nafter;

	fx_start(20, 3);
	if (geteuid() == 0) {
		/* root writes through file modes: run trawl as nobody, in a
		 * directory nobody may write, on a file nobody owns. */
		as.drop_privileges = true;
		cr_assert_eq(chown(fixture_dir(), NOBODY, NOBODY), 0,
			     "chown: %s", strerror(errno));
	}
	r = fixture_trawl_with("first", &as, "crawl", "--db", fx.db, "--job",
			       "first", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl (making the database)");
	cr_assert_eq(chmod(fx.db, 0444), 0);
	before = fixture_read(fx.db, &nbefore);

	r = fixture_trawl_with("second", &as, "crawl", "--db", fx.db, "--job",
			       "second", fx.seed, NULL);
	fixture_expect_exit(r, 1, "trawl crawl on a read-only database");
	expect_one_line(r, "trawl crawl on a read-only database");
	after = fixture_read(fx.db, &nafter);
	cr_assert(nbefore == nafter && memcmp(before, after, nafter) == 0,
		  "trawl changed the read-only database");
	fixture_pass();
}

Test(crawl, resumed_finished_job_fetches_nothing)
{
	struct site_expect *exp;
	struct proc_result *r;
	size_t n, first;

	fx_start(300, 5);
	r = fixture_trawl("crawl1", "crawl", "--db", fx.db, "--job", "again",
			  "--workers", "2", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl (first run)");
	first = testsrv_page_hits(fx.srv);

	r = fixture_trawl("crawl2", "crawl", "--db", fx.db, "--job", "again",
			  "--workers", "2", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl (second run)");
	cr_assert_eq(testsrv_page_hits(fx.srv), first,
		     "the second run fetched %zu more pages",
		     testsrv_page_hits(fx.srv) - first);
	exp = expected(-1, &n);
	expect_crawl("again", exp, n);
	fixture_pass();
}

Test(crawl, sends_the_configured_user_agent)
{
	static const char ua[] = "integ-bot/1.0 (+http://example.invalid/bot)";
	struct testsrv_hit *log;
	struct proc_result *r;
	char *problem = NULL;
	size_t n, i;

	fx_start(20, 3);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "ua",
			  "--user-agent", ua, fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl --user-agent");
	log = testsrv_log(fx.srv, &n);
	for (i = 0; i < n && !problem; i++)
		if (strcmp(log[i].user_agent, ua) != 0)
			problem = xasprintf("%s sent User-Agent \"%s\"",
					    log[i].path, log[i].user_agent);
	testsrv_log_free(log, n);
	cr_assert_gt(n, 0);
	cr_assert_null(problem, "%s", fixture_keep(problem));
	fixture_pass();
}

Test(crawl, interrupted_crawl_exits_130_and_resumes_where_it_stopped)
{
	struct proc_opts fault = { .sig = SIGINT, .sig_group = true };
	struct fixture_hits when = { .at = 40 };
	struct site_expect *exp;
	struct proc_result *r;
	size_t n, first;

	fx_start(300, 5);
	exp = expected(-1, &n);
	testsrv_set_delay(fx.srv, 10);
	when.srv = fx.srv;
	fault.ready = fixture_hits_reach;
	fault.ready_arg = &when;
	/* Ctrl-C on a terminal: SIGINT to the whole process group. */
	r = fixture_trawl_with("crawl1", &fault, "crawl", "--db", fx.db,
			       "--job", "int", "--workers", "2",
			       "--per-host", "2", fx.seed, NULL);
	cr_assert_geq(r->sig_ms, 0, "the crawl ended before it was "
		      "interrupted");
	fixture_expect_exit(r, 130, "trawl crawl, interrupted");
	cr_assert_lt(r->ms - r->sig_ms, (long long)(10000 * proc_slow_factor()),
		     "trawl took %lld ms to stop after SIGINT",
		     r->ms - r->sig_ms);
	cr_assert_not(r->leftovers, "trawl left processes behind: %s",
		      r->leftover_desc);
	first = testsrv_page_hits(fx.srv);
	cr_assert_lt(first, n, "the interrupted crawl fetched everything");

	testsrv_set_delay(fx.srv, 0);
	r = fixture_trawl("crawl2", "crawl", "--db", fx.db, "--job", "int",
			  "--workers", "2", "--per-host", "2", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl, resumed");
	/* In-flight transfers finish and are saved before exit 130, so
	 * nothing is fetched twice. */
	expect_requests(exp, n);
	expect_records(export_jsonl("int"), exp, n, "int");
	fixture_pass();
}

Test(crawl, killed_crawl_resumes_without_losing_or_duplicating_pages)
{
	struct proc_opts fault = { .sig = SIGKILL };
	struct fixture_hits when = { .at = 40 };
	struct site_expect *exp;
	struct proc_result *r;
	size_t n;

	fx_start(300, 5);
	exp = expected(-1, &n);
	testsrv_set_delay(fx.srv, 10);
	when.srv = fx.srv;
	fault.ready = fixture_hits_reach;
	fault.ready_arg = &when;
	/* kill -9 of the coordinator alone: its workers must not outlive
	 * it. */
	r = fixture_trawl_with("crawl1", &fault, "crawl", "--db", fx.db,
			       "--job", "kill", "--workers", "2",
			       "--per-host", "2", fx.seed, NULL);
	fixture_expect_killed(r);
	cr_assert_lt(testsrv_page_hits(fx.srv), n);

	testsrv_set_delay(fx.srv, 0);
	r = fixture_trawl("crawl2", "crawl", "--db", fx.db, "--job", "kill",
			  "--workers", "2", "--per-host", "2", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl, resumed after kill -9");
	/* At-least-once fetching: what was in flight or not yet committed
	 * is fetched again; storing is exactly once. */
	expect_requests_max(exp, n, 2);
	expect_records(export_jsonl("kill"), exp, n, "kill");
	fixture_pass();
}

/* Serve a three-page directory whose robots.txt disallows /private/. */
static void fx_start_robots_site(void)
{
	fixture_trawl_bin();
	fixture_mkdtemp("integ");
	cr_assert_eq(mkdir(fixture_path("www"), 0755), 0);
	cr_assert_eq(mkdir(fixture_path("www/private"), 0755), 0);
	fixture_write("www/robots.txt", "User-agent: *\nDisallow: /private/\n");
	fixture_write("www/index.html",
		      "<title>Home</title><a href=\"/open.html\">open</a> "
		      "<a href=\"/private/secret.html\">secret</a>");
	fixture_write("www/open.html", "<title>Open</title>");
	fixture_write("www/private/secret.html", "<title>Secret</title>");
	fixture_serve(&fx, testsrv_start_dir(fixture_path("www")),
		      "/index.html");
}

Test(crawl, obeys_robots_txt_disallow)
{
	struct proc_result *r;

	fx_start_robots_site();
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "robots",
			  fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	cr_assert_eq(testsrv_hits(fx.srv, "/index.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/open.html"), 1);
	cr_assert_geq(testsrv_hits(fx.srv, "/robots.txt"), 1,
		      "trawl never asked for /robots.txt");
	cr_assert_eq(testsrv_hits(fx.srv, "/private/secret.html"), 0,
		     "trawl fetched a page robots.txt disallows");
	fixture_pass();
}

Test(crawl, no_robots_fetches_disallowed_pages)
{
	struct proc_result *r;

	fx_start_robots_site();
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "norobots",
			  "--no-robots", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl --no-robots");
	cr_assert_eq(testsrv_hits(fx.srv, "/private/secret.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/robots.txt"), 0,
		     "--no-robots should not fetch /robots.txt");
	fixture_pass();
}

/* Crawl a small site whole and return the number of fetches expected. */
static size_t crawl_small(const char *job)
{
	struct proc_result *r;
	size_t n;

	fx_start(20, 3);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", job,
			  "--workers", "2", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl");
	expected(-1, &n);
	return n;
}

Test(crawl, decodes_amp_entity_in_query_links)
{
	crawl_small("amp");
	cr_assert_eq(testsrv_hits(fx.srv, "/item?id=3&v=1"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/item?id=3&amp;v=1"), 0);
	fixture_pass();
}

Test(crawl, does_not_follow_links_on_nofollow_pages)
{
	crawl_small("nofollow");
	cr_assert_eq(testsrv_hits(fx.srv, "/nofollow.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/hidden.html"), 0,
		     "the only link to /hidden.html is on a nofollow page");
	fixture_pass();
}

Test(crawl, resolves_relative_links_against_base_href)
{
	crawl_small("base");
	cr_assert_eq(testsrv_hits(fx.srv, "/base/page.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/sub/leaf.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/base/leaf.html"), 0);
	fixture_pass();
}

Test(crawl, fetches_non_html_but_parses_nothing_in_it)
{
	crawl_small("pdf");
	cr_assert_eq(testsrv_hits(fx.srv, "/files/report.pdf"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/p/from-pdf.html"), 0,
		     "the crawler followed an href inside a PDF");
	fixture_pass();
}

Test(crawl, records_404_as_a_failed_page)
{
	const json_t *rec = NULL;
	json_t *recs;
	char *url;
	size_t i;

	crawl_small("404");
	cr_assert_eq(testsrv_hits(fx.srv, "/missing.html"), 1);
	recs = export_jsonl("404");
	url = fixture_keep(testsrv_url(fx.srv, "/missing.html"));
	for (i = 0; i < json_array_size(recs); i++)
		if (strcmp(rec_url(json_array_get(recs, i)), url) == 0)
			rec = json_array_get(recs, i);
	cr_assert_not_null(rec, "no record for %s", url);
	cr_assert_eq(int_of(rec, "status", url), 404);
	expect_null_or_str(rec, "error", "http", url);
	fixture_pass();
}

Test(export, json_array_holds_the_same_records_as_json_lines)
{
	struct proc_result *r;
	json_t *lines, *arr;
	json_error_t err;
	char *out;
	size_t i, j;

	crawl_small("json");
	r = fixture_trawl("export-jsonl", "export", "--db", fx.db, "--job",
			  "json", NULL);
	fixture_expect_exit(r, 0, "trawl export to stdout");
	lines = parse_jsonl(r->out, r->out_len, "export to stdout");

	out = fixture_path("export.json");
	r = fixture_trawl("export-json", "export", "--db", fx.db, "--job",
			  "json", "-f", "json", "-o", out, NULL);
	fixture_expect_exit(r, 0, "trawl export -f json");
	{
		size_t len;
		char *buf = fixture_read(out, &len);
		expect_utf8(buf, len, out);
		arr = fixture_keep_json(json_loadb(buf, len, 0, &err));
	}
	cr_assert_not_null(arr, "%s:%d:%d: %s", out, err.line, err.column,
			   err.text);
	cr_assert(json_is_array(arr), "-f json should write one array");
	cr_assert_eq(json_array_size(arr), json_array_size(lines));
	cr_assert_gt(json_array_size(arr), 0);
	for (i = 0; i < json_array_size(lines); i++) {
		const json_t *a = json_array_get(lines, i);
		const json_t *b = NULL;

		for (j = 0; j < json_array_size(arr); j++)
			if (strcmp(rec_url(json_array_get(arr, j)),
				   rec_url(a)) == 0)
				b = json_array_get(arr, j);
		cr_assert_not_null(b, "-f json has no record for %s",
				   rec_url(a));
		cr_assert(json_equal(a, b), "%s differs between the formats",
			  rec_url(a));
	}
	fixture_pass();
}

Test(export, output_is_valid_utf8_even_for_broken_page)
{
	struct site_expect *exp;
	json_t *recs;
	size_t n, i;
	char *url;
	bool found = false;

	crawl_small("utf8");
	recs = export_jsonl("utf8");  /* checks the bytes are UTF-8 */
	exp = expected(-1, &n);
	url = fixture_keep(testsrv_url(fx.srv, "/broken.html"));
	for (i = 0; i < json_array_size(recs); i++) {
		const json_t *rec = json_array_get(recs, i);
		const char *title;
		char *child;

		if (strcmp(rec_url(rec), url) != 0)
			continue;
		found = true;
		title = str_of(rec, "title");
		cr_assert(title && strncmp(title, "Broken", 6) == 0,
			  "broken page title: %s", title ? title : "(none)");
		child = fixture_keep(testsrv_url(fx.srv, "/broken/child.html"));
		cr_assert_eq(json_array_size(json_object_get(rec, "links")), 1);
		cr_assert_str_eq(json_string_value(json_array_get(
					 json_object_get(rec, "links"), 0)),
				 child);
	}
	cr_assert(found, "no record for %s", url);
	cr_assert_eq(testsrv_hits(fx.srv, "/broken/child.html"), 1);
	expect_records(recs, exp, n, "utf8");
	fixture_pass();
}

Test(status, json_counts_match_the_crawl)
{
	struct proc_result *r;
	json_t *st, *recs;
	const json_t *urls, *http;
	json_error_t err;
	long long ok = 0, notfound = 0, errors = 0;
	size_t i, n;

	n = crawl_small("counts");
	recs = export_jsonl("counts");
	cr_assert_eq(json_array_size(recs), n);
	for (i = 0; i < n; i++) {
		const json_t *rec = json_array_get(recs, i);
		long long s =
			json_integer_value(json_object_get(rec, "status"));
		ok += s == 200;
		notfound += s == 404;
		errors += !json_is_null(json_object_get(rec, "error"));
	}

	r = fixture_trawl("status", "status", "--db", fx.db, "--job", "counts",
			  "--json", NULL);
	fixture_expect_exit(r, 0, "trawl status --json");
	st = fixture_keep_json(json_loads(r->out, 0, &err));
	cr_assert_not_null(st, "status --json: %d:%d: %s\n%.2000s", err.line,
			   err.column, err.text, r->out);
	cr_assert_str_eq(str_of(st, "job"), "counts");
	cr_assert_str_eq(str_of(st, "state"), "finished");
	urls = json_object_get(st, "urls");
	http = json_object_get(st, "http");
	cr_assert(json_is_object(urls) && json_is_object(http));
	cr_assert_eq(fixture_count(urls, "queued"), 0);
	cr_assert_eq(fixture_count(urls, "done") + fixture_count(urls, "failed"),
		     (long long)n, "done + failed should be the %zu fetches",
		     n);
	/* http://127.0.0.2:PORT/x.html and http://ext.invalid/ at least */
	cr_assert_geq(fixture_count(urls, "skipped"), 2);
	cr_assert_eq(fixture_count(st, "pages"), (long long)n);
	cr_assert_eq(fixture_count(http, "200"), ok);
	cr_assert_eq(fixture_count(http, "404"), notfound);
	cr_assert_eq(fixture_count(st, "errors"), errors);
	fixture_pass();
}

Test(crawl, refuses_a_second_crawl_of_a_running_job_naming_its_pid)
{
	struct proc_result *r;
	char pidstr[32];
	pid_t first;
	int st, i;
	long long deadline;

	fx_start(300, 5);
	testsrv_set_delay(fx.srv, 50);
	first = fork();
	cr_assert_geq(first, 0, "fork: %s", strerror(errno));
	if (first == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(fixture_trawl_bin(), fixture_trawl_bin(), "crawl",
		      "--db", fx.db, "--job", "busy", "--workers", "1",
		      "--per-host", "1", fx.seed, (char *)NULL);
		_exit(127);
	}
	deadline = now_ms() + (long long)(20000 * proc_slow_factor());
	while (testsrv_page_hits(fx.srv) < 3 && now_ms() < deadline)
		usleep(5000);
	cr_assert_geq(testsrv_page_hits(fx.srv), 3, "the first crawl did not start");

	r = fixture_trawl("crawl2", "crawl", "--db", fx.db, "--job", "busy",
			  "--workers", "1", fx.seed, NULL);
	kill(first, SIGINT);
	for (i = 0; i < 2000 && waitpid(first, &st, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 2000) {
		kill(first, SIGKILL);
		waitpid(first, &st, 0);
	}
	fixture_expect_exit(r, 1, "a second crawl of a running job");
	expect_one_line(r, "a second crawl of a running job");
	snprintf(pidstr, sizeof pidstr, "process %d", (int)first);
	cr_assert(strstr(r->err, pidstr), "stderr should name %s: %s", pidstr,
		  r->err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 130,
		  "the first crawl, interrupted, should exit 130 (status %d)", st);
	fixture_pass();
}

/* A worker stuck in a parse stops its heartbeat: the coordinator kills and
 * replaces it, and the page, stuck on two workers, is marked failed. */
Test(crawl, a_page_that_hangs_its_parser_is_marked_failed_and_the_crawl_finishes)
{
	struct proc_result *r;
	json_t *recs, *rec;
	size_t i, n, pages = 0, failed = 0;

	fx_start(60, 3);
	(void)expected(-1, &n);
	setenv("TRAWL_TEST_HANG_URL", "/p/5.html", 1);
	setenv("TRAWL_TEST_STUCK_MS", "500", 1);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "hang",
			  "--workers", "2", fx.seed, NULL);
	unsetenv("TRAWL_TEST_HANG_URL");
	unsetenv("TRAWL_TEST_STUCK_MS");
	fixture_expect_exit(r, 0, "trawl crawl with a hanging page");
	cr_assert(strstr(r->err, "has not answered"), "no heartbeat message: %s", r->err);
	recs = export_jsonl("hang");
	json_array_foreach(recs, i, rec) {
		const char *url = str_of(rec, "url");
		pages++;
		if (strstr(url, "/p/5.html")) {
			cr_assert_str_eq(str_of(rec, "error"), "worker-crashed");
			failed++;
		} else {
			cr_assert(json_is_null(json_object_get(rec, "error")) ||
				  strcmp(str_of(rec, "error"), "http") == 0,
				  "%s: unexpected error", url);
		}
	}
	cr_assert_eq(failed, 1, "the hanging page has %zu records", failed);
	/* Its children are only linked from it; everything else was fetched. */
	cr_assert_eq(testsrv_hits(fx.srv, "/p/5.html"), 2,
		     "the hanging page should be tried on exactly two workers");
	cr_assert_gt(pages, 20);
	fixture_pass();
}

/* A page answering 503 twice is fetched a third time and stored once; one
 * answering 503 more often than the retries allow keeps its last answer;
 * a 404 is not retried. */
Test(crawl, retries_server_errors_with_backoff_but_not_client_errors)
{
	struct proc_result *r;
	json_t *recs, *rec;
	size_t i, n;
	bool saw3 = false, saw4 = false;

	fx_start(30, 3);
	(void)expected(-1, &n);
	testsrv_fail_next(fx.srv, "/p/3.html", 2, 503);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "retry",
			  "--workers", "2", "--retries", "3",
			  "--retry-delay", "20", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl with a flaky page");
	cr_assert_eq(testsrv_hits(fx.srv, "/p/3.html"), 3,
		     "503, 503, then 200: three requests");
	cr_assert_eq(testsrv_hits(fx.srv, "/missing.html"), 1,
		     "a 404 is not retried");
	recs = export_jsonl("retry");
	json_array_foreach(recs, i, rec) {
		const char *url = str_of(rec, "url");
		if (strstr(url, "/p/3.html")) {
			cr_assert_eq(int_of(rec, "status", url), 200);
			cr_assert(json_is_null(json_object_get(rec, "error")));
			cr_assert(!saw3, "two records for %s", url);
			saw3 = true;
		}
		if (strstr(url, "/p/4.html"))
			saw4 = true;
	}
	cr_assert(saw3 && saw4);

	/* Past the retries: the last answer is the record. */
	fx.db = fixture_path("second.db");
	testsrv_fail_next(fx.srv, "/p/3.html", 10, 503);
	r = fixture_trawl("crawl2", "crawl", "--db", fx.db, "--job", "giveup",
			  "--workers", "1", "--retries", "2",
			  "--retry-delay", "10", fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl with a page that keeps failing");
	cr_assert_eq(testsrv_hits(fx.srv, "/p/3.html"), 3 + 3,
		     "one attempt and two retries");
	recs = export_jsonl("giveup");
	saw3 = false;
	json_array_foreach(recs, i, rec) {
		const char *url = str_of(rec, "url");
		if (strstr(url, "/p/3.html")) {
			cr_assert_eq(int_of(rec, "status", url), 503);
			cr_assert_str_eq(str_of(rec, "error"), "http");
			saw3 = true;
		}
	}
	cr_assert(saw3);
	fixture_pass();
}

/* Redirects are followed by trawl, hop by hop: the page is stored under the
 * URL that was linked, with final_url the end of the chain; a hop to a URL
 * crawled anyway or out of scope ends the chain; a loop is an error. */
Test(crawl, follows_redirects_itself_checking_each_hop)
{
	struct proc_result *r;
	json_t *recs, *rec;
	size_t i;
	int found = 0;
	char *out_target;

	fx_start(30, 3);
	out_target = fixture_keep(xasprintf("http://127.0.0.2:%d/elsewhere.html",
					    fx.port));
	testsrv_add_redirect(fx.srv, "/r/one", "/r/two", 301);
	testsrv_add_redirect(fx.srv, "/r/two", "/p/2.html", 302);
	testsrv_add_redirect(fx.srv, "/r/dup", "/p/0.html", 301);
	testsrv_add_redirect(fx.srv, "/r/out", out_target, 301);
	testsrv_add_redirect(fx.srv, "/loop/a", "/loop/b", 301);
	testsrv_add_redirect(fx.srv, "/loop/b", "/loop/a", 301);
	r = fixture_trawl("crawl", "crawl", "--db", fx.db, "--job", "redir",
			  "--workers", "2", "--max-depth", "0", fx.seed,
			  fixture_keep(testsrv_url(fx.srv, "/r/one")),
			  fixture_keep(testsrv_url(fx.srv, "/r/dup")),
			  fixture_keep(testsrv_url(fx.srv, "/r/out")),
			  fixture_keep(testsrv_url(fx.srv, "/loop/a")), NULL);
	fixture_expect_exit(r, 0, "trawl crawl of redirecting seeds");
	cr_assert_eq(testsrv_hits(fx.srv, "/r/one"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/r/two"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/p/2.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/p/0.html"), 1, "the seed, not again "
		     "through the redirect to it");
	cr_assert_leq(testsrv_hits(fx.srv, "/loop/a") + testsrv_hits(fx.srv, "/loop/b"), 3);
	recs = export_jsonl("redir");
	json_array_foreach(recs, i, rec) {
		const char *url = str_of(rec, "url"), *fin = str_of(rec, "final_url");
		if (strstr(url, "/r/one")) {
			cr_assert(strstr(fin, "/p/2.html"), "final_url %s", fin);
			cr_assert_eq(int_of(rec, "status", url), 200);
			cr_assert_str_eq(str_of(rec, "title"), "Page 2");
			found++;
		} else if (strstr(url, "/r/dup")) {
			cr_assert(strstr(fin, "/p/0.html"), "final_url %s", fin);
			cr_assert_eq(int_of(rec, "status", url), 301);
			found++;
		} else if (strstr(url, "/r/out")) {
			cr_assert_str_eq(fin, out_target);
			cr_assert_eq(int_of(rec, "status", url), 301);
			found++;
		} else if (strstr(url, "/loop/a")) {
			cr_assert_str_eq(str_of(rec, "error"), "redirect-loop");
			found++;
		}
		cr_assert(!strstr(url, "/p/2.html"), "the redirect target has a "
			  "record of its own: %s", url);
	}
	cr_assert_eq(found, 4, "records for the four redirecting seeds: %d", found);
	fixture_pass();
}
