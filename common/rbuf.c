/*
 * rbuf.c - capped buffers and the bounds-checked cursor (see rbuf.h).
 *
 * A buf owns its bytes; a cursor owns nothing.  Never grows a buffer past
 * the ceiling fixed at init, never reads past a cursor's end.
 */
#include "rbuf.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->off = b->len = 0;
}

uint8_t *
buf_reserve(struct buf *b, size_t n)
{
	size_t used = b->len - b->off, want;

	if (n > b->max || used > b->max - n)
		return NULL;
	if (b->len + n <= b->cap && b->data != NULL)
		return b->data + b->len;
	/* Reclaim the consumed prefix before growing. */
	if (b->off > 0) {
		/* off > 0 only after bytes were appended: data is set. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
		if (used + n <= b->cap)
			return b->data + b->len;
	}
	want = b->cap ? b->cap : 256;
	while (want < used + n)
		want *= 2;
	if (want > b->max)
		want = b->max > 0 ? b->max : 1;
	b->data = xreallocarray(b->data, want, 1);
	b->cap = want;
	return b->data + b->len;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	uint8_t *t;

	if (n == 0)
		return 0;
	if ((t = buf_reserve(b, n)) == NULL)
		return -1;
	memcpy(t, p, n);
	b->len += n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len - b->off) {
		b->off = b->len = 0;
		return;
	}
	b->off += n;
}

void
buf_truncate(struct buf *b, size_t n)
{
	if (n < b->len - b->off)
		b->len = b->off + n;
}

void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_append(b, &v, 1);
}

int
buf_put_u16(struct buf *b, uint16_t v)
{
	uint8_t t[2];

	put_be16(t, v);
	return buf_append(b, t, 2);
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t t[4];

	put_be32(t, v);
	return buf_append(b, t, 4);
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	uint8_t t[8];

	put_be64(t, v);
	return buf_append(b, t, 8);
}

int
rd_bytes(struct rd *r, const uint8_t **out, size_t n)
{
	if (n > r->len - r->off)
		return -1;
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

int
rd_u8(struct rd *r, uint8_t *v)
{
	if (r->len - r->off < 1)
		return -1;
	*v = r->p[r->off++];
	return 0;
}

int
rd_u16(struct rd *r, uint16_t *v)
{
	const uint8_t *p;

	if (rd_bytes(r, &p, 2) == -1)
		return -1;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int
rd_u32(struct rd *r, uint32_t *v)
{
	const uint8_t *p;

	if (rd_bytes(r, &p, 4) == -1)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
rd_u64(struct rd *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (r->len - r->off < 8 || rd_u32(r, &hi) == -1 ||
	    rd_u32(r, &lo) == -1)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}
