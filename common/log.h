/*
 * log.h - leveled logging to standard error.
 *
 * The level is checked before anything is formatted, so debug lines cost a
 * compare when disabled.  Strings that came from the network or a file must
 * go through log_escape() before they are logged.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>
#include <stdio.h>

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_verbosity;

void log_init(const char *prog, int level);
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * The one rule for untrusted text (from a socket, a file or a peer) on its
 * way to a terminal or a log: copy at most len bytes of src into dst,
 * keeping printable ASCII and valid printable UTF-8 and escaping every
 * other byte (controls, escape sequences, backslash, broken UTF-8) as
 * \xNN, so nothing received can move a cursor or forge a line.  dst is
 * always NUL-terminated; output that does not fit is cut and ends in
 * "...".  Returns dst for use inside log calls.
 */
char *log_escape(char *dst, size_t dstsz, const void *src, size_t len);
/* Write the string s to f through log_escape() (up to 4096 bytes of s). */
void log_print(FILE *f, const char *s);

#endif
