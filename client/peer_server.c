/*
 * peer_server.c - serve verified pieces of shared files to other peers
 * (see peer_server.h).
 *
 * A peer connects, says HELLO (role peer), then WANTs files by their
 * whole-file SHA1 with a ticket from the tracker: it gets the bitfield of
 * verified pieces and, from then on, a HAVE for every piece verified
 * later (the shares' have hook).  A ticket ends (the tracker's
 * --ticket-seconds): the peer renews it with another WANT on the same
 * link, and a file whose ticket ended is served no more there, so a
 * member who left the group or logged out is cut off also on a
 * connection it keeps open.  It REQUESTs blocks; each is checked
 * (file shared, piece verified, range inside the piece, size bounded) and
 * answered with a PIECE header followed by the bytes straight from the
 * file with sendfile.  Nothing is ever looked up by name or path from the
 * network.  A peer that queues too many requests without reading the
 * answers, or sends anything malformed, is dropped.
 *
 * Seeding (the whole file here): every piece once before any twice.  A
 * peer is not shown the whole bitfield but a few pieces at a time (seed.h
 * says which: first those never shown, then second copies where the swarm
 * is thinnest, never one still on its way), and more as it has them (it
 * says HAVE, as downloaders tell their sources) or has been sent all of
 * one.  So a scarce uplink carries pieces the swarm lacks, and the
 * downloaders pass them on among themselves instead of all asking the
 * seeder for the same ones (libtorrent calls this super-seeding).  The
 * pieces shown ahead are SEED_BUDGET shared between the peers following
 * the file (SEED_MIN each at least), so a lone fast downloader's pipeline
 * never runs dry.
 *
 * Upload slots (upload.h): a seeder serves the peers following its file
 * in turns, UP_SLOTS at a time, a unit a turn, so each unit it sends is
 * whole at its peer after a unit's time on the link, not after a unit's
 * time times the number of peers, and the peer passes it on at once.  The
 * kernel holds little unsent (PS_LOWAT), so a turn ends when its bytes
 * are nearly gone.  Requests of a file not seeded here are served with no
 * turn: a downloader's uplink is shared by TCP, because a peer whose
 * requests waited there in line could not ask another for them (tried:
 * at N = 16 the swarm took 50-57 s instead of 33).  They are handed to
 * the connection only PS_AHEAD blocks ahead of what it sends, so a
 * CANCEL still finds the rest here and no uplink sends a block twice.
 *
 * Owns the accepted connections (one list per process).  Only the loop
 * thread runs this; it never writes a share or reads a file into memory.
 */
#include "peer_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "conn.h"
#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "picker.h"
#include "rbuf.h"
#include "seed.h"
#include "shares.h"
#include "tls.h"
#include "upload.h"
#include "wire.h"
#include "xalloc.h"

#define PS_MAX_CONNS	512
/*
 * Links following a file at once: each holds TLS buffers and a 64 KiB
 * stage, ~110 KiB, while it is served.  One more is refused (BUSY) and
 * its downloader tries again later, meanwhile asking other sources.
 */
#define PS_MAX_SERVED	64
#define PS_MAX_SUBS	32	/* files one connection may follow */
#define PS_MAX_QUEUED	256	/* blocks queued, not yet sent */
#define PS_AHEAD	2	/* no-turn blocks a connection holds */
#define PS_SETTLE_MS	100	/* a newcomer's share: after this */
#define PS_IN_MAX	(64 * 1024)
#define PS_OUT_MAX	(4 * 1024 * 1024)
#define PS_IDLE_MS	(5 * 60 * 1000)
#define PS_FRAME_MS	(15 * 1000)	/* to receive one frame */
#define PS_HELLO_MS	(10 * 1000)
/*
 * A link is a stranger's until it WANTs a file with a valid ticket (the
 * tracker vouched for it): strangers get PS_WANT_MS to do so, whatever
 * else they send (a CANCEL keeps nothing), and at most PS_ADDR_STRANGERS
 * (384) of them from one address hold links at once, so one address
 * cannot take every one of the PS_MAX_CONNS (t_limits holds 300 from
 * one address, a dribbler and a greedy peer beside them).
 */
#define PS_WANT_MS	(20 * 1000)	/* after the frame deadline: a
					   stranger mid-frame meets that */
#define PS_ADDR_STRANGERS (PS_MAX_CONNS * 3 / 4)
#define PS_TURN_MS	2000	/* an upload turn longer than this is cut */
#define PS_LOWAT	(128 * 1024)	/* unsent bytes the kernel may hold */
/* A share's units a 512 KiB piece (wire.h): seeding budgets are bytes. */
#define UNITS_A_PIECE(s) ((unsigned)(WIRE_PIECE_LEN / (s)->unit_len))

/* A file a connection follows, until its ticket ends. */
struct sub {
	uint8_t		 sha1[20];
	uint64_t	 expiry;	/* unix seconds */
	uint32_t	 npieces;
	struct bitfield	 theirs;	/* pieces it says it has */
	/* Seeding: what it was shown, and how far each shown piece went. */
	int		 seeding;
	struct bitfield	 shown;
	uint32_t	*sent;		/* per piece: bytes sent to it */
	unsigned	 open;		/* shown, neither had nor all sent */
};

struct pconn {
	struct up_slot	 slot;		/* first: up_next() gives it back */
	struct up_queue	 q;		/* requests waiting for a turn */
	struct up_queue	 now;		/* no turn: waiting for the link */
	struct client	*cl;
	struct conn	*c;
	int		 hello;
	int		 vouched;	/* a WANT with a valid ticket came */
	uint64_t	 since;		/* accepted at */
	unsigned	 nsubs;
	struct sub	 subs[PS_MAX_SUBS];
	struct pconn	*prev, *next;
};

static struct pconn	*pconns;
static size_t		 npconns;
static struct up_sched	 sched;		/* this client's upload slots */
static int		 settling;	/* newcomers: their share is due */

static void	serve_next(uint64_t now);

static uint32_t
piece_len(const struct share *s, uint32_t i)
{
	uint64_t left = s->size - (uint64_t)i * s->unit_len;

	return left < s->unit_len ? (uint32_t)left : s->unit_len;
}

static void
sub_free(struct client *cl, struct sub *sub)
{
	struct share *s;
	uint32_t i;

	if (sub->seeding && (s = shares_find(cl, sub->sha1)) != NULL) {
		if (s->followers > 0)
			s->followers--;
		for (i = 0; s->seed != NULL && i < sub->npieces; i++)
			if (bitfield_get(&sub->theirs, i))
				(void)seed_held(s->seed, i, -1);
			else if (bitfield_get(&sub->shown, i) &&
			    sub->sent[i] < piece_len(s, i))
				seed_unshow(s->seed, i);
	}
	bitfield_free(&sub->theirs);
	bitfield_free(&sub->shown);
	free(sub->sent);
	memset(sub, 0, sizeof(*sub));
}

/*
 * Show sub's peer up to most more pieces (seed_pick()), while it has
 * fewer than its share open (seed_open()); with have, each in a HAVE
 * (else the caller sends the bitfield).  A newcomer is shown SEED_MIN
 * pieces, and its share PS_SETTLE_MS later, when the peers that started
 * with it have come too (shown its share at once, the first of 16 peers
 * that start together had 16 pieces open, the last 2; it got a piece
 * every 16 turns, and the lease showed its pieces to others again: 7 MiB
 * of second copies from the seeder); then a peer at most doubles what it
 * has open with each piece it closes.  (SEED_MIN with no settling, only
 * doubling as pieces close, cost a lone downloader of four seeders a
 * fifth of its speed: each seeder showed the same two pieces.)
 */
static void
show_more(struct pconn *p, struct sub *sub, struct share *s, int have,
    unsigned most)
{
	unsigned want = seed_open(s->followers, UNITS_A_PIECE(s));
	struct wire_enc e;
	uint32_t best;

	if (s->seed == NULL) {
		s->seed = xcalloc(1, sizeof(*s->seed));
		seed_init(s->seed, s->nunits);
	}
	while (sub->open < want && most-- > 0) {
		best = seed_pick(s->seed, &sub->shown, &sub->theirs,
		    loop_now(p->cl->loop));
		if (best == UINT32_MAX)
			return;		/* nothing to show it now */
		bitfield_set(&sub->shown, best);
		seed_shown(s->seed, best, loop_now(p->cl->loop));
		sub->open++;
		if (!have)
			continue;
		wire_begin(&e, conn_out(p->c), WT_P_HAVE, 0);
		wire_put_hash(&e, s->sha1);
		wire_put_u32(&e, best);
		if (wire_end(&e) == -1) {
			conn_close(p->c, "output full");
			return;
		}
		conn_flush(p->c);
	}
}

/*
 * A piece left whole for the first time: followers waiting for something
 * to be shown (seed.h, rule 3) may be shown it now.
 */
static void
seed_topup(struct share *s)
{
	struct pconn *p;
	unsigned i, want = seed_open(s->followers, UNITS_A_PIECE(s));

	for (p = pconns; p != NULL; p = p->next)
		for (i = 0; i < p->nsubs; i++)
			if (p->subs[i].seeding && p->subs[i].open < want &&
			    memcmp(p->subs[i].sha1, s->sha1, 20) == 0 &&
			    !conn_closing(p->c))
				show_more(p, &p->subs[i], s, 1, 1);
}

/* Newcomers have settled: every followed file's followers their share. */
static void
ps_settled(void *arg)
{
	struct client *cl = arg;
	struct pconn *p;
	struct share *s;
	unsigned i;

	settling = 0;
	for (p = pconns; p != NULL; p = p->next)
		for (i = 0; i < p->nsubs; i++)
			if (p->subs[i].seeding && !conn_closing(p->c) &&
			    (s = shares_find(cl, p->subs[i].sha1)) != NULL)
				show_more(p, &p->subs[i], s, 1,
				    SEED_BUDGET * UNITS_A_PIECE(s));
}

/* A shown piece went as far as it will: had, or sent whole. */
static void
piece_closed(struct pconn *p, struct sub *sub, struct share *s)
{
	if (sub->open > 0)
		sub->open--;
	show_more(p, sub, s, 1, 1 + (sub->open > 0 ? sub->open : 1));
}

/*
 * The peer has piece i (its HAVE or bitfield).  Adds to *closed if that
 * closed a piece shown to it, to *out if it is the first copy known to
 * have left (the caller shows more once it knows all the peer has).
 */
static void
their_piece(struct sub *sub, struct share *s, uint32_t i, unsigned *closed,
    unsigned *out)
{
	if (bitfield_get(&sub->theirs, i))
		return;
	bitfield_set(&sub->theirs, i);
	if (!sub->seeding)
		return;
	if (s->seed != NULL && seed_held(s->seed, i, 1))
		(*out)++;
	if (!bitfield_get(&sub->shown, i) || sub->sent[i] >= piece_len(s, i))
		return;
	if (sub->open > 0)
		sub->open--;
	(*closed)++;
}

static void
ps_closed(struct conn *c, const char *why, void *arg)
{
	struct pconn *p = arg;
	uint8_t seeded[PS_MAX_SUBS][20];
	unsigned i, nseeded = 0;
	struct share *s;

	(void)c;
	(void)why;
	up_remove(&sched, &p->slot);
	up_queue_free(&p->q);
	up_queue_free(&p->now);
	serve_next(loop_now(p->cl->loop));
	for (i = 0; i < p->nsubs; i++) {
		if (p->subs[i].seeding)
			memcpy(seeded[nseeded++], p->subs[i].sha1, 20);
		sub_free(p->cl, &p->subs[i]);
	}
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		pconns = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	npconns--;
	/* What it was shown and never had may go to the others now. */
	for (i = 0; i < nseeded; i++)
		if ((s = shares_find(p->cl, seeded[i])) != NULL &&
		    s->seed != NULL)
			seed_topup(s);
	free(p);
}

static void
drop(struct pconn *p, const char *why)
{
	log_warnx("%s: dropping peer: %s", conn_name(p->c), why);
	conn_close(p->c, why);
}

static void
send_error(struct pconn *p, uint32_t id, unsigned code, const char *msg)
{
	if (wire_error(conn_out(p->c), id, code, msg) == -1)
		conn_close(p->c, "output full");
	else
		conn_flush(p->c);
}

/* Connections that follow a file. */
static size_t
served(void)
{
	const struct pconn *q;
	size_t n = 0;

	for (q = pconns; q != NULL; q = q->next)
		n += q->nsubs > 0;
	return n;
}

/* The file this connection WANTed (with a valid ticket), or NULL. */
static struct sub *
sub_find(struct pconn *p, const uint8_t *sha)
{
	unsigned i;

	for (i = 0; i < p->nsubs; i++)
		if (memcmp(p->subs[i].sha1, sha, 20) == 0)
			return &p->subs[i];
	return NULL;
}

/*
 * Forget the files whose ticket ended before now; 1 if the connection
 * followed some and follows none any more.
 */
static int
subs_expire(struct pconn *p, uint64_t now)
{
	unsigned i, had = p->nsubs;

	for (i = 0; i < p->nsubs; )
		if (p->subs[i].expiry < now) {
			sub_free(p->cl, &p->subs[i]);
			p->subs[i] = p->subs[--p->nsubs];
		} else
			i++;
	return had > 0 && p->nsubs == 0;
}

static void
on_want(struct pconn *p, const struct wire_msg *m)
{
	const uint8_t *sha = m->f[PEER_SHA1].p;
	struct share *s = shares_find(p->cl, sha);
	uint8_t mine[TLS_FP_LEN], asker[TLS_FP_LEN];
	uint64_t now = (uint64_t)time(NULL), expiry;
	struct wire_enc e;
	struct sub *sub;

	if (s == NULL || !p->cl->logged_in) {
		send_error(p, m->h.id, WE_NOTFOUND, "not shared here");
		return;
	}
	/*
	 * Only for a requester a tracker vouches for (a member), and only
	 * the one it named: the ticket names our key and the asker's, which
	 * this link proved.  (Under P2PS_BENCH_PLAINTEXT both are zero.)
	 */
	memset(mine, 0, sizeof(mine));
	memset(asker, 0, sizeof(asker));
	if (p->cl->id != NULL)
		tls_id_fp(p->cl->id, mine);
	(void)conn_peer_fp(p->c, asker);
	if (ticket_check(p->cl->ticket_key, sha, m->f[WANT_TICKET].p,
	    m->f[WANT_TICKET].n, now, mine, asker) == -1) {
		log_info("%s: WANT without a valid ticket", conn_name(p->c));
		send_error(p, m->h.id, WE_DENIED, "no valid ticket from the "
		    "tracker for this file");
		return;
	}
	p->vouched = 1;
	expiry = ticket_expiry(m->f[WANT_TICKET].p, m->f[WANT_TICKET].n);
	if ((sub = sub_find(p, sha)) != NULL) {
		/* A renewal: the later end holds; a plain WANT is answered. */
		if (expiry > sub->expiry)
			sub->expiry = expiry;
		if (m->h.id == WIRE_ID_RENEW)
			return;
	} else {
		if (p->nsubs == 0 && served() >= PS_MAX_SERVED) {
			send_error(p, m->h.id, WE_BUSY, "serving too many "
			    "peers");
			return;
		}
		if (p->nsubs == PS_MAX_SUBS) {
			send_error(p, m->h.id, WE_BUSY, "too many files");
			return;
		}
		sub = &p->subs[p->nsubs++];
		memcpy(sub->sha1, sha, 20);
		sub->expiry = expiry;
		sub->npieces = s->nunits;
		bitfield_init(&sub->theirs, s->nunits);
		if (bitfield_full(&s->have)) {
			/* Seeding: shown a few pieces at a time. */
			sub->seeding = 1;
			s->followers++;
			bitfield_init(&sub->shown, s->nunits);
			sub->sent = xcalloc(s->nunits + 1,
			    sizeof(*sub->sent));
			show_more(p, sub, s, 0, SEED_MIN);
			if (!settling) {
				settling = 1;
				loop_timer(p->cl->loop, PS_SETTLE_MS,
				    ps_settled, p->cl);
			}
		}
	}
	wire_begin(&e, conn_out(p->c), WT_P_BITFIELD, m->h.id);
	wire_put_hash(&e, s->sha1);
	if (sub->seeding)
		wire_put_blob(&e, sub->shown.bits,
		    (uint32_t)bitfield_bytes(sub->shown.n));
	else
		wire_put_blob(&e, s->have.bits,
		    (uint32_t)bitfield_bytes(s->have.n));
	if (wire_end(&e) == -1)
		conn_close(p->c, "output full");
	else
		conn_flush(p->c);
}

/*
 * Serve one request of share s, which sub follows: a PIECE header, then
 * the bytes straight from the file.
 */
static void
serve(struct pconn *p, const struct up_req *r, struct share *s,
    struct sub *sub)
{
	uint32_t plen;
	struct wire_enc e;

	wire_begin(&e, conn_out(p->c), WT_P_PIECE, r->id);
	wire_put_hash(&e, s->sha1);
	wire_put_u32(&e, r->piece);
	wire_put_u32(&e, r->off);
	if (wire_end_external(&e, r->len) == -1 ||
	    conn_sendfile(p->c, s->fd, (uint64_t)r->piece * s->unit_len +
	    r->off, r->len) == -1) {
		conn_close(p->c, "cannot queue piece");
		return;
	}
	if (sub->seeding) {
		uint32_t had = sub->sent[r->piece];

		plen = piece_len(s, r->piece);
		sub->sent[r->piece] = had + r->len > plen ? plen :
		    had + r->len;
		if (had < plen && sub->sent[r->piece] == plen) {
			if (seed_out(s->seed, r->piece))
				seed_topup(s);
			if (bitfield_get(&sub->shown, r->piece) &&
			    !bitfield_get(&sub->theirs, r->piece))
				piece_closed(p, sub, s);
		}
	}
}

/* Serve the request that waited first in q (popped). */
static void
serve_first(struct pconn *p, struct up_queue *q)
{
	struct up_req cur = *up_queue_peek(q);
	struct share *s;
	struct sub *sub;

	up_queue_pop(q);
	/* The share or the ticket may have gone while it waited. */
	if ((s = shares_find(p->cl, cur.sha1)) == NULL)
		send_error(p, cur.id, WE_NOTFOUND, "not shared here");
	else if ((sub = sub_find(p, cur.sha1)) == NULL)
		send_error(p, cur.id, WE_DENIED, "ticket ended: ask the "
		    "tracker for a new one");
	else
		serve(p, &cur, s, sub);
}

/* Serve p's waiting requests while its turn lasts (or wait for one). */
static void
pump(struct pconn *p, uint64_t now)
{
	const struct up_req *r;

	while (!conn_closing(p->c) && (r = up_queue_peek(&p->q)) != NULL &&
	    up_may_send(&sched, &p->slot, now)) {
		up_spend(&p->slot, r->len);
		serve_first(p, &p->q);
	}
	conn_flush(p->c);
}

/* No-turn requests: handed over as the connection sends. */
static void
pump_now(struct pconn *p)
{
	while (!conn_closing(p->c) && p->now.n > 0 &&
	    conn_file_queue(p->c) < PS_AHEAD)
		serve_first(p, &p->now);
	conn_flush(p->c);
}

/* Turns free: the peers first in line get them. */
static void
serve_next(uint64_t now)
{
	struct up_slot *sl;

	while ((sl = up_next(&sched, now)) != NULL)
		pump((struct pconn *)(void *)sl, now);
}

/* What a turn handed over has been written: the turn may end. */
static void
ps_drained(struct conn *c, void *arg)
{
	struct pconn *p = arg;
	uint64_t now = loop_now(p->cl->loop);

	(void)c;
	if (p->now.n > 0)
		pump_now(p);
	if (p->slot.state != UP_ACTIVE)
		return;
	if (p->slot.quantum > 0 && p->q.n > 0) {
		pump(p, now);
		return;
	}
	up_release(&sched, &p->slot, p->q.n > 0);
	serve_next(now);
}

static void
on_request(struct pconn *p, const struct wire_msg *m)
{
	const struct wire_field *f = m->f;
	struct share *s = shares_find(p->cl, f[PEER_SHA1].p);
	uint64_t piece = f[PEER_PIECE].u, off = f[BLOCK_OFFSET].u;
	uint64_t len = f[BLOCK_LENGTH].u, plen;
	struct up_req r;
	struct sub *sub;

	if (s == NULL || !p->cl->logged_in) {
		send_error(p, m->h.id, WE_NOTFOUND, "not shared here");
		return;
	}
	if ((sub = sub_find(p, s->sha1)) == NULL) {
		send_error(p, m->h.id, WE_DENIED, "WANT the file first, with a "
		    "ticket");
		return;
	}
	if (sub->expiry < (uint64_t)time(NULL)) {
		log_warnx("%s: dropping peer: its ticket ended",
		    conn_name(p->c));
		wire_error(conn_out(p->c), m->h.id, WE_DENIED, "ticket ended: "
		    "ask the tracker for a new one");
		conn_close_after_write(p->c, "ticket ended");
		return;
	}
	if (piece >= s->nunits) {
		drop(p, "request past the last piece");
		return;
	}
	plen = piece_len(s, (uint32_t)piece);
	if (len == 0 || len > WIRE_BLOCK_MAX || off >= plen ||
	    len > plen - off) {
		drop(p, "request outside the piece");
		return;
	}
	if (!bitfield_get(&s->have, (uint32_t)piece)) {
		send_error(p, m->h.id, WE_NOTFOUND, "piece not here");
		return;
	}
	memcpy(r.sha1, s->sha1, sizeof(r.sha1));
	r.id = m->h.id;
	r.piece = (uint32_t)piece;
	r.off = (uint32_t)off;
	r.len = (uint32_t)len;
	if (!sub->seeding && p->now.n == 0 &&
	    conn_file_queue(p->c) < PS_AHEAD) {
		serve(p, &r, s, sub);	/* see "Upload slots" above */
		conn_flush(p->c);
		return;
	}
	if (conn_file_queue(p->c) + p->q.n + p->now.n >= PS_MAX_QUEUED ||
	    up_queue_push(sub->seeding ? &p->q : &p->now, &r) == -1) {
		drop(p, "too many requests without reading");
		return;
	}
	if (sub->seeding)
		pump(p, loop_now(p->cl->loop));
	else
		pump_now(p);	/* see "Upload slots" above */
}

/* A request the peer no longer wants (endgame): forgotten if it waits. */
static void
on_cancel(struct pconn *p, const struct wire_msg *m)
{
	const struct wire_field *f = m->f;

	if (f[PEER_PIECE].u <= UINT32_MAX && f[BLOCK_OFFSET].u <= UINT32_MAX &&
	    f[BLOCK_LENGTH].u <= UINT32_MAX)
		if (up_queue_cancel(&p->q, f[PEER_SHA1].p,
		    (uint32_t)f[PEER_PIECE].u, (uint32_t)f[BLOCK_OFFSET].u,
		    (uint32_t)f[BLOCK_LENGTH].u) == 0)
			(void)up_queue_cancel(&p->now, f[PEER_SHA1].p,
			    (uint32_t)f[PEER_PIECE].u,
			    (uint32_t)f[BLOCK_OFFSET].u,
			    (uint32_t)f[BLOCK_LENGTH].u);
}

/* What the peer has: HAVE of one piece, or its BITFIELD, of a file it
 * follows (a downloader tells its sources, so a seeder shows it others). */
static void
on_theirs(struct pconn *p, const struct wire_msg *m)
{
	struct sub *sub = sub_find(p, m->f[PEER_SHA1].p);
	struct share *s = shares_find(p->cl, m->f[PEER_SHA1].p);
	struct bitfield b;
	uint32_t i;
	unsigned closed = 0, out = 0;

	if (sub == NULL || s == NULL)
		return;		/* its ticket ended, or we stopped sharing */
	if (m->h.type == WT_P_HAVE) {
		if (m->f[PEER_PIECE].u >= sub->npieces) {
			drop(p, "bad HAVE");
			return;
		}
		their_piece(sub, s, (uint32_t)m->f[PEER_PIECE].u, &closed,
		    &out);
	} else {
		bitfield_init(&b, sub->npieces);
		if (bitfield_load(&b, m->f[BITFIELD_BITS].p,
		    m->f[BITFIELD_BITS].n) == -1) {
			bitfield_free(&b);
			drop(p, "bad bitfield");
			return;
		}
		for (i = 0; i < sub->npieces; i++)
			if (bitfield_get(&b, i))
				their_piece(sub, s, i, &closed, &out);
		bitfield_free(&b);
	}
	if (out > 0)
		seed_topup(s);
	if (closed > 0)
		show_more(p, sub, s, 1, closed + (sub->open > 0 ?
		    sub->open : 1));
}

static void
ps_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	struct pconn *p = arg;
	const char *why;

	if (conn_closing(c))
		return;		/* frames behind the one that ended it */
	if (!p->hello) {
		if (wire_hello_check(m, ROLE_PEER, &why) == -1) {
			log_warnx("%s: refused peer: %s", conn_name(c), why);
			wire_error(conn_out(c), m->h.id, WE_PROTO, why);
			conn_close_after_write(c, why);
			return;
		}
		p->hello = 1;
		wire_hello(conn_out(c), ROLE_PEER);
		conn_flush(c);
		return;
	}
	switch (m->h.type) {
	case WT_P_WANT:
		on_want(p, m);
		break;
	case WT_P_REQUEST:
		on_request(p, m);
		break;
	case WT_P_CANCEL:
		on_cancel(p, m);	/* one already sent: let it go */
		break;
	case WT_P_HAVE:
	case WT_P_BITFIELD:
		on_theirs(p, m);
		break;
	default:
		drop(p, "unexpected message");
		break;
	}
}

static const struct conn_ops ps_ops = {
	.frame = ps_frame,
	.closed = ps_closed,
	.drained = ps_drained,
};

/* Strangers' links from the address of name ("ip:port") now. */
static unsigned
strangers_from(const char *name)
{
	const char *colon = strrchr(name, ':');
	size_t n = colon != NULL ? (size_t)(colon - name) : strlen(name);
	const struct pconn *q;
	unsigned k = 0;

	for (q = pconns; q != NULL; q = q->next)
		if (!q->vouched && strncmp(conn_name(q->c), name, n) == 0 &&
		    conn_name(q->c)[n] == ':')
			k++;
	return k;
}

static void
ps_accept(int fd, unsigned ev, void *arg)
{
	struct client *cl = arg;
	struct pconn *p;
	char name[64];
	int cfd;

	(void)ev;
	while ((cfd = net_accept(fd, name, sizeof(name))) != -1) {
		if (npconns >= PS_MAX_CONNS || !cl->logged_in) {
			close(cfd);
			continue;
		}
		if (strangers_from(name) >= PS_ADDR_STRANGERS) {
			log_info("%s: refused: %d links from its address "
			    "without a ticket already", name,
			    PS_ADDR_STRANGERS);
			close(cfd);
			continue;
		}
		net_notsent_lowat(cfd, PS_LOWAT);
		p = xcalloc(1, sizeof(*p));
		p->cl = cl;
		up_queue_init(&p->q, PS_MAX_QUEUED);
		up_queue_init(&p->now, PS_MAX_QUEUED);
		p->since = loop_now(cl->loop);
		if ((p->c = conn_new(cl->loop, cfd, name, 0, &ps_ops, p,
		    PS_IN_MAX, PS_OUT_MAX)) == NULL) {
			free(p);
			continue;
		}
		conn_set_limits(p->c, cl->up_limit, NULL);
		if (cl->tls_srv != NULL && conn_start_tls(p->c, cl->tls_srv,
		    NULL) == -1)
			conn_close(p->c, "cannot start TLS");
		p->next = pconns;
		if (pconns != NULL)
			pconns->prev = p;
		pconns = p;
		npconns++;
	}
}

/*
 * Once a second: forget files whose ticket ended (a connection left with
 * none is closed), drop connections that never said HELLO or never
 * showed a valid ticket, that take too
 * long over a frame (one byte at a time), or said nothing for a while.
 */
static void
ps_sweep(void *arg)
{
	struct client *cl = arg;
	uint64_t now = loop_now(cl->loop), wall = (uint64_t)time(NULL);
	struct pconn *p;

	for (p = pconns; p != NULL; p = p->next)
		if (up_overdue(&p->slot, now, PS_TURN_MS))
			up_release(&sched, &p->slot, p->q.n > 0);
	serve_next(now);
	for (p = pconns; p != NULL; p = p->next)
		if (subs_expire(p, wall))
			drop(p, "its tickets ended");
		else if (!p->hello && now - p->since > PS_HELLO_MS)
			conn_close(p->c, "no HELLO in time");
		else if (!p->vouched && now - p->since > PS_WANT_MS)
			conn_close(p->c, "no WANT with a valid ticket in time");
		else if (conn_stalled(p->c, now, PS_FRAME_MS))
			conn_close(p->c, "a frame took too long to arrive");
		else if (now - conn_last_rx(p->c) > PS_IDLE_MS &&
		    conn_queued(p->c) == 0)
			conn_close(p->c, "idle");
	loop_timer(cl->loop, 1000, ps_sweep, cl);
}

/* The shares' have hook: a HAVE to every peer following the file. */
static void
ps_have(struct client *cl, const struct share *s, uint32_t piece)
{
	struct wire_enc e;
	struct pconn *p;
	unsigned i;

	(void)cl;
	for (p = pconns; p != NULL; p = p->next)
		for (i = 0; i < p->nsubs; i++) {
			if (memcmp(p->subs[i].sha1, s->sha1, 20) != 0)
				continue;
			wire_begin(&e, conn_out(p->c), WT_P_HAVE, 0);
			wire_put_hash(&e, s->sha1);
			wire_put_u32(&e, piece);
			if (wire_end(&e) == -1)
				conn_close(p->c, "output full");
			else
				conn_flush(p->c);
			break;
		}
}

void
peer_server_start(struct client *cl)
{
	up_sched_init(&sched, UP_SLOTS);
	loop_add(cl->loop, cl->lfd, EV_READ, ps_accept, cl);
	loop_timer(cl->loop, 1000, ps_sweep, cl);
	shares_on_have(cl, ps_have);
}

void
peer_server_stop_all(struct client *cl)
{
	struct pconn *p;

	(void)cl;
	for (p = pconns; p != NULL; p = p->next)
		conn_close(p->c, "logged out");
}
