/*
 * rate.h - a token bucket: how many bytes may move now under a rate.
 *
 * Pure (the caller passes the time, in ms).  Tokens are kept in
 * byte-milliseconds so no fraction is lost between refills.  The bucket
 * starts empty and holds at most RATE_BURST_MS of the rate (at least
 * RATE_BURST_MIN bytes), so over any window of W seconds at most
 * rate * W + burst bytes move.  A rate of 0 is no limit.
 */
#ifndef RATE_H
#define RATE_H

#include <stddef.h>
#include <stdint.h>

#define RATE_BURST_MS	100
#define RATE_BURST_MIN	4096

struct rate {
	uint64_t	 bps;		/* bytes per second; 0: no limit */
	uint64_t	 milli;		/* tokens, in byte-ms */
	uint64_t	 last;		/* ms of the last refill */
};

/* Set the rate (0: off); the tokens held are kept, up to the new burst. */
void	 rate_set(struct rate *, uint64_t bps, uint64_t now);
/* Bytes that may move now (SIZE_MAX with no limit). */
size_t	 rate_allow(struct rate *, uint64_t now);
/* n bytes moved (at most what rate_allow() said). */
void	 rate_spend(struct rate *, size_t n);
/* Milliseconds until want bytes may move (0: now), at least 1 if not. */
uint64_t rate_wait(const struct rate *, size_t want);
/*
 * Parse "off", "0", or a number of bytes per second, a fraction allowed,
 * with an optional k or M (x 1,000 and x 1,000,000; K and m too): "512",
 * "800k", "2.5M".  At most 10^12.  0 (bps set, 0 for off) or -1.
 */
int	 rate_parse(const char *, uint64_t *bps);
/* "off", or the rate for people: "2.5 MB/s", "800 kB/s", "512 B/s". */
void	 rate_format(uint64_t bps, char *, size_t);

#endif
