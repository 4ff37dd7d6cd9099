/*
 * export.c - JSON Lines / JSON export of pages (see export.h).
 *
 * Runs in `trawl export`.  Per row: one jansson object built, dumped and
 * freed; strings that are not valid UTF-8 are repaired first, since
 * jansson refuses them.
 */
#include "export.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

int export_format_parse(const char *s, enum export_format *f)
{
	if (strcmp(s, "jsonl") == 0 || strcmp(s, "ndjson") == 0)
		*f = EXPORT_JSONL;
	else if (strcmp(s, "json") == 0)
		*f = EXPORT_JSON;
	else
		return -1;
	return 0;
}

static json_t *jstr(const char *s)
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
	return j ? j : json_null();
}

static json_t *iso_time(int64_t ms)
{
	char buf[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

struct exp {
	FILE *out;
	enum export_format fmt;
	long n;
};

static int write_page(void *arg, const struct page_rec *p)
{
	struct exp *e = arg;
	json_t *o = json_object(), *links = json_array(), *fields = NULL;
	const char *l = p->links, *end = p->links ? p->links + p->links_len : NULL;
	int ret = 0;

	json_object_set_new(o, "job", jstr(p->job_name));
	json_object_set_new(o, "url", jstr(p->url));
	json_object_set_new(o, "final_url", jstr(p->final_url));
	json_object_set_new(o, "status", json_integer(p->status));
	json_object_set_new(o, "depth", json_integer(p->depth));
	json_object_set_new(o, "fetched_at", iso_time(p->fetched_at));
	json_object_set_new(o, "content_type", jstr(p->content_type));
	json_object_set_new(o, "bytes", json_integer(p->bytes));
	json_object_set_new(o, "elapsed_ms", json_integer(p->elapsed_ms));
	json_object_set_new(o, "title", jstr(p->title));
	json_object_set_new(o, "description", jstr(p->description));
	json_object_set_new(o, "canonical", jstr(p->canonical));
	while (l && l < end) {
		size_t n = strnlen(l, (size_t)(end - l));
		if (n > 0 && l + n < end)
			json_array_append_new(links, jstr(l));
		l += n + 1;
	}
	json_object_set_new(o, "links", links);
	if (p->fields)
		fields = json_loads(p->fields, 0, NULL);
	json_object_set_new(o, "fields", fields ? fields : json_object());
	json_object_set_new(o, "error", jstr(p->error));

	if (e->fmt == EXPORT_JSON && fputs(e->n ? ",\n" : "\n", e->out) == EOF)
		ret = -1;
	if (ret == 0 && json_dumpf(o, e->out, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0)
		ret = -1;
	if (ret == 0 && e->fmt == EXPORT_JSONL && fputc('\n', e->out) == EOF)
		ret = -1;
	json_decref(o);
	if (ret < 0)
		log_error("export: write failed: %s", strerror(errno));
	e->n++;
	return ret;
}

long export_pages(struct store *s, int64_t job, enum export_format fmt,
		  const char *path)
{
	struct exp e = { stdout, fmt, 0 };
	char *tmp = NULL;
	int ret = -1;

	if (path && strcmp(path, "-") != 0) {
		tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
		e.out = fopen(tmp, "w");
		if (!e.out) {
			log_error("%s: cannot write: %s; choose another -o path",
				  tmp, strerror(errno));
			free(tmp);
			return -1;
		}
	}
	if (fmt == EXPORT_JSON && fputc('[', e.out) == EOF)
		goto out;
	if (store_page_each(s, job, write_page, &e) < 0)
		goto out;
	if (fmt == EXPORT_JSON && fputs(e.n ? "\n]\n" : "]\n", e.out) == EOF)
		goto out;
	if (fflush(e.out) == EOF) {
		log_error("export: write failed: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (tmp) {
		if (fclose(e.out) == EOF && ret == 0) {
			log_error("%s: write failed: %s", tmp, strerror(errno));
			ret = -1;
		}
		if (ret == 0 && rename(tmp, path) < 0) {
			log_error("cannot rename %s to %s: %s", tmp, path, strerror(errno));
			ret = -1;
		}
		if (ret < 0)
			unlink(tmp);
		free(tmp);
	}
	return ret < 0 ? -1 : e.n;
}
