/*
 * detect_rst.c: every RST gets a class and a one-line explanation.
 *
 * The class is decided from the states of both endpoints just before the
 * RST, as the observer reconstructed them, and from the segment the RST
 * answered (the receiver's last segment).  Rules are tried in order; the
 * first that matches wins.  A RST that carries no ACK and whose sequence
 * number is the acknowledgement of the segment it answers is a
 * "stateless" reset: Linux and the BSDs send it when no socket matches
 * (RFC 9293 3.10.7.1), while an application's abort (SO_LINGER {1,0},
 * close with unread data) leaves with RST|ACK from the live socket.
 */
#include "detect.h"
#include "sbuf.h"
#include "seq.h"

bool
det_rst_acceptable(const struct conn *c, int from, const struct dec_seg *seg)
{
	const struct conn_ep *s = &c->ep[from], *r = &c->ep[!from];
	uint32_t rcv_nxt, wnd;

	switch (r->state) {
	case FSM_ST_CLOSED:
	case FSM_ST_LISTEN:
		return true;
	case FSM_ST_SYN_SENT:
		/* RFC 9293 3.10.7.3: acceptable if it acknowledges our SYN. */
		return !r->syn_seen || ((seg->flags & DEC_TH_ACK) &&
		    seg->ack == r->iss + 1);
	default:
		break;
	}
	if (!r->seen && !s->snd_valid)
		return true;
	/* RFC 5961 3.2: RCV.NXT of the receiver, as far as we can tell. */
	if (s->snd_valid && seg->seq == s->snd_nxt)
		return true;
	if (!r->ack_valid)
		return !s->snd_valid;
	rcv_nxt = r->last_ack;
	if (seg->seq == rcv_nxt)
		return true;
	wnd = r->win;
	if (r->wscale_ok && s->wscale_ok)
		wnd <<= r->wscale;
	if (wnd == 0)
		wnd = 1;
	/*
	 * In the window but not exact draws a challenge ACK on a stack that
	 * follows RFC 5961; we still call it acceptable, because data the
	 * capture missed can move RCV.NXT beyond what we saw.
	 */
	return seq_in(seg->seq, rcv_nxt, rcv_nxt + wnd);
}

void
det_rst_classify(const struct conn *c, int from, const struct dec_seg *seg,
    bool acceptable, uint8_t answers, struct conn_rst *out)
{
	const struct conn_ep *s = &c->ep[from], *r = &c->ep[!from];
	bool stateless, fin_acked;

	out->at = seg->ts_ns;
	out->pkt = 0;
	out->from = (uint8_t)from;
	out->sender_state = s->state;
	out->receiver_state = r->state;
	out->premature_from = FSM_ST_CLOSED;
	out->answers = answers;
	out->has_ack = (seg->flags & DEC_TH_ACK) != 0;
	out->seq = seg->seq;
	out->since = 0;
	out->unread = false;
	out->unread_bytes = 0;
	stateless = !out->has_ack && r->ack_valid && seg->seq == r->last_ack;

	if (!acceptable) {
		out->cls = RST_OUT_OF_WINDOW;
		return;
	}
	if (r->state == FSM_ST_SYN_SENT && s->state != FSM_ST_SYN_RECEIVED &&
	    !fsm_synchronized((enum fsm_state)s->state)) {
		out->cls = RST_REFUSED;
		return;
	}
	/*
	 * A RST from SYN_SENT to an ACK that does not cover its SYN: the ACK
	 * belonged to another connection on the same tuple (a challenge ACK
	 * from a peer still holding an older incarnation, RFC 5961 4), and
	 * the sender has no state for it (RFC 9293 3.10.7.3).
	 */
	if (s->state == FSM_ST_SYN_SENT && (answers & DEC_TH_ACK) &&
	    !(answers & DEC_TH_SYN)) {
		out->cls = RST_HALF_OPEN;
		return;
	}
	if (s->state == FSM_ST_TIME_WAIT) {
		/*
		 * Did it ever acknowledge the FIN that put it there?  If not,
		 * and the RST answers that first FIN, TIME_WAIT never began:
		 * the socket was gone in FIN_WAIT_2.  A RST to a retransmitted
		 * FIN means the first one was taken (its ACK may have been
		 * lost before the capture point).
		 */
		fin_acked = r->fin_seen && s->ack_valid &&
		    seq_gt(s->last_ack, r->fin_seq);
		out->cls = RST_AFTER_PREMATURE_CLOSE;
		if (!fin_acked && r->fin_tx <= 1 && s->t_f2 != 0) {
			out->premature_from = FSM_ST_FIN_WAIT_2;
			out->sender_state = FSM_ST_FIN_WAIT_2;
			out->since = seg->ts_ns - s->t_f2;
		} else {
			out->premature_from = FSM_ST_TIME_WAIT;
			out->since = seg->ts_ns - s->t_tw;
		}
		return;
	}
	if (s->state == FSM_ST_FIN_WAIT_2 && (answers & DEC_TH_FIN) &&
	    !r->last_data) {
		out->cls = RST_AFTER_PREMATURE_CLOSE;
		out->premature_from = FSM_ST_FIN_WAIT_2;
		out->since = seg->ts_ns - s->t_f2;
		return;
	}
	if (fsm_fin_sent((enum fsm_state)s->state) && r->last_data) {
		out->cls = RST_DATA_AFTER_CLOSE;
		out->unread_bytes = s->data_after_fin;	/* saturated */
		return;
	}
	if (s->pkts <= 1 || s->state == FSM_ST_CLOSED ||
	    (stateless && !fsm_fin_sent((enum fsm_state)s->state) &&
	    fsm_synchronized((enum fsm_state)r->state))) {
		out->cls = RST_HALF_OPEN;
		return;
	}
	out->cls = RST_ABORT;
	if (r->unanswered > 0 && !fsm_fin_sent((enum fsm_state)s->state)) {
		out->unread = true;
		out->unread_bytes = r->unanswered;	/* saturated */
	}
}

static const char *
answered(uint8_t fl)
{
	if (fl & DEC_TH_SYN)
		return (fl & DEC_TH_ACK) ? "a SYN-ACK" : "a SYN";
	if (fl & DEC_TH_FIN)
		return "a FIN";
	if (fl & DEC_TH_RST)
		return "a RST";
	return "a segment";
}

/* "N bytes from the client" and the like. */
static void
peer_bytes(struct sb_fix *x, uint32_t n, const char *prep, const char *peer)
{
	sb_fix_u64(x, n);
	sb_fix_puts(x, " bytes ");
	sb_fix_puts(x, prep);
	sb_fix_puts(x, " the ");
	sb_fix_puts(x, peer);
}

int
det_rst_explain(const struct conn_rst *r, char *buf, size_t len)
{
	const char *who = conn_side_name(r->from);
	const char *peer = conn_side_name(!r->from);
	struct sb_fix x;

	sb_fix_init(&x, buf, len);
	switch (r->cls) {
	case RST_REFUSED:
		sb_fix_puts(&x, "connection refused: the ");
		sb_fix_puts(&x, who);
		sb_fix_puts(&x, " answered the SYN with RST (no listener on "
		    "the port)");
		break;
	case RST_ABORT:
		sb_fix_puts(&x, "abort: the ");
		sb_fix_puts(&x, who);
		if (r->unread) {
			sb_fix_puts(&x, " reset a synchronized connection "
			    "without FIN; ");
			peer_bytes(&x, r->unread_bytes, "from", peer);
			sb_fix_puts(&x, " arrived after its last data: if the "
			    "application had not read them, close() with "
			    "unread data (Linux sends RST, not FIN); if it "
			    "had, SO_LINGER {1,0} or an abort");
		} else {
			sb_fix_puts(&x, " reset a synchronized connection "
			    "without FIN and had answered all data it "
			    "received: SO_LINGER {1,0}, an application abort "
			    "or a crash");
		}
		break;
	case RST_AFTER_PREMATURE_CLOSE:
		sb_fix_puts(&x, "RST after premature close: the ");
		sb_fix_puts(&x, who);
		if (r->premature_from == FSM_ST_FIN_WAIT_2) {
			sb_fix_puts(&x, "'s FIN had been acknowledged ");
			sb_fix_sec(&x, r->since, 3);
			sb_fix_puts(&x, " s before, but its socket was gone "
			    "when the ");
			sb_fix_puts(&x, peer);
			sb_fix_puts(&x, "'s FIN arrived: an orphaned "
			    "FIN_WAIT_2 destroyed early "
			    "(net.ipv4.tcp_fin_timeout, or no time-wait "
			    "bucket: net.ipv4.tcp_max_tw_buckets overflow)");
		} else {
			sb_fix_puts(&x, " should have been in TIME_WAIT "
			    "(entered ");
			sb_fix_sec(&x, r->since, 3);
			sb_fix_puts(&x, " s before) and would have "
			    "acknowledged ");
			sb_fix_puts(&x, answered(r->answers));
			sb_fix_puts(&x, "; it had already gone to CLOSED "
			    "(net.ipv4.tcp_max_tw_buckets overflow, "
			    "tcp_tw_recycle, or a stack with a short "
			    "TIME_WAIT)");
		}
		break;
	case RST_DATA_AFTER_CLOSE:
		sb_fix_puts(&x, "data after close: the ");
		sb_fix_puts(&x, who);
		sb_fix_puts(&x, " had closed (sent FIN) and reset the "
		    "connection when ");
		peer_bytes(&x, r->unread_bytes, "of", peer);
		sb_fix_puts(&x, "'s data arrived (the application no longer "
		    "reads)");
		break;
	case RST_HALF_OPEN:
		sb_fix_puts(&x, "half-open: the ");
		sb_fix_puts(&x, who);
		if (r->sender_state == FSM_ST_SYN_SENT) {
			sb_fix_puts(&x, ", in SYN_SENT, reset an ACK that did "
			    "not acknowledge its SYN; the ACK belonged to an "
			    "older connection the ");
			sb_fix_puts(&x, peer);
			sb_fix_puts(&x, " still held on this tuple (a "
			    "challenge ACK, RFC 5961 4), which this RST "
			    "clears");
		} else {
			sb_fix_puts(&x, " had no state for this connection (");
			sb_fix_puts(&x, r->sender_state == FSM_ST_CLOSED ?
			    "already closed" : "no socket");
			sb_fix_puts(&x, ") and answered ");
			sb_fix_puts(&x, answered(r->answers));
			sb_fix_puts(&x, " with a stateless RST: a reboot, a "
			    "vanished socket, or state lost in a middlebox");
		}
		break;
	case RST_OUT_OF_WINDOW:
		sb_fix_puts(&x, "out of window: sequence ");
		sb_fix_u64(&x, r->seq);
		sb_fix_puts(&x, " is not acceptable to the ");
		sb_fix_puts(&x, peer);
		sb_fix_puts(&x, " (RFC 5961 3.2), which ignores it: a stale "
		    "duplicate or an injected RST");
		break;
	default:
		sb_fix_puts(&x, "unclassified RST");
		break;
	}
	return sb_fix_end(&x);
}
