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
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "complete.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "xalloc.h"

#define PROMPT	"p2p> "
#define NOTICE_QUEUE	(8 * NOTICE_MAX)	/* held while a command runs */
#define RETAB_MS	2000	/* a list that comes later completes no more */

struct shell {
	struct loop		*loop;
	const struct shell_ops	*ops;
	void			*arg;
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
	/* A Tab that found nothing while a list was being fetched. */
	char			*retab_line;	/* the line then, or NULL */
	int			 retab_point;
	uint64_t		 retab_at;
};

static struct shell *the_shell;

static void	pump(void *);

/*
 * Completion.  The owner (ops->complete) says what may replace the word
 * at the cursor; this file hands it to readline: words as given (already
 * quoted as the shell reads them), or local paths through readline's own
 * file name completion, quoted the same way.  Words break at blanks only
 * and a double quote opens a quoted word, as in parse_words().
 */
static struct complete_result cur;	/* the words being offered */
static size_t cur_next;

/* The line ends the Tab that waited for a list. */
static void
retab_clear(struct shell *s)
{
	free(s->retab_line);
	s->retab_line = NULL;
}

static char *
gen_words(const char *text, int state)
{
	(void)text;
	if (state == 0)
		cur_next = 0;
	return cur_next < cur.n ? xstrdup(cur.v[cur_next++]) : NULL;
}

static int
is_dir(const char *path)
{
	struct stat st;
	char *p = tilde_expand(path);
	int dir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

	free(p);
	return dir;
}

/* Local directories only: where a download may go. */
static char *
gen_dirs(const char *text, int state)
{
	char *m;

	while ((m = rl_filename_completion_function(text, state)) != NULL) {
		state = 1;
		if (is_dir(m))
			return m;
		free(m);
	}
	return NULL;
}

/* A path as the shell reads it back (readline adds a closing quote). */
static char *
quote_path(char *path, int match_type, char *qc)
{
	char *q;

	(void)match_type;
	q = complete_quote(path, *qc == '"');
	if (*qc != '"' && q[0] == '"') {
		/* Left open: readline closes it after a file, and keeps it
		   open after a directory's slash. */
		q[strlen(q) - 1] = '\0';
		*qc = '"';
	}
	return q;
}

/* What the shell reads for a quoted path typed so far: \" and \\. */
static char *
dequote_path(char *text, int qc)
{
	char *out = xstrdup(text), *o = out;

	for (; *text != '\0'; text++) {
		if (qc == '"' && text[0] == '\\' && (text[1] == '"' ||
		    text[1] == '\\'))
			text++;
		*o++ = *text;
	}
	*o = '\0';
	return out;
}

static char **
complete(const char *text, int start, int end)
{
	struct shell *s = the_shell;
	char **m = NULL;
	int pending;

	(void)end;
	rl_attempted_completion_over = 1;	/* nothing but ours */
	complete_result_free(&cur);
	pending = s->ops->complete(s->arg, rl_line_buffer, (size_t)start,
	    text, rl_completion_quote_character == '"', &cur);
	switch (cur.kind) {
	case COMPLETE_WORDS:
		if (cur.n > 0)
			m = rl_completion_matches(text, gen_words);
		break;
	case COMPLETE_PATH:
		rl_filename_completion_desired = 1;
		rl_filename_quoting_desired = 1;
		m = rl_completion_matches(text,
		    rl_filename_completion_function);
		break;
	case COMPLETE_DIR:
		rl_filename_completion_desired = 1;
		rl_filename_quoting_desired = 1;
		m = rl_completion_matches(text, gen_dirs);
		break;
	case COMPLETE_NONE:
		break;
	}
	/* Nothing yet, but a list is on its way: try again when it comes. */
	retab_clear(s);
	if (m == NULL && pending) {
		s->retab_line = xstrdup(rl_line_buffer);
		s->retab_point = rl_point;
		s->retab_at = loop_now(s->loop);
	}
	return m;
}

void
shell_complete_again(struct shell *s)
{
	int again;

	if (s == NULL || s->retab_line == NULL)
		return;
	again = s->tty && !s->paused && !s->stopped && !s->eof &&
	    loop_now(s->loop) - s->retab_at <= RETAB_MS &&
	    rl_point == s->retab_point &&
	    strcmp(rl_line_buffer, s->retab_line) == 0;
	retab_clear(s);
	if (!again)
		return;
	rl_complete_internal(TAB);
	rl_redisplay();
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
	retab_clear(s);
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
	/* After EOF never again, but always off: a hung-up stdin is always
	 * ready, and watched it spun the loop while downloads ran on. */
	if (!s->pollable || s->watched == on || (on && s->eof))
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
shell_new(struct loop *l, const struct shell_ops *ops, void *arg)
{
	struct shell *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->ops = ops;
	s->arg = arg;
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
		rl_completer_word_break_characters = " \t";
		rl_completer_quote_characters = "\"";
		rl_filename_quote_characters = " \t\"";
		rl_filename_quoting_function = quote_path;
		rl_filename_dequoting_function = dequote_path;
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
	retab_clear(s);
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
	retab_clear(s);
	complete_result_free(&cur);
	the_shell = NULL;
	free(s);
}
