/*
 * tsearch.c - search figures, in the tracker's own code: not pass/fail.
 *
 *	tsearch fill DB [GROUPS [FILES]]
 *	tsearch local DB
 *
 * fill: a tracker database made through the store's own functions, the
 * ones a tracker's handlers call (store_user_create, store_session_add,
 * store_group_create, store_upload, ...), in batch mode with a commit
 * every 1000 requests as the tracker's group commit does: GROUPS groups
 * (1000) of FILES files each (100), all shared by alice, who is a member
 * of every group; bob, a member of the first 10 only; carol of none.
 * Passwords are pw-<user> (PBKDF2, 1000 iterations).  Names are made of a
 * small vocabulary ("thesis_budget_004217.pdf"), each unique, a few with
 * UTF-8 letters; the same for the same arguments on every machine.
 *
 * local: opens DB as a tracker does, builds the name index (timed), then
 * asks store_search() for one page (as much as a 64 KiB reply holds,
 * counted as handlers.c counts it) many times for each kind of pattern,
 * rotating through several patterns of the kind, and prints the median
 * and 99th percentile of the time each call took, the hits a page held
 * and how the candidates were found; then every page of "*" (all of
 * alice's files) one after the other.  Measured in-process: the store's
 * work for a request, without the network, TLS or the reply's encoding
 * (scripts/bench_search.sh measures from a client too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../tracker/store.h"
#include "crypto.h"
#include "log.h"
#include "match.h"
#include "parse.h"
#include "wire.h"

#define RUNS		400		/* calls per kind */
#define FOUND_ROOM	(WIRE_CTRL_MAX - (1 + (2 + ID_MAX + 1) + \
			    (2 + NAME_MAX_LEN + 1)))

static const char *const words[] = {
	"alpha", "budget", "photo", "report", "thesis", "draft", "final",
	"notes", "invoice", "summer", "winter", "trip", "paper", "data",
	"music", "movie", "holiday", "family", "project", "slides", "lecture",
	"backup", "scan", "song", "video", "plan", "review", "minutes",
	"caf\xc3\xa9", "\xc3\x9c" "bung",
};
static const char *const exts[] = {
	"pdf", "jpg", "png", "mp3", "mp4", "txt", "tar.gz", "iso", "docx",
	"csv",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))
#define NEXTS	(sizeof(exts) / sizeof(exts[0]))

static uint64_t rng_state = 88172645463325252ull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "tsearch: %s: store says %d\n", what, rc);
	exit(1);
}

static struct store *
open_db(const char *path)
{
	char err[256];
	struct store *s = store_open(path, err, sizeof(err));

	if (s == NULL) {
		fprintf(stderr, "tsearch: %s\n", err);
		exit(1);
	}
	return s;
}

static void
user(struct store *s, const char *name)
{
	struct user_cred c;
	char pw[32];
	int rc;

	snprintf(pw, sizeof(pw), "pw-%s", name);
	c.iter = 1000;
	if (random_bytes(c.salt, sizeof(c.salt)) == -1 ||
	    pbkdf2_sha256(pw, strlen(pw), c.salt, sizeof(c.salt), c.iter,
	    c.hash, sizeof(c.hash)) == -1)
		die("password hash", -1);
	if ((rc = store_user_create(s, name, &c)) != ST_OK)
		die(name, rc);
}

/* Commit every 1000 requests, as the tracker's group commit would. */
static void
tick(struct store *s, unsigned *n)
{
	if (++*n % 1000 == 0 && store_flush(s) == -1)
		die("commit", ST_ERR);
}

static int
fill(const char *path, unsigned ngroups, unsigned nfiles)
{
	static const uint8_t fp[32] = { 1 }, tkey[32] = { 2 };
	struct store *s = open_db(path);
	struct file_meta m;
	uint8_t key[32], piece[20];
	char g[ID_MAX + 1], name[NAME_MAX_LEN + 1], path_[64];
	unsigned i, j, n = 0, id = 0;
	double t0 = now_ms();
	int rc;

	store_batch(s, 1);
	user(s, "alice");
	user(s, "bob");
	user(s, "carol");
	memset(key, 0xa1, sizeof(key));
	if ((rc = store_session_add(s, key, "alice", "127.0.0.1:1", fp,
	    tkey)) != ST_OK)
		die("session", rc);
	for (i = 0; i < ngroups; i++) {
		snprintf(g, sizeof(g), "grp%04u", i);
		if ((rc = store_group_create(s, g, "alice")) != ST_OK)
			die(g, rc);
		tick(s, &n);
		if (i < 10 && ((rc = store_group_join(s, g, "bob")) != ST_OK ||
		    (rc = store_group_accept(s, g, "alice", "bob")) != ST_OK))
			die("bob", rc);
		for (j = 0; j < nfiles; j++, id++) {
			snprintf(name, sizeof(name), "%s_%s_%06u.%s",
			    words[rng() % NWORDS], words[rng() % NWORDS], id,
			    exts[rng() % NEXTS]);
			m.size = 1 + rng() % (1u << 20);
			memset(m.sha1, 0, sizeof(m.sha1));
			memcpy(m.sha1, &id, sizeof(id));
			memset(piece, (int)(id & 0xff), sizeof(piece));
			m.pieces = piece;
			m.npieces = 1;
			m.size = m.size > WIRE_PIECE_LEN ? WIRE_PIECE_LEN :
			    m.size;
			snprintf(path_, sizeof(path_), "/data/%u", id);
			if ((rc = store_upload(s, key, "alice", g, name, &m,
			    path_, 1)) != ST_OK)
				die(name, rc);
			tick(s, &n);
		}
	}
	if (store_flush(s) == -1)
		die("commit", ST_ERR);
	printf("fill: %u groups, %u files (alice in all, bob in 10) in "
	    "%.1f s\n", ngroups, id, (now_ms() - t0) / 1e3);
	store_close(s);
	return 0;
}

/* A page as handlers.c fills it: what one FOUND frame holds. */
struct page {
	size_t	bytes, n;
};

static int
take(void *arg, const struct store_hit *h)
{
	struct page *pg = arg;
	size_t len = (2 + strlen(h->name) + 1) + (1 + strlen(h->group) + 1) +
	    8 + 20;

	if (pg->bytes + len > FOUND_ROOM)
		return -1;
	pg->bytes += len;
	pg->n++;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct kind {
	const char	*what;
	const char	*pats[8];
};

static void
run_kind(struct store *s, const char *who, const struct kind *k)
{
	static double t[RUNS];
	struct store_search_end end;
	struct page pg;
	size_t npats = 0, i, hits = 0, cand = 0, checked = 0, cnd, chk;
	unsigned walks = 0;
	double t0;
	int walked, rc;

	while (npats < 8 && k->pats[npats] != NULL)
		npats++;
	for (i = 0; i < RUNS; i++) {
		pg.bytes = pg.n = 0;
		t0 = now_ms();
		rc = store_search(s, who, k->pats[i % npats], "", "", take,
		    &pg, &end);
		(void)store_flush(s);
		t[i] = now_ms() - t0;
		if (rc != ST_OK)
			die(k->pats[i % npats], rc);
		store_search_stats(s, &walked, &cnd, &chk);
		hits += pg.n;
		cand += cnd;
		checked += chk;
		walks += (unsigned)walked;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	printf("  %-6s %-34s median %6.3f ms  p99 %6.3f ms  hits/page "
	    "%6.1f  candidates %8.1f  checked %6.1f  walked %3u%%\n", who,
	    k->what, t[RUNS / 2], t[RUNS * 99 / 100], (double)hits / RUNS,
	    (double)cand / RUNS, (double)checked / RUNS, walks * 100 / RUNS);
}

static const struct kind kinds[] = {
	{ "substring, 3+ chars, rare", { "_012345.", "042017", "ay_0999",
	    "_077777.csv", "3141", NULL } },
	{ "substring, 3+ chars, common", { "thesis", "PHOTO", "budget_",
	    ".pdf", "caf\xc3\xa9", NULL } },
	{ "short, 1-2 chars", { "a", "7", "pd", "X", "_0", "\xc3\xa9",
	    NULL } },
	{ "wildcard", { "*.pdf", "photo_*_0?1*", "report*.tar.gz",
	    "*_00012?.*", "?????_*.iso", NULL } },
	{ "no match", { "zzqq", "*.exe", "thesis_thesis_thesis",
	    "q?q", NULL } },
};

/* This process's resident memory, in KiB (0 if unknown). */
static long
rss_kib(void)
{
	char line[128];
	long kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static int
local(const char *path)
{
	struct store *s = open_db(path);
	struct store_search_end end;
	struct page pg;
	size_t i, total = 0;
	unsigned pages = 0;
	double t0, worst = 0, t;
	long rss0 = rss_kib();
	int rc;

	t0 = now_ms();
	if ((rc = store_search_warm(s)) != ST_OK)
		die("warm", rc);
	printf("local: name index built from %s in %.0f ms, %.1f MiB more "
	    "resident\n", path, now_ms() - t0,
	    (double)(rss_kib() - rss0) / 1024);
	/* As in the tracker: one read transaction a loop iteration. */
	store_batch(s, 1);
	printf("one page (<= 64 KiB reply) per call, %d calls each, "
	    "in-process (store_search):\n", RUNS);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		run_kind(s, "alice", &kinds[i]);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		run_kind(s, "bob", &kinds[i]);
	end.group[0] = end.name[0] = '\0';
	t0 = now_ms();
	do {
		pg.bytes = pg.n = 0;
		t = now_ms();
		if ((rc = store_search(s, "alice", "*", end.group, end.name,
		    take, &pg, &end)) != ST_OK)
			die("*", rc);
		(void)store_flush(s);
		t = now_ms() - t;
		worst = t > worst ? t : worst;
		total += pg.n;
		pages++;
	} while (end.more);
	printf("  alice  every page of \"*\": %zu hits in %u pages, %.1f ms "
	    "in all, slowest page %.3f ms\n", total, pages, now_ms() - t0,
	    worst);
	store_close(s);
	return 0;
}

static unsigned
num(const char *s, unsigned max)
{
	long long v;

	if (parse_num(s, 1, max, &v) == -1) {
		fprintf(stderr, "tsearch: bad number %s\n", s);
		exit(2);
	}
	return (unsigned)v;
}

int
main(int argc, char **argv)
{
	log_init("tsearch", LOG_WARN);
	if (argc >= 3 && argc <= 5 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], argc > 3 ? num(argv[3], 100000) : 1000,
		    argc > 4 ? num(argv[4], 100000) : 100);
	if (argc == 3 && strcmp(argv[1], "local") == 0)
		return local(argv[2]);
	fprintf(stderr, "usage: tsearch fill DB [GROUPS [FILES]]\n"
	    "       tsearch local DB\n");
	return 2;
}
