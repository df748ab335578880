/*
 * search.c - the search command's requests (see search.h).
 *
 * Owns one struct search a running command, freed when it ends.  What
 * the tracker sends is printed through log_print() (names may hold any
 * byte but '/' and control characters); a group is an id the codec
 * checked.  A cursor that does not move forward ends the search with an
 * error rather than ask for the same page for ever.
 */
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "log.h"
#include "match.h"
#include "tracker_link.h"
#include "xalloc.h"

struct search {
	struct client	*cl;
	char		 pat[MATCH_PATTERN_MAX + 1];
	char		 group[ID_MAX + 1];	/* the cursor: "" at first */
	char		 name[NAME_MAX_LEN + 1];
	search_done_cb	 done;
	void		*arg;
};

static void	on_found(void *, const struct wire_msg *, const char *);

static void
ask(struct search *s)
{
	struct wire_enc *e = tlink_begin(s->cl->tl, WT_SEARCH);

	wire_put_token(e, s->cl->token);
	wire_put_str(e, s->pat);
	wire_put_str(e, s->group);
	wire_put_str(e, s->name);
	tlink_send(s->cl->tl, on_found, s);
}

static void
end(struct search *s, const struct wire_msg *m, const char *err)
{
	search_done_cb done = s->done;
	void *arg = s->arg;

	free(s);
	done(arg, m, err);
}

/* Is the cursor (g, n) well-formed and past the one before? */
static int
cursor_ok(const struct search *s, const char *g, const char *n)
{
	int c;

	if (!parse_id(g) || !parse_filename(n))
		return 0;
	c = strcmp(g, s->group);
	return c > 0 || (c == 0 && strcmp(n, s->name) > 0);
}

static void
on_found(void *arg, const struct wire_msg *m, const char *err)
{
	struct search *s = arg;
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	char hex[SHA1_HEX];

	if (err != NULL || m->h.type != WT_FOUND) {
		end(s, m, err);
		return;
	}
	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f)) {
		hex_encode(f[HIT_SHA1].p, 20, hex);
		log_print(stdout, f[HIT_NAME].s);
		printf("\t%s\t%llu\t%s\n", f[HIT_GROUP].s,
		    (unsigned long long)f[HIT_SIZE].u, hex);
	}
	if (m->f[FOUND_MORE].u == 0) {
		end(s, NULL, NULL);
		return;
	}
	if (!cursor_ok(s, m->f[FOUND_NEXT_GROUP].s, m->f[FOUND_NEXT_NAME].s)) {
		end(s, NULL, "the tracker sent a bad search cursor");
		return;
	}
	snprintf(s->group, sizeof(s->group), "%s", m->f[FOUND_NEXT_GROUP].s);
	snprintf(s->name, sizeof(s->name), "%s", m->f[FOUND_NEXT_NAME].s);
	ask(s);
}

void
search_run(struct client *cl, const char *pat, search_done_cb done,
    void *arg)
{
	struct search *s = xcalloc(1, sizeof(*s));

	s->cl = cl;
	snprintf(s->pat, sizeof(s->pat), "%s", pat);
	s->done = done;
	s->arg = arg;
	ask(s);
}
