/*
 * seed.c - which piece a seeder shows a peer next (see seed.h).
 */
#include "seed.h"

uint32_t
seed_pick(const uint32_t *count, const struct bitfield *shown,
    const struct bitfield *theirs)
{
	uint32_t i, best = UINT32_MAX;

	for (i = 0; i < shown->n; i++) {
		if (bitfield_get(shown, i) || bitfield_get(theirs, i))
			continue;
		if (best == UINT32_MAX || count[i] < count[best])
			best = i;
	}
	return best;
}

unsigned
seed_open(unsigned followers)
{
	unsigned n = SEED_BUDGET / (followers ? followers : 1);

	return n < SEED_MIN ? SEED_MIN : n;
}
