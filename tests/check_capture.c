/*
 * check_capture.c: which reader reads a saved file (capture.c).  A classic
 * pcap file in this host's byte order is read by the bulk reader, across
 * its buffer's end; a record libpcap would treat specially is handed to
 * libpcap, and past BULK_GIVE_UP of them libpcap reads the rest alone; a
 * file in the other byte order is libpcap's alone.  The records are
 * counted whoever reads them.  (tests/cli.sh checks that the output is
 * libpcap's own, byte for byte.)
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

static void
on_conn(void *arg, const struct conn *c, enum trk_end why)
{
	(void)arg;
	(void)c;
	(void)why;
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

/*
 * Write NREC Ethernet frames of 60 to 139 bytes (ARP: counted, not TCP)
 * to path, microsecond magic, snapshot length SNAP; record odd (if not
 * -1) is SNAP + 20 bytes long; frac is each record's fraction of a
 * second; swap writes the other byte order.
 */
static void
write_pcap(int odd, uint32_t frac, int swap)
{
	unsigned char frame[SNAP + 20];
	uint32_t fh32[5], rh[4];
	uint16_t ver[2];
	FILE *f;
	int i;

	memset(frame, 0, sizeof(frame));
	frame[12] = 0x08;
	frame[13] = 0x06;
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
	for (i = 0; i < NREC; i++) {
		uint32_t len = i == odd ? SNAP + 20 : 60 + (uint32_t)(i % 80);

		rh[0] = swap32(1700000000 + (uint32_t)i, swap);
		rh[1] = swap32(frac, swap);
		rh[2] = swap32(len, swap);
		rh[3] = swap32(len, swap);
		ck_assert_int_eq(fwrite(rh, sizeof(rh), 1, f), 1);
		ck_assert_int_eq(fwrite(frame, len, 1, f), 1);
	}
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

Suite *
make_suite_capture(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("bulk reader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_who_reads, 0, 2 * NCASES);
	suite_add_tcase(s, tc);
	return s;
}
