/*
 * test_log.c - unit tests for log_escape(), the one rule for untrusted text
 * on its way to a terminal or a log.
 *
 * Covers: printable ASCII kept; controls, DEL, backslash and escape
 * sequences as \xNN; valid UTF-8 of 2, 3 and 4 bytes kept; C1 controls,
 * overlong forms, surrogates, code points past U+10FFFF, stray
 * continuation bytes and sequences cut short escaped byte by byte; output
 * cut with "..." and always NUL-terminated; embedded NULs escaped.  Ends
 * with random bytes: the output never holds a byte below 0x20 or 0x7f.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "log.h"
#include "rng.h"

static const char *
esc(const char *s, size_t n)
{
	static char out[256];

	return log_escape(out, sizeof(out), s, n);
}
#define ESC(lit)	esc(lit, sizeof(lit) - 1)

static void
test_ascii(void **state)
{
	(void)state;
	assert_string_equal(ESC("hello, world"), "hello, world");
	assert_string_equal(ESC(""), "");
	assert_string_equal(ESC("a\nb"), "a\\x0ab");
	assert_string_equal(ESC("\x1b[2J"), "\\x1b[2J");
	assert_string_equal(ESC("\x7f"), "\\x7f");
	assert_string_equal(ESC("a\\b"), "a\\x5cb");
	assert_string_equal(ESC("a\0b"), "a\\x00b");
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_string_equal(ESC("caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(ESC("\xe2\x82\xac"), "\xe2\x82\xac");
	assert_string_equal(ESC("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
	/* C1 controls: U+009B is a CSI on some terminals. */
	assert_string_equal(ESC("\xc2\x9b"), "\\xc2\\x9b");
	assert_string_equal(ESC("\x9b"), "\\x9b");
	/* Overlong, surrogate, past U+10FFFF, cut short, stray. */
	assert_string_equal(ESC("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(ESC("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
	assert_string_equal(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(ESC("\xf4\x90\x80\x80"),
	    "\\xf4\\x90\\x80\\x80");
	assert_string_equal(ESC("\xe2\x82"), "\\xe2\\x82");
	assert_string_equal(ESC("\x80x"), "\\x80x");
}

static void
test_cut(void **state)
{
	char out[12];

	(void)state;
	assert_string_equal(log_escape(out, sizeof(out), "abcdefghijklmnop",
	    16), "abcdefgh...");
	assert_string_equal(log_escape(out, sizeof(out), "\n\n\n\n", 4),
	    "\\x0a\\x0a...");
	assert_string_equal(log_escape(out, 1, "abc", 3), "");
	assert_string_equal(log_escape(out, sizeof(out), "\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac", 9), "\xe2\x82\xac\xe2\x82\xac...");
}

static void
test_random(void **state)
{
	unsigned char in[64];
	char out[4 * sizeof(in) + 8];
	size_t i, j;

	(void)state;
	rng_seed(7);
	for (i = 0; i < 20000; i++) {
		size_t n = rng() % sizeof(in);

		for (j = 0; j < n; j++)
			in[j] = (unsigned char)rng();
		log_escape(out, sizeof(out), in, n);
		for (j = 0; out[j] != '\0'; j++) {
			unsigned char c = (unsigned char)out[j];

			assert_true(c >= 0x20 && c != 0x7f);
		}
		assert_true(j < sizeof(out));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
