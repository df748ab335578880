/*
 * handlers.h - the answers to a client's requests.
 *
 * main.c hands over every frame a client link sends after its HELLO;
 * handlers.c authorizes it, has the store carry it out, and queues the
 * reply on the link's connection.  It never writes to a socket itself nor
 * touches SQLite, and runs on the loop thread only (see handlers.c).
 */
#ifndef HANDLERS_H
#define HANDLERS_H

#include <stdint.h>

struct link;
struct tracker;
struct wire_msg;

/*
 * Answer one request from a client link (a decoded frame, valid until
 * this returns).  A frame that is not a request closes the link.  The
 * reply is queued now or, for a password to hash, when the worker is
 * done; it is written by the before-sleep flush, after the COMMIT.
 */
void	handlers_request(struct tracker *, struct link *,
	    const struct wire_msg *);
/* The link closes: the session it spoke for is no longer online by it. */
void	handlers_unbind(struct tracker *, struct link *);
/*
 * The link speaks for session key from now on (online through this
 * tracker, so not idle): at LOGIN, and at each request carrying a token.
 */
void	handlers_bind(struct tracker *, struct link *, const uint8_t key[32]);

#endif
