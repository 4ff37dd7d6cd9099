/*
 * fuzz_ipc.c - libFuzzer target for crawler/ipc.c's frame reader and
 * crawler/proto.c's message decoders: the bytes a coordinator reads from
 * a worker it must not trust (and the other way round).
 *
 * Input layout:
 *   byte 0          K = byte 0 % 8, the number of chunk sizes (0: one chunk)
 *   bytes 1..K      chunk sizes, 1..255 bytes (a 0 counts as 1)
 *   the rest        the byte stream, fed to an ipc_in with ipc_feed() in
 *                   chunks of those sizes, cycling
 * After each chunk, ipc_next() is called until it wants more bytes; a
 * malformed stream (-1) ends the input, as the coordinator drops such a
 * peer.  Each frame is decoded as an order and, from the start again, as a
 * result and as cookies.  When a decode succeeds, every string it returned
 * must lie in the frame, NUL-terminated, the links blob must hold nlinks
 * links, the cookie text must be lines within the caps, and
 * encoding the message again with proto_put_*() and decoding that must
 * give the same message: the two ends of the protocol cannot disagree.
 *
 * Seeds: built with -DFUZZ_IPC_GEN, this file is a program that writes
 * a few valid streams (K = 0, then frames made by proto.c itself) into
 * the directory given as its argument:
 *
 *   cc -std=c11 -D_GNU_SOURCE -DFUZZ_IPC_GEN -Icrawler -Itests/fuzz \
 *      tests/fuzz/fuzz_ipc.c crawler/ipc.c crawler/proto.c crawler/log.c \
 *      -o /tmp/ipcgen && /tmp/ipcgen tests/fuzz/corpus/ipc
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookies.h"
#include "fuzz.h"
#include "ipc.h"
#include "proto.h"

/* S (borrowed from frame F's payload [P0, END)) is NULL or a string that
 * ends inside the payload. */
static void check_in(const char *s, const char *p0, const char *end)
{
	if (!s)
		return;
	FUZZ_CHECK(s >= p0 && s < end);
	FUZZ_CHECK(memchr(s, '\0', (size_t)(end - s)) != NULL);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Decodes the one frame of OUT into F (via IN). */
static void reread(struct ipc_out *o, struct ipc_in *in, struct ipc_frame *f)
{
	ipc_feed(in, o->data, o->len);
	FUZZ_CHECK(ipc_next(in, f) == 1);
}

static void try_order(const struct ipc_frame *frame)
{
	struct ipc_frame f = *frame, g;
	struct ipc_out o;
	struct ipc_in in;
	const char *url, *url2;

	if (proto_get_order(&f, &url) < 0)
		return;
	FUZZ_CHECK(url != NULL);
	check_in(url, frame->p, frame->end);
	FUZZ_CHECK(f.p == f.end);

	ipc_out_init(&o);
	ipc_in_init(&in);
	proto_put_order(&o, frame->id, url, frame->flags);
	reread(&o, &in, &g);
	FUZZ_CHECK(g.type == IPC_ORDER && g.id == frame->id &&
		   g.flags == frame->flags);
	FUZZ_CHECK(proto_get_order(&g, &url2) == 0);
	FUZZ_CHECK(strcmp(url, url2) == 0);
	ipc_in_release(&in);
	ipc_out_release(&o);
}

static void check_result(const struct result *r, const char *p0,
			 const char *end)
{
	const char *p, *le;
	uint32_t i;

	check_in(r->error, p0, end);
	check_in(r->error_detail, p0, end);
	check_in(r->final_url, p0, end);
	check_in(r->location, p0, end);
	check_in(r->content_type, p0, end);
	check_in(r->etag, p0, end);
	check_in(r->last_modified, p0, end);
	check_in(r->title, p0, end);
	check_in(r->description, p0, end);
	check_in(r->canonical, p0, end);
	check_in(r->items, p0, end);
	check_in(r->retry_after, p0, end);
	FUZZ_CHECK(r->links != NULL);
	check_in(r->links, p0, end);
	FUZZ_CHECK(r->links + r->links_len < end);
	if (r->body) {
		check_in(r->body, p0, end);
		FUZZ_CHECK(r->body + r->body_len < end);
	}
	/* The links blob holds exactly nlinks NUL-terminated strings. */
	le = r->links + r->links_len;
	for (p = r->links, i = 0; p < le; i++)
		p += strlen(p) + 1;
	FUZZ_CHECK(p == le && i == r->nlinks);
}

static void try_result(const struct ipc_frame *frame)
{
	struct ipc_frame f = *frame, g;
	struct result r, r2;
	struct ipc_out o;
	struct ipc_in in;

	if (proto_get_result(&f, &r) < 0)
		return;
	FUZZ_CHECK(f.p == f.end);
	check_result(&r, frame->p, frame->end);

	ipc_out_init(&o);
	ipc_in_init(&in);
	proto_put_result(&o, frame->id, &r);
	reread(&o, &in, &g);
	FUZZ_CHECK(g.type == IPC_RESULT && g.id == frame->id);
	FUZZ_CHECK(proto_get_result(&g, &r2) == 0);
	FUZZ_CHECK(r.status == r2.status && r.bytes == r2.bytes &&
		   r.elapsed_ms == r2.elapsed_ms &&
		   r.content_hash == r2.content_hash && r.flags == r2.flags &&
		   r.nlinks == r2.nlinks);
	FUZZ_CHECK(str_eq(r.error, r2.error) &&
		   str_eq(r.error_detail, r2.error_detail) &&
		   str_eq(r.final_url, r2.final_url) &&
		   str_eq(r.location, r2.location) &&
		   str_eq(r.content_type, r2.content_type) &&
		   str_eq(r.etag, r2.etag) &&
		   str_eq(r.last_modified, r2.last_modified) &&
		   str_eq(r.title, r2.title) &&
		   str_eq(r.description, r2.description) &&
		   str_eq(r.canonical, r2.canonical) &&
		   str_eq(r.items, r2.items) &&
		   str_eq(r.retry_after, r2.retry_after));
	FUZZ_CHECK(r.links_len == r2.links_len &&
		   memcmp(r.links, r2.links, r.links_len) == 0);
	FUZZ_CHECK((r.body == NULL) == (r2.body == NULL) &&
		   r.body_len == r2.body_len &&
		   (!r.body || memcmp(r.body, r2.body, r.body_len) == 0));
	ipc_in_release(&in);
	ipc_out_release(&o);
}

static void try_cookies(const struct ipc_frame *frame)
{
	struct ipc_frame f = *frame, g;
	struct ipc_out o;
	struct ipc_in in;
	const char *text, *text2, *p, *nl;
	size_t len, len2, lines = 0;

	if (proto_get_cookies(&f, &text, &len) < 0)
		return;
	FUZZ_CHECK(f.p == f.end);
	FUZZ_CHECK(text != NULL && frame->id == 0 && frame->flags == 0);
	check_in(text, frame->p, frame->end);
	FUZZ_CHECK(text + len < frame->end && text[len] == '\0');
	FUZZ_CHECK(len <= COOKIES_TEXT_MAX);
	/* Lines of 1..COOKIES_LINE_MAX bytes, each ended, no NUL or CR. */
	for (p = text; p < text + len; p = nl + 1, lines++) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		FUZZ_CHECK(nl != NULL && nl > p && nl - p <= COOKIES_LINE_MAX);
		FUZZ_CHECK(!memchr(p, '\0', (size_t)(nl - p)) &&
			   !memchr(p, '\r', (size_t)(nl - p)));
	}
	FUZZ_CHECK(lines <= COOKIES_MAX);

	ipc_out_init(&o);
	ipc_in_init(&in);
	proto_put_cookies(&o, text, len);
	reread(&o, &in, &g);
	FUZZ_CHECK(g.type == IPC_COOKIES && g.id == 0 && g.flags == 0);
	FUZZ_CHECK(proto_get_cookies(&g, &text2, &len2) == 0);
	FUZZ_CHECK(len == len2 && memcmp(text, text2, len) == 0);
	ipc_in_release(&in);
	ipc_out_release(&o);
}

/* Reads the payload as a run of strings, then of u64s: the typed getters
 * on their own, whatever the frame holds. */
static void try_getters(const struct ipc_frame *frame)
{
	struct ipc_frame f = *frame;
	const char *s;
	size_t n;
	uint64_t v;
	uint32_t w;

	(void)ipc_type_name(f.type);
	while (ipc_get_str(&f, &s, &n) == 0)
		if (s)
			FUZZ_CHECK(s + n < frame->end && s[n] == '\0');
	while (ipc_get_u64(&f, &v) == 0)
		;
	while (ipc_get_u32(&f, &w) == 0)
		;
	FUZZ_CHECK(f.p <= f.end && f.end - f.p < 4);
	(void)ipc_frame_end(&f);
}

#ifndef FUZZ_IPC_GEN

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t k, off, j = 0;
	struct ipc_in in;
	struct ipc_frame f;
	int rc = 0;

	if (size == 0)
		return 0;
	k = data[0] % 8;
	if (size < 1 + k)
		return 0;
	off = 1 + k;
	ipc_in_init(&in);
	while (off < size && rc >= 0) {
		size_t n = size - off;

		if (k > 0) {
			size_t c = data[1 + j++ % k];
			if (c == 0)
				c = 1;
			if (c < n)
				n = c;
		}
		ipc_feed(&in, data + off, n);
		off += n;
		while ((rc = ipc_next(&in, &f)) == 1) {
			FUZZ_CHECK(f.p >= in.data && f.p <= f.end &&
				   f.end <= in.data + in.len);
			try_order(&f);
			try_result(&f);
			try_cookies(&f);
			try_getters(&f);
		}
	}
	ipc_in_release(&in);
	return 0;
}

#else /* FUZZ_IPC_GEN: writes the seed corpus */

static void save(const char *dir, const char *name, const struct ipc_out *o)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp || fputc(0, fp) == EOF || /* K = 0: one chunk */
	    fwrite(o->data, 1, o->len, fp) != o->len || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const char links[] = "http://127.0.0.1/a\0http://127.0.0.1/b\0";
	static const char cookies[] =
		"#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tabc\n"
		".example.com\tTRUE\t/a\tTRUE\t1999999999\tk\t\n"
		"127.0.0.1\tFALSE\t/\tFALSE\t1\tgone\tx\n";
	struct result r;
	struct ipc_out o;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}

	ipc_out_init(&o);
	proto_put_order(&o, 1, "http://127.0.0.1:8080/index.html", 0);
	save(argv[1], "order", &o);
	ipc_out_release(&o);

	ipc_out_init(&o);
	proto_put_order(&o, 7, "http://127.0.0.1/robots.txt", ORDER_ROBOTS);
	ipc_begin(&o, IPC_STOP, 0);
	ipc_end(&o);
	save(argv[1], "order-robots-stop", &o);
	ipc_out_release(&o);

	memset(&r, 0, sizeof r);
	r.status = 200;
	r.final_url = "http://127.0.0.1/a/b.html";
	r.content_type = "text/html; charset=utf-8";
	r.bytes = 1234;
	r.elapsed_ms = 5;
	r.etag = "\"abc\"";
	r.content_hash = 0x0123456789abcdefULL;
	r.title = "A page";
	r.description = "About it";
	r.canonical = "http://127.0.0.1/a/b.html";
	r.flags = RESULT_PARSED;
	r.nlinks = 2;
	r.links = links;
	r.links_len = sizeof links - 1;
	ipc_out_init(&o);
	ipc_begin(&o, IPC_READY, 0);
	ipc_put_u32(&o, 4242);
	ipc_end(&o);
	proto_put_result(&o, 3, &r);
	save(argv[1], "ready-result", &o);
	ipc_out_release(&o);

	memset(&r, 0, sizeof r);
	r.error = "timeout";
	r.error_detail = "Operation timed out after 30000 milliseconds";
	r.final_url = "http://127.0.0.1/slow";
	r.body = "x\x9c\x03\x00\x00\x00\x00\x01";
	r.body_len = 8;
	ipc_out_init(&o);
	proto_put_result(&o, 9, &r);
	save(argv[1], "result-error-body", &o);
	ipc_out_release(&o);

	memset(&r, 0, sizeof r);
	r.status = 301;
	r.retry_after = "Sun, 06 Nov 1994 08:49:37 GMT";
	r.final_url = "http://127.0.0.1/old";
	r.location = "http://127.0.0.1/new/";
	r.content_type = "text/html";
	r.links = "";
	ipc_out_init(&o);
	proto_put_result(&o, 11, &r);
	save(argv[1], "result-redirect", &o);
	ipc_out_release(&o);

	ipc_out_init(&o);
	proto_put_cookies(&o, cookies, sizeof cookies - 1);
	proto_put_cookies(&o, "", 0);
	save(argv[1], "cookies", &o);
	ipc_out_release(&o);
	return 0;
}

#endif
