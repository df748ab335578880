/*
 * test_trackers.c - unit tests for common/trackers.c (tracker_info.txt).
 *
 * Covers the three line forms of the contract ("IP:PORT", "IP PORT", and an
 * IP line followed by a port line), blank lines and '#' comments anywhere
 * (also between an IP and its port), CRLF endings, and the errors: a
 * missing or bad port, a port alone first, an empty file, more than
 * TRACKERS_MAX trackers, a NUL byte and an over-long line.  The text is
 * handed over in an exact-size allocation without a terminating NUL, so
 * ASan catches any read past it.  trackers_load() is run on a temporary
 * file and on a missing one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trackers.h"

static struct tracker_list tl;
static char err[256];

/* trackers_parse() on len bytes of text copied into an exact-size block. */
static int
parse_n(const char *text, size_t len)
{
	char *copy;
	int rc;

	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, text, len);
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	rc = trackers_parse(copy, len, &tl, err, sizeof(err));
	free(copy);
	return rc;
}

static int
parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void
expect_ok(const char *text, size_t n)
{
	if (parse(text) != 0)
		fail_msg("rejected (%s):\n%s", err, text);
	assert_int_equal(tl.n, n);
}

static void
expect_fail(const char *text)
{
	if (parse(text) != -1)
		fail_msg("accepted (%zu trackers):\n%s", tl.n, text);
	/* A reason is given, NUL-terminated, not the buffer's old bytes. */
	assert_non_null(memchr(err, '\0', sizeof(err)));
	assert_true(err[0] != '\0' && err[0] != 'x');
}

static void
expect_tracker(size_t i, const char *host, unsigned port)
{
	assert_true(i < tl.n);
	assert_string_equal(tl.v[i].host, host);
	assert_int_equal(tl.v[i].port, port);
}

static void
test_colon_lines(void **state)
{
	(void)state;
	expect_ok("127.0.0.1:5000\n127.0.0.1:5001\n10.1.2.3:65535\n", 3);
	expect_tracker(0, "127.0.0.1", 5000);
	expect_tracker(1, "127.0.0.1", 5001);
	expect_tracker(2, "10.1.2.3", 65535);
}

static void
test_no_final_newline(void **state)
{
	(void)state;
	expect_ok("127.0.0.1:5000\n127.0.0.2:1", 2);
	expect_tracker(1, "127.0.0.2", 1);
	expect_ok("127.0.0.1 5000", 1);
	expect_tracker(0, "127.0.0.1", 5000);
	expect_ok("127.0.0.1\n5000", 1);
	expect_tracker(0, "127.0.0.1", 5000);
}

static void
test_space_lines(void **state)
{
	(void)state;
	expect_ok("127.0.0.1 5000\n127.0.0.2\t5001\n  127.0.0.3 \t 5002  \n",
	    3);
	expect_tracker(0, "127.0.0.1", 5000);
	expect_tracker(1, "127.0.0.2", 5001);
	expect_tracker(2, "127.0.0.3", 5002);
}

static void
test_split_lines(void **state)
{
	(void)state;
	expect_ok("127.0.0.1\n5000\n127.0.0.2\n5001\n", 2);
	expect_tracker(0, "127.0.0.1", 5000);
	expect_tracker(1, "127.0.0.2", 5001);
}

static void
test_mixed_forms_keep_order(void **state)
{
	(void)state;
	expect_ok("10.0.0.3:3\n10.0.0.1 1\n10.0.0.2\n2\nlocalhost:4\n", 4);
	expect_tracker(0, "10.0.0.3", 3);
	expect_tracker(1, "10.0.0.1", 1);
	expect_tracker(2, "10.0.0.2", 2);
	expect_tracker(3, "localhost", 4);
}

static void
test_blank_and_comments(void **state)
{
	(void)state;
	expect_ok("\n# trackers\n\n127.0.0.1:5000\n   \n#x\n\t\n"
	    "127.0.0.2 5001\n\n", 2);
	expect_tracker(0, "127.0.0.1", 5000);
	expect_tracker(1, "127.0.0.2", 5001);
}

static void
test_comment_between_ip_and_port(void **state)
{
	(void)state;
	expect_ok("127.0.0.1\n\n#port\n\n5000\n127.0.0.2\n#x\n5001\n", 2);
	expect_tracker(0, "127.0.0.1", 5000);
	expect_tracker(1, "127.0.0.2", 5001);
}

/*
 * A comment is any line starting with '#', whatever follows: ordinary
 * prose has more than three words, and may have an odd number of quotes.
 */
static void
test_comment_any_text(void **state)
{
	(void)state;
	expect_ok("# the trackers of our cluster, in order\n127.0.0.1:5000\n",
	    1);
	expect_tracker(0, "127.0.0.1", 5000);
}

static void
test_comment_with_quote(void **state)
{
	(void)state;
	expect_ok("# the \"main\" one\n127.0.0.1:5000\n# it's 6\" long\n", 1);
	expect_tracker(0, "127.0.0.1", 5000);
}

static void
test_crlf(void **state)
{
	(void)state;
	expect_ok("# list\r\n127.0.0.1:5000\r\n\r\n127.0.0.2 5001\r\n"
	    "127.0.0.3\r\n#c\r\n5002\r\n", 3);
	expect_tracker(0, "127.0.0.1", 5000);
	expect_tracker(1, "127.0.0.2", 5001);
	expect_tracker(2, "127.0.0.3", 5002);
}

static void
test_ipv6_and_names(void **state)
{
	(void)state;
	expect_ok("[::1]:5000\n::1 5001\nfe80::2\n5002\nlocalhost 5003\n", 4);
	expect_tracker(0, "::1", 5000);
	expect_tracker(1, "::1", 5001);
	expect_tracker(2, "fe80::2", 5002);
	expect_tracker(3, "localhost", 5003);
}

static void
test_missing_port_at_eof(void **state)
{
	(void)state;
	expect_fail("127.0.0.1\n");
	expect_fail("127.0.0.1");
	expect_fail("127.0.0.1:5000\n127.0.0.2\n\n# no port\n");
	expect_fail("127.0.0.1:");
}

static void
test_ip_followed_by_other_tracker(void **state)
{
	(void)state;
	expect_fail("127.0.0.1\n127.0.0.2:5000\n");
	expect_fail("127.0.0.1\n127.0.0.2 5000\n");
	expect_fail("127.0.0.1\n127.0.0.2\n5000\n");
}

static void
test_port_alone_first(void **state)
{
	(void)state;
	expect_fail("5000\n127.0.0.1:5001\n");
	expect_fail("# c\n5000\n");
	expect_fail("127.0.0.1:5000\n5001\n");
}

static void
test_bad_port(void **state)
{
	(void)state;
	expect_fail("127.0.0.1:0\n");
	expect_fail("127.0.0.1:65536\n");
	expect_fail("127.0.0.1:-1\n");
	expect_fail("127.0.0.1 0\n");
	expect_fail("127.0.0.1 65536\n");
	expect_fail("127.0.0.1 abc\n");
	expect_fail("127.0.0.1 +80\n");
	expect_fail("127.0.0.1 5000x\n");
	expect_fail("127.0.0.1\n0\n");
	expect_fail("127.0.0.1\n70000\n");
	expect_fail("127.0.0.1\n50 00\n");
	expect_fail("127.0.0.1:5000\n127.0.0.2:0\n");
}

/*
 * "IP:PORT" with a bad port is an error even when a port line follows: it
 * must not be taken as an address alone (host "127.0.0.1:0") plus a port.
 */
static void
test_bad_port_then_port_line(void **state)
{
	(void)state;
	expect_fail("127.0.0.1:0\n6000\n");
	expect_fail("127.0.0.1:70000\n6000\n");
	expect_fail("127.0.0.1:\n6000\n");
}

static void
test_bad_address(void **state)
{
	(void)state;
	expect_fail("127.0.0.1/8:5000\n");
	expect_fail("host_name:5000\n");
	expect_fail("::1:5000\n");
	expect_fail("127.0.0.1 5000 extra\n");
	expect_fail("a b c d\n");
	expect_fail("\"127.0.0.1:5000\n");
}

static void
test_empty_file(void **state)
{
	(void)state;
	expect_fail("");
	expect_fail("\n\n\n");
	expect_fail("# only a comment\n");
	expect_fail("#a\n\n#b\r\n  \t\n");
}

static void
test_max_trackers(void **state)
{
	char *text;
	size_t o = 0, sz = (TRACKERS_MAX + 1) * 32;
	int i;

	(void)state;
	text = malloc(sz);
	assert_non_null(text);
	for (i = 0; i < TRACKERS_MAX; i++)
		o += (size_t)snprintf(text + o, sz - o, "10.0.%d.%d:%d\n",
		    i / 256, i % 256, 1000 + i);
	expect_ok(text, TRACKERS_MAX);
	expect_tracker(0, "10.0.0.0", 1000);
	expect_tracker(TRACKERS_MAX - 1, "10.0.0.63", 1000 + TRACKERS_MAX - 1);
	/* One more, in each form. */
	snprintf(text + o, sz - o, "10.1.0.0:9\n");
	expect_fail(text);
	snprintf(text + o, sz - o, "10.1.0.0 9\n");
	expect_fail(text);
	snprintf(text + o, sz - o, "10.1.0.0\n9\n");
	expect_fail(text);
	free(text);
}

static void
test_nul_byte(void **state)
{
	static const char a[] = "127.0.0.1:5000\n\0\n127.0.0.2:5001\n";
	static const char b[] = "127.0.0.1:50\0" "00\n";
	static const char c[] = "127.0.0.1:5000\n# comment \0 here\n";
	static const char d[] = "127.0.0.1:5000\n\0";

	(void)state;
	assert_int_equal(parse_n(a, sizeof(a) - 1), -1);
	assert_true(err[0] != 'x');
	assert_int_equal(parse_n(b, sizeof(b) - 1), -1);
	assert_int_equal(parse_n(c, sizeof(c) - 1), -1);
	assert_int_equal(parse_n(d, sizeof(d) - 1), -1);
}

static void
test_long_line(void **state)
{
	char text[2048];

	(void)state;
	memset(text, ' ', sizeof(text));
	memcpy(text + 1000, "127.0.0.1:5000\n", 16);	/* with its NUL */
	expect_fail(text);
	/* A host longer than HOST_MAX on a line that fits. */
	memset(text, 'h', 300);
	memcpy(text + 300, ":5000\n", 7);
	expect_fail(text);
	/* Just under the line buffer, blanks then an address: fine. */
	memset(text, ' ', 400);
	memcpy(text + 400, "127.0.0.1:5000\n", 16);
	expect_ok(text, 1);
}

static void
test_reparse_resets_list(void **state)
{
	(void)state;
	expect_ok("127.0.0.1:1\n127.0.0.1:2\n", 2);
	expect_ok("127.0.0.1:3\n", 1);
	expect_tracker(0, "127.0.0.1", 3);
}

static void
test_small_err_buffer(void **state)
{
	static const char text[] = "127.0.0.1\n";
	char small[8];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(trackers_parse(text, sizeof(text) - 1, &tl, small,
	    sizeof(small)), -1);
	assert_non_null(memchr(small, '\0', sizeof(small)));
}

static char *
write_temp(const char *text, size_t len)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_trackers.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
test_load_file(void **state)
{
	static const char text[] = "# cluster\n127.0.0.1:7001\n127.0.0.1 7002\n"
	    "127.0.0.1\n7003\n";
	char *path;

	(void)state;
	path = write_temp(text, sizeof(text) - 1);
	assert_int_equal(trackers_load(path, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 3);
	expect_tracker(0, "127.0.0.1", 7001);
	expect_tracker(1, "127.0.0.1", 7002);
	expect_tracker(2, "127.0.0.1", 7003);
	unlink(path);
}

static void
test_load_bad_file_names_path(void **state)
{
	static const char text[] = "127.0.0.1\n";
	char *path;

	(void)state;
	path = write_temp(text, sizeof(text) - 1);
	assert_int_equal(trackers_load(path, &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	unlink(path);
}

static void
test_load_missing_file(void **state)
{
	static const char path[] = "/nonexistent/dir/tracker_info.txt";

	(void)state;
	err[0] = '\0';
	assert_int_equal(trackers_load(path, &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

static void
test_load_too_large(void **state)
{
	char *text, *path;
	size_t i, n = TRACKERS_FILE_MAX + 100;

	(void)state;
	/* Valid content throughout: only the size is wrong. */
	text = malloc(n);
	assert_non_null(text);
	memcpy(text, "127.0.0.1:5000\n", 15);
	for (i = 15; i < n; i++)
		text[i] = (i % 64 == 63) ? '\n' : ' ';
	path = write_temp(text, n);
	assert_int_equal(trackers_load(path, &tl, err, sizeof(err)), -1);
	unlink(path);
	/* Exactly TRACKERS_FILE_MAX bytes is still fine. */
	path = write_temp(text, TRACKERS_FILE_MAX);
	assert_int_equal(trackers_load(path, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 1);
	unlink(path);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colon_lines),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_space_lines),
		cmocka_unit_test(test_split_lines),
		cmocka_unit_test(test_mixed_forms_keep_order),
		cmocka_unit_test(test_blank_and_comments),
		cmocka_unit_test(test_comment_between_ip_and_port),
		cmocka_unit_test(test_comment_any_text),
		cmocka_unit_test(test_comment_with_quote),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_ipv6_and_names),
		cmocka_unit_test(test_missing_port_at_eof),
		cmocka_unit_test(test_ip_followed_by_other_tracker),
		cmocka_unit_test(test_port_alone_first),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_bad_port_then_port_line),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_max_trackers),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_reparse_resets_list),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_bad_file_names_path),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
