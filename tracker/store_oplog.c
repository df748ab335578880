/*
 * store_oplog.c - the op log as the sync channel sees it.
 *
 * Ops from other trackers (store_apply: the next of their origin, or a
 * gap), high-water marks, reading the log after a position for a peer,
 * snapshots (every replicated row as frames, read from a read transaction
 * of its own while the tracker goes on writing, and merged on the other
 * side through the same state_* functions ops use), and trimming: an op
 * is dropped once every other tracker holds it, or once the log is longer
 * than it may keep.
 *
 * Owns the log's positions and its base per origin.  Never applies an op
 * by itself: state_apply_logged() does.
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


/* Replication. */

int
store_apply(struct store *s, uint32_t origin, uint64_t seq, uint64_t hlc,
    const uint8_t *req, size_t reqlen, const uint8_t *op, size_t oplen)
{
	uint64_t have;
	int rc;

	if (origin == 0 || seq == 0 || (reqlen != 0 && reqlen != 32))
		return ST_BAD_OP;
	/* Ours come from us alone: one "back from a peer" is a forgery. */
	if (origin == s->origin) {
		log_warnx("store: refused an op %llu stamped as this tracker's "
		    "own", (unsigned long long)seq);
		return ST_BAD_OP;
	}
	if (store_stamp_ahead(hlc)) {
		log_warnx("store: refused op %u:%llu: its stamp is %llu ms "
		    "ahead of this tracker's clock", origin,
		    (unsigned long long)seq, (unsigned long long)
		    (HLC_MS(hlc) - db_wall_ms()));
		return ST_BAD_OP;
	}
	if (db_begin(s) == -1)
		return ST_ERR;
	have = db_hwm(s, origin);
	if (seq <= have)
		return db_rollback(s, ST_OK);	/* had it: idempotent */
	if (seq != have + 1)
		return db_rollback(s, ST_GAP);
	hlc_observe(&s->clock, hlc);
	if ((rc = state_apply_logged(s, origin, seq, hlc, req, reqlen, op,
	    oplen)) != ST_OK)
		return db_rollback(s, rc);
	return db_commit(s, ST_OK);
}

int
store_stamp_ahead(uint64_t hlc)
{
	uint64_t now = db_wall_ms(), cluster = db_cluster_ms();

	return HLC_MS(hlc) > (cluster > now ? cluster : now) +
	    STORE_MAX_AHEAD_MS;
}

uint64_t
store_hwm(struct store *s, uint32_t origin)
{
	return db_hwm(s, origin);
}

int
store_hwms(struct store *s, void (*cb)(void *, uint32_t, uint64_t),
    void *arg)
{
	sqlite3_stmt *q = db_stmt(s, S_HWM_ALL);
	int r;

	while ((r = db_row(s, q)) == 1)
		cb(arg, (uint32_t)sqlite3_column_int64(q, 0),
		    (uint64_t)sqlite3_column_int64(q, 1));
	return r == 0 ? ST_OK : ST_ERR;
}

int
store_log_after(struct store *s, uint64_t lseq, unsigned max,
    store_op_cb cb, void *arg)
{
	sqlite3_stmt *q = db_stmt(s, S_LOG_AFTER);
	struct store_op o;
	int r;

	db_bind_int(q, ":lseq", (int64_t)lseq);
	db_bind_int(q, ":n", max);
	while ((r = db_row(s, q)) == 1) {
		o.lseq = (uint64_t)sqlite3_column_int64(q, 0);
		o.origin = (uint32_t)sqlite3_column_int64(q, 1);
		o.seq = (uint64_t)sqlite3_column_int64(q, 2);
		o.hlc = (uint64_t)sqlite3_column_int64(q, 3);
		o.req = sqlite3_column_blob(q, 4);
		o.reqlen = (size_t)sqlite3_column_bytes(q, 4);
		o.op = sqlite3_column_blob(q, 5);
		o.oplen = (size_t)sqlite3_column_bytes(q, 5);
		if (cb(arg, &o) == -1) {
			sqlite3_reset(q);
			return ST_OK;
		}
	}
	return r == 0 ? ST_OK : ST_ERR;
}

uint64_t
store_log_last(struct store *s)
{
	return s->lseq;
}

uint64_t
store_applied(const struct store *s)
{
	return s->applied;
}

/*
 * Snapshots.  A snapshot is every row of the replicated tables as of now,
 * then the high-water marks they add up to.  Merging one applies each row
 * with the rules its ops follow (most rows are laid out as the op that
 * makes them and go through the same function), so merging is a join:
 * idempotent, in any order, and a snapshot cut short leaves a state that
 * later ops or snapshots still complete.
 */

static const void *
col_blob(sqlite3_stmt *q, int i, uint32_t *n)
{
	const void *p = sqlite3_column_blob(q, i);

	*n = (uint32_t)sqlite3_column_bytes(q, i);
	return p != NULL ? p : "";
}

static const char *
col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t != NULL ? (const char *)t : "";
}

static uint64_t
col_u64(sqlite3_stmt *q, int i)
{
	return (uint64_t)sqlite3_column_int64(q, i);
}

/* Put column i of q as field letter f of a frame. */
static void
put_col(struct wire_enc *e, sqlite3_stmt *q, int i, char f)
{
	const void *p;
	uint32_t n;

	switch (f) {
	case 'b':
		wire_put_u8(e, (uint8_t)col_u64(q, i));
		break;
	case 'u':
		wire_put_u32(e, (uint32_t)col_u64(q, i));
		break;
	case 'q':
		wire_put_u64(e, col_u64(q, i));
		break;
	case 'i':
		wire_put_id(e, col_text(q, i));
		break;
	case 's':
		wire_put_str(e, col_text(q, i));
		break;
	case 'h':
		p = col_blob(q, i, &n);
		if (n == 20)
			wire_put_hash(e, p);
		else
			wire_put_blob(e, "", 0);	/* fails the frame */
		break;
	case 'H':
		p = col_blob(q, i, &n);
		wire_put_hashes(e, p, n / 20);
		break;
	default:	/* 'B' */
		p = col_blob(q, i, &n);
		wire_put_blob(e, p, n);
	}
}

/*
 * Kinds of row, in the order a snapshot sends them: each query's columns
 * are the fields of its frame type's format (wire_format()), in order.
 */
static const struct {
	enum stmt	 q;
	unsigned	 type;
} snap_kinds[] = {
	/*
	 * Accounts and groups before what names them; marks (aliases,
	 * losers) after the rows, so that none is ever earlier than the
	 * row of its name (store_inc.c).
	 */
	{ S_SNAP_USERS,		WT_S_R_USER },
	{ S_SNAP_GROUPS,	WT_S_R_GROUP },
	{ S_SNAP_MARKS,		WT_S_R_MARK },
	{ S_SNAP_SESSIONS,	WT_S_R_SESSION },
	{ S_SNAP_MEMBERS,	WT_S_R_MEMBER },
	{ S_SNAP_FILES,		WT_S_R_FILE },
	{ S_SNAP_VERSIONS,	WT_S_R_VERSION },
	{ S_SNAP_SHARES,	WT_S_R_SHARE },
	{ S_SNAP_SERVING,	WT_S_R_SERVE },
	{ S_SNAP_REQS,		WT_S_R_REQ },
};
#define SNAP_KINDS	(sizeof(snap_kinds) / sizeof(snap_kinds[0]))

/*
 * A snapshot being read.  A file database is read through a connection
 * of its own, in one read transaction: the rows and the HWMs that end
 * them are one state however many loop iterations the sending takes,
 * while the tracker goes on writing (WAL).  An in-memory database (tests)
 * is read through the store's own connection.
 */
struct store_snap {
	sqlite3		*db;
	int		 own;		/* db is ours: close it */
	sqlite3_stmt	*q;		/* the rows of the current kind */
	size_t		 kind;
	uint64_t	 lseq;		/* the log position it covers */
	size_t		 rows;
	int		 done;		/* SNAP_END appended */
	struct {
		uint32_t	origin;
		uint64_t	seq;
	}		*hwm;
	size_t		 nhwm;
};

static int
snap_fail(struct store_snap *sn, const char *what)
{
	log_warnx("store: snapshot: %s: %s", what, sqlite3_errmsg(sn->db));
	return -1;
}

static int
snap_query(struct store_snap *sn, const char *q, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(sn->db, q, -1, out, NULL) != SQLITE_OK)
		return snap_fail(sn, q);
	return 0;
}

struct store_snap *
store_snap_begin(struct store *s)
{
	struct store_snap *sn = xcalloc(1, sizeof(*sn));
	const char *path = sqlite3_db_filename(s->db, "main");
	sqlite3_stmt *q = NULL;

	sn->db = s->db;
	sn->lseq = s->lseq;
	if (path == NULL || *path == '\0')
		return sn;
	if (sqlite3_open_v2(path, &sn->db, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK) {
		snap_fail(sn, path);
		sqlite3_close(sn->db);
		free(sn);
		return NULL;
	}
	sn->own = 1;
	sqlite3_busy_timeout(sn->db, 5000);
	/* The read that fixes the state: the log's end as committed. */
	if (sqlite3_exec(sn->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    snap_query(sn, "SELECT coalesce(max(lseq), 0) FROM oplog",
	    &q) == -1 || sqlite3_step(q) != SQLITE_ROW) {
		snap_fail(sn, "begin");
		sqlite3_finalize(q);
		store_snap_free(sn);
		return NULL;
	}
	sn->lseq = col_u64(q, 0);
	sqlite3_finalize(q);
	return sn;
}

/* Put the row q holds as a frame of type: its columns in format order. */
static int
put_row(struct buf *out, sqlite3_stmt *q, unsigned type)
{
	const char *fmt = wire_format(type);
	struct wire_enc e;
	int c;

	wire_begin(&e, out, type, 0);
	for (c = 0; fmt[c] != '\0'; c++)
		put_col(&e, q, c, fmt[c]);
	if (wire_end(&e) == -1) {
		log_warnx("store: snapshot: a %s row does not fit",
		    wire_type_name(type));
		return -1;
	}
	return 0;
}

/* The HWMs, as SNAP_END, and kept for store_snap_hwm(). */
static int
snap_end(struct store_snap *sn, struct buf *out)
{
	struct wire_enc e;
	sqlite3_stmt *q;
	int r;

	if (snap_query(sn, db_sql(S_SNAP_HWMS), &q) == -1)
		return -1;
	wire_begin(&e, out, WT_S_SNAP_END, 0);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		sn->hwm = xreallocarray(sn->hwm, sn->nhwm + 1,
		    sizeof(*sn->hwm));
		sn->hwm[sn->nhwm].origin = (uint32_t)col_u64(q, 0);
		sn->hwm[sn->nhwm++].seq = col_u64(q, 1);
		wire_put_u32(&e, (uint32_t)col_u64(q, 0));
		wire_put_u64(&e, col_u64(q, 1));
		wire_put_u64(&e, col_u64(q, 2));
	}
	sqlite3_finalize(q);
	if (r != SQLITE_DONE || wire_end(&e) == -1)
		return snap_fail(sn, "high-water marks");
	sn->done = 1;
	return 0;
}

int
store_snap_next(struct store_snap *sn, struct buf *out, size_t budget)
{
	size_t start = buf_used(out);
	int r;

	while (!sn->done && buf_used(out) - start < budget) {
		if (sn->kind == SNAP_KINDS) {
			if (snap_end(sn, out) == -1)
				return -1;
			break;
		}
		if (sn->q == NULL &&
		    snap_query(sn, db_sql(snap_kinds[sn->kind].q),
		    &sn->q) == -1)
			return -1;
		if ((r = sqlite3_step(sn->q)) == SQLITE_ROW) {
			if (put_row(out, sn->q,
			    snap_kinds[sn->kind].type) == -1)
				return -1;
			sn->rows++;
			continue;
		}
		if (r != SQLITE_DONE)
			return snap_fail(sn, "rows");
		sqlite3_finalize(sn->q);
		sn->q = NULL;
		sn->kind++;
	}
	return sn->done ? 0 : 1;
}

uint64_t
store_snap_lseq(const struct store_snap *sn)
{
	return sn->lseq;
}

uint64_t
store_snap_hwm(const struct store_snap *sn, uint32_t origin)
{
	size_t i;

	for (i = 0; i < sn->nhwm; i++)
		if (sn->hwm[i].origin == origin)
			return sn->hwm[i].seq;
	return 0;
}

size_t
store_snap_rows(const struct store_snap *sn)
{
	return sn->rows;
}

void
store_snap_free(struct store_snap *sn)
{
	if (sn == NULL)
		return;
	sqlite3_finalize(sn->q);
	if (sn->own) {
		sqlite3_exec(sn->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(sn->db);
	}
	free(sn->hwm);
	free(sn);
}

int
store_snapshot(struct store *s, struct buf *out, size_t *rows)
{
	struct store_snap *sn;
	size_t start = buf_used(out);
	int r;

	if ((sn = store_snap_begin(s)) == NULL)
		return ST_ERR;
	r = store_snap_next(sn, out, SIZE_MAX);
	*rows = sn->rows;
	store_snap_free(sn);
	if (r != 0) {
		buf_truncate(out, start);
		return ST_ERR;
	}
	return ST_OK;
}

static int	base_raise(struct store *, uint32_t, uint64_t);

static int
merge_end(struct store *s, const struct wire_msg *m)
{
	struct wire_field f[HWM_STAMP + 1];
	struct wire_iter it;
	sqlite3_stmt *q;
	uint64_t had;

	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f)) {
		uint32_t origin = (uint32_t)f[HWM_ORIGIN].u;

		if (origin == 0 || store_stamp_ahead(f[HWM_STAMP].u))
			return -2;
		had = db_hwm(s, origin);
		if (f[HWM_SEQ].u <= had)
			continue;
		/* Ops up to there are in the tables, not in our log. */
		q = db_stmt(s, S_HWM_RAISE);
		db_bind_int(q, ":origin", origin);
		db_bind_int(q, ":seq", (int64_t)f[HWM_SEQ].u);
		db_bind_int(q, ":hlc", (int64_t)f[HWM_STAMP].u);
		if (db_exec(s, q) == -1 ||
		    base_raise(s, origin, f[HWM_SEQ].u) == -1)
			return -1;
		hlc_observe(&s->clock, f[HWM_STAMP].u);
		if (origin == s->origin && f[HWM_SEQ].u > s->seq)
			s->seq = f[HWM_SEQ].u;	/* ours, from before a loss */
	}
	return 0;
}

static int
merge_row(struct store *s, const struct wire_msg *m)
{
	struct opctx c = { 0, 0, NULL, 0 };
	sqlite3_stmt *q;
	int r;

	switch (m->h.type) {
	case WT_S_R_USER:	/* "iBBu" as OP_USER, then born, origin, req */
		if (m->f[RUSER_REQ].n != 0 && m->f[RUSER_REQ].n != 32)
			return -2;
		c = (struct opctx){ m->f[RUSER_BORN].u,
		    (uint32_t)m->f[RUSER_ORIGIN].u, m->f[RUSER_REQ].p,
		    m->f[RUSER_REQ].n };
		return state_apply_user(s, m, &c);
	case WT_S_R_MARK:
		/* Alias or lost alike: its key says which it is here. */
		if ((strcmp(m->f[MARK_KIND].s, "user") != 0 &&
		    strcmp(m->f[MARK_KIND].s, "group") != 0) ||
		    (m->f[MARK_WHAT].u != 1 && m->f[MARK_WHAT].u != 2) ||
		    (m->f[MARK_REQ].n != 0 && m->f[MARK_REQ].n != 32))
			return -2;
		return state_merge_mark(s, m->f[MARK_KIND].s,
		    m->f[MARK_NAME].s, m->f[MARK_BORN].u,
		    (uint32_t)m->f[MARK_ORIGIN].u, m->f[MARK_REQ].p,
		    m->f[MARK_REQ].n);
	case WT_S_R_GROUP:
		if (m->f[RGROUP_REQ].n != 0 && m->f[RGROUP_REQ].n != 32)
			return -2;
		c = (struct opctx){ m->f[RGROUP_BORN].u,
		    (uint32_t)m->f[RGROUP_ORIGIN].u, m->f[RGROUP_REQ].p,
		    m->f[RGROUP_REQ].n };
		r = state_group_merge(s, m->f[RGROUP_NAME].s,
		    m->f[RGROUP_BORN].u, (uint32_t)m->f[RGROUP_ORIGIN].u,
		    m->f[RGROUP_REVIVED].u, &c);
		return r == -1 ? -1 : 0;
	case WT_S_R_SESSION:	/* as OP_LOGIN, then alive */
		/*
		 * 1 alive, 2 ended by its account's loss there (here its
		 * creation may be a copy of the winner): a login either way,
		 * that the rules here decide; 0 logged out.
		 */
		if (m->f[RSESS_ALIVE].u > 2 || m->f[SESS_KEY].n != 32)
			return -2;
		if (m->f[RSESS_ALIVE].u != 0)
			return state_apply_session(s, m, &c);
		if (state_dead_add(s, m, 0) == -1)
			return -1;
		q = db_stmt(s, S_SESS_DEL);
		db_bind_blob(q, ":key", m->f[SESS_KEY].p, 32);
		return db_exec(s, q);
	case WT_S_R_MEMBER:	/* "iquiu" as OP_JOIN, then state, stamp */
		if (m->f[RMEM_STATE].u < M_ASKED || m->f[RMEM_STATE].u > M_LEFT)
			return -2;
		c = (struct opctx){ m->f[RMEM_STAMP].u,
		    (uint32_t)m->f[RMEM_ORIGIN].u, NULL, 0 };
		return state_apply_member_op(s, m, &c,
		    (uint32_t)m->f[RMEM_STATE].u);
	default:
		break;
	}
	/* The rest belong to a group: to this incarnation of it only. */
	if ((r = state_group_of(s, m)) != 1)
		return r;
	switch (m->h.type) {
	case WT_S_R_FILE:	/* "iqusqhH" as OP_UPLOAD, then born, origin */
		if (!wire_hashes_ok(m->f[UP_SIZE].u, m->f[UP_PIECES].n))
			return -2;
		c = (struct opctx){ m->f[RFILE_BORN].u,
		    (uint32_t)m->f[RFILE_ORIGIN].u, NULL, 0 };
		return state_file_merge(s, m, &c);
	case WT_S_R_SHARE:
		c = (struct opctx){ m->f[RSHARE_STAMP].u,
		    (uint32_t)m->f[RSHARE_ORIGIN].u, NULL, 0 };
		return state_share_put(s, m->f[G_NAME].s, m->f[RSHARE_NAME].s,
		    m->f[RSHARE_USER].s, m->f[RSHARE_PRESENT].u != 0,
		    m->f[RSHARE_SHA1].p, m->f[RSHARE_PATH].s,
		    (int64_t)m->f[RSHARE_MTIME].u, &c);
	case WT_S_R_SERVE:
		if (m->f[RSERVE_KEY].n != 32)
			return -2;
		c = (struct opctx){ m->f[RSERVE_STAMP].u,
		    (uint32_t)m->f[RSERVE_ORIGIN].u, NULL, 0 };
		return state_serve_put(s, m->f[RSERVE_KEY].p, m->f[G_NAME].s,
		    m->f[RSERVE_NAME].s, m->f[RSERVE_PRESENT].u != 0,
		    m->f[RSERVE_SHA1].p, &c);
	case WT_S_R_VERSION:
		c = (struct opctx){ m->f[RVER_STAMP].u,
		    (uint32_t)m->f[RVER_ORIGIN].u, NULL, 0 };
		return state_version_put(s, m->f[G_NAME].s,
		    m->f[RVER_NAME].s, m->f[RVER_SHA1].p,
		    m->f[RVER_PARENT].p, &c);
	}
	return -2;
}

int
store_merge(struct store *s, const struct wire_msg *m)
{
	int r;

	if (!wire_is_snap(m->h.type))
		return ST_BAD_OP;	/* not a snapshot frame */
	if (db_begin(s) == -1)
		return ST_ERR;
	switch (m->h.type) {
	case WT_S_R_REQ:
		if (m->f[RREQ_KEY].n != 32)
			return db_rollback(s, ST_BAD_OP);
		r = state_req_remember(s, m->f[RREQ_KEY].p, m->f[RREQ_AT].u);
		break;
	case WT_S_SNAP_END:
		r = merge_end(s, m);
		break;
	default:
		r = merge_row(s, m);
	}
	if (r != 0) {
		if (r == -2)
			log_warnx("store: malformed %s row",
			    wire_type_name(m->h.type));
		return db_rollback(s, r == -2 ? ST_BAD_OP : ST_ERR);
	}
	return db_commit(s, ST_OK);
}

/*
 * Trimming, in steps of at most TRIM_STEP ops a call so that a long
 * backlog never stalls the loop.
 */
#define TRIM_STEP	5000

static int
base_raise(struct store *s, uint32_t origin, uint64_t seq)
{
	sqlite3_stmt *q = db_stmt(s, S_BASE_SET);

	db_bind_int(q, ":origin", origin);
	db_bind_int(q, ":seq", (int64_t)seq);
	if (db_exec(s, q) == -1)
		return -1;
	q = db_stmt(s, S_LOG_TRIM);
	db_bind_int(q, ":origin", origin);
	db_bind_int(q, ":seq", (int64_t)seq);
	return db_exec(s, q);
}

static uint64_t
one_u64(struct store *s, sqlite3_stmt *q, uint64_t dflt)
{
	uint64_t v = dflt;

	if (db_row(s, q) == 1) {
		if (sqlite3_column_type(q, 0) != SQLITE_NULL)
			v = col_u64(q, 0);
		sqlite3_reset(q);
	}
	return v;
}

uint64_t
store_log_base(struct store *s, uint32_t origin)
{
	sqlite3_stmt *q = db_stmt(s, S_BASE_GET);

	db_bind_int(q, ":origin", origin);
	return one_u64(s, q, 0);
}

/* Drop the log's oldest entries beyond keep, at most step of them. */
static int
trim_keep(struct store *s, uint64_t keep, uint64_t step, uint64_t *n)
{
	sqlite3_stmt *q = db_stmt(s, S_LOG_SPAN);
	uint64_t first, last, cut;
	int r;

	if ((r = db_row(s, q)) != 1)
		return r;
	if (sqlite3_column_type(q, 0) == SQLITE_NULL) {
		sqlite3_reset(q);
		return 0;
	}
	first = col_u64(q, 0);
	last = col_u64(q, 1);
	sqlite3_reset(q);
	if (last - first + 1 <= keep)
		return 0;
	cut = last - keep + 1;		/* keep lseq cut..last */
	if (cut - first > step)
		cut = first + step;
	q = db_stmt(s, S_LOG_PREFIX_MAX);
	db_bind_int(q, ":lseq", (int64_t)cut);
	while ((r = db_row(s, q)) == 1) {
		sqlite3_stmt *b = s->st[S_BASE_SET];

		/* Not db_stmt(): q is still stepping. */
		sqlite3_reset(b);
		sqlite3_bind_int64(b, 1, sqlite3_column_int64(q, 0));
		sqlite3_bind_int64(b, 2, sqlite3_column_int64(q, 1));
		if (db_exec(s, b) == -1) {
			sqlite3_reset(q);
			return -1;
		}
	}
	if (r == -1)
		return -1;
	q = db_stmt(s, S_LOG_DROP_PREFIX);
	db_bind_int(q, ":lseq", (int64_t)cut);
	if (db_exec(s, q) == -1)
		return -1;
	*n += (uint64_t)sqlite3_changes(s->db);
	return 0;
}

int
store_trim(struct store *s, const uint64_t *held, uint32_t n, uint64_t keep,
    uint64_t *trimmed)
{
	sqlite3_stmt *q;
	uint64_t cut, first, now = db_now_ms();
	uint32_t o;

	*trimmed = 0;
	if (s->readonly)
		return ST_OK;	/* a trim can wait for room (store_readonly()) */
	if (db_begin(s) == -1)
		return ST_ERR;
	/* What every other tracker holds, up to what we hold. */
	for (o = 1; held != NULL && o <= n; o++) {
		cut = db_hwm(s, o);
		if (held[o] < cut)
			cut = held[o];
		if (cut <= store_log_base(s, o))
			continue;
		q = db_stmt(s, S_LOG_FIRST_OF);
		db_bind_int(q, ":origin", o);
		first = one_u64(s, q, cut);
		if (first < cut && cut - first > TRIM_STEP)
			cut = first + TRIM_STEP;
		if (base_raise(s, o, cut) == -1)
			return db_rollback(s, ST_ERR);
		*trimmed += (uint64_t)sqlite3_changes(s->db);
	}
	if (trim_keep(s, keep, TRIM_STEP, trimmed) == -1)
		return db_rollback(s, ST_ERR);
	cut = now > REQ_KEEP_MS ? now - REQ_KEEP_MS : 0;
	q = db_stmt(s, S_REQ_LOG_TRIM);
	db_bind_int(q, ":n", TRIM_STEP);
	db_bind_int(q, ":at", (int64_t)cut);
	if (db_exec(s, q) == -1)
		return db_rollback(s, ST_ERR);
	reqset_expire(&s->reqs, cut);
	return db_commit(s, ST_OK);
}
