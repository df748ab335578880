/*
 * tls.h - TLS 1.3 on our sockets, and the identities behind it.
 *
 * Every endpoint has an identity: an Ed25519 key, and a self-signed
 * certificate made from it when the program starts.  No certificate
 * authority is involved: an identity IS its fingerprint, the SHA-256 of
 * its public key (the certificate's SubjectPublicKeyInfo), and whoever
 * connects compares the fingerprint the handshake proved with the one it
 * expects (pinning, as ssh does with host keys).  Both sides always show
 * a certificate, so both ends of every link are known.
 *
 * A struct tls is one connection's TLS state over a non-blocking socket.
 * Its calls never block: they answer TLS_WANT_READ or TLS_WANT_WRITE when
 * the socket must become ready first, and are called again then.
 *
 * The only file besides crypto.c that includes OpenSSL.  Owns the keys,
 * contexts and per-connection state it makes.  Never sends a byte before
 * its caller asks, never decides whom to trust (its callers compare
 * fingerprints).  Loop thread only.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <stdint.h>

#define TLS_FP_LEN	32
/* "SHA256:" and 43 characters of base64 without padding, and a NUL. */
#define TLS_FP_TEXT	51

struct tls_id;
struct tls_ctx;
struct tls;

enum tls_rc {
	TLS_OK = 0,		/* done (handshake), or n bytes moved */
	TLS_WANT_READ,		/* call again once the socket is readable */
	TLS_WANT_WRITE,		/* ... writable */
	TLS_CLOSED,		/* the peer closed the TLS session */
	TLS_FAIL,		/* protocol error: drop the connection */
};

/*
 * The identity kept in the file at path, made there (mode 0600, created
 * so: never readable by others on the way) if it does not exist.  A file
 * that others may read, or that is not a key, is refused.  NULL with err.
 */
struct tls_id	*tls_id_load(const char *path, char *err, size_t errlen);
/* A fresh identity that lives as long as the process. */
struct tls_id	*tls_id_new(void);
void		 tls_id_free(struct tls_id *);
void		 tls_id_fp(const struct tls_id *, uint8_t fp[TLS_FP_LEN]);

/* "SHA256:" and base64 of fp, as ssh prints host keys. */
void		 tls_fp_text(const uint8_t fp[TLS_FP_LEN], char out[TLS_FP_TEXT]);
/* The reverse; 0, or -1 if s is not exactly such a text. */
int		 tls_fp_parse(const char *s, uint8_t fp[TLS_FP_LEN]);

/*
 * A context: the identity shown, and which side of the handshake.  A
 * server asks every client for its certificate and refuses one without.
 * A client context remembers the last session of each peer name (in
 * memory) and offers it when it connects again, so a reconnect is a
 * resumption rather than a full handshake.
 */
struct tls_ctx	*tls_ctx_new(const struct tls_id *, int server);
void		 tls_ctx_free(struct tls_ctx *);

/*
 * TLS over fd (not closed by tls_free).  peer: a client's name for the
 * server (for resumption), NULL on a server.
 */
struct tls	*tls_new(struct tls_ctx *, int fd, const char *peer);
void		 tls_free(struct tls *);
enum tls_rc	 tls_handshake(struct tls *);
/* Move up to len bytes; *n is how many moved (TLS_OK only). */
enum tls_rc	 tls_read(struct tls *, void *, size_t len, size_t *n);
enum tls_rc	 tls_write(struct tls *, const void *, size_t len, size_t *n);
/*
 * Bytes read from the socket and waiting in the TLS layer, decrypted or
 * not: the socket no longer signals them.
 */
int		 tls_pending(const struct tls *);
/*
 * Nothing left to read for now: every byte read from the socket is
 * consumed, and the last read of it was short (the socket was empty).
 */
int		 tls_drained(const struct tls *);
/* After the handshake: the peer's key.  0, or -1 if it showed none. */
int		 tls_peer_fp(const struct tls *, uint8_t fp[TLS_FP_LEN]);
/* Was the session resumed (no full handshake)? */
int		 tls_resumed(const struct tls *);
/*
 * Keying material bound to this session (RFC 8446 exporter): the same on
 * both ends and on no other connection, so a proof over it cannot be
 * relayed.  0 or -1.
 */
int		 tls_export(const struct tls *, const char *label,
		    uint8_t *out, size_t len);
/* OpenSSL's reason for the last TLS_FAIL on this thread, for logs. */
const char	*tls_error(void);

#endif
