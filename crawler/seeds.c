/*
 * seeds.c - streaming reader of seeds files (see seeds.h).  Runs in the
 * coordinator, once per crawl (and once more for the first line, when the
 * job name comes from it).
 */
#include "seeds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "url.h"

long seeds_read(const char *path, bool report,
		int (*fn)(void *arg, const char *url), void *arg)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	long count = 0;
	ssize_t n;
	int rc = 0;

	if (!f) {
		log_error("%s: cannot read seeds file: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		char *s = line, *u;
		lineno++;
		while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
				 s[n - 1] == ' ' || s[n - 1] == '\t'))
			s[--n] = '\0';
		s += strspn(s, " \t");
		if (*s == '\0' || *s == '#')
			continue;
		u = url_normalize(s);
		if (!u) {
			if (report)
				log_warn("%s:%zu: \"%.200s\" is not an http(s) URL; "
					 "skipped (write it as http://host/path)", path,
					 lineno, s);
			continue;
		}
		rc = fn(arg, u);
		free(u);
		if (rc >= 0)
			count++;
	}
	if (ferror(f)) {
		log_error("%s: read error: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc < 0 ? -1 : count;
}
