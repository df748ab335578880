/*
 * commands.c - the shell's command table and the commands themselves.
 *
 * One row per command (name, usage, arity, whether it needs a session,
 * handler) drives dispatch, help and completion.  A handler returns
 * CMD_DONE when it finished (its output printed) or CMD_WAIT when a
 * request is under way; the reply callback then prints and calls
 * client_done().  Arguments are checked here before anything is sent, so
 * a malformed id never reaches the network; the tracker checks again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "shell.h"
#include "tracker_link.h"

enum cmd_rc { CMD_DONE, CMD_FAIL, CMD_WAIT };

struct cmd {
	const char	*name;
	const char	*args;		/* usage after the name */
	int		 min, max;	/* word count after the name */
	int		 session;	/* 1: must be logged in, -1: must not */
	enum cmd_rc	(*fn)(struct client *, int, char **);
	const char	*help;
};

static const struct cmd	table[];

void
client_error(struct client *cl, const char *fmt, ...)
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

/* Print a string from the network with control characters defused. */
static void
print_safe(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static int
check_id(struct client *cl, const char *what, const char *id)
{
	if (parse_id(id))
		return 0;
	client_error(cl, "invalid %s '%.80s': use 1 to %d letters, digits, "
	    "'.', '_' or '-'", what, id, ID_MAX);
	return -1;
}

/*
 * The common reply path: an error prints its message; OK prints the
 * command's success line; a list prints one name a line.
 */
static void
on_reply(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;
	struct wire_field f[1];
	struct wire_iter it;

	if (err != NULL) {
		client_error(cl, "%s", err);
		client_done(cl, 0);
		return;
	}
	switch (m->h.type) {
	case WT_ERROR:
		cl->failed = 1;
		fflush(stdout);
		fputs("error: ", stderr);
		print_safe(stderr, m->f[1].s);
		fputc('\n', stderr);
		if (m->f[0].u == WE_AUTH && cl->logged_in) {
			/* The tracker no longer knows our session. */
			cl->logged_in = 0;
		}
		client_done(cl, 0);
		return;
	case WT_OK:
		if (cl->ok_msg[0] != '\0')
			printf("%s\n", cl->ok_msg);
		break;
	case WT_NAMES:
		wire_iter_init(&it, m);
		while (wire_iter_next(&it, f)) {
			print_safe(stdout, f[0].s);
			fputc('\n', stdout);
		}
		break;
	case WT_SESSION:
		memcpy(cl->token, m->f[0].p, WIRE_TOKEN_LEN);
		snprintf(cl->user, sizeof(cl->user), "%s", m->f[1].s);
		cl->logged_in = 1;
		printf("logged in as %s\n", cl->user);
		break;
	default:
		client_error(cl, "unexpected reply from tracker");
		client_done(cl, 0);
		return;
	}
	client_done(cl, 1);
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
	if (check_id(cl, "user id", argv[1]) == -1)
		return CMD_FAIL;
	if (argv[2][0] == '\0' || strlen(argv[2]) > 256) {
		client_error(cl, "password must be 1 to 256 characters");
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
	if (check_id(cl, "user id", argv[1]) == -1)
		return CMD_FAIL;
	if (argv[2][0] == '\0' || strlen(argv[2]) > 256) {
		client_error(cl, "password must be 1 to 256 characters");
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
	/* A session the tracker no longer knows is just as ended. */
	if (err == NULL && (m->h.type == WT_OK || (m->h.type == WT_ERROR &&
	    m->f[0].u == WE_AUTH))) {
		printf("logged out\n");
		client_done(cl, 1);
		return;
	}
	on_reply(arg, m, err);
}

static enum cmd_rc
c_logout(struct client *cl, int argc, char **argv)
{
	struct wire_enc *e;

	(void)argc;
	(void)argv;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "logged out");
	e = tlink_begin(cl->tl, WT_LOGOUT);
	wire_put_token(e, cl->token);
	tlink_send(cl->tl, on_logout, cl);
	return CMD_WAIT;
}

static enum cmd_rc
c_create_group(struct client *cl, int argc, char **argv)
{
	(void)argc;
	if (check_id(cl, "group id", argv[1]) == -1)
		return CMD_FAIL;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "group %s created",
	    argv[1]);
	return simple(cl, WT_CREATE_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_join_group(struct client *cl, int argc, char **argv)
{
	(void)argc;
	if (check_id(cl, "group id", argv[1]) == -1)
		return CMD_FAIL;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "asked to join group %s",
	    argv[1]);
	return simple(cl, WT_JOIN_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_leave_group(struct client *cl, int argc, char **argv)
{
	(void)argc;
	if (check_id(cl, "group id", argv[1]) == -1)
		return CMD_FAIL;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "left group %s", argv[1]);
	return simple(cl, WT_LEAVE_GROUP, argv[1], NULL);
}

static enum cmd_rc
c_list_requests(struct client *cl, int argc, char **argv)
{
	(void)argc;
	if (check_id(cl, "group id", argv[1]) == -1)
		return CMD_FAIL;
	return simple(cl, WT_LIST_REQUESTS, argv[1], NULL);
}

static enum cmd_rc
c_accept_request(struct client *cl, int argc, char **argv)
{
	(void)argc;
	if (check_id(cl, "group id", argv[1]) == -1 ||
	    check_id(cl, "user id", argv[2]) == -1)
		return CMD_FAIL;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "%s accepted into group %s",
	    argv[2], argv[1]);
	return simple(cl, WT_ACCEPT_REQUEST, argv[1], argv[2]);
}

static enum cmd_rc
c_reject_request(struct client *cl, int argc, char **argv)
{
	(void)argc;
	if (check_id(cl, "group id", argv[1]) == -1 ||
	    check_id(cl, "user id", argv[2]) == -1)
		return CMD_FAIL;
	snprintf(cl->ok_msg, sizeof(cl->ok_msg), "request of %s to join "
	    "group %s rejected", argv[2], argv[1]);
	return simple(cl, WT_REJECT_REQUEST, argv[1], argv[2]);
}

static enum cmd_rc
c_list_groups(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return simple(cl, WT_LIST_GROUPS, NULL, NULL);
}

static enum cmd_rc
c_help(struct client *cl, int argc, char **argv)
{
	const struct cmd *c;

	(void)cl;
	(void)argc;
	(void)argv;
	for (c = table; c->name != NULL; c++)
		printf("%s%s%s\t%s\n", c->name, c->args[0] ? " " : "",
		    c->args, c->help);
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

static enum cmd_rc
c_quit(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	client_quit(cl);
	return CMD_DONE;
}

static const struct cmd table[] = {
	{ "create_user", "<user_id> <password>", 2, 2, 0, c_create_user,
	    "create an account" },
	{ "login", "<user_id> <password>", 2, 2, -1, c_login,
	    "start a session" },
	{ "logout", "", 0, 0, 1, c_logout, "end the session" },
	{ "create_group", "<group_id>", 1, 1, 1, c_create_group,
	    "create a group you own" },
	{ "join_group", "<group_id>", 1, 1, 1, c_join_group,
	    "ask the owner to let you in" },
	{ "leave_group", "<group_id>", 1, 1, 1, c_leave_group,
	    "leave a group" },
	{ "list_requests", "<group_id>", 1, 1, 1, c_list_requests,
	    "pending join requests (owner)" },
	{ "accept_request", "<group_id> <user_id>", 2, 2, 1,
	    c_accept_request, "let a user in (owner)" },
	{ "reject_request", "<group_id> <user_id>", 2, 2, 1,
	    c_reject_request, "turn a request down (owner)" },
	{ "list_groups", "", 0, 0, 1, c_list_groups,
	    "every group in the network" },
	{ "help", "", 0, 0, 0, c_help, "this list" },
	{ "echo", "[words...]", 0, WORDS_MAX - 1, 0, c_echo,
	    "print the words (marks progress in scripts)" },
	{ "quit", "", 0, 0, 0, c_quit, "log out and exit" },
	{ "exit", "", 0, 0, 0, c_quit, "same as quit" },
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

const char *const *
commands_names(void)
{
	static const char *names[sizeof(table) / sizeof(table[0])];
	size_t i;

	for (i = 0; table[i].name != NULL; i++)
		names[i] = table[i].name;
	names[i] = NULL;
	return names;
}

void
commands_line(struct client *cl, char *line, int kind)
{
	char store[LINE_MAX_LEN + 1], *argv[WORDS_MAX];
	const struct cmd *c;
	const char *why;
	int argc;

	if (kind == SHELL_LINE_TOO_LONG) {
		client_error(cl, "line too long (at most %d bytes)",
		    LINE_MAX_LEN);
		return;
	}
	if (kind == SHELL_LINE_BINARY) {
		client_error(cl, "line contains a NUL byte");
		return;
	}
	if (line[strspn(line, " \t")] == '#')
		return;
	argc = parse_words(line, store, sizeof(store), argv, WORDS_MAX, &why);
	if (argc == -1) {
		client_error(cl, "%s", why);
		return;
	}
	if (argc == 0)
		return;
	for (c = table; c->name != NULL; c++)
		if (strcasecmp(c->name, argv[0]) == 0)
			break;
	if (c->name == NULL) {
		char esc[64];
		size_t i;

		for (i = 0; argv[0][i] != '\0' && i < sizeof(esc) - 1; i++)
			esc[i] = (unsigned char)argv[0][i] < 0x20 ? '?' :
			    argv[0][i];
		esc[i] = '\0';
		client_error(cl, "unknown command '%s' (try help)", esc);
		return;
	}
	if (argc - 1 < c->min || argc - 1 > c->max) {
		client_error(cl, "usage: %s%s%s", c->name,
		    c->args[0] ? " " : "", c->args);
		return;
	}
	if (c->session == 1 && !cl->logged_in) {
		client_error(cl, "not logged in (use login <user_id> "
		    "<password>)");
		return;
	}
	if (c->session == -1 && cl->logged_in) {
		client_error(cl, "already logged in as %s (logout first)",
		    cl->user);
		return;
	}
	cl->ok_msg[0] = '\0';
	/* Paused first: a reply may arrive before fn even returns. */
	shell_pause(cl->sh);
	switch (c->fn(cl, argc, argv)) {
	case CMD_WAIT:
		return;
	case CMD_FAIL:
		client_done(cl, 0);
		return;
	case CMD_DONE:
		client_done(cl, 1);
		return;
	}
}

void
client_done(struct client *cl, int ok)
{
	if (!ok)
		cl->failed = 1;
	fflush(stdout);
	fflush(stderr);
	shell_resume(cl->sh);
}
