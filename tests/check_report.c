/*
 * check_report.c: the close part of the reports, on hand-built segments
 * run through the engine.  Text: a closing state still held when the
 * report is written is said to be so, whatever ended the connection, and
 * one that ran its course is not; a half close is told with its bytes
 * and time.  JSON: the half close fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cfg.h"
#include "check_suites.h"
#include "detect.h"
#include "report.h"
#include "segbuild.h"
#include "track.h"

#define S	1000000000LL
#define MS	1000000LL
#define US	1000LL

#define A	DEC_TH_ACK
#define F	(DEC_TH_FIN | DEC_TH_ACK)
#define P	(DEC_TH_PSH | DEC_TH_ACK)

static struct sf_config cfg;
static struct det_agg *agg;
static struct trk *trk;
static struct rpt *rpt;
static FILE *out;
static char *text;
static size_t textlen;
static uint64_t pktno;

static void
setup(void)
{
	cfg_init(&cfg);
	text = NULL;
	textlen = 0;
	pktno = 0;
	trk = NULL;
	rpt = NULL;
	agg = NULL;
	ck_assert_ptr_nonnull(out = open_memstream(&text, &textlen));
}

/* The engine and the report, once cfg is as the test wants it. */
static void
start(enum sf_format fmt)
{
	struct trk_sink sink;

	cfg.format = fmt;
	ck_assert_ptr_nonnull(agg = det_agg_new(&cfg));
	ck_assert_ptr_nonnull(rpt = rpt_new(&cfg, out));
	rpt_sink(rpt, &sink);
	ck_assert_ptr_nonnull(trk = trk_new(&cfg, agg, &sink));
}

/* End the capture and the report; the text is in `text`. */
static void
finish(void)
{
	struct rpt_counters pc;

	memset(&pc, 0, sizeof(pc));
	trk_finish(trk);
	ck_assert_int_eq(rpt_end(rpt, trk_stats(trk), agg, &pc), 0);
	ck_assert_int_eq(fclose(out), 0);
	out = NULL;
}

static void
teardown(void)
{
	rpt_free(rpt);
	trk_free(trk);
	det_agg_free(agg);
	if (out != NULL)
		fclose(out);
	free(text);
}

/* A segment between 10.0.0.1:cport and 10.0.0.2:80. */
static void
seg(uint16_t cport, int c2s, int64_t t, uint8_t flags, uint32_t seq,
    uint32_t ack, uint32_t len)
{
	tb_feed(trk, &pktno, cport, c2s, t, flags, seq, ack, len);
}

/* Handshake (client ISN 100, server ISN 5000) and a 10-byte request. */
static void
open_conn(uint16_t cport, int64_t t)
{
	seg(cport, 1, t, DEC_TH_SYN, 100, 0, 0);
	seg(cport, 0, t + 1 * MS, DEC_TH_SYN | A, 5000, 101, 0);
	seg(cport, 1, t + 2 * MS, A, 101, 5001, 0);
	seg(cport, 1, t + 3 * MS, P, 101, 5001, 10);
	seg(cport, 0, t + 4 * MS, A, 5001, 111, 0);
}

/* The client's FIN at t and the server's bare ACK of it 1 ms later. */
static void
client_fin_acked(uint16_t cport, int64_t t)
{
	seg(cport, 1, t, F, 111, 5001, 0);
	seg(cport, 0, t + 1 * MS, A, 5001, 112, 0);
}

/* Client closes first at t: FIN, ACK 1 ms later, FIN at 2, ACK at 3. */
static void
close_client_first(uint16_t cport, int64_t t)
{
	client_fin_acked(cport, t);
	seg(cport, 0, t + 2 * MS, F, 5001, 112, 0);
	seg(cport, 1, t + 3 * MS, A, 112, 5002, 0);
}

/*
 * Client FIN at 100 ms, then the server sends 3 x 1000 bytes, the last
 * at 2500 ms, and closes at 2510 ms: a half close of 2400 ms.
 */
static void
half_close(uint16_t cport)
{
	client_fin_acked(cport, 100 * MS);
	seg(cport, 0, 300 * MS, P, 5001, 112, 1000);
	seg(cport, 1, 301 * MS, A, 112, 6001, 0);
	seg(cport, 0, 1500 * MS, P, 6001, 112, 1000);
	seg(cport, 0, 2500 * MS, P, 7001, 112, 1000);
	seg(cport, 1, 2501 * MS, A, 112, 8001, 0);
	seg(cport, 0, 2510 * MS, F, 8001, 112, 0);
	seg(cport, 1, 2511 * MS, A, 112, 8002, 0);
}

/* Connection #1 half closes, #2 closes without; then the end. */
static void
half_close_and_not(void)
{
	open_conn(40000, 0);
	half_close(40000);
	open_conn(40001, 3 * S);
	close_client_first(40001, 3100 * MS);
	finish();
}

/* The close line of connection #id, without its newline. */
static char *
close_line(unsigned id)
{
	static char line[1024];
	char head[32];
	const char *p, *q, *e;

	snprintf(head, sizeof(head), "\n#%u ", id);
	ck_assert_ptr_nonnull(p = strstr(text, head));
	e = strstr(p + 1, "\n#");
	ck_assert_ptr_nonnull(q = strstr(p, "\n    close:   "));
	ck_assert(e == NULL || q < e);
	q++;
	e = strchr(q, '\n');
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_lt((size_t)(e - q), sizeof(line));
	memcpy(line, q, (size_t)(e - q));
	line[e - q] = '\0';
	return line;
}

START_TEST(test_tw_at_capture_end)
{
	start(FMT_TEXT);
	open_conn(40000, 0);
	close_client_first(40000, 100 * MS);
	finish();
	/* The client's TIME_WAIT is the time so far: 1 ms, not over. */
	ck_assert_str_eq(close_line(1), "    close:   client FIN +0.100000 "
	    "acked +0.101000, FIN_WAIT_1 1.000 ms, FIN_WAIT_2 1.000 ms, "
	    "TIME_WAIT 1.000 ms (still at capture end); server FIN +0.102000 "
	    "acked +0.103000, CLOSE_WAIT 2.000 ms, LAST_ACK 1.000 ms");
}
END_TEST

START_TEST(test_tw_ran_out)
{
	/* --msl 2: a TIME_WAIT shorter than the linger, kept whole. */
	cfg.msl_ns = 2 * S;
	start(FMT_TEXT);
	open_conn(40000, 0);
	close_client_first(40000, 100 * MS);
	/* Another connection 70 s later: the client's 4 s TIME_WAIT ends. */
	open_conn(40001, 70 * S);
	finish();
	ck_assert_ptr_nonnull(strstr(close_line(1),
	    " TIME_WAIT 4000.000 ms; "));
	ck_assert_ptr_null(strstr(close_line(1), "still"));
}
END_TEST

/* Quiet for the linger time in TIME_WAIT: written then, and it says so. */
START_TEST(test_tw_written)
{
	start(FMT_TEXT);
	open_conn(40000, 0);
	close_client_first(40000, 100 * MS);
	open_conn(40001, 70 * S);
	finish();
	ck_assert_ptr_nonnull(strstr(close_line(1), " TIME_WAIT 5001.000 ms "
	    "(still when written; 2*MSL ends +60.102000); "));
}
END_TEST

START_TEST(test_close_wait_open_at_end)
{
	start(FMT_TEXT);
	open_conn(40000, 0);
	client_fin_acked(40000, 100 * MS);
	finish();
	/*
	 * The server sent no FIN but is in CLOSE_WAIT, and the client's
	 * FIN_WAIT_2 began with the last packet: both are on the line.
	 */
	ck_assert_str_eq(close_line(1), "    close:   client FIN +0.100000 "
	    "acked +0.101000, FIN_WAIT_1 1.000 ms, FIN_WAIT_2 0.000 ms "
	    "(still at capture end); server no FIN, CLOSE_WAIT 1.000 ms "
	    "(still at capture end)");
}
END_TEST

START_TEST(test_close_wait_ended_by_rst)
{
	start(FMT_TEXT);
	open_conn(40000, 0);
	client_fin_acked(40000, 100 * MS);
	seg(40000, 0, 150 * MS, DEC_TH_RST | A, 5001, 112, 0);
	finish();
	/* A CLOSE_WAIT that a RST ended is a length, with no "still". */
	ck_assert_ptr_nonnull(strstr(close_line(1),
	    "; server no FIN, CLOSE_WAIT 50.000 ms"));
	ck_assert_ptr_null(strstr(close_line(1), "still"));
}
END_TEST

START_TEST(test_still_when_idle)
{
	cfg.idle_ns = 5 * S;
	start(FMT_TEXT);
	open_conn(40000, 0);
	client_fin_acked(40000, 100 * MS);
	/* Another connection 10 s later expires the first one idle. */
	open_conn(40001, 10 * S);
	finish();
	ck_assert_ptr_nonnull(strstr(close_line(1), "; server no FIN, "
	    "CLOSE_WAIT 5001.000 ms (still when it expired idle)"));
}
END_TEST

START_TEST(test_superseded_tw_not_still)
{
	start(FMT_TEXT);
	open_conn(40000, 0);
	close_client_first(40000, 100 * MS);
	/* The same tuple 2 s on: the new SYN ends the TIME_WAIT. */
	seg(40000, 1, 2103 * MS, DEC_TH_SYN, 100 + 112 + 65537, 0, 0);
	finish();
	ck_assert_ptr_nonnull(strstr(close_line(1),
	    " TIME_WAIT 2001.000 ms; server"));
}
END_TEST

START_TEST(test_half_close_text)
{
	const char *tail = "; half close: the server sent 3000 bytes over "
	    "2400.000 ms after the client's FIN";
	const char *l;

	start(FMT_TEXT);
	half_close_and_not();
	/* Close status stays normal; the line says what followed the FIN. */
	ck_assert_ptr_nonnull(strstr(text, "#1 10.0.0.1:40000 -> "
	    "10.0.0.2:80  at 22:13:20.000000 UTC  handshake complete, close "
	    "normal (client closed first)"));
	l = close_line(1);
	ck_assert_uint_gt(strlen(l), strlen(tail));
	ck_assert_str_eq(l + strlen(l) - strlen(tail), tail);
	ck_assert_ptr_null(strstr(close_line(2), "half close"));
}
END_TEST

/*
 * The client closes, the server sends more, the client resets it: the
 * client had closed fully, so the close line says data after close.
 */
START_TEST(test_data_after_close_text)
{
	const char *line;

	start(FMT_TEXT);
	open_conn(40000, 0);
	client_fin_acked(40000, 100 * MS);
	seg(40000, 0, 300 * MS, P, 5001, 112, 1000);
	seg(40000, 1, 301 * MS, DEC_TH_RST, 112, 0, 0);
	finish();
	line = close_line(1);
	ck_assert_msg(strstr(line, "; data after close: the server sent "
	    "1000 bytes over 200.000 ms after the client's FIN; the client "
	    "had closed fully, not half (it reset)") != NULL, "%s", line);
	ck_assert_ptr_null(strstr(line, "half close:"));
	ck_assert_ptr_nonnull(strstr(text, "[data_after_close]"));
}
END_TEST

/*
 * The server's FIN sent twice and never acknowledged (the client reset
 * it): the line counts the FINs and says no ACK covered it; the RST says
 * which side was in which state.
 */
START_TEST(test_fin_resent_never_acked)
{
	start(FMT_TEXT);
	open_conn(40000, 0);
	client_fin_acked(40000, 100 * MS);
	seg(40000, 0, 300 * MS, F, 5001, 112, 0);
	seg(40000, 0, 500 * MS, F, 5001, 112, 0);
	seg(40000, 1, 501 * MS, DEC_TH_RST, 112, 0, 0);
	finish();
	ck_assert_msg(strstr(close_line(1), "; server FIN +0.300000 (sent 2 "
	    "times) no ACK seen, CLOSE_WAIT 200.000 ms") != NULL, "%s",
	    close_line(1));
	ck_assert_ptr_null(strstr(close_line(1), "(x2)"));
	ck_assert_msg(strstr(text, "    RST +0.501000 from client "
	    "[after_premature_close] (client in TIME_WAIT, server in "
	    "LAST_ACK): ") != NULL, "%s", text);
}
END_TEST

/*
 * Times of day in UTC: the connection's first packet on its line, the
 * capture's span in the summary (the date once when the day is the same,
 * twice across midnight), the TIME_WAIT peak with its date; a count of
 * one connection is singular.
 */
START_TEST(test_times_of_day)
{
	/* 2026-11-23 23:59:59.250 UTC, after the segments' SB_T0. */
	const int64_t t0 = (1795478399LL - 1700000000LL) * S + 250 * MS;

	start(FMT_TEXT);
	open_conn(40000, t0);
	close_client_first(40000, t0 + 100 * MS);
	finish();
	ck_assert_msg(strstr(text, "\n#1 10.0.0.1:40000 -> 10.0.0.2:80  at "
	    "23:59:59.250000 UTC  handshake complete") != NULL, "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "\n  TCP segments from 2026-11-23 "
	    "23:59:59.250000 to 23:59:59.353000 UTC (103.000 ms)\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n  1 connection (peak 1 open "
	    "at once);"));
	ck_assert_ptr_nonnull(strstr(text, "\n  10.0.0.1 holds toward "
	    "10.0.0.2, server port 80: peak 1 at 2026-11-23 23:59:59.352000 "
	    "UTC, 1 in all"));
	teardown();
	setup();
	start(FMT_TEXT);
	open_conn(40000, t0);
	close_client_first(40000, t0 + 800 * MS);
	open_conn(40001, t0 + 900 * MS);
	finish();
	ck_assert_ptr_nonnull(strstr(text, "\n  TCP segments from 2026-11-23 "
	    "23:59:59.250000 to 2026-11-24 00:00:00.154000 UTC (904.000 ms)"
	    "\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n#2 10.0.0.1:40001 -> "
	    "10.0.0.2:80  at 00:00:00.150000 UTC  "));
	ck_assert_ptr_nonnull(strstr(text, "\n  2 connections (peak"));
}
END_TEST

/*
 * A capture whose clock steps back: times before the connection's first
 * packet are written "-S.uuuuuu" relative to it, as "+S.uuuuuu" after.
 */
START_TEST(test_times_before_first)
{
	start(FMT_TEXT);
	seg(40000, 1, 10 * MS, DEC_TH_SYN, 100, 0, 0);
	seg(40000, 0, 7500 * US, DEC_TH_SYN | A, 5000, 101, 0);
	seg(40000, 1, 1012 * MS, A, 101, 5001, 0);
	finish();
	ck_assert_msg(strstr(text, "\n    handshake: SYN +0.000000, SYN-ACK "
	    "-0.002500, ACK +1.002000\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, " SYN_RECEIVED -0.002500 > ") != NULL,
	    "%s", text);
}
END_TEST

START_TEST(test_half_close_json)
{
	const char *two;

	start(FMT_JSON);
	half_close_and_not();
	ck_assert_ptr_nonnull(strstr(text, "\"id\":1,"));
	ck_assert_ptr_nonnull(strstr(text, "\"close\":{\"status\":"
	    "\"normal\","));
	ck_assert_ptr_nonnull(strstr(text, "}},\"half_close\":true,"
	    "\"half_close_bytes\":3000,\"half_close_duration\":2.400000000},"
	    "\"states\":"));
	/* The second connection: no half close, the fields still there. */
	ck_assert_ptr_nonnull(two = strstr(text, "\"id\":2,"));
	ck_assert_ptr_nonnull(strstr(two, "}},\"half_close\":false,"
	    "\"half_close_bytes\":null,\"half_close_duration\":null},"
	    "\"states\":"));
}
END_TEST

/* ---- the engine's share of the formatting ---- */

/*
 * 3,000 refused connections 10 ms apart, each written once its linger is
 * over (5 s, 500 connections later); when idle, trk_idle() once after
 * every seventh up to the 700th, and once at the end.  So few chunks go
 * over (a handful of 64 KiB) that one is always free, whatever the
 * formatting thread's pace.  The report's text.
 */
static char *
refused_run(enum sf_format fmt, int threads, bool idle)
{
	char *got;
	int i;

	pktno = 0;
	cfg.threads = threads;
	cfg.nfiles = 1;		/* a report on a thread of its own (2) */
	start(fmt);
	for (i = 0; i < 3000; i++) {
		seg(1024 + i, 1, i * 10 * MS, DEC_TH_SYN, 100, 0, 0);
		seg(1024 + i, 0, i * 10 * MS + 1 * MS, DEC_TH_RST | A, 0, 101,
		    0);
		if (idle && i % 7 == 0 && i < 700)
			(void)trk_idle(trk);
	}
	/* Text of its own and connections held at the end, in that order. */
	if (idle)
		ck_assert(trk_idle(trk));
	rpt_final_flush(rpt);
	finish();
	got = text;
	text = NULL;
	rpt_free(rpt);
	trk_free(trk);
	det_agg_free(agg);
	rpt = NULL;
	trk = NULL;
	agg = NULL;
	ck_assert_ptr_nonnull(out = open_memstream(&text, &textlen));
	return got;
}

/*
 * Read with threads: the engine formats some connections itself when it
 * would wait (trk_idle()), holds others back and hands the oldest over
 * as it is when RPT_HOLD (1,024) wait, between chunks of its own text;
 * the report must be the same, byte for byte, as made on one thread.
 * How many times mark occurs in it.
 */
static int
share_same(enum sf_format fmt, const char *mark)
{
	char *one, *two;
	const char *p;
	size_t i;
	int n = 0;

	one = refused_run(fmt, 1, false);
	two = refused_run(fmt, 2, true);
	for (i = 0; one[i] != '\0' && one[i] == two[i]; i++)
		;
	ck_assert_msg(one[i] == two[i], "differs at byte %zu of %zu", i,
	    strlen(one));
	for (p = one; (p = strstr(p, mark)) != NULL; p++)
		n++;
	free(one);
	free(two);
	return n;
}

START_TEST(test_engine_share_json)
{
	ck_assert_int_eq(share_same(FMT_JSON, "\n"), 3001);	/* + summary */
}
END_TEST

/* The text report, whose blocks go through a file of their own. */
START_TEST(test_engine_share_text)
{
	ck_assert_int_eq(share_same(FMT_TEXT, "\n#"), 3000);
}
END_TEST

/* ---- the summary's lists ---- */

/* A segment between any two hosts, as tb_seg() makes it. */
static void
seg_between(uint8_t af, const uint8_t *cl, const uint8_t *sv, uint16_t cport,
    int c2s, int64_t t, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct tb_ends e = { cport, 80, 65535 };
	struct dec_seg s;

	tb_seg(&s, &e, c2s, t, flags, seq, ack, 0);
	s.af = af;
	memset(s.src, 0, sizeof(s.src));
	memset(s.dst, 0, sizeof(s.dst));
	memcpy(s.src, c2s ? cl : sv, af == 6 ? 16 : 4);
	memcpy(s.dst, c2s ? sv : cl, af == 6 ? 16 : 4);
	trk_segment(trk, &s, ++pktno);
}

/* A connection closed by the server first (server_first) or the client. */
static void
closed_between(const uint8_t *cl, const uint8_t *sv, uint16_t cport, int64_t t,
    bool server_first)
{
	seg_between(4, cl, sv, cport, 1, t, DEC_TH_SYN, 100, 0);
	seg_between(4, cl, sv, cport, 0, t + 1, DEC_TH_SYN | A, 5000, 101);
	seg_between(4, cl, sv, cport, 1, t + 2, A, 101, 5001);
	if (server_first) {
		seg_between(4, cl, sv, cport, 0, t + 3, F, 5001, 101);
		seg_between(4, cl, sv, cport, 1, t + 4, A, 101, 5002);
		seg_between(4, cl, sv, cport, 1, t + 5, F, 101, 5002);
		seg_between(4, cl, sv, cport, 0, t + 6, A, 5002, 102);
	} else {
		seg_between(4, cl, sv, cport, 1, t + 3, F, 101, 5001);
		seg_between(4, cl, sv, cport, 0, t + 4, A, 5001, 102);
		seg_between(4, cl, sv, cport, 0, t + 5, F, 5001, 102);
		seg_between(4, cl, sv, cport, 1, t + 6, A, 102, 5002);
	}
}

/*
 * The JSON time_wait list holds the 20 highest peaks and every key near
 * port exhaustion, even one ranked below keys that did not warn: here 21
 * servers each hold 9 TIME_WAITs toward their own client (no warning:
 * the server's ports are not ephemeral), and one client holds 8 toward
 * a server, 80 % of a 10-port range.
 */
START_TEST(test_tw_list_keeps_warned)
{
	uint8_t cl[4] = { 10, 1, 0, 0 }, sv[4] = { 10, 2, 0, 0 };
	const char *p, *list;
	int64_t t = 0;
	unsigned h, k, n;

	cfg.port_lo = 40000;
	cfg.port_hi = 40009;
	start(FMT_JSON);
	for (h = 0; h < 21; h++) {
		cl[3] = sv[3] = (uint8_t)(h + 1);
		for (k = 0; k < 9; k++, t += 10 * MS)
			closed_between(cl, sv, (uint16_t)(40000 + k), t, true);
	}
	cl[2] = sv[2] = 9;
	cl[3] = sv[3] = 0;
	for (k = 0; k < 8; k++, t += 10 * MS)
		closed_between(cl, sv, (uint16_t)(40000 + k), t, false);
	finish();
	ck_assert_ptr_nonnull(list = strstr(text, "\"time_wait\":["));
	for (n = 0, p = list; (p = strstr(p + 1, "{\"holder\":")) != NULL &&
	    p < strstr(list, "],"); n++)
		;
	ck_assert_uint_eq(n, 21);
	ck_assert_ptr_nonnull(p = strstr(list, "{\"holder\":\"10.1.9.0\","
	    "\"peer\":\"10.2.9.0\",\"server_port\":80,\"peak\":8,"));
	ck_assert_ptr_nonnull(strstr(p, "\"near_exhaustion\":true}]"));
}
END_TEST

/* Byte order of two hosts as the netstat view sorts them. */
static int
cmp_addr(const void *x, const void *y)
{
	const uint8_t *a = x, *b = y;

	if (a[0] != b[0])
		return a[0] - b[0];
	return memcmp(a + 1, b + 1, 16);
}

/*
 * The netstat view lists hosts by family, then address in byte order:
 * 300 clients with a SYN each, addresses that differ in scattered bytes
 * and fed in a scrambled order, one in v6_every IPv6.
 */
static void
netstat_order(unsigned v6_every)
{
	uint8_t hosts[300][17], sv[16] = { 192, 0, 2, 80 };
	uint8_t sv6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char name[64], key[96];
	const char *p, *prev;
	unsigned i, j;

	start(FMT_JSON);
	memset(hosts, 0, sizeof(hosts));
	for (i = 0; i < 300; i++) {
		j = (i * 7919u) % 300;		/* scrambled */
		if (j % v6_every == 0) {
			hosts[i][0] = 6;
			hosts[i][1] = 0xfd;
			hosts[i][8] = (uint8_t)(j % 3);
			hosts[i][15] = (uint8_t)(255 - j);
			hosts[i][12] = (uint8_t)(j * 31);
		} else {
			hosts[i][0] = 4;
			hosts[i][1] = (uint8_t)(10 + j % 2 * 162);
			hosts[i][2] = (uint8_t)(j * 13);
			hosts[i][3] = (uint8_t)(j >> 8);
			hosts[i][4] = (uint8_t)j;
		}
		seg_between(hosts[i][0], hosts[i] + 1, hosts[i][0] == 6 ? sv6 :
		    sv, 40000, 1, (int64_t)i * MS, DEC_TH_SYN, 100, 0);
	}
	finish();
	qsort(hosts, 300, sizeof(hosts[0]), cmp_addr);
	ck_assert_ptr_nonnull(prev = strstr(text, "\"netstat\":{"));
	for (i = 0; i < 300; i++) {
		dec_addr_str(hosts[i][0], hosts[i] + 1, name, sizeof(name));
		snprintf(key, sizeof(key), "\"%s\":{\"SYN_SENT\":1}", name);
		ck_assert_msg((p = strstr(text, key)) != NULL, "%s", key);
		ck_assert_msg(p > prev, "%s out of order", key);
		prev = p;
	}
}

/* IPv4 and IPv6 mixed. */
START_TEST(test_netstat_order)
{
	netstat_order(5);
}
END_TEST

/* IPv6 alone, and a single IPv6 host among IPv4 ones. */
START_TEST(test_netstat_order_one_family)
{
	netstat_order(1);
	teardown();
	setup();
	netstat_order(300);
}
END_TEST

/*
 * --interval's "open": a refused connection, both ends CLOSED, is held
 * for --linger but is not open; the one mid-handshake is.
 */
START_TEST(test_interval_open)
{
	struct rpt_counters pc;

	start(FMT_JSON);
	seg(40000, 1, 0, DEC_TH_SYN, 100, 0, 0);
	seg(40000, 0, 1 * MS, DEC_TH_RST | A, 0, 101, 0);
	seg(40001, 1, 1 * S, DEC_TH_SYN, 300, 0, 0);
	ck_assert_uint_eq(trk_stats(trk)->live, 2);
	memset(&pc, 0, sizeof(pc));
	pc.live = 1;
	rpt_interval(rpt, trk, &pc, 1 * S + SB_T0);
	ck_assert_int_eq(fflush(out), 0);
	ck_assert_ptr_nonnull(strstr(text, "\"connections\":2,\"open\":1,"));
	ck_assert_ptr_nonnull(strstr(text, "\"SYN_SENT\":1"));
	finish();
}
END_TEST

Suite *
make_suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("close line");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tw_at_capture_end);
	tcase_add_test(tc, test_tw_ran_out);
	tcase_add_test(tc, test_tw_written);
	tcase_add_test(tc, test_close_wait_open_at_end);
	tcase_add_test(tc, test_close_wait_ended_by_rst);
	tcase_add_test(tc, test_still_when_idle);
	tcase_add_test(tc, test_superseded_tw_not_still);
	tcase_add_test(tc, test_half_close_text);
	tcase_add_test(tc, test_half_close_json);
	tcase_add_test(tc, test_engine_share_json);
	tcase_add_test(tc, test_engine_share_text);
	tcase_add_test(tc, test_data_after_close_text);
	tcase_add_test(tc, test_fin_resent_never_acked);
	tcase_add_test(tc, test_times_of_day);
	tcase_add_test(tc, test_times_before_first);
	suite_add_tcase(s, tc);
	tc = tcase_create("summary lists");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tw_list_keeps_warned);
	tcase_add_test(tc, test_netstat_order);
	tcase_add_test(tc, test_netstat_order_one_family);
	tcase_add_test(tc, test_interval_open);
	suite_add_tcase(s, tc);
	return s;
}
