/*
 * test_nameidx.c - the name index of search (tracker/nameidx.c).
 *
 * A few cases by hand (each pair once, the scope, the cursor, both ways
 * of finding candidates), then a randomized comparison (fixed seed) with
 * a model that is only a list of pairs: every query's answer must be the
 * model's matches (match_name(), tested in test_match.c) of the scope's
 * groups after the cursor in (group, name) order, cut at max, with more
 * set exactly when something was cut; and paging through the answers a
 * few at a time must give them all, once each.  Names are added between
 * queries, so groups are walked with unsorted tails; the names mix cases,
 * UTF-8 and wildcard characters; patterns are cut from names, changed
 * into wildcard patterns, or random.  The run must have taken both ways
 * (the trigram lists and the walk) many times.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tracker/nameidx.h"
#include "match.h"
#include "parse.h"
#include "rng.h"

#define HITS_MAX	64

static size_t
search(struct nameidx *x, const char *pat, const char *ag, const char *an,
    struct nameidx_hit *h, size_t max, int *more)
{
	return nameidx_search(x, pat, ag, an, h, max, more);
}

static void
test_by_hand(void **state)
{
	struct nameidx *x = nameidx_new();
	struct nameidx_hit h[HITS_MAX];
	struct nameidx_stats st;
	char name[32];
	int more, i;

	(void)state;
	nameidx_add(x, "g2", "Report.pdf");
	nameidx_add(x, "g1", "report-final.PDF");
	nameidx_add(x, "g1", "photo.jpg");
	nameidx_add(x, "g3", "secret-report.pdf");
	nameidx_add(x, "g1", "photo.jpg");		/* again: once */
	nameidx_add(x, "g1", "..");			/* not file names */
	nameidx_add(x, "g1", "a/b");
	nameidx_add(x, "g1", "");
	assert_int_equal(nameidx_count(x), 4);
	/* No scope: nothing. */
	nameidx_scope_begin(x);
	assert_int_equal(search(x, "report", "", "", h, HITS_MAX, &more), 0);
	assert_false(more);
	/* g1 and g2, added out of order, unknown groups left out. */
	nameidx_scope_begin(x);
	nameidx_scope_add(x, "g2");
	nameidx_scope_add(x, "nosuch");
	nameidx_scope_add(x, "g1");
	nameidx_scope_add(x, "g2");
	assert_int_equal(search(x, "REPORT", "", "", h, HITS_MAX, &more), 2);
	assert_false(more);
	assert_string_equal(h[0].group, "g1");
	assert_string_equal(h[0].name, "report-final.PDF");
	assert_string_equal(h[1].group, "g2");
	assert_string_equal(h[1].name, "Report.pdf");
	/* One at a time, from the cursor. */
	assert_int_equal(search(x, "*.pdf", "", "", h, 1, &more), 1);
	assert_true(more);
	assert_string_equal(h[0].name, "report-final.PDF");
	assert_int_equal(search(x, "*.pdf", "g1", "report-final.PDF", h, 1,
	    &more), 1);
	assert_false(more);
	assert_string_equal(h[0].name, "Report.pdf");
	assert_int_equal(search(x, "*.pdf", "g2", "Report.pdf", h, 1,
	    &more), 0);
	assert_false(more);
	/* A cursor group outside the scope: the groups after it. */
	assert_int_equal(search(x, "o", "g1zzz", "x", h, HITS_MAX, &more), 1);
	assert_string_equal(h[0].group, "g2");
	/* Short patterns walk; a rare trigram does not. */
	assert_int_equal(search(x, "jp", "", "", h, HITS_MAX, &more), 1);
	nameidx_stats(x, &st);
	assert_true(st.walked);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "filler%03d.txt", i);
		nameidx_add(x, "g1", name);
	}
	assert_int_equal(search(x, "photo", "", "", h, HITS_MAX, &more), 1);
	nameidx_stats(x, &st);
	assert_false(st.walked);
	assert_int_equal(st.candidates, 1);
	/* No name has "zq": nothing, found without looking. */
	assert_int_equal(search(x, "*zqx*", "", "", h, HITS_MAX, &more), 0);
	nameidx_stats(x, &st);
	assert_int_equal(st.candidates, 0);
	nameidx_free(x);
}

/* The model: the pairs, in order of addition. */
#define PAIRS_MAX	8000

struct pair {
	char	group[16];
	char	name[48];
};

static struct pair pairs[PAIRS_MAX];
static size_t npairs;

static const char *const groups[] = {
	"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "G8", "a.b", "z-9",
	"g10",
};
#define NGROUPS	(sizeof(groups) / sizeof(groups[0]))

static const char *const bits[] = {
	"a", "b", "c", "d", "A", "B", "r", "e", "p", "o", "t", ".", "_", "1",
	"2", "\xc3\xa9", "\xc3\x89", "*", "?", "\xa9", "/",
};
#define NBITS	(sizeof(bits) / sizeof(bits[0]))

static void
random_name(char *out, size_t cap)
{
	size_t n = 1 + rng_below(12), i, len = 0, b;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		b = rng_below(NBITS);
		if (len + strlen(bits[b]) + 1 > cap)
			break;
		memcpy(out + len, bits[b], strlen(bits[b]) + 1);
		len += strlen(bits[b]);
	}
	if (len == 0)
		memcpy(out, "a", 2);
}

static void
model_add(struct nameidx *x, const char *g, const char *name)
{
	size_t i;

	nameidx_add(x, g, name);
	if (!parse_filename(name))
		return;		/* not a file name: never recorded */
	for (i = 0; i < npairs; i++)
		if (strcmp(pairs[i].group, g) == 0 &&
		    strcmp(pairs[i].name, name) == 0)
			return;
	assert_true(npairs < PAIRS_MAX);
	snprintf(pairs[npairs].group, sizeof(pairs[0].group), "%s", g);
	snprintf(pairs[npairs].name, sizeof(pairs[0].name), "%s", name);
	npairs++;
}

static int
pair_cmp(const void *a, const void *b)
{
	const struct pair *pa = &pairs[*(const size_t *)a];
	const struct pair *pb = &pairs[*(const size_t *)b];
	int c = strcmp(pa->group, pb->group);

	return c != 0 ? c : strcmp(pa->name, pb->name);
}

/* Every match of the scope after the cursor, in order: how many. */
static size_t
model_search(const int *scope, const char *pat, const char *ag,
    const char *an, const struct pair **out)
{
	static size_t at[PAIRS_MAX];
	size_t i, n = 0, g;
	int c;

	for (i = 0; i < npairs; i++) {
		for (g = 0; g < NGROUPS; g++)
			if (strcmp(groups[g], pairs[i].group) == 0)
				break;
		if (!scope[g] || !match_name(pat, pairs[i].name))
			continue;
		c = strcmp(pairs[i].group, ag);
		if (c < 0 || (c == 0 && strcmp(pairs[i].name, an) <= 0))
			continue;
		at[n++] = i;
	}
	qsort(at, n, sizeof(at[0]), pair_cmp);
	for (i = 0; i < n; i++)
		out[i] = &pairs[at[i]];
	return n;
}

/* A pattern: a part of a name, made wild, or random. */
static void
random_pattern(char *out, size_t cap)
{
	const char *src;
	size_t len, from, n, i;

	switch (rng_below(4)) {
	case 0:
	case 1:
		src = npairs ? pairs[rng_below((uint32_t)npairs)].name : "a";
		len = strlen(src);
		from = rng_below((uint32_t)len);
		n = 1 + rng_below((uint32_t)(len - from));
		if (n >= cap)
			n = cap - 1;
		memcpy(out, src + from, n);
		out[n] = '\0';
		for (i = 0; i < n; i++) {
			if (rng_below(5) == 0 && out[i] >= 'a' &&
			    out[i] <= 'z')
				out[i] = (char)(out[i] - 'a' + 'A');
			else if (rng_below(9) == 0)
				out[i] = rng_below(2) ? '?' : '*';
		}
		if (rng_below(3) == 0 && n + 1 < cap) {
			memmove(out + 1, out, n + 1);
			out[0] = '*';
		}
		break;
	default:
		random_name(out, cap);
	}
}

static void
test_against_model(void **state)
{
	static const struct pair *want[PAIRS_MAX];
	struct nameidx *x = nameidx_new();
	struct nameidx_hit h[HITS_MAX];
	struct nameidx_stats st;
	char pat[64], name[48], ag[16], an[48];
	int scope[NGROUPS], more;
	unsigned round, q, walked = 0, lists = 0, found = 0;
	size_t i, n, w, max, got, at;

	(void)state;
	rng_seed(77);
	npairs = 0;
	for (round = 0; round < 100; round++) {
		/* Names come in bunches, some groups much bigger. */
		n = rng_below(60);
		for (i = 0; i < n; i++) {
			random_name(name, sizeof(name));
			model_add(x, groups[rng_below(3) == 0 ?
			    rng_below(NGROUPS) : rng_below(3)], name);
		}
		for (q = 0; q < 25; q++) {
			nameidx_scope_begin(x);
			for (i = 0; i < NGROUPS; i++) {
				scope[i] = rng_below(3) != 0;
				if (scope[i])
					nameidx_scope_add(x, groups[i]);
			}
			random_pattern(pat, sizeof(pat));
			ag[0] = an[0] = '\0';
			if (npairs > 0 && rng_below(3) == 0) {
				const struct pair *p =
				    &pairs[rng_below((uint32_t)npairs)];

				snprintf(ag, sizeof(ag), "%s", p->group);
				snprintf(an, sizeof(an), "%s", p->name);
				if (rng_below(4) == 0)	/* not a pair */
					an[0] = rng_below(2) ? '\x01' : '~';
			}
			max = rng_below(2) ? 1 + rng_below(5) : HITS_MAX;
			w = model_search(scope, pat, ag, an, want);
			got = nameidx_search(x, pat, ag, an, h, max, &more);
			nameidx_stats(x, &st);
			if (got != (w < max ? w : max) || more != (w > max))
				fail_msg("[%s] after (%s, %s) max %zu: %zu "
				    "hits more %d, model %zu", pat, ag, an,
				    max, got, more, w);
			for (i = 0; i < got; i++)
				if (strcmp(h[i].group, want[i]->group) != 0 ||
				    strcmp(h[i].name, want[i]->name) != 0)
					fail_msg("[%s] hit %zu: %s/%s, model "
					    "%s/%s", pat, i, h[i].group,
					    h[i].name, want[i]->group,
					    want[i]->name);
			walked += st.walked;
			lists += !st.walked && got > 0;
			found += got > 0;
			/* Paging from the start, two at a time: all. */
			w = model_search(scope, pat, "", "", want);
			ag[0] = an[0] = '\0';
			at = 0;
			do {
				got = nameidx_search(x, pat, ag, an, h, 2,
				    &more);
				for (i = 0; i < got; i++, at++) {
					assert_true(at < w);
					assert_string_equal(h[i].name,
					    want[at]->name);
					assert_string_equal(h[i].group,
					    want[at]->group);
				}
				if (got > 0) {
					snprintf(ag, sizeof(ag), "%s",
					    h[got - 1].group);
					snprintf(an, sizeof(an), "%s",
					    h[got - 1].name);
				}
			} while (more);
			assert_int_equal(at, w);
		}
	}
	print_message("%zu names; %u searches walked, %u found hits by "
	    "trigrams, %u found any\n", npairs, walked, lists, found);
	assert_true(walked > 100);
	assert_true(lists > 100);
	assert_true(found > 500);
	nameidx_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_hand),
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
