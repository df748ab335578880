/*
 * store_rules.c - local requests: check the product's rules, then make an
 * op and apply it as any op is applied.
 *
 * Each store_* mutation here runs in one transaction (db_begin): it reads
 * what the rule needs (is the user a member, the owner, is the name
 * free), refuses with an ST_* code, or encodes an op stamped with this
 * tracker's origin, next sequence number and hybrid logical clock, and
 * hands it to state_apply_logged().  So a rule holds whichever tracker a
 * request reaches, and the op that carries its effect to the others is
 * the one that made it here.
 *
 * Owns the op being built (struct store's opbuf) and this tracker's
 * sequence.  Never writes a table directly: only through the state_*
 * merge functions, so that local and remote mutations cannot differ.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hlc.h"
#include "log.h"
#include "rbuf.h"
#include "reqset.h"
#include "store.h"
#define STORE_INTERNAL
#include "store_int.h"
#include "wire.h"
#include "xalloc.h"

/* Ops made here: stamp, encode into opbuf, apply and log. */

static uint64_t
op_stamp(struct store *s)
{
	uint64_t wall = db_wall_ms(), cluster = db_cluster_ms();

	/* Never far ahead of the cluster's clock (store_cluster_clock()). */
	if (cluster != 0 && wall > cluster + STORE_CLOCK_SLACK_MS)
		wall = cluster + STORE_CLOCK_SLACK_MS;
	return hlc_now(&s->clock, wall);
}

static void
op_begin(struct store *s, struct wire_enc *e, unsigned type)
{
	buf_reset(&s->opbuf);
	wire_begin(e, &s->opbuf, type, 0);
}

/* Finish the op and apply it here, stamped hlc (from op_stamp()). */
static int
op_local(struct store *s, struct wire_enc *e, uint64_t hlc)
{
	int rc;

	if (wire_end(e) == -1)
		return ST_ERR;
	rc = state_apply_logged(s, s->origin, s->seq + 1, hlc, s->req,
	    s->req != NULL ? 32 : 0, buf_head(&s->opbuf),
	    buf_used(&s->opbuf));
	if (rc == ST_OK)
		s->seq++;
	return rc == ST_OK ? ST_OK : ST_ERR;
}

/* Commit after op_local(); a failed commit takes the sequence back. */
static int
commit_op(struct store *s, int rc)
{
	rc = db_commit(s, rc);
	if (rc == ST_ERR)
		s->seq = db_hwm(s, s->origin);
	return rc;
}

void
store_set_request(struct store *s, const uint8_t *req)
{
	s->req = req;
}

int
store_request_done(struct store *s, const uint8_t req[32])
{
	return reqset_has(&s->reqs, reqset_key(req));
}

/*
 * A count of statement i for user, which stops at max: 1 if it reached
 * max, 0 if not, -1 on error.
 */
static int
quota_reached(struct store *s, enum stmt i, const char *user, uint32_t max)
{
	sqlite3_stmt *q = db_stmt(s, i);
	int64_t n;

	db_bind_text(q, ":user", user);
	db_bind_int(q, ":n", max);
	if (db_row(s, q) != 1)
		return -1;
	n = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return n >= (int64_t)max;
}

/* ST_OK, the quota's refusal rc, or ST_ERR. */
static int
quota_check(struct store *s, enum stmt i, const char *user, uint32_t max,
    int rc)
{
	int r;

	if (max == 0 || (r = quota_reached(s, i, user, max)) == 0)
		return ST_OK;
	return r == 1 ? rc : ST_ERR;
}

/*
 * Would sharing name in group be one file too many for user?  Not if
 * the user shares it already; not if all the user's share rows, live or
 * not, are fewer than the quota (index only); else the live ones count.
 */
static int
quota_files(struct store *s, const char *user, const char *group,
    const char *name)
{
	uint32_t max = s->quota.files;
	sqlite3_stmt *q;
	int r;

	if (max == 0)
		return ST_OK;
	if ((r = quota_reached(s, S_QUOTA_SHARE_ROWS, user, max)) != 1)
		return r == 0 ? ST_OK : ST_ERR;
	q = db_stmt(s, S_QUOTA_SHARES_THIS);
	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	db_bind_text(q, ":user", user);
	if ((r = db_exists(s, q)) == -1)
		return ST_ERR;
	if (r == 1)
		return ST_OK;
	return quota_check(s, S_QUOTA_SHARES, user, max, ST_QUOTA_FILES);
}

void
store_set_quota(struct store *s, const struct store_quota *q)
{
	s->quota = *q;
}

void
store_readonly(struct store *s, int on)
{
	s->readonly = on;
}

/* Users and sessions. */

int
store_user_create(struct store *s, const char *user,
    const struct user_cred *c)
{
	struct wire_enc e;
	uint64_t born;
	uint32_t origin;
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = state_user_born(s, user, &born, &origin)) != 0)
		return db_rollback(s, r == 1 ? ST_USER_EXISTS : ST_ERR);
	op_begin(s, &e, WT_OP_USER);
	wire_put_id(&e, user);
	wire_put_blob(&e, c->salt, STORE_SALT_LEN);
	wire_put_blob(&e, c->hash, STORE_HASH_LEN);
	wire_put_u32(&e, c->iter);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_session_add(struct store *s, const uint8_t key[32], const char *user,
    const char *peer, const uint8_t fp[32], const uint8_t tkey[32])
{
	struct wire_enc e;
	uint64_t born;
	uint32_t origin;
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = state_user_born(s, user, &born, &origin)) != 1)
		return db_rollback(s, r == 0 ? ST_NO_USER : ST_ERR);
	if ((r = db_blob_exists(s, S_DEAD_GET, ":key", key)) != 0)
		return db_rollback(s, r == 1 ? ST_SESSION_ENDED : ST_ERR);
	/* A key is one session's, once: 128 random bits never repeat. */
	if (db_blob_exists(s, S_SESS_GET, ":key", key) != 0) {
		log_warnx("store: session key used twice");
		return db_rollback(s, ST_ERR);
	}
	op_begin(s, &e, WT_OP_LOGIN);
	wire_put_blob(&e, key, 32);
	wire_put_id(&e, user);
	wire_put_u64(&e, born);
	wire_put_u32(&e, origin);
	wire_put_str(&e, peer);
	wire_put_blob(&e, fp, 32);
	wire_put_blob(&e, tkey, 32);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_session_del(struct store *s, const uint8_t key[32])
{
	struct wire_enc e;
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = db_blob_exists(s, S_SESS_GET, ":key", key)) != 1)
		return db_rollback(s, r == 0 ? ST_NO_SESSION : ST_ERR);
	op_begin(s, &e, WT_OP_LOGOUT);
	wire_put_blob(&e, key, 32);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

/* Groups. */

static int
has_request(struct store *s, const char *group, const char *user)
{
	return state_grp_user_exists(s, S_REQ_GET, group, user);
}

/* An op "iquiu" about group (its current incarnation) and user. */
static int
group_op(struct store *s, unsigned type, uint32_t state, const char *group,
    const char *user)
{
	struct wire_enc e;
	uint64_t born;
	uint32_t origin, epoch;

	if (state_group_born(s, group, &born, &origin) != 1 ||
	    state_mem_epoch(s, group, user, state, &epoch) == -1)
		return ST_ERR;
	op_begin(s, &e, type);
	wire_put_id(&e, group);
	wire_put_u64(&e, born);
	wire_put_u32(&e, origin);
	wire_put_id(&e, user);
	wire_put_u32(&e, epoch);
	return op_local(s, &e, op_stamp(s));
}

int
store_group_create(struct store *s, const char *group, const char *owner)
{
	struct wire_enc e;
	uint64_t born, hlc;
	uint32_t origin, epoch;
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = state_group_owner(s, group, NULL)) != ST_NO_GROUP)
		return db_rollback(s, r == ST_OK ? ST_GROUP_EXISTS : ST_ERR);
	if ((r = state_user_born(s, owner, &born, &origin)) != 1)
		return db_rollback(s, r == 0 ? ST_NO_USER : ST_ERR);
	if ((r = quota_check(s, S_QUOTA_GROUPS, owner, s->quota.groups,
	    ST_QUOTA_GROUPS)) != ST_OK)
		return db_rollback(s, r);
	hlc = op_stamp(s);
	/* A group that emptied keeps its incarnation. */
	if ((r = state_group_born(s, group, &born, &origin)) == -1)
		return db_rollback(s, ST_ERR);
	if (r == 0) {
		born = hlc;
		origin = s->origin;
		epoch = 1;
	} else if (state_mem_epoch(s, group, owner, M_MEMBER, &epoch) == -1) {
		return db_rollback(s, ST_ERR);
	}
	op_begin(s, &e, WT_OP_GROUP);
	wire_put_id(&e, group);
	wire_put_id(&e, owner);
	wire_put_u64(&e, born);
	wire_put_u32(&e, origin);
	wire_put_u32(&e, epoch);
	if (op_local(s, &e, hlc) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_group_join(struct store *s, const char *group, const char *user)
{
	uint64_t born;
	uint32_t origin;
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = state_group_owner(s, group, NULL)) != ST_OK)
		return db_rollback(s, r);
	if ((r = state_user_born(s, user, &born, &origin)) != 1)
		return db_rollback(s, r == 0 ? ST_NO_USER : ST_ERR);
	if ((r = state_is_member(s, group, user)) != 0)
		return db_rollback(s, r == 1 ? ST_ALREADY_MEMBER : ST_ERR);
	if ((r = has_request(s, group, user)) != 0)
		return db_rollback(s, r == 1 ? ST_ALREADY_REQUESTED : ST_ERR);
	if ((r = quota_check(s, S_QUOTA_PENDING, user, s->quota.pending,
	    ST_QUOTA_PENDING)) != ST_OK)
		return db_rollback(s, r);
	if (group_op(s, WT_OP_JOIN, M_ASKED, group, user) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_group_leave(struct store *s, const char *group, const char *user)
{
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = state_group_owner(s, group, NULL)) != ST_OK)
		return db_rollback(s, r);
	if ((r = state_is_member(s, group, user)) != 1)
		return db_rollback(s, r == 0 ? ST_NOT_MEMBER : ST_ERR);
	if (group_op(s, WT_OP_LEAVE, M_LEFT, group, user) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

/* Shared checks of accept and reject: group, owner, pending request. */
static int
owner_and_request(struct store *s, const char *group, const char *owner,
    const char *user)
{
	char cur[ID_MAX + 1];
	int r;

	if ((r = state_group_owner(s, group, cur)) != ST_OK)
		return r;
	if (strcmp(cur, owner) != 0)
		return ST_NOT_OWNER;
	if ((r = has_request(s, group, user)) != 1) {
		if (r == -1)
			return ST_ERR;
		if ((r = state_is_member(s, group, user)) == -1)
			return ST_ERR;
		return r == 1 ? ST_ALREADY_MEMBER : ST_NO_REQUEST;
	}
	return ST_OK;
}

static int
decide(struct store *s, unsigned type, uint32_t state, const char *group,
    const char *owner, const char *user)
{
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = owner_and_request(s, group, owner, user)) != ST_OK)
		return db_rollback(s, r);
	if (group_op(s, type, state, group, user) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_group_accept(struct store *s, const char *group, const char *owner,
    const char *user)
{
	return decide(s, WT_OP_ACCEPT, M_MEMBER, group, owner, user);
}

int
store_group_reject(struct store *s, const char *group, const char *owner,
    const char *user)
{
	return decide(s, WT_OP_REJECT, M_REFUSED, group, owner, user);
}

/* Files. */

/* Begin an op whose fields start "iqus": group, incarnation, name. */
static int
file_op_begin(struct store *s, struct wire_enc *e, unsigned type,
    const char *group, const char *name)
{
	uint64_t born;
	uint32_t origin;

	if (state_group_born(s, group, &born, &origin) != 1)
		return -1;
	op_begin(s, e, type);
	wire_put_id(e, group);
	wire_put_u64(e, born);
	wire_put_u32(e, origin);
	wire_put_str(e, name);
	return 0;
}

/*
 * upload and update: an OP_UPLOAD, or with parent an OP_UPDATE, which
 * takes the name whatever content it holds (parent NULL: zeros, a new
 * name).
 */
static int
upload_op(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name, const struct file_meta *m,
    const char *path, int64_t mtime, const uint8_t *parent)
{
	struct file_meta cur;
	struct wire_enc e;
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = state_member_check(s, group, user)) != ST_OK)
		return db_rollback(s, r);
	r = state_live_file(s, group, name, &cur, 0);
	if (r == ST_ERR)
		return db_rollback(s, r);
	if (parent == NULL && r == ST_OK && (cur.size != m->size ||
	    memcmp(cur.sha1, m->sha1, 20) != 0))
		return db_rollback(s, ST_FILE_CONFLICT);
	if ((r = quota_files(s, user, group, name)) != ST_OK)
		return db_rollback(s, r);
	if (file_op_begin(s, &e, parent != NULL ? WT_OP_UPDATE : WT_OP_UPLOAD,
	    group, name) == -1)
		return db_rollback(s, ST_ERR);
	wire_put_u64(&e, m->size);
	wire_put_hash(&e, m->sha1);
	wire_put_hashes(&e, m->pieces, m->npieces);
	wire_put_id(&e, user);
	wire_put_str(&e, path);
	wire_put_u64(&e, (uint64_t)mtime);
	wire_put_blob(&e, key, 32);
	if (parent != NULL)
		wire_put_hash(&e, parent);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_upload(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name, const struct file_meta *m,
    const char *path, int64_t mtime)
{
	return upload_op(s, key, user, group, name, m, path, mtime, NULL);
}

int
store_update(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name, const struct file_meta *m,
    const char *path, int64_t mtime, const uint8_t *parent)
{
	static const uint8_t none[20];

	return upload_op(s, key, user, group, name, m, path, mtime,
	    parent != NULL ? parent : none);
}

int
store_serve(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name)
{
	struct file_meta m;
	struct wire_enc e;
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = state_member_check(s, group, user)) != ST_OK)
		return db_rollback(s, r);
	if ((r = state_live_file(s, group, name, &m, 0)) != ST_OK)
		return db_rollback(s, r);
	if (file_op_begin(s, &e, WT_OP_SERVE, group, name) == -1)
		return db_rollback(s, ST_ERR);
	wire_put_hash(&e, m.sha1);
	wire_put_blob(&e, key, 32);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_stop_share(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name)
{
	struct wire_enc e;
	sqlite3_stmt *q;
	int r;

	if (db_begin(s) == -1)
		return ST_ERR;
	if ((r = state_member_check(s, group, user)) != ST_OK)
		return db_rollback(s, r);
	q = db_stmt(s, S_SHARE_OR_SERVE);
	db_bind_blob(q, ":key", key, 32);
	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	db_bind_text(q, ":user", user);
	if ((r = db_exists(s, q)) != 1)
		return db_rollback(s, r == 0 ? ST_NOT_SHARER : ST_ERR);
	if (file_op_begin(s, &e, WT_OP_STOP, group, name) == -1)
		return db_rollback(s, ST_ERR);
	wire_put_id(&e, user);
	wire_put_blob(&e, key, 32);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return db_rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

/*
 * End each session the query q (bound by the caller) lists, at most
 * STORE_END_MAX: the keys are read first, then each ends as a logout
 * would, by an op.
 */
#define STORE_END_MAX	1024

static int
end_listed(struct store *s, sqlite3_stmt *q, unsigned *n)
{
	uint8_t (*keys)[32] = xcalloc(STORE_END_MAX, 32);
	unsigned i, k = 0;
	int r;

	*n = 0;
	while (k < STORE_END_MAX && (r = db_row(s, q)) == 1)
		if (sqlite3_column_bytes(q, 0) == 32)
			memcpy(keys[k++], sqlite3_column_blob(q, 0), 32);
	if (k == STORE_END_MAX)
		sqlite3_reset(q);
	else if (r == -1) {
		free(keys);
		return ST_ERR;
	}
	for (i = 0; i < k; i++) {
		if ((r = store_session_del(s, keys[i])) == ST_ERR)
			break;
		*n += r == ST_OK;
	}
	free(keys);
	return r == ST_ERR ? ST_ERR : ST_OK;
}

int
store_session_end_all(struct store *s, const char *user, unsigned *n)
{
	sqlite3_stmt *q = db_stmt(s, S_SESS_OF_USER);

	db_bind_text(q, ":user", user);
	db_bind_int(q, ":n", STORE_END_MAX);
	return end_listed(s, q, n);
}

int
store_expire(struct store *s, uint64_t idle_ms, unsigned *n)
{
	uint64_t now = db_now_ms();
	sqlite3_stmt *q = db_stmt(s, S_SESS_IDLE);

	db_bind_int(q, ":at", (int64_t)(now > idle_ms ? now - idle_ms : 0));
	db_bind_int(q, ":n", STORE_END_MAX);
	return end_listed(s, q, n);
}
