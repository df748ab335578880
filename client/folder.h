/*
 * folder.h - synced folders: a folder and a group kept in step.
 *
 * Every regular file of the folder (not its subfolders) is shared in the
 * group, and every file of the group is downloaded into the folder.  The
 * folder is watched with inotify; a file is shared once it is stable
 * (folder_rules.h), as a new version of its name (WT_UPDATE, naming the
 * content it was made from).  The group is asked for its files and their
 * versions (WT_VERSIONS_PAGE, page by page) when the tracker says it
 * changed (the group is subscribed on each tracker connection: WT_SUBSCRIBE, then
 * WT_CHANGED notices), and every FOLDER_POLL_MS besides (folder_rules.h);
 * what to do with each name is folder_decide()'s.  Downloads go through the download engine
 * into the folder's own subfolder (FOLDER_STAGE), and are renamed into
 * place once complete, so neither a .part nor half a file ever shows under
 * a synced name, and the watcher never shares what it is downloading.
 *
 * State: the folders a user syncs are listed in FOLDER_LIST in the
 * client's directory (user, group, folder a line); what each file's
 * content was when last hashed, and what the folder and the group last
 * agreed on, in FOLDER_STAGE/index inside the folder.  Both are mode 0600
 * and read as untrusted: a line that does not parse is skipped.
 *
 * Only the loop thread calls in.  The folders live in cl->folders while
 * the session does (main.c stops them at its end and resumes them at the
 * next login).
 */
#ifndef FOLDER_H
#define FOLDER_H

#include <limits.h>
#include <stddef.h>

struct client;

#define FOLDER_LIST	".p2ps-folders"

/* Register the download hook (download_on_done()) once, at start. */
void	folder_init(struct client *);
/*
 * Is dir a directory that may be synced (not already)?  0 with its
 * absolute path in abs, or -1 with why in err.
 */
int	folder_check(struct client *, const char *dir, char abs[PATH_MAX],
	    char *err, size_t errlen);
/*
 * Start syncing dir (a directory, made absolute) with group, and remember
 * it for the next login if persist.  -1 with why in err.
 */
int	folder_add(struct client *, const char *dir, const char *group,
	    int persist, char *err, size_t errlen);
/*
 * Stop syncing dir (as given or absolute) and forget it: 0 with its
 * absolute path in abs, or -1 if it is not synced.
 */
int	folder_remove(struct client *, const char *dir, char *abs,
	    size_t len);
/* One line a synced folder: "dir<TAB>group<TAB>N files". */
void	folder_list(struct client *);
/* The session started: sync again what this user synced here. */
unsigned folder_resume(struct client *);
/* The session ended: stop every folder, still remembered. */
void	folder_stop_all(struct client *);
/* At exit, after the worker pools: free what callbacks still held. */
void	folder_free_all(struct client *);

#endif
