/*
 * test_polite.c - the politeness and trap rules of crawler/frontier.c that
 * the coordinator applies per host and per URL: Retry-After parsing,
 * backoff growth, recovery and caps, autothrottle arithmetic and floor,
 * the repeated-segment trap rule, the query-variant cap and the host
 * limit (also after a reload from the store).
 *
 * Each test gets its own mkdtemp() directory with a fresh database; the
 * clock is the tests' own (frontier_pop() takes "now" as an argument).
 */
#include "frontier.h"
#include "log.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "tmpstore.h"
#include "url.h"

static struct tmpstore ts;
static struct frontier *fr;

static void setup(void)
{
	tmpstore_init(&ts, "test_polite");
}

static void teardown(void)
{
	frontier_free(fr);
	fr = NULL;
	tmpstore_release(&ts);
}

TestSuite(polite, .init = setup, .fini = teardown, .timeout = 20);

static void start_with(long delay_ms, const struct frontier_policy *pol)
{
	fr = frontier_new(ts.st, ts.job, 1000, 4, delay_ms);
	cr_assert_not_null(fr);
	if (pol)
		frontier_set_policy(fr, pol);
	cr_assert_eq(frontier_load(fr), 0);
}

static uint64_t fp_of(const char *u)
{
	return url_fingerprint(u, strlen(u));
}

static int add(const char *u)
{
	frontier_mark(fr, fp_of(u), 1);
	return frontier_add(fr, fp_of(u), u, 1, 0);
}

static const char *admit(const char *u)
{
	return frontier_admit(fr, u, strlen(u), true);
}

/* ---- Retry-After ---- */

/* 2026-11-22T00:00:00Z */
#define NOW 1795305600LL

Test(polite, retry_after_reads_delay_seconds)
{
	cr_expect_eq(frontier_retry_after_ms("120", NOW), 120000);
	cr_expect_eq(frontier_retry_after_ms("0", NOW), 0);
	cr_expect_eq(frontier_retry_after_ms(" 2 ", NOW), 2000);
	cr_expect_eq(frontier_retry_after_ms("99999999999999999999999", NOW),
		     LLONG_MAX / 2, "too many seconds to hold: very long");
}

Test(polite, retry_after_reads_the_three_http_date_forms)
{
	cr_expect_eq(frontier_retry_after_ms("Sun, 22 Nov 2026 00:00:30 GMT", NOW),
		     30000, "IMF-fixdate");
	cr_expect_eq(frontier_retry_after_ms("Sunday, 22-Nov-26 00:01:00 GMT", NOW),
		     60000, "RFC 850");
	cr_expect_eq(frontier_retry_after_ms("Sun Nov 22 01:00:00 2026", NOW),
		     3600000, "asctime");
	cr_expect_eq(frontier_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", NOW),
		     0, "a date in the past means now");
	cr_expect_eq(frontier_retry_after_ms("sun, 22 nov 2026 00:00:01 GMT", NOW),
		     1000, "names compared case-insensitively");
}

Test(polite, retry_after_refuses_garbage)
{
	static const char *const bad[] = {
		"", "soon", "12abc", "-5", "1.5", "+3",
		"Sun, 22 Nov 2026 00:00:30 PST",
		"Sun, 22 Foo 2026 00:00:30 GMT",
		"Sun, 32 Nov 2026 00:00:30 GMT",
		"Sun, 22 Nov 2026 25:00:30 GMT",
		"Sun, 22 Nov 2026 00:00:30 GMT and more",
		"Sun, 22 Nov 2026",
	};
	size_t i;

	cr_expect_eq(frontier_retry_after_ms(NULL, NOW), -1);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(frontier_retry_after_ms(bad[i], NOW), -1, "\"%s\"", bad[i]);
}

/* ---- backoff ---- */

static struct host *host_of(const char *u)
{
	return frontier_host_of(fr, u);
}

Test(polite, backoff_doubles_from_one_second_up_to_the_cap)
{
	struct host *h;
	long want = 1000;
	long long t = 10000;
	int i;

	start_with(0, NULL);
	h = host_of("http://a.com/");
	cr_assert_eq(frontier_host_delay_ms(fr, h), 0);
	for (i = 0; i < 10; i++, t += 100000) {
		frontier_host_backoff(fr, h, t, t);
		cr_expect_eq(frontier_host_delay_ms(fr, h), want, "failure %d", i + 1);
		want = want * 2 > 60000 ? 60000 : want * 2;
	}
	cr_expect_eq(frontier_host_delay_ms(fr, h), 60000, "capped at 60 s");
}

Test(polite, backoff_starts_from_the_host_delay_when_larger)
{
	struct host *h;

	start_with(0, NULL);
	h = host_of("http://a.com/");
	frontier_host_delay(h, 5000);
	frontier_host_backoff(fr, h, 1000, 1000);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 10000);
	frontier_host_delay(h, 90000);
	frontier_host_backoff(fr, h, 2000, 2000);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 90000,
		     "a floor above the cap stays the floor");
}

Test(polite, a_burst_of_failures_sent_together_counts_once)
{
	struct host *h;

	start_with(0, NULL);
	h = host_of("http://a.com/");
	/* Four requests sent at 100 all fail, at 200, 210, 220, 230. */
	frontier_host_backoff(fr, h, 200, 100);
	frontier_host_backoff(fr, h, 210, 100);
	frontier_host_backoff(fr, h, 220, 100);
	frontier_host_backoff(fr, h, 230, 100);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 1000);
	/* One sent after the backoff began fails too: that doubles it. */
	frontier_host_backoff(fr, h, 1500, 1300);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 2000);
}

Test(polite, backoff_holds_the_host_from_the_failure)
{
	struct fentry *e;
	long long wake;

	start_with(0, NULL);
	cr_assert_eq(add("http://a.com/1"), 1);
	cr_assert_eq(add("http://a.com/2"), 1);
	cr_assert_eq(add("http://b.com/1"), 1);
	e = frontier_pop(fr, 1000, &wake);
	cr_assert_str_eq(e->url, "http://a.com/1");
	cr_expect_eq(e->sent, 1000);
	frontier_host_backoff(fr, e->host, 1400, e->sent);
	frontier_done(fr, e);
	e = frontier_pop(fr, 1500, &wake);
	cr_assert_not_null(e);
	cr_expect_str_eq(e->url, "http://b.com/1", "another host is not held");
	frontier_done(fr, e);
	cr_expect_null(frontier_pop(fr, 2399, &wake));
	cr_expect_eq(wake, 2400);
	e = frontier_pop(fr, 2400, &wake);
	cr_assert_not_null(e);
	cr_expect_str_eq(e->url, "http://a.com/2");
	frontier_done(fr, e);
}

Test(polite, good_answers_halve_the_backoff_until_it_goes)
{
	struct host *h;
	long long t = 1000;
	long want;
	int i;

	start_with(200, NULL);
	h = host_of("http://a.com/");
	for (i = 0; i < 7; i++, t += 1000)
		frontier_host_backoff(fr, h, t, t);
	cr_assert_eq(frontier_host_delay_ms(fr, h), 60000);
	frontier_host_recover(fr, h, t - 2000);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 60000,
		     "an answer to a request sent before the last increase");
	for (want = 60000; want - 200 >= 200;) {
		want = 200 + (want - 200) / 2;
		frontier_host_recover(fr, h, t);
		cr_expect_eq(frontier_host_delay_ms(fr, h), want);
	}
	frontier_host_recover(fr, h, t);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 200, "back to --delay");
}

Test(polite, pause_holds_a_host_until_then)
{
	struct fentry *e;
	long long wake;

	start_with(0, NULL);
	cr_assert_eq(add("http://a.com/1"), 1);
	frontier_host_pause(host_of("http://a.com/"), 5000);
	frontier_host_pause(host_of("http://a.com/"), 3000);
	cr_expect_null(frontier_pop(fr, 4999, &wake));
	cr_expect_eq(wake, 5000, "a shorter pause does not shorten it");
	e = frontier_pop(fr, 5000, &wake);
	cr_assert_not_null(e);
	frontier_done(fr, e);
}

/* ---- autothrottle ---- */

Test(polite, autothrottle_averages_toward_latency_over_target)
{
	struct frontier_policy pol = { .autothrottle = true,
				       .autothrottle_target = 2.0,
				       .autothrottle_max_ms = 60000 };
	struct host *h;

	start_with(0, &pol);
	h = host_of("http://a.com/");
	cr_expect_eq(frontier_host_delay_ms(fr, h), 0, "starts at the floor");
	frontier_host_latency(fr, h, 800, true);     /* (0 + 400) / 2 */
	cr_expect_eq(frontier_host_delay_ms(fr, h), 200);
	frontier_host_latency(fr, h, 800, true);     /* (200 + 400) / 2 */
	cr_expect_eq(frontier_host_delay_ms(fr, h), 300);
	frontier_host_latency(fr, h, 0, true);       /* (300 + 0) / 2 */
	cr_expect_eq(frontier_host_delay_ms(fr, h), 150);
	frontier_host_latency(fr, h, 0, false);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 150,
		     "an error answer does not lower it");
	frontier_host_latency(fr, h, 2000, false);   /* (150 + 1000) / 2 */
	cr_expect_eq(frontier_host_delay_ms(fr, h), 575, "but may raise it");
}

Test(polite, autothrottle_stays_between_floor_and_max)
{
	struct frontier_policy pol = { .autothrottle = true,
				       .autothrottle_target = 1.0,
				       .autothrottle_max_ms = 5000 };
	struct host *h;
	int i;

	start_with(300, &pol);
	h = host_of("http://a.com/");
	for (i = 0; i < 20; i++)
		frontier_host_latency(fr, h, 0, true);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 300, "never below --delay");
	for (i = 0; i < 20; i++)
		frontier_host_latency(fr, h, 100000, true);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 5000, "never above the max");
	frontier_host_delay(h, 8000); /* Crawl-delay above the max */
	frontier_host_latency(fr, h, 0, true);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 8000, "the floor wins over the max");
}

Test(polite, autothrottle_off_changes_nothing)
{
	struct host *h;

	start_with(100, NULL);
	h = host_of("http://a.com/");
	frontier_host_latency(fr, h, 10000, true);
	cr_expect_eq(frontier_host_delay_ms(fr, h), 100);
}

/* ---- traps ---- */

/* The URL is held in the struct: parameters are copied into the test's
 * process, where pointers to the runner's literals need not be valid. */
struct trap_case {
	char url[64];
	long max;
	bool trap;
};

ParameterizedTestParameters(polite, trap_rule)
{
	static struct trap_case cases[] = {
		{ "http://a.com/a/b/a/b/a/b/", 2, true },
		{ "http://a.com/x/x/x/", 2, true },
		{ "http://a.com/x/x/x", 2, true },
		{ "http://a.com/x/y/x/z/x/index.html", 2, true },
		{ "http://a.com/img/a/img/b/img/c.png/img", 3, true },
		{ "http://a.com/loop/a/a/a/a/", 2, true },
		{ "http://a.com/2026/11/22/", 2, false },
		{ "http://a.com/2002/02/02/", 2, false },
		{ "http://a.com/page/1/page/2", 2, false },
		{ "http://a.com/a/b/c/a/b/c", 2, false },
		{ "http://a.com/x/x/x/", 3, false },
		{ "http://a.com/x/x/x/", 0, false },
		{ "http://a.com/x//x///x", 3, false },
		{ "http://a.com/x/?q=/x/x/x", 2, false },
		{ "http://a.com/", 2, false },
		{ "http://a.com/a/ab/abc/a.b/aa", 1, false },
	};
	return cr_make_param_array(struct trap_case, cases,
				   sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct trap_case *tc, polite, trap_rule)
{
	cr_expect_eq(frontier_url_trap(tc->url, strlen(tc->url), tc->max), tc->trap,
		     "%s with at most %ld repeats: %s", tc->url, tc->max,
		     tc->trap ? "a trap" : "not a trap");
}

Test(polite, trap_rule_handles_the_longest_paths)
{
	char u[URL_MAX_LEN + 1];
	size_t n = (size_t)snprintf(u, sizeof u, "http://a.com");
	int i = 0;

	/* Distinct segments up to URL_MAX_LEN: no trap, no overflow. */
	while (n + 8 < URL_MAX_LEN)
		n += (size_t)snprintf(u + n, sizeof u - n, "/%x", i++);
	cr_expect_not(frontier_url_trap(u, n, 2));
	/* One-letter segments, two of each of 26: no trap; a third: trap. */
	n = (size_t)snprintf(u, sizeof u, "http://a.com");
	for (i = 0; i < 52; i++)
		n += (size_t)snprintf(u + n, sizeof u - n, "/%c", 'a' + i % 26);
	cr_expect_not(frontier_url_trap(u, n, 2));
	n += (size_t)snprintf(u + n, sizeof u - n, "/q");
	cr_expect(frontier_url_trap(u, n, 2));
}

/* ---- query variants and the host limit ---- */

Test(polite, query_variants_are_capped_per_path)
{
	struct frontier_policy pol = { .max_query_variants = 3 };
	char u[64];
	int i;

	start_with(0, &pol);
	for (i = 0; i < 3; i++) {
		snprintf(u, sizeof u, "http://a.com/list?p=%d", i);
		cr_expect_null(admit(u), "%s", u);
	}
	cr_expect_str_eq(admit("http://a.com/list?p=3"), "query-limit");
	cr_expect_str_eq(admit("http://a.com/list?sort=asc"), "query-limit");
	cr_expect_null(admit("http://a.com/list"), "no query: not counted");
	cr_expect_null(admit("http://a.com/other?p=1"), "another path");
	cr_expect_null(admit("https://a.com/list?p=1"), "another scheme");
	cr_expect_null(admit("http://b.com/list?p=1"), "another host");
	cr_expect_null(frontier_admit(fr, "http://a.com/list?p=9",
				      strlen("http://a.com/list?p=9"), false),
		       "not checked when QUERY is false (seeds)");
}

Test(polite, query_table_forgets_light_paths_first)
{
	struct frontier_policy pol = { .max_query_variants = 50 };
	char u[96];
	int i;

	start_with(0, &pol);
	for (i = 0; i < 50; i++) {
		snprintf(u, sizeof u, "http://trap.com/cal?d=%d", i);
		cr_assert_null(admit(u));
	}
	/* A million other paths, each once: the table is 65,536 wide. */
	for (i = 0; i < 1000000; i++) {
		snprintf(u, sizeof u, "http://a.com/p%d?x=1", i);
		cr_assert_null(admit(u), "%s", u);
	}
	cr_expect_str_eq(admit("http://trap.com/cal?d=50"), "query-limit",
			 "the heavy path is still counted");
}

Test(polite, host_limit_counts_urls_taken_per_host)
{
	struct frontier_policy pol = { .max_per_host = 2 };

	start_with(0, &pol);
	cr_expect_null(admit("http://a.com/1"));
	cr_expect_null(admit("http://a.com/2?x=1"));
	cr_expect_str_eq(admit("http://a.com/3"), "host-limit");
	cr_expect_str_eq(admit("http://a.com/4"), "host-limit");
	cr_expect_null(admit("http://a.com:8080/1"), "another origin");
	cr_expect_null(admit("http://b.com/1"));
}

Test(polite, no_limits_by_default)
{
	char u[64];
	int i;

	start_with(0, NULL);
	for (i = 0; i < 5000; i++) {
		snprintf(u, sizeof u, "http://a.com/list?p=%d", i);
		cr_assert_null(admit(u));
	}
}

Test(polite, limits_are_rebuilt_from_the_store_on_reload)
{
	struct frontier_policy pol = { .max_per_host = 3, .max_query_variants = 2 };
	int64_t id;

	start_with(0, &pol);
	cr_assert_null(admit("http://a.com/q?x=1"));
	cr_assert_eq(add("http://a.com/q?x=1"), 1);
	cr_assert_null(admit("http://a.com/q?x=2"));
	cr_assert_eq(add("http://a.com/q?x=2"), 1);
	cr_assert_eq(store_url_add(ts.st, ts.job, fp_of("http://a.com/q?x=3"),
				   "http://a.com/q?x=3", 1, 0, URL_SKIPPED,
				   "query-limit", &id), 1);
	frontier_free(fr);
	fr = NULL;
	tmpstore_reopen(&ts);
	start_with(0, &pol);
	cr_expect_str_eq(admit("http://a.com/q?x=4"), "query-limit");
	cr_expect_null(admit("http://a.com/other"), "2 of 3 taken; skipped rows not counted");
	cr_expect_str_eq(admit("http://a.com/more"), "host-limit");
}
