/*
 * test_shares.c - finding shares (client/shares.c): by content and by
 * group and name through the hash tables, checked against a plain list
 * over thousands of random adds and removes (the tables grow through
 * several sizes), and the rules the list walk had: the same content
 * shared twice gives the complete copy, else the one added last; a
 * group and name gives the one added last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../client/client.h"
#include "../../client/shares.h"
#include "rng.h"

#define NSHA	40		/* contents: few, so they repeat */
#define NNAME	300		/* group/name pairs */
#define MAXLIVE	2000

struct model {
	struct share	*s;
	unsigned	 sha, name;
	int		 complete;
};

static void
sha_of(unsigned k, uint8_t sha1[20])
{
	unsigned i;

	for (i = 0; i < 20; i++)
		sha1[i] = (uint8_t)(k * 37 + i * (k | 1));
}

static struct share *
add(struct client *cl, unsigned sha, unsigned name, int complete)
{
	char group[16], fname[16];
	uint8_t sha1[20];
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	snprintf(group, sizeof(group), "g%u", name % 7);
	snprintf(fname, sizeof(fname), "f%u", name);
	sha_of(sha, sha1);
	return shares_adopt(cl, fd, group, fname, "/dev/null", sha1,
	    1000 + sha, NULL, 0, complete);
}

/* What the old list walk answered, over the model (newest last). */
static struct share *
want_find(const struct model *m, unsigned n, unsigned sha)
{
	struct share *best = NULL;
	int best_complete = 0;
	unsigned i;

	for (i = n; i-- > 0;)
		if (m[i].sha == sha && (best == NULL || (m[i].complete &&
		    !best_complete))) {
			best = m[i].s;
			best_complete = m[i].complete;
		}
	return best;
}

static struct share *
want_get(const struct model *m, unsigned n, unsigned name)
{
	unsigned i;

	for (i = n; i-- > 0;)
		if (m[i].name == name)
			return m[i].s;
	return NULL;
}

static void
test_random(void **state)
{
	static struct model m[MAXLIVE];
	struct client cl;
	char group[16], fname[16];
	uint8_t sha1[20];
	unsigned n = 0, op, k, i;

	(void)state;
	memset(&cl, 0, sizeof(cl));
	rng_seed(7);
	sha_of(1, sha1);
	assert_null(shares_find(&cl, sha1));	/* no tables yet */
	assert_null(shares_get(&cl, "g1", "f1"));
	for (op = 0; op < 20000; op++) {
		if (n < MAXLIVE && (n == 0 || rng_below(100) < 55)) {
			m[n].sha = rng_below(NSHA);
			m[n].name = rng_below(NNAME);
			m[n].complete = rng_below(3) == 0;
			m[n].s = add(&cl, m[n].sha, m[n].name, m[n].complete);
			n++;
		} else {
			k = rng_below(n);
			shares_remove(&cl, m[k].s);
			memmove(&m[k], &m[k + 1], (n - k - 1) * sizeof(m[0]));
			n--;
		}
		assert_int_equal(cl.nshares, n);
		k = rng_below(NSHA);
		sha_of(k, sha1);
		assert_ptr_equal(shares_find(&cl, sha1), want_find(m, n, k));
		k = rng_below(NNAME);
		snprintf(group, sizeof(group), "g%u", k % 7);
		snprintf(fname, sizeof(fname), "f%u", k);
		assert_ptr_equal(shares_get(&cl, group, fname),
		    want_get(m, n, k));
	}
	assert_true(cl.share_buckets > n);
	/* Every live one by both keys. */
	for (i = 0; i < n; i++) {
		assert_ptr_equal(shares_get(&cl, m[i].s->group,
		    m[i].s->name), want_get(m, n, m[i].name));
		assert_ptr_equal(shares_find(&cl, m[i].s->sha1),
		    want_find(m, n, m[i].sha));
	}
	/* Same group, other name; same name, other group: not found. */
	assert_null(shares_get(&cl, "g1", "f2"));
	assert_null(shares_get(&cl, "g9", "f1"));
	shares_clear(&cl);
	assert_int_equal(cl.nshares, 0);
	assert_int_equal(cl.share_buckets, 0);
	assert_null(cl.shares);
	assert_null(shares_find(&cl, sha1));
	/* Usable again after a clear (a logout, then a login). */
	m[0].s = add(&cl, 3, 5, 1);
	sha_of(3, sha1);
	assert_ptr_equal(shares_find(&cl, sha1), m[0].s);
	assert_ptr_equal(shares_get(&cl, "g5", "f5"), m[0].s);
	shares_clear(&cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
