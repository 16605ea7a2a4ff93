/*
 * detect.h: detectors.  They read a connection (and the segment that is
 * being applied) and write verdicts: RST classes, findings, handshake and
 * close status, and the capture-wide aggregates (CLOSE_WAIT per server
 * endpoint, TIME_WAIT pressure, the netstat view).
 */
#ifndef SYNFIN_DETECT_H
#define SYNFIN_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "decode.h"

struct sf_config;
struct det_agg;

/* detect_rst.c: classify a RST from side `from` before it is applied. */
void	det_rst_classify(const struct conn *c, int from,
	    const struct dec_seg *seg, bool acceptable, uint8_t answers,
	    struct conn_rst *out);
/* RFC 5961 3.2 acceptability of a RST sent by `from`. */
bool	det_rst_acceptable(const struct conn *c, int from,
	    const struct dec_seg *seg);
int	det_rst_explain(const struct conn_rst *r, char *buf, size_t len);

/* detect_reuse.c: a SYN opened new on the tuple of old. */
void	det_reuse(const struct conn *old, struct conn *new,
	    const struct dec_seg *syn, int64_t msl_ns, unsigned cap);
/*
 * What a 2*MSL check needs of the previous incarnation, per side
 * (CONN_CLIENT, CONN_SERVER of that incarnation): the compact record
 * the engine keeps of a connection written while in TIME_WAIT.
 */
struct det_prior {
	uint64_t	id;
	int64_t		t_tw[2];	/* entry into TIME_WAIT, 0 = not */
	uint32_t	snd_nxt[2];
	uint32_t	tsval[2];
	bool		snd_valid[2];
	bool		ts_seen[2];
};
/*
 * A SYN from side `from` of the previous incarnation opened new while
 * side `holder` of it held TIME_WAIT: add the two_msl_violation finding.
 */
void	det_reuse_tw(const struct det_prior *p, int from, int holder,
	    struct conn *new, const struct dec_seg *syn, int64_t msl_ns,
	    unsigned cap);
int	det_finding_explain(const struct conn *c,
	    const struct conn_finding *f, char *buf, size_t len);

/* detect_status.c: status when c is finished. */
void	det_handshake_finish(struct conn *c);
void	det_close_finish(struct conn *c);
/* Whether a RST of class cls came from side from (-1: either side). */
bool	det_rst_seen(const struct conn *c, int from, int cls);
/* When an endpoint first entered st (ns), 0 if it never did. */
int64_t	det_entered(const struct conn_ep *e, enum fsm_state st);

/* What one side sent after the other's FIN, in a half close. */
struct det_half_close {
	uint32_t	bytes;		/* payload; saturates at UINT32_MAX */
	int64_t		duration;	/* the FIN to its last payload, ns */
};
/*
 * True when `side` went on sending data after the peer's FIN (it was in
 * CLOSE_WAIT): a half close.  The CLOSE_WAIT finding's half_close and
 * the reports use this one rule.  out may be NULL.
 */
bool	det_half_close(const struct conn *c, int side,
	    struct det_half_close *out);

/* detect_closewait.c, detect_timewait.c, detect_hoststates.c. */
struct det_agg	*det_agg_new(const struct sf_config *cfg);
void	det_agg_free(struct det_agg *a);
/* Called once for every finished connection, in the order finished. */
void	det_agg_conn(struct det_agg *a, struct conn *c, int64_t end);
/*
 * An endpoint entered or left TIME_WAIT (delta +1 or -1).  Entering
 * sets c->tw_rec[side], the handle of its count's record (0: none, the
 * key was not tracked), which leaving uses and clears.
 */
void	det_tw_change(struct det_agg *a, struct conn *c, int side,
	    int delta, int64_t at);
/*
 * The same departure told by the handle alone: a compact record's, when
 * its connection was already written.  A handle of 0 does nothing.
 */
void	det_tw_leave(struct det_agg *a, uint32_t rec);
/*
 * An endpoint of host local may enter TIME_WAIT a few segments from now,
 * toward remote's server port rport: warm the index entry that
 * det_tw_change() will read for it, a cache miss otherwise.  Changes
 * nothing.
 */
void	det_tw_prefetch(const struct det_agg *a, uint8_t af,
	    const uint8_t *local, const uint8_t *remote, uint16_t rport);
/* Warm the record of handle rec, which det_tw_leave() will write. */
void	det_tw_warm(const struct det_agg *a, uint32_t rec);
/*
 * The netstat view: one endpoint of host addr was in state st.  It may
 * wait in a tally until det_agg_settle() counts it.  The view keeps at
 * most DET_HOST_MAX hosts, the first seen; an endpoint of any other is
 * counted in det_agg_untracked().
 */
#define DET_HOST_MAX	(1u << 20)
void	det_host_add(struct det_agg *a, uint8_t af, const uint8_t *addr,
	    enum fsm_state st);
/* Count every endpoint waiting: before det_agg_hosts() and untracked. */
void	det_agg_settle(struct det_agg *a);

/* Aggregates for the reports. */
struct det_cw_stat {
	uint8_t		af;
	uint8_t		addr[16];
	uint16_t	port;
	uint64_t	count;
	uint64_t	open_at_end;
	int64_t		median;
	int64_t		max;
};

struct det_tw_stat {
	uint8_t		af;
	uint8_t		local[16];	/* the host holding TIME_WAIT */
	uint8_t		remote[16];
	uint16_t	rport;
	uint64_t	total;		/* TIME_WAIT entries */
	/* At once: bounded by the connections alive, so 32 bits. */
	uint32_t	current;	/* in TIME_WAIT now */
	uint32_t	peak;
	int64_t		peak_at;
	uint64_t	active_closer_self;	/* it closed first */
	bool		warned;
};

struct det_host_stat {
	uint8_t		af;
	uint8_t		addr[16];
	/* Connections open at one time: bounded by memory, so 32 bits. */
	uint32_t	count[FSM_ST_MAX];
};

/* Counts per RST class and finding kind, with the first ids. */
#define DET_MAX_IDS	16
struct det_verdict {
	uint64_t	count;
	uint32_t	nids;
	uint64_t	ids[DET_MAX_IDS];
};

struct det_summary {
	struct det_verdict rst[RST_CLASS_MAX];
	struct det_verdict finding[FIND_KIND_MAX];
	struct det_verdict hs[HS_STATUS_MAX];
	struct det_verdict close[CL_STATUS_MAX];
};

const struct det_summary *det_agg_summary(const struct det_agg *a);
/* Records refused by the aggregates' caps (0 in all but huge runs). */
uint64_t	det_agg_untracked(const struct det_agg *a);
/* TIME_WAIT keys forgotten while idle to bound memory (see detect_agg.c). */
uint64_t	det_agg_tw_forgotten(const struct det_agg *a);
size_t	det_agg_closewait(const struct det_agg *a,
	    const struct det_cw_stat **out);
size_t	det_agg_timewait(const struct det_agg *a,
	    const struct det_tw_stat **out);
/* The netstat view, after det_agg_settle(): in address order, IPv4 first. */
size_t	det_agg_hosts(const struct det_agg *a,
	    const struct det_host_stat **out);

#endif /* SYNFIN_DETECT_H */
