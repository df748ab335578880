/*
 * test_ledger.c - the client's record of its shares (client/ledger.c):
 * entries written then found, the last entry of a key winning, other
 * users' entries apart, malformed and torn lines skipped, the file
 * rewritten once most of it is overridden, and files that are not the
 * user's alone refused (a link, mode 0666) or made 0600.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../client/ledger.h"

struct fx {
	char	dir[64];
	char	path[128];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ledger.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	/* The folder is made by the first note. */
	snprintf(f->path, sizeof(f->path), "%s/home/shared", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const left[] = { "home/shared", "home/shared.new",
	    "elsewhere", "home" };
	struct fx *f = *state;
	char p[160];
	size_t i;

	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, left[i]);
		(void)remove(p);	/* those the test made */
	}
	i = rmdir(f->dir) == 0;
	free(f);
	return i ? 0 : -1;
}

static const uint8_t h1[20] = { 1, 2, 3 }, h2[20] = { 0xff, 0xee };

static void
note(const struct fx *f, const char *user, const char *group,
    const char *name, const char *file, uint64_t size, const uint8_t *h)
{
	char err[256];

	assert_int_equal(ledger_note(f->path, user, group, name, file, size,
	    1700000000, h, err, sizeof(err)), 0);
}

static void
test_roundtrip(void **state)
{
	struct fx *f = *state;
	const struct ledger_ent *e;
	struct ledger lg;
	struct stat st;
	char err[256];

	/* No file yet: an empty record, no error. */
	assert_int_equal(ledger_load(f->path, &lg, err, sizeof(err)), 0);
	assert_int_equal(lg.n, 0);
	note(f, "alice", "g1", "a.iso", "/data/a.iso", 1048576, h1);
	note(f, "alice", "g2", "a.iso", "/data/other\tpath", 5, h2);
	note(f, "bob", "g1", "a.iso", "/home/bob/a.iso", 1048576, h1);
	note(f, "alice", "g1", "a.iso", "/data/a2.iso", 7, h2);	/* wins */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ledger_load(f->path, &lg, err, sizeof(err)), 0);
	assert_int_equal(lg.n, 3);
	e = ledger_find(&lg, "alice", "g1", "a.iso");
	assert_non_null(e);
	assert_string_equal(e->path, "/data/a2.iso");
	assert_int_equal(e->size, 7);
	assert_int_equal(e->mtime, 1700000000);
	assert_memory_equal(e->sha1, h2, 20);
	e = ledger_find(&lg, "alice", "g2", "a.iso");
	assert_non_null(e);
	assert_string_equal(e->path, "/data/other\tpath");	/* tab kept */
	e = ledger_find(&lg, "bob", "g1", "a.iso");
	assert_non_null(e);
	assert_string_equal(e->path, "/home/bob/a.iso");
	assert_null(ledger_find(&lg, "carol", "g1", "a.iso"));
	assert_null(ledger_find(&lg, "alice", "g1", "b.iso"));
	ledger_free(&lg);
}

static void
test_refused_paths(void **state)
{
	struct fx *f = *state;
	char err[256];

	assert_int_equal(ledger_note(f->path, "a", "g", "n", "/x\ny", 1, 1,
	    h1, err, sizeof(err)), -1);
	assert_int_equal(ledger_note(f->path, "a", "g", "n", "rel/x", 1, 1,
	    h1, err, sizeof(err)), -1);
}

static void
test_malformed_lines(void **state)
{
	struct fx *f = *state;
	struct ledger lg;
	char err[256];
	FILE *fp;

	note(f, "alice", "g", "good", "/ok", 1, h1);
	fp = fopen(f->path, "a");
	assert_non_null(fp);
	fputs("alice\tg\t1\t1\tnothex\tbad1\t/p\n", fp);
	fputs("alice\tg\t-1\t1\t0102030000000000000000000000000000000000"
	    "\tbad2\t/p\n", fp);
	fputs("alice\tg\t1\t1\t0102030000000000000000000000000000000000"
	    "\tbad3\trelative\n", fp);
	fputs("al ice\tg\t1\t1\t0102030000000000000000000000000000000000"
	    "\tbad4\t/p\n", fp);
	fputs("alice\tg\t1\t1\t0102030000000000000000000000000000000000"
	    "\tbad/5\t/p\n", fp);
	fputs("alice\tg\t1\n", fp);
	fputs("alice\tg\t1\t1\t0102030000000000000000000000000000000000"
	    "\ttorn\t/p", fp);	/* no newline: cut short */
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(ledger_load(f->path, &lg, err, sizeof(err)), 0);
	assert_int_equal(lg.n, 1);
	assert_non_null(ledger_find(&lg, "alice", "g", "good"));
	ledger_free(&lg);
}

static void
test_compaction(void **state)
{
	struct fx *f = *state;
	struct ledger lg;
	struct stat st;
	char err[256], name[32];
	int i;

	for (i = 0; i < 1200; i++) {
		snprintf(name, sizeof(name), "f%d", i % 10);
		note(f, "alice", "g", name, "/data/f", (uint64_t)i, h1);
	}
	assert_int_equal(ledger_load(f->path, &lg, err, sizeof(err)), 0);
	assert_int_equal(lg.n, 10);
	ledger_free(&lg);
	/* Rewritten: ten lines, still 0600, saying the same. */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(st.st_size < 10 * 100);
	assert_int_equal(ledger_load(f->path, &lg, err, sizeof(err)), 0);
	assert_int_equal(lg.n, 10);
	assert_int_equal(ledger_find(&lg, "alice", "g", "f9")->size, 1199);
	ledger_free(&lg);
}

static void
test_untrusted(void **state)
{
	struct fx *f = *state;
	struct ledger lg;
	char err[256], other[160];

	note(f, "alice", "g", "n", "/ok", 1, h1);
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(ledger_load(f->path, &lg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(ledger_note(f->path, "a", "g", "n", "/x", 1, 1, h1,
	    err, sizeof(err)), -1);
	/* A link is not followed, to load or to write. */
	snprintf(other, sizeof(other), "%s/elsewhere", f->dir);
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(rename(f->path, other), 0);
	assert_int_equal(symlink(other, f->path), 0);
	assert_int_equal(ledger_load(f->path, &lg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(ledger_note(f->path, "a", "g", "n", "/x", 1, 1, h1,
	    err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_paths, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_untrusted, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
