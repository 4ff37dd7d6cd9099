/*
 * faults.c - fault injection helpers for the integration tests (see
 * faults.h).
 *
 * Runs in the test process, which has libmicrohttpd's threads running: so
 * everything the child needs (its environment above all) is built before
 * fork, and the child only makes system calls before exec.  Waiting is a
 * 5 ms WNOHANG poll, as in proc.c.
 */
#include "faults.h"

#include "log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- PRNG ---- */

uint64_t faults_seed(void)
{
	const char *s = getenv("TRAWL_FAULT_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^
	       (uint64_t)getpid() << 32;
}

void faults_rng_init(struct faults_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t faults_rng_next(struct faults_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

long faults_rng_range(struct faults_rng *r, long lo, long hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	return lo + (long)(faults_rng_next(r) % span);
}

/* ---- processes ---- */

/* State letter and process group of PID from /proc/PID/stat; 0 if gone. */
static char proc_state(pid_t pid, pid_t *pgrp)
{
	char path[64], *stat, *close, state = 0;
	int pg;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	stat = proc_read_file(path, NULL);
	if (!stat)
		return 0;
	/* comm may hold spaces and parentheses: parse after the last ')'. */
	close = strrchr(stat, ')');
	if (close && sscanf(close + 1, " %c %*d %d", &state, &pg) == 2) {
		if (pgrp)
			*pgrp = pg;
	} else {
		state = 0;
	}
	free(stat);
	return state;
}

/* Pids in a children file, up to MAX; returns how many there are, or -1
 * if it cannot be read. */
static int read_children(const char *path, pid_t *out, int max, bool live)
{
	char *buf = proc_read_file(path, NULL), *p, *end;
	int n = 0;

	if (!buf)
		return -1;
	for (p = buf;; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v <= 0)
			continue;
		if (live) {
			char st = proc_state((pid_t)v, NULL);
			if (st == 0 || st == 'Z' || st == 'X')
				continue;
		}
		if (n < max)
			out[n] = (pid_t)v;
		n++;
	}
	free(buf);
	return n;
}

int faults_children(pid_t pid, pid_t *out, int max)
{
	char path[80];

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	return read_children(path, out, max, true);
}

pid_t faults_running_child(void)
{
	char path[80];
	pid_t kids[64];
	int n, i;

	snprintf(path, sizeof path, "/proc/self/task/%ld/children",
		 (long)syscall(SYS_gettid));
	n = read_children(path, kids, 64, false);
	for (i = 0; i < n && i < 64; i++) {
		pid_t pgrp = 0;

		if (proc_state(kids[i], &pgrp) && pgrp == kids[i])
			return kids[i];
	}
	return -1;
}

/* ---- the runner ---- */

/* environ with O->env laid over it.  Caller frees the array (not the
 * strings, which are borrowed). */
static char **make_env(const struct faults_opts *o)
{
	size_t n = 0, k = 0, i, j;
	char **env;

	while (environ[n])
		n++;
	while (o->env && o->env[k])
		k++;
	env = xcalloc(n + k + 1, sizeof *env);
	for (i = j = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) + 1 : 0;
		size_t m;
		bool replaced = false;

		for (m = 0; m < k && len; m++)
			if (strncmp(o->env[m], environ[i], len) == 0)
				replaced = true;
		if (!replaced)
			env[j++] = environ[i];
	}
	for (i = 0; i < k; i++)
		env[j++] = (char *)o->env[i];
	env[j] = NULL;
	return env;
}

static void child(char *const argv[], char **env, const struct faults_opts *o)
{
	int fd;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		_exit(126);
	fd = open(o->out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		_exit(126);
	fd = open(o->err_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
		_exit(126);
	if (o->fsize_limit > 0) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(126);
		rl.rlim_cur = (rlim_t)o->fsize_limit;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(126);
	}
	execve(argv[0], argv, env);
	dprintf(STDERR_FILENO, "faults: execve %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

pid_t faults_spawn(char *const argv[], const struct faults_opts *o)
{
	char **env = make_env(o);
	pid_t pid;

	/* Orphans of the group come back to us, as with proc_run(). */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "faults: fork: %s\n", strerror(errno));
		free(env);
		return -1;
	}
	if (pid == 0)
		child(argv, env, o);
	setpgid(pid, pid);
	free(env);
	return pid;
}

bool faults_running(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return false;
	return si.si_pid == 0;
}

/* "pid (state) ; " for what is left of group PGID.  Caller frees. */
static char *describe_group(pid_t pgid)
{
	char *desc = xstrdup(""), *next;
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d)
		return desc;
	while ((e = readdir(d))) {
		pid_t pgrp = 0;
		char st;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		st = proc_state((pid_t)atoi(e->d_name), &pgrp);
		if (!st || pgrp != pgid)
			continue;
		next = xasprintf("%s%s (%c); ", desc, e->d_name, st);
		free(desc);
		desc = next;
	}
	closedir(d);
	return desc;
}

/* Reap group PGID; true (with *DESC) if some of it is still there after
 * 2 s, which is then killed. */
static bool reap_group(pid_t pgid, char **desc)
{
	long long deadline = now_ms() + 2000;

	for (;;) {
		while (waitpid(-pgid, NULL, WNOHANG) > 0)
			;
		if (kill(-pgid, 0) < 0 && errno == ESRCH)
			return false;
		if (now_ms() > deadline)
			break;
		sleep_ms(5);
	}
	*desc = describe_group(pgid);
	kill(-pgid, SIGKILL);
	for (deadline = now_ms() + 2000; now_ms() < deadline; sleep_ms(5)) {
		while (waitpid(-pgid, NULL, WNOHANG) > 0)
			;
		if (kill(-pgid, 0) < 0 && errno == ESRCH)
			break;
	}
	return true;
}

void faults_wait(pid_t pid, const struct faults_opts *o,
		 long long timeout_ms, struct proc_result *r)
{
	long long start = now_ms(), deadline = start + timeout_ms;
	int st = 0;

	memset(r, 0, sizeof *r);
	r->sig_ms = -1;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "faults: waitpid: %s\n",
				strerror(errno));
			break;
		}
		if (now_ms() > deadline) {
			r->timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			break;
		}
		sleep_ms(5);
	}
	r->ms = now_ms() - start;
	if (WIFEXITED(st)) {
		r->exit_code = WEXITSTATUS(st);
	} else {
		r->exit_code = -1;
		r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	}
	r->leftovers = reap_group(pid, &r->leftover_desc);
	r->out = proc_read_file(o->out_file, &r->out_len);
	r->err = proc_read_file(o->err_file, &r->err_len);
	if (!r->out)
		r->out = xstrdup("");
	if (!r->err)
		r->err = xstrdup("");
}

int faults_run(char *const argv[], const struct faults_opts *o,
	       long long timeout_ms, struct proc_result *r)
{
	pid_t pid = faults_spawn(argv, o);

	if (pid < 0)
		return -1;
	faults_wait(pid, o, timeout_ms, r);
	return 0;
}
