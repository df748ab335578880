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
 * peer is not shown the whole bitfield but a few pieces at a time, those
 * shown least often to anyone (ties in file order), and one more each time
 * it has one of them (it says HAVE, as downloaders tell their sources)
 * or has been sent all of one.  So a scarce uplink carries pieces the
 * swarm lacks, and the downloaders pass them on among themselves instead
 * of all asking the seeder for the same ones (libtorrent calls this
 * super-seeding; the choice is seed.c's).  The pieces shown ahead are
 * SEED_BUDGET shared between the peers following the file (SEED_MIN each
 * at least), so a lone fast downloader's pipeline never runs dry.
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
#define PS_IN_MAX	(64 * 1024)
#define PS_OUT_MAX	(4 * 1024 * 1024)
#define PS_IDLE_MS	(5 * 60 * 1000)
#define PS_FRAME_MS	(15 * 1000)	/* to receive one frame */
#define PS_HELLO_MS	(10 * 1000)

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
	struct client	*cl;
	struct conn	*c;
	int		 hello;
	uint64_t	 since;		/* accepted at */
	unsigned	 nsubs;
	struct sub	 subs[PS_MAX_SUBS];
	struct pconn	*prev, *next;
};

static struct pconn	*pconns;
static size_t		 npconns;

static uint32_t
piece_len(const struct share *s, uint32_t i)
{
	uint64_t left = s->size - (uint64_t)i * WIRE_PIECE_LEN;

	return left < WIRE_PIECE_LEN ? (uint32_t)left : WIRE_PIECE_LEN;
}

static void
sub_free(struct client *cl, struct sub *sub)
{
	struct share *s;

	if (sub->seeding && (s = shares_find(cl, sub->sha1)) != NULL &&
	    s->followers > 0)
		s->followers--;
	bitfield_free(&sub->theirs);
	bitfield_free(&sub->shown);
	free(sub->sent);
	memset(sub, 0, sizeof(*sub));
}

/*
 * Show sub's peer more pieces (seed_pick()) until it has its share open
 * (seed_open()); with have, each in a HAVE (else the caller sends the
 * bitfield).
 */
static void
show_more(struct pconn *p, struct sub *sub, struct share *s, int have)
{
	unsigned want = seed_open(s->followers);
	struct wire_enc e;
	uint32_t best;

	if (s->shown == NULL)
		s->shown = xcalloc(s->npieces, sizeof(*s->shown));
	while (sub->open < want) {
		best = seed_pick(s->shown, &sub->shown, &sub->theirs);
		if (best == UINT32_MAX)
			return;		/* shown all it lacks */
		bitfield_set(&sub->shown, best);
		s->shown[best]++;
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

/* A shown piece went as far as it will: had, or sent whole. */
static void
piece_closed(struct pconn *p, struct sub *sub, struct share *s)
{
	if (sub->open > 0)
		sub->open--;
	show_more(p, sub, s, 1);
}

/*
 * The peer has piece i (its HAVE or bitfield): 1 if that closed a piece
 * shown to it (the caller shows more, once it knows all the peer has).
 */
static int
their_piece(struct sub *sub, const struct share *s, uint32_t i)
{
	if (bitfield_get(&sub->theirs, i))
		return 0;
	bitfield_set(&sub->theirs, i);
	if (!sub->seeding || !bitfield_get(&sub->shown, i) ||
	    sub->sent[i] >= piece_len(s, i))
		return 0;
	if (sub->open > 0)
		sub->open--;
	return 1;
}

static void
ps_closed(struct conn *c, const char *why, void *arg)
{
	struct pconn *p = arg;
	unsigned i;

	(void)c;
	(void)why;
	for (i = 0; i < p->nsubs; i++)
		sub_free(p->cl, &p->subs[i]);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		pconns = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	npconns--;
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
		sub->npieces = s->npieces;
		bitfield_init(&sub->theirs, s->npieces);
		if (bitfield_full(&s->have)) {
			/* Seeding: shown a few pieces at a time. */
			sub->seeding = 1;
			s->followers++;
			bitfield_init(&sub->shown, s->npieces);
			sub->sent = xcalloc(s->npieces + 1,
			    sizeof(*sub->sent));
			show_more(p, sub, s, 0);
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

static void
on_request(struct pconn *p, const struct wire_msg *m)
{
	const struct wire_field *f = m->f;
	struct share *s = shares_find(p->cl, f[PEER_SHA1].p);
	uint64_t piece = f[PEER_PIECE].u, off = f[BLOCK_OFFSET].u;
	uint64_t len = f[BLOCK_LENGTH].u, plen;
	struct wire_enc e;
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
	if (piece >= s->npieces) {
		drop(p, "request past the last piece");
		return;
	}
	plen = s->size - piece * WIRE_PIECE_LEN < WIRE_PIECE_LEN ?
	    s->size - piece * WIRE_PIECE_LEN : WIRE_PIECE_LEN;
	if (len == 0 || len > WIRE_BLOCK_MAX || off >= plen ||
	    len > plen - off) {
		drop(p, "request outside the piece");
		return;
	}
	if (!bitfield_get(&s->have, (uint32_t)piece)) {
		send_error(p, m->h.id, WE_NOTFOUND, "piece not here");
		return;
	}
	if (conn_file_queue(p->c) >= PS_MAX_QUEUED) {
		drop(p, "too many requests without reading");
		return;
	}
	wire_begin(&e, conn_out(p->c), WT_P_PIECE, m->h.id);
	wire_put_hash(&e, s->sha1);
	wire_put_u32(&e, (uint32_t)piece);
	wire_put_u32(&e, (uint32_t)off);
	if (wire_end_external(&e, (uint32_t)len) == -1 ||
	    conn_sendfile(p->c, s->fd, piece * WIRE_PIECE_LEN + off,
	    (uint32_t)len) == -1) {
		conn_close(p->c, "cannot queue piece");
		return;
	}
	conn_flush(p->c);
	if (sub->seeding) {
		uint32_t had = sub->sent[piece];

		sub->sent[piece] = had + len > plen ? (uint32_t)plen :
		    had + (uint32_t)len;
		if (had < plen && sub->sent[piece] == plen &&
		    bitfield_get(&sub->shown, (uint32_t)piece) &&
		    !bitfield_get(&sub->theirs, (uint32_t)piece))
			piece_closed(p, sub, s);
	}
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
	int closed = 0;

	if (sub == NULL || s == NULL)
		return;		/* its ticket ended, or we stopped sharing */
	if (m->h.type == WT_P_HAVE) {
		if (m->f[PEER_PIECE].u >= sub->npieces) {
			drop(p, "bad HAVE");
			return;
		}
		closed = their_piece(sub, s, (uint32_t)m->f[PEER_PIECE].u);
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
				closed |= their_piece(sub, s, i);
		bitfield_free(&b);
	}
	if (closed)
		show_more(p, sub, s, 1);
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
		break;		/* already queued to the kernel: let it go */
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
};

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
		p = xcalloc(1, sizeof(*p));
		p->cl = cl;
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
 * none is closed), drop connections that never said HELLO, that take too
 * long over a frame (one byte at a time), or said nothing for a while.
 */
static void
ps_sweep(void *arg)
{
	struct client *cl = arg;
	uint64_t now = loop_now(cl->loop), wall = (uint64_t)time(NULL);
	struct pconn *p;

	for (p = pconns; p != NULL; p = p->next)
		if (subs_expire(p, wall))
			drop(p, "its tickets ended");
		else if (!p->hello && now - p->since > PS_HELLO_MS)
			conn_close(p->c, "no HELLO in time");
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
