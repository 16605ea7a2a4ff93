/*
 * check_fsm.c: every cell of the transition table, and the classifier.
 *
 * The expected table is written here a second time, independently, as
 * (state, event) -> next triples for the transitions that change state;
 * every other cell must be SAME or INVALID as listed.  A loop test visits
 * all FSM_EV_MAX x FSM_ST_MAX cells.
 */
#include <stdlib.h>

#include <check.h>

#include "check_suites.h"
#include "decode.h"
#include "fsm.h"
#include "seq.h"

struct cell {
	enum fsm_state	st;
	enum fsm_event	ev;
	enum fsm_state	next;
};

/* The transitions that change state (RFC 9293 3.3.2 figure 5, 3.10). */
static const struct cell moves[] = {
	{ FSM_ST_CLOSED, FSM_EV_SND_SYN, FSM_ST_SYN_SENT },
	{ FSM_ST_LISTEN, FSM_EV_SND_SYN, FSM_ST_SYN_SENT },
	{ FSM_ST_CLOSED, FSM_EV_SND_SYNACK, FSM_ST_SYN_RECEIVED },
	{ FSM_ST_LISTEN, FSM_EV_SND_SYNACK, FSM_ST_SYN_RECEIVED },
	{ FSM_ST_SYN_SENT, FSM_EV_SND_SYNACK, FSM_ST_SYN_RECEIVED },
	{ FSM_ST_SYN_SENT, FSM_EV_SND_ACK, FSM_ST_ESTABLISHED },
	{ FSM_ST_SYN_RECEIVED, FSM_EV_SND_FIN, FSM_ST_FIN_WAIT_1 },
	{ FSM_ST_ESTABLISHED, FSM_EV_SND_FIN, FSM_ST_FIN_WAIT_1 },
	{ FSM_ST_CLOSE_WAIT, FSM_EV_SND_FIN, FSM_ST_LAST_ACK },
	{ FSM_ST_LISTEN, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_SYN_SENT, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_SYN_RECEIVED, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_ESTABLISHED, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_CLOSE_WAIT, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_FIN_WAIT_1, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_CLOSING, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_LAST_ACK, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_FIN_WAIT_2, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_TIME_WAIT, FSM_EV_SND_RST, FSM_ST_CLOSED },
	{ FSM_ST_CLOSED, FSM_EV_RCV_SYN, FSM_ST_LISTEN },
	{ FSM_ST_SYN_SENT, FSM_EV_RCV_SYN, FSM_ST_SYN_RECEIVED },
	{ FSM_ST_SYN_SENT, FSM_EV_RCV_SYNACK, FSM_ST_ESTABLISHED },
	{ FSM_ST_SYN_RECEIVED, FSM_EV_RCV_SYNACK, FSM_ST_ESTABLISHED },
	{ FSM_ST_SYN_RECEIVED, FSM_EV_RCV_ACK_SYN, FSM_ST_ESTABLISHED },
	{ FSM_ST_FIN_WAIT_1, FSM_EV_RCV_ACK_FIN, FSM_ST_FIN_WAIT_2 },
	{ FSM_ST_CLOSING, FSM_EV_RCV_ACK_FIN, FSM_ST_TIME_WAIT },
	{ FSM_ST_LAST_ACK, FSM_EV_RCV_ACK_FIN, FSM_ST_CLOSED },
	{ FSM_ST_SYN_RECEIVED, FSM_EV_RCV_FIN, FSM_ST_CLOSE_WAIT },
	{ FSM_ST_ESTABLISHED, FSM_EV_RCV_FIN, FSM_ST_CLOSE_WAIT },
	{ FSM_ST_FIN_WAIT_1, FSM_EV_RCV_FIN, FSM_ST_CLOSING },
	{ FSM_ST_FIN_WAIT_2, FSM_EV_RCV_FIN, FSM_ST_TIME_WAIT },
	{ FSM_ST_SYN_SENT, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_SYN_RECEIVED, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_ESTABLISHED, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_CLOSE_WAIT, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_FIN_WAIT_1, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_CLOSING, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_LAST_ACK, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_FIN_WAIT_2, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_TIME_WAIT, FSM_EV_RCV_RST, FSM_ST_CLOSED },
	{ FSM_ST_TIME_WAIT, FSM_EV_TIMEOUT, FSM_ST_CLOSED },
};

/* Cells that are impossible for a real endpoint (INVALID). */
static const struct cell invalid[] = {
	{ FSM_ST_CLOSE_WAIT, FSM_EV_SND_SYN, 0 },
	{ FSM_ST_FIN_WAIT_1, FSM_EV_SND_SYN, 0 },
	{ FSM_ST_CLOSING, FSM_EV_SND_SYN, 0 },
	{ FSM_ST_LAST_ACK, FSM_EV_SND_SYN, 0 },
	{ FSM_ST_FIN_WAIT_2, FSM_EV_SND_SYN, 0 },
	{ FSM_ST_TIME_WAIT, FSM_EV_SND_SYN, 0 },
	{ FSM_ST_CLOSE_WAIT, FSM_EV_SND_SYNACK, 0 },
	{ FSM_ST_FIN_WAIT_1, FSM_EV_SND_SYNACK, 0 },
	{ FSM_ST_CLOSING, FSM_EV_SND_SYNACK, 0 },
	{ FSM_ST_LAST_ACK, FSM_EV_SND_SYNACK, 0 },
	{ FSM_ST_FIN_WAIT_2, FSM_EV_SND_SYNACK, 0 },
	{ FSM_ST_TIME_WAIT, FSM_EV_SND_SYNACK, 0 },
	{ FSM_ST_LISTEN, FSM_EV_SND_ACK, 0 },
	{ FSM_ST_CLOSED, FSM_EV_SND_FIN, 0 },
	{ FSM_ST_LISTEN, FSM_EV_SND_FIN, 0 },
	{ FSM_ST_SYN_SENT, FSM_EV_SND_FIN, 0 },
	{ FSM_ST_FIN_WAIT_2, FSM_EV_SND_FIN, 0 },
	{ FSM_ST_TIME_WAIT, FSM_EV_SND_FIN, 0 },
	{ FSM_ST_LISTEN, FSM_EV_RCV_FIN, 0 },
	{ FSM_ST_SYN_SENT, FSM_EV_RCV_FIN, 0 },
};

static enum fsm_state
expected(enum fsm_state st, enum fsm_event ev)
{
	size_t i;

	for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		if (moves[i].st == st && moves[i].ev == ev)
			return moves[i].next;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		if (invalid[i].st == st && invalid[i].ev == ev)
			return FSM_ST_INVALID;
	return FSM_ST_SAME;
}

START_TEST(test_every_cell)
{
	enum fsm_event ev = (enum fsm_event)(_i / FSM_ST_MAX);
	enum fsm_state st = (enum fsm_state)(_i % FSM_ST_MAX);

	ck_assert_msg(fsm_lookup(st, ev) == expected(st, ev),
	    "cell %s x %s: table says %s, expected %s", fsm_state_name(st),
	    fsm_event_name(ev), fsm_state_name(fsm_lookup(st, ev)),
	    fsm_state_name(expected(st, ev)));
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(fsm_state_name(FSM_ST_TIME_WAIT), "TIME_WAIT");
	ck_assert_str_eq(fsm_state_name(FSM_ST_SYN_RECEIVED),
	    "SYN_RECEIVED");
	ck_assert_str_eq(fsm_state_name(FSM_ST_CLOSE_WAIT), "CLOSE_WAIT");
	ck_assert_str_eq(fsm_state_name(FSM_ST_INVALID), "INVALID");
	ck_assert_int_eq(fsm_lookup(FSM_ST_MAX, FSM_EV_SND_SYN),
	    FSM_ST_INVALID);
	ck_assert(fsm_fin_sent(FSM_ST_TIME_WAIT));
	ck_assert(!fsm_fin_sent(FSM_ST_CLOSE_WAIT));
	ck_assert(fsm_synchronized(FSM_ST_CLOSE_WAIT));
	ck_assert(!fsm_synchronized(FSM_ST_SYN_RECEIVED));
}
END_TEST

static void
pv(struct fsm_peer_view *v, enum fsm_state st, uint32_t iss, bool fin,
    uint32_t fin_seq)
{
	v->state = st;
	v->syn_seen = true;
	v->iss = iss;
	v->fin_seen = fin;
	v->fin_seq = fin_seq;
}

START_TEST(test_classify_fin_ack_order)
{
	struct fsm_peer_view s, r;
	struct fsm_events ev;
	struct fsm_seg seg = { DEC_TH_FIN | DEC_TH_ACK, 5000, 1001, 0 };

	/* A FIN+ACK covering the receiver's FIN at 1000: ACK first. */
	pv(&s, FSM_ST_CLOSE_WAIT, 4000, false, 0);
	pv(&r, FSM_ST_FIN_WAIT_1, 0, true, 1000);
	fsm_classify(&seg, &s, &r, &ev);
	ck_assert_int_eq(ev.nsnd, 1);
	ck_assert_int_eq(ev.snd[0], FSM_EV_SND_FIN);
	ck_assert_int_eq(ev.nrcv, 2);
	ck_assert_int_eq(ev.rcv[0], FSM_EV_RCV_ACK_FIN);
	ck_assert_int_eq(ev.rcv[1], FSM_EV_RCV_FIN);
	ck_assert(!ev.fin_retransmit);
}
END_TEST

START_TEST(test_classify_wraparound)
{
	struct fsm_peer_view s, r;
	struct fsm_events ev;
	struct fsm_seg seg = { DEC_TH_ACK, 77, 0, 0 };

	/* The receiver's FIN sits at 0xffffffff: its ACK is 0. */
	pv(&s, FSM_ST_CLOSE_WAIT, 10, false, 0);
	pv(&r, FSM_ST_FIN_WAIT_1, 0xfffff000u, true, 0xffffffffu);
	fsm_classify(&seg, &s, &r, &ev);
	ck_assert_int_eq(ev.nrcv, 1);
	ck_assert_int_eq(ev.rcv[0], FSM_EV_RCV_ACK_FIN);
	/* One short of it is not an ACK of the FIN. */
	seg.ack = 0xffffffffu;
	fsm_classify(&seg, &s, &r, &ev);
	ck_assert_int_eq(ev.nrcv, 0);
	ck_assert(seq_lt(0xfffffff0u, 0x10u));
	ck_assert(seq_gt(0x10u, 0xfffffff0u));
	ck_assert(seq_le(5, 5));
	ck_assert(seq_ge(0, 0xffffffffu));
	ck_assert(seq_in(2, 0xfffffffeu, 10));
	ck_assert(!seq_in(10, 0xfffffffeu, 10));
}
END_TEST

START_TEST(test_classify_retransmitted_fin)
{
	struct fsm_peer_view s, r;
	struct fsm_events ev;
	struct fsm_seg seg = { DEC_TH_FIN | DEC_TH_ACK, 700, 50, 0 };

	pv(&s, FSM_ST_LAST_ACK, 100, true, 700);
	pv(&r, FSM_ST_TIME_WAIT, 10, true, 49);
	fsm_classify(&seg, &s, &r, &ev);
	ck_assert(ev.fin_retransmit);
	ck_assert_int_eq(ev.nsnd, 0);
	/* It still acknowledges the receiver's FIN, then repeats its own. */
	ck_assert_int_eq(ev.nrcv, 2);
	ck_assert_int_eq(ev.rcv[0], FSM_EV_RCV_ACK_FIN);
	ck_assert_int_eq(ev.rcv[1], FSM_EV_RCV_FIN);
}
END_TEST

START_TEST(test_classify_syn_rst)
{
	struct fsm_peer_view s, r;
	struct fsm_events ev;
	struct fsm_seg syn = { DEC_TH_SYN, 100, 0, 0 };
	struct fsm_seg synack = { DEC_TH_SYN | DEC_TH_ACK, 900, 101, 0 };
	struct fsm_seg rst = { DEC_TH_RST | DEC_TH_ACK | DEC_TH_FIN, 0, 1,
	    0 };

	pv(&s, FSM_ST_CLOSED, 0, false, 0);
	s.syn_seen = false;
	pv(&r, FSM_ST_CLOSED, 0, false, 0);
	r.syn_seen = false;
	fsm_classify(&syn, &s, &r, &ev);
	ck_assert_int_eq(ev.snd[0], FSM_EV_SND_SYN);
	ck_assert_int_eq(ev.rcv[0], FSM_EV_RCV_SYN);
	pv(&r, FSM_ST_SYN_SENT, 100, false, 0);
	fsm_classify(&synack, &s, &r, &ev);
	ck_assert_int_eq(ev.snd[0], FSM_EV_SND_SYNACK);
	ck_assert_int_eq(ev.nrcv, 1);
	ck_assert_int_eq(ev.rcv[0], FSM_EV_RCV_SYNACK);
	/* A SYN-ACK for another SYN does not establish. */
	synack.ack = 555;
	fsm_classify(&synack, &s, &r, &ev);
	ck_assert_int_eq(ev.nrcv, 0);
	/* RST wins over every other flag. */
	fsm_classify(&rst, &s, &r, &ev);
	ck_assert_int_eq(ev.nsnd, 1);
	ck_assert_int_eq(ev.snd[0], FSM_EV_SND_RST);
	ck_assert_int_eq(ev.rcv[0], FSM_EV_RCV_RST);
}
END_TEST

Suite *
make_suite_fsm(void)
{
	Suite *s = suite_create("fsm");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, test_every_cell, 0, FSM_EV_MAX * FSM_ST_MAX);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("classifier");
	tcase_add_test(tc, test_classify_fin_ack_order);
	tcase_add_test(tc, test_classify_wraparound);
	tcase_add_test(tc, test_classify_retransmitted_fin);
	tcase_add_test(tc, test_classify_syn_rst);
	suite_add_tcase(s, tc);
	return s;
}
