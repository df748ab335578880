/*
 * fuzz_hashes.c - libFuzzer harness for piece-hash lists ('H' fields).
 *
 * Two messages carry a file's piece hashes, and both come from someone we
 * do not control:
 *
 *	WT_FILE   "sqhH*sB"   tracker -> client: name, size, sha1, hashes,
 *			      then a peer address and a ticket per source
 *			      (client/download.c on_meta, on_sources)
 *	WT_UPLOAD "tisqhHsq"  client -> tracker: token, group, name, size,
 *			      sha1, hashes, local path, mtime
 *			      (tracker/handlers.c h_upload)
 *
 * The input is one selector byte (even: FILE, odd: UPLOAD) and the body,
 * decoded with wire_decode() from an allocation of exactly its size.  A
 * body that decodes is checked the way its receiver uses it:
 *
 *  - the count sits just before the hashes, count * 20 bytes lie inside
 *    the body, and what follows them is the next field (FILE's sources,
 *    UPLOAD's path);
 *  - when the count matches the size (ceil(size / WIRE_PIECE_LEN),
 *    worked out here without overflow, or that and ceil(size /
 *    WIRE_UNIT_LEN) while both fit a message: wire_hashes_ok()), the
 *    hashes are copied as the receiver copies them and walked piece by
 *    piece, each piece 1..WIRE_PIECE_LEN bytes long and all of them
 *    adding up to the size, then unit by unit (each 1..WIRE_UNIT_LEN,
 *    adding up to the size too); such a file's have-bitfield (of its
 *    units) fits a P_BITFIELD frame, and the
 *    tracker's FILE answer for it (the name, size, sha1 and these
 *    hashes) can be encoded;
 *  - every FILE source is walked with wire_iter and parsed with
 *    parse_hostport() as download.c does before it connects;
 *  - UPLOAD's name goes through parse_filename(), as h_upload does;
 *  - the message is encoded again with wire_put_hashes() and the other
 *    puts, and must give back the same body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rbuf.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static volatile uint8_t sink;

static void
touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x ^= p[i];
	sink ^= x;
}

static int
inside(const void *base, size_t len, const void *p, size_t n)
{
	uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;

	return q >= b && q - b <= len && n <= len - (q - b);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Parts of len bytes of a file of size bytes, without overflow. */
static uint64_t
parts_for(uint64_t size, uint64_t len)
{
	return size / len + (size % len != 0);
}

/* Parts i..i+n-1, of len bytes but the last, add up to the size. */
static void
walk_parts(uint64_t size, uint64_t len, uint32_t n)
{
	uint64_t total = 0, plen;
	uint32_t i;

	for (i = 0; i < n; i++) {
		plen = size - (uint64_t)i * len;
		if (plen > len)
			plen = len;
		CHECK(plen >= 1 && plen <= len);
		total += plen;
	}
	CHECK(total == size);
}

/*
 * A file whose hash count matches its size, as a receiver that accepts
 * it goes on to use it.
 */
static void
use_file(const char *name, uint64_t size, const uint8_t *sha1,
    const struct wire_field *hf)
{
	struct wire_enc e;
	struct buf b;
	uint8_t *copy;
	uint32_t np = (uint32_t)parts_for(size, WIRE_PIECE_LEN), nu;
	uint32_t unit = wire_unit_len(size, hf->n);

	/* download.c on_meta keeps its own copy of the hashes. */
	copy = malloc(hf->n > 0 ? (size_t)hf->n * WIRE_HASH_LEN : 1);
	CHECK(copy != NULL);
	if (hf->n > 0) {
		memcpy(copy, hf->p, (size_t)hf->n * WIRE_HASH_LEN);
		CHECK(memcmp(copy, hf->p, (size_t)hf->n * WIRE_HASH_LEN) ==
		    0);
	}
	free(copy);
	walk_parts(size, WIRE_PIECE_LEN, np);
	nu = (uint32_t)parts_for(size, unit);
	CHECK(unit == WIRE_PIECE_LEN ? hf->n == np : hf->n == np + nu);
	walk_parts(size, unit, nu);

	/* Its have-map (of its units) travels in one P_BITFIELD. */
	CHECK(WIRE_HASH_LEN + 4 + ((size_t)nu + 7) / 8 <=
	    wire_max_body(WT_P_BITFIELD));

	/* The tracker can answer FILE_INFO for it (no sources yet). */
	buf_init(&b, WIRE_HDR + (size_t)wire_max_body(WT_FILE));
	wire_begin(&e, &b, WT_FILE, 1);
	wire_put_str(&e, name);
	wire_put_u64(&e, size);
	wire_put_hash(&e, sha1);
	wire_put_hashes(&e, hf->p, hf->n);
	CHECK(wire_end(&e) == 0);
	buf_free(&b);
}

/* A source address from a FILE, as download.c takes it. */
static void
use_source(const char *s)
{
	char host[HOST_MAX + 1];
	uint16_t port = 0;

	memset(host, 'x', sizeof(host));
	if (parse_hostport(s, host, sizeof(host), &port) == -1)
		return;
	CHECK(memchr(host, '\0', sizeof(host)) != NULL);
	CHECK(port != 0);
	CHECK(strstr(s, host) == s + (s[0] == '['));
}

/* Encode the decoded message again: the body must come back. */
static void
reencode(unsigned type, const struct wire_msg *m, const uint8_t *body,
    size_t len)
{
	struct wire_field f[2];
	struct wire_iter it;
	struct wire_enc e;
	struct buf b;

	buf_init(&b, WIRE_HDR + (size_t)wire_max_body(type));
	wire_begin(&e, &b, type, m->h.id);
	if (type == WT_FILE) {
		wire_put_str(&e, m->f[0].s);
		wire_put_u64(&e, m->f[1].u);
		wire_put_hash(&e, m->f[2].p);
		wire_put_hashes(&e, m->f[3].p, m->f[3].n);
		wire_iter_init(&it, m);
		while (wire_iter_next(&it, f)) {
			wire_put_str(&e, f[0].s);
			wire_put_blob(&e, f[1].p, f[1].n);
		}
	} else {
		wire_put_token(&e, m->f[0].p);
		wire_put_id(&e, m->f[1].s);
		wire_put_str(&e, m->f[2].s);
		wire_put_u64(&e, m->f[3].u);
		wire_put_hash(&e, m->f[4].p);
		wire_put_hashes(&e, m->f[5].p, m->f[5].n);
		wire_put_str(&e, m->f[6].s);
		wire_put_u64(&e, m->f[7].u);
	}
	CHECK(wire_end(&e) == 0);
	CHECK(buf_used(&b) == WIRE_HDR + len);
	CHECK(len == 0 || memcmp(buf_head(&b) + WIRE_HDR, body, len) == 0);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct wire_field *hf, *sf;
	struct wire_field f[2];
	struct wire_iter it;
	struct wire_hdr h;
	struct wire_msg m;
	const char *why = NULL, *name;
	uint8_t *body;
	uint32_t nsrc = 0;
	int file;

	if (size < 1)
		return 0;
	file = data[0] % 2 == 0;
	h.type = file ? WT_FILE : WT_UPLOAD;
	h.flags = 0;
	h.id = 77;
	if (size - 1 > wire_max_body(h.type))
		return 0;		/* wire_frame() refuses the header */
	h.len = (uint32_t)(size - 1);
	body = malloc(h.len > 0 ? h.len : 1);
	CHECK(body != NULL);
	if (h.len > 0)
		memcpy(body, data + 1, h.len);

	if (wire_decode(&h, body, &m, &why) == -1) {
		CHECK(why != NULL);
		free(body);
		return 0;
	}
	hf = &m.f[file ? 3 : 5];
	sf = &m.f[file ? 1 : 3];
	name = m.f[file ? 0 : 2].s;

	/* The hashes, their count before them and what comes after. */
	CHECK(hf->n <= WIRE_HASHES_MAX);
	CHECK(inside(body, h.len, hf->p - 4, 4 + (size_t)hf->n *
	    WIRE_HASH_LEN));
	CHECK(be32(hf->p - 4) == hf->n);
	touch(hf->p, (size_t)hf->n * WIRE_HASH_LEN);
	if (file)
		CHECK(m.items == hf->p + (size_t)hf->n * WIRE_HASH_LEN);
	else
		CHECK((const uint8_t *)m.f[6].s ==
		    hf->p + (size_t)hf->n * WIRE_HASH_LEN + 2);

	if (wire_hashes_ok(sf->u, hf->n))
		use_file(name, sf->u, m.f[file ? 2 : 4].p, hf);

	if (file) {
		wire_iter_init(&it, &m);
		while (wire_iter_next(&it, f)) {
			use_source(f[0].s);
			CHECK(f[1].n == 0 || inside(body, h.len, f[1].p, f[1].n));
			nsrc++;
		}
		CHECK(nsrc == m.nitems);
	} else {
		(void)parse_filename(name);
	}
	reencode(h.type, &m, body, h.len);
	free(body);
	return 0;
}
