/*
 * shares.c - served files and hashing jobs (see shares.h).
 *
 * Owns the list of shares (cl->shares), each with its open descriptor
 * and have-map, and the hashing jobs.  Shares are found by content (a
 * peer's every WANT and REQUEST) and by group and name (commands, synced
 * folders) through two hash tables, not a walk of the list: a synced
 * folder of thousands of files would otherwise cost a walk per block
 * served.  Jobs run on the worker pools with
 * their own descriptor (duplicated) and buffers, and report back on the
 * loop; a share is never touched off the loop thread.  Nothing here
 * speaks to a peer or the tracker: who must learn of a verified piece
 * is reached through the have hook.
 */
#include "shares.h"
#include "seed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "client.h"
#include "crypto.h"
#include "log.h"
#include "worker.h"
#include "xalloc.h"

/*
 * Reads for hashing: small enough that the bytes are still in the L2
 * cache when SHA1 reads them (1 MiB reads were 10% slower here).
 */
#define READ_CHUNK	(128 * 1024)
#define CHAIN_CHUNK	(1024 * 1024)	/* O_DIRECT reads want them big */
#define SHARE_BUCKETS	64		/* at first; doubled as shares come */

/* Content hashes are SHA1s: their first bytes are spread already. */
static size_t
sha1_bucket(const struct client *cl, const uint8_t sha1[20])
{
	uint64_t h;

	memcpy(&h, sha1, sizeof(h));
	return (size_t)(h & (cl->share_buckets - 1));
}

/* FNV-1a over group, a zero byte and name. */
static size_t
name_bucket(const struct client *cl, const char *group, const char *name)
{
	uint64_t h = 14695981039346656037ull;
	const char *c;

	for (c = group; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	h *= 1099511628211ull;
	for (c = name; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	return (size_t)(h & (cl->share_buckets - 1));
}

/*
 * A bucket keeps the list's order, newest first (shares_find() and
 * shares_get() answer as a walk of the list did): a new share goes
 * first, and at a rebuild, which walks the list newest first, last.
 */
static void
index_put(struct client *cl, struct share *s, int last)
{
	struct share **pp;

	pp = &cl->share_sha1[sha1_bucket(cl, s->sha1)];
	while (last && *pp != NULL)
		pp = &(*pp)->sha1_next;
	s->sha1_next = *pp;
	*pp = s;
	pp = &cl->share_name[name_bucket(cl, s->group, s->name)];
	while (last && *pp != NULL)
		pp = &(*pp)->name_next;
	s->name_next = *pp;
	*pp = s;
}

/* Room for one more share: the tables at most one share a bucket. */
static void
index_grow(struct client *cl)
{
	struct share *s;
	size_t n;

	if (cl->share_buckets > cl->nshares)
		return;
	n = cl->share_buckets == 0 ? SHARE_BUCKETS : cl->share_buckets * 2;
	free(cl->share_sha1);
	free(cl->share_name);
	cl->share_sha1 = xcalloc(n, sizeof(struct share *));
	cl->share_name = xcalloc(n, sizeof(struct share *));
	cl->share_buckets = n;
	for (s = cl->shares; s != NULL; s = s->next)
		index_put(cl, s, 1);
}

static void
index_drop(struct client *cl, struct share *s)
{
	struct share **pp;

	for (pp = &cl->share_sha1[sha1_bucket(cl, s->sha1)]; *pp != NULL;
	    pp = &(*pp)->sha1_next)
		if (*pp == s) {
			*pp = s->sha1_next;
			break;
		}
	for (pp = &cl->share_name[name_bucket(cl, s->group, s->name)];
	    *pp != NULL; pp = &(*pp)->name_next)
		if (*pp == s) {
			*pp = s->name_next;
			break;
		}
}

struct share *
shares_add(struct client *cl, const char *group, const char *name,
    const char *path, const uint8_t sha1[20], uint64_t size,
    const uint8_t *hashes, uint32_t nhashes, int complete, char *err,
    size_t errlen)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return shares_adopt(cl, fd, group, name, path, sha1, size, hashes,
	    nhashes, complete);
}

struct share *
shares_adopt(struct client *cl, int fd, const char *group, const char *name,
    const char *path, const uint8_t sha1[20], uint64_t size,
    const uint8_t *hashes, uint32_t nhashes, int complete)
{
	struct share *s;

	s = xcalloc(1, sizeof(*s));
	snprintf(s->group, sizeof(s->group), "%s", group);
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->path, sizeof(s->path), "%s", path);
	memcpy(s->sha1, sha1, 20);
	s->size = size;
	if (hashes != NULL && nhashes > 0 && wire_hashes_ok(size, nhashes)) {
		s->hashes = xreallocarray(NULL, nhashes, 20);
		memcpy(s->hashes, hashes, (size_t)nhashes * 20);
		s->nhashes = nhashes;
		s->unit_len = wire_unit_len(size, nhashes);
	} else
		s->unit_len = wire_has_units(size) ? WIRE_UNIT_LEN :
		    WIRE_PIECE_LEN;
	s->nunits = (uint32_t)wire_parts(size, s->unit_len);
	bitfield_init(&s->have, s->nunits);
	if (complete)
		bitfield_fill(&s->have);
	s->complete = complete;
	s->fd = fd;
	index_grow(cl);
	s->next = cl->shares;
	cl->shares = s;
	cl->nshares++;
	index_put(cl, s, 0);
	return s;
}

struct share *
shares_find(struct client *cl, const uint8_t sha1[20])
{
	struct share *s, *best = NULL;

	if (cl->share_buckets == 0)
		return NULL;
	/* Prefer a complete copy when the same content is shared twice. */
	for (s = cl->share_sha1[sha1_bucket(cl, sha1)]; s != NULL;
	    s = s->sha1_next)
		if (memcmp(s->sha1, sha1, 20) == 0 &&
		    (best == NULL || (s->complete && !best->complete)))
			best = s;
	return best;
}

struct share *
shares_get(struct client *cl, const char *group, const char *name)
{
	struct share *s;

	if (cl->share_buckets == 0)
		return NULL;
	for (s = cl->share_name[name_bucket(cl, group, name)]; s != NULL;
	    s = s->name_next)
		if (strcmp(s->group, group) == 0 && strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

void
shares_remove(struct client *cl, struct share *s)
{
	struct share **pp;

	for (pp = &cl->shares; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	index_drop(cl, s);
	cl->nshares--;
	close(s->fd);
	bitfield_free(&s->have);
	free(s->hashes);
	if (s->seed != NULL)
		seed_free(s->seed);
	free(s->seed);
	free(s);
}

void
shares_clear(struct client *cl)
{
	while (cl->shares != NULL)
		shares_remove(cl, cl->shares);
	free(cl->share_sha1);
	free(cl->share_name);
	cl->share_sha1 = cl->share_name = NULL;
	cl->share_buckets = 0;
}

void
shares_on_have(struct client *cl,
    void (*fn)(struct client *, const struct share *, uint32_t))
{
	cl->share_have = fn;
}

void
shares_have(struct client *cl, struct share *s, uint32_t piece)
{
	bitfield_set(&s->have, piece);
	if (cl->share_have != NULL)
		cl->share_have(cl, s, piece);
}

/* Whole-file hashing: two or three jobs over the same fd. */

struct hash_task {
	struct worker_job	 pieces_job, units_job, whole_job;
	int			 fd;
	uint64_t		 size;
	_Atomic uint64_t	 done_pieces, done_units, done_whole;
	int			 pending;	/* jobs not yet back */
	int			 failed;
	char			 err[200];
	uint8_t			 sha1[20];
	uint8_t			*hashes;	/* pieces', then units' */
	uint32_t		 nhashes;
	hash_done_fn		 done;
	void			*arg;
};

/* Read [0, size) in chunks, calling fn on each; -1 on a read error. */
static int
read_all(struct hash_task *t, _Atomic uint64_t *progress,
    int (*fn)(struct hash_task *, const uint8_t *, size_t, uint64_t, void *),
    void *arg)
{
	uint8_t *b = xmalloc_aligned(IO_ALIGN, READ_CHUNK);
	uint64_t off = 0;
	int rc = 0;

	while (off < t->size) {
		size_t want = t->size - off < READ_CHUNK ?
		    (size_t)(t->size - off) : READ_CHUNK;
		ssize_t n = pread(t->fd, b, want, (off_t)off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(t->err, sizeof(t->err), n == 0 ?
			    "file shrank while hashing" : "read: %s",
			    strerror(errno));
			rc = -1;
			break;
		}
		if (fn(t, b, (size_t)n, off, arg) == -1) {
			rc = -1;
			break;
		}
		off += (uint64_t)n;
		atomic_store(progress, off);
	}
	free(b);
	return rc;
}

/* SHA1s of consecutive len-byte parts, into out[20 * i]. */
struct piece_acc {
	struct sha1_ctx	*ctx;
	uint64_t	 in_piece, len;
	uint32_t	 index;
	uint8_t		*out;
};

static int
acc_feed(struct piece_acc *a, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t take = a->len - a->in_piece < n ?
		    (size_t)(a->len - a->in_piece) : n;

		if (sha1_update(a->ctx, p, take) == -1)
			return -1;
		p += take;
		n -= take;
		a->in_piece += take;
		if (a->in_piece == a->len) {
			if (sha1_final(a->ctx, a->out + 20 * a->index) == -1)
				return -1;
			sha1_free(a->ctx);
			a->index++;
			a->in_piece = 0;
			if ((a->ctx = sha1_new()) == NULL)
				return -1;
		}
	}
	return 0;
}

static int
acc_end(struct piece_acc *a)
{
	return a->in_piece > 0 ? sha1_final(a->ctx, a->out + 20 * a->index) :
	    0;
}

static int
feed_pieces(struct hash_task *t, const uint8_t *p, size_t n, uint64_t off,
    void *arg)
{
	(void)t;
	(void)off;
	return acc_feed(arg, p, n);
}

/* The SHA1s of len-byte parts into t's hashes from the first-th on. */
static void
parts_work(struct hash_task *t, _Atomic uint64_t *progress, uint64_t len,
    size_t first)
{
	struct piece_acc a = { sha1_new(), 0, len, 0, t->hashes + 20 * first };

	if (a.ctx == NULL || read_all(t, progress, feed_pieces, &a) == -1 ||
	    acc_end(&a) == -1)
		t->failed = 1;
	sha1_free(a.ctx);
}

static void
pieces_work(struct worker_job *w)
{
	struct hash_task *t = (struct hash_task *)((char *)w -
	    offsetof(struct hash_task, pieces_job));

	parts_work(t, &t->done_pieces, WIRE_PIECE_LEN, 0);
}

/* Each on a thread of its own: three SHA1s of 1 GiB on two cores in
 * 0.8 s, where the units' beside the pieces' on one thread took 1.2 s. */
static void
units_work(struct worker_job *w)
{
	struct hash_task *t = (struct hash_task *)((char *)w -
	    offsetof(struct hash_task, units_job));

	parts_work(t, &t->done_units, WIRE_UNIT_LEN,
	    (size_t)wire_npieces(t->size));
}

static int
feed_whole(struct hash_task *t, const uint8_t *p, size_t n, uint64_t off,
    void *arg)
{
	(void)t;
	(void)off;
	return sha1_update(arg, p, n);
}

static void
whole_work(struct worker_job *w)
{
	struct hash_task *t = (struct hash_task *)((char *)w -
	    offsetof(struct hash_task, whole_job));
	struct sha1_ctx *c = sha1_new();

	if (c == NULL || read_all(t, &t->done_whole, feed_whole, c) == -1 ||
	    sha1_final(c, t->sha1) == -1)
		t->failed = 1;
	sha1_free(c);
}

static void
task_back(struct hash_task *t)
{
	struct file_hash r;

	if (--t->pending > 0)
		return;
	memset(&r, 0, sizeof(r));
	r.ok = !t->failed;
	snprintf(r.err, sizeof(r.err), "%s", t->err[0] ? t->err :
	    "hashing failed");
	r.size = t->size;
	memcpy(r.sha1, t->sha1, 20);
	r.hashes = t->hashes;
	r.nhashes = t->nhashes;
	close(t->fd);
	t->done(t->arg, &r);
	free(t);
}

static void
pieces_back(struct worker_job *w)
{
	task_back((struct hash_task *)((char *)w -
	    offsetof(struct hash_task, pieces_job)));
}

static void
units_back(struct worker_job *w)
{
	task_back((struct hash_task *)((char *)w -
	    offsetof(struct hash_task, units_job)));
}

static void
whole_back(struct worker_job *w)
{
	task_back((struct hash_task *)((char *)w -
	    offsetof(struct hash_task, whole_job)));
}

struct hash_task *
hash_file(struct client *cl, int fd, uint64_t size, hash_done_fn done,
    void *arg)
{
	struct hash_task *t = xcalloc(1, sizeof(*t));

	t->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	t->size = size;
	t->nhashes = (uint32_t)(wire_npieces(size) + (wire_has_units(size) ?
	    wire_nunits(size) : 0));
	t->hashes = xreallocarray(NULL, t->nhashes ? t->nhashes : 1, 20);
	t->done = done;
	t->arg = arg;
	t->pending = t->nhashes > wire_npieces(size) ? 3 : 2;
	if (t->fd == -1) {
		t->failed = 1;
		snprintf(t->err, sizeof(t->err), "dup: %s", strerror(errno));
	}
	t->pieces_job.work = pieces_work;
	t->pieces_job.done = pieces_back;
	t->units_job.work = units_work;
	t->units_job.done = units_back;
	t->whole_job.work = whole_work;
	t->whole_job.done = whole_back;
	worker_submit(cl->workers, &t->pieces_job);
	if (t->pending == 3)
		worker_submit(cl->workers, &t->units_job);
	else
		atomic_store(&t->done_units, size);
	worker_submit(cl->workers, &t->whole_job);
	return t;
}

uint64_t
hash_progress(const struct hash_task *t)
{
	uint64_t a = atomic_load(&t->done_pieces);
	uint64_t u = atomic_load(&t->done_units);
	uint64_t b = atomic_load(&t->done_whole);

	if (u < a)
		a = u;
	return a < b ? a : b;
}

/* One piece. */

struct piece_job {
	struct worker_job	 w;
	int			 fd;
	uint64_t		 off;
	uint32_t		 len, piece;
	uint8_t			 want[20];
	int			 ok;
	void			(*done)(void *, uint32_t, int);
	void			*arg;
};

/*
 * Feed len bytes of fd from off into c, through b (chunk bytes).
 * 0, or -1 with *err set: a read error or the file ended early.
 */
static int
hash_range(int fd, uint64_t off, uint64_t len, struct sha1_ctx *c,
    uint8_t *b, size_t chunk, const char **err)
{
	while (len > 0) {
		size_t want = len < chunk ? (size_t)len : chunk;
		ssize_t n = pread(fd, b, (want + IO_ALIGN - 1) & ~(size_t)
		    (IO_ALIGN - 1), (off_t)off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = n == 0 ? "the file shrank" : "read error";
			return -1;
		}
		if ((size_t)n > want)
			n = (ssize_t)want;
		if (sha1_update(c, b, (size_t)n) == -1) {
			*err = "SHA1 failed";
			return -1;
		}
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static void
piece_work(struct worker_job *w)
{
	struct piece_job *j = (struct piece_job *)w;
	struct sha1_ctx *c = sha1_new();
	uint8_t *b = xmalloc_aligned(IO_ALIGN, READ_CHUNK), got[20];
	const char *err;

	j->ok = c != NULL && hash_range(j->fd, j->off, j->len, c, b,
	    READ_CHUNK, &err) == 0 && sha1_final(c, got) == 0 &&
	    memcmp(got, j->want, 20) == 0;
	sha1_free(c);
	free(b);
}

static void
piece_back(struct worker_job *w)
{
	struct piece_job *j = (struct piece_job *)w;

	close(j->fd);
	j->done(j->arg, j->piece, j->ok);
	free(j);
}

void
hash_piece(struct client *cl, int fd, uint64_t off, uint32_t len,
    const uint8_t want[20], uint32_t piece,
    void (*done)(void *, uint32_t, int), void *arg)
{
	struct piece_job *j = xcalloc(1, sizeof(*j));

	j->w.work = piece_work;
	j->w.done = piece_back;
	j->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	j->off = off;
	j->len = len;
	j->piece = piece;
	memcpy(j->want, want, 20);
	j->done = done;
	j->arg = arg;
	worker_submit(cl->workers, &j->w);
}

/* A whole-file SHA1 built up range by range. */

struct hash_chain {
	struct worker_job	 w;
	int			 fd;
	struct sha1_ctx		*ctx;
	uint8_t			*buf;
	uint64_t		 next;		/* bytes hashed so far */
	uint64_t		 off, len;	/* the range in flight */
	struct iovec		 iov[CHAIN_IOV];	/* its bytes, if */
	int			 niov;			/* in memory */
	int			 busy, ok;
	const char		*err;
	void			(*done)(void *, int);
	void			*arg;
};

struct hash_chain *
hash_chain_new(int fd)
{
	struct hash_chain *h = xcalloc(1, sizeof(*h));

	h->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	h->ctx = sha1_new();
	h->buf = xmalloc_aligned(IO_ALIGN, CHAIN_CHUNK);
	if (h->fd == -1 || h->ctx == NULL) {
		hash_chain_free(h);
		return NULL;
	}
	return h;
}

static void
chain_work(struct worker_job *w)
{
	struct hash_chain *h = (struct hash_chain *)w;

	int i;

	if (h->niov > 0) {
		for (i = 0, h->ok = 1; i < h->niov && h->ok; i++)
			h->ok = sha1_update(h->ctx, h->iov[i].iov_base,
			    h->iov[i].iov_len) == 0;
		h->err = h->ok ? NULL : "SHA1 failed";
	} else {
		h->ok = hash_range(h->fd, h->off, h->len, h->ctx, h->buf,
		    CHAIN_CHUNK, &h->err) == 0;
	}
	/* Start writing the range back now, so the final fsync is short. */
	if (h->ok && h->len > 0)
		sync_file_range(h->fd, (off_t)h->off, (off_t)h->len,
		    SYNC_FILE_RANGE_WRITE);
}

static void
chain_back(struct worker_job *w)
{
	struct hash_chain *h = (struct hash_chain *)w;

	h->busy = 0;
	if (h->ok)
		h->next += h->len;
	h->done(h->arg, h->ok);
}

static void
chain_submit(struct client *cl, struct hash_chain *h, uint64_t len,
    void (*done)(void *, int), void *arg)
{
	h->busy = 1;
	h->off = h->next;
	h->len = len;
	h->done = done;
	h->arg = arg;
	h->w.work = chain_work;
	h->w.done = chain_back;
	worker_submit(cl->seq_workers, &h->w);
}

int
hash_chain_feed(struct client *cl, struct hash_chain *h, uint64_t len,
    void (*done)(void *, int), void *arg)
{
	if (h->busy || len == 0)
		return -1;
	h->niov = 0;
	chain_submit(cl, h, len, done, arg);
	return 0;
}

int
hash_chain_feed_mem(struct client *cl, struct hash_chain *h,
    const struct iovec *iov, int niov, void (*done)(void *, int), void *arg)
{
	uint64_t len = 0;
	int i;

	if (h->busy || niov <= 0 || niov > CHAIN_IOV)
		return -1;
	for (i = 0; i < niov; i++) {
		h->iov[i] = iov[i];
		len += iov[i].iov_len;
	}
	h->niov = niov;
	chain_submit(cl, h, len, done, arg);
	return 0;
}

uint64_t
hash_chain_hashed(const struct hash_chain *h)
{
	return h->next;
}

int
hash_chain_busy(const struct hash_chain *h)
{
	return h->busy;
}

const char *
hash_chain_error(const struct hash_chain *h)
{
	return h->err != NULL ? h->err : "hashing failed";
}

int
hash_chain_final(struct hash_chain *h, uint8_t out[20])
{
	return sha1_final(h->ctx, out);
}

void
hash_chain_free(struct hash_chain *h)
{
	if (h == NULL)
		return;
	if (h->fd != -1)
		close(h->fd);
	sha1_free(h->ctx);
	free(h->buf);
	free(h);
}
