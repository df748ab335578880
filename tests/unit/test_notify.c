/*
 * test_notify.c - the tracker's notices to the links that follow a group
 * (tracker/notify.c): the pacing of one group's notices (the first after
 * a quiet spell at once, then at most one per NOTIFY_GAP_MS, changes in
 * between folded into the one due), and the subscription tables: a link
 * follows at most NOTIFY_SUBS_MAX groups, a repeat is free, unsubscribing
 * and the link's end give every slot back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "loop.h"
#include "../../tracker/link.h"
#include "../../tracker/notify.h"
#include "../../tracker/tracker.h"

static void
test_gate(void **state)
{
	struct notify_gate g = { 0 };
	uint64_t wait = 0;

	(void)state;
	/* The first change ever: at once, whatever the clock says. */
	assert_int_equal(notify_gate_change(&g, 0, &wait), NOTIFY_NOW);
	/* Soon after: one notice due at the end of the gap... */
	assert_int_equal(notify_gate_change(&g, 30, &wait), NOTIFY_LATER);
	assert_int_equal(wait, NOTIFY_GAP_MS - 30);
	/* ...which the changes until then join. */
	assert_int_equal(notify_gate_change(&g, 40, &wait), NOTIFY_PENDING);
	assert_int_equal(notify_gate_change(&g, 99, &wait), NOTIFY_PENDING);
	notify_gate_fired(&g, NOTIFY_GAP_MS);
	/* Right after it went: the next waits for the gap's end. */
	assert_int_equal(notify_gate_change(&g, NOTIFY_GAP_MS + 1, &wait),
	    NOTIFY_LATER);
	assert_int_equal(wait, NOTIFY_GAP_MS - 1);
	notify_gate_fired(&g, 2 * NOTIFY_GAP_MS);
	/* A quiet spell: at once again. */
	assert_int_equal(notify_gate_change(&g, 10 * NOTIFY_GAP_MS, &wait),
	    NOTIFY_NOW);
	assert_int_equal(notify_gate_change(&g, 11 * NOTIFY_GAP_MS, &wait),
	    NOTIFY_NOW);
}

static void
test_subs_bounded(void **state)
{
	struct tracker t;
	struct link a, b;
	struct notify *n;
	char name[32];
	int i;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_non_null(t.loop = loop_new());
	n = notify_new(&t);
	for (i = 0; i < NOTIFY_SUBS_MAX; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		assert_int_equal(notify_subscribe(n, &a, "alice", name), 0);
	}
	assert_int_equal(a.nsubs, NOTIFY_SUBS_MAX);
	/* Full: a new group is refused, one it follows is no change. */
	assert_int_equal(notify_subscribe(n, &a, "alice", "more"), -1);
	assert_int_equal(notify_subscribe(n, &a, "alice", "g7"), 0);
	assert_int_equal(a.nsubs, NOTIFY_SUBS_MAX);
	/* Another link has its own room, in the same groups too. */
	assert_int_equal(notify_subscribe(n, &b, "bob", "g7"), 0);
	assert_int_equal(notify_subscribe(n, &b, "bob", "more"), 0);
	assert_int_equal(b.nsubs, 2);
	/* Unsubscribing gives the slot back; an unknown group is ignored. */
	notify_unsubscribe(n, &a, "g7");
	notify_unsubscribe(n, &a, "nosuch");
	assert_int_equal(a.nsubs, NOTIFY_SUBS_MAX - 1);
	assert_int_equal(notify_subscribe(n, &a, "alice", "more"), 0);
	assert_int_equal(notify_subscribe(n, &a, "alice", "again"), -1);
	/* The link's end: nothing left of it; b still follows g7. */
	notify_link_gone(n, &a);
	assert_null(a.subs);
	assert_int_equal(a.nsubs, 0);
	assert_int_equal(b.nsubs, 2);
	notify_unsubscribe(n, &b, "g7");
	assert_int_equal(b.nsubs, 1);
	/* A change nobody follows, and malformed ops: nothing happens. */
	notify_group(n, "g3");
	notify_op(n, (const uint8_t *)"\0\0\0\0", 4);
	notify_op(n, NULL, 0);
	notify_free(n);
	assert_null(b.subs);
	loop_free(t.loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_subs_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
