/*
 * client.h - state shared by the client's modules.
 *
 * One struct client per process.  The shell hands lines to commands.c;
 * a command either finishes at once or sends a request through the
 * tracker link and pauses the shell until client_done() is called.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdint.h>
#include <stdio.h>

#include "parse.h"
#include "trackers.h"
#include "wire.h"

struct download;
struct pbuf;
struct loop;
struct share;
struct shell;
struct tlink;
struct worker_pool;

struct client {
	struct loop		*loop;
	struct tracker_list	 trackers;
	char			 addr[HOST_MAX + 8];	/* our "ip:port" */
	int			 lfd;			/* peer listener */
	struct tlink		*tl;
	struct shell		*sh;
	int			 logged_in;
	char			 user[ID_MAX + 1];
	uint8_t			 token[WIRE_TOKEN_LEN];
	uint8_t			 ticket_key[32];	/* checks tickets
							   of our peers */
	int			 failed;	/* some command failed */
	int			 quitting;
	struct worker_pool	*workers;	/* hashing */
	struct worker_pool	*seq_workers;	/* whole-file SHA1s of downloads:
						   long jobs, kept out of the
						   way of piece checks */
	struct share		*shares;	/* files served */
	struct download		*downloads;	/* this session's */
	struct pbuf		*pbuf_free;	/* piece buffers, idle */
	unsigned		 pbuf_total;	/* allocated, <= pbuf_max */
	unsigned		 pbuf_max;
	struct loop_timer	*ping;		/* keepalive while logged in */
	char			 ok_msg[256];	/* printed when the
						   running command succeeds */
};

/* commands.c */
/* Print a string from the network with control characters defused. */
const char *const *commands_names(void);
void	commands_line(struct client *, char *line, int kind);
/* The running command finished; ok 0 marks the session failed. */
void	client_done(struct client *, int ok);
/* Print "error: ..." on stderr and mark the session failed. */
void	client_error(struct client *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* main.c: input ended or quit: finish downloads, log out and stop. */
void	client_quit(struct client *);
/* main.c: a download ended; quitting may go on. */
void	client_download_ended(struct client *);
/* main.c: start / stop the session's keepalive and serving. */
void	client_session_started(struct client *);
void	client_session_ended(struct client *);

/* peer_server.c */
void	peer_server_start(struct client *);
void	peer_server_have(struct client *, struct share *, uint32_t piece);
void	peer_server_stop_all(struct client *);

#endif
