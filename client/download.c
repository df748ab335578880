/*
 * download.c - a download as a whole (see download.h): its start, its
 * sources, the tracker's part, progress, piece verdicts and its end.
 *
 * The module's three files and the data they share are described in
 * download_int.h.  This one is the top: it asks the tracker for the
 * file and its sources, opens the links (peer.c) and the .part file
 * (storage.c), and decides what each piece verdict means: a good piece
 * is served onward and announced, a bad one is blamed and fetched again.
 * The rest of the client sees only download.h.
 *
 * A download that ends, done or failed, is reported once through the
 * client's download_ended hook; a failure reason is escaped as it is
 * stored, since it may quote the tracker.  Only the loop thread runs
 * this; it never touches a peer's socket or the file itself.
 */
#include "download.h"

#define DOWNLOAD_INTERNAL
#include "download_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitfield.h"
#include "client.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "picker.h"
#include "reshare.h"
#include "shares.h"
#include "shell.h"
#include "tracker_link.h"
#include "wire.h"
#include "xalloc.h"

/*
 * Links a download keeps open.  Each holds up to a block in its input
 * and TLS's buffers, about 250 KiB; its peer's side holds as much.  16
 * links of 24 blocks in flight each are more than loopback needs, but a
 * swarm of scarce uplinks needs every downloader to be asked by many
 * (16 of 24 others: 68 s at N = 24 in the lab, 24: 38 s); with 24, 64
 * clients on one machine peak at 22.7 MiB each.
 */
#define MAX_PEERS	24
#define REFRESH_MS	3000		/* ask the tracker for new sources */
#define REFRESH_MIN_MS	500		/* ... sooner while new ones appear */
/*
 * Sources remembered: the tracker names up to WIRE_SOURCES_MAX at a
 * time, a random set of a big swarm's, so over many refreshes a download
 * would meet every member.  Beyond SRC_MAX, a new one takes the place of
 * the one named least recently that is neither connected nor suspect.
 */
#define SRC_MAX		256
#define TICK_MS		500
/* A show_downloads line: why[] is 200. */
#define STATUS_MAX	(ID_MAX + NAME_MAX_LEN + 200 + 100)

static void	dl_fail(struct download *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static void	dl_tick(void *);
static void	dl_status(const struct download *, char *, size_t);
static void	connect_sources(struct download *);

/* Lifecycle. */

/* What d holds, and d: it is off cl->downloads and nothing refers to it. */
static void
dl_free(struct download *d)
{
	loop_timer_cancel(d->cl->loop, d->tick);
	loop_timer_cancel(d->cl->loop, d->reap);
	storage_free(d);
	if (d->nunits > 0 || d->pk.have != NULL)
		picker_free(&d->pk);
	peer_free(d);
	free(d->hashes);
	free(d->src);
	free(d);
}

/*
 * May an ended download be freed?  Its links to peers are reaped (each
 * reports to d as it closes), no piece check and no whole-file hashing
 * is on the pool (they report to d).  Tracker requests do not count:
 * dl_reap() cancels their callbacks.
 */
static int
dl_idle(const struct download *d)
{
	return d->peers == NULL && d->checking == 0 && d->verifying == 0 &&
	    (d->whole == NULL || !hash_chain_busy(d->whole));
}

/*
 * A synced folder's download that ended: off the list and freed once
 * idle (looked at again every TICK_MS until then), so a folder synced
 * for weeks does not pile them up.  The list owns every download; this
 * and download_free_all() are the only places one is freed.  A download
 * the user started stays, for show_downloads.
 */
static void
dl_reap(void *arg)
{
	struct download *d = arg, **pp;

	d->reap = NULL;
	if (!dl_idle(d)) {
		d->reap = loop_timer(d->cl->loop, TICK_MS, dl_reap, d);
		return;
	}
	for (pp = &d->cl->downloads; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	/* Its requests still go out (the UPLOAD is recorded), unanswered. */
	tlink_cancel(d->cl->tl, d);
	dl_free(d);
}

static void
dl_end(struct download *d)
{
	storage_release_all(d);
	loop_timer_cancel(d->cl->loop, d->tick);
	d->tick = NULL;
	peer_close_all(d, "download over");
	if (!d->ended) {
		d->ended = 1;
		/*
		 * Tell the user at the terminal, unless it never got under
		 * way (t_start unset): then download_file itself failed and
		 * said why.
		 */
		if (d->t_start != 0) {
			char line[STATUS_MAX];

			dl_status(d, line, sizeof(line));
			shell_notice(d->cl->sh, "%s", line);
		}
		if (d->cl->download_done != NULL)
			d->cl->download_done(d->cl, d->dest, d->sha1,
			    d->state == DL_DONE);
		d->cl->download_ended(d->cl);
		/* Not now: the caller may go on with d. */
		if (d->quiet)
			d->reap = loop_timer(d->cl->loop, 0, dl_reap, d);
	}
}

static void
dl_fail(struct download *d, const char *fmt, ...)
{
	char raw[sizeof(d->why)];
	va_list ap;

	if (d->state == DL_DONE || d->state == DL_FAILED)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* It may quote the tracker: escaped once, here, for every printer. */
	log_escape(d->why, sizeof(d->why), raw, strlen(raw));
	d->state = DL_FAILED;
	if (!d->quiet)
		d->cl->failed = 1;
	if (d->sh != NULL) {
		shares_remove(d->cl, d->sh);
		d->sh = NULL;
	}
	if (d->started != NULL) {
		void (*started)(void *, const char *) = d->started;

		d->started = NULL;
		started(d->started_arg, d->why);
	}
	dl_end(d);
}

static void
on_uploaded(void *arg, const struct wire_msg *m, const char *err)
{
	struct download *d = arg;
	const char *why;
	char esc[512];

	if (err != NULL || m->h.type == WT_ERROR) {
		why = err ? err : m->f[ERROR_MSG].s;
		log_warnx("%s: tracker did not record the share: %s", d->name,
		    log_escape(esc, sizeof(esc), why, strlen(why)));
	}
}

/* Every piece is in and the whole-file SHA1 is ready: check, move. */
static void
dl_complete(struct download *d)
{
	struct wire_enc *e;
	char err[256], path[PATH_MAX];
	uint64_t mtime;

	if (storage_commit(d, err, sizeof(err)) == -1) {
		dl_fail(d, "%s", err);
		return;
	}
	d->state = DL_DONE;
	log_debug("%s: done; %llu bytes came twice, %u blocks moved in the "
	    "endgame", d->name, (unsigned long long)d->twice, d->moved);
	if (d->sh != NULL) {
		snprintf(d->sh->path, sizeof(d->sh->path), "%s", d->dest);
		d->sh->complete = 1;
	}
	/* This user now shares it, across logins. */
	if (storage_mtime(d, &mtime) == 0 && d->cl->logged_in) {
		/* Named as a later login finds it, from any directory. */
		if (realpath(d->dest, path) == NULL)
			snprintf(path, sizeof(path), "%s", d->dest);
		reshare_note(d->cl, d->group, d->name, path, d->size, mtime,
		    d->sha1);
		e = tlink_begin(d->cl->tl, WT_UPLOAD);
		wire_put_token(e, d->cl->token);
		wire_put_file(e, &(struct wire_file){ d->group, d->name,
		    d->size, d->sha1, d->hashes, d->nhashes, path, mtime });
		tlink_send(d->cl->tl, on_uploaded, d);
	}
	dl_end(d);
}

static void
dl_finish(struct download *d)
{
	d->state = DL_FINISH;
	storage_advance(d);
}

static void
on_announced(void *arg, const struct wire_msg *m, const char *err)
{
	struct download *d = arg;
	const char *why;
	char esc[512];

	if (err != NULL || m->h.type == WT_ERROR) {
		d->announced = 0;	/* try again with the next piece */
		why = err ? err : m->f[ERROR_MSG].s;
		log_debug("%s: SHARE refused: %s", d->name,
		    log_escape(esc, sizeof(esc), why, strlen(why)));
	}
}

/* Tell the tracker this session serves (part of) the file. */
static void
announce(struct download *d)
{
	struct wire_enc *e;

	if (d->announced || !d->cl->logged_in)
		return;
	d->announced = 1;
	e = tlink_begin(d->cl->tl, WT_SHARE);
	wire_put_token(e, d->cl->token);
	wire_put_id(e, d->group);
	wire_put_str(e, d->name);
	tlink_send(d->cl->tl, on_announced, d);
}

/* The verdict on a piece, from storage.c (d->ev->checked). */
static void
piece_checked(struct download *d, uint32_t piece, int ok)
{
	if (d->checking > 0) {
		/* Resume: a piece already in the .part file (none is sent
		   for checking before they are all back). */
		d->checking--;
		if (d->state != DL_CHECK)
			return;		/* failed meanwhile */
		if (ok) {
			picker_mark_done(&d->pk, piece);
			bitfield_set(&d->sh->have, piece);
			d->bytes += picker_piece_len(&d->pk, piece);
			storage_advance(d);
		}
		if (d->checking == 0) {
			d->state = DL_RUN;
			if (picker_complete(&d->pk))
				dl_finish(d);
			else
				connect_sources(d);
		}
		return;
	}
	d->verifying--;
	if (d->state != DL_RUN) {
		storage_release(d, piece);
		return;
	}
	picker_verified(&d->pk, piece, ok);
	if (ok) {
		storage_keep(d, piece);
		d->bytes += picker_piece_len(&d->pk, piece);
		shares_have(d->cl, d->sh, piece);
		peer_have(d, piece);
		announce(d);
		storage_advance(d);
	} else {
		log_warnx("%s: piece %u failed its SHA1", d->name, piece);
		storage_discard(d, piece);
		peer_strike(d, piece);
	}
	if (picker_complete(&d->pk)) {
		dl_finish(d);
		return;
	}
	peer_fill_all(d);
}

/* What peer.c and storage.c report. */
static const struct dl_events dl_events = {
	.checked = piece_checked,
	.hashed = dl_complete,
	.failed = dl_fail,
};

/* Sources. */

/*
 * A slot for a new source when the table is full: the one the tracker
 * named least recently of those neither connected, banned nor struck
 * (forgetting those would let a liar start afresh), or -1.
 */
static int
evict_source(struct download *d)
{
	unsigned i;
	int best = -1;

	for (i = 0; i < d->nsrc; i++) {
		const struct source *s = &d->src[i];

		if (s->connected || s->banned || s->strikes > 0)
			continue;
		if (best == -1 || s->named < d->src[best].named)
			best = (int)i;
	}
	if (best != -1)
		peer_forget(d, (unsigned)best);
	return best;
}

static void
add_source(struct download *d, const char *addr, const uint8_t *ticket,
    uint32_t len)
{
	struct source *s;
	unsigned i;
	int slot;

	if (len != WIRE_TICKET_LEN || strlen(addr) >= HOSTPORT_MAX)
		return;
	for (i = 0; i < d->nsrc; i++)
		if (strcmp(d->src[i].addr, addr) == 0) {
			/*
			 * A fresh ticket for the next connection; one naming
			 * another key than the one refused lifts the ban.
			 */
			if (d->src[i].keyban && memcmp(ticket + 8,
			    d->src[i].ticket + 8, 32) != 0)
				d->src[i].banned = d->src[i].keyban = 0;
			memcpy(d->src[i].ticket, ticket, WIRE_TICKET_LEN);
			d->src[i].named = dl_now(d);
			peer_renew(d, i);
			return;
		}
	if (d->nsrc < SRC_MAX) {
		d->src = xreallocarray(d->src, d->nsrc + 1, sizeof(*d->src));
		slot = (int)d->nsrc++;
	} else if ((slot = evict_source(d)) == -1) {
		return;
	}
	s = &d->src[slot];
	memset(s, 0, sizeof(*s));
	snprintf(s->addr, sizeof(s->addr), "%s", addr);
	memcpy(s->ticket, ticket, WIRE_TICKET_LEN);
	s->named = dl_now(d);
}

/*
 * Connect to every source that may be tried now, up to MAX_PEERS, from a
 * random place in the table: sources are added as they announce, so in
 * order every downloader would open its links to the same first few and
 * the last to announce would serve no one (N = 24 of 16 links: 68 s, one
 * downloader sent 1% of the file; tried).
 */
static void
connect_sources(struct download *d)
{
	uint64_t now = dl_now(d);
	unsigned i, k, start;

	if (d->nsrc == 0 || d->npeers >= MAX_PEERS)
		return;
	start = arc4random_uniform(d->nsrc);
	for (k = 0; k < d->nsrc && d->npeers < MAX_PEERS; k++) {
		struct source *s;

		i = (start + k) % d->nsrc;
		s = &d->src[i];

		if (!s->banned && !s->connected && s->next_try <= now &&
		    strcmp(s->addr, d->cl->addr) != 0)
			peer_connect(d, i);
	}
}

/*
 * Sources from the tracker: FILE_INFO's reply at the start, then PEERS
 * (a refresh, without the piece hashes) every REFRESH_MS.  A PEERS for
 * other content than ours (the file was replaced) has tickets for that
 * content: no use.  At most WIRE_SOURCES_MAX are taken from one reply.
 */
static void
on_sources(void *arg, const struct wire_msg *m, const char *err)
{
	struct download *d = arg;
	struct wire_field f[WIRE_MAX_FIELDS];
	struct wire_iter it;
	unsigned had = d->nsrc, n = 0;

	d->refreshing = 0;
	if (err != NULL || d->state >= DL_DONE)
		return;
	if (m->h.type == WT_PEERS) {
		if (memcmp(m->f[PEERS_SHA1].p, d->sha1, 20) != 0)
			return;
	} else if (m->h.type != WT_FILE) {
		return;
	}
	wire_iter_init(&it, m);
	while (n++ < WIRE_SOURCES_MAX && wire_iter_next(&it, f))
		add_source(d, f[SOURCE_PEER].s, f[SOURCE_TICKET].p,
		    f[SOURCE_TICKET].n);
	/*
	 * A swarm that starts together: each downloader becomes a source
	 * with its first piece, and the sooner the others know, the sooner
	 * its uplink works.  So ask again soon while new sources appear,
	 * then less often, up to REFRESH_MS.
	 */
	if (d->nsrc > had)
		d->refresh_ms = REFRESH_MIN_MS;
	else if ((d->refresh_ms *= 2) > REFRESH_MS)
		d->refresh_ms = REFRESH_MS;
	if (d->state == DL_RUN)
		connect_sources(d);
}

static void
refresh_sources(struct download *d)
{
	struct wire_enc *e;

	if (d->refreshing || !d->cl->logged_in)
		return;
	d->refreshing = 1;
	d->t_refresh = dl_now(d);
	e = tlink_begin(d->cl->tl, WT_SOURCES);
	wire_put_token(e, d->cl->token);
	wire_put_id(e, d->group);
	wire_put_str(e, d->name);
	tlink_send(d->cl->tl, on_sources, d);
}

static void
dl_tick(void *arg)
{
	struct download *d = arg;
	uint64_t now = dl_now(d);
	unsigned i, live = 0;

	d->tick = NULL;
	/* Smoothed speed over the ticks. */
	if (now > d->rate_t) {
		double inst = (double)d->rate_bytes * 1000.0 /
		    (double)(now - d->rate_t);

		d->rate = d->rate == 0 ? inst : 0.6 * d->rate + 0.4 * inst;
		d->rate_bytes = 0;
		d->rate_t = now;
	}
	if (d->state == DL_RUN) {
		peer_sweep(d, now);
		if (peer_useful(d) || d->verifying > 0)
			d->t_useful = now;
		for (i = 0; i < d->nsrc; i++)
			live += !d->src[i].banned;
		if (live == 0 && d->nsrc > 0 && d->npeers == 0)
			dl_fail(d, "no source left that can supply the "
			    "missing pieces correctly");
		else if (now - d->t_useful > DL_DEAD_MS)
			dl_fail(d, "no source had the missing pieces for "
			    "%d seconds", DL_DEAD_MS / 1000);
		else {
			connect_sources(d);
			if (now - d->t_refresh + TICK_MS / 2 >= d->refresh_ms)
				refresh_sources(d);
		}
	}
	if (d->state < DL_DONE)
		d->tick = loop_timer(d->cl->loop, TICK_MS, dl_tick, d);
}

/* Starting. */

/* Where the file goes: inside dest if it is a directory. */
static int
resolve_dest(struct download *d, const char *dest, char *err, size_t errlen)
{
	struct stat st;
	char dir[PATH_MAX];

	if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (snprintf(d->dest, sizeof(d->dest), "%s/%s", dest,
		    d->name) >= (int)sizeof(d->dest))
			goto toolong;
	} else if (snprintf(d->dest, sizeof(d->dest), "%s", dest) >=
	    (int)sizeof(d->dest)) {
		goto toolong;
	}
	snprintf(dir, sizeof(dir), "%s", d->dest);
	if (stat(dirname(dir), &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "no directory for %.150s", d->dest);
		return -1;
	}
	if (snprintf(d->part, sizeof(d->part), "%s.part", d->dest) >=
	    (int)sizeof(d->part))
		goto toolong;
	return 0;
toolong:
	snprintf(err, errlen, "destination path too long");
	return -1;
}

static void
on_meta(void *arg, const struct wire_msg *m, const char *err)
{
	struct download *d = arg;
	struct client *cl = d->cl;
	void (*started)(void *, const char *);
	char e[256];
	int resume, fd;

	/* Stopped while asking (logout, unsync_folder): it stays ended. */
	if (d->state != DL_META)
		return;
	if (err != NULL) {
		dl_fail(d, "%s", err);
		return;
	}
	if (m->h.type == WT_ERROR) {
		dl_fail(d, "%s", m->f[ERROR_MSG].s);
		return;
	}
	if (m->h.type != WT_FILE) {
		dl_fail(d, "unexpected reply from tracker");
		return;
	}
	d->size = m->f[FILE_SIZE].u;
	memcpy(d->sha1, m->f[FILE_SHA1].p, 20);
	d->nhashes = m->f[FILE_PIECES].n;
	if (!wire_hashes_ok(d->size, d->nhashes)) {
		dl_fail(d, "tracker sent inconsistent metadata");
		return;
	}
	d->hashes = xreallocarray(NULL, d->nhashes ? d->nhashes : 1, 20);
	if (d->nhashes > 0)
		memcpy(d->hashes, m->f[FILE_PIECES].p,
		    (size_t)d->nhashes * 20);
	d->unit_len = wire_unit_len(d->size, d->nhashes);
	d->nunits = (uint32_t)wire_parts(d->size, d->unit_len);
	d->units = d->unit_len == WIRE_PIECE_LEN ? d->hashes : d->hashes +
	    20 * (size_t)wire_npieces(d->size);
	on_sources(d, m, NULL);
	if (storage_open(d, &resume, e, sizeof(e)) == -1) {
		dl_fail(d, "%s", e);
		return;
	}
	picker_init(&d->pk, d->size, d->unit_len, ((uint64_t)getpid() << 32) ^
	    loop_clock_ms() ^ (uint64_t)(uintptr_t)d);
	peer_init(d);
	if ((fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		dl_fail(d, "%s: %s", d->part, strerror(errno));
		return;
	}
	d->sh = shares_adopt(cl, fd, d->group, d->name, d->part, d->sha1,
	    d->size, d->hashes, d->nhashes, 0);
	d->t_start = d->t_useful = d->rate_t = dl_now(d);
	d->refresh_ms = REFRESH_MIN_MS;
	d->state = DL_RUN;
	if (resume && d->nunits > 0) {
		/* Keep what is already there, once it is rechecked. */
		d->state = DL_CHECK;
		storage_recheck(d);
	}
	if (!d->quiet)
		printf("downloading %s from group %s to %s\n", d->name,
		    d->group, d->dest);
	started = d->started;
	d->started = NULL;
	started(d->started_arg, NULL);
	d->tick = loop_timer(cl->loop, TICK_MS, dl_tick, d);
	if (d->state == DL_RUN) {
		if (picker_complete(&d->pk))
			dl_finish(d);
		else
			connect_sources(d);
	}
}

void
download_init(struct client *cl, void (*ended)(struct client *))
{
	cl->download_ended = ended;
	cl->pbuf_max = storage_buffers();
}

void
download_on_done(struct client *cl, void (*done)(struct client *,
    const char *, const uint8_t *, int))
{
	cl->download_done = done;
}

static void
dl_start(struct client *cl, const char *group, const char *name,
    const char *dest, void (*started)(void *, const char *), void *arg,
    int quiet)
{
	struct download *d, *o;
	struct wire_enc *e;
	struct stat st;
	char err[PATH_MAX + 64];

	d = xcalloc(1, sizeof(*d));
	d->cl = cl;
	d->ev = &dl_events;
	d->fd = d->dio = d->dirfd = -1;
	d->quiet = quiet;
	snprintf(d->group, sizeof(d->group), "%s", group);
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (resolve_dest(d, dest, err, sizeof(err)) == -1)
		goto fail;
	/* lstat: a link there, even to nothing, is not ours to replace. */
	if (lstat(d->dest, &st) == 0) {
		snprintf(err, sizeof(err), "%s already exists", d->dest);
		goto fail;
	}
	for (o = cl->downloads; o != NULL; o = o->next)
		if (strcmp(o->dest, d->dest) == 0 && o->state < DL_DONE) {
			snprintf(err, sizeof(err), "already downloading to %s",
			    d->dest);
			goto fail;
		}
	d->state = DL_META;
	d->started = started;
	d->started_arg = arg;
	d->next = cl->downloads;
	cl->downloads = d;
	e = tlink_begin(cl->tl, WT_FILE_INFO);
	wire_put_token(e, cl->token);
	wire_put_id(e, group);
	wire_put_str(e, name);
	tlink_send(cl->tl, on_meta, d);
	return;
fail:
	free(d);
	started(arg, err);
}

void
download_start(struct client *cl, const char *group, const char *name,
    const char *dest, void (*started)(void *, const char *), void *arg)
{
	dl_start(cl, group, name, dest, started, arg, 0);
}

void
download_fetch(struct client *cl, const char *group, const char *name,
    const char *dest, void (*started)(void *, const char *), void *arg)
{
	dl_start(cl, group, name, dest, started, arg, 1);
}

/* Reporting. */

static void
human_rate(double bps, char *out, size_t n)
{
	if (bps >= 1024.0 * 1024.0)
		snprintf(out, n, "%.1f MiB/s", bps / (1024.0 * 1024.0));
	else
		snprintf(out, n, "%.1f KiB/s", bps / 1024.0);
}

/* The line show_downloads prints for d, without its newline. */
static void
dl_status(const struct download *d, char *out, size_t n)
{
	double pct = d->size ? 100.0 * (double)d->bytes / (double)d->size :
	    100.0;
	uint64_t left = d->size - d->bytes;
	char rate[32];
	int k;

	switch (d->state) {
	case DL_META:
		snprintf(out, n, "[D] [%s] %s starting", d->group, d->name);
		break;
	case DL_CHECK:
		snprintf(out, n, "[D] [%s] %s checking the pieces already "
		    "there", d->group, d->name);
		break;
	case DL_RUN:
	case DL_FINISH:
		human_rate(d->rate, rate, sizeof(rate));
		k = snprintf(out, n, "[D] [%s] %s %.1f%% %s %u peer%s",
		    d->group, d->name, pct, rate, d->npeers,
		    d->npeers == 1 ? "" : "s");
		if (d->rate > 1 && k >= 0 && (size_t)k < n)
			snprintf(out + k, n - (size_t)k, " ETA %.0fs",
			    (double)left / d->rate);
		break;
	case DL_DONE:
		snprintf(out, n, "[C] [%s] %s", d->group, d->name);
		break;
	case DL_FAILED:
		snprintf(out, n, "[F] [%s] %s %s", d->group, d->name, d->why);
		break;
	}
}

void
download_list(struct client *cl)
{
	struct download *d;
	char line[STATUS_MAX];

	for (d = cl->downloads; d != NULL; d = d->next) {
		dl_status(d, line, sizeof(line));
		printf("%s\n", line);
	}
}

unsigned
download_running(const struct client *cl)
{
	const struct download *d;
	unsigned n = 0;

	for (d = cl->downloads; d != NULL; d = d->next)
		n += d->state < DL_DONE;
	return n;
}

void
download_abort_all(struct client *cl, const char *why)
{
	struct download *d;

	for (d = cl->downloads; d != NULL; d = d->next)
		if (d->state < DL_DONE)
			dl_fail(d, "%s", why);
}

void
download_abort_in(struct client *cl, const char *dir, const char *why)
{
	struct download *d;
	size_t n = strlen(dir);

	for (d = cl->downloads; d != NULL; d = d->next) {
		if (!d->quiet || d->state >= DL_DONE ||
		    strncmp(d->dest, dir, n) != 0 || d->dest[n] != '/')
			continue;
		dl_fail(d, "%s", why);
		/* Not resumed by anyone: the folder is no longer synced. */
		if (d->part[0] != '\0' && unlink(d->part) == -1 &&
		    errno != ENOENT)
			log_warn("%s", d->part);
	}
}

void
download_free_all(struct client *cl)
{
	struct download *d;

	while ((d = cl->downloads) != NULL) {
		cl->downloads = d->next;
		dl_free(d);
	}
	storage_free_buffers(cl);
}
