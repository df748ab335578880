/*
 * shares.h - the files this client serves, and the hashing behind them.
 *
 * A share is a file (complete, or the .part of a running download) that
 * peers may ask pieces of, addressed by its whole-file SHA1.  Its have-map
 * says which pieces are verified; only those are ever served.  The list
 * lives in struct client and is emptied on logout.  When a piece is
 * verified, the have hook (the peer server's) is called: this module
 * names no module above it.
 *
 * Hashing runs on the client's worker pools:
 *  - a whole file (upload, login re-check): two jobs read it in parallel,
 *    one for the piece SHA1s and one for the whole-file SHA1, so hashing
 *    takes about the time of one SHA1 pass on a two-core machine;
 *  - one piece: read back from a file and compared (a download's resume,
 *    or a piece whose blocks went straight to disk);
 *  - a download's whole-file SHA1, range by range (hash_chain below).
 * Only the loop thread calls in; done callbacks run on the loop.
 */
#ifndef SHARES_H
#define SHARES_H

#include <limits.h>
#include <stdint.h>

#include "bitfield.h"
#include "parse.h"

struct client;

struct share {
	struct share	*next;
	struct share	*sha1_next, *name_next;	/* shares.c: buckets */
	char		 group[ID_MAX + 1];
	char		 name[NAME_MAX_LEN + 1];
	char		 path[PATH_MAX];
	uint8_t		 sha1[20];
	uint64_t	 size;
	uint8_t		*hashes;	/* nhashes * 20 as the tracker has
					   them (wire.h: the pieces', then
					   the units'), or NULL if not known
					   here (served, not checked) */
	uint32_t	 nhashes;
	uint32_t	 unit_len;	/* what peers exchange (wire.h) */
	uint32_t	 nunits;
	struct bitfield	 have;		/* verified units */
	int		 fd;		/* open for reading */
	int		 complete;
	struct seed_stats *seed;	/* peer_server.c: the pieces in
					   the swarm while seeding (NULL
					   until then) */
	unsigned	 followers;	/* peer_server.c: peers shown it
					   piece by piece now */
};

/*
 * Add a share of path (opened here); complete: every unit is had.
 * hashes (nhashes of them, wire_hashes_ok()) may be NULL: the units are
 * then those of a file of that size uploaded by this build (with unit
 * hashes if they fit).
 */
struct share	*shares_add(struct client *, const char *group,
		    const char *name, const char *path, const uint8_t sha1[20],
		    uint64_t size, const uint8_t *hashes, uint32_t nhashes,
		    int complete, char *err, size_t errlen);
/*
 * The same with a descriptor already open for reading (owned from now
 * on): a download shares the .part it created, never a file found again
 * by its name.
 */
struct share	*shares_adopt(struct client *, int fd, const char *group,
		    const char *name, const char *path, const uint8_t sha1[20],
		    uint64_t size, const uint8_t *hashes, uint32_t nhashes,
		    int complete);
struct share	*shares_find(struct client *, const uint8_t sha1[20]);
struct share	*shares_get(struct client *, const char *group,
		    const char *name);
void		 shares_remove(struct client *, struct share *);
void		 shares_clear(struct client *);
/* Piece verified: mark it and call the have hook (peers learn of it). */
void		 shares_have(struct client *, struct share *, uint32_t piece);
/* Register the have hook: fn(cl, share, piece) after each shares_have(). */
void		 shares_on_have(struct client *, void (*fn)(struct client *,
		    const struct share *, uint32_t piece));

/*
 * Offsets, lengths and buffer addresses of O_DIRECT I/O are multiples of
 * this.  Hashing reads use aligned buffers and round their lengths up, so
 * they work on a descriptor opened either way.
 */
#define IO_ALIGN	4096

/* Result of hashing a whole file. */
struct file_hash {
	int		 ok;
	char		 err[256];
	uint64_t	 size;
	uint8_t		 sha1[20];
	uint8_t		*hashes;	/* nhashes * 20, caller frees: the
					   pieces', then the units' (wire.h) */
	uint32_t	 nhashes;
};
typedef void (*hash_done_fn)(void *arg, struct file_hash *);
struct hash_task;
/*
 * Hash fd (size bytes; the fd is duplicated) on the worker pool; done()
 * runs on the loop.  hash_progress() reports bytes hashed so far by the
 * slowest of the passes.
 */
struct hash_task *hash_file(struct client *, int fd, uint64_t size,
		    hash_done_fn, void *arg);
uint64_t	 hash_progress(const struct hash_task *);

/* Verify piece of fd against want: done(arg, piece, ok) on the loop. */
void		 hash_piece(struct client *, int fd, uint64_t off, uint32_t len,
		    const uint8_t want[20], uint32_t piece,
		    void (*done)(void *, uint32_t, int), void *arg);

/*
 * A whole-file SHA1 computed in order as the file's prefix becomes
 * final, so it is ready the moment the last piece is: hash_chain_feed()
 * hashes the next len bytes on the pool (one range at a time; -1 while
 * one is in flight), starts their write-back to disk, then calls
 * done(arg, ok) on the loop.  The fd is duplicated.  NULL on failure.
 * The caller must not free the chain while a range is in flight.
 */
struct hash_chain;
struct hash_chain *hash_chain_new(int fd);
int		 hash_chain_feed(struct client *, struct hash_chain *,
		    uint64_t len, void (*done)(void *, int), void *arg);
/* The same, with the next bytes already in memory: niov <= CHAIN_IOV. */
#define CHAIN_IOV	16
struct iovec;
int		 hash_chain_feed_mem(struct client *, struct hash_chain *,
		    const struct iovec *, int niov,
		    void (*done)(void *, int), void *arg);
uint64_t	 hash_chain_hashed(const struct hash_chain *);
int		 hash_chain_busy(const struct hash_chain *);
const char	*hash_chain_error(const struct hash_chain *);
int		 hash_chain_final(struct hash_chain *, uint8_t out[20]);
void		 hash_chain_free(struct hash_chain *);

#endif
