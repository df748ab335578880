/*
 * test_match.c - the name patterns of search (common/match.c).
 *
 * Edge cases of each rule (substring or whole name, '*', '?', ASCII case
 * folding, UTF-8 characters, bytes that are not UTF-8, the checks on a
 * pattern), then a randomized comparison (fixed seeds) with a naive
 * model: both strings cut into characters first, then the textbook
 * table over characters (does this suffix of the pattern match that
 * suffix of the name), filled from the ends.  The alphabet is small and mixes
 * ASCII letters in both cases, the wildcards themselves, UTF-8 sequences
 * of two and four bytes and stray lead and continuation bytes, so most
 * random pairs exercise a rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "match.h"
#include "rng.h"

static void
test_check(void **state)
{
	char p[MATCH_PATTERN_MAX + 2];

	(void)state;
	assert_null(match_check("a"));
	assert_null(match_check("*.pdf"));
	assert_null(match_check("caf\xc3\xa9 \xff"));	/* any high byte */
	assert_null(match_check("a/b"));		/* matches nothing */
	assert_string_equal(match_check(""), "empty pattern");
	memset(p, 'x', sizeof(p));
	p[MATCH_PATTERN_MAX] = '\0';
	assert_null(match_check(p));
	p[MATCH_PATTERN_MAX] = 'x';
	p[MATCH_PATTERN_MAX + 1] = '\0';
	assert_non_null(strstr(match_check(p), "too long"));
	assert_non_null(strstr(match_check("a\tb"), "control"));
	assert_non_null(strstr(match_check("\x01"), "control"));
	assert_non_null(strstr(match_check("ab\x7f"), "control"));
	assert_non_null(strstr(match_check("\x1b[2J"), "control"));
	assert_true(match_is_wild("a*"));
	assert_true(match_is_wild("?"));
	assert_false(match_is_wild("abc"));
}

static void
test_substring(void **state)
{
	(void)state;
	assert_true(match_name("port", "Report_2024.pdf"));
	assert_true(match_name("REPORT", "Report_2024.pdf"));
	assert_true(match_name("report_2024.pdf", "Report_2024.pdf"));
	assert_true(match_name("R", "r"));
	assert_false(match_name("reports", "Report_2024.pdf"));
	assert_false(match_name("xyz", "Report_2024.pdf"));
	/* Overlaps: the first try fails, a later one fits. */
	assert_true(match_name("aab", "aaab"));
	assert_true(match_name("abab", "abaabab"));
	/* Only ASCII folds: non-ASCII letters match as they are. */
	assert_true(match_name("\xc3\xa9", "caf\xc3\xa9"));
	assert_false(match_name("\xc3\x89", "caf\xc3\xa9"));	/* É, é */
	/* Never inside a character: a part of é is not found in é. */
	assert_false(match_name("\xa9", "caf\xc3\xa9"));
	assert_false(match_name("\xc3", "caf\xc3\xa9"));
	/* Bytes that are not UTF-8 are characters of their own. */
	assert_true(match_name("\xc3", "caf\xc3x"));
	assert_true(match_name("\xa9", "\xa9\xa9"));
}

static void
test_wildcards(void **state)
{
	(void)state;
	assert_true(match_name("*.pdf", "Report_2024.PDF"));
	assert_false(match_name("*.pdf", "Report_2024.pdf.gz"));
	assert_true(match_name("*", "anything"));
	assert_true(match_name("**", "x"));
	assert_true(match_name("r*", "Report"));
	assert_false(match_name("e*", "Report"));	/* whole name */
	assert_true(match_name("*port", "Report"));
	assert_true(match_name("re*rt", "Report"));
	assert_true(match_name("re*r*t", "Report"));
	assert_false(match_name("re*x*t", "Report"));
	assert_true(match_name("????", "abcd"));
	assert_false(match_name("???", "abcd"));
	assert_false(match_name("?????", "abcd"));
	assert_true(match_name("a?c", "abc"));
	assert_true(match_name("a?c", "a?c"));		/* '?' is a name char */
	assert_true(match_name("a*c", "a*c"));
	assert_true(match_name("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaab"));
	assert_false(match_name("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaa"));
	/* '?' is one character: a UTF-8 sequence whole. */
	assert_true(match_name("caf?", "caf\xc3\xa9"));
	assert_false(match_name("caf??", "caf\xc3\xa9"));
	assert_true(match_name("?", "\xf0\x9f\x98\x80"));	/* 4 bytes */
	assert_true(match_name("??", "\xc3x"));		/* not UTF-8 */
	assert_true(match_name("??", "\xe2\x82"));	/* cut short */
	assert_false(match_name("?", "\xe2\x82"));
	/* A star never stops inside a character either. */
	assert_false(match_name("*\xa9", "caf\xc3\xa9"));
	assert_true(match_name("*\xc3\xa9", "caf\xc3\xa9"));
	assert_true(match_name("C*\xc3\xa9", "caf\xc3\xa9"));
}

static void
test_charlen(void **state)
{
	(void)state;
	assert_int_equal(match_charlen((const unsigned char *)"a", 1), 1);
	assert_int_equal(match_charlen((const unsigned char *)"\xc3\xa9", 2),
	    2);
	assert_int_equal(match_charlen((const unsigned char *)"\xc3\xa9", 1),
	    1);
	assert_int_equal(match_charlen((const unsigned char *)"\xc3x", 2), 1);
	assert_int_equal(match_charlen((const unsigned char *)"\xc1\x81", 2),
	    1);		/* C0, C1: overlong, never a lead */
	assert_int_equal(match_charlen((const unsigned char *)"\xe2\x82\xac",
	    3), 3);
	assert_int_equal(match_charlen(
	    (const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(match_charlen(
	    (const unsigned char *)"\xf5\x80\x80\x80", 4), 1);
	assert_int_equal(match_charlen((const unsigned char *)"\x80", 1), 1);
}

/*
 * The model.  A character is a well-formed UTF-8 sequence or one byte
 * (match.h), found here by its own decoding; then the table.
 */
#define MAXC	64

struct chars {
	const unsigned char	*p[MAXC];
	size_t			 len[MAXC], n;
};

static size_t
model_len(const unsigned char *s, size_t left)
{
	size_t want, i;

	switch (s[0] >> 4) {
	case 0xc: case 0xd:
		want = s[0] >= 0xc2 ? 2 : 1;
		break;
	case 0xe:
		want = 3;
		break;
	case 0xf:
		want = s[0] <= 0xf4 ? 4 : 1;
		break;
	default:
		want = 1;
	}
	if (want > left)
		return 1;
	for (i = 1; i < want; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 1;
	return want;
}

static void
cut(const char *s, struct chars *c)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	c->n = 0;
	while (i < n) {
		assert_true(c->n < MAXC);
		c->p[c->n] = u + i;
		c->len[c->n] = model_len(u + i, n - i);
		i += c->len[c->n++];
	}
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
char_eq(const struct chars *a, size_t i, const struct chars *b, size_t j)
{
	size_t k;

	if (a->len[i] != b->len[j])
		return 0;
	for (k = 0; k < a->len[i]; k++)
		if (lower(a->p[i][k]) != lower(b->p[j][k]))
			return 0;
	return 1;
}

/* ok[i][j]: do p[i..] and s[j..] match?  Filled from the ends. */
static unsigned char ok[MAXC + 1][MAXC + 1];

static int
model_glob(const struct chars *p, const struct chars *s)
{
	size_t i = p->n + 1, j;

	while (i-- > 0) {
		for (j = s->n + 1; j-- > 0;) {
			if (i == p->n)
				ok[i][j] = j == s->n;
			else if (p->len[i] == 1 && p->p[i][0] == '*')
				ok[i][j] = ok[i + 1][j] ||
				    (j < s->n && ok[i][j + 1]);
			else if (j == s->n)
				ok[i][j] = 0;
			else if (p->len[i] == 1 && p->p[i][0] == '?')
				ok[i][j] = ok[i + 1][j + 1];
			else
				ok[i][j] = char_eq(p, i, s, j) &&
				    ok[i + 1][j + 1];
		}
	}
	return ok[0][0];
}

static int
model_match(const char *pat, const char *name)
{
	struct chars p, s;
	size_t i, j;

	cut(pat, &p);
	cut(name, &s);
	if (strpbrk(pat, "*?") != NULL)
		return model_glob(&p, &s);
	for (i = 0; i + p.n <= s.n; i++) {
		for (j = 0; j < p.n && char_eq(&p, j, &s, i + j); j++)
			;
		if (j == p.n)
			return 1;
	}
	return 0;
}

/* Pieces strings are made of: letters, wildcards, UTF-8, stray bytes. */
static const char *const bits[] = {
	"a", "b", "A", "B", "x", ".", "*", "?",
	"\xc3\xa9", "\xc3\x89", "\xf0\x9f\x98\x80", "\xc3", "\xa9", "\xe2\x82",
};
#define NBITS	(sizeof(bits) / sizeof(bits[0]))

/* A random string of up to max pieces, wildcards only if wild. */
static void
random_str(char *out, size_t cap, size_t max, int wild)
{
	size_t n = rng_below((uint32_t)max + 1), i, len = 0, b;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		do
			b = wild && rng_below(4) == 0 ? 6 + rng_below(2) :
			    rng_below(NBITS);
		while (!wild && (bits[b][0] == '*' || bits[b][0] == '?'));
		if (len + strlen(bits[b]) + 1 > cap)
			break;
		memcpy(out + len, bits[b], strlen(bits[b]) + 1);
		len += strlen(bits[b]);
	}
}

static void
test_against_model(void **state)
{
	char pat[64], name[64];
	unsigned i, matched = 0, wild = 0;
	int got, want;

	(void)state;
	rng_seed(20261206);
	for (i = 0; i < 200000; i++) {
		random_str(pat, sizeof(pat), 1 + rng_below(6), 1);
		random_str(name, sizeof(name), 1 + rng_below(10),
		    rng_below(4) == 0);
		/* Sometimes the name is built from the pattern's parts. */
		if (rng_below(3) == 0 && strlen(pat) + strlen(name) <
		    sizeof(name))
			memcpy(name + strlen(name), pat, strlen(pat) + 1);
		got = match_name(pat, name);
		want = model_match(pat, name);
		if (got != want)
			fail_msg("pattern [%s] name [%s]: got %d, model %d",
			    pat, name, got, want);
		matched += got;
		wild += match_is_wild(pat) != 0;
	}
	print_message("%u of %u matched, %u wildcard patterns\n", matched, i,
	    wild);
	/* The cases were not all one way. */
	assert_true(matched > 20000 && matched < 180000);
	assert_true(wild > 50000 && wild < 190000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_substring),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_charlen),
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
