/*
 * shell.h - the client's input: readline on a terminal, lines on a pipe.
 *
 * On a terminal the shell shows a prompt and offers line editing, history
 * and Tab completion (readline's callback interface, driven by our event
 * loop): the owner says what may go at the cursor (ops->complete), this
 * file offers it, or local paths.  Otherwise it reads standard input in chunks, cuts
 * lines of at most LINE_MAX_LEN bytes, and prints nothing of its own.
 *
 * A command that waits for the network pauses the shell; no further line
 * is taken (and no prompt shown) until shell_resume().  Input that epoll
 * cannot watch (a regular file, /dev/null) is read directly.
 *
 * Notices (a background download ended) are for people: on a terminal
 * they appear on a line of their own above the prompt, and what is being
 * typed is drawn again below them, untouched.  Piped input gets none.
 * A notice is printed as given: the caller escapes what came from the
 * network.  Only the loop thread calls in.
 */
#ifndef SHELL_H
#define SHELL_H

#include <stddef.h>

struct complete_result;
struct loop;
struct shell;

#define NOTICE_MAX	1024	/* a notice line, newline and NUL included */

enum shell_line { SHELL_LINE_OK, SHELL_LINE_TOO_LONG, SHELL_LINE_BINARY };

struct shell_ops {
	/* One line, without its newline; kind says if it was unusable. */
	void	(*line)(void *arg, char *line, enum shell_line kind);
	/* End of input, after the last line was handled. */
	void	(*eof)(void *arg);
	/*
	 * Tab: what may replace the word that starts at byte start of line
	 * (see complete_line()).  1 when a list it needs is on its way: then
	 * shell_complete_again() may follow.
	 */
	int	(*complete)(void *arg, const char *line, size_t start,
		    const char *text, int in_quote, struct complete_result *);
};

struct shell	*shell_new(struct loop *, const struct shell_ops *, void *arg);
void		 shell_free(struct shell *);
void		 shell_pause(struct shell *);
void		 shell_resume(struct shell *);
/* Stop taking input for good (quit); eof is not called. */
void		 shell_stop(struct shell *);
int		 shell_is_tty(const struct shell *);
/*
 * A list a Tab lacked has come: if that Tab found nothing, the prompt is
 * up and the line and cursor are as they were (within 2 s), complete
 * again as if Tab were pressed.  Else nothing.
 */
void		 shell_complete_again(struct shell *);
/*
 * On a terminal, print one line for the user (fmt without the newline):
 * above the prompt and the line being edited, which stay as they were;
 * while a command runs, after its output, just before the prompt comes
 * back; once input is over, as it comes.  A line is cut to fit
 * NOTICE_MAX.  Does nothing when the shell is not on a terminal (piped
 * scripts get no output they did not ask for) or s is NULL.
 */
void		 shell_notice(struct shell *s, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
