/*
 * test_cookies.c - crawler/cookies.c: merging jar text keeps the latest
 * line of each key, drops expired entries and tombstones' keys, holds the
 * caps by dropping the oldest, reports what changed; a diff carries what
 * turns one jar into another; and random merges agree with a naive model.
 */
#include "cookies.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000

static struct cookies jar;

static void setup(void)
{
	cookies_init(&jar);
}

static void teardown(void)
{
	cookies_release(&jar);
}

TestSuite(cookies, .init = setup, .fini = teardown, .timeout = 30);

static long merge(struct cookies *j, const char *text, char **changed)
{
	size_t n;

	return cookies_merge(j, text, strlen(text), NOW, changed, changed ? &n : NULL);
}

/* J's text; freed by the caller. */
static char *text_of(const struct cookies *j)
{
	size_t n;

	return cookies_text(j, &n);
}

static void expect_text(const char *want)
{
	char *t = text_of(&jar);

	cr_expect_str_eq(t, want);
	free(t);
}

Test(cookies, checks_lines)
{
	static const char *const good[] = {
		"a.com\tFALSE\t/\tFALSE\t0\tn\tv",
		"#HttpOnly_.a.com\tTRUE\t/p\tTRUE\t1999999999\tn\t",
		"127.0.0.1\tFALSE\t/\tFALSE\t0\tn\tv=w; x",
	};
	static const char *const bad[] = {
		"", "ALL", "FLUSH", "Set-Cookie: a=b",
		"a.com\tFALSE\t/\tFALSE\t0\tn",              /* 6 fields */
		"a.com\tFALSE\t/\tFALSE\t0\tn\tv\tw",        /* 8 */
		"\tFALSE\t/\tFALSE\t0\tn\tv",                /* no domain */
		"#HttpOnly_\tFALSE\t/\tFALSE\t0\tn\tv",
		"a.com\tMAYBE\t/\tFALSE\t0\tn\tv",
		"a.com\tFALSE\tp\tFALSE\t0\tn\tv",           /* path not / */
		"a.com\tFALSE\t/\tFALSE\t-1\tn\tv",
		"a.com\tFALSE\t/\tFALSE\t\tn\tv",
		"a.com\tFALSE\t/\tFALSE\t0\t\tv",            /* no name */
		"a.com\tFALSE\t/\tFALSE\t0\tn\tv\r",
		"a.com\tFALSE\t/\tFALSE\t1234567890123456789\tn\tv",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		cr_expect_eq(cookies_line_ok(good[i], strlen(good[i])), 0, "%s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(cookies_line_ok(bad[i], strlen(bad[i])), -1, "%s", bad[i]);
}

Test(cookies, keeps_the_latest_line_of_a_key)
{
	char *ch = NULL;

	cr_expect_eq(merge(&jar, "a.com\tFALSE\t/\tFALSE\t0\tsid\t1\n"
			   "b.com\tFALSE\t/\tFALSE\t0\tsid\tb\n", NULL), 2);
	cr_expect_eq(merge(&jar, "a.com\tFALSE\t/\tFALSE\t0\tsid\t2\n"
			   "a.com\tFALSE\t/\tFALSE\t0\tsid\t3\n", &ch), 1);
	cr_expect_str_eq(ch, "a.com\tFALSE\t/\tFALSE\t0\tsid\t3\n");
	free(ch);
	cr_expect_eq(jar.n, 2);
	/* Oldest merged first. */
	expect_text("b.com\tFALSE\t/\tFALSE\t0\tsid\tb\n"
		    "a.com\tFALSE\t/\tFALSE\t0\tsid\t3\n");
}

Test(cookies, keys_on_domain_path_and_name)
{
	merge(&jar, "a.com\tFALSE\t/\tFALSE\t0\tn\t1\n"
	      "a.com\tFALSE\t/x\tFALSE\t0\tn\t2\n"
	      "a.com\tFALSE\t/\tFALSE\t0\tm\t3\n"
	      "b.com\tFALSE\t/\tFALSE\t0\tn\t4\n", NULL);
	cr_expect_eq(jar.n, 4);
	/* Case of the domain, its dot and the HttpOnly prefix, secure and
	 * tail-match are not the key: these replace the first line. */
	merge(&jar, "A.COM\tFALSE\t/\tFALSE\t0\tn\t5\n", NULL);
	merge(&jar, "#HttpOnly_.a.com\tTRUE\t/\tTRUE\t0\tn\t6\n", NULL);
	cr_expect_eq(jar.n, 4);
	/* Path and name are case-sensitive. */
	merge(&jar, "a.com\tFALSE\t/X\tFALSE\t0\tN\t7\n", NULL);
	cr_expect_eq(jar.n, 5);
	expect_text("a.com\tFALSE\t/x\tFALSE\t0\tn\t2\n"
		    "a.com\tFALSE\t/\tFALSE\t0\tm\t3\n"
		    "b.com\tFALSE\t/\tFALSE\t0\tn\t4\n"
		    "#HttpOnly_.a.com\tTRUE\t/\tTRUE\t0\tn\t6\n"
		    "a.com\tFALSE\t/X\tFALSE\t0\tN\t7\n");
}

Test(cookies, same_line_again_changes_nothing)
{
	char *ch = (char *)1;

	merge(&jar, "a.com\tFALSE\t/\tFALSE\t0\tsid\t1\n", NULL);
	cr_expect_eq(merge(&jar, "a.com\tFALSE\t/\tFALSE\t0\tsid\t1\n", &ch), 0);
	cr_expect_null(ch);
}

Test(cookies, drops_expired_entries_and_tombstoned_keys)
{
	char *ch = NULL;

	cr_expect_eq(merge(&jar, "a.com\tFALSE\t/\tFALSE\t0\tsess\t1\n"
			   "a.com\tFALSE\t/\tFALSE\t1800000000\tlater\t1\n"
			   "a.com\tFALSE\t/\tFALSE\t1600000000\tpast\t1\n", &ch), 2);
	free(ch);
	cr_expect_eq(jar.n, 2, "an expired line is not added");
	/* A tombstone removes its key and is reported; one for a key the
	 * jar lacks changes nothing. */
	cr_expect_eq(merge(&jar, "a.com\tFALSE\t/\tFALSE\t1\tsess\tx\n"
			   "a.com\tFALSE\t/\tFALSE\t1\tnever\tx\n", &ch), 1);
	cr_expect_str_eq(ch, "a.com\tFALSE\t/\tFALSE\t1\tsess\tx\n");
	free(ch);
	expect_text("a.com\tFALSE\t/\tFALSE\t1800000000\tlater\t1\n");
	/* Time passes: the entry expires at the next merge. */
	cr_expect_eq(cookies_merge(&jar, "", 0, 1800000000, NULL, NULL), 1);
	cr_expect_eq(jar.n, 0);
}

Test(cookies, skips_malformed_lines)
{
	cr_expect_eq(merge(&jar, "ALL\nnonsense\n\na.com\tFALSE\t/\tFALSE\t0\tn\tv", NULL), 1,
		     "the last line needs no newline");
	cr_expect_eq(jar.n, 1);
}

Test(cookies, holds_the_entry_cap_dropping_the_oldest)
{
	char *text = malloc((COOKIES_MAX + 5) * 64), *ch = NULL;
	size_t n = 0;
	long changed;

	/* In one merge: the first lines are the oldest. */
	for (int i = 0; i < COOKIES_MAX + 5; i++)
		n += (size_t)sprintf(text + n, "h%d.com\tFALSE\t/\tFALSE\t0\tn\t%d\n",
				     i, i);
	cr_expect_eq(cookies_merge(&jar, text, n, NOW, NULL, NULL), COOKIES_MAX + 5 + 5);
	free(text);
	cr_expect_eq(jar.n, COOKIES_MAX);
	/* h0..h4 went; refreshing h5 makes h6 the oldest. */
	changed = merge(&jar, "h5.com\tFALSE\t/\tFALSE\t0\tn\tnew\n"
			"x.com\tFALSE\t/\tFALSE\t0\tn\tx\n", &ch);
	cr_expect_eq(changed, 3, "two lines and one dropped");
	free(ch);
	{
		char *t = cookies_text(&jar, &n);

		cr_expect_null(strstr(t, "\nh4.com\t"));
		cr_expect_null(strstr(t, "\nh6.com\t"));
		cr_expect(strncmp(t, "h7.com\t", 7) == 0, "oldest first: %.20s", t);
		cr_expect_not_null(strstr(t, "h5.com\tFALSE\t/\tFALSE\t0\tn\tnew\n"
					  "x.com"));
		free(t);
	}
}

Test(cookies, holds_the_byte_cap)
{
	size_t vlen = COOKIES_LINE_MAX - 40, n;
	char *line = malloc(COOKIES_LINE_MAX + 2);

	for (int i = 0; i < 200; i++) {
		int k = snprintf(line, 40, "h%d.com\tFALSE\t/\tFALSE\t0\tn\t", i);

		memset(line + k, 'v', vlen);
		line[k + (int)vlen] = '\n';
		cookies_merge(&jar, line, (size_t)k + vlen + 1, NOW, NULL, NULL);
	}
	free(line);
	cr_expect_leq(jar.bytes, COOKIES_TEXT_MAX);
	cr_expect_gt(jar.bytes, COOKIES_TEXT_MAX - COOKIES_LINE_MAX);
	line = cookies_text(&jar, &n);
	cr_expect_eq(n, jar.bytes);
	cr_expect(strncmp(line, "h72.com\t", 8) == 0 || strncmp(line, "h73.com\t", 8) == 0,
		  "the newest kept: %.10s", line);
	free(line);
}

Test(cookies, empty_jar_is_empty_text)
{
	size_t n = 1;
	char *t = cookies_text(&jar, &n);

	cr_expect_eq(n, 0);
	cr_expect_str_eq(t, "");
	free(t);
	cr_expect_null(cookies_diff(&jar, &jar, NOW, &n, NULL));
	cr_expect_eq(cookies_merge(&jar, "", 0, NOW, NULL, NULL), 0);
}

Test(cookies, text_merged_into_an_empty_jar_is_the_same_jar)
{
	struct cookies b;
	char *t1, *t2;

	merge(&jar, "b.com\tFALSE\t/\tFALSE\t0\tn\t1\n"
	      "a.com\tFALSE\t/\tFALSE\t0\tn\t2\n", NULL);
	merge(&jar, "c.com\tFALSE\t/\tFALSE\t0\tn\t3\n"
	      "b.com\tFALSE\t/\tFALSE\t0\tn\t4\n", NULL);
	t1 = text_of(&jar);
	cookies_init(&b);
	merge(&b, t1, NULL);
	t2 = text_of(&b);
	cr_expect_str_eq(t1, t2);
	free(t1);
	free(t2);
	cookies_release(&b);
}

Test(cookies, diff_has_changes_then_tombstones)
{
	struct cookies now;
	char *d;
	size_t n, added = 0;

	merge(&jar, "a.com\tFALSE\t/\tFALSE\t0\tsame\t1\n"
	      "a.com\tFALSE\t/\tFALSE\t0\tchanged\t1\n"
	      "a.com\tFALSE\t/\tFALSE\t0\tgone\t1\n"
	      "a.com\tFALSE\t/\tFALSE\t1700000100\tstale\t1\n", NULL);
	cookies_init(&now);
	merge(&now, "a.com\tFALSE\t/\tFALSE\t0\tsame\t1\n"
	      "a.com\tFALSE\t/\tFALSE\t0\tchanged\t2\n"
	      "a.com\tFALSE\t/\tFALSE\t0\tnew\t1\n", NULL);
	/* "stale" expired between the two: no tombstone for it. */
	d = cookies_diff(&jar, &now, 1700000200, &n, &added);
	cr_assert_not_null(d);
	cr_expect_eq(added, 1, "\"new\" only");
	cr_expect_str_eq(d, "a.com\tFALSE\t/\tFALSE\t0\tchanged\t2\n"
			 "a.com\tFALSE\t/\tFALSE\t0\tnew\t1\n"
			 "a.com\tFALSE\t/\tFALSE\t1\tgone\t1\n");
	cr_expect_eq(n, strlen(d));
	/* Applying the diff to the old jar gives the new one. */
	cookies_merge(&jar, d, n, 1700000200, NULL, NULL);
	free(d);
	cr_expect_null(cookies_diff(&jar, &now, 1700000200, &n, NULL));
	cr_expect_eq(n, 0);
	cookies_release(&now);
}

/* Random merges against a naive model: an array of (key, line) where a
 * line replaces its key's and an expired one removes it. */
Test(cookies, agrees_with_a_naive_model)
{
	struct { char key[32]; char line[96]; } model[64];
	size_t nm = 0;
	unsigned seed = 12345;

	for (int round = 0; round < 2000; round++) {
		char text[1024], *t;
		size_t len = 0, n;
		int lines = 1 + (int)(rand_r(&seed) % 4);

		for (int l = 0; l < lines; l++) {
			int d = (int)(rand_r(&seed) % 3), nm_ = (int)(rand_r(&seed) % 4);
			int v = (int)(rand_r(&seed) % 5);
			bool dead = rand_r(&seed) % 6 == 0;
			char key[32], line[96];
			size_t i;

			snprintf(key, sizeof key, "d%d.com/n%d", d, nm_);
			snprintf(line, sizeof line, "d%d.com\tFALSE\t/\tFALSE\t%s\tn%d\tv%d",
				 d, dead ? "1" : "0", nm_, v);
			len += (size_t)snprintf(text + len, sizeof text - len, "%s\n", line);
			for (i = 0; i < nm && strcmp(model[i].key, key) != 0; i++)
				;
			if (i < nm) {
				memmove(&model[i], &model[i + 1], (nm - i - 1) * sizeof model[0]);
				nm--;
			}
			if (!dead) {
				strcpy(model[nm].key, key);
				strcpy(model[nm].line, line);
				nm++;
			}
		}
		cookies_merge(&jar, text, len, NOW, NULL, NULL);
		cr_assert_eq(jar.n, nm, "round %d", round);
		t = cookies_text(&jar, &n);
		/* Oldest first in both. */
		len = 0;
		for (size_t i = 0; i < nm; i++)
			len += (size_t)snprintf(text + len, sizeof text - len, "%s\n",
						model[i].line);
		cr_assert_str_eq(t, text, "round %d", round);
		free(t);
	}
}
