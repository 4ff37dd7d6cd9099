/*
 * supervise.c - fork, reap, respawn and stop workers (see supervise.h).
 *
 * Runs in the coordinator; spawning happens at start and after a death,
 * so nothing here is on a hot path.
 */
#include "supervise.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

int supervise_start(struct supervise *s, const struct conf *conf, int n)
{
	int i;

	memset(s, 0, sizeof *s);
	s->n = n;
	s->conf = conf;
	s->w = xcalloc((size_t)n, sizeof *s->w);
	for (i = 0; i < n; i++) {
		s->w[i].fd = -1;
		ipc_in_init(&s->w[i].in);
		ipc_out_init(&s->w[i].out);
	}
	s->stats = stats_map(n);
	if (!s->stats)
		return -1;
	for (i = 0; i < n; i++)
		if (supervise_spawn(s, i) < 0)
			return -1;
	return 0;
}

int supervise_spawn(struct supervise *s, int slot)
{
	struct wslot *w = &s->w[slot];
	long long now = now_ms();
	int sv[2], rc;
	pid_t pid;

	if (s->ndeaths >= SUPERVISE_MAX_DEATHS &&
	    now - s->deaths[0] < SUPERVISE_DEATH_WINDOW_MS) {
		log_error("workers died %d times within %d s; not starting more "
			  "(see the messages above for why they died)",
			  SUPERVISE_MAX_DEATHS, SUPERVISE_DEATH_WINDOW_MS / 1000);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("socketpair for worker %d: %s", slot, strerror(errno));
		return -1;
	}
	memset((void *)&s->stats[slot], 0, sizeof s->stats[slot]);
	fflush(NULL); /* no stdio buffer may be written twice */
	pid = fork();
	if (pid < 0) {
		log_error("fork of worker %d: %s", slot, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t all;
		/* Keep stdio and our end of the channel, nothing else: no
		 * database handle or sibling channel survives into a worker. */
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		rc = worker_run(slot, 3, s->conf, &s->stats[slot]);
		curl_global_cleanup();
		exit(rc);
	}
	close(sv[1]);
	w->pid = pid;
	w->fd = sv[0];
	w->ready = false;
	w->inflight = 0;
	w->last_beat = 0;
	w->beat_at = now;
	ipc_in_release(&w->in);
	ipc_out_release(&w->out);
	ipc_in_init(&w->in);
	ipc_out_init(&w->out);
	return 0;
}

void supervise_lost(struct supervise *s, int slot)
{
	struct wslot *w = &s->w[slot];
	long long now = now_ms();

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0)
		kill(w->pid, SIGKILL); /* reaped later by supervise_reap() */
	w->pid = 0;
	w->ready = false;
	w->inflight = 0;
	if (s->ndeaths == SUPERVISE_MAX_DEATHS) {
		memmove(s->deaths, s->deaths + 1, sizeof s->deaths[0] * (SUPERVISE_MAX_DEATHS - 1));
		s->ndeaths--;
	}
	s->deaths[s->ndeaths++] = now;
	s->total_deaths++;
}

static void log_exit(int slot, pid_t pid, int st)
{
	if (WIFSIGNALED(st))
		log_warn("worker %d (pid %d) was killed by signal %d (%s)", slot,
			 (int)pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		log_warn("worker %d (pid %d) exited with status %d", slot, (int)pid,
			 WEXITSTATUS(st));
}

int supervise_reap(struct supervise *s, void (*died)(void *arg, int slot),
		   void *arg)
{
	int st, n = 0, i;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		n++;
		for (i = 0; i < s->n; i++)
			if (s->w[i].pid == pid)
				break;
		if (i < s->n) {
			log_exit(i, pid, st);
			s->w[i].pid = 0; /* already gone: nothing to kill */
			died(arg, i);
		}
	}
	return n;
}

void supervise_stop(struct supervise *s, int grace_ms)
{
	long long deadline = now_ms() + grace_ms;
	int i, left, st;

	if (!s->w)
		return;
	for (i = 0; i < s->n; i++) {
		if (s->w[i].fd >= 0)
			close(s->w[i].fd);
		s->w[i].fd = -1;
	}
	for (;;) {
		left = 0;
		for (i = 0; i < s->n; i++) {
			if (s->w[i].pid <= 0)
				continue;
			if (waitpid(s->w[i].pid, &st, WNOHANG) == s->w[i].pid) {
				log_exit(i, s->w[i].pid, st);
				s->w[i].pid = 0;
			} else {
				left++;
			}
		}
		if (!left || now_ms() >= deadline)
			break;
		usleep(5000);
	}
	for (i = 0; i < s->n; i++) {
		if (s->w[i].pid <= 0)
			continue;
		kill(s->w[i].pid, SIGKILL);
		waitpid(s->w[i].pid, &st, 0);
		s->w[i].pid = 0;
	}
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	for (i = 0; i < s->n; i++) {
		ipc_in_release(&s->w[i].in);
		ipc_out_release(&s->w[i].out);
	}
	stats_unmap(s->stats, s->n);
	free(s->w);
	s->w = NULL;
	s->stats = NULL;
}
