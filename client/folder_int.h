/*
 * folder_int.h - what the files of the synced-folder module share:
 * folder.c (the watcher, the looks at the group, the actions) and
 * folder_state.c (the names, and the state kept on disk).  The rest of the
 * client sees only folder.h.  folder.c calls down into folder_state.c,
 * never the other way.
 */
#ifndef FOLDER_INT_H
#define FOLDER_INT_H

#ifndef FOLDER_INTERNAL
#error "folder_int.h is private to the synced-folder module"
#endif

#include <limits.h>
#include <stdint.h>

#include "folder_rules.h"
#include "page.h"
#include "parse.h"

struct client;
struct loop_timer;

/*
 * The folder's group followed on the tracker connection (WT_SUBSCRIBE):
 * not (yet, or not on this connection), asked, or followed.
 */
enum sub { SUB_NONE, SUB_ASKING, SUB_DONE };

/* What a name has under way: one thing at a time. */
enum busy { B_NONE, B_HASH, B_PUSH, B_FETCH };

/*
 * A name seen on either side.  Entries live as long as their folder.
 */
struct fentry {
	struct fentry	*next;
	struct folder	*f;
	char		 name[NAME_MAX_LEN + 1];
	/* On disk: sha1 is the content of (size, mtime) if hashed. */
	int		 present, hashed;
	uint8_t		 sha1[20];
	uint64_t	 size;
	int64_t		 mtime;		/* ns */
	uint8_t		*pieces;	/* from the last hash, until pushed */
	uint32_t	 npieces;
	/* The watcher: dirty until the content is known again. */
	int		 dirty, closed;
	uint64_t	 obs_size;
	int64_t		 obs_mtime;
	uint64_t	 changed;	/* ms: obs last changed */
	/* What disk and group last agreed on; what was deleted here. */
	int		 has_base, authored, has_gone;
	uint8_t		 base[20], gone[20];
	/* The group, at the last look. */
	int		 in_group, has_parent;
	uint8_t		 g[20], parent[20];
	/* The look under way, page by page: taken when it is whole. */
	int		 w_in;
	uint8_t		 w_g[20], w_parent[20];
	enum busy	 busy;
};

/* A synced folder, in cl->folders. */
struct folder {
	struct folder	*next;
	struct client	*cl;
	char		 dir[PATH_MAX];
	char		 state[PATH_MAX];	/* dir/FOLDER_STAGE: the index */
	char		 stage[PATH_MAX];	/* state/FOLDER_FETCH: downloads,
						   no other file */
	char		 group[ID_MAX + 1];
	int		 ifd;
	struct fentry	*files;
	struct loop_timer *tick;
	struct folder_poll poll;	/* a look at the group: when
					   (folder_rules) */
	char		 cursor[PAGE_CURSOR_MAX + 1];	/* the look's next
							   page: from */
	enum sub	 sub;		/* WT_SUBSCRIBE on this connection */
	uint64_t	 sub_retry;	/* a refused one: not before (ms) */
	int		 seen;		/* the group answered once: nothing is
					   decided before */
	int		 warned;	/* its last answer was an error */
	int		 dead;
	unsigned	 refs;
	int		 save;
};

/* dir/name into out (PATH_MAX); -1 if too long. */
int	fstate_path(const char *dir, const char *name, char *out);
/* The entry of name; made (if make and name is synced) when missing. */
struct fentry *fstate_entry(struct folder *, const char *name, int make);
void	fstate_free(struct folder *);
/*
 * The index, FOLDER_STAGE/index: one line a name known on either side
 * (name, size, mtime in ns, content, base, content deleted here,
 * authored), written whole to a new file and renamed, mode 0600.  A line
 * that does not parse is skipped.
 */
void	fstate_save(struct folder *);
void	fstate_load(struct folder *);
/* FOLDER_LIST without (user, dir), then with (user, group, dir) if add. */
void	fstate_list_update(const char *user, const char *group,
	    const char *dir, int add);
/* fn(arg, group, dir) for each of user's lines in FOLDER_LIST; count. */
unsigned fstate_list_each(const char *user, void (*fn)(void *,
	    const char *group, const char *dir), void *arg);

#endif
