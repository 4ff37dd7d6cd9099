/*
 * conf.c - the crawl configuration (see conf.h): one table of keys, read
 * from a strict JSON file and from the command line, checked once.
 *
 * Runs in the coordinator only, once at start (and on a reload in `serve`);
 * workers inherit the finished struct across fork().  Nothing here is on a
 * hot path, so it favours exact error messages over speed: jansson keeps no
 * positions for values, so a small scanner re-reads the file text to find
 * the line:column of a key, its value, or one element of a list.
 */
#include "conf.h"

#include "log.h"
#include "netguard.h"
#include "scrape.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef TRAWL_VERSION
#define TRAWL_VERSION "0.0.0"
#endif

/* A config file is a page of keys; seed lists belong in seeds_file. */
#define CONF_FILE_MAX (16 << 20)

/* T_DOUBLE: min, max and def are in thousandths (1000 = 1.0). */
enum ktype { T_LONG, T_SIZE, T_BOOL, T_STR, T_LIST, T_DOUBLE };

enum kflag {
	K_NULLABLE = 1 << 0, /* JSON null allowed: "not set" */
	K_NEGFLAG = 1 << 1,  /* the CLI flag sets false ("--no-robots") */
	K_HEADER = 1 << 2,   /* goes into an HTTP header: no control chars */
	K_REGEX = 1 << 3,    /* list of POSIX extended regexes */
	K_DOMAIN = 1 << 4,   /* list of host names */
	K_PARAM = 1 << 5,    /* list of query parameter name globs */
	/* request options (worker.c, netguard.c) */
	K_HTTPHDR = 1 << 10, /* list of "Name: value" request headers */
	K_CIDR = 1 << 11,    /* list of networks (netguard.h) */
	K_AUTH = 1 << 12,    /* list of "HOST[:PORT] USER:PASSWORD" */
	K_PROXY = 1 << 13,   /* a proxy URL */
	K_SECRET = 1 << 14,  /* passwords are masked in conf_to_json() */
};

struct key {
	const char *name;    /* JSON key */
	const char *opt;     /* long option with "--", NULL: none */
	int short_opt;       /* parsed by main.c; here for --help */
	const char *arg;     /* argument name in --help, NULL: a flag */
	enum ktype type;
	unsigned flags;
	size_t off;          /* into struct conf */
	long long min, max;
	long long def;       /* T_LONG, T_SIZE, T_BOOL */
	const char *defstr;  /* T_STR */
	const char *defdoc;  /* --help's default column when not the value */
	const char *help;
};

#define F(field) offsetof(struct conf, field)

static const struct key keys[] = {
	{ "db", "--db", 'd', "FILE", T_STR, 0, F(db), 0, 0, 0,
	  "trawl.db", NULL, "SQLite database holding jobs, URLs and pages" },
	{ "job", "--job", 'j', "NAME", T_STR, K_NULLABLE, F(job), 0, 0, 0,
	  NULL, "from seeds", "job name; running it again resumes it" },
	{ "seeds", NULL, 0, "URL...", T_LIST, 0, F(seeds), 0, 0, 0,
	  NULL, "none", "start URLs (command line: URL arguments)" },
	{ "seeds_file", "--seeds", 's', "FILE", T_STR, K_NULLABLE,
	  F(seeds_file), 0, 0, 0, NULL, "none",
	  "file of start URLs, one a line, # comments" },
	{ "workers", "--workers", 0, "N", T_LONG, 0, F(workers), 0, 256, 0,
	  NULL, "CPUs", "worker processes; 0 = one per online CPU" },
	{ "concurrency", "--concurrency", 0, "N", T_LONG, 0, F(concurrency),
	  1, 1000, 64, NULL, NULL, "transfers in flight per worker" },
	{ "per_host", "--per-host", 0, "N", T_LONG, 0, F(per_host), 1, 1000,
	  4, NULL, NULL, "transfers in flight per host" },
	{ "delay", "--delay", 0, "MS", T_LONG, 0, F(delay_ms), 0, 3600000, 0,
	  NULL, NULL, "milliseconds between request starts to one host" },
	{ "max_depth", "--max-depth", 0, "N", T_LONG, 0, F(max_depth), -1,
	  1000, -1, NULL, NULL, "deepest link depth fetched; -1 = no limit" },
	{ "max_pages", "--max-pages", 0, "N", T_LONG, 0, F(max_pages), 0,
	  LONG_MAX, 0, NULL, NULL, "stop after N pages; 0 = no limit" },
	{ "allow_domains", "--allow-domain", 0, "DOMAIN", T_LIST, K_DOMAIN,
	  F(allow_domains), 0, 0, 0, NULL, "seed hosts",
	  "also crawl this domain and its subdomains (repeatable)" },
	{ "include", "--include", 0, "REGEX", T_LIST, K_REGEX, F(include), 0,
	  0, 0, NULL, "none", "crawl only URLs matching one (repeatable)" },
	{ "exclude", "--exclude", 0, "REGEX", T_LIST, K_REGEX, F(exclude), 0,
	  0, 0, NULL, "none", "skip URLs matching one (repeatable)" },
	{ "strip_params", "--strip-param", 0, "GLOB", T_LIST, K_PARAM,
	  F(strip_params), 0, 0, 0, NULL, "none",
	  "drop query parameters so named, e.g. utm_* (repeatable)" },
	{ "robots", "--no-robots", 0, NULL, T_BOOL, K_NEGFLAG, F(robots), 0, 1,
	  1, NULL, NULL, "obey robots.txt; --no-robots ignores it" },
	{ "user_agent", "--user-agent", 0, "STRING", T_STR, K_HEADER,
	  F(user_agent), 0, 0, 0, "trawl/" TRAWL_VERSION, NULL,
	  "User-Agent header, also matched against robots.txt" },
	{ "timeout", "--timeout", 0, "S", T_LONG, 0, F(timeout_s), 1, 3600,
	  30, NULL, NULL, "seconds allowed for one whole transfer" },
	{ "connect_timeout", "--connect-timeout", 0, "S", T_LONG, 0,
	  F(connect_timeout_s), 1, 600, 10, NULL, NULL,
	  "seconds allowed to connect" },
	{ "max_size", "--max-size", 0, "BYTES", T_SIZE, 0, F(max_size), 1024,
	  2147483648LL, 10485760, NULL, NULL,
	  "body size cap (suffix k, m, g); larger is an error" },
	{ "max_links", "--max-links", 0, "N", T_LONG, 0, F(max_links), 1,
	  100000, 5000, NULL, NULL, "links taken from one page" },
	{ "retries", "--retries", 0, "N", T_LONG, 0, F(retries), 0, 20, 3,
	  NULL, NULL, "more attempts after a timeout, connection error or 5xx" },
	{ "retry_delay", "--retry-delay", 0, "MS", T_LONG, 0, F(retry_delay_ms),
	  0, 3600000, 1000, NULL, NULL,
	  "wait before the first retry; doubled each time, with jitter" },
	{ "store_body", "--store-body", 0, NULL, T_BOOL, 0, F(store_body), 0,
	  1, 0, NULL, NULL, "store each page's body, compressed" },
	{ "low_speed_time", "--low-speed-time", 0, "S", T_LONG, 0,
	  F(low_speed_time_s), 1, 3600, 30, NULL, NULL,
	  "a transfer under 100 bytes/s for S seconds is a timeout" },
	{ "headers", "--header", 0, "\"NAME: VALUE\"", T_LIST,
	  K_HEADER | K_HTTPHDR | K_SECRET, F(headers), 0, 0, 0, NULL, "none",
	  "request header sent with every request (repeatable)" },
	{ "proxy", "--proxy", 0, "URL", T_STR,
	  K_NULLABLE | K_HEADER | K_PROXY | K_SECRET, F(proxy), 0, 0, 0, NULL,
	  "environment", "http://, https://, socks5h://... proxy for every "
	  "request" },
	{ "auth", "--auth", 0, "\"HOST[:PORT] USER:PASS\"", T_LIST,
	  K_HEADER | K_AUTH | K_SECRET, F(auth), 0, 0, 0, NULL, "none",
	  "basic auth sent to that host and port only (repeatable)" },
	{ "cookies", "--cookies", 0, NULL, T_BOOL, 0, F(cookies), 0, 1, 0,
	  NULL, NULL, "keep cookies servers set and send them back" },
	{ "allow_networks", "--allow-network", 0, "CIDR", T_LIST, K_CIDR,
	  F(allow_networks), 0, 0, 0, NULL, "seeds' classes",
	  "may connect to this private/loopback/... network (repeatable)" },
	{ "quiet", "--quiet", 0, NULL, T_BOOL, 0, F(quiet), 0, 1, 0, NULL,
	  NULL, "no progress display, errors and warnings only" },
	{ "progress", "--progress", 0, NULL, T_BOOL, 0, F(progress), 0, 1, 0,
	  NULL, "if tty", "live progress display on stderr" },
	{ "max_crawl_delay", "--max-crawl-delay", 0, "MS", T_LONG, 0,
	  F(max_crawl_delay_ms), 0, 86400000, 30000, NULL, NULL,
	  "cap on a robots.txt Crawl-delay" },
	{ "autothrottle", "--autothrottle", 0, NULL, T_BOOL, 0, F(autothrottle),
	  0, 1, 0, NULL, NULL, "adapt each host's delay to its response times" },
	{ "autothrottle_target", "--autothrottle-target", 0, "N", T_DOUBLE, 0,
	  F(autothrottle_target), 100, 100000, 1000, NULL, NULL,
	  "autothrottle: requests in flight wanted per host" },
	{ "autothrottle_max_delay", "--autothrottle-max-delay", 0, "MS", T_LONG,
	  0, F(autothrottle_max_delay_ms), 0, 3600000, 60000, NULL, NULL,
	  "autothrottle: largest delay it sets" },
	{ "max_redirects", "--max-redirects", 0, "N", T_LONG, 0,
	  F(max_redirects), 0, 100, 10, NULL, NULL,
	  "redirect hops followed from one URL" },
	{ "max_url_length", "--max-url-length", 0, "N", T_LONG, 0,
	  F(max_url_length), 16, 2083, 2083, NULL, NULL,
	  "longer URLs are skipped (\"too-long\")" },
	{ "max_segment_repeats", "--max-segment-repeats", 0, "N", T_LONG, 0,
	  F(max_segment_repeats), 0, 100, 2, NULL, NULL,
	  "a path segment seen more often is a trap; 0 = no check" },
	{ "max_pages_per_host", "--max-pages-per-host", 0, "N", T_LONG, 0,
	  F(max_pages_per_host), 0, LONG_MAX, 0, NULL, NULL,
	  "URLs taken per host; 0 = no limit" },
	{ "max_query_variants", "--max-query-variants", 0, "N", T_LONG, 0,
	  F(max_query_variants), 0, LONG_MAX, 1000, NULL, NULL,
	  "query strings taken per path; 0 = no limit" },
	{ "robots_ttl", "--robots-ttl", 0, "S", T_LONG, 0, F(robots_ttl_s), 0,
	  31536000, 86400, NULL, NULL, "seconds a stored robots.txt is reused" },
	{ "sitemap", "--sitemap", 0, "URL", T_LIST, 0, F(sitemap), 0, 0, 0,
	  NULL, "none", "crawl the URLs of this sitemap (repeatable)" },
	{ "sitemaps", "--sitemaps", 0, NULL, T_BOOL, 0, F(sitemaps), 0, 1, 0,
	  NULL, NULL, "also read the sitemaps robots.txt lists" },
};

#undef F

#define NKEYS (sizeof keys / sizeof keys[0])

_Static_assert(NKEYS <= 64, "set_mask has one bit per key");

static uint64_t bit(const struct key *k)
{
	return (uint64_t)1 << (k - keys);
}

static void *field(const struct conf *c, const struct key *k)
{
	return (char *)c + k->off;
}

static const struct key *key_by_name(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* ---- string lists ---- */

static void list_clear(struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void conf_list_push(struct conf_list *l, const char *s)
{
	/* There is no capacity field: the capacity is 4 below 4 and the next
	 * power of two above, so it grows exactly when n is 0 or such a power. */
	if (l->n == 0 || (l->n >= 4 && (l->n & (l->n - 1)) == 0))
		l->v = xrealloc(l->v, (l->n ? l->n * 2 : 4) * sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

/* ---- what a key accepts, in words ---- */

static void describe(const struct key *k, bool json, char *buf, size_t sz)
{
	switch (k->type) {
	case T_LONG:
		if (k->max == LONG_MAX)
			snprintf(buf, sz, "a whole number, %lld or more", k->min);
		else
			snprintf(buf, sz, "a whole number from %lld to %lld",
				 k->min, k->max);
		break;
	case T_SIZE:
		snprintf(buf, sz,
			 "a size in bytes from %lld to %lld%s with a suffix "
			 "k, m or g (powers of 1024)%s",
			 k->min, k->max,
			 json ? ": a number, or a string" : ", optionally",
			 json ? " like \"10m\"" : "");
		break;
	case T_BOOL:
		snprintf(buf, sz, "%s",
			 json ? "true or false" : "true or false (or yes/no, 1/0)");
		break;
	case T_DOUBLE:
		snprintf(buf, sz, "a number from %g to %g", (double)k->min / 1000,
			 (double)k->max / 1000);
		break;
	case T_STR:
		snprintf(buf, sz, "%s%s",
			 json ? "a non-empty string" : "a non-empty value",
			 json && (k->flags & K_NULLABLE) ? " or null" : "");
		break;
	case T_LIST:
		snprintf(buf, sz, "an array of non-empty strings, like [\"%s\"]",
			 k->flags & K_REGEX    ? "^https?://example\\\\.com/docs/"
			 : k->flags & K_PARAM  ? "utm_*"
			 : k->flags & K_DOMAIN ? "example.com"
			 : k->flags & K_HTTPHDR ? "X-Team: data"
			 : k->flags & K_AUTH   ? "example.com alice:secret"
			 : k->flags & K_CIDR   ? "10.0.0.0/8"
					       : "http://example.com/");
		break;
	}
}

/* ---- parsing command-line text ---- */

/* 0: ok; -1: not a number; -2: does not fit. */
static int parse_ll(const char *s, long long *out, char **end)
{
	long long v;

	if (!isdigit((unsigned char)s[0]) && s[0] != '-' && s[0] != '+')
		return -1;
	errno = 0;
	v = strtoll(s, end, 10);
	if (*end == s || !isdigit((unsigned char)(*end)[-1]))
		return -1;
	if (errno == ERANGE)
		return -2;
	*out = v;
	return 0;
}

static int parse_int(const char *s, long long *out)
{
	char *end;
	int r = parse_ll(s, out, &end);

	if (r == 0 && *end != '\0')
		return -1;
	return r;
}

static int parse_size(const char *s, long long *out)
{
	char *end;
	long long v, mult = 1;
	int r = parse_ll(s, &v, &end);

	if (r != 0)
		return r;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1LL << 10;
		end++;
		break;
	case 'm': case 'M':
		mult = 1LL << 20;
		end++;
		break;
	case 'g': case 'G':
		mult = 1LL << 30;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0')
		return -1;
	if (v > LLONG_MAX / mult || v < LLONG_MIN / mult)
		return -2;
	*out = v * mult;
	return 0;
}

/* 0: ok; -1: not a boolean. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static bool is_utf8(const char *s)
{
	json_t *j = json_string(s);
	bool ok = j != NULL;

	json_decref(j);
	return ok;
}

/* Checks one string value or list element against the key's rules; on a
 * problem writes what is wrong into WHY ("... ; give ...") and returns -1. */
static int regex_too_costly(const char *s, char *why, size_t sz);

/* The syntax of request headers, networks, credentials and proxies, as
 * worker.c and netguard.c take them. */
static int check_request_text(const struct key *k, const char *s, char *why,
			      size_t sz)
{
	static const char tchar[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
				    "OPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
	struct netguard_net net;
	const char *p, *end, *colon;
	size_t n;

	if (k->flags & K_HTTPHDR) {
		n = strspn(s, tchar);
		if (n == 0 || s[n] != ':') {
			snprintf(why, sz, "\"%s\" is not a header; give \"Name: "
				 "value\", a name of letters, digits or "
				 "!#$%%&'*+-.^_`|~ then a colon", s);
			return -1;
		}
		if ((n == 4 && strncasecmp(s, "host", 4) == 0) ||
		    (n == 10 && strncasecmp(s, "user-agent", 10) == 0) ||
		    (n == 14 && strncasecmp(s, "content-length", 14) == 0) ||
		    (n == 17 && strncasecmp(s, "transfer-encoding", 17) == 0)) {
			snprintf(why, sz, "trawl sets the %.*s header itself%s",
				 (int)n, s, n == 10 ? "; give it with "
				 "--user-agent (\"user_agent\"), which robots.txt "
				 "is matched against" : "; leave it out");
			return -1;
		}
	}
	if ((k->flags & K_CIDR) && netguard_net_parse(s, &net, why, sz) < 0)
		return -1;
	if (k->flags & K_AUTH) {
		/* HOST is a name, an IPv4 address or a bracketed IPv6 one;
		 * a PORT follows the last colon. */
		end = strchr(s, ' ');
		n = end ? (size_t)(end - s) : 0;
		p = s[0] == '[' ? memchr(s, ']', n) : s;
		colon = p ? memchr(p, ':', n - (size_t)(p - s)) : NULL;
		if (colon) {
			char *e;
			long port = strtol(colon + 1, &e, 10);

			if (e != end || colon[1] < '0' || colon[1] > '9' ||
			    port < 1 || port > 65535)
				p = NULL;
			else
				n = (size_t)(colon - s);
		}
		if (!end || !p || n == 0 || strcspn(s, "/@?#") < n ||
		    (s[0] == '[' && s[n - 1] != ']') || end[1] == ':' ||
		    !strchr(end + 1, ':')) {
			snprintf(why, sz, "an entry is not HOST[:PORT] "
				 "USER:PASSWORD, like \"example.com:8080 "
				 "alice:secret\" (one space, the user without "
				 "a colon)");
			return -1;
		}
	}
	if (k->flags & K_PROXY) {
		static const char *const schemes[] = { "http", "https", "socks4",
						       "socks4a", "socks5",
						       "socks5h", NULL };
		size_t i;

		n = strcspn(s, ":");
		for (i = 0; schemes[i]; i++)
			if (strlen(schemes[i]) == n &&
			    strncasecmp(s, schemes[i], n) == 0)
				break;
		if (!schemes[i] || strncmp(s + n, "://", 3) != 0 ||
		    strchr("/:?#", s[n + 3]) || strchr(s, ' ')) {
			snprintf(why, sz, "\"%s\" is not a proxy URL; give "
				 "http://HOST:PORT, https://, socks4://, "
				 "socks4a://, socks5:// or socks5h:// (the proxy "
				 "resolves names)", s);
			return -1;
		}
	}
	return 0;
}

static int check_text(const struct key *k, const char *s, char *why,
		      size_t sz)
{
	const char *what = k->type == T_LIST ? "an entry" : "the value";

	if (s[0] == '\0') {
		snprintf(why, sz, "%s is empty; give %s", what,
			 k->arg ? k->arg : "a value");
		return -1;
	}
	if (!is_utf8(s)) {
		snprintf(why, sz, "%s is not valid UTF-8; give UTF-8 text", what);
		return -1;
	}
	if (k->flags & K_HEADER) {
		for (const char *p = s; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				snprintf(why, sz, "\"%s\" holds a control "
					 "character; give printable text", s);
				return -1;
			}
		}
	}
	if (k->flags & K_DOMAIN) {
		const char *d = s[0] == '.' ? s + 1 : s;

		if (d[0] == '\0' || strpbrk(d, "/:@ \t?#")) {
			snprintf(why, sz, "\"%s\" is not a domain; give a host "
				 "name such as example.com", s);
			return -1;
		}
	}
	if ((k->flags & K_PARAM) && strpbrk(s, "&=#?/ \t")) {
		snprintf(why, sz, "\"%s\" is not a parameter name; give a name "
			 "or a glob such as utm_*", s);
		return -1;
	}
	if (k->flags & K_REGEX) {
		regex_t re;

		if (conf_regex_compile(&re, s, REG_NOSUB, why, sz) < 0)
			return -1;
		regfree(&re);
	}
	if ((k->flags & (K_HTTPHDR | K_CIDR | K_AUTH | K_PROXY)) &&
	    check_request_text(k, s, why, sz) < 0)
		return -1;
	return 0;
}

int conf_regex_compile(regex_t *re, const char *s, int cflags, char *why,
		       size_t sz)
{
	char err[256];
	int rc;

	if (regex_too_costly(s, why, sz) < 0)
		return -1;
	rc = regcomp(re, s, REG_EXTENDED | cflags);
	if (rc != 0) {
		regerror(rc, re, err, sizeof err);
		snprintf(why, sz, "\"%s\": %s; give a POSIX extended regular "
			 "expression", s, err);
		return -1;
	}
	return 0;
}

/* glibc's regcomp() copies the subtree under a quantifier once per
 * repetition it must spell out, so memory grows with the product of the
 * nested repetitions: "a+++..." or "((a){2,100}){2,100}..." take
 * gigabytes.  A pattern whose estimated size (each quantifier multiplies
 * what it applies to by 2, or by its upper bound) passes REGEX_BUDGET, or
 * that is longer than 1000 characters, is refused before compiling.
 * Returns 0 or -1 with the reason in WHY. */
#define REGEX_BUDGET 10000.0
#define REGEX_DEPTH 64

static int regex_too_costly(const char *s, char *why, size_t sz)
{
	double outer[REGEX_DEPTH], cur = 0, last = 0;
	int depth = 0;
	const char *p = s;

	if (strlen(s) > 1000) {
		snprintf(why, sz, "a pattern of %zu characters is too long; keep "
			 "it under 1000", strlen(s));
		return -1;
	}
	while (*p) {
		double factor = 0;

		if (*p == '\\' && p[1]) {
			p += 2;
			cur += last = 1;
		} else if (*p == '[') {
			/* A bracket expression: ']' first is literal. */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p++;
			if (*p)
				p++;
			cur += last = 1;
		} else if (*p == '(') {
			if (depth == REGEX_DEPTH)
				goto costly;
			outer[depth++] = cur;
			cur = last = 0;
			p++;
		} else if (*p == ')') {
			double group = cur > 1 ? cur : 1;
			cur = depth ? outer[--depth] : 0;
			cur += last = group;
			p++;
		} else if (*p == '|') {
			last = 0;
			p++;
		} else if (*p == '*' || *p == '+' || *p == '?') {
			factor = 2;
			p++;
		} else if (*p == '{') {
			char *end;
			double m = strtod(p + 1, &end), n = m + 1;
			if (*end == ',')
				n = end[1] == '}' ? m + 1 : strtod(end + 1, &end);
			factor = n > 2 ? n : 2;
			while (*p && *p != '}')
				p++;
			if (*p)
				p++;
		} else {
			cur += last = 1;
			p++;
		}
		if (factor > 0) {
			cur += last * (factor - 1);
			last *= factor;
		}
		if (cur > REGEX_BUDGET || last > REGEX_BUDGET)
			goto costly;
	}
	return 0;
costly:
	snprintf(why, sz, "\"%.100s\" nests repetitions too deeply to compile "
		 "in reasonable memory; simplify it", s);
	return -1;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

static const struct key *key_by_option(const char *opt)
{
	char buf[64];

	if (strncmp(opt, "--", 2) != 0) {
		snprintf(buf, sizeof buf, "--%s", opt);
		opt = buf;
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].opt && strcmp(keys[i].opt, opt) == 0)
			return &keys[i];
	return NULL;
}

static int set_text(struct conf *c, const struct key *k, const char *value,
		    bool negate)
{
	const char *opt = k->opt ? k->opt : k->arg;
	char want[200], why[512];
	long long v;
	bool b;
	int r;

	describe(k, false, want, sizeof want);
	if (!value && k->type != T_BOOL) {
		fprintf(stderr, "%s: needs a value; give %s\n", opt, want);
		return -1;
	}
	switch (k->type) {
	case T_LONG:
	case T_SIZE:
		r = k->type == T_LONG ? parse_int(value, &v)
				      : parse_size(value, &v);
		if (r == -1) {
			fprintf(stderr, "%s: \"%s\" is not a %s; give %s\n", opt,
				value, k->type == T_LONG ? "number" : "size",
				want);
			return -1;
		}
		if (r == -2 || v < k->min || v > k->max) {
			fprintf(stderr, "%s: %s is out of range; give %s\n", opt,
				value, want);
			return -1;
		}
		if (k->type == T_LONG)
			*(long *)field(c, k) = (long)v;
		else
			*(long long *)field(c, k) = v;
		break;
	case T_BOOL:
		b = true;
		if (value && parse_bool(value, &b) != 0) {
			fprintf(stderr, "%s: \"%s\" is not a boolean; give %s\n",
				opt, value, want);
			return -1;
		}
		*(bool *)field(c, k) = negate ? !b : b;
		break;
	case T_DOUBLE: {
		char *end;
		double d;

		errno = 0;
		d = strtod(value, &end);
		if (end == value || *end != '\0' || errno == ERANGE ||
		    !(d >= (double)k->min / 1000 && d <= (double)k->max / 1000)) {
			fprintf(stderr, "%s: \"%s\" is %s; give %s\n", opt, value,
				end == value || *end ? "not a number" : "out of range",
				want);
			return -1;
		}
		*(double *)field(c, k) = d;
		break;
	}
	case T_STR:
		if (check_text(k, value, why, sizeof why) != 0) {
			fprintf(stderr, "%s: %s\n", opt, why);
			return -1;
		}
		set_str(field(c, k), value);
		break;
	case T_LIST:
		if (check_text(k, value, why, sizeof why) != 0) {
			fprintf(stderr, "%s: %s\n", opt, why);
			return -1;
		}
		if (!(c->cli_mask & bit(k)))
			list_clear(field(c, k));
		conf_list_push(field(c, k), value);
		break;
	}
	c->set_mask |= bit(k);
	c->cli_mask |= bit(k);
	return 0;
}

int conf_set(struct conf *c, const char *name, const char *value)
{
	const struct key *k = key_by_name(name);

	if (!k) {
		fprintf(stderr, "conf_set: unknown key \"%s\"; use a key from "
			"the table in config/conf.c\n", name);
		return -1;
	}
	return set_text(c, k, value, false);
}

int conf_set_option(struct conf *c, const char *opt, const char *value)
{
	const struct key *k = key_by_option(opt);

	if (!k) {
		fprintf(stderr, "%s: unknown option; see \"trawl crawl --help\""
			"\n", opt);
		return -1;
	}
	return set_text(c, k, value, (k->flags & K_NEGFLAG) != 0);
}

const char *conf_option(size_t i, bool *has_arg, int *short_opt)
{
	for (size_t j = 0; j < NKEYS; j++) {
		if (!keys[j].opt)
			continue;
		if (i-- == 0) {
			*has_arg = keys[j].arg != NULL;
			*short_opt = keys[j].short_opt;
			return keys[j].opt + 2;
		}
	}
	return NULL;
}

/* ---- locating things in the file text ----
 *
 * The scanner runs over text jansson has already parsed, or has parsed up to
 * an error, so it only needs to be right on valid JSON and to stay in bounds
 * and terminate on anything else. */

struct text {
	const char *s;
	size_t n;
};

static size_t skip_ws(const struct text *t, size_t i)
{
	while (i < t->n && strchr(" \t\r\n", t->s[i]) && t->s[i] != '\0')
		i++;
	return i;
}

/* I at an opening quote; returns the index after the closing one. */
static size_t skip_string(const struct text *t, size_t i)
{
	for (i++; i < t->n; i++) {
		if (t->s[i] == '\\')
			i++;
		else if (t->s[i] == '"')
			return i + 1;
	}
	return t->n;
}

static size_t skip_value(const struct text *t, size_t i)
{
	int depth = 0;

	if (i >= t->n)
		return i;
	if (t->s[i] == '"')
		return skip_string(t, i);
	if (t->s[i] != '[' && t->s[i] != '{') {
		while (i < t->n && !strchr(",]} \t\r\n", t->s[i]))
			i++;
		return i;
	}
	while (i < t->n) {
		switch (t->s[i]) {
		case '"':
			i = skip_string(t, i);
			continue;
		case '[': case '{':
			depth++;
			break;
		case ']': case '}':
			if (--depth == 0)
				return i + 1;
			break;
		}
		i++;
	}
	return i;
}

/* The decoded text of the string token at [I, END); caller frees. */
static char *string_token(const struct text *t, size_t i, size_t end)
{
	json_t *j;
	char *s;

	if (!memchr(t->s + i, '\\', end - i))
		return xstrndup(t->s + i + 1, end - i >= 2 ? end - i - 2 : 0);
	j = json_loadb(t->s + i, end - i, JSON_DECODE_ANY, NULL);
	s = json_is_string(j) ? xstrdup(json_string_value(j)) : NULL;
	json_decref(j);
	return s;
}

/* Steps to the next top-level member from index *I (start with 0): sets
 * *KEY and *VAL to the offsets of its key and value, returns its decoded
 * name (caller frees), or NULL after the last member. */
static char *next_member(const struct text *t, size_t *i, size_t *key,
			 size_t *val)
{
	size_t end;
	char *name;

	*i = skip_ws(t, *i);
	if (*i < t->n && (t->s[*i] == '{' || t->s[*i] == ','))
		*i = skip_ws(t, *i + 1);
	if (*i >= t->n || t->s[*i] != '"')
		return NULL;
	*key = *i;
	end = skip_string(t, *i);
	*i = skip_ws(t, end);
	if (*i >= t->n || t->s[*i] != ':')
		return NULL;
	*val = skip_ws(t, *i + 1);
	*i = skip_value(t, *val);
	name = string_token(t, *key, end);
	return name ? name : xstrdup("");
}

/* Offsets of top-level key NAME and of its value; -1 if not found. */
static int locate(const struct text *t, const char *name, size_t *key,
		  size_t *val)
{
	size_t i = 0;
	char *m;

	while ((m = next_member(t, &i, key, val))) {
		bool hit = strcmp(m, name) == 0;

		free(m);
		if (hit)
			return 0;
	}
	*key = *val = skip_ws(t, 0);
	return -1;
}

/* Offset of element IDX of the array at VAL, or VAL if there is none. */
static size_t locate_elem(const struct text *t, size_t val, size_t idx)
{
	size_t i = val;

	if (i >= t->n || t->s[i] != '[')
		return val;
	i = skip_ws(t, i + 1);
	while (i < t->n && t->s[i] != ']') {
		if (idx-- == 0)
			return i;
		i = skip_ws(t, skip_value(t, i));
		if (i < t->n && t->s[i] == ',')
			i = skip_ws(t, i + 1);
		else
			break;
	}
	return val;
}

/* 1-based line and column (in characters, as jansson counts them). */
static void line_col(const struct text *t, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < t->n; i++) {
		if (t->s[i] == '\n') {
			++*line;
			*col = 1;
		} else if (((unsigned char)t->s[i] & 0xc0) != 0x80) {
			++*col;
		}
	}
}

static void file_err(const char *path, const struct text *t, size_t off,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void file_err(const char *path, const struct text *t, size_t off,
		     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	line_col(t, off, &line, &col);
	fprintf(stderr, "%s:%d:%d: %s\n", path, line, col, msg);
}

/* ---- checking JSON values ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64], diag, up;

	if (lb >= sizeof row / sizeof row[0])
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best;

			up = row[j];
			best = diag + (tolower((unsigned char)a[i - 1]) !=
				       tolower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The one key outside the table: extraction rules (scrape.h), which have
 * their own structure and exist only in the file. */
#define RULES_KEY "extractors"

static const char *closest_key(const char *name)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(name);

	for (size_t i = 0; i < NKEYS; i++) {
		size_t d = edit_distance(name, keys[i].name);

		if (d < bestd) {
			bestd = d;
			best = keys[i].name;
		}
	}
	if (edit_distance(name, RULES_KEY) < bestd) {
		bestd = edit_distance(name, RULES_KEY);
		best = RULES_KEY;
	}
	/* A suggestion more than a third rewritten is noise. */
	return bestd <= 3 && bestd * 3 <= len + 2 ? best : NULL;
}

const char *conf_closest(const char *name, const char *const *words)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(name);

	for (; *words; words++) {
		size_t d = edit_distance(name, *words);

		if (d < bestd) {
			bestd = d;
			best = *words;
		}
	}
	return bestd <= 3 && bestd * 3 <= len + 2 ? best : NULL;
}

/* What a JSON value is, for "..., not WHAT". */
static void show(const json_t *v, char *buf, size_t sz)
{
	char *s;
	size_t n;

	if (json_is_object(v)) {
		snprintf(buf, sz, "an object");
		return;
	}
	if (json_is_array(v)) {
		snprintf(buf, sz, "an array");
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY);
	if (!s) {
		snprintf(buf, sz, "that value");
		return;
	}
	n = strlen(s);
	if (n >= sz) {
		n = sz > 4 ? sz - 4 : 0;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		snprintf(buf, sz, "%.*s...", (int)n, s);
	} else {
		snprintf(buf, sz, "%s", s);
	}
	free(s);
}

/* Checks value V of key K; reports and returns -1 when it is wrong. */
static int check_json(const char *path, const struct text *t,
		      const struct key *k, json_t *v, size_t val)
{
	char want[200], found[80], why[512];
	long long n;
	size_t i;
	json_t *e;

	describe(k, true, want, sizeof want);
	show(v, found, sizeof found);
	switch (k->type) {
	case T_LONG:
	case T_SIZE:
		if (json_is_integer(v))
			n = json_integer_value(v);
		else if (k->type == T_SIZE && json_is_string(v) &&
			 parse_size(json_string_value(v), &n) == 0)
			;
		else
			goto wrong;
		if (n < k->min || n > k->max)
			goto wrong;
		return 0;
	case T_BOOL:
		if (!json_is_boolean(v))
			goto wrong;
		return 0;
	case T_DOUBLE:
		if (!json_is_number(v) ||
		    !(json_number_value(v) >= (double)k->min / 1000 &&
		      json_number_value(v) <= (double)k->max / 1000))
			goto wrong;
		return 0;
	case T_STR:
		if (json_is_null(v) && (k->flags & K_NULLABLE))
			return 0;
		if (!json_is_string(v))
			goto wrong;
		if (check_text(k, json_string_value(v), why, sizeof why)) {
			file_err(path, t, val, "\"%s\": %s", k->name, why);
			return -1;
		}
		return 0;
	case T_LIST:
		if (!json_is_array(v))
			goto wrong;
		json_array_foreach(v, i, e) {
			size_t at = locate_elem(t, val, i);

			if (!json_is_string(e)) {
				show(e, found, sizeof found);
				file_err(path, t, at, "\"%s\" must be %s; entry "
					 "%zu is %s", k->name, want, i + 1,
					 found);
				return -1;
			}
			if (check_text(k, json_string_value(e), why,
				       sizeof why)) {
				file_err(path, t, at, "\"%s\": %s", k->name, why);
				return -1;
			}
		}
		return 0;
	}
wrong:
	file_err(path, t, val, "\"%s\" must be %s, not %s", k->name, want,
		 found);
	return -1;
}

/* Stores a value check_json() accepted. */
static void apply_json(struct conf *c, const struct key *k, json_t *v)
{
	long long n = 0;
	size_t i;
	json_t *e;

	switch (k->type) {
	case T_LONG:
		*(long *)field(c, k) = (long)json_integer_value(v);
		break;
	case T_SIZE:
		if (json_is_string(v))
			parse_size(json_string_value(v), &n);
		else
			n = json_integer_value(v);
		*(long long *)field(c, k) = n;
		break;
	case T_BOOL:
		*(bool *)field(c, k) = json_is_true(v);
		break;
	case T_DOUBLE:
		*(double *)field(c, k) = json_number_value(v);
		break;
	case T_STR:
		set_str(field(c, k), json_string_value(v));
		break;
	case T_LIST:
		list_clear(field(c, k));
		json_array_foreach(v, i, e)
			conf_list_push(field(c, k), json_string_value(e));
		break;
	}
	c->set_mask |= bit(k);
}

/* Reads all of PATH, which may be a pipe (-c <(...)), up to CONF_FILE_MAX. */
static int read_file(const char *path, struct text *t)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot read config file: %s\n", path,
			strerror(errno));
		goto out;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= CONF_FILE_MAX) {
				fprintf(stderr, "%s: cannot read config file: "
					"larger than %d MiB; put long seed "
					"lists in a seeds_file\n", path,
					CONF_FILE_MAX >> 20);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "%s: cannot read config file: %s\n",
				path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	t->s = buf;
	t->n = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* jansson stops at a duplicate with the column of the key's end; name both
 * places instead. */
static int report_duplicate(const char *path, const struct text *t)
{
	json_t *seen = json_object();
	size_t i = 0, key, val;
	char *m;
	int ret = -1;

	while ((m = next_member(t, &i, &key, &val))) {
		json_t *first = json_object_get(seen, m);

		if (first) {
			int line, col;

			line_col(t, (size_t)json_integer_value(first), &line,
				 &col);
			file_err(path, t, key, "key \"%s\" appears twice (first "
				 "at %d:%d); keep one", m, line, col);
			free(m);
			ret = 0;
			break;
		}
		json_object_set_new(seen, m, json_integer((json_int_t)key));
		free(m);
	}
	json_decref(seen);
	return ret;
}

/* Offsets of member NAME of the object at OBJ and of its value; OBJ for
 * both if it has none. */
static void locate_in(const struct text *t, size_t obj, const char *name,
		      size_t *key, size_t *val)
{
	size_t i = obj;
	char *m;

	while ((m = next_member(t, &i, key, val))) {
		bool hit = strcmp(m, name) == 0;

		free(m);
		if (hit)
			return;
	}
	*key = *val = obj;
}

/* Compiles the extractors at offset VAL, reporting an error at the rule,
 * field or option it is about. */
static struct scrape *load_rules(const char *path, const struct text *t,
				 const json_t *v, size_t val)
{
	struct scrape_err err;
	struct scrape *sc = scrape_compile(v, &err);
	size_t at = val, key, sub;
	char where[300] = "";
	const char *rname;

	if (sc)
		return sc;
	if (err.rule >= 0) {
		at = locate_elem(t, val, (size_t)err.rule);
		rname = json_string_value(json_object_get(json_array_get(v, (size_t)err.rule),
							  "name"));
		if (rname)
			snprintf(where, sizeof where, "extractor \"%.60s\": ", rname);
		else
			snprintf(where, sizeof where, "extractor %d: ", err.rule + 1);
		if (err.field[0]) {
			locate_in(t, at, "fields", &key, &sub);
			locate_in(t, sub, err.field, &key, &at);
			if (at == sub)
				at = key;
			snprintf(where + strlen(where), sizeof where - strlen(where),
				 "field \"%s\": ", err.field);
		}
		if (err.option[0]) {
			locate_in(t, at, err.option, &key, &sub);
			if (sub != at)
				at = key;
		}
	}
	file_err(path, t, at, "%s%s", where, err.msg);
	return NULL;
}

int conf_load_file(struct conf *c, const char *path)
{
	struct text t = { NULL, 0 };
	json_error_t jerr;
	struct scrape *rules = NULL;
	json_t *root = NULL, *v;
	const char *name;
	int errors = 0, ret = -1;

	if (read_file(path, &t) != 0)
		goto out;
	/* One read: the text the locator scans is the text jansson parsed. */
	root = json_loadb(t.s, t.n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (strncmp(jerr.text, "duplicate object key", 20) == 0 &&
		    report_duplicate(path, &t) == 0)
			goto out;
		fprintf(stderr, "%s:%d:%d: invalid JSON: %s; the config must "
			"be one JSON object like config/trawl.example.json\n",
			path, jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		char found[80];

		show(root, found, sizeof found);
		file_err(path, &t, skip_ws(&t, 0), "the config must be a JSON "
			 "object of keys like {\"workers\": 4}, not %s", found);
		goto out;
	}
	json_object_foreach(root, name, v) {
		const struct key *k = key_by_name(name);
		size_t key, val;

		locate(&t, name, &key, &val);
		if (strcmp(name, RULES_KEY) == 0) {
			struct scrape *sc = load_rules(path, &t, v, val);

			if (!sc)
				errors++;
			scrape_free(rules);
			rules = sc;
			continue;
		}
		if (!k) {
			const char *near = closest_key(name);

			if (near)
				file_err(path, &t, key, "unknown key \"%s\"; did "
					 "you mean \"%s\"?", name, near);
			else
				file_err(path, &t, key, "unknown key \"%s\"; see "
					 "config/README.md or \"trawl crawl "
					 "--help\" for the keys", name);
			errors++;
			continue;
		}
		if (check_json(path, &t, k, v, val) != 0)
			errors++;
	}
	if (errors)
		goto out;
	/* Applied only once all of it is valid: a bad file changes nothing. */
	if (rules) {
		scrape_free(c->scrape);
		c->scrape = rules;
		rules = NULL;
		free(c->extractors);
		c->extractors = json_dumps(json_object_get(root, RULES_KEY),
					   JSON_COMPACT);
	}
	json_object_foreach(root, name, v) {
		const struct key *k = key_by_name(name);

		if (!k)
			continue;
		if (c->cli_mask & bit(k))
			continue;
		/* A list filled with conf_list_push() before the file (the
		 * URL arguments) counts as given on the command line. */
		if (k->type == T_LIST && !(c->set_mask & bit(k)) &&
		    ((struct conf_list *)field(c, k))->n > 0) {
			c->set_mask |= bit(k);
			c->cli_mask |= bit(k);
			continue;
		}
		apply_json(c, k, v);
	}
	set_str(&c->file, path);
	ret = 0;
out:
	scrape_free(rules);
	json_decref(root);
	free((char *)t.s);
	return ret;
}

/* ---- finishing ---- */

static int compile_list(const struct conf *c, const struct key *k,
			regex_t **out)
{
	const struct conf_list *l = field(c, k);
	regex_t *re = NULL;
	size_t i = 0;
	int rc, ret = -1;

	*out = NULL;
	if (l->n == 0)
		return 0;
	re = xcalloc(l->n, sizeof *re);
	for (i = 0; i < l->n; i++) {
		char why[300];
		if (regex_too_costly(l->v[i], why, sizeof why) < 0) {
			fprintf(stderr, "%s: %s\n", k->opt, why);
			goto out;
		}
		rc = regcomp(&re[i], l->v[i], REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char err[256];

			regerror(rc, &re[i], err, sizeof err);
			if (c->file && !(c->cli_mask & bit(k)))
				fprintf(stderr, "%s: \"%s\" pattern \"%s\": %s; "
					"give a POSIX extended regular "
					"expression\n", c->file, k->name,
					l->v[i], err);
			else
				fprintf(stderr, "%s \"%s\": %s; give a POSIX "
					"extended regular expression\n", k->opt,
					l->v[i], err);
			goto out;
		}
	}
	*out = re;
	re = NULL;
	ret = 0;
out:
	if (re) {
		while (i-- > 0)
			regfree(&re[i]);
		free(re);
	}
	return ret;
}

static void free_regexes(regex_t **re, size_t n)
{
	if (!*re)
		return;
	for (size_t i = 0; i < n; i++)
		regfree(&(*re)[i]);
	free(*re);
	*re = NULL;
}

static int normalize_domains(struct conf *c, const struct key *k)
{
	struct conf_list *l = field(c, k);
	char why[512];

	for (size_t i = 0; i < l->n; i++) {
		char *d = l->v[i];

		if (check_text(k, d, why, sizeof why) != 0) {
			if (c->file && !(c->cli_mask & bit(k)))
				fprintf(stderr, "%s: \"%s\": %s\n", c->file,
					k->name, why);
			else
				fprintf(stderr, "%s: %s\n", k->opt, why);
			return -1;
		}
		if (d[0] == '.')
			memmove(d, d + 1, strlen(d));
		for (; *d; d++)
			*d = (char)tolower((unsigned char)*d);
	}
	return 0;
}

int conf_finish(struct conf *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (c->set_mask & bit(k))
			continue;
		switch (k->type) {
		case T_LONG:
			*(long *)field(c, k) = (long)k->def;
			break;
		case T_SIZE:
			*(long long *)field(c, k) = k->def;
			break;
		case T_BOOL:
			*(bool *)field(c, k) = k->def != 0;
			break;
		case T_DOUBLE:
			*(double *)field(c, k) = (double)k->def / 1000;
			break;
		case T_STR:
			set_str(field(c, k), k->defstr);
			break;
		case T_LIST:
			break;
		}
	}
	if (!(c->set_mask & bit(key_by_name("progress"))))
		c->progress = !c->quiet && isatty(STDERR_FILENO);
	if (c->workers <= 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		c->workers = ncpu < 1 ? 1 : ncpu > 256 ? 256 : ncpu;
	}
	if (normalize_domains(c, key_by_name("allow_domains")) != 0)
		return -1;
	free_regexes(&c->include_re, c->include.n);
	free_regexes(&c->exclude_re, c->exclude.n);
	if (compile_list(c, key_by_name("include"), &c->include_re) != 0)
		return -1;
	if (compile_list(c, key_by_name("exclude"), &c->exclude_re) != 0) {
		free_regexes(&c->include_re, c->include.n);
		return -1;
	}
	/* Seeds and allow_networks are final here; workers inherit it. */
	netguard_free(c->netguard);
	{
		/* Sitemaps are where a crawl starts too. */
		struct conf_list start = { NULL, 0 };

		for (size_t i = 0; i < c->seeds.n; i++)
			conf_list_push(&start, c->seeds.v[i]);
		for (size_t i = 0; i < c->sitemap.n; i++)
			conf_list_push(&start, c->sitemap.v[i]);
		c->netguard = netguard_new(&start, c->seeds_file, &c->allow_networks);
		list_clear(&start);
	}
	return 0;
}

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof *c);
}

void conf_release(struct conf *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (k->type == T_STR)
			set_str(field(c, k), NULL);
	}
	free_regexes(&c->include_re, c->include.n);
	free_regexes(&c->exclude_re, c->exclude.n);
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == T_LIST)
			list_clear(field(c, &keys[i]));
	free(c->file);
	scrape_free(c->scrape);
	free(c->extractors);
	netguard_free(c->netguard);
	conf_init(c);
}

/* ---- output ---- */

/* A string for JSON even if a caller pushed bytes that are not UTF-8. */
static json_t *jstr(const char *s)
{
	json_t *j;
	char *copy;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	copy = xstrdup(s);
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

/* S for the stored config, with a secret in it masked: the password of
 * an auth entry or of a proxy URL's user info, the value of an
 * Authorization, Proxy-Authorization or Cookie header.  The config is
 * stored with the job for people to read, not to replay credentials. */
static json_t *jtext(const struct key *k, const char *s)
{
	const char *from = NULL, *to = NULL, *p;
	json_t *j;
	char *m;
	size_t n;

	if (!s || !(k->flags & K_SECRET))
		return jstr(s);
	to = s + strlen(s);
	if (k->flags & K_AUTH) {
		p = strchr(s, ' ');
		from = p ? strchr(p, ':') : NULL;
	} else if (k->flags & K_PROXY) {
		p = strstr(s, "://");
		n = p ? strcspn(p + 3, "/?#") : 0;
		to = p ? memchr(p + 3, '@', n) : NULL;
		from = to ? memchr(p + 3, ':', (size_t)(to - (p + 3))) : NULL;
	} else if (k->flags & K_HTTPHDR) {
		n = strcspn(s, ":");
		if ((n == 13 && strncasecmp(s, "authorization", n) == 0) ||
		    (n == 19 && strncasecmp(s, "proxy-authorization", n) == 0) ||
		    (n == 6 && strncasecmp(s, "cookie", n) == 0))
			from = s + n;
	}
	if (!from || !to)
		return jstr(s);
	m = xasprintf("%.*s%s***%s", (int)(from - s), s,
		      k->flags & K_HTTPHDR ? ": " : ":", to);
	j = jstr(m);
	free(m);
	return j;
}

char *conf_to_json(const struct conf *c)
{
	json_t *o = json_object(), *a;
	const struct conf_list *l;
	char *s;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		json_t *v = NULL;

		switch (k->type) {
		case T_LONG:
			v = json_integer(*(const long *)field(c, k));
			break;
		case T_SIZE:
			v = json_integer(*(const long long *)field(c, k));
			break;
		case T_BOOL:
			v = json_boolean(*(const bool *)field(c, k));
			break;
		case T_DOUBLE:
			v = json_real(*(const double *)field(c, k));
			break;
		case T_STR:
			v = jtext(k, *(char *const *)field(c, k));
			break;
		case T_LIST:
			l = field(c, k);
			a = json_array();
			for (size_t j = 0; j < l->n; j++)
				json_array_append_new(a, jtext(k, l->v[j]));
			v = a;
			break;
		}
		json_object_set_new(o, k->name, v);
	}
	if (c->extractors)
		json_object_set_new(o, RULES_KEY, json_loads(c->extractors, 0, NULL));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!s) {
		fprintf(stderr, "conf_to_json: json_dumps failed\n");
		abort();
	}
	return s;
}

static void default_text(const struct key *k, char *buf, size_t sz)
{
	if (k->defdoc) {
		snprintf(buf, sz, "%s", k->defdoc);
		return;
	}
	switch (k->type) {
	case T_LONG:
		snprintf(buf, sz, "%lld", k->def);
		break;
	case T_SIZE:
		if (k->def % (1LL << 30) == 0)
			snprintf(buf, sz, "%lldg", k->def >> 30);
		else if (k->def % (1LL << 20) == 0)
			snprintf(buf, sz, "%lldm", k->def >> 20);
		else if (k->def % (1LL << 10) == 0)
			snprintf(buf, sz, "%lldk", k->def >> 10);
		else
			snprintf(buf, sz, "%lld", k->def);
		break;
	case T_BOOL:
		snprintf(buf, sz, "%s", k->def ? "true" : "false");
		break;
	case T_DOUBLE:
		snprintf(buf, sz, "%.1f", (double)k->def / 1000);
		break;
	case T_STR:
		snprintf(buf, sz, "%s", k->defstr ? k->defstr : "none");
		break;
	case T_LIST:
		snprintf(buf, sz, "none");
		break;
	}
}

static void option_text(const struct key *k, char *buf, size_t sz)
{
	char sh[8] = "    ";

	if (!k->opt) {
		snprintf(buf, sz, "%s", k->arg);
		return;
	}
	if (k->short_opt)
		snprintf(sh, sizeof sh, "-%c, ", k->short_opt);
	snprintf(buf, sz, "%s%s%s%s", sh, k->opt, k->arg ? " " : "",
		 k->arg ? k->arg : "");
}

void conf_print_help(FILE *f)
{
	char opt[64], def[64], name[40];
	int wopt = 0, wname = 0, wdef = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		int n;

		option_text(&keys[i], opt, sizeof opt);
		default_text(&keys[i], def, sizeof def);
		if ((n = (int)strlen(opt)) > wopt)
			wopt = n;
		if ((n = (int)strlen(keys[i].name) + 2) > wname)
			wname = n;
		if ((n = (int)strlen(def)) > wdef)
			wdef = n;
	}
	fprintf(f, "  %-*s  %-*s  %-*s  %s\n", wopt, "OPTION", wname, "KEY",
		wdef, "DEFAULT", "MEANING");
	for (size_t i = 0; i < NKEYS; i++) {
		option_text(&keys[i], opt, sizeof opt);
		default_text(&keys[i], def, sizeof def);
		snprintf(name, sizeof name, "\"%s\"", keys[i].name);
		fprintf(f, "  %-*s  %-*s  %-*s  %s\n", wopt, opt, wname, name,
			wdef, def, keys[i].help);
	}
	snprintf(name, sizeof name, "\"%s\"", RULES_KEY);
	fprintf(f, "  %-*s  %-*s  %-*s  %s\n", wopt, "(config file only)", wname,
		name, wdef, "none", "extraction rules: items taken from pages "
		"(config/README.md)");
}
