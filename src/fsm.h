/*
 * fsm.h: the passive observer's TCP state machine, one per endpoint.
 *
 * synfin sits on the wire, not in either host, so it can only guess each
 * endpoint's RFC 9293 state from the segments it sees.  A segment means
 * something to its sender (it sent a SYN, a FIN, a RST) and to its
 * receiver (it received a FIN, an ACK that covers its own FIN).  The
 * classifier turns one segment into those events; the transition table
 * fsm_next[event][state] gives each endpoint's next state.  The table is
 * written once from "an endpoint's" point of view and applied to both.
 */
#ifndef SYNFIN_FSM_H
#define SYNFIN_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * RFC 9293 3.3.2 states, ordered as in BSD so that ranges mean something:
 * everything >= FSM_ST_ESTABLISHED is synchronized, and everything above
 * FSM_ST_CLOSE_WAIT has sent a FIN.
 */
enum fsm_state {
	FSM_ST_CLOSED = 0,
	FSM_ST_LISTEN,
	FSM_ST_SYN_SENT,
	FSM_ST_SYN_RECEIVED,
	FSM_ST_ESTABLISHED,
	FSM_ST_CLOSE_WAIT,
	FSM_ST_FIN_WAIT_1,
	FSM_ST_CLOSING,
	FSM_ST_LAST_ACK,
	FSM_ST_FIN_WAIT_2,
	FSM_ST_TIME_WAIT,
	FSM_ST_MAX,
	/* Table sentinels, never an endpoint's state. */
	FSM_ST_SAME = FSM_ST_MAX,	/* no transition */
	FSM_ST_INVALID			/* no transition; event impossible */
};

/*
 * Events.  SND_* are what a segment means for its sender, RCV_* for its
 * receiver.  Keep fsm_event_names[] in the same order.
 */
enum fsm_event {
	FSM_EV_SND_SYN = 0,	/* sent a SYN without ACK */
	FSM_EV_SND_SYNACK,	/* sent a SYN+ACK */
	FSM_EV_SND_ACK,		/* sent ACK or data, no SYN, FIN or RST */
	FSM_EV_SND_FIN,		/* sent a FIN not sent before */
	FSM_EV_SND_RST,		/* sent a RST */
	FSM_EV_RCV_SYN,		/* received a SYN without ACK */
	FSM_EV_RCV_SYNACK,	/* received a SYN+ACK covering its SYN */
	FSM_EV_RCV_ACK_SYN,	/* received an ACK covering its SYN */
	FSM_EV_RCV_ACK_FIN,	/* received an ACK covering its FIN */
	FSM_EV_RCV_FIN,		/* received the peer's FIN (first or again) */
	FSM_EV_RCV_RST,		/* received an acceptable RST */
	FSM_EV_TIMEOUT,		/* 2*MSL ran out (TIME_WAIT) */
	FSM_EV_MAX
};

/* What the classifier needs to know about one endpoint. */
struct fsm_peer_view {
	enum fsm_state	state;
	bool		syn_seen;	/* it sent a SYN (iss is valid) */
	bool		fin_seen;	/* it sent a FIN (fin_seq is valid) */
	uint32_t	iss;		/* its initial sequence number */
	uint32_t	fin_seq;	/* sequence number of its FIN */
};

/* One segment, as far as the classifier cares. */
struct fsm_seg {
	uint8_t		flags;		/* DEC_TH_* */
	uint32_t	seq;
	uint32_t	ack;
	uint32_t	paylen;
};

/* The events of one segment, in the order they must be applied. */
#define FSM_MAX_EVENTS	3
struct fsm_events {
	uint8_t		nsnd;
	uint8_t		nrcv;
	bool		fin_retransmit;	/* the FIN had been sent before */
	enum fsm_event	snd[FSM_MAX_EVENTS];
	enum fsm_event	rcv[FSM_MAX_EVENTS];
};

extern const uint8_t	fsm_next[FSM_EV_MAX][FSM_ST_MAX];

/*
 * Classify one segment sent by snd to rcv.  Pure: reads only its
 * arguments.  A RST yields SND_RST and RCV_RST; whether the RST is
 * acceptable to its receiver is the caller's test (RFC 5961 3.2).
 */
void		fsm_classify(const struct fsm_seg *seg,
		    const struct fsm_peer_view *snd,
		    const struct fsm_peer_view *rcv, struct fsm_events *out);

/* Next state from the table; FSM_ST_SAME or FSM_ST_INVALID as sentinels. */
enum fsm_state	fsm_lookup(enum fsm_state st, enum fsm_event ev);

/* "TIME_WAIT", "SYN_SENT", ...: RFC 9293 names with underscores. */
const char	*fsm_state_name(enum fsm_state st);
/*
 * The name of a state in 16 readable bytes (NUL-padded) and its length
 * in *len, for a copy of fixed size; NULL for a value that is no state.
 */
const char	*fsm_state_name16(enum fsm_state st, size_t *len);
const char	*fsm_event_name(enum fsm_event ev);

/* Has this state sent a FIN?  Is it synchronized? */
static inline bool
fsm_fin_sent(enum fsm_state st)
{
	return st > FSM_ST_CLOSE_WAIT;
}

static inline bool
fsm_synchronized(enum fsm_state st)
{
	return st >= FSM_ST_ESTABLISHED;
}

#endif /* SYNFIN_FSM_H */
