/*
 * upload.h - upload slots: which peers a client's uplink serves now, and
 * the requests the others wait with.  Pure: no I/O, no clock, no globals.
 *
 * A scarce uplink shared by every requester at once (TCP's fair share)
 * finishes every unit late: sixteen peers each sent a sixteenth of the
 * link take sixteen times as long to have a whole unit, and a downloader
 * can pass a unit on only once it has all of it and checked it.  So at
 * most UP_SLOTS peers are served at a time, each a quantum (a unit) per
 * turn, in the order they asked; a peer done with its turn, or left with
 * nothing asked, makes room for the next.  The peers in turn get whole
 * units at the link's full rate and start passing them on at once.
 * (BitTorrent reaches the same with choking: four peers unchoked, the
 * others rotated in; here a peer waiting its turn needs no message, its
 * requests simply wait, in the order they came.)
 *
 * The caller (peer_server.c) keeps one up_sched per client and one
 * up_slot and up_queue per connection; it hands a served request to the
 * kernel and reports back when the connection's output is written
 * (up_release), so a turn ends when its bytes have left, not when they
 * were queued.  A turn that does not end in time (a peer that stops
 * reading) is cut short (up_overdue), so no peer can hold a slot.
 */
#ifndef UPLOAD_H
#define UPLOAD_H

#include <stdint.h>

#include "wire.h"

/*
 * A turn is a unit (wire.h: the 128 KiB a downloader checks and passes
 * on alone), a block's worth, so a round of turns is as short as it can
 * be.  With a 512 KiB piece a turn (a block only when a round of pieces
 * would take over 4 s), the 16th of 16 downloaders that start together
 * had its first bytes to pass on after 3 s, and at N = 24 the swarm took
 * 31.9-34.0 s; with a unit a turn, 30.8-31.1 s.  A file with no unit
 * hashes (its units are pieces) takes 4 turns a piece.
 */
#define UP_SLOTS	2		/* peers served at once */
#define UP_QUANTUM	WIRE_UNIT_LEN	/* bytes a turn: one unit */

/* A request received and not yet served. */
struct up_req {
	uint8_t		 sha1[20];
	uint32_t	 id, piece, off, len;
};

/* A connection's waiting requests, first come first served (a ring). */
struct up_queue {
	struct up_req	*r;
	unsigned	 head, n, cap;
};

enum up_state { UP_IDLE, UP_WAITING, UP_ACTIVE };

struct up_slot {
	enum up_state	 state;
	uint64_t	 quantum;	/* bytes left of this turn */
	uint64_t	 since;		/* turn began (caller's clock) */
	struct up_slot	*next;		/* in the waiting line */
};

struct up_sched {
	unsigned	 slots, nactive, nwaiting;
	struct up_slot	*head, *tail;	/* waiting, oldest first */
};

void	up_queue_init(struct up_queue *, unsigned cap);
void	up_queue_free(struct up_queue *);
/* 0, or -1 if full. */
int	up_queue_push(struct up_queue *, const struct up_req *);
/* The oldest request, or NULL. */
const struct up_req *up_queue_peek(const struct up_queue *);
void	up_queue_pop(struct up_queue *);
/* Forget the first request for this block (a CANCEL): 1 if one was. */
int	up_queue_cancel(struct up_queue *, const uint8_t *sha1,
	    uint32_t piece, uint32_t off, uint32_t len);

void	up_sched_init(struct up_sched *, unsigned slots);
/*
 * A slot with requests waiting: may it send now?  An idle slot becomes
 * active if a slot is free (a new turn from now) or joins the line.
 * 1: send while up_spend() leaves quantum; 0: wait for up_next().
 */
int	up_may_send(struct up_sched *, struct up_slot *, uint64_t now);
/* len bytes of the turn were served; 1 while the turn goes on. */
int	up_spend(struct up_slot *, uint64_t len);
/*
 * What an active slot handed over has been written: its turn ends if it
 * spent its quantum or has nothing more to send (more: requests still
 * waiting: back of the line).  Then call up_next() until NULL.
 */
void	up_release(struct up_sched *, struct up_slot *, int more);
/* Has an active slot's turn lasted over ms?  (Then up_release() it.) */
int	up_overdue(const struct up_slot *, uint64_t now, uint64_t ms);
/* The next slot to serve if one is free (now active), or NULL. */
struct up_slot *up_next(struct up_sched *, uint64_t now);
/* The slot's connection is gone. */
void	up_remove(struct up_sched *, struct up_slot *);

#endif
