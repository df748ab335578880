/*
 * crypto.h - the one thin wrapper around OpenSSL.
 *
 * No other file includes OpenSSL headers.  Every call's return code is
 * checked; failures return -1 (they mean a broken library or no entropy,
 * which callers treat as fatal where they cannot answer otherwise).
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN	20
#define SHA256_LEN	32
#define SHA1_HEX	(2 * SHA1_LEN + 1)

/* Incremental SHA1 over a stream; opaque to callers. */
struct sha1_ctx;
struct sha1_ctx	*sha1_new(void);
int		 sha1_update(struct sha1_ctx *, const void *, size_t);
int		 sha1_final(struct sha1_ctx *, uint8_t out[SHA1_LEN]);
void		 sha1_free(struct sha1_ctx *);

int	sha1(const void *, size_t, uint8_t out[SHA1_LEN]);
int	sha256(const void *, size_t, uint8_t out[SHA256_LEN]);
/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void	hex_encode(const uint8_t *, size_t n, char *out);

int	random_bytes(void *, size_t);
/* PBKDF2-HMAC-SHA256. */
int	pbkdf2_sha256(const char *pass, size_t passlen, const uint8_t *salt,
	    size_t saltlen, unsigned iter, uint8_t *out, size_t outlen);
/* HMAC-SHA256 of n bytes under key. */
int	hmac_sha256(const void *key, size_t keylen, const void *, size_t n,
	    uint8_t out[SHA256_LEN]);
/*
 * Tickets: a tracker vouches that the peer with key requester may fetch
 * file sha1 from the peer with key source until expiry (unix seconds).
 * A ticket is expiry (u64, big-endian) | source (32) | HMAC-SHA256(key,
 * "p2p-ticket-v2" | sha1 | expiry | source | requester), key being the
 * source's ticket key.  So the downloader learns from it whose key to
 * expect (ticket_source()), and the source serves only the requester
 * named, over a link on which that requester proved its key.
 * ticket_check(): 0 if valid at now for these keys, else -1.
 */
#define TICKET_FP_LEN	32
#define TICKET_LEN	(8 + TICKET_FP_LEN + SHA256_LEN)
int	ticket_make(const uint8_t key[SHA256_LEN], const uint8_t sha1[SHA1_LEN],
	    uint64_t expiry, const uint8_t source[TICKET_FP_LEN],
	    const uint8_t requester[TICKET_FP_LEN], uint8_t out[TICKET_LEN]);
/* The source key a ticket names, or NULL if it is not a ticket. */
const uint8_t *ticket_source(const uint8_t *ticket, size_t len);
/* When it ends (unix seconds, unchecked), or 0 if it is not a ticket. */
uint64_t ticket_expiry(const uint8_t *ticket, size_t len);
int	ticket_check(const uint8_t key[SHA256_LEN], const uint8_t sha1[SHA1_LEN],
	    const uint8_t *ticket, size_t len, uint64_t now,
	    const uint8_t source[TICKET_FP_LEN],
	    const uint8_t requester[TICKET_FP_LEN]);
/* 1 if equal, in time that depends only on n. */
int	ct_equal(const void *, const void *, size_t n);

#endif
