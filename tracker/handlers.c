/*
 * handlers.c - one function per client request: check, store, reply.
 *
 * Every handler gets a decoded, validated message (wire.c checked field
 * types, id syntax and lengths) and, for requests that need a session, the
 * user the session token belongs to.  The rules themselves are enforced by
 * store.c inside its transactions; handlers turn refusals into plain-word
 * errors.
 *
 * A reply is queued only after the store call returned.  The tracker runs
 * the store in batch mode, so that is after the request's savepoint was
 * RELEASEd into the iteration's one transaction; the reply is written by
 * main.c's before_sleep(), after that transaction's COMMIT.  A client is
 * never told of something a crash can take back.
 *
 * Owns: the request table, a link's session binding (which session is
 * online through it) and peer tickets; the requests that cost a password
 * hash are handlers_auth.c's (they share handlers_int.h).  Never: writes to a socket itself (replies go to the
 * conn's queue), touches SQLite (store.c's), or touches a link's state
 * off the loop thread (a job's worker half sees only the job).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "crypto.h"
#include "handlers.h"
#define HANDLERS_INTERNAL
#include "handlers_int.h"
#include "link.h"
#include "log.h"
#include "match.h"
#include "notify.h"
#include "parse.h"
#include "rbuf.h"
#include "sample.h"
#include "store.h"
#include "sync.h"
#include "tracker.h"
#include "wire.h"
#include "xalloc.h"



typedef void (*handler_fn)(struct req *);

static void	put_name(void *, const char *);

void
reply_end(struct req *r, struct wire_enc *e)
{
	if (wire_end(e) == -1) {
		log_warnx("%s: reply to %s does not fit", conn_name(r->l->c),
		    wire_type_name(r->type));
		conn_close(r->l->c, "output queue full");
		return;
	}
	conn_flush(r->l->c);
}

/*
 * A whole listing's reply (NAMES, FILES, VERSIONS, SHARES): one too long
 * for its frame is an error, and the link goes on.  The shell's commands
 * ask in pages (handlers_page.c); these are left for what lists a
 * session's own, bounded data, and for Tab's lists.
 */
static void
reply_list_end(struct req *r, struct wire_enc *e)
{
	if (wire_end(e) == 0) {
		conn_flush(r->l->c);
		return;
	}
	log_warnx("%s: reply to %s does not fit: answered with an error",
	    conn_name(r->l->c), wire_type_name(r->type));
	reply_err(r, WE_BUSY, "too many to list in one reply (the shell's "
	    "commands list them in pages)");
}

void
reply_ok(struct req *r)
{
	struct wire_enc e;

	wire_begin(&e, conn_out(r->l->c), WT_OK, r->id);
	reply_end(r, &e);
}

void
reply_err(struct req *r, unsigned code, const char *msg)
{
	if (wire_error(conn_out(r->l->c), r->id, code, msg) == -1) {
		conn_close(r->l->c, "output queue full");
		return;
	}
	conn_flush(r->l->c);
}

/* What a quota's refusal says: the limit, and what makes room. */
static void
quota_msg(char *msg, size_t len, int rc, uint32_t max)
{
	static const char *const verb[] = { "be a member of", "have",
	    "share" };
	static const char *const what[] = {
		"groups (leave one to create another)",
		"join requests pending (each ends when accepted or rejected)",
		"files (stop sharing one to share another)",
	};

	snprintf(msg, len, "quota reached: a user may %s at most %u %s",
	    verb[rc - ST_QUOTA_GROUPS], max, what[rc - ST_QUOTA_GROUPS]);
}

/* Turn a store refusal into an error reply naming what was refused. */
void
reply_store(struct req *r, int rc, const char *group, const char *user)
{
	char msg[512];
	unsigned code = WE_INVALID;

	switch (rc) {
	case ST_OK:
		reply_ok(r);
		return;
	case ST_NO_USER:
		snprintf(msg, sizeof(msg), "no such user: %s", user);
		code = WE_NOTFOUND;
		break;
	case ST_USER_EXISTS:
		snprintf(msg, sizeof(msg), "user %s already exists", user);
		code = WE_EXISTS;
		break;
	case ST_NO_GROUP:
		snprintf(msg, sizeof(msg), "no such group: %s", group);
		code = WE_NOTFOUND;
		break;
	case ST_GROUP_EXISTS:
		snprintf(msg, sizeof(msg), "group %s already exists", group);
		code = WE_EXISTS;
		break;
	case ST_NOT_MEMBER:
		snprintf(msg, sizeof(msg), "%s is not a member of group %s",
		    user, group);
		code = WE_DENIED;
		break;
	case ST_ALREADY_MEMBER:
		snprintf(msg, sizeof(msg), "%s is already a member of group "
		    "%s", user, group);
		code = WE_EXISTS;
		break;
	case ST_ALREADY_REQUESTED:
		snprintf(msg, sizeof(msg), "%s has already asked to join "
		    "group %s", user, group);
		code = WE_EXISTS;
		break;
	case ST_NOT_OWNER:
		snprintf(msg, sizeof(msg), "only the owner of group %s may do "
		    "that", group);
		code = WE_DENIED;
		break;
	case ST_NO_REQUEST:
		snprintf(msg, sizeof(msg), "%s has no pending request to join "
		    "group %s", user, group);
		code = WE_NOTFOUND;
		break;
	case ST_NO_SESSION:
		snprintf(msg, sizeof(msg), "not logged in (session ended)");
		code = WE_AUTH;
		break;
	case ST_SESSION_ENDED:
		snprintf(msg, sizeof(msg), "session ended: %s",
		    store_session_why(r->t->store));
		code = WE_AUTH;
		break;
	case ST_NO_FILE:
		snprintf(msg, sizeof(msg), "no file named %.255s in group %s",
		    user, group);
		code = WE_NOTFOUND;
		break;
	case ST_FILE_CONFLICT:
		snprintf(msg, sizeof(msg), "group %s already has a different "
		    "file named %.255s", group, user);
		code = WE_EXISTS;
		break;
	case ST_QUOTA_GROUPS:
	case ST_QUOTA_PENDING:
	case ST_QUOTA_FILES:
		quota_msg(msg, sizeof(msg), rc, r->t->quota[rc -
		    ST_QUOTA_GROUPS]);
		code = WE_DENIED;
		break;
	case ST_BAD_CURSOR:
		snprintf(msg, sizeof(msg), "bad cursor in a listing");
		code = WE_INVALID;
		break;
	case ST_NOT_SHARER:
		snprintf(msg, sizeof(msg), "you do not share %.255s in group "
		    "%s", user, group);
		code = WE_NOTFOUND;
		break;
	default:
		snprintf(msg, sizeof(msg), "tracker storage error");
		code = WE_INTERNAL;
		break;
	}
	reply_err(r, code, msg);
}

/*
 * The key the client on this link proved in the TLS handshake; all zero
 * only under P2PS_BENCH_PLAINTEXT, where no link proves anything.
 */
void
link_key(const struct link *l, uint8_t fp[32])
{
	if (conn_peer_fp(l->c, fp) == -1)
		memset(fp, 0, 32);
}

/*
 * Peer tickets.  Every session has a ticket key, made at random at login,
 * kept in its row (so every tracker has it) and given to its client.  A
 * member asking for a file's sources gets, with each source, a ticket
 * made with that source's ticket key, naming the source's key (so the
 * asker knows whom to expect) and the asker's (so the source serves no
 * one else): see ticket_make().  A ticket is good for --ticket-seconds;
 * a downloader renews it on its open connections (client/peer.c), so a
 * member who leaves or logs out is cut off within that time.
 *
 * Sources.  A reply names at most WIRE_SOURCES_MAX of the file's online
 * sources (never the asker's own session): all of them in a small
 * swarm, else a set drawn at random for each request (sample.c), so the
 * reply does not grow with the swarm and a downloader that asks again
 * every few seconds meets others over time.  They go out in a random
 * order too, so downloaders that connect to the first few of a list do
 * not all pick the same ones.  Only those chosen cost a ticket.
 */

struct source_row {
	char		 peer[HOSTPORT_MAX];
	uint8_t		 fp[32];	/* the key it proved */
	uint8_t		 tkey[32];	/* its ticket key */
};

struct sources {
	struct sample	 s;
	struct source_row row[WIRE_SOURCES_MAX];
};

static void
take_source(void *arg, const char *peer, const uint8_t fp[32],
    const uint8_t tkey[32])
{
	struct sources *sc = arg;
	size_t n = strlen(peer);
	int64_t slot;

	/* Not to be truncated; a client drops such an address anyway. */
	if (n >= HOSTPORT_MAX || (slot = sample_offer(&sc->s)) < 0)
		return;
	memcpy(sc->row[slot].peer, peer, n + 1);
	memcpy(sc->row[slot].fp, fp, 32);
	memcpy(sc->row[slot].tkey, tkey, 32);
}

/*
 * The sources of a file with their tickets, into e: 0 or -1.  *named:
 * how many went in, *of: how many there were to choose from.
 */
static void
put_sources(struct req *r, struct wire_enc *e, const char *g,
    const char *name, const uint8_t sha1[20])
{
	char esc[4 * NAME_MAX_LEN + 1];
	struct sources sc;
	uint32_t order[WIRE_SOURCES_MAX], i;
	uint8_t asker[32], ticket[TICKET_LEN];
	uint64_t seed, expiry;
	unsigned named = 0;

	if (random_bytes(&seed, sizeof(seed)) == -1)
		seed = (uint64_t)time(NULL) ^ (uint64_t)r->id << 32;
	sample_init(&sc.s, WIRE_SOURCES_MAX, seed);
	if (store_sources(r->t->store, g, name, r->key, take_source, &sc) !=
	    ST_OK) {
		e->err = 1;
		wire_end(e);
		reply_store(r, ST_ERR, g, name);
		return;
	}
	link_key(r->l, asker);
	expiry = (uint64_t)time(NULL) + r->t->ticket_seconds;
	sample_order(&sc.s, order);
	for (i = 0; i < sc.s.n; i++) {
		const struct source_row *sr = &sc.row[order[i]];

		if (ticket_make(sr->tkey, sha1, expiry, sr->fp, asker,
		    ticket) == -1)
			continue;
		wire_put_str(e, sr->peer);
		wire_put_blob(e, ticket, sizeof(ticket));
		named++;
	}
	log_debug("%s: %s %s: %u sources of %llu, %zu bytes",
	    conn_name(r->l->c), wire_type_name(r->type),
	    log_escape(esc, sizeof(esc), name, strlen(name)), named,
	    (unsigned long long)sc.s.seen, buf_used(e->b) - e->start);
	reply_end(r, e);
}


static void
h_logout(struct req *r)
{
	handlers_unbind(r->t, r->l);
	reply_store(r, store_session_del(r->t->store, r->key), NULL, r->user);
}

/* logout --all: every session of this user ends, here and elsewhere. */
static void
h_logout_all(struct req *r)
{
	unsigned n = 0;
	int rc;

	handlers_unbind(r->t, r->l);
	rc = store_session_end_all(r->t->store, r->user, &n);
	if (rc == ST_OK)
		log_info("%s: %s ended all %u sessions", conn_name(r->l->c),
		    r->user, n);
	reply_store(r, rc, NULL, r->user);
}

static void
h_ping(struct req *r)
{
	reply_ok(r);
}

/* Files. */

static int
check_name(struct req *r, const char *name)
{
	if (parse_filename(name))
		return 0;
	reply_err(r, WE_INVALID, "invalid file name");
	return -1;
}

static void
h_upload(struct req *r)
{
	const struct wire_field *f = r->m->f;
	const char *g = f[UPLOAD_GROUP].s, *name = f[UPLOAD_NAME].s;
	const char *path = f[UPLOAD_PATH].s;
	struct file_meta m;
	int rc;

	if (check_name(r, name) == -1)
		return;
	m.size = f[UPLOAD_SIZE].u;
	memcpy(m.sha1, f[UPLOAD_SHA1].p, 20);
	m.pieces = f[UPLOAD_PIECES].p;
	m.npieces = f[UPLOAD_PIECES].n;
	if (!wire_hashes_ok(m.size, m.npieces) ||
	    f[UPLOAD_PATH].n == 0 || f[UPLOAD_MTIME].u > INT64_MAX) {
		reply_err(r, WE_INVALID, "piece hashes do not match the size");
		return;
	}
	/* UPDATE: a synced folder's new version (UPLOAD and a parent). */
	rc = r->type == WT_UPDATE ? store_update(r->t->store, r->key, r->user,
	    g, name, &m, path, (int64_t)f[UPLOAD_MTIME].u,
	    f[UPDATE_PARENT].p) : store_upload(r->t->store, r->key, r->user,
	    g, name, &m, path, (int64_t)f[UPLOAD_MTIME].u);
	reply_store(r, rc, g, rc == ST_NOT_MEMBER ? r->user : name);
	if (rc == ST_OK)
		notify_group(r->t->notify, g);
}

static void
put_file(void *arg, const char *name, uint64_t size, const uint8_t *sha1)
{
	struct wire_enc *e = arg;

	wire_put_str(e, name);
	wire_put_u64(e, size);
	wire_put_hash(e, sha1);
}

static void
put_version(void *arg, const char *name, uint64_t size, const uint8_t *sha1,
    const uint8_t *parent)
{
	static const uint8_t none[20];

	put_file(arg, name, size, sha1);
	wire_put_hash(arg, parent != NULL ? parent : none);
}

/* LIST_FILES, and LIST_VERSIONS: the same with each content's parent. */
static void
h_list_files(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s;
	struct wire_enc e;
	int rc, v = r->type == WT_LIST_VERSIONS;

	wire_begin(&e, conn_out(r->l->c), v ? WT_VERSIONS : WT_FILES, r->id);
	if ((rc = v ? store_list_versions(r->t->store, g, r->user,
	    put_version, &e) : store_list_files(r->t->store, g, r->user,
	    put_file, &e)) != ST_OK) {
		e.err = 1;
		wire_end(&e);
		reply_store(r, rc, g, r->user);
		return;
	}
	reply_list_end(r, &e);
}

static void
h_file_info(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s, *name = r->m->f[REQ_NAME].s;
	struct file_meta m;
	struct wire_enc e;
	int rc;

	if (check_name(r, name) == -1)
		return;
	if ((rc = store_file_info(r->t->store, g, name, r->user, &m)) !=
	    ST_OK) {
		reply_store(r, rc, g, rc == ST_NOT_MEMBER ? r->user : name);
		return;
	}
	wire_begin(&e, conn_out(r->l->c), WT_FILE, r->id);
	wire_put_str(&e, name);
	wire_put_u64(&e, m.size);
	wire_put_hash(&e, m.sha1);
	wire_put_hashes(&e, m.pieces, m.npieces);
	put_sources(r, &e, g, name, m.sha1);
}

/* A downloader's refresh: FILE_INFO's sources, without the metadata. */
static void
h_sources(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s, *name = r->m->f[REQ_NAME].s;
	struct file_meta m;
	struct wire_enc e;
	int rc;

	if (check_name(r, name) == -1)
		return;
	if ((rc = store_file_sha1(r->t->store, g, name, r->user, &m)) !=
	    ST_OK) {
		reply_store(r, rc, g, rc == ST_NOT_MEMBER ? r->user : name);
		return;
	}
	wire_begin(&e, conn_out(r->l->c), WT_PEERS, r->id);
	wire_put_hash(&e, m.sha1);
	put_sources(r, &e, g, name, m.sha1);
}

static void
h_share(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s, *name = r->m->f[REQ_NAME].s;
	int rc;

	if (check_name(r, name) == -1)
		return;
	rc = store_serve(r->t->store, r->key, r->user, g, name);
	reply_store(r, rc, g, rc == ST_NOT_MEMBER ? r->user : name);
}

static void
h_stop_share(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s, *name = r->m->f[REQ_NAME].s;
	int rc;

	if (check_name(r, name) == -1)
		return;
	rc = store_stop_share(r->t->store, r->key, r->user, g, name);
	reply_store(r, rc, g, rc == ST_NOT_MEMBER ? r->user : name);
	if (rc == ST_OK)
		notify_group(r->t->notify, g);
}

static void
put_share(void *arg, const struct share_row *sr)
{
	struct wire_enc *e = arg;

	wire_put_id(e, sr->group);
	wire_put_str(e, sr->name);
	wire_put_str(e, sr->path);
	wire_put_hash(e, sr->sha1);
	wire_put_u64(e, sr->size);
	wire_put_u64(e, (uint64_t)sr->mtime);
}

static void
h_my_shares(struct req *r)
{
	struct wire_enc e;
	int rc;

	wire_begin(&e, conn_out(r->l->c), WT_SHARES, r->id);
	if ((rc = store_my_shares(r->t->store, r->user, put_share, &e)) !=
	    ST_OK) {
		e.err = 1;
		wire_end(&e);
		reply_store(r, rc, NULL, r->user);
		return;
	}
	reply_list_end(r, &e);
}

/*
 * Search: one page a request, as much as a control frame holds (64 KiB,
 * the cursor's room kept); the client asks again from the cursor while
 * there is more, so a search that matches everything never makes a
 * frame bigger than that nor holds the loop longer than a page.
 */
#define FOUND_CURSOR_MAX	(1 + (2 + ID_MAX + 1) + (2 + NAME_MAX_LEN + 1))

struct page {
	struct store_hit	*v;
	size_t			 n, cap, bytes;
};

static int
put_hit(void *arg, const struct store_hit *h)
{
	struct page *pg = arg;
	size_t len = (2 + strlen(h->name) + 1) + (1 + strlen(h->group) + 1) +
	    8 + 20;

	if (pg->bytes + len > WIRE_CTRL_MAX - FOUND_CURSOR_MAX)
		return -1;
	if (pg->n == pg->cap) {
		pg->cap = pg->cap ? pg->cap * 2 : 64;
		pg->v = xreallocarray(pg->v, pg->cap, sizeof(*pg->v));
	}
	pg->v[pg->n++] = *h;
	pg->bytes += len;
	return 0;
}

static void
h_search(struct req *r)
{
	const struct wire_field *f = r->m->f;
	const char *pat = f[SEARCH_PATTERN].s;
	const char *ag = f[SEARCH_AFTER_GROUP].s, *an = f[SEARCH_AFTER_NAME].s;
	struct store_search_end end;
	struct page pg = { NULL, 0, 0, 0 };
	struct wire_enc e;
	const char *why;
	size_t i;
	int rc;

	if ((why = match_check(pat)) != NULL) {
		reply_err(r, WE_INVALID, why);
		return;
	}
	if (ag[0] == '\0' ? an[0] != '\0' : (!parse_id(ag) ||
	    !parse_filename(an))) {
		reply_err(r, WE_INVALID, "bad search cursor");
		return;
	}
	rc = store_search(r->t->store, r->user, pat, ag, an, put_hit, &pg,
	    &end);
	if (rc != ST_OK) {
		free(pg.v);
		reply_store(r, rc, NULL, r->user);
		return;
	}
	wire_begin(&e, conn_out(r->l->c), WT_FOUND, r->id);
	wire_put_u8(&e, (uint8_t)end.more);
	wire_put_str(&e, end.more ? end.group : "");
	wire_put_str(&e, end.more ? end.name : "");
	for (i = 0; i < pg.n; i++) {
		wire_put_str(&e, pg.v[i].name);
		wire_put_id(&e, pg.v[i].group);
		wire_put_u64(&e, pg.v[i].size);
		wire_put_hash(&e, pg.v[i].sha1);
	}
	free(pg.v);
	reply_end(r, &e);
}

/* Groups. */

static void
h_create_group(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s;

	reply_store(r, store_group_create(r->t->store, g, r->user),
	    g, r->user);
}

static void
h_join_group(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s;

	reply_store(r, store_group_join(r->t->store, g, r->user),
	    g, r->user);
}

static void
h_leave_group(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s;
	int rc = store_group_leave(r->t->store, g, r->user);

	reply_store(r, rc, g, r->user);
	if (rc == ST_OK)
		notify_group(r->t->notify, g);
}

static void
h_accept(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s, *u = r->m->f[REQ_USER].s;

	reply_store(r, store_group_accept(r->t->store, g, r->user, u), g, u);
}

static void
h_reject(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s, *u = r->m->f[REQ_USER].s;

	reply_store(r, store_group_reject(r->t->store, g, r->user, u), g, u);
}

/*
 * SUBSCRIBE and UNSUBSCRIBE: the link is told when the group's files
 * change (notify.h); members only, a bounded number of groups a link.
 */
static void
h_subscribe(struct req *r)
{
	const char *g = r->m->f[REQ_GROUP].s;
	char msg[128];
	int rc;

	if (r->type == WT_UNSUBSCRIBE) {
		notify_unsubscribe(r->t->notify, r->l, g);
		reply_ok(r);
		return;
	}
	if ((rc = store_is_member(r->t->store, g, r->user)) != ST_OK) {
		reply_store(r, rc, g, r->user);
		return;
	}
	if (notify_subscribe(r->t->notify, r->l, r->user, g) == -1) {
		snprintf(msg, sizeof(msg), "a connection follows at most %d "
		    "groups", NOTIFY_SUBS_MAX);
		reply_err(r, WE_BUSY, msg);
		return;
	}
	reply_ok(r);
}

/* Listings: rows go straight into the reply frame. */
static void
put_name(void *arg, const char *name)
{
	struct wire_enc *e = arg;

	if (name != NULL)
		wire_put_str(e, name);
}

static void
list_reply(struct req *r, int (*fn)(struct store *, const char *,
    const char *, store_row_cb, void *), const char *group)
{
	struct wire_enc e;
	int rc;

	wire_begin(&e, conn_out(r->l->c), WT_NAMES, r->id);
	if (fn != NULL)
		rc = fn(r->t->store, group, r->user, put_name, &e);
	else
		rc = store_groups(r->t->store, put_name, &e);
	if (rc != ST_OK) {
		e.err = 1;
		wire_end(&e);		/* drops the partial frame */
		reply_store(r, rc, group, r->user);
		return;
	}
	reply_list_end(r, &e);
}

static void
h_list_requests(struct req *r)
{
	list_reply(r, store_group_requests, r->m->f[REQ_GROUP].s);
}

/*
 * Every client asks for the same list: its reply is encoded once per
 * change of the list and sent again under each request's id.
 */
static void
h_list_groups(struct req *r)
{
	struct tracker *t = r->t;
	uint64_t gen = store_groups_gen(t->store);
	struct wire_enc e;

	if (gen != 0 && gen != t->groups_reply_gen) {
		t->groups_reply_gen = 0;
		buf_reset(&t->groups_reply);
		wire_begin(&e, &t->groups_reply, WT_NAMES, 0);
		if (store_groups(t->store, put_name, &e) == ST_OK &&
		    wire_end(&e) == 0)
			t->groups_reply_gen = gen;
	}
	if (gen == 0 || t->groups_reply_gen != gen) {
		list_reply(r, NULL, NULL);
		return;
	}
	if (wire_resend(conn_out(r->l->c), &t->groups_reply, r->id) == -1) {
		log_warnx("%s: reply to %s does not fit", conn_name(r->l->c),
		    wire_type_name(r->type));
		conn_close(r->l->c, "output queue full");
		return;
	}
	conn_flush(r->l->c);
}

/*
 * The dispatch table: one row per request type.  A mutation is
 * remembered by its key (a hash of its type, request id and body) with
 * the op it made, on every tracker: a client that retries it elsewhere
 * after losing its tracker is answered "done" instead of doing it twice.
 * Login is made once by its token instead (logged_in()).
 */
static const struct {
	handler_fn	fn;
	int		session;	/* field 0 is a session token */
	int		mutation;
} table[WT_TYPE_MAX] = {
	[WT_CREATE_USER] =	{ h_create_user, 0, 1 },
	[WT_LOGIN] =		{ h_login, 0, 0 },
	[WT_LOGOUT] =		{ h_logout, 1, 1 },
	[WT_LOGOUT_ALL] =	{ h_logout_all, 1, 1 },
	[WT_CREATE_GROUP] =	{ h_create_group, 1, 1 },
	[WT_JOIN_GROUP] =	{ h_join_group, 1, 1 },
	[WT_LEAVE_GROUP] =	{ h_leave_group, 1, 1 },
	[WT_LIST_REQUESTS] =	{ h_list_requests, 1, 0 },
	[WT_ACCEPT_REQUEST] =	{ h_accept, 1, 1 },
	[WT_REJECT_REQUEST] =	{ h_reject, 1, 1 },
	[WT_LIST_GROUPS] =	{ h_list_groups, 1, 0 },
	[WT_PING] =		{ h_ping, 1, 0 },
	[WT_UPLOAD] =		{ h_upload, 1, 1 },
	[WT_LIST_FILES] =	{ h_list_files, 1, 0 },
	[WT_UPDATE] =		{ h_upload, 1, 1 },
	[WT_LIST_VERSIONS] =	{ h_list_files, 1, 0 },
	[WT_FILE_INFO] =	{ h_file_info, 1, 0 },
	[WT_SOURCES] =		{ h_sources, 1, 0 },
	[WT_SHARE] =		{ h_share, 1, 1 },
	[WT_STOP_SHARE] =	{ h_stop_share, 1, 1 },
	[WT_MY_SHARES] =	{ h_my_shares, 1, 0 },
	[WT_SEARCH] =		{ h_search, 1, 0 },
	[WT_GROUPS_PAGE] =	{ h_groups_page, 1, 0 },
	[WT_REQUESTS_PAGE] =	{ h_requests_page, 1, 0 },
	[WT_FILES_PAGE_REQ] =	{ h_files_page, 1, 0 },
	[WT_VERSIONS_PAGE] =	{ h_files_page, 1, 0 },
	[WT_MY_SHARES_PAGE] =	{ h_shares_page, 1, 0 },
	[WT_SUBSCRIBE] =	{ h_subscribe, 1, 0 },
	[WT_UNSUBSCRIBE] =	{ h_subscribe, 1, 0 },
};

/* reqkey = SHA-256(type, id, SHA-256(body)). */
static int
request_key(const struct wire_msg *m, uint8_t out[32])
{
	uint8_t b[SHA256_LEN + 6];

	if (sha256(m->body, m->h.len, b) == -1)
		return -1;
	put_be16(b + SHA256_LEN, m->h.type);
	put_be32(b + SHA256_LEN + 2, m->h.id);
	return sha256(b, sizeof(b), out);
}

void
handlers_unbind(struct tracker *t, struct link *l)
{
	notify_link_gone(t->notify, l);	/* subscriptions are a session's */
	if (!l->bound)
		return;
	store_online(t->store, l->key, 0);
	if (!store_is_online(t->store, l->key))
		sync_presence(t->sync, l->key, 0);
	l->bound = 0;
}

/* The link now speaks for this session: it is online through us. */
void
handlers_bind(struct tracker *t, struct link *l, const uint8_t key[32])
{
	if (l->bound && memcmp(l->key, key, 32) == 0)
		return;
	handlers_unbind(t, l);
	if (store_online(t->store, key, 1) == ST_OK) {
		memcpy(l->key, key, 32);
		l->bound = 1;
		sync_presence(t->sync, key, 1);
	}
}

void
handlers_request(struct tracker *t, struct link *l, const struct wire_msg *m)
{
	uint8_t fp[32];
	struct req r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.l = l;
	r.m = m;
	r.id = m->h.id;
	r.type = m->h.type;
	if (m->h.type >= WT_TYPE_MAX || table[m->h.type].fn == NULL) {
		log_warnx("%s: dropping connection: %s is not a request",
		    conn_name(l->c), wire_type_name(m->h.type));
		conn_close(l->c, "not a request");
		return;
	}
	/* After a failed commit, nothing that writes: logins neither. */
	if ((table[m->h.type].mutation || m->h.type == WT_LOGIN) &&
	    (t->disk_full || (t->disk_low && m->h.type != WT_LOGOUT &&
	    m->h.type != WT_LOGOUT_ALL && m->h.type != WT_LOGIN))) {
		reply_err(&r, WE_BUSY, "the tracker's disk is nearly full: "
		    "changes are refused until space is freed (reads still "
		    "work)");
		return;
	}
	if (table[m->h.type].mutation) {
		if (request_key(m, r.reqkey) == -1) {
			reply_err(&r, WE_INTERNAL, "cannot hash request");
			return;
		}
		r.dedupe = 1;
		if (store_request_done(t->store, r.reqkey)) {
			log_info("%s: %s %u was done already (a retry)",
			    conn_name(l->c), wire_type_name(m->h.type),
			    m->h.id);
			reply_ok(&r);
			return;
		}
	}
	if (table[m->h.type].session) {
		if (sha256(m->f[REQ_TOKEN].p, WIRE_TOKEN_LEN, r.key) == -1) {
			reply_err(&r, WE_INTERNAL, "cannot hash token");
			return;
		}
		/* The token counts only on a link of the session's client. */
		link_key(l, fp);
		rc = store_session_user(t->store, r.key, t->tls_srv != NULL ?
		    fp : NULL, r.user);
		if (rc != ST_OK) {
			reply_store(&r, rc, NULL, NULL);
			return;
		}
		link_proven(l);
		if (m->h.type != WT_LOGOUT && m->h.type != WT_LOGOUT_ALL)
			handlers_bind(t, l, r.key);
	}
	store_set_request(t->store, r.dedupe ? r.reqkey : NULL);
	table[m->h.type].fn(&r);
	store_set_request(t->store, NULL);
}
