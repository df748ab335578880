/*
 * folder.c - synced folders (see folder.h): the watcher, each name's
 * state, the looks at the group, and what folder_decide() says to do.
 *
 * One struct folder a synced folder, in cl->folders, with its inotify
 * descriptor on the loop and a tick every TICK_MS.  One struct fentry a
 * name seen on either side.  A name has at most one thing under way
 * (busy): hashing, a push, or a fetch; the watcher's events only mark it
 * dirty, and the tick looks at dirty names only (lstat), never the whole
 * tree.  A dirty name is hashed once folder_stable() says so, and its
 * size and time are checked again when the hash is back: a file that
 * changed while it was hashed stays dirty.
 *
 * The group is looked at (VERSIONS_PAGE, a page at a time) when the
 * tracker says it changed (WT_CHANGED, for the WT_SUBSCRIBE each folder
 * makes on each tracker connection), one look at a time, and every
 * FOLDER_POLL_MS.
 *
 * Fetches are downloads into FOLDER_STAGE/FOLDER_FETCH, renamed over the name when
 * complete unless the file changed here meanwhile (then the download is
 * dropped: the group still has it, and our change goes out as a newer
 * version).  Callbacks hold a reference on their folder: one stopped while
 * they run is freed by the last of them (or by folder_free_all()).
 *
 * Never prints on stdout: what happens in the background goes to the
 * log, so a script's output stays its commands' output.
 */
#include "folder.h"
#define FOLDER_INTERNAL
#include "folder_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "download.h"
#include "folder_rules.h"
#include "log.h"
#include "loop.h"
#include "shares.h"
#include "tracker_link.h"
#include "wire.h"
#include "xalloc.h"

#define TICK_MS		250
#define FOLDER_SUB_RETRY_MS	5000	/* a refused SUBSCRIBE: again after */

static void	decide(struct folder *, struct fentry *);
static void	walk(struct folder *);

/* Drop a callback's hold; a stopped folder goes with the last one. */
static void
unref(struct folder *f)
{
	struct folder **pp;

	if (--f->refs > 0 || !f->dead)
		return;
	for (pp = &f->cl->folders; *pp != NULL; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	fstate_free(f);
}

/* Replies that only need logging. */

static void
logged(void *arg, const struct wire_msg *m, const char *err)
{
	struct folder *f = arg;
	const char *why;
	char esc[300];

	if (err != NULL || m->h.type == WT_ERROR) {
		why = err ? err : m->f[ERROR_MSG].s;
		log_warnx("folder %s: %s", f->dir,
		    log_escape(esc, sizeof(esc), why, strlen(why)));
	}
	unref(f);
}

/* Tell the tracker this user shares sh at its (new) path. */
static void
send_upload(struct folder *f, const struct share *sh, int64_t mtime_ns)
{
	struct wire_enc *e;

	if (sh->hashes == NULL)
		return;
	e = tlink_begin(f->cl->tl, WT_UPLOAD);
	wire_put_token(e, f->cl->token);
	wire_put_file(e, &(struct wire_file){ f->group, sh->name, sh->size,
	    sh->sha1, sh->hashes, sh->nhashes, sh->path,
	    (uint64_t)(mtime_ns / 1000000000) });
	f->refs++;
	tlink_send(f->cl->tl, logged, f);
}

/* Stop serving what this client shares under e's name. */
static void
unshare(struct folder *f, struct fentry *e, int tell)
{
	struct share *sh = shares_get(f->cl, f->group, e->name);
	struct wire_enc *w;

	if (sh == NULL || !sh->complete)
		return;
	shares_remove(f->cl, sh);
	if (!tell)
		return;
	w = tlink_begin(f->cl->tl, WT_STOP_SHARE);
	wire_put_token(w, f->cl->token);
	wire_put_id(w, f->group);
	wire_put_str(w, e->name);
	f->refs++;
	tlink_send(f->cl->tl, logged, f);
}

/* The watcher. */

static int64_t
mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* The file is gone: no longer shared by us; not fetched back. */
static void
removed(struct folder *f, struct fentry *e)
{
	if (e->hashed) {
		memcpy(e->gone, e->sha1, 20);
		e->has_gone = 1;
	} else if (e->has_base) {
		memcpy(e->gone, e->base, 20);
		e->has_gone = 1;
	}
	e->present = e->hashed = 0;
	free(e->pieces);
	e->pieces = NULL;
	unshare(f, e, 1);
	f->save = 1;
	log_info("folder %s: %s removed here: no longer shared", f->dir,
	    e->name);
}

static void
hashed(void *arg, struct file_hash *h)
{
	struct fentry *e = arg;
	struct folder *f = e->f;
	char p[PATH_MAX];
	struct stat st;

	e->busy = B_NONE;
	if (f->dead || !h->ok || fstate_path(f->dir, e->name, p) == -1 ||
	    lstat(p, &st) == -1 || (uint64_t)st.st_size != e->obs_size ||
	    mtime_ns(&st) != e->obs_mtime || h->size != e->obs_size) {
		/* Changed while hashed (or unreadable): look again later. */
		e->changed = loop_now(f->cl->loop);
		free(h->hashes);
		unref(f);
		return;
	}
	memcpy(e->sha1, h->sha1, 20);
	e->size = e->obs_size;
	e->mtime = e->obs_mtime;
	e->present = e->hashed = 1;
	e->dirty = 0;
	e->has_gone = 0;
	free(e->pieces);
	e->pieces = h->hashes;
	e->npieces = h->nhashes;
	f->save = 1;
	decide(f, e);
	unref(f);
}

/* A dirty name: is it gone, still changing, known, or ready to hash? */
static void
look(struct folder *f, struct fentry *e, uint64_t now)
{
	char p[PATH_MAX];
	struct stat st;
	int fd;

	if (fstate_path(f->dir, e->name, p) == -1 || lstat(p, &st) == -1 ||
	    !S_ISREG(st.st_mode)) {
		e->dirty = 0;
		if (e->present)
			removed(f, e);
		e->present = 0;
		return;
	}
	e->present = 1;
	if (e->hashed && (uint64_t)st.st_size == e->size &&
	    mtime_ns(&st) == e->mtime) {
		e->dirty = 0;		/* the content we know */
		return;
	}
	if ((uint64_t)st.st_size != e->obs_size ||
	    mtime_ns(&st) != e->obs_mtime) {
		e->obs_size = (uint64_t)st.st_size;
		e->obs_mtime = mtime_ns(&st);
		e->changed = now;
		return;
	}
	if (!folder_stable(e->changed, now, e->closed))
		return;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		e->changed = now;
		return;
	}
	e->busy = B_HASH;
	f->refs++;
	(void)hash_file(f->cl, fd, e->obs_size, hashed, e);
	close(fd);
}

static void
on_inotify(int fd, unsigned events, void *arg)
{
	struct folder *f = arg;
	char buf[16 * 1024] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	struct fentry *e;
	ssize_t n;
	size_t off;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off + sizeof(*ev) <= (size_t)n;
		    off += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if (off + sizeof(*ev) + ev->len > (size_t)n)
				break;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events lost: every name is looked at. */
				for (e = f->files; e != NULL; e = e->next)
					e->dirty = 1;
				walk(f);
				continue;
			}
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
				log_warnx("folder %s: moved or deleted; no "
				    "longer watched", f->dir);
			if (ev->len == 0 || memchr(ev->name, '\0',
			    ev->len) == NULL ||
			    (e = fstate_entry(f, ev->name, 1)) == NULL)
				continue;
			e->dirty = 1;
			if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
				e->closed = 1;
			else if (ev->mask & (IN_MODIFY | IN_CREATE))
				e->closed = 0;
		}
	}
}

/* Every synced name in the folder, dirty (a walk: at start, on overflow). */
static void
walk(struct folder *f)
{
	struct dirent *de;
	struct fentry *e;
	DIR *d;

	if ((d = opendir(f->dir)) == NULL)
		return;
	/* The loop thread only; readdir_r() is deprecated by glibc. */
	/* cppcheck-suppress readdirCalled */
	while ((de = readdir(d)) != NULL)
		if ((e = fstate_entry(f, de->d_name, 1)) != NULL)
			e->dirty = e->closed = 1;
	(void)closedir(d);
}

/* At start: what is there, and what the index knew is looked at again. */
static void
scan(struct folder *f, uint64_t now)
{
	struct fentry *e;

	walk(f);
	/* Known names no longer there were deleted while we were away. */
	for (e = f->files; e != NULL; e = e->next) {
		e->present = e->hashed;
		e->dirty = 1;
		e->changed = now;
	}
}

/* The group. */

static void	ask(struct folder *, uint64_t now, int notice);

/*
 * A request of type about f's group ("ti": the token and the group),
 * answered to cb(f): SUBSCRIBE, UNSUBSCRIBE.
 */
static void
group_request(struct folder *f, unsigned type, tlink_cb cb)
{
	struct wire_enc *e = tlink_begin(f->cl->tl, type);

	wire_put_token(e, f->cl->token);
	wire_put_id(e, f->group);
	f->refs++;
	tlink_send(f->cl->tl, cb, f);
}

/* Why a reply is not the one hoped for. */
static const char *
why_not(const struct wire_msg *m, const char *err)
{
	if (err != NULL)
		return err;
	return m->h.type == WT_ERROR ? m->f[ERROR_MSG].s : "unexpected reply";
}

/*
 * A look at the group is a walk through its versions (VERSIONS_PAGE), a
 * page at a time from the cursor; each page's rows are marked on their
 * names (w_in, w_g, w_parent) and taken only once the last page is in,
 * so a walk that fails half-way changes nothing: the next look (a
 * notice, or the poll) walks again from the start, as a whole listing
 * that failed was asked again.  poll.asking stays set from the first
 * page to the last: one walk at a time.
 */
static void	on_versions(void *, const struct wire_msg *, const char *);

static void
ask_page(struct folder *f)
{
	struct wire_enc *e = tlink_begin(f->cl->tl, WT_VERSIONS_PAGE);

	wire_put_token(e, f->cl->token);
	wire_put_id(e, f->group);
	wire_put_str(e, f->cursor);
	f->refs++;
	tlink_send(f->cl->tl, on_versions, f);
}

/* A page of the group's versions: each name marked. */
static void
mark_page(struct folder *f, const struct wire_msg *m)
{
	struct wire_field fl[WIRE_MAX_FIELDS];
	struct wire_iter it;
	struct fentry *e;

	wire_iter_init(&it, m);
	while (wire_iter_next(&it, fl)) {
		if ((e = fstate_entry(f, fl[VER_NAME].s, 1)) == NULL)
			continue;
		e->w_in = 1;
		memcpy(e->w_g, fl[VER_SHA1].p, 20);
		memcpy(e->w_parent, fl[VER_PARENT].p, 20);
	}
}

/* The walk is whole: what each name is in the group; then decide each. */
static void
walked(struct folder *f)
{
	static const uint8_t none[20];
	struct fentry *e;

	f->seen = 1;
	f->warned = 0;
	for (e = f->files; e != NULL; e = e->next) {
		e->in_group = e->w_in;
		if (e->w_in) {
			memcpy(e->g, e->w_g, 20);
			memcpy(e->parent, e->w_parent, 20);
			e->has_parent = memcmp(e->parent, none, 20) != 0;
		}
	}
	for (e = f->files; e != NULL; e = e->next)
		decide(f, e);
}

/* Whether the walk goes on (1) or ended (0, failed or whole). */
static int
walk_page(struct folder *f, const struct wire_msg *m, const char *err)
{
	const char *why;
	char esc[300];
	int r;

	if (!f->cl->logged_in)
		return 0;
	if (err != NULL || m->h.type != WT_FILES_PAGE) {
		why = why_not(m, err);
	} else {
		mark_page(f, m);
		if ((r = page_next(m, f->cursor, 1, &why)) == 1) {
			ask_page(f);
			return 1;
		}
		if (r == 0) {
			walked(f);
			return 0;
		}
	}
	if (!f->warned)
		log_warnx("folder %s: group %s: %s", f->dir, f->group,
		    log_escape(esc, sizeof(esc), why, strlen(why)));
	f->warned = 1;
	return 0;
}

static void
on_versions(void *arg, const struct wire_msg *m, const char *err)
{
	struct folder *f = arg;
	int again;

	if (f->dead || walk_page(f, m, err) == 0) {
		again = folder_poll_done(&f->poll);
		/* A notice came while this was out: the change may be newer. */
		if (again)
			ask(f, loop_now(f->cl->loop), 1);
	}
	unref(f);
}

/*
 * Look at the group now if folder_poll_due() says so: notice, the
 * tracker said it changed (or a new connection may have missed that);
 * else the slow poll's turn.  A walk from the first page.
 */
static void
ask(struct folder *f, uint64_t now, int notice)
{
	struct client *cl = f->cl;
	struct fentry *e;

	if (f->dead || cl->quitting || !cl->logged_in ||
	    !folder_poll_due(&f->poll, now, notice))
		return;
	f->cursor[0] = '\0';
	for (e = f->files; e != NULL; e = e->next)
		e->w_in = 0;
	ask_page(f);
}

static void
subscribed(void *arg, const struct wire_msg *m, const char *err)
{
	struct folder *f = arg;
	const char *why;
	char esc[300];

	f->sub = SUB_NONE;
	if (!f->dead && err == NULL && m->h.type == WT_OK) {
		f->sub = SUB_DONE;
	} else if (!f->dead) {
		/* Told nothing: the slow poll still looks; asked again. */
		f->sub_retry = loop_now(f->cl->loop) + FOLDER_SUB_RETRY_MS;
		why = why_not(m, err);
		log_info("folder %s: group %s not followed: %s", f->dir,
		    f->group, log_escape(esc, sizeof(esc), why, strlen(why)));
	}
	unref(f);
}

/* Follow the group on this connection, unless done or refused lately. */
static void
follow_group(struct folder *f, uint64_t now)
{
	struct client *cl = f->cl;

	if (f->dead || cl->quitting || !cl->logged_in || f->sub != SUB_NONE ||
	    now < f->sub_retry)
		return;
	f->sub = SUB_ASKING;
	group_request(f, WT_SUBSCRIBE, subscribed);
}

/*
 * The tracker link's notice hook: a group changed (WT_CHANGED), or m is
 * NULL: a new connection, which follows nothing yet (a SUBSCRIBE still
 * unanswered went out again on it) and may have missed changes.
 */
static void
on_notice(void *arg, const struct wire_msg *m)
{
	struct client *cl = arg;
	uint64_t now = loop_now(cl->loop);
	struct folder *f;

	for (f = cl->folders; f != NULL; f = f->next) {
		if (m == NULL) {
			if (f->sub == SUB_DONE)
				f->sub = SUB_NONE;
			f->sub_retry = 0;
			follow_group(f, now);
			ask(f, now, 1);
		} else if (strcmp(f->group, m->f[CHANGED_GROUP].s) == 0) {
			ask(f, now, 1);
		}
	}
}

static void
tick(void *arg)
{
	struct folder *f = arg;
	struct client *cl = f->cl;
	uint64_t now = loop_now(cl->loop);
	struct fentry *e;

	f->tick = NULL;
	if (!cl->quitting && cl->logged_in) {
		for (e = f->files; e != NULL; e = e->next)
			if (e->dirty && e->busy == B_NONE)
				look(f, e, now);
		follow_group(f, now);
		ask(f, now, 0);
	}
	if (f->save)
		fstate_save(f);
	f->tick = loop_timer(cl->loop, TICK_MS, tick, f);
}

/* Acting on folder_decide(). */

static void
pushed(void *arg, const struct wire_msg *m, const char *err)
{
	struct fentry *e = arg;
	struct folder *f = e->f;
	struct share *sh;
	char p[PATH_MAX], why[300];

	e->busy = B_NONE;
	if (f->dead || err != NULL || m->h.type != WT_OK) {
		if (!f->dead)
			logged(f, m, err);	/* drops the hold */
		else
			unref(f);
		return;
	}
	if ((sh = shares_get(f->cl, f->group, e->name)) != NULL)
		shares_remove(f->cl, sh);
	if (fstate_path(f->dir, e->name, p) == 0 && e->pieces != NULL &&
	    shares_add(f->cl, f->group, e->name, p, e->sha1, e->size,
	    e->pieces, e->npieces, 1, why, sizeof(why)) == NULL)
		log_warnx("folder %s: %s", f->dir, why);
	/* Ours, unless the group had this content already. */
	e->authored = e->has_base ? e->authored || memcmp(e->base, e->sha1,
	    20) != 0 : !(e->in_group && memcmp(e->g, e->sha1, 20) == 0);
	memcpy(e->base, e->sha1, 20);
	e->has_base = 1;
	free(e->pieces);
	e->pieces = NULL;
	f->save = 1;
	log_info("folder %s: shared %s (%llu bytes)", f->dir, e->name,
	    (unsigned long long)e->size);
	unref(f);
}

/* Share the local content as the name's new version. */
static void
push(struct folder *f, struct fentry *e)
{
	static const uint8_t none[20];
	struct wire_enc *w;
	char p[PATH_MAX];

	if (e->pieces == NULL || fstate_path(f->dir, e->name, p) == -1) {
		/* Hashed before this run: hash again for the pieces. */
		e->hashed = 0;
		e->dirty = e->closed = 1;
		return;
	}
	e->busy = B_PUSH;
	w = tlink_begin(f->cl->tl, WT_UPDATE);
	wire_put_token(w, f->cl->token);
	wire_put_file(w, &(struct wire_file){ f->group, e->name, e->size,
	    e->sha1, e->pieces, e->npieces, p,
	    (uint64_t)(e->mtime / 1000000000) });
	wire_put_hash(w, e->has_base ? e->base : none);
	f->refs++;
	tlink_send(f->cl->tl, pushed, e);
}

static void
fetch_started(void *arg, const char *err)
{
	struct fentry *e = arg;

	if (err == NULL)
		return;		/* the done hook follows */
	if (e->busy == B_FETCH) {
		e->busy = B_NONE;
		log_warnx("folder %s: cannot fetch %s: %s", e->f->dir, e->name,
		    err);
		unref(e->f);
	}
}

static void
fetch(struct folder *f, struct fentry *e)
{
	char p[PATH_MAX];

	if (fstate_path(f->stage, e->name, p) == -1)
		return;
	(void)unlink(p);	/* a stale copy; a .part is resumed */
	unshare(f, e, 0);	/* the old version */
	e->busy = B_FETCH;
	f->refs++;
	download_fetch(f->cl, f->group, e->name, f->stage, fetch_started, e);
}

/*
 * Both sides changed the name: the local copy moves to its conflict name
 * (shared from there as a new file), then the group's is fetched.
 */
static int
conflict(struct folder *f, struct fentry *e)
{
	char cname[NAME_MAX_LEN + 1], from[PATH_MAX], to[PATH_MAX];
	struct fentry *c;
	struct stat st;

	if (folder_conflict_name(e->name, time(NULL), e->sha1, cname,
	    sizeof(cname)) == -1 || fstate_path(f->dir, e->name, from) == -1 ||
	    fstate_path(f->dir, cname, to) == -1 || lstat(to, &st) == 0 ||
	    (c = fstate_entry(f, cname, 1)) == NULL)
		return -1;
	if (rename(from, to) == -1) {
		log_warn("folder %s: %s", f->dir, to);
		return -1;
	}
	log_info("folder %s: %s changed here and in the group: ours kept "
	    "as %s", f->dir, e->name, cname);
	unshare(f, e, 0);
	c->present = 1;
	c->dirty = c->closed = 1;
	c->obs_size = e->size;
	c->obs_mtime = e->mtime;
	c->changed = 0;
	e->present = e->hashed = 0;
	e->has_gone = 0;
	free(e->pieces);
	e->pieces = NULL;
	f->save = 1;
	return 0;
}

static void
decide(struct folder *f, struct fentry *e)
{
	struct folder_view v;

	if (e->busy != B_NONE || e->dirty || (e->present && !e->hashed) ||
	    f->dead || !f->seen || f->cl->quitting || !f->cl->logged_in)
		return;
	v.local = e->present ? e->sha1 : NULL;
	v.base = e->has_base ? e->base : NULL;
	v.authored = e->authored;
	v.group = e->in_group ? e->g : NULL;
	v.parent = e->in_group && e->has_parent ? e->parent : NULL;
	v.gone = e->has_gone ? e->gone : NULL;
	switch (folder_decide(&v)) {
	case FA_NONE:
		break;
	case FA_ADOPT:
		/* The same content: one more sharer, if we are not one. */
		if (shares_get(f->cl, f->group, e->name) == NULL) {
			push(f, e);
			break;
		}
		memcpy(e->base, e->sha1, 20);
		e->has_base = 1;
		f->save = 1;
		break;
	case FA_PUSH:
		push(f, e);
		break;
	case FA_CONFLICT:
		if (conflict(f, e) == -1)
			break;
		fetch(f, e);
		break;
	case FA_FETCH:
		fetch(f, e);
		break;
	}
}

/* The download hook: a fetch ended. */
static void
fetched(struct client *cl, const char *dest, const uint8_t sha1[20], int ok)
{
	char p[PATH_MAX];
	struct folder *f;
	struct fentry *e = NULL;
	struct share *sh;
	struct stat st;
	size_t n;

	for (f = cl->folders; f != NULL; f = f->next) {
		n = strlen(f->stage);
		if (strncmp(dest, f->stage, n) == 0 && dest[n] == '/' &&
		    (e = fstate_entry(f, dest + n + 1, 0)) != NULL &&
		    e->busy == B_FETCH)
			break;
	}
	if (f == NULL || e == NULL)
		return;
	e->busy = B_NONE;
	if (f->dead || !ok || fstate_path(f->dir, e->name, p) == -1) {
		unref(f);
		return;
	}
	/* Changed here meanwhile: ours goes out as a newer version. */
	if (lstat(p, &st) == 0 && (!e->present || !e->hashed ||
	    (uint64_t)st.st_size != e->size || mtime_ns(&st) != e->mtime)) {
		(void)unlink(dest);
		e->dirty = 1;
		unref(f);
		return;
	}
	if (rename(dest, p) == -1 || lstat(p, &st) == -1) {
		log_warn("folder %s: %s", f->dir, p);
		(void)unlink(dest);
		unref(f);
		return;
	}
	memcpy(e->sha1, sha1, 20);
	memcpy(e->base, sha1, 20);
	e->size = e->obs_size = (uint64_t)st.st_size;
	e->mtime = e->obs_mtime = mtime_ns(&st);
	e->present = e->hashed = e->has_base = 1;
	e->authored = e->has_gone = e->dirty = 0;
	f->save = 1;
	if ((sh = shares_get(cl, f->group, e->name)) != NULL) {
		snprintf(sh->path, sizeof(sh->path), "%s", p);
		send_upload(f, sh, e->mtime);
	}
	log_info("folder %s: fetched %s", f->dir, e->name);
	unref(f);
}

/* The module's face. */

void
folder_init(struct client *cl)
{
	download_on_done(cl, fetched);
}

static struct folder *
folder_find(struct client *cl, const char *dir)
{
	char abs[PATH_MAX];
	struct folder *f;

	if (realpath(dir, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", dir);
	for (f = cl->folders; f != NULL; f = f->next)
		if (!f->dead && (strcmp(f->dir, abs) == 0 ||
		    strcmp(f->dir, dir) == 0))
			return f;
	return NULL;
}

int
folder_check(struct client *cl, const char *dir, char abs[PATH_MAX],
    char *err, size_t errlen)
{
	struct stat st;
	size_t i;

	if (realpath(dir, abs) == NULL || stat(abs, &st) == -1) {
		snprintf(err, errlen, "%.200s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%.200s: not a directory", dir);
		return -1;
	}
	for (i = 0; abs[i] != '\0'; i++)
		if ((unsigned char)abs[i] < 0x20 || abs[i] == 0x7f) {
			snprintf(err, errlen, "a synced folder's path cannot "
			    "hold control characters");
			return -1;
		}
	if (folder_find(cl, abs) != NULL) {
		snprintf(err, errlen, "%.200s is already synced", abs);
		return -1;
	}
	if (strlen(abs) + sizeof(FOLDER_STAGE) + NAME_MAX_LEN + 16 >=
	    PATH_MAX) {
		snprintf(err, errlen, "%.200s: path too long", abs);
		return -1;
	}
	return 0;
}

int
folder_add(struct client *cl, const char *dir, const char *group,
    int persist, char *err, size_t errlen)
{
	struct folder *f;

	f = xcalloc(1, sizeof(*f));
	f->cl = cl;
	f->ifd = -1;
	snprintf(f->group, sizeof(f->group), "%s", group);
	if (folder_check(cl, dir, f->dir, err, errlen) == -1)
		goto fail;
	if (fstate_path(f->dir, FOLDER_STAGE, f->state) == -1 ||
	    fstate_path(f->state, FOLDER_FETCH, f->stage) == -1) {
		snprintf(err, errlen, "%.200s: path too long", f->dir);
		goto fail;
	}
	if ((mkdir(f->state, 0700) == -1 && errno != EEXIST) ||
	    (mkdir(f->stage, 0700) == -1 && errno != EEXIST)) {
		snprintf(err, errlen, "%.200s: %s", f->stage, strerror(errno));
		goto fail;
	}
	if ((f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(f->ifd, f->dir, IN_CLOSE_WRITE | IN_MOVED_TO |
	    IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_MODIFY | IN_ATTRIB |
	    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK) == -1 ||
	    loop_add(cl->loop, f->ifd, EV_READ, on_inotify, f) == -1) {
		snprintf(err, errlen, "cannot watch %.200s: %s", f->dir,
		    strerror(errno));
		goto fail;
	}
	fstate_load(f);
	scan(f, loop_now(cl->loop));
	f->next = cl->folders;
	cl->folders = f;
	if (persist)
		fstate_list_update(cl->user, group, f->dir, 1);
	f->tick = loop_timer(cl->loop, 1, tick, f);
	tlink_on_notice(cl->tl, on_notice, cl);
	return 0;
fail:
	if (f->ifd != -1)
		close(f->ifd);
	fstate_free(f);
	return -1;
}

/* Stop watching; freed now, or by the last callback holding it. */
static void
folder_stop(struct folder *f)
{
	struct folder *o;
	struct fentry *e;

	loop_timer_cancel(f->cl->loop, f->tick);
	f->tick = NULL;
	if (f->ifd != -1) {
		loop_del(f->cl->loop, f->ifd);
		close(f->ifd);
		f->ifd = -1;
	}
	fstate_save(f);
	for (e = f->files; e != NULL; e = e->next) {
		free(e->pieces);
		e->pieces = NULL;
	}
	f->dead = 1;
	/* No longer followed, unless another folder syncs the group. */
	for (o = f->cl->folders; o != NULL; o = o->next)
		if (!o->dead && strcmp(o->group, f->group) == 0)
			break;
	if (o == NULL && f->sub != SUB_NONE && f->cl->logged_in &&
	    !f->cl->quitting)
		group_request(f, WT_UNSUBSCRIBE, logged);
	f->refs++;
	unref(f);
}

int
folder_remove(struct client *cl, const char *dir, char *abs, size_t len)
{
	struct folder *f = folder_find(cl, dir);

	if (f == NULL)
		return -1;
	snprintf(abs, len, "%s", f->dir);
	fstate_list_update(cl->user, f->group, f->dir, 0);
	/*
	 * Its fetches end now, their .part files removed: after
	 * unsync_folder the folder changes no more (the fetch hook drops
	 * each and its reference).
	 */
	download_abort_in(cl, f->stage, "the folder is no longer synced");
	folder_stop(f);
	return 0;
}

void
folder_list(struct client *cl)
{
	const struct folder *f;
	const struct fentry *e;
	unsigned n;

	for (f = cl->folders; f != NULL; f = f->next) {
		if (f->dead)
			continue;
		for (n = 0, e = f->files; e != NULL; e = e->next)
			n += e->present;
		printf("%s\t%s\t%u file%s\n", f->dir, f->group, n,
		    n == 1 ? "" : "s");
	}
}

static void
resume_one(void *arg, const char *group, const char *dir)
{
	struct client *cl = arg;
	char err[PATH_MAX + 64];

	if (folder_add(cl, dir, group, 0, err, sizeof(err)) == -1)
		log_warnx("folder not resumed: %s", err);
}

unsigned
folder_resume(struct client *cl)
{
	return fstate_list_each(cl->user, resume_one, cl);
}

void
folder_stop_all(struct client *cl)
{
	struct folder *f, *next;

	for (f = cl->folders; f != NULL; f = next) {
		next = f->next;
		if (!f->dead)
			folder_stop(f);
	}
}

void
folder_free_all(struct client *cl)
{
	struct folder *f;

	folder_stop_all(cl);
	while ((f = cl->folders) != NULL) {
		cl->folders = f->next;
		fstate_free(f);
	}
}
