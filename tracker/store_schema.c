/*
 * store_schema.c - the database's layout beyond store_db.c's CREATEs: the
 * steps that bring a database of an older release to this one, and the
 * quotas' local counting table with its statements.  A leaf of the store:
 * it speaks to SQLite alone, so store_db.c (which opens the database and
 * names every statement) calls it and nothing here calls back.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store.h"
#define STORE_INTERNAL
#include "store_int.h"

/*
 * The layouts that were released, by user_version:
 *   1, 2  before replication: refused (no stamps to give their rows);
 *   3     replication.  Its first release kept request keys in reqdone (a
 *         B-tree by key); a later one moved them to reqlog and added
 *         logbase without changing the number;
 *   4     the same tables as the later 3, whichever 3 it came from;
 *   5     sessions keep the key their client proved and a ticket key;
 *   6     version: synced folders' versions and their parents;
 *   7     alias and lost keep their creation's request key (an alias's
 *         is its row's: it was one creation; a loser's is not known), and
 *         session_dead what a session ended by a loss was.
 * The schema is all CREATE ... IF NOT EXISTS, so it adds what an older
 * layout lacks; the steps after it move what has to move.  One
 * transaction: a failure leaves the database as it was.
 */
/*
 * Add a column (its name, then its type) to table unless the CREATE above
 * made the table with it: a 3 from before aliases had no alias table.
 * 0 or -1.
 */
static int
add_column(sqlite3 *db, const char *table, const char *column, char **msg)
{
	char text[160];
	sqlite3_stmt *q;
	int has;

	snprintf(text, sizeof(text), "SELECT 1 FROM pragma_table_info('%s')"
	    " WHERE name = '%.*s'", table, (int)strcspn(column, " "), column);
	if (sqlite3_prepare_v2(db, text, -1, &q, NULL) != SQLITE_OK)
		return -1;
	has = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (has)
		return 0;
	snprintf(text, sizeof(text), "ALTER TABLE %s ADD COLUMN %s", table,
	    column);
	return sqlite3_exec(db, text, NULL, NULL, msg) == SQLITE_OK ? 0 : -1;
}

int
db_schema_upgrade(sqlite3 *db, const char *schema, int from, char **msg)
{
	char pragma[64];
	sqlite3_stmt *q;
	int reqdone = 0;

	snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d;",
	    STORE_SCHEMA_VERSION);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, msg) != SQLITE_OK)
		return -1;
	if (sqlite3_exec(db, schema, NULL, NULL, msg) != SQLITE_OK)
		goto fail;
	if (from == 3) {
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE"
		    " type = 'table' AND name = 'reqdone'", -1, &q,
		    NULL) != SQLITE_OK)
			goto fail;
		reqdone = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
	}
	if ((from == 3 || from == 4) && sqlite3_exec(db, "ALTER TABLE sessions"
	    " ADD COLUMN fp BLOB; ALTER TABLE sessions ADD COLUMN tkey BLOB;",
	    NULL, NULL, msg) != SQLITE_OK)
		goto fail;
	/* An alias's key is its row's: one creation (schema 7). */
	if (from >= 3 && from < 7 && (add_column(db, "alias", "req BLOB",
	    msg) == -1 || add_column(db, "lost", "req BLOB", msg) == -1 ||
	    add_column(db, "session_dead", "peer TEXT", msg) == -1 ||
	    add_column(db, "session_dead", "fp BLOB", msg) == -1 ||
	    add_column(db, "session_dead", "tkey BLOB", msg) == -1 ||
	    add_column(db, "session_dead", "lost INTEGER NOT NULL DEFAULT 0",
	    msg) == -1 || sqlite3_exec(db, "UPDATE alias"
	    " SET req = (SELECT req FROM users WHERE name = alias.name)"
	    " WHERE kind = 'user'; UPDATE alias SET req = (SELECT req FROM grp"
	    " WHERE name = alias.name) WHERE kind = 'group';", NULL, NULL,
	    msg) != SQLITE_OK))
		goto fail;
	/* Request keys, oldest first, as reqlog keeps them. */
	if (reqdone && sqlite3_exec(db, "INSERT INTO reqlog(at, req)"
	    " SELECT at, req FROM reqdone ORDER BY at; DROP TABLE reqdone;",
	    NULL, NULL, msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, pragma, NULL, NULL, msg) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, msg) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	if (*msg == NULL)
		*msg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Quotas (store.h).  Each count stops at the quota (:n), so it walks at
 * most that many entries of the user's index range: member_user,
 * share_user.  The share rows count every share row of the user, a
 * bound on the live ones that needs no join; only a user who reaches it
 * pays for the exact count.
 */
const char db_sql_quota_groups[] = "SELECT min(coalesce((SELECT n"
    " FROM member_count WHERE user = :user), 0), :n)";
const char db_sql_quota_pending[] = "SELECT count(*) FROM (SELECT 1"
    " FROM member m JOIN grp g ON g.name = m.grp WHERE m.user = :user"
    " AND m.state = 1 AND m.stamp > g.revived LIMIT :n)";
const char db_sql_quota_share_rows[] = "SELECT count(*) FROM (SELECT 1"
    " FROM share WHERE user = :user LIMIT :n)";
const char db_sql_quota_shares[] = "SELECT count(*) FROM (SELECT 1"
    " FROM share s JOIN file f ON f.grp = s.grp AND f.name = s.name"
    " JOIN member m ON m.grp = s.grp AND m.user = s.user"
    " WHERE s.user = :user" LIVE_SHARE " LIMIT :n)";
const char db_sql_quota_shares_this[] = "SELECT 1 FROM share s"
    " JOIN file f ON f.grp = s.grp AND f.name = s.name"
    " JOIN member m ON m.grp = s.grp AND m.user = s.user"
    " WHERE s.grp = :grp AND s.name = :name AND s.user = :user"
    LIVE_SHARE;

/*
 * The groups a user is a member of, kept counted by triggers as member
 * rows come, change and go, whichever way (a request here, another
 * tracker's op, a snapshot's row, a group's deletion): a quota check
 * for create_group is one look-up, where counting the user's rows cost
 * 60 ns a group at each creation (15 us at 500 groups).  Local and
 * derived, never replicated; rolled back with what made it move.  Made
 * at open, filled from the member table if it is new.
 */
static const char quota_schema[] =
    "CREATE TABLE IF NOT EXISTS member_count("
    "  user TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS member_count_ins AFTER INSERT ON member"
    "  WHEN new.state = 3 BEGIN"
    "  INSERT INTO member_count(user, n) VALUES(new.user, 1)"
    "  ON CONFLICT(user) DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER IF NOT EXISTS member_count_del AFTER DELETE ON member"
    "  WHEN old.state = 3 BEGIN"
    "  UPDATE member_count SET n = n - 1 WHERE user = old.user; END;"
    "CREATE TRIGGER IF NOT EXISTS member_count_upd AFTER UPDATE ON member"
    "  WHEN old.state = 3 OR new.state = 3 BEGIN"
    "  UPDATE member_count SET n = n - 1 WHERE user = old.user"
    "  AND old.state = 3;"
    "  INSERT INTO member_count(user, n) SELECT new.user, 1"
    "  WHERE new.state = 3 ON CONFLICT(user) DO UPDATE SET n = n + 1; END;";

int
db_quota_open(sqlite3 *db, char **msg)
{
	sqlite3_stmt *q;
	int have = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master"
	    " WHERE name IN ('member_count', 'member_count_ins',"
	    " 'member_count_del', 'member_count_upd')", -1, &q,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		have = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (have == 4)
		return 0;	/* nothing written */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE; DROP TABLE IF EXISTS"
	    " member_count;", NULL, NULL, msg) != SQLITE_OK)
		return -1;
	if (sqlite3_exec(db, quota_schema, NULL, NULL, msg) != SQLITE_OK ||
	    sqlite3_exec(db, "INSERT INTO member_count(user, n) SELECT user,"
	    " count(*) FROM member WHERE state = 3 GROUP BY user; COMMIT;",
	    NULL, NULL, msg) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}
