/*
 * gen_seeds.c - write the seed corpora of fuzz_wire, fuzz_hashes and
 * fuzz_bitfield.
 *
 * Run it again after changing the message table in wire.c, so that every
 * type has valid seeds (make fuzz-seeds does these steps):
 *
 *	mkdir -p build
 *	cc -std=c17 -D_GNU_SOURCE -Icommon -o build/gen_seeds \
 *	    tests/fuzz/gen_seeds.c common/wire.c common/rbuf.c \
 *	    common/parse.c common/log.c common/xalloc.c
 *	build/gen_seeds tests/fuzz/corpus
 *
 * corpus/wire: valid frames are made with the wire_enc API from each
 * type's format, as the encoder reports it, so new types are covered
 * without editing this file: valid-<TYPE> (typical values),
 * valid-<TYPE>-min (shortest values: empty strings, no hashes, no piece
 * data), valid-<TYPE>-max (longest strings and ids that fit the type's
 * ceiling), and for list types valid-<TYPE>-empty and valid-<TYPE>-many.
 * Blobs are 80 bytes, except that the typical SESSION carries a ticket key
 * of its real size and the typical FILE and P_WANT tickets of theirs.
 * Hand-made ones follow: streams of several frames (stream-*), and
 * malformed frames (bad-*) for each way a header or body can be refused,
 * the ticketless SESSION, FILE and P_WANT of the old formats among them.
 *
 * corpus/hashes: a selector byte (0 FILE, 1 UPLOAD) and a body, for
 * fuzz_hashes.  corpus/bitfield: a u32 piece count and the frames a
 * serving peer sends, for fuzz_bitfield.
 *
 * Files are named for what they hold, so running this again replaces its
 * own seeds and leaves the inputs the fuzzer added (named by their SHA1)
 * alone.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.h"
#include "rbuf.h"
#include "wire.h"

enum variant { TYPICAL, MIN, MAX };

/*
 * The longest 'R' (piece data) a seed carries.  A whole block
 * (WIRE_BLOCK_MAX) would make every seed file that long for libFuzzer,
 * whose -max_len follows the largest seed; the unit tests cover the
 * ceiling itself.
 */
#define SEED_REST_MAX	4096

/* SESSION's ticket key: an HMAC-SHA256 key. */
#define TICKET_KEY_LEN	32

static char outdir[4096];
static int nwritten;

static void
die(const char *what)
{
	fprintf(stderr, "gen_seeds: %s\n", what);
	exit(1);
}

static void
write_seed(const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", outdir, name) >=
	    sizeof(path))
		die("path too long");
	if ((f = fopen(path, "wb")) == NULL)
		die(path);
	if ((n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		die(path);
	nwritten++;
}

static void
write_buf(const char *name, const struct buf *b)
{
	write_seed(name, buf_head(b), buf_used(b));
}

/* Fill a NUL-terminated string of n characters cycling through alphabet. */
static char *
text(size_t n, const char *alphabet)
{
	size_t i, k = strlen(alphabet);
	char *s = malloc(n + 1);

	if (s == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		s[i] = alphabet[i % k];
	s[n] = '\0';
	return s;
}

/* The length of a blob in a valid seed of type t. */
static uint32_t
blob_len(unsigned t, enum variant v, uint32_t dflt)
{
	if (v == MIN)
		return 0;
	if (v == TYPICAL && t == WT_SESSION)
		return TICKET_KEY_LEN;
	if (v == TYPICAL && (t == WT_FILE || t == WT_P_WANT))
		return WIRE_TICKET_LEN;
	return dflt;
}

/* Put one field of format letter c; item numbers list items. */
static void
put(struct wire_enc *e, char c, enum variant v, unsigned item)
{
	static const char idchars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	static const char *ids[] = { "alice", "bob", "g-1.team_x", "Z" };
	static const char *strs[] = { "p2ps/1", "hello world", "file name.txt",
	    "tab\there \"quoted\" \\ and \xc3\xa9" };
	uint8_t bytes[WIRE_HASH_LEN * 4];
	char *s;
	size_t i;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(0x11 * (i % 15 + 1) + item);
	switch (c) {
	case 'b':
		wire_put_u8(e, v == MIN ? 0 : v == MAX ? UINT8_MAX : ROLE_PEER);
		break;
	case 'w':
		wire_put_u16(e, v == MIN ? 0 : v == MAX ? UINT16_MAX :
		    WIRE_VERSION);
		break;
	case 'u':
		wire_put_u32(e, v == MIN ? 0 : v == MAX ? UINT32_MAX :
		    WIRE_MAGIC);
		break;
	case 'q':
		wire_put_u64(e, v == MIN ? 0 : v == MAX ? UINT64_MAX :
		    0x0102030405060708ull);
		break;
	case 'i':
		if (v == TYPICAL) {
			wire_put_id(e, ids[item % 4]);
		} else {
			s = text(v == MIN ? 1 : ID_MAX, idchars + item % 10);
			wire_put_id(e, s);
			free(s);
		}
		break;
	case 's':
		if (v == TYPICAL) {
			wire_put_str(e, strs[item % 4]);
		} else {
			s = text(v == MIN ? 0 : WIRE_STR_MAX, idchars);
			wire_put_str(e, s);
			free(s);
		}
		break;
	case 'h':
		wire_put_hash(e, bytes);
		break;
	case 't':
		wire_put_token(e, bytes);
		break;
	case 'H':
		wire_put_hashes(e, bytes, v == MIN ? 0 : 4);
		break;
	case 'B':
		wire_put_blob(e, bytes, blob_len(e->type, v, sizeof(bytes)));
		break;
	case 'R':
		/* Piece data: none, a few bytes, or a 4 KiB block. */
		if (v == MAX) {
			uint8_t *blk = malloc(SEED_REST_MAX);

			if (blk == NULL)
				die("out of memory");
			for (i = 0; i < SEED_REST_MAX; i++)
				blk[i] = (uint8_t)(i * 7 + item);
			wire_put_rest(e, blk, SEED_REST_MAX);
			free(blk);
		} else {
			wire_put_rest(e, bytes, v == MIN ? 0 : 13);
		}
		break;
	default:
		die("format letter this generator does not know");
	}
}

/* Encode one frame of type t; 0, or -1 if it does not fit the ceiling. */
static int
encode(struct buf *b, unsigned t, uint32_t id, enum variant v, unsigned items)
{
	const char *fmt, *c, *rep;
	struct wire_enc e;
	unsigned k;

	wire_begin(&e, b, t, id);
	fmt = e.fmt;
	for (c = fmt; *c != '\0' && *c != '*'; c++)
		put(&e, *c, v, 0);
	rep = *c == '*' ? c + 1 : NULL;
	for (k = 0; rep != NULL && k < items; k++)
		for (c = rep; *c != '\0'; c++)
			put(&e, *c, v, k);
	return wire_end(&e);
}

static int
is_list(unsigned t)
{
	struct wire_enc e;
	struct buf b;
	int r;

	buf_init(&b, WIRE_HDR);
	wire_begin(&e, &b, t, 0);
	r = strchr(e.fmt, '*') != NULL;
	buf_free(&b);
	return r;
}

static void
valid_seeds(void)
{
	static const struct { const char *suffix; enum variant v;
	    unsigned items; int list_only; } kinds[] = {
		{ "", TYPICAL, 3, 0 },
		{ "-min", MIN, 1, 0 },
		{ "-max", MAX, 2, 0 },
		{ "-empty", TYPICAL, 0, 1 },
		{ "-many", TYPICAL, 40, 1 },
	};
	char name[128];
	struct buf b, first;
	unsigned t, k;

	for (t = 0; t < WT_TYPE_MAX; t++) {
		if (wire_type_name(t) == NULL)
			continue;
		buf_init(&first, WIRE_HDR + (size_t)wire_max_body(t));
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			if (kinds[k].list_only && !is_list(t))
				continue;
			buf_init(&b, WIRE_HDR + (size_t)wire_max_body(t));
			if (encode(&b, t, 1000 + t, kinds[k].v,
			    kinds[k].items) == -1)
				goto next;	/* too long for the type */
			/* Types without variable fields need one seed. */
			if (k > 0 && buf_used(&b) == buf_used(&first) &&
			    memcmp(buf_head(&b), buf_head(&first),
			    buf_used(&b)) == 0)
				goto next;
			snprintf(name, sizeof(name), "valid-%s%s",
			    wire_type_name(t), kinds[k].suffix);
			write_buf(name, &b);
			if (k == 0 && buf_append(&first, buf_head(&b),
			    buf_used(&b)) == -1)
				die("buffer full");
next:
			buf_free(&b);
		}
		buf_free(&first);
	}
}

static void
raw_hdr(struct buf *b, uint32_t len, uint16_t type, uint16_t flags,
    uint32_t id)
{
	if (buf_put_u32(b, len) == -1 || buf_put_u16(b, type) == -1 ||
	    buf_put_u16(b, flags) == -1 || buf_put_u32(b, id) == -1)
		die("buffer full");
}

static void
raw(struct buf *b, const void *p, size_t n)
{
	if (buf_append(b, p, n) == -1)
		die("buffer full");
}

/* A frame with a correct header around body bytes given as they are. */
static void
raw_frame(struct buf *b, uint16_t type, uint32_t id, const void *p, size_t n)
{
	raw_hdr(b, (uint32_t)n, type, 0, id);
	raw(b, p, n);
}

static void
stream_seeds(void)
{
	static const uint8_t token[WIRE_TOKEN_LEN] = "0123456789abcdef";
	static const uint8_t key[TICKET_KEY_LEN] = {	/* NULs too */
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
		0x00, 0x00, 0x00, 0x00, 0x6b, 0x65, 0x79, 0x00,
		0x80, 0x7f, 0x01, 0xfe, 0x10, 0x20, 0x40, 0x80,
	};
	struct wire_enc e;
	struct buf b;
	uint32_t id;
	size_t cut;

	buf_init(&b, 1 << 20);

	/* A client's session with a tracker, both directions interleaved. */
	wire_hello(&b, ROLE_CLIENT);
	wire_hello(&b, ROLE_TRACKER);
	wire_begin(&e, &b, WT_CREATE_USER, 1);
	wire_put_id(&e, "alice");
	wire_put_str(&e, "s3cret pass");
	wire_end(&e);
	wire_begin(&e, &b, WT_OK, 1);
	wire_end(&e);
	wire_begin(&e, &b, WT_LOGIN, 2);
	wire_put_id(&e, "alice");
	wire_put_str(&e, "s3cret pass");
	wire_put_str(&e, "127.0.0.1:6001");
	wire_put_token(&e, token);
	wire_end(&e);
	wire_begin(&e, &b, WT_SESSION, 2);
	wire_put_token(&e, token);
	wire_put_id(&e, "alice");
	wire_put_blob(&e, key, sizeof(key));
	wire_end(&e);
	wire_begin(&e, &b, WT_CREATE_GROUP, 3);
	wire_put_token(&e, token);
	wire_put_id(&e, "g1");
	wire_end(&e);
	wire_error(&b, 3, WE_EXISTS, "group g1 exists");
	wire_begin(&e, &b, WT_LIST_GROUPS, 4);
	wire_put_token(&e, token);
	wire_end(&e);
	wire_begin(&e, &b, WT_NAMES, 4);
	wire_put_str(&e, "g1");
	wire_put_str(&e, "g2");
	wire_end(&e);
	wire_begin(&e, &b, WT_LOGOUT, 5);
	wire_put_token(&e, token);
	wire_end(&e);
	write_buf("stream-session", &b);

	/* Pipelined requests, as a client may send them. */
	buf_reset(&b);
	wire_hello(&b, ROLE_CLIENT);
	for (id = 10; id < 16; id++) {
		wire_begin(&e, &b, id % 2 ? WT_ACCEPT_REQUEST :
		    WT_REJECT_REQUEST, id);
		wire_put_token(&e, token);
		wire_put_id(&e, "g1");
		wire_put_id(&e, id % 3 ? "bob" : "carol");
		wire_end(&e);
	}
	write_buf("stream-pipelined", &b);

	/* The same, cut in the middle of the last frame's body. */
	buf_truncate(&b, buf_used(&b) - 3);
	write_buf("stream-cut-body", &b);
	/* ... and in the middle of a header. */
	buf_reset(&b);
	wire_hello(&b, ROLE_PEER);
	cut = buf_used(&b) + WIRE_HDR / 2;
	wire_error(&b, 9, WE_PROTO, "");
	buf_truncate(&b, cut);
	write_buf("stream-cut-header", &b);

	/* A body that does not decode does not end the stream. */
	buf_reset(&b);
	raw_frame(&b, WT_CREATE_USER, 1, "\x03" "a b\0" "\0\0\0", 8);
	wire_begin(&e, &b, WT_OK, 2);
	wire_end(&e);
	write_buf("stream-undecodable-then-ok", &b);

	/* A bad header does: nothing after it is looked at. */
	buf_reset(&b);
	wire_hello(&b, ROLE_PEER);
	raw_hdr(&b, 0, WT_OK, 1, 7);
	wire_hello(&b, ROLE_PEER);
	write_buf("stream-ok-then-bad-flags", &b);

	buf_free(&b);
}

static void
bad_seeds(void)
{
	static const uint8_t token[WIRE_TOKEN_LEN] = "0123456789abcdef";
	struct wire_enc e;
	struct buf b;
	char *s;

	buf_init(&b, 1 << 20);

	/* Headers refused before any body byte. */
	raw_hdr(&b, 0, 0, 0, 0);
	write_buf("bad-type-zero", &b);
	buf_reset(&b);
	raw_hdr(&b, 0, WT_TYPE_MAX - 1, 0, 0);
	write_buf("bad-type-unknown", &b);
	buf_reset(&b);
	raw_hdr(&b, 4, 0xffff, 0, 0);
	raw(&b, "\0\0\0\0", 4);
	write_buf("bad-type-ffff", &b);
	buf_reset(&b);
	raw_hdr(&b, 0, WT_OK, 0x8000, 0);
	write_buf("bad-flags", &b);
	buf_reset(&b);
	raw_hdr(&b, wire_max_body(WT_LOGOUT) + 1, WT_LOGOUT, 0, 0);
	write_buf("bad-oversize-logout", &b);
	buf_reset(&b);
	raw_hdr(&b, wire_max_body(WT_NAMES) + 1, WT_NAMES, 0, 0);
	write_buf("bad-oversize-names", &b);
	buf_reset(&b);
	raw_hdr(&b, UINT32_MAX, WT_HELLO, 0, 0);
	write_buf("bad-oversize-u32max", &b);
	buf_reset(&b);
	raw(&b, "\0\0\0\x10\0\x01\0", 7);
	write_buf("short-header", &b);

	/* Bodies that wire_decode refuses. */
	buf_reset(&b);
	raw_frame(&b, WT_CREATE_USER, 1, "\x05" "al ce\0" "\0\0\0", 10);
	write_buf("bad-id-char", &b);
	buf_reset(&b);
	raw_frame(&b, WT_CREATE_USER, 1, "\x00\0" "\0\0\0", 5);
	write_buf("bad-id-empty", &b);
	buf_reset(&b);
	raw_frame(&b, WT_CREATE_USER, 1, "\x05" "alicex" "\0\0\0", 10);
	write_buf("bad-id-no-nul", &b);
	buf_reset(&b);
	raw_frame(&b, WT_CREATE_USER, 1, "\x05" "ali", 4);
	write_buf("bad-id-truncated", &b);
	buf_reset(&b);
	s = text(ID_MAX + 1, "abc");
	raw_hdr(&b, 1 + ID_MAX + 2 + 3, WT_CREATE_USER, 0, 1);
	raw(&b, "\x41", 1);
	raw(&b, s, ID_MAX + 2);
	raw(&b, "\0\0\0", 3);
	free(s);
	write_buf("bad-id-too-long", &b);
	buf_reset(&b);
	raw_frame(&b, WT_ERROR, 1, "\0\x01" "\0\x05" "ab\0de\0", 10);
	write_buf("bad-str-inner-nul", &b);
	buf_reset(&b);
	raw_frame(&b, WT_ERROR, 1, "\0\x01" "\0\x05" "abcdef", 10);
	write_buf("bad-str-no-nul", &b);
	buf_reset(&b);
	raw_frame(&b, WT_ERROR, 1, "\0\x01" "\0\x05" "abc", 7);
	write_buf("bad-str-truncated", &b);
	buf_reset(&b);
	s = text(WIRE_STR_MAX + 1, "xyz");
	raw_hdr(&b, 2 + 2 + WIRE_STR_MAX + 2, WT_ERROR, 0, 1);
	raw(&b, "\0\x01", 2);
	raw(&b, "\x10\x01", 2);
	raw(&b, s, WIRE_STR_MAX + 2);
	free(s);
	write_buf("bad-str-too-long", &b);
	buf_reset(&b);
	raw_frame(&b, WT_LOGOUT, 1, token, 8);
	write_buf("bad-token-short", &b);
	/* SESSION as it was before its ticket key, and with the key cut. */
	buf_reset(&b);
	raw_hdr(&b, WIRE_TOKEN_LEN + 7, WT_SESSION, 0, 1);
	raw(&b, token, WIRE_TOKEN_LEN);
	raw(&b, "\x05" "alice\0", 7);
	write_buf("bad-session-no-key", &b);
	buf_reset(&b);
	raw_hdr(&b, WIRE_TOKEN_LEN + 7 + 4 + 20, WT_SESSION, 0, 1);
	raw(&b, token, WIRE_TOKEN_LEN);
	raw(&b, "\x05" "alice\0", 7);
	raw(&b, "\0\0\0\x20", 4);
	raw(&b, token, 16);
	raw(&b, token, 4);
	write_buf("bad-session-key-truncated", &b);
	buf_reset(&b);
	raw_hdr(&b, WIRE_TOKEN_LEN + 1, WT_LOGOUT, 0, 1);
	raw(&b, token, WIRE_TOKEN_LEN);
	raw(&b, "!", 1);
	write_buf("bad-trailing", &b);
	buf_reset(&b);
	raw_frame(&b, WT_NAMES, 1, "\0\x01" "a\0" "\0\x04" "bc", 8);
	write_buf("bad-names-item-truncated", &b);
	buf_reset(&b);
	raw_frame(&b, WT_NAMES, 1, "\0\x01" "a\0" "\0", 5);
	write_buf("bad-names-len-truncated", &b);
	buf_reset(&b);
	raw_frame(&b, WT_HELLO, 0, "\0\0\0\0" "\0\x01" "\x03", 7);
	write_buf("bad-hello-no-software", &b);

	/* Decodes, but wire_hello_check refuses it. */
	buf_reset(&b);
	wire_begin(&e, &b, WT_HELLO, 0);
	wire_put_u32(&e, WIRE_MAGIC ^ 1);
	wire_put_u16(&e, WIRE_VERSION + 1);
	wire_put_u8(&e, 9);
	wire_put_str(&e, "other/9");
	wire_end(&e);
	write_buf("odd-hello", &b);

	buf_free(&b);
}

static const uint8_t seed_token[WIRE_TOKEN_LEN] = {
	'0', '1', '2', '3', '4', '5', '6', '7',
	'8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
};
static const uint8_t seed_sha[WIRE_HASH_LEN] = {
	0xda, 0x39, 0xa3, 0xee, 0x5e, 0x6b, 0x4b, 0x0d, 0x32, 0x55,
	0xbf, 0xef, 0x95, 0x60, 0x18, 0x90, 0xaf, 0xd8, 0x07, 0x09,
};
/* A ticket: u64 expiry, HMAC-SHA256. */
static const uint8_t seed_ticket[WIRE_TICKET_LEN] = {
	0x00, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00,
	0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65,
	0x9a, 0x2f, 0xea, 0xa0, 0xc5, 0x5a, 0xd0, 0x15,
	0xa3, 0xbf, 0x4f, 0x1b, 0x2b, 0x0b, 0x82, 0x2c,
	0xd1, 0x5d, 0x6c, 0x15, 0xb0, 0xf0, 0x0a, 0x08,
};
/* The longest ticket a seed carries: a few bytes too many. */
#define SEED_TICKET_MAX	(WIRE_TICKET_LEN + 8)
#define MTIME		1700000000ull
#define PIECE		((uint64_t)WIRE_PIECE_LEN)

/* n piece hashes, each different. */
static uint8_t *
hashes(uint32_t n)
{
	uint8_t *h = malloc(n > 0 ? (size_t)n * WIRE_HASH_LEN : 1);
	size_t i;

	if (h == NULL)
		die("out of memory");
	for (i = 0; i < (size_t)n * WIRE_HASH_LEN; i++)
		h[i] = (uint8_t)(i * 13 + i / WIRE_HASH_LEN);
	return h;
}

static void
end(struct wire_enc *e)
{
	if (wire_end(e) == -1)
		die("a seed frame does not encode");
}

/* Source i's ticket of len bytes (SEED_TICKET_MAX at most) in t. */
static void
src_ticket(uint8_t *t, size_t i, uint32_t len)
{
	uint32_t k;

	for (k = 0; k < len; k++)
		t[k] = k < WIRE_TICKET_LEN ? seed_ticket[k] : (uint8_t)k;
	if (len > 0)
		t[len - 1] ^= (uint8_t)i;	/* each source its own */
}

/*
 * A WT_FILE frame: name, size, sha1, n hashes, sources, each with a
 * ticket of tlen bytes (WIRE_TICKET_LEN but for seeds of a bad one).
 */
static void
file_frame_t(struct buf *b, uint32_t id, const char *name, uint64_t size,
    uint32_t n, const char *const *src, size_t nsrc, uint32_t tlen)
{
	uint8_t t[SEED_TICKET_MAX];
	struct wire_enc e;
	uint8_t *h = hashes(n);
	size_t i;

	if (tlen > sizeof(t))
		die("ticket too long");
	wire_begin(&e, b, WT_FILE, id);
	wire_put_str(&e, name);
	wire_put_u64(&e, size);
	wire_put_hash(&e, seed_sha);
	wire_put_hashes(&e, h, n);
	for (i = 0; i < nsrc; i++) {
		src_ticket(t, i, tlen);
		wire_put_str(&e, src[i]);
		wire_put_blob(&e, t, tlen);
	}
	end(&e);
	free(h);
}

static void
file_frame(struct buf *b, uint32_t id, const char *name, uint64_t size,
    uint32_t n, const char *const *src, size_t nsrc)
{
	file_frame_t(b, id, name, size, n, src, nsrc, WIRE_TICKET_LEN);
}

/* A WT_UPLOAD frame. */
static void
upload_frame(struct buf *b, uint32_t id, const char *name, uint64_t size,
    uint32_t n, const char *path, uint64_t mtime)
{
	struct wire_enc e;
	uint8_t *h = hashes(n);

	wire_begin(&e, b, WT_UPLOAD, id);
	wire_put_token(&e, seed_token);
	wire_put_id(&e, "g1");
	wire_put_str(&e, name);
	wire_put_u64(&e, size);
	wire_put_hash(&e, seed_sha);
	wire_put_hashes(&e, h, n);
	wire_put_str(&e, path);
	wire_put_u64(&e, mtime);
	end(&e);
	free(h);
}

/*
 * The body of an UPLOAD up to its hashes, with a hash count of count and
 * nbytes of hash bytes after it: for counts the encoder refuses.
 */
static void
upload_raw(struct buf *body, uint32_t count, size_t nbytes)
{
	uint8_t *h = hashes((uint32_t)(nbytes / WIRE_HASH_LEN + 1));

	raw(body, seed_token, WIRE_TOKEN_LEN);
	raw(body, "\x02g1\0", 4);
	raw(body, "\0\x06" "f.data\0", 9);
	if (buf_put_u64(body, 3 * PIECE) == -1 ||
	    buf_put_u32(body, count) == -1)
		die("buffer full");
	raw(body, h, nbytes);
	free(h);
}

static void
peer_seeds(void)
{
	static const uint8_t bits[2] = { 0xff, 0xc0 };
	static const char *const src[] = { "127.0.0.1:7001", "[::1]:7002" };
	const uint64_t size = 3 * PIECE - 5;
	struct wire_enc e;
	struct buf b, body;

	buf_init(&b, 1 << 20);
	buf_init(&body, 1 << 20);

	/* A downloader and a serving peer, both directions interleaved. */
	wire_hello(&b, ROLE_PEER);
	wire_hello(&b, ROLE_PEER);
	wire_begin(&e, &b, WT_P_WANT, 0);
	wire_put_hash(&e, seed_sha);
	wire_put_blob(&e, seed_ticket, WIRE_TICKET_LEN);
	end(&e);
	wire_begin(&e, &b, WT_P_BITFIELD, 0);
	wire_put_hash(&e, seed_sha);
	wire_put_blob(&e, bits, sizeof(bits));
	end(&e);
	wire_begin(&e, &b, WT_P_REQUEST, 0);
	wire_put_hash(&e, seed_sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 128 * 1024);
	end(&e);
	wire_begin(&e, &b, WT_P_REQUEST, 1);
	wire_put_hash(&e, seed_sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 128 * 1024);
	wire_put_u32(&e, 128 * 1024);
	end(&e);
	wire_begin(&e, &b, WT_P_PIECE, 0);
	wire_put_hash(&e, seed_sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 0);
	wire_put_rest(&e, "block data\0\1\2", 13);
	end(&e);
	wire_begin(&e, &b, WT_P_HAVE, 0);
	wire_put_hash(&e, seed_sha);
	wire_put_u32(&e, 9);
	end(&e);
	wire_begin(&e, &b, WT_P_CANCEL, 1);
	wire_put_hash(&e, seed_sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 128 * 1024);
	wire_put_u32(&e, 128 * 1024);
	end(&e);
	wire_begin(&e, &b, WT_P_PIECE, 4);
	wire_put_hash(&e, seed_sha);
	wire_put_u32(&e, 1);
	wire_put_u32(&e, 0);
	wire_put_rest(&e, "", 0);
	end(&e);
	wire_error(&b, 5, WE_NOTFOUND, "piece not here");
	write_buf("stream-peer", &b);

	/* A WANT whose ticket the serving peer refuses, then a good one. */
	buf_reset(&b);
	wire_hello(&b, ROLE_PEER);
	wire_hello(&b, ROLE_PEER);
	wire_begin(&e, &b, WT_P_WANT, 0);
	wire_put_hash(&e, seed_sha);
	wire_put_blob(&e, seed_ticket, WIRE_TICKET_LEN - 1);
	end(&e);
	wire_error(&b, 0, WE_DENIED, "bad ticket");
	wire_begin(&e, &b, WT_P_WANT, 1);
	wire_put_hash(&e, seed_sha);
	wire_put_blob(&e, "", 0);
	end(&e);
	wire_error(&b, 1, WE_DENIED, "bad ticket");
	wire_begin(&e, &b, WT_P_WANT, 2);
	wire_put_hash(&e, seed_sha);
	wire_put_blob(&e, seed_ticket, WIRE_TICKET_LEN);
	end(&e);
	wire_begin(&e, &b, WT_P_BITFIELD, 2);
	wire_put_hash(&e, seed_sha);
	wire_put_blob(&e, bits, sizeof(bits));
	end(&e);
	write_buf("stream-peer-tickets", &b);

	/* Sharing a file through a tracker, both directions. */
	buf_reset(&b);
	wire_hello(&b, ROLE_CLIENT);
	upload_frame(&b, 1, "report.pdf", size, 3, "/home/alice/report.pdf",
	    MTIME);
	wire_begin(&e, &b, WT_OK, 1);
	end(&e);
	wire_begin(&e, &b, WT_LIST_FILES, 2);
	wire_put_token(&e, seed_token);
	wire_put_id(&e, "g1");
	end(&e);
	wire_begin(&e, &b, WT_FILES, 2);
	wire_put_str(&e, "report.pdf");
	wire_put_u64(&e, size);
	wire_put_hash(&e, seed_sha);
	wire_put_str(&e, "notes.txt");
	wire_put_u64(&e, 12);
	wire_put_hash(&e, seed_sha);
	end(&e);
	wire_begin(&e, &b, WT_FILE_INFO, 3);
	wire_put_token(&e, seed_token);
	wire_put_id(&e, "g1");
	wire_put_str(&e, "report.pdf");
	end(&e);
	file_frame(&b, 3, "report.pdf", size, 3, src, 2);
	wire_begin(&e, &b, WT_SHARE, 4);
	wire_put_token(&e, seed_token);
	wire_put_id(&e, "g1");
	wire_put_str(&e, "report.pdf");
	end(&e);
	wire_begin(&e, &b, WT_STOP_SHARE, 5);
	wire_put_token(&e, seed_token);
	wire_put_id(&e, "g1");
	wire_put_str(&e, "report.pdf");
	end(&e);
	wire_error(&b, 5, WE_NOTFOUND, "you do not share report.pdf");
	wire_begin(&e, &b, WT_MY_SHARES, 6);
	wire_put_token(&e, seed_token);
	end(&e);
	wire_begin(&e, &b, WT_SHARES, 6);
	wire_put_id(&e, "g1");
	wire_put_str(&e, "report.pdf");
	wire_put_str(&e, "/home/alice/report.pdf");
	wire_put_hash(&e, seed_sha);
	wire_put_u64(&e, size);
	wire_put_u64(&e, MTIME);
	end(&e);
	wire_begin(&e, &b, WT_PING, 7);
	wire_put_token(&e, seed_token);
	end(&e);
	write_buf("stream-sharing", &b);

	/* A search in two pages. */
	buf_reset(&b);
	wire_begin(&e, &b, WT_SEARCH, 8);
	wire_put_token(&e, seed_token);
	wire_put_str(&e, "*.pdf");
	wire_put_str(&e, "");
	wire_put_str(&e, "");
	end(&e);
	wire_begin(&e, &b, WT_FOUND, 8);
	wire_put_u8(&e, 1);
	wire_put_str(&e, "g1");
	wire_put_str(&e, "report.pdf");
	wire_put_str(&e, "report.pdf");
	wire_put_id(&e, "g1");
	wire_put_u64(&e, size);
	wire_put_hash(&e, seed_sha);
	end(&e);
	wire_begin(&e, &b, WT_SEARCH, 9);
	wire_put_token(&e, seed_token);
	wire_put_str(&e, "*.pdf");
	wire_put_str(&e, "g1");
	wire_put_str(&e, "report.pdf");
	end(&e);
	wire_begin(&e, &b, WT_FOUND, 9);
	wire_put_u8(&e, 0);
	wire_put_str(&e, "");
	wire_put_str(&e, "");
	wire_put_str(&e, "caf\xc3\xa9.pdf");
	wire_put_id(&e, "g2");
	wire_put_u64(&e, 12);
	wire_put_hash(&e, seed_sha);
	end(&e);
	write_buf("stream-search", &b);

	/* Hash lists the decoder refuses. */
	buf_reset(&b);
	upload_raw(&body, WIRE_HASHES_MAX + 1, 0);
	raw_frame(&b, WT_UPLOAD, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-hashes-too-many", &b);
	buf_reset(&b);
	buf_reset(&body);
	upload_raw(&body, 3, 2 * WIRE_HASH_LEN + 5);
	raw_frame(&b, WT_UPLOAD, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-hashes-truncated", &b);
	buf_reset(&b);
	buf_reset(&body);
	upload_raw(&body, WIRE_HASHES_MAX, 0);
	raw_frame(&b, WT_UPLOAD, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-hashes-max-count-no-bytes", &b);

	/* Peer messages the decoder refuses. */
	buf_reset(&b);
	buf_reset(&body);
	raw(&body, seed_sha, WIRE_HASH_LEN);
	raw(&body, "\0\0\0\x0a" "\xff\xff\xff\xff", 8);
	raw_frame(&b, WT_P_BITFIELD, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-bitfield-blob-truncated", &b);
	buf_reset(&b);
	buf_reset(&body);
	raw(&body, seed_sha, WIRE_HASH_LEN);
	raw(&body, "\0\0", 2);
	raw_frame(&b, WT_P_BITFIELD, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-bitfield-len-truncated", &b);
	buf_reset(&b);
	buf_reset(&body);
	raw(&body, seed_sha, WIRE_HASH_LEN);
	raw(&body, "\0\0\0\x01" "\x80" "!", 6);
	raw_frame(&b, WT_P_BITFIELD, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-bitfield-trailing", &b);
	buf_reset(&b);
	buf_reset(&body);
	raw(&body, seed_sha, WIRE_HASH_LEN);
	raw(&body, "\0\0\0\x01" "\0\0\0", 7);
	raw_frame(&b, WT_P_PIECE, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-piece-short", &b);
	buf_reset(&b);
	raw_frame(&b, WT_P_HAVE, 1, seed_sha, WIRE_HASH_LEN);
	write_buf("bad-have-short", &b);
	/* WANT as it was before tickets, and with its ticket cut. */
	buf_reset(&b);
	raw_frame(&b, WT_P_WANT, 1, seed_sha, WIRE_HASH_LEN);
	write_buf("bad-want-no-ticket", &b);
	buf_reset(&b);
	buf_reset(&body);
	raw(&body, seed_sha, WIRE_HASH_LEN);
	raw(&body, "\0\0\0\x28", 4);
	raw(&body, seed_ticket, WIRE_TICKET_LEN - 1);
	raw_frame(&b, WT_P_WANT, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-want-ticket-truncated", &b);
	buf_reset(&b);
	buf_reset(&body);
	raw(&body, seed_sha, WIRE_HASH_LEN);
	raw(&body, "\0\0", 2);
	raw_frame(&b, WT_P_WANT, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-want-ticket-len-truncated", &b);
	buf_reset(&b);
	raw_hdr(&b, wire_max_body(WT_P_WANT) + 1, WT_P_WANT, 0, 0);
	write_buf("bad-oversize-want", &b);
	/* FILE sources as they were before tickets: addresses alone. */
	buf_reset(&b);
	buf_reset(&body);
	file_frame(&body, 1, "f.data", 3 * PIECE, 3, NULL, 0);
	raw_hdr(&b, (uint32_t)(buf_used(&body) - WIRE_HDR + 2 * 17), WT_FILE,
	    0, 1);
	raw(&b, buf_head(&body) + WIRE_HDR, buf_used(&body) - WIRE_HDR);
	raw(&b, "\0\x0e" "127.0.0.1:7001\0", 17);
	raw(&b, "\0\x0e" "127.0.0.1:7002\0", 17);
	write_buf("bad-file-sources-no-ticket", &b);
	/* The last source's ticket cut short. */
	buf_reset(&b);
	file_frame(&b, 1, "f.data", 3 * PIECE, 3, src, 2);
	put_be32(b.data + b.off, (uint32_t)(buf_used(&b) - WIRE_HDR - 1));
	buf_truncate(&b, buf_used(&b) - 1);
	write_buf("bad-file-ticket-truncated", &b);
	buf_reset(&b);
	buf_reset(&body);
	raw(&body, seed_sha, WIRE_HASH_LEN);
	raw(&body, "\0\0\0\x01" "\0\0\0\0" "\0\0\x40\0" "!", 13);
	raw_frame(&b, WT_P_REQUEST, 1, buf_head(&body), buf_used(&body));
	write_buf("bad-request-trailing", &b);
	buf_reset(&b);
	raw_hdr(&b, wire_max_body(WT_P_PIECE) + 1, WT_P_PIECE, 0, 0);
	write_buf("bad-oversize-piece", &b);
	buf_reset(&b);
	raw_hdr(&b, wire_max_body(WT_P_BITFIELD) + 1, WT_P_BITFIELD, 0, 0);
	write_buf("bad-oversize-bitfield", &b);

	buf_free(&body);
	buf_free(&b);
}

/* A fuzz_hashes input: selector byte, then the body of the frame in b. */
static void
write_body(const char *name, const struct buf *b)
{
	uint8_t *p = malloc(buf_used(b) - WIRE_HDR + 1);

	if (p == NULL || buf_used(b) < WIRE_HDR)
		die("bad seed frame");
	p[0] = buf_head(b)[5] == WT_FILE ? 0 : 1;
	memcpy(p + 1, buf_head(b) + WIRE_HDR, buf_used(b) - WIRE_HDR);
	write_seed(name, p, buf_used(b) - WIRE_HDR + 1);
	free(p);
}

static void
hash_seeds(void)
{
	static const char *const good[] = { "127.0.0.1:7001", "[::1]:7002",
	    "peer.example:65535" };
	static const char *const bad[] = { "1.2.3.4", "[::1]7", "a:0", "",
	    "a b:1", "1.2.3.4:65536", "[::1:7" };
	const char *many[40];
	char *longhost, *name;
	struct buf b, body;
	size_t i;

	buf_init(&b, 1 << 24);
	buf_init(&body, 1 << 20);

	file_frame(&b, 1, "empty.txt", 0, 0, NULL, 0);
	write_body("file-empty", &b);
	buf_reset(&b);
	file_frame(&b, 1, "one.bin", PIECE, 1, good, 1);
	write_body("file-one-piece", &b);
	buf_reset(&b);
	file_frame(&b, 1, "two.bin", PIECE + 1, 2, good, 3);
	write_body("file-last-piece-short", &b);
	buf_reset(&b);
	/* With unit hashes (wire.h): pieces', then units'. */
	file_frame(&b, 1, "two.bin", PIECE + 1, 2 + 5, good, 3);
	write_body("file-units", &b);
	buf_reset(&b);
	file_frame(&b, 1, "odd.bin", 100, 2, good, 1);
	write_body("file-units-one-piece", &b);
	buf_reset(&b);
	file_frame(&b, 1, "odd.bin", PIECE + 1, 2 + 4, good, 1);
	write_body("file-units-one-short", &b);
	buf_reset(&b);
	file_frame(&b, 1, "odd.bin", 100, 3, good, 1);
	write_body("file-count-too-big", &b);
	buf_reset(&b);
	file_frame(&b, 1, "odd.bin", PIECE + 1, 1, good, 1);
	write_body("file-count-too-small", &b);
	buf_reset(&b);
	file_frame(&b, 1, "srcs.bin", 10, 1, bad, sizeof(bad) / sizeof(*bad));
	write_body("file-sources-bad", &b);
	buf_reset(&b);
	longhost = text(HOST_MAX + 2, "h");
	memcpy(longhost + HOST_MAX, ":9", 3);
	file_frame(&b, 1, "srcs.bin", 10, 1, (const char *const *)&longhost,
	    1);
	write_body("file-source-longest-host", &b);
	free(longhost);
	buf_reset(&b);
	/* Leading zeros are still a port: the text may be long. */
	longhost = text(10 + 200 + 4, "0");
	memcpy(longhost, "127.0.0.1:", 10);
	memcpy(longhost + 210, "7001", 5);
	file_frame(&b, 1, "srcs.bin", 10, 1, (const char *const *)&longhost,
	    1);
	write_body("file-source-zero-padded-port", &b);
	free(longhost);
	buf_reset(&b);
	for (i = 0; i < sizeof(many) / sizeof(*many); i++)
		many[i] = good[i % 3];
	file_frame(&b, 1, "many.bin", 40 * PIECE, 40, many, 40);
	write_body("file-many-sources", &b);
	/* Tickets of a length the downloader does not take. */
	buf_reset(&b);
	file_frame_t(&b, 1, "t.bin", PIECE, 1, good, 2, 0);
	write_body("file-source-ticket-empty", &b);
	buf_reset(&b);
	file_frame_t(&b, 1, "t.bin", PIECE, 1, good, 2, WIRE_TICKET_LEN - 1);
	write_body("file-source-ticket-short", &b);
	buf_reset(&b);
	file_frame_t(&b, 1, "t.bin", PIECE, 1, good, 2, SEED_TICKET_MAX);
	write_body("file-source-ticket-long", &b);
	buf_reset(&b);
	file_frame(&b, 1, "huge.bin", UINT64_MAX, 0, good, 1);
	write_body("file-size-u64max-no-hashes", &b);

	buf_reset(&b);
	upload_frame(&b, 1, "report.pdf", 3 * PIECE - 5, 3,
	    "/home/alice/report.pdf", MTIME);
	write_body("upload-typical", &b);
	buf_reset(&b);
	upload_frame(&b, 1, "report.pdf", 3 * PIECE - 5, 3 + 12,
	    "/home/alice/report.pdf", MTIME);
	write_body("upload-units", &b);
	buf_reset(&b);
	upload_frame(&b, 1, "empty", 0, 0, "/tmp/empty", 0);
	write_body("upload-empty-file", &b);
	buf_reset(&b);
	upload_frame(&b, 1, "..", PIECE, 1, "/tmp/x", MTIME);
	write_body("upload-name-dotdot", &b);
	buf_reset(&b);
	upload_frame(&b, 1, "a/b", PIECE, 1, "/tmp/x", MTIME);
	write_body("upload-name-slash", &b);
	buf_reset(&b);
	upload_frame(&b, 1, "nopath", PIECE, 1, "", MTIME);
	write_body("upload-path-empty", &b);
	buf_reset(&b);
	upload_frame(&b, 1, "late", PIECE, 1, "/tmp/late",
	    (uint64_t)INT64_MAX + 1);
	write_body("upload-mtime-over-int64", &b);
	buf_reset(&b);
	/* The receivers' ceil(size / piece) wraps here: not a match. */
	upload_frame(&b, 1, "huge", UINT64_MAX, 0, "/tmp/huge", MTIME);
	write_body("upload-size-u64max-no-hashes", &b);
	buf_reset(&b);
	name = text(NAME_MAX_LEN, "n");
	upload_frame(&b, 1, name, 2 * PIECE, 2, "/tmp/n", MTIME);
	write_body("upload-name-longest", &b);
	free(name);
	buf_reset(&b);
	name = text(NAME_MAX_LEN + 1, "n");
	upload_frame(&b, 1, name, 2 * PIECE, 2, "/tmp/n", MTIME);
	write_body("upload-name-too-long", &b);
	free(name);
	buf_reset(&b);
	name = text(WIRE_STR_MAX, "p/");
	upload_frame(&b, 1, "p", 2 * PIECE, 2, name, MTIME);
	write_body("upload-path-longest", &b);
	free(name);

	buf_reset(&b);
	upload_raw(&body, WIRE_HASHES_MAX + 1, 0);
	raw_frame(&b, WT_UPLOAD, 1, buf_head(&body), buf_used(&body));
	write_body("upload-too-many-hashes", &b);
	buf_reset(&b);
	buf_reset(&body);
	upload_raw(&body, 3, 2 * WIRE_HASH_LEN + 5);
	raw_frame(&b, WT_UPLOAD, 1, buf_head(&body), buf_used(&body));
	write_body("upload-hashes-truncated", &b);
	buf_reset(&b);
	buf_reset(&body);
	upload_raw(&body, UINT32_MAX, 0);
	raw_frame(&b, WT_UPLOAD, 1, buf_head(&body), buf_used(&body));
	write_body("upload-count-u32max", &b);

	buf_free(&body);
	buf_free(&b);
}

/* fuzz_bitfield inputs: a piece count, then frames from a peer. */
static void
bf_begin(struct buf *b, uint32_t n)
{
	buf_reset(b);
	if (buf_put_u32(b, n) == -1)
		die("buffer full");
}

static void
bf_bits(struct buf *b, const void *bits, uint32_t len)
{
	struct wire_enc e;

	wire_begin(&e, b, WT_P_BITFIELD, 0);
	wire_put_hash(&e, seed_sha);
	wire_put_blob(&e, bits, len);
	end(&e);
}

static void
bf_have(struct buf *b, uint32_t piece)
{
	struct wire_enc e;

	wire_begin(&e, b, WT_P_HAVE, 0);
	wire_put_hash(&e, seed_sha);
	wire_put_u32(&e, piece);
	end(&e);
}

static void
bf_piece(struct buf *b, uint32_t piece)
{
	struct wire_enc e;

	wire_begin(&e, b, WT_P_PIECE, piece * 4);
	wire_put_hash(&e, seed_sha);
	wire_put_u32(&e, piece);
	wire_put_u32(&e, 0);
	wire_put_rest(&e, "data", 4);
	end(&e);
}

static void
bitfield_seeds(void)
{
	uint8_t *big;
	struct buf b;
	uint32_t i;

	buf_init(&b, 1 << 20);

	bf_begin(&b, 0);
	bf_bits(&b, "", 0);
	bf_have(&b, 0);
	write_buf("n0-empty-then-have-0", &b);
	bf_begin(&b, 1);
	bf_bits(&b, "\x80", 1);
	bf_have(&b, 0);
	wire_error(&b, 0, WE_NOTFOUND, "piece not here");
	write_buf("n1-set-have-error", &b);
	bf_begin(&b, 7);
	bf_bits(&b, "\x01", 1);
	write_buf("n7-spare-bit", &b);
	bf_begin(&b, 7);
	bf_bits(&b, "\xfe", 1);
	wire_error(&b, 4, WE_NOTFOUND, "piece not here");
	bf_have(&b, 1);
	bf_have(&b, 6);
	bf_have(&b, 7);
	write_buf("n7-full-error-haves", &b);
	bf_begin(&b, 8);
	bf_bits(&b, "\xff", 1);
	bf_piece(&b, 3);
	write_buf("n8-full", &b);
	bf_begin(&b, 9);
	bf_bits(&b, "\xff\x80", 2);
	bf_have(&b, 8);
	bf_have(&b, 9);
	write_buf("n9-full-have-past-end", &b);
	bf_begin(&b, 9);
	bf_bits(&b, "\x00\x40", 2);
	write_buf("n9-spare-bit", &b);
	bf_begin(&b, 17);
	bf_bits(&b, "\xff\xff", 2);
	write_buf("n17-too-short", &b);
	bf_begin(&b, 16);
	bf_bits(&b, "\xff\xff\x00", 3);
	write_buf("n16-too-long", &b);
	bf_begin(&b, 5);
	wire_error(&b, 0, WE_NOTFOUND, "not shared here");
	write_buf("n5-error-first", &b);
	bf_begin(&b, 5);
	bf_have(&b, 1);
	write_buf("n5-have-first", &b);

	bf_begin(&b, 1000);
	big = calloc(125, 1);
	if (big == NULL)
		die("out of memory");
	bf_bits(&b, big, 125);
	for (i = 0; i < 10; i++)
		bf_have(&b, i * 97);
	bf_have(&b, 999);
	for (i = 0; i < 8; i++)
		wire_error(&b, i * 97 * 4 + i % 4, WE_NOTFOUND, "gone");
	bf_piece(&b, 5);
	bf_bits(&b, big, 125);		/* a second one: dropped */
	free(big);
	write_buf("n1000-haves-errors-rebitfield", &b);

	/* The largest file: every piece but the last. */
	bf_begin(&b, WIRE_HASHES_MAX);
	big = malloc(WIRE_HASHES_MAX / 8);
	if (big == NULL)
		die("out of memory");
	memset(big, 0xff, WIRE_HASHES_MAX / 8);
	big[WIRE_HASHES_MAX / 8 - 1] = 0xfe;
	bf_bits(&b, big, WIRE_HASHES_MAX / 8);
	free(big);
	bf_have(&b, WIRE_HASHES_MAX - 1);
	wire_error(&b, 4 * (WIRE_HASHES_MAX - 1), WE_NOTFOUND, "gone");
	bf_have(&b, WIRE_HASHES_MAX);
	write_buf("nmax-all-but-last", &b);

	buf_free(&b);
}

static void
set_dir(const char *root, const char *name)
{
	if ((size_t)snprintf(outdir, sizeof(outdir), "%s/%s", root, name) >=
	    sizeof(outdir))
		die("path too long");
	if (mkdir(outdir, 0755) == -1 && errno != EEXIST)
		die(outdir);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds corpus-root\n");
		return 1;
	}
	set_dir(argv[1], "wire");
	valid_seeds();
	stream_seeds();
	bad_seeds();
	peer_seeds();
	set_dir(argv[1], "hashes");
	hash_seeds();
	set_dir(argv[1], "bitfield");
	bitfield_seeds();
	printf("gen_seeds: wrote %d seeds under %s\n", nwritten, argv[1]);
	return 0;
}
