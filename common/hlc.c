/*
 * hlc.c - hybrid logical clock (see hlc.h).
 *
 * Owns one clock's last stamp.  Pure: the wall clock comes in as an
 * argument; never hands out a stamp at or below one it handed out or saw.
 */
#include "hlc.h"

uint64_t
hlc_now(struct hlc *c, uint64_t wall_ms)
{
	uint64_t phys = wall_ms << HLC_BITS;

	/* The counter overflowing into the milliseconds is harmless. */
	c->last = phys > c->last ? phys : c->last + 1;
	return c->last;
}

void
hlc_observe(struct hlc *c, uint64_t stamp)
{
	if (stamp > c->last)
		c->last = stamp;
}

int
hlc_cmp(uint64_t a, uint32_t oa, uint64_t b, uint32_t ob)
{
	if (a != b)
		return a < b ? -1 : 1;
	if (oa != ob)
		return oa < ob ? -1 : 1;
	return 0;
}
