/*
 * ledger.c - the client's own record of shared files (see ledger.h).
 *
 * One line an entry, tab-separated, the path last (so a tab in it is
 * kept):  user group size mtime sha1-hex name path.  A line that does
 * not parse (cut short by a crash, edited by hand) is skipped.  The file
 * is trusted only when it is a regular file of this user's that nobody
 * else may write; it is created so.
 */
#include "ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "parse.h"
#include "wire.h"
#include "xalloc.h"

#define LEDGER_LINE_MAX	(PATH_MAX + 512)
#define COMPACT_MIN	1000	/* lines before a rewrite is worth it */

/* Open path (flags), refusing what is not the user's alone. */
static int
open_own(const char *path, int flags, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if ((fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		int e = errno;

		if (e == ELOOP)
			snprintf(err, errlen, "%s is a symbolic link: not "
			    "trusted (remove it)", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s may be written by others or is not "
		    "the user's: not trusted (chown it to the user, chmod 600 "
		    "%s)", path, path);
		close(fd);
		/* Not a missing file, whatever errno said before. */
		errno = EPERM;
		return -1;
	}
	return fd;
}

static int
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = (unsigned char)s[2 * i];
		lo = (unsigned char)s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' &&
		    hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' &&
		    lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return s[2 * n] == '\0' ? 0 : -1;
}

/* Parse one line (its newline gone) into e; 0, or -1 if malformed. */
static int
parse_line(char *line, struct ledger_ent *e)
{
	char *f[7], *p = line;
	long long size, mtime;
	int i;

	for (i = 0; i < 6; i++) {
		f[i] = p;
		if ((p = strchr(p, '\t')) == NULL)
			return -1;
		*p++ = '\0';
	}
	f[6] = p;
	if (!parse_id(f[0]) || !parse_id(f[1]) || !parse_filename(f[5]) ||
	    parse_num(f[2], 0, (long long)WIRE_FILE_MAX, &size) == -1 ||
	    parse_num(f[3], 0, LLONG_MAX, &mtime) == -1 ||
	    strlen(f[4]) != 40 || unhex(f[4], e->sha1, 20) == -1 ||
	    f[6][0] != '/' || strlen(f[6]) >= PATH_MAX)
		return -1;
	e->size = (uint64_t)size;
	e->mtime = (uint64_t)mtime;
	/* One block: user, group, name, path, each with its NUL. */
	e->user = xmalloc((size_t)(p - line) + strlen(p) + 1);
	memcpy(e->user, line, (size_t)(p - line) + strlen(p) + 1);
	e->group = e->user + (f[1] - line);
	e->name = e->user + (f[5] - line);
	e->path = e->user + (f[6] - line);
	return 0;
}

static int
cmp_key(const struct ledger_ent *a, const struct ledger_ent *b)
{
	int c;

	if ((c = strcmp(a->user, b->user)) != 0 ||
	    (c = strcmp(a->group, b->group)) != 0)
		return c;
	return strcmp(a->name, b->name);
}

/* The key of a lookup. */
struct ledger_key {
	const char	*user, *group, *name;
};

static int
cmp_find(const void *x, const void *y)
{
	const struct ledger_key *k = x;
	const struct ledger_ent *e = y;
	int c;

	if ((c = strcmp(k->user, e->user)) != 0 ||
	    (c = strcmp(k->group, e->group)) != 0)
		return c;
	return strcmp(k->name, e->name);
}

/* By key, then by place in the file: the last of each key comes last. */
static int
cmp_ent(const void *x, const void *y)
{
	const struct ledger_ent *a = x, *b = y;
	int c = cmp_key(a, b);

	if (c != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

static int
format_line(char *out, size_t outlen, const char *user, const char *group,
    const char *name, const char *file, uint64_t size, uint64_t mtime,
    const uint8_t sha1[20])
{
	char hex[41];
	int n;

	hex_encode(sha1, 20, hex);
	n = snprintf(out, outlen, "%s\t%s\t%llu\t%llu\t%s\t%s\t%s\n", user,
	    group, (unsigned long long)size, (unsigned long long)mtime, hex,
	    name, file);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/*
 * Write the live entries to a new file beside path and put it in place
 * (best effort: a failure leaves the old file, which says the same).
 */
static void
compact(const char *path, const struct ledger *lg)
{
	char tmp[PATH_MAX + 16], line[LEDGER_LINE_MAX];
	const struct ledger_ent *e;
	size_t i;
	int fd, n, ok = 1;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return;
	for (i = 0; i < lg->n && ok; i++) {
		e = &lg->v[i];
		n = format_line(line, sizeof(line), e->user, e->group, e->name,
		    e->path, e->size, e->mtime, e->sha1);
		ok = n > 0 && write(fd, line, (size_t)n) == n;
	}
	if (!ok || fsync(fd) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		if (ok)
			log_warnx("%s: cannot rewrite: %s", path,
			    strerror(errno));
		unlink(tmp);
		if (!ok)
			close(fd);
	}
}

int
ledger_load(const char *path, struct ledger *lg, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0, alloc = 0, lines = 0, i, out;
	ssize_t len;
	FILE *f;
	int fd;

	lg->v = NULL;
	lg->n = 0;
	if ((fd = open_own(path, O_RDONLY, err, errlen)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lines++;
		if (len == 0 || line[len - 1] != '\n' || len > LEDGER_LINE_MAX)
			continue;
		line[len - 1] = '\0';
		if (lg->n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			lg->v = xreallocarray(lg->v, alloc, sizeof(*lg->v));
		}
		if (parse_line(line, &lg->v[lg->n]) == 0)
			lg->v[lg->n++].line = lines;
	}
	free(line);
	(void)fclose(f);	/* read only: nothing to lose */
	if (lg->n == 0)
		return 0;
	/* Keep the last entry of each key. */
	qsort(lg->v, lg->n, sizeof(*lg->v), cmp_ent);
	for (i = out = 0; i < lg->n; i++) {
		if (i + 1 < lg->n && cmp_key(&lg->v[i], &lg->v[i + 1]) == 0) {
			free(lg->v[i].user);
			continue;
		}
		lg->v[out++] = lg->v[i];
	}
	lg->n = out;
	if (lines >= COMPACT_MIN && lines > 2 * lg->n)
		compact(path, lg);
	return 0;
}

const struct ledger_ent *
ledger_find(const struct ledger *lg, const char *user, const char *group,
    const char *name)
{
	struct ledger_key key = { user, group, name };

	if (lg->n == 0)
		return NULL;
	/* Keys are unique after loading. */
	return bsearch(&key, lg->v, lg->n, sizeof(*lg->v), cmp_find);
}

void
ledger_free(struct ledger *lg)
{
	size_t i;

	for (i = 0; i < lg->n; i++)
		free(lg->v[i].user);
	free(lg->v);
	lg->v = NULL;
	lg->n = 0;
}

int
ledger_note(const char *path, const char *user, const char *group,
    const char *name, const char *file, uint64_t size, uint64_t mtime,
    const uint8_t sha1[20], char *err, size_t errlen)
{
	char line[LEDGER_LINE_MAX], dir[PATH_MAX], *slash;
	int fd, n;

	if (strchr(file, '\n') != NULL || file[0] != '/') {
		snprintf(err, errlen, "%s: not recorded (a path with a newline "
		    "or not absolute)", name);
		return -1;
	}
	if ((n = format_line(line, sizeof(line), user, group, name, file,
	    size, mtime, sha1)) == -1) {
		snprintf(err, errlen, "%s: path too long to record", name);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if ((fd = open_own(path, O_WRONLY | O_APPEND | O_CREAT, err,
	    errlen)) == -1)
		return -1;
	if (write(fd, line, (size_t)n) != n) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
