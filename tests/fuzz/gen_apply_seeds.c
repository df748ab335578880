/*
 * gen_apply_seeds.c - seeds for fuzz_apply: the op logs of real stores.
 *
 *	gen_apply_seeds DIR
 *
 * Makes a store (origin 1), carries out every kind of mutation on it,
 * and writes its op log as S_OP frames: the whole log, each op alone,
 * and the log twice over (duplicates); then a snapshot of it (S_R_ rows
 * and S_SNAP_END), alone and after the log.  Built and run by make
 * fuzz-seeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tracker/store.h"
#include "rbuf.h"
#include "wire.h"

/* A client key and a ticket key for sessions made here. */
#define TEST_FP		((const uint8_t[32]){ 1 })
#define TEST_TKEY	((const uint8_t[32]){ 2 })

static struct buf all;
static char dir[512];
static int nop;

static int
put(void *arg, const struct store_op *o)
{
	struct wire_enc e;
	struct buf one;
	char path[600];
	FILE *f;

	(void)arg;
	buf_init(&one, 1 << 20);
	for (int i = 0; i < 2; i++) {
		wire_begin(&e, i ? &one : &all, WT_S_OP, 0);
		wire_put_u32(&e, o->origin);
		wire_put_u64(&e, o->seq);
		wire_put_u64(&e, o->hlc);
		wire_put_blob(&e, o->req, (uint32_t)o->reqlen);
		wire_put_blob(&e, o->op, (uint32_t)o->oplen);
		if (wire_end(&e) == -1)
			exit(1);
	}
	snprintf(path, sizeof(path), "%s/op-%02d", dir, nop++);
	if ((f = fopen(path, "wb")) == NULL)
		exit(1);
	fwrite(buf_head(&one), 1, buf_used(&one), f);
	fclose(f);
	buf_free(&one);
	return 0;
}

static void
save(const char *name, int times)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		exit(1);
	for (int i = 0; i < times; i++)
		fwrite(buf_head(&all), 1, buf_used(&all), f);
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct user_cred c;
	struct file_meta m;
	struct store *s;
	uint8_t k1[32], k2[32], req[32], pieces[40];
	char err[256];

	if (argc != 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	if ((s = store_open(":memory:", err, sizeof(err))) == NULL)
		return 1;
	memset(&c, 1, sizeof(c));
	c.iter = 1000;
	memset(k1, 1, sizeof(k1));
	memset(k2, 2, sizeof(k2));
	memset(req, 3, sizeof(req));
	memset(pieces, 4, sizeof(pieces));
	store_set_request(s, req);
	store_user_create(s, "ann", &c);
	store_set_request(s, NULL);
	store_user_create(s, "bob", &c);
	store_session_add(s, k1, "ann", "127.0.0.1:7001", TEST_FP, TEST_TKEY);
	store_session_add(s, k2, "bob", "127.0.0.1:7002", TEST_FP, TEST_TKEY);
	store_group_create(s, "g", "ann");
	store_group_join(s, "g", "bob");
	store_group_accept(s, "g", "ann", "bob");
	m.size = 524289;
	memset(m.sha1, 5, sizeof(m.sha1));
	m.pieces = pieces;
	m.npieces = 2;
	store_upload(s, k1, "ann", "g", "f.bin", &m, "/tmp/f.bin", 1);
	store_serve(s, k2, "bob", "g", "f.bin");
	store_stop_share(s, k1, "ann", "g", "f.bin");
	store_group_leave(s, "g", "bob");
	store_group_join(s, "g", "bob");
	store_group_reject(s, "g", "ann", "bob");
	store_session_del(s, k2);
	store_group_leave(s, "g", "ann");
	store_group_create(s, "g", "bob");
	buf_init(&all, 1 << 24);
	store_log_after(s, 0, 1000, put, NULL);
	save("log", 1);
	save("log-twice", 2);
	{
		struct buf snap;
		size_t rows;

		buf_init(&snap, 1 << 24);
		if (store_snapshot(s, &snap, &rows) != ST_OK)
			return 1;
		buf_append(&all, buf_head(&snap), buf_used(&snap));
		save("log-snapshot", 1);
		buf_reset(&all);
		buf_append(&all, buf_head(&snap), buf_used(&snap));
		save("snapshot", 1);
		buf_free(&snap);
	}
	store_close(s);
	printf("%d ops\n", nop);
	return 0;
}
