/*
 * conf.h - the crawl configuration: one table of keys shared by the JSON
 * config file and the command line.
 *
 * Runs in the coordinator only; workers inherit the validated struct across
 * fork() and never parse anything.  Life of a config:
 *
 *     struct conf c;
 *     conf_init(&c);                       every key unset
 *     conf_load_file(&c, "crawl.json");    keys from the file (strict)
 *     conf_set(&c, "concurrency", "32");   command line, overrides the file
 *     conf_finish(&c);                     defaults for unset keys, checks
 *     ...
 *     conf_release(&c);
 *
 * Every key exists once, in a table inside conf.c: JSON name, type, field
 * offset, bounds and default.  The command line option for key "per_host" is
 * "--per-host"; both go through that table, so they cannot drift apart.
 *
 * Errors: functions return 0 or -1.  On -1 the message has already been
 * printed to stderr, in the form "FILE:LINE:COLUMN: message" for the file
 * and "--option: message" for the command line, saying what is wrong and
 * what is accepted.  A config error means exit status 2.
 */
#ifndef TRAWL_CONF_H
#define TRAWL_CONF_H

#include <regex.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netguard;
struct scrape;

struct conf_list {
	char **v;      /* owned strings */
	size_t n;
};

struct conf {
	/* where and what */
	char *db;                   /* "trawl.db" */
	char *job;                  /* NULL until derived from the seeds */
	struct conf_list seeds;     /* "seeds": URLs; the CLI adds its URL args */
	char *seeds_file;           /* "seeds_file": one URL per line */

	/* the pool */
	long workers;               /* 0 = online CPUs (default) */
	long concurrency;           /* transfers per worker, 64 */

	/* politeness and scope */
	long per_host;              /* transfers in flight per host, 4 */
	long delay_ms;              /* "delay": ms between request starts, 0 */
	long max_depth;             /* -1 = unlimited (default) */
	long max_pages;             /* 0 = unlimited (default) */
	struct conf_list allow_domains; /* "allow_domains"; --allow-domain */
	struct conf_list include;   /* regexes; a URL must match one if any */
	struct conf_list exclude;   /* regexes; a URL matching one is skipped */
	struct conf_list strip_params; /* query parameter globs normalization drops */
	bool robots;                /* true; --no-robots sets false */

	/* requests */
	char *user_agent;           /* "trawl/VERSION" */
	long timeout_s;             /* "timeout": total per transfer, 30 */
	long connect_timeout_s;     /* 10 */
	long long max_size;         /* body cap in bytes, 10 MiB */
	long max_links;             /* links taken per page, 5000 */
	long retries;               /* more attempts after a failure, 3 */
	long retry_delay_ms;        /* "retry_delay": first backoff, 1000 */
	bool store_body;            /* store the compressed body, false */
	long low_speed_time_s;      /* "low_speed_time": under 100 bytes/s this
				       long is a timeout, 30 */
	struct conf_list headers;   /* "Name: value" sent on every request */
	char *proxy;                /* NULL: curl's *_proxy environment */
	struct conf_list auth;      /* "HOST[:PORT] USER:PASSWORD", basic auth */
	bool cookies;               /* a cookie jar per worker, false */
	struct conf_list allow_networks; /* CIDRs; --allow-network (netguard.h) */

	/* politeness and traps (coord.c, frontier.c) */
	long max_crawl_delay_ms;    /* "max_crawl_delay": Crawl-delay cap, 30000 */
	bool autothrottle;          /* false */
	double autothrottle_target; /* requests in flight per host, 1.0 */
	long autothrottle_max_delay_ms; /* "autothrottle_max_delay", 60000 */
	long max_redirects;         /* hops followed, 10 */
	long max_url_length;        /* longer URLs skipped, 2083 */
	long max_segment_repeats;   /* more is a trap, 2; 0 = no check */
	long max_pages_per_host;    /* 0 = unlimited (default) */
	long max_query_variants;    /* per path, 1000; 0 = unlimited */
	long robots_ttl_s;          /* "robots_ttl": reuse a stored one, 86400 */
	struct conf_list sitemap;   /* "sitemap": sitemap URLs; --sitemap */
	bool sitemaps;              /* read robots.txt Sitemap: lines, false */

	/* output */
	bool quiet;                 /* no progress, no info logs */
	bool progress;              /* live display; default: stderr is a tty */

	/* extraction rules, "extractors" (file only; scrape.h) */
	char *extractors;           /* the JSON as given, compact; NULL: none */
	struct scrape *scrape;      /* compiled; NULL: none */

	/* derived by conf_finish(); not keys */
	struct netguard *netguard;  /* address policy from seeds and
				       allow_networks; workers inherit it */
	regex_t *include_re;        /* include.n compiled, REG_EXTENDED|REG_NOSUB */
	regex_t *exclude_re;

	/* bookkeeping: which keys were given (bit i = table row i) */
	uint64_t set_mask;
	uint64_t cli_mask;          /* given on the command line */
	char *file;                 /* path of the loaded config file, or NULL */
};

/* Every key unset, nothing allocated. */
void conf_init(struct conf *c);

/* Reads a JSON object from PATH.  Unknown keys, wrong types, out-of-range or
 * malformed values are errors reported as PATH:LINE:COLUMN of the offending
 * key or value.  Keys already given on the command line are left as they are
 * (the command line wins whatever the call order). */
int conf_load_file(struct conf *c, const char *path);

/* Sets key NAME (the JSON name, e.g. "per_host") from command-line text VALUE
 * (NULL for a boolean flag meaning true).  String lists append; the first
 * command-line value of a list replaces what the file gave.  The URL
 * arguments of `trawl crawl` go in with conf_set(c, "seeds", url), so they
 * replace the file's seeds like any list option.  (Seeds pushed with
 * conf_list_push() before conf_load_file() also win over the file.) */
int conf_set(struct conf *c, const char *name, const char *value);

/* The same by option name, with or without the leading "--" ("per-host",
 * "--no-robots", "seeds" = seeds_file); for "--no-robots" a NULL VALUE sets
 * robots to false. */
int conf_set_option(struct conf *c, const char *opt, const char *value);

/* The table's long options, for building getopt_long()'s array in main.c:
 * the I-th name without "--" (e.g. "per-host"), whether it takes an argument,
 * and its short letter (0 if none: -d, -j, -s are the only ones); NULL past
 * the last. */
const char *conf_option(size_t i, bool *has_arg, int *short_opt);

/* Fills defaults for unset keys, compiles regexes and checks cross-key
 * rules.  After it, every field holds its final value: workers >= 1,
 * allow_domains lower-case without a leading ".", include_re/exclude_re
 * hold include.n/exclude.n compiled patterns (NULL when the list is empty),
 * netguard the address policy of netguard.h made from "seeds", the URLs
 * of "seeds_file" (read once here, when it is a regular file) and
 * "allow_networks".
 * Do not change the lists after it. */
int conf_finish(struct conf *c);

/* Frees everything conf owns.  Safe on a conf_init()ed struct. */
void conf_release(struct conf *c);

/* Serializes the effective config as a JSON object (stored with the job).
 * Caller frees with free(). */
char *conf_to_json(const struct conf *c);

/* Appends to a string list; takes a copy of S. */
void conf_list_push(struct conf_list *l, const char *s);

/* Compiles POSIX extended regex S into *RE (REG_EXTENDED | CFLAGS),
 * refusing first a pattern glibc's regcomp() would need gigabytes for.
 * Returns 0 (free with regfree()), or -1 with the reason in WHY. */
int conf_regex_compile(regex_t *re, const char *s, int cflags, char *why,
		       size_t sz);

/* The word of the NULL-terminated list WORDS that NAME is most likely a
 * typo of (a few letters off), or NULL; for "did you mean" hints. */
const char *conf_closest(const char *name, const char *const *words);

/* Writes one line per key to F: "--per-host N / \"per_host\": ..., default
 * and meaning", for --help. */
void conf_print_help(FILE *f);

#endif
