/*
 * link.c - client links: list, lifetime, deadlines (see link.h).
 *
 * The list is doubly linked through the links themselves, so a link
 * leaves it in constant time whichever way it goes: torn down, forgotten
 * for sync.c, or (while a job holds it) first torn down and freed later.
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "loop.h"
#include "wire.h"
#include "worker.h"
#include "xalloc.h"

/*
 * What links from one address hold now.  One per address with a link
 * open, on t->addrs, freed with its last link; found by a walk at accept
 * time (addresses are at most as many as links, and an accept costs a
 * TLS handshake anyway), then reached from each link.
 */
struct link_addr {
	struct link_addr	*next;
	char			 ip[64];
	unsigned		 links;
	unsigned		 unproven;
	unsigned		 kdf;		/* hashes waiting or running */
	unsigned		 running;	/* of which in the pool */
	struct kdf_wait		*wait, *wait_tail;	/* not yet in the pool */
	struct link_addr	*turn_next;	/* on t->kdf_turn */
	int			 in_turn;
};

static void	addr_attach(struct link *, const char *peer);
static void	addr_detach(struct link *);
static void	addr_put(struct tracker *, struct link_addr *);

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
	addr_attach(l, peer);
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
	addr_detach(l);
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
		else if (!l->proven && now - l->since > t->login_ms)
			conn_close(l->c, "no session in time");
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

/* Admission. */

/* The address part of "ip:port" (an IPv6 address keeps its colons). */
static void
peer_ip(const char *peer, char *ip, size_t iplen)
{
	const char *colon = strrchr(peer, ':');
	size_t n = colon != NULL ? (size_t)(colon - peer) : strlen(peer);

	snprintf(ip, iplen, "%.*s", (int)n, peer);
}

static struct link_addr *
addr_find(const struct tracker *t, const char *ip)
{
	struct link_addr *a;

	for (a = t->addrs; a != NULL; a = a->next)
		if (strcmp(a->ip, ip) == 0)
			return a;
	return NULL;
}

static void
addr_attach(struct link *l, const char *peer)
{
	struct tracker *t = l->t;
	char ip[sizeof(l->addr->ip)];
	struct link_addr *a;

	peer_ip(peer, ip, sizeof(ip));
	if ((a = addr_find(t, ip)) == NULL) {
		a = xcalloc(1, sizeof(*a));
		snprintf(a->ip, sizeof(a->ip), "%s", ip);
		a->next = t->addrs;
		t->addrs = a;
	}
	a->links++;
	a->unproven++;
	t->unproven++;
	l->addr = a;
}

/*
 * An address is forgotten once it has no link and no password hash
 * (one may still run for a link already closed: it keeps the address).
 */
static void
addr_put(struct tracker *t, struct link_addr *a)
{
	struct link_addr **pp;

	if (a->links > 0 || a->kdf > 0)
		return;
	for (pp = &t->addrs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	free(a);
}

/* The link leaves the list; its address goes with its last link. */
static void
addr_detach(struct link *l)
{
	struct tracker *t = l->t;
	struct link_addr *a = l->addr;

	if (a == NULL)
		return;
	if (!l->proven) {
		a->unproven--;
		t->unproven--;
	}
	a->links--;
	addr_put(t, a);
}

/*
 * Strangers fill their share: the address holding the most of them gives
 * up its oldest, if the newcomer's address holds fewer.  0 if one went.
 */
static int
push_out(struct tracker *t, const char *ip)
{
	struct link_addr *a, *top = NULL, *mine = addr_find(t, ip);
	struct link *l, *old = NULL;

	for (a = t->addrs; a != NULL; a = a->next)
		if (top == NULL || a->unproven > top->unproven)
			top = a;
	if (top == NULL || top->unproven <= (mine ? mine->unproven + 1 : 1))
		return -1;
	for (l = t->links; l != NULL; l = l->next)
		if (l->addr == top && !l->proven && !conn_closing(l->c) &&
		    (old == NULL || l->since < old->since))
			old = l;
	if (old == NULL)
		return -1;
	conn_close(old->c, "making room for another address");
	/* Counted as gone now: it is reaped before the loop sleeps. */
	old->proven = 1;
	top->unproven--;
	t->unproven--;
	return 0;
}

int
link_admit(struct tracker *t, const char *peer, char *why, size_t whylen)
{
	char ip[sizeof(t->addrs->ip)];
	const struct link_addr *a;

	peer_ip(peer, ip, sizeof(ip));
	if (t->nlinks >= TRACKER_MAX_CONNS) {
		snprintf(why, whylen, "%zu connections already", t->nlinks);
		return -1;
	}
	if ((a = addr_find(t, ip)) != NULL &&
	    a->unproven >= TRACKER_ADDR_UNPROVEN) {
		snprintf(why, whylen, "%u connections from %s without a "
		    "session already", a->unproven, ip);
		return -1;
	}
	if (t->unproven >= TRACKER_UNPROVEN_MAX && push_out(t, ip) == -1) {
		snprintf(why, whylen, "%zu connections without a session "
		    "already", t->unproven);
		return -1;
	}
	return 0;
}

void
link_proven(struct link *l)
{
	if (l->proven)
		return;
	l->proven = 1;
	if (l->addr != NULL) {
		l->addr->unproven--;
		l->t->unproven--;
	}
}

int
link_kdf_take(struct link *l, char *why, size_t whylen)
{
	struct tracker *t = l->t;

	if (l->addr == NULL)
		return 0;
	if (l->addr->kdf >= TRACKER_KDF_PER_ADDR) {
		snprintf(why, whylen, "too many password checks from %s at "
		    "once; try again", l->addr->ip);
		return -1;
	}
	if (t->kdf_queued >= TRACKER_KDF_MAX) {
		snprintf(why, whylen, "too many password checks at once; try "
		    "again");
		return -1;
	}
	l->addr->kdf++;
	l->kdf++;
	t->kdf_queued++;
	return 0;
}

/* A hash waiting for its address's turn. */
struct kdf_wait {
	struct kdf_wait		*next;
	struct link		*l;
	struct worker_job	*j;
};

/* Put a at the back of the line of addresses with hashes waiting. */
static void
turn_append(struct tracker *t, struct link_addr *a)
{
	struct link_addr **pp;

	for (pp = &t->kdf_turn; *pp != NULL; pp = &(*pp)->turn_next)
		;
	*pp = a;
	a->turn_next = NULL;
	a->in_turn = 1;
}

/*
 * Hand waiting hashes to the pool, one address after another (all:
 * every one, at shutdown).  A hash whose link closed meanwhile is not
 * computed: its job ends at once (its done() finds the link dead), so
 * a flood that went away leaves no work behind.  Not reentered: a
 * done() called from here pumps nothing.
 */
static void
kdf_pump(struct tracker *t, int all)
{
	struct link_addr *a, **pp;
	struct kdf_wait *w;
	struct worker_job *j;
	int skip;

	if (t->kdf_pumping)
		return;
	t->kdf_pumping = 1;
	while (all || t->kdf_running < TRACKER_KDF_RUNNING) {
		/* The first in line that may run one more. */
		for (pp = &t->kdf_turn; (a = *pp) != NULL &&
		    !all && a->running >= TRACKER_KDF_ADDR_RUNNING;
		    pp = &a->turn_next)
			;
		if (a == NULL)
			break;
		w = a->wait;
		if ((a->wait = w->next) == NULL)
			a->wait_tail = NULL;
		*pp = a->turn_next;
		a->turn_next = NULL;
		a->in_turn = 0;
		if (a->wait != NULL)
			turn_append(t, a);
		j = w->j;
		skip = all || w->l->dead;
		free(w);
		t->kdf_running++;
		a->running++;
		if (skip)
			j->done(j);
		else
			worker_submit(t->workers, j);
	}
	t->kdf_pumping = 0;
}

void
link_kdf_queue(struct link *l, struct worker_job *j)
{
	struct tracker *t = l->t;
	struct link_addr *a = l->addr;
	struct kdf_wait *w;

	if (a == NULL) {
		t->kdf_running++;
		worker_submit(t->workers, j);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->l = l;
	w->j = j;
	if (a->wait_tail != NULL)
		a->wait_tail->next = w;
	else
		a->wait = w;
	a->wait_tail = w;
	if (!a->in_turn)
		turn_append(t, a);
	kdf_pump(t, 0);
}

void
link_kdf_drain(struct tracker *t)
{
	kdf_pump(t, 1);
}

/* A hash taken for l ended: back from the pool (ran 1), or never sent. */
static void
kdf_end(struct link *l, int ran)
{
	struct tracker *t = l->t;
	struct link_addr *a = l->addr;

	if (ran && t->kdf_running > 0)
		t->kdf_running--;
	if (ran && a != NULL && a->running > 0)
		a->running--;
	if (a != NULL && l->kdf > 0) {
		l->kdf--;
		a->kdf--;
		t->kdf_queued--;
		addr_put(t, a);	/* its last link may have closed meanwhile */
	}
	if (ran)
		kdf_pump(t, 0);
}

void
link_kdf_done(struct link *l)
{
	kdf_end(l, 1);
}

void
link_kdf_cancel(struct link *l)
{
	kdf_end(l, 0);
}
