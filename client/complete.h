/*
 * complete.h - what Tab offers on the shell's line (pure).
 *
 * Given the line, where the word being completed starts, the commands'
 * argument kinds and what the client last learned from the tracker, say
 * what may go there: command names, group ids, file names of a group,
 * users asking to join a group, fixed words, or a local path (listed by
 * the caller, which owns the file system).  No I/O and no clock: times
 * come in as arguments, so the unit tests drive every case.
 *
 * The cache.  The tracker's lists are not fetched while Tab is pressed
 * (the loop must not wait on the network): they are what the client last
 * saw in a fetch made in the background when a list was missing or
 * older than COMPLETE_STALE_MS (its first pages: suggest.c), adjusted by
 * the commands the user ran since (create_group, upload_file,
 * accept_request and the like).  complete_line()
 * says which list it lacked (need), and the caller may fetch it.  Every
 * list is sorted, holds no duplicates and at most COMPLETE_NAMES_MAX
 * names; file names and requests are kept for the COMPLETE_GROUPS_MAX
 * groups touched last.
 */
#ifndef COMPLETE_H
#define COMPLETE_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

#define COMPLETE_GROUPS_MAX	16
#define COMPLETE_NAMES_MAX	4096
#define COMPLETE_STALE_MS	10000

/* One list the tracker sent: names, sorted; at: when (ms), 0 never. */
struct complete_list {
	char		**v;
	size_t		  n;
	uint64_t	  at;
};

enum complete_which { COMPLETE_GROUPS, COMPLETE_FILES, COMPLETE_REQUESTS };

struct complete_cache {
	struct complete_list	 groups;
	struct {
		char			 id[ID_MAX + 1];	/* "" free */
		struct complete_list	 files, requests;
		uint64_t		 touched;
	}			 g[COMPLETE_GROUPS_MAX];
};

/*
 * A command as completion sees it: its name, one letter an argument
 * (kinds) and the one word an optional last argument may be (or NULL).
 * The letters, shared with the command table's checks:
 *   g  a group id: the groups known       n  a new group id: nothing
 *   f  a file name in the group named by the nearest g before it
 *   r  a user asking to join the group named by the nearest g before it
 *   u  a user id: nothing                 c  a command name
 *   p  a local path: files and directories
 *   d  a destination: local directories
 *   l  up or down                         o  a rate: "off"
 *   -  anything: nothing
 */
struct complete_cmd {
	const char	*name;
	const char	*kinds;
	const char	*word;
};

enum complete_kind {
	COMPLETE_NONE,		/* nothing to offer */
	COMPLETE_WORDS,		/* v[0..n-1] */
	COMPLETE_PATH,		/* local files and directories */
	COMPLETE_DIR		/* local directories */
};

struct complete_result {
	enum complete_kind	 kind;
	char			**v;	/* WORDS: sorted, as they go on the
					   line (quoted where needed) */
	size_t			 n;
	/* A list that was missing or stale: worth fetching. */
	int			 need;	/* 0, or 1 + enum complete_which */
	char			 group[ID_MAX + 1];	/* of FILES, REQUESTS */
};

/* Forget everything (a session ended); also frees. */
void	complete_cache_clear(struct complete_cache *);
/*
 * The list of that kind (group: for FILES and REQUESTS, a valid id),
 * made if create is set (the group touched longest ago gives up its
 * slot), else NULL when not held.
 */
struct complete_list *complete_list_get(struct complete_cache *,
	    enum complete_which, const char *group, int create, uint64_t now);
/* Empty the list: a fresh one, sent at now, is coming. */
void	complete_list_reset(struct complete_list *, uint64_t now);
/* Add a name (a copy), keeping the order; full lists take no more. */
void	complete_list_add(struct complete_list *, const char *name);
void	complete_list_remove(struct complete_list *, const char *name);

/*
 * What may replace the word that starts at byte start of line (whose
 * text, as readline cut it, is text: without an opening quote, which
 * in_quote then says was typed).  The words before it are split as the
 * shell splits them.  Candidates begin with text (command names whatever
 * their case); names that hold a blank or a quote come quoted as the
 * shell reads them (inside an opened quote: only escaped).  out is to be
 * freed with complete_result_free().
 */
void	complete_line(const struct complete_cmd *cmds,
	    const struct complete_cache *, const char *line, size_t start,
	    const char *text, int in_quote, uint64_t now,
	    struct complete_result *out);
void	complete_result_free(struct complete_result *);

/*
 * s written so the shell reads it back as one word: as it is when it
 * needs nothing, else in double quotes with " and \ escaped; in_quote:
 * the opening quote is already typed, so only the escapes.  Allocated.
 */
char	*complete_quote(const char *s, int in_quote);

#endif
