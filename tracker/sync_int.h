/*
 * sync_int.h - what sync.c (channels, AUTH/PROOF, streaming the log),
 * sync_snap.c (what a peer holds; snapshots, offered, asked for, sent and
 * merged) and sync_clock.c (the cluster's clock) share: the state of each
 * channel.  Private to those three files.
 */
#ifndef SYNC_INT_H
#define SYNC_INT_H

#ifndef SYNC_INTERNAL
#error "sync_int.h is private to tracker/sync*.c"
#endif

#include <stddef.h>
#include <stdint.h>

#include "sync.h"
#include "trackers.h"

struct conn;
struct loop_timer;
struct pending;
struct store_snap;
struct tracker;
struct wire_msg;

#define NONCE_LEN	32
#define BATCH		256		/* ops read from the log at a time */
#define WINDOW		16384		/* ops sent and not yet acknowledged */
#define OUT_HIGH	(4 * 1024 * 1024)	/* then wait for acks */
#define SNAP_CHUNK	(256 * 1024)	/* snapshot read at a time */
/*
 * Liveness.  Each side of a ready channel sends a BEAT every BEAT_MS; a
 * channel on which nothing (a BEAT or anything else) arrived for
 * SILENT_MS is dropped, checked every BEAT_TICK_MS: a silent peer is
 * noticed within SILENT_MS + BEAT_TICK_MS (2.75 s).  The dialing side
 * then dials again and again, a new attempt every RETRY_MIN_MS doubling
 * to RETRY_MAX_MS, each delay jittered to between half and all of it,
 * without waiting for earlier attempts (their SYNs may be lost in a
 * partition, and the kernel would resend them only 1 s, then 3 s
 * later): up to DIALS at once, each given DIAL_MS for its TCP and TLS
 * handshakes; the first through becomes the channel.  So once a path
 * comes back a dial crosses it within RETRY_MAX_MS.
 */
#define BEAT_MS		500
#define SILENT_MS	2500
#define BEAT_TICK_MS	250
#define RETRY_MIN_MS	100
#define RETRY_MAX_MS	400
#define DIAL_MS		2000
#define DIALS		6
/*
 * Clocks.  Each BEAT carries its sender's wall clock, kept as an offset
 * from our monotonic clock; the cluster's clock is the (upper) median of
 * ours and those heard in the last CLOCK_FRESH_MS, handed to the store
 * (store_cluster_clock()), which stamps by it when ours runs ahead and
 * judges stamps by it when ours runs behind.  So one tracker's clock
 * jumping by minutes neither makes its ops refused by the others nor
 * makes it refuse theirs.
 */
#define CLOCK_FRESH_MS	5000
#define AUTH_MS		5000		/* to get from connect to READY */
#define FRAME_MS	15000		/* to receive one frame */
#define PENDING_MAX	64		/* accepted, no AUTH yet */
#define SYNC_IN_MAX	(WIRE_HDR + 8 * 1024 * 1024)
#define SYNC_OUT_MAX	(64 * 1024 * 1024)
#define TRIM_MS		200		/* the log trimmed every */


enum sp_state { SP_NONE, SP_AUTH, SP_READY };

struct speer {
	struct sync	*sy;
	uint32_t	 id;		/* its tracker id, 1-based */
	struct conn	*c;
	enum sp_state	 state;
	int		 hello;		/* its HELLO arrived */
	int		 authed;	/* its AUTH arrived, PROOF sent */
	uint8_t		 mine[NONCE_LEN], theirs[NONCE_LEN];
	uint64_t	 cursor;	/* lseq looked at so far */
	uint64_t	 has[TRACKERS_MAX + 1];
	uint64_t	 held[TRACKERS_MAX + 1];
	int		 known;		/* held[] is filled in */
	int		 synced;	/* its first HWM on this connection */
	uint64_t	 unacked;
	struct store_snap *snap;	/* being sent: no ops until its end */
	int		 offered;	/* we offered a snapshot: no ops */
	int		 asked;		/* we asked for one: rows welcome */
	int		 deferred;	/* it offered one while another
					   tracker's was on its way to us */
	uint64_t	 since;		/* connected at */
	uint64_t	 beat_at;	/* our last BEAT went at */
	int64_t		 clock_off;	/* its clock minus our monotonic */
	uint64_t	 clock_at;	/* its last BEAT came at (0: none) */
	unsigned	 backoff;
	struct loop_timer *retry;	/* the next dial */
	struct conn	*dial[DIALS];	/* dials under way */
	uint64_t	 dial_at[DIALS];
};

struct sync {
	struct tracker	*t;
	uint32_t	 self;
	uint32_t	 n;
	uint8_t		 secret[SYNC_SECRET_MAX];	/* --secret */
	size_t		 secretlen;		/* 0: none */
	struct speer	 peers[TRACKERS_MAX + 1];	/* by id */
	uint64_t	 applied_seen;	/* store_applied() at the last pump */
	int		 cut;
	int		 clock_side;	/* ours is behind the cluster's clock
					   (1), ahead (-1), on it (0) */
	struct loop_timer *tick, *trim, *beat;
	struct pending	*pending;	/* accepted, AUTH awaited */
	unsigned	 npending;
};

/* What a peer is known to hold from origin: only ever raised. */
static inline void
held_raise(struct speer *p, uint32_t origin, uint64_t seq)
{
	if (seq > p->held[origin])
		p->held[origin] = seq;
}

/* sync_clock.c: a BEAT said the peer's wall clock reads wall (0: not
   said); every BEAT_TICK_MS, the cluster's clock to the store. */
void	sp_clock_heard(struct speer *, uint64_t wall);
void	sp_cluster_clock(struct sync *, uint64_t now);

/* sync_snap.c (it calls nothing of sync.c: sync.c pumps after it) */
void	sp_drop(struct conn *, const char *why);
/* A store_hwms() callback: one (origin, seq) into an HWM frame. */
void	sp_put_hwm(void *arg, uint32_t origin, uint64_t seq);
/* Send the snapshot under way while the queue is short: 0, or -1 (dropped). */
int	sp_snap_pump(struct speer *);
/* Offer a snapshot in place of ops the peer lacks (it must ask). */
void	sp_send_snapshot(struct speer *);
/* These two return 1 when the caller should pump (sp_pump) now. */
int	sp_on_snap_ask(struct speer *);
int	sp_on_hwm(struct speer *, const struct wire_msg *);
void	sp_on_snapshot(struct speer *, const struct wire_msg *);
/* It offers a snapshot: asked for, unless another is on its way. */
void	sp_on_snap_offer(struct speer *);
/* The snapshot asked of p will not come (its channel dropped). */
void	sp_snap_gone(struct speer *p);

#endif
