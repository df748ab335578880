/*
 * handlers_int.h - what the request handlers' files share (handlers.c,
 * handlers_auth.c): a request being handled and the reply paths.
 * Private: only files that define HANDLERS_INTERNAL may include it.
 */
#ifndef HANDLERS_INT_H
#define HANDLERS_INT_H

#ifndef HANDLERS_INTERNAL
#error "handlers_int.h is private to the handlers' files"
#endif

#include <stdint.h>

#include "link.h"
#include "tracker.h"
#include "wire.h"

#define PASS_MAX	256

struct req {
	struct tracker		*t;
	struct link		*l;
	const struct wire_msg	*m;	/* NULL once the frame is gone */
	uint32_t		 id;	/* request id, echoed in the reply */
	uint16_t		 type;
	char			 user[ID_MAX + 1];	/* session's user */
	uint8_t			 key[32];		/* and its key */
	uint8_t			 reqkey[32];	/* identifies a mutation */
	int			 dedupe;	/* reqkey is set */
};


/* Replies (handlers.c): queued on the request's link, never written. */
void	reply_end(struct req *, struct wire_enc *);
void	reply_ok(struct req *);
void	reply_err(struct req *, unsigned code, const char *msg);
void	reply_store(struct req *, int rc, const char *group,
	    const char *user);
/* The key the client on this link proved (zeros in plaintext benches). */
void	link_key(const struct link *, uint8_t fp[32]);

/* Listings a page at a time (handlers_page.c). */
void	h_groups_page(struct req *);
void	h_requests_page(struct req *);
void	h_files_page(struct req *);
void	h_shares_page(struct req *);

/* Accounts (handlers_auth.c): password hashing on the worker pool. */
void	h_create_user(struct req *);
void	h_login(struct req *);

#endif
