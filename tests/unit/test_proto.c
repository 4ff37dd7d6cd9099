/*
 * test_proto.c - crawler/proto.c: order, result and cookies messages
 * survive the trip, and a reader refuses what a well-behaved peer cannot
 * have sent (links blob not matching nlinks, missing fields, trailing
 * bytes, cookie lines over the caps or not as announced).
 */
#include "proto.h"

#include <criterion/criterion.h>

#include "cookies.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

TestSuite(proto, .init = setup, .fini = teardown, .timeout = 10);

static void transfer(void)
{
	ipc_feed(&in, out.data + out.sent, ipc_pending(&out));
	out.sent = out.frame;
}

static void next_frame(struct ipc_frame *f)
{
	transfer();
	cr_assert_eq(ipc_next(&in, f), 1);
}

static const char links3[] = "http://a.com/1\0http://a.com/2\0http://b.com/\0";

static struct result sample(void)
{
	static const char body[] = { 0x78, (char)0x9c, 0, 1, 2, 0, (char)0xff };
	struct result r = {
		.status = 200,
		.error = NULL,
		.error_detail = NULL,
		.final_url = "http://a.com/final",
		.content_type = "text/html; charset=utf-8",
		.bytes = 5000000000ull,
		.elapsed_ms = 1234,
		.etag = "\"abc\"",
		.last_modified = "Sat, 21 Nov 2026 23:00:00 GMT",
		.content_hash = 0xfedcba9876543210ull,
		.title = "T\xc3\xaftle",
		.description = "",
		.canonical = "http://a.com/c",
		.flags = RESULT_PARSED | RESULT_NOFOLLOW,
		.nlinks = 3,
		.links = links3,
		.links_len = sizeof links3 - 1,
		.items = "[{\"extractor\":\"p\",\"fields\":{},\"error\":null}]",
		.body = body,
		.body_len = sizeof body,
		.retry_after = "120",
	};
	return r;
}

static void expect_str(const char *got, const char *want, const char *what)
{
	if (!want)
		cr_expect_null(got, "%s", what);
	else
		cr_expect(got && strcmp(got, want) == 0, "%s: %s, want %s", what,
			  got ? got : "NULL", want);
}

Test(proto, round_trips_result_with_links_and_body)
{
	struct result r = sample(), g;
	struct ipc_frame f;

	proto_put_result(&out, 4242, &r);
	next_frame(&f);
	cr_assert_eq(f.type, IPC_RESULT);
	cr_assert_eq(f.id, 4242);
	cr_assert_eq(proto_get_result(&f, &g), 0);
	cr_expect_eq(g.status, 200);
	expect_str(g.error, NULL, "error");
	expect_str(g.error_detail, NULL, "error_detail");
	expect_str(g.final_url, r.final_url, "final_url");
	expect_str(g.content_type, r.content_type, "content_type");
	cr_expect_eq(g.bytes, 5000000000ull);
	cr_expect_eq(g.elapsed_ms, 1234);
	expect_str(g.etag, r.etag, "etag");
	expect_str(g.last_modified, r.last_modified, "last_modified");
	cr_expect_eq(g.content_hash, 0xfedcba9876543210ull);
	expect_str(g.title, r.title, "title");
	expect_str(g.description, "", "description");
	expect_str(g.canonical, r.canonical, "canonical");
	expect_str(g.items, r.items, "items");
	cr_expect_eq(g.flags, RESULT_PARSED | RESULT_NOFOLLOW);
	cr_expect_eq(g.nlinks, 3);
	cr_assert_eq(g.links_len, r.links_len);
	cr_expect(memcmp(g.links, links3, r.links_len) == 0);
	cr_assert_eq(g.body_len, r.body_len);
	cr_expect(memcmp(g.body, r.body, r.body_len) == 0, "binary body intact");
	expect_str(g.retry_after, "120", "retry_after");
}

Test(proto, round_trips_failed_fetch_without_links_or_body)
{
	struct result r = { 0 }, g;
	struct ipc_frame f;

	r.error = "timeout";
	r.error_detail = "Operation timed out after 30000 milliseconds";
	r.final_url = "http://a.com/slow";
	proto_put_result(&out, 1, &r);
	next_frame(&f);
	cr_assert_eq(proto_get_result(&f, &g), 0);
	cr_expect_eq(g.status, 0);
	expect_str(g.error, "timeout", "error");
	expect_str(g.error_detail, r.error_detail, "error_detail");
	expect_str(g.title, NULL, "title");
	expect_str(g.content_type, NULL, "content_type");
	cr_expect_eq(g.nlinks, 0);
	cr_expect_eq(g.links_len, 0);
	cr_expect_null(g.body);
	cr_expect_eq(g.body_len, 0);
	expect_str(g.retry_after, NULL, "retry_after");
}

Test(proto, round_trips_many_results_in_one_stream)
{
	struct result r = sample(), g;
	struct ipc_frame f;
	uint32_t i;

	for (i = 0; i < 50; i++) {
		r.status = 200 + i;
		proto_put_result(&out, i, &r);
	}
	transfer();
	for (i = 0; i < 50; i++) {
		cr_assert_eq(ipc_next(&in, &f), 1);
		cr_assert_eq(f.id, i);
		cr_assert_eq(proto_get_result(&f, &g), 0);
		cr_assert_eq(g.status, 200 + i);
	}
}

Test(proto, rejects_nlinks_not_matching_links)
{
	struct result r = sample(), g;
	struct ipc_frame f;

	r.nlinks = 2;
	proto_put_result(&out, 1, &r);
	r.nlinks = 4;
	proto_put_result(&out, 2, &r);
	r.nlinks = 0;
	proto_put_result(&out, 3, &r);
	transfer();
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_result(&f, &g), -1, "fewer than in the blob");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_result(&f, &g), -1, "more than in the blob");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_result(&f, &g), -1, "none but a blob");
}

Test(proto, rejects_links_blob_without_final_nul)
{
	static const char blob[] = "http://a.com/1\0http://a.com/2";
	struct result r = sample(), g;
	struct ipc_frame f;

	r.links = blob;
	r.links_len = sizeof blob - 1; /* the last link is not terminated */
	r.nlinks = 2;
	proto_put_result(&out, 1, &r);
	next_frame(&f);
	cr_expect_eq(proto_get_result(&f, &g), -1);
}

Test(proto, rejects_truncated_result)
{
	struct result r = sample(), g;
	struct ipc_frame f;
	size_t len, cut;

	proto_put_result(&out, 1, &r);
	len = ipc_pending(&out);
	/* Every shorter payload, with a header that claims just that much. */
	for (cut = IPC_HEADER; cut < len; cut += 3) {
		unsigned char *h;
		uint32_t plen = (uint32_t)(cut - IPC_HEADER);
		char *copy = malloc(cut);

		memcpy(copy, out.data, cut);
		h = (unsigned char *)copy;
		h[4] = (unsigned char)plen;
		h[5] = (unsigned char)(plen >> 8);
		h[6] = (unsigned char)(plen >> 16);
		h[7] = (unsigned char)(plen >> 24);
		ipc_feed(&in, copy, cut);
		free(copy);
		cr_assert_eq(ipc_next(&in, &f), 1);
		cr_assert_eq(proto_get_result(&f, &g), -1, "payload cut at %zu", cut);
	}
}

Test(proto, rejects_result_with_trailing_bytes)
{
	struct result r = sample(), g;
	struct ipc_frame f;

	/* The same fields and one u32 more, the header's length to match. */
	proto_put_result(&out, 1, &r);
	{
		size_t plen = out.len - IPC_HEADER + 4;
		char extra[4] = { 1, 2, 3, 4 };
		unsigned char *h = (unsigned char *)out.data;
		h[4] = (unsigned char)plen;
		h[5] = (unsigned char)(plen >> 8);
		h[6] = (unsigned char)(plen >> 16);
		h[7] = (unsigned char)(plen >> 24);
		ipc_feed(&in, out.data, out.len);
		ipc_feed(&in, extra, 4);
	}
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_result(&f, &g), -1);
}

Test(proto, round_trips_order)
{
	struct ipc_frame f;
	const char *url = NULL;

	proto_put_order(&out, 99, "http://a.com/x?y=1", 0);
	next_frame(&f);
	cr_assert_eq(f.type, IPC_ORDER);
	cr_assert_eq(f.id, 99);
	cr_assert_eq(proto_get_order(&f, &url), 0);
	cr_expect_str_eq(url, "http://a.com/x?y=1");
}

Test(proto, rejects_order_without_url)
{
	struct ipc_frame f;
	const char *url;

	ipc_begin(&out, IPC_ORDER, 1);
	ipc_put_str(&out, NULL);
	ipc_end(&out);
	ipc_begin(&out, IPC_ORDER, 2);
	ipc_end(&out);
	transfer();
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_order(&f, &url), -1, "NULL url");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_order(&f, &url), -1, "empty payload");
}

Test(proto, rejects_order_with_trailing_bytes)
{
	struct ipc_frame f;
	const char *url;

	ipc_begin(&out, IPC_ORDER, 1);
	ipc_put_str(&out, "http://a.com/");
	ipc_put_u32(&out, 7);
	ipc_end(&out);
	next_frame(&f);
	cr_expect_eq(proto_get_order(&f, &url), -1);
}

Test(proto, rejects_order_with_unterminated_url)
{
	static const unsigned char frame[] = {
		IPC_VERSION, IPC_ORDER, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0,
		4, 0, 0, 0, 'h', 't', 't', 'p',
	};
	struct ipc_frame f;
	const char *url;

	ipc_feed(&in, frame, sizeof frame);
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_order(&f, &url), -1);
}

/* ---- cookies ---- */

static const char jar2[] =
	"#HttpOnly_a.com\tFALSE\t/\tFALSE\t0\tsid\tabc\n"
	".b.com\tTRUE\t/x\tTRUE\t1999999999\tk\t\n";

Test(proto, round_trips_cookies)
{
	struct ipc_frame f;
	const char *text = NULL;
	size_t len = 0;

	proto_put_cookies(&out, jar2, sizeof jar2 - 1);
	proto_put_cookies(&out, NULL, 0);
	transfer();
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_assert_eq(f.type, IPC_COOKIES);
	cr_assert_eq(f.id, 0);
	cr_assert_eq(proto_get_cookies(&f, &text, &len), 0);
	cr_assert_eq(len, sizeof jar2 - 1);
	cr_expect_str_eq(text, jar2);
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_assert_eq(proto_get_cookies(&f, &text, &len), 0, "an empty jar");
	cr_expect_eq(len, 0);
}

/* A cookies frame of COUNT and TEXT (LEN bytes), as a peer could write it. */
static int get_raw_cookies(uint32_t count, const char *text, size_t len)
{
	struct ipc_frame f;
	const char *t;
	size_t n;

	ipc_begin(&out, IPC_COOKIES, 0);
	ipc_put_u32(&out, count);
	ipc_put_strn(&out, text, len);
	ipc_end(&out);
	next_frame(&f);
	return proto_get_cookies(&f, &t, &n);
}

Test(proto, rejects_cookies_not_as_announced)
{
	cr_expect_eq(get_raw_cookies(1, jar2, sizeof jar2 - 1), -1, "count low");
	cr_expect_eq(get_raw_cookies(3, jar2, sizeof jar2 - 1), -1, "count high");
	cr_expect_eq(get_raw_cookies(2, jar2, sizeof jar2 - 2), -1,
		     "last line without its newline");
	cr_expect_eq(get_raw_cookies(3, "a\n\nb\n", 5), -1, "an empty line");
	cr_expect_eq(get_raw_cookies(1, "a\rb\n", 4), -1, "a CR");
	cr_expect_eq(get_raw_cookies(1, "a\0b\n", 4), -1, "a NUL");
	cr_expect_eq(get_raw_cookies(0, NULL, 0), -1, "a NULL text");
	cr_expect_eq(get_raw_cookies(2, jar2, sizeof jar2 - 1), 0, "as sent");
}

Test(proto, rejects_cookies_over_the_caps)
{
	size_t big = COOKIES_TEXT_MAX + 2, i;
	uint32_t n;
	char *t = malloc(big);

	/* One line too long. */
	memset(t, 'x', COOKIES_LINE_MAX + 1);
	t[COOKIES_LINE_MAX + 1] = '\n';
	cr_expect_eq(get_raw_cookies(1, t, COOKIES_LINE_MAX + 2), -1, "long line");
	t[COOKIES_LINE_MAX] = '\n';
	cr_expect_eq(get_raw_cookies(1, t, COOKIES_LINE_MAX + 1), 0, "longest line");
	/* Too many lines, and too many bytes. */
	for (i = 0; i < 2 * (COOKIES_MAX + 1); i += 2) {
		t[i] = 'c';
		t[i + 1] = '\n';
	}
	cr_expect_eq(get_raw_cookies(COOKIES_MAX + 1, t, 2 * (COOKIES_MAX + 1)), -1,
		     "too many lines");
	cr_expect_eq(get_raw_cookies(COOKIES_MAX, t, 2 * COOKIES_MAX), 0,
		     "as many lines as may be");
	for (i = 0, n = 0; i < big; i++) {
		t[i] = i % 4096 == 4095 || i == big - 1 ? '\n' : 'y';
		n += t[i] == '\n';
	}
	cr_expect_eq(get_raw_cookies(n, t, big), -1, "over COOKIES_TEXT_MAX bytes");
	free(t);
}

Test(proto, rejects_cookies_with_id_flags_or_trailing_bytes)
{
	struct ipc_frame f;
	const char *t;
	size_t n;

	ipc_begin(&out, IPC_COOKIES, 5);
	ipc_put_u32(&out, 0);
	ipc_put_str(&out, "");
	ipc_end(&out);
	ipc_begin(&out, IPC_COOKIES, 0);
	ipc_set_flags(&out, 1);
	ipc_put_u32(&out, 0);
	ipc_put_str(&out, "");
	ipc_end(&out);
	ipc_begin(&out, IPC_COOKIES, 0);
	ipc_put_u32(&out, 0);
	ipc_put_str(&out, "");
	ipc_put_u32(&out, 0);
	ipc_end(&out);
	transfer();
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_cookies(&f, &t, &n), -1, "an id");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_cookies(&f, &t, &n), -1, "flags");
	cr_assert_eq(ipc_next(&in, &f), 1);
	cr_expect_eq(proto_get_cookies(&f, &t, &n), -1, "trailing bytes");
}
