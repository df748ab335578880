/*
 * picker.c - piece and block choice (see picker.h).
 *
 * A pick is one pass over the pieces (8,192 units for a GiB), from the
 * first open one, and it stops once nothing further on can change its
 * choice: its window of ties found at the least availability of any piece
 * not DONE (hist), and no started piece (which a pick would take first)
 * left anywhere.  So it picks what a whole pass would, mostly in a few
 * steps: with every piece at every source the pass was 9% of a 4-seeder
 * download's CPU.  Owns only the struct picker it is
 * given; allocates in picker_init() alone, and never does I/O or reads a
 * clock, so the unit tests drive it whole.
 */
#include "picker.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"


static uint64_t
next_rand(struct picker *p)
{
	/* xorshift64*: plenty for tie-breaking. */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 0x2545f4914f6cdd1dull;
}

/* Open: wanted, with a block no one was asked for. */
static int
is_open(const struct picker *p, uint32_t i)
{
	return p->state[i] == PIECE_NEED && p->unreq[i] > 0;
}

static int
is_started(const struct picker *p, uint32_t i)
{
	return p->touched[i] && is_open(p, i);
}

/* After piece i changed (was: is_started() before): the counts follow. */
static void
settle(struct picker *p, uint32_t i, int was)
{
	p->started = p->started + (uint32_t)is_started(p, i) - (uint32_t)was;
	if (i < p->open && is_open(p, i))
		p->open = i;
}

static unsigned
bucket(uint16_t avail)
{
	return avail < PICK_HIST - 1 ? avail : PICK_HIST - 1;
}

/* Piece i's availability becomes b (hist counts it while not DONE). */
static void
avail_set(struct picker *p, uint32_t i, uint16_t b)
{
	if (p->state[i] != PIECE_DONE) {
		p->hist[bucket(p->avail[i])]--;
		p->hist[bucket(b)]++;
	}
	p->avail[i] = b;
}

/* Piece i (not DONE) becomes DONE. */
static void
hist_done(struct picker *p, uint32_t i)
{
	p->hist[bucket(p->avail[i])]--;
}

/*
 * The least availability a piece some peer has (>= 1) and not DONE can
 * have, or 0 if that is not known exactly (the last bucket).
 */
static unsigned
least_avail(const struct picker *p)
{
	unsigned a;

	for (a = 1; a < PICK_HIST - 1; a++)
		if (p->hist[a] > 0)
			return a;
	return 0;
}

void
picker_init(struct picker *p, uint64_t size, uint32_t plen, uint64_t seed)
{
	uint32_t i;

	memset(p, 0, sizeof(*p));
	p->size = size;
	p->plen = plen >= PICK_BLOCK && plen <= WIRE_PIECE_LEN &&
	    plen % PICK_BLOCK == 0 ? plen : WIRE_PIECE_LEN;
	p->bpp = p->plen / PICK_BLOCK;
	p->npieces = (uint32_t)wire_parts(size, p->plen);
	p->nblocks = p->npieces * p->bpp;
	p->have = xcalloc(p->nblocks + 1, 1);
	p->reqs = xcalloc(p->nblocks + 1, 1);
	p->state = xcalloc(p->npieces + 1, 1);
	p->unreq = xcalloc(p->npieces + 1, 1);
	p->touched = xcalloc(p->npieces + 1, 1);
	p->avail = xcalloc(p->npieces + 1, sizeof(*p->avail));
	p->window = PICK_WINDOW;
	p->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	for (i = 0; i < p->npieces; i++) {
		p->unreq[i] = (uint8_t)picker_blocks(p, i);
		p->unrequested += p->unreq[i];
	}
	p->hist[0] = p->npieces;
}

void
picker_free(struct picker *p)
{
	free(p->have);
	free(p->reqs);
	free(p->state);
	free(p->unreq);
	free(p->touched);
	free(p->avail);
	memset(p, 0, sizeof(*p));
}

uint32_t
picker_piece_len(const struct picker *p, uint32_t piece)
{
	uint64_t off = (uint64_t)piece * p->plen;

	if (piece >= p->npieces)
		return 0;
	return p->size - off < p->plen ? (uint32_t)(p->size - off) :
	    p->plen;
}

uint32_t
picker_blocks(const struct picker *p, uint32_t piece)
{
	return (picker_piece_len(p, piece) + PICK_BLOCK - 1) / PICK_BLOCK;
}

void
picker_block(const struct picker *p, uint32_t b, uint32_t *piece,
    uint32_t *off, uint32_t *len)
{
	uint32_t plen;

	*piece = b / p->bpp;
	*off = (b % p->bpp) * PICK_BLOCK;
	plen = picker_piece_len(p, *piece);
	*len = plen - *off < PICK_BLOCK ? plen - *off : PICK_BLOCK;
}

void
picker_peer_add(struct picker *p, const struct bitfield *has)
{
	uint32_t i;

	for (i = 0; i < p->npieces; i++)
		if (bitfield_get(has, i) && p->avail[i] < UINT16_MAX)
			avail_set(p, i, p->avail[i] + 1);
}

void
picker_peer_remove(struct picker *p, const struct bitfield *has)
{
	uint32_t i;

	for (i = 0; i < p->npieces; i++)
		if (bitfield_get(has, i) && p->avail[i] > 0)
			avail_set(p, i, p->avail[i] - 1);
}

void
picker_peer_have(struct picker *p, uint32_t piece)
{
	if (piece < p->npieces && p->avail[piece] < UINT16_MAX)
		avail_set(p, piece, p->avail[piece] + 1);
}

/* A block that holds data: inside the file, not past a short piece. */
static int
valid_block(const struct picker *p, uint32_t b)
{
	return b < p->nblocks &&
	    b % p->bpp < picker_blocks(p, b / p->bpp);
}

void
picker_peer_unhave(struct picker *p, uint32_t piece)
{
	if (piece < p->npieces && p->avail[piece] > 0)
		avail_set(p, piece, p->avail[piece] - 1);
}

/* First block of piece i that is missing and not asked for. */
static int
first_unrequested(const struct picker *p, uint32_t i, uint32_t *block)
{
	uint32_t b, n = picker_blocks(p, i);

	for (b = i * p->bpp; b < i * p->bpp + n; b++)
		if (!p->have[b] && p->reqs[b] == 0) {
			*block = b;
			return 1;
		}
	return 0;
}

static int
pick_endgame(struct picker *p, const struct bitfield *has,
    int (*asked)(void *, uint32_t), void *arg, uint32_t *block)
{
	uint32_t i, b, n, best = 0;
	int found = 0;

	for (i = p->first; i < p->npieces; i++) {
		if (p->state[i] != PIECE_NEED || !bitfield_get(has, i) ||
		    (p->piece_ok != NULL && !p->piece_ok(arg, i)))
			continue;
		n = picker_blocks(p, i);
		for (b = i * p->bpp; b < i * p->bpp + n; b++) {
			if (p->have[b] || p->reqs[b] >= PICK_MAX_DUP ||
			    (asked != NULL && asked(arg, b)))
				continue;
			if (!found || p->reqs[b] < p->reqs[best]) {
				best = b;
				found = 1;
			}
		}
	}
	if (found)
		*block = best;
	return found;
}

int
picker_pick(struct picker *p, const struct bitfield *has,
    int (*asked)(void *, uint32_t), void *arg, uint32_t *block)
{
	uint32_t i, best = 0, ties = 0;
	unsigned min = UINT16_MAX + 1u, least;

	if (p->unrequested == 0)
		return pick_endgame(p, has, asked, arg, block);
	while (p->open < p->npieces && !is_open(p, p->open))
		p->open++;
	least = least_avail(p);
	/* Over the pieces the peer has, skipping its gaps word by word. */
	for (i = bitfield_next(has, p->open); i < p->npieces;
	    i = bitfield_next(has, i + 1)) {
		if (ties == p->window && min == least && p->started == 0)
			break;
		if (!is_open(p, i) ||
		    (p->piece_ok != NULL && !p->piece_ok(arg, i)))
			continue;
		if (p->touched[i])
			return first_unrequested(p, i, block);
		if (p->avail[i] < min) {
			min = p->avail[i];
			best = i;
			ties = 1;
		} else if (p->avail[i] == min && ties < p->window) {
			/* Reservoir sampling over the first `window` ties. */
			ties++;
			if (next_rand(p) % ties == 0)
				best = i;
		}
	}
	if (ties == 0)
		return 0;
	return first_unrequested(p, best, block);
}

void
picker_requested(struct picker *p, uint32_t b)
{
	uint32_t i = b / p->bpp;
	int was;

	if (!valid_block(p, b))
		return;
	was = is_started(p, i);
	if (p->reqs[b] == 0 && !p->have[b] && p->state[i] == PIECE_NEED) {
		p->unreq[i]--;
		p->unrequested--;
	}
	if (p->reqs[b] < UINT8_MAX)
		p->reqs[b]++;
	p->touched[i] = 1;
	settle(p, i, was);
}

void
picker_unrequested(struct picker *p, uint32_t b)
{
	uint32_t i = b / p->bpp;
	int was;

	if (!valid_block(p, b) || p->reqs[b] == 0)
		return;
	was = is_started(p, i);
	p->reqs[b]--;
	if (p->reqs[b] == 0 && !p->have[b] && p->state[i] == PIECE_NEED) {
		p->unreq[i]++;
		p->unrequested++;
	}
	settle(p, i, was);
}

int
picker_received(struct picker *p, uint32_t b)
{
	uint32_t i = b / p->bpp, n, k;
	int was;

	if (!valid_block(p, b) || p->have[b] || p->state[i] != PIECE_NEED)
		return -1;
	was = is_started(p, i);
	if (p->reqs[b] == 0) {
		/* Unasked-for data is refused by the caller; count it anyway. */
		p->unreq[i]--;
		p->unrequested--;
	}
	p->reqs[b] = 0;
	p->have[b] = 1;
	p->touched[i] = 1;
	n = picker_blocks(p, i);
	for (k = i * p->bpp; k < i * p->bpp + n; k++)
		if (!p->have[k]) {
			settle(p, i, was);
			return 0;
		}
	p->state[i] = PIECE_VERIFY;
	settle(p, i, was);
	return 1;
}

/* Past the pieces DONE from the start: no scan looks at them again. */
static void
advance_first(struct picker *p)
{
	while (p->first < p->npieces && p->state[p->first] == PIECE_DONE)
		p->first++;
}

void
picker_verified(struct picker *p, uint32_t piece, int ok)
{
	uint32_t b, n;

	if (piece >= p->npieces || p->state[piece] != PIECE_VERIFY)
		return;
	if (ok) {
		hist_done(p, piece);
		p->state[piece] = PIECE_DONE;
		p->done++;
		advance_first(p);
		return;
	}
	n = picker_blocks(p, piece);
	for (b = piece * p->bpp; b < piece * p->bpp + n; b++) {
		p->have[b] = 0;
		if (p->reqs[b] == 0) {
			p->unreq[piece]++;
			p->unrequested++;
		}
	}
	p->state[piece] = PIECE_NEED;
	p->touched[piece] = 0;
	settle(p, piece, 0);
}

void
picker_mark_done(struct picker *p, uint32_t piece)
{
	uint32_t b, n;
	int was;

	if (piece >= p->npieces || p->state[piece] == PIECE_DONE)
		return;
	was = is_started(p, piece);
	n = picker_blocks(p, piece);
	for (b = piece * p->bpp; b < piece * p->bpp + n; b++)
		p->have[b] = 1;
	if (p->state[piece] == PIECE_NEED) {
		p->unrequested -= p->unreq[piece];
		p->unreq[piece] = 0;
	}
	hist_done(p, piece);
	p->state[piece] = PIECE_DONE;
	settle(p, piece, was);
	p->done++;
	advance_first(p);
}

/* When block i of a line comes, in ms from now (t: a block's ms). */
static uint64_t
line_ms(unsigned i, uint64_t t)
{
	return (uint64_t)(i + 1) * t;
}

int
picker_steal(const struct pick_line *lines, unsigned nlines,
    const struct pick_line *mine, unsigned skip,
    int (*ok)(void *, uint32_t), void *arg, unsigned *line, unsigned *at)
{
	uint64_t tm, tl, soonest, best = 0;
	unsigned k, i;
	int found = 0;

	for (k = 0; k < nlines; k++) {
		const struct pick_line *l = &lines[k];

		if (l->n <= skip)
			continue;
		/* An unknown speed is taken to be the other's. */
		tm = mine->blk_ms != 0 ? mine->blk_ms : l->blk_ms;
		tl = l->blk_ms != 0 ? l->blk_ms : tm;
		if (tm == 0)
			tm = tl = 1;
		soonest = line_ms(mine->n, tm);
		if (line_ms(l->n - 1, tl) <= soonest ||
		    (found && line_ms(l->n - 1, tl) <= best))
			continue;
		for (i = l->n; i-- > skip && line_ms(i, tl) > soonest;)
			if (ok(arg, l->req[i])) {
				*line = k;
				*at = i;
				best = line_ms(l->n - 1, tl);
				found = 1;
				break;
			}
	}
	return found;
}
