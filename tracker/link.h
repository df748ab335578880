/*
 * link.h - a client's connection to this tracker, and how long it lives.
 *
 * Owns struct link, one per accepted socket, and the tracker's list of
 * them (t->links, t->nlinks): it makes a link, closes links past their
 * deadlines, and frees each exactly once.  A link starts with role 0;
 * its HELLO (read by main.c) makes it a client's, or hands the socket to
 * sync.c and the link is forgotten.  handlers.c keeps the session the
 * link speaks for in it (bound, key).
 *
 * A link outlives its connection while worker jobs hold it: a job that
 * hashes a password holds its link and releases it when done, and the
 * release says whether there is still a connection to answer on.
 *
 * Never: reads frames or answers requests (main.c dispatches, handlers.c
 * answers), touches the store.  Loop thread only.
 */
#ifndef LINK_H
#define LINK_H

#include <stdint.h>

#include "tracker.h"

struct conn;
struct conn_ops;
struct nsub;
struct worker_job;

struct link {
	struct tracker		*t;
	struct conn		*c;
	int			 role;		/* 0 until HELLO */
	uint64_t		 since;		/* accepted at (loop ms) */
	unsigned		 jobs;		/* worker jobs holding it */
	int			 dead;		/* closed; freed at jobs 0 */
	int			 beats;		/* its client sends BEATs */
	int			 bound;		/* key is online through us */
	uint8_t			 key[32];	/* session last seen here */
	struct link		*prev, *next;
	/* Admission: where it comes from, and whether it has a session. */
	struct link_addr	*addr;
	int			 proven;
	unsigned		 kdf;		/* its password hashes pending */
	/* Groups it follows (notify.c's; gone when the link closes). */
	struct nsub		*subs;
	unsigned		 nsubs;
};

/*
 * Take over the accepted socket fd (peer names it in logs) as a new link
 * on t's list, its connection driven by ops with the link as their arg.
 * NULL if the connection could not be set up (fd is closed then).
 */
struct link	*link_new(struct tracker *, int fd, const char *peer,
		    const struct conn_ops *);
/*
 * Its connection was torn down (call from ops->closed): it leaves the
 * list, and is freed now, or by the release of the last job holding it.
 */
void		 link_closed(struct link *);
/* Its connection went to another owner (sync.c): leave the list, freed. */
void		 link_forget(struct link *);
/* A job keeps the link alive; release says if it is still open (1). */
void		 link_hold(struct link *);
int		 link_release(struct link *);
/* Close links that never said HELLO, stalled mid-frame or went idle. */
void		 link_sweep(struct tracker *, uint64_t now);
/*
 * Once a second: a BEAT to every link whose client beats (it sent one:
 * from then on it is held to them), and such a link that sent nothing
 * for LINK_SILENT_MS is closed: its client went silent (host down,
 * partition, stopped), so its session is no longer online through us
 * and its files are not handed out from here.  Noticed within
 * LINK_SILENT_MS + 1 s.  Links that never beat keep the idle rule.
 */
#define LINK_SILENT_MS	4000
void		 link_beat(struct tracker *, uint64_t now);
/*
 * Admission (limits in tracker.h).  link_admit: may a new connection
 * from peer ("ip:port") be taken?  0 yes (perhaps after pushing out an
 * older stranger), -1 no, with why.  link_proven: a request on l showed
 * a live session.  link_kdf_take: a password hash for l may be queued
 * (0), or -1 with why (too many from its address, or in all); then
 * link_kdf_queue(l, job) hands the job to the worker pool in its
 * address's turn (or link_kdf_cancel if it is dropped instead);
 * link_kdf_done when it is back from the pool (before link_release).
 * link_kdf_drain: hashes still waiting end unhashed (at shutdown).
 */
int		 link_admit(struct tracker *, const char *peer, char *why,
		    size_t whylen);
void		 link_proven(struct link *);
int		 link_kdf_take(struct link *, char *why, size_t whylen);
void		 link_kdf_queue(struct link *, struct worker_job *);
void		 link_kdf_done(struct link *);
void		 link_kdf_cancel(struct link *);
void		 link_kdf_drain(struct tracker *);
/* Close every link (at shutdown); each is freed as above. */
void		 link_close_all(struct tracker *, const char *why);

#endif
