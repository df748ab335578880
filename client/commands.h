/*
 * commands.h - the shell's commands: usage, arity, checks, handlers.
 *
 * One row per command drives dispatch, help and completion.  A command
 * either finishes at once or sends its request and leaves the shell
 * paused until its reply (or its download's start) comes back, so output
 * comes in command order.  Arguments are checked before anything is sent.
 *
 * What concerns the whole process (quit, a session begun or ended) is not
 * done here but reported through the events main.c registers.  Only the
 * loop thread calls in; nothing here blocks.
 */
#ifndef COMMANDS_H
#define COMMANDS_H

struct client;
struct complete_cmd;

/* What commands report to the process above them (main.c). */
struct commands_events {
	/* quit or exit was typed. */
	void	(*quit)(struct client *);
	/* A login succeeded: cl->logged_in, token and user are set. */
	void	(*session_started)(struct client *);
	/* logout ended the session, whatever the tracker answered. */
	void	(*session_ended)(struct client *);
};

/* Register ev (kept, not copied) before the first line comes. */
void	commands_init(struct client *, const struct commands_events *ev);
/* The commands as completion sees them (complete.h), name NULL last. */
const struct complete_cmd *commands_completion(void);
/* Run one line of input; kind is the shell's enum shell_line. */
void	commands_line(struct client *, char *line, int kind);
/* Print "error: ..." on stderr and mark the session failed. */
void	commands_error(struct client *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
