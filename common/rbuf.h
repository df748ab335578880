/*
 * rbuf.h - capped byte buffers and a bounds-checked read cursor.
 *
 * struct buf is a growable byte queue with a hard ceiling (max) fixed at
 * init: appending past it fails instead of growing, so a peer can never make
 * us hold more than we agreed to.  Bytes are appended at the tail and
 * consumed from the head (off); the consumed prefix is reclaimed lazily.
 *
 * struct rd is the only way untrusted bytes are read: every rd_* call fails
 * (returns -1, consuming nothing) when fewer bytes remain than it needs.
 * All integers on the wire are big-endian.
 */
#ifndef RBUF_H
#define RBUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*data;
	size_t	 off;		/* first unconsumed byte */
	size_t	 len;		/* end of valid bytes; off <= len <= cap */
	size_t	 cap;
	size_t	 max;		/* ceiling for len - off */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
/* Pending bytes and their count. */
static inline const uint8_t *buf_head(const struct buf *b) { return b->data + b->off; }
static inline size_t buf_used(const struct buf *b) { return b->len - b->off; }
/* Make room for n more bytes; -1 if that would pass max.  Returns tail. */
uint8_t	*buf_reserve(struct buf *, size_t n);
int	 buf_append(struct buf *, const void *, size_t);
void	 buf_consume(struct buf *, size_t);
/* Drop everything appended after used() was n (undo a partial append). */
void	 buf_truncate(struct buf *, size_t n);

int	 buf_put_u8(struct buf *, uint8_t);
int	 buf_put_u16(struct buf *, uint16_t);
int	 buf_put_u32(struct buf *, uint32_t);
int	 buf_put_u64(struct buf *, uint64_t);

void	 put_be16(uint8_t *, uint16_t);
void	 put_be32(uint8_t *, uint32_t);
void	 put_be64(uint8_t *, uint64_t);

struct rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

static inline void rd_init(struct rd *r, const void *p, size_t len)
{ r->p = p; r->len = len; r->off = 0; }
static inline size_t rd_left(const struct rd *r) { return r->len - r->off; }

int	rd_u8(struct rd *, uint8_t *);
int	rd_u16(struct rd *, uint16_t *);
int	rd_u32(struct rd *, uint32_t *);
int	rd_u64(struct rd *, uint64_t *);
/* Point *out at the next n bytes (no copy) and skip them. */
int	rd_bytes(struct rd *, const uint8_t **out, size_t n);

#endif
