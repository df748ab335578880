/*
 * test_seed.c - super-seeding's choice (client/seed.c): never a piece the
 * peer was shown or has; the least shown, ties in file order; peers that
 * start together get runs of their own; and, in a simulated swarm of
 * followers that each take what they are shown, every piece is shown
 * once before any is shown twice, at every size tried.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "../../client/seed.h"

static void
test_pick_rules(void **state)
{
	uint32_t count[8] = { 2, 0, 1, 0, 0, 3, 0, 1 };
	struct bitfield shown, theirs;

	(void)state;
	bitfield_init(&shown, 8);
	bitfield_init(&theirs, 8);
	assert_int_equal(seed_pick(count, &shown, &theirs), 1);
	bitfield_set(&shown, 1);		/* shown: not again */
	assert_int_equal(seed_pick(count, &shown, &theirs), 3);
	bitfield_set(&theirs, 3);		/* has it: not shown */
	assert_int_equal(seed_pick(count, &shown, &theirs), 4);
	bitfield_set(&shown, 4);
	bitfield_set(&shown, 6);
	assert_int_equal(seed_pick(count, &shown, &theirs), 2);	/* 1 < 2 */
	bitfield_set(&shown, 2);
	bitfield_set(&theirs, 7);
	assert_int_equal(seed_pick(count, &shown, &theirs), 0);
	bitfield_set(&theirs, 0);
	assert_int_equal(seed_pick(count, &shown, &theirs), 5);
	bitfield_set(&shown, 5);
	assert_true(seed_pick(count, &shown, &theirs) == UINT32_MAX);
	bitfield_free(&shown);
	bitfield_free(&theirs);
}

static void
test_open(void **state)
{
	(void)state;
	assert_int_equal(seed_open(0), SEED_BUDGET);
	assert_int_equal(seed_open(1), SEED_BUDGET);
	assert_int_equal(seed_open(4), SEED_BUDGET / 4);
	assert_int_equal(seed_open(100), SEED_MIN);
}

/*
 * n followers start together and each is shown seed_open(n) pieces; then,
 * in random turns, a follower finishes one of its open pieces (the seeder
 * sent it whole, or it got it elsewhere) and is shown the next.  Until
 * every piece was shown once, none is shown twice; the first pieces each
 * follower is shown are a run in file order, apart from the others'.
 */
static void
test_swarm(void **state)
{
	static const uint32_t sizes[] = { 1, 7, 64, 129, 2048 };
	static const unsigned peers[] = { 1, 2, 4, 8, 16, 24 };
	size_t si, pi;
	rng_seed(42);

	(void)state;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (pi = 0; pi < sizeof(peers) / sizeof(peers[0]); pi++) {
			uint32_t np = sizes[si], *count, once = 0, b, k;
			unsigned n = peers[pi], want = seed_open(n), f, i;
			struct bitfield *shown, *theirs;
			unsigned *open, steps = 0;

			count = calloc(np, sizeof(*count));
			shown = calloc(n, sizeof(*shown));
			theirs = calloc(n, sizeof(*theirs));
			open = calloc(n, sizeof(*open));
			assert_non_null(count);
			for (f = 0; f < n; f++) {
				bitfield_init(&shown[f], np);
				bitfield_init(&theirs[f], np);
				for (i = 0; i < want; i++) {
					b = seed_pick(count, &shown[f],
					    &theirs[f]);
					if (b == UINT32_MAX)
						break;
					/* A run of its own: right after the
					 * previous follower's. */
					if (f * want + i < np)
						assert_int_equal(b,
						    f * want + i);
					bitfield_set(&shown[f], b);
					once += count[b]++ == 0;
					open[f]++;
				}
			}
			while (steps++ < 100000) {
				f = (unsigned)(rng() % n);
				if (open[f] == 0)
					continue;
				open[f]--;
				b = seed_pick(count, &shown[f], &theirs[f]);
				if (b == UINT32_MAX)
					continue;
				/* Twice only once all were shown once. */
				if (count[b] > 0)
					assert_int_equal(once, np);
				/* The least shown of those it may be shown. */
				for (k = 0; k < np; k++)
					assert_true(bitfield_get(&shown[f], k) ||
					    count[k] >= count[b]);
				bitfield_set(&shown[f], b);
				once += count[b]++ == 0;
				open[f]++;
			}
			assert_int_equal(once, np);
			for (f = 0; f < n; f++) {
				bitfield_free(&shown[f]);
				bitfield_free(&theirs[f]);
			}
			free(count);
			free(shown);
			free(theirs);
			free(open);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_rules),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_swarm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
