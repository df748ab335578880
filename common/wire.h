/*
 * wire.h - frames and messages of every protocol we speak.
 *
 * Pure codec: bytes to structs and back, no sockets, clocks or globals, so
 * it is unit-tested and fuzzed on its own.
 *
 * FRAME
 *	u32 body length | u16 type | u16 flags (0) | u32 request id | body
 *
 * All integers are big-endian.  The header is WIRE_HDR bytes.  Each type
 * has a ceiling on its body length (64 KiB for control messages); a header
 * announcing more is refused before any body byte is read or allocated.
 * The request id is chosen by the requester and echoed in the reply
 * (WT_OK, WT_ERROR or a typed reply), so requests may be pipelined.
 *
 * BODY
 * Each type's body is described by a format string, one letter a field:
 *	b u8	w u16	u u32	q u64
 *	i id	 u8 length (1..64), bytes of [A-Za-z0-9._-], NUL
 *	s string u16 length (0..WIRE_STR_MAX), bytes without NUL, NUL
 *	h hash	 20 bytes (SHA1)
 *	t token	 16 bytes (session token)
 *	H hashes u32 count (0..WIRE_HASHES_MAX), count * 20 bytes
 *	B blob	 u32 length, bytes
 *	R rest	 every byte left in the body, raw (piece data; last field)
 *	*	 the fields after it repeat until the body ends (a list)
 * Strings travel with their terminating NUL so that a decoded field points
 * straight into the frame as a C string: no copy, no allocation.
 *
 * The first frame on every connection is WT_HELLO from the side that
 * connected: magic, protocol version, role.  The acceptor answers with its
 * own WT_HELLO, or WT_ERROR and closes on a mismatch.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define WIRE_HDR	12
#define WIRE_MAGIC	0x50325053u	/* "P2PS" */
#define WIRE_VERSION	9	/* 2: under TLS, tickets name keys; 3: downloaders
				   tell their sources HAVE and BITFIELD; 4:
				   SOURCES, a bounded random set of them; 5:
				   BEAT on client and sync links; 6: listings
				   in pages (GROUPS_PAGE...), SUBSCRIBE and
				   CHANGED; 7: S_R_MARK carries a request
				   key, after the rows; 8: a user's shares in
				   pages (MY_SHARES_PAGE, SHARES_PAGE); 9:
				   unit hashes after the piece hashes, and
				   peers' piece numbers count units */
#define WIRE_CTRL_MAX	(64 * 1024)
#define WIRE_STR_MAX	4096
#define WIRE_HASHES_MAX	(256 * 1024)	/* 128 GiB of 512 KiB pieces */
/*
 * The most sources a tracker names in one FILE or PEERS reply: a random
 * set of that many when more serve the file (BitTorrent trackers hand
 * out about 50, "numwant"), so a reply does not grow with the swarm.
 */
#define WIRE_SOURCES_MAX 40
#define WIRE_MAX_FIELDS	12
#define WIRE_TOKEN_LEN	16
#define WIRE_TICKET_LEN	72	/* u64 expiry, source key, HMAC-SHA256 */
#define WIRE_HASH_LEN	20
#define WIRE_PIECE_LEN	(512 * 1024)	/* the piece size of every file */
#define WIRE_BLOCK_MAX	WIRE_PIECE_LEN	/* most data one PIECE carries */
/* The largest file: one whose piece hashes fit a message. */
#define WIRE_FILE_MAX	((uint64_t)WIRE_HASHES_MAX * WIRE_PIECE_LEN)

/* Parts of len bytes (the last maybe fewer) of a file of size bytes
 * (no overflow for any size). */
static inline uint64_t
wire_parts(uint64_t size, uint64_t len)
{
	return size / len + (size % len != 0);
}

/* Pieces of a file of size bytes. */
static inline uint64_t
wire_npieces(uint64_t size)
{
	return wire_parts(size, WIRE_PIECE_LEN);
}

/*
 * Units: what peers exchange and check one at a time.  A file's hashes,
 * as its uploader sends them and a tracker keeps and hands out, are the
 * SHA1 of each 512 KiB piece, then (if they fit a message) the SHA1 of
 * each WIRE_UNIT_LEN unit.  With unit hashes a downloader checks and
 * passes on a quarter piece at a time: in a swarm on scarce uplinks a
 * peer forwards what it has checked, so the smaller the unit the sooner
 * every uplink works (at N = 24, 30.9 s for 64 MiB instead of 34.2;
 * README, Network lab).  Without them (a record from before, or a file
 * whose unit hashes do not fit) the unit is the piece.
 */
#define WIRE_UNIT_LEN	(128 * 1024)

static inline uint64_t
wire_nunits(uint64_t size)
{
	return wire_parts(size, WIRE_UNIT_LEN);
}

/* Does a file of size bytes have hashes for its units too? */
static inline int
wire_has_units(uint64_t size)
{
	return wire_npieces(size) + wire_nunits(size) <= WIRE_HASHES_MAX;
}

/* Is n hashes right for a file of size bytes: pieces, or pieces+units? */
static inline int
wire_hashes_ok(uint64_t size, uint64_t n)
{
	return size <= WIRE_FILE_MAX && (n == wire_npieces(size) ||
	    (n == wire_npieces(size) + wire_nunits(size) &&
	    wire_has_units(size)));
}

/* The unit of a file with n hashes (wire_hashes_ok). */
static inline uint32_t
wire_unit_len(uint64_t size, uint64_t n)
{
	return n > wire_npieces(size) ? WIRE_UNIT_LEN : WIRE_PIECE_LEN;
}

enum wire_role {
	ROLE_CLIENT = 1,	/* a client's shell talking to a tracker */
	ROLE_TRACKER = 2,	/* tracker to tracker sync channel */
	ROLE_PEER = 3,		/* client to client piece exchange */
};

/*
 * Message types.  Numbers are part of the protocol: never reuse one.
 * 1..15 generic replies, 16..63 client->tracker, 64..95 peer<->peer,
 * 96..127 tracker<->tracker.  1..15 being all taken, a later reply takes
 * a number of 16..63 (SHARES_PAGE); the tracker answers no such number
 * as a request (handlers.c's table has no row for it).
 */
enum wire_type {
	WT_HELLO = 1,		/* "uwbs" magic, version, role, software */
	WT_ERROR = 2,		/* "ws" code, message */
	WT_OK = 3,		/* "" */
	WT_NAMES = 4,		/* "*s" a list of names */
	WT_SESSION = 5,		/* "tiB" token, user, ticket key: the key
				   peers' tickets for this session's files
				   are made with */
	WT_FILES = 6,		/* "*sqh" name, size, sha1 */
	WT_FILE = 7,		/* "sqhH*sB" name, size, sha1, piece hashes,
				   then the peer address of each source
				   with a ticket for asking it, which names
				   the key the source must prove: at most
				   WIRE_SOURCES_MAX, drawn at random */
	WT_SHARES = 8,		/* "*isshqq" group, name, local path, sha1,
				   size, mtime: what the user shares */
	WT_PEERS = 9,		/* "h*sB" sha1 of the file's content, then
				   sources as in WT_FILE */
	WT_FOUND = 10,		/* "bss*siqh" more (1: ask again from the
				   next group and name that follow), then
				   hits: name, group, size, sha1 */
	WT_VERSIONS = 11,	/* "*sqhh" name, size, sha1, parent: the
				   content a synced folder made this one
				   from (zeros: none, or not known) */
	WT_BEAT = 12,		/* "q" the sender's wall clock (ms since the
				   epoch; 0 on client links): a heartbeat,
				   never answered.  On the sync channel each
				   side sends one every 500 ms; a client
				   sends one a second to its tracker, which
				   from then on sends them back.  A link that
				   hears nothing for a while is taken for
				   dead (see sync.c, tracker/link.c,
				   client/tracker_link.c) */
	WT_NAMES_PAGE = 13,	/* "bs*s" more (1: ask again from the cursor),
				   the cursor (opaque: the tracker's), then
				   names: a page of a listing (common/page.h) */
	WT_FILES_PAGE = 14,	/* "bs*sqhh" more, cursor, then files: name,
				   size, sha1, parent (zeros: none, not
				   known, or not asked for) */
	WT_CHANGED = 15,	/* "i" group: a notice, never answered (id
				   0), to a link that subscribed the group
				   (WT_SUBSCRIBE): its files changed (an op
				   applied here or from another tracker);
				   at most one a group per NOTIFY_GAP_MS */

	WT_CREATE_USER = 16,	/* "is" user, password */
	WT_LOGIN = 17,		/* "isst" user, password, peer address, the
				   session's token, chosen by the client: a
				   LOGIN sent again to another tracker after
				   a failover makes the same session */
	WT_LOGOUT = 18,		/* "t" */
	WT_CREATE_GROUP = 19,	/* "ti" */
	WT_JOIN_GROUP = 20,	/* "ti" */
	WT_LEAVE_GROUP = 21,	/* "ti" */
	WT_LIST_REQUESTS = 22,	/* "ti" -> WT_NAMES */
	WT_ACCEPT_REQUEST = 23,	/* "tii" group, user */
	WT_REJECT_REQUEST = 24,	/* "tii" group, user */
	WT_LIST_GROUPS = 25,	/* "t" -> WT_NAMES */
	WT_PING = 26,		/* "t": keeps the session's link (and so its
				   shares) online */
	WT_UPLOAD = 27,		/* "tisqhHsq" group, name, size, sha1, piece
				   hashes, local path, mtime: this user shares
				   the file, this session serves it */
	WT_LIST_FILES = 28,	/* "ti" -> WT_FILES */
	WT_FILE_INFO = 29,	/* "tis" group, name -> WT_FILE */
	WT_SHARE = 30,		/* "tis" group, name: this session serves
				   (part of) a file the group has */
	WT_STOP_SHARE = 31,	/* "tis" group, name */
	WT_MY_SHARES = 32,	/* "t" -> WT_SHARES */
	WT_LOGOUT_ALL = 33,	/* "t": end every session of the user */
	WT_SOURCES = 34,	/* "tis" group, name -> WT_PEERS: a
				   downloader's refresh, without the piece
				   hashes it has */
	WT_SEARCH = 35,		/* "tsss" pattern, after group, after name
				   ("" ""  from the start) -> WT_FOUND: a
				   page of hits, in (group, name) order */
	WT_UPDATE = 36,		/* "tisqhHsqh" as UPLOAD, then the parent:
				   a synced folder's new version of a name,
				   taken whatever content the name holds
				   (zeros: a new name) */
	WT_LIST_VERSIONS = 37,	/* "ti" -> WT_VERSIONS: list_files with
				   each content's parent */
	/*
	 * Listings a page at a time: the cursor is "" for the first page,
	 * then what the last page named, until one says no more.  A page
	 * is at most a control frame (64 KiB), so no listing has a size a
	 * user can push over a limit.
	 */
	WT_GROUPS_PAGE = 38,	/* "ts" cursor -> WT_NAMES_PAGE */
	WT_REQUESTS_PAGE = 39,	/* "tis" group, cursor -> WT_NAMES_PAGE */
	WT_FILES_PAGE_REQ = 42,	/* "tis" group, cursor -> WT_FILES_PAGE */
	WT_VERSIONS_PAGE = 43,	/* "tis" group, cursor -> WT_FILES_PAGE,
				   parents given */
	WT_SUBSCRIBE = 40,	/* "ti" group -> WT_OK: WT_CHANGED on this
				   link when its files change (members only;
				   NOTIFY_SUBS_MAX groups a link, for as
				   long as the link lasts) */
	WT_UNSUBSCRIBE = 41,	/* "ti" group -> WT_OK: no more of them */
	/*
	 * A user's shares a page at a time (the login's re-share): the
	 * cursor is "" at first, then "group name" (one blank between: a
	 * blank sorts before every id character, so cursors grow as the
	 * (group, name) order does).
	 */
	WT_MY_SHARES_PAGE = 44,	/* "ts" cursor -> WT_SHARES_PAGE */
	WT_SHARES_PAGE = 45,	/* "bs*isshqq" more, cursor, then shares as
				   in WT_SHARES: a reply (see above) */

	/*
	 * Peer protocol.  Files are addressed by their whole-file SHA1,
	 * never by a name or path.  WANT subscribes to a file: the server
	 * answers with its BITFIELD and then sends HAVE for each piece it
	 * verifies later.  Data moves in blocks of a piece.  A ticket is good
	 * for a while (the tracker's --ticket-seconds): a WANT of a file the
	 * link already follows, with id WIRE_ID_RENEW, renews it and gets no
	 * answer (an ERROR if the ticket is no good); once the last good
	 * ticket of a file ends, the server stops serving it on that link.
	 */
	WT_P_WANT = 64,		/* "hB" sha1, ticket -> WT_P_BITFIELD or
				   WT_ERROR */
	WT_P_BITFIELD = 65,	/* "hB" sha1, bitfield (MSB first) */
	WT_P_HAVE = 66,		/* "hu" sha1, piece */
	WT_P_REQUEST = 67,	/* "huuu" sha1, piece, offset, length */
	WT_P_PIECE = 68,	/* "huuR" sha1, piece, offset, data */
	WT_P_CANCEL = 69,	/* "huuu" sha1, piece, offset, length */

	/*
	 * Sync channel between trackers (see tracker/sync.c).  AUTH carries
	 * the sender's tracker id and a fresh nonce; PROOF answers the other
	 * side's nonce with an HMAC under the cluster secret.  Then each side
	 * sends HWM (the last op it holds from each origin) and streams OPs
	 * the other lacks, in the order it applied them; ACK confirms the
	 * last op committed.  ONLINE tells which sessions have a live client
	 * connection on the sender.
	 */
	WT_S_AUTH = 96,		/* "uB" tracker id, nonce */
	WT_S_PROOF = 97,	/* "B" HMAC-SHA256 */
	WT_S_HWM = 98,		/* "*uq" origin, seq */
	WT_S_OP = 99,		/* "uqqBB" origin, seq, stamp, request key,
				   the op (a whole frame of a WT_OP_ type) */
	WT_S_ACK = 100,		/* "uq" origin, seq */
	WT_S_ONLINE = 101,	/* "bB" up, session key */
	/*
	 * A snapshot, for a peer that lacks ops this side no longer logs:
	 * every row of the replicated tables (R_ frames, in the order below),
	 * then SNAP_END with the high-water marks they add up to.  The
	 * receiver merges each row with the rules ops follow, then answers
	 * with its own HWM.  "qu" pairs after the incarnation are the row's
	 * stamp and origin; a row's first fields are laid out as the op that
	 * makes such a row, so one function applies both.
	 */
	WT_S_R_USER = 102,	/* "iBBuquB" as OP_USER; born, origin, req */
	WT_S_R_SESSION = 103,	/* "BiqusBBb" as OP_LOGIN; alive (1; 0:
				   logged out; 2: ended by its account's
				   loss, a login to class again) */
	WT_S_R_GROUP = 104,	/* "iquqB" group, born, origin, revived, req */
	WT_S_R_MEMBER = 105,	/* "iquiuuqu" as OP_JOIN; state, stamp, origin */
	WT_S_R_FILE = 106,	/* "iqusqhHqu" group, incarnation, name, size,
				   sha1, piece hashes, born, origin */
	WT_S_R_SHARE = 107,	/* "iqusibhsqqu" group, incarnation, name,
				   user, present, sha1, path, mtime, stamp,
				   origin */
	WT_S_R_SERVE = 108,	/* "iqusBbhqu" group, incarnation, name, key,
				   present, sha1, stamp, origin */
	WT_S_R_MARK = 109,	/* "biiquB" 1 alias / 2 lost, kind ("user",
				   "group"), name, born, origin, request
				   key (empty: none); sent after USER and
				   GROUP rows */
	WT_S_R_REQ = 110,	/* "Bq" a request done, when */
	WT_S_SNAP_END = 111,	/* "*uqq" origin, seq, stamp */
	/*
	 * A snapshot is offered, then asked for: rows and SNAP_END are
	 * taken only by a side that asked, so none can be pushed unasked.
	 */
	WT_S_SNAP_OFFER = 124,	/* "" */
	WT_S_SNAP_ASK = 125,	/* "" */

	/*
	 * Operations: one a mutation, replicated through the op log.  The
	 * stamp and origin travel in the WT_S_OP envelope; "qu" pairs name
	 * the incarnation (creation stamp, origin) of the group or user the
	 * op is about, so an op never lands on a namesake.
	 */
	WT_OP_USER = 112,	/* "iBBu" name, salt, hash, iterations */
	WT_OP_SESSION = 113,	/* "Biqus" key, user, its incarnation, peer */
	WT_OP_LOGOUT = 114,	/* "B" key */
	WT_OP_GROUP = 115,	/* "iiquu" group, creator, incarnation, the
				   creator's membership round (epoch) */
	WT_OP_JOIN = 116,	/* "iquiu" group, incarnation, user, epoch */
	WT_OP_ACCEPT = 117,	/* "iquiu" */
	WT_OP_REJECT = 118,	/* "iquiu" */
	WT_OP_LEAVE = 119,	/* "iquiu" */
	WT_OP_UPLOAD = 120,	/* "iqusqhHisqB" group, incarnation, name,
				   size, sha1, piece hashes, user, path,
				   mtime, session key */
	WT_OP_SERVE = 121,	/* "iqushB" group, incarnation, name, sha1 of
				   the content served, key */
	WT_OP_STOP = 122,	/* "iqusiB" group, incarnation, name, user,
				   key */
	WT_OP_LOGIN = 123,	/* "BiqusBB" as OP_SESSION, then the key the
				   client proved (TLS) and its ticket key;
				   OP_SESSION is left from before TLS */
	WT_OP_UPDATE = 126,	/* "iqusqhHisqBh" as OP_UPLOAD, then the
				   parent (WT_UPDATE) */
	/* A snapshot row, late to the list above (no number was left). */
	WT_S_R_VERSION = 127,	/* "iqushhqu" group, incarnation, name, sha1,
				   parent, stamp, origin */

	WT_TYPE_MAX = 128
};

/*
 * Field names: decoded fields are read as m->f[LOGIN_PEER], never by a
 * bare position.  One enum a layout, in the order of its format above
 * (a "*" list's item fields count from 0 again, as wire_iter_next()
 * fills them).  test_wire checks each against wire_format().
 */
enum { HELLO_MAGIC, HELLO_VERSION, HELLO_ROLE, HELLO_SOFTWARE };
enum { ERROR_CODE, ERROR_MSG };
enum { NAMES_NAME };					/* item */
enum { SESSION_TOKEN, SESSION_USER, SESSION_TICKET_KEY };
enum { FILES_NAME, FILES_SIZE, FILES_SHA1 };		/* item */
enum { FILE_NAME, FILE_SIZE, FILE_SHA1, FILE_PIECES };
enum { SOURCE_PEER, SOURCE_TICKET };		/* FILE's, PEERS's item */
enum { PEERS_SHA1 };
enum { SHARES_GROUP, SHARES_NAME, SHARES_PATH, SHARES_SHA1, SHARES_SIZE,
	SHARES_MTIME };					/* item */
enum { FOUND_MORE, FOUND_NEXT_GROUP, FOUND_NEXT_NAME };
enum { HIT_NAME, HIT_GROUP, HIT_SIZE, HIT_SHA1 };	/* FOUND's item */
enum { SEARCH_TOKEN, SEARCH_PATTERN, SEARCH_AFTER_GROUP, SEARCH_AFTER_NAME };
/* CREATE_USER "is" and LOGIN "isst". */
enum { ACCOUNT_USER, ACCOUNT_PASSWORD, LOGIN_PEER, LOGIN_TOKEN };
/* Requests of a session: "t", "ti", "tii", "tis". */
enum { REQ_TOKEN, REQ_GROUP, REQ_ARG, REQ_USER = REQ_ARG,
	REQ_NAME = REQ_ARG };
/* UPLOAD, and UPDATE after it. */
enum { UPLOAD_TOKEN, UPLOAD_GROUP, UPLOAD_NAME, UPLOAD_SIZE, UPLOAD_SHA1,
	UPLOAD_PIECES, UPLOAD_PATH, UPLOAD_MTIME, UPDATE_PARENT };
enum { VER_NAME, VER_SIZE, VER_SHA1, VER_PARENT };	/* VERSIONS' item */
/* NAMES_PAGE and FILES_PAGE; their items are NAMES' and VERSIONS'. */
enum { PAGE_MORE, PAGE_CURSOR };
/* GROUPS_PAGE and MY_SHARES_PAGE "ts"; the others "tis" as REQ_TOKEN,
   REQ_GROUP.  SHARES_PAGE's items are SHARES'. */
enum { PAGEREQ_TOKEN, PAGEREQ_GROUPS_CURSOR };
enum { PAGEREQ_CURSOR = 2 };
enum { CHANGED_GROUP };
/* Peer messages: the file, then per type. */
#define WIRE_ID_RENEW	0xffffffffu	/* a WANT that renews a ticket */
enum { PEER_SHA1, WANT_TICKET = 1, BITFIELD_BITS = 1, PEER_PIECE = 1,
	BLOCK_OFFSET, BLOCK_LENGTH, BLOCK_DATA = BLOCK_LENGTH };
enum { BEAT_WALL };
enum { AUTH_ID, AUTH_NONCE };
enum { PROOF_MAC };
/* S_HWM's and S_SNAP_END's items, S_ACK. */
enum { HWM_ORIGIN, HWM_SEQ, HWM_STAMP };
enum { SOP_ORIGIN, SOP_SEQ, SOP_STAMP, SOP_REQ, SOP_OP };
enum { ONLINE_UP, ONLINE_KEY };
/* OP_USER, and S_R_USER after it. */
enum { USER_NAME, USER_SALT, USER_HASH, USER_ITER, RUSER_BORN, RUSER_ORIGIN,
	RUSER_REQ };
/* OP_SESSION; OP_LOGIN goes on, and S_R_SESSION after it. */
enum { SESS_KEY, SESS_USER, SESS_UBORN, SESS_UORIGIN, SESS_PEER,
	SESS_FP, SESS_TKEY, RSESS_ALIVE };
enum { LOGOUT_KEY };
enum { GROUP_NAME, GROUP_CREATOR, GROUP_BORN, GROUP_ORIGIN, GROUP_EPOCH };
enum { RGROUP_NAME, RGROUP_BORN, RGROUP_ORIGIN, RGROUP_REVIVED, RGROUP_REQ };
enum { MARK_WHAT, MARK_KIND, MARK_NAME, MARK_BORN, MARK_ORIGIN, MARK_REQ };
enum { RREQ_KEY, RREQ_AT };
/*
 * Every op and row about a group begins with the group's incarnation:
 * name, creation stamp, origin.  Each layout goes on from there.
 */
enum { G_NAME, G_BORN, G_ORIGIN };
/* OP_JOIN, ACCEPT, REJECT, LEAVE; S_R_MEMBER after them. */
enum { MEM_USER = G_ORIGIN + 1, MEM_EPOCH, RMEM_STATE, RMEM_STAMP,
	RMEM_ORIGIN };
/*
 * OP_UPLOAD, and OP_UPDATE after it; S_R_FILE shares their first fields up
 * to pieces.
 */
enum { UP_NAME = G_ORIGIN + 1, UP_SIZE, UP_SHA1, UP_PIECES, UP_USER,
	UP_PATH, UP_MTIME, UP_KEY, UP_PARENT, RFILE_BORN = UP_USER,
	RFILE_ORIGIN };
enum { RSHARE_NAME = G_ORIGIN + 1, RSHARE_USER, RSHARE_PRESENT, RSHARE_SHA1,
	RSHARE_PATH, RSHARE_MTIME, RSHARE_STAMP, RSHARE_ORIGIN };
enum { SERVE_NAME = G_ORIGIN + 1, SERVE_SHA1, SERVE_KEY };
enum { RSERVE_NAME = G_ORIGIN + 1, RSERVE_KEY, RSERVE_PRESENT, RSERVE_SHA1,
	RSERVE_STAMP, RSERVE_ORIGIN };
enum { STOP_NAME = G_ORIGIN + 1, STOP_USER, STOP_KEY };
enum { RVER_NAME = G_ORIGIN + 1, RVER_SHA1, RVER_PARENT, RVER_STAMP,
	RVER_ORIGIN };

/* Codes carried by WT_ERROR; the message says the same in plain words. */
enum wire_err {
	WE_PROTO = 1,		/* malformed or unexpected message */
	WE_AUTH = 2,		/* not logged in, or the session ended */
	WE_DENIED = 3,		/* logged in but not allowed */
	WE_EXISTS = 4,
	WE_NOTFOUND = 5,
	WE_INVALID = 6,		/* well-formed but unacceptable argument */
	WE_INTERNAL = 7,	/* our fault: storage or similar */
	WE_BUSY = 8,
};

enum wire_status { WIRE_NEED_MORE, WIRE_OK, WIRE_BAD };

struct wire_hdr {
	uint32_t	len;
	uint16_t	type;
	uint16_t	flags;
	uint32_t	id;
};

/*
 * One decoded field.  Numbers land in u; i/s land in s (NUL-terminated,
 * n bytes without the NUL); h/t/B/H land in p with n bytes (H: n hashes).
 * Pointers refer into the frame and live as long as it does.
 */
struct wire_field {
	uint64_t	 u;
	const char	*s;
	const uint8_t	*p;
	uint32_t	 n;
};

struct wire_msg {
	struct wire_hdr		 h;
	const uint8_t		*body;		/* the raw body, h.len bytes */
	unsigned		 nf;		/* fixed fields decoded */
	struct wire_field	 f[WIRE_MAX_FIELDS];
	uint32_t		 nitems;	/* list items after '*' */
	const uint8_t		*items;		/* their bytes, validated */
	size_t			 items_len;
};

/* Is type a snapshot frame (an S_R_ row or S_SNAP_END)?  1 or 0. */
int		 wire_is_snap(unsigned type);
/* Name of a type for logs, or NULL if the type is unknown. */
const char	*wire_type_name(unsigned type);
/* The type's body format (see BODY above), or NULL if unknown. */
const char	*wire_format(unsigned type);
/* Largest body the type may carry (0 if unknown). */
uint32_t	 wire_max_body(unsigned type);

/*
 * Look at the first n bytes of a stream.  NEED_MORE: not a whole frame yet
 * (the header, if present, was already checked); OK: a whole frame of
 * WIRE_HDR + h->len bytes is there; BAD: unknown type, flags set, or a
 * length over the type's ceiling; *why says which.
 */
enum wire_status wire_frame(const uint8_t *p, size_t n, struct wire_hdr *h,
		    const char **why);

/*
 * Decode and fully validate a frame's body against its type's format.
 * 0, or -1 with *why set.  Nothing is allocated.
 */
int		 wire_decode(const struct wire_hdr *h, const uint8_t *body,
		    struct wire_msg *m, const char **why);

/* Walk the list part of a decoded message, one item at a time. */
struct wire_iter {
	const char		*fmt;
	const uint8_t		*p;
	size_t			 len, off;
};
void		 wire_iter_init(struct wire_iter *, const struct wire_msg *);
/* Decode the next item into f[]; 1 if there was one, 0 at the end. */
int		 wire_iter_next(struct wire_iter *, struct wire_field *f);

/*
 * Encoder.  wire_begin() appends a header to b; each put appends one field
 * and must match the type's format in order (a mismatch is a programming
 * error: wire_end() then fails and logs it).  wire_end() patches the
 * length, checks the ceiling, and on any failure removes the partial frame
 * from b and returns -1.
 */
struct wire_enc {
	struct buf	*b;
	size_t		 start;		/* buf_used(b) at wire_begin */
	const char	*fmt, *pos, *rep;
	uint16_t	 type;
	int		 err;
};

void	wire_begin(struct wire_enc *, struct buf *b, unsigned type, uint32_t id);
void	wire_put_u8(struct wire_enc *, uint8_t);
void	wire_put_u16(struct wire_enc *, uint16_t);
void	wire_put_u32(struct wire_enc *, uint32_t);
void	wire_put_u64(struct wire_enc *, uint64_t);
void	wire_put_id(struct wire_enc *, const char *);
void	wire_put_str(struct wire_enc *, const char *);
void	wire_put_hash(struct wire_enc *, const uint8_t *);
void	wire_put_token(struct wire_enc *, const uint8_t *);
void	wire_put_hashes(struct wire_enc *, const uint8_t *, uint32_t count);
void	wire_put_blob(struct wire_enc *, const void *, uint32_t len);
/*
 * The fields of an UPLOAD (and of an UPDATE, before its parent) after the
 * token: a file of group as one place writes them.
 */
struct wire_file {
	const char	*group, *name;
	uint64_t	 size;
	const uint8_t	*sha1, *hashes;	/* 20 bytes; 20 a piece */
	uint32_t	 npieces;
	const char	*path;
	uint64_t	 mtime;		/* seconds */
};
void	wire_put_file(struct wire_enc *, const struct wire_file *);
/* Raw bytes to the end of the body (an 'R' field). */
void	wire_put_rest(struct wire_enc *, const void *, uint32_t len);
/*
 * Finish a frame whose 'R' field of len bytes will be sent separately
 * (from a file, with sendfile): the length counts them, the buffer does
 * not hold them.  0 or -1 as wire_end().
 */
int	wire_end_external(struct wire_enc *, uint32_t len);
int	wire_end(struct wire_enc *);

/* Convenience: an WT_ERROR reply, and a WT_HELLO. */
int	wire_error(struct buf *b, uint32_t id, unsigned code, const char *msg);
/*
 * Append to b a whole frame encoded earlier (one wire_begin..wire_end into
 * frame), under request id: a reply that many requests share is encoded
 * once.  0, or -1 if it does not fit (b unchanged).
 */
int	wire_resend(struct buf *b, const struct buf *frame, uint32_t id);
int	wire_hello(struct buf *b, unsigned role);
/* Check a decoded WT_HELLO: 0, or -1 with *why. */
int	wire_hello_check(const struct wire_msg *m, unsigned want_role,
	    const char **why);

#endif
