/*
 * capture.c: the libpcap read loop.
 *
 * pcap_next_ex() returns 1 for a packet, PCAP_ERROR_BREAK at the end of a
 * savefile, PCAP_ERROR with text for a damaged one; each maps to its own
 * outcome.  A file cut off mid-record is reported with the number of the
 * packet that could not be read, and everything before it has been fed
 * to the analysis already.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "cfg.h"
#include "decode.h"
#include "track.h"

static void
count_result(struct rpt_counters *pc, enum dec_res res, uint8_t trunc)
{
	pc->by_reason[res]++;
	switch (res) {
	case DEC_OK:
		pc->tcp++;
		if (trunc & DEC_TRUNC_OPTS)
			pc->truncated++;
		break;
	case DEC_NOT_IP:
	case DEC_NOT_TCP:
	case DEC_FRAGMENT:
		pc->other++;
		break;
	case DEC_UNSUPPORTED_LINK:
		pc->unsupported_link++;
		pc->other++;
		break;
	case DEC_TRUNC_LINK:
	case DEC_TRUNC_IP:
	case DEC_TRUNC_TCP:
		pc->truncated++;
		break;
	default:
		pc->malformed++;
		break;
	}
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum cap_status
cap_read_file(const struct sf_config *cfg, const char *path, struct trk *t,
    struct rpt_counters *pc, struct sf_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct bpf_program prog;
	struct dec_seg seg;
	enum dec_res res;
	enum cap_status st = CAP_OK;
	pcap_t *p;
	FILE *fp = NULL;
	int dlt, rv, nano, warned = 0;
	long fsize = 0;
	uint64_t n = 0;
	double t0 = 0, tlast = 0;
	char line[512];
	int progress = cfg->progress && cfg->format != FMT_PACKETS;

	errbuf[0] = '\0';
	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL) {
		sf_seterr(err, "%s: %s", path, errbuf);
		return CAP_OPEN_FAILED;
	}
	nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	if (cfg->filter != NULL) {
		if (pcap_compile(p, &prog, cfg->filter, 1,
		    PCAP_NETMASK_UNKNOWN) == -1) {
			sf_seterr(err, "bad filter \"%s\": %s", cfg->filter,
			    pcap_geterr(p));
			pcap_close(p);
			return CAP_BAD_FILTER;
		}
		if (pcap_setfilter(p, &prog) == -1) {
			sf_seterr(err, "%s: cannot set filter: %s", path,
			    pcap_geterr(p));
			pcap_freecode(&prog);
			pcap_close(p);
			return CAP_BAD_FILTER;
		}
		pcap_freecode(&prog);
	}
	dlt = pcap_datalink(p);
	if (!dec_link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		fprintf(stderr, "synfin: %s: link type %d (%s) is not "
		    "supported; its packets are skipped and counted\n", path,
		    dlt, name != NULL ? name : "unknown");
		warned = 1;
	}
	if (progress && strcmp(path, "-") != 0 &&
	    (fp = pcap_file(p)) != NULL) {
		long pos = ftell(fp);

		if (pos >= 0 && fseek(fp, 0, SEEK_END) == 0) {
			fsize = ftell(fp);
			if (fseek(fp, pos, SEEK_SET) != 0)
				fsize = 0;
		}
		t0 = tlast = mono_now();
	}
	pc->files++;
	for (;;) {
		if (cfg->count > 0 && (int64_t)pc->packets >= cfg->count) {
			st = CAP_STOPPED;
			break;
		}
		rv = pcap_next_ex(p, &h, &data);
		if (rv == PCAP_ERROR_BREAK)
			break;
		if (rv != 1) {
			sf_seterr(err, "%s: packet %llu: %s", path,
			    (unsigned long long)(n + 1), rv == PCAP_ERROR ?
			    pcap_geterr(p) : "unexpected read result");
			st = CAP_DAMAGED;
			break;
		}
		n++;
		pc->packets++;
		res = dec_packet(dlt, data, h->caplen, h->len, &seg);
		count_result(pc, res, res == DEC_OK ? seg.trunc : 0);
		if (res != DEC_OK)
			continue;
		seg.ts_ns = (int64_t)h->ts.tv_sec * 1000000000 +
		    (int64_t)h->ts.tv_usec * (nano ? 1 : 1000);
		if (cfg->format == FMT_PACKETS) {
			dec_format_seg(&seg, line, sizeof(line));
			puts(line);
			continue;
		}
		trk_segment(t, &seg, pc->packets);
		if (progress && fsize > 0 && (n & 0xffff) == 0) {
			double now = mono_now();

			if (now - tlast >= 0.5) {
				long pos = ftell(fp);

				fprintf(stderr, "\rsynfin: %s: %3.0f%%  %.0f "
				    "packets/s ", path, pos > 0 ? 100.0 *
				    (double)pos / (double)fsize : 0.0,
				    (double)n / (now - t0));
				tlast = now;
			}
		}
	}
	if (progress && fsize > 0 && tlast != t0)
		fputs("\r\033[K", stderr);
	(void)warned;
	pcap_close(p);
	return st;
}
