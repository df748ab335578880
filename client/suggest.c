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
 */
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "complete.h"
#include "loop.h"
#include "shell.h"
#include "tracker_link.h"
#include "wire.h"
#include "xalloc.h"

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

/* Fill list with the names of a WT_NAMES or WT_FILES reply. */
static void
fill(struct client *cl, struct complete_list *l, const struct wire_msg *m)
{
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;

	complete_list_reset(l, loop_now(cl->loop));
	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f)) {
		const char *s = f[m->h.type == WT_FILES ? FILES_NAME :
		    NAMES_NAME].s;

		/* As sent; only names the shell could take are offered. */
		if (m->h.type == WT_FILES ? parse_filename(s) : parse_id(s))
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
	case SUGGEST_LIST_GROUPS:
		if (m->h.type == WT_NAMES)
			fill(cl, list(cl, COMPLETE_GROUPS, NULL), m);
		break;
	case SUGGEST_LIST_FILES:
		if (m->h.type == WT_FILES &&
		    (l = list(cl, COMPLETE_FILES, sg->group)) != NULL)
			fill(cl, l, m);
		break;
	case SUGGEST_LIST_REQUESTS:
		if (m->h.type == WT_NAMES &&
		    (l = list(cl, COMPLETE_REQUESTS, sg->group)) != NULL)
			fill(cl, l, m);
		break;
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

/* A fetch of kind w answered: keep what it says, then Tab again. */
static void
fetched(struct client *cl, enum complete_which w, const struct wire_msg *m,
    const char *err)
{
	struct suggest *sg = cl->suggest;
	struct complete_list *l;

	sg->fetch[w].busy = 0;
	if (sg->fetch[w].epoch != sg->epoch || !cl->logged_in ||
	    (l = list(cl, w, sg->fetch[w].group)) == NULL)
		return;
	if (err != NULL || m->h.type != (w == COMPLETE_FILES ? WT_FILES :
	    WT_NAMES)) {
		/* Not a member, say: nothing to offer, and no asking again
		   at every Tab until the list is stale. */
		complete_list_reset(l, loop_now(cl->loop));
		return;
	}
	fill(cl, l, m);
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

/* Ask for a list in the background; 1 if a fetch of it is under way. */
static int
fetch(struct client *cl, enum complete_which w, const char *group)
{
	static const unsigned types[] = { WT_LIST_GROUPS, WT_LIST_FILES,
	    WT_LIST_REQUESTS };
	static const tlink_cb cbs[] = { fetched_groups, fetched_files,
	    fetched_requests };
	struct suggest *sg = cl->suggest;
	struct wire_enc *e;

	if (!cl->logged_in || cl->quitting || cl->sh == NULL ||
	    !shell_is_tty(cl->sh))
		return 0;
	if (sg->fetch[w].busy)
		return w == COMPLETE_GROUPS ||
		    strcmp(sg->fetch[w].group, group) == 0;
	sg->fetch[w].busy = 1;
	sg->fetch[w].epoch = sg->epoch;
	snprintf(sg->fetch[w].group, sizeof(sg->fetch[w].group), "%s",
	    group ? group : "");
	e = tlink_begin(cl->tl, types[w]);
	wire_put_token(e, cl->token);
	if (group != NULL)
		wire_put_id(e, group);
	tlink_send(cl->tl, cbs[w], cl);
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
