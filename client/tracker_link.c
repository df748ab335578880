/*
 * tracker_link.c - requests to the tracker cluster (see tracker_link.h).
 *
 * States: IDLE (no connection) -> CONNECTING -> HELLO (ours sent, waiting
 * for theirs) -> READY.  Each request keeps its encoded frame until it is
 * answered, so a failover can send it again unchanged.
 *
 * A request goes out again on each new connection until it is answered,
 * but not for ever: one that was out on REQ_TRIES connections that all
 * closed before its reply (a tracker that closes on it every time, say
 * for a reply over LINK_IN_MAX) fails with an error saying so, and the
 * requests after it go on.
 *
 * Owns the one tracker connection and the queue of unanswered requests.
 * It never interprets a reply to a request (the request's callback does)
 * and never blocks: connects are non-blocking, deadlines are loop timers.
 * Frames the tracker sends unasked (WT_CHANGED notices) go to the notice
 * hook, which also hears of each new connection (subscriptions are a
 * connection's).  A request's callback is called exactly once, unless
 * its owner cancelled it (tlink_cancel()): then never.
 */
#include "tracker_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "pins.h"
#include "rbuf.h"
#include "tls.h"
#include "trackers.h"
#include "wire.h"
#include "xalloc.h"

#define CONNECT_MS	3000	/* connect + HELLO, per tracker */
#define REPLY_MS	15000	/* a reply overdue this long: fail over */
/*
 * Liveness: once the HELLO is through, a BEAT a second to the tracker,
 * which then beats back (tracker/link.c); a tracker heard from not at all
 * for SILENT_MS is taken for gone (its host down, a partition, the
 * process stopped): the link fails over within SILENT_MS + 1 s, and the
 * requests waiting are sent again to the next tracker.
 */
#define SILENT_MS	4000
#define LINK_IN_MAX	(WIRE_HDR + 32 * 1024 * 1024)
#define REQ_TRIES	4	/* connections lost with a request out, at most */
#define LINK_OUT_MAX	(64 * 1024 * 1024)

enum tstate { T_IDLE, T_CONNECTING, T_HELLO, T_READY };

struct treq {
	uint32_t	 id;
	uint64_t	 sent;		/* loop time it last went out */
	int		 out;		/* went out on the current connection */
	unsigned	 lost;		/* connections closed while it was out */
	struct buf	 frame;
	tlink_cb	 cb;
	void		*arg;
	struct treq	*next;
};

struct tlink {
	struct loop			*loop;
	const struct tracker_list	*tl;
	enum tstate			 state;
	struct conn			*c;
	size_t				 cur;		/* tracker in use */
	size_t				 tried;		/* failures in a row */
	uint32_t			 next_id;
	struct treq			*head, **tail;
	struct treq			*building;
	struct wire_enc			 enc;
	struct loop_timer		*timer;
	char				 lasterr[1024];
	void				(*ready_cb)(void *);
	void				*ready_arg;
	void				(*notice_cb)(void *,
					    const struct wire_msg *);
	void				*notice_arg;
	struct tls_ctx			*tls;
	const char			*known;
	char				 refused[1024];	/* a tracker's key
							   was refused: why */
};

static void	link_connect(struct tlink *);

struct tlink *
tlink_new(struct loop *l, const struct tracker_list *tl, struct tls_ctx *tls,
    const char *known)
{
	struct tlink *t = xcalloc(1, sizeof(*t));

	t->loop = l;
	t->tl = tl;
	t->tls = tls;
	t->known = known;
	t->tail = &t->head;
	/* Random first id: ids stay unique across this client's restarts. */
	if (random_bytes(&t->next_id, sizeof(t->next_id)) == -1)
		t->next_id = 1;
	return t;
}

static void
req_free(struct treq *r)
{
	buf_free(&r->frame);
	free(r);
}

void
tlink_free(struct tlink *t)
{
	struct treq *r;

	if (t == NULL)
		return;
	if (t->c != NULL) {
		conn_set_arg(t->c, NULL);
		conn_close(t->c, "client exiting");
	}
	while ((r = t->head) != NULL) {
		t->head = r->next;
		req_free(r);
	}
	if (t->building != NULL)
		req_free(t->building);
	loop_timer_cancel(t->loop, t->timer);
	free(t);
}

void
tlink_on_ready(struct tlink *t, void (*cb)(void *), void *arg)
{
	t->ready_cb = cb;
	t->ready_arg = arg;
}

void
tlink_on_notice(struct tlink *t, void (*cb)(void *, const struct wire_msg *),
    void *arg)
{
	t->notice_cb = cb;
	t->notice_arg = arg;
}

unsigned
tlink_pending(const struct tlink *t)
{
	unsigned n = 0;
	const struct treq *r;

	for (r = t->head; r != NULL; r = r->next)
		n++;
	return n;
}

/* The callback of a request whose owner went away (tlink_cancel()). */
static void
unheard(void *arg, const struct wire_msg *m, const char *err)
{
	(void)arg;
	(void)m;
	(void)err;
}

void
tlink_cancel(struct tlink *t, const void *arg)
{
	struct treq *r;

	for (r = t->head; r != NULL; r = r->next)
		if (r->arg == arg) {
			r->cb = unheard;
			r->arg = NULL;
		}
}

/* Fail every waiting request with msg. */
static void
fail_all(struct tlink *t, const char *msg)
{
	struct treq *r;

	while ((r = t->head) != NULL) {
		t->head = r->next;
		if (t->head == NULL)
			t->tail = &t->head;
		r->cb(r->arg, NULL, msg);
		req_free(r);
	}
}

static void
send_pending(struct tlink *t)
{
	struct treq *r;

	for (r = t->head; r != NULL; r = r->next) {
		if (buf_append(conn_out(t->c), buf_head(&r->frame),
		    buf_used(&r->frame)) == -1) {
			conn_close(t->c, "output queue full");
			return;
		}
		r->sent = loop_now(t->loop);
		r->out = 1;
	}
	conn_flush(t->c);
}

/*
 * The current tracker is gone: move on to the next, failing the waiting
 * requests once every tracker has failed in a row.  A connection that
 * was working (counted 0) starts a round that ends with that tracker
 * again: with one tracker, a connection it closed (a commit that failed
 * on a full disk drops every connection, its replies unsent) is made
 * again and the requests sent again, so they get the tracker's own
 * answer (the disk is full) rather than "unreachable".  The caller
 * reconnects.
 */
static void
link_lost(struct tlink *t, const char *why, int counted)
{
	char msg[1200];
	int refusal = t->refused[0] != '\0';

	t->c = NULL;
	t->state = T_IDLE;
	if (refusal) {
		snprintf(t->lasterr, sizeof(t->lasterr), "%s", t->refused);
		t->refused[0] = '\0';
	} else
		snprintf(t->lasterr, sizeof(t->lasterr), "%.253s:%u: %.120s",
		    t->tl->v[t->cur].host, t->tl->v[t->cur].port, why);
	log_debug("tracker %s", t->lasterr);
	t->cur = (t->cur + 1) % t->tl->n;
	if (!counted)
		return;
	if (++t->tried < t->tl->n) {
		/* Going on with the next one: the refusal is still said. */
		if (refusal)
			log_warnx("%s", t->lasterr);
	} else {
		t->tried = 0;
		if (t->tl->n == 1 && refusal)
			snprintf(msg, sizeof(msg), "%s", t->lasterr);
		else if (t->tl->n == 1)
			snprintf(msg, sizeof(msg), "tracker unreachable (%s)",
			    t->lasterr);
		else
			snprintf(msg, sizeof(msg), "no tracker reachable "
			    "(tried %zu; last: %s)", t->tl->n, t->lasterr);
		fail_all(t, msg);
	}
}

/*
 * The connection closed: each request that was out on it has one more
 * loss; those at REQ_TRIES are taken off the queue and returned (in
 * order, through their next), for the caller to fail once the link's
 * state is settled.
 */
static struct treq *
take_lost(struct tlink *t)
{
	struct treq *r, **pp = &t->head, *doomed = NULL, **dt = &doomed;

	while ((r = *pp) != NULL) {
		if (r->out) {
			r->out = 0;
			r->lost++;
		}
		if (r->lost < REQ_TRIES) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		if (t->tail == &r->next)
			t->tail = pp;
		r->next = NULL;
		*dt = r;
		dt = &r->next;
	}
	return doomed;
}

static void
on_closed(struct conn *c, const char *why, void *arg)
{
	struct tlink *t = arg;
	struct treq *doomed, *r;
	char msg[1200];
	int was_ready;

	(void)c;
	if (t == NULL)
		return;		/* tlink_free() let go of it */
	loop_timer_cancel(t->loop, t->timer);
	t->timer = NULL;
	doomed = take_lost(t);
	if (doomed != NULL)
		snprintf(msg, sizeof(msg), "the tracker closed the "
		    "connection %d times while the request waited for its "
		    "reply (last: %.253s:%u: %.120s); given up", REQ_TRIES,
		    t->tl->v[t->cur].host, t->tl->v[t->cur].port, why);
	was_ready = t->state == T_READY;
	if (was_ready) {
		/*
		 * A tracker we were using went away: a new round starts at
		 * the next one listed, and goes round to this one again.
		 * Sessions are valid on every tracker of the cluster, and a
		 * request sent again is recognised by its id, so the user
		 * sees nothing of the move.
		 */
		t->tried = 0;
	}
	link_lost(t, why, !was_ready);
	/* Idle now: a callback's next request starts a connection. */
	while ((r = doomed) != NULL) {
		doomed = r->next;
		r->cb(r->arg, NULL, msg);
		req_free(r);
	}
	/*
	 * A working link lost: on with the next tracker at once, requests
	 * or not, so the session is online there (the ready hook) before
	 * the next command.
	 */
	if (t->head != NULL || was_ready)
		link_connect(t);
}

/* Liveness (see SILENT_MS): 0, or -1 when the link was closed. */
static int
beat(struct tlink *t, uint64_t now)
{
	struct wire_enc e;

	if (now - conn_last_rx(t->c) > SILENT_MS) {
		log_info("%s: nothing heard for %d s: trying the next tracker",
		    conn_name(t->c), SILENT_MS / 1000);
		conn_close(t->c, "tracker silent");
		return -1;
	}
	wire_begin(&e, conn_out(t->c), WT_BEAT, 0);
	wire_put_u64(&e, 0);	/* our clock is no one's business */
	wire_end(&e);
	conn_flush(t->c);
	return 0;
}

/*
 * Did the tracker at a prove the key pinned for it?  0 if so (or if it
 * is new to us: then it is remembered); -1 with msg filled if not.
 */
static int
check_key(struct tlink *t, struct conn *c, const struct tracker_addr *a,
    char *msg, size_t len)
{
	char name[HOST_MAX + 8], fp[TLS_FP_TEXT], was[TLS_FP_TEXT], err[512];
	uint8_t got[TLS_FP_LEN], old[TLS_FP_LEN];
	unsigned line = 0;

	if (t->tls == NULL)
		return 0;		/* P2PS_BENCH_PLAINTEXT */
	if (conn_peer_fp(c, got) == -1) {
		snprintf(msg, len, "tracker %s proved no key", conn_name(c));
		return -1;
	}
	tls_fp_text(got, fp);
	if (a->pinned) {
		if (memcmp(a->fp, got, TLS_FP_LEN) == 0)
			return 0;
		tls_fp_text(a->fp, was);
		snprintf(msg, len, "tracker %s answered with key %s, but "
		    "tracker_info.txt pins %s for it: refused", conn_name(c),
		    fp, was);
		return -1;
	}
	snprintf(name, sizeof(name), "%s:%u", a->host, a->port);
	switch (pin_check(t->known, name, got, 1, old, &line, err,
	    sizeof(err))) {
	case PIN_MATCH:
		return 0;
	case PIN_NEW:
		log_info("tracker %s: key %s remembered in %s", name, fp,
		    t->known);
		return 0;
	case PIN_MISMATCH:
		tls_fp_text(old, was);
		snprintf(msg, len, "tracker %s answered with key %s, not %s "
		    "as remembered in %s line %u: refused (if its key was "
		    "changed on purpose, delete that line)", name, fp, was,
		    t->known, line);
		return -1;
	default:
		snprintf(msg, len, "cannot check tracker %s's key: %s", name,
		    err);
		return -1;
	}
}

static void
on_connected(struct conn *c, void *arg)
{
	struct tlink *t = arg;
	char msg[1024];

	if (check_key(t, c, &t->tl->v[t->cur], msg, sizeof(msg)) == -1) {
		/*
		 * Before anything is sent: not even the HELLO.  Said once:
		 * as the error of the requests if no tracker answers, as a
		 * warning if another one does.
		 */
		snprintf(t->refused, sizeof(t->refused), "%s", msg);
		conn_close(c, "the tracker proved another key");
		return;
	}
	t->state = T_HELLO;
	wire_hello(conn_out(c), ROLE_CLIENT);
}

static void
on_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	struct tlink *t = arg;
	struct treq *r, **pp;
	const char *why;
	char esc[512];

	if (t->state == T_HELLO) {
		if (wire_hello_check(m, ROLE_TRACKER, &why) == -1) {
			if (m->h.type == WT_ERROR)
				why = m->f[ERROR_MSG].s;
			log_warnx("%s: tracker refused: %s", conn_name(c),
			    log_escape(esc, sizeof(esc), why, strlen(why)));
			conn_close(c, "tracker refused the HELLO");
			return;
		}
		t->state = T_READY;
		t->tried = 0;
		(void)beat(t, loop_now(t->loop));	/* we beat: it will too */
		send_pending(t);
		if (t->ready_cb != NULL)
			t->ready_cb(t->ready_arg);
		if (t->notice_cb != NULL && t->c == c && !conn_closing(c))
			t->notice_cb(t->notice_arg, NULL);
		return;
	}
	if (m->h.type == WT_BEAT)
		return;		/* it lives: conn noted the bytes */
	if (m->h.type == WT_CHANGED) {
		if (t->notice_cb != NULL)
			t->notice_cb(t->notice_arg, m);
		return;
	}
	for (pp = &t->head; (r = *pp) != NULL; pp = &r->next)
		if (r->id == m->h.id)
			break;
	if (r == NULL) {
		log_debug("%s: reply to unknown request %u", conn_name(c),
		    m->h.id);
		return;
	}
	*pp = r->next;
	if (t->tail == &r->next)
		t->tail = pp;
	r->cb(r->arg, m, NULL);
	req_free(r);
}

static const struct conn_ops link_ops = {
	.frame = on_frame,
	.closed = on_closed,
	.connected = on_connected,
};

/* Once a second while connected: deadlines, and our BEAT. */
static void
watchdog(void *arg)
{
	struct tlink *t = arg;
	uint64_t now = loop_now(t->loop);

	t->timer = NULL;
	if (t->c == NULL)
		return;
	if (t->state != T_READY && now - conn_last_rx(t->c) > CONNECT_MS) {
		conn_close(t->c, "no answer in time");
		return;
	}
	if (t->state == T_READY && t->head != NULL &&
	    now - t->head->sent > REPLY_MS) {
		conn_close(t->c, "reply overdue");
		return;
	}
	if (t->state == T_READY && beat(t, now) == -1)
		return;
	t->timer = loop_timer(t->loop, 1000, watchdog, t);
}

static void
link_connect(struct tlink *t)
{
	const struct tracker_addr *a;
	char err[256], name[HOST_MAX + 8];
	int fd;

	while (t->state == T_IDLE) {
		a = &t->tl->v[t->cur];
		snprintf(name, sizeof(name), "%s:%u", a->host, a->port);
		if ((fd = net_connect(a->host, a->port, err,
		    sizeof(err))) == -1) {
			link_lost(t, err, 1);
			if (t->head == NULL)
				return;
			continue;
		}
		net_quick_retransmit(fd);
		if ((t->c = conn_new(t->loop, fd, name, 1, &link_ops, t,
		    LINK_IN_MAX, LINK_OUT_MAX)) == NULL) {
			link_lost(t, "cannot watch socket", 1);
			if (t->head == NULL)
				return;
			continue;
		}
		if (t->tls != NULL && conn_start_tls(t->c, t->tls,
		    name) == -1)
			conn_close(t->c, "cannot start TLS");
		t->state = T_CONNECTING;
		t->timer = loop_timer(t->loop, 1000, watchdog, t);
	}
}

struct wire_enc *
tlink_begin(struct tlink *t, unsigned type)
{
	struct treq *r = xcalloc(1, sizeof(*r));

	if (t->building != NULL)
		req_free(t->building);
	r->id = t->next_id++;
	buf_init(&r->frame, LINK_OUT_MAX);
	wire_begin(&t->enc, &r->frame, type, r->id);
	t->building = r;
	return &t->enc;
}

void
tlink_send(struct tlink *t, tlink_cb cb, void *arg)
{
	struct treq *r = t->building;

	t->building = NULL;
	if (r == NULL || wire_end(&t->enc) == -1) {
		if (r != NULL)
			req_free(r);
		cb(arg, NULL, "request too large or malformed");
		return;
	}
	r->cb = cb;
	r->arg = arg;
	*t->tail = r;
	t->tail = &r->next;
	if (t->state == T_READY) {
		if (buf_append(conn_out(t->c), buf_head(&r->frame),
		    buf_used(&r->frame)) == -1) {
			conn_close(t->c, "output queue full");
			return;
		}
		r->sent = loop_now(t->loop);
		r->out = 1;
		conn_flush(t->c);
	} else if (t->state == T_IDLE) {
		link_connect(t);
	}
}
