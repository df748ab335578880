/*
 * folder_rules.c - a synced folder's rules, pure (see folder_rules.h).
 */
#include "folder_rules.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"

int
folder_candidate(const char *name)
{
	size_t n = strlen(name), k = strlen(FOLDER_PART_SUFFIX);

	if (!parse_filename(name) || strcmp(name, FOLDER_STAGE) == 0)
		return 0;
	return n <= k || strcmp(name + n - k, FOLDER_PART_SUFFIX) != 0;
}

int
folder_stable(uint64_t changed_ms, uint64_t now_ms, int closed)
{
	if (now_ms < changed_ms)
		return 0;
	return now_ms - changed_ms >= (closed ? FOLDER_SETTLE_MS :
	    FOLDER_QUIET_MS);
}

int
folder_poll_due(struct folder_poll *p, uint64_t now_ms, int notice)
{
	if (p->asking) {
		p->again |= notice;
		return 0;
	}
	if (p->asked && !notice && now_ms - p->last < FOLDER_POLL_MS)
		return 0;
	p->asked = p->asking = 1;
	p->again = 0;
	p->last = now_ms;
	return 1;
}

int
folder_poll_done(struct folder_poll *p)
{
	int again = p->again;

	p->asking = p->again = 0;
	return again;
}

int
folder_conflict_name(const char *name, time_t t, const uint8_t sha1[20],
    char *out, size_t outlen)
{
	char mid[64], stamp[32];
	const char *dot = strrchr(name, '.');
	size_t stem, ext, room;
	struct tm tm;

	if (outlen < NAME_MAX_LEN + 1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
		return -1;
	snprintf(mid, sizeof(mid), ".sync-conflict-%s-%02x%02x%02x%x", stamp,
	    sha1[0], sha1[1], sha1[2], sha1[3] >> 4);
	if (dot == NULL || dot == name)
		dot = name + strlen(name);
	stem = (size_t)(dot - name);
	ext = strlen(dot);
	/* The extension too, if the name is all extension beyond room. */
	if (strlen(mid) + ext > NAME_MAX_LEN / 2) {
		stem += ext;
		ext = 0;
		dot = name + stem;
	}
	room = NAME_MAX_LEN - strlen(mid) - ext;
	if (stem > room) {
		stem = room;
		/* Not inside a UTF-8 sequence: back to its lead byte. */
		while (stem > 0 && ((unsigned char)name[stem] & 0xc0) == 0x80)
			stem--;
	}
	if (stem == 0)
		return -1;
	snprintf(out, outlen, "%.*s%s%s", (int)stem, name, mid, dot);
	return 0;
}

static int
same(const uint8_t *a, const uint8_t *b)
{
	return a != NULL && b != NULL && memcmp(a, b, 20) == 0;
}

enum folder_act
folder_decide(const struct folder_view *v)
{
	if (v->local == NULL) {
		if (v->group == NULL || same(v->gone, v->group))
			return FA_NONE;
		return FA_FETCH;
	}
	if (v->group == NULL)
		return FA_PUSH;
	if (same(v->local, v->group))
		return same(v->base, v->local) ? FA_NONE : FA_ADOPT;
	/* Both have a file of that name, different. */
	if (v->base == NULL)
		return FA_CONFLICT;
	if (!same(v->local, v->base))
		return same(v->group, v->base) ? FA_PUSH : FA_CONFLICT;
	/* Unchanged here since we agreed; the group moved on. */
	if (v->authored && !same(v->parent, v->local))
		return FA_CONFLICT;
	return FA_FETCH;
}
