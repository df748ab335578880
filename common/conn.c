/*
 * conn.c - framed connections (see conn.h).
 *
 * Connections with output waiting sit on one dirty list, written by
 * conn_flush_all() before the loop sleeps (conn's own before-sleep hook,
 * or the program's); connections being closed sit on a dead list, reaped
 * by a deferred call.  Both lists are intrusive, so neither costs an
 * allocation per write or per close.  The lists are the process's: one
 * loop thread owns every connection.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "net.h"
#include "rate.h"
#include "rbuf.h"
#include "tls.h"
#include "wire.h"
#include "xalloc.h"

#define READ_CHUNK	(64 * 1024)
#define READS_PER_EVENT	8	/* then let other connections run */
#define STAGE_MAX	(64 * 1024)	/* file bytes read ahead for TLS */

enum {
	C_CONNECTING = 0x1,
	C_CLOSING = 0x2,	/* on the dead list */
	C_DIRTY = 0x4,		/* on the dirty list */
	C_WANT_WRITE = 0x8,	/* EV_WRITE registered */
	C_CLOSE_AFTER = 0x10,	/* close once output is drained */
	C_HANDSHAKE = 0x20,	/* TLS handshake under way */
	C_WRITE_ON_READ = 0x40,	/* TLS write waits for a readable socket */
	C_READ_ON_WRITE = 0x80,	/* TLS read waits for a writable socket */
	C_RATE_W = 0x100,	/* writes wait for the up limit */
	C_RATE_R = 0x200,	/* reads wait for the down limit */
};

enum { UP, DOWN };

/*
 * A limit: a token bucket on the loop's clock, and the connections that
 * wait for it (linked through their wait_next[dir]), woken by one timer.
 * The link carries more than our bytes: TCP/IP headers (66 bytes a
 * 1448-byte segment, Ethernet's included, as interface counters count
 * them) and TLS records' (22 in 16 KiB), so each byte costs OVER_PPM more.
 */
#define OVER_PPM	47000
#define LIMIT_CHUNK	(16 * 1024)	/* waits for room for this much */

struct conn_limit {
	struct loop		*loop;
	struct rate		 r;
	int			 dir;
	struct conn		*waiters;
	struct loop_timer	*timer;
};

/*
 * A file range in the output stream.  at is the count of memory bytes
 * (since the connection began) that must be written before it, so memory
 * and file data leave in the order they were queued without copying
 * either into the other.
 */
struct fseg {
	struct fseg	*next;
	int		 fd;
	uint64_t	 at;
	off_t		 off;
	size_t		 len;
};

struct conn {
	struct loop		*loop;
	int			 fd;
	unsigned		 flags;
	const struct conn_ops	*ops;
	void			*arg;
	struct buf		 in, out;
	uint64_t		 out_sent;	/* memory bytes written, ever */
	struct fseg		*fhead, **ftail;
	unsigned		 nfseg;
	uint64_t		 fbytes;	/* file bytes queued */
	uint64_t		 last_rx;
	uint64_t		 part_since;	/* a frame begun, not ended */
	const char		*why;
	struct tls		*tls;		/* NULL: plain socket */
	uint8_t			 peer_fp[TLS_FP_LEN];	/* proved in the
							   handshake */
	int			 have_fp;
	uint8_t			*stage;		/* file bytes for TLS */
	size_t			 stage_off, stage_len;
	unsigned		 ev;		/* events asked of the loop */
	size_t			 wpend;		/* a TLS write to retry: at
						   least this long */
	struct conn_limit	*lim[2];	/* UP, DOWN; NULL: none */
	struct conn		*wait_next[2];
	char			 name[64];
	struct conn		*dirty_next, *dead_next;
};

static struct conn	*dirty_head;
static struct conn	*dead_head;
static struct loop	*hooked;	/* loop our flush hook is on */
static int		 by_caller;	/* conn_flush_by_caller() was called */
static size_t		 nconns;

static void	conn_event(int, unsigned, void *);
static void	flush_hook(void *);
static void	reap(void *);
static void	limit_unwait(struct conn *, int dir);

struct conn *
conn_new(struct loop *l, int fd, const char *name, int connecting,
    const struct conn_ops *ops, void *arg, size_t in_max, size_t out_max)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->loop = l;
	c->fd = fd;
	c->ops = ops;
	c->arg = arg;
	c->last_rx = loop_now(l);
	snprintf(c->name, sizeof(c->name), "%s", name);
	buf_init(&c->in, in_max);
	buf_init(&c->out, out_max);
	c->ftail = &c->fhead;
	if (!by_caller && hooked != l) {
		loop_before_sleep(l, flush_hook, NULL);
		hooked = l;
	}
	if (connecting)
		c->flags |= C_CONNECTING | C_WANT_WRITE;
	c->ev = connecting ? EV_WRITE : EV_READ;
	if (loop_add(l, fd, c->ev, conn_event, c) == -1) {
		log_warn("%s: epoll add", c->name);
		close(fd);
		buf_free(&c->in);
		buf_free(&c->out);
		free(c);
		return NULL;
	}
	nconns++;
	return c;
}

struct buf *
conn_out(struct conn *c)
{
	return &c->out;
}

void
conn_flush(struct conn *c)
{
	if (c->flags & (C_DIRTY | C_CLOSING))
		return;
	c->flags |= C_DIRTY;
	c->dirty_next = dirty_head;
	dirty_head = c;
}

void
conn_close(struct conn *c, const char *why)
{
	if (c->flags & C_CLOSING)
		return;
	c->flags |= C_CLOSING;
	c->why = why;
	loop_del(c->loop, c->fd);
	if (dead_head == NULL)
		loop_defer(c->loop, reap, NULL);
	c->dead_next = dead_head;
	dead_head = c;
}

void
conn_close_after_write(struct conn *c, const char *why)
{
	if (c->flags & C_CLOSING)
		return;
	c->flags |= C_CLOSE_AFTER;
	c->why = why;
	conn_flush(c);
}

int
conn_closing(const struct conn *c)
{
	return (c->flags & (C_CLOSING | C_CLOSE_AFTER)) != 0;
}

const char *
conn_name(const struct conn *c)
{
	return c->name;
}

uint64_t
conn_last_rx(const struct conn *c)
{
	return c->last_rx;
}

int
conn_stalled(const struct conn *c, uint64_t now, uint64_t ms)
{
	return c->part_since != 0 && now - c->part_since > ms;
}

void
conn_set_arg(struct conn *c, void *arg)
{
	c->arg = arg;
}

void
conn_set_ops(struct conn *c, const struct conn_ops *ops, void *arg)
{
	c->ops = ops;
	c->arg = arg;
}

size_t
conn_count(void)
{
	return nconns;
}

int
conn_sendfile(struct conn *c, int fd, uint64_t off, uint32_t len)
{
	struct fseg *f;
	int dfd;

	if (len == 0)
		return 0;
	if ((dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	f = xmalloc(sizeof(*f));
	f->next = NULL;
	f->fd = dfd;
	f->at = c->out_sent + buf_used(&c->out);
	f->off = (off_t)off;
	f->len = len;
	*c->ftail = f;
	c->ftail = &f->next;
	c->nfseg++;
	c->fbytes += len;
	return 0;
}

unsigned
conn_file_queue(const struct conn *c)
{
	return c->nfseg;
}

uint64_t
conn_queued(const struct conn *c)
{
	return buf_used(&c->out) + c->fbytes;
}

static void
fseg_pop(struct conn *c)
{
	struct fseg *f = c->fhead;

	if ((c->fhead = f->next) == NULL)
		c->ftail = &c->fhead;
	c->nfseg--;
	c->fbytes -= f->len;
	close(f->fd);
	free(f);
}

static void
reap(void *unused)
{
	(void)unused;
	while (dead_head != NULL) {
		struct conn *c = dead_head, **pp;

		dead_head = c->dead_next;
		if (c->flags & C_DIRTY) {
			for (pp = &dirty_head; *pp != NULL;
			    pp = &(*pp)->dirty_next)
				if (*pp == c) {
					*pp = c->dirty_next;
					break;
				}
		}
		log_debug("%s: closed: %s", c->name, c->why);
		limit_unwait(c, UP);
		limit_unwait(c, DOWN);
		if (c->ops->closed != NULL)
			c->ops->closed(c, c->why, c->arg);
		while (c->fhead != NULL)
			fseg_pop(c);
		tls_free(c->tls);
		free(c->stage);
		close(c->fd);
		buf_free(&c->in);
		buf_free(&c->out);
		free(c);
		nconns--;
	}
}

/*
 * Write n bytes of p to the socket, in TLS records if the connection has
 * TLS.  more: file data follows at once (plain: let them share packets).
 * The count written, 0 when the socket must drain first, -1 when the
 * connection was closed.
 */
static ssize_t
out_bytes(struct conn *c, const void *p, size_t n, int more)
{
	ssize_t r;
	size_t w;

	if (c->tls != NULL) {
		switch (tls_write(c->tls, p, n, &w)) {
		case TLS_OK:
			c->wpend = 0;
			return (ssize_t)w;
		case TLS_WANT_WRITE:
			c->wpend = n;
			return 0;
		case TLS_WANT_READ:	/* a key update: read first */
			c->wpend = n;
			c->flags |= C_WRITE_ON_READ;
			return 0;
		default:
			conn_close(c, "TLS write failed");
			return -1;
		}
	}
	for (;;) {
		r = send(c->fd, p, n, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
		if (r > 0)
			return r;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		conn_close(c, "write failed");
		return -1;
	}
}

/*
 * The next bytes of file range f, at most cap.  A plain socket takes them with
 * sendfile (no copy through us); TLS must encrypt them, so they are read
 * into the connection's stage (kept for its life, STAGE_MAX bytes) and
 * written from there.  Same results as out_bytes().
 */
static ssize_t
out_file(struct conn *c, struct fseg *f, size_t cap)
{
	ssize_t n;

	if (c->tls == NULL) {
		n = sendfile(c->fd, f->fd, &f->off, f->len < cap ? f->len :
		    cap);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return 0;
		if (n == -1) {
			conn_close(c, "write failed");
			return -1;
		}
	} else {
		if (c->stage_off == c->stage_len) {
			size_t want = f->len < STAGE_MAX ? f->len : STAGE_MAX;

			if (c->stage == NULL)
				c->stage = xmalloc(STAGE_MAX);
			do
				n = pread(f->fd, c->stage, want, f->off);
			while (n == -1 && errno == EINTR);
			if (n <= 0)
				goto short_file;
			c->stage_off = 0;
			c->stage_len = (size_t)n;
			f->off += n;
		}
		n = out_bytes(c, c->stage + c->stage_off,
		    c->stage_len - c->stage_off < cap ?
		    c->stage_len - c->stage_off : cap, 0);
		if (n <= 0)
			return n;
		c->stage_off += (size_t)n;
	}
	if (n == 0)
		goto short_file;
	f->len -= (size_t)n;
	c->fbytes -= (uint64_t)n;
	if (f->len == 0)
		fseg_pop(c);
	return n;
short_file:
	log_warnx("%s: shared file is shorter than announced", c->name);
	conn_close(c, "file shrank");
	return -1;
}

/* Ask the loop for events ev (C_WANT_WRITE follows EV_WRITE). */
static void
set_events(struct conn *c, unsigned ev)
{
	if (ev & EV_WRITE)
		c->flags |= C_WANT_WRITE;
	else
		c->flags &= ~C_WANT_WRITE;
	if (ev != c->ev) {
		c->ev = ev;
		loop_mod(c->loop, c->fd, ev);
	}
}

/* Ask the loop for what the connection waits on now. */
static void
want_events(struct conn *c)
{
	int w = (conn_queued(c) > 0 &&
	    !(c->flags & (C_WRITE_ON_READ | C_RATE_W))) ||
	    (c->flags & C_READ_ON_WRITE);

	set_events(c, ((c->flags & (C_CLOSE_AFTER | C_RATE_R)) ? 0 : EV_READ) |
	    (w ? EV_WRITE : 0));
}

/* Limits. */

struct conn_limit *
conn_limit_new(struct loop *l, int down)
{
	struct conn_limit *lim = xcalloc(1, sizeof(*lim));

	lim->loop = l;
	lim->dir = down ? DOWN : UP;
	return lim;
}

void
conn_limit_free(struct conn_limit *lim)
{
	if (lim == NULL)
		return;
	if (lim->timer != NULL)
		loop_timer_cancel(lim->loop, lim->timer);
	free(lim);
}

static void	limit_fire(void *);

/* Bytes of ours c may move now under limit dir (SIZE_MAX: no limit). */
static size_t
limit_allow(struct conn *c, int dir)
{
	struct conn_limit *lim = c->lim[dir];
	size_t a;

	if (lim == NULL || (a = rate_allow(&lim->r,
	    loop_now(lim->loop))) == SIZE_MAX)
		return SIZE_MAX;
	return (size_t)((uint64_t)a * 1000000 / (1000000 + OVER_PPM));
}

static void
limit_spend(struct conn *c, int dir, size_t n)
{
	if (c->lim[dir] != NULL)
		rate_spend(&c->lim[dir]->r, n + (size_t)((uint64_t)n *
		    OVER_PPM / 1000000));
}

/* c waits for room under limit dir: off the loop's events till then. */
static void
limit_wait(struct conn *c, int dir)
{
	struct conn_limit *lim = c->lim[dir];
	unsigned flag = dir == UP ? C_RATE_W : C_RATE_R;
	uint64_t ms;

	if (!(c->flags & flag)) {
		c->flags |= flag;
		c->wait_next[dir] = lim->waiters;
		lim->waiters = c;
	}
	if (lim->timer == NULL) {
		ms = rate_wait(&lim->r, LIMIT_CHUNK + LIMIT_CHUNK / 16);
		lim->timer = loop_timer(lim->loop, ms ? ms : 1, limit_fire,
		    lim);
	}
	want_events(c);
}

static void
limit_unwait(struct conn *c, int dir)
{
	struct conn **pp;

	if (c->lim[dir] == NULL)
		return;
	for (pp = &c->lim[dir]->waiters; *pp != NULL;
	    pp = &(*pp)->wait_next[dir])
		if (*pp == c) {
			*pp = c->wait_next[dir];
			break;
		}
	c->flags &= ~(dir == UP ? C_RATE_W : C_RATE_R);
}

static void	read_in(struct conn *);

/*
 * Room again: every waiter goes on, oldest first (so none starves): a
 * writer is marked for the next flush, a reader reads what TLS holds
 * and asks for its events again.
 */
static void
limit_fire(void *arg)
{
	struct conn_limit *lim = arg;
	struct conn *c, *list = NULL, *next;

	lim->timer = NULL;
	/* Reverse the list: waiters were pushed at its head. */
	for (c = lim->waiters; c != NULL; c = next) {
		next = c->wait_next[lim->dir];
		c->wait_next[lim->dir] = list;
		list = c;
	}
	lim->waiters = NULL;
	for (c = list; c != NULL; c = next) {
		next = c->wait_next[lim->dir];
		if (lim->dir == UP) {
			c->flags &= ~C_RATE_W;
			conn_flush(c);
		} else {
			c->flags &= ~C_RATE_R;
			want_events(c);
			if (c->tls != NULL && tls_pending(c->tls) &&
			    !conn_closing(c))
				read_in(c);
		}
	}
}

void
conn_limit_set(struct conn_limit *lim, uint64_t bps)
{
	rate_set(&lim->r, bps, loop_now(lim->loop));
	if (bps == 0 && lim->waiters != NULL) {
		if (lim->timer != NULL)
			loop_timer_cancel(lim->loop, lim->timer);
		limit_fire(lim);
	}
}

uint64_t
conn_limit_get(const struct conn_limit *lim)
{
	return lim->r.bps;
}

void
conn_set_limits(struct conn *c, struct conn_limit *up,
    struct conn_limit *down)
{
	limit_unwait(c, UP);
	limit_unwait(c, DOWN);
	c->lim[UP] = up;
	c->lim[DOWN] = down;
	if (!(c->flags & (C_CONNECTING | C_HANDSHAKE | C_CLOSING)))
		want_events(c);
}

/* Write queued output, memory and files in order; EV_WRITE for the rest. */
static void
write_out(struct conn *c)
{
	uint64_t had = conn_queued(c);
	ssize_t n;

	for (;;) {
		struct fseg *f = c->fhead;
		size_t mem = buf_used(&c->out), cap;

		if (f != NULL && f->at - c->out_sent < mem)
			mem = (size_t)(f->at - c->out_sent);
		if (mem == 0 && f == NULL)
			break;
		if ((cap = limit_allow(c, UP)) == 0 && c->wpend == 0) {
			limit_wait(c, UP);
			return;
		}
		/* OpenSSL takes a retried write no shorter than before. */
		if (cap < c->wpend)
			cap = c->wpend;
		if (mem > 0) {
			n = out_bytes(c, buf_head(&c->out), mem < cap ? mem :
			    cap, f != NULL);
			if (n > 0) {
				buf_consume(&c->out, (size_t)n);
				c->out_sent += (uint64_t)n;
			}
		} else {
			n = out_file(c, f, cap);
		}
		if (n == -1)
			return;		/* closed */
		if (n == 0)
			break;		/* the socket is full */
		limit_spend(c, UP, (size_t)n);
	}
	if (conn_queued(c) == 0 && (c->flags & C_CLOSE_AFTER)) {
		conn_close(c, c->why);
		return;
	}
	want_events(c);
	/* Last: what it queues is written by the flush it asks for. */
	if (had > 0 && conn_queued(c) == 0 && c->ops->drained != NULL &&
	    !conn_closing(c))
		c->ops->drained(c, c->arg);
}

void
conn_flush_by_caller(void)
{
	by_caller = 1;
}

void
conn_flush_all(void)
{
	while (dirty_head != NULL) {
		struct conn *c = dirty_head;

		dirty_head = c->dirty_next;
		c->flags &= ~C_DIRTY;
		/* A connect or handshake in progress: flushed when done. */
		if (!(c->flags & (C_CLOSING | C_CONNECTING | C_HANDSHAKE)))
			write_out(c);
	}
}

static void
flush_hook(void *unused)
{
	(void)unused;
	conn_flush_all();
}

/* Cut whole frames off the input and dispatch them. */
static void
parse_frames(struct conn *c)
{
	struct wire_hdr h;
	struct wire_msg m;
	const char *why = NULL;
	char esc[64];
	int ended = 0;

	while (!conn_closing(c)) {
		const uint8_t *p = buf_head(&c->in);
		size_t n = buf_used(&c->in);

		switch (wire_frame(p, n, &h, &why)) {
		case WIRE_NEED_MORE:
			/* The clock of the frame in progress. */
			if (n == 0)
				c->part_since = 0;
			else if (ended || c->part_since == 0)
				c->part_since = loop_now(c->loop);
			return;
		case WIRE_BAD:
			log_warnx("%s: dropping connection: %s (header %s)",
			    c->name, why, log_escape(esc, sizeof(esc), p,
			    n < WIRE_HDR ? n : WIRE_HDR));
			conn_close(c, why);
			return;
		case WIRE_OK:
			break;
		}
		if (wire_decode(&h, p + WIRE_HDR, &m, &why) == -1) {
			log_warnx("%s: dropping connection: bad %s frame: %s",
			    c->name, wire_type_name(h.type), why);
			conn_close(c, why);
			return;
		}
		c->ops->frame(c, &m, c->arg);
		buf_consume(&c->in, WIRE_HDR + (size_t)h.len);
		ended = 1;
	}
}

/* Read up to room bytes: plain or through TLS.  As read(2), -2: wait. */
static ssize_t
in_bytes(struct conn *c, uint8_t *t, size_t room)
{
	ssize_t n;
	size_t got;

	if (c->tls == NULL) {
		do
			n = read(c->fd, t, room);
		while (n == -1 && errno == EINTR);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -2;
		return n;
	}
	switch (tls_read(c->tls, t, room, &got)) {
	case TLS_OK:
		return (ssize_t)got;
	case TLS_WANT_READ:
		return -2;
	case TLS_WANT_WRITE:	/* a key update: write first */
		c->flags |= C_READ_ON_WRITE;
		want_events(c);
		return -2;
	case TLS_CLOSED:
		return 0;
	default:
		return -1;
	}
}

static void
read_in(struct conn *c)
{
	ssize_t n;
	int i;

	/*
	 * TLS may hold decrypted bytes the socket no longer signals: those
	 * are read before returning, whatever the budget.
	 */
	for (i = 0; (i < READS_PER_EVENT || (c->tls != NULL &&
	    tls_pending(c->tls))) && !conn_closing(c); i++) {
		size_t room = c->in.max - buf_used(&c->in), cap;
		uint8_t *t;

		if (room == 0) {
			/* wire_frame() caps frames below in_max. */
			conn_close(c, "input buffer full");
			return;
		}
		if (room > READ_CHUNK)
			room = READ_CHUNK;
		if ((cap = limit_allow(c, DOWN)) == 0) {
			limit_wait(c, DOWN);
			return;
		}
		if (room > cap)
			room = cap;
		t = buf_reserve(&c->in, room);
		n = in_bytes(c, t, room);
		if (n > 0) {
			limit_spend(c, DOWN, (size_t)n);
			c->in.len += (size_t)n;
			c->last_rx = loop_now(c->loop);
			parse_frames(c);
			/* A short read emptied the socket. */
			if (c->tls == NULL ? (size_t)n < room :
			    tls_drained(c->tls))
				return;
			continue;
		}
		if (n == 0) {
			/* A peer may vanish: the owner copes; not a warning. */
			if (buf_used(&c->in) > 0)
				log_info("%s: closed mid-frame, %zu bytes "
				    "unread", c->name, buf_used(&c->in));
			conn_close(c, "connection closed by peer");
			return;
		}
		if (n == -1)
			conn_close(c, c->tls != NULL ? "TLS read failed" :
			    "read failed");
		return;
	}
}

/* Go on with the TLS handshake; once done, the link is up. */
static void
handshake(struct conn *c)
{
	switch (tls_handshake(c->tls)) {
	case TLS_OK:
		c->flags &= ~C_HANDSHAKE;
		set_events(c, EV_READ);
		/* Once: handlers ask for it with every request. */
		c->have_fp = tls_peer_fp(c->tls, c->peer_fp) == 0;
		c->last_rx = loop_now(c->loop);
		if (c->ops->connected != NULL)
			c->ops->connected(c, c->arg);
		conn_flush(c);
		if (!conn_closing(c))
			read_in(c);	/* bytes that came with it */
		return;
	case TLS_WANT_READ:
		set_events(c, EV_READ);
		return;
	case TLS_WANT_WRITE:
		set_events(c, EV_READ | EV_WRITE);
		return;
	default:
		log_debug("%s: TLS handshake failed: %s", c->name,
		    tls_error());
		conn_close(c, "TLS handshake failed");
	}
}

int
conn_start_tls(struct conn *c, struct tls_ctx *ctx, const char *peer)
{
	if (c->tls != NULL || (c->tls = tls_new(ctx, c->fd, peer)) == NULL)
		return -1;
	/*
	 * Accepted: the client speaks first, and its hello wakes us; no
	 * callback may run before the caller has finished setting up.
	 */
	if (!(c->flags & C_CONNECTING))
		c->flags |= C_HANDSHAKE;
	return 0;
}

int
conn_peer_fp(const struct conn *c, uint8_t fp[TLS_FP_LEN])
{
	if (!c->have_fp)
		return -1;
	memcpy(fp, c->peer_fp, TLS_FP_LEN);
	return 0;
}

int
conn_tls_resumed(const struct conn *c)
{
	return c->tls != NULL && tls_resumed(c->tls);
}

int
conn_export(const struct conn *c, const char *label, uint8_t *out,
    size_t len)
{
	if (c->tls == NULL || (c->flags & (C_CONNECTING | C_HANDSHAKE)))
		return -1;
	return tls_export(c->tls, label, out, len);
}

static void
conn_event(int fd, unsigned ev, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if (c->flags & C_CONNECTING) {
		if (net_connect_result(c->fd) == -1) {
			conn_close(c, "connect failed");
			return;
		}
		c->flags &= ~C_CONNECTING;
		set_events(c, EV_READ);
		if (c->tls != NULL) {
			c->flags |= C_HANDSHAKE;
			handshake(c);
			return;
		}
		if (c->ops->connected != NULL)
			c->ops->connected(c, c->arg);
		conn_flush(c);
		return;
	}
	if (c->flags & C_HANDSHAKE) {
		handshake(c);
		return;
	}
	if ((ev & EV_READ) && !conn_closing(c)) {
		read_in(c);
		if ((c->flags & C_WRITE_ON_READ) && !(c->flags & C_CLOSING)) {
			c->flags &= ~C_WRITE_ON_READ;
			write_out(c);
		}
	}
	if ((ev & EV_WRITE) && !(c->flags & C_CLOSING)) {
		if (c->flags & C_READ_ON_WRITE) {
			c->flags &= ~C_READ_ON_WRITE;
			if (!conn_closing(c))
				read_in(c);
		}
		write_out(c);
	}
}
