/*
 * proto.h - the messages of the coordinator-worker protocol, on top of
 * ipc.h's frames.  Writing and reading each message lives here, once, so
 * the two ends cannot disagree.
 *
 *   order   (coordinator -> worker)  id = order id; flags = enum
 *                                    order_flag; url
 *   result  (worker -> coordinator)  id = the order's id; struct result
 *   ready   (worker -> coordinator)  id = 0; pid
 *   stop    (coordinator -> worker)  finish what is in flight, then exit
 *   cookies (both ways)              id = 0; cookie jar text (cookies.h)
 *
 * "cookies" exists only with conf->cookies.  Worker -> coordinator: the
 * lines of the worker's jar that changed since it last sent or was sent
 * some (tombstones for cookies it dropped), at most about once a second
 * and when told to stop.  Coordinator -> worker: the whole job's jar as
 * the first message to a new worker, then the lines a worker's message
 * changed in the job's jar, to every worker (its sender too, so every jar
 * ends up in the coordinator's order).
 */
#ifndef TRAWL_PROTO_H
#define TRAWL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

enum result_flag {
	RESULT_PARSED = 1 << 0,   /* the body was HTML and was parsed */
	RESULT_NOINDEX = 1 << 1,
	RESULT_NOFOLLOW = 1 << 2,
};

/* A fetch result.  When read back, every pointer is borrowed from the
 * frame, valid until the next ipc_fill() on that channel. */
struct result {
	uint32_t status;            /* HTTP status, 0 if no response */
	const char *error;          /* NULL, or "timeout", "connect", ... */
	const char *error_detail;   /* curl's message, or NULL */
	const char *final_url;
	const char *location;       /* a 3xx's target, normalized; "" if not
				       http(s); NULL if no redirect */
	const char *content_type;
	uint64_t bytes;
	uint32_t elapsed_ms;
	const char *etag, *last_modified;
	uint64_t content_hash;
	const char *title, *description, *canonical;
	uint32_t flags;             /* enum result_flag */
	uint32_t nlinks;
	const char *links;          /* each link followed by a NUL */
	size_t links_len;
	const char *items;          /* scrape.h's JSON array of items, or
				       NULL when no extractor made one */
	const char *body;           /* zlib-compressed body, or NULL (raw
				       for ORDER_ROBOTS and ORDER_SITEMAP) */
	size_t body_len;
	const char *retry_after;    /* the Retry-After header as sent, or
				       NULL */
};

enum order_flag {
	ORDER_ROBOTS = 1 << 0,    /* a robots.txt: send the body back, raw,
				     its first 500 KiB; follow redirects */
	ORDER_SITEMAP = 1 << 1,   /* a sitemap: send the body back, raw (not
				     decompressed beyond Content-Encoding),
				     up to max_size; follow redirects.  Sent
				     together with ORDER_ROBOTS, so that a
				     worker that does not know it fetches
				     the sitemap as a robots.txt. */
};

void proto_put_order(struct ipc_out *o, uint32_t id, const char *url,
		     unsigned flags);
/* Returns 0, -1 if the frame is malformed. */
int proto_get_order(struct ipc_frame *f, const char **url);

void proto_put_result(struct ipc_out *o, uint32_t id, const struct result *r);
int proto_get_result(struct ipc_frame *f, struct result *r);

/* TEXT: LEN bytes of lines each ended by '\n' (cookies.h), at most
 * COOKIES_MAX lines and COOKIES_TEXT_MAX bytes. */
void proto_put_cookies(struct ipc_out *o, const char *text, size_t len);
/* Returns 0 with *TEXT (borrowed from the frame, NUL-terminated) and
 * *LEN set, or -1 if the frame is malformed: an id or flags not 0, over
 * the caps, a line empty or over COOKIES_LINE_MAX, a NUL or '\r' in it,
 * a last line without its '\n', a line count not the one announced.
 * Whether each line is a well-formed cookie is cookies_merge()'s to
 * judge. */
int proto_get_cookies(struct ipc_frame *f, const char **text, size_t *len);

#endif
