/*
 * peer_server.h - serve verified pieces of shared files to other peers.
 *
 * The server accepts peers on the client's listener while a session is
 * open, and sends each subscriber a HAVE as a piece of a share is
 * verified (it registers the shares' have hook for that).  It reads
 * shares, never changes them, and never serves an unverified piece.
 * Only the loop thread calls in.
 */
#ifndef PEER_SERVER_H
#define PEER_SERVER_H

struct client;

/* Listen on cl->lfd and register the shares' have hook. */
void	peer_server_start(struct client *);
/* Close every peer connection (logout, exit). */
void	peer_server_stop_all(struct client *);

#endif
