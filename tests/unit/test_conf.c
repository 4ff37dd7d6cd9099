/*
 * test_conf.c - config/conf.c: defaults, the strict file loader and its
 * positions, the command line's precedence, values' syntax and bounds.
 *
 * Each test writes its files into its own mkdtemp() directory and reads what
 * conf printed by pointing fd 2 at a file for the duration of a call.
 */
#include "conf.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TRAWL_VERSION
#define TRAWL_VERSION "0.0.0" /* as conf.c assumes */
#endif

static char dir[] = "/tmp/test_conf.XXXXXX";
static char paths[16][PATH_MAX];
static int npaths;
static int saved_fd = -1;
static struct conf c;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir), "mkdtemp");
	conf_init(&c);
}

static void teardown(void)
{
	conf_release(&c);
	for (int i = 0; i < npaths; i++)
		unlink(paths[i]);
	rmdir(dir);
}

TestSuite(conf, .init = setup, .fini = teardown, .timeout = 10);

/* Writes TEXT to DIR/NAME; returns the path (valid for the whole test). */
static const char *write_file(const char *name, const char *text)
{
	char p[PATH_MAX];
	FILE *f;
	int i;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	for (i = 0; i < npaths && strcmp(paths[i], p) != 0; i++)
		;
	if (i == npaths) {
		cr_assert_lt(npaths, 16, "too many files for teardown");
		snprintf(paths[npaths++], PATH_MAX, "%s", p);
	}
	f = fopen(p, "w");
	cr_assert_not_null(f, "fopen %s", p);
	fputs(text, f);
	fclose(f);
	return paths[i];
}

static void capture_begin(void)
{
	const char *p = write_file("stderr.txt", "");
	int fd = open(p, O_WRONLY | O_TRUNC);

	cr_assert(fd >= 0);
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Returns what was written to stderr since capture_begin(); caller frees. */
static char *capture_end(void)
{
	char path[PATH_MAX + 16], *buf = calloc(1, 8192);
	FILE *f;

	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	saved_fd = -1;
	snprintf(path, sizeof path, "%s/stderr.txt", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	if (fread(buf, 1, 8191, f) == 0)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

/* Loads TEXT as a file named crawl.json; returns conf_load_file()'s result
 * and, through ERR, what it printed (caller frees). */
static int load_text(const char *text, char **err, const char **path)
{
	const char *p = write_file("crawl.json", text);
	int r;

	capture_begin();
	r = conf_load_file(&c, p);
	*err = capture_end();
	if (path)
		*path = p;
	return r;
}

static int set_captured(const char *name, const char *value, char **err)
{
	int r;

	capture_begin();
	r = conf_set(&c, name, value);
	*err = capture_end();
	return r;
}

static void assert_msg(const char *err, const char *path, const char *rest)
{
	char want[PATH_MAX + 512];

	snprintf(want, sizeof want, "%s%s", path ? path : "", rest);
	cr_assert_str_eq(err, want);
}

Test(conf, has_documented_defaults_after_finish)
{
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_str_eq(c.db, "trawl.db");
	cr_assert_null(c.job);
	cr_assert_null(c.seeds_file);
	cr_assert_eq(c.seeds.n, 0);
	cr_assert_eq(c.workers, sysconf(_SC_NPROCESSORS_ONLN));
	cr_assert_eq(c.concurrency, 64);
	cr_assert_eq(c.per_host, 4);
	cr_assert_eq(c.delay_ms, 0);
	cr_assert_eq(c.max_depth, -1);
	cr_assert_eq(c.max_pages, 0);
	cr_assert(c.robots);
	cr_assert_str_eq(c.user_agent, "trawl/" TRAWL_VERSION);
	cr_assert_eq(c.timeout_s, 30);
	cr_assert_eq(c.connect_timeout_s, 10);
	cr_assert_eq(c.max_size, 10485760LL);
	cr_assert_eq(c.max_links, 5000);
	cr_assert_not(c.store_body);
	cr_assert_not(c.quiet);
	cr_assert_eq(c.progress, (bool)isatty(STDERR_FILENO));
	cr_assert_null(c.include_re);
	cr_assert_null(c.exclude_re);
}

Test(conf, progress_defaults_off_when_quiet)
{
	cr_assert_eq(conf_set(&c, "quiet", NULL), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert(c.quiet);
	cr_assert_not(c.progress);
}

/* Runs conf_finish() with stderr on a pseudo-terminal. */
static void finish_on_tty(void)
{
	int m, s, saved;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0)
		cr_skip_test("no pseudo-terminals here");
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	cr_assert(s >= 0);
	saved = dup(STDERR_FILENO);
	dup2(s, STDERR_FILENO);
	cr_assert_eq(conf_finish(&c), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(s);
	close(m);
}

Test(conf, progress_defaults_on_for_a_terminal)
{
	finish_on_tty();
	cr_assert(c.progress);
}

Test(conf, progress_defaults_off_for_a_terminal_when_quiet)
{
	cr_assert_eq(conf_set(&c, "quiet", "yes"), 0);
	finish_on_tty();
	cr_assert_not(c.progress);
}

Test(conf, loads_values_from_file)
{
	char *err;

	cr_assert_eq(load_text("{\n"
			       "  \"db\": \"x.db\",\n"
			       "  \"job\": \"docs\",\n"
			       "  \"workers\": 3,\n"
			       "  \"concurrency\": 7,\n"
			       "  \"per_host\": 2,\n"
			       "  \"delay\": 250,\n"
			       "  \"max_depth\": 5,\n"
			       "  \"max_pages\": 100,\n"
			       "  \"robots\": false,\n"
			       "  \"user_agent\": \"bot/1\",\n"
			       "  \"timeout\": 9,\n"
			       "  \"connect_timeout\": 4,\n"
			       "  \"max_size\": 2048,\n"
			       "  \"max_links\": 10,\n"
			       "  \"store_body\": true,\n"
			       "  \"seeds\": [\"http://a/\", \"http://b/\"]\n"
			       "}\n", &err, NULL), 0, "%s", err);
	cr_assert_str_empty(err);
	free(err);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_str_eq(c.db, "x.db");
	cr_assert_str_eq(c.job, "docs");
	cr_assert_eq(c.workers, 3);
	cr_assert_eq(c.concurrency, 7);
	cr_assert_eq(c.per_host, 2);
	cr_assert_eq(c.delay_ms, 250);
	cr_assert_eq(c.max_depth, 5);
	cr_assert_eq(c.max_pages, 100);
	cr_assert_not(c.robots);
	cr_assert_str_eq(c.user_agent, "bot/1");
	cr_assert_eq(c.timeout_s, 9);
	cr_assert_eq(c.connect_timeout_s, 4);
	cr_assert_eq(c.max_size, 2048);
	cr_assert_eq(c.max_links, 10);
	cr_assert(c.store_body);
	cr_assert_eq(c.seeds.n, 2);
	cr_assert_str_eq(c.seeds.v[1], "http://b/");
	cr_assert_not_null(c.file);
}

static const char *override_file =
	"{\"concurrency\": 7, \"per_host\": 2, \"include\": [\"a\", \"b\"]}";

Test(conf, command_line_wins_over_file_set_before_loading)
{
	char *err;

	cr_assert_eq(conf_set(&c, "concurrency", "32"), 0);
	cr_assert_eq(conf_set(&c, "include", "z"), 0);
	cr_assert_eq(load_text(override_file, &err, NULL), 0, "%s", err);
	free(err);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_eq(c.concurrency, 32);
	cr_assert_eq(c.per_host, 2);
	cr_assert_eq(c.include.n, 1);
	cr_assert_str_eq(c.include.v[0], "z");
}

Test(conf, command_line_wins_over_file_set_after_loading)
{
	char *err;

	cr_assert_eq(load_text(override_file, &err, NULL), 0, "%s", err);
	free(err);
	cr_assert_eq(conf_set(&c, "concurrency", "32"), 0);
	cr_assert_eq(conf_set(&c, "include", "z"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_eq(c.concurrency, 32);
	cr_assert_eq(c.per_host, 2);
	cr_assert_eq(c.include.n, 1);
	cr_assert_str_eq(c.include.v[0], "z");
}

Test(conf, command_line_list_replaces_file_list_then_appends)
{
	char *err;

	cr_assert_eq(load_text(override_file, &err, NULL), 0, "%s", err);
	free(err);
	cr_assert_eq(conf_set(&c, "include", "x"), 0);
	cr_assert_eq(conf_set(&c, "include", "y"), 0);
	cr_assert_eq(c.include.n, 2);
	cr_assert_str_eq(c.include.v[0], "x");
	cr_assert_str_eq(c.include.v[1], "y");
}

Test(conf, file_list_replaces_earlier_file_list)
{
	char *err;

	cr_assert_eq(load_text("{\"exclude\": [\"a\", \"b\", \"c\"]}", &err,
			       NULL), 0);
	free(err);
	cr_assert_eq(load_text("{\"exclude\": [\"d\"]}", &err, NULL), 0);
	free(err);
	cr_assert_eq(c.exclude.n, 1);
	cr_assert_str_eq(c.exclude.v[0], "d");
}

Test(conf, seeds_pushed_before_loading_win_over_file_seeds)
{
	char *err;

	conf_list_push(&c.seeds, "http://cli/");
	cr_assert_eq(load_text("{\"seeds\": [\"http://file/\"]}", &err, NULL),
		     0);
	free(err);
	cr_assert_eq(c.seeds.n, 1);
	cr_assert_str_eq(c.seeds.v[0], "http://cli/");
}

Test(conf, list_push_keeps_every_entry)
{
	char s[16];

	for (int i = 0; i < 1000; i++) {
		snprintf(s, sizeof s, "u%d", i);
		conf_list_push(&c.seeds, s);
	}
	cr_assert_eq(c.seeds.n, 1000);
	cr_assert_str_eq(c.seeds.v[0], "u0");
	cr_assert_str_eq(c.seeds.v[511], "u511");
	cr_assert_str_eq(c.seeds.v[999], "u999");
}

Test(conf, rejects_unknown_key_with_position)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\n"
			       "  \"workers\": 2,\n"
			       "  \"concurency\": 8\n"
			       "}\n", &err, &path), -1);
	assert_msg(err, path, ":3:3: unknown key \"concurency\"; did you mean "
		   "\"concurrency\"?\n");
	free(err);
}

Test(conf, unknown_key_unlike_any_gets_no_suggestion)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\"colour\": 1}", &err, &path), -1);
	assert_msg(err, path, ":1:2: unknown key \"colour\"; see "
		   "config/README.md or \"trawl crawl --help\" for the keys\n");
	free(err);
}

Test(conf, rejects_wrong_type_at_value_position)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\n"
			       "  \"workers\": 2,\n"
			       "  \"per_host\": \"four\"\n"
			       "}\n", &err, &path), -1);
	assert_msg(err, path, ":3:15: \"per_host\" must be a whole number "
		   "from 1 to 1000, not \"four\"\n");
	free(err);
}

Test(conf, rejects_bool_given_as_string)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\"robots\": \"no\"}", &err, &path), -1);
	assert_msg(err, path, ":1:12: \"robots\" must be true or false, "
		   "not \"no\"\n");
	free(err);
}

Test(conf, rejects_out_of_range_number)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\"concurrency\": 5000}", &err, &path), -1);
	assert_msg(err, path, ":1:17: \"concurrency\" must be a whole number "
		   "from 1 to 1000, not 5000\n");
	free(err);
}

Test(conf, rejects_fraction_for_whole_number)
{
	char *err;

	cr_assert_eq(load_text("{\"timeout\": 1.5}", &err, NULL), -1);
	cr_assert(strstr(err, "not 1.5"), "%s", err);
	free(err);
}

Test(conf, reports_every_bad_key_and_applies_none)
{
	char *err;

	cr_assert_eq(load_text("{\"per_host\": 9,\n \"bogus\": 1,\n"
			       " \"timeout\": 0}", &err, NULL), -1);
	cr_assert(strstr(err, ":2:2: unknown key \"bogus\""), "%s", err);
	cr_assert(strstr(err, ":3:13: \"timeout\" must be"), "%s", err);
	free(err);
	cr_assert_eq(c.set_mask, 0);
	cr_assert_null(c.file);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_eq(c.per_host, 4);
}

Test(conf, reports_malformed_json_line_and_column)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\n  \"a\": 1,\n  \"b\": ,\n}\n", &err, &path),
		     -1);
	assert_msg(err, path, ":3:8: invalid JSON: unexpected token near ','; "
		   "the config must be one JSON object like "
		   "config/trawl.example.json\n");
	free(err);
}

Test(conf, rejects_duplicate_key_naming_both_places)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\n  \"workers\": 1,\n  \"workers\": 2\n}\n",
			       &err, &path), -1);
	assert_msg(err, path, ":3:3: key \"workers\" appears twice (first at "
		   "2:3); keep one\n");
	free(err);
}

Test(conf, rejects_top_level_array)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("\n  [1, 2]\n", &err, &path), -1);
	assert_msg(err, path, ":2:3: the config must be a JSON object of keys "
		   "like {\"workers\": 4}, not an array\n");
	free(err);
}

Test(conf, reports_missing_file_with_reason)
{
	char path[PATH_MAX + 32], want[PATH_MAX + 128], *err;

	snprintf(path, sizeof path, "%s/nope.json", dir);
	capture_begin();
	cr_assert_eq(conf_load_file(&c, path), -1);
	err = capture_end();
	snprintf(want, sizeof want, "%s: cannot read config file: No such "
		 "file or directory\n", path);
	cr_assert_str_eq(err, want);
	free(err);
}

Test(conf, reports_directory_as_unreadable)
{
	char want[PATH_MAX + 128], *err;

	capture_begin();
	cr_assert_eq(conf_load_file(&c, dir), -1);
	err = capture_end();
	snprintf(want, sizeof want, "%s: cannot read config file: Is a "
		 "directory\n", dir);
	cr_assert_str_eq(err, want);
	free(err);
}

Test(conf, reads_config_from_a_pipe)
{
	char path[64];
	int fd[2];

	cr_assert_eq(pipe(fd), 0);
	cr_assert_eq(write(fd[1], "{\"per_host\": 6}", 15), 15);
	close(fd[1]);
	snprintf(path, sizeof path, "/dev/fd/%d", fd[0]);
	cr_assert_eq(conf_load_file(&c, path), 0);
	close(fd[0]);
	cr_assert_eq(c.per_host, 6);
}

Test(conf, locates_keys_after_strings_with_escapes_and_utf8)
{
	const char *path;
	char *err;

	/* Quotes, braces and brackets inside strings must not confuse the
	 * locator, and columns count characters, not bytes. */
	cr_assert_eq(load_text("{\"user_agent\": \"a\\\"}{[\\\\\", \"job\": "
			       "\"\xc3\xbc\xc3\xbc\", \"max_sise\": 1}",
			       &err, &path), -1);
	assert_msg(err, path, ":1:41: unknown key \"max_sise\"; did you mean "
		   "\"max_size\"?\n");
	free(err);
}

Test(conf, locates_escaped_key_names)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\"db\": \"x\",\n \"per\\u005fhost\": 0}", &err,
			       &path), -1);
	assert_msg(err, path, ":2:19: \"per_host\" must be a whole number "
		   "from 1 to 1000, not 0\n");
	free(err);
}

Test(conf, rejects_bad_list_entry_at_its_position)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\"seeds\": [\"http://a/\",\n"
			       "           7]}", &err, &path), -1);
	cr_assert(strstr(err, ":2:12: \"seeds\" must be an array of "
			 "non-empty strings"), "%s", err);
	cr_assert(strstr(err, "entry 2 is 7\n"), "%s", err);
	free(err);
}

Test(conf, rejects_list_given_as_string)
{
	char *err;

	cr_assert_eq(load_text("{\"exclude\": \"\\\\.pdf$\"}", &err, NULL), -1);
	cr_assert(strstr(err, ":1:13: \"exclude\" must be an array"), "%s",
		  err);
	free(err);
}

Test(conf, rejects_bad_regex_in_file_at_its_position)
{
	const char *path;
	char *err;

	cr_assert_eq(load_text("{\"include\": [\"ok\", \"(\"]}", &err, &path),
		     -1);
	cr_assert(strncmp(err, path, strlen(path)) == 0, "%s", err);
	cr_assert(strstr(err, ":1:20: \"include\": \"(\": "), "%s", err);
	cr_assert(strstr(err, "give a POSIX extended regular expression"),
		  "%s", err);
	free(err);
}

Test(conf, rejects_bad_regex_from_command_line)
{
	char *err;

	cr_assert_eq(set_captured("exclude", "a[", &err), -1);
	cr_assert(strncmp(err, "--exclude: \"a[\": ", 17) == 0, "%s", err);
	free(err);
}

Test(conf, finish_rejects_bad_regex_pushed_directly)
{
	char *err;

	conf_list_push(&c.include, "ok");
	conf_list_push(&c.include, "(");
	capture_begin();
	cr_assert_eq(conf_finish(&c), -1);
	err = capture_end();
	cr_assert(strncmp(err, "--include \"(\": ", 15) == 0, "%s", err);
	free(err);
	cr_assert_null(c.include_re);
}

Test(conf, compiles_include_and_exclude)
{
	cr_assert_eq(conf_set(&c, "include", "^http://a/docs/"), 0);
	cr_assert_eq(conf_set(&c, "exclude", "\\.(png|pdf)$"), 0);
	cr_assert_eq(conf_set(&c, "exclude", "\\?print=1"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_not_null(c.include_re);
	cr_assert_eq(regexec(&c.include_re[0], "http://a/docs/x", 0, NULL, 0),
		     0);
	cr_assert_neq(regexec(&c.include_re[0], "http://a/blog/", 0, NULL, 0),
		      0);
	cr_assert_eq(regexec(&c.exclude_re[0], "http://a/x.pdf", 0, NULL, 0),
		     0);
	cr_assert_eq(regexec(&c.exclude_re[1], "http://a/?print=1", 0, NULL,
			     0), 0);
	cr_assert_neq(regexec(&c.exclude_re[1], "http://a/", 0, NULL, 0), 0);
}

Test(conf, lowercases_allow_domains_and_drops_leading_dot)
{
	cr_assert_eq(conf_set(&c, "allow_domains", ".Example.COM"), 0);
	cr_assert_eq(conf_set(&c, "allow_domains", "docs.Example.org"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_str_eq(c.allow_domains.v[0], "example.com");
	cr_assert_str_eq(c.allow_domains.v[1], "docs.example.org");
}

Test(conf, rejects_url_as_allowed_domain)
{
	char *err;

	cr_assert_eq(set_captured("allow_domains", "http://example.com", &err),
		     -1);
	cr_assert_str_eq(err, "--allow-domain: \"http://example.com\" is not "
			 "a domain; give a host name such as example.com\n");
	free(err);
}

struct size_case {
	const char *text;
	long long want; /* -1: rejected */
};

Test(conf, parses_size_suffixes)
{
	static const struct size_case cases[] = {
		{ "1024", 1024 },
		{ "4k", 4096 },
		{ "4K", 4096 },
		{ "3m", 3LL << 20 },
		{ "3M", 3LL << 20 },
		{ "2g", 2LL << 30 },
		{ "2G", 2LL << 30 },
		{ "1023", -1 },   /* below 1024 */
		{ "3g", -1 },     /* above 2^31 */
		{ "10x", -1 },
		{ "10kb", -1 },
		{ "k", -1 },
		{ "", -1 },
		{ "-4k", -1 },
		{ "99999999999999999999k", -1 },
		{ "17179869185g", -1 }, /* (2^34 + 1) * 2^30 wraps to 2^30 */
	};
	char *err;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = set_captured("max_size", cases[i].text, &err);

		if (cases[i].want < 0) {
			cr_assert_eq(r, -1, "\"%s\" accepted", cases[i].text);
			cr_assert(strncmp(err, "--max-size: ", 12) == 0, "%s",
				  err);
		} else {
			cr_assert_eq(r, 0, "\"%s\": %s", cases[i].text, err);
			cr_assert_eq(c.max_size, cases[i].want, "\"%s\"",
				     cases[i].text);
		}
		free(err);
	}
}

Test(conf, accepts_size_string_in_file)
{
	char *err;

	cr_assert_eq(load_text("{\"max_size\": \"64k\"}", &err, NULL), 0, "%s",
		     err);
	free(err);
	cr_assert_eq(c.max_size, 65536);
	cr_assert_eq(load_text("{\"max_size\": \"64q\"}", &err, NULL), -1);
	cr_assert(strstr(err, "\"max_size\" must be a size in bytes"), "%s",
		  err);
	free(err);
}

Test(conf, rejects_bad_integers)
{
	static const char *const bad[] = {
		"12x", "", " 12", "1.5", "0x10", "abc", "+", "-",
		"99999999999999999999", "0", "1001", "-5",
	};
	char *err;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(set_captured("concurrency", bad[i], &err), -1,
			     "\"%s\" accepted", bad[i]);
		cr_assert(strncmp(err, "--concurrency: ", 15) == 0, "%s", err);
		cr_assert(strstr(err, "; give a whole number from 1 to 1000\n"),
			  "%s", err);
		free(err);
	}
	cr_assert_eq(c.set_mask, 0);
	/* strtoll() saturates at the limit, which max_pages would accept. */
	cr_assert_eq(set_captured("max_pages", "99999999999999999999", &err),
		     -1);
	free(err);
}

Test(conf, names_the_problem_with_a_bad_number)
{
	char *err;

	cr_assert_eq(set_captured("concurrency", "abc", &err), -1);
	cr_assert_str_eq(err, "--concurrency: \"abc\" is not a number; give a "
			 "whole number from 1 to 1000\n");
	free(err);
	cr_assert_eq(set_captured("per_host", "5000", &err), -1);
	cr_assert_str_eq(err, "--per-host: 5000 is out of range; give a whole "
			 "number from 1 to 1000\n");
	free(err);
	cr_assert_eq(set_captured("timeout", NULL, &err), -1);
	cr_assert_str_eq(err, "--timeout: needs a value; give a whole number "
			 "from 1 to 3600\n");
	free(err);
}

Test(conf, accepts_bounds_and_signs)
{
	cr_assert_eq(conf_set(&c, "max_depth", "-1"), 0);
	cr_assert_eq(c.max_depth, -1);
	cr_assert_eq(conf_set(&c, "concurrency", "+1000"), 0);
	cr_assert_eq(c.concurrency, 1000);
	cr_assert_eq(conf_set(&c, "max_pages", "9223372036854775807"), 0);
	cr_assert_eq(c.max_pages, 9223372036854775807L);
}

Test(conf, bools_take_words_or_nothing)
{
	char *err;

	cr_assert_eq(conf_set(&c, "store_body", NULL), 0);
	cr_assert(c.store_body);
	cr_assert_eq(conf_set(&c, "store_body", "no"), 0);
	cr_assert_not(c.store_body);
	cr_assert_eq(conf_set(&c, "store_body", "YES"), 0);
	cr_assert(c.store_body);
	cr_assert_eq(conf_set(&c, "store_body", "0"), 0);
	cr_assert_not(c.store_body);
	cr_assert_eq(conf_set(&c, "store_body", "true"), 0);
	cr_assert(c.store_body);
	cr_assert_eq(set_captured("store_body", "maybe", &err), -1);
	cr_assert_str_eq(err, "--store-body: \"maybe\" is not a boolean; give "
			 "true or false (or yes/no, 1/0)\n");
	free(err);
}

Test(conf, no_robots_option_turns_robots_off)
{
	cr_assert_eq(conf_set_option(&c, "--no-robots", NULL), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_not(c.robots);
}

Test(conf, options_map_to_their_keys)
{
	cr_assert_eq(conf_set_option(&c, "per-host", "9"), 0);
	cr_assert_eq(conf_set_option(&c, "--seeds", "urls.txt"), 0);
	cr_assert_eq(conf_set_option(&c, "--delay", "100"), 0);
	cr_assert_eq(conf_set_option(&c, "allow-domain", "a.org"), 0);
	cr_assert_eq(c.per_host, 9);
	cr_assert_str_eq(c.seeds_file, "urls.txt");
	cr_assert_eq(c.seeds.n, 0);
	cr_assert_eq(c.delay_ms, 100);
	cr_assert_str_eq(c.allow_domains.v[0], "a.org");
}

Test(conf, option_table_lists_each_option_once)
{
	const char *name;
	bool arg, saw_robots = false, saw_seeds = false;
	int sh, n = 0;

	for (size_t i = 0; (name = conf_option(i, &arg, &sh)); i++) {
		n++;
		cr_assert(strncmp(name, "--", 2) != 0);
		if (strcmp(name, "no-robots") == 0) {
			saw_robots = true;
			cr_assert_not(arg);
		}
		if (strcmp(name, "seeds") == 0) {
			saw_seeds = true;
			cr_assert(arg);
			cr_assert_eq(sh, 's');
		}
		if (strcmp(name, "per-host") == 0)
			cr_assert_eq(sh, 0);
	}
	cr_assert(saw_robots && saw_seeds);
	{
		/* Every key of the effective config but "seeds" (the URL
		 * arguments) has its option, and no option comes twice. */
		char *js;
		json_t *o;
		const char *a, *b;
		bool dummy;
		int dsh;

		cr_assert_eq(conf_finish(&c), 0);
		js = conf_to_json(&c);
		o = json_loads(js, 0, NULL);
		cr_assert_eq((size_t)n, json_object_size(o) - 1, "%d options, config %s", n, js);
		json_decref(o);
		free(js);
		for (size_t i = 0; (a = conf_option(i, &dummy, &dsh)); i++)
			for (size_t j = i + 1; (b = conf_option(j, &dummy, &dsh)); j++)
				cr_assert(strcmp(a, b) != 0, "--%s twice", a);
	}
}

Test(conf, rejects_header_breaking_user_agent)
{
	char *err;

	cr_assert_eq(set_captured("user_agent", "bot\r\nX-Evil: 1", &err), -1);
	cr_assert(strstr(err, "control character"), "%s", err);
	free(err);
}

Test(conf, rejects_empty_strings_and_accepts_null_where_unset_is_valid)
{
	char *err;

	cr_assert_eq(set_captured("db", "", &err), -1);
	cr_assert_str_eq(err, "--db: the value is empty; give FILE\n");
	free(err);
	cr_assert_eq(load_text("{\"job\": null, \"seeds_file\": null}", &err,
			       NULL), 0, "%s", err);
	free(err);
	cr_assert_eq(load_text("{\"db\": null}", &err, NULL), -1);
	cr_assert(strstr(err, "\"db\" must be a non-empty string, not null"),
		  "%s", err);
	free(err);
}

Test(conf, workers_zero_means_online_cpus)
{
	cr_assert_eq(conf_set(&c, "workers", "0"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_eq(c.workers, sysconf(_SC_NPROCESSORS_ONLN));
	cr_assert_gt(c.workers, 0);
}

Test(conf, loads_example_config)
{
	cr_assert_eq(conf_load_file(&c, "config/trawl.example.json"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_eq(c.seeds.n, 1);
	cr_assert_str_eq(c.seeds.v[0], "http://127.0.0.1:8080/");
	cr_assert_eq(c.concurrency, 64);
	cr_assert_eq(c.max_size, 10485760LL);
}

Test(conf, to_json_round_trips)
{
	struct conf d;
	char *a, *b, *err;
	const char *p;

	cr_assert_eq(conf_set(&c, "concurrency", "17"), 0);
	cr_assert_eq(conf_set(&c, "exclude", "\\.pdf$"), 0);
	cr_assert_eq(conf_set(&c, "seeds", "http://x/\"q\""), 0);
	cr_assert_eq(conf_set(&c, "max_size", "3m"), 0);
	cr_assert_eq(conf_set(&c, "robots", "false"), 0);
	cr_assert_eq(conf_set(&c, "user_agent", "b\xc3\xb6t"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	a = conf_to_json(&c);
	cr_assert(strstr(a, "\"concurrency\":17"), "%s", a);
	cr_assert(strstr(a, "\"job\":null"), "%s", a);

	p = write_file("effective.json", a);
	conf_init(&d);
	capture_begin();
	cr_assert_eq(conf_load_file(&d, p), 0);
	cr_assert_eq(conf_finish(&d), 0);
	err = capture_end();
	cr_assert_str_empty(err);
	free(err);
	b = conf_to_json(&d);
	cr_assert_str_eq(a, b);
	cr_assert_eq(d.concurrency, 17);
	cr_assert_eq(d.max_size, 3 << 20);
	cr_assert_not(d.robots);
	cr_assert_str_eq(d.seeds.v[0], "http://x/\"q\"");
	free(a);
	free(b);
	conf_release(&d);
}

Test(conf, release_is_idempotent)
{
	cr_assert_eq(conf_set(&c, "include", "a"), 0);
	cr_assert_eq(conf_set(&c, "job", "j"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	conf_release(&c);
	cr_assert_null(c.job);
	cr_assert_null(c.db);
	cr_assert_null(c.include_re);
	cr_assert_eq(c.include.n, 0);
	cr_assert_eq(c.set_mask, 0);
	conf_release(&c);
	cr_assert_null(c.include.v);
}

Test(conf, help_lists_every_key_with_its_option)
{
	char *out;

	capture_begin();
	conf_print_help(stderr);
	out = capture_end();
	cr_assert(strstr(out, "--per-host N"), "%s", out);
	cr_assert(strstr(out, "\"per_host\""), "%s", out);
	cr_assert(strstr(out, "-s, --seeds FILE"), "%s", out);
	cr_assert(strstr(out, "--no-robots"), "%s", out);
	cr_assert(strstr(out, "--delay MS"), "%s", out);
	cr_assert(strstr(out, "\"connect_timeout\""), "%s", out);
	free(out);
}

/* Found by fuzzing: glibc's regcomp() takes memory exponential in the
 * number of stacked quantifiers, so such a pattern is refused first. */
Test(conf, refuses_regex_with_stacked_quantifiers)
{
	conf_init(&c);
	cr_assert_eq(conf_set(&c, "include", "a++++++++++++++++++++++++++++++"), -1);
	cr_assert_eq(conf_set(&c, "exclude", "((((((((((((((((((a)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+"), -1);
	cr_assert_eq(conf_set(&c, "exclude", "((((a){2,100}){2,100}){2,100}){2,100}"), -1);
	cr_assert_eq(conf_set(&c, "include", "^https?://example\\.com/(docs|blog)/[a-z0-9-]+/?$"), 0,
		     "an ordinary pattern is accepted");
	cr_assert_eq(conf_set(&c, "include", "[+*]+x{2}"), 0, "quantifier characters "
		     "inside brackets are literals");
	cr_assert_eq(conf_set(&c, "exclude", "a\\++"), 0, "an escaped '+' is a literal");
	conf_release(&c);
}

/* Extraction rules: a bad one is reported at its rule, field and option,
 * and nothing of the file is applied. */
Test(conf, extractor_errors_name_file_line_column_rule_and_field)
{
	char *err;

	cr_assert_eq(load_text("{\"workers\": 3,\n"
			       " \"extractors\": [\n"
			       "  {\"name\": \"ok\", \"fields\": {\"t\": \"h1\"}},\n"
			       "  {\"name\": \"product\",\n"
			       "   \"fields\": {\"title\": \"h1\",\n"
			       "              \"price\": {\"css\": \".price\", \"type\": \"money\"}}}]}\n",
			       &err, NULL), -1);
	cr_assert(strstr(err, ":6:42: extractor \"product\": field \"price\": \"type\" "
			 "must be one of"), "%s", err);
	free(err);
	cr_assert_null(c.scrape);
	cr_assert_eq(c.set_mask, 0, "a bad file applies nothing");

	cr_assert_eq(load_text("{\"extractors\": [{\"name\": \"p\", \"fields\": {\n"
			       "  \"t\": \"div >\"}}]}", &err, NULL), -1);
	cr_assert(strstr(err, ":2:8: extractor \"p\": field \"t\": invalid CSS selector "
			 "\"div >\""), "%s", err);
	free(err);

	cr_assert_eq(load_text("{\"extractor\": []}", &err, NULL), -1);
	cr_assert(strstr(err, "did you mean \"extractors\"?"), "%s", err);
	free(err);
}

Test(conf, extractors_load_compile_and_round_trip)
{
	struct conf d;
	const char *p;
	char *a, *b, *err;

	cr_assert_eq(load_text("{\"extractors\": [{\"name\": \"p\", \"match\": \"/x/\","
			       " \"fields\": {\"t\": \"h1\", \"n\": {\"xpath\": \"count(//a)\","
			       " \"type\": \"int\"}}}]}", &err, &p), 0, "%s", err);
	free(err);
	cr_assert_not_null(c.scrape);
	cr_assert_eq(conf_finish(&c), 0);
	a = conf_to_json(&c);
	cr_assert(strstr(a, "\"extractors\":[{\"fields\":{"), "%s", a);
	cr_assert(strstr(a, "\"match\":\"/x/\",\"name\":\"p\"}]"), "%s", a);
	p = write_file("rules.json", a);
	conf_init(&d);
	cr_assert_eq(conf_load_file(&d, p), 0);
	cr_assert_eq(conf_finish(&d), 0);
	b = conf_to_json(&d);
	cr_assert_str_eq(a, b);
	cr_assert_not_null(d.scrape);
	free(a);
	free(b);
	conf_release(&d);
}
