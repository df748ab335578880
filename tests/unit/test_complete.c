/*
 * test_complete.c - what Tab offers, on the client's real command table:
 * command names (any case), group ids, file names of the group named
 * before, requesters, paths and directories, fixed words; the lists' age
 * (what to fetch); quoting of names with blanks and quotes, inside an
 * opened quote too; the cache's order, duplicates, caps and eviction;
 * and a randomized check of prefix matching against a plain filter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/commands.h"
#include "../../client/complete.h"
#include "rng.h"

#define NOW	1000000

static struct complete_cache C;

/* The candidates for the last word of line (in_quote: the quoted word
   at its end), joined with "|", into buf; kind and need through the
   pointers. */
static const char *
cands(const char *line, int in_quote, enum complete_kind *kind, int *need,
    char *buf, size_t len)
{
	struct complete_result r;
	const char *sp = strrchr(line, ' ');
	size_t start = sp ? (size_t)(sp - line) + 1 : 0, i, o = 0;

	if (in_quote)	/* past the opening quote that follows a blank */
		for (start = strlen(line); start > 1; start--)
			if (line[start - 1] == '"' && line[start - 2] == ' ')
				break;
	complete_line(commands_completion(), &C, line, start, line + start,
	    in_quote, NOW, &r);
	buf[0] = '\0';
	for (i = 0; i < r.n; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "|" : "",
		    r.v[i]);
	if (kind)
		*kind = r.kind;
	if (need)
		*need = r.need;
	complete_result_free(&r);
	return buf;
}

static const char *
words(const char *line)
{
	static char buf[8192];

	return cands(line, 0, NULL, NULL, buf, sizeof(buf));
}

static void
fill(enum complete_which w, const char *group, uint64_t at,
    const char *const *names)
{
	struct complete_list *l = complete_list_get(&C, w, group, 1, at);

	assert_non_null(l);
	complete_list_reset(l, at);
	for (; *names != NULL; names++)
		complete_list_add(l, *names);
}

static int
setup(void **state)
{
	static const char *const groups[] = { "g1", "g2", "other", "g1",
	    NULL };
	static const char *const files[] = { "plain.bin", "my file.bin",
	    "my flower.bin", "q\"uote\\d", NULL };
	static const char *const req[] = { "bob", "carol", NULL };

	(void)state;
	fill(COMPLETE_GROUPS, NULL, NOW - 100, groups);
	fill(COMPLETE_FILES, "g1", NOW - 100, files);
	fill(COMPLETE_REQUESTS, "g1", NOW - 100, req);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	complete_cache_clear(&C);
	return 0;
}

static void
test_command_names(void **state)
{
	(void)state;
	assert_string_equal(words("list_"),
	    "list_files|list_folders|list_groups|list_requests");
	assert_string_equal(words("LIST_G"), "list_groups");
	assert_string_equal(words("stop_"), "stop_share|stop_sharing");
	assert_string_equal(words("nosuch"), "");
	/* help takes a command name. */
	assert_string_equal(words("help li"),
	    "list_files|list_folders|list_groups|list_requests");
	assert_string_equal(words("sync"), "sync_folder");
	assert_string_equal(words("HELP dow"), "download_file");
	assert_string_equal(words("help quit "), "");
	/* Every command is offered on an empty line. */
	assert_non_null(strstr(words(""), "download_file"));
	assert_non_null(strstr(words(""), "upload_file"));
}

static void
test_groups(void **state)
{
	static const char *const gcmds[] = { "join_group", "leave_group",
	    "list_files", "list_requests", "download_file", "stop_share",
	    "accept_request", "reject_request", "Join_Group", NULL };
	const char *const *c;
	char line[128];
	enum complete_kind k;
	int need;
	char buf[256];

	(void)state;
	for (c = gcmds; *c != NULL; c++) {
		snprintf(line, sizeof(line), "%s ", *c);
		assert_string_equal(words(line), "g1|g2|other");
		snprintf(line, sizeof(line), "  %s   o", *c);
		assert_string_equal(words(line), "other");
	}
	/* upload_file: a path, then a group. */
	assert_string_equal(words("upload_file x.bin g"), "g1|g2");
	assert_string_equal(words("upload_file \"a b\" g2"), "g2");
	/* A new group's id is not an existing one; nor is a user's. */
	cands("create_group g", 0, &k, &need, buf, sizeof(buf));
	assert_int_equal(k, COMPLETE_NONE);
	assert_string_equal(words("create_user "), "");
	assert_string_equal(words("login "), "");
	assert_string_equal(words("login bob "), "");
	/* Fresh: nothing to fetch.  Stale or missing: the groups. */
	cands("join_group ", 0, &k, &need, buf, sizeof(buf));
	assert_int_equal(k, COMPLETE_WORDS);
	assert_int_equal(need, 0);
	complete_list_get(&C, COMPLETE_GROUPS, NULL, 0, NOW)->at =
	    NOW - COMPLETE_STALE_MS - 1;
	cands("join_group ", 0, &k, &need, buf, sizeof(buf));
	assert_string_equal(buf, "g1|g2|other");	/* still offered */
	assert_int_equal(need, 1 + COMPLETE_GROUPS);
	complete_list_reset(complete_list_get(&C, COMPLETE_GROUPS, NULL, 0,
	    NOW), 0);
	cands("join_group ", 0, &k, &need, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(need, 1 + COMPLETE_GROUPS);
}

static void
test_files(void **state)
{
	enum complete_kind k;
	char buf[512];
	int need;

	(void)state;
	assert_string_equal(words("download_file g1 "),
	    "\"my file.bin\"|\"my flower.bin\"|plain.bin|\"q\\\"uote\\\\d\"");
	assert_string_equal(words("download_file g1 p"), "plain.bin");
	assert_string_equal(words("stop_share g1 my"),
	    "\"my file.bin\"|\"my flower.bin\"");
	assert_string_equal(words("stop_sharing \"g1\" q"),
	    "\"q\\\"uote\\\\d\"");
	/* Inside an opened quote: escaped, not quoted again. */
	cands("download_file g1 \"my f", 1, &k, &need, buf, sizeof(buf));
	assert_string_equal(buf, "my file.bin|my flower.bin");
	cands("download_file g1 \"q\\\"u", 1, &k, &need, buf, sizeof(buf));
	assert_string_equal(buf, "q\\\"uote\\\\d");
	assert_int_equal(need, 0);
	/* A group not held: nothing yet, its files to fetch. */
	cands("download_file g2 ", 0, &k, &need, buf, sizeof(buf));
	assert_int_equal(k, COMPLETE_WORDS);
	assert_string_equal(buf, "");
	assert_int_equal(need, 1 + COMPLETE_FILES);
	/* A malformed group id: nothing, nothing to fetch. */
	cands("download_file g/1 ", 0, &k, &need, buf, sizeof(buf));
	assert_int_equal(k, COMPLETE_NONE);
	assert_int_equal(need, 0);
	/* After the file name: a local directory. */
	cands("download_file g1 plain.bin ", 0, &k, &need, buf, sizeof(buf));
	assert_int_equal(k, COMPLETE_DIR);
	cands("download_file g1 \"my file.bin\" /tm", 0, &k, NULL, buf,
	    sizeof(buf));
	assert_int_equal(k, COMPLETE_DIR);
	cands("download_file g1 plain.bin /tmp ", 0, &k, NULL, buf,
	    sizeof(buf));
	assert_int_equal(k, COMPLETE_NONE);
	cands("upload_file ", 0, &k, NULL, buf, sizeof(buf));
	assert_int_equal(k, COMPLETE_PATH);
	cands("upload_file \"my", 1, &k, NULL, buf, sizeof(buf));
	assert_int_equal(k, COMPLETE_PATH);
}

static void
test_requests_and_words(void **state)
{
	enum complete_kind k;
	char buf[256];
	int need;

	(void)state;
	assert_string_equal(words("accept_request g1 "), "bob|carol");
	assert_string_equal(words("reject_request g1 c"), "carol");
	cands("accept_request g2 ", 0, &k, &need, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(need, 1 + COMPLETE_REQUESTS);
	assert_string_equal(words("set_limit "), "down|up");
	assert_string_equal(words("set_limit u"), "up");
	assert_string_equal(words("set_limit up "), "off");
	assert_string_equal(words("set_limit up 2M "), "");
	assert_string_equal(words("logout "), "--all");
	assert_string_equal(words("logout --all "), "");
	assert_string_equal(words("echo "), "");
	/* A comment, an unknown command, an unterminated quote before. */
	assert_string_equal(words("# join_group "), "");
	assert_string_equal(words("frob "), "");
	assert_string_equal(words("join_group \"g1 "), "");
}

static void
test_cache(void **state)
{
	struct complete_list *l;
	char name[32];
	int i;

	(void)state;
	complete_cache_clear(&C);
	l = complete_list_get(&C, COMPLETE_GROUPS, NULL, 0, NOW);
	assert_int_equal(l->at, 0);
	complete_list_add(l, "b");
	complete_list_add(l, "a");
	complete_list_add(l, "c");
	complete_list_add(l, "b");
	assert_int_equal(l->n, 3);
	assert_string_equal(words("list_files "), "a|b|c");
	complete_list_remove(l, "b");
	complete_list_remove(l, "zz");
	assert_string_equal(words("list_files "), "a|c");
	/* A list is capped. */
	complete_list_reset(l, NOW);
	for (i = 0; i < COMPLETE_NAMES_MAX + 10; i++) {
		snprintf(name, sizeof(name), "g%05d", i);
		complete_list_add(l, name);
	}
	assert_int_equal(l->n, COMPLETE_NAMES_MAX);
	/* Groups' lists: the one touched longest ago goes. */
	assert_null(complete_list_get(&C, COMPLETE_FILES, "x0", 0, NOW));
	assert_null(complete_list_get(&C, COMPLETE_FILES, "bad id", 1, NOW));
	for (i = 0; i < COMPLETE_GROUPS_MAX; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		l = complete_list_get(&C, COMPLETE_FILES, name, 1,
		    NOW + (uint64_t)i);
		complete_list_reset(l, NOW);
		complete_list_add(l, name);
	}
	/* x0 is touched again: x1 is now the oldest. */
	assert_non_null(complete_list_get(&C, COMPLETE_FILES, "x0", 1,
	    NOW + 100));
	assert_non_null(complete_list_get(&C, COMPLETE_REQUESTS, "new", 1,
	    NOW + 101));
	assert_null(complete_list_get(&C, COMPLETE_FILES, "x1", 0, NOW));
	assert_string_equal(words("download_file x0 "), "x0");
	assert_string_equal(words("download_file x2 "), "x2");
	assert_string_equal(words("download_file new "), "");
	complete_cache_clear(&C);
	assert_string_equal(words("download_file x0 "), "");
	assert_string_equal(words("join_group "), "");
}

static void
test_quote(void **state)
{
	static const struct {
		const char *in, *out, *in_quote;
	} c[] = {
		{ "plain", "plain", "plain" },
		{ "a b", "\"a b\"", "a b" },
		{ "tab\there", "\"tab\there\"", "tab\there" },
		{ "q\"x", "\"q\\\"x\"", "q\\\"x" },
		{ "back\\slash", "back\\slash", "back\\\\slash" },
		{ "b \\", "\"b \\\\\"", "b \\\\" },
		{ "", "", "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *q = complete_quote(c[i].in, 0);

		assert_string_equal(q, c[i].out);
		free(q);
		q = complete_quote(c[i].in, 1);
		assert_string_equal(q, c[i].in_quote);
		free(q);
	}
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Random names and prefixes: the list's answer is a sorted filter. */
static void
test_random_prefixes(void **state)
{
	static const char alpha[] = "ab.-_";
	char names[300][8], prefix[8], line[64], want[8192], buf[8192];
	struct complete_list *l;
	size_t o;
	int i, j, round;

	(void)state;
	rng_seed(7);
	for (round = 0; round < 200; round++) {
		int n = 1 + (int)rng_below(300);

		complete_cache_clear(&C);
		l = complete_list_get(&C, COMPLETE_GROUPS, NULL, 1, NOW);
		complete_list_reset(l, NOW);
		for (i = 0; i < n; i++) {
			int len = 1 + (int)rng_below(6);

			for (j = 0; j < len; j++)
				names[i][j] = alpha[rng_below(5)];
			names[i][len] = '\0';
			complete_list_add(l, names[i]);
		}
		j = (int)rng_below(4);
		for (i = 0; i < j; i++)
			prefix[i] = alpha[rng_below(5)];
		prefix[j] = '\0';
		/* The model: every distinct name with the prefix, sorted. */
		qsort(names, (size_t)n, sizeof(names[0]), cmp_name);
		o = 0;
		want[0] = '\0';
		for (i = 0; i < n; i++) {
			if (strncmp(names[i], prefix, strlen(prefix)) != 0 ||
			    (i > 0 && strcmp(names[i], names[i - 1]) == 0))
				continue;
			o += (size_t)snprintf(want + o, sizeof(want) - o,
			    "%s%s", o ? "|" : "", names[i]);
		}
		snprintf(line, sizeof(line), "leave_group %s", prefix);
		assert_string_equal(cands(line, 0, NULL, NULL, buf,
		    sizeof(buf)), want);
	}
	complete_cache_clear(&C);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_command_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests_and_words,
		    setup, teardown),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_random_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
