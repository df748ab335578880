/*
 * handlers_page.c - listings a page at a time: GROUPS_PAGE,
 * REQUESTS_PAGE, FILES_PAGE_REQ, VERSIONS_PAGE and MY_SHARES_PAGE (see
 * common/page.h).
 *
 * Each request is answered with one page of at most a control frame,
 * from the cursor it names, so no listing, however long a user made it,
 * gives a reply over a limit or holds the loop longer than a page; the
 * client asks again from each page's cursor.  The checks (a session,
 * membership, ownership) are the whole listings', in the store.
 *
 * Shares struct req and the reply paths with handlers.c through
 * handlers_int.h; never touches SQLite or a socket itself.
 */
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "handlers.h"
#define HANDLERS_INTERNAL
#include "handlers_int.h"
#include "log.h"
#include "page.h"
#include "store.h"
#include "tracker.h"
#include "wire.h"

static int
take(void *arg, const char *name, uint64_t size, const uint8_t *sha1,
    const uint8_t *parent, const char *key)
{
	return page_add(arg, name, size, sha1, parent, key);
}

/* The page as the reply (rc ST_OK), or the store's refusal. */
static void
page_reply(struct req *r, struct page *pg, int rc, int more,
    const char *group)
{
	if (rc != ST_OK)
		reply_store(r, rc, group, r->user);
	else if (page_encode(pg, conn_out(r->l->c), r->id, more) == -1) {
		log_warnx("%s: reply to %s does not fit", conn_name(r->l->c),
		    wire_type_name(r->type));
		conn_close(r->l->c, "output queue full");
	} else
		conn_flush(r->l->c);
	page_free(pg);
}

void
h_groups_page(struct req *r)
{
	struct page pg;
	int rc, more;

	page_init(&pg, WT_NAMES_PAGE, 0);
	rc = store_groups_page(r->t->store, r->m->f[PAGEREQ_GROUPS_CURSOR].s,
	    take, &pg, &more);
	page_reply(r, &pg, rc, more, NULL);
}

void
h_requests_page(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s;
	struct page pg;
	int rc, more;

	page_init(&pg, WT_NAMES_PAGE, 0);
	rc = store_requests_page(r->t->store, g, r->user,
	    r->m->f[PAGEREQ_CURSOR].s, take, &pg, &more);
	page_reply(r, &pg, rc, more, g);
}

/* FILES_PAGE_REQ, and VERSIONS_PAGE: the same with each parent. */
void
h_files_page(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s;
	struct page pg;
	int rc, more;

	page_init(&pg, WT_FILES_PAGE, 0);
	rc = store_files_page(r->t->store, g, r->user,
	    r->m->f[PAGEREQ_CURSOR].s, r->type == WT_VERSIONS_PAGE, take,
	    &pg, &more);
	page_reply(r, &pg, rc, more, g);
}

static int
take_share(void *arg, const struct share_row *sr)
{
	return page_add_share(arg, &(struct page_share){ sr->group, sr->name,
	    sr->path, sr->sha1, sr->size, (uint64_t)sr->mtime });
}

/* MY_SHARES_PAGE: the session's user's shares, for its login. */
void
h_shares_page(struct req *r)
{
	struct page pg;
	int rc, more;

	page_init(&pg, WT_SHARES_PAGE, 0);
	rc = store_shares_page(r->t->store, r->user,
	    r->m->f[PAGEREQ_GROUPS_CURSOR].s, take_share, &pg, &more);
	page_reply(r, &pg, rc, more, NULL);
}
