/*
 * test_rate.c - the token bucket: no limit, start empty, the burst cap,
 * a greedy sender held to the rate over 10 s at every rate tried, waits
 * that are long enough and not much longer, and the rate syntax.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rate.h"

static void
test_no_limit(void **state)
{
	struct rate r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_true(rate_allow(&r, 5) == SIZE_MAX);
	rate_spend(&r, 1000000);
	assert_true(rate_allow(&r, 6) == SIZE_MAX);
	assert_int_equal(rate_wait(&r, 1 << 20), 0);
}

static void
test_burst(void **state)
{
	struct rate r;

	(void)state;
	memset(&r, 0, sizeof(r));
	rate_set(&r, 1000000, 1000);
	assert_int_equal(rate_allow(&r, 1000), 0);	/* starts empty */
	assert_int_equal(rate_allow(&r, 1010), 10000);
	/* Idle for long: one burst (100 ms of the rate), no more. */
	assert_int_equal(rate_allow(&r, 60000), 100000);
	rate_spend(&r, 100000);
	assert_int_equal(rate_allow(&r, 60000), 0);
	/* A slow rate still lets a minimal write through in time. */
	rate_set(&r, 10, 0);
	assert_int_equal(rate_allow(&r, 1000000), RATE_BURST_MIN);
	/* Off, then on again: empty again. */
	rate_set(&r, 0, 0);
	rate_set(&r, 5000, 100);
	assert_int_equal(rate_allow(&r, 100), 0);
}

/*
 * A sender that takes every token as soon as it is there (at most 64 KiB
 * or 20 ms of the rate a step, every 1-7 ms): over 10 s, within 1% of the rate (plus the
 * burst), and never over rate * t + burst at any moment.
 */
static void
test_greedy(void **state)
{
	static const uint64_t rates[] = { 1000, 64000, 250000, 2500000,
	    25000000, 400000000 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct rate r;
		uint64_t now = 0, sent = 0, burst, bps = rates[i];
		unsigned step = 0;

		memset(&r, 0, sizeof(r));
		rate_set(&r, bps, 0);
		burst = bps / 10 > RATE_BURST_MIN ? bps / 10 : RATE_BURST_MIN;
		while (now < 10000) {
			size_t a = rate_allow(&r, now);

			if (a > 65536 && a > bps / 50)
				a = 65536 > bps / 50 ? 65536 : bps / 50;
			rate_spend(&r, a);
			sent += a;
			assert_true(sent <= bps * now / 1000 + burst);
			now += 1 + (step++ * 7919) % 7;
		}
		assert_true(sent + bps / 100 + RATE_BURST_MIN >= bps * 10);
	}
}

static void
test_wait(void **state)
{
	struct rate r;
	uint64_t w;

	(void)state;
	memset(&r, 0, sizeof(r));
	rate_set(&r, 100000, 0);
	assert_int_equal(rate_allow(&r, 0), 0);
	w = rate_wait(&r, 5000);
	assert_int_equal(w, 50);
	assert_true(rate_allow(&r, w) >= 5000);
	assert_true(rate_allow(&r, w - 1 + 0) >= 5000);	/* refilled at w */
	rate_spend(&r, rate_allow(&r, w));
	/* More than a bucket holds: a full bucket away, no longer. */
	assert_int_equal(rate_wait(&r, 1 << 24), 100);
	assert_int_equal(rate_wait(&r, 0), 0);
}

static void
test_parse_format(void **state)
{
	static const struct { const char *s; int rc; uint64_t v; } c[] = {
		{ "off", 0, 0 }, { "0", 0, 0 }, { "512", 0, 512 },
		{ "800k", 0, 800000 }, { "800K", 0, 800000 },
		{ "2.5M", 0, 2500000 }, { "1m", 0, 1000000 },
		{ "0.5k", 0, 500 }, { "1000000M", 0, 1000000000000ULL },
		{ "", -1, 0 }, { "k", -1, 0 }, { "-5", -1, 0 },
		{ " 5", -1, 0 }, { "5 k", -1, 0 }, { "5kb", -1, 0 },
		{ "1e6", -1, 0 }, { "0x10", -1, 0 }, { "inf", -1, 0 },
		{ "nan", -1, 0 }, { "1000001M", -1, 0 }, { "5G", -1, 0 },
		{ "1.2.3", -1, 0 }, { "Off", -1, 0 },
	};
	char buf[32];
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = 12345;
		assert_int_equal(rate_parse(c[i].s, &v), c[i].rc);
		if (c[i].rc == 0)
			assert_true(v == c[i].v);
	}
	rate_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "off");
	rate_format(2500000, buf, sizeof(buf));
	assert_string_equal(buf, "2.5 MB/s");
	rate_format(800000, buf, sizeof(buf));
	assert_string_equal(buf, "800 kB/s");
	rate_format(512, buf, sizeof(buf));
	assert_string_equal(buf, "512 B/s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limit),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_greedy),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_parse_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
