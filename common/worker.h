/*
 * worker.h - a small pool of threads for CPU-heavy jobs (password hashing,
 * piece hashing) so the event loop never stalls on them.
 *
 * A job's work() runs on a pool thread and must touch nothing but the job
 * itself; its done() runs later on the loop thread, woken through an
 * eventfd.  Jobs are caller-allocated and owned by the caller throughout;
 * done() is the point where the caller gets it back (and may free it).
 */
#ifndef WORKER_H
#define WORKER_H

struct loop;
struct worker_pool;

struct worker_job {
	void			(*work)(struct worker_job *);
	void			(*done)(struct worker_job *);
	struct worker_job	*next;
};

struct worker_pool	*worker_pool_new(struct loop *, int nthreads);
/* Finish queued jobs (their done() still runs), then join the threads. */
void			 worker_pool_free(struct worker_pool *);
void			 worker_submit(struct worker_pool *, struct worker_job *);
/* Jobs submitted whose done() has not run yet. */
unsigned		 worker_busy(const struct worker_pool *);

#endif
