/*
 * store_state.c - the replicated state and its merge rules.
 *
 * Every mutation, made here or on another tracker, reaches the tables
 * through state_apply_logged(): the op is applied by the same function
 * whichever tracker made it, logged, and its origin's high-water mark
 * advanced, in the caller's transaction.  The functions below are the
 * merge rules of each table, written as joins of a lattice so that every
 * tracker converges whatever order ops arrive in: users and groups carry
 * the stamp of the op that created them (their incarnation), the earliest
 * creation wins a name and the others are recorded as lost, one request
 * done on two trackers is one creation (an alias; store_inc.c classes
 * creations), memberships only move forward, shares and serving rows are
 * last-writer-wins by stamp.
 * Snapshot rows (store_oplog.c) merge through the same functions.
 *
 * Owns the rows of the replicated tables and the request keys of recent
 * requests.  Never begins or commits a transaction (its callers do), and
 * never decides whether a local request is allowed (store_rules.c does).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hlc.h"
#include "log.h"
#include "nameidx.h"
#include "rbuf.h"
#include "reqset.h"
#include "store.h"
#define STORE_INTERNAL
#include "store_int.h"
#include "wire.h"
#include "xalloc.h"

/* A request carried out at ms (wall clock): logged, and kept in memory. */
int
state_req_remember(struct store *s, const uint8_t *req, uint64_t at)
{
	uint64_t k = reqset_key(req), now = db_now_ms();
	sqlite3_stmt *q;

	if (reqset_has(&s->reqs, k) || (now > REQ_KEEP_MS &&
	    at < now - REQ_KEEP_MS))
		return 0;	/* known, or too old to be retried */
	q = db_stmt(s, S_REQ_LOG_ADD);
	db_bind_int(q, ":at", (int64_t)at);
	db_bind_blob(q, ":req", req, 32);
	if (db_exec(s, q) == -1)
		return -1;
	reqset_add(&s->reqs, k, at);
	return 0;
}

int
state_grp_user_exists(struct store *s, enum stmt i, const char *group,
    const char *user)
{
	sqlite3_stmt *q = db_stmt(s, i);

	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":user", user);
	return db_exists(s, q);
}

/* (born, origin) of a user or group row: 1, 0 if none, -1. */
static int
born_of(struct store *s, enum stmt i, const char *param, const char *name,
    uint64_t *born, uint32_t *origin)
{
	sqlite3_stmt *q = db_stmt(s, i);
	int r;

	db_bind_text(q, param, name);
	if ((r = db_row(s, q)) != 1)
		return r;
	*born = (uint64_t)sqlite3_column_int64(q, 0);
	*origin = (uint32_t)sqlite3_column_int64(q, 1);
	sqlite3_reset(q);
	return 1;
}

int
state_user_born(struct store *s, const char *user, uint64_t *born,
    uint32_t *origin)
{
	return born_of(s, S_USER_BORN, ":user", user, born, origin);
}

int
state_group_born(struct store *s, const char *group, uint64_t *born,
    uint32_t *origin)
{
	return born_of(s, S_GROUP_BORN, ":grp", group, born, origin);
}

/* Is the group row the incarnation (born, origin)?  1, 0, -1. */
int
state_group_is(struct store *s, const char *group, uint64_t born,
    uint32_t origin)
{
	uint64_t b;
	uint32_t o;
	int r;

	if ((r = state_group_born(s, group, &b, &o)) != 1)
		return r;
	if (b == born && o == origin)
		return 1;
	return state_is_alias(s, "group", group, born, origin);
}

/* state_group_is() for the group an op or row names in its first fields. */
int
state_group_of(struct store *s, const struct wire_msg *m)
{
	return state_group_is(s, m->f[G_NAME].s, m->f[G_BORN].u,
	    (uint32_t)m->f[G_ORIGIN].u);
}

/*
 * Owner (earliest member) of a group into owner (may be NULL): ST_OK, or
 * ST_NO_GROUP for a group with no member (gone) or none at all.
 */
int
state_group_owner(struct store *s, const char *group, char *owner)
{
	sqlite3_stmt *q = db_stmt(s, S_GROUP_OWNER);
	int r;

	db_bind_text(q, ":grp", group);
	if ((r = db_row(s, q)) != 1)
		return r == 0 ? ST_NO_GROUP : ST_ERR;
	if (owner != NULL)
		snprintf(owner, ID_MAX + 1, "%s",
		    (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	return ST_OK;
}

int
state_is_member(struct store *s, const char *group, const char *user)
{
	return state_grp_user_exists(s, S_MEMBER_GET, group, user);
}

/*
 * Applying ops.  Each function below applies one op type to the tables,
 * the same way on the tracker that accepted the request and on every
 * other one, whatever order ops from different trackers arrive in:
 *   - creations (users, groups, files with content) that collide keep
 *     the earliest by (stamp, origin); the loser is recorded in `lost`,
 *     and a losing account's sessions end with a message for the user;
 *   - ops about a group carry its incarnation and are dropped if the
 *     group there is another one (the winner of a collision);
 *   - memberships and requests only move forward: an accept makes a
 *     member even if a reject of the same request came first; a join is
 *     dropped by a group that has emptied meanwhile.
 * Return 0, -1 on an SQL error, -2 for a malformed op.
 */

/* What the user of a session of a losing account is told. */
void
state_lost_why(char *why, size_t len, const char *user)
{
	snprintf(why, len, "the account %s was also created on another "
	    "tracker at the same time, and that one was kept; create an "
	    "account under another name", user);
}

/*
 * Creations of user that had lost became aliases of its row: their
 * sessions that ended by the loss live again (session_dead kept them).
 */
static int
user_flipped(struct store *s, const char *user)
{
	s->inc_flipped = 0;
	return state_sessions_revive(s, user);
}

int
state_apply_user(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	const char *user = m->f[USER_NAME].s;
	sqlite3_stmt *q;
	int r;

	if (m->f[USER_SALT].n != STORE_SALT_LEN ||
	    m->f[USER_HASH].n != STORE_HASH_LEN)
		return -2;
	r = state_inc_merge(s, "user", user, c->hlc, c->origin, c->req,
	    c->reqlen, 1);
	if (r == INC_SAME && s->inc_flipped)
		return user_flipped(s, user);
	if (r == -1 || r == INC_LOST || r == INC_SAME)
		return r == -1 ? -1 : 0;
	if (r == INC_WINS) {
		/* Ours is earlier: the account here was the loser. */
		q = db_stmt(s, S_SESS_KILL_USER);
		db_bind_text(q, ":user", user);
		if (db_exec(s, q) == -1)
			return -1;
		q = db_stmt(s, S_SESS_DEL_USER);
		db_bind_text(q, ":user", user);
		if (db_exec(s, q) == -1)
			return -1;
	}
	/* INC_EARLIER: the earlier copy of one creation is its row. */
	q = db_stmt(s, r == INC_NEW ? S_USER_INSERT : S_USER_REPLACE);
	state_bind_req(q, c->req, c->reqlen);
	db_bind_text(q, ":user", user);
	db_bind_blob(q, ":salt", m->f[USER_SALT].p, STORE_SALT_LEN);
	db_bind_blob(q, ":hash", m->f[USER_HASH].p, STORE_HASH_LEN);
	db_bind_int(q, ":iter", (int64_t)m->f[USER_ITER].u);
	db_bind_int(q, ":born", (int64_t)c->hlc);
	db_bind_int(q, ":origin", c->origin);
	if (db_exec(s, q) == -1)
		return -1;
	return s->inc_flipped ? user_flipped(s, user) : 0;
}

int
state_apply_session(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	const uint8_t *key = m->f[SESS_KEY].p;
	const char *user = m->f[SESS_USER].s;
	sqlite3_stmt *q;
	uint64_t born = 0;
	uint32_t origin = 0;
	int r, dead;

	(void)c;
	if (m->f[SESS_KEY].n != 32)
		return -2;
	/* OP_LOGIN and snapshot rows carry the client's key, OP_SESSION not. */
	if (m->h.type != WT_OP_SESSION && (m->f[SESS_FP].n != 32 ||
	    m->f[SESS_TKEY].n != 32))
		return -2;
	if ((dead = state_dead_state(s, key)) == -1 || dead == 1)
		return dead == -1 ? -1 : 0;
	if ((r = state_user_born(s, user, &born, &origin)) == -1)
		return -1;
	if (r == 1 &&
	    (born != m->f[SESS_UBORN].u || origin != m->f[SESS_UORIGIN].u) &&
	    (r = state_is_alias(s, "user", user, m->f[SESS_UBORN].u,
	    (uint32_t)m->f[SESS_UORIGIN].u)) == -1)
		return -1;
	if (r == 0)
		return state_dead_add(s, m, 1);
	q = db_stmt(s, S_SESS_INSERT);
	db_bind_blob(q, ":key", key, 32);
	db_bind_text(q, ":user", user);
	db_bind_text(q, ":peer", m->f[SESS_PEER].s);
	/* The incarnation the op names (the row's, or an alias of it). */
	db_bind_int(q, ":born", (int64_t)m->f[SESS_UBORN].u);
	db_bind_int(q, ":origin", (uint32_t)m->f[SESS_UORIGIN].u);
	if (m->h.type != WT_OP_SESSION) {
		db_bind_blob(q, ":fp", m->f[SESS_FP].p, 32);
		db_bind_blob(q, ":tkey", m->f[SESS_TKEY].p, 32);
	}
	if (db_exec(s, q) == -1)
		return -1;
	/* Ended by a loss its account's creation won after all. */
	if (dead == 2 && state_sessions_revive(s, user) == -1)
		return -1;
	return db_seen(s, key);		/* its idle clock starts here */
}

static int
apply_logout(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	sqlite3_stmt *q;

	(void)c;
	if (m->f[LOGOUT_KEY].n != 32)
		return -2;
	q = db_stmt(s, S_DEAD_MOVE);
	db_bind_blob(q, ":key", m->f[LOGOUT_KEY].p, 32);
	if (db_exec(s, q) == -1)
		return -1;
	/* Ended by a loss before: logged out now, for good. */
	q = db_stmt(s, S_DEAD_LOGOUT);
	db_bind_blob(q, ":key", m->f[LOGOUT_KEY].p, 32);
	if (db_exec(s, q) == -1)
		return -1;
	q = db_stmt(s, S_SEEN_DROP);
	db_bind_blob(q, ":key", m->f[LOGOUT_KEY].p, 32);
	if (db_exec(s, q) == -1)
		return -1;
	q = db_stmt(s, S_SESS_DEL);
	db_bind_blob(q, ":key", m->f[LOGOUT_KEY].p, 32);
	return db_exec(s, q);
}

struct mkey {
	uint32_t	epoch, state;
	uint64_t	stamp;
	uint32_t	origin;
};

static int
mkey_cmp(const struct mkey *a, const struct mkey *b)
{
	if (a->epoch != b->epoch)
		return a->epoch < b->epoch ? -1 : 1;
	if (a->state != b->state)
		return a->state < b->state ? -1 : 1;
	/* The same step twice (two trackers accepted one request, say):
	   the earlier one counts, so "accepted earliest" means that. */
	return hlc_cmp(b->stamp, b->origin, a->stamp, a->origin);
}

/* Where user stands in group: 1 (k filled), 0 never asked, -1. */
static int
mem_get(struct store *s, const char *group, const char *user,
    struct mkey *k)
{
	sqlite3_stmt *q = db_stmt(s, S_MEM_GET);
	int r;

	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":user", user);
	if ((r = db_row(s, q)) != 1) {
		memset(k, 0, sizeof(*k));
		return r;
	}
	k->epoch = (uint32_t)sqlite3_column_int64(q, 0);
	k->state = (uint32_t)sqlite3_column_int64(q, 1);
	k->stamp = (uint64_t)sqlite3_column_int64(q, 2);
	k->origin = (uint32_t)sqlite3_column_int64(q, 3);
	sqlite3_reset(q);
	return 1;
}

/*
 * Merge (epoch, state) stamped c into user's row: it replaces the row
 * only if it is higher.  1 if it did, 0 if not, -1.
 */
static int
mem_merge(struct store *s, const char *group, const char *user,
    uint32_t epoch, uint32_t state, const struct opctx *c)
{
	struct mkey cur, k = { epoch, state, c->hlc, c->origin };
	sqlite3_stmt *q;
	int r;

	if ((r = mem_get(s, group, user, &cur)) == -1)
		return -1;
	if (r == 1 && mkey_cmp(&k, &cur) <= 0)
		return 0;
	q = db_stmt(s, S_MEM_PUT);
	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":user", user);
	db_bind_int(q, ":epoch", epoch);
	db_bind_int(q, ":state", state);
	db_bind_int(q, ":stamp", (int64_t)c->hlc);
	db_bind_int(q, ":origin", c->origin);
	return db_exec(s, q) == -1 ? -1 : 1;
}

/* The epoch an op of the given state about user belongs to. */
int
state_mem_epoch(struct store *s, const char *group, const char *user,
    uint32_t state, uint32_t *epoch)
{
	struct mkey cur;
	int r;

	if ((r = mem_get(s, group, user, &cur)) == -1)
		return -1;
	*epoch = r == 0 ? 1 : cur.epoch;
	/*
	 * Asking (the tracker refuses it while a request is pending), and
	 * becoming a member by creating the group, start a new round;
	 * accepting, refusing and leaving close the current one.
	 */
	if (r == 1 && state == M_ASKED)
		(*epoch)++;
	if (r == 1 && state == M_MEMBER && cur.state != M_ASKED)
		(*epoch)++;
	return 0;
}

/* The group's row is written: its aliases' ops and creations count. */
static int
group_revived(struct store *s, const char *group)
{
	if (state_group_revive_aliases(s, group) == -1)
		return -1;
	return s->inc_flipped ? state_replay(s, group) : 0;
}

/*
 * Merge the incarnation (inc, inco) of group, (re)created at stamp
 * revived, into its row (store_inc.c says which creation is the row).
 * c's request key is the creation's only if c is the creation (a group
 * made again after it emptied names the incarnation it revives).  1 if
 * inc is now the group's incarnation or an alias of it, 0 if it lost,
 * -1.
 */
int
state_group_merge(struct store *s, const char *group, uint64_t inc,
    uint32_t inco, uint64_t revived, const struct opctx *c)
{
	size_t reqlen = c->hlc == inc && c->origin == inco ? c->reqlen : 0;
	sqlite3_stmt *q;
	int r;

	r = state_inc_merge(s, "group", group, inc, inco, c->req, reqlen, 1);
	if (r == -1 || r == INC_LOST)
		return r == -1 ? -1 : 0;
	if (r == INC_WINS) {
		q = db_stmt(s, S_GROUP_DELETE);	/* cascades to its rows */
		db_bind_text(q, ":grp", group);
		if (db_exec(s, q) == -1)
			return -1;
	}
	if (r == INC_WINS || r == INC_NEW) {
		q = db_stmt(s, S_GROUP_INSERT);
		state_bind_req(q, c->req, reqlen);
		db_bind_text(q, ":grp", group);
		db_bind_int(q, ":born", (int64_t)inc);
		db_bind_int(q, ":origin", inco);
		db_bind_int(q, ":revived", (int64_t)revived);
		return db_exec(s, q) == -1 ||
		    group_revived(s, group) == -1 ? -1 : 1;
	}
	if (r == INC_EARLIER) {
		/* The earlier copy of one creation: its row. */
		q = db_stmt(s, S_GROUP_REBORN);
		db_bind_text(q, ":grp", group);
		db_bind_int(q, ":born", (int64_t)inc);
		db_bind_int(q, ":origin", inco);
		if (db_exec(s, q) == -1)
			return -1;
	}
	/* Created again after it emptied: old requests are void. */
	q = db_stmt(s, S_GROUP_REVIVE);
	db_bind_text(q, ":grp", group);
	db_bind_int(q, ":stamp", (int64_t)revived);
	return db_exec(s, q) == -1 ||
	    group_revived(s, group) == -1 ? -1 : 1;
}

static int
apply_group(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	int r;

	r = state_group_merge(s, m->f[GROUP_NAME].s, m->f[GROUP_BORN].u,
	    (uint32_t)m->f[GROUP_ORIGIN].u, c->hlc, c);
	if (r != 1)
		return r;
	r = mem_merge(s, m->f[GROUP_NAME].s, m->f[GROUP_CREATOR].s,
	    (uint32_t)m->f[GROUP_EPOCH].u, M_MEMBER, c);
	return r == -1 ? -1 : 0;
}

/*
 * Ops "iquiu": group, incarnation, user, epoch; merged into the user's
 * row as state.
 */
int
state_apply_member_op(struct store *s, const struct wire_msg *m,
    const struct opctx *c, uint32_t state)
{
	const char *group = m->f[G_NAME].s, *user = m->f[MEM_USER].s;
	int r;

	if ((r = state_group_of(s, m)) != 1)
		return r;
	/* Shares made before a leave stop counting by themselves. */
	return mem_merge(
		   s, group, user, (uint32_t)m->f[MEM_EPOCH].u, state, c) == -1
		   ? -1
		   : 0;
}

static int
apply_join(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	return state_apply_member_op(s, m, c, M_ASKED);
}

static int
apply_accept(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	return state_apply_member_op(s, m, c, M_MEMBER);
}

static int
apply_reject(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	return state_apply_member_op(s, m, c, M_REFUSED);
}

static int
apply_leave(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	return state_apply_member_op(s, m, c, M_LEFT);
}

/*
 * Read a file row; ST_OK (m filled), ST_NO_FILE or ST_ERR.  The piece
 * hashes (up to 5 MiB) are read only if pieces is set; else m->pieces is
 * NULL and m->npieces 0.
 */
static int
file_get(struct store *s, const char *group, const char *name,
    struct file_meta *m, int pieces, uint64_t *born, uint32_t *origin)
{
	sqlite3_stmt *q = db_stmt(s, S_FILE_GET);
	int r;

	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	if ((r = db_row(s, q)) != 1)
		return r == 0 ? ST_NO_FILE : ST_ERR;
	m->size = (uint64_t)sqlite3_column_int64(q, 0);
	if (sqlite3_column_bytes(q, 1) != 20 ||
	    (pieces && sqlite3_column_bytes(q, 2) % 20 != 0)) {
		char esc[256];

		sqlite3_reset(q);
		log_warnx("store: file %s/%s is malformed", group,
		    log_escape(esc, sizeof(esc), name, strlen(name)));
		return ST_ERR;
	}
	memcpy(m->sha1, sqlite3_column_blob(q, 1), 20);
	m->pieces = NULL;
	m->npieces = 0;
	if (pieces) {
		m->npieces = (uint32_t)(sqlite3_column_bytes(q, 2) / 20);
		/* Copied out, so no statement stays open between calls. */
		if (m->npieces > s->npieces_cap) {
			s->pieces = xreallocarray(s->pieces, m->npieces, 20);
			s->npieces_cap = m->npieces;
		}
		if (m->npieces > 0)
			memcpy(s->pieces, sqlite3_column_blob(q, 2),
			    (size_t)m->npieces * 20);
		m->pieces = s->pieces;
	}
	if (born != NULL) {
		*born = (uint64_t)sqlite3_column_int64(q, 3);
		*origin = (uint32_t)sqlite3_column_int64(q, 4);
	}
	sqlite3_reset(q);
	return ST_OK;
}

/* Does anyone share the file?  1, 0, -1. */
static int
file_shared(struct store *s, const char *group, const char *name)
{
	sqlite3_stmt *q = db_stmt(s, S_FILE_SHARED);

	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	return db_exists(s, q);
}

/* A file someone shares: ST_OK, ST_NO_FILE (none, or gone), ST_ERR. */
int
state_live_file(struct store *s, const char *group, const char *name,
    struct file_meta *m, int pieces)
{
	int r;

	if ((r = file_get(s, group, name, m, pieces, NULL, NULL)) != ST_OK)
		return r;
	if ((r = file_shared(s, group, name)) != 1)
		return r == 0 ? ST_NO_FILE : ST_ERR;
	return ST_OK;
}

int
state_share_put(struct store *s, const char *group, const char *name,
    const char *user, int present, const uint8_t *sha1, const char *path,
    int64_t mtime, const struct opctx *c)
{
	sqlite3_stmt *q = db_stmt(s, S_SHARE_PUT);

	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	db_bind_text(q, ":user", user);
	db_bind_int(q, ":present", present);
	db_bind_blob(q, ":sha1", sha1, 20);
	db_bind_text(q, ":path", path);
	db_bind_int(q, ":mtime", mtime);
	db_bind_int(q, ":stamp", (int64_t)c->hlc);
	db_bind_int(q, ":origin", c->origin);
	return db_exec(s, q);
}

int
state_serve_put(struct store *s, const uint8_t *key, const char *group,
    const char *name, int present, const uint8_t *sha1,
    const struct opctx *c)
{
	sqlite3_stmt *q = db_stmt(s, S_SERVE_PUT);

	db_bind_blob(q, ":key", key, 32);
	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	db_bind_int(q, ":present", present);
	db_bind_blob(q, ":sha1", sha1, 20);
	db_bind_int(q, ":stamp", (int64_t)c->hlc);
	db_bind_int(q, ":origin", c->origin);
	return db_exec(s, q);
}

/*
 * The file's content is that of the latest upload by (stamp, origin):
 * the same content moves the stamp up, other content replaces it only
 * if newer.  A maximum, so the order uploads arrive in does not matter.
 * m: "iqusqhH" group, its incarnation, name, size, sha1, piece hashes
 * (an upload or update op, or a file row); the group is checked.  An
 * update also says what its content was made from (the version table).
 */
int
state_file_merge(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	const char *group = m->f[G_NAME].s, *name = m->f[UP_NAME].s;
	struct file_meta cur;
	sqlite3_stmt *q = NULL;
	uint64_t born;
	uint32_t origin;
	int r, same;

	r = file_get(s, group, name, &cur, 0, &born, &origin);
	if (r == ST_ERR)
		return -1;
	same = r == ST_OK && cur.size == m->f[UP_SIZE].u &&
	    memcmp(cur.sha1, m->f[UP_SHA1].p, 20) == 0;
	if (r == ST_NO_FILE)
		q = db_stmt(s, S_FILE_INSERT);
	else if (hlc_cmp(c->hlc, c->origin, born, origin) > 0)
		q = db_stmt(s, same ? S_FILE_BUMP : S_FILE_REPLACE);
	if (q != NULL) {
		db_bind_text(q, ":grp", group);
		db_bind_text(q, ":name", name);
		if (!same) {
			db_bind_int(q, ":size", (int64_t)m->f[UP_SIZE].u);
			db_bind_blob(q, ":sha1", m->f[UP_SHA1].p, 20);
			db_bind_blob(q, ":pieces", m->f[UP_PIECES].p,
			    (int)m->f[UP_PIECES].n * 20);
		}
		db_bind_int(q, ":born", (int64_t)c->hlc);
		db_bind_int(q, ":origin", c->origin);
		if (db_exec(s, q) == -1)
			return -1;
		/* A new row: searches find it from now on (store_search.c). */
		if (r == ST_NO_FILE && s->names != NULL)
			nameidx_add(s->names, group, name);
	}
	if (m->h.type == WT_OP_UPDATE)
		return state_version_put(s, group, name, m->f[UP_SHA1].p,
		    m->f[UP_PARENT].p, c);
	return 0;
}

/*
 * The version table's register for (group, name, sha1): the parent the
 * newest update by (stamp, origin) gave, from an OP_UPDATE or a snapshot's
 * S_R_VERSION row alike, so any order gives the same row.  The group is
 * checked by the caller.
 */
int
state_version_put(struct store *s, const char *group, const char *name,
    const uint8_t *sha1, const uint8_t *parent, const struct opctx *c)
{
	sqlite3_stmt *q = db_stmt(s, S_VERSION_PUT);

	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	db_bind_blob(q, ":sha1", sha1, 20);
	db_bind_blob(q, ":parent", parent, 20);
	db_bind_int(q, ":stamp", (int64_t)c->hlc);
	db_bind_int(q, ":origin", c->origin);
	return db_exec(s, q);
}

static int
apply_upload(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	const char *group = m->f[G_NAME].s, *name = m->f[UP_NAME].s;
	const char *user = m->f[UP_USER].s;
	int r;

	if (m->f[UP_KEY].n != 32 ||
	    !wire_hashes_ok(m->f[UP_SIZE].u, m->f[UP_PIECES].n) ||
	    (m->h.type == WT_OP_UPDATE && m->f[UP_PARENT].n != 20))
		return -2;
	/* No membership test here: shares count only for members anyway. */
	if ((r = state_group_of(s, m)) != 1)
		return r;
	if (state_file_merge(s, m, c) == -1)
		return -1;
	if (state_share_put(s, group, name, user, 1, m->f[UP_SHA1].p,
	    m->f[UP_PATH].s, (int64_t)m->f[UP_MTIME].u, c) == -1)
		return -1;
	return state_serve_put(s, m->f[UP_KEY].p, group, name, 1,
	    m->f[UP_SHA1].p, c);
}

static int
apply_serve(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	int r;

	if (m->f[SERVE_SHA1].n != 20 || m->f[SERVE_KEY].n != 32)
		return -2;
	if ((r = state_group_of(s, m)) != 1)
		return r;
	return state_serve_put(s, m->f[SERVE_KEY].p, m->f[G_NAME].s,
	    m->f[SERVE_NAME].s, 1, m->f[SERVE_SHA1].p, c);
}

static int
apply_stop(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	static const uint8_t none[20];
	const char *group = m->f[G_NAME].s, *name = m->f[STOP_NAME].s;
	int r;

	if (m->f[STOP_KEY].n != 32)
		return -2;
	if ((r = state_group_of(s, m)) != 1)
		return r;
	if (state_share_put(s, group, name, m->f[STOP_USER].s, 0, none, "",
	    0, c) == -1)
		return -1;
	return state_serve_put(s, m->f[STOP_KEY].p, group, name, 0, none, c);
}

typedef int (*apply_fn)(struct store *, const struct wire_msg *,
    const struct opctx *);

static apply_fn
applier(unsigned type)
{
	switch (type) {
	case WT_OP_USER:	return state_apply_user;
	case WT_OP_SESSION:	/* FALLTHROUGH: the same, without keys */
	case WT_OP_LOGIN:	return state_apply_session;
	case WT_OP_LOGOUT:	return apply_logout;
	case WT_OP_GROUP:	return apply_group;
	case WT_OP_JOIN:	return apply_join;
	case WT_OP_ACCEPT:	return apply_accept;
	case WT_OP_REJECT:	return apply_reject;
	case WT_OP_LEAVE:	return apply_leave;
	case WT_OP_UPLOAD:	/* FALLTHROUGH: an update is an upload
				   that may replace the content */
	case WT_OP_UPDATE:	return apply_upload;
	case WT_OP_SERVE:	return apply_serve;
	case WT_OP_STOP:	return apply_stop;
	}
	return NULL;
}

/*
 * The incarnation of group an op is about, if it is about group: 1
 * (born, origin filled), 0 not.
 */
static int
replay_names(const struct wire_msg *m, const char *group, uint64_t *born,
    uint32_t *origin)
{
	unsigned t = m->h.type, n = G_NAME, b = G_BORN, o = G_ORIGIN;

	if (t == WT_OP_USER || t == WT_OP_LOGIN || t == WT_OP_SESSION ||
	    t == WT_OP_LOGOUT)
		return 0;
	if (t == WT_OP_GROUP) {
		n = GROUP_NAME;
		b = GROUP_BORN;
		o = GROUP_ORIGIN;
	}
	*born = m->f[b].u;
	*origin = (uint32_t)m->f[o].u;
	return strcmp(m->f[n].s, group) == 0;
}

/* One logged op again, if it is about an alias of group. */
static int
replay_one(struct store *s, const char *group, const struct wire_msg *m,
    const struct opctx *c)
{
	uint64_t born;
	uint32_t origin;
	int r;

	if (!replay_names(m, group, &born, &origin))
		return 0;
	if ((r = state_is_alias(s, "group", group, born, origin)) != 1)
		return r;
	return applier(m->h.type)(s, m, c) == -1 ? -1 : 0;
}

/*
 * Ops trimmed from the log are not there to apply again: a tracker that
 * trimmed them keeps what it had (README, "Conflicts").
 */
static int
replay_log(struct store *s, const char *group)
{
	sqlite3_stmt *q = db_stmt(s, S_LOG_REPLAY);
	struct wire_hdr h;
	struct wire_msg m;
	struct opctx c;
	const char *why;
	int r;

	while ((r = db_row(s, q)) == 1) {
		const uint8_t *op = sqlite3_column_blob(q, 3);
		size_t oplen = (size_t)sqlite3_column_bytes(q, 3);

		c = (struct opctx){ (uint64_t)sqlite3_column_int64(q, 1),
		    (uint32_t)sqlite3_column_int64(q, 0),
		    sqlite3_column_blob(q, 2),
		    (size_t)sqlite3_column_bytes(q, 2) };
		/* Logged after it was applied once: well formed. */
		if (wire_frame(op, oplen, &h, &why) != WIRE_OK ||
		    applier(h.type) == NULL ||
		    wire_decode(&h, op + WIRE_HDR, &m, &why) == -1)
			continue;
		if (replay_one(s, group, &m, &c) == -1) {
			sqlite3_reset(q);
			return -1;
		}
	}
	return r;
}

int
state_replay(struct store *s, const char *group)
{
	int rounds = 0;

	/* Not from inside itself (one log scan at a time): again after. */
	if (s->replaying)
		return 0;
	s->replaying = 1;
	while (s->inc_flipped && rounds++ < 4) {
		s->inc_flipped = 0;
		if (replay_log(s, group) == -1) {
			s->replaying = 0;
			return -1;
		}
	}
	s->replaying = 0;
	return 0;
}

/*
 * Apply op (a whole frame) as (origin, seq, hlc), log it, advance the
 * origin's high-water mark, remember its request: inside the caller's
 * transaction.  ST_OK, ST_BAD_OP or ST_ERR.
 */
#ifdef P2PS_MUTANT_DROP_GROUP
static int
mutant_nothing(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	(void)s;
	(void)m;
	(void)c;
	return 0;
}
#endif

int
state_apply_logged(struct store *s, uint32_t origin, uint64_t seq, uint64_t hlc,
    const uint8_t *req, size_t reqlen, const uint8_t *op, size_t oplen)
{
	struct opctx c = { hlc, origin, req, reqlen };
	struct wire_hdr h;
	struct wire_msg m;
	const char *why = NULL;
	sqlite3_stmt *q;
	apply_fn fn;
	int r;

	if (wire_frame(op, oplen, &h, &why) != WIRE_OK ||
	    WIRE_HDR + (size_t)h.len != oplen ||
	    (fn = applier(h.type)) == NULL ||
	    wire_decode(&h, op + WIRE_HDR, &m, &why) == -1) {
		log_warnx("store: malformed op %u:%llu: %s", origin,
		    (unsigned long long)seq, why ? why : "not an op");
		return ST_BAD_OP;
	}
#ifdef P2PS_MUTANT_DROP_GROUP
	/*
	 * A planted bug, only in build/asan/bin/tracker-mutant (Makefile):
	 * the Nth group creation from another tracker is logged and counted
	 * as applied but changes nothing.  The nemesis checker must catch it
	 * (tests/netlab/t_lab_nemesis.sh).
	 */
	static unsigned mutant_seen;

	if (h.type == WT_OP_GROUP && origin != s->origin &&
	    ++mutant_seen == P2PS_MUTANT_DROP_GROUP) {
		log_warnx("store: MUTANT: group op %u:%llu dropped", origin,
		    (unsigned long long)seq);
		fn = mutant_nothing;
	}
#endif
	if ((r = fn(s, &m, &c)) != 0) {
		if (r == -2)
			log_warnx("store: malformed %s op %u:%llu",
			    wire_type_name(h.type), origin,
			    (unsigned long long)seq);
		return r == -2 ? ST_BAD_OP : ST_ERR;
	}
	q = db_stmt(s, S_LOG_INSERT);
	db_bind_int(q, ":lseq", (int64_t)s->lseq + 1);
	db_bind_int(q, ":origin", origin);
	db_bind_int(q, ":seq", (int64_t)seq);
	db_bind_int(q, ":hlc", (int64_t)hlc);
	if (reqlen > 0)
		db_bind_blob(q, ":req", req, (int)reqlen);
	db_bind_blob(q, ":op", op, (int)oplen);
	if (db_exec(s, q) == -1)
		return ST_ERR;
	s->lseq++;
	q = db_stmt(s, S_HWM_SET);
	db_bind_int(q, ":origin", origin);
	db_bind_int(q, ":seq", (int64_t)seq);
	db_bind_int(q, ":hlc", (int64_t)hlc);
	if (db_exec(s, q) == -1)
		return ST_ERR;
	if (reqlen > 0 && state_req_remember(s, req, HLC_MS(hlc)) == -1)
		return ST_ERR;
	s->applied++;
	return ST_OK;
}

int
state_member_check(struct store *s, const char *group, const char *user)
{
	int r;

	if ((r = state_group_owner(s, group, NULL)) != ST_OK)
		return r;
	if ((r = state_is_member(s, group, user)) == -1)
		return ST_ERR;
	return r == 1 ? ST_OK : ST_NOT_MEMBER;
}
