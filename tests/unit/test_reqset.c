/*
 * test_reqset.c - unit tests for tracker/reqset.c.
 *
 * Covers: keys are found once added and not before; a key is added once;
 * expiry forgets the oldest while their time is below the bound, in
 * arrival order; undo forgets the newest back to a mark; a full set lets
 * its oldest go; keys that collide in the table (same low bits) survive
 * the deletion of their neighbours (the back shift).  Ends with a
 * randomized run (fixed seeds) against a plain array model, with keys
 * drawn from a small range so probe chains are long and wrap around.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../tracker/reqset.h"
#include "rng.h"

static void
test_add_has(void **state)
{
	struct reqset r;
	uint8_t req[32];
	uint64_t k;

	(void)state;
	reqset_init(&r, 0);
	memset(req, 7, sizeof(req));
	k = reqset_key(req);
	assert_false(reqset_has(&r, k));
	reqset_add(&r, k, 10);
	reqset_add(&r, k, 11);		/* once */
	assert_true(reqset_has(&r, k));
	assert_int_equal(r.n, 1);
	memset(req, 0, sizeof(req));
	assert_int_not_equal(reqset_key(req), 0);	/* 0 means empty */
	reqset_free(&r);
}

static void
test_expire_undo_full(void **state)
{
	struct reqset r;
	uint64_t k, mark;

	(void)state;
	reqset_init(&r, 100);
	for (k = 1; k <= 50; k++)
		reqset_add(&r, k << 20, k);
	reqset_expire(&r, 21);			/* times 1..20 go */
	assert_false(reqset_has(&r, 20ull << 20));
	assert_true(reqset_has(&r, 21ull << 20));
	assert_int_equal(r.n, 30);
	mark = r.added;
	reqset_add(&r, 1000, 60);
	reqset_add(&r, 1001, 61);
	reqset_undo(&r, mark);
	assert_false(reqset_has(&r, 1000));
	assert_false(reqset_has(&r, 1001));
	assert_true(reqset_has(&r, 50ull << 20));
	for (k = 100; k < 200; k++)		/* 100 more: the oldest go */
		reqset_add(&r, k << 20, k);
	assert_int_equal(r.n, 100);
	assert_false(reqset_has(&r, 50ull << 20));
	assert_true(reqset_has(&r, 199ull << 20));
	reqset_free(&r);
}

/* Keys with the same low bits share a probe chain; deleting its first
 * members must leave the rest findable. */
static void
test_collisions(void **state)
{
	struct reqset r;
	uint64_t k;

	(void)state;
	reqset_init(&r, 0);
	for (k = 1; k <= 200; k++)
		reqset_add(&r, (k << 32) | 5, k);	/* all home at slot 5 */
	reqset_expire(&r, 101);
	for (k = 1; k <= 200; k++)
		assert_int_equal(reqset_has(&r, (k << 32) | 5), k > 100);
	reqset_free(&r);
}

/* The model: keys in arrival order with their times. */
struct model {
	uint64_t	 key[20000], at[20000];
	size_t		 head, n;
};

static int
model_has(const struct model *m, uint64_t k)
{
	size_t i;

	for (i = m->head; i < m->head + m->n; i++)
		if (m->key[i] == k)
			return 1;
	return 0;
}

/* As reqset_add: once, the oldest going if full.  1 if added. */
static int
model_add(struct model *m, uint64_t k, uint64_t at, size_t max)
{
	if (model_has(m, k))
		return 0;
	if (m->n == max) {
		m->head++;
		m->n--;
	}
	m->key[m->head + m->n] = k;
	m->at[m->head + m->n] = at;
	m->n++;
	return 1;
}

static void
test_model_random(void **state)
{
	static struct model m;
	struct reqset r;
	uint64_t seed, now, mark, k;
	size_t step, i, max = 300;

	(void)state;
	for (seed = 1; seed <= 10; seed++) {
		rng_state = seed * 0x9e3779b97f4a7c15ull;
		memset(&m, 0, sizeof(m));
		reqset_init(&r, max);
		now = 0;
		for (step = 0; step < 8000; step++) {
			uint64_t op = rng() % 10;

			now += rng() % 3;
			if (op < 6) {
				/* Small range, same low bits often. */
				k = 1 + rng() % 2000 + ((uint64_t)(rng() % 4) << 40);
				reqset_add(&r, k, now);
				(void)model_add(&m, k, now, max);
			} else if (op < 8) {
				uint64_t before = now > 40 ? now - 40 : 0;

				reqset_expire(&r, before);
				while (m.n > 0 && m.at[m.head] < before) {
					m.head++;
					m.n--;
				}
			} else {
				/* Add a few, then take them back. */
				size_t added = 0;

				mark = r.added;
				for (i = 0; i < 3; i++) {
					k = 1 + rng() % 2000;
					reqset_add(&r, k, now);
					added += (size_t)model_add(&m, k, now,
					    max);
				}
				reqset_undo(&r, mark);
				m.n -= added;
			}
			assert_int_equal(r.n, m.n);
			if (m.head + m.n + 10 >= 20000) {
				memmove(m.key, m.key + m.head,
				    m.n * sizeof(m.key[0]));
				memmove(m.at, m.at + m.head,
				    m.n * sizeof(m.at[0]));
				m.head = 0;
			}
			/* Every key of the range: in one exactly when in
			   the other. */
			if (step % 500 == 0)
				for (k = 1; k <= 2000; k++)
					for (i = 0; i < 4; i++)
						assert_int_equal(
						    reqset_has(&r, k + (i << 40)),
						    model_has(&m, k + (i << 40)));
		}
		for (i = m.head; i < m.head + m.n; i++)
			assert_true(reqset_has(&r, m.key[i]));
		reqset_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_has),
		cmocka_unit_test(test_expire_undo_full),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_model_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
