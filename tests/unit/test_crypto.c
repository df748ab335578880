/*
 * test_crypto.c - unit tests for common/crypto.c, the OpenSSL wrapper.
 *
 * Covers SHA1 and SHA256 against published vectors (FIPS 180 examples),
 * the incremental SHA1 against the one-shot one across random split points
 * (fixed seed), hex_encode, PBKDF2-HMAC-SHA256 against known vectors
 * (RFC 7914 section 11 and the RFC 6070 inputs with SHA256), its refusal of
 * zero iterations, random_bytes, and ct_equal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "rng.h"

/* Hex of n bytes, for comparing against a vector. */
static void
expect_hex(const uint8_t *p, size_t n, const char *want)
{
	char hex[2 * 128 + 1];

	assert_true(n <= 128);
	hex_encode(p, n, hex);
	assert_string_equal(hex, want);
}

static void
test_sha1_vectors(void **state)
{
	uint8_t d[SHA1_LEN];

	(void)state;
	assert_int_equal(sha1("", 0, d), 0);
	expect_hex(d, SHA1_LEN, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	assert_int_equal(sha1("abc", 3, d), 0);
	expect_hex(d, SHA1_LEN, "a9993e364706816aba3e25717850c26c9cd0d89d");
	assert_int_equal(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmno"
	    "mnopnopq", 56, d), 0);
	expect_hex(d, SHA1_LEN, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	/* Length is honored: bytes after n do not count. */
	assert_int_equal(sha1("abcdef", 3, d), 0);
	expect_hex(d, SHA1_LEN, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

static void
test_sha1_million_a(void **state)
{
	struct sha1_ctx *c;
	uint8_t d[SHA1_LEN], block[1000];
	int i;

	(void)state;
	memset(block, 'a', sizeof(block));
	c = sha1_new();
	assert_non_null(c);
	for (i = 0; i < 1000; i++)
		assert_int_equal(sha1_update(c, block, sizeof(block)), 0);
	assert_int_equal(sha1_final(c, d), 0);
	sha1_free(c);
	expect_hex(d, SHA1_LEN, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void
test_sha1_incremental_empty(void **state)
{
	struct sha1_ctx *c;
	uint8_t d[SHA1_LEN];

	(void)state;
	c = sha1_new();
	assert_non_null(c);
	assert_int_equal(sha1_final(c, d), 0);
	sha1_free(c);
	expect_hex(d, SHA1_LEN, "da39a3ee5e6b4b0d3255bfef95601890afd80709");

	c = sha1_new();
	assert_non_null(c);
	assert_int_equal(sha1_update(c, "", 0), 0);
	assert_int_equal(sha1_update(c, "ab", 2), 0);
	assert_int_equal(sha1_update(c, "", 0), 0);
	assert_int_equal(sha1_update(c, "c", 1), 0);
	assert_int_equal(sha1_final(c, d), 0);
	sha1_free(c);
	expect_hex(d, SHA1_LEN, "a9993e364706816aba3e25717850c26c9cd0d89d");

	sha1_free(NULL);
}

static void
test_sha1_incremental_random_splits(void **state)
{
	enum { LEN = 20000 };
	uint8_t *data, one[SHA1_LEN], inc[SHA1_LEN];
	struct sha1_ctx *c;
	size_t n, off, k, i;
	int iter;

	(void)state;
	rng_seed(0x73686131ull);
	data = malloc(LEN);
	assert_non_null(data);
	for (i = 0; i < LEN; i++)
		data[i] = (uint8_t)rng();
	for (iter = 0; iter < 200; iter++) {
		n = rng_below(LEN + 1);
		assert_int_equal(sha1(data, n, one), 0);
		c = sha1_new();
		assert_non_null(c);
		for (off = 0; off < n; off += k) {
			/* Pieces around the 64-byte block, and empty ones. */
			switch (rng_below(4)) {
			case 0:
				k = 0;
				break;
			case 1:
				k = 1 + rng_below(130);
				break;
			case 2:
				k = 64;
				break;
			default:
				k = rng_below((uint32_t)(n - off) + 1);
				break;
			}
			if (k > n - off)
				k = n - off;
			assert_int_equal(sha1_update(c, data + off, k), 0);
		}
		assert_int_equal(sha1_final(c, inc), 0);
		sha1_free(c);
		assert_memory_equal(one, inc, SHA1_LEN);
	}
	free(data);
}

static void
test_sha256_vectors(void **state)
{
	uint8_t d[SHA256_LEN];

	(void)state;
	assert_int_equal(sha256("", 0, d), 0);
	expect_hex(d, SHA256_LEN, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	    "934ca495991b7852b855");
	assert_int_equal(sha256("abc", 3, d), 0);
	expect_hex(d, SHA256_LEN, "ba7816bf8f01cfea414140de5dae2223b00361a39617"
	    "7a9cb410ff61f20015ad");
}

static void
test_hex_encode(void **state)
{
	static const uint8_t in[] = { 0x00, 0x01, 0x0f, 0x10, 0xab, 0xcd, 0xef,
	    0xff, 0x7f, 0x80 };
	char out[2 * sizeof(in) + 2];

	(void)state;
	memset(out, '#', sizeof(out));
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00010f10abcdefff7f80");
	/* Exactly 2n + 1 bytes written. */
	assert_int_equal(out[sizeof(out) - 1], '#');

	memset(out, '#', sizeof(out));
	hex_encode(in, 0, out);
	assert_int_equal(out[0], '\0');
	assert_int_equal(out[1], '#');

	hex_encode(in + 4, 1, out);
	assert_string_equal(out, "ab");
}

static void
test_hex_encode_every_byte(void **state)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t b;
	char out[3];
	int i;

	(void)state;
	for (i = 0; i < 256; i++) {
		b = (uint8_t)i;
		hex_encode(&b, 1, out);
		assert_int_equal(out[0], digits[i >> 4]);
		assert_int_equal(out[1], digits[i & 15]);
		assert_int_equal(out[2], '\0');
	}
}

static void
pbkdf2_vector(const char *pass, size_t passlen, const char *salt,
    size_t saltlen, unsigned iter, size_t outlen, const char *want)
{
	uint8_t out[64];

	assert_true(outlen <= sizeof(out));
	assert_int_equal(pbkdf2_sha256(pass, passlen, (const uint8_t *)salt,
	    saltlen, iter, out, outlen), 0);
	expect_hex(out, outlen, want);
}

static void
test_pbkdf2_vectors(void **state)
{
	(void)state;
	pbkdf2_vector("password", 8, "salt", 4, 1, 32,
	    "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
	pbkdf2_vector("password", 8, "salt", 4, 2, 32,
	    "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
	pbkdf2_vector("password", 8, "salt", 4, 4096, 32,
	    "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
	/* RFC 7914, section 11. */
	pbkdf2_vector("passwd", 6, "salt", 4, 1, 64,
	    "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
	    "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
	/* Output longer than one SHA256 block. */
	pbkdf2_vector("passwordPASSWORDpassword", 24,
	    "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096, 40,
	    "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1"
	    "c635518c7dac47e9");
}

static void
test_pbkdf2_lengths_honored(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	/* Embedded NULs count: the lengths, not strlen, decide. */
	pbkdf2_vector("pass\0word", 9, "sa\0lt", 5, 4096, 16,
	    "89b69d0516f829893c696226650a8687");
	/* A shorter output is a prefix of the longer one. */
	assert_int_equal(pbkdf2_sha256("password", 8, (const uint8_t *)"salt",
	    4, 1, a, 32), 0);
	memset(b, 0, sizeof(b));
	assert_int_equal(pbkdf2_sha256("password", 8, (const uint8_t *)"salt",
	    4, 1, b, 7), 0);
	assert_memory_equal(a, b, 7);
	assert_int_equal(b[7], 0);
	/* Different salt, different key. */
	assert_int_equal(pbkdf2_sha256("password", 8, (const uint8_t *)"salT",
	    4, 1, b, 32), 0);
	assert_memory_not_equal(a, b, 32);
}

static void
test_pbkdf2_zero_iterations(void **state)
{
	uint8_t out[32];

	(void)state;
	assert_int_equal(pbkdf2_sha256("password", 8, (const uint8_t *)"salt",
	    4, 0, out, sizeof(out)), -1);
}

static void
test_random_bytes(void **state)
{
	uint8_t a[32], b[32], zero[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(random_bytes(a, sizeof(a)), 0);
	assert_int_equal(random_bytes(b, sizeof(b)), 0);
	/* 2^-256 chances of a false failure. */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(random_bytes(a, 0), 0);
}

static void
test_ct_equal(void **state)
{
	uint8_t a[64], b[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 31 + 7);
	assert_true(ct_equal(a, b, sizeof(a)));
	assert_true(ct_equal(a, b, 0));
	assert_int_equal(ct_equal(a, b, sizeof(a)), 1);
	/* A difference anywhere, in any bit. */
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(ct_equal(a, b, sizeof(a)), 0);
		/* Outside the compared length it does not matter. */
		assert_int_equal(ct_equal(a, b, i), 1);
		b[i] = a[i];
	}
	assert_true(ct_equal("abc", "abd", 2));
	assert_false(ct_equal("abc", "abd", 3));
}

/* RFC 4231 test case 2, and tickets made and checked. */
static void
test_hmac_and_tickets(void **state)
{
	static const uint8_t want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43 };
	uint8_t out[32], key[32], other[32], sha[20], src[32], asker[32];
	uint8_t t[TICKET_LEN], bad[TICKET_LEN];
	size_t i;

	(void)state;
	assert_int_equal(hmac_sha256("Jefe", 4, "what do ya want for nothing?",
	    28, out), 0);
	assert_memory_equal(out, want, 32);

	memset(key, 1, sizeof(key));
	memset(other, 2, sizeof(other));
	memset(sha, 3, sizeof(sha));
	memset(src, 4, sizeof(src));
	memset(asker, 5, sizeof(asker));
	assert_int_equal(ticket_make(key, sha, 1000, src, asker, t), 0);
	assert_int_equal(sizeof(t), 8 + 32 + 32);
	/* It names the source's key for the asker to check. */
	assert_memory_equal(ticket_source(t, sizeof(t)), src, sizeof(src));
	assert_null(ticket_source(t, sizeof(t) - 1));
	/* And when it ends, for the renewal (0 if not a ticket). */
	assert_int_equal(ticket_expiry(t, sizeof(t)), 1000);
	assert_int_equal(ticket_expiry(t, sizeof(t) - 1), 0);
	assert_int_equal(ticket_make(key, sha, 0x0102030405060708ULL, src,
	    asker, bad), 0);
	assert_true(ticket_expiry(bad, sizeof(bad)) == 0x0102030405060708ULL);
	assert_int_equal(ticket_check(key, sha, t, sizeof(t), 999, src,
	    asker), 0);
	assert_int_equal(ticket_check(key, sha, t, sizeof(t), 1000, src,
	    asker), 0);
	/* Expired, another peer's key, another file, cut short. */
	assert_int_equal(ticket_check(key, sha, t, sizeof(t), 1001, src,
	    asker), -1);
	assert_int_equal(ticket_check(other, sha, t, sizeof(t), 0, src,
	    asker), -1);
	sha[19] ^= 1;
	assert_int_equal(ticket_check(key, sha, t, sizeof(t), 0, src, asker),
	    -1);
	sha[19] ^= 1;
	assert_int_equal(ticket_check(key, sha, t, sizeof(t) - 1, 0, src,
	    asker), -1);
	assert_int_equal(ticket_check(key, sha, t, 0, 0, src, asker), -1);
	/* Another asker (a ticket passed on), another source: refused. */
	assert_int_equal(ticket_check(key, sha, t, sizeof(t), 0, src, other),
	    -1);
	assert_int_equal(ticket_check(key, sha, t, sizeof(t), 0, other,
	    asker), -1);
	/* Every bit counts: a later expiry or any flipped bit is refused. */
	for (i = 0; i < sizeof(t) * 8; i++) {
		memcpy(bad, t, sizeof(t));
		bad[i / 8] ^= (uint8_t)(1 << (i % 8));
		assert_int_equal(ticket_check(key, sha, bad, sizeof(bad), 0,
		    src, asker), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_vectors),
		cmocka_unit_test(test_sha1_million_a),
		cmocka_unit_test(test_sha1_incremental_empty),
		cmocka_unit_test(test_sha1_incremental_random_splits),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_hex_encode_every_byte),
		cmocka_unit_test(test_pbkdf2_vectors),
		cmocka_unit_test(test_pbkdf2_lengths_honored),
		cmocka_unit_test(test_pbkdf2_zero_iterations),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_hmac_and_tickets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
