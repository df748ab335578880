/*
 * reqset.h - the request keys a tracker remembers, in memory.
 *
 * A set of 64-bit keys (the first bits of SHA-256 request keys, so a
 * false match has odds of about n in 2^64), each with the time it was
 * carried out, forgotten in the order they came: open addressing with
 * linear probing (deletion shifts back what probed past a slot), and a
 * ring in arrival order.  At most max keys: beyond, the oldest go early.
 *
 * Owns only its arrays (the caller owns the struct).  Pure: never reads a
 * clock (the caller says what time is too old), does no I/O, and never
 * touches SQLite: store.c fills it from its reqlog table and keeps the two
 * in step.  Not thread-safe; the tracker uses it from the loop thread.
 */
#ifndef REQSET_H
#define REQSET_H

#include <stddef.h>
#include <stdint.h>

struct reqent {
	uint64_t	 at, key;
};

struct reqset {
	uint64_t	*slot;		/* 0 empty */
	size_t		 cap;		/* power of two, or 0 */
	struct reqent	*ring;
	size_t		 rcap, head, n;	/* n keys in the ring, from head */
	size_t		 max;
	uint64_t	 added;		/* keys ever added, for undo marks */
};

/* Zeroed, then: */
void	 reqset_init(struct reqset *, size_t max);
void	 reqset_free(struct reqset *);
/* The key of a 32-byte request key (never 0). */
uint64_t reqset_key(const uint8_t *req);
int	 reqset_has(const struct reqset *, uint64_t key);
/* Add (nothing if there); the oldest goes first if the set is full. */
void	 reqset_add(struct reqset *, uint64_t key, uint64_t at);
/* Forget the keys, oldest first, while their time is below before. */
void	 reqset_expire(struct reqset *, uint64_t before);
/* Forget the keys added since added was mark (newest first). */
void	 reqset_undo(struct reqset *, uint64_t mark);

#endif
