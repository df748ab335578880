/*
 * seed.h - which piece a seeder shows a peer next (super-seeding).  Pure:
 * no I/O, no clock, no globals.
 *
 * A seeder (the whole file here) shows each peer following the file a
 * few pieces at a time instead of its whole bitfield (peer_server.c), so
 * its scarce uplink carries every piece once before any twice and the
 * downloaders pass pieces on among themselves.  seed_pick() chooses the
 * next piece to show one peer: never one it was shown or says it has;
 * among the rest, the one shown least often to anyone; ties in file order
 * (peers that start together get runs of their own, and a downloader's
 * whole-file SHA1 can follow its pieces as they come).  seed_open() is
 * how many shown pieces each peer may have open (shown, neither had nor
 * sent whole) when n peers follow the file.
 */
#ifndef SEED_H
#define SEED_H

#include <stdint.h>

#include "bitfield.h"

#define SEED_BUDGET	16	/* pieces open, between the followers */
#define SEED_MIN	2	/* ... and at least this many each */

/* The piece to show next, or UINT32_MAX if none is left to show. */
uint32_t seed_pick(const uint32_t *shown_count, const struct bitfield *shown,
	    const struct bitfield *theirs);
unsigned seed_open(unsigned followers);

#endif
