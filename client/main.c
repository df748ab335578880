/*
 * main.c - the client: arguments, event loop, shell, exit status.
 *
 *	client IP:PORT tracker_info.txt [--up-limit RATE]
 *	    [--down-limit RATE] [-v]
 *	client --help | --version
 *
 * IP:PORT is where this client listens for other peers.  The exit status
 * is 0 when every command succeeded and 1 otherwise (including a start-up
 * failure, reported as an "error:" line).  Bad arguments (an unknown
 * option, a missing operand or value, a bad rate or address, a
 * tracker_info.txt that cannot be used) print an "error:" line and the
 * usage line on stderr and exit with status 2.
 *
 * The top of the client: it owns struct client, builds the modules and
 * registers their hooks (commands_events, the download's end), and holds
 * what belongs to the process as a whole: the session's keepalive, what
 * a session's end stops, and quitting (downloads finish first, then
 * logout, then the loop stops).  No other module calls into it.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "conn.h"
#include "download.h"
#include "folder.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "peer_server.h"
#include "rate.h"
#include "shares.h"
#include "shell.h"
#include "suggest.h"
#include "tls.h"
#include "tracker_link.h"
#include "version.h"
#include "wire.h"
#include "worker.h"

static struct client CL;
static const char *prog = "client";	/* as it was run */

static void	quit(struct client *);
static void	session_ended(struct client *);

/* An "error:" line on stderr. */
static void __attribute__((format(printf, 1, 0)))
say_error(const char *fmt, va_list ap)
{
	fputs("error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_error(fmt, ap);
	va_end(ap);
	exit(1);
}

static void
usage_line(FILE *f)
{
	fprintf(f, "usage: %s IP:PORT tracker_info.txt [--up-limit RATE] "
	    "[--down-limit RATE] [-v]\n", prog);
}

/* A bad argument: why, then the usage line, and status 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bad_args(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_error(fmt, ap);
	va_end(ap);
	usage_line(stderr);
	exit(2);
}

static void __attribute__((noreturn))
help(void)
{
	usage_line(stdout);
	printf("       %s --help | --version\n"
	    "A peer of the p2ps network: listens for other peers on IP:PORT\n"
	    "and reads commands, one a line, from standard input (type help).\n"
	    "  --up-limit RATE    cap on pieces served to other peers\n"
	    "  --down-limit RATE  cap on pieces fetched\n"
	    "                     RATE: bytes a second, as 800k or 2.5M, or "
	    "off\n"
	    "  -v                 debug logging\n"
	    "  --help, --version  this text; the version\n"
	    "See p2ps-client(1).\n", prog);
	exit(0);
}

/* A rate option's value: bytes a second. */
static uint64_t
opt_rate(int argc, char **argv, int *i)
{
	const char *opt = argv[*i];
	uint64_t bps;

	if (*i + 1 >= argc)
		bad_args("%s needs a value", opt);
	if (rate_parse(argv[++*i], &bps) == -1)
		bad_args("bad %s '%.40s': bytes a second, as 800k or 2.5M, or "
		    "off", opt, argv[*i]);
	return bps;
}

static void
on_line(void *arg, char *line, enum shell_line kind)
{
	commands_line(arg, line, (int)kind);
}

static void
on_eof(void *arg)
{
	quit(arg);
}

static int
on_complete(void *arg, const char *line, size_t start, const char *text,
    int in_quote, struct complete_result *out)
{
	return suggest_complete(arg, commands_completion(), line, start, text,
	    in_quote, out);
}

static const struct shell_ops shell_ops = {
	.line = on_line,
	.eof = on_eof,
	.complete = on_complete,
};

static void
logged_out(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;
	char esc[1024];

	if (err != NULL)
		commands_error(cl, "logout: %s", err);
	else if (m->h.type == WT_ERROR && m->f[ERROR_CODE].u != WE_AUTH)
		commands_error(cl, "logout: %s", log_escape(esc, sizeof(esc),
		    m->f[ERROR_MSG].s, m->f[ERROR_MSG].n));
	cl->logged_in = 0;
	loop_stop(cl->loop);
}

/* Every download is over: log out and stop. */
static void
finish_quit(struct client *cl)
{
	struct wire_enc *e;

	fflush(stdout);
	if (!cl->logged_in) {
		loop_stop(cl->loop);
		return;
	}
	e = tlink_begin(cl->tl, WT_LOGOUT);
	wire_put_token(e, cl->token);
	tlink_send(cl->tl, logged_out, cl);
}

/* Input ended, a signal or quit: finish downloads, log out and stop. */
static void
quit(struct client *cl)
{
	if (cl->quitting)
		return;
	cl->quitting = 1;
	shell_stop(cl->sh);
	fflush(stdout);
	/* Running downloads finish (or fail) first; the last one ends it. */
	if (download_running(cl) == 0)
		finish_quit(cl);
}

/* The download module's hook: one ended; quitting may go on. */
static void
download_ended(struct client *cl)
{
	if (cl->quitting && download_running(cl) == 0)
		finish_quit(cl);
}

static void
pinged(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;

	if (err == NULL && m->h.type == WT_ERROR &&
	    m->f[ERROR_CODE].u == WE_AUTH && cl->logged_in) {
		/* The tracker's words ("session ended: ..."), made safe. */
		fputs("error: ", stderr);
		log_print(stderr, m->f[ERROR_MSG].s);
		fputc('\n', stderr);
		cl->logged_in = 0;
		session_ended(cl);
	}
}

static void
ping(struct client *cl)
{
	struct wire_enc *e;

	if (!cl->logged_in)
		return;
	e = tlink_begin(cl->tl, WT_PING);
	wire_put_token(e, cl->token);
	tlink_send(cl->tl, pinged, cl);
}

/*
 * While logged in, the tracker connection stays open and says who we are
 * now and then: that is what keeps this client listed as a source.
 */
static void
ping_timer(void *arg)
{
	struct client *cl = arg;

	cl->ping = NULL;
	if (!cl->logged_in)
		return;
	if (tlink_pending(cl->tl) == 0)
		ping(cl);
	cl->ping = loop_timer(cl->loop, 20000, ping_timer, cl);
}

/* A (new) tracker connection: tell it this session is online here. */
static void
link_ready(void *arg)
{
	struct client *cl = arg;

	if (cl->logged_in && tlink_pending(cl->tl) == 0)
		ping(cl);
}

/*
 * A login succeeded: keep the session online (the tracker took this link
 * for the session's at the LOGIN).
 */
static void
session_started(struct client *cl)
{
	loop_timer_cancel(cl->loop, cl->ping);
	cl->ping = loop_timer(cl->loop, 20000, ping_timer, cl);
	suggest_session_started(cl);
	folder_resume(cl);
}

/* The session is over: nothing of it may go on. */
static void
session_ended(struct client *cl)
{
	loop_timer_cancel(cl->loop, cl->ping);
	cl->ping = NULL;
	download_abort_all(cl, "logged out");
	folder_stop_all(cl);
	shares_clear(cl);
	peer_server_stop_all(cl);
	suggest_session_ended(cl);
}

static void
on_signal(int signo, void *arg)
{
	(void)signo;
	quit(arg);
}

/*
 * The client's key, made for this run, and its folder: $P2PS_HOME, by
 * default ~/.p2ps, where the trackers' keys are remembered
 * (known_trackers) and the record of what its users shared is kept
 * (shared: reshare.h).
 */
static void
identity(struct client *cl, char *known, size_t len)
{
	const char *home = getenv("P2PS_HOME"), *h;
	struct passwd pwbuf, *pw = NULL;
	char pwtext[4096], dir[PATH_MAX - 32];

	if (home != NULL && *home != '\0') {
		if ((size_t)snprintf(dir, sizeof(dir), "%s", home) >=
		    sizeof(dir))
			die("P2PS_HOME is too long");
	} else {
		if ((h = getenv("HOME")) == NULL || *h == '\0')
			h = getpwuid_r(geteuid(), &pwbuf, pwtext,
			    sizeof(pwtext), &pw) == 0 && pw != NULL ?
			    pw->pw_dir : "/";
		if ((size_t)snprintf(dir, sizeof(dir), "%s/.p2ps", h) >=
		    sizeof(dir))
			die("HOME is too long");
	}
	snprintf(cl->ledger, sizeof(cl->ledger), "%s/shared", dir);
	if (getenv("P2PS_BENCH_PLAINTEXT") != NULL) {
		log_warnx("P2PS_BENCH_PLAINTEXT is set: every link in clear "
		    "and unauthenticated, for benchmarks only");
		snprintf(known, len, "/dev/null");
		return;
	}
	if ((cl->id = tls_id_new()) == NULL ||
	    (cl->tls_cli = tls_ctx_new(cl->id, 0)) == NULL ||
	    (cl->tls_srv = tls_ctx_new(cl->id, 1)) == NULL)
		die("TLS: %s", tls_error());
	if ((size_t)snprintf(known, len, "%s/known_trackers", dir) >= len)
		die("P2PS_HOME is too long");
}

static const struct commands_events command_events = {
	.quit = quit,
	.session_started = session_started,
	.session_ended = session_ended,
};

int
main(int argc, char **argv)
{
	char err[512], esc[4 * sizeof(err)], host[HOST_MAX + 1], known[4096];
	const char *pos[2];
	int i, npos = 0, level = LOG_WARN;
	uint64_t up = 0, down = 0;
	uint16_t port;

	if (argc > 0 && argv[0][0] != '\0')
		prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
		    argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0)
			help();
		else if (strcmp(argv[i], "--version") == 0) {
			printf("p2ps-client %s\n", VERSION_TEXT);
			return 0;
		} else if (strcmp(argv[i], "-v") == 0)
			level = LOG_DEBUG;
		else if (strcmp(argv[i], "--up-limit") == 0)
			up = opt_rate(argc, argv, &i);
		else if (strcmp(argv[i], "--down-limit") == 0)
			down = opt_rate(argc, argv, &i);
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			bad_args("unknown option '%.40s'", argv[i]);
		else if (npos == 2)
			bad_args("one argument too many: '%.40s'", argv[i]);
		else
			pos[npos++] = argv[i];
	}
	if (npos != 2)
		bad_args("expected IP:PORT and tracker_info.txt");
	log_init("client", level);
	if (parse_hostport(pos[0], host, sizeof(host), &port) == -1)
		bad_args("bad listen address '%.80s': expected IP:PORT",
		    pos[0]);
	snprintf(CL.addr, sizeof(CL.addr), "%s", pos[0]);
	/* Its message may quote the file's bytes: escaped, as from a peer. */
	if (trackers_load(pos[1], &CL.trackers, err, sizeof(err)) == -1)
		bad_args("%s", log_escape(esc, sizeof(esc), err, strlen(err)));

	if ((CL.loop = loop_new()) == NULL)
		die("epoll: %s", strerror(errno));
	if (loop_signals(CL.loop, on_signal, &CL) == -1)
		die("signalfd: %s", strerror(errno));
	if ((CL.lfd = net_listen(host, port, err, sizeof(err))) == -1)
		die("%s", err);
	CL.up_limit = conn_limit_new(CL.loop, 0);
	CL.down_limit = conn_limit_new(CL.loop, 1);
	conn_limit_set(CL.up_limit, up);
	conn_limit_set(CL.down_limit, down);
	/* Piece checks also write the piece: threads wait on the disk. */
	CL.workers = worker_pool_new(CL.loop, 4);
	CL.seq_workers = worker_pool_new(CL.loop, 1);
	commands_init(&CL, &command_events);
	suggest_init(&CL);
	download_init(&CL, download_ended);
	folder_init(&CL);
	peer_server_start(&CL);
	identity(&CL, known, sizeof(known));
	CL.tl = tlink_new(CL.loop, &CL.trackers, CL.tls_cli, known);
	tlink_on_ready(CL.tl, link_ready, &CL);
	CL.sh = shell_new(CL.loop, &shell_ops, &CL);

	loop_run(CL.loop);

	fflush(stdout);
	folder_stop_all(&CL);
	shell_free(CL.sh);
	CL.sh = NULL;		/* downloads aborted below notify nobody */
	loop_timer_cancel(CL.loop, CL.ping);
	download_abort_all(&CL, "client exiting");
	peer_server_stop_all(&CL);
	tlink_free(CL.tl);
	loop_drain(CL.loop);
	worker_pool_free(CL.workers);	/* jobs report to their downloads */
	worker_pool_free(CL.seq_workers);
	download_free_all(&CL);
	folder_free_all(&CL);
	shares_clear(&CL);
	suggest_free(&CL);
	close(CL.lfd);
	conn_limit_free(CL.up_limit);
	conn_limit_free(CL.down_limit);
	loop_free(CL.loop);
	tls_ctx_free(CL.tls_cli);
	tls_ctx_free(CL.tls_srv);
	tls_id_free(CL.id);
	return CL.failed ? 1 : 0;
}
