/*
 * storage.c - a download's pieces on their way to disk, and its file.
 *
 * Owns the .part file (created with its size allocated, written at
 * piece offsets, synced and renamed when done), the client's piece
 * buffers, the check of each piece against its SHA1 on the worker pool,
 * and the whole-file SHA1, which follows the verified prefix of the file
 * so that it is ready the moment the last piece is.
 *
 * Piece buffers.  A piece is assembled in memory, checked there, and
 * written to disk in one go by a pool thread.  It then stays in memory
 * until the whole-file SHA1 reads it (runs of up to CHAIN_IOV pieces a
 * job), unless a new piece needs the buffer: then the verified piece
 * furthest ahead gives it up and is read back from disk later.  So in
 * the common case every byte is copied once from the socket and read
 * twice from memory.  When every buffer is taken by pieces in progress,
 * a new piece's blocks go straight to disk and it is checked by reading
 * it back.  Buffers are reused, never freed before exit: fresh memory is
 * what costs most on the benchmark VM.
 *
 * Only the loop thread calls in; pool threads get a struct pbuf (or a
 * duplicated descriptor) and report back on the loop.  Verdicts, the end
 * of the whole-file SHA1 and I/O errors go to download.c through d->ev.
 * Nothing here speaks to a peer or the tracker.
 */
#define DOWNLOAD_INTERNAL
#include "download_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "parse.h"
#include "picker.h"
#include "shares.h"
#include "worker.h"
#include "xalloc.h"

#define WHOLE_RUN	64		/* pieces per whole-file SHA1 job */

struct pbuf {
	struct worker_job	 w;
	struct pbuf		*next;		/* free list */
	struct download		*d;
	uint8_t			*data;
	uint32_t		 cap;		/* data's size: a unit's */
	uint32_t		 piece, len;
	int			 busy;		/* a pool thread reads it */
	int			 fd, dio;
	uint64_t		 off;
	uint8_t			 want[20];
	int			 ok;		/* 1 good, 0 bad, -1 no write */
	int			 err;
};

static void	whole_fed(void *, int);

static int
write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/*
 * Bytes of piece buffers a client may use: PBUF_BYTES (8 MiB), or less
 * from the environment variable P2P_PIECE_BUFFERS, in 512 KiB pieces'
 * worth (0 writes every block straight to disk; the tests use it to
 * cover that path).
 */
size_t
storage_buffers(void)
{
	const char *e = getenv("P2P_PIECE_BUFFERS");
	long long n;

	if (e == NULL || parse_num(e, 0, PBUF_BYTES / WIRE_PIECE_LEN,
	    &n) == -1)
		return PBUF_BYTES;
	return (size_t)n * WIRE_PIECE_LEN;
}

/* An idle buffer of cap bytes, off the free list, or NULL. */
static struct pbuf *
pbuf_take(struct client *cl, uint32_t cap)
{
	struct pbuf **pp, *b;

	for (pp = &cl->pbuf_free; (b = *pp) != NULL; pp = &b->next)
		if (b->cap == cap) {
			*pp = b->next;
			return b;
		}
	return NULL;
}

/*
 * A buffer of a unit's size for a new piece of d: an idle one, a new one
 * within the budget (idle ones of the other size freed to make room), or,
 * when all are taken, the one d holds for the verified piece furthest
 * from the whole-file SHA1 (which will read that piece back from disk
 * instead).  Sized by the unit, so the budget holds 64 units of 128 KiB
 * (each in a 512 KiB buffer, 16 of them, more than half of a 4-seeder
 * loopback download's units went to disk and were read back: 14% slower).
 */
static struct pbuf *
pbuf_get(struct download *d)
{
	struct client *cl = d->cl;
	uint32_t cap = d->unit_len;
	struct pbuf *b;
	unsigned i, far = 0;

	if ((b = pbuf_take(cl, cap)) != NULL)
		return b;
	while (cl->pbuf_total + cap > cl->pbuf_max &&
	    (b = cl->pbuf_free) != NULL) {
		cl->pbuf_free = b->next;
		cl->pbuf_total -= b->cap;
		free(b->data);
		free(b);
	}
	if (cl->pbuf_total + cap > cl->pbuf_max && d->nkept > 0) {
		for (i = 1; i < d->nkept; i++)
			if (d->kept[i]->piece > d->kept[far]->piece)
				far = i;
		storage_release(d, d->kept[far]->piece);
		return pbuf_take(cl, cap);
	}
	if (cl->pbuf_total + cap > cl->pbuf_max)
		return NULL;
	b = xcalloc(1, sizeof(*b));
	b->data = xmalloc_aligned(IO_ALIGN, cap);
	b->cap = cap;
	cl->pbuf_total += cap;
	return b;
}

static void
unkeep(struct download *d, const struct pbuf *b)
{
	unsigned i;

	for (i = 0; i < d->nkept; i++)
		if (d->kept[i] == b) {
			d->kept[i] = d->kept[--d->nkept];
			return;
		}
}

void
storage_release(struct download *d, uint32_t piece)
{
	struct pbuf *b;

	if (d->pb == NULL || (b = d->pb[piece]) == NULL || b->busy)
		return;
	unkeep(d, b);
	d->pb[piece] = NULL;
	b->next = d->cl->pbuf_free;
	d->cl->pbuf_free = b;
}

void
storage_release_all(struct download *d)
{
	uint32_t i;

	for (i = 0; d->pb != NULL && i < d->nunits; i++)
		storage_release(d, i);
}

void
storage_keep(struct download *d, uint32_t piece)
{
	/* pbuf_get() may take it back for a new piece. */
	if (d->pb[piece] != NULL)
		d->kept[d->nkept++] = d->pb[piece];
}

void
storage_discard(struct download *d, uint32_t piece)
{
	storage_release(d, piece);
	d->ondisk[piece] = 0;
}

void
storage_free_buffers(struct client *cl)
{
	struct pbuf *b;

	while ((b = cl->pbuf_free) != NULL) {
		cl->pbuf_free = b->next;
		free(b->data);
		free(b);
	}
	cl->pbuf_total = 0;
}

/* The descriptor checks read through. */
static int
read_fd(const struct download *d)
{
	return d->dio != -1 ? d->dio : d->fd;
}

/*
 * Give the .part file its size with its blocks allocated: no surprise
 * ENOSPC halfway, and on ext4 writing into allocated blocks costs a
 * fraction of filling a sparse file (measured: 0.7 s against 2.7 s of
 * system time for 1 GiB).  A file system without fallocate gets a sparse
 * file.
 */
static int
reserve(int fd, uint64_t size)
{
	if (size == 0 || fallocate(fd, 0, 0, (off_t)size) == 0)
		return ftruncate(fd, (off_t)size);
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	return ftruncate(fd, (off_t)size);
}

/*
 * The mode a finished file gets: what a new file of the user's gets
 * (0666 less the umask), as cp, curl and wget give it.  The source's
 * mode does not travel (no bit of it is in the protocol), and the .part
 * is 0600 until then.  Read once, on the loop thread: umask() both reads
 * and sets, and a file another thread created meanwhile would get 077,
 * the safe side.
 */
static mode_t
final_mode(void)
{
	static mode_t mode;
	static int known;
	mode_t m;

	if (!known) {
		m = umask(077);
		umask(m);
		mode = 0666 & ~m;
		known = 1;
	}
	return mode;
}

/*
 * d->dest split: its directory, held open (d->dirfd), and the base names
 * of the file and of its .part under it.  Everything after this is done
 * relative to that descriptor, so a directory renamed or replaced by a
 * link meanwhile changes nothing.
 */
static int
open_dir(struct download *d, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(d->dest, '/');
	size_t n;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == d->dest)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - d->dest),
		    d->dest);
	n = strlen(slash != NULL ? slash + 1 : d->dest);
	if (n == 0 || n + 5 >= sizeof(d->base)) {
		snprintf(err, errlen, "%.150s: not a file name", d->dest);
		return -1;
	}
	memcpy(d->base, slash != NULL ? slash + 1 : d->dest, n + 1);
	if ((d->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		snprintf(err, errlen, "%.150s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The .part: created new (O_EXCL, never through a link, 0600), or, to
 * resume, one that is a plain file of this user's with no other name;
 * an old one of ours made with a looser mode is made 0600.  Anything
 * else there (a symbolic link, someone else's file, a FIFO) is refused,
 * never opened for writing: it is not ours to overwrite.
 */
static int
open_part(struct download *d, int *fresh, char *err, size_t errlen)
{
	char part[sizeof(d->base) + 8];
	struct stat st;

	snprintf(part, sizeof(part), "%s.part", d->base);
	*fresh = 1;
	d->fd = openat(d->dirfd, part, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (d->fd != -1)
		return 0;
	*fresh = 0;
	if (errno == EEXIST)
		d->fd = openat(d->dirfd, part, O_RDWR | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
	if (d->fd == -1 || fstat(d->fd, &st) == -1) {
		if (errno == ELOOP)
			snprintf(err, errlen, "%.120s is a symbolic link: "
			    "refused (remove it)", d->part);
		else
			snprintf(err, errlen, "%.120s: %s", d->part,
			    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%.120s is not a regular file: refused",
		    d->part);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%.120s belongs to another user "
		    "(uid %u): refused", d->part, (unsigned)st.st_uid);
		return -1;
	}
	if (st.st_nlink != 1) {
		snprintf(err, errlen, "%.120s has other names (hard links): "
		    "refused", d->part);
		return -1;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(d->fd, 0600) == -1) {
		snprintf(err, errlen, "%.120s: %s", d->part, strerror(errno));
		return -1;
	}
	return 0;
}

/* Remove the .part's name, if it still names the file we hold. */
static void
unlink_part(const struct download *d)
{
	char part[sizeof(d->base) + 8];
	struct stat mine, now;

	snprintf(part, sizeof(part), "%s.part", d->base);
	if (fstat(d->fd, &mine) == 0 &&
	    fstatat(d->dirfd, part, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now.st_dev == mine.st_dev && now.st_ino == mine.st_ino)
		unlinkat(d->dirfd, part, 0);
}

/* The .part again, with O_DIRECT, if it is still the same file. */
static int
open_direct(const struct download *d)
{
	char part[sizeof(d->base) + 8];
	struct stat a, b;
	int fd;

	snprintf(part, sizeof(part), "%s.part", d->base);
	fd = openat(d->dirfd, part, O_RDWR | O_DIRECT | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &a) == -1 || fstat(d->fd, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Room for what the .part still lacks, checked before it is allocated: a
 * member may register a huge file it does not have, and a download must
 * fail at once with the figures, not fill the disk first.  Some room
 * (STORAGE_KEEP_FREE) is left over for everything else on that disk.
 */
#define STORAGE_KEEP_FREE	(64ULL * 1024 * 1024)

static int
check_room(const struct download *d, uint64_t have, char *err,
    size_t errlen)
{
	struct statvfs vfs;
	uint64_t need, avail;

	if (have >= d->size || fstatvfs(d->fd, &vfs) == -1)
		return 0;	/* nothing to add, or no figures: try */
	need = d->size - have;
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (avail >= STORAGE_KEEP_FREE && avail - STORAGE_KEEP_FREE >= need)
		return 0;
	snprintf(err, errlen, "not enough free space for %.120s: %llu bytes "
	    "needed, %llu free (%llu kept free)", d->part,
	    (unsigned long long)need, (unsigned long long)avail,
	    (unsigned long long)STORAGE_KEEP_FREE);
	return -1;
}

int
storage_open(struct download *d, int *resume, char *err, size_t errlen)
{
	struct stat st;
	int fresh;

	(void)final_mode();
	if (open_dir(d, err, errlen) == -1 ||
	    open_part(d, &fresh, err, errlen) == -1)
		return -1;
	if (fstat(d->fd, &st) == -1)
		goto fail;
	if (check_room(d, (uint64_t)st.st_size, err, errlen) == -1) {
		if (fresh)	/* ours, just made: not left behind */
			unlink_part(d);
		return -1;
	}
	*resume = !fresh && st.st_size > 0 && (uint64_t)st.st_size <= d->size;
	if ((uint64_t)st.st_size != d->size && reserve(d->fd, d->size) == -1)
		goto fail;
	if ((d->dio = open_direct(d)) != -1)
		d->bounce = xmalloc_aligned(IO_ALIGN, PICK_BLOCK);
	if ((d->whole = hash_chain_new(read_fd(d))) == NULL)
		goto fail;
	d->ondisk = xcalloc(d->nunits + 1, 1);
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	d->pb = xcalloc(d->nunits + 1, sizeof(*d->pb));
	return 0;
fail:
	snprintf(err, errlen, "%.120s: %s", d->part, strerror(errno));
	return -1;
}

/* A check that read the piece back from the file. */
static void
piece_read_back(void *arg, uint32_t piece, int ok)
{
	struct download *d = arg;

	d->ev->checked(d, piece, ok);
}

void
storage_recheck(struct download *d)
{
	uint32_t i;

	d->checking = d->nunits;
	for (i = 0; i < d->nunits; i++)
		hash_piece(d->cl, read_fd(d), (uint64_t)i * d->unit_len,
		    picker_piece_len(&d->pk, i), d->units + 20 * i, i,
		    piece_read_back, d);
}

/*
 * Blocks go to disk with O_DIRECT when the file system allows it: they
 * are checked by reading them back, not kept, and filling the page cache
 * with a whole download costs more CPU than the transfer itself where
 * fresh memory is dear (2.3 s of system time per GiB on the benchmark
 * VM, against 0.9 s waiting on the disk here).  A block whose length is
 * not aligned (the file's last) is written through the cache; the
 * kernel keeps the two views of the file coherent.
 */
static int
write_block(struct download *d, const uint8_t *p, size_t n, uint64_t off)
{
	if (d->dio != -1 && n % IO_ALIGN == 0) {
		memcpy(d->bounce, p, n);
		if (write_all(d->dio, d->bounce, n, off) == 0)
			return 0;
		if (errno != EINVAL)
			return -1;
		log_info("%s: O_DIRECT refused; writing through the cache",
		    d->part);
		close(d->dio);
		d->dio = -1;
	}
	return write_all(d->fd, p, n, off);
}

int
storage_block(struct download *d, uint32_t piece, uint32_t off,
    const uint8_t *p, size_t n)
{
	struct pbuf *b = d->pb[piece];

	if (b == NULL && !d->ondisk[piece] &&
	    (b = pbuf_get(d)) != NULL) {
		b->piece = piece;
		d->pb[piece] = b;
	}
	if (b != NULL) {
		memcpy(b->data + off, p, n);
		return 0;
	}
	d->ondisk[piece] = 1;
	return write_block(d, p, n, (uint64_t)piece * d->unit_len + off);
}

/* On a pool thread: check the piece in b, then write it out. */
static void
store_work(struct worker_job *w)
{
	struct pbuf *b = (struct pbuf *)w;
	size_t aligned = b->len & ~(size_t)(IO_ALIGN - 1);
	uint8_t got[20];

	b->ok = sha1(b->data, b->len, got) == 0 &&
	    memcmp(got, b->want, 20) == 0;
	if (!b->ok)
		return;
	if (b->dio != -1 && aligned > 0 &&
	    write_all(b->dio, b->data, aligned, b->off) == -1) {
		if (errno != EINVAL)
			goto fail;
		aligned = 0;	/* O_DIRECT refused: through the cache */
	}
	if (b->dio == -1)
		aligned = 0;
	if (write_all(b->fd, b->data + aligned, b->len - aligned,
	    b->off + aligned) == -1)
		goto fail;
	return;
fail:
	b->ok = -1;
	b->err = errno;
}

static void
store_back(struct worker_job *w)
{
	struct pbuf *b = (struct pbuf *)w;
	struct download *d = b->d;

	b->busy = 0;
	if (b->ok == -1)
		d->ev->failed(d, "cannot write %s: %s", d->part,
		    strerror(b->err));
	d->ev->checked(d, b->piece, b->ok == 1);
}

void
storage_verify(struct download *d, uint32_t piece)
{
	struct pbuf *b = d->pb[piece];

	d->verifying++;
	if (b == NULL) {
		/* Its blocks went to disk: read them back. */
		hash_piece(d->cl, read_fd(d), (uint64_t)piece *
		    d->unit_len, picker_piece_len(&d->pk, piece),
		    d->units + 20 * piece, piece, piece_read_back, d);
		return;
	}
	b->w.work = store_work;
	b->w.done = store_back;
	b->d = d;
	b->piece = piece;
	b->len = picker_piece_len(&d->pk, piece);
	b->off = (uint64_t)piece * d->unit_len;
	b->fd = d->fd;
	b->dio = d->dio;
	memcpy(b->want, d->units + 20 * (size_t)piece, 20);
	b->busy = 1;
	worker_submit(d->cl->workers, &b->w);
}

/*
 * Extend the whole-file SHA1 over the verified pieces that follow what
 * it covers (a bounded run at a time, so it keeps up as pieces arrive).
 * Once every piece is in and covered, ev->hashed.
 */
void
storage_advance(struct download *d)
{
	struct iovec iov[CHAIN_IOV];
	struct pbuf *b;
	uint32_t from, to;
	uint64_t end;

	if (d->whole == NULL || hash_chain_busy(d->whole) ||
	    d->state >= DL_DONE)
		return;
	from = hash_chain_hashed(d->whole) == d->size ? d->nunits :
	    (uint32_t)(hash_chain_hashed(d->whole) / d->unit_len);
	for (to = from; to < d->nunits && to - from < CHAIN_IOV &&
	    d->pk.state[to] == PIECE_DONE && d->pb != NULL &&
	    (b = d->pb[to]) != NULL && !b->busy; to++) {
		unkeep(d, b);
		b->busy = 1;
		iov[to - from].iov_base = b->data;
		iov[to - from].iov_len = b->len;
		d->chain_bufs[to - from] = b;
	}
	if (to > from) {
		d->nchain_bufs = (int)(to - from);
		hash_chain_feed_mem(d->cl, d->whole, iov, d->nchain_bufs,
		    whole_fed, d);
		return;
	}
	for (to = from; to < d->nunits && to - from < WHOLE_RUN &&
	    d->pk.state[to] == PIECE_DONE && (d->pb == NULL ||
	    d->pb[to] == NULL); to++)
		;
	if (to > from) {
		end = to == d->nunits ? d->size : (uint64_t)to *
		    d->unit_len;
		hash_chain_feed(d->cl, d->whole, end -
		    hash_chain_hashed(d->whole), whole_fed, d);
		return;
	}
	if (d->state == DL_FINISH && from == d->nunits)
		d->ev->hashed(d);
}

static void
whole_fed(void *arg, int ok)
{
	struct download *d = arg;
	struct pbuf *b;

	int i;

	for (i = 0; i < d->nchain_bufs; i++) {
		b = d->chain_bufs[i];
		b->busy = 0;
		storage_release(d, b->piece);
	}
	d->nchain_bufs = 0;
	if (!ok) {
		d->ev->failed(d, "cannot read %s: %s", d->part,
		    hash_chain_error(d->whole));
		return;
	}
	storage_advance(d);
}

/*
 * Give the finished .part its name: a second name for the inode we hold
 * (linkat through /proc/self/fd: never replaces a file, and names the
 * file we wrote even if someone swapped the .part's name meanwhile),
 * then the .part's name goes, if it is still ours.  Without /proc, a
 * rename that refuses to replace.  A file that appeared at the
 * destination during the download is left alone.
 */
static int
link_into_place(struct download *d, char *err, size_t errlen)
{
	char proc[64], part[sizeof(d->base) + 8];
	struct stat mine, now;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", d->fd);
	snprintf(part, sizeof(part), "%s.part", d->base);
	if (fstat(d->fd, &mine) == -1)
		goto fail;
	if (linkat(AT_FDCWD, proc, d->dirfd, d->base, AT_SYMLINK_FOLLOW) ==
	    0) {
		unlink_part(d);
		return 0;
	}
	if (errno == EEXIST)
		goto exists;
	if (fstatat(d->dirfd, part, &now, AT_SYMLINK_NOFOLLOW) == -1)
		goto fail;
	if (now.st_dev != mine.st_dev || now.st_ino != mine.st_ino) {
		snprintf(err, errlen, "%.120s was replaced during the "
		    "download: refused", d->part);
		return -1;
	}
	if (renameat2(d->dirfd, part, d->dirfd, d->base, RENAME_NOREPLACE) ==
	    0)
		return 0;
	if (errno == EEXIST)
		goto exists;
fail:
	snprintf(err, errlen, "cannot move into place: %s", strerror(errno));
	return -1;
exists:
	snprintf(err, errlen, "%.120s appeared during the download: left "
	    "alone (the file is in %.120s)", d->dest, part);
	return -1;
}

int
storage_commit(struct download *d, char *err, size_t errlen)
{
	uint8_t got[20];

	if (hash_chain_final(d->whole, got) == -1) {
		snprintf(err, errlen, "SHA1 failed");
		return -1;
	}
	if (memcmp(got, d->sha1, 20) != 0) {
		snprintf(err, errlen, "whole-file SHA1 does not match");
		return -1;
	}
	if (fsync(d->fd) == -1 || fchmod(d->fd, final_mode()) == -1) {
		snprintf(err, errlen, "cannot move into place: %s",
		    strerror(errno));
		return -1;
	}
	if (link_into_place(d, err, errlen) == -1)
		return -1;
	fsync(d->dirfd);
	return 0;
}

int
storage_mtime(const struct download *d, uint64_t *mtime)
{
	struct stat st;

	if (fstat(d->fd, &st) == -1)
		return -1;
	*mtime = (uint64_t)st.st_mtime;
	return 0;
}

void
storage_free(struct download *d)
{
	uint32_t i;

	if (d->fd != -1)
		close(d->fd);
	if (d->dio != -1)
		close(d->dio);
	if (d->dirfd != -1)
		close(d->dirfd);
	free(d->bounce);
	hash_chain_free(d->whole);
	for (i = 0; d->pb != NULL && i < d->nunits; i++) {
		if (d->pb[i] != NULL)
			d->pb[i]->busy = 0;	/* the pool is gone */
		storage_release(d, i);
	}
	free(d->pb);
	free(d->ondisk);
}
