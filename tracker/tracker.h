/*
 * tracker.h - the state the tracker's modules share, and its limits.
 *
 * One struct tracker per process, owned by main.c (which fills it from
 * the arguments, opens what it points to and frees it) and driven by its
 * event loop, on the loop thread only.  The other modules read it and
 * use what it points to; link.c alone keeps its list of links.
 *
 * Calls run one way, downward: main.c (arguments, listener, stdin,
 * signals, the order of the work before sleeping) calls handlers.c
 * (client requests), which calls sync.c (the channels to the other
 * trackers) and link.c (client links); all of them call store.c
 * (SQLite).  None calls a module above it.
 *
 * Declarations only: no code, no globals.
 */
#ifndef TRACKER_H
#define TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "rbuf.h"
#include "trackers.h"

struct link;
struct link_addr;
struct loop;
struct notify;
struct store;
struct sync;
struct tls_ctx;
struct tls_id;
struct worker_pool;

#define TRACKER_MAX_CONNS	8192
#define TRACKER_IN_MAX		(WIRE_HDR + 8 * 1024 * 1024)
#define TRACKER_OUT_MAX		(32 * 1024 * 1024)
#define TRACKER_IDLE_MS		(15 * 60 * 1000)
#define TRACKER_HELLO_MS	(10 * 1000)
#define TRACKER_FRAME_MS	(15 * 1000)	/* to receive one frame */
#define KDF_ITER_DEFAULT	200000
/* Ops the log keeps at most, held by every peer or not (--log-keep). */
#define LOG_KEEP_DEFAULT	500000
#define KDF_THREADS		2
/*
 * Admission (link.c).  A link is "unproven" until a request on it shows
 * a live session (a token, or a LOGIN that succeeds): strangers' links.
 * They get TRACKER_LOGIN_MS (--login-seconds) to prove one, whatever they send meanwhile
 * (a PING with a bogus token included), at most TRACKER_ADDR_UNPROVEN
 * of them from one address, and together at most TRACKER_UNPROVEN_MAX:
 * the rest of TRACKER_MAX_CONNS is kept for links with a session.  When
 * strangers fill their share, a newcomer from an address with fewer
 * pushes out the oldest of the address with the most.  Password hashes
 * (LOGIN, CREATE_USER) wait in a queue per address, and the addresses
 * take turns: TRACKER_KDF_RUNNING at a time go to the worker pool, one
 * from each address with some waiting, in turn, and at most
 * TRACKER_KDF_ADDR_RUNNING from one address: an address that floods
 * waits behind itself, and a pool thread stays free for the others.  At most TRACKER_KDF_PER_ADDR
 * wait from one address, TRACKER_KDF_MAX in all; more are answered BUSY.
 */
#define TRACKER_LOGIN_MS	(60 * 1000)
#define MIN_FREE_MB_DEFAULT	64	/* --min-free */
#define DISK_ROOM_AGAIN		(1024 * 1024)	/* after a failed commit */
#define TRACKER_ADDR_UNPROVEN	1024
#define TRACKER_UNPROVEN_MAX	(TRACKER_MAX_CONNS - 1024)
#define TRACKER_KDF_RUNNING	KDF_THREADS
#define TRACKER_KDF_ADDR_RUNNING (KDF_THREADS - 1)
#define TRACKER_KDF_PER_ADDR	1024
#define TRACKER_KDF_MAX		4096
/* A session with no client link anywhere this long ends (--session-idle). */
#define SESSION_IDLE_DEFAULT	(7 * 86400)
/*
 * How long a peer ticket is good (--ticket-seconds): the longest a member
 * who left a group, or logged out, can still be served on a connection
 * it holds open.  Downloaders renew theirs on open connections.
 */
#define TICKET_SECONDS_DEFAULT	120
/*
 * Per-user quotas (store.h; --max-groups-per-user, --max-pending-per-user,
 * --max-files-per-user; 0: none).  Chat services cap the groups a person
 * is in at some hundreds (Discord 100 servers, Telegram 500 groups), so a
 * thousand groups, or a thousand join requests waiting at once, is more
 * than anyone uses, and 1,000 names of 64 characters are 65 KiB of
 * listing: one user's 252,000 groups stop at 0.4% of that (a look-up:
 * the store keeps each user's count of groups).  A hundred
 * thousand files is a large music library or source tree shared whole;
 * the check walks at most that many entries of the user's own index
 * range (some 7 ms at the limit, 0.1 ms for a user with a thousand), and
 * only for a file the user does not share yet.
 */
#define QUOTA_GROUPS_DEFAULT	1000
#define QUOTA_PENDING_DEFAULT	1000
#define QUOTA_FILES_DEFAULT	100000

struct tracker {
	struct loop		*loop;
	struct store		*store;
	struct tracker_list	 cluster;
	size_t			 self;		/* index into cluster */
	int			 lfd;
	unsigned		 kdf_iter;
	uint64_t		 log_keep;
	uint64_t		 session_idle_ms;	/* 0: never */
	unsigned		 ticket_seconds;
	uint64_t		 login_ms;	/* --login-seconds */
	uint32_t		 quota[3];	/* groups, pending, files as
						   store_set_quota() got them */
	/*
	 * Free space on the database's disk, looked at every second by
	 * main.c: below min_free (--min-free) changes are refused and reads
	 * still served, so the tracker never meets a full disk mid-commit.
	 */
	uint64_t		 min_free;
	int			 disk_low;
	/*
	 * A COMMIT failed (the disk filled between two looks, or an I/O
	 * error): changes, logins and logouts are refused, the store is
	 * read-only and the sync channels are down until the disk has
	 * DISK_ROOM_AGAIN more free than full_avail, what it had then.
	 */
	int			 disk_full;
	uint64_t		 full_avail;
	char			 db_dir[4096];
	struct worker_pool	*workers;	/* password hashing */
	size_t			 nlinks;
	struct link		*links;		/* every accepted connection,
						   kept by link.c */
	struct link_addr	*addrs;		/* link.c: per address */
	size_t			 unproven;	/* links without a session */
	unsigned		 kdf_queued;	/* password hashes pending */
	unsigned		 kdf_running;	/* of which in the pool */
	int			 kdf_pumping;
	struct link_addr	*kdf_turn;	/* addresses with hashes
						   waiting, in turn order */
	struct sync		*sync;		/* channels to the others */
	struct notify		*notify;	/* who follows which group */
	/*
	 * This tracker's identity (kept beside the database) and its TLS
	 * contexts: tls_srv for what it accepts, tls_cli for its channels
	 * to the other trackers.  NULL only under P2PS_BENCH_PLAINTEXT.
	 */
	struct tls_id		*id;
	struct tls_ctx		*tls_srv, *tls_cli;
	char			 pins[4096];	/* the other trackers' keys */
	/*
	 * The NAMES reply to LIST_GROUPS, encoded once for every client
	 * while the list stays (store_groups_gen() says so).
	 */
	struct buf		 groups_reply;
	uint64_t		 groups_reply_gen;	/* 0: none kept */
};

#endif
