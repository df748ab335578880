/*
 * store_page.c - listings a page at a time (see store.h, common/page.h).
 *
 * Each page is one query from its cursor, LIMIT STORE_PAGE_ROWS, walked
 * until the page is full: a range of the table's primary key for groups
 * and files (ordered by name), a group's requests sorted by when they
 * were made; a user's shares by (group, name), from the index share_user
 * (user, then the primary key).  The whole listings (store_read.c) stay
 * for older clients.
 *
 * Reads only; the checks are the whole listings' own.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "parse.h"
#include "store.h"
#define STORE_INTERNAL
#include "store_int.h"

/* The rows after the cursor, in the order the whole listings give them. */
const char db_sql_group_page[] = "SELECT name FROM grp g WHERE name > :after"
    " AND EXISTS(SELECT 1 FROM member m WHERE m.grp = g.name"
    " AND m.state = 3) ORDER BY name LIMIT :n";
const char db_sql_req_page[] = "SELECT m.user, m.stamp, m.origin FROM member m"
    " JOIN grp g ON g.name = m.grp WHERE m.grp = :grp AND m.state = 1"
    " AND m.stamp > g.revived AND (m.stamp, m.origin, m.user) >"
    " (:stamp, :origin, :user) ORDER BY m.stamp, m.origin, m.user"
    " LIMIT :n";
const char db_sql_file_page[] = "SELECT f.name, f.size, f.sha1, v.parent"
    " FROM file f LEFT JOIN version v ON v.grp = f.grp AND v.name = f.name"
    " AND v.sha1 = f.sha1 WHERE f.grp = :grp AND f.name > :after"
    " AND EXISTS(SELECT 1 FROM share s JOIN member m ON m.grp = s.grp"
    " AND m.user = s.user WHERE s.grp = f.grp AND s.name = f.name"
    LIVE_SHARE ") ORDER BY f.name LIMIT :n";
/* As S_SHARE_MINE, from a cursor: a range of the index share_user. */
const char db_sql_share_page[] = "SELECT s.grp, s.name, s.path, f.sha1,"
    " f.size, s.mtime FROM share s JOIN file f ON f.grp = s.grp"
    " AND f.name = s.name JOIN member m ON m.grp = s.grp"
    " AND m.user = s.user WHERE s.user = :user"
    " AND (s.grp, s.name) > (:grp, :name)" LIVE_SHARE
    " ORDER BY s.grp, s.name LIMIT :n";

void
store_set_page_rows(struct store *s, unsigned rows)
{
	s->page_rows = rows;
}

/* Rows a page's query reads at most. */
static unsigned
page_rows(const struct store *s)
{
	return s->page_rows != 0 ? s->page_rows : STORE_PAGE_ROWS;
}

/*
 * Hand q's rows to cb; column 0 is the name and, unless key says
 * otherwise (keyf), its cursor.  ST_OK or ST_ERR.
 */
static int
walk(struct store *s, sqlite3_stmt *q, int files,
    void (*keyf)(sqlite3_stmt *, char *, size_t), store_page_cb cb,
    void *arg, int *more)
{
	char key[ID_MAX + 48];
	const char *name;
	unsigned rows = 0;
	int r;

	*more = 0;
	while ((r = db_row(s, q)) == 1) {
		rows++;
		name = (const char *)sqlite3_column_text(q, 0);
		if (name == NULL || (files && sqlite3_column_bytes(q, 2) != 20))
			continue;
		if (keyf != NULL)
			keyf(q, key, sizeof(key));
		if (cb(arg, name, files ? (uint64_t)sqlite3_column_int64(q, 1) :
		    0, files ? sqlite3_column_blob(q, 2) : NULL, files &&
		    sqlite3_column_bytes(q, 3) == 20 ? sqlite3_column_blob(q, 3) :
		    NULL, keyf != NULL ? key : name) == -1) {
			sqlite3_reset(q);
			*more = 1;
			return ST_OK;
		}
	}
	*more = rows == page_rows(s);
	return r == 0 ? ST_OK : ST_ERR;
}

int
store_groups_page(struct store *s, const char *after, store_page_cb cb,
    void *arg, int *more)
{
	sqlite3_stmt *q;

	if (after[0] != '\0' && !parse_id(after))
		return ST_BAD_CURSOR;
	q = db_stmt(s, S_GROUP_PAGE);
	db_bind_text(q, ":after", after);
	db_bind_int(q, ":n", page_rows(s));
	return walk(s, q, 0, NULL, cb, arg, more);
}

/* A request's cursor: "stamp.origin.user", its place in the order. */
static void
request_key(sqlite3_stmt *q, char *key, size_t len)
{
	snprintf(key, len, "%lld.%lld.%s",
	    (long long)sqlite3_column_int64(q, 1),
	    (long long)sqlite3_column_int64(q, 2),
	    (const char *)sqlite3_column_text(q, 0));
}

/* Read a request cursor back: 0, or -1 if it is not one. */
static int
request_cursor(const char *c, int64_t *stamp, int64_t *origin,
    const char **user)
{
	char *end;
	unsigned long long v;

	if (c[0] < '0' || c[0] > '9')
		return -1;
	v = strtoull(c, &end, 10);
	if (*end != '.' || v > INT64_MAX)
		return -1;
	*stamp = (int64_t)v;
	c = end + 1;
	if (c[0] < '0' || c[0] > '9')
		return -1;
	v = strtoull(c, &end, 10);
	if (*end != '.' || v > UINT32_MAX)
		return -1;
	*origin = (int64_t)v;
	*user = end + 1;
	return parse_id(*user) ? 0 : -1;
}

int
store_requests_page(struct store *s, const char *group, const char *owner,
    const char *after, store_page_cb cb, void *arg, int *more)
{
	char cur[ID_MAX + 1];
	int64_t stamp = -1, origin = 0;
	const char *user = "";
	sqlite3_stmt *q;
	int r;

	if (after[0] != '\0' && request_cursor(after, &stamp, &origin,
	    &user) == -1)
		return ST_BAD_CURSOR;
	if ((r = state_group_owner(s, group, cur)) != ST_OK)
		return r;
	if (strcmp(cur, owner) != 0)
		return ST_NOT_OWNER;
	q = db_stmt(s, S_REQ_PAGE);
	db_bind_text(q, ":grp", group);
	db_bind_int(q, ":stamp", stamp);
	db_bind_int(q, ":origin", origin);
	db_bind_text(q, ":user", user);
	db_bind_int(q, ":n", page_rows(s));
	return walk(s, q, 0, request_key, cb, arg, more);
}

/* The parents' column dropped: list_files asks for none. */
struct no_parents {
	store_page_cb	 cb;
	void		*arg;
};

static int
drop_parent(void *arg, const char *name, uint64_t size, const uint8_t *sha1,
    const uint8_t *parent, const char *key)
{
	const struct no_parents *np = arg;

	(void)parent;
	return np->cb(np->arg, name, size, sha1, NULL, key);
}

int
store_files_page(struct store *s, const char *group, const char *user,
    const char *after, int parents, store_page_cb cb, void *arg, int *more)
{
	struct no_parents np = { cb, arg };
	sqlite3_stmt *q;
	int r;

	if (after[0] != '\0' && !parse_filename(after))
		return ST_BAD_CURSOR;
	if ((r = state_member_check(s, group, user)) != ST_OK)
		return r;
	q = db_stmt(s, S_FILE_PAGE);
	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":after", after);
	db_bind_int(q, ":n", page_rows(s));
	return parents ? walk(s, q, 1, NULL, cb, arg, more) :
	    walk(s, q, 1, NULL, drop_parent, &np, more);
}

int
store_shares_page(struct store *s, const char *user, const char *after,
    store_share_page_cb cb, void *arg, int *more)
{
	char group[ID_MAX + 1] = "";
	const char *name = "";
	struct share_row sr;
	sqlite3_stmt *q;
	unsigned rows = 0;
	int r;

	if (after[0] != '\0' && page_share_cursor(after, group, &name) == -1)
		return ST_BAD_CURSOR;
	q = db_stmt(s, S_SHARE_PAGE);
	db_bind_text(q, ":user", user);
	db_bind_text(q, ":grp", group);
	db_bind_text(q, ":name", name);
	db_bind_int(q, ":n", page_rows(s));
	*more = 0;
	while ((r = db_row(s, q)) == 1) {
		rows++;
		if (db_share_row(q, &sr) == 0 && cb(arg, &sr) == -1) {
			sqlite3_reset(q);
			*more = 1;
			return ST_OK;
		}
	}
	*more = rows == page_rows(s);
	return r == 0 ? ST_OK : ST_ERR;
}
