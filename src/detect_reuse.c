/*
 * detect_reuse.c: a SYN that opens a new incarnation of a 5-tuple.
 *
 * If an endpoint of the previous incarnation was still in TIME_WAIT when
 * the SYN came (it entered TIME_WAIT less than 2*MSL before), the new
 * connection breaks the 2*MSL rule.  Whether that was safe is judged as a
 * TIME_WAIT socket would: the new ISN above the last sequence number of
 * the previous incarnation from that side (RFC 1122 4.2.2.13), or else a
 * newer TCP timestamp (RFC 6191).  A SYN on a tuple whose previous
 * connection never closed is a different finding: open_tuple_reuse.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "sbuf.h"
#include "seq.h"

/* Linux tcp_tw_reuse: the new ISN is the old snd_nxt + 65535 + 2. */
#define TW_REUSE_ISN_STEP	65537u

static int
same_ep(const struct conn_ep *a, const struct conn_ep *b)
{
	return a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

/* A reuse finding's common part: the previous incarnation and the SYN. */
static void
reuse_init(struct conn_finding *f, unsigned kind, uint64_t previous_id,
    const struct dec_seg *syn, int64_t msl_ns)
{
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)kind;
	f->previous_id = previous_id;
	f->at = syn->ts_ns;
	f->msl = msl_ns;
	f->safe = -1;
	f->new_seq = syn->seq;
}

void
det_reuse_tw(const struct det_prior *p, int from, int holder,
    struct conn *new, const struct dec_seg *syn, int64_t msl_ns,
    unsigned cap)
{
	struct conn_finding f;

	reuse_init(&f, FIND_TWO_MSL_VIOLATION, p->id, syn, msl_ns);
	/* In the new connection's roles: the SYN sender is client. */
	f.side = holder == from ? CONN_CLIENT : CONN_SERVER;
	f.prev_state = FSM_ST_TIME_WAIT;
	f.duration = syn->ts_ns - p->t_tw[holder];
	if (p->snd_valid[from]) {
		f.old_seq = p->snd_nxt[from];
		if (seq_gt(syn->seq, p->snd_nxt[from])) {
			f.safe = 1;
			f.basis = 1;
		}
	}
	if (f.safe != 1 && syn->opt.has_ts && p->ts_seen[from]) {
		if (seq_gt(syn->opt.tsval, p->tsval[from])) {
			f.safe = 1;
			f.basis = 2;
		} else {
			f.safe = 0;
		}
	} else if (f.safe != 1 && p->snd_valid[from]) {
		f.safe = 0;
	}
	conn_add_finding(new, &f, cap);
}

void
det_reuse(const struct conn *old, struct conn *new,
    const struct dec_seg *syn, int64_t msl_ns, unsigned cap)
{
	struct det_prior p;
	struct conn_finding f;
	int oside, holder = -1, s;

	/* Which endpoint of the old incarnation sends the new SYN? */
	oside = same_ep(&old->ep[CONN_CLIENT], &new->ep[CONN_CLIENT]) ?
	    CONN_CLIENT : CONN_SERVER;
	if (old->ep[!oside].state == FSM_ST_TIME_WAIT)
		holder = !oside;
	else if (old->ep[oside].state == FSM_ST_TIME_WAIT)
		holder = oside;
	if (holder >= 0) {
		memset(&p, 0, sizeof(p));
		p.id = old->id;
		for (s = 0; s < 2; s++) {
			p.t_tw[s] = old->ep[s].t_tw;
			p.snd_nxt[s] = old->ep[s].snd_nxt;
			p.tsval[s] = old->ep[s].tsval;
			p.snd_valid[s] = old->ep[s].snd_valid;
			p.ts_seen[s] = old->ep[s].ts_seen;
		}
		det_reuse_tw(&p, oside, holder, new, syn, msl_ns, cap);
		return;
	}
	if (fsm_synchronized((enum fsm_state)old->ep[0].state) ||
	    fsm_synchronized((enum fsm_state)old->ep[1].state)) {
		reuse_init(&f, FIND_OPEN_TUPLE_REUSE, old->id, syn, msl_ns);
		f.side = CONN_CLIENT;
		f.prev_state = old->ep[!oside].state;
		f.duration = syn->ts_ns - old->last_seen;
		conn_add_finding(new, &f, cap);
	}
}

/* Why a reuse was or was not safe, after "...; the cause; ". */
static void
explain_safety(struct sb_fix *x, const struct conn_finding *f)
{
	if (f->safe == 1 && f->basis == 1) {
		sb_fix_puts(x, "safe: new ISN ");
		sb_fix_u64(x, f->new_seq);
		sb_fix_puts(x, " is above the previous incarnation's last "
		    "sequence ");
		sb_fix_u64(x, f->old_seq);
		sb_fix_puts(x, " (RFC 1122 4.2.2.13)");
	} else if (f->safe == 1) {
		sb_fix_puts(x, "safe: the SYN's timestamp is newer than the "
		    "previous incarnation's (RFC 6191)");
	} else if (f->safe == 0) {
		sb_fix_puts(x, "UNSAFE: new ISN ");
		sb_fix_u64(x, f->new_seq);
		sb_fix_puts(x, " is not above ");
		sb_fix_u64(x, f->old_seq);
		sb_fix_puts(x, " and no newer timestamp; old duplicates can "
		    "corrupt the new connection");
	} else {
		sb_fix_puts(x, "safety unknown: the capture holds too little "
		    "of the previous incarnation");
	}
}

static void
explain_2msl(struct sb_fix *x, const struct conn_finding *f)
{
	const char *cause;

	if (f->side == CONN_CLIENT) {
		if (f->basis == 1 && f->new_seq - f->old_seq ==
		    TW_REUSE_ISN_STEP)
			cause = "the client reused its own TIME_WAIT port: new "
			    "ISN = old snd_nxt + 65537, the mark of Linux "
			    "net.ipv4.tcp_tw_reuse";
		else
			cause = "the client reused a port it held in TIME_WAIT "
			    "(net.ipv4.tcp_tw_reuse, or an explicit bind "
			    "with SO_REUSEADDR)";
	} else {
		cause = "the server accepted a SYN on a tuple it held in "
		    "TIME_WAIT (allowed when the ISN or timestamp is newer); "
		    "the client bound a port still in the server's TIME_WAIT";
	}
	sb_fix_puts(x, "2*MSL violation: the ");
	sb_fix_puts(x, conn_side_name(f->side));
	sb_fix_puts(x, " still held TIME_WAIT of connection ");
	sb_fix_u64(x, f->previous_id);
	sb_fix_puts(x, " (entered ");
	sb_fix_sec(x, f->duration, 3);
	sb_fix_puts(x, " s before the SYN, 2*MSL = ");
	if (f->msl >= 0 && f->msl <= INT64_MAX / 2) {
		sb_fix_sec(x, 2 * f->msl, 0);
	} else {
		/* Not from --msl, which takes at most 10^9 s. */
		char t[64];

		snprintf(t, sizeof(t), "%.0f", 2.0 * (double)f->msl / 1e9);
		sb_fix_puts(x, t);
	}
	sb_fix_puts(x, " s); ");
	sb_fix_puts(x, cause);
	sb_fix_puts(x, "; ");
	explain_safety(x, f);
}

int
det_finding_explain(const struct conn *c, const struct conn_finding *f,
    char *buf, size_t len)
{
	struct sb_fix x;
	const char *side = conn_side_name(f->side);

	(void)c;
	sb_fix_init(&x, buf, len);
	switch (f->kind) {
	case FIND_TWO_MSL_VIOLATION:
		explain_2msl(&x, f);
		break;
	case FIND_OPEN_TUPLE_REUSE:
		sb_fix_puts(&x, "a SYN reused the tuple of connection ");
		sb_fix_u64(&x, f->previous_id);
		sb_fix_puts(&x, ", which never closed (the other end was "
		    "still ");
		sb_fix_puts(&x, fsm_state_name((enum fsm_state)f->prev_state));
		sb_fix_puts(&x, ", last seen ");
		sb_fix_sec(&x, f->duration, 3);
		sb_fix_puts(&x, " s before): the client lost its socket "
		    "silently (reboot, RST lost) or reused a port");
		break;
	case FIND_CLOSE_WAIT:
		if (f->half_close) {
			sb_fix_puts(&x, "CLOSE_WAIT ");
			sb_fix_sec(&x, f->duration, 3);
			sb_fix_puts(&x, " s on the ");
			sb_fix_puts(&x, side);
			sb_fix_puts(&x, f->open_at_end ?
			    " (still open at capture end)" : "");
			sb_fix_puts(&x, ", but it kept sending data: a "
			    "legitimate half close");
		} else if (f->open_at_end) {
			sb_fix_puts(&x, "the ");
			sb_fix_puts(&x, side);
			sb_fix_puts(&x, " was still in CLOSE_WAIT at the end "
			    "of the capture, ");
			sb_fix_sec(&x, f->duration, 3);
			sb_fix_puts(&x, " s after the peer's FIN: the peer "
			    "closed, and the application has not closed its "
			    "socket");
		} else {
			sb_fix_puts(&x, "the ");
			sb_fix_puts(&x, side);
			sb_fix_puts(&x, " sat in CLOSE_WAIT for ");
			sb_fix_sec(&x, f->duration, 3);
			sb_fix_puts(&x, " s: the peer closed, and the "
			    "application was slow to close its socket");
		}
		break;
	case FIND_TIME_WAIT_PRESSURE:
		sb_fix_puts(&x, "TIME_WAIT pressure: the ");
		sb_fix_puts(&x, side);
		sb_fix_puts(&x, " holds ");
		sb_fix_i64(&x, f->duration);
		sb_fix_puts(&x, " TIME_WAIT sockets toward this server, near "
		    "the ephemeral port range (\"Cannot assign requested "
		    "address\" ahead)");
		break;
	case FIND_EVICTED:
		sb_fix_puts(&x, "evicted by --max-flows: the table was full; "
		    "states are as last seen");
		break;
	default:
		sb_fix_puts(&x, "finding");
		break;
	}
	return sb_fix_end(&x);
}
