/*
 * fixture.c - one integration test's world (see fixture.h).
 *
 * Runs in the test process, one Criterion test per process; a test runs
 * trawl a few times and keeps a few hundred small allocations at most, so
 * lists are plain arrays grown by doubling, each with a ceiling.
 */
#include "fixture.h"

#include "log.h"
#include "site.h"
#include "testsrv.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_KEPT 65536
#define MAX_DEFERRED 4096
#define MAX_ARGS 64

struct deferred {
	void (*fn)(void *);
	void *arg;
};

static struct {
	char dir[64];
	bool passed;
	bool soft_failed;
	char *notes;             /* printed should the test fail */
	struct deferred *deferred;
	size_t ndeferred, deferred_cap;
	void **kept;
	size_t nkept, kept_cap;
	pid_t bg;                /* fixture_trawl_spawn()'s, until waited */
	const char *bg_tag;
	struct proc_opts *bg_opts;
} fx;

/* ---- one test's life ------------------------------------------------ */

void fixture_init(void)
{
	memset(&fx, 0, sizeof fx);
	signal(SIGPIPE, SIG_IGN);
}

void fixture_fini(void)
{
	size_t i;

	if (fx.bg > 0) {
		/* The test failed while it ran: stop it and its workers. */
		struct proc_opts o = *fx.bg_opts;
		struct proc_result r;

		kill(-fx.bg, SIGKILL);
		o.timeout_ms = 5000;
		proc_wait(fx.bg, &o, &r);
		proc_result_release(&r);
	}
	while (fx.ndeferred > 0) {
		struct deferred d = fx.deferred[--fx.ndeferred];

		d.fn(d.arg);
	}
	if (fx.dir[0]) {
		if (fx.passed && !fx.soft_failed) {
			proc_rm_rf(fx.dir);
		} else {
			fprintf(stderr, "test failed: kept its files in %s\n",
				fx.dir);
			if (fx.notes)
				fputs(fx.notes, stderr);
		}
	}
	for (i = 0; i < fx.nkept; i++)
		free(fx.kept[i]);
	free(fx.kept);
	free(fx.deferred);
	free(fx.notes);
	memset(&fx, 0, sizeof fx);
}

void fixture_pass(void)
{
	fx.passed = true;
}

void fixture_soft_failure(void)
{
	fx.soft_failed = true;
	criterion_continue_test();
}

void fixture_on_failure(const char *fmt, ...)
{
	char *line, *notes;
	va_list ap;

	va_start(ap, fmt);
	cr_assert_neq(vasprintf(&line, fmt, ap), -1);
	va_end(ap);
	notes = xasprintf("%s%s\n", fx.notes ? fx.notes : "", line);
	free(line);
	free(fx.notes);
	fx.notes = notes;
}

/* Room for one more in V, a list of N of CAP, grown by doubling up to
 * MAX. */
static void *grow(void *v, size_t n, size_t *cap, size_t size, size_t max)
{
	cr_assert_lt(n, max, "a test keeps more than %zu things", max);
	if (n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		v = xrealloc(v, *cap * size);
	}
	return v;
}

void fixture_defer(void (*fn)(void *), void *arg)
{
	fx.deferred = grow(fx.deferred, fx.ndeferred, &fx.deferred_cap,
			   sizeof *fx.deferred, MAX_DEFERRED);
	fx.deferred[fx.ndeferred].fn = fn;
	fx.deferred[fx.ndeferred].arg = arg;
	fx.ndeferred++;
}

void *fixture_keep(void *p)
{
	fx.kept = grow(fx.kept, fx.nkept, &fx.kept_cap, sizeof *fx.kept,
		       MAX_KEPT);
	fx.kept[fx.nkept++] = p;
	return p;
}

static void drop_json(void *j)
{
	json_decref(j);
}

json_t *fixture_keep_json(json_t *j)
{
	fixture_defer(drop_json, j);
	return j;
}

/* ---- files ---------------------------------------------------------- */

const char *fixture_trawl_bin(void)
{
	const char *bin = getenv("TRAWL_BIN");

	if (!bin || !*bin)
		cr_skip_test("TRAWL_BIN is not set; run them with make integ");
	cr_assert_eq(access(bin, X_OK), 0, "TRAWL_BIN=%s: %s", bin,
		     strerror(errno));
	return bin;
}

const char *fixture_mkdtemp(const char *kind)
{
	snprintf(fx.dir, sizeof fx.dir, "/tmp/trawl-%s-XXXXXX", kind);
	cr_assert_not_null(mkdtemp(fx.dir), "mkdtemp: %s", strerror(errno));
	return fx.dir;
}

const char *fixture_dir(void)
{
	return fx.dir;
}

char *fixture_path(const char *fmt, ...)
{
	char *name, *path;
	va_list ap;

	va_start(ap, fmt);
	cr_assert_neq(vasprintf(&name, fmt, ap), -1);
	va_end(ap);
	cr_assert(fx.dir[0], "no temp dir yet for %s", name);
	path = xasprintf("%s/%s", fx.dir, name);
	free(name);
	return fixture_keep(path);
}

char *fixture_write(const char *name, const char *text)
{
	char *path = fixture_path("%s", name);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	return path;
}

char *fixture_read(const char *path, size_t *len)
{
	char *buf = proc_read_file(path, len);

	cr_assert_not_null(buf, "%s: %s", path, strerror(errno));
	return fixture_keep(buf);
}

/* ---- servers -------------------------------------------------------- */

static void stop_server(void *srv)
{
	testsrv_stop(srv);
}

static void free_site(void *site)
{
	site_free(site);
}

struct testsrv *fixture_serve(struct fixture_web *w, struct testsrv *srv,
			      const char *seed_path)
{
	cr_assert_not_null(srv, "the test server did not start");
	fixture_defer(stop_server, srv);
	if (w) {
		w->srv = srv;
		w->port = testsrv_port(srv);
		w->origin = fixture_keep(xasprintf("http://127.0.0.1:%d",
						   w->port));
		w->seed = fixture_keep(testsrv_url(srv, seed_path));
		w->db = fixture_path("trawl.db");
	}
	return srv;
}

void fixture_serve_site(struct fixture_web *w, int npages, int fanout)
{
	/* Deferred first, so freed after the server that renders it. */
	w->site = site_new(npages, fanout);
	fixture_defer(free_site, w->site);
	fixture_serve(w, testsrv_start(w->site), "/p/0.html");
}

int fixture_site_node(const struct fixture_web *w, const char *url)
{
	size_t n = strlen(w->origin);

	if (strncmp(url, w->origin, n) != 0)
		return -1;
	return site_find(w->site, url + n);
}

int *fixture_site_hits(const struct fixture_web *w,
		       const struct site_expect *exp, size_t n, bool get_only)
{
	int *hits = fixture_keep(xcalloc(w->site->nnodes, sizeof *hits));
	bool *want = fixture_keep(xcalloc(w->site->nnodes, sizeof *want));
	struct testsrv_hit *log;
	char *problem = NULL;
	size_t nlog, i;

	for (i = 0; i < n; i++)
		want[exp[i].node] = true;
	log = testsrv_log(w->srv, &nlog);
	for (i = 0; i < nlog && !problem; i++) {
		int node;

		if (strcmp(log[i].path, "/robots.txt") == 0)
			continue;
		node = site_find(w->site, log[i].path);
		if (node < 0 || !want[node])
			problem = xasprintf("the crawler requested %s %s, "
					    "which it should not",
					    log[i].method, log[i].path);
		else if (get_only && strcmp(log[i].method, "GET") != 0)
			problem = xasprintf("%s %s: not a GET", log[i].method,
					    log[i].path);
		else
			hits[node]++;
	}
	testsrv_log_free(log, nlog);
	cr_assert_null(problem, "%s", fixture_keep(problem));
	return hits;
}

bool fixture_hits_reach(void *arg)
{
	const struct fixture_hits *h = arg;

	return testsrv_page_hits(h->srv) >= h->at;
}

/* ---- running trawl -------------------------------------------------- */

static char **trawl_argv(const char *const *head, va_list ap)
{
	char **argv = fixture_keep(xcalloc(MAX_ARGS, sizeof *argv));
	const char *s;
	int n = 0;

	argv[n++] = (char *)fixture_trawl_bin();
	while (head && *head && n < MAX_ARGS - 1)
		argv[n++] = (char *)*head++;
	while ((s = va_arg(ap, const char *)) && n < MAX_ARGS - 1)
		argv[n++] = (char *)s;
	argv[n] = NULL;
	return argv;
}

static struct proc_opts *trawl_opts(const char *tag,
				    const struct proc_opts *extra)
{
	struct proc_opts *o = fixture_keep(xcalloc(1, sizeof *o));

	if (extra)
		*o = *extra;
	o->out_file = fixture_path("%s.out", tag);
	o->err_file = fixture_path("%s.err", tag);
	o->timeout_ms = (long long)(60000 * proc_slow_factor());
	return o;
}

static void release_result(void *r)
{
	proc_result_release(r);
	free(r);
}

static struct proc_result *new_result(void)
{
	struct proc_result *r = xcalloc(1, sizeof *r);

	fixture_defer(release_result, r);
	return r;
}

static void expect_no_timeout(const struct proc_result *r, const char *tag)
{
	cr_assert_not(r->timed_out, "trawl %s timed out after %lld ms; "
		      "stderr:\n%.3000s", tag, r->ms, r->err);
}

struct proc_result *fixture_vtrawl(const char *tag,
				   const struct proc_opts *extra,
				   const char *const *head, va_list ap)
{
	struct proc_opts *o = trawl_opts(tag, extra);
	struct proc_result *r = new_result();
	char **argv = trawl_argv(head, ap);

	cr_assert_eq(proc_run(argv, o, r), 0, "could not run %s", argv[0]);
	expect_no_timeout(r, tag);
	return r;
}

struct proc_result *fixture_trawl_with(const char *tag,
				       const struct proc_opts *extra, ...)
{
	struct proc_result *r;
	va_list ap;

	va_start(ap, extra);
	r = fixture_vtrawl(tag, extra, NULL, ap);
	va_end(ap);
	return r;
}

pid_t fixture_trawl_spawn(const char *tag, ...)
{
	char **argv;
	va_list ap;

	cr_assert_eq(fx.bg, 0, "trawl is running in the background already");
	va_start(ap, tag);
	argv = trawl_argv(NULL, ap);
	va_end(ap);
	fx.bg_opts = trawl_opts(tag, NULL);
	fx.bg_tag = fixture_keep(xstrdup(tag));
	fx.bg = proc_spawn(argv, fx.bg_opts);
	cr_assert_gt(fx.bg, 0, "could not start %s", argv[0]);
	return fx.bg;
}

struct proc_result *fixture_trawl_wait(pid_t pid, long long timeout_ms)
{
	struct proc_opts o;
	struct proc_result *r = new_result();

	cr_assert(pid > 0 && pid == fx.bg, "pid %d is not trawl's in the "
		  "background", (int)pid);
	o = *fx.bg_opts;
	o.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	proc_wait(pid, &o, r);
	fx.bg = 0;
	expect_no_timeout(r, fx.bg_tag);
	return r;
}

void fixture_expect_exit(const struct proc_result *r, int code,
			 const char *what)
{
	cr_assert_eq(r->exit_code, code,
		     "%s: exit status %d (signal %d), expected %d; stderr:\n"
		     "%.3000s", what, r->exit_code, r->signal, code, r->err);
}

void fixture_expect_killed(const struct proc_result *r)
{
	cr_assert_geq(r->sig_ms, 0, "the crawl ended before it was killed");
	cr_assert_eq(r->signal, SIGKILL, "exit %d, signal %d", r->exit_code,
		     r->signal);
	cr_assert_not(r->leftovers, "workers outlived their killed "
		      "coordinator by 2 s: %s", r->leftover_desc);
}

/* ---- what trawl leaves ---------------------------------------------- */

json_t *fixture_jsonl(const char *buf, size_t len, const char *what)
{
	json_t *arr = fixture_keep_json(json_array());
	const char *p = buf, *end = buf + len;
	size_t line = 0;

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

json_t *fixture_status(const char *tag, const char *db, const char *job)
{
	struct proc_result *r;
	json_error_t err;
	json_t *st;

	r = fixture_trawl(tag, "status", "--db", db, "--job", job, "--json",
			  NULL);
	fixture_expect_exit(r, 0, "trawl status --json");
	st = fixture_keep_json(json_loadb(r->out, r->out_len, 0, &err));
	cr_assert_not_null(st, "status --json: %d:%d: %s\n%.2000s", err.line,
			   err.column, err.text, r->out);
	cr_assert(json_is_object(st), "status --json is not an object");
	return st;
}

long long fixture_count(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	cr_assert(json_is_integer(v), "status: \"%s\" should be an integer",
		  key);
	return json_integer_value(v);
}

static sqlite3_stmt *db_vquery(const char *db, const char *fmt, va_list ap)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_vmprintf(fmt, ap);

	cr_assert_not_null(sql, "sqlite3_vmprintf %s", fmt);
	cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
		     SQLITE_OK, "%s: %s", db, sqlite3_errmsg(h));
	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK,
		     "%s: %s", sql, sqlite3_errmsg(h));
	sqlite3_free(sql);
	return st;
}

sqlite3_stmt *fixture_db_query(const char *db, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	st = db_vquery(db, fmt, ap);
	va_end(ap);
	return st;
}

void fixture_db_done(sqlite3_stmt *st)
{
	sqlite3 *h;

	if (!st)
		return;
	h = sqlite3_db_handle(st);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* The first row of SQL, or (unless it must exist) none: then
 * sqlite3_data_count() is 0. */
static sqlite3_stmt *db_vrow(const char *db, bool must, const char *fmt,
			     va_list ap)
{
	sqlite3_stmt *st = db_vquery(db, fmt, ap);
	int rc = sqlite3_step(st);

	if (must)
		cr_assert_eq(rc, SQLITE_ROW, "%s: %s", sqlite3_sql(st),
			     sqlite3_errmsg(sqlite3_db_handle(st)));
	return st;
}

long long fixture_db_int(const char *db, const char *fmt, ...)
{
	sqlite3_stmt *st;
	long long v;
	va_list ap;

	va_start(ap, fmt);
	st = db_vrow(db, true, fmt, ap);
	va_end(ap);
	v = sqlite3_column_int64(st, 0);
	fixture_db_done(st);
	return v;
}

const char *fixture_db_text(const char *db, const char *fmt, ...)
{
	const unsigned char *text;
	sqlite3_stmt *st;
	char *v = NULL;
	va_list ap;

	va_start(ap, fmt);
	st = db_vrow(db, false, fmt, ap);
	va_end(ap);
	text = sqlite3_data_count(st) ? sqlite3_column_text(st, 0) : NULL;
	if (text)
		v = fixture_keep(xstrdup((const char *)text));
	fixture_db_done(st);
	return v;
}

bool fixture_utf8(const char *str, size_t n, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
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
	if (bad)
		*bad = i;
	return false;
}
