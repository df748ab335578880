/*
 * store_search.c - search: the name index and the reads around it (see
 * store.h, store_search()).
 *
 * The index (nameidx.h) is a cache of the file table's (group, name)
 * pairs, in memory, never written anywhere: built from the table at the
 * first search (or store_search_warm() at start-up), then kept in step by
 * state_file_merge(), the one place a file row is made, for local
 * uploads, ops from other trackers and snapshot rows alike; so every
 * tracker's index holds what its own table holds, whichever way the rows
 * came.  It may also hold a pair whose row is gone (a group that lost a
 * name conflict) or was never committed (a rolled-back batch): harmless,
 * since each candidate is looked up in the tables before it is an
 * answer, with the same rule list_files follows.  The groups searched
 * are read from the member table at each search: only the user's.
 *
 * Owns the index.  Writes nothing to the database.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "hlc.h"
#include "log.h"
#include "nameidx.h"
#include "rbuf.h"
#include "reqset.h"
#include "store.h"
#define STORE_INTERNAL
#include "store_int.h"
#include "xalloc.h"

int
store_search_warm(struct store *s)
{
	sqlite3_stmt *q;
	int r;

	if (s->names != NULL)
		return ST_OK;
	s->names = nameidx_new();
	q = db_stmt(s, S_FILE_NAMES);
	while ((r = db_row(s, q)) == 1)
		nameidx_add(s->names, (const char *)sqlite3_column_text(q, 0),
		    (const char *)sqlite3_column_text(q, 1));
	if (r == -1) {
		nameidx_free(s->names);
		s->names = NULL;
		return ST_ERR;
	}
	return ST_OK;
}

/* The file as a hit if someone shares it: 1, 0 if not, -1. */
static int
found(struct store *s, const struct nameidx_hit *h, struct store_hit *out)
{
	sqlite3_stmt *q = db_stmt(s, S_FILE_FOUND);
	int r;

	db_bind_text(q, ":grp", h->group);
	db_bind_text(q, ":name", h->name);
	if ((r = db_row(s, q)) != 1)
		return r;
	r = sqlite3_column_bytes(q, 1) == 20;
	if (r) {
		out->group = h->group;
		out->name = h->name;
		out->size = (uint64_t)sqlite3_column_int64(q, 0);
		memcpy(out->sha1, sqlite3_column_blob(q, 1), 20);
	}
	sqlite3_reset(q);
	return r;
}

int
store_search(struct store *s, const char *user, const char *pat,
    const char *after_group, const char *after_name, store_hit_cb cb,
    void *arg, struct store_search_end *end)
{
	const struct nameidx_hit *last = NULL;
	struct store_hit hit;
	sqlite3_stmt *q;
	size_t n, i;
	int r, more;

	/* end may be where the cursor came from: written last. */
	s->search_checked = 0;
	end->more = 0;
	if (store_search_warm(s) != ST_OK)
		return ST_ERR;
	nameidx_scope_begin(s->names);
	q = db_stmt(s, S_MY_GROUPS);
	db_bind_text(q, ":user", user);
	while ((r = db_row(s, q)) == 1)
		nameidx_scope_add(s->names,
		    (const char *)sqlite3_column_text(q, 0));
	if (r == -1)
		return ST_ERR;
	if (s->hits == NULL)
		s->hits = xcalloc(STORE_SEARCH_PAGE, sizeof(*s->hits));
	n = nameidx_search(s->names, pat, after_group, after_name, s->hits,
	    STORE_SEARCH_PAGE, &more);
	for (i = 0; i < n; i++) {
		s->search_checked++;
		if ((r = found(s, &s->hits[i], &hit)) == -1)
			return ST_ERR;
		if (r == 1 && cb(arg, &hit) == -1) {
			if (i == 0)
				return ST_ERR;	/* a page must hold one */
			more = 1;
			break;
		}
		last = &s->hits[i];
	}
	end->more = more;
	if (last != NULL) {
		snprintf(end->group, sizeof(end->group), "%s", last->group);
		snprintf(end->name, sizeof(end->name), "%s", last->name);
	} else {
		end->group[0] = end->name[0] = '\0';
	}
	return ST_OK;
}

void
store_search_stats(const struct store *s, int *walked, size_t *candidates,
    size_t *checked)
{
	struct nameidx_stats st = { 0, 0 };

	if (s->names != NULL)
		nameidx_stats(s->names, &st);
	*walked = st.walked;
	*candidates = st.candidates;
	*checked = s->search_checked;
}
