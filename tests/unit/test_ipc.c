/*
 * test_ipc.c - crawler/ipc.c: the frame format, typed put/get, the strict
 * reader (underflow, leftovers, missing NULs, bad version, over-size), the
 * byte-stream reassembly (one byte at a time, many frames at once,
 * truncation) and non-blocking I/O over a real socketpair.
 */
#include "ipc.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct ipc_out out;
static struct ipc_in in;

static void setup(void)
{
	ipc_out_init(&out);
	ipc_in_init(&in);
}

static void teardown(void)
{
	ipc_out_release(&out);
	ipc_in_release(&in);
}

TestSuite(ipc, .init = setup, .fini = teardown, .timeout = 20);

/* Moves every built frame of OUT into IN as if read from a socket. */
static void pipe_all(void)
{
	ipc_feed(&in, out.data + out.sent, ipc_pending(&out));
	out.sent = out.frame;
}

/* A raw header. */
static void put_header(unsigned char *h, unsigned version, unsigned type,
		       unsigned flags, uint32_t len, uint32_t id)
{
	h[0] = (unsigned char)version;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)flags;
	h[3] = (unsigned char)(flags >> 8);
	h[4] = (unsigned char)len;
	h[5] = (unsigned char)(len >> 8);
	h[6] = (unsigned char)(len >> 16);
	h[7] = (unsigned char)(len >> 24);
	h[8] = (unsigned char)id;
	h[9] = (unsigned char)(id >> 8);
	h[10] = (unsigned char)(id >> 16);
	h[11] = (unsigned char)(id >> 24);
}

/* Feeds a frame of PLEN raw payload bytes. */
static void feed_raw(unsigned type, uint32_t id, const void *payload, uint32_t plen)
{
	unsigned char h[IPC_HEADER];

	put_header(h, IPC_VERSION, type, 0, plen, id);
	ipc_feed(&in, h, sizeof h);
	ipc_feed(&in, payload, plen);
}

static void build_sample(uint32_t id)
{
	ipc_begin(&out, IPC_RESULT, id);
	ipc_put_u32(&out, 0);
	ipc_put_u32(&out, UINT32_MAX);
	ipc_put_u32(&out, 0x01020304u);
	ipc_put_u64(&out, 0);
	ipc_put_u64(&out, UINT64_MAX);
	ipc_put_u64(&out, 0x0102030405060708ull);
	ipc_put_str(&out, "hello");
	ipc_put_str(&out, "");
	ipc_put_str(&out, NULL);
	ipc_put_strn(&out, "a\0b", 3);
	ipc_put_strn(&out, "truncated here", 9);
	ipc_end(&out);
}

static void check_sample(struct ipc_frame *f, uint32_t id)
{
	uint32_t a, b, c;
	uint64_t x, y, z;
	const char *s;
	size_t n;

	cr_assert_eq(f->type, IPC_RESULT);
	cr_assert_eq(f->id, id);
	cr_assert_eq(f->flags, 0);
	cr_assert_eq(ipc_get_u32(f, &a), 0);
	cr_assert_eq(ipc_get_u32(f, &b), 0);
	cr_assert_eq(ipc_get_u32(f, &c), 0);
	cr_assert_eq(a, 0);
	cr_assert_eq(b, UINT32_MAX);
	cr_assert_eq(c, 0x01020304u);
	cr_assert_eq(ipc_get_u64(f, &x), 0);
	cr_assert_eq(ipc_get_u64(f, &y), 0);
	cr_assert_eq(ipc_get_u64(f, &z), 0);
	cr_assert_eq(x, 0);
	cr_assert_eq(y, UINT64_MAX);
	cr_assert_eq(z, 0x0102030405060708ull);
	cr_assert_eq(ipc_get_str(f, &s, &n), 0);
	cr_assert(n == 5 && strcmp(s, "hello") == 0);
	cr_assert_eq(ipc_get_str(f, &s, &n), 0);
	cr_assert(s && n == 0 && s[0] == '\0', "empty string is not NULL");
	n = 99;
	cr_assert_eq(ipc_get_str(f, &s, &n), 0);
	cr_assert_null(s);
	cr_assert_eq(n, 0);
	cr_assert_eq(ipc_get_str(f, &s, &n), 0);
	cr_assert(n == 3 && memcmp(s, "a\0b", 4) == 0, "embedded NUL kept, NUL after");
	cr_assert_eq(ipc_get_str(f, &s, NULL), 0);
	cr_assert_str_eq(s, "truncated");
	cr_assert_eq(ipc_frame_end(f), 0);
}

Test(ipc, round_trips_every_type)
{
	struct ipc_frame f;

	build_sample(0xdeadbeef);
	cr_assert_eq(ipc_pending(&out), out.len);
	pipe_all();
	cr_assert_eq(ipc_next(&in, &f), 1);
	check_sample(&f, 0xdeadbeef);
	cr_assert_eq(ipc_next(&in, &f), 0, "nothing after the one frame");
}

Test(ipc, writes_little_endian_header)
{
	const unsigned char *h;

	ipc_begin(&out, IPC_ORDER, 0x0a0b0c0d);
	ipc_put_u32(&out, 0x11223344);
	ipc_end(&out);
	cr_assert_eq(out.len, IPC_HEADER + 4);
	h = (const unsigned char *)out.data;
	cr_expect_eq(h[0], IPC_VERSION);
	cr_expect_eq(h[1], IPC_ORDER);
	cr_expect_eq(h[2], 0);
	cr_expect_eq(h[3], 0);
	cr_expect(h[4] == 4 && h[5] == 0 && h[6] == 0 && h[7] == 0, "length 4 LE");
	cr_expect(h[8] == 0x0d && h[9] == 0x0c && h[10] == 0x0b && h[11] == 0x0a);
	cr_expect(h[12] == 0x44 && h[13] == 0x33 && h[14] == 0x22 && h[15] == 0x11);
}

Test(ipc, encodes_null_string_as_all_ones_length)
{
	const unsigned char *p;

	ipc_begin(&out, IPC_ORDER, 1);
	ipc_put_str(&out, NULL);
	ipc_put_strn(&out, NULL, 5);
	ipc_end(&out);
	cr_assert_eq(out.len, IPC_HEADER + 8, "NULL is just the length");
	p = (const unsigned char *)out.data + IPC_HEADER;
	cr_expect(p[0] == 0xff && p[1] == 0xff && p[2] == 0xff && p[3] == 0xff);
}

Test(ipc, reads_flags_from_header)
{
	unsigned char h[IPC_HEADER];
	struct ipc_frame f;

	put_header(h, IPC_VERSION, IPC_STOP, 0x0201, 0, 7);
	ipc_feed(&in, h, sizeof h);
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(f.type, IPC_STOP);
	cr_expect_eq(f.flags, 0x0201);
	cr_expect_eq(f.id, 7);
	cr_expect_eq(ipc_frame_end(&f), 0, "an empty payload is complete");
}

Test(ipc, carries_flags_set_while_building)
{
	struct ipc_frame f;
	uint32_t v;

	ipc_begin(&out, IPC_ORDER, 1);
	ipc_put_u32(&out, 5);
	ipc_set_flags(&out, 0xbeef);
	ipc_end(&out);
	ipc_begin(&out, IPC_ORDER, 2);
	ipc_end(&out);
	pipe_all();
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(f.flags, 0xbeef);
	cr_assert_eq(ipc_get_u32(&f, &v), 0);
	cr_expect_eq(v, 5, "flags do not touch the payload");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(f.flags, 0, "the next frame starts without flags");
}

Test(ipc, names_frame_types)
{
	cr_expect_str_eq(ipc_type_name(IPC_ORDER), "order");
	cr_expect_str_eq(ipc_type_name(IPC_RESULT), "result");
	cr_expect_str_eq(ipc_type_name(IPC_READY), "ready");
	cr_expect_str_eq(ipc_type_name(IPC_STOP), "stop");
	cr_expect_str_eq(ipc_type_name(0), "unknown");
	cr_expect_str_eq(ipc_type_name(200), "unknown");
}

Test(ipc, yields_same_frames_fed_one_byte_at_a_time)
{
	struct ipc_frame f;
	size_t i, total;
	uint32_t id;
	int got = 0;

	for (id = 1; id <= 3; id++)
		build_sample(id);
	total = out.len;
	for (i = 0; i < total; i++) {
		int rc;
		ipc_feed(&in, out.data + i, 1);
		rc = ipc_next(&in, &f);
		cr_assert_neq(rc, -1, "byte %zu", i);
		if (rc == 1) {
			got++;
			check_sample(&f, (uint32_t)got);
			cr_assert_eq(i + 1, total / 3 * (size_t)got,
				     "frame %d complete only at its last byte", got);
		}
	}
	cr_assert_eq(got, 3);
	cr_assert_eq(ipc_next(&in, &f), 0);
}

Test(ipc, yields_many_frames_from_one_buffer)
{
	enum { N = 1000 };
	struct ipc_frame f;
	uint32_t i, v;
	const char *s;

	for (i = 0; i < N; i++) {
		ipc_begin(&out, IPC_ORDER, i);
		ipc_put_u32(&out, i * 7);
		ipc_put_str(&out, i % 2 ? "odd" : NULL);
		ipc_end(&out);
	}
	pipe_all();
	for (i = 0; i < N; i++) {
		cr_assert_eq(ipc_next(&in, &f), 1, "frame %u", i);
		cr_assert_eq(f.id, i);
		cr_assert_eq(ipc_get_u32(&f, &v), 0);
		cr_assert_eq(v, i * 7);
		cr_assert_eq(ipc_get_str(&f, &s, NULL), 0);
		if (i % 2)
			cr_assert_str_eq(s, "odd");
		else
			cr_assert_null(s);
		cr_assert_eq(ipc_frame_end(&f), 0);
	}
	cr_assert_eq(ipc_next(&in, &f), 0);
}

Test(ipc, waits_for_truncated_frame)
{
	struct ipc_frame f;
	size_t len;

	build_sample(5);
	len = out.len;
	ipc_feed(&in, out.data, IPC_HEADER - 1);
	cr_expect_eq(ipc_next(&in, &f), 0, "partial header");
	ipc_feed(&in, out.data + IPC_HEADER - 1, 1);
	cr_expect_eq(ipc_next(&in, &f), 0, "header without payload");
	ipc_feed(&in, out.data + IPC_HEADER, len - IPC_HEADER - 1);
	cr_expect_eq(ipc_next(&in, &f), 0, "payload one byte short");
	ipc_feed(&in, out.data + len - 1, 1);
	cr_assert_eq(ipc_next(&in, &f), 1);
	check_sample(&f, 5);
}

Test(ipc, rejects_wrong_version)
{
	unsigned char h[IPC_HEADER];
	struct ipc_frame f;

	put_header(h, IPC_VERSION + 1, IPC_ORDER, 0, 0, 1);
	ipc_feed(&in, h, sizeof h);
	cr_expect_eq(ipc_next(&in, &f), -1);
	ipc_in_release(&in);
	ipc_in_init(&in);
	put_header(h, 0, IPC_ORDER, 0, 0, 1);
	ipc_feed(&in, h, sizeof h);
	cr_expect_eq(ipc_next(&in, &f), -1);
}

Test(ipc, rejects_wrong_version_after_good_frames)
{
	unsigned char h[IPC_HEADER];
	struct ipc_frame f;

	build_sample(1);
	pipe_all();
	put_header(h, 9, IPC_ORDER, 0, 0, 2);
	ipc_feed(&in, h, sizeof h);
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(ipc_next(&in, &f), -1);
}

Test(ipc, rejects_frame_over_max)
{
	unsigned char h[IPC_HEADER];
	struct ipc_frame f;

	/* Known from the header alone, without waiting for the payload. */
	put_header(h, IPC_VERSION, IPC_RESULT, 0, IPC_MAX_FRAME + 1, 1);
	ipc_feed(&in, h, sizeof h);
	cr_expect_eq(ipc_next(&in, &f), -1);
	ipc_in_release(&in);
	ipc_in_init(&in);
	put_header(h, IPC_VERSION, IPC_RESULT, 0, UINT32_MAX, 1);
	ipc_feed(&in, h, sizeof h);
	cr_expect_eq(ipc_next(&in, &f), -1);
}

Test(ipc, waits_for_frame_of_exactly_max)
{
	unsigned char h[IPC_HEADER];
	struct ipc_frame f;

	put_header(h, IPC_VERSION, IPC_RESULT, 0, IPC_MAX_FRAME, 1);
	ipc_feed(&in, h, sizeof h);
	cr_expect_eq(ipc_next(&in, &f), 0, "the maximum itself is allowed");
}

Test(ipc, fails_get_past_end)
{
	static const char three[3] = { 1, 2, 3 }, seven[7] = { 0 };
	struct ipc_frame f;
	uint32_t v;
	uint64_t w;

	feed_raw(IPC_ORDER, 1, three, 3);
	feed_raw(IPC_ORDER, 2, seven, 7);
	feed_raw(IPC_ORDER, 3, three, 0);
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(ipc_get_u32(&f, &v), -1, "u32 from 3 bytes");
	cr_expect_eq(ipc_frame_end(&f), -1, "a failed get consumes nothing");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(ipc_get_u64(&f, &w), -1, "u64 from 7 bytes");
	cr_expect_eq(ipc_get_u32(&f, &v), 0);
	cr_expect_eq(ipc_get_u32(&f, &v), -1, "u32 from 3 left");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(ipc_get_u32(&f, &v), -1, "u32 from empty");
	cr_expect_eq(ipc_get_u64(&f, &w), -1, "u64 from empty");
}

Test(ipc, fails_get_past_end_of_built_frame)
{
	struct ipc_frame f;
	uint32_t v;
	const char *s;

	ipc_begin(&out, IPC_ORDER, 1);
	ipc_put_u32(&out, 42);
	ipc_end(&out);
	/* The next frame's bytes must not be readable through this one. */
	ipc_begin(&out, IPC_ORDER, 2);
	ipc_put_u32(&out, 43);
	ipc_end(&out);
	pipe_all();
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_assert_eq(ipc_get_u32(&f, &v), 0);
	cr_assert_eq(v, 42);
	cr_expect_eq(ipc_get_u32(&f, &v), -1);
	cr_expect_eq(ipc_get_str(&f, &s, NULL), -1);
}

Test(ipc, frame_end_fails_with_leftover_bytes)
{
	struct ipc_frame f;
	uint32_t v;

	ipc_begin(&out, IPC_ORDER, 1);
	ipc_put_u32(&out, 1);
	ipc_put_u32(&out, 2);
	ipc_end(&out);
	pipe_all();
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_assert_eq(ipc_get_u32(&f, &v), 0);
	cr_expect_eq(ipc_frame_end(&f), -1);
	cr_assert_eq(ipc_get_u32(&f, &v), 0);
	cr_expect_eq(ipc_frame_end(&f), 0);
}

Test(ipc, fails_string_without_its_nul)
{
	/* Length 3, "abc", then 'x' where the NUL belongs. */
	static const char no_nul[] = { 3, 0, 0, 0, 'a', 'b', 'c', 'x' };
	/* Length 3, "abc" and the payload ends. */
	static const char cut[] = { 3, 0, 0, 0, 'a', 'b', 'c' };
	/* Length beyond the payload. */
	static const char long_len[] = { 0x10, 0, 0, 0, 'a', 0 };
	/* Length 0xfffffffe: just below the NULL marker. */
	static const char huge[] = { (char)0xfe, (char)0xff, (char)0xff, (char)0xff, 0 };
	struct ipc_frame f;
	const char *s = "untouched";
	size_t n = 99;

	feed_raw(IPC_ORDER, 1, no_nul, sizeof no_nul);
	feed_raw(IPC_ORDER, 2, cut, sizeof cut);
	feed_raw(IPC_ORDER, 3, long_len, sizeof long_len);
	feed_raw(IPC_ORDER, 4, huge, sizeof huge);
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(ipc_get_str(&f, &s, &n), -1, "NUL replaced");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(ipc_get_str(&f, &s, &n), -1, "NUL missing at end");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(ipc_get_str(&f, &s, &n), -1, "length past end");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(ipc_get_str(&f, &s, &n), -1, "huge length");
	cr_assert_eq(ipc_next(&in, &f), 0);
}

Test(ipc, pending_counts_only_finished_frames)
{
	ipc_begin(&out, IPC_ORDER, 1);
	ipc_put_u32(&out, 1);
	cr_expect_eq(ipc_pending(&out), 0, "a frame being built is not pending");
	ipc_end(&out);
	cr_expect_eq(ipc_pending(&out), IPC_HEADER + 4);
}

/* A non-blocking stream socketpair; closed by the caller. */
static void make_pair(int sv[2])
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				0, sv), 0);
}

Test(ipc, fill_returns_again_when_nothing_is_there)
{
	int sv[2];

	make_pair(sv);
	cr_expect_eq(ipc_fill(&in, sv[1]), IPC_AGAIN);
	close(sv[0]);
	close(sv[1]);
}

Test(ipc, carries_5mb_frame_over_socketpair)
{
	enum { BIG = 5 << 20 };
	char *big = malloc(BIG);
	struct ipc_frame f;
	const char *s;
	size_t n, i;
	long left, got;
	int sv[2], rounds = 0, frames = 0;
	uint32_t v;

	for (i = 0; i < BIG; i++)
		big[i] = (char)('a' + i % 23);
	make_pair(sv);
	ipc_begin(&out, IPC_RESULT, 77);
	ipc_put_strn(&out, big, BIG);
	ipc_end(&out);
	ipc_begin(&out, IPC_READY, 78);
	ipc_put_u32(&out, 1234);
	ipc_end(&out);
	do {
		left = ipc_flush(&out, sv[0]);
		cr_assert_geq(left, 0, "flush: %s", strerror(errno));
		cr_assert_eq((size_t)left, ipc_pending(&out));
		/* Read what is there; the whole frame never fits in the
		 * socket buffer, so this interleaves. */
		while ((got = ipc_fill(&in, sv[1])) > 0)
			;
		cr_assert_eq(got, IPC_AGAIN);
		while (ipc_next(&in, &f) == 1) {
			frames++;
			if (f.id == 77) {
				cr_assert_eq(ipc_get_str(&f, &s, &n), 0);
				cr_assert_eq(n, (size_t)BIG);
				cr_assert(memcmp(s, big, BIG) == 0, "payload intact");
			} else {
				cr_assert_eq(f.id, 78);
				cr_assert_eq(ipc_get_u32(&f, &v), 0);
				cr_assert_eq(v, 1234);
			}
			cr_assert_eq(ipc_frame_end(&f), 0);
		}
		rounds++;
	} while ((left > 0 || frames < 2) && rounds < 100000);
	cr_expect_gt(rounds, 2, "the frame needed several flushes");
	cr_expect_eq(frames, 2);
	cr_expect_eq(ipc_pending(&out), 0);
	close(sv[0]);
	cr_expect_eq(ipc_fill(&in, sv[1]), 0, "EOF after the peer closed");
	close(sv[1]);
	free(big);
}

Test(ipc, keeps_partly_sent_frames_intact_while_building_more)
{
	/* Frames queued while earlier ones are half written: the queue
	 * compacts and grows under the unsent bytes. */
	enum { N = 200, SZ = 50000 };
	char *chunk = malloc(SZ);
	struct ipc_frame f;
	const char *s;
	size_t n;
	int sv[2], built = 0, seen = 0;

	make_pair(sv);
	while (seen < N) {
		if (built < N) {
			memset(chunk, 'A' + built % 26, SZ);
			ipc_begin(&out, IPC_RESULT, (uint32_t)built);
			ipc_put_strn(&out, chunk, SZ - (size_t)built);
			ipc_end(&out);
			built++;
		}
		cr_assert_geq(ipc_flush(&out, sv[0]), 0);
		if (built % 3 == 0 || built == N) {
			while (ipc_fill(&in, sv[1]) > 0)
				;
			while (ipc_next(&in, &f) == 1) {
				size_t i;
				cr_assert_eq(f.id, (uint32_t)seen);
				cr_assert_eq(ipc_get_str(&f, &s, &n), 0);
				cr_assert_eq(n, (size_t)(SZ - seen));
				for (i = 0; i < n; i++)
					cr_assert_eq(s[i], 'A' + seen % 26, "frame %d byte %zu", seen, i);
				cr_assert_eq(ipc_frame_end(&f), 0);
				seen++;
			}
		}
	}
	cr_expect_eq(ipc_pending(&out), 0);
	close(sv[0]);
	close(sv[1]);
	free(chunk);
}

Test(ipc, fill_returns_0_at_eof_after_peer_closes)
{
	struct ipc_frame f;
	int sv[2];
	long rc;

	make_pair(sv);
	build_sample(9);
	cr_assert_eq(ipc_flush(&out, sv[0]), 0);
	close(sv[0]);
	rc = ipc_fill(&in, sv[1]);
	cr_assert_gt(rc, 0, "the frame sent before closing is read first");
	cr_assert_eq(ipc_next(&in, &f), 1);
	check_sample(&f, 9);
	cr_expect_eq(ipc_fill(&in, sv[1]), 0);
	cr_expect_eq(ipc_fill(&in, sv[1]), 0, "EOF stays EOF");
	close(sv[1]);
}

Test(ipc, flush_fails_with_epipe_when_peer_is_gone)
{
	int sv[2];

	make_pair(sv);
	close(sv[1]);
	build_sample(1);
	errno = 0;
	cr_expect_eq(ipc_flush(&out, sv[0]), -1);
	cr_expect_eq(errno, EPIPE);
	close(sv[0]);
}

Test(ipc, flush_with_nothing_queued_returns_0)
{
	int sv[2];

	make_pair(sv);
	cr_expect_eq(ipc_flush(&out, sv[0]), 0);
	cr_expect_eq(ipc_fill(&in, sv[1]), IPC_AGAIN, "nothing was written");
	close(sv[0]);
	close(sv[1]);
}

Test(ipc, release_accepts_null_and_twice)
{
	ipc_out_release(NULL);
	ipc_in_release(NULL);
	build_sample(1);
	ipc_out_release(&out);
	ipc_out_release(&out);
	cr_expect_null(out.data);
}
