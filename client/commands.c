/*
 * commands.c - the shell's command table and the commands themselves
 * (see commands.h).
 *
 * One row per command (name, usage, arity, whether it needs a session,
 * the kinds of its arguments, handler) drives dispatch, help and
 * completion (the kinds say what Tab offers: complete.h).  A handler returns
 * CMD_DONE when it finished (its output printed) or CMD_WAIT when a
 * request is under way; the reply callback then prints and calls
 * cmd_done(), which lets the shell go on.  Arguments are checked here
 * before anything is sent, so a malformed id never reaches the network;
 * the tracker checks again.
 *
 * Owns the commands' output (results on stdout, "error:" lines on
 * stderr) and starts and ends sessions (main.c also ends one the tracker
 * forgot).  What the tracker says is printed through log_print() or
 * log_escape(), never as it came.  Never stops the process nor what a
 * session runs (keepalive, downloads, serving) itself: quit and the
 * session's start and end go to main.c through commands_events.
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "conn.h"
#include "crypto.h"
#include "complete.h"
#include "download.h"
#include "help.h"
#include "log.h"
#include "loop.h"
#include "match.h"
#include "rate.h"
#include "reshare.h"
#include "search.h"
#include "shares.h"
#include "shell.h"
#include "suggest.h"
#include "tracker_link.h"
#include "xalloc.h"

enum cmd_rc { CMD_DONE, CMD_FAIL, CMD_WAIT };

struct cmd {
	const char	*name;
	const char	*args;		/* usage after the name */
	int		 min, max;	/* word count after the name */
	int		 session;	/* 1: must be logged in, -1: must not */
	const char	*kinds;		/* one letter an argument, checked
					   before fn: g, n group id; u, r user
					   id; f file name; others anything.
					   Tab offers by them: complete.h */
	enum cmd_rc	(*fn)(struct client *, int, char **);
	const char	*help;
	const char	*word;		/* the one word an optional last
					   argument may be, or NULL */
};

static const struct cmd	table[];
static void	cmd_done(struct client *, int);
static void	logged_in(struct client *, unsigned, unsigned);

void
commands_init(struct client *cl, const struct commands_events *ev)
{
	cl->cmd_events = ev;
}

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

static int
check_id(struct client *cl, const char *what, const char *id)
{
	if (parse_id(id))
		return 0;
	commands_error(cl, "invalid %s '%.80s': use 1 to %d letters, digits, "
	    "'.', '_' or '-'", what, id, ID_MAX);
	return -1;
}

/* Check each argument against its kind in the command's row. */
static int
check_args(struct client *cl, const char *kinds, int argc, char **argv)
{
	int i;

	for (i = 0; kinds[i] != '\0' && i + 1 < argc; i++) {
		const char *a = argv[i + 1];

		switch (kinds[i]) {
		case 'g':
		case 'n':
			if (check_id(cl, "group id", a) == -1)
				return -1;
			break;
		case 'u':
		case 'r':
			if (check_id(cl, "user id", a) == -1)
				return -1;
			break;
		case 'f':
			if (!parse_filename(a)) {
				commands_error(cl,
				    "invalid file name '%.80s'", a);
				return -1;
			}
			break;
		}
	}
	return 0;
}

/*
 * The common reply path: an error prints its message; OK prints the
 * command's success line; a list prints one name a line.
 */
static void
on_reply(void *arg, const struct wire_msg *m, const char *err)
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
		reshare_start(cl, logged_in);
		return;
	default:
		commands_error(cl, "unexpected reply from tracker");
		cmd_done(cl, 0);
		return;
	}
	cmd_done(cl, 1);
}

static void
logged_in(struct client *cl, unsigned n, unsigned checking)
{
	printf("logged in as %s", cl->user);
	if (n > 0 || checking > 0)
		printf(" (sharing %u file%s again%s)", n + checking,
		    n + checking == 1 ? "" : "s", checking ?
		    ", some being rechecked" : "");
	printf("\n");
	cmd_done(cl, 1);
}

/* Send a request whose fields are the token (if any) then ids. */
static enum cmd_rc
simple(struct client *cl, unsigned type, const char *a, const char *b)
{
	struct wire_enc *e = tlink_begin(cl->tl, type);

	wire_put_token(e, cl->token);
	if (a != NULL)
		wire_put_id(e, a);
	if (b != NULL)
		wire_put_id(e, b);
	tlink_send(cl->tl, on_reply, cl);
	return CMD_WAIT;
}

static enum cmd_rc
c_create_user(struct client *cl, int argc, char **argv)
{
	struct wire_enc *e;

	(void)argc;
	if (argv[2][0] == '\0' || strlen(argv[2]) > 256) {
		commands_error(cl, "password must be 1 to 256 characters");
		return CMD_FAIL;
	}
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "user %s created", argv[1]);
	e = tlink_begin(cl->tl, WT_CREATE_USER);
	wire_put_id(e, argv[1]);
	wire_put_str(e, argv[2]);
	tlink_send(cl->tl, on_reply, cl);
	return CMD_WAIT;
}

static enum cmd_rc
c_login(struct client *cl, int argc, char **argv)
{
	struct wire_enc *e;

	(void)argc;
	if (argv[2][0] == '\0' || strlen(argv[2]) > 256) {
		commands_error(cl, "password must be 1 to 256 characters");
		return CMD_FAIL;
	}
	e = tlink_begin(cl->tl, WT_LOGIN);
	wire_put_id(e, argv[1]);
	wire_put_str(e, argv[2]);
	wire_put_str(e, cl->addr);
	tlink_send(cl->tl, on_reply, cl);
	return CMD_WAIT;
}

static void
on_logout(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;

	/*
	 * The session ends here whatever the tracker says: if it cannot be
	 * reached, the token is forgotten and the session dies unused.
	 */
	cl->logged_in = 0;
	memset(cl->token, 0, sizeof(cl->token));
	cl->cmd_events->session_ended(cl);
	/* A session the tracker no longer knows is just as ended. */
	if (err == NULL && (m->h.type == WT_OK || (m->h.type == WT_ERROR &&
	    m->f[ERROR_CODE].u == WE_AUTH))) {
		printf("%s\n", cl->ok_msg);
		cmd_done(cl, 1);
		return;
	}
	on_reply(arg, m, err);
}

/* logout, or logout --all: every session of the user, on every client. */
static enum cmd_rc
c_logout(struct client *cl, int argc, char **argv)
{
	struct wire_enc *e;

	(void)argv;
	int all = argc == 2;	/* the table let only "--all" through */
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "%s", all ? "logged out "
	    "(every session of this user ended)" : "logged out");
	e = tlink_begin(cl->tl, all ? WT_LOGOUT_ALL : WT_LOGOUT);
	wire_put_token(e, cl->token);
	tlink_send(cl->tl, on_logout, cl);
	return CMD_WAIT;
}

static enum cmd_rc
c_create_group(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "group %s created",
	    argv[1]);
	suggest_expect(cl, SUGGEST_ADD_GROUP, argv[1], NULL);
	return simple(cl, WT_CREATE_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_join_group(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "asked to join group %s",
	    argv[1]);
	return simple(cl, WT_JOIN_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_leave_group(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "left group %s", argv[1]);
	suggest_expect(cl, SUGGEST_LEFT_GROUP, argv[1], NULL);
	return simple(cl, WT_LEAVE_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_list_requests(struct client *cl, int argc, char **argv)
{
	(void)argc;
	suggest_expect(cl, SUGGEST_LIST_REQUESTS, argv[1], NULL);
	return simple(cl, WT_LIST_REQUESTS, argv[1], NULL);
}

static enum cmd_rc
c_accept_request(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "%s accepted into group %s",
	    argv[2], argv[1]);
	suggest_expect(cl, SUGGEST_DROP_REQUEST, argv[1], argv[2]);
	return simple(cl, WT_ACCEPT_REQUEST, argv[1], argv[2]);
}

static enum cmd_rc
c_reject_request(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "request of %s to join "
	    "group %s rejected", argv[2], argv[1]);
	suggest_expect(cl, SUGGEST_DROP_REQUEST, argv[1], argv[2]);
	return simple(cl, WT_REJECT_REQUEST, argv[1], argv[2]);
}

static enum cmd_rc
c_list_groups(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	suggest_expect(cl, SUGGEST_LIST_GROUPS, NULL, NULL);
	return simple(cl, WT_LIST_GROUPS, NULL, NULL);
}

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
	free(u->h.pieces);
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
		    u->size, u->h.pieces, u->h.npieces, 1, e, sizeof(e));
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
		    u->h.npieces);
		upload_free(u);
		cmd_done(cl, 1);
		return;
	}
	upload_free(u);
	on_reply(cl, m, err);
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
	wire_put_id(e, u->group);
	wire_put_str(e, u->name);
	wire_put_u64(e, u->size);
	wire_put_hash(e, h->sha1);
	wire_put_hashes(e, h->pieces, h->npieces);
	wire_put_str(e, u->path);
	wire_put_u64(e, u->mtime);
	tlink_send(cl->tl, uploaded, u);
}

static enum cmd_rc
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

static void
on_files(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	char hex[SHA1_HEX];

	suggest_reply(cl, err == NULL ? m : NULL);
	if (err != NULL || m->h.type != WT_FILES) {
		on_reply(arg, m, err);
		return;
	}
	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f)) {
		hex_encode(f[FILES_SHA1].p, 20, hex);
		log_print(stdout, f[FILES_NAME].s);
		printf("\t%llu\t%s\n", (unsigned long long)f[FILES_SIZE].u,
		    hex);
	}
	cmd_done(cl, 1);
}

static enum cmd_rc
c_list_files(struct client *cl, int argc, char **argv)
{
	struct wire_enc *e;

	(void)argc;
	suggest_expect(cl, SUGGEST_LIST_FILES, argv[1], NULL);
	e = tlink_begin(cl->tl, WT_LIST_FILES);
	wire_put_token(e, cl->token);
	wire_put_id(e, argv[1]);
	tlink_send(cl->tl, on_files, cl);
	return CMD_WAIT;
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
	on_reply(cl, m, err);
}

static enum cmd_rc
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

static enum cmd_rc
c_download_file(struct client *cl, int argc, char **argv)
{
	(void)argc;
	download_start(cl, argv[1], argv[2], argv[3], download_started, cl);
	return CMD_WAIT;
}

static enum cmd_rc
c_show_downloads(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	download_list(cl);
	return CMD_DONE;
}

static enum cmd_rc
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
	tlink_send(cl->tl, on_reply, cl);
	return CMD_WAIT;
}

/* help: the command list; help NAME: one command (help.c's text). */
static enum cmd_rc
c_help(struct client *cl, int argc, char **argv)
{
	const struct cmd *c;
	const char *text;
	char esc[63 + 4];

	if (argc == 1) {
		for (c = table; c->name != NULL; c++)
			printf("%s%s%s\t%s\n", c->name, c->args[0] ? " " : "",
			    c->args, c->help);
		return CMD_DONE;
	}
	for (c = table; c->name != NULL; c++)
		if (strcasecmp(c->name, argv[1]) == 0)
			break;
	if (c->name == NULL) {
		commands_error(cl, "help: no command '%s' (try help)",
		    log_escape(esc, sizeof(esc), argv[1], strlen(argv[1])));
		return CMD_FAIL;
	}
	printf("usage: %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
	if ((text = help_text(c->name)) != NULL)
		fputs(text, stdout);
	else
		printf("%s\n", c->help);
	return CMD_DONE;
}

static enum cmd_rc
c_echo(struct client *cl, int argc, char **argv)
{
	int i;

	(void)cl;
	for (i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
	return CMD_DONE;
}

/* set_limit up|down RATE|off: what this client may take of its link. */
static enum cmd_rc
c_set_limit(struct client *cl, int argc, char **argv)
{
	struct conn_limit *lim;
	uint64_t bps;
	char txt[32];

	(void)argc;
	if (strcmp(argv[1], "up") == 0)
		lim = cl->up_limit;
	else if (strcmp(argv[1], "down") == 0)
		lim = cl->down_limit;
	else {
		commands_error(cl, "set_limit: say up or down, then a rate");
		return CMD_FAIL;
	}
	if (rate_parse(argv[2], &bps) == -1) {
		commands_error(cl, "set_limit: bad rate: bytes a second, as "
		    "800k or 2.5M, or off");
		return CMD_FAIL;
	}
	conn_limit_set(lim, bps);
	rate_format(bps, txt, sizeof(txt));
	printf("%s limit: %s\n", lim == cl->up_limit ? "upload" : "download",
	    txt);
	return CMD_DONE;
}

static enum cmd_rc
c_quit(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cl->cmd_events->quit(cl);
	return CMD_DONE;
}

static const struct cmd table[] = {
	{ "create_user", "<user_id> <password>", 2, 2, 0, "u-", c_create_user,
	    "create an account", NULL },
	{ "login", "<user_id> <password>", 2, 2, -1, "u-", c_login,
	    "start a session", NULL },
	{ "logout", "[--all]", 0, 1, 1, "-", c_logout,
	    "end the session (--all: every session of this user)", "--all" },
	{ "create_group", "<group_id>", 1, 1, 1, "n", c_create_group,
	    "create a group you own", NULL },
	{ "join_group", "<group_id>", 1, 1, 1, "g", c_join_group,
	    "ask the owner to let you in", NULL },
	{ "leave_group", "<group_id>", 1, 1, 1, "g", c_leave_group,
	    "leave a group", NULL },
	{ "list_requests", "<group_id>", 1, 1, 1, "g", c_list_requests,
	    "pending join requests (owner)", NULL },
	{ "accept_request", "<group_id> <user_id>", 2, 2, 1, "gr",
	    c_accept_request, "let a user in (owner)", NULL },
	{ "reject_request", "<group_id> <user_id>", 2, 2, 1, "gr",
	    c_reject_request, "turn a request down (owner)", NULL },
	{ "list_groups", "", 0, 0, 1, "", c_list_groups,
	    "every group in the network", NULL },
	{ "list_files", "<group_id>", 1, 1, 1, "g", c_list_files,
	    "files shared in a group: name, size, SHA1", NULL },
	{ "search", "<pattern>", 1, 1, 1, "-", c_search,
	    "files of your groups by name: name, group, size, SHA1 (* and ? "
	    "are wildcards; without them, any part of the name)", NULL },
	{ "upload_file", "<file_path> <group_id>", 2, 2, 1, "pg", c_upload_file,
	    "share a file with a group", NULL },
	{ "download_file", "<group_id> <file_name> <destination_path>", 3, 3,
	    1, "gfd", c_download_file, "download in the background", NULL },
	{ "show_downloads", "", 0, 0, 1, "", c_show_downloads,
	    "this session's downloads and their progress", NULL },
	{ "stop_share", "<group_id> <file_name>", 2, 2, 1, "gf", c_stop_share,
	    "stop sharing a file (it stays on disk)", NULL },
	{ "stop_sharing", "<group_id> <file_name>", 2, 2, 1, "gf", c_stop_share,
	    "same as stop_share", NULL },
	{ "set_limit", "up|down <rate>|off", 2, 2, 0, "lo", c_set_limit,
	    "cap what transfers take of the link, in bytes a second "
	    "(as 800k, 2.5M)", NULL },
	{ "help", "[command]", 0, 1, 0, "c", c_help,
	    "this list, or what one command does, prints and its errors",
	    NULL },
	{ "echo", "[words...]", 0, WORDS_MAX - 1, 0, "", c_echo,
	    "print the words (marks progress in scripts)", NULL },
	{ "quit", "", 0, 0, 0, "", c_quit, "log out and exit", NULL },
	{ "exit", "", 0, 0, 0, "", c_quit, "same as quit", NULL },
	{ NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL }
};

const struct complete_cmd *
commands_completion(void)
{
	static struct complete_cmd cmds[sizeof(table) / sizeof(table[0])];
	size_t i;

	for (i = 0; table[i].name != NULL; i++) {
		cmds[i].name = table[i].name;
		cmds[i].kinds = table[i].kinds;
		cmds[i].word = table[i].word;
	}
	cmds[i].name = NULL;
	return cmds;
}

void
commands_line(struct client *cl, char *line, int kind)
{
	char store[LINE_MAX_LEN + 1], *argv[WORDS_MAX];
	const struct cmd *c;
	const char *why;
	int argc;

	if (kind == SHELL_LINE_TOO_LONG) {
		commands_error(cl, "line too long (at most %d bytes)",
		    LINE_MAX_LEN);
		return;
	}
	if (kind == SHELL_LINE_BINARY) {
		commands_error(cl, "line contains a NUL byte");
		return;
	}
	if (line[strspn(line, " \t")] == '#')
		return;
	argc = parse_words(line, store, sizeof(store), argv, WORDS_MAX, &why);
	if (argc == -1) {
		commands_error(cl, "%s", why);
		return;
	}
	if (argc == 0)
		return;
	for (c = table; c->name != NULL; c++)
		if (strcasecmp(c->name, argv[0]) == 0)
			break;
	if (c->name == NULL) {
		char esc[63 + 4];	/* 63 bytes, or 60 and "..." */

		commands_error(cl, "unknown command '%s' (try help)",
		    log_escape(esc, sizeof(esc), argv[0], strlen(argv[0])));
		return;
	}
	if (argc - 1 < c->min || argc - 1 > c->max || (c->word != NULL &&
	    argc - 1 > c->min && strcmp(argv[argc - 1], c->word) != 0)) {
		commands_error(cl, "usage: %s%s%s", c->name,
		    c->args[0] ? " " : "", c->args);
		return;
	}
	if (c->session == 1 && !cl->logged_in) {
		commands_error(cl, "not logged in (use login <user_id> "
		    "<password>)");
		return;
	}
	if (c->session == -1 && cl->logged_in) {
		commands_error(cl, "already logged in as %s (logout first)",
		    cl->user);
		return;
	}
	if (check_args(cl, c->kinds, argc, argv) == -1) {
		cl->failed = 1;
		fflush(stdout);
		return;
	}
	cl->ok_msg[0] = '\0';
	suggest_expect(cl, SUGGEST_NONE, NULL, NULL);
	/* Paused first: a reply may arrive before fn even returns. */
	shell_pause(cl->sh);
	switch (c->fn(cl, argc, argv)) {
	case CMD_WAIT:
		return;
	case CMD_FAIL:
		cmd_done(cl, 0);
		return;
	case CMD_DONE:
		cmd_done(cl, 1);
		return;
	}
}

/* The running command finished; ok 0 marks the session failed. */
static void
cmd_done(struct client *cl, int ok)
{
	if (!ok)
		cl->failed = 1;
	fflush(stdout);
	fflush(stderr);
	shell_resume(cl->sh);
}
