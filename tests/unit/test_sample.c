/*
 * test_sample.c - the bounded random sample the tracker draws a file's
 * sources with (tracker/sample.c): a stream of at most cap items is kept
 * whole; a longer one gives exactly cap of them, each at most once; every
 * item turns up over several draws, each about as often as the others
 * (cap/n of the draws); sample_order() is a permutation of the kept
 * slots, its first place as likely any of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../tracker/sample.h"

#define CAP	40
#define NMAX	1000

/*
 * Draw a sample of the items 0..n-1 with seed: kept[0..return) the items
 * in the order sample_order() gives.  Each offered item is stored in the
 * slot sample_offer() says, as the tracker does.
 */
static uint32_t
draw(uint32_t cap, uint32_t n, uint64_t seed, uint32_t *kept)
{
	struct sample s;
	uint32_t slot[NMAX], order[NMAX], i;
	int64_t at;

	assert_true(cap <= NMAX);
	memset(slot, 0, sizeof(slot));
	sample_init(&s, cap, seed);
	for (i = 0; i < n; i++) {
		at = sample_offer(&s);
		assert_true(at >= -1 && at < (int64_t)cap);
		/* Slots fill in order first: none is skipped. */
		if (i < cap)
			assert_int_equal(at, i);
		if (at >= 0)
			slot[at] = i;
	}
	assert_int_equal(s.seen, n);
	assert_int_equal(s.n, n < cap ? n : cap);
	sample_order(&s, order);
	for (i = 0; i < s.n; i++)
		kept[i] = slot[order[i]];
	return s.n;
}

/* Each of kept[0..k) is an item below n, none twice. */
static void
check_distinct(const uint32_t *kept, uint32_t k, uint32_t n)
{
	uint8_t seen[NMAX];
	uint32_t i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < k; i++) {
		assert_true(kept[i] < n);
		assert_int_equal(seen[kept[i]], 0);
		seen[kept[i]] = 1;
	}
}

/* A small swarm: every source is handed out, each once. */
static void
test_small_kept_whole(void **state)
{
	uint32_t kept[NMAX], n, seed;

	(void)state;
	for (n = 0; n <= CAP; n++)
		for (seed = 0; seed < 20; seed++) {
			assert_int_equal(draw(CAP, n, seed, kept), n);
			check_distinct(kept, n, n);
		}
}

/* A big one: exactly the bound, no duplicates, whatever the size. */
static void
test_big_bounded(void **state)
{
	static const uint32_t sizes[] = { CAP + 1, CAP + 2, 64, 100, 257,
	    NMAX };
	uint32_t kept[NMAX], seed;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (seed = 1; seed <= 50; seed++) {
			assert_int_equal(draw(CAP, sizes[i], seed, kept), CAP);
			check_distinct(kept, CAP, sizes[i]);
		}
}

/*
 * Over many draws (a downloader's refreshes, or many downloaders) every
 * source turns up, each in about cap/n of them: 2000 draws of 40 of 100,
 * so 800 expected, standard deviation 21.9; more than 6 of those away
 * would be a broken sampler, not bad luck.  And within a few draws every
 * one has been seen: 20 draws miss a given source with odds 0.6^20.
 */
static void
test_all_reachable_uniform(void **state)
{
	uint32_t kept[NMAX], count[100], first[CAP], n = 100, d, i;
	int seen_all_by = -1;

	(void)state;
	memset(count, 0, sizeof(count));
	memset(first, 0, sizeof(first));
	for (d = 0; d < 2000; d++) {
		uint32_t k = draw(CAP, n, 0x5eed0000u + d, kept);

		for (i = 0; i < k; i++)
			count[kept[i]]++;
		if (seen_all_by == -1) {
			for (i = 0; i < n && count[i] > 0; i++)
				;
			if (i == n)
				seen_all_by = (int)d + 1;
		}
	}
	for (i = 0; i < n; i++) {
		assert_true(count[i] > 800 - 6 * 22);
		assert_true(count[i] < 800 + 6 * 22);
	}
	assert_true(seen_all_by > 0 && seen_all_by <= 40);
	print_message("  every one of 100 sources seen within %d draws of 40\n",
	    seen_all_by);
	/* The last of the stream as likely as the first. */
	assert_true(count[n - 1] > 800 - 6 * 22);
	/* Order: a small stream's first place goes to each item evenly. */
	for (d = 0; d < 4000; d++) {
		assert_int_equal(draw(CAP, CAP, 0xabc00000u + d, kept), CAP);
		first[kept[0]]++;
	}
	/* 100 expected each, sd 9.9. */
	for (i = 0; i < CAP; i++)
		assert_true(first[i] > 40 && first[i] < 160);
}

/* sample_order() is a permutation; no cap keeps nothing. */
static void
test_order_and_edges(void **state)
{
	struct sample s;
	uint32_t order[CAP], i;
	uint8_t hit[CAP];

	(void)state;
	sample_init(&s, CAP, 7);
	for (i = 0; i < 25; i++)
		assert_int_equal(sample_offer(&s), i);
	sample_order(&s, order);
	memset(hit, 0, sizeof(hit));
	for (i = 0; i < 25; i++) {
		assert_true(order[i] < 25);
		assert_int_equal(hit[order[i]], 0);
		hit[order[i]] = 1;
	}
	sample_init(&s, 0, 7);
	for (i = 0; i < 10; i++)
		assert_int_equal(sample_offer(&s), -1);
	assert_int_equal(s.n, 0);
	sample_order(&s, order);
	/* Seed 0 is taken as another seed, not as a stuck generator. */
	sample_init(&s, 1, 0);
	assert_true(s.rng != 0);
}

/* The same seed draws the same set: the tracker seeds each request. */
static void
test_seeded(void **state)
{
	uint32_t a[NMAX], b[NMAX], c[NMAX];

	(void)state;
	draw(CAP, 300, 42, a);
	draw(CAP, 300, 42, b);
	draw(CAP, 300, 43, c);
	assert_memory_equal(a, b, CAP * sizeof(a[0]));
	assert_memory_not_equal(a, c, CAP * sizeof(a[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_kept_whole),
		cmocka_unit_test(test_big_bounded),
		cmocka_unit_test(test_all_reachable_uniform),
		cmocka_unit_test(test_order_and_edges),
		cmocka_unit_test(test_seeded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
