/*
 * tls.c - TLS 1.3 with pinned Ed25519 identities (see tls.h), on libssl.
 *
 * Certificates are only the envelope TLS wants around a key: each is
 * self-signed, made at start from the identity's key, and accepted from a
 * peer whatever its issuer or dates (as ssh takes a key), because what
 * the callers trust is the key's fingerprint, compared after the
 * handshake; but only an Ed25519 key: a link showing any other kind is
 * refused in the handshake.  Both sides always show one.  A client context keeps the last session of each server name
 * it talked to (a few dozen, the oldest replaced first) and offers it on
 * the next connect: TLS 1.3 resumption, no certificate signatures.
 *
 * Owns its keys, certificates, contexts and SSL objects; never a socket
 * (the caller's) nor any decision of trust.  Each I/O call starts with an
 * empty OpenSSL error queue, as SSL_get_error() needs.
 */
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "xalloc.h"

#define FP_PREFIX	"SHA256:"
#define FP_B64		43		/* base64 of 32 bytes, no padding */
#define SESS_MAX	64		/* remembered sessions per context */
#define NAME_MAX_LEN	64
#define CERT_DAYS	3650

struct tls_id {
	EVP_PKEY	*key;
	X509		*cert;
	uint8_t		 fp[TLS_FP_LEN];
};

struct sess {
	char		 name[NAME_MAX_LEN];
	SSL_SESSION	*s;
	uint64_t	 used;		/* for replacing the oldest */
};

struct tls_ctx {
	SSL_CTX		*ctx;
	int		 server;
	struct sess	 sess[SESS_MAX];
	uint64_t	 tick;
};

struct tls {
	SSL		*ssl;
	struct tls_ctx	*ctx;
	char		 name[NAME_MAX_LEN];
	int		 drained;	/* the last read of the socket was
					   short: it held no more then */
};

/*
 * Watches the socket reads under TLS: with read-ahead, OpenSSL asks for
 * as much as its buffer holds, so a short read (or none) means the
 * socket had nothing more, and the caller may stop reading until the
 * loop says there is more, instead of a last read() that fails EAGAIN.
 */
/* The signature is OpenSSL's (BIO_callback_fn_ex): processed stays. */
static long
rbio_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
    /* cppcheck-suppress constParameter */
    int ret, size_t *processed)	/* NOLINT(readability-non-const-parameter) */
{
	struct tls *t;

	(void)argp;
	(void)argi;
	(void)argl;
	if (oper != (BIO_CB_READ | BIO_CB_RETURN))
		return (oper & BIO_CB_RETURN) ? ret : 1;
	if ((t = (struct tls *)BIO_get_callback_arg(b)) != NULL)
		t->drained = ret <= 0 || processed == NULL || *processed < len;
	return ret;
}

static int
key_fp(EVP_PKEY *key, uint8_t fp[TLS_FP_LEN])
{
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len, ok;

	if ((len = i2d_PUBKEY(key, &der)) <= 0)
		return -1;
	ok = EVP_Digest(der, (size_t)len, fp, &n, EVP_sha256(), NULL) == 1 &&
	    n == TLS_FP_LEN;
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

/* A self-signed certificate for key, valid from an hour ago. */
static X509 *
make_cert(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *n;
	uint64_t serial;

	if (x == NULL)
		return NULL;
	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1 ||
	    X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
	    serial >> 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)CERT_DAYS * 86400) == NULL ||
	    X509_set_pubkey(x, key) != 1 ||
	    (n = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"p2ps", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, n) != 1 ||
	    X509_sign(x, key, NULL) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static struct tls_id *
id_from_key(EVP_PKEY *key)
{
	struct tls_id *id = xcalloc(1, sizeof(*id));

	id->key = key;
	if ((id->cert = make_cert(key)) == NULL ||
	    key_fp(key, id->fp) == -1) {
		tls_id_free(id);
		return NULL;
	}
	return id;
}

struct tls_id *
tls_id_new(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	return key != NULL ? id_from_key(key) : NULL;
}

/* Write a new key to path: made under a temporary name, then linked. */
static int
key_create(const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	EVP_PKEY *key;
	FILE *f = NULL;
	int fd, ok = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
	    (long)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		snprintf(err, errlen, "cannot make a key: %s", tls_error());
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: cannot write the key", tmp);
		goto out;
	}
	/* linkat(): a key another process made meanwhile is kept, not ours. */
	if (linkat(AT_FDCWD, tmp, AT_FDCWD, path, 0) == -1 &&
	    errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	ok = 1;
out:
	if (f != NULL)
		(void)fclose(f);	/* written and synced above, or failed */
	(void)unlink(tmp);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

struct tls_id *
tls_id_load(const char *path, char *err, size_t errlen)
{
	struct tls_id *id;
	struct stat st;
	EVP_PKEY *key;
	FILE *f;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 &&
	    errno == ENOENT) {
		if (key_create(path, err, errlen) == -1)
			return NULL;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: the key is readable by others or "
		    "not ours (mode %03o, owner %u); it must be the user's "
		    "alone: chmod 600 %s", path, (unsigned)(st.st_mode & 0777),
		    (unsigned)st.st_uid, path);
		close(fd);
		return NULL;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	(void)fclose(f);	/* read-only */
	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s: not an Ed25519 private key in PEM",
		    path);
		EVP_PKEY_free(key);
		return NULL;
	}
	if ((id = id_from_key(key)) == NULL)
		snprintf(err, errlen, "%s: cannot make a certificate: %s",
		    path, tls_error());
	return id;
}

void
tls_id_free(struct tls_id *id)
{
	if (id == NULL)
		return;
	X509_free(id->cert);
	EVP_PKEY_free(id->key);
	free(id);
}

void
tls_id_fp(const struct tls_id *id, uint8_t fp[TLS_FP_LEN])
{
	memcpy(fp, id->fp, TLS_FP_LEN);
}

void
tls_fp_text(const uint8_t fp[TLS_FP_LEN], char out[TLS_FP_TEXT])
{
	unsigned char b64[4 * ((TLS_FP_LEN + 2) / 3) + 1];

	EVP_EncodeBlock(b64, fp, TLS_FP_LEN);
	memcpy(out, FP_PREFIX, sizeof(FP_PREFIX) - 1);
	memcpy(out + sizeof(FP_PREFIX) - 1, b64, FP_B64);	/* no '=' */
	out[TLS_FP_TEXT - 1] = '\0';
}

int
tls_fp_parse(const char *s, uint8_t fp[TLS_FP_LEN])
{
	unsigned char in[FP_B64 + 2], out[FP_B64];
	char back[TLS_FP_TEXT];
	size_t n = strlen(FP_PREFIX);

	if (strncmp(s, FP_PREFIX, n) != 0 || strlen(s + n) != FP_B64)
		return -1;
	memcpy(in, s + n, FP_B64);
	in[FP_B64] = '=';
	in[FP_B64 + 1] = '\0';
	if (EVP_DecodeBlock(out, in, FP_B64 + 1) != 33)
		return -1;
	memcpy(fp, out, TLS_FP_LEN);
	/* Only the one spelling: the text must come back unchanged. */
	tls_fp_text(fp, back);
	return strcmp(back, s) == 0 ? 0 : -1;
}

/* Any certificate: trust is the caller's fingerprint check. */
/*
 * Any certificate, whatever its issuer or dates, as long as the key it
 * shows is an Ed25519 key: identities are keys (their fingerprints are
 * pinned), and a link that shows another kind has no identity to check.
 */
static int
verify_key(int ok, X509_STORE_CTX *x)
{
	X509 *cert;
	EVP_PKEY *key;

	(void)ok;
	if (X509_STORE_CTX_get_error_depth(x) != 0)
		return 1;
	if ((cert = X509_STORE_CTX_get_current_cert(x)) == NULL ||
	    (key = X509_get0_pubkey(cert)) == NULL ||
	    EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	return 1;
}

static int
new_session(SSL *ssl, SSL_SESSION *s)
{
	struct tls *t = SSL_get_app_data(ssl);
	struct tls_ctx *c;
	struct sess *slot = NULL;
	size_t i;

	if (t == NULL || t->name[0] == '\0')
		return 0;
	c = t->ctx;
	for (i = 0; i < SESS_MAX; i++) {
		if (strcmp(c->sess[i].name, t->name) == 0) {
			slot = &c->sess[i];
			break;
		}
		if (slot == NULL || c->sess[i].used < slot->used)
			slot = &c->sess[i];
	}
	SSL_SESSION_free(slot->s);
	snprintf(slot->name, sizeof(slot->name), "%s", t->name);
	slot->s = s;
	slot->used = ++c->tick;
	return 1;		/* the session is ours now */
}

struct tls_ctx *
tls_ctx_new(const struct tls_id *id, int server)
{
	struct tls_ctx *c = xcalloc(1, sizeof(*c));

	c->server = server;
	if ((c->ctx = SSL_CTX_new(server ? TLS_server_method() :
	    TLS_client_method())) == NULL)
		goto fail;
	if (SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate(c->ctx, id->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(c->ctx, id->key) != 1)
		goto fail;
	/* A close without close_notify is a close: frames say what is whole. */
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Idle connections keep no record buffers: 1,000 clients fit. */
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER | (server ?
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), verify_key);
	if (server) {
		if (SSL_CTX_set_session_id_context(c->ctx,
		    (const unsigned char *)"p2ps", 4) != 1)
			goto fail;
	} else {
		SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(c->ctx, new_session);
	}
	return c;
fail:
	tls_ctx_free(c);
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < SESS_MAX; i++)
		SSL_SESSION_free(c->sess[i].s);
	SSL_CTX_free(c->ctx);
	free(c);
}

struct tls *
tls_new(struct tls_ctx *c, int fd, const char *peer)
{
	struct tls *t = xcalloc(1, sizeof(*t));
	size_t i;

	t->ctx = c;
	if (peer != NULL)
		snprintf(t->name, sizeof(t->name), "%s", peer);
	if ((t->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(t->ssl,
	    fd) != 1) {
		tls_free(t);
		return NULL;
	}
	SSL_set_app_data(t->ssl, t);
	SSL_set_read_ahead(t->ssl, 1);
	BIO_set_callback_ex(SSL_get_rbio(t->ssl), rbio_cb);
	BIO_set_callback_arg(SSL_get_rbio(t->ssl), (char *)t);
	if (c->server) {
		SSL_set_accept_state(t->ssl);
		return t;
	}
	SSL_set_connect_state(t->ssl);
	for (i = 0; t->name[0] != '\0' && i < SESS_MAX; i++)
		if (c->sess[i].s != NULL &&
		    strcmp(c->sess[i].name, t->name) == 0) {
			SSL_set_session(t->ssl, c->sess[i].s);
			c->sess[i].used = ++c->tick;
			break;
		}
	return t;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
}

static enum tls_rc
result(const struct tls *t, int ret)
{
	switch (SSL_get_error(t->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_CLOSED;
	case SSL_ERROR_SYSCALL:
		/* A close without close_notify, or a reset. */
		return ERR_peek_error() == 0 ? TLS_CLOSED : TLS_FAIL;
	default:
		return TLS_FAIL;
	}
}

enum tls_rc
tls_handshake(struct tls *t)
{
	int r;

	ERR_clear_error();
	if ((r = SSL_do_handshake(t->ssl)) == 1)
		return TLS_OK;
	return result(t, r);
}

enum tls_rc
tls_read(struct tls *t, void *p, size_t len, size_t *n)
{
	int r;

	ERR_clear_error();
	*n = 0;
	if ((r = SSL_read_ex(t->ssl, p, len, n)) == 1)
		return TLS_OK;
	return result(t, r);
}

enum tls_rc
tls_write(struct tls *t, const void *p, size_t len, size_t *n)
{
	int r;

	ERR_clear_error();
	*n = 0;
	if ((r = SSL_write_ex(t->ssl, p, len, n)) == 1)
		return TLS_OK;
	return result(t, r);
}

int
tls_pending(const struct tls *t)
{
	/* Read-ahead: records may wait undecrypted (SSL_pending is 0). */
	return SSL_has_pending(t->ssl);
}

int
tls_drained(const struct tls *t)
{
	return t->drained && !SSL_has_pending(t->ssl);
}

int
tls_peer_fp(const struct tls *t, uint8_t fp[TLS_FP_LEN])
{
	X509 *x = SSL_get0_peer_certificate(t->ssl);
	EVP_PKEY *key;

	if (x == NULL || (key = X509_get0_pubkey(x)) == NULL ||
	    EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		return -1;
	return key_fp(key, fp);
}

int
tls_resumed(const struct tls *t)
{
	return SSL_session_reused(t->ssl) == 1;
}

int
tls_export(const struct tls *t, const char *label, uint8_t *out, size_t len)
{
	return SSL_export_keying_material(t->ssl, out, len, label,
	    strlen(label), NULL, 0, 0) == 1 ? 0 : -1;
}

const char *
tls_error(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r;

	if (e == 0)
		return "no error recorded";
	r = ERR_reason_error_string(e);
	return r != NULL ? r : "unknown TLS error";
}
