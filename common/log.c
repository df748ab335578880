/*
 * log.c - leveled logging with timestamps, in the manner of OpenBSD's log.c,
 * and log_escape(), the one rule for untrusted text on its way to a
 * terminal or a log.
 *
 * Owns the program's name and level.  Never formats a line below the
 * level, and never writes a byte it was given without escaping when the
 * text came from outside (callers pass such text through log_escape()).
 */
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int log_verbosity = LOG_INFO;
static const char *log_prog = "p2p";

void
log_init(const char *prog, int level)
{
	log_prog = prog;
	log_verbosity = level;
}

static void __attribute__((format(printf, 4, 0)))
vlog(int level, const char *tag, int with_errno, const char *fmt, va_list ap)
{
	char msg[1024];
	struct timespec ts;
	struct tm tm;
	int saved = errno;

	if (level > log_verbosity)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (with_errno)
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s: %s: %s\n",
		    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		    log_prog, tag, msg, strerror(saved));
	else
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s: %s\n",
		    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		    log_prog, tag, msg);
	errno = saved;
}

#define LOGFN(name, level, tag, err)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	if ((level) > log_verbosity)			\
		return;					\
	va_start(ap, fmt);				\
	vlog(level, tag, err, fmt, ap);			\
	va_end(ap);					\
}

LOGFN(log_warn, LOG_WARN, "warning", 1)
LOGFN(log_warnx, LOG_WARN, "warning", 0)
LOGFN(log_info, LOG_INFO, "info", 0)
LOGFN(log_debug, LOG_DEBUG, "debug", 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "fatal", 1, fmt, ap);
	va_end(ap);
	exit(2);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "fatal", 0, fmt, ap);
	va_end(ap);
	exit(2);
}

/*
 * Length of the valid, printable UTF-8 sequence of 2 to 4 bytes at s (at
 * most n bytes), or 0.  Overlong forms, surrogates, code points past
 * U+10FFFF and the C1 controls (U+0080..U+009F) are not printable.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
		return 0;
	return len;
}

char *
log_escape(char *dst, size_t dstsz, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0, i, n;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < len; i += n) {
		unsigned char c = s[i];
		size_t need;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			n = need = 1;
		else if (c >= 0x80 && (n = utf8_len(s + i, len - i)) > 0)
			need = n;
		else
			n = 1, need = 4;
		if (o + need + 4 > dstsz) {
			if (dstsz >= 4) {
				o = o + 3 < dstsz ? o : dstsz - 4;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 4 && n == 1) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			memcpy(dst + o, s + i, n);
			o += n;
		}
	}
	dst[o < dstsz ? o : dstsz - 1] = '\0';
	return dst;
}

void
log_print(FILE *f, const char *s)
{
	char esc[4 * 4096 + 8];

	fputs(log_escape(esc, sizeof(esc), s, strlen(s)), f);
}
