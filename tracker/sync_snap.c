/*
 * sync_snap.c - what a peer of the sync channel holds, and snapshots (see
 * sync.c): its HWMs say where to start sending ops; a peer that lacks ops
 * our log no longer holds (trimmed, or known here from a snapshot) is
 * offered a snapshot, which it must ask for; rows are accepted only after
 * we asked.  Owns no state of its own (the channel's is in sync_int.h);
 * never touches a socket but through its conn.
 */
#include <stdint.h>

#include "conn.h"
#include "log.h"
#include "rbuf.h"
#include "store.h"
#include "tracker.h"
#include "wire.h"

#define SYNC_INTERNAL
#include "sync_int.h"

void
sp_drop(struct conn *c, const char *why)
{
	log_warnx("sync: %s: dropping channel: %s", conn_name(c), why);
	conn_close(c, why);
}

void
sp_put_hwm(void *arg, uint32_t origin, uint64_t seq)
{
	struct wire_enc *e = arg;

	wire_put_u32(e, origin);
	wire_put_u64(e, seq);
}

/*
 * Send the snapshot in progress, SNAP_CHUNK at a time while the output
 * queue is short (the queue draining calls again).  At its end the peer
 * lacks nothing our log held when it began: ops go on from there.  0, or
 * -1 if the channel was dropped.
 */
int
sp_snap_pump(struct speer *p)
{
	uint32_t o;
	int r = 1;

	while (p->snap != NULL && conn_queued(p->c) < OUT_HIGH &&
	    (r = store_snap_next(p->snap, conn_out(p->c), SNAP_CHUNK)) == 1)
		;
	if (r == -1) {
		sp_drop(p->c, "cannot read a snapshot");
		return -1;
	}
	conn_flush(p->c);
	if (r == 1)
		return 0;
	log_info("sync: tracker %u: snapshot sent, %zu rows", p->id,
	    store_snap_rows(p->snap));
	for (o = 1; o <= p->sy->n; o++) {
		uint64_t hwm = store_snap_hwm(p->snap, o);

		if (hwm > p->has[o])
			p->has[o] = hwm;
	}
	p->cursor = store_snap_lseq(p->snap);
	store_snap_free(p->snap);
	p->snap = NULL;
	return 0;
}

static void
send_empty(struct speer *p, unsigned type)
{
	struct wire_enc e;

	wire_begin(&e, conn_out(p->c), type, 0);
	wire_end(&e);
	conn_flush(p->c);
}

/* Our HWM: what we hold now. */
static void
send_hwm(struct speer *p)
{
	struct wire_enc e;

	wire_begin(&e, conn_out(p->c), WT_S_HWM, 0);
	store_hwms(p->sy->t->store, sp_put_hwm, &e);
	wire_end(&e);
	conn_flush(p->c);
}

/* Everything we hold, as a snapshot, in place of the ops it lacks. */
void
sp_send_snapshot(struct speer *p)
{
	if (p->snap != NULL || p->offered)
		return;
	/* It must ask: no snapshot is taken unasked for. */
	p->offered = 1;
	send_empty(p, WT_S_SNAP_OFFER);
}

/*
 * A tracker back from far behind is offered a snapshot by every other
 * tracker at once; it takes one at a time.  An offer made while another
 * tracker's snapshot is on its way waits; once that one is merged (or
 * its channel dropped), the waiting offerers are told our HWM, and each
 * either withdraws (we lack nothing it alone holds: ops go on) or
 * offers again (sp_on_hwm).  So a tracker coming back gets one snapshot,
 * not one from every other tracker.
 */
void
sp_on_snap_offer(struct speer *p)
{
	uint32_t i;

	for (i = 1; i <= p->sy->n; i++)
		if (p->sy->peers[i].asked) {
			log_info("sync: tracker %u offers a snapshot too: "
			    "waiting for tracker %u's", p->id, i);
			p->deferred = 1;
			return;
		}
	p->asked = 1;
	send_empty(p, WT_S_SNAP_ASK);
}

/* The snapshot we took (or lost) was from done: on with the waiting. */
static void
undefer(struct sync *sy, const struct speer *done)
{
	uint32_t i;

	for (i = 1; i <= sy->n; i++) {
		struct speer *q = &sy->peers[i];

		if (q == done || !q->deferred || q->state != SP_READY)
			continue;
		q->deferred = 0;
		send_hwm(q);
	}
}

void
sp_snap_gone(struct speer *p)
{
	p->asked = 0;
	undefer(p->sy, p);
}

/* It asked for the snapshot we offered: stream it. */
int
sp_on_snap_ask(struct speer *p)
{
	if (!p->offered) {
		sp_drop(p->c, "asked for a snapshot not offered");
		return 0;
	}
	p->offered = 0;
	if ((p->snap = store_snap_begin(p->sy->t->store)) == NULL) {
		sp_drop(p->c, "cannot begin a snapshot");
		return 0;
	}
	log_info("sync: tracker %u: lacks ops no longer logged here: sending "
	    "a snapshot", p->id);
	return 1;	/* pump: the snapshot, then ops again */
}

/* Does the peer lack ops that only our tables hold? */
static int
lacks_trimmed(struct speer *p)
{
	uint32_t o;

	for (o = 1; o <= p->sy->n; o++)
		if (p->has[o] < store_log_base(p->sy->t->store, o))
			return 1;
	return 0;
}

/*
 * The first HWM on a connection says where to start; later ones (after a
 * snapshot) only say what it holds now.
 */
int
sp_on_hwm(struct speer *p, const struct wire_msg *m)
{
	struct wire_field f[HWM_SEQ + 1];
	struct wire_iter it;

	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f)) {
		uint32_t o = (uint32_t)f[HWM_ORIGIN].u;
		uint64_t seq = f[HWM_SEQ].u;

		if (o < 1 || o > p->sy->n)
			continue;
		/* Its first says what it holds now (it may have lost some). */
		if (!p->synced)
			p->held[o] = p->has[o] = seq;
		held_raise(p, o, seq);
		if (seq > p->has[o])
			p->has[o] = seq;
	}
	p->known = 1;
	if (p->synced && p->offered && p->snap == NULL) {
		/* It merged another tracker's snapshot meanwhile: does it
		   still lack what only our tables hold? */
		if (lacks_trimmed(p) || p->has[p->id] <
		    store_hwm(p->sy->t->store, p->id)) {
			send_empty(p, WT_S_SNAP_OFFER);
			return 0;
		}
		log_info("sync: tracker %u: has what our log lacks now: "
		    "no snapshot, ops go on", p->id);
		p->offered = 0;
		return 1;
	}
	if (p->synced)
		return 0;
	p->synced = 1;
	p->cursor = 0;
	/* Ops it lacks that we no longer log, or its own (it lost them). */
	if (lacks_trimmed(p) || p->has[p->id] < store_hwm(p->sy->t->store,
	    p->id))
		sp_send_snapshot(p);
	return 1;
}

/* A snapshot row, or its end: merged; at the end, say what we hold. */
void
sp_on_snapshot(struct speer *p, const struct wire_msg *m)
{
	struct sync *sy = p->sy;
	struct wire_field f[HWM_STAMP + 1];
	struct wire_iter it;
	int rc;

	if (!p->asked) {
		sp_drop(p->c, "snapshot rows not asked for");
		return;
	}
	if (m->h.type == WT_S_SNAP_END) {
		p->asked = 0;
		wire_iter_init(&it, m);
		while (wire_iter_next(&it, f))
			if (f[HWM_ORIGIN].u < 1 || f[HWM_ORIGIN].u > sy->n) {
				sp_drop(p->c, "snapshot from an unknown tracker");
				return;
			}
	}
	if ((rc = store_merge(sy->t->store, m)) != ST_OK) {
		sp_drop(p->c, rc == ST_BAD_OP ? "malformed snapshot row" :
		    "cannot merge snapshot");
		return;
	}
	if (m->h.type != WT_S_SNAP_END)
		return;
	log_info("sync: tracker %u: snapshot merged", p->id);
	/* Like an ack: written after the batch's COMMIT (before_sleep). */
	send_hwm(p);
	undefer(sy, p);
}
