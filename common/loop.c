/*
 * loop.c - epoll event loop (see loop.h), after Redis's ae.c.
 *
 * Timers live in a small unsorted array scanned once per iteration: the
 * programs keep a handful of them (sweeps, connect deadlines), and per
 * connection deadlines are checked by periodic sweeps, not by timers.
 *
 * Owns the epoll fd, the registrations, timers, deferred calls, hooks
 * and the signalfd of loop_signals().  Never blocks anywhere but in
 * epoll_wait, and is never entered from another thread.
 */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

struct fdreg {
	loop_fd_cb	 cb;
	void		*arg;
	uint32_t	 gen;
	int		 active;
};

struct loop_timer {
	uint64_t	 when;
	loop_cb		 cb;
	void		*arg;
	int		 live;
};

struct call {
	loop_cb		 cb;
	void		*arg;
};

struct loop {
	int			 epfd;
	int			 stop;
	uint64_t		 now;
	uint32_t		 gen;
	struct fdreg		*fds;
	size_t			 nfds;
	struct loop_timer	**timers;
	size_t			 ntimers, captimers;
	uint64_t		 added_when;	/* soonest timer added since
						   run_timers() looked */
	struct call		*defer;
	size_t			 ndefer, capdefer;
	struct call		*hooks;
	size_t			 nhooks;
	int			 sigfd;		/* loop_signals(), or -1 */
	loop_sig_cb		 sigcb;
	void			*sigarg;
};

uint64_t
loop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *
loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return NULL;
	}
	l->now = loop_clock_ms();
	l->added_when = UINT64_MAX;
	l->sigfd = -1;
	return l;
}

void
loop_free(struct loop *l)
{
	size_t i;

	if (l == NULL)
		return;
	close(l->epfd);
	if (l->sigfd != -1)
		close(l->sigfd);
	for (i = 0; i < l->ntimers; i++)
		free(l->timers[i]);
	free(l->timers);
	free(l->fds);
	free(l->defer);
	free(l->hooks);
	free(l);
}

static void
signal_cb(int fd, unsigned ev, void *arg)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;

	(void)ev;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		l->sigcb((int)si.ssi_signo, l->sigarg);
}

int
loop_signals(struct loop *l, loop_sig_cb cb, void *arg)
{
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (l->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	l->sigcb = cb;
	l->sigarg = arg;
	return loop_add(l, l->sigfd, EV_READ, signal_cb, l);
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

uint64_t
loop_now(const struct loop *l)
{
	return l->now;
}

static uint32_t
to_epoll(unsigned ev)
{
	return (ev & EV_READ ? EPOLLIN | EPOLLRDHUP : 0) |
	    (ev & EV_WRITE ? EPOLLOUT : 0);
}

int
loop_add(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds ? l->nfds : 64;

		while (n <= (size_t)fd)
			n *= 2;
		l->fds = xreallocarray(l->fds, n, sizeof(*l->fds));
		memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof(*l->fds));
		l->nfds = n;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)++l->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	l->fds[fd].cb = cb;
	l->fds[fd].arg = arg;
	l->fds[fd].gen = l->gen;
	l->fds[fd].active = 1;
	return 0;
}

int
loop_mod(struct loop *l, int fd, unsigned events)
{
	struct epoll_event ev;

	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].active) {
		errno = EBADF;
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)l->fds[fd].gen << 32 | (uint32_t)fd;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void
loop_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].active)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].active = 0;
	l->fds[fd].cb = NULL;
}

struct loop_timer *
loop_timer(struct loop *l, uint64_t ms, loop_cb cb, void *arg)
{
	struct loop_timer *t = xmalloc(sizeof(*t));

	t->when = loop_clock_ms() + ms;
	if (t->when < l->added_when)
		l->added_when = t->when;
	t->cb = cb;
	t->arg = arg;
	t->live = 1;
	if (l->ntimers == l->captimers) {
		l->captimers = l->captimers ? l->captimers * 2 : 16;
		/* The elements are pointers; sizeof(*timers) is meant. */
		/* NOLINTBEGIN(bugprone-sizeof-expression) */
		l->timers = xreallocarray(l->timers, l->captimers,
		    sizeof(*l->timers));
		/* NOLINTEND(bugprone-sizeof-expression) */
	}
	l->timers[l->ntimers++] = t;
	return t;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	(void)l;
	if (t != NULL)
		t->live = 0;	/* freed by the next timer pass */
}

void
loop_defer(struct loop *l, loop_cb cb, void *arg)
{
	if (l->ndefer == l->capdefer) {
		l->capdefer = l->capdefer ? l->capdefer * 2 : 16;
		l->defer = xreallocarray(l->defer, l->capdefer,
		    sizeof(*l->defer));
	}
	l->defer[l->ndefer].cb = cb;
	l->defer[l->ndefer].arg = arg;
	l->ndefer++;
}

void
loop_before_sleep(struct loop *l, loop_cb cb, void *arg)
{
	l->hooks = xreallocarray(l->hooks, l->nhooks + 1, sizeof(*l->hooks));
	l->hooks[l->nhooks].cb = cb;
	l->hooks[l->nhooks].arg = arg;
	l->nhooks++;
}

/* The epoll timeout until when (UINT64_MAX: none, -1). */
static int
ms_until(struct loop *l, uint64_t when)
{
	if (when == UINT64_MAX)
		return -1;
	l->now = loop_clock_ms();
	return when <= l->now ? 0 : (int)(when - l->now > 60000 ?
	    60000 : when - l->now);
}

/* Fire due timers; drop cancelled ones.  Returns ms to the next, or -1. */
static int
run_timers(struct loop *l)
{
	uint64_t next = UINT64_MAX;
	size_t i, n = l->ntimers;

	/* Timers added by callbacks land past n and wait a pass. */
	for (i = 0; i < n; i++) {
		struct loop_timer *t = l->timers[i];

		if (t->live && t->when <= l->now) {
			t->live = 0;
			t->cb(t->arg);
		}
	}
	for (i = 0; i < l->ntimers;) {
		struct loop_timer *t = l->timers[i];

		if (!t->live) {
			free(t);
			l->timers[i] = l->timers[--l->ntimers];
			continue;
		}
		if (t->when < next)
			next = t->when;
		i++;
	}
	l->added_when = UINT64_MAX;
	return ms_until(l, next);
}

static void
run_deferred(struct loop *l)
{
	size_t i;

	/* Deferred calls may defer more; run until none are left. */
	for (i = 0; i < l->ndefer; i++)
		l->defer[i].cb(l->defer[i].arg);
	l->ndefer = 0;
}

void
loop_drain(struct loop *l)
{
	run_deferred(l);
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[256];
	int i, n, timeout;
	size_t h;

	/* A stop asked for before the loop ran (input read at start) holds. */
	while (!l->stop) {
		l->now = loop_clock_ms();
		timeout = run_timers(l);
		run_deferred(l);
		for (h = 0; h < l->nhooks; h++)
			l->hooks[h].cb(l->hooks[h].arg);
		/* A timer set by a deferred call or a hook counts too. */
		if (l->added_when != UINT64_MAX) {
			int t = ms_until(l, l->added_when);

			if (timeout == -1 || t < timeout)
				timeout = t;
		}
		if (l->ndefer > 0)
			timeout = 0;
		if (l->stop)
			break;
		n = epoll_wait(l->epfd, evs, 256, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return -1;
		}
		l->now = loop_clock_ms();
		for (i = 0; i < n; i++) {
			int fd = (int)(uint32_t)evs[i].data.u64;
			uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
			struct fdreg *r;
			unsigned ev = 0;

			if ((size_t)fd >= l->nfds)
				continue;
			r = &l->fds[fd];
			if (!r->active || r->gen != gen)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLERR |
			    EPOLLHUP))
				ev |= EV_READ;
			if (evs[i].events & (EPOLLOUT | EPOLLERR))
				ev |= EV_WRITE;
			r->cb(fd, ev, r->arg);
		}
		run_deferred(l);
	}
	return 0;
}
