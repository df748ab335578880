/*
 * download_int.h - private to the three files of the download module;
 * each defines DOWNLOAD_INTERNAL before including it, and no other file
 * may (download.h is the module's face).
 *
 *	download.c	the download as a whole: start, sources, the
 *			tracker's part, progress, piece verdicts, the end
 *	peer.c		the link to one peer: HELLO, bitfield and HAVEs,
 *			requests in flight, stalls, blame and strikes
 *	storage.c	pieces and the disk: piece buffers, the .part file,
 *			piece checks, the whole-file SHA1, the final rename
 *
 * Calls run one way: download.c -> peer.c -> storage.c.  What the lower
 * two must tell the download (a piece checked, the whole-file SHA1 done,
 * an error that ends it) goes up through d->ev, which download.c sets;
 * peer.c and storage.c never name a function of download.c.
 *
 * A download owns a picker (which blocks are had, asked for, how rare
 * each piece is), a table of sources (the peer addresses the tracker
 * named, up to SRC_MAX, each with its ticket, strikes and a retry time)
 * and a list of connected peers (peer.c's own struct peer); each peer
 * keeps the blocks it asked for, so a lost peer gives exactly those back
 * to the picker.  Per block, contrib[] says which source sent it; per
 * piece, pb[] and ondisk[] say where its blocks went and solo[]/owner[]
 * whether a single source must send all of it.  Each group of fields
 * below is written by the file it names (the exceptions say so); the
 * others read it.
 *
 * Only the loop thread touches a download.  storage.c hands the worker
 * pool a piece buffer (or a descriptor) to check, never the download.
 */
#ifndef DOWNLOAD_INT_H
#define DOWNLOAD_INT_H

#ifndef DOWNLOAD_INTERNAL
#error "download_int.h is private to download.c, peer.c and storage.c"
#endif

#include <limits.h>
#include <stdint.h>

#include "client.h"
#include "loop.h"
#include "parse.h"
#include "picker.h"
#include "shares.h"
#include "wire.h"

struct client;
struct hash_chain;
struct loop_timer;
struct pbuf;
struct peer;
struct share;

#define DL_DEAD_MS	30000		/* no source could help: fail */
#define PEER_MAX_STRIKES 3		/* proven bad pieces: banned */
#define PBUF_BYTES	(8u * 1024 * 1024)	/* piece buffers a client */
#define PBUF_MAX	(PBUF_BYTES / WIRE_UNIT_LEN)	/* ... at most */
#define NO_SOURCE	0xffff		/* in contrib[] and owner[]: none */

enum dl_state { DL_META, DL_CHECK, DL_RUN, DL_FINISH, DL_DONE, DL_FAILED };

/* A peer the tracker named (download.c adds, peer.c connects and blames). */
struct source {
	char		 addr[HOSTPORT_MAX];	/* as the tracker sent it */
	uint8_t		 ticket[WIRE_TICKET_LEN];	/* from the tracker */
	unsigned	 strikes;	/* pieces it alone sent that failed */
	int		 banned;
	int		 keyban;	/* banned for proving another key
					   than its ticket named: lifted
					   by a ticket naming another */
	int		 connected;
	uint64_t	 next_try;	/* no new connection before (loop ms) */
	uint64_t	 named;		/* last named by the tracker (loop ms) */
};

/*
 * What peer.c and storage.c report to download.c (d->ev).  Each may be
 * called from inside the call that caused it or later from the loop.
 */
struct dl_events {
	/*
	 * A piece check ended, ok 1 if it matches its SHA1: a piece
	 * rechecked on resume (state DL_CHECK) or one just received.
	 */
	void	(*checked)(struct download *, uint32_t piece, int ok);
	/* The whole-file SHA1 covers the file, in state DL_FINISH. */
	void	(*hashed)(struct download *);
	/* An error that ends the download, said in plain words. */
	void	(*failed)(struct download *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
};

struct download {
	struct download	*next;
	struct client	*cl;
	const struct dl_events *ev;

	/* download.c */
	enum dl_state	 state;
	char		 why[200];	/* why it failed, escaped */
	char		 group[ID_MAX + 1];
	char		 name[NAME_MAX_LEN + 1];
	char		 dest[PATH_MAX];
	char		 part[PATH_MAX + 8];	/* dest ".part" */
	uint64_t	 size;
	uint8_t		 sha1[20];
	uint8_t		*hashes;	/* nhashes * 20: the pieces', then
					   the units' if any (wire.h) */
	uint32_t	 nhashes;
	const uint8_t	*units;		/* nunits * 20: what each unit
					   is checked against (in hashes) */
	uint32_t	 nunits;	/* the pieces of the picker, the
					   peers and storage.c */
	uint32_t	 unit_len;
	struct picker	 pk;		/* requests and blocks: peer.c;
					   verdicts: download.c */
	struct share	*sh;		/* the .part, served as it fills */
	struct source	*src;
	unsigned	 nsrc;
	int		 announced;	/* tracker knows we serve it */
	int		 refreshing;	/* a source list is asked for */
	int		 ended;		/* cl->download_ended called */
	int		 quiet;		/* a synced folder's: download_fetch() */
	uint64_t	 t_start, t_refresh;
	unsigned	 refresh_ms;	/* ask for sources again after */
	uint64_t	 bytes;		/* verified payload received */
	uint64_t	 rate_t;
	double		 rate;		/* bytes/s, smoothed */
	struct loop_timer *tick;
	struct loop_timer *reap;	/* a quiet one that ended: dl_reap() */
	/* Who waits for the start (download_start's caller), or NULL. */
	void		(*started)(void *arg, const char *err);
	void		*started_arg;
	/* Progress: download.c, and peer.c as blocks come. */
	uint64_t	 t_useful;	/* last sign a source can help */
	uint64_t	 rate_bytes;	/* received since rate_t */
	/* Checks in flight: storage.c counts up, download.c down. */
	unsigned	 checking;	/* resume checks */
	unsigned	 verifying;	/* pieces received */

	/* peer.c */
	struct peer	*peers;
	unsigned	 npeers;
	uint16_t	*contrib;	/* per block: the source that sent it */
	uint8_t		*solo;		/* per piece: one source only */
	uint16_t	*owner;		/* per solo piece: that source */
	uint64_t	 twice;		/* bytes that came a second time */
	unsigned	 moved;		/* endgame: blocks moved to a peer */

	/* storage.c */
	int		 dirfd;		/* dest's directory (set -1 first) */
	char		 base[NAME_MAX + 1];	/* dest's name in it */
	int		 fd;		/* the .part file */
	int		 dio;		/* the same file, O_DIRECT, or -1 */
	uint8_t		*bounce;	/* aligned copy of a block for dio */
	struct pbuf	**pb;		/* per piece: its buffer, or NULL */
	uint8_t		*ondisk;	/* per piece: blocks went to disk */
	struct pbuf	*chain_bufs[CHAIN_IOV];	/* being fed to the */
	int		 nchain_bufs;		/* whole-file SHA1 */
	struct pbuf	*kept[PBUF_MAX];	/* verified, held for it */
	unsigned	 nkept;
	struct hash_chain *whole;	/* SHA1 of the verified prefix */
};

static inline uint64_t
dl_now(const struct download *d)
{
	return loop_now(d->cl->loop);
}

/* peer.c: the links to a download's peers. */

/* Blame tables, once the picker is set up; freed by peer_free(). */
void	peer_init(struct download *);
void	peer_free(struct download *);
/* Connect to source si; if that fails at once it waits RETRY_MS. */
void	peer_connect(struct download *, unsigned si);
/* Keep every ready peer's requests topped up (state DL_RUN only). */
void	peer_fill_all(struct download *);
/* A piece verified: every ready link tells its peer (HAVE). */
void	peer_have(struct download *, uint32_t piece);
/* Source si got a fresh ticket: links to it renew theirs if due. */
void	peer_renew(struct download *, unsigned si);
/* Drop peers that were asked for blocks and sent none for STALL_MS. */
void	peer_sweep(struct download *, uint64_t now);
/* Does a ready peer hold a missing piece, or owe us blocks? */
int	peer_useful(const struct download *);
/* Source si's slot is to be reused: no block or piece names it now. */
void	peer_forget(struct download *, unsigned si);
/* A piece failed its SHA1: refetch it from one source; blame if proven. */
void	peer_strike(struct download *, uint32_t piece);
/* Close every link (each gives its requests back as it closes). */
void	peer_close_all(struct download *, const char *why);

/* storage.c: pieces on their way to the .part file, and the file. */

/* Bytes of piece buffers a client may use (read once, download_init()). */
size_t	 storage_buffers(void);
/*
 * Create d->part (mode 0600, never through a link), or open the user's
 * own one to resume (a link, another user's file or a file with other
 * names there is refused), give it d->size bytes, open it again with
 * O_DIRECT where the file system allows, start the whole-file SHA1 and
 * set up the per-piece tables.  *resume: the file already had content,
 * to be rechecked.  0, or -1 with err set (a sentence naming the file).
 */
int	storage_open(struct download *, int *resume, char *err,
	    size_t errlen);
/* Resume: check every piece of the file (d->checking of them). */
void	storage_recheck(struct download *);
/* A block of piece at off: into the piece's buffer, or to disk.  -1 errno. */
int	storage_block(struct download *, uint32_t piece, uint32_t off,
	    const uint8_t *p, size_t n);
/* Every block of piece is in: check it on the pool (d->verifying). */
void	storage_verify(struct download *, uint32_t piece);
/* A verified piece: hold its buffer for the whole-file SHA1. */
void	storage_keep(struct download *, uint32_t piece);
/* Done with piece's buffer: back to the pool (unless a thread reads it). */
void	storage_release(struct download *, uint32_t piece);
void	storage_release_all(struct download *);
/* A piece that failed: its buffer back, its blocks fetched anew. */
void	storage_discard(struct download *, uint32_t piece);
/* Extend the whole-file SHA1 over the verified pieces that follow it. */
void	storage_advance(struct download *);
/*
 * The whole-file SHA1 is complete: check it, sync the file, give it the
 * user's mode (0666 less the umask) and its name d->dest, which must not
 * exist (a file that appeared there meanwhile is never replaced).  0, or
 * -1 with err set.
 */
int	storage_commit(struct download *, char *err, size_t errlen);
/* The file's modification time: 0, or -1. */
int	storage_mtime(const struct download *, uint64_t *mtime);
/* Close and free what d holds here; no job of d may be in flight. */
void	storage_free(struct download *);
/* Free the client's idle piece buffers (at exit). */
void	storage_free_buffers(struct client *);

#endif
