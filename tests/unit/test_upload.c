/*
 * test_upload.c - upload slots (client/upload.c): the waiting requests
 * keep their order, are bounded and can be cancelled; at most `slots`
 * peers are served at once, each a quantum a turn, in the order they
 * asked; a turn ends when what it handed over is written; an overdue turn
 * is cut; a peer gone leaves no trace.  And, simulated: many peers asking
 * at random, no more than `slots` are ever served at once, no peer waits
 * more than one round, and every request is served.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rng.h"
#include "../../client/upload.h"

static struct up_req
req(uint32_t piece, uint32_t off, uint32_t len)
{
	struct up_req r;

	memset(&r, 0, sizeof(r));
	r.sha1[0] = 7;
	r.id = piece * 100 + off;
	r.piece = piece;
	r.off = off;
	r.len = len;
	return r;
}

static void
test_queue(void **state)
{
	struct up_queue q;
	struct up_req r;
	uint8_t other[20] = { 8 };
	unsigned i;

	(void)state;
	up_queue_init(&q, 4);
	assert_null(up_queue_peek(&q));
	up_queue_pop(&q);			/* empty: nothing happens */
	for (i = 0; i < 4; i++) {
		r = req(i, 0, 10);
		assert_int_equal(up_queue_push(&q, &r), 0);
	}
	r = req(9, 0, 10);
	assert_int_equal(up_queue_push(&q, &r), -1);	/* full */
	/* A CANCEL: only an exact match, order kept. */
	assert_int_equal(up_queue_cancel(&q, r.sha1, 2, 0, 11), 0);
	assert_int_equal(up_queue_cancel(&q, other, 2, 0, 10), 0);
	assert_int_equal(up_queue_cancel(&q, r.sha1, 2, 0, 10), 1);
	assert_int_equal(q.n, 3);
	assert_int_equal(up_queue_peek(&q)->piece, 0);
	up_queue_pop(&q);
	/* Wraps around the ring. */
	r = req(4, 0, 10);
	assert_int_equal(up_queue_push(&q, &r), 0);
	r = req(5, 0, 10);
	assert_int_equal(up_queue_push(&q, &r), 0);
	assert_int_equal(up_queue_cancel(&q, r.sha1, 4, 0, 10), 1);
	static const uint32_t order[] = { 1, 3, 5 };
	for (i = 0; i < 3; i++) {
		assert_int_equal(up_queue_peek(&q)->piece, order[i]);
		up_queue_pop(&q);
	}
	assert_null(up_queue_peek(&q));
	up_queue_free(&q);
}

static void
test_turns(void **state)
{
	struct up_sched s;
	struct up_slot a, b, c;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	up_sched_init(&s, 2);
	/* Two free slots: a and b start; c waits. */
	assert_int_equal(up_may_send(&s, &a, 10), 1);
	assert_int_equal(a.quantum, UP_QUANTUM);
	assert_int_equal(up_may_send(&s, &b, 10), 1);
	assert_int_equal(up_may_send(&s, &c, 10), 0);
	assert_int_equal(c.state, UP_WAITING);
	assert_int_equal(up_may_send(&s, &c, 10), 0);	/* still waiting */
	assert_null(up_next(&s, 10));			/* none free */
	/* a spends its quantum; it may send no more this turn. */
	assert_int_equal(up_spend(&a, UP_QUANTUM - 1), 1);
	assert_int_equal(up_spend(&a, 5), 0);
	assert_int_equal(up_may_send(&s, &a, 10), 0);
	/* Written: a's turn ends, it has more: behind c, who goes now. */
	up_release(&s, &a, 1);
	assert_int_equal(a.state, UP_WAITING);
	assert_ptr_equal(up_next(&s, 20), &c);
	assert_int_equal(c.state, UP_ACTIVE);
	assert_null(up_next(&s, 20));
	/* b is done and has nothing more: idle; a gets the slot. */
	up_release(&s, &b, 0);
	assert_int_equal(b.state, UP_IDLE);
	assert_ptr_equal(up_next(&s, 30), &a);
	/* A newcomer while others wait goes behind them. */
	up_release(&s, &c, 1);
	assert_int_equal(up_may_send(&s, &b, 40), 0);
	assert_ptr_equal(up_next(&s, 40), &c);
	/* An overdue turn is cut. */
	assert_int_equal(up_overdue(&a, 30 + 2000, 2000), 0);
	assert_int_equal(up_overdue(&a, 30 + 2001, 2000), 1);
	assert_int_equal(up_overdue(&b, 99999, 2000), 0);	/* waiting */
	/* Gone: an active one frees its slot, a waiting one leaves the line. */
	up_remove(&s, &b);
	assert_int_equal(s.nwaiting, 0);
	up_remove(&s, &a);
	assert_int_equal(s.nactive, 1);
	assert_null(up_next(&s, 50));
	up_release(&s, &a, 1);			/* not active: nothing */
	assert_int_equal(s.nactive, 1);
	/* Many waiting: every turn a unit all the same. */
	up_sched_init(&s, 1);
	struct up_slot many[100];
	unsigned i;
	memset(many, 0, sizeof(many));
	for (i = 0; i < 100; i++)
		(void)up_may_send(&s, &many[i], 60);
	assert_int_equal(many[0].quantum, UP_QUANTUM);
	assert_int_equal(s.nwaiting, 99);
	up_release(&s, &many[0], 0);
	assert_ptr_equal(up_next(&s, 70), &many[1]);
	assert_int_equal(many[1].quantum, UP_QUANTUM);
}

/*
 * 12 peers, 3 slots: at random a peer asks for blocks, or an active
 * peer's output is written.  Never more than 3 active; a waiting peer is
 * served within a round (fewer turns of others than there are peers);
 * when the asking stops, everything asked is served.
 */
static void
test_simulated(void **state)
{
	enum { NP = 12, SLOTS = 3 };
	struct up_sched s;
	struct up_slot sl[NP];
	unsigned pending[NP], turns_since[NP], step, i, served = 0, left = 1;
	unsigned asking = 150000;

	(void)state;
	rng_seed(7);
	memset(sl, 0, sizeof(sl));
	memset(pending, 0, sizeof(pending));
	memset(turns_since, 0, sizeof(turns_since));
	up_sched_init(&s, SLOTS);
	/* Asking for 150,000 steps, then until all is served (bounded). */
	for (step = 0; asking > 0 || (left > 0 && step < 5000000); step++) {
		unsigned p = rng() % NP;
		int ask = asking > 0 && rng() % 3 == 0;

		if (asking > 0)
			asking--;
		if (ask) {
			pending[p] += 1 + rng() % 4;	/* blocks asked */
		} else if (sl[p].state == UP_ACTIVE) {
			up_release(&s, &sl[p], pending[p] > 0);	/* written */
		}
		/* Pump every peer with requests, then fill free slots. */
		for (i = 0; i < NP; i++)
			while (pending[i] > 0 && up_may_send(&s, &sl[i], step)) {
				pending[i]--;
				served++;
				turns_since[i] = 0;
				if (!up_spend(&sl[i], 128 * 1024))
					break;
			}
		struct up_slot *n;
		while ((n = up_next(&s, step)) != NULL) {
			unsigned k = (unsigned)(n - sl);

			for (i = 0; i < NP; i++)
				if (i != k && sl[i].state == UP_WAITING)
					turns_since[i]++;
			assert_true(turns_since[k] < NP);
			while (pending[k] > 0 && up_may_send(&s, n, step)) {
				pending[k]--;
				served++;
				if (!up_spend(n, 128 * 1024))
					break;
			}
			turns_since[k] = 0;
		}
		assert_true(s.nactive <= SLOTS);
		for (left = 0, i = 0; i < NP; i++) {
			if (sl[i].state == UP_WAITING)
				assert_true(pending[i] > 0);
			left += pending[i];
		}
	}
	for (i = 0; i < NP; i++)
		assert_int_equal(pending[i], 0);
	assert_true(served > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_turns),
		cmocka_unit_test(test_simulated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
