/*
 * fuzz_wire.c - libFuzzer harness for the frame and message codec.
 *
 * The input is a byte stream as a peer would send it on one connection.
 *
 * Pass 1 cuts it into frames with wire_frame().  Each whole frame's header
 * and body are copied into allocations of exactly their size, so that ASan
 * flags any read past them, and the body goes to wire_decode().  A message
 * that decodes has every fixed field and every list item (walked with
 * wire_iter) checked against its type's format: numbers in range, strings
 * and ids NUL-terminated where they say and inside the body, byte fields
 * inside the body.  It is then encoded again with the wire_put_* calls,
 * which must give back the very same bytes (the codec is canonical), and
 * ERROR and HELLO frames are compared with wire_error() and wire_hello().
 * A type ending in raw data ('R', P_PIECE) is also encoded as the peer
 * server sends it, header and fixed fields with wire_end_external() and
 * the data apart: those must be the frame's first bytes.  A frame that
 * does not decode is skipped: framing does not depend on it.
 *
 * Pass 2 feeds the same stream in small chunks through a capped struct buf,
 * as a connection's receive buffer would get it, and must see the same
 * frame headers and end the same way.
 *
 * Both passes stop at the first BAD header, as a connection would close.
 *
 * Pass 3 goes the other way, from values to bytes (see pass_encode): a
 * message of the type named by byte 5 gets field values read from byte 12
 * on; wire_end() must accept exactly the valid values whose body fits the
 * ceiling, restore the buffer when it refuses, and what it accepts must
 * frame, decode and give back every value.
 *
 * Formats are read from the encoder (struct wire_enc.fmt after wire_begin),
 * so message types added to wire.c are covered without changing this file.
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

#define BODY_MAX	(16u * 1024 * 1024)	/* above every type's ceiling */

static volatile uint8_t sink;

/* Read n bytes so that ASan sees every one of them. */
static void
touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x ^= p[i];
	sink ^= x;
}

/* 1 if [p, p + n) lies within [base, base + len). */
static int
inside(const void *base, size_t len, const void *p, size_t n)
{
	uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;

	return q >= b && q - b <= len && n <= len - (q - b);
}

static void
copy_fixed(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n > 0)
		memcpy(dst, src, n);
}

/* Each type's format, or NULL for types the codec does not know. */
static const char *
type_fmt(unsigned type)
{
	static const char *fmts[WT_TYPE_MAX];
	static int ready;
	struct wire_enc e;
	struct buf b;
	unsigned t;

	if (!ready) {
		for (t = 0; t < WT_TYPE_MAX; t++) {
			buf_init(&b, WIRE_HDR);
			wire_begin(&e, &b, t, 0);
			fmts[t] = e.err ? NULL : e.fmt;
			CHECK((fmts[t] != NULL) == (wire_type_name(t) != NULL));
			/* 'R' takes what is left: last, and never in a list. */
			if (fmts[t] != NULL && strchr(fmts[t], 'R') != NULL)
				CHECK(strchr(fmts[t], 'R') ==
				    fmts[t] + strlen(fmts[t]) - 1 &&
				    strchr(fmts[t], '*') == NULL);
			buf_free(&b);
		}
		ready = 1;
	}
	return type < WT_TYPE_MAX ? fmts[type] : NULL;
}

static void
check_field(char c, const struct wire_field *f, const uint8_t *body,
    size_t len)
{
	switch (c) {
	case 'b':
		CHECK(f->u <= UINT8_MAX);
		break;
	case 'w':
		CHECK(f->u <= UINT16_MAX);
		break;
	case 'u':
		CHECK(f->u <= UINT32_MAX);
		break;
	case 'q':
		break;
	case 'i':
		CHECK(f->s != NULL);
		CHECK(f->n >= 1 && f->n <= ID_MAX);
		CHECK(inside(body, len, f->s, (size_t)f->n + 1));
		CHECK(strlen(f->s) == f->n);
		CHECK(parse_id(f->s));
		break;
	case 's':
		CHECK(f->s != NULL);
		CHECK(f->n <= WIRE_STR_MAX);
		CHECK(inside(body, len, f->s, (size_t)f->n + 1));
		CHECK(strlen(f->s) == f->n);
		break;
	case 'h':
	case 't':
		CHECK(f->p != NULL);
		CHECK(f->n == (c == 'h' ? WIRE_HASH_LEN : WIRE_TOKEN_LEN));
		CHECK(inside(body, len, f->p, f->n));
		touch(f->p, f->n);
		break;
	case 'H':
		CHECK(f->p != NULL);
		CHECK(f->n <= WIRE_HASHES_MAX);
		CHECK(inside(body, len, f->p, (size_t)f->n * WIRE_HASH_LEN));
		touch(f->p, (size_t)f->n * WIRE_HASH_LEN);
		break;
	case 'B':
		CHECK(f->p != NULL);
		CHECK(inside(body, len, f->p, f->n));
		touch(f->p, f->n);
		break;
	case 'R':
		/* The rest of the body, every byte of it. */
		CHECK(f->p != NULL);
		CHECK(inside(body, len, f->p, f->n));
		CHECK(f->p + f->n == body + len);
		touch(f->p, f->n);
		break;
	default:
		CHECK(!"format letter this harness does not know");
	}
}

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
	default: CHECK(!"format letter this harness does not know");
	}
}

static int
same_frame(const struct buf *b, const uint8_t *frame, size_t n)
{
	return buf_used(b) == n && memcmp(buf_head(b), frame, n) == 0;
}

/*
 * Decode one whole frame (header at hdr, body at body, both exact-size
 * copies) and check everything about the result.
 */
static void
check_frame(const struct wire_hdr *h, const uint8_t *hdr, const uint8_t *body)
{
	struct wire_field items[WIRE_MAX_FIELDS];
	const char *fmt = type_fmt(h->type), *rep, *why = NULL, *c;
	struct wire_msg m;
	struct wire_iter it;
	struct wire_enc e;
	struct buf b;
	uint8_t *frame;
	size_t nfixed, nrep = 0, flen = WIRE_HDR + (size_t)h->len;
	uint32_t count = 0;
	unsigned i;

	CHECK(fmt != NULL);
	memset(&m, 0xa5, sizeof(m));
	if (wire_decode(h, body, &m, &why) == -1) {
		CHECK(why != NULL);
		return;
	}
	CHECK(m.h.len == h->len && m.h.type == h->type &&
	    m.h.flags == h->flags && m.h.id == h->id);

	rep = strchr(fmt, '*');
	nfixed = rep ? (size_t)(rep - fmt) : strlen(fmt);
	CHECK(nfixed <= WIRE_MAX_FIELDS);
	CHECK(m.nf == nfixed);
	for (i = 0; i < m.nf; i++)
		check_field(fmt[i], &m.f[i], body, h->len);

	if (rep == NULL) {
		CHECK(m.nitems == 0 && m.items_len == 0);
	} else {
		rep++;
		nrep = strlen(rep);
		CHECK(nrep >= 1 && nrep <= WIRE_MAX_FIELDS);
		CHECK(m.items != NULL || m.items_len == 0);
		if (m.items_len > 0) {
			CHECK(inside(body, h->len, m.items, m.items_len));
			/* The list runs to the end of the body. */
			CHECK(m.items + m.items_len == body + h->len);
		}
		wire_iter_init(&it, &m);
		while (wire_iter_next(&it, items)) {
			for (i = 0; i < nrep; i++)
				check_field(rep[i], &items[i], body, h->len);
			count++;
			CHECK(count <= m.nitems);
		}
		CHECK(count == m.nitems);
		CHECK(it.off == m.items_len);
	}

	if (h->type == WT_HELLO) {
		why = NULL;
		if (wire_hello_check(&m, 0, &why) == -1)
			CHECK(why != NULL);
		why = NULL;
		if (wire_hello_check(&m, ROLE_PEER, &why) == -1)
			CHECK(why != NULL);
	}

	/* Encode it again: the same bytes must come out. */
	frame = malloc(flen);
	CHECK(frame != NULL);
	memcpy(frame, hdr, WIRE_HDR);
	copy_fixed(frame + WIRE_HDR, body, h->len);

	buf_init(&b, WIRE_HDR + (size_t)wire_max_body(h->type));
	wire_begin(&e, &b, h->type, h->id);
	for (i = 0; i < m.nf; i++)
		put_field(&e, fmt[i], &m.f[i]);
	if (rep != NULL) {
		wire_iter_init(&it, &m);
		while (wire_iter_next(&it, items))
			for (c = rep; *c != '\0'; c++)
				put_field(&e, *c, &items[c - rep]);
	}
	CHECK(wire_end(&e) == 0);
	CHECK(same_frame(&b, frame, flen));

	/*
	 * A raw tail may also go out apart from its header (the peer server
	 * sends piece data with sendfile): the header and fixed fields must
	 * be the frame's first bytes, with the length counting the tail.
	 */
	if (nfixed > 0 && fmt[nfixed - 1] == 'R') {
		buf_reset(&b);
		wire_begin(&e, &b, h->type, h->id);
		for (i = 0; i + 1 < m.nf; i++)
			put_field(&e, fmt[i], &m.f[i]);
		CHECK(wire_end_external(&e, m.f[m.nf - 1].n) == 0);
		CHECK(same_frame(&b, frame, flen - m.f[m.nf - 1].n));
	}

	if (h->type == WT_ERROR) {
		buf_reset(&b);
		CHECK(wire_error(&b, h->id, (unsigned)m.f[0].u, m.f[1].s) == 0);
		CHECK(same_frame(&b, frame, flen));
	}
	if (h->type == WT_HELLO && h->id == 0 && m.f[0].u == WIRE_MAGIC &&
	    m.f[1].u == WIRE_VERSION && strcmp(m.f[3].s, "p2ps/1") == 0) {
		buf_reset(&b);
		CHECK(wire_hello(&b, (unsigned)m.f[2].u) == 0);
		CHECK(same_frame(&b, frame, flen));
	}
	buf_free(&b);
	free(frame);
}

/* Running digest of the frame headers a pass saw. */
static uint64_t
mix(uint64_t d, const struct wire_hdr *h)
{
	d = (d ^ h->len) * 0x100000001b3ull;
	d = (d ^ h->type) * 0x100000001b3ull;
	d = (d ^ h->flags) * 0x100000001b3ull;
	d = (d ^ h->id) * 0x100000001b3ull;
	return d;
}

struct outcome {
	size_t			frames;
	uint64_t		digest;
	enum wire_status	last;
};

static void
pass_whole(const uint8_t *data, size_t size, struct outcome *o)
{
	struct wire_hdr h, h2;
	const char *why;
	uint8_t *hdr, *body;
	size_t off = 0;

	o->frames = 0;
	o->digest = 0xcbf29ce484222325ull;
	for (;;) {
		why = NULL;
		o->last = wire_frame(data + off, size - off, &h, &why);
		if (o->last == WIRE_BAD)
			CHECK(why != NULL);
		if (o->last != WIRE_OK)
			break;
		CHECK(h.flags == 0);
		CHECK(wire_type_name(h.type) != NULL);
		CHECK(h.len <= wire_max_body(h.type));
		CHECK(size - off >= WIRE_HDR + (size_t)h.len);

		/* The header alone, in a buffer of exactly its size. */
		hdr = malloc(WIRE_HDR);
		CHECK(hdr != NULL);
		memcpy(hdr, data + off, WIRE_HDR);
		CHECK(wire_frame(hdr, WIRE_HDR, &h2, &why) ==
		    (h.len == 0 ? WIRE_OK : WIRE_NEED_MORE));
		CHECK(h2.len == h.len && h2.type == h.type && h2.id == h.id);
		if (h.len > 0)
			CHECK(wire_frame(data + off, WIRE_HDR + h.len - 1, &h2,
			    &why) == WIRE_NEED_MORE);

		body = malloc(h.len > 0 ? h.len : 1);
		CHECK(body != NULL);
		copy_fixed(body, data + off + WIRE_HDR, h.len);
		check_frame(&h, hdr, body);
		free(body);
		free(hdr);

		o->frames++;
		o->digest = mix(o->digest, &h);
		off += WIRE_HDR + (size_t)h.len;
	}
}

static void
pass_chunked(const uint8_t *data, size_t size, struct outcome *o)
{
	static const size_t chunks[] = { 1, 5, 12, 3, 64, 7, 511, 2, 4096 };
	struct wire_hdr h;
	const char *why;
	struct buf b;
	size_t off = 0, k = 0, n;

	o->frames = 0;
	o->digest = 0xcbf29ce484222325ull;
	o->last = WIRE_NEED_MORE;
	buf_init(&b, WIRE_HDR + BODY_MAX + 4096);
	while (off < size && o->last != WIRE_BAD) {
		n = chunks[k++ % (sizeof(chunks) / sizeof(chunks[0]))];
		if (n > size - off)
			n = size - off;
		CHECK(buf_append(&b, data + off, n) == 0);
		off += n;
		for (;;) {
			why = NULL;
			o->last = wire_frame(buf_head(&b), buf_used(&b), &h,
			    &why);
			if (o->last != WIRE_OK)
				break;
			o->frames++;
			o->digest = mix(o->digest, &h);
			buf_consume(&b, WIRE_HDR + (size_t)h.len);
		}
	}
	buf_free(&b);
}

/*
 * Pass 3, the encoder's side.  Values for the fields of one message are
 * drawn from the input (see pass_encode) and put with the wire_put_*
 * calls.  Each value is judged here, by simple definitions independent of
 * wire.c, and the body length is added up; wire_end() must succeed exactly
 * when every value is valid and the body fits the type's ceiling.
 */
struct val {
	uint64_t	 u;
	char		*s;		/* i, s */
	uint8_t		*p;		/* h, t, H, B, R */
	uint32_t	 n;		/* H: count; B, R: bytes */
};

/* A cursor over the input that starts again at its end. */
struct src {
	const uint8_t	*p;
	size_t		 n, off;
};

static uint8_t
take(struct src *s)
{
	if (s->n == 0)
		return 0x5a;
	return s->p[s->off++ % s->n];
}

static uint64_t
take_be(struct src *s, unsigned bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0)
		v = v << 8 | take(s);
	return v;
}

static uint8_t *
take_bytes(struct src *s, size_t n)
{
	uint8_t *p = malloc(n > 0 ? n : 1);
	size_t i;

	CHECK(p != NULL);
	for (i = 0; i < n; i++)
		p[i] = take(s);
	return p;
}

/* A C string of up to n bytes (less if a NUL comes), as a caller has. */
static char *
take_str(struct src *s, size_t n)
{
	char *p = (char *)take_bytes(s, n + 1);

	p[n] = '\0';
	take(s);		/* where a frame keeps the NUL */
	return p;
}

static int
id_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

#define ENC_ITEMS	16
#define ENC_VALS	(WIRE_MAX_FIELDS * (ENC_ITEMS + 1))

/*
 * Draw a value for letter c, laid out as a frame body would hold it, so
 * that a body from the corpus gives back its own fields.  Adds the bytes
 * it will take in the body to *len; 0 if the encoder must refuse it.
 */
static int
draw(struct src *s, char c, struct val *v, size_t *len)
{
	memset(v, 0, sizeof(*v));
	switch (c) {
	case 'b': v->u = take_be(s, 1); *len += 1; return 1;
	case 'w': v->u = take_be(s, 2); *len += 2; return 1;
	case 'u': v->u = take_be(s, 4); *len += 4; return 1;
	case 'q': v->u = take_be(s, 8); *len += 8; return 1;
	case 'i':
		v->s = take_str(s, take(s) % (ID_MAX + 4));
		*len += 2 + strlen(v->s);
		return id_ok(v->s);
	case 's':
		v->s = take_str(s, take_be(s, 2) % (WIRE_STR_MAX + 16));
		*len += 3 + strlen(v->s);
		return strlen(v->s) <= WIRE_STR_MAX;
	case 'h':
	case 't':
		v->n = c == 'h' ? WIRE_HASH_LEN : WIRE_TOKEN_LEN;
		v->p = take_bytes(s, v->n);
		*len += v->n;
		return 1;
	case 'H':
		v->n = (uint32_t)take_be(s, 4);
		if (v->n > WIRE_HASHES_MAX) {
			/* Refused before a hash is read: pass a short array. */
			v->p = take_bytes(s, WIRE_HASH_LEN);
			return 0;
		}
		v->n %= 32;
		v->p = take_bytes(s, (size_t)v->n * WIRE_HASH_LEN);
		*len += 4 + (size_t)v->n * WIRE_HASH_LEN;
		return 1;
	case 'B':
		v->n = (uint32_t)take_be(s, 4) % 1024;
		v->p = take_bytes(s, v->n);
		*len += 4 + v->n;
		return 1;
	case 'R':
		/* What is left of the input, or a few cycled bytes. */
		v->n = s->off < s->n ? (uint32_t)(s->n - s->off) :
		    take(s) % 64;
		v->p = take_bytes(s, v->n);
		*len += v->n;
		return 1;
	}
	CHECK(!"format letter this harness does not know");
	return 0;
}

static void
put_val(struct wire_enc *e, char c, const struct val *v)
{
	switch (c) {
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
	default: CHECK(!"format letter this harness does not know");
	}
}

/* The decoded field f must be the value v that was put. */
static void
same_val(char c, const struct val *v, const struct wire_field *f)
{
	switch (c) {
	case 'b': case 'w': case 'u': case 'q':
		CHECK(f->u == v->u);
		break;
	case 'i': case 's':
		CHECK(strcmp(f->s, v->s) == 0 && f->n == strlen(v->s));
		break;
	case 'H':
		CHECK(f->n == v->n);
		CHECK(v->n == 0 ||
		    memcmp(f->p, v->p, (size_t)v->n * WIRE_HASH_LEN) == 0);
		break;
	default:
		CHECK(f->n == v->n);
		CHECK(v->n == 0 || memcmp(f->p, v->p, v->n) == 0);
		break;
	}
}

/* Encode with or without the 'R' tail in the buffer; check the verdict. */
static void
encode_check(unsigned type, const char *fmt, const struct val *vals,
    size_t nvals, int valid, size_t body, int external)
{
	static const uint8_t before[] = "\x01\x02\x03";	/* queued output */
	const char *rep = strchr(fmt, '*'), *c;
	struct wire_field items[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct wire_enc e;
	struct wire_hdr h;
	struct wire_msg m;
	struct buf b;
	const char *why = NULL;
	uint32_t id = (uint32_t)(body * 2654435761u);
	size_t k = 0, nfix = rep ? (size_t)(rep - fmt) : strlen(fmt), used;
	int ok;

	buf_init(&b, sizeof(before) + WIRE_HDR + body + 64);
	CHECK(buf_append(&b, before, sizeof(before)) == 0);
	wire_begin(&e, &b, type, id);
	for (c = fmt; k < nvals; c++, k++) {
		if (*c == '\0')
			c = rep + 1;		/* the next list item */
		else if (*c == '*')
			c++;
		if (external && *c == 'R')
			break;
		put_val(&e, *c, &vals[k]);
	}
	ok = external ? wire_end_external(&e, vals[nvals - 1].n) == 0 :
	    wire_end(&e) == 0;
	CHECK(ok == (valid && body <= wire_max_body(type)));
	if (!ok) {
		CHECK(buf_used(&b) == sizeof(before));
		CHECK(memcmp(buf_head(&b), before, sizeof(before)) == 0);
		buf_free(&b);
		return;
	}
	used = buf_used(&b) - sizeof(before);
	CHECK(used == WIRE_HDR + body - (external ? vals[nvals - 1].n : 0));
	CHECK(memcmp(buf_head(&b), before, sizeof(before)) == 0);
	if (external) {
		/* The rest goes separately: check the header only. */
		CHECK(wire_frame(buf_head(&b) + sizeof(before), used, &h,
		    &why) == (vals[nvals - 1].n ? WIRE_NEED_MORE : WIRE_OK));
		CHECK(h.len == body && h.type == type && h.id == id);
		buf_free(&b);
		return;
	}
	CHECK(wire_frame(buf_head(&b) + sizeof(before), used, &h, &why) ==
	    WIRE_OK);
	CHECK(h.len == body && h.type == type && h.flags == 0 && h.id == id);
	if (wire_decode(&h, buf_head(&b) + sizeof(before) + WIRE_HDR, &m,
	    &why) == -1) {
		fprintf(stderr, "encoded %s does not decode: %s\n",
		    wire_type_name(type), why);
		CHECK(!"what the encoder accepts must decode");
	}
	CHECK(m.nf == nfix);
	for (k = 0; k < nfix; k++)
		same_val(fmt[k], &vals[k], &m.f[k]);
	if (rep != NULL) {
		wire_iter_init(&it, &m);
		while (wire_iter_next(&it, items))
			for (c = rep + 1; *c != '\0'; c++, k++) {
				CHECK(k < nvals);
				same_val(*c, &vals[k], &items[c - rep - 1]);
			}
	}
	CHECK(k == nvals);
	buf_free(&b);
}

/*
 * The type is named by byte 5 (where a frame keeps its type's low byte)
 * and the values are read from byte 12 on, laid out as a body: a frame
 * from the corpus encodes its own fields again.
 */
static void
pass_encode(const uint8_t *data, size_t size)
{
	static struct val vals[ENC_VALS];
	const char *fmt, *rep, *c;
	struct src s;
	unsigned type, t, known = 0;
	size_t nvals = 0, body = 0, k, items = 0;
	int valid = 1;

	type = size > 5 ? data[5] : 0;
	if (type_fmt(type) == NULL) {
		/* Any other byte picks among the known types. */
		for (t = 0; t < WT_TYPE_MAX; t++)
			known += type_fmt(t) != NULL;
		for (t = 0, k = type % known; ; t++)
			if (type_fmt(t) != NULL && k-- == 0)
				break;
		type = t;
	}
	fmt = type_fmt(type);
	s.p = size > WIRE_HDR ? data + WIRE_HDR : data;
	s.n = size > WIRE_HDR ? size - WIRE_HDR : 0;
	s.off = 0;

	rep = strchr(fmt, '*');
	for (c = fmt; *c != '\0' && *c != '*'; c++)
		valid &= draw(&s, *c, &vals[nvals++], &body);
	/* List items while input is left, as the decoder reads them. */
	while (rep != NULL && s.off < s.n && items++ < ENC_ITEMS)
		for (c = rep + 1; *c != '\0'; c++)
			valid &= draw(&s, *c, &vals[nvals++], &body);
	CHECK(nvals <= ENC_VALS);

	encode_check(type, fmt, vals, nvals, valid, body, 0);
	if (strchr(fmt, 'R') != NULL)
		encode_check(type, fmt, vals, nvals, valid, body, 1);

	for (k = 0; k < nvals; k++) {
		free(vals[k].s);
		free(vals[k].p);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, chunked;

	pass_encode(data, size);
	pass_whole(data, size, &whole);
	pass_chunked(data, size, &chunked);
	CHECK(whole.frames == chunked.frames);
	CHECK(whole.digest == chunked.digest);
	CHECK(whole.last == chunked.last);
	return 0;
}
