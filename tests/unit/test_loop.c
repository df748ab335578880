/*
 * test_loop.c - the event loop's timers: a timer set where the loop goes
 * to sleep (a before-sleep hook, a deferred call) bounds that sleep, so it
 * fires in its turn and not when some later timer wakes the loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "loop.h"

struct run {
	struct loop	*l;
	char		 order[8];	/* timers in the order they fired */
	int		 n;
	int		 hooked;
};

static void
fired_a(void *arg)
{
	struct run *r = arg;

	r->order[r->n++] = 'a';
}

static void
fired_b(void *arg)
{
	struct run *r = arg;

	r->order[r->n++] = 'b';
	loop_stop(r->l);
}

/* Once: a 10 ms timer, set as the loop is about to sleep. */
static void
hook(void *arg)
{
	struct run *r = arg;

	if (!r->hooked++)
		loop_timer(r->l, 10, fired_a, r);
}

static void
deferred(void *arg)
{
	struct run *r = arg;

	loop_timer(r->l, 10, fired_a, r);
}

/*
 * A 1.5 s timer first, then set_10ms arranges a 10 ms one the way the
 * test names: the 10 ms one must fire first.  Without the bound, both
 * come due in the same pass, the older first.
 */
static void
timers_in_order(int from_hook)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.l = loop_new();
	assert_non_null(r.l);
	loop_timer(r.l, 1500, fired_b, &r);
	if (from_hook)
		loop_before_sleep(r.l, hook, &r);
	else
		loop_defer(r.l, deferred, &r);
	assert_int_equal(loop_run(r.l), 0);
	assert_int_equal(r.n, 2);
	assert_memory_equal(r.order, "ab", 2);
	loop_free(r.l);
}

static void
test_timer_from_hook(void **state)
{
	(void)state;
	timers_in_order(1);
}

static void
test_timer_from_deferred(void **state)
{
	(void)state;
	timers_in_order(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_from_hook),
		cmocka_unit_test(test_timer_from_deferred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
