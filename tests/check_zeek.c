/*
 * check_zeek.c: Zeek's view of connections (zeek.c) on hand-built
 * segments driven through the engine: every conn_state code, the history
 * letters and their repetition rules, the choice of originator and its
 * flips, Zeek's timers splitting one 5-tuple into several rows, and the
 * conn.log writer.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "cfg.h"
#include "check_suites.h"
#include "segbuild.h"
#include "detect.h"
#include "track.h"
#include "zeek.h"

#define S	1000000000LL
#define MS	1000000LL
#define T0	(1700000000LL * S)

#define SYN	DEC_TH_SYN
#define SA	(DEC_TH_SYN | DEC_TH_ACK)
#define A	DEC_TH_ACK
#define PA	(DEC_TH_PSH | DEC_TH_ACK)
#define FA	(DEC_TH_FIN | DEC_TH_ACK)
#define R	DEC_TH_RST
#define RA	(DEC_TH_RST | DEC_TH_ACK)

/* What the sink saw of each conn.log row. */
struct zrow {
	char		state[8];
	char		hist[ZK_HIST_MAX + 1];
	int		orig_is_client;	/* 1: the host at 10.0.0.1 */
	uint64_t	pkts[2];
	uint64_t	bytes[2];
	uint64_t	missed;
};

static struct zrow rows[16];
static int nrows;
static struct sf_config cfg;
static struct det_agg *agg;
static struct trk *trk;
static uint64_t pktno;
static uint16_t cport, sport;	/* client 10.0.0.1, server 10.0.0.2 */
static uint16_t win;

static void
on_conn(void *arg, const struct conn *c, enum trk_end why)
{
	struct zk_row r;
	size_t i;

	(void)arg;
	(void)why;
	for (i = 0; i < zk_row_count(c) && nrows < 16; i++) {
		struct zrow *z = &rows[nrows++];

		ck_assert(zk_row(c, i, &r));
		memset(z, 0, sizeof(*z));
		snprintf(z->state, sizeof(z->state), "%s",
		    zk_conn_state_name(r.conn_state));
		memcpy(z->hist, r.history, sizeof(z->hist));
		z->orig_is_client = c->ep[r.orig].addr[3] == 1;
		z->pkts[0] = r.pkts[0];
		z->pkts[1] = r.pkts[1];
		z->bytes[0] = r.bytes[0];
		z->bytes[1] = r.bytes[1];
		z->missed = r.missed;
	}
}

static void
setup(void)
{
	struct trk_sink sink;

	cfg_init(&cfg);
	cfg.format = FMT_ZEEK;
	memset(&sink, 0, sizeof(sink));
	sink.conn = on_conn;
	agg = det_agg_new(&cfg);
	trk = trk_new(&cfg, agg, &sink);
	nrows = 0;
	pktno = 0;
	cport = 40000;
	sport = 80;
	win = 65535;
}

static void
teardown(void)
{
	trk_free(trk);
	det_agg_free(agg);
}

/* One segment; c2s: from the client 10.0.0.1 to the server 10.0.0.2. */
static void
seg(int c2s, int64_t t, uint8_t flags, uint32_t seq, uint32_t ack,
    uint32_t len)
{
	struct tb_ends e = { cport, sport, win };
	struct dec_seg s;

	tb_seg(&s, &e, c2s, t, flags, seq, ack, len);
	trk_segment(trk, &s, ++pktno);
}

/* Client ISN 100, server ISN 5000: handshake and a 10-byte request. */
static void
hs_and_request(void)
{
	seg(1, 0, SYN, 100, 0, 0);
	seg(0, 1 * MS, SA, 5000, 101, 0);
	seg(1, 2 * MS, A, 101, 5001, 0);
	seg(1, 3 * MS, PA, 101, 5001, 10);
}

/* The server answers the request with 20 bytes; the client ACKs. */
static void
response(void)
{
	seg(0, 4 * MS, PA, 5001, 111, 20);
	seg(1, 5 * MS, A, 111, 5021, 0);
}

static void
done(void)
{
	trk_finish(trk);
}

static void
expect(int i, const char *state, const char *hist)
{
	ck_assert_int_gt(nrows, i);
	ck_assert_str_eq(rows[i].state, state);
	ck_assert_str_eq(rows[i].hist, hist);
}

/* ---- conn_state, one code each ---- */

START_TEST(test_sf)
{
	hs_and_request();
	response();
	seg(1, 6 * MS, FA, 111, 5021, 0);
	seg(0, 7 * MS, FA, 5021, 112, 0);
	seg(1, 8 * MS, A, 112, 5022, 0);
	done();
	ck_assert_int_eq(nrows, 1);
	expect(0, "SF", "ShADdFf");
	ck_assert_int_eq(rows[0].orig_is_client, 1);
	ck_assert_uint_eq(rows[0].bytes[0], 10);
	ck_assert_uint_eq(rows[0].bytes[1], 20);
	ck_assert_uint_eq(rows[0].pkts[0], 6);
	ck_assert_uint_eq(rows[0].pkts[1], 3);
}
END_TEST

START_TEST(test_s0)
{
	seg(1, 0, SYN, 100, 0, 0);
	done();
	expect(0, "S0", "S");
}
END_TEST

START_TEST(test_rej)
{
	seg(1, 0, SYN, 100, 0, 0);
	seg(0, 1 * MS, RA, 0, 101, 0);
	done();
	expect(0, "REJ", "Sr");
}
END_TEST

START_TEST(test_s1)
{
	hs_and_request();
	response();
	done();
	expect(0, "S1", "ShADd");
}
END_TEST

START_TEST(test_rsto)
{
	hs_and_request();
	seg(1, 4 * MS, RA, 111, 5001, 0);
	done();
	expect(0, "RSTO", "ShADR");
}
END_TEST

START_TEST(test_rstr)
{
	hs_and_request();
	seg(0, 4 * MS, RA, 5001, 111, 0);
	done();
	expect(0, "RSTR", "ShADr");
}
END_TEST

/* The client talks into the void: SYN, ACK, data, FIN in 5 s. */
START_TEST(test_sh)
{
	seg(1, 0, SYN, 100, 0, 0);
	seg(1, 1 * S, A, 101, 5001, 0);
	seg(1, 2 * S, PA, 101, 5001, 10);
	seg(1, 3 * S, FA, 111, 5001, 0);
	done();
	expect(0, "SH", "SADF");
}
END_TEST

/* Only the server is seen: SYN-ACK, data, FIN (port 80 flips it). */
START_TEST(test_shr)
{
	seg(0, 0, SA, 5000, 101, 0);
	seg(0, 1 * MS, PA, 5001, 101, 20);
	seg(0, 2 * MS, FA, 5021, 101, 0);
	done();
	expect(0, "SHR", "^hdf");
	ck_assert_int_eq(rows[0].orig_is_client, 1);
}
END_TEST

/* Midstream, no SYN, no close. */
START_TEST(test_oth)
{
	cport = 40000;
	sport = 50000;
	seg(1, 0, PA, 1000, 7000, 10);
	seg(0, 1 * MS, PA, 7000, 1010, 10);
	done();
	expect(0, "OTH", "Dd");
}
END_TEST

START_TEST(test_rstos0)
{
	seg(1, 0, SYN, 100, 0, 0);
	seg(1, 1 * S, R, 101, 0, 0);
	done();
	expect(0, "RSTOS0", "SR");
}
END_TEST

/* The SYN-ACK arrives, then the responder resets; no SYN seen. */
START_TEST(test_rstrh)
{
	seg(0, 0, SA, 5000, 101, 0);
	seg(0, 1 * MS, R, 5001, 0, 0);
	done();
	expect(0, "RSTRH", "^hr");
}
END_TEST

START_TEST(test_s2)
{
	hs_and_request();
	seg(1, 4 * MS, FA, 111, 5001, 0);
	done();
	expect(0, "S2", "ShADF");
}
END_TEST

START_TEST(test_s3)
{
	hs_and_request();
	seg(0, 4 * MS, FA, 5001, 111, 0);
	done();
	expect(0, "S3", "ShADf");
}
END_TEST

/* ---- history letters and their repetition ---- */

/* A and D once per direction; a SYN again with the same number: no S. */
START_TEST(test_once_per_direction)
{
	seg(1, 0, SYN, 100, 0, 0);
	seg(1, 1 * S, SYN, 100, 0, 0);
	seg(0, 1 * S + 1 * MS, SA, 5000, 101, 0);
	seg(1, 1 * S + 2 * MS, A, 101, 5001, 0);
	seg(1, 1 * S + 3 * MS, PA, 101, 5001, 10);
	seg(1, 1 * S + 4 * MS, PA, 111, 5001, 10);
	seg(0, 1 * S + 5 * MS, A, 5001, 121, 0);
	seg(1, 1 * S + 6 * MS, A, 121, 5001, 0);
	seg(0, 1 * S + 7 * MS, A, 5001, 121, 0);
	done();
	expect(0, "S1", "ShADa");
}
END_TEST

/* F again only for a FIN at another sequence number; same for R. */
START_TEST(test_fin_rst_repeat)
{
	hs_and_request();
	seg(1, 4 * MS, FA, 111, 5001, 0);
	seg(1, 5 * MS, FA, 111, 5001, 0);	/* retransmission */
	seg(0, 6 * MS, RA, 5001, 112, 0);
	seg(0, 7 * MS, RA, 5001, 112, 0);	/* same number */
	seg(0, 8 * MS, R, 5002, 0, 0);		/* another number */
	done();
	expect(0, "RSTR", "ShADFrr");
}
END_TEST

/* T at the 1st and 10th retransmission, not at the 9th. */
START_TEST(test_retransmit_log)
{
	int i;

	hs_and_request();
	for (i = 0; i < 9; i++)
		seg(1, (4 + i) * MS, PA, 101, 5001, 10);
	seg(0, 20 * MS, A, 5001, 111, 0);
	done();
	expect(0, "S1", "ShADTa");
	teardown();
	setup();
	hs_and_request();
	for (i = 0; i < 10; i++)
		seg(1, (4 + i) * MS, PA, 101, 5001, 10);
	done();
	expect(0, "S1", "ShADTT");
}
END_TEST

/* W for a zero window, not when it comes with a RST. */
START_TEST(test_zero_window)
{
	hs_and_request();
	win = 0;
	seg(0, 4 * MS, A, 5001, 111, 0);
	seg(0, 5 * MS, RA, 5001, 111, 0);
	done();
	expect(0, "RSTR", "ShADawr");
}
END_TEST

/* The server ACKs bytes it never got: a content gap, g is the client's. */
START_TEST(test_gap)
{
	hs_and_request();
	/* 10 bytes at 121 seen, 111..120 never: the ACK covers the hole. */
	seg(1, 4 * MS, PA, 121, 5001, 10);
	seg(0, 5 * MS, A, 5001, 131, 0);
	done();
	expect(0, "S1", "ShADaG");
	ck_assert_uint_eq(rows[0].missed, 10);
	ck_assert_uint_eq(rows[0].bytes[0], 30);
}
END_TEST

/* ---- originator and flips ---- */

/* A SYN-ACK from a non-server port is kept; the ACK after it flips. */
START_TEST(test_flip_after_synack)
{
	sport = 50000;
	seg(0, 0, SA, 5000, 101, 0);
	seg(1, 1 * MS, A, 101, 5001, 0);
	seg(1, 2 * MS, PA, 101, 5001, 10);
	done();
	expect(0, "OTH", "^hAD");
	ck_assert_int_eq(rows[0].orig_is_client, 1);
}
END_TEST

/* Midstream data from a likely server port: its peer is the originator. */
START_TEST(test_flip_server_port)
{
	seg(0, 0, PA, 5001, 101, 20);
	seg(1, 1 * MS, A, 101, 5021, 0);
	done();
	expect(0, "OTH", "^dA");
	ck_assert_int_eq(rows[0].orig_is_client, 1);
}
END_TEST

/* Both ports likely: swap only for the sender on the lower port. */
START_TEST(test_flip_both_likely)
{
	cport = 443;
	sport = 80;
	seg(1, 0, PA, 1000, 7000, 10);		/* 443 -> 80: kept */
	done();
	expect(0, "OTH", "D");
	ck_assert_int_eq(rows[0].orig_is_client, 1);
	teardown();
	setup();
	cport = 443;
	sport = 80;
	seg(0, 0, PA, 7000, 1000, 10);		/* 80 -> 443: swapped */
	done();
	expect(0, "OTH", "^d");
	ck_assert_int_eq(rows[0].orig_is_client, 1);
}
END_TEST

/* The SYN-ACK captured before its SYN: Zeek swaps when the SYN comes. */
START_TEST(test_flip_reversed_handshake)
{
	sport = 50000;
	seg(0, 0, SA, 5000, 101, 0);
	seg(1, 1 * MS, SYN, 100, 0, 0);
	seg(1, 2 * MS, A, 101, 5001, 0);
	done();
	expect(0, "S1", "Hs^A");
	ck_assert_int_eq(rows[0].orig_is_client, 1);
}
END_TEST

/* ---- Zeek's timers split a 5-tuple into rows ---- */

/* The SYN is given up on after 5 s: its retransmission is a new row. */
START_TEST(test_attempt_timeout)
{
	seg(1, 0, SYN, 100, 0, 0);
	seg(1, 3 * S, SYN, 100, 0, 0);
	seg(1, 9 * S, SYN, 100, 0, 0);
	done();
	ck_assert_int_eq(nrows, 2);
	expect(0, "S0", "S");
	expect(1, "S0", "S");
	ck_assert_uint_eq(rows[0].pkts[0], 2);
	ck_assert_uint_eq(rows[1].pkts[0], 1);
}
END_TEST

/* A SYN after a RST opens a new connection even with the same number. */
START_TEST(test_reuse_after_reset)
{
	seg(1, 0, SYN, 100, 0, 0);
	seg(0, 1 * MS, RA, 0, 101, 0);
	seg(1, 500 * MS, SYN, 100, 0, 0);
	seg(0, 501 * MS, RA, 0, 101, 0);
	done();
	ck_assert_int_eq(nrows, 2);
	expect(0, "REJ", "Sr");
	expect(1, "REJ", "Sr");
}
END_TEST

/* 5 s after the close Zeek forgets it: a late ACK stands alone. */
START_TEST(test_close_delay)
{
	hs_and_request();
	seg(1, 4 * MS, FA, 111, 5001, 0);
	seg(0, 5 * MS, FA, 5001, 112, 0);
	seg(1, 6 * MS, A, 112, 5002, 0);
	seg(0, 7 * S, A, 5002, 112, 0);
	done();
	ck_assert_int_eq(nrows, 2);
	expect(0, "SF", "ShADFf");
	expect(1, "OTH", "^a");
}
END_TEST

/* ---- the writer ---- */

START_TEST(test_log_tsv)
{
	struct zk_log *l;
	char line[1024];
	FILE *f;
	int fields = 0, rowsn = 0, close = 0;

	ck_assert_ptr_nonnull(f = tmpfile());
	ck_assert_ptr_nonnull(l = zk_log_new(&cfg, f));
	ck_assert_int_eq(zk_log_end(l, T0, T0 + 61 * S), 0);
	zk_log_free(l);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "#fields\tts\tuid\tid.orig_h", 24) == 0)
			fields++;
		else if (strcmp(line, "#open\t2023-11-14-22-13-20\n") == 0)
			fields++;
		else if (strcmp(line, "#close\t2023-11-14-22-14-21\n") == 0)
			close++;
		else if (line[0] != '#')
			rowsn++;
	}
	fclose(f);
	ck_assert_int_eq(fields, 2);
	ck_assert_int_eq(close, 1);
	ck_assert_int_eq(rowsn, 0);
}
END_TEST

static void
log_sink(void *arg, const struct conn *c, enum trk_end why)
{
	(void)why;
	zk_log_conn(arg, c);
}

/* One connection through the engine into a conn.log: the exact row. */
START_TEST(test_log_row)
{
	static const char want[] =
	    "1700000000.000000\tCxa4nnuU8qM3M5Ry2c\t10.0.0.1\t40000"
	    "\t10.0.0.2\t80\ttcp\t-\t0.007000\t10\t20\tSF\t-\t-\t0"
	    "\tShADdFf\t6\t250\t3\t140\t-\n";
	struct trk_sink sink;
	struct zk_log *l;
	char line[1024];
	FILE *f;
	int found = 0;

	ck_assert_ptr_nonnull(f = tmpfile());
	ck_assert_ptr_nonnull(l = zk_log_new(&cfg, f));
	trk_free(trk);
	memset(&sink, 0, sizeof(sink));
	sink.conn = log_sink;
	sink.arg = l;
	trk = trk_new(&cfg, agg, &sink);
	hs_and_request();
	response();
	seg(1, 6 * MS, FA, 111, 5021, 0);
	seg(0, 7 * MS, FA, 5021, 112, 0);
	seg(1, 8 * MS, A, 112, 5022, 0);
	done();
	ck_assert_int_eq(zk_log_end(l, T0, T0 + 8 * MS), 0);
	zk_log_free(l);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] != '#') {
			ck_assert_str_eq(line, want);
			found++;
		}
	fclose(f);
	ck_assert_int_eq(found, 1);
}
END_TEST

START_TEST(test_likely_ports)
{
	ck_assert(zk_likely_server_port(22));
	ck_assert(zk_likely_server_port(443));
	ck_assert(zk_likely_server_port(20000));
	ck_assert(!zk_likely_server_port(23));
	ck_assert(!zk_likely_server_port(40000));
}
END_TEST

Suite *
make_suite_zeek(void)
{
	Suite *s = suite_create("zeek");
	TCase *st = tcase_create("conn_state");
	TCase *hi = tcase_create("history");
	TCase *ro = tcase_create("roles");
	TCase *ti = tcase_create("timers");
	TCase *lg = tcase_create("log");

	tcase_add_checked_fixture(st, setup, teardown);
	tcase_add_test(st, test_sf);
	tcase_add_test(st, test_s0);
	tcase_add_test(st, test_rej);
	tcase_add_test(st, test_s1);
	tcase_add_test(st, test_rsto);
	tcase_add_test(st, test_rstr);
	tcase_add_test(st, test_sh);
	tcase_add_test(st, test_shr);
	tcase_add_test(st, test_oth);
	tcase_add_test(st, test_rstos0);
	tcase_add_test(st, test_rstrh);
	tcase_add_test(st, test_s2);
	tcase_add_test(st, test_s3);
	suite_add_tcase(s, st);

	tcase_add_checked_fixture(hi, setup, teardown);
	tcase_add_test(hi, test_once_per_direction);
	tcase_add_test(hi, test_fin_rst_repeat);
	tcase_add_test(hi, test_retransmit_log);
	tcase_add_test(hi, test_zero_window);
	tcase_add_test(hi, test_gap);
	suite_add_tcase(s, hi);

	tcase_add_checked_fixture(ro, setup, teardown);
	tcase_add_test(ro, test_flip_after_synack);
	tcase_add_test(ro, test_flip_server_port);
	tcase_add_test(ro, test_flip_both_likely);
	tcase_add_test(ro, test_flip_reversed_handshake);
	suite_add_tcase(s, ro);

	tcase_add_checked_fixture(ti, setup, teardown);
	tcase_add_test(ti, test_attempt_timeout);
	tcase_add_test(ti, test_reuse_after_reset);
	tcase_add_test(ti, test_close_delay);
	suite_add_tcase(s, ti);

	tcase_add_checked_fixture(lg, setup, teardown);
	tcase_add_test(lg, test_log_tsv);
	tcase_add_test(lg, test_log_row);
	tcase_add_test(lg, test_likely_ports);
	suite_add_tcase(s, lg);
	return s;
}
