/*
 * tracker_link.h - the client's connection to the tracker cluster.
 *
 * Requests are queued with an id and answered through a callback, exactly
 * once, with the reply frame or with an error in plain words.  The link
 * connects on demand to the trackers of tracker_info.txt in order, uses
 * the first that completes the HELLO exchange, and on losing it (or when a
 * reply is overdue) moves on to the next one and sends the unanswered
 * requests again.  When every tracker has been tried once in a row (a
 * round after a working connection was lost ending with its tracker),
 * the waiting requests fail.  Only the loop thread calls in; a callback may
 * run before tlink_send() returns (a request that cannot be sent).
 */
#ifndef TRACKER_LINK_H
#define TRACKER_LINK_H

#include <stdint.h>

struct loop;
struct tls_ctx;
struct tracker_list;
struct wire_enc;
struct wire_msg;
struct tlink;

/* reply is NULL when err is set; both live only during the call. */
typedef void (*tlink_cb)(void *arg, const struct wire_msg *reply,
	    const char *err);

/*
 * tls: the context to dial with (NULL: plain, P2PS_BENCH_PLAINTEXT
 * only); known: the known-trackers file (kept, not copied).
 */
struct tlink	*tlink_new(struct loop *, const struct tracker_list *,
		    struct tls_ctx *tls, const char *known);

void		 tlink_free(struct tlink *);
/* Start a request; put its fields into the encoder returned. */
struct wire_enc	*tlink_begin(struct tlink *, unsigned type);
/* Finish the request begun last and queue it. */
void		 tlink_send(struct tlink *, tlink_cb, void *arg);
/* cb(arg) each time a tracker connection becomes ready. */
void		 tlink_on_ready(struct tlink *, void (*cb)(void *), void *arg);
/*
 * cb(arg, m) for each notice the tracker sends unasked (WT_CHANGED:
 * what a connection subscribed), and cb(arg, NULL) each time a tracker
 * connection becomes ready, after the ready hook: subscriptions are a
 * connection's, to be made again on a new one.  One hook (folders').
 */
void		 tlink_on_notice(struct tlink *, void (*cb)(void *,
		    const struct wire_msg *), void *arg);
/* Requests not yet answered. */
unsigned	 tlink_pending(const struct tlink *);
/*
 * The owner of arg is going away: no callback of a request made with
 * arg is called from now on (the requests still go out and are
 * answered, unheard).  After this nothing of the link refers to arg.
 */
void		 tlink_cancel(struct tlink *, const void *arg);

#endif
