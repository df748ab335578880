/*
 * test_page.c - listings a page at a time (common/page.c): a page takes
 * items while they fit its budget (the first always), its frame decodes
 * as the wire layout says and never passes a control frame, the cursor
 * is the last item's key, "more" goes out only with items; and the
 * client's side (page_next()) walks a whole listing page by page to the
 * same rows, refusing pages that would make it ask for ever.  A user's
 * shares (SHARES_PAGE): their cursor "group name" reads back, sorts as
 * (group, name) does (checked against that order on random pairs), and
 * a walk of long rows gets every share with every field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "page.h"
#include "rbuf.h"
#include "rng.h"
#include "wire.h"

/* Decode the one frame in b into m: 0 or -1. */
static int
decode(const struct buf *b, struct wire_msg *m)
{
	struct wire_hdr h;
	const char *why;

	memset(m, 0, sizeof(*m));
	if (wire_frame(buf_head(b), buf_used(b), &h, &why) != WIRE_OK ||
	    buf_used(b) != WIRE_HDR + h.len)
		return -1;
	return wire_decode(&h, buf_head(b) + WIRE_HDR, m, &why);
}

static void
test_names_budget(void **state)
{
	char name[80], got[80];
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct wire_msg m;
	struct page pg;
	struct buf b;
	int i, n = 0;

	(void)state;
	page_init(&pg, WT_NAMES_PAGE, 0);
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "g%06d-%056d", i, 0);
		if (page_add(&pg, name, 0, NULL, NULL, name) == -1)
			break;
	}
	/* 64-character names: 67 bytes each in the frame. */
	assert_int_equal(i, PAGE_BUDGET / 67);
	assert_true(pg.bytes <= PAGE_BUDGET);
	buf_init(&b, 2 * WIRE_CTRL_MAX);
	assert_int_equal(page_encode(&pg, &b, 7, 1), 0);
	assert_true(buf_used(&b) <= WIRE_HDR + WIRE_CTRL_MAX);
	assert_int_equal(decode(&b, &m), 0);
	assert_int_equal(m.h.type, WT_NAMES_PAGE);
	assert_int_equal(m.h.id, 7);
	assert_int_equal(m.f[PAGE_MORE].u, 1);
	snprintf(name, sizeof(name), "g%06d-%056d", i - 1, 0);
	assert_string_equal(m.f[PAGE_CURSOR].s, name);
	wire_iter_init(&it, &m);
	while (wire_iter_next(&it, f)) {
		snprintf(got, sizeof(got), "g%06d-%056d", n++, 0);
		assert_string_equal(f[NAMES_NAME].s, got);
	}
	assert_int_equal(n, i);
	page_free(&pg);
	buf_free(&b);
}

/* The first item fits whatever the budget; an empty page has no more. */
static void
test_first_and_empty(void **state)
{
	static const uint8_t sha[20] = { 1, 2, 3 }, parent[20] = { 9 };
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct wire_msg m;
	struct page pg;
	struct buf b;

	(void)state;
	buf_init(&b, 2 * WIRE_CTRL_MAX);
	page_init(&pg, WT_FILES_PAGE, 1);
	assert_int_equal(page_add(&pg, "a.txt", 5, sha, parent, "a.txt"), 0);
	assert_int_equal(page_add(&pg, "b.txt", 6, sha, NULL, "b.txt"), -1);
	assert_int_equal(page_encode(&pg, &b, 1, 1), 0);
	assert_int_equal(decode(&b, &m), 0);
	assert_int_equal(m.h.type, WT_FILES_PAGE);
	assert_int_equal(m.nitems, 1);
	wire_iter_init(&it, &m);
	assert_true(wire_iter_next(&it, f));
	assert_string_equal(f[VER_NAME].s, "a.txt");
	assert_int_equal(f[VER_SIZE].u, 5);
	assert_memory_equal(f[VER_SHA1].p, sha, 20);
	assert_memory_equal(f[VER_PARENT].p, parent, 20);
	page_free(&pg);

	/* No item: "more" is not sent, whatever the caller said. */
	buf_reset(&b);
	page_init(&pg, WT_NAMES_PAGE, 0);
	assert_int_equal(page_encode(&pg, &b, 2, 1), 0);
	assert_int_equal(decode(&b, &m), 0);
	assert_int_equal(m.f[PAGE_MORE].u, 0);
	assert_string_equal(m.f[PAGE_CURSOR].s, "");
	page_free(&pg);
	buf_free(&b);
}

/*
 * A listing of n names walked as tracker and client do: each page from
 * the cursor the last one named, of at most budget bytes; the client
 * sees every name once, in order.
 */
static void
test_walk(void **state)
{
	char cursor[PAGE_CURSOR_MAX + 1] = "", name[300];
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct wire_msg m;
	struct page pg;
	struct buf b;
	const char *why;
	int i, next = 0, pages = 0, r;

	(void)state;
	buf_init(&b, 2 * WIRE_CTRL_MAX);
	do {
		page_init(&pg, WT_NAMES_PAGE, 0);
		for (i = 0; i < 5000; i++) {
			/* Names of 1 to 255 bytes, in order. */
			snprintf(name, sizeof(name), "%05d%.*s", i, i % 251,
			    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
			if (strcmp(name, cursor) <= 0)
				continue;
			if (page_add(&pg, name, 0, NULL, NULL, name) == -1)
				break;
		}
		buf_reset(&b);
		assert_int_equal(page_encode(&pg, &b, 1, i < 5000), 0);
		page_free(&pg);
		assert_int_equal(decode(&b, &m), 0);
		wire_iter_init(&it, &m);
		while (wire_iter_next(&it, f)) {
			snprintf(name, 6, "%05d", next++);
			assert_memory_equal(f[NAMES_NAME].s, name, 5);
		}
		pages++;
	} while ((r = page_next(&m, cursor, 1, &why)) == 1);
	assert_int_equal(r, 0);
	assert_int_equal(next, 5000);
	assert_true(pages > 5);
	buf_free(&b);
}

/* Pages a client refuses: it would ask for ever, or for nothing. */
static void
test_bad_pages(void **state)
{
	char cursor[PAGE_CURSOR_MAX + 1];
	struct wire_enc e;
	struct wire_msg m;
	struct buf b;
	const char *why = NULL;

	(void)state;
	buf_init(&b, 2 * WIRE_CTRL_MAX);
	/* more, but no item */
	wire_begin(&e, &b, WT_NAMES_PAGE, 1);
	wire_put_u8(&e, 1);
	wire_put_str(&e, "x");
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(decode(&b, &m), 0);
	snprintf(cursor, sizeof(cursor), "a");
	assert_int_equal(page_next(&m, cursor, 1, &why), -1);
	assert_non_null(why);
	/* a cursor that does not move: back (ordered) or the same */
	buf_reset(&b);
	wire_begin(&e, &b, WT_NAMES_PAGE, 1);
	wire_put_u8(&e, 1);
	wire_put_str(&e, "m");
	wire_put_str(&e, "m");
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(decode(&b, &m), 0);
	snprintf(cursor, sizeof(cursor), "n");
	assert_int_equal(page_next(&m, cursor, 1, &why), -1);
	snprintf(cursor, sizeof(cursor), "m");
	assert_int_equal(page_next(&m, cursor, 0, &why), -1);
	/* unordered (requests): any other cursor is taken */
	snprintf(cursor, sizeof(cursor), "z");
	assert_int_equal(page_next(&m, cursor, 0, &why), 1);
	assert_string_equal(cursor, "m");
	/* an empty cursor, or one too long */
	buf_reset(&b);
	wire_begin(&e, &b, WT_NAMES_PAGE, 1);
	wire_put_u8(&e, 1);
	wire_put_str(&e, "");
	wire_put_str(&e, "m");
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(decode(&b, &m), 0);
	cursor[0] = '\0';
	assert_int_equal(page_next(&m, cursor, 0, &why), -1);
	buf_free(&b);
}


/* Random id of 1..8 characters of a few, so prefixes and ties come. */
static void
rand_id(char *out)
{
	static const char cs[] = "-.09AZaz_";
	unsigned n = 1 + rng_below(8), i;

	for (i = 0; i < n; i++)
		out[i] = cs[rng_below(sizeof(cs) - 1)];
	out[n] = '\0';
}

/* Sign of a comparison. */
static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

/*
 * The cursor after a share reads back as its group and name; bad
 * cursors are refused; and cursors sort as (group, name) pairs do, the
 * order of the tracker's query, which the client checks a walk by.
 */
static void
test_share_cursor(void **state)
{
	char key[PAGE_CURSOR_MAX + 1], k2[PAGE_CURSOR_MAX + 1];
	char g1[ID_MAX + 1], g2[ID_MAX + 1], n1[16], n2[16];
	char group[ID_MAX + 1], big[600];
	static const char *const bad[] = { "nogap", " name", "g\x01 n",
	    "g/x n", "g ", "g a/b",
	    "12345678901234567890123456789012345678901234567890123456789012345 n" };
	const char *name;
	int i, pair, want;

	(void)state;
	assert_int_equal(page_share_key("music", "a b.mp3", key, sizeof(key)),
	    0);
	assert_string_equal(key, "music a b.mp3");
	assert_int_equal(page_share_cursor(key, group, &name), 0);
	assert_string_equal(group, "music");
	assert_string_equal(name, "a b.mp3");
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++)
		if (page_share_cursor(bad[i], group, &name) != -1)
			fail_msg("cursor \"%s\" taken", bad[i]);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(page_share_key("g", big, key, sizeof(key)), -1);

	rng_seed(15);
	for (i = 0; i < 20000; i++) {
		rand_id(g1);
		rand_id(n1);
		if (rng_below(4) == 0)
			memcpy(g2, g1, sizeof(g1));
		else
			rand_id(g2);
		rand_id(n2);
		pair = strcmp(g1, g2) != 0 ? strcmp(g1, g2) : strcmp(n1, n2);
		assert_int_equal(page_share_key(g1, n1, key, sizeof(key)), 0);
		assert_int_equal(page_share_key(g2, n2, k2, sizeof(k2)), 0);
		want = sign(pair);
		if (sign(strcmp(key, k2)) != want)
			fail_msg("(%s, %s) vs (%s, %s): keys \"%s\", \"%s\" "
			    "sort otherwise", g1, n1, g2, n2, key, k2);
	}
}

/*
 * A user's shares walked as tracker and client do: rows with 1,000-byte
 * paths, each page from the last one's cursor; every share comes once,
 * in order, with its fields, and no frame passes a control frame.
 */
static void
test_shares_walk(void **state)
{
	char cursor[PAGE_CURSOR_MAX + 1] = "", group[ID_MAX + 1];
	char g[16], name[32], path[1100], want[32];
	struct wire_field f[WIRE_MAX_FIELDS];
	struct page_share sh;
	struct wire_iter it;
	struct wire_msg m;
	struct page pg;
	struct buf b;
	uint8_t sha[20];
	const char *why, *after = "";
	int i, next = 0, pages = 0, r;

	(void)state;
	buf_init(&b, 2 * WIRE_CTRL_MAX);
	memset(path, 'p', 1000);
	path[1000] = '\0';
	do {
		/* The tracker's side: the rows after the cursor. */
		group[0] = '\0';
		if (cursor[0] != '\0')
			assert_int_equal(page_share_cursor(cursor, group,
			    &after), 0);
		page_init(&pg, WT_SHARES_PAGE, 0);
		for (i = 0; i < 500; i++) {
			snprintf(g, sizeof(g), "g%d", i / 100);
			snprintf(name, sizeof(name), "f%03d.txt", i % 100);
			if (cursor[0] != '\0' && (strcmp(g, group) < 0 ||
			    (strcmp(g, group) == 0 && strcmp(name, after) <= 0)))
				continue;
			memset(sha, i & 0xff, sizeof(sha));
			sh = (struct page_share){ g, name, path, sha,
			    (uint64_t)i, (uint64_t)i * 7 };
			if (page_add_share(&pg, &sh) == -1)
				break;
		}
		buf_reset(&b);
		assert_int_equal(page_encode(&pg, &b, 3, i < 500), 0);
		assert_true(buf_used(&b) <= WIRE_HDR + WIRE_CTRL_MAX);
		page_free(&pg);
		/* The client's. */
		assert_int_equal(decode(&b, &m), 0);
		assert_int_equal(m.h.type, WT_SHARES_PAGE);
		wire_iter_init(&it, &m);
		while (wire_iter_next(&it, f)) {
			snprintf(want, sizeof(want), "g%d", next / 100);
			assert_string_equal(f[SHARES_GROUP].s, want);
			snprintf(want, sizeof(want), "f%03d.txt", next % 100);
			assert_string_equal(f[SHARES_NAME].s, want);
			assert_string_equal(f[SHARES_PATH].s, path);
			assert_int_equal(f[SHARES_SHA1].p[19], next & 0xff);
			assert_int_equal(f[SHARES_SIZE].u, next);
			assert_int_equal(f[SHARES_MTIME].u, next * 7);
			next++;
		}
		pages++;
		r = page_next(&m, cursor, 1, &why);
		assert_int_not_equal(r, -1);
	} while (r == 1);
	assert_int_equal(next, 500);
	/* About 60 shares of 1,100 bytes a page. */
	assert_true(pages >= 8 && pages <= 10);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_budget),
		cmocka_unit_test(test_first_and_empty),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_bad_pages),
		cmocka_unit_test(test_share_cursor),
		cmocka_unit_test(test_shares_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
