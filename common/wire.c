/*
 * wire.c - the frame and message codec (see wire.h for the layout).
 *
 * One table row per message type gives its name, body format and ceiling;
 * the decoder, the encoder and the frame check all read the same row, so a
 * type's layout is stated exactly once.
 *
 * Owns nothing: decoding points into the caller's frame and allocates
 * nothing.  Never reads a byte past a frame's stated length, never
 * accepts a body that does not match its format exactly.
 */
#include "wire.h"

#include <string.h>

#include "log.h"
#include "parse.h"
#include "rbuf.h"

struct wire_spec {
	const char	*name;
	const char	*fmt;
	uint32_t	 max;
};

#define CTRL WIRE_CTRL_MAX
static const struct wire_spec specs[WT_TYPE_MAX] = {
	[WT_HELLO] =		{ "HELLO", "uwbs", 512 },
	[WT_ERROR] =		{ "ERROR", "ws", CTRL },
	[WT_OK] =		{ "OK", "", 0 },
	[WT_BEAT] =		{ "BEAT", "q", 16 },
	[WT_NAMES] =		{ "NAMES", "*s", 16 * 1024 * 1024 },
	[WT_SESSION] =		{ "SESSION", "tiB", 256 },
	[WT_FILES] =		{ "FILES", "*sqh", 64 * 1024 * 1024 },
	[WT_FILE] =		{ "FILE", "sqhH*sB", 8 * 1024 * 1024 },
	[WT_SHARES] =		{ "SHARES", "*isshqq", 64 * 1024 * 1024 },
	/* WIRE_SOURCES_MAX sources of up to 340 bytes (a host:port). */
	[WT_PEERS] =		{ "PEERS", "h*sB", CTRL },
	[WT_FOUND] =		{ "FOUND", "bss*siqh", CTRL },
	[WT_VERSIONS] =		{ "VERSIONS", "*sqhh", 64 * 1024 * 1024 },
	[WT_NAMES_PAGE] =	{ "NAMES_PAGE", "bs*s", CTRL },
	[WT_FILES_PAGE] =	{ "FILES_PAGE", "bs*sqhh", CTRL },
	[WT_CREATE_USER] =	{ "CREATE_USER", "is", CTRL },
	[WT_LOGIN] =		{ "LOGIN", "isst", CTRL },
	[WT_LOGOUT] =		{ "LOGOUT", "t", 64 },
	[WT_CREATE_GROUP] =	{ "CREATE_GROUP", "ti", 128 },
	[WT_JOIN_GROUP] =	{ "JOIN_GROUP", "ti", 128 },
	[WT_LEAVE_GROUP] =	{ "LEAVE_GROUP", "ti", 128 },
	[WT_LIST_REQUESTS] =	{ "LIST_REQUESTS", "ti", 128 },
	[WT_ACCEPT_REQUEST] =	{ "ACCEPT_REQUEST", "tii", 256 },
	[WT_REJECT_REQUEST] =	{ "REJECT_REQUEST", "tii", 256 },
	[WT_LIST_GROUPS] =	{ "LIST_GROUPS", "t", 64 },
	[WT_PING] =		{ "PING", "t", 64 },
	[WT_UPLOAD] =		{ "UPLOAD", "tisqhHsq", 8 * 1024 * 1024 },
	[WT_LIST_FILES] =	{ "LIST_FILES", "ti", 128 },
	[WT_FILE_INFO] =	{ "FILE_INFO", "tis", CTRL },
	[WT_SHARE] =		{ "SHARE", "tis", CTRL },
	[WT_STOP_SHARE] =	{ "STOP_SHARE", "tis", CTRL },
	[WT_MY_SHARES] =	{ "MY_SHARES", "t", 64 },
	[WT_LOGOUT_ALL] =	{ "LOGOUT_ALL", "t", 64 },
	[WT_SOURCES] =		{ "SOURCES", "tis", CTRL },
	[WT_SEARCH] =		{ "SEARCH", "tsss", CTRL },
	[WT_UPDATE] =		{ "UPDATE", "tisqhHsqh", 8 * 1024 * 1024 },
	[WT_LIST_VERSIONS] =	{ "LIST_VERSIONS", "ti", 128 },
	/* A cursor is a name, or a request's place: well under 512. */
	[WT_GROUPS_PAGE] =	{ "GROUPS_PAGE", "ts", 1024 },
	[WT_REQUESTS_PAGE] =	{ "REQUESTS_PAGE", "tis", 1024 },
	[WT_FILES_PAGE_REQ] =	{ "FILES_PAGE_REQ", "tis", 1024 },
	[WT_VERSIONS_PAGE] =	{ "VERSIONS_PAGE", "tis", 1024 },
	[WT_MY_SHARES_PAGE] =	{ "MY_SHARES_PAGE", "ts", 1024 },
	[WT_SHARES_PAGE] =	{ "SHARES_PAGE", "bs*isshqq", CTRL },
	[WT_SUBSCRIBE] =	{ "SUBSCRIBE", "ti", 128 },
	[WT_UNSUBSCRIBE] =	{ "UNSUBSCRIBE", "ti", 128 },
	[WT_CHANGED] =		{ "CHANGED", "i", 128 },
	[WT_P_WANT] =		{ "P_WANT", "hB", 128 },
	[WT_P_BITFIELD] =	{ "P_BITFIELD", "hB", 64 * 1024 },
	[WT_P_HAVE] =		{ "P_HAVE", "hu", 64 },
	[WT_P_REQUEST] =	{ "P_REQUEST", "huuu", 64 },
	[WT_P_PIECE] =		{ "P_PIECE", "huuR", 28 + WIRE_BLOCK_MAX },
	[WT_P_CANCEL] =		{ "P_CANCEL", "huuu", 64 },
	[WT_S_AUTH] =		{ "S_AUTH", "uB", 128 },
	[WT_S_PROOF] =		{ "S_PROOF", "B", 128 },
	[WT_S_HWM] =		{ "S_HWM", "*uq", CTRL },
	[WT_S_OP] =		{ "S_OP", "uqqBB", 8 * 1024 * 1024 },
	[WT_S_ACK] =		{ "S_ACK", "uq", 64 },
	[WT_S_ONLINE] =		{ "S_ONLINE", "bB", 128 },
	[WT_S_R_USER] =		{ "S_R_USER", "iBBuquB", 512 },
	[WT_S_R_SESSION] =	{ "S_R_SESSION", "BiqusBBb", CTRL },
	[WT_S_R_GROUP] =	{ "S_R_GROUP", "iquqB", 512 },
	[WT_S_R_MEMBER] =	{ "S_R_MEMBER", "iquiuuqu", 512 },
	[WT_S_R_FILE] =		{ "S_R_FILE", "iqusqhHqu", 8 * 1024 * 1024 },
	[WT_S_R_SHARE] =	{ "S_R_SHARE", "iqusibhsqqu", CTRL },
	[WT_S_R_SERVE] =	{ "S_R_SERVE", "iqusBbhqu", CTRL },
	[WT_S_R_MARK] =		{ "S_R_MARK", "biiquB", 512 },
	[WT_S_R_REQ] =		{ "S_R_REQ", "Bq", 128 },
	[WT_S_SNAP_END] =	{ "S_SNAP_END", "*uqq", CTRL },
	[WT_S_R_VERSION] =	{ "S_R_VERSION", "iqushhqu", CTRL },
	[WT_OP_USER] =		{ "OP_USER", "iBBu", 512 },
	[WT_OP_SESSION] =	{ "OP_SESSION", "Biqus", CTRL },
	[WT_OP_LOGOUT] =	{ "OP_LOGOUT", "B", 128 },
	[WT_OP_GROUP] =		{ "OP_GROUP", "iiquu", 512 },
	[WT_OP_JOIN] =		{ "OP_JOIN", "iquiu", 512 },
	[WT_OP_ACCEPT] =	{ "OP_ACCEPT", "iquiu", 512 },
	[WT_OP_REJECT] =	{ "OP_REJECT", "iquiu", 512 },
	[WT_OP_LEAVE] =		{ "OP_LEAVE", "iquiu", 512 },
	[WT_OP_UPLOAD] =	{ "OP_UPLOAD", "iqusqhHisqB",
				    8 * 1024 * 1024 - 1024 },
	[WT_OP_SERVE] =		{ "OP_SERVE", "iqushB", CTRL },
	[WT_OP_STOP] =		{ "OP_STOP", "iqusiB", CTRL },
	[WT_OP_LOGIN] =		{ "OP_LOGIN", "BiqusBB", CTRL },
	[WT_OP_UPDATE] =	{ "OP_UPDATE", "iqusqhHisqBh",
				    8 * 1024 * 1024 - 1024 },
	[WT_S_SNAP_OFFER] =	{ "S_SNAP_OFFER", "", 16 },
	[WT_S_SNAP_ASK] =	{ "S_SNAP_ASK", "", 16 },
};
#undef CTRL

static const struct wire_spec *
spec(unsigned type)
{
	if (type >= WT_TYPE_MAX || specs[type].name == NULL)
		return NULL;
	return &specs[type];
}

int
wire_is_snap(unsigned type)
{
	return (type >= WT_S_R_USER && type <= WT_S_SNAP_END) ||
	    type == WT_S_R_VERSION;
}

const char *
wire_type_name(unsigned type)
{
	const struct wire_spec *s = spec(type);

	return s ? s->name : NULL;
}

const char *
wire_format(unsigned type)
{
	const struct wire_spec *s = spec(type);

	return s ? s->fmt : NULL;
}

uint32_t
wire_max_body(unsigned type)
{
	const struct wire_spec *s = spec(type);

	return s ? s->max : 0;
}

enum wire_status
wire_frame(const uint8_t *p, size_t n, struct wire_hdr *h, const char **why)
{
	const struct wire_spec *s;
	struct rd r;

	if (n < WIRE_HDR)
		return WIRE_NEED_MORE;
	rd_init(&r, p, WIRE_HDR);
	rd_u32(&r, &h->len);
	rd_u16(&r, &h->type);
	rd_u16(&r, &h->flags);
	rd_u32(&r, &h->id);
	if ((s = spec(h->type)) == NULL) {
		*why = "unknown message type";
		return WIRE_BAD;
	}
	if (h->flags != 0) {
		*why = "reserved flags set";
		return WIRE_BAD;
	}
	if (h->len > s->max) {
		*why = "frame longer than its type allows";
		return WIRE_BAD;
	}
	if (n - WIRE_HDR < h->len)
		return WIRE_NEED_MORE;
	return WIRE_OK;
}

/* Decode one field of format letter c from r into f.  0 or -1. */
static int
field(struct rd *r, char c, struct wire_field *f, const char **why)
{
	const uint8_t *p;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	memset(f, 0, sizeof(*f));
	switch (c) {
	case 'b':
		if (rd_u8(r, &u8) == -1)
			goto short_;
		f->u = u8;
		return 0;
	case 'w':
		if (rd_u16(r, &u16) == -1)
			goto short_;
		f->u = u16;
		return 0;
	case 'u':
		if (rd_u32(r, &u32) == -1)
			goto short_;
		f->u = u32;
		return 0;
	case 'q':
		if (rd_u64(r, &f->u) == -1)
			goto short_;
		return 0;
	case 'i':
		if (rd_u8(r, &u8) == -1 || rd_bytes(r, &p, (size_t)u8 + 1) == -1)
			goto short_;
		if (!parse_id_n((const char *)p, u8) || p[u8] != '\0') {
			*why = "invalid id";
			return -1;
		}
		f->s = (const char *)p;
		f->n = u8;
		return 0;
	case 's':
		if (rd_u16(r, &u16) == -1 ||
		    rd_bytes(r, &p, (size_t)u16 + 1) == -1)
			goto short_;
		if (u16 > WIRE_STR_MAX || p[u16] != '\0' ||
		    memchr(p, '\0', u16) != NULL) {
			*why = "invalid string";
			return -1;
		}
		f->s = (const char *)p;
		f->n = u16;
		return 0;
	case 'h':
	case 't':
		u32 = c == 'h' ? WIRE_HASH_LEN : WIRE_TOKEN_LEN;
		if (rd_bytes(r, &f->p, u32) == -1)
			goto short_;
		f->n = u32;
		return 0;
	case 'H':
		if (rd_u32(r, &u32) == -1)
			goto short_;
		if (u32 > WIRE_HASHES_MAX) {
			*why = "too many hashes";
			return -1;
		}
		if (rd_bytes(r, &f->p, (size_t)u32 * WIRE_HASH_LEN) == -1)
			goto short_;
		f->n = u32;
		return 0;
	case 'B':
		if (rd_u32(r, &u32) == -1 || rd_bytes(r, &f->p, u32) == -1)
			goto short_;
		f->n = u32;
		return 0;
	case 'R':
		f->n = (uint32_t)rd_left(r);
		rd_bytes(r, &f->p, f->n);
		return 0;
	}
	*why = "bad format";	/* unreachable with a correct table */
	return -1;
short_:
	*why = "truncated field";
	return -1;
}

int
wire_decode(const struct wire_hdr *h, const uint8_t *body, struct wire_msg *m,
    const char **why)
{
	const struct wire_spec *s = spec(h->type);
	struct wire_field tmp;
	const char *c;
	struct rd r;

	if (s == NULL || h->len > s->max) {
		*why = "unknown type or oversized";
		return -1;
	}
	m->h = *h;
	m->body = body;
	m->nf = 0;
	m->nitems = 0;
	m->items = NULL;
	m->items_len = 0;
	rd_init(&r, body, h->len);
	for (c = s->fmt; *c != '\0' && *c != '*'; c++)
		if (field(&r, *c, &m->f[m->nf++], why) == -1)
			return -1;
	if (*c == '*') {
		const char *rep = c + 1;

		m->items = body + r.off;
		m->items_len = rd_left(&r);
		while (rd_left(&r) > 0) {
			for (c = rep; *c != '\0'; c++)
				if (field(&r, *c, &tmp, why) == -1)
					return -1;
			m->nitems++;
		}
	}
	if (rd_left(&r) != 0) {
		*why = "trailing bytes";
		return -1;
	}
	return 0;
}

void
wire_iter_init(struct wire_iter *it, const struct wire_msg *m)
{
	const struct wire_spec *s = spec(m->h.type);
	const char *star = s ? strchr(s->fmt, '*') : NULL;

	it->fmt = star ? star + 1 : "";
	it->p = m->items;
	it->len = m->items_len;
	it->off = 0;
}

int
wire_iter_next(struct wire_iter *it, struct wire_field *f)
{
	const char *why, *c;
	struct rd r;
	int i = 0;

	if (it->off >= it->len || it->fmt[0] == '\0')
		return 0;
	rd_init(&r, it->p, it->len);
	r.off = it->off;
	for (c = it->fmt; *c != '\0'; c++)
		if (field(&r, *c, &f[i++], &why) == -1)
			return 0;	/* cannot happen: validated by decode */
	it->off = r.off;
	return 1;
}

/* Encoder. */

void
wire_begin(struct wire_enc *e, struct buf *b, unsigned type, uint32_t id)
{
	const struct wire_spec *s = spec(type);
	uint8_t *t;

	e->b = b;
	e->start = buf_used(b);
	e->type = (uint16_t)type;
	e->err = 0;
	e->fmt = e->pos = s ? s->fmt : "";
	e->rep = NULL;
	if (s == NULL || (t = buf_reserve(b, WIRE_HDR)) == NULL) {
		e->err = 1;
		return;
	}
	put_be32(t, 0);
	put_be16(t + 4, (uint16_t)type);
	put_be16(t + 6, 0);
	put_be32(t + 8, id);
	b->len += WIRE_HDR;
}

/* Advance the format cursor past letter c; flag a mismatch. */
static int
expect(struct wire_enc *e, char c)
{
	if (e->err)
		return -1;
	if (*e->pos == '*') {
		e->rep = ++e->pos;
	} else if (*e->pos == '\0' && e->rep != NULL) {
		e->pos = e->rep;
	}
	if (*e->pos != c) {
		log_warnx("wire: %s: put '%c' where format has '%c'",
		    wire_type_name(e->type), c, *e->pos ? *e->pos : '$');
		e->err = 1;
		return -1;
	}
	e->pos++;
	return 0;
}

static void
put(struct wire_enc *e, int rc)
{
	if (rc == -1)
		e->err = 1;
}

void
wire_put_u8(struct wire_enc *e, uint8_t v)
{
	if (expect(e, 'b') == 0)
		put(e, buf_put_u8(e->b, v));
}

void
wire_put_u16(struct wire_enc *e, uint16_t v)
{
	if (expect(e, 'w') == 0)
		put(e, buf_put_u16(e->b, v));
}

void
wire_put_u32(struct wire_enc *e, uint32_t v)
{
	if (expect(e, 'u') == 0)
		put(e, buf_put_u32(e->b, v));
}

void
wire_put_u64(struct wire_enc *e, uint64_t v)
{
	if (expect(e, 'q') == 0)
		put(e, buf_put_u64(e->b, v));
}

void
wire_put_id(struct wire_enc *e, const char *s)
{
	size_t n = strnlen(s, ID_MAX + 1);

	if (expect(e, 'i') == -1)
		return;
	if (!parse_id_n(s, n)) {
		e->err = 1;
		return;
	}
	put(e, buf_put_u8(e->b, (uint8_t)n));
	put(e, buf_append(e->b, s, n + 1));
}

void
wire_put_str(struct wire_enc *e, const char *s)
{
	size_t n = strnlen(s, WIRE_STR_MAX + 1);

	if (expect(e, 's') == -1)
		return;
	if (n > WIRE_STR_MAX) {
		e->err = 1;
		return;
	}
	put(e, buf_put_u16(e->b, (uint16_t)n));
	put(e, buf_append(e->b, s, n + 1));
}

void
wire_put_hash(struct wire_enc *e, const uint8_t *h)
{
	if (expect(e, 'h') == 0)
		put(e, buf_append(e->b, h, WIRE_HASH_LEN));
}

void
wire_put_token(struct wire_enc *e, const uint8_t *t)
{
	if (expect(e, 't') == 0)
		put(e, buf_append(e->b, t, WIRE_TOKEN_LEN));
}

void
wire_put_file(struct wire_enc *e, const struct wire_file *f)
{
	wire_put_id(e, f->group);
	wire_put_str(e, f->name);
	wire_put_u64(e, f->size);
	wire_put_hash(e, f->sha1);
	wire_put_hashes(e, f->hashes, f->npieces);
	wire_put_str(e, f->path);
	wire_put_u64(e, f->mtime);
}

void
wire_put_hashes(struct wire_enc *e, const uint8_t *h, uint32_t count)
{
	if (expect(e, 'H') == -1)
		return;
	if (count > WIRE_HASHES_MAX) {
		e->err = 1;
		return;
	}
	put(e, buf_put_u32(e->b, count));
	put(e, buf_append(e->b, h, (size_t)count * WIRE_HASH_LEN));
}

void
wire_put_blob(struct wire_enc *e, const void *p, uint32_t len)
{
	if (expect(e, 'B') == -1)
		return;
	put(e, buf_put_u32(e->b, len));
	put(e, buf_append(e->b, p, len));
}

void
wire_put_rest(struct wire_enc *e, const void *p, uint32_t len)
{
	if (expect(e, 'R') == 0)
		put(e, buf_append(e->b, p, len));
}

int
wire_end_external(struct wire_enc *e, uint32_t len)
{
	size_t body;

	if (expect(e, 'R') == -1 || *e->pos != '\0')
		goto fail;
	body = buf_used(e->b) - e->start - WIRE_HDR + len;
	if (body > wire_max_body(e->type))
		goto fail;
	put_be32(e->b->data + e->b->off + e->start, (uint32_t)body);
	return 0;
fail:
	buf_truncate(e->b, e->start);
	return -1;
}

int
wire_end(struct wire_enc *e)
{
	size_t body;

	/* The format must be complete, or end on a whole list item. */
	if (!e->err && *e->pos != '\0' && *e->pos != '*') {
		log_warnx("wire: %s: frame ended before its format",
		    wire_type_name(e->type));
		e->err = 1;
	}
	if (e->err)
		goto fail;
	body = buf_used(e->b) - e->start - WIRE_HDR;
	if (body > wire_max_body(e->type))
		goto fail;
	put_be32(e->b->data + e->b->off + e->start, (uint32_t)body);
	return 0;
fail:
	buf_truncate(e->b, e->start);
	return -1;
}

int
wire_error(struct buf *b, uint32_t id, unsigned code, const char *msg)
{
	struct wire_enc e;

	wire_begin(&e, b, WT_ERROR, id);
	wire_put_u16(&e, (uint16_t)code);
	wire_put_str(&e, msg);
	return wire_end(&e);
}

int
wire_resend(struct buf *b, const struct buf *frame, uint32_t id)
{
	size_t n = buf_used(frame), at = buf_used(b);

	if (n < WIRE_HDR || buf_append(b, buf_head(frame), n) == -1)
		return -1;
	put_be32(b->data + b->off + at + 8, id);
	return 0;
}

int
wire_hello(struct buf *b, unsigned role)
{
	struct wire_enc e;

	wire_begin(&e, b, WT_HELLO, 0);
	wire_put_u32(&e, WIRE_MAGIC);
	wire_put_u16(&e, WIRE_VERSION);
	wire_put_u8(&e, (uint8_t)role);
	wire_put_str(&e, "p2ps/1");
	return wire_end(&e);
}

int
wire_hello_check(const struct wire_msg *m, unsigned want_role, const char **why)
{
	if (m->h.type != WT_HELLO) {
		*why = "expected HELLO first";
		return -1;
	}
	if (m->f[0].u != WIRE_MAGIC) {
		*why = "bad magic";
		return -1;
	}
	if (m->f[1].u != WIRE_VERSION) {
		*why = "unsupported protocol version";
		return -1;
	}
	if (want_role != 0 && m->f[2].u != want_role) {
		*why = "unexpected role";
		return -1;
	}
	return 0;
}
