/*
 * download.h - downloads running in the background of the client: the
 * face of the download module (download.c, peer.c, storage.c, which
 * share download_int.h and nothing else).
 *
 * A download asks the tracker for the file's metadata and sources,
 * connects to every source (peer.c speaks the protocol whose other side
 * is peer_server.c), learns who holds which piece, and requests blocks
 * from many peers at once as the picker says.  Blocks are written to
 * <destination>.part; each completed piece is checked against its SHA1 on
 * the worker pool and, once good, served onward at once (the .part file
 * is a share, and the tracker is told this client is a source).  When
 * every piece is in, the whole-file SHA1 is checked, the file is synced
 * and renamed to its destination, and this user becomes a full sharer.
 *
 * A piece that fails its hash with blocks from several sources is fetched
 * again from one source only; one that fails with every block from one
 * source is a strike against it, and PEER_MAX_STRIKES strikes drop that
 * source for the rest of the download.  A peer that disconnects or stalls
 * loses its requests to the others.  New sources are picked up from the
 * tracker while the download runs.  It fails when no source has been
 * reachable, or none has had a missing piece, for DL_DEAD_MS, or when
 * every source is banned.  (Those limits are in download_int.h.)
 *
 * Only the loop thread calls in, and nothing waits on the network.  The
 * disk is touched on the loop thread only to set up the .part file, to
 * write a block that no piece buffer could take, and for the final fsync
 * and rename; hashing and the writes of whole pieces run on the pool.
 */
#ifndef DOWNLOAD_H
#define DOWNLOAD_H

#include <stdint.h>

struct client;

/*
 * Before the first download: ended(cl) will be called once per download
 * as it ends (complete or failed), so that quitting can go on; the piece
 * buffer budget is read (P2P_PIECE_BUFFERS).
 */
void	download_init(struct client *, void (*ended)(struct client *));
/*
 * Start downloading group/name to dest (a directory or a file path).
 * started(arg, err) is called exactly once, perhaps before this returns:
 * err NULL once the download is under way (its line printed), else why it
 * could not start, ready to print (what the tracker said is escaped).
 */
void	download_start(struct client *, const char *group, const char *name,
	    const char *dest, void (*started)(void *arg, const char *err),
	    void *arg);
/*
 * The same for a synced folder (folder.c): prints nothing when it starts,
 * and a failure does not count against the exit status (the folder asks
 * again at its next look at the group).  Once it has ended (after the
 * done hook) it leaves the list and is freed as soon as nothing refers
 * to it (its tracker requests still out are cancelled: tlink_cancel()).
 */
void	download_fetch(struct client *, const char *group, const char *name,
	    const char *dest, void (*started)(void *arg, const char *err),
	    void *arg);
/*
 * Register done(cl, dest, sha1, ok): called as each download ends,
 * complete (ok 1: dest holds content sha1) or failed, before the end hook
 * of download_init().  One hook, the synced folders'.
 */
void	download_on_done(struct client *, void (*done)(struct client *,
	    const char *dest, const uint8_t sha1[20], int ok));
/* One line a download of this session, as show_downloads prints (a
   synced folder's: until it is freed). */
void	download_list(struct client *);
/* Downloads not yet complete or failed. */
unsigned download_running(const struct client *);
/*
 * Stop the quiet downloads (download_fetch()) into dir, a directory: they
 * end as failed (why), their .part files removed (unsync_folder).
 */
void	download_abort_in(struct client *, const char *dir, const char *why);
/* Stop every download (logout): they end as failed. */
void	download_abort_all(struct client *, const char *why);
void	download_free_all(struct client *);

#endif
