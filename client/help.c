/*
 * help.c - what "help <command>" says beyond the usage line (see help.h).
 *
 * One entry a command: what it does, what it prints on success and the
 * errors it may print, in the words the client and the tracker use
 * (README.md's command reference and the p2ps-client(1) page say the
 * same).  Errors every command shares (usage, not logged in, a malformed
 * id, a tracker out of reach) are said once, under "help help".  A
 * command without an entry still gets its usage and its line of the
 * command list.
 */
#include "help.h"

#include <stddef.h>
#include <strings.h>

static const struct {
	const char	*name;
	const char	*text;
} entries[] = {
	{ "create_user",
	"Creates an account.  Anyone may run it, logged in or not.\n"
	"A password is 1 to 256 bytes; quote it if it holds blanks.\n"
	"prints:  user <user_id> created\n"
	"errors:  user <user_id> already exists\n"
	"         password must be 1 to 256 characters\n" },
	{ "login",
	"Starts a session for this client (not while one is running here;\n"
	"the same user may be logged in on other clients at the same time).\n"
	"Every file this user shared before and that is still on disk,\n"
	"unchanged, is shared again at once; a file whose time changed but\n"
	"not its size is hashed again first and shared if its content is\n"
	"the same.\n"
	"prints:  logged in as <user_id>\n"
	"         logged in as <user_id> (sharing N files again)\n"
	"errors:  wrong user id or password\n"
	"         already logged in as <user_id> (logout first)\n" },
	{ "logout",
	"Ends the session: downloads under way fail, and this client stops\n"
	"sharing until the next login.  With --all, every session of this\n"
	"user ends, on every client.\n"
	"prints:  logged out\n"
	"         logged out (every session of this user ended)\n" },
	{ "create_group",
	"Creates a group; you own it and are its first member.\n"
	"prints:  group <group_id> created\n"
	"errors:  group <group_id> already exists\n" },
	{ "join_group",
	"Files a request to join the group; its owner accepts or rejects it\n"
	"(list_requests, accept_request, reject_request).\n"
	"prints:  asked to join group <group_id>\n"
	"errors:  no such group: <group_id>\n"
	"         <user_id> is already a member of group <group_id>\n"
	"         <user_id> has already asked to join group <group_id>\n" },
	{ "leave_group",
	"Leaves the group: your files in it stop being shared there.  If\n"
	"the owner leaves, the member accepted earliest becomes the owner;\n"
	"the last member to leave deletes the group.\n"
	"prints:  left group <group_id>\n"
	"errors:  no such group: <group_id>\n"
	"         <user_id> is not a member of group <group_id>\n" },
	{ "list_requests",
	"The requests to join the group not yet accepted or rejected.  For\n"
	"the group's owner only.\n"
	"prints:  one user id a line, nothing when there are none\n"
	"errors:  no such group: <group_id>\n"
	"         only the owner of group <group_id> may do that\n" },
	{ "accept_request",
	"Makes the user who asked to join a member.  Owner only.\n"
	"prints:  <user_id> accepted into group <group_id>\n"
	"errors:  no such group: <group_id>\n"
	"         only the owner of group <group_id> may do that\n"
	"         <user_id> has no pending request to join group <group_id>\n"
	"         <user_id> is already a member of group <group_id>\n" },
	{ "reject_request",
	"Drops a request to join.  Owner only.\n"
	"prints:  request of <user_id> to join group <group_id> rejected\n"
	"errors:  as accept_request\n" },
	{ "list_groups",
	"Every group in the network, whether you are a member or not.\n"
	"prints:  one group id a line\n" },
	{ "list_files",
	"Every file of the group that has at least one sharer, logged in or\n"
	"not.  Members only.\n"
	"prints:  one file a line: name<TAB>size in bytes<TAB>SHA1 (hex)\n"
	"errors:  no such group: <group_id>\n"
	"         <user_id> is not a member of group <group_id>\n" },
	{ "search",
	"The files of every group you are a member of whose names match\n"
	"the pattern.  Matching ignores case.  Without * or ? the pattern\n"
	"matches any part of a name; with them it must match the whole\n"
	"name: * any run of characters, ? one character.  Groups you are\n"
	"not a member of are never searched.\n"
	"prints:  one file a line: name<TAB>group_id<TAB>size<TAB>SHA1\n"
	"         (nothing when none matches)\n"
	"errors:  usage: search <pattern>\n"
	"         pattern too long (at most 255 bytes)\n"
	"         pattern contains a control character\n" },
	{ "upload_file",
	"Shares a file with the group: it is hashed here (the SHA1 of each\n"
	"512 KiB piece and of the whole file) and the tracker records that\n"
	"this client shares it; the content never goes to a tracker.  Its\n"
	"name in the group is its base name.  If the group has a file of\n"
	"that name with the same content, you become one more sharer.  On a\n"
	"terminal, a file of 64 MiB or more shows a progress bar while it\n"
	"is hashed.  Members only.\n"
	"prints:  sharing <name> in group <group_id> (<size> bytes, <n> pieces)\n"
	"errors:  <file_path>: <why it cannot be read, e.g. No such file or\n"
	"         directory>\n"
	"         <file_path>: not a regular file\n"
	"         <file_path>: the file name cannot be shared\n"
	"         group <group_id> already has a different file named <name>\n"
	"         <user_id> is not a member of group <group_id>\n"
	"         no such group: <group_id>\n" },
	{ "download_file",
	"Starts a download in the background and returns at once.  If\n"
	"destination_path is a directory the file is written inside it under\n"
	"file_name; otherwise it is the file's path.  Pieces come from\n"
	"several peers at once and each is checked against its SHA1; a\n"
	"checked piece is shared onward at once.  The file appears at its\n"
	"destination (meanwhile <path>.part) only when it is complete and its\n"
	"whole-file SHA1 matches; from then on you are one of its sharers.\n"
	"A download fails when none of its sources could be reached for 30\n"
	"seconds, or when no source is left that can supply a missing piece\n"
	"correctly.  Members only.\n"
	"prints:  downloading <file_name> from group <group_id> to <path>\n"
	"         on a terminal, when it ends, a line of show_downloads:\n"
	"         [C] [<group_id>] <file_name>, or [F] ... and the reason\n"
	"errors:  no file named <file_name> in group <group_id>\n"
	"         <path> already exists\n"
	"         already downloading to <path>\n"
	"         no directory for <path>\n"
	"         <user_id> is not a member of group <group_id>\n"
	"         no such group: <group_id>\n" },
	{ "show_downloads",
	"The downloads of this session, the newest first.\n"
	"prints:  one a line:\n"
	"         [D] [<group_id>] <file_name> 42.0% 3.1 MiB/s 2 peers ETA 12s\n"
	"           (running; or \"starting\", or \"checking the pieces\n"
	"           already there\")\n"
	"         [C] [<group_id>] <file_name>          (complete)\n"
	"         [F] [<group_id>] <file_name> <reason>  (failed)\n" },
	{ "stop_share",
	"This client stops sharing the file in the group; the local file\n"
	"stays.  Also spelt stop_sharing.\n"
	"prints:  stopped sharing <file_name> in group <group_id>\n"
	"errors:  you do not share <file_name> in group <group_id>\n"
	"         <file_name> is still downloading\n" },
	{ "sync_folder",
	"Keeps a folder and a group in step from now on, for this user on\n"
	"this client: every regular file in the folder (not its subfolders)\n"
	"is shared in the group, once its size and time have stayed the same\n"
	"a moment; files added or changed later too, within seconds.  Every\n"
	"file of the group is downloaded into the folder.  A changed file is\n"
	"shared as the name's new version; when a member changed it at the\n"
	"same time, the copy that lost is kept beside it as\n"
	"NAME.sync-conflict-YYYYMMDD-HHMMSS-ID.ext.  A file removed here stops\n"
	"being shared by this client; others keep theirs.  The folder is\n"
	"synced again at the next login of this user on a client started in\n"
	"the same directory (listed in .p2ps-folders there).\n"
	"prints:  syncing folder <dir> with group <group_id>\n"
	"errors:  <dir>: not a directory\n"
	"         <dir> is already synced\n"
	"         and those of list_files\n" },
	{ "unsync_folder",
	"Stops syncing the folder; its files stay where they are, and stay\n"
	"shared.\n"
	"prints:  stopped syncing folder <dir>\n"
	"errors:  <dir> is not a synced folder\n" },
	{ "list_folders",
	"The folders this session syncs, one a line:\n"
	"folder<TAB>group_id<TAB>N files (the files there now).\n" },
	{ "set_limit",
	"Caps what transfers take of the link: up for the pieces this client\n"
	"serves, down for those it fetches; shared by every transfer, counted\n"
	"as the link carries them (about 4.7% on top for TCP/IP and TLS).\n"
	"A rate is bytes a second with an optional k (x 1,000) or M\n"
	"(x 1,000,000), a fraction allowed (800k, 2.5M), or off.  The same as\n"
	"the options --up-limit and --down-limit.  Anyone may run it.\n"
	"prints:  upload limit: 2.5 MB/s   (or download limit: ..., or off)\n"
	"errors:  set_limit: say up or down, then a rate\n"
	"         set_limit: bad rate: bytes a second, as 800k or 2.5M, or off\n"
	},
	{ "help",
	"Without a command, lists the commands, one a line: the command and\n"
	"its arguments, a tab, what it does.  With one, explains it.\n"
	"prints:  the list, or what the command does, prints and its errors\n"
	"errors:  help: no command '<word>' (try help)\n"
	"\n"
	"The shell reads one command a line.  Words are split on blanks;\n"
	"double quotes keep blanks inside a word (inside them, \\\" and \\\\\n"
	"stand for \" and \\).  Command names are matched whatever their case;\n"
	"blank lines and lines starting with # are skipped; a line holds at\n"
	"most 4096 bytes and 16 words.  Ids (users, groups) are 1 to 64\n"
	"letters, digits, '.', '_' or '-'.  A command that fails prints one\n"
	"line starting with \"error: \" on standard error, and the exit\n"
	"status will be 1.  Errors any command may give:\n"
	"         unknown command '<word>' (try help)\n"
	"         usage: <the command's usage>\n"
	"         not logged in (use login <user_id> <password>)\n"
	"         invalid group id '<id>': use 1 to 64 letters, digits, ...\n"
	"         invalid file name '<name>'\n"
	"         line too long (at most 4096 bytes)\n"
	"         unterminated quote\n"
	"         tracker unreachable (<why>), or no tracker reachable ...\n"
	"         session ended: <why>\n" },
	{ "echo",
	"Prints its words, separated by one blank: handy to mark progress\n"
	"in a script.\n" },
	{ "quit",
	"As the end of input: waits for running downloads to finish or fail,\n"
	"logs out and exits, with status 0 when every command and download\n"
	"succeeded, else 1.  Also spelt exit.\n" },
	{ "exit", "As quit.\n" },
	{ "stop_sharing", "As stop_share.\n" },
};

const char *
help_text(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (strcasecmp(entries[i].name, name) == 0)
			return entries[i].text;
	return NULL;
}
