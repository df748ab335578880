/*
 * conn.h - a framed, non-blocking connection on the event loop.
 *
 * Input is read into a buffer capped at in_max and cut into frames with
 * wire_frame(); each whole frame is decoded and handed to ops->frame.  A
 * frame that is unknown, oversized or malformed closes the connection
 * with a logged reason and nothing else.  Output is appended to conn_out()
 * (capped at out_max) and written before the loop next sleeps, so replies
 * produced in one iteration leave in as few writes as possible: by
 * conn_flush_all(), which conn hooks before sleep itself unless the
 * program took that over (conn_flush_by_caller()).
 *
 * Lifetime: conn_close() only marks the connection; it is torn down after
 * the current iteration's callbacks, when ops->closed runs once and the
 * struct is freed.  So a callback may close its own connection and go on
 * using the pointer until it returns.
 *
 * A conn owns its socket (it closes it) and its buffers.  It never reads
 * a frame's meaning (ops->frame does), and never runs off the loop thread.
 */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct conn;
struct conn_limit;
struct loop;
struct tls_ctx;
struct wire_msg;

struct conn_ops {
	/* A decoded frame.  Its pointers are valid until this returns. */
	void	(*frame)(struct conn *, const struct wire_msg *, void *arg);
	/* Torn down; why is a short reason.  The conn is freed after. */
	void	(*closed)(struct conn *, const char *why, void *arg);
	/*
	 * The link is up (optional): an outgoing connect completed or, with
	 * TLS, the handshake is done on either side, and conn_peer_fp() says
	 * whom it is with.  Nothing queued leaves before this returns, so it
	 * may still close a link to the wrong peer.
	 */
	void	(*connected)(struct conn *, void *arg);
	/*
	 * Everything queued has been written (optional): a sender that
	 * holds back while the queue is long may go on.
	 */
	void	(*drained)(struct conn *, void *arg);
};

/* Take over fd.  connecting: fd is an outgoing connect in progress. */
struct conn	*conn_new(struct loop *, int fd, const char *name,
		    int connecting, const struct conn_ops *, void *arg,
		    size_t in_max, size_t out_max);
/*
 * Where to append outgoing frames; then call conn_flush(), which marks
 * the connection for the next conn_flush_all() (it writes nothing now).
 */
struct buf	*conn_out(struct conn *);
void		 conn_flush(struct conn *);
/*
 * Write what every marked connection has queued (what is left goes out
 * as the socket allows); output queued meanwhile, by a drained callback,
 * goes in the same pass.  It must run before each sleep of the loop.  By
 * default conn registers it with loop_before_sleep() itself, at the
 * first conn_new() on a loop: a program with no order to keep (the
 * client) needs nothing more.  A program whose output must wait for
 * other work before sleeping (the tracker: replies after COMMIT) calls
 * conn_flush_by_caller() before its first conn_new(), and then
 * conn_flush_all() last in its own before-sleep hook.
 */
void		 conn_flush_all(void);
void		 conn_flush_by_caller(void);
/*
 * Queue len bytes of file fd from off, to go out right after everything
 * appended to conn_out() so far, with sendfile (no copy through us).  The
 * fd is duplicated; the caller keeps its own.  If the file turns out
 * shorter, the connection is closed.  0, or -1 (dup failed).
 */
int		 conn_sendfile(struct conn *, int fd, uint64_t off, uint32_t len);
/* File ranges queued and not yet sent. */
unsigned	 conn_file_queue(const struct conn *);
/* Bytes queued for the socket: memory and file ranges. */
uint64_t	 conn_queued(const struct conn *);
/* Mark for teardown (idempotent).  why is logged at debug level. */
void		 conn_close(struct conn *, const char *why);
/* Write what is queued, then close; reads stop at once. */
void		 conn_close_after_write(struct conn *, const char *why);
int		 conn_closing(const struct conn *);
const char	*conn_name(const struct conn *);
uint64_t	 conn_last_rx(const struct conn *);
/*
 * Has a frame been coming in for more than ms (begun, not ended)?  A
 * peer dribbling bytes keeps its link from idling out, not this.
 */
int		 conn_stalled(const struct conn *, uint64_t now, uint64_t ms);
void		 conn_set_arg(struct conn *, void *arg);
/* Hand the connection to another owner (its callbacks from now on). */
void		 conn_set_ops(struct conn *, const struct conn_ops *, void *arg);
/*
 * Speak TLS on this connection, before anything is read or written: the
 * handshake runs as soon as the socket is connected (an accepted one at
 * once), then ops->connected is called.  Frames queued before wait for
 * it.  peer: the client side's name for the server, under which its
 * session is kept for resuming; NULL on the server side.  0 or -1.
 */
int		 conn_start_tls(struct conn *, struct tls_ctx *,
		    const char *peer);
/* The key the peer proved in the handshake: 0, or -1 (none, not yet). */
int		 conn_peer_fp(const struct conn *, uint8_t fp[32]);
int		 conn_tls_resumed(const struct conn *);
/* Keying material of this TLS session (tls_export()): 0 or -1. */
int		 conn_export(const struct conn *, const char *label,
		    uint8_t *out, size_t len);
/*
 * Rate limits shared by connections: an up limit counts what a connection
 * writes, a down limit what it reads, TCP/IP and TLS overhead included
 * (estimated: the limit is on what the link carries).  A connection over
 * its limit stops writing (reading) and goes on when the bucket has room
 * again (a token bucket, rate.h, on the loop's clock; waiters woken in
 * turn).  down: 0 for an up limit, 1 for a down one.  bps 0: no limit.
 */
struct conn_limit *conn_limit_new(struct loop *, int down);
void		 conn_limit_free(struct conn_limit *);
void		 conn_limit_set(struct conn_limit *, uint64_t bps);
uint64_t	 conn_limit_get(const struct conn_limit *);
/* The limits c is under (NULL: none); up must be an up limit. */
void		 conn_set_limits(struct conn *, struct conn_limit *up,
		    struct conn_limit *down);
/* Connections open in this process. */
size_t		 conn_count(void);

#endif
