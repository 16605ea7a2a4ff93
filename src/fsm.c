/*
 * fsm.c: transition table and segment classifier of the passive observer.
 *
 * Theory.  A capture point sees a segment at about the time its sender
 * sent it and its receiver received it.  An endpoint's state therefore
 * moves on what it sends (a SYN makes it SYN_SENT, a FIN FIN_WAIT_1 or
 * LAST_ACK, a RST CLOSED) and on what it receives (the peer's FIN makes it
 * CLOSE_WAIT, an ACK of its own FIN makes it FIN_WAIT_2).  The classifier
 * is a pure function from (segment, sender view, receiver view) to events;
 * the table is data.  Exceptions that need more than (state, event), such
 * as crossing FINs or restarting TIME_WAIT, live in one switch in the
 * connection code (conn.c), after the lookup.
 */
#include <stddef.h>

#include "decode.h"
#include "fsm.h"
#include "seq.h"

#define sCL	FSM_ST_CLOSED
#define sLI	FSM_ST_LISTEN
#define sSS	FSM_ST_SYN_SENT
#define sSR	FSM_ST_SYN_RECEIVED
#define sES	FSM_ST_ESTABLISHED
#define sCW	FSM_ST_CLOSE_WAIT
#define sF1	FSM_ST_FIN_WAIT_1
#define sCG	FSM_ST_CLOSING
#define sLA	FSM_ST_LAST_ACK
#define sF2	FSM_ST_FIN_WAIT_2
#define sTW	FSM_ST_TIME_WAIT
#define sSM	FSM_ST_SAME
#define sIV	FSM_ST_INVALID

const uint8_t fsm_next[FSM_EV_MAX][FSM_ST_MAX] = {
	[FSM_EV_SND_SYN] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSS, sSS, sSM, sSM, sSM, sIV, sIV, sIV, sIV, sIV, sIV
	},
/*
 * CL -> SS	active open (RFC 9293 3.10.1, OPEN call).
 * LI -> SS	a listener told to send (3.10.1); rare but legal.
 * SS, SR -> SS	SYN retransmitted: no change, counted by the caller.
 * ES -> ES	a SYN after the SYN-ACK was seen: the SYN-ACK was lost
 *		beyond the capture point; the caller counts it.
 * CW..TW	a SYN from a closing endpoint is impossible on this
 *		incarnation; a SYN after TIME_WAIT opens a new incarnation
 *		before the table is consulted (flowtab.c).
 */
	[FSM_EV_SND_SYNACK] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSR, sSR, sSR, sSM, sSM, sIV, sIV, sIV, sIV, sIV, sIV
	},
/*
 * CL -> SR	the SYN was not captured: the server answers one (3.5).
 * LI -> SR	the passive open's answer (3.5, figure 6 line 2).
 * SS -> SR	simultaneous open (3.5, figure 8) when the SYN was missed.
 * SR, ES	SYN-ACK retransmitted (our ACK was lost beyond the capture
 *		point): no change.
 */
	[FSM_EV_SND_ACK] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSM, sIV, sES, sSM, sSM, sSM, sSM, sSM, sSM, sSM, sSM
	},
/*
 * SS -> ES	an ACK from SYN_SENT proves it received a SYN-ACK that the
 *		capture missed (3.10.7.3, SYN-SENT STATE, fourth check).
 * LI		a listener sends nothing but SYN-ACK or RST.
 * others	ACKs and data do not change the sender's state.
 */
	[FSM_EV_SND_FIN] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sIV, sIV, sIV, sF1, sF1, sLA, sSM, sSM, sSM, sIV, sIV
	},
/*
 * SR -> F1	CLOSE in SYN-RECEIVED (3.10.4).
 * ES -> F1	CLOSE in ESTABLISHED: the active close (3.10.4).
 * CW -> LA	CLOSE in CLOSE-WAIT: the passive close (3.10.4).
 *		Exception: if the FIN does not acknowledge the peer's FIN,
 *		it left before that FIN arrived: a simultaneous close, and
 *		the sender goes to CLOSING instead (conn.c).
 * F1, CG, LA	a second FIN sequence number: no change.
 * CL, LI, SS	no FIN without a synchronized connection.
 */
	[FSM_EV_SND_RST] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSM, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL
	},
/*
 * any -> CL	an endpoint that sends RST has no connection left (3.5.2,
 *		3.10.7.1): refused from LISTEN, abort when synchronized.
 *		TW -> CL is the RST of an endpoint that, by the teardown
 *		seen, should have been in TIME_WAIT (classified by the RST
 *		detector).
 * CL		a RST from an endpoint that is already closed.
 */
	[FSM_EV_RCV_SYN] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sLI, sSM, sSR, sSM, sSM, sSM, sSM, sSM, sSM, sSM, sSM
	},
/*
 * CL -> LI	the receiver of a first SYN is assumed to listen until it
 *		answers (a RST then says it did not, 3.10.7.1).
 * SS -> SR	simultaneous open: SYN received in SYN-SENT (3.10.7.3).
 * SR		retransmitted SYN: no change.
 * ES..TW	a SYN in a synchronized state draws a challenge ACK (RFC 5961
 *		4.2); a SYN to TIME_WAIT is a new incarnation (flowtab.c).
 */
	[FSM_EV_RCV_SYNACK] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSM, sSM, sES, sES, sSM, sSM, sSM, sSM, sSM, sSM, sSM
	},
/*
 * SS -> ES	SYN-ACK received in SYN-SENT (3.10.7.3).
 * SR -> ES	simultaneous open: the peer's SYN-ACK acknowledges our SYN.
 * others	a retransmitted SYN-ACK: no change.
 */
	[FSM_EV_RCV_ACK_SYN] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSM, sSM, sSM, sES, sSM, sSM, sSM, sSM, sSM, sSM, sSM
	},
/*
 * SR -> ES	the third segment of the handshake (3.10.7.4, SYN-RECEIVED).
 */
	[FSM_EV_RCV_ACK_FIN] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSM, sSM, sSM, sSM, sSM, sSM, sF2, sTW, sCL, sSM, sSM
	},
/*
 * F1 -> F2	our FIN acknowledged (3.10.7.4, FIN-WAIT-1).
 * CG -> TW	our FIN acknowledged after crossing FINs (CLOSING).
 * LA -> CL	the passive closer's FIN acknowledged (LAST-ACK).
 */
	[FSM_EV_RCV_FIN] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSM, sIV, sIV, sCW, sCW, sSM, sCG, sSM, sSM, sTW, sSM
	},
/*
 * SR, ES -> CW	the peer closed first (3.10.7.4, eighth check).
 * F1 -> CG	FINs crossed: our FIN not yet acknowledged.  (An ACK of our
 *		FIN in the same segment is applied first, giving F2 -> TW.)
 * F2 -> TW	the active closer receives the peer's FIN.
 * CW, CG, LA	the peer's FIN again: a retransmission, no change.
 * TW		a retransmitted FIN: acknowledged again, and the 2*MSL
 *		timer restarts (3.10.7.4, TIME-WAIT; done in conn.c).
 * CL		a FIN to a closed endpoint: it will answer with RST.
 * LI, SS	no FIN before the handshake: impossible.
 */
	[FSM_EV_RCV_RST] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSM, sSM, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL
	},
/*
 * SS -> CL	connection refused (3.10.7.3).
 * SR..F2 -> CL	connection reset (3.10.7.4, second check).
 * TW -> CL	Linux lets a RST end TIME_WAIT (net.ipv4.tcp_rfc1337=0), the
 *		"TIME-WAIT assassination" of RFC 1337.
 * LI		a listener ignores RST (3.10.7.2).
 */
	[FSM_EV_TIMEOUT] = {
/*	     sCL  sLI  sSS  sSR  sES  sCW  sF1  sCG  sLA  sF2  sTW	*/
	     sSM, sSM, sSM, sSM, sSM, sSM, sSM, sSM, sSM, sSM, sCL
	},
/*
 * TW -> CL	2*MSL ran out (3.10.8, time-wait timeout).
 */
};

/*
 * Each name in 16 bytes, NUL-padded, with its length: reports copy the
 * 16 bytes whole (fsm_state_name16()), without strlen() or a call to
 * memcpy() for each state they write.
 */
#define FSM_NAME(st, lit)	[st] = { lit, sizeof(lit) - 1 }

static const struct {
	char		s[16];
	uint8_t		n;
} fsm_state_names[FSM_ST_MAX] = {
	FSM_NAME(FSM_ST_CLOSED, "CLOSED"),
	FSM_NAME(FSM_ST_LISTEN, "LISTEN"),
	FSM_NAME(FSM_ST_SYN_SENT, "SYN_SENT"),
	FSM_NAME(FSM_ST_SYN_RECEIVED, "SYN_RECEIVED"),
	FSM_NAME(FSM_ST_ESTABLISHED, "ESTABLISHED"),
	FSM_NAME(FSM_ST_CLOSE_WAIT, "CLOSE_WAIT"),
	FSM_NAME(FSM_ST_FIN_WAIT_1, "FIN_WAIT_1"),
	FSM_NAME(FSM_ST_CLOSING, "CLOSING"),
	FSM_NAME(FSM_ST_LAST_ACK, "LAST_ACK"),
	FSM_NAME(FSM_ST_FIN_WAIT_2, "FIN_WAIT_2"),
	FSM_NAME(FSM_ST_TIME_WAIT, "TIME_WAIT"),
};

static const char *const fsm_event_names[FSM_EV_MAX] = {
	[FSM_EV_SND_SYN] = "snd_syn",
	[FSM_EV_SND_SYNACK] = "snd_synack",
	[FSM_EV_SND_ACK] = "snd_ack",
	[FSM_EV_SND_FIN] = "snd_fin",
	[FSM_EV_SND_RST] = "snd_rst",
	[FSM_EV_RCV_SYN] = "rcv_syn",
	[FSM_EV_RCV_SYNACK] = "rcv_synack",
	[FSM_EV_RCV_ACK_SYN] = "rcv_ack_syn",
	[FSM_EV_RCV_ACK_FIN] = "rcv_ack_fin",
	[FSM_EV_RCV_FIN] = "rcv_fin",
	[FSM_EV_RCV_RST] = "rcv_rst",
	[FSM_EV_TIMEOUT] = "timeout",
};

enum fsm_state
fsm_lookup(enum fsm_state st, enum fsm_event ev)
{
	if ((unsigned)st >= FSM_ST_MAX || (unsigned)ev >= FSM_EV_MAX)
		return FSM_ST_INVALID;
	return (enum fsm_state)fsm_next[ev][st];
}

const char *
fsm_state_name(enum fsm_state st)
{
	if ((unsigned)st >= FSM_ST_MAX)
		return st == FSM_ST_SAME ? "SAME" : "INVALID";
	return fsm_state_names[st].s;
}

const char *
fsm_state_name16(enum fsm_state st, size_t *len)
{
	if ((unsigned)st >= FSM_ST_MAX)
		return NULL;
	*len = fsm_state_names[st].n;
	return fsm_state_names[st].s;
}

const char *
fsm_event_name(enum fsm_event ev)
{
	if ((unsigned)ev >= FSM_EV_MAX)
		return "invalid";
	return fsm_event_names[ev];
}

static void
add_snd(struct fsm_events *out, enum fsm_event ev)
{
	if (out->nsnd < FSM_MAX_EVENTS)
		out->snd[out->nsnd++] = ev;
}

static void
add_rcv(struct fsm_events *out, enum fsm_event ev)
{
	if (out->nrcv < FSM_MAX_EVENTS)
		out->rcv[out->nrcv++] = ev;
}

/*
 * Precedence, as conntrack's get_conntrack_index(): RST first (it ends
 * everything), then SYN and SYN-ACK, then what the acknowledgement
 * covers, then FIN, then plain ACK or data.  The receiver's ACK events
 * come before its FIN event so that a FIN+ACK covering our FIN takes
 * FIN_WAIT_1 through FIN_WAIT_2 to TIME_WAIT (RFC 9293 3.10.7.4).
 */
void
fsm_classify(const struct fsm_seg *seg, const struct fsm_peer_view *snd,
    const struct fsm_peer_view *rcv, struct fsm_events *out)
{
	uint8_t fl = seg->flags;
	bool ack = (fl & DEC_TH_ACK) != 0;
	uint32_t fin_seq;

	out->nsnd = out->nrcv = 0;
	out->fin_retransmit = false;

	if (fl & DEC_TH_RST) {
		add_snd(out, FSM_EV_SND_RST);
		add_rcv(out, FSM_EV_RCV_RST);
		return;
	}
	if (fl & DEC_TH_SYN) {
		if (!ack) {
			add_snd(out, FSM_EV_SND_SYN);
			add_rcv(out, FSM_EV_RCV_SYN);
			return;
		}
		add_snd(out, FSM_EV_SND_SYNACK);
		/* A SYN-ACK counts only if it acknowledges our SYN. */
		if (rcv->syn_seen && seg->ack == rcv->iss + 1)
			add_rcv(out, FSM_EV_RCV_SYNACK);
		return;
	}

	if (ack) {
		if (rcv->syn_seen && rcv->state == FSM_ST_SYN_RECEIVED &&
		    seq_gt(seg->ack, rcv->iss))
			add_rcv(out, FSM_EV_RCV_ACK_SYN);
		if (rcv->fin_seen && seg->ack == rcv->fin_seq + 1)
			add_rcv(out, FSM_EV_RCV_ACK_FIN);
	}

	if (fl & DEC_TH_FIN) {
		fin_seq = seg->seq + seg->paylen;
		if (snd->fin_seen && fin_seq == snd->fin_seq)
			out->fin_retransmit = true;
		else
			add_snd(out, FSM_EV_SND_FIN);
		add_rcv(out, FSM_EV_RCV_FIN);
		return;
	}
	add_snd(out, FSM_EV_SND_ACK);
}
