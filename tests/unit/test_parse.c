/*
 * test_parse.c - unit tests for common/parse.c.
 *
 * Covers parse_id/parse_id_n (the id alphabet, 1..64 bytes, embedded NUL),
 * parse_num (bounds, signs, blanks, trailing junk, overflow), parse_host and
 * parse_hostport (IPv4, names, bracketed IPv6, ports 1..65535), and
 * parse_words (blanks, quotes, escapes, empty words, errors, CR/LF).  The
 * word splitter also gets a randomized check (fixed seed) against a simple
 * model: random words are quoted into a line and must come back unchanged.
 * Stores are allocated at exactly strlen(line) + 1 bytes, the documented
 * minimum, so ASan catches any write past it.
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

#include "parse.h"
#include "rng.h"

/* parse_id */

static int
is_id_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static void
test_id_valid(void **state)
{
	(void)state;
	assert_true(parse_id("a"));
	assert_true(parse_id("Z"));
	assert_true(parse_id("0"));
	assert_true(parse_id("."));
	assert_true(parse_id("-"));
	assert_true(parse_id("_"));
	assert_true(parse_id("alice"));
	assert_true(parse_id("Bob_2.0-beta"));
	assert_true(parse_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._"));
}

static void
test_id_length(void **state)
{
	char s[200];

	(void)state;
	memset(s, 'x', sizeof(s));
	s[64] = '\0';
	assert_true(parse_id(s));
	s[64] = 'x';
	s[65] = '\0';
	assert_false(parse_id(s));
	s[65] = 'x';
	s[199] = '\0';
	assert_false(parse_id(s));
	assert_false(parse_id(""));
}

static void
test_id_bad_chars(void **state)
{
	static const char *bad[] = {
		" a", "a ", "a b", "a\tb", "a/b", "/", "../etc", "a\\b",
		"a@b", "a:b", "a+b", "a\"b", "a'b", "a\nb", "a\rb", "a,b",
		"a;b", "a*b", "\xc3\xa9t\xc3\xa9", "a\x7f", "a~", "a#",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_id(bad[i]))
			fail_msg("parse_id accepted \"%s\"", bad[i]);
}

static void
test_id_every_byte(void **state)
{
	char s[3];
	int c;

	(void)state;
	for (c = 1; c < 256; c++) {
		s[0] = 'a';
		s[1] = (char)c;
		s[2] = '\0';
		assert_int_equal(parse_id(s), is_id_char(c));
		assert_int_equal(parse_id_n(s, 2), is_id_char(c));
	}
}

static void
test_id_n(void **state)
{
	char s[70];

	(void)state;
	/* Embedded NUL is a bad character, not an end. */
	assert_false(parse_id_n("ab\0cd", 5));
	assert_false(parse_id_n("\0", 1));
	assert_false(parse_id_n("abc\0", 4));
	/* Needs no terminator: only n bytes are looked at. */
	assert_true(parse_id_n("abc def", 3));
	assert_true(parse_id_n("abc", 3));
	assert_false(parse_id_n("abc", 0));
	memset(s, 'q', sizeof(s));
	assert_true(parse_id_n(s, 64));
	assert_false(parse_id_n(s, 65));
	assert_false(parse_id_n(s, sizeof(s)));
}

/* parse_num */

static void
test_num_bounds(void **state)
{
	long long v = -99;

	(void)state;
	assert_int_equal(parse_num("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_num("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_num("11", 0, 10, &v), -1);
	assert_int_equal(parse_num("4", 5, 10, &v), -1);
	assert_int_equal(parse_num("-1", -5, 5, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(parse_num("-5", -5, 5, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(parse_num("-6", -5, 5, &v), -1);
	assert_int_equal(parse_num("-1", 0, 5, &v), -1);
	assert_int_equal(parse_num("-0", 0, 5, &v), -1);
	assert_int_equal(parse_num("65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(parse_num("65536", 1, 65535, &v), -1);
}

static void
test_num_failure_keeps_out(void **state)
{
	long long v = 1234;

	(void)state;
	assert_int_equal(parse_num("x", 0, 10, &v), -1);
	assert_int_equal(parse_num("99", 0, 10, &v), -1);
	assert_int_equal(v, 1234);
}

static void
test_num_junk(void **state)
{
	static const char *bad[] = {
		"", " ", "-", "+", "12a", "a12", "12 ", " 12", "\t12", "\n12",
		"12\n", "+12", "1.0", "1e3", "0x10", "1,000", "--1", "-+1",
		"+-1", "- 1", "1 2", "\xd9\xa1",
	};
	long long v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_num(bad[i], -1000, 100000, &v) == 0)
			fail_msg("parse_num accepted \"%s\"", bad[i]);
}

static void
test_num_overflow(void **state)
{
	long long v;

	(void)state;
	assert_int_equal(parse_num("9223372036854775807", LLONG_MIN, LLONG_MAX,
	    &v), 0);
	assert_true(v == LLONG_MAX);
	assert_int_equal(parse_num("9223372036854775808", LLONG_MIN, LLONG_MAX,
	    &v), -1);
	assert_int_equal(parse_num("-9223372036854775808", LLONG_MIN, LLONG_MAX,
	    &v), 0);
	assert_true(v == LLONG_MIN);
	assert_int_equal(parse_num("-9223372036854775809", LLONG_MIN, LLONG_MAX,
	    &v), -1);
	assert_int_equal(parse_num("99999999999999999999999999", 0, LLONG_MAX,
	    &v), -1);
	/* Wraps to a small number if the overflow were ignored. */
	assert_int_equal(parse_num("18446744073709551617", 0, 100, &v), -1);
}

/* parse_host / parse_hostport */

static void
test_host(void **state)
{
	char s[300];

	(void)state;
	assert_true(parse_host("127.0.0.1"));
	assert_true(parse_host("localhost"));
	assert_true(parse_host("a-b.example.com"));
	assert_true(parse_host("::1"));
	assert_true(parse_host("fe80::1"));
	assert_false(parse_host(""));
	assert_false(parse_host("a b"));
	assert_false(parse_host("a_b"));
	assert_false(parse_host("a/b"));
	assert_false(parse_host("[::1]"));
	memset(s, 'h', sizeof(s));
	s[HOST_MAX] = '\0';
	assert_true(parse_host(s));
	s[HOST_MAX] = 'h';
	s[HOST_MAX + 1] = '\0';
	assert_false(parse_host(s));
}

static void
hp_ok(const char *s, const char *want_host, unsigned want_port)
{
	char host[HOST_MAX + 1];
	uint16_t port = 0;

	if (parse_hostport(s, host, sizeof(host), &port) != 0)
		fail_msg("parse_hostport rejected \"%s\"", s);
	assert_string_equal(host, want_host);
	assert_int_equal(port, want_port);
}

static void
hp_bad(const char *s)
{
	char host[HOST_MAX + 1];
	uint16_t port = 0;

	if (parse_hostport(s, host, sizeof(host), &port) == 0)
		fail_msg("parse_hostport accepted \"%s\" as %s port %u", s,
		    host, port);
}

static void
test_hostport_ipv4_and_names(void **state)
{
	(void)state;
	hp_ok("127.0.0.1:6000", "127.0.0.1", 6000);
	hp_ok("10.0.0.255:1", "10.0.0.255", 1);
	hp_ok("192.168.1.1:65535", "192.168.1.1", 65535);
	hp_ok("localhost:80", "localhost", 80);
	hp_ok("tracker-1.example.com:4000", "tracker-1.example.com", 4000);
}

static void
test_hostport_ipv6(void **state)
{
	(void)state;
	hp_ok("[::1]:7000", "::1", 7000);
	hp_ok("[fe80::1:2]:80", "fe80::1:2", 80);
	hp_ok("[2001:db8::42]:65535", "2001:db8::42", 65535);
	/* Bare IPv6 with a port is ambiguous and must be bracketed. */
	hp_bad("::1:7000");
	hp_bad("fe80::1:80");
	hp_bad("[::1]");
	hp_bad("[::1]7000");
	hp_bad("[::1]:");
	hp_bad("[::1:7000");
	hp_bad("[]:7000");
	hp_bad("[::1]:7000:1");
	hp_bad("[a b]:80");
}

static void
test_hostport_ports(void **state)
{
	(void)state;
	hp_bad("127.0.0.1:0");
	hp_bad("127.0.0.1:65536");
	hp_bad("127.0.0.1:99999999999999999999");
	hp_bad("127.0.0.1:");
	hp_bad("127.0.0.1");
	hp_bad("127.0.0.1:-1");
	hp_bad("127.0.0.1:+80");
	hp_bad("127.0.0.1: 80");
	hp_bad("127.0.0.1:80 ");
	hp_bad("127.0.0.1:80x");
	hp_bad("127.0.0.1:0x50");
	hp_bad("localhost:http");
	/* One spelling per port: a leading zero could hide a long string
	   that is cut short, and a different port, where it is kept. */
	hp_bad("127.0.0.1:080");
	hp_bad("127.0.0.1:00000000000000000000000000000000000000007001");
}

/* "host:port" always fits HOSTPORT_MAX bytes with its NUL. */
static void
test_hostport_fits(void **state)
{
	char s[HOST_MAX + 16], host[HOST_MAX + 1];
	uint16_t port;

	(void)state;
	memset(s, 'a', sizeof(s));
	s[0] = '[';
	memcpy(s + 1 + HOST_MAX, "]:65535", 8);
	assert_true(strlen(s) >= HOSTPORT_MAX);
	hp_bad(s);
	memset(s, 'a', HOST_MAX);
	memcpy(s + HOST_MAX, ":65535", 7);
	assert_int_equal(parse_hostport(s, host, sizeof(host), &port), 0);
	assert_true(strlen(s) < HOSTPORT_MAX);
}

static void
test_hostport_bad_hosts(void **state)
{
	(void)state;
	hp_bad(":80");
	hp_bad("");
	hp_bad(" 127.0.0.1:80");
	hp_bad("127.0.0.1 :80");
	hp_bad("a_b:80");
	hp_bad("a/b:80");
	hp_bad("h\xc3\xa9:80");
}

static void
test_hostport_lengths(void **state)
{
	char s[HOST_MAX + 20], host[HOST_MAX + 1], small[4];
	uint16_t port;

	(void)state;
	memset(s, 'h', HOST_MAX);
	snprintf(s + HOST_MAX, sizeof(s) - HOST_MAX, ":%d", 9);
	assert_int_equal(parse_hostport(s, host, sizeof(host), &port), 0);
	assert_int_equal(strlen(host), HOST_MAX);
	assert_int_equal(port, 9);
	memset(s, 'h', HOST_MAX + 1);
	snprintf(s + HOST_MAX + 1, sizeof(s) - HOST_MAX - 1, ":%d", 9);
	assert_int_equal(parse_hostport(s, host, sizeof(host), &port), -1);

	/* The caller's buffer bounds the host too. */
	assert_int_equal(parse_hostport("abc:1", small, sizeof(small), &port),
	    0);
	assert_string_equal(small, "abc");
	assert_int_equal(parse_hostport("abcd:1", small, sizeof(small), &port),
	    -1);
	assert_int_equal(parse_hostport("[::12]:1", small, sizeof(small),
	    &port), -1);
}

/* parse_words */

/*
 * Split line with a store of exactly strlen(line) + 1 bytes and check the
 * words.  nwant -1 expects an error.
 */
static void
words_check(const char *line, int maxwords, const char *const *want,
    int nwant)
{
	char *argv[WORDS_MAX + 4], *store;
	const char *err = NULL;
	size_t sz = strlen(line) + 1;
	int n, i;

	assert_true(maxwords <= WORDS_MAX + 4);
	store = malloc(sz);
	assert_non_null(store);
	n = parse_words(line, store, sz, argv, maxwords, &err);
	if (nwant < 0) {
		if (n >= 0)
			fail_msg("parse_words accepted '%s' (%d words)", line,
			    n);
		assert_non_null(err);
		assert_true(err[0] != '\0');
		free(store);
		return;
	}
	if (n != nwant)
		fail_msg("parse_words('%s') = %d (%s), want %d", line, n,
		    n < 0 ? err : "", nwant);
	for (i = 0; i < n; i++) {
		assert_true(argv[i] >= store && argv[i] < store + sz);
		/* n == nwant here: fail_msg() does not return. */
		/* NOLINTNEXTLINE(clang-analyzer-core.*) */
		assert_string_equal(argv[i], want[i]);
	}
	free(store);
}

#define WORDS(line, ...) do {						\
	static const char *const w_[] = { __VA_ARGS__ };		\
	words_check((line), WORDS_MAX, w_,				\
	    (int)(sizeof(w_) / sizeof(w_[0])));				\
} while (0)
#define NOWORDS(line)		words_check((line), WORDS_MAX, NULL, 0)
#define BADWORDS(line, max)	words_check((line), (max), NULL, -1)

static void
test_words_blanks(void **state)
{
	(void)state;
	NOWORDS("");
	NOWORDS(" ");
	NOWORDS(" \t \t");
	WORDS("a", "a");
	WORDS("a b", "a", "b");
	WORDS("  a   b  ", "a", "b");
	WORDS("\ta\t\tb\t", "a", "b");
	WORDS("create_user alice s3cret", "create_user", "alice", "s3cret");
	WORDS(" \t mixed \t  blanks\t", "mixed", "blanks");
}

static void
test_words_quotes(void **state)
{
	(void)state;
	WORDS("\"a b\"", "a b");
	WORDS("\"a b\" c", "a b", "c");
	WORDS("x \"  \" y", "x", "  ", "y");
	WORDS("\"tab\there\"", "tab\there");
	WORDS("upload_file \"/tmp/my file.txt\" g1", "upload_file",
	    "/tmp/my file.txt", "g1");
}

static void
test_words_concatenation(void **state)
{
	(void)state;
	WORDS("\"a b\"c", "a bc");
	WORDS("c\"a b\"", "ca b");
	WORDS("x\"y z\"w", "xy zw");
	WORDS("\"a\"\"b\"", "ab");
	WORDS("\"a\"\"\"b", "ab");
	WORDS("p\"\"q r", "pq", "r");
}

static void
test_words_escapes(void **state)
{
	(void)state;
	WORDS("\"a\\\"b\"", "a\"b");
	WORDS("\"a\\\\b\"", "a\\b");
	WORDS("\"\\\\\"", "\\");
	WORDS("\"\\\"\"", "\"");
	WORDS("\"\\\\\\\"\"", "\\\"");
	/* Other backslashes are kept as they are. */
	WORDS("\"a\\nb\"", "a\\nb");
	WORDS("a\\b", "a\\b");
	WORDS("a\\ b", "a\\", "b");
}

static void
test_words_empty_quoted(void **state)
{
	(void)state;
	WORDS("\"\"", "");
	WORDS("a \"\" b", "a", "", "b");
	WORDS("\"\" \"\"", "", "");
	WORDS("\t\"\"\t", "");
}

static void
test_words_unterminated(void **state)
{
	(void)state;
	BADWORDS("\"", WORDS_MAX);
	BADWORDS("\"abc", WORDS_MAX);
	BADWORDS("a \"b c", WORDS_MAX);
	BADWORDS("\"a\\\"", WORDS_MAX);		/* the quote is escaped */
	BADWORDS("\"a\"\"", WORDS_MAX);
	BADWORDS("ok \"\" \"", WORDS_MAX);
}

static void
test_words_too_many(void **state)
{
	char line[WORDS_MAX * 2 + 4];
	const char *want[WORDS_MAX + 1];
	int i;

	(void)state;
	{
		static const char *const ab[] = { "a", "b" };

		words_check("a b", 2, ab, 2);
		words_check("a b   ", 2, ab, 2);
	}
	BADWORDS("a b c", 2);
	BADWORDS("a", 0);
	for (i = 0; i < WORDS_MAX; i++) {
		line[2 * i] = 'a';
		line[2 * i + 1] = ' ';
		want[i] = "a";
	}
	line[2 * WORDS_MAX] = '\0';
	words_check(line, WORDS_MAX, want, WORDS_MAX);
	line[2 * WORDS_MAX] = 'a';
	line[2 * WORDS_MAX + 1] = '\0';
	BADWORDS(line, WORDS_MAX);
}

static void
test_words_line_end(void **state)
{
	(void)state;
	WORDS("a b\n", "a", "b");
	WORDS("a b\r\n", "a", "b");
	WORDS("a b\r", "a", "b");
	WORDS("a\nb", "a");
	WORDS("a\rb c", "a");
	WORDS("a \n b", "a");
	NOWORDS("\n");
	NOWORDS("\r\n");
	NOWORDS("  \r\n x");
	WORDS("\"a b\"\r\n", "a b");
}

static void
test_words_store_too_small(void **state)
{
	char store[4], *argv[4];
	const char *err = NULL;

	(void)state;
	assert_int_equal(parse_words("abcd", store, 4, argv, 4, &err), -1);
	assert_non_null(err);
	err = NULL;
	assert_int_equal(parse_words("abc", store, 4, argv, 4, &err), 1);
	assert_string_equal(argv[0], "abc");
}

/*
 * Randomized: pick words over a small alphabet that includes blanks, quotes
 * and backslashes, write each one as pieces that are quoted (escaping " and
 * \) or, when the piece has no blank or quote, bare, join the words with
 * random blanks, and check that parse_words returns exactly those words.
 */
#define RW_ALPHA	"ab \t\"\\x."

static size_t
rw_quote(char *out, const char *s, size_t n)
{
	size_t o = 0, i;

	out[o++] = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			out[o++] = '\\';
		out[o++] = s[i];
	}
	out[o++] = '"';
	return o;
}

static size_t
rw_blanks(char *out, unsigned min)
{
	size_t n = min + rng_below(3), i;

	for (i = 0; i < n; i++)
		out[i] = rng_below(2) ? ' ' : '\t';
	return n;
}

static void
test_words_random_model(void **state)
{
	enum { ITER = 4000, WLEN = 8 };
	char words[WORDS_MAX][WLEN + 1], line[LINE_MAX_LEN], *store;
	char *argv[WORDS_MAX];
	const char *err;
	size_t o, len, at, k;
	int iter, nw, n, i;

	(void)state;
	rng_seed(0x5eed0001ull);
	for (iter = 0; iter < ITER; iter++) {
		nw = (int)rng_below(WORDS_MAX + 1);
		o = rw_blanks(line, 0);
		for (i = 0; i < nw; i++) {
			len = rng_below(WLEN + 1);
			for (k = 0; k < len; k++)
				words[i][k] = RW_ALPHA[rng_below(
				    sizeof(RW_ALPHA) - 1)];
			words[i][len] = '\0';
			if (len == 0)
				o += rw_quote(line + o, "", 0);
			/* Cut the word into pieces, each bare or quoted. */
			for (at = 0; at < len; at += k) {
				k = 1 + rng_below((uint32_t)(len - at));
				if (rng_below(2) == 0 &&
				    strcspn(words[i] + at, " \t\"") >= k) {
					memcpy(line + o, words[i] + at, k);
					o += k;
				} else
					o += rw_quote(line + o, words[i] + at,
					    k);
			}
			o += rw_blanks(line + o, i + 1 < nw ? 1 : 0);
		}
		if (rng_below(4) == 0) {
			memcpy(line + o, "\r\n", 2);
			o += 2;
		}
		line[o] = '\0';
		assert_true(o < sizeof(line));

		store = malloc(o + 1);
		assert_non_null(store);
		err = NULL;
		n = parse_words(line, store, o + 1, argv, WORDS_MAX, &err);
		if (n != nw)
			fail_msg("iter %d: '%s': got %d (%s), want %d", iter,
			    line, n, n < 0 ? err : "", nw);
		for (i = 0; i < nw; i++)
			if (strcmp(argv[i], words[i]) != 0)
				fail_msg("iter %d: '%s': word %d is '%s', "
				    "want '%s'", iter, line, i, argv[i],
				    words[i]);
		free(store);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_id_length),
		cmocka_unit_test(test_id_bad_chars),
		cmocka_unit_test(test_id_every_byte),
		cmocka_unit_test(test_id_n),
		cmocka_unit_test(test_num_bounds),
		cmocka_unit_test(test_num_failure_keeps_out),
		cmocka_unit_test(test_num_junk),
		cmocka_unit_test(test_num_overflow),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_hostport_ipv4_and_names),
		cmocka_unit_test(test_hostport_ipv6),
		cmocka_unit_test(test_hostport_ports),
		cmocka_unit_test(test_hostport_fits),
		cmocka_unit_test(test_hostport_bad_hosts),
		cmocka_unit_test(test_hostport_lengths),
		cmocka_unit_test(test_words_blanks),
		cmocka_unit_test(test_words_quotes),
		cmocka_unit_test(test_words_concatenation),
		cmocka_unit_test(test_words_escapes),
		cmocka_unit_test(test_words_empty_quoted),
		cmocka_unit_test(test_words_unterminated),
		cmocka_unit_test(test_words_too_many),
		cmocka_unit_test(test_words_line_end),
		cmocka_unit_test(test_words_store_too_small),
		cmocka_unit_test(test_words_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
