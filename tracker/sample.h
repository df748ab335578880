/*
 * sample.h - a random sample of at most cap items from a stream of
 * unknown length, in one pass and in bounded memory.
 *
 * Reservoir sampling (Vitter's Algorithm R): the first cap items fill
 * the slots; the k-th item after them (k counting from 1, seen so far
 * including it) replaces a random slot with odds cap/(cap + k), so at
 * the end every item of the stream is in the sample with the same odds,
 * cap/n, whatever n turns out to be, and a stream of at most cap items
 * is kept whole.  sample_order() then gives the kept slots in a random
 * order (Fisher-Yates), so a reader that takes only the first few of
 * them gets a random few.
 *
 * The tracker uses it to name a bounded random set of a file's sources
 * (handlers.c): the caller keeps the items in an array of cap slots and
 * stores each offered item where sample_offer() says.  Pure: the caller
 * gives the seed; no allocation, no I/O, no clock.
 */
#ifndef SAMPLE_H
#define SAMPLE_H

#include <stdint.h>

struct sample {
	uint32_t	 cap;		/* slots */
	uint32_t	 n;		/* slots filled: min(cap, seen) */
	uint64_t	 seen;		/* items offered */
	uint64_t	 rng;		/* xorshift64* state, never 0 */
};

void	 sample_init(struct sample *, uint32_t cap, uint64_t seed);
/*
 * The next item of the stream: the slot (< cap) to store it in, over
 * whatever is there, or -1: it is left out.
 */
int64_t	 sample_offer(struct sample *);
/* The n filled slots in a random order: order[0..n) is a permutation. */
void	 sample_order(struct sample *, uint32_t *order);

#endif
