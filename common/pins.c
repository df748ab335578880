/*
 * pins.c - remembered identities (see pins.h).
 *
 * Owns nothing between calls.  Never follows a symlink at the file,
 * never appends to a file others may write, never writes more than the
 * one line of a new pin.
 */
#include "pins.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

int
pin_find(const char *text, size_t len, const char *name,
    uint8_t fp[TLS_FP_LEN], unsigned *line)
{
	char word[2][TLS_FP_TEXT + PINS_NAME_MAX];
	size_t i = 0, nl = strlen(name);
	unsigned no = 0;

	while (i < len) {
		size_t end = i, w, k;
		int nw = 0, bad = 0;

		while (end < len && text[end] != '\n')
			end++;
		no++;
		for (k = i; k < end && !bad; ) {
			while (k < end && (text[k] == ' ' || text[k] == '\t' ||
			    text[k] == '\r'))
				k++;
			if (k == end || (nw == 0 && text[k] == '#'))
				break;
			for (w = 0; k < end && text[k] != ' ' &&
			    text[k] != '\t' && text[k] != '\r'; k++)
				if (nw < 2 && w + 1 < sizeof(word[0]))
					word[nw][w++] = text[k];
				else
					bad = 1;
			if (nw < 2)
				word[nw][w] = '\0';
			if (++nw > 2)
				bad = 1;
		}
		i = end + 1;
		if (bad || nw != 2 || strlen(word[0]) != nl ||
		    memcmp(word[0], name, nl) != 0 ||
		    tls_fp_parse(word[1], fp) == -1)
			continue;
		*line = no;
		return 1;
	}
	return 0;
}

/* The file's text (at most PINS_FILE_MAX bytes), "" if there is none. */
static char *
slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	char *text;
	ssize_t n;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return xcalloc(1, 1);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	text = xmalloc(PINS_FILE_MAX + 1);
	while (*len < PINS_FILE_MAX && (n = read(fd, text + *len,
	    PINS_FILE_MAX - *len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			free(text);
			return NULL;
		}
		*len += (size_t)n;
	}
	close(fd);
	text[*len] = '\0';
	return text;
}

/* Append "name fp" to path, making its folder (0700) and itself (0600). */
static int
pin_add(const char *path, const char *name, const uint8_t fp[TLS_FP_LEN],
    char *err, size_t errlen)
{
	char dir[4096], line[PINS_NAME_MAX + TLS_FP_TEXT + 2], *slash;
	struct stat st;
	int fd, n;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || (st.st_mode & 022) != 0 ||
	    st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: others may write it; it must be "
		    "the user's alone: chmod 600 %s", path, path);
		close(fd);
		return -1;
	}
	n = snprintf(line, sizeof(line), "%s ", name);
	tls_fp_text(fp, line + n);
	n += TLS_FP_TEXT - 1;
	line[n++] = '\n';
	if (write(fd, line, (size_t)n) != n || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

enum pin_rc
pin_check(const char *path, const char *name, const uint8_t fp[TLS_FP_LEN],
    int remember, uint8_t old[TLS_FP_LEN], unsigned *line, char *err,
    size_t errlen)
{
	size_t len;
	char *text;
	int found;

	if (strlen(name) >= PINS_NAME_MAX || strpbrk(name, " \t\r\n#")) {
		snprintf(err, errlen, "not a name for a pin");
		return PIN_ERR;
	}
	if ((text = slurp(path, &len, err, errlen)) == NULL)
		return PIN_ERR;
	found = pin_find(text, len, name, old, line);
	free(text);
	if (found)
		return memcmp(old, fp, TLS_FP_LEN) == 0 ? PIN_MATCH :
		    PIN_MISMATCH;
	if (remember && pin_add(path, name, fp, err, errlen) == -1)
		return PIN_ERR;
	return PIN_NEW;
}
