/*
 * reshare.c - a login's earlier shares, served again only where this
 * client's own record vouches for them (see reshare.h, ledger.h).
 *
 * Owns nothing between logins but the record file, whose name main.c
 * put in cl->ledger.  Each login reads it afresh: other clients of the
 * same user on this machine append to it too.  The tracker's list comes
 * a page at a time (MY_SHARES_PAGE, common/page.h), each page looked at
 * before the next is asked for, so a user with 100,000 shares never
 * needs a reply over a control frame; the login's line waits for the
 * last page.  Files are opened once,
 * by the recorded path, never through a link at its end, and checked on
 * that descriptor (fstat), which is the one served.
 */
#include "reshare.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "ledger.h"
#include "log.h"
#include "page.h"
#include "parse.h"
#include "shares.h"
#include "tracker_link.h"
#include "wire.h"
#include "xalloc.h"

struct recheck {
	struct client	*cl;
	char		 group[ID_MAX + 1], name[NAME_MAX_LEN + 1];
	char		 path[PATH_MAX];
	uint8_t		 sha1[20];
	int		 fd;
	uint64_t	 mtime;
};

/*
 * A login's walk through its shares, a page at a time: the record read
 * once at the start, the counts so far, where the next page starts.
 */
struct reshare {
	struct client	*cl;
	void		(*done)(struct client *, unsigned, unsigned);
	struct ledger	 lg;
	unsigned	 n, checking;
	char		 cursor[PAGE_CURSOR_MAX + 1];	/* "" at first */
};

void
reshare_note(struct client *cl, const char *group, const char *name,
    const char *file, uint64_t size, uint64_t mtime, const uint8_t sha1[20])
{
	char err[PATH_MAX + 256];

	if (cl->ledger[0] != '\0' && ledger_note(cl->ledger, cl->user, group,
	    name, file, size, mtime, sha1, err, sizeof(err)) == -1)
		log_warnx("%s: not recorded, so not shared again at the next "
		    "login: %s", name, err);
}

static void
reshared(void *arg, const struct wire_msg *m, const char *err)
{
	const char *why;
	char esc[512];

	(void)arg;
	if (err != NULL || m->h.type == WT_ERROR) {
		why = err ? err : m->f[ERROR_MSG].s;
		log_warnx("re-sharing refused: %s",
		    log_escape(esc, sizeof(esc), why, strlen(why)));
	}
}

static void
send_share(struct client *cl, unsigned type, const struct share *sh,
    uint64_t mtime)
{
	struct wire_enc *e = tlink_begin(cl->tl, type);

	wire_put_token(e, cl->token);
	if (type == WT_UPLOAD) {
		wire_put_file(e, &(struct wire_file){ sh->group, sh->name,
		    sh->size, sh->sha1, sh->hashes, sh->nhashes, sh->path,
		    mtime });
	} else {
		wire_put_id(e, sh->group);
		wire_put_str(e, sh->name);
	}
	tlink_send(cl->tl, reshared, cl);
}

/* A file whose time changed: served if its content is what was shared. */
static void
rechecked(void *arg, struct file_hash *h)
{
	struct recheck *r = arg;
	struct client *cl = r->cl;
	struct share *sh;

	if (h->ok && cl->logged_in && memcmp(h->sha1, r->sha1, 20) == 0 &&
	    shares_get(cl, r->group, r->name) == NULL) {
		sh = shares_adopt(cl, r->fd, r->group, r->name, r->path,
		    h->sha1, h->size, h->hashes, h->nhashes, 1);
		r->fd = -1;
		reshare_note(cl, r->group, r->name, r->path, h->size,
		    r->mtime, h->sha1);
		send_share(cl, WT_UPLOAD, sh, r->mtime);
	}
	free(h->hashes);
	if (r->fd != -1)
		close(r->fd);
	free(r);
}

/*
 * The file the record names, opened (never through a link at its end)
 * and checked on its descriptor: a regular file of the recorded size.
 * The descriptor, or -1.
 */
static int
open_recorded(const struct ledger_ent *e, struct stat *st)
{
	int fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);

	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    (uint64_t)st->st_size != e->size) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One share the tracker listed: 1 served, 2 being rechecked, 0 not. */
static int
reshare_one(struct client *cl, const struct ledger *lg,
    const struct wire_field *f)
{
	const char *g = f[SHARES_GROUP].s, *name = f[SHARES_NAME].s;
	const struct ledger_ent *e;
	struct recheck *r;
	struct share *sh;
	struct stat st;
	char esc[PATH_MAX];
	int fd;

	if (!parse_filename(name) || shares_get(cl, g, name) != NULL)
		return 0;
	e = ledger_find(lg, cl->user, g, name);
	if (e == NULL || strcmp(e->path, f[SHARES_PATH].s) != 0 ||
	    memcmp(e->sha1, f[SHARES_SHA1].p, 20) != 0 ||
	    e->size != f[SHARES_SIZE].u) {
		/* The tracker's word alone: the path is not even looked at. */
		log_info("%s in group %s: not in this client's record of "
		    "shares, not shared again (upload it again to share it)",
		    log_escape(esc, sizeof(esc), name, strlen(name)), g);
		return 0;
	}
	if ((fd = open_recorded(e, &st)) == -1)
		return 0;
	if ((uint64_t)st.st_mtime != e->mtime) {
		r = xcalloc(1, sizeof(*r));
		r->cl = cl;
		snprintf(r->group, sizeof(r->group), "%s", g);
		snprintf(r->name, sizeof(r->name), "%s", name);
		snprintf(r->path, sizeof(r->path), "%s", e->path);
		memcpy(r->sha1, e->sha1, 20);
		r->mtime = (uint64_t)st.st_mtime;
		r->fd = fd;
		hash_file(cl, fd, e->size, rechecked, r);
		return 2;
	}
	/* Unchanged: serve it again as it is. */
	sh = shares_adopt(cl, fd, g, name, e->path, e->sha1, e->size, NULL, 0,
	    1);
	send_share(cl, WT_SHARE, sh, 0);
	return 1;
}

static void	ask(struct reshare *);

/* A page of the tracker's list: each share looked at, then the next. */
static void
on_page(void *arg, const struct wire_msg *m, const char *err)
{
	struct reshare *rs = arg;
	struct client *cl = rs->cl;
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	const char *why = NULL;
	char esc[512];
	int more = 0;

	if (err != NULL || m->h.type != WT_SHARES_PAGE || !cl->logged_in) {
		/* A session over, or a refusal (reshared() says it). */
		if (cl->logged_in)
			reshared(NULL, m, err);
	} else {
		wire_iter_init(&it, m);
		while (wire_iter_next(&it, f))
			switch (reshare_one(cl, &rs->lg, f)) {
			case 1:
				rs->n++;
				break;
			case 2:
				rs->checking++;
				break;
			default:
				break;
			}
		if ((more = page_next(m, rs->cursor, 1, &why)) == 1) {
			ask(rs);
			return;
		}
		if (more == -1)
			log_warnx("re-sharing stopped: %s",
			    log_escape(esc, sizeof(esc), why, strlen(why)));
	}
	ledger_free(&rs->lg);
	rs->done(cl, rs->n, rs->checking);
	free(rs);
}

static void
ask(struct reshare *rs)
{
	struct wire_enc *e = tlink_begin(rs->cl->tl, WT_MY_SHARES_PAGE);

	wire_put_token(e, rs->cl->token);
	wire_put_str(e, rs->cursor);
	tlink_send(rs->cl->tl, on_page, rs);
}

void
reshare_start(struct client *cl, void (*done)(struct client *, unsigned,
    unsigned))
{
	struct reshare *rs;
	char why[PATH_MAX + 256];

	/* Without a record there is nothing this client may serve again. */
	if (cl->ledger[0] == '\0') {
		done(cl, 0, 0);
		return;
	}
	rs = xcalloc(1, sizeof(*rs));
	if (ledger_load(cl->ledger, &rs->lg, why, sizeof(why)) == -1) {
		log_warnx("%s; nothing shared again", why);
		ledger_free(&rs->lg);
		free(rs);
		done(cl, 0, 0);
		return;
	}
	if (rs->lg.n == 0) {
		ledger_free(&rs->lg);
		free(rs);
		done(cl, 0, 0);
		return;
	}
	rs->cl = cl;
	rs->done = done;
	ask(rs);
}
