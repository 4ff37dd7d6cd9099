/*
 * main.c - the command line: `trawl crawl | export | status`.
 *
 * Runs in the coordinator process before anything forks.  Turns arguments
 * into a validated struct conf (conf.h), reads and checks the seeds, and
 * hands over to coord_run(), export_pages() or the status report.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <libxml/parser.h>

#include "conf.h"
#include "coord.h"
#include "export.h"
#include "log.h"
#include "seeds.h"
#include "store.h"
#include "url.h"

#ifndef TRAWL_VERSION
#define TRAWL_VERSION "0.0.0"
#endif

static void usage(FILE *f)
{
	fputs("usage: trawl crawl  [-c CONFIG] [-d DB] [-j JOB] [-s SEEDS_FILE] [options] [URL...]\n"
	      "       trawl export [-d DB] [-j JOB] [-f jsonl|json] [-o FILE]\n"
	      "       trawl status [-d DB] [-j JOB] [--json]\n"
	      "       trawl --help | --version\n"
	      "\n"
	      "trawl crawls from seed URLs, politely and fast, keeps everything in one\n"
	      "SQLite file (default ./trawl.db) and exports pages as JSON.\n"
	      "\n"
	      "  crawl    fetch the seeds and what they link to, within the seeds' hosts;\n"
	      "           running the same command again resumes the job\n"
	      "  export   write the job's pages as JSON Lines (default) or one JSON array\n"
	      "  status   counts of the job's URLs by state and pages by HTTP status\n"
	      "\n"
	      "`trawl crawl --help` lists every crawl option.  Exit status: 0 done,\n"
	      "1 runtime error (database, disk), 2 usage or config error, 130 interrupted\n"
	      "(state saved; run the same command to resume).\n", f);
}

static void crawl_usage(FILE *f)
{
	fputs("usage: trawl crawl [-c CONFIG] [options] [URL...]\n"
	      "\n"
	      "Crawls from the seed URLs (arguments, -s FILE, or \"seeds\" in the config)\n"
	      "within the seeds' hosts.  Each option is also a key of the JSON config\n"
	      "file (config/trawl.example.json); the command line wins over the file.\n"
	      "\n", f);
	conf_print_help(f);
	fputs("  -c, --config FILE          (the file)         none         JSON config file of these keys\n", f);
	fputs("\nThe job resumes by default: the same command with the same --db and\n"
	      "--job continues where it stopped.  A seeds file has one URL per line;\n"
	      "blank lines and lines starting with # are ignored.\n", f);
}

/* seeds_read() callback: keeps the first URL and stops. */
static int first_url(void *arg, const char *url)
{
	*(char **)arg = xstrdup(url);
	return 1;
}

/* A job name from the first seed: its host and port, ':' as '-'. */
static char *job_from_seed(const char *seed)
{
	size_t n, i;
	const char *a = url_authority(seed, &n);
	char *name;

	if (!a)
		return xstrdup("crawl");
	name = xstrndup(a, n);
	for (i = 0; i < n; i++)
		if (name[i] == ':' || name[i] == '[' || name[i] == ']')
			name[i] = '-';
	return name;
}

static int cmd_crawl(int argc, char **argv)
{
	struct conf c;
	struct option *opts;
	struct conf_list seeds = { 0 };
	const char *cfile = NULL, *name;
	char shorts[16] = "+c:h";
	bool has_arg, has_seed = false;
	int sopt, ch, idx, ret = EXIT_USAGE;
	size_t n = 0, i;

	conf_init(&c);
	while (conf_option(n, &has_arg, &sopt))
		n++;
	opts = xcalloc(n + 3, sizeof *opts);
	for (i = 0; i < n; i++) {
		opts[i].name = conf_option(i, &has_arg, &sopt);
		opts[i].has_arg = has_arg ? required_argument : no_argument;
		opts[i].val = 1000 + (int)i;
		if (sopt) {
			size_t l = strlen(shorts);
			shorts[l] = (char)sopt;
			shorts[l + 1] = ':';
			shorts[l + 2] = '\0';
		}
	}
	opts[n].name = "config";
	opts[n].has_arg = required_argument;
	opts[n].val = 'c';
	opts[n + 1].name = "help";
	opts[n + 1].val = 'h';

	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, opts, &idx)) != -1) {
		if (ch == 'c') {
			cfile = optarg;
		} else if (ch == 'h') {
			crawl_usage(stdout);
			ret = EXIT_OK;
			goto out;
		} else if (ch >= 1000) {
			if (conf_set_option(&c, opts[ch - 1000].name, optarg) < 0)
				goto out;
		} else if (ch != '?' && ch != ':') {
			for (i = 0; i < n; i++) {
				conf_option(i, &has_arg, &sopt);
				if (sopt == ch)
					break;
			}
			if (i == n || conf_set_option(&c, opts[i].name, optarg) < 0)
				goto out;
		} else {
			if (optopt)
				fprintf(stderr, "trawl crawl: option -%c %s; see "
					"`trawl crawl --help`\n", optopt,
					ch == ':' ? "needs a value" : "is unknown");
			else
				fprintf(stderr, "trawl crawl: %s: unknown option or missing "
					"value; see `trawl crawl --help`\n", argv[optind - 1]);
			goto out;
		}
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (conf_set(&c, "seeds", argv[i]) < 0)
			goto out;
	if (cfile && conf_load_file(&c, cfile) < 0)
		goto out;
	if (conf_finish(&c) < 0)
		goto out;

	for (i = 0; i < c.seeds.n; i++) {
		char *u = url_normalize(c.seeds.v[i]);
		if (!u) {
			fprintf(stderr, "trawl: seed \"%s\" is not an http(s) URL; skipped "
				"(write it as http://host/path)\n", c.seeds.v[i]);
			continue;
		}
		conf_list_push(&seeds, u);
		free(u);
	}
	/* The seeds file itself is read by the coordinator, streaming; here
	 * only its first URL, for the job name. */
	if (seeds.n == 0 && c.seeds_file) {
		char *first = NULL;
		if (seeds_read(c.seeds_file, false, first_url, &first) < 0)
			goto out;
		if (first && !c.job)
			c.job = job_from_seed(first);
		has_seed = first != NULL;
		free(first);
	}
	if (seeds.n == 0 && !has_seed) {
		fprintf(stderr, "trawl: no seed URLs to crawl; give URLs as arguments, "
			"a seeds file with -s FILE, or \"seeds\" in the config\n");
		goto out;
	}
	if (!c.job)
		c.job = job_from_seed(seeds.v[0]);
	for (name = c.job; *name; name++)
		if ((unsigned char)*name < ' ') {
			fprintf(stderr, "trawl: --job must be printable text\n");
			goto out;
		}
	log_set_level(c.quiet ? LOG_WARN : LOG_INFO);
	ret = coord_run(&c, &seeds);
out:
	for (i = 0; i < seeds.n; i++)
		free(seeds.v[i]);
	free(seeds.v);
	free(opts);
	conf_release(&c);
	return ret;
}

/* Options shared by export and status. */
struct ro_args {
	const char *db, *job, *format, *out;
	bool json;
};

static int parse_ro(int argc, char **argv, const char *cmd, struct ro_args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "job", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool is_export = strcmp(cmd, "export") == 0;
	int ch;

	a->db = "trawl.db";
	opterr = 0;
	while ((ch = getopt_long(argc, argv, is_export ? "+d:j:f:o:h" : "+d:j:h",
				 opts, NULL)) != -1) {
		switch (ch) {
		case 'd': a->db = optarg; break;
		case 'j': a->job = optarg; break;
		case 'f': if (is_export) { a->format = optarg; break; } goto bad;
		case 'o': if (is_export) { a->out = optarg; break; } goto bad;
		case 'J': if (!is_export) { a->json = true; break; } goto bad;
		case 'h':
			if (is_export)
				printf("usage: trawl export [-d DB] [-j JOB] [-f jsonl|json] [-o FILE]\n"
				       "Writes one JSON record per fetched page: JSON Lines (default)\n"
				       "or one JSON array (-f json), to FILE or standard output.\n"
				       "A FILE is written in full to a temporary name, then renamed.\n");
			else
				printf("usage: trawl status [-d DB] [-j JOB] [--json]\n"
				       "Counts the job's URLs by state and its pages by HTTP status.\n");
			return 1;
		default:
			goto bad;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "trawl %s: unexpected argument \"%s\"; see `trawl %s --help`\n",
			cmd, argv[optind], cmd);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "trawl %s: %s: unknown option or missing value; see `trawl %s --help`\n",
		cmd, argv[optind - 1], cmd);
	return -1;
}

static int cmd_export(int argc, char **argv)
{
	struct ro_args a = { 0 };
	enum export_format fmt = EXPORT_JSONL;
	struct store *s = NULL;
	struct job_info ji = { 0 };
	int ret = EXIT_RUNTIME, rc;

	rc = parse_ro(argc, argv, "export", &a);
	if (rc)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	if (a.format && export_format_parse(a.format, &fmt) < 0) {
		fprintf(stderr, "trawl export: unknown format \"%s\"; use jsonl or json\n",
			a.format);
		return EXIT_USAGE;
	}
	s = store_open(a.db, STORE_RO);
	if (!s)
		goto out;
	if (store_job_find(s, a.job, &ji) < 0)
		goto out;
	if (export_pages(s, ji.id, fmt, a.out) < 0)
		goto out;
	ret = EXIT_OK;
out:
	store_job_info_release(&ji);
	store_close(s);
	return ret;
}

static int cmd_status(int argc, char **argv)
{
	struct ro_args a = { 0 };
	struct store *s = NULL;
	struct job_info ji = { 0 };
	struct job_counts c;
	int ret = EXIT_RUNTIME, rc;
	size_t i;

	rc = parse_ro(argc, argv, "status", &a);
	if (rc)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	s = store_open(a.db, STORE_RO);
	if (!s || store_job_find(s, a.job, &ji) < 0 ||
	    store_job_counts(s, ji.id, &c) < 0)
		goto out;
	if (a.json) {
		json_t *o = json_object(), *urls = json_object(), *http = json_object();
		for (i = 0; i < 4; i++)
			json_object_set_new(urls, url_state_name((int)i),
					    json_integer(c.by_state[i]));
		for (i = 0; i < c.nhttp; i++) {
			char key[16];
			snprintf(key, sizeof key, "%d", c.http[i].status);
			json_object_set_new(http, key, json_integer(c.http[i].n));
		}
		json_object_set_new(o, "job", json_string(ji.name));
		json_object_set_new(o, "state", json_string(ji.state));
		json_object_set_new(o, "urls", urls);
		json_object_set_new(o, "pages", json_integer(c.pages));
		json_object_set_new(o, "http", http);
		json_object_set_new(o, "errors", json_integer(c.errors));
		json_dumpf(o, stdout, JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		printf("job \"%s\": %s\n", ji.name, ji.state);
		printf("urls:  %lld done, %lld queued, %lld failed, %lld skipped\n",
		       (long long)c.by_state[URL_DONE], (long long)c.by_state[URL_QUEUED],
		       (long long)c.by_state[URL_FAILED], (long long)c.by_state[URL_SKIPPED]);
		printf("pages: %lld, %lld with errors\n", (long long)c.pages,
		       (long long)c.errors);
		printf("http: ");
		for (i = 0; i < c.nhttp; i++)
			printf(" %d: %lld%s", c.http[i].status, (long long)c.http[i].n,
			       i + 1 < c.nhttp ? "," : "");
		printf("%s\n", c.nhttp ? "" : " none");
	}
	ret = EXIT_OK;
out:
	store_job_info_release(&ji);
	store_close(s);
	return ret;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int ret;

	log_init("trawl", LOG_INFO);
	/* Over a file size limit, write() should fail (and trawl stop cleanly
	 * with "disk full") rather than the process be killed. */
	signal(SIGXFSZ, SIG_IGN);
	if (!cmd) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
		printf("trawl %s (libcurl %s, libxml2 %s, jansson %s)\n", TRAWL_VERSION,
		       v->version, xmlParserVersion, jansson_version_str());
		return EXIT_OK;
	}
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
		log_error("libcurl failed to initialize");
		return EXIT_RUNTIME;
	}
	xmlInitParser();
	if (strcmp(cmd, "crawl") == 0) {
		ret = cmd_crawl(argc - 1, argv + 1);
	} else if (strcmp(cmd, "export") == 0) {
		ret = cmd_export(argc - 1, argv + 1);
	} else if (strcmp(cmd, "status") == 0) {
		ret = cmd_status(argc - 1, argv + 1);
	} else {
		fprintf(stderr, "trawl: unknown command \"%s\"; the commands are crawl, "
			"export and status (see `trawl --help`)\n", cmd);
		ret = EXIT_USAGE;
	}
	xmlCleanupParser();
	curl_global_cleanup();
	return ret;
}
