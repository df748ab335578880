/*
 * link.c - client links: list, lifetime, deadlines (see link.h).
 *
 * The list is doubly linked through the links themselves, so a link
 * leaves it in constant time whichever way it goes: torn down, forgotten
 * for sync.c, or (while a job holds it) first torn down and freed later.
 */
#include "link.h"

#include <stdlib.h>

#include "conn.h"
#include "log.h"
#include "loop.h"
#include "wire.h"
#include "xalloc.h"

struct link *
link_new(struct tracker *t, int fd, const char *peer,
    const struct conn_ops *ops)
{
	struct link *l = xcalloc(1, sizeof(*l));

	l->t = t;
	l->since = loop_now(t->loop);
	if ((l->c = conn_new(t->loop, fd, peer, 0, ops, l, TRACKER_IN_MAX,
	    TRACKER_OUT_MAX)) == NULL) {
		free(l);
		return NULL;
	}
	/* Every link is TLS: its client's key is known from the handshake. */
	if (t->tls_srv != NULL && conn_start_tls(l->c, t->tls_srv,
	    NULL) == -1)
		conn_close(l->c, "cannot start TLS");
	l->next = t->links;
	if (t->links != NULL)
		t->links->prev = l;
	t->links = l;
	t->nlinks++;
	return l;
}

static void
unlink_from(struct tracker *t, struct link *l)
{
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		t->links = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	t->nlinks--;
}

void
link_closed(struct link *l)
{
	unlink_from(l->t, l);
	if (l->jobs > 0)
		l->dead = 1;	/* the last job frees it */
	else
		free(l);
}

void
link_forget(struct link *l)
{
	unlink_from(l->t, l);
	free(l);
}

void
link_hold(struct link *l)
{
	l->jobs++;
}

int
link_release(struct link *l)
{
	if (--l->jobs == 0 && l->dead) {
		free(l);
		return 0;
	}
	return !l->dead;
}

void
link_sweep(struct tracker *t, uint64_t now)
{
	struct link *l;

	for (l = t->links; l != NULL; l = l->next) {
		if (l->role == 0 && now - l->since > TRACKER_HELLO_MS)
			conn_close(l->c, "no HELLO in time");
		else if (conn_stalled(l->c, now, TRACKER_FRAME_MS))
			conn_close(l->c, "a frame took too long to arrive");
		else if (now - conn_last_rx(l->c) > TRACKER_IDLE_MS)
			conn_close(l->c, "idle");
	}
}

void
link_beat(struct tracker *t, uint64_t now)
{
	struct wire_enc e;
	struct link *l;

	for (l = t->links; l != NULL; l = l->next) {
		if (!l->beats || conn_closing(l->c))
			continue;
		if (now - conn_last_rx(l->c) > LINK_SILENT_MS) {
			log_info("%s: nothing heard for %d s: closing",
			    conn_name(l->c), LINK_SILENT_MS / 1000);
			conn_close(l->c, "silent");
			continue;
		}
		wire_begin(&e, conn_out(l->c), WT_BEAT, 0);
		wire_put_u64(&e, 0);
		wire_end(&e);
		conn_flush(l->c);
	}
}

void
link_close_all(struct tracker *t, const char *why)
{
	struct link *l;

	for (l = t->links; l != NULL; l = l->next)
		conn_close(l->c, why);
}
