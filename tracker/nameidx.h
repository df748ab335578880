/*
 * nameidx.h - an in-memory index of file names by group, for `search`.
 *
 * Pure: no I/O, no SQLite; the store (store_search.c) fills it and asks
 * it.  It holds (group, name) pairs, each once, and never forgets one: it
 * answers "which names of these groups could match", and the store then
 * checks each answer against its tables (is the file there, is it
 * shared).  So a pair recorded by a transaction that was rolled back, or
 * for a file that is gone, costs a look-up and is never an answer; what
 * the index must never do is miss a pair the tables have.
 *
 * Inside, every name is kept twice, as given and ASCII-folded (match.h),
 * with:
 *   - a posting list per trigram (three consecutive bytes of a folded
 *     name): the ids of the names holding it, ascending, each once;
 *   - per group, its names' ids, sorted by name (bytes, as strcmp and
 *     SQLite's BINARY order) when a search walks them: additions go to
 *     an unsorted tail that the next walk sorts and merges in.
 * A search takes the pattern's literal runs (between wildcards) of three
 * bytes or more as keys: any match holds every trigram of every run.  It
 * either intersects the shortest posting lists and checks what survives
 * (sparse matches), or walks the scope's groups in order, name by name
 * (no key, or so many candidates that a walk fills a page sooner); both
 * confirm each candidate with match_name().
 *
 * Only the loop thread calls it.  Sizes: about 2 * (name + 1) + 4 bytes a
 * trigram of each name, and a few words a name and a group.
 */
#ifndef NAMEIDX_H
#define NAMEIDX_H

#include <stddef.h>
#include <stdint.h>

struct nameidx;

struct nameidx	*nameidx_new(void);
void		 nameidx_free(struct nameidx *);

/*
 * Record that group has a file called name; nothing if known already, or
 * if name is not one parse_filename() takes (no upload could make it).
 */
void		 nameidx_add(struct nameidx *, const char *group,
		    const char *name);
/* Pairs recorded. */
size_t		 nameidx_count(const struct nameidx *);

/*
 * The groups the next nameidx_search() looks in (the searching user's):
 * begin, then add each, in any order.  Groups the index has no name of
 * are left out.
 */
void		 nameidx_scope_begin(struct nameidx *);
void		 nameidx_scope_add(struct nameidx *, const char *group);

struct nameidx_hit {
	const char	*group, *name;	/* the index's: valid until it is
					   freed */
};

/* How the last search went, for benchmarks and tests. */
struct nameidx_stats {
	int		 walked;	/* 1: walked the groups; 0: trigrams */
	size_t		 candidates;	/* names given to match_name() */
};

/*
 * The first max (>= 1) names of the scope's groups that match pat (which
 * passed match_check()) and come after (after_group, after_name) in
 * (group, name) order, into hits in that order: how many.  after_group
 * "" starts at the beginning; otherwise names of after_group itself come
 * only after after_name.  *more: 1 if other matches follow those.
 */
size_t		 nameidx_search(struct nameidx *, const char *pat,
		    const char *after_group, const char *after_name,
		    struct nameidx_hit *hits, size_t max, int *more);
void		 nameidx_stats(const struct nameidx *, struct nameidx_stats *);

#endif
