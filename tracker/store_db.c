/*
 * store_db.c - the tracker's database itself (see store.h, store_int.h).
 *
 * Owns the SQLite connection: opening it (WAL, synchronous=FULL), the
 * schema, its version in user_version and the steps that bring an older
 * database up to it, the table of every statement (prepared once at open,
 * bound by name, reset after each use), and transactions: a mutation is
 * one BEGIN IMMEDIATE ... COMMIT, or, in batch mode (group commit), a
 * savepoint released into the iteration's one transaction, which
 * store_flush() commits before the loop sleeps.
 *
 * Knows no rule of the product: that is store_state.c's and
 * store_rules.c's.  Only the loop thread calls it.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
     * req: the creation's request key (the row's), as in lost.
     */
    "CREATE TABLE IF NOT EXISTS alias("
    "  kind TEXT NOT NULL, name TEXT NOT NULL,"
    "  born INTEGER NOT NULL, origin INTEGER NOT NULL, req BLOB,"
    "  PRIMARY KEY(kind, name, born, origin)) WITHOUT ROWID;"
    /*
     * fp: the key the client proved over TLS at login (its requests must
     * come over links that prove it again); tkey: the session's ticket
     * key, which its client checks its peers' tickets with.  NULL for a
     * session from before TLS (schema 4 and older).
     */
    "CREATE TABLE IF NOT EXISTS sessions("
    "  key BLOB PRIMARY KEY,"
    "  user TEXT NOT NULL REFERENCES users(name),"
    "  peer TEXT NOT NULL, ubirth INTEGER NOT NULL,"
    "  uorigin INTEGER NOT NULL, fp BLOB, tkey BLOB) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);"
    /*
     * When each live session was last seen active, by this tracker: at
     * its start and whenever its client's link came or went here or on
     * another tracker.  Local, not replicated: it only decides when this
     * tracker ends a session idle for too long (store_expire()).
     */
    "CREATE TABLE IF NOT EXISTS seen("
    "  key BLOB PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;"
    /*
     * Ended sessions, so a late op cannot revive one; why for the user.
     * lost: ended because its account's creation lost (not logged out):
     * with what the session was, so that it lives again if that creation
     * turns out to be a copy of the winning one (store_inc.c).
     */
    "CREATE TABLE IF NOT EXISTS session_dead("
    "  key BLOB PRIMARY KEY, user TEXT NOT NULL,"
    "  ubirth INTEGER NOT NULL, uorigin INTEGER NOT NULL,"
    "  peer TEXT, fp BLOB, tkey BLOB, lost INTEGER NOT NULL DEFAULT 0)"
    "  WITHOUT ROWID;"
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
     * A synced folder's new version (OP_UPDATE) replaces the content
     * whatever it was, newest by stamp, as any upload from a cut-off
     * tracker does.
     */
    "CREATE TABLE IF NOT EXISTS file("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, size INTEGER NOT NULL,"
    "  sha1 BLOB NOT NULL, pieces BLOB NOT NULL,"
    "  born INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, name)) WITHOUT ROWID;"
    /*
     * Synced folders' versions: for each content a name held through
     * OP_UPDATE, what the newest such op (by stamp, origin) said it was
     * made from (zeros: nothing).  A register per (grp, name, sha1), so
     * any order of ops gives the same rows; synced folders tell a later
     * edit from a concurrent one by it (client/folder_rules.c).
     * Snapshots carry it (S_R_VERSION rows), merged by the same rule.
     */
    "CREATE TABLE IF NOT EXISTS version("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, sha1 BLOB NOT NULL, parent BLOB NOT NULL,"
    "  stamp INTEGER NOT NULL, origin INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, name, sha1)) WITHOUT ROWID;"
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
    /*
     * Requests already carried out, by their key, so that retries are
     * answered: in the order they arrived, so that a row is an append and
     * not a write into a random page (request keys are hashes); looked up
     * in memory (struct reqset), which is filled from here at open.
     */
    "CREATE TABLE IF NOT EXISTS reqlog("
    "  at INTEGER NOT NULL, req BLOB NOT NULL);"
    /*
     * Creations that lost a conflict to an earlier one elsewhere, with
     * their request key: a copy of one of them that comes to be the
     * earliest of all makes them its aliases (store_inc.c).
     */
    "CREATE TABLE IF NOT EXISTS lost("
    "  kind TEXT NOT NULL, name TEXT NOT NULL,"
    "  born INTEGER NOT NULL, origin INTEGER NOT NULL, req BLOB,"
    "  PRIMARY KEY(kind, name, born, origin)) WITHOUT ROWID;";

/*
 * Indexes added after schema 6 without changing the layout, made at
 * every open (IF NOT EXISTS: nothing is written once they are there):
 * a user's memberships by state, which the quotas count (store.h) and
 * search's groups of a user walk.
 */
static const char added_indexes[] =
    "CREATE INDEX IF NOT EXISTS member_user ON member(user, state);";

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
	[S_INC_ROW] = "SELECT born, origin, req FROM users WHERE name = :name"
	    " AND :kind = 'user' UNION ALL SELECT born, origin, req FROM grp"
	    " WHERE name = :name AND :kind = 'group'",
	[S_ALIAS_ADD] = "INSERT OR IGNORE INTO alias(kind, name, born, origin,"
	    " req) VALUES(:kind, :name, :born, :origin, :req)",
	/* Incarnations of kind/name (store_inc.c). */
	[S_MARK_GET] = "SELECT 1, req FROM alias WHERE kind = :kind"
	    " AND name = :name AND born = :born AND origin = :origin"
	    " UNION ALL SELECT 2, req FROM lost WHERE kind = :kind"
	    " AND name = :name AND born = :born AND origin = :origin",
	[S_LOST_DROP] = "DELETE FROM lost WHERE kind = :kind AND name = :name"
	    " AND born = :born AND origin = :origin",
	[S_ALIAS_REQ] = "SELECT 1 FROM alias WHERE kind = :kind"
	    " AND name = :name AND req = :req",
	[S_ALIAS_TO_LOST] = "INSERT OR IGNORE INTO lost(kind, name, born,"
	    " origin, req) SELECT kind, name, born, origin, req FROM alias"
	    " WHERE kind = :kind AND name = :name",
	[S_ALIAS_CLEAR] = "DELETE FROM alias WHERE kind = :kind"
	    " AND name = :name",
	[S_LOST_TO_ALIAS] = "INSERT OR IGNORE INTO alias(kind, name, born,"
	    " origin, req) SELECT kind, name, born, origin, req FROM lost"
	    " WHERE kind = :kind AND name = :name AND req = :req",
	[S_LOST_CLEAR_REQ] = "DELETE FROM lost WHERE kind = :kind"
	    " AND name = :name AND req = :req",
	[S_USER_SET_REQ] = "UPDATE users SET req = :req WHERE name = :name"
	    " AND req IS NULL",
	[S_GROUP_SET_REQ] = "UPDATE grp SET req = :req WHERE name = :name"
	    " AND req IS NULL",
	/* Every op, for state_replay() (rare: a loser became an alias). */
	[S_LOG_REPLAY] = "SELECT origin, hlc, req, op FROM oplog ORDER BY lseq",
	/* A group was created again by each of its aliases' creations. */
	[S_GROUP_REVIVE_ALIASES] = "UPDATE grp SET revived = max(revived,"
	    " coalesce((SELECT max(born) FROM alias WHERE kind = 'group'"
	    " AND name = :grp), 0)) WHERE name = :grp",
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
	    " ubirth, uorigin, fp, tkey) VALUES(:key, :user, :peer, :born,"
	    " :origin, :fp, :tkey)",
	[S_SESS_GET] = "SELECT user, fp FROM sessions WHERE key = :key",
	[S_SESS_DEL] = "DELETE FROM sessions WHERE key = :key",
	[S_SESS_KILL_USER] = "INSERT OR IGNORE INTO session_dead(key, user,"
	    " ubirth, uorigin, peer, fp, tkey, lost) SELECT key, user, ubirth,"
	    " uorigin, peer, fp, tkey, 1 FROM sessions WHERE user = :user",
	[S_SESS_DEL_USER] = "DELETE FROM sessions WHERE user = :user",
	/* Logged out beats ended by a loss: that one never comes back. */
	[S_DEAD_ADD] = "INSERT INTO session_dead(key, user, ubirth, uorigin,"
	    " peer, fp, tkey, lost) VALUES(:key, :user, :born, :origin, :peer,"
	    " :fp, :tkey, :lost) ON CONFLICT(key) DO UPDATE SET"
	    " lost = min(lost, excluded.lost)",
	[S_DEAD_LOST] = "SELECT lost FROM session_dead WHERE key = :key",
	[S_DEAD_LOGOUT] = "UPDATE session_dead SET lost = 0 WHERE key = :key",
	/* The account's ended-by-loss sessions whose creation won after all. */
	[S_DEAD_REVIVE] = "INSERT OR IGNORE INTO sessions(key, user, peer,"
	    " ubirth, uorigin, fp, tkey) SELECT key, user, peer, ubirth,"
	    " uorigin, fp, tkey FROM session_dead d WHERE user = :user"
	    " AND lost = 1 AND peer IS NOT NULL AND (EXISTS(SELECT 1 FROM users"
	    " u WHERE u.name = d.user AND u.born = d.ubirth AND u.origin ="
	    " d.uorigin) OR EXISTS(SELECT 1 FROM alias a WHERE a.kind = 'user'"
	    " AND a.name = d.user AND a.born = d.ubirth AND a.origin ="
	    " d.uorigin))",
	[S_DEAD_REVIVED] = "DELETE FROM session_dead WHERE user = :user"
	    " AND key IN (SELECT key FROM sessions WHERE user = :user)",
	[S_SEEN_USER] = "INSERT OR IGNORE INTO seen(key, at) SELECT key, :at"
	    " FROM sessions WHERE user = :user",
	[S_DEAD_MOVE] = "INSERT OR IGNORE INTO session_dead(key, user, ubirth,"
	    " uorigin, peer, fp, tkey) SELECT key, user, ubirth, uorigin, peer,"
	    " fp, tkey FROM sessions WHERE key = :key",
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
	/* The newest update of a content says its parent. */
	[S_VERSION_PUT] = "INSERT INTO version(grp, name, sha1, parent, stamp,"
	    " origin) VALUES(:grp, :name, :sha1, :parent, :stamp, :origin)"
	    " ON CONFLICT(grp, name, sha1) DO UPDATE SET"
	    " parent = excluded.parent, stamp = excluded.stamp,"
	    " origin = excluded.origin WHERE (excluded.stamp, excluded.origin)"
	    " > (version.stamp, version.origin)",
	[S_FILE_BUMP] = "UPDATE file SET born = :born, origin = :origin"
	    " WHERE grp = :grp AND name = :name",
	[S_FILE_SHARED] = "SELECT 1 FROM file f JOIN share s"
	    " ON s.grp = f.grp AND s.name = f.name"
	    " JOIN member m ON m.grp = s.grp AND m.user = s.user"
	    " WHERE f.grp = :grp AND f.name = :name" LIVE_SHARE " LIMIT 1",
	/* A file is listed while at least one user shares it. */
	[S_FILE_LIST] = "SELECT f.name, f.size, f.sha1, v.parent FROM file f"
	    " LEFT JOIN version v ON v.grp = f.grp AND v.name = f.name"
	    " AND v.sha1 = f.sha1 WHERE f.grp = :grp AND EXISTS(SELECT 1 FROM share s"
	    " JOIN member m ON m.grp = s.grp AND m.user = s.user"
	    " WHERE s.grp = f.grp AND s.name = f.name" LIVE_SHARE ")"
	    " ORDER BY f.name",
	/* What the name index is built from (store_search.c). */
	[S_FILE_NAMES] = "SELECT grp, name FROM file",
	/* A search's candidate, if listed (as S_FILE_LIST lists it). */
	[S_FILE_FOUND] = "SELECT f.size, f.sha1 FROM file f"
	    " WHERE f.grp = :grp AND f.name = :name AND EXISTS(SELECT 1"
	    " FROM share s JOIN member m ON m.grp = s.grp AND m.user = s.user"
	    " WHERE s.grp = f.grp AND s.name = f.name" LIVE_SHARE ")",
	[S_MY_GROUPS] = "SELECT grp FROM member WHERE user = :user"
	    " AND state = 3",
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
	/* Quotas (store_rules.c) and pages (store_page.c): theirs. */
	[S_QUOTA_GROUPS] = db_sql_quota_groups,
	[S_QUOTA_PENDING] = db_sql_quota_pending,
	[S_QUOTA_SHARE_ROWS] = db_sql_quota_share_rows,
	[S_QUOTA_SHARES] = db_sql_quota_shares,
	[S_QUOTA_SHARES_THIS] = db_sql_quota_shares_this,
	[S_GROUP_PAGE] = db_sql_group_page,
	[S_REQ_PAGE] = db_sql_req_page,
	[S_FILE_PAGE] = db_sql_file_page,
	[S_SHARE_PAGE] = db_sql_share_page,
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
	/* The key and ticket key of the session min() picks per address. */
	[S_SERVE_SOURCES] = "SELECT s.peer, s.fp, s.tkey, min(v.key)"
	    " FROM serving v"
	    " JOIN sessions s ON s.key = v.key"
	    " JOIN file f ON f.grp = v.grp AND f.name = v.name"
	    " JOIN member m ON m.grp = v.grp AND m.user = s.user"
	    " WHERE v.grp = :grp AND v.name = :name AND v.key != :key"
	    " AND v.present = 1 AND v.sha1 = f.sha1 AND m.state = 3"
	    " AND v.stamp > m.stamp AND length(s.fp) = 32"
	    " AND length(s.tkey) = 32"
	    " AND (EXISTS(SELECT 1 FROM temp.online o WHERE o.key = v.key)"
	    " OR EXISTS(SELECT 1 FROM temp.remote_online r"
	    " WHERE r.key = v.key)) GROUP BY s.peer ORDER BY s.peer",
	[S_SEEN_TOUCH] = "INSERT INTO seen(key, at) SELECT :key, :at"
	    " WHERE EXISTS(SELECT 1 FROM sessions WHERE key = :key)"
	    " ON CONFLICT(key) DO UPDATE SET at = max(at, excluded.at)",
	[S_SEEN_DROP] = "DELETE FROM seen WHERE key = :key",
	/* Live sessions idle since before :at, with no link anywhere. */
	[S_SESS_IDLE] = "SELECT s.key FROM sessions s JOIN seen n"
	    " ON n.key = s.key WHERE n.at < :at"
	    " AND NOT EXISTS(SELECT 1 FROM temp.online o WHERE o.key = s.key)"
	    " AND NOT EXISTS(SELECT 1 FROM temp.remote_online r"
	    " WHERE r.key = s.key) LIMIT :n",
	[S_SESS_OF_USER] = "SELECT key FROM sessions WHERE user = :user"
	    " LIMIT :n",
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
	[S_LOST_ADD] = "INSERT OR IGNORE INTO lost(kind, name, born, origin,"
	    " req) VALUES(:kind, :name, :born, :origin, :req)",
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
	[S_SNAP_MARKS] = "SELECT 1, kind, name, born, origin,"
	    " coalesce(req, x'') FROM alias UNION ALL SELECT 2, kind, name,"
	    " born, origin, coalesce(req, x'') FROM lost",
	[S_SNAP_GROUPS] = "SELECT name, born, origin, revived, req FROM grp",
	[S_SNAP_SESSIONS] = "SELECT key, user, ubirth, uorigin, peer,"
	    " coalesce(fp, x''), coalesce(tkey, x''), 1 FROM sessions"
	    " UNION ALL SELECT key, user, ubirth, uorigin, coalesce(peer, ''),"
	    " coalesce(fp, x''), coalesce(tkey, x''), CASE WHEN lost = 1 AND"
	    " length(fp) = 32 AND length(tkey) = 32 THEN 2 ELSE 0 END"
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
	[S_SNAP_VERSIONS] = "SELECT v.grp, g.born, g.origin, v.name, v.sha1,"
	    " v.parent, v.stamp, v.origin FROM version v"
	    " JOIN grp g ON g.name = v.grp",
	[S_SNAP_HWMS] = "SELECT origin, seq, hlc FROM hwm ORDER BY origin",
};

/* Log a failure of statement s (or of the database if s < 0). */
int
db_fail(struct store *s, const char *what)
{
	log_warnx("store: %s: %s", what, sqlite3_errmsg(s->db));
	return ST_ERR;
}

sqlite3_stmt *
db_stmt(struct store *s, enum stmt i)
{
	/*
	 * In batch mode everything until store_flush() is one transaction,
	 * reads included: one lock for all the requests of an iteration
	 * instead of a few per statement.  It becomes a write transaction
	 * at the first write (this process is the only writer).
	 */
	if (s->batch && !s->in_txn && i != S_COMMIT && i != S_ROLLBACK) {
		sqlite3_reset(s->st[S_BEGIN_READ]);
		if (sqlite3_step(s->st[S_BEGIN_READ]) == SQLITE_DONE) {
			s->in_txn = 1;
			s->batch_reqs = s->reqs.added;
		}
		sqlite3_reset(s->st[S_BEGIN_READ]);
	}
	sqlite3_reset(s->st[i]);
	sqlite3_clear_bindings(s->st[i]);
	return s->st[i];
}

int
db_bind_text(sqlite3_stmt *q, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(q, name);

	if (i == 0)
		fatalx("store: no parameter %s in: %s", name, sqlite3_sql(q));
	return sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}

int
db_bind_blob(sqlite3_stmt *q, const char *name, const void *v, int n)
{
	int i = sqlite3_bind_parameter_index(q, name);

	if (i == 0)
		fatalx("store: no parameter %s in: %s", name, sqlite3_sql(q));
	return sqlite3_bind_blob(q, i, v, n, SQLITE_STATIC);
}

int
db_bind_int(sqlite3_stmt *q, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(q, name);

	if (i == 0)
		fatalx("store: no parameter %s in: %s", name, sqlite3_sql(q));
	return sqlite3_bind_int64(q, i, v);
}

/* Run a statement that returns no rows.  0 or -1. */
int
db_exec(struct store *s, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		db_fail(s, sqlite3_sql(q));
		return -1;
	}
	return 0;
}

/* Step a query: 1 with a row, 0 at the end, -1 on error. */
int
db_row(struct store *s, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return 0;
	db_fail(s, sqlite3_sql(q));
	return -1;
}

/* 1 if the single-row query q has a row, 0 if not, -1 on error. */
int
db_exists(struct store *s, sqlite3_stmt *q)
{
	int r = db_row(s, q);

	if (r == 1)
		sqlite3_reset(q);
	return r;
}

/* Does statement i, given one 32-byte blob as param, have a row? */
int
db_blob_exists(struct store *s, enum stmt i, const char *param,
    const uint8_t *blob)
{
	sqlite3_stmt *q = db_stmt(s, i);

	db_bind_blob(q, param, blob, 32);
	return db_exists(s, q);
}

/*
 * A mutation is a transaction of its own, or, in batch mode, a savepoint
 * inside the batch's one transaction, which store_flush() commits.
 */
int
db_begin(struct store *s)
{
	s->reqs_mark = s->reqs.added;
	if (s->readonly)
		return -1;
	if (!s->batch)
		return db_exec(s, db_stmt(s, S_BEGIN));
	/* db_stmt() opened the batch's transaction if need be. */
	if (db_exec(s, db_stmt(s, S_SAVEPOINT)) == -1 || !s->in_txn)
		return -1;
	return 0;
}

/* Undo the transaction and pass rc through. */
int
db_rollback(struct store *s, int rc)
{
	reqset_undo(&s->reqs, s->reqs_mark);
	if (!s->batch) {
		db_exec(s, db_stmt(s, S_ROLLBACK));
		return rc;
	}
	db_exec(s, db_stmt(s, S_ROLLBACK_TO));
	db_exec(s, db_stmt(s, S_RELEASE));
	return rc;
}

/* Commit, or roll back and fail.  Returns rc when the commit held. */
int
db_commit(struct store *s, int rc)
{
	if (db_exec(s, db_stmt(s, s->batch ? S_RELEASE : S_COMMIT)) == -1)
		return db_rollback(s, ST_ERR);
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
	if (db_exec(s, db_stmt(s, S_COMMIT)) == -1) {
		/* SQLite rolls back by itself on a full disk, say. */
		if (!sqlite3_get_autocommit(s->db))
			db_exec(s, db_stmt(s, S_ROLLBACK));
		/* Its requests were not done: a retry does them. */
		reqset_undo(&s->reqs, s->batch_reqs);
		s->groups_ok = 0;	/* may list what was rolled back */
		s->seq = db_hwm(s, s->origin);
		return -1;
	}
	return 0;
}

/*
 * PRAGMA quick_check (full 0: every page's structure, O(N)) or
 * integrity_check (full 1: also every index against its table): 0 when
 * SQLite says "ok", else -1 with its first findings in out, one a line.
 * A database too damaged to be asked answers with an error: -1 too.
 */
int
store_check(struct store *s, int full, char *out, size_t outlen)
{
	sqlite3_stmt *q;
	size_t n = 0;
	int rc, lines = 0, ok = 0;

	out[0] = '\0';
	if (sqlite3_prepare_v2(s->db, full ? "PRAGMA integrity_check(20)" :
	    "PRAGMA quick_check(20)", -1, &q, NULL) != SQLITE_OK) {
		snprintf(out, outlen, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(q, 0);

		if (line == NULL)
			continue;
		if (lines++ == 0 && strcmp(line, "ok") == 0)
			ok = 1;
		if (n < outlen)
			n += (size_t)snprintf(out + n, outlen - n, "%s%s",
			    n > 0 ? "\n" : "", line);
	}
	if (rc != SQLITE_DONE) {
		snprintf(out, outlen, "%s", sqlite3_errmsg(s->db));
		ok = 0;
	}
	sqlite3_finalize(q);
	return ok && lines == 1 ? 0 : -1;
}

/*
 * A file that is there but empty is no tracker's database (SQLite would
 * take it for a new one, and the tracker would come up as a fresh member
 * holding nothing): refused.  A new database is made only where there
 * was no file.  Between SQLite's creating the file and its first write
 * (the journal mode, at once below) a crash would leave such a file: the
 * message says to remove it.
 */
static int
refuse_empty(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (strcmp(path, ":memory:") == 0 || stat(path, &st) == -1 ||
	    st.st_size > 0)
		return 0;
	snprintf(err, errlen, "%s: the file is empty, not a tracker's "
	    "database; remove it to start this tracker afresh (it then "
	    "catches up from the others)", path);
	return -1;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof(*s));
	sqlite3_stmt *q;
	char *msg = NULL;
	int i, version = 0;

	char why[512];

	if (refuse_empty(path, err, errlen) == -1)
		goto fail;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* Before anything is written to it. */
	if (store_check(s, 0, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s is damaged (quick_check: %.300s); "
		    "restore it from a backup, or move it away to start this "
		    "tracker afresh (it then catches up from the others)", path,
		    why);
		goto fail;
	}
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
	if (version < STORE_SCHEMA_VERSION &&
	    db_schema_upgrade(s->db, schema, version, &msg) == -1)
		goto fail_msg;
	if (sqlite3_exec(s->db, added_indexes, NULL, NULL, &msg) !=
	    SQLITE_OK || db_quota_open(s->db, &msg) == -1 ||
	    sqlite3_exec(s->db, temp_schema, NULL, NULL, &msg) != SQLITE_OK)
		goto fail_msg;
	for (i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK)
			goto fail_db;
	buf_init(&s->opbuf, WIRE_HDR + 8 * 1024 * 1024);
	buf_init(&s->groups, GROUPS_CACHE_MAX);
	reqset_init(&s->reqs, REQ_MAX);
	q = db_stmt(s, S_HLC_MAX);
	if (db_row(s, q) == 1) {
		s->clock.last = (uint64_t)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	q = db_stmt(s, S_LOG_LAST);
	if (db_row(s, q) == 1) {
		s->lseq = (uint64_t)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	/* The requests of the last REQ_KEEP_MS, back into memory. */
	q = db_stmt(s, S_REQ_LOG_RECENT);
	db_bind_int(q, ":at", (int64_t)(db_wall_ms() - REQ_KEEP_MS));
	while ((i = db_row(s, q)) == 1)
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
	nameidx_free(s->names);
	free(s->hits);
	free(s->pieces);
	free(s);
}

const char *
db_sql(enum stmt i)
{
	return sql[i];
}

/* The last op of origin this database holds (0: none). */
uint64_t
db_hwm(struct store *s, uint32_t origin)
{
	sqlite3_stmt *q = db_stmt(s, S_HWM_GET);
	uint64_t seq = 0;

	db_bind_int(q, ":origin", origin);
	if (db_row(s, q) == 1) {
		seq = (uint64_t)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	return seq;
}

void
store_set_origin(struct store *s, uint32_t origin)
{
	s->origin = origin;
	s->seq = db_hwm(s, origin);
}

uint32_t
store_origin(const struct store *s)
{
	return s->origin;
}

int
db_seen(struct store *s, const uint8_t key[32])
{
	sqlite3_stmt *q;

	if (s->readonly)
		return 0;	/* local bookkeeping: it can wait */
	q = db_stmt(s, S_SEEN_TOUCH);
	db_bind_blob(q, ":key", key, 32);
	db_bind_int(q, ":at", (int64_t)db_now_ms());
	return db_exec(s, q);
}
