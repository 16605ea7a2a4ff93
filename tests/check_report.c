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
	    "acked +0.101000; FIN_WAIT_1 1.000 ms FIN_WAIT_2 1.000 ms "
	    "TIME_WAIT 1.000 ms (still at capture end); server FIN +0.102000 "
	    "acked +0.103000; CLOSE_WAIT 2.000 ms LAST_ACK 1.000 ms;");
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
	ck_assert_ptr_nonnull(strstr(close_line(1), " TIME_WAIT 4000.000 ms; "));
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
	    "acked +0.101000; FIN_WAIT_1 1.000 ms FIN_WAIT_2 0.000 ms "
	    "(still at capture end); server no FIN; CLOSE_WAIT 1.000 ms "
	    "(still at capture end);");
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
	    "; server no FIN; CLOSE_WAIT 50.000 ms;"));
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
	ck_assert_ptr_nonnull(strstr(close_line(1), "; server no FIN; "
	    "CLOSE_WAIT 5001.000 ms (still when it expired idle);"));
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
	    "10.0.0.2:80  handshake complete, close normal (client closed "
	    "first)"));
	l = close_line(1);
	ck_assert_uint_gt(strlen(l), strlen(tail));
	ck_assert_str_eq(l + strlen(l) - strlen(tail), tail);
	ck_assert_ptr_null(strstr(close_line(2), "half close"));
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
	suite_add_tcase(s, tc);
	return s;
}
