/*
 * tload.c - load generator for the tracker: figures, not pass/fail.
 *
 *	tload [options] load HOST:PORT [HOST2:PORT2]
 *	tload [options] fill HOST:PORT COUNT
 *
 * Opens many client connections to one tracker (T1), each saying HELLO,
 * creating its own user and logging in, then keeps every connection busy
 * with a window of pipelined requests.  It speaks the project's protocol
 * through common/: wire.c encodes and decodes, conn.c frames and batches
 * output, loop.c is the epoll loop.  One thread; nothing blocks.
 *
 * load: phases, one after the other, each bounded in time:
 *   prep     -g groups are created, so that LIST_GROUPS lists something;
 *   reads    -r seconds of LIST_GROUPS: replies per second, latency;
 *   own reads (with -F) each client creates a group of its own, then -r
 *            seconds of LIST_FILES of it: a read the tracker answers
 *            from the tables every time (session, membership, files),
 *            where LIST_GROUPS, the same for every client, is answered
 *            from the last list while nothing has changed;
 *   lag idle (with T2) -l probes one after the other, nothing else
 *            running: a probe creates a group on T1 and, from the moment
 *            T1 acknowledges it, a connection to T2 asks about that group
 *            (LIST_FILES answers "no such group" until the op arrived
 *            there, "not a member" after) until T2 knows it;
 *   paced    (with -R rate) -m seconds of CREATE_GROUP offered at rate
 *            per second in all, whatever the replies do: a 1 ms timer
 *            sends what is due, round robin over the connections, so
 *            each of 1000 carries rate/1000 a second.  This is the load
 *            the lag target is stated at; a probe every PACED_PROBE_MS
 *            beside it;
 *   mutations -m seconds of CREATE_GROUP with unique names, each
 *            committed on T1 before its acknowledgement, as fast as the
 *            windows allow (saturation), with a probe every
 *            PROBE_EVERY_MS beside them (lag under load), and
 *            one more sent as the window closes (drain: it waits on T1
 *            behind the requests in flight, so its lag is how long T2
 *            needs to apply what T1 sent once the load stops).
 * fill: COUNT CREATE_GROUPs as fast as the connections go, for the
 * catch-up figure (scripts/bench_tracker.sh restarts T2 afterwards).
 *
 * Lag is measured from the acknowledgement's arrival here to the arrival
 * of T2's first answer that shows the group, so it includes one round
 * trip to T2, and, under load, the time T2 takes to get to the question.
 *
 * Replies are counted when they arrive inside a phase's window; requests
 * still in flight at its end are drained, not counted, before the next
 * phase starts.  Results are plain lines on standard output; errors the
 * tracker answered are counted by code and the first of each is shown.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "parse.h"
#include "rbuf.h"
#include "tls.h"
#include "wire.h"
#include "xalloc.h"

#define WMAX		64		/* largest window per connection */
#define IN_MAX		(WIRE_HDR + 16 * 1024 * 1024)	/* a NAMES reply */
#define OUT_MAX		(1024 * 1024)
#define SETUP_MS	120000		/* connect, HELLO, user, login */
#define DRAIN_MS	60000		/* requests in flight at a phase end */
#define PROBE_MS	30000		/* one probe, until T2 shows it */
#define FILL_MS		600000
#define PROBES_MAX	4096		/* made and not yet seen on T2 */
#define PROBE_EVERY_MS	50		/* under load */
#define PACED_PROBE_MS	10		/* under paced load: 1000 in 10 s */
#define PACE_MS		1		/* the pacer's tick */
#define SAMPLES_MAX	(8u * 1024 * 1024)

enum cstate { CS_CONNECTING, CS_HELLO, CS_USER, CS_LOGIN, CS_READY };
enum role { R_LOAD, R_PROBE1, R_PROBE2 };
enum phase {
	PH_SETUP, PH_PREP, PH_READS, PH_PREP2, PH_READS2, PH_LAGIDLE, PH_PACED, PH_MUT, PH_FILL,
	PH_DONE
};

/*
 * One client connection.  sent[] and kind[] remember each request in
 * flight by id % WMAX: a connection never has more than its window (at
 * most WMAX) outstanding, so slots are free again when ids come round.
 */
struct client {
	struct conn	*c;
	unsigned	 idx;
	enum role	 role;
	enum cstate	 st;
	int		 failed;	/* counted in T.failed */
	char		 user[ID_MAX + 1];
	uint8_t		 token[WIRE_TOKEN_LEN];
	uint32_t	 next_id;
	unsigned	 inflight;
	uint64_t	 made;		/* groups this client named so far */
	uint64_t	 sent[WMAX];
	uint16_t	 kind[WMAX];
};

/* Latencies in microseconds; sorted when asked for a percentile. */
struct samples {
	uint32_t	*v;
	size_t		 n, cap;
	int		 sorted;
};

enum pbucket { PB_IDLE, PB_PACED, PB_LOAD, PB_TAIL };

struct probe {
	uint64_t	 sent, ack;	/* us */
	enum pbucket	 bucket;	/* which figure it counts in */
	int		 failed;	/* T1 refused it */
};

struct errcount {
	uint64_t	 n;
	char		 first[160];
};

struct counter {
	uint64_t	 ok;		/* answered as expected, in time */
	uint64_t	 late;		/* answered after the window closed */
	uint64_t	 errs;
	struct errcount	 byc[16];	/* by WT_ERROR code */
	struct samples	 lat;
};

static struct {
	struct loop	*loop;
	char		 host[2][HOST_MAX + 1];
	uint16_t	 port[2];
	int		 have_t2;
	int		 fill;
	int		 own_reads;	/* -F */
	unsigned	 nconns, window, groups, lag_idle;
	unsigned	 reads_s, mut_s;
	unsigned	 rate;		/* -R: paced mutations/s, 0 for none */
	uint64_t	 fill_count;
	const char	*prefix;

	struct client	*cl;		/* nconns load clients */
	struct client	 probe[2];	/* on T1 and on T2 */
	unsigned	 ready, failed, closed;
	char		 first_close[128];

	enum phase	 phase;
	int		 draining;	/* window closed: no new requests */
	uint64_t	 start_us, end_us;
	double		 cpu_start, cpu_end;	/* ours, in the window */
	uint64_t	 inflight;	/* load requests outstanding */
	uint64_t	 issued;	/* requests of the phase sent so far */
	struct loop_timer *deadline;
	const char	*deadline_what;

	struct counter	 reads, reads2, paced, muts, fill_c;
	double		 reads_secs, reads2_secs, paced_secs, muts_secs;
	double		 fill_secs;
	double		 reads_cpu, reads2_cpu, paced_cpu, muts_cpu;

	/* The pacer: requests due by now, sent, and where to send next. */
	unsigned	 rr;
	uint64_t	 paced_sent;
	uint64_t	 pace_behind;	/* most due and not yet sendable */

	/* Probes (see below): made, acknowledged by T1, seen on T2. */
	struct probe	 pr[PROBES_MAX];
	uint64_t	 nprobes, nacked, nseen;
	int		 polling;	/* a poll is in flight on T2 */
	uint64_t	 poll_sent;
	struct loop_timer *poll_wait;
	struct loop_timer *probe_next;	/* probe_tick's, one chain at a time */
	struct samples	 lag_idle_s, lag_paced_s, lag_load_s, ack_lat;
	struct samples	 paced_ack_lat, poll_rtt, paced_poll_rtt;
	uint64_t	 tail_lag;	/* us, 0 if not measured */
	uint64_t	 tail_ack;	/* its own wait for T1's ack */
	uint64_t	 lag_lost;	/* probes T2 never showed in time */
	int		 exit_code;
} T;

static void	phase_next(void);
static void	top_up(struct client *);
static void	probes_check(void);

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: tload [-c conns] [-w window] [-g groups] [-r read_s] "
	    "[-m mut_s] [-R rate] [-F]\n"
	    "             [-l idle_probes] [-p prefix] load HOST:PORT "
	    "[HOST2:PORT2]\n"
	    "       tload [-c conns] [-w window] [-p prefix] fill HOST:PORT "
	    "COUNT\n");
	exit(2);
}

/* Samples. */

static void
samples_add(struct samples *s, uint64_t us)
{
	if (s->n == SAMPLES_MAX)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	s->sorted = 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) in milliseconds, nearest rank. */
static double
samples_ms(struct samples *s, double p)
{
	size_t i;

	if (s->n == 0)
		return 0;
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
		s->sorted = 1;
	}
	i = (size_t)(p / 100.0 * (double)s->n);
	if (i >= s->n)
		i = s->n - 1;
	return s->v[i] / 1000.0;
}

/* Median of samples [from, to) in arrival order, in ms (unsorted s). */
static double
median_part(const struct samples *s, size_t from, size_t to)
{
	struct samples part;
	double m;

	if (to <= from)
		return 0;
	memset(&part, 0, sizeof(part));
	part.v = xreallocarray(NULL, to - from, sizeof(*part.v));
	memcpy(part.v, s->v + from, (to - from) * sizeof(*part.v));
	part.n = part.cap = to - from;
	m = samples_ms(&part, 50);
	free(part.v);
	return m;
}

static void
count_error(struct counter *k, const struct wire_msg *m)
{
	unsigned code = m->f[ERROR_CODE].u < 16 ?
	    (unsigned)m->f[ERROR_CODE].u : 0;

	k->errs++;
	if (k->byc[code].n++ == 0)
		snprintf(k->byc[code].first, sizeof(k->byc[code].first), "%s",
		    m->f[ERROR_MSG].s);
}

static void
print_errors(const char *what, const struct counter *k)
{
	unsigned i;

	for (i = 0; i < 16; i++)
		if (k->byc[i].n > 0)
			printf("  %s: %llu errors of code %u, first: %s\n",
			    what, (unsigned long long)k->byc[i].n, i,
			    k->byc[i].first);
}

/* Requests. */

static uint32_t
req_begin(struct client *cl, struct wire_enc *e, unsigned type)
{
	uint32_t id = ++cl->next_id;

	wire_begin(e, conn_out(cl->c), type, id);
	cl->sent[id % WMAX] = now_us();
	cl->kind[id % WMAX] = (uint16_t)type;
	return id;
}

static void
req_end(struct client *cl, struct wire_enc *e)
{
	if (wire_end(e) == -1)
		fatalx("%s: cannot encode a request", conn_name(cl->c));
	cl->inflight++;
	conn_flush(cl->c);
}

/* A request of type carrying the session token and maybe one id. */
static void
send_tok(struct client *cl, unsigned type, const char *id)
{
	struct wire_enc e;

	req_begin(cl, &e, type);
	wire_put_token(&e, cl->token);
	if (id != NULL)
		wire_put_id(&e, id);
	req_end(cl, &e);
}

/* The group a client makes for itself with -F. */
static void
own_group(const struct client *cl, char *g, size_t len)
{
	snprintf(g, len, "%so%u", T.prefix, cl->idx);
}

static void
send_create_group(struct client *cl, char tag)
{
	char g[ID_MAX + 1];

	snprintf(g, sizeof(g), "%s%c%u-%llu", T.prefix, tag, cl->idx,
	    (unsigned long long)cl->made++);
	send_tok(cl, WT_CREATE_GROUP, g);
}

/* Setup: HELLO, CREATE_USER, LOGIN. */

static void
send_user(struct client *cl, unsigned type)
{
	uint8_t tok[WIRE_TOKEN_LEN] = { 0 };
	uint32_t pid = (uint32_t)getpid();
	char peer[32];
	struct wire_enc e;

	req_begin(cl, &e, type);
	wire_put_id(&e, cl->user);
	wire_put_str(&e, "pw");
	if (type == WT_LOGIN) {
		snprintf(peer, sizeof(peer), "127.0.0.1:%u",
		    10000 + cl->idx % 50000);
		wire_put_str(&e, peer);
		/*
		 * A token of each client's own: one session is one token.
		 * Probes count from 0 as load clients do: the role tells
		 * them apart (else T1#1 and a probe share a token, and one
		 * LOGIN finds the other user's session).
		 */
		memcpy(tok, &pid, sizeof(pid));
		memcpy(tok + sizeof(pid), &cl->idx, sizeof(cl->idx));
		tok[sizeof(pid) + sizeof(cl->idx)] = (uint8_t)cl->role + 1;
		wire_put_token(&e, tok);
	}
	req_end(cl, &e);
}

static void
setup_failed(struct client *cl, const char *why)
{
	cl->failed = 1;
	if (T.failed++ == 0)
		fprintf(stderr, "tload: %s: setup failed: %s\n",
		    conn_name(cl->c), why);
	conn_close(cl->c, why);
}

static void
setup_frame(struct client *cl, const struct wire_msg *m)
{
	const char *why;

	switch (cl->st) {
	case CS_HELLO:
		if (wire_hello_check(m, ROLE_TRACKER, &why) == -1) {
			setup_failed(cl, why);
			return;
		}
		cl->st = CS_USER;
		send_user(cl, WT_CREATE_USER);
		return;
	case CS_USER:
		cl->inflight--;
		if (m->h.type != WT_OK && !(m->h.type == WT_ERROR &&
		    m->f[ERROR_CODE].u == WE_EXISTS)) {
			setup_failed(cl, m->h.type == WT_ERROR ?
			    m->f[ERROR_MSG].s : "unexpected reply to CREATE_USER");
			return;
		}
		cl->st = CS_LOGIN;
		send_user(cl, WT_LOGIN);
		return;
	case CS_LOGIN:
		cl->inflight--;
		if (m->h.type != WT_SESSION) {
			setup_failed(cl, m->h.type == WT_ERROR ?
			    m->f[ERROR_MSG].s : "unexpected reply to LOGIN");
			return;
		}
		memcpy(cl->token, m->f[SESSION_TOKEN].p, WIRE_TOKEN_LEN);
		cl->st = CS_READY;
		if (++T.ready + T.failed == T.nconns + 2u * T.have_t2)
			phase_next();
		return;
	default:
		return;
	}
}

/*
 * Probes.  Probe k creates group <prefix>p<k> on T1; T1 answers a
 * connection's requests in order, so acknowledgements come in k order,
 * and T2 applies T1's ops in T1's order, so once probe k is visible on T2
 * every earlier one is too.  The poller on T2 therefore asks only about
 * the oldest acknowledged probe it has not seen yet, one request at a
 * time: at once on each answer when idle, at most once a millisecond
 * under load, so that polling does not become a load on T2 of its own.
 */
static struct probe *
probe_at(uint64_t k)
{
	return &T.pr[k % PROBES_MAX];
}

static void
probe_name(uint64_t k, char *out, size_t len)
{
	snprintf(out, len, "%sp%llu", T.prefix, (unsigned long long)k);
}

/* Every probe made so far has been seen on T2 or given up. */
static int
probes_idle(void)
{
	return T.nseen == T.nprobes;
}

static void
probe_create(enum pbucket b)
{
	struct client *p1 = &T.probe[0];
	struct probe *pr;
	char g[ID_MAX + 1];

	if (T.nprobes - T.nseen >= PROBES_MAX || p1->inflight >= WMAX - 1)
		return;
	pr = probe_at(T.nprobes);
	memset(pr, 0, sizeof(*pr));
	pr->bucket = b;
	pr->sent = now_us();
	probe_name(T.nprobes++, g, sizeof(g));
	send_tok(p1, WT_CREATE_GROUP, g);
}

static void
poll_send(void)
{
	char g[ID_MAX + 1];

	if (T.polling)
		return;
	/* Skip probes that T1 refused: there is nothing to see. */
	while (T.nseen < T.nacked && probe_at(T.nseen)->failed)
		T.nseen++;
	if (T.nseen == T.nacked) {
		probes_check();
		return;
	}
	T.polling = 1;
	T.poll_sent = now_us();
	probe_name(T.nseen, g, sizeof(g));
	send_tok(&T.probe[1], WT_LIST_FILES, g);
}

static void
poll_timer(void *arg)
{
	(void)arg;
	T.poll_wait = NULL;
	poll_send();
}

/* The oldest unseen probe is on T2 now (seen), or given up. */
static void
probe_seen(uint64_t now, int seen)
{
	struct probe *pr = probe_at(T.nseen++);

	if (!seen) {
		T.lag_lost++;
	} else if (pr->bucket == PB_IDLE) {
		samples_add(&T.lag_idle_s, now - pr->ack);
	} else if (pr->bucket == PB_PACED) {
		samples_add(&T.lag_paced_s, now - pr->ack);
	} else if (pr->bucket == PB_LOAD) {
		samples_add(&T.lag_load_s, now - pr->ack);
	} else {
		T.tail_lag = now - pr->ack;
		T.tail_ack = pr->ack - pr->sent;
	}
	if (T.phase == PH_LAGIDLE && seen && T.lag_idle_s.n < T.lag_idle)
		probe_create(PB_IDLE);
	poll_send();
}

static void
probe_frame(struct client *cl, const struct wire_msg *m)
{
	uint64_t now = now_us();
	struct probe *pr;
	char g[ID_MAX + 1];

	cl->inflight--;
	if (cl->role == R_PROBE1) {
		pr = probe_at(T.nacked);
		probe_name(T.nacked++, g, sizeof(g));
		if (m->h.type != WT_OK) {
			fprintf(stderr, "tload: probe %s on T1: %s\n", g,
			    m->h.type == WT_ERROR ? m->f[ERROR_MSG].s :
			    "unexpected reply");
			pr->failed = 1;
			T.lag_lost++;
		} else {
			pr->ack = now;
			if (pr->bucket == PB_LOAD)
				samples_add(&T.ack_lat, now - pr->sent);
			else if (pr->bucket == PB_PACED)
				samples_add(&T.paced_ack_lat, now - pr->sent);
		}
		poll_send();
		return;
	}
	T.polling = 0;
	pr = probe_at(T.nseen);
	if (pr->bucket == PB_LOAD)
		samples_add(&T.poll_rtt, now - T.poll_sent);
	else if (pr->bucket == PB_PACED)
		samples_add(&T.paced_poll_rtt, now - T.poll_sent);
	if (m->h.type == WT_ERROR && m->f[ERROR_CODE].u == WE_DENIED) {
		probe_seen(now, 1);	/* "not a member": the group exists */
		return;
	}
	if (m->h.type != WT_ERROR || m->f[ERROR_CODE].u != WE_NOTFOUND) {
		probe_name(T.nseen, g, sizeof(g));
		fprintf(stderr, "tload: probe %s on T2: %s\n", g,
		    m->h.type == WT_ERROR ? m->f[ERROR_MSG].s :
		    "unexpected reply");
		probe_seen(now, 0);
		return;
	}
	if (now - pr->ack > (uint64_t)PROBE_MS * 1000) {
		probe_name(T.nseen, g, sizeof(g));
		fprintf(stderr, "tload: probe %s not on T2 after %d s\n", g,
		    PROBE_MS / 1000);
		probe_seen(now, 0);
		return;
	}
	if (pr->bucket == PB_IDLE || now - T.poll_sent >= 1000)
		poll_send();
	else
		T.poll_wait = loop_timer(T.loop, 1, poll_timer, NULL);
}

/* Under load, a new probe every PROBE_EVERY_MS (PACED_PROBE_MS). */
static void
probe_tick(void *arg)
{
	(void)arg;
	/* Called to start a phase's chain: the last phase's ends here. */
	loop_timer_cancel(T.loop, T.probe_next);
	T.probe_next = NULL;
	if ((T.phase != PH_MUT && T.phase != PH_PACED) || T.draining)
		return;
	probe_create(T.phase == PH_PACED ? PB_PACED : PB_LOAD);
	T.probe_next = loop_timer(T.loop, T.phase == PH_PACED ?
	    PACED_PROBE_MS : PROBE_EVERY_MS, probe_tick, NULL);
}

/*
 * The pacer: every PACE_MS, send what the rate says is due by now,
 * round robin over the connections, whatever the replies do (an open
 * loop: a slow tracker does not slow the offered load down, it only
 * fills the windows).  A request due when every window is full waits
 * for the next tick; the most that ever waited is reported.
 */
static void
pace_tick(void *arg)
{
	uint64_t due, tried;

	(void)arg;
	if (T.phase != PH_PACED || T.draining)
		return;
	due = (now_us() - T.start_us) * T.rate / 1000000;
	for (tried = 0; T.paced_sent < due && tried < T.nconns; tried++) {
		struct client *cl = &T.cl[T.rr];

		T.rr = (T.rr + 1) % T.nconns;
		if (cl->st != CS_READY || conn_closing(cl->c) ||
		    cl->inflight >= T.window)
			continue;
		send_create_group(cl, 'a');
		T.paced_sent++;
		T.issued++;
		T.inflight++;
		tried = 0;
	}
	if (due - T.paced_sent > T.pace_behind)
		T.pace_behind = due - T.paced_sent;
	loop_timer(T.loop, PACE_MS, pace_tick, NULL);
}

/* A phase waiting for its probes may be over. */
static void
probes_check(void)
{
	if (!probes_idle())
		return;
	if ((T.phase == PH_LAGIDLE && T.lag_idle_s.n >= T.lag_idle) ||
	    ((T.phase == PH_MUT || T.phase == PH_PACED) && T.draining &&
	    T.inflight == 0))
		phase_next();
}

/* Load clients. */

static void
load_frame(struct client *cl, const struct wire_msg *m)
{
	uint64_t now = now_us(), sent = cl->sent[m->h.id % WMAX];
	unsigned kind = cl->kind[m->h.id % WMAX];
	struct counter *k;

	cl->inflight--;
	T.inflight--;
	switch (kind) {
	case WT_LIST_GROUPS:
		k = &T.reads;
		break;
	case WT_LIST_FILES:
		k = &T.reads2;
		break;
	case WT_CREATE_GROUP:
		k = T.phase == PH_FILL ? &T.fill_c : T.phase == PH_PACED ?
		    &T.paced : &T.muts;
		break;
	default:
		k = NULL;
	}
	if (T.phase == PH_PREP2) {
		if (m->h.type == WT_ERROR && m->f[ERROR_CODE].u != WE_EXISTS)
			count_error(&T.reads2, m);
		if (T.inflight == 0)
			phase_next();
		return;
	}
	if (T.phase == PH_PREP) {
		if (m->h.type == WT_ERROR && m->f[ERROR_CODE].u != WE_EXISTS)
			count_error(&T.muts, m);
		if (T.issued < T.groups) {
			send_create_group(cl, 'r');
			T.issued++;
			T.inflight++;
		} else if (T.inflight == 0) {
			phase_next();
		}
		return;
	}
	if (k != NULL) {
		if (m->h.type == WT_ERROR)
			count_error(k, m);
		else if (T.draining && T.phase != PH_FILL)
			k->late++;
		else {
			k->ok++;
			samples_add(&k->lat, now - sent);
		}
	}
	if (!T.draining)
		top_up(cl);
	else if (T.inflight == 0 && probes_idle())
		phase_next();
}

/* Keep the window full with the phase's request. */
static void
top_up(struct client *cl)
{
	while (cl->st == CS_READY && !conn_closing(cl->c) &&
	    cl->inflight < T.window) {
		switch (T.phase) {
		case PH_READS:
			send_tok(cl, WT_LIST_GROUPS, NULL);
			break;
		case PH_READS2: {
			char g[ID_MAX + 1];

			own_group(cl, g, sizeof(g));
			send_tok(cl, WT_LIST_FILES, g);
			break;
		}
		case PH_MUT:
			send_create_group(cl, 'm');
			break;
		case PH_FILL:
			if (T.issued >= T.fill_count) {
				T.draining = 1;
				return;
			}
			send_create_group(cl, 'f');
			break;
		default:
			return;
		}
		T.issued++;
		T.inflight++;
	}
}

/* Connection callbacks. */

static void
cl_connected(struct conn *c, void *arg)
{
	struct client *cl = arg;

	cl->st = CS_HELLO;
	wire_hello(conn_out(c), ROLE_CLIENT);
	conn_flush(c);
}

static void
cl_frame(struct conn *c, const struct wire_msg *m, void *arg)
{
	struct client *cl = arg;

	(void)c;
	if (cl->st != CS_READY)
		setup_frame(cl, m);
	else if (cl->role == R_LOAD)
		load_frame(cl, m);
	else
		probe_frame(cl, m);
}

static void
cl_closed(struct conn *c, const char *why, void *arg)
{
	struct client *cl = arg;

	(void)c;
	if (T.closed++ == 0)
		snprintf(T.first_close, sizeof(T.first_close), "%s", why);
	if (cl->st != CS_READY) {
		if (!cl->failed) {
			cl->failed = 1;
			if (T.failed++ == 0)
				fprintf(stderr, "tload: %s: setup failed: "
				    "%s\n", conn_name(c), why);
		}
		cl->c = NULL;
		cl->st = CS_CONNECTING;
		if (T.phase == PH_SETUP &&
		    T.ready + T.failed == T.nconns + 2u * T.have_t2)
			phase_next();
		return;
	}
	fprintf(stderr, "tload: %s closed during the run: %s\n",
	    conn_name(c), why);
	if (cl->role == R_LOAD)
		T.inflight -= cl->inflight;
	cl->st = CS_CONNECTING;
	T.exit_code = 1;
	loop_stop(T.loop);
}

static const struct conn_ops cl_ops = {
	.frame = cl_frame,
	.closed = cl_closed,
	.connected = cl_connected,
};

/* Every connection speaks TLS, unless P2PS_BENCH_PLAINTEXT is set. */
static struct tls_ctx	*tls_client;

static void
cl_open(struct client *cl, int t, unsigned idx, enum role role,
    const char *user)
{
	char err[256], name[64];
	int fd;

	memset(cl, 0, sizeof(*cl));
	cl->idx = idx;
	cl->role = role;
	snprintf(cl->user, sizeof(cl->user), "%s", user);
	if ((fd = net_connect(T.host[t], T.port[t], err, sizeof(err))) == -1)
		fatalx("%s", err);
	snprintf(name, sizeof(name), "T%d#%u", t + 1, idx);
	if ((cl->c = conn_new(T.loop, fd, name, 1, &cl_ops, cl, IN_MAX,
	    OUT_MAX)) == NULL)
		fatalx("cannot watch a connection");
	/* As the client does (no pin check: the benchmark made the tracker). */
	if (tls_client != NULL && conn_start_tls(cl->c, tls_client,
	    name) == -1)
		fatalx("cannot start TLS");
}

/* This process's CPU seconds, user and system. */
static double
cpu_secs(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Phases. */

static void
deadline_cb(void *arg)
{
	(void)arg;
	T.deadline = NULL;
	fprintf(stderr, "tload: %s did not finish in time (%llu load "
	    "requests in flight%s)\n", T.deadline_what,
	    (unsigned long long)T.inflight,
	    probes_idle() ? "" : ", probes not yet seen on T2");
	T.exit_code = 1;
	loop_stop(T.loop);
}

static void
set_deadline(uint64_t ms, const char *what)
{
	if (T.deadline != NULL)
		loop_timer_cancel(T.loop, T.deadline);
	T.deadline_what = what;
	T.deadline = loop_timer(T.loop, ms, deadline_cb, NULL);
}

/* The window of a timed phase closes: drain what is in flight. */
static void
window_closed(void *arg)
{
	(void)arg;
	T.end_us = now_us();
	T.cpu_end = cpu_secs();
	T.draining = 1;
	set_deadline(DRAIN_MS, "draining");
	/*
	 * The tail probe queues on T1 behind the load still in flight, so
	 * it is acknowledged among the last: its lag is how long T2 takes
	 * to drain what T1 sent it once the load stops.
	 */
	if (T.phase == PH_MUT && T.have_t2)
		probe_create(PB_TAIL);
	if (T.inflight == 0 && probes_idle())
		phase_next();
}

static void
start_timed(unsigned secs)
{
	unsigned i;

	T.draining = 0;
	T.issued = 0;
	T.start_us = now_us();
	T.cpu_start = cpu_secs();
	for (i = 0; i < T.nconns; i++)
		top_up(&T.cl[i]);
	loop_timer(T.loop, (uint64_t)secs * 1000, window_closed, NULL);
	set_deadline((uint64_t)secs * 1000 + DRAIN_MS, "a timed phase");
}

static double
secs(void)
{
	return (double)(T.end_us - T.start_us) / 1e6;
}

static void
phase_next(void)
{
	unsigned i;

	switch (T.phase) {
	case PH_SETUP:
		/* The two probes count in ready once up; a failed one never. */
		printf("setup: %u of %u clients logged in%s%s\n",
		    T.ready > 2u * T.have_t2 ? T.ready - 2u * T.have_t2 : 0,
		    T.nconns,
		    T.have_t2 ? ", and a probe on each tracker" : "",
		    T.failed ? " (see the errors above)" : "");
		fflush(stdout);
		if (T.failed > 0) {
			T.exit_code = 1;
			loop_stop(T.loop);
			return;
		}
		if (T.fill) {
			T.phase = PH_FILL;
			T.draining = 0;
			T.issued = 0;
			T.start_us = now_us();
			set_deadline(FILL_MS, "fill");
			for (i = 0; i < T.nconns; i++)
				top_up(&T.cl[i]);
			return;
		}
		/* Groups for LIST_GROUPS to list, a client one at a time. */
		T.phase = PH_PREP;
		T.issued = 0;
		set_deadline(SETUP_MS, "prep");
		for (i = 0; i < T.nconns && T.issued < T.groups; i++) {
			send_create_group(&T.cl[i], 'r');
			T.issued++;
			T.inflight++;
		}
		if (T.issued > 0)
			return;
		/* FALLTHROUGH */
	case PH_PREP:
		T.phase = PH_READS;
		start_timed(T.reads_s);
		return;
	case PH_READS:
		T.reads_secs = secs();
		T.reads_cpu = T.cpu_end - T.cpu_start;
		if (T.own_reads) {
			char g[ID_MAX + 1];

			T.phase = PH_PREP2;
			T.draining = 0;
			set_deadline(SETUP_MS, "own groups");
			for (i = 0; i < T.nconns; i++) {
				own_group(&T.cl[i], g, sizeof(g));
				send_tok(&T.cl[i], WT_CREATE_GROUP, g);
				T.inflight++;
			}
			return;
		}
		/* FALLTHROUGH */
	case PH_PREP2:
		if (T.phase == PH_PREP2) {
			T.phase = PH_READS2;
			start_timed(T.reads_s);
			return;
		}
		/* FALLTHROUGH */
	case PH_READS2:
		if (T.phase == PH_READS2) {
			T.reads2_secs = secs();
			T.reads2_cpu = T.cpu_end - T.cpu_start;
		}
		if (T.have_t2 && T.lag_idle > 0) {
			T.phase = PH_LAGIDLE;
			T.draining = 0;
			set_deadline(PROBE_MS * 2, "lag idle");
			probe_create(PB_IDLE);
			return;
		}
		/* FALLTHROUGH */
	case PH_LAGIDLE:
		if (T.rate > 0) {
			T.phase = PH_PACED;
			T.paced_sent = 0;
			start_timed(T.mut_s);
			pace_tick(NULL);
			if (T.have_t2)
				probe_tick(NULL);
			return;
		}
		/* FALLTHROUGH */
	case PH_PACED:
		if (T.phase == PH_PACED) {
			T.paced_secs = secs();
			T.paced_cpu = T.cpu_end - T.cpu_start;
		}
		T.phase = PH_MUT;
		start_timed(T.mut_s);
		if (T.have_t2)
			probe_tick(NULL);
		return;
	case PH_MUT:
		T.muts_secs = secs();
		T.muts_cpu = T.cpu_end - T.cpu_start;
		/* FALLTHROUGH */
	case PH_FILL:
		if (T.phase == PH_FILL) {
			T.end_us = now_us();
			T.fill_secs = secs();
		}
		T.phase = PH_DONE;
		loop_stop(T.loop);
		return;
	case PH_DONE:
		return;
	}
}

/* Results. */

static void
print_counter(const char *what, const char *unit, struct counter *k,
    double s, double cpu)
{
	printf("%s: %.1f s, %.0f %s/s; latency p50 %.1f ms, p99 %.1f ms, "
	    "max %.1f ms (%llu answered, %llu after the window, %llu "
	    "errors; tload used %.0f%% of a core)\n", what, s,
	    s > 0 ? (double)k->ok / s : 0, unit,
	    samples_ms(&k->lat, 50), samples_ms(&k->lat, 99),
	    samples_ms(&k->lat, 100), (unsigned long long)k->ok,
	    (unsigned long long)k->late, (unsigned long long)k->errs,
	    s > 0 ? 100 * cpu / s : 0);
	print_errors(what, k);
}

/* Lag under load: with the medians of each half (a lag that grows). */
static void
print_lag(const char *what, struct samples *s, struct samples *ack,
    struct samples *rtt)
{
	double first, second;

	/* Halves before sorting. */
	first = median_part(s, 0, s->n / 2);
	second = median_part(s, s->n / 2, s->n);
	printf("  %s: median %.1f ms, p99 %.1f ms, max %.1f ms (%zu probes; "
	    "median of the first half %.1f ms, of the second %.1f ms)\n",
	    what, samples_ms(s, 50), samples_ms(s, 99), samples_ms(s, 100),
	    s->n, first, second);
	printf("    probe CREATE_GROUP ack on T1: median %.1f ms, p99 %.1f "
	    "ms; T2 poll round trip: median %.2f ms, p99 %.1f ms, max %.1f "
	    "ms (%zu polls)\n", samples_ms(ack, 50), samples_ms(ack, 99),
	    samples_ms(rtt, 50), samples_ms(rtt, 99), samples_ms(rtt, 100),
	    rtt->n);
}

static void
report(void)
{

	if (T.fill) {
		printf("fill: %llu CREATE_GROUP acknowledged in %.2f s, %.0f "
		    "mutations/s (%u connections, %u in flight each)\n",
		    (unsigned long long)T.fill_c.ok, T.fill_secs,
		    T.fill_secs > 0 ? (double)T.fill_c.ok / T.fill_secs : 0,
		    T.nconns, T.window);
		print_errors("fill", &T.fill_c);
		return;
	}
	printf("reads (LIST_GROUPS after making %u groups, %u clients x %u "
	    "in flight)\n", T.groups, T.nconns, T.window);
	print_counter("  reads", "reads", &T.reads, T.reads_secs,
	    T.reads_cpu);
	if (T.own_reads) {
		printf("reads (LIST_FILES of the client's own group, from the "
		    "tables each time, %u clients x %u in flight)\n",
		    T.nconns, T.window);
		print_counter("  own reads", "reads", &T.reads2,
		    T.reads2_secs, T.reads2_cpu);
	}
	if (T.rate > 0) {
		printf("mutations paced at %u/s (CREATE_GROUP, durable before "
		    "its ack, over %u clients, at most %u in flight each; "
		    "offered %.0f/s, at most %llu due and waiting for a "
		    "window)\n", T.rate, T.nconns, T.window,
		    T.paced_secs > 0 ? (double)T.paced_sent / T.paced_secs :
		    0, (unsigned long long)T.pace_behind);
		print_counter("  paced", "acks", &T.paced, T.paced_secs,
		    T.paced_cpu);
	}
	printf("mutations at saturation (CREATE_GROUP, durable before its "
	    "ack, %u clients x %u in flight)\n", T.nconns, T.window);
	print_counter("  mutations", "acks", &T.muts, T.muts_secs,
	    T.muts_cpu);
	if (!T.have_t2)
		return;
	printf("replication lag, T1 ack -> visible on T2:\n");
	printf("  idle: median %.1f ms, p99 %.1f ms, max %.1f ms (%zu "
	    "probes)\n", samples_ms(&T.lag_idle_s, 50),
	    samples_ms(&T.lag_idle_s, 99), samples_ms(&T.lag_idle_s, 100),
	    T.lag_idle_s.n);
	if (T.rate > 0) {
		char what[64];

		snprintf(what, sizeof(what), "at %u mutations/s", T.rate);
		print_lag(what, &T.lag_paced_s, &T.paced_ack_lat,
		    &T.paced_poll_rtt);
	}
	print_lag("at saturation", &T.lag_load_s, &T.ack_lat, &T.poll_rtt);
	printf("  drain: a mutation sent as the load stopped (acknowledged "
	    "%.1f ms later, behind those in flight) was visible on T2 %.1f "
	    "ms after its acknowledgement\n", (double)T.tail_ack / 1000.0,
	    (double)T.tail_lag / 1000.0);
	if (T.lag_lost > 0)
		printf("  %llu probes were not seen on T2 in time\n",
		    (unsigned long long)T.lag_lost);
}

/* Arguments and main. */

static unsigned
num_arg(const char *s, long long min, long long max)
{
	long long v;

	if (parse_num(s, min, max, &v) == -1)
		usage();
	return (unsigned)v;
}

static void
addr_arg(const char *s, int t)
{
	if (parse_hostport(s, T.host[t], sizeof(T.host[t]), &T.port[t]) == -1)
		usage();
}

/* Thousands of connections need thousands of descriptors. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
}

int
main(int argc, char **argv)
{
	char user[ID_MAX + 1];
	long long count;
	unsigned i;
	int c;

	T.nconns = 1000;
	T.window = 4;
	T.groups = 100;
	T.reads_s = 10;
	T.mut_s = 10;
	T.lag_idle = 50;
	T.prefix = "t";
	while ((c = getopt(argc, argv, "c:w:g:r:m:R:l:p:F")) != -1) {
		switch (c) {
		case 'F': T.own_reads = 1; break;
		case 'c': T.nconns = num_arg(optarg, 1, 60000); break;
		case 'w': T.window = num_arg(optarg, 1, WMAX); break;
		case 'g': T.groups = num_arg(optarg, 0, 60000); break;
		case 'r': T.reads_s = num_arg(optarg, 1, 600); break;
		case 'm': T.mut_s = num_arg(optarg, 1, 600); break;
		case 'R': T.rate = num_arg(optarg, 0, 10000000); break;
		case 'l': T.lag_idle = num_arg(optarg, 0, 100000); break;
		case 'p':
			if (strlen(optarg) > 16 || !parse_id(optarg))
				usage();
			T.prefix = optarg;
			break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	if (strcmp(argv[0], "load") == 0 && (argc == 2 || argc == 3)) {
		addr_arg(argv[1], 0);
		if (argc == 3) {
			addr_arg(argv[2], 1);
			T.have_t2 = 1;
		}
	} else if (strcmp(argv[0], "fill") == 0 && argc == 3) {
		addr_arg(argv[1], 0);
		if (parse_num(argv[2], 1, 100000000, &count) == -1)
			usage();
		T.fill = 1;
		T.fill_count = (uint64_t)count;
	} else {
		usage();
	}
	log_init("tload", LOG_WARN);
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	if (getenv("P2PS_BENCH_PLAINTEXT") == NULL) {
		struct tls_id *id = tls_id_new();

		if (id == NULL || (tls_client = tls_ctx_new(id, 0)) == NULL)
			fatalx("TLS: %s", tls_error());
	}
	if ((T.loop = loop_new()) == NULL)
		fatal("epoll");

	T.cl = xcalloc(T.nconns, sizeof(*T.cl));
	for (i = 0; i < T.nconns; i++) {
		snprintf(user, sizeof(user), "%su%u", T.prefix, i);
		cl_open(&T.cl[i], 0, i, R_LOAD, user);
	}
	if (T.have_t2) {
		snprintf(user, sizeof(user), "%sprobe1", T.prefix);
		cl_open(&T.probe[0], 0, 0, R_PROBE1, user);
		snprintf(user, sizeof(user), "%sprobe2", T.prefix);
		cl_open(&T.probe[1], 1, 1, R_PROBE2, user);
	}
	set_deadline(SETUP_MS, "setup");
	if (loop_run(T.loop) == -1)
		fatalx("event loop failed");
	if (T.phase == PH_DONE)
		report();
	fflush(stdout);
	return T.exit_code;
}
