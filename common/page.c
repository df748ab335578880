/*
 * page.c - listings a page at a time (see page.h).
 *
 * A page's fixed fields (more, the cursor) come before its items in the
 * frame, and are known only once the items are: so items are collected
 * here, counted in the bytes the frame will carry, and encoded at the
 * end.  At most a control frame's worth is held.
 */
#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "xalloc.h"

void
page_init(struct page *pg, unsigned type, size_t budget)
{
	memset(pg, 0, sizeof(*pg));
	pg->type = type;
	pg->budget = budget != 0 ? budget : PAGE_BUDGET;
	buf_init(&pg->names, WIRE_CTRL_MAX);
}

void
page_free(struct page *pg)
{
	buf_free(&pg->names);
	free(pg->v);
	pg->v = NULL;
	pg->n = pg->cap = 0;
}

/* The bytes an item takes in the frame: as wire.c encodes it. */
static size_t
item_bytes(const struct page *pg, size_t namelen)
{
	size_t n = 2 + namelen + 1;

	return pg->type == WT_FILES_PAGE ? n + 8 + 20 + 20 : n;
}

int
page_add(struct page *pg, const char *name, uint64_t size,
    const uint8_t *sha1, const uint8_t *parent, const char *key)
{
	size_t len = strlen(name), need = item_bytes(pg, len);
	struct page_item *it;

	if (pg->n > 0 && pg->bytes + need > pg->budget)
		return -1;
	if (strlen(key) > PAGE_CURSOR_MAX || len > WIRE_STR_MAX ||
	    buf_append(&pg->names, name, len + 1) == -1)
		return -1;
	if (pg->n == pg->cap) {
		pg->cap = pg->cap ? pg->cap * 2 : 64;
		pg->v = xreallocarray(pg->v, pg->cap, sizeof(*pg->v));
	}
	it = &pg->v[pg->n++];
	memset(it, 0, sizeof(*it));
	it->name = buf_used(&pg->names) - len - 1;
	it->size = size;
	if (sha1 != NULL)
		memcpy(it->sha1, sha1, 20);
	if (parent != NULL)
		memcpy(it->parent, parent, 20);
	pg->bytes += need;
	snprintf(pg->cursor, sizeof(pg->cursor), "%s", key);
	return 0;
}

int
page_encode(const struct page *pg, struct buf *b, uint32_t id, int more)
{
	const char *names = (const char *)buf_head(&pg->names);
	struct wire_enc e;
	size_t i;

	wire_begin(&e, b, pg->type, id);
	wire_put_u8(&e, more && pg->n > 0);
	wire_put_str(&e, more && pg->n > 0 ? pg->cursor : "");
	for (i = 0; i < pg->n; i++) {
		wire_put_str(&e, names + pg->v[i].name);
		if (pg->type == WT_FILES_PAGE) {
			wire_put_u64(&e, pg->v[i].size);
			wire_put_hash(&e, pg->v[i].sha1);
			wire_put_hash(&e, pg->v[i].parent);
		}
	}
	return wire_end(&e);
}

int
page_next(const struct wire_msg *m, char cursor[PAGE_CURSOR_MAX + 1],
    int ordered, const char **why)
{
	const struct wire_field *c = &m->f[PAGE_CURSOR];

	if (m->f[PAGE_MORE].u == 0)
		return 0;
	if (m->nitems == 0 || c->n == 0 || c->n > PAGE_CURSOR_MAX) {
		*why = "the tracker sent a bad page of a listing";
		return -1;
	}
	if (ordered ? strcmp(c->s, cursor) <= 0 : strcmp(c->s, cursor) == 0) {
		*why = "the tracker sent a listing's cursor that does not move";
		return -1;
	}
	memcpy(cursor, c->s, c->n + 1);
	return 1;
}
