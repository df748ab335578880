/*
 * sync_clock.c - the cluster's clock (see sync_int.h): what the other
 * trackers' BEATs say their wall clocks read, kept as offsets from our
 * monotonic clock, and their median with ours, handed to the store.
 * Owns nothing but those fields of struct speer; never touches a socket.
 */
#include <stdint.h>
#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "store.h"
#include "tracker.h"

#define SYNC_INTERNAL
#include "sync_int.h"

void
sp_clock_heard(struct speer *p, uint64_t wall)
{
	if (wall == 0)
		return;		/* not said */
	p->clock_at = loop_now(p->sy->t->loop);
	p->clock_off = (int64_t)wall - (int64_t)loop_clock_ms();
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void
sp_cluster_clock(struct sync *sy, uint64_t now)
{
	int64_t v[TRACKERS_MAX + 1], ours, off, d;
	uint32_t i;
	size_t n = 0;
	int side;

	ours = (int64_t)store_wall_ms() - (int64_t)loop_clock_ms();
	v[n++] = ours;
	for (i = 1; i <= sy->n; i++) {
		const struct speer *p = &sy->peers[i];

		if (i != sy->self && p->clock_at != 0 &&
		    now - p->clock_at < CLOCK_FRESH_MS)
			v[n++] = p->clock_off;
	}
	if (n < 2)
		return;		/* no one heard: as we were */
	qsort(v, n, sizeof(v[0]), cmp_i64);
	off = v[n / 2];
	d = off - ours;
	side = d <= -STORE_CLOCK_SLACK_MS ? -1 : d >= STORE_CLOCK_SLACK_MS;
	if (side != sy->clock_side)
		log_info("sync: %s (median of %zu trackers' clocks: %+lld ms "
		    "from ours)", side == 0 ? "our clock agrees with the "
		    "cluster's again" : side < 0 ? "our clock is ahead of the "
		    "cluster's: stamping by the cluster's" : "our clock is "
		    "behind the cluster's: judging stamps by the cluster's", n,
		    (long long)d);
	sy->clock_side = side;
	store_cluster_clock(sy->t->store, off);
}

