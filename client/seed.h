/*
 * seed.h - which piece a seeder shows a peer next (super-seeding).  Pure:
 * no I/O, no clock, no globals.
 *
 * A seeder (the whole file here) shows each peer following the file a
 * few pieces at a time instead of its whole bitfield (peer_server.c), so
 * its scarce uplink carries every piece once before any twice and the
 * downloaders pass pieces on among themselves.  seed_pick() chooses the
 * next piece to show one peer, never one it was shown or says it has:
 *  1. a piece never shown to anyone, in file order (peers that start
 *     together get runs of their own, and a downloader's whole-file SHA1
 *     can follow its pieces as they come);
 *  2. once every piece has left the seeder whole (sent all of it to
 *     someone, or someone says it has it), the one the fewest followers
 *     have, then the one shown least often, then file order: the seeder's
 *     second copies go where the swarm is thinnest, and none goes before
 *     the last first copy (at N = 16 second copies shown once every piece
 *     was shown took 7 MiB of the seeder's uplink before its last first
 *     copy left);
 *  3. never a piece shown but still on its way: a second copy of it would
 *     race the first over the same scarce uplink.  (When such a piece
 *     leaves whole, seed_out() says so and the caller shows more.)  But a
 *     piece shown SEED_LEASE_MS ago that has not left, or whose peer is
 *     gone (seed_unshow()), is as good as never shown (rule 1): no piece
 *     may wait on one peer.
 * seed_open() is how many shown pieces each peer may have open (shown,
 * neither had nor sent whole) when n peers follow the file, whose pieces
 * here are its units (wire.h), per_piece of them a 512 KiB piece: the
 * budget is in bytes (with 16 units between the followers, a peer
 * dripping a block every 9.5 s had all a lone downloader's shown units
 * in its 24-block line, and the download stood still), the least each
 * in units (SEED_MIN pieces' worth each, 8 units, made swarms of 16 on
 * 20 Mbit/s uplinks 1 s slower).
 */
#ifndef SEED_H
#define SEED_H

#include <stdint.h>

#include "bitfield.h"

#define SEED_BUDGET	16	/* 512 KiB pieces open, between the
				   followers */
#define SEED_MIN	2	/* ... and at least this many each */
#define SEED_LEASE_MS	20000	/* shown, not left: shown again after */

/* What a seeder knows of one file's pieces in the swarm. */
struct seed_stats {
	uint32_t	 n;
	uint32_t	 unshown;	/* pieces never shown */
	uint32_t	 nout;		/* pieces that left whole */
	uint32_t	 lo;		/* every piece before it left whole */
	uint32_t	*shown;		/* times shown to a follower */
	uint32_t	*held;		/* followers that say they have it */
	uint8_t		*out;		/* left the seeder whole once */
	uint64_t	*since;		/* last shown while not out (ms) */
};

void	 seed_init(struct seed_stats *, uint32_t npieces);
void	 seed_free(struct seed_stats *);
/* The piece to show next, or UINT32_MAX if none is to be shown now. */
uint32_t seed_pick(const struct seed_stats *, const struct bitfield *shown,
	    const struct bitfield *theirs, uint64_t now);
/* Piece i was shown to a follower at now (the caller's clock, in ms). */
void	 seed_shown(struct seed_stats *, uint32_t i, uint64_t now);
/*
 * A follower says it has i (delta 1) or is gone with it (-1): 1 if that
 * is the first copy known to have left.
 */
int	 seed_held(struct seed_stats *, uint32_t i, int delta);
/* The follower piece i was shown to is gone before it had it. */
void	 seed_unshow(struct seed_stats *, uint32_t i);
/* Piece i was sent whole to a follower: 1 if that is its first copy. */
int	 seed_out(struct seed_stats *, uint32_t i);
unsigned seed_open(unsigned followers, unsigned per_piece);

#endif
