/*
 * test_export.c - storage/export.c over a real store, and `trawl export` /
 * `trawl status` on the command line.
 *
 * Pages: the record shape DESIGN.md gives (keys, their order, their types),
 * bytes equal to a jansson-built reference record, links, fields, times in
 * ISO 8601 UTC, repair of invalid UTF-8.  Items and links: their records in
 * every format.  CSV: exact bytes for commas, quotes, CR, LF and non-ASCII.
 * Filters and their parsers (with the messages for bad values), gzip,
 * atomic replacement of the output file, and an item's fields checked
 * against jansson as a reference model over random and mutated texts.
 * External acceptance: jq and Python's json and csv modules read every
 * export back (they must be installed: `make deps`).
 *
 * Each test builds its database in its own mkdtemp() directory under /tmp.
 */
#include "export.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "proc.h"
#include "store.h"
#include "url.h"
#include "utf8.h"

static char dir[] = "/tmp/test_export.XXXXXX";
static char dbpath[PATH_MAX], outpath[PATH_MAX];
static struct store *st;
static int64_t job;

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char p[PATH_MAX + 256];

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", path, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

static void setup(void)
{
	bool resumed;

	cr_assert_not_null(mkdtemp(dir), "mkdtemp");
	snprintf(dbpath, sizeof dbpath, "%s/trawl.db", dir);
	snprintf(outpath, sizeof outpath, "%s/out.json", dir);
	st = store_open(dbpath, STORE_RW);
	cr_assert_not_null(st);
	cr_assert_eq(store_job_claim(st, "docs", "{}", &job, &resumed), 0);
}

static void teardown(void)
{
	store_close(st);
	rm_tree(dir);
}

TestSuite(export, .init = setup, .fini = teardown, .timeout = 20);

static const char *const keys[] = {
	"job", "url", "final_url", "status", "depth", "fetched_at",
	"content_type", "bytes", "elapsed_ms", "title", "description",
	"canonical", "links", "fields", "error",
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* Adds URL as queued and returns its id. */
static int64_t add_url(const char *u, int depth)
{
	int64_t id = 0;

	cr_assert_eq(store_url_add(st, job, url_fingerprint(u, strlen(u)), u, depth,
				   0, URL_QUEUED, NULL, &id), 1);
	return id;
}

/* A fetched page with sensible values; the test changes what it needs. */
static struct page_rec page(int64_t id, const char *u)
{
	static const char links[] = "a\0b\0";
	struct page_rec p;

	memset(&p, 0, sizeof p);
	p.url_id = id;
	p.final_url = u;
	p.status = 200;
	p.depth = 1;
	p.fetched_at = 1795302000000LL; /* 2026-11-21T23:00:00Z */
	p.content_type = "text/html";
	p.bytes = 18234;
	p.elapsed_ms = 12;
	p.title = "A";
	p.description = "...";
	p.canonical = NULL;
	p.links = links;
	p.links_len = sizeof links - 1;
	return p;
}

static void store_page(const struct page_rec *p, int state)
{
	cr_assert_eq(store_page_add(st, job, p, state), 1);
}

/* Reads the whole of PATH; caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* Parses every line of a JSON Lines file; returns an array of them. */
static json_t *load_jsonl(const char *path)
{
	char *text = slurp(path, NULL), *line, *save = NULL;
	json_t *all = json_array();
	json_error_t err;

	cr_assert(text[0] == '\0' || text[strlen(text) - 1] == '\n',
		  "every record ends its line");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &err);
		cr_assert_not_null(o, "line %zu: %s: %s", json_array_size(all) + 1,
				   err.text, line);
		cr_assert(json_is_object(o), "line %zu is not an object", json_array_size(all) + 1);
		json_array_append_new(all, o);
	}
	free(text);
	return all;
}

static json_t *load_json(const char *path)
{
	json_error_t err;
	json_t *a = json_load_file(path, JSON_REJECT_DUPLICATES, &err);

	cr_assert_not_null(a, "%s:%d:%d: %s", path, err.line, err.column, err.text);
	cr_assert(json_is_array(a), "-f json writes one array");
	return a;
}

static void expect_shape(json_t *o)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	/* jansson keeps keys in the order they were read. */
	json_object_foreach(o, k, v) {
		cr_assert_lt(i, NKEYS, "extra key %s", k);
		cr_expect_str_eq(k, keys[i], "key %zu", i);
		i++;
	}
	cr_expect_eq(i, NKEYS, "%zu keys, want %zu", i, NKEYS);
	cr_expect(json_is_string(json_object_get(o, "job")));
	cr_expect(json_is_string(json_object_get(o, "url")));
	cr_expect(json_is_string(json_object_get(o, "final_url")) ||
		  json_is_null(json_object_get(o, "final_url")));
	cr_expect(json_is_integer(json_object_get(o, "status")));
	cr_expect(json_is_integer(json_object_get(o, "depth")));
	cr_expect(json_is_string(json_object_get(o, "fetched_at")));
	cr_expect(json_is_integer(json_object_get(o, "bytes")));
	cr_expect(json_is_integer(json_object_get(o, "elapsed_ms")));
	cr_expect(json_is_array(json_object_get(o, "links")));
	cr_expect(json_is_object(json_object_get(o, "fields")));
	json_array_foreach(json_object_get(o, "links"), i, v)
		cr_expect(json_is_string(v), "link %zu is a string", i);
	{
		static const char *const str_or_null[] = {
			"content_type", "title", "description", "canonical", "error",
		};
		for (i = 0; i < sizeof str_or_null / sizeof str_or_null[0]; i++) {
			json_t *x = json_object_get(o, str_or_null[i]);
			cr_expect(json_is_string(x) || json_is_null(x), "%s", str_or_null[i]);
		}
	}
}

static const char *sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_int_t iget(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

Test(export, writes_design_record_as_json_lines)
{
	int64_t id = add_url("http://127.0.0.1:8080/a.html", 1);
	struct page_rec p = page(id, "http://127.0.0.1:8080/a.html");
	json_t *all, *o, *links;

	store_page(&p, URL_DONE);
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 1);
	all = load_jsonl(outpath);
	cr_assert_eq(json_array_size(all), 1);
	o = json_array_get(all, 0);
	expect_shape(o);
	cr_expect_str_eq(sget(o, "job"), "docs");
	cr_expect_str_eq(sget(o, "url"), "http://127.0.0.1:8080/a.html");
	cr_expect_str_eq(sget(o, "final_url"), "http://127.0.0.1:8080/a.html");
	cr_expect_eq(iget(o, "status"), 200);
	cr_expect_eq(iget(o, "depth"), 1);
	cr_expect_str_eq(sget(o, "fetched_at"), "2026-11-21T23:00:00Z");
	cr_expect_str_eq(sget(o, "content_type"), "text/html");
	cr_expect_eq(iget(o, "bytes"), 18234);
	cr_expect_eq(iget(o, "elapsed_ms"), 12);
	cr_expect_str_eq(sget(o, "title"), "A");
	cr_expect_str_eq(sget(o, "description"), "...");
	cr_expect(json_is_null(json_object_get(o, "canonical")));
	links = json_object_get(o, "links");
	cr_assert_eq(json_array_size(links), 2);
	cr_expect_str_eq(json_string_value(json_array_get(links, 0)), "a");
	cr_expect_str_eq(json_string_value(json_array_get(links, 1)), "b");
	cr_expect_eq(json_object_size(json_object_get(o, "fields")), 0);
	cr_expect(json_is_null(json_object_get(o, "error")));
	json_decref(all);
}

Test(export, writes_nulls_for_missing_values)
{
	int64_t id = add_url("http://h.com/x", 0);
	struct page_rec p = page(id, NULL);
	json_t *all, *o;

	p.title = p.description = p.content_type = NULL;
	p.links = NULL;
	p.links_len = 0;
	store_page(&p, URL_DONE);
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 1);
	all = load_jsonl(outpath);
	o = json_array_get(all, 0);
	expect_shape(o);
	cr_expect(json_is_null(json_object_get(o, "title")), "null for missing title");
	cr_expect(json_is_null(json_object_get(o, "description")));
	cr_expect(json_is_null(json_object_get(o, "content_type")));
	cr_expect(json_is_null(json_object_get(o, "final_url")));
	cr_expect_eq(json_array_size(json_object_get(o, "links")), 0);
	json_decref(all);
}

Test(export, writes_failed_fetch_with_error)
{
	int64_t id = add_url("http://h.com/slow", 2);
	struct page_rec p = page(id, "http://h.com/slow");
	json_t *all, *o;

	p.status = 0;
	p.title = NULL;
	p.links = NULL;
	p.links_len = 0;
	p.error = "timeout";
	store_page(&p, URL_FAILED);
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 1);
	all = load_jsonl(outpath);
	o = json_array_get(all, 0);
	expect_shape(o);
	cr_expect_eq(iget(o, "status"), 0);
	cr_expect_str_eq(sget(o, "error"), "timeout");
	json_decref(all);
}

Test(export, keeps_extracted_fields_as_object)
{
	int64_t id = add_url("http://h.com/f", 0);
	struct page_rec p = page(id, "http://h.com/f");
	json_t *all, *f;

	p.fields = "{\"price\": 12.5, \"tags\": [\"x\", \"y\"]}";
	store_page(&p, URL_DONE);
	id = add_url("http://h.com/g", 0);
	p = page(id, "http://h.com/g");
	p.fields = "not json {";
	store_page(&p, URL_DONE);
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 2);
	all = load_jsonl(outpath);
	f = json_object_get(json_array_get(all, 0), "fields");
	cr_assert(json_is_object(f));
	cr_expect(json_real_value(json_object_get(f, "price")) == 12.5);
	cr_expect_eq(json_array_size(json_object_get(f, "tags")), 2);
	f = json_object_get(json_array_get(all, 1), "fields");
	cr_expect(json_is_object(f), "broken fields text still gives an object");
	json_decref(all);
}

Test(export, writes_fetched_at_in_utc)
{
	static const struct {
		long long ms;
		const char *iso;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ 1000000000999LL, "2001-09-09T01:46:40Z" },
		{ 1795302000000LL, "2026-11-21T23:00:00Z" },
		{ 1709164800000LL, "2024-02-29T00:00:00Z" },
	};
	char u[64];
	size_t i;
	json_t *all;

	/* Whatever the local zone says. */
	setenv("TZ", "America/New_York", 1);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct page_rec p;
		snprintf(u, sizeof u, "http://h.com/%zu", i);
		p = page(add_url(u, 0), u);
		p.fetched_at = cases[i].ms;
		store_page(&p, URL_DONE);
	}
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 4);
	all = load_jsonl(outpath);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_str_eq(sget(json_array_get(all, i), "fetched_at"), cases[i].iso);
	json_decref(all);
}

Test(export, repairs_invalid_utf8_in_stored_strings)
{
	static const char links[] = "http://h.com/\xff\0http://h.com/ok\0";
	int64_t id = add_url("http://h.com/bad", 0);
	struct page_rec p = page(id, "http://h.com/bad");
	json_t *all, *o;
	char *text;
	size_t len;

	p.title = "Caf\xe9 \xc3\xa9 \xed\xa0\x80!";
	p.description = "\xc3";
	p.links = links;
	p.links_len = sizeof links - 1;
	store_page(&p, URL_DONE);
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 1);
	text = slurp(outpath, &len);
	cr_expect(utf8_valid(text, len), "the whole output is valid UTF-8");
	free(text);
	all = load_jsonl(outpath);
	o = json_array_get(all, 0);
	expect_shape(o);
	cr_expect_str_eq(sget(o, "title"),
			 "Caf\xef\xbf\xbd \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
	cr_expect_str_eq(sget(o, "description"), "\xef\xbf\xbd");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(o, "links"), 0)),
			 "http://h.com/\xef\xbf\xbd");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(o, "links"), 1)),
			 "http://h.com/ok");
	json_decref(all);
}

Test(export, writes_one_record_per_page_in_fetch_order)
{
	char u[64];
	int i;
	json_t *all;

	for (i = 0; i < 50; i++) {
		struct page_rec p;
		snprintf(u, sizeof u, "http://h.com/%d", i);
		p = page(add_url(u, i % 3), u);
		p.depth = i % 3;
		store_page(&p, URL_DONE);
	}
	/* A queued URL has no page: not exported. */
	add_url("http://h.com/never-fetched", 1);
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 50);
	all = load_jsonl(outpath);
	cr_assert_eq(json_array_size(all), 50);
	for (i = 0; i < 50; i++) {
		snprintf(u, sizeof u, "http://h.com/%d", i);
		cr_expect_str_eq(sget(json_array_get(all, (size_t)i), "url"), u);
		cr_expect_eq(iget(json_array_get(all, (size_t)i), "depth"), i % 3);
	}
	json_decref(all);
}

Test(export, exports_only_the_given_job)
{
	int64_t other;
	bool resumed;
	struct page_rec p;
	json_t *all;

	p = page(add_url("http://h.com/mine", 0), "http://h.com/mine");
	store_page(&p, URL_DONE);
	cr_assert_eq(store_job_claim(st, "other", "{}", &other, &resumed), 0);
	cr_assert_neq(other, job);
	{
		int64_t id = 0;
		cr_assert_eq(store_url_add(st, other, 7, "http://h.com/theirs", 0, 0,
					   URL_QUEUED, NULL, &id), 1);
		p = page(id, "http://h.com/theirs");
		cr_assert_eq(store_page_add(st, other, &p, URL_DONE), 1);
	}
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 1);
	all = load_jsonl(outpath);
	cr_assert_eq(json_array_size(all), 1);
	cr_expect_str_eq(sget(json_array_get(all, 0), "url"), "http://h.com/mine");
	cr_expect_str_eq(sget(json_array_get(all, 0), "job"), "docs");
	json_decref(all);
}

Test(export, json_format_writes_one_array)
{
	char u[64];
	int i;
	json_t *a;
	size_t k;

	for (i = 0; i < 3; i++) {
		struct page_rec p;
		snprintf(u, sizeof u, "http://h.com/%d", i);
		p = page(add_url(u, 1), u);
		store_page(&p, URL_DONE);
	}
	cr_assert_eq(export_pages(st, job, EXPORT_JSON, outpath), 3);
	a = load_json(outpath);
	cr_assert_eq(json_array_size(a), 3);
	for (k = 0; k < 3; k++) {
		expect_shape(json_array_get(a, k));
		snprintf(u, sizeof u, "http://h.com/%zu", k);
		cr_expect_str_eq(sget(json_array_get(a, k), "url"), u);
	}
	json_decref(a);
}

Test(export, json_format_with_no_pages_is_empty_array)
{
	json_t *a;
	char *text;

	add_url("http://h.com/queued-only", 0);
	cr_assert_eq(export_pages(st, job, EXPORT_JSON, outpath), 0);
	a = load_json(outpath);
	cr_expect_eq(json_array_size(a), 0);
	json_decref(a);
	text = slurp(outpath, NULL);
	cr_expect(strncmp(text, "[]", 2) == 0, "%s", text);
	free(text);
}

Test(export, jsonl_with_no_pages_is_empty_file)
{
	size_t len = 99;
	char *text;

	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 0);
	text = slurp(outpath, &len);
	cr_expect_eq(len, 0);
	free(text);
}

Test(export, writes_to_stdout_without_path)
{
	struct page_rec p = page(add_url("http://h.com/", 0), "http://h.com/");
	char cap[PATH_MAX + 16];
	int fd, saved;
	long n;
	json_t *all;

	store_page(&p, URL_DONE);
	snprintf(cap, sizeof cap, "%s/stdout.txt", dir);
	fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	n = export_pages(st, job, EXPORT_JSONL, NULL);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	cr_assert_eq(n, 1);
	all = load_jsonl(cap);
	cr_expect_eq(json_array_size(all), 1);
	json_decref(all);
}

Test(export, parses_format_names)
{
	enum export_format f = EXPORT_JSON;

	cr_expect_eq(export_format_parse("jsonl", &f), 0);
	cr_expect_eq(f, EXPORT_JSONL);
	cr_expect_eq(export_format_parse("json", &f), 0);
	cr_expect_eq(f, EXPORT_JSON);
	cr_expect_eq(export_format_parse("csv", &f), 0);
	cr_expect_eq(f, EXPORT_CSV);
	cr_expect_eq(export_format_parse("ndjson", &f), 0);
	cr_expect_eq(f, EXPORT_JSONL);
	cr_expect_eq(export_format_parse("xml", &f), -1);
	cr_expect_eq(export_format_parse("", &f), -1);
	cr_expect_eq(export_format_parse("CSV", &f), -1);
}

/* Names in DIR other than the database's and NAME. */
static int stray_files(const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		const char *s = de->d_name;
		if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
		    strncmp(s, "trawl.db", 8) == 0 || (name && strcmp(s, name) == 0))
			continue;
		cr_log_warn("stray file %s", s);
		n++;
	}
	closedir(d);
	return n;
}

Test(export, leaves_no_temporary_file)
{
	struct page_rec p = page(add_url("http://h.com/", 0), "http://h.com/");

	store_page(&p, URL_DONE);
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 1);
	cr_expect_eq(stray_files("out.json"), 0);
	cr_assert_eq(export_pages(st, job, EXPORT_JSON, outpath), 1);
	cr_expect_eq(stray_files("out.json"), 0);
}

Test(export, replaces_output_by_rename_so_readers_see_old_or_complete)
{
	struct page_rec p = page(add_url("http://h.com/", 0), "http://h.com/");
	char oldlink[PATH_MAX + 8];
	FILE *f;
	char *text;
	json_t *all;

	store_page(&p, URL_DONE);
	/* An earlier export, and a second name for its inode: a reader that
	 * has the old file open. */
	f = fopen(outpath, "w");
	cr_assert_not_null(f);
	fputs("OLD EXPORT\n", f);
	fclose(f);
	snprintf(oldlink, sizeof oldlink, "%s/old", dir);
	cr_assert_eq(link(outpath, oldlink), 0);
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 1);
	text = slurp(oldlink, NULL);
	cr_expect_str_eq(text, "OLD EXPORT\n",
			 "the old file was never truncated or written into");
	free(text);
	all = load_jsonl(outpath);
	cr_expect_eq(json_array_size(all), 1);
	json_decref(all);
	unlink(oldlink);
}

Test(export, failed_export_leaves_old_file_and_no_temporary)
{
	struct page_rec p = page(add_url("http://h.com/", 0), "http://h.com/");
	char target[PATH_MAX + 8], inside[PATH_MAX + 16];
	FILE *f;

	store_page(&p, URL_DONE);
	/* The target is a non-empty directory: the final rename fails. */
	snprintf(target, sizeof target, "%s/target", dir);
	cr_assert_eq(mkdir(target, 0700), 0);
	snprintf(inside, sizeof inside, "%s/keep", target);
	f = fopen(inside, "w");
	cr_assert_not_null(f);
	fputs("keep", f);
	fclose(f);
	cr_expect_eq(export_pages(st, job, EXPORT_JSONL, target), -1);
	cr_expect_eq(stray_files("target"), 0, "temporary file removed");
	cr_expect_eq(access(inside, F_OK), 0);
}

Test(export, fails_for_unwritable_directory)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof p, "%s/no/such/dir/out.json", dir);
	cr_expect_eq(export_pages(st, job, EXPORT_JSONL, p), -1);
	cr_expect_eq(stray_files(NULL), 0);
}

/* ---- items, links, CSV, filters, gzip: helpers ------------------------ */

#define T0 1795302000000LL /* 2026-11-21T23:00:00Z */
#define HOUR 3600000LL

/* Stores a fetched page of URL U; returns its URL id. */
static int64_t add_page(const char *u, int status, const char *error, int64_t at)
{
	struct page_rec p = page(add_url(u, 1), u);

	p.status = status;
	p.error = error;
	p.fetched_at = at;
	store_page(&p, error ? URL_FAILED : URL_DONE);
	return p.url_id;
}

static void add_item(int64_t url_id, const char *extractor, const char *fields,
		     const char *error)
{
	struct item_rec it;

	memset(&it, 0, sizeof it);
	it.url_id = url_id;
	it.extractor = extractor;
	it.fields = fields;
	it.error = error;
	cr_assert_eq(store_item_add(st, job, &it), 0);
}

/* export_run() of WHAT in FMT to PATH, filtered by F (NULL: all). */
static long run_export(enum export_what what, enum export_format fmt,
		       const char *path, const struct store_filter *f)
{
	struct export_opts o;

	memset(&o, 0, sizeof o);
	o.what = what;
	o.fmt = fmt;
	o.path = path;
	if (f)
		o.filter = *f;
	return export_run(st, job, &o);
}

/* NAME in the test's directory; one of 8 rotating buffers. */
static const char *tpath(const char *name)
{
	static char bufs[8][PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
	return b;
}

/* Files in the test's directory named like an export's temporary. */
static int temp_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp.")) {
			cr_log_warn("temporary file left: %s", de->d_name);
			n++;
		}
	closedir(d);
	return n;
}

static int err_saved = -1;

/* Sends stderr to a file until err_end(), which returns what was
 * written (caller frees). */
static void err_begin(void)
{
	int fd;

	fflush(stderr);
	err_saved = dup(STDERR_FILENO);
	fd = open(tpath("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static char *err_end(void)
{
	const char *p = tpath("stderr.txt");
	char *text;

	dup2(err_saved, STDERR_FILENO);
	close(err_saved);
	err_saved = -1;
	text = slurp(p, NULL);
	unlink(p);
	return text;
}

/* Each record's KEY (for items, "id" is the "id" of its fields), joined
 * by spaces: what an export with filter F holds. */
static char *values_of(enum export_what what, const struct store_filter *f,
		       const char *key)
{
	json_t *all, *rec, *v;
	size_t i;
	char *out = xstrdup(""), *more;

	cr_assert_geq(run_export(what, EXPORT_JSONL, outpath, f), 0);
	all = load_jsonl(outpath);
	json_array_foreach(all, i, rec) {
		v = strcmp(key, "id") == 0 ?
		    json_object_get(json_object_get(rec, "fields"), "id") :
		    json_object_get(rec, key);
		cr_assert(json_is_string(v), "record %zu has no string %s", i, key);
		more = xasprintf("%s%s%s", out, *out ? " " : "", json_string_value(v));
		free(out);
		out = more;
	}
	json_decref(all);
	return out;
}

#define expect_values(what, f, key, want) do { \
		char *got_ = values_of((what), (f), (key)); \
		cr_expect_str_eq(got_, (want), "%s: got \"%s\", want \"%s\"", #f, got_, (want)); \
		free(got_); \
	} while (0)

/* A filter from --status S and --since SINCE (NULL: none) for WHAT. */
static struct store_filter filt(enum export_what what, const char *status,
				const char *since, const char *extractor)
{
	struct store_filter f;

	memset(&f, 0, sizeof f);
	if (status)
		cr_assert_eq(export_status_parse(status, what, &f), 0, "--status %s", status);
	if (since)
		cr_assert_eq(export_since_parse(since, T0, &f.since), 0, "--since %s", since);
	f.extractor = extractor;
	return f;
}

/* ---- items ------------------------------------------------------------- */

static const char *const item_keys[] = {
	"job", "extractor", "url", "fetched_at", "fields", "error",
};

Test(export, items_jsonl_record_has_its_page_and_verbatim_fields)
{
	static const char f1[] =
		"{\"name\":\"Lamp\",\"price\":12.5,\"tags\":[\"a\",\"b\"],"
		"\"dims\":{\"w\":1,\"h\":[2,3]},\"stock\":true,\"note\":null}";
	static const char f2[] = "{\"name\":\"B\\\"q\\\"\"}";
	int64_t a = add_page("http://h.com/a", 200, NULL, T0 + 999);
	json_t *all, *o, *want;
	char *text;
	const char *k;
	size_t i;

	add_item(a, "product", f1, NULL);
	add_item(a, "product", f2, "required field \"price\" is missing");
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_JSONL, outpath, NULL), 2);
	text = slurp(outpath, NULL);
	/* Spliced as stored: the same bytes. */
	cr_expect(strstr(text, f1) != NULL, "fields verbatim: %s", text);
	cr_expect(strstr(text, f2) != NULL, "fields verbatim: %s", text);
	free(text);
	all = load_jsonl(outpath);
	cr_assert_eq(json_array_size(all), 2);
	json_array_foreach(all, i, o) {
		size_t n = 0;
		json_t *v;
		json_object_foreach(o, k, v) {
			cr_assert_lt(n, 6, "extra key %s", k);
			cr_expect_str_eq(k, item_keys[n], "key %zu of item %zu", n, i);
			n++;
		}
		cr_expect_eq(n, 6);
		cr_expect_str_eq(sget(o, "job"), "docs");
		cr_expect_str_eq(sget(o, "extractor"), "product");
		cr_expect_str_eq(sget(o, "url"), "http://h.com/a");
		cr_expect_str_eq(sget(o, "fetched_at"), "2026-11-21T23:00:00Z");
		want = json_loads(i == 0 ? f1 : f2, 0, NULL);
		cr_expect(json_equal(json_object_get(o, "fields"), want), "fields of item %zu", i);
		json_decref(want);
	}
	cr_expect(json_is_null(json_object_get(json_array_get(all, 0), "error")));
	cr_expect_str_eq(sget(json_array_get(all, 1), "error"),
			 "required field \"price\" is missing");
	json_decref(all);
}

Test(export, items_json_array_and_empty_outputs)
{
	int64_t a = add_page("http://h.com/a", 200, NULL, T0);
	json_t *arr;
	char *text;
	size_t len;

	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_JSON, outpath, NULL), 0);
	text = slurp(outpath, NULL);
	cr_expect_str_eq(text, "[]\n");
	free(text);
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_JSONL, outpath, NULL), 0);
	text = slurp(outpath, &len);
	cr_expect_eq(len, 0);
	free(text);
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_CSV, outpath, NULL), 0);
	text = slurp(outpath, NULL);
	cr_expect_str_eq(text, "_url,_extractor,_fetched_at,_error\r\n");
	free(text);

	add_item(a, "p", "{\"n\":1}", NULL);
	add_item(a, "p", "{\"n\":2}", NULL);
	add_item(a, "p", "{\"n\":3}", NULL);
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_JSON, outpath, NULL), 3);
	arr = load_json(outpath);
	cr_assert_eq(json_array_size(arr), 3);
	for (len = 0; len < 3; len++)
		cr_expect_eq(json_integer_value(json_object_get(
			json_object_get(json_array_get(arr, len), "fields"), "n")),
			(json_int_t)len + 1, "items in insertion order");
	json_decref(arr);
}

Test(export, items_csv_has_field_columns_then_metadata_exactly)
{
	int64_t a = add_page("http://h.com/a?x=1,2", 200, NULL, T0);
	int64_t b = add_page("http://h.com/b", 404, NULL, T0 + HOUR);
	char *text;

	add_item(a, "product",
		 "{\"name\":\"Widget, large\",\"price\":12.5,\"in_stock\":true,"
		 "\"tags\":[\"a\",\"b\"],\"note\":null}", NULL);
	add_item(b, "offer",
		 "{\"price\":3,\"name\":\"Say \\\"hi\\\"\\nbye\",\"color\":\"\xc3\xa9\\r\","
		 "\"dims\":{\"w\":1},\"n\":-0.5e-3,\"esc\":\"tab\\there \\u00e9\\/\"}",
		 "price, \"bad\"");
	/* A name given twice: the last value, as JSON readers take it. */
	add_item(a, "product", "{\"n\":1,\"n\":2}", NULL);
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_CSV, outpath, NULL), 3);
	text = slurp(outpath, NULL);
	cr_expect_str_eq(text,
		"name,price,in_stock,tags,note,color,dims,n,esc,_url,_extractor,_fetched_at,_error\r\n"
		"\"Widget, large\",12.5,true,\"[\"\"a\"\",\"\"b\"\"]\",,,,,,\"http://h.com/a?x=1,2\","
		"product,2026-11-21T23:00:00Z,\r\n"
		"\"Say \"\"hi\"\"\nbye\",3,,,,\"\xc3\xa9\r\",\"{\"\"w\"\":1}\",-0.5e-3,"
		"tab\there \xc3\xa9/,http://h.com/b,offer,2026-11-22T00:00:00Z,\"price, \"\"bad\"\"\"\r\n"
		",,,,,,,2,,\"http://h.com/a?x=1,2\",product,2026-11-21T23:00:00Z,\r\n");
	free(text);
}

Test(export, csv_of_items_with_an_extractor_filter_has_only_their_columns)
{
	int64_t a = add_page("http://h.com/a", 200, NULL, T0);
	struct store_filter f = filt(EXPORT_ITEMS, NULL, NULL, "offer");
	char *text;

	add_item(a, "product", "{\"sku\":\"1\"}", NULL);
	add_item(a, "offer", "{\"price\":2}", NULL);
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_CSV, outpath, &f), 1);
	text = slurp(outpath, NULL);
	cr_expect_str_eq(text, "price,_url,_extractor,_fetched_at,_error\r\n"
			 "2,http://h.com/a,offer,2026-11-21T23:00:00Z,\r\n");
	free(text);
}

Test(export, items_with_invalid_utf8_come_out_valid)
{
	int64_t a = add_page("http://h.com/caf\xe9", 200, NULL, T0);
	json_t *all, *o;
	char *text;
	size_t len;

	add_item(a, "ex\xff", "{\"name\":\"caf\xe9\",\"k\xc3\":[\"\xed\xa0\x80\"]}", "bad \xc3");
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_JSONL, outpath, NULL), 1);
	text = slurp(outpath, &len);
	cr_expect(utf8_valid(text, len), "the whole output is valid UTF-8: %s", text);
	free(text);
	all = load_jsonl(outpath);
	o = json_array_get(all, 0);
	cr_expect_str_eq(sget(o, "extractor"), "ex\xef\xbf\xbd");
	cr_expect_str_eq(sget(o, "url"), "http://h.com/caf\xef\xbf\xbd");
	cr_expect_str_eq(sget(o, "error"), "bad \xef\xbf\xbd");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(o, "fields"), "name")),
			 "caf\xef\xbf\xbd");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(
		json_object_get(o, "fields"), "k\xef\xbf\xbd"), 0)),
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(all);
	/* CSV too: the header and the cells. */
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_CSV, outpath, NULL), 1);
	text = slurp(outpath, &len);
	cr_expect(utf8_valid(text, len), "CSV is valid UTF-8: %s", text);
	cr_expect_str_eq(text, "name,k\xef\xbf\xbd,_url,_extractor,_fetched_at,_error\r\n"
			 "caf\xef\xbf\xbd,\"[\"\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"\"]\","
			 "http://h.com/caf\xef\xbf\xbd,ex\xef\xbf\xbd,2026-11-21T23:00:00Z,"
			 "bad \xef\xbf\xbd\r\n");
	free(text);
}

Test(export, items_with_fields_that_are_no_json_object_get_an_object)
{
	static const char *const bad[] = {
		"not json {", "[1,2]", "", "{\"a\":1}{", "{\"a\":01}", "{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}",
		"{\"a\":\"x\ty\"}", "{\"a\":1,}", "\"s\"",
	};
	int64_t a = add_page("http://h.com/a", 200, NULL, T0);
	json_t *all, *o, *f;
	size_t i;
	char *err;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		add_item(a, "p", bad[i], NULL);
	/* Valid JSON over several lines: put on one line. */
	add_item(a, "p", "{\n  \"a\": [1,\r\n 2],\n  \"b\": \"x\"\n}\n", NULL);
	err_begin();
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_JSONL, outpath, NULL),
		     (long)(sizeof bad / sizeof bad[0]) + 1);
	err = err_end();
	cr_expect(strstr(err, "11 items had fields that are not a JSON object"),
		  "a warning counts them: %s", err);
	free(err);
	all = load_jsonl(outpath);
	cr_assert_eq(json_array_size(all), sizeof bad / sizeof bad[0] + 1);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f = json_object_get(json_array_get(all, i), "fields");
		cr_expect(json_is_object(f) && json_object_size(f) == 0,
			  "fields text \"%s\" gives {}", bad[i]);
	}
	o = json_object_get(json_array_get(all, i), "fields");
	f = json_loads("{\"a\":[1,2],\"b\":\"x\"}", 0, NULL);
	cr_expect(json_equal(o, f), "multi-line fields kept, on one line");
	json_decref(f);
	json_decref(all);
}

/* ---- an item's fields against jansson as the reference ---------------- */

static unsigned rs = 20261122;

static unsigned rnd(unsigned n)
{
	rs = rs * 1103515245u + 12345u;
	return (rs >> 8) % n;
}

static json_t *rand_string(bool key)
{
	static const char *const bits[] = {
		"a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\x01", "\x1f",
		"\x7f", "\xc3\xa9", "\xe6\x9d\xb1", "\xf0\x9f\x98\x80", "\xe2\x80\xa8",
		",", ":", "{", "}", "[", "]", "\\u", "\0",
	};
	char buf[64];
	size_t len = 0, i, n = rnd(6), nb = sizeof bits / sizeof bits[0];

	for (i = 0; i < n; i++) {
		size_t b = rnd((unsigned)(key ? nb - 1 : nb)); /* no NUL in keys */
		size_t l = b == nb - 1 ? 1 : strlen(bits[b]);
		memcpy(buf + len, bits[b], l);
		len += l;
	}
	return json_stringn(buf, len);
}

static json_t *rand_value(int depth)
{
	static const double reals[] = { 0.5, -3.25, 12.75, 100.0, 0.001, -0.0 };
	json_t *v;
	unsigned i, n;

	switch (rnd(depth > 2 ? 6 : 8)) {
	case 0: return rand_string(false);
	case 1: return json_integer((json_int_t)rnd(200) - 100);
	case 2: return json_real(reals[rnd(6)]);
	case 3: return json_true();
	case 4: return json_false();
	case 5: return json_null();
	case 6:
		v = json_array();
		for (i = 0, n = rnd(4); i < n; i++)
			json_array_append_new(v, rand_value(depth + 1));
		return v;
	default:
		v = json_object();
		for (i = 0, n = rnd(4); i < n; i++) {
			json_t *k = rand_string(true);
			json_object_setn_new(v, json_string_value(k), json_string_length(k),
					     rand_value(depth + 1));
			json_decref(k);
		}
		return v;
	}
}

/* A random object as jansson writes it; caller frees. */
static char *rand_fields(void)
{
	json_t *o = json_object(), *k;
	unsigned i, n = rnd(6);
	char *text;

	for (i = 0; i < n; i++) {
		k = rand_string(true);
		json_object_setn_new(o, json_string_value(k), json_string_length(k),
				     rand_value(1));
		json_decref(k);
	}
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

/* TEXT with 1 to 3 bytes replaced, deleted or inserted; caller frees. */
static char *mutate(const char *text)
{
	static const char alphabet[] = "\"\\{}[]:, \nu0e-.tnfa/\x01\xff\xc3\xa9";
	size_t len = strlen(text), i, n = 1 + rnd(3);
	char *t = malloc(len + 8);

	memcpy(t, text, len + 1);
	for (i = 0; i < n; i++) {
		size_t at = len ? rnd((unsigned)len) : 0;
		char c = alphabet[rnd(sizeof alphabet - 1)];
		switch (rnd(3)) {
		case 0:
			if (len)
				t[at] = c;
			break;
		case 1:
			if (len) {
				memmove(t + at, t + at + 1, len - at);
				len--;
			}
			break;
		default:
			memmove(t + at + 1, t + at, len - at + 1);
			t[at] = c;
			len++;
		}
	}
	return t;
}

/* What an item's fields must come out as: the object jansson reads from
 * TEXT (invalid UTF-8 replaced first), or {}. */
static json_t *reference_fields(const char *text)
{
	json_t *j = json_loads(text, JSON_ALLOW_NUL, NULL);
	char *clean;

	if (json_is_object(j))
		return j;
	json_decref(j);
	clean = utf8_clean(text, strlen(text));
	j = json_loads(clean, JSON_ALLOW_NUL, NULL);
	free(clean);
	if (json_is_object(j))
		return j;
	json_decref(j);
	return json_object();
}

Test(export, item_fields_match_jansson_over_random_and_mutated_texts, .timeout = 120)
{
	enum { N = 1500 };
	int64_t a = add_page("http://h.com/a", 200, NULL, T0);
	char *texts[2 * N], *out;
	json_t *all, *want, *got;
	size_t i, len, verbatim = 0;
	json_error_t err;

	cr_assert_eq(store_begin(st), 0);
	for (i = 0; i < N; i++) {
		texts[2 * i] = rand_fields();
		texts[2 * i + 1] = mutate(texts[2 * i]);
		add_item(a, "r", texts[2 * i], NULL);
		add_item(a, "r", texts[2 * i + 1], NULL);
	}
	cr_assert_eq(store_commit(st), 0);
	err_begin();
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_JSONL, outpath, NULL), 2 * N);
	free(err_end());
	out = slurp(outpath, &len);
	cr_assert(utf8_valid(out, len), "valid UTF-8");
	free(out);
	all = json_array();
	{
		char *text = slurp(outpath, NULL), *line, *save = NULL;
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			json_t *o = json_loads(line, JSON_ALLOW_NUL, &err);
			cr_assert_not_null(o, "line %zu: %s: %s", json_array_size(all) + 1,
					   err.text, line);
			json_array_append_new(all, o);
		}
		free(text);
	}
	cr_assert_eq(json_array_size(all), 2 * N, "one line per item");
	out = slurp(outpath, NULL);
	for (i = 0; i < 2 * N; i++) {
		want = reference_fields(texts[i]);
		got = json_object_get(json_array_get(all, i), "fields");
		cr_expect(json_equal(got, want), "item %zu: fields text %s", i, texts[i]);
		json_decref(want);
		/* What jansson wrote is spliced as it is. */
		if (i % 2 == 0 && i < 200)
			verbatim += strstr(out, texts[i]) != NULL;
		free(texts[i]);
	}
	cr_expect_eq(verbatim, 100, "%zu of 100 jansson-written texts verbatim", verbatim);
	free(out);
	json_decref(all);
}

/* ---- pages: bytes as the jansson-built export wrote them -------------- */

static json_t *ref_str(const char *s)
{
	json_t *j;
	char *fixed;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	fixed = utf8_clean(s, strlen(s));
	j = json_string(fixed);
	free(fixed);
	return j;
}

/* The page record built with jansson, as export.c did before it wrote
 * records itself; caller frees. */
static char *reference_page(const struct page_rec *p, const char *url)
{
	json_t *o = json_object(), *links = json_array(), *fields = NULL;
	const char *l = p->links, *end = p->links ? p->links + p->links_len : NULL;
	char iso[32];
	time_t t = (time_t)(p->fetched_at / 1000);
	struct tm tm;
	char *text;

	gmtime_r(&t, &tm);
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "job", ref_str("docs"));
	json_object_set_new(o, "url", ref_str(url));
	json_object_set_new(o, "final_url", ref_str(p->final_url));
	json_object_set_new(o, "status", json_integer(p->status));
	json_object_set_new(o, "depth", json_integer(p->depth));
	json_object_set_new(o, "fetched_at", json_string(iso));
	json_object_set_new(o, "content_type", ref_str(p->content_type));
	json_object_set_new(o, "bytes", json_integer(p->bytes));
	json_object_set_new(o, "elapsed_ms", json_integer(p->elapsed_ms));
	json_object_set_new(o, "title", ref_str(p->title));
	json_object_set_new(o, "description", ref_str(p->description));
	json_object_set_new(o, "canonical", ref_str(p->canonical));
	while (l && l < end) {
		size_t n = strnlen(l, (size_t)(end - l));
		if (n > 0 && l + n < end)
			json_array_append_new(links, ref_str(l));
		l += n + 1;
	}
	json_object_set_new(o, "links", links);
	if (p->fields)
		fields = json_loads(p->fields, 0, NULL);
	json_object_set_new(o, "fields", json_is_object(fields) ? json_incref(fields) :
			    json_object());
	json_decref(fields);
	json_object_set_new(o, "error", ref_str(p->error));
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

Test(export, page_records_are_the_bytes_jansson_writes)
{
	static const char links[] = "http://h.com/\"q\"\0\0http://h.com/\xe6\x9d\xb1\0"
				    "http://h.com/\xff\0unterminated";
	static const char *const titles[] = {
		"plain", "quote \" back \\ slash /", "ctl \x01\x1f\x7f tab\t nl\n cr\r",
		"caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80 \xe2\x80\xa8",
		"bad \xff\xfe \xc3 \xed\xa0\x80 \xf4\x90\x80\x80", "", NULL,
	};
	static const char *const fields[] = {
		NULL, "{}", "{\"price\": 12.5, \"tags\": [\"x\", \"y\"], \"o\": {}}",
		"not json", "{\"s\":\"\\u00e9\\n\",\"n\":0.1}", "[1]", "{\"a\":1}",
	};
	char u[64], *text, *line, *save = NULL, *want[7];
	size_t i;
	int64_t ms[] = { 0, 1000000000999LL, T0, -1500, 1709164800000LL, T0 + 1, 253402300799000LL };

	for (i = 0; i < 7; i++) {
		struct page_rec p;
		snprintf(u, sizeof u, "http://h.com/%zu?q=\"%zu\"", i, i);
		p = page(add_url(u, 0), u);
		p.title = titles[i];
		p.description = titles[(i + 3) % 7];
		p.canonical = titles[(i + 1) % 7];
		p.content_type = i == 3 ? NULL : "text/html; charset=\"utf-8\"";
		p.final_url = i == 5 ? NULL : u;
		p.fields = fields[i];
		p.fetched_at = ms[i];
		p.status = (int)i * 100;
		p.bytes = i == 6 ? INT64_MAX : -(int64_t)i;
		p.elapsed_ms = i == 6 ? INT64_MIN : (int64_t)i;
		p.error = i == 4 ? "timeout" : i == 5 ? "b\xff" "d" : NULL;
		if (i % 2) {
			p.links = links;
			p.links_len = sizeof links - 1;
		}
		if (i == 2)
			p.links = NULL;
		store_page(&p, URL_DONE);
		want[i] = reference_page(&p, u);
	}
	cr_assert_eq(export_pages(st, job, EXPORT_JSONL, outpath), 7);
	text = slurp(outpath, NULL);
	for (i = 0, line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		cr_assert_lt(i, 7);
		cr_expect_str_eq(line, want[i], "page %zu:\n got  %s\n want %s", i, line, want[i]);
	}
	cr_expect_eq(i, 7);
	free(text);
	for (i = 0; i < 7; i++)
		free(want[i]);
}

Test(export, pages_csv_has_scalar_columns_and_json_text)
{
	static const char links[] = "http://h.com/b?x=1,2\0http://h.com/\"c\"\0";
	int64_t id = add_url("http://h.com/a", 1);
	struct page_rec p = page(id, "http://h.com/a");
	char *text;

	p.title = "He said \"hi\", then\r\nleft";
	p.description = "na\xc3\xafve \xe6\x9d\xb1\xe4\xba\xac";
	p.links = links;
	p.links_len = sizeof links - 1;
	p.fields = "{\"n\":1,\"s\":\"a,b\"}";
	store_page(&p, URL_DONE);
	p = page(add_url("http://h.com/t", 2), "http://h.com/t");
	p.status = 0;
	p.error = "timeout";
	p.links = NULL;
	p.title = p.description = p.content_type = NULL;
	store_page(&p, URL_FAILED);
	cr_assert_eq(export_pages(st, job, EXPORT_CSV, outpath), 2);
	text = slurp(outpath, NULL);
	cr_expect_str_eq(text,
		"job,url,final_url,status,depth,fetched_at,content_type,bytes,elapsed_ms,"
		"title,description,canonical,links,fields,error\r\n"
		"docs,http://h.com/a,http://h.com/a,200,1,2026-11-21T23:00:00Z,text/html,"
		"18234,12,\"He said \"\"hi\"\", then\r\nleft\",na\xc3\xafve \xe6\x9d\xb1\xe4\xba\xac,,"
		"\"[\"\"http://h.com/b?x=1,2\"\",\"\"http://h.com/\\\"\"c\\\"\"\"\"]\","
		"\"{\"\"n\"\":1,\"\"s\"\":\"\"a,b\"\"}\",\r\n"
		"docs,http://h.com/t,http://h.com/t,0,1,2026-11-21T23:00:00Z,,18234,12,,,,[],{},"
		"timeout\r\n");
	free(text);
}

/* ---- links -------------------------------------------------------------- */

Test(export, links_are_one_record_per_link_of_each_page)
{
	static const char la[] = "http://h.com/1\0\0http://h.com/2,\"x\"\0";
	struct page_rec p;
	json_t *all, *arr;
	char *text;
	size_t i;
	static const char *const want[][2] = {
		{ "http://h.com/a", "http://h.com/1" },
		{ "http://h.com/a", "http://h.com/2,\"x\"" },
		{ "http://h.com/b", "a" },
		{ "http://h.com/b", "b" },
	};

	p = page(add_url("http://h.com/a", 0), "http://h.com/a");
	p.links = la;
	p.links_len = sizeof la - 1;
	store_page(&p, URL_DONE);
	p = page(add_url("http://h.com/none", 0), "http://h.com/none");
	p.links = NULL;
	store_page(&p, URL_DONE);
	p = page(add_url("http://h.com/b", 0), "http://h.com/b");
	store_page(&p, URL_DONE);

	cr_assert_eq(run_export(EXPORT_LINKS, EXPORT_JSONL, outpath, NULL), 4);
	all = load_jsonl(outpath);
	cr_assert_eq(json_array_size(all), 4);
	for (i = 0; i < 4; i++) {
		json_t *o = json_array_get(all, i);
		cr_expect_eq(json_object_size(o), 3);
		cr_expect_str_eq(sget(o, "job"), "docs");
		cr_expect_str_eq(sget(o, "from"), want[i][0]);
		cr_expect_str_eq(sget(o, "to"), want[i][1]);
	}
	cr_assert_eq(run_export(EXPORT_LINKS, EXPORT_JSON, outpath, NULL), 4);
	arr = load_json(outpath);
	cr_expect(json_equal(arr, all), "-f json holds the same records");
	json_decref(arr);
	json_decref(all);
	cr_assert_eq(run_export(EXPORT_LINKS, EXPORT_CSV, outpath, NULL), 4);
	text = slurp(outpath, NULL);
	cr_expect_str_eq(text, "job,from,to\r\n"
			 "docs,http://h.com/a,http://h.com/1\r\n"
			 "docs,http://h.com/a,\"http://h.com/2,\"\"x\"\"\"\r\n"
			 "docs,http://h.com/b,a\r\n"
			 "docs,http://h.com/b,b\r\n");
	free(text);
}

/* ---- filters ------------------------------------------------------------ */

/* Pages a..f: 200, 204, 301, 404 (http error), 500 (http error), a
 * timeout; an hour apart from T0. */
static void filter_pages(int64_t id[6])
{
	static const struct { const char *u; int status; const char *error; } pg[] = {
		{ "a", 200, NULL }, { "b", 204, NULL }, { "c", 301, NULL },
		{ "d", 404, "http" }, { "e", 500, "http" }, { "f", 0, "timeout" },
	};
	int i;

	for (i = 0; i < 6; i++)
		id[i] = add_page(pg[i].u, pg[i].status, pg[i].error, T0 + i * HOUR);
}

Test(export, pages_filters_select_by_status_outcome_and_time)
{
	int64_t id[6];
	struct store_filter f;

	filter_pages(id);
	expect_values(EXPORT_PAGES, NULL, "url", "a b c d e f");
#define PAGES(status, since, want) \
	f = filt(EXPORT_PAGES, status, since, NULL); \
	expect_values(EXPORT_PAGES, &f, "url", want)
	PAGES("200", NULL, "a");
	PAGES("2xx", NULL, "a b");
	PAGES("2XX", NULL, "a b");
	PAGES("200-399", NULL, "a b c");
	PAGES("404-404", NULL, "d");
	PAGES("4xx", NULL, "d");
	PAGES("ok", NULL, "a b c");
	PAGES("error", NULL, "d e f");
	PAGES("ERROR", NULL, "d e f");
	PAGES("5xx,error", NULL, "e");
	PAGES("ok,2xx", NULL, "a b");
	PAGES(NULL, "2026-11-22T01:00:00Z", "c d e f");
	PAGES(NULL, "2026-11-22T03:00:00+02:00", "c d e f");
	PAGES(NULL, "2026-11-22", "b c d e f");
	PAGES(NULL, "2026-11-23", "");
	PAGES(NULL, "2026-11-22T01:00:00.001Z", "d e f");
	PAGES("ok", "2026-11-22T01:00:00Z", "c");
	PAGES("199-200", "2026-11-21T23:00:00Z", "a");
#undef PAGES
}

Test(export, links_filters_apply_to_their_page)
{
	int64_t id[6];
	struct store_filter f;

	filter_pages(id);
	f = filt(EXPORT_LINKS, "2xx", NULL, NULL);
	expect_values(EXPORT_LINKS, &f, "from", "a a b b");
	f = filt(EXPORT_LINKS, "error", "2026-11-22T03:00:00Z", NULL);
	expect_values(EXPORT_LINKS, &f, "from", "e e f f");
}

Test(export, items_filters_select_by_extractor_validity_page_status_and_time)
{
	int64_t id[6];
	struct store_filter f;

	filter_pages(id);
	add_item(id[0], "product", "{\"id\":\"x1\"}", NULL);
	add_item(id[0], "offer", "{\"id\":\"x2\"}", NULL);
	add_item(id[3], "product", "{\"id\":\"x3\"}", "no price");
	add_item(id[2], "product", "{\"id\":\"x4\"}", NULL);
	expect_values(EXPORT_ITEMS, NULL, "id", "x1 x2 x3 x4");
#define ITEMS(status, since, ex, want) \
	f = filt(EXPORT_ITEMS, status, since, ex); \
	expect_values(EXPORT_ITEMS, &f, "id", want)
	ITEMS(NULL, NULL, "product", "x1 x3 x4");
	ITEMS(NULL, NULL, "offer", "x2");
	ITEMS(NULL, NULL, "nope", "");
	ITEMS("valid", NULL, NULL, "x1 x2 x4");
	ITEMS("invalid", NULL, NULL, "x3");
	ITEMS("INVALID", NULL, NULL, "x3");
	ITEMS("4xx", NULL, NULL, "x3");
	ITEMS("2xx", NULL, NULL, "x1 x2");
	ITEMS("200-301,valid", NULL, "product", "x1 x4");
	ITEMS(NULL, "2026-11-22T01:00:00Z", NULL, "x3 x4");
	ITEMS("valid", "2026-11-22T01:00:00Z", "product", "x4");
#undef ITEMS
}

/* ---- option parsers and their messages ------------------------------ */

Test(export, since_parses_dates_times_offsets_and_spans)
{
	static const struct { const char *s; int64_t ms; } ok[] = {
		{ "2026-11-21", T0 - 23 * HOUR },
		{ "2026-11-21T23:00:00Z", T0 },
		{ "2026-11-21t23:00:00z", T0 },
		{ "2026-11-21 23:00:00Z", T0 },
		{ "2026-11-21T23:00Z", T0 },
		{ "2026-11-22T01:00:00+02:00", T0 },
		{ "2026-11-22T01:00:00+0200", T0 },
		{ "2026-11-22T01:00+02", T0 },
		{ "2026-11-21T18:00:00-05:00", T0 },
		{ "2026-11-21T23:00:00.25Z", T0 + 250 },
		{ "2026-11-21T23:00:00,5Z", T0 + 500 },
		{ "2026-11-21T23:00:00.123456Z", T0 + 123 },
		{ "2024-02-29", 1709164800000LL },
		{ "2000-02-29T00:00:00Z", 951782400000LL },
		{ "1970-01-01", 0 },
		{ "1969-12-31T23:59:59Z", -1000 },
		{ "45s", T0 - 45000 },
		{ "30m", T0 - 30 * 60000 },
		{ "2h", T0 - 2 * HOUR },
		{ "7d", T0 - 7 * 24 * HOUR },
		{ "1w", T0 - 7 * 24 * HOUR },
		{ "0h", T0 },
	};
	size_t i;
	int64_t ms;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ms = -42;
		cr_expect_eq(export_since_parse(ok[i].s, T0, &ms), 0, "%s", ok[i].s);
		cr_expect_eq(ms, ok[i].ms, "%s: %lld, want %lld", ok[i].s, (long long)ms,
			     (long long)ok[i].ms);
	}
}

static void expect_rejected(int rc, const char *msg, const char *opt,
			    const char *val, const char *accepted)
{
	cr_expect_eq(rc, -1, "%s \"%s\" is accepted", opt, val);
	cr_expect(strstr(msg, opt) != NULL, "the message names %s: %s", opt, msg);
	cr_expect(strstr(msg, val) != NULL, "the message names \"%s\": %s", val, msg);
	cr_expect(strstr(msg, accepted) != NULL, "the message says %s: %s", accepted, msg);
}

Test(export, bad_option_values_are_refused_naming_option_value_and_choices)
{
	static const char *const since[] = {
		"yesterday", "2026-13-01", "2026-02-29", "2026-11-31", "2026-11-21T23:00:00",
		"2026-11-21T24:00Z", "2026-11-21T23:60Z", "2026-11-21T23:00:61Z", "10x", "-5m",
		"", "5", "m", "2026-11-21Z", "2026-11-21T23:00:00+25:00", "2026-1-21",
		"2026-11-21T23:00:00.Z", "7d ", "0000-01-01",
	};
	static const char *const pstatus[] = {
		"abc", "600", "99", "6xx", "4x", "200-100", "200-600", "ok,error", "200,300",
		"valid", "invalid", "", ",", "2000", "20", "200-", "-200", "4xx,5xx",
	};
	static const char *const istatus[] = { "ok", "error", "valid,invalid", "600", "" };
	struct store_filter f;
	enum export_format fmt;
	enum export_what w;
	int64_t ms;
	size_t i;
	int rc;
	char *msg;

	for (i = 0; i < sizeof since / sizeof since[0]; i++) {
		err_begin();
		rc = export_since_parse(since[i], T0, &ms);
		msg = err_end();
		expect_rejected(rc, msg, "--since", since[i], "30m");
		free(msg);
	}
	for (i = 0; i < sizeof pstatus / sizeof pstatus[0]; i++) {
		memset(&f, 0, sizeof f);
		err_begin();
		rc = export_status_parse(pstatus[i], EXPORT_PAGES, &f);
		msg = err_end();
		expect_rejected(rc, msg, "--status", pstatus[i], "4xx");
		cr_expect(strstr(msg, "ok (no fetch error)"), "%s", msg);
		free(msg);
	}
	for (i = 0; i < sizeof istatus / sizeof istatus[0]; i++) {
		memset(&f, 0, sizeof f);
		err_begin();
		rc = export_status_parse(istatus[i], EXPORT_ITEMS, &f);
		msg = err_end();
		expect_rejected(rc, msg, "--status", istatus[i], "valid or invalid");
		free(msg);
	}
	err_begin();
	rc = export_format_parse("xml", &fmt);
	msg = err_end();
	expect_rejected(rc, msg, "--format", "xml", "csv");
	free(msg);
	err_begin();
	rc = export_what_parse("page", &w);
	msg = err_end();
	expect_rejected(rc, msg, "--what", "page", "pages, items or links");
	free(msg);
	cr_expect_eq(export_what_parse("links", &w), 0);
	cr_expect_eq(w, EXPORT_LINKS);
	cr_expect_eq(export_what_parse("items", &w), 0);
	cr_expect_eq(w, EXPORT_ITEMS);
}

Test(export, status_parser_sets_the_store_filter)
{
	struct store_filter f;

	memset(&f, 0, sizeof f);
	cr_assert_eq(export_status_parse("3xx", EXPORT_PAGES, &f), 0);
	cr_expect(f.status_min == 300 && f.status_max == 399 && f.outcome == STORE_ANY);
	memset(&f, 0, sizeof f);
	cr_assert_eq(export_status_parse("error,201-202", EXPORT_LINKS, &f), 0);
	cr_expect(f.status_min == 201 && f.status_max == 202 && f.outcome == STORE_ERROR);
	memset(&f, 0, sizeof f);
	cr_assert_eq(export_status_parse("valid", EXPORT_ITEMS, &f), 0);
	cr_expect(f.status_min == 0 && f.status_max == 0 && f.outcome == STORE_OK);
	memset(&f, 0, sizeof f);
	cr_assert_eq(export_status_parse("404,invalid", EXPORT_ITEMS, &f), 0);
	cr_expect(f.status_min == 404 && f.status_max == 404 && f.outcome == STORE_ERROR);
}

/* ---- output files: gzip, atomic replacement, FIFOs, links ------------- */

/* Decompresses PATH; caller frees. */
static char *gunzip(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	int r;

	cr_assert_not_null(gz, "gzopen %s", path);
	while ((r = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	cr_assert_geq(r, 0, "gzread %s", path);
	cr_assert_eq(gzclose(gz), Z_OK);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* A few pages with links and items of every kind of value. */
static void mixed_data(void)
{
	int64_t a = add_page("http://h.com/a", 200, NULL, T0);
	int64_t b = add_page("http://h.com/b?\"q\",x", 404, "http", T0 + HOUR);
	int i;
	char f[128];

	for (i = 0; i < 300; i++) {
		snprintf(f, sizeof f, "{\"i\":%d,\"s\":\"v%d, \\\"q\\\"\\n\",\"a\":[%d,{\"x\":null}],"
			 "\"b\":%s,\"r\":%d.5}", i, i, i, i % 2 ? "true" : "false", i);
		add_item(i % 3 ? a : b, i % 4 ? "product" : "offer", f,
			 i % 7 ? NULL : "missing \"price\"");
	}
	add_item(a, "odd", "{\"caf\xc3\xa9\":\"\xe6\x9d\xb1\\u0000x\",\"k,\\\"\":\"\\ud83d\\ude00\"}", NULL);
}

Test(export, gzip_output_decompresses_to_the_same_bytes)
{
	static const enum export_what whats[] = { EXPORT_PAGES, EXPORT_ITEMS, EXPORT_LINKS };
	static const enum export_format fmts[] = { EXPORT_JSONL, EXPORT_JSON, EXPORT_CSV };
	const char *plain = tpath("plain.out"), *gzp = tpath("out.jsonl.gz");
	size_t w, f, plen, glen;
	char *ptext, *gtext;
	unsigned char magic[2];
	FILE *fp;

	mixed_data();
	for (w = 0; w < 3; w++)
		for (f = 0; f < 3; f++) {
			long n1 = run_export(whats[w], fmts[f], plain, NULL);
			long n2 = run_export(whats[w], fmts[f], gzp, NULL);
			cr_assert_gt(n1, 0);
			cr_expect_eq(n1, n2);
			fp = fopen(gzp, "rb");
			cr_assert_not_null(fp);
			cr_assert_eq(fread(magic, 1, 2, fp), 2);
			fclose(fp);
			cr_expect(magic[0] == 0x1f && magic[1] == 0x8b, "gzip magic");
			ptext = slurp(plain, &plen);
			gtext = gunzip(gzp, &glen);
			cr_expect_eq(glen, plen, "what %zu format %zu: %zu bytes, want %zu",
				     w, f, glen, plen);
			cr_expect(glen == plen && memcmp(ptext, gtext, plen) == 0,
				  "what %zu format %zu: the same bytes", w, f);
			free(ptext);
			free(gtext);
		}
	cr_expect_eq(temp_files(), 0);
}

Test(export, stopped_export_leaves_old_file_and_no_temporary)
{
	volatile sig_atomic_t stop = 1;
	struct export_opts o;
	FILE *f;
	char *text;
	const char *const paths[] = { outpath, tpath("old.csv.gz") };
	size_t i;

	mixed_data();
	for (i = 0; i < 2; i++) {
		f = fopen(paths[i], "w");
		cr_assert_not_null(f);
		fputs("OLD\n", f);
		fclose(f);
		memset(&o, 0, sizeof o);
		o.what = EXPORT_ITEMS;
		o.fmt = i ? EXPORT_CSV : EXPORT_JSONL;
		o.path = paths[i];
		o.stop = &stop;
		err_begin();
		cr_expect_eq(export_run(st, job, &o), -1);
		free(err_end());
		text = slurp(paths[i], NULL);
		cr_expect_str_eq(text, "OLD\n");
		free(text);
	}
	cr_expect_eq(temp_files(), 0);
}

Test(export, write_failure_leaves_old_file_and_no_temporary)
{
	struct rlimit old, rl;
	FILE *f;
	char *text, *err;
	const char *gzp = tpath("out.json.gz");
	long n1, n2;

	mixed_data();
	f = fopen(outpath, "w");
	cr_assert_not_null(f);
	fputs("OLD\n", f);
	fclose(f);
	/* Over the file size limit, write() fails with EFBIG. */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = old;
	rl.rlim_cur = 512;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	err_begin();
	n1 = run_export(EXPORT_ITEMS, EXPORT_JSONL, outpath, NULL);
	n2 = run_export(EXPORT_ITEMS, EXPORT_JSON, gzp, NULL);
	err = err_end();
	setrlimit(RLIMIT_FSIZE, &old);
	cr_expect_eq(n1, -1);
	cr_expect_eq(n2, -1);
	cr_expect(strstr(err, "write failed") != NULL, "%s", err);
	free(err);
	text = slurp(outpath, NULL);
	cr_expect_str_eq(text, "OLD\n", "the old file is untouched");
	free(text);
	cr_expect_eq(access(gzp, F_OK), -1, "no partial .gz");
	cr_expect_eq(temp_files(), 0);
}

Test(export, writes_into_a_fifo_in_place)
{
	const char *fifo = tpath("fifo"), *copy = tpath("fifo.out"), *plain = tpath("plain");
	pid_t pid;
	int status;
	long n;
	struct stat sb;
	char *a, *b;

	mixed_data();
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char buf[4096];
		ssize_t r;
		int in = open(fifo, O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		while (in >= 0 && (r = read(in, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)r) != r)
				_exit(1);
		_exit(0);
	}
	n = run_export(EXPORT_ITEMS, EXPORT_CSV, fifo, NULL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect_eq(n, 301);
	cr_assert_eq(lstat(fifo, &sb), 0);
	cr_expect(S_ISFIFO(sb.st_mode), "the FIFO is still a FIFO");
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_CSV, plain, NULL), 301);
	a = slurp(copy, NULL);
	b = slurp(plain, NULL);
	cr_expect_str_eq(a, b, "the reader got the whole export");
	free(a);
	free(b);
	cr_expect_eq(temp_files(), 0);
}

Test(export, output_through_a_symlink_replaces_its_target)
{
	const char *target = tpath("real.jsonl"), *link_ = tpath("link.jsonl");
	struct stat sb;
	json_t *all;
	FILE *f;

	mixed_data();
	f = fopen(target, "w");
	cr_assert_not_null(f);
	fputs("OLD\n", f);
	fclose(f);
	cr_assert_eq(symlink(target, link_), 0);
	cr_assert_eq(run_export(EXPORT_LINKS, EXPORT_JSONL, link_, NULL), 4);
	cr_assert_eq(lstat(link_, &sb), 0);
	cr_expect(S_ISLNK(sb.st_mode), "the link is kept");
	all = load_jsonl(target);
	cr_expect_eq(json_array_size(all), 4);
	json_decref(all);
	cr_expect_eq(temp_files(), 0);
}

/* ---- external acceptance: jq and Python read every export back -------- */

/* NAME's path from $PATH; the test fails if it is not installed. */
static const char *tool(const char *name)
{
	static char found[4][PATH_MAX];
	static int next;
	const char *path = getenv("PATH"), *p, *colon;
	char *buf = found[next++ % 4];

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		snprintf(buf, PATH_MAX, "%.*s/%s", (int)(colon - p), p, name);
		if (colon > p && access(buf, X_OK) == 0)
			return buf;
	}
	cr_assert_fail("%s is not installed; `make deps` installs it (packages.txt, "
		       "role test; CI installs it the same way)", name);
	return NULL;
}

/* Runs ARGV; returns its exit code, its output in *OUT (caller frees,
 * NULL: dropped), its stderr logged on failure. */
static int run(const char *const args[], char **out)
{
	struct proc_opts po;
	struct proc_result r;
	char *argv[16], outf[PATH_MAX + 16], errf[PATH_MAX + 16];
	size_t i;
	int code;

	for (i = 0; args[i]; i++) {
		cr_assert_lt(i, 15);
		argv[i] = (char *)args[i];
	}
	argv[i] = NULL;

	snprintf(outf, sizeof outf, "%s/run.out", dir);
	snprintf(errf, sizeof errf, "%s/run.err", dir);
	memset(&po, 0, sizeof po);
	po.out_file = outf;
	po.err_file = errf;
	po.timeout_ms = (long long)(60000 * proc_slow_factor());
	cr_assert_eq(proc_run(argv, &po, &r), 0, "cannot run %s", argv[0]);
	code = r.exit_code;
	if (code != 0)
		cr_log_warn("%s %s: exit %d: %s", argv[0], argv[1] ? argv[1] : "",
			    code, r.err);
	if (out) {
		*out = r.out;
		r.out = NULL;
	}
	proc_result_release(&r);
	unlink(outf);
	unlink(errf);
	return code;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* jsonl FILE N / json FILE N: Python's json module loads every record
 * (strict UTF-8; a raw CR or LF inside a record would split it).
 * csv KIND CSV JSONL: the csv module reads the CSV back to the values the
 * JSON Lines export of the same records holds. */
static const char check_py[] =
	"import csv, io, json, sys\n"
	"def load_jsonl(p):\n"
	"    with open(p, encoding='utf-8') as f:\n"
	"        return [json.loads(line) for line in f]\n"
	"def same(cell, v):\n"
	"    if v is None: return cell == ''\n"
	"    if isinstance(v, str): return cell == v.replace('\\x00', '')\n"
	"    return json.loads(cell) == v\n"
	"mode = sys.argv[1]\n"
	"if mode == 'jsonl':\n"
	"    recs = load_jsonl(sys.argv[2])\n"
	"    assert len(recs) == int(sys.argv[3]), (len(recs), sys.argv[3])\n"
	"    assert all(isinstance(r, dict) for r in recs)\n"
	"elif mode == 'json':\n"
	"    with open(sys.argv[2], encoding='utf-8') as f:\n"
	"        recs = json.load(f)\n"
	"    assert isinstance(recs, list) and len(recs) == int(sys.argv[3])\n"
	"    assert all(isinstance(r, dict) for r in recs)\n"
	"else:\n"
	"    kind, csv_path, jsonl_path = sys.argv[2:5]\n"
	"    recs = load_jsonl(jsonl_path)\n"
	"    with open(csv_path, encoding='utf-8', newline='') as f:\n"
	"        raw = f.read()\n"
	"    assert raw.endswith('\\r\\n'), 'rows end with CRLF'\n"
	"    rows = list(csv.reader(io.StringIO(raw, newline=''), strict=True))\n"
	"    header, body = rows[0], rows[1:]\n"
	"    assert len(body) == len(recs) > 0, (len(body), len(recs))\n"
	"    meta = ['_url', '_extractor', '_fetched_at', '_error']\n"
	"    for n, (row, rec) in enumerate(zip(body, recs)):\n"
	"        assert len(row) == len(header), (n, row)\n"
	"        d = dict(zip(header, row))\n"
	"        if kind == 'items':\n"
	"            assert header[-4:] == meta, header\n"
	"            cols = header[:-4]\n"
	"            fields = {k.replace('\\x00', ''): v for k, v in rec['fields'].items()}\n"
	"            assert set(fields) <= set(cols), (n, set(fields) - set(cols))\n"
	"            for k in cols:\n"
	"                if k in fields:\n"
	"                    assert same(d[k], fields[k]), (n, k, d[k], fields[k])\n"
	"                else:\n"
	"                    assert d[k] == '', (n, k, d[k])\n"
	"            for m in meta:\n"
	"                assert same(d[m], rec[m[1:]]), (n, m, d[m], rec[m[1:]])\n"
	"        else:\n"
	"            assert header == list(rec.keys()), (header, list(rec.keys()))\n"
	"            for k in header:\n"
	"                assert same(d[k], rec[k]), (n, k, d[k], rec[k])\n"
	"print('ok', len(recs))\n";

Test(export, jq_and_python_read_every_export_back, .timeout = 180)
{
	static const enum export_what whats[] = { EXPORT_PAGES, EXPORT_ITEMS, EXPORT_LINKS };
	static const char *const wname[] = { "pages", "items", "links" };
	const char *jq = tool("jq"), *py = tool("python3");
	char script[PATH_MAX + 16], jsonl[PATH_MAX + 32], json[PATH_MAX + 32],
	     csv[PATH_MAX + 32], nbuf[32], *out;
	size_t w, i;
	FILE *f;
	struct page_rec p;
	static const char tricky_links[] = "http://h.com/\"q\"\0http://h.com/\xff,\r\n\0"
					   "http://h.com/\xe6\x9d\xb1\0";
	const char *tricky[] = {
		"ctl \x01\x1f\x7f tab\t nl\n cr\r", "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8",
		"bad \xff\xfe \xc3 \xed\xa0\x80", "q \" , \\ /",
	};

	mixed_data();
	for (i = 0; i < 4; i++) {
		char u[64];
		snprintf(u, sizeof u, "http://h.com/t%zu", i);
		p = page(add_url(u, 0), u);
		p.title = tricky[i];
		p.description = tricky[(i + 1) % 4];
		p.error = i == 2 ? tricky[i] : NULL;
		p.fields = i == 1 ? "{\"x\":[1,\"\\u00e9\"],\"y\":\"a,\\\"b\\\"\\r\\n\"}" : NULL;
		p.links = tricky_links;
		p.links_len = sizeof tricky_links - 1;
		store_page(&p, URL_DONE);
		add_item(p.url_id, tricky[i], "{\"t\":\"x\"}", tricky[(i + 2) % 4]);
	}
	snprintf(script, sizeof script, "%s/check.py", dir);
	f = fopen(script, "w");
	cr_assert_not_null(f);
	fputs(check_py, f);
	fclose(f);

	for (w = 0; w < 3; w++) {
		long n;
		snprintf(jsonl, sizeof jsonl, "%s/%s.jsonl", dir, wname[w]);
		snprintf(json, sizeof json, "%s/%s.json", dir, wname[w]);
		snprintf(csv, sizeof csv, "%s/%s.csv", dir, wname[w]);
		err_begin();
		n = run_export(whats[w], EXPORT_JSONL, jsonl, NULL);
		cr_assert_gt(n, 0);
		cr_assert_eq(run_export(whats[w], EXPORT_JSON, json, NULL), n);
		cr_assert_eq(run_export(whats[w], EXPORT_CSV, csv, NULL), n);
		free(err_end());
		snprintf(nbuf, sizeof nbuf, "%ld", n);

		/* jq: every file parses; one compact line per record. */
		cr_expect_eq(run((const char *const[]){ jq, "-e", ".", jsonl, NULL }, NULL), 0,
			     "jq -e . %s", jsonl);
		cr_expect_eq(run((const char *const[]){ jq, "-e", ".", json, NULL }, NULL), 0,
			     "jq -e . %s", json);
		cr_assert_eq(run((const char *const[]){ jq, "-c", ".", jsonl, NULL }, &out), 0);
		cr_expect_eq(count_lines(out), (size_t)n, "jq sees %zu records in %s, want %ld",
			     count_lines(out), jsonl, n);
		free(out);
		cr_assert_eq(run((const char *const[]){ jq, "-c", ".[]", json, NULL }, &out), 0);
		cr_expect_eq(count_lines(out), (size_t)n, "jq sees %zu records in %s, want %ld",
			     count_lines(out), json, n);
		free(out);

		/* Python: json loads each record; csv reads the same values. */
		cr_expect_eq(run((const char *const[]){ py, script, "jsonl", jsonl, nbuf, NULL },
				 NULL), 0, "python json: %s", jsonl);
		cr_expect_eq(run((const char *const[]){ py, script, "json", json, nbuf, NULL },
				 NULL), 0, "python json: %s", json);
		cr_expect_eq(run((const char *const[]){ py, script, "csv", wname[w], csv,
					    jsonl, NULL }, &out), 0,
			     "python csv: %s against %s", csv, jsonl);
		free(out);
	}
}

Test(export, python_csv_reads_random_item_fields_back, .timeout = 180)
{
	const char *py = tool("python3");
	const char *csv = tpath("r.csv"), *jsonl = tpath("r.jsonl"), *script = tpath("check.py");
	int64_t a = add_page("http://h.com/a", 200, NULL, T0);
	FILE *f;
	int i;
	long n;

	cr_assert_eq(store_begin(st), 0);
	for (i = 0; i < 800; i++) {
		char *t = rand_fields();
		add_item(a, "r", t, NULL);
		free(t);
	}
	cr_assert_eq(store_commit(st), 0);
	f = fopen(script, "w");
	cr_assert_not_null(f);
	fputs(check_py, f);
	fclose(f);
	n = run_export(EXPORT_ITEMS, EXPORT_JSONL, jsonl, NULL);
	cr_assert_eq(n, 800);
	cr_assert_eq(run_export(EXPORT_ITEMS, EXPORT_CSV, csv, NULL), 800);
	cr_expect_eq(run((const char *const[]){ py, script, "csv", "items",
				    csv, jsonl, NULL }, NULL), 0,
		     "python csv: %s against %s", csv, jsonl);
}

/* ---- the command line ------------------------------------------------- */

/* The trawl binary: $TRAWL_BIN, else the one built beside this test
 * binary (make builds both). */
static const char *trawl_bin(void)
{
	static char path[PATH_MAX + 16];
	char self[PATH_MAX];
	const char *env = getenv("TRAWL_BIN");
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	cr_assert_gt(n, 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof path, "%s/trawl", self);
	cr_assert_eq(access(path, X_OK), 0, "no trawl binary at %s: build it "
		     "(make %s) or set TRAWL_BIN", path, path);
	return path;
}

/* Runs trawl with ARGS (NULL-terminated); *OUT and *ERR its output
 * (caller frees). */
static int trawl_run(char **out, char **err, const char *const *args)
{
	struct proc_opts po;
	struct proc_result r;
	char *argv[32], outf[PATH_MAX + 16], errf[PATH_MAX + 16];
	size_t i;
	int code;

	argv[0] = (char *)trawl_bin();
	for (i = 0; args[i]; i++) {
		cr_assert_lt(i, 30);
		argv[i + 1] = (char *)args[i];
	}
	argv[i + 1] = NULL;
	snprintf(outf, sizeof outf, "%s/trawl.out", dir);
	snprintf(errf, sizeof errf, "%s/trawl.err", dir);
	memset(&po, 0, sizeof po);
	po.out_file = outf;
	po.err_file = errf;
	po.timeout_ms = (long long)(60000 * proc_slow_factor());
	cr_assert_eq(proc_run(argv, &po, &r), 0);
	code = r.exit_code;
	*out = r.out;
	*err = r.err;
	r.out = r.err = NULL;
	proc_result_release(&r);
	unlink(outf);
	unlink(errf);
	return code;
}

#define TRAWL(out, err, ...) trawl_run((out), (err), (const char *const[]){ __VA_ARGS__, NULL })

Test(export, help_describes_formats_records_and_filters, .timeout = 60)
{
	static const char *const in_export_help[] = {
		"--what pages", "--what items", "--what links", "jsonl, json or csv",
		"\"extractor\"", "\"fields\"", "_url, _extractor, _fetched_at, _error",
		"{\"job\",\"from\",\"to\"}", "FILE.gz", "temporary", "--extractor NAME",
		"--since TIME", "2026-11-21T23:00:00Z", "30m", "--status S", "4xx",
		"200-299", "valid, invalid", "RFC 4180",
	};
	char *out, *err;
	size_t i;

	cr_assert_eq(TRAWL(&out, &err, "export", "--help"), 0);
	for (i = 0; i < sizeof in_export_help / sizeof in_export_help[0]; i++)
		cr_expect(strstr(out, in_export_help[i]) != NULL,
			  "export --help mentions %s:\n%s", in_export_help[i], out);
	free(out);
	free(err);
	cr_assert_eq(TRAWL(&out, &err, "--help"), 0);
	cr_expect(strstr(out, "[-f jsonl|json|csv]") && strstr(out, "--what pages|items|links") &&
		  strstr(out, "--since TIME") && strstr(out, "--status S") &&
		  strstr(out, "items per extractor"), "trawl --help:\n%s", out);
	free(out);
	free(err);
	cr_assert_eq(TRAWL(&out, &err, "status", "--help"), 0);
	cr_expect(strstr(out, "items") && strstr(out, "validation"), "%s", out);
	free(out);
	free(err);
}

Test(export, command_line_refuses_bad_values_with_exit_2, .timeout = 60)
{
	static const struct { const char *a[4]; const char *says[3]; } bad[] = {
		{ { "--format", "xml" }, { "--format", "xml", "csv" } },
		{ { "--what", "pagez" }, { "--what", "pagez", "items" } },
		{ { "--since", "yesterday" }, { "--since", "yesterday", "7d" } },
		{ { "--status", "99" }, { "--status", "99", "4xx" } },
		{ { "--what", "items", "--status", "ok" }, { "--status", "\"ok\"", "valid" } },
		{ { "--what", "links", "--status", "valid" }, { "--status", "valid", "links" } },
		{ { "--extractor", "product" }, { "--extractor", "--what items", "help" } },
		{ { "--bogus" }, { "--bogus", "unknown option", "export --help" } },
		{ { "--json" }, { "--json", "unknown option", "" } },
	};
	char *out, *err;
	size_t i, k;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *args[8] = { "export", "-d", dbpath };
		for (k = 0; k < 4 && bad[i].a[k]; k++)
			args[3 + k] = bad[i].a[k];
		args[3 + k] = NULL;
		cr_expect_eq(trawl_run(&out, &err, args), 2, "case %zu: exit 2", i);
		for (k = 0; k < 3; k++)
			cr_expect(strstr(err, bad[i].says[k]) != NULL,
				  "case %zu: stderr says %s:\n%s", i, bad[i].says[k], err);
		cr_expect_str_eq(out, "", "nothing on stdout");
		free(out);
		free(err);
	}
}

Test(export, command_line_exports_with_filters_and_gzip, .timeout = 60)
{
	int64_t a = add_page("http://h.com/a", 200, NULL, T0), b = add_page("http://h.com/b", 500, "http", T0);
	const char *csv = tpath("items.csv"), *gz = tpath("links.jsonl.gz");
	char *out, *err, *text;
	size_t len;

	add_item(a, "product", "{\"sku\":\"1\",\"price\":2.5}", NULL);
	add_item(a, "product", "{\"sku\":\"2\"}", "no price");
	add_item(b, "product", "{\"sku\":\"3\",\"price\":1}", NULL);
	add_item(a, "offer", "{\"o\":1}", NULL);
	cr_assert_eq(TRAWL(&out, &err, "export", "-d", dbpath, "-j", "docs", "--what", "items",
			   "--extractor", "product", "--status", "valid", "--status", "2xx",
			   "--since", "2026-11-21", "-f", "csv", "-o", csv), 0, "%s", err);
	cr_expect_str_eq(out, "");
	free(out);
	free(err);
	text = slurp(csv, NULL);
	cr_expect_str_eq(text, "sku,price,_url,_extractor,_fetched_at,_error\r\n"
			 "1,2.5,http://h.com/a,product,2026-11-21T23:00:00Z,\r\n");
	free(text);

	cr_assert_eq(TRAWL(&out, &err, "export", "-d", dbpath, "--what", "links",
			   "--status", "error", "--output", gz), 0, "%s", err);
	free(out);
	free(err);
	text = gunzip(gz, &len);
	cr_expect_str_eq(text, "{\"job\":\"docs\",\"from\":\"http://h.com/b\",\"to\":\"a\"}\n"
			 "{\"job\":\"docs\",\"from\":\"http://h.com/b\",\"to\":\"b\"}\n");
	free(text);

	/* To stdout, JSON Lines by default; an unknown extractor warns. */
	cr_assert_eq(TRAWL(&out, &err, "export", "-d", dbpath, "--what", "items",
			   "--extractor", "nope", "-o", "-"), 0);
	cr_expect_str_eq(out, "");
	cr_expect(strstr(err, "no items of extractor \"nope\""), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(TRAWL(&out, &err, "export", "-d", dbpath, "--what", "items",
			   "--status", "500"), 0);
	cr_expect_str_eq(out, "{\"job\":\"docs\",\"extractor\":\"product\",\"url\":"
			 "\"http://h.com/b\",\"fetched_at\":\"2026-11-21T23:00:00Z\","
			 "\"fields\":{\"sku\":\"3\",\"price\":1},\"error\":null}\n");
	free(out);
	free(err);
	cr_expect_eq(temp_files(), 0);
}

Test(export, status_counts_items_per_extractor_and_invalid_ones, .timeout = 60)
{
	int64_t a = add_page("http://h.com/a", 200, NULL, T0);
	char *out, *err;
	json_t *o, *want;
	json_error_t jerr;

	add_item(a, "product", "{}", NULL);
	add_item(a, "product", "{}", "no price");
	add_item(a, "offer", "{}", NULL);
	add_item(a, "product", "{}", "no name");
	cr_assert_eq(TRAWL(&out, &err, "status", "-d", dbpath, "--json"), 0, "%s", err);
	o = json_loads(out, 0, &jerr);
	cr_assert_not_null(o, "%s: %s", jerr.text, out);
	cr_expect_eq(json_integer_value(json_object_get(o, "items")), 4);
	cr_expect_eq(json_integer_value(json_object_get(o, "invalid_items")), 2);
	cr_expect_eq(json_integer_value(json_object_get(o, "pages")), 1, "earlier keys stay");
	want = json_loads("{\"offer\":{\"items\":1,\"invalid\":0},"
			  "\"product\":{\"items\":3,\"invalid\":2}}", 0, NULL);
	cr_expect(json_equal(json_object_get(o, "extractors"), want), "%s", out);
	json_decref(want);
	json_decref(o);
	free(out);
	free(err);
	cr_assert_eq(TRAWL(&out, &err, "status", "-d", dbpath), 0, "%s", err);
	cr_expect(strstr(out, "items: 4, 2 invalid\n") && strstr(out, "  offer: 1, 0 invalid\n") &&
		  strstr(out, "  product: 3, 2 invalid\n"), "%s", out);
	free(out);
	free(err);
}

/* status lists the first 32 extractors by name and says what it left out,
 * rather than dropping the rest silently. */
Test(export, status_says_when_extractors_are_left_out, .timeout = 60)
{
	int64_t a = add_page("http://h.com/a", 200, NULL, T0);
	char *out, *err, name[16];

	for (int i = 0; i < 34; i++) {
		snprintf(name, sizeof name, "x%02d", i);
		add_item(a, name, "{}", NULL);
	}
	cr_assert_eq(TRAWL(&out, &err, "status", "-d", dbpath), 0, "%s", err);
	cr_expect(strstr(out, "items: 34, 0 invalid\n"), "%s", out);
	cr_expect(strstr(out, "  x31: 1, 0 invalid\n"), "%s", out);
	cr_expect(!strstr(out, "  x32:"), "%s", out);
	cr_expect(strstr(out, "  (2 items of further extractors not listed)\n"), "%s", out);
	free(out);
	free(err);
}
