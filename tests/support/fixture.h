/*
 * fixture.h - the world of one integration test (tests/integ/): a temp
 * directory, removed when the test passes and kept, its path printed, when
 * it fails; test servers stopped and memory freed when the test ends; trawl
 * run with its output captured under a time limit; and readers for what
 * trawl leaves behind (JSON Lines, `trawl status --json`, the SQLite
 * database opened read-only, UTF-8).
 *
 * Runs in the test process.  Criterion runs each test in a process of its
 * own, so the state is this module's, one test at a time: a suite names
 * fixture_init and fixture_fini as its .init and .fini, or calls them
 * from its own.  A test calls fixture_pass() as its last statement.
 *
 * Ownership: what these functions return is "kept": freed by
 * fixture_fini(), never by the test.  Failure: they check with cr_assert,
 * which ends the test with a message; none returns an error.
 */
#ifndef TRAWL_TEST_FIXTURE_H
#define TRAWL_TEST_FIXTURE_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc.h"

struct site;
struct site_expect;
struct testsrv;

/* ---- one test's life ------------------------------------------------ */

/* Fresh state; SIGPIPE ignored. */
void fixture_init(void);

/* Calls what fixture_defer() was given, last first; then removes the temp
 * dir if the test passed, else prints "test failed: kept its files in
 * DIR" and the fixture_on_failure() lines; then frees what was kept. */
void fixture_fini(void);

/* The test passed: its last statement. */
void fixture_pass(void);

/* A failed soft check (cr_expect_*) fails the test here too, so that its
 * files are kept: Criterion tells only its runner, so this header routes
 * the hook its <criterion/criterion.h> macros call after a failed soft
 * check (the internal CR_FAIL_CONTINUES_) through here, then on to
 * criterion_continue_test(). */
void fixture_soft_failure(void);
#undef CR_FAIL_CONTINUES_
#define CR_FAIL_CONTINUES_ fixture_soft_failure

/* A line printed after "kept its files" should the test fail. */
void fixture_on_failure(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* FN(ARG) is called by fixture_fini(), before the dir and kept memory
 * go.  Register what must be released after something else first. */
void fixture_defer(void (*fn)(void *), void *arg);

/* P (may be NULL) is freed by fixture_fini(); returns P. */
void *fixture_keep(void *p);
/* J's reference is dropped by fixture_fini(); returns J. */
json_t *fixture_keep_json(json_t *j);

/* ---- files ---------------------------------------------------------- */

/* $TRAWL_BIN, checked executable; unset: the test is skipped. */
const char *fixture_trawl_bin(void);

/* Makes the test's dir, /tmp/trawl-KIND-XXXXXX; returns it. */
const char *fixture_mkdtemp(const char *kind);
/* The test's dir, "" before fixture_mkdtemp(). */
const char *fixture_dir(void);

/* The strings these return belong to the fixture (fixture_keep()): they
 * are freed when the test ends; do not free them. */

/* DIR/ followed by the printf-formatted name. */
char *fixture_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes TEXT to DIR/NAME; returns the path. */
char *fixture_write(const char *name, const char *text);
/* The whole file PATH, NUL-terminated; *LEN (may be NULL) its length. */
char *fixture_read(const char *path, size_t *len);

/* ---- servers -------------------------------------------------------- */

/* A test server and what a test crawls it with. */
struct fixture_web {
	struct site *site;      /* the generated site (site.h), or NULL */
	struct testsrv *srv;
	int port;
	char *origin;           /* "http://127.0.0.1:PORT" */
	char *seed;             /* the URL a crawl starts from */
	char *db;               /* DIR/trawl.db */
};

/* SRV, asserted started, is stopped by fixture_fini().  If W is not NULL
 * it is filled in, the seed being SEED_PATH on SRV (needs the dir).
 * Returns SRV. */
struct testsrv *fixture_serve(struct fixture_web *w, struct testsrv *srv,
			      const char *seed_path);

/* Serves site_new(NPAGES, FANOUT) into W; the seed is /p/0.html. */
void fixture_serve_site(struct fixture_web *w, int npages, int fanout);

/* The node of W's site that URL names, or -1 if it is not on it. */
int fixture_site_node(const struct fixture_web *w, const char *url);

/* W's request log against the N fetches EXP of the model (site.h):
 * asserts that every request but robots.txt's was for one of them, and a
 * GET if GET_ONLY.  Returns how often each node was requested (indexed
 * by node). */
int *fixture_site_hits(const struct fixture_web *w,
		       const struct site_expect *exp, size_t n, bool get_only);

/* A proc_opts ready() callback: true once SRV has served AT requests
 * (robots.txt aside).  ARG is a struct fixture_hits. */
struct fixture_hits {
	struct testsrv *srv;
	size_t at;
};
bool fixture_hits_reach(void *arg);

/* ---- running trawl -------------------------------------------------- */

/* Runs trawl with the arguments HEAD (NULL-terminated, or NULL) and AP
 * (up to a NULL), stdout and stderr into TAG.out and TAG.err in the dir,
 * under a limit of 60 s times $TRAWL_SLOW; asserts that it started and
 * did not time out.  EXTRA (or NULL) adds a fault signal, environment,
 * file size limit or user (proc.h); its files and limit are ignored. */
struct proc_result *fixture_vtrawl(const char *tag,
				   const struct proc_opts *extra,
				   const char *const *head, va_list ap);
struct proc_result *fixture_trawl_with(const char *tag,
				       const struct proc_opts *extra, ...);
/* The same without EXTRA: fixture_trawl(tag, "crawl", ..., NULL). */
#define fixture_trawl(tag, ...) fixture_trawl_with(tag, NULL, __VA_ARGS__)

/* Starts trawl in the background, one at a time; fixture_fini() kills its
 * group if the test did not wait for it. */
pid_t fixture_trawl_spawn(const char *tag, ...);
/* Waits up to TIMEOUT_MS for it, then kills its group; asserts that it
 * ended in time. */
struct proc_result *fixture_trawl_wait(pid_t pid, long long timeout_ms);

/* Asserts that R exited with CODE, showing its stderr if not. */
void fixture_expect_exit(const struct proc_result *r, int code,
			 const char *what);

/* Asserts that R (run with a SIGKILL fault) ended by that signal, sent
 * while it ran, and that no process of its group outlived it by 2 s. */
void fixture_expect_killed(const struct proc_result *r);

/* ---- what trawl leaves ---------------------------------------------- */

/* JSON Lines (each line an object, the last one ended): the array of the
 * records.  WHAT names the input in messages. */
json_t *fixture_jsonl(const char *buf, size_t len, const char *what);

/* `trawl status --db DB --job JOB --json`, run as TAG: the object. */
json_t *fixture_status(const char *tag, const char *db, const char *job);
/* OBJ's integer KEY (of the status object or one inside it). */
long long fixture_count(const json_t *obj, const char *key);

/* SQL (sqlite3_mprintf() format: %Q quotes a string) prepared on the
 * database DB opened read-only.  Step it, then fixture_db_done(). */
sqlite3_stmt *fixture_db_query(const char *db, const char *fmt, ...);
/* Finalizes ST and closes its database.  Accepts NULL. */
void fixture_db_done(sqlite3_stmt *st);
/* The first column of the first row, which must exist. */
long long fixture_db_int(const char *db, const char *fmt, ...);
/* The first column of the first row as text; NULL if no row or NULL. */
const char *fixture_db_text(const char *db, const char *fmt, ...);

/* Strict UTF-8 (no overlong forms, surrogates, nothing above U+10FFFF);
 * if not, *BAD (may be NULL) gets the offset of the first bad byte. */
bool fixture_utf8(const char *s, size_t n, size_t *bad);

#endif
