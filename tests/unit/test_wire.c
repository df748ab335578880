/*
 * test_wire.c - unit tests for common/wire.c, the frame and message codec.
 *
 * Covers: the spec table (names and body formats of every type, and that
 * no other type is known; 'R' only ever last); the unknown types, found by
 * scanning rather than hard-coded; encode/decode roundtrips for each type,
 * with NAMES, FILES, FILE sources and SHARES lists of 0, 1 and many items
 * walked in order by wire_iter, FILE/UPLOAD with 0, several and
 * WIRE_HASHES_MAX piece hashes, P_PIECE with 0, 1 and WIRE_BLOCK_MAX data
 * bytes; the tickets: SESSION's ticket key, each FILE source's ticket (an
 * item of two fields, address and ticket, that wire_iter hands over
 * whole) and P_WANT's ticket, at their sizes and up to their ceilings,
 * with the old ticketless bodies refused; the exact bytes of a frame
 * (P_WANT's included); wire_frame (NEED_MORE for every strict
 * prefix, OK for the whole frame, BAD for an unknown type, set flags or a
 * length over the type's ceiling, P_PIECE's included, with only the 12-byte
 * header present); wire_decode refusing truncated fields, trailing bytes,
 * bad or unterminated ids, strings with an embedded NUL or over
 * WIRE_STR_MAX, too many hashes, and an 'R' field taking every byte left
 * (none included); the encoder refusing a format mismatch, a bad id, an
 * over-long string, too many hashes or an oversized body and leaving the
 * buffer as it was; wire_end_external (header length = buffered body + the
 * external bytes; refused, buffer restored, unless the format's last field
 * 'R' is the one left, or when the total passes the ceiling);
 * wire_hello/wire_hello_check.  Ends with randomized runs (fixed seed)
 * of random byte streams and mutated valid frames: nothing may read out of
 * bounds (bodies are copied into exact-size allocations for ASan), and any
 * frame that decodes must encode back to the very same bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"
#include "rbuf.h"
#include "wire.h"
#include "rng.h"

static const char id_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

/* The types and formats wire.h documents. */
static const struct {
	unsigned	 type;
	const char	*name;
	const char	*fmt;
} table[] = {
	{ WT_HELLO,		"HELLO",		"uwbs" },
	{ WT_ERROR,		"ERROR",		"ws" },
	{ WT_OK,		"OK",			"" },
	{ WT_BEAT,		"BEAT",			"q" },
	{ WT_NAMES,		"NAMES",		"*s" },
	{ WT_SESSION,		"SESSION",		"tiB" },
	{ WT_FILES,		"FILES",		"*sqh" },
	{ WT_FILE,		"FILE",			"sqhH*sB" },
	{ WT_SHARES,		"SHARES",		"*isshqq" },
	{ WT_PEERS,		"PEERS",		"h*sB" },
	{ WT_CREATE_USER,	"CREATE_USER",		"is" },
	{ WT_LOGIN,		"LOGIN",		"isst" },
	{ WT_LOGOUT,		"LOGOUT",		"t" },
	{ WT_CREATE_GROUP,	"CREATE_GROUP",		"ti" },
	{ WT_JOIN_GROUP,	"JOIN_GROUP",		"ti" },
	{ WT_LEAVE_GROUP,	"LEAVE_GROUP",		"ti" },
	{ WT_LIST_REQUESTS,	"LIST_REQUESTS",	"ti" },
	{ WT_ACCEPT_REQUEST,	"ACCEPT_REQUEST",	"tii" },
	{ WT_REJECT_REQUEST,	"REJECT_REQUEST",	"tii" },
	{ WT_LIST_GROUPS,	"LIST_GROUPS",		"t" },
	{ WT_PING,		"PING",			"t" },
	{ WT_UPLOAD,		"UPLOAD",		"tisqhHsq" },
	{ WT_LIST_FILES,	"LIST_FILES",		"ti" },
	{ WT_FILE_INFO,		"FILE_INFO",		"tis" },
	{ WT_SHARE,		"SHARE",		"tis" },
	{ WT_STOP_SHARE,	"STOP_SHARE",		"tis" },
	{ WT_MY_SHARES,		"MY_SHARES",		"t" },
	{ WT_SOURCES,		"SOURCES",		"tis" },
	{ WT_P_WANT,		"P_WANT",		"hB" },
	{ WT_P_BITFIELD,	"P_BITFIELD",		"hB" },
	{ WT_P_HAVE,		"P_HAVE",		"hu" },
	{ WT_P_REQUEST,		"P_REQUEST",		"huuu" },
	{ WT_P_PIECE,		"P_PIECE",		"huuR" },
	{ WT_P_CANCEL,		"P_CANCEL",		"huuu" },
	{ WT_S_AUTH,		"S_AUTH",		"uB" },
	{ WT_S_PROOF,		"S_PROOF",		"B" },
	{ WT_S_HWM,		"S_HWM",		"*uq" },
	{ WT_S_OP,		"S_OP",			"uqqBB" },
	{ WT_S_ACK,		"S_ACK",		"uq" },
	{ WT_S_ONLINE,		"S_ONLINE",		"bB" },
	{ WT_S_R_USER,		"S_R_USER",		"iBBuquB" },
	{ WT_S_R_SESSION,	"S_R_SESSION",		"BiqusBBb" },
	{ WT_S_R_GROUP,		"S_R_GROUP",		"iquqB" },
	{ WT_S_R_MEMBER,	"S_R_MEMBER",		"iquiuuqu" },
	{ WT_S_R_FILE,		"S_R_FILE",		"iqusqhHqu" },
	{ WT_S_R_SHARE,		"S_R_SHARE",		"iqusibhsqqu" },
	{ WT_S_R_SERVE,		"S_R_SERVE",		"iqusBbhqu" },
	{ WT_S_R_MARK,		"S_R_MARK",		"biiquB" },
	{ WT_S_R_REQ,		"S_R_REQ",		"Bq" },
	{ WT_S_SNAP_END,	"S_SNAP_END",		"*uqq" },
	{ WT_S_R_VERSION,	"S_R_VERSION",		"iqushhqu" },
	{ WT_OP_USER,		"OP_USER",		"iBBu" },
	{ WT_OP_SESSION,	"OP_SESSION",		"Biqus" },
	{ WT_OP_LOGOUT,		"OP_LOGOUT",		"B" },
	{ WT_OP_GROUP,		"OP_GROUP",		"iiquu" },
	{ WT_OP_JOIN,		"OP_JOIN",		"iquiu" },
	{ WT_OP_ACCEPT,		"OP_ACCEPT",		"iquiu" },
	{ WT_OP_REJECT,		"OP_REJECT",		"iquiu" },
	{ WT_OP_LEAVE,		"OP_LEAVE",		"iquiu" },
	{ WT_OP_UPLOAD,		"OP_UPLOAD",		"iqusqhHisqB" },
	{ WT_OP_SERVE,		"OP_SERVE",		"iqushB" },
	{ WT_OP_LOGIN,		"OP_LOGIN",		"BiqusBB" },
	{ WT_LOGOUT_ALL,	"LOGOUT_ALL",		"t" },
	{ WT_S_SNAP_OFFER,	"S_SNAP_OFFER",		"" },
	{ WT_S_SNAP_ASK,	"S_SNAP_ASK",		"" },
	{ WT_OP_STOP,		"OP_STOP",		"iqusiB" },
	{ WT_FOUND,		"FOUND",		"bss*siqh" },
	{ WT_SEARCH,		"SEARCH",		"tsss" },
	{ WT_VERSIONS,		"VERSIONS",		"*sqhh" },
	{ WT_UPDATE,		"UPDATE",		"tisqhHsqh" },
	{ WT_LIST_VERSIONS,	"LIST_VERSIONS",	"ti" },
	{ WT_SUBSCRIBE,		"SUBSCRIBE",		"ti" },
	{ WT_UNSUBSCRIBE,	"UNSUBSCRIBE",		"ti" },
	{ WT_CHANGED,		"CHANGED",		"i" },
	{ WT_OP_UPDATE,		"OP_UPDATE",		"iqusqhHisqBh" },
	{ WT_NAMES_PAGE,	"NAMES_PAGE",		"bs*s" },
	{ WT_FILES_PAGE,	"FILES_PAGE",		"bs*sqhh" },
	{ WT_GROUPS_PAGE,	"GROUPS_PAGE",		"ts" },
	{ WT_REQUESTS_PAGE,	"REQUESTS_PAGE",	"tis" },
	{ WT_FILES_PAGE_REQ,	"FILES_PAGE_REQ",	"tis" },
	{ WT_VERSIONS_PAGE,	"VERSIONS_PAGE",	"tis" },
	{ WT_MY_SHARES_PAGE,	"MY_SHARES_PAGE",	"ts" },
	{ WT_SHARES_PAGE,	"SHARES_PAGE",		"bs*isshqq" },
};
#define NTABLE	(sizeof(table) / sizeof(table[0]))

static const uint8_t tok[WIRE_TOKEN_LEN] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

/* SHA1 of the empty string. */
static const uint8_t sha[WIRE_HASH_LEN] = {
	0xda, 0x39, 0xa3, 0xee, 0x5e, 0x6b, 0x4b, 0x0d, 0x32, 0x55,
	0xbf, 0xef, 0x95, 0x60, 0x18, 0x90, 0xaf, 0xd8, 0x07, 0x09,
};

/* The fixed part of a P_PIECE body: sha1, piece, offset. */
#define PIECE_FIXED	(WIRE_HASH_LEN + 4 + 4)

/*
 * SESSION's ticket key (an HMAC-SHA256 key) and a ticket (u64 expiry,
 * HMAC-SHA256).  The codec carries them as blobs of any length; their
 * receivers check the length.
 */
#define TICKET_KEY_LEN	32
static const uint8_t tkey[TICKET_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,	/* NULs too */
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
	0x00, 0x00, 0x00, 0x00, 0x6b, 0x65, 0x79, 0x00,
	0x80, 0x7f, 0x01, 0xfe, 0x10, 0x20, 0x40, 0x80,
};
static const uint8_t ticket[WIRE_TICKET_LEN] = {
	0x00, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00,	/* expiry */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* source key */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
	0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65,	/* HMAC */
	0x9a, 0x2f, 0xea, 0xa0, 0xc5, 0x5a, 0xd0, 0x15,
	0xa3, 0xbf, 0x4f, 0x1b, 0x2b, 0x0b, 0x82, 0x2c,
	0xd1, 0x5d, 0x6c, 0x15, 0xb0, 0xf0, 0x0a, 0x08,
};

/* Deterministic filler bytes, different for each seed. */
static void
fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* A type's body format as the encoder sees it, or NULL if unknown. */
static const char *
type_fmt(unsigned type)
{
	struct wire_enc e;
	struct buf b;
	const char *fmt;

	buf_init(&b, WIRE_HDR);
	wire_begin(&e, &b, type, 0);
	fmt = e.err ? NULL : e.fmt;
	buf_free(&b);
	return fmt;
}

static void *
dup_exact(const void *p, size_t n)
{
	void *q = malloc(n > 0 ? n : 1);

	assert_non_null(q);
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
mk_hdr(uint8_t *p, uint32_t len, uint16_t type, uint16_t flags, uint32_t id)
{
	put_be32(p, len);
	put_be16(p + 4, type);
	put_be16(p + 6, flags);
	put_be32(p + 8, id);
}

/*
 * b must hold exactly one whole frame.  Check it with wire_frame and return
 * an exact-size copy of its body (free it after the message is done).
 */
static uint8_t *
take_frame(const struct buf *b, struct wire_hdr *h)
{
	const char *why = NULL;
	uint8_t *copy;

	assert_true(buf_used(b) >= WIRE_HDR);
	copy = dup_exact(buf_head(b), buf_used(b));
	assert_int_equal(wire_frame(copy, buf_used(b), h, &why), WIRE_OK);
	free(copy);
	assert_int_equal(buf_used(b), WIRE_HDR + (size_t)h->len);
	return dup_exact(buf_head(b) + WIRE_HDR, h->len);
}

/* Encode-side helper: b holds one frame; decode it into m; return body. */
static uint8_t *
decode_ok(const struct buf *b, struct wire_msg *m)
{
	struct wire_hdr h;
	const char *why = NULL;
	uint8_t *body;

	body = take_frame(b, &h);
	if (wire_decode(&h, body, m, &why) != 0)
		fail_msg("decode failed: %s", why);
	return body;
}

/* Decode a hand-made body of type; the body is freed before returning. */
static int
decode_raw(unsigned type, const void *body, size_t len, const char **why)
{
	struct wire_hdr h = { (uint32_t)len, (uint16_t)type, 0, 1 };
	struct wire_msg m;
	uint8_t *copy = dup_exact(body, len);
	int rc;

	*why = NULL;
	rc = wire_decode(&h, copy, &m, why);
	if (rc == -1)
		assert_non_null(*why);
	free(copy);
	return rc;
}

/* Generic field values, for the table-driven and randomized tests. */

#define GEN_STR	40

struct fval {
	char		c;
	uint64_t	u;
	char		s[(GEN_STR > ID_MAX ? GEN_STR : ID_MAX) + 1];
	uint8_t		p[64];
	uint32_t	n;
};

#define GEN_ITEMS	24

struct msgval {
	unsigned	type;
	uint32_t	id;
	const char	*fmt, *rep;
	unsigned	nf, nrep, nitems;
	struct fval	f[WIRE_MAX_FIELDS];
	struct fval	items[GEN_ITEMS][WIRE_MAX_FIELDS];
};

static void
gen_field(char c, struct fval *v)
{
	static const uint64_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x100,
	    0xffff, 0x10000, 0xffffffffull, 0x100000000ull, UINT64_MAX };
	size_t i, n;

	memset(v, 0, sizeof(*v));
	v->c = c;
	v->u = rng_below(3) == 0 ? edge[rng_below(sizeof(edge) /
	    sizeof(edge[0]))] : (uint64_t)rng() << 32 | rng();
	switch (c) {
	case 'b':
		v->u &= 0xff;
		break;
	case 'w':
		v->u &= 0xffff;
		break;
	case 'u':
		v->u &= 0xffffffffull;
		break;
	case 'q':
		break;
	case 'i':
		n = rng_below(4) == 0 ? ID_MAX : 1 + rng_below(12);
		for (i = 0; i < n; i++)
			v->s[i] = id_chars[rng_below(sizeof(id_chars) - 1)];
		v->n = (uint32_t)n;
		break;
	case 's':
		n = rng_below(GEN_STR + 1);
		for (i = 0; i < n; i++)
			v->s[i] = (char)(1 + rng_below(255));
		v->n = (uint32_t)n;
		break;
	case 'h':
	case 't':
		v->n = c == 'h' ? WIRE_HASH_LEN : WIRE_TOKEN_LEN;
		for (i = 0; i < v->n; i++)
			v->p[i] = (uint8_t)rng();
		break;
	case 'H':
		v->n = rng_below(4);
		for (i = 0; i < v->n * WIRE_HASH_LEN; i++)
			v->p[i] = (uint8_t)rng();
		break;
	case 'B':
	case 'R':
		/* 'R': empty now and then, else any length up to p[]. */
		v->n = c == 'R' && rng_below(5) == 0 ? 0 :
		    rng_below(sizeof(v->p) + 1);
		for (i = 0; i < v->n; i++)
			v->p[i] = (uint8_t)rng();
		break;
	default:
		fail_msg("format letter '%c' unknown to this test", c);
	}
}

static void
put_fval(struct wire_enc *e, const struct fval *v)
{
	switch (v->c) {
	case 'b': wire_put_u8(e, (uint8_t)v->u); break;
	case 'w': wire_put_u16(e, (uint16_t)v->u); break;
	case 'u': wire_put_u32(e, (uint32_t)v->u); break;
	case 'q': wire_put_u64(e, v->u); break;
	case 'i': wire_put_id(e, v->s); break;
	case 's': wire_put_str(e, v->s); break;
	case 'h': wire_put_hash(e, v->p); break;
	case 't': wire_put_token(e, v->p); break;
	case 'H': wire_put_hashes(e, v->p, v->n); break;
	case 'B': wire_put_blob(e, v->p, v->n); break;
	case 'R': wire_put_rest(e, v->p, v->n); break;
	default: fail_msg("format letter '%c' unknown to this test", v->c);
	}
}

static void
check_fval(const struct wire_field *f, const struct fval *v)
{
	switch (v->c) {
	case 'b':
	case 'w':
	case 'u':
	case 'q':
		assert_true(f->u == v->u);
		break;
	case 'i':
	case 's':
		assert_non_null(f->s);
		assert_int_equal(f->n, v->n);
		assert_int_equal(strlen(f->s), v->n);
		assert_memory_equal(f->s, v->s, v->n + 1);
		break;
	case 'h':
	case 't':
	case 'B':
	case 'R':
		assert_int_equal(f->n, v->n);
		if (v->n > 0)
			assert_memory_equal(f->p, v->p, v->n);
		break;
	case 'H':
		assert_int_equal(f->n, v->n);
		if (v->n > 0)
			assert_memory_equal(f->p, v->p,
			    (size_t)v->n * WIRE_HASH_LEN);
		break;
	}
}

static void
gen_msg(struct msgval *mv, unsigned type, unsigned nitems)
{
	const char *c;
	unsigned i, k;

	mv->type = type;
	mv->id = rng();
	mv->fmt = type_fmt(type);
	assert_non_null(mv->fmt);
	mv->rep = strchr(mv->fmt, '*');
	mv->nf = 0;
	for (c = mv->fmt; *c != '\0' && *c != '*'; c++)
		gen_field(*c, &mv->f[mv->nf++]);
	mv->nrep = 0;
	mv->nitems = 0;
	if (mv->rep == NULL)
		return;
	mv->rep++;
	mv->nrep = (unsigned)strlen(mv->rep);
	assert_true(mv->nrep >= 1 && mv->nrep <= WIRE_MAX_FIELDS);
	mv->nitems = nitems < GEN_ITEMS ? nitems : GEN_ITEMS;
	for (i = 0; i < mv->nitems; i++)
		for (k = 0; k < mv->nrep; k++)
			gen_field(mv->rep[k], &mv->items[i][k]);
}

static int
encode_msg(struct buf *b, const struct msgval *mv)
{
	struct wire_enc e;
	unsigned i, k;

	wire_begin(&e, b, mv->type, mv->id);
	for (i = 0; i < mv->nf; i++)
		put_fval(&e, &mv->f[i]);
	for (i = 0; i < mv->nitems; i++)
		for (k = 0; k < mv->nrep; k++)
			put_fval(&e, &mv->items[i][k]);
	return wire_end(&e);
}

/* Encode, frame, decode and compare every field and list item. */
static void
roundtrip(const struct msgval *mv)
{
	struct wire_field items[WIRE_MAX_FIELDS];
	struct wire_msg m;
	struct wire_iter it;
	struct buf b;
	uint8_t *body;
	unsigned i, k;

	buf_init(&b, WIRE_HDR + (size_t)wire_max_body(mv->type));
	if (encode_msg(&b, mv) != 0)
		fail_msg("encoding %s failed", wire_type_name(mv->type));
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, mv->type);
	assert_int_equal(m.h.id, mv->id);
	assert_int_equal(m.h.flags, 0);
	assert_int_equal(m.nf, mv->nf);
	for (i = 0; i < mv->nf; i++)
		check_fval(&m.f[i], &mv->f[i]);
	assert_int_equal(m.nitems, mv->nitems);
	wire_iter_init(&it, &m);
	for (i = 0; i < mv->nitems; i++) {
		assert_int_equal(wire_iter_next(&it, items), 1);
		for (k = 0; k < mv->nrep; k++)
			check_fval(&items[k], &mv->items[i][k]);
	}
	assert_int_equal(wire_iter_next(&it, items), 0);
	free(body);
	buf_free(&b);
}

/* Tests: the table. */

static void
test_spec_table(void **state)
{
	unsigned t;
	size_t i;

	(void)state;
	for (i = 0; i < NTABLE; i++) {
		const char *name = wire_type_name(table[i].type);
		const char *fmt = type_fmt(table[i].type);

		if (name == NULL || strcmp(name, table[i].name) != 0)
			fail_msg("type %u: name %s, want %s", table[i].type,
			    name ? name : "(null)", table[i].name);
		if (fmt == NULL || strcmp(fmt, table[i].fmt) != 0)
			fail_msg("%s: format \"%s\", want \"%s\"",
			    table[i].name, fmt ? fmt : "(null)", table[i].fmt);
		if (table[i].type != WT_OK)
			assert_true(wire_max_body(table[i].type) > 0);
		/* Only the letters wire.h documents; 'R' only as the very
		   last field, never in a list.  (fmt is not NULL: fail_msg()
		   above does not return.) */
		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
		assert_true(strspn(fmt, "bwuqishtHBR*") == strlen(fmt));
		assert_true(strchr(fmt, '*') == strrchr(fmt, '*'));
		if (strchr(fmt, 'R') != NULL) {
			assert_true(strchr(fmt, 'R') == fmt + strlen(fmt) - 1);
			assert_null(strchr(fmt, '*'));
		}
	}
	/* The table above is every type there is: no type is known that
	   this test does not check. */
	for (t = 0; t < WT_TYPE_MAX; t++) {
		if (wire_type_name(t) == NULL)
			continue;
		for (i = 0; i < NTABLE && table[i].type != t; i++)
			;
		if (i == NTABLE)
			fail_msg("type %u (%s) is missing from this test", t,
			    wire_type_name(t));
	}
	/* The ceilings admit the largest legal fields. */
	assert_int_equal(wire_max_body(WT_P_PIECE),
	    PIECE_FIXED + WIRE_BLOCK_MAX);
	assert_true(wire_max_body(WT_P_BITFIELD) >=
	    WIRE_HASH_LEN + 4 + WIRE_HASHES_MAX / 8);
	/* FILE: the longest name, the most hashes, and then still a
	   thousand sources at the longest address, each with its ticket. */
	assert_true(wire_max_body(WT_FILE) >= 2 + WIRE_STR_MAX + 1 + 8 +
	    WIRE_HASH_LEN + 4 + (size_t)WIRE_HASHES_MAX * WIRE_HASH_LEN +
	    1000 * (2 + HOSTPORT_MAX + 1 + 4 + WIRE_TICKET_LEN));
	/* A ticket is a u64 expiry, the source's key and an HMAC-SHA256. */
	assert_int_equal(WIRE_TICKET_LEN, 8 + 32 + 32);
	/* SESSION: a token, the longest id and a ticket key. */
	assert_true(wire_max_body(WT_SESSION) >= WIRE_TOKEN_LEN + 1 + ID_MAX +
	    1 + 4 + TICKET_KEY_LEN);
	/* P_WANT: a sha1 and a ticket. */
	assert_true(wire_max_body(WT_P_WANT) >= WIRE_HASH_LEN + 4 +
	    WIRE_TICKET_LEN);
	/* An upload op travels inside an S_OP with its envelope. */
	assert_true(wire_max_body(WT_S_OP) >= 4 + 8 + 8 + 4 + 32 + 4 +
	    WIRE_HDR + wire_max_body(WT_OP_UPLOAD));
	assert_true(wire_max_body(WT_OP_UPLOAD) >= 2 + ID_MAX + 8 + 4 +
	    2 * (2 + WIRE_STR_MAX + 1) + 8 + WIRE_HASH_LEN + 4 +
	    (size_t)WIRE_HASHES_MAX * WIRE_HASH_LEN + 2 + ID_MAX + 8 + 4 + 32);
	assert_true(wire_max_body(WT_UPLOAD) >= WIRE_TOKEN_LEN + 2 + ID_MAX +
	    2 * (2 + WIRE_STR_MAX + 1) + 8 + WIRE_HASH_LEN + 4 +
	    (size_t)WIRE_HASHES_MAX * WIRE_HASH_LEN + 8);
}

/*
 * Types the codec does not know are found by asking it, not hard-coded,
 * so that a new type never makes this test wrong; but the numbering
 * leaves gaps in every range, so some must be unknown below WT_TYPE_MAX.
 */
/* Piece counts without overflow, and the largest file. */
static void
test_npieces(void **state)
{
	(void)state;
	assert_int_equal(wire_npieces(0), 0);
	assert_int_equal(wire_npieces(1), 1);
	assert_int_equal(wire_npieces(WIRE_PIECE_LEN), 1);
	assert_int_equal(wire_npieces(WIRE_PIECE_LEN + 1), 2);
	assert_int_equal(wire_npieces(UINT64_MAX),
	    UINT64_MAX / WIRE_PIECE_LEN + 1);
	assert_int_equal(wire_npieces(WIRE_FILE_MAX), WIRE_HASHES_MAX);
}

/*
 * A file's hashes: its pieces' alone, or its pieces' then its units'
 * while both fit a message; nothing else.  The unit follows the count.
 */
static void
test_units(void **state)
{
	/* The largest file whose unit hashes still fit: 5 a piece. */
	uint64_t big = (uint64_t)(WIRE_HASHES_MAX / 5) * WIRE_PIECE_LEN;

	(void)state;
	assert_int_equal(WIRE_PIECE_LEN % WIRE_UNIT_LEN, 0);
	assert_int_equal(wire_nunits(0), 0);
	assert_int_equal(wire_nunits(1), 1);
	assert_int_equal(wire_nunits(WIRE_UNIT_LEN), 1);
	assert_int_equal(wire_nunits(WIRE_UNIT_LEN + 1), 2);
	assert_int_equal(wire_nunits(WIRE_PIECE_LEN + 1), 5);
	assert_int_equal(wire_nunits(UINT64_MAX),
	    UINT64_MAX / WIRE_UNIT_LEN + 1);
	/* Empty: no hashes at all. */
	assert_true(wire_hashes_ok(0, 0));
	assert_false(wire_hashes_ok(0, 1));
	/* 100 bytes: one piece, one unit. */
	assert_true(wire_hashes_ok(100, 1));
	assert_true(wire_hashes_ok(100, 2));
	assert_false(wire_hashes_ok(100, 0));
	assert_false(wire_hashes_ok(100, 3));
	assert_int_equal(wire_unit_len(100, 1), WIRE_PIECE_LEN);
	assert_int_equal(wire_unit_len(100, 2), WIRE_UNIT_LEN);
	/* A piece and a byte: 2 pieces, 5 units. */
	assert_true(wire_hashes_ok(WIRE_PIECE_LEN + 1, 2));
	assert_true(wire_hashes_ok(WIRE_PIECE_LEN + 1, 7));
	assert_false(wire_hashes_ok(WIRE_PIECE_LEN + 1, 5));
	assert_false(wire_hashes_ok(WIRE_PIECE_LEN + 1, 6));
	assert_false(wire_hashes_ok(WIRE_PIECE_LEN + 1, 8));
	assert_int_equal(wire_unit_len(WIRE_PIECE_LEN + 1, 7), WIRE_UNIT_LEN);
	/* Where unit hashes stop fitting, pieces' alone remain. */
	assert_true(wire_has_units(big));
	assert_true(wire_hashes_ok(big, wire_npieces(big) + wire_nunits(big)));
	assert_false(wire_has_units(big + WIRE_PIECE_LEN));
	assert_false(wire_hashes_ok(big + WIRE_PIECE_LEN,
	    wire_npieces(big + WIRE_PIECE_LEN) +
	    wire_nunits(big + WIRE_PIECE_LEN)));
	assert_true(wire_hashes_ok(big + WIRE_PIECE_LEN,
	    wire_npieces(big + WIRE_PIECE_LEN)));
	assert_true(wire_hashes_ok(WIRE_FILE_MAX, WIRE_HASHES_MAX));
	assert_false(wire_hashes_ok(WIRE_FILE_MAX + 1, WIRE_HASHES_MAX + 1));
}

static void
test_unknown_types(void **state)
{
	static const unsigned far[] = { WT_TYPE_MAX, WT_TYPE_MAX + 1, 1000,
	    0xffff, 0x10000, 0x10000 + WT_HELLO, 0x7fffffffu, 0xffffffffu };
	unsigned t, known = 0, below = 0;
	size_t i;

	(void)state;
	for (t = 0; t <= 0x1ffff; t++) {
		if (wire_type_name(t) != NULL) {
			assert_true(t < WT_TYPE_MAX);
			assert_non_null(type_fmt(t));
			known++;
			continue;
		}
		if (t < WT_TYPE_MAX)
			below++;
		assert_int_equal(wire_max_body(t), 0);
		assert_null(type_fmt(t));
	}
	assert_int_equal(known, NTABLE);
	assert_true(below > 0);
	assert_null(wire_type_name(0));
	/* Past the table, including numbers that alias a known type when
	   cut to 16 bits or wrapped. */
	for (i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		assert_null(wire_type_name(far[i]));
		assert_int_equal(wire_max_body(far[i]), 0);
		assert_null(type_fmt(far[i]));
	}
}

/* Tests: roundtrips. */

static void
test_roundtrip_hello(void **state)
{
	struct wire_msg m;
	struct buf b;
	uint8_t *body;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(wire_hello(&b, ROLE_TRACKER), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_HELLO);
	assert_int_equal(m.nf, 4);
	assert_int_equal(m.f[0].u, WIRE_MAGIC);
	assert_int_equal(m.f[1].u, WIRE_VERSION);
	assert_int_equal(m.f[2].u, ROLE_TRACKER);
	assert_string_equal(m.f[3].s, "p2ps/1");
	free(body);
	buf_free(&b);
}

static void
test_roundtrip_error(void **state)
{
	struct wire_msg m;
	struct buf b;
	uint8_t *body;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(wire_error(&b, 0xdeadbeefu, WE_NOTFOUND,
	    "no such group"), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_ERROR);
	assert_int_equal(m.h.id, 0xdeadbeefu);
	assert_int_equal(m.f[0].u, WE_NOTFOUND);
	assert_string_equal(m.f[1].s, "no such group");
	assert_int_equal(m.f[1].n, 13);
	free(body);

	buf_reset(&b);
	assert_int_equal(wire_error(&b, 1, WE_PROTO, ""), 0);
	body = decode_ok(&b, &m);
	assert_string_equal(m.f[1].s, "");
	assert_int_equal(m.f[1].n, 0);
	free(body);
	buf_free(&b);
}

static void
test_roundtrip_ok(void **state)
{
	struct wire_enc e;
	struct wire_msg m;
	struct buf b;
	uint8_t *body;

	(void)state;
	buf_init(&b, 64);
	wire_begin(&e, &b, WT_OK, 42);
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(buf_used(&b), WIRE_HDR);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.len, 0);
	assert_int_equal(m.h.id, 42);
	assert_int_equal(m.nf, 0);
	assert_int_equal(m.nitems, 0);
	free(body);
	buf_free(&b);
}

static void
names_roundtrip(unsigned n)
{
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_msg m;
	struct wire_iter it;
	struct wire_enc e;
	struct buf b;
	char name[80];
	uint8_t *body;
	unsigned i;

	buf_init(&b, 1024 * 1024);
	wire_begin(&e, &b, WT_NAMES, 9);
	for (i = 0; i < n; i++) {
		/* Varying lengths, including the empty string. */
		memset(name, 'a' + (int)(i % 26), sizeof(name));
		name[i % 70] = '\0';
		wire_put_str(&e, name);
	}
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.nf, 0);
	assert_int_equal(m.nitems, n);
	wire_iter_init(&it, &m);
	for (i = 0; i < n; i++) {
		memset(name, 'a' + (int)(i % 26), sizeof(name));
		name[i % 70] = '\0';
		assert_int_equal(wire_iter_next(&it, f), 1);
		assert_string_equal(f[0].s, name);
		assert_int_equal(f[0].n, i % 70);
	}
	assert_int_equal(wire_iter_next(&it, f), 0);
	assert_int_equal(wire_iter_next(&it, f), 0);
	free(body);
	buf_free(&b);
}

static void
test_roundtrip_names(void **state)
{
	(void)state;
	names_roundtrip(0);
	names_roundtrip(1);
	names_roundtrip(2);
	names_roundtrip(1000);
}

/* A SESSION for user with a ticket key of keylen bytes. */
static void
session_roundtrip(const char *user, const uint8_t *key, uint32_t keylen)
{
	const size_t ulen = strlen(user);
	const size_t koff = WIRE_TOKEN_LEN + 1 + ulen + 1 + 4;
	struct wire_enc e;
	struct wire_msg m;
	struct buf b;
	uint8_t *body;

	buf_init(&b, WIRE_HDR + (size_t)wire_max_body(WT_SESSION));
	wire_begin(&e, &b, WT_SESSION, 3);
	wire_put_token(&e, tok);
	wire_put_id(&e, user);
	wire_put_blob(&e, key, keylen);
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_SESSION);
	assert_int_equal(m.h.id, 3);
	assert_int_equal(m.h.len, koff + keylen);
	assert_int_equal(m.nf, 3);
	assert_int_equal(m.nitems, 0);
	assert_int_equal(m.f[0].n, WIRE_TOKEN_LEN);
	assert_memory_equal(m.f[0].p, tok, WIRE_TOKEN_LEN);
	assert_string_equal(m.f[1].s, user);
	assert_int_equal(m.f[1].n, ulen);
	/* The key: its length before it, then its bytes, raw. */
	assert_int_equal(m.f[2].n, keylen);
	assert_null(m.f[2].s);
	assert_int_equal(be32(body + koff - 4), keylen);
	if (keylen > 0) {
		assert_ptr_equal(m.f[2].p, body + koff);
		assert_memory_equal(m.f[2].p, key, keylen);
	}
	free(body);
	buf_free(&b);
}

static void
test_roundtrip_session(void **state)
{
	char longid[ID_MAX + 1];
	uint8_t before[64];
	struct wire_enc e;
	struct buf b;
	uint8_t *big;
	uint32_t most;
	size_t n;

	(void)state;
	memset(longid, 'k', ID_MAX);
	longid[ID_MAX] = '\0';
	session_roundtrip("alice", tkey, TICKET_KEY_LEN);
	session_roundtrip("Z", tkey, TICKET_KEY_LEN);
	session_roundtrip(longid, tkey, TICKET_KEY_LEN);
	/* The codec carries a key of any length (the client checks it):
	   none, one short, one long, and the most the ceiling allows with
	   the longest id. */
	session_roundtrip("bob", tkey, 0);
	session_roundtrip("bob", tkey, TICKET_KEY_LEN - 1);
	most = wire_max_body(WT_SESSION) -
	    (WIRE_TOKEN_LEN + 1 + ID_MAX + 1 + 4);
	assert_true(most >= TICKET_KEY_LEN);
	big = malloc((size_t)most + 1);
	assert_non_null(big);
	fill(big, (size_t)most + 1, 5);
	session_roundtrip("bob", big, TICKET_KEY_LEN + 1);
	session_roundtrip(longid, big, most);

	/* One byte more passes the ceiling: refused, nothing left. */
	buf_init(&b, 1024);
	assert_int_equal(wire_hello(&b, ROLE_CLIENT), 0);
	n = buf_used(&b);
	assert_true(n <= sizeof(before));
	memcpy(before, buf_head(&b), n);
	wire_begin(&e, &b, WT_SESSION, 3);
	wire_put_token(&e, tok);
	wire_put_id(&e, longid);
	wire_put_blob(&e, big, most + 1);
	assert_int_equal(wire_end(&e), -1);
	assert_int_equal(buf_used(&b), n);
	assert_memory_equal(buf_head(&b), before, n);
	buf_free(&b);
	free(big);
}

static void
test_roundtrip_create_user_login_logout(void **state)
{
	char longid[ID_MAX + 1];
	struct wire_enc e;
	struct wire_msg m;
	struct buf b;
	uint8_t *body;

	(void)state;
	memset(longid, 'Z', ID_MAX);
	longid[ID_MAX] = '\0';
	buf_init(&b, 64 * 1024);

	wire_begin(&e, &b, WT_CREATE_USER, 1);
	wire_put_id(&e, longid);
	wire_put_str(&e, "pass word \"with\" quotes");
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_string_equal(m.f[0].s, longid);
	assert_int_equal(m.f[0].n, ID_MAX);
	assert_string_equal(m.f[1].s, "pass word \"with\" quotes");
	free(body);

	buf_reset(&b);
	wire_begin(&e, &b, WT_LOGIN, 2);
	wire_put_id(&e, "bob.b-1_x");
	wire_put_str(&e, "");
	wire_put_str(&e, "127.0.0.1:9000");
	wire_put_token(&e, tok);
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.nf, 4);
	assert_string_equal(m.f[0].s, "bob.b-1_x");
	assert_string_equal(m.f[1].s, "");
	assert_string_equal(m.f[2].s, "127.0.0.1:9000");
	assert_memory_equal(m.f[LOGIN_TOKEN].p, tok, WIRE_TOKEN_LEN);
	free(body);

	buf_reset(&b);
	wire_begin(&e, &b, WT_LOGOUT, 3);
	wire_put_token(&e, tok);
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.len, WIRE_TOKEN_LEN);
	assert_memory_equal(m.f[0].p, tok, WIRE_TOKEN_LEN);
	free(body);
	buf_free(&b);
}

static void
test_roundtrip_group_requests(void **state)
{
	static const unsigned ti[] = { WT_CREATE_GROUP, WT_JOIN_GROUP,
	    WT_LEAVE_GROUP, WT_LIST_REQUESTS };
	static const unsigned tii[] = { WT_ACCEPT_REQUEST, WT_REJECT_REQUEST };
	struct wire_enc e;
	struct wire_msg m;
	struct buf b;
	uint8_t *body;
	size_t i;

	(void)state;
	buf_init(&b, 1024);
	for (i = 0; i < sizeof(ti) / sizeof(ti[0]); i++) {
		buf_reset(&b);
		wire_begin(&e, &b, ti[i], (uint32_t)i);
		wire_put_token(&e, tok);
		wire_put_id(&e, "group-1");
		assert_int_equal(wire_end(&e), 0);
		body = decode_ok(&b, &m);
		assert_int_equal(m.h.type, ti[i]);
		assert_memory_equal(m.f[0].p, tok, WIRE_TOKEN_LEN);
		assert_string_equal(m.f[1].s, "group-1");
		free(body);
	}
	for (i = 0; i < sizeof(tii) / sizeof(tii[0]); i++) {
		buf_reset(&b);
		wire_begin(&e, &b, tii[i], 77);
		wire_put_token(&e, tok);
		wire_put_id(&e, "g");
		wire_put_id(&e, "carol");
		assert_int_equal(wire_end(&e), 0);
		body = decode_ok(&b, &m);
		assert_int_equal(m.h.type, tii[i]);
		assert_int_equal(m.nf, 3);
		assert_string_equal(m.f[1].s, "g");
		assert_string_equal(m.f[2].s, "carol");
		free(body);
	}
	buf_reset(&b);
	wire_begin(&e, &b, WT_LIST_GROUPS, 5);
	wire_put_token(&e, tok);
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_LIST_GROUPS);
	assert_memory_equal(m.f[0].p, tok, WIRE_TOKEN_LEN);
	free(body);
	buf_free(&b);
}

/* Every type the codec knows, with random field values. */
static void
test_roundtrip_all_types_random(void **state)
{
	static struct msgval mv;
	unsigned t, iter;

	(void)state;
	rng_seed(0x77697265ull);
	for (t = 0; t < WT_TYPE_MAX; t++) {
		if (wire_type_name(t) == NULL)
			continue;
		for (iter = 0; iter < 50; iter++) {
			gen_msg(&mv, t, iter % 3 == 0 ? 0 :
			    rng_below(GEN_ITEMS));
			roundtrip(&mv);
		}
	}
}

static void
test_exact_bytes(void **state)
{
	static const uint8_t want_cu[] = {
		0x00, 0x00, 0x00, 0x0c,	0x00, 0x10, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x07,
		0x05, 'a', 'l', 'i', 'c', 'e', 0x00,
		0x00, 0x02, 'p', 'w', 0x00,
	};
	static const uint8_t want_names[] = {
		0x00, 0x00, 0x00, 0x07,	0x00, 0x04, 0x00, 0x00,
		0x01, 0x02, 0x03, 0x04,
		0x00, 0x01, 'a', 0x00,
		0x00, 0x00, 0x00,
	};
	static const uint8_t want_want[] = {	/* and the ticket's bytes */
		0x00, 0x00, 0x00, 0x60,	0x00, 0x40, 0x00, 0x00,
		0xfe, 0xdc, 0xba, 0x98,
		0xda, 0x39, 0xa3, 0xee, 0x5e, 0x6b, 0x4b, 0x0d, 0x32, 0x55,
		0xbf, 0xef, 0x95, 0x60, 0x18, 0x90, 0xaf, 0xd8, 0x07, 0x09,
		0x00, 0x00, 0x00, 0x48,
	};
	static const uint8_t want_piece[] = {	/* and 3 data bytes */
		0x00, 0x00, 0x00, 0x1f,	0x00, 0x44, 0x00, 0x00,
		0x0a, 0x0b, 0x0c, 0x0d,
		0xda, 0x39, 0xa3, 0xee, 0x5e, 0x6b, 0x4b, 0x0d, 0x32, 0x55,
		0xbf, 0xef, 0x95, 0x60, 0x18, 0x90, 0xaf, 0xd8, 0x07, 0x09,
		0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x40, 0x00,
	};
	struct wire_enc e;
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	wire_begin(&e, &b, WT_CREATE_USER, 7);
	wire_put_id(&e, "alice");
	wire_put_str(&e, "pw");
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(buf_used(&b), sizeof(want_cu));
	assert_memory_equal(buf_head(&b), want_cu, sizeof(want_cu));

	buf_reset(&b);
	wire_begin(&e, &b, WT_NAMES, 0x01020304);
	wire_put_str(&e, "a");
	wire_put_str(&e, "");
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(buf_used(&b), sizeof(want_names));
	assert_memory_equal(buf_head(&b), want_names, sizeof(want_names));

	/* P_WANT: the sha1, then the ticket with its length before it. */
	buf_reset(&b);
	wire_begin(&e, &b, WT_P_WANT, 0xfedcba98u);
	wire_put_hash(&e, sha);
	wire_put_blob(&e, ticket, WIRE_TICKET_LEN);
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(buf_used(&b), sizeof(want_want) + WIRE_TICKET_LEN);
	assert_memory_equal(buf_head(&b), want_want, sizeof(want_want));
	assert_memory_equal(buf_head(&b) + sizeof(want_want), ticket,
	    WIRE_TICKET_LEN);

	/* P_PIECE: the rest is raw bytes, no length, NULs and all. */
	buf_reset(&b);
	wire_begin(&e, &b, WT_P_PIECE, 0x0a0b0c0d);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 2);
	wire_put_u32(&e, 0x4000);
	wire_put_rest(&e, "x\0y", 3);
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(buf_used(&b), sizeof(want_piece) + 3);
	assert_memory_equal(buf_head(&b), want_piece, sizeof(want_piece));
	assert_memory_equal(buf_head(&b) + sizeof(want_piece), "x\0y", 3);

	/* The same head, 1000 bytes to follow from elsewhere. */
	buf_reset(&b);
	wire_begin(&e, &b, WT_P_PIECE, 0x0a0b0c0d);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 2);
	wire_put_u32(&e, 0x4000);
	assert_int_equal(wire_end_external(&e, 1000), 0);
	assert_int_equal(buf_used(&b), sizeof(want_piece));
	assert_memory_equal(buf_head(&b), "\x00\x00\x04\x04", 4);
	assert_memory_equal(buf_head(&b) + 4, want_piece + 4,
	    sizeof(want_piece) - 4);
	buf_free(&b);
}

/* Frames appended after other bytes, with a consumed prefix in the buffer. */
static void
test_encode_after_consumed_prefix(void **state)
{
	struct wire_hdr h;
	struct wire_msg m;
	struct wire_enc e;
	struct buf b;
	const char *why;
	int i;

	(void)state;
	buf_init(&b, 300);
	for (i = 0; i < 10; i++) {
		assert_int_equal(buf_append(&b, "0123456789abcdefghij", 20), 0);
		buf_consume(&b, 20 - (size_t)i);
		/* Now i junk bytes pending, then the frame. */
		wire_begin(&e, &b, WT_SESSION, (uint32_t)i);
		wire_put_token(&e, tok);
		wire_put_id(&e, "dave");
		wire_put_blob(&e, tkey, TICKET_KEY_LEN);
		assert_int_equal(wire_end(&e), 0);
		buf_consume(&b, (size_t)i);
		assert_int_equal(wire_frame(buf_head(&b), buf_used(&b), &h,
		    &why), WIRE_OK);
		assert_int_equal(h.id, (uint32_t)i);
		assert_int_equal(h.len, WIRE_TOKEN_LEN + 1 + 4 + 1 + 4 +
		    TICKET_KEY_LEN);
		assert_int_equal(wire_decode(&h, buf_head(&b) + WIRE_HDR, &m,
		    &why), 0);
		assert_memory_equal(m.f[0].p, tok, WIRE_TOKEN_LEN);
		assert_string_equal(m.f[1].s, "dave");
		assert_int_equal(m.f[2].n, TICKET_KEY_LEN);
		assert_memory_equal(m.f[2].p, tkey, TICKET_KEY_LEN);
		buf_consume(&b, WIRE_HDR + h.len);
		assert_int_equal(buf_used(&b), 0);
	}
	buf_free(&b);
}

/* Tests: wire_frame. */

static void
test_frame_prefixes(void **state)
{
	struct wire_hdr h;
	struct wire_enc e;
	struct buf b;
	const char *why;
	uint8_t *p;
	size_t n, k;

	(void)state;
	buf_init(&b, 4096);
	wire_begin(&e, &b, WT_LOGIN, 0xabcdef01u);
	wire_put_id(&e, "erin");
	wire_put_str(&e, "secret");
	wire_put_str(&e, "10.0.0.1:4000");
	wire_put_token(&e, tok);
	assert_int_equal(wire_end(&e), 0);
	n = buf_used(&b);
	for (k = 0; k < n; k++) {
		p = dup_exact(buf_head(&b), k);
		why = NULL;
		if (wire_frame(p, k, &h, &why) != WIRE_NEED_MORE)
			fail_msg("prefix of %zu/%zu bytes: not NEED_MORE",
			    k, n);
		free(p);
	}
	p = dup_exact(buf_head(&b), n);
	assert_int_equal(wire_frame(p, n, &h, &why), WIRE_OK);
	assert_int_equal(h.len, n - WIRE_HDR);
	assert_int_equal(h.type, WT_LOGIN);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.id, 0xabcdef01u);
	free(p);

	/* More bytes after the frame: still OK, same length. */
	assert_int_equal(buf_append(&b, "\0\0\0\0\0", 5), 0);
	assert_int_equal(wire_frame(buf_head(&b), buf_used(&b), &h, &why),
	    WIRE_OK);
	assert_int_equal(h.len, n - WIRE_HDR);
	buf_free(&b);
}

static enum wire_status
frame_hdr_only(uint32_t len, uint16_t type, uint16_t flags, const char **why)
{
	struct wire_hdr h;
	enum wire_status st;
	uint8_t *p = malloc(WIRE_HDR);

	assert_non_null(p);
	mk_hdr(p, len, type, flags, 99);
	*why = NULL;
	st = wire_frame(p, WIRE_HDR, &h, why);
	free(p);
	if (st == WIRE_BAD)
		assert_non_null(*why);
	return st;
}

/* Every 16-bit type the codec does not know is refused from the header. */
static void
test_frame_bad_type(void **state)
{
	const char *why;
	unsigned t, bad = 0;

	(void)state;
	for (t = 0; t <= 0xffff; t++) {
		if (wire_type_name(t) != NULL) {
			/* Known: an empty body is a whole frame. */
			assert_int_equal(frame_hdr_only(0, (uint16_t)t, 0,
			    &why), WIRE_OK);
			continue;
		}
		bad++;
		if (frame_hdr_only(0, (uint16_t)t, 0, &why) != WIRE_BAD)
			fail_msg("type %u not refused", t);
		if (frame_hdr_only(1, (uint16_t)t, 0, &why) != WIRE_BAD)
			fail_msg("type %u, length 1, not refused", t);
	}
	assert_int_equal(bad, 0x10000 - NTABLE);
}

static void
test_frame_bad_flags(void **state)
{
	static const uint16_t flags[] = { 1, 2, 0x80, 0x100, 0x8000, 0xffff };
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		assert_int_equal(frame_hdr_only(0, WT_OK, flags[i], &why),
		    WIRE_BAD);
		assert_int_equal(frame_hdr_only(20, WT_LOGIN, flags[i], &why),
		    WIRE_BAD);
	}
}

static void
test_frame_over_ceiling(void **state)
{
	const char *why;
	uint32_t max;
	unsigned t;
	int n = 0;

	(void)state;
	for (t = 0; t < WT_TYPE_MAX; t++) {
		if (wire_type_name(t) == NULL)
			continue;
		n++;
		max = wire_max_body(t);
		if (frame_hdr_only(max + 1, (uint16_t)t, 0, &why) != WIRE_BAD)
			fail_msg("%s: length %u over ceiling %u not refused",
			    wire_type_name(t), max + 1, max);
		assert_int_equal(frame_hdr_only(0xffffffffu, (uint16_t)t, 0,
		    &why), WIRE_BAD);
		/* At the ceiling: fine, the body is still to come. */
		assert_int_equal(frame_hdr_only(max, (uint16_t)t, 0, &why),
		    max == 0 ? WIRE_OK : WIRE_NEED_MORE);
	}
	assert_true(n >= (int)NTABLE);
}

/* Tests: wire_decode refusals. */

/* A SESSION's ticket key field: its length, then its bytes. */
#define KEY_FIELD	(4 + TICKET_KEY_LEN)

/*
 * A SESSION body: the token, an id of idlen announced and idbytes given,
 * then the ticket key field.  Subtract KEY_FIELD from the length returned
 * for a body that ends after the id bytes.
 */
static size_t
session_body(uint8_t *p, uint8_t idlen, const void *id, size_t idbytes)
{
	size_t n = WIRE_TOKEN_LEN + 1 + idbytes;

	memcpy(p, tok, WIRE_TOKEN_LEN);
	p[WIRE_TOKEN_LEN] = idlen;
	memcpy(p + WIRE_TOKEN_LEN + 1, id, idbytes);
	put_be32(p + n, TICKET_KEY_LEN);
	memcpy(p + n + 4, tkey, TICKET_KEY_LEN);
	return n + KEY_FIELD;
}

static void
test_decode_truncated(void **state)
{
	struct wire_hdr h;
	struct wire_msg m;
	struct wire_enc e;
	struct buf b;
	const char *why;
	uint8_t *body, *cut;
	size_t t, k;
	static struct msgval mv;

	(void)state;
	rng_seed(0x7472756eull);
	buf_init(&b, 64 * 1024);
	/*
	 * Every strict prefix of a fixed-format body is refused, except
	 * that an 'R' field takes whatever is left: there, a cut inside the
	 * fields before it is refused and one inside its bytes decodes to
	 * the shorter rest.
	 */
	for (t = 0; t < NTABLE; t++) {
		size_t fixed;
		int rest;

		if (strchr(table[t].fmt, '*') != NULL)
			continue;
		rest = strchr(table[t].fmt, 'R') != NULL;
		gen_msg(&mv, table[t].type, 0);
		if (rest && mv.f[mv.nf - 1].n == 0) {
			/* At least a few rest bytes to cut into. */
			mv.f[mv.nf - 1].n = 5;
			fill(mv.f[mv.nf - 1].p, 5, (uint32_t)t);
		}
		buf_reset(&b);
		assert_int_equal(encode_msg(&b, &mv), 0);
		body = take_frame(&b, &h);
		fixed = rest ? h.len - mv.f[mv.nf - 1].n : h.len;
		for (k = 0; k < h.len; k++) {
			struct wire_hdr hk = h;

			hk.len = (uint32_t)k;
			cut = dup_exact(body, k);
			why = NULL;
			if (k >= fixed) {
				if (wire_decode(&hk, cut, &m, &why) != 0)
					fail_msg("%s: rest cut to %zu bytes: "
					    "%s", table[t].name, k - fixed,
					    why);
				assert_int_equal(m.nf, mv.nf);
				assert_int_equal(m.f[m.nf - 1].n, k - fixed);
				if (k > fixed) {
					assert_ptr_equal(m.f[m.nf - 1].p,
					    cut + fixed);
					assert_memory_equal(m.f[m.nf - 1].p,
					    mv.f[mv.nf - 1].p, k - fixed);
				}
			} else if (wire_decode(&hk, cut, &m, &why) != -1)
				fail_msg("%s: body cut to %zu/%u decoded",
				    table[t].name, k, h.len);
			else
				assert_non_null(why);
			free(cut);
		}
		free(body);
	}

	/* NAMES: a cut inside an item is refused, one between items is not. */
	buf_reset(&b);
	wire_begin(&e, &b, WT_NAMES, 1);
	wire_put_str(&e, "abc");
	wire_put_str(&e, "de");
	assert_int_equal(wire_end(&e), 0);
	body = take_frame(&b, &h);
	assert_int_equal(h.len, 6 + 5);
	for (k = 0; k <= h.len; k++) {
		struct wire_hdr hk = h;
		int rc;

		hk.len = (uint32_t)k;
		cut = dup_exact(body, k);
		rc = wire_decode(&hk, cut, &m, &why);
		assert_int_equal(rc, (k == 0 || k == 6 || k == 11) ? 0 : -1);
		if (rc == 0)
			assert_int_equal(m.nitems, k == 0 ? 0 : k == 6 ? 1 : 2);
		free(cut);
	}
	free(body);
	buf_free(&b);
}

static void
test_decode_trailing(void **state)
{
	static struct msgval mv;
	uint8_t *body, *more;
	struct wire_hdr h;
	struct buf b;
	const char *why;
	size_t t;

	(void)state;
	rng_seed(0x747261696cull);
	buf_init(&b, 64 * 1024);
	for (t = 0; t < NTABLE; t++) {
		gen_msg(&mv, table[t].type, 2);
		buf_reset(&b);
		assert_int_equal(encode_msg(&b, &mv), 0);
		body = take_frame(&b, &h);
		more = malloc((size_t)h.len + 1);
		assert_non_null(more);
		if (h.len > 0)
			memcpy(more, body, h.len);
		more[h.len] = 0;
		if (strchr(table[t].fmt, 'R') != NULL) {
			/* Nothing trails an 'R' field: it takes the byte. */
			struct wire_hdr h1 = h;
			struct wire_msg m;
			const struct fval *r = &mv.f[mv.nf - 1];

			h1.len++;
			why = NULL;
			if (wire_decode(&h1, more, &m, &why) != 0)
				fail_msg("%s: one more rest byte: %s",
				    table[t].name, why);
			assert_int_equal(m.f[m.nf - 1].n, r->n + 1);
			if (r->n > 0)
				assert_memory_equal(m.f[m.nf - 1].p, r->p,
				    r->n);
			assert_int_equal(m.f[m.nf - 1].p[r->n], 0);
		} else if (decode_raw(table[t].type, more, (size_t)h.len + 1,
		    &why) != -1)
			fail_msg("%s: trailing byte accepted", table[t].name);
		free(more);
		free(body);
	}
	buf_free(&b);
}

static void
test_decode_bad_ids(void **state)
{
	static const char *bad[] = { "bo/b", "bo b", "a\x80", "x:y", "a\"",
	    "\t", "a\nb" };
	char longid[ID_MAX + 2];
	uint8_t body[256];
	const char *why;
	size_t i, n;

	(void)state;
	/* Sanity: the good one. */
	n = session_body(body, 3, "bob", 4);
	assert_int_equal(n, WIRE_TOKEN_LEN + 1 + 4 + KEY_FIELD);
	assert_int_equal(decode_raw(WT_SESSION, body, n, &why), 0);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t l = strlen(bad[i]);

		n = session_body(body, (uint8_t)l, bad[i], l + 1);
		if (decode_raw(WT_SESSION, body, n, &why) != -1)
			fail_msg("id \"%s\" accepted", bad[i]);
	}
	/* Empty id. */
	n = session_body(body, 0, "", 1);
	assert_int_equal(decode_raw(WT_SESSION, body, n, &why), -1);
	/* 64 is the longest; 65 is refused. */
	memset(longid, 'k', sizeof(longid));
	longid[ID_MAX] = '\0';
	n = session_body(body, ID_MAX, longid, ID_MAX + 1);
	assert_int_equal(decode_raw(WT_SESSION, body, n, &why), 0);
	longid[ID_MAX] = 'k';
	longid[ID_MAX + 1] = '\0';
	n = session_body(body, ID_MAX + 1, longid, ID_MAX + 2);
	assert_int_equal(decode_raw(WT_SESSION, body, n, &why), -1);
	/* The terminator is not a NUL. */
	n = session_body(body, 3, "bobx", 4);
	assert_int_equal(decode_raw(WT_SESSION, body, n, &why), -1);
	/* No terminator at all: the body ends after the id. */
	n = session_body(body, 3, "bob", 3);
	assert_int_equal(decode_raw(WT_SESSION, body, n - KEY_FIELD, &why),
	    -1);
	/* Nor is the key's length, when it follows at once, a terminator
	   (its first byte is a NUL, but what follows is then no key). */
	assert_int_equal(decode_raw(WT_SESSION, body, n, &why), -1);
	/* The NUL comes early, inside the announced length. */
	n = session_body(body, 3, "bo\0\0", 4);
	assert_int_equal(decode_raw(WT_SESSION, body, n, &why), -1);
	/* The length runs past the body. */
	n = session_body(body, 200, "bob", 4);
	assert_int_equal(decode_raw(WT_SESSION, body, n, &why), -1);
}

/* A CREATE_USER body: id "al", then a string with the given raw bytes. */
static size_t
cu_body(uint8_t *p, uint16_t slen, const void *s, size_t sbytes)
{
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): wire bytes */
	memcpy(p, "\x02" "al\0", 4);
	put_be16(p + 4, slen);
	memcpy(p + 6, s, sbytes);
	return 6 + sbytes;
}

static void
test_decode_bad_strings(void **state)
{
	static uint8_t body[WIRE_STR_MAX + 64];
	static char big[WIRE_STR_MAX + 2];
	const char *why;
	size_t n;

	(void)state;
	n = cu_body(body, 5, "ab cd\0", 6);
	assert_int_equal(decode_raw(WT_CREATE_USER, body, n, &why), 0);
	/* Embedded NUL. */
	n = cu_body(body, 5, "ab\0cd\0", 6);
	assert_int_equal(decode_raw(WT_CREATE_USER, body, n, &why), -1);
	n = cu_body(body, 1, "\0\0", 2);
	assert_int_equal(decode_raw(WT_CREATE_USER, body, n, &why), -1);
	/* Terminator missing or not a NUL. */
	n = cu_body(body, 2, "ab", 2);
	assert_int_equal(decode_raw(WT_CREATE_USER, body, n, &why), -1);
	n = cu_body(body, 2, "abc", 3);
	assert_int_equal(decode_raw(WT_CREATE_USER, body, n, &why), -1);
	/* The length runs past the body. */
	n = cu_body(body, 0xffff, "abc\0", 4);
	assert_int_equal(decode_raw(WT_CREATE_USER, body, n, &why), -1);
	/* WIRE_STR_MAX is the longest. */
	memset(big, 'y', sizeof(big));
	big[WIRE_STR_MAX] = '\0';
	n = cu_body(body, WIRE_STR_MAX, big, WIRE_STR_MAX + 1);
	assert_int_equal(decode_raw(WT_CREATE_USER, body, n, &why), 0);
	big[WIRE_STR_MAX] = 'y';
	big[WIRE_STR_MAX + 1] = '\0';
	n = cu_body(body, WIRE_STR_MAX + 1, big, WIRE_STR_MAX + 2);
	assert_int_equal(decode_raw(WT_CREATE_USER, body, n, &why), -1);
}

static void
test_decode_bad_list_item(void **state)
{
	/* NAMES: "ok", then an item with an embedded NUL, then "ok". */
	static const uint8_t body[] = {
		0x00, 0x02, 'o', 'k', 0x00,
		0x00, 0x03, 'a', 0x00, 'b', 0x00,
		0x00, 0x02, 'o', 'k', 0x00,
	};
	static const uint8_t body2[] = {	/* item length past the end */
		0x00, 0x02, 'o', 'k', 0x00,
		0x00, 0x09, 'x', 0x00,
	};
	const char *why;

	(void)state;
	assert_int_equal(decode_raw(WT_NAMES, body, 5, &why), 0);
	assert_int_equal(decode_raw(WT_NAMES, body, sizeof(body), &why), -1);
	assert_int_equal(decode_raw(WT_NAMES, body2, sizeof(body2), &why), -1);
}

/*
 * body[0..n) decodes as type and ends with a blob (a ticket key or a
 * ticket) whose length field is at off.  Every cut from off on is
 * refused, the first being the ticketless body of the old format; so is
 * a length that says one more (past the body), one less (a byte left
 * over) or 0xffffffff, and a byte after the blob.
 */
static void
blob_refusals(unsigned type, const uint8_t *body, size_t n, size_t off)
{
	const uint32_t len = be32(body + off);
	uint8_t *p = malloc(n + 1);
	const char *why;
	size_t k;

	assert_non_null(p);
	assert_int_equal(off + 4 + (size_t)len, n);
	memcpy(p, body, n);
	if (decode_raw(type, p, n, &why) != 0)
		fail_msg("%s: whole body: %s", wire_type_name(type), why);
	for (k = off; k < n; k++)
		if (decode_raw(type, p, k, &why) != -1)
			fail_msg("%s: cut to %zu/%zu decoded",
			    wire_type_name(type), k, n);
	put_be32(p + off, len + 1);
	assert_int_equal(decode_raw(type, p, n, &why), -1);
	if (len > 0) {
		put_be32(p + off, len - 1);
		assert_int_equal(decode_raw(type, p, n, &why), -1);
	}
	put_be32(p + off, 0xffffffffu);
	assert_int_equal(decode_raw(type, p, n, &why), -1);
	put_be32(p + off, len);
	p[n] = 0;
	assert_int_equal(decode_raw(type, p, n + 1, &why), -1);
	assert_int_equal(decode_raw(type, p, n, &why), 0);
	free(p);
}

/* The ticket key and tickets: refused when missing, short or long. */
static void
test_decode_tickets(void **state)
{
	static const char *srcs[] = { "127.0.0.1:7001", "[::1]:7002" };
	uint8_t body[512];
	struct wire_msg m;
	struct wire_hdr h;
	struct wire_enc e;
	struct buf b;
	const char *why;
	uint8_t *fb;
	size_t n, k, fixed, ends[3];
	unsigned i;
	int rc;

	(void)state;
	/* SESSION: token, id, key. */
	n = session_body(body, 5, "alice", 6);
	blob_refusals(WT_SESSION, body, n, n - KEY_FIELD);
	/* An empty key is still a field: its length must be there. */
	put_be32(body + n - KEY_FIELD, 0);
	blob_refusals(WT_SESSION, body, n - TICKET_KEY_LEN, n - KEY_FIELD);

	/* P_WANT: sha1, ticket. */
	memcpy(body, sha, WIRE_HASH_LEN);
	put_be32(body + WIRE_HASH_LEN, WIRE_TICKET_LEN);
	memcpy(body + WIRE_HASH_LEN + 4, ticket, WIRE_TICKET_LEN);
	blob_refusals(WT_P_WANT, body, WIRE_HASH_LEN + 4 + WIRE_TICKET_LEN,
	    WIRE_HASH_LEN);
	/* The old WANT, a sha1 alone, and a sha1 cut short. */
	assert_int_equal(decode_raw(WT_P_WANT, sha, WIRE_HASH_LEN, &why), -1);
	assert_int_equal(decode_raw(WT_P_WANT, body, WIRE_HASH_LEN - 1, &why),
	    -1);

	/* FILE: each source an address and its ticket. */
	buf_init(&b, 4096);
	wire_begin(&e, &b, WT_FILE, 1);
	wire_put_str(&e, "f.bin");
	wire_put_u64(&e, WIRE_PIECE_LEN);
	wire_put_hash(&e, sha);
	wire_put_hashes(&e, sha, 1);
	for (i = 0; i < 2; i++) {
		wire_put_str(&e, srcs[i]);
		wire_put_blob(&e, ticket, WIRE_TICKET_LEN);
	}
	assert_int_equal(wire_end(&e), 0);
	fb = take_frame(&b, &h);
	fixed = 2 + 5 + 1 + 8 + WIRE_HASH_LEN + 4 + WIRE_HASH_LEN;
	ends[0] = fixed;
	ends[1] = ends[0] + 2 + strlen(srcs[0]) + 1 + 4 + WIRE_TICKET_LEN;
	ends[2] = ends[1] + 2 + strlen(srcs[1]) + 1 + 4 + WIRE_TICKET_LEN;
	assert_int_equal(h.len, ends[2]);
	/* The last ticket, each way it can be wrong. */
	blob_refusals(WT_FILE, fb, h.len, ends[2] - 4 - WIRE_TICKET_LEN);
	/* A cut between sources leaves fewer of them; any other cut in the
	   list, as between an address and its ticket, is refused. */
	for (k = fixed; k <= h.len; k++) {
		struct wire_hdr hk = h;
		uint8_t *cut = dup_exact(fb, k);

		hk.len = (uint32_t)k;
		why = NULL;
		rc = wire_decode(&hk, cut, &m, &why);
		if (k == ends[0] || k == ends[1] || k == ends[2]) {
			if (rc != 0)
				fail_msg("FILE cut to %zu: %s", k, why);
			assert_int_equal(m.nitems, k == ends[0] ? 0 :
			    k == ends[1] ? 1 : 2);
		} else if (rc != -1)
			fail_msg("FILE cut to %zu/%u decoded", k, h.len);
		free(cut);
	}
	free(fb);

	/* The old FILE: sources without tickets, one or two of them. */
	for (i = 1; i <= 2; i++) {
		size_t j;

		buf_reset(&b);
		wire_begin(&e, &b, WT_NAMES, 1);	/* strings only */
		for (j = 0; j < i; j++)
			wire_put_str(&e, srcs[j]);
		assert_int_equal(wire_end(&e), 0);
		fb = take_frame(&b, &h);
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
		memcpy(body, "\0\x05" "f.bin\0", 8);
		n = 8;
		put_be64(body + n, WIRE_PIECE_LEN);
		n += 8;
		memcpy(body + n, sha, WIRE_HASH_LEN);
		n += WIRE_HASH_LEN;
		put_be32(body + n, 1);
		memcpy(body + n + 4, sha, WIRE_HASH_LEN);
		n += 4 + WIRE_HASH_LEN;
		assert_int_equal(n, fixed);
		assert_int_equal(decode_raw(WT_FILE, body, n, &why), 0);
		memcpy(body + n, fb, h.len);
		assert_int_equal(decode_raw(WT_FILE, body, n + h.len, &why),
		    -1);
		free(fb);
	}
	buf_free(&b);
}

static void
test_decode_refuses_bad_header(void **state)
{
	struct wire_hdr h;
	struct wire_msg m;
	const char *why;
	unsigned t, n = 0;
	uint8_t *body = malloc(1);

	(void)state;
	assert_non_null(body);
	/* Unknown types, every one of them. */
	h.len = 0;
	h.flags = 0;
	h.id = 0;
	for (t = 0; t <= 0xffff; t++) {
		if (wire_type_name(t) != NULL)
			continue;
		h.type = (uint16_t)t;
		why = NULL;
		assert_int_equal(wire_decode(&h, body, &m, &why), -1);
		assert_non_null(why);
		n++;
	}
	assert_true(n > 0);
	/* A length over the ceiling is refused without touching the body. */
	h.type = WT_LOGOUT;
	h.len = wire_max_body(WT_LOGOUT) + 1;
	why = NULL;
	assert_int_equal(wire_decode(&h, body, &m, &why), -1);
	assert_non_null(why);
	free(body);
}

/* Tests: the encoder's refusals. */

/* b holds a HELLO frame; check it is all b holds, unchanged. */
static void
expect_only_hello(const struct buf *b, const uint8_t *before, size_t n)
{
	assert_int_equal(buf_used(b), n);
	assert_memory_equal(buf_head(b), before, n);
}

static void
test_encode_format_mismatch(void **state)
{
	uint8_t before[1024];
	struct wire_enc e;
	struct buf b;
	size_t n;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(wire_hello(&b, ROLE_CLIENT), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);

	/* u32 where a token is expected. */
	wire_begin(&e, &b, WT_SESSION, 1);
	wire_put_u32(&e, 5);
	wire_put_id(&e, "alice");
	wire_put_blob(&e, tkey, TICKET_KEY_LEN);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* A string where the ticket key is expected. */
	wire_begin(&e, &b, WT_SESSION, 1);
	wire_put_token(&e, tok);
	wire_put_id(&e, "alice");
	wire_put_str(&e, "key");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* A token where P_WANT's ticket is expected. */
	wire_begin(&e, &b, WT_P_WANT, 1);
	wire_put_hash(&e, sha);
	wire_put_token(&e, ticket);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* u32 where an id is expected. */
	wire_begin(&e, &b, WT_CREATE_USER, 1);
	wire_put_u32(&e, 5);
	wire_put_str(&e, "pw");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* Right letters, wrong order. */
	wire_begin(&e, &b, WT_SESSION, 1);
	wire_put_id(&e, "alice");
	wire_put_token(&e, tok);
	wire_put_blob(&e, tkey, TICKET_KEY_LEN);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);
	wire_begin(&e, &b, WT_SESSION, 1);
	wire_put_token(&e, tok);
	wire_put_blob(&e, tkey, TICKET_KEY_LEN);
	wire_put_id(&e, "alice");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* A FILE source's ticket before its address. */
	wire_begin(&e, &b, WT_FILE, 1);
	wire_put_str(&e, "f");
	wire_put_u64(&e, 1);
	wire_put_hash(&e, sha);
	wire_put_hashes(&e, sha, 1);
	wire_put_blob(&e, ticket, WIRE_TICKET_LEN);
	wire_put_str(&e, "10.0.0.1:6000");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* str where the list wants... an id. */
	wire_begin(&e, &b, WT_NAMES, 1);
	wire_put_str(&e, "a");
	wire_put_id(&e, "b");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);
	buf_free(&b);
}

static void
test_encode_wrong_field_count(void **state)
{
	uint8_t before[1024];
	struct wire_enc e;
	struct buf b;
	size_t n;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(wire_hello(&b, ROLE_PEER), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);

	/* Too few. */
	wire_begin(&e, &b, WT_LOGIN, 1);
	wire_put_id(&e, "alice");
	wire_put_str(&e, "pw");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_SESSION, 1);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* The old formats, without a ticket key or ticket. */
	wire_begin(&e, &b, WT_SESSION, 1);
	wire_put_token(&e, tok);
	wire_put_id(&e, "alice");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_P_WANT, 1);
	wire_put_hash(&e, sha);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* A FILE list item is an address and a ticket: not half of one,
	   after no item or after a whole one. */
	wire_begin(&e, &b, WT_FILE, 1);
	wire_put_str(&e, "f");
	wire_put_u64(&e, 1);
	wire_put_hash(&e, sha);
	wire_put_hashes(&e, sha, 1);
	wire_put_str(&e, "10.0.0.1:6000");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_FILE, 1);
	wire_put_str(&e, "f");
	wire_put_u64(&e, 1);
	wire_put_hash(&e, sha);
	wire_put_hashes(&e, sha, 1);
	wire_put_str(&e, "10.0.0.1:6000");
	wire_put_blob(&e, ticket, WIRE_TICKET_LEN);
	wire_put_str(&e, "10.0.0.2:6000");
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* Too many. */
	wire_begin(&e, &b, WT_SESSION, 1);
	wire_put_token(&e, tok);
	wire_put_id(&e, "alice");
	wire_put_blob(&e, tkey, TICKET_KEY_LEN);
	wire_put_blob(&e, tkey, TICKET_KEY_LEN);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_P_WANT, 1);
	wire_put_hash(&e, sha);
	wire_put_blob(&e, ticket, WIRE_TICKET_LEN);
	wire_put_blob(&e, ticket, WIRE_TICKET_LEN);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_LOGOUT, 1);
	wire_put_token(&e, tok);
	wire_put_token(&e, tok);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_OK, 1);
	wire_put_u8(&e, 0);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);
	buf_free(&b);
}

static void
test_encode_bad_values(void **state)
{
	static char big[WIRE_STR_MAX + 2];
	char longid[ID_MAX + 2];
	uint8_t before[1024];
	struct wire_enc e;
	struct buf b;
	unsigned t, unknown = 0;
	size_t n;

	(void)state;
	buf_init(&b, 64 * 1024);
	assert_int_equal(wire_hello(&b, ROLE_PEER), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);

	/* Bad ids. */
	memset(longid, 'a', sizeof(longid));
	longid[ID_MAX + 1] = '\0';
	{
		const char *bad[] = { "", "a b", "a/b", "\xff", longid };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			wire_begin(&e, &b, WT_SESSION, 1);
			wire_put_token(&e, tok);
			wire_put_id(&e, bad[i]);
			wire_put_blob(&e, tkey, TICKET_KEY_LEN);
			assert_int_equal(wire_end(&e), -1);
			expect_only_hello(&b, before, n);
		}
	}
	/* A string over WIRE_STR_MAX; WIRE_STR_MAX itself is fine. */
	memset(big, 's', sizeof(big));
	big[WIRE_STR_MAX + 1] = '\0';
	wire_begin(&e, &b, WT_CREATE_USER, 1);
	wire_put_id(&e, "a");
	wire_put_str(&e, big);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);
	big[WIRE_STR_MAX] = '\0';
	wire_begin(&e, &b, WT_CREATE_USER, 1);
	wire_put_id(&e, "a");
	wire_put_str(&e, big);
	assert_int_equal(wire_end(&e), 0);
	assert_true(buf_used(&b) > n);

	/* Unknown types, as the codec itself says: nothing is appended,
	   with or without fields, by either finisher. */
	buf_truncate(&b, n);
	for (t = 0; t <= WT_TYPE_MAX + 1; t++) {
		if (wire_type_name(t) != NULL)
			continue;
		unknown++;
		wire_begin(&e, &b, t, 1);
		assert_int_equal(wire_end(&e), -1);
		expect_only_hello(&b, before, n);
		wire_begin(&e, &b, t, 1);
		wire_put_token(&e, tok);
		assert_int_equal(wire_end(&e), -1);
		expect_only_hello(&b, before, n);
		wire_begin(&e, &b, t, 1);
		assert_int_equal(wire_end_external(&e, 0), -1);
		expect_only_hello(&b, before, n);
	}
	assert_true(unknown > 1);
	buf_free(&b);
}

static void
test_encode_over_ceiling(void **state)
{
	char sw[600];
	uint8_t before[1024];
	struct wire_enc e;
	struct buf b;
	size_t n;

	(void)state;
	buf_init(&b, 64 * 1024);
	assert_int_equal(wire_hello(&b, ROLE_PEER), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);
	/* HELLO's ceiling is far below WIRE_STR_MAX. */
	memset(sw, 'v', sizeof(sw));
	sw[sizeof(sw) - 1] = '\0';
	wire_begin(&e, &b, WT_HELLO, 0);
	wire_put_u32(&e, WIRE_MAGIC);
	wire_put_u16(&e, WIRE_VERSION);
	wire_put_u8(&e, ROLE_PEER);
	wire_put_str(&e, sw);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);
	buf_free(&b);
}

static void
test_encode_buffer_full(void **state)
{
	uint8_t before[64];
	struct wire_enc e;
	struct buf b;
	size_t n;

	(void)state;
	/* Room for the header and a little more, not for the whole frame. */
	buf_init(&b, 40);
	assert_int_equal(buf_append(&b, "prefix", 6), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);
	wire_begin(&e, &b, WT_LOGIN, 1);
	wire_put_id(&e, "alice");
	wire_put_str(&e, "a fairly long password");
	wire_put_str(&e, "127.0.0.1:1234");
	assert_int_equal(wire_end(&e), -1);
	assert_int_equal(buf_used(&b), n);
	assert_memory_equal(buf_head(&b), before, n);
	buf_free(&b);
	/* Not even room for a header. */
	buf_init(&b, 8);
	wire_begin(&e, &b, WT_OK, 1);
	assert_int_equal(wire_end(&e), -1);
	assert_int_equal(buf_used(&b), 0);
	buf_free(&b);
}

/* Tests: wire_iter. */

static void
test_iter(void **state)
{
	static const char *names[] = { "first", "", "third item", "4",
	    "fifth \"quoted\"" };
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct wire_msg m;
	struct wire_enc e;
	struct buf b;
	uint8_t *body;
	size_t i;

	(void)state;
	buf_init(&b, 4096);
	wire_begin(&e, &b, WT_NAMES, 1);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		wire_put_str(&e, names[i]);
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.nitems, sizeof(names) / sizeof(names[0]));
	assert_ptr_equal(m.items, body);
	assert_int_equal(m.items_len, m.h.len);
	wire_iter_init(&it, &m);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(wire_iter_next(&it, f), 1);
		assert_string_equal(f[0].s, names[i]);
		assert_int_equal(f[0].n, strlen(names[i]));
	}
	assert_int_equal(wire_iter_next(&it, f), 0);
	/* Walking again from the start gives the same. */
	wire_iter_init(&it, &m);
	assert_int_equal(wire_iter_next(&it, f), 1);
	assert_string_equal(f[0].s, names[0]);
	free(body);

	/* A type without a list has no items. */
	buf_reset(&b);
	wire_begin(&e, &b, WT_SESSION, 1);
	wire_put_token(&e, tok);
	wire_put_id(&e, "x");
	wire_put_blob(&e, tkey, TICKET_KEY_LEN);
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.nf, 3);
	assert_int_equal(m.nitems, 0);
	wire_iter_init(&it, &m);
	assert_int_equal(wire_iter_next(&it, f), 0);
	free(body);
	buf_free(&b);
}

/*
 * FILE's items have two fields, an address and its ticket: wire_iter
 * hands over both at each step, pointing into the frame, and fills no
 * more than those two (a caller's array of two is enough).
 */
static void
test_iter_file_sources(void **state)
{
	static const char *addrs[] = { "127.0.0.1:7001", "[::1]:7002", "",
	    "peer.example:65535" };
	static const uint32_t tlen[] = { WIRE_TICKET_LEN, WIRE_TICKET_LEN, 0,
	    WIRE_TICKET_LEN + 3 };
	const size_t nsrc = sizeof(addrs) / sizeof(addrs[0]);
	uint8_t tickets[4][WIRE_TICKET_LEN + 3];
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct wire_msg m;
	struct wire_enc e;
	struct buf b;
	uint8_t *body;
	size_t i, off, fixed;

	(void)state;
	for (i = 0; i < nsrc; i++)
		fill(tickets[i], sizeof(tickets[i]), 40 + (uint32_t)i);
	buf_init(&b, 4096);
	wire_begin(&e, &b, WT_FILE, 1);
	wire_put_str(&e, "a.bin");
	wire_put_u64(&e, WIRE_PIECE_LEN);
	wire_put_hash(&e, sha);
	wire_put_hashes(&e, sha, 1);
	for (i = 0; i < nsrc; i++) {
		wire_put_str(&e, addrs[i]);
		wire_put_blob(&e, tickets[i], tlen[i]);
	}
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	fixed = 2 + 5 + 1 + 8 + WIRE_HASH_LEN + 4 + WIRE_HASH_LEN;
	assert_int_equal(m.nf, 4);
	assert_int_equal(m.nitems, nsrc);
	assert_ptr_equal(m.items, body + fixed);
	assert_int_equal(m.items_len, m.h.len - fixed);
	wire_iter_init(&it, &m);
	off = fixed;
	for (i = 0; i < nsrc; i++) {
		memset(f, 0xa5, sizeof(f));
		assert_int_equal(wire_iter_next(&it, f), 1);
		assert_ptr_equal(f[0].s, (const char *)body + off + 2);
		assert_string_equal(f[0].s, addrs[i]);
		assert_int_equal(f[0].n, strlen(addrs[i]));
		assert_null(f[0].p);
		off += 2 + strlen(addrs[i]) + 1;
		assert_int_equal(be32(body + off), tlen[i]);
		assert_int_equal(f[1].n, tlen[i]);
		assert_null(f[1].s);
		if (tlen[i] > 0) {
			assert_ptr_equal(f[1].p, body + off + 4);
			assert_memory_equal(f[1].p, tickets[i], tlen[i]);
		}
		off += 4 + tlen[i];
		/* Nothing written past the item's two fields. */
		assert_true(f[2].u == 0xa5a5a5a5a5a5a5a5ull);
		assert_int_equal(f[2].n, 0xa5a5a5a5u);
	}
	assert_int_equal(off, m.h.len);
	assert_int_equal(wire_iter_next(&it, f), 0);
	assert_int_equal(wire_iter_next(&it, f), 0);
	/* Walking again from the start gives the same. */
	wire_iter_init(&it, &m);
	assert_int_equal(wire_iter_next(&it, f), 1);
	assert_string_equal(f[0].s, addrs[0]);
	assert_int_equal(f[1].n, WIRE_TICKET_LEN);
	assert_memory_equal(f[1].p, tickets[0], WIRE_TICKET_LEN);
	free(body);
	buf_free(&b);
}

/* Tests: HELLO. */

static void
hello_raw(struct buf *b, uint32_t magic, uint16_t version, uint8_t role)
{
	struct wire_enc e;

	buf_reset(b);
	wire_begin(&e, b, WT_HELLO, 0);
	wire_put_u32(&e, magic);
	wire_put_u16(&e, version);
	wire_put_u8(&e, role);
	wire_put_str(&e, "other/9");
	assert_int_equal(wire_end(&e), 0);
}

/* A frame encoded once is sent again, whole, under each request's id. */
static void
test_resend(void **state)
{
	struct buf frame, out;
	struct wire_enc e;
	struct wire_msg m;
	uint8_t *body, pad[48];

	(void)state;
	buf_init(&frame, 1024);
	buf_init(&out, 64);
	wire_begin(&e, &frame, WT_NAMES, 0);
	wire_put_str(&e, "alpha");
	wire_put_str(&e, "beta");
	assert_int_equal(wire_end(&e), 0);
	/* Behind bytes already queued, with another id; the copy unchanged. */
	assert_int_equal(buf_append(&out, "x", 1), 0);
	buf_consume(&out, 1);
	assert_int_equal(wire_resend(&out, &frame, 0xdeadbeef), 0);
	assert_int_equal(buf_used(&out), buf_used(&frame));
	body = decode_ok(&out, &m);
	assert_int_equal(m.h.type, WT_NAMES);
	assert_int_equal(m.h.id, 0xdeadbeef);
	assert_int_equal(m.nitems, 2);
	free(body);
	assert_memory_equal((const uint8_t *)buf_head(&frame) + WIRE_HDR,
	    (const uint8_t *)buf_head(&out) + WIRE_HDR,
	    buf_used(&frame) - WIRE_HDR);
	assert_int_equal(((const uint8_t *)buf_head(&frame))[11], 0);
	/* Too big for what is left: refused, nothing appended. */
	buf_reset(&out);
	memset(pad, 'x', sizeof(pad));
	assert_int_equal(buf_append(&out, pad, sizeof(pad)), 0);
	assert_int_equal(wire_resend(&out, &frame, 1), -1);
	assert_int_equal(buf_used(&out), sizeof(pad));
	buf_free(&frame);
	buf_free(&out);
}

static void
test_hello_check(void **state)
{
	static const unsigned roles[] = {
		ROLE_CLIENT, ROLE_TRACKER, ROLE_PEER
	};
	struct wire_msg m;
	struct buf b;
	const char *why;
	uint8_t *body;
	size_t i, k;

	(void)state;
	buf_init(&b, 1024);
	for (i = 0; i < 3; i++) {
		buf_reset(&b);
		assert_int_equal(wire_hello(&b, roles[i]), 0);
		body = decode_ok(&b, &m);
		for (k = 0; k < 3; k++) {
			why = NULL;
			assert_int_equal(wire_hello_check(&m, roles[k], &why),
			    i == k ? 0 : -1);
			if (i != k)
				assert_non_null(why);
		}
		/* Role 0: any role will do. */
		assert_int_equal(wire_hello_check(&m, 0, &why), 0);
		free(body);
	}

	/* Another implementation's software string is fine. */
	hello_raw(&b, WIRE_MAGIC, WIRE_VERSION, ROLE_PEER);
	body = decode_ok(&b, &m);
	assert_int_equal(wire_hello_check(&m, ROLE_PEER, &why), 0);
	free(body);
	buf_free(&b);
}

static void
test_hello_check_rejects(void **state)
{
	struct wire_msg m;
	struct buf b;
	const char *why;
	uint8_t *body;

	(void)state;
	buf_init(&b, 1024);
	hello_raw(&b, WIRE_MAGIC ^ 1, WIRE_VERSION, ROLE_PEER);
	body = decode_ok(&b, &m);
	why = NULL;
	assert_int_equal(wire_hello_check(&m, ROLE_PEER, &why), -1);
	assert_non_null(why);
	assert_int_equal(wire_hello_check(&m, 0, &why), -1);
	free(body);

	hello_raw(&b, 0x53503250u, WIRE_VERSION, ROLE_PEER);	/* swapped */
	body = decode_ok(&b, &m);
	assert_int_equal(wire_hello_check(&m, ROLE_PEER, &why), -1);
	free(body);

	hello_raw(&b, WIRE_MAGIC, WIRE_VERSION + 1, ROLE_PEER);
	body = decode_ok(&b, &m);
	why = NULL;
	assert_int_equal(wire_hello_check(&m, ROLE_PEER, &why), -1);
	assert_non_null(why);
	free(body);

	hello_raw(&b, WIRE_MAGIC, 0, ROLE_PEER);
	body = decode_ok(&b, &m);
	assert_int_equal(wire_hello_check(&m, 0, &why), -1);
	free(body);

	hello_raw(&b, WIRE_MAGIC, WIRE_VERSION, 0);
	body = decode_ok(&b, &m);
	assert_int_equal(wire_hello_check(&m, ROLE_CLIENT, &why), -1);
	free(body);

	/* Not a HELLO at all. */
	buf_reset(&b);
	assert_int_equal(wire_error(&b, 0, WE_PROTO, "x"), 0);
	body = decode_ok(&b, &m);
	why = NULL;
	assert_int_equal(wire_hello_check(&m, 0, &why), -1);
	assert_non_null(why);
	free(body);
	buf_free(&b);
}

/* Tests: the file-sharing types (tracker side). */

static void
files_roundtrip(unsigned n)
{
	static const uint64_t sizes[] = { 0, 1, WIRE_PIECE_LEN,
	    WIRE_PIECE_LEN + 1ull, 0xffffffffull + 1, UINT64_MAX };
	struct wire_field f[WIRE_MAX_FIELDS];
	uint8_t h[WIRE_HASH_LEN];
	struct wire_msg m;
	struct wire_iter it;
	struct wire_enc e;
	struct buf b;
	char name[64];
	uint8_t *body;
	unsigned i;

	buf_init(&b, 1024 * 1024);
	wire_begin(&e, &b, WT_FILES, 100 + n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), i == 1 ? "" : "file %u.bin", i);
		fill(h, sizeof(h), i);
		wire_put_str(&e, name);
		wire_put_u64(&e, sizes[i % 6] ^ i);
		wire_put_hash(&e, h);
	}
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_FILES);
	assert_int_equal(m.h.id, 100 + n);
	assert_int_equal(m.nf, 0);
	assert_int_equal(m.nitems, n);
	wire_iter_init(&it, &m);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), i == 1 ? "" : "file %u.bin", i);
		fill(h, sizeof(h), i);
		assert_int_equal(wire_iter_next(&it, f), 1);
		assert_string_equal(f[0].s, name);
		assert_int_equal(f[0].n, strlen(name));
		assert_true(f[1].u == (sizes[i % 6] ^ i));
		assert_int_equal(f[2].n, WIRE_HASH_LEN);
		assert_memory_equal(f[2].p, h, WIRE_HASH_LEN);
	}
	assert_int_equal(wire_iter_next(&it, f), 0);
	free(body);
	buf_free(&b);
}

static void
test_roundtrip_files(void **state)
{
	(void)state;
	files_roundtrip(0);
	files_roundtrip(1);
	files_roundtrip(2);
	files_roundtrip(7);
	files_roundtrip(500);
}

static void
src_addr(char *s, size_t size, unsigned i)
{
	snprintf(s, size, "10.0.%u.%u:%u", i / 256, i % 256, 6000 + i);
}

/* Source i's ticket: each one different. */
static void
src_ticket(uint8_t t[WIRE_TICKET_LEN], unsigned i)
{
	fill(t, WIRE_TICKET_LEN, 7000 + i);
	put_be64(t, 1700000000ull + i);		/* expiry */
}

/* A FILE with nh piece hashes and ns sources, each with its ticket. */
static void
file_roundtrip(uint32_t nh, unsigned ns)
{
	struct wire_field f[WIRE_MAX_FIELDS];
	uint8_t tk[WIRE_TICKET_LEN];
	struct wire_msg m;
	struct wire_iter it;
	struct wire_enc e;
	struct buf b;
	char src[32];
	uint8_t *hashes, *body;
	size_t want, fixed;
	unsigned i;

	hashes = malloc((size_t)nh * WIRE_HASH_LEN + 1);
	assert_non_null(hashes);
	fill(hashes, (size_t)nh * WIRE_HASH_LEN, nh);
	buf_init(&b, WIRE_HDR + (size_t)wire_max_body(WT_FILE));
	wire_begin(&e, &b, WT_FILE, nh);
	wire_put_str(&e, "movie.mkv");
	wire_put_u64(&e, (uint64_t)nh * WIRE_PIECE_LEN - (nh > 0));
	wire_put_hash(&e, sha);
	wire_put_hashes(&e, hashes, nh);
	want = 2 + 9 + 1 + 8 + WIRE_HASH_LEN + 4 + (size_t)nh * WIRE_HASH_LEN;
	fixed = want;
	for (i = 0; i < ns; i++) {
		src_addr(src, sizeof(src), i);
		src_ticket(tk, i);
		wire_put_str(&e, src);
		wire_put_blob(&e, tk, WIRE_TICKET_LEN);
		want += 2 + strlen(src) + 1 + 4 + WIRE_TICKET_LEN;
	}
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_FILE);
	assert_int_equal(m.h.len, want);
	assert_int_equal(m.nf, 4);
	assert_string_equal(m.f[0].s, "movie.mkv");
	assert_true(m.f[1].u == (uint64_t)nh * WIRE_PIECE_LEN - (nh > 0));
	assert_int_equal(m.f[2].n, WIRE_HASH_LEN);
	assert_memory_equal(m.f[2].p, sha, WIRE_HASH_LEN);
	assert_int_equal(m.f[3].n, nh);
	if (nh > 0)
		assert_memory_equal(m.f[3].p, hashes,
		    (size_t)nh * WIRE_HASH_LEN);
	assert_int_equal(m.nitems, ns);
	assert_ptr_equal(m.items, body + fixed);
	assert_int_equal(m.items_len, want - fixed);
	wire_iter_init(&it, &m);
	for (i = 0; i < ns; i++) {
		src_addr(src, sizeof(src), i);
		src_ticket(tk, i);
		assert_int_equal(wire_iter_next(&it, f), 1);
		assert_string_equal(f[0].s, src);
		assert_int_equal(f[0].n, strlen(src));
		assert_int_equal(f[1].n, WIRE_TICKET_LEN);
		assert_memory_equal(f[1].p, tk, WIRE_TICKET_LEN);
		assert_true(f[1].p > (const uint8_t *)f[0].s &&
		    f[1].p + WIRE_TICKET_LEN <= body + want);
	}
	assert_int_equal(wire_iter_next(&it, f), 0);
	free(body);
	buf_free(&b);
	free(hashes);
}

static void
test_roundtrip_file(void **state)
{
	(void)state;
	file_roundtrip(0, 0);
	file_roundtrip(0, 3);
	file_roundtrip(1, 0);
	file_roundtrip(1, 1);
	file_roundtrip(5, 2);
	file_roundtrip(300, 40);
	file_roundtrip(2, 1000);
	/* The most hashes a field may carry still fits FILE's ceiling,
	   sources and tickets included. */
	file_roundtrip(WIRE_HASHES_MAX, 2);
	file_roundtrip(WIRE_HASHES_MAX, 1000);
}

/* A FILE body announcing one hash too many is refused by its count. */
static void
test_decode_too_many_hashes(void **state)
{
	static const uint8_t head[] = {
		0x00, 0x01, 'f', 0x00,			/* name */
		0, 0, 0, 0, 0, 0, 0, 1,			/* size */
	};
	uint8_t body[sizeof(head) + WIRE_HASH_LEN + 4 + WIRE_HASH_LEN];
	const char *why;
	uint8_t *big;
	size_t n, big_len;

	(void)state;
	memcpy(body, head, sizeof(head));
	n = sizeof(head);
	memcpy(body + n, sha, WIRE_HASH_LEN);
	n += WIRE_HASH_LEN;
	put_be32(body + n, 1);
	memcpy(body + n + 4, sha, WIRE_HASH_LEN);
	assert_int_equal(decode_raw(WT_FILE, body, sizeof(body), &why), 0);
	put_be32(body + n, 2);		/* runs past the body */
	assert_int_equal(decode_raw(WT_FILE, body, sizeof(body), &why), -1);
	put_be32(body + n, WIRE_HASHES_MAX + 1);
	assert_int_equal(decode_raw(WT_FILE, body, sizeof(body), &why), -1);
	put_be32(body + n, 0xffffffffu);
	assert_int_equal(decode_raw(WT_FILE, body, sizeof(body), &why), -1);

	/* Every hash really there, within FILE's ceiling: one over the
	   limit is refused all the same; the limit itself is fine. */
	big_len = n + 4 + ((size_t)WIRE_HASHES_MAX + 1) * WIRE_HASH_LEN;
	assert_true(big_len <= wire_max_body(WT_FILE));
	big = calloc(1, big_len);
	assert_non_null(big);
	memcpy(big, body, n);
	put_be32(big + n, WIRE_HASHES_MAX + 1);
	assert_int_equal(decode_raw(WT_FILE, big, big_len, &why), -1);
	put_be32(big + n, WIRE_HASHES_MAX);
	assert_int_equal(decode_raw(WT_FILE, big, big_len - WIRE_HASH_LEN,
	    &why), 0);
	free(big);
}

/*
 * The encoder refuses one hash over WIRE_HASHES_MAX by its count, though
 * the buffer and FILE's ceiling would have room for the bytes.
 */
static void
test_encode_too_many_hashes(void **state)
{
	const size_t nb = ((size_t)WIRE_HASHES_MAX + 1) * WIRE_HASH_LEN;
	uint8_t before[1024];
	struct wire_enc e;
	struct buf b;
	uint8_t *hashes;
	size_t n;

	(void)state;
	assert_true(2 + 1 + 1 + 8 + WIRE_HASH_LEN + 4 + nb <=
	    wire_max_body(WT_FILE));
	hashes = calloc(1, nb);
	assert_non_null(hashes);
	buf_init(&b, 1024 + WIRE_HDR + (size_t)wire_max_body(WT_FILE));
	assert_int_equal(wire_hello(&b, ROLE_CLIENT), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);
	wire_begin(&e, &b, WT_FILE, 1);
	wire_put_str(&e, "f");
	wire_put_u64(&e, 1);
	wire_put_hash(&e, sha);
	wire_put_hashes(&e, hashes, WIRE_HASHES_MAX + 1);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);
	/* One fewer is fine. */
	wire_begin(&e, &b, WT_FILE, 1);
	wire_put_str(&e, "f");
	wire_put_u64(&e, 1);
	wire_put_hash(&e, sha);
	wire_put_hashes(&e, hashes, WIRE_HASHES_MAX);
	assert_int_equal(wire_end(&e), 0);
	buf_free(&b);
	free(hashes);
}

static void
share_row(unsigned i, char *group, char *name, char *path, size_t size)
{
	snprintf(group, size, "group_%u", i % 3);
	snprintf(name, size, i % 4 == 2 ? "" : "name %u", i);
	snprintf(path, size, i % 5 == 3 ? "" : "/home/u/share/%u.dat", i);
}

static void
shares_roundtrip(unsigned n)
{
	struct wire_field f[WIRE_MAX_FIELDS];
	char group[48], name[48], path[48];
	uint8_t h[WIRE_HASH_LEN];
	struct wire_msg m;
	struct wire_iter it;
	struct wire_enc e;
	struct buf b;
	uint8_t *body;
	unsigned i;

	buf_init(&b, 1024 * 1024);
	wire_begin(&e, &b, WT_SHARES, 8);
	for (i = 0; i < n; i++) {
		share_row(i, group, name, path, sizeof(group));
		fill(h, sizeof(h), 1000 + i);
		wire_put_id(&e, group);
		wire_put_str(&e, name);
		wire_put_str(&e, path);
		wire_put_hash(&e, h);
		wire_put_u64(&e, (uint64_t)i * 1000003);
		wire_put_u64(&e, i % 2 ? UINT64_MAX - i : 1700000000ull + i);
	}
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_SHARES);
	assert_int_equal(m.nf, 0);
	assert_int_equal(m.nitems, n);
	wire_iter_init(&it, &m);
	for (i = 0; i < n; i++) {
		share_row(i, group, name, path, sizeof(group));
		fill(h, sizeof(h), 1000 + i);
		assert_int_equal(wire_iter_next(&it, f), 1);
		assert_string_equal(f[0].s, group);
		assert_string_equal(f[1].s, name);
		assert_string_equal(f[2].s, path);
		assert_int_equal(f[2].n, strlen(path));
		assert_memory_equal(f[3].p, h, WIRE_HASH_LEN);
		assert_true(f[4].u == (uint64_t)i * 1000003);
		assert_true(f[5].u ==
		    (i % 2 ? UINT64_MAX - i : 1700000000ull + i));
	}
	assert_int_equal(wire_iter_next(&it, f), 0);
	free(body);
	buf_free(&b);
}

static void
test_roundtrip_shares(void **state)
{
	(void)state;
	shares_roundtrip(0);
	shares_roundtrip(1);
	shares_roundtrip(6);
	shares_roundtrip(200);
}

/*
 * PEERS, a refresh's reply: the sha1, then sources as FILE's.  The most a
 * tracker sends, WIRE_SOURCES_MAX sources with the longest addresses a
 * client takes, fits its ceiling; one byte cut from any is refused.
 */
static void
test_roundtrip_peers(void **state)
{
	static const uint32_t counts[] = { 0, 1, WIRE_SOURCES_MAX };
	char addr[HOSTPORT_MAX];
	uint8_t tk[WIRE_TICKET_LEN];
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct wire_enc e;
	struct wire_msg m;
	struct wire_hdr h;
	struct buf b;
	const char *why;
	uint8_t *fb;
	uint32_t i, n;
	size_t k;

	(void)state;
	memset(addr, '7', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	for (i = 0; i < sizeof(tk); i++)
		tk[i] = (uint8_t)(i * 7);
	buf_init(&b, 2 * WIRE_CTRL_MAX);
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		buf_reset(&b);
		wire_begin(&e, &b, WT_PEERS, 5);
		wire_put_hash(&e, sha);
		for (i = 0; i < counts[k]; i++) {
			addr[0] = (char)('a' + i % 26);
			wire_put_str(&e, addr);
			wire_put_blob(&e, tk, sizeof(tk));
		}
		assert_int_equal(wire_end(&e), 0);
		fb = take_frame(&b, &h);
		assert_int_equal(h.type, WT_PEERS);
		assert_true(h.len <= wire_max_body(WT_PEERS));
		assert_int_equal(wire_decode(&h, fb, &m, &why), 0);
		assert_memory_equal(m.f[PEERS_SHA1].p, sha, WIRE_HASH_LEN);
		assert_int_equal(m.nitems, counts[k]);
		wire_iter_init(&it, &m);
		for (n = 0; wire_iter_next(&it, f); n++) {
			assert_int_equal(f[SOURCE_PEER].n, HOSTPORT_MAX - 1);
			assert_int_equal(f[SOURCE_PEER].s[0], 'a' + n % 26);
			assert_int_equal(f[SOURCE_TICKET].n, WIRE_TICKET_LEN);
			assert_memory_equal(f[SOURCE_TICKET].p, tk,
			    WIRE_TICKET_LEN);
		}
		assert_int_equal(n, counts[k]);
		if (counts[k] > 0) {
			struct wire_hdr hk = h;
			uint8_t *cut = dup_exact(fb, h.len - 1);

			hk.len = h.len - 1;
			assert_int_equal(wire_decode(&hk, cut, &m, &why), -1);
			free(cut);
		}
		free(fb);
	}
	/* The sha1 alone is a PEERS with no source; less is refused. */
	assert_int_equal(decode_raw(WT_PEERS, sha, WIRE_HASH_LEN, &why), 0);
	assert_int_equal(decode_raw(WT_PEERS, sha, WIRE_HASH_LEN - 1, &why),
	    -1);
	buf_free(&b);
}

static void
test_roundtrip_tracker_file_requests(void **state)
{
	static const unsigned t_only[] = { WT_PING, WT_MY_SHARES };
	static const unsigned tis[] = { WT_FILE_INFO, WT_SHARE,
	    WT_STOP_SHARE, WT_SOURCES };
	static const uint32_t nhs[] = { 0, 1, 3 };
	uint8_t hashes[3 * WIRE_HASH_LEN];
	struct wire_enc e;
	struct wire_msg m;
	struct buf b;
	uint8_t *body;
	size_t i;

	(void)state;
	buf_init(&b, 64 * 1024);
	for (i = 0; i < sizeof(t_only) / sizeof(t_only[0]); i++) {
		buf_reset(&b);
		wire_begin(&e, &b, t_only[i], 11);
		wire_put_token(&e, tok);
		assert_int_equal(wire_end(&e), 0);
		body = decode_ok(&b, &m);
		assert_int_equal(m.h.type, t_only[i]);
		assert_int_equal(m.h.len, WIRE_TOKEN_LEN);
		assert_int_equal(m.nf, 1);
		assert_memory_equal(m.f[0].p, tok, WIRE_TOKEN_LEN);
		free(body);
	}

	buf_reset(&b);
	wire_begin(&e, &b, WT_LIST_FILES, 12);
	wire_put_token(&e, tok);
	wire_put_id(&e, "grp");
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_LIST_FILES);
	assert_int_equal(m.nf, 2);
	assert_string_equal(m.f[1].s, "grp");
	free(body);

	for (i = 0; i < sizeof(tis) / sizeof(tis[0]); i++) {
		buf_reset(&b);
		wire_begin(&e, &b, tis[i], 13);
		wire_put_token(&e, tok);
		wire_put_id(&e, "g.1");
		wire_put_str(&e, i == 1 ? "" : "some file name.txt");
		assert_int_equal(wire_end(&e), 0);
		body = decode_ok(&b, &m);
		assert_int_equal(m.h.type, tis[i]);
		assert_int_equal(m.nf, 3);
		assert_memory_equal(m.f[0].p, tok, WIRE_TOKEN_LEN);
		assert_string_equal(m.f[1].s, "g.1");
		assert_string_equal(m.f[2].s,
		    i == 1 ? "" : "some file name.txt");
		free(body);
	}

	fill(hashes, sizeof(hashes), 77);
	for (i = 0; i < sizeof(nhs) / sizeof(nhs[0]); i++) {
		buf_reset(&b);
		wire_begin(&e, &b, WT_UPLOAD, 14);
		wire_put_token(&e, tok);
		wire_put_id(&e, "team");
		wire_put_str(&e, "report.pdf");
		wire_put_u64(&e, 1234567);
		wire_put_hash(&e, sha);
		wire_put_hashes(&e, hashes, nhs[i]);
		wire_put_str(&e, "/tmp/report.pdf");
		wire_put_u64(&e, 1700000000);
		assert_int_equal(wire_end(&e), 0);
		body = decode_ok(&b, &m);
		assert_int_equal(m.h.type, WT_UPLOAD);
		assert_int_equal(m.nf, 8);
		assert_int_equal(m.nitems, 0);
		assert_memory_equal(m.f[0].p, tok, WIRE_TOKEN_LEN);
		assert_string_equal(m.f[1].s, "team");
		assert_string_equal(m.f[2].s, "report.pdf");
		assert_int_equal(m.f[3].u, 1234567);
		assert_memory_equal(m.f[4].p, sha, WIRE_HASH_LEN);
		assert_int_equal(m.f[5].n, nhs[i]);
		if (nhs[i] > 0)
			assert_memory_equal(m.f[5].p, hashes,
			    (size_t)nhs[i] * WIRE_HASH_LEN);
		assert_string_equal(m.f[6].s, "/tmp/report.pdf");
		assert_int_equal(m.f[7].u, 1700000000);
		free(body);
	}
	buf_free(&b);
}

/* Tests: the peer protocol. */

static void
test_roundtrip_peer(void **state)
{
	static const unsigned huuu[] = { WT_P_REQUEST, WT_P_CANCEL };
	static const uint32_t bflen[] = { 0, 1, 7, WIRE_HASHES_MAX / 8 };
	static uint8_t bits[WIRE_HASHES_MAX / 8];
	/* WANT's ticket: its size, then the lengths the codec also carries
	   (the serving peer checks the length): none, one short, one long,
	   and the most that fits the ceiling. */
	const uint32_t most = wire_max_body(WT_P_WANT) - WIRE_HASH_LEN - 4;
	const uint32_t tlen[] = { WIRE_TICKET_LEN, 0, WIRE_TICKET_LEN - 1,
	    WIRE_TICKET_LEN + 1, most };
	uint8_t tk[256];
	struct wire_enc e;
	struct wire_msg m;
	struct buf b;
	uint8_t *body;
	size_t i;

	(void)state;
	buf_init(&b, 64 * 1024 + WIRE_HDR);

	assert_true(most >= WIRE_TICKET_LEN && most < sizeof(tk));
	memcpy(tk, ticket, WIRE_TICKET_LEN);
	fill(tk + WIRE_TICKET_LEN, sizeof(tk) - WIRE_TICKET_LEN, 64);
	for (i = 0; i < sizeof(tlen) / sizeof(tlen[0]); i++) {
		buf_reset(&b);
		wire_begin(&e, &b, WT_P_WANT, 1);
		wire_put_hash(&e, sha);
		wire_put_blob(&e, tk, tlen[i]);
		assert_int_equal(wire_end(&e), 0);
		body = decode_ok(&b, &m);
		assert_int_equal(m.h.type, WT_P_WANT);
		assert_int_equal(m.h.id, 1);
		assert_int_equal(m.h.len, WIRE_HASH_LEN + 4 + tlen[i]);
		assert_int_equal(m.nf, 2);
		assert_int_equal(m.nitems, 0);
		assert_int_equal(m.f[0].n, WIRE_HASH_LEN);
		assert_memory_equal(m.f[0].p, sha, WIRE_HASH_LEN);
		assert_int_equal(be32(body + WIRE_HASH_LEN), tlen[i]);
		assert_int_equal(m.f[1].n, tlen[i]);
		if (tlen[i] > 0) {
			assert_ptr_equal(m.f[1].p, body + WIRE_HASH_LEN + 4);
			assert_memory_equal(m.f[1].p, tk, tlen[i]);
		}
		free(body);
	}
	/* One byte more passes the ceiling: refused, nothing left. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, "x", 1), 0);
	wire_begin(&e, &b, WT_P_WANT, 1);
	wire_put_hash(&e, sha);
	wire_put_blob(&e, tk, most + 1);
	assert_int_equal(wire_end(&e), -1);
	assert_int_equal(buf_used(&b), 1);
	assert_memory_equal(buf_head(&b), "x", 1);

	fill(bits, sizeof(bits), 3);
	for (i = 0; i < sizeof(bflen) / sizeof(bflen[0]); i++) {
		buf_reset(&b);
		wire_begin(&e, &b, WT_P_BITFIELD, 2);
		wire_put_hash(&e, sha);
		wire_put_blob(&e, bits, bflen[i]);
		assert_int_equal(wire_end(&e), 0);
		body = decode_ok(&b, &m);
		assert_int_equal(m.h.type, WT_P_BITFIELD);
		assert_int_equal(m.h.len, WIRE_HASH_LEN + 4 + bflen[i]);
		assert_int_equal(m.nf, 2);
		assert_memory_equal(m.f[0].p, sha, WIRE_HASH_LEN);
		assert_int_equal(m.f[1].n, bflen[i]);
		if (bflen[i] > 0)
			assert_memory_equal(m.f[1].p, bits, bflen[i]);
		free(body);
	}

	buf_reset(&b);
	wire_begin(&e, &b, WT_P_HAVE, 3);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 0xfffffffeu);
	assert_int_equal(wire_end(&e), 0);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_P_HAVE);
	assert_int_equal(m.nf, 2);
	assert_int_equal(m.f[1].u, 0xfffffffeu);
	free(body);

	for (i = 0; i < sizeof(huuu) / sizeof(huuu[0]); i++) {
		buf_reset(&b);
		wire_begin(&e, &b, huuu[i], 4);
		wire_put_hash(&e, sha);
		wire_put_u32(&e, 0xffffffffu);
		wire_put_u32(&e, WIRE_PIECE_LEN - 16384);
		wire_put_u32(&e, 16384);
		assert_int_equal(wire_end(&e), 0);
		body = decode_ok(&b, &m);
		assert_int_equal(m.h.type, huuu[i]);
		assert_int_equal(m.h.len, WIRE_HASH_LEN + 12);
		assert_int_equal(m.nf, 4);
		assert_memory_equal(m.f[0].p, sha, WIRE_HASH_LEN);
		assert_int_equal(m.f[1].u, 0xffffffffu);
		assert_int_equal(m.f[2].u, WIRE_PIECE_LEN - 16384);
		assert_int_equal(m.f[3].u, 16384);
		free(body);
	}
	buf_free(&b);
}

/* A P_PIECE carrying n data bytes, buffered (wire_put_rest). */
static void
piece_roundtrip(uint32_t n)
{
	struct wire_msg m;
	struct wire_enc e;
	struct buf b;
	uint8_t *data, *body;

	data = malloc((size_t)n + 1);
	assert_non_null(data);
	fill(data, n, n);
	buf_init(&b, WIRE_HDR + PIECE_FIXED + (size_t)WIRE_BLOCK_MAX);
	wire_begin(&e, &b, WT_P_PIECE, n);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 17);
	wire_put_u32(&e, WIRE_PIECE_LEN - n);
	wire_put_rest(&e, data, n);
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(buf_used(&b), WIRE_HDR + PIECE_FIXED + (size_t)n);
	body = decode_ok(&b, &m);
	assert_int_equal(m.h.type, WT_P_PIECE);
	assert_int_equal(m.h.id, n);
	assert_int_equal(m.h.len, PIECE_FIXED + n);
	assert_int_equal(m.nf, 4);
	assert_int_equal(m.nitems, 0);
	assert_memory_equal(m.f[0].p, sha, WIRE_HASH_LEN);
	assert_int_equal(m.f[1].u, 17);
	assert_int_equal(m.f[2].u, WIRE_PIECE_LEN - n);
	assert_int_equal(m.f[3].n, n);
	if (n > 0) {
		/* Straight into the frame, no copy. */
		assert_ptr_equal(m.f[3].p, body + PIECE_FIXED);
		assert_memory_equal(m.f[3].p, data, n);
	}
	free(body);
	buf_free(&b);
	free(data);
}

static void
test_roundtrip_piece(void **state)
{
	(void)state;
	piece_roundtrip(0);
	piece_roundtrip(1);
	piece_roundtrip(2);
	piece_roundtrip(16384);
	piece_roundtrip(WIRE_BLOCK_MAX - 1);
	piece_roundtrip(WIRE_BLOCK_MAX);
}

static void
test_encode_piece_over_ceiling(void **state)
{
	uint8_t before[1024];
	struct wire_enc e;
	struct buf b;
	uint8_t *data;
	size_t n;

	(void)state;
	data = calloc(1, (size_t)WIRE_BLOCK_MAX + 1);
	assert_non_null(data);
	/* Room in the buffer: the ceiling, not the buffer, refuses. */
	buf_init(&b, 1024 + WIRE_HDR + PIECE_FIXED + (size_t)WIRE_BLOCK_MAX);
	assert_int_equal(wire_hello(&b, ROLE_PEER), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);
	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 0);
	wire_put_rest(&e, data, WIRE_BLOCK_MAX + 1);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);
	buf_free(&b);
	free(data);
}

/* P_PIECE one byte over its ceiling: refused from the header alone. */
static void
test_frame_piece_over_ceiling(void **state)
{
	const uint32_t max = PIECE_FIXED + WIRE_BLOCK_MAX;
	struct wire_hdr h;
	struct wire_msg m;
	const char *why;
	uint8_t *p;

	(void)state;
	assert_int_equal(wire_max_body(WT_P_PIECE), max);
	assert_int_equal(frame_hdr_only(max + 1, WT_P_PIECE, 0, &why),
	    WIRE_BAD);
	assert_int_equal(frame_hdr_only(max, WT_P_PIECE, 0, &why),
	    WIRE_NEED_MORE);
	assert_int_equal(frame_hdr_only(PIECE_FIXED, WT_P_PIECE, 0, &why),
	    WIRE_NEED_MORE);
	/* Still BAD with every byte present. */
	p = calloc(1, WIRE_HDR + (size_t)max + 1);
	assert_non_null(p);
	mk_hdr(p, max + 1, WT_P_PIECE, 0, 5);
	why = NULL;
	assert_int_equal(wire_frame(p, WIRE_HDR + (size_t)max + 1, &h, &why),
	    WIRE_BAD);
	assert_non_null(why);
	mk_hdr(p, max, WT_P_PIECE, 0, 5);
	assert_int_equal(wire_frame(p, WIRE_HDR + (size_t)max + 1, &h, &why),
	    WIRE_OK);
	assert_int_equal(h.len, max);
	/* And wire_decode agrees, whatever the header said. */
	h.len = max + 1;
	why = NULL;
	assert_int_equal(wire_decode(&h, p + WIRE_HDR, &m, &why), -1);
	assert_non_null(why);
	h.len = max;
	assert_int_equal(wire_decode(&h, p + WIRE_HDR, &m, &why), 0);
	assert_int_equal(m.f[3].n, WIRE_BLOCK_MAX);
	free(p);
}

/* 'R' decodes to every byte left, including none, whatever they are. */
static void
test_decode_rest(void **state)
{
	static const uint8_t odd[] = { 0x00, 0xff, 0x00, '\n', 0x80 };
	struct wire_hdr h = { PIECE_FIXED, WT_P_PIECE, 0, 1 };
	struct wire_msg m;
	const char *why;
	uint8_t *body;
	size_t k;

	(void)state;
	/* Empty rest. */
	body = malloc(PIECE_FIXED);
	assert_non_null(body);
	memcpy(body, sha, WIRE_HASH_LEN);
	put_be32(body + WIRE_HASH_LEN, 9);
	put_be32(body + WIRE_HASH_LEN + 4, 4096);
	why = NULL;
	if (wire_decode(&h, body, &m, &why) != 0)
		fail_msg("empty rest: %s", why);
	assert_int_equal(m.nf, 4);
	assert_int_equal(m.f[1].u, 9);
	assert_int_equal(m.f[2].u, 4096);
	assert_int_equal(m.f[3].n, 0);
	assert_null(m.f[3].s);
	/* No bytes to point at: nothing, or the end of the body. */
	assert_true(m.f[3].p == NULL || m.f[3].p == body + PIECE_FIXED);
	assert_int_equal(m.nitems, 0);
	free(body);

	/* NULs, high bytes, a newline: raw. */
	for (k = 1; k <= sizeof(odd); k++) {
		body = malloc(PIECE_FIXED + k);
		assert_non_null(body);
		memset(body, 0, PIECE_FIXED);
		memcpy(body + PIECE_FIXED, odd, k);
		h.len = (uint32_t)(PIECE_FIXED + k);
		why = NULL;
		assert_int_equal(wire_decode(&h, body, &m, &why), 0);
		assert_int_equal(m.f[3].n, k);
		assert_ptr_equal(m.f[3].p, body + PIECE_FIXED);
		assert_memory_equal(m.f[3].p, odd, k);
		free(body);
	}
}

/* The encoder and the 'R' letter. */
static void
test_encode_rest_mismatch(void **state)
{
	uint8_t before[1024];
	struct wire_enc e;
	struct buf b;
	size_t n;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(wire_hello(&b, ROLE_PEER), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);

	/* 'R' where the format has a blob, a u32, or nothing. */
	wire_begin(&e, &b, WT_P_BITFIELD, 1);
	wire_put_hash(&e, sha);
	wire_put_rest(&e, "ab", 2);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 0);
	wire_put_rest(&e, "ab", 2);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_OK, 1);
	wire_put_rest(&e, "", 0);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* A list of strings is not a rest. */
	wire_begin(&e, &b, WT_NAMES, 1);
	wire_put_rest(&e, "\0\0\0", 3);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* Nothing may follow the rest, not even another rest. */
	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 0);
	wire_put_rest(&e, "ab", 2);
	wire_put_rest(&e, "cd", 2);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 0);
	wire_put_rest(&e, "ab", 2);
	wire_put_u8(&e, 0);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* The rest is a field like any other: even empty, it is put. */
	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 0);
	assert_int_equal(wire_end(&e), -1);
	expect_only_hello(&b, before, n);

	/* And then it is fine. */
	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 0);
	wire_put_u32(&e, 0);
	wire_put_rest(&e, "", 0);
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(buf_used(&b), n + WIRE_HDR + PIECE_FIXED);
	buf_free(&b);
}

/* Tests: wire_end_external. */

/* Begin a P_PIECE in b with its three fixed fields. */
static void
piece_head(struct wire_enc *e, struct buf *b, uint32_t id)
{
	wire_begin(e, b, WT_P_PIECE, id);
	wire_put_hash(e, sha);
	wire_put_u32(e, 3);
	wire_put_u32(e, 65536);
}

static void
test_end_external(void **state)
{
	static const uint32_t lens[] = { 0, 1, 2, 4096, 16384,
	    WIRE_BLOCK_MAX - 1, WIRE_BLOCK_MAX };
	struct wire_hdr h;
	struct wire_msg m;
	struct wire_enc e;
	struct buf b;
	const char *why;
	uint8_t *data, *frame;
	size_t i, pre;

	(void)state;
	data = malloc(WIRE_BLOCK_MAX);
	assert_non_null(data);
	fill(data, WIRE_BLOCK_MAX, 99);
	buf_init(&b, 4096);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* Some bytes before the frame, part of them consumed. */
		buf_reset(&b);
		assert_int_equal(buf_append(&b, "0123456789", 10), 0);
		buf_consume(&b, 3 + i % 4);
		pre = buf_used(&b);
		piece_head(&e, &b, (uint32_t)i);
		assert_int_equal(wire_end_external(&e, lens[i]), 0);
		/* The buffer holds the header and fixed fields only. */
		assert_int_equal(buf_used(&b), pre + WIRE_HDR + PIECE_FIXED);
		assert_memory_equal(buf_head(&b), "0123456789" + 10 - pre,
		    pre);
		/* The header counts the external bytes. */
		why = NULL;
		assert_int_equal(wire_frame(buf_head(&b) + pre,
		    WIRE_HDR + PIECE_FIXED, &h, &why),
		    lens[i] == 0 ? WIRE_OK : WIRE_NEED_MORE);
		assert_int_equal(h.len, PIECE_FIXED + lens[i]);
		assert_int_equal(h.type, WT_P_PIECE);
		assert_int_equal(h.flags, 0);
		assert_int_equal(h.id, i);

		/* With the data sent after it, it is a whole frame that
		   decodes to those bytes. */
		frame = malloc(WIRE_HDR + PIECE_FIXED + (size_t)lens[i]);
		assert_non_null(frame);
		memcpy(frame, buf_head(&b) + pre, WIRE_HDR + PIECE_FIXED);
		if (lens[i] > 0)
			memcpy(frame + WIRE_HDR + PIECE_FIXED, data, lens[i]);
		assert_int_equal(wire_frame(frame, WIRE_HDR + PIECE_FIXED +
		    (size_t)lens[i], &h, &why), WIRE_OK);
		if (wire_decode(&h, frame + WIRE_HDR, &m, &why) != 0)
			fail_msg("external %u: %s", lens[i], why);
		assert_memory_equal(m.f[0].p, sha, WIRE_HASH_LEN);
		assert_int_equal(m.f[1].u, 3);
		assert_int_equal(m.f[2].u, 65536);
		assert_int_equal(m.f[3].n, lens[i]);
		if (lens[i] > 0)
			assert_memory_equal(m.f[3].p, data, lens[i]);
		/* The same bytes as buffering the data would give. */
		if (lens[i] <= 2048) {
			struct buf b2;

			buf_init(&b2, 4096);
			piece_head(&e, &b2, (uint32_t)i);
			wire_put_rest(&e, data, lens[i]);
			assert_int_equal(wire_end(&e), 0);
			assert_int_equal(buf_used(&b2), WIRE_HDR +
			    PIECE_FIXED + (size_t)lens[i]);
			assert_memory_equal(buf_head(&b2), frame,
			    buf_used(&b2));
			buf_free(&b2);
		}
		free(frame);
	}
	buf_free(&b);
	free(data);
}

static void
test_end_external_refused(void **state)
{
	static struct msgval mv;
	uint8_t before[1024];
	struct wire_enc e;
	struct buf b;
	unsigned t;
	size_t n, i;

	(void)state;
	rng_seed(0x65787465ull);
	buf_init(&b, 64 * 1024);
	assert_int_equal(wire_hello(&b, ROLE_PEER), 0);
	n = buf_used(&b);
	memcpy(before, buf_head(&b), n);

	/* Every type whose format does not end in 'R', its fields all
	   put (a list with and without items): refused. */
	for (t = 0; t < WT_TYPE_MAX; t++) {
		const char *fmt = type_fmt(t);

		if (fmt == NULL || (*fmt != '\0' &&
		    fmt[strlen(fmt) - 1] == 'R'))
			continue;
		for (i = 0; i < 2; i++) {
			unsigned k, j;

			gen_msg(&mv, t, (unsigned)i * 2);
			wire_begin(&e, &b, t, 1);
			for (k = 0; k < mv.nf; k++)
				put_fval(&e, &mv.f[k]);
			for (k = 0; k < mv.nitems; k++)
				for (j = 0; j < mv.nrep; j++)
					put_fval(&e, &mv.items[k][j]);
			if (wire_end_external(&e, 0) != -1)
				fail_msg("%s: wire_end_external accepted",
				    wire_type_name(t));
			expect_only_hello(&b, before, n);
		}
	}

	/* P_PIECE with fields missing. */
	wire_begin(&e, &b, WT_P_PIECE, 1);
	assert_int_equal(wire_end_external(&e, 10), -1);
	expect_only_hello(&b, before, n);
	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	assert_int_equal(wire_end_external(&e, 10), -1);
	expect_only_hello(&b, before, n);
	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	wire_put_u32(&e, 1);
	assert_int_equal(wire_end_external(&e, 10), -1);
	expect_only_hello(&b, before, n);

	/* The rest already put in the buffer: not also external. */
	piece_head(&e, &b, 1);
	wire_put_rest(&e, "x", 1);
	assert_int_equal(wire_end_external(&e, 10), -1);
	expect_only_hello(&b, before, n);
	piece_head(&e, &b, 1);
	wire_put_rest(&e, "", 0);
	assert_int_equal(wire_end_external(&e, 0), -1);
	expect_only_hello(&b, before, n);

	/* An earlier put went wrong. */
	wire_begin(&e, &b, WT_P_PIECE, 1);
	wire_put_hash(&e, sha);
	wire_put_u8(&e, 1);
	wire_put_u32(&e, 1);
	assert_int_equal(wire_end_external(&e, 10), -1);
	expect_only_hello(&b, before, n);

	/* Over the ceiling: by one, by a lot, by wrapping 32 bits. */
	piece_head(&e, &b, 1);
	assert_int_equal(wire_end_external(&e, WIRE_BLOCK_MAX + 1), -1);
	expect_only_hello(&b, before, n);
	piece_head(&e, &b, 1);
	assert_int_equal(wire_end_external(&e, 0x80000000u), -1);
	expect_only_hello(&b, before, n);
	piece_head(&e, &b, 1);
	assert_int_equal(wire_end_external(&e, UINT32_MAX - PIECE_FIXED + 1),
	    -1);
	expect_only_hello(&b, before, n);
	piece_head(&e, &b, 1);
	assert_int_equal(wire_end_external(&e, UINT32_MAX), -1);
	expect_only_hello(&b, before, n);

	/* At the ceiling: fine. */
	piece_head(&e, &b, 1);
	assert_int_equal(wire_end_external(&e, WIRE_BLOCK_MAX), 0);
	assert_int_equal(buf_used(&b), n + WIRE_HDR + PIECE_FIXED);
	buf_free(&b);

	/* The buffer cannot hold even the fixed fields. */
	buf_init(&b, 16 + WIRE_HDR + 10);
	assert_int_equal(buf_append(&b, "sixteen bytes..", 16), 0);
	piece_head(&e, &b, 1);
	assert_int_equal(wire_end_external(&e, 1), -1);
	assert_int_equal(buf_used(&b), 16);
	assert_memory_equal(buf_head(&b), "sixteen bytes..", 16);
	buf_free(&b);
}

/* Randomized. */

static void
put_field(struct wire_enc *e, char c, const struct wire_field *f)
{
	switch (c) {
	case 'b': wire_put_u8(e, (uint8_t)f->u); break;
	case 'w': wire_put_u16(e, (uint16_t)f->u); break;
	case 'u': wire_put_u32(e, (uint32_t)f->u); break;
	case 'q': wire_put_u64(e, f->u); break;
	case 'i': wire_put_id(e, f->s); break;
	case 's': wire_put_str(e, f->s); break;
	case 'h': wire_put_hash(e, f->p); break;
	case 't': wire_put_token(e, f->p); break;
	case 'H': wire_put_hashes(e, f->p, f->n); break;
	case 'B': wire_put_blob(e, f->p, f->n); break;
	case 'R': wire_put_rest(e, f->p, f->n); break;
	default: fail_msg("format letter '%c' unknown to this test", c);
	}
}

/* Encode a decoded message again; it must give back frame[0..n). */
static void
reencode(const struct wire_msg *m, const uint8_t *frame, size_t n)
{
	struct wire_field items[WIRE_MAX_FIELDS];
	const char *fmt = type_fmt(m->h.type), *rep, *c;
	struct wire_iter it;
	struct wire_enc e;
	struct buf b;
	unsigned i;

	assert_non_null(fmt);
	rep = strchr(fmt, '*');
	buf_init(&b, WIRE_HDR + (size_t)wire_max_body(m->h.type));
	wire_begin(&e, &b, m->h.type, m->h.id);
	for (i = 0; i < m->nf; i++)
		put_field(&e, fmt[i], &m->f[i]);
	if (rep != NULL) {
		rep++;
		wire_iter_init(&it, m);
		while (wire_iter_next(&it, items))
			for (c = rep; *c != '\0'; c++)
				put_field(&e, *c, &items[c - rep]);
	}
	assert_int_equal(wire_end(&e), 0);
	assert_int_equal(buf_used(&b), n);
	assert_memory_equal(buf_head(&b), frame, n);
	buf_free(&b);
}

/*
 * Feed a byte stream as a connection would: frame, decode, re-encode, until
 * a BAD header or the end.  Every buffer handed over is an exact-size copy.
 * Returns the number of frames that decoded.
 */
static unsigned
feed(const uint8_t *data, size_t size)
{
	struct wire_hdr h;
	struct wire_msg m;
	enum wire_status st;
	const char *why;
	uint8_t *rest, *body;
	size_t off = 0;
	unsigned ok = 0;

	for (;;) {
		rest = dup_exact(data + off, size - off);
		why = NULL;
		st = wire_frame(rest, size - off, &h, &why);
		free(rest);
		if (st == WIRE_BAD)
			assert_non_null(why);
		if (st != WIRE_OK)
			break;
		assert_true(size - off >= WIRE_HDR + (size_t)h.len);
		assert_true(h.len <= wire_max_body(h.type));
		body = dup_exact(data + off + WIRE_HDR, h.len);
		why = NULL;
		if (wire_decode(&h, body, &m, &why) == 0) {
			reencode(&m, data + off, WIRE_HDR + (size_t)h.len);
			ok++;
		} else
			assert_non_null(why);
		free(body);
		off += WIRE_HDR + (size_t)h.len;
	}
	return ok;
}

static unsigned
random_type(void)
{
	unsigned t;

	do
		t = rng_below(WT_TYPE_MAX);
	while (wire_type_name(t) == NULL);
	return t;
}

static void
test_random_bytes(void **state)
{
	static uint8_t data[512];
	unsigned decoded = 0;
	uint32_t len;
	size_t n, i;
	int iter;

	(void)state;
	rng_seed(0x72616e64ull);
	for (iter = 0; iter < 3000; iter++) {
		n = rng_below(sizeof(data) + 1);
		for (i = 0; i < n; i++)
			data[i] = (uint8_t)rng();
		/* Sometimes mostly small bytes, to hit short lengths. */
		if (rng_below(3) == 0)
			for (i = 0; i < n; i++)
				data[i] &= rng_below(2) ? 0x03 : 0x7f;
		switch (rng_below(3)) {
		case 0:
			/* A plausible header over random body bytes. */
			if (n >= WIRE_HDR)
				mk_hdr(data, rng_below(2) ?
				    (uint32_t)(n - WIRE_HDR) :
				    rng_below((uint32_t)(n - WIRE_HDR) + 8),
				    (uint16_t)random_type(), 0, rng());
			break;
		case 1:
			/* A run of OK and LOGOUT frames, then random bytes. */
			for (i = 0; i + WIRE_HDR + WIRE_TOKEN_LEN <= n &&
			    rng_below(8) != 0; i += WIRE_HDR + len) {
				len = rng_below(2) ? 0 : WIRE_TOKEN_LEN;
				mk_hdr(data + i, len, len ? WT_LOGOUT : WT_OK,
				    0, rng());
			}
			break;
		default:
			break;		/* all random */
		}
		decoded += feed(data, n);
	}
	assert_true(decoded > 0);
}

static void
test_random_mutations(void **state)
{
	static struct msgval mv;
	static uint8_t data[8192];
	struct buf b;
	size_t n, k, i, pos;
	unsigned decoded = 0, t;
	int iter;

	(void)state;
	rng_seed(0x6d757461ull);
	buf_init(&b, sizeof(data));
	for (iter = 0; iter < 4000; iter++) {
		/* One to three valid frames back to back. */
		buf_reset(&b);
		for (k = 1 + rng_below(3); k > 0; k--) {
			t = random_type();
			gen_msg(&mv, t, rng_below(6));
			assert_int_equal(encode_msg(&b, &mv), 0);
		}
		n = buf_used(&b);
		memcpy(data, buf_head(&b), n);
		assert_true(feed(data, n) > 0);

		for (k = 1 + rng_below(3); k > 0; k--) {
			switch (rng_below(6)) {
			case 0:		/* bit flips */
			case 1:
				for (i = 1 + rng_below(3); i > 0; i--) {
					pos = rng_below((uint32_t)n);
					data[pos] ^=
					    (uint8_t)(1u << rng_below(8));
				}
				break;
			case 2:		/* truncate */
				n = rng_below((uint32_t)n + 1);
				break;
			case 3:		/* overwrite a byte */
				if (n > 0)
					data[rng_below((uint32_t)n)] =
					    (uint8_t)rng();
				break;
			case 4:		/* insert a byte */
				if (n < sizeof(data)) {
					pos = rng_below((uint32_t)n + 1);
					memmove(data + pos + 1, data + pos,
					    n - pos);
					data[pos] = (uint8_t)rng_below(4);
					n++;
				}
				break;
			case 5:		/* change a length field */
				if (n >= WIRE_HDR)
					put_be32(data, rng_below(2) ?
					    rng_below(256) : rng());
				break;
			}
		}
		decoded += feed(data, n);
	}
	/* The mutations must not all be trivially refused. */
	assert_true(decoded > 1000);
	buf_free(&b);
}

/*
 * The field names of wire.h against the formats: each layout's last name
 * is its format's last field (of the fixed part, or of a list's item).
 */
static size_t
fixed_len(unsigned type)
{
	const char *f = wire_format(type);

	assert_non_null(f);
	return strcspn(f, "*");
}

static size_t
item_len(unsigned type)
{
	const char *f = strchr(wire_format(type), '*');

	assert_non_null(f);
	return strlen(f + 1);
}

static void
test_field_names(void **state)
{
	static const unsigned grp_ops[] = { WT_OP_JOIN, WT_OP_ACCEPT,
	    WT_OP_REJECT, WT_OP_LEAVE, WT_OP_UPLOAD, WT_OP_SERVE, WT_OP_STOP,
	    WT_OP_UPDATE,
	    WT_S_R_MEMBER, WT_S_R_FILE, WT_S_R_SHARE, WT_S_R_SERVE,
	    WT_S_R_VERSION };
	size_t i;

	(void)state;
	assert_null(wire_format(0));
	assert_null(wire_format(WT_TYPE_MAX));
	assert_int_equal(fixed_len(WT_HELLO), HELLO_SOFTWARE + 1);
	assert_int_equal(fixed_len(WT_ERROR), ERROR_MSG + 1);
	assert_int_equal(item_len(WT_NAMES), NAMES_NAME + 1);
	assert_int_equal(fixed_len(WT_SESSION), SESSION_TICKET_KEY + 1);
	assert_int_equal(item_len(WT_FILES), FILES_SHA1 + 1);
	assert_int_equal(fixed_len(WT_FILE), FILE_PIECES + 1);
	assert_int_equal(item_len(WT_FILE), SOURCE_TICKET + 1);
	assert_int_equal(fixed_len(WT_PEERS), PEERS_SHA1 + 1);
	assert_int_equal(item_len(WT_PEERS), SOURCE_TICKET + 1);
	assert_int_equal(fixed_len(WT_SOURCES), REQ_NAME + 1);
	assert_string_equal(wire_format(WT_SOURCES) + REQ_NAME, "s");
	assert_int_equal(item_len(WT_SHARES), SHARES_MTIME + 1);
	assert_int_equal(fixed_len(WT_FOUND), FOUND_NEXT_NAME + 1);
	assert_int_equal(item_len(WT_FOUND), HIT_SHA1 + 1);
	assert_int_equal(fixed_len(WT_SEARCH), SEARCH_AFTER_NAME + 1);
	assert_int_equal(fixed_len(WT_CREATE_USER), ACCOUNT_PASSWORD + 1);
	assert_int_equal(fixed_len(WT_LOGIN), LOGIN_TOKEN + 1);
	assert_int_equal(fixed_len(WT_LOGOUT), REQ_TOKEN + 1);
	assert_int_equal(fixed_len(WT_CREATE_GROUP), REQ_GROUP + 1);
	assert_int_equal(fixed_len(WT_ACCEPT_REQUEST), REQ_USER + 1);
	assert_int_equal(fixed_len(WT_FILE_INFO), REQ_NAME + 1);
	assert_string_equal(wire_format(WT_FILE_INFO) + REQ_NAME, "s");
	assert_int_equal(fixed_len(WT_UPLOAD), UPLOAD_MTIME + 1);
	assert_int_equal(fixed_len(WT_UPDATE), UPDATE_PARENT + 1);
	assert_memory_equal(wire_format(WT_UPLOAD), wire_format(WT_UPDATE),
	    UPLOAD_MTIME + 1);
	assert_int_equal(item_len(WT_VERSIONS), VER_PARENT + 1);
	assert_int_equal(fixed_len(WT_LIST_VERSIONS), REQ_GROUP + 1);
	assert_int_equal(fixed_len(WT_NAMES_PAGE), PAGE_CURSOR + 1);
	assert_int_equal(item_len(WT_NAMES_PAGE), NAMES_NAME + 1);
	assert_int_equal(fixed_len(WT_FILES_PAGE), PAGE_CURSOR + 1);
	assert_int_equal(item_len(WT_FILES_PAGE), VER_PARENT + 1);
	assert_int_equal(fixed_len(WT_GROUPS_PAGE), PAGEREQ_GROUPS_CURSOR + 1);
	assert_int_equal(fixed_len(WT_REQUESTS_PAGE), PAGEREQ_CURSOR + 1);
	assert_int_equal(fixed_len(WT_FILES_PAGE_REQ), PAGEREQ_CURSOR + 1);
	assert_int_equal(fixed_len(WT_VERSIONS_PAGE), PAGEREQ_CURSOR + 1);
	assert_int_equal(fixed_len(WT_MY_SHARES_PAGE),
	    PAGEREQ_GROUPS_CURSOR + 1);
	assert_int_equal(fixed_len(WT_SHARES_PAGE), PAGE_CURSOR + 1);
	assert_int_equal(item_len(WT_SHARES_PAGE), SHARES_MTIME + 1);
	/* A page of shares: SHARES' items after NAMES_PAGE's fixed fields. */
	assert_string_equal(strchr(wire_format(WT_SHARES_PAGE), '*'),
	    wire_format(WT_SHARES));
	assert_memory_equal(wire_format(WT_SHARES_PAGE),
	    wire_format(WT_NAMES_PAGE), PAGE_CURSOR + 1);
	assert_int_equal(fixed_len(WT_SUBSCRIBE), REQ_GROUP + 1);
	assert_int_equal(fixed_len(WT_UNSUBSCRIBE), REQ_GROUP + 1);
	assert_int_equal(fixed_len(WT_CHANGED), CHANGED_GROUP + 1);
	assert_int_equal(fixed_len(WT_P_WANT), WANT_TICKET + 1);
	assert_int_equal(fixed_len(WT_P_BITFIELD), BITFIELD_BITS + 1);
	assert_int_equal(fixed_len(WT_P_HAVE), PEER_PIECE + 1);
	assert_int_equal(fixed_len(WT_P_REQUEST), BLOCK_LENGTH + 1);
	assert_int_equal(fixed_len(WT_P_CANCEL), BLOCK_LENGTH + 1);
	assert_int_equal(fixed_len(WT_P_PIECE), BLOCK_DATA + 1);
	assert_int_equal(fixed_len(WT_S_AUTH), AUTH_NONCE + 1);
	assert_int_equal(fixed_len(WT_S_PROOF), PROOF_MAC + 1);
	assert_int_equal(item_len(WT_S_HWM), HWM_SEQ + 1);
	assert_int_equal(item_len(WT_S_SNAP_END), HWM_STAMP + 1);
	assert_int_equal(fixed_len(WT_S_ACK), HWM_SEQ + 1);
	assert_int_equal(fixed_len(WT_S_OP), SOP_OP + 1);
	assert_int_equal(fixed_len(WT_S_ONLINE), ONLINE_KEY + 1);
	assert_int_equal(fixed_len(WT_OP_USER), USER_ITER + 1);
	assert_int_equal(fixed_len(WT_S_R_USER), RUSER_REQ + 1);
	assert_memory_equal(wire_format(WT_OP_USER), wire_format(WT_S_R_USER),
	    USER_ITER + 1);
	assert_int_equal(fixed_len(WT_OP_SESSION), SESS_PEER + 1);
	assert_int_equal(fixed_len(WT_OP_LOGIN), SESS_TKEY + 1);
	assert_int_equal(fixed_len(WT_S_R_SESSION), RSESS_ALIVE + 1);
	assert_memory_equal(wire_format(WT_OP_SESSION),
	    wire_format(WT_OP_LOGIN), SESS_PEER + 1);
	assert_memory_equal(wire_format(WT_OP_LOGIN),
	    wire_format(WT_S_R_SESSION), SESS_TKEY + 1);
	assert_int_equal(fixed_len(WT_OP_LOGOUT), LOGOUT_KEY + 1);
	assert_int_equal(fixed_len(WT_OP_GROUP), GROUP_EPOCH + 1);
	assert_int_equal(fixed_len(WT_S_R_GROUP), RGROUP_REQ + 1);
	assert_int_equal(fixed_len(WT_S_R_MARK), MARK_REQ + 1);
	assert_int_equal(fixed_len(WT_S_R_REQ), RREQ_AT + 1);
	for (i = 0; i < sizeof(grp_ops) / sizeof(grp_ops[0]); i++)
		assert_memory_equal(wire_format(grp_ops[i]), "iqu",
		    G_ORIGIN + 1);
	assert_int_equal(fixed_len(WT_OP_JOIN), MEM_EPOCH + 1);
	assert_int_equal(fixed_len(WT_S_R_MEMBER), RMEM_ORIGIN + 1);
	assert_memory_equal(wire_format(WT_OP_JOIN),
	    wire_format(WT_S_R_MEMBER), MEM_EPOCH + 1);
	assert_int_equal(fixed_len(WT_OP_UPLOAD), UP_KEY + 1);
	assert_int_equal(fixed_len(WT_S_R_FILE), RFILE_ORIGIN + 1);
	assert_int_equal(fixed_len(WT_OP_UPDATE), UP_PARENT + 1);
	assert_memory_equal(wire_format(WT_OP_UPLOAD),
	    wire_format(WT_OP_UPDATE), UP_KEY + 1);
	assert_memory_equal(wire_format(WT_OP_UPLOAD), wire_format(WT_S_R_FILE),
	    UP_PIECES + 1);
	assert_int_equal(fixed_len(WT_S_R_SHARE), RSHARE_ORIGIN + 1);
	assert_int_equal(fixed_len(WT_OP_SERVE), SERVE_KEY + 1);
	assert_int_equal(fixed_len(WT_S_R_SERVE), RSERVE_ORIGIN + 1);
	assert_int_equal(fixed_len(WT_OP_STOP), STOP_KEY + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_table),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_npieces),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_roundtrip_hello),
		cmocka_unit_test(test_roundtrip_error),
		cmocka_unit_test(test_roundtrip_ok),
		cmocka_unit_test(test_roundtrip_names),
		cmocka_unit_test(test_roundtrip_session),
		cmocka_unit_test(test_roundtrip_create_user_login_logout),
		cmocka_unit_test(test_roundtrip_group_requests),
		cmocka_unit_test(test_roundtrip_files),
		cmocka_unit_test(test_roundtrip_file),
		cmocka_unit_test(test_roundtrip_shares),
		cmocka_unit_test(test_roundtrip_tracker_file_requests),
		cmocka_unit_test(test_roundtrip_peers),
		cmocka_unit_test(test_roundtrip_peer),
		cmocka_unit_test(test_roundtrip_piece),
		cmocka_unit_test(test_roundtrip_all_types_random),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_encode_after_consumed_prefix),
		cmocka_unit_test(test_frame_prefixes),
		cmocka_unit_test(test_frame_bad_type),
		cmocka_unit_test(test_frame_bad_flags),
		cmocka_unit_test(test_frame_over_ceiling),
		cmocka_unit_test(test_frame_piece_over_ceiling),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_trailing),
		cmocka_unit_test(test_decode_bad_ids),
		cmocka_unit_test(test_decode_bad_strings),
		cmocka_unit_test(test_decode_bad_list_item),
		cmocka_unit_test(test_decode_tickets),
		cmocka_unit_test(test_decode_too_many_hashes),
		cmocka_unit_test(test_decode_rest),
		cmocka_unit_test(test_decode_refuses_bad_header),
		cmocka_unit_test(test_encode_format_mismatch),
		cmocka_unit_test(test_encode_wrong_field_count),
		cmocka_unit_test(test_encode_bad_values),
		cmocka_unit_test(test_encode_over_ceiling),
		cmocka_unit_test(test_encode_too_many_hashes),
		cmocka_unit_test(test_encode_piece_over_ceiling),
		cmocka_unit_test(test_encode_rest_mismatch),
		cmocka_unit_test(test_encode_buffer_full),
		cmocka_unit_test(test_end_external),
		cmocka_unit_test(test_end_external_refused),
		cmocka_unit_test(test_iter),
		cmocka_unit_test(test_iter_file_sources),
		cmocka_unit_test(test_resend),
		cmocka_unit_test(test_hello_check),
		cmocka_unit_test(test_hello_check_rejects),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_random_mutations),
		cmocka_unit_test(test_field_names),
	};

	/* The encoder logs its refusals; the tests provoke them on purpose. */
	log_init("test_wire", LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
