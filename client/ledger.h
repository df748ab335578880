/*
 * ledger.h - the client's own record of the files its users shared.
 *
 * The tracker remembers who shares what, with the path on the sharer's
 * disk, and names those paths again at login.  A tracker is not to be
 * trusted with that: a hostile one could name ~/.ssh/id_ed25519 with its
 * size and time, and a client that took its word would serve the key.
 * So the client keeps its own record, one line for each file a user
 * uploaded or downloaded here (user, group, name, size, modification
 * time, SHA1, path), in a file of the user's alone beside known_trackers
 * ($P2PS_HOME/shared, by default ~/.p2ps/shared; created 0600, never
 * through a link).  At login only a path this record names for that
 * user, group, name and SHA1 is opened (reshare.c); a path the tracker
 * alone names never is.  A record file others may write is not trusted
 * at all.
 *
 * Lines are appended (one write each, so clients sharing the file do not
 * tear each other's lines); the last line for a (user, group, name) wins.
 * Loading rewrites the file without the overridden lines once they are
 * most of it.  Pure file I/O: no network, no loop.
 */
#ifndef LEDGER_H
#define LEDGER_H

#include <stddef.h>
#include <stdint.h>

struct ledger_ent {
	char		*user, *group, *name, *path;	/* one allocation */
	uint64_t	 size, mtime;
	uint8_t		 sha1[20];
	size_t		 line;		/* its place in the file */
};

struct ledger {
	struct ledger_ent *v;		/* sorted by (user, group, name) */
	size_t		 n;
};

/*
 * Read the record at path into lg (empty when there is no file).  -1
 * with err set when the file cannot be trusted (a link, not the user's,
 * writable by others: the message says how to fix it) or read.
 */
int	ledger_load(const char *path, struct ledger *lg, char *err,
	    size_t errlen);
/* The entry for (user, group, name), or NULL. */
const struct ledger_ent *ledger_find(const struct ledger *, const char *user,
	    const char *group, const char *name);
void	ledger_free(struct ledger *);
/*
 * Append an entry to the record at path (its folder made 0700, the file
 * 0600, if missing).  0, or -1 with err set: the file is not the user's
 * alone, or the path cannot be written on one line (it holds a newline).
 */
int	ledger_note(const char *path, const char *user, const char *group,
	    const char *name, const char *file, uint64_t size, uint64_t mtime,
	    const uint8_t sha1[20], char *err, size_t errlen);

#endif
