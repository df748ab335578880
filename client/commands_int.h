/*
 * commands_int.h - what the files of the commands module share: the shell's
 * command table and dispatch (commands.c), the reply paths and the login's
 * re-sharing (cmd_common.c), the file commands (cmd_files.c), the
 * listings asked for in pages (cmd_pages.c) and the synced-folder
 * commands (cmd_folder.c).  The rest of the client sees only
 * commands.h.
 *
 * Calls run one way: commands.c names the handlers of cmd_files.c,
 * cmd_pages.c and cmd_folder.c; those and commands.c call down into cmd_common.c, which
 * names none of them.
 */
#ifndef COMMANDS_INT_H
#define COMMANDS_INT_H

#ifndef COMMANDS_INTERNAL
#error "commands_int.h is private to the commands module"
#endif

struct client;
struct wire_msg;

/*
 * What a handler returns: CMD_DONE (finished, output printed), CMD_FAIL
 * (finished, an error printed) or CMD_WAIT (a request is under way; its
 * reply calls cmd_done()).
 */
enum cmd_rc { CMD_DONE, CMD_FAIL, CMD_WAIT };

/* The running command finished; ok 0 marks the session failed. */
void	cmd_done(struct client *, int ok);
/*
 * The common reply path (a tlink callback, arg the client): an error
 * prints its message; OK prints cl->ok_msg; a list prints one name a line;
 * a session starts it and re-shares.  Then cmd_done().
 */
void	cmd_reply(void *arg, const struct wire_msg *, const char *err);
/* Send a request whose fields are the token then ids a and b (or NULL). */
enum cmd_rc cmd_simple(struct client *, unsigned type, const char *a,
	    const char *b);

/* cmd_files.c */
enum cmd_rc c_upload_file(struct client *, int, char **);
enum cmd_rc c_search(struct client *, int, char **);
enum cmd_rc c_download_file(struct client *, int, char **);
enum cmd_rc c_show_downloads(struct client *, int, char **);
enum cmd_rc c_stop_share(struct client *, int, char **);

/* cmd_pages.c: the listings, asked for a page at a time. */
enum cmd_rc c_list_groups(struct client *, int, char **);
enum cmd_rc c_list_requests(struct client *, int, char **);
enum cmd_rc c_list_files(struct client *, int, char **);

/* cmd_folder.c */
enum cmd_rc c_sync_folder(struct client *, int, char **);
enum cmd_rc c_unsync_folder(struct client *, int, char **);
enum cmd_rc c_list_folders(struct client *, int, char **);

#endif
