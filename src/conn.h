/*
 * conn.h: one TCP connection (one incarnation of a 5-tuple) as the passive
 * observer reconstructs it: two endpoints, each with its RFC 9293 state
 * and its timeline, the handshake and close facts, the RSTs and findings.
 *
 * The flow table (flowtab.c) owns connections; a connection owns its
 * timelines, RST list and findings.  Detectors fill the facts, reports
 * read them and never free anything.
 */
#ifndef SYNFIN_CONN_H
#define SYNFIN_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "fsm.h"

struct zk_view;

#define CONN_CLIENT	0
#define CONN_SERVER	1

#define CONN_NS		1000000000LL

/*
 * One state an endpoint entered: 16 bytes.  The packet number is kept
 * relative to the connection's first packet (conn_rec_pkt() gives it
 * back), so a connection may span 4 G packets.
 */
struct conn_state_rec {
	int64_t		at;		/* ns since the epoch */
	uint32_t	pkt;		/* packet - first_pkt + 1; 0 = timer */
	uint8_t		state;		/* enum fsm_state */
	uint8_t		flags;		/* flags of the segment, DEC_TH_* */
	uint8_t		from_peer;	/* 1: the segment came from the peer */
	uint8_t		inferred;	/* 1 if deduced, not seen directly */
};

/*
 * States kept inside the connection before a heap array is needed: a
 * whole life (SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT,
 * CLOSED) fits, so most connections never allocate for their timelines.
 */
#define CONN_INLINE_STATES	6

/* RST classes (detect_rst.c); keep det_rst_class_names[] in order. */
enum conn_rst_class {
	RST_REFUSED = 0,
	RST_ABORT,
	RST_AFTER_PREMATURE_CLOSE,
	RST_DATA_AFTER_CLOSE,
	RST_HALF_OPEN,
	RST_OUT_OF_WINDOW,
	RST_CLASS_MAX
};

struct conn_rst {
	int64_t		at;
	uint64_t	pkt;
	uint8_t		from;		/* CONN_CLIENT or CONN_SERVER */
	uint8_t		cls;		/* enum conn_rst_class */
	uint8_t		sender_state;
	uint8_t		receiver_state;
	uint8_t		premature_from;	/* FSM_ST_TIME_WAIT/FIN_WAIT_2/CLOSED */
	uint8_t		answers;	/* flags of the segment it answered */
	bool		has_ack;	/* the RST carried ACK */
	bool		unread;		/* peer data not acknowledged */
	int64_t		since;		/* ns in TIME_WAIT/FIN_WAIT_2 so far */
	uint32_t	seq;
	uint32_t	unread_bytes;
};

/* Finding kinds (detect_*.c); keep det_finding_names[] in order. */
enum conn_finding_kind {
	FIND_TWO_MSL_VIOLATION = 0,
	FIND_OPEN_TUPLE_REUSE,
	FIND_CLOSE_WAIT,
	FIND_TIME_WAIT_PRESSURE,
	FIND_EVICTED,
	FIND_KIND_MAX
};

struct conn_finding {
	uint8_t		kind;		/* enum conn_finding_kind */
	uint8_t		side;		/* CONN_CLIENT/CONN_SERVER (holder) */
	uint8_t		basis;		/* 0 none, 1 isn, 2 timestamp */
	int8_t		safe;		/* 1 true, 0 false, -1 unknown */
	bool		open_at_end;
	bool		half_close;	/* CLOSE_WAIT side kept sending data */
	uint8_t		prev_state;	/* holder's state at the new SYN */
	uint64_t	previous_id;
	int64_t		at;
	int64_t		duration;	/* gap or CLOSE_WAIT time, ns */
	int64_t		msl;		/* ns */
	uint32_t	old_seq;	/* previous last seq (isn basis) */
	uint32_t	new_seq;	/* new ISN */
};

enum conn_hs_status {
	HS_NOT_SEEN = 0,	/* no SYN seen: started mid-stream */
	HS_COMPLETE,
	HS_REFUSED,
	HS_TIMEOUT,		/* SYN never answered */
	HS_PARTIAL,		/* handshake begun, not finished */
	HS_RESET,		/* reset during the handshake, not refused */
	HS_STATUS_MAX
};

enum conn_close_status {
	CL_OPEN = 0,		/* neither side closed */
	CL_NORMAL,
	CL_SIMULTANEOUS,
	CL_RESET,
	CL_HALF_CLOSED,		/* one side closed, the other did not */
	CL_STATUS_MAX
};

/*
 * One endpoint of a connection.  Fields are ordered by size so that the
 * structure has no holes, and the yes/no facts are one-bit fields: the
 * connection is the unit of memory (see struct conn).
 */
struct conn_ep {
	uint8_t		addr[16];
	uint16_t	port;
	uint16_t	win;		/* last window field sent */
	uint8_t		state;		/* enum fsm_state */
	uint8_t		last_flags;	/* flags of its last segment */
	uint8_t		wscale:4;	/* 0 to 14 (RFC 7323 2.3) */
	bool		last_data:1;	/* its last segment carried payload */
	bool		seen:1;		/* sent at least one segment */
	bool		syn_seen:1;
	bool		fin_seen:1;
	bool		fin_acked:1;
	bool		ack_valid:1;	/* last_ack holds a value */
	bool		ts_seen:1;
	bool		snd_valid:1;	/* snd_nxt holds a value */
	bool		wscale_ok:1;	/* sent window scale on its SYN */
	uint32_t	iss;
	uint32_t	fin_seq;
	uint32_t	snd_nxt;	/* highest sequence end sent */
	uint32_t	last_ack;	/* last acknowledgement sent */
	uint32_t	tsval;		/* last timestamp value sent */
	uint16_t	fin_tx;		/* FINs sent, retransmissions too */
	uint16_t	fin_acks_lost;	/* ACKs of its FIN it never got */
	uint32_t	retransmits;	/* data retransmissions */
	uint32_t	keepalives;
	/*
	 * The next two saturate at UINT32_MAX: they are only ever reported
	 * as a 32-bit count of unread bytes.
	 */
	uint32_t	data_after_fin;	/* peer's payload bytes after our FIN */
	uint32_t	unanswered;	/* payload sent since the peer's last */
	uint32_t	nstates;
	uint32_t	cap_states;
	uint64_t	pkts;
	uint64_t	ip_bytes;
	uint64_t	payload;	/* payload bytes sent (IP lengths) */
	int64_t		t_syn;		/* its first SYN/SYN-ACK */
	int64_t		t_fin;		/* its first FIN */
	int64_t		t_fin_ack;	/* ACK covering its FIN */
	int64_t		t_last_data;	/* its last payload */
	int64_t		t_entered;	/* entry into its current state */
	int64_t		t_tw;		/* entry into TIME_WAIT */
	int64_t		tw_deadline;	/* TIME_WAIT ends (restarts move it) */
	int64_t		t_f2;		/* entry into FIN_WAIT_2 */
	struct conn_state_rec *states;	/* sv, or the heap when it grew */
	struct conn_state_rec sv[CONN_INLINE_STATES];
};

/*
 * Memory follows the connections alive, and almost all of it is this
 * structure (one per live connection, from a pool: see track.c), so it
 * is kept without holes and counters that cannot pass 2^32 are 32-bit.
 * Packet and byte counts stay 64-bit: a long capture may exceed 2^32.
 */
struct conn {
	uint64_t	id;
	uint64_t	previous_id;	/* 0 = none */
	uint32_t	incarnation;
	uint8_t		af;
	uint8_t		client_kside;	/* flow key side of the client */
	uint8_t		tl_which;	/* timer list (track.c), 0 = none */
	uint8_t		active_closer;	/* 0 none, 1 client, 2 server, 3 both */
	uint8_t		hs_status;
	uint8_t		close_status;
	bool		roles_inferred:1;
	bool		partial:1;	/* first seen mid-stream */
	bool		simultaneous_open:1;
	bool		superseded:1;	/* a newer incarnation took its tuple */
	bool		evicted:1;	/* ended by a cap or idle timeout */
	bool		finished:1;	/* handed to the reports */
	bool		simultaneous_close:1;	/* FINs crossed */
	bool		tw_record:1;	/* written in TIME_WAIT (track.c) */
	bool		syn_given_up:1;	/* handshake quiet for --syn-timeout */
	/*
	 * Bit CONN_CLIENT, CONN_SERVER: that end sent a FIN (its fin_seen),
	 * here on the first cache line for trk_prefetch_fin().
	 */
	unsigned	fins:2;
	uint32_t	syn_retx;
	uint32_t	synack_retx;
	uint32_t	nrsts;
	uint32_t	cap_rsts;
	uint32_t	rsts_dropped;
	uint32_t	nfindings;
	uint32_t	cap_findings;
	uint32_t	events_dropped;	/* state records over the cap */
	/* TIME_WAIT counts' records of its ends (det_tw_change()). */
	uint32_t	tw_rec[2];
	int64_t		first_seen;
	int64_t		last_seen;
	int64_t		t_end;		/* superseded, evicted or given up at,
					   0 = none */
	int64_t		t_final;	/* when it was finished (report time) */
	int64_t		t_syn;		/* client's first SYN */
	int64_t		t_syn_last;	/* client's last SYN before SYN-ACK */
	int64_t		t_synack;	/* server's first SYN-ACK */
	int64_t		t_ack;		/* client's ACK of the SYN-ACK */
	uint64_t	first_pkt;
	uint64_t	last_pkt;	/* its latest segment (track.c) */
	struct conn_rst	*rsts;
	struct conn_finding *findings;
	/* Zeek's view (zeek.c), made by zk_update() for the Zeek formats. */
	struct zk_view	*zk;
	/* Flow table links (flowtab.c). */
	struct conn	*lru_prev, *lru_next;
	struct conn	*tl_prev, *tl_next;	/* timer list */
	void		*slot;		/* owning flowtab entry */
	struct conn_ep	ep[2];		/* CONN_CLIENT, CONN_SERVER */
};

/*
 * A size check, so that a new field is a decision: every byte here is
 * paid once per live connection.  Was 848 bytes before the repacking,
 * 728 before tw_rec (which took a hole of 4 bytes and 4 more), 736
 * before last_pkt.
 */
_Static_assert(sizeof(struct conn) <= 744, "struct conn grew");

struct sf_config;

/* Append a state record; false when the cap was hit (counted). */
bool	conn_log_state(struct conn *c, int side, int64_t at, uint64_t pkt,
	    uint8_t flags, bool from_peer, bool inferred, unsigned cap);
bool	conn_add_rst(struct conn *c, const struct conn_rst *r, unsigned cap);
bool	conn_add_finding(struct conn *c, const struct conn_finding *f,
	    unsigned cap);
void	conn_free_members(struct conn *c);

/* State of an endpoint at time t (ns), from its timeline. */
enum fsm_state	conn_state_at(const struct conn *c, int side, int64_t t);
/* Time an endpoint spent in a state, up to c->t_final (ns). */
int64_t		conn_time_in(const struct conn *c, int side, enum fsm_state st);
/*
 * Every state's time at once, in one pass over the timeline: sum[st] as
 * conn_time_in() gives it; returns the states entered, bit 1 << st.
 */
unsigned	conn_times(const struct conn *c, int side,
		    int64_t sum[FSM_ST_MAX]);
/* Absolute packet number of a state record, 0 for a timer. */
uint64_t	conn_rec_pkt(const struct conn *c,
		    const struct conn_state_rec *r);

const char	*conn_hs_status_name(unsigned st);
const char	*conn_close_status_name(unsigned st);
const char	*conn_rst_class_name(unsigned cls);
const char	*conn_finding_name(unsigned kind);
const char	*conn_side_name(int side);

#endif /* SYNFIN_CONN_H */
