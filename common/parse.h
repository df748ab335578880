/*
 * parse.h - strict parsers for text from users, files and the network.
 *
 * Pure: no I/O, no globals.  Every function rejects rather than guesses:
 * a number with trailing junk, an id with a stray character or a port of 0
 * are errors, never silently truncated.
 */
#ifndef PARSE_H
#define PARSE_H

#include <stddef.h>
#include <stdint.h>

#define ID_MAX		64	/* user and group ids: 1..64 of [A-Za-z0-9._-] */
#define HOST_MAX	253
/* Buffer for "host:port" as parse_hostport() accepts it, with its NUL. */
#define HOSTPORT_MAX	(HOST_MAX + 8)
#define LINE_MAX_LEN	4096	/* longest shell line we accept */
#define WORDS_MAX	16	/* most words on one shell line */

/* 1 if s is a valid user or group id, else 0. */
int	parse_id(const char *s);
/* Same, for n bytes that need not be NUL-terminated. */
int	parse_id_n(const char *s, size_t n);

#define NAME_MAX_LEN	255	/* a shared file's name in its group */

/*
 * 1 if s can name a file in a group and be created inside a directory:
 * 1..255 bytes, no '/', no control characters, not "." or "..".
 */
int	parse_filename(const char *s);

/* Decimal integer in [min, max], nothing else around it.  0 or -1. */
int	parse_num(const char *s, long long min, long long max, long long *out);

/*
 * "host:port" or "[v6addr]:port" into host (NUL-terminated, at most
 * HOST_MAX chars, brackets removed) and port (1..65535).  0 or -1.
 */
int	parse_hostport(const char *s, char *host, size_t hostsz, uint16_t *port);
/* A host name or address literal: 1..HOST_MAX of [A-Za-z0-9.:-]. */
int	parse_host(const char *s);

/*
 * Split one shell line into words.  Words are separated by blanks (space,
 * tab); a double-quoted run keeps its blanks and may hold \" and \\.
 * Quoted and unquoted runs that touch form one word ("a b"c is `a bc`).
 * The words are written NUL-separated into store, which must be at least
 * strlen(line) + 1 bytes; argv[0..n-1] point into it.  Returns the number
 * of words, or -1 with *err set (unterminated quote, too many words).
 */
int	parse_words(const char *line, char *store, size_t storesz,
	    char **argv, int maxwords, const char **err);

#endif
