/*
 * download.c - multi-peer downloads (see download.h).
 *
 * Data structures: a download owns a picker (which blocks are had, asked
 * for, how rare each piece is), a table of sources (every peer address
 * the tracker ever named, with strikes and a retry time), and a list of
 * connected peers.  Each peer keeps the blocks it was asked for, so a
 * lost peer gives exactly those back to the picker.  contrib[] records
 * which source delivered each block, to blame the right ones when a piece
 * fails its hash.
 *
 * Blame: a piece that fails with blocks from several sources proves
 * nothing about any one of them, so it is not held against them; instead
 * the piece goes "solo": it is fetched again from one source only.  A
 * piece that fails with every block from one source is proof, and that is
 * a strike.  So an honest peer is never banned for a liar's block.
 */
#include "download.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bitfield.h"
#include "client.h"
#include "conn.h"
#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "parse.h"
#include "picker.h"
#include "rbuf.h"
#include "shares.h"
#include "shell.h"
#include "tracker_link.h"
#include "wire.h"
#include "worker.h"
#include "xalloc.h"

#define PIPELINE	24		/* blocks asked of one peer at once */
#define MAX_PEERS	32
#define STALL_MS	10000		/* asked, nothing came: drop the peer */
#define RETRY_MS	2000		/* before reconnecting to a source */
#define REFRESH_MS	3000		/* ask the tracker for new sources */
#define TICK_MS		500
#define WHOLE_RUN	64		/* pieces per whole-file SHA1 job */
#define PBUF_MAX	40		/* piece buffers a client: 20 MiB */
#define PEER_IN_MAX	(WIRE_HDR + 28 + WIRE_BLOCK_MAX + 4096)
#define PEER_OUT_MAX	(1024 * 1024)
#define NO_SOURCE	0xffff
#define STATUS_MAX	(ID_MAX + NAME_MAX_LEN + 200 + 100)	/* why[] is 200 */

enum dl_state { DL_META, DL_CHECK, DL_RUN, DL_FINISH, DL_DONE, DL_FAILED };
enum peer_state { P_CONNECTING, P_HELLO, P_WANT, P_ACTIVE };

struct source {
	char		 addr[HOSTPORT_MAX];
	uint8_t		 ticket[WIRE_TICKET_LEN];	/* from the tracker */
	unsigned	 strikes;
	int		 banned;
	int		 connected;
	uint64_t	 next_try;
};

struct dpeer {
	struct download	*d;
	struct conn	*c;
	uint16_t	 src;
	enum peer_state	 state;
	struct bitfield	 has;
	int		 has_bf;
	uint32_t	 req[PIPELINE];
	unsigned	 nreq;
	uint32_t	 cancelled[PIPELINE];	/* recently cancelled blocks: */
	unsigned	 ncancelled;		/* their data may still come */
	uint64_t	 last_data;
	struct dpeer	*next;
};

struct download {
	struct download	*next;
	struct client	*cl;
	enum dl_state	 state;
	char		 why[200];
	char		 group[ID_MAX + 1];
	char		 name[NAME_MAX_LEN + 1];
	char		 dest[PATH_MAX];
	char		 part[PATH_MAX + 8];
	uint64_t	 size;
	uint8_t		 sha1[20];
	uint8_t		*hashes;
	uint32_t	 npieces;
	int		 fd;
	int		 dio;		/* the same file, O_DIRECT, or -1 */
	uint8_t		*bounce;	/* aligned copy of a block for dio */
	struct pbuf	**pb;		/* per piece: its buffer, or NULL */
	uint8_t		*ondisk;	/* per piece: blocks went to disk */
	struct pbuf	*chain_bufs[CHAIN_IOV];	/* being fed to the */
	int		 nchain_bufs;		/* whole-file SHA1 */
	struct pbuf	*kept[PBUF_MAX];	/* verified, held for it */
	unsigned	 nkept;
	struct share	*sh;
	struct hash_chain *whole;	/* SHA1 of the verified prefix */
	struct picker	 pk;
	uint16_t	*contrib;
	uint8_t		*solo;		/* per piece: one source only */
	uint16_t	*owner;		/* per solo piece: that source */
	struct source	*src;
	unsigned	 nsrc;
	struct dpeer	*peers;
	unsigned	 npeers;
	unsigned	 checking;	/* resume checks in flight */
	unsigned	 verifying;	/* piece checks in flight */
	int		 announced;	/* tracker knows we serve it */
	int		 refreshing;
	int		 ended;		/* cl->download_ended called */
	uint64_t	 t_start, t_useful, t_refresh;
	uint64_t	 bytes;		/* verified payload received */
	uint64_t	 rate_bytes, rate_t;
	double		 rate;		/* bytes/s, smoothed */
	struct loop_timer *tick;
	/* Who waits for the start (download_start's caller), or NULL. */
	void		(*started)(void *arg, const char *err);
	void		*started_arg;
};

static void	peer_fill(struct dpeer *);
static void	dl_fail(struct download *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static void	dl_tick(void *);
static void	dl_connect_sources(struct download *);
static void	dl_status(const struct download *, char *, size_t);

static uint64_t
now_ms(struct download *d)
{
	return loop_now(d->cl->loop);
}

/* Peers. */

static int
peer_asked(void *arg, uint32_t b)
{
	struct dpeer *p = arg;
	unsigned i;

	for (i = 0; i < p->nreq; i++)
		if (p->req[i] == b)
			return 1;
	return 0;
}

/* Solo pieces belong to the source that took them first. */
static int
peer_piece_ok(void *arg, uint32_t piece)
{
	struct dpeer *p = arg;
	struct download *d = p->d;

	return !d->solo[piece] || d->owner[piece] == NO_SOURCE ||
	    d->owner[piece] == p->src;
}

static void
peer_closed(struct conn *c, const char *why, void *arg)
{
	struct dpeer *p = arg, **pp;
	struct download *d = p->d;
	const char *addr = d->src[p->src].addr;
	char esc[4 * HOSTPORT_MAX];
	unsigned i;

	(void)c;
	log_debug("peer %s: %s", log_escape(esc, sizeof(esc), addr,
	    strlen(addr)), why);
	for (i = 0; i < p->nreq; i++)
		picker_unrequested(&d->pk, p->req[i]);
	for (i = 0; i < d->npieces; i++)
		if (d->solo != NULL && d->owner[i] == p->src)
			d->owner[i] = NO_SOURCE;
	if (p->has_bf)
		picker_peer_remove(&d->pk, &p->has);
	bitfield_free(&p->has);
	d->src[p->src].connected = 0;
	d->src[p->src].next_try = now_ms(d) + RETRY_MS;
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
peer_drop(struct dpeer *p, const char *why)
{
	const char *addr = p->d->src[p->src].addr;
	char esc[4 * HOSTPORT_MAX];

	log_warnx("peer %s: dropped: %s", log_escape(esc, sizeof(esc), addr,
	    strlen(addr)), why);
	conn_close(p->c, why);
}

static void
peer_send_request(struct dpeer *p, unsigned type, uint32_t b)
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
peer_fill(struct dpeer *p)
{
	struct download *d = p->d;
	uint32_t b;

	unsigned depth = PIPELINE;

	if (p->state != P_ACTIVE || d->state != DL_RUN || conn_closing(p->c))
		return;
	/* In endgame a peer takes duplicates only when nearly idle. */
	if (picker_endgame(&d->pk))
		depth = 2;
	d->pk.piece_ok = peer_piece_ok;
	while (p->nreq < depth &&
	    picker_pick(&d->pk, &p->has, peer_asked, p, &b)) {
		if (p->nreq == 0)
			p->last_data = now_ms(d);
		if (d->solo[b / PICK_BPP])
			d->owner[b / PICK_BPP] = p->src;
		picker_requested(&d->pk, b);
		p->req[p->nreq++] = b;
		peer_send_request(p, WT_P_REQUEST, b);
	}
}

/* Forget block b on every peer but `except` (endgame: it came). */
static void
cancel_others(struct download *d, const struct dpeer *except, uint32_t b)
{
	struct dpeer *p;
	unsigned i;

	for (p = d->peers; p != NULL; p = p->next) {
		if (p == except)
			continue;
		for (i = 0; i < p->nreq; i++)
			if (p->req[i] == b) {
				p->req[i] = p->req[--p->nreq];
				p->cancelled[p->ncancelled++ % PIPELINE] = b;
				peer_send_request(p, WT_P_CANCEL, b);
				break;
			}
	}
}

static void	piece_checked(void *, uint32_t, int);

static int
write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/*
 * Piece buffers.  A piece is assembled in memory, checked there, and
 * written to disk in one go by a pool thread.  It then stays in memory
 * until the whole-file SHA1 reads it (runs of up to CHAIN_IOV pieces a
 * job), unless a new piece needs the buffer: then the verified piece
 * furthest ahead gives it up and is read back from disk later.  So in
 * the common case every byte is copied once from the socket and read
 * twice from memory.  When every buffer is taken by pieces in progress,
 * a new piece's blocks go straight to disk and it is checked by reading
 * it back.  Buffers are reused, never freed before exit: fresh memory is
 * what costs most on the benchmark VM.
 */
struct pbuf {
	struct worker_job	 w;
	struct pbuf		*next;		/* free list */
	struct download		*d;
	uint8_t			*data;
	uint32_t		 piece, len;
	int			 busy;		/* a pool thread reads it */
	int			 fd, dio;
	uint64_t		 off;
	uint8_t			 want[20];
	int			 ok;		/* 1 good, 0 bad, -1 no write */
	int			 err;
};

static void	pb_release(struct download *, uint32_t);

/*
 * A buffer for a new piece of d: an idle one, a new one, or, when all
 * are taken, the one d holds for the verified piece furthest from the
 * whole-file SHA1 (which will read that piece back from disk instead).
 */
static struct pbuf *
pbuf_get(struct download *d)
{
	struct client *cl = d->cl;
	struct pbuf *b;
	unsigned i, far = 0;

	if (cl->pbuf_free == NULL && cl->pbuf_total >= cl->pbuf_max &&
	    d->nkept > 0) {
		for (i = 1; i < d->nkept; i++)
			if (d->kept[i]->piece > d->kept[far]->piece)
				far = i;
		pb_release(d, d->kept[far]->piece);
	}
	if ((b = cl->pbuf_free) != NULL) {
		cl->pbuf_free = b->next;
		return b;
	}
	if (cl->pbuf_total >= cl->pbuf_max)
		return NULL;
	b = xcalloc(1, sizeof(*b));
	b->data = xmalloc_aligned(IO_ALIGN, WIRE_PIECE_LEN);
	cl->pbuf_total++;
	return b;
}

static void
unkeep(struct download *d, const struct pbuf *b)
{
	unsigned i;

	for (i = 0; i < d->nkept; i++)
		if (d->kept[i] == b) {
			d->kept[i] = d->kept[--d->nkept];
			return;
		}
}

/* Give piece's buffer back, unless a pool thread still reads it. */
static void
pb_release(struct download *d, uint32_t piece)
{
	struct pbuf *b;

	if (d->pb == NULL || (b = d->pb[piece]) == NULL || b->busy)
		return;
	unkeep(d, b);
	d->pb[piece] = NULL;
	b->next = d->cl->pbuf_free;
	d->cl->pbuf_free = b;
}

/*
 * Piece buffers a client may use: PBUF_MAX (40, 20 MiB), or fewer from
 * the environment variable P2P_PIECE_BUFFERS (0 writes every block
 * straight to disk; the tests use it to cover that path).
 */
static unsigned
download_buffers(void)
{
	const char *e = getenv("P2P_PIECE_BUFFERS");
	long long n;

	if (e == NULL || parse_num(e, 0, PBUF_MAX, &n) == -1)
		return PBUF_MAX;
	return (unsigned)n;
}

static void
pbuf_free_all(struct client *cl)
{
	struct pbuf *b;

	while ((b = cl->pbuf_free) != NULL) {
		cl->pbuf_free = b->next;
		free(b->data);
		free(b);
	}
	cl->pbuf_total = 0;
}

static void
store_work(struct worker_job *w)
{
	struct pbuf *b = (struct pbuf *)w;
	size_t aligned = b->len & ~(size_t)(IO_ALIGN - 1);
	uint8_t got[20];

	b->ok = sha1(b->data, b->len, got) == 0 &&
	    memcmp(got, b->want, 20) == 0;
	if (!b->ok)
		return;
	if (b->dio != -1 && aligned > 0 &&
	    write_all(b->dio, b->data, aligned, b->off) == -1) {
		if (errno != EINVAL)
			goto fail;
		aligned = 0;	/* O_DIRECT refused: through the cache */
	}
	if (b->dio == -1)
		aligned = 0;
	if (write_all(b->fd, b->data + aligned, b->len - aligned,
	    b->off + aligned) == -1)
		goto fail;
	return;
fail:
	b->ok = -1;
	b->err = errno;
}

static void
store_back(struct worker_job *w)
{
	struct pbuf *b = (struct pbuf *)w;
	struct download *d = b->d;

	b->busy = 0;
	if (b->ok == -1)
		dl_fail(d, "cannot write %s: %s", d->part, strerror(b->err));
	piece_checked(d, b->piece, b->ok == 1);
}

/* Check a complete piece held in memory and write it out. */
static void
piece_store(struct download *d, uint32_t piece)
{
	struct pbuf *b = d->pb[piece];

	b->w.work = store_work;
	b->w.done = store_back;
	b->d = d;
	b->piece = piece;
	b->len = picker_piece_len(&d->pk, piece);
	b->off = (uint64_t)piece * WIRE_PIECE_LEN;
	b->fd = d->fd;
	b->dio = d->dio;
	memcpy(b->want, d->hashes + 20 * (size_t)piece, 20);
	b->busy = 1;
	worker_submit(d->cl->workers, &b->w);
}

/*
 * Blocks go to disk with O_DIRECT when the file system allows it: they
 * are checked by reading them back, not kept, and filling the page cache
 * with a whole download costs more CPU than the transfer itself where
 * fresh memory is dear (2.3 s of system time per GiB on the benchmark
 * VM, against 0.9 s waiting on the disk here).  A block whose length is
 * not aligned (the file's last) is written through the cache; the
 * kernel keeps the two views of the file coherent.
 */
static int
write_block(struct download *d, const uint8_t *p, size_t n, uint64_t off)
{
	if (d->dio != -1 && n % IO_ALIGN == 0) {
		memcpy(d->bounce, p, n);
		if (write_all(d->dio, d->bounce, n, off) == 0)
			return 0;
		if (errno != EINVAL)
			return -1;
		log_info("%s: O_DIRECT refused; writing through the cache",
		    d->part);
		close(d->dio);
		d->dio = -1;
	}
	return write_all(d->fd, p, n, off);
}

/* The descriptor checks read through. */
static int
read_fd(const struct download *d)
{
	return d->dio != -1 ? d->dio : d->fd;
}

/* A block of piece at off: into the piece's buffer, or to disk. */
static int
store_block(struct download *d, uint32_t piece, uint32_t off,
    const uint8_t *p, size_t n)
{
	struct pbuf *b = d->pb[piece];

	if (b == NULL && !d->ondisk[piece] &&
	    (b = pbuf_get(d)) != NULL) {
		b->piece = piece;
		d->pb[piece] = b;
	}
	if (b != NULL) {
		memcpy(b->data + off, p, n);
		return 0;
	}
	d->ondisk[piece] = 1;
	return write_block(d, p, n, (uint64_t)piece * WIRE_PIECE_LEN + off);
}

static void
on_piece(struct dpeer *p, const struct wire_msg *m)
{
	struct download *d = p->d;
	uint32_t piece = (uint32_t)m->f[PEER_PIECE].u;
	uint32_t off = (uint32_t)m->f[BLOCK_OFFSET].u;
	uint32_t b, ep, eo, el;
	unsigned i;
	int r;

	if (memcmp(m->f[PEER_SHA1].p, d->sha1, 20) != 0 ||
	    piece >= d->npieces || off % PICK_BLOCK != 0 ||
	    off >= picker_piece_len(&d->pk, piece)) {
		peer_drop(p, "data we did not ask for");
		return;
	}
	b = piece * PICK_BPP + off / PICK_BLOCK;
	for (i = 0; i < p->nreq; i++)
		if (p->req[i] == b)
			break;
	picker_block(&d->pk, b, &ep, &eo, &el);
	if (i == p->nreq || m->f[BLOCK_DATA].n != el) {
		/* A block we cancelled may still arrive: ignore it. */
		for (i = 0; i < PIPELINE && i < p->ncancelled; i++)
			if (p->cancelled[i] == b &&
			    m->f[BLOCK_DATA].n == el)
				return;
		peer_drop(p, "data we did not ask for");
		return;
	}
	p->req[i] = p->req[--p->nreq];
	p->last_data = now_ms(d);
	d->t_useful = p->last_data;
	r = picker_received(&d->pk, b);
	if (r == -1) {
		peer_fill(p);
		return;
	}
	if (store_block(d, piece, off, m->f[BLOCK_DATA].p, el) == -1) {
		dl_fail(d, "cannot write %s: %s", d->part, strerror(errno));
		return;
	}
	d->contrib[b] = p->src;
	d->rate_bytes += el;
	if (picker_endgame(&d->pk))
		cancel_others(d, p, b);
	if (r == 1) {
		d->verifying++;
		if (d->pb[piece] != NULL)
			piece_store(d, piece);
		else
			hash_piece(d->cl, read_fd(d), (uint64_t)piece *
			    WIRE_PIECE_LEN, picker_piece_len(&d->pk, piece),
			    d->hashes + 20 * piece, piece, piece_checked, d);
	}
	peer_fill(p);
}

static void
peer_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	struct dpeer *p = arg;
	struct download *d = p->d;
	struct wire_enc e;
	const char *why;

	switch (p->state) {
	case P_CONNECTING:
	case P_HELLO:
		if (wire_hello_check(m, ROLE_PEER, &why) == -1) {
			peer_drop(p, why);
			return;
		}
		p->state = P_WANT;
		wire_begin(&e, conn_out(c), WT_P_WANT, 0);
		wire_put_hash(&e, d->sha1);
		wire_put_blob(&e, d->src[p->src].ticket, WIRE_TICKET_LEN);
		if (wire_end(&e) == -1)
			conn_close(c, "output full");
		conn_flush(c);
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
		    m->f[PEER_PIECE].u >= d->npieces) {
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
					p->req[i] = p->req[--p->nreq];
					break;
				}
			picker_unrequested(&d->pk, m->h.id);
			if (bitfield_get(&p->has, m->h.id / PICK_BPP)) {
				bitfield_clear(&p->has, m->h.id / PICK_BPP);
				picker_peer_unhave(&d->pk,
				    m->h.id / PICK_BPP);
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
	struct dpeer *p = arg;

	p->state = P_HELLO;
	wire_hello(conn_out(c), ROLE_PEER);
}

static const struct conn_ops peer_ops = {
	.frame = peer_frame,
	.closed = peer_closed,
	.connected = peer_connected,
};

static void
peer_connect(struct download *d, unsigned si)
{
	char host[HOST_MAX + 1], err[256];
	struct source *s = &d->src[si];
	struct dpeer *p;
	uint16_t port;
	int fd;

	if (parse_hostport(s->addr, host, sizeof(host), &port) == -1 ||
	    (fd = net_connect(host, port, err, sizeof(err))) == -1) {
		s->next_try = now_ms(d) + RETRY_MS;
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->d = d;
	p->src = (uint16_t)si;
	p->last_data = now_ms(d);
	bitfield_init(&p->has, d->npieces);
	if ((p->c = conn_new(d->cl->loop, fd, s->addr, 1, &peer_ops, p,
	    PEER_IN_MAX, PEER_OUT_MAX)) == NULL) {
		bitfield_free(&p->has);
		free(p);
		return;
	}
	s->connected = 1;
	p->next = d->peers;
	d->peers = p;
	d->npeers++;
}

static void
dl_connect_sources(struct download *d)
{
	uint64_t now = now_ms(d);
	unsigned i;

	for (i = 0; i < d->nsrc && d->npeers < MAX_PEERS; i++) {
		struct source *s = &d->src[i];

		if (!s->banned && !s->connected && s->next_try <= now &&
		    strcmp(s->addr, d->cl->addr) != 0)
			peer_connect(d, i);
	}
}

static void
add_source(struct download *d, const char *addr, const uint8_t *ticket,
    uint32_t len)
{
	unsigned i;

	if (len != WIRE_TICKET_LEN || strlen(addr) >= HOSTPORT_MAX)
		return;
	for (i = 0; i < d->nsrc; i++)
		if (strcmp(d->src[i].addr, addr) == 0) {
			/* A fresh ticket for the next connection. */
			memcpy(d->src[i].ticket, ticket, WIRE_TICKET_LEN);
			return;
		}
	if (d->nsrc >= NO_SOURCE)
		return;
	d->src = xreallocarray(d->src, d->nsrc + 1, sizeof(*d->src));
	memset(&d->src[d->nsrc], 0, sizeof(d->src[d->nsrc]));
	snprintf(d->src[d->nsrc].addr, sizeof(d->src[d->nsrc].addr), "%s",
	    addr);
	memcpy(d->src[d->nsrc].ticket, ticket, WIRE_TICKET_LEN);
	d->nsrc++;
}

/* Lifecycle. */

static void
dl_end(struct download *d)
{
	struct dpeer *p;

	uint32_t i;

	for (i = 0; d->pb != NULL && i < d->npieces; i++)
		pb_release(d, i);
	loop_timer_cancel(d->cl->loop, d->tick);
	d->tick = NULL;
	for (p = d->peers; p != NULL; p = p->next)
		conn_close(p->c, "download over");
	if (!d->ended) {
		d->ended = 1;
		/*
		 * Tell the user at the terminal, unless it never got under
		 * way (t_start unset): then download_file itself failed and
		 * said why.
		 */
		if (d->t_start != 0) {
			char line[STATUS_MAX];

			dl_status(d, line, sizeof(line));
			shell_notice(d->cl->sh, "%s", line);
		}
		d->cl->download_ended(d->cl);
	}
}

static void
dl_fail(struct download *d, const char *fmt, ...)
{
	char raw[sizeof(d->why)];
	va_list ap;

	if (d->state == DL_DONE || d->state == DL_FAILED)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* It may quote the tracker: escaped once, here, for every printer. */
	log_escape(d->why, sizeof(d->why), raw, strlen(raw));
	d->state = DL_FAILED;
	d->cl->failed = 1;
	if (d->sh != NULL) {
		shares_remove(d->cl, d->sh);
		d->sh = NULL;
	}
	if (d->started != NULL) {
		void (*started)(void *, const char *) = d->started;

		d->started = NULL;
		started(d->started_arg, d->why);
	}
	dl_end(d);
}

static void
on_uploaded(void *arg, const struct wire_msg *m, const char *err)
{
	struct download *d = arg;
	const char *why;
	char esc[512];

	if (err != NULL || m->h.type == WT_ERROR) {
		why = err ? err : m->f[ERROR_MSG].s;
		log_warnx("%s: tracker did not record the share: %s", d->name,
		    log_escape(esc, sizeof(esc), why, strlen(why)));
	}
}

/* Every piece is in and the whole-file SHA1 is ready: check, move. */
static void
dl_complete(struct download *d)
{
	struct wire_enc *e;
	struct stat st;
	char dir[PATH_MAX];
	uint8_t got[20];
	int dfd;

	if (hash_chain_final(d->whole, got) == -1) {
		dl_fail(d, "SHA1 failed");
		return;
	}
	if (memcmp(got, d->sha1, 20) != 0) {
		dl_fail(d, "whole-file SHA1 does not match");
		return;
	}
	if (fsync(d->fd) == -1 || rename(d->part, d->dest) == -1) {
		dl_fail(d, "cannot move into place: %s", strerror(errno));
		return;
	}
	snprintf(dir, sizeof(dir), "%s", d->dest);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	d->state = DL_DONE;
	if (d->sh != NULL) {
		snprintf(d->sh->path, sizeof(d->sh->path), "%s", d->dest);
		d->sh->complete = 1;
	}
	/* This user now shares it, across logins. */
	if (fstat(d->fd, &st) == 0 && d->cl->logged_in) {
		e = tlink_begin(d->cl->tl, WT_UPLOAD);
		wire_put_token(e, d->cl->token);
		wire_put_id(e, d->group);
		wire_put_str(e, d->name);
		wire_put_u64(e, d->size);
		wire_put_hash(e, d->sha1);
		wire_put_hashes(e, d->hashes, d->npieces);
		wire_put_str(e, d->dest);
		wire_put_u64(e, (uint64_t)st.st_mtime);
		tlink_send(d->cl->tl, on_uploaded, d);
	}
	dl_end(d);
}

static void	whole_fed(void *, int);

/*
 * Extend the whole-file SHA1 over the verified pieces that follow what
 * it covers (a bounded run at a time, so it keeps up as pieces arrive).
 * Once every piece is in and covered, the download completes.
 */
static void
whole_advance(struct download *d)
{
	struct iovec iov[CHAIN_IOV];
	struct pbuf *b;
	uint32_t from, to;
	uint64_t end;

	if (d->whole == NULL || hash_chain_busy(d->whole) ||
	    d->state >= DL_DONE)
		return;
	from = hash_chain_hashed(d->whole) == d->size ? d->npieces :
	    (uint32_t)(hash_chain_hashed(d->whole) / WIRE_PIECE_LEN);
	for (to = from; to < d->npieces && to - from < CHAIN_IOV &&
	    d->pk.state[to] == PIECE_DONE && d->pb != NULL &&
	    (b = d->pb[to]) != NULL && !b->busy; to++) {
		unkeep(d, b);
		b->busy = 1;
		iov[to - from].iov_base = b->data;
		iov[to - from].iov_len = b->len;
		d->chain_bufs[to - from] = b;
	}
	if (to > from) {
		d->nchain_bufs = (int)(to - from);
		hash_chain_feed_mem(d->cl, d->whole, iov, d->nchain_bufs,
		    whole_fed, d);
		return;
	}
	for (to = from; to < d->npieces && to - from < WHOLE_RUN &&
	    d->pk.state[to] == PIECE_DONE && (d->pb == NULL ||
	    d->pb[to] == NULL); to++)
		;
	if (to > from) {
		end = to == d->npieces ? d->size : (uint64_t)to *
		    WIRE_PIECE_LEN;
		hash_chain_feed(d->cl, d->whole, end -
		    hash_chain_hashed(d->whole), whole_fed, d);
		return;
	}
	if (d->state == DL_FINISH && from == d->npieces)
		dl_complete(d);
}

static void
whole_fed(void *arg, int ok)
{
	struct download *d = arg;
	struct pbuf *b;

	int i;

	for (i = 0; i < d->nchain_bufs; i++) {
		b = d->chain_bufs[i];
		b->busy = 0;
		pb_release(d, b->piece);
	}
	d->nchain_bufs = 0;
	if (!ok) {
		dl_fail(d, "cannot read %s: %s", d->part,
		    hash_chain_error(d->whole));
		return;
	}
	whole_advance(d);
}

static void
dl_finish(struct download *d)
{
	d->state = DL_FINISH;
	whole_advance(d);
}

static void
on_announced(void *arg, const struct wire_msg *m, const char *err)
{
	struct download *d = arg;
	const char *why;
	char esc[512];

	if (err != NULL || m->h.type == WT_ERROR) {
		d->announced = 0;	/* try again with the next piece */
		why = err ? err : m->f[ERROR_MSG].s;
		log_debug("%s: SHARE refused: %s", d->name,
		    log_escape(esc, sizeof(esc), why, strlen(why)));
	}
}

static void
announce(struct download *d)
{
	struct wire_enc *e;

	if (d->announced || !d->cl->logged_in)
		return;
	d->announced = 1;
	e = tlink_begin(d->cl->tl, WT_SHARE);
	wire_put_token(e, d->cl->token);
	wire_put_id(e, d->group);
	wire_put_str(e, d->name);
	tlink_send(d->cl->tl, on_announced, d);
}

static void
strike(struct download *d, uint32_t piece)
{
	uint32_t b, n = picker_blocks(&d->pk, piece);
	unsigned si = d->contrib[piece * PICK_BPP];
	struct dpeer *p;

	for (b = piece * PICK_BPP; b < piece * PICK_BPP + n; b++)
		if (d->contrib[b] != si)
			si = NO_SOURCE;
	for (b = piece * PICK_BPP; b < piece * PICK_BPP + n; b++)
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

static void
piece_checked(void *arg, uint32_t piece, int ok)
{
	struct download *d = arg;
	struct dpeer *p;

	if (d->state == DL_CHECK) {
		/* Resume: a piece already in the .part file. */
		if (ok) {
			picker_mark_done(&d->pk, piece);
			bitfield_set(&d->sh->have, piece);
			d->bytes += picker_piece_len(&d->pk, piece);
			whole_advance(d);
		}
		if (--d->checking == 0) {
			d->state = DL_RUN;
			if (picker_complete(&d->pk))
				dl_finish(d);
			else
				dl_connect_sources(d);
		}
		return;
	}
	d->verifying--;
	if (d->state != DL_RUN) {
		pb_release(d, piece);
		return;
	}
	picker_verified(&d->pk, piece, ok);
	if (ok) {
		/* Keep it for the whole-file SHA1 (pbuf_get may take it). */
		if (d->pb[piece] != NULL)
			d->kept[d->nkept++] = d->pb[piece];
		d->bytes += picker_piece_len(&d->pk, piece);
		shares_have(d->cl, d->sh, piece);
		announce(d);
		whole_advance(d);
	} else {
		log_warnx("%s: piece %u failed its SHA1", d->name, piece);
		pb_release(d, piece);
		d->ondisk[piece] = 0;
		strike(d, piece);
	}
	if (picker_complete(&d->pk)) {
		dl_finish(d);
		return;
	}
	for (p = d->peers; p != NULL; p = p->next)
		peer_fill(p);
}

static void
on_sources(void *arg, const struct wire_msg *m, const char *err)
{
	struct download *d = arg;
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;

	d->refreshing = 0;
	if (err != NULL || m->h.type != WT_FILE || d->state >= DL_DONE)
		return;
	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f))
		add_source(d, f[SOURCE_PEER].s, f[SOURCE_TICKET].p,
		    f[SOURCE_TICKET].n);
	if (d->state == DL_RUN)
		dl_connect_sources(d);
}

static void
refresh_sources(struct download *d)
{
	struct wire_enc *e;

	if (d->refreshing || !d->cl->logged_in)
		return;
	d->refreshing = 1;
	d->t_refresh = now_ms(d);
	e = tlink_begin(d->cl->tl, WT_FILE_INFO);
	wire_put_token(e, d->cl->token);
	wire_put_id(e, d->group);
	wire_put_str(e, d->name);
	tlink_send(d->cl->tl, on_sources, d);
}

/* Does any connected peer hold a piece we still need? */
static int
someone_useful(struct download *d)
{
	struct dpeer *p;
	uint32_t i;

	for (p = d->peers; p != NULL; p = p->next) {
		if (p->state != P_ACTIVE)
			continue;
		if (p->nreq > 0)
			return 1;
		for (i = 0; i < d->npieces; i++)
			if (d->pk.state[i] == PIECE_NEED &&
			    bitfield_get(&p->has, i))
				return 1;
	}
	return 0;
}

static void
dl_tick(void *arg)
{
	struct download *d = arg;
	uint64_t now = now_ms(d);
	struct dpeer *p;
	unsigned i, live = 0;

	d->tick = NULL;
	/* Smoothed speed over the ticks. */
	if (now > d->rate_t) {
		double inst = (double)d->rate_bytes * 1000.0 /
		    (double)(now - d->rate_t);

		d->rate = d->rate == 0 ? inst : 0.6 * d->rate + 0.4 * inst;
		d->rate_bytes = 0;
		d->rate_t = now;
	}
	if (d->state == DL_RUN) {
		for (p = d->peers; p != NULL; p = p->next)
			if (p->nreq > 0 && now - p->last_data > STALL_MS)
				peer_drop(p, "stalled");
		if (someone_useful(d) || d->verifying > 0)
			d->t_useful = now;
		for (i = 0; i < d->nsrc; i++)
			live += !d->src[i].banned;
		if (live == 0 && d->nsrc > 0 && d->npeers == 0)
			dl_fail(d, "no source left that can supply the "
			    "missing pieces correctly");
		else if (now - d->t_useful > DL_DEAD_MS)
			dl_fail(d, "no source had the missing pieces for "
			    "%d seconds", DL_DEAD_MS / 1000);
		else {
			dl_connect_sources(d);
			if (now - d->t_refresh > REFRESH_MS)
				refresh_sources(d);
		}
	}
	if (d->state < DL_DONE)
		d->tick = loop_timer(d->cl->loop, TICK_MS, dl_tick, d);
}

/* Starting. */

/* Where the file goes: inside dest if it is a directory. */
static int
resolve_dest(struct download *d, const char *dest, char *err, size_t errlen)
{
	struct stat st;
	char dir[PATH_MAX];

	if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (snprintf(d->dest, sizeof(d->dest), "%s/%s", dest,
		    d->name) >= (int)sizeof(d->dest))
			goto toolong;
	} else if (snprintf(d->dest, sizeof(d->dest), "%s", dest) >=
	    (int)sizeof(d->dest)) {
		goto toolong;
	}
	snprintf(dir, sizeof(dir), "%s", d->dest);
	if (stat(dirname(dir), &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "no directory for %.150s", d->dest);
		return -1;
	}
	if (snprintf(d->part, sizeof(d->part), "%s.part", d->dest) >=
	    (int)sizeof(d->part))
		goto toolong;
	return 0;
toolong:
	snprintf(err, errlen, "destination path too long");
	return -1;
}

/*
 * Give the .part file its size with its blocks allocated: no surprise
 * ENOSPC halfway, and on ext4 writing into allocated blocks costs a
 * fraction of filling a sparse file (measured: 0.7 s against 2.7 s of
 * system time for 1 GiB).  A file system without fallocate gets a sparse
 * file.
 */
static int
reserve(int fd, uint64_t size)
{
	if (size == 0 || fallocate(fd, 0, 0, (off_t)size) == 0)
		return ftruncate(fd, (off_t)size);
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	return ftruncate(fd, (off_t)size);
}

static void
on_meta(void *arg, const struct wire_msg *m, const char *err)
{
	struct download *d = arg;
	struct client *cl = d->cl;
	void (*started)(void *, const char *);
	char e[256];
	struct stat st;
	uint64_t want;
	uint32_t i;
	int resume;

	if (err != NULL) {
		dl_fail(d, "%s", err);
		return;
	}
	if (m->h.type == WT_ERROR) {
		dl_fail(d, "%s", m->f[ERROR_MSG].s);
		return;
	}
	if (m->h.type != WT_FILE) {
		dl_fail(d, "unexpected reply from tracker");
		return;
	}
	d->size = m->f[FILE_SIZE].u;
	memcpy(d->sha1, m->f[FILE_SHA1].p, 20);
	d->npieces = m->f[FILE_PIECES].n;
	want = wire_npieces(d->size);
	if (d->size > WIRE_FILE_MAX || d->npieces != want) {
		dl_fail(d, "tracker sent inconsistent metadata");
		return;
	}
	d->hashes = xreallocarray(NULL, d->npieces ? d->npieces : 1, 20);
	if (d->npieces > 0)
		memcpy(d->hashes, m->f[FILE_PIECES].p,
		    (size_t)d->npieces * 20);
	on_sources(d, m, NULL);
	d->fd = open(d->part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->fd == -1 || fstat(d->fd, &st) == -1) {
		dl_fail(d, "%s: %s", d->part, strerror(errno));
		return;
	}
	resume = st.st_size > 0 && (uint64_t)st.st_size <= d->size;
	if ((uint64_t)st.st_size != d->size && reserve(d->fd, d->size) == -1) {
		dl_fail(d, "%s: %s", d->part, strerror(errno));
		return;
	}
	if ((d->dio = open(d->part, O_RDWR | O_DIRECT | O_CLOEXEC)) != -1)
		d->bounce = xmalloc_aligned(IO_ALIGN, PICK_BLOCK);
	if ((d->whole = hash_chain_new(read_fd(d))) == NULL) {
		dl_fail(d, "%s: %s", d->part, strerror(errno));
		return;
	}
	picker_init(&d->pk, d->size, ((uint64_t)getpid() << 32) ^
	    loop_clock_ms() ^ (uint64_t)(uintptr_t)d);
	d->contrib = xreallocarray(NULL, d->pk.nblocks + 1,
	    sizeof(*d->contrib));
	for (i = 0; i <= d->pk.nblocks; i++)
		d->contrib[i] = NO_SOURCE;
	d->solo = xcalloc(d->npieces + 1, 1);
	d->ondisk = xcalloc(d->npieces + 1, 1);
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	d->pb = xcalloc(d->npieces + 1, sizeof(*d->pb));
	d->owner = xreallocarray(NULL, d->npieces + 1, sizeof(*d->owner));
	for (i = 0; i <= d->npieces; i++)
		d->owner[i] = NO_SOURCE;
	d->sh = shares_add(cl, d->group, d->name, d->part, d->sha1, d->size,
	    d->hashes, d->npieces, 0, e, sizeof(e));
	if (d->sh == NULL) {
		dl_fail(d, "%s", e);
		return;
	}
	d->t_start = d->t_useful = d->rate_t = now_ms(d);
	d->state = DL_RUN;
	if (resume && d->npieces > 0) {
		/* Keep what is already there, once it is rechecked. */
		d->state = DL_CHECK;
		d->checking = d->npieces;
		for (i = 0; i < d->npieces; i++)
			hash_piece(cl, read_fd(d), (uint64_t)i * WIRE_PIECE_LEN,
			    picker_piece_len(&d->pk, i), d->hashes + 20 * i,
			    i, piece_checked, d);
	}
	printf("downloading %s from group %s to %s\n", d->name, d->group,
	    d->dest);
	started = d->started;
	d->started = NULL;
	started(d->started_arg, NULL);
	d->tick = loop_timer(cl->loop, TICK_MS, dl_tick, d);
	if (d->state == DL_RUN) {
		if (picker_complete(&d->pk))
			dl_finish(d);
		else
			dl_connect_sources(d);
	}
}

void
download_init(struct client *cl, void (*ended)(struct client *))
{
	cl->download_ended = ended;
	cl->pbuf_max = download_buffers();
}

void
download_start(struct client *cl, const char *group, const char *name,
    const char *dest, void (*started)(void *, const char *), void *arg)
{
	struct download *d, *o;
	struct wire_enc *e;
	struct stat st;
	char err[PATH_MAX + 64];

	d = xcalloc(1, sizeof(*d));
	d->cl = cl;
	d->fd = d->dio = -1;
	snprintf(d->group, sizeof(d->group), "%s", group);
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (resolve_dest(d, dest, err, sizeof(err)) == -1)
		goto fail;
	if (stat(d->dest, &st) == 0) {
		snprintf(err, sizeof(err), "%s already exists", d->dest);
		goto fail;
	}
	for (o = cl->downloads; o != NULL; o = o->next)
		if (strcmp(o->dest, d->dest) == 0 && o->state < DL_DONE) {
			snprintf(err, sizeof(err), "already downloading to %s",
			    d->dest);
			goto fail;
		}
	d->state = DL_META;
	d->started = started;
	d->started_arg = arg;
	d->next = cl->downloads;
	cl->downloads = d;
	e = tlink_begin(cl->tl, WT_FILE_INFO);
	wire_put_token(e, cl->token);
	wire_put_id(e, group);
	wire_put_str(e, name);
	tlink_send(cl->tl, on_meta, d);
	return;
fail:
	free(d);
	started(arg, err);
}

/* Reporting. */

static void
human_rate(double bps, char *out, size_t n)
{
	if (bps >= 1024.0 * 1024.0)
		snprintf(out, n, "%.1f MiB/s", bps / (1024.0 * 1024.0));
	else
		snprintf(out, n, "%.1f KiB/s", bps / 1024.0);
}

/* The line show_downloads prints for d, without its newline. */
static void
dl_status(const struct download *d, char *out, size_t n)
{
	double pct = d->size ? 100.0 * (double)d->bytes / (double)d->size :
	    100.0;
	uint64_t left = d->size - d->bytes;
	char rate[32];
	int k;

	switch (d->state) {
	case DL_META:
		snprintf(out, n, "[D] [%s] %s starting", d->group, d->name);
		break;
	case DL_CHECK:
		snprintf(out, n, "[D] [%s] %s checking the pieces already "
		    "there", d->group, d->name);
		break;
	case DL_RUN:
	case DL_FINISH:
		human_rate(d->rate, rate, sizeof(rate));
		k = snprintf(out, n, "[D] [%s] %s %.1f%% %s %u peer%s",
		    d->group, d->name, pct, rate, d->npeers,
		    d->npeers == 1 ? "" : "s");
		if (d->rate > 1 && k >= 0 && (size_t)k < n)
			snprintf(out + k, n - (size_t)k, " ETA %.0fs",
			    (double)left / d->rate);
		break;
	case DL_DONE:
		snprintf(out, n, "[C] [%s] %s", d->group, d->name);
		break;
	case DL_FAILED:
		snprintf(out, n, "[F] [%s] %s %s", d->group, d->name, d->why);
		break;
	}
}

void
download_list(struct client *cl)
{
	struct download *d;
	char line[STATUS_MAX];

	for (d = cl->downloads; d != NULL; d = d->next) {
		dl_status(d, line, sizeof(line));
		printf("%s\n", line);
	}
}

unsigned
download_running(const struct client *cl)
{
	const struct download *d;
	unsigned n = 0;

	for (d = cl->downloads; d != NULL; d = d->next)
		n += d->state < DL_DONE;
	return n;
}

void
download_abort_all(struct client *cl, const char *why)
{
	struct download *d;

	for (d = cl->downloads; d != NULL; d = d->next)
		if (d->state < DL_DONE)
			dl_fail(d, "%s", why);
}

void
download_free_all(struct client *cl)
{
	struct download *d;
	uint32_t i;

	while ((d = cl->downloads) != NULL) {
		cl->downloads = d->next;
		loop_timer_cancel(cl->loop, d->tick);
		if (d->fd != -1)
			close(d->fd);
		if (d->dio != -1)
			close(d->dio);
		free(d->bounce);
		if (d->npieces > 0 || d->pk.have != NULL)
			picker_free(&d->pk);
		hash_chain_free(d->whole);
		for (i = 0; d->pb != NULL && i < d->npieces; i++) {
			if (d->pb[i] != NULL)
				d->pb[i]->busy = 0;	/* the pool is gone */
			pb_release(d, i);
		}
		free(d->pb);
		free(d->ondisk);
		free(d->contrib);
		free(d->solo);
		free(d->owner);
		free(d->hashes);
		free(d->src);
		free(d);
	}
	pbuf_free_all(cl);
}
