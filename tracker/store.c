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

#include "log.h"
#include "xalloc.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS users("
    "  name TEXT PRIMARY KEY,"
    "  salt BLOB NOT NULL, hash BLOB NOT NULL, iter INTEGER NOT NULL,"
    "  created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS sessions("
    "  key BLOB PRIMARY KEY,"
    "  user TEXT NOT NULL REFERENCES users(name),"
    "  peer TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);"
    "CREATE TABLE IF NOT EXISTS grp("
    "  name TEXT PRIMARY KEY, owner TEXT NOT NULL,"
    "  created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS member("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  user TEXT NOT NULL REFERENCES users(name),"
    "  since INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, user)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS request("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  user TEXT NOT NULL REFERENCES users(name),"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, user)) WITHOUT ROWID;"
    /* Version 2: files, who shares them, which session serves them. */
    "CREATE TABLE IF NOT EXISTS file("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, size INTEGER NOT NULL,"
    "  sha1 BLOB NOT NULL, pieces BLOB NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, name)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS share("
    "  grp TEXT NOT NULL, name TEXT NOT NULL,"
    "  user TEXT NOT NULL REFERENCES users(name),"
    "  path TEXT NOT NULL, mtime INTEGER NOT NULL,"
    "  PRIMARY KEY(grp, name, user),"
    "  FOREIGN KEY(grp, name) REFERENCES file(grp, name)"
    "    ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS share_user ON share(user);"
    "CREATE TABLE IF NOT EXISTS serving("
    "  key BLOB NOT NULL REFERENCES sessions(key) ON DELETE CASCADE,"
    "  grp TEXT NOT NULL, name TEXT NOT NULL,"
    "  PRIMARY KEY(key, grp, name),"
    "  FOREIGN KEY(grp, name) REFERENCES file(grp, name)"
    "    ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS serving_file ON serving(grp, name);";

/*
 * Which sessions have a live connection to this tracker.  Not durable and
 * not replicated: it describes this process's sockets.  A TEMP table, so
 * the query for a file's sources is one join.
 */
static const char temp_schema[] =
    "PRAGMA temp_store=MEMORY;"
    "CREATE TEMP TABLE online(key BLOB PRIMARY KEY, links INTEGER NOT NULL)"
    "  WITHOUT ROWID;";

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_USER_INSERT, S_USER_GET, S_USER_EXISTS,
	S_SESS_INSERT, S_SESS_GET, S_SESS_DEL,
	S_GROUP_INSERT, S_GROUP_OWNER, S_GROUP_SET_OWNER, S_GROUP_DELETE,
	S_GROUP_LIST,
	S_MEMBER_INSERT, S_MEMBER_GET, S_MEMBER_DELETE, S_MEMBER_OLDEST,
	S_MEMBER_NEXT_SINCE,
	S_REQ_INSERT, S_REQ_GET, S_REQ_DELETE, S_REQ_LIST,
	S_FILE_GET, S_FILE_INSERT, S_FILE_LIST, S_FILE_GC,
	S_SHARE_UPSERT, S_SHARE_DELETE, S_SHARE_DELETE_GROUP, S_SHARE_MINE,
	S_SERVE_INSERT, S_SERVE_DELETE, S_SERVE_DELETE_GROUP, S_SERVE_SOURCES,
	S_ONLINE_ADD, S_ONLINE_DROP, S_ONLINE_GC,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_USER_INSERT] = "INSERT INTO users(name, salt, hash, iter, created)"
	    " VALUES(:user, :salt, :hash, :iter, :now)",
	[S_USER_GET] = "SELECT salt, hash, iter FROM users WHERE name = :user",
	[S_USER_EXISTS] = "SELECT 1 FROM users WHERE name = :user",
	[S_SESS_INSERT] = "INSERT INTO sessions(key, user, peer, created)"
	    " VALUES(:key, :user, :peer, :now)",
	[S_SESS_GET] = "SELECT user FROM sessions WHERE key = :key",
	[S_SESS_DEL] = "DELETE FROM sessions WHERE key = :key",
	[S_GROUP_INSERT] = "INSERT INTO grp(name, owner, created)"
	    " VALUES(:grp, :user, :now)",
	[S_GROUP_OWNER] = "SELECT owner FROM grp WHERE name = :grp",
	[S_GROUP_SET_OWNER] = "UPDATE grp SET owner = :user WHERE name = :grp",
	[S_GROUP_DELETE] = "DELETE FROM grp WHERE name = :grp",
	[S_GROUP_LIST] = "SELECT name FROM grp ORDER BY name",
	[S_MEMBER_INSERT] = "INSERT INTO member(grp, user, since)"
	    " VALUES(:grp, :user, :since)",
	[S_MEMBER_GET] = "SELECT 1 FROM member WHERE grp = :grp"
	    " AND user = :user",
	[S_MEMBER_DELETE] = "DELETE FROM member WHERE grp = :grp"
	    " AND user = :user",
	[S_MEMBER_OLDEST] = "SELECT user FROM member WHERE grp = :grp"
	    " ORDER BY since, user LIMIT 1",
	/* Strictly increasing within a group, even if the clock steps back. */
	[S_MEMBER_NEXT_SINCE] = "SELECT max(:now, coalesce(max(since) + 1, 0))"
	    " FROM member WHERE grp = :grp",
	[S_REQ_INSERT] = "INSERT INTO request(grp, user, at)"
	    " VALUES(:grp, :user, :now)",
	[S_REQ_GET] = "SELECT 1 FROM request WHERE grp = :grp"
	    " AND user = :user",
	[S_REQ_DELETE] = "DELETE FROM request WHERE grp = :grp"
	    " AND user = :user",
	[S_REQ_LIST] = "SELECT user FROM request WHERE grp = :grp"
	    " ORDER BY at, user",
	[S_FILE_GET] = "SELECT size, sha1, pieces FROM file"
	    " WHERE grp = :grp AND name = :name",
	[S_FILE_INSERT] = "INSERT INTO file(grp, name, size, sha1, pieces,"
	    " created) VALUES(:grp, :name, :size, :sha1, :pieces, :now)",
	/* A file is listed while at least one user shares it. */
	[S_FILE_LIST] = "SELECT name, size, sha1 FROM file f WHERE grp = :grp"
	    " AND EXISTS(SELECT 1 FROM share s WHERE s.grp = f.grp"
	    " AND s.name = f.name) ORDER BY name",
	/* Files nobody shares any more are forgotten: the name is free. */
	[S_FILE_GC] = "DELETE FROM file WHERE grp = :grp AND NOT EXISTS("
	    "SELECT 1 FROM share s WHERE s.grp = file.grp"
	    " AND s.name = file.name)",
	[S_SHARE_UPSERT] = "INSERT INTO share(grp, name, user, path, mtime)"
	    " VALUES(:grp, :name, :user, :path, :mtime)"
	    " ON CONFLICT(grp, name, user) DO UPDATE SET path = excluded.path,"
	    " mtime = excluded.mtime",
	[S_SHARE_DELETE] = "DELETE FROM share WHERE grp = :grp"
	    " AND name = :name AND user = :user",
	[S_SHARE_DELETE_GROUP] = "DELETE FROM share WHERE grp = :grp"
	    " AND user = :user",
	[S_SHARE_MINE] = "SELECT s.grp, s.name, s.path, f.sha1, f.size,"
	    " s.mtime FROM share s JOIN file f ON f.grp = s.grp"
	    " AND f.name = s.name WHERE s.user = :user ORDER BY s.grp, s.name",
	[S_SERVE_INSERT] = "INSERT OR IGNORE INTO serving(key, grp, name)"
	    " VALUES(:key, :grp, :name)",
	[S_SERVE_DELETE] = "DELETE FROM serving WHERE key = :key"
	    " AND grp = :grp AND name = :name",
	[S_SERVE_DELETE_GROUP] = "DELETE FROM serving WHERE grp = :grp"
	    " AND key IN (SELECT key FROM sessions WHERE user = :user)",
	/* Sources: sessions serving the file, online here, not the asker. */
	[S_SERVE_SOURCES] = "SELECT DISTINCT s.peer FROM serving v"
	    " JOIN sessions s ON s.key = v.key"
	    " JOIN temp.online o ON o.key = v.key"
	    " WHERE v.grp = :grp AND v.name = :name AND v.key != :key"
	    " ORDER BY s.peer",
	[S_ONLINE_ADD] = "INSERT INTO temp.online(key, links) VALUES(:key, 1)"
	    " ON CONFLICT(key) DO UPDATE SET links = links + 1",
	[S_ONLINE_DROP] = "UPDATE temp.online SET links = links - 1"
	    " WHERE key = :key",
	[S_ONLINE_GC] = "DELETE FROM temp.online WHERE links <= 0",
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[S_COUNT];
	uint8_t		*pieces;	/* last file_get()'s piece hashes */
	uint32_t	 npieces_cap;
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

static int
begin(struct store *s)
{
	return exec(s, stmt(s, S_BEGIN));
}

/* Commit, or roll back and fail.  Returns rc when the commit held. */
static int
commit(struct store *s, int rc)
{
	if (exec(s, stmt(s, S_COMMIT)) == -1) {
		exec(s, stmt(s, S_ROLLBACK));
		return ST_ERR;
	}
	return rc;
}

/* Undo the transaction and pass rc through. */
static int
rollback(struct store *s, int rc)
{
	exec(s, stmt(s, S_ROLLBACK));
	return rc;
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
	free(s->pieces);
	free(s);
}

/* Users and sessions. */

static int
user_exists(struct store *s, const char *user)
{
	sqlite3_stmt *q = stmt(s, S_USER_EXISTS);

	bind_text(q, ":user", user);
	return exists(s, q);
}

int
store_user_create(struct store *s, const char *user,
    const struct user_cred *c, int64_t now)
{
	sqlite3_stmt *q;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = user_exists(s, user)) != 0)
		return rollback(s, r == 1 ? ST_USER_EXISTS : ST_ERR);
	q = stmt(s, S_USER_INSERT);
	bind_text(q, ":user", user);
	bind_blob(q, ":salt", c->salt, STORE_SALT_LEN);
	bind_blob(q, ":hash", c->hash, STORE_HASH_LEN);
	bind_int(q, ":iter", c->iter);
	bind_int(q, ":now", now);
	if (exec(s, q) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
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
	sqlite3_stmt *q;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = user_exists(s, user)) != 1)
		return rollback(s, r == 0 ? ST_NO_USER : ST_ERR);
	q = stmt(s, S_SESS_INSERT);
	bind_blob(q, ":key", key, 32);
	bind_text(q, ":user", user);
	bind_text(q, ":peer", peer);
	bind_int(q, ":now", now);
	if (exec(s, q) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
}

int
store_session_user(struct store *s, const uint8_t key[32],
    char user[ID_MAX + 1])
{
	sqlite3_stmt *q = stmt(s, S_SESS_GET);
	const unsigned char *u;
	int r;

	bind_blob(q, ":key", key, 32);
	if ((r = row(s, q)) != 1)
		return r == 0 ? ST_NO_SESSION : ST_ERR;
	u = sqlite3_column_text(q, 0);
	snprintf(user, ID_MAX + 1, "%s", u ? (const char *)u : "");
	sqlite3_reset(q);
	return ST_OK;
}

int
store_session_del(struct store *s, const uint8_t key[32])
{
	sqlite3_stmt *q;

	if (begin(s) == -1)
		return ST_ERR;
	q = stmt(s, S_SESS_DEL);
	bind_blob(q, ":key", key, 32);
	if (exec(s, q) == -1)
		return rollback(s, ST_ERR);
	if (sqlite3_changes(s->db) == 0)
		return rollback(s, ST_NO_SESSION);
	return commit(s, ST_OK);
}

/* Groups. */

/* Owner of group into owner (may be NULL): ST_OK, ST_NO_GROUP, ST_ERR. */
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
	sqlite3_stmt *q = stmt(s, S_MEMBER_GET);

	bind_text(q, ":grp", group);
	bind_text(q, ":user", user);
	return exists(s, q);
}

static int
has_request(struct store *s, const char *group, const char *user)
{
	sqlite3_stmt *q = stmt(s, S_REQ_GET);

	bind_text(q, ":grp", group);
	bind_text(q, ":user", user);
	return exists(s, q);
}

/* Run a statement that takes :grp and :user only. */
static int
grp_user(struct store *s, enum stmt i, const char *group, const char *user)
{
	sqlite3_stmt *q = stmt(s, i);

	bind_text(q, ":grp", group);
	bind_text(q, ":user", user);
	return exec(s, q);
}

static int
add_member(struct store *s, const char *group, const char *user, int64_t now)
{
	sqlite3_stmt *q = stmt(s, S_MEMBER_NEXT_SINCE);
	int64_t since;

	bind_text(q, ":grp", group);
	bind_int(q, ":now", now);
	if (row(s, q) != 1)
		return -1;
	since = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	q = stmt(s, S_MEMBER_INSERT);
	bind_text(q, ":grp", group);
	bind_text(q, ":user", user);
	bind_int(q, ":since", since);
	return exec(s, q);
}

int
store_group_create(struct store *s, const char *group, const char *owner,
    int64_t now)
{
	sqlite3_stmt *q;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = group_owner(s, group, NULL)) != ST_NO_GROUP)
		return rollback(s, r == ST_OK ? ST_GROUP_EXISTS : ST_ERR);
	if ((r = user_exists(s, owner)) != 1)
		return rollback(s, r == 0 ? ST_NO_USER : ST_ERR);
	q = stmt(s, S_GROUP_INSERT);
	bind_text(q, ":grp", group);
	bind_text(q, ":user", owner);
	bind_int(q, ":now", now);
	if (exec(s, q) == -1 || add_member(s, group, owner, now) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
}

int
store_group_join(struct store *s, const char *group, const char *user,
    int64_t now)
{
	sqlite3_stmt *q;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = group_owner(s, group, NULL)) != ST_OK)
		return rollback(s, r);
	if ((r = is_member(s, group, user)) != 0)
		return rollback(s, r == 1 ? ST_ALREADY_MEMBER : ST_ERR);
	if ((r = has_request(s, group, user)) != 0)
		return rollback(s, r == 1 ? ST_ALREADY_REQUESTED : ST_ERR);
	q = stmt(s, S_REQ_INSERT);
	bind_text(q, ":grp", group);
	bind_text(q, ":user", user);
	bind_int(q, ":now", now);
	if (exec(s, q) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
}

static int
file_gc(struct store *s, const char *group)
{
	sqlite3_stmt *q = stmt(s, S_FILE_GC);

	bind_text(q, ":grp", group);
	return exec(s, q);
}

int
store_group_leave(struct store *s, const char *group, const char *user)
{
	char owner[ID_MAX + 1], heir[ID_MAX + 1];
	sqlite3_stmt *q;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = group_owner(s, group, owner)) != ST_OK)
		return rollback(s, r);
	if ((r = is_member(s, group, user)) != 1)
		return rollback(s, r == 0 ? ST_NOT_MEMBER : ST_ERR);
	if (grp_user(s, S_MEMBER_DELETE, group, user) == -1 ||
	    grp_user(s, S_SHARE_DELETE_GROUP, group, user) == -1 ||
	    grp_user(s, S_SERVE_DELETE_GROUP, group, user) == -1 ||
	    file_gc(s, group) == -1)
		return rollback(s, ST_ERR);
	q = stmt(s, S_MEMBER_OLDEST);
	bind_text(q, ":grp", group);
	if ((r = row(s, q)) == -1)
		return rollback(s, ST_ERR);
	if (r == 0) {
		/* Last one out: the group goes, its requests with it. */
		q = stmt(s, S_GROUP_DELETE);
		bind_text(q, ":grp", group);
		if (exec(s, q) == -1)
			return rollback(s, ST_ERR);
		return commit(s, ST_OK);
	}
	snprintf(heir, sizeof(heir), "%s",
	    (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	if (strcmp(owner, user) == 0) {
		q = stmt(s, S_GROUP_SET_OWNER);
		bind_text(q, ":grp", group);
		bind_text(q, ":user", heir);
		if (exec(s, q) == -1)
			return rollback(s, ST_ERR);
	}
	return commit(s, ST_OK);
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

int
store_group_accept(struct store *s, const char *group, const char *owner,
    const char *user, int64_t now)
{
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = owner_and_request(s, group, owner, user)) != ST_OK)
		return rollback(s, r);
	if (grp_user(s, S_REQ_DELETE, group, user) == -1 ||
	    add_member(s, group, user, now) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
}

int
store_group_reject(struct store *s, const char *group, const char *owner,
    const char *user)
{
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = owner_and_request(s, group, owner, user)) != ST_OK)
		return rollback(s, r);
	if (grp_user(s, S_REQ_DELETE, group, user) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
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

int
store_groups(struct store *s, store_row_cb cb, void *arg)
{
	return each_row(s, stmt(s, S_GROUP_LIST), cb, arg);
}

int
store_group_owner(struct store *s, const char *group, char owner[ID_MAX + 1])
{
	return group_owner(s, group, owner);
}

int
store_is_member(struct store *s, const char *group, const char *user)
{
	int r;

	if ((r = group_owner(s, group, NULL)) != ST_OK)
		return r;
	if ((r = is_member(s, group, user)) == -1)
		return ST_ERR;
	return r == 1 ? ST_OK : ST_NOT_MEMBER;
}

/* Files. */

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

/* Read a file row; ST_OK (m filled), ST_NO_FILE or ST_ERR. */
static int
file_get(struct store *s, const char *group, const char *name,
    struct file_meta *m)
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
	sqlite3_reset(q);
	return ST_OK;
}

static int
serve(struct store *s, const uint8_t key[32], const char *group,
    const char *name)
{
	sqlite3_stmt *q = stmt(s, S_SERVE_INSERT);

	bind_blob(q, ":key", key, 32);
	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	return exec(s, q);
}

int
store_upload(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name, const struct file_meta *m,
    const char *path, int64_t mtime, int64_t now)
{
	struct file_meta cur;
	sqlite3_stmt *q;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = member_check(s, group, user)) != ST_OK)
		return rollback(s, r);
	r = file_get(s, group, name, &cur);
	if (r == ST_OK) {
		if (cur.size != m->size || memcmp(cur.sha1, m->sha1, 20) != 0)
			return rollback(s, ST_FILE_CONFLICT);
	} else if (r == ST_NO_FILE) {
		q = stmt(s, S_FILE_INSERT);
		bind_text(q, ":grp", group);
		bind_text(q, ":name", name);
		bind_int(q, ":size", (int64_t)m->size);
		bind_blob(q, ":sha1", m->sha1, 20);
		bind_blob(q, ":pieces", m->pieces, (int)m->npieces * 20);
		bind_int(q, ":now", now);
		if (exec(s, q) == -1)
			return rollback(s, ST_ERR);
	} else {
		return rollback(s, r);
	}
	q = stmt(s, S_SHARE_UPSERT);
	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	bind_text(q, ":user", user);
	bind_text(q, ":path", path);
	bind_int(q, ":mtime", mtime);
	if (exec(s, q) == -1 || serve(s, key, group, name) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
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
	return file_get(s, group, name, m);
}

int
store_sources(struct store *s, const char *group, const char *name,
    const uint8_t key[32], store_row_cb cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_SERVE_SOURCES);

	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	bind_blob(q, ":key", key, 32);
	return each_row(s, q, cb, arg);
}

int
store_serve(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name)
{
	struct file_meta m;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = member_check(s, group, user)) != ST_OK)
		return rollback(s, r);
	if ((r = file_get(s, group, name, &m)) != ST_OK)
		return rollback(s, r);
	if (serve(s, key, group, name) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
}

int
store_stop_share(struct store *s, const uint8_t key[32], const char *user,
    const char *group, const char *name)
{
	sqlite3_stmt *q;
	int changed;
	int r;

	if (begin(s) == -1)
		return ST_ERR;
	if ((r = member_check(s, group, user)) != ST_OK)
		return rollback(s, r);
	q = stmt(s, S_SHARE_DELETE);
	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	bind_text(q, ":user", user);
	if (exec(s, q) == -1)
		return rollback(s, ST_ERR);
	changed = sqlite3_changes(s->db);
	q = stmt(s, S_SERVE_DELETE);
	bind_blob(q, ":key", key, 32);
	bind_text(q, ":grp", group);
	bind_text(q, ":name", name);
	if (exec(s, q) == -1)
		return rollback(s, ST_ERR);
	changed += sqlite3_changes(s->db);
	if (changed == 0)
		return rollback(s, ST_NOT_SHARER);
	if (file_gc(s, group) == -1)
		return rollback(s, ST_ERR);
	return commit(s, ST_OK);
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
