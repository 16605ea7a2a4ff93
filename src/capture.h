/*
 * capture.h: reading packets with libpcap, from saved files (pcap and
 * pcapng, nanosecond timestamps where the file has them) or a live
 * interface, with an optional BPF filter.
 */
#ifndef SYNFIN_CAPTURE_H
#define SYNFIN_CAPTURE_H

#include <stdint.h>

#include "err.h"
#include "report.h"

struct sf_config;
struct trk;

/* Outcome of reading one source. */
enum cap_status {
	CAP_OK = 0,		/* read to the end */
	CAP_DAMAGED,		/* stopped early: damaged or cut short */
	CAP_OPEN_FAILED,	/* could not open or not a capture */
	CAP_BAD_FILTER,		/* the filter does not compile */
	CAP_STOPPED		/* -c COUNT reached, or a signal */
};

/*
 * Read one file ("-" is stdin) and feed every TCP segment to t (or, with
 * --packets, print it).  Counters accumulate in pc.  err gets the message.
 */
enum cap_status	cap_read_file(const struct sf_config *cfg, const char *path,
		    struct trk *t, struct rpt_counters *pc, struct sf_err *err);

#endif /* SYNFIN_CAPTURE_H */
