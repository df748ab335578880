/*
 * parse.c - strict parsers (see parse.h).
 *
 * Pure, owns nothing.  Never accepts trailing junk, never truncates
 * silently, never writes past the caller's buffer.
 */
#include "parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int
id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
parse_id_n(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!id_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int
parse_id(const char *s)
{
	return parse_id_n(s, strnlen(s, ID_MAX + 1));
}

int
parse_filename(const char *s)
{
	size_t n = strnlen(s, NAME_MAX_LEN + 1), i;

	if (n == 0 || n > NAME_MAX_LEN || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' || c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

int
parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	/* strtoll skips leading blanks and takes signs we do not want. */
	if (*s == '\0' || !((*s >= '0' && *s <= '9') || (*s == '-' && min < 0)))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
parse_host(const char *s)
{
	size_t n = strnlen(s, HOST_MAX + 1), i;

	if (n == 0 || n > HOST_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':'))
			return 0;
	}
	return 1;
}

int
parse_hostport(const char *s, char *host, size_t hostsz, uint16_t *port)
{
	const char *colon, *hs = s, *he;
	long long p;
	size_t n;

	if (strlen(s) >= HOSTPORT_MAX)
		return -1;
	if (s[0] == '[') {
		hs = s + 1;
		if ((he = strchr(hs, ']')) == NULL || he[1] != ':')
			return -1;
		colon = he + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		he = colon;
		/* A bare IPv6 address must be bracketed to carry a port. */
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
	}
	n = (size_t)(he - hs);
	if (n == 0 || n > HOST_MAX || n >= hostsz)
		return -1;
	/* At most 5 digits, no leading zero: one spelling per port. */
	if (colon[1] == '0' || strlen(colon + 1) > 5 ||
	    parse_num(colon + 1, 1, 65535, &p) == -1)
		return -1;
	memcpy(host, hs, n);
	host[n] = '\0';
	if (!parse_host(host))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int
parse_words(const char *line, char *store, size_t storesz, char **argv,
    int maxwords, const char **err)
{
	const char *p = line;
	size_t o = 0;
	int n = 0;

	if (strlen(line) + 1 > storesz) {
		*err = "line too long";
		return -1;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\r' || *p == '\n')
			break;
		if (n == maxwords) {
			*err = "too many words";
			return -1;
		}
		argv[n++] = store + o;
		while (*p != '\0' && *p != ' ' && *p != '\t' &&
		    *p != '\r' && *p != '\n') {
			if (*p != '"') {
				store[o++] = *p++;
				continue;
			}
			p++;
			while (*p != '"') {
				if (*p == '\0') {
					*err = "unterminated quote";
					return -1;
				}
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				store[o++] = *p++;
			}
			p++;
		}
		store[o++] = '\0';
	}
	return n;
}
