/*
 * testsrv.h - an HTTP server for tests, on 127.0.0.1 and an ephemeral port.
 *
 * Runs in the test process (or trawl-testsrv), on libmicrohttpd's own
 * threads: one polling thread and a thread per connection, so keep-alive
 * connections from many crawler transfers are served at once.  It binds
 * 127.0.0.1 only, to port 0, and reports the port the kernel chose.
 *
 * Two kinds: a generated site (site.h), rendered per request, or static
 * files under a directory.  Either way /robots.txt answers 404 unless the
 * directory holds one, and an unknown path answers 404.
 *
 * Every request is logged (method, path?query exactly as sent, monotonic
 * time in ms, User-Agent) behind a mutex; the log can be read while the
 * server runs.
 *
 * Errors: constructors log one line to stderr and return NULL.
 */
#ifndef TRAWL_TESTSRV_H
#define TRAWL_TESTSRV_H

#include <stddef.h>

struct site;
struct testsrv;

struct testsrv_hit {
	char *method;
	char *path;       /* path?query as on the request line */
	char *user_agent; /* "" if none */
	long long ms;     /* now_ms() when the request arrived */
};

/* Serve SITE (borrowed; it must outlive the server).  Caller stops with
 * testsrv_stop(). */
struct testsrv *testsrv_start(const struct site *site);

/* Serve the files under ROOT (copied).  Content-Type from the extension;
 * a path with a ".." segment is refused (403); a directory serves its
 * index.html. */
struct testsrv *testsrv_start_dir(const char *root);

/* A handler answering requests itself (traps.h).  Called on MHD's thread
 * for each GET or HEAD after the log, the delay, testsrv_fail_next() and
 * the redirects, with the raw target (path?query) and the server's port.
 * Returns 1 having queued a response on C, -1 if queueing failed (the
 * connection is closed), or 0 to leave the request to the server. */
struct MHD_Connection;
typedef int testsrv_handler_fn(void *arg, struct MHD_Connection *c,
			       const char *target, int port);

/* Serve through FN (ARG borrowed; both must outlive the server); what FN
 * leaves answers 404.  Caller stops with testsrv_stop(). */
struct testsrv *testsrv_start_handler(testsrv_handler_fn *fn, void *arg);

int testsrv_port(const struct testsrv *srv);

/* "http://127.0.0.1:PORT" + PATH.  Caller frees with free(). */
char *testsrv_url(const struct testsrv *srv, const char *path);

/* Requests so far whose path?query is exactly PATH. */
size_t testsrv_hits(struct testsrv *srv, const char *path);

/* Requests so far whose path is not /robots.txt. */
size_t testsrv_page_hits(struct testsrv *srv);

/* A copy of the log, oldest first.  Caller frees with
 * testsrv_log_free(v, *n). */
struct testsrv_hit *testsrv_log(struct testsrv *srv, size_t *n);
void testsrv_log_free(struct testsrv_hit *v, size_t n);

/* Delay every response by MS milliseconds from now on (0: none), to make
 * a crawl last long enough to interrupt.  Thread-safe. */
void testsrv_set_delay(struct testsrv *srv, int ms);

/* Requests for FROM (path and query, exactly) are answered STATUS (301,
 * 302, ...) with "Location: TO".  Call before the crawl starts. */
void testsrv_add_redirect(struct testsrv *srv, const char *from, const char *to,
			  unsigned status);

/* The next TIMES requests for PATH (path and query, exactly) are answered
 * with STATUS (e.g. 503) instead of the page; later ones normally. */
void testsrv_fail_next(struct testsrv *srv, const char *path, int times,
		       unsigned status);

/* Forget the requests logged so far. */
void testsrv_log_clear(struct testsrv *srv);

/* Close the listening socket and every connection, join the threads and
 * free.  Accepts NULL. */
void testsrv_stop(struct testsrv *srv);

#endif
