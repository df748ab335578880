/*
 * fuzz_words.c - libFuzzer harness for the text parsers in parse.c.
 *
 * The input, cut at its first NUL and at 8 KiB, is one shell line.
 *
 * parse_words() gets a store of exactly strlen(line) + 1 bytes (ASan flags
 * a write past it).  Its words must lie in the store; quoting them again
 * and splitting that line must give the same words; a store one byte short
 * must be refused; a lower word limit must give the same words or fail.
 *
 * The whole line and each word then go to parse_id(), parse_host(),
 * parse_num() and parse_hostport(), whose answers are compared with
 * simple independent definitions of what each accepts.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#define INPUT_MAX	8192

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
want_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static int
want_host(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > HOST_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '-' && s[i] != ':')
			return 0;
	return 1;
}

/*
 * What parse_num(s, min, max) should answer: 0 with *out, or -1.  An
 * optional '-' (only when min < 0), one or more digits, nothing else, and
 * a value in [min, max].
 */
static int
want_num(const char *s, long long min, long long max, long long *out)
{
	unsigned long long mag = 0, lim;
	const char *p = s;
	int neg = 0;

	if (*p == '-') {
		if (min >= 0)
			return -1;
		neg = 1;
		p++;
	}
	if (!is_digit(*p))
		return -1;
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; *p != '\0'; p++) {
		if (!is_digit(*p))
			return -1;
		if (mag > (lim - (unsigned long long)(*p - '0')) / 10)
			return -1;	/* out of long long */
		mag = mag * 10 + (unsigned long long)(*p - '0');
	}
	if (neg)
		*out = mag == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
		    -(long long)mag;
	else
		*out = (long long)mag;
	return *out < min || *out > max ? -1 : 0;
}

static void
check_num(const char *s)
{
	static const long long range[][2] = {
		{ 0, 65535 }, { 1, 65535 }, { -100, 100 },
		{ LLONG_MIN, LLONG_MAX }, { 0, LLONG_MAX }, { LLONG_MIN, -1 },
	};
	long long got, want;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		got = 0x5a5a;
		rc = parse_num(s, range[i][0], range[i][1], &got);
		CHECK(rc == want_num(s, range[i][0], range[i][1], &want));
		if (rc == 0)
			CHECK(got == want);
		else
			CHECK(got == 0x5a5a);	/* untouched on failure */
	}
}

static void
check_hostport(const char *s)
{
	char *host = malloc(HOST_MAX + 1), *small = malloc(8);
	uint16_t port = 0, port2 = 0;

	CHECK(host != NULL && small != NULL);
	if (parse_hostport(s, host, HOST_MAX + 1, &port) == 0) {
		CHECK(port != 0);
		CHECK(want_host(host));
		/* The host is what stands before the port, less brackets. */
		CHECK(strstr(s, host) == s + (s[0] == '['));
		if (parse_hostport(s, small, 8, &port2) == 0) {
			CHECK(strcmp(small, host) == 0 && port2 == port);
		} else {
			CHECK(strlen(host) >= 8);
		}
	} else {
		CHECK(parse_hostport(s, small, 8, &port2) == -1);
	}
	free(small);
	free(host);
}

static void
check_text(const char *s)
{
	CHECK(parse_id(s) == want_id(s));
	CHECK(parse_id_n(s, strlen(s)) == want_id(s));
	CHECK(parse_host(s) == want_host(s));
	check_num(s);
	check_hostport(s);
}

/* Quote each word and join them; the result splits back into the words. */
static void
check_requote(char **argv, int n)
{
	char *line, *store, *w2[WORDS_MAX];
	const char *err = NULL, *c;
	size_t len = 1, o = 0;
	int i, n2;

	for (i = 0; i < n; i++)
		len += 2 * strlen(argv[i]) + 3;
	line = malloc(len);
	CHECK(line != NULL);
	for (i = 0; i < n; i++) {
		if (i > 0)
			line[o++] = i % 2 ? ' ' : '\t';
		line[o++] = '"';
		for (c = argv[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				line[o++] = '\\';
			line[o++] = *c;
		}
		line[o++] = '"';
	}
	line[o] = '\0';
	CHECK(o < len);
	store = malloc(o + 1);
	CHECK(store != NULL);
	n2 = parse_words(line, store, o + 1, w2, WORDS_MAX, &err);
	CHECK(n2 == n);
	for (i = 0; i < n; i++)
		CHECK(strcmp(w2[i], argv[i]) == 0);
	free(store);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line, *store, *argv[WORDS_MAX];
	const char *err;
	size_t n = size < INPUT_MAX ? size : INPUT_MAX, len;
	int nw, n3, i;

	line = malloc(n + 1);
	CHECK(line != NULL);
	if (n > 0)
		memcpy(line, data, n);
	line[n] = '\0';
	len = strlen(line);
	store = malloc(len + 1);
	CHECK(store != NULL);

	err = NULL;
	nw = parse_words(line, store, len + 1, argv, WORDS_MAX, &err);
	CHECK(nw >= -1 && nw <= WORDS_MAX);
	if (nw == -1) {
		CHECK(err != NULL && err[0] != '\0');
	} else {
		for (i = 0; i < nw; i++) {
			CHECK(argv[i] >= store && argv[i] < store + len + 1);
			CHECK(strlen(argv[i]) < (size_t)(store + len + 1 - argv[i]));
			if (i > 0)
				CHECK(argv[i] > argv[i - 1] + strlen(argv[i - 1]));
		}
		check_requote(argv, nw);
	}

	/* One byte short of strlen + 1 is refused before anything is read. */
	err = NULL;
	CHECK(parse_words(line, store, len, argv, WORDS_MAX, &err) == -1);
	CHECK(err != NULL);

	/* A lower limit gives the same split, or "too many words". */
	err = NULL;
	n3 = parse_words(line, store, len + 1, argv, 3, &err);
	if (nw >= 0)
		CHECK(n3 == (nw <= 3 ? nw : -1));
	else if (n3 >= 0)
		CHECK(!"a lower word limit made a bad line good");

	check_text(line);
	nw = parse_words(line, store, len + 1, argv, WORDS_MAX, &err);
	for (i = 0; i < nw; i++)
		check_text(argv[i]);

	free(store);
	free(line);
	return 0;
}
