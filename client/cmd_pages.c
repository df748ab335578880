/*
 * cmd_pages.c - the listings a user's data can make long: list_groups,
 * list_requests and list_files, asked for a page at a time (see
 * common/page.h).
 *
 * Each command asks for the first page, prints its items as the contract
 * lays them out (a name a line; list_files: name, size, SHA1 after
 * tabs), and asks again from the cursor the page names until one says
 * there is no more: the output is the whole listing, as one reply
 * printed it, however many pages it took.  A page that breaks the rules
 * (page_next()) ends the command with an error, never a loop.  What the
 * tracker sent is printed through log_print().
 *
 * Owns one struct lister a running command, freed when it ends.
 */
#include "commands.h"
#define COMMANDS_INTERNAL
#include "commands_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "log.h"
#include "page.h"
#include "tracker_link.h"
#include "xalloc.h"

struct lister {
	struct client	*cl;
	unsigned	 req;		/* GROUPS_PAGE, ... */
	unsigned	 reply;		/* NAMES_PAGE or FILES_PAGE */
	int		 ordered;	/* the cursor is the last name */
	char		 group[ID_MAX + 1];	/* "" for list_groups */
	char		 cursor[PAGE_CURSOR_MAX + 1];	/* "" at first */
};

static void	on_page(void *, const struct wire_msg *, const char *);

static void
ask(struct lister *ls)
{
	struct wire_enc *e = tlink_begin(ls->cl->tl, ls->req);

	wire_put_token(e, ls->cl->token);
	if (ls->req != WT_GROUPS_PAGE)
		wire_put_id(e, ls->group);
	wire_put_str(e, ls->cursor);
	tlink_send(ls->cl->tl, on_page, ls);
}

static void
print_page(const struct lister *ls, const struct wire_msg *m)
{
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	char hex[SHA1_HEX];

	wire_iter_init(&it, m);
	while (wire_iter_next(&it, f)) {
		log_print(stdout, f[NAMES_NAME].s);
		if (ls->reply == WT_FILES_PAGE) {
			hex_encode(f[VER_SHA1].p, 20, hex);
			printf("\t%llu\t%s", (unsigned long long)f[VER_SIZE].u,
			    hex);
		}
		fputc('\n', stdout);
	}
}

static void
on_page(void *arg, const struct wire_msg *m, const char *err)
{
	struct lister *ls = arg;
	struct client *cl = ls->cl;
	const char *why;
	int r;

	if (err != NULL || m->h.type != ls->reply) {
		free(ls);
		cmd_reply(cl, m, err);
		return;
	}
	print_page(ls, m);
	if ((r = page_next(m, ls->cursor, ls->ordered, &why)) == 1) {
		ask(ls);
		return;
	}
	free(ls);
	if (r == -1)
		commands_error(cl, "%s", why);
	cmd_done(cl, r == 0);
}

static enum cmd_rc
list(struct client *cl, unsigned req, const char *group)
{
	struct lister *ls = xcalloc(1, sizeof(*ls));

	ls->cl = cl;
	ls->req = req;
	ls->reply = req == WT_FILES_PAGE_REQ ? WT_FILES_PAGE : WT_NAMES_PAGE;
	ls->ordered = req != WT_REQUESTS_PAGE;
	snprintf(ls->group, sizeof(ls->group), "%s", group ? group : "");
	ask(ls);
	return CMD_WAIT;
}

enum cmd_rc
c_list_groups(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return list(cl, WT_GROUPS_PAGE, NULL);
}

enum cmd_rc
c_list_requests(struct client *cl, int argc, char **argv)
{
	(void)argc;
	return list(cl, WT_REQUESTS_PAGE, argv[1]);
}

enum cmd_rc
c_list_files(struct client *cl, int argc, char **argv)
{
	(void)argc;
	return list(cl, WT_FILES_PAGE_REQ, argv[1]);
}
