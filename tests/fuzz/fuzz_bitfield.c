/*
 * fuzz_bitfield.c - libFuzzer harness for piece bitfields as peers send
 * them.
 *
 * The input is a u32 piece count (big-endian; a count above
 * WIRE_HASHES_MAX, which no file has, is taken modulo 1024 so that
 * random counts stay small) followed by the bytes a serving peer sends a
 * downloader after its HELLO.  They are cut into frames and decoded as a
 * connection does (a bad header or body ends the input, as the
 * connection would close), and each message is applied the way
 * client/download.c (peer_frame) applies it, with bitfield.c doing every
 * bit operation:
 *
 *	first message	P_BITFIELD: bitfield_load() into a bitfield of the
 *			piece count; anything else ends the input
 *	then		P_HAVE: a piece < count is set, else the peer is
 *			dropped; ERROR with request id b: block b's piece
 *			(b / 4, four 128 KiB blocks a piece) is cleared
 *			(download.c does so only for a block it asked that
 *			peer for; here any id will do);
 *			P_PIECE is ignored here (no bit changes); anything
 *			else drops the peer
 *
 * The file SHA1 each message carries is not compared: that is a memcmp
 * in download.c, not bitfield logic.
 *
 * Everything is checked against a model (the bytes the bitfield should
 * hold, and its count) kept by definitions independent of bitfield.c: bitfield_load() succeeds exactly
 * when the length is ceil(count / 8) and no spare bit (past the last
 * piece) is set; bits and count follow the model; bits past the count
 * read as 0 and cannot be set.  At the end the bitfield goes out again as
 * the peer server sends its own (P_BITFIELD with wire_put_blob of
 * bitfield_bytes(n) bytes), is decoded and loaded into a fresh bitfield:
 * the same bits must arrive, so set and clear never leave a spare bit
 * that a receiver would refuse.  The same bytes are also offered to
 * bitfields one piece shorter and longer (a sender that disagrees on the
 * size).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitfield.h"
#include "rbuf.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* Blocks a piece, as client/picker.h has it (PICK_BPP). */
#define BLOCKS_PER_PIECE	4

/*
 * The model: the wire bytes a bitfield of n pieces should hold (piece i
 * is bit 0x80 >> (i % 8) of byte i / 8, spare bits zero) and the count.
 */
struct model {
	uint8_t		*bytes;
	uint32_t	 n, count;
};

static uint32_t
bits_in(uint8_t v)
{
	uint32_t c = 0;

	for (; v != 0; v >>= 1)
		c += v & 1;
	return c;
}

static size_t
nbytes(uint32_t n)
{
	return (size_t)n / 8 + (n % 8 != 0);
}

static int
model_get(const struct model *md, uint32_t i)
{
	return (md->bytes[i / 8] & (0x80 >> (i % 8))) != 0;
}

static void
model_put(struct model *md, uint32_t i, int v)
{
	if (model_get(md, i) == v)
		return;
	md->bytes[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	md->count += v ? 1 : (uint32_t)-1;
}

/* Would a receiver with n pieces accept these len wire bytes? */
static int
want_load(uint32_t n, const uint8_t *p, size_t len)
{
	size_t i;

	if (len != nbytes(n))
		return 0;
	for (i = n; i < len * 8; i++)
		if (p[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static void
model_init(struct model *md, uint32_t n)
{
	md->n = n;
	md->count = 0;
	md->bytes = calloc(nbytes(n) + 1, 1);
	CHECK(md->bytes != NULL);
}

/* p passed want_load(). */
static void
model_load(struct model *md, const uint8_t *p)
{
	size_t i;

	md->count = 0;
	for (i = 0; i < nbytes(md->n); i++) {
		md->bytes[i] = p[i];
		md->count += bits_in(p[i]);
	}
}

/*
 * The whole bitfield against the model: bytes, count, full, and
 * bitfield_get() at both ends (and everywhere for small counts; pieces
 * that messages touched are checked as they change).
 */
static void
check_all(const struct bitfield *b, const struct model *md)
{
	uint32_t i;

	CHECK(b->n == md->n);
	CHECK(b->count == md->count);
	CHECK(bitfield_full(b) == (md->count == md->n));
	CHECK(nbytes(md->n) == 0 ||
	    memcmp(b->bits, md->bytes, nbytes(md->n)) == 0);
	for (i = 0; i < md->n && i < 256; i++)
		CHECK(bitfield_get(b, i) == model_get(md, i));
	for (i = md->n > 256 ? md->n - 256 : 0; i < md->n; i++)
		CHECK(bitfield_get(b, i) == model_get(md, i));
	for (i = md->n; i < md->n + 9; i++)
		CHECK(bitfield_get(b, i) == 0);
	CHECK(bitfield_get(b, UINT32_MAX) == 0);
}

/* Out-of-range set and clear change nothing (nor spare bits). */
static void
poke_outside(struct bitfield *b)
{
	uint32_t c = b->count;

	bitfield_set(b, b->n);
	bitfield_set(b, b->n + 7);
	bitfield_set(b, UINT32_MAX);
	bitfield_clear(b, b->n);
	bitfield_clear(b, UINT32_MAX);
	CHECK(b->count == c);
	CHECK(bitfield_get(b, b->n) == 0);
}

/* Load p into a fresh bitfield of n pieces; the verdict must be right. */
static void
check_load(uint32_t n, const uint8_t *p, size_t len)
{
	struct bitfield b;
	struct model md;
	int want = want_load(n, p, len);

	bitfield_init(&b, n);
	CHECK((bitfield_load(&b, p, len) == 0) == want);
	if (want) {
		model_init(&md, n);
		model_load(&md, p);
		check_all(&b, &md);
		free(md.bytes);
	}
	bitfield_free(&b);
}

/*
 * Send b as the peer server does and receive it as a downloader does:
 * the same bits must come back.  The same bytes sent to a peer that
 * thinks the file has one piece more or less must be judged right too.
 */
static void
send_back(const struct bitfield *b, const struct model *md)
{
	static const uint8_t sha[WIRE_HASH_LEN];
	struct wire_enc e;
	struct wire_hdr h;
	struct wire_msg m;
	struct bitfield got;
	struct buf out;
	const char *why = NULL;
	size_t nb = bitfield_bytes(b->n);

	buf_init(&out, WIRE_HDR + (size_t)wire_max_body(WT_P_BITFIELD));
	wire_begin(&e, &out, WT_P_BITFIELD, 9);
	wire_put_hash(&e, sha);
	wire_put_blob(&e, b->bits, (uint32_t)nb);
	/* Every file's bitfield fits: WIRE_HASHES_MAX / 8 < 64 KiB. */
	CHECK(wire_end(&e) == 0);
	CHECK(wire_frame(buf_head(&out), buf_used(&out), &h, &why) ==
	    WIRE_OK);
	CHECK(wire_decode(&h, buf_head(&out) + WIRE_HDR, &m, &why) == 0);
	CHECK(m.f[1].n == nb);

	bitfield_init(&got, b->n);
	CHECK(bitfield_load(&got, m.f[1].p, m.f[1].n) == 0);
	check_all(&got, md);
	if (nb > 0)
		CHECK(memcmp(got.bits, b->bits, nb) == 0);
	bitfield_free(&got);

	if (b->n > 0)
		check_load(b->n - 1, m.f[1].p, m.f[1].n);
	check_load(b->n + 1, m.f[1].p, m.f[1].n);
	buf_free(&out);
}

/* bitfield_fill gives every piece and no spare bit. */
static void
check_fill(uint32_t n)
{
	struct bitfield b;

	bitfield_init(&b, n);
	bitfield_fill(&b);
	CHECK(b.count == n && bitfield_full(&b));
	CHECK(want_load(n, b.bits, bitfield_bytes(n)));
	if (n > 0)
		CHECK(bitfield_get(&b, n - 1) && bitfield_get(&b, 0));
	poke_outside(&b);
	bitfield_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model md;
	struct bitfield has;
	struct wire_hdr h;
	struct wire_msg m;
	const char *why;
	uint8_t *body;
	uint32_t n, piece;
	size_t off = 4;
	int active = 0, stop = 0, refused = 0, want;

	if (size < 4)
		return 0;
	n = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3];
	if (n > WIRE_HASHES_MAX)
		n %= 1024;

	model_init(&md, n);
	bitfield_init(&has, n);
	check_all(&has, &md);

	while (!stop) {
		why = NULL;
		if (wire_frame(data + off, size - off, &h, &why) != WIRE_OK)
			break;
		/* The body in an allocation of its own size, for ASan. */
		body = malloc(h.len > 0 ? h.len : 1);
		CHECK(body != NULL);
		if (h.len > 0)
			memcpy(body, data + off + WIRE_HDR, h.len);
		off += WIRE_HDR + (size_t)h.len;
		if (wire_decode(&h, body, &m, &why) == -1) {
			free(body);
			break;
		}

		if (!active) {
			/* The answer to our WANT: a bitfield, or we stop. */
			if (h.type != WT_P_BITFIELD) {
				stop = 1;
			} else {
				want = want_load(n, m.f[1].p, m.f[1].n);
				CHECK((bitfield_load(&has, m.f[1].p,
				    m.f[1].n) == 0) == want);
				if (!want) {
					/* "bad bitfield": dropped, and the
					 * bitfield is never used. */
					stop = refused = 1;
				} else {
					model_load(&md, m.f[1].p);
					check_all(&has, &md);
					active = 1;
				}
			}
		} else if (h.type == WT_P_HAVE) {
			if (m.f[1].u >= n) {
				stop = 1;		/* "bad HAVE" */
			} else {
				piece = (uint32_t)m.f[1].u;
				if (!bitfield_get(&has, piece))
					bitfield_set(&has, piece);
				model_put(&md, piece, 1);
				CHECK(bitfield_get(&has, piece));
				CHECK(has.count == md.count);
			}
		} else if (h.type == WT_ERROR) {
			/* It no longer has the piece it was asked for. */
			piece = h.id / BLOCKS_PER_PIECE;
			if (piece < n && bitfield_get(&has, piece)) {
				bitfield_clear(&has, piece);
				model_put(&md, piece, 0);
			}
			CHECK(!bitfield_get(&has, piece));
			CHECK(has.count == md.count);
		} else if (h.type != WT_P_PIECE) {
			stop = 1;		/* "unexpected message" */
		}
		free(body);
	}

	if (!refused) {
		poke_outside(&has);
		check_all(&has, &md);
		send_back(&has, &md);
	}
	check_fill(n);
	bitfield_free(&has);
	free(md.bytes);
	return 0;
}
