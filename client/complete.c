/*
 * complete.c - what Tab offers on the shell's line (see complete.h).
 *
 * Pure: the lists are sorted arrays of copies, found by binary search;
 * nothing here reads a file, a socket or a clock.
 */
#include "complete.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

static const char *const directions[] = { "down", "up", NULL };
static const char *const rates[] = { "off", NULL };

/* Index of the first name >= s (n if none). */
static size_t
lower_bound(const struct complete_list *l, const char *s)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->v[mid], s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
list_free(struct complete_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
complete_list_reset(struct complete_list *l, uint64_t now)
{
	list_free(l);
	l->at = now;
}

void
complete_list_add(struct complete_list *l, const char *name)
{
	size_t i = lower_bound(l, name);

	if ((i < l->n && strcmp(l->v[i], name) == 0) ||
	    l->n >= COMPLETE_NAMES_MAX)
		return;
	/* Grown in steps of 64: the lists come one name at a time. */
	if (l->n % 64 == 0)
		l->v = xreallocarray(l->v, l->n + 64, sizeof(*l->v));
	memmove(l->v + i + 1, l->v + i, (l->n - i) * sizeof(*l->v));
	l->v[i] = xstrdup(name);
	l->n++;
}

void
complete_list_remove(struct complete_list *l, const char *name)
{
	size_t i = lower_bound(l, name);

	if (i == l->n || strcmp(l->v[i], name) != 0)
		return;
	free(l->v[i]);
	memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

void
complete_cache_clear(struct complete_cache *c)
{
	size_t i;

	list_free(&c->groups);
	for (i = 0; i < COMPLETE_GROUPS_MAX; i++) {
		list_free(&c->g[i].files);
		list_free(&c->g[i].requests);
	}
	memset(c, 0, sizeof(*c));
}

/* The slot of group, or -1. */
static int
slot_of(const struct complete_cache *c, const char *group)
{
	int i;

	for (i = 0; i < COMPLETE_GROUPS_MAX; i++)
		if (c->g[i].id[0] != '\0' && strcmp(c->g[i].id, group) == 0)
			return i;
	return -1;
}

struct complete_list *
complete_list_get(struct complete_cache *c, enum complete_which which,
    const char *group, int create, uint64_t now)
{
	int i, old = 0;

	if (which == COMPLETE_GROUPS)
		return &c->groups;
	if (group == NULL || !parse_id(group))
		return NULL;
	if ((i = slot_of(c, group)) == -1) {
		if (!create)
			return NULL;
		/* A free slot, else the one touched longest ago. */
		for (i = 0; i < COMPLETE_GROUPS_MAX; i++) {
			if (c->g[i].id[0] == '\0')
				break;
			if (c->g[i].touched < c->g[old].touched)
				old = i;
		}
		if (i == COMPLETE_GROUPS_MAX)
			i = old;
		list_free(&c->g[i].files);
		list_free(&c->g[i].requests);
		c->g[i].files.at = c->g[i].requests.at = 0;
		memcpy(c->g[i].id, group, strlen(group) + 1);
	}
	if (create)
		c->g[i].touched = now;
	return which == COMPLETE_FILES ? &c->g[i].files : &c->g[i].requests;
}

char *
complete_quote(const char *s, int in_quote)
{
	size_t n = 0, i;
	char *q, *p;

	if (!in_quote && s[strcspn(s, " \t\"")] == '\0')
		return xstrdup(s);
	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == '"' || s[i] == '\\' ? 2 : 1;
	p = q = xmalloc(n + 3);
	if (!in_quote)
		*p++ = '"';
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '"' || s[i] == '\\')
			*p++ = '\\';
		*p++ = s[i];
	}
	if (!in_quote)
		*p++ = '"';
	*p = '\0';
	return q;
}

static void
add(struct complete_result *out, const char *s, int in_quote)
{
	if (out->n % 64 == 0)
		out->v = xreallocarray(out->v, out->n + 64, sizeof(*out->v));
	out->v[out->n++] = complete_quote(s, in_quote);
}

/* The names of l that begin with text. */
static void
from_list(struct complete_result *out, const struct complete_list *l,
    const char *text, int in_quote)
{
	size_t i, n = strlen(text);

	if (l == NULL)
		return;
	for (i = lower_bound(l, text); i < l->n; i++) {
		if (strncmp(l->v[i], text, n) != 0)
			break;
		add(out, l->v[i], in_quote);
	}
}

static void
from_words(struct complete_result *out, const char *const *w,
    const char *text, int in_quote)
{
	size_t n = strlen(text);

	for (; *w != NULL; w++)
		if (strncmp(*w, text, n) == 0)
			add(out, *w, in_quote);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
from_commands(struct complete_result *out, const struct complete_cmd *cmds,
    const char *text)
{
	size_t n = strlen(text);

	for (; cmds->name != NULL; cmds++)
		if (strncasecmp(cmds->name, text, n) == 0)
			add(out, cmds->name, 0);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_names);
}

/* A list's words, or why it is worth fetching (set in out->need). */
static void
from_cache(struct complete_result *out, const struct complete_cache *c,
    enum complete_which which, const char *group, const char *text,
    int in_quote, uint64_t now)
{
	const struct complete_list *l = NULL;
	int i;

	if (which == COMPLETE_GROUPS) {
		l = &c->groups;
	} else if ((i = slot_of(c, group)) != -1) {
		l = which == COMPLETE_FILES ? &c->g[i].files :
		    &c->g[i].requests;
	}
	out->kind = COMPLETE_WORDS;
	from_list(out, l, text, in_quote);
	if (l == NULL || l->at == 0 || now - l->at > COMPLETE_STALE_MS) {
		out->need = 1 + (int)which;
		if (group != NULL)
			memcpy(out->group, group, strlen(group) + 1);
	}
}

void
complete_line(const struct complete_cmd *cmds, const struct complete_cache *c,
    const char *line, size_t start, const char *text, int in_quote,
    uint64_t now, struct complete_result *out)
{
	char before[LINE_MAX_LEN + 1], store[LINE_MAX_LEN + 1];
	char word[LINE_MAX_LEN + 1], *argv[WORDS_MAX];
	const struct complete_cmd *cmd;
	const char *why, *group = NULL;
	size_t len = strnlen(line, LINE_MAX_LEN + 1), o = 0;
	int argc, i;
	char k;

	memset(out, 0, sizeof(*out));
	if (start > len || len > LINE_MAX_LEN ||
	    strnlen(text, LINE_MAX_LEN + 1) > LINE_MAX_LEN)
		return;
	/* Inside quotes the shell reads \" and \\ as " and \. */
	for (; *text != '\0'; text++) {
		if (in_quote && text[0] == '\\' && (text[1] == '"' ||
		    text[1] == '\\'))
			text++;
		word[o++] = *text;
	}
	word[o] = '\0';
	text = word;
	memcpy(before, line, start);
	/* The opening quote of the word being completed is not a word. */
	if (in_quote && start > 0 && before[start - 1] == '"')
		start--;
	before[start] = '\0';
	argc = parse_words(before, store, sizeof(store), argv, WORDS_MAX, &why);
	if (argc == -1 || argc == WORDS_MAX || (argc > 0 &&
	    before[strspn(before, " \t")] == '#'))
		return;
	if (argc == 0) {
		out->kind = COMPLETE_WORDS;
		from_commands(out, cmds, text);
		return;
	}
	for (cmd = cmds; cmd->name != NULL; cmd++)
		if (strcasecmp(cmd->name, argv[0]) == 0)
			break;
	if (cmd->name == NULL)
		return;
	i = argc - 1;	/* the argument being completed, from 0 */
	k = '\0';
	if (i < (int)strlen(cmd->kinds))
		k = cmd->kinds[i];
	if (k == 'f' || k == 'r') {
		int j;

		for (j = i - 1; j >= 0 && cmd->kinds[j] != 'g'; j--)
			;
		if (j < 0 || !parse_id(argv[j + 1]))
			return;
		group = argv[j + 1];
	}
	switch (k) {
	case 'g':
		from_cache(out, c, COMPLETE_GROUPS, NULL, text, in_quote, now);
		return;
	case 'f':
		from_cache(out, c, COMPLETE_FILES, group, text, in_quote, now);
		return;
	case 'r':
		from_cache(out, c, COMPLETE_REQUESTS, group, text, in_quote,
		    now);
		return;
	case 'c':
		out->kind = COMPLETE_WORDS;
		from_commands(out, cmds, text);
		return;
	case 'p':
		out->kind = COMPLETE_PATH;
		return;
	case 'd':
		out->kind = COMPLETE_DIR;
		return;
	case 'l':
		out->kind = COMPLETE_WORDS;
		from_words(out, directions, text, in_quote);
		return;
	case 'o':
		out->kind = COMPLETE_WORDS;
		from_words(out, rates, text, in_quote);
		return;
	}
	if (cmd->word != NULL && i + 1 == (int)strlen(cmd->kinds)) {
		const char *w[] = { cmd->word, NULL };

		out->kind = COMPLETE_WORDS;
		from_words(out, w, text, in_quote);
	}
}

void
complete_result_free(struct complete_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}
