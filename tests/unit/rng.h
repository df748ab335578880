/*
 * rng.h - the unit tests' deterministic PRNG (xorshift64*), so that a
 * randomized test run with a fixed seed reproduces exactly.
 */
#ifndef TEST_RNG_H
#define TEST_RNG_H

#include <stdint.h>

static uint64_t rng_state = 1;

static inline void
rng_seed(uint64_t s)
{
	rng_state = s ? s : 1;
}

static inline uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* 0..n-1 (0 for n 0). */
static inline uint32_t
rng_below(uint32_t n)
{
	return n ? rng() % n : 0;
}

#endif
