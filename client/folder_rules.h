/*
 * folder_rules.h - the rules of a synced folder, pure: which names are
 * synced, when a file is stable enough to share, what a conflicting copy
 * is called, and what to do with one name given what is on disk, what the
 * group holds and what both last agreed on (folder.c does it).
 *
 * No I/O, clocks or globals: times and contents are arguments, so the
 * unit tests (test_folder) drive every rule.  Contents are whole-file
 * SHA1s; NULL stands for "none".
 */
#ifndef FOLDER_RULES_H
#define FOLDER_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * A file is stable once its size and modification time have not changed
 * for FOLDER_SETTLE_MS after the writer closed it (IN_CLOSE_WRITE, or it
 * was moved in whole: IN_MOVED_TO), or for FOLDER_QUIET_MS when no close
 * was seen (a writer that keeps it open, or a file found at start).
 */
#define FOLDER_SETTLE_MS	300
#define FOLDER_QUIET_MS		1500

/* The suffix of what download.c writes before the rename. */
#define FOLDER_PART_SUFFIX	".part"
/*
 * The folder's own subfolder: its index, and FOLDER_FETCH, where
 * downloads are made (nothing else is there, whatever a group's names).
 */
#define FOLDER_STAGE		".p2ps-sync"
#define FOLDER_FETCH		"fetch"

/*
 * 1 if a directory entry of that name is synced: a valid group file name
 * (parse_filename: no '/', no control characters) that is not a download
 * in progress (".part") nor the folder's own subfolder.
 */
int	folder_candidate(const char *name);

/*
 * 1 if a file whose size and time last changed at changed_ms (and were the
 * same at now_ms) may be hashed and shared: closed says a close after
 * writing, or a move into the folder, was seen since.
 */
int	folder_stable(uint64_t changed_ms, uint64_t now_ms, int closed);

/*
 * When a folder asks the group for its versions (a walk through
 * VERSIONS_PAGE's pages): at once when the tracker says the group
 * changed (a notice), but never two at a time: a notice while one is out
 * asks for exactly one more after its last page (the change may be newer
 * than the list on its way).  Besides,
 * every FOLDER_POLL_MS whatever was heard, and at the first look.
 */
#define FOLDER_POLL_MS		30000
struct folder_poll {
	uint64_t	 last;		/* asked at (ms) */
	int		 asked;		/* once, ever */
	int		 asking;	/* one is out */
	int		 again;		/* a notice came while it was */
};
/* Ask now (then it counts as out)?  notice: the group changed.  1 or 0. */
int	folder_poll_due(struct folder_poll *, uint64_t now_ms, int notice);
/* The answer came (or the request failed): 1 if to be asked again now. */
int	folder_poll_done(struct folder_poll *);

/*
 * The name the local copy of name takes when it conflicts with another
 * version: "stem.sync-conflict-YYYYMMDD-HHMMSS-ID.ext", as Syncthing names
 * them, t in UTC and ID the first 7 hex digits of the copy's SHA1 (so
 * two members' copies never collide); ".ext" is from the last '.' not at
 * the start, and the stem is cut (at a UTF-8 boundary) to fit 255 bytes.
 * 0, or -1 if out (outlen >= 256) is too small.
 */
int	folder_conflict_name(const char *name, time_t t, const uint8_t sha1[20],
	    char *out, size_t outlen);

/* What one name looks like, for folder_decide(). */
struct folder_view {
	const uint8_t	*local;		/* content on disk (hashed), NULL:
					   no file */
	const uint8_t	*base;		/* the content disk and group last
					   agreed on, NULL: never */
	int		 authored;	/* base was made here (pushed) */
	const uint8_t	*group;		/* the group's content, NULL: none */
	const uint8_t	*parent;	/* what the group's content was made
					   from, NULL: none or not known */
	const uint8_t	*gone;		/* content deleted here, NULL */
};

enum folder_act {
	FA_NONE,	/* in step */
	FA_ADOPT,	/* the same content on both sides: agree on it */
	FA_PUSH,	/* share the local content as the new version */
	FA_FETCH,	/* download the group's content under the name */
	FA_CONFLICT	/* both changed: keep the local copy under a
			   conflict name (shared as a new file), then fetch */
};

/*
 * The versions' order: a local change over the agreed base is pushed
 * while the group still holds the base; a group content made from ours
 * (parent) or over a base we did not make replaces ours; two changes of
 * one base are a conflict, and the local copy is kept beside.  A file
 * deleted here is not fetched again while the group holds that content.
 */
enum folder_act folder_decide(const struct folder_view *);

#endif
