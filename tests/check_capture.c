/*
 * check_capture.c: which reader reads a saved file (capture.c).  A classic
 * pcap file in this host's byte order is read by the bulk reader, across
 * its buffer's end; a record libpcap would treat specially is handed to
 * libpcap, and past BULK_GIVE_UP of them libpcap reads the rest alone; a
 * file in the other byte order is libpcap's alone.  The records are
 * counted whoever reads them.  (tests/cli.sh checks that the output is
 * libpcap's own, byte for byte.)  And what the engine reads of a segment
 * reaches it from the reading thread: options included.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cfg.h"
#include "check_suites.h"
#include "detect.h"
#include "track.h"

#define NREC		3000	/* about 330 KB: past the 288 KiB buffer */
#define SNAP		200

static struct sf_config cfg;
static struct det_agg *agg;
static struct trk *trk;
static char path[64];
static struct conn last;	/* the last connection written */
static int nconn;

static void
on_conn(void *arg, const struct conn *c, enum trk_end why)
{
	(void)arg;
	(void)why;
	last = *c;
	nconn++;
}

static void
setup(void)
{
	struct trk_sink sink;
	int fd;

	cfg_init(&cfg);
	cfg.progress = false;
	memset(&sink, 0, sizeof(sink));
	sink.conn = on_conn;
	agg = det_agg_new(&cfg);
	trk = trk_new(&cfg, agg, &sink);
	snprintf(path, sizeof(path), "/tmp/sfcapXXXXXX");
	ck_assert_int_ne(fd = mkstemp(path), -1);
	close(fd);
	memset(&last, 0, sizeof(last));
	nconn = 0;
}

static void
teardown(void)
{
	unlink(path);
	trk_free(trk);
	det_agg_free(agg);
}

static uint32_t
swap32(uint32_t v, int swap)
{
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t
swap16(uint16_t v, int swap)
{
	return swap ? __builtin_bswap16(v) : v;
}

/* A pcap file header: microsecond magic, snapshot length SNAP. */
static FILE *
pcap_open_w(int swap)
{
	uint32_t fh32[5];
	uint16_t ver[2];
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	fh32[0] = swap32(0xa1b2c3d4, swap);
	ver[0] = swap16(2, swap);
	ver[1] = swap16(4, swap);
	fh32[1] = 0;		/* thiszone */
	fh32[2] = 0;		/* sigfigs */
	fh32[3] = swap32(SNAP, swap);
	fh32[4] = swap32(1, swap);	/* DLT_EN10MB */
	ck_assert_int_eq(fwrite(&fh32[0], 4, 1, f), 1);
	ck_assert_int_eq(fwrite(ver, 4, 1, f), 1);
	ck_assert_int_eq(fwrite(&fh32[1], 4, 4, f), 4);
	return f;
}

static void
pcap_put(FILE *f, uint32_t sec, uint32_t frac, const unsigned char *frame,
    uint32_t len, int swap)
{
	uint32_t rh[4];

	rh[0] = swap32(sec, swap);
	rh[1] = swap32(frac, swap);
	rh[2] = swap32(len, swap);
	rh[3] = swap32(len, swap);
	ck_assert_int_eq(fwrite(rh, sizeof(rh), 1, f), 1);
	ck_assert_int_eq(fwrite(frame, len, 1, f), 1);
}

/*
 * Write NREC Ethernet frames of 60 to 139 bytes (ARP: counted, not TCP)
 * to path; record odd (if not -1) is SNAP + 20 bytes long; frac is each
 * record's fraction of a second; swap writes the other byte order.
 */
static void
write_pcap(int odd, uint32_t frac, int swap)
{
	unsigned char frame[SNAP + 20];
	FILE *f = pcap_open_w(swap);
	int i;

	memset(frame, 0, sizeof(frame));
	frame[12] = 0x08;
	frame[13] = 0x06;
	for (i = 0; i < NREC; i++)
		pcap_put(f, 1700000000 + (uint32_t)i, frac, frame,
		    i == odd ? SNAP + 20 : 60 + (uint32_t)(i % 80), swap);
	ck_assert_int_eq(fclose(f), 0);
}

/* Read path with --threads n into *pc: the status. */
static enum cap_status
read_it(int n, struct rpt_counters *pc)
{
	struct sf_err err;

	memset(pc, 0, sizeof(*pc));
	memset(&err, 0, sizeof(err));
	cfg.threads = n;
	return cap_read_file(&cfg, path, trk, pc, &err);
}

/* A file, and who should read its records. */
static const struct {
	const char	*what;
	int		odd;		/* write_pcap()'s arguments */
	uint32_t	frac;
	int		swap;
	uint64_t	malformed;	/* bad time stamps */
	uint64_t	bulk_read, bulk_handed;
} cases[] = {
	{ "every record by the bulk reader", -1, 500000, 0, 0, NREC, 0 },
	{ "one longer than the snapshot length handed to libpcap",
	    1234, 500000, 0, 0, NREC - 1, 1 },
	/* Past 10^6 microseconds: each libpcap's, then all. */
	{ "1,024 handed, then libpcap alone", -1, 2000000, 0, NREC, 0, 1024 },
	{ "the other byte order: libpcap alone", -1, 500000, 1, 0, 0, 0 },
};
#define NCASES	(int)(sizeof(cases) / sizeof(cases[0]))

/* Case _i / 2 with _i % 2 + 1 threads (a reading thread or none). */
START_TEST(test_who_reads)
{
	struct rpt_counters pc;
	int k = _i / 2;

	write_pcap(cases[k].odd, cases[k].frac, cases[k].swap);
	ck_assert_msg(read_it(_i % 2 + 1, &pc) == CAP_OK, "%s", cases[k].what);
	ck_assert_uint_eq(pc.packets, NREC);
	ck_assert_uint_eq(pc.malformed, cases[k].malformed);
	ck_assert_msg(pc.bulk_read == cases[k].bulk_read &&
	    pc.bulk_handed == cases[k].bulk_handed,
	    "%s: bulk_read %llu, bulk_handed %llu", cases[k].what,
	    (unsigned long long)pc.bulk_read,
	    (unsigned long long)pc.bulk_handed);
}
END_TEST

/*
 * An Ethernet, IPv4 and TCP frame from 10.0.0.h:port to 10.0.0.(3 - h)
 * with options MSS 1460, SACK permitted, timestamps tsval and tsecr, NOP
 * and window scale ws: 74 bytes.
 */
static uint32_t
tcp_frame(unsigned char *p, int h, uint16_t sport, uint16_t dport,
    uint32_t seq, uint32_t ack, uint8_t flags, uint32_t tsval,
    uint32_t tsecr, uint8_t ws)
{
	static const unsigned char opts[20] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3,
		3, 0
	};
	unsigned char *ip = p + 14, *th = ip + 20;
	int i;

	memset(p, 0, 74);
	p[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 60;			/* total length */
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = ip[16] = 10;
	ip[15] = (unsigned char)h;
	ip[19] = (unsigned char)(3 - h);
	th[0] = (unsigned char)(sport >> 8);
	th[1] = (unsigned char)sport;
	th[2] = (unsigned char)(dport >> 8);
	th[3] = (unsigned char)dport;
	for (i = 0; i < 4; i++) {
		th[4 + i] = (unsigned char)(seq >> (24 - 8 * i));
		th[8 + i] = (unsigned char)(ack >> (24 - 8 * i));
	}
	th[12] = 10 << 4;		/* 40 bytes with the options */
	th[13] = flags;
	th[14] = 0xff;
	th[15] = 0xff;
	memcpy(th + 20, opts, sizeof(opts));
	for (i = 0; i < 4; i++) {
		th[28 + i] = (unsigned char)(tsval >> (24 - 8 * i));
		th[32 + i] = (unsigned char)(tsecr >> (24 - 8 * i));
	}
	th[39] = ws;
	return 74;
}

/*
 * A SYN and its SYN-ACK, with timestamps and window scales, read with
 * _i + 1 threads: the connection the engine made has them.  With a
 * reading thread they cross to the engine in its items (capture.c's
 * struct cap_item), which hold only part of each segment.
 */
START_TEST(test_options_reach_engine)
{
	unsigned char frame[74];
	FILE *f = pcap_open_w(0);
	struct rpt_counters pc;
	const struct conn_ep *cl = &last.ep[CONN_CLIENT];
	const struct conn_ep *sv = &last.ep[CONN_SERVER];

	pcap_put(f, 1700000000, 1000, frame, tcp_frame(frame, 1, 40000, 80,
	    1000, 0, 0x02, 12345, 0, 7), 0);
	pcap_put(f, 1700000000, 2000, frame, tcp_frame(frame, 2, 80, 40000,
	    5000, 1001, 0x12, 777, 12345, 9), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert(read_it(_i + 1, &pc) == CAP_OK);
	ck_assert_uint_eq(pc.bulk_read, 2);
	trk_finish(trk);
	ck_assert_int_eq(nconn, 1);
	ck_assert_uint_eq(cl->addr[3], 1);
	ck_assert_uint_eq(sv->addr[3], 2);
	ck_assert_uint_eq(cl->port, 40000);
	ck_assert_uint_eq(sv->port, 80);
	ck_assert_uint_eq(cl->iss, 1000);
	ck_assert_uint_eq(sv->iss, 5000);
	ck_assert(cl->ts_seen && sv->ts_seen);
	ck_assert_uint_eq(cl->tsval, 12345);
	ck_assert_uint_eq(sv->tsval, 777);
	ck_assert(cl->wscale_ok && sv->wscale_ok);
	ck_assert_uint_eq(cl->wscale, 7);
	ck_assert_uint_eq(sv->wscale, 9);
	ck_assert_uint_eq(sv->win, 0xffff);
}
END_TEST

Suite *
make_suite_capture(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("bulk reader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_who_reads, 0, 2 * NCASES);
	tcase_add_loop_test(tc, test_options_reach_engine, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
