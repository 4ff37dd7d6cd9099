/*
 * fuzz_conf.c - libFuzzer target for config/conf.c: the JSON config file
 * loader, its error locator (the scanner that finds line:column of a key
 * or value in text jansson rejected) and conf_finish()'s checks.
 *
 * The input is the config file.  It is written to a memfd, which the
 * loader opens as /proc/self/fd/N like any path: nothing touches the disk.
 * After a successful load, conf_finish() and conf_to_json() run too, and
 * the finished config must hold what conf.h promises (workers >= 1, regex
 * arrays present exactly when their lists are non-empty).  Rejected files
 * print their error to stderr.  Best run with -close_fd_mask=2 (as
 * .ci/fuzz.sh does): libFuzzer then sends fd 2 to /dev/null and keeps its
 * own output, even its reports of a timeout or out-of-memory.  Without
 * that flag this target does it itself around each load: fd 2 points at
 * /dev/null while the loader runs and is put back after it, and sanitizer
 * reports go to a copy of the real stderr, but a libFuzzer message printed
 * in the middle of a load (timeout, rss limit) is lost; the input is still
 * saved.  Set FUZZ_CONF_STDERR=1 to see the loader's messages while
 * reproducing a crash (and leave out -close_fd_mask).
 */
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1, null_fd = -1, saved_stderr = -1;
static char path[64];

/* True if libFuzzer was asked to send fd 2 to /dev/null itself
 * (-close_fd_mask=2 or 3): it then keeps its own output on a copy. */
static bool fuzzer_closes_stderr(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "-close_fd_mask=", 15) == 0)
			return (atoi(argv[i] + 15) & 2) != 0;
	return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfd = memfd_create("trawl-fuzz-conf", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("fuzz_conf: memfd_create");
		abort();
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
	if (!getenv("FUZZ_CONF_STDERR") && !fuzzer_closes_stderr(*argc, *argv)) {
		saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (saved_stderr < 0 || null_fd < 0) {
			perror("fuzz_conf: /dev/null");
			abort();
		}
		/* A sanitizer report from inside the loader still shows. */
		__sanitizer_set_report_fd((void *)(intptr_t)saved_stderr);
	}
	return 0;
}

/* Points fd 2 at /dev/null (QUIET) or back at the real stderr. */
static void quiet_stderr(bool quiet)
{
	if (null_fd < 0)
		return;
	if (dup2(quiet ? null_fd : saved_stderr, STDERR_FILENO) < 0)
		abort();
}

static void put_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (ftruncate(memfd, 0) < 0)
		abort();
	while (done < size) {
		ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char *json;
	bool ok;

	put_input(data, size);
	conf_init(&c);
	quiet_stderr(true);
	ok = conf_load_file(&c, path) == 0 && conf_finish(&c) == 0;
	quiet_stderr(false);
	if (ok) {
		FUZZ_CHECK(c.workers >= 1 && c.workers <= 256);
		FUZZ_CHECK((c.include.n > 0) == (c.include_re != NULL));
		FUZZ_CHECK((c.exclude.n > 0) == (c.exclude_re != NULL));
		FUZZ_CHECK(c.db != NULL && c.user_agent != NULL);
		json = conf_to_json(&c);
		FUZZ_CHECK(json != NULL);
		free(json);
	}
	conf_release(&c);
	return 0;
}
