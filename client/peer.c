/*
 * peer.c - a download's links to its peers: the asking side of the peer
 * protocol (peer_server.c is the answering side).
 *
 * A link says HELLO, WANTs the file with its source's ticket, loads the
 * peer's bitfield and follows its HAVEs, and keeps PIPELINE block
 * requests in flight as the picker chooses.  A block must be one this
 * link asked for (one it cancelled may still come and is let go); it is
 * handed to storage.c and, once its piece is whole, checked there.  A
 * peer that sends anything else, or that was asked and sent nothing for
 * STALL_MS, is dropped.  A closed link gives its requests back to the
 * picker and the other links take them up.
 *
 * Drip-feeders.  A peer that sends a block just before each STALL_MS
 * would hold its requests for ever, so each link also counts the blocks
 * it delivers over windows of DRIP_WINDOW_MS during which it had
 * requests outstanding all along (an idle moment restarts its window: a
 * link with nothing asked is not slow).  One that delivered less than a
 * piece (PICK_BPP_MAX blocks, 512 KiB) in its window, while another link
 * delivers DRIP_FAST blocks a window or more, is dropped and not tried
 * again for DRIP_RETRY_MS; its requests go to the others.  The only source, or
 * several equally slow ones (a low --down-limit), are never dropped so:
 * none is far faster.  A seeder serving in turns (upload.h: a unit a
 * turn) delivers a piece a window or more to each of 64 peers at 20 Mbit/s,
 * and is kept.  Tickets end: as download.c
 * brings fresh ones from the tracker, an open link past half its
 * ticket's time sends the new one (a renewing WANT).
 *
 * Blame.  A piece that fails its SHA1 with blocks from several sources
 * proves nothing about any one of them, so it is held against none:
 * instead the piece goes "solo", fetched again from one source only.  A
 * piece that fails with every block from one source is proof: that
 * source gets a strike, and PEER_MAX_STRIKES strikes ban it for the rest
 * of the download.  So an honest peer is never banned for a liar's block.
 *
 * Only the loop thread runs this.  It never touches the .part file
 * (storage.c does) nor the tracker (download.c does), and reports an
 * error that ends the download through d->ev.
 */
#define DOWNLOAD_INTERNAL
#include "download_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitfield.h"
#include "conn.h"
#include "crypto.h"
#include "log.h"
#include "net.h"
#include "picker.h"
#include "tls.h"
#include "wire.h"
#include "xalloc.h"

#define PIPELINE	24		/* blocks asked of one peer at once */
#define STALL_MS	10000		/* asked, nothing came: drop the peer */
#define MAX_LINES	64		/* peers looked at for a block to take */
#define LINE_SENT	4		/* the first blocks of a peer's line: on
					   their way already, not moved */
#define DUP_QUIET_MS	1000		/* endgame: duplicate a block whose peer
					   sent nothing for this long */
#define RETRY_MS	2000		/* before reconnecting to a source */
#define DRIP_WINDOW_MS	20000		/* a link's rate is judged over this */
#define DRIP_FAST	(8 * PICK_BPP_MAX)	/* blocks a window: a link far faster
					   than a piece a window */
#define DRIP_RETRY_MS	60000		/* before reconnecting to a dripper */
#define PEER_IN_MAX	(WIRE_HDR + 28 + WIRE_BLOCK_MAX + 4096)
#define PEER_OUT_MAX	(1024 * 1024)

enum peer_state { P_CONNECTING, P_HELLO, P_WANT, P_ACTIVE };

struct peer {
	struct download	*d;
	struct conn	*c;
	uint16_t	 src;		/* its source: d->src[src] */
	enum peer_state	 state;
	struct bitfield	 has;
	int		 has_bf;	/* has is counted by the picker */
	uint32_t	 req[PIPELINE];	/* blocks asked, not yet come, in the
					   order asked (it serves them so) */
	unsigned	 nreq;
	uint32_t	 cancelled[PIPELINE];	/* recently cancelled blocks: */
	unsigned	 ncancelled;		/* their data may still come */
	uint64_t	 last_data;	/* block came or pipeline started */
	uint64_t	 blk_ms;	/* ms a block takes (average), 0: unknown */
	uint64_t	 texp;		/* end of the ticket it last sent */
	uint64_t	 win_t;		/* its window began (busy since) */
	uint32_t	 win_blocks;	/* blocks delivered in the window */
	uint32_t	 last_win;	/* blocks in its last whole window */
	unsigned	 retry_ms;	/* before reconnecting, 0: RETRY_MS */
	struct peer	*next;
};

static void	peer_fill(struct peer *);

void
peer_init(struct download *d)
{
	uint32_t i;

	d->contrib = xreallocarray(NULL, d->pk.nblocks + 1,
	    sizeof(*d->contrib));
	for (i = 0; i <= d->pk.nblocks; i++)
		d->contrib[i] = NO_SOURCE;
	d->solo = xcalloc(d->nunits + 1, 1);
	d->owner = xreallocarray(NULL, d->nunits + 1, sizeof(*d->owner));
	for (i = 0; i <= d->nunits; i++)
		d->owner[i] = NO_SOURCE;
}

void
peer_free(struct download *d)
{
	free(d->contrib);
	free(d->solo);
	free(d->owner);
}

static int
peer_asked(void *arg, uint32_t b)
{
	struct peer *p = arg;
	unsigned i;

	for (i = 0; i < p->nreq; i++)
		if (p->req[i] == b)
			return 1;
	return 0;
}

/* Forget p's request i; the others keep their order. */
static void
req_forget(struct peer *p, unsigned i)
{
	memmove(&p->req[i], &p->req[i + 1], (p->nreq - i - 1) *
	    sizeof(p->req[0]));
	p->nreq--;
}

/* Solo pieces belong to the source that took them first. */
static int
peer_piece_ok(void *arg, uint32_t piece)
{
	struct peer *p = arg;
	struct download *d = p->d;

	return !d->solo[piece] || d->owner[piece] == NO_SOURCE ||
	    d->owner[piece] == p->src;
}

static void
peer_closed(struct conn *c, const char *why, void *arg)
{
	struct peer *p = arg, **pp;
	struct download *d = p->d;
	const char *addr = d->src[p->src].addr;
	char esc[4 * HOSTPORT_MAX];
	unsigned i;

	(void)c;
	log_debug("peer %s: %s", log_escape(esc, sizeof(esc), addr,
	    strlen(addr)), why);
	for (i = 0; i < p->nreq; i++)
		picker_unrequested(&d->pk, p->req[i]);
	for (i = 0; i < d->nunits; i++)
		if (d->solo != NULL && d->owner[i] == p->src)
			d->owner[i] = NO_SOURCE;
	if (p->has_bf)
		picker_peer_remove(&d->pk, &p->has);
	bitfield_free(&p->has);
	d->src[p->src].connected = 0;
	d->src[p->src].next_try = dl_now(d) +
	    (p->retry_ms != 0 ? p->retry_ms : RETRY_MS);
	for (pp = &d->peers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	d->npeers--;
	free(p);
	/* Its blocks go to the others. */
	for (p = d->peers; p != NULL; p = p->next)
		peer_fill(p);
}

static void
peer_drop(struct peer *p, const char *why)
{
	const char *addr = p->d->src[p->src].addr;
	char esc[4 * HOSTPORT_MAX];

	log_warnx("peer %s: dropped: %s", log_escape(esc, sizeof(esc), addr,
	    strlen(addr)), why);
	conn_close(p->c, why);
}

static void
peer_send_request(struct peer *p, unsigned type, uint32_t b)
{
	uint32_t piece, off, len;
	struct wire_enc e;

	picker_block(&p->d->pk, b, &piece, &off, &len);
	wire_begin(&e, conn_out(p->c), type, b);
	wire_put_hash(&e, p->d->sha1);
	wire_put_u32(&e, piece);
	wire_put_u32(&e, off);
	wire_put_u32(&e, len);
	if (wire_end(&e) == -1)
		conn_close(p->c, "output full");
	else
		conn_flush(p->c);
}

/* Keep PIPELINE requests in flight with this peer. */
static void
peer_send_want(struct peer *p, uint32_t id)
{
	struct download *d = p->d;
	const uint8_t *ticket = d->src[p->src].ticket;
	struct wire_enc e;

	p->texp = ticket_expiry(ticket, WIRE_TICKET_LEN);
	wire_begin(&e, conn_out(p->c), WT_P_WANT, id);
	wire_put_hash(&e, d->sha1);
	wire_put_blob(&e, ticket, WIRE_TICKET_LEN);
	if (wire_end(&e) == -1)
		conn_close(p->c, "output full");
	else
		conn_flush(p->c);
}

/* Tell the peer what we have: one piece (HAVE) or all (BITFIELD). */
static void
peer_send_have(struct peer *p, unsigned type, uint32_t piece)
{
	struct download *d = p->d;
	struct wire_enc e;

	wire_begin(&e, conn_out(p->c), type, 0);
	wire_put_hash(&e, d->sha1);
	if (type == WT_P_HAVE)
		wire_put_u32(&e, piece);
	else
		wire_put_blob(&e, d->sh->have.bits,
		    (uint32_t)bitfield_bytes(d->sh->have.n));
	if (wire_end(&e) == -1)
		conn_close(p->c, "output full");
	else
		conn_flush(p->c);
}

void
peer_have(struct download *d, uint32_t piece)
{
	struct peer *p;

	for (p = d->peers; p != NULL; p = p->next)
		if (p->state == P_ACTIVE)
			peer_send_have(p, WT_P_HAVE, piece);
}

/*
 * Source si has a fresh ticket: a link to it whose ticket has less than
 * half as long left as the fresh one sends it.  Both ends are the
 * tracker's clock read against ours, so an offset between the clocks
 * cancels out of the comparison, mostly.
 */
void
peer_renew(struct download *d, unsigned si)
{
	uint64_t now = (uint64_t)time(NULL), fresh;
	struct peer *p;

	fresh = ticket_expiry(d->src[si].ticket, WIRE_TICKET_LEN);
	for (p = d->peers; p != NULL; p = p->next)
		if (p->src == si && p->state == P_ACTIVE && fresh > p->texp &&
		    (p->texp < now || 2 * (p->texp - now) < fresh - now)) {
			log_debug("peer %s: ticket renewed", conn_name(p->c));
			peer_send_want(p, WIRE_ID_RENEW);
		}
}

/* p can take over block b: it has the piece, not solo, not asked yet. */
static int
peer_can_take(void *arg, uint32_t b)
{
	struct peer *p = arg;
	uint32_t piece = b / p->d->pk.bpp;

	return bitfield_get(&p->has, piece) && !p->d->solo[piece] &&
	    !peer_asked(p, b);
}

/*
 * Endgame: p takes over a block another peer would send later than p
 * would (picker_steal()), CANCEL there: a seeder drops it from its line,
 * and so does a downloader (peer_server.c hands blocks to the connection
 * only PS_AHEAD ahead).  A duplicate of a block on its way would cost an
 * uplink the block for nothing.
 */
static int
peer_steal(struct peer *p)
{
	struct download *d = p->d;
	struct pick_line lines[MAX_LINES], mine;
	struct peer *from[MAX_LINES], *q;
	unsigned n = 0, k, at;
	uint32_t b;

	for (q = d->peers; q != NULL && n < MAX_LINES; q = q->next)
		if (q != p && q->state == P_ACTIVE && q->nreq > LINE_SENT) {
			from[n] = q;
			lines[n].req = q->req;
			lines[n].n = q->nreq;
			lines[n++].blk_ms = q->blk_ms;
		}
	mine.req = p->req;
	mine.n = p->nreq;
	mine.blk_ms = p->blk_ms;
	if (!picker_steal(lines, n, &mine, LINE_SENT, peer_can_take, p, &k,
	    &at))
		return 0;
	q = from[k];
	b = q->req[at];
	req_forget(q, at);
	q->cancelled[q->ncancelled++ % PIPELINE] = b;
	peer_send_request(q, WT_P_CANCEL, b);
	d->moved++;
	if (p->nreq == 0)
		p->last_data = dl_now(d);
	p->req[p->nreq++] = b;
	peer_send_request(p, WT_P_REQUEST, b);
	return 1;
}

/* Endgame duplicates: only of blocks whose every asker has gone quiet. */
static int
peer_dup_skip(void *arg, uint32_t b)
{
	struct peer *p = arg, *q;
	uint64_t now = dl_now(p->d);

	if (peer_asked(p, b))
		return 1;
	for (q = p->d->peers; q != NULL; q = q->next)
		if (q != p && now - q->last_data < DUP_QUIET_MS &&
		    peer_asked(q, b))
			return 1;
	return 0;
}

static void
peer_fill(struct peer *p)
{
	struct download *d = p->d;
	uint32_t b;
	int endgame;

	if (p->state != P_ACTIVE || d->state != DL_RUN || conn_closing(p->c))
		return;
	d->pk.piece_ok = peer_piece_ok;
	endgame = picker_endgame(&d->pk);
	while (endgame && p->nreq < PIPELINE && peer_steal(p))
		;
	/* In endgame a peer takes duplicates only when nearly idle. */
	while (p->nreq < (endgame ? 2u : PIPELINE) &&
	    picker_pick(&d->pk, &p->has, endgame ? peer_dup_skip : peer_asked,
	    p, &b)) {
		if (p->nreq == 0)
			p->last_data = dl_now(d);
		if (d->solo[b / d->pk.bpp])
			d->owner[b / d->pk.bpp] = p->src;
		picker_requested(&d->pk, b);
		p->req[p->nreq++] = b;
		peer_send_request(p, WT_P_REQUEST, b);
	}
}

void
peer_fill_all(struct download *d)
{
	struct peer *p;

	for (p = d->peers; p != NULL; p = p->next)
		peer_fill(p);
}

/* Forget block b on every peer but `except` (endgame: it came). */
static void
cancel_others(struct download *d, const struct peer *except, uint32_t b)
{
	struct peer *p;
	unsigned i;

	for (p = d->peers; p != NULL; p = p->next) {
		if (p == except)
			continue;
		for (i = 0; i < p->nreq; i++)
			if (p->req[i] == b) {
				req_forget(p, i);
				p->cancelled[p->ncancelled++ % PIPELINE] = b;
				peer_send_request(p, WT_P_CANCEL, b);
				break;
			}
	}
}

/* The per-block path: no copy here but storage.c's one. */
static void
on_piece(struct peer *p, const struct wire_msg *m)
{
	struct download *d = p->d;
	uint32_t piece = (uint32_t)m->f[PEER_PIECE].u;
	uint32_t off = (uint32_t)m->f[BLOCK_OFFSET].u;
	uint32_t b, ep, eo, el;
	uint64_t now;
	unsigned i;
	int r;

	if (memcmp(m->f[PEER_SHA1].p, d->sha1, 20) != 0 ||
	    piece >= d->nunits || off % PICK_BLOCK != 0 ||
	    off >= picker_piece_len(&d->pk, piece)) {
		peer_drop(p, "data we did not ask for");
		return;
	}
	b = piece * d->pk.bpp + off / PICK_BLOCK;
	for (i = 0; i < p->nreq; i++)
		if (p->req[i] == b)
			break;
	picker_block(&d->pk, b, &ep, &eo, &el);
	if (i == p->nreq || m->f[BLOCK_DATA].n != el) {
		/* A block we cancelled may still arrive: ignore it. */
		for (i = 0; i < PIPELINE && i < p->ncancelled; i++)
			if (p->cancelled[i] == b &&
			    m->f[BLOCK_DATA].n == el) {
				d->twice += el;
				return;
			}
		peer_drop(p, "data we did not ask for");
		return;
	}
	req_forget(p, i);
	now = dl_now(d);
	/* Blocks come one after another: the gap is one's time. */
	p->blk_ms = p->blk_ms == 0 ? now - p->last_data :
	    (3 * p->blk_ms + (now - p->last_data)) / 4;
	if (p->blk_ms == 0)
		p->blk_ms = 1;
	p->last_data = now;
	p->win_blocks++;
	d->t_useful = p->last_data;
	r = picker_received(&d->pk, b);
	if (r == -1) {
		d->twice += el;	/* a duplicate, or after a failed piece */
		peer_fill(p);
		return;
	}
	if (storage_block(d, piece, off, m->f[BLOCK_DATA].p, el) == -1) {
		d->ev->failed(d, "cannot write %s: %s", d->part,
		    strerror(errno));
		return;
	}
	d->contrib[b] = p->src;
	d->rate_bytes += el;
	if (picker_endgame(&d->pk))
		cancel_others(d, p, b);
	if (r == 1)
		storage_verify(d, piece);
	peer_fill(p);
}

static void
peer_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	struct peer *p = arg;
	struct download *d = p->d;
	const char *why;

	switch (p->state) {
	case P_CONNECTING:
	case P_HELLO:
		if (wire_hello_check(m, ROLE_PEER, &why) == -1) {
			peer_drop(p, why);
			return;
		}
		p->state = P_WANT;
		peer_send_want(p, 0);
		return;
	case P_WANT:
		if (m->h.type == WT_ERROR) {
			conn_close(c, "does not share the file");
			return;
		}
		if (m->h.type != WT_P_BITFIELD ||
		    memcmp(m->f[PEER_SHA1].p, d->sha1, 20) != 0 ||
		    bitfield_load(&p->has, m->f[BITFIELD_BITS].p,
		    m->f[BITFIELD_BITS].n) == -1) {
			peer_drop(p, "bad bitfield");
			return;
		}
		p->has_bf = 1;
		p->state = P_ACTIVE;
		picker_peer_add(&d->pk, &p->has);
		/* What we have already, so a seeder shows us the rest. */
		if (d->sh != NULL && d->sh->have.count > 0)
			peer_send_have(p, WT_P_BITFIELD, 0);
		peer_fill(p);
		return;
	case P_ACTIVE:
		break;
	}
	switch (m->h.type) {
	case WT_P_PIECE:
		on_piece(p, m);
		break;
	case WT_P_HAVE:
		if (memcmp(m->f[PEER_SHA1].p, d->sha1, 20) != 0 ||
		    m->f[PEER_PIECE].u >= d->nunits) {
			peer_drop(p, "bad HAVE");
			return;
		}
		if (!bitfield_get(&p->has, (uint32_t)m->f[PEER_PIECE].u)) {
			bitfield_set(&p->has, (uint32_t)m->f[PEER_PIECE].u);
			picker_peer_have(&d->pk, (uint32_t)m->f[PEER_PIECE].u);
			peer_fill(p);
		}
		break;
	case WT_ERROR:
		/* A block it no longer has: give the request back. */
		if (m->h.id < d->pk.nblocks && peer_asked(p, m->h.id)) {
			unsigned i;

			for (i = 0; i < p->nreq; i++)
				if (p->req[i] == m->h.id) {
					req_forget(p, i);
					break;
				}
			picker_unrequested(&d->pk, m->h.id);
			if (bitfield_get(&p->has, m->h.id / d->pk.bpp)) {
				bitfield_clear(&p->has, m->h.id / d->pk.bpp);
				picker_peer_unhave(&d->pk,
				    m->h.id / d->pk.bpp);
			}
		}
		break;
	default:
		peer_drop(p, "unexpected message");
		break;
	}
}

static void
peer_connected(struct conn *c, void *arg)
{
	struct peer *p = arg;
	const struct source *s = &p->d->src[p->src];
	uint8_t fp[TLS_FP_LEN];

	/*
	 * The peer must prove the key the tracker vouched for in its ticket,
	 * before we ask it anything (under P2PS_BENCH_PLAINTEXT nothing is
	 * proved).
	 */
	if (p->d->cl->tls_cli != NULL && (conn_peer_fp(c, fp) == -1 ||
	    memcmp(fp, ticket_source(s->ticket, WIRE_TICKET_LEN),
	    TLS_FP_LEN) != 0)) {
		/* Not tried again while the tracker names that key. */
		p->d->src[p->src].banned = p->d->src[p->src].keyban = 1;
		peer_drop(p, "not the key the tracker vouched for");
		return;
	}
	p->state = P_HELLO;
	wire_hello(conn_out(c), ROLE_PEER);
}

static const struct conn_ops peer_ops = {
	.frame = peer_frame,
	.closed = peer_closed,
	.connected = peer_connected,
};

void
peer_connect(struct download *d, unsigned si)
{
	char host[HOST_MAX + 1], err[256];
	struct source *s = &d->src[si];
	struct peer *p;
	uint16_t port;
	int fd;

	if (parse_hostport(s->addr, host, sizeof(host), &port) == -1 ||
	    (fd = net_connect(host, port, err, sizeof(err))) == -1) {
		s->next_try = dl_now(d) + RETRY_MS;
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->d = d;
	p->src = (uint16_t)si;
	p->last_data = p->win_t = dl_now(d);
	bitfield_init(&p->has, d->nunits);
	if ((p->c = conn_new(d->cl->loop, fd, s->addr, 1, &peer_ops, p,
	    PEER_IN_MAX, PEER_OUT_MAX)) == NULL) {
		bitfield_free(&p->has);
		free(p);
		return;
	}
	conn_set_limits(p->c, NULL, d->cl->down_limit);
	if (d->cl->tls_cli != NULL && conn_start_tls(p->c, d->cl->tls_cli,
	    s->addr) == -1)
		conn_close(p->c, "cannot start TLS");
	s->connected = 1;
	p->next = d->peers;
	d->peers = p;
	d->npeers++;
}

/* q delivers DRIP_FAST blocks a window or more (judged over 5 s at least). */
static int
peer_fast(const struct peer *q, uint64_t now)
{
	uint64_t el = now - q->win_t;

	if (q->state != P_ACTIVE || conn_closing(q->c))
		return 0;
	return q->last_win >= DRIP_FAST || (el >= DRIP_WINDOW_MS / 4 &&
	    (uint64_t)q->win_blocks * DRIP_WINDOW_MS >= DRIP_FAST * el);
}

/* Judge p's window if it is whole: drop p if it drips beside a fast link. */
static void
peer_judge(struct peer *p, uint64_t now)
{
	struct peer *q;
	char why[96];

	if (p->state != P_ACTIVE || p->nreq == 0) {
		p->win_t = now;		/* not busy: not slow */
		p->win_blocks = 0;
		return;
	}
	if (now - p->win_t < DRIP_WINDOW_MS)
		return;
	if (p->win_blocks < PICK_BPP_MAX)
		for (q = p->d->peers; q != NULL; q = q->next)
			if (q != p && peer_fast(q, now)) {
				snprintf(why, sizeof(why), "too slow: %u "
				    "blocks in %u s, another link sends %u "
				    "or more in as long", p->win_blocks,
				    (unsigned)(DRIP_WINDOW_MS / 1000),
				    (unsigned)DRIP_FAST);
				p->retry_ms = DRIP_RETRY_MS;
				peer_drop(p, why);
				return;
			}
	p->last_win = p->win_blocks;
	p->win_t = now;
	p->win_blocks = 0;
}

void
peer_sweep(struct download *d, uint64_t now)
{
	struct peer *p;

	for (p = d->peers; p != NULL; p = p->next) {
		if (conn_closing(p->c))
			continue;
		/* Bytes of a block count: under a low limit one is slow. */
		if (p->nreq > 0 && now - p->last_data > STALL_MS &&
		    now - conn_last_rx(p->c) > STALL_MS)
			peer_drop(p, "stalled");
		else
			peer_judge(p, now);
	}
}

int
peer_useful(const struct download *d)
{
	const struct peer *p;
	uint32_t i;

	for (p = d->peers; p != NULL; p = p->next) {
		if (p->state != P_ACTIVE)
			continue;
		if (p->nreq > 0)
			return 1;
		for (i = 0; i < d->nunits; i++)
			if (d->pk.state[i] == PIECE_NEED &&
			    bitfield_get(&p->has, i))
				return 1;
	}
	return 0;
}

void
peer_strike(struct download *d, uint32_t piece)
{
	uint32_t b, n = picker_blocks(&d->pk, piece);
	unsigned si = d->contrib[piece * d->pk.bpp];
	struct peer *p;

	for (b = piece * d->pk.bpp; b < piece * d->pk.bpp + n; b++)
		if (d->contrib[b] != si)
			si = NO_SOURCE;
	for (b = piece * d->pk.bpp; b < piece * d->pk.bpp + n; b++)
		d->contrib[b] = NO_SOURCE;
	/* Fetch it again from one source, so the next failure is proof. */
	d->solo[piece] = 1;
	d->owner[piece] = NO_SOURCE;
	if (si == NO_SOURCE || ++d->src[si].strikes < PEER_MAX_STRIKES)
		return;
	d->src[si].banned = 1;
	for (p = d->peers; p != NULL; p = p->next)
		if (p->src == si)
			peer_drop(p, "sent pieces that fail their SHA1");
}

void
peer_forget(struct download *d, unsigned si)
{
	uint32_t i;

	if (d->contrib == NULL)
		return;		/* before peer_init(): nothing names it */
	for (i = 0; i < d->pk.nblocks; i++)
		if (d->contrib[i] == si)
			d->contrib[i] = NO_SOURCE;
	for (i = 0; i < d->nunits; i++)
		if (d->owner[i] == si)
			d->owner[i] = NO_SOURCE;
}

void
peer_close_all(struct download *d, const char *why)
{
	struct peer *p;

	for (p = d->peers; p != NULL; p = p->next)
		conn_close(p->c, why);
}
