/*
 * main.c - the command line: `trawl crawl | export | status`.
 *
 * Runs in the coordinator process before anything forks.  Turns arguments
 * into a validated struct conf (conf.h), reads and checks the seeds, and
 * hands over to coord_run(), export_run() or the status report.
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
	      "       trawl export [-d DB] [-j JOB] [-f jsonl|json|csv] [-o FILE]\n"
	      "                    [--what pages|items|links] [--extractor NAME]\n"
	      "                    [--since TIME] [--status S]\n"
	      "       trawl status [-d DB] [-j JOB] [--json]\n"
	      "       trawl --help | --version\n"
	      "\n"
	      "trawl crawls from seed URLs, politely and fast, keeps everything in one\n"
	      "SQLite file (default ./trawl.db) and exports pages, extracted items and\n"
	      "links as JSON Lines, JSON or CSV.\n"
	      "\n"
	      "  crawl    fetch the seeds and what they link to, within the seeds' hosts;\n"
	      "           running the same command again resumes the job\n"
	      "  export   write the job's pages (default), items or links as JSON Lines\n"
	      "           (default), one JSON array or CSV; FILE.gz is gzip-compressed;\n"
	      "           filters: --extractor, --since, --status (`trawl export --help`)\n"
	      "  status   counts of the job's URLs by state, pages by HTTP status, and\n"
	      "           items per extractor with validation failures\n"
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
	/* Before the seeds are normalized, and before workers are forked. */
	url_strip_params((const char *const *)c.strip_params.v, c.strip_params.n);

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
	if (seeds.n == 0 && !has_seed && c.sitemap.n == 0) {
		fprintf(stderr, "trawl: no seed URLs to crawl; give URLs as arguments, "
			"a seeds file with -s FILE, \"seeds\" in the config, or "
			"--sitemap URL\n");
		goto out;
	}
	if (!c.job)
		c.job = job_from_seed(seeds.n ? seeds.v[0] : c.sitemap.v[0]);
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
	const char *db, *job, *format, *out, *what, *extractor, *since;
	char *status;          /* every --status, comma-joined */
	bool json;
};

static const char export_help[] =
	"usage: trawl export [-d DB] [-j JOB] [-f jsonl|json|csv] [-o FILE]\n"
	"                    [--what pages|items|links] [--extractor NAME]\n"
	"                    [--since TIME] [--status S]\n"
	"\n"
	"Writes the job's records, streamed in constant memory, as JSON Lines\n"
	"(default), one JSON array (-f json) or CSV with a header row (-f csv).\n"
	"\n"
	"  --what pages   one record per fetched page (default):\n"
	"                 job url final_url status depth fetched_at content_type bytes\n"
	"                 elapsed_ms title description canonical links fields error\n"
	"  --what items   one record per extracted item:\n"
	"                 {\"job\",\"extractor\",\"url\",\"fetched_at\",\"fields\":{...},\"error\"}\n"
	"                 (error null for a valid item); CSV: one column per field,\n"
	"                 then _url, _extractor, _fetched_at, _error\n"
	"  --what links   one record per link of each page: {\"job\",\"from\",\"to\"}\n"
	"\n"
	"  -d, --db DB          the database (default trawl.db)\n"
	"  -j, --job JOB        the job (needed when the database holds several)\n"
	"  -f, --format F       jsonl, json or csv\n"
	"  -o, --output FILE    written to a temporary name beside it and renamed\n"
	"                       when complete; FILE.gz is gzip-compressed; - or no\n"
	"                       -o: standard output\n"
	"  --extractor NAME     items of this extractor only\n"
	"  --since TIME         fetched at or after TIME: 2026-11-21 (UTC),\n"
	"                       2026-11-21T23:00:00Z, 2026-11-21T23:00+02:00, or a\n"
	"                       span before now: 30m, 2h, 7d (s m h d w)\n"
	"  --status S           pages and links: 200 (a code), 4xx (a class),\n"
	"                       200-299 (a range), ok (no fetch error), error;\n"
	"                       items: valid, invalid, or a code, class or range\n"
	"                       of their page; comma-separated or repeated\n"
	"\n"
	"CSV: RFC 4180 (CRLF line ends, quotes doubled); null is an empty cell,\n"
	"nested arrays and objects are JSON text.  Output is valid UTF-8.\n";

static const char status_help[] =
	"usage: trawl status [-d DB] [-j JOB] [--json]\n"
	"Counts the job's URLs by state, its pages by HTTP status, and its items\n"
	"per extractor with how many failed validation.\n";

static int parse_ro(int argc, char **argv, const char *cmd, struct ro_args *a)
{
	enum { O_WHAT = 1000, O_EXTRACTOR, O_SINCE, O_STATUS };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "job", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "what", required_argument, NULL, O_WHAT },
		{ "extractor", required_argument, NULL, O_EXTRACTOR },
		{ "since", required_argument, NULL, O_SINCE },
		{ "status", required_argument, NULL, O_STATUS },
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
		if (is_export ? ch == 'J' : (ch == 'f' || ch == 'o' || ch >= O_WHAT))
			goto bad;
		switch (ch) {
		case 'd': a->db = optarg; break;
		case 'j': a->job = optarg; break;
		case 'f': a->format = optarg; break;
		case 'o': a->out = optarg; break;
		case 'J': a->json = true; break;
		case O_WHAT: a->what = optarg; break;
		case O_EXTRACTOR: a->extractor = optarg; break;
		case O_SINCE: a->since = optarg; break;
		case O_STATUS: {
			char *all = xasprintf("%s%s%s", a->status ? a->status : "",
					      a->status ? "," : "", optarg);
			free(a->status);
			a->status = all;
			break;
		}
		case 'h':
			fputs(is_export ? export_help : status_help, stdout);
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

static volatile sig_atomic_t export_stop;

static void on_export_signal(int sig)
{
	(void)sig;
	export_stop = 1;
}

/* Builds the export's options from A; -1 after saying what is wrong. */
static int export_options(const struct ro_args *a, struct export_opts *o)
{
	memset(o, 0, sizeof *o);
	o->path = a->out;
	o->stop = &export_stop;
	if (a->format && export_format_parse(a->format, &o->fmt) < 0)
		return -1;
	if (a->what && export_what_parse(a->what, &o->what) < 0)
		return -1;
	if (a->extractor) {
		if (o->what != EXPORT_ITEMS) {
			log_error("--extractor selects items; add --what items");
			return -1;
		}
		o->filter.extractor = a->extractor;
	}
	if (a->since && export_since_parse(a->since, wall_ms(), &o->filter.since) < 0)
		return -1;
	if (a->status && export_status_parse(a->status, o->what, &o->filter) < 0)
		return -1;
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	struct ro_args a = { 0 };
	struct export_opts o;
	struct store *s = NULL;
	struct job_info ji = { 0 };
	struct sigaction sa;
	int ret = EXIT_RUNTIME, rc;
	long n;

	rc = parse_ro(argc, argv, "export", &a);
	if (rc) {
		free(a.status);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (export_options(&a, &o) < 0) {
		fprintf(stderr, "trawl export: see `trawl export --help`\n");
		free(a.status);
		return EXIT_USAGE;
	}
	s = store_open(a.db, STORE_RO);
	if (!s)
		goto out;
	if (store_job_find(s, a.job, &ji) < 0)
		goto out;
	/* Ctrl-C: stop at the next row and remove the temporary file. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_export_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	n = export_run(s, ji.id, &o);
	if (n < 0) {
		if (export_stop)
			ret = EXIT_INTERRUPTED;
		goto out;
	}
	if (n == 0 && o.filter.extractor) {
		struct job_counts c;
		size_t i;
		if (store_job_counts(s, ji.id, &c) == 0) {
			for (i = 0; i < c.nextractors; i++)
				if (strcmp(c.extractors[i].name, o.filter.extractor) == 0)
					break;
			if (i == c.nextractors)
				log_warn("job \"%s\" has no items of extractor \"%s\"; "
					 "`trawl status` lists its extractors", ji.name,
					 o.filter.extractor);
		}
	}
	ret = EXIT_OK;
out:
	free(a.status);
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
		json_t *ex = json_object();
		for (i = 0; i < 4; i++)
			json_object_set_new(urls, url_state_name((int)i),
					    json_integer(c.by_state[i]));
		for (i = 0; i < c.nhttp; i++) {
			char key[16];
			snprintf(key, sizeof key, "%d", c.http[i].status);
			json_object_set_new(http, key, json_integer(c.http[i].n));
		}
		for (i = 0; i < c.nextractors; i++)
			json_object_set_new(ex, c.extractors[i].name,
					    json_pack("{sIsI}", "items",
						      (json_int_t)c.extractors[i].n,
						      "invalid",
						      (json_int_t)c.extractors[i].invalid));
		json_object_set_new(o, "job", json_string(ji.name));
		json_object_set_new(o, "state", json_string(ji.state));
		json_object_set_new(o, "urls", urls);
		json_object_set_new(o, "pages", json_integer(c.pages));
		json_object_set_new(o, "http", http);
		json_object_set_new(o, "errors", json_integer(c.errors));
		json_object_set_new(o, "noindex", json_integer(c.noindex));
		json_object_set_new(o, "items", json_integer(c.items));
		json_object_set_new(o, "invalid_items", json_integer(c.invalid_items));
		json_object_set_new(o, "extractors", ex);
		json_dumpf(o, stdout, JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		printf("job \"%s\": %s\n", ji.name, ji.state);
		printf("urls:  %lld done, %lld queued, %lld failed, %lld skipped\n",
		       (long long)c.by_state[URL_DONE], (long long)c.by_state[URL_QUEUED],
		       (long long)c.by_state[URL_FAILED], (long long)c.by_state[URL_SKIPPED]);
		printf("pages: %lld, %lld with errors", (long long)c.pages,
		       (long long)c.errors);
		if (c.noindex)
			printf(", %lld noindex (fetched, not exported)",
			       (long long)c.noindex);
		printf("\n");
		printf("http: ");
		for (i = 0; i < c.nhttp; i++)
			printf(" %d: %lld%s", c.http[i].status, (long long)c.http[i].n,
			       i + 1 < c.nhttp ? "," : "");
		printf("%s\n", c.nhttp ? "" : " none");
		printf("items: %lld, %lld invalid\n", (long long)c.items,
		       (long long)c.invalid_items);
		{
			int64_t listed = 0;

			for (i = 0; i < c.nextractors; i++) {
				printf("  %s: %lld, %lld invalid\n", c.extractors[i].name,
				       (long long)c.extractors[i].n,
				       (long long)c.extractors[i].invalid);
				listed += c.extractors[i].n;
			}
			/* job_counts keeps the first extractors by name. */
			if (listed < c.items)
				printf("  (%lld items of further extractors not listed)\n",
				       (long long)(c.items - listed));
		}
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
