/*
 * reqset.c - the request keys a tracker remembers (see reqset.h): a hash
 * set and a ring it owns, pure (no clock, no I/O, no SQLite).
 */
#include "reqset.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define FIRST_CAP	1024

void
reqset_init(struct reqset *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
reqset_free(struct reqset *r)
{
	free(r->slot);
	free(r->ring);
	memset(r, 0, sizeof(*r));
}

uint64_t
reqset_key(const uint8_t *req)
{
	uint64_t k;

	memcpy(&k, req, sizeof(k));
	return k != 0 ? k : 1;
}

/* Where k is, or the empty slot where it would go. */
static size_t
find(const struct reqset *r, uint64_t k)
{
	size_t i = (size_t)k & (r->cap - 1);	/* keys are hash bits */

	while (r->slot[i] != 0 && r->slot[i] != k)
		i = (i + 1) & (r->cap - 1);
	return i;
}

int
reqset_has(const struct reqset *r, uint64_t k)
{
	return r->cap > 0 && r->slot[find(r, k)] == k;
}

static void
rehash(struct reqset *r)
{
	uint64_t *old = r->slot;
	size_t oldcap = r->cap, i;

	r->cap = oldcap != 0 ? oldcap * 2 : FIRST_CAP;
	r->slot = xcalloc(r->cap, sizeof(*r->slot));
	for (i = 0; i < oldcap; i++)
		if (old[i] != 0)
			r->slot[find(r, old[i])] = old[i];
	free(old);
}

/* Out of the table, shifting back what probed past it. */
static void
unset(struct reqset *r, uint64_t k)
{
	size_t i, j, h;

	if (r->cap == 0 || r->slot[i = find(r, k)] != k)
		return;
	for (j = (i + 1) & (r->cap - 1); r->slot[j] != 0;
	    j = (j + 1) & (r->cap - 1)) {
		h = (size_t)r->slot[j] & (r->cap - 1);
		/* It may move back to i unless its home lies in (i, j]. */
		if (i < j ? (h <= i || h > j) : (h <= i && h > j)) {
			r->slot[i] = r->slot[j];
			i = j;
		}
	}
	r->slot[i] = 0;
}

/* Forget the oldest (head) or the newest (tail) key of the ring. */
static void
pop(struct reqset *r, int newest)
{
	size_t at = newest ? (r->head + r->n - 1) % r->rcap : r->head;

	unset(r, r->ring[at].key);
	if (!newest)
		r->head = (r->head + 1) % r->rcap;
	r->n--;
}

void
reqset_add(struct reqset *r, uint64_t k, uint64_t at)
{
	struct reqent *ring;
	size_t i, cap;

	if (k == 0 || reqset_has(r, k))
		return;
	if (r->max > 0 && r->n >= r->max)
		pop(r, 0);
	if (r->n == r->rcap) {
		cap = r->rcap != 0 ? r->rcap * 2 : FIRST_CAP;
		ring = xreallocarray(NULL, cap, sizeof(*ring));
		for (i = 0; i < r->n; i++)
			ring[i] = r->ring[(r->head + i) % r->rcap];
		free(r->ring);
		r->ring = ring;
		r->rcap = cap;
		r->head = 0;
	}
	if ((r->n + 1) * 2 > r->cap)
		rehash(r);
	r->slot[find(r, k)] = k;
	r->ring[(r->head + r->n) % r->rcap] = (struct reqent){ at, k };
	r->n++;
	r->added++;
}

void
reqset_expire(struct reqset *r, uint64_t before)
{
	while (r->n > 0 && r->ring[r->head].at < before)
		pop(r, 0);
}

void
reqset_undo(struct reqset *r, uint64_t mark)
{
	uint64_t n = r->added - mark;

	while (n-- > 0 && r->n > 0)
		pop(r, 1);
	r->added = mark;
}
