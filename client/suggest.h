/*
 * suggest.h - what Tab offers, and the tracker's lists behind it.
 *
 * Holds this session's completion cache (complete.h).  It is fed by the
 * answers to the commands the user runs, each command saying beforehand
 * what its success changes (suggest_expect, then suggest_reply with the
 * answer), and, on a terminal only, by fetches in the background: at
 * login the group list, and whenever Tab needs a list that is missing or
 * older than COMPLETE_STALE_MS.  A fetch is an ordinary request on the
 * tracker link, answered through its callback, so Tab never waits for
 * the network and the loop goes on serving peers and downloads (a
 * synchronous fetch would stop all of that for as long as a tracker
 * takes, and running the loop inside readline's callback would let a
 * notice or a reply print in the middle of a completion).  When a fetch
 * answers a Tab that found nothing, with the line unchanged, the shell
 * completes again (shell_complete_again), so Tab works the first time.
 *
 * At most one fetch of each list kind is under way; nothing is fetched
 * without a session or with piped input, and nothing here prints.  Only
 * the loop thread calls in.
 */
#ifndef SUGGEST_H
#define SUGGEST_H

#include <stddef.h>

struct client;
struct complete_cmd;
struct complete_result;
struct wire_msg;

/* What the running command's success changes in the lists. */
enum suggest_effect {
	SUGGEST_NONE,
	SUGGEST_ADD_GROUP,		/* group exists now */
	SUGGEST_ADD_FILE,		/* group has a file called name */
	SUGGEST_DROP_REQUEST,		/* name's request to join group is over */
	SUGGEST_LEFT_GROUP		/* group's files are no longer ours */
};

void	suggest_init(struct client *);
void	suggest_free(struct client *);
/* Said by a command before it sends its request; NONE clears it. */
void	suggest_expect(struct client *, enum suggest_effect,
	    const char *group, const char *name);
/* The running command's answer (NULL: none came); then expect NONE. */
void	suggest_reply(struct client *, const struct wire_msg *);
/* A session began (the group list is fetched on a terminal), ended. */
void	suggest_session_started(struct client *);
void	suggest_session_ended(struct client *);
/*
 * complete_line() on the cache (see complete.h), and a fetch of the list
 * it lacked.  1 when such a fetch is under way, so the answer may grow.
 */
int	suggest_complete(struct client *, const struct complete_cmd *cmds,
	    const char *line, size_t start, const char *text, int in_quote,
	    struct complete_result *out);

#endif
