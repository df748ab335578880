/*
 * client.h - the state of one client process, shared by its modules.
 *
 * One struct client per process: main.c makes it, wires the modules
 * together and frees what they leave.  Each field is written by the
 * module named beside it (or, unmarked, by main.c at start-up); others
 * may read it.  Only the loop thread touches it, so it needs no lock.
 *
 * Calls run one way, downward: main -> commands -> download -> shares,
 * main -> peer_server -> shares (see the design notes in each header).
 * What a lower module must tell a higher one goes through the hooks at
 * the end, each registered by the higher one: a module never names a
 * function of a module that uses it.  This header declares no functions.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"
#include "trackers.h"
#include "wire.h"

struct commands_events;
struct conn_limit;
struct download;
struct folder;
struct pbuf;
struct loop;
struct loop_timer;
struct share;
struct shell;
struct suggest;
struct tlink;
struct tls_ctx;
struct tls_id;
struct worker_pool;

struct client {
	struct loop		*loop;
	struct tracker_list	 trackers;
	char			 addr[HOST_MAX + 8];	/* our "ip:port" */
	int			 lfd;			/* peer listener */
	/*
	 * The client's identity: a key made at start, shown on every link
	 * (to trackers, which vouch for it to other peers, and to peers);
	 * tls_cli dials, tls_srv answers peers.  NULL only under
	 * P2PS_BENCH_PLAINTEXT.
	 */
	struct tls_id		*id;
	struct tls_ctx		*tls_cli, *tls_srv;
	struct tlink		*tl;
	struct shell		*sh;
	struct suggest		*suggest;	/* suggest.c: what Tab offers */
	/* The session: commands.c starts it; it or main.c ends it. */
	int			 logged_in;
	char			 user[ID_MAX + 1];
	uint8_t			 token[WIRE_TOKEN_LEN];
	uint8_t			 ticket_key[32];	/* checks tickets
							   of our peers */
	int			 failed;	/* a command failed: exit 1 */
	int			 quitting;	/* main.c */
	struct worker_pool	*workers;	/* hashing */
	struct worker_pool	*seq_workers;	/* whole-file SHA1s of
						   downloads: long jobs, kept
						   out of the way of piece
						   checks */
	struct share		*shares;	/* shares.c: files served, */
	struct share		**share_sha1;	/* ... hashed by content */
	struct share		**share_name;	/* ... and by group, name */
	size_t			 share_buckets, nshares;
	struct download		*downloads;	/* download.c: this session's */
	struct folder		*folders;	/* folder.c: synced folders */
	/* Piece buffers, shared by every download (storage.c). */
	struct pbuf		*pbuf_free;	/* idle ones */
	size_t			 pbuf_total;	/* bytes allocated, */
	size_t			 pbuf_max;	/* ... at most (download_init()) */
	struct loop_timer	*ping;		/* main.c: keepalive while
						   logged in */
	/*
	 * What this client may take of its link (--up-limit, --down-limit,
	 * set_limit): pieces served go under up, pieces fetched under down,
	 * shared by every transfer.  Made by main.c, set by commands.c.
	 */
	struct conn_limit	*up_limit, *down_limit;
	char			 ledger[PATH_MAX];	/* reshare.c: this
						   client's record of shares
						   (main.c names it; "": none) */
	char			 ok_msg[256];	/* commands.c: printed when the
						   running command succeeds */

	/* Hooks: upward calls, each registered by the module above. */
	const struct commands_events *cmd_events;  /* commands_init() */
	void	(*download_ended)(struct client *);	/* download_init() */
	void	(*download_done)(struct client *, const char *dest,
		    const uint8_t sha1[20], int ok);	/* download_on_done() */
	void	(*share_have)(struct client *, const struct share *,
		    uint32_t piece);			/* shares_on_have() */
};

#endif
