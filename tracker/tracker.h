/*
 * tracker.h - state shared by the tracker's modules.
 *
 * One struct tracker per process, owned by main.c and driven by its event
 * loop.  Each accepted socket is a struct peer_link until its HELLO says
 * what it is; clients then send requests that handlers.c answers.
 */
#ifndef TRACKER_H
#define TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "trackers.h"

struct conn;
struct loop;
struct store;
struct sync;
struct wire_msg;
struct worker_pool;

#define TRACKER_MAX_CONNS	8192
#define TRACKER_IN_MAX		(WIRE_HDR + 8 * 1024 * 1024)
#define TRACKER_OUT_MAX		(32 * 1024 * 1024)
#define TRACKER_IDLE_MS		(15 * 60 * 1000)
#define TRACKER_HELLO_MS	(10 * 1000)
#define TRACKER_FRAME_MS	(15 * 1000)	/* to receive one frame */
#define KDF_ITER_DEFAULT	200000
/* Ops the log keeps at most, held by every peer or not (--log-keep). */
#define LOG_KEEP_DEFAULT	500000
#define KDF_THREADS		2

struct tracker {
	struct loop		*loop;
	struct store		*store;
	struct tracker_list	 cluster;
	size_t			 self;		/* index into cluster */
	int			 lfd;
	unsigned		 kdf_iter;
	uint64_t		 log_keep;
	struct worker_pool	*workers;	/* password hashing */
	size_t			 nlinks;
	struct link		*links;		/* every accepted connection */
	struct sync		*sync;		/* channels to the others */
	uint8_t			 ticket_root[32];	/* from the secret */
};

struct link {
	struct tracker		*t;
	struct conn		*c;
	int			 role;		/* 0 until HELLO */
	uint64_t		 since;
	unsigned		 jobs;		/* worker jobs holding it */
	int			 bound;		/* key is online through us */
	uint8_t			 key[32];	/* session last seen here */
	int			 dead;		/* closed; freed at jobs 0 */
	struct link		*prev, *next;
};

/* main.c: a link that turned out to be another tracker leaves the list. */
void	link_forget(struct link *);
/* main.c: a job keeps its link alive; release says if it is still open. */
void	link_hold(struct link *);
int	link_release(struct link *);

/* handlers.c: answer one request from a client link. */
void	handlers_request(struct tracker *, struct link *,
	    const struct wire_msg *);
/* handlers.c: a link closes; its session is no longer online by it. */
void	handlers_unbind(struct tracker *, struct link *);

#endif
