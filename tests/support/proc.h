/*
 * proc.h - run a program under a hard time limit and capture its output.
 *
 * Runs in the test process.  The child gets its own process group, stdin
 * from /dev/null, stdout and stderr into files; on timeout the whole group
 * is killed with SIGKILL.  After the child exits, any process left in its
 * group (a worker that outlived its coordinator) is reported and killed.
 * The calling process becomes a child subreaper (PR_SET_CHILD_SUBREAPER) so
 * that such orphans are reparented to it and reaped here, not left as
 * zombies under an init that may not reap.
 *
 * The test process has libmicrohttpd's threads running: everything the
 * child needs (its environment above all) is built before fork, and the
 * child makes only system calls before exec.  Waiting is a 5 ms WNOHANG
 * poll.
 */
#ifndef TRAWL_TEST_PROC_H
#define TRAWL_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct proc_opts {
	const char *out_file;  /* stdout goes here (created/truncated) */
	const char *err_file;  /* stderr goes here */
	long long timeout_ms;  /* then SIGKILL to the group; <= 0: 60 s */
	bool drop_privileges;  /* run as uid/gid below (when root) */
	uid_t uid;
	gid_t gid;
	/* Optional fault: once ready(ready_arg) returns true (polled every
	 * 5 ms while the child runs), send SIG once to the child, or to its
	 * whole process group (as a terminal's Ctrl-C does) if sig_group. */
	bool (*ready)(void *arg);
	void *ready_arg;
	int sig;
	bool sig_group;
	/* Set in the child only: */
	const char *const *env; /* "NAME=VALUE" entries laid over the
	                           environment, NULL-terminated; or NULL */
	long long fsize_limit;  /* > 0: its RLIMIT_FSIZE, in bytes */
};

struct proc_result {
	int exit_code;         /* exit status; -1 if ended by a signal */
	int signal;            /* the signal that ended it, or 0 */
	bool timed_out;        /* killed at the time limit */
	bool leftovers;        /* processes of its group outlived it */
	char *leftover_desc;   /* "pid (comm) state ppid=N; ..." of those,
	                          seen 2 s after it exited, or NULL */
	long long ms;          /* wall time */
	long long sig_ms;      /* when SIG was sent (ms after start), or -1 */
	char *out, *err;       /* captured output, NUL-terminated */
	size_t out_len, err_len;
};

/* Run ARGV (argv[0] is a path) to completion: proc_spawn() then
 * proc_wait().  Returns 0, or -1 if it could not be started (logged).
 * Caller releases R with proc_result_release(). */
int proc_run(char *const argv[], const struct proc_opts *o,
	     struct proc_result *r);

/* Start ARGV in the background.  Returns its pid (also its process
 * group), or -1 if it could not be started (logged).  Finish with
 * proc_wait(), called exactly once. */
pid_t proc_spawn(char *const argv[], const struct proc_opts *o);

/* True while PID (from proc_spawn()) has not exited; does not reap it. */
bool proc_running(pid_t pid);

/* Wait for PID (from proc_spawn() with the same out/err files in O) up to
 * O's time limit from now, sending O's fault signal when it is ready, then
 * SIGKILL its group.  Fills R; ms and sig_ms count from the start of the
 * wait.  Caller releases R with proc_result_release(). */
void proc_wait(pid_t pid, const struct proc_opts *o, struct proc_result *r);
void proc_result_release(struct proc_result *r);

/* TRAWL_SLOW from the environment (sanitizer builds run slower), at
 * least 1. */
double proc_slow_factor(void);

/* Read a whole file; NULL if it cannot be read.  Caller frees; *len may be
 * NULL.  The buffer is NUL-terminated. */
char *proc_read_file(const char *path, size_t *len);

/* Remove PATH and everything under it (no symlinks followed).  0 or -1. */
int proc_rm_rf(const char *path);

#endif
