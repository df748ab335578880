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
#include "reshare.h"
#include "shares.h"
#include "shell.h"
#include "suggest.h"
#include "tracker_link.h"
#include "xalloc.h"

static void	logged_in(struct client *, unsigned, unsigned);

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
		reshare_start(cl, logged_in);
		return;
	default:
		commands_error(cl, "unexpected reply from tracker");
		cmd_done(cl, 0);
		return;
	}
	cmd_done(cl, 1);
}

/* The login's line, once reshare.c knows what it shares again. */
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
