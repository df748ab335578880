/*
 * store_int.h - what the store's files share, and nobody else sees.
 *
 * The store is one module in ten files (see store.h for its API and the
 * rules it keeps):
 *   store_db.c     the database itself: open, schema, the statement
 *                  table, transactions and group commit;
 *   store_schema.c older layouts brought to this one, the quotas' table;
 *   store_clock.c  its wall clock (stamps, ages);
 *   store_state.c  the replicated state: ops applied from anywhere, the
 *                  merge rules of every table, request keys;
 *   store_inc.c    incarnations of users and groups: which creation of a
 *                  name is its row, which are aliases of it, which lost;
 *                  sessions ended by a loss, alive again if it turns out
 *                  an alias;
 *   store_rules.c  local requests: check the rules, then make an op and
 *                  apply it as any other tracker's op would be;
 *   store_read.c   reads for the handlers, and presence (live sessions);
 *   store_oplog.c  the op log as the sync channel sees it: ops from other
 *                  trackers, high-water marks, snapshots, trimming;
 *   store_search.c search: the name index (nameidx.h) and its reads;
 *   store_page.c   listings a page at a time.
 * They share the struct store below, the statement table (db_stmt()) and
 * two sets of helpers: db_* (SQLite plumbing) and state_* (the rules of
 * the replicated tables).  Only these files include sqlite3.h; only the
 * loop thread calls them.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#ifndef STORE_INTERNAL
#error "store_int.h is private to tracker/store_*.c"
#endif

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "hlc.h"
#include "rbuf.h"
#include "reqset.h"

struct file_meta;
struct nameidx;
struct nameidx_hit;
struct wire_msg;

/* The most store_groups() keeps: a NAMES frame's body holds no more. */
#define GROUPS_CACHE_MAX	(16 * 1024 * 1024)

/*
 * Requests carried out (ops with a request key) in the last REQ_KEEP_MS,
 * so that a client's retry after a failover is answered, not done again.
 * A retry comes within seconds; five minutes is ample.  Looked up in
 * memory (reqset.h), logged in reqlog in arrival order, and read back
 * from there at open.  At most REQ_MAX keys, the window's worth at
 * 10,000 mutations a second (some 130 MiB then): beyond, the oldest go
 * early.
 */
#define REQ_KEEP_MS	(5 * 60 * 1000)
#define REQ_MAX		(3u * 1000 * 1000)

enum stmt {
	S_BEGIN, S_BEGIN_READ, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE,
	S_ROLLBACK_TO,
	S_USER_INSERT, S_USER_GET, S_USER_BORN, S_USER_REPLACE, S_INC_ROW,
	S_ALIAS_ADD, S_ALIAS_GET, S_GROUP_REBORN,
	S_MARK_GET, S_LOST_DROP, S_ALIAS_REQ, S_ALIAS_TO_LOST, S_ALIAS_CLEAR,
	S_LOST_TO_ALIAS, S_LOST_CLEAR_REQ, S_USER_SET_REQ, S_GROUP_SET_REQ,
	S_GROUP_REVIVE_ALIASES, S_LOG_REPLAY,
	S_SESS_INSERT, S_SESS_GET, S_SESS_DEL, S_SESS_KILL_USER,
	S_SESS_DEL_USER, S_DEAD_ADD, S_DEAD_MOVE, S_DEAD_GET, S_DEAD_LOST,
	S_DEAD_LOGOUT, S_DEAD_REVIVE, S_DEAD_REVIVED, S_SEEN_USER,
	S_GROUP_INSERT, S_GROUP_BORN, S_GROUP_DELETE, S_GROUP_OWNER,
	S_GROUP_LIST,
	S_GROUP_REVIVE, S_MEM_GET, S_MEM_PUT, S_MEMBER_GET, S_REQ_GET,
	S_REQ_LIST,
	S_FILE_GET, S_FILE_INSERT, S_FILE_REPLACE, S_FILE_BUMP, S_VERSION_PUT,
	S_FILE_SHARED,
	S_FILE_LIST, S_FILE_NAMES, S_FILE_FOUND, S_MY_GROUPS, S_SHARE_PUT, S_SHARE_MINE, S_SHARE_OR_SERVE,
	S_QUOTA_GROUPS, S_QUOTA_PENDING, S_QUOTA_SHARE_ROWS, S_QUOTA_SHARES,
	S_QUOTA_SHARES_THIS, S_GROUP_PAGE, S_REQ_PAGE, S_FILE_PAGE,
	S_SHARE_PAGE,
	S_SERVE_PUT, S_SERVE_SOURCES,
	S_SEEN_TOUCH, S_SEEN_DROP, S_SESS_IDLE, S_SESS_OF_USER,
	S_ONLINE_ADD, S_ONLINE_DROP, S_ONLINE_GC, S_ONLINE_GET, S_ONLINE_LIST,
	S_RONLINE_ADD, S_RONLINE_DEL, S_RONLINE_CLEAR,
	S_LOG_INSERT, S_LOG_AFTER, S_LOG_LAST, S_HWM_GET, S_HWM_SET,
	S_HWM_ALL, S_HLC_MAX, S_REQ_LOG_ADD, S_REQ_LOG_RECENT, S_LOST_ADD,
	S_HWM_RAISE, S_BASE_GET, S_BASE_SET, S_LOG_TRIM, S_LOG_FIRST_OF,
	S_LOG_SPAN, S_LOG_PREFIX_MAX, S_LOG_DROP_PREFIX, S_REQ_LOG_TRIM,
	S_SNAP_USERS, S_SNAP_MARKS, S_SNAP_GROUPS, S_SNAP_SESSIONS,
	S_SNAP_MEMBERS, S_SNAP_FILES, S_SNAP_SHARES, S_SNAP_SERVING,
	S_SNAP_REQS, S_SNAP_VERSIONS, S_SNAP_HWMS,
	S_COUNT
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[S_COUNT];
	uint8_t		*pieces;	/* last file_get()'s piece hashes */
	uint32_t	 npieces_cap;
	uint32_t	 origin;	/* this tracker's id */
	struct hlc	 clock;
	uint64_t	 seq;		/* last op this tracker originated */
	const uint8_t	*req;		/* key of the request being served */
	struct buf	 opbuf;		/* the op being built */
	char		 dead_why[256];	/* of the last ST_SESSION_ENDED */
	uint64_t	 applied;	/* ops applied (counter for tests) */
	/*
	 * The last log position handed out.  Positions are never reused,
	 * even once trimming has emptied the log's end, so a sender's
	 * cursor into the log stays right.
	 */
	uint64_t	 lseq;
	int		 batch;		/* group commit: see store_batch() */
	int		 in_txn;	/* the batch's transaction is open */
	int		 inc_flipped;	/* losers became aliases: state_replay() */
	int		 replaying;	/* state_replay() is scanning the log */
	/* store_groups()'s last answer, while no row has changed since. */
	struct buf	 groups;	/* names, each ending in a NUL */
	int64_t		 groups_at;	/* sqlite3_total_changes64() then */
	int		 groups_ok;
	uint64_t	 groups_gen;	/* moves with each rebuild */
	struct reqset	 reqs;		/* request keys, REQ_KEEP_MS back */
	uint64_t	 reqs_mark;	/* reqs.added when it began */
	/*
	 * Every (group, name) of the file table, and perhaps some gone
	 * (store_search.c): NULL until the first search builds it; from
	 * then on state_file_merge() adds each row it makes.
	 */
	struct nameidx	*names;
	struct nameidx_hit *hits;	/* a search's page */
	size_t		 search_checked;	/* by the last search */
	struct store_quota quota;	/* store_set_quota(); 0: none */
	uint64_t	 batch_reqs;	/* reqs.added when the batch began */
	int		 readonly;	/* store_readonly() */
	unsigned	 page_rows;	/* store_set_page_rows(); 0: default */
};

/* A share row that counts: on, for the current content, by a member. */
#define LIVE_SHARE \
	" AND s.present = 1 AND s.sha1 = f.sha1 AND m.state = 3" \
	" AND s.stamp > m.stamp"

/*
 * Statements kept beside the code that uses them, named in store_db.c's
 * table: the quotas' (store_schema.c) and the pages' (store_page.c).
 */
extern const char db_sql_quota_groups[], db_sql_quota_pending[],
	db_sql_quota_share_rows[], db_sql_quota_shares[],
	db_sql_quota_shares_this[];
extern const char db_sql_group_page[], db_sql_req_page[],
	db_sql_file_page[], db_sql_share_page[];
struct share_row;
/*
 * The share row q stands on (columns as S_SHARE_MINE's: group, name,
 * path, sha1, size, mtime) into sr, pointing into q's row: 0, or -1 if
 * the row is not a whole one.
 */
int	db_share_row(sqlite3_stmt *q, struct share_row *sr);
/* The quotas' own table and its triggers (store_schema.c): 0, or -1. */
int	db_quota_open(sqlite3 *, char **msg);
/*
 * Bring a database of layout from (3 and later) to this release's, schema
 * being store_db.c's CREATEs, in one transaction: 0, or -1 with *msg.
 */
int	db_schema_upgrade(sqlite3 *, const char *schema, int from,
	    char **msg);

/* A membership's states, in the order a membership may move. */
enum { M_ASKED = 1, M_REFUSED, M_MEMBER, M_LEFT };

struct opctx {
	uint64_t	 hlc;
	uint32_t	 origin;
	const uint8_t	*req;		/* the request's key, or NULL */
	size_t		 reqlen;
};

/* store_db.c: the statement table and SQLite plumbing. */
const char	*db_sql(enum stmt);
/* The statement, reset with its binds cleared (opens a batch's txn). */
sqlite3_stmt	*db_stmt(struct store *, enum stmt);
int		 db_bind_text(sqlite3_stmt *, const char *name, const char *);
int		 db_bind_blob(sqlite3_stmt *, const char *name, const void *,
		    int len);
int		 db_bind_int(sqlite3_stmt *, const char *name, int64_t);
/* A statement without rows: 0, or -1 (logged). */
int		 db_exec(struct store *, sqlite3_stmt *);
/* Step a query: 1 with a row, 0 at the end, -1 on error (logged). */
int		 db_row(struct store *, sqlite3_stmt *);
/* Does the single-row query have a row: 1, 0, or -1. */
int		 db_exists(struct store *, sqlite3_stmt *);
int		 db_blob_exists(struct store *, enum stmt, const char *param,
		    const uint8_t *blob32);
/* Log a failure with SQLite's message; returns ST_ERR. */
int		 db_fail(struct store *, const char *what);
/*
 * A mutation: its own transaction, or a savepoint of the batch's one.
 * db_rollback() undoes it and passes rc through; db_commit() returns rc
 * if the commit (or release) held, else rolls back with ST_ERR.
 */
int		 db_begin(struct store *);
int		 db_rollback(struct store *, int rc);
int		 db_commit(struct store *, int rc);
uint64_t	 db_wall_ms(void);
/* The cluster's clock now (store_cluster_clock()), 0 if not known. */
uint64_t	 db_cluster_ms(void);
/*
 * What ages (of request keys, sessions, log entries) are judged by: the
 * cluster's clock when known, so a jump of ours does not age them, else
 * ours.
 */
uint64_t	 db_now_ms(void);
/* The last op of origin the database holds (0: none). */
uint64_t	 db_hwm(struct store *, uint32_t origin);

/* The session key was active now (its link came or went): 0 or -1. */
int		 db_seen(struct store *, const uint8_t key[32]);

/* store_state.c: the replicated tables and their rules. */
/* Apply an op as origin's seq-th, logged, in the caller's transaction. */
int	state_apply_logged(struct store *, uint32_t origin, uint64_t seq,
	    uint64_t hlc, const uint8_t *req, size_t reqlen, const uint8_t *op,
	    size_t oplen);
int	state_req_remember(struct store *, const uint8_t *req, uint64_t at);
int	state_grp_user_exists(struct store *, enum stmt, const char *group,
	    const char *user);
int	state_user_born(struct store *, const char *user, uint64_t *born,
	    uint32_t *origin);
int	state_group_born(struct store *, const char *group, uint64_t *born,
	    uint32_t *origin);
int	state_group_is(struct store *, const char *group, uint64_t born,
	    uint32_t origin);
/* Is the group of an op or row (its G_* fields) this incarnation? */
int	state_group_of(struct store *, const struct wire_msg *);
int	state_group_owner(struct store *, const char *group, char *owner);
int	state_is_member(struct store *, const char *group, const char *user);
int	state_member_check(struct store *, const char *group,
	    const char *user);
int	state_mem_epoch(struct store *, const char *group, const char *user,
	    uint32_t state, uint32_t *epoch);
void	state_lost_why(char *why, size_t len, const char *user);
int	state_dead_add(struct store *, const struct wire_msg *, int lost);
/* Is key ended?  0 no, 1 logged out, 2 ended by a loss, -1. */
int	state_dead_state(struct store *, const uint8_t *key);
/* A file someone shares; its piece hashes only if pieces is set. */
int	state_live_file(struct store *, const char *group, const char *name,
	    struct file_meta *, int pieces);
/* Merges a row (an op's or a snapshot's) into its table. */
int	state_apply_user(struct store *, const struct wire_msg *,
	    const struct opctx *);
int	state_apply_session(struct store *, const struct wire_msg *,
	    const struct opctx *);
int	state_apply_member_op(struct store *, const struct wire_msg *,
	    const struct opctx *, uint32_t state);
int	state_group_merge(struct store *, const char *group, uint64_t inc,
	    uint32_t inco, uint64_t revived, const struct opctx *);
int	state_file_merge(struct store *, const struct wire_msg *,
	    const struct opctx *);
int	state_share_put(struct store *, const char *group, const char *name,
	    const char *user, int present, const uint8_t *sha1,
	    const char *path, int64_t mtime, const struct opctx *);
int	state_serve_put(struct store *, const uint8_t *key, const char *group,
	    const char *name, int present, const uint8_t *sha1,
	    const struct opctx *);
int	state_version_put(struct store *, const char *group, const char *name,
	    const uint8_t *sha1, const uint8_t *parent, const struct opctx *);

/* store_inc.c: incarnations of users and groups. */
void	state_bind_req(sqlite3_stmt *, const uint8_t *req, size_t reqlen);
int	state_lost(struct store *, const char *kind, const char *name,
	    uint64_t born, uint32_t origin, const uint8_t *req, size_t reqlen);
int	state_alias_add(struct store *, const char *kind, const char *name,
	    uint64_t born, uint32_t origin, const uint8_t *req, size_t reqlen);
/* Is (born, origin) an alias of the row kind/name?  1, 0, -1. */
int	state_is_alias(struct store *, const char *kind, const char *name,
	    uint64_t born, uint32_t origin);
/*
 * Merge the creation (born, origin) of kind/name by request req (reqlen
 * 32, or 0: none) into the incarnations of the name.  What became of it:
 *   INC_LOST     it lost (or had): recorded in lost;
 *   INC_SAME     it is the row's incarnation or (now) an alias of it;
 *   INC_EARLIER  an earlier copy of the row's request: the row's old
 *                incarnation is an alias now; the caller moves the row
 *                to this one (its content);
 *   INC_WINS     earlier than the row's request: that one lost, with its
 *                aliases; lost copies of this one are its aliases now;
 *                the caller replaces the row;
 *   INC_NEW      no row yet: the caller makes it;
 * -1 on an SQL error.  content 0 (a snapshot's mark: nothing to make a
 * row of): -2 where the caller would have to make the row.
 */
enum { INC_LOST, INC_SAME, INC_EARLIER, INC_WINS, INC_NEW };
int	state_inc_merge(struct store *, const char *kind, const char *name,
	    uint64_t born, uint32_t origin, const uint8_t *req, size_t reqlen,
	    int content);
/* A snapshot's S_R_MARK (alias or lost alike: the key classes it). */
int	state_merge_mark(struct store *, const char *kind, const char *name,
	    uint64_t born, uint32_t origin, const uint8_t *req, size_t reqlen);
/*
 * Losers of group became aliases of its row (s->inc_flipped): what came
 * for them while they had lost was dropped, so it is applied again from
 * the log.  0 or -1.  (A user's: state_sessions_revive().)
 */
int	state_replay(struct store *, const char *group);
int	state_sessions_revive(struct store *, const char *user);
/* A group is made again by each of its aliases' creations: revived. */
int	state_group_revive_aliases(struct store *, const char *group);

#endif
