/*
 * bitfield.h - one bit per piece, the have-map of a file.
 *
 * Pure.  On the wire a bitfield is ceil(n / 8) bytes, most significant bit
 * first (piece 0 is 0x80 of byte 0), spare bits zero.
 */
#ifndef BITFIELD_H
#define BITFIELD_H

#include <stddef.h>
#include <stdint.h>

struct bitfield {
	uint8_t		*bits;
	uint32_t	 n;		/* pieces */
	uint32_t	 count;		/* bits set */
};

void	bitfield_init(struct bitfield *, uint32_t n);
void	bitfield_free(struct bitfield *);
static inline size_t bitfield_bytes(uint32_t n) { return ((size_t)n + 7) / 8; }
static inline int
bitfield_get(const struct bitfield *b, uint32_t i)
{
	return i < b->n && (b->bits[i >> 3] & (0x80u >> (i & 7))) != 0;
}
/* Set or clear bit i (< n); the count follows. */
void	bitfield_set(struct bitfield *, uint32_t i);
void	bitfield_clear(struct bitfield *, uint32_t i);
void	bitfield_fill(struct bitfield *);
/* The first bit set at or after i, or n if none: whole zero words at once. */
uint32_t bitfield_next(const struct bitfield *, uint32_t i);
static inline int bitfield_full(const struct bitfield *b)
{ return b->count == b->n; }
/* Load len wire bytes: -1 if len is not bitfield_bytes(n) or spare bits
 * are set. */
int	bitfield_load(struct bitfield *, const uint8_t *, size_t len);

#endif
