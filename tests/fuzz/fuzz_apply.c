/*
 * fuzz_apply.c - libFuzzer harness for ops from other trackers.
 *
 * The input is what a tracker reads from its sync channel after the
 * handshake: a stream of frames.  Each S_OP (origin, seq, stamp, request
 * key, op frame) is applied to a fresh in-memory store with
 * store_apply(), as tracker/sync.c does; everything else is skipped.
 * Checks: no crash, leak or undefined behaviour anywhere in the decoder or
 * in the apply functions and their SQL; the result is one of the codes
 * store_apply() documents; an op is applied (the origin's high-water mark
 * moves to its seq) exactly when the result is ST_OK and seq was the next
 * one; a refused op leaves the mark where it was; applying an accepted
 * op again changes nothing.  Snapshot frames (S_R_ rows, S_SNAP_END)
 * go to store_merge() the same way: one of its codes, a merged frame
 * merges again (ST_OK: merging is idempotent), and after a merged
 * SNAP_END each high-water mark is at least the one it names.
 *
 * Seeds (tests/fuzz/corpus/apply) are op logs and snapshots of real
 * stores: see gen_apply_seeds.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../tracker/store.h"
#include "log.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void
merge(struct store *s, const struct wire_msg *m)
{
	struct wire_field f[3];
	struct wire_iter it;
	int rc = store_merge(s, m);

	CHECK(rc == ST_OK || rc == ST_BAD_OP || rc == ST_ERR);
	if (rc != ST_OK)
		return;
	CHECK(store_merge(s, m) == ST_OK);
	if (m->h.type != WT_S_SNAP_END)
		return;
	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f))
		CHECK(store_hwm(s, (uint32_t)f[0].u) >= f[1].u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct store *s;
	struct wire_hdr h;
	struct wire_msg m;
	const char *why;
	char err[256];
	size_t off = 0;
	int ops = 0;

	if (!quiet) {
		log_init("fuzz", LOG_ERR);
		quiet = 1;
	}
	if ((s = store_open(":memory:", err, sizeof(err))) == NULL)
		abort();
	store_set_origin(s, 9);
	while (off < size && ops < 64) {
		uint64_t before, after;
		uint32_t origin;
		int rc;

		if (wire_frame(data + off, size - off, &h, &why) != WIRE_OK)
			break;
		if (wire_is_snap(h.type) &&
		    wire_decode(&h, data + off + WIRE_HDR, &m, &why) == 0) {
			ops++;
			merge(s, &m);
			off += WIRE_HDR + (size_t)h.len;
			continue;
		}
		if (h.type != WT_S_OP ||
		    wire_decode(&h, data + off + WIRE_HDR, &m, &why) == -1) {
			off += WIRE_HDR + (size_t)h.len;
			continue;
		}
		ops++;
		origin = (uint32_t)m.f[0].u;
		before = store_hwm(s, origin);
		rc = store_apply(s, origin, m.f[1].u, m.f[2].u, m.f[3].p,
		    m.f[3].n, m.f[4].p, m.f[4].n);
		CHECK(rc == ST_OK || rc == ST_GAP || rc == ST_BAD_OP ||
		    rc == ST_ERR);
		after = store_hwm(s, origin);
		if (rc == ST_OK && m.f[1].u == before + 1)
			CHECK(after == m.f[1].u);
		else
			CHECK(after == before);
		if (rc == ST_OK && after == m.f[1].u) {
			/* Again: a duplicate, accepted and ignored. */
			CHECK(store_apply(s, origin, m.f[1].u, m.f[2].u,
			    m.f[3].p, m.f[3].n, m.f[4].p, m.f[4].n) == ST_OK);
			CHECK(store_hwm(s, origin) == after);
		}
		off += WIRE_HDR + (size_t)h.len;
	}
	store_close(s);
	return 0;
}
