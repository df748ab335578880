/*
 * notify.h - notices to clients that follow a group (synced folders).
 *
 * A client's link subscribes groups (WT_SUBSCRIBE, members only); when a
 * group's files change here, by a request of this tracker's clients or by
 * an op from another tracker, each link that follows it gets WT_CHANGED
 * naming the group, and asks for the list itself (LIST_VERSIONS, which
 * checks membership as ever).  A notice carries nothing else.
 *
 * Notices are coalesced per group: the first change after a quiet spell
 * goes out at once (queued, so it leaves after the COMMIT like a reply),
 * later ones at most one per NOTIFY_GAP_MS.  A link follows at most
 * NOTIFY_SUBS_MAX groups (its client is not trusted); subscriptions last
 * as long as the link, and a client subscribes again on its next one.
 *
 * Owns its tables only; names links, never frees one.  Loop thread only.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct link;
struct tracker;

#define NOTIFY_SUBS_MAX	64	/* groups one link may follow */
#define NOTIFY_GAP_MS	100	/* a group's notices, at most one per */

struct notify;

struct notify	*notify_new(struct tracker *);
void		 notify_free(struct notify *);
/*
 * Link l (of user, a member: the caller checked) follows group: 0, or -1
 * when it follows NOTIFY_SUBS_MAX groups already.  Again: no change.
 */
int		 notify_subscribe(struct notify *, struct link *l,
		    const char *user, const char *group);
void		 notify_unsubscribe(struct notify *, struct link *,
		    const char *group);
/* l's connection closed: it follows nothing from now on. */
void		 notify_link_gone(struct notify *, struct link *);
/* The files of group changed (a request of a client here applied). */
void		 notify_group(struct notify *, const char *group);
/*
 * An op from another tracker was applied (op: a whole WT_OP_ frame, as
 * the sync channel carries it): a notice if it changes a group's files.
 */
void		 notify_op(struct notify *, const uint8_t *op, size_t len);

/*
 * The pacing of one group's notices (pure): at a change,
 * notify_gate_change() says NOTIFY_NOW (send now; counted as sent),
 * NOTIFY_LATER (send in *wait ms, then call notify_gate_fired()) or
 * NOTIFY_PENDING (one is already due: nothing to do).
 */
struct notify_gate {
	uint64_t	 last;		/* when the last notice went (ms) */
	int		 sent;		/* one went, ever */
	int		 pending;	/* one is due at last + gap */
};
enum notify_when { NOTIFY_NOW, NOTIFY_LATER, NOTIFY_PENDING };
enum notify_when notify_gate_change(struct notify_gate *, uint64_t now,
		    uint64_t *wait);
void		 notify_gate_fired(struct notify_gate *, uint64_t now);

#endif
