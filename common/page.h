/*
 * page.h - listings a page at a time (WT_NAMES_PAGE, WT_FILES_PAGE,
 * WT_SHARES_PAGE).
 *
 * A listing whose length a user controls (groups, a group's files or
 * join requests) goes out in pages of at most a control frame: the
 * tracker takes rows in order with page_add() while they fit, then
 * page_encode() writes the page with "more" and the cursor, the key of
 * its last row; the client prints the page and, while there is more,
 * asks again from that cursor (page_next() checks it).  So no reply has
 * a size a user can push past a limit, and a page holds the loop no
 * longer than a frame's worth of rows, as search's pages do.
 *
 * Pure: no sockets, no store, no clock; unit-tested (test_page).
 */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "rbuf.h"
#include "wire.h"


/* A cursor's bytes at most: a name, or a request's place. */
#define PAGE_CURSOR_MAX	512
/* Item bytes a page holds: a control frame less more and the cursor. */
#define PAGE_BUDGET	(WIRE_CTRL_MAX - 1 - (2 + PAGE_CURSOR_MAX + 1))

struct page_item {
	size_t		 name;		/* offset into names */
	size_t		 group, path;	/* SHARES_PAGE's too */
	uint64_t	 size, mtime;
	uint8_t		 sha1[20], parent[20];
};

struct page {
	unsigned	  type;		/* NAMES_PAGE, FILES_PAGE, SHARES_PAGE */
	size_t		  budget, bytes;	/* item bytes: most, taken */
	struct buf	  names;	/* each item's name, with its NUL */
	struct page_item *v;
	size_t		  n, cap;
	char		  cursor[PAGE_CURSOR_MAX + 1];	/* last item's key */
};

/* An empty page of type holding budget bytes of items (0: PAGE_BUDGET). */
void	page_init(struct page *, unsigned type, size_t budget);
void	page_free(struct page *);
/*
 * Take an item: its name, for a FILES_PAGE its size, sha1 and parent
 * (NULL: zeros), and key, the cursor that comes after it (at most
 * PAGE_CURSOR_MAX bytes).  0, or -1 if it does not fit: the page is
 * full.  A first item always fits.
 */
int	page_add(struct page *, const char *name, uint64_t size,
	    const uint8_t *sha1, const uint8_t *parent, const char *key);
/* A SHARES_PAGE's item: one share of the user, as in WT_SHARES. */
struct page_share {
	const char	*group, *name, *path;
	const uint8_t	*sha1;
	uint64_t	 size, mtime;
};
/*
 * Take a share into a SHARES_PAGE, as page_add() takes other items; its
 * cursor is page_share_key()'s.
 */
int	page_add_share(struct page *, const struct page_share *);
/*
 * The cursor after a share, "group name" (a blank sorts before every id
 * character, so these grow in (group, name) order), into key: 0, or -1
 * if it does not fit.  page_share_cursor() reads one back: the group
 * into group, *name into the cursor; 0, or -1 if it is not one.
 */
int	page_share_key(const char *group, const char *name, char *key,
	    size_t len);
int	page_share_cursor(const char *cursor, char group[ID_MAX + 1],
	    const char **name);
/* Append the page to b as the reply to request id: 0, or -1. */
int	page_encode(const struct page *, struct buf *b, uint32_t id,
	    int more);

/*
 * A page received (type checked by the caller), asked for from cursor:
 * 0 if it was the last; 1 if there is more, cursor then holding where to
 * ask from; -1 with *why if the page breaks the rules: more with no
 * item, a cursor empty, too long or, for ordered listings (whose cursor
 * is the last name, in byte order), not past the one before.  A cursor
 * that does not move would have the client ask for ever.
 */
int	page_next(const struct wire_msg *, char cursor[PAGE_CURSOR_MAX + 1],
	    int ordered, const char **why);

#endif
