/*
 * suggest.c - what Tab offers, and the tracker's lists behind it (see
 * suggest.h).
 *
 * The fetches carry no allocated state: each list kind has one slot here
 * (busy, the group asked about, the session it was asked for), and the
 * callback of that kind reads it.  So a fetch still unanswered when the
 * client exits (the tracker link drops it without a call) leaves nothing
 * to free, and one answered after its session ended is recognised by its
 * epoch and dropped.
 *
 * A fetch walks the list's pages (GROUPS_PAGE, FILES_PAGE_REQ,
 * REQUESTS_PAGE, as the listing commands do) but stops once the cache's
 * list is full (COMPLETE_NAMES_MAX names) or after SUGGEST_PAGES_MAX
 * pages: Tab offers the first names of a list of 300,000, not all of
 * them, and a fetch never holds more than a few pages' worth.
 */
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "complete.h"
#include "loop.h"
#include "page.h"
#include "shell.h"
#include "tracker_link.h"
#include "wire.h"
#include "xalloc.h"

/* 4096 group names of 64 characters take 5 pages; file names 13. */
#define SUGGEST_PAGES_MAX	16

struct suggest {
	struct complete_cache	 cache;
	enum suggest_effect	 effect;
	char			 group[ID_MAX + 1];
	char			 name[NAME_MAX_LEN + 1];
	unsigned		 epoch;		/* sessions begun and ended */
	struct {
		int		 busy;
		unsigned	 epoch;
		char		 group[ID_MAX + 1];
		char		 cursor[PAGE_CURSOR_MAX + 1];
		unsigned	 pages;		/* taken so far */
	}			 fetch[3];	/* by enum complete_which */
};

void
suggest_init(struct client *cl)
{
	cl->suggest = xcalloc(1, sizeof(*cl->suggest));
}

void
suggest_free(struct client *cl)
{
	if (cl->suggest == NULL)
		return;
	complete_cache_clear(&cl->suggest->cache);
	free(cl->suggest);
	cl->suggest = NULL;
}

void
suggest_expect(struct client *cl, enum suggest_effect e, const char *group,
    const char *name)
{
	struct suggest *sg = cl->suggest;

	sg->effect = e;
	snprintf(sg->group, sizeof(sg->group), "%s", group ? group : "");
	snprintf(sg->name, sizeof(sg->name), "%s", name ? name : "");
}

/* Add to list the names of a page (NAMES_PAGE or FILES_PAGE). */
static void
fill(struct complete_list *l, const struct wire_msg *m)
{
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;

	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f)) {
		const char *s = f[m->h.type == WT_FILES_PAGE ? VER_NAME :
		    NAMES_NAME].s;

		/* As sent; only names the shell could take are offered. */
		if (m->h.type == WT_FILES_PAGE ? parse_filename(s) :
		    parse_id(s))
			complete_list_add(l, s);
	}
}

static struct complete_list *
list(struct client *cl, enum complete_which w, const char *group)
{
	return complete_list_get(&cl->suggest->cache, w, group, 1,
	    loop_now(cl->loop));
}

void
suggest_reply(struct client *cl, const struct wire_msg *m)
{
	struct suggest *sg = cl->suggest;
	struct complete_list *l;
	enum suggest_effect e = sg->effect;

	sg->effect = SUGGEST_NONE;
	if (m == NULL || m->h.type == WT_ERROR || !cl->logged_in)
		return;
	switch (e) {
	case SUGGEST_ADD_GROUP:
		complete_list_add(list(cl, COMPLETE_GROUPS, NULL), sg->group);
		break;
	case SUGGEST_ADD_FILE:
		if ((l = list(cl, COMPLETE_FILES, sg->group)) != NULL)
			complete_list_add(l, sg->name);
		break;
	case SUGGEST_DROP_REQUEST:
		if ((l = list(cl, COMPLETE_REQUESTS, sg->group)) != NULL)
			complete_list_remove(l, sg->name);
		break;
	case SUGGEST_LEFT_GROUP:
		/* Ours no more: asked again if ever needed. */
		if ((l = list(cl, COMPLETE_FILES, sg->group)) != NULL)
			complete_list_reset(l, 0);
		if ((l = list(cl, COMPLETE_REQUESTS, sg->group)) != NULL)
			complete_list_reset(l, 0);
		break;
	case SUGGEST_NONE:
		break;
	}
}

static void	ask_page(struct client *, enum complete_which);

/*
 * A page of kind w's fetch answered: keep its names and ask for the
 * next, until the list is whole, full (COMPLETE_NAMES_MAX) or
 * SUGGEST_PAGES_MAX pages long; then Tab again.
 */
static void
fetched(struct client *cl, enum complete_which w, const struct wire_msg *m,
    const char *err)
{
	struct suggest *sg = cl->suggest;
	struct complete_list *l;
	const char *why;
	int more;

	if (sg->fetch[w].epoch != sg->epoch || !cl->logged_in ||
	    (l = list(cl, w, sg->fetch[w].group)) == NULL) {
		sg->fetch[w].busy = 0;
		return;
	}
	if (sg->fetch[w].pages++ == 0)
		complete_list_reset(l, loop_now(cl->loop));
	if (err != NULL || m->h.type != (w == COMPLETE_FILES ? WT_FILES_PAGE :
	    WT_NAMES_PAGE)) {
		/* Not a member, say: nothing more to offer, and no asking
		   again at every Tab until the list is stale. */
		sg->fetch[w].busy = 0;
		return;
	}
	fill(l, m);
	more = page_next(m, sg->fetch[w].cursor, w != COMPLETE_REQUESTS,
	    &why);
	if (more == 1 && l->n < COMPLETE_NAMES_MAX &&
	    sg->fetch[w].pages < SUGGEST_PAGES_MAX) {
		ask_page(cl, w);
		return;
	}
	sg->fetch[w].busy = 0;
	shell_complete_again(cl->sh);
}

static void
fetched_groups(void *arg, const struct wire_msg *m, const char *err)
{
	fetched(arg, COMPLETE_GROUPS, m, err);
}

static void
fetched_files(void *arg, const struct wire_msg *m, const char *err)
{
	fetched(arg, COMPLETE_FILES, m, err);
}

static void
fetched_requests(void *arg, const struct wire_msg *m, const char *err)
{
	fetched(arg, COMPLETE_REQUESTS, m, err);
}

/* The next page of kind w's fetch, from its cursor. */
static void
ask_page(struct client *cl, enum complete_which w)
{
	static const unsigned types[] = { WT_GROUPS_PAGE, WT_FILES_PAGE_REQ,
	    WT_REQUESTS_PAGE };
	static const tlink_cb cbs[] = { fetched_groups, fetched_files,
	    fetched_requests };
	struct suggest *sg = cl->suggest;
	struct wire_enc *e = tlink_begin(cl->tl, types[w]);

	wire_put_token(e, cl->token);
	if (w != COMPLETE_GROUPS)
		wire_put_id(e, sg->fetch[w].group);
	wire_put_str(e, sg->fetch[w].cursor);
	tlink_send(cl->tl, cbs[w], cl);
}

/* Ask for a list in the background; 1 if a fetch of it is under way. */
static int
fetch(struct client *cl, enum complete_which w, const char *group)
{
	struct suggest *sg = cl->suggest;

	if (!cl->logged_in || cl->quitting || cl->sh == NULL ||
	    !shell_is_tty(cl->sh))
		return 0;
	if (sg->fetch[w].busy)
		return w == COMPLETE_GROUPS ||
		    strcmp(sg->fetch[w].group, group) == 0;
	sg->fetch[w].busy = 1;
	sg->fetch[w].epoch = sg->epoch;
	sg->fetch[w].pages = 0;
	sg->fetch[w].cursor[0] = '\0';
	snprintf(sg->fetch[w].group, sizeof(sg->fetch[w].group), "%s",
	    group ? group : "");
	ask_page(cl, w);
	/* An answer may have come already (a request that could not go). */
	return sg->fetch[w].busy;
}

void
suggest_session_started(struct client *cl)
{
	cl->suggest->epoch++;
	(void)fetch(cl, COMPLETE_GROUPS, NULL);
}

void
suggest_session_ended(struct client *cl)
{
	cl->suggest->epoch++;
	complete_cache_clear(&cl->suggest->cache);
}

int
suggest_complete(struct client *cl, const struct complete_cmd *cmds,
    const char *line, size_t start, const char *text, int in_quote,
    struct complete_result *out)
{
	complete_line(cmds, &cl->suggest->cache, line, start, text, in_quote,
	    loop_now(cl->loop), out);
	if (out->need == 0)
		return 0;
	return fetch(cl, (enum complete_which)(out->need - 1),
	    out->need - 1 == COMPLETE_GROUPS ? NULL : out->group);
}
