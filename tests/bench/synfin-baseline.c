/*
 * synfin-baseline.c: the floor that `make bench` measures synfin against.
 *
 * It reads every packet of a capture with pcap_next_ex() and decodes its
 * link, IP and TCP headers with synfin's own dec_packet(), and does
 * nothing else: no flow table, no state machine, no report.  The time
 * synfin spends above this is the cost of its analysis.  So that the
 * compiler cannot drop the decoding, it prints the number of packets, of
 * TCP segments and a checksum over every segment's (seq ^ ack).
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "decode.h"

static int	run(const char *);

static int
run(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct dec_seg seg;
	uint64_t packets = 0, segs = 0, sum = 0, res[DEC_RES_MAX];
	pcap_t *p;
	enum dec_res r;
	int dlt, rc, i;

	memset(res, 0, sizeof(res));
	errbuf[0] = '\0';
	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL) {
		fprintf(stderr, "synfin-baseline: %s: %s\n", path, errbuf);
		return 2;
	}
	dlt = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		r = dec_packet(dlt, data, h->caplen, h->len, &seg);
		res[r < DEC_RES_MAX ? r : 0]++;
		if (r != DEC_OK)
			continue;
		seg.ts_ns = (int64_t)h->ts.tv_sec * 1000000000 +
		    h->ts.tv_usec;
		segs++;
		sum += seg.seq ^ seg.ack;
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "synfin-baseline: %s: packet %" PRIu64
		    ": %s\n", path, packets + 1, pcap_geterr(p));
		pcap_close(p);
		return 2;
	}
	pcap_close(p);
	printf("file %s\npackets %" PRIu64 "\ntcp_segments %" PRIu64
	    "\nchecksum %016" PRIx64 "\n", path, packets, segs, sum);
	for (i = 1; i < DEC_RES_MAX; i++)
		if (res[i] != 0)
			printf("skipped_%s %" PRIu64 "\n",
			    dec_res_name((enum dec_res)i), res[i]);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, rc, worst = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: synfin-baseline file ...\n");
		return 1;
	}
	for (i = 1; i < argc; i++)
		if ((rc = run(argv[i])) > worst)
			worst = rc;
	if (fflush(stdout) == EOF) {
		perror("synfin-baseline: stdout");
		return 2;
	}
	return worst;
}
