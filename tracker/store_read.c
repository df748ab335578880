/*
 * store_read.c - what the handlers read, and presence.
 *
 * Credentials, sessions, listings (groups, requests, files, sources, a
 * user's shares) for the request handlers; and which sessions have a live
 * connection here or on another tracker (TEMP tables, not durable, not
 * replicated), which decides the sources a file lists.
 *
 * Changes no replicated row.  Listings call back once per row and keep
 * nothing the caller must free.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "hlc.h"
#include "log.h"
#include "rbuf.h"
#include "reqset.h"
#include "store.h"
#define STORE_INTERNAL
#include "store_int.h"
#include "wire.h"
#include "xalloc.h"


int
store_user_cred(struct store *s, const char *user, struct user_cred *c)
{
	sqlite3_stmt *q = db_stmt(s, S_USER_GET);
	int r;

	db_bind_text(q, ":user", user);
	if ((r = db_row(s, q)) != 1)
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
store_session_user(struct store *s, const uint8_t key[32],
    const uint8_t *fp, char user[ID_MAX + 1])
{
	sqlite3_stmt *q = db_stmt(s, S_SESS_GET);
	const unsigned char *u;
	int r, bound;

	db_bind_blob(q, ":key", key, 32);
	if ((r = db_row(s, q)) == 1) {
		u = sqlite3_column_text(q, 0);
		snprintf(user, ID_MAX + 1, "%s", u ? (const char *)u : "");
		bound = fp == NULL || (sqlite3_column_bytes(q, 1) == 32 &&
		    ct_equal(sqlite3_column_blob(q, 1), fp, 32));
		sqlite3_reset(q);
		return bound ? ST_OK : ST_NO_SESSION;
	}
	if (r == -1)
		return ST_ERR;
	q = db_stmt(s, S_DEAD_GET);
	db_bind_blob(q, ":key", key, 32);
	if ((r = db_row(s, q)) != 1)
		return r == 0 ? ST_NO_SESSION : ST_ERR;
	u = sqlite3_column_text(q, 0);
	r = sqlite3_column_int(q, 1);
	if (r)
		state_lost_why(s->dead_why, sizeof(s->dead_why),
		    u ? (const char *)u : "");
	sqlite3_reset(q);
	return r ? ST_SESSION_ENDED : ST_NO_SESSION;
}

const char *
store_session_why(const struct store *s)
{
	return s->dead_why;
}

/* Feed every row's first column of q to cb. */
static int
each_row(struct store *s, sqlite3_stmt *q, store_row_cb cb, void *arg)
{
	int r;

	while ((r = db_row(s, q)) == 1)
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

	if ((r = state_group_owner(s, group, cur)) != ST_OK)
		return r;
	if (strcmp(cur, owner) != 0)
		return ST_NOT_OWNER;
	q = db_stmt(s, S_REQ_LIST);
	db_bind_text(q, ":grp", group);
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
/* Rebuild the kept list if a row changed: ST_OK, ST_ERR, or -1 if too long. */
static int
groups_fresh(struct store *s)
{
	int64_t now = sqlite3_total_changes64(s->db);
	const char *p;
	sqlite3_stmt *q;
	int r;

	if (s->groups_ok && s->groups_at == now)
		return ST_OK;
	s->groups_ok = 0;
	s->groups_gen++;
	buf_reset(&s->groups);
	q = db_stmt(s, S_GROUP_LIST);
	while ((r = db_row(s, q)) == 1) {
		p = (const char *)sqlite3_column_text(q, 0);
		if (p == NULL ||
		    buf_append(&s->groups, p, strlen(p) + 1) == -1) {
			sqlite3_reset(q);
			return -1;
		}
	}
	if (r == -1)
		return ST_ERR;
	s->groups_ok = 1;
	s->groups_at = now;
	return ST_OK;
}

uint64_t
store_groups_gen(struct store *s)
{
	return groups_fresh(s) == ST_OK ? s->groups_gen : 0;
}

int
store_groups(struct store *s, store_row_cb cb, void *arg)
{
	const char *p;
	size_t i;
	int r;

	if ((r = groups_fresh(s)) == -1)
		return each_row(s, db_stmt(s, S_GROUP_LIST), cb, arg);
	if (r != ST_OK)
		return r;
	p = (const char *)buf_head(&s->groups);
	for (i = 0; i < buf_used(&s->groups); i += strlen(p + i) + 1)
		cb(arg, p + i);
	return ST_OK;
}

int
store_group_owner(struct store *s, const char *group, char owner[ID_MAX + 1])
{
	return state_group_owner(s, group, owner);
}

/* Group exists and user is a member: ST_OK, else the refusal. */
int
store_is_member(struct store *s, const char *group, const char *user)
{
	return state_member_check(s, group, user);
}

int
store_list_versions(struct store *s, const char *group, const char *user,
    void (*cb)(void *, const char *, uint64_t, const uint8_t *,
    const uint8_t *), void *arg)
{
	sqlite3_stmt *q;
	int r;

	if ((r = state_member_check(s, group, user)) != ST_OK)
		return r;
	q = db_stmt(s, S_FILE_LIST);
	db_bind_text(q, ":grp", group);
	while ((r = db_row(s, q)) == 1) {
		if (sqlite3_column_bytes(q, 2) != 20)
			continue;
		cb(arg, (const char *)sqlite3_column_text(q, 0),
		    (uint64_t)sqlite3_column_int64(q, 1),
		    sqlite3_column_blob(q, 2), sqlite3_column_bytes(q, 3) == 20 ?
		    sqlite3_column_blob(q, 3) : NULL);	/* zeros: none */
	}
	return r == 0 ? ST_OK : ST_ERR;
}

/* store_list_files() is store_list_versions() without the parents. */
struct files_cb {
	void	(*cb)(void *, const char *, uint64_t, const uint8_t *);
	void	*arg;
};

static void
files_cb(void *arg, const char *name, uint64_t size, const uint8_t *sha1,
    const uint8_t *parent)
{
	const struct files_cb *f = arg;

	(void)parent;
	f->cb(f->arg, name, size, sha1);
}

int
store_list_files(struct store *s, const char *group, const char *user,
    void (*cb)(void *, const char *, uint64_t, const uint8_t *), void *arg)
{
	struct files_cb f = { cb, arg };

	return store_list_versions(s, group, user, files_cb, &f);
}

int
store_file_info(struct store *s, const char *group, const char *name,
    const char *user, struct file_meta *m)
{
	int r;

	if ((r = state_member_check(s, group, user)) != ST_OK)
		return r;
	return state_live_file(s, group, name, m, 1);
}

int
store_file_sha1(struct store *s, const char *group, const char *name,
    const char *user, struct file_meta *m)
{
	int r;

	if ((r = state_member_check(s, group, user)) != ST_OK)
		return r;
	return state_live_file(s, group, name, m, 0);
}

int
store_sources(struct store *s, const char *group, const char *name,
    const uint8_t key[32], store_source_cb cb, void *arg)
{
	sqlite3_stmt *q = db_stmt(s, S_SERVE_SOURCES);
	int r;

	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	db_bind_blob(q, ":key", key, 32);
	while ((r = db_row(s, q)) == 1)
		if (sqlite3_column_bytes(q, 1) == 32 &&
		    sqlite3_column_bytes(q, 2) == 32)
			cb(arg, (const char *)sqlite3_column_text(q, 0),
			    sqlite3_column_blob(q, 1),
			    sqlite3_column_blob(q, 2));
	return r == 0 ? ST_OK : ST_ERR;
}

int
db_share_row(sqlite3_stmt *q, struct share_row *sr)
{
	if (sqlite3_column_bytes(q, 3) != 20 ||
	    sqlite3_column_text(q, 0) == NULL ||
	    sqlite3_column_text(q, 1) == NULL ||
	    sqlite3_column_text(q, 2) == NULL)
		return -1;
	sr->group = (const char *)sqlite3_column_text(q, 0);
	sr->name = (const char *)sqlite3_column_text(q, 1);
	sr->path = (const char *)sqlite3_column_text(q, 2);
	sr->sha1 = sqlite3_column_blob(q, 3);
	sr->size = (uint64_t)sqlite3_column_int64(q, 4);
	sr->mtime = sqlite3_column_int64(q, 5);
	return 0;
}

int
store_my_shares(struct store *s, const char *user, store_share_cb cb,
    void *arg)
{
	sqlite3_stmt *q = db_stmt(s, S_SHARE_MINE);
	struct share_row sr;
	int r;

	db_bind_text(q, ":user", user);
	while ((r = db_row(s, q)) == 1)
		if (db_share_row(q, &sr) == 0)
			cb(arg, &sr);
	return r == 0 ? ST_OK : ST_ERR;
}

/* Presence: not durable, not replicated as ops. */

int
store_online(struct store *s, const uint8_t key[32], int up)
{
	sqlite3_stmt *q = db_stmt(s, up ? S_ONLINE_ADD : S_ONLINE_DROP);

	db_bind_blob(q, ":key", key, 32);
	if (db_exec(s, q) == -1 || db_seen(s, key) == -1)
		return ST_ERR;
	if (!up && db_exec(s, db_stmt(s, S_ONLINE_GC)) == -1)
		return ST_ERR;
	return ST_OK;
}

int
store_is_online(struct store *s, const uint8_t key[32])
{
	return db_blob_exists(s, S_ONLINE_GET, ":key", key) == 1;
}

int
store_online_keys(struct store *s, void (*cb)(void *, const uint8_t *),
    void *arg)
{
	sqlite3_stmt *q = db_stmt(s, S_ONLINE_LIST);
	int r;

	while ((r = db_row(s, q)) == 1)
		if (sqlite3_column_bytes(q, 0) == 32)
			cb(arg, sqlite3_column_blob(q, 0));
	return r == 0 ? ST_OK : ST_ERR;
}

int
store_remote_online(struct store *s, uint32_t tracker, const uint8_t key[32],
    int up)
{
	sqlite3_stmt *q = db_stmt(s, up ? S_RONLINE_ADD : S_RONLINE_DEL);

	db_bind_int(q, ":tracker", tracker);
	db_bind_blob(q, ":key", key, 32);
	return db_exec(s, q) == -1 || db_seen(s, key) == -1 ? ST_ERR : ST_OK;
}

int
store_remote_clear(struct store *s, uint32_t tracker)
{
	sqlite3_stmt *q = db_stmt(s, S_RONLINE_CLEAR);

	db_bind_int(q, ":tracker", tracker);
	return db_exec(s, q) == -1 ? ST_ERR : ST_OK;
}