/*
 * sample.c - a bounded random sample of a stream (see sample.h).
 */
#include "sample.h"

static uint64_t
next_rand(struct sample *s)
{
	/* xorshift64*, as the picker's: plenty for choosing peers. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dull;
}

/* Uniform in 0..n-1 (n > 0); the modulo bias of 64 bits is nil here. */
static uint64_t
below(struct sample *s, uint64_t n)
{
	return next_rand(s) % n;
}

void
sample_init(struct sample *s, uint32_t cap, uint64_t seed)
{
	s->cap = cap;
	s->n = 0;
	s->seen = 0;
	s->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

int64_t
sample_offer(struct sample *s)
{
	uint64_t j;

	s->seen++;
	if (s->n < s->cap)
		return s->n++;
	if (s->cap == 0)
		return -1;
	j = below(s, s->seen);
	return j < s->cap ? (int64_t)j : -1;
}

void
sample_order(struct sample *s, uint32_t *order)
{
	uint32_t i, j, t;

	for (i = 0; i < s->n; i++)
		order[i] = i;
	for (i = s->n; i > 1; i--) {
		j = (uint32_t)below(s, i);
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}
