/*
 * cmd_files.c - the commands about files (see commands_int.h):
 * upload_file (hashing, with a progress bar on a terminal), list_files,
 * search, download_file, show_downloads and stop_share.
 *
 * Arguments were checked by commands.c against the command's row; the
 * replies go through cmd_common.c.  What the tracker says is printed
 * escaped (log_print), never as it came.
 */
#include "commands.h"
#define COMMANDS_INTERNAL
#include "commands_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "crypto.h"
#include "download.h"
#include "log.h"
#include "loop.h"
#include "match.h"
#include "reshare.h"
#include "search.h"
#include "shares.h"
#include "shell.h"
#include "suggest.h"
#include "tracker_link.h"
#include "xalloc.h"

/* Files. */

struct upload {
	struct client		*cl;
	struct hash_task	*task;
	struct loop_timer	*bar;
	char			 group[ID_MAX + 1];
	char			 name[NAME_MAX_LEN + 1];
	char			 path[PATH_MAX];
	uint64_t		 size, mtime;
	struct file_hash	 h;
	int			 fd;
	int			 shown;
	uint64_t		 t0;		/* hashing started (ms) */
};

static void
upload_free(struct upload *u)
{
	loop_timer_cancel(u->cl->loop, u->bar);
	if (u->shown)
		fprintf(stderr, "\r\033[K");
	free(u->h.hashes);
	close(u->fd);
	free(u);
}

/* On a terminal, a progress bar while a large file hashes. */
static void
upload_bar(void *arg)
{
	struct upload *u = arg;
	uint64_t done = hash_progress(u->task);
	int pct = u->size ? (int)(done * 100 / u->size) : 100, i;

	u->bar = NULL;
	fprintf(stderr, "\rhashing %.40s [", u->name);
	for (i = 0; i < 30; i++)
		fputc(i * 100 < pct * 30 ? '#' : '.', stderr);
	fprintf(stderr, "] %3d%%", pct);
	fflush(stderr);
	u->shown = 1;
	u->bar = loop_timer(u->cl->loop, 100, upload_bar, u);
}

static void
uploaded(void *arg, const struct wire_msg *m, const char *err)
{
	struct upload *u = arg;
	struct client *cl = u->cl;
	struct share *sh;
	char e[300];

	suggest_reply(cl, err == NULL ? m : NULL);
	if (err == NULL && m->h.type == WT_OK) {
		if ((sh = shares_get(cl, u->group, u->name)) != NULL)
			shares_remove(cl, sh);
		sh = shares_add(cl, u->group, u->name, u->path, u->h.sha1,
		    u->size, u->h.hashes, u->h.nhashes, 1, e, sizeof(e));
		if (sh == NULL) {
			commands_error(cl, "%s", e);
			upload_free(u);
			cmd_done(cl, 0);
			return;
		}
		reshare_note(cl, u->group, u->name, u->path, u->size,
		    u->mtime, u->h.sha1);
		printf("sharing %s in group %s (%llu bytes, %u pieces)\n",
		    u->name, u->group, (unsigned long long)u->size,
		    (unsigned)wire_npieces(u->size));
		upload_free(u);
		cmd_done(cl, 1);
		return;
	}
	upload_free(u);
	cmd_reply(cl, m, err);
}

static void
hashed(void *arg, struct file_hash *h)
{
	struct upload *u = arg;
	struct client *cl = u->cl;
	struct wire_enc *e;

	u->h = *h;
	log_debug("%s: hashed %llu bytes in %llu ms", u->name,
	    (unsigned long long)u->size,
	    (unsigned long long)(loop_clock_ms() - u->t0));
	loop_timer_cancel(cl->loop, u->bar);
	u->bar = NULL;
	if (u->shown) {
		fprintf(stderr, "\r\033[K");
		u->shown = 0;
	}
	if (!h->ok || !cl->logged_in) {
		commands_error(cl, "%s: %s", u->path, h->ok ? "logged out" :
		    h->err);
		upload_free(u);
		cmd_done(cl, 0);
		return;
	}
	e = tlink_begin(cl->tl, WT_UPLOAD);
	wire_put_token(e, cl->token);
	wire_put_file(e, &(struct wire_file){ u->group, u->name, u->size,
	    h->sha1, h->hashes, h->nhashes, u->path, u->mtime });
	tlink_send(cl->tl, uploaded, u);
}

enum cmd_rc
c_upload_file(struct client *cl, int argc, char **argv)
{
	struct upload *u;
	struct stat st;
	const char *base;

	(void)argc;
	u = xcalloc(1, sizeof(*u));
	u->cl = cl;
	u->fd = -1;
	snprintf(u->group, sizeof(u->group), "%s", argv[2]);
	if (realpath(argv[1], u->path) == NULL ||
	    (u->fd = open(u->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(u->fd, &st) == -1) {
		commands_error(cl, "%s: %s", argv[1], strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		commands_error(cl, "%s: not a regular file", argv[1]);
		goto fail;
	}
	base = strrchr(u->path, '/') ? strrchr(u->path, '/') + 1 : u->path;
	if (!parse_filename(base)) {
		commands_error(cl, "%s: the file name cannot be shared",
		    argv[1]);
		goto fail;
	}
	snprintf(u->name, sizeof(u->name), "%.255s", base);
	u->size = (uint64_t)st.st_size;
	u->mtime = (uint64_t)st.st_mtime;
	u->t0 = loop_clock_ms();
	suggest_expect(cl, SUGGEST_ADD_FILE, u->group, u->name);
	u->task = hash_file(cl, u->fd, u->size, hashed, u);
	if (shell_is_tty(cl->sh) && u->size >= 64 * 1024 * 1024)
		u->bar = loop_timer(cl->loop, 200, upload_bar, u);
	return CMD_WAIT;
fail:
	if (u->fd != -1)
		close(u->fd);
	free(u);
	return CMD_FAIL;
}

/* Every page printed (m and err NULL), or what ended the search. */
static void
searched(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;

	if (m == NULL && err == NULL) {
		cmd_done(cl, 1);
		return;
	}
	cmd_reply(cl, m, err);
}

enum cmd_rc
c_search(struct client *cl, int argc, char **argv)
{
	const char *why;

	(void)argc;
	if ((why = match_check(argv[1])) != NULL) {
		commands_error(cl, "%s", why);
		return CMD_FAIL;
	}
	search_run(cl, argv[1], searched, cl);
	return CMD_WAIT;
}

/* The download is under way (err NULL) or could not start. */
static void
download_started(void *arg, const char *err)
{
	struct client *cl = arg;

	if (err != NULL)
		commands_error(cl, "%s", err);
	cmd_done(cl, err == NULL);
}

enum cmd_rc
c_download_file(struct client *cl, int argc, char **argv)
{
	(void)argc;
	download_start(cl, argv[1], argv[2], argv[3], download_started, cl);
	return CMD_WAIT;
}

enum cmd_rc
c_show_downloads(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	download_list(cl);
	return CMD_DONE;
}

enum cmd_rc
c_stop_share(struct client *cl, int argc, char **argv)
{
	struct share *sh;
	struct wire_enc *e;

	(void)argc;
	if ((sh = shares_get(cl, argv[1], argv[2])) != NULL) {
		if (!sh->complete) {
			commands_error(cl, "%s is still downloading", argv[2]);
			return CMD_FAIL;
		}
		shares_remove(cl, sh);
	}
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "stopped sharing %s in "
	    "group %s", argv[2], argv[1]);
	e = tlink_begin(cl->tl, WT_STOP_SHARE);
	wire_put_token(e, cl->token);
	wire_put_id(e, argv[1]);
	wire_put_str(e, argv[2]);
	tlink_send(cl->tl, cmd_reply, cl);
	return CMD_WAIT;
}
