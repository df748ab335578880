/*
 * notify.c - notices to the links that follow a group (see notify.h).
 *
 * One struct ngroup a group that some link follows, in a hash table by
 * name; one struct nsub a (link, group) pair, on its group's list (to
 * send) and on its link's list (l->subs, to forget them all when the link
 * goes).  A group nobody follows has no entry, so a change to it costs a
 * lookup.  Each entry paces its notices with a notify_gate and a timer.
 */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "store.h"
#include "tracker.h"
#include "wire.h"
#include "xalloc.h"

#define NOTIFY_BUCKETS	256

struct nsub {
	struct nsub	*gnext, **gprev;	/* its group's list */
	struct nsub	*lnext;			/* its link's list */
	struct link	*l;
	struct ngroup	*g;
	char		 user[ID_MAX + 1];	/* checked again at each send */
};

struct ngroup {
	struct ngroup		*hnext;
	struct notify		*n;
	char			 name[ID_MAX + 1];
	struct nsub		*subs;
	struct notify_gate	 gate;
	struct loop_timer	*timer;
};

struct notify {
	struct tracker	*t;
	struct ngroup	*tab[NOTIFY_BUCKETS];
	size_t		 ngroups;
};

/* The pacing (pure). */

enum notify_when
notify_gate_change(struct notify_gate *g, uint64_t now, uint64_t *wait)
{
	if (g->pending)
		return NOTIFY_PENDING;
	if (!g->sent || now - g->last >= NOTIFY_GAP_MS) {
		g->sent = 1;
		g->last = now;
		return NOTIFY_NOW;
	}
	g->pending = 1;
	*wait = g->last + NOTIFY_GAP_MS - now;
	return NOTIFY_LATER;
}

void
notify_gate_fired(struct notify_gate *g, uint64_t now)
{
	g->pending = 0;
	g->sent = 1;
	g->last = now;
}

/* The tables. */

struct notify *
notify_new(struct tracker *t)
{
	struct notify *n = xcalloc(1, sizeof(*n));

	n->t = t;
	return n;
}

static struct ngroup **
bucket(struct notify *n, const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return &n->tab[h % NOTIFY_BUCKETS];
}

static struct ngroup *
group_find(struct notify *n, const char *name)
{
	struct ngroup *g;

	for (g = *bucket(n, name); g != NULL; g = g->hnext)
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

/* g has no subscriber left: it goes. */
static void
group_drop(struct ngroup *g)
{
	struct notify *n = g->n;
	struct ngroup **pp;

	for (pp = bucket(n, g->name); *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == g) {
			*pp = g->hnext;
			break;
		}
	loop_timer_cancel(n->t->loop, g->timer);
	n->ngroups--;
	free(g);
}

/* s leaves its group's list (the caller takes it off its link's). */
static void
sub_free(struct nsub *s)
{
	struct ngroup *g = s->g;

	*s->gprev = s->gnext;
	if (s->gnext != NULL)
		s->gnext->gprev = s->gprev;
	s->l->nsubs--;
	free(s);
	if (g->subs == NULL)
		group_drop(g);
}

void
notify_free(struct notify *n)
{
	struct ngroup *g;
	struct nsub *s;
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < NOTIFY_BUCKETS; i++)
		while ((g = n->tab[i]) != NULL) {
			n->tab[i] = g->hnext;
			while ((s = g->subs) != NULL) {
				g->subs = s->gnext;
				s->l->subs = NULL;
				s->l->nsubs = 0;
				free(s);
			}
			loop_timer_cancel(n->t->loop, g->timer);
			free(g);
		}
	free(n);
}

int
notify_subscribe(struct notify *n, struct link *l, const char *user,
    const char *group)
{
	struct ngroup *g, **b;
	struct nsub *s;

	for (s = l->subs; s != NULL; s = s->lnext)
		if (strcmp(s->g->name, group) == 0)
			return 0;
	if (l->nsubs >= NOTIFY_SUBS_MAX)
		return -1;
	if ((g = group_find(n, group)) == NULL) {
		g = xcalloc(1, sizeof(*g));
		g->n = n;
		snprintf(g->name, sizeof(g->name), "%s", group);
		b = bucket(n, group);
		g->hnext = *b;
		*b = g;
		n->ngroups++;
	}
	s = xcalloc(1, sizeof(*s));
	s->l = l;
	s->g = g;
	snprintf(s->user, sizeof(s->user), "%s", user);
	s->gnext = g->subs;
	if (g->subs != NULL)
		g->subs->gprev = &s->gnext;
	g->subs = s;
	s->gprev = &g->subs;
	s->lnext = l->subs;
	l->subs = s;
	l->nsubs++;
	return 0;
}

void
notify_unsubscribe(struct notify *n, struct link *l, const char *group)
{
	struct nsub *s, **pp;

	(void)n;
	for (pp = &l->subs; (s = *pp) != NULL; pp = &s->lnext)
		if (strcmp(s->g->name, group) == 0) {
			*pp = s->lnext;
			sub_free(s);
			return;
		}
}

void
notify_link_gone(struct notify *n, struct link *l)
{
	struct nsub *s;

	(void)n;
	while ((s = l->subs) != NULL) {
		l->subs = s->lnext;
		sub_free(s);
	}
}

/* Sending. */

/*
 * WT_CHANGED to every link that follows g, queued: it leaves after the
 * COMMIT, with the replies (main.c's before_sleep()).  A subscriber no
 * longer a member of the group is dropped, not told.
 */
static void
send_all(struct ngroup *g)
{
	struct store *st = g->n->t->store;
	struct nsub *s, *next, **pp;
	struct wire_enc e;
	struct link *l;
	int only;

	for (s = g->subs; s != NULL; s = next) {
		next = s->gnext;
		l = s->l;
		if (store_is_member(st, g->name, s->user) != ST_OK) {
			only = g->subs == s && next == NULL;
			pp = &l->subs;
			while (*pp != s)
				pp = &(*pp)->lnext;
			*pp = s->lnext;
			sub_free(s);
			if (only)
				return;		/* g went with it */
			continue;
		}
		if (conn_closing(l->c))
			continue;
		wire_begin(&e, conn_out(l->c), WT_CHANGED, 0);
		wire_put_id(&e, g->name);
		if (wire_end(&e) == -1) {
			conn_close(l->c, "output queue full");
			continue;
		}
		conn_flush(l->c);
	}
}

static void
fire(void *arg)
{
	struct ngroup *g = arg;

	g->timer = NULL;
	notify_gate_fired(&g->gate, loop_now(g->n->t->loop));
	send_all(g);
}

void
notify_group(struct notify *n, const char *group)
{
	struct ngroup *g;
	uint64_t wait = 0;

	if (n == NULL || n->ngroups == 0 || (g = group_find(n, group)) == NULL)
		return;
	switch (notify_gate_change(&g->gate, loop_now(n->t->loop), &wait)) {
	case NOTIFY_NOW:
		send_all(g);
		break;
	case NOTIFY_LATER:
		g->timer = loop_timer(n->t->loop, wait, fire, g);
		break;
	case NOTIFY_PENDING:
		break;
	}
}

void
notify_op(struct notify *n, const uint8_t *op, size_t len)
{
	struct wire_hdr h;
	struct wire_msg m;
	const char *why;

	if (n == NULL || n->ngroups == 0 || wire_frame(op, len, &h,
	    &why) != WIRE_OK || WIRE_HDR + (size_t)h.len != len ||
	    wire_decode(&h, op + WIRE_HDR, &m, &why) == -1)
		return;
	/* What LIST_VERSIONS shows: a group's files and their sharers. */
	switch (h.type) {
	case WT_OP_UPLOAD:
	case WT_OP_UPDATE:
	case WT_OP_STOP:
	case WT_OP_LEAVE:
		notify_group(n, m.f[G_NAME].s);
		break;
	default:
		break;
	}
}
