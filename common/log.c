/*
 * log.c - leveled logging with timestamps, in the manner of OpenBSD's log.c.
 */
#include "log.h"

#include <errno.h>
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

char *
log_escape(char *dst, size_t dstsz, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0, i;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;

		if (o + need + 4 > dstsz) {
			if (dstsz >= 4) {
				o = o + 3 < dstsz ? o : dstsz - 4;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o < dstsz ? o : dstsz - 1] = '\0';
	return dst;
}
