/*
 * nameidx.c - the in-memory index of file names (see nameidx.h).
 *
 * Names, groups and posting lists live in growable arrays addressed by
 * id (a name's id is its place in files[], given in order of addition,
 * so posting lists stay sorted by appending).  Three open-addressing
 * tables (id + 1 in each slot, 0 free, linear probing, at most half
 * full) find a group by name, a (group, name) pair, and a trigram's
 * posting list.  Strings never move once added, so hits can point at
 * them.  Nothing is ever removed: see nameidx.h for why that is safe.
 *
 * Owns every byte it holds; never calls out (no I/O, no clock).
 */
#include "nameidx.h"

#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "parse.h"
#include "xalloc.h"

#define NONE	UINT32_MAX

struct nx_file {
	char		*name;		/* name, NUL, folded name, NUL */
	uint32_t	 group;
	uint32_t	 len;
};

struct nx_group {
	char		*name;
	uint32_t	*ids;		/* its names: [0, nsorted) by name */
	uint32_t	 n, cap, nsorted;
	uint32_t	 qgen;		/* == the index's: in the scope */
	uint32_t	 rank;		/* then: its place in the scope */
};

struct nx_post {
	uint32_t	 key;		/* trigram + 1; 0: a free slot */
	uint32_t	 n, cap;
	uint32_t	*ids;		/* ascending */
};

struct cand;

struct nx_table {
	uint32_t	*slot;		/* id + 1; 0: free */
	uint32_t	 cap, used;	/* cap: a power of two */
};

struct nameidx {
	struct nx_file	*files;
	uint32_t	 nfiles, fcap;
	struct nx_group	*groups;
	uint32_t	 ngroups, gcap;
	struct nx_table	 gtab, ftab;
	struct nx_post	*post;
	uint32_t	 pcap, pused;
	uint32_t	 qgen;
	uint32_t	*scope;		/* group ids, by name once sorted */
	uint32_t	 nscope, scap;
	int		 scope_sorted;
	uint32_t	*tmp;		/* scratch for merges */
	size_t		 tcap;
	struct cand	*cand;		/* the trigram way's heap */
	size_t		 ccap;
	struct nameidx_stats st;
};

static const char *
fold_of(const struct nx_file *f)
{
	return f->name + f->len + 1;
}

static uint32_t
hash_str(const char *s, uint32_t h)
{
	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;	/* FNV-1a */
	return h;
}

static uint32_t
hash_group(const struct nameidx *x, uint32_t id)
{
	return hash_str(x->groups[id].name, 2166136261u);
}

static uint32_t
hash_pair(uint32_t group, const char *name)
{
	return hash_str(name, 2166136261u ^ (group * 2654435761u));
}

static uint32_t
hash_file(const struct nameidx *x, uint32_t id)
{
	return hash_pair(x->files[id].group, x->files[id].name);
}

static uint32_t
hash_key(uint32_t key)
{
	return (key * 2654435761u) ^ (key >> 15);
}

static void
table_put(struct nx_table *t, uint32_t h, uint32_t id)
{
	uint32_t i = h & (t->cap - 1);

	while (t->slot[i] != 0)
		i = (i + 1) & (t->cap - 1);
	t->slot[i] = id + 1;
	t->used++;
}

/* Room for one more entry, rehashing with hash() if half full. */
static void
table_room(struct nameidx *x, struct nx_table *t,
    uint32_t (*hash)(const struct nameidx *, uint32_t))
{
	uint32_t *old = t->slot, ocap = t->cap, i;

	if (t->cap != 0 && (t->used + 1) * 2 <= t->cap)
		return;
	t->cap = ocap ? ocap * 2 : 64;
	t->slot = xcalloc(t->cap, sizeof(*t->slot));
	t->used = 0;
	for (i = 0; i < ocap; i++)
		if (old[i] != 0)
			table_put(t, hash(x, old[i] - 1), old[i] - 1);
	free(old);
}

static uint32_t
group_find(const struct nameidx *x, const char *name)
{
	uint32_t i;

	if (x->gtab.cap == 0)
		return NONE;
	for (i = hash_str(name, 2166136261u) & (x->gtab.cap - 1);
	    x->gtab.slot[i] != 0; i = (i + 1) & (x->gtab.cap - 1))
		if (strcmp(x->groups[x->gtab.slot[i] - 1].name, name) == 0)
			return x->gtab.slot[i] - 1;
	return NONE;
}

static uint32_t
file_find(const struct nameidx *x, uint32_t group, const char *name)
{
	const struct nx_file *f;
	uint32_t i;

	if (x->ftab.cap == 0)
		return NONE;
	for (i = hash_pair(group, name) & (x->ftab.cap - 1);
	    x->ftab.slot[i] != 0; i = (i + 1) & (x->ftab.cap - 1)) {
		f = &x->files[x->ftab.slot[i] - 1];
		if (f->group == group && strcmp(f->name, name) == 0)
			return x->ftab.slot[i] - 1;
	}
	return NONE;
}

/* The posting list of a trigram, made if add; NULL if none. */
static struct nx_post *
post_get(struct nameidx *x, uint32_t tri, int add)
{
	struct nx_post *old = x->post;
	uint32_t key = tri + 1, ocap = x->pcap, i, j;

	if (add && (x->pcap == 0 || (x->pused + 1) * 2 > x->pcap)) {
		x->pcap = ocap ? ocap * 2 : 1024;
		x->post = xcalloc(x->pcap, sizeof(*x->post));
		for (i = 0; i < ocap; i++) {
			if (old[i].key == 0)
				continue;
			j = hash_key(old[i].key) & (x->pcap - 1);
			while (x->post[j].key != 0)
				j = (j + 1) & (x->pcap - 1);
			x->post[j] = old[i];
		}
		free(old);
	}
	if (x->pcap == 0)
		return NULL;
	for (i = hash_key(key) & (x->pcap - 1); x->post[i].key != 0;
	    i = (i + 1) & (x->pcap - 1))
		if (x->post[i].key == key)
			return &x->post[i];
	if (!add)
		return NULL;
	x->post[i].key = key;
	x->pused++;
	return &x->post[i];
}

static uint32_t
trigram(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	return (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
}

struct nameidx *
nameidx_new(void)
{
	return xcalloc(1, sizeof(struct nameidx));
}

void
nameidx_free(struct nameidx *x)
{
	uint32_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nfiles; i++)
		free(x->files[i].name);
	for (i = 0; i < x->ngroups; i++) {
		free(x->groups[i].name);
		free(x->groups[i].ids);
	}
	for (i = 0; i < x->pcap; i++)
		free(x->post[i].ids);
	free(x->files);
	free(x->groups);
	free(x->gtab.slot);
	free(x->ftab.slot);
	free(x->post);
	free(x->scope);
	free(x->tmp);
	free(x->cand);
	free(x);
}

size_t
nameidx_count(const struct nameidx *x)
{
	return x->nfiles;
}

static uint32_t
group_add(struct nameidx *x, const char *name)
{
	uint32_t g = group_find(x, name);

	if (g != NONE)
		return g;
	if (x->ngroups == x->gcap) {
		x->gcap = x->gcap ? x->gcap * 2 : 64;
		x->groups = xreallocarray(x->groups, x->gcap,
		    sizeof(*x->groups));
	}
	g = x->ngroups++;
	memset(&x->groups[g], 0, sizeof(x->groups[g]));
	x->groups[g].name = xstrdup(name);
	table_room(x, &x->gtab, hash_group);
	table_put(&x->gtab, hash_group(x, g), g);
	return g;
}

static void
ids_push(uint32_t **ids, uint32_t *n, uint32_t *cap, uint32_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*ids = xreallocarray(*ids, *cap, sizeof(**ids));
	}
	(*ids)[(*n)++] = id;
}

void
nameidx_add(struct nameidx *x, const char *group, const char *name)
{
	struct nx_group *gp;
	struct nx_post *p;
	struct nx_file *f;
	uint32_t g, id, i;
	size_t len = strlen(name);
	char *fold;

	/* No client could have uploaded it, nor a reply carry it. */
	if (!parse_filename(name))
		return;
	g = group_add(x, group);
	if (file_find(x, g, name) != NONE || x->nfiles == NONE - 1)
		return;
	if (x->nfiles == x->fcap) {
		x->fcap = x->fcap ? x->fcap * 2 : 1024;
		x->files = xreallocarray(x->files, x->fcap, sizeof(*x->files));
	}
	id = x->nfiles++;
	f = &x->files[id];
	f->name = xmalloc(2 * len + 2);
	f->group = g;
	f->len = (uint32_t)len;
	memcpy(f->name, name, len + 1);
	fold = f->name + len + 1;
	for (i = 0; i <= len; i++)
		fold[i] = (char)match_fold((unsigned char)name[i]);
	table_room(x, &x->ftab, hash_file);
	table_put(&x->ftab, hash_file(x, id), id);
	gp = &x->groups[g];
	ids_push(&gp->ids, &gp->n, &gp->cap, id);
	for (i = 0; i + 3 <= len; i++) {
		p = post_get(x, trigram(fold + i), 1);
		/* A trigram twice in one name: listed once. */
		if (p->n == 0 || p->ids[p->n - 1] != id)
			ids_push(&p->ids, &p->n, &p->cap, id);
	}
}

void
nameidx_scope_begin(struct nameidx *x)
{
	uint32_t g;

	/* After 2^32 searches: no group may look chosen by an old one. */
	if (++x->qgen == 0) {
		for (g = 0; g < x->ngroups; g++)
			x->groups[g].qgen = 0;
		x->qgen = 1;
	}
	x->nscope = 0;
	x->scope_sorted = 0;
}

void
nameidx_scope_add(struct nameidx *x, const char *group)
{
	uint32_t g = group_find(x, group);

	if (g == NONE || x->groups[g].qgen == x->qgen)
		return;
	x->groups[g].qgen = x->qgen;
	ids_push(&x->scope, &x->nscope, &x->scap, g);
	x->scope_sorted = 0;
}

static int
cmp_group(const void *a, const void *b, void *arg)
{
	const struct nameidx *x = arg;

	return strcmp(x->groups[*(const uint32_t *)a].name,
	    x->groups[*(const uint32_t *)b].name);
}

/* Names of one group, or by (scope rank, name) across groups. */
static int
cmp_file(const void *a, const void *b, void *arg)
{
	const struct nameidx *x = arg;
	const struct nx_file *fa = &x->files[*(const uint32_t *)a];
	const struct nx_file *fb = &x->files[*(const uint32_t *)b];
	uint32_t ra = x->groups[fa->group].rank, rb = x->groups[fb->group].rank;

	if (fa->group != fb->group && ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(fa->name, fb->name);
}

static uint32_t *
scratch(struct nameidx *x, size_t n)
{
	if (n > x->tcap) {
		x->tcap = n;
		x->tmp = xreallocarray(x->tmp, n, sizeof(*x->tmp));
	}
	return x->tmp;
}

/* Sort the group's unsorted tail and merge it into the sorted part. */
static void
group_sort(struct nameidx *x, struct nx_group *g)
{
	uint32_t *t, i, j, k;

	if (g->nsorted == g->n)
		return;
	qsort_r(g->ids + g->nsorted, g->n - g->nsorted, sizeof(*g->ids),
	    cmp_file, x);
	if (g->nsorted > 0) {
		t = scratch(x, g->n);
		for (i = 0, j = g->nsorted, k = 0; k < g->n; k++)
			t[k] = j == g->n || (i < g->nsorted &&
			    cmp_file(&g->ids[i], &g->ids[j], x) < 0) ?
			    g->ids[i++] : g->ids[j++];
		memcpy(g->ids, t, (size_t)g->n * sizeof(*t));
	}
	g->nsorted = g->n;
}

/* First place in the sorted group whose name is after name. */
static uint32_t
group_after(const struct nameidx *x, const struct nx_group *g,
    const char *name)
{
	uint32_t lo = 0, hi = g->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(x->files[g->ids[mid]].name, name) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A search's state: the folded pattern, where the cursor puts us (scope
 * rank r0; exact when after_group is in the scope, so its names count
 * only after after_name), and the page.
 */
struct query {
	char			 pat[MATCH_PATTERN_MAX + 1];
	const char		*lit;	/* the longest literal run */
	size_t			 litlen;
	uint32_t		 r0;
	int			 exact;
	const char		*after_name;
	struct nameidx_hit	*hits;
	size_t			 max, n;
	int			 more;
};

/*
 * Does s (n bytes) hold the run r (m >= 1 bytes)?  What memmem() does,
 * without its set-up, which costs more than the search on names this
 * short.
 */
static int
has_run(const char *s, size_t n, const char *r, size_t m)
{
	const char *p = s, *end;

	if (n < m)
		return 0;
	end = s + (n - m) + 1;
	while ((p = memchr(p, r[0], (size_t)(end - p))) != NULL) {
		if (memcmp(p + 1, r + 1, m - 1) == 0)
			return 1;
		p++;
	}
	return 0;
}

/*
 * Does the file match the pattern?  The walk first looks for the longest
 * literal run, which every match holds (the trigram way has checked
 * that already, as far as trigrams go).
 */
static int
take(struct nameidx *x, const struct query *q, const struct nx_file *f,
    int prefilter)
{
	const char *fold = fold_of(f);

	if (prefilter && q->litlen > 0 &&
	    !has_run(fold, f->len, q->lit, q->litlen))
		return 0;
	x->st.candidates++;
	return match_name(q->pat, fold);
}

/* Walk the scope's groups from the cursor on, in order. */
static void
walk(struct nameidx *x, struct query *q)
{
	struct nx_group *g;
	const struct nx_file *f;
	uint32_t r, j;

	x->st.walked = 1;
	for (r = q->r0; r < x->nscope; r++) {
		g = &x->groups[x->scope[r]];
		group_sort(x, g);
		j = r == q->r0 && q->exact ? group_after(x, g, q->after_name) : 0;
		for (; j < g->n; j++) {
			f = &x->files[g->ids[j]];
			if (!take(x, q, f, 1))
				continue;
			if (q->n == q->max) {
				q->more = 1;
				return;
			}
			q->hits[q->n].group = g->name;
			q->hits[q->n].name = f->name;
			q->n++;
		}
	}
}

/*
 * A candidate of the trigram way: its group's place in the scope and its
 * name beside its id, so that ordering them reads nothing else.
 */
struct cand {
	uint32_t	 rank, id;
	const char	*name;
};

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *ca = a, *cb = b;

	if (ca->rank != cb->rank)
		return ca->rank < cb->rank ? -1 : 1;
	return strcmp(ca->name, cb->name);
}

/* A max-heap of candidates, at most cap: the smallest stay. */
struct heap {
	struct cand	*v;
	size_t		 n, cap;
};

static void
heap_offer(struct heap *h, const struct cand *c)
{
	size_t i, k;

	if (h->n < h->cap) {
		for (i = h->n++; i > 0 && cmp_cand(&h->v[(i - 1) / 2], c) < 0;
		    i = (i - 1) / 2)
			h->v[i] = h->v[(i - 1) / 2];
		h->v[i] = *c;
		return;
	}
	if (cmp_cand(c, &h->v[0]) >= 0)
		return;
	for (i = 0; (k = 2 * i + 1) < h->n; i = k) {
		if (k + 1 < h->n && cmp_cand(&h->v[k + 1], &h->v[k]) > 0)
			k++;
		if (cmp_cand(&h->v[k], c) <= 0)
			break;
		h->v[i] = h->v[k];
	}
	h->v[i] = *c;
}

/*
 * First place at or after i in p holding an id >= id: galloping from i
 * (the next one is usually near), then halving.
 */
static uint32_t
post_seek(const struct nx_post *p, uint32_t i, uint32_t id)
{
	uint32_t lo = i, hi, mid, step = 1;

	while (step < p->n - lo && p->ids[lo + step] < id) {
		lo += step;
		step *= 2;
	}
	hi = step < p->n - lo ? lo + step : p->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define KEYS_MAX	3	/* posting lists intersected */

/*
 * The shortest lists' ids, intersected, checked; the max + 1 first in
 * (rank, name) order kept on a heap, then sorted.
 */
static void
by_trigrams(struct nameidx *x, struct query *q, struct nx_post **keys,
    size_t nkeys)
{
	const struct nx_post *d = keys[0];
	const struct nx_file *f;
	const struct nx_group *g;
	uint32_t at[KEYS_MAX] = { 0 }, i, id;
	struct heap h;
	struct cand c;
	size_t k;

	if (q->max + 1 > x->ccap) {
		x->ccap = q->max + 1;
		x->cand = xreallocarray(x->cand, x->ccap, sizeof(*x->cand));
	}
	h.v = x->cand;
	h.n = 0;
	h.cap = q->max + 1;
	for (i = 0; i < d->n; i++) {
		id = d->ids[i];
		for (k = 1; k < nkeys; k++) {
			at[k] = post_seek(keys[k], at[k], id);
			if (at[k] == keys[k]->n)
				goto done;	/* no id beyond: none left */
			if (keys[k]->ids[at[k]] != id)
				break;
		}
		if (k < nkeys)
			continue;
		f = &x->files[id];
		g = &x->groups[f->group];
		if (g->qgen != x->qgen || g->rank < q->r0 || (q->exact &&
		    g->rank == q->r0 && strcmp(f->name, q->after_name) <= 0))
			continue;
		if (!take(x, q, f, 0))
			continue;
		c.rank = g->rank;
		c.id = id;
		c.name = f->name;
		heap_offer(&h, &c);
	}
done:
	qsort(h.v, h.n, sizeof(*h.v), cmp_cand);
	q->more = h.n > q->max;
	for (q->n = 0; q->n < h.n && q->n < q->max; q->n++) {
		f = &x->files[h.v[q->n].id];
		q->hits[q->n].group = x->groups[f->group].name;
		q->hits[q->n].name = f->name;
	}
}

/*
 * The shortest posting lists of the trigrams of the pattern's literal
 * runs, shortest first, each once, into keys (at most KEYS_MAX); their
 * number, or -1 when one is missing (nothing can match).  Also the
 * longest run.
 */
static int
pattern_keys(struct nameidx *x, struct query *q, struct nx_post **keys)
{
	struct nx_post *p;
	size_t n = 0, i, j, k, run, len = strlen(q->pat);

	q->litlen = 0;
	for (i = 0; i < len; i += run + 1) {
		run = strcspn(q->pat + i, "*?");
		if (run > q->litlen) {
			q->lit = q->pat + i;
			q->litlen = run;
		}
		for (j = 0; j + 3 <= run; j++) {
			if ((p = post_get(x, trigram(q->pat + i + j), 0)) ==
			    NULL)
				return -1;
			/* Into the sorted few, unless there already. */
			for (k = 0; k < n && keys[k] != p; k++)
				;
			if (k < n)
				continue;
			for (k = n; k > 0 && keys[k - 1]->n > p->n; k--)
				if (k < KEYS_MAX)
					keys[k] = keys[k - 1];
			if (k < KEYS_MAX)
				keys[k] = p;
			if (n < KEYS_MAX)
				n++;
		}
	}
	return (int)n;
}

size_t
nameidx_search(struct nameidx *x, const char *pat, const char *after_group,
    const char *after_name, struct nameidx_hit *hits, size_t max, int *more)
{
	struct nx_post *keys[KEYS_MAX];
	struct query q;
	uint64_t total = 0, d = 0, walk_est = 0;
	size_t len = strlen(pat), i;
	uint32_t r;
	int nkeys;

	memset(&x->st, 0, sizeof(x->st));
	*more = 0;
	if (len > MATCH_PATTERN_MAX || max == 0)
		return 0;
	memset(&q, 0, sizeof(q));
	for (i = 0; i <= len; i++)
		q.pat[i] = (char)match_fold((unsigned char)pat[i]);
	q.hits = hits;
	q.max = max;
	q.after_name = after_name;
	if (!x->scope_sorted && x->nscope > 0) {
		qsort_r(x->scope, x->nscope, sizeof(*x->scope), cmp_group, x);
		for (r = 0; r < x->nscope; r++)
			x->groups[x->scope[r]].rank = r;
		x->scope_sorted = 1;
	}
	if (after_group[0] != '\0') {
		while (q.r0 < x->nscope && strcmp(x->groups[x->scope[q.r0]].name,
		    after_group) < 0)
			q.r0++;
		q.exact = q.r0 < x->nscope &&
		    strcmp(x->groups[x->scope[q.r0]].name, after_group) == 0;
	}
	if ((nkeys = pattern_keys(x, &q, keys)) == -1)
		return 0;
	for (r = q.r0; r < x->nscope; r++)
		total += x->groups[x->scope[r]].n;
	/*
	 * A walk stops once a page is full: were matches as dense as the
	 * shortest list's names, it would look at (max + 1) * total / d
	 * names.  Each costs about half what a name of the lists does
	 * (measured: scattered reads, the other lists' seeks, the heap), so
	 * the walk is chosen when that is under twice the list.  Matches
	 * rarer than the list make the walk longer, up to the whole scope:
	 * the bound of every search.
	 */
	if (nkeys > 0) {
		d = keys[0]->n;
		walk_est = d == 0 ? 0 : ((uint64_t)max + 1) * total / d;
	}
	if (nkeys == 0 || (walk_est < total ? walk_est : total) <= 2 * d)
		walk(x, &q);
	else
		by_trigrams(x, &q, keys, (size_t)nkeys);
	*more = q.more;
	return q.n;
}

void
nameidx_stats(const struct nameidx *x, struct nameidx_stats *st)
{
	*st = x->st;
}
