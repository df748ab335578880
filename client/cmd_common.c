/*
 * cmd_common.c - what every command's reply goes through (see
 * commands_int.h): "error:" lines, the common reply path, the shell's
 * resumption once a command is over, and the login's re-sharing of what
 * this user shared before.
 *
 * What the tracker says is printed through log_print() or log_escape(),
 * never as it came.  Names no handler: commands.c and the cmd_*.c files
 * call down into this one.
 */
#include "commands.h"
#define COMMANDS_INTERNAL
#include "commands_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "shares.h"
#include "shell.h"
#include "suggest.h"
#include "tracker_link.h"
#include "xalloc.h"

static void	reshare(struct client *);

void
commands_error(struct client *cl, const char *fmt, ...)
{
	va_list ap;

	cl->failed = 1;
	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}
/*
 * The common reply path: an error prints its message; OK prints the
 * command's success line; a list prints one name a line.
 */
void
cmd_reply(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;

	suggest_reply(cl, err == NULL ? m : NULL);
	if (err != NULL) {
		commands_error(cl, "%s", err);
		cmd_done(cl, 0);
		return;
	}
	switch (m->h.type) {
	case WT_ERROR:
		cl->failed = 1;
		fflush(stdout);
		fputs("error: ", stderr);
		log_print(stderr, m->f[ERROR_MSG].s);
		fputc('\n', stderr);
		if (m->f[ERROR_CODE].u == WE_AUTH && cl->logged_in) {
			/* The tracker no longer knows our session. */
			cl->logged_in = 0;
		}
		cmd_done(cl, 0);
		return;
	case WT_OK:
		if (cl->ok_msg[0] != '\0')
			printf("%s\n", cl->ok_msg);
		break;
	case WT_NAMES:
		wire_iter_init(&it, m);
		while (wire_iter_next(&it, f)) {
			log_print(stdout, f[NAMES_NAME].s);
			fputc('\n', stdout);
		}
		break;
	case WT_SESSION:
		if (m->f[SESSION_TICKET_KEY].n != sizeof(cl->ticket_key)) {
			commands_error(cl, "malformed session from tracker");
			cmd_done(cl, 0);
			return;
		}
		memcpy(cl->token, m->f[SESSION_TOKEN].p, WIRE_TOKEN_LEN);
		memcpy(cl->ticket_key, m->f[SESSION_TICKET_KEY].p,
		    sizeof(cl->ticket_key));
		/* An id: the codec let only [A-Za-z0-9._-] through. */
		snprintf(cl->user, sizeof(cl->user), "%s",
		    m->f[SESSION_USER].s);
		cl->logged_in = 1;
		cl->cmd_events->session_started(cl);
		reshare(cl);
		return;
	default:
		commands_error(cl, "unexpected reply from tracker");
		cmd_done(cl, 0);
		return;
	}
	cmd_done(cl, 1);
}

/*
 * Login: offer again every file this user shared before that is still on
 * disk unchanged (same size and modification time), without hashing.  A
 * file whose time changed but size did not is hashed again in the
 * background and offered only if its content is the same.
 */
struct recheck {
	struct client	*cl;
	char		 group[ID_MAX + 1], name[NAME_MAX_LEN + 1];
	char		 path[PATH_MAX];
	uint8_t		 sha1[20];
	int		 fd;
	uint64_t	 mtime;
};

static void
reshared(void *arg, const struct wire_msg *m, const char *err)
{
	const char *why;
	char esc[512];

	(void)arg;
	if (err != NULL || m->h.type == WT_ERROR) {
		why = err ? err : m->f[ERROR_MSG].s;
		log_warnx("re-sharing refused: %s",
		    log_escape(esc, sizeof(esc), why, strlen(why)));
	}
}

static void
send_share(struct client *cl, unsigned type, const char *group,
    const char *name, const struct share *sh, uint64_t mtime)
{
	struct wire_enc *e = tlink_begin(cl->tl, type);

	wire_put_token(e, cl->token);
	wire_put_id(e, group);
	wire_put_str(e, name);
	if (type == WT_UPLOAD) {
		wire_put_u64(e, sh->size);
		wire_put_hash(e, sh->sha1);
		wire_put_hashes(e, sh->hashes, sh->npieces);
		wire_put_str(e, sh->path);
		wire_put_u64(e, mtime);
	}
	tlink_send(cl->tl, reshared, cl);
}

static void
rechecked(void *arg, struct file_hash *h)
{
	struct recheck *r = arg;
	struct client *cl = r->cl;
	struct share *sh;
	char err[256];

	if (h->ok && cl->logged_in && memcmp(h->sha1, r->sha1, 20) == 0 &&
	    shares_get(cl, r->group, r->name) == NULL &&
	    (sh = shares_add(cl, r->group, r->name, r->path, h->sha1, h->size,
	    h->pieces, h->npieces, 1, err, sizeof(err))) != NULL)
		send_share(cl, WT_UPLOAD, r->group, r->name, sh, r->mtime);
	free(h->pieces);
	close(r->fd);
	free(r);
}

static void
on_my_shares(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct share *sh;
	struct stat st;
	char e[256];
	unsigned n = 0, checking = 0;

	if (err == NULL && m->h.type == WT_SHARES && cl->logged_in) {
		wire_iter_init(&it, m);
		while (wire_iter_next(&it, f)) {
			const char *g = f[SHARES_GROUP].s;
			const char *name = f[SHARES_NAME].s;
			const char *path = f[SHARES_PATH].s;
			uint64_t size = f[SHARES_SIZE].u;
			uint64_t mtime = f[SHARES_MTIME].u;

			/* A path we could not hold whole is not ours. */
			if (!parse_filename(name) || shares_get(cl, g, name) ||
			    strlen(path) >= PATH_MAX ||
			    stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
			    (uint64_t)st.st_size != size)
				continue;
			if ((uint64_t)st.st_mtime != mtime) {
				struct recheck *r = xcalloc(1, sizeof(*r));

				r->cl = cl;
				snprintf(r->group, sizeof(r->group), "%s", g);
				snprintf(r->name, sizeof(r->name), "%s", name);
				snprintf(r->path, sizeof(r->path), "%s", path);
				memcpy(r->sha1, f[SHARES_SHA1].p, 20);
				r->mtime = (uint64_t)st.st_mtime;
				if ((r->fd = open(path, O_RDONLY |
				    O_CLOEXEC)) == -1) {
					free(r);
					continue;
				}
				hash_file(cl, r->fd, size, rechecked, r);
				checking++;
				continue;
			}
			/* Unchanged: serve it again as it is. */
			sh = shares_add(cl, g, name, path, f[SHARES_SHA1].p,
			    size, NULL, 0, 1, e, sizeof(e));
			if (sh == NULL)
				continue;
			send_share(cl, WT_SHARE, g, name, NULL, 0);
			n++;
		}
	}
	printf("logged in as %s", cl->user);
	if (n > 0 || checking > 0)
		printf(" (sharing %u file%s again%s)", n + checking,
		    n + checking == 1 ? "" : "s", checking ?
		    ", some being rechecked" : "");
	printf("\n");
	cmd_done(cl, 1);
}

static void
reshare(struct client *cl)
{
	struct wire_enc *e = tlink_begin(cl->tl, WT_MY_SHARES);

	wire_put_token(e, cl->token);
	tlink_send(cl->tl, on_my_shares, cl);
}

/* Send a request whose fields are the token (if any) then ids. */
enum cmd_rc
cmd_simple(struct client *cl, unsigned type, const char *a, const char *b)
{
	struct wire_enc *e = tlink_begin(cl->tl, type);

	wire_put_token(e, cl->token);
	if (a != NULL)
		wire_put_id(e, a);
	if (b != NULL)
		wire_put_id(e, b);
	tlink_send(cl->tl, cmd_reply, cl);
	return CMD_WAIT;
}

/* The running command finished; ok 0 marks the session failed. */
void
cmd_done(struct client *cl, int ok)
{
	if (!ok)
		cl->failed = 1;
	fflush(stdout);
	fflush(stderr);
	shell_resume(cl->sh);
}
