/*
 * shell.c - terminal and piped input (see shell.h).
 *
 * The only file that includes readline.  Readline keeps global state, so
 * there is at most one shell per process (the_shell).  It owns standard
 * input and the prompt; it hands each line to its caller and never reads
 * the words of a line (commands.c does).  Only the loop thread runs it.
 */
#include "shell.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "log.h"
#include "loop.h"
#include "parse.h"
#include "xalloc.h"

#define PROMPT	"p2p> "
#define NOTICE_QUEUE	(8 * NOTICE_MAX)	/* held while a command runs */

struct shell {
	struct loop		*loop;
	const struct shell_ops	*ops;
	void			*arg;
	const char *const	*names;
	int			 tty;
	int			 watched;	/* stdin is on the loop */
	int			 pollable;	/* epoll can watch stdin */
	int			 paused;
	int			 stopped;
	int			 eof;
	int			 scheduled;	/* a deferred pump is queued */
	/* Pipe mode: bytes read but not yet cut into lines. */
	char			 buf[2 * LINE_MAX_LEN];
	size_t			 len;
	int			 skipping;	/* inside an overlong line */
	/* Terminal: notices held while a command runs (the prompt is
	   down and the command's output is still to come). */
	char			 notices[NOTICE_QUEUE];
	size_t			 nnotices;
	unsigned		 dropped;	/* did not fit in notices */
};

static struct shell *the_shell;

static void	pump(void *);

/* Completion of command names, first word only. */
static char *
complete_name(const char *text, int state)
{
	static size_t i, n;
	const char *name;

	if (state == 0) {
		i = 0;
		n = strlen(text);
	}
	while ((name = the_shell->names[i]) != NULL) {
		i++;
		if (strncasecmp(name, text, n) == 0)
			return xstrdup(name);
	}
	return NULL;
}

static char **
complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;	/* no file names */
	if (start != 0)
		return NULL;
	return rl_completion_matches(text, complete_name);
}

static void
rl_line(char *line)
{
	struct shell *s = the_shell;

	if (line == NULL) {
		rl_callback_handler_remove();
		s->eof = 1;
		if (s->watched) {
			loop_del(s->loop, STDIN_FILENO);
			s->watched = 0;
		}
		printf("\n");
		s->ops->eof(s->arg);
		return;
	}
	if (line[strspn(line, " \t")] != '\0')
		add_history(line);
	s->ops->line(s->arg, line, strlen(line) > LINE_MAX_LEN ?
	    SHELL_LINE_TOO_LONG : SHELL_LINE_OK);
	free(line);
}

static void
stdin_cb(int fd, unsigned ev, void *arg)
{
	struct shell *s = arg;
	ssize_t n;

	(void)fd;
	(void)ev;
	if (s->tty) {
		rl_callback_read_char();
		return;
	}
	n = read(STDIN_FILENO, s->buf + s->len, sizeof(s->buf) - s->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		s->eof = 1;
	else
		s->len += (size_t)n;
	pump(s);
}

static void
watch(struct shell *s, int on)
{
	if (!s->pollable || s->watched == on || s->eof)
		return;
	if (on)
		loop_add(s->loop, STDIN_FILENO, EV_READ, stdin_cb, s);
	else
		loop_del(s->loop, STDIN_FILENO);
	s->watched = on;
}

/* Hand one complete line (NUL-terminated in place) to the owner. */
static void
deliver(struct shell *s, char *line, size_t n)
{
	enum shell_line kind = SHELL_LINE_OK;

	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (memchr(line, '\0', n) != NULL)
		kind = SHELL_LINE_BINARY;
	s->ops->line(s->arg, line, kind);
}

/*
 * Cut and deliver lines until paused or out of input.  Runs from the
 * loop, never from inside a command, so a long script does not recurse.
 */
static void
pump(void *arg)
{
	struct shell *s = arg;

	s->scheduled = 0;
	while (!s->paused && !s->stopped) {
		char *nl = memchr(s->buf, '\n', s->len);
		size_t n;

		if (nl != NULL) {
			n = (size_t)(nl - s->buf);
			*nl = '\0';
			if (s->skipping)
				s->skipping = 0;
			else if (n > LINE_MAX_LEN)
				s->ops->line(s->arg, s->buf,
				    SHELL_LINE_TOO_LONG);
			else
				deliver(s, s->buf, n);
			memmove(s->buf, nl + 1, s->len - n - 1);
			s->len -= n + 1;
			continue;
		}
		if (s->len > LINE_MAX_LEN) {
			/* Report once, then drop the rest of that line. */
			if (!s->skipping) {
				s->buf[LINE_MAX_LEN] = '\0';
				s->ops->line(s->arg, s->buf,
				    SHELL_LINE_TOO_LONG);
			}
			s->skipping = 1;
			s->len = 0;
			continue;
		}
		if (s->eof) {
			if (s->len > 0 && !s->skipping) {
				s->buf[s->len] = '\0';
				n = s->len;
				s->len = 0;
				deliver(s, s->buf, n);
				continue;
			}
			watch(s, 0);
			s->stopped = 1;
			s->ops->eof(s->arg);
			return;
		}
		if (!s->pollable) {
			/* A file: reading cannot block, so just read. */
			ssize_t r = read(STDIN_FILENO, s->buf + s->len,
			    sizeof(s->buf) - 1 - s->len);

			if (r <= 0)
				s->eof = 1;
			else
				s->len += (size_t)r;
			continue;
		}
		watch(s, 1);
		return;
	}
	watch(s, 0);
}

static void
schedule(struct shell *s)
{
	if (s->scheduled || s->tty)
		return;
	s->scheduled = 1;
	loop_defer(s->loop, pump, s);
}

struct shell *
shell_new(struct loop *l, const struct shell_ops *ops, void *arg,
    const char *const *names)
{
	struct shell *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->ops = ops;
	s->arg = arg;
	s->names = names;
	s->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	the_shell = s;
	if (loop_add(l, STDIN_FILENO, EV_READ, stdin_cb, s) == 0) {
		s->pollable = 1;
		s->watched = 1;
	} else if (errno != EPERM) {
		s->eof = 1;	/* no usable standard input */
	}
	if (s->tty) {
		rl_readline_name = "p2p";
		rl_attempted_completion_function = complete;
		rl_callback_handler_install(PROMPT, rl_line);
	} else {
		/* Lines may already be waiting (a file): start pumping. */
		schedule(s);
	}
	return s;
}

/* Print the notices held while a command ran. */
static void
notices_flush(struct shell *s)
{
	if (s->nnotices == 0 && s->dropped == 0)
		return;
	(void)fwrite(s->notices, 1, s->nnotices, stdout);
	if (s->dropped > 0)
		printf("(%u more notice%s dropped)\n", s->dropped,
		    s->dropped == 1 ? "" : "s");
	fflush(stdout);
	s->nnotices = 0;
	s->dropped = 0;
}

void
shell_pause(struct shell *s)
{
	if (s->paused)
		return;
	s->paused = 1;
	if (s->tty) {
		rl_callback_handler_remove();
		watch(s, 0);
	}
}

void
shell_resume(struct shell *s)
{
	if (!s->paused || s->stopped)
		return;
	s->paused = 0;
	if (s->tty) {
		notices_flush(s);
		if (!s->eof) {
			rl_callback_handler_install(PROMPT, rl_line);
			watch(s, 1);
		}
		return;
	}
	schedule(s);
}

void
shell_stop(struct shell *s)
{
	s->stopped = 1;
	if (s->tty && !s->paused)
		rl_callback_handler_remove();
	notices_flush(s);
	watch(s, 0);
}

int
shell_is_tty(const struct shell *s)
{
	return s->tty;
}

/*
 * With the prompt up, readline owns the bottom of the screen: its lines
 * are cleared, the notice is printed where they were, and readline is
 * told it starts on a fresh line, so it draws the prompt, the text and
 * the cursor again from its own state, which nothing here touches.  That
 * holds in a history search too, whose prompt readline saves and
 * restores itself: saving the prompt here as well (rl_save_prompt) would
 * overwrite its copy, and the prompt would not come back after it.
 */
void
shell_notice(struct shell *s, const char *fmt, ...)
{
	char line[NOTICE_MAX];
	va_list ap;
	int n, prompt_up;

	if (s == NULL || !s->tty)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;	/* cut, room for "\n" */
	line[n++] = '\n';
	line[n] = '\0';
	if (s->paused && !s->stopped) {
		if (s->nnotices + (size_t)n <= sizeof(s->notices)) {
			memcpy(s->notices + s->nnotices, line, (size_t)n);
			s->nnotices += (size_t)n;
		} else {
			s->dropped++;
		}
		return;
	}
	/* Else the prompt is up, or input is over (quitting): no prompt. */
	prompt_up = !s->stopped && !s->eof;
	if (prompt_up)
		rl_clear_visible_line();
	fputs(line, stdout);
	fflush(stdout);
	if (prompt_up)
		rl_forced_update_display();
}

void
shell_free(struct shell *s)
{
	if (s == NULL)
		return;
	if (s->watched)
		loop_del(s->loop, STDIN_FILENO);
	if (s->tty)
		rl_clear_history();
	the_shell = NULL;
	free(s);
}
