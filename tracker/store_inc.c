/*
 * store_inc.c - incarnations: which creation of a user or group name is
 * its row, which are aliases of the row, which lost.
 *
 * Every creation of a name is an incarnation (stamp, origin) with the
 * request key of the request that made it, if any.  Creations with one
 * key are one request carried out on several trackers (a client's retry
 * after a failover): one creation.  The earliest incarnation of all is
 * the row; the others of its request are its aliases (ops naming them
 * apply to the row); every other one lost.  That is a function of the
 * set of creations seen, so every order of arrival gives the same rows:
 * a creation is classed by its key against every incarnation of the
 * name, the row's, an alias's or a loser's, not only the row's.  So the
 * tables keep each one's key (the row in users.req or grp.req, the rest
 * in alias.req and lost.req), and when a creation earlier than the row
 * arrives, the row's request loses with all its aliases, and the copies
 * of the newcomer's request that had lost become its aliases.
 *
 * What came for an incarnation while it had lost (sessions, group ops)
 * was dropped then, and does not come back if it becomes an alias.
 */
#include <sqlite3.h>
#include <string.h>

#include "hlc.h"
#include "log.h"
#include "rbuf.h"
#include "reqset.h"
#include "store.h"
#define STORE_INTERNAL
#include "store_int.h"
#include "wire.h"

/* A request key, or NULL for none (reqlen other than 32). */
void
state_bind_req(sqlite3_stmt *q, const uint8_t *req, size_t reqlen)
{
	int i = sqlite3_bind_parameter_index(q, ":req");

	if (reqlen == 32)
		sqlite3_bind_blob(q, i, req, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Statement i about kind/name; (born, origin) too unless born is NULL. */
static sqlite3_stmt *
mark_stmt(struct store *s, enum stmt i, const char *kind, const char *name,
    const uint64_t *born, uint32_t origin)
{
	sqlite3_stmt *q = db_stmt(s, i);

	db_bind_text(q, ":kind", kind);
	db_bind_text(q, ":name", name);
	if (born != NULL) {
		db_bind_int(q, ":born", (int64_t)*born);
		db_bind_int(q, ":origin", origin);
	}
	return q;
}

int
state_lost(struct store *s, const char *kind, const char *name, uint64_t born,
    uint32_t origin, const uint8_t *req, size_t reqlen)
{
	sqlite3_stmt *q = mark_stmt(s, S_LOST_ADD, kind, name, &born, origin);

	state_bind_req(q, req, reqlen);
	if (db_exec(s, q) == -1)
		return -1;
	/* Once per loss: a snapshot brings known ones again. */
	if (sqlite3_changes(s->db) > 0)
		log_info("store: conflict: %s %s created at %llu on tracker "
		    "%u lost to an earlier one", kind, name,
		    (unsigned long long)born, origin);
	return 0;
}

int
state_alias_add(struct store *s, const char *kind, const char *name,
    uint64_t born, uint32_t origin, const uint8_t *req, size_t reqlen)
{
	sqlite3_stmt *q = mark_stmt(s, S_ALIAS_ADD, kind, name, &born, origin);

	state_bind_req(q, req, reqlen);
	return db_exec(s, q);
}

int
state_is_alias(struct store *s, const char *kind, const char *name,
    uint64_t born, uint32_t origin)
{
	return db_exists(s, mark_stmt(s, S_ALIAS_GET, kind, name, &born,
	    origin));
}

/* A row's incarnation and request key, copied out of its statement. */
struct inc_row {
	uint64_t	born;
	uint32_t	origin;
	uint8_t		req[32];
	size_t		reqlen;		/* 32, or 0: none */
};

/* The row of kind/name: 1 (r filled), 0 none, -1. */
static int
row_get(struct store *s, const char *kind, const char *name,
    struct inc_row *r)
{
	sqlite3_stmt *q = mark_stmt(s, S_INC_ROW, kind, name, NULL, 0);
	int rc;

	if ((rc = db_row(s, q)) != 1)
		return rc;
	r->born = (uint64_t)sqlite3_column_int64(q, 0);
	r->origin = (uint32_t)sqlite3_column_int64(q, 1);
	r->reqlen = sqlite3_column_bytes(q, 2) == 32 ? 32 : 0;
	if (r->reqlen == 32)
		memcpy(r->req, sqlite3_column_blob(q, 2), 32);
	sqlite3_reset(q);
	return 1;
}

/*
 * Is (born, origin) a known mark of kind/name?  1 alias, 2 lost, 0 not,
 * -1; *keyed: whether it has a request key.
 */
static int
mark_get(struct store *s, const char *kind, const char *name, uint64_t born,
    uint32_t origin, int *keyed)
{
	sqlite3_stmt *q = mark_stmt(s, S_MARK_GET, kind, name, &born, origin);
	int r;

	if ((r = db_row(s, q)) != 1)
		return r;
	r = (int)sqlite3_column_int64(q, 0);
	*keyed = sqlite3_column_bytes(q, 1) == 32;
	sqlite3_reset(q);
	return r;
}

/* Run statement i about kind/name with a request key: 0 or -1. */
static int
mark_exec_req(struct store *s, enum stmt i, const char *kind,
    const char *name, const uint8_t *req)
{
	sqlite3_stmt *q = mark_stmt(s, i, kind, name, NULL, 0);

	db_bind_blob(q, ":req", req, 32);
	return db_exec(s, q);
}

/* The lost copies of request req are the row's aliases now: 0 or -1. */
static int
lost_to_alias(struct store *s, const char *kind, const char *name,
    const uint8_t *req)
{
	if (mark_exec_req(s, S_LOST_TO_ALIAS, kind, name, req) == -1)
		return -1;
	if (sqlite3_changes(s->db) > 0)
		s->inc_flipped = 1;
	return mark_exec_req(s, S_LOST_CLEAR_REQ, kind, name, req);
}

/*
 * The row's creation op came after a later op about it that had no key
 * (a group made again after it emptied names the incarnation it
 * revives, with that request's key, not the creation's): its key now.
 */
static int
row_learn_req(struct store *s, const char *kind, const char *name,
    const uint8_t *req)
{
	sqlite3_stmt *q = db_stmt(s, strcmp(kind, "user") == 0 ?
	    S_USER_SET_REQ : S_GROUP_SET_REQ);

	db_bind_text(q, ":name", name);
	db_bind_blob(q, ":req", req, 32);
	if (db_exec(s, q) == -1)
		return -1;
	return lost_to_alias(s, kind, name, req);
}

/* Is req the key of the row's request (the row's or an alias's)? */
static int
row_request(struct store *s, const char *kind, const char *name,
    const struct inc_row *row, const uint8_t *req)
{
	sqlite3_stmt *q;

	if (row->reqlen == 32 && memcmp(row->req, req, 32) == 0)
		return 1;
	q = mark_stmt(s, S_ALIAS_REQ, kind, name, NULL, 0);
	db_bind_blob(q, ":req", req, 32);
	return db_exists(s, q);
}

/* The row's request lost to an earlier one, all its copies with it. */
static int
row_loses(struct store *s, const char *kind, const char *name,
    const struct inc_row *row)
{
	if (state_lost(s, kind, name, row->born, row->origin, row->req,
	    row->reqlen) == -1 ||
	    db_exec(s, mark_stmt(s, S_ALIAS_TO_LOST, kind, name, NULL,
	    0)) == -1)
		return -1;
	return db_exec(s, mark_stmt(s, S_ALIAS_CLEAR, kind, name, NULL, 0));
}

int
state_inc_merge(struct store *s, const char *kind, const char *name,
    uint64_t born, uint32_t origin, const uint8_t *req, size_t reqlen,
    int content)
{
	struct inc_row row;
	int r, mark, keyed = 0, same = 0;

	if (reqlen != 32)
		req = NULL;
	if ((r = row_get(s, kind, name, &row)) != 1)
		return r == 0 ? (content ? INC_NEW : -2) : -1;
	if ((r = hlc_cmp(born, origin, row.born, row.origin)) == 0) {
		if (req != NULL && row.reqlen == 0 &&
		    row_learn_req(s, kind, name, req) == -1)
			return -1;
		return INC_SAME;
	}
	if ((mark = mark_get(s, kind, name, born, origin, &keyed)) == -1)
		return -1;
	if (mark == 1)
		return INC_SAME;
	if (mark == 2 && (keyed || req == NULL))
		return INC_LOST;
	/* A loser whose key comes only now is classed again. */
	if (mark == 2 && db_exec(s, mark_stmt(s, S_LOST_DROP, kind, name,
	    &born, origin)) == -1)
		return -1;
	if (req != NULL && (same = row_request(s, kind, name, &row,
	    req)) == -1)
		return -1;
	if (r > 0 && same)
		return state_alias_add(s, kind, name, born, origin, req,
		    32) == -1 ? -1 : INC_SAME;
	if (r > 0)
		return state_lost(s, kind, name, born, origin, req,
		    reqlen) == -1 ? -1 : INC_LOST;
	if (!content)
		return -2;	/* a mark cannot be the row: no content */
	if (same)
		return state_alias_add(s, kind, name, row.born, row.origin,
		    row.req, row.reqlen) == -1 ? -1 : INC_EARLIER;
	if (row_loses(s, kind, name, &row) == -1 ||
	    (req != NULL && lost_to_alias(s, kind, name, req) == -1))
		return -1;
	return INC_WINS;
}

int
state_group_revive_aliases(struct store *s, const char *group)
{
	sqlite3_stmt *q = db_stmt(s, S_GROUP_REVIVE_ALIASES);

	db_bind_text(q, ":grp", group);
	return db_exec(s, q);
}

int
state_merge_mark(struct store *s, const char *kind, const char *name,
    uint64_t born, uint32_t origin, const uint8_t *req, size_t reqlen)
{
	int r;

	if ((r = state_inc_merge(s, kind, name, born, origin, req, reqlen,
	    0)) < 0)
		return r;
	if (strcmp(kind, "group") == 0)
		return state_group_revive_aliases(s, name);
	return 0;
}

/*
 * Ended sessions keep their user and its incarnation, so why one ended
 * is worked out when asked, the same on every tracker.  m: a session op
 * or S_R_SESSION row; lost: ended because the account's creation lost
 * (then what it was is kept: it lives again if that creation turns out
 * to be a copy of the winner, state_sessions_revive()), not logged out.
 */
int
state_dead_add(struct store *s, const struct wire_msg *m, int lost)
{
	sqlite3_stmt *q = db_stmt(s, S_DEAD_ADD);

	db_bind_blob(q, ":key", m->f[SESS_KEY].p, 32);
	db_bind_text(q, ":user", m->f[SESS_USER].s);
	db_bind_int(q, ":born", (int64_t)m->f[SESS_UBORN].u);
	db_bind_int(q, ":origin", (uint32_t)m->f[SESS_UORIGIN].u);
	db_bind_int(q, ":lost", lost);
	if (lost) {
		db_bind_text(q, ":peer", m->f[SESS_PEER].s);
		if (m->h.type != WT_OP_SESSION) {	/* checked: 32 bytes */
			db_bind_blob(q, ":fp", m->f[SESS_FP].p, 32);
			db_bind_blob(q, ":tkey", m->f[SESS_TKEY].p, 32);
		}
	}
	return db_exec(s, q);
}

/* Is key ended?  0 no, 1 logged out, 2 ended by a loss, -1. */
int
state_dead_state(struct store *s, const uint8_t *key)
{
	sqlite3_stmt *q = db_stmt(s, S_DEAD_LOST);
	int r;

	db_bind_blob(q, ":key", key, 32);
	if ((r = db_row(s, q)) != 1)
		return r;
	r = sqlite3_column_int64(q, 0) ? 2 : 1;
	sqlite3_reset(q);
	return r;
}

/* The account's sessions that ended by a loss its creation now won. */
int
state_sessions_revive(struct store *s, const char *user)
{
	static const enum stmt steps[] = { S_DEAD_REVIVE, S_DEAD_REVIVED,
	    S_SEEN_USER };
	sqlite3_stmt *q;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		q = db_stmt(s, steps[i]);
		db_bind_text(q, ":user", user);
		if (steps[i] == S_SEEN_USER)
			db_bind_int(q, ":at", (int64_t)db_now_ms());
		if (db_exec(s, q) == -1)
			return -1;
	}
	return 0;
}
