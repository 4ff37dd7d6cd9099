/*
 * proto.c - the messages of proto.h.  Runs on both ends: orders and
 * results once per page each way, cookies at most about once a second.
 */
#include "proto.h"

#include "cookies.h"

#include <stdlib.h>
#include <string.h>

void proto_put_order(struct ipc_out *o, uint32_t id, const char *url,
		     unsigned flags)
{
	ipc_begin(o, IPC_ORDER, id);
	ipc_set_flags(o, flags);
	ipc_put_str(o, url);
	ipc_end(o);
}

int proto_get_order(struct ipc_frame *f, const char **url)
{
	if (ipc_get_str(f, url, NULL) < 0 || !*url)
		return -1;
	return ipc_frame_end(f);
}

void proto_put_result(struct ipc_out *o, uint32_t id, const struct result *r)
{
	ipc_begin(o, IPC_RESULT, id);
	ipc_put_u32(o, r->status);
	ipc_put_str(o, r->error);
	ipc_put_str(o, r->error_detail);
	ipc_put_str(o, r->final_url);
	ipc_put_str(o, r->location);
	ipc_put_str(o, r->content_type);
	ipc_put_u64(o, r->bytes);
	ipc_put_u32(o, r->elapsed_ms);
	ipc_put_str(o, r->etag);
	ipc_put_str(o, r->last_modified);
	ipc_put_u64(o, r->content_hash);
	ipc_put_str(o, r->title);
	ipc_put_str(o, r->description);
	ipc_put_str(o, r->canonical);
	ipc_put_u32(o, r->flags);
	ipc_put_u32(o, r->nlinks);
	ipc_put_strn(o, r->links ? r->links : "", r->links ? r->links_len : 0);
	ipc_put_str(o, r->items);
	ipc_put_strn(o, r->body, r->body_len);
	ipc_put_str(o, r->retry_after);
	ipc_end(o);
}

int proto_get_result(struct ipc_frame *f, struct result *r)
{
	const char *p;
	size_t i;

	memset(r, 0, sizeof *r);
	if (ipc_get_u32(f, &r->status) < 0 ||
	    ipc_get_str(f, &r->error, NULL) < 0 ||
	    ipc_get_str(f, &r->error_detail, NULL) < 0 ||
	    ipc_get_str(f, &r->final_url, NULL) < 0 ||
	    ipc_get_str(f, &r->location, NULL) < 0 ||
	    ipc_get_str(f, &r->content_type, NULL) < 0 ||
	    ipc_get_u64(f, &r->bytes) < 0 ||
	    ipc_get_u32(f, &r->elapsed_ms) < 0 ||
	    ipc_get_str(f, &r->etag, NULL) < 0 ||
	    ipc_get_str(f, &r->last_modified, NULL) < 0 ||
	    ipc_get_u64(f, &r->content_hash) < 0 ||
	    ipc_get_str(f, &r->title, NULL) < 0 ||
	    ipc_get_str(f, &r->description, NULL) < 0 ||
	    ipc_get_str(f, &r->canonical, NULL) < 0 ||
	    ipc_get_u32(f, &r->flags) < 0 ||
	    ipc_get_u32(f, &r->nlinks) < 0 ||
	    ipc_get_str(f, &r->links, &r->links_len) < 0 ||
	    ipc_get_str(f, &r->items, NULL) < 0 ||
	    ipc_get_str(f, &r->body, &r->body_len) < 0 ||
	    ipc_get_str(f, &r->retry_after, NULL) < 0)
		return -1;
	/* The links blob must hold exactly nlinks NUL-terminated links. */
	if (!r->links)
		return -1;
	for (p = r->links, i = 0; p < r->links + r->links_len; i++) {
		size_t len = strnlen(p, (size_t)(r->links + r->links_len - p));
		if (p + len >= r->links + r->links_len)
			return -1;
		p += len + 1;
	}
	if (i != r->nlinks)
		return -1;
	return ipc_frame_end(f);
}

/* Lines in the LEN bytes at TEXT, if each is 1..COOKIES_LINE_MAX bytes
 * without NUL or CR and ends with '\n'; else -1. */
static long count_lines(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	long n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l;

		if (!nl)
			return -1;
		l = (size_t)(nl - p);
		if (l == 0 || l > COOKIES_LINE_MAX || memchr(p, '\0', l) ||
		    memchr(p, '\r', l))
			return -1;
		n++;
		p = nl + 1;
	}
	return n;
}

void proto_put_cookies(struct ipc_out *o, const char *text, size_t len)
{
	long n = count_lines(text, len);

	ipc_begin(o, IPC_COOKIES, 0);
	ipc_put_u32(o, n < 0 ? 0 : (uint32_t)n);
	ipc_put_strn(o, text ? text : "", len);
	ipc_end(o);
}

int proto_get_cookies(struct ipc_frame *f, const char **text, size_t *len)
{
	uint32_t n;

	if (f->id != 0 || f->flags != 0 ||
	    f->end - f->p > (long)COOKIES_TEXT_MAX + 16 ||
	    ipc_get_u32(f, &n) < 0 || n > COOKIES_MAX ||
	    ipc_get_str(f, text, len) < 0 || !*text || *len > COOKIES_TEXT_MAX ||
	    count_lines(*text, *len) != (long)n)
		return -1;
	return ipc_frame_end(f);
}
