/*
 * report.h: the report writers.  Each consumes finished connections as
 * the engine hands them over and owns no analysis state; the summary is
 * written at the end from the engine's counters and the aggregates.
 */
#ifndef SYNFIN_REPORT_H
#define SYNFIN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "conn.h"
#include "track.h"

struct sf_config;
struct det_agg;
struct dup_table;

/* Capture-level counters (capture.c fills them). */
struct rpt_counters {
	uint64_t	packets;
	uint64_t	tcp;
	uint64_t	other;		/* not IP, not TCP */
	uint64_t	truncated;	/* snaplen cut a header or payload */
	uint64_t	malformed;
	uint64_t	duplicates;	/* capture duplicates, not analysed */
	uint64_t	by_reason[DEC_RES_MAX];
	uint64_t	unsupported_link;
	uint64_t	files;
	uint64_t	kernel_drops;	/* pcap_stats, live only */
	uint64_t	if_drops;
	/*
	 * Records of classic pcap files read by synfin's bulk reader and
	 * handed by it to libpcap (capture.c): for the tests, not reported.
	 */
	uint64_t	bulk_read;
	uint64_t	bulk_handed;
	int		live;
	int		input_error;	/* exit status 2 will follow */
	/*
	 * Not a count: the table that finds the duplicates (dedup.h), used
	 * by whichever thread decodes, or NULL to analyse them all.
	 */
	struct dup_table *dedup;
};

struct rpt;

struct rpt	*rpt_new(const struct sf_config *cfg, FILE *out);
void		rpt_free(struct rpt *r);
/* The sink to hand to trk_new(). */
void		rpt_sink(struct rpt *r, struct trk_sink *sink);
/*
 * The capture is over: the engine will hand over every connection still
 * open at once (trk_finish()); let them all wait to be formatted.
 */
void		rpt_final_flush(struct rpt *r);
/* Write the end of the report (summary, netstat view). */
int		rpt_end(struct rpt *r, const struct trk_stats *ts,
		    const struct det_agg *agg, const struct rpt_counters *pc);
/*
 * Why the temporary file of the text report's blocks or the Zeek log's
 * rows took no more (an errno), so that the rest was written as it came:
 * the verdict counts after the blocks, #open from the first row; or 0.
 */
int		rpt_spill_errno(const struct rpt *r);
/*
 * Periodic view for live capture (--interval): counters so far and, per
 * host, its live connections per state at now (ns since the epoch).
 */
void		rpt_interval(struct rpt *r, struct trk *t,
		    const struct rpt_counters *pc, int64_t now);
/*
 * Live timer tick: announce each CLOSE_WAIT that crossed --close-wait in
 * [from, to) (ns since the epoch), once, while it is still open.
 */
void		rpt_live_tick(struct rpt *r, struct trk *t, int64_t from,
		    int64_t to);

/* Formatting helpers shared by the writers. */
const char	*rpt_addr(const struct conn *c, int side, char *buf,
		    size_t len);

#endif /* SYNFIN_REPORT_H */
