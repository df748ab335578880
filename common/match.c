/*
 * match.c - the name patterns of `search` (see match.h for the rules).
 *
 * Pure, owns nothing.  The wildcard rule is the classic greedy walk: on
 * a mismatch, go back to just after the last '*' and let that star take
 * one more character of the name.  Only the last star ever needs to move
 * (what an earlier star took, the later one can take instead), so there
 * is no recursion and the work is bounded by strlen(pat) * strlen(name).
 * Both strings advance a character (match.h) at a time, so a '?' or a
 * star's run always covers whole UTF-8 sequences.
 */
#include "match.h"

#include <string.h>

size_t
match_charlen(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 1;
	if (len > n)
		return 1;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return len;
}

const char *
match_check(const char *pat)
{
	size_t n = strnlen(pat, MATCH_PATTERN_MAX + 1), i;

	if (n == 0)
		return "empty pattern";
	if (n > MATCH_PATTERN_MAX)
		return "pattern too long (at most 255 bytes)";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pat[i];

		if (c < 0x20 || c == 0x7f)
			return "pattern contains a control character";
	}
	return NULL;
}

int
match_is_wild(const char *pat)
{
	return strpbrk(pat, "*?") != NULL;
}

static int
same(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (match_fold(a[i]) != match_fold(b[i]))
			return 0;
	return 1;
}

/*
 * The walk.  open: as if the pattern began and ended with '*' (a
 * substring).  star: a '*' has been passed; back: where the pattern goes
 * on after it; from: where in s that star's run ends now.
 */
static int
glob(const unsigned char *p, size_t pn, const unsigned char *s, size_t sn,
    int open)
{
	size_t pi = 0, si = 0, back = 0, from = 0, pl, sl;
	int star = open;

	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star = 1;
			back = ++pi;
			from = si;
			continue;
		}
		if (pi == pn && open)
			return 1;	/* the closing star takes the rest */
		if (pi < pn) {
			sl = match_charlen(s + si, sn - si);
			if (p[pi] == '?') {
				pi++;
				si += sl;
				continue;
			}
			pl = match_charlen(p + pi, pn - pi);
			if (pl == sl && same(p + pi, s + si, pl)) {
				pi += pl;
				si += sl;
				continue;
			}
		}
		if (!star)
			return 0;
		from += match_charlen(s + from, sn - from);
		si = from;
		pi = back;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

int
match_glob(const char *pat, size_t pn, const char *s, size_t sn)
{
	return glob((const unsigned char *)pat, pn, (const unsigned char *)s,
	    sn, 0);
}

int
match_name(const char *pat, const char *name)
{
	return glob((const unsigned char *)pat, strlen(pat),
	    (const unsigned char *)name, strlen(name), !match_is_wild(pat));
}
