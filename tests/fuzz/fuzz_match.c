/*
 * fuzz_match.c - libFuzzer harness for the search patterns (match.c).
 *
 * The input is a pattern and a name, cut at the first NUL (the name at
 * 1 KiB; the pattern may be longer than a checked one: match_name()
 * takes any bytes).  Checked:
 *   - match_check() against a plain definition (1..255 bytes, no byte
 *     below 0x20 nor 0x7f);
 *   - the substring rule is the wildcard rule with a '*' at each end;
 *     a wildcard pattern is match_glob() on the whole name;
 *   - case: ASCII-folding the name or the pattern changes nothing, and a
 *     name always matches itself, as a substring and with every
 *     character replaced by '?';
 *   - every character match_charlen() reports lies within the string.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#define NAME_CUT	1024

static int
want_ok(const char *p)
{
	size_t n = strlen(p), i;

	if (n < 1 || n > MATCH_PATTERN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] == 0x7f)
			return 0;
	return 1;
}

static void
upper(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t pn = nul ? (size_t)(nul - data) : size, nn, i;
	char *pat, *name, *star, *q, *up;
	int m;

	nn = nul ? size - pn - 1 : 0;
	if (nn > NAME_CUT)
		nn = NAME_CUT;
	pat = malloc(pn + 1);
	name = malloc(nn + 1);
	star = malloc(pn + 3);
	q = malloc(nn + 1);
	up = malloc(pn + nn + 2);
	if (pat == NULL || name == NULL || star == NULL || q == NULL ||
	    up == NULL)
		abort();
	memcpy(pat, data, pn);
	pat[pn] = '\0';
	if (nul != NULL)
		memcpy(name, nul + 1, nn);
	name[nn] = '\0';
	/* Strings end at their first NUL, as C strings do. */
	pn = strlen(pat);
	nn = strlen(name);

	CHECK((match_check(pat) == NULL) == want_ok(pat));
	m = match_name(pat, name);
	if (!match_is_wild(pat)) {
		star[0] = '*';
		memcpy(star + 1, pat, pn);
		star[pn + 1] = '*';
		CHECK(m == match_glob(star, pn + 2, name, nn));
	} else {
		CHECK(m == match_glob(pat, pn, name, nn));
	}
	memcpy(up, name, nn + 1);
	upper(up);
	CHECK(m == match_name(pat, up));
	memcpy(up, pat, pn + 1);
	upper(up);
	CHECK(m == match_name(up, name));
	/* A name matches itself, and as many '?' as it has characters. */
	if (!match_is_wild(name)) {
		CHECK(match_name(name, name));
		CHECK(match_glob(name, nn, name, nn));
	}
	for (i = 0, pn = 0; i < nn; pn++) {
		size_t l = match_charlen((const unsigned char *)name + i,
		    nn - i);

		CHECK(l >= 1 && l <= 4 && l <= nn - i);
		i += l;
		q[pn] = '?';
	}
	q[pn] = '\0';
	CHECK(match_glob(q, pn, name, nn));
	if (pn > 0)
		CHECK(!match_glob(q, pn - 1, name, nn));
	free(pat);
	free(name);
	free(star);
	free(q);
	free(up);
	return 0;
}
