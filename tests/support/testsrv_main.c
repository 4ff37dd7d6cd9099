/*
 * testsrv_main.c - trawl-testsrv, the test server as a program (make demo).
 *
 *   trawl-testsrv [--site N] [--fanout F] [--dir DIR] [--port-file FILE]
 *                 [--max-seconds S]
 *
 * Serves a generated site of N pages (site.h) or the files under DIR on
 * 127.0.0.1 and an ephemeral port, prints "listening on
 * http://127.0.0.1:PORT/", writes PORT to FILE (atomically: a reader never
 * sees a partial number), and serves until SIGINT, SIGTERM or S seconds
 * (default 600).  Exit 0 on a signal or the time limit, 2 on bad usage,
 * 1 if the server cannot start.
 */
#include "log.h"
#include "site.h"
#include "testsrv.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: trawl-testsrv [--site N] [--fanout F] [--dir DIR] "
		   "[--port-file FILE] [--max-seconds S]\n");
}

static int parse_long(const char *opt, const char *s, long lo, long hi,
		      long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "trawl-testsrv: %s: expected a number from %ld "
				"to %ld, got '%s'\n", opt, lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int write_port_file(const char *file, int port)
{
	char *tmp = xasprintf("%s.tmp.%ld", file, (long)getpid());
	FILE *f = fopen(tmp, "w");
	int ret = -1;

	if (!f) {
		fprintf(stderr, "trawl-testsrv: %s: %s\n", tmp,
			strerror(errno));
		goto out;
	}
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, file) != 0) {
		fprintf(stderr, "trawl-testsrv: %s: %s\n", file,
			strerror(errno));
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	free(tmp);
	return ret;
}

int main(int argc, char **argv)
{
	long npages = 0, fanout = 5, max_seconds = 600;
	const char *dir = NULL, *port_file = NULL;
	struct site *site = NULL;
	struct testsrv *srv = NULL;
	struct timespec ts;
	sigset_t set;
	long long deadline;
	int i, status = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		if (strcmp(a, "--site") == 0) {
			if (parse_long(a, v, 1, 10000000, &npages) < 0)
				return 2;
		} else if (strcmp(a, "--fanout") == 0) {
			if (parse_long(a, v, 1, 1000, &fanout) < 0)
				return 2;
		} else if (strcmp(a, "--max-seconds") == 0) {
			if (parse_long(a, v, 1, 86400, &max_seconds) < 0)
				return 2;
		} else if (strcmp(a, "--dir") == 0) {
			dir = v;
		} else if (strcmp(a, "--port-file") == 0) {
			port_file = v;
		} else {
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (!dir == !npages) {
		fprintf(stderr, "trawl-testsrv: give exactly one of --site N "
				"and --dir DIR\n");
		return 2;
	}

	/* Block the signals before MHD makes its threads, so they inherit
	 * the mask and only sigtimedwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (dir) {
		srv = testsrv_start_dir(dir);
	} else {
		site = site_new((int)npages, (int)fanout);
		srv = testsrv_start(site);
	}
	if (!srv)
		goto out;
	printf("listening on http://127.0.0.1:%d/\n", testsrv_port(srv));
	fflush(stdout);
	if (port_file && write_port_file(port_file, testsrv_port(srv)) < 0)
		goto out;

	deadline = now_ms() + max_seconds * 1000;
	for (;;) {
		long long left = deadline - now_ms();
		int sig;

		if (left <= 0)
			break;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0)
			break;
		if (sig < 0 && errno != EINTR && errno != EAGAIN)
			break;
	}
	status = 0;
out:
	testsrv_stop(srv);
	site_free(site);
	if (port_file && status == 0)
		unlink(port_file);
	return status;
}
