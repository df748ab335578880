/*
 * store.c - SQLite-backed tracker state (see store.h).
 *
 * Every statement is in the table below, prepared once by store_open()
 * and reset after each use.  Binds are by name (":user"), so the SQL and
 * the C that feeds it read the same.
 */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hlc.h"
#include "log.h"
#include "rbuf.h"
#include "reqset.h"
#include "wire.h"
#include "xalloc.h"

/*
 * Version 3 makes the state replicable: users, groups and files carry the
 * stamp (hlc, origin) of the op that created them, and are never deleted,
 * only emptied, so that no op can land on a namesake; ops are logged.
 */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS users("
    "  name TEXT PRIMARY KEY,"
    "  salt BLOB NOT NULL, hash BLOB NOT NULL, iter INTEGER NOT NULL,"
    "  born INTEGER NOT NULL, origin INTEGER NOT NULL, req BLOB)"
    "  WITHOUT ROWID;"
    /*
     * A creation retried on another tracker after a failover (same
     * request key) is one creation: the earliest copy is the row, the
     * others its aliases, and ops naming an alias apply to the row.
     */
    "CREATE TABLE IF NOT EXISTS alias("
    "  kind TEXT NOT NULL, name TEXT NOT NULL,"
    "  born INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  PRIMARY KEY(kind, name, born, origin)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS sessions("
    "  key BLOB PRIMARY KEY,"
    "  user TEXT NOT NULL REFERENCES users(name),"
    "  peer TEXT NOT NULL, ubirth INTEGER NOT NULL,"
    "  uorigin INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);"
    /* Ended sessions, so a late op cannot revive one; why for the user. */
    "CREATE TABLE IF NOT EXISTS session_dead("
    "  key BLOB PRIMARY KEY, user TEXT NOT NULL,"
    "  ubirth INTEGER NOT NULL, uorigin INTEGER NOT NULL) WITHOUT ROWID;"
    /* A group with no member is gone; its name may be taken again. */
    /* revived: the last creation's stamp; older requests are void. */
    "CREATE TABLE IF NOT EXISTS grp("
    "  name TEXT PRIMARY KEY,"
    "  born INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  revived INTEGER NOT NULL, req BLOB) WITHOUT ROWID;"
    /*
     * One row per user who ever asked to join a group: where they stand
     * (state: 1 asked, 2 refused, 3 member, 4 left) in which round
     * (epoch: one more each time they ask again after a refusal or a
     * leave), and the stamp of the op that put them there.  Rows only
     * move up in (epoch, state), the earliest stamp winning a tie, so
     * every tracker ends with the same row whatever order ops came in.
     */
    "CREATE TABLE IF NOT EXISTS member("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  user TEXT NOT NULL REFERENCES users(name),"
    "  epoch INTEGER NOT NULL, state INTEGER NOT NULL,"
    "  stamp INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, user)) WITHOUT ROWID;"
    /*
     * A file name holds the content of the latest upload (by stamp):
     * while a file is shared, the tracker refuses other content under its
     * name, so a newer content arrives only once the old one is gone, or
     * from a tracker cut off from this one.  A file nobody shares is gone.
     */
    "CREATE TABLE IF NOT EXISTS file("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, size INTEGER NOT NULL,"
    "  sha1 BLOB NOT NULL, pieces BLOB NOT NULL,"
    "  born INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, name)) WITHOUT ROWID;"
    /*
     * Who shares which content (on, or stopped) and which session serves
     * it: the latest op by stamp decides each row.  A row counts only
     * for the file's current content and, for shares, if made while the
     * user is a member (so leaving ends them, and joining again does not
     * bring them back).
     */
    "CREATE TABLE IF NOT EXISTS share("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  user TEXT NOT NULL REFERENCES users(name),"
    "  present INTEGER NOT NULL, sha1 BLOB NOT NULL,"
    "  path TEXT NOT NULL, mtime INTEGER NOT NULL,"
    "  stamp INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, name, user)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS share_user ON share(user);"
    "CREATE TABLE IF NOT EXISTS serving("
    "  key BLOB NOT NULL REFERENCES sessions(key) ON DELETE CASCADE,"
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  present INTEGER NOT NULL, sha1 BLOB NOT NULL,"
    "  stamp INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  PRIMARY KEY(key, grp, name)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS serving_file ON serving(grp, name);"
    /* Every op applied here, in the order applied (lseq). */
    "CREATE TABLE IF NOT EXISTS oplog("
    "  lseq INTEGER PRIMARY KEY, origin INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL, hlc INTEGER NOT NULL, req BLOB,"
    "  op BLOB NOT NULL, UNIQUE(origin, seq));"
    "CREATE TABLE IF NOT EXISTS hwm("
    "  origin INTEGER PRIMARY KEY, seq INTEGER NOT NULL,"
    "  hlc INTEGER NOT NULL);"
    /*
     * The origin's ops up to seq are in the tables but no longer in the
     * log (trimmed, or received in a snapshot): the log holds every op
     * of the origin after base up to its high-water mark, and a peer that
     * lacks any op at or below base can only be sent a snapshot.
     */
    "CREATE TABLE IF NOT EXISTS logbase("
    "  origin INTEGER PRIMARY KEY, seq INTEGER NOT NULL);"
    /* Requests already carried out, by their key: retries are answered. */
    /*
     * In the order they arrived, so that a row is an append and not a
     * write into a random page (request keys are hashes); looked up in
     * memory (struct reqset), which is filled from here at open.
     */
    "DROP TABLE IF EXISTS reqdone;"
    "CREATE TABLE IF NOT EXISTS reqlog("
    "  at INTEGER NOT NULL, req BLOB NOT NULL);"
    /* Creations that lost a conflict to an earlier one elsewhere. */
    "CREATE TABLE IF NOT EXISTS lost("
    "  kind TEXT NOT NULL, name TEXT NOT NULL,"
    "  born INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  PRIMARY KEY(kind, name, born, origin)) WITHOUT ROWID;";

/*
 * Which sessions have a live connection to this tracker.  Not durable and
 * not replicated: it describes this process's sockets.  A TEMP table, so
 * the query for a file's sources is one join.
 */
static const char temp_schema[] =
    "PRAGMA temp_store=MEMORY;"
    "CREATE TEMP TABLE online(key BLOB PRIMARY KEY, links INTEGER NOT NULL)"
    "  WITHOUT ROWID;"
    /* The same, as the other trackers report it over the sync channel. */
    "CREATE TEMP TABLE remote_online(tracker INTEGER NOT NULL,"
    "  key BLOB NOT NULL, PRIMARY KEY(tracker, key)) WITHOUT ROWID;"
    "CREATE INDEX temp.remote_online_key ON remote_online(key);";

/* The most store_groups() keeps: a NAMES frame's body holds no more. */
#define GROUPS_CACHE_MAX	(16 * 1024 * 1024)

/* A share row that counts: on, for the current content, by a member. */
#define LIVE_SHARE \
	" AND s.present = 1 AND s.sha1 = f.sha1 AND m.state = 3" \
	" AND s.stamp > m.stamp"

enum stmt {
	S_BEGIN, S_BEGIN_READ, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE,
	S_ROLLBACK_TO,
	S_USER_INSERT, S_USER_GET, S_USER_BORN, S_USER_REPLACE, S_REQ_OF,
	S_ALIAS_ADD, S_ALIAS_GET, S_GROUP_REBORN,
	S_SESS_INSERT, S_SESS_GET, S_SESS_DEL, S_SESS_KILL_USER,
	S_SESS_DEL_USER, S_DEAD_ADD, S_DEAD_MOVE, S_DEAD_GET,
	S_GROUP_INSERT, S_GROUP_BORN, S_GROUP_DELETE, S_GROUP_OWNER,
	S_GROUP_LIST,
	S_GROUP_REVIVE, S_MEM_GET, S_MEM_PUT, S_MEMBER_GET, S_REQ_GET,
	S_REQ_LIST,
	S_FILE_GET, S_FILE_INSERT, S_FILE_REPLACE, S_FILE_BUMP, S_FILE_SHARED,
	S_FILE_LIST, S_SHARE_PUT, S_SHARE_MINE, S_SHARE_OR_SERVE,
	S_SERVE_PUT, S_SERVE_SOURCES,
	S_ONLINE_ADD, S_ONLINE_DROP, S_ONLINE_GC, S_ONLINE_GET, S_ONLINE_LIST,
	S_RONLINE_ADD, S_RONLINE_DEL, S_RONLINE_CLEAR,
	S_LOG_INSERT, S_LOG_AFTER, S_LOG_LAST, S_HWM_GET, S_HWM_SET,
	S_HWM_ALL, S_HLC_MAX, S_REQ_LOG_ADD, S_REQ_LOG_RECENT, S_LOST_ADD,
	S_HWM_RAISE, S_BASE_GET, S_BASE_SET, S_LOG_TRIM, S_LOG_FIRST_OF,
	S_LOG_SPAN, S_LOG_PREFIX_MAX, S_LOG_DROP_PREFIX, S_REQ_LOG_TRIM,
	S_SNAP_USERS, S_SNAP_MARKS, S_SNAP_GROUPS, S_SNAP_SESSIONS,
	S_SNAP_MEMBERS, S_SNAP_FILES, S_SNAP_SHARES, S_SNAP_SERVING,
	S_SNAP_REQS, S_SNAP_HWMS,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_BEGIN_READ] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT m",
	[S_RELEASE] = "RELEASE m",
	[S_ROLLBACK_TO] = "ROLLBACK TO m",
	[S_USER_INSERT] = "INSERT INTO users(name, salt, hash, iter, born,"
	    " origin, req) VALUES(:user, :salt, :hash, :iter, :born, :origin,"
	    " :req)",
	[S_REQ_OF] = "SELECT req FROM users WHERE name = :name AND :kind ="
	    " 'user' UNION ALL SELECT req FROM grp WHERE name = :name"
	    " AND :kind = 'group'",
	[S_ALIAS_ADD] = "INSERT OR IGNORE INTO alias(kind, name, born, origin)"
	    " VALUES(:kind, :name, :born, :origin)",
	[S_ALIAS_GET] = "SELECT 1 FROM alias WHERE kind = :kind"
	    " AND name = :name AND born = :born AND origin = :origin",
	[S_USER_GET] = "SELECT salt, hash, iter FROM users WHERE name = :user",
	[S_USER_BORN] = "SELECT born, origin FROM users WHERE name = :user",
	[S_USER_REPLACE] = "UPDATE users SET salt = :salt, hash = :hash,"
	    " iter = :iter, born = :born, origin = :origin, req = :req"
	    " WHERE name = :user",
	[S_GROUP_REBORN] = "UPDATE grp SET born = :born, origin = :origin"
	    " WHERE name = :grp",
	[S_SESS_INSERT] = "INSERT OR IGNORE INTO sessions(key, user, peer,"
	    " ubirth, uorigin) VALUES(:key, :user, :peer, :born, :origin)",
	[S_SESS_GET] = "SELECT user FROM sessions WHERE key = :key",
	[S_SESS_DEL] = "DELETE FROM sessions WHERE key = :key",
	[S_SESS_KILL_USER] = "INSERT OR IGNORE INTO session_dead(key, user,"
	    " ubirth, uorigin) SELECT key, user, ubirth, uorigin FROM sessions"
	    " WHERE user = :user",
	[S_SESS_DEL_USER] = "DELETE FROM sessions WHERE user = :user",
	[S_DEAD_ADD] = "INSERT OR IGNORE INTO session_dead(key, user, ubirth,"
	    " uorigin) VALUES(:key, :user, :born, :origin)",
	[S_DEAD_MOVE] = "INSERT OR IGNORE INTO session_dead(key, user, ubirth,"
	    " uorigin) SELECT key, user, ubirth, uorigin FROM sessions"
	    " WHERE key = :key",
	/* Why it ended: its account lost to an earlier one, or not. */
	[S_DEAD_GET] = "SELECT d.user, (u.born IS NOT d.ubirth OR"
	    " u.origin IS NOT d.uorigin) AND NOT EXISTS(SELECT 1 FROM alias a"
	    " WHERE a.kind = 'user' AND a.name = d.user AND a.born = d.ubirth"
	    " AND a.origin = d.uorigin) FROM session_dead d"
	    " LEFT JOIN users u ON u.name = d.user WHERE d.key = :key",
	[S_GROUP_INSERT] = "INSERT INTO grp(name, born, origin, revived, req)"
	    " VALUES(:grp, :born, :origin, :revived, :req)",
	[S_GROUP_REVIVE] = "UPDATE grp SET revived = max(revived, :stamp)"
	    " WHERE name = :grp",
	[S_GROUP_BORN] = "SELECT born, origin FROM grp WHERE name = :grp",
	[S_GROUP_DELETE] = "DELETE FROM grp WHERE name = :grp",
	/*
	 * The owner is the member who joined earliest (the creator first):
	 * derived, so every tracker agrees on it once members agree.
	 */
	[S_GROUP_OWNER] = "SELECT user FROM member WHERE grp = :grp"
	    " AND state = 3 ORDER BY stamp, origin, user LIMIT 1",
	[S_GROUP_LIST] = "SELECT name FROM grp g WHERE EXISTS(SELECT 1"
	    " FROM member m WHERE m.grp = g.name AND m.state = 3)"
	    " ORDER BY name",
	[S_MEM_GET] = "SELECT epoch, state, stamp, origin FROM member"
	    " WHERE grp = :grp AND user = :user",
	[S_MEM_PUT] = "INSERT INTO member(grp, user, epoch, state, stamp,"
	    " origin) VALUES(:grp, :user, :epoch, :state, :stamp, :origin)"
	    " ON CONFLICT(grp, user) DO UPDATE SET epoch = excluded.epoch,"
	    " state = excluded.state, stamp = excluded.stamp,"
	    " origin = excluded.origin",
	[S_MEMBER_GET] = "SELECT 1 FROM member WHERE grp = :grp"
	    " AND user = :user AND state = 3",
	/* A request counts if made since the group was last created. */
	[S_REQ_GET] = "SELECT 1 FROM member m JOIN grp g ON g.name = m.grp"
	    " WHERE m.grp = :grp AND m.user = :user AND m.state = 1"
	    " AND m.stamp > g.revived",
	[S_REQ_LIST] = "SELECT m.user FROM member m JOIN grp g"
	    " ON g.name = m.grp WHERE m.grp = :grp AND m.state = 1"
	    " AND m.stamp > g.revived ORDER BY m.stamp, m.origin, m.user",
	[S_FILE_GET] = "SELECT size, sha1, pieces, born, origin FROM file"
	    " WHERE grp = :grp AND name = :name",
	[S_FILE_INSERT] = "INSERT INTO file(grp, name, size, sha1, pieces,"
	    " born, origin) VALUES(:grp, :name, :size, :sha1, :pieces, :born,"
	    " :origin)",
	[S_FILE_REPLACE] = "UPDATE file SET size = :size, sha1 = :sha1,"
	    " pieces = :pieces, born = :born, origin = :origin"
	    " WHERE grp = :grp AND name = :name",
	[S_FILE_BUMP] = "UPDATE file SET born = :born, origin = :origin"
	    " WHERE grp = :grp AND name = :name",
	[S_FILE_SHARED] = "SELECT 1 FROM file f JOIN share s"
	    " ON s.grp = f.grp AND s.name = f.name"
	    " JOIN member m ON m.grp = s.grp AND m.user = s.user"
	    " WHERE f.grp = :grp AND f.name = :name" LIVE_SHARE " LIMIT 1",
	/* A file is listed while at least one user shares it. */
	[S_FILE_LIST] = "SELECT f.name, f.size, f.sha1 FROM file f"
	    " WHERE f.grp = :grp AND EXISTS(SELECT 1 FROM share s"
	    " JOIN member m ON m.grp = s.grp AND m.user = s.user"
	    " WHERE s.grp = f.grp AND s.name = f.name" LIVE_SHARE ")"
	    " ORDER BY f.name",
	/* Last writer wins: the op with the higher (stamp, origin). */
	[S_SHARE_PUT] = "INSERT INTO share(grp, name, user, present, sha1,"
	    " path, mtime, stamp, origin) VALUES(:grp, :name, :user,"
	    " :present, :sha1, :path, :mtime, :stamp, :origin)"
	    " ON CONFLICT(grp, name, user) DO UPDATE SET"
	    " present = excluded.present, sha1 = excluded.sha1,"
	    " path = excluded.path, mtime = excluded.mtime,"
	    " stamp = excluded.stamp, origin = excluded.origin"
	    " WHERE (excluded.stamp, excluded.origin) > (stamp, origin)",
	[S_SHARE_MINE] = "SELECT s.grp, s.name, s.path, f.sha1, f.size,"
	    " s.mtime FROM share s JOIN file f ON f.grp = s.grp"
	    " AND f.name = s.name JOIN member m ON m.grp = s.grp"
	    " AND m.user = s.user WHERE s.user = :user" LIVE_SHARE
	    " ORDER BY s.grp, s.name",
	[S_SHARE_OR_SERVE] = "SELECT 1 WHERE EXISTS(SELECT 1 FROM share s"
	    " JOIN file f ON f.grp = s.grp AND f.name = s.name"
	    " JOIN member m ON m.grp = s.grp AND m.user = s.user"
	    " WHERE s.grp = :grp AND s.name = :name AND s.user = :user"
	    LIVE_SHARE ") OR EXISTS(SELECT 1 FROM serving"
	    " WHERE key = :key AND grp = :grp AND name = :name"
	    " AND present = 1)",
	[S_SERVE_PUT] = "INSERT INTO serving(key, grp, name, present, sha1,"
	    " stamp, origin) SELECT :key, :grp, :name, :present, :sha1,"
	    " :stamp, :origin WHERE EXISTS(SELECT 1 FROM sessions"
	    " WHERE key = :key)"
	    " ON CONFLICT(key, grp, name) DO UPDATE SET"
	    " present = excluded.present, sha1 = excluded.sha1,"
	    " stamp = excluded.stamp, origin = excluded.origin"
	    " WHERE (excluded.stamp, excluded.origin) > (stamp, origin)",
	/*
	 * Sources: sessions serving the file's current content whose user
	 * is still a member, online somewhere, not the asker.
	 */
	[S_SERVE_SOURCES] = "SELECT s.peer, min(v.key) FROM serving v"
	    " JOIN sessions s ON s.key = v.key"
	    " JOIN file f ON f.grp = v.grp AND f.name = v.name"
	    " JOIN member m ON m.grp = v.grp AND m.user = s.user"
	    " WHERE v.grp = :grp AND v.name = :name AND v.key != :key"
	    " AND v.present = 1 AND v.sha1 = f.sha1 AND m.state = 3"
	    " AND v.stamp > m.stamp"
	    " AND (EXISTS(SELECT 1 FROM temp.online o WHERE o.key = v.key)"
	    " OR EXISTS(SELECT 1 FROM temp.remote_online r"
	    " WHERE r.key = v.key)) GROUP BY s.peer ORDER BY s.peer",
	[S_ONLINE_ADD] = "INSERT INTO temp.online(key, links) VALUES(:key, 1)"
	    " ON CONFLICT(key) DO UPDATE SET links = links + 1",
	[S_ONLINE_DROP] = "UPDATE temp.online SET links = links - 1"
	    " WHERE key = :key",
	[S_ONLINE_GC] = "DELETE FROM temp.online WHERE links <= 0",
	[S_ONLINE_GET] = "SELECT 1 FROM temp.online WHERE key = :key",
	[S_ONLINE_LIST] = "SELECT key FROM temp.online",
	[S_RONLINE_ADD] = "INSERT OR IGNORE INTO temp.remote_online(tracker,"
	    " key) VALUES(:tracker, :key)",
	[S_RONLINE_DEL] = "DELETE FROM temp.remote_online"
	    " WHERE tracker = :tracker AND key = :key",
	[S_RONLINE_CLEAR] = "DELETE FROM temp.remote_online"
	    " WHERE tracker = :tracker",
	[S_LOG_INSERT] = "INSERT INTO oplog(lseq, origin, seq, hlc, req, op)"
	    " VALUES(:lseq, :origin, :seq, :hlc, :req, :op)",
	[S_LOG_AFTER] = "SELECT lseq, origin, seq, hlc, req, op FROM oplog"
	    " WHERE lseq > :lseq ORDER BY lseq LIMIT :n",
	[S_LOG_LAST] = "SELECT coalesce(max(lseq), 0) FROM oplog",
	[S_HWM_GET] = "SELECT seq FROM hwm WHERE origin = :origin",
	[S_HWM_SET] = "INSERT INTO hwm(origin, seq, hlc)"
	    " VALUES(:origin, :seq, :hlc) ON CONFLICT(origin) DO UPDATE"
	    " SET seq = excluded.seq, hlc = max(hlc, excluded.hlc)",
	[S_HWM_ALL] = "SELECT origin, seq FROM hwm ORDER BY origin",
	[S_HLC_MAX] = "SELECT coalesce(max(hlc), 0) FROM hwm",
	[S_REQ_LOG_ADD] = "INSERT INTO reqlog(at, req) VALUES(:at, :req)",
	[S_REQ_LOG_RECENT] = "SELECT at, req FROM reqlog WHERE at >= :at"
	    " ORDER BY rowid",
	[S_LOST_ADD] = "INSERT OR IGNORE INTO lost(kind, name, born, origin)"
	    " VALUES(:kind, :name, :born, :origin)",
	/* Log trimming and snapshots. */
	[S_HWM_RAISE] = "INSERT INTO hwm(origin, seq, hlc)"
	    " VALUES(:origin, :seq, :hlc) ON CONFLICT(origin) DO UPDATE"
	    " SET seq = max(seq, excluded.seq), hlc = max(hlc, excluded.hlc)",
	[S_BASE_GET] = "SELECT seq FROM logbase WHERE origin = :origin",
	[S_BASE_SET] = "INSERT INTO logbase(origin, seq) VALUES(:origin, :seq)"
	    " ON CONFLICT(origin) DO UPDATE SET seq = max(seq, excluded.seq)",
	[S_LOG_TRIM] = "DELETE FROM oplog WHERE origin = :origin"
	    " AND seq <= :seq",
	[S_LOG_FIRST_OF] = "SELECT min(seq) FROM oplog WHERE origin = :origin",
	[S_LOG_SPAN] = "SELECT min(lseq), max(lseq) FROM oplog",
	[S_LOG_PREFIX_MAX] = "SELECT origin, max(seq) FROM oplog"
	    " WHERE lseq < :lseq GROUP BY origin",
	[S_LOG_DROP_PREFIX] = "DELETE FROM oplog WHERE lseq < :lseq",
	/* From the oldest end: the rows are in (about) time order. */
	[S_REQ_LOG_TRIM] = "DELETE FROM reqlog WHERE rowid IN (SELECT rowid"
	    " FROM reqlog ORDER BY rowid LIMIT :n) AND at < :at",
	/* One query a row kind, in the order a snapshot sends them. */
	[S_SNAP_USERS] = "SELECT name, salt, hash, iter, born, origin, req"
	    " FROM users",
	[S_SNAP_MARKS] = "SELECT 1, kind, name, born, origin FROM alias"
	    " UNION ALL SELECT 2, kind, name, born, origin FROM lost",
	[S_SNAP_GROUPS] = "SELECT name, born, origin, revived, req FROM grp",
	[S_SNAP_SESSIONS] = "SELECT key, user, ubirth, uorigin, peer, 1"
	    " FROM sessions UNION ALL SELECT key, user, ubirth, uorigin, '', 0"
	    " FROM session_dead",
	[S_SNAP_MEMBERS] = "SELECT m.grp, g.born, g.origin, m.user, m.epoch,"
	    " m.state, m.stamp, m.origin FROM member m"
	    " JOIN grp g ON g.name = m.grp",
	[S_SNAP_FILES] = "SELECT f.grp, g.born, g.origin, f.name, f.size,"
	    " f.sha1, f.pieces, f.born, f.origin FROM file f"
	    " JOIN grp g ON g.name = f.grp",
	[S_SNAP_SHARES] = "SELECT s.grp, g.born, g.origin, s.name, s.user,"
	    " s.present, s.sha1, s.path, s.mtime, s.stamp, s.origin"
	    " FROM share s JOIN grp g ON g.name = s.grp",
	[S_SNAP_SERVING] = "SELECT v.grp, g.born, g.origin, v.name, v.key,"
	    " v.present, v.sha1, v.stamp, v.origin FROM serving v"
	    " JOIN grp g ON g.name = v.grp",
	[S_SNAP_REQS] = "SELECT req, at FROM reqlog",
	[S_SNAP_HWMS] = "SELECT origin, seq, hlc FROM hwm ORDER BY origin",
};

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
static uint64_t	wall_ms(void);

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
	/* store_groups()'s last answer, while no row has changed since. */
	struct buf	 groups;	/* names, each ending in a NUL */
	int64_t		 groups_at;	/* sqlite3_total_changes64() then */
	int		 groups_ok;
	struct reqset	 reqs;		/* request keys of the last REQ_KEEP_MS */
	uint64_t	 reqs_mark;	/* reqs.added when it began */
};

/* Log a failure of statement s (or of the database if s < 0). */
static int
fail(struct store *s, const char *what)
{
	log_warnx("store: %s: %s", what, sqlite3_errmsg(s->db));
	return ST_ERR;
}

static sqlite3_stmt *
stmt(struct store *s, enum stmt i)
{
	/*
	 * In batch mode everything until store_flush() is one transaction,
	 * reads included: one lock for all the requests of an iteration
	 * instead of a few per statement.  It becomes a write transaction
	 * at the first write (this process is the only writer).
	 */
	if (s->batch && !s->in_txn && i != S_COMMIT && i != S_ROLLBACK) {
		sqlite3_reset(s->st[S_BEGIN_READ]);
		if (sqlite3_step(s->st[S_BEGIN_READ]) == SQLITE_DONE)
			s->in_txn = 1;
		sqlite3_reset(s->st[S_BEGIN_READ]);
	}
	sqlite3_reset(s->st[i]);
	sqlite3_clear_bindings(s->st[i]);
	return s->st[i];
}

static int
bind_text(sqlite3_stmt *q, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(q, name);

	if (i == 0)
		fatalx("store: no parameter %s in: %s", name, sqlite3_sql(q));
	return sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}

static int
bind_blob(sqlite3_stmt *q, const char *name, const void *v, int n)
{
	int i = sqlite3_bind_parameter_index(q, name);

	if (i == 0)
		fatalx("store: no parameter %s in: %s", name, sqlite3_sql(q));
	return sqlite3_bind_blob(q, i, v, n, SQLITE_STATIC);
}

static int
bind_int(sqlite3_stmt *q, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(q, name);

	if (i == 0)
		fatalx("store: no parameter %s in: %s", name, sqlite3_sql(q));
	return sqlite3_bind_int64(q, i, v);
}

/* Run a statement that returns no rows.  0 or -1. */
static int
exec(struct store *s, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		fail(s, sqlite3_sql(q));
		return -1;
	}
	return 0;
}

/* Step a query: 1 with a row, 0 at the end, -1 on error. */
static int
row(struct store *s, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return 0;
	fail(s, sqlite3_sql(q));
	return -1;
}

/* 1 if the single-row query q has a row, 0 if not, -1 on error. */
static int
exists(struct store *s, sqlite3_stmt *q)
{
	int r = row(s, q);

	if (r == 1)
		sqlite3_reset(q);
	return r;
}

static uint64_t	hwm_get(struct store *, uint32_t);

/* Does statement i, given one 32-byte blob as param, have a row? */
static int
blob_exists(struct store *s, enum stmt i, const char *param,
    const uint8_t *blob)
{
	sqlite3_stmt *q = stmt(s, i);

	bind_blob(q, param, blob, 32);
	return exists(s, q);
}

/*
 * A mutation is a transaction of its own, or, in batch mode, a savepoint
 * inside the batch's one transaction, which store_flush() commits.
 */
static int
begin(struct store *s)
{
	s->reqs_mark = s->reqs.added;
	if (!s->batch)
		return exec(s, stmt(s, S_BEGIN));
	/* stmt() opened the batch's transaction if need be. */
	if (exec(s, stmt(s, S_SAVEPOINT)) == -1 || !s->in_txn)
		return -1;
	return 0;
}

/* Undo the transaction and pass rc through. */
static int
rollback(struct store *s, int rc)
{
	reqset_undo(&s->reqs, s->reqs_mark);
	if (!s->batch) {
		exec(s, stmt(s, S_ROLLBACK));
		return rc;
	}
	exec(s, stmt(s, S_ROLLBACK_TO));
	exec(s, stmt(s, S_RELEASE));
	return rc;
}

/* Commit, or roll back and fail.  Returns rc when the commit held. */
static int
commit(struct store *s, int rc)
{
	if (exec(s, stmt(s, s->batch ? S_RELEASE : S_COMMIT)) == -1)
		return rollback(s, ST_ERR);
	return rc;
}

void
store_batch(struct store *s, int on)
{
	s->batch = on;
}

int
store_flush(struct store *s)
{
	if (!s->in_txn)
		return 0;
	s->in_txn = 0;
	if (exec(s, stmt(s, S_COMMIT)) == -1) {
		exec(s, stmt(s, S_ROLLBACK));
		s->groups_ok = 0;	/* may list what was rolled back */
		s->seq = hwm_get(s, s->origin);
		return -1;
	}
	return 0;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof(*s));
	sqlite3_stmt *q;
	char *msg = NULL;
	int i, version = 0;

	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
	    NULL, NULL, &msg) != SQLITE_OK)
		goto fail_msg;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q,
	    NULL) != SQLITE_OK)
		goto fail_db;
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version > 0 && version < 3) {
		snprintf(err, errlen, "%s: schema version %d predates "
		    "replication (3); move the file away to start afresh",
		    path, version);
		goto fail;
	}
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is newer than "
		    "this tracker's (%d)", path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version < STORE_SCHEMA_VERSION) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d;",
		    STORE_SCHEMA_VERSION);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL,
		    &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
			goto fail_msg;
	}
	if (sqlite3_exec(s->db, temp_schema, NULL, NULL, &msg) != SQLITE_OK)
		goto fail_msg;
	for (i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK)
			goto fail_db;
	buf_init(&s->opbuf, WIRE_HDR + 8 * 1024 * 1024);
	buf_init(&s->groups, GROUPS_CACHE_MAX);
	reqset_init(&s->reqs, REQ_MAX);
	q = stmt(s, S_HLC_MAX);
	if (row(s, q) == 1) {
		s->clock.last = (uint64_t)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	q = stmt(s, S_LOG_LAST);
	if (row(s, q) == 1) {
		s->lseq = (uint64_t)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	/* The requests of the last REQ_KEEP_MS, back into memory. */
	q = stmt(s, S_REQ_LOG_RECENT);
	bind_int(q, ":at", (int64_t)(wall_ms() - REQ_KEEP_MS));
	while ((i = row(s, q)) == 1)
		if (sqlite3_column_bytes(q, 1) == 32)
			reqset_add(&s->reqs,
			    reqset_key(sqlite3_column_blob(q, 1)),
			    (uint64_t)sqlite3_column_int64(q, 0));
	if (i == -1)
		goto fail_db;
	store_set_origin(s, 1);
	return s;
fail_msg:
	snprintf(err, errlen, "%s: %s", path, msg ? msg : "error");
	sqlite3_free(msg);
	goto fail;
fail_db:
	snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	buf_free(&s->opbuf);
	buf_free(&s->groups);
	reqset_free(&s->reqs);
	free(s->pieces);
	free(s);
}


static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A request carried out at ms (wall clock): logged, and kept in memory. */
static int
req_remember(struct store *s, const uint8_t *req, uint64_t at)
{
	uint64_t k = reqset_key(req), now = wall_ms();
	sqlite3_stmt *q;

	if (reqset_has(&s->reqs, k) || (now > REQ_KEEP_MS &&
	    at < now - REQ_KEEP_MS))
		return 0;	/* known, or too old to be retried */
	q = stmt(s, S_REQ_LOG_ADD);
	bind_int(q, ":at", (int64_t)at);
	bind_blob(q, ":req", req, 32);
	if (exec(s, q) == -1)
		return -1;
	reqset_add(&s->reqs, k, at);
	return 0;
}

static int
grp_user_exists(struct store *s, enum stmt i, const char *group,
    const char *user)
{
	sqlite3_stmt *q = stmt(s, i);

	bind_text(q, ":grp", group);
	bind_text(q, ":user", user);
	return exists(s, q);
}

/* (born, origin) of a user or group row: 1, 0 if none, -1. */
static int
born_of(struct store *s, enum stmt i, const char *param, const char *name,
    uint64_t *born, uint32_t *origin)
{
	sqlite3_stmt *q = stmt(s, i);
	int r;

	bind_text(q, param, name);
	if ((r = row(s, q)) != 1)
		return r;
	*born = (uint64_t)sqlite3_column_int64(q, 0);
	*origin = (uint32_t)sqlite3_column_int64(q, 1);
	sqlite3_reset(q);
	return 1;
}

static int
user_born(struct store *s, const char *user, uint64_t *born,
    uint32_t *origin)
{
	return born_of(s, S_USER_BORN, ":user", user, born, origin);
}

static int
group_born(struct store *s, const char *group, uint64_t *born,
    uint32_t *origin)
{
	return born_of(s, S_GROUP_BORN, ":grp", group, born, origin);
}

/* Is the group row the incarnation (born, origin)?  1, 0, -1. */
static int	is_alias(struct store *, const char *, const char *, uint64_t,
		    uint32_t);

static int
group_is(struct store *s, const char *group, uint64_t born, uint32_t origin)
{
	uint64_t b;
	uint32_t o;
	int r;

	if ((r = group_born(s, group, &b, &o)) != 1)
		return r;
	if (b == born && o == origin)
		return 1;
	return is_alias(s, "group", group, born, origin);
}

/*
 * Owner (earliest member) of a group into owner (may be NULL): ST_OK, or
 * ST_NO_GROUP for a group with no member (gone) or none at all.
 */
static int
group_owner(struct store *s, const char *group, char *owner)
{
	sqlite3_stmt *q = stmt(s, S_GROUP_OWNER);
	int r;

	bind_text(q, ":grp", group);
	if ((r = row(s, q)) != 1)
		return r == 0 ? ST_NO_GROUP : ST_ERR;
	if (owner != NULL)
		snprintf(owner, ID_MAX + 1, "%s",
		    (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	return ST_OK;
}

static int
is_member(struct store *s, const char *group, const char *user)
{
	return grp_user_exists(s, S_MEMBER_GET, group, user);
}

static int
lost(struct store *s, const char *kind, const char *name, uint64_t born,
    uint32_t origin)
{
	sqlite3_stmt *q = stmt(s, S_LOST_ADD);

	bind_text(q, ":kind", kind);
	bind_text(q, ":name", name);
	bind_int(q, ":born", (int64_t)born);
	bind_int(q, ":origin", origin);
	if (exec(s, q) == -1)
		return -1;
	/* Once per loss: a snapshot brings known ones again. */
	if (sqlite3_changes(s->db) > 0)
		log_info("store: conflict: %s %s created at %llu on tracker "
		    "%u lost to an earlier one", kind, name,
		    (unsigned long long)born, origin);
	return 0;
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
struct opctx {
	uint64_t	 hlc;
	uint32_t	 origin;
	const uint8_t	*req;		/* the request's key, or NULL */
	size_t		 reqlen;
};

static int
alias_add(struct store *s, const char *kind, const char *name, uint64_t born,
    uint32_t origin)
{
	sqlite3_stmt *q = stmt(s, S_ALIAS_ADD);

	bind_text(q, ":kind", kind);
	bind_text(q, ":name", name);
	bind_int(q, ":born", (int64_t)born);
	bind_int(q, ":origin", origin);
	return exec(s, q);
}

/* Is (born, origin) an alias of the row kind/name?  1, 0, -1. */
static int
is_alias(struct store *s, const char *kind, const char *name, uint64_t born,
    uint32_t origin)
{
	sqlite3_stmt *q = stmt(s, S_ALIAS_GET);

	bind_text(q, ":kind", kind);
	bind_text(q, ":name", name);
	bind_int(q, ":born", (int64_t)born);
	bind_int(q, ":origin", origin);
	return exists(s, q);
}

/* Was the row kind/name created by the op's own request?  1, 0, -1. */
static int
same_request(struct store *s, const char *kind, const char *name,
    const struct opctx *c)
{
	sqlite3_stmt *q;
	int r;

	if (c->reqlen != 32)
		return 0;
	q = stmt(s, S_REQ_OF);
	bind_text(q, ":kind", kind);
	bind_text(q, ":name", name);
	if ((r = row(s, q)) != 1)
		return r;
	r = sqlite3_column_bytes(q, 0) == 32 &&
	    memcmp(sqlite3_column_blob(q, 0), c->req, 32) == 0;
	sqlite3_reset(q);
	return r;
}

static void
bind_req(sqlite3_stmt *q, const struct opctx *c)
{
	int i = sqlite3_bind_parameter_index(q, ":req");

	if (c->reqlen == 32)
		sqlite3_bind_blob(q, i, c->req, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* What the user of a session of a losing account is told. */
static void
lost_why(char *why, size_t len, const char *user)
{
	snprintf(why, len, "the account %s was also created on another "
	    "tracker at the same time, and that one was kept; create an "
	    "account under another name", user);
}

static int
apply_user(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	const char *user = m->f[0].s;
	sqlite3_stmt *q;
	uint64_t born;
	uint32_t origin;
	int r, same;

	if (m->f[1].n != STORE_SALT_LEN || m->f[2].n != STORE_HASH_LEN)
		return -2;
	if ((r = user_born(s, user, &born, &origin)) == -1)
		return -1;
	if (r == 1) {
		r = hlc_cmp(c->hlc, c->origin, born, origin);
		if (r == 0)
			return 0;
		if ((same = same_request(s, "user", user, c)) == -1)
			return -1;
		if (same && r > 0)
			return alias_add(s, "user", user, c->hlc, c->origin);
		if (same) {
			/* The earlier copy of one creation: its row. */
			if (alias_add(s, "user", user, born, origin) == -1)
				return -1;
			q = stmt(s, S_USER_REPLACE);
			goto put;
		}
		if (r > 0)
			return lost(s, "user", user, c->hlc, c->origin);
		/* Ours is earlier: the account here was the loser. */
		if (lost(s, "user", user, born, origin) == -1)
			return -1;
		q = stmt(s, S_SESS_KILL_USER);
		bind_text(q, ":user", user);
		if (exec(s, q) == -1)
			return -1;
		q = stmt(s, S_SESS_DEL_USER);
		bind_text(q, ":user", user);
		if (exec(s, q) == -1)
			return -1;
		q = stmt(s, S_USER_REPLACE);
	} else {
		q = stmt(s, S_USER_INSERT);
	}
put:
	bind_req(q, c);
	bind_text(q, ":user", user);
	bind_blob(q, ":salt", m->f[1].p, STORE_SALT_LEN);
	bind_blob(q, ":hash", m->f[2].p, STORE_HASH_LEN);
	bind_int(q, ":iter", (int64_t)m->f[3].u);
	bind_int(q, ":born", (int64_t)c->hlc);
	bind_int(q, ":origin", c->origin);
	return exec(s, q);
}

/*
 * Ended sessions keep their user and its incarnation, so why one ended
 * is worked out when asked, the same on every tracker.
 */
static int
dead_add(struct store *s, const uint8_t *key, const char *user,
    uint64_t born, uint32_t origin)
{
	sqlite3_stmt *q = stmt(s, S_DEAD_ADD);

	bind_blob(q, ":key", key, 32);
	bind_text(q, ":user", user);
	bind_int(q, ":born", (int64_t)born);
	bind_int(q, ":origin", origin);
	return exec(s, q);
}

static int
apply_session(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	const uint8_t *key = m->f[0].p;
	const char *user = m->f[1].s;
	sqlite3_stmt *q;
	uint64_t born = 0;
	uint32_t origin = 0;
	int r;

	(void)c;
	if (m->f[0].n != 32)
		return -2;
	if ((r = blob_exists(s, S_DEAD_GET, ":key", key)) != 0)
		return r == 1 ? 0 : -1;
	if ((r = user_born(s, user, &born, &origin)) == -1)
		return -1;
	if (r == 1 && (born != m->f[2].u || origin != m->f[3].u) &&
	    (r = is_alias(s, "user", user, m->f[2].u,
	    (uint32_t)m->f[3].u)) == -1)
		return -1;
	if (r == 0)
		return dead_add(s, key, user, m->f[2].u, (uint32_t)m->f[3].u);
	q = stmt(s, S_SESS_INSERT);
	bind_blob(q, ":key", key, 32);
	bind_text(q, ":user", user);
	bind_text(q, ":peer", m->f[4].s);
	/* The incarnation the op names (the row's, or an alias of it). */
	bind_int(q, ":born", (int64_t)m->f[2].u);
	bind_int(q, ":origin", (uint32_t)m->f[3].u);
	return exec(s, q);
}

static int
apply_logout(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	sqlite3_stmt *q;

	(void)c;
	if (m->f[0].n != 32)
		return -2;
	q = stmt(s, S_DEAD_MOVE);
	bind_blob(q, ":key", m->f[0].p, 32);
	if (exec(s, q) == -1)
		return -1;
	q = stmt(s, S_SESS_DEL);
	bind_blob(q, ":key", m->f[0].p, 32);
	return exec(s, q);
}

enum { M_ASKED = 1, M_REFUSED, M_MEMBER, M_LEFT };

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
	sqlite3_stmt *q = stmt(s, S_MEM_GET);
	int r;

	bind_text(q, ":grp", group);
	bind_text(q, ":user", user);
	if ((r = row(s, q)) != 1) {
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
	q = stmt(s, S_MEM_PUT);
	bind_text(q, ":grp", group);
	bind_text(q, ":user", user);
	bind_int(q, ":epoch", epoch);
	bind_int(q, ":state", state);
	bind_int(q, ":stamp", (int64_t)c->hlc);
	bind_int(q, ":origin", c->origin);
	return exec(s, q) == -1 ? -1 : 1;
}

/* The epoch an op of the given state about user belongs to. */
static int
mem_epoch(struct store *s, const char *group, const char *user,
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

/*
 * Merge the incarnation (inc, inco) of group, (re)created at stamp
 * revived, into its row: the earliest creation keeps the name, the same
 * creation (one request done on two trackers) is one.  1 if inc is now
 * the group's incarnation, 0 if it lost, -1.
 */
static int
group_merge(struct store *s, const char *group, uint64_t inc, uint32_t inco,
    uint64_t revived, const struct opctx *c)
{
	uint64_t born = 0;
	uint32_t origin = 0;
	sqlite3_stmt *q;
	int r, there;

	if ((there = group_born(s, group, &born, &origin)) == -1)
		return -1;
	r = there ? hlc_cmp(inc, inco, born, origin) : 1;
	if (there && r != 0) {
		int same = same_request(s, "group", group, c);

		if (same == -1 || (same == 0 && (same = is_alias(s, "group",
		    group, inc, inco)) == -1))
			return -1;
		if (same && r < 0) {
			/* The earlier copy of one creation: its row. */
			q = stmt(s, S_GROUP_REBORN);
			bind_text(q, ":grp", group);
			bind_int(q, ":born", (int64_t)inc);
			bind_int(q, ":origin", inco);
			if (alias_add(s, "group", group, born, origin) == -1 ||
			    exec(s, q) == -1)
				return -1;
		} else if (same && alias_add(s, "group", group, inc,
		    inco) == -1) {
			return -1;
		}
		if (same)
			r = 0;
	}
	if (there && r == 0) {
		/* Created again after it emptied: old requests are void. */
		q = stmt(s, S_GROUP_REVIVE);
		bind_text(q, ":grp", group);
		bind_int(q, ":stamp", (int64_t)revived);
		return exec(s, q) == -1 ? -1 : 1;
	}
	if (there && r > 0)
		return lost(s, "group", group, inc, inco);
	if (there) {
		if (lost(s, "group", group, born, origin) == -1)
			return -1;
		q = stmt(s, S_GROUP_DELETE);	/* cascades to its rows */
		bind_text(q, ":grp", group);
		if (exec(s, q) == -1)
			return -1;
	}
	q = stmt(s, S_GROUP_INSERT);
	bind_req(q, c);
	bind_text(q, ":grp", group);
	bind_int(q, ":born", (int64_t)inc);
	bind_int(q, ":origin", inco);
	bind_int(q, ":revived", (int64_t)revived);
	return exec(s, q) == -1 ? -1 : 1;
}

static int
apply_group(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	int r;

	r = group_merge(s, m->f[0].s, m->f[2].u, (uint32_t)m->f[3].u,
	    c->hlc, c);
	if (r != 1)
		return r;
	return mem_merge(s, m->f[0].s, m->f[1].s, (uint32_t)m->f[4].u,
	    M_MEMBER, c) == -1 ? -1 : 0;
}

/*
 * Ops "iquiu": group, incarnation, user, epoch; merged into the user's
 * row as state.
 */
static int
apply_member_op(struct store *s, const struct wire_msg *m,
    const struct opctx *c, uint32_t state)
{
	const char *group = m->f[0].s, *user = m->f[3].s;
	int r;

	if ((r = group_is(s, group, m->f[1].u, (uint32_t)m->f[2].u)) != 1)
		return r;
	/* Shares made before a leave stop counting by themselves. */
	return mem_merge(s, group, user, (uint32_t)m->f[4].u, state, c) ==
	    -1 ? -1 : 0;
}

static int
apply_join(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	return apply_member_op(s, m, c, M_ASKED);
}

static int
apply_accept(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	return apply_member_op(s, m, c, M_MEMBER);
}

static int
apply_reject(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	return apply_member_op(s, m, c, M_REFUSED);
}

static int
apply_leave(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	return apply_member_op(s, m, c, M_LEFT);
}

/* Read a file row; ST_OK (m filled), ST_NO_FILE or ST_ERR. */
static int
file_get(struct store *s, const char *group, const char *name,
    struct file_meta *m, uint64_t *born, uint32_t *origin)
{
	sqlite3_stmt *q = stmt(s, S_FILE_GET);
	int r;

	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	if ((r = row(s, q)) != 1)
		return r == 0 ? ST_NO_FILE : ST_ERR;
	m->size = (uint64_t)sqlite3_column_int64(q, 0);
	if (sqlite3_column_bytes(q, 1) != 20 ||
	    sqlite3_column_bytes(q, 2) % 20 != 0) {
		sqlite3_reset(q);
		log_warnx("store: file %s/%s is malformed", group, name);
		return ST_ERR;
	}
	memcpy(m->sha1, sqlite3_column_blob(q, 1), 20);
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
	sqlite3_stmt *q = stmt(s, S_FILE_SHARED);

	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	return exists(s, q);
}

/* A file someone shares: ST_OK, ST_NO_FILE (none, or gone), ST_ERR. */
static int
live_file(struct store *s, const char *group, const char *name,
    struct file_meta *m)
{
	int r;

	if ((r = file_get(s, group, name, m, NULL, NULL)) != ST_OK)
		return r;
	if ((r = file_shared(s, group, name)) != 1)
		return r == 0 ? ST_NO_FILE : ST_ERR;
	return ST_OK;
}

static int
share_put(struct store *s, const char *group, const char *name,
    const char *user, int present, const uint8_t *sha1, const char *path,
    int64_t mtime, const struct opctx *c)
{
	sqlite3_stmt *q = stmt(s, S_SHARE_PUT);

	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	bind_text(q, ":user", user);
	bind_int(q, ":present", present);
	bind_blob(q, ":sha1", sha1, 20);
	bind_text(q, ":path", path);
	bind_int(q, ":mtime", mtime);
	bind_int(q, ":stamp", (int64_t)c->hlc);
	bind_int(q, ":origin", c->origin);
	return exec(s, q);
}

static int
serve_put(struct store *s, const uint8_t *key, const char *group,
    const char *name, int present, const uint8_t *sha1,
    const struct opctx *c)
{
	sqlite3_stmt *q = stmt(s, S_SERVE_PUT);

	bind_blob(q, ":key", key, 32);
	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	bind_int(q, ":present", present);
	bind_blob(q, ":sha1", sha1, 20);
	bind_int(q, ":stamp", (int64_t)c->hlc);
	bind_int(q, ":origin", c->origin);
	return exec(s, q);
}

/*
 * The file's content is that of the latest upload by (stamp, origin):
 * the same content moves the stamp up, other content replaces it only
 * if newer.  A maximum, so the order uploads arrive in does not matter.
 * m: "iqusqhH" group, its incarnation, name, size, sha1, piece hashes
 * (an upload op or a file row); the group is checked.
 */
static int
file_merge(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	const char *group = m->f[0].s, *name = m->f[3].s;
	struct file_meta cur;
	sqlite3_stmt *q = NULL;
	uint64_t born;
	uint32_t origin;
	int r, same;

	r = file_get(s, group, name, &cur, &born, &origin);
	if (r == ST_ERR)
		return -1;
	same = r == ST_OK && cur.size == m->f[4].u &&
	    memcmp(cur.sha1, m->f[5].p, 20) == 0;
	if (r == ST_NO_FILE)
		q = stmt(s, S_FILE_INSERT);
	else if (hlc_cmp(c->hlc, c->origin, born, origin) > 0)
		q = stmt(s, same ? S_FILE_BUMP : S_FILE_REPLACE);
	if (q != NULL) {
		bind_text(q, ":grp", group);
		bind_text(q, ":name", name);
		if (!same) {
			bind_int(q, ":size", (int64_t)m->f[4].u);
			bind_blob(q, ":sha1", m->f[5].p, 20);
			bind_blob(q, ":pieces", m->f[6].p,
			    (int)m->f[6].n * 20);
		}
		bind_int(q, ":born", (int64_t)c->hlc);
		bind_int(q, ":origin", c->origin);
		if (exec(s, q) == -1)
			return -1;
	}
	return 0;
}

static int
apply_upload(struct store *s, const struct wire_msg *m,
    const struct opctx *c)
{
	const char *group = m->f[0].s, *name = m->f[3].s, *user = m->f[7].s;
	int r;

	if (m->f[10].n != 32 || m->f[4].u > WIRE_FILE_MAX ||
	    m->f[6].n != wire_npieces(m->f[4].u))
		return -2;
	/* No membership test here: shares count only for members anyway. */
	if ((r = group_is(s, group, m->f[1].u, (uint32_t)m->f[2].u)) != 1)
		return r;
	if (file_merge(s, m, c) == -1)
		return -1;
	if (share_put(s, group, name, user, 1, m->f[5].p, m->f[8].s,
	    (int64_t)m->f[9].u, c) == -1)
		return -1;
	return serve_put(s, m->f[10].p, group, name, 1, m->f[5].p, c);
}

static int
apply_serve(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	int r;

	if (m->f[4].n != 20 || m->f[5].n != 32)
		return -2;
	if ((r = group_is(s, m->f[0].s, m->f[1].u, (uint32_t)m->f[2].u)) != 1)
		return r;
	return serve_put(s, m->f[5].p, m->f[0].s, m->f[3].s, 1, m->f[4].p, c);
}

static int
apply_stop(struct store *s, const struct wire_msg *m, const struct opctx *c)
{
	static const uint8_t none[20];
	const char *group = m->f[0].s, *name = m->f[3].s;
	int r;

	if (m->f[5].n != 32)
		return -2;
	if ((r = group_is(s, group, m->f[1].u, (uint32_t)m->f[2].u)) != 1)
		return r;
	if (share_put(s, group, name, m->f[4].s, 0, none, "", 0, c) == -1)
		return -1;
	return serve_put(s, m->f[5].p, group, name, 0, none, c);
}

typedef int (*apply_fn)(struct store *, const struct wire_msg *,
    const struct opctx *);

static apply_fn
applier(unsigned type)
{
	switch (type) {
	case WT_OP_USER:	return apply_user;
	case WT_OP_SESSION:	return apply_session;
	case WT_OP_LOGOUT:	return apply_logout;
	case WT_OP_GROUP:	return apply_group;
	case WT_OP_JOIN:	return apply_join;
	case WT_OP_ACCEPT:	return apply_accept;
	case WT_OP_REJECT:	return apply_reject;
	case WT_OP_LEAVE:	return apply_leave;
	case WT_OP_UPLOAD:	return apply_upload;
	case WT_OP_SERVE:	return apply_serve;
	case WT_OP_STOP:	return apply_stop;
	}
	return NULL;
}

static uint64_t
hwm_get(struct store *s, uint32_t origin)
{
	sqlite3_stmt *q = stmt(s, S_HWM_GET);
	uint64_t seq = 0;

	bind_int(q, ":origin", origin);
	if (row(s, q) == 1) {
		seq = (uint64_t)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	return seq;
}

/*
 * Apply op (a whole frame) as (origin, seq, hlc), log it, advance the
 * origin's high-water mark, remember its request: inside the caller's
 * transaction.  ST_OK, ST_BAD_OP or ST_ERR.
 */
static int
apply_logged(struct store *s, uint32_t origin, uint64_t seq, uint64_t hlc,
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
	if ((r = fn(s, &m, &c)) != 0) {
		if (r == -2)
			log_warnx("store: malformed %s op %u:%llu",
			    wire_type_name(h.type), origin,
			    (unsigned long long)seq);
		return r == -2 ? ST_BAD_OP : ST_ERR;
	}
	q = stmt(s, S_LOG_INSERT);
	bind_int(q, ":lseq", (int64_t)s->lseq + 1);
	bind_int(q, ":origin", origin);
	bind_int(q, ":seq", (int64_t)seq);
	bind_int(q, ":hlc", (int64_t)hlc);
	if (reqlen > 0)
		bind_blob(q, ":req", req, (int)reqlen);
	bind_blob(q, ":op", op, (int)oplen);
	if (exec(s, q) == -1)
		return ST_ERR;
	s->lseq++;
	q = stmt(s, S_HWM_SET);
	bind_int(q, ":origin", origin);
	bind_int(q, ":seq", (int64_t)seq);
	bind_int(q, ":hlc", (int64_t)hlc);
	if (exec(s, q) == -1)
		return ST_ERR;
	if (reqlen > 0 && req_remember(s, req, HLC_MS(hlc)) == -1)
		return ST_ERR;
	s->applied++;
	return ST_OK;
}

/* Ops made here: stamp, encode into opbuf, apply and log. */

static uint64_t
op_stamp(struct store *s)
{
	return hlc_now(&s->clock, wall_ms());
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
	rc = apply_logged(s, s->origin, s->seq + 1, hlc, s->req,
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
	rc = commit(s, rc);
	if (rc == ST_ERR)
		s->seq = hwm_get(s, s->origin);
	return rc;
}

void
store_set_origin(struct store *s, uint32_t origin)
{
	s->origin = origin;
	s->seq = hwm_get(s, origin);
}

uint32_t
store_origin(const struct store *s)
{
	return s->origin;
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

/* Users and sessions. */

int
store_user_create(struct store *s, const char *user,
    const struct user_cred *c, int64_t now)
{
	struct wire_enc e;
	uint64_t born;
	uint32_t origin;
	int r;

	(void)now;
	if (begin(s) == -1)
		return ST_ERR;
	if ((r = user_born(s, user, &born, &origin)) != 0)
		return rollback(s, r == 1 ? ST_USER_EXISTS : ST_ERR);
	op_begin(s, &e, WT_OP_USER);
	wire_put_id(&e, user);
	wire_put_blob(&e, c->salt, STORE_SALT_LEN);
	wire_put_blob(&e, c->hash, STORE_HASH_LEN);
	wire_put_u32(&e, c->iter);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_user_cred(struct store *s, const char *user, struct user_cred *c)
{
	sqlite3_stmt *q = stmt(s, S_USER_GET);
	int r;

	bind_text(q, ":user", user);
	if ((r = row(s, q)) != 1)
		return r == 0 ? ST_NO_USER : ST_ERR;
	if (sqlite3_column_bytes(q, 0) != STORE_SALT_LEN ||
	    sqlite3_column_bytes(q, 1) != STORE_HASH_LEN) {
		sqlite3_reset(q);
		log_warnx("store: user %s has a malformed credential", user);
		return ST_ERR;
	}
	memcpy(c->salt, sqlite3_column_blob(q, 0), STORE_SALT_LEN);
	memcpy(c->hash, sqlite3_column_blob(q, 1), STORE_HASH_LEN);
	c->iter = (unsigned)sqlite3_column_int64(q, 2);
	sqlite3_reset(q);
	return ST_OK;
}

int
store_session_add(struct store *s, const uint8_t key[32], const char *user,
    const char *peer, int64_t now)
{
	struct wire_enc e;
	uint64_t born;
	uint32_t origin;
	int r;

	(void)now;
	if (begin(s) == -1)
		return ST_ERR;
	if ((r = user_born(s, user, &born, &origin)) != 1)
		return rollback(s, r == 0 ? ST_NO_USER : ST_ERR);
	if ((r = blob_exists(s, S_DEAD_GET, ":key", key)) != 0)
		return rollback(s, r == 1 ? ST_SESSION_ENDED : ST_ERR);
	/* A key is one session's, once: 128 random bits never repeat. */
	if (blob_exists(s, S_SESS_GET, ":key", key) != 0) {
		log_warnx("store: session key used twice");
		return rollback(s, ST_ERR);
	}
	op_begin(s, &e, WT_OP_SESSION);
	wire_put_blob(&e, key, 32);
	wire_put_id(&e, user);
	wire_put_u64(&e, born);
	wire_put_u32(&e, origin);
	wire_put_str(&e, peer);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_session_user(struct store *s, const uint8_t key[32],
    char user[ID_MAX + 1])
{
	sqlite3_stmt *q = stmt(s, S_SESS_GET);
	const unsigned char *u;
	int r;

	bind_blob(q, ":key", key, 32);
	if ((r = row(s, q)) == 1) {
		u = sqlite3_column_text(q, 0);
		snprintf(user, ID_MAX + 1, "%s", u ? (const char *)u : "");
		sqlite3_reset(q);
		return ST_OK;
	}
	if (r == -1)
		return ST_ERR;
	q = stmt(s, S_DEAD_GET);
	bind_blob(q, ":key", key, 32);
	if ((r = row(s, q)) != 1)
		return r == 0 ? ST_NO_SESSION : ST_ERR;
	u = sqlite3_column_text(q, 0);
	r = sqlite3_column_int(q, 1);
	if (r)
		lost_why(s->dead_why, sizeof(s->dead_why),
		    u ? (const char *)u : "");
	sqlite3_reset(q);
	return r ? ST_SESSION_ENDED : ST_NO_SESSION;
}

const char *
store_session_why(const struct store *s)
{
	return s->dead_why;
}

int
store_session_del(struct store *s, const uint8_t key[32])
{
	struct wire_enc e;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = blob_exists(s, S_SESS_GET, ":key", key)) != 1)
		return rollback(s, r == 0 ? ST_NO_SESSION : ST_ERR);
	op_begin(s, &e, WT_OP_LOGOUT);
	wire_put_blob(&e, key, 32);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

/* Groups. */

static int
has_request(struct store *s, const char *group, const char *user)
{
	return grp_user_exists(s, S_REQ_GET, group, user);
}

/* An op "iquiu" about group (its current incarnation) and user. */
static int
group_op(struct store *s, unsigned type, uint32_t state, const char *group,
    const char *user)
{
	struct wire_enc e;
	uint64_t born;
	uint32_t origin, epoch;

	if (group_born(s, group, &born, &origin) != 1 ||
	    mem_epoch(s, group, user, state, &epoch) == -1)
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
store_group_create(struct store *s, const char *group, const char *owner,
    int64_t now)
{
	struct wire_enc e;
	uint64_t born, hlc;
	uint32_t origin, epoch;
	int r;

	(void)now;
	if (begin(s) == -1)
		return ST_ERR;
	if ((r = group_owner(s, group, NULL)) != ST_NO_GROUP)
		return rollback(s, r == ST_OK ? ST_GROUP_EXISTS : ST_ERR);
	if ((r = user_born(s, owner, &born, &origin)) != 1)
		return rollback(s, r == 0 ? ST_NO_USER : ST_ERR);
	hlc = op_stamp(s);
	/* A group that emptied keeps its incarnation. */
	if ((r = group_born(s, group, &born, &origin)) == -1)
		return rollback(s, ST_ERR);
	if (r == 0) {
		born = hlc;
		origin = s->origin;
		epoch = 1;
	} else if (mem_epoch(s, group, owner, M_MEMBER, &epoch) == -1) {
		return rollback(s, ST_ERR);
	}
	op_begin(s, &e, WT_OP_GROUP);
	wire_put_id(&e, group);
	wire_put_id(&e, owner);
	wire_put_u64(&e, born);
	wire_put_u32(&e, origin);
	wire_put_u32(&e, epoch);
	if (op_local(s, &e, hlc) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_group_join(struct store *s, const char *group, const char *user,
    int64_t now)
{
	uint64_t born;
	uint32_t origin;
	int r;

	(void)now;
	if (begin(s) == -1)
		return ST_ERR;
	if ((r = group_owner(s, group, NULL)) != ST_OK)
		return rollback(s, r);
	if ((r = user_born(s, user, &born, &origin)) != 1)
		return rollback(s, r == 0 ? ST_NO_USER : ST_ERR);
	if ((r = is_member(s, group, user)) != 0)
		return rollback(s, r == 1 ? ST_ALREADY_MEMBER : ST_ERR);
	if ((r = has_request(s, group, user)) != 0)
		return rollback(s, r == 1 ? ST_ALREADY_REQUESTED : ST_ERR);
	if (group_op(s, WT_OP_JOIN, M_ASKED, group, user) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_group_leave(struct store *s, const char *group, const char *user)
{
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = group_owner(s, group, NULL)) != ST_OK)
		return rollback(s, r);
	if ((r = is_member(s, group, user)) != 1)
		return rollback(s, r == 0 ? ST_NOT_MEMBER : ST_ERR);
	if (group_op(s, WT_OP_LEAVE, M_LEFT, group, user) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

/* Shared checks of accept and reject: group, owner, pending request. */
static int
owner_and_request(struct store *s, const char *group, const char *owner,
    const char *user)
{
	char cur[ID_MAX + 1];
	int r;

	if ((r = group_owner(s, group, cur)) != ST_OK)
		return r;
	if (strcmp(cur, owner) != 0)
		return ST_NOT_OWNER;
	if ((r = has_request(s, group, user)) != 1) {
		if (r == -1)
			return ST_ERR;
		if ((r = is_member(s, group, user)) == -1)
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

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = owner_and_request(s, group, owner, user)) != ST_OK)
		return rollback(s, r);
	if (group_op(s, type, state, group, user) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_group_accept(struct store *s, const char *group, const char *owner,
    const char *user, int64_t now)
{
	(void)now;
	return decide(s, WT_OP_ACCEPT, M_MEMBER, group, owner, user);
}

int
store_group_reject(struct store *s, const char *group, const char *owner,
    const char *user)
{
	return decide(s, WT_OP_REJECT, M_REFUSED, group, owner, user);
}

/* Feed every row's first column of q to cb. */
static int
each_row(struct store *s, sqlite3_stmt *q, store_row_cb cb, void *arg)
{
	int r;

	while ((r = row(s, q)) == 1)
		cb(arg, (const char *)sqlite3_column_text(q, 0));
	return r == 0 ? ST_OK : ST_ERR;
}

int
store_group_requests(struct store *s, const char *group, const char *owner,
    store_row_cb cb, void *arg)
{
	char cur[ID_MAX + 1];
	sqlite3_stmt *q;
	int r;

	if ((r = group_owner(s, group, cur)) != ST_OK)
		return r;
	if (strcmp(cur, owner) != 0)
		return ST_NOT_OWNER;
	q = stmt(s, S_REQ_LIST);
	bind_text(q, ":grp", group);
	return each_row(s, q, cb, arg);
}

/*
 * Every client's LIST_GROUPS gets the same answer, and it changes only
 * with a write: so the names are kept and handed out again until the
 * connection's count of changed rows moves.  Any insert, update or
 * delete counts (our requests, peers' ops, temp tables, writes later
 * rolled back), which at worst costs a rebuild; a rollback of rows the
 * list was built from happens only when a batch fails to commit, and
 * store_flush() drops the list then.  A list longer than the cache is
 * read from the tables each time.
 */
int
store_groups(struct store *s, store_row_cb cb, void *arg)
{
	int64_t now = sqlite3_total_changes64(s->db);
	const char *p;
	sqlite3_stmt *q;
	size_t i;
	int r;

	if (!s->groups_ok || s->groups_at != now) {
		s->groups_ok = 0;
		buf_reset(&s->groups);
		q = stmt(s, S_GROUP_LIST);
		while ((r = row(s, q)) == 1) {
			p = (const char *)sqlite3_column_text(q, 0);
			if (p == NULL ||
			    buf_append(&s->groups, p, strlen(p) + 1) == -1) {
				sqlite3_reset(q);
				return each_row(s, stmt(s, S_GROUP_LIST), cb,
				    arg);
			}
		}
		if (r == -1)
			return ST_ERR;
		s->groups_ok = 1;
		s->groups_at = now;
	}
	p = (const char *)buf_head(&s->groups);
	for (i = 0; i < buf_used(&s->groups); i += strlen(p + i) + 1)
		cb(arg, p + i);
	return ST_OK;
}

int
store_group_owner(struct store *s, const char *group, char owner[ID_MAX + 1])
{
	return group_owner(s, group, owner);
}

/* Group exists and user is a member: ST_OK, else the refusal. */
static int
member_check(struct store *s, const char *group, const char *user)
{
	int r;

	if ((r = group_owner(s, group, NULL)) != ST_OK)
		return r;
	if ((r = is_member(s, group, user)) == -1)
		return ST_ERR;
	return r == 1 ? ST_OK : ST_NOT_MEMBER;
}

int
store_is_member(struct store *s, const char *group, const char *user)
{
	return member_check(s, group, user);
}

/* Files. */

/* Begin an op whose fields start "iqus": group, incarnation, name. */
static int
file_op_begin(struct store *s, struct wire_enc *e, unsigned type,
    const char *group, const char *name)
{
	uint64_t born;
	uint32_t origin;

	if (group_born(s, group, &born, &origin) != 1)
		return -1;
	op_begin(s, e, type);
	wire_put_id(e, group);
	wire_put_u64(e, born);
	wire_put_u32(e, origin);
	wire_put_str(e, name);
	return 0;
}

int
store_upload(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name, const struct file_meta *m,
    const char *path, int64_t mtime, int64_t now)
{
	struct file_meta cur;
	struct wire_enc e;
	int r;

	(void)now;
	if (begin(s) == -1)
		return ST_ERR;
	if ((r = member_check(s, group, user)) != ST_OK)
		return rollback(s, r);
	r = live_file(s, group, name, &cur);
	if (r == ST_ERR)
		return rollback(s, r);
	if (r == ST_OK && (cur.size != m->size ||
	    memcmp(cur.sha1, m->sha1, 20) != 0))
		return rollback(s, ST_FILE_CONFLICT);
	if (file_op_begin(s, &e, WT_OP_UPLOAD, group, name) == -1)
		return rollback(s, ST_ERR);
	wire_put_u64(&e, m->size);
	wire_put_hash(&e, m->sha1);
	wire_put_hashes(&e, m->pieces, m->npieces);
	wire_put_id(&e, user);
	wire_put_str(&e, path);
	wire_put_u64(&e, (uint64_t)mtime);
	wire_put_blob(&e, key, 32);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_list_files(struct store *s, const char *group, const char *user,
    void (*cb)(void *, const char *, uint64_t, const uint8_t *), void *arg)
{
	sqlite3_stmt *q;
	int r;

	if ((r = member_check(s, group, user)) != ST_OK)
		return r;
	q = stmt(s, S_FILE_LIST);
	bind_text(q, ":grp", group);
	while ((r = row(s, q)) == 1) {
		if (sqlite3_column_bytes(q, 2) != 20)
			continue;
		cb(arg, (const char *)sqlite3_column_text(q, 0),
		    (uint64_t)sqlite3_column_int64(q, 1),
		    sqlite3_column_blob(q, 2));
	}
	return r == 0 ? ST_OK : ST_ERR;
}

int
store_file_info(struct store *s, const char *group, const char *name,
    const char *user, struct file_meta *m)
{
	int r;

	if ((r = member_check(s, group, user)) != ST_OK)
		return r;
	return live_file(s, group, name, m);
}

int
store_sources(struct store *s, const char *group, const char *name,
    const uint8_t key[32], void (*cb)(void *, const char *, const uint8_t *),
    void *arg)
{
	sqlite3_stmt *q = stmt(s, S_SERVE_SOURCES);
	int r;

	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	bind_blob(q, ":key", key, 32);
	while ((r = row(s, q)) == 1)
		if (sqlite3_column_bytes(q, 1) == 32)
			cb(arg, (const char *)sqlite3_column_text(q, 0),
			    sqlite3_column_blob(q, 1));
	return r == 0 ? ST_OK : ST_ERR;
}

int
store_serve(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name)
{
	struct file_meta m;
	struct wire_enc e;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = member_check(s, group, user)) != ST_OK)
		return rollback(s, r);
	if ((r = live_file(s, group, name, &m)) != ST_OK)
		return rollback(s, r);
	if (file_op_begin(s, &e, WT_OP_SERVE, group, name) == -1)
		return rollback(s, ST_ERR);
	wire_put_hash(&e, m.sha1);
	wire_put_blob(&e, key, 32);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_stop_share(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name)
{
	struct wire_enc e;
	sqlite3_stmt *q;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = member_check(s, group, user)) != ST_OK)
		return rollback(s, r);
	q = stmt(s, S_SHARE_OR_SERVE);
	bind_blob(q, ":key", key, 32);
	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	bind_text(q, ":user", user);
	if ((r = exists(s, q)) != 1)
		return rollback(s, r == 0 ? ST_NOT_SHARER : ST_ERR);
	if (file_op_begin(s, &e, WT_OP_STOP, group, name) == -1)
		return rollback(s, ST_ERR);
	wire_put_id(&e, user);
	wire_put_blob(&e, key, 32);
	if (op_local(s, &e, op_stamp(s)) != ST_OK)
		return rollback(s, ST_ERR);
	return commit_op(s, ST_OK);
}

int
store_my_shares(struct store *s, const char *user, store_share_cb cb,
    void *arg)
{
	sqlite3_stmt *q = stmt(s, S_SHARE_MINE);
	struct share_row sr;
	int r;

	bind_text(q, ":user", user);
	while ((r = row(s, q)) == 1) {
		if (sqlite3_column_bytes(q, 3) != 20)
			continue;
		sr.group = (const char *)sqlite3_column_text(q, 0);
		sr.name = (const char *)sqlite3_column_text(q, 1);
		sr.path = (const char *)sqlite3_column_text(q, 2);
		sr.sha1 = sqlite3_column_blob(q, 3);
		sr.size = (uint64_t)sqlite3_column_int64(q, 4);
		sr.mtime = sqlite3_column_int64(q, 5);
		cb(arg, &sr);
	}
	return r == 0 ? ST_OK : ST_ERR;
}

/* Presence: not durable, not replicated as ops. */

int
store_online(struct store *s, const uint8_t key[32], int up)
{
	sqlite3_stmt *q = stmt(s, up ? S_ONLINE_ADD : S_ONLINE_DROP);

	bind_blob(q, ":key", key, 32);
	if (exec(s, q) == -1)
		return ST_ERR;
	if (!up && exec(s, stmt(s, S_ONLINE_GC)) == -1)
		return ST_ERR;
	return ST_OK;
}

int
store_is_online(struct store *s, const uint8_t key[32])
{
	return blob_exists(s, S_ONLINE_GET, ":key", key) == 1;
}

int
store_online_keys(struct store *s, void (*cb)(void *, const uint8_t *),
    void *arg)
{
	sqlite3_stmt *q = stmt(s, S_ONLINE_LIST);
	int r;

	while ((r = row(s, q)) == 1)
		if (sqlite3_column_bytes(q, 0) == 32)
			cb(arg, sqlite3_column_blob(q, 0));
	return r == 0 ? ST_OK : ST_ERR;
}

int
store_remote_online(struct store *s, uint32_t tracker, const uint8_t key[32],
    int up)
{
	sqlite3_stmt *q = stmt(s, up ? S_RONLINE_ADD : S_RONLINE_DEL);

	bind_int(q, ":tracker", tracker);
	bind_blob(q, ":key", key, 32);
	return exec(s, q) == -1 ? ST_ERR : ST_OK;
}

int
store_remote_clear(struct store *s, uint32_t tracker)
{
	sqlite3_stmt *q = stmt(s, S_RONLINE_CLEAR);

	bind_int(q, ":tracker", tracker);
	return exec(s, q) == -1 ? ST_ERR : ST_OK;
}

/* Replication. */

int
store_apply(struct store *s, uint32_t origin, uint64_t seq, uint64_t hlc,
    const uint8_t *req, size_t reqlen, const uint8_t *op, size_t oplen)
{
	uint64_t have;
	int rc;

	if (origin == 0 || seq == 0 || (reqlen != 0 && reqlen != 32))
		return ST_BAD_OP;
	if (begin(s) == -1)
		return ST_ERR;
	have = hwm_get(s, origin);
	if (seq <= have)
		return rollback(s, ST_OK);	/* had it: idempotent */
	if (seq != have + 1)
		return rollback(s, ST_GAP);
	hlc_observe(&s->clock, hlc);
	if ((rc = apply_logged(s, origin, seq, hlc, req, reqlen, op,
	    oplen)) != ST_OK)
		return rollback(s, rc);
	if ((rc = commit(s, ST_OK)) == ST_OK && origin == s->origin)
		s->seq = seq;	/* our own ops, back from a peer */
	return rc;
}

uint64_t
store_hwm(struct store *s, uint32_t origin)
{
	return hwm_get(s, origin);
}

int
store_hwms(struct store *s, void (*cb)(void *, uint32_t, uint64_t),
    void *arg)
{
	sqlite3_stmt *q = stmt(s, S_HWM_ALL);
	int r;

	while ((r = row(s, q)) == 1)
		cb(arg, (uint32_t)sqlite3_column_int64(q, 0),
		    (uint64_t)sqlite3_column_int64(q, 1));
	return r == 0 ? ST_OK : ST_ERR;
}

int
store_log_after(struct store *s, uint64_t lseq, unsigned max,
    store_op_cb cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_LOG_AFTER);
	struct store_op o;
	int r;

	bind_int(q, ":lseq", (int64_t)lseq);
	bind_int(q, ":n", max);
	while ((r = row(s, q)) == 1) {
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

/* Kinds of row, in the order a snapshot sends them. */
static const struct {
	enum stmt	 q;
	unsigned	 type;
	const char	*fmt;	/* the columns of q, as fields */
} snap_kinds[] = {
	/* Accounts and groups before what names them. */
	{ S_SNAP_USERS,		WT_S_R_USER,	"iBBuquB" },
	{ S_SNAP_MARKS,		WT_S_R_MARK,	"biiqu" },
	{ S_SNAP_GROUPS,	WT_S_R_GROUP,	"iquqB" },
	{ S_SNAP_SESSIONS,	WT_S_R_SESSION,	"Biqusb" },
	{ S_SNAP_MEMBERS,	WT_S_R_MEMBER,	"iquiuuqu" },
	{ S_SNAP_FILES,		WT_S_R_FILE,	"iqusqhHqu" },
	{ S_SNAP_SHARES,	WT_S_R_SHARE,	"iqusibhsqqu" },
	{ S_SNAP_SERVING,	WT_S_R_SERVE,	"iqusBbhqu" },
	{ S_SNAP_REQS,		WT_S_R_REQ,	"Bq" },
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
put_row(struct buf *out, sqlite3_stmt *q, unsigned type, const char *fmt)
{
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

	if (snap_query(sn, sql[S_SNAP_HWMS], &q) == -1)
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
		    snap_query(sn, sql[snap_kinds[sn->kind].q], &sn->q) == -1)
			return -1;
		if ((r = sqlite3_step(sn->q)) == SQLITE_ROW) {
			if (put_row(out, sn->q, snap_kinds[sn->kind].type,
			    snap_kinds[sn->kind].fmt) == -1)
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
	struct wire_field f[3];
	struct wire_iter it;
	sqlite3_stmt *q;
	uint64_t had;

	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f)) {
		uint32_t origin = (uint32_t)f[0].u;

		if (origin == 0)
			return -2;
		had = hwm_get(s, origin);
		if (f[1].u <= had)
			continue;
		/* Ops up to there are in the tables, not in our log. */
		q = stmt(s, S_HWM_RAISE);
		bind_int(q, ":origin", origin);
		bind_int(q, ":seq", (int64_t)f[1].u);
		bind_int(q, ":hlc", (int64_t)f[2].u);
		if (exec(s, q) == -1 || base_raise(s, origin, f[1].u) == -1)
			return -1;
		hlc_observe(&s->clock, f[2].u);
		if (origin == s->origin && f[1].u > s->seq)
			s->seq = f[1].u;	/* ours, from before a loss */
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
		if (m->f[6].n != 0 && m->f[6].n != 32)
			return -2;
		c = (struct opctx){ m->f[4].u, (uint32_t)m->f[5].u, m->f[6].p,
		    m->f[6].n };
		return apply_user(s, m, &c);
	case WT_S_R_MARK:
		if (strcmp(m->f[1].s, "user") != 0 &&
		    strcmp(m->f[1].s, "group") != 0)
			return -2;
		if (m->f[0].u == 1)
			return alias_add(s, m->f[1].s, m->f[2].s, m->f[3].u,
			    (uint32_t)m->f[4].u);
		if (m->f[0].u == 2)
			return lost(s, m->f[1].s, m->f[2].s, m->f[3].u,
			    (uint32_t)m->f[4].u);
		return -2;
	case WT_S_R_GROUP:
		if (m->f[4].n != 0 && m->f[4].n != 32)
			return -2;
		c = (struct opctx){ m->f[1].u, (uint32_t)m->f[2].u, m->f[4].p,
		    m->f[4].n };
		return group_merge(s, m->f[0].s, m->f[1].u,
		    (uint32_t)m->f[2].u, m->f[3].u, &c) == -1 ? -1 : 0;
	case WT_S_R_SESSION:	/* "Biqus" as OP_SESSION, then alive */
		if (m->f[5].u)
			return apply_session(s, m, &c);
		if (m->f[0].n != 32)
			return -2;
		if (dead_add(s, m->f[0].p, m->f[1].s, m->f[2].u,
		    (uint32_t)m->f[3].u) == -1)
			return -1;
		q = stmt(s, S_SESS_DEL);
		bind_blob(q, ":key", m->f[0].p, 32);
		return exec(s, q);
	case WT_S_R_MEMBER:	/* "iquiu" as OP_JOIN, then state, stamp */
		if (m->f[5].u < M_ASKED || m->f[5].u > M_LEFT)
			return -2;
		c = (struct opctx){ m->f[6].u, (uint32_t)m->f[7].u, NULL, 0 };
		return apply_member_op(s, m, &c, (uint32_t)m->f[5].u);
	default:
		break;
	}
	/* The rest belong to a group: to this incarnation of it only. */
	if ((r = group_is(s, m->f[0].s, m->f[1].u, (uint32_t)m->f[2].u)) != 1)
		return r;
	switch (m->h.type) {
	case WT_S_R_FILE:	/* "iqusqhH" as OP_UPLOAD, then born, origin */
		if (m->f[4].u > WIRE_FILE_MAX ||
		    m->f[6].n != wire_npieces(m->f[4].u))
			return -2;
		c = (struct opctx){ m->f[7].u, (uint32_t)m->f[8].u, NULL, 0 };
		return file_merge(s, m, &c);
	case WT_S_R_SHARE:
		c = (struct opctx){ m->f[9].u, (uint32_t)m->f[10].u, NULL, 0 };
		return share_put(s, m->f[0].s, m->f[3].s, m->f[4].s,
		    m->f[5].u != 0, m->f[6].p, m->f[7].s, (int64_t)m->f[8].u,
		    &c);
	case WT_S_R_SERVE:
		if (m->f[4].n != 32)
			return -2;
		c = (struct opctx){ m->f[7].u, (uint32_t)m->f[8].u, NULL, 0 };
		return serve_put(s, m->f[4].p, m->f[0].s, m->f[3].s,
		    m->f[5].u != 0, m->f[6].p, &c);
	}
	return -2;
}

int
store_merge(struct store *s, const struct wire_msg *m)
{
	int r;

	if (m->h.type < WT_S_R_USER || m->h.type > WT_S_SNAP_END)
		return ST_BAD_OP;	/* not a snapshot frame */
	if (begin(s) == -1)
		return ST_ERR;
	switch (m->h.type) {
	case WT_S_R_REQ:
		if (m->f[0].n != 32)
			return rollback(s, ST_BAD_OP);
		r = req_remember(s, m->f[0].p, m->f[1].u);
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
		return rollback(s, r == -2 ? ST_BAD_OP : ST_ERR);
	}
	return commit(s, ST_OK);
}

/*
 * Trimming, in steps of at most TRIM_STEP ops a call so that a long
 * backlog never stalls the loop.
 */
#define TRIM_STEP	5000

static int
base_raise(struct store *s, uint32_t origin, uint64_t seq)
{
	sqlite3_stmt *q = stmt(s, S_BASE_SET);

	bind_int(q, ":origin", origin);
	bind_int(q, ":seq", (int64_t)seq);
	if (exec(s, q) == -1)
		return -1;
	q = stmt(s, S_LOG_TRIM);
	bind_int(q, ":origin", origin);
	bind_int(q, ":seq", (int64_t)seq);
	return exec(s, q);
}

static uint64_t
one_u64(struct store *s, sqlite3_stmt *q, uint64_t dflt)
{
	uint64_t v = dflt;

	if (row(s, q) == 1) {
		if (sqlite3_column_type(q, 0) != SQLITE_NULL)
			v = col_u64(q, 0);
		sqlite3_reset(q);
	}
	return v;
}

uint64_t
store_log_base(struct store *s, uint32_t origin)
{
	sqlite3_stmt *q = stmt(s, S_BASE_GET);

	bind_int(q, ":origin", origin);
	return one_u64(s, q, 0);
}

/* Drop the log's oldest entries beyond keep, at most step of them. */
static int
trim_keep(struct store *s, uint64_t keep, uint64_t step, uint64_t *n)
{
	sqlite3_stmt *q = stmt(s, S_LOG_SPAN);
	uint64_t first, last, cut;
	int r;

	if ((r = row(s, q)) != 1)
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
	q = stmt(s, S_LOG_PREFIX_MAX);
	bind_int(q, ":lseq", (int64_t)cut);
	while ((r = row(s, q)) == 1) {
		sqlite3_stmt *b = s->st[S_BASE_SET];

		/* Not stmt(): q is still stepping. */
		sqlite3_reset(b);
		sqlite3_bind_int64(b, 1, sqlite3_column_int64(q, 0));
		sqlite3_bind_int64(b, 2, sqlite3_column_int64(q, 1));
		if (exec(s, b) == -1) {
			sqlite3_reset(q);
			return -1;
		}
	}
	if (r == -1)
		return -1;
	q = stmt(s, S_LOG_DROP_PREFIX);
	bind_int(q, ":lseq", (int64_t)cut);
	if (exec(s, q) == -1)
		return -1;
	*n += (uint64_t)sqlite3_changes(s->db);
	return 0;
}

int
store_trim(struct store *s, const uint64_t *held, uint32_t n, uint64_t keep,
    uint64_t *trimmed)
{
	sqlite3_stmt *q;
	uint64_t cut, first, now = wall_ms();
	uint32_t o;

	*trimmed = 0;
	if (begin(s) == -1)
		return ST_ERR;
	/* What every other tracker holds, up to what we hold. */
	for (o = 1; held != NULL && o <= n; o++) {
		cut = held[o] < hwm_get(s, o) ? held[o] : hwm_get(s, o);
		if (cut <= store_log_base(s, o))
			continue;
		q = stmt(s, S_LOG_FIRST_OF);
		bind_int(q, ":origin", o);
		first = one_u64(s, q, cut);
		if (first < cut && cut - first > TRIM_STEP)
			cut = first + TRIM_STEP;
		if (base_raise(s, o, cut) == -1)
			return rollback(s, ST_ERR);
		*trimmed += (uint64_t)sqlite3_changes(s->db);
	}
	if (trim_keep(s, keep, TRIM_STEP, trimmed) == -1)
		return rollback(s, ST_ERR);
	cut = now > REQ_KEEP_MS ? now - REQ_KEEP_MS : 0;
	q = stmt(s, S_REQ_LOG_TRIM);
	bind_int(q, ":n", TRIM_STEP);
	bind_int(q, ":at", (int64_t)cut);
	if (exec(s, q) == -1)
		return rollback(s, ST_ERR);
	reqset_expire(&s->reqs, cut);
	return commit(s, ST_OK);
}
