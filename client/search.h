/*
 * search.h - the search command's part that talks to the tracker.
 *
 * The tracker answers a search a page at a time (WT_FOUND, at most one
 * control frame, see tracker/handlers.c): this asks for the first page,
 * prints its hits as the contract lays them out (name, group, size,
 * SHA1, tab-separated, one a line, on stdout), and asks again from the
 * cursor each page names until one says there is no more.  Only the
 * loop thread calls in.
 */
#ifndef SEARCH_H
#define SEARCH_H

struct client;
struct wire_msg;

/*
 * The search ended: m and err both NULL once every page was printed;
 * otherwise as a tlink_cb, the reply that ended it (an ERROR, or
 * something else when the tracker broke the protocol) or err.
 */
typedef void (*search_done_cb)(void *arg, const struct wire_msg *m,
	    const char *err);

/* Search for pat (which passed match_check()) as cl's session. */
void	search_run(struct client *cl, const char *pat, search_done_cb done,
	    void *arg);

#endif
