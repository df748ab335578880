/*
 * bitfield.c - piece bitfields (see bitfield.h).
 *
 * Owns nothing but the bits and their count, kept equal to the number of
 * bits set.  Pure: no I/O; never reads past n, never trusts a loaded
 * field's spare bits.
 */
#include "bitfield.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
bitfield_init(struct bitfield *b, uint32_t n)
{
	b->n = n;
	b->count = 0;
	b->bits = xcalloc(bitfield_bytes(n) ? bitfield_bytes(n) : 1, 1);
}

void
bitfield_free(struct bitfield *b)
{
	free(b->bits);
	b->bits = NULL;
	b->n = b->count = 0;
}

void
bitfield_set(struct bitfield *b, uint32_t i)
{
	if (i >= b->n || bitfield_get(b, i))
		return;
	b->bits[i >> 3] |= (uint8_t)(0x80u >> (i & 7));
	b->count++;
}

void
bitfield_clear(struct bitfield *b, uint32_t i)
{
	if (i >= b->n || !bitfield_get(b, i))
		return;
	b->bits[i >> 3] &= (uint8_t)~(0x80u >> (i & 7));
	b->count--;
}

void
bitfield_fill(struct bitfield *b)
{
	size_t nb = bitfield_bytes(b->n);

	if (nb == 0)
		return;
	memset(b->bits, 0xff, nb);
	if (b->n & 7)
		b->bits[nb - 1] = (uint8_t)(0xff00u >> (b->n & 7));
	b->count = b->n;
}

uint32_t
bitfield_next(const struct bitfield *b, uint32_t i)
{
	size_t nb = bitfield_bytes(b->n), k;
	uint64_t w;
	unsigned v;

	if (i >= b->n)
		return b->n;
	k = i >> 3;
	/* The rest of i's own byte, then zero bytes a word at a time. */
	v = b->bits[k] & (0xffu >> (i & 7));
	while (v == 0) {
		for (k++; k + 8 <= nb; k += 8) {
			memcpy(&w, b->bits + k, 8);
			if (w != 0)
				break;
		}
		if (k >= nb)
			return b->n;
		v = b->bits[k];
	}
	i = (uint32_t)(k * 8) + (uint32_t)__builtin_clz(v) - 24;
	return i < b->n ? i : b->n;	/* a spare bit set in memory */
}

int
bitfield_load(struct bitfield *b, const uint8_t *p, size_t len)
{
	size_t nb = bitfield_bytes(b->n), i;
	uint32_t count = 0;

	if (len != nb)
		return -1;
	if (nb > 0 && (b->n & 7) &&
	    (p[nb - 1] & (uint8_t)~(0xff00u >> (b->n & 7))) != 0)
		return -1;
	for (i = 0; i < nb; i++)
		count += (uint32_t)__builtin_popcount(p[i]);
	if (nb > 0)
		memcpy(b->bits, p, nb);
	b->count = count;
	return 0;
}
