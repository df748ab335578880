/*
 * fuzz_trackers.c - libFuzzer harness for the tracker_info.txt parser.
 *
 * The input is the file's text, handed to trackers_parse() as it is (not
 * NUL-terminated, so ASan flags a read past its end).  On failure the
 * reason must be a non-empty C string within the error buffer.  On success
 * every tracker must be a valid host with a non-zero port, and writing the
 * list out again, cycling through the three line forms of the contract
 * ("IP:PORT", "IP PORT", and IP and PORT on two lines) with comments and
 * blank lines between, must parse back to the same list.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "trackers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* Longest line we write: "[" host "]:" port "\n". */
#define OUT_LINE	(HOST_MAX + 16)

static void
check_error(const char *err, size_t errlen)
{
	CHECK(memchr(err, '\0', errlen) != NULL);
	CHECK(err[0] != '\0');
}

/* Append tracker i of tl to out in one of the three forms; returns length. */
static size_t
write_one(char *out, size_t outsz, const struct tracker_addr *a, size_t i)
{
	long long num;
	int n;

	if (strchr(a->host, ':') != NULL) {
		/* An IPv6 literal: bracketed, or kept apart by a blank. */
		n = i % 2 == 0 ?
		    snprintf(out, outsz, "[%s]:%u\n", a->host, a->port) :
		    snprintf(out, outsz, "%s\t%u\n", a->host, a->port);
	} else if (i % 3 == 2 && parse_num(a->host, 0, 65535, &num) == -1) {
		/* Split form; a host that reads as a port cannot use it. */
		n = snprintf(out, outsz, "%s\n# between\n\n%u\n", a->host,
		    a->port);
	} else if (i % 3 == 1) {
		n = snprintf(out, outsz, "  %s %u  \n", a->host, a->port);
	} else {
		n = snprintf(out, outsz, "%s:%u\n", a->host, a->port);
	}
	CHECK(n > 0 && (size_t)n < outsz);
	return (size_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tracker_list tl, again;
	static char text[TRACKERS_MAX * (OUT_LINE + 16) + 64];
	char err[256];
	size_t i, len;

	memset(err, 'x', sizeof(err));
	if (trackers_parse((const char *)data, size, &tl, err,
	    sizeof(err)) == -1) {
		check_error(err, sizeof(err));
		/* A tiny error buffer must still be terminated. */
		memset(err, 'x', sizeof(err));
		CHECK(trackers_parse((const char *)data, size, &again, err,
		    8) == -1);
		CHECK(memchr(err, '\0', 8) != NULL);
		return 0;
	}
	CHECK(tl.n >= 1 && tl.n <= TRACKERS_MAX);
	for (i = 0; i < tl.n; i++) {
		CHECK(memchr(tl.v[i].host, '\0', sizeof(tl.v[i].host)) != NULL);
		CHECK(parse_host(tl.v[i].host));
		CHECK(tl.v[i].port != 0);
	}

	len = (size_t)snprintf(text, sizeof(text), "# written back\n\n");
	for (i = 0; i < tl.n; i++)
		len += write_one(text + len, sizeof(text) - len, &tl.v[i], i);
	memset(err, 'x', sizeof(err));
	if (trackers_parse(text, len, &again, err, sizeof(err)) == -1) {
		fprintf(stderr, "re-parse failed: %s\n%s", err, text);
		CHECK(!"a parsed list must parse again");
	}
	CHECK(again.n == tl.n);
	for (i = 0; i < tl.n; i++) {
		CHECK(strcmp(again.v[i].host, tl.v[i].host) == 0);
		CHECK(again.v[i].port == tl.v[i].port);
	}
	return 0;
}
