/*
 * store_sqlite.c - the SQLite backend of store.h.
 *
 * Runs in the coordinator (the only writer) and in `export`/`status`
 * (readers).  Tuned for the coordinator's workload: per page one page row,
 * one URL state update and ~1 new URL row, all inside transactions of
 * hundreds of pages.  WAL lets readers run beside the writer; with
 * synchronous=NORMAL a killed process loses nothing committed.  Statements
 * are prepared once per store.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define SCHEMA_VERSION 3
#define APP_ID 0x7472776c /* "trwl" */

static const char schema_v1[] =
	"CREATE TABLE jobs("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" config TEXT,"
	" state TEXT NOT NULL DEFAULT 'new',"
	" pid INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER, started_at INTEGER, finished_at INTEGER);"
	"CREATE TABLE urls("
	" id INTEGER PRIMARY KEY,"
	" job INTEGER NOT NULL REFERENCES jobs(id),"
	" fp INTEGER NOT NULL,"
	" url TEXT NOT NULL,"
	" depth INTEGER NOT NULL,"
	" parent INTEGER,"
	" state INTEGER NOT NULL,"
	" reason TEXT,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_at INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE(job, fp));"
	"CREATE INDEX urls_queued ON urls(job, id) WHERE state = 0;"
	"CREATE TABLE pages("
	" id INTEGER PRIMARY KEY,"
	" job INTEGER NOT NULL REFERENCES jobs(id),"
	" url_id INTEGER NOT NULL UNIQUE REFERENCES urls(id),"
	" final_url TEXT, status INTEGER, depth INTEGER, fetched_at INTEGER,"
	" content_type TEXT, bytes INTEGER, elapsed_ms INTEGER,"
	" etag TEXT, last_modified TEXT, content_hash INTEGER,"
	" title TEXT, description TEXT, canonical TEXT,"
	" links BLOB, fields TEXT, error TEXT, body BLOB);"
	"CREATE INDEX pages_job ON pages(job, id);";

/* Version 2: items, what extraction rules made of pages.  One row per
 * item, written in the transaction that stores its page (so exactly once);
 * FIELDS is the JSON object of the item's fields, ERROR is NULL for a valid
 * item or says which required field was missing. */
static const char schema_v2[] =
	"CREATE TABLE items("
	" id INTEGER PRIMARY KEY,"
	" job INTEGER NOT NULL REFERENCES jobs(id),"
	" url_id INTEGER NOT NULL REFERENCES urls(id),"
	" extractor TEXT NOT NULL,"
	" fields TEXT NOT NULL,"
	" error TEXT);"
	"CREATE INDEX items_job ON items(job, extractor, id);";

/* Version 3: robots.txt kept across jobs, sitemaps per job, and the
 * lastmod a sitemap gave a URL.
 *  - robots: one row per origin ("scheme://host[:port]" as normalized URLs
 *    spell it), shared by every job of the file: the answer's time (ms
 *    since the epoch) and HTTP status, the body (at most 500 KiB, 2xx
 *    only) and the Sitemap: URLs it lists, one a line.  Only answers that
 *    decide the rules are kept (2xx, 3xx, 4xx but 429).
 *  - sitemaps: each sitemap a job fetches, once: its depth below what
 *    named it (0: the config or a robots.txt; 1.. : a sitemap index), its
 *    state (queued 0, done 1, failed 2, skipped 3), and what came of it.
 *  - urls.lastmod: the sitemap's lastmod of the URL, as written.
 *  - pages.noindex: the page asked not to be indexed (<meta name=robots>
 *    or X-Robots-Tag): its row keeps the fetch (status, sizes, times) but
 *    not its content, it has no items, and exports leave it out.
 *  - jobs.cookies: the job's cookie jar with "cookies" on, Netscape lines
 *    (crawler/cookies.h), written in the batch transaction of the results
 *    that set them; NULL when the job never kept cookies. */
static const char schema_v3[] =
	"CREATE TABLE robots("
	" origin TEXT PRIMARY KEY,"
	" fetched_at INTEGER NOT NULL,"
	" status INTEGER NOT NULL,"
	" body BLOB,"
	" sitemaps TEXT);"
	"CREATE TABLE sitemaps("
	" id INTEGER PRIMARY KEY,"
	" job INTEGER NOT NULL REFERENCES jobs(id),"
	" url TEXT NOT NULL,"
	" depth INTEGER NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0,"
	" fetched_at INTEGER, status INTEGER, kind TEXT, urls INTEGER,"
	" error TEXT,"
	" UNIQUE(job, url));"
	"ALTER TABLE urls ADD COLUMN lastmod TEXT;"
	"ALTER TABLE pages ADD COLUMN noindex INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN cookies TEXT;";

enum stmt_id {
	ST_URL_ADD,
	ST_URL_DEPTH,
	ST_URL_QUEUED,
	ST_URL_STATE,
	ST_PAGE_ADD,
	ST_URL_SKIP,
	ST_URL_RETRY,
	ST_ITEM_ADD,
	ST_URL_LASTMOD,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_URL_ADD] = "INSERT INTO urls(job, fp, url, depth, parent, state, reason)"
		       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		       " ON CONFLICT(job, fp) DO NOTHING",
	[ST_URL_DEPTH] = "UPDATE urls SET depth = ?3"
			 " WHERE job = ?1 AND fp = ?2 AND state = 0 AND depth > ?3",
	[ST_URL_QUEUED] = "SELECT id, fp, url, depth, attempts, next_at FROM urls"
			  " WHERE job = ?1 AND state = 0 AND id > ?2 ORDER BY id LIMIT ?3",
	[ST_URL_STATE] = "UPDATE urls SET state = ?2, attempts = attempts + 1 WHERE id = ?1",
	[ST_PAGE_ADD] = "INSERT INTO pages(job, url_id, final_url, status, depth,"
			" fetched_at, content_type, bytes, elapsed_ms, etag, last_modified,"
			" content_hash, title, description, canonical, links, fields, error, body,"
			" noindex)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
			" ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
			" ON CONFLICT(url_id) DO NOTHING",
	[ST_URL_SKIP] = "UPDATE urls SET state = 3, reason = ?2 WHERE id = ?1",
	[ST_URL_RETRY] = "UPDATE urls SET attempts = ?2, next_at = ?3 WHERE id = ?1",
	[ST_ITEM_ADD] = "INSERT INTO items(job, url_id, extractor, fields, error)"
			" VALUES(?1, ?2, ?3, ?4, ?5)",
	[ST_URL_LASTMOD] = "UPDATE urls SET lastmod = ?3 WHERE job = ?1 AND fp = ?2",
};

/* The checkpointer: a thread with its own connection that copies the WAL
 * back into the database every CKPT_MS.  The writer runs with
 * wal_autocheckpoint off, so the copying and its fsync never stall the
 * coordinator's loop (measured: ~0.45 s of a 9 s crawl of 20,000 pages).
 * It touches nothing but its own connection.
 *
 * The coordinator forks workers while it runs, and a child gets only the
 * forking thread: had the checkpointer been inside SQLite or malloc at
 * that moment, the child would inherit their locks held forever.  So the
 * thread holds ck->mu whenever it is not asleep, and a pthread_atfork()
 * handler takes ck->mu around every fork: a fork happens only while the
 * thread sleeps in pthread_cond_timedwait(), holding nothing. */
#define CKPT_MS 250

struct ckpt {
	pthread_t th;
	/* Its connection.  Kept here, not on the thread's stack, so that a
	 * worker forked while the thread runs holds it reachable: the child
	 * never uses it, and leak checkers then do not count it as lost. */
	sqlite3 *db;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, started, ready;
	char *path;
};

struct store {
	sqlite3 *db;
	char *path;
	enum store_mode mode;
	bool in_tx;
	sqlite3_stmt *st[ST_COUNT];
	struct ckpt ck;
};

const char *url_state_name(int state)
{
	static const char *const names[] = { "queued", "done", "failed", "skipped" };
	return state >= 0 && state < 4 ? names[state] : "unknown";
}

/* Why a write to the database at PATH may have failed, when SQLite's
 * errno is gone by the time it reports: the file size limit (ulimit -f)
 * reached, or the file system full.  NULL if neither. */
static const char *write_limit(const char *path)
{
	struct rlimit rl;
	struct statvfs vfs;
	struct stat st;
	char *wal = xasprintf("%s-wal", path);
	off_t biggest = 0;
	const char *why = NULL;

	if (stat(path, &st) == 0)
		biggest = st.st_size;
	if (stat(wal, &st) == 0 && st.st_size > biggest)
		biggest = st.st_size;
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)biggest + 65536 >= rl.rlim_cur)
		why = "file size limit";
	else if (statvfs(path, &vfs) == 0 &&
		 (unsigned long long)vfs.f_bavail * vfs.f_frsize < 1024 * 1024)
		why = "disk full";
	free(wal);
	return why;
}

static int db_fail(struct store *s, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	int err = sqlite3_system_errno(s->db);

	/* A failed write says why in errno: name the cause a person can fix. */
	if ((code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_FULL) {
		if (err == ENOSPC || err == EDQUOT || (code & 0xff) == SQLITE_FULL) {
			log_error("%s: disk full while %s; free space and run the "
				  "same command again to resume", s->path, what);
			return -1;
		}
		const char *lim = err ? NULL : write_limit(s->path);
		if (lim && strcmp(lim, "disk full") == 0)
			err = ENOSPC;
		if (lim && strcmp(lim, "file size limit") == 0)
			err = EFBIG;
		if (err == ENOSPC) {
			log_error("%s: disk full while %s; free space and run the "
				  "same command again to resume", s->path, what);
			return -1;
		}
		if (err == EFBIG) {
			log_error("%s: file size limit reached while %s (ulimit -f); "
				  "raise it and run the same command again to resume",
				  s->path, what);
			return -1;
		}
		if (err == EROFS) {
			log_error("%s: the file system became read-only while %s; "
				  "remount it writable and run the same command again "
				  "to resume", s->path, what);
			return -1;
		}
	}
	switch (code & 0xff) {
	case SQLITE_NOTADB:
		log_error("%s is not a SQLite database; give --db the path of a "
			  "trawl database or of a new file", s->path);
		break;
	case SQLITE_READONLY:
		log_error("%s is read-only (%s); make it writable, or crawl into "
			  "another --db", s->path, sqlite3_errmsg(s->db));
		break;
	case SQLITE_FULL:
		log_error("%s: disk full while %s; free space and run the same "
			  "command again to resume", s->path, what);
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_error("%s is locked by another process (%s); wait for it to "
			  "finish", s->path, what);
		break;
	default:
		log_error("%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	}
	return -1;
}

static int exec(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, what);
	return 0;
}

/* Reads one integer with SQL; -1 and logs on failure. */
static int query_int(struct store *s, const char *sql, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "reading the schema");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(s, "reading the schema");
	}
	*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int migrate(struct store *s)
{
	int64_t app, version, tables;

	if (query_int(s, "PRAGMA application_id", &app) < 0 ||
	    query_int(s, "PRAGMA user_version", &version) < 0 ||
	    query_int(s, "SELECT count(*) FROM sqlite_master", &tables) < 0)
		return -1;
	if (app == APP_ID && version == SCHEMA_VERSION)
		return 0;
	if (app == APP_ID && version > SCHEMA_VERSION) {
		log_error("%s has schema version %lld, newer than this trawl "
			  "knows (%d); use a newer trawl", s->path,
			  (long long)version, SCHEMA_VERSION);
		return -1;
	}
	if (app != APP_ID && tables > 0) {
		log_error("%s is a SQLite database but not trawl's; give --db "
			  "the path of a trawl database or of a new file", s->path);
		return -1;
	}
	if (s->mode == STORE_RO && app == APP_ID && version > 0) {
		log_error("%s was written by an older trawl (schema version "
			  "%lld); run 'trawl crawl' on it once to upgrade it",
			  s->path, (long long)version);
		return -1;
	}
	if (s->mode == STORE_RO) {
		log_error("%s holds no trawl data yet; crawl into it first", s->path);
		return -1;
	}
	if (exec(s, "BEGIN IMMEDIATE", "creating the schema") < 0)
		return -1;
	if (version < 1 && exec(s, schema_v1, "creating the schema") < 0)
		goto fail;
	if (version < 2 && exec(s, schema_v2, "adding the items table") < 0)
		goto fail;
	if (version < 3 && exec(s, schema_v3, "adding the robots and sitemaps tables") < 0)
		goto fail;
	/* Later versions: if (version < 4) ALTER ... here, in order. */
	if (exec(s, "PRAGMA application_id = 1953658732;"
		    "PRAGMA user_version = 3", "creating the schema") < 0 ||
	    exec(s, "COMMIT", "creating the schema") < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void *ckpt_main(void *arg)
{
	struct ckpt *ck = arg;
	struct timespec ts;

	pthread_mutex_lock(&ck->mu);
	if (sqlite3_open_v2(ck->path, &ck->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		log_warn("%s: checkpointer cannot open the database (%s); the "
			 "WAL file will grow until the crawl ends", ck->path,
			 ck->db ? sqlite3_errmsg(ck->db) : "out of memory");
		sqlite3_close(ck->db);
		ck->db = NULL;
		ck->stop = true;
	}
	ck->ready = true;
	pthread_cond_broadcast(&ck->cv);
	while (!ck->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += CKPT_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ck->cv, &ck->mu, &ts);
		if (ck->stop)
			break;
		/* PASSIVE: copies what no reader needs, never waits for the
		 * writer, never blocks it. */
		sqlite3_wal_checkpoint_v2(ck->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	sqlite3_close(ck->db);
	ck->db = NULL;
	pthread_mutex_unlock(&ck->mu);
	return NULL;
}

static struct ckpt *ckpt_active; /* the one whose thread runs, for fork */

static void ckpt_prefork(void)
{
	if (ckpt_active)
		pthread_mutex_lock(&ckpt_active->mu);
}

static void ckpt_postfork(void)
{
	if (ckpt_active)
		pthread_mutex_unlock(&ckpt_active->mu);
}

static void ckpt_start(struct store *s)
{
	static bool registered;
	struct ckpt *ck = &s->ck;

	if (ckpt_active) {
		/* One checkpointer per process; a second store checkpoints
		 * itself, as SQLite does by default. */
		sqlite3_exec(s->db, "PRAGMA wal_autocheckpoint = 1000", NULL, NULL, NULL);
		return;
	}
	if (!registered) {
		pthread_atfork(ckpt_prefork, ckpt_postfork, ckpt_postfork);
		registered = true;
	}
	pthread_mutex_init(&ck->mu, NULL);
	pthread_cond_init(&ck->cv, NULL);
	ck->path = xstrdup(s->path);
	if (pthread_create(&ck->th, NULL, ckpt_main, ck) != 0) {
		/* Without the thread, SQLite checkpoints in the writer itself. */
		sqlite3_exec(s->db, "PRAGMA wal_autocheckpoint = 1000", NULL, NULL, NULL);
		return;
	}
	ck->started = true;
	ckpt_active = ck;
	/* Not before it sleeps: the thread's start-up allocates too. */
	pthread_mutex_lock(&ck->mu);
	while (!ck->ready)
		pthread_cond_wait(&ck->cv, &ck->mu);
	pthread_mutex_unlock(&ck->mu);
}

static void ckpt_stop(struct store *s)
{
	struct ckpt *ck = &s->ck;

	if (!ck->path)
		return;
	if (ck->started) {
		pthread_mutex_lock(&ck->mu);
		ck->stop = true;
		pthread_cond_signal(&ck->cv);
		pthread_mutex_unlock(&ck->mu);
		pthread_join(ck->th, NULL);
		ckpt_active = NULL;
	}
	pthread_cond_destroy(&ck->cv);
	pthread_mutex_destroy(&ck->mu);
	free(ck->path);
	ck->path = NULL;
}

struct store *store_open(const char *path, enum store_mode mode)
{
	struct store *s = xcalloc(1, sizeof *s);
	int flags, i;
	char *dir = NULL;

	s->path = xstrdup(path);
	s->mode = mode;
	if (mode == STORE_RO) {
		if (access(path, F_OK) < 0) {
			log_error("%s: no such database; crawl first, or give "
				  "--db the path of an existing one", path);
			goto fail;
		}
		flags = SQLITE_OPEN_READONLY;
	} else {
		char *tmp = xstrdup(path);
		dir = xstrdup(dirname(tmp));
		free(tmp);
		if (access(path, F_OK) == 0 && access(path, W_OK) < 0) {
			log_error("%s is read-only (%s); make it writable, or crawl "
				  "into another --db", path, strerror(errno));
			goto fail;
		}
		if (access(dir, W_OK) < 0) {
			log_error("%s: cannot write in directory %s (%s); pick a "
				  "--db in a writable directory", path, dir,
				  strerror(errno));
			goto fail;
		}
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	}
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_error("%s: cannot open: %s", path,
			  s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	/* A read first: a file that is not a database fails here, untouched. */
	{
		int64_t v;
		if (query_int(s, "PRAGMA application_id", &v) < 0)
			goto fail;
	}
	if (mode == STORE_RW) {
		if (exec(s, "PRAGMA journal_mode = WAL", "switching to WAL") < 0 ||
		    exec(s, "PRAGMA synchronous = NORMAL;"
			    "PRAGMA temp_store = MEMORY;"
			    "PRAGMA cache_size = -32768;" "PRAGMA wal_autocheckpoint = 0;"
			    "PRAGMA foreign_keys = OFF", "configuring") < 0)
			goto fail;
	}
	if (migrate(s) < 0)
		goto fail;
	if (mode == STORE_RW) {
		for (i = 0; i < ST_COUNT; i++)
			if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
					       SQLITE_PREPARE_PERSISTENT, &s->st[i],
					       NULL) != SQLITE_OK) {
				db_fail(s, "preparing statements");
				goto fail;
			}
	}
	if (mode == STORE_RW)
		ckpt_start(s);
	free(dir);
	return s;
fail:
	free(dir);
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	int i;

	if (!s)
		return;
	if (s->in_tx)
		store_commit(s);
	ckpt_stop(s);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int store_begin(struct store *s)
{
	if (s->in_tx)
		return 0;
	if (exec(s, "BEGIN IMMEDIATE", "starting a transaction") < 0)
		return -1;
	s->in_tx = true;
	return 0;
}

int store_commit(struct store *s)
{
	if (!s->in_tx)
		return 0;
	if (exec(s, "COMMIT", "committing") < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = false;
		return -1;
	}
	s->in_tx = false;
	return 0;
}

bool store_in_tx(const struct store *s)
{
	return s->in_tx;
}

/* Runs a prepared statement to completion and resets it. */
static int step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, what);
	return 0;
}

/* True if PID is a running trawl process other than this one. */
static bool pid_is_live_trawl(long pid)
{
	char path[64], buf[4096];
	FILE *f;
	size_t n;

	if (pid <= 0 || pid == (long)getpid())
		return false;
	if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
		return false;
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return true; /* alive, cannot tell what it is: be safe */
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Arguments are NUL-separated; trawl may run under a wrapper
	 * (valgrind, nice) whose own name comes first. */
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return strstr(buf, "trawl") != NULL;
}

int store_job_claim(struct store *s, const char *name, const char *config,
		    int64_t *job, bool *resumed)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;
	long pid = 0;
	int64_t now = wall_ms();

	if (store_begin(s) < 0)
		return -1;
	if (sqlite3_prepare_v2(s->db, "SELECT id, pid FROM jobs WHERE name = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*job = sqlite3_column_int64(st, 0);
		pid = (long)sqlite3_column_int64(st, 1);
		*resumed = true;
	} else if (rc == SQLITE_DONE) {
		*resumed = false;
	} else {
		goto dbfail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (*resumed && pid_is_live_trawl(pid)) {
		log_error("job \"%s\" in %s is being crawled by process %ld; wait "
			  "for it to finish or stop it (kill %ld)", name, s->path,
			  pid, pid);
		goto out;
	}
	if (*resumed) {
		if (sqlite3_prepare_v2(s->db, "UPDATE jobs SET pid = ?2, state = 'running',"
				       " started_at = ?3, config = ?4 WHERE id = ?1",
				       -1, &st, NULL) != SQLITE_OK)
			goto dbfail;
		sqlite3_bind_int64(st, 1, *job);
	} else {
		if (sqlite3_prepare_v2(s->db, "INSERT INTO jobs(pid, started_at, config,"
				       " name, state, created_at)"
				       " VALUES(?2, ?3, ?4, ?5, 'running', ?3)",
				       -1, &st, NULL) != SQLITE_OK)
			goto dbfail;
		sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 2, getpid());
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, config, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dbfail;
	if (!*resumed)
		*job = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	st = NULL;
	ret = store_commit(s);
	goto out_nocommit;
dbfail:
	db_fail(s, "claiming the job");
out:
	sqlite3_finalize(st);
	st = NULL;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = false;
out_nocommit:
	sqlite3_finalize(st);
	return ret;
}

int store_job_release(struct store *s, int64_t job, const char *state)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_commit(s) < 0)
		return -1;
	if (sqlite3_prepare_v2(s->db, "UPDATE jobs SET state = ?2, pid = 0,"
			       " finished_at = ?3 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "releasing the job");
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wall_ms());
	ret = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, "releasing the job");
	sqlite3_finalize(st);
	return ret;
}

int store_job_cookies(struct store *s, int64_t job, char **text, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*text = NULL;
	*len = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT cookies FROM jobs WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "reading the job's cookies");
	sqlite3_bind_int64(st, 1, job);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*text = xstrndup((const char *)sqlite3_column_text(st, 0), *len);
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_fail(s, "reading the job's cookies");
	}
	sqlite3_finalize(st);
	return 0;
}

int store_job_set_cookies(struct store *s, int64_t job, const char *text,
			  size_t len)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (sqlite3_prepare_v2(s->db, "UPDATE jobs SET cookies = ?2 WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "storing the job's cookies");
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_text(st, 2, text ? text : "", (int)len, SQLITE_STATIC);
	ret = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, "storing the job's cookies");
	sqlite3_finalize(st);
	return ret;
}

int store_job_find(struct store *s, const char *name, struct job_info *ji)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0, ret = -1;
	char *names = NULL;

	memset(ji, 0, sizeof *ji);
	if (sqlite3_prepare_v2(s->db, name ?
			       "SELECT id, name, state, pid FROM jobs WHERE name = ?1" :
			       "SELECT id, name, state, pid FROM jobs ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "finding the job");
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *nm = (const char *)sqlite3_column_text(st, 1);
		char *more = xasprintf("%s%s\"%s\"", names ? names : "",
				       names ? ", " : "", nm);
		free(names);
		names = more;
		if (n++ == 0) {
			ji->id = sqlite3_column_int64(st, 0);
			ji->name = xstrdup(nm);
			ji->state = xstrdup((const char *)sqlite3_column_text(st, 2));
			ji->pid = (long)sqlite3_column_int64(st, 3);
		}
	}
	if (rc != SQLITE_DONE) {
		db_fail(s, "finding the job");
		goto out;
	}
	if (n == 0) {
		if (name)
			log_error("%s has no job \"%s\"; `trawl status --db %s` "
				  "lists the jobs", s->path, name, s->path);
		else
			log_error("%s has no jobs yet; crawl first", s->path);
		goto out;
	}
	if (n > 1) {
		log_error("%s holds several jobs (%s); choose one with --job",
			  s->path, names);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		store_job_info_release(ji);
	free(names);
	sqlite3_finalize(st);
	return ret;
}

void store_job_info_release(struct job_info *ji)
{
	if (!ji)
		return;
	free(ji->name);
	free(ji->state);
	ji->name = ji->state = NULL;
}

int store_url_add(struct store *s, int64_t job, uint64_t fp, const char *url,
		  int depth, int64_t parent, int state, const char *reason,
		  int64_t *id)
{
	sqlite3_stmt *st = s->st[ST_URL_ADD];

	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, (int64_t)fp);
	sqlite3_bind_text(st, 3, url, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, depth);
	if (parent > 0)
		sqlite3_bind_int64(st, 5, parent);
	sqlite3_bind_int(st, 6, state);
	if (reason)
		sqlite3_bind_text(st, 7, reason, -1, SQLITE_STATIC);
	if (step_done(s, st, "adding a URL") < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	*id = sqlite3_last_insert_rowid(s->db);
	return 1;
}

int store_url_skip(struct store *s, int64_t id, const char *reason)
{
	sqlite3_stmt *st = s->st[ST_URL_SKIP];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	return step_done(s, st, "skipping a URL");
}

int store_url_retry(struct store *s, int64_t id, int attempts, int64_t next_at)
{
	sqlite3_stmt *st = s->st[ST_URL_RETRY];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, attempts);
	sqlite3_bind_int64(st, 3, next_at);
	return step_done(s, st, "scheduling a retry");
}

int store_url_set_depth(struct store *s, int64_t job, uint64_t fp, int depth)
{
	sqlite3_stmt *st = s->st[ST_URL_DEPTH];

	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, (int64_t)fp);
	sqlite3_bind_int(st, 3, depth);
	return step_done(s, st, "updating a URL's depth");
}

long store_url_queued(struct store *s, int64_t job, int64_t after, long limit,
		      void (*fn)(void *arg, const struct url_row *r), void *arg)
{
	sqlite3_stmt *st = s->st[ST_URL_QUEUED];
	struct url_row r;
	long n = 0;
	int rc;

	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.fp = (uint64_t)sqlite3_column_int64(st, 1);
		r.url = (const char *)sqlite3_column_text(st, 2);
		r.depth = sqlite3_column_int(st, 3);
		r.attempts = sqlite3_column_int(st, 4);
		r.next_at = sqlite3_column_int64(st, 5);
		r.state = URL_QUEUED;
		fn(arg, &r);
		n++;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, "reading queued URLs");
	return n;
}

int store_url_all(struct store *s, int64_t job,
		  void (*fn)(void *arg, const struct url_row *r), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct url_row r;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT id, fp, depth, state, url FROM urls WHERE job = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "reading URLs");
	sqlite3_bind_int64(st, 1, job);
	memset(&r, 0, sizeof r);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.fp = (uint64_t)sqlite3_column_int64(st, 1);
		r.depth = sqlite3_column_int(st, 2);
		r.state = sqlite3_column_int(st, 3);
		r.url = (const char *)sqlite3_column_text(st, 4);
		fn(arg, &r);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, "reading URLs");
	return 0;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int store_page_add(struct store *s, int64_t job, const struct page_rec *p,
		   int state)
{
	sqlite3_stmt *st = s->st[ST_PAGE_ADD];
	bool stored;

	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, p->url_id);
	bind_text_or_null(st, 3, p->final_url);
	sqlite3_bind_int(st, 4, p->status);
	sqlite3_bind_int(st, 5, p->depth);
	sqlite3_bind_int64(st, 6, p->fetched_at);
	bind_text_or_null(st, 7, p->content_type);
	sqlite3_bind_int64(st, 8, p->bytes);
	sqlite3_bind_int64(st, 9, p->elapsed_ms);
	bind_text_or_null(st, 10, p->etag);
	bind_text_or_null(st, 11, p->last_modified);
	sqlite3_bind_int64(st, 12, (int64_t)p->content_hash);
	bind_text_or_null(st, 13, p->title);
	bind_text_or_null(st, 14, p->description);
	bind_text_or_null(st, 15, p->canonical);
	if (p->links)
		sqlite3_bind_blob(st, 16, p->links, (int)p->links_len, SQLITE_STATIC);
	bind_text_or_null(st, 17, p->fields);
	bind_text_or_null(st, 18, p->error);
	if (p->body)
		sqlite3_bind_blob(st, 19, p->body, (int)p->body_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 20, p->noindex);
	if (step_done(s, st, "storing a page") < 0)
		return -1;
	stored = sqlite3_changes(s->db) > 0;
	st = s->st[ST_URL_STATE];
	sqlite3_bind_int64(st, 1, p->url_id);
	sqlite3_bind_int(st, 2, state);
	if (step_done(s, st, "updating a URL's state") < 0)
		return -1;
	return stored ? 1 : 0;
}

int store_item_add(struct store *s, int64_t job, const struct item_rec *it)
{
	sqlite3_stmt *st = s->st[ST_ITEM_ADD];

	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, it->url_id);
	sqlite3_bind_text(st, 3, it->extractor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, it->fields, -1, SQLITE_STATIC);
	bind_text_or_null(st, 5, it->error);
	return step_done(s, st, "storing an item");
}

int64_t store_page_count(struct store *s, int64_t job)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM pages WHERE job = ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		db_fail(s, "counting pages");
		return -1;
	}
	sqlite3_bind_int64(st, 1, job);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		db_fail(s, "counting pages");
	sqlite3_finalize(st);
	return n;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* The filter's conditions on pages P, taking parameters ?2..?5 (?6, the
 * extractor, is for the item queries; OUTCOME_COL is the error column the
 * outcome filter looks at). */
#define FILTER_SQL(outcome_col) \
	" AND (?2 = 0 OR p.fetched_at >= ?2)" \
	" AND (?3 = 0 OR p.status BETWEEN ?3 AND ?4)" \
	" AND (?5 = 0 OR (?5 = 1) = (" outcome_col " IS NULL))"

static void bind_filter(sqlite3_stmt *st, const struct store_filter *f)
{
	static const struct store_filter none;

	if (!f)
		f = &none;
	sqlite3_bind_int64(st, 2, f->since);
	sqlite3_bind_int(st, 3, f->status_min);
	sqlite3_bind_int(st, 4, f->status_max);
	sqlite3_bind_int(st, 5, (int)f->outcome);
	bind_text_or_null(st, 6, f->extractor);
}

int store_page_each(struct store *s, int64_t job, const struct store_filter *f,
		    int (*fn)(void *arg, const struct page_rec *p), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct page_rec p;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT u.url, j.name, p.final_url, p.status, p.depth,"
			       " p.fetched_at, p.content_type, p.bytes, p.elapsed_ms,"
			       " p.title, p.description, p.canonical, p.links, p.fields,"
			       " p.error, p.url_id, p.etag, p.last_modified, p.content_hash"
			       " FROM pages p JOIN urls u ON u.id = p.url_id"
			       " JOIN jobs j ON j.id = p.job WHERE p.job = ?1"
			       " AND p.noindex = 0"
			       FILTER_SQL("p.error") " ORDER BY p.id",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "reading pages");
	sqlite3_bind_int64(st, 1, job);
	bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&p, 0, sizeof p);
		p.url = col_text(st, 0);
		p.job_name = col_text(st, 1);
		p.final_url = col_text(st, 2);
		p.status = sqlite3_column_int(st, 3);
		p.depth = sqlite3_column_int(st, 4);
		p.fetched_at = sqlite3_column_int64(st, 5);
		p.content_type = col_text(st, 6);
		p.bytes = sqlite3_column_int64(st, 7);
		p.elapsed_ms = sqlite3_column_int64(st, 8);
		p.title = col_text(st, 9);
		p.description = col_text(st, 10);
		p.canonical = col_text(st, 11);
		p.links = sqlite3_column_blob(st, 12);
		p.links_len = (size_t)sqlite3_column_bytes(st, 12);
		p.fields = col_text(st, 13);
		p.error = col_text(st, 14);
		p.url_id = sqlite3_column_int64(st, 15);
		p.etag = col_text(st, 16);
		p.last_modified = col_text(st, 17);
		p.content_hash = (uint64_t)sqlite3_column_int64(st, 18);
		if (fn(arg, &p) < 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(s, "reading pages");
	sqlite3_finalize(st);
	return ret;
}

int store_item_each(struct store *s, int64_t job, const struct store_filter *f,
		    int (*fn)(void *arg, const struct item_rec *it), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct item_rec it;
	int rc, ret = 0;

	/* Both forms read the items in id order without sorting them (a sort
	 * of a million rows cost more than the rest of the query): one
	 * extractor's through the index on (job, extractor, id), all of
	 * them by scanning the table ("+i.job" keeps the index out). */
#define ITEM_SQL(job_cond) \
	"SELECT i.id, i.url_id, i.extractor, i.fields, i.error," \
	" u.url, j.name, p.fetched_at" \
	" FROM items i JOIN urls u ON u.id = i.url_id" \
	" JOIN pages p ON p.url_id = i.url_id" \
	" JOIN jobs j ON j.id = i.job" \
	" WHERE " job_cond FILTER_SQL("i.error") " ORDER BY i.id"
	if (sqlite3_prepare_v2(s->db, f && f->extractor ?
			       ITEM_SQL("i.job = ?1 AND i.extractor = ?6") :
			       ITEM_SQL("+i.job = ?1 AND ?6 IS NULL"),
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "reading items");
	sqlite3_bind_int64(st, 1, job);
	bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		it.id = sqlite3_column_int64(st, 0);
		it.url_id = sqlite3_column_int64(st, 1);
		it.extractor = col_text(st, 2);
		it.fields = col_text(st, 3);
		it.error = col_text(st, 4);
		it.url = col_text(st, 5);
		it.job_name = col_text(st, 6);
		it.fetched_at = sqlite3_column_int64(st, 7);
		if (fn(arg, &it) < 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(s, "reading items");
	sqlite3_finalize(st);
	return ret;
}

int store_job_counts(struct store *s, int64_t job, struct job_counts *c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(c, 0, sizeof *c);
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, "reading counts");
	if (sqlite3_prepare_v2(s->db, "SELECT state, count(*) FROM urls WHERE job = ?1"
			       " GROUP BY state", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, job);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int state = sqlite3_column_int(st, 0);
		if (state >= 0 && state < 4)
			c->by_state[state] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "SELECT status, count(*), sum(error IS NOT NULL),"
			       " sum(noindex)"
			       " FROM pages WHERE job = ?1 GROUP BY status ORDER BY status",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, job);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(st, 1);
		c->pages += n;
		c->errors += sqlite3_column_int64(st, 2);
		c->noindex += sqlite3_column_int64(st, 3);
		if (c->nhttp < sizeof c->http / sizeof c->http[0]) {
			c->http[c->nhttp].status = sqlite3_column_int(st, 0);
			c->http[c->nhttp].n = n;
			c->nhttp++;
		}
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "SELECT extractor, count(*), sum(error IS NOT NULL)"
			       " FROM items WHERE job = ?1 GROUP BY extractor ORDER BY extractor",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, job);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(st, 1), bad = sqlite3_column_int64(st, 2);
		c->items += n;
		c->invalid_items += bad;
		if (c->nextractors < sizeof c->extractors / sizeof c->extractors[0]) {
			snprintf(c->extractors[c->nextractors].name,
				 sizeof c->extractors[0].name, "%s", col_text(st, 0));
			c->extractors[c->nextractors].n = n;
			c->extractors[c->nextractors].invalid = bad;
			c->nextractors++;
		}
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return 0;
fail:
	db_fail(s, "reading counts");
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_url_set_lastmod(struct store *s, int64_t job, uint64_t fp,
			  const char *lastmod)
{
	sqlite3_stmt *st = s->st[ST_URL_LASTMOD];

	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, (int64_t)fp);
	bind_text_or_null(st, 3, lastmod);
	return step_done(s, st, "recording a URL's lastmod");
}

/* ---- robots.txt and sitemaps: a few statements per host or sitemap,
 * prepared when used ---- */

void store_robots_rec_release(struct robots_rec *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->sitemaps);
	r->body = r->sitemaps = NULL;
	r->body_len = 0;
}

int store_robots_get(struct store *s, const char *origin, struct robots_rec *r)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	memset(r, 0, sizeof *r);
	if (sqlite3_prepare_v2(s->db, "SELECT fetched_at, status, body, sitemaps"
			       " FROM robots WHERE origin = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "reading a stored robots.txt");
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 2);
		size_t n = (size_t)sqlite3_column_bytes(st, 2);
		const char *sm = col_text(st, 3);

		r->fetched_at = sqlite3_column_int64(st, 0);
		r->status = sqlite3_column_int(st, 1);
		r->body = xmalloc(n + 1);
		if (n)
			memcpy(r->body, b, n);
		r->body[n] = '\0';
		r->body_len = n;
		r->sitemaps = sm ? xstrdup(sm) : NULL;
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		db_fail(s, "reading a stored robots.txt");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_robots_put(struct store *s, const char *origin,
		     const struct robots_rec *r)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO robots(origin,"
			       " fetched_at, status, body, sitemaps)"
			       " VALUES(?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "storing a robots.txt");
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->fetched_at);
	sqlite3_bind_int(st, 3, r->status);
	if (r->body)
		sqlite3_bind_blob(st, 4, r->body, (int)r->body_len, SQLITE_STATIC);
	bind_text_or_null(st, 5, r->sitemaps);
	ret = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, "storing a robots.txt");
	sqlite3_finalize(st);
	return ret;
}

int store_sitemap_add(struct store *s, int64_t job, const char *url, int depth)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO sitemaps(job, url, depth)"
			       " VALUES(?1, ?2, ?3) ON CONFLICT(job, url) DO NOTHING",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "adding a sitemap");
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, depth);
	ret = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(s->db) > 0
					      : db_fail(s, "adding a sitemap");
	sqlite3_finalize(st);
	return ret;
}

int store_sitemap_done(struct store *s, int64_t job, const char *url, int state,
		       int status, const char *kind, long nurls, const char *error)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (sqlite3_prepare_v2(s->db, "UPDATE sitemaps SET state = ?3, status = ?4,"
			       " kind = ?5, urls = ?6, error = ?7, fetched_at = ?8"
			       " WHERE job = ?1 AND url = ?2", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "recording a sitemap");
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, state);
	sqlite3_bind_int(st, 4, status);
	bind_text_or_null(st, 5, kind);
	sqlite3_bind_int64(st, 6, nurls);
	bind_text_or_null(st, 7, error);
	sqlite3_bind_int64(st, 8, wall_ms());
	ret = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, "recording a sitemap");
	sqlite3_finalize(st);
	return ret;
}

long store_sitemap_queued(struct store *s, int64_t job,
			  void (*fn)(void *arg, const char *url, int depth),
			  void *arg)
{
	sqlite3_stmt *st = NULL;
	int64_t total = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT url, depth, state FROM sitemaps"
			       " WHERE job = ?1 ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, "reading sitemaps");
	sqlite3_bind_int64(st, 1, job);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		total++;
		if (sqlite3_column_int(st, 2) == URL_QUEUED)
			fn(arg, col_text(st, 0), sqlite3_column_int(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, "reading sitemaps");
	return (long)total;
}
