/*
 * conn.c: the growable parts of a connection (timelines, RSTs, findings)
 * and the names of its statuses.  Every list has a cap; what does not
 * fit is counted, never silently lost.
 */
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "zeek.h"

/* Grow *arr (of *cap elements of size sz) to hold one more, up to max. */
static bool
grow(void **arr, uint32_t *cap, uint32_t n, size_t sz, unsigned max)
{
	uint32_t ncap;
	void *p;

	if (n < *cap)
		return true;
	if (max != 0 && n >= max)
		return false;
	ncap = *cap == 0 ? 4 : *cap * 2;
	if (max != 0 && ncap > max)
		ncap = max;
	if ((p = realloc(*arr, (size_t)ncap * sz)) == NULL)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/* Room for one more state record: the inline array first, then heap. */
static bool
grow_states(struct conn_ep *e, unsigned max)
{
	struct conn_state_rec *p;
	uint32_t ncap;

	if (e->states == NULL) {
		e->states = e->sv;
		e->cap_states = CONN_INLINE_STATES;
	}
	if (e->nstates < e->cap_states)
		return true;
	if (max != 0 && e->nstates >= max)
		return false;
	ncap = e->cap_states * 2;
	if (max != 0 && ncap > max)
		ncap = max;
	if (e->states == e->sv) {
		if ((p = malloc((size_t)ncap * sizeof(*p))) == NULL)
			return false;
		memcpy(p, e->sv, sizeof(e->sv));
	} else if ((p = realloc(e->states, (size_t)ncap * sizeof(*p))) ==
	    NULL) {
		return false;
	}
	e->states = p;
	e->cap_states = ncap;
	return true;
}

bool
conn_log_state(struct conn *c, int side, int64_t at, uint64_t pkt,
    uint8_t flags, bool from_peer, bool inferred, unsigned cap)
{
	struct conn_ep *e = &c->ep[side];
	struct conn_state_rec *r;
	bool ok = true;

	if (!grow_states(e, cap)) {
		/* Keep the latest state: overwrite the last record. */
		c->events_dropped++;
		if (e->nstates == 0)
			return false;
		r = &e->states[e->nstates - 1];
		ok = false;
	} else {
		r = &e->states[e->nstates++];
	}
	r->at = at;
	if (pkt == 0 || pkt < c->first_pkt)
		r->pkt = 0;
	else if (pkt - c->first_pkt >= UINT32_MAX)
		r->pkt = UINT32_MAX;
	else
		r->pkt = (uint32_t)(pkt - c->first_pkt + 1);
	r->state = e->state;
	r->flags = flags;
	r->from_peer = from_peer;
	r->inferred = inferred;
	return ok;
}

uint64_t
conn_rec_pkt(const struct conn *c, const struct conn_state_rec *r)
{
	return r->pkt == 0 ? 0 : c->first_pkt + r->pkt - 1;
}

int64_t
conn_time_in(const struct conn *c, int side, enum fsm_state st)
{
	int64_t sum[FSM_ST_MAX];

	if ((unsigned)st >= FSM_ST_MAX)
		return 0;
	(void)conn_times(c, side, sum);
	return sum[st];
}

unsigned
conn_times(const struct conn *c, int side, int64_t sum[FSM_ST_MAX])
{
	const struct conn_ep *e = &c->ep[side];
	unsigned reached = 0;
	int64_t until;
	uint32_t i;

	memset(sum, 0, FSM_ST_MAX * sizeof(sum[0]));
	for (i = 0; i < e->nstates; i++) {
		const struct conn_state_rec *r = &e->states[i];

		if (r->state >= FSM_ST_MAX)
			continue;
		reached |= 1u << r->state;
		until = i + 1 < e->nstates ? e->states[i + 1].at : c->t_final;
		if (until > r->at)
			sum[r->state] += until - r->at;
	}
	return reached;
}

bool
conn_add_rst(struct conn *c, const struct conn_rst *r, unsigned cap)
{
	if (!grow((void **)&c->rsts, &c->cap_rsts, c->nrsts, sizeof(*r), cap))
		return false;
	c->rsts[c->nrsts++] = *r;
	return true;
}

bool
conn_add_finding(struct conn *c, const struct conn_finding *f, unsigned cap)
{
	if (!grow((void **)&c->findings, &c->cap_findings, c->nfindings,
	    sizeof(*f), cap))
		return false;
	c->findings[c->nfindings++] = *f;
	return true;
}

void
conn_free_members(struct conn *c)
{
	if (c->ep[0].states != c->ep[0].sv)
		free(c->ep[0].states);
	if (c->ep[1].states != c->ep[1].sv)
		free(c->ep[1].states);
	free(c->rsts);
	free(c->findings);
	c->ep[0].states = c->ep[1].states = NULL;
	c->rsts = NULL;
	c->findings = NULL;
	zk_free(c);
}

enum fsm_state
conn_state_at(const struct conn *c, int side, int64_t t)
{
	const struct conn_ep *e = &c->ep[side];
	enum fsm_state st = FSM_ST_CLOSED;
	uint32_t i;

	for (i = 0; i < e->nstates && e->states[i].at <= t; i++)
		st = (enum fsm_state)e->states[i].state;
	return st;
}

const char *
conn_hs_status_name(unsigned st)
{
	static const char *const n[HS_STATUS_MAX] = {
		[HS_NOT_SEEN] = "not_seen",
		[HS_COMPLETE] = "complete",
		[HS_REFUSED] = "refused",
		[HS_TIMEOUT] = "timeout",
		[HS_PARTIAL] = "partial",
		[HS_RESET] = "reset",
	};

	return st < HS_STATUS_MAX ? n[st] : "unknown";
}

const char *
conn_close_status_name(unsigned st)
{
	static const char *const n[CL_STATUS_MAX] = {
		[CL_OPEN] = "open",
		[CL_NORMAL] = "normal",
		[CL_SIMULTANEOUS] = "simultaneous",
		[CL_RESET] = "reset",
		[CL_HALF_CLOSED] = "half_closed",
	};

	return st < CL_STATUS_MAX ? n[st] : "unknown";
}

const char *
conn_rst_class_name(unsigned cls)
{
	static const char *const n[RST_CLASS_MAX] = {
		[RST_REFUSED] = "refused",
		[RST_ABORT] = "abort",
		[RST_AFTER_PREMATURE_CLOSE] = "after_premature_close",
		[RST_DATA_AFTER_CLOSE] = "data_after_close",
		[RST_HALF_OPEN] = "half_open",
		[RST_OUT_OF_WINDOW] = "out_of_window",
	};

	return cls < RST_CLASS_MAX ? n[cls] : "unknown";
}

const char *
conn_finding_name(unsigned kind)
{
	static const char *const n[FIND_KIND_MAX] = {
		[FIND_TWO_MSL_VIOLATION] = "two_msl_violation",
		[FIND_OPEN_TUPLE_REUSE] = "open_tuple_reuse",
		[FIND_CLOSE_WAIT] = "close_wait",
		[FIND_TIME_WAIT_PRESSURE] = "time_wait_pressure",
		[FIND_EVICTED] = "evicted",
	};

	return kind < FIND_KIND_MAX ? n[kind] : "unknown";
}

const char *
conn_side_name(int side)
{
	return side == CONN_CLIENT ? "client" : "server";
}
