/*
 * test_rbuf.c - unit tests for common/rbuf.c.
 *
 * Covers struct buf (growth capped at max: an append that would pass it
 * fails and leaves the contents alone; consume, reserve and the lazy
 * compaction of the consumed prefix; truncate; reset and free), the
 * big-endian put_be* and buf_put_* writers read back through struct rd, and
 * every rd_* call failing on short input without consuming anything.  Ends
 * with a randomized run (fixed seed) against a plain array model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rbuf.h"
#include "rng.h"

static void
fill_pattern(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i * 7);
}

static void
test_init_empty(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(b.max, 100);
	assert_null(b.data);
	buf_free(&b);
}

static void
test_append_up_to_max(void **state)
{
	uint8_t src[300], one = 0xee;
	struct buf b;
	size_t i;

	(void)state;
	fill_pattern(src, sizeof(src), 1);
	buf_init(&b, sizeof(src));
	/* In uneven chunks, so the buffer grows past its first size. */
	for (i = 0; i < sizeof(src); i += 37) {
		size_t n = sizeof(src) - i < 37 ? sizeof(src) - i : 37;

		assert_int_equal(buf_append(&b, src + i, n), 0);
		assert_true(b.cap <= b.max);
	}
	assert_int_equal(buf_used(&b), sizeof(src));
	assert_memory_equal(buf_head(&b), src, sizeof(src));

	/* One byte more fails and changes nothing. */
	assert_int_equal(buf_append(&b, &one, 1), -1);
	assert_int_equal(buf_used(&b), sizeof(src));
	assert_memory_equal(buf_head(&b), src, sizeof(src));
	assert_int_equal(buf_put_u8(&b, 1), -1);
	assert_int_equal(buf_used(&b), sizeof(src));
	buf_free(&b);
}

static void
test_append_single_over_max(void **state)
{
	uint8_t src[11];
	struct buf b;

	(void)state;
	fill_pattern(src, sizeof(src), 3);
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, src, 11), -1);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(buf_append(&b, src, 10), 0);
	assert_int_equal(buf_used(&b), 10);
	assert_memory_equal(buf_head(&b), src, 10);
	buf_free(&b);
}

static void
test_append_partial_over_max(void **state)
{
	uint8_t src[6] = { 1, 2, 3, 4, 5, 6 }, more[5] = { 9, 9, 9, 9, 9 };
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, src, 6), 0);
	assert_int_equal(buf_append(&b, more, 5), -1);
	assert_int_equal(buf_used(&b), 6);
	assert_memory_equal(buf_head(&b), src, 6);
	assert_int_equal(buf_append(&b, more, 4), 0);
	assert_int_equal(buf_used(&b), 10);
	assert_memory_equal(buf_head(&b) + 6, more, 4);
	buf_free(&b);
}

static void
test_append_huge_length(void **state)
{
	uint8_t x = 1;
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, &x, 1), 0);
	/* n near SIZE_MAX must not wrap the size check. */
	assert_null(buf_reserve(&b, SIZE_MAX));
	assert_null(buf_reserve(&b, SIZE_MAX - 1));
	assert_int_equal(buf_used(&b), 1);
	buf_free(&b);
}

static void
test_append_zero(void **state)
{
	uint8_t src[4] = { 1, 2, 3, 4 };
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(buf_append(&b, src, 0), 0);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(buf_append(&b, src, 4), 0);
	/* Full, but appending nothing still succeeds. */
	assert_int_equal(buf_append(&b, src, 0), 0);
	assert_int_equal(buf_used(&b), 4);
	buf_free(&b);
}

static void
test_small_max_caps_allocation(void **state)
{
	uint8_t src[20];
	struct buf b;

	(void)state;
	fill_pattern(src, sizeof(src), 0);
	buf_init(&b, 20);
	assert_int_equal(buf_append(&b, src, 1), 0);
	assert_true(b.cap <= 20);
	assert_int_equal(buf_append(&b, src + 1, 19), 0);
	assert_true(b.cap <= 20);
	assert_memory_equal(buf_head(&b), src, 20);
	buf_free(&b);
}

static void
test_consume_partial(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 2);
	assert_int_equal(buf_used(&b), 4);
	assert_memory_equal(buf_head(&b), "cdef", 4);
	buf_consume(&b, 0);
	assert_int_equal(buf_used(&b), 4);
	buf_consume(&b, 3);
	assert_int_equal(buf_used(&b), 1);
	assert_memory_equal(buf_head(&b), "f", 1);
	buf_free(&b);
}

static void
test_consume_all_resets(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 6);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 0);

	assert_int_equal(buf_append(&b, "xyz", 3), 0);
	buf_consume(&b, 1000);	/* more than there is */
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(b.off, 0);
	buf_free(&b);
}

static void
test_consume_then_append_compacts(void **state)
{
	uint8_t src[16], more[10], want[16];
	struct buf b;

	(void)state;
	fill_pattern(src, sizeof(src), 0x10);
	fill_pattern(more, sizeof(more), 0x80);
	buf_init(&b, 16);
	assert_int_equal(buf_append(&b, src, 16), 0);
	buf_consume(&b, 10);
	/* 6 pending + 10 new fit in 16 only once the prefix is reclaimed. */
	assert_int_equal(buf_append(&b, more, 10), 0);
	assert_int_equal(buf_used(&b), 16);
	assert_true(b.cap <= 16);
	memcpy(want, src + 10, 6);
	memcpy(want + 6, more, 10);
	assert_memory_equal(buf_head(&b), want, 16);
	/* And still nothing past max. */
	assert_int_equal(buf_append(&b, more, 1), -1);
	assert_memory_equal(buf_head(&b), want, 16);
	buf_free(&b);
}

static void
test_consume_frees_room_under_max(void **state)
{
	uint8_t src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, src, 8), 0);
	assert_int_equal(buf_append(&b, src, 1), -1);
	buf_consume(&b, 3);
	assert_int_equal(buf_append(&b, src, 3), 0);
	assert_int_equal(buf_append(&b, src, 1), -1);
	assert_memory_equal(buf_head(&b), "\4\5\6\7\10\1\2\3", 8);
	buf_free(&b);
}

static void
test_reserve_returns_tail(void **state)
{
	struct buf b;
	uint8_t *t;

	(void)state;
	buf_init(&b, 32);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	t = buf_reserve(&b, 5);
	assert_non_null(t);
	assert_ptr_equal(t, buf_head(&b) + 3);
	/* Reserving does not change what is pending. */
	assert_int_equal(buf_used(&b), 3);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): bytes */
	memcpy(t, "defgh", 5);
	b.len += 5;
	assert_int_equal(buf_used(&b), 8);
	assert_memory_equal(buf_head(&b), "abcdefgh", 8);

	assert_null(buf_reserve(&b, 25));
	assert_non_null(buf_reserve(&b, 24));
	assert_int_equal(buf_used(&b), 8);
	assert_memory_equal(buf_head(&b), "abcdefgh", 8);
	buf_free(&b);
}

static void
test_reserve_compacts_keeping_contents(void **state)
{
	uint8_t src[300], want[300];
	struct buf b;
	uint8_t *t;

	(void)state;
	fill_pattern(src, sizeof(src), 5);
	buf_init(&b, 300);
	assert_int_equal(buf_append(&b, src, 300), 0);
	buf_consume(&b, 250);
	t = buf_reserve(&b, 250);
	assert_non_null(t);
	assert_int_equal(buf_used(&b), 50);
	assert_memory_equal(buf_head(&b), src + 250, 50);
	assert_ptr_equal(t, buf_head(&b) + 50);
	memset(t, 0x5a, 250);
	b.len += 250;
	memcpy(want, src + 250, 50);
	memset(want + 50, 0x5a, 250);
	assert_memory_equal(buf_head(&b), want, 300);
	buf_free(&b);
}

static void
test_truncate(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_truncate(&b, 3);
	assert_int_equal(buf_used(&b), 3);
	assert_memory_equal(buf_head(&b), "abc", 3);
	buf_truncate(&b, 10);	/* longer than used: no change */
	assert_int_equal(buf_used(&b), 3);
	buf_truncate(&b, 3);
	assert_int_equal(buf_used(&b), 3);
	assert_int_equal(buf_append(&b, "XY", 2), 0);
	assert_memory_equal(buf_head(&b), "abcXY", 5);
	buf_truncate(&b, 0);
	assert_int_equal(buf_used(&b), 0);
	buf_free(&b);
}

static void
test_truncate_after_consume(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 2);
	/* n counts from the head, not from the start of the storage. */
	buf_truncate(&b, 2);
	assert_int_equal(buf_used(&b), 2);
	assert_memory_equal(buf_head(&b), "cd", 2);
	assert_int_equal(buf_append(&b, "Z", 1), 0);
	assert_memory_equal(buf_head(&b), "cdZ", 3);
	buf_free(&b);
}

static void
test_reset_and_free(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345678", 8), 0);
	buf_reset(&b);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(buf_append(&b, "abcdefgh", 8), 0);
	assert_int_equal(buf_append(&b, "x", 1), -1);
	assert_memory_equal(buf_head(&b), "abcdefgh", 8);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(buf_used(&b), 0);
	/* The ceiling survives buf_free; the buffer can be used again. */
	assert_int_equal(buf_append(&b, "abcdefgh", 8), 0);
	assert_int_equal(buf_append(&b, "x", 1), -1);
	buf_free(&b);
	buf_free(&b);	/* twice is harmless */
}

static void
test_put_be(void **state)
{
	uint8_t p[8];

	(void)state;
	put_be16(p, 0x1234);
	assert_memory_equal(p, "\x12\x34", 2);
	put_be32(p, 0x89abcdefu);
	assert_memory_equal(p, "\x89\xab\xcd\xef", 4);
	put_be64(p, 0x0102030405060708ull);
	assert_memory_equal(p, "\1\2\3\4\5\6\7\10", 8);
	put_be64(p, UINT64_MAX);
	assert_memory_equal(p, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	put_be16(p, 0);
	assert_memory_equal(p, "\0\0", 2);
}

static void
test_buf_put_layout(void **state)
{
	static const uint8_t want[] = {
		0xab,
		0xbe, 0xef,
		0xde, 0xad, 0xbe, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_put_u8(&b, 0xab), 0);
	assert_int_equal(buf_put_u16(&b, 0xbeef), 0);
	assert_int_equal(buf_put_u32(&b, 0xdeadbeefu), 0);
	assert_int_equal(buf_put_u64(&b, 0x0123456789abcdefull), 0);
	assert_int_equal(buf_used(&b), sizeof(want));
	assert_memory_equal(buf_head(&b), want, sizeof(want));
	buf_free(&b);
}

static void
test_put_rd_roundtrip(void **state)
{
	static const uint64_t v64[] = { 0, 1, 0xff, 0x100,
	    0x7fffffffffffffffull, 0x8000000000000000ull, UINT64_MAX,
	    0x0123456789abcdefull };
	struct buf b;
	struct rd r;
	uint64_t q;
	uint32_t u;
	uint16_t w;
	uint8_t c;
	size_t i;

	(void)state;
	buf_init(&b, 4096);
	for (i = 0; i < sizeof(v64) / sizeof(v64[0]); i++) {
		assert_int_equal(buf_put_u8(&b, (uint8_t)v64[i]), 0);
		assert_int_equal(buf_put_u16(&b, (uint16_t)v64[i]), 0);
		assert_int_equal(buf_put_u32(&b, (uint32_t)v64[i]), 0);
		assert_int_equal(buf_put_u64(&b, v64[i]), 0);
	}
	rd_init(&r, buf_head(&b), buf_used(&b));
	for (i = 0; i < sizeof(v64) / sizeof(v64[0]); i++) {
		assert_int_equal(rd_u8(&r, &c), 0);
		assert_int_equal(c, (uint8_t)v64[i]);
		assert_int_equal(rd_u16(&r, &w), 0);
		assert_int_equal(w, (uint16_t)v64[i]);
		assert_int_equal(rd_u32(&r, &u), 0);
		assert_int_equal(u, (uint32_t)v64[i]);
		assert_int_equal(rd_u64(&r, &q), 0);
		assert_true(q == v64[i]);
	}
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(rd_u8(&r, &c), -1);
	buf_free(&b);
}

static void
test_buf_put_at_ceiling(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 3);
	assert_int_equal(buf_put_u32(&b, 1), -1);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(buf_put_u64(&b, 1), -1);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(buf_put_u16(&b, 0x0102), 0);
	assert_int_equal(buf_put_u16(&b, 0x0304), -1);
	assert_int_equal(buf_used(&b), 2);
	assert_int_equal(buf_put_u8(&b, 0x05), 0);
	assert_int_equal(buf_put_u8(&b, 0x06), -1);
	assert_memory_equal(buf_head(&b), "\1\2\5", 3);
	buf_free(&b);
}

static void
test_rd_short_u8(void **state)
{
	uint8_t c = 0x77;
	struct rd r;

	(void)state;
	rd_init(&r, "", 0);
	assert_int_equal(rd_u8(&r, &c), -1);
	assert_int_equal(r.off, 0);
	assert_int_equal(rd_left(&r), 0);
}

static void
test_rd_short_u16(void **state)
{
	static const uint8_t d[1] = { 0x42 };
	uint16_t w;
	uint8_t c;
	struct rd r;

	(void)state;
	rd_init(&r, d, 0);
	assert_int_equal(rd_u16(&r, &w), -1);
	assert_int_equal(r.off, 0);
	rd_init(&r, d, 1);
	assert_int_equal(rd_u16(&r, &w), -1);
	assert_int_equal(r.off, 0);
	assert_int_equal(rd_u8(&r, &c), 0);
	assert_int_equal(c, 0x42);
}

static void
test_rd_short_u32(void **state)
{
	static const uint8_t d[3] = { 1, 2, 3 };
	uint32_t u;
	size_t n;
	struct rd r;

	(void)state;
	for (n = 0; n < 4; n++) {
		rd_init(&r, d, n);
		assert_int_equal(rd_u32(&r, &u), -1);
		assert_int_equal(r.off, 0);
		assert_int_equal(rd_left(&r), n);
	}
}

static void
test_rd_short_u64(void **state)
{
	static const uint8_t d[7] = { 1, 2, 3, 4, 5, 6, 7 };
	uint64_t q;
	uint32_t u;
	size_t n;
	struct rd r;

	(void)state;
	for (n = 0; n < 8; n++) {
		rd_init(&r, d, n);
		assert_int_equal(rd_u64(&r, &q), -1);
		assert_int_equal(r.off, 0);
	}
	/* Enough for a u32 but not a u64: the u32 is still there after. */
	rd_init(&r, d, 7);
	assert_int_equal(rd_u64(&r, &q), -1);
	assert_int_equal(rd_u32(&r, &u), 0);
	assert_int_equal(u, 0x01020304);
}

static void
test_rd_short_bytes(void **state)
{
	static const uint8_t d[4] = { 9, 8, 7, 6 };
	const uint8_t *p = NULL;
	struct rd r;

	(void)state;
	rd_init(&r, d, 4);
	assert_int_equal(rd_bytes(&r, &p, 5), -1);
	assert_int_equal(r.off, 0);
	assert_int_equal(rd_bytes(&r, &p, SIZE_MAX), -1);
	assert_int_equal(r.off, 0);
	assert_int_equal(rd_bytes(&r, &p, 3), 0);
	assert_ptr_equal(p, d);
	assert_int_equal(rd_bytes(&r, &p, 2), -1);
	assert_int_equal(r.off, 3);
	assert_int_equal(rd_bytes(&r, &p, SIZE_MAX), -1);
	assert_int_equal(r.off, 3);
	assert_int_equal(rd_bytes(&r, &p, 1), 0);
	assert_ptr_equal(p, d + 3);
	/* Zero bytes at the end is fine. */
	assert_int_equal(rd_bytes(&r, &p, 0), 0);
	assert_int_equal(rd_left(&r), 0);
}

static void
test_rd_short_midstream(void **state)
{
	static const uint8_t d[5] = { 0xde, 0xad, 0xbe, 0xef, 0x99 };
	uint64_t q;
	uint32_t u;
	uint16_t w;
	uint8_t c;
	struct rd r;

	(void)state;
	rd_init(&r, d, sizeof(d));
	assert_int_equal(rd_u32(&r, &u), 0);
	assert_int_equal(u, 0xdeadbeefu);
	assert_int_equal(rd_u16(&r, &w), -1);
	assert_int_equal(rd_u32(&r, &u), -1);
	assert_int_equal(rd_u64(&r, &q), -1);
	assert_int_equal(r.off, 4);
	assert_int_equal(rd_left(&r), 1);
	assert_int_equal(rd_u8(&r, &c), 0);
	assert_int_equal(c, 0x99);
	assert_int_equal(rd_u8(&r, &c), -1);
	assert_int_equal(r.off, 5);
}

static void
test_rd_exact_heap(void **state)
{
	uint8_t *d;
	uint64_t q;
	struct rd r;

	(void)state;
	/* An exact-size allocation: ASan flags any read past its end. */
	d = malloc(8);
	assert_non_null(d);
	memcpy(d, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	rd_init(&r, d, 8);
	assert_int_equal(rd_u64(&r, &q), 0);
	assert_true(q == 0x0102030405060708ull);
	assert_int_equal(rd_u64(&r, &q), -1);
	free(d);
}

/* Random appends, consumes, truncates and reserves against an array model. */
static void
test_random_model(void **state)
{
	enum { MAX = 700, ITER = 20000 };
	static uint8_t model[MAX];
	uint8_t chunk[MAX + 10];
	size_t mlen = 0, n, i;
	struct buf b;
	uint8_t *t;
	int it;

	(void)state;
	rng_seed(0x7262756675ull);
	buf_init(&b, MAX);
	for (it = 0; it < ITER; it++) {
		switch (rng_below(5)) {
		case 0:
		case 1:
			n = rng_below(rng_below(4) == 0 ? MAX + 10 : 40);
			for (i = 0; i < n; i++)
				chunk[i] = (uint8_t)rng();
			if (mlen + n <= MAX) {
				assert_int_equal(buf_append(&b, chunk, n), 0);
				memcpy(model + mlen, chunk, n);
				mlen += n;
			} else
				assert_int_equal(buf_append(&b, chunk, n), -1);
			break;
		case 2:
			n = rng_below((uint32_t)mlen + 5);
			buf_consume(&b, n);
			if (n >= mlen)
				mlen = 0;
			else {
				memmove(model, model + n, mlen - n);
				mlen -= n;
			}
			break;
		case 3:
			n = rng_below((uint32_t)mlen + 5);
			buf_truncate(&b, n);
			if (n < mlen)
				mlen = n;
			break;
		case 4:
			n = 1 + rng_below(MAX + 10);
			t = buf_reserve(&b, n);
			if (mlen + n <= MAX) {
				assert_non_null(t);
				assert_ptr_equal(t, buf_head(&b) + mlen);
				/* Use some of it, as wire_begin does. */
				n = rng_below((uint32_t)n + 1);
				for (i = 0; i < n; i++)
					t[i] = model[mlen + i] = (uint8_t)rng();
				b.len += n;
				mlen += n;
			} else
				assert_null(t);
			break;
		}
		assert_int_equal(buf_used(&b), mlen);
		assert_true(b.cap <= MAX);
		if (mlen > 0)
			assert_memory_equal(buf_head(&b), model, mlen);
	}
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_append_up_to_max),
		cmocka_unit_test(test_append_single_over_max),
		cmocka_unit_test(test_append_partial_over_max),
		cmocka_unit_test(test_append_huge_length),
		cmocka_unit_test(test_append_zero),
		cmocka_unit_test(test_small_max_caps_allocation),
		cmocka_unit_test(test_consume_partial),
		cmocka_unit_test(test_consume_all_resets),
		cmocka_unit_test(test_consume_then_append_compacts),
		cmocka_unit_test(test_consume_frees_room_under_max),
		cmocka_unit_test(test_reserve_returns_tail),
		cmocka_unit_test(test_reserve_compacts_keeping_contents),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_truncate_after_consume),
		cmocka_unit_test(test_reset_and_free),
		cmocka_unit_test(test_put_be),
		cmocka_unit_test(test_buf_put_layout),
		cmocka_unit_test(test_put_rd_roundtrip),
		cmocka_unit_test(test_buf_put_at_ceiling),
		cmocka_unit_test(test_rd_short_u8),
		cmocka_unit_test(test_rd_short_u16),
		cmocka_unit_test(test_rd_short_u32),
		cmocka_unit_test(test_rd_short_u64),
		cmocka_unit_test(test_rd_short_bytes),
		cmocka_unit_test(test_rd_short_midstream),
		cmocka_unit_test(test_rd_exact_heap),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
