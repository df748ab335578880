/*
 * test_bitfield.c - unit tests for common/bitfield.c.
 *
 * Covers: init (all clear, count 0, the wire size ceil(n / 8)); set, clear
 * and get with the count following, both idempotent, and the wire layout
 * (piece 0 is 0x80 of byte 0); indices at or past n ignored by set and
 * clear and read as 0 by get; fill for n a multiple of 8 and not, with the
 * spare bits of the last byte left zero; bitfield_load refusing a length
 * other than bitfield_bytes(n) and any spare bit set, leaving the field as
 * it was, and a load roundtrip that recounts the bits; n = 0 throughout.
 * Ends with a randomized run (fixed seed) against a plain array model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bitfield.h"
#include "rng.h"

/* The count, recomputed from the bits of the first n pieces. */
static uint32_t
slow_count(const struct bitfield *b)
{
	uint32_t i, c = 0;

	for (i = 0; i < b->n; i++)
		if (bitfield_get(b, i))
			c++;
	return c;
}

static void
test_bytes(void **state)
{
	(void)state;
	assert_int_equal(bitfield_bytes(0), 0);
	assert_int_equal(bitfield_bytes(1), 1);
	assert_int_equal(bitfield_bytes(7), 1);
	assert_int_equal(bitfield_bytes(8), 1);
	assert_int_equal(bitfield_bytes(9), 2);
	assert_int_equal(bitfield_bytes(16), 2);
	assert_int_equal(bitfield_bytes(17), 3);
	assert_int_equal(bitfield_bytes(UINT32_MAX), 536870912ull);
}

static void
test_init_clear(void **state)
{
	static const uint32_t ns[] = { 1, 7, 8, 9, 63, 64, 65, 1000 };
	struct bitfield b;
	size_t k, j;
	uint32_t i;

	(void)state;
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		bitfield_init(&b, ns[k]);
		assert_non_null(b.bits);
		assert_int_equal(b.n, ns[k]);
		assert_int_equal(b.count, 0);
		assert_false(bitfield_full(&b));
		for (j = 0; j < bitfield_bytes(ns[k]); j++)
			assert_int_equal(b.bits[j], 0);
		for (i = 0; i < ns[k]; i++)
			assert_int_equal(bitfield_get(&b, i), 0);
		bitfield_free(&b);
		assert_null(b.bits);
		assert_int_equal(b.n, 0);
		assert_int_equal(b.count, 0);
	}
}

static void
test_set_clear_get(void **state)
{
	struct bitfield b;
	uint32_t i;

	(void)state;
	bitfield_init(&b, 20);
	bitfield_set(&b, 0);
	assert_int_equal(b.bits[0], 0x80);
	assert_int_equal(b.count, 1);
	assert_true(bitfield_get(&b, 0));
	assert_false(bitfield_get(&b, 1));

	bitfield_set(&b, 7);
	assert_int_equal(b.bits[0], 0x81);
	bitfield_set(&b, 8);
	assert_int_equal(b.bits[1], 0x80);
	bitfield_set(&b, 19);
	assert_int_equal(b.bits[2], 0x10);
	assert_int_equal(b.count, 4);
	for (i = 0; i < 20; i++)
		assert_int_equal(bitfield_get(&b, i),
		    i == 0 || i == 7 || i == 8 || i == 19);

	bitfield_clear(&b, 7);
	assert_int_equal(b.bits[0], 0x80);
	assert_int_equal(b.count, 3);
	assert_false(bitfield_get(&b, 7));
	assert_true(bitfield_get(&b, 0));
	assert_true(bitfield_get(&b, 8));
	bitfield_free(&b);
}

static void
test_set_clear_idempotent(void **state)
{
	struct bitfield b;

	(void)state;
	bitfield_init(&b, 10);
	bitfield_set(&b, 3);
	bitfield_set(&b, 3);
	bitfield_set(&b, 3);
	assert_int_equal(b.count, 1);
	assert_true(bitfield_get(&b, 3));
	assert_int_equal(b.bits[0], 0x10);

	bitfield_clear(&b, 3);
	bitfield_clear(&b, 3);
	assert_int_equal(b.count, 0);
	assert_false(bitfield_get(&b, 3));
	assert_int_equal(b.bits[0], 0);

	/* Clearing a bit never set leaves the count alone. */
	bitfield_set(&b, 9);
	bitfield_clear(&b, 4);
	assert_int_equal(b.count, 1);
	assert_true(bitfield_get(&b, 9));
	bitfield_free(&b);
}

static void
test_out_of_range(void **state)
{
	struct bitfield b;

	(void)state;
	bitfield_init(&b, 10);
	/* Set or clear past n does nothing, spare bits stay zero. */
	bitfield_set(&b, 10);
	bitfield_set(&b, 15);
	bitfield_set(&b, 16);
	bitfield_set(&b, UINT32_MAX);
	assert_int_equal(b.count, 0);
	assert_int_equal(b.bits[0], 0);
	assert_int_equal(b.bits[1], 0);

	bitfield_fill(&b);
	assert_int_equal(b.count, 10);
	bitfield_clear(&b, 10);
	bitfield_clear(&b, UINT32_MAX);
	assert_int_equal(b.count, 10);

	/* get past n is 0 even with every piece set. */
	assert_int_equal(bitfield_get(&b, 9), 1);
	assert_int_equal(bitfield_get(&b, 10), 0);
	assert_int_equal(bitfield_get(&b, 15), 0);
	assert_int_equal(bitfield_get(&b, 16), 0);
	assert_int_equal(bitfield_get(&b, 1u << 20), 0);
	assert_int_equal(bitfield_get(&b, UINT32_MAX), 0);
	bitfield_free(&b);
}

/* Forces a spare bit in memory: get must still answer 0 past n. */
static void
test_get_ignores_spare_memory(void **state)
{
	struct bitfield b;

	(void)state;
	bitfield_init(&b, 3);
	b.bits[0] = 0xff;
	assert_int_equal(bitfield_get(&b, 2), 1);
	assert_int_equal(bitfield_get(&b, 3), 0);
	assert_int_equal(bitfield_get(&b, 7), 0);
	bitfield_free(&b);
}

static void
test_fill_multiple_of_8(void **state)
{
	static const uint32_t ns[] = { 8, 16, 64, 1024 };
	struct bitfield b;
	size_t k, j;

	(void)state;
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		bitfield_init(&b, ns[k]);
		bitfield_set(&b, 1);
		bitfield_fill(&b);
		assert_int_equal(b.count, ns[k]);
		assert_true(bitfield_full(&b));
		for (j = 0; j < bitfield_bytes(ns[k]); j++)
			assert_int_equal(b.bits[j], 0xff);
		assert_int_equal(slow_count(&b), ns[k]);
		bitfield_free(&b);
	}
}

static void
test_fill_not_multiple_of_8(void **state)
{
	static const uint32_t ns[] = { 1, 2, 3, 5, 7, 9, 15, 17, 63, 1001 };
	static const uint8_t last[8] = {
		0xff, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe
	};
	struct bitfield b;
	size_t k, j, nb;

	(void)state;
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		bitfield_init(&b, ns[k]);
		bitfield_fill(&b);
		nb = bitfield_bytes(ns[k]);
		assert_int_equal(b.count, ns[k]);
		assert_true(bitfield_full(&b));
		for (j = 0; j + 1 < nb; j++)
			assert_int_equal(b.bits[j], 0xff);
		/* Spare bits of the last byte are zero. */
		assert_int_equal(b.bits[nb - 1], last[ns[k] & 7]);
		assert_int_equal(slow_count(&b), ns[k]);
		/* Fill twice: same. */
		bitfield_fill(&b);
		assert_int_equal(b.count, ns[k]);
		assert_int_equal(b.bits[nb - 1], last[ns[k] & 7]);
		/* Clearing from full counts down. */
		bitfield_clear(&b, ns[k] - 1);
		assert_int_equal(b.count, ns[k] - 1);
		assert_false(bitfield_full(&b));
		bitfield_free(&b);
	}
}

static void
test_load_length_mismatch(void **state)
{
	uint8_t wire[8] = { 0xaa, 0x55, 0, 0, 0, 0, 0, 0 };
	struct bitfield b;

	(void)state;
	bitfield_init(&b, 12);		/* 2 bytes */
	bitfield_set(&b, 5);
	assert_int_equal(bitfield_load(&b, wire, 0), -1);
	assert_int_equal(bitfield_load(&b, wire, 1), -1);
	assert_int_equal(bitfield_load(&b, wire, 3), -1);
	assert_int_equal(bitfield_load(&b, wire, 8), -1);
	/* Left as it was. */
	assert_int_equal(b.count, 1);
	assert_int_equal(b.bits[0], 0x04);
	assert_int_equal(b.bits[1], 0);
	bitfield_free(&b);

	bitfield_init(&b, 16);		/* 2 bytes exactly */
	assert_int_equal(bitfield_load(&b, wire, 1), -1);
	assert_int_equal(bitfield_load(&b, wire, 3), -1);
	assert_int_equal(b.count, 0);
	assert_int_equal(bitfield_load(&b, wire, 2), 0);
	assert_int_equal(b.count, 8);
	bitfield_free(&b);
}

static void
test_load_spare_bits_refused(void **state)
{
	uint8_t wire[2];
	struct bitfield b;
	uint32_t n, bit;

	(void)state;
	for (n = 9; n < 16; n++) {
		bitfield_init(&b, n);
		/* Each spare bit alone, with all real bits set. */
		for (bit = n; bit < 16; bit++) {
			wire[0] = 0xff;
			wire[1] = (uint8_t)(0xff00u >> (n & 7));
			wire[1] |= (uint8_t)(0x80u >> (bit & 7));
			assert_int_equal(bitfield_load(&b, wire, 2), -1);
			assert_int_equal(b.count, 0);
			assert_int_equal(b.bits[0], 0);
			assert_int_equal(b.bits[1], 0);
		}
		/* Without spare bits it loads. */
		wire[0] = 0xff;
		wire[1] = (uint8_t)(0xff00u >> (n & 7));
		assert_int_equal(bitfield_load(&b, wire, 2), 0);
		assert_int_equal(b.count, n);
		assert_true(bitfield_full(&b));
		bitfield_free(&b);
	}

	/* n = 1: only 0x80 may be set. */
	bitfield_init(&b, 1);
	wire[0] = 0x40;
	assert_int_equal(bitfield_load(&b, wire, 1), -1);
	wire[0] = 0x01;
	assert_int_equal(bitfield_load(&b, wire, 1), -1);
	wire[0] = 0x80;
	assert_int_equal(bitfield_load(&b, wire, 1), 0);
	assert_int_equal(b.count, 1);
	bitfield_free(&b);
}

static void
test_load_roundtrip(void **state)
{
	static const uint32_t ns[] = { 1, 7, 8, 9, 30, 64, 100, 257 };
	struct bitfield a, b;
	uint8_t *wire;
	size_t k, nb;
	uint32_t i;

	(void)state;
	rng_seed(0xb17f1e1d);
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		bitfield_init(&a, ns[k]);
		bitfield_init(&b, ns[k]);
		for (i = 0; i < ns[k]; i++)
			if (rng_below(3) == 0)
				bitfield_set(&a, i);
		nb = bitfield_bytes(ns[k]);
		/* Exact-size copy so ASan sees any overread. */
		wire = malloc(nb);
		assert_non_null(wire);
		memcpy(wire, a.bits, nb);
		/* b starts with other bits, all replaced. */
		bitfield_set(&b, 0);
		bitfield_set(&b, ns[k] - 1);
		assert_int_equal(bitfield_load(&b, wire, nb), 0);
		assert_int_equal(b.count, a.count);
		assert_int_equal(slow_count(&b), a.count);
		assert_memory_equal(b.bits, a.bits, nb);
		for (i = 0; i < ns[k]; i++)
			assert_int_equal(bitfield_get(&b, i),
			    bitfield_get(&a, i));
		free(wire);
		bitfield_free(&a);
		bitfield_free(&b);
	}

	/* All zero and all one. */
	bitfield_init(&a, 13);
	bitfield_fill(&a);
	bitfield_init(&b, 13);
	bitfield_fill(&b);
	wire = calloc(2, 1);
	assert_non_null(wire);
	assert_int_equal(bitfield_load(&b, wire, 2), 0);
	assert_int_equal(b.count, 0);
	assert_int_equal(bitfield_load(&b, a.bits, 2), 0);
	assert_int_equal(b.count, 13);
	assert_true(bitfield_full(&b));
	free(wire);
	bitfield_free(&a);
	bitfield_free(&b);
}

static void
test_zero_pieces(void **state)
{
	uint8_t byte = 0;
	struct bitfield b;

	(void)state;
	bitfield_init(&b, 0);
	assert_non_null(b.bits);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.count, 0);
	assert_true(bitfield_full(&b));
	assert_int_equal(bitfield_get(&b, 0), 0);
	assert_int_equal(bitfield_get(&b, UINT32_MAX), 0);
	bitfield_set(&b, 0);
	assert_int_equal(b.count, 0);
	bitfield_clear(&b, 0);
	assert_int_equal(b.count, 0);
	bitfield_fill(&b);
	assert_int_equal(b.count, 0);
	assert_true(bitfield_full(&b));
	assert_int_equal(bitfield_load(&b, &byte, 1), -1);
	assert_int_equal(bitfield_load(&b, NULL, 0), 0);
	assert_int_equal(bitfield_load(&b, &byte, 0), 0);
	assert_int_equal(b.count, 0);
	bitfield_free(&b);
}

static uint32_t
naive_next(const uint8_t *model, uint32_t n, uint32_t i)
{
	for (; i < n; i++)
		if (model[i])
			return i;
	return n;
}

/*
 * bitfield_next over sparse fields, bits at and around byte and word
 * edges, every start checked; and a spare bit in memory is not found.
 */
static void
test_next(void **state)
{
	enum { N = 5000 };
	static const uint32_t at[] = { 0, 7, 8, 63, 64, 65, 127, 128, 1000,
	    1001, 4095, 4096, 4991, 4999 };
	static uint8_t model[N];
	struct bitfield b;
	uint32_t i, k, n, round;

	(void)state;
	rng_seed(0xb17e57);
	for (round = 0; round < 40; round++) {
		n = round < 20 ? N - rng_below(20) : 1 + rng_below(N);
		bitfield_init(&b, n);
		memset(model, 0, sizeof(model));
		assert_int_equal(bitfield_next(&b, 0), n);
		for (k = 0; k < round % 10; k++) {
			i = round % 2 ? at[rng_below(sizeof(at) /
			    sizeof(at[0]))] : rng_below(n);
			bitfield_set(&b, i);
			if (i < n)
				model[i] = 1;
		}
		for (i = 0; i < n + 70; i++)
			assert_int_equal(bitfield_next(&b, i),
			    naive_next(model, n, i));
		assert_int_equal(bitfield_next(&b, UINT32_MAX), n);
		bitfield_free(&b);
	}
	bitfield_init(&b, 3);
	b.bits[0] = 0x1f;	/* pieces 3-7 do not exist */
	assert_int_equal(bitfield_next(&b, 0), 3);
	b.bits[0] = 0x3f;
	assert_int_equal(bitfield_next(&b, 0), 2);
	bitfield_free(&b);
}

static void
test_random_model(void **state)
{
	uint8_t model[300], *wire;
	struct bitfield b;
	uint32_t n, i, round, step, c;
	size_t nb;

	(void)state;
	rng_seed(0x5eed0b17);
	for (round = 0; round < 50; round++) {
		n = 1 + rng_below(sizeof(model));
		bitfield_init(&b, n);
		memset(model, 0, sizeof(model));
		nb = bitfield_bytes(n);
		for (step = 0; step < 2000; step++) {
			/* Some indices past n, which must change nothing. */
			i = rng_below(n + 10);
			switch (rng_below(8)) {
			case 0: case 1: case 2:
				bitfield_set(&b, i);
				if (i < n)
					model[i] = 1;
				break;
			case 3: case 4: case 5:
				bitfield_clear(&b, i);
				if (i < n)
					model[i] = 0;
				break;
			case 6:
				if (rng_below(20) == 0) {
					bitfield_fill(&b);
					memset(model, 1, n);
				}
				break;
			default:
				wire = malloc(nb);
				assert_non_null(wire);
				memcpy(wire, b.bits, nb);
				assert_int_equal(bitfield_load(&b, wire, nb),
				    0);
				free(wire);
				break;
			}
			for (i = 0, c = 0; i < n; i++) {
				assert_int_equal(bitfield_get(&b, i),
				    model[i]);
				c += model[i];
			}
			assert_int_equal(b.count, c);
			assert_int_equal(bitfield_full(&b), c == n);
			for (c = 0; c < 3; c++) {
				i = rng_below(n + 10);
				assert_int_equal(bitfield_next(&b, i),
				    naive_next(model, n, i));
			}
			if (n & 7)
				assert_int_equal(b.bits[nb - 1] &
				    (uint8_t)~(0xff00u >> (n & 7)), 0);
		}
		bitfield_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_init_clear),
		cmocka_unit_test(test_set_clear_get),
		cmocka_unit_test(test_set_clear_idempotent),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_get_ignores_spare_memory),
		cmocka_unit_test(test_fill_multiple_of_8),
		cmocka_unit_test(test_fill_not_multiple_of_8),
		cmocka_unit_test(test_load_length_mismatch),
		cmocka_unit_test(test_load_spare_bits_refused),
		cmocka_unit_test(test_load_roundtrip),
		cmocka_unit_test(test_zero_pieces),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
