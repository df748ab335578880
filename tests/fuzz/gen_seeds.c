/*
 * gen_seeds.c - write the seed corpus of fuzz_wire.
 *
 * Not part of any make target.  Run it again after changing the message
 * table in wire.c, so that every type has valid seeds:
 *
 *	mkdir -p build
 *	cc -std=c17 -D_GNU_SOURCE -Icommon -o build/gen_seeds \
 *	    tests/fuzz/gen_seeds.c common/wire.c common/rbuf.c \
 *	    common/parse.c common/log.c common/xalloc.c
 *	build/gen_seeds tests/fuzz/corpus/wire
 *
 * Valid frames are made with the wire_enc API from each type's format, as
 * the encoder reports it, so new types are covered without editing this
 * file: valid-<TYPE> (typical values), valid-<TYPE>-min (shortest values),
 * valid-<TYPE>-max (longest values that fit the type's ceiling), and for
 * list types valid-<TYPE>-empty and valid-<TYPE>-many.  Hand-made ones
 * follow: streams of several frames (stream-*), and malformed frames
 * (bad-*) for each way a header or body can be refused.  Files are named
 * for what they hold, so running this again replaces its own seeds and
 * leaves the inputs the fuzzer added (named by their SHA1) alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rbuf.h"
#include "wire.h"

enum variant { TYPICAL, MIN, MAX };

static const char *outdir;
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
		wire_put_blob(e, bytes, v == MIN ? 0 : sizeof(bytes));
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
	wire_end(&e);
	wire_begin(&e, &b, WT_SESSION, 2);
	wire_put_token(&e, token);
	wire_put_id(&e, "alice");
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

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds corpus-directory\n");
		return 1;
	}
	outdir = argv[1];
	valid_seeds();
	stream_seeds();
	bad_seeds();
	printf("gen_seeds: wrote %d seeds to %s\n", nwritten, outdir);
	return 0;
}
