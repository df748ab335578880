/*
 * upload.c - upload slots and waiting requests (see upload.h).
 */
#include "upload.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
up_queue_init(struct up_queue *q, unsigned cap)
{
	memset(q, 0, sizeof(*q));
	q->cap = cap;
}

void
up_queue_free(struct up_queue *q)
{
	free(q->r);
	memset(q, 0, sizeof(*q));
}

int
up_queue_push(struct up_queue *q, const struct up_req *r)
{
	if (q->n == q->cap)
		return -1;
	if (q->r == NULL)
		q->r = xcalloc(q->cap, sizeof(*q->r));
	q->r[(q->head + q->n) % q->cap] = *r;
	q->n++;
	return 0;
}

const struct up_req *
up_queue_peek(const struct up_queue *q)
{
	return q->n > 0 ? &q->r[q->head] : NULL;
}

void
up_queue_pop(struct up_queue *q)
{
	if (q->n == 0)
		return;
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

int
up_queue_cancel(struct up_queue *q, const uint8_t *sha1, uint32_t piece,
    uint32_t off, uint32_t len)
{
	unsigned i, j;

	for (i = 0; i < q->n; i++) {
		struct up_req *r = &q->r[(q->head + i) % q->cap];

		if (r->piece != piece || r->off != off || r->len != len ||
		    memcmp(r->sha1, sha1, sizeof(r->sha1)) != 0)
			continue;
		/* Close the gap: the later ones move up, order kept. */
		for (j = i; j + 1 < q->n; j++)
			q->r[(q->head + j) % q->cap] =
			    q->r[(q->head + j + 1) % q->cap];
		q->n--;
		return 1;
	}
	return 0;
}

void
up_sched_init(struct up_sched *s, unsigned slots)
{
	memset(s, 0, sizeof(*s));
	s->slots = slots > 0 ? slots : 1;
}

static void
begin_turn(struct up_sched *s, struct up_slot *sl, uint64_t now)
{
	sl->state = UP_ACTIVE;
	sl->since = now;
	sl->quantum = UP_QUANTUM;
	s->nactive++;
}

static void
enqueue(struct up_sched *s, struct up_slot *sl)
{
	sl->state = UP_WAITING;
	sl->next = NULL;
	if (s->tail != NULL)
		s->tail->next = sl;
	else
		s->head = sl;
	s->tail = sl;
	s->nwaiting++;
}

int
up_may_send(struct up_sched *s, struct up_slot *sl, uint64_t now)
{
	switch (sl->state) {
	case UP_ACTIVE:
		return sl->quantum > 0;
	case UP_WAITING:
		return 0;
	case UP_IDLE:
		/* Those in line first: a free slot goes to the oldest. */
		if (s->nactive < s->slots && s->head == NULL) {
			begin_turn(s, sl, now);
			return 1;
		}
		enqueue(s, sl);
		return 0;
	}
	return 0;
}

int
up_spend(struct up_slot *sl, uint64_t len)
{
	sl->quantum = len < sl->quantum ? sl->quantum - len : 0;
	return sl->quantum > 0;
}

void
up_release(struct up_sched *s, struct up_slot *sl, int more)
{
	if (sl->state != UP_ACTIVE)
		return;
	s->nactive--;
	if (more)
		enqueue(s, sl);
	else
		sl->state = UP_IDLE;
}

int
up_overdue(const struct up_slot *sl, uint64_t now, uint64_t ms)
{
	return sl->state == UP_ACTIVE && now - sl->since > ms;
}

struct up_slot *
up_next(struct up_sched *s, uint64_t now)
{
	struct up_slot *sl = s->head;

	if (sl == NULL || s->nactive >= s->slots)
		return NULL;
	s->head = sl->next;
	if (s->head == NULL)
		s->tail = NULL;
	sl->next = NULL;
	s->nwaiting--;
	begin_turn(s, sl, now);
	return sl;
}

void
up_remove(struct up_sched *s, struct up_slot *sl)
{
	struct up_slot **pp, *prev = NULL;

	if (sl->state == UP_ACTIVE) {
		s->nactive--;
	} else if (sl->state == UP_WAITING) {
		for (pp = &s->head; *pp != NULL; prev = *pp, pp = &(*pp)->next)
			if (*pp == sl) {
				*pp = sl->next;
				if (s->tail == sl)
					s->tail = prev;
				s->nwaiting--;
				break;
			}
	}
	sl->state = UP_IDLE;
	sl->next = NULL;
}
