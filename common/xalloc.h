/*
 * xalloc.h - allocation that cannot fail.
 *
 * Every size handed to these has already been capped by its caller, so
 * running out of memory is not a condition we can answer usefully: it is
 * fatal.  xreallocarray() also checks nmemb * size for overflow.
 */
#ifndef XALLOC_H
#define XALLOC_H

#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
/* n bytes aligned to align (a power of two), for O_DIRECT buffers. */
void *xmalloc_aligned(size_t align, size_t n);

#endif
