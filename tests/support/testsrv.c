/*
 * testsrv.c - the loopback HTTP server for tests (see testsrv.h).
 *
 * Runs on libmicrohttpd's threads: a polling thread accepts, a thread per
 * connection serves it, keep-alive included.  Tuned for correctness, not
 * speed: a few thousand requests per test, each rendered from the site
 * model or read from a small file.
 *
 * The request target is taken raw from MHD_OPTION_URI_LOG_CALLBACK, before
 * MHD splits off and unescapes the query, so the log and the site lookup
 * see exactly what the crawler sent ("/item?id=3&amp;v=1" is not
 * "/item?id=3&v=1").
 */
#include "testsrv.h"

#include "log.h"
#include "site.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define TESTSRV_MAX_FILE (64L << 20)

struct testsrv {
	struct MHD_Daemon *daemon;
	int port;
	const struct site *site; /* borrowed; NULL when serving ROOT */
	char *root;

	atomic_int delay_ms;     /* before each response */
	struct { char *from, *to; unsigned status; } redir[16];
	int nredir;              /* set before the crawl starts */
	char *fail_path;         /* answered with fail_status ... */
	int fail_left;           /* ... this many more times (guarded by mu) */
	unsigned fail_status;
	testsrv_handler_fn *handler; /* set before the daemon starts */
	void *handler_arg;
	pthread_mutex_t mu;      /* guards the log */
	struct testsrv_hit *log;
	size_t nlog, caplog;
};

/* One request; made by the URI callback, freed when MHD completes it. */
struct req {
	char *target;            /* raw request target */
	bool logged;
};

static void *req_new(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = xcalloc(1, sizeof *r);

	(void)cls;
	(void)c;
	r->target = xstrdup(uri);
	return r;
}

static void req_done(void *cls, struct MHD_Connection *c, void **con_cls,
		     enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r) {
		free(r->target);
		free(r);
	}
	*con_cls = NULL;
}

static void log_request(struct testsrv *srv, struct MHD_Connection *c,
			const char *method, const char *target)
{
	const char *ua = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	struct testsrv_hit *h;

	pthread_mutex_lock(&srv->mu);
	if (srv->nlog == srv->caplog) {
		srv->caplog = srv->caplog ? srv->caplog * 2 : 256;
		srv->log = xrealloc(srv->log, srv->caplog * sizeof *srv->log);
	}
	h = &srv->log[srv->nlog++];
	h->method = xstrdup(method);
	h->path = xstrdup(target);
	h->user_agent = xstrdup(ua ? ua : "");
	h->ms = now_ms();
	pthread_mutex_unlock(&srv->mu);
}

/* Queue BODY (taken over; freed by MHD) with STATUS and TYPE. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *type, char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					type);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status,
				  const char *text)
{
	char *body = xasprintf("<!DOCTYPE html>\n<html><head><title>%s</title>"
			       "</head><body><h1>%s</h1></body></html>\n",
			       text, text);
	return reply(c, status, "text/html", body, strlen(body));
}

static enum MHD_Result serve_site(struct testsrv *srv, struct MHD_Connection *c,
				  const char *target)
{
	const struct site_node *nd;
	size_t len;
	char *body;
	int i;

	i = site_find(srv->site, target);
	if (i < 0)
		return reply_text(c, MHD_HTTP_NOT_FOUND, "Not Found");
	nd = &srv->site->nodes[i];
	body = site_render(srv->site, i, srv->port, &len);
	return reply(c, (unsigned)nd->status, nd->content_type, body, len);
}

static const char *type_of(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".css", "text/css" },
		{ ".js", "text/javascript" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".xml", "application/xml" },
		{ ".json", "application/json" },
		{ ".pdf", "application/pdf" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".svg", "image/svg+xml" },
	};
	size_t n = strlen(path), i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t e = strlen(types[i].ext);
		if (n >= e && strcasecmp(path + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

static bool has_dotdot(const char *path)
{
	const char *p = path;

	while (*p) {
		size_t seg = strcspn(p, "/");
		if (seg == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += seg;
		if (*p == '/')
			p++;
	}
	return false;
}

/* Read FILE whole, up to TESTSRV_MAX_FILE.  NULL if missing or not a file. */
static char *read_file(const char *file, size_t *len)
{
	struct stat st;
	char *body = NULL;
	size_t got = 0;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > TESTSRV_MAX_FILE)
		goto fail;
	body = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, body + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return body;
fail:
	close(fd);
	free(body);
	return NULL;
}

static enum MHD_Result serve_dir(struct testsrv *srv, struct MHD_Connection *c,
				 const char *url)
{
	struct stat st;
	char *file = NULL, *body;
	size_t len = 0;

	if (url[0] != '/')
		return reply_text(c, MHD_HTTP_BAD_REQUEST, "Bad Request");
	if (has_dotdot(url))
		return reply_text(c, MHD_HTTP_FORBIDDEN, "Forbidden");
	file = xasprintf("%s%s", srv->root, url);
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		bool slash = file[strlen(file) - 1] == '/';
		char *index = xasprintf("%s%sindex.html", file,
					slash ? "" : "/");
		free(file);
		file = index;
	}
	body = read_file(file, &len);
	if (!body) {
		free(file);
		return reply_text(c, MHD_HTTP_NOT_FOUND, "Not Found");
	}
	{
		enum MHD_Result ret = reply(c, MHD_HTTP_OK, type_of(file), body,
					    len);
		free(file);
		return ret;
	}
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct testsrv *srv = cls;
	struct req *r = *con_cls;
	const char *target;
	int delay;

	(void)version;
	(void)upload_data;
	if (!r)
		return MHD_NO;
	target = r->target;
	/* Answering on the first call, before MHD has read the (empty)
	 * request body, makes it close the connection: wait for the next. */
	if (!r->logged) {
		r->logged = true;
		log_request(srv, c, method, target);
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;  /* bodies are read and dropped */
		return MHD_YES;
	}
	delay = atomic_load(&srv->delay_ms);
	if (delay > 0) {
		struct timespec ts = { delay / 1000,
				       (delay % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "Method Not Allowed");
	{
		unsigned fail = 0;
		pthread_mutex_lock(&srv->mu);
		if (srv->fail_path && srv->fail_left > 0 &&
		    strcmp(target, srv->fail_path) == 0) {
			srv->fail_left--;
			fail = srv->fail_status;
		}
		pthread_mutex_unlock(&srv->mu);
		if (fail)
			return reply_text(c, fail, "Try Again");
	}
	for (int i = 0; i < srv->nredir; i++) {
		if (strcmp(target, srv->redir[i].from) == 0) {
			char *body = xstrdup("moved");
			struct MHD_Response *resp = MHD_create_response_from_buffer(
				strlen(body), body, MHD_RESPMEM_MUST_FREE);
			enum MHD_Result ret;
			if (!resp) {
				free(body);
				return MHD_NO;
			}
			MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
						srv->redir[i].to);
			ret = MHD_queue_response(c, srv->redir[i].status, resp);
			MHD_destroy_response(resp);
			return ret;
		}
	}
	if (srv->handler) {
		int rc = srv->handler(srv->handler_arg, c, target, srv->port);
		if (rc != 0)
			return rc > 0 ? MHD_YES : MHD_NO;
	}
	if (srv->root)
		return serve_dir(srv, c, url);
	if (strcmp(target, "/robots.txt") == 0 || !srv->site)
		return reply_text(c, MHD_HTTP_NOT_FOUND, "Not Found");
	return serve_site(srv, c, target);
}

static struct testsrv *start(const struct site *site, const char *root,
			     testsrv_handler_fn *handler, void *handler_arg)
{
	struct testsrv *srv = xcalloc(1, sizeof *srv);
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;

	srv->site = site;
	srv->root = root ? xstrdup(root) : NULL;
	srv->handler = handler;
	srv->handler_arg = handler_arg;
	atomic_init(&srv->delay_ms, 0);
	pthread_mutex_init(&srv->mu, NULL);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
		0, NULL, NULL, handle, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_URI_LOG_CALLBACK, req_new, srv,
		MHD_OPTION_NOTIFY_COMPLETED, req_done, srv,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)512,
		MHD_OPTION_END);
	if (!srv->daemon) {
		fprintf(stderr,
			"testsrv: MHD_start_daemon on 127.0.0.1 failed\n");
		goto fail;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || info->port == 0) {
		fprintf(stderr,
			"testsrv: MHD_get_daemon_info: no bound port\n");
		goto fail;
	}
	srv->port = info->port;
	return srv;
fail:
	testsrv_stop(srv);
	return NULL;
}

struct testsrv *testsrv_start(const struct site *site)
{
	return start(site, NULL, NULL, NULL);
}

struct testsrv *testsrv_start_handler(testsrv_handler_fn *fn, void *arg)
{
	return start(NULL, NULL, fn, arg);
}

struct testsrv *testsrv_start_dir(const char *root)
{
	struct stat st;
	char *copy;
	size_t n;
	struct testsrv *srv;

	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "testsrv: %s: not a directory\n", root);
		return NULL;
	}
	copy = xstrdup(root);
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	srv = start(NULL, copy, NULL, NULL);
	free(copy);
	return srv;
}

int testsrv_port(const struct testsrv *srv)
{
	return srv->port;
}

char *testsrv_url(const struct testsrv *srv, const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", srv->port, path);
}

size_t testsrv_hits(struct testsrv *srv, const char *path)
{
	size_t i, n = 0;

	pthread_mutex_lock(&srv->mu);
	for (i = 0; i < srv->nlog; i++)
		if (strcmp(srv->log[i].path, path) == 0)
			n++;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

size_t testsrv_page_hits(struct testsrv *srv)
{
	size_t i, n = 0;

	pthread_mutex_lock(&srv->mu);
	for (i = 0; i < srv->nlog; i++)
		if (strcmp(srv->log[i].path, "/robots.txt") != 0)
			n++;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

struct testsrv_hit *testsrv_log(struct testsrv *srv, size_t *n)
{
	struct testsrv_hit *v;
	size_t i;

	pthread_mutex_lock(&srv->mu);
	v = xcalloc(srv->nlog + 1, sizeof *v);
	for (i = 0; i < srv->nlog; i++) {
		v[i].method = xstrdup(srv->log[i].method);
		v[i].path = xstrdup(srv->log[i].path);
		v[i].user_agent = xstrdup(srv->log[i].user_agent);
		v[i].ms = srv->log[i].ms;
	}
	*n = srv->nlog;
	pthread_mutex_unlock(&srv->mu);
	return v;
}

void testsrv_log_free(struct testsrv_hit *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].method);
		free(v[i].path);
		free(v[i].user_agent);
	}
	free(v);
}

void testsrv_set_delay(struct testsrv *srv, int ms)
{
	atomic_store(&srv->delay_ms, ms);
}

void testsrv_log_clear(struct testsrv *srv)
{
	pthread_mutex_lock(&srv->mu);
	testsrv_log_free(srv->log, srv->nlog);
	srv->log = NULL;
	srv->nlog = srv->caplog = 0;
	pthread_mutex_unlock(&srv->mu);
}

void testsrv_stop(struct testsrv *srv)
{
	if (!srv)
		return;
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	testsrv_log_free(srv->log, srv->nlog);
	pthread_mutex_destroy(&srv->mu);
	free(srv->root);
	free(srv->fail_path);
	for (int i = 0; i < srv->nredir; i++) {
		free(srv->redir[i].from);
		free(srv->redir[i].to);
	}
	free(srv);
}

void testsrv_fail_next(struct testsrv *srv, const char *path, int times,
		       unsigned status)
{
	pthread_mutex_lock(&srv->mu);
	free(srv->fail_path);
	srv->fail_path = xstrdup(path);
	srv->fail_left = times;
	srv->fail_status = status;
	pthread_mutex_unlock(&srv->mu);
}

void testsrv_add_redirect(struct testsrv *srv, const char *from, const char *to,
			  unsigned status)
{
	int i = srv->nredir;

	if (i == (int)(sizeof srv->redir / sizeof srv->redir[0]))
		abort();
	srv->redir[i].from = xstrdup(from);
	srv->redir[i].to = xstrdup(to);
	srv->redir[i].status = status;
	srv->nredir = i + 1;
}
