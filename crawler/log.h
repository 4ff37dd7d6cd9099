/*
 * log.h - diagnostics and the allocation wrappers every module uses.
 *
 * Runs in every process.  Messages go to stderr as "trawl: message" (the
 * coordinator) or "trawl[wN]: message" (worker N), one line each, written
 * with a single write() so lines from several processes never interleave.
 *
 * Convention (STYLE.md section 5): the function that sees a failure logs it
 * once, naming the call and the object; its callers only pass -1 up.
 *
 * Out of memory is not an error to handle: xmalloc() and friends print a
 * line and abort().  In a worker that is safe, the supervisor re-queues its
 * URLs and forks a replacement.
 */
#ifndef TRAWL_LOG_H
#define TRAWL_LOG_H

#include <stddef.h>

enum log_level { LOG_SILENT = -1, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* NAME is the prefix ("trawl" or "trawl[w3]"); copied. */
void log_init(const char *name, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees with free(). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic and wall clocks in milliseconds. */
long long now_ms(void);
long long wall_ms(void);

#endif
