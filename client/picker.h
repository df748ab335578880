/*
 * picker.h - which block to ask a peer for next.  Pure: no I/O, no clock,
 * no globals; randomness comes from a seed the caller gives.
 *
 * A file is cut into pieces of plen bytes, each checked on its own
 * against its SHA1 (the download's units, wire.h: WIRE_UNIT_LEN, or
 * WIRE_PIECE_LEN for a file without unit hashes), and pieces into blocks
 * of PICK_BLOCK bytes, the unit of a request.  Global block b is block
 * (b % bpp) of piece (b / bpp); the last piece may have fewer blocks, and
 * its last block may be short.
 *
 * Order of choice, for a peer that has the piece:
 *  1. a piece already started (some block received or requested) that
 *     still has a block nobody was asked for: finish what we began;
 *  2. otherwise the rarest piece among connected peers, ties broken at
 *     random among the first PICK_WINDOW (4) tied pieces in file order
 *     (so the download stays roughly in order and the whole-file hash
 *     can follow it, without every downloader asking for the same piece);
 *  3. endgame: once every missing block has been asked for, a missing
 *     block may be asked of a second peer (fewest outstanding requests
 *     first, never twice of the same peer), so one slow peer cannot
 *     stall the end.  The first copy to arrive wins; the rest are
 *     cancelled.
 *
 * Block numbers past the end of a short last piece hold no data; every
 * call ignores them.
 *
 * Piece states: NEED -> (all blocks in) VERIFY -> DONE, or back to NEED
 * with every block missing when its hash fails.
 */
#ifndef PICKER_H
#define PICKER_H

#include <stdint.h>

#include "bitfield.h"
#include "wire.h"

#define PICK_BLOCK	(128 * 1024)
/*
 * Ties are broken among this many pieces: small, so pieces complete
 * nearly in file order and the whole-file SHA1 can read each from memory
 * as it is checked (with 32, most of it had to be read back from disk).
 * Downloaders still spread out: a piece one of them announces is no
 * longer the rarest for the others.
 */
#define PICK_WINDOW	4
#define PICK_BPP_MAX	(WIRE_PIECE_LEN / PICK_BLOCK)	/* blocks a piece */
#define PICK_MAX_DUP	3	/* most requests for one block in endgame */
/*
 * Pieces not DONE counted by availability (the last bucket: this many
 * holders or more), for the least a pick can find: once it has its
 * window of ties at that, nothing further on can beat them.
 */
#define PICK_HIST	64

enum { PIECE_NEED, PIECE_VERIFY, PIECE_DONE };

struct picker {
	uint64_t	 size;
	uint32_t	 plen;		/* bytes a piece (the last: fewer) */
	uint32_t	 bpp;		/* blocks a piece: plen / PICK_BLOCK */
	uint32_t	 npieces;
	uint32_t	 nblocks;	/* npieces * bpp */
	uint8_t		*have;		/* per block: received */
	uint8_t		*reqs;		/* per block: requests out */
	uint8_t		*state;		/* per piece: PIECE_* */
	uint8_t		*unreq;		/* per piece: missing blocks with
					   no request out */
	uint8_t		*touched;	/* per piece: started */
	uint16_t	*avail;		/* per piece: peers that have it */
	uint32_t	 unrequested;	/* sum of unreq over NEED pieces */
	uint32_t	 done;		/* pieces DONE */
	uint32_t	 first;		/* every piece before it is DONE */
	uint32_t	 open;		/* no piece before it is open (NEED
					   with a block not asked for) */
	uint32_t	 started;	/* open pieces touched: picks finish
					   them first */
	uint32_t	 hist[PICK_HIST];	/* pieces not DONE by avail */
	uint32_t	 window;
	uint64_t	 rng;
	/* Optional: may the peer being served take blocks of this piece? */
	int		(*piece_ok)(void *arg, uint32_t piece);
};

/* plen: a multiple of PICK_BLOCK, at most WIRE_PIECE_LEN. */
void	 picker_init(struct picker *, uint64_t size, uint32_t plen,
	    uint64_t seed);
void	 picker_free(struct picker *);
/* Blocks in piece p, and the place of global block b. */
uint32_t picker_blocks(const struct picker *, uint32_t piece);
void	 picker_block(const struct picker *, uint32_t b, uint32_t *piece,
	    uint32_t *off, uint32_t *len);
/* Length of piece p in bytes. */
uint32_t picker_piece_len(const struct picker *, uint32_t piece);

/* Availability: a peer's bitfield arrived / it left / it has one more. */
void	 picker_peer_add(struct picker *, const struct bitfield *);
void	 picker_peer_remove(struct picker *, const struct bitfield *);
void	 picker_peer_have(struct picker *, uint32_t piece);
/* A peer turned out not to have a piece after all. */
void	 picker_peer_unhave(struct picker *, uint32_t piece);

/*
 * Choose a block for a peer with bitfield has.  asked(arg, b) tells
 * whether this peer already has a request out for block b (endgame only);
 * p->piece_ok(arg, piece), if set, may rule pieces out for this peer.
 * 1 with *block set, or 0 if nothing suits this peer now.
 */
int	 picker_pick(struct picker *, const struct bitfield *has,
	    int (*asked)(void *, uint32_t), void *arg, uint32_t *block);
void	 picker_requested(struct picker *, uint32_t b);
/* A request is gone without data (peer left, cancelled, timed out). */
void	 picker_unrequested(struct picker *, uint32_t b);
/*
 * Block b arrived.  0: it was new; 1: new and its piece is now complete
 * (state VERIFY); -1: a duplicate we already had (endgame), ignore it.
 */
int	 picker_received(struct picker *, uint32_t b);
/* The verdict on a piece in VERIFY: DONE, or every block missing again. */
void	 picker_verified(struct picker *, uint32_t piece, int ok);
/* A piece known good already (resume). */
void	 picker_mark_done(struct picker *, uint32_t piece);
/*
 * Endgame, every block asked for.  A line is the blocks asked of one peer,
 * in the order asked (the order it sends them), and blk_ms the time one
 * block takes it (0: unknown).  Which block should the peer with line
 * mine take over from another line, as the one it would have sooner than
 * its own peer would?  The first skip blocks of a line are on their way
 * already and stay; ok(arg, b) says whether mine's peer can take b.
 * From the line whose last block would come latest, its latest block
 * that mine would have sooner: the lines even out by time and end
 * together.  1 with *line and *at set, or 0.
 */
struct pick_line {
	const uint32_t	*req;
	unsigned	 n;
	uint64_t	 blk_ms;
};
int	 picker_steal(const struct pick_line *lines, unsigned nlines,
	    const struct pick_line *mine, unsigned skip,
	    int (*ok)(void *, uint32_t), void *arg, unsigned *line,
	    unsigned *at);
static inline int picker_complete(const struct picker *p)
{ return p->done == p->npieces; }
static inline int picker_endgame(const struct picker *p)
{ return p->unrequested == 0 && p->done < p->npieces; }

#endif
