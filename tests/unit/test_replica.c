/*
 * test_replica.c - replication of the tracker store (tracker/store_*.c):
 * ops applied elsewhere.
 *
 * Three stores play three trackers (origins 1, 2, 3), each a database in
 * a temporary directory.  Covers: an op applied twice changes nothing;
 * an op whose predecessor is missing is refused (ST_GAP) and a malformed
 * op is refused (ST_BAD_OP); the same user or group created on two
 * trackers before either heard of the other ends with the earlier one on
 * both, the loser recorded in `lost` and the losing account's sessions
 * ended with a reason; a request key travels with its op; the same
 * request carried out on two trackers is one creation, not a conflict.
 * Ends with a randomized model test (fixed seeds): random mutations on
 * random trackers, random partial deliveries between them in each
 * sender's log order (as the sync channel does), then full delivery; the
 * logical contents of the three databases must then be identical.  A
 * second model test also trims logs at random (what others hold, or all
 * but a few ops), so that deliveries meet ops that are gone and send a
 * snapshot instead, as the sync channel does; a fourth store (the
 * witness) gets every op as it is made, by ops only, and the three must
 * end equal to it: merging snapshots gives what applying ops gives.
 * Between them, three creations of a name (two of them one request) in
 * three orders end the same (issue 16), and a schema 6 database gets
 * its request keys of aliases (schema 7).  Wide sweeps: seed_range().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../tracker/store.h"
#include "hlc.h"
#include "match.h"
#include "parse.h"
#include "rbuf.h"
#include "wire.h"
#include "rng.h"

/* A client key and a ticket key for sessions made here. */
#define TEST_FP		((const uint8_t[32]){ 1 })
#define TEST_TKEY	((const uint8_t[32]){ 2 })

#define NT	3
/*
 * Seeds the model tests run in make test (seed_range()): some 70 ms a
 * seed for test_model_random, 100 for test_model_trim_snapshot, under
 * ASan on an idle core.  Wider sweeps: REPLICA_SEEDS (seed_range()).
 */
#define MODEL_SEEDS_RANDOM	300
#define MODEL_SEEDS_TRIM	60
/*
 * The model tests' clock: fixed, one ms a step (stamps made in one step
 * differ by their HLC counter), so that a seed gives the same stamps,
 * and so the same run, however fast the machine is.
 */
#define MODEL_EPOCH_MS	1700000000000ull
#define WITNESS	(NT + 1)

struct cluster {
	char		 dir[64];
	char		 path[WITNESS + 1][PATH_MAX];
	struct store	*s[WITNESS + 1];	/* by origin, 1..NT */
	uint64_t	 cursor[WITNESS + 1][WITNESS + 1];	/* [from][to]: lseq */
	unsigned	 snapshots;	/* sent, when a delivery met a gap */
};

/*
 * Four empty stores.  In /dev/shm where there is one: the model tests
 * open hundreds, and a database on disk syncs at every commit.
 */
static int
setup(void **state)
{
	struct cluster *c = calloc(1, sizeof(*c));
	char err[256];
	int i;

	assert_non_null(c);
	store_clock_fix(0);
	memcpy(c->dir, "/dev/shm/test_replica.XXXXXX", 29);
	if (mkdtemp(c->dir) == NULL) {
		memcpy(c->dir, "/tmp/test_replica.XXXXXX", 25);
		assert_non_null(mkdtemp(c->dir));
	}
	for (i = 1; i <= WITNESS; i++) {
		char dir[sizeof(c->dir)];

		memcpy(dir, c->dir, sizeof(dir));
		snprintf(c->path[i], sizeof(c->path[i]), "%s/t%d.db", dir, i);
		c->s[i] = store_open(c->path[i], err, sizeof(err));
		if (c->s[i] == NULL)
			fail_msg("%s", err);
		store_set_origin(c->s[i], (uint32_t)i);
		/* Some build their name index now, the others at the first
		   search (expect_search()): kept in step, or built late. */
		if (i % 2 == 1)
			assert_int_equal(store_search_warm(c->s[i]), ST_OK);
	}
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct cluster *c = *state;
	char p[PATH_MAX + 8];
	int i;

	for (i = 1; i <= WITNESS; i++) {
		store_close(c->s[i]);
		unlink(c->path[i]);
		snprintf(p, sizeof(p), "%s-wal", c->path[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", c->path[i]);
		unlink(p);
	}
	rmdir(c->dir);
	free(c);
	return 0;
}

/*
 * Merge every frame of b into s, as the sync channel does; how many
 * frames.  Nothing may follow SNAP_END, which must come last.
 */
static unsigned
merge_all(struct store *s, struct buf *b)
{
	struct wire_hdr h;
	struct wire_msg m;
	const char *why;
	unsigned n = 0;
	int end = 0;

	while (buf_used(b) > 0) {
		assert_false(end);
		assert_int_equal(wire_frame(buf_head(b), buf_used(b), &h,
		    &why), WIRE_OK);
		assert_int_equal(wire_decode(&h, buf_head(b) + WIRE_HDR, &m,
		    &why), 0);
		assert_int_equal(store_merge(s, &m), ST_OK);
		end = h.type == WT_S_SNAP_END;
		buf_consume(b, WIRE_HDR + h.len);
		n++;
	}
	assert_true(end);
	return n;
}

/*
 * A snapshot of from merged into to, frame by frame, as the sync channel
 * does; then from's log has nothing to is missing.  How many origins
 * moved forward at to.
 */
static unsigned
snapshot(struct cluster *c, int from, int to)
{
	uint64_t before[WITNESS + 1];
	struct buf b;
	unsigned moved = 0;
	size_t rows;
	int o;

	assert_int_not_equal(to, WITNESS);	/* it learns by ops only */
	for (o = 1; o <= WITNESS; o++)
		before[o] = store_hwm(c->s[to], (uint32_t)o);
	buf_init(&b, 64 * 1024 * 1024);
	assert_int_equal(store_snapshot(c->s[from], &b, &rows), ST_OK);
	(void)merge_all(c->s[to], &b);
	buf_free(&b);
	for (o = 1; o <= WITNESS; o++) {
		assert_true(store_hwm(c->s[to], (uint32_t)o) >=
		    store_hwm(c->s[from], (uint32_t)o));
		moved += store_hwm(c->s[to], (uint32_t)o) > before[o];
	}
	c->cursor[from][to] = store_log_last(c->s[from]);
	c->snapshots++;
	return moved;
}

/* Delivery from one store's log to another, as the sync channel does. */
struct deliver {
	struct store	*to;
	uint64_t	 cursor;
	unsigned	 left;		/* ops still to deliver this round */
	unsigned	 applied;
	int		 gap;		/* an op whose predecessors are gone */
};

static int
deliver_one(void *arg, const struct store_op *o)
{
	struct deliver *d = arg;
	uint64_t had;

	if (d->left == 0)
		return -1;
	/* As the sync channel does: a tracker is never sent its own ops. */
	if (o->origin == store_origin(d->to)) {
		d->cursor = o->lseq;
		return 0;
	}
	had = store_hwm(d->to, o->origin);
	if (o->seq > had + 1) {
		d->gap = 1;
		return -1;
	}
	d->left--;
	d->cursor = o->lseq;
	assert_int_equal(store_apply(d->to, o->origin, o->seq, o->hlc,
	    o->req, o->reqlen, o->op, o->oplen), ST_OK);
	d->applied += store_hwm(d->to, o->origin) > had;
	return 0;
}

/* Does to lack ops that from's log no longer has? */
static int
lacks_trimmed(struct cluster *c, int from, int to)
{
	uint32_t o;

	for (o = 1; o <= NT; o++)
		if (store_hwm(c->s[to], o) < store_log_base(c->s[from], o))
			return 1;
	return 0;
}

/* Up to n ops of from's log to to; how many were new there. */
static unsigned
sync_pair(struct cluster *c, int from, int to, unsigned n)
{
	struct deliver d = { c->s[to], c->cursor[from][to], n, 0, 0 };

	if (lacks_trimmed(c, from, to))
		return snapshot(c, from, to);
	assert_int_equal(store_log_after(c->s[from], d.cursor, n,
	    deliver_one, &d), ST_OK);
	c->cursor[from][to] = d.cursor;
	if (d.gap)
		d.applied += snapshot(c, from, to);
	return d.applied;
}

static void
sync_all(struct cluster *c)
{
	unsigned moved, round = 0;
	int a, b;

	do {
		moved = 0;
		for (a = 1; a <= NT; a++)
			for (b = 1; b <= NT; b++)
				if (a != b)
					moved += sync_pair(c, a, b, UINT_MAX);
		assert_true(++round < 10);
	} while (moved > 0);
}

/* Append every row of sql to out, one line a row. */
static void
dump_query(sqlite3 *db, const char *sql, char **out, size_t *len)
{
	sqlite3_stmt *q;
	int i, n;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		n = sqlite3_column_count(q);
		for (i = 0; i < n; i++) {
			const unsigned char *t = sqlite3_column_text(q, i);
			size_t tl = t ? strlen((const char *)t) : 4;

			*out = realloc(*out, *len + tl + 2);
			assert_non_null(*out);
			memcpy(*out + *len, t ? (const char *)t : "NULL", tl);
			*len += tl;
			(*out)[(*len)++] = i + 1 < n ? '|' : '\n';
		}
	}
	sqlite3_finalize(q);
	*out = realloc(*out, *len + 1);
	(*out)[*len] = '\0';
}

/*
 * The logical contents: everything but positions in the log.  Synced
 * folders' versions too: snapshots carry them (test_model_trim_snapshot).
 */
static char *
dump(const char *path)
{
	static const char *const q[] = {
	    "SELECT 'user', name, hex(hash), born, origin, hex(req) FROM users"
	    " ORDER BY name",
	    "SELECT 'session', hex(key), user FROM sessions ORDER BY key",
	    "SELECT 'dead', hex(key), user, ubirth, uorigin, lost FROM"
	    " session_dead ORDER BY key",
	    "SELECT 'group', name, born, origin, revived, hex(req) FROM grp"
	    " ORDER BY name",
	    "SELECT 'member', grp, user, epoch, state, stamp, origin"
	    " FROM member ORDER BY grp, user",
	    "SELECT 'file', grp, name, size, hex(sha1), born, origin"
	    " FROM file ORDER BY grp, name",
	    "SELECT 'share', grp, name, user, present, hex(sha1), path,"
	    " mtime, stamp, origin FROM share ORDER BY grp, name, user",
	    "SELECT 'serving', hex(key), grp, name, present, hex(sha1), stamp,"
	    " origin FROM serving ORDER BY key, grp, name",
	    "SELECT 'lost', kind, name, born, origin, hex(req) FROM lost"
	    " ORDER BY kind, name, born, origin",
	    "SELECT 'alias', kind, name, born, origin, hex(req) FROM alias"
	    " ORDER BY kind, name, born, origin",
	    "SELECT 'hwm', origin, seq FROM hwm ORDER BY origin",
	    "SELECT 'version', grp, name, hex(sha1), hex(parent), stamp, origin"
	    " FROM version ORDER BY grp, name, sha1",
	};
	sqlite3 *db;
	char *out = NULL;
	size_t len = 0, i;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		dump_query(db, q[i], &out, &len);
	sqlite3_close(db);
	return out;
}

/* The length of the dump line at p, whole (for a message). */
static int
line_len(const char *p)
{
	const char *e = strchr(p, '\n');

	return e != NULL ? (int)(e - p) : (int)strlen(p);
}

/*
 * The dumps of trackers i and j (WITNESS: the witness) must be equal:
 * else the first line that differs, whole; REPLICA_TRACE=1 prints both.
 */
static void
expect_equal(struct cluster *c, const char *what, int i, int j)
{
	char *a = dump(c->path[i]), *b = dump(c->path[j]);
	const char *x = a, *y = b;
	char jn[16];

	snprintf(jn, sizeof(jn), j == WITNESS ? "the witness" : "tracker %d",
	    j);
	if (strcmp(a, b) != 0) {
		while (*x != '\0' && *x == *y) {
			x++;
			y++;
		}
		while (x > a && x[-1] != '\n') {
			x--;
			y--;
		}
		if (getenv("REPLICA_TRACE") != NULL)
			fprintf(stderr, "dump of tracker %d:\n%s\ndump of %s:\n"
			    "%s\n", i, a, jn, b);
		fail_msg("%s: tracker %d and %s differ:\n  %d: %.*s\n  %s: "
		    "%.*s", what, i, jn, i, line_len(x), x, jn, line_len(y), y);
	}
	free(a);
	free(b);
}

static void
expect_same(struct cluster *c, const char *what)
{
	int i;

	for (i = 2; i <= NT; i++)
		expect_equal(c, what, 1, i);
}

static void
cred(struct user_cred *u, uint8_t fill)
{
	memset(u->salt, fill, sizeof(u->salt));
	memset(u->hash, fill ^ 0x5a, sizeof(u->hash));
	u->iter = 1000;
}

static void
key(uint8_t k[32], int who, int n)
{
	memset(k, 0, 32);
	k[0] = (uint8_t)who;
	k[1] = (uint8_t)n;
}

static int
gap_probe(void *arg, const struct store_op *o)
{
	struct store *to = arg;

	if (o->seq == 2)
		assert_int_equal(store_apply(to, o->origin, o->seq, o->hlc,
		    o->req, o->reqlen, o->op, o->oplen), ST_GAP);
	return 0;
}

static void
test_gap_and_dup(void **state)
{
	struct cluster *c = *state;
	struct user_cred u;
	char name[ID_MAX + 1];
	uint8_t k[32];

	cred(&u, 1);
	assert_int_equal(store_user_create(c->s[1], "alice", &u), ST_OK);
	key(k, 1, 1);
	assert_int_equal(store_session_add(c->s[1], k, "alice", "a:1", TEST_FP, TEST_TKEY),
	    ST_OK);
	assert_int_equal(store_log_after(c->s[1], 0, 10, gap_probe, c->s[2]),
	    ST_OK);
	assert_int_equal(store_hwm(c->s[2], 1), 0);
	/* In order it goes in; delivered again, nothing changes. */
	assert_int_equal(sync_pair(c, 1, 2, UINT_MAX), 2);
	c->cursor[1][2] = 0;
	assert_int_equal(sync_pair(c, 1, 2, UINT_MAX), 0);
	assert_int_equal(store_hwm(c->s[2], 1), 2);
	assert_int_equal(store_session_user(c->s[2], k, NULL, name), ST_OK);
	assert_string_equal(name, "alice");
	/* A malformed op is refused whole. */
	assert_int_equal(store_apply(c->s[2], 1, 3, 1, NULL, 0,
	    (const uint8_t *)"garbage", 7), ST_BAD_OP);
	assert_int_equal(store_hwm(c->s[2], 1), 2);
	sync_all(c);
	expect_same(c, "after a gap, a duplicate and a bad op");
}

/* Forged deliveries of tracker 1's first op, to tracker 2. */
static int
forge_probe(void *arg, const struct store_op *o)
{
	struct store *to = arg;
	struct timespec ts;
	uint64_t ahead;

	if (o->seq != 1)
		return 0;
	/* Stamped as the receiver's own: refused, whatever it holds. */
	assert_int_equal(store_apply(to, store_origin(to), 1, o->hlc, o->req,
	    o->reqlen, o->op, o->oplen), ST_BAD_OP);
	/* Stamped two minutes ahead of the clock: refused, not observed. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ahead = ((uint64_t)ts.tv_sec * 1000 + 120 * 1000) << HLC_BITS;
	assert_int_equal(store_apply(to, o->origin, 1, ahead, o->req,
	    o->reqlen, o->op, o->oplen), ST_BAD_OP);
	assert_int_equal(store_hwm(to, o->origin), 0);
	/* Its own stamp (now): taken. */
	assert_int_equal(store_apply(to, o->origin, 1, o->hlc, o->req,
	    o->reqlen, o->op, o->oplen), ST_OK);
	return 0;
}

/*
 * The apply path's defences: an op claiming the receiver's origin, or a
 * stamp beyond STORE_MAX_AHEAD_MS, is refused; a session answers only
 * on a link proving the key it is bound to; logout --all ends them all.
 */
static void
test_forged_ops(void **state)
{
	static const uint8_t other[32] = { 9 };
	struct cluster *c = *state;
	struct user_cred u;
	char name[ID_MAX + 1];
	uint8_t k1[32], k2[32];
	unsigned n = 0;

	cred(&u, 1);
	assert_int_equal(store_user_create(c->s[1], "alice", &u), ST_OK);
	assert_int_equal(store_log_after(c->s[1], 0, 10, forge_probe, c->s[2]),
	    ST_OK);
	assert_int_equal(store_hwm(c->s[2], 1), 1);
	assert_true(store_stamp_ahead(((uint64_t)1 << 62)));
	assert_false(store_stamp_ahead(0));

	key(k1, 1, 1);
	key(k2, 1, 2);
	assert_int_equal(store_session_add(c->s[1], k1, "alice", "a:1",
	    TEST_FP, TEST_TKEY), ST_OK);
	assert_int_equal(store_session_add(c->s[1], k2, "alice", "a:2",
	    other, TEST_TKEY), ST_OK);
	sync_all(c);
	assert_int_equal(store_session_user(c->s[2], k1, TEST_FP, name), ST_OK);
	assert_int_equal(store_session_user(c->s[2], k1, other, name),
	    ST_NO_SESSION);
	assert_int_equal(store_session_user(c->s[3], k2, other, name), ST_OK);
	/* logout --all on tracker 3 ends both, everywhere. */
	assert_int_equal(store_session_end_all(c->s[3], "alice", &n), ST_OK);
	assert_int_equal(n, 2);
	sync_all(c);
	assert_int_not_equal(store_session_user(c->s[1], k1, NULL, name),
	    ST_OK);
	assert_int_not_equal(store_session_user(c->s[2], k2, NULL, name),
	    ST_OK);
	expect_same(c, "after forged ops and logout --all");
}

static void
test_create_user_conflict(void **state)
{
	struct cluster *c = *state;
	struct user_cred u1, u2, got;
	char name[ID_MAX + 1];
	uint8_t k1[32], k2[32];

	/*
	 * Tracker 1 first, so its alice is the earlier one (in the same
	 * millisecond, the lower tracker id wins: tracker 1 again).
	 */
	cred(&u1, 1);
	cred(&u2, 2);
	assert_int_equal(store_user_create(c->s[1], "alice", &u1), ST_OK);
	assert_int_equal(store_user_create(c->s[2], "alice", &u2), ST_OK);
	key(k1, 1, 1);
	key(k2, 2, 1);
	assert_int_equal(store_session_add(c->s[1], k1, "alice", "a:1", TEST_FP, TEST_TKEY),
	    ST_OK);
	assert_int_equal(store_session_add(c->s[2], k2, "alice", "b:1", TEST_FP, TEST_TKEY),
	    ST_OK);
	assert_int_equal(store_group_create(c->s[2], "g", "alice"), ST_OK);
	sync_all(c);
	expect_same(c, "after concurrent create_user");
	assert_int_equal(store_user_cred(c->s[2], "alice", &got), ST_OK);
	assert_memory_equal(got.hash, u1.hash, sizeof(got.hash));
	/* The winner's session lives; the loser's ended, with a reason. */
	assert_int_equal(store_session_user(c->s[3], k1, NULL, name), ST_OK);
	assert_int_equal(store_session_user(c->s[2], k2, NULL, name),
	    ST_SESSION_ENDED);
	assert_non_null(strstr(store_session_why(c->s[2]), "alice"));
	assert_int_equal(store_session_user(c->s[3], k2, NULL, name),
	    ST_SESSION_ENDED);
}

static void
test_create_group_conflict(void **state)
{
	struct cluster *c = *state;
	struct user_cred u;
	char owner[ID_MAX + 1];
	int i;

	cred(&u, 3);
	assert_int_equal(store_user_create(c->s[1], "ann", &u), ST_OK);
	assert_int_equal(store_user_create(c->s[1], "bob", &u), ST_OK);
	assert_int_equal(store_user_create(c->s[1], "cat", &u), ST_OK);
	sync_all(c);
	/* Tracker 3 creates g later (or with a higher id); cat asks to join
	   it there. */
	assert_int_equal(store_group_create(c->s[1], "g", "ann"), ST_OK);
	assert_int_equal(store_group_create(c->s[3], "g", "bob"), ST_OK);
	assert_int_equal(store_group_join(c->s[3], "g", "cat"), ST_OK);
	sync_all(c);
	expect_same(c, "after concurrent create_group");
	for (i = 1; i <= NT; i++) {
		assert_int_equal(store_group_owner(c->s[i], "g", owner),
		    ST_OK);
		assert_string_equal(owner, "ann");
		/* The join was for the losing group: gone with it. */
		assert_int_equal(store_is_member(c->s[i], "g", "bob"),
		    ST_NOT_MEMBER);
	}
}

/* LIST_GROUPS on store i, as "name,name," into out. */
static void
put_group(void *arg, const char *name)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%s,", name);
}

static void
expect_groups(struct cluster *c, int i, const char *want)
{
	char got[256] = "";

	assert_int_equal(store_groups(c->s[i], put_group, got), ST_OK);
	assert_string_equal(got, want);
}

/*
 * store_groups() keeps its last answer while nothing changed: ops from
 * other trackers must change it too, in a batch before its commit (as
 * the tracker runs) and after, and a group emptied elsewhere leaves it.
 */
static void
test_group_list_follows_ops(void **state)
{
	struct cluster *c = *state;
	struct user_cred u;

	cred(&u, 4);
	assert_int_equal(store_user_create(c->s[1], "ann", &u), ST_OK);
	assert_int_equal(store_user_create(c->s[1], "bob", &u), ST_OK);
	sync_all(c);
	expect_groups(c, 2, "");
	expect_groups(c, 2, "");	/* kept */
	assert_int_equal(store_group_create(c->s[1], "g", "ann"), ST_OK);
	expect_groups(c, 1, "g,");
	expect_groups(c, 2, "");
	store_batch(c->s[2], 1);
	assert_int_equal(sync_pair(c, 1, 2, UINT_MAX), 1);
	expect_groups(c, 2, "g,");
	assert_int_equal(store_flush(c->s[2]), 0);
	expect_groups(c, 2, "g,");
	assert_int_equal(store_group_create(c->s[2], "f", "bob"), ST_OK);
	expect_groups(c, 2, "f,g,");
	assert_int_equal(store_flush(c->s[2]), 0);
	store_batch(c->s[2], 0);
	sync_all(c);
	expect_groups(c, 1, "f,g,");
	/* Its only member leaves on tracker 1: g is gone everywhere. */
	assert_int_equal(store_group_leave(c->s[1], "g", "ann"), ST_OK);
	expect_groups(c, 1, "f,");
	expect_groups(c, 2, "f,g,");
	sync_all(c);
	expect_groups(c, 2, "f,");
	expect_groups(c, 3, "f,");
}

/*
 * One request carried out on two trackers (a retry after a failover,
 * the first tracker's op not yet replicated) is one creation: no loser,
 * and what was built on either copy stays.
 */
static void
test_same_request_once(void **state)
{
	struct cluster *c = *state;
	struct user_cred u1, u2;
	uint8_t req[32], req2[32], k[32];
	char name[ID_MAX + 1];
	int i;

	memset(req, 0x11, sizeof(req));
	memset(req2, 0x22, sizeof(req2));
	cred(&u1, 5);
	cred(&u2, 6);	/* another salt: the retry hashed again */
	store_set_request(c->s[1], req);
	assert_int_equal(store_user_create(c->s[1], "ann", &u1), ST_OK);
	store_set_request(c->s[2], req);
	assert_int_equal(store_user_create(c->s[2], "ann", &u2), ST_OK);
	store_set_request(c->s[1], NULL);
	store_set_request(c->s[2], NULL);
	assert_int_equal(store_user_create(c->s[2], "bob", &u2), ST_OK);
	key(k, 2, 1);
	assert_int_equal(store_session_add(c->s[2], k, "ann", "p:1", TEST_FP, TEST_TKEY),
	    ST_OK);
	store_set_request(c->s[1], req2);
	assert_int_equal(store_group_create(c->s[1], "dup", "ann"), ST_OK);
	store_set_request(c->s[2], req2);
	assert_int_equal(store_group_create(c->s[2], "dup", "ann"), ST_OK);
	store_set_request(c->s[1], NULL);
	store_set_request(c->s[2], NULL);
	assert_int_equal(store_group_join(c->s[2], "dup", "bob"), ST_OK);
	assert_int_equal(store_group_accept(c->s[2], "dup", "ann", "bob"),
	    ST_OK);
	sync_all(c);
	expect_same(c, "after one request carried out twice");
	for (i = 1; i <= NT; i++) {
		assert_int_equal(store_is_member(c->s[i], "dup", "bob"), ST_OK);
		assert_int_equal(store_session_user(c->s[i], k, NULL, name), ST_OK);
		assert_string_equal(name, "ann");
	}
}

/* One integer a query returns, on the database at path. */
static int64_t
sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/*
 * User ann and group g created on tracker t at ms by request key rk; ann
 * logs in there.
 */
static void
create_at(struct cluster *c, int t, uint64_t ms, uint8_t rk)
{
	struct user_cred u;
	uint8_t req[32], k[32];
	char owner[16];

	snprintf(owner, sizeof(owner), "o%d", t);
	cred(&u, (uint8_t)t);
	store_clock_fix(MODEL_EPOCH_MS + 1);
	assert_int_equal(store_user_create(c->s[t], owner, &u), ST_OK);
	store_clock_fix(MODEL_EPOCH_MS + ms);
	memset(req, rk, sizeof(req));
	store_set_request(c->s[t], req);
	assert_int_equal(store_user_create(c->s[t], "ann", &u), ST_OK);
	req[0] ^= 0xff;		/* another request */
	store_set_request(c->s[t], req);
	assert_int_equal(store_group_create(c->s[t], "g", owner), ST_OK);
	store_set_request(c->s[t], NULL);
	key(k, t, 0);		/* ann logs in to this incarnation */
	assert_int_equal(store_session_add(c->s[t], k, "ann", "p:1", TEST_FP,
	    TEST_TKEY), ST_OK);
}

/*
 * Three creations of one name, by requests k1, k2, k1 (the third a retry
 * of the first on another tracker) at stamps ms[0..2] on trackers 1..3,
 * arrive in three orders; every tracker ends the same, with nalias
 * aliases (copies of the winning request) and nlost losers, for the
 * user as for the group, and the sessions of the winning request's
 * copies alive (one a copy, the winner's own ended by none).
 */
static void
three_creations(struct cluster *c, const uint64_t ms[3], int nalias,
    int nlost)
{
	static const char *const kinds[] = { "user", "group" };
	char q[128];
	int t, k;

	for (t = 1; t <= NT; t++)
		create_at(c, t, ms[t - 1], t == 2 ? 0x22 : 0x11);
	/* Tracker 1: 1, 2, 3; tracker 2: 2, 3, 1; the witness: 1, 3, 2. */
	(void)sync_pair(c, 2, 1, UINT_MAX);
	(void)sync_pair(c, 3, 1, UINT_MAX);
	(void)sync_pair(c, 3, 2, UINT_MAX);
	(void)sync_pair(c, 1, 2, UINT_MAX);
	for (t = 1; t <= NT; t++)
		(void)sync_pair(c, t == 1 ? 1 : 5 - t, WITNESS, UINT_MAX);
	sync_all(c);
	expect_same(c, "three creations");
	expect_equal(c, "three creations", 1, WITNESS);
	for (k = 0; k < 2; k++) {
		snprintf(q, sizeof(q), "SELECT count(*) FROM alias WHERE kind"
		    " = '%s' AND name = '%s'", kinds[k], k ? "g" : "ann");
		assert_int_equal(sql_int(c->path[1], q), nalias);
		snprintf(q, sizeof(q), "SELECT count(*) FROM lost WHERE kind"
		    " = '%s' AND name = '%s'", kinds[k], k ? "g" : "ann");
		assert_int_equal(sql_int(c->path[1], q), nlost);
	}
	assert_int_equal(sql_int(c->path[1], "SELECT count(*) FROM sessions"
	    " WHERE user = 'ann'"), 1 + nalias);
}

/*
 * A creation whose request key is that of any incarnation of the name,
 * the row's, an alias's or a loser's, is a copy of it, whatever order
 * they came in (issue 16): P (k1, 10), Q (k2, 5), R (k1, 20) leave Q
 * with P and R lost, in order P, Q, R as in P, R, Q; X (k1, 3), Q, L
 * (k1, 20) leave X with L its alias and Q lost, even where L had lost
 * to Q before X came.
 */
static void
test_alias_any_order(void **state)
{
	static const uint64_t pqr[3] = { 10, 5, 20 }, xql[3] = { 3, 5, 20 };

	three_creations(*state, pqr, 0, 2);
	teardown(state);
	setup(state);
	three_creations(*state, xql, 1, 1);
}

/*
 * A database of schema 6 (alias and lost without request keys) opens
 * as 7: an alias takes its row's key, a loser none; session_dead gets
 * the columns of what a session was.
 */
static void
test_schema6_migrates(void **state)
{
	struct cluster *c = *state;
	struct user_cred u;
	uint8_t req[32];
	char err[256];

	memset(req, 0x33, sizeof(req));
	cred(&u, 1);
	store_set_request(c->s[1], req);
	assert_int_equal(store_user_create(c->s[1], "amy", &u), ST_OK);
	store_close(c->s[1]);
	c->s[1] = NULL;
	{
		sqlite3 *db;

		assert_int_equal(sqlite3_open(c->path[1], &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "ALTER TABLE alias DROP"
		    " COLUMN req; ALTER TABLE lost DROP COLUMN req;"
		    " ALTER TABLE session_dead DROP COLUMN peer;"
		    " ALTER TABLE session_dead DROP COLUMN fp;"
		    " ALTER TABLE session_dead DROP COLUMN tkey;"
		    " ALTER TABLE session_dead DROP COLUMN lost;"
		    " INSERT INTO alias VALUES('user', 'amy', 7, 2);"
		    " INSERT INTO lost VALUES('user', 'amy', 9, 3);"
		    " PRAGMA user_version = 6;", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	c->s[1] = store_open(c->path[1], err, sizeof(err));
	if (c->s[1] == NULL)
		fail_msg("%s", err);
	assert_int_equal(sql_int(c->path[1], "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(c->path[1], "SELECT count(*) FROM alias a"
	    " JOIN users u ON u.name = a.name AND u.req = a.req"), 1);
	assert_int_equal(sql_int(c->path[1], "SELECT count(*) FROM lost"
	    " WHERE req IS NULL"), 1);
	assert_int_equal(sql_int(c->path[1], "SELECT count(*) FROM"
	    " pragma_table_info('session_dead') WHERE name IN ('peer', 'fp',"
	    " 'tkey', 'lost')"), 4);
}

static void
test_request_key_travels(void **state)
{
	struct cluster *c = *state;
	struct user_cred u;
	uint8_t req[32];

	memset(req, 0xab, sizeof(req));
	cred(&u, 4);
	store_set_request(c->s[1], req);
	assert_int_equal(store_user_create(c->s[1], "dan", &u), ST_OK);
	store_set_request(c->s[1], NULL);
	assert_true(store_request_done(c->s[1], req));
	assert_false(store_request_done(c->s[2], req));
	sync_all(c);
	assert_true(store_request_done(c->s[2], req));
	assert_true(store_request_done(c->s[3], req));
}

/* Request keys are looked up in memory, filled again from the table at
 * open: a retry after a restart is still recognised. */
static void
test_request_key_survives_restart(void **state)
{
	struct cluster *c = *state;
	struct user_cred u;
	uint8_t req[32], other[32];
	char err[256];

	memset(req, 0xcd, sizeof(req));
	memset(other, 0xce, sizeof(other));
	cred(&u, 5);
	store_set_request(c->s[2], req);
	assert_int_equal(store_group_create(c->s[2], "rg", "nobody"),
	    ST_NO_USER);		/* refused: nothing carried out */
	assert_int_equal(store_user_create(c->s[2], "eve", &u), ST_OK);
	store_set_request(c->s[2], NULL);
	store_close(c->s[2]);
	c->s[2] = store_open(c->path[2], err, sizeof(err));
	assert_non_null(c->s[2]);
	store_set_origin(c->s[2], 2);
	assert_true(store_request_done(c->s[2], req));
	assert_false(store_request_done(c->s[2], other));
}

/* The randomized model test. */

static const char *const users[] = { "u0", "u1", "u2", "u3", "u4" };
static const char *const groups[] = { "ga", "gb" };
static const char *const files[] = { "f0", "f1" };
#define NU	(sizeof(users) / sizeof(users[0]))
#define NG	(sizeof(groups) / sizeof(groups[0]))

/*
 * Search, on every store, answers what list_files of each of the user's
 * groups says, with match_name() applied to the names; asked for in
 * pages of a few hits, as a tracker whose reply frame fills up.
 */
struct lines {
	char	 buf[4096];
	size_t	 len;
	int	 left;		/* hits this page may take */
};

static void
line_add(struct lines *l, const char *g, const char *name, uint64_t size,
    uint8_t sha0)
{
	int n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len,
	    "%s/%s/%llu/%02x\n", g, name, (unsigned long long)size, sha0);

	assert_true(n > 0 && (size_t)n < sizeof(l->buf) - l->len);
	l->len += (size_t)n;
}

struct listed {
	struct lines	*l;
	const char	*group, *pat;
};

static void
listed_file(void *arg, const char *name, uint64_t size, const uint8_t *sha1)
{
	struct listed *ls = arg;

	if (match_name(ls->pat, name))
		line_add(ls->l, ls->group, name, size, sha1[0]);
}

static int
hit_line(void *arg, const struct store_hit *h)
{
	struct lines *l = arg;

	if (l->left == 0)
		return -1;
	l->left--;
	line_add(l, h->group, h->name, h->size, h->sha1[0]);
	return 0;
}

static void
expect_search(struct cluster *c, const char *what)
{
	static const char *const pats[] = { "f", "F0", "*1", "?0", "x", "*",
	    "f?", "F*0" };
	struct store_search_end end;
	struct lines want, got;
	struct listed ls;
	size_t u, g, p;
	int i, pages;

	for (i = 1; i <= WITNESS; i++)
		for (u = 0; u < NU; u++)
			for (p = 0; p < sizeof(pats) / sizeof(pats[0]); p++) {
				want.len = got.len = 0;
				want.buf[0] = got.buf[0] = '\0';
				ls.l = &want;
				ls.pat = pats[p];
				for (g = 0; g < NG; g++) {
					ls.group = groups[g];
					if (store_is_member(c->s[i], groups[g],
					    users[u]) == ST_OK)
						assert_int_equal(
						    store_list_files(c->s[i],
						    groups[g], users[u],
						    listed_file, &ls), ST_OK);
				}
				memset(&end, 0, sizeof(end));
				pages = 0;
				do {
					got.left = 1 + (int)rng_below(2);
					assert_int_equal(store_search(c->s[i],
					    users[u], pats[p], end.group,
					    end.name, hit_line, &got, &end),
					    ST_OK);
					assert_true(++pages < 20);
				} while (end.more);
				if (strcmp(want.buf, got.buf) != 0)
					fail_msg("%s: store %d, %s searching "
					    "[%s]:\n%s\nlist_files says:\n%s",
					    what, i, users[u], pats[p],
					    got.buf, want.buf);
			}
}

static void
random_op(struct cluster *c, int t, unsigned step)
{
	struct store *s = c->s[t];
	const char *u = users[rng_below(NU)], *v = users[rng_below(NU)];
	const char *g = groups[rng_below(NG)];
	const char *f = files[rng_below(2)];
	struct user_cred cr;
	struct file_meta m;
	uint8_t k[32], sha[20], pieces[20], rk[32], parent[20];
	char path[64], owner[ID_MAX + 1];

	key(k, t, (int)rng_below(4));
	/* Creations are sometimes retries of one request on two trackers. */
	memset(rk, 0, sizeof(rk));
	snprintf((char *)rk, 16, "%s", u);
	snprintf((char *)rk + 16, 16, "%s", g);
	switch (rng_below(11)) {
	case 0:
		cred(&cr, (uint8_t)(t * 16 + rng_below(3)));
		store_set_request(s, rng_below(2) ? rk : NULL);
		(void)store_user_create(s, u, &cr);
		store_set_request(s, NULL);
		break;
	case 1:
		(void)store_session_add(s, k, u, "peer", TEST_FP, TEST_TKEY);
		break;
	case 2:
		(void)store_session_del(s, k);
		break;
	case 3:
		store_set_request(s, rng_below(2) ? rk : NULL);
		(void)store_group_create(s, g, u);
		store_set_request(s, NULL);
		break;
	case 4:
		(void)store_group_join(s, g, u);
		break;
	case 5:
	case 6:
		if (store_group_owner(s, g, owner) == ST_OK)
			(void)store_group_accept(s, g, owner, v);
		break;
	case 7:
		if (store_group_owner(s, g, owner) == ST_OK)
			(void)store_group_reject(s, g, owner, v);
		break;
	case 8:
		(void)store_group_leave(s, g, u);
		break;
	case 9:
		memset(sha, (int)rng_below(2), sizeof(sha));
		memset(pieces, sha[0], sizeof(pieces));
		m.size = 100;
		memcpy(m.sha1, sha, 20);
		m.pieces = pieces;
		m.npieces = 1;
		snprintf(path, sizeof(path), "/p/%u", step);
		/* A synced folder's version, made from one of the two (no
		   draw: the random runs stay those of before versions). */
		memset(parent, (int)(step / 3 % 2), sizeof(parent));
		if (step % 3 == 0)
			(void)store_update(s, k, u, g, f, &m, path, step,
			    parent);
		else
			(void)store_upload(s, k, u, g, f, &m, path, step);
		break;
	case 10:
		if (rng_below(2))
			(void)store_serve(s, k, u, g, f);
		else
			(void)store_stop_share(s, k, u, g, f);
		break;
	}
}

/* REPLICA_TRACE=1: print every op of every log (for a failing seed). */
static int
trace_op(void *arg, const struct store_op *o)
{
	struct wire_hdr h;
	struct wire_msg m;
	const char *why;
	unsigned i;

	(void)arg;
	if (wire_frame(o->op, o->oplen, &h, &why) != WIRE_OK ||
	    wire_decode(&h, (const uint8_t *)o->op + WIRE_HDR, &m,
	    &why) == -1)
		return 0;
	fprintf(stderr, "  %u:%llu @%llu %s", o->origin,
	    (unsigned long long)o->seq, (unsigned long long)o->hlc,
	    wire_type_name(h.type));
	for (i = 0; i < m.nf; i++)
		if (m.f[i].s != NULL)
			fprintf(stderr, " %s", m.f[i].s);
		else if (m.f[i].p == NULL)
			fprintf(stderr, " #%llu", (unsigned long long)m.f[i].u);
	fprintf(stderr, "\n");
	return 0;
}

/*
 * The seeds the model tests run: 1..n by default (MODEL_SEEDS_*), or
 * REPLICA_SEEDS=a-b (or one seed, REPLICA_SEEDS=a) for a wide sweep or a
 * failing seed, REPLICA_TEST=<test> for one test only:
 *	make build/asan/tests/unit/test_replica
 *	REPLICA_SEEDS=1-5000 build/asan/tests/unit/test_replica
 *	REPLICA_SEEDS=375 REPLICA_TRACE=1 REPLICA_TEST=test_model_random \
 *	    build/asan/tests/unit/test_replica
 * A failure ends its test at its seed (the other test still runs the
 * range): sweep on from the next seed.  Some 6 minutes a thousand seeds
 * of both under ASan.  The clock is fixed (MODEL_EPOCH_MS), so a seed
 * replays the same run anywhere; REPLICA_TRACE=1 prints every log and
 * both dumps of a failing comparison.
 */
static void
seed_range(uint64_t n, uint64_t *lo, uint64_t *hi)
{
	const char *e = getenv("REPLICA_SEEDS"), *dash;
	char first[32];
	long long a = 1, b = 1;

	*lo = 1;
	*hi = n;
	if (e == NULL || *e == '\0')
		return;
	dash = strchr(e, '-');
	snprintf(first, sizeof(first), "%.*s", dash != NULL ?
	    (int)(dash - e) : (int)strlen(e), e);
	if (parse_num(first, 1, LLONG_MAX, &a) == -1 ||
	    parse_num(dash != NULL ? dash + 1 : first, a, LLONG_MAX,
	    &b) == -1)
		fail_msg("REPLICA_SEEDS=%s: want a seed or a range a-b", e);
	*lo = (uint64_t)a;
	*hi = (uint64_t)b;
}

/* A fresh cluster for each seed after the first. */
static struct cluster *
reseed(void **state, uint64_t seed, uint64_t first, uint64_t mul)
{
	if (seed > first) {
		teardown(state);
		setup(state);
	}
	rng_state = seed * mul;
	store_clock_fix(MODEL_EPOCH_MS);
	return *state;
}

static void
test_model_random(void **state)
{
	struct cluster *c;
	uint64_t seed, lo, hi;
	unsigned step;
	char what[64];
	int a, b;

	seed_range(MODEL_SEEDS_RANDOM, &lo, &hi);
	for (seed = lo; seed <= hi; seed++) {
		c = reseed(state, seed, lo, 0x9e3779b97f4a7c15ull);
		for (step = 0; step < 400; step++) {
			store_clock_fix(MODEL_EPOCH_MS + step);
			random_op(c, 1 + (int)rng_below(NT), step);
			/* Now and then, part of one log reaches another. */
			if (rng_below(4) == 0) {
				a = 1 + (int)rng_below(NT);
				b = 1 + (int)rng_below(NT);
				/* Sometimes from the start again: all
				   duplicates, to be ignored. */
				if (a != b && rng_below(10) == 0)
					c->cursor[a][b] = 0;
				if (a != b)
					(void)sync_pair(c, a, b,
					    1 + rng_below(8));
			}
		}
		sync_all(c);
		if (getenv("REPLICA_TRACE") != NULL)
			for (a = 1; a <= NT; a++) {
				fprintf(stderr, "log of tracker %d:\n", a);
				store_log_after(c->s[a], 0, UINT_MAX, trace_op,
				    NULL);
			}
		snprintf(what, sizeof(what), "seed %llu",
		    (unsigned long long)seed);
		expect_same(c, what);	/* (a failure ends the run) */
		expect_search(c, what);
	}
}

/*
 * A snapshot read in small pieces while the store goes on taking
 * mutations is the state at its beginning: the late mutation is not in
 * it, its end names the HWMs and log position of that moment, and the
 * ops after that position complete it.
 */
static void
test_snapshot_in_pieces(void **state)
{
	struct cluster *c = *state;
	struct store_snap *sn;
	struct user_cred u, cr;
	struct buf b;
	uint64_t hwm, last;
	unsigned calls = 0, frames;
	char *d1, *d2, name[16];
	uint8_t k[32];
	int i, r;

	cred(&u, 7);
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		assert_int_equal(store_user_create(c->s[1], name, &u),
		    ST_OK);
		key(k, 1, i);
		assert_int_equal(store_session_add(c->s[1], k, name, "p:1", TEST_FP, TEST_TKEY),
		    ST_OK);
	}
	assert_int_equal(store_group_create(c->s[1], "g", "user0"), ST_OK);
	hwm = store_hwm(c->s[1], 1);
	last = store_log_last(c->s[1]);
	buf_init(&b, 1 << 20);
	assert_non_null(sn = store_snap_begin(c->s[1]));
	assert_int_equal(store_snap_next(sn, &b, 100), 1);
	/* Written meanwhile, committed: not part of this snapshot. */
	assert_int_equal(store_user_create(c->s[1], "late", &u), ST_OK);
	assert_int_equal(store_group_join(c->s[1], "g", "user1"), ST_OK);
	while ((r = store_snap_next(sn, &b, 100)) == 1)
		calls++;
	assert_int_equal(r, 0);
	assert_true(calls > 10);		/* it did come in pieces */
	assert_int_equal(store_snap_rows(sn), 30 + 30 + 1 + 1);
	assert_int_equal(store_snap_lseq(sn), last);
	assert_int_equal(store_snap_hwm(sn, 1), hwm);
	store_snap_free(sn);
	frames = merge_all(c->s[2], &b);
	assert_int_equal(frames, 30 + 30 + 1 + 1 + 1);
	assert_int_equal(store_hwm(c->s[2], 1), hwm);
	assert_int_equal(store_user_cred(c->s[2], "late", &cr), ST_NO_USER);
	assert_int_equal(store_user_cred(c->s[2], "user29", &cr), ST_OK);
	/* The ops after its position complete it. */
	c->cursor[1][2] = last;
	assert_int_equal(sync_pair(c, 1, 2, UINT_MAX), 2);
	d1 = dump(c->path[1]);
	d2 = dump(c->path[2]);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	buf_free(&b);
}

/* Encode one frame of type into b and decode it into m (b must live). */
static void
frame_of(struct buf *b, struct wire_msg *m, unsigned type,
    void (*fill)(struct wire_enc *))
{
	struct wire_enc e;
	struct wire_hdr h;
	const char *why;

	buf_reset(b);
	wire_begin(&e, b, type, 0);
	fill(&e);
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(wire_frame(buf_head(b), buf_used(b), &h, &why),
	    WIRE_OK);
	assert_int_equal(wire_decode(&h, buf_head(b) + WIRE_HDR, m, &why), 0);
}

static void
fill_member_bad_state(struct wire_enc *e)
{
	wire_put_id(e, "g");
	wire_put_u64(e, 1);
	wire_put_u32(e, 1);
	wire_put_id(e, "u");
	wire_put_u32(e, 1);
	wire_put_u32(e, 9);		/* no such state */
	wire_put_u64(e, 5);
	wire_put_u32(e, 1);
}

static void
fill_mark_bad_kind(struct wire_enc *e)
{
	wire_put_u8(e, 2);
	wire_put_id(e, "file");		/* only user and group */
	wire_put_id(e, "x");
	wire_put_u64(e, 5);
	wire_put_u32(e, 1);
	wire_put_blob(e, "", 0);
}

static void
fill_mark_bad_key(struct wire_enc *e)
{
	wire_put_u8(e, 2);
	wire_put_id(e, "user");
	wire_put_id(e, "x");
	wire_put_u64(e, 5);
	wire_put_u32(e, 1);
	wire_put_blob(e, "short", 5);	/* a request key is 32 bytes */
}

/* A mark of a name with no row: it would be the row, with no content. */
static void
fill_mark_no_row(struct wire_enc *e)
{
	wire_put_u8(e, 1);
	wire_put_id(e, "user");
	wire_put_id(e, "nobody");
	wire_put_u64(e, 5);
	wire_put_u32(e, 1);
	wire_put_blob(e, "", 0);
}

static void
fill_end_origin0(struct wire_enc *e)
{
	wire_put_u32(e, 0);
	wire_put_u64(e, 7);
	wire_put_u64(e, 7);
}

static void
fill_ack(struct wire_enc *e)
{
	wire_put_u32(e, 1);
	wire_put_u64(e, 1);
}

/* Snapshot frames that do not hold up are refused, and change nothing. */
static void
test_snapshot_refuses_malformed(void **state)
{
	struct cluster *c = *state;
	struct wire_msg m;
	struct buf b;
	char *before, *after;

	buf_init(&b, 4096);
	before = dump(c->path[1]);
	frame_of(&b, &m, WT_S_R_MEMBER, fill_member_bad_state);
	assert_int_equal(store_merge(c->s[1], &m), ST_BAD_OP);
	frame_of(&b, &m, WT_S_R_MARK, fill_mark_bad_kind);
	assert_int_equal(store_merge(c->s[1], &m), ST_BAD_OP);
	frame_of(&b, &m, WT_S_R_MARK, fill_mark_bad_key);
	assert_int_equal(store_merge(c->s[1], &m), ST_BAD_OP);
	frame_of(&b, &m, WT_S_R_MARK, fill_mark_no_row);
	assert_int_equal(store_merge(c->s[1], &m), ST_BAD_OP);
	frame_of(&b, &m, WT_S_SNAP_END, fill_end_origin0);
	assert_int_equal(store_merge(c->s[1], &m), ST_BAD_OP);
	frame_of(&b, &m, WT_S_ACK, fill_ack);	/* not a snapshot frame */
	assert_int_equal(store_merge(c->s[1], &m), ST_BAD_OP);
	after = dump(c->path[1]);
	assert_string_equal(before, after);
	free(before);
	free(after);
	buf_free(&b);
}

/* What every other tracker holds from each origin (for trimming t). */
static void
held_by_others(struct cluster *c, int t, uint64_t held[NT + 1])
{
	uint32_t o;
	int p;

	for (o = 1; o <= NT; o++) {
		held[o] = UINT64_MAX;
		for (p = 1; p <= NT; p++)
			if (p != t && store_hwm(c->s[p], o) < held[o])
				held[o] = store_hwm(c->s[p], o);
	}
}

static void
test_model_trim_snapshot(void **state)
{
	struct cluster *c;
	uint64_t seed, lo, hi, held[NT + 1], trimmed, total_trimmed = 0, last;
	unsigned step, snaps = 0;
	char what[64];
	int a, b;

	seed_range(MODEL_SEEDS_TRIM, &lo, &hi);
	for (seed = lo; seed <= hi; seed++) {
		c = reseed(state, seed, lo, 0x2545f4914f6cdd1dull);
		for (step = 0; step < 400; step++) {
			store_clock_fix(MODEL_EPOCH_MS + step);
			a = 1 + (int)rng_below(NT);
			last = store_log_last(c->s[a]);
			random_op(c, a, step);
			/* The witness hears of every op as it is made. */
			if (store_log_last(c->s[a]) > last)
				(void)sync_pair(c, a, WITNESS, UINT_MAX);
			if (rng_below(4) == 0) {
				a = 1 + (int)rng_below(NT);
				b = 1 + (int)rng_below(NT);
				if (a != b)
					(void)sync_pair(c, a, b,
					    1 + rng_below(8));
			}
			if (rng_below(8) == 0) {
				a = 1 + (int)rng_below(NT);
				held_by_others(c, a, held);
				/* What the others hold; or all but a few,
				   held or not (a tracker away too long). */
				assert_int_equal(store_trim(c->s[a],
				    rng_below(2) ? held : NULL, NT,
				    rng_below(2) ? 1 + rng_below(20) :
				    UINT64_MAX, &trimmed), ST_OK);
				total_trimmed += trimmed;
			}
		}
		sync_all(c);
		snaps += c->snapshots;
		snprintf(what, sizeof(what), "seed %llu",
		    (unsigned long long)seed);
		expect_same(c, what);
		expect_search(c, what);
		/* And the same as applying every op, in the order made. */
		expect_equal(c, what, 1, WITNESS);
	}
	/* The test did what it is about. */
	assert_true(total_trimmed > 50 * (hi - lo + 1));
	assert_true(snaps > hi - lo + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_forged_ops),
		T(test_gap_and_dup),
		T(test_create_user_conflict),
		T(test_create_group_conflict),
		T(test_request_key_travels),
		T(test_request_key_survives_restart),
		T(test_same_request_once),
		T(test_alias_any_order),
		T(test_schema6_migrates),
		T(test_group_list_follows_ops),
		T(test_model_random),
		T(test_model_trim_snapshot),
		T(test_snapshot_in_pieces),
		T(test_snapshot_refuses_malformed),
#undef T
	};

	/* REPLICA_TEST=test_model_random: that test only (a sweep). */
	if (getenv("REPLICA_TEST") != NULL)
		cmocka_set_test_filter(getenv("REPLICA_TEST"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
