/*
 * handlers.c - one function per client request: check, store, reply.
 *
 * Every handler gets a decoded, validated message (wire.c checked field
 * types, id syntax and lengths) and, for requests that need a session, the
 * user the session token belongs to.  The rules themselves are enforced by
 * store.c inside its transactions; handlers turn refusals into plain-word
 * errors.  Replies are queued only after the store call returned, i.e.
 * after COMMIT.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "crypto.h"
#include "log.h"
#include "rbuf.h"
#include "store.h"
#include "tracker.h"
#include "wire.h"

#define PASS_MAX	256

struct req {
	struct tracker		*t;
	struct link		*l;
	const struct wire_msg	*m;
	char			 user[ID_MAX + 1];	/* session's user */
};

typedef void (*handler_fn)(struct req *);

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
reply_end(struct req *r, struct wire_enc *e)
{
	if (wire_end(e) == -1) {
		log_warnx("%s: reply to %s does not fit", conn_name(r->l->c),
		    wire_type_name(r->m->h.type));
		conn_close(r->l->c, "output queue full");
		return;
	}
	conn_flush(r->l->c);
}

static void
reply_ok(struct req *r)
{
	struct wire_enc e;

	wire_begin(&e, conn_out(r->l->c), WT_OK, r->m->h.id);
	reply_end(r, &e);
}

static void
reply_err(struct req *r, unsigned code, const char *msg)
{
	if (wire_error(conn_out(r->l->c), r->m->h.id, code, msg) == -1) {
		conn_close(r->l->c, "output queue full");
		return;
	}
	conn_flush(r->l->c);
}

/* Turn a store refusal into an error reply naming what was refused. */
static void
reply_store(struct req *r, int rc, const char *group, const char *user)
{
	char msg[256];
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
	default:
		snprintf(msg, sizeof(msg), "tracker storage error");
		code = WE_INTERNAL;
		break;
	}
	reply_err(r, code, msg);
}

/* Accounts. */

static int
derive(struct tracker *t, const char *pass, size_t n, const uint8_t *salt,
    unsigned iter, uint8_t *out)
{
	(void)t;
	return pbkdf2_sha256(pass, n, salt, STORE_SALT_LEN, iter, out,
	    STORE_HASH_LEN);
}

static void
h_create_user(struct req *r)
{
	const char *user = r->m->f[0].s, *pass = r->m->f[1].s;
	struct user_cred cred;

	if (r->m->f[1].n == 0 || r->m->f[1].n > PASS_MAX) {
		reply_err(r, WE_INVALID, "password must be 1 to 256 bytes");
		return;
	}
	cred.iter = r->t->kdf_iter;
	if (random_bytes(cred.salt, sizeof(cred.salt)) == -1 ||
	    derive(r->t, pass, r->m->f[1].n, cred.salt, cred.iter,
	    cred.hash) == -1) {
		reply_err(r, WE_INTERNAL, "cannot hash password");
		return;
	}
	reply_store(r, store_user_create(r->t->store, user, &cred,
	    now_us()), NULL, user);
}

static void
h_login(struct req *r)
{
	const char *user = r->m->f[0].s, *pass = r->m->f[1].s;
	const char *peer = r->m->f[2].s;
	uint8_t hash[STORE_HASH_LEN], token[WIRE_TOKEN_LEN], key[SHA256_LEN];
	char host[HOST_MAX + 1];
	struct user_cred cred;
	struct wire_enc e;
	uint16_t port;
	int rc;

	if (parse_hostport(peer, host, sizeof(host), &port) == -1) {
		reply_err(r, WE_INVALID, "bad peer address");
		return;
	}
	rc = store_user_cred(r->t->store, user, &cred);
	if (rc == ST_NO_USER) {
		/* Same words as a wrong password: ids are not probed. */
		reply_err(r, WE_AUTH, "wrong user id or password");
		return;
	}
	if (rc != ST_OK) {
		reply_store(r, rc, NULL, user);
		return;
	}
	if (r->m->f[1].n > PASS_MAX ||
	    derive(r->t, pass, r->m->f[1].n, cred.salt, cred.iter,
	    hash) == -1 || !ct_equal(hash, cred.hash, sizeof(hash))) {
		reply_err(r, WE_AUTH, "wrong user id or password");
		return;
	}
	if (random_bytes(token, sizeof(token)) == -1 ||
	    sha256(token, sizeof(token), key) == -1) {
		reply_err(r, WE_INTERNAL, "cannot make a session token");
		return;
	}
	if ((rc = store_session_add(r->t->store, key, user, peer,
	    now_us())) != ST_OK) {
		reply_store(r, rc, NULL, user);
		return;
	}
	log_info("%s: %s logged in", conn_name(r->l->c), user);
	wire_begin(&e, conn_out(r->l->c), WT_SESSION, r->m->h.id);
	wire_put_token(&e, token);
	wire_put_id(&e, user);
	reply_end(r, &e);
}

static void
h_logout(struct req *r)
{
	uint8_t key[SHA256_LEN];

	if (sha256(r->m->f[0].p, WIRE_TOKEN_LEN, key) == -1) {
		reply_err(r, WE_INTERNAL, "cannot hash token");
		return;
	}
	reply_store(r, store_session_del(r->t->store, key), NULL, r->user);
}

/* Groups. */

static void
h_create_group(struct req *r)
{
	const char *g = r->m->f[1].s;

	reply_store(r, store_group_create(r->t->store, g, r->user, now_us()),
	    g, r->user);
}

static void
h_join_group(struct req *r)
{
	const char *g = r->m->f[1].s;

	reply_store(r, store_group_join(r->t->store, g, r->user, now_us()),
	    g, r->user);
}

static void
h_leave_group(struct req *r)
{
	const char *g = r->m->f[1].s;

	reply_store(r, store_group_leave(r->t->store, g, r->user), g,
	    r->user);
}

static void
h_accept(struct req *r)
{
	const char *g = r->m->f[1].s, *u = r->m->f[2].s;

	reply_store(r, store_group_accept(r->t->store, g, r->user, u,
	    now_us()), g, u);
}

static void
h_reject(struct req *r)
{
	const char *g = r->m->f[1].s, *u = r->m->f[2].s;

	reply_store(r, store_group_reject(r->t->store, g, r->user, u), g, u);
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

	wire_begin(&e, conn_out(r->l->c), WT_NAMES, r->m->h.id);
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
	reply_end(r, &e);
}

static void
h_list_requests(struct req *r)
{
	list_reply(r, store_group_requests, r->m->f[1].s);
}

static void
h_list_groups(struct req *r)
{
	list_reply(r, NULL, NULL);
}

/* The dispatch table: one row per request type. */
static const struct {
	handler_fn	fn;
	int		session;	/* field 0 is a session token */
} table[WT_TYPE_MAX] = {
	[WT_CREATE_USER] =	{ h_create_user, 0 },
	[WT_LOGIN] =		{ h_login, 0 },
	[WT_LOGOUT] =		{ h_logout, 1 },
	[WT_CREATE_GROUP] =	{ h_create_group, 1 },
	[WT_JOIN_GROUP] =	{ h_join_group, 1 },
	[WT_LEAVE_GROUP] =	{ h_leave_group, 1 },
	[WT_LIST_REQUESTS] =	{ h_list_requests, 1 },
	[WT_ACCEPT_REQUEST] =	{ h_accept, 1 },
	[WT_REJECT_REQUEST] =	{ h_reject, 1 },
	[WT_LIST_GROUPS] =	{ h_list_groups, 1 },
};

void
handlers_request(struct tracker *t, struct link *l, const struct wire_msg *m)
{
	struct req r;
	uint8_t key[SHA256_LEN];
	int rc;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.l = l;
	r.m = m;
	if (m->h.type >= WT_TYPE_MAX || table[m->h.type].fn == NULL) {
		reply_err(&r, WE_PROTO, "not a request");
		return;
	}
	if (table[m->h.type].session) {
		if (sha256(m->f[0].p, WIRE_TOKEN_LEN, key) == -1) {
			reply_err(&r, WE_INTERNAL, "cannot hash token");
			return;
		}
		rc = store_session_user(t->store, key, r.user);
		if (rc != ST_OK) {
			reply_store(&r, rc, NULL, NULL);
			return;
		}
	}
	table[m->h.type].fn(&r);
}
