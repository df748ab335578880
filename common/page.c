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

#include "parse.h"
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

/* A string into names, its offset into *off: 0, or -1. */
static int
put_name(struct page *pg, const char *s, size_t len, size_t *off)
{
	if (len > WIRE_STR_MAX || buf_append(&pg->names, s, len + 1) == -1)
		return -1;
	*off = buf_used(&pg->names) - len - 1;
	return 0;
}

/*
 * A new item of need bytes whose cursor is key, its name stored: the
 * item (zeroed but for its name), or NULL if it does not fit.
 */
static struct page_item *
new_item(struct page *pg, size_t need, const char *key, const char *name)
{
	struct page_item it;

	if (pg->n > 0 && pg->bytes + need > pg->budget)
		return NULL;
	memset(&it, 0, sizeof(it));
	if (strlen(key) > PAGE_CURSOR_MAX ||
	    put_name(pg, name, strlen(name), &it.name) == -1)
		return NULL;
	if (pg->n == pg->cap) {
		pg->cap = pg->cap ? pg->cap * 2 : 64;
		pg->v = xreallocarray(pg->v, pg->cap, sizeof(*pg->v));
	}
	pg->v[pg->n] = it;
	pg->bytes += need;
	snprintf(pg->cursor, sizeof(pg->cursor), "%s", key);
	return &pg->v[pg->n++];
}

int
page_add(struct page *pg, const char *name, uint64_t size,
    const uint8_t *sha1, const uint8_t *parent, const char *key)
{
	struct page_item *it;

	if ((it = new_item(pg, item_bytes(pg, strlen(name)), key,
	    name)) == NULL)
		return -1;
	it->size = size;
	if (sha1 != NULL)
		memcpy(it->sha1, sha1, 20);
	if (parent != NULL)
		memcpy(it->parent, parent, 20);
	return 0;
}

int
page_add_share(struct page *pg, const struct page_share *sh)
{
	char key[PAGE_CURSOR_MAX + 1], was[PAGE_CURSOR_MAX + 1];
	size_t glen = strlen(sh->group), plen = strlen(sh->path);
	size_t used = buf_used(&pg->names), n = pg->n, bytes = pg->bytes;
	/* group (an id), name, path, sha1, size, mtime */
	size_t need = 1 + glen + 1 + 2 + strlen(sh->name) + 1 + 2 + plen +
	    1 + 20 + 8 + 8;
	struct page_item *it;

	memcpy(was, pg->cursor, sizeof(was));
	if (glen == 0 || glen > ID_MAX || plen > WIRE_STR_MAX ||
	    page_share_key(sh->group, sh->name, key, sizeof(key)) == -1 ||
	    (it = new_item(pg, need, key, sh->name)) == NULL)
		return -1;
	if (put_name(pg, sh->group, glen, &it->group) == -1 ||
	    put_name(pg, sh->path, plen, &it->path) == -1) {
		/* Not taken after all: the page as it was. */
		buf_truncate(&pg->names, used);
		pg->n = n;
		pg->bytes = bytes;
		memcpy(pg->cursor, was, sizeof(was));
		return -1;
	}
	memcpy(it->sha1, sh->sha1, 20);
	it->size = sh->size;
	it->mtime = sh->mtime;
	return 0;
}

int
page_share_key(const char *group, const char *name, char *key, size_t len)
{
	int n = snprintf(key, len, "%s %s", group, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
page_share_cursor(const char *cursor, char group[ID_MAX + 1],
    const char **name)
{
	const char *sp = strchr(cursor, ' ');

	if (sp == NULL || sp - cursor > ID_MAX ||
	    !parse_id_n(cursor, (size_t)(sp - cursor)) ||
	    !parse_filename(sp + 1))
		return -1;
	memcpy(group, cursor, (size_t)(sp - cursor));
	group[sp - cursor] = '\0';
	*name = sp + 1;
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
		if (pg->type == WT_SHARES_PAGE) {
			wire_put_id(&e, names + pg->v[i].group);
			wire_put_str(&e, names + pg->v[i].name);
			wire_put_str(&e, names + pg->v[i].path);
			wire_put_hash(&e, pg->v[i].sha1);
			wire_put_u64(&e, pg->v[i].size);
			wire_put_u64(&e, pg->v[i].mtime);
		} else {
			wire_put_str(&e, names + pg->v[i].name);
		}
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
