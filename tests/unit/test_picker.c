/*
 * test_picker.c - unit tests for client/picker.c, the block picker.
 *
 * Covers: geometry (pieces, blocks a piece, the short last piece and short
 * last block, size 0, exactly one piece, one piece and a byte); started
 * pieces finished first; rarest first from the peers' bitfields, with
 * peer_add, peer_remove and peer_have keeping availability; random
 * tie-breaks among the first `window` tied pieces in file order, differing
 * with the seed; pieces a peer lacks never picked; nothing to pick; endgame
 * (only missing blocks, never one the same peer asked for, fewest
 * outstanding requests first, at most PICK_MAX_DUP a block); received
 * answering 1 for the last block of a piece and -1 for a duplicate;
 * verified with ok = 0 and 1; mark_done (resume); unrequested after a lost
 * request.  Ends with a randomized simulation (fixed seeds) of 1-5 peers
 * requesting, receiving, losing, failing verification, gaining pieces and
 * leaving, that checks the picker's counters and choice rules after every
 * step against a brute-force model and must always reach completion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bitfield.h"
#include "../../client/picker.h"
#include "wire.h"
#include "rng.h"

#define PL	((uint64_t)WIRE_PIECE_LEN)
#define BL	((uint64_t)PICK_BLOCK)

/* A bitfield of n pieces with every piece. */
static void
bf_full(struct bitfield *b, uint32_t n)
{
	bitfield_init(b, n);
	bitfield_fill(b);
}

/* A bitfield of n pieces with the k pieces listed. */
static void
bf_list(struct bitfield *b, uint32_t n, const uint32_t *idx, size_t k)
{
	size_t j;

	bitfield_init(b, n);
	for (j = 0; j < k; j++)
		bitfield_set(b, idx[j]);
}

/* asked() over a per-block array of flags. */
static int
asked_flags(void *arg, uint32_t b)
{
	const uint8_t *flags = arg;

	return flags[b] != 0;
}

/* A pick that must succeed. */
static uint32_t
pick1(struct picker *p, const struct bitfield *has,
    int (*asked)(void *, uint32_t), void *arg)
{
	uint32_t b = UINT32_MAX;

	assert_int_equal(picker_pick(p, has, asked, arg, &b), 1);
	assert_true(b < p->nblocks);
	return b;
}

static void
request_piece(struct picker *p, uint32_t piece)
{
	uint32_t b, n = picker_blocks(p, piece);

	for (b = piece * p->bpp; b < piece * p->bpp + n; b++)
		picker_requested(p, b);
}

/* Request and receive every block of piece; the last one answers 1. */
static void
complete_piece(struct picker *p, uint32_t piece)
{
	uint32_t b, n = picker_blocks(p, piece);

	for (b = piece * p->bpp; b < piece * p->bpp + n; b++) {
		if (p->have[b])
			continue;
		if (p->reqs[b] == 0)
			picker_requested(p, b);
		assert_int_equal(picker_received(p, b),
		    b + 1 == piece * p->bpp + n ? 1 : 0);
	}
	assert_int_equal(p->state[piece], PIECE_VERIFY);
}

/* Missing blocks of piece with no request out, counted from the arrays. */
static uint32_t
count_unreq(const struct picker *p, uint32_t piece)
{
	uint32_t b, n = picker_blocks(p, piece), c = 0;

	for (b = piece * p->bpp; b < piece * p->bpp + n; b++)
		if (!p->have[b] && p->reqs[b] == 0)
			c++;
	return c;
}

/* The counters against the arrays. */
static void
check_counters(const struct picker *p)
{
	uint32_t i, u = 0, d = 0, started = 0, hist[PICK_HIST] = { 0 };
	int open;

	for (i = 0; i < p->npieces; i++) {
		if (p->state[i] == PIECE_NEED) {
			assert_int_equal(p->unreq[i], count_unreq(p, i));
			u += count_unreq(p, i);
		} else if (p->state[i] == PIECE_DONE)
			d++;
		/* What a pick's early stop rests on. */
		open = p->state[i] == PIECE_NEED && p->unreq[i] > 0;
		if (open)
			assert_true(i >= p->open);
		started += open && p->touched[i];
		if (p->state[i] != PIECE_DONE)
			hist[p->avail[i] < PICK_HIST - 1 ? p->avail[i] :
			    PICK_HIST - 1]++;
	}
	assert_int_equal(p->unrequested, u);
	assert_int_equal(p->done, d);
	assert_int_equal(p->started, started);
	assert_memory_equal(p->hist, hist, sizeof(hist));
}

/*
 * Geometry
 */

/* Everything that follows from size and the piece length alone. */
static void
check_geometry_pl(uint64_t size, uint64_t pl)
{
	struct picker p;
	uint64_t total = 0, btotal;
	uint32_t i, k, n, piece, off, len, plen, nblk = 0;

	picker_init(&p, size, (uint32_t)pl, 1);
	assert_int_equal(p.size, size);
	assert_int_equal(p.plen, pl);
	assert_int_equal(p.bpp, pl / BL);
	assert_int_equal(p.npieces, (size + pl - 1) / pl);
	assert_int_equal(p.nblocks, p.npieces * p.bpp);
	assert_int_equal(p.done, 0);
	for (i = 0; i < p.npieces; i++) {
		plen = picker_piece_len(&p, i);
		assert_int_equal(plen, i + 1 < p.npieces ? pl :
		    size - (uint64_t)i * pl);
		assert_true(plen > 0 && plen <= pl);
		total += plen;
		n = picker_blocks(&p, i);
		assert_int_equal(n, (plen + BL - 1) / BL);
		assert_true(n >= 1 && n <= p.bpp);
		nblk += n;
		btotal = 0;
		for (k = 0; k < n; k++) {
			picker_block(&p, i * p.bpp + k, &piece, &off, &len);
			assert_int_equal(piece, i);
			assert_int_equal(off, k * BL);
			assert_int_equal(len, k + 1 < n ? BL :
			    plen - (uint64_t)k * BL);
			assert_true(len > 0);
			btotal += len;
		}
		assert_int_equal(btotal, plen);
		assert_int_equal(p.state[i], PIECE_NEED);
		assert_int_equal(p.avail[i], 0);
	}
	assert_int_equal(total, size);
	assert_int_equal(picker_piece_len(&p, p.npieces), 0);
	assert_int_equal(picker_blocks(&p, p.npieces), 0);
	assert_int_equal(p.unrequested, nblk);
	assert_int_equal(picker_complete(&p), p.npieces == 0);
	assert_int_equal(picker_endgame(&p), 0);
	check_counters(&p);
	picker_free(&p);
}

/* ... with pieces (wire.h), and with units: a block each. */
static void
check_geometry(uint64_t size)
{
	check_geometry_pl(size, PL);
	check_geometry_pl(size, WIRE_UNIT_LEN);
}

/*
 * A download with unit hashes: its picker's pieces are the units, of one
 * block each; a length that is not a whole number of blocks up to a
 * piece is taken as a piece.
 */
static void
test_geometry_units(void **state)
{
	struct picker p;
	uint32_t piece, off, len;
	static const uint32_t bad[] = { 0, 1, PICK_BLOCK - 1, PICK_BLOCK + 1,
	    2 * WIRE_PIECE_LEN, UINT32_MAX };
	size_t i;

	(void)state;
	assert_int_equal(WIRE_UNIT_LEN % PICK_BLOCK, 0);
	picker_init(&p, 3 * PL + 100, WIRE_UNIT_LEN, 7);
	assert_int_equal(p.bpp, 1);
	assert_int_equal(p.npieces, 13);
	assert_int_equal(p.nblocks, 13);
	assert_int_equal(p.unrequested, 13);
	assert_int_equal(picker_piece_len(&p, 11), WIRE_UNIT_LEN);
	assert_int_equal(picker_piece_len(&p, 12), 100);
	assert_int_equal(picker_blocks(&p, 12), 1);
	picker_block(&p, 5, &piece, &off, &len);
	assert_int_equal(piece, 5);
	assert_int_equal(off, 0);
	assert_int_equal(len, BL);
	picker_block(&p, 12, &piece, &off, &len);
	assert_int_equal(piece, 12);
	assert_int_equal(len, 100);
	/* A unit is whole with its one block, and checked alone. */
	picker_requested(&p, 12);
	assert_int_equal(picker_received(&p, 12), 1);
	assert_int_equal(p.state[12], PIECE_VERIFY);
	picker_verified(&p, 12, 1);
	assert_int_equal(p.done, 1);
	check_counters(&p);
	/* Scans start past the pieces done from the first on. */
	assert_int_equal(p.first, 0);
	picker_mark_done(&p, 1);
	assert_int_equal(p.first, 0);
	picker_mark_done(&p, 0);
	assert_int_equal(p.first, 2);
	picker_requested(&p, 2);
	assert_int_equal(picker_received(&p, 2), 1);
	picker_verified(&p, 2, 0);		/* failed: needed again */
	assert_int_equal(p.first, 2);
	for (piece = 2; piece < 12; piece++)
		picker_mark_done(&p, piece);
	assert_int_equal(p.first, 13);
	assert_true(picker_complete(&p));
	check_counters(&p);
	picker_free(&p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		picker_init(&p, 3 * PL, bad[i], 7);
		assert_int_equal(p.plen, PL);
		assert_int_equal(p.npieces, 3);
		picker_free(&p);
	}
}

static void
test_geometry_constants(void **state)
{
	(void)state;
	assert_int_equal(WIRE_PIECE_LEN, 512 * 1024);
	assert_int_equal(PICK_BLOCK * PICK_BPP_MAX, WIRE_PIECE_LEN);
	assert_int_equal(PICK_BPP_MAX, 4);
}

static void
test_geometry_exact_pieces(void **state)
{
	struct picker p;
	uint32_t piece, off, len;

	(void)state;
	picker_init(&p, 3 * PL, PL, 7);
	assert_int_equal(p.npieces, 3);
	assert_int_equal(p.nblocks, 12);
	assert_int_equal(p.unrequested, 12);
	assert_int_equal(picker_piece_len(&p, 2), PL);
	assert_int_equal(picker_blocks(&p, 2), 4);
	picker_block(&p, 5, &piece, &off, &len);
	assert_int_equal(piece, 1);
	assert_int_equal(off, BL);
	assert_int_equal(len, BL);
	picker_block(&p, 11, &piece, &off, &len);
	assert_int_equal(piece, 2);
	assert_int_equal(off, 3 * BL);
	assert_int_equal(len, BL);
	picker_free(&p);
	check_geometry(3 * PL);
}

static void
test_geometry_short_last(void **state)
{
	struct picker p;
	uint32_t piece, off, len;

	(void)state;
	/* Last piece: two full blocks and 100 bytes. */
	picker_init(&p, 3 * PL + 2 * BL + 100, PL, 7);
	assert_int_equal(p.npieces, 4);
	assert_int_equal(p.nblocks, 16);
	assert_int_equal(picker_piece_len(&p, 3), 2 * BL + 100);
	assert_int_equal(picker_blocks(&p, 3), 3);
	assert_int_equal(p.unrequested, 15);
	picker_block(&p, 14, &piece, &off, &len);
	assert_int_equal(piece, 3);
	assert_int_equal(off, 2 * BL);
	assert_int_equal(len, 100);
	picker_block(&p, 13, &piece, &off, &len);
	assert_int_equal(len, BL);
	picker_free(&p);

	/* Last piece one byte short: four blocks, the last one short. */
	picker_init(&p, 7 * PL - 1, PL, 7);
	assert_int_equal(p.npieces, 7);
	assert_int_equal(picker_piece_len(&p, 6), PL - 1);
	assert_int_equal(picker_blocks(&p, 6), 4);
	picker_block(&p, 27, &piece, &off, &len);
	assert_int_equal(piece, 6);
	assert_int_equal(off, 3 * BL);
	assert_int_equal(len, BL - 1);
	assert_int_equal(p.unrequested, 28);
	picker_free(&p);

	check_geometry(3 * PL + 2 * BL + 100);
	check_geometry(7 * PL - 1);
	check_geometry(5 * PL + BL);
	check_geometry(5 * PL + BL + 1);
	check_geometry(BL);
	check_geometry(BL + 1);
	check_geometry(1);
	check_geometry(1ull << 30);
}

static void
test_geometry_size_zero(void **state)
{
	struct bitfield has;
	struct picker p;
	uint32_t b = 12345;

	(void)state;
	picker_init(&p, 0, PL, 1);
	assert_int_equal(p.npieces, 0);
	assert_int_equal(p.nblocks, 0);
	assert_int_equal(p.unrequested, 0);
	assert_true(picker_complete(&p));
	assert_false(picker_endgame(&p));
	assert_int_equal(picker_piece_len(&p, 0), 0);
	assert_int_equal(picker_blocks(&p, 0), 0);
	bitfield_init(&has, 0);
	assert_int_equal(picker_pick(&p, &has, NULL, NULL, &b), 0);
	assert_int_equal(b, 12345);
	picker_peer_add(&p, &has);
	picker_peer_have(&p, 0);
	picker_peer_remove(&p, &has);
	/* Out-of-range calls change nothing. */
	picker_requested(&p, 0);
	picker_unrequested(&p, 0);
	assert_int_equal(picker_received(&p, 0), -1);
	picker_verified(&p, 0, 1);
	picker_mark_done(&p, 0);
	assert_int_equal(p.done, 0);
	assert_true(picker_complete(&p));
	bitfield_free(&has);
	picker_free(&p);
	check_geometry(0);
}

static void
test_geometry_one_piece(void **state)
{
	struct picker p;
	uint32_t piece, off, len;

	(void)state;
	picker_init(&p, PL, PL, 1);
	assert_int_equal(p.npieces, 1);
	assert_int_equal(p.nblocks, 4);
	assert_int_equal(picker_piece_len(&p, 0), PL);
	assert_int_equal(picker_blocks(&p, 0), 4);
	assert_int_equal(picker_piece_len(&p, 1), 0);
	picker_block(&p, 3, &piece, &off, &len);
	assert_int_equal(piece, 0);
	assert_int_equal(off, 3 * BL);
	assert_int_equal(len, BL);
	assert_int_equal(p.unrequested, 4);
	picker_free(&p);
	check_geometry(PL);
	check_geometry(PL - 1);
}

static void
test_geometry_one_piece_plus_one(void **state)
{
	struct picker p;
	uint32_t piece, off, len;

	(void)state;
	picker_init(&p, PL + 1, PL, 1);
	assert_int_equal(p.npieces, 2);
	assert_int_equal(p.nblocks, 8);
	assert_int_equal(picker_piece_len(&p, 0), PL);
	assert_int_equal(picker_piece_len(&p, 1), 1);
	assert_int_equal(picker_blocks(&p, 1), 1);
	picker_block(&p, 4, &piece, &off, &len);
	assert_int_equal(piece, 1);
	assert_int_equal(off, 0);
	assert_int_equal(len, 1);
	assert_int_equal(p.unrequested, 5);
	picker_free(&p);
	check_geometry(PL + 1);
}

/*
 * Choice
 */

static void
test_started_first(void **state)
{
	struct bitfield all, only7;
	struct picker p;
	uint32_t b, k, seen;

	(void)state;
	picker_init(&p, 10 * PL, PL, 3);
	bf_full(&all, 10);
	/* Piece 7 is the rarest: 3 peers; the others have 4. */
	picker_peer_add(&p, &all);
	picker_peer_add(&p, &all);
	picker_peer_add(&p, &all);
	bf_full(&only7, 10);
	bitfield_clear(&only7, 7);
	picker_peer_add(&p, &only7);	/* everything but 7 */
	assert_int_equal(p.avail[7], 3);
	assert_int_equal(p.avail[3], 4);
	check_counters(&p);

/* Without a started piece, the rarest. */
	b = pick1(&p, &all, NULL, NULL);
	assert_int_equal(b / PICK_BPP_MAX, 7);

	/* One block of piece 3 asked for: piece 3 is finished first. */
	picker_requested(&p, 3 * PICK_BPP_MAX + 1);
	assert_int_equal(p.unrequested, 39);
	for (seen = 0, k = 0; k < 3; k++) {
		b = pick1(&p, &all, NULL, NULL);
		assert_int_equal(b / PICK_BPP_MAX, 3);
		assert_int_equal(p.have[b], 0);
		assert_int_equal(p.reqs[b], 0);
		assert_true((seen & (1u << (b % PICK_BPP_MAX))) == 0);
		seen |= 1u << (b % PICK_BPP_MAX);
		picker_requested(&p, b);
	}
	assert_int_equal(seen, 0xd);	/* blocks 0, 2, 3 */
	/* Piece 3 all asked for: back to the rarest. */
	b = pick1(&p, &all, NULL, NULL);
	assert_int_equal(b / PICK_BPP_MAX, 7);

	/* Started by a block that arrived unasked: also first. */
	assert_int_equal(picker_received(&p, 5 * PICK_BPP_MAX + 2), 0);
	b = pick1(&p, &all, NULL, NULL);
	assert_int_equal(b / PICK_BPP_MAX, 5);
	assert_true(b != 5 * PICK_BPP_MAX + 2);

	/* Two started pieces: the first in file order. */
	picker_requested(&p, 9 * PICK_BPP_MAX);
	picker_requested(&p, 1 * PICK_BPP_MAX + 3);
	b = pick1(&p, &all, NULL, NULL);
	assert_int_equal(b / PICK_BPP_MAX, 1);

	/* A peer without the started pieces gets its own choice. */
	for (k = 0; k < 10; k++)
		bitfield_clear(&only7, k);
	bitfield_set(&only7, 7);
	b = pick1(&p, &only7, NULL, NULL);
	assert_int_equal(b / PICK_BPP_MAX, 7);
	check_counters(&p);

	bitfield_free(&all);
	bitfield_free(&only7);
	picker_free(&p);
}

/* The pick must be a least available piece among those the peer could
 * be asked for; started pieces are kept out by requesting whole pieces. */
static void
test_rarest_first(void **state)
{
	enum { NP = 12, NPEERS = 4 };
	static const uint32_t pa[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	static const uint32_t pb[] = { 0, 1, 2, 3, 4, 5, 8, 9, 10 };
	static const uint32_t pc[] = { 0, 2, 4, 5, 8, 10, 11 };
	static const uint32_t pd[] = { 0, 4, 8, 11 };
	struct bitfield peers[NPEERS], all, part;
	struct picker p;
	uint32_t avail[NP], i, b, min, k, order[NP], n;

	(void)state;
	picker_init(&p, NP * PL, PL, 11);
	bf_list(&peers[0], NP, pa, sizeof(pa) / sizeof(pa[0]));
	bf_list(&peers[1], NP, pb, sizeof(pb) / sizeof(pb[0]));
	bf_list(&peers[2], NP, pc, sizeof(pc) / sizeof(pc[0]));
	bf_list(&peers[3], NP, pd, sizeof(pd) / sizeof(pd[0]));
	memset(avail, 0, sizeof(avail));
	for (k = 0; k < NPEERS; k++) {
		picker_peer_add(&p, &peers[k]);
		for (i = 0; i < NP; i++)
			avail[i] += (uint32_t)bitfield_get(&peers[k], i);
	}
	/* One more peer announces piece 6 and piece 7 by HAVE. */
	picker_peer_have(&p, 6);
	picker_peer_have(&p, 7);
	avail[6]++;
	avail[7]++;
	/* Out of range HAVE ignored. */
	picker_peer_have(&p, NP);
	picker_peer_have(&p, UINT32_MAX);
	for (i = 0; i < NP; i++)
		assert_int_equal(p.avail[i], avail[i]);

	/* avail: 0:4 1:2 2:3 3:2 4:4 5:3 6:2 7:2 8:4 9:2 10:3 11:3 */
	bf_full(&all, NP);
	for (k = 0; k < NP; k++) {
		b = pick1(&p, &all, NULL, NULL);
		i = b / PICK_BPP_MAX;
		for (min = UINT32_MAX, n = 0; n < NP; n++)
			if (p.state[n] == PIECE_NEED && p.unreq[n] > 0 &&
			    avail[n] < min)
				min = avail[n];
		assert_int_equal(avail[i], min);
		assert_int_equal(b % PICK_BPP_MAX, 0);
		order[k] = i;
		/* Ask for the whole piece, so it is not "started". */
		request_piece(&p, i);
		check_counters(&p);
	}
	/* Every piece once, in non-decreasing availability. */
	for (k = 1; k < NP; k++) {
		assert_true(avail[order[k - 1]] <= avail[order[k]]);
		for (n = 0; n < k; n++)
			assert_true(order[n] != order[k]);
	}
	assert_int_equal(p.unrequested, 0);
	picker_free(&p);

	/* A peer with some pieces: the rarest of those it has. */
	picker_init(&p, NP * PL, PL, 12);
	for (k = 0; k < NPEERS; k++)
		picker_peer_add(&p, &peers[k]);
	bitfield_init(&part, NP);
	bitfield_set(&part, 0);		/* avail 4 */
	bitfield_set(&part, 5);		/* avail 3 */
	bitfield_set(&part, 8);		/* avail 4 */
	b = pick1(&p, &part, NULL, NULL);
	assert_int_equal(b / PICK_BPP_MAX, 5);
	request_piece(&p, 5);
	b = pick1(&p, &part, NULL, NULL);
	assert_true(b / PICK_BPP_MAX == 0 || b / PICK_BPP_MAX == 8);

	/* Peer 0 leaves: pieces 6 and 7 have nobody, and become rarest. */
	picker_peer_remove(&p, &peers[0]);
	assert_int_equal(p.avail[6], 0);
	assert_int_equal(p.avail[7], 0);
	assert_int_equal(p.avail[0], 3);
	b = pick1(&p, &all, NULL, NULL);
	assert_true(b / PICK_BPP_MAX == 6 || b / PICK_BPP_MAX == 7);
	/* Removing more than was added stops at 0. */
	picker_peer_remove(&p, &peers[0]);
	assert_int_equal(p.avail[6], 0);
	assert_int_equal(p.avail[0], 2);

	bitfield_free(&part);
	bitfield_free(&all);
	for (k = 0; k < NPEERS; k++)
		bitfield_free(&peers[k]);
	picker_free(&p);
}

/* The first pick of a fresh picker over np equally rare pieces. */
static uint32_t
first_pick(uint32_t np, uint64_t seed, uint32_t window,
    const struct bitfield *avail_bf)
{
	struct bitfield all;
	struct picker p;
	uint32_t b;

	picker_init(&p, (uint64_t)np * PL, PL, seed);
	if (window)
		p.window = window;
	bf_full(&all, np);
	picker_peer_add(&p, &all);
	if (avail_bf != NULL)
		picker_peer_add(&p, avail_bf);
	b = pick1(&p, &all, NULL, NULL);
	assert_int_equal(b % PICK_BPP_MAX, 0);
	bitfield_free(&all);
	picker_free(&p);
	return b / PICK_BPP_MAX;
}

static void
test_random_ties(void **state)
{
	enum { NP = 40, NSEEDS = 400 };
	uint32_t hits[NP], i, w, s, distinct, piece;
	struct bitfield common;
	struct picker p;

	(void)state;
	/* Default window: PICK_WINDOW, each of its pieces chosen. */
	picker_init(&p, PL, PL, 1);
	assert_int_equal(p.window, PICK_WINDOW);
	picker_free(&p);

	memset(hits, 0, sizeof(hits));
	for (s = 1; s <= NSEEDS; s++) {
		piece = first_pick(NP, s * 0x9e3779b97f4a7c15ull + s, 0,
		    NULL);
		assert_true(piece < PICK_WINDOW);
		hits[piece]++;
	}
	for (distinct = 0, i = 0; i < NP; i++)
		distinct += hits[i] != 0;
	assert_int_equal(distinct, PICK_WINDOW);

	/* Small seeds too: they must still differ. */
	memset(hits, 0, sizeof(hits));
	for (s = 1; s <= 64; s++)
		hits[first_pick(NP, s, 32, NULL)]++;
	for (distinct = 0, i = 0; i < NP; i++)
		distinct += hits[i] != 0;
	assert_true(distinct >= 8);

	/* Window 5: always among pieces 0-4, each of them chosen. */
	for (w = 1; w <= 8; w++) {
		memset(hits, 0, sizeof(hits));
		for (s = 1; s <= NSEEDS; s++) {
			piece = first_pick(NP, s * 0x2545f4914f6cdd1dull, w,
			    NULL);
			assert_true(piece < w);
			hits[piece]++;
		}
		for (i = 0; i < w; i++)
			assert_true(hits[i] > 0);
	}

	/* Ties among the rarest only: every third piece is held by one
	 * peer fewer.  Window 3 means pieces 2, 5, 8. */
	bitfield_init(&common, NP);
	for (i = 0; i < NP; i++)
		if (i % 3 != 2)
			bitfield_set(&common, i);
	memset(hits, 0, sizeof(hits));
	for (s = 1; s <= NSEEDS; s++) {
		piece = first_pick(NP, s * 0x9e3779b97f4a7c15ull, 3, &common);
		assert_true(piece == 2 || piece == 5 || piece == 8);
		hits[piece]++;
	}
	assert_true(hits[2] > 0 && hits[5] > 0 && hits[8] > 0);
	/* Window 32 over 13 tied pieces: all of them possible. */
	memset(hits, 0, sizeof(hits));
	for (s = 1; s <= NSEEDS; s++) {
		piece = first_pick(NP, s * 0x9e3779b97f4a7c15ull, 32,
		    &common);
		assert_int_equal(piece % 3, 2);
		hits[piece]++;
	}
	for (i = 2; i < NP; i += 3)
		assert_true(hits[i] > 0);
	bitfield_free(&common);

	/* Same seed, same pick. */
	for (s = 1; s <= 20; s++)
		assert_int_equal(first_pick(NP, s * 77, 0, NULL),
		    first_pick(NP, s * 77, 0, NULL));
}

static void
test_lacking_never_picked(void **state)
{
	enum { NP = 9 };
	struct bitfield odd, none, all;
	struct picker p;
	uint32_t b, i, k;

	(void)state;
	picker_init(&p, NP * PL - 5, PL, 5);
	bitfield_init(&odd, NP);
	for (i = 1; i < NP; i += 2)
		bitfield_set(&odd, i);
	bitfield_init(&none, NP);
	bf_full(&all, NP);
	picker_peer_add(&p, &all);
	picker_peer_add(&p, &odd);

	assert_int_equal(picker_pick(&p, &none, NULL, NULL, &b), 0);
	/* Even started pieces are not given to a peer without them. */
	picker_requested(&p, 0);
	picker_requested(&p, 2 * PICK_BPP_MAX);
	for (k = 0; k < 4 * PICK_BPP_MAX; k++) {
		b = pick1(&p, &odd, NULL, NULL);
		assert_int_equal((b / PICK_BPP_MAX) % 2, 1);
		assert_int_equal(p.reqs[b], 0);
		picker_requested(&p, b);
	}
	/* All it has is asked for, other pieces still unrequested. */
	assert_true(p.unrequested > 0);
	assert_false(picker_endgame(&p));
	assert_int_equal(picker_pick(&p, &odd, NULL, NULL, &b), 0);
	assert_int_equal(picker_pick(&p, &none, NULL, NULL, &b), 0);
	/* A bitfield shorter than the file: pieces past it are lacked. */
	bitfield_free(&none);
	bitfield_init(&none, 1);
	bitfield_set(&none, 0);
	b = pick1(&p, &none, NULL, NULL);
	assert_int_equal(b / PICK_BPP_MAX, 0);
	check_counters(&p);
	bitfield_free(&none);
	bitfield_free(&odd);
	bitfield_free(&all);
	picker_free(&p);
}

static void
test_nothing_to_pick(void **state)
{
	struct bitfield all;
	struct picker p;
	uint32_t b = 777, i;

	(void)state;
	/* Everything done. */
	picker_init(&p, 3 * PL + 1, PL, 5);
	bf_full(&all, 4);
	picker_peer_add(&p, &all);
	for (i = 0; i < 4; i++)
		picker_mark_done(&p, i);
	assert_true(picker_complete(&p));
	assert_false(picker_endgame(&p));
	assert_int_equal(picker_pick(&p, &all, NULL, NULL, &b), 0);
	assert_int_equal(b, 777);
	picker_free(&p);

	/* Everything received, waiting for verification. */
	picker_init(&p, 3 * PL + 1, PL, 5);
	picker_peer_add(&p, &all);
	for (i = 0; i < 4; i++)
		complete_piece(&p, i);
	assert_int_equal(p.unrequested, 0);
	assert_false(picker_complete(&p));
	assert_int_equal(picker_pick(&p, &all, asked_flags,
	    (uint8_t[16]){ 0 }, &b), 0);
	assert_int_equal(b, 777);
	check_counters(&p);
	picker_free(&p);
	bitfield_free(&all);
}

/* An endgame pick checked against the rule: 0 if no block qualifies,
 * otherwise a qualifying block with the fewest requests out. */
static int
endgame_pick(struct picker *p, const struct bitfield *has, uint8_t *asked,
    uint32_t *block)
{
	uint32_t b, min = UINT32_MAX, got = UINT32_MAX;
	int r;

	assert_int_equal(p->unrequested, 0);
	for (b = 0; b < p->nblocks; b++) {
		if (b % PICK_BPP_MAX >= picker_blocks(p, b / PICK_BPP_MAX) ||
		    p->state[b / PICK_BPP_MAX] != PIECE_NEED ||
		    !bitfield_get(has, b / PICK_BPP_MAX) || p->have[b] ||
		    asked[b] || p->reqs[b] >= PICK_MAX_DUP)
			continue;
		if (p->reqs[b] < min)
			min = p->reqs[b];
	}
	r = picker_pick(p, has, asked_flags, asked, &got);
	if (min == UINT32_MAX) {
		assert_int_equal(r, 0);
		return 0;
	}
	assert_int_equal(r, 1);
	assert_true(got < p->nblocks);
	assert_int_equal(p->state[got / PICK_BPP_MAX], PIECE_NEED);
	assert_true(bitfield_get(has, got / PICK_BPP_MAX));
	assert_int_equal(p->have[got], 0);
	assert_int_equal(asked[got], 0);
	assert_int_equal(p->reqs[got], min);
	assert_true(p->reqs[got] >= 1);
	*block = got;
	return 1;
}

static void
test_endgame(void **state)
{
	enum { NPEERS = 5, NB = 8 };
	uint8_t asked[NPEERS][NB];
	struct bitfield all, half;
	struct picker p;
	uint32_t b, x, y, k, i;

	(void)state;
	memset(asked, 0, sizeof(asked));
	picker_init(&p, 2 * PL, PL, 9);
	bf_full(&all, 2);
	for (k = 0; k < NPEERS; k++)
		picker_peer_add(&p, &all);
	/* Peer 0 is asked for every block. */
	for (k = 0; k < NB; k++) {
		assert_false(picker_endgame(&p));
		b = pick1(&p, &all, asked_flags, asked[0]);
		assert_int_equal(p.reqs[b], 0);
		assert_int_equal(asked[0][b], 0);
		picker_requested(&p, b);
		asked[0][b] = 1;
	}
	assert_int_equal(p.unrequested, 0);
	assert_true(picker_endgame(&p));
	check_counters(&p);
	/* Nothing left to ask peer 0. */
	assert_int_equal(picker_pick(&p, &all, asked_flags, asked[0], &b), 0);

	/* Block 2 arrives: never picked again. */
	assert_int_equal(picker_received(&p, 2), 0);
	asked[0][2] = 0;
	assert_int_equal(p.reqs[2], 0);
	assert_true(picker_endgame(&p));

	/* Peer 1 gets a block, peer 2 another one (fewest requests). */
	assert_int_equal(endgame_pick(&p, &all, asked[1], &x), 1);
	assert_true(x != 2);
	picker_requested(&p, x);
	asked[1][x] = 1;
	assert_int_equal(p.reqs[x], 2);
	assert_int_equal(endgame_pick(&p, &all, asked[2], &y), 1);
	assert_true(y != x && y != 2);
	assert_int_equal(p.reqs[y], 1);
	picker_requested(&p, y);
	asked[2][y] = 1;

	/* Duplicates: the first copy wins, the second is -1. */
	assert_int_equal(picker_received(&p, x), 0);
	assert_int_equal(picker_received(&p, x), -1);
	assert_int_equal(p.have[x], 1);
	assert_int_equal(p.reqs[x], 0);
	/* The other request for x is cancelled. */
	picker_unrequested(&p, x);
	assert_int_equal(p.reqs[x], 0);
	asked[0][x] = asked[1][x] = 0;
	check_counters(&p);

	/* Everyone asks until nothing qualifies. */
	for (i = 0; i < 100; i++) {
		int any = 0;

		for (k = 1; k < NPEERS; k++) {
			if (!endgame_pick(&p, &all, asked[k], &b))
				continue;
			any = 1;
			picker_requested(&p, b);
			asked[k][b] = 1;
			assert_true(p.reqs[b] <= PICK_MAX_DUP);
		}
		if (!any)
			break;
	}
	assert_true(i < 100);
	for (b = 0; b < NB; b++) {
		if (p.have[b])
			assert_int_equal(p.reqs[b], 0);
		else
			assert_int_equal(p.reqs[b], PICK_MAX_DUP);
	}
	check_counters(&p);

	/* Peer 0 loses one request: now it can be asked again. */
	for (x = NB; x-- > 0; )
		if (!p.have[x])
			break;
	assert_true(x >= 4 && asked[0][x]);
	picker_unrequested(&p, x);
	asked[0][x] = 0;
	assert_int_equal(p.reqs[x], PICK_MAX_DUP - 1);
	assert_true(picker_endgame(&p));
	assert_int_equal(endgame_pick(&p, &all, asked[0], &b), 1);
	assert_int_equal(b, x);

	/* One block of each piece below the cap: a peer with piece 1
	 * only is given the one in piece 1. */
	for (y = 0; y < 4; y++)
		if (!p.have[y])
			break;
	assert_true(y < 4 && asked[0][y]);
	picker_unrequested(&p, y);
	asked[0][y] = 0;
	bitfield_init(&half, 2);
	bitfield_set(&half, 1);
	{
		uint8_t fresh[NB];

		memset(fresh, 0, sizeof(fresh));
		assert_int_equal(endgame_pick(&p, &half, fresh, &b), 1);
		assert_int_equal(b, x);
		assert_int_equal(endgame_pick(&p, &all, fresh, &b), 1);
		assert_true(b == x || b == y);
	}
	check_counters(&p);
	bitfield_free(&half);
	picker_free(&p);
	bitfield_free(&all);
}

static void
test_endgame_skips_verify(void **state)
{
	uint8_t asked[8];
	struct bitfield all;
	struct picker p;
	uint32_t b, k;

	(void)state;
	memset(asked, 0, sizeof(asked));
	picker_init(&p, 2 * PL, PL, 9);
	bf_full(&all, 2);
	picker_peer_add(&p, &all);
	complete_piece(&p, 0);
	request_piece(&p, 1);
	assert_true(picker_endgame(&p));
	for (k = 0; k < 4; k++) {
		assert_int_equal(endgame_pick(&p, &all, asked, &b), 1);
		/* b is set: a failed assert_int_equal() does not return. */
		/* NOLINTNEXTLINE(clang-analyzer-core.*) */
		assert_int_equal(b / PICK_BPP_MAX, 1);
		picker_requested(&p, b);
		asked[b] = 1;
	}
	assert_int_equal(endgame_pick(&p, &all, asked, &b), 0);

	/* Piece 0 fails: out of endgame, piece 0 picked again. */
	picker_verified(&p, 0, 0);
	assert_false(picker_endgame(&p));
	assert_int_equal(p.unrequested, 4);
	b = pick1(&p, &all, asked_flags, asked);
	assert_int_equal(b / PICK_BPP_MAX, 0);
	check_counters(&p);
	bitfield_free(&all);
	picker_free(&p);
}

/*
 * Arrival, verification, resume, loss
 */

static void
test_received(void **state)
{
	static const uint32_t order[] = { 3, 1, 0, 2 };
	struct picker p;
	uint32_t k, u;

	(void)state;
	picker_init(&p, 2 * PL + 1, PL, 1);
	request_piece(&p, 0);
	u = p.unrequested;
	for (k = 0; k < 4; k++) {
		assert_int_equal(picker_received(&p, order[k]),
		    k == 3 ? 1 : 0);
		assert_int_equal(p.have[order[k]], 1);
		assert_int_equal(p.reqs[order[k]], 0);
		assert_int_equal(p.unrequested, u);
		assert_int_equal(p.state[0], k == 3 ? PIECE_VERIFY :
		    PIECE_NEED);
	}
	/* Any block of a piece in VERIFY is a duplicate. */
	for (k = 0; k < 4; k++)
		assert_int_equal(picker_received(&p, k), -1);
	assert_int_equal(p.done, 0);
	check_counters(&p);

	/* Received without a request: counted all the same. */
	u = p.unrequested;
	assert_int_equal(picker_received(&p, 5), 0);
	assert_int_equal(p.unrequested, u - 1);
	assert_int_equal(picker_received(&p, 5), -1);
	assert_int_equal(p.unrequested, u - 1);
	check_counters(&p);

	/* Duplicate after an endgame double request. */
	picker_requested(&p, 6);
	picker_requested(&p, 6);
	assert_int_equal(picker_received(&p, 6), 0);
	assert_int_equal(picker_received(&p, 6), -1);
	check_counters(&p);

	/* Last piece, a single short block: 1 at once. */
	picker_requested(&p, 8);
	assert_int_equal(picker_received(&p, 8), 1);
	assert_int_equal(p.state[2], PIECE_VERIFY);
	assert_int_equal(picker_received(&p, 8), -1);

	/* Out of range, including past the last piece's blocks. */
	assert_int_equal(picker_received(&p, p.nblocks), -1);
	assert_int_equal(picker_received(&p, UINT32_MAX), -1);
	check_counters(&p);
	picker_free(&p);
}

static void
test_verify_fail(void **state)
{
	struct bitfield all;
	struct picker p;
	uint32_t b, u, k;

	(void)state;
	picker_init(&p, 3 * PL, PL, 4);
	bf_full(&all, 3);
	picker_peer_add(&p, &all);
	u = p.unrequested;
	complete_piece(&p, 1);
	assert_int_equal(p.unrequested, u - 4);
	picker_verified(&p, 1, 0);
	assert_int_equal(p.state[1], PIECE_NEED);
	for (b = 4; b < 8; b++) {
		assert_int_equal(p.have[b], 0);
		assert_int_equal(p.reqs[b], 0);
	}
	assert_int_equal(p.unreq[1], 4);
	assert_int_equal(p.unrequested, u);
	assert_int_equal(p.done, 0);
	check_counters(&p);
	/* Verdict on a piece not in VERIFY: nothing. */
	picker_verified(&p, 1, 1);
	picker_verified(&p, 1, 0);
	picker_verified(&p, 3, 1);
	assert_int_equal(p.done, 0);
	assert_int_equal(p.unrequested, u);

	/* Pickable again: make piece 1 the only choice. */
	request_piece(&p, 0);
	request_piece(&p, 2);
	for (k = 0; k < 4; k++) {
		b = pick1(&p, &all, NULL, NULL);
		assert_int_equal(b / PICK_BPP_MAX, 1);
		picker_requested(&p, b);
	}
	/* And it can arrive again and pass. */
	for (b = 4; b < 8; b++)
		assert_int_equal(picker_received(&p, b), b == 7 ? 1 : 0);
	picker_verified(&p, 1, 1);
	assert_int_equal(p.done, 1);
	check_counters(&p);
	bitfield_free(&all);
	picker_free(&p);
}

static void
test_verify_ok(void **state)
{
	struct bitfield all;
	struct picker p;
	uint32_t i, b;

	(void)state;
	picker_init(&p, 3 * PL + 10, PL, 4);
	bf_full(&all, 4);
	picker_peer_add(&p, &all);
	for (i = 0; i < 4; i++) {
		assert_false(picker_complete(&p));
		complete_piece(&p, i);
		assert_int_equal(p.done, i);
		picker_verified(&p, i, 1);
		assert_int_equal(p.state[i], PIECE_DONE);
		assert_int_equal(p.done, i + 1);
		/* Twice: counted once. */
		picker_verified(&p, i, 1);
		picker_verified(&p, i, 0);
		assert_int_equal(p.done, i + 1);
		assert_int_equal(p.state[i], PIECE_DONE);
		check_counters(&p);
		/* DONE pieces: blocks are duplicates. */
		assert_int_equal(picker_received(&p, i * PICK_BPP_MAX), -1);
	}
	assert_true(picker_complete(&p));
	assert_false(picker_endgame(&p));
	assert_int_equal(picker_pick(&p, &all, NULL, NULL, &b), 0);
	bitfield_free(&all);
	picker_free(&p);
}

static void
test_mark_done(void **state)
{
	struct bitfield all;
	struct picker p;
	uint32_t b, u, k, seen[6];

	(void)state;
	picker_init(&p, 5 * PL + BL, PL, 4);
	bf_full(&all, 6);
	picker_peer_add(&p, &all);
	u = p.unrequested;
	assert_int_equal(u, 21);
	picker_mark_done(&p, 0);
	picker_mark_done(&p, 3);
	picker_mark_done(&p, 5);
	assert_int_equal(p.done, 3);
	assert_int_equal(p.unrequested, u - 4 - 4 - 1);
	/* Again, and out of range: counted once. */
	picker_mark_done(&p, 3);
	picker_mark_done(&p, 6);
	picker_mark_done(&p, UINT32_MAX);
	assert_int_equal(p.done, 3);
	check_counters(&p);
	for (b = 0; b < 4; b++)
		assert_int_equal(picker_received(&p, b), -1);

	/* Picks cover exactly the other pieces. */
	memset(seen, 0, sizeof(seen));
	for (k = 0; k < 12; k++) {
		b = pick1(&p, &all, NULL, NULL);
		assert_true(b / PICK_BPP_MAX == 1 || b / PICK_BPP_MAX == 2 ||
		    b / PICK_BPP_MAX == 4);
		seen[b / PICK_BPP_MAX]++;
		picker_requested(&p, b);
	}
	assert_int_equal(seen[1], 4);
	assert_int_equal(seen[2], 4);
	assert_int_equal(seen[4], 4);
	assert_true(picker_endgame(&p));
	/* Endgame duplicates never in a done piece either. */
	for (k = 0; k < 8; k++) {
		b = pick1(&p, &all, NULL, NULL);
		assert_true(b / PICK_BPP_MAX == 1 || b / PICK_BPP_MAX == 2 ||
		    b / PICK_BPP_MAX == 4);
		picker_requested(&p, b);
	}

	/* A piece in VERIFY may be marked done too. */
	for (b = 4; b < 8; b++)
		assert_int_equal(picker_received(&p, b), b == 7 ? 1 : 0);
	picker_mark_done(&p, 1);
	assert_int_equal(p.done, 4);
	picker_verified(&p, 1, 1);
	assert_int_equal(p.done, 4);
	/* And a NEED piece with requests out. */
	picker_mark_done(&p, 2);
	picker_mark_done(&p, 4);
	assert_true(picker_complete(&p));
	check_counters(&p);
	bitfield_free(&all);
	picker_free(&p);
}

static void
test_unrequested(void **state)
{
	struct bitfield all;
	struct picker p;
	uint32_t b, c, u;

	(void)state;
	picker_init(&p, 4 * PL, PL, 8);
	bf_full(&all, 4);
	picker_peer_add(&p, &all);
	u = p.unrequested;
	b = pick1(&p, &all, NULL, NULL);
	picker_requested(&p, b);
	assert_int_equal(p.unrequested, u - 1);
	assert_int_equal(p.reqs[b], 1);
	/* Lost: the block is back. */
	picker_unrequested(&p, b);
	assert_int_equal(p.unrequested, u);
	assert_int_equal(p.reqs[b], 0);
	check_counters(&p);
	c = pick1(&p, &all, NULL, NULL);
	assert_int_equal(c, b);
	/* Losing what was not asked for changes nothing. */
	picker_unrequested(&p, b);
	picker_unrequested(&p, p.nblocks);
	picker_unrequested(&p, UINT32_MAX);
	assert_int_equal(p.unrequested, u);
	assert_int_equal(p.reqs[b], 0);

	/* Two requests out: the block is back only when both are gone. */
	picker_requested(&p, b);
	picker_requested(&p, b);
	assert_int_equal(p.unrequested, u - 1);
	picker_unrequested(&p, b);
	assert_int_equal(p.unrequested, u - 1);
	picker_unrequested(&p, b);
	assert_int_equal(p.unrequested, u);
	check_counters(&p);

	/* Every block requested then lost, in endgame: back out of it. */
	for (c = 0; c < p.nblocks; c++)
		picker_requested(&p, c);
	assert_true(picker_endgame(&p));
	picker_unrequested(&p, 9);
	assert_false(picker_endgame(&p));
	assert_int_equal(pick1(&p, &all, NULL, NULL), 9);
	check_counters(&p);
	bitfield_free(&all);
	picker_free(&p);
}

/* A picker in *state, freed by the teardown even when an assert fails. */
static int
picker_setup(void **state)
{
	*state = calloc(1, sizeof(struct picker));
	return *state == NULL ? -1 : 0;
}

static int
picker_teardown(void **state)
{
	picker_free(*state);
	free(*state);
	return 0;
}

/*
 * Global blocks 5-7 of a file of one piece and a byte name no data (the
 * last piece has one block, global block 4).  Like blocks past nblocks,
 * which these calls ignore, they must change nothing.
 */
static void
test_block_past_short_last_piece(void **state)
{
	struct picker *p = *state;
	uint32_t u;

	picker_init(p, PL + 1, PL, 1);
	assert_int_equal(picker_blocks(p, 1), 1);
	u = p->unrequested;
	assert_int_equal(u, 5);
	assert_int_equal(picker_received(p, 6), -1);
	assert_int_equal(p->have[6], 0);
	assert_int_equal(p->unrequested, u);
	picker_requested(p, 5);
	assert_int_equal(p->reqs[5], 0);
	assert_int_equal(p->unrequested, u);
	assert_int_equal(p->unreq[1], 1);
	check_counters(p);
}

/*
 * Randomized simulation
 */

#define SIM_PEERS	5

struct sim_peer {
	struct bitfield	 bf;
	uint8_t		*out;	/* per block: asked of this peer */
	uint32_t	 nout;
	int		 present;
};

struct sim {
	struct picker	 p;
	struct sim_peer	 peer[SIM_PEERS];
	int		 npeers;
	uint8_t		*started;	/* per piece: begun */
	uint8_t		*inq;	/* per piece: awaiting a verdict */
	uint32_t	*vq;
	uint32_t	 nvq;
};

static int
sim_asked(void *arg, uint32_t b)
{
	const struct sim_peer *sp = arg;

	assert_true(b < sp->bf.n * PICK_BPP_MAX);
	return sp->out[b] != 0;
}

/* The invariants, from the arrays and from the simulation's own record. */
static void
sim_check(const struct sim *s)
{
	const struct picker *p = &s->p;
	uint32_t i, b, n, u = 0, d = 0, miss, mu, out, av;
	int k;

	for (i = 0; i < p->npieces; i++) {
		n = picker_blocks(p, i);
		miss = mu = 0;
		for (b = i * PICK_BPP_MAX; b < (i + 1) * PICK_BPP_MAX; b++) {
			for (out = 0, k = 0; k < s->npeers; k++)
				out += s->peer[k].out[b];
			assert_int_equal(p->reqs[b], out);
			assert_true(p->reqs[b] <= PICK_MAX_DUP);
			if (b >= i * PICK_BPP_MAX + n) {
				assert_int_equal(p->reqs[b], 0);
				continue;
			}
			assert_false(p->have[b] && p->reqs[b] > 0);
			if (!p->have[b]) {
				miss++;
				if (p->reqs[b] == 0)
					mu++;
			}
		}
		switch (p->state[i]) {
		case PIECE_NEED:
			assert_true(miss > 0);
			assert_int_equal(p->unreq[i], mu);
			assert_false(s->inq[i]);
			u += mu;
			break;
		case PIECE_VERIFY:
			assert_int_equal(miss, 0);
			assert_true(s->inq[i]);
			break;
		case PIECE_DONE:
			assert_int_equal(miss, 0);
			assert_false(s->inq[i]);
			d++;
			break;
		default:
			fail_msg("piece %u in state %u", i, p->state[i]);
		}
		for (av = 0, k = 0; k < s->npeers; k++)
			if (s->peer[k].present &&
			    bitfield_get(&s->peer[k].bf, i))
				av++;
		assert_int_equal(p->avail[i], av);
	}
	assert_int_equal(p->unrequested, u);
	assert_int_equal(p->done, d);
	assert_int_equal(picker_endgame(p), u == 0 && d < p->npieces);
	check_counters(p);
}

/* xorshift64*, as picker.c draws its tie-breaks. */
static uint64_t
ref_rand(uint64_t *r)
{
	*r ^= *r >> 12;
	*r ^= *r << 25;
	*r ^= *r >> 27;
	return *r * 0x2545f4914f6cdd1dull;
}

/*
 * What a whole pass over the pieces picks (picker_pick before it stopped
 * early), from the same random numbers: a started piece first, else the
 * rarest, ties sampled among the first `window` of them.  Outside the
 * endgame only; 1 with *block set, or 0.
 */
static int
ref_pick(const struct picker *p, const struct bitfield *has, uint64_t rng,
    uint32_t *block)
{
	uint32_t i, best = 0, ties = 0, b;
	unsigned min = UINT16_MAX + 1u;

	for (i = 0; i < p->npieces; i++) {
		if (p->state[i] != PIECE_NEED || p->unreq[i] == 0 ||
		    !bitfield_get(has, i))
			continue;
		if (p->touched[i]) {
			best = i;
			ties = 1;
			break;
		}
		if (p->avail[i] < min) {
			min = p->avail[i];
			best = i;
			ties = 1;
		} else if (p->avail[i] == min && ties < p->window) {
			ties++;
			if (ref_rand(&rng) % ties == 0)
				best = i;
		}
	}
	if (ties == 0)
		return 0;
	for (b = best * p->bpp; b < best * p->bpp + picker_blocks(p, best);
	    b++)
		if (!p->have[b] && p->reqs[b] == 0) {
			*block = b;
			return 1;
		}
	return 0;
}

/* A pick for peer sp, checked against the three rules. */
static void
sim_request(struct sim *s, struct sim_peer *sp)
{
	struct picker *p = &s->p;
	uint32_t i, b, got = UINT32_MAX, first_started = UINT32_MAX;
	uint32_t min = UINT32_MAX, rank = 0, rmin = UINT32_MAX, ref = 0;
	int r, refr = 0, endgame = p->unrequested == 0;

	if (endgame) {
		for (b = 0; b < p->nblocks; b++) {
			i = b / PICK_BPP_MAX;
			if (b % PICK_BPP_MAX >= picker_blocks(p, i) ||
			    p->state[i] != PIECE_NEED ||
			    !bitfield_get(&sp->bf, i) || p->have[b] ||
			    sp->out[b] || p->reqs[b] >= PICK_MAX_DUP)
				continue;
			if (p->reqs[b] < rmin)
				rmin = p->reqs[b];
		}
	} else {
		for (i = 0; i < p->npieces; i++) {
			if (p->state[i] != PIECE_NEED ||
			    !bitfield_get(&sp->bf, i) ||
			    count_unreq(p, i) == 0)
				continue;
			if (s->started[i] && first_started == UINT32_MAX)
				first_started = i;
			if (p->avail[i] < min)
				min = p->avail[i];
		}
	}
	/* The very block a whole pass would pick. */
	if (!endgame)
		refr = ref_pick(p, &sp->bf, p->rng, &ref);
	r = picker_pick(p, &sp->bf, sim_asked, sp, &got);
	if (!endgame) {
		assert_int_equal(r, refr);
		if (r)
			assert_int_equal(got, ref);
	}
	if (endgame ? rmin == UINT32_MAX : min == UINT32_MAX) {
		assert_int_equal(r, 0);
		return;
	}
	assert_int_equal(r, 1);
	assert_true(got < p->nblocks);
	i = got / PICK_BPP_MAX;
	assert_true(got % PICK_BPP_MAX < picker_blocks(p, i));
	assert_int_equal(p->state[i], PIECE_NEED);
	assert_true(bitfield_get(&sp->bf, i));
	assert_int_equal(p->have[got], 0);
	assert_int_equal(sp->out[got], 0);
	if (endgame) {
		assert_int_equal(p->reqs[got], rmin);
		assert_true(rmin >= 1 && rmin < PICK_MAX_DUP);
	} else {
		assert_int_equal(p->reqs[got], 0);
		if (first_started != UINT32_MAX)
			assert_int_equal(i, first_started);
		else {
			assert_int_equal(p->avail[i], min);
			/* Among the first `window` tied pieces. */
			for (b = 0; b < i; b++)
				if (p->state[b] == PIECE_NEED &&
				    bitfield_get(&sp->bf, b) &&
				    count_unreq(p, b) > 0 &&
				    p->avail[b] == min)
					rank++;
			assert_true(rank < p->window);
		}
	}
	picker_requested(p, got);
	sp->out[got] = 1;
	sp->nout++;
	s->started[i] = 1;
}

/* The n-th request out to sp. */
static uint32_t
sim_nth_out(const struct sim *s, const struct sim_peer *sp, uint32_t n)
{
	uint32_t b;

	for (b = 0; b < s->p.nblocks; b++)
		if (sp->out[b] && n-- == 0)
			return b;
	fail();
	return 0;
}

static void
sim_receive(struct sim *s, struct sim_peer *sp)
{
	struct picker *p = &s->p;
	uint32_t b, i, k, n, miss = 0;
	int j;

	if (sp->nout == 0)
		return;
	b = sim_nth_out(s, sp, rng_below(sp->nout));
	i = b / PICK_BPP_MAX;
	n = picker_blocks(p, i);
	for (k = i * PICK_BPP_MAX; k < i * PICK_BPP_MAX + n; k++)
		miss += !p->have[k];
	sp->out[b] = 0;
	sp->nout--;
	assert_int_equal(picker_received(p, b), miss == 1 ? 1 : 0);
	s->started[i] = 1;
	/* The first copy wins; the others are cancelled. */
	for (j = 0; j < s->npeers; j++)
		if (s->peer[j].out[b]) {
			s->peer[j].out[b] = 0;
			s->peer[j].nout--;
			picker_unrequested(p, b);
		}
	assert_int_equal(p->reqs[b], 0);
	/* A late duplicate is ignored. */
	if (rng_below(4) == 0)
		assert_int_equal(picker_received(p, b), -1);
	if (miss == 1) {
		assert_int_equal(p->state[i], PIECE_VERIFY);
		s->inq[i] = 1;
		s->vq[s->nvq++] = i;
	}
}

static void
sim_lose(struct sim *s, struct sim_peer *sp)
{
	uint32_t b;

	if (sp->nout == 0)
		return;
	b = sim_nth_out(s, sp, rng_below(sp->nout));
	sp->out[b] = 0;
	sp->nout--;
	picker_unrequested(&s->p, b);
}

static void
sim_verify(struct sim *s)
{
	struct picker *p = &s->p;
	uint32_t k, i, b, u;
	int ok;

	if (s->nvq == 0)
		return;
	k = rng_below(s->nvq);
	i = s->vq[k];
	s->vq[k] = s->vq[--s->nvq];
	s->inq[i] = 0;
	ok = rng_below(4) != 0;
	u = p->unrequested;
	picker_verified(p, i, ok);
	if (ok) {
		assert_int_equal(p->state[i], PIECE_DONE);
		return;
	}
	assert_int_equal(p->state[i], PIECE_NEED);
	assert_int_equal(p->unrequested, u + picker_blocks(p, i));
	for (b = i * PICK_BPP_MAX; b < i * PICK_BPP_MAX + picker_blocks(p, i); b++)
		assert_int_equal(p->have[b], 0);
	s->started[i] = 0;
}

static void
sim_leave(struct sim *s, struct sim_peer *sp)
{
	uint32_t b;

	for (b = 0; b < s->p.nblocks; b++)
		if (sp->out[b]) {
			sp->out[b] = 0;
			picker_unrequested(&s->p, b);
		}
	sp->nout = 0;
	picker_peer_remove(&s->p, &sp->bf);
	sp->present = 0;
}

/* One download of size bytes to the end; returns the steps it took. */
static uint32_t
sim_run(uint64_t size, uint64_t seed, int npeers, uint32_t window)
{
	struct sim s;
	struct sim_peer *sp;
	uint32_t np, i, b, step, ev;
	int k;

	memset(&s, 0, sizeof(s));
	picker_init(&s.p, size, PL, seed);
	if (window)
		s.p.window = window;
	np = s.p.npieces;
	s.npeers = npeers;
	s.started = calloc(np + 1, 1);
	s.inq = calloc(np + 1, 1);
	s.vq = calloc(np + 1, sizeof(*s.vq));
	assert_non_null(s.started);
	assert_non_null(s.inq);
	assert_non_null(s.vq);
	for (k = 0; k < npeers; k++) {
		sp = &s.peer[k];
		bitfield_init(&sp->bf, np);
		sp->out = calloc(s.p.nblocks + 1, 1);
		assert_non_null(sp->out);
		for (i = 0; i < np; i++)
			if (rng_below(2))
				bitfield_set(&sp->bf, i);
	}
	/* The union covers the file. */
	for (i = 0; i < np; i++) {
		for (k = 0; k < npeers; k++)
			if (bitfield_get(&s.peer[k].bf, i))
				break;
		if (k == npeers)
			bitfield_set(&s.peer[rng_below((uint32_t)npeers)].bf,
			    i);
	}
	for (k = 0; k < npeers; k++) {
		picker_peer_add(&s.p, &s.peer[k].bf);
		s.peer[k].present = 1;
	}
	/* Sometimes a resume with some pieces already good. */
	if (rng_below(3) == 0)
		for (i = 0; i < np; i++)
			if (rng_below(4) == 0)
				picker_mark_done(&s.p, i);
	sim_check(&s);

	for (step = 0; !picker_complete(&s.p); step++) {
		assert_true(step < 200000);
		sp = &s.peer[rng_below((uint32_t)npeers)];
		ev = rng_below(100);
		if (!sp->present) {
			if (ev < 20) {
				picker_peer_add(&s.p, &sp->bf);
				sp->present = 1;
			}
		} else if (ev < 45)
			sim_request(&s, sp);
		else if (ev < 72)
			sim_receive(&s, sp);
		else if (ev < 80)
			sim_lose(&s, sp);
		else if (ev < 95)
			sim_verify(&s);
		else if (ev < 98) {
			i = rng_below(np);
			if (!bitfield_get(&sp->bf, i)) {
				bitfield_set(&sp->bf, i);
				picker_peer_have(&s.p, i);
			}
		} else
			sim_leave(&s, sp);
		sim_check(&s);
	}

	/* The end: nothing out, nothing left, nothing to pick. */
	assert_int_equal(s.p.done, np);
	assert_int_equal(s.p.unrequested, 0);
	assert_false(picker_endgame(&s.p));
	assert_int_equal(s.nvq, 0);
	for (b = 0; b < s.p.nblocks; b++)
		assert_int_equal(s.p.reqs[b], 0);
	for (k = 0; k < npeers; k++) {
		assert_int_equal(s.peer[k].nout, 0);
		assert_int_equal(picker_pick(&s.p, &s.peer[k].bf, sim_asked,
		    &s.peer[k], &b), 0);
		free(s.peer[k].out);
		bitfield_free(&s.peer[k].bf);
	}
	free(s.started);
	free(s.inq);
	free(s.vq);
	picker_free(&s.p);
	return step;
}

static int
count_ok(void *arg, uint32_t piece)
{
	(void)piece;
	++*(unsigned *)arg;
	return 1;
}

/*
 * A pick stops once nothing further on can change its choice: with
 * every piece at every peer it looks at a window's worth of pieces, not
 * at all of them, and picks what a whole pass would.  Not when the
 * rarest are not known exactly (more peers than PICK_HIST counts), nor
 * past a started piece it has not reached.
 */
static void
test_pick_stops_early(void **state)
{
	enum { NP = 4096 };
	struct bitfield all;
	struct picker p;
	uint32_t b, ref, k, npeers;
	unsigned calls;

	(void)state;
	bf_full(&all, NP);
	for (npeers = 4; npeers <= PICK_HIST + 6; npeers += PICK_HIST + 2) {
		picker_init(&p, NP * BL, (uint32_t)BL, 5);
		p.piece_ok = count_ok;
		for (k = 0; k < npeers; k++)
			picker_peer_add(&p, &all);
		for (k = 0; k < 3 * NP / 4; k++) {
			assert_int_equal(ref_pick(&p, &all, p.rng, &ref), 1);
			calls = 0;
			assert_int_equal(picker_pick(&p, &all, NULL, &calls,
			    &b), 1);
			assert_int_equal(b, ref);
			if (npeers < PICK_HIST - 1)
				assert_true(calls <= p.window);
			else	/* every open piece: the rest of the file */
				assert_int_equal(calls, NP - k);
			picker_requested(&p, b);
		}
		check_counters(&p);
		picker_free(&p);
	}

	/* A started piece near the end is still found first. */
	picker_init(&p, NP * PL, (uint32_t)PL, 6);
	picker_peer_add(&p, &all);
	picker_requested(&p, (NP - 2) * PICK_BPP_MAX);
	calls = 0;
	p.piece_ok = count_ok;
	assert_int_equal(picker_pick(&p, &all, NULL, &calls, &b), 1);
	assert_int_equal(b, (NP - 2) * PICK_BPP_MAX + 1);
	assert_int_equal(calls, NP - 1);	/* every piece up to it */
	/* Once it is all asked for, picks stop early again. */
	for (k = 1; k < PICK_BPP_MAX; k++)
		picker_requested(&p, (NP - 2) * PICK_BPP_MAX + k);
	assert_int_equal(p.started, 0);
	calls = 0;
	assert_int_equal(picker_pick(&p, &all, NULL, &calls, &b), 1);
	assert_true(calls <= p.window);
	check_counters(&p);
	picker_free(&p);
	bitfield_free(&all);
}

/* picker_steal: which block an idle line takes over in the endgame. */
static int
not_b(void *arg, uint32_t b)
{
	return b != *(const uint32_t *)arg;
}

static void
test_steal(void **state)
{
	static const uint32_t a[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint32_t b[6] = { 20, 21, 22, 23, 24, 25 };
	struct pick_line lines[2], mine = { NULL, 0, 0 };
	uint32_t none = UINT32_MAX, no9 = 9;
	unsigned line = 99, at = 99;

	(void)state;
	/* Same speed: the longest line's last block. */
	lines[0] = (struct pick_line){ b, 6, 50 };
	lines[1] = (struct pick_line){ a, 10, 50 };
	mine.blk_ms = 50;
	assert_int_equal(picker_steal(lines, 2, &mine, 4, not_b, &none,
	    &line, &at), 1);
	assert_int_equal(line, 1);
	assert_int_equal(at, 9);
	/* That block refused: the one before it. */
	assert_int_equal(picker_steal(lines, 2, &mine, 4, not_b, &no9,
	    &line, &at), 1);
	assert_int_equal(line, 1);
	assert_int_equal(at, 8);
	/* Even lines (mine would have it no sooner): nothing. */
	mine.n = 9;
	assert_int_equal(picker_steal(lines, 2, &mine, 4, not_b, &none,
	    &line, &at), 0);
	/* The first `skip` blocks are on their way: never taken. */
	mine.n = 0;
	lines[1].n = 4;
	lines[0].n = 4;
	assert_int_equal(picker_steal(lines, 2, &mine, 4, not_b, &none,
	    &line, &at), 0);
	/* A fast line is left alone by a slow peer... */
	lines[0] = (struct pick_line){ b, 6, 10 };
	mine.blk_ms = 100;
	assert_int_equal(picker_steal(lines, 1, &mine, 4, not_b, &none,
	    &line, &at), 0);
	/* ... and a slow one helped by a fast peer. */
	lines[0].blk_ms = 100;
	mine.blk_ms = 10;
	mine.n = 3;
	assert_int_equal(picker_steal(lines, 1, &mine, 4, not_b, &none,
	    &line, &at), 1);
	assert_int_equal(at, 5);
	/* Speeds unknown: counted in blocks. */
	lines[0].blk_ms = 0;
	mine.blk_ms = 0;
	mine.n = 4;
	assert_int_equal(picker_steal(lines, 1, &mine, 4, not_b, &none,
	    &line, &at), 1);
	assert_int_equal(at, 5);
	mine.n = 5;
	assert_int_equal(picker_steal(lines, 1, &mine, 4, not_b, &none,
	    &line, &at), 0);
}

static void
test_simulation(void **state)
{
	static const uint64_t sizes[] = {
		1, BL - 1, BL, BL + 1, PL - 1, PL, PL + 1, 2 * PL,
		3 * PL + 2 * BL + 100, 7 * PL - 1, 17 * PL + 1, 33 * PL,
		40 * PL - 3, 40 * PL
	};
	uint64_t size;
	uint32_t run, steps = 0;
	int npeers;
	size_t k;

	(void)state;
	rng_seed(0x9e37f00d);
	for (run = 0; run < 300; run++) {
		k = run % (sizeof(sizes) / sizeof(sizes[0]) + 4);
		if (k < sizeof(sizes) / sizeof(sizes[0]))
			size = sizes[k];
		else
			size = 1 + ((uint64_t)rng() << 32 | rng()) %
			    (40 * PL);
		npeers = 1 + (int)rng_below(SIM_PEERS);
		steps += sim_run(size, 1000 + run, npeers,
		    run % 2 ? 1 + rng_below(6) : 0);
	}
	assert_true(steps > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_constants),
		cmocka_unit_test(test_geometry_units),
		cmocka_unit_test(test_geometry_exact_pieces),
		cmocka_unit_test(test_geometry_short_last),
		cmocka_unit_test(test_geometry_size_zero),
		cmocka_unit_test(test_geometry_one_piece),
		cmocka_unit_test(test_geometry_one_piece_plus_one),
		cmocka_unit_test(test_started_first),
		cmocka_unit_test(test_rarest_first),
		cmocka_unit_test(test_random_ties),
		cmocka_unit_test(test_lacking_never_picked),
		cmocka_unit_test(test_nothing_to_pick),
		cmocka_unit_test(test_endgame),
		cmocka_unit_test(test_endgame_skips_verify),
		cmocka_unit_test(test_received),
		cmocka_unit_test(test_verify_fail),
		cmocka_unit_test(test_verify_ok),
		cmocka_unit_test(test_mark_done),
		cmocka_unit_test(test_unrequested),
		cmocka_unit_test_setup_teardown(
		    test_block_past_short_last_piece, picker_setup,
		    picker_teardown),
		cmocka_unit_test(test_steal),
		cmocka_unit_test(test_simulation),
		cmocka_unit_test(test_pick_stops_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
