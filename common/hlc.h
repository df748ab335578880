/*
 * hlc.h - hybrid logical clock stamps.
 *
 * A stamp is 64 bits: milliseconds of wall-clock time in the high 48 and a
 * counter in the low 16.  Stamps a clock hands out only increase, even when
 * the wall clock steps back, and a clock that has seen a stamp from another
 * tracker never hands out one below it, so stamps follow causality across
 * the cluster while staying close to real time.  Two trackers can hand out
 * the same stamp; (stamp, tracker id) orders every event totally.
 *
 * Pure: the caller passes the wall clock in, so tests drive it.
 */
#ifndef HLC_H
#define HLC_H

#include <stdint.h>

#define HLC_BITS	16
#define HLC_MS(s)	((s) >> HLC_BITS)

struct hlc {
	uint64_t	last;	/* the highest stamp handed out or seen */
};

/* A stamp for a local event at wall-clock time wall_ms. */
uint64_t	hlc_now(struct hlc *, uint64_t wall_ms);
/* Take in a stamp from elsewhere; later local stamps exceed it. */
void		hlc_observe(struct hlc *, uint64_t stamp);
/* Compare (a, origin a) with (b, origin b): -1, 0 or 1. */
int		hlc_cmp(uint64_t a, uint32_t oa, uint64_t b, uint32_t ob);

#endif
