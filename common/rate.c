/*
 * rate.c - a token bucket (see rate.h).
 */
#include "rate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most a bucket holds, in byte-ms. */
static uint64_t
cap(const struct rate *r)
{
	uint64_t burst = r->bps * RATE_BURST_MS / 1000;

	if (burst < RATE_BURST_MIN)
		burst = RATE_BURST_MIN;
	return burst * 1000;
}

static void
refill(struct rate *r, uint64_t now)
{
	uint64_t dt = now > r->last ? now - r->last : 0, c = cap(r);

	r->last = now;
	/* No overflow: dt is capped where it could fill the bucket anyway. */
	if (dt < c / r->bps + 1)
		r->milli += r->bps * dt;
	if (dt >= c / r->bps + 1 || r->milli > c)
		r->milli = c;
}

void
rate_set(struct rate *r, uint64_t bps, uint64_t now)
{
	if (bps > UINT64_MAX / 1000000)
		bps = UINT64_MAX / 1000000;
	if (r->bps == 0)
		r->milli = 0;
	r->bps = bps;
	r->last = now;
	if (bps != 0 && r->milli > cap(r))
		r->milli = cap(r);
}

size_t
rate_allow(struct rate *r, uint64_t now)
{
	if (r->bps == 0)
		return SIZE_MAX;
	refill(r, now);
	return (size_t)(r->milli / 1000);
}

void
rate_spend(struct rate *r, size_t n)
{
	uint64_t m = (uint64_t)n * 1000;

	if (r->bps == 0)
		return;
	r->milli = m >= r->milli ? 0 : r->milli - m;
}

uint64_t
rate_wait(const struct rate *r, size_t want)
{
	uint64_t need = (uint64_t)want * 1000, c;

	if (r->bps == 0 || r->milli >= need)
		return 0;
	c = cap(r);
	if (need > c)
		need = c;	/* never more than a full bucket away */
	return (need - r->milli + r->bps - 1) / r->bps;
}

int
rate_parse(const char *s, uint64_t *bps)
{
	double v, mul = 1;
	char *end;

	if (strcmp(s, "off") == 0) {
		*bps = 0;
		return 0;
	}
	/* Digits, at most one point, digits: no sign, space or exponent. */
	if (strspn(s, "0123456789.") == 0 || strchr(s, 'e') != NULL ||
	    strchr(s, 'E') != NULL || strchr(s, 'x') != NULL ||
	    strchr(s, 'X') != NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !(v >= 0))
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1e3, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1e6, end++;
	if (*end != '\0' || v * mul > 1e12)
		return -1;
	*bps = (uint64_t)(v * mul + 0.5);
	return 0;
}

void
rate_format(uint64_t bps, char *out, size_t len)
{
	if (bps == 0)
		snprintf(out, len, "off");
	else if (bps >= 1000000)
		snprintf(out, len, "%.3g MB/s", (double)bps / 1e6);
	else if (bps >= 1000)
		snprintf(out, len, "%.3g kB/s", (double)bps / 1e3);
	else
		snprintf(out, len, "%llu B/s", (unsigned long long)bps);
}
