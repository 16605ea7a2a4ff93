/*
 * check_track.c: the engine and detectors on hand-built segments: a
 * normal close, each RST class, 2*MSL reuse, CLOSE_WAIT, and the near
 * misses that must NOT give a verdict (an intact TIME_WAIT that ACKs a
 * retransmitted FIN, reuse after 2*MSL, a CLOSE_WAIT under threshold).
 */
#include <string.h>

#include <check.h>

#include "cfg.h"
#include "check_suites.h"
#include "segbuild.h"
#include "detect.h"
#include "track.h"

#define S	1000000000LL
#define MS	1000000LL
#define T0	(1700000000LL * S)

/* What the sink saw of each finished connection. */
struct seen {
	uint64_t	id, prev;
	uint32_t	inc;
	int		hs, cl, closer, why;
	int		final[2];
	int		nrst, rst_cls[4], premature[4];
	int		nfind, kind[4], safe[4], basis[4], holder[4];
	int64_t		dur[4];
	bool		find_half[4];
	int64_t		in_tw[2];
	int64_t		in_la[2];	/* time in LAST_ACK */
	int64_t		fin_acked[2];
	int		acks_lost[2];
	bool		half[2];	/* det_half_close() per side */
	uint32_t	half_bytes[2];
	int64_t		half_dur[2];
	int64_t		t_final;
};

static struct seen seen[16];
static int nseen;
static struct sf_config cfg;
static struct det_agg *agg;
static struct trk *trk;
static uint64_t pktno;

/*
 * The ends that sent a FIN, as c->fins must say on the connection's
 * first cache line (trk_prefetch_fin() reads it there).
 */
static unsigned
fins_of(const struct conn *c)
{
	return (c->ep[CONN_CLIENT].fin_seen ? 1u << CONN_CLIENT : 0) |
	    (c->ep[CONN_SERVER].fin_seen ? 1u << CONN_SERVER : 0);
}

static void
on_conn(void *arg, const struct conn *c, enum trk_end why)
{
	struct seen *s = &seen[nseen++];
	uint32_t i;

	(void)arg;
	memset(s, 0, sizeof(*s));
	s->id = c->id;
	s->prev = c->previous_id;
	s->inc = c->incarnation;
	s->hs = c->hs_status;
	s->cl = c->close_status;
	s->closer = c->active_closer;
	s->why = why;
	s->t_final = c->t_final;
	s->final[0] = c->ep[0].state;
	s->final[1] = c->ep[1].state;
	s->in_tw[0] = conn_time_in(c, 0, FSM_ST_TIME_WAIT);
	s->in_tw[1] = conn_time_in(c, 1, FSM_ST_TIME_WAIT);
	for (i = 0; i < 2; i++) {
		s->in_la[i] = conn_time_in(c, (int)i, FSM_ST_LAST_ACK);
		s->fin_acked[i] = c->ep[i].t_fin_ack;
		s->acks_lost[i] = c->ep[i].fin_acks_lost;
	}
	for (i = 0; i < 2; i++) {
		struct det_half_close hc = { 0, 0 };

		s->half[i] = det_half_close(c, (int)i, &hc);
		s->half_bytes[i] = hc.bytes;
		s->half_dur[i] = hc.duration;
	}
	for (i = 0; i < c->nrsts && i < 4; i++) {
		s->rst_cls[i] = c->rsts[i].cls;
		s->premature[i] = c->rsts[i].premature_from;
	}
	s->nrst = (int)c->nrsts;
	for (i = 0; i < c->nfindings && i < 4; i++) {
		s->kind[i] = c->findings[i].kind;
		s->safe[i] = c->findings[i].safe;
		s->basis[i] = c->findings[i].basis;
		s->holder[i] = c->findings[i].side;
		s->dur[i] = c->findings[i].duration;
		s->find_half[i] = c->findings[i].half_close;
	}
	s->nfind = (int)c->nfindings;
	ck_assert_uint_eq(c->fins, fins_of(c));
}

static void
setup(void)
{
	struct trk_sink sink;

	cfg_init(&cfg);
	memset(&sink, 0, sizeof(sink));
	sink.conn = on_conn;
	agg = det_agg_new(&cfg);
	trk = trk_new(&cfg, agg, &sink);
	nseen = 0;
	pktno = 0;
}

static void
teardown(void)
{
	trk_free(trk);
	det_agg_free(agg);
}

/* Client 10.0.0.1:cport, server 10.0.0.2:80; c2s chooses the sender. */
static void
seg_on(uint16_t cport, int c2s, int64_t t, uint8_t flags, uint32_t seq,
    uint32_t ack, uint32_t len)
{
	tb_feed(trk, &pktno, cport, c2s, t, flags, seq, ack, len);
}

/* The same from client port 40000. */
static void
seg(int c2s, int64_t t, uint8_t flags, uint32_t seq, uint32_t ack,
    uint32_t len)
{
	seg_on(40000, c2s, t, flags, seq, ack, len);
}

#define A	DEC_TH_ACK
#define F	(DEC_TH_FIN | DEC_TH_ACK)
#define R	DEC_TH_RST

/* Handshake (client ISN 100, server ISN 5000) and one request. */
static void
open_conn(int64_t t, uint32_t ciss)
{
	seg(1, t, DEC_TH_SYN, ciss, 0, 0);
	seg(0, t + 1 * MS, DEC_TH_SYN | A, 5000, ciss + 1, 0);
	seg(1, t + 2 * MS, A, ciss + 1, 5001, 0);
	seg(1, t + 3 * MS, A | DEC_TH_PSH, ciss + 1, 5001, 10);
	seg(0, t + 4 * MS, A, 5001, ciss + 11, 0);
}

/* Client closes first: FIN, ACK, FIN, ACK. */
static void
close_client_first(int64_t t, uint32_t ciss)
{
	seg(1, t, F, ciss + 11, 5001, 0);
	seg(0, t + 1 * MS, A, 5001, ciss + 12, 0);
	seg(0, t + 2 * MS, F, 5001, ciss + 12, 0);
	seg(1, t + 3 * MS, A, ciss + 12, 5002, 0);
}

START_TEST(test_normal_close)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].hs, HS_COMPLETE);
	ck_assert_int_eq(seen[0].cl, CL_NORMAL);
	ck_assert_int_eq(seen[0].closer, 1);
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_TIME_WAIT);
	ck_assert_int_eq(seen[0].final[CONN_SERVER], FSM_ST_CLOSED);
	ck_assert_int_eq(seen[0].nrst, 0);
	ck_assert_int_eq(seen[0].why, TRK_END_CAPTURE);
}
END_TEST

/*
 * A TIME_WAIT shorter than the linger time (--msl 2) ends inside the
 * whole connection, whose timeline then shows it to CLOSED.
 */
START_TEST(test_tw_expires)
{
	cfg.msl_ns = 2 * S;
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	/* A packet 70 s later runs the timers. */
	seg(1, 70 * S, DEC_TH_SYN, 9, 0, 0);
	ck_assert_int_ge(nseen, 1);
	ck_assert_int_eq(seen[0].why, TRK_END_CLOSED);
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_CLOSED);
	ck_assert_int_eq(seen[0].in_tw[CONN_CLIENT], 4 * S);
	trk_finish(trk);
}
END_TEST

/* Ids in the order the sink got them. */
#define ORDER_N	5000
static uint64_t order[ORDER_N];
static int norder;

static void
visit_order(void *arg, const struct conn *c)
{
	(void)arg;
	if (norder < ORDER_N)
		order[norder++] = c->id;
}

static void
on_conn_order(void *arg, const struct conn *c, enum trk_end why)
{
	(void)why;
	visit_order(arg, c);
}

/*
 * n connections (ids 1..n) opened in that order, each then answered in
 * the reverse order: the order of their latest segments is n..1.
 */
static void
open_then_answer_reversed(int n)
{
	struct trk_sink sink;
	int i;

	trk_free(trk);
	memset(&sink, 0, sizeof(sink));
	sink.conn = on_conn_order;
	trk = trk_new(&cfg, agg, &sink);
	norder = 0;
	for (i = 0; i < n; i++)
		seg_on((uint16_t)(10000 + i), 1, (int64_t)i * MS, DEC_TH_SYN,
		    100, 0, 0);
	for (i = n - 1; i >= 0; i--)
		seg_on((uint16_t)(10000 + i), 0,
		    (int64_t)(2 * n - i) * MS, DEC_TH_SYN | A, 5000, 101, 0);
}

/*
 * The connections left at the end are written in id order, whatever
 * order their last segments came in: here the reverse (the LRU's), and
 * enough of them that the radix sort makes two passes (ids past 2^11).
 */
START_TEST(test_finish_in_id_order)
{
	int i;

	open_then_answer_reversed(ORDER_N);
	ck_assert_int_eq(norder, 0);
	trk_finish(trk);
	ck_assert_int_eq(norder, ORDER_N);
	for (i = 0; i < ORDER_N; i++)
		ck_assert_uint_eq(order[i], (uint64_t)i + 1);
}
END_TEST

/*
 * Connections that time out idle at once are written in the order of
 * their latest segments (the LRU's), though the engine keeps that order
 * only from the first moment one could be idle on: a few connections
 * (sorted as a list) and many (sorted as an array).
 */
START_TEST(test_idle_in_segment_order)
{
	int n = _i == 0 ? 3 : ORDER_N, i;

	cfg.syn_timeout_ns = 0;
	cfg.idle_ns = 100 * S;
	open_then_answer_reversed(n);
	trk_advance(trk, SB_T0 + 99 * S);
	ck_assert_int_eq(norder, 0);
	trk_advance(trk, SB_T0 + 200 * S);
	ck_assert_int_eq(norder, n);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(order[i], (uint64_t)(n - i));
	trk_finish(trk);
}
END_TEST

/* trk_foreach() visits the live connections in the LRU's order too. */
START_TEST(test_foreach_in_segment_order)
{
	int n = _i == 0 ? 3 : ORDER_N, i;

	open_then_answer_reversed(n);
	trk_foreach(trk, visit_order, NULL, NULL);
	ck_assert_int_eq(norder, n);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(order[i], (uint64_t)(n - i));
	norder = 0;
	trk_finish(trk);
	ck_assert_int_eq(norder, n);
}
END_TEST

/* A pseudo-random sequence, the same on every run. */
static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * TIME_WAIT records expire when their deadline passes, in any order:
 * 3,000 connections closed by the client 10 ms apart, written as
 * compact records after 5 s of quiet, a third of them given a new
 * deadline by a retransmitted FIN from the server at a pseudo-random
 * later time, so that the heap holds deadlines far out of the order
 * they came in, and a few ended early by an RST from the client.
 * Every 39 ms the records still held must be exactly those whose
 * deadline is later.
 */
#define TWH_N	3000

START_TEST(test_tw_heap_order)
{
	static int64_t due[TWH_N];
	const int64_t tw = 60 * S;		/* 2 * MSL */
	struct trk_sink sink;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int64_t t, last;
	uint64_t want, restarts = 0, resets = 0;
	int i, k;

	cfg.msl_ns = 30 * S;
	trk_free(trk);
	memset(&sink, 0, sizeof(sink));
	sink.conn = on_conn_order;
	trk = trk_new(&cfg, agg, &sink);
	for (i = 0; i < TWH_N; i++) {
		t = (int64_t)i * 10 * MS;
		seg_on((uint16_t)(20000 + i), 1, t, DEC_TH_SYN, 100, 0, 0);
		seg_on((uint16_t)(20000 + i), 0, t + 1 * MS, DEC_TH_SYN | A,
		    5000, 101, 0);
		seg_on((uint16_t)(20000 + i), 1, t + 2 * MS, A, 101, 5001, 0);
		seg_on((uint16_t)(20000 + i), 1, t + 3 * MS, F, 101, 5001, 0);
		seg_on((uint16_t)(20000 + i), 0, t + 4 * MS, F, 5001, 102, 0);
		seg_on((uint16_t)(20000 + i), 1, t + 5 * MS, A, 102, 5002, 0);
		/* The client is in TIME_WAIT from the server's FIN. */
		due[i] = t + 4 * MS + tw;
	}
	last = (int64_t)(TWH_N - 1) * 10 * MS + 5 * MS;
	/* Every connection written: quiet for 5 s in TIME_WAIT. */
	trk_advance(trk, SB_T0 + last + 6 * S);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, TWH_N);
	/*
	 * Retransmitted FINs, in time order, each restarting 2 * MSL; then
	 * time alone.  Each segment and each step runs the timers.
	 */
	for (t = last + 6 * S, k = 0; t < 30 * S + 3 * tw; t += 3 * MS, k++) {
		i = (int)(xorshift(&x) % TWH_N);
		if (t < 30 * S + tw / 2 && i % 3 == 0 && due[i] > t) {
			seg_on((uint16_t)(20000 + i), 0, t, F, 5001, 102, 0);
			due[i] = t + tw;
			restarts++;
		} else if (t < 30 * S + tw / 2 && i % 5 == 1 && due[i] > t) {
			/* Gone at once: taken from the middle of the heap. */
			seg_on((uint16_t)(20000 + i), 1, t, R, 102, 0, 0);
			due[i] = t;
			resets++;
		} else {
			trk_advance(trk, SB_T0 + t);
		}
		if (k % 13 != 0)
			continue;
		for (i = 0, want = 0; i < TWH_N; i++)
			want += due[i] > t;
		ck_assert_msg(trk_stats(trk)->tw_live == want,
		    "at %lld ms: %llu records held, %llu wanted",
		    (long long)(t / MS),
		    (unsigned long long)trk_stats(trk)->tw_live,
		    (unsigned long long)want);
	}
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 0);
	ck_assert_uint_gt(restarts, 1000);
	ck_assert_uint_gt(resets, 300);
	ck_assert_uint_eq(trk_stats(trk)->anomaly[TRK_AN_FIN_RETRANSMIT],
	    restarts);
	trk_finish(trk);
}
END_TEST

/* The TIME_WAIT counts and netstat view after trk_finish(). */
static uint32_t
host_tw(int last_octet)
{
	const struct det_host_stat *h;
	size_t i, n = det_agg_hosts(agg, &h);

	for (i = 0; i < n; i++)
		if (h[i].addr[3] == last_octet)
			return h[i].count[FSM_ST_TIME_WAIT];
	return 0;
}

/*
 * Quiet for the linger time (5 s) in TIME_WAIT: written then, and the
 * tuple kept as a compact record until 2*MSL after the TIME_WAIT began.
 */
START_TEST(test_tw_written_when_quiet)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	trk_advance(trk, SB_T0 + 5 * S + 102 * MS);
	ck_assert_int_eq(nseen, 0);
	trk_advance(trk, SB_T0 + 5 * S + 103 * MS);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].why, TRK_END_TIME_WAIT);
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_TIME_WAIT);
	ck_assert_int_eq(seen[0].final[CONN_SERVER], FSM_ST_CLOSED);
	/* From the server's FIN (102 ms) to the writing (5.103 s). */
	ck_assert_int_eq(seen[0].in_tw[CONN_CLIENT], 5 * S + 1 * MS);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 1);
	ck_assert_uint_eq(trk_stats(trk)->live, 1);
	ck_assert_uint_eq(trk_stats(trk)->peak_open, 1);
	trk_advance(trk, SB_T0 + 60 * S + 101 * MS);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 1);
	trk_advance(trk, SB_T0 + 60 * S + 102 * MS);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 0);
	ck_assert_uint_eq(trk_stats(trk)->live, 0);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
	ck_assert_uint_eq(trk_stats(trk)->ended[TRK_END_TIME_WAIT], 1);
	ck_assert_uint_eq(host_tw(1), 0);
}
END_TEST

static void
count_whole(void *arg, const struct conn *c)
{
	(void)c;
	((int *)arg)[0]++;
}

static void
count_tw(void *arg, uint8_t af, const uint8_t *addr)
{
	((int *)arg)[1]++;
	ck_assert_int_eq(af, 4);
	ck_assert_int_eq(addr[3], 1);		/* the client holds it */
}

/* The periodic netstat view sees a written connection's TIME_WAIT. */
START_TEST(test_tw_record_foreach)
{
	int n[2] = { 0, 0 };

	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	trk_foreach(trk, count_whole, count_tw, n);
	ck_assert_int_eq(n[0], 1);
	ck_assert_int_eq(n[1], 0);
	trk_advance(trk, SB_T0 + 6 * S);
	n[0] = n[1] = 0;
	trk_foreach(trk, count_whole, count_tw, n);
	ck_assert_int_eq(n[0], 0);
	ck_assert_int_eq(n[1], 1);
	trk_finish(trk);
}
END_TEST

/* A record alive at the end is in the netstat view of the end. */
START_TEST(test_tw_record_netstat)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	trk_advance(trk, SB_T0 + 20 * S);
	ck_assert_int_eq(nseen, 1);
	trk_finish(trk);
	ck_assert_uint_eq(host_tw(1), 1);
	ck_assert_uint_eq(host_tw(2), 0);
	ck_assert_uint_eq(trk_stats(trk)->live, 0);
}
END_TEST

/* --at: before the writing from the timeline, after it from the record. */
START_TEST(test_tw_record_at)
{
	static const int64_t at[] = { 3 * S, 30 * S, 61 * S };
	static const uint32_t want[] = { 1, 1, 0 };

	cfg.at_set = true;
	cfg.at_ns = SB_T0 + at[_i];
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	trk_advance(trk, SB_T0 + 62 * S);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].why, TRK_END_TIME_WAIT);
	ck_assert_uint_eq(host_tw(1), want[_i]);
}
END_TEST

/* A new SYN on the record's tuple inside 2*MSL: the check still runs. */
START_TEST(test_tw_record_2msl_violation)
{
	static const uint32_t isn[] = { 100 + 112 + 65537, 50 };

	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	open_conn(8 * S, isn[_i]);
	ck_assert_int_eq(nseen, 1);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 0);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 2);
	ck_assert_int_eq(seen[0].why, TRK_END_TIME_WAIT);
	ck_assert_int_eq(seen[1].inc, 2);
	ck_assert_uint_eq(seen[1].prev, seen[0].id);
	ck_assert_int_eq(seen[1].nfind, 1);
	ck_assert_int_eq(seen[1].kind[0], FIND_TWO_MSL_VIOLATION);
	ck_assert_int_eq(seen[1].holder[0], CONN_CLIENT);
	ck_assert_int_eq(seen[1].dur[0], 8 * S - 102 * MS);
	ck_assert_int_eq(seen[1].safe[0], _i == 0 ? 1 : 0);
	/* The new incarnation is the one in the netstat view. */
	ck_assert_uint_eq(host_tw(1), 0);
}
END_TEST

/*
 * A FIN retransmitted after the writing restarts TIME_WAIT (RFC 9293
 * 3.10.7.4) and makes no connection of its own.
 */
START_TEST(test_tw_record_late_fin)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	seg(0, 10 * S, F, 5001, 112, 0);
	ck_assert_int_eq(nseen, 1);
	ck_assert_uint_eq(trk_stats(trk)->anomaly[TRK_AN_SEG_AFTER_WRITE], 1);
	trk_advance(trk, SB_T0 + 69 * S);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 1);
	trk_advance(trk, SB_T0 + 70 * S);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 0);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
}
END_TEST

/* An in-window RST ends the record's TIME_WAIT; another is ignored. */
START_TEST(test_tw_record_rst)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	seg(0, 10 * S, R, 7000, 0, 0);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 1);
	ck_assert_uint_eq(trk_stats(trk)->anomaly[TRK_AN_RST_IGNORED], 1);
	seg(0, 11 * S, R, 5002, 0, 0);
	ck_assert_uint_eq(trk_stats(trk)->tw_live, 0);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
	ck_assert_uint_eq(host_tw(1), 0);
}
END_TEST

START_TEST(test_tw_intact_near_miss)
{
	open_conn(0, 100);
	seg(1, 100 * MS, F, 111, 5001, 0);
	seg(0, 101 * MS, A, 5001, 112, 0);
	seg(0, 102 * MS, F, 5001, 112, 0);
	/* The final ACK is lost; the server retransmits its FIN. */
	seg(0, 302 * MS, F, 5001, 112, 0);
	seg(1, 303 * MS, A, 112, 5002, 0);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].nrst, 0);
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_TIME_WAIT);
	ck_assert_int_eq(seen[0].final[CONN_SERVER], FSM_ST_CLOSED);
}
END_TEST

/*
 * The client's last ACK is captured, but the server sends its FIN again:
 * that ACK never reached it, and the server was in LAST_ACK until the
 * next one.
 */
START_TEST(test_final_ack_lost_after_capture)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	seg(0, 302 * MS, F, 5001, 112, 0);
	seg(1, 303 * MS, A, 112, 5002, 0);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].nrst, 0);
	ck_assert_int_eq(seen[0].final[CONN_SERVER], FSM_ST_CLOSED);
	ck_assert_int_eq(seen[0].in_la[CONN_SERVER], 201 * MS);
	ck_assert_int_eq(seen[0].fin_acked[CONN_SERVER], SB_T0 + 303 * MS);
	ck_assert_int_eq(seen[0].acks_lost[CONN_SERVER], 1);
	ck_assert_int_eq(seen[0].acks_lost[CONN_CLIENT], 0);
}
END_TEST

START_TEST(test_premature_tw)
{
	open_conn(0, 100);
	seg(1, 100 * MS, F, 111, 5001, 0);
	seg(0, 101 * MS, A, 5001, 112, 0);
	seg(0, 102 * MS, F, 5001, 112, 0);
	seg(1, 103 * MS, A, 112, 5002, 0);
	/* Retransmitted FIN answered by a stateless RST. */
	seg(0, 302 * MS, F, 5001, 112, 0);
	seg(1, 303 * MS, R, 112, 0, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].nrst, 1);
	ck_assert_int_eq(seen[0].rst_cls[0], RST_AFTER_PREMATURE_CLOSE);
	ck_assert_int_eq(seen[0].premature[0], FSM_ST_TIME_WAIT);
}
END_TEST

START_TEST(test_premature_fw2)
{
	open_conn(0, 100);
	seg(1, 100 * MS, F, 111, 5001, 0);
	seg(0, 101 * MS, A, 5001, 112, 0);
	/* The server's first FIN finds no socket: RST, no ACK of it. */
	seg(0, 500 * MS, F, 5001, 112, 0);
	seg(1, 501 * MS, R, 112, 0, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].rst_cls[0], RST_AFTER_PREMATURE_CLOSE);
	ck_assert_int_eq(seen[0].premature[0], FSM_ST_FIN_WAIT_2);
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_CLOSED);
}
END_TEST

START_TEST(test_refused)
{
	seg(1, 0, DEC_TH_SYN, 100, 0, 0);
	seg(0, 1 * MS, R | A, 0, 101, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].hs, HS_REFUSED);
	ck_assert_int_eq(seen[0].rst_cls[0], RST_REFUSED);
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_CLOSED);
}
END_TEST

/*
 * A connection whose two ends are CLOSED waits for the linger time to be
 * written, but is no longer open: peak_open counts the connections open
 * at once, not the ones held.
 */
START_TEST(test_peak_open_not_closed)
{
	seg_on(40001, 1, 0, DEC_TH_SYN, 100, 0, 0);
	seg_on(40001, 0, 1 * MS, R | A, 0, 101, 0);
	seg_on(40002, 1, 1 * S, DEC_TH_SYN, 300, 0, 0);
	seg_on(40002, 0, 1 * S + 1 * MS, DEC_TH_SYN | A, 9000, 301, 0);
	ck_assert_uint_eq(trk_stats(trk)->live, 2);
	ck_assert_uint_eq(trk_stats(trk)->done_live, 1);
	ck_assert_uint_eq(trk_stats(trk)->peak_open, 1);
	seg_on(40003, 1, 2 * S, DEC_TH_SYN, 500, 0, 0);
	ck_assert_uint_eq(trk_stats(trk)->peak_open, 2);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 3);
	ck_assert_int_eq(seen[0].hs, HS_REFUSED);
}
END_TEST

/* A client's SYN at 0 s, sent again at 1 s and 3 s, never answered. */
static void
unanswered_syns(void)
{
	seg(1, 0, DEC_TH_SYN, 100, 0, 0);
	seg(1, 1 * S, DEC_TH_SYN, 100, 0, 0);
	seg(1, 3 * S, DEC_TH_SYN, 100, 0, 0);
}

START_TEST(test_syn_timeout)
{
	unanswered_syns();
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].hs, HS_TIMEOUT);
}
END_TEST

/*
 * A SYN never answered: quiet for --syn-timeout (130 s) after its last
 * retransmission, the client has given up, and the connection goes
 * then, not at the idle timeout an hour later.
 */
START_TEST(test_syn_given_up)
{
	unanswered_syns();
	seg_on(40001, 1, 132 * S, DEC_TH_SYN, 900, 0, 0);
	ck_assert_int_eq(nseen, 0);
	seg_on(40001, 1, 133 * S, DEC_TH_SYN, 900, 0, 0);
	ck_assert_int_eq(nseen, 1);
	ck_assert_uint_eq(seen[0].id, 1);
	ck_assert_int_eq(seen[0].why, TRK_END_IDLE);
	ck_assert_int_eq(seen[0].hs, HS_TIMEOUT);
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_SYN_SENT);
	ck_assert(seen[0].t_final == T0 + 133 * S);
	ck_assert_uint_eq(trk_stats(trk)->syn_timeouts, 1);
	ck_assert_uint_eq(trk_stats(trk)->ended[TRK_END_IDLE], 1);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 2);
	ck_assert_int_eq(seen[1].why, TRK_END_CAPTURE);
}
END_TEST

/* A SYN-ACK never acknowledged (the server in SYN_RECEIVED) too. */
START_TEST(test_synack_given_up)
{
	seg(1, 0, DEC_TH_SYN, 100, 0, 0);
	seg(0, 1 * MS, DEC_TH_SYN | A, 5000, 101, 0);
	seg(0, 1 * S, DEC_TH_SYN | A, 5000, 101, 0);
	seg(0, 3 * S, DEC_TH_SYN | A, 5000, 101, 0);
	seg_on(40001, 1, 133 * S, DEC_TH_SYN, 900, 0, 0);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].why, TRK_END_IDLE);
	ck_assert(seen[0].t_final == T0 + 133 * S);
	trk_finish(trk);
}
END_TEST

/* A complete handshake, then silence: only the idle timeout ends it. */
START_TEST(test_syn_timeout_not_established)
{
	open_conn(0, 100);
	seg_on(40001, 1, 200 * S, DEC_TH_SYN, 900, 0, 0);
	ck_assert_int_eq(nseen, 0);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 2);
	ck_assert_int_eq(seen[0].why, TRK_END_CAPTURE);
}
END_TEST

/* --syn-timeout 0: an unanswered SYN waits for the idle timeout. */
START_TEST(test_syn_timeout_off)
{
	cfg.syn_timeout_ns = 0;
	cfg.idle_ns = 1000 * S;
	seg(1, 0, DEC_TH_SYN, 100, 0, 0);
	seg_on(40001, 1, 999 * S, DEC_TH_SYN, 900, 0, 0);
	ck_assert_int_eq(nseen, 0);
	seg_on(40001, 1, 1000 * S, DEC_TH_SYN, 900, 0, 0);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].why, TRK_END_IDLE);
	ck_assert_uint_eq(trk_stats(trk)->syn_timeouts, 0);
	trk_finish(trk);
}
END_TEST

/* One connection written so far: id, ended idle at at. */
static void
ended_idle(uint64_t id, int64_t at)
{
	ck_assert_int_eq(nseen, 1);
	ck_assert_uint_eq(seen[0].id, id);
	ck_assert_int_eq(seen[0].why, TRK_END_IDLE);
	ck_assert(seen[0].t_final == T0 + at);
	trk_finish(trk);
}

/*
 * Timestamps out of order: the idle list is in the order segments came,
 * so the connection that becomes its first when another moves on may be
 * due already, and must end at the next segment, as it would have had
 * every segment looked at every list.
 */
START_TEST(test_idle_out_of_order)
{
	cfg.syn_timeout_ns = 0;
	cfg.idle_ns = 100 * S;
	seg_on(40001, 1, 50 * S, A, 100, 900, 10);	/* id 1, due 150 s */
	seg_on(40002, 1, 10 * S, A, 100, 900, 10);	/* id 2, due 110 s */
	seg_on(40003, 1, 120 * S, A, 100, 900, 10);	/* 1 first, not due */
	ck_assert_int_eq(nseen, 0);
	seg_on(40001, 1, 121 * S, A, 110, 900, 10);	/* 2 first, due */
	ck_assert_int_eq(nseen, 0);
	seg_on(40004, 1, 122 * S, A, 100, 900, 10);
	ended_idle(2, 110 * S);
}
END_TEST

/* A segment older than its connection's last brings its deadlines closer. */
START_TEST(test_idle_older_segment)
{
	cfg.syn_timeout_ns = 0;
	cfg.idle_ns = 100 * S;
	seg_on(40001, 1, 50 * S, A, 100, 900, 10);	/* due 150 s */
	seg_on(40001, 0, 5 * S, A, 900, 110, 0);	/* now due 105 s */
	seg_on(40002, 1, 106 * S, A, 100, 900, 10);
	ended_idle(1, 105 * S);
}
END_TEST

START_TEST(test_abort_and_data_after_close)
{
	open_conn(0, 100);
	seg(1, 50 * MS, R | A, 111, 5001, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].rst_cls[0], RST_ABORT);
	ck_assert_int_eq(seen[0].cl, CL_RESET);
}
END_TEST

/*
 * A segment that reaches a connection whose two ends are CLOSED is
 * counted in segment_after_close; the first segment of a connection,
 * before which both ends are CLOSED as well, is not.
 */
START_TEST(test_segment_after_close)
{
	const uint64_t *an = trk_stats(trk)->anomaly;

	open_conn(0, 100);
	ck_assert_uint_eq(an[TRK_AN_SEG_AFTER_CLOSE], 0);
	seg(1, 50 * MS, R | A, 111, 5001, 0);
	ck_assert_uint_eq(an[TRK_AN_SEG_AFTER_CLOSE], 0);
	/* The server had data in flight: it arrives after the abort. */
	seg(0, 51 * MS, A | DEC_TH_PSH, 5001, 111, 10);
	ck_assert_uint_eq(an[TRK_AN_SEG_AFTER_CLOSE], 1);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].cl, CL_RESET);
}
END_TEST

START_TEST(test_data_after_close)
{
	open_conn(0, 100);
	/* The server closes, then the client's data meets a RST. */
	seg(0, 10 * MS, F, 5001, 111, 0);
	seg(1, 11 * MS, A, 111, 5002, 0);
	seg(1, 20 * MS, A | DEC_TH_PSH, 111, 5002, 20);
	seg(0, 21 * MS, R, 5002, 0, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].rst_cls[0], RST_DATA_AFTER_CLOSE);
	/* On the wire the client half-closed; the RST says the rest. */
	ck_assert(seen[0].half[CONN_CLIENT]);
	ck_assert_uint_eq(seen[0].half_bytes[CONN_CLIENT], 20);
	ck_assert_int_eq(seen[0].half_dur[CONN_CLIENT], 10 * MS);
}
END_TEST

START_TEST(test_out_of_window)
{
	open_conn(0, 100);
	seg(0, 10 * MS, R, 5001 + 3000000, 0, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].rst_cls[0], RST_OUT_OF_WINDOW);
	/* Ignored: the connection stays established. */
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_ESTABLISHED);
	ck_assert_int_eq(seen[0].cl, CL_OPEN);
}
END_TEST

START_TEST(test_2msl_violation_safe)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	/* The same tuple again 2 s later, ISN above the old snd_nxt. */
	open_conn(2 * S, 100 + 112 + 65537);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 2);
	ck_assert_int_eq(seen[1].inc, 2);
	ck_assert_uint_eq(seen[1].prev, seen[0].id);
	ck_assert_int_eq(seen[1].nfind, 1);
	ck_assert_int_eq(seen[1].kind[0], FIND_TWO_MSL_VIOLATION);
	ck_assert_int_eq(seen[1].holder[0], CONN_CLIENT);
	ck_assert_int_eq(seen[1].safe[0], 1);
	ck_assert_int_eq(seen[1].basis[0], 1);
	ck_assert_int_eq(seen[0].why, TRK_END_SUPERSEDED);
	ck_assert_int_eq(seen[0].final[CONN_CLIENT], FSM_ST_TIME_WAIT);
}
END_TEST

START_TEST(test_2msl_violation_unsafe)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	open_conn(2 * S, 50);
	trk_finish(trk);
	ck_assert_int_eq(seen[1].kind[0], FIND_TWO_MSL_VIOLATION);
	ck_assert_int_eq(seen[1].safe[0], 0);
}
END_TEST

START_TEST(test_reuse_after_2msl_near_miss)
{
	open_conn(0, 100);
	close_client_first(100 * MS, 100);
	open_conn(61 * S, 100000);
	trk_finish(trk);
	ck_assert_int_eq(nseen, 2);
	ck_assert_int_eq(seen[1].inc, 2);
	ck_assert_uint_eq(seen[1].prev, seen[0].id);
	ck_assert_int_eq(seen[1].nfind, 0);
}
END_TEST

START_TEST(test_open_tuple_reuse)
{
	open_conn(0, 100);
	open_conn(5 * S, 90000);
	trk_finish(trk);
	ck_assert_int_eq(seen[1].kind[0], FIND_OPEN_TUPLE_REUSE);
}
END_TEST

START_TEST(test_close_wait)
{
	open_conn(0, 100);
	seg(1, 10 * MS, F, 111, 5001, 0);
	seg(0, 11 * MS, A, 5001, 112, 0);
	/* The server holds CLOSE_WAIT from 10 ms to 3011 ms. */
	seg(0, 3011 * MS, F, 5001, 112, 0);
	seg(1, 3012 * MS, A, 112, 5002, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].nfind, 1);
	ck_assert_int_eq(seen[0].kind[0], FIND_CLOSE_WAIT);
	ck_assert_int_eq(seen[0].holder[0], CONN_SERVER);
	ck_assert_int_eq(seen[0].dur[0], 3001 * MS);
}
END_TEST

/* trk_foreach(): the live connection's c->fins and its ends' FINs. */
static unsigned live_fins, live_fin_seen;

static void
visit_fins(void *arg, const struct conn *c)
{
	(void)arg;
	live_fins = c->fins;
	live_fin_seen = fins_of(c);
}

/*
 * c->fins while the connection is open: none, then the client's FIN (its
 * retransmission adds nothing), then both, as its ends' fin_seen say.
 */
START_TEST(test_fins_first_line)
{
	open_conn(0, 100);
	trk_foreach(trk, visit_fins, NULL, NULL);
	ck_assert_uint_eq(live_fins, 0);
	seg(1, 10 * MS, F, 111, 5001, 0);
	seg(0, 11 * MS, A, 5001, 112, 0);
	seg(1, 12 * MS, F, 111, 5001, 0);
	trk_foreach(trk, visit_fins, NULL, NULL);
	ck_assert_uint_eq(live_fins, 1u << CONN_CLIENT);
	ck_assert_uint_eq(live_fin_seen, 1u << CONN_CLIENT);
	seg(0, 20 * MS, F, 5001, 112, 0);
	trk_foreach(trk, visit_fins, NULL, NULL);
	ck_assert_uint_eq(live_fins, 3);
	ck_assert_uint_eq(live_fin_seen, 3);
}
END_TEST

START_TEST(test_half_close)
{
	open_conn(0, 100);
	seg(1, 10 * MS, F, 111, 5001, 0);
	seg(0, 11 * MS, A, 5001, 112, 0);
	/* The server answers 3 x 1000 bytes after the client's FIN. */
	seg(0, 200 * MS, A | DEC_TH_PSH, 5001, 112, 1000);
	seg(1, 201 * MS, A, 112, 6001, 0);
	seg(0, 1400 * MS, A | DEC_TH_PSH, 6001, 112, 1000);
	seg(0, 2410 * MS, A | DEC_TH_PSH, 7001, 112, 1000);
	seg(1, 2411 * MS, A, 112, 8001, 0);
	seg(0, 2420 * MS, F, 8001, 112, 0);
	seg(1, 2421 * MS, A, 112, 8002, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].cl, CL_NORMAL);
	ck_assert(seen[0].half[CONN_SERVER]);
	ck_assert(!seen[0].half[CONN_CLIENT]);
	ck_assert_uint_eq(seen[0].half_bytes[CONN_SERVER], 3000);
	ck_assert_int_eq(seen[0].half_dur[CONN_SERVER], 2400 * MS);
	/* CLOSE_WAIT over 1 s: its finding says half close by the same rule. */
	ck_assert_int_eq(seen[0].nfind, 1);
	ck_assert_int_eq(seen[0].kind[0], FIND_CLOSE_WAIT);
	ck_assert(seen[0].find_half[0]);
}
END_TEST

START_TEST(test_half_close_near_miss)
{
	open_conn(0, 100);
	/* Data before the FIN, none after: not a half close. */
	seg(0, 5 * MS, A | DEC_TH_PSH, 5001, 111, 1000);
	seg(1, 6 * MS, A, 111, 6001, 0);
	seg(1, 10 * MS, F, 111, 6001, 0);
	seg(0, 11 * MS, A, 6001, 112, 0);
	seg(0, 3000 * MS, F, 6001, 112, 0);
	seg(1, 3001 * MS, A, 112, 6002, 0);
	trk_finish(trk);
	ck_assert(!seen[0].half[CONN_SERVER]);
	ck_assert(!seen[0].half[CONN_CLIENT]);
	ck_assert_int_eq(seen[0].kind[0], FIND_CLOSE_WAIT);
	ck_assert(!seen[0].find_half[0]);
}
END_TEST

START_TEST(test_close_wait_short_near_miss)
{
	open_conn(0, 100);
	close_client_first(10 * MS, 100);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].nfind, 0);
}
END_TEST

START_TEST(test_simultaneous_close)
{
	open_conn(0, 100);
	/* FINs cross: neither acknowledges the other. */
	seg(1, 10 * MS, F, 111, 5001, 0);
	seg(0, 10 * MS + 5000, F, 5001, 111, 0);
	seg(1, 11 * MS, A, 112, 5002, 0);
	seg(0, 11 * MS + 5000, A, 5002, 112, 0);
	trk_finish(trk);
	ck_assert_int_eq(seen[0].cl, CL_SIMULTANEOUS);
	ck_assert_int_eq(seen[0].closer, 3);
	ck_assert_int_eq(seen[0].final[0], FSM_ST_TIME_WAIT);
	ck_assert_int_eq(seen[0].final[1], FSM_ST_TIME_WAIT);
}
END_TEST

/*
 * Crossing FINs end the two TIME_WAITs a moment apart: the second must
 * end on time, not behind connections that entered TIME_WAIT later.
 */
START_TEST(test_simultaneous_close_tw_ends)
{
	cfg.msl_ns = 2 * S;	/* 4 s: shorter than the linger, kept whole */
	open_conn(0, 100);
	seg(1, 10 * MS, F, 111, 5001, 0);
	seg(0, 10 * MS + 5000, F, 5001, 111, 0);
	seg(1, 11 * MS, A, 112, 5002, 0);
	seg(0, 11 * MS + 5000, A, 5002, 112, 0);
	/* Another tuple; its server holds TIME_WAIT from 1.002 s. */
	seg_on(40001, 1, 1 * S, DEC_TH_SYN, 900, 0, 0);
	seg_on(40001, 0, 1 * S, DEC_TH_SYN | A, 7000, 901, 0);
	seg_on(40001, 1, 1 * S + 1 * MS, A, 901, 7001, 0);
	seg_on(40001, 0, 1 * S + 1 * MS, F, 7001, 901, 0);
	seg_on(40001, 1, 1 * S + 2 * MS, F, 901, 7002, 0);
	seg_on(40001, 0, 1 * S + 2 * MS, A, 7002, 902, 0);
	/* Between the two deadlines of the first, then after both. */
	trk_advance(trk, SB_T0 + 4 * S + 11 * MS + 1000);
	trk_advance(trk, SB_T0 + 4 * S + 12 * MS);
	trk_finish(trk);
	ck_assert_uint_eq(host_tw(1), 0);
	ck_assert_uint_eq(host_tw(2), 1);
}
END_TEST

/* A TIME_WAIT entry (and, if leave, its end) of holder 10.a.b.c. */
static void
tw_once(struct conn *c, uint32_t host, bool leave)
{
	c->ep[CONN_CLIENT].addr[0] = 10;
	c->ep[CONN_CLIENT].addr[1] = (uint8_t)(host >> 16);
	c->ep[CONN_CLIENT].addr[2] = (uint8_t)(host >> 8);
	c->ep[CONN_CLIENT].addr[3] = (uint8_t)host;
	det_tw_change(agg, c, CONN_CLIENT, +1, SB_T0 + (int64_t)host);
	if (leave)
		det_tw_change(agg, c, CONN_CLIENT, -1, SB_T0 + (int64_t)host);
}

/*
 * Many holders, each in TIME_WAIT once: the idle keys are forgotten, but
 * not one with a socket still in TIME_WAIT nor the busiest; and that
 * socket's handle still finds its own record when it leaves, after the
 * records around it were freed and taken by other keys.
 */
START_TEST(test_tw_keys_forgotten)
{
	const struct det_tw_stat *tw;
	struct conn c, busy5[5], late3[3], stay;
	const struct det_tw_stat *stay_rec = NULL;
	size_t i, j, n, keys = 0;
	int busy = 0, late = 0, live = 0;

	memset(&c, 0, sizeof(c));
	c.af = 4;
	c.ep[CONN_SERVER].addr[0] = 192;
	c.ep[CONN_SERVER].port = 80;
	for (i = 0; i < 5; i++) {		/* five at once: peak 5 */
		busy5[i] = c;
		tw_once(&busy5[i], 1, false);
	}
	for (i = 0; i < 5; i++)
		det_tw_change(agg, &busy5[i], CONN_CLIENT, -1, SB_T0);
	stay = c;
	tw_once(&stay, 2, false);		/* still in TIME_WAIT */
	for (i = 3; i < 200000; i++) {
		if (i != 150000) {
			tw_once(&c, (uint32_t)i, true);
			continue;
		}
		/* Idle when the next forgetting comes, but peak 3: kept. */
		for (j = 0; j < 3; j++) {
			late3[j] = c;
			tw_once(&late3[j], (uint32_t)i, false);
		}
		for (j = 0; j < 3; j++)
			det_tw_change(agg, &late3[j], CONN_CLIENT, -1, SB_T0);
	}
	ck_assert_uint_gt(det_agg_tw_forgotten(agg), 100000);
	ck_assert_uint_eq(det_agg_untracked(agg), 0);
	n = det_agg_timewait(agg, &tw);
	/* Freed records are used again: the array follows the keys kept. */
	ck_assert_uint_le(n, 1u << 17);
	for (i = 0; i < n; i++) {
		if (tw[i].total == 0)
			continue;		/* freed */
		keys++;
		if (tw[i].local[3] == 1 && tw[i].local[2] == 0 &&
		    tw[i].local[1] == 0) {
			busy++;
			ck_assert_uint_eq(tw[i].peak, 5);
			ck_assert_uint_eq(tw[i].total, 5);
			ck_assert_uint_eq(tw[i].current, 0);
		}
		if (tw[i].local[1] == (150000 >> 16) &&
		    tw[i].local[2] == ((150000 >> 8) & 0xff) &&
		    tw[i].local[3] == (150000 & 0xff)) {
			late++;
			ck_assert_uint_eq(tw[i].peak, 3);
		}
		if (tw[i].local[3] == 2 && tw[i].local[2] == 0 &&
		    tw[i].local[1] == 0) {
			live++;
			ck_assert_uint_eq(tw[i].current, 1);
			stay_rec = &tw[i];
		}
	}
	/* Every key is kept or was forgotten, once. */
	ck_assert_uint_eq(keys + det_agg_tw_forgotten(agg), 199999);
	ck_assert_int_eq(busy, 1);
	ck_assert_int_eq(late, 1);
	ck_assert_int_eq(live, 1);
	ck_assert_uint_ne(stay.tw_rec[CONN_CLIENT], 0);
	det_tw_change(agg, &stay, CONN_CLIENT, -1, SB_T0 + 300000);
	ck_assert_uint_eq(stay_rec->current, 0);
	ck_assert_uint_eq(stay_rec->total, 1);
	ck_assert_uint_eq(stay.tw_rec[CONN_CLIENT], 0);
}
END_TEST

START_TEST(test_max_flows_evicts)
{
	cfg.max_flows = 1;
	open_conn(0, 100);
	/* A second tuple: the first connection is evicted, not dropped. */
	{
		struct dec_seg s;

		memset(&s, 0, sizeof(s));
		s.af = 4;
		s.ts_ns = T0 + S;
		s.src[0] = 10; s.src[3] = 9;
		s.dst[0] = 10; s.dst[3] = 2;
		s.sport = 1234;
		s.dport = 80;
		s.flags = DEC_TH_SYN;
		trk_segment(trk, &s, ++pktno);
	}
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].why, TRK_END_EVICTED);
	ck_assert_int_eq(seen[0].kind[0], FIND_EVICTED);
	ck_assert_uint_eq(trk_stats(trk)->ended[TRK_END_EVICTED], 1);
	trk_finish(trk);
}
END_TEST

/*
 * --max-flows evicts the connection seen least recently, not the oldest:
 * the second of three here, since the first had a segment after it.
 */
START_TEST(test_max_flows_evicts_least_recent)
{
	cfg.max_flows = 2;
	seg_on(40001, 1, 0, DEC_TH_SYN, 100, 0, 0);		/* id 1 */
	seg_on(40002, 1, 1 * MS, DEC_TH_SYN, 200, 0, 0);	/* id 2 */
	seg_on(40001, 0, 2 * MS, DEC_TH_SYN | A, 5000, 101, 0);
	ck_assert_int_eq(nseen, 0);
	seg_on(40003, 1, 3 * MS, DEC_TH_SYN, 300, 0, 0);	/* id 3 */
	ck_assert_int_eq(nseen, 1);
	ck_assert_uint_eq(seen[0].id, 2);
	ck_assert_int_eq(seen[0].why, TRK_END_EVICTED);
	trk_finish(trk);
}
END_TEST

/* ---- the netstat view's tally (detect_agg.c) ---- */

#define NV_V4	3000
#define NV_V6	300
#define NV_HOSTS	(NV_V4 + NV_V6)

/*
 * Host i: IPv4 ones in runs of 256 that share three bytes, IPv6 ones in
 * groups of 15 that share the low half, so that a sort must order every
 * byte that varies.
 */
static void
nv_host(unsigned i, uint8_t *af, uint8_t *addr)
{
	unsigned j = i - NV_V4;

	memset(addr, 0, 16);
	if (i < NV_V4) {
		*af = 4;
		addr[0] = (uint8_t)(10 + (i >> 10));
		addr[1] = (uint8_t)((i >> 8) & 3);
		addr[2] = 1;
		addr[3] = (uint8_t)(i * 29 + 7);
		return;
	}
	*af = 6;
	addr[0] = 0x20;
	addr[1] = 0x01;
	addr[3] = (uint8_t)(j % 3);
	addr[7] = (uint8_t)(j / 3 % 5);
	addr[15] = (uint8_t)(j / 15);
}

static int
nv_cmp(const struct det_host_stat *a, const struct det_host_stat *b)
{
	if (a->af != b->af)
		return a->af - b->af;
	return memcmp(a->addr, b->addr, 16);
}

/* Add n endpoints of random hosts below nh in random states. */
static void
nv_add(uint64_t *x, size_t n, unsigned nh, uint32_t want[][FSM_ST_MAX])
{
	uint8_t af, addr[16];
	unsigned i, st;
	size_t k;

	for (k = 0; k < n; k++) {
		i = (unsigned)(xorshift(x) % nh);
		st = (unsigned)(xorshift(x) % FSM_ST_MAX);
		nv_host(i, &af, addr);
		det_host_add(agg, af, addr, (enum fsm_state)st);
		if (st != FSM_ST_CLOSED && st != FSM_ST_LISTEN)
			want[i][st]++;
	}
}

/* The view holds exactly the hosts and counts of want, in order. */
static void
nv_check(uint32_t want[][FSM_ST_MAX], unsigned nh)
{
	const struct det_host_stat *h;
	struct det_host_stat key;
	size_t n = det_agg_hosts(agg, &h), j, hosts = 0;
	unsigned i, st;
	bool found;

	for (i = 0; i < nh; i++) {
		uint32_t total = 0;

		for (st = 0; st < FSM_ST_MAX; st++)
			total += want[i][st];
		if (total == 0)
			continue;
		hosts++;
		memset(&key, 0, sizeof(key));
		nv_host(i, &key.af, key.addr);
		for (j = 0, found = false; j < n && !found; j++)
			found = nv_cmp(&h[j], &key) == 0;
		ck_assert_msg(found, "host %u missing", i);
		for (st = 0; st < FSM_ST_MAX; st++)
			ck_assert_uint_eq(h[j - 1].count[st], want[i][st]);
	}
	ck_assert_uint_eq(n, hosts);
	for (j = 1; j < n; j++)
		ck_assert_msg(nv_cmp(&h[j - 1], &h[j]) < 0,
		    "records %zu and %zu out of order", j - 1, j);
	ck_assert_uint_eq(det_agg_untracked(agg), 0);
}

/*
 * Endpoints counted at the capture's end wait in a tally, sorted and
 * counted a host at a time: the same counts as one lookup each, the
 * records in address order (IPv4 first); a second tally is added to
 * the records of the first, and the view is in that order again.
 */
START_TEST(test_netstat_tally)
{
	static uint32_t want[NV_HOSTS + 100][FSM_ST_MAX];
	uint64_t x = 88172645463325252ULL;

	memset(want, 0, sizeof(want));
	nv_add(&x, 60000, NV_HOSTS, want);
	det_agg_settle(agg);
	nv_check(want, NV_HOSTS);
	/* Again: some hosts known, 100 new (IPv6, past the others). */
	nv_add(&x, 20000, NV_HOSTS + 100, want);
	det_agg_settle(agg);
	nv_check(want, NV_HOSTS + 100);
	det_agg_settle(agg);
	nv_check(want, NV_HOSTS + 100);
}
END_TEST

static void
cap_host(uint32_t i, uint8_t *addr)
{
	memset(addr, 0, 16);
	addr[0] = 10;
	addr[1] = (uint8_t)(i >> 16);
	addr[2] = (uint8_t)(i >> 8);
	addr[3] = (uint8_t)i;
}

static const struct det_host_stat *
cap_find(uint32_t i)
{
	const struct det_host_stat *h;
	size_t n = det_agg_hosts(agg, &h), j;
	uint8_t addr[16];

	cap_host(i, addr);
	for (j = 0; j < n; j++)
		if (memcmp(h[j].addr, addr, 16) == 0)
			return &h[j];
	return NULL;
}

/*
 * At DET_HOST_MAX hosts the view refuses the hosts that come next, in
 * the order they came, however the tally held them.
 */
START_TEST(test_netstat_cap)
{
	const uint32_t m = DET_HOST_MAX;
	const struct det_host_stat *h;
	uint8_t addr[16];
	uint32_t i;

	for (i = 0; i < m - 2; i++) {
		cap_host(i, addr);
		det_host_add(agg, 4, addr, FSM_ST_ESTABLISHED);
	}
	/* A and B take the last two records; C and D are refused. */
	cap_host(m + 1, addr);			/* A */
	det_host_add(agg, 4, addr, FSM_ST_ESTABLISHED);
	cap_host(0, addr);
	det_host_add(agg, 4, addr, FSM_ST_TIME_WAIT);
	cap_host(m + 2, addr);			/* B */
	det_host_add(agg, 4, addr, FSM_ST_CLOSE_WAIT);
	cap_host(m + 3, addr);			/* C */
	det_host_add(agg, 4, addr, FSM_ST_ESTABLISHED);
	cap_host(m + 1, addr);			/* A again */
	det_host_add(agg, 4, addr, FSM_ST_FIN_WAIT_2);
	cap_host(m + 4, addr);			/* D */
	det_host_add(agg, 4, addr, FSM_ST_ESTABLISHED);
	cap_host(1, addr);
	det_host_add(agg, 4, addr, FSM_ST_LAST_ACK);
	det_agg_settle(agg);
	ck_assert_uint_eq(det_agg_hosts(agg, &h), m);
	ck_assert_uint_eq(det_agg_untracked(agg), 2);
	ck_assert_ptr_null(cap_find(m + 3));
	ck_assert_ptr_null(cap_find(m + 4));
	ck_assert_ptr_nonnull(h = cap_find(m + 1));
	ck_assert_uint_eq(h->count[FSM_ST_ESTABLISHED], 1);
	ck_assert_uint_eq(h->count[FSM_ST_FIN_WAIT_2], 1);
	ck_assert_ptr_nonnull(h = cap_find(m + 2));
	ck_assert_uint_eq(h->count[FSM_ST_CLOSE_WAIT], 1);
	ck_assert_ptr_nonnull(h = cap_find(0));
	ck_assert_uint_eq(h->count[FSM_ST_ESTABLISHED], 1);
	ck_assert_uint_eq(h->count[FSM_ST_TIME_WAIT], 1);
	ck_assert_ptr_nonnull(h = cap_find(1));
	ck_assert_uint_eq(h->count[FSM_ST_LAST_ACK], 1);
	ck_assert_ptr_nonnull(h = cap_find(m - 3));
	ck_assert_uint_eq(h->count[FSM_ST_ESTABLISHED], 1);
	/* At the cap a known host's endpoints still count, each at once. */
	cap_host(5, addr);
	for (i = 0; i < 50000; i++)
		det_host_add(agg, 4, addr, FSM_ST_ESTABLISHED);
	det_agg_settle(agg);
	ck_assert_ptr_nonnull(h = cap_find(5));
	ck_assert_uint_eq(h->count[FSM_ST_ESTABLISHED], 50001);
	ck_assert_uint_eq(det_agg_untracked(agg), 2);
}
END_TEST

Suite *
make_suite_track(void)
{
	Suite *s = suite_create("track");
	TCase *tc = tcase_create("verdicts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_normal_close);
	tcase_add_test(tc, test_tw_expires);
	tcase_add_test(tc, test_tw_heap_order);
	tcase_add_test(tc, test_finish_in_id_order);
	tcase_add_loop_test(tc, test_idle_in_segment_order, 0, 2);
	tcase_add_loop_test(tc, test_foreach_in_segment_order, 0, 2);
	tcase_add_test(tc, test_tw_written_when_quiet);
	tcase_add_test(tc, test_tw_record_netstat);
	tcase_add_test(tc, test_tw_record_foreach);
	tcase_add_loop_test(tc, test_tw_record_at, 0, 3);
	tcase_add_loop_test(tc, test_tw_record_2msl_violation, 0, 2);
	tcase_add_test(tc, test_tw_record_late_fin);
	tcase_add_test(tc, test_tw_record_rst);
	tcase_add_test(tc, test_tw_intact_near_miss);
	tcase_add_test(tc, test_final_ack_lost_after_capture);
	tcase_add_test(tc, test_premature_tw);
	tcase_add_test(tc, test_premature_fw2);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_peak_open_not_closed);
	tcase_add_test(tc, test_segment_after_close);
	tcase_add_test(tc, test_syn_timeout);
	tcase_add_test(tc, test_syn_given_up);
	tcase_add_test(tc, test_synack_given_up);
	tcase_add_test(tc, test_syn_timeout_not_established);
	tcase_add_test(tc, test_syn_timeout_off);
	tcase_add_test(tc, test_idle_out_of_order);
	tcase_add_test(tc, test_idle_older_segment);
	tcase_add_test(tc, test_abort_and_data_after_close);
	tcase_add_test(tc, test_data_after_close);
	tcase_add_test(tc, test_out_of_window);
	tcase_add_test(tc, test_2msl_violation_safe);
	tcase_add_test(tc, test_2msl_violation_unsafe);
	tcase_add_test(tc, test_reuse_after_2msl_near_miss);
	tcase_add_test(tc, test_open_tuple_reuse);
	tcase_add_test(tc, test_close_wait);
	tcase_add_test(tc, test_close_wait_short_near_miss);
	tcase_add_test(tc, test_half_close);
	tcase_add_test(tc, test_fins_first_line);
	tcase_add_test(tc, test_half_close_near_miss);
	tcase_add_test(tc, test_simultaneous_close);
	tcase_add_test(tc, test_simultaneous_close_tw_ends);
	tcase_add_test(tc, test_tw_keys_forgotten);
	tcase_add_test(tc, test_max_flows_evicts);
	tcase_add_test(tc, test_max_flows_evicts_least_recent);
	suite_add_tcase(s, tc);
	/* A million hosts in the cap's test: room for a slow machine. */
	tc = tcase_create("netstat view");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_netstat_tally);
	tcase_add_test(tc, test_netstat_cap);
	suite_add_tcase(s, tc);
	return s;
}
