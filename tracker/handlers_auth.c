/*
 * handlers_auth.c - the requests that cost a password hash: CREATE_USER
 * and LOGIN (see handlers.c for the rest and the request table).
 *
 * Owns the hashing jobs: each carries copies of what its reply needs and
 * holds its link, so the link outlives it; link.c's admission decides
 * when its address's turn for the pool comes.  Never touches a link's
 * state off the loop thread: the worker half sees only the job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "crypto.h"
#include "handlers.h"
#define HANDLERS_INTERNAL
#include "handlers_int.h"
#include "link.h"
#include "log.h"
#include "parse.h"
#include "store.h"
#include "tracker.h"
#include "wire.h"
#include "worker.h"
#include "xalloc.h"

/*
 * Password hashing runs on the worker pool.  The job carries copies of
 * everything the reply needs, and holds its link so the link outlives it.
 */
#define KDF_JOBS_PER_LINK	4

struct kdf_job {
	struct worker_job	 w;
	struct req		 r;
	char			 pass[PASS_MAX + 1];
	size_t			 passlen;
	char			 peer[HOST_MAX + 8];
	uint8_t			 token[WIRE_TOKEN_LEN];	/* login's */
	int			 known;		/* login: the user exists */
	struct user_cred	 cred;
	uint8_t			 out[STORE_HASH_LEN];
	int			 ok;
};

/* Accounts. */

static void
kdf_work(struct worker_job *w)
{
	struct kdf_job *j = (struct kdf_job *)w;

	j->ok = pbkdf2_sha256(j->pass, j->passlen, j->cred.salt,
	    STORE_SALT_LEN, j->cred.iter, j->out, STORE_HASH_LEN) == 0;
	explicit_bzero(j->pass, sizeof(j->pass));
}

static void
created(struct kdf_job *j)
{
	struct req *r = &j->r;

	memcpy(j->cred.hash, j->out, STORE_HASH_LEN);
	store_set_request(r->t->store, r->dedupe ? r->reqkey : NULL);
	reply_store(r, store_user_create(r->t->store, r->user, &j->cred),
	    NULL, r->user);
	store_set_request(r->t->store, NULL);
}

/*
 * The session is the token's, whichever tracker makes it: its key is the
 * token's SHA-256 and its ticket key an HMAC of a label under the token,
 * so a LOGIN resent to another tracker after a failover (the same frame,
 * on a link proving the same key) finds the session the first made and
 * answers it again, or, if the first's op has not arrived, makes one
 * with the very same row: one session either way.
 */
static void
logged_in(struct kdf_job *j)
{
	static const char label[] = "p2ps session ticket key";
	struct req *r = &j->r;
	uint8_t key[SHA256_LEN], tkey[SHA256_LEN], fp[32];
	char had[ID_MAX + 1];
	struct wire_enc e;
	int rc;

	if (!j->known || !ct_equal(j->out, j->cred.hash, STORE_HASH_LEN)) {
		reply_err(r, WE_AUTH, "wrong user id or password");
		return;
	}
	if (hmac_sha256(j->token, sizeof(j->token), label, sizeof(label) - 1,
	    tkey) == -1 || sha256(j->token, sizeof(j->token), key) == -1) {
		reply_err(r, WE_INTERNAL, "cannot make a session");
		return;
	}
	/* The session is bound to the key this link proved. */
	link_key(r->l, fp);
	rc = store_session_user(r->t->store, key, r->t->tls_srv != NULL ?
	    fp : NULL, had);
	if (rc == ST_OK && strcmp(had, r->user) == 0) {
		log_info("%s: %s logged in (a retry: the session was made "
		    "already)", conn_name(r->l->c), r->user);
	} else if (rc != ST_NO_SESSION || (rc = store_session_add(r->t->store,
	    key, r->user, j->peer, fp, tkey)) != ST_OK) {
		reply_store(r, rc == ST_OK ? ST_ERR : rc, NULL, r->user);
		explicit_bzero(tkey, sizeof(tkey));
		return;
	} else {
		log_info("%s: %s logged in", conn_name(r->l->c), r->user);
	}
	link_proven(r->l);
	handlers_bind(r->t, r->l, key);
	wire_begin(&e, conn_out(r->l->c), WT_SESSION, r->id);
	wire_put_token(&e, j->token);
	wire_put_id(&e, r->user);
	wire_put_blob(&e, tkey, sizeof(tkey));
	reply_end(r, &e);
	explicit_bzero(tkey, sizeof(tkey));
}

static void
kdf_done(struct worker_job *w)
{
	struct kdf_job *j = (struct kdf_job *)w;

	link_kdf_done(j->r.l);
	if (link_release(j->r.l)) {
		if (!j->ok)
			reply_err(&j->r, WE_INTERNAL, "cannot hash password");
		else if (j->r.type == WT_CREATE_USER)
			created(j);
		else
			logged_in(j);
	}
	explicit_bzero(j, sizeof(*j));
	free(j);
}

/* Queue the hashing of the request's password; the reply comes later. */
static struct kdf_job *
kdf_job(struct req *r)
{
	const struct wire_field *pass = &r->m->f[ACCOUNT_PASSWORD];
	struct kdf_job *j;
	char why[128];

	if (pass->n == 0 || pass->n > PASS_MAX) {
		reply_err(r, WE_INVALID, "password must be 1 to 256 bytes");
		return NULL;
	}
	if (r->l->jobs >= KDF_JOBS_PER_LINK) {
		reply_err(r, WE_BUSY, "too many logins at once on this "
		    "connection; try again");
		return NULL;
	}
	if (link_kdf_take(r->l, why, sizeof(why)) == -1) {
		reply_err(r, WE_BUSY, why);
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->w.work = kdf_work;
	j->w.done = kdf_done;
	j->r = *r;
	j->r.m = NULL;
	snprintf(j->r.user, sizeof(j->r.user), "%s",
	    r->m->f[ACCOUNT_USER].s);
	memcpy(j->pass, pass->s, pass->n);
	j->passlen = pass->n;
	return j;
}

static void
submit(struct kdf_job *j)
{
	link_hold(j->r.l);
	link_kdf_queue(j->r.l, &j->w);
}

/*
 * The password is hashed before the id is looked at, taken or not, so
 * CREATE_USER answers after one hash either way, as LOGIN does: its
 * timing says nothing.  Its answer ("already exists") must say the id is
 * taken, as the contract wants; what limits asking it of many ids is the
 * cost of that hash, under the same caps as logins (link.c's admission).
 */
void
h_create_user(struct req *r)
{
	struct kdf_job *j;

	if ((j = kdf_job(r)) == NULL)
		return;
	j->cred.iter = r->t->kdf_iter;
	if (random_bytes(j->cred.salt, sizeof(j->cred.salt)) == -1) {
		reply_err(r, WE_INTERNAL, "no randomness for a salt");
		link_kdf_cancel(r->l);
		free(j);
		return;
	}
	submit(j);
}

void
h_login(struct req *r)
{
	char host[HOST_MAX + 1];
	struct kdf_job *j;
	uint16_t port;
	int rc;

	if (parse_hostport(r->m->f[LOGIN_PEER].s, host, sizeof(host),
	    &port) == -1) {
		reply_err(r, WE_INVALID, "bad peer address");
		return;
	}
	if ((j = kdf_job(r)) == NULL)
		return;
	snprintf(j->peer, sizeof(j->peer), "%s", r->m->f[LOGIN_PEER].s);
	memcpy(j->token, r->m->f[LOGIN_TOKEN].p, sizeof(j->token));
	rc = store_user_cred(r->t->store, j->r.user, &j->cred);
	if (rc == ST_OK) {
		j->known = 1;
	} else if (rc == ST_NO_USER) {
		/* Hash anyway, so timing does not tell which ids exist. */
		j->cred.iter = r->t->kdf_iter;
	} else {
		reply_store(r, rc, NULL, j->r.user);
		link_kdf_cancel(r->l);
		free(j);
		return;
	}
	submit(j);
}
