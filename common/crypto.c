/*
 * crypto.c - OpenSSL EVP behind a small interface (see crypto.h).
 *
 * The only file that includes OpenSSL.  Owns no state between calls
 * beyond the contexts it frees before returning; any thread may call it.
 * Never returns a digest or a random byte after a failed OpenSSL call.
 */
#include "crypto.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

struct sha1_ctx {
	EVP_MD_CTX	*md;
};

struct sha1_ctx *
sha1_new(void)
{
	struct sha1_ctx *c = OPENSSL_malloc(sizeof(*c));

	if (c == NULL)
		return NULL;
	if ((c->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c->md, EVP_sha1(), NULL) != 1) {
		EVP_MD_CTX_free(c->md);
		OPENSSL_free(c);
		return NULL;
	}
	return c;
}

int
sha1_update(struct sha1_ctx *c, const void *p, size_t n)
{
	return EVP_DigestUpdate(c->md, p, n) == 1 ? 0 : -1;
}

int
sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_LEN])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(c->md, out, &n) != 1 || n != SHA1_LEN)
		return -1;
	return 0;
}

void
sha1_free(struct sha1_ctx *c)
{
	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->md);
	OPENSSL_free(c);
}

static int
digest(const EVP_MD *md, const void *p, size_t n, uint8_t *out, unsigned want)
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, md, NULL) != 1 || len != want)
		return -1;
	return 0;
}

int
sha1(const void *p, size_t n, uint8_t out[SHA1_LEN])
{
	return digest(EVP_sha1(), p, n, out, SHA1_LEN);
}

int
sha256(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	return digest(EVP_sha256(), p, n, out, SHA256_LEN);
}

void
hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
random_bytes(void *p, size_t n)
{
	if (n > INT32_MAX)
		return -1;
	return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
}

int
pbkdf2_sha256(const char *pass, size_t passlen, const uint8_t *salt,
    size_t saltlen, unsigned iter, uint8_t *out, size_t outlen)
{
	if (passlen > INT32_MAX || saltlen > INT32_MAX || outlen > INT32_MAX ||
	    iter == 0 || iter > INT32_MAX)
		return -1;
	if (PKCS5_PBKDF2_HMAC(pass, (int)passlen, salt, (int)saltlen,
	    (int)iter, EVP_sha256(), (int)outlen, out) != 1)
		return -1;
	return 0;
}

int
ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int
hmac_sha256(const void *key, size_t keylen, const void *p, size_t n,
    uint8_t out[SHA256_LEN])
{
	unsigned int len = 0;

	if (keylen > INT32_MAX || HMAC(EVP_sha256(), key, (int)keylen, p, n,
	    out, &len) == NULL || len != SHA256_LEN)
		return -1;
	return 0;
}

/* MAC over label | sha1 | expiry | source key | requester key. */
static int
ticket_mac(const uint8_t key[SHA256_LEN], const uint8_t sha1[SHA1_LEN],
    const uint8_t head[8 + TICKET_FP_LEN],
    const uint8_t requester[TICKET_FP_LEN], uint8_t out[SHA256_LEN])
{
	static const char label[] = "p2p-ticket-v2";
	uint8_t b[sizeof(label) + SHA1_LEN + 8 + 2 * TICKET_FP_LEN];
	uint8_t *p = b;

	memcpy(p, label, sizeof(label));
	p += sizeof(label);
	memcpy(p, sha1, SHA1_LEN);
	p += SHA1_LEN;
	memcpy(p, head, 8 + TICKET_FP_LEN);
	p += 8 + TICKET_FP_LEN;
	memcpy(p, requester, TICKET_FP_LEN);
	return hmac_sha256(key, SHA256_LEN, b, sizeof(b), out);
}

int
ticket_make(const uint8_t key[SHA256_LEN], const uint8_t sha1[SHA1_LEN],
    uint64_t expiry, const uint8_t source[TICKET_FP_LEN],
    const uint8_t requester[TICKET_FP_LEN], uint8_t out[TICKET_LEN])
{
	int i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(expiry >> (56 - 8 * i));
	memcpy(out + 8, source, TICKET_FP_LEN);
	return ticket_mac(key, sha1, out, requester,
	    out + 8 + TICKET_FP_LEN);
}

const uint8_t *
ticket_source(const uint8_t *ticket, size_t len)
{
	return len == TICKET_LEN ? ticket + 8 : NULL;
}

uint64_t
ticket_expiry(const uint8_t *ticket, size_t len)
{
	uint64_t expiry = 0;
	size_t i;

	if (len != TICKET_LEN)
		return 0;
	for (i = 0; i < 8; i++)
		expiry = expiry << 8 | ticket[i];
	return expiry;
}

int
ticket_check(const uint8_t key[SHA256_LEN], const uint8_t sha1[SHA1_LEN],
    const uint8_t *ticket, size_t len, uint64_t now,
    const uint8_t source[TICKET_FP_LEN],
    const uint8_t requester[TICKET_FP_LEN])
{
	uint8_t want[SHA256_LEN];

	if (len != TICKET_LEN)
		return -1;
	if (ticket_expiry(ticket, len) < now || !ct_equal(ticket + 8, source, TICKET_FP_LEN) ||
	    ticket_mac(key, sha1, ticket, requester, want) == -1 ||
	    !ct_equal(want, ticket + 8 + TICKET_FP_LEN, SHA256_LEN))
		return -1;
	return 0;
}
