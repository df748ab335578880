/*
 * match.h - the name patterns of `search`.
 *
 * Pure: no I/O, no globals, nothing allocated.  The contract's rules:
 *   - a pattern without '*' or '?' matches a name that contains it
 *     anywhere (a substring);
 *   - a pattern with either is a wildcard pattern that must match the
 *     whole name: '*' matches any run of characters (none too), '?'
 *     exactly one character, every other character itself;
 *   - matching ignores case: ASCII letters only ('A' is 'a'); bytes of
 *     0x80 and above are compared exactly, so a non-ASCII letter matches
 *     only itself in the same case and the same UTF-8 bytes.
 * A character is one UTF-8 code point when the bytes there are a
 * well-formed sequence (a lead byte C2..F4 followed by as many
 * continuation bytes 80..BF as it announces), otherwise one byte: so '?'
 * matches "é" whole, '*' never stops inside one, and a name that is not
 * UTF-8 still matches byte by byte.  There is no escape: '*' and '?' are
 * always wildcards (file names may hold them; '?' finds those too).
 */
#ifndef MATCH_H
#define MATCH_H

#include <stddef.h>

#define MATCH_PATTERN_MAX	255	/* bytes, as long as a file name */

/*
 * NULL if pat may be searched for, else why not in plain words: empty,
 * longer than MATCH_PATTERN_MAX bytes, or holding a control character
 * (below 0x20, or 0x7f).
 */
const char	*match_check(const char *pat);

/* 1 if pat has a '*' or a '?' (the whole name must match), else 0. */
int		 match_is_wild(const char *pat);

/*
 * 1 if name matches pat under the rules above, else 0.  Any bytes are
 * taken (an unchecked pattern too); time is at most proportional to
 * strlen(pat) * strlen(name).
 */
int		 match_name(const char *pat, const char *name);

/* The wildcard rule alone, on counted strings: the whole of s. */
int		 match_glob(const char *pat, size_t pn, const char *s,
		    size_t sn);

/* Bytes of the character at s[0] (n >= 1 bytes left): 1 to 4. */
size_t		 match_charlen(const unsigned char *s, size_t n);

/* ASCII case folding of one byte; others unchanged. */
static inline unsigned char
match_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

#endif
