/*
 * store_clock.c - the store's one wall clock: stamps, and the ages of
 * request keys and of sessions, are read here (store_db.c's neighbour,
 * split off it to keep files short).
 */
#include <stdint.h>
#include <time.h>

#include "hlc.h"
#include "rbuf.h"
#include "reqset.h"
#include "store.h"
#define STORE_INTERNAL
#include "store_int.h"

/*
 * Where the store's wall clock stands against the system's: 0, but for
 * the test switch "clock" (tracker/main.c), which makes this tracker's
 * clock jump as a badly kept one would.  The one wall clock of the store:
 * stamps, the ages of request keys and of sessions.
 */
static int64_t wall_offset_ms;
static uint64_t wall_fixed_ms;	/* store_clock_fix() */
static int64_t db_cluster_off;	/* store_cluster_clock() */
static int db_cluster_known;

uint64_t
db_wall_ms(void)
{
	struct timespec ts;

	if (wall_fixed_ms != 0)
		return wall_fixed_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    wall_offset_ms);
}

void
store_clock_fix(uint64_t ms)
{
	wall_fixed_ms = ms;
}

uint64_t
store_wall_ms(void)
{
	return db_wall_ms();
}

void
store_clock_jump(int64_t ms)
{
	wall_offset_ms = ms;
}

void
store_cluster_clock(struct store *s, int64_t off)
{
	(void)s;	/* one cluster clock a process, as one wall clock */
	db_cluster_off = off;
	db_cluster_known = 1;
}

uint64_t
db_now_ms(void)
{
	uint64_t c = db_cluster_ms();

	return c != 0 ? c : db_wall_ms();
}

uint64_t
db_cluster_ms(void)
{
	struct timespec ts;

	if (!db_cluster_known)
		return 0;
	/* The clock loop_clock_ms() reads, which sync.c measured off by. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    db_cluster_off);
}
