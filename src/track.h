/*
 * track.h: the per-packet engine.  It looks a segment up in the flow
 * table, decides which incarnation it belongs to, applies it to both
 * endpoints' state machines, runs the detectors on the way, and hands
 * every finished connection to the reports.
 */
#ifndef SYNFIN_TRACK_H
#define SYNFIN_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "decode.h"

struct sf_config;
struct det_agg;
struct flow_key;
struct trk;

/* Why a connection left the table. */
enum trk_end {
	TRK_END_CLOSED = 0,	/* both endpoints CLOSED */
	TRK_END_SUPERSEDED,	/* a new incarnation took the tuple */
	TRK_END_IDLE,		/* --idle-timeout */
	TRK_END_EVICTED,	/* --max-flows */
	/*
	 * Quiet for the linger time with an endpoint in TIME_WAIT and the
	 * other in TIME_WAIT or CLOSED: written, and the tuple watched for
	 * the rest of 2*MSL by a compact record.
	 */
	TRK_END_TIME_WAIT,
	TRK_END_CAPTURE,	/* still open when the capture ended */
	TRK_END_MAX
};

/* Where finished connections go (the reports). */
struct trk_sink {
	void	(*conn)(void *arg, const struct conn *c, enum trk_end why);
	/*
	 * Instead of conn, when set: the sink takes c over (to format it on
	 * a thread of its own) and gives it back with trk_release(), from
	 * the engine's thread, once it is done with it.
	 */
	void	(*take)(void *arg, struct trk *t, struct conn *c,
		    enum trk_end why);
	/*
	 * May be NULL: the engine has no segment to apply for now and would
	 * wait for the reading thread; the sink may use the time for work
	 * it put off (format connections it holds, on the engine's thread).
	 */
	bool	(*idle)(void *arg, struct trk *t);
	/* A verdict as it happens (live mode); may be NULL. */
	void	(*rst)(void *arg, const struct conn *c,
		    const struct conn_rst *r);
	void	(*finding)(void *arg, const struct conn *c,
		    const struct conn_finding *f);
	void	*arg;
};

/* Anomalies the engine counts (never a false transition). */
enum trk_anomaly {
	TRK_AN_INVALID_TRANSITION = 0,
	TRK_AN_SYN_RETRANSMIT,
	TRK_AN_FIN_RETRANSMIT,
	TRK_AN_DATA_RETRANSMIT,
	TRK_AN_KEEPALIVE,
	TRK_AN_OUT_OF_ORDER,
	TRK_AN_RST_IGNORED,
	TRK_AN_DATA_AFTER_FIN,
	TRK_AN_SEG_AFTER_CLOSE,
	TRK_AN_SEG_AFTER_WRITE,	/* reached a written TIME_WAIT tuple */
	TRK_AN_MAX
};

struct trk_stats {
	uint64_t	segments;
	uint64_t	connections;
	uint64_t	live;		/* connections held, tw_live included */
	uint64_t	tw_live;	/* of them, compact TIME_WAIT records */
	uint64_t	done_live;	/* of them, both CLOSED (--linger) */
	uint64_t	peak_open;	/* highest live - done_live */
	uint64_t	ended[TRK_END_MAX];
	uint64_t	syn_timeouts;	/* of ended idle: by --syn-timeout */
	uint64_t	anomaly[TRK_AN_MAX];
	uint64_t	invalid_by_event[FSM_EV_MAX];
	uint64_t	events_dropped;
	uint64_t	alloc_failures;
	int64_t		first_ts;
	int64_t		last_ts;
};

struct trk	*trk_new(const struct sf_config *cfg, struct det_agg *agg,
		    const struct trk_sink *sink);
void		trk_free(struct trk *t);
/* Apply one segment (pktno counts every packet read, 1-based). */
void		trk_segment(struct trk *t, const struct dec_seg *seg,
		    uint64_t pktno);
/*
 * The same with the flow key, its hash and direction already made by
 * flow_key_make() and flow_key_hash() (the reading thread makes them).
 */
void		trk_segment_key(struct trk *t, const struct dec_seg *seg,
		    uint64_t pktno, const struct flow_key *key, uint32_t hash,
		    int dir);
/*
 * Warm the caches for a segment to come, a few segments ahead: stages 0
 * and 1 are flow_prefetch()'s, 2 fetches the connection itself, 3 (once
 * stage 2's fetch is in) its neighbours on the LRU and timer lists.
 */
void		trk_prefetch(struct trk *t, uint32_t hash, int stage);
/*
 * At stage 3, for a segment with FIN sent from flow key side dir: when
 * only the other end sent a FIN before, that end enters TIME_WAIT on
 * this one, and its TIME_WAIT count is warmed (det_tw_prefetch()).  Only
 * the flow key and the connection's first cache line are read: the rest
 * of it may not have come in yet.
 */
void		trk_prefetch_fin(struct trk *t, const struct flow_key *key,
		    uint32_t hash, int dir);
/* The engine would wait for segments: let the sink work (its idle). */
bool		trk_idle(struct trk *t);
/* Run timers up to now (TIME_WAIT expiry, idle, closed linger). */
void		trk_advance(struct trk *t, int64_t now);
/*
 * End of input: finish every connection left, in id order, at the last
 * packet or at the latest trk_advance() time if later (a live capture).
 */
void		trk_finish(struct trk *t);
/* Free a connection a sink took over (call from the engine's thread). */
void		trk_release(struct trk *t, struct conn *c);
/*
 * The same for a connection whose members another thread freed already
 * with conn_free_members() (the formatting thread, whose cache holds
 * them): only its structure goes back, from the engine's thread.
 */
void		trk_recycle(struct trk *t, struct conn *c);
/*
 * After trk_finish(), once every connection a sink took is released:
 * give the connections' memory back, so that the summary's own memory
 * does not come on top of it.
 */
void		trk_trim(struct trk *t);
/*
 * Visit the live connections (for a periodic netstat view): fn for each
 * whole one, tw (when not NULL) for each endpoint in TIME_WAIT of a
 * connection already written, by its address.
 */
void		trk_foreach(struct trk *t,
		    void (*fn)(void *arg, const struct conn *c),
		    void (*tw)(void *arg, uint8_t af, const uint8_t *addr),
		    void *arg);
const struct trk_stats *trk_stats(const struct trk *t);
const char	*trk_end_name(enum trk_end why);
const char	*trk_anomaly_name(enum trk_anomaly an);

#endif /* SYNFIN_TRACK_H */
