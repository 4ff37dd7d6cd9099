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
 * its own /tmp/trawl-integ-XXXXXX, removed when the test passes and kept,
 * with its path printed, when it fails.
 */
#include "log.h"
#include "proc.h"
#include "site.h"
#include "testsrv.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_GARBAGE 512
#define NOBODY 65534

/* One test's world; each Criterion test runs in its own process. */
static struct {
	char dir[64];
	struct site *site;
	struct testsrv *srv;
	int port;
	char *origin;           /* "http://127.0.0.1:PORT" */
	char *db;
	char *seed;             /* URL of /p/0.html */
	bool passed;            /* set last thing in a test body */
	bool as_nobody;         /* run trawl as uid 65534 (we are root) */
	int nruns;

	void *mem[MAX_GARBAGE]; /* freed at the end of the test */
	size_t nmem;
	json_t *json[MAX_GARBAGE];
	size_t njson;
	struct proc_result *res[MAX_GARBAGE];
	size_t nres;
} fx;

static void *keep(void *p)
{
	cr_assert_lt(fx.nmem, MAX_GARBAGE);
	fx.mem[fx.nmem++] = p;
	return p;
}

static json_t *keep_json(json_t *j)
{
	cr_assert_lt(fx.njson, MAX_GARBAGE);
	fx.json[fx.njson++] = j;
	return j;
}

static char *fx_path(const char *name)
{
	return keep(xasprintf("%s/%s", fx.dir, name));
}

static void fx_init(void)
{
	memset(&fx, 0, sizeof fx);
	signal(SIGPIPE, SIG_IGN);
}

static void fx_fini(void)
{
	size_t i;

	testsrv_stop(fx.srv);
	site_free(fx.site);
	for (i = 0; i < fx.nres; i++) {
		proc_result_release(fx.res[i]);
		free(fx.res[i]);
	}
	for (i = 0; i < fx.njson; i++)
		json_decref(fx.json[i]);
	if (fx.dir[0]) {
		if (fx.passed) {
			proc_rm_rf(fx.dir);
		} else {
			fprintf(stderr, "test failed: kept its files in %s\n",
				fx.dir);
		}
	}
	for (i = 0; i < fx.nmem; i++)
		free(fx.mem[i]);
	memset(&fx, 0, sizeof fx);
}

TestSuite(crawl, .init = fx_init, .fini = fx_fini, .timeout = 300);
TestSuite(export, .init = fx_init, .fini = fx_fini, .timeout = 300);
TestSuite(status, .init = fx_init, .fini = fx_fini, .timeout = 300);

static const char *trawl_bin(void)
{
	const char *bin = getenv("TRAWL_BIN");

	if (!bin || !*bin)
		cr_skip_test("TRAWL_BIN is not set; run them with make integ");
	cr_assert_eq(access(bin, X_OK), 0, "TRAWL_BIN=%s: %s", bin,
		     strerror(errno));
	return bin;
}

/* Make the temp dir and serve a site of NPAGES pages. */
static void fx_start(int npages, int fanout)
{
	trawl_bin();
	snprintf(fx.dir, sizeof fx.dir, "/tmp/trawl-integ-XXXXXX");
	cr_assert_not_null(mkdtemp(fx.dir), "mkdtemp: %s", strerror(errno));
	fx.site = site_new(npages, fanout);
	fx.srv = testsrv_start(fx.site);
	cr_assert_not_null(fx.srv, "the test server did not start");
	fx.port = testsrv_port(fx.srv);
	fx.origin = keep(xasprintf("http://127.0.0.1:%d", fx.port));
	fx.seed = keep(testsrv_url(fx.srv, "/p/0.html"));
	fx.db = fx_path("trawl.db");
}

static void pass(void)
{
	fx.passed = true;
}

/* Run trawl with the arguments AP (NULL-terminated); output is captured in
 * TAG.out and TAG.err in the temp dir.  FAULT, if not NULL, gives the
 * signal to send and when. */
static struct proc_result *vtrawl(const char *tag,
				  const struct proc_opts *fault, va_list ap)
{
	struct proc_opts o = { 0 };
	struct proc_result *r = xcalloc(1, sizeof *r);
	char *argv[64];
	const char *s;
	int n = 0, i;

	argv[n++] = xstrdup(trawl_bin());
	while ((s = va_arg(ap, const char *)) && n < 63)
		argv[n++] = xstrdup(s);
	argv[n] = NULL;

	if (fault) {
		o.ready = fault->ready;
		o.ready_arg = fault->ready_arg;
		o.sig = fault->sig;
		o.sig_group = fault->sig_group;
	}
	o.out_file = fx_path(keep(xasprintf("%s.out", tag)));
	o.err_file = fx_path(keep(xasprintf("%s.err", tag)));
	o.timeout_ms = (long long)(60000 * proc_slow_factor());
	o.drop_privileges = fx.as_nobody;
	o.uid = NOBODY;
	o.gid = NOBODY;
	cr_assert_lt(fx.nres, MAX_GARBAGE);
	fx.res[fx.nres++] = r;
	cr_assert_eq(proc_run(argv, &o, r), 0, "could not run %s", argv[0]);
	for (i = 0; i < n; i++)
		free(argv[i]);
	fx.nruns++;
	cr_assert_not(r->timed_out, "trawl %s timed out after %lld ms; "
		      "stderr:\n%.3000s", tag, r->ms, r->err);
	return r;
}

static struct proc_result *trawl(const char *tag, ...)
{
	struct proc_result *r;
	va_list ap;

	va_start(ap, tag);
	r = vtrawl(tag, NULL, ap);
	va_end(ap);
	return r;
}

static struct proc_result *trawl_fault(const char *tag,
				       const struct proc_opts *fault, ...)
{
	struct proc_result *r;
	va_list ap;

	va_start(ap, fault);
	r = vtrawl(tag, fault, ap);
	va_end(ap);
	return r;
}

/* Assert that R exited with CODE, showing its stderr if not. */
static void expect_exit(const struct proc_result *r, int code, const char *what)
{
	cr_assert_eq(r->exit_code, code,
		     "%s: exit status %d (signal %d), expected %d; stderr:\n"
		     "%.3000s", what, r->exit_code, r->signal, code, r->err);
}

/* ---- checking exports ---------------------------------------------- */

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool valid_utf8(const unsigned char *s, size_t n, size_t *bad)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len, k;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			goto fail;
		}
		if (i + len > n)
			goto fail;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto fail;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			goto fail;
		i += len;
	}
	return true;
fail:
	*bad = i;
	return false;
}

static void expect_utf8(const char *buf, size_t len, const char *what)
{
	size_t bad = 0;

	cr_assert(valid_utf8((const unsigned char *)buf, len, &bad),
		  "%s is not valid UTF-8 at byte %zu", what, bad);
}

/* Parse JSON Lines; returns an array of the records (kept). */
static json_t *parse_jsonl(const char *buf, size_t len, const char *what)
{
	json_t *arr = keep_json(json_array());
	const char *p = buf, *end = buf + len;
	size_t line = 0;

	expect_utf8(buf, len, what);
	cr_assert(len == 0 || buf[len - 1] == '\n',
		  "%s does not end with a newline", what);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_error_t err;
		json_t *rec;

		line++;
		cr_assert_not_null(nl);
		cr_assert_gt(nl - p, 0, "%s:%zu: empty line", what, line);
		rec = json_loadb(p, (size_t)(nl - p), 0, &err);
		cr_assert_not_null(rec, "%s:%zu:%d: %s", what, line, err.column,
				   err.text);
		cr_assert(json_is_object(rec), "%s:%zu: not an object", what,
			  line);
		json_array_append_new(arr, rec);
		p = nl + 1;
	}
	return arr;
}

/* `trawl export` of JOB as JSON Lines into a file; returns the records. */
static json_t *export_jsonl(const char *job)
{
	char *out = fx_path(keep(xasprintf("%s.jsonl", job)));
	struct proc_result *r;
	size_t len;
	char *buf;

	r = trawl("export", "export", "--db", fx.db, "--job", job, "-o", out,
		  NULL);
	expect_exit(r, 0, "trawl export");
	buf = keep(proc_read_file(out, &len));
	cr_assert_not_null(buf, "trawl export wrote no %s", out);
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

/* The node a record's URL names, or -1 if it is not on the site. */
static int node_of_url(const char *url)
{
	size_t n = strlen(fx.origin);

	if (strncmp(url, fx.origin, n) != 0)
		return -1;
	return site_find(fx.site, url + n);
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

	keep(seen);
	keep(want);
	for (i = 0; i < fx.site->nnodes; i++)
		want[i] = -1;
	for (i = 0; i < n; i++)
		want[exp[i].node] = (int)i;
	for (i = 0; i < json_array_size(recs); i++) {
		const json_t *rec = json_array_get(recs, i);
		const char *url = rec_url(rec);
		int node = node_of_url(url);

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
	int *hits = keep(xcalloc(fx.site->nnodes, sizeof(int)));
	bool *want = keep(xcalloc(fx.site->nnodes, sizeof(bool)));
	struct testsrv_hit *log;
	char *problem = NULL;
	size_t nlog, i;

	for (i = 0; i < n; i++)
		want[exp[i].node] = true;
	log = testsrv_log(fx.srv, &nlog);
	for (i = 0; i < nlog && !problem; i++) {
		int node;

		if (strcmp(log[i].path, "/robots.txt") == 0)
			continue;
		node = site_find(fx.site, log[i].path);
		if (node < 0 || !want[node])
			problem = xasprintf("the crawler requested %s %s, "
					    "which it should not",
					    log[i].method, log[i].path);
		else if (strcmp(log[i].method, "GET") != 0)
			problem = xasprintf("%s %s: not a GET", log[i].method,
					    log[i].path);
		else
			hits[node]++;
	}
	testsrv_log_free(log, nlog);
	cr_assert_null(problem, "%s", keep(problem));
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
	return keep(site_expected(fx.site, max_depth, n));
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
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "all",
		  "--workers", "1", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl --workers 1");
	cr_assert_not(r->leftovers, "trawl left processes behind: %s",
		      r->leftover_desc);
	exp = expected(-1, &n);
	expect_crawl("all", exp, n);
	pass();
}

Test(crawl, fetches_every_reachable_page_once_with_three_workers)
{
	struct site_expect *exp;
	struct proc_result *r;
	size_t n;

	fx_start(300, 5);
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "three",
		  "--workers", "3", "--concurrency", "8", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl --workers 3");
	cr_assert_not(r->leftovers, "trawl left processes behind: %s",
		      r->leftover_desc);
	exp = expected(-1, &n);
	expect_crawl("three", exp, n);
	pass();
}

Test(crawl, stops_at_max_depth)
{
	struct site_expect *exp;
	struct proc_result *r;
	size_t n;

	fx_start(300, 5);
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "shallow",
		  "--workers", "2", "--max-depth", "2", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl --max-depth 2");
	exp = expected(2, &n);
	cr_assert_lt(n, fx.site->nnodes);
	expect_crawl("shallow", exp, n);
	pass();
}

Test(crawl, fetches_exactly_max_pages)
{
	struct site_expect *all, *got;
	struct proc_result *r;
	size_t n, nall, i;

	fx_start(300, 5);
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "fifty",
		  "--workers", "3", "--max-pages", "50", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl --max-pages 50");
	cr_assert_eq(testsrv_page_hits(fx.srv), 50,
		     "the server saw %zu requests (robots.txt aside), "
		     "expected 50", testsrv_page_hits(fx.srv));

	/* Which 50 depends on timing: expect those the server saw, each
	 * as the full crawl would have it. */
	all = expected(-1, &nall);
	got = keep(xcalloc(nall, sizeof *got));
	for (i = n = 0; i < nall; i++)
		if (testsrv_hits(fx.srv, all[i].path) > 0)
			got[n++] = all[i];
	cr_assert_eq(n, 50, "only %zu of the 50 requests were for pages the "
		     "crawl should reach", n);
	expect_crawl("fifty", got, n);
	pass();
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
	exp = keep(site_expected_ex(fx.site, &how, &n));
	filter_release(&f);
	cr_assert_eq(n, 100);

	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "inc",
		  "--workers", "2", "--include",
		  "/p/([0-9]|[1-9][0-9])\\.html$", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl --include");
	expect_crawl("inc", exp, n);
	pass();
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
	exp = keep(site_expected_ex(fx.site, &how, &n));
	filter_release(&f);
	all = expected(-1, &nall);
	cr_assert_lt(n, nall);
	(void)all;

	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "exc",
		  "--workers", "2", "--exclude", "/p/[0-9]*[27]\\.html$",
		  "--exclude", "item|nofollow", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl --exclude");
	expect_crawl("exc", exp, n);
	pass();
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
	seeds = fx_path("seeds.txt");
	text = keep(xasprintf("# seeds for the integration test\n"
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

	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "seeds",
		  "--workers", "2", "-s", seeds, NULL);
	expect_exit(r, 0, "trawl crawl -s with a bad line");
	where = keep(xasprintf("%s:4:", seeds));
	cr_assert_not_null(strstr(r->err, where),
			   "stderr should name %s; it is:\n%.3000s", where,
			   r->err);

	seed_nodes[0] = 0;
	seed_nodes[1] = site_find(fx.site, "/sub/leaf.html");
	cr_assert_geq(seed_nodes[1], 0);
	how.seeds = seed_nodes;
	how.nseeds = 2;
	exp = keep(site_expected_ex(fx.site, &how, &n));
	expect_crawl("seeds", exp, n);
	pass();
}

static void expect_one_line(const struct proc_result *r, const char *what)
{
	const char *nl = memchr(r->err, '\n', r->err_len);

	cr_assert(r->err_len > 1 && nl &&
		  (size_t)(nl - r->err) == r->err_len - 1,
		  "%s: stderr should be one line; it is:\n%.3000s", what,
		  r->err);
}

static char *read_bytes(const char *path, size_t *len)
{
	char *buf = proc_read_file(path, len);

	cr_assert_not_null(buf, "%s: %s", path, strerror(errno));
	return keep(buf);
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
	before = read_bytes(fx.db, &nbefore);

	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "notdb",
		  fx.seed, NULL);
	expect_exit(r, 1, "trawl crawl on a text file");
	expect_one_line(r, "trawl crawl on a text file");
	cr_assert_not_null(strstr(r->err, "trawl.db"),
			   "the message should name the file: %s", r->err);
	after = read_bytes(fx.db, &nafter);
	cr_assert(nbefore == nafter && memcmp(before, after, nafter) == 0,
		  "trawl changed the file that is not a database");
	cr_assert_eq(testsrv_page_hits(fx.srv), 0,
		     "trawl fetched pages before failing");
	pass();
}

Test(crawl, refuses_read_only_database)
{
	struct proc_result *r;
	char *before, *after;
	size_t nbefore, nafter;

	fx_start(20, 3);
	if (geteuid() == 0) {
		/* root writes through file modes: run trawl as nobody, in a
		 * directory nobody may write, on a file nobody owns. */
		fx.as_nobody = true;
		cr_assert_eq(chown(fx.dir, NOBODY, NOBODY), 0, "chown: %s",
			     strerror(errno));
	}
	r = trawl("first", "crawl", "--db", fx.db, "--job", "first",
		  fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl (making the database)");
	cr_assert_eq(chmod(fx.db, 0444), 0);
	before = read_bytes(fx.db, &nbefore);

	r = trawl("second", "crawl", "--db", fx.db, "--job", "second",
		  fx.seed, NULL);
	expect_exit(r, 1, "trawl crawl on a read-only database");
	expect_one_line(r, "trawl crawl on a read-only database");
	after = read_bytes(fx.db, &nafter);
	cr_assert(nbefore == nafter && memcmp(before, after, nafter) == 0,
		  "trawl changed the read-only database");
	pass();
}

Test(crawl, resumed_finished_job_fetches_nothing)
{
	struct site_expect *exp;
	struct proc_result *r;
	size_t n, first;

	fx_start(300, 5);
	r = trawl("crawl1", "crawl", "--db", fx.db, "--job", "again",
		  "--workers", "2", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl (first run)");
	first = testsrv_page_hits(fx.srv);

	r = trawl("crawl2", "crawl", "--db", fx.db, "--job", "again",
		  "--workers", "2", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl (second run)");
	cr_assert_eq(testsrv_page_hits(fx.srv), first,
		     "the second run fetched %zu more pages",
		     testsrv_page_hits(fx.srv) - first);
	exp = expected(-1, &n);
	expect_crawl("again", exp, n);
	pass();
}

Test(crawl, sends_the_configured_user_agent)
{
	static const char ua[] = "integ-bot/1.0 (+http://example.invalid/bot)";
	struct testsrv_hit *log;
	struct proc_result *r;
	char *problem = NULL;
	size_t n, i;

	fx_start(20, 3);
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "ua",
		  "--user-agent", ua, fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl --user-agent");
	log = testsrv_log(fx.srv, &n);
	for (i = 0; i < n && !problem; i++)
		if (strcmp(log[i].user_agent, ua) != 0)
			problem = xasprintf("%s sent User-Agent \"%s\"",
					    log[i].path, log[i].user_agent);
	testsrv_log_free(log, n);
	cr_assert_gt(n, 0);
	cr_assert_null(problem, "%s", keep(problem));
	pass();
}

static bool hits_reach(void *arg)
{
	return testsrv_page_hits(fx.srv) >= *(size_t *)arg;
}

Test(crawl, interrupted_crawl_exits_130_and_resumes_where_it_stopped)
{
	struct proc_opts fault = { .sig = SIGINT, .sig_group = true };
	struct site_expect *exp;
	struct proc_result *r;
	size_t n, first, when = 40;

	fx_start(300, 5);
	exp = expected(-1, &n);
	testsrv_set_delay(fx.srv, 10);
	fault.ready = hits_reach;
	fault.ready_arg = &when;
	/* Ctrl-C on a terminal: SIGINT to the whole process group. */
	r = trawl_fault("crawl1", &fault, "crawl", "--db", fx.db, "--job",
			"int", "--workers", "2", "--per-host", "2", fx.seed,
			NULL);
	cr_assert_geq(r->sig_ms, 0, "the crawl ended before it was "
		      "interrupted");
	expect_exit(r, 130, "trawl crawl, interrupted");
	cr_assert_lt(r->ms - r->sig_ms, (long long)(10000 * proc_slow_factor()),
		     "trawl took %lld ms to stop after SIGINT",
		     r->ms - r->sig_ms);
	cr_assert_not(r->leftovers, "trawl left processes behind: %s",
		      r->leftover_desc);
	first = testsrv_page_hits(fx.srv);
	cr_assert_lt(first, n, "the interrupted crawl fetched everything");

	testsrv_set_delay(fx.srv, 0);
	r = trawl("crawl2", "crawl", "--db", fx.db, "--job", "int",
		  "--workers", "2", "--per-host", "2", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl, resumed");
	/* In-flight transfers finish and are saved before exit 130, so
	 * nothing is fetched twice. */
	expect_requests(exp, n);
	expect_records(export_jsonl("int"), exp, n, "int");
	pass();
}

Test(crawl, killed_crawl_resumes_without_losing_or_duplicating_pages)
{
	struct proc_opts fault = { .sig = SIGKILL };
	struct site_expect *exp;
	struct proc_result *r;
	size_t n, when = 40;

	fx_start(300, 5);
	exp = expected(-1, &n);
	testsrv_set_delay(fx.srv, 10);
	fault.ready = hits_reach;
	fault.ready_arg = &when;
	/* kill -9 of the coordinator alone: its workers must not outlive
	 * it. */
	r = trawl_fault("crawl1", &fault, "crawl", "--db", fx.db, "--job",
			"kill", "--workers", "2", "--per-host", "2", fx.seed,
			NULL);
	cr_assert_geq(r->sig_ms, 0, "the crawl ended before it was killed");
	cr_assert_eq(r->signal, SIGKILL, "exit %d, signal %d", r->exit_code,
		     r->signal);
	cr_assert_not(r->leftovers, "workers outlived their killed "
		      "coordinator by 2 s: %s", r->leftover_desc);
	cr_assert_lt(testsrv_page_hits(fx.srv), n);

	testsrv_set_delay(fx.srv, 0);
	r = trawl("crawl2", "crawl", "--db", fx.db, "--job", "kill",
		  "--workers", "2", "--per-host", "2", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl, resumed after kill -9");
	/* At-least-once fetching: what was in flight or not yet committed
	 * is fetched again; storing is exactly once. */
	expect_requests_max(exp, n, 2);
	expect_records(export_jsonl("kill"), exp, n, "kill");
	pass();
}

static void write_file(const char *name, const char *text)
{
	char *path = fx_path(name);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Serve a three-page directory whose robots.txt disallows /private/. */
static void fx_start_robots_site(void)
{
	trawl_bin();
	snprintf(fx.dir, sizeof fx.dir, "/tmp/trawl-integ-XXXXXX");
	cr_assert_not_null(mkdtemp(fx.dir), "mkdtemp: %s", strerror(errno));
	cr_assert_eq(mkdir(fx_path("www"), 0755), 0);
	cr_assert_eq(mkdir(fx_path("www/private"), 0755), 0);
	write_file("www/robots.txt", "User-agent: *\nDisallow: /private/\n");
	write_file("www/index.html",
		   "<title>Home</title><a href=\"/open.html\">open</a> "
		   "<a href=\"/private/secret.html\">secret</a>");
	write_file("www/open.html", "<title>Open</title>");
	write_file("www/private/secret.html", "<title>Secret</title>");
	fx.srv = testsrv_start_dir(fx_path("www"));
	cr_assert_not_null(fx.srv, "the test server did not start");
	fx.port = testsrv_port(fx.srv);
	fx.seed = keep(testsrv_url(fx.srv, "/index.html"));
	fx.db = fx_path("trawl.db");
}

Test(crawl, obeys_robots_txt_disallow)
{
	struct proc_result *r;

	fx_start_robots_site();
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "robots",
		  fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl");
	cr_assert_eq(testsrv_hits(fx.srv, "/index.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/open.html"), 1);
	cr_assert_geq(testsrv_hits(fx.srv, "/robots.txt"), 1,
		      "trawl never asked for /robots.txt");
	cr_assert_eq(testsrv_hits(fx.srv, "/private/secret.html"), 0,
		     "trawl fetched a page robots.txt disallows");
	pass();
}

Test(crawl, no_robots_fetches_disallowed_pages)
{
	struct proc_result *r;

	fx_start_robots_site();
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "norobots",
		  "--no-robots", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl --no-robots");
	cr_assert_eq(testsrv_hits(fx.srv, "/private/secret.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/robots.txt"), 0,
		     "--no-robots should not fetch /robots.txt");
	pass();
}

/* Crawl a small site whole and return the number of fetches expected. */
static size_t crawl_small(const char *job)
{
	struct proc_result *r;
	size_t n;

	fx_start(20, 3);
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", job, "--workers",
		  "2", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl");
	expected(-1, &n);
	return n;
}

Test(crawl, decodes_amp_entity_in_query_links)
{
	crawl_small("amp");
	cr_assert_eq(testsrv_hits(fx.srv, "/item?id=3&v=1"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/item?id=3&amp;v=1"), 0);
	pass();
}

Test(crawl, does_not_follow_links_on_nofollow_pages)
{
	crawl_small("nofollow");
	cr_assert_eq(testsrv_hits(fx.srv, "/nofollow.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/hidden.html"), 0,
		     "the only link to /hidden.html is on a nofollow page");
	pass();
}

Test(crawl, resolves_relative_links_against_base_href)
{
	crawl_small("base");
	cr_assert_eq(testsrv_hits(fx.srv, "/base/page.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/sub/leaf.html"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/base/leaf.html"), 0);
	pass();
}

Test(crawl, fetches_non_html_but_parses_nothing_in_it)
{
	crawl_small("pdf");
	cr_assert_eq(testsrv_hits(fx.srv, "/files/report.pdf"), 1);
	cr_assert_eq(testsrv_hits(fx.srv, "/p/from-pdf.html"), 0,
		     "the crawler followed an href inside a PDF");
	pass();
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
	url = keep(testsrv_url(fx.srv, "/missing.html"));
	for (i = 0; i < json_array_size(recs); i++)
		if (strcmp(rec_url(json_array_get(recs, i)), url) == 0)
			rec = json_array_get(recs, i);
	cr_assert_not_null(rec, "no record for %s", url);
	cr_assert_eq(int_of(rec, "status", url), 404);
	expect_null_or_str(rec, "error", "http", url);
	pass();
}

Test(export, json_array_holds_the_same_records_as_json_lines)
{
	struct proc_result *r;
	json_t *lines, *arr;
	json_error_t err;
	char *out;
	size_t i, j;

	crawl_small("json");
	r = trawl("export-jsonl", "export", "--db", fx.db, "--job", "json",
		  NULL);
	expect_exit(r, 0, "trawl export to stdout");
	lines = parse_jsonl(r->out, r->out_len, "export to stdout");

	out = fx_path("export.json");
	r = trawl("export-json", "export", "--db", fx.db, "--job", "json",
		  "-f", "json", "-o", out, NULL);
	expect_exit(r, 0, "trawl export -f json");
	{
		size_t len;
		char *buf = read_bytes(out, &len);
		expect_utf8(buf, len, out);
		arr = keep_json(json_loadb(buf, len, 0, &err));
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
	pass();
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
	url = keep(testsrv_url(fx.srv, "/broken.html"));
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
		child = keep(testsrv_url(fx.srv, "/broken/child.html"));
		cr_assert_eq(json_array_size(json_object_get(rec, "links")), 1);
		cr_assert_str_eq(json_string_value(json_array_get(
					 json_object_get(rec, "links"), 0)),
				 child);
	}
	cr_assert(found, "no record for %s", url);
	cr_assert_eq(testsrv_hits(fx.srv, "/broken/child.html"), 1);
	expect_records(recs, exp, n, "utf8");
	pass();
}

static long long count_of(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	cr_assert(json_is_integer(v), "status: \"%s\" should be an integer",
		  key);
	return json_integer_value(v);
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

	r = trawl("status", "status", "--db", fx.db, "--job", "counts",
		  "--json", NULL);
	expect_exit(r, 0, "trawl status --json");
	st = keep_json(json_loads(r->out, 0, &err));
	cr_assert_not_null(st, "status --json: %d:%d: %s\n%.2000s", err.line,
			   err.column, err.text, r->out);
	cr_assert_str_eq(str_of(st, "job"), "counts");
	cr_assert_str_eq(str_of(st, "state"), "finished");
	urls = json_object_get(st, "urls");
	http = json_object_get(st, "http");
	cr_assert(json_is_object(urls) && json_is_object(http));
	cr_assert_eq(count_of(urls, "queued"), 0);
	cr_assert_eq(count_of(urls, "done") + count_of(urls, "failed"),
		     (long long)n, "done + failed should be the %zu fetches",
		     n);
	/* http://127.0.0.2:PORT/x.html and http://ext.invalid/ at least */
	cr_assert_geq(count_of(urls, "skipped"), 2);
	cr_assert_eq(count_of(st, "pages"), (long long)n);
	cr_assert_eq(count_of(http, "200"), ok);
	cr_assert_eq(count_of(http, "404"), notfound);
	cr_assert_eq(count_of(st, "errors"), errors);
	pass();
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
		execl(trawl_bin(), trawl_bin(), "crawl", "--db", fx.db, "--job",
		      "busy", "--workers", "1", "--per-host", "1", fx.seed,
		      (char *)NULL);
		_exit(127);
	}
	deadline = now_ms() + (long long)(20000 * proc_slow_factor());
	while (testsrv_page_hits(fx.srv) < 3 && now_ms() < deadline)
		usleep(5000);
	cr_assert_geq(testsrv_page_hits(fx.srv), 3, "the first crawl did not start");

	r = trawl("crawl2", "crawl", "--db", fx.db, "--job", "busy",
		  "--workers", "1", fx.seed, NULL);
	kill(first, SIGINT);
	for (i = 0; i < 2000 && waitpid(first, &st, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 2000) {
		kill(first, SIGKILL);
		waitpid(first, &st, 0);
	}
	expect_exit(r, 1, "a second crawl of a running job");
	expect_one_line(r, "a second crawl of a running job");
	snprintf(pidstr, sizeof pidstr, "process %d", (int)first);
	cr_assert(strstr(r->err, pidstr), "stderr should name %s: %s", pidstr,
		  r->err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 130,
		  "the first crawl, interrupted, should exit 130 (status %d)", st);
	pass();
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
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "hang", "--workers",
		  "2", fx.seed, NULL);
	unsetenv("TRAWL_TEST_HANG_URL");
	unsetenv("TRAWL_TEST_STUCK_MS");
	expect_exit(r, 0, "trawl crawl with a hanging page");
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
	pass();
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
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "retry", "--workers",
		  "2", "--retries", "3", "--retry-delay", "20", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl with a flaky page");
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
	fx.db = fx_path("second.db");
	testsrv_fail_next(fx.srv, "/p/3.html", 10, 503);
	r = trawl("crawl2", "crawl", "--db", fx.db, "--job", "giveup", "--workers",
		  "1", "--retries", "2", "--retry-delay", "10", fx.seed, NULL);
	expect_exit(r, 0, "trawl crawl with a page that keeps failing");
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
	pass();
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
	out_target = keep(xasprintf("http://127.0.0.2:%d/elsewhere.html", fx.port));
	testsrv_add_redirect(fx.srv, "/r/one", "/r/two", 301);
	testsrv_add_redirect(fx.srv, "/r/two", "/p/2.html", 302);
	testsrv_add_redirect(fx.srv, "/r/dup", "/p/0.html", 301);
	testsrv_add_redirect(fx.srv, "/r/out", out_target, 301);
	testsrv_add_redirect(fx.srv, "/loop/a", "/loop/b", 301);
	testsrv_add_redirect(fx.srv, "/loop/b", "/loop/a", 301);
	r = trawl("crawl", "crawl", "--db", fx.db, "--job", "redir", "--workers",
		  "2", "--max-depth", "0", fx.seed,
		  keep(testsrv_url(fx.srv, "/r/one")), keep(testsrv_url(fx.srv, "/r/dup")),
		  keep(testsrv_url(fx.srv, "/r/out")), keep(testsrv_url(fx.srv, "/loop/a")),
		  NULL);
	expect_exit(r, 0, "trawl crawl of redirecting seeds");
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
	pass();
}
