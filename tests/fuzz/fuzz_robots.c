/*
 * fuzz_robots.c - libFuzzer target for crawler/robots.c: robots.txt
 * parsing and path matching.
 *
 * The input is parsed as a robots.txt for agent "trawl"; then
 * robots_allowed() checks a few fixed paths and paths taken from the input
 * itself (the value of each of its first lines, which makes the patterns
 * and the paths alike, so '*' and '$' matching gets exercised), each also
 * with a suffix.  The only invariant robots.h states that a fuzzer can
 * check is that /robots.txt is always allowed; the rest is memory safety
 * and termination.  robots_agent_token() runs on the input too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "robots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATHS 16

static void check_path(const struct robots *r, const char *path)
{
	(void)robots_allowed(r, path);
}

/* Checks "/" + VALUE (N bytes), and the same with a suffix. */
static void check_value(const struct robots *r, const char *v, size_t n)
{
	char *p = malloc(n + 16);

	if (!p)
		abort();
	if (n > 0 && v[0] == '/') {
		memcpy(p, v, n);
	} else {
		p[0] = '/';
		memcpy(p + 1, v, n);
		n++;
	}
	p[n] = '\0';
	check_path(r, p);
	memcpy(p + n, "x/y.html?q=1", 13);
	check_path(r, p);
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {
		"/", "/robots.txt", "/a", "/a/b.html", "/index.html?x=1",
		"/%7Euser/", "/p%2Fq", "/\xc3\xa9t\xc3\xa9", "/*", "/$",
	};
	const char *s = (const char *)data, *end = s + size, *line;
	struct robots *r;
	char tok[64];
	size_t i, npaths = 0;
	long delay;

	r = robots_parse(s, size, "trawl");
	FUZZ_CHECK(r != NULL);
	FUZZ_CHECK(robots_allowed(r, "/robots.txt"));
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		check_path(r, fixed[i]);

	for (line = s; line < end && npaths < MAX_PATHS; npaths++) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *v, *ve;

		if (!eol)
			eol = end;
		v = memchr(line, ':', (size_t)(eol - line));
		v = v ? v + 1 : line;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = v;
		/* A path is a C string: stop at a NUL. */
		while (ve < eol && *ve != '\0' && *ve != '\r')
			ve++;
		check_value(r, v, (size_t)(ve - v));
		line = eol + 1;
	}
	delay = robots_crawl_delay_ms(r);
	FUZZ_CHECK(delay == -1 || (delay >= 0 && delay <= 86400000));
	robots_free(r);

	if (size > 0) {
		char *ua = fuzz_strndup(data, size);

		robots_agent_token(ua, tok, sizeof tok);
		FUZZ_CHECK(strlen(tok) < sizeof tok);
		free(ua);
	}
	return 0;
}
