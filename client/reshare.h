/*
 * reshare.h - what a login shares again, and the record that vouches
 * for it (ledger.h).
 *
 * At login the tracker lists this user's earlier shares (group, name,
 * path, size, time, SHA1).  A file is served again only if this client's
 * own record names it for the same user, group, name, path and SHA1 and
 * it is still a regular file of the recorded size: unchanged since (the
 * recorded modification time), it is served at once; changed in time
 * only, it is hashed again in the background and served if its content
 * is the same.  A path only the tracker names is never opened.
 */
#ifndef RESHARE_H
#define RESHARE_H

#include <stdint.h>

struct client;

/*
 * Ask the tracker for the session's earlier shares and serve again what
 * the record vouches for; then done(cl, served, checking) on the loop
 * (served at once, being hashed again).
 */
void	reshare_start(struct client *, void (*done)(struct client *,
	    unsigned served, unsigned checking));
/*
 * Record that the session's user shares file (an upload, a finished
 * download) so a later login may serve it again.  A failure is logged.
 */
void	reshare_note(struct client *, const char *group, const char *name,
	    const char *file, uint64_t size, uint64_t mtime,
	    const uint8_t sha1[20]);

#endif
