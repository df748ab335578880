/*
 * sync.h - the sync channel between the trackers of a cluster.
 *
 * Every pair of trackers named in tracker_info.txt keeps one connection:
 * the one with the lower id connects (retrying with backoff), the other
 * accepts it on its ordinary port (a HELLO with the tracker role).  Both
 * sides prove knowledge of the cluster secret with an HMAC over fresh
 * nonces; the secret never crosses the wire.  Then each sends the last op
 * it holds from every origin, and streams to the other, in the order it
 * applied them, the ops the other lacks, including ops it got from a
 * third tracker, so causal order is kept whichever way an op travels.
 * New ops, made here or applied from elsewhere, go out before the loop
 * next sleeps (sync_flush()).  A receiver applies an op (idempotently, in
 * order per origin) and acknowledges it; like a client's reply, the ack
 * is written only after the batch holding the op is committed.
 *
 * Presence travels beside the log: each tracker tells the others which
 * sessions have a live client connection to it, and forgets what a
 * tracker told it when the channel to that tracker drops.
 *
 * Owns the channels (their connections, authentication, what each peer
 * holds), the cluster secret and the log trimming timer.  Never: touches
 * SQLite (store.c applies, merges and reads ops), answers clients, or
 * hooks itself before sleep (main.c calls sync_flush() in its place).
 * Loop thread only.
 */
#ifndef SYNC_H
#define SYNC_H

#include <stddef.h>
#include <stdint.h>

struct conn;
struct tracker;
struct sync;

#define SYNC_SECRET_MAX	1024

/*
 * secret: the cluster secret (secretlen bytes); NULL for the default,
 * derived from the tracker list (any tracker started from the same
 * tracker_info.txt knows it: it keeps strangers out only in name).
 */
struct sync	*sync_new(struct tracker *, const uint8_t *secret,
		    size_t secretlen);
/* Close the channels (before the loop drains), then free. */
void		 sync_shutdown(struct sync *);
void		 sync_free(struct sync *);
/* An accepted connection whose HELLO said "tracker": take it over. */
void		 sync_adopt(struct sync *, struct conn *);
/* A session's link to this tracker came up or went down. */
void		 sync_presence(struct sync *, const uint8_t key[32], int up);
/*
 * Queue the ops new in the log since the last call to every ready
 * channel.  Call it before the loop sleeps, after the batch's COMMIT and
 * before the connections' output is written (main.c's before_sleep()).
 */
void		 sync_flush(struct sync *);
/*
 * Test switch ("cut" and "heal" on the tracker's standard input): while
 * cut, every channel is closed and none is made or accepted.
 */
void		 sync_cut(struct sync *, int cut);

#endif
