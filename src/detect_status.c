/*
 * detect_status.c: handshake and close status of a finished connection,
 * and whether it was a half close, derived from the facts the engine
 * recorded, never from guesses.
 */
#include "detect.h"

static bool
reached(const struct conn_ep *e, enum fsm_state st)
{
	uint32_t i;

	for (i = 0; i < e->nstates; i++)
		if (e->states[i].state == st)
			return true;
	return false;
}

int64_t
det_entered(const struct conn_ep *e, enum fsm_state st)
{
	uint32_t i;

	for (i = 0; i < e->nstates; i++)
		if (e->states[i].state == st)
			return e->states[i].at;
	return 0;
}

/*
 * RFC 9293 3.6: a side that has closed may go on receiving until the
 * other closes.  The other side is then in CLOSE_WAIT, which it entered
 * when the FIN passed, and its data after that entry is the half close.
 * The bytes are counted by the engine on the FIN's sender as they pass
 * (data_after_fin), so nothing here walks packets.
 */
bool
det_half_close(const struct conn *c, int side, struct det_half_close *out)
{
	const struct conn_ep *e = &c->ep[side];
	int64_t start = det_entered(e, FSM_ST_CLOSE_WAIT);

	if (start == 0 || e->t_last_data <= start)
		return false;
	if (out != NULL) {
		out->bytes = c->ep[!side].data_after_fin;
		out->duration = e->t_last_data - start;
	}
	return true;
}

bool
det_rst_seen(const struct conn *c, int from, int cls)
{
	uint32_t i;

	for (i = 0; i < c->nrsts; i++)
		if (c->rsts[i].cls == cls &&
		    (from < 0 || c->rsts[i].from == from))
			return true;
	return false;
}

static bool
accepted_rst(const struct conn *c)
{
	uint32_t i;

	for (i = 0; i < c->nrsts; i++)
		if (c->rsts[i].cls != RST_OUT_OF_WINDOW)
			return true;
	return false;
}

void
det_handshake_finish(struct conn *c)
{
	const struct conn_ep *cl = &c->ep[CONN_CLIENT];
	const struct conn_ep *sv = &c->ep[CONN_SERVER];

	if (c->t_syn == 0) {
		c->hs_status = c->partial ? HS_NOT_SEEN : HS_PARTIAL;
		if (!c->partial && reached(sv, FSM_ST_ESTABLISHED))
			c->hs_status = HS_PARTIAL;
		return;
	}
	if (c->t_ack != 0 || (reached(cl, FSM_ST_ESTABLISHED) &&
	    reached(sv, FSM_ST_ESTABLISHED)))
		c->hs_status = HS_COMPLETE;
	else if (det_rst_seen(c, -1, RST_REFUSED))
		c->hs_status = HS_REFUSED;
	else if (c->t_synack == 0 && !sv->seen)
		c->hs_status = HS_TIMEOUT;
	else
		c->hs_status = HS_PARTIAL;
}

void
det_close_finish(struct conn *c)
{
	const struct conn_ep *cl = &c->ep[CONN_CLIENT];
	const struct conn_ep *sv = &c->ep[CONN_SERVER];

	if (cl->fin_seen && sv->fin_seen) {
		if (c->simultaneous_close) {
			c->close_status = CL_SIMULTANEOUS;
			c->active_closer = 3;
		} else {
			c->close_status = CL_NORMAL;
			c->active_closer = cl->t_fin <= sv->t_fin ? 1 : 2;
		}
		return;
	}
	if (cl->fin_seen)
		c->active_closer = 1;
	else if (sv->fin_seen)
		c->active_closer = 2;
	if (accepted_rst(c))
		c->close_status = CL_RESET;
	else if (cl->fin_seen || sv->fin_seen)
		c->close_status = CL_HALF_CLOSED;
	else
		c->close_status = CL_OPEN;
}
