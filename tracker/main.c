/*
 * main.c - the tracker: arguments, listener, stdin, signals, and the
 * order of the work before the loop sleeps.
 *
 *	tracker tracker_info.txt N [--db PATH] [--secret FILE]
 *	    [--kdf-iter N] [--log-keep N] [--session-idle SECONDS]
 *	    [--ticket-seconds N] [--login-seconds N] [--min-free MB]
 *	    [--max-groups-per-user N] [--max-pending-per-user N]
 *	    [--max-files-per-user N] [-v | -q]
 *	tracker --help | --version
 *
 * N is this tracker's 1-based line in tracker_info.txt (0 means 1).  The
 * database defaults to trackerN.db in the current directory, so several
 * trackers may share a directory.  "quit" on standard input, SIGINT and
 * SIGTERM shut down cleanly with status 0; end of input does not.  The
 * test switches "cut" and "heal" on standard input drop the sync
 * channels and keep them down, then let them come back.  Bad arguments
 * (an unknown option, a missing operand or value, a bad number, a
 * tracker_info.txt or secret file that cannot be used) print an "error:"
 * line and the usage line on stderr and exit with status 2.
 *
 * Owns the one struct tracker (T) and what it holds: the store, the
 * loop, the worker pool, the sync channels, the listening socket.  It
 * reads each client link's HELLO, then passes its requests to handlers.c;
 * before_sleep() is the one place that orders COMMIT, ops and replies.
 *
 * Never answers a request (handlers.c does), never touches SQLite
 * (store.c), never runs off the loop thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "conn.h"
#include "handlers.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "notify.h"
#include "parse.h"
#include "store.h"
#include "sync.h"
#include "tls.h"
#include "tracker.h"
#include "version.h"
#include "wire.h"
#include "worker.h"

static struct tracker	 T;
static char		 stdin_line[256];
static size_t		 stdin_len;
static const char	*prog = "tracker";	/* as it was run */
static int		 cut_switch;	/* "cut" on standard input */

static void
usage_line(FILE *f)
{
	fprintf(f, "usage: %s tracker_info.txt N [--db PATH] [--secret FILE] "
	    "[--kdf-iter N] [--log-keep N] [--session-idle SECONDS] "
	    "[--ticket-seconds N] [--login-seconds N] [--min-free MB] "
	    "[--max-groups-per-user N] [--max-pending-per-user N] "
	    "[--max-files-per-user N] [-v | -q]\n", prog);
}

/* A bad argument: why, then the usage line, and status 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bad_args(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage_line(stderr);
	exit(2);
}

static void __attribute__((noreturn))
help(void)
{
	usage_line(stdout);
	printf("       %s --help | --version\n"
	    "Runs tracker N (1-based; 0 is 1) of the cluster that\n"
	    "tracker_info.txt lists; stops on \"quit\" on standard input,\n"
	    "SIGINT or SIGTERM.\n"
	    "  --db PATH               database (default trackerN.db here)\n"
	    "  --secret FILE           cluster secret: at least 16 bytes, "
	    "mode 600\n"
	    "  --kdf-iter N            PBKDF2 iterations for new passwords "
	    "(%d)\n"
	    "  --log-keep N            most ops the op log keeps (%d)\n"
	    "  --session-idle SECONDS  end a session without a client link "
	    "for this\n"
	    "                          long (%d; 0: never)\n"
	    "  --ticket-seconds N      how long a peer ticket is good (%d; "
	    "at least 4)\n"
	    "  --login-seconds N       close a connection without a session "
	    "after (%d)\n"
	    "  --min-free MB           refuse changes when the database's disk "
	    "has less\n"
	    "                          free (%d; 0: never)\n"
	    "  --max-groups-per-user N  create_group refused to a member of "
	    "N groups\n"
	    "                          (%d; 0: no limit)\n"
	    "  --max-pending-per-user N join_group refused with N requests "
	    "pending (%d)\n"
	    "  --max-files-per-user N  sharing refused to a sharer of N "
	    "files (%d)\n"
	    "  -v, -q                  debug logging; warnings only\n"
	    "  --help, --version       this text; the version\n"
	    "See p2ps-tracker(1).\n", prog, KDF_ITER_DEFAULT,
	    LOG_KEEP_DEFAULT, SESSION_IDLE_DEFAULT, TICKET_SECONDS_DEFAULT,
	    TRACKER_LOGIN_MS / 1000, MIN_FREE_MB_DEFAULT,
	    QUOTA_GROUPS_DEFAULT, QUOTA_PENDING_DEFAULT, QUOTA_FILES_DEFAULT);
	exit(0);
}

/* Which of the quota options arg is (0..2), or -1. */
static int
quota_index(const char *const opt[3], const char *arg)
{
	int k;

	for (k = 0; k < 3; k++)
		if (strcmp(arg, opt[k]) == 0)
			return k;
	return -1;
}

/* The value of the option at argv[*i], which must have one. */
static const char *
opt_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		bad_args("%s needs a value", argv[*i]);
	return argv[++*i];
}

/* A number option's value, within [min, max]. */
static long long
opt_num(int argc, char **argv, int *i, long long min, long long max)
{
	const char *opt = argv[*i], *v = opt_value(argc, argv, i);
	long long n;

	if (parse_num(v, min, max, &n) == -1)
		bad_args("%s: expected a number from %lld to %lld, not "
		    "'%.40s'", opt, min, max, v);
	return n;
}

/* The conn of a client link closed: its session goes offline, it goes. */
static void
client_closed(struct conn *c, const char *why, void *arg)
{
	struct link *l = arg;

	(void)c;
	(void)why;
	handlers_unbind(l->t, l);
	link_closed(l);
}

/*
 * A frame on a client link: first its HELLO, which says whether it is a
 * client's (answered with ours) or another tracker's (given to sync.c);
 * then requests, for handlers.c.
 */
static void
client_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	struct link *l = arg;
	const char *why;

	if (l->role == 0) {
		if (wire_hello_check(m, 0, &why) == -1 ||
		    (m->f[HELLO_ROLE].u != ROLE_CLIENT &&
		    m->f[HELLO_ROLE].u != ROLE_TRACKER &&
		    (why = "unknown role"))) {
			log_warnx("%s: refused: %s", conn_name(c), why);
			wire_error(conn_out(c), m->h.id, WE_PROTO, why);
			conn_close_after_write(c, why);
			return;
		}
		if (m->f[HELLO_ROLE].u == ROLE_TRACKER) {
			link_forget(l);
			sync_adopt(T.sync, c);
			return;
		}
		l->role = (int)m->f[HELLO_ROLE].u;
		wire_hello(conn_out(c), ROLE_TRACKER);
		conn_flush(c);
		return;
	}
	if (m->h.type == WT_BEAT) {
		l->beats = 1;	/* held to them from now on (link_beat) */
		return;
	}
	if (m->h.type == WT_HELLO) {
		log_warnx("%s: dropping connection: second HELLO", conn_name(c));
		conn_close(c, "second HELLO");
		return;
	}
	handlers_request(l->t, l, m);
}

static const struct conn_ops client_ops = {
	.frame = client_frame,
	.closed = client_closed,
};

static void
accept_cb(int fd, unsigned ev, void *arg)
{
	char peer[64], why[128];
	int cfd;

	(void)ev;
	(void)arg;
	for (;;) {
		if ((cfd = net_accept(fd, peer, sizeof(peer))) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("accept");
			return;
		}
		if (link_admit(&T, peer, why, sizeof(why)) == -1) {
			log_warnx("%s: refused: %s", peer, why);
			close(cfd);
			continue;
		}
		/* Tracker links, clients' and other trackers': see net.h. */
		net_quick_retransmit(cfd);
		if (link_new(&T, cfd, peer, &client_ops) != NULL)
			log_debug("%s: connected", peer);
	}
}

/* Free bytes on the database's disk into *avail: 0, or -1. */
static int
disk_avail(uint64_t *avail)
{
	struct statvfs vfs;

	*avail = 0;
	if (statvfs(T.db_dir, &vfs) == -1)
		return -1;
	*avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	return 0;
}

/*
 * One COMMIT for every mutation since the last.  Each request, and each
 * op applied from another tracker, ran in a savepoint of the batch, which
 * was RELEASEd when it returned, and its reply or ack was queued then;
 * only this COMMIT makes them durable.
 *
 * A COMMIT that fails (the disk filled since the last look despite
 * --min-free, an I/O error) is rolled back whole, and nothing of it was
 * answered: so every client connection is closed with its queued
 * replies unsent (some tell of changes now gone), and the sync channels
 * are cut, so the other trackers send again what we took and did not
 * keep.  The clients send their unanswered requests again, here or to
 * another tracker; here, until the disk has room again (disk_check()),
 * the store is read-only and changes, logins and logouts are refused
 * while reads are answered.  The tracker goes on.
 */
static void
commit(void)
{
	if (store_flush(T.store) == 0)
		return;
	disk_avail(&T.full_avail);
	log_warnx("cannot commit to the database (%llu KiB free in %s): "
	    "its changes rolled back unanswered, every connection closed; "
	    "refusing changes until the disk has room, still answering reads",
	    (unsigned long long)(T.full_avail >> 10), T.db_dir);
	link_close_all(&T, "a commit failed: replies dropped");
	if (!T.disk_full) {
		T.disk_full = T.disk_low = 1;
		store_readonly(T.store, 1);
		sync_cut(T.sync, 1);
	}
}

/*
 * P2PS_PAGE_ROWS=N (1..16384): a page's query reads at most N rows, so
 * tests make listings of many pages from a few rows (README: listings in
 * pages).  Not an option: nothing a deployment needs.
 */
static void
page_rows_knob(void)
{
	const char *v = getenv("P2PS_PAGE_ROWS");
	long long n;

	if (v == NULL)
		return;
	if (parse_num(v, 1, STORE_PAGE_ROWS, &n) == -1)
		fatalx("P2PS_PAGE_ROWS=%.32s: not a number of 1..%d", v,
		    STORE_PAGE_ROWS);
	log_info("P2PS_PAGE_ROWS: pages of at most %lld rows", n);
	store_set_page_rows(T.store, (unsigned)n);
}

/*
 * The work before the loop sleeps, in the one order that makes "nothing
 * is acknowledged or sent on before it is committed" true.  It is the
 * tracker's only before-sleep hook (conn.c's own is switched off in
 * main()), so no order of registration decides it:
 *   1. COMMIT the batch: every mutation of this iteration;
 *   2. queue the ops new in the log to the other trackers (sync.c);
 *   3. write every connection's queued output: the replies and acks
 *      queued during the iteration, and those ops.
 * 2 and 3 only read the store, so nothing is left uncommitted when the
 * loop sleeps.
 */
static void
before_sleep(void *arg)
{
	(void)arg;
	commit();
	sync_flush(T.sync);
	conn_flush_all();
}

/*
 * Room on the database's disk, every second.  Below --min-free, changes
 * are refused (handlers.c says so to each) and reads go on: a tracker
 * that runs out in the middle of a commit must drop every connection
 * and refuse even logins (commit()).  Ops from the other trackers are
 * still applied: the reserve is for them, and for logins.  After a
 * failed commit, the disk must gain DISK_ROOM_AGAIN before anything is
 * written again.
 */
static void
disk_check(void)
{
	uint64_t avail;
	int low;

	if ((T.min_free == 0 && !T.disk_full) || disk_avail(&avail) == -1)
		return;
	/* After a failed commit: until the disk gained some room since. */
	if (T.disk_full) {
		if (avail < T.full_avail + DISK_ROOM_AGAIN || avail < T.min_free)
			return;
		log_info("disk has room again after a failed commit (%llu MiB "
		    "free): taking changes", (unsigned long long)(avail >> 20));
		T.disk_full = T.disk_low = 0;
		store_readonly(T.store, 0);
		sync_cut(T.sync, cut_switch);
	}
	low = avail < T.min_free;
	if (low && !T.disk_low)
		log_warnx("disk nearly full: %llu MiB free in %s, under "
		    "--min-free %llu MiB: refusing changes, still answering "
		    "reads", (unsigned long long)(avail >> 20), T.db_dir,
		    (unsigned long long)(T.min_free >> 20));
	else if (!low && T.disk_low)
		log_info("disk has room again (%llu MiB free): taking changes",
		    (unsigned long long)(avail >> 20));
	T.disk_low = low;
}

/*
 * Once a second: drop links that never said HELLO, stalled, idled or
 * went silent; beat the others that beat.
 */
static void
sweep(void *arg)
{
	static unsigned ticks;
	unsigned n = 0;

	(void)arg;
	disk_check();
	link_sweep(&T, loop_now(T.loop));
	link_beat(&T, loop_now(T.loop));
	/* Every 10 s: sessions idle past --session-idle end. */
	if (T.session_idle_ms > 0 && ++ticks % 10 == 0 &&
	    store_expire(T.store, T.session_idle_ms, &n) == ST_OK && n > 0)
		log_info("%u idle sessions ended", n);
	loop_timer(T.loop, 1000, sweep, NULL);
}

/*
 * "check" on standard input: PRAGMA integrity_check, which reads every
 * page and every index (seconds on a large database, the loop waiting),
 * so it is the operator's to ask for; the start runs quick_check.  The
 * verdict goes to standard output.
 */
static void
check_db(void)
{
	char out[4096];

	if (store_check(T.store, 1, out, sizeof(out)) == 0) {
		printf("check: database sound (integrity_check ok)\n");
	} else {
		printf("check: database DAMAGED (integrity_check):\n%s\n", out);
		log_warnx("integrity_check found damage; restore the database "
		    "from a backup, or move it away and restart this tracker "
		    "to catch up from the others");
	}
	fflush(stdout);
}

static void
command(const char *line)
{
	char store[sizeof(stdin_line)], *w[2];
	const char *why;
	long long ms;
	int n;

	n = parse_words(line, store, sizeof(store), w, 2, &why);
	if (n <= 0)
		return;
	if (strcasecmp(w[0], "quit") == 0 || strcasecmp(w[0], "exit") == 0) {
		log_info("quit on standard input");
		loop_stop(T.loop);
	} else if (strcasecmp(w[0], "cut") == 0 ||
	    strcasecmp(w[0], "heal") == 0) {
		/* Test switch: drop the sync channels, and keep them down. */
		log_info("sync channels %s", w[0][0] == 'c' ? "cut" : "healed");
		cut_switch = w[0][0] == 'c';
		if (!T.disk_full)	/* else cut until the disk has room */
			sync_cut(T.sync, cut_switch);
	} else if (strcasecmp(w[0], "clock") == 0 && n == 2 &&
	    parse_num(w[1][0] == '+' ? w[1] + 1 : w[1], -86400000LL * 365,
	    86400000LL * 365, &ms) == 0) {
		/* Test switch: this tracker's clock jumps (store.h). */
		log_info("clock moved %lld ms from the system's (test switch)",
		    ms);
		store_clock_jump(ms);
	} else if (strcasecmp(w[0], "check") == 0) {
		check_db();
	} else {
		fprintf(stderr, "error: unknown tracker command (quit, check, "
		    "or the test switches cut, heal and clock MS)\n");
	}
}

/* Cut lines out of standard input; overlong lines are dropped whole. */
static void
stdin_feed(const char *p, size_t n)
{
	static int skipping;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			stdin_line[stdin_len] = '\0';
			if (!skipping)
				command(stdin_line);
			stdin_len = 0;
			skipping = 0;
		} else if (stdin_len + 1 < sizeof(stdin_line)) {
			stdin_line[stdin_len++] = (char)(p[i] ? p[i] : ' ');
		} else {
			skipping = 1;
		}
	}
}

static void
stdin_cb(int fd, unsigned ev, void *arg)
{
	char b[4096];
	ssize_t n;

	(void)ev;
	(void)arg;
	n = read(fd, b, sizeof(b));
	if (n > 0) {
		stdin_feed(b, (size_t)n);
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* End of input does not stop a tracker; stop watching it. */
	if (stdin_len > 0)
		stdin_feed("\n", 1);
	loop_del(T.loop, fd);
}

static void
on_signal(int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: shutting down", signo);
	loop_stop(T.loop);
}

static void
watch_stdin(void)
{
	char b[4096];
	ssize_t n;

	if (loop_add(T.loop, STDIN_FILENO, EV_READ, stdin_cb, NULL) == 0)
		return;
	if (errno != EPERM)
		return;		/* closed or unusable: nothing to read */
	/* A regular file or /dev/null: epoll cannot watch it, read it now. */
	while ((n = read(STDIN_FILENO, b, sizeof(b))) > 0)
		stdin_feed(b, (size_t)n);
	if (stdin_len > 0)
		stdin_feed("\n", 1);
}

/*
 * The cluster secret: the file's bytes (a trailing newline dropped), at
 * least 16 of them.  A file others may read is refused: a secret they
 * can read keeps nobody out.
 */
static int
read_secret(const char *path, uint8_t *out, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cluster secret %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "cluster secret %s: must be a regular "
		    "file readable by its owner only (chmod 600 %s)", path,
		    path);
		close(fd);
		return -1;
	}
	n = read(fd, out, SYNC_SECRET_MAX);
	close(fd);
	if (n > 0 && out[n - 1] == '\n')
		n--;
	if (n < 16) {
		snprintf(err, errlen, "cluster secret %s: %s", path, n < 0 ?
		    strerror(errno) : "shorter than 16 bytes");
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/*
 * This tracker's key: beside its database, as db's name with ".key" for
 * ".db" (made at the first start, the owner's alone), and the other
 * trackers' keys in the same way, with ".peers".  Its fingerprint is what
 * clients pin, so it is printed.
 */
static void
identity(const char *db)
{
	char base[sizeof(T.pins) - 8], path[sizeof(T.pins)], err[4096 + 256];
	char fp[TLS_FP_TEXT];
	uint8_t raw[TLS_FP_LEN];
	size_t n;

	if (getenv("P2PS_BENCH_PLAINTEXT") != NULL) {
		log_warnx("P2PS_BENCH_PLAINTEXT is set: every link in clear "
		    "and unauthenticated, for benchmarks only");
		return;
	}
	n = strlen(db);
	if (n >= sizeof(base))
		fatalx("database path too long");
	snprintf(base, sizeof(base), "%s", db);
	if (n > 3 && strcmp(base + n - 3, ".db") == 0)
		base[n - 3] = '\0';
	snprintf(path, sizeof(path), "%s.key", base);
	if ((T.id = tls_id_load(path, err, sizeof(err))) == NULL)
		fatalx("identity %s", err);
	snprintf(T.pins, sizeof(T.pins), "%s.peers", base);
	if ((T.tls_srv = tls_ctx_new(T.id, 1)) == NULL ||
	    (T.tls_cli = tls_ctx_new(T.id, 0)) == NULL)
		fatalx("TLS: %s", tls_error());
	tls_id_fp(T.id, raw);
	tls_fp_text(raw, fp);
	printf("tracker %zu identity %s\n", T.self + 1, fp);
	fflush(stdout);
	log_info("identity %s (key %s)", fp, path);
}

/*
 * The database, its -wal and -shm hold salts, password hashes and
 * session keys.  The tracker creates them 0600 (umask 077 below); one
 * that others may read or write (an older tracker's, one copied in) is
 * refused with the chmod that fixes it, as PostgreSQL refuses a data
 * directory and OpenSSH a private key others can read.  So is one of
 * another user's: the tracker would be trusting what they may change.
 */
static void
check_private(const char *db)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char path[PATH_MAX], open_to[3 * PATH_MAX + 8];
	struct stat st;
	size_t i, n = 0;

	open_to[0] = '\0';
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		if (snprintf(path, sizeof(path), "%s%s", db, ext[i]) >=
		    (int)sizeof(path))
			fatalx("database path too long");
		if (stat(path, &st) == -1)
			continue;	/* not there: SQLite makes it 0600 */
		if (!S_ISREG(st.st_mode))
			fatalx("database %s: not a regular file", path);
		if (st.st_uid != geteuid())
			fatalx("database %s belongs to uid %u, not to this "
			    "tracker's user (uid %u): chown it, or run the "
			    "tracker as its owner", path, (unsigned)st.st_uid,
			    (unsigned)geteuid());
		if ((st.st_mode & 077) != 0)
			n += (size_t)snprintf(open_to + n, sizeof(open_to) - n,
			    " %s", path);
	}
	if (n > 0)
		fatalx("database%s: open to other users, and it holds salts, "
		    "password hashes and session keys: the owner's alone, "
		    "please (chmod 600%s)", open_to, open_to);
}

/* Thousands of clients need thousands of descriptors: take what we may. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
}

int
main(int argc, char **argv)
{
	char err[512], esc[4 * sizeof(err)], dbdef[64];
	const char *db = NULL, *pos[2], *secretfile = NULL;
	uint8_t secret[SYNC_SECRET_MAX];
	size_t secretlen = 0;
	struct tracker_addr *me;
	long long n, iter = KDF_ITER_DEFAULT, keep = LOG_KEEP_DEFAULT;
	long long idle = SESSION_IDLE_DEFAULT, tsec = TICKET_SECONDS_DEFAULT;
	long long lsec = TRACKER_LOGIN_MS / 1000, minfree = MIN_FREE_MB_DEFAULT;
	long long quota[3] = { QUOTA_GROUPS_DEFAULT, QUOTA_PENDING_DEFAULT,
	    QUOTA_FILES_DEFAULT };
	static const char *const quota_opt[3] = { "--max-groups-per-user",
	    "--max-pending-per-user", "--max-files-per-user" };
	struct store_quota sq;
	int i, k, npos = 0, level = LOG_INFO;

	if (argc > 0 && argv[0][0] != '\0')
		prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
		    argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			help();
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("p2ps-tracker %s\n", VERSION_TEXT);
			return 0;
		} else if (strcmp(argv[i], "--db") == 0) {
			db = opt_value(argc, argv, &i);
		} else if (strcmp(argv[i], "--kdf-iter") == 0) {
			iter = opt_num(argc, argv, &i, 1, 10000000);
		} else if (strcmp(argv[i], "--log-keep") == 0) {
			keep = opt_num(argc, argv, &i, 1, 1000000000);
		} else if (strcmp(argv[i], "--session-idle") == 0) {
			idle = opt_num(argc, argv, &i, 0, 10LL * 365 * 86400);
		} else if (strcmp(argv[i], "--ticket-seconds") == 0) {
			tsec = opt_num(argc, argv, &i, 4, 86400);
		} else if (strcmp(argv[i], "--login-seconds") == 0) {
			lsec = opt_num(argc, argv, &i, 1, 86400);
		} else if (strcmp(argv[i], "--min-free") == 0) {
			minfree = opt_num(argc, argv, &i, 0, 1024 * 1024);
		} else if ((k = quota_index(quota_opt, argv[i])) >= 0) {
			quota[k] = opt_num(argc, argv, &i, 0, UINT32_MAX);
		} else if (strcmp(argv[i], "--secret") == 0) {
			secretfile = opt_value(argc, argv, &i);
		} else if (strcmp(argv[i], "-v") == 0) {
			level = LOG_DEBUG;
		} else if (strcmp(argv[i], "-q") == 0) {
			level = LOG_WARN;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			bad_args("unknown option '%.40s'", argv[i]);
		} else if (npos == 2) {
			bad_args("one argument too many: '%.40s'", argv[i]);
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (npos != 2)
		bad_args("expected tracker_info.txt and N");
	log_init("tracker", level);
	/* Its message may quote the file's bytes: escaped, as from a peer. */
	if (trackers_load(pos[0], &T.cluster, err, sizeof(err)) == -1)
		bad_args("%s", log_escape(esc, sizeof(esc), err, strlen(err)));
	if (parse_num(pos[1], 0, (long long)T.cluster.n, &n) == -1)
		bad_args("N must be 1 to %zu (the tracker's line in %s), not "
		    "'%.20s'", T.cluster.n, pos[0], pos[1]);
	T.self = n == 0 ? 0 : (size_t)n - 1;
	buf_init(&T.groups_reply, WIRE_HDR + wire_max_body(WT_NAMES));
	T.kdf_iter = (unsigned)iter;
	T.log_keep = (uint64_t)keep;
	T.session_idle_ms = (uint64_t)idle * 1000;
	T.ticket_seconds = (unsigned)tsec;
	T.login_ms = (uint64_t)lsec * 1000;
	T.min_free = (uint64_t)minfree << 20;
	for (k = 0; k < 3; k++)
		T.quota[k] = (uint32_t)quota[k];
	me = &T.cluster.v[T.self];
	if (db == NULL) {
		snprintf(dbdef, sizeof(dbdef), "tracker%zu.db", T.self + 1);
		db = dbdef;
	}
	if (strrchr(db, '/') == NULL)
		snprintf(T.db_dir, sizeof(T.db_dir), ".");
	else if (snprintf(T.db_dir, sizeof(T.db_dir), "%.*s",
	    (int)(strrchr(db, '/') - db), db) >= (int)sizeof(T.db_dir))
		bad_args("database path too long");
	if (T.db_dir[0] == '\0')
		snprintf(T.db_dir, sizeof(T.db_dir), "/");

	if (secretfile != NULL &&
	    read_secret(secretfile, secret, &secretlen, err, sizeof(err)) == -1)
		bad_args("%s", err);

	raise_fd_limit();
	/*
	 * Everything the tracker writes is its own: the key, the database
	 * with its salts, hashes and session keys, its -wal and -shm, the
	 * pins.  Created so, not chmodded after.
	 */
	umask(077);
	check_private(db);
	identity(db);

	if ((T.store = store_open(db, err, sizeof(err))) == NULL)
		fatalx("database %s", err);
	/* The name index now, not at the first search (store.h). */
	if (store_search_warm(T.store) != ST_OK)
		fatalx("database %s: cannot read the file names", db);
	if ((T.loop = loop_new()) == NULL)
		fatal("epoll");
	if (loop_signals(T.loop, on_signal, NULL) == -1)
		fatal("signalfd");
	if ((T.lfd = net_listen(me->host, me->port, err, sizeof(err))) == -1)
		fatalx("%s", err);
	store_set_origin(T.store, (uint32_t)T.self + 1);
	sq.groups = T.quota[0];
	sq.pending = T.quota[1];
	sq.files = T.quota[2];
	store_set_quota(T.store, &sq);
	page_rows_knob();
	/* Group commit: see before_sleep(), which alone orders the flushes. */
	store_batch(T.store, 1);
	conn_flush_by_caller();
	T.sync = sync_new(&T, secretlen > 0 ? secret : NULL, secretlen);
	T.notify = notify_new(&T);
	explicit_bzero(secret, sizeof(secret));
	loop_before_sleep(T.loop, before_sleep, NULL);
	T.workers = worker_pool_new(T.loop, KDF_THREADS);
	loop_add(T.loop, T.lfd, EV_READ, accept_cb, NULL);
	disk_check();
	loop_timer(T.loop, 1000, sweep, NULL);
	watch_stdin();
	log_info("tracker %zu of %zu listening on %s:%u, database %s",
	    T.self + 1, T.cluster.n, me->host, me->port, db);

	if (loop_run(T.loop) == -1)
		fatalx("event loop failed");

	commit();
	link_close_all(&T, "shutting down");
	sync_shutdown(T.sync);
	loop_drain(T.loop);	/* reaps them, freeing idle links */
	link_kdf_drain(&T);		/* hashes still waiting: dropped */
	worker_pool_free(T.workers);	/* runs what is left: frees the rest */
	sync_free(T.sync);
	notify_free(T.notify);
	log_info("stopped");
	store_close(T.store);
	buf_free(&T.groups_reply);
	close(T.lfd);
	loop_free(T.loop);
	tls_ctx_free(T.tls_srv);
	tls_ctx_free(T.tls_cli);
	tls_id_free(T.id);
	return 0;
}
