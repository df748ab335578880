/*
 * test_store.c - unit tests for the tracker store (tracker/store_*.c),
 * the tracker's SQLite state.
 *
 * Every test gets a fresh store_open(":memory:") from its fixture, or a
 * fresh mkdtemp() directory for the file-backed ones.  Covers users
 * (create, duplicate, credential round trip with NUL and 0xff bytes),
 * sessions (add for a known and an unknown user, lookup, delete, delete
 * twice), groups (create, duplicate, unknown creator, the creator as owner
 * and first member), join requests (listed, duplicate, by a member, for an
 * unknown group), accept and reject (by the owner, by a member who is not
 * the owner, by an outsider, without a request, for a member), the order
 * of list_requests (by request time, ties by name) and its owner-only
 * rule, the sorted group listing, leave (by a non-member, by a requester,
 * the owner handing over to the earliest-accepted member even when the
 * "now" values passed are equal or go backwards, ties by name), the last
 * member deleting the group with its requests so the name can be reused,
 * and store_is_member.  File-backed stores check persistence across
 * close/reopen, that membership stamps stay strictly increasing in a group,
 * the schema version written on creation, and that a database whose
 * PRAGMA user_version is newer than STORE_SCHEMA_VERSION is refused with
 * a message.  Ends with a randomized run (fixed seed) of join, accept,
 * reject, leave and create over 5 users and 3 groups, checked after every
 * step against a small reference model of the rules.
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
#include <unistd.h>

#include "../../tracker/store.h"
#include "rng.h"

/* A client key and a ticket key for sessions made here. */
#define TEST_FP		((const uint8_t[32]){ 1 })
#define TEST_TKEY	((const uint8_t[32]){ 2 })

static const char *
rc_name(int rc)
{
	switch (rc) {
	case ST_OK:			return "ST_OK";
	case ST_ERR:			return "ST_ERR";
	case ST_NO_USER:		return "ST_NO_USER";
	case ST_USER_EXISTS:		return "ST_USER_EXISTS";
	case ST_NO_GROUP:		return "ST_NO_GROUP";
	case ST_GROUP_EXISTS:		return "ST_GROUP_EXISTS";
	case ST_NOT_MEMBER:		return "ST_NOT_MEMBER";
	case ST_ALREADY_MEMBER:		return "ST_ALREADY_MEMBER";
	case ST_ALREADY_REQUESTED:	return "ST_ALREADY_REQUESTED";
	case ST_NOT_OWNER:		return "ST_NOT_OWNER";
	case ST_NO_REQUEST:		return "ST_NO_REQUEST";
	case ST_NO_SESSION:		return "ST_NO_SESSION";
	case ST_SESSION_ENDED:		return "ST_SESSION_ENDED";
	case ST_NO_FILE:		return "ST_NO_FILE";
	case ST_FILE_CONFLICT:		return "ST_FILE_CONFLICT";
	}
	return "(unknown)";
}

/* Compare return codes by name, so a failure reads as the rule it broke. */
#define assert_rc(got, want) do {					\
	int got_ = (got), want_ = (want);				\
	if (got_ != want_)						\
		fail_msg("%s: got %s, want %s", #got, rc_name(got_),	\
		    rc_name(want_));					\
} while (0)

/* Rows of a listing, gathered by collect(). */
#define NAMES_MAX	32

struct names {
	int	n;
	char	v[NAMES_MAX][ID_MAX + 1];
};

static void
collect(void *arg, const char *name)
{
	struct names *l = arg;

	assert_non_null(name);
	assert_true(strlen(name) <= ID_MAX);
	assert_true(l->n < NAMES_MAX);
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", name);
}

static void
names_fmt(const struct names *l, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < l->n && off < len; i++) {
		snprintf(buf + off, len - off, "%s%s", i ? " " : "", l->v[i]);
		off += strlen(buf + off);
	}
}

/* The listing must be exactly want, a NULL-terminated list, in order. */
static void
assert_names(const struct names *l, const char *const *want)
{
	char got[512], exp[512];
	struct names w;

	memset(&w, 0, sizeof(w));
	for (; *want != NULL; want++)
		collect(&w, *want);
	if (l->n == w.n) {
		int i;

		for (i = 0; i < l->n; i++)
			if (strcmp(l->v[i], w.v[i]) != 0)
				break;
		if (i == l->n)
			return;
	}
	names_fmt(l, got, sizeof(got));
	names_fmt(&w, exp, sizeof(exp));
	fail_msg("listing is [%s], want [%s]", got, exp);
}

#define LIST(...)	((const char *const []){ __VA_ARGS__, NULL })
#define EMPTY		((const char *const []){ NULL })

static void
expect_requests(struct store *s, const char *group, const char *owner,
    const char *const *want)
{
	struct names l;

	memset(&l, 0, sizeof(l));
	assert_rc(store_group_requests(s, group, owner, collect, &l), ST_OK);
	assert_names(&l, want);
}

static void
expect_groups(struct store *s, const char *const *want)
{
	struct names l;

	memset(&l, 0, sizeof(l));
	assert_rc(store_groups(s, collect, &l), ST_OK);
	assert_names(&l, want);
}

static void
expect_owner(struct store *s, const char *group, const char *want)
{
	char owner[ID_MAX + 1];

	memset(owner, 'x', sizeof(owner));
	assert_rc(store_group_owner(s, group, owner), ST_OK);
	assert_string_equal(owner, want);
}

/* A credential derived from the name, with a NUL and a 0xff byte in it. */
static void
make_cred(struct user_cred *c, const char *user)
{
	size_t i, n = strlen(user);

	for (i = 0; i < STORE_SALT_LEN; i++)
		c->salt[i] = (uint8_t)(user[i % n] * 3 + i);
	for (i = 0; i < STORE_HASH_LEN; i++)
		c->hash[i] = (uint8_t)(user[i % n] * 7 + i * 13);
	c->salt[0] = 0;
	c->hash[STORE_HASH_LEN - 1] = 0xff;
	c->iter = 100000 + (unsigned)n;
}

static void
add_user(struct store *s, const char *user)
{
	struct user_cred c;

	make_cred(&c, user);
	assert_rc(store_user_create(s, user, &c), ST_OK);
}

static void
add_users(struct store *s, const char *const *users)
{
	for (; *users != NULL; users++)
		add_user(s, *users);
}

static void
expect_cred(struct store *s, const char *user)
{
	struct user_cred want, got;

	make_cred(&want, user);
	memset(&got, 0xaa, sizeof(got));
	assert_rc(store_user_cred(s, user, &got), ST_OK);
	assert_memory_equal(got.salt, want.salt, STORE_SALT_LEN);
	assert_memory_equal(got.hash, want.hash, STORE_HASH_LEN);
	assert_int_equal(got.iter, want.iter);
}

/* A session key, all bytes set from n, with a NUL in it. */
static void
make_key(uint8_t key[32], unsigned n)
{
	size_t i;

	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)(n * 31 + i * 5);
	key[7] = 0;
}

/* A session of user with key made from n (make_key), at peer. */
static void
add_session(struct store *s, uint8_t key[32], unsigned n, const char *user,
    const char *peer)
{
	make_key(key, n);
	assert_rc(store_session_add(s, key, user, peer, TEST_FP, TEST_TKEY),
	    ST_OK);
}

/* Join and accept. */
static void
admit(struct store *s, const char *group, const char *owner, const char *user)
{
	assert_rc(store_group_join(s, group, user), ST_OK);
	assert_rc(store_group_accept(s, group, owner, user), ST_OK);
}


/* Synced folders' versions: one listed row, as list_files with parents. */
struct version_row {
	int	 n;
	char	 name[64];
	uint64_t size;
	uint8_t	 sha1[20], parent[20];
	int	 has_parent;
};

static void
version_cb(void *arg, const char *name, uint64_t size, const uint8_t *sha1,
    const uint8_t *parent)
{
	struct version_row *v = arg;

	v->n++;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->size = size;
	memcpy(v->sha1, sha1, 20);
	v->has_parent = parent != NULL;
	if (parent != NULL)
		memcpy(v->parent, parent, 20);
}

static void
count_source(void *arg, const char *peer, const uint8_t fp[32],
    const uint8_t tkey[32])
{
	(void)peer;
	(void)fp;
	(void)tkey;
	(*(int *)arg)++;
}

/*
 * upload_file of other content under a shared name still fails; a synced
 * folder's UPDATE replaces it, and its parent is listed; the old
 * version's sharers no longer count; an upload of the same content makes
 * one more sharer and keeps the parent.
 */
static void
test_update_versions(void **state)
{
	static const char *const users[] = { "alice", "bob", NULL };
	static const uint8_t none[20];
	struct store *s = *state;
	uint8_t ka[32], kb[32], kc[32], pa[20], pb[20], hx[20];
	struct file_meta x, y, cur;
	struct version_row v;
	int n;

	add_users(s, users);
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	admit(s, "g", "alice", "bob");
	add_session(s, ka, 1, "alice", "a:1");
	add_session(s, kb, 2, "bob", "b:1");
	assert_rc(store_online(s, ka, 1), ST_OK);
	assert_rc(store_online(s, kb, 1), ST_OK);
	make_key(kc, 3);		/* who asks for sources */
	memset(hx, 0x0a, sizeof(hx));		/* x's content */
	memset(pa, 0xa1, sizeof(pa));
	memset(pb, 0xb2, sizeof(pb));
	x.size = 10;
	memset(x.sha1, 0x0a, 20);
	x.pieces = pa;
	x.npieces = 1;
	y.size = 20;
	memset(y.sha1, 0x0b, 20);
	y.pieces = pb;
	y.npieces = 1;

	assert_rc(store_upload(s, ka, "alice", "g", "f", &x, "/a/f", 1),
	    ST_OK);
	/* upload_file of other content: refused, as the contract says. */
	assert_rc(store_upload(s, kb, "bob", "g", "f", &y, "/b/f", 1),
	    ST_FILE_CONFLICT);
	memset(&v, 0, sizeof(v));
	assert_rc(store_list_versions(s, "g", "bob", version_cb, &v), ST_OK);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.size, 10);
	assert_false(v.has_parent);	/* an upload names none */

	/* A folder's version made from x replaces it. */
	assert_rc(store_update(s, kb, "bob", "g", "f", &y, "/b/f", 2,
	    x.sha1), ST_OK);
	memset(&v, 0, sizeof(v));
	assert_rc(store_list_versions(s, "g", "alice", version_cb, &v),
	    ST_OK);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.name, "f");
	assert_int_equal(v.size, 20);
	assert_memory_equal(v.sha1, y.sha1, 20);
	assert_true(v.has_parent);
	assert_memory_equal(v.parent, hx, 20);
	/* The name holds y now; alice's share of x no longer counts. */
	assert_rc(store_file_sha1(s, "g", "f", "alice", &cur), ST_OK);
	assert_memory_equal(cur.sha1, y.sha1, 20);
	n = 0;
	assert_rc(store_sources(s, "g", "f", kc, count_source, &n), ST_OK);
	assert_int_equal(n, 1);		/* bob's session only */
	/* Fetched by alice: one more sharer, the parent stays. */
	assert_rc(store_upload(s, ka, "alice", "g", "f", &y, "/a/f", 3),
	    ST_OK);
	memset(&v, 0, sizeof(v));
	assert_rc(store_list_versions(s, "g", "alice", version_cb, &v),
	    ST_OK);
	assert_memory_equal(v.parent, hx, 20);
	n = 0;
	assert_rc(store_sources(s, "g", "f", kc, count_source, &n), ST_OK);
	assert_int_equal(n, 2);
	/* A new name: parent zeros (none). */
	assert_rc(store_update(s, ka, "alice", "g", "new", &y, "/a/new", 4,
	    none), ST_OK);
	memset(&v, 0, sizeof(v));
	assert_rc(store_list_versions(s, "g", "alice", version_cb, &v),
	    ST_OK);
	assert_int_equal(v.n, 2);
	/* Non-members: refused. */
	assert_rc(store_update(s, ka, "carol", "g", "f", &y, "/c/f", 5,
	    none), ST_NOT_MEMBER);
}

/* A user's shares, as the whole listing or a page's callback sees them. */
struct share_list {
	int	n, page, per_page;	/* per_page: the page is full after */
	char	v[64][ID_MAX + 40];
};

static void
share_whole(void *arg, const struct share_row *sr)
{
	struct share_list *l = arg;

	assert_true(l->n < 64);
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s %s %s", sr->group,
	    sr->name, sr->path);
}

static int
share_paged(void *arg, const struct share_row *sr)
{
	struct share_list *l = arg;

	if (l->page == l->per_page)
		return -1;
	l->page++;
	share_whole(arg, sr);
	return 0;
}

/*
 * MY_SHARES_PAGE's query: walked from each page's cursor (the last
 * share's "group name"), pages cut by rows (store_set_page_rows) or by
 * the callback, it gives exactly the whole listing, in (group, name)
 * order, with groups that are each other's prefix ("g", "g-a", "g.b");
 * others' shares and those of a group left are not in it.
 */
static void
test_shares_pages(void **state)
{
	static const char *const users[] = { "alice", "bob", NULL };
	static const char *const groups[] = { "g", "g-a", "g.b", "h", NULL };
	struct store *s = *state;
	struct share_list whole, paged;
	char cursor[ID_MAX + 40] = "", path[32], name[16], *sp;
	struct file_meta x;
	uint8_t ka[32], kb[32], piece[20];
	int i, g, more, pages, rows, per;

	add_users(s, users);
	add_session(s, ka, 1, "alice", "a:1");
	add_session(s, kb, 2, "bob", "b:1");
	memset(piece, 0x5a, sizeof(piece));
	x.pieces = piece;
	x.npieces = 1;
	for (g = 0; groups[g] != NULL; g++) {
		assert_rc(store_group_create(s, groups[g], "bob"), ST_OK);
		admit(s, groups[g], "bob", "alice");
		for (i = 0; i < 5; i++) {
			snprintf(name, sizeof(name), "f%d", 4 - i);
			snprintf(path, sizeof(path), "/a/%s/%s", groups[g],
			    name);
			x.size = 10 * (uint64_t)g + (uint64_t)i + 1;
			memset(x.sha1, 10 * g + i + 1, 20);
			assert_rc(store_upload(s, ka, "alice", groups[g], name,
			    &x, path, 1), ST_OK);
		}
		memset(x.sha1, 0xee - g, 20);
		assert_rc(store_upload(s, kb, "bob", groups[g], "bobs", &x,
		    "/b/bobs", 1), ST_OK);
	}
	/* Left: its shares are no longer listed. */
	assert_rc(store_group_leave(s, "h", "alice"), ST_OK);
	memset(&whole, 0, sizeof(whole));
	assert_rc(store_my_shares(s, "alice", share_whole, &whole), ST_OK);
	assert_int_equal(whole.n, 15);
	assert_string_equal(whole.v[0], "g f0 /a/g/f0");
	assert_string_equal(whole.v[5], "g-a f0 /a/g-a/f0");
	assert_string_equal(whole.v[14], "g.b f4 /a/g.b/f4");

	for (rows = 1; rows <= 4; rows++)
		for (per = 1; per <= 5; per++) {
			store_set_page_rows(s, (unsigned)rows);
			memset(&paged, 0, sizeof(paged));
			paged.per_page = per;
			cursor[0] = '\0';
			pages = 0;
			do {
				paged.page = 0;
				assert_rc(store_shares_page(s, "alice", cursor,
				    share_paged, &paged, &more), ST_OK);
				assert_true(paged.page <= rows);
				if (paged.n > 0) {
					/* "group name path": the cursor is
					   up to the second blank. */
					snprintf(cursor, sizeof(cursor), "%s",
					    paged.v[paged.n - 1]);
					sp = strchr(strchr(cursor, ' ') + 1,
					    ' ');
					*sp = '\0';
				}
				assert_true(++pages <= 16);
			} while (more);
			assert_int_equal(paged.n, whole.n);
			for (i = 0; i < whole.n; i++)
				assert_string_equal(paged.v[i], whole.v[i]);
		}
	store_set_page_rows(s, 0);
	assert_rc(store_shares_page(s, "alice", "g", share_paged, &paged,
	    &more), ST_BAD_CURSOR);
	assert_rc(store_shares_page(s, "alice", "g/x f0", share_paged,
	    &paged, &more), ST_BAD_CURSOR);
}

/* Fixtures. */

static int
setup_mem(void **state)
{
	char err[256];
	struct store *s;

	err[0] = '\0';
	if ((s = store_open(":memory:", err, sizeof(err))) == NULL) {
		print_error("store_open(:memory:): %s\n", err);
		return -1;
	}
	*state = s;
	return 0;
}

static int
teardown_mem(void **state)
{
	store_close(*state);
	return 0;
}

struct tmpdb {
	char	dir[64];
	char	path[128];
};

static int
setup_file(void **state)
{
	struct tmpdb *t;
	const char *tmp = getenv("TMPDIR");

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(t->dir, sizeof(t->dir), "%s/test_store.XXXXXX", tmp);
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/tracker.db", t->dir);
	*state = t;
	return 0;
}

static int
teardown_file(void **state)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	struct tmpdb *t = *state;
	char p[160];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, sfx[i]);
		unlink(p);
	}
	rmdir(t->dir);
	free(t);
	return 0;
}

static struct store *
open_file(const char *path)
{
	char err[256];
	struct store *s;

	err[0] = '\0';
	if ((s = store_open(path, err, sizeof(err))) == NULL)
		fail_msg("store_open(%s): %s", path, err);
	return s;
}

/* Direct SQLite access, behind the store's back. */

static void
sql_exec(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail_msg("sqlite3_open(%s): %s", path, sqlite3_errmsg(db));
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg ? msg : "error");
	sqlite3_close(db);
}

/* Every row's first column of q into l; returns the row count. */
static int
sql_rows(const char *path, const char *q, struct names *l)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	int rc;

	memset(l, 0, sizeof(*l));
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail_msg("sqlite3_open(%s): %s", path, sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		collect(l, v ? (const char *)v : "(null)");
	}
	if (rc != SQLITE_DONE)
		fail_msg("%s: %s", q, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return l->n;
}

static long long
sql_int(const char *path, const char *q)
{
	struct names l;

	assert_int_equal(sql_rows(path, q, &l), 1);
	return strtoll(l.v[0], NULL, 10);
}

/* Users. */

static void
test_user_create_and_cred(void **state)
{
	struct store *s = *state;
	struct user_cred c;

	add_users(s, LIST("alice", "bob", "A", "x.y_z-0"));
	expect_cred(s, "alice");
	expect_cred(s, "bob");
	expect_cred(s, "A");
	expect_cred(s, "x.y_z-0");

	/* Names are case sensitive; unknown names have no credential. */
	memset(&c, 0x55, sizeof(c));
	assert_rc(store_user_cred(s, "ALICE", &c), ST_NO_USER);
	assert_rc(store_user_cred(s, "carol", &c), ST_NO_USER);
	assert_rc(store_user_cred(s, "", &c), ST_NO_USER);
}

static void
test_user_duplicate(void **state)
{
	struct store *s = *state;
	struct user_cred other;

	add_user(s, "alice");
	make_cred(&other, "mallory");
	assert_rc(store_user_create(s, "alice", &other), ST_USER_EXISTS);
	/* The refused create did not touch the first credential... */
	expect_cred(s, "alice");
	/* ...and left no transaction open behind it. */
	add_user(s, "bob");
	expect_cred(s, "bob");
}

static void
test_user_cred_iter_range(void **state)
{
	struct store *s = *state;
	struct user_cred c, got;

	make_cred(&c, "big");
	c.iter = UINT_MAX;
	assert_rc(store_user_create(s, "big", &c), ST_OK);
	assert_rc(store_user_cred(s, "big", &got), ST_OK);
	assert_int_equal(got.iter, UINT_MAX);
	assert_memory_equal(got.salt, c.salt, STORE_SALT_LEN);
	assert_memory_equal(got.hash, c.hash, STORE_HASH_LEN);
}

/* Sessions. */

static void
test_session_add_lookup_del(void **state)
{
	struct store *s = *state;
	uint8_t k1[32], k2[32], k3[32];
	char user[ID_MAX + 1];

	add_users(s, LIST("alice", "bob"));
	make_key(k1, 1);
	make_key(k2, 2);
	make_key(k3, 3);
	assert_rc(store_session_add(s, k1, "alice", "127.0.0.1:5000", TEST_FP, TEST_TKEY),
	    ST_OK);
	/* The same user may hold several sessions. */
	assert_rc(store_session_add(s, k2, "alice", "127.0.0.1:5001", TEST_FP, TEST_TKEY),
	    ST_OK);
	assert_rc(store_session_add(s, k3, "bob", "10.0.0.2:6000", TEST_FP, TEST_TKEY), ST_OK);

	memset(user, 'x', sizeof(user));
	assert_rc(store_session_user(s, k1, NULL, user), ST_OK);
	assert_string_equal(user, "alice");
	assert_rc(store_session_user(s, k2, NULL, user), ST_OK);
	assert_string_equal(user, "alice");
	assert_rc(store_session_user(s, k3, NULL, user), ST_OK);
	assert_string_equal(user, "bob");

	/* Ending one session leaves the others alone. */
	assert_rc(store_session_del(s, k1), ST_OK);
	assert_rc(store_session_user(s, k1, NULL, user), ST_NO_SESSION);
	assert_rc(store_session_user(s, k2, NULL, user), ST_OK);
	assert_string_equal(user, "alice");
	assert_rc(store_session_del(s, k1), ST_NO_SESSION);
	assert_rc(store_session_del(s, k2), ST_OK);
	assert_rc(store_session_del(s, k2), ST_NO_SESSION);
	assert_rc(store_session_user(s, k3, NULL, user), ST_OK);
	assert_string_equal(user, "bob");

	/* An ended session stays ended: its key is not taken again. */
	assert_rc(store_session_add(s, k1, "bob", "10.0.0.2:6001", TEST_FP, TEST_TKEY),
	    ST_SESSION_ENDED);
	assert_rc(store_session_user(s, k1, NULL, user), ST_NO_SESSION);
}

static void
test_session_unknown(void **state)
{
	struct store *s = *state;
	uint8_t k[32], other[32];
	char user[ID_MAX + 1];

	make_key(k, 7);
	make_key(other, 8);
	assert_rc(store_session_add(s, k, "ghost", "127.0.0.1:1", TEST_FP, TEST_TKEY),
	    ST_NO_USER);
	assert_rc(store_session_user(s, k, NULL, user), ST_NO_SESSION);
	assert_rc(store_session_del(s, k), ST_NO_SESSION);

	/* The refusal left the store usable. */
	add_user(s, "alice");
	assert_rc(store_session_add(s, k, "alice", "127.0.0.1:1", TEST_FP, TEST_TKEY), ST_OK);
	assert_rc(store_session_user(s, other, NULL, user), ST_NO_SESSION);
	assert_rc(store_session_del(s, other), ST_NO_SESSION);
	assert_rc(store_session_user(s, k, NULL, user), ST_OK);
	assert_string_equal(user, "alice");
}

static void
test_session_long_user(void **state)
{
	struct store *s = *state;
	char name[ID_MAX + 1], user[ID_MAX + 1];
	uint8_t k[32];

	memset(name, 'n', ID_MAX);
	name[ID_MAX] = '\0';
	add_user(s, name);
	make_key(k, 9);
	assert_rc(store_session_add(s, k, name, "127.0.0.1:2", TEST_FP, TEST_TKEY), ST_OK);
	assert_rc(store_session_user(s, k, NULL, user), ST_OK);
	assert_string_equal(user, name);
}

/* Groups. */

static void
test_group_create(void **state)
{
	struct store *s = *state;
	char owner[ID_MAX + 1];

	add_users(s, LIST("alice", "bob"));
	expect_groups(s, EMPTY);
	assert_rc(store_group_owner(s, "g", owner), ST_NO_GROUP);
	assert_rc(store_is_member(s, "g", "alice"), ST_NO_GROUP);

	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	expect_owner(s, "g", "alice");
	assert_rc(store_is_member(s, "g", "alice"), ST_OK);
	assert_rc(store_is_member(s, "g", "bob"), ST_NOT_MEMBER);
	expect_requests(s, "g", "alice", EMPTY);
	expect_groups(s, LIST("g"));

	/* A user may own several groups; a second creator owns theirs. */
	assert_rc(store_group_create(s, "h", "alice"), ST_OK);
	assert_rc(store_group_create(s, "i", "bob"), ST_OK);
	expect_owner(s, "h", "alice");
	expect_owner(s, "i", "bob");
	assert_rc(store_is_member(s, "i", "alice"), ST_NOT_MEMBER);
	expect_groups(s, LIST("g", "h", "i"));
}

static void
test_group_create_duplicate(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("alice", "bob"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	assert_rc(store_group_create(s, "g", "bob"), ST_GROUP_EXISTS);
	assert_rc(store_group_create(s, "g", "alice"), ST_GROUP_EXISTS);
	/* Even an unknown creator gets the group's refusal. */
	assert_rc(store_group_create(s, "g", "ghost"), ST_GROUP_EXISTS);
	expect_owner(s, "g", "alice");
	assert_rc(store_is_member(s, "g", "bob"), ST_NOT_MEMBER);
	expect_groups(s, LIST("g"));
	/* Group names are case sensitive. */
	assert_rc(store_group_create(s, "G", "bob"), ST_OK);
	expect_owner(s, "G", "bob");
}

static void
test_group_create_no_user(void **state)
{
	struct store *s = *state;
	char owner[ID_MAX + 1];

	assert_rc(store_group_create(s, "g", "ghost"), ST_NO_USER);
	assert_rc(store_group_owner(s, "g", owner), ST_NO_GROUP);
	expect_groups(s, EMPTY);
	add_user(s, "alice");
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	expect_owner(s, "g", "alice");
}

static void
test_join_request(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("alice", "bob", "carol"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);

	assert_rc(store_group_join(s, "g", "bob"), ST_OK);
	expect_requests(s, "g", "alice", LIST("bob"));
	/* A request does not make a member. */
	assert_rc(store_is_member(s, "g", "bob"), ST_NOT_MEMBER);

	/* One pending request per user and group. */
	assert_rc(store_group_join(s, "g", "bob"), ST_ALREADY_REQUESTED);
	expect_requests(s, "g", "alice", LIST("bob"));

	/* None for a member, the owner included. */
	assert_rc(store_group_join(s, "g", "alice"), ST_ALREADY_MEMBER);
	expect_requests(s, "g", "alice", LIST("bob"));

	assert_rc(store_group_join(s, "nope", "carol"), ST_NO_GROUP);
	expect_groups(s, LIST("g"));

	/* A request for one group says nothing about another. */
	assert_rc(store_group_create(s, "h", "carol"), ST_OK);
	assert_rc(store_group_join(s, "h", "bob"), ST_OK);
	expect_requests(s, "h", "carol", LIST("bob"));
	expect_requests(s, "g", "alice", LIST("bob"));
}

static void
test_accept(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("alice", "bob", "carol", "dave"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	assert_rc(store_group_join(s, "g", "bob"), ST_OK);
	assert_rc(store_group_join(s, "g", "carol"), ST_OK);

	/* Not by an outsider, nor by someone who is not a user. */
	assert_rc(store_group_accept(s, "g", "dave", "bob"), ST_NOT_OWNER);
	assert_rc(store_group_accept(s, "g", "ghost", "bob"),
	    ST_NOT_OWNER);
	/* Nor by the requester for themselves. */
	assert_rc(store_group_accept(s, "g", "bob", "bob"), ST_NOT_OWNER);
	assert_rc(store_is_member(s, "g", "bob"), ST_NOT_MEMBER);

	assert_rc(store_group_accept(s, "g", "alice", "bob"), ST_OK);
	assert_rc(store_is_member(s, "g", "bob"), ST_OK);
	expect_requests(s, "g", "alice", LIST("carol"));
	expect_owner(s, "g", "alice");

	/* A member who is not the owner may not accept. */
	assert_rc(store_group_accept(s, "g", "bob", "carol"), ST_NOT_OWNER);
	assert_rc(store_is_member(s, "g", "carol"), ST_NOT_MEMBER);
	expect_requests(s, "g", "alice", LIST("carol"));

	/* Accepting twice, or the owner, finds a member. */
	assert_rc(store_group_accept(s, "g", "alice", "bob"),
	    ST_ALREADY_MEMBER);
	assert_rc(store_group_accept(s, "g", "alice", "alice"),
	    ST_ALREADY_MEMBER);
	assert_rc(store_group_join(s, "g", "bob"), ST_ALREADY_MEMBER);

	/* Nothing to accept without a request. */
	assert_rc(store_group_accept(s, "g", "alice", "dave"),
	    ST_NO_REQUEST);
	assert_rc(store_group_accept(s, "g", "alice", "ghost"),
	    ST_NO_REQUEST);
	assert_rc(store_is_member(s, "g", "dave"), ST_NOT_MEMBER);

	assert_rc(store_group_accept(s, "nope", "alice", "carol"),
	    ST_NO_GROUP);

	assert_rc(store_group_accept(s, "g", "alice", "carol"), ST_OK);
	assert_rc(store_is_member(s, "g", "carol"), ST_OK);
	expect_requests(s, "g", "alice", EMPTY);
}

static void
test_reject(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("alice", "bob", "carol", "dave"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	admit(s, "g", "alice", "bob");
	assert_rc(store_group_join(s, "g", "carol"), ST_OK);
	assert_rc(store_group_join(s, "g", "dave"), ST_OK);

	assert_rc(store_group_reject(s, "g", "bob", "carol"), ST_NOT_OWNER);
	assert_rc(store_group_reject(s, "g", "dave", "carol"), ST_NOT_OWNER);
	assert_rc(store_group_reject(s, "g", "carol", "carol"), ST_NOT_OWNER);
	expect_requests(s, "g", "alice", LIST("carol", "dave"));

	assert_rc(store_group_reject(s, "g", "alice", "carol"), ST_OK);
	assert_rc(store_is_member(s, "g", "carol"), ST_NOT_MEMBER);
	expect_requests(s, "g", "alice", LIST("dave"));
	assert_rc(store_group_reject(s, "g", "alice", "carol"),
	    ST_NO_REQUEST);
	assert_rc(store_group_reject(s, "g", "alice", "bob"),
	    ST_ALREADY_MEMBER);
	assert_rc(store_group_reject(s, "g", "alice", "alice"),
	    ST_ALREADY_MEMBER);
	assert_rc(store_is_member(s, "g", "bob"), ST_OK);
	assert_rc(store_group_reject(s, "nope", "alice", "dave"),
	    ST_NO_GROUP);

	/* A rejected user may ask again, and be accepted. */
	assert_rc(store_group_join(s, "g", "carol"), ST_OK);
	expect_requests(s, "g", "alice", LIST("dave", "carol"));
	assert_rc(store_group_accept(s, "g", "alice", "carol"), ST_OK);
	assert_rc(store_is_member(s, "g", "carol"), ST_OK);
	expect_requests(s, "g", "alice", LIST("dave"));
}

static void
test_requests_order_and_owner_only(void **state)
{
	struct store *s = *state;
	struct names l;

	add_users(s, LIST("alice", "bob", "zed", "amy", "mia", "kim", "out"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	expect_requests(s, "g", "alice", EMPTY);

	/*
	 * In the order they were made (by the store's clock stamps, which
	 * only increase: the "now" passed in is not used).
	 */
	assert_rc(store_group_join(s, "g", "zed"), ST_OK);
	assert_rc(store_group_join(s, "g", "mia"), ST_OK);
	assert_rc(store_group_join(s, "g", "kim"), ST_OK);
	assert_rc(store_group_join(s, "g", "amy"), ST_OK);
	expect_requests(s, "g", "alice", LIST("zed", "mia", "kim", "amy"));

	/* Accepting one keeps the others' order. */
	assert_rc(store_group_accept(s, "g", "alice", "amy"), ST_OK);
	expect_requests(s, "g", "alice", LIST("zed", "mia", "kim"));

	/* Only the owner may list: not a member, not an outsider. */
	admit(s, "g", "alice", "bob");
	memset(&l, 0, sizeof(l));
	assert_rc(store_group_requests(s, "g", "bob", collect, &l),
	    ST_NOT_OWNER);
	assert_rc(store_group_requests(s, "g", "amy", collect, &l),
	    ST_NOT_OWNER);
	assert_rc(store_group_requests(s, "g", "out", collect, &l),
	    ST_NOT_OWNER);
	assert_rc(store_group_requests(s, "g", "zed", collect, &l),
	    ST_NOT_OWNER);
	assert_rc(store_group_requests(s, "g", "ghost", collect, &l),
	    ST_NOT_OWNER);
	assert_rc(store_group_requests(s, "nope", "alice", collect, &l),
	    ST_NO_GROUP);
	/* A refusal lists nothing. */
	assert_int_equal(l.n, 0);

	/* Ownership moves, and the right to list with it. */
	assert_rc(store_group_leave(s, "g", "alice"), ST_OK);
	expect_owner(s, "g", "amy");
	assert_rc(store_group_requests(s, "g", "alice", collect, &l),
	    ST_NOT_OWNER);
	assert_int_equal(l.n, 0);
	expect_requests(s, "g", "amy", LIST("zed", "mia", "kim"));
}

static void
test_groups_sorted(void **state)
{
	struct store *s = *state;

	add_user(s, "alice");
	expect_groups(s, EMPTY);
	assert_rc(store_group_create(s, "zeta", "alice"), ST_OK);
	assert_rc(store_group_create(s, "alpha", "alice"), ST_OK);
	assert_rc(store_group_create(s, "Mid", "alice"), ST_OK);
	assert_rc(store_group_create(s, "beta-2", "alice"), ST_OK);
	assert_rc(store_group_create(s, "alpha.1", "alice"), ST_OK);
	assert_rc(store_group_create(s, "10", "alice"), ST_OK);
	assert_rc(store_group_create(s, "9", "alice"), ST_OK);
	/* Byte order, as strcmp() sorts: digits, capitals, lower case. */
	expect_groups(s, LIST("10", "9", "Mid", "alpha", "alpha.1", "beta-2",
	    "zeta"));
	assert_rc(store_group_leave(s, "alpha", "alice"), ST_OK);
	expect_groups(s, LIST("10", "9", "Mid", "alpha.1", "beta-2", "zeta"));
}

/* Leaving and the owner's succession. */

static void
test_leave_refusals(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("alice", "bob", "carol"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	assert_rc(store_group_join(s, "g", "bob"), ST_OK);

	assert_rc(store_group_leave(s, "g", "carol"), ST_NOT_MEMBER);
	assert_rc(store_group_leave(s, "g", "ghost"), ST_NOT_MEMBER);
	/* A pending request is not membership, and is kept. */
	assert_rc(store_group_leave(s, "g", "bob"), ST_NOT_MEMBER);
	expect_requests(s, "g", "alice", LIST("bob"));
	assert_rc(store_group_leave(s, "nope", "alice"), ST_NO_GROUP);
	expect_owner(s, "g", "alice");
	assert_rc(store_is_member(s, "g", "alice"), ST_OK);

	/* Leaving twice. */
	admit(s, "g", "alice", "carol");
	assert_rc(store_group_leave(s, "g", "carol"), ST_OK);
	assert_rc(store_group_leave(s, "g", "carol"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "g", "carol"), ST_NOT_MEMBER);
	expect_owner(s, "g", "alice");
}

static void
test_leave_member_keeps_owner(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("alice", "bob", "carol"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	admit(s, "g", "alice", "bob");
	admit(s, "g", "alice", "carol");
	assert_rc(store_group_leave(s, "g", "bob"), ST_OK);
	expect_owner(s, "g", "alice");
	assert_rc(store_is_member(s, "g", "bob"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "g", "carol"), ST_OK);
	/* A former member may ask again. */
	assert_rc(store_group_join(s, "g", "bob"), ST_OK);
	expect_requests(s, "g", "alice", LIST("bob"));
}

static void
test_handover_in_join_order(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("owner", "dan", "cat", "bea", "al"));
	assert_rc(store_group_create(s, "g", "owner"), ST_OK);
	admit(s, "g", "owner", "dan");
	admit(s, "g", "owner", "cat");
	admit(s, "g", "owner", "bea");
	admit(s, "g", "owner", "al");

	assert_rc(store_group_leave(s, "g", "owner"), ST_OK);
	expect_owner(s, "g", "dan");
	assert_rc(store_is_member(s, "g", "owner"), ST_NOT_MEMBER);
	/* A member other than the owner leaving changes nothing. */
	assert_rc(store_group_leave(s, "g", "cat"), ST_OK);
	expect_owner(s, "g", "dan");
	assert_rc(store_group_leave(s, "g", "dan"), ST_OK);
	expect_owner(s, "g", "bea");
	assert_rc(store_group_leave(s, "g", "bea"), ST_OK);
	expect_owner(s, "g", "al");
	assert_rc(store_is_member(s, "g", "al"), ST_OK);
}

/* The same "now" for everybody: the order of acceptance still decides. */
static void
test_handover_equal_now(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("mike", "zoe", "adam", "bob"));
	assert_rc(store_group_create(s, "g", "mike"), ST_OK);
	admit(s, "g", "mike", "zoe");
	admit(s, "g", "mike", "adam");
	admit(s, "g", "mike", "bob");

	assert_rc(store_group_leave(s, "g", "mike"), ST_OK);
	expect_owner(s, "g", "zoe");
	assert_rc(store_group_leave(s, "g", "zoe"), ST_OK);
	expect_owner(s, "g", "adam");
	assert_rc(store_group_leave(s, "g", "adam"), ST_OK);
	expect_owner(s, "g", "bob");
}

/* A clock that steps back must not let a later member jump the queue. */
static void
test_handover_backwards_now(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("mike", "zoe", "adam", "bob"));
	assert_rc(store_group_create(s, "g", "mike"), ST_OK);
	admit(s, "g", "mike", "zoe");
	admit(s, "g", "mike", "adam");
	admit(s, "g", "mike", "bob");

	assert_rc(store_group_leave(s, "g", "mike"), ST_OK);
	expect_owner(s, "g", "zoe");
	assert_rc(store_group_leave(s, "g", "zoe"), ST_OK);
	expect_owner(s, "g", "adam");
	assert_rc(store_group_leave(s, "g", "adam"), ST_OK);
	expect_owner(s, "g", "bob");
}

/*
 * Someone who leaves and comes back queues behind everybody there, even
 * when the clock went back meanwhile and the member with the highest
 * "since" left before.
 */
static void
test_handover_rejoin(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("al", "bo", "cy", "di"));
	assert_rc(store_group_create(s, "g", "al"), ST_OK);
	admit(s, "g", "al", "bo");
	admit(s, "g", "al", "cy");
	admit(s, "g", "al", "di");
	assert_rc(store_group_leave(s, "g", "di"), ST_OK);
	assert_rc(store_group_leave(s, "g", "al"), ST_OK);
	expect_owner(s, "g", "bo");
	admit(s, "g", "bo", "al");
	admit(s, "g", "bo", "di");
	assert_rc(store_group_leave(s, "g", "bo"), ST_OK);
	expect_owner(s, "g", "cy");
	assert_rc(store_group_leave(s, "g", "cy"), ST_OK);
	expect_owner(s, "g", "al");
	assert_rc(store_group_leave(s, "g", "al"), ST_OK);
	expect_owner(s, "g", "di");
}

static void
test_last_member_deletes_group(void **state)
{
	struct store *s = *state;
	char owner[ID_MAX + 1];
	struct names l;

	add_users(s, LIST("alice", "bob", "carol", "dave"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	assert_rc(store_group_create(s, "keep", "dave"), ST_OK);
	admit(s, "g", "alice", "bob");
	assert_rc(store_group_join(s, "g", "carol"), ST_OK);
	assert_rc(store_group_join(s, "g", "dave"), ST_OK);
	assert_rc(store_group_join(s, "keep", "carol"), ST_OK);

	assert_rc(store_group_leave(s, "g", "alice"), ST_OK);
	expect_owner(s, "g", "bob");
	expect_requests(s, "g", "bob", LIST("carol", "dave"));
	assert_rc(store_group_leave(s, "g", "bob"), ST_OK);

	/* Gone, for every call. */
	assert_rc(store_group_owner(s, "g", owner), ST_NO_GROUP);
	assert_rc(store_is_member(s, "g", "bob"), ST_NO_GROUP);
	assert_rc(store_is_member(s, "g", "carol"), ST_NO_GROUP);
	memset(&l, 0, sizeof(l));
	assert_rc(store_group_requests(s, "g", "bob", collect, &l),
	    ST_NO_GROUP);
	assert_rc(store_group_join(s, "g", "carol"), ST_NO_GROUP);
	assert_rc(store_group_accept(s, "g", "bob", "carol"), ST_NO_GROUP);
	assert_rc(store_group_reject(s, "g", "bob", "dave"), ST_NO_GROUP);
	assert_rc(store_group_leave(s, "g", "bob"), ST_NO_GROUP);
	expect_groups(s, LIST("keep"));
	/* Another group's requests are untouched. */
	expect_requests(s, "keep", "dave", LIST("carol"));

	/* The name is free again, with nothing left over. */
	assert_rc(store_group_create(s, "g", "carol"), ST_OK);
	expect_owner(s, "g", "carol");
	expect_requests(s, "g", "carol", EMPTY);
	assert_rc(store_is_member(s, "g", "alice"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "g", "bob"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "g", "dave"), ST_NOT_MEMBER);
	/* dave's old request is gone: he can file a new one. */
	assert_rc(store_group_join(s, "g", "dave"), ST_OK);
	assert_rc(store_group_join(s, "g", "alice"), ST_OK);
	expect_requests(s, "g", "carol", LIST("dave", "alice"));
	expect_groups(s, LIST("g", "keep"));
}

static void
test_sole_owner_leaves(void **state)
{
	struct store *s = *state;
	char owner[ID_MAX + 1];

	add_users(s, LIST("alice", "bob"));
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	assert_rc(store_group_join(s, "g", "bob"), ST_OK);
	/* A requester does not inherit: the group goes. */
	assert_rc(store_group_leave(s, "g", "alice"), ST_OK);
	assert_rc(store_group_owner(s, "g", owner), ST_NO_GROUP);
	expect_groups(s, EMPTY);
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	expect_requests(s, "g", "alice", EMPTY);
}

static void
test_is_member(void **state)
{
	struct store *s = *state;

	add_users(s, LIST("alice", "bob", "carol"));
	assert_rc(store_is_member(s, "g", "alice"), ST_NO_GROUP);
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	assert_rc(store_group_create(s, "h", "bob"), ST_OK);
	admit(s, "g", "alice", "bob");
	assert_rc(store_group_join(s, "g", "carol"), ST_OK);

	assert_rc(store_is_member(s, "g", "alice"), ST_OK);
	assert_rc(store_is_member(s, "g", "bob"), ST_OK);
	assert_rc(store_is_member(s, "g", "carol"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "g", "ghost"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "g", "Alice"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "h", "bob"), ST_OK);
	assert_rc(store_is_member(s, "h", "alice"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "nope", "alice"), ST_NO_GROUP);
}

/* File-backed stores. */

static void
test_persistence(void **state)
{
	struct tmpdb *t = *state;
	struct user_cred c;
	struct store *s;
	uint8_t k1[32], k2[32];
	char user[ID_MAX + 1];

	make_key(k1, 1);
	make_key(k2, 2);
	s = open_file(t->path);
	add_users(s, LIST("alice", "bob", "carol"));
	assert_rc(store_session_add(s, k1, "alice", "127.0.0.1:7000", TEST_FP, TEST_TKEY),
	    ST_OK);
	assert_rc(store_session_add(s, k2, "bob", "127.0.0.1:7001", TEST_FP, TEST_TKEY),
	    ST_OK);
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	admit(s, "g", "alice", "bob");
	assert_rc(store_group_join(s, "g", "carol"), ST_OK);
	assert_rc(store_group_create(s, "h", "carol"), ST_OK);
	store_close(s);

	s = open_file(t->path);
	expect_cred(s, "alice");
	expect_cred(s, "bob");
	expect_cred(s, "carol");
	assert_rc(store_session_user(s, k1, NULL, user), ST_OK);
	assert_string_equal(user, "alice");
	assert_rc(store_session_user(s, k2, NULL, user), ST_OK);
	assert_string_equal(user, "bob");
	expect_groups(s, LIST("g", "h"));
	expect_owner(s, "g", "alice");
	expect_owner(s, "h", "carol");
	assert_rc(store_is_member(s, "g", "alice"), ST_OK);
	assert_rc(store_is_member(s, "g", "bob"), ST_OK);
	assert_rc(store_is_member(s, "g", "carol"), ST_NOT_MEMBER);
	expect_requests(s, "g", "alice", LIST("carol"));
	add_user(s, "dave");
	make_cred(&c, "other");
	assert_rc(store_user_create(s, "alice", &c), ST_USER_EXISTS);

	/* Join order survives the restart, whatever the clock says. */
	assert_rc(store_group_accept(s, "g", "alice", "carol"), ST_OK);
	assert_rc(store_group_leave(s, "g", "alice"), ST_OK);
	assert_rc(store_session_del(s, k1), ST_OK);
	store_close(s);

	s = open_file(t->path);
	expect_owner(s, "g", "bob");
	assert_rc(store_is_member(s, "g", "alice"), ST_NOT_MEMBER);
	assert_rc(store_is_member(s, "g", "carol"), ST_OK);
	expect_requests(s, "g", "bob", EMPTY);
	assert_rc(store_session_user(s, k1, NULL, user), ST_NO_SESSION);
	assert_rc(store_session_user(s, k2, NULL, user), ST_OK);
	assert_string_equal(user, "bob");
	expect_cred(s, "dave");
	assert_rc(store_group_leave(s, "g", "bob"), ST_OK);
	expect_owner(s, "g", "carol");
	assert_rc(store_group_leave(s, "g", "carol"), ST_OK);
	store_close(s);

	/* The group deleted by its last member stays deleted. */
	s = open_file(t->path);
	expect_groups(s, LIST("h"));
	assert_rc(store_is_member(s, "g", "carol"), ST_NO_GROUP);
	store_close(s);

	/* Rows stay as history (for replication); nobody is a member. */
	assert_int_equal(sql_int(t->path,
	    "SELECT count(*) FROM member WHERE grp = 'g' AND state = 3"), 0);
}

/*
 * Group commit: in batch mode mutations are kept (and seen) until
 * store_flush(); a store closed before it loses them, as a tracker killed
 * before its flush does (it answered nothing); a refusal in the middle
 * undoes only itself.
 */
static void
test_batch_commit(void **state)
{
	struct tmpdb *t = *state;
	struct store *s;
	struct user_cred c;

	memset(&c, 7, sizeof(c));
	c.iter = 1000;
	s = open_file(t->path);
	store_batch(s, 1);
	assert_rc(store_user_create(s, "amy", &c), ST_OK);
	assert_rc(store_user_create(s, "amy", &c), ST_USER_EXISTS);
	assert_rc(store_group_create(s, "g", "amy"), ST_OK);
	assert_rc(store_group_create(s, "g", "amy"), ST_GROUP_EXISTS);
	expect_groups(s, LIST("g"));
	store_close(s);			/* no flush: gone */
	s = open_file(t->path);
	expect_groups(s, EMPTY);
	assert_rc(store_user_cred(s, "amy", &c), ST_NO_USER);
	store_batch(s, 1);
	assert_rc(store_user_create(s, "amy", &c), ST_OK);
	assert_rc(store_group_create(s, "g", "amy"), ST_OK);
	assert_rc(store_group_join(s, "g", "amy"), ST_ALREADY_MEMBER);
	assert_int_equal(store_flush(s), 0);
	assert_int_equal(store_flush(s), 0);	/* nothing open: fine */
	store_close(s);
	s = open_file(t->path);
	expect_groups(s, LIST("g"));
	assert_int_equal(store_hwm(s, 1), 2);
	store_close(s);
}

static void
test_since_strictly_increasing(void **state)
{
	struct tmpdb *t = *state;
	struct store *s;
	struct names l;

	s = open_file(t->path);
	add_users(s, LIST("o", "e", "d", "c", "b", "a"));
	assert_rc(store_group_create(s, "g", "o"), ST_OK);
	admit(s, "g", "o", "e");
	admit(s, "g", "o", "d");
	admit(s, "g", "o", "c");
	admit(s, "g", "o", "b");
	store_close(s);
	s = open_file(t->path);
	admit(s, "g", "o", "a");
	store_close(s);

	sql_rows(t->path, "SELECT user FROM member WHERE grp = 'g'"
	    " AND state = 3 ORDER BY stamp", &l);
	assert_names(&l, LIST("o", "e", "d", "c", "b", "a"));
	/* No two alike, so the order above is strict. */
	assert_int_equal(sql_int(t->path, "SELECT count(DISTINCT stamp)"
	    " FROM member WHERE grp = 'g' AND state = 3"), 6);
}

/* Equal "since" values (not reachable through the API): ties by name. */
static void
test_handover_tie_by_name(void **state)
{
	struct tmpdb *t = *state;
	struct store *s;

	s = open_file(t->path);
	add_users(s, LIST("owner", "zed", "amy", "bob"));
	assert_rc(store_group_create(s, "g", "owner"), ST_OK);
	admit(s, "g", "owner", "zed");
	admit(s, "g", "owner", "amy");
	admit(s, "g", "owner", "bob");
	store_close(s);
	sql_exec(t->path, "UPDATE member SET stamp = 500, origin = 1"
	    " WHERE grp = 'g' AND user <> 'owner'");

	s = open_file(t->path);
	assert_rc(store_group_leave(s, "g", "owner"), ST_OK);
	expect_owner(s, "g", "amy");
	assert_rc(store_group_leave(s, "g", "amy"), ST_OK);
	expect_owner(s, "g", "bob");
	assert_rc(store_group_leave(s, "g", "bob"), ST_OK);
	expect_owner(s, "g", "zed");
	store_close(s);
}

static void
test_schema_version_written(void **state)
{
	struct tmpdb *t = *state;

	store_close(open_file(t->path));
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	/* Reopening a current database is fine and keeps the version. */
	store_close(open_file(t->path));
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
}

static void
expect_open_fails(const char *path, const char *needle)
{
	char err[256];
	struct store *s;

	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	s = store_open(path, err, sizeof(err));
	if (s != NULL) {
		store_close(s);
		fail_msg("store_open(%s) succeeded", path);
	}
	assert_true(err[0] != '\0' && err[0] != 'x');
	if (needle != NULL && strstr(err, needle) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
}

static void
test_schema_version_newer(void **state)
{
	struct tmpdb *t = *state;
	char q[64];

	/* An empty database from a newer tracker. */
	snprintf(q, sizeof(q), "PRAGMA user_version = %d;",
	    STORE_SCHEMA_VERSION + 1);
	sql_exec(t->path, q);
	expect_open_fails(t->path, "version");
	/* Still refused the second time: the failed open changed nothing. */
	expect_open_fails(t->path, "version");
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION + 1);
	snprintf(q, sizeof(q), "PRAGMA user_version = %d;", INT_MAX);
	sql_exec(t->path, q);
	expect_open_fails(t->path, "version");
}

static void
test_schema_version_newer_keeps_data(void **state)
{
	struct tmpdb *t = *state;
	struct store *s;
	char q[64];

	s = open_file(t->path);
	add_user(s, "alice");
	assert_rc(store_group_create(s, "g", "alice"), ST_OK);
	store_close(s);

	snprintf(q, sizeof(q), "PRAGMA user_version = %d;",
	    STORE_SCHEMA_VERSION + 1);
	sql_exec(t->path, q);
	expect_open_fails(t->path, "version");

	/* Back at the current version, the data is all there. */
	snprintf(q, sizeof(q), "PRAGMA user_version = %d;",
	    STORE_SCHEMA_VERSION);
	sql_exec(t->path, q);
	s = open_file(t->path);
	expect_cred(s, "alice");
	expect_owner(s, "g", "alice");
	store_close(s);
}

static void
test_open_bad_path(void **state)
{
	struct tmpdb *t = *state;
	char path[192];

	snprintf(path, sizeof(path), "%s/missing/dir/tracker.db", t->dir);
	expect_open_fails(path, NULL);
	/* A directory is not a database. */
	expect_open_fails(t->dir, NULL);
}

/*
 * Randomized run against a reference model.  The model keeps, per group,
 * whether it exists, its owner, its members in the order they were
 * accepted (the creator first) and the pending requests with their time.
 */
#define M_USERS		5
#define M_GROUPS	3
#define M_STEPS		2000
#define M_SEED		0x5707e5eedull

static const char *const m_user[M_USERS] = {
	"carol", "alice", "eve", "bob", "dave"
};
static const char *const m_group[M_GROUPS] = { "red", "green", "blue" };

struct mgroup {
	int	exists;
	int	owner;
	int	nmember;
	int	member[M_USERS];
	int	requested[M_USERS];
	int64_t	at[M_USERS];
};

static char m_op[128];		/* the step being checked, for messages */

static int
m_find(const struct mgroup *g, int u)
{
	int i;

	for (i = 0; i < g->nmember; i++)
		if (g->member[i] == u)
			return i;
	return -1;
}

static int
m_create(struct mgroup *g, int u)
{
	if (g->exists)
		return ST_GROUP_EXISTS;
	memset(g, 0, sizeof(*g));
	g->exists = 1;
	g->owner = u;
	g->member[g->nmember++] = u;
	return ST_OK;
}

static int64_t m_tick;

static int
m_join(struct mgroup *g, int u, int64_t now)
{
	if (!g->exists)
		return ST_NO_GROUP;
	if (m_find(g, u) != -1)
		return ST_ALREADY_MEMBER;
	if (g->requested[u])
		return ST_ALREADY_REQUESTED;
	g->requested[u] = 1;
	g->at[u] = ++m_tick;	/* the store orders by its own stamps */
	(void)now;
	return ST_OK;
}

static int
m_decide(struct mgroup *g, int owner, int u, int accept)
{
	if (!g->exists)
		return ST_NO_GROUP;
	if (owner != g->owner)
		return ST_NOT_OWNER;
	if (!g->requested[u])
		return m_find(g, u) != -1 ? ST_ALREADY_MEMBER : ST_NO_REQUEST;
	g->requested[u] = 0;
	if (accept)
		g->member[g->nmember++] = u;
	return ST_OK;
}

/* *event: 0 nothing special, 1 handover, 2 group deleted. */
static int
m_leave(struct mgroup *g, int u, int *event)
{
	int i;

	*event = 0;
	if (!g->exists)
		return ST_NO_GROUP;
	if ((i = m_find(g, u)) == -1)
		return ST_NOT_MEMBER;
	memmove(&g->member[i], &g->member[i + 1],
	    (size_t)(g->nmember - i - 1) * sizeof(g->member[0]));
	g->nmember--;
	if (g->nmember == 0) {
		memset(g, 0, sizeof(*g));
		*event = 2;
	} else if (g->owner == u) {
		g->owner = g->member[0];
		*event = 1;
	}
	return ST_OK;
}

/* Pending requests as the store lists them: by time, then by name. */
static void
m_requests(const struct mgroup *g, struct names *l)
{
	int order[M_USERS], n = 0, i, j, u;

	for (u = 0; u < M_USERS; u++) {
		if (!g->requested[u])
			continue;
		for (i = n; i > 0; i--) {
			j = order[i - 1];
			if (g->at[j] < g->at[u] || (g->at[j] == g->at[u] &&
			    strcmp(m_user[j], m_user[u]) < 0))
				break;
			order[i] = j;
		}
		order[i] = u;
		n++;
	}
	memset(l, 0, sizeof(*l));
	for (i = 0; i < n; i++)
		collect(l, m_user[order[i]]);
}

static void
m_expect(int step, const char *what, int got, int want)
{
	if (got != want)
		fail_msg("step %d (%s): %s: got %s, want %s", step, m_op, what,
		    rc_name(got), rc_name(want));
}

static void
m_expect_names(int step, const char *what, const struct names *got,
    const struct names *want)
{
	char a[512], b[512];
	int i;

	if (got->n == want->n) {
		for (i = 0; i < got->n; i++)
			if (strcmp(got->v[i], want->v[i]) != 0)
				break;
		if (i == got->n)
			return;
	}
	names_fmt(got, a, sizeof(a));
	names_fmt(want, b, sizeof(b));
	fail_msg("step %d (%s): %s: [%s], want [%s]", step, m_op, what, a, b);
}

/*
 * store_groups_gen(): the same while nothing is written, and never the
 * same across a change of the list (a caller keeps its reply by it).
 */
static void
m_check_gen(struct store *s, const struct names *want, int step)
{
	static char last[4096];
	static uint64_t last_gen;
	char now[4096];
	uint64_t gen = store_groups_gen(s);

	names_fmt(want, now, sizeof(now));
	if (gen == 0 || store_groups_gen(s) != gen)
		fail_msg("step %d (%s): store_groups_gen %llu, then %llu", step,
		    m_op, (unsigned long long)gen,
		    (unsigned long long)store_groups_gen(s));
	if (step > 0 && strcmp(now, last) != 0 && gen == last_gen)
		fail_msg("step %d (%s): the list changed, its gen (%llu) did "
		    "not", step, m_op, (unsigned long long)gen);
	memcpy(last, now, sizeof(last));
	last_gen = gen;
}

static void
m_check(struct store *s, const struct mgroup *m, int step)
{
	struct names got, want;
	const char *sorted[M_GROUPS];
	char owner[ID_MAX + 1], what[96];
	int gi, u, n, i, j, other;

	/* The listing: existing groups, sorted. */
	for (n = 0, gi = 0; gi < M_GROUPS; gi++) {
		if (!m[gi].exists)
			continue;
		/* Insertion sort: sorted[0..n) is set before it is read. */
		/* cppcheck-suppress uninitvar */
		for (i = n; i > 0 && strcmp(sorted[i - 1],
		    m_group[gi]) > 0; i--)
			sorted[i] = sorted[i - 1];
		sorted[i] = m_group[gi];
		n++;
	}
	memset(&want, 0, sizeof(want));
	for (i = 0; i < n; i++)
		collect(&want, sorted[i]);
	memset(&got, 0, sizeof(got));
	m_expect(step, "store_groups", store_groups(s, collect, &got), ST_OK);
	m_expect_names(step, "store_groups", &got, &want);
	m_check_gen(s, &want, step);

	for (gi = 0; gi < M_GROUPS; gi++) {
		const struct mgroup *g = &m[gi];
		const char *gn = m_group[gi];

		snprintf(what, sizeof(what), "owner of %s", gn);
		m_expect(step, what, store_group_owner(s, gn, owner),
		    g->exists ? ST_OK : ST_NO_GROUP);
		if (g->exists && strcmp(owner, m_user[g->owner]) != 0)
			fail_msg("step %d (%s): owner of %s is %s, want %s",
			    step, m_op, gn, owner, m_user[g->owner]);
		for (u = 0; u < M_USERS; u++) {
			snprintf(what, sizeof(what), "is %s a member of %s",
			    m_user[u], gn);
			m_expect(step, what, store_is_member(s, gn, m_user[u]),
			    !g->exists ? ST_NO_GROUP : m_find(g, u) != -1 ?
			    ST_OK : ST_NOT_MEMBER);
		}
		memset(&got, 0, sizeof(got));
		if (!g->exists) {
			snprintf(what, sizeof(what), "requests of %s", gn);
			m_expect(step, what, store_group_requests(s, gn,
			    m_user[0], collect, &got), ST_NO_GROUP);
			continue;
		}
		snprintf(what, sizeof(what), "requests of %s for %s", gn,
		    m_user[g->owner]);
		m_expect(step, what, store_group_requests(s, gn,
		    m_user[g->owner], collect, &got), ST_OK);
		m_requests(g, &want);
		m_expect_names(step, what, &got, &want);
		/* Anybody else is refused and given nothing. */
		other = (g->owner + 1 + step % (M_USERS - 1)) % M_USERS;
		memset(&got, 0, sizeof(got));
		snprintf(what, sizeof(what), "requests of %s for %s", gn,
		    m_user[other]);
		m_expect(step, what, store_group_requests(s, gn,
		    m_user[other], collect, &got), ST_NOT_OWNER);
		assert_int_equal(got.n, 0);
		/* The owner is a member; nobody both requests and belongs. */
		if (m_find(g, g->owner) == -1)
			fail_msg("model: owner not a member");
		for (j = 0; j < g->nmember; j++)
			if (g->requested[g->member[j]])
				fail_msg("model: member with a request");
	}
}

/* A user with a pending request in g, or any user. */
static int
m_pick_requester(const struct mgroup *g)
{
	int c[M_USERS], n = 0, u;

	for (u = 0; u < M_USERS; u++)
		if (g->exists && g->requested[u])
			c[n++] = u;
	if (n > 0 && rng_below(4) != 0)
		return c[rng_below((uint32_t)n)];
	return (int)rng_below(M_USERS);
}

static void
test_model_random(void **state)
{
	enum { OP_CREATE, OP_JOIN, OP_ACCEPT, OP_REJECT, OP_LEAVE, OP_N };
	static const char *const opname[OP_N] = {
		"create", "join", "accept", "reject", "leave"
	};
	struct store *s = *state;
	struct mgroup m[M_GROUPS];
	int ok[OP_N], tried[OP_N], handovers = 0, deletes = 0;
	int step, op, gi, u, o, r, want, event;
	int64_t now;
	uint32_t p;

	memset(m, 0, sizeof(m));
	memset(ok, 0, sizeof(ok));
	memset(tried, 0, sizeof(tried));
	rng_seed(M_SEED);
	for (u = 0; u < M_USERS; u++)
		add_user(s, m_user[u]);
	snprintf(m_op, sizeof(m_op), "start");
	m_check(s, m, 0);

	for (step = 1; step <= M_STEPS; step++) {
		struct mgroup *g;

		gi = (int)rng_below(M_GROUPS);
		g = &m[gi];
		/* A small range: many equal times, many steps back. */
		now = (int64_t)rng_below(64) - 8;
		p = rng_below(100);
		op = p < 6 ? OP_CREATE : p < 40 ? OP_JOIN : p < 72 ?
		    OP_ACCEPT : p < 80 ? OP_REJECT : OP_LEAVE;
		tried[op]++;
		event = 0;
		switch (op) {
		case OP_CREATE:
			u = (int)rng_below(M_USERS);
			snprintf(m_op, sizeof(m_op), "create %s by %s at %lld",
			    m_group[gi], m_user[u], (long long)now);
			want = m_create(g, u);
			r = store_group_create(s, m_group[gi], m_user[u]);
			break;
		case OP_JOIN:
			u = (int)rng_below(M_USERS);
			snprintf(m_op, sizeof(m_op), "join %s by %s at %lld",
			    m_group[gi], m_user[u], (long long)now);
			want = m_join(g, u, now);
			r = store_group_join(s, m_group[gi], m_user[u]);
			break;
		case OP_ACCEPT:
		case OP_REJECT:
			o = g->exists && rng_below(6) != 0 ? g->owner :
			    (int)rng_below(M_USERS);
			u = m_pick_requester(g);
			snprintf(m_op, sizeof(m_op),
			    "%s %s in %s by %s at %lld", opname[op], m_user[u],
			    m_group[gi], m_user[o], (long long)now);
			want = m_decide(g, o, u, op == OP_ACCEPT);
			r = op == OP_ACCEPT ?
			    store_group_accept(s, m_group[gi], m_user[o],
			    m_user[u]) :
			    store_group_reject(s, m_group[gi], m_user[o],
			    m_user[u]);
			break;
		default:
			u = g->nmember > 0 && rng_below(3) != 0 ?
			    g->member[rng_below((uint32_t)g->nmember)] :
			    (int)rng_below(M_USERS);
			snprintf(m_op, sizeof(m_op), "leave %s by %s%s",
			    m_group[gi], m_user[u], g->exists &&
			    g->owner == u ? " (owner)" : "");
			want = m_leave(g, u, &event);
			r = store_group_leave(s, m_group[gi], m_user[u]);
			break;
		}
		m_expect(step, "result", r, want);
		if (r == ST_OK)
			ok[op]++;
		handovers += event == 1;
		deletes += event == 2;
		m_check(s, m, step);
	}

	/* The run must have exercised every path, not just refusals. */
	for (op = 0; op < OP_N; op++) {
		if (ok[op] < 10 || ok[op] == tried[op])
			fail_msg("%s: %d of %d succeeded", opname[op], ok[op],
			    tried[op]);
	}
	if (handovers < 10 || deletes < 10)
		fail_msg("only %d handovers and %d deletions", handovers,
		    deletes);
	print_message("[          ] %d steps: create %d/%d join %d/%d "
	    "accept %d/%d reject %d/%d leave %d/%d, %d handovers, "
	    "%d deletions\n", M_STEPS, ok[OP_CREATE], tried[OP_CREATE],
	    ok[OP_JOIN], tried[OP_JOIN], ok[OP_ACCEPT], tried[OP_ACCEPT],
	    ok[OP_REJECT], tried[OP_REJECT], ok[OP_LEAVE], tried[OP_LEAVE],
	    handovers, deletes);
}

#define MEM(f)	\
	cmocka_unit_test_setup_teardown(f, setup_mem, teardown_mem)
#define FILE_(f) \
	cmocka_unit_test_setup_teardown(f, setup_file, teardown_file)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		MEM(test_user_create_and_cred),
		MEM(test_user_duplicate),
		MEM(test_user_cred_iter_range),
		MEM(test_session_add_lookup_del),
		MEM(test_session_unknown),
		MEM(test_session_long_user),
		MEM(test_group_create),
		MEM(test_group_create_duplicate),
		MEM(test_group_create_no_user),
		MEM(test_join_request),
		MEM(test_accept),
		MEM(test_reject),
		MEM(test_requests_order_and_owner_only),
		MEM(test_groups_sorted),
		MEM(test_leave_refusals),
		MEM(test_leave_member_keeps_owner),
		MEM(test_handover_in_join_order),
		MEM(test_handover_equal_now),
		MEM(test_handover_backwards_now),
		MEM(test_handover_rejoin),
		MEM(test_last_member_deletes_group),
		MEM(test_sole_owner_leaves),
		MEM(test_is_member),
		MEM(test_update_versions),
		MEM(test_shares_pages),
		FILE_(test_persistence),
		FILE_(test_batch_commit),
		FILE_(test_since_strictly_increasing),
		FILE_(test_handover_tie_by_name),
		FILE_(test_schema_version_written),
		FILE_(test_schema_version_newer),
		FILE_(test_schema_version_newer_keeps_data),
		FILE_(test_open_bad_path),
		MEM(test_model_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
