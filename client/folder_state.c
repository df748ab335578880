/*
 * folder_state.c - a synced folder's names and the state it keeps on disk
 * (see folder_int.h): its index inside the folder, and the list of synced
 * folders in the client's directory.  Both are written whole to a new
 * file (0600, O_NOFOLLOW), synced and renamed over the old, and read as
 * untrusted: bounded lines, strict numbers and hashes, valid names.
 */
#define FOLDER_INTERNAL
#include "folder_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "folder.h"
#include "folder_rules.h"
#include "log.h"
#include "xalloc.h"

#define INDEX_FILE	"index"
/* Index and list lines: a name or path, hashes, numbers. */
#define LINE_MAX_INDEX	(PATH_MAX + 256)

int
fstate_path(const char *dir, const char *name, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

struct fentry *
fstate_entry(struct folder *f, const char *name, int make)
{
	struct fentry *e;
	char p[PATH_MAX];

	for (e = f->files; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	if (!make || !folder_candidate(name) ||
	    fstate_path(f->stage, name, p) == -1)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->f = f;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->next = f->files;
	f->files = e;
	return e;
}

void
fstate_free(struct folder *f)
{
	struct fentry *e;

	while ((e = f->files) != NULL) {
		f->files = e->next;
		free(e->pieces);
		free(e);
	}
	free(f);
}

/* The index: one line a name, tab-separated. */

static void
hex_or_dash(FILE *fp, int has, const uint8_t h[20])
{
	char hex[41];

	if (!has) {
		fputs("\t-", fp);
		return;
	}
	hex_encode(h, 20, hex);
	fprintf(fp, "\t%s", hex);
}

void
fstate_save(struct folder *f)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	struct fentry *e;
	FILE *fp;
	int fd;

	f->save = 0;
	if (fstate_path(f->state, INDEX_FILE, path) == -1)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		log_warn("%s", tmp);
		return;
	}
	for (e = f->files; e != NULL; e = e->next) {
		if (!e->has_base && !e->has_gone && !e->hashed)
			continue;
		fprintf(fp, "%s\t%llu\t%lld", e->name,
		    (unsigned long long)e->size, (long long)e->mtime);
		hex_or_dash(fp, e->present && e->hashed, e->sha1);
		hex_or_dash(fp, e->has_base, e->base);
		hex_or_dash(fp, e->has_gone, e->gone);
		fprintf(fp, "\t%d\n", e->authored);
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) == -1) {
		log_warn("%s", tmp);
		(void)fclose(fp);
		(void)unlink(tmp);
		return;
	}
	if (fclose(fp) != 0 || rename(tmp, path) == -1) {
		log_warn("%s", path);
		(void)unlink(tmp);
	}
}

/* 40 hex digits into h: 1; "-": 0; else -1. */
static int
unhex(const char *s, uint8_t h[20])
{
	int i, hi, lo;

	if (strcmp(s, "-") == 0)
		return 0;
	if (strlen(s) != 40)
		return -1;
	for (i = 0; i < 20; i++) {
		hi = (s[2 * i] >= '0' && s[2 * i] <= '9') ? s[2 * i] - '0' :
		    (s[2 * i] >= 'a' && s[2 * i] <= 'f') ? s[2 * i] - 'a' + 10 :
		    -1;
		lo = (s[2 * i + 1] >= '0' && s[2 * i + 1] <= '9') ?
		    s[2 * i + 1] - '0' : (s[2 * i + 1] >= 'a' &&
		    s[2 * i + 1] <= 'f') ? s[2 * i + 1] - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		h[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

/* Split line at tabs into at most max fields; the count. */
static int
split_tabs(char *line, char **field, int max)
{
	int n = 0;
	char *p = line, *t;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		field[n++] = p;
		if ((t = strchr(p, '\t')) == NULL)
			break;
		*t = '\0';
		p = t + 1;
	}
	return n;
}

/* Read the index; a line that does not parse is skipped. */
void
fstate_load(struct folder *f)
{
	char path[PATH_MAX], line[LINE_MAX_INDEX], *fl[8];
	long long size, mtime, authored;
	struct fentry *e;
	uint8_t h[3][20];
	int has[3], i, fd;
	FILE *fp;

	if (fstate_path(f->state, INDEX_FILE, path) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (split_tabs(line, fl, 8) != 7 ||
		    parse_num(fl[1], 0, INT64_MAX, &size) == -1 ||
		    parse_num(fl[2], INT64_MIN, INT64_MAX, &mtime) == -1 ||
		    parse_num(fl[6], 0, 1, &authored) == -1)
			continue;
		for (i = 0; i < 3; i++)
			if ((has[i] = unhex(fl[3 + i], h[i])) == -1)
				break;
		if (i < 3 || (e = fstate_entry(f, fl[0], 1)) == NULL)
			continue;
		e->size = (uint64_t)size;
		e->mtime = mtime;
		e->hashed = has[0];
		memcpy(e->sha1, h[0], 20);
		e->has_base = has[1];
		memcpy(e->base, h[1], 20);
		e->has_gone = has[2];
		memcpy(e->gone, h[2], 20);
		e->authored = (int)authored;
	}
	(void)fclose(fp);
}

/* The list of synced folders, in the client's directory. */

/*
 * Rewrite FOLDER_LIST without (user, dir), then with (user, group, dir)
 * if add.
 */
void
fstate_list_update(const char *user, const char *group, const char *dir, int add)
{
	char line[LINE_MAX_INDEX], copy[LINE_MAX_INDEX], *fl[4];
	FILE *in, *out;
	int fd;

	if ((fd = open(FOLDER_LIST ".new", O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1 ||
	    (out = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		log_warn("%s.new", FOLDER_LIST);
		return;
	}
	if ((fd = open(FOLDER_LIST, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) != -1) {
		if ((in = fdopen(fd, "r")) == NULL)
			close(fd);
		else {
			while (fgets(line, sizeof(line), in) != NULL) {
				snprintf(copy, sizeof(copy), "%s", line);
				if (split_tabs(copy, fl, 4) != 3 ||
				    (strcmp(fl[0], user) == 0 &&
				    strcmp(fl[2], dir) == 0))
					continue;
				fputs(line, out);
			}
			(void)fclose(in);
		}
	}
	if (add)
		fprintf(out, "%s\t%s\t%s\n", user, group, dir);
	if (fflush(out) != 0 || fsync(fileno(out)) == -1 || fclose(out) != 0 ||
	    rename(FOLDER_LIST ".new", FOLDER_LIST) == -1)
		log_warn("%s", FOLDER_LIST);
}

unsigned
fstate_list_each(const char *user, void (*fn)(void *, const char *,
    const char *), void *arg)
{
	char line[LINE_MAX_INDEX], *fl[4];
	unsigned n = 0;
	FILE *fp;
	int fd;

	if ((fd = open(FOLDER_LIST, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return 0;
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return 0;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (split_tabs(line, fl, 4) != 3 || strcmp(fl[0], user) != 0 ||
		    !parse_id(fl[1]) || fl[2][0] != '/')
			continue;
		fn(arg, fl[1], fl[2]);
		n++;
	}
	(void)fclose(fp);
	return n;
}
