/*
 * proc.c - run a program with a time limit (see proc.h).
 *
 * Runs in the test process; called a few times per integration test.
 * Waiting is a 5 ms WNOHANG poll: simple, bounded, and good enough for
 * processes that live a second or two.  The test process has other
 * threads (libmicrohttpd's), so the child's environment is built before
 * fork.
 */
#include "proc.h"

#include "log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

double proc_slow_factor(void)
{
	const char *s = getenv("TRAWL_SLOW");
	double f;

	if (!s || !*s)
		return 1.0;
	f = strtod(s, NULL);
	return f >= 1.0 && f <= 100.0 ? f : 1.0;
}

char *proc_read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

int proc_rm_rf(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* environ with O->env laid over it, or NULL if O sets none.  Caller
 * frees the array (not the strings, which are borrowed). */
static char **make_env(const struct proc_opts *o)
{
	size_t n = 0, k = 0, i, j;
	char **env;

	if (!o->env)
		return NULL;
	while (environ[n])
		n++;
	while (o->env[k])
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

/* Between fork and exec: system calls only. */
static void child(char *const argv[], char **env, const struct proc_opts *o)
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
	if (o->drop_privileges && geteuid() == 0) {
		if (setgroups(0, NULL) < 0 || setgid(o->gid) < 0 ||
		    setuid(o->uid) < 0) {
			dprintf(STDERR_FILENO,
				"proc: dropping to uid %ld: %s\n",
				(long)o->uid, strerror(errno));
			_exit(126);
		}
	}
	if (env)
		execve(argv[0], argv, env);
	else
		execv(argv[0], argv);
	dprintf(STDERR_FILENO, "proc: exec %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

/* "pid (comm) S ppid=N; " for each process in group PGID, from /proc.
 * Caller frees. */
static char *describe_group(pid_t pgid)
{
	char *desc = xstrdup(""), *stat, *path, *next;
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d)
		return desc;
	while ((e = readdir(d))) {
		char comm[64], state;
		int pid, ppid, pgrp;
		const char *close;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		path = xasprintf("/proc/%s/stat", e->d_name);
		stat = proc_read_file(path, NULL);
		free(path);
		if (!stat)
			continue;
		/* comm may hold spaces and parentheses: parse after the
		 * last ')'. */
		close = strrchr(stat, ')');
		if (close && sscanf(stat, "%d", &pid) == 1 &&
		    sscanf(close + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 &&
		    pgrp == pgid) {
			const char *open = strchr(stat, '(');
			snprintf(comm, sizeof comm, "%.*s",
				 (int)(close - open - 1), open + 1);
			next = xasprintf("%s%d (%s) %c ppid=%d; ", desc, pid,
					 comm, state, ppid);
			free(desc);
			desc = next;
		}
		free(stat);
	}
	closedir(d);
	return desc;
}

/* Reap what is left of group PGID (reparented to us).  Processes that end
 * within two seconds are fine (a worker notices its coordinator's death a
 * moment later); true if some are still there then, which are described
 * in *DESC and killed. */
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
	/* Not necessarily our children: wait for them to vanish. */
	for (deadline = now_ms() + 2000; now_ms() < deadline; sleep_ms(5)) {
		while (waitpid(-pgid, NULL, WNOHANG) > 0)
			;
		if (kill(-pgid, 0) < 0 && errno == ESRCH)
			break;
	}
	return true;
}

pid_t proc_spawn(char *const argv[], const struct proc_opts *o)
{
	char **env = make_env(o);
	pid_t pid;

	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "proc: fork: %s\n", strerror(errno));
		free(env);
		return -1;
	}
	if (pid == 0)
		child(argv, env, o);
	setpgid(pid, pid);
	free(env);
	return pid;
}

bool proc_running(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return false;
	return si.si_pid == 0;
}

void proc_wait(pid_t pid, const struct proc_opts *o, struct proc_result *r)
{
	long long start = now_ms();
	long long deadline = start + (o->timeout_ms > 0 ? o->timeout_ms : 60000);
	int st = 0;

	memset(r, 0, sizeof *r);
	r->sig_ms = -1;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "proc: waitpid: %s\n", strerror(errno));
			break;
		}
		if (o->ready && o->sig && r->sig_ms < 0 &&
		    o->ready(o->ready_arg)) {
			r->sig_ms = now_ms() - start;
			kill(o->sig_group ? -pid : pid, o->sig);
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

int proc_run(char *const argv[], const struct proc_opts *o,
	     struct proc_result *r)
{
	pid_t pid = proc_spawn(argv, o);

	if (pid < 0) {
		memset(r, 0, sizeof *r);
		return -1;
	}
	proc_wait(pid, o, r);
	return 0;
}

void proc_result_release(struct proc_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	free(r->leftover_desc);
	r->out = r->err = r->leftover_desc = NULL;
}
