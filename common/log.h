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
 * Copy at most len bytes of src into dst as printable ASCII, escaping
 * everything else as \xNN.  dst is always NUL-terminated; output that does
 * not fit is cut and ends in "...".  Returns dst for use inside log calls.
 */
char *log_escape(char *dst, size_t dstsz, const void *src, size_t len);

#endif
