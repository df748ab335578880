/*
 * worker.c - thread pool with completions delivered on the loop thread.
 *
 * Two lists under one mutex: todo (waiting for a thread) and finished
 * (waiting for the loop).  A thread that finishes a job moves it to
 * finished and writes the eventfd; the loop drains finished and calls
 * done() without holding the lock.
 *
 * Owns its threads, the two lists and the eventfd; never the jobs, which
 * stay their callers'.  Never calls done() off the loop thread.
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "xalloc.h"

struct worker_pool {
	struct loop		*loop;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct worker_job	*todo, **todo_tail;
	struct worker_job	*finished;
	int			 efd;
	int			 stop;
	unsigned		 busy;
	int			 nthreads;
	pthread_t		*threads;
};

static void *
run(void *arg)
{
	struct worker_pool *p = arg;
	struct worker_job *j;
	uint64_t one = 1;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->todo == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->todo == NULL)
			break;
		j = p->todo;
		if ((p->todo = j->next) == NULL)
			p->todo_tail = &p->todo;
		pthread_mutex_unlock(&p->mu);
		j->work(j);
		pthread_mutex_lock(&p->mu);
		j->next = p->finished;
		p->finished = j;
		while (write(p->efd, &one, sizeof(one)) == -1 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void
drain(struct worker_pool *p)
{
	struct worker_job *j, *next, *rev = NULL;

	pthread_mutex_lock(&p->mu);
	j = p->finished;
	p->finished = NULL;
	pthread_mutex_unlock(&p->mu);
	/* Oldest first. */
	for (; j != NULL; j = next) {
		next = j->next;
		j->next = rev;
		rev = j;
	}
	for (j = rev; j != NULL; j = next) {
		next = j->next;
		p->busy--;
		j->done(j);
	}
}

static void
wake(int fd, unsigned ev, void *arg)
{
	uint64_t n;

	(void)ev;
	while (read(fd, &n, sizeof(n)) == -1 && errno == EINTR)
		;
	drain(arg);
}

struct worker_pool *
worker_pool_new(struct loop *l, int nthreads)
{
	struct worker_pool *p = xcalloc(1, sizeof(*p));
	int i;

	p->loop = l;
	p->todo_tail = &p->todo;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
	if (loop_add(l, p->efd, EV_READ, wake, p) == -1)
		fatal("epoll add eventfd");
	p->threads = xcalloc((size_t)nthreads, sizeof(*p->threads));
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&p->threads[i], NULL, run, p) != 0)
			fatalx("pthread_create failed");
	p->nthreads = nthreads;
	return p;
}

void
worker_submit(struct worker_pool *p, struct worker_job *j)
{
	j->next = NULL;
	p->busy++;
	pthread_mutex_lock(&p->mu);
	*p->todo_tail = j;
	p->todo_tail = &j->next;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

unsigned
worker_busy(const struct worker_pool *p)
{
	return p->busy;
}

void
worker_pool_free(struct worker_pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	drain(p);
	loop_del(p->loop, p->efd);
	close(p->efd);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
}
