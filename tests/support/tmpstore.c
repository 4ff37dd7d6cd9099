/*
 * tmpstore.c - a fresh database with a claimed job for unit tests (see
 * tmpstore.h).  Runs in the test process, once per test.
 */
#include "tmpstore.h"

#include "store.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static void open_store(struct tmpstore *t)
{
	bool resumed;

	t->st = store_open(t->path, STORE_RW);
	cr_assert_not_null(t->st, "store_open %s", t->path);
	cr_assert_eq(store_job_claim(t->st, "test", "{}", &t->job, &resumed),
		     0);
}

void tmpstore_init(struct tmpstore *t, const char *name)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/%s.XXXXXX", name);
	cr_assert_not_null(mkdtemp(t->dir), "mkdtemp");
	snprintf(t->path, sizeof t->path, "%s/trawl.db", t->dir);
	open_store(t);
}

void tmpstore_reopen(struct tmpstore *t)
{
	store_close(t->st);
	open_store(t);
}

void tmpstore_release(struct tmpstore *t)
{
	char p[PATH_MAX + 8];

	store_close(t->st);
	t->st = NULL;
	if (!t->dir[0])
		return;
	unlink(t->path);
	snprintf(p, sizeof p, "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", t->path);
	unlink(p);
	rmdir(t->dir);
}
