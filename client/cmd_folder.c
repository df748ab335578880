/*
 * cmd_folder.c - the synced-folder commands (see commands_int.h):
 * sync_folder, unsync_folder and list_folders.  The folders themselves
 * (the watcher, the state, the versions) are folder.c's.
 *
 * sync_folder asks the tracker for the group's files first, so a group
 * that does not exist or of which the user is not a member fails with
 * the tracker's words, as list_files does, and nothing is started.
 */
#include "commands.h"
#define COMMANDS_INTERNAL
#include "commands_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "folder.h"
#include "tracker_link.h"
#include "wire.h"
#include "xalloc.h"

struct sync_req {
	struct client	*cl;
	char		 dir[PATH_MAX];
	char		 group[ID_MAX + 1];
};

static void
sync_checked(void *arg, const struct wire_msg *m, const char *err)
{
	struct sync_req *r = arg;
	struct client *cl = r->cl;
	char why[PATH_MAX + 64];

	if (err != NULL || m->h.type != WT_FILES_PAGE) {
		free(r);
		cmd_reply(cl, m, err);
		return;
	}
	if (!cl->logged_in || folder_add(cl, r->dir, r->group, 1, why,
	    sizeof(why)) == -1) {
		commands_error(cl, "%s", cl->logged_in ? why : "logged out");
		free(r);
		cmd_done(cl, 0);
		return;
	}
	printf("syncing folder %s with group %s\n", r->dir, r->group);
	free(r);
	cmd_done(cl, 1);
}

enum cmd_rc
c_sync_folder(struct client *cl, int argc, char **argv)
{
	struct sync_req *r;
	struct wire_enc *e;
	char why[PATH_MAX + 64];

	(void)argc;
	r = xcalloc(1, sizeof(*r));
	r->cl = cl;
	snprintf(r->group, sizeof(r->group), "%s", argv[2]);
	if (folder_check(cl, argv[1], r->dir, why, sizeof(why)) == -1) {
		commands_error(cl, "%s", why);
		free(r);
		return CMD_FAIL;
	}
	/* A member's question: the first page says yes or no. */
	e = tlink_begin(cl->tl, WT_VERSIONS_PAGE);
	wire_put_token(e, cl->token);
	wire_put_id(e, r->group);
	wire_put_str(e, "");
	tlink_send(cl->tl, sync_checked, r);
	return CMD_WAIT;
}

enum cmd_rc
c_unsync_folder(struct client *cl, int argc, char **argv)
{
	char dir[PATH_MAX];

	(void)argc;
	if (folder_remove(cl, argv[1], dir, sizeof(dir)) == -1) {
		commands_error(cl, "%.200s is not a synced folder", argv[1]);
		return CMD_FAIL;
	}
	printf("stopped syncing folder %s\n", dir);
	return CMD_DONE;
}

enum cmd_rc
c_list_folders(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	folder_list(cl);
	return CMD_DONE;
}
