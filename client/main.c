/*
 * main.c - the client: arguments, event loop, shell, exit status.
 *
 *	client IP:PORT tracker_info.txt [-v]
 *
 * IP:PORT is where this client listens for other peers.  The exit status
 * is 0 when every command succeeded and 1 otherwise (including a start-up
 * failure, reported as an "error:" line).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "shell.h"
#include "tracker_link.h"
#include "wire.h"

static struct client CL;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
on_line(void *arg, char *line, enum shell_line kind)
{
	commands_line(arg, line, (int)kind);
}

static void
on_eof(void *arg)
{
	client_quit(arg);
}

static const struct shell_ops shell_ops = {
	.line = on_line,
	.eof = on_eof,
};

static void
logged_out(void *arg, const struct wire_msg *m, const char *err)
{
	struct client *cl = arg;

	if (err != NULL)
		client_error(cl, "logout: %s", err);
	else if (m->h.type == WT_ERROR && m->f[0].u != WE_AUTH)
		client_error(cl, "logout: %s", m->f[1].s);
	cl->logged_in = 0;
	loop_stop(cl->loop);
}

void
client_quit(struct client *cl)
{
	struct wire_enc *e;

	if (cl->quitting)
		return;
	cl->quitting = 1;
	shell_stop(cl->sh);
	fflush(stdout);
	if (!cl->logged_in) {
		loop_stop(cl->loop);
		return;
	}
	e = tlink_begin(cl->tl, WT_LOGOUT);
	wire_put_token(e, cl->token);
	tlink_send(cl->tl, logged_out, cl);
}

/* Peer connections: piece serving arrives with the sharing work. */
static void
peer_accept(int fd, unsigned ev, void *arg)
{
	int cfd;

	(void)ev;
	(void)arg;
	while ((cfd = net_accept(fd, NULL, 0)) != -1)
		close(cfd);
}

static void
signal_cb(int fd, unsigned ev, void *arg)
{
	struct signalfd_siginfo si;

	(void)ev;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		client_quit(arg);
}

int
main(int argc, char **argv)
{
	char err[512], host[HOST_MAX + 1];
	const char *pos[2];
	int i, npos = 0, level = LOG_WARN, sfd;
	uint16_t port;
	sigset_t mask;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			level = LOG_DEBUG;
		else if (npos < 2 && (argv[i][0] != '-' || argv[i][1] == '\0'))
			pos[npos++] = argv[i];
		else
			npos = 3;
	}
	if (npos != 2)
		die("usage: client IP:PORT tracker_info.txt");
	log_init("client", level);
	if (parse_hostport(pos[0], host, sizeof(host), &port) == -1)
		die("bad listen address '%.80s': expected IP:PORT", pos[0]);
	snprintf(CL.addr, sizeof(CL.addr), "%s", pos[0]);
	if (trackers_load(pos[1], &CL.trackers, err, sizeof(err)) == -1)
		die("%s", err);

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		die("signalfd: %s", strerror(errno));
	if ((CL.loop = loop_new()) == NULL)
		die("epoll: %s", strerror(errno));
	if ((CL.lfd = net_listen(host, port, err, sizeof(err))) == -1)
		die("%s", err);
	loop_add(CL.loop, CL.lfd, EV_READ, peer_accept, &CL);
	loop_add(CL.loop, sfd, EV_READ, signal_cb, &CL);
	CL.tl = tlink_new(CL.loop, &CL.trackers);
	CL.sh = shell_new(CL.loop, &shell_ops, &CL, commands_names());

	loop_run(CL.loop);

	fflush(stdout);
	shell_free(CL.sh);
	tlink_free(CL.tl);
	loop_drain(CL.loop);
	close(CL.lfd);
	close(sfd);
	loop_free(CL.loop);
	return CL.failed ? 1 : 0;
}
