/*
 * test_seed.c - super-seeding's choice (client/seed.c): never a piece the
 * peer was shown or has; pieces never shown first, in file order; a piece
 * shown and still on its way is not shown again, until its lease ends or
 * its peer is gone; once all were shown, the out pieces the fewest
 * followers hold.  And, in a simulated swarm of followers that each take
 * what they are shown, every piece is shown once before any is shown
 * twice, a second showing is always of a piece that left whole, and the
 * least held of those, at every size tried.
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

#define NOW	100000		/* a clock well past 0 */

static void
test_first_copies(void **state)
{
	struct seed_stats st;
	struct bitfield shown, theirs, other;

	(void)state;
	seed_init(&st, 8);
	bitfield_init(&shown, 8);
	bitfield_init(&theirs, 8);
	bitfield_init(&other, 8);
	/* Never shown: file order, skipping what it was shown or has. */
	assert_int_equal(seed_pick(&st, &shown, &theirs, NOW), 0);
	bitfield_set(&shown, 0);
	seed_shown(&st, 0, NOW);
	bitfield_set(&theirs, 1);
	assert_int_equal(seed_pick(&st, &shown, &theirs, NOW), 2);
	/* Shown to another and on its way: not to this one. */
	seed_shown(&st, 2, NOW);
	assert_int_equal(seed_pick(&st, &other, &theirs, NOW), 3);
	/* ... until its lease ends ... */
	assert_int_equal(seed_pick(&st, &other, &theirs,
	    NOW + SEED_LEASE_MS), 0);
	/* ... or its peer is gone without it. */
	seed_unshow(&st, 2);
	assert_int_equal(seed_pick(&st, &shown, &theirs, NOW), 2);
	/* Out pieces are never unshown. */
	assert_int_equal(seed_out(&st, 0), 1);
	assert_int_equal(seed_out(&st, 0), 0);
	seed_unshow(&st, 0);
	assert_int_equal(seed_pick(&st, &other, &theirs, NOW), 2);
	/* Picks start past the pieces that left from the first on. */
	assert_int_equal(st.lo, 1);
	assert_int_equal(seed_out(&st, 2), 1);
	assert_int_equal(st.lo, 1);
	assert_int_equal(seed_out(&st, 1), 1);
	assert_int_equal(st.lo, 3);
	seed_free(&st);
	bitfield_free(&shown);
	bitfield_free(&theirs);
	bitfield_free(&other);
}

static void
test_second_copies(void **state)
{
	struct seed_stats st;
	struct bitfield shown, theirs;
	uint32_t i;

	(void)state;
	seed_init(&st, 6);
	bitfield_init(&shown, 6);
	bitfield_init(&theirs, 6);
	for (i = 0; i < 6; i++)
		seed_shown(&st, i, NOW);
	/* All shown, none out: nothing to show now. */
	assert_true(seed_pick(&st, &shown, &theirs, NOW) == UINT32_MAX);
	/* Out by a whole send, or by a follower's HAVE (first copy: 1). */
	assert_int_equal(seed_out(&st, 4), 1);
	assert_int_equal(seed_held(&st, 1, 1), 1);
	assert_int_equal(seed_held(&st, 1, 1), 0);
	assert_int_equal(seed_held(&st, 3, 1), 1);
	assert_int_equal(seed_held(&st, 5, 1), 1);
	assert_int_equal(seed_held(&st, 5, 1), 0);
	/* No second copy before the last first copy has left. */
	assert_true(seed_pick(&st, &shown, &theirs, NOW) == UINT32_MAX);
	for (i = 0; i < 3; i++) {
		(void)seed_held(&st, 0, 1);
		(void)seed_held(&st, 2, 1);
	}
	assert_int_equal(st.nout, 6);
	/* held: 0, 2 -> 3, 1 -> 2, 3 -> 1, 4 -> 0, 5 -> 2: the least first. */
	assert_int_equal(seed_pick(&st, &shown, &theirs, NOW), 4);
	bitfield_set(&theirs, 4);
	assert_int_equal(seed_pick(&st, &shown, &theirs, NOW), 3);
	/* Ties (1, 3, 5 held twice): the least shown, then file order. */
	seed_held(&st, 3, 1);
	seed_shown(&st, 1, NOW);
	assert_int_equal(seed_pick(&st, &shown, &theirs, NOW), 3);
	seed_held(&st, 5, -1);
	seed_held(&st, 5, -1);
	seed_held(&st, 5, -1);		/* never below 0 */
	assert_int_equal(st.held[5], 0);
	assert_int_equal(seed_pick(&st, &shown, &theirs, NOW), 5);
	/* Out of range: ignored. */
	assert_int_equal(seed_out(&st, 6), 0);
	assert_int_equal(seed_held(&st, 99, 1), 0);
	seed_shown(&st, 6, NOW);
	seed_unshow(&st, 6);
	seed_free(&st);
	bitfield_free(&shown);
	bitfield_free(&theirs);
}

static void
test_open(void **state)
{
	(void)state;
	assert_int_equal(seed_open(0, 1), SEED_BUDGET);
	assert_int_equal(seed_open(1, 1), SEED_BUDGET);
	assert_int_equal(seed_open(4, 1), SEED_BUDGET / 4);
	assert_int_equal(seed_open(100, 1), SEED_MIN);
	/* In units, 4 a piece: the same bytes. */
	assert_int_equal(seed_open(0, 4), 4 * SEED_BUDGET);
	assert_int_equal(seed_open(4, 4), SEED_BUDGET);
	assert_int_equal(seed_open(3, 4), 4 * SEED_BUDGET / 3);
	assert_int_equal(seed_open(100, 4), SEED_MIN);
}

/*
 * n followers start together and each is shown seed_open(n) pieces; then,
 * in random turns, a follower's oldest open piece closes: sent whole (it
 * leaves: out) or had from elsewhere (held), and the follower is shown
 * the next.  Checked at every showing: no piece twice before all once;
 * a second showing only of a piece that is out, the least held of those
 * the follower may be shown.  At the end every piece was shown.
 */
static void
test_swarm(void **state)
{
	static const uint32_t sizes[] = { 1, 7, 64, 129, 2048 };
	static const unsigned peers[] = { 1, 2, 4, 8, 16, 24 };
	size_t si, pi;

	(void)state;
	rng_seed(42);
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (pi = 0; pi < sizeof(peers) / sizeof(peers[0]); pi++) {
			uint32_t np = sizes[si], once = 0, b, k;
			unsigned n = peers[pi], want = seed_open(n, 1), f;
			struct bitfield *shown, *theirs;
			uint32_t **open;
			unsigned *nopen, steps = 0;
			struct seed_stats st;

			seed_init(&st, np);
			shown = calloc(n, sizeof(*shown));
			theirs = calloc(n, sizeof(*theirs));
			open = calloc(n, sizeof(*open));
			nopen = calloc(n, sizeof(*nopen));
			assert_non_null(nopen);
			for (f = 0; f < n; f++) {
				bitfield_init(&shown[f], np);
				bitfield_init(&theirs[f], np);
				open[f] = calloc(want + 1, sizeof(**open));
			}
			for (; steps < 200000; steps++) {
				f = (unsigned)(rng() % n);
				if (nopen[f] > 0 && rng() % 2 == 0) {
					b = open[f][0];
					memmove(open[f], open[f] + 1,
					    --nopen[f] * sizeof(**open));
					if (rng() % 2 == 0)
						(void)seed_out(&st, b);
					else
						(void)seed_held(&st, b, 1);
					bitfield_set(&theirs[f], b);
				}
				if (nopen[f] >= want)
					continue;
				b = seed_pick(&st, &shown[f], &theirs[f], NOW);
				if (b == UINT32_MAX)
					continue;
				if (st.shown[b] > 0) {
					/* Twice only once all were shown
					 * once, and only if it left. */
					assert_int_equal(once, np);
					assert_true(st.out[b]);
					for (k = 0; k < np; k++)
						if (!bitfield_get(&shown[f], k) &&
						    !bitfield_get(&theirs[f], k) &&
						    st.out[k])
							assert_true(st.held[k] >=
							    st.held[b]);
				}
				bitfield_set(&shown[f], b);
				once += st.shown[b] == 0;
				seed_shown(&st, b, NOW);
				open[f][nopen[f]++] = b;
			}
			assert_int_equal(once, np);
			for (f = 0; f < n; f++) {
				bitfield_free(&shown[f]);
				bitfield_free(&theirs[f]);
				free(open[f]);
			}
			seed_free(&st);
			free(shown);
			free(theirs);
			free(open);
			free(nopen);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_copies),
		cmocka_unit_test(test_second_copies),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_swarm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
