/*
 * store.h - the tracker's durable state, in SQLite.
 *
 * One module in seven files, tracker/store_*.c (store_int.h says which
 * holds what); the only one that sees sqlite3.h.  The database runs in
 * WAL mode with synchronous=FULL.  Every mutation below is one
 * transaction of its own (BEGIN IMMEDIATE ... COMMIT, returning after
 * COMMIT), or, in batch mode, a savepoint released into the iteration's
 * one transaction, which store_flush() commits before anything leaves
 * (see store_batch()); either way a caller that answers a client when its
 * reply is sent never acknowledges something a crash can take back.
 * Statements are prepared once, at open.  Only the loop thread calls it.
 *
 * The rules of the product live here, inside the transactions that apply
 * them, so that they hold whichever request path reaches them:
 *   - a group always has an owner who is a member;
 *   - when the owner leaves, the member who joined earliest (lowest
 *     "since", ties by name) becomes owner; the last member leaving
 *     deletes the group with its requests;
 *   - a user has at most one pending request per group and none for a
 *     group they belong to.
 *
 * Files: a file belongs to a group under a name, with its size, SHA1 and
 * piece hashes.  "share" records that a user shares it, with where it
 * lives on that user's disk, so a later login can offer it again; it is
 * what makes a file listed.  "serving" records which session (client)
 * serves it now, partial downloads included; only sessions online on this
 * tracker are handed out as sources.  A file nobody shares is forgotten.
 * Leaving a group stops the user's shares in it.
 *
 * Functions return ST_OK, a rule's refusal (ST_NO_GROUP, ...), or ST_ERR
 * when SQLite failed (logged here).
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

struct buf;
struct store;
struct wire_msg;

enum store_rc {
	ST_OK = 0,
	ST_ERR,
	ST_NO_USER,
	ST_USER_EXISTS,
	ST_NO_GROUP,
	ST_GROUP_EXISTS,
	ST_NOT_MEMBER,
	ST_ALREADY_MEMBER,
	ST_ALREADY_REQUESTED,
	ST_NOT_OWNER,
	ST_NO_REQUEST,
	ST_NO_SESSION,
	ST_NO_FILE,
	ST_FILE_CONFLICT,	/* same name, other content */
	ST_NOT_SHARER,
	ST_SESSION_ENDED,	/* ended for a reason: store_session_why() */
	ST_BAD_OP,		/* a replicated op that does not decode */
	ST_GAP,			/* an op whose predecessor is missing */
	ST_QUOTA_GROUPS,	/* the user is in as many groups as allowed */
	ST_QUOTA_PENDING,	/* has as many join requests pending */
	ST_QUOTA_FILES,		/* shares as many files */
	ST_BAD_CURSOR,		/* a listing's cursor that is not one */
};

#define STORE_SALT_LEN		16
#define STORE_HASH_LEN		32
#define STORE_SCHEMA_VERSION	7

struct user_cred {
	uint8_t		salt[STORE_SALT_LEN];
	uint8_t		hash[STORE_HASH_LEN];
	unsigned	iter;
};

/*
 * Per-user quotas (0: none), checked by the local requests that grow
 * what a user holds, with the product's other rules: create_group while
 * the user is a member of groups groups, join_group while they have
 * pending join requests pending, an upload or update that would make
 * them share one file more than files.  Counted through indexes, each
 * count stopping at its quota.  Ops from other trackers are never
 * refused (that would make the trackers differ): under a partition each
 * side admits up to the quota.
 */
struct store_quota {
	uint32_t	groups, pending, files;
};
void	store_set_quota(struct store *, const struct store_quota *);

/* Called once per row of a listing. */
typedef void (*store_row_cb)(void *arg, const char *name);

/*
 * Open or create; path ":memory:" for tests.  NULL with err filled: also
 * for an empty file (not a database: a new one is made only where there
 * is no file) and for one that fails PRAGMA quick_check.
 */
struct store	*store_open(const char *path, char *err, size_t errlen);
void		 store_close(struct store *);
/*
 * Check the database: quick_check (full 0) or integrity_check (full 1).
 * 0 when sound, else -1 with SQLite's first findings in out, a line each.
 * On the loop thread; it reads every page (integrity_check: seconds for
 * a large database), so only at start and on the operator's "check".
 */
int		 store_check(struct store *, int full, char *out,
		    size_t outlen);

int	store_user_create(struct store *, const char *user,
	    const struct user_cred *);
int	store_user_cred(struct store *, const char *user, struct user_cred *);

/*
 * Sessions are keyed by the SHA-256 of the token, never the token.  A
 * session is bound to fp, the key its client proved over TLS, and has
 * tkey, the key its client checks its peers' tickets with.
 */
int	store_session_add(struct store *, const uint8_t key[32],
	    const char *user, const char *peer, const uint8_t fp[32],
	    const uint8_t tkey[32]);
/*
 * The session's user into user[ID_MAX + 1]; ST_NO_SESSION if none, or if
 * fp (unless NULL) is not the key the session is bound to: a token is
 * worth nothing on a link that does not prove its client's key.
 */
int	store_session_user(struct store *, const uint8_t key[32],
	    const uint8_t *fp, char user[ID_MAX + 1]);
int	store_session_del(struct store *, const uint8_t key[32]);
/* End every session of the user (logout --all); *n: how many ended. */
int	store_session_end_all(struct store *, const char *user, unsigned *n);
/*
 * End the sessions that have had no client link on any tracker for
 * idle_ms (as far as this tracker knows), a bounded number a call.
 */
int	store_expire(struct store *, uint64_t idle_ms, unsigned *n);

int	store_group_create(struct store *, const char *group,
	    const char *owner);
int	store_group_join(struct store *, const char *group, const char *user);
int	store_group_leave(struct store *, const char *group,
	    const char *user);
int	store_group_accept(struct store *, const char *group,
	    const char *owner, const char *user);
int	store_group_reject(struct store *, const char *group,
	    const char *owner, const char *user);
/* Pending requests, for the owner only. */
int	store_group_requests(struct store *, const char *group,
	    const char *owner, store_row_cb, void *arg);
int	store_groups(struct store *, store_row_cb, void *arg);
/*
 * A number that stays the same while store_groups() would give the same
 * answer, so a caller may keep what it made of that answer; 0 when the
 * answer is not kept (a database error, or a list too long to keep).
 */
uint64_t store_groups_gen(struct store *);
/* The group's owner into owner[ID_MAX + 1]. */
int	store_group_owner(struct store *, const char *group,
	    char owner[ID_MAX + 1]);
/* ST_OK if user is a member, ST_NOT_MEMBER or ST_NO_GROUP otherwise. */
int	store_is_member(struct store *, const char *group, const char *user);

struct file_meta {
	uint64_t	 size;
	uint8_t		 sha1[20];
	const uint8_t	*pieces;	/* npieces * 20; from the store:
					   valid until its next file call */
	uint32_t	 npieces;	/* hashes: of the pieces, then of
					   the units if any (wire.h) */
};

/* One row of store_my_shares(). */
struct share_row {
	const char	*group, *name, *path;
	const uint8_t	*sha1;
	uint64_t	 size;
	int64_t		 mtime;
};
typedef void (*store_share_cb)(void *arg, const struct share_row *);

/*
 * user (of session key) shares a file: the file is added if the group has
 * none of that name; the same content makes one more sharer; other content
 * is ST_FILE_CONFLICT.
 */
int	store_upload(struct store *, const uint8_t key[32], const char *user,
	    const char *group, const char *name, const struct file_meta *,
	    const char *path, int64_t mtime);
/*
 * A synced folder's new version of name (WT_UPDATE): as store_upload(),
 * but taken whatever content the name holds (the newest by stamp wins on
 * every tracker); parent is the content it was made from, or NULL.
 */
int	store_update(struct store *, const uint8_t key[32], const char *user,
	    const char *group, const char *name, const struct file_meta *,
	    const char *path, int64_t mtime, const uint8_t *parent);
/* Files of the group that someone shares (members only). */
int	store_list_files(struct store *, const char *group, const char *user,
	    void (*cb)(void *, const char *name, uint64_t size,
	    const uint8_t *sha1), void *arg);
/* The same, with each content's parent (NULL: none or not known). */
int	store_list_versions(struct store *, const char *group,
	    const char *user, void (*cb)(void *, const char *name,
	    uint64_t size, const uint8_t *sha1, const uint8_t *parent),
	    void *arg);
/* Metadata (members only); m->pieces valid until the next call. */
int	store_file_info(struct store *, const char *group, const char *name,
	    const char *user, struct file_meta *m);
/* The same without the piece hashes: m->pieces NULL, m->npieces 0. */
int	store_file_sha1(struct store *, const char *group, const char *name,
	    const char *user, struct file_meta *m);
/*
 * The online sessions serving it, except key's: each one's peer address,
 * the key it proved (fp) and its ticket key, once per address.
 */
typedef void (*store_source_cb)(void *arg, const char *peer,
	    const uint8_t fp[32], const uint8_t tkey[32]);
int	store_sources(struct store *, const char *group, const char *name,
	    const uint8_t key[32], store_source_cb, void *arg);
/* The session serves (part of) a file of the group. */
int	store_serve(struct store *, const uint8_t key[32], const char *user,
	    const char *group, const char *name);
int	store_stop_share(struct store *, const uint8_t key[32],
	    const char *user, const char *group, const char *name);
int	store_my_shares(struct store *, const char *user, store_share_cb,
	    void *arg);

/*
 * Search (store_search.c): the files of the groups user is a member of
 * whose names match pat (match.h; the caller checked it with
 * match_check()), listed as store_list_files() lists them (someone
 * shares them), in (group, name) order after the cursor (after_group ""
 * and after_name "": from the start).  Names come from an index in
 * memory over every file row (nameidx.h), built from the tables at the
 * first search (or store_search_warm()) and kept in step wherever a file
 * row is made, ops and snapshots alike; each candidate is checked against
 * the tables before cb sees it.
 *
 * A page: at most STORE_SEARCH_PAGE names are looked at a call.  cb gets
 * each hit in order (pointers valid during the call) and returns 0 to
 * take it or -1 when the page is full (the first hit of a call must be
 * taken).  end says where the next page starts (what was looked at last,
 * hit or not) and whether there is more; the cursor may be end's own
 * strings.
 */
#define STORE_SEARCH_PAGE	1024

struct store_hit {
	const char	*group, *name;
	uint64_t	 size;
	uint8_t		 sha1[20];
};
struct store_search_end {
	char		 group[ID_MAX + 1];
	char		 name[NAME_MAX_LEN + 1];
	int		 more;
};
typedef int (*store_hit_cb)(void *arg, const struct store_hit *);
int	store_search(struct store *, const char *user, const char *pat,
	    const char *after_group, const char *after_name, store_hit_cb,
	    void *arg, struct store_search_end *end);
/* Build the index now (at start-up) rather than at the first search. */
int	store_search_warm(struct store *);
/*
 * How the last search found its candidates: walked 1 if it walked the
 * user's groups name by name, 0 if by trigrams; names matched against
 * the pattern; hits checked against the tables.  For benchmarks.
 */
void	store_search_stats(const struct store *, int *walked,
	    size_t *candidates, size_t *checked);

/*
 * Listings a page at a time (store_page.c; common/page.h): the rows after
 * the cursor (after "" from the start), in the order of the whole
 * listings above, each handed to cb with the cursor that follows it
 * (key), until cb returns -1 (the page is full: that row is not taken)
 * or STORE_PAGE_ROWS were; *more then says rows may follow.  Groups and
 * files are ordered by name, and their cursor is the last name; join
 * requests by when they were made, their cursor saying so.  The checks
 * are the whole listings' (members only, the owner only); a cursor that
 * is not one is ST_BAD_CURSOR.
 */
#define STORE_PAGE_ROWS	16384
typedef int (*store_page_cb)(void *arg, const char *name, uint64_t size,
	    const uint8_t *sha1, const uint8_t *parent, const char *key);
int	store_groups_page(struct store *, const char *after, store_page_cb,
	    void *arg, int *more);
int	store_requests_page(struct store *, const char *group,
	    const char *owner, const char *after, store_page_cb, void *arg,
	    int *more);
/* Files of the group; with parents set, each content's parent too. */
int	store_files_page(struct store *, const char *group, const char *user,
	    const char *after, int parents, store_page_cb, void *arg,
	    int *more);
/*
 * The user's shares, as store_my_shares() lists them, in (group, name)
 * order after the cursor (page_share_cursor()'s "group name"; "": from
 * the start), each handed to cb with its key until cb returns -1 or
 * STORE_PAGE_ROWS were.
 */
typedef int (*store_share_page_cb)(void *arg, const struct share_row *);
int	store_shares_page(struct store *, const char *user, const char *after,
	    store_share_page_cb, void *arg, int *more);
/*
 * Rows a page's query reads at most (0: STORE_PAGE_ROWS): a test's knob
 * (P2PS_PAGE_ROWS, tracker/main.c) for listings of many pages made of
 * few rows.
 */
void	store_set_page_rows(struct store *, unsigned rows);

/* Online bookkeeping: one call per link bound to / unbound from a key. */
int	store_online(struct store *, const uint8_t key[32], int up);
int	store_is_online(struct store *, const uint8_t key[32]);
int	store_online_keys(struct store *, void (*cb)(void *, const uint8_t *),
	    void *arg);
/* What another tracker reports of its links; clear when it is cut off. */
int	store_remote_online(struct store *, uint32_t tracker,
	    const uint8_t key[32], int up);
int	store_remote_clear(struct store *, uint32_t tracker);

/*
 * Replication.  Every mutation above is also an op: stamped with this
 * tracker's id (origin), its next sequence number and a hybrid logical
 * clock stamp, applied and appended to the op log in the mutation's own
 * transaction.  store_apply() applies an op from another tracker the same
 * way, idempotently (an op already held is ST_OK and changes nothing)
 * and in order per origin (a gap is ST_GAP).
 */
void	 store_set_origin(struct store *, uint32_t origin);
/*
 * A stamp more than this ahead of our wall clock is refused, not
 * observed: one tracker's clock (or a forger) cannot drag the cluster's
 * clocks into the future, as CockroachDB bounds its offsets.  Its op is
 * taken once our clock has come that close.
 */
#define STORE_MAX_AHEAD_MS	(60 * 1000)
int	 store_stamp_ahead(uint64_t hlc);
/* The store's wall clock, ms since the epoch (see store_clock_jump()). */
uint64_t store_wall_ms(void);
/*
 * Test switch: the store's wall clock is the system's plus ms (either
 * sign), as if this tracker's clock had jumped; 0 puts it back.
 */
void	 store_clock_jump(int64_t ms);
/*
 * Unit tests only: the store's wall clock reads ms until set again (0:
 * the system's again), so that stamps, and the order of stamps made on
 * different stores, depend on what the test does and not on timing.
 */
void	 store_clock_fix(uint64_t ms);
/*
 * The cluster's clock, as loop_clock_ms() (monotonic) + off (sync.c: the
 * median of the trackers' clocks, from their BEATs).  From then on ops
 * made here are never stamped more than STORE_CLOCK_SLACK_MS ahead of it
 * (extrapolated with the monotonic clock: a jump of our wall clock, even
 * between two BEATs, does not move it), so the others do not refuse
 * them; and a stamp is judged ahead (STORE_MAX_AHEAD_MS) against the
 * later of it and our clock, so we do not refuse theirs when ours is
 * behind.
 */
#define STORE_CLOCK_SLACK_MS	1000
void	 store_cluster_clock(struct store *, int64_t off);
/*
 * Group commit.  In batch mode every mutation is a savepoint inside one
 * transaction that store_flush() commits (one sync for all of them); the
 * caller must flush before any reply or op leaves the process.  -1 if the
 * commit failed: everything since the last flush is gone.
 */
void	 store_batch(struct store *, int on);
int	 store_flush(struct store *);
/*
 * Read-only (on 1): every mutation fails at once (ST_ERR, nothing
 * written) and the local bookkeeping that writes (a session's last
 * activity) is skipped, so nothing reaches the disk.  For a tracker
 * whose COMMIT failed (a full disk) until the disk has room again.
 */
void	 store_readonly(struct store *, int on);
uint32_t store_origin(const struct store *);
/*
 * The request being served: its key (32 bytes, e.g. a hash of the
 * client's request frame) goes with the op, so a retry of it on any
 * tracker is recognised by store_request_done().  NULL for none.
 */
void	 store_set_request(struct store *, const uint8_t *req);
int	 store_request_done(struct store *, const uint8_t req[32]);
/* After ST_SESSION_ENDED: why, in plain words. */
const char *store_session_why(const struct store *);

int	 store_apply(struct store *, uint32_t origin, uint64_t seq,
	    uint64_t hlc, const uint8_t *req, size_t reqlen,
	    const uint8_t *op, size_t oplen);
/* The last op held from origin (0 for none), and all of them. */
uint64_t store_hwm(struct store *, uint32_t origin);
int	 store_hwms(struct store *, void (*cb)(void *, uint32_t origin,
	    uint64_t seq), void *arg);

/* An op as logged here; pointers valid during the callback. */
struct store_op {
	uint64_t	 lseq;		/* position in this log */
	uint32_t	 origin;
	uint64_t	 seq, hlc;
	const void	*req, *op;
	size_t		 reqlen, oplen;
};
/* Return -1 to stop early. */
typedef int (*store_op_cb)(void *arg, const struct store_op *);
/* Up to max ops after position lseq, in the order applied here. */
int	 store_log_after(struct store *, uint64_t lseq, unsigned max,
	    store_op_cb, void *arg);
uint64_t store_log_last(struct store *);
/* Ops applied since open (any origin). */
uint64_t store_applied(const struct store *);

/*
 * The log holds every op of origin after store_log_base() up to its
 * high-water mark; older ones are only in the tables.  A peer lacking
 * one of those needs a snapshot: store_snapshot() appends one to out
 * (WT_S_R_ frames, then WT_S_SNAP_END with our high-water marks; rows
 * counts them); the receiver passes each frame to store_merge(), which
 * joins it with what is there (ST_OK, ST_BAD_OP or ST_ERR).
 */
uint64_t store_log_base(struct store *, uint32_t origin);
int	 store_snapshot(struct store *, struct buf *out, size_t *rows);
int	 store_merge(struct store *, const struct wire_msg *);
/*
 * The same in pieces, for a sender that must not stall: the state is
 * fixed at begin (a read transaction of its own) and read out by next(),
 * about budget bytes a call: 1 while there is more, 0 once SNAP_END is
 * out, -1 on error.  Then the peer holds what our log holds up to
 * store_snap_lseq(), and store_snap_hwm() of each origin.
 */
struct store_snap;
struct store_snap *store_snap_begin(struct store *);
int	 store_snap_next(struct store_snap *, struct buf *out, size_t budget);
uint64_t store_snap_lseq(const struct store_snap *);
uint64_t store_snap_hwm(const struct store_snap *, uint32_t origin);
size_t	 store_snap_rows(const struct store_snap *);
void	 store_snap_free(struct store_snap *);
/*
 * Drop from the log the ops of each origin 1..n that every other tracker
 * holds (held[origin], or held NULL), then the oldest beyond keep ops
 * whoever holds them (a tracker away that long gets a snapshot), and
 * the remembered requests older than five minutes.  A bounded step per
 * call; *trimmed says how many ops went.
 */
int	 store_trim(struct store *, const uint64_t *held, uint32_t n,
	    uint64_t keep, uint64_t *trimmed);

#endif
