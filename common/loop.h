/*
 * loop.h - the event loop: one thread, epoll, timers, deferred work.
 *
 * One loop thread owns every socket and all protocol state, so nothing it
 * touches needs a lock.  Each iteration: wait for fd events or the nearest
 * timer, dispatch fd callbacks, run due timers, then run deferred calls
 * (this is where connections closed during the iteration are freed, so no
 * callback ever sees its own object freed under it), then the before-sleep
 * hooks (batched writing of output).  Work before sleeping whose order
 * matters goes in one hook that states the order (tracker/main.c's
 * before_sleep: COMMIT, then ops, then replies), not in several hooks
 * whose order is that of their registration.
 *
 * Registrations carry a generation number, so an event that was already
 * queued for an fd that has since been removed and reused is dropped.
 *
 * Never called from another thread: a worker reaches the loop through an
 * fd it watches (worker.c's eventfd).
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

struct loop;
struct loop_timer;

#define EV_READ		0x1u
#define EV_WRITE	0x4u

typedef void (*loop_fd_cb)(int fd, unsigned events, void *arg);
typedef void (*loop_cb)(void *arg);
typedef void (*loop_sig_cb)(int signo, void *arg);

struct loop	*loop_new(void);
void		 loop_free(struct loop *);
/* Run until loop_stop(); 0, or -1 if epoll itself failed. */
int		 loop_run(struct loop *);
void		 loop_stop(struct loop *);
/* Monotonic milliseconds, read once per iteration. */
uint64_t	 loop_now(const struct loop *);
uint64_t	 loop_clock_ms(void);

/*
 * Watch fd for events (EV_READ | EV_WRITE); errors and hang-ups are
 * reported as EV_READ so the reader sees them.  -1 with errno (EPERM for
 * a regular file, which epoll cannot watch).
 */
int		 loop_add(struct loop *, int fd, unsigned events, loop_fd_cb,
		    void *arg);
int		 loop_mod(struct loop *, int fd, unsigned events);
void		 loop_del(struct loop *, int fd);

/* One-shot timer after ms; cancel is safe until it has fired. */
struct loop_timer *loop_timer(struct loop *, uint64_t ms, loop_cb, void *);
void		 loop_timer_cancel(struct loop *, struct loop_timer *);

/* Run cb(arg) once, after this iteration's events and timers. */
void		 loop_defer(struct loop *, loop_cb, void *arg);
/* Run what was deferred, now (for shutdown, outside loop_run). */
void		 loop_drain(struct loop *);
/*
 * Deliver SIGINT and SIGTERM to cb(signo, arg) from the loop (through a signalfd
 * the loop owns), and ignore SIGPIPE: a closed peer is seen as EPIPE.
 * Call it before starting any thread, so that every thread blocks them.
 * 0, or -1 with errno.
 */
int		 loop_signals(struct loop *, loop_sig_cb, void *arg);
/*
 * Run cb(arg) before every sleep, in the order added (see above: what
 * must run in an order belongs in one hook).
 */
void		 loop_before_sleep(struct loop *, loop_cb, void *arg);

#endif
