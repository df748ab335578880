/*
 * test_tls.c - unit tests for common/tls.c.
 *
 * Covers: fingerprint text (ssh's SHA256:base64 form) round trips and
 * refuses every other spelling; identities from a key file: made with
 * mode 0600 on first use and the same key after, refused when others may
 * read the file, when it is not a key, or through a symlink; handshakes
 * over a socketpair with both ends non-blocking: each end learns the
 * other's fingerprint, the exporter agrees on both ends and differs
 * between connections and labels, bytes cross both ways intact (1 MiB in
 * partial writes), a second connect to the same name resumes the session
 * and still knows the server's key; a peer that sends garbage or closes
 * in the middle of the handshake fails it without a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls.h"

static void
test_fp_text(void **state)
{
	uint8_t fp[TLS_FP_LEN], back[TLS_FP_LEN];
	char s[TLS_FP_TEXT], bad[TLS_FP_TEXT + 8];
	size_t i;

	(void)state;
	for (i = 0; i < TLS_FP_LEN; i++)
		fp[i] = (uint8_t)(i * 37 + 11);
	tls_fp_text(fp, s);
	assert_int_equal(strlen(s), TLS_FP_TEXT - 1);
	assert_memory_equal(s, "SHA256:", 7);
	assert_int_equal(tls_fp_parse(s, back), 0);
	assert_memory_equal(fp, back, TLS_FP_LEN);

	assert_int_equal(tls_fp_parse("", back), -1);
	assert_int_equal(tls_fp_parse("SHA256:", back), -1);
	snprintf(bad, sizeof(bad), "sha256:%s", s + 7);
	assert_int_equal(tls_fp_parse(bad, back), -1);
	snprintf(bad, sizeof(bad), "%s=", s);		/* padding */
	assert_int_equal(tls_fp_parse(bad, back), -1);
	snprintf(bad, sizeof(bad), "%.*s", TLS_FP_TEXT - 2, s);	/* short */
	assert_int_equal(tls_fp_parse(bad, back), -1);
	snprintf(bad, sizeof(bad), "%s", s);
	bad[20] = '*';					/* not base64 */
	assert_int_equal(tls_fp_parse(bad, back), -1);
	/* The last character carries 2 spare bits: only one spelling. */
	snprintf(bad, sizeof(bad), "%s", s);
	bad[TLS_FP_TEXT - 2] = bad[TLS_FP_TEXT - 2] == 'A' ? 'B' : 'A';
	if (tls_fp_parse(bad, back) == 0)
		assert_memory_not_equal(fp, back, TLS_FP_LEN);
}

static char dir[64];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_tls.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	static const char *const names[] = { "key", "link", "junk" };
	char path[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		(void)unlink(path);	/* absent if its case failed early */
	}
	return rmdir(dir);
}

static void
test_id_file(void **state)
{
	char path[128], other[128], err[512];
	uint8_t a[TLS_FP_LEN], b[TLS_FP_LEN];
	struct tls_id *id;
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/key", dir);
	id = tls_id_load(path, err, sizeof(err));
	assert_non_null(id);
	tls_id_fp(id, a);
	tls_id_free(id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The same key the next time. */
	id = tls_id_load(path, err, sizeof(err));
	assert_non_null(id);
	tls_id_fp(id, b);
	tls_id_free(id);
	assert_memory_equal(a, b, TLS_FP_LEN);
	/* Readable by others: refused, saying how to fix it. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_null(tls_id_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(path, 0600), 0);
	/* Through a symlink: refused. */
	snprintf(other, sizeof(other), "%s/link", dir);
	assert_int_equal(symlink(path, other), 0);
	assert_null(tls_id_load(other, err, sizeof(err)));
	/* Not a key. */
	snprintf(other, sizeof(other), "%s/junk", dir);
	assert_non_null(f = fopen(other, "w"));
	fputs("-----BEGIN PRIVATE KEY-----\nnot a key\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(other, 0600), 0);
	assert_null(tls_id_load(other, err, sizeof(err)));
	assert_non_null(strstr(err, "not an Ed25519"));
}

/* Drive both handshakes over a socketpair until done or failed. */
static void
pair(struct tls_ctx *sc, struct tls_ctx *cc, const char *name,
    struct tls **s, struct tls **c, int fds[2])
{
	enum tls_rc rs = TLS_WANT_READ, rc = TLS_WANT_READ;
	int i;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    fds), 0);
	assert_non_null(*s = tls_new(sc, fds[0], NULL));
	assert_non_null(*c = tls_new(cc, fds[1], name));
	for (i = 0; i < 100 && (rs != TLS_OK || rc != TLS_OK); i++) {
		if (rc != TLS_OK)
			rc = tls_handshake(*c);
		if (rs != TLS_OK)
			rs = tls_handshake(*s);
		assert_true(rc != TLS_FAIL && rs != TLS_FAIL);
	}
	assert_int_equal(rs, TLS_OK);
	assert_int_equal(rc, TLS_OK);
}

/* Send len bytes from a to b, reading as we go. */
static void
move(struct tls *a, struct tls *b, const uint8_t *p, uint8_t *q, size_t len)
{
	size_t sent = 0, got = 0, n;
	int i;

	for (i = 0; i < 100000 && got < len; i++) {
		if (sent < len && tls_write(a, p + sent, len - sent,
		    &n) == TLS_OK)
			sent += n;
		if (tls_read(b, q + got, len - got, &n) == TLS_OK)
			got += n;
	}
	assert_int_equal(got, len);
}

static void
test_handshake(void **state)
{
	struct tls_id *sid = tls_id_new(), *cid = tls_id_new();
	struct tls_ctx *sc, *cc;
	struct tls *s, *c, *s2, *c2;
	uint8_t fp[TLS_FP_LEN], want[TLS_FP_LEN];
	uint8_t e1[32], e2[32], e3[32];
	uint8_t *big, *back;
	size_t i, n;
	int fds[2], fds2[2];
	char byte;

	(void)state;
	assert_non_null(sid);
	assert_non_null(cid);
	assert_non_null(sc = tls_ctx_new(sid, 1));
	assert_non_null(cc = tls_ctx_new(cid, 0));
	pair(sc, cc, "tracker-1", &s, &c, fds);
	/* Each end knows the other's key. */
	assert_int_equal(tls_peer_fp(c, fp), 0);
	tls_id_fp(sid, want);
	assert_memory_equal(fp, want, TLS_FP_LEN);
	assert_int_equal(tls_peer_fp(s, fp), 0);
	tls_id_fp(cid, want);
	assert_memory_equal(fp, want, TLS_FP_LEN);
	assert_false(tls_resumed(c));
	/* The exporter: equal on both ends, other for another label. */
	assert_int_equal(tls_export(s, "p2ps test", e1, sizeof(e1)), 0);
	assert_int_equal(tls_export(c, "p2ps test", e2, sizeof(e2)), 0);
	assert_memory_equal(e1, e2, sizeof(e1));
	assert_int_equal(tls_export(c, "p2ps other", e3, sizeof(e3)), 0);
	assert_memory_not_equal(e1, e3, sizeof(e1));
	/* A megabyte each way. */
	big = malloc(1 << 20);
	back = malloc(1 << 20);
	assert_non_null(big);
	assert_non_null(back);
	for (i = 0; i < (1 << 20); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	move(c, s, big, back, 1 << 20);
	assert_memory_equal(big, back, 1 << 20);
	memset(back, 0, 1 << 20);
	move(s, c, big, back, 1 << 20);
	assert_memory_equal(big, back, 1 << 20);
	/* The client has read the server's session tickets by now. */
	assert_int_equal(tls_read(c, &byte, 1, &n), TLS_WANT_READ);

	/* Again to the same name: resumed, and the key is still known. */
	pair(sc, cc, "tracker-1", &s2, &c2, fds2);
	assert_true(tls_resumed(c2));
	assert_int_equal(tls_peer_fp(c2, fp), 0);
	tls_id_fp(sid, want);
	assert_memory_equal(fp, want, TLS_FP_LEN);
	assert_int_equal(tls_peer_fp(s2, fp), 0);
	tls_id_fp(cid, want);
	assert_memory_equal(fp, want, TLS_FP_LEN);
	/* Another connection, another exporter. */
	assert_int_equal(tls_export(c2, "p2ps test", e3, sizeof(e3)), 0);
	assert_memory_not_equal(e1, e3, sizeof(e1));

	free(big);
	free(back);
	tls_free(s);
	tls_free(c);
	tls_free(s2);
	tls_free(c2);
	close(fds[0]);
	close(fds[1]);
	close(fds2[0]);
	close(fds2[1]);
	tls_ctx_free(sc);
	tls_ctx_free(cc);
	tls_id_free(sid);
	tls_id_free(cid);
}

static void
test_bad_handshakes(void **state)
{
	struct tls_id *sid = tls_id_new();
	struct tls_ctx *sc = tls_ctx_new(sid, 1);
	struct tls *s;
	enum tls_rc r;
	int fds[2], i;

	(void)state;
	assert_non_null(sc);
	/* Garbage where a ClientHello belongs. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    fds), 0);
	assert_non_null(s = tls_new(sc, fds[0], NULL));
	assert_int_equal(write(fds[1], "GET / HTTP/1.0\r\n\r\n", 18), 18);
	r = tls_handshake(s);
	assert_int_equal(r, TLS_FAIL);
	assert_non_null(tls_error());
	tls_free(s);
	close(fds[0]);
	close(fds[1]);
	/* A peer that goes away in the middle. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    fds), 0);
	assert_non_null(s = tls_new(sc, fds[0], NULL));
	assert_int_equal(write(fds[1], "\x16\x03\x01\x02\x00\x01", 6), 6);
	close(fds[1]);
	for (i = 0, r = TLS_WANT_READ; i < 10 && r == TLS_WANT_READ; i++)
		r = tls_handshake(s);
	assert_true(r == TLS_FAIL || r == TLS_CLOSED);
	tls_free(s);
	close(fds[0]);
	tls_ctx_free(sc);
	tls_id_free(sid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fp_text),
		cmocka_unit_test_setup_teardown(test_id_file, setup_dir,
		    teardown_dir),
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_bad_handshakes),
	};

	/* As the programs do: an alert to a closed peer is EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
