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
#define COMMANDS_INTERNAL
#include "commands_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "conn.h"
#include "complete.h"
#include "crypto.h"
#include "help.h"
#include "log.h"
#include "rate.h"
#include "shell.h"
#include "suggest.h"
#include "tracker_link.h"

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

void
commands_init(struct client *cl, const struct commands_events *ev)
{
	cl->cmd_events = ev;
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
	tlink_send(cl->tl, cmd_reply, cl);
	return CMD_WAIT;
}

static enum cmd_rc
c_login(struct client *cl, int argc, char **argv)
{
	uint8_t tok[WIRE_TOKEN_LEN];
	struct wire_enc *e;

	(void)argc;
	if (argv[2][0] == '\0' || strlen(argv[2]) > 256) {
		commands_error(cl, "password must be 1 to 256 characters");
		return CMD_FAIL;
	}
	/* Ours: a LOGIN resent after a failover makes one session. */
	if (random_bytes(tok, sizeof(tok)) == -1) {
		commands_error(cl, "no randomness for a session token");
		return CMD_FAIL;
	}
	e = tlink_begin(cl->tl, WT_LOGIN);
	wire_put_id(e, argv[1]);
	wire_put_str(e, argv[2]);
	wire_put_str(e, cl->addr);
	wire_put_token(e, tok);
	tlink_send(cl->tl, cmd_reply, cl);
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
	cmd_reply(arg, m, err);
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
	return cmd_simple(cl, WT_CREATE_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_join_group(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "asked to join group %s",
	    argv[1]);
	return cmd_simple(cl, WT_JOIN_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_leave_group(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "left group %s", argv[1]);
	suggest_expect(cl, SUGGEST_LEFT_GROUP, argv[1], NULL);
	return cmd_simple(cl, WT_LEAVE_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_accept_request(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "%s accepted into group %s",
	    argv[2], argv[1]);
	suggest_expect(cl, SUGGEST_DROP_REQUEST, argv[1], argv[2]);
	return cmd_simple(cl, WT_ACCEPT_REQUEST, argv[1], argv[2]);
}

static enum cmd_rc
c_reject_request(struct client *cl, int argc, char **argv)
{
	(void)argc;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "request of %s to join "
	    "group %s rejected", argv[2], argv[1]);
	suggest_expect(cl, SUGGEST_DROP_REQUEST, argv[1], argv[2]);
	return cmd_simple(cl, WT_REJECT_REQUEST, argv[1], argv[2]);
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
	{ "sync_folder", "<dir> <group_id>", 2, 2, 1, "dg", c_sync_folder,
	    "keep a folder and a group in step", NULL },
	{ "unsync_folder", "<dir>", 1, 1, 1, "d", c_unsync_folder,
	    "stop syncing a folder (its files stay, shared)", NULL },
	{ "list_folders", "", 0, 0, 1, "", c_list_folders,
	    "this session's synced folders: folder, group", NULL },
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
