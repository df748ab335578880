/*
 * sync.c - the sync channel between trackers (see sync.h): it owns one
 * connection per other tracker and what that tracker holds; it never
 * touches SQLite (the store reads and applies the ops) nor a client.
 * What a peer holds and the snapshots are in sync_snap.c; the state both
 * files share in sync_int.h.
 *
 * One struct speer per other tracker in the cluster.  Its states:
 * no connection; connected, HELLO and AUTH sent; READY once the other
 * side's PROOF checked out.  While READY, `cursor` is how far into our op
 * log we have looked for this peer and `has[]` what we know it holds from
 * each origin (from its HWM, then from what we sent it), so every op is
 * sent at most once per connection and only if the peer lacks it.
 *
 * A peer that lacks ops our log no longer holds (trimmed, or known to us
 * from a snapshot) is sent a snapshot instead: when its HWM is below our
 * log's base for some origin, or when the pump meets an op whose
 * predecessor the peer lacks.  It answers with its HWM once merged.
 * `held[]` is what each peer is known to hold (its HWMs, its acks, the
 * ops it sent us), kept across reconnections: once every peer holds an
 * op, the log lets go of it.
 */
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "notify.h"
#include "pins.h"
#include "rbuf.h"
#include "store.h"
#include "tls.h"
#include "tracker.h"
#include "wire.h"
#include "xalloc.h"

#define SYNC_INTERNAL
#include "sync_int.h"

static const char proof_label[] = "p2p-sync-v2";
static const char export_label[] = "p2ps sync proof";

static void	sp_connect(void *);
static void	sp_pump(struct speer *);

/* For a connection being let go of: nothing reaches us any more. */
static void
orphan_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	(void)c;
	(void)m;
	(void)arg;
}

static const struct conn_ops orphan_ops = { .frame = orphan_frame };

static void
sp_reset(struct speer *p)
{
	if (p->asked)
		sp_snap_gone(p);
	p->c = NULL;
	p->state = SP_NONE;
	p->hello = p->authed = 0;
	p->cursor = 0;
	p->unacked = 0;
	p->synced = 0;
	memset(p->has, 0, sizeof(p->has));
	store_snap_free(p->snap);
	p->snap = NULL;
	p->offered = p->asked = p->deferred = 0;
}

/* A random delay in [n/2, n]: dialers that lost a peer together spread. */
static unsigned
jittered(unsigned n)
{
	uint32_t r = 0;

	(void)random_bytes(&r, sizeof(r));
	return n / 2 + r % (n / 2 + 1);
}

/* The next dial, while there is no channel (see sync_int.h). */
static void
sp_schedule(struct speer *p)
{
	struct sync *sy = p->sy;

	/* The lower id connects; the higher one waits for it. */
	if (sy->self > p->id || p->retry != NULL || sy->cut || p->c != NULL)
		return;
	p->backoff = p->backoff == 0 ? RETRY_MIN_MS : p->backoff * 2;
	if (p->backoff > RETRY_MAX_MS)
		p->backoff = RETRY_MAX_MS;
	p->retry = loop_timer(sy->t->loop, jittered(p->backoff), sp_connect,
	    p);
}

/* Let go of every dial under way (a channel is up, or none may be). */
static void
dial_drop_all(struct speer *p, const char *why)
{
	unsigned i;

	for (i = 0; i < DIALS; i++) {
		struct conn *c = p->dial[i];

		if (c == NULL)
			continue;
		p->dial[i] = NULL;
		conn_set_ops(c, &orphan_ops, NULL);
		conn_close(c, why);
	}
}

/* Replaced connections are orphaned first, so c is always p->c. */
static void
sp_closed(struct conn *c, const char *why, void *arg)
{
	struct speer *p = arg;

	(void)c;
	if (p->state == SP_READY) {
		log_info("sync: tracker %u: channel down: %s", p->id, why);
		store_remote_clear(p->sy->t->store, p->id);
	} else {
		log_debug("sync: tracker %u: %s", p->id, why);
	}
	sp_reset(p);
	sp_schedule(p);
}

/*
 * Its proof: HMAC(secret, label | id | nonce of the verifier | own |
 * the TLS session's exporter).  The exporter is this connection's alone,
 * so a proof relayed onto another connection is worth nothing.  With no
 * --secret the key is empty: the proof then only shows the session is
 * the same on both ends, and the pinned keys are the authentication.
 */
static int
proof(struct speer *p, uint32_t id, const uint8_t *verifier,
    const uint8_t *prover, uint8_t out[SHA256_LEN])
{
	uint8_t b[sizeof(proof_label) + 4 + 2 * NONCE_LEN + SHA256_LEN];
	uint8_t *x = b + sizeof(proof_label) + 4 + 2 * NONCE_LEN;
	struct sync *sy = p->sy;

	memcpy(b, proof_label, sizeof(proof_label));
	put_be32(b + sizeof(proof_label), id);
	memcpy(b + sizeof(proof_label) + 4, verifier, NONCE_LEN);
	memcpy(b + sizeof(proof_label) + 4 + NONCE_LEN, prover, NONCE_LEN);
	if (sy->t->tls_srv == NULL)
		memset(x, 0, SHA256_LEN);	/* P2PS_BENCH_PLAINTEXT */
	else if (conn_export(p->c, export_label, x, SHA256_LEN) == -1)
		return -1;
	return hmac_sha256(sy->secret, sy->secretlen, b, sizeof(b), out);
}

/*
 * Is the key this connection proved the one pinned for tracker id?  A
 * tracker is only ever "tracker N" at the address tracker_info.txt gives
 * it: the pin is kept under that name, in the .peers file beside our
 * database.  A key met for the first time is looked at only (remember 0)
 * until the channel's proof checks out, then remembered (remember 1):
 * a relay or a stranger that fails the proof leaves no pin behind.  0 if
 * it may go on.
 */
static int
pinned(struct sync *sy, struct conn *c, uint32_t id, int remember)
{
	const struct tracker_addr *a = &sy->t->cluster.v[id - 1];
	char name[PINS_NAME_MAX], err[512], fp[TLS_FP_TEXT], was[TLS_FP_TEXT];
	uint8_t got[TLS_FP_LEN], old[TLS_FP_LEN];
	unsigned line = 0;

	if (sy->t->tls_srv == NULL)
		return 0;		/* P2PS_BENCH_PLAINTEXT */
	if (conn_peer_fp(c, got) == -1) {
		log_warnx("sync: %s: no key proved", conn_name(c));
		return -1;
	}
	tls_fp_text(got, fp);
	snprintf(name, sizeof(name), "tracker-%u@%s:%u", id, a->host,
	    a->port);
	switch (pin_check(sy->t->pins, name, got, remember, old, &line, err,
	    sizeof(err))) {
	case PIN_MATCH:
		return 0;
	case PIN_NEW:
		if (remember)
			log_info("sync: tracker %u: key %s, pinned in %s", id,
			    fp, sy->t->pins);
		return 0;
	case PIN_MISMATCH:
		tls_fp_text(old, was);
		log_warnx("sync: %s: refused as tracker %u: it proved key %s, "
		    "but %s line %u pins %s (delete that line if tracker %u's "
		    "key was changed on purpose)", conn_name(c), id, fp,
		    sy->t->pins, line, was, id);
		return -1;
	default:
		log_warnx("sync: cannot check tracker %u's key: %s", id, err);
		return -1;
	}
}

static void
send_auth(struct speer *p)
{
	struct wire_enc e;

	random_bytes(p->mine, NONCE_LEN);
	wire_begin(&e, conn_out(p->c), WT_S_AUTH, 0);
	wire_put_u32(&e, p->sy->self);
	wire_put_blob(&e, p->mine, NONCE_LEN);
	wire_end(&e);
	conn_flush(p->c);
}

static void
put_online(void *arg, const uint8_t *key)
{
	struct speer *p = arg;
	struct wire_enc e;

	wire_begin(&e, conn_out(p->c), WT_S_ONLINE, 0);
	wire_put_u8(&e, 1);
	wire_put_blob(&e, key, 32);
	wire_end(&e);
}

static void
sp_ready(struct speer *p)
{
	struct sync *sy = p->sy;
	struct wire_enc e;

	p->state = SP_READY;
	p->backoff = 0;
	log_info("sync: tracker %u: channel up", p->id);
	wire_begin(&e, conn_out(p->c), WT_S_HWM, 0);
	store_hwms(sy->t->store, sp_put_hwm, &e);
	wire_end(&e);
	store_online_keys(sy->t->store, put_online, p);
	conn_flush(p->c);
}

static void
on_auth(struct speer *p, const struct wire_msg *m)
{
	uint8_t out[SHA256_LEN];
	struct wire_enc e;

	if (m->f[AUTH_NONCE].n != NONCE_LEN) {
		sp_drop(p->c, "bad nonce");
		return;
	}
	memcpy(p->theirs, m->f[AUTH_NONCE].p, NONCE_LEN);
	p->authed = 1;
	if (proof(p, p->sy->self, p->theirs, p->mine, out) == -1) {
		sp_drop(p->c, "cannot compute proof");
		return;
	}
	wire_begin(&e, conn_out(p->c), WT_S_PROOF, 0);
	wire_put_blob(&e, out, SHA256_LEN);
	wire_end(&e);
	conn_flush(p->c);
}

static void
on_proof(struct speer *p, const struct wire_msg *m)
{
	uint8_t want[SHA256_LEN];

	if (!p->authed || m->f[PROOF_MAC].n != SHA256_LEN ||
	    proof(p, p->id, p->mine, p->theirs, want) == -1 ||
	    !ct_equal(want, m->f[PROOF_MAC].p, SHA256_LEN)) {
		sp_drop(p->c, p->sy->secretlen > 0 ? "wrong cluster secret, or "
		    "a proof made on another TLS session" : "a proof made on "
		    "another TLS session");
		return;
	}
	/* Only now may a key met for the first time be remembered. */
	if (pinned(p->sy, p->c, p->id, 1) == -1) {
		sp_drop(p->c, "not the key pinned for this tracker");
		return;
	}
	sp_ready(p);
	sp_pump(p);
}

static void
on_op(struct speer *p, const struct wire_msg *m)
{
	struct sync *sy = p->sy;
	uint32_t origin = (uint32_t)m->f[SOP_ORIGIN].u;
	uint64_t seq = m->f[SOP_SEQ].u;
	struct wire_enc e;
	int rc;

	if (origin < 1 || origin > sy->n) {
		sp_drop(p->c, "op from an unknown tracker");
		return;
	}
	rc = store_apply(sy->t->store, origin, seq, m->f[SOP_STAMP].u,
	    m->f[SOP_REQ].p, m->f[SOP_REQ].n, m->f[SOP_OP].p, m->f[SOP_OP].n);
	if (rc != ST_OK) {
		sp_drop(p->c, rc == ST_GAP ? "op out of order" :
		    rc == ST_BAD_OP ? "malformed op" : "cannot apply op");
		return;
	}
	notify_op(sy->t->notify, m->f[SOP_OP].p, m->f[SOP_OP].n);
	/* It holds what it sent us: never send it back. */
	if (seq > p->has[origin])
		p->has[origin] = seq;
	held_raise(p, origin, seq);
	wire_begin(&e, conn_out(p->c), WT_S_ACK, 0);
	wire_put_u32(&e, origin);
	wire_put_u64(&e, seq);
	wire_end(&e);
	conn_flush(p->c);
}

static void
on_online(struct speer *p, const struct wire_msg *m)
{
	if (m->f[ONLINE_KEY].n != 32)
		return;
	store_remote_online(p->sy->t->store, p->id, m->f[ONLINE_KEY].p,
	    m->f[ONLINE_UP].u != 0);
}

static void
sp_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	struct speer *p = arg;
	const char *why;

	if (!p->hello) {
		if (m->h.type != WT_HELLO ||
		    wire_hello_check(m, ROLE_TRACKER, &why) == -1) {
			sp_drop(c, "no tracker HELLO");
			return;
		}
		p->hello = 1;
		return;
	}
	if (m->h.type == WT_BEAT) {
		/* It lives (conn noted the bytes); its clock says this. */
		sp_clock_heard(p, m->f[BEAT_WALL].u);
		return;
	}
	if (p->state != SP_READY) {
		if (m->h.type == WT_S_AUTH && !p->authed &&
		    m->f[AUTH_ID].u == p->id)
			on_auth(p, m);
		else if (m->h.type == WT_S_PROOF)
			on_proof(p, m);
		else
			sp_drop(c, "unexpected message before proof");
		return;
	}
	switch (m->h.type) {
	case WT_S_HWM:
		if (sp_on_hwm(p, m))
			sp_pump(p);
		break;
	case WT_S_OP:
		on_op(p, m);
		break;
	case WT_S_ACK:
		if (m->f[HWM_ORIGIN].u >= 1 && m->f[HWM_ORIGIN].u <= p->sy->n)
			held_raise(p, (uint32_t)m->f[HWM_ORIGIN].u,
			    m->f[HWM_SEQ].u);
		if (p->unacked > 0)
			p->unacked--;
		/* Refill at half a window, not at every ack: a pump reads
		   the log. */
		if (p->unacked <= WINDOW / 2)
			sp_pump(p);
		break;
	case WT_S_ONLINE:
		on_online(p, m);
		break;
	case WT_S_SNAP_OFFER:
		if (p->asked) {
			sp_drop(c, "a second snapshot offered");
			break;
		}
		sp_on_snap_offer(p);
		break;
	case WT_S_SNAP_ASK:
		if (sp_on_snap_ask(p))
			sp_pump(p);
		break;
	case WT_S_R_USER:
	case WT_S_R_SESSION:
	case WT_S_R_GROUP:
	case WT_S_R_MEMBER:
	case WT_S_R_FILE:
	case WT_S_R_SHARE:
	case WT_S_R_SERVE:
	case WT_S_R_MARK:
	case WT_S_R_REQ:
	case WT_S_R_VERSION:
	case WT_S_SNAP_END:
		sp_on_snapshot(p, m);
		break;
	default:
		sp_drop(c, "not a sync message");
	}
}

/* Room for more: of a snapshot, or of ops held back by a full queue. */
static void
sp_drained(struct conn *c, void *arg)
{
	(void)c;
	sp_pump(arg);
}

static const struct conn_ops sp_ops = {
	.frame = sp_frame,
	.closed = sp_closed,
	.drained = sp_drained,
};

/* A dial is through (TLS up): if it is the first, it becomes the channel. */
static void
dial_connected(struct conn *c, void *arg)
{
	struct speer *p = arg;
	struct sync *sy = p->sy;
	unsigned i;

	if (p->c != NULL || sy->cut) {
		conn_close(c, "a channel is up already");
		return;
	}
	/* The tracker we dialled must prove the key pinned for it. */
	if (pinned(sy, c, p->id, 0) == -1) {
		conn_close(c, "not the key pinned for this tracker");
		return;
	}
	for (i = 0; i < DIALS; i++)
		if (p->dial[i] == c)
			p->dial[i] = NULL;
	dial_drop_all(p, "another dial got through first");
	if (p->retry != NULL) {
		loop_timer_cancel(sy->t->loop, p->retry);
		p->retry = NULL;
	}
	conn_set_ops(c, &sp_ops, p);
	p->c = c;
	p->since = loop_now(sy->t->loop);
	log_debug("sync: tracker %u: connected", p->id);
	wire_hello(conn_out(c), ROLE_TRACKER);
	send_auth(p);
}

/* conn_ops' type: c is not const there. */
static void
/* cppcheck-suppress constParameter */
dial_closed(struct conn *c, const char *why, void *arg)
{
	struct speer *p = arg;
	unsigned i;

	for (i = 0; i < DIALS; i++)
		if (p->dial[i] == c)
			p->dial[i] = NULL;
	log_debug("sync: tracker %u: dial: %s", p->id, why);
	sp_schedule(p);
}

/* Nothing comes before our HELLO: the acceptor waits for it. */
static void
dial_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	(void)m;
	(void)arg;
	conn_close(c, "a frame before our HELLO");
}

static const struct conn_ops dial_ops = {
	.frame = dial_frame,
	.closed = dial_closed,
	.connected = dial_connected,
};

/*
 * The retry timer: one more dial, beside those under way (a partition
 * may have eaten their SYNs), then the next one scheduled.
 */
static void
sp_connect(void *arg)
{
	struct speer *p = arg;
	struct sync *sy = p->sy;
	const struct tracker_addr *a = &sy->t->cluster.v[p->id - 1];
	char err[256], name[64];
	struct conn *c;
	unsigned i;
	int fd;

	p->retry = NULL;
	if (p->c != NULL || sy->cut)
		return;
	for (i = 0; i < DIALS && p->dial[i] != NULL; i++)
		;
	if (i == DIALS) {
		sp_schedule(p);
		return;
	}
	if ((fd = net_connect(a->host, a->port, err, sizeof(err))) == -1) {
		log_debug("sync: tracker %u: %s", p->id, err);
		sp_schedule(p);
		return;
	}
	net_quick_retransmit(fd);
	snprintf(name, sizeof(name), "tracker %u", p->id);
	if ((c = conn_new(sy->t->loop, fd, name, 1, &dial_ops, p,
	    SYNC_IN_MAX, SYNC_OUT_MAX)) == NULL) {
		sp_schedule(p);
		return;
	}
	p->dial[i] = c;
	p->dial_at[i] = loop_now(sy->t->loop);
	/* HELLO and AUTH wait for the handshake and the pin check. */
	if (sy->t->tls_cli != NULL && conn_start_tls(c, sy->t->tls_cli,
	    name) == -1)
		conn_close(c, "cannot start TLS");
	sp_schedule(p);
}

/*
 * An accepted connection said HELLO as a tracker.  Which one it is, we
 * learn from its AUTH; until then it is parked on a frame handler that
 * takes nothing else.
 */
struct pending {
	struct sync	*sy;
	struct conn	*c;
	uint64_t	 since;
	struct pending	*prev, *next;
};

static void
pending_unlink(struct pending *pd)
{
	struct sync *sy = pd->sy;

	if (pd->prev != NULL)
		pd->prev->next = pd->next;
	else
		sy->pending = pd->next;
	if (pd->next != NULL)
		pd->next->prev = pd->prev;
	sy->npending--;
}

/* Is the connection's peer name ("host:port", from accept) at host? */
static int
from_host(const char *peer, const char *host)
{
	const char *colon = strrchr(peer, ':');
	size_t n = colon != NULL ? (size_t)(colon - peer) : strlen(peer);

	return strlen(host) == n && memcmp(peer, host, n) == 0;
}

static void
pending_closed(struct conn *c, const char *why, void *arg)
{
	(void)c;
	(void)why;
	pending_unlink(arg);
	free(arg);
}

static void
pending_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	struct pending *pd = arg;
	struct sync *sy = pd->sy;
	struct speer *p;
	uint32_t id;

	if (m->h.type != WT_S_AUTH || (id = (uint32_t)m->f[AUTH_ID].u) < 1 ||
	    id > sy->n || id == sy->self) {
		log_warnx("sync: %s: refused: no valid AUTH", conn_name(c));
		conn_close(c, "no valid AUTH");
		return;
	}
	/*
	 * Before it may replace a live channel: it must come from tracker
	 * id's address and prove the key pinned for it.
	 */
	if (!from_host(conn_name(c), sy->t->cluster.v[id - 1].host)) {
		log_warnx("sync: %s: refused: tracker %u is at %s", conn_name(c),
		    id, sy->t->cluster.v[id - 1].host);
		conn_close(c, "not from that tracker's address");
		return;
	}
	if (pinned(sy, c, id, 0) == -1) {
		conn_close(c, "not the key pinned for this tracker");
		return;
	}
	p = &sy->peers[id];
	if (p->c != NULL) {
		/* It came back (restarted): the old channel is dead. */
		log_info("sync: tracker %u: reconnected", id);
		conn_set_ops(p->c, &orphan_ops, NULL);
		conn_close(p->c, "replaced by a new connection");
		if (p->state == SP_READY)
			store_remote_clear(sy->t->store, id);
		sp_reset(p);
	}
	if (p->retry != NULL) {
		loop_timer_cancel(sy->t->loop, p->retry);
		p->retry = NULL;
	}
	pending_unlink(pd);
	free(pd);
	conn_set_ops(c, &sp_ops, p);
	p->c = c;
	p->hello = 1;
	p->since = loop_now(sy->t->loop);
	send_auth(p);
	on_auth(p, m);
}

static const struct conn_ops pending_ops = {
	.frame = pending_frame,
	.closed = pending_closed,
};

void
sync_adopt(struct sync *sy, struct conn *c)
{
	struct pending *pd = xcalloc(1, sizeof(*pd));

	pd->sy = sy;
	pd->c = c;
	pd->since = loop_now(sy->t->loop);
	pd->next = sy->pending;
	if (sy->pending != NULL)
		sy->pending->prev = pd;
	sy->pending = pd;
	sy->npending++;
	conn_set_ops(c, &pending_ops, pd);
	if (sy->npending > PENDING_MAX) {
		log_warnx("sync: %s: refused: %u connections wait to prove "
		    "themselves as trackers", conn_name(c), sy->npending - 1);
		conn_close(c, "too many unproven tracker connections");
		return;
	}
	if (sy->cut) {
		conn_close(c, "sync channel cut (test switch)");
		return;
	}
	wire_hello(conn_out(c), ROLE_TRACKER);
	conn_flush(c);
}

/* Streaming the log. */

struct pump {
	struct speer	*p;
	unsigned	 sent;
	int		 full;
	int		 gap;		/* the peer lacks an op we do not log */
};

static int
pump_op(void *arg, const struct store_op *o)
{
	struct pump *pu = arg;
	struct speer *p = pu->p;
	struct wire_enc e;

	if (p->unacked >= WINDOW || conn_queued(p->c) >= OUT_HIGH) {
		pu->full = 1;
		return -1;
	}
	if (o->origin >= 1 && o->origin <= p->sy->n &&
	    o->seq > p->has[o->origin] + 1) {
		pu->gap = 1;
		return -1;
	}
	p->cursor = o->lseq;
	/* Never its own ops: it refuses them (a lost one needs a snapshot). */
	if (o->origin < 1 || o->origin > p->sy->n || o->origin == p->id ||
	    o->seq <= p->has[o->origin])
		return 0;
	wire_begin(&e, conn_out(p->c), WT_S_OP, 0);
	wire_put_u32(&e, o->origin);
	wire_put_u64(&e, o->seq);
	wire_put_u64(&e, o->hlc);
	wire_put_blob(&e, o->req, (uint32_t)o->reqlen);
	wire_put_blob(&e, o->op, (uint32_t)o->oplen);
	if (wire_end(&e) == -1) {
		log_warnx("sync: op %u:%llu does not fit a frame", o->origin,
		    (unsigned long long)o->seq);
		return 0;
	}
	p->has[o->origin] = o->seq;
	p->unacked++;
	pu->sent++;
	return 0;
}

static void
sp_pump(struct speer *p)
{
	struct store *st = p->sy->t->store;
	struct pump pu;
	uint64_t last = store_log_last(st);

	/* Nothing before its HWM says what it lacks, nor during a snapshot. */
	if (p->state != SP_READY || !p->synced || conn_closing(p->c) ||
	    p->offered)
		return;
	if (p->snap != NULL && (sp_snap_pump(p) == -1 || p->snap != NULL))
		return;
	memset(&pu, 0, sizeof(pu));
	pu.p = p;
	while (p->cursor < last && !pu.full) {
		uint64_t before = p->cursor;

		if (store_log_after(st, p->cursor, BATCH, pump_op, &pu) !=
		    ST_OK)
			break;
		if (pu.gap) {
			/* Ops go on once it is out. */
			sp_send_snapshot(p);
			break;
		}
		if (p->cursor == before)
			break;
	}
	if (pu.sent > 0)
		conn_flush(p->c);
}

void
sync_flush(struct sync *sy)
{
	uint64_t applied = store_applied(sy->t->store);
	uint32_t i;

	if (applied == sy->applied_seen)
		return;
	sy->applied_seen = applied;
	for (i = 1; i <= sy->n; i++)
		if (i != sy->self)
			sp_pump(&sy->peers[i]);
}

/*
 * Every TRIM_MS: let go of the ops every other tracker holds (only once
 * each has told us what it holds since we started), and of the oldest
 * beyond the log's bound whoever holds them; a step at a time, so the
 * loop never stalls long.
 */
static void
sync_trim(void *arg)
{
	struct sync *sy = arg;
	uint64_t held[TRACKERS_MAX + 1], trimmed;
	uint32_t i, o;
	int all = 1;

	for (o = 1; o <= sy->n; o++)
		held[o] = UINT64_MAX;
	for (i = 1; i <= sy->n; i++) {
		struct speer *p = &sy->peers[i];

		if (i == sy->self)
			continue;
		all = all && p->known;
		for (o = 1; o <= sy->n; o++)
			if (p->held[o] < held[o])
				held[o] = p->held[o];
	}
	if (store_trim(sy->t->store, all ? held : NULL, sy->n,
	    sy->t->log_keep, &trimmed) != ST_OK)
		log_warnx("sync: cannot trim the op log");
	else if (trimmed > 0)
		log_debug("sync: %llu ops trimmed from the log",
		    (unsigned long long)trimmed);
	sy->trim = loop_timer(sy->t->loop, TRIM_MS, sync_trim, sy);
}

/*
 * Once a second: channels stuck before READY are dropped, and ready ones
 * pumped (a pump that stopped on a full output queue has no other wake).
 */
static void
sync_tick(void *arg)
{
	struct sync *sy = arg;
	uint64_t now = loop_now(sy->t->loop);
	uint32_t i;

	struct pending *pd;

	for (i = 1; i <= sy->n; i++) {
		struct speer *p = &sy->peers[i];

		if (p->c != NULL && p->state != SP_READY &&
		    now - p->since > AUTH_MS)
			sp_drop(p->c, "no proof in time");
		else if (p->c != NULL && conn_stalled(p->c, now, FRAME_MS))
			sp_drop(p->c, "a frame took too long to arrive");
		else if (i != sy->self)
			sp_pump(p);	/* in case output was full at the last */
	}
	/* A tracker's HELLO is not a pass: AUTH comes in time, or it goes. */
	for (pd = sy->pending; pd != NULL; pd = pd->next)
		if (now - pd->since > AUTH_MS)
			conn_close(pd->c, "no AUTH in time");
	sy->tick = loop_timer(sy->t->loop, 1000, sync_tick, sy);
}

/*
 * Every BEAT_TICK_MS: dials past their time are given up; a ready
 * channel that heard nothing for SILENT_MS is dropped (and dialled
 * again), the others get a BEAT every BEAT_MS.
 */
static void
sync_beat(void *arg)
{
	struct sync *sy = arg;
	uint64_t now = loop_now(sy->t->loop);
	struct wire_enc e;
	uint32_t i;
	unsigned k;

	for (i = 1; i <= sy->n; i++) {
		struct speer *p = &sy->peers[i];

		for (k = 0; k < DIALS; k++)
			if (p->dial[k] != NULL &&
			    now - p->dial_at[k] > DIAL_MS)
				conn_close(p->dial[k], "no answer in time");
		if (p->state != SP_READY || conn_closing(p->c))
			continue;
		if (now - conn_last_rx(p->c) > SILENT_MS) {
			sp_drop(p->c, "nothing heard for 2.5 s");
			continue;
		}
		if (now - p->beat_at < BEAT_MS)
			continue;
		p->beat_at = now;
		wire_begin(&e, conn_out(p->c), WT_BEAT, 0);
		wire_put_u64(&e, store_wall_ms());
		wire_end(&e);
		conn_flush(p->c);
	}
	sp_cluster_clock(sy, now);
	sy->beat = loop_timer(sy->t->loop, BEAT_TICK_MS, sync_beat, sy);
}

void
sync_presence(struct sync *sy, const uint8_t key[32], int up)
{
	struct wire_enc e;
	uint32_t i;

	for (i = 1; i <= sy->n; i++) {
		struct speer *p = &sy->peers[i];

		if (p->state != SP_READY)
			continue;
		wire_begin(&e, conn_out(p->c), WT_S_ONLINE, 0);
		wire_put_u8(&e, up != 0);
		wire_put_blob(&e, key, 32);
		wire_end(&e);
		conn_flush(p->c);
	}
}

void
sync_cut(struct sync *sy, int cut)
{
	uint32_t i;

	sy->cut = cut;
	for (i = 1; i <= sy->n; i++) {
		struct speer *p = &sy->peers[i];

		if (i == sy->self)
			continue;
		if (cut)
			dial_drop_all(p, "sync channel cut (test switch)");
		if (cut && p->c != NULL)
			conn_close(p->c, "sync channel cut (test switch)");
		else if (!cut && p->c == NULL)
			sp_schedule(p);
	}
}

struct sync *
sync_new(struct tracker *t, const uint8_t *secret, size_t secretlen)
{
	struct sync *sy = xcalloc(1, sizeof(*sy));
	uint32_t id;

	sy->t = t;
	sy->self = (uint32_t)t->self + 1;
	sy->n = (uint32_t)t->cluster.n;
	if (secret != NULL && secretlen > 0 && secretlen <= SYNC_SECRET_MAX) {
		memcpy(sy->secret, secret, secretlen);
		sy->secretlen = secretlen;
	}
	for (id = 1; id <= sy->n; id++) {
		sy->peers[id].sy = sy;
		sy->peers[id].id = id;
		sp_reset(&sy->peers[id]);
		if (id != sy->self && sy->self < id)
			sy->peers[id].retry = loop_timer(t->loop, 0, sp_connect,
			    &sy->peers[id]);
	}
	sy->applied_seen = store_applied(t->store);
	sy->tick = loop_timer(t->loop, 1000, sync_tick, sy);
	sy->trim = loop_timer(t->loop, TRIM_MS, sync_trim, sy);
	sy->beat = loop_timer(t->loop, BEAT_TICK_MS, sync_beat, sy);
	return sy;
}

void
sync_shutdown(struct sync *sy)
{
	struct pending *pd;
	uint32_t i;

	for (i = 1; i <= sy->n; i++) {
		struct speer *p = &sy->peers[i];

		if (p->retry != NULL)
			loop_timer_cancel(sy->t->loop, p->retry);
		p->retry = NULL;
		dial_drop_all(p, "shutting down");
		if (p->c != NULL) {
			conn_set_ops(p->c, &orphan_ops, NULL);
			conn_close(p->c, "shutting down");
		}
		sp_reset(p);
	}
	/* Reaped (and unlinked) before sync_free(): loop_drain() runs first. */
	for (pd = sy->pending; pd != NULL; pd = pd->next)
		conn_close(pd->c, "shutting down");
	sy->cut = 1;	/* nothing reconnects */
	loop_timer_cancel(sy->t->loop, sy->tick);
	loop_timer_cancel(sy->t->loop, sy->trim);
	loop_timer_cancel(sy->t->loop, sy->beat);
	sy->tick = sy->trim = sy->beat = NULL;
}

void
sync_free(struct sync *sy)
{
	if (sy == NULL)
		return;
	explicit_bzero(sy->secret, sizeof(sy->secret));
	free(sy);
}
