/*
 * test_export.c - storage/export.c over a real store: the record shape
 * DESIGN.md gives (keys, their order, their types), links, fields, times in
 * ISO 8601 UTC, repair of invalid UTF-8, JSON Lines vs one JSON array (also
 * empty), and the atomic replacement of the output file.
 *
 * Each test builds its database in its own mkdtemp() directory under /tmp
 * and parses what export wrote back with jansson.
 */
#include "export.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	cr_assert_eq(store_page_add(st, job, p, state), 0);
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
		cr_assert_eq(store_page_add(st, other, &p, URL_DONE), 0);
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
	cr_expect_eq(export_format_parse("xml", &f), -1);
	cr_expect_eq(export_format_parse("", &f), -1);
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
