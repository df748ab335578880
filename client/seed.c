/*
 * seed.c - which piece a seeder shows a peer next (see seed.h).
 */
#include "seed.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
seed_init(struct seed_stats *st, uint32_t n)
{
	st->n = st->unshown = n;
	st->nout = st->lo = 0;
	st->shown = xcalloc(n + 1, sizeof(*st->shown));
	st->held = xcalloc(n + 1, sizeof(*st->held));
	st->out = xcalloc(n + 1, sizeof(*st->out));
	st->since = xcalloc(n + 1, sizeof(*st->since));
}

void
seed_free(struct seed_stats *st)
{
	free(st->shown);
	free(st->held);
	free(st->out);
	free(st->since);
	memset(st, 0, sizeof(*st));
}

uint32_t
seed_pick(const struct seed_stats *st, const struct bitfield *shown,
    const struct bitfield *theirs, uint64_t now)
{
	uint32_t i, best = UINT32_MAX;

	/* Before every piece left, only one that has not can be shown. */
	for (i = st->nout < st->n ? st->lo : 0; i < st->n; i++) {
		if (bitfield_get(shown, i) || bitfield_get(theirs, i))
			continue;
		if (st->shown[i] == 0 || (!st->out[i] && (st->since[i] == 0 ||
		    now - st->since[i] >= SEED_LEASE_MS)))
			return i;		/* rule 1 */
		if (st->nout < st->n || !st->out[i])
			continue;		/* rule 3 */
		if (best == UINT32_MAX || st->held[i] < st->held[best] ||
		    (st->held[i] == st->held[best] &&
		    st->shown[i] < st->shown[best]))
			best = i;		/* rule 2 */
	}
	return best;
}

void
seed_shown(struct seed_stats *st, uint32_t i, uint64_t now)
{
	if (i >= st->n)
		return;
	if (st->shown[i]++ == 0)
		st->unshown--;
	st->since[i] = now;
}

void
seed_unshow(struct seed_stats *st, uint32_t i)
{
	if (i < st->n && !st->out[i])
		st->since[i] = 0;
}

int
seed_held(struct seed_stats *st, uint32_t i, int delta)
{
	if (i >= st->n)
		return 0;
	if (delta < 0) {
		if (st->held[i] > 0)
			st->held[i]--;
		return 0;
	}
	st->held[i]++;
	return seed_out(st, i);
}

int
seed_out(struct seed_stats *st, uint32_t i)
{
	if (i >= st->n || st->out[i])
		return 0;
	st->out[i] = 1;
	st->nout++;
	while (st->lo < st->n && st->out[st->lo])
		st->lo++;
	return 1;
}

unsigned
seed_open(unsigned followers, unsigned per_piece)
{
	unsigned n = SEED_BUDGET * per_piece / (followers ? followers : 1);

	return n < SEED_MIN ? SEED_MIN : n;
}
