/*
 * test_folder.c - a synced folder's rules (client/folder_rules.c): which
 * names are synced, the stable-file rule, conflict names, and the order of
 * versions (what folder_decide() does with each combination of disk,
 * agreed base and group).  And, simulated: two members editing one name
 * while the group keeps the newest version, as the trackers do; whatever
 * the interleaving, no content made by either is lost from both folders
 * unless its user edited it away, and both end with the same content
 * under the name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "rng.h"
#include "../../client/folder_rules.h"

static void
test_candidate(void **state)
{
	char longname[300];

	(void)state;
	assert_true(folder_candidate("a.txt"));
	assert_true(folder_candidate(".hidden"));
	assert_true(folder_candidate("part"));
	assert_true(folder_candidate(".part"));		/* a name, not a suffix */
	assert_true(folder_candidate("x.partial"));
	assert_false(folder_candidate("a.txt.part"));	/* a download */
	assert_false(folder_candidate(FOLDER_STAGE));
	assert_false(folder_candidate("."));
	assert_false(folder_candidate(".."));
	assert_false(folder_candidate(""));
	assert_false(folder_candidate("tab\there"));
	assert_false(folder_candidate("new\nline"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(folder_candidate(longname));
	longname[NAME_MAX_LEN] = '\0';
	assert_true(folder_candidate(longname));
}

static void
test_stable(void **state)
{
	(void)state;
	/* Closed: FOLDER_SETTLE_MS of quiet. */
	assert_false(folder_stable(1000, 1000, 1));
	assert_false(folder_stable(1000, 1000 + FOLDER_SETTLE_MS - 1, 1));
	assert_true(folder_stable(1000, 1000 + FOLDER_SETTLE_MS, 1));
	/* Still open (no close seen): the longer FOLDER_QUIET_MS. */
	assert_false(folder_stable(1000, 1000 + FOLDER_SETTLE_MS, 0));
	assert_false(folder_stable(1000, 1000 + FOLDER_QUIET_MS - 1, 0));
	assert_true(folder_stable(1000, 1000 + FOLDER_QUIET_MS, 0));
	/* A clock before the change is not stable. */
	assert_false(folder_stable(5000, 4000, 1));
	assert_true(FOLDER_QUIET_MS > FOLDER_SETTLE_MS);
}

/* Notices ask at once, one at a time, one more after; the slow poll. */
static void
test_poll(void **state)
{
	struct folder_poll p = { 0 };

	(void)state;
	/* The first look is at once, notice or not. */
	assert_true(folder_poll_due(&p, 5, 0));
	/* Out: neither the poll nor notices ask a second time. */
	assert_false(folder_poll_due(&p, 5 + FOLDER_POLL_MS, 0));
	assert_false(folder_poll_due(&p, 6, 1));
	assert_false(folder_poll_due(&p, 7, 1));
	/* Its answer: once more for the notices heard meanwhile... */
	assert_true(folder_poll_done(&p));
	assert_true(folder_poll_due(&p, 8, 1));
	/* ...and only once. */
	assert_false(folder_poll_done(&p));
	/* Quiet: nothing until FOLDER_POLL_MS after the last ask. */
	assert_false(folder_poll_due(&p, 8 + FOLDER_POLL_MS - 1, 0));
	assert_true(folder_poll_due(&p, 8 + FOLDER_POLL_MS, 0));
	assert_false(folder_poll_done(&p));
	/* A notice asks at once, however recent the last ask. */
	assert_true(folder_poll_due(&p, 9 + FOLDER_POLL_MS, 1));
	assert_false(folder_poll_done(&p));
	/* An answer (or a failure) with no notice meanwhile: the poll's time. */
	assert_false(folder_poll_due(&p, 10 + FOLDER_POLL_MS, 0));
}

static void
test_conflict_name(void **state)
{
	static const uint8_t h[20] = { 0x2f, 0xcd, 0x86, 0xef, 0x01 };
	char out[NAME_MAX_LEN + 1], name[300];
	time_t t = 1796553717;		/* 2026-12-06 10:41:57 UTC */
	size_t i;

	(void)state;
	assert_int_equal(folder_conflict_name("a2.bin", t, h, out,
	    sizeof(out)), 0);
	assert_string_equal(out,
	    "a2.sync-conflict-20261206-104157-2fcd86e.bin");
	assert_int_equal(folder_conflict_name("README", t, h, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "README.sync-conflict-20261206-104157-2fcd86e");
	/* A leading dot is not an extension; the last dot is. */
	assert_int_equal(folder_conflict_name(".bashrc", t, h, out,
	    sizeof(out)), 0);
	assert_string_equal(out,
	    ".bashrc.sync-conflict-20261206-104157-2fcd86e");
	assert_int_equal(folder_conflict_name("a.tar.gz", t, h, out,
	    sizeof(out)), 0);
	assert_string_equal(out,
	    "a.tar.sync-conflict-20261206-104157-2fcd86e.gz");
	/* Too small a buffer. */
	assert_int_equal(folder_conflict_name("a", t, h, out, 100), -1);
	/* A long name: the stem is cut, the result a valid name. */
	memset(name, 'x', NAME_MAX_LEN - 4);
	memcpy(name + NAME_MAX_LEN - 4, ".txt", 5);
	assert_int_equal(folder_conflict_name(name, t, h, out, sizeof(out)),
	    0);
	assert_int_equal(strlen(out), NAME_MAX_LEN);
	assert_true(parse_filename(out));
	assert_string_equal(out + NAME_MAX_LEN - 4, ".txt");
	/* Cut at a UTF-8 boundary: never half a character. */
	for (i = 0; i + 1 < NAME_MAX_LEN; i += 2)
		memcpy(name + i, "\xc3\xa9", 2);		/* é */
	name[NAME_MAX_LEN - (NAME_MAX_LEN % 2)] = '\0';
	assert_int_equal(folder_conflict_name(name, t, h, out, sizeof(out)),
	    0);
	assert_true(strlen(out) <= NAME_MAX_LEN);
	assert_true(parse_filename(out));
	i = strstr(out, ".sync-conflict-") - out;
	assert_int_equal(i % 2, 0);
	/* The copies of two contents never share a name. */
	{
		uint8_t h2[20] = { 0x2f, 0xcd, 0x86, 0xff };
		char out2[NAME_MAX_LEN + 1];

		assert_int_equal(folder_conflict_name("a", t, h2, out2,
		    sizeof(out2)), 0);
		assert_int_equal(folder_conflict_name("a", t, h, out,
		    sizeof(out)), 0);
		assert_string_not_equal(out, out2);
	}
}

static const uint8_t X[20] = { 1 }, Y[20] = { 2 }, Z[20] = { 3 };

static enum folder_act
act(const uint8_t *local, const uint8_t *base, int authored,
    const uint8_t *group, const uint8_t *parent, const uint8_t *gone)
{
	struct folder_view v = { local, base, authored, group, parent, gone };

	return folder_decide(&v);
}

static void
test_decide(void **state)
{
	(void)state;
	/* Nothing here. */
	assert_int_equal(act(NULL, NULL, 0, NULL, NULL, NULL), FA_NONE);
	assert_int_equal(act(NULL, NULL, 0, X, NULL, NULL), FA_FETCH);
	assert_int_equal(act(NULL, X, 0, X, NULL, NULL), FA_FETCH);
	/* Deleted here: not fetched again, unless a new version comes. */
	assert_int_equal(act(NULL, X, 0, X, NULL, X), FA_NONE);
	assert_int_equal(act(NULL, X, 0, Y, X, X), FA_FETCH);
	/* Here only: shared. */
	assert_int_equal(act(X, NULL, 0, NULL, NULL, NULL), FA_PUSH);
	assert_int_equal(act(X, X, 1, NULL, NULL, NULL), FA_PUSH);
	/* The same on both sides. */
	assert_int_equal(act(X, NULL, 0, X, NULL, NULL), FA_ADOPT);
	assert_int_equal(act(X, Y, 0, X, Y, NULL), FA_ADOPT);
	assert_int_equal(act(X, X, 0, X, NULL, NULL), FA_NONE);
	/* Never agreed, different: ours is kept beside theirs. */
	assert_int_equal(act(X, NULL, 0, Y, NULL, NULL), FA_CONFLICT);
	/* Changed here, the group still at the base: a new version. */
	assert_int_equal(act(Y, X, 0, X, NULL, NULL), FA_PUSH);
	assert_int_equal(act(Y, X, 1, X, Z, NULL), FA_PUSH);
	/* Changed here and there. */
	assert_int_equal(act(Y, X, 0, Z, X, NULL), FA_CONFLICT);
	/* Unchanged here, the group moved on from what we did not make. */
	assert_int_equal(act(X, X, 0, Y, X, NULL), FA_FETCH);
	assert_int_equal(act(X, X, 0, Y, Z, NULL), FA_FETCH);
	assert_int_equal(act(X, X, 0, Y, NULL, NULL), FA_FETCH);
	/* ...from what we made: a later edit of ours is fetched. */
	assert_int_equal(act(X, X, 1, Y, X, NULL), FA_FETCH);
	/* ...not made from ours: ours lost a race; it is kept beside. */
	assert_int_equal(act(X, X, 1, Y, Z, NULL), FA_CONFLICT);
	assert_int_equal(act(X, X, 1, Y, NULL, NULL), FA_CONFLICT);
}

/*
 * Two members, one name, a group that keeps the newest push (as every
 * tracker does, by stamp).  Each step one of: a member edits (a new
 * content), a member looks at the group and acts (a push is taken at
 * once; a fetch copies the group's content; a conflict keeps the local
 * content aside, which is then as good as pushed under another name).
 * After random steps and then looks until quiet, both members hold the
 * group's content, and every content either member made is in a folder,
 * unless a user edited that very content (it is an old version then).
 */
struct member {
	uint8_t		 local, base;	/* 0: none */
	int		 has_local, has_base, authored;
	uint8_t		 kept[64];	/* conflict copies */
	unsigned	 nkept;
};

struct group {
	uint8_t		 cur, parent;	/* 0: none */
	int		 has;
};

static void
sha(uint8_t v, uint8_t out[20])
{
	memset(out, 0, 20);
	out[0] = v;
}

static int
step(struct member *m, struct group *g)
{
	uint8_t l[20], b[20], gr[20], p[20];
	struct folder_view v;

	sha(m->local, l);
	sha(m->base, b);
	sha(g->cur, gr);
	sha(g->parent, p);
	v.local = m->has_local ? l : NULL;
	v.base = m->has_base ? b : NULL;
	v.authored = m->authored;
	v.group = g->has ? gr : NULL;
	v.parent = g->has && g->parent != 0 ? p : NULL;
	v.gone = NULL;
	switch (folder_decide(&v)) {
	case FA_NONE:
		return 0;
	case FA_ADOPT:
		m->base = m->local;
		m->has_base = 1;
		return 1;
	case FA_PUSH:
		g->parent = m->has_base ? m->base : 0;
		g->cur = m->local;
		g->has = 1;
		m->authored = !m->has_base || m->base != m->local ||
		    m->authored;
		m->base = m->local;
		m->has_base = 1;
		return 1;
	case FA_CONFLICT:
		assert_true(m->nkept < sizeof(m->kept));
		m->kept[m->nkept++] = m->local;
		/* then the group's content is fetched */
		m->local = m->base = g->cur;
		m->has_local = m->has_base = 1;
		m->authored = 0;
		return 1;
	case FA_FETCH:
		m->local = m->base = g->cur;
		m->has_local = m->has_base = 1;
		m->authored = 0;
		return 1;
	}
	return 0;
}

static int
holds(const struct member *m, uint8_t c)
{
	unsigned i;

	if (m->has_local && m->local == c)
		return 1;
	for (i = 0; i < m->nkept; i++)
		if (m->kept[i] == c)
			return 1;
	return 0;
}

static void
test_two_editors(void **state)
{
	unsigned run, i, k, quiet;

	(void)state;
	rng_seed(14);
	for (run = 0; run < 2000; run++) {
		struct member m[2];
		struct group g;
		uint8_t made[40], edited[256];
		unsigned nmade = 0, who;
		uint8_t next = 10;

		memset(m, 0, sizeof(m));
		memset(&g, 0, sizeof(g));
		memset(edited, 0, sizeof(edited));
		/* Both start from one shared content. */
		g.cur = 1;
		g.has = 1;
		for (who = 0; who < 2; who++) {
			m[who].local = m[who].base = 1;
			m[who].has_local = m[who].has_base = 1;
		}
		for (i = 0; i < 12; i++) {
			who = rng_below(2);
			if (rng_below(3) == 0 && nmade < sizeof(made)) {
				edited[m[who].local] = 1;
				m[who].local = next;
				made[nmade++] = next++;
			} else
				(void)step(&m[who], &g);
		}
		/* Then both look until nothing more happens. */
		for (quiet = 0, i = 0; quiet < 2 && i < 100; i++) {
			who = i % 2;
			quiet = step(&m[who], &g) ? 0 : quiet + 1;
		}
		assert_true(quiet >= 2);
		assert_int_equal(m[0].local, g.cur);
		assert_int_equal(m[1].local, g.cur);
		for (k = 0; k < nmade; k++)
			if (!edited[made[k]] && !holds(&m[0], made[k]) &&
			    !holds(&m[1], made[k]))
				fail_msg("run %u: content %u made and lost",
				    run, made[k]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candidate),
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_conflict_name),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_two_editors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
