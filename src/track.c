/*
 * track.c: the per-packet engine of the passive observer.
 *
 * Key design: one hash lookup per segment, then the segment is applied to
 * both endpoints through the transition table (fsm.c).  Every live
 * connection sits on an LRU list (idle timeout, --max-flows eviction),
 * kept in order only once its order can matter (see lru_lazy);
 * a connection with an endpoint in TIME_WAIT also sits on a FIFO ordered
 * by its 2*MSL deadline, and one whose endpoints are both CLOSED lingers
 * on a third FIFO for a few seconds to absorb late segments.  Timers run
 * at the time of each packet and at the end of the capture, so memory
 * follows the connections that are alive, not the length of the capture.
 *
 * TIME_WAIT is most of what is alive on a busy host (2*MSL is 60 s on
 * Linux, a connection's life often well under a second), so a connection
 * whose endpoints are all in TIME_WAIT or CLOSED and that has been quiet
 * for the linger time is written then, and its tuple kept by a compact
 * record (struct trk_tw, 88 bytes against 744) until TIME_WAIT ends:
 * enough for the 2*MSL check of a new SYN, the TIME_WAIT counts and the
 * netstat views.  The records sit in a min-heap on their deadlines.
 *
 * The exceptions to the table (crossing FINs, restarting TIME_WAIT, a
 * RST that is not acceptable, a TIME_WAIT that never was) are in
 * apply_events(), one switch after the lookup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "cfg.h"
#include "conn.h"
#include "detect.h"
#include "flowtab.h"
#include "fsm.h"
#include "pool.h"
#include "seq.h"
#include "track.h"
#include "zeek.h"

/*
 * Timer lists: TIME_WAIT deadline, closed linger, quiet in TIME_WAIT, a
 * handshake that got no further (--syn-timeout).
 */
enum { TL_NONE = 0, TL_TW, TL_DONE, TL_QUIET, TL_SYN, TL_MAX };

#define TW_NONE		INT64_MAX	/* that side is not in TIME_WAIT */

/*
 * What is kept of a connection written while in TIME_WAIT: the 2*MSL
 * facts (struct det_prior), each side's deadline, and where the holder
 * is (the slot's key, through client_kside).
 */
struct trk_tw {
	struct det_prior p;
	int64_t		deadline[2];	/* CONN_CLIENT/SERVER, or TW_NONE */
	int64_t		written;	/* when its connection was written */
	struct flow_slot *slot;
	uint32_t	heap_idx;
	uint32_t	tw_rec[2];	/* its connection's (det_tw_change()) */
	uint8_t		client_kside;
};

/* A heap entry: a record and its tw_due(), kept up to date by heap_fix(). */
struct tw_hent {
	int64_t		due;
	struct trk_tw	*r;
};

struct clist {
	struct conn	*head;
	struct conn	*tail;
};

struct trk {
	const struct sf_config *cfg;
	struct det_agg	*agg;
	struct trk_sink	sink;
	struct flowtab	*ft;
	struct pool	*conns;		/* where every struct conn comes from */
	struct pool	*tws;		/* and every struct trk_tw */
	struct tw_hent	*heap;		/* min-heap on tw_due() */
	size_t		nheap;
	size_t		capheap;
	struct trk_stats st;
	int64_t		clock;		/* latest trk_advance() time */
	/*
	 * No timer is due before this: at most the first deadline of every
	 * timer list, the heap and the tombstones.  Whatever may bring a
	 * deadline earlier lowers it (due_by()); each run of trk_advance()
	 * that has work makes it exact again, so that a segment with nothing
	 * due looks at one number instead of eight list heads.
	 */
	int64_t		due;
	uint64_t	next_id;
	/*
	 * How long a connection in TIME_WAIT must be quiet before it is
	 * written and kept as a compact record: the linger time, or, for
	 * the Zeek formats, past the time Zeek itself would have forgotten
	 * it (a closed connection goes at the first 6 s tick after 5 s, so
	 * by 11 s); a later segment there starts a row of its own, as in
	 * Zeek, instead of being absorbed.
	 */
	int64_t		quiet_ns;
	/* The shortest wait counted from a connection's last segment. */
	int64_t		min_wait;
	bool		zeek;
	struct clist	lru;
	/*
	 * Whether the LRU is left in the order connections came instead of
	 * the order of their latest segments.  Moving a connection to the
	 * tail at each segment writes two neighbours' links, connections
	 * anywhere in memory (about 5 % of the engine's time); yet only the
	 * idle timeout and --max-flows eviction read that order.  No
	 * connection can be idle for --idle-timeout before lru_until, the
	 * earliest segment's time plus it (INT64_MAX before the first
	 * segment), so until then, or until the first eviction, the list is
	 * left as it is; then it is sorted on last_pkt, the order the moves
	 * would have given it, and kept in order from then on
	 * (lru_keep_order()).  trk_foreach() sorts it too.
	 */
	bool		lru_lazy;
	int64_t		lru_until;
	struct clist	tl[TL_MAX];	/* TL_TW, TL_DONE, TL_QUIET, TL_SYN */
};

static void	finish(struct trk *, struct conn *, enum trk_end, int64_t);

/* ---- lists ---- */

/* A timer may now run out at at: trk_advance() must look then. */
static inline void
due_by(struct trk *t, int64_t at)
{
	if (at < t->due)
		t->due = at;
}

/* Keep slot as a tombstone until until, which trk_advance() then owes. */
static void
tomb(struct trk *t, struct flow_slot *slot, int64_t until)
{
	flow_tomb(t->ft, slot, until);
	due_by(t, until);
}

/*
 * The lists are in the order segments came, their deadlines in capture
 * time: with timestamps out of order the entry that becomes first may be
 * due sooner than the one that leaves, so the new first lowers t->due.
 */
static void
lru_unlink(struct trk *t, struct conn *c)
{
	struct clist *l = &t->lru;

	if (c->lru_prev != NULL)
		c->lru_prev->lru_next = c->lru_next;
	else if ((l->head = c->lru_next) != NULL)
		due_by(t, l->head->last_seen + t->cfg->idle_ns);
	if (c->lru_next != NULL)
		c->lru_next->lru_prev = c->lru_prev;
	else
		l->tail = c->lru_prev;
	c->lru_prev = c->lru_next = NULL;
}

static void
lru_append(struct trk *t, struct conn *c)
{
	struct clist *l = &t->lru;

	c->lru_next = NULL;
	c->lru_prev = l->tail;
	if (l->tail != NULL)
		l->tail->lru_next = c;
	else
		l->head = c;
	l->tail = c;
	due_by(t, c->last_seen + t->cfg->idle_ns);
}

/*
 * Sort the LRU on last_pkt in place, keeping the order of equal ones: a
 * merge sort of the list, runs of k, 2k, 4k ... (no memory).  For short
 * lists, and for long ones when lru_order() cannot have its array.
 */
static void
lru_merge_sort(struct trk *t)
{
	struct conn *head = t->lru.head, *tail, *p, *q, *e;
	size_t k, np, nq, runs;

	if (head == NULL)
		return;
	for (k = 1;; k *= 2) {
		p = head;
		head = tail = NULL;
		runs = 0;
		while (p != NULL) {
			runs++;
			q = p;
			for (np = 0; np < k && q != NULL; np++)
				q = q->lru_next;
			nq = k;
			while (np > 0 || (nq > 0 && q != NULL)) {
				if (np > 0 && (nq == 0 || q == NULL ||
				    p->last_pkt <= q->last_pkt)) {
					e = p;
					p = p->lru_next;
					np--;
				} else {
					e = q;
					q = q->lru_next;
					nq--;
				}
				if (tail != NULL)
					tail->lru_next = e;
				else
					head = e;
				e->lru_prev = tail;
				tail = e;
			}
			p = q;
		}
		tail->lru_next = NULL;
		if (runs <= 1)
			break;
	}
	t->lru.head = head;
	t->lru.tail = tail;
}

/* A connection and its key for sort_by_id(), sorted without touching it. */
struct by_id {
	uint64_t	id;
	struct conn	*c;
};

/* Bits of the id that one pass of sort_by_id() orders by. */
#define BY_ID_BITS	11

/*
 * Sort v (n entries) by id, lowest first, using tmp (room for n): a
 * radix sort from the least significant BY_ID_BITS up, with as many
 * passes as the largest id needs (two below 4 M), which keeps the order
 * of equal ids.  It sorts connections by id at the end of the capture
 * (qsort() took 1.5 ms over the 20,133 left at the end of the 100k
 * benchmark capture, this 0.2 ms) and by last_pkt in lru_order().
 */
static void
sort_by_id(struct by_id *v, struct by_id *tmp, size_t n)
{
	size_t cnt[(size_t)1 << BY_ID_BITS], i, d, sum, k;
	const size_t mask = ((size_t)1 << BY_ID_BITS) - 1;
	struct by_id *from = v, *to = tmp, *sw;
	uint64_t max = 0;
	unsigned shift;

	for (i = 0; i < n; i++)
		if (v[i].id > max)
			max = v[i].id;
	for (shift = 0; shift < 64 && (max >> shift) != 0;
	    shift += BY_ID_BITS) {
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(from[i].id >> shift) & mask]++;
		for (d = 0, sum = 0; d <= mask; d++) {
			k = cnt[d];
			cnt[d] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			to[cnt[(from[i].id >> shift) & mask]++] = from[i];
		sw = from;
		from = to;
		to = sw;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
}

/* Below this many connections the LRU is sorted as a list. */
#define LRU_SORT_ARRAY	64

/*
 * Put the LRU in the order of the connections' latest segments, the
 * order that the moves lru_lazy leaves out would have given it: a radix
 * sort of an array of them, whose order the list then takes, or below
 * LRU_SORT_ARRAY connections or without the array's memory the list's
 * own merge sort.
 */
static void
lru_order(struct trk *t)
{
	struct by_id *v;
	struct conn *c, *prev = NULL;
	size_t n = 0, i;

	for (c = t->lru.head; c != NULL; c = c->lru_next)
		n++;
	if (n < LRU_SORT_ARRAY ||
	    n > SIZE_MAX / (2 * sizeof(*v)) ||
	    (v = malloc(2 * n * sizeof(*v))) == NULL) {
		lru_merge_sort(t);
		return;
	}
	for (i = 0, c = t->lru.head; c != NULL; c = c->lru_next, i++) {
		v[i].id = c->last_pkt;
		v[i].c = c;
	}
	sort_by_id(v, v + n, n);
	for (i = 0; i < n; i++) {
		c = v[i].c;
		c->lru_prev = prev;
		if (prev != NULL)
			prev->lru_next = c;
		prev = c;
	}
	prev->lru_next = NULL;
	t->lru.head = v[0].c;
	t->lru.tail = prev;
	free(v);
}

/* The LRU in order from now on: its order is about to be read. */
static void
lru_keep_order(struct trk *t)
{
	if (t->lru_lazy) {
		lru_order(t);
		t->lru_lazy = false;
	}
}

static int64_t	tl_due(const struct trk *, const struct conn *, int);

/*
 * The connections open at once: those held but the ones whose two ends
 * are CLOSED, which wait only for the linger time to be written.  The
 * count rises when one is made, and when a closed one leaves TL_DONE
 * but not by finish() (which takes it off `live` first): opened again.
 */
static inline void
open_peak(struct trk *t)
{
	uint64_t open = t->st.live - t->st.done_live;

	if (open > t->st.peak_open)
		t->st.peak_open = open;
}

static void
tl_unlink(struct trk *t, struct conn *c)
{
	struct clist *l;

	if (c->tl_which == TL_NONE)
		return;
	if (c->tl_which == TL_DONE) {
		t->st.done_live--;
		open_peak(t);
	}
	l = &t->tl[c->tl_which];
	if (c->tl_prev != NULL)
		c->tl_prev->tl_next = c->tl_next;
	else if ((l->head = c->tl_next) != NULL)
		due_by(t, tl_due(t, l->head, c->tl_which));
	if (c->tl_next != NULL)
		c->tl_next->tl_prev = c->tl_prev;
	else
		l->tail = c->tl_prev;
	c->tl_prev = c->tl_next = NULL;
	c->tl_which = TL_NONE;
}

/* Put c at the tail of timer list which (moving it if it is on one). */
static void
tl_append(struct trk *t, struct conn *c, int which)
{
	struct clist *l = &t->tl[which];

	tl_unlink(t, c);
	c->tl_next = NULL;
	c->tl_prev = l->tail;
	if (l->tail != NULL)
		l->tail->tl_next = c;
	else
		l->head = c;
	l->tail = c;
	c->tl_which = (uint8_t)which;
	if (which == TL_DONE)
		t->st.done_live++;
	due_by(t, tl_due(t, c, which));
}

/* ---- states ---- */

static bool
both_closed(const struct conn *c)
{
	return c->ep[0].state == FSM_ST_CLOSED &&
	    c->ep[1].state == FSM_ST_CLOSED;
}

static bool
any_tw(const struct conn *c)
{
	return c->ep[0].state == FSM_ST_TIME_WAIT ||
	    c->ep[1].state == FSM_ST_TIME_WAIT;
}

/* When the TIME_WAIT list must look at c: its first 2*MSL to run out. */
static int64_t
tw_list_due(const struct conn *c)
{
	int64_t dl = INT64_MAX;

	if (c->ep[0].state == FSM_ST_TIME_WAIT)
		dl = c->ep[0].tw_deadline;
	if (c->ep[1].state == FSM_ST_TIME_WAIT && c->ep[1].tw_deadline < dl)
		dl = c->ep[1].tw_deadline;
	return dl;
}

/* When timer list which must look at c, as trk_advance() tests it. */
static int64_t
tl_due(const struct trk *t, const struct conn *c, int which)
{
	switch (which) {
	case TL_TW:
		return tw_list_due(c);
	case TL_DONE:
		return c->last_seen + t->cfg->linger_ns;
	case TL_QUIET:
		return c->last_seen + t->quiet_ns;
	default:
		return c->last_seen + t->cfg->syn_timeout_ns;
	}
}

/*
 * Can c be written now and kept as a compact record once it has been
 * quiet for the linger time?  Every endpoint must be in TIME_WAIT or
 * CLOSED, and TIME_WAIT must outlast the linger (else it simply ends).
 */
static bool
quiet_tw(const struct trk *t, const struct conn *c)
{
	int64_t due = c->last_seen + t->quiet_ns;
	int s;

	/*
	 * A FIN was sent again: the path loses segments beyond the capture
	 * point, and the retransmissions back off past any linger time
	 * (0.2, 0.4 ... 6.4 s on Linux): such a connection stays whole.
	 */
	if (c->ep[0].fin_tx > 1 || c->ep[1].fin_tx > 1)
		return false;
	for (s = 0; s < 2; s++) {
		if (c->ep[s].state == FSM_ST_TIME_WAIT) {
			if (c->ep[s].tw_deadline <= due)
				return false;
		} else if (c->ep[s].state != FSM_ST_CLOSED) {
			return false;
		}
	}
	return true;
}

/*
 * A handshake that got no further: an endpoint still in SYN_SENT or
 * SYN_RECEIVED, none past ESTABLISHED (a SYN never answered; a SYN-ACK
 * never acknowledged, its client seen as ESTABLISHED by the SYN-ACK).
 * Quiet for --syn-timeout, the one still trying has given up: a SYN or
 * SYN-ACK is sent again at least every 120 s (Linux TCP_RTO_MAX).
 */
static bool
in_handshake(unsigned st)
{
	return st == FSM_ST_SYN_SENT || st == FSM_ST_SYN_RECEIVED;
}

static bool
handshake_pending(const struct conn *c)
{
	unsigned a = c->ep[0].state, b = c->ep[1].state;

	/* LISTEN < SYN_SENT < SYN_RECEIVED < ESTABLISHED (fsm.h). */
	return (in_handshake(a) || in_handshake(b)) &&
	    a >= FSM_ST_LISTEN && a <= FSM_ST_ESTABLISHED &&
	    b >= FSM_ST_LISTEN && b <= FSM_ST_ESTABLISHED;
}

/*
 * Place c on the right timer list after a state change.  The quiet and
 * handshake lists are ordered by last segment: apply() takes c off them
 * first, so that a segment puts it back at the tail.
 */
static void
retime(struct trk *t, struct conn *c)
{
	if (any_tw(c)) {
		if (quiet_tw(t, c)) {
			if (c->tl_which != TL_QUIET)
				tl_append(t, c, TL_QUIET);
		} else if (c->tl_which != TL_TW) {
			tl_append(t, c, TL_TW);
		}
	} else if (both_closed(c)) {
		if (c->tl_which != TL_DONE)
			tl_append(t, c, TL_DONE);
	} else if (t->cfg->syn_timeout_ns > 0 && handshake_pending(c)) {
		if (c->tl_which != TL_SYN)
			tl_append(t, c, TL_SYN);
	} else {
		tl_unlink(t, c);
	}
}

static void
set_state(struct trk *t, struct conn *c, int side, enum fsm_state nx,
    int64_t at, uint64_t pkt, uint8_t flags, bool from_peer, bool inferred)
{
	struct conn_ep *e = &c->ep[side];
	enum fsm_state old = e->state;

	if (nx == old)
		return;
	e->t_entered = at;
	e->state = (uint8_t)nx;
	if (!conn_log_state(c, side, at, pkt, flags, from_peer, inferred,
	    t->cfg->max_events))
		t->st.events_dropped++;
	if (old == FSM_ST_TIME_WAIT)
		det_tw_change(t->agg, c, side, -1, at);
	if (nx == FSM_ST_TIME_WAIT) {
		e->t_tw = at;
		e->tw_deadline = at + 2 * t->cfg->msl_ns;
		due_by(t, e->tw_deadline);
		det_tw_change(t->agg, c, side, +1, at);
	} else if (nx == FSM_ST_FIN_WAIT_2) {
		e->t_f2 = at;
	}
}

/* Undo the last state record of an endpoint (a guess proven wrong). */
static void
pop_state(struct trk *t, struct conn *c, int side, int64_t at)
{
	struct conn_ep *e = &c->ep[side];
	struct conn_state_rec *r;

	if (e->nstates < 2)
		return;
	r = &e->states[e->nstates - 1];
	if (r->state == FSM_ST_TIME_WAIT)
		det_tw_change(t->agg, c, side, -1, at);
	e->nstates--;
	e->state = e->states[e->nstates - 1].state;
	e->t_entered = e->states[e->nstates - 1].at;
}

/* End TIME_WAIT of the endpoints whose 2*MSL ran out by now: any? */
static bool
expire_tw(struct trk *t, struct conn *c, int64_t now)
{
	bool ended = false;
	int s;

	for (s = 0; s < 2; s++) {
		if (c->ep[s].state == FSM_ST_TIME_WAIT &&
		    c->ep[s].tw_deadline <= now) {
			set_state(t, c, s, FSM_ST_CLOSED, c->ep[s].tw_deadline,
			    0, 0, false, false);
			ended = true;
		}
	}
	return ended;
}

/* ---- connections ---- */

static struct conn *
conn_create(struct trk *t, struct flow_slot *slot, int64_t now,
    uint64_t pkt, const struct conn *keep)
{
	struct conn *c, *victim = NULL;

	if (t->cfg->max_flows != 0 &&
	    t->st.live - t->st.tw_live >= t->cfg->max_flows) {
		lru_keep_order(t);
		victim = t->lru.head;
		if (victim != NULL && victim == keep)
			victim = victim->lru_next;
	}
	if (victim != NULL) {
		struct conn_finding f;

		memset(&f, 0, sizeof(f));
		f.kind = FIND_EVICTED;
		f.at = now;
		f.safe = -1;
		conn_add_finding(victim, &f, t->cfg->max_events);
		finish(t, victim, TRK_END_EVICTED, now);
	}
	if ((c = pool_get(t->conns)) == NULL) {
		t->st.alloc_failures++;
		return NULL;
	}
	c->id = ++t->next_id;
	c->first_seen = c->last_seen = now;
	c->first_pkt = c->last_pkt = pkt;
	c->slot = slot;
	c->incarnation = slot->incarnations + 1;
	c->previous_id = slot->last_id;
	slot->incarnations++;
	slot->last_id = c->id;
	/* A queued tombstone with a connection leaves the FIFO at once. */
	if (slot->tomb_until != 0)
		t->due = INT64_MIN;
	slot->conn = c;
	lru_append(t, c);
	t->st.connections++;
	t->st.live++;
	open_peak(t);
	return c;
}

/* Fill the endpoints' addresses; client is the sender when client_tx. */
static void
set_roles(struct conn *c, const struct dec_seg *seg, int dir, bool client_tx)
{
	struct conn_ep *cl = &c->ep[CONN_CLIENT], *sv = &c->ep[CONN_SERVER];

	c->af = seg->af;
	if (client_tx) {
		c->client_kside = (uint8_t)dir;
		memcpy(cl->addr, seg->src, 16);
		cl->port = seg->sport;
		memcpy(sv->addr, seg->dst, 16);
		sv->port = seg->dport;
	} else {
		c->client_kside = (uint8_t)!dir;
		memcpy(cl->addr, seg->dst, 16);
		cl->port = seg->dport;
		memcpy(sv->addr, seg->src, 16);
		sv->port = seg->sport;
	}
}

/*
 * Guess which side is the server of a connection first seen mid-stream:
 * a port below 1024 against one above it is the server's; otherwise the
 * lower port.  Returns true if the sender looks like the client.
 */
static bool
sender_is_client(const struct dec_seg *seg)
{
	if (seg->sport < 1024 && seg->dport >= 1024)
		return false;
	if (seg->dport < 1024 && seg->sport >= 1024)
		return true;
	return seg->sport >= seg->dport;
}

/* Initial states of a new connection from its first segment. */
static void
init_conn(struct trk *t, struct conn *c, const struct dec_seg *seg, int dir,
    uint64_t pkt)
{
	uint8_t fl = seg->flags;
	int64_t now = seg->ts_ns;
	struct conn_ep *cl = &c->ep[CONN_CLIENT];

	if ((fl & (DEC_TH_SYN | DEC_TH_RST)) == DEC_TH_SYN &&
	    !(fl & DEC_TH_ACK)) {
		set_roles(c, seg, dir, true);
		return;
	}
	if ((fl & (DEC_TH_SYN | DEC_TH_ACK | DEC_TH_RST)) ==
	    (DEC_TH_SYN | DEC_TH_ACK)) {
		/* SYN-ACK first: the client's SYN went uncaptured. */
		set_roles(c, seg, dir, false);
		cl->syn_seen = true;
		cl->iss = seg->ack - 1;
		cl->snd_nxt = seg->ack;
		cl->snd_valid = true;
		set_state(t, c, CONN_CLIENT, FSM_ST_SYN_SENT, now, pkt, 0,
		    false, true);
		return;
	}
	set_roles(c, seg, dir, sender_is_client(seg));
	c->roles_inferred = true;
	c->partial = true;
	set_state(t, c, CONN_CLIENT, FSM_ST_ESTABLISHED, now, pkt, 0, false,
	    true);
	set_state(t, c, CONN_SERVER, FSM_ST_ESTABLISHED, now, pkt, 0, false,
	    true);
}

/*
 * Does a pure SYN from `side` open a new incarnation of c's tuple?  Not
 * when it retransmits the client's SYN, nor when it is the other half of
 * a simultaneous open (RFC 9293 3.5, figure 8).
 */
static bool
opens_new(const struct conn *c, int side, const struct dec_seg *seg)
{
	const struct conn_ep *s = &c->ep[side], *o = &c->ep[!side];

	if (s->syn_seen && seg->seq == s->iss)
		return false;
	if (side == CONN_SERVER && !s->syn_seen &&
	    o->state == FSM_ST_SYN_SENT &&
	    (s->state == FSM_ST_CLOSED || s->state == FSM_ST_LISTEN))
		return false;
	return true;
}

static void
view(const struct conn_ep *e, struct fsm_peer_view *v)
{
	v->state = (enum fsm_state)e->state;
	v->syn_seen = e->syn_seen;
	v->fin_seen = e->fin_seen;
	v->iss = e->iss;
	v->fin_seq = e->fin_seq;
}

/* a + b, held at UINT32_MAX instead of wrapping. */
static inline uint32_t
sat_add32(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Counters, sequence tracking and timestamps, before the state change. */
static void
account(struct trk *t, struct conn *c, int side, const struct dec_seg *seg)
{
	struct conn_ep *s = &c->ep[side], *r = &c->ep[!side];
	uint8_t fl = seg->flags;
	uint32_t end;
	int64_t now = seg->ts_ns;

	/* Out of order: the deadlines counted from it come earlier. */
	if (now < c->last_seen)
		due_by(t, now + t->min_wait);
	c->last_seen = now;
	s->pkts++;
	s->ip_bytes += seg->ip_bytes;
	s->payload += seg->paylen;
	s->seen = true;
	end = seg->seq + seg->paylen + ((fl & DEC_TH_SYN) ? 1 : 0) +
	    ((fl & DEC_TH_FIN) ? 1 : 0);
	if (!(fl & (DEC_TH_SYN | DEC_TH_RST)) && s->snd_valid) {
		if (seg->paylen > 0 && seq_le(end, s->snd_nxt)) {
			if (seg->paylen == 1 && end == s->snd_nxt &&
			    !(fl & DEC_TH_FIN) && s->fin_seen == false &&
			    r->ack_valid && r->last_ack == s->snd_nxt) {
				s->keepalives++;
				t->st.anomaly[TRK_AN_KEEPALIVE]++;
			} else {
				s->retransmits++;
				t->st.anomaly[TRK_AN_DATA_RETRANSMIT]++;
			}
		} else if (seg->paylen == 0 && !(fl & DEC_TH_FIN) &&
		    seg->seq + 1 == s->snd_nxt && !s->fin_seen) {
			s->keepalives++;
			t->st.anomaly[TRK_AN_KEEPALIVE]++;
		} else if (seq_gt(seg->seq, s->snd_nxt)) {
			t->st.anomaly[TRK_AN_OUT_OF_ORDER]++;
		}
	}
	if (seg->paylen > 0) {
		s->t_last_data = now;
		s->unanswered = sat_add32(s->unanswered, seg->paylen);
		r->unanswered = 0;
		if (s->fin_seen && seq_ge(seg->seq, s->fin_seq))
			t->st.anomaly[TRK_AN_DATA_AFTER_FIN]++;
		if (fsm_fin_sent((enum fsm_state)r->state) ||
		    r->state == FSM_ST_CLOSED)
			r->data_after_fin = sat_add32(r->data_after_fin,
			    seg->paylen);
	}
	if (!(fl & DEC_TH_RST)) {
		if (!s->snd_valid || seq_gt(end, s->snd_nxt))
			s->snd_nxt = end;
		s->snd_valid = true;
	}
	if (fl & DEC_TH_ACK) {
		if (!s->ack_valid || seq_gt(seg->ack, s->last_ack))
			s->last_ack = seg->ack;
		s->ack_valid = true;
	}
	s->win = seg->win;
	if (seg->opt.has_ts) {
		s->tsval = seg->opt.tsval;
		s->ts_seen = true;
	}
	if ((fl & DEC_TH_SYN) && seg->opt.has_wscale) {
		s->wscale_ok = true;
		s->wscale = seg->opt.wscale > 14 ? 14 : seg->opt.wscale;
	}
}

/* Handshake facts: SYN, SYN-ACK and ACK times and retransmissions. */
static void
handshake_facts(struct trk *t, struct conn *c, int side,
    const struct dec_seg *seg)
{
	struct conn_ep *s = &c->ep[side], *r = &c->ep[!side];
	uint8_t fl = seg->flags;
	int64_t now = seg->ts_ns;

	if ((fl & (DEC_TH_SYN | DEC_TH_RST)) == DEC_TH_SYN) {
		if (s->syn_seen && seg->seq == s->iss) {
			t->st.anomaly[TRK_AN_SYN_RETRANSMIT]++;
			if (side == CONN_CLIENT && !(fl & DEC_TH_ACK))
				c->syn_retx++;
			else if (fl & DEC_TH_ACK)
				c->synack_retx++;
		} else {
			s->iss = seg->seq;
			s->syn_seen = true;
			s->t_syn = now;
		}
		if (!(fl & DEC_TH_ACK)) {
			if (side == CONN_CLIENT) {
				if (c->t_syn == 0)
					c->t_syn = now;
				if (c->t_synack == 0)
					c->t_syn_last = now;
			} else if (r->state == FSM_ST_SYN_SENT) {
				c->simultaneous_open = true;
			}
		} else if (side == CONN_SERVER && c->t_synack == 0) {
			c->t_synack = now;
		}
		return;
	}
	if (side == CONN_CLIENT && (fl & DEC_TH_ACK) && !(fl & DEC_TH_RST) &&
	    c->t_ack == 0 && c->t_synack != 0 && r->syn_seen &&
	    seq_gt(seg->ack, r->iss))
		c->t_ack = now;
}

static void
report_rst(struct trk *t, struct conn *c, int side, const struct dec_seg *seg,
    uint64_t pkt, bool acceptable)
{
	struct conn_ep *e = &c->ep[side];
	struct conn_rst r;

	det_rst_classify(c, side, seg, acceptable, c->ep[!side].last_flags,
	    &r);
	r.pkt = pkt;
	/*
	 * A refusal proves there was no listener: the LISTEN we assumed
	 * when the SYN passed was CLOSED all along.
	 */
	if (r.cls == RST_REFUSED && e->state == FSM_ST_LISTEN &&
	    e->nstates == 1) {
		e->states[0].state = FSM_ST_CLOSED;
		e->states[0].inferred = 0;
		e->state = FSM_ST_CLOSED;
		r.sender_state = FSM_ST_CLOSED;
	}
	if (!conn_add_rst(c, &r, t->cfg->max_events))
		c->rsts_dropped++;
	if (t->sink.rst != NULL)
		t->sink.rst(t->sink.arg, c, &r);
	/*
	 * A RST that answers the first FIN of the peer from "TIME_WAIT" shows
	 * that TIME_WAIT never existed: the endpoint was destroyed in
	 * FIN_WAIT_2 and the FIN found no socket.  Undo the guess.
	 */
	if (r.cls == RST_AFTER_PREMATURE_CLOSE &&
	    r.premature_from == FSM_ST_FIN_WAIT_2 &&
	    c->ep[side].state == FSM_ST_TIME_WAIT)
		pop_state(t, c, side, seg->ts_ns);
}

/* Apply one looked-up transition: sentinels are counted, not applied. */
static void
step(struct trk *t, struct conn *c, int side, enum fsm_event ev,
    enum fsm_state nx, const struct dec_seg *seg, uint64_t pkt,
    bool from_peer, bool inferred)
{
	if (nx == FSM_ST_INVALID) {
		t->st.anomaly[TRK_AN_INVALID_TRANSITION]++;
		t->st.invalid_by_event[ev]++;
		return;
	}
	if (nx != FSM_ST_SAME)
		set_state(t, c, side, nx, seg->ts_ns, pkt, seg->flags,
		    from_peer, inferred);
}

static void
apply_events(struct trk *t, struct conn *c, int side,
    const struct dec_seg *seg, uint64_t pkt, const struct fsm_events *ev,
    bool rst_ok)
{
	struct conn_ep *s = &c->ep[side], *r = &c->ep[!side];
	int64_t now = seg->ts_ns;
	enum fsm_state nx;
	unsigned i;
	bool covers;

	for (i = 0; i < ev->nsnd; i++) {
		nx = fsm_lookup((enum fsm_state)s->state, ev->snd[i]);
		switch (ev->snd[i]) {
		case FSM_EV_SND_FIN:
			covers = r->fin_seen && (seg->flags & DEC_TH_ACK) &&
			    seg->ack == r->fin_seq + 1;
			if (s->state == FSM_ST_CLOSE_WAIT && !covers) {
				/*
				 * The FIN left before the peer's FIN
				 * arrived: the FINs crossed (RFC 9293
				 * 3.6, figure 13).  The sender was never
				 * in CLOSE_WAIT: ESTABLISHED, FIN_WAIT_1,
				 * then CLOSING.
				 */
				pop_state(t, c, side, now);
				set_state(t, c, side, FSM_ST_FIN_WAIT_1, now,
				    pkt, seg->flags, false, false);
				set_state(t, c, side, FSM_ST_CLOSING, now,
				    pkt, seg->flags, false, true);
				c->simultaneous_close = true;
				continue;
			}
			if (s->state == FSM_ST_ESTABLISHED &&
			    r->state == FSM_ST_FIN_WAIT_1 && !covers)
				c->simultaneous_close = true;
			break;
		case FSM_EV_SND_RST:
			if (!rst_ok)
				continue;
			/*
			 * SYN_SENT resets a stray ACK and keeps waiting for
			 * its SYN-ACK (RFC 9293 3.10.7.3, first check).
			 */
			if (s->state == FSM_ST_SYN_SENT &&
			    c->nrsts > 0 &&
			    c->rsts[c->nrsts - 1].cls == RST_HALF_OPEN)
				continue;
			break;
		default:
			break;
		}
		step(t, c, side, ev->snd[i], nx, seg, pkt, false,
		    ev->snd[i] == FSM_EV_SND_ACK);
	}
	for (i = 0; i < ev->nrcv; i++) {
		nx = fsm_lookup((enum fsm_state)r->state, ev->rcv[i]);
		switch (ev->rcv[i]) {
		case FSM_EV_RCV_FIN:
			if (ev->fin_retransmit)
				t->st.anomaly[TRK_AN_FIN_RETRANSMIT]++;
			if (r->state == FSM_ST_TIME_WAIT &&
			    ev->fin_retransmit) {
				/* RFC 9293 3.10.7.4: restart 2*MSL. */
				r->tw_deadline = now + 2 * t->cfg->msl_ns;
				tl_append(t, c, TL_TW);
				continue;
			}
			break;
		case FSM_EV_RCV_ACK_FIN:
			if (!r->fin_acked) {
				r->fin_acked = true;
				r->t_fin_ack = now;
			}
			break;
		case FSM_EV_RCV_RST:
			if (!rst_ok) {
				t->st.anomaly[TRK_AN_RST_IGNORED]++;
				continue;
			}
			break;
		default:
			break;
		}
		step(t, c, !side, ev->rcv[i], nx, seg, pkt, true, false);
	}
}

/*
 * The sender sent its FIN again after the ACK that covered it: that ACK
 * was lost beyond the capture point, and the move it made (LAST_ACK to
 * CLOSED, CLOSING to TIME_WAIT, FIN_WAIT_1 to FIN_WAIT_2) never
 * happened.  Undo it; the next ACK that covers the FIN makes it again.
 */
static void
fin_ack_lost(struct trk *t, struct conn *c, int side, int64_t now)
{
	/* The state each move left; 0 (CLOSED is never one): no such move. */
	static const uint8_t before[FSM_ST_MAX] = {
		[FSM_ST_CLOSED] = FSM_ST_LAST_ACK,
		[FSM_ST_TIME_WAIT] = FSM_ST_CLOSING,
		[FSM_ST_FIN_WAIT_2] = FSM_ST_FIN_WAIT_1,
	};
	struct conn_ep *e = &c->ep[side];

	if (!e->fin_acked || e->nstates < 2 || before[e->state] == 0 ||
	    e->states[e->nstates - 2].state != before[e->state])
		return;
	pop_state(t, c, side, now);
	if (e->fin_acks_lost < UINT16_MAX)
		e->fin_acks_lost++;
	e->fin_acked = false;
	e->t_fin_ack = 0;
}

/*
 * Most segments carry no SYN, FIN or RST, to a peer that has sent no FIN
 * and does not wait for the ACK of its SYN: fsm_classify() makes one
 * event of them, SND_ACK, which changes nothing in most states of the
 * sender.  Then there is no state machine to run.
 */
static bool
moves_nothing(const struct conn *c, int side, const struct dec_seg *seg)
{
	const struct conn_ep *r = &c->ep[!side];

	return !(seg->flags & (DEC_TH_SYN | DEC_TH_FIN | DEC_TH_RST)) &&
	    !r->fin_seen && r->state != FSM_ST_SYN_RECEIVED &&
	    fsm_lookup((enum fsm_state)c->ep[side].state, FSM_EV_SND_ACK) ==
	    FSM_ST_SAME;
}

/* The state machine, for a segment sent by side. */
static void
run_fsm(struct trk *t, struct conn *c, int side, const struct dec_seg *seg,
    uint64_t pkt)
{
	struct conn_ep *s = &c->ep[side];
	struct fsm_peer_view sv, rv;
	struct fsm_events ev;
	struct fsm_seg fs;
	bool rst_ok = true;

	fs.flags = seg->flags;
	fs.seq = seg->seq;
	fs.ack = seg->ack;
	fs.paylen = seg->paylen;
	view(&c->ep[side], &sv);
	view(&c->ep[!side], &rv);
	fsm_classify(&fs, &sv, &rv, &ev);
	if (seg->flags & DEC_TH_RST) {
		rst_ok = det_rst_acceptable(c, side, seg);
		report_rst(t, c, side, seg, pkt, rst_ok);
	}
	if ((seg->flags & DEC_TH_FIN) && !(seg->flags & DEC_TH_RST)) {
		if (s->fin_tx < UINT16_MAX)
			s->fin_tx++;
		if (ev.fin_retransmit)
			fin_ack_lost(t, c, side, seg->ts_ns);
		if (!ev.fin_retransmit) {
			s->fin_seen = true;
			c->fins |= 1u << side;
			s->fin_seq = seg->seq + seg->paylen;
			if (s->t_fin == 0)
				s->t_fin = seg->ts_ns;
		}
	}
	apply_events(t, c, side, seg, pkt, &ev, rst_ok);
}

static void
apply(struct trk *t, struct conn *c, int side, const struct dec_seg *seg,
    uint64_t pkt)
{
	struct conn_ep *s = &c->ep[side];

	c->last_pkt = pkt;
	if (!t->lru_lazy) {
		lru_unlink(t, c);
		lru_append(t, c);
	}
	if (c->tl_which == TL_QUIET || c->tl_which == TL_SYN)
		tl_unlink(t, c);
	/*
	 * Both ends CLOSED after a segment: the connection is over.  Before
	 * its first segment both ends are CLOSED too, and that one is not
	 * after a close.
	 */
	if (both_closed(c) && (c->ep[0].pkts | c->ep[1].pkts) != 0)
		t->st.anomaly[TRK_AN_SEG_AFTER_CLOSE]++;
	account(t, c, side, seg);
	if (t->cfg->format == FMT_ZEEK || t->cfg->format == FMT_ZEEK_JSON)
		zk_update(c, side, seg);
	handshake_facts(t, c, side, seg);
	if (!moves_nothing(c, side, seg))
		run_fsm(t, c, side, seg, pkt);
	s->last_flags = seg->flags;
	s->last_data = seg->paylen > 0;
	retime(t, c);
}

/* ---- finishing ---- */

static void
finish(struct trk *t, struct conn *c, enum trk_end why, int64_t at)
{
	struct flow_slot *slot = c->slot;
	int s;

	t->st.live--;		/* before tl_unlink(): not opened again */
	lru_unlink(t, c);
	tl_unlink(t, c);
	if (slot != NULL && slot->conn == c) {
		slot->conn = NULL;
		tomb(t, slot, at + 2 * t->cfg->msl_ns);
	}
	c->slot = NULL;
	if (why == TRK_END_SUPERSEDED || why == TRK_END_EVICTED)
		c->t_end = at;
	c->t_final = at;
	for (s = 0; s < 2; s++) {
		if (c->ep[s].state == FSM_ST_TIME_WAIT &&
		    why != TRK_END_CAPTURE && why != TRK_END_TIME_WAIT)
			det_tw_change(t->agg, c, s, -1, at);
	}
	c->evicted = why == TRK_END_EVICTED;
	c->superseded = why == TRK_END_SUPERSEDED;
	c->finished = true;
	det_handshake_finish(c);
	det_close_finish(c);
	det_agg_conn(t->agg, c, at);
	t->st.ended[why]++;
	if (t->sink.take != NULL) {
		t->sink.take(t->sink.arg, t, c, why);
		return;
	}
	if (t->sink.conn != NULL)
		t->sink.conn(t->sink.arg, c, why);
	trk_release(t, c);
}

/* ---- compact TIME_WAIT records ---- */

static int64_t
tw_due(const struct trk_tw *r)
{
	return r->deadline[0] < r->deadline[1] ? r->deadline[0] :
	    r->deadline[1];
}

static void
heap_set(struct trk *t, size_t i, struct tw_hent e)
{
	t->heap[i] = e;
	e.r->heap_idx = (uint32_t)i;
}

/*
 * The heap is 4-ary: an expiry's sift-down takes half the levels of a
 * binary heap's, and each level moves a record, whose heap_idx written
 * is a cache miss.  TW_HEAP_PAD entries of the allocation come before
 * heap[0], so that in a mapping (on a 2 MiB boundary) the four children
 * of an entry, 4i+1 to 4i+4, share one cache line, and the children of
 * those four the four lines that follow: the sift-down warms them a
 * level ahead, for the heap (4.8 MB at the 1.6M capture) is out of the
 * caches below its first levels.
 */
#define TW_HEAP_D	4
#define TW_HEAP_PAD	3

/*
 * Restore the heap order around entry i after its record's deadlines
 * changed.  The keys are in the heap itself: comparing them reads no
 * record, which would be a cache miss each.
 */
static void
heap_fix(struct trk *t, size_t i)
{
	struct tw_hent e = t->heap[i];
	size_t j, k, end;

	e.due = tw_due(e.r);
	while (i > 0 && t->heap[(i - 1) / TW_HEAP_D].due > e.due) {
		heap_set(t, i, t->heap[(i - 1) / TW_HEAP_D]);
		i = (i - 1) / TW_HEAP_D;
	}
	for (;;) {
		j = TW_HEAP_D * i + 1;
		if (j >= t->nheap)
			break;
		/* The groups of children of entries j to j + 3. */
		for (k = TW_HEAP_D * j + 1; k < t->nheap &&
		    k < TW_HEAP_D * (j + TW_HEAP_D) + 1; k += TW_HEAP_D)
			__builtin_prefetch(&t->heap[k]);
		end = j + TW_HEAP_D < t->nheap ? j + TW_HEAP_D : t->nheap;
		for (k = j + 1; k < end; k++)
			if (t->heap[k].due < t->heap[j].due)
				j = k;
		if (t->heap[j].due >= e.due)
			break;
		heap_set(t, i, t->heap[j]);
		i = j;
	}
	heap_set(t, i, e);
	due_by(t, e.due);
}

/* The heap's allocation, and its size for room for n entries (0: none). */
static struct tw_hent *
heap_base(const struct trk *t)
{
	return t->heap != NULL ? t->heap - TW_HEAP_PAD : NULL;
}

static size_t
heap_bytes(size_t n)
{
	return n == 0 ? 0 : (n + TW_HEAP_PAD) * sizeof(struct tw_hent);
}

static bool
heap_push(struct trk *t, struct trk_tw *r)
{
	struct tw_hent *v, e = { 0, r };
	size_t ncap;

	if (t->nheap == t->capheap) {
		ncap = t->capheap == 0 ? 1024 : t->capheap * 2;
		if ((v = big_realloc(heap_base(t), heap_bytes(t->capheap),
		    heap_bytes(ncap))) == NULL)
			return false;
		t->heap = v + TW_HEAP_PAD;
		t->capheap = ncap;
	}
	big_ahead_at(heap_base(t), heap_bytes(t->capheap),
	    (t->nheap + TW_HEAP_PAD) * sizeof(*t->heap), sizeof(*t->heap));
	heap_set(t, t->nheap++, e);
	heap_fix(t, t->nheap - 1);
	return true;
}

static void
heap_remove(struct trk *t, struct trk_tw *r)
{
	size_t i = r->heap_idx;

	if (--t->nheap == i)
		return;
	heap_set(t, i, t->heap[t->nheap]);
	heap_fix(t, i);
}

/* The flow key side of a record's side (CONN_CLIENT, CONN_SERVER). */
static int
tw_kside(const struct trk_tw *r, int side)
{
	return side == CONN_CLIENT ? r->client_kside : !r->client_kside;
}

/*
 * Side `side` of r leaves TIME_WAIT at `at`: the TIME_WAIT counts learn
 * it and, for --at, the holder is counted in TIME_WAIT if the instant
 * falls between the writing of its connection and now.
 */
static void
tw_side_end(struct trk *t, struct trk_tw *r, int side, int64_t at)
{
	const struct flow_key *k = &r->slot->key;
	int ks = tw_kside(r, side);

	if (r->deadline[side] == TW_NONE)
		return;
	r->deadline[side] = TW_NONE;
	det_tw_leave(t->agg, r->tw_rec[side]);
	r->tw_rec[side] = 0;
	if (t->cfg->at_set && t->cfg->at_ns >= r->written &&
	    t->cfg->at_ns < at)
		det_host_add(t->agg, k->af, k->addr[ks], FSM_ST_TIME_WAIT);
}

/* The record's tuple is done with TIME_WAIT at `at`: free the record. */
static void
tw_free(struct trk *t, struct trk_tw *r, int64_t at)
{
	struct flow_slot *slot = r->slot;

	tw_side_end(t, r, CONN_CLIENT, at);
	tw_side_end(t, r, CONN_SERVER, at);
	heap_remove(t, r);
	slot->tw = NULL;
	/* Its tombstone outlives it (finish() made it for 2*MSL after). */
	if (slot->tomb_until == 0)
		tomb(t, slot, at);
	pool_put(t->tws, r);
	t->st.tw_live--;
	t->st.live--;
}

/*
 * Warm what the next expiries touch, each a cache miss otherwise (with
 * the tombstones' unlinking and the heap, about a sixth of the engine's
 * samples at the 1.6M benchmark capture went to the expiries): the first
 * record's slot and TIME_WAIT counts, and the records of its children in
 * the heap, one of which comes first once it goes.  That first record
 * was a child when this last ran, so reading it here seldom waits.
 */
static void
tw_warm(const struct trk *t)
{
	const struct trk_tw *r;
	size_t k, end;

	if (t->nheap == 0)
		return;
	r = t->heap[0].r;
	__builtin_prefetch(&r->slot->tomb_until);
	det_tw_warm(t->agg, r->tw_rec[0]);
	det_tw_warm(t->agg, r->tw_rec[1]);
	end = t->nheap < 1 + TW_HEAP_D ? t->nheap : 1 + TW_HEAP_D;
	for (k = 1; k < end; k++) {
		__builtin_prefetch(t->heap[k].r);
		__builtin_prefetch((const char *)t->heap[k].r +
		    sizeof(struct trk_tw) - 1);
	}
}

/* End every TIME_WAIT whose 2*MSL ran out by now. */
static void
tw_expire(struct trk *t, int64_t now)
{
	struct trk_tw *r;
	bool any = false;
	int s;

	while (t->nheap > 0 && t->heap[0].due <= now) {
		r = t->heap[0].r;
		for (s = 0; s < 2; s++)
			if (r->deadline[s] <= now)
				tw_side_end(t, r, s, r->deadline[s]);
		if (tw_due(r) == TW_NONE)
			tw_free(t, r, now);
		else
			heap_fix(t, 0);
		any = true;
	}
	if (any)
		tw_warm(t);
}

/*
 * c has been quiet for the linger time with its endpoints in TIME_WAIT
 * or CLOSED: write it and keep its tuple as a compact record.  Without
 * memory for the record it stays whole, as before.
 */
static void
compact(struct trk *t, struct conn *c, int64_t at)
{
	struct flow_slot *slot = c->slot;
	struct trk_tw *r;
	int s;

	/* c is still in the table: slot is its. */
	if ((r = pool_get(t->tws)) == NULL)
		goto whole;
	r->p.id = c->id;
	for (s = 0; s < 2; s++) {
		const struct conn_ep *e = &c->ep[s];

		r->p.t_tw[s] = e->t_tw;
		r->p.snd_nxt[s] = e->snd_nxt;
		r->p.tsval[s] = e->tsval;
		r->p.snd_valid[s] = e->snd_valid;
		r->p.ts_seen[s] = e->ts_seen;
		r->deadline[s] = e->state == FSM_ST_TIME_WAIT ?
		    e->tw_deadline : TW_NONE;
		r->tw_rec[s] = c->tw_rec[s];
	}
	r->written = at;
	r->slot = slot;
	r->client_kside = c->client_kside;
	if (!heap_push(t, r)) {
		pool_put(t->tws, r);
		goto whole;
	}
	slot->tw = r;
	c->tw_record = true;
	t->st.tw_live++;
	t->st.live++;		/* finish() takes the whole one off */
	finish(t, c, TRK_END_TIME_WAIT, at);
	return;
whole:
	t->st.alloc_failures++;
	tl_append(t, c, TL_TW);
}

/*
 * A segment on a tuple whose connection was written in TIME_WAIT.  A
 * SYN opens a new incarnation: true, with *prior, *from and *holder
 * filled for the 2*MSL check and the record freed (with the Zeek
 * formats any segment does, *holder -1).  Anything else is
 * absorbed and counted: a FIN (the peer's retransmission, its last ACK
 * lost) restarts TIME_WAIT (RFC 9293 3.10.7.4), and an in-window RST
 * ends it, as Linux does with net.ipv4.tcp_rfc1337=0.
 */
static bool
tw_segment(struct trk *t, struct trk_tw *r, const struct dec_seg *seg,
    int dir, bool syn, struct det_prior *prior, int *from, int *holder)
{
	int side = dir == r->client_kside ? CONN_CLIENT : CONN_SERVER;
	int64_t now = seg->ts_ns;

	if (syn) {
		*prior = r->p;
		*from = side;
		*holder = r->deadline[!side] != TW_NONE ? !side :
		    r->deadline[side] != TW_NONE ? side : -1;
		tw_free(t, r, now);
		return true;
	}
	t->st.anomaly[TRK_AN_SEG_AFTER_WRITE]++;
	if (t->zeek) {
		/* Zeek has forgotten the connection: this is a new one. */
		*holder = -1;
		tw_free(t, r, now);
		return true;
	}
	if (seg->flags & DEC_TH_RST) {
		if (r->p.snd_valid[side] && seg->seq != r->p.snd_nxt[side]) {
			t->st.anomaly[TRK_AN_RST_IGNORED]++;
			return false;
		}
		tw_free(t, r, now);
	} else if ((seg->flags & DEC_TH_FIN) &&
	    r->deadline[!side] != TW_NONE) {
		t->st.anomaly[TRK_AN_FIN_RETRANSMIT]++;
		r->deadline[!side] = now + 2 * t->cfg->msl_ns;
		heap_fix(t, r->heap_idx);
		tomb(t, r->slot, now + 2 * t->cfg->msl_ns);
	}
	return false;
}

void
trk_release(struct trk *t, struct conn *c)
{
	conn_free_members(c);
	pool_put(t->conns, c);
}

bool
trk_idle(struct trk *t)
{
	return t->sink.idle != NULL && t->sink.idle(t->sink.arg, t);
}

void
trk_recycle(struct trk *t, struct conn *c)
{
	pool_put(t->conns, c);
}

void
trk_trim(struct trk *t)
{
	pool_trim(t->conns);
}

/*
 * The connection after c on its timer list is the next to be written,
 * now or at a coming run, and has not been touched since its last
 * segment, seconds ago: fetch all of it while c is written.
 */
static void
prefetch_next(const struct conn *c)
{
	if (c->tl_next != NULL)
		big_warm(c->tl_next, sizeof(*c));
}

/* The first deadline of every timer list, the heap and the tombstones. */
static int64_t
next_due(const struct trk *t)
{
	int64_t due = flow_tomb_due(t->ft), d;
	const struct conn *c;
	int k;

	for (k = TL_TW; k < TL_MAX; k++)
		if ((c = t->tl[k].head) != NULL &&
		    (d = tl_due(t, c, k)) < due)
			due = d;
	if (t->nheap > 0 && (d = t->heap[0].due) < due)
		due = d;
	if (t->lru_lazy) {
		if (t->lru_until < due)
			due = t->lru_until;
	} else if ((c = t->lru.head) != NULL &&
	    (d = c->last_seen + t->cfg->idle_ns) < due) {
		due = d;
	}
	return due;
}

void
trk_advance(struct trk *t, int64_t now)
{
	struct conn *c;
	int64_t dl;

	if (now > t->clock)
		t->clock = now;
	if (now < t->due)
		return;
	while ((c = t->tl[TL_TW].head) != NULL) {
		dl = tw_list_due(c);
		if (dl > now)
			break;
		expire_tw(t, c, now);
		/*
		 * The other side's TIME_WAIT ends a moment later (crossing
		 * FINs): it stays at the head for it, not behind 2*MSL of
		 * later deadlines at the tail.
		 */
		if (any_tw(c))
			continue;
		tl_unlink(t, c);
		retime(t, c);
	}
	while ((c = t->tl[TL_DONE].head) != NULL &&
	    c->last_seen + t->cfg->linger_ns <= now) {
		prefetch_next(c);
		finish(t, c, TRK_END_CLOSED, c->last_seen + t->cfg->linger_ns);
	}
	while ((c = t->tl[TL_QUIET].head) != NULL &&
	    c->last_seen + t->quiet_ns <= now) {
		prefetch_next(c);
		compact(t, c, c->last_seen + t->quiet_ns);
	}
	while ((c = t->tl[TL_SYN].head) != NULL &&
	    c->last_seen + t->cfg->syn_timeout_ns <= now) {
		t->st.syn_timeouts++;
		c->syn_given_up = true;
		c->t_end = c->last_seen + t->cfg->syn_timeout_ns;
		finish(t, c, TRK_END_IDLE, c->t_end);
	}
	tw_expire(t, now);
	if (now >= t->lru_until)
		lru_keep_order(t);
	while ((c = t->lru.head) != NULL &&
	    c->last_seen + t->cfg->idle_ns <= now) {
		if (both_closed(c))
			finish(t, c, TRK_END_CLOSED, now);
		else
			finish(t, c, TRK_END_IDLE, c->last_seen +
			    t->cfg->idle_ns);
	}
	flow_tomb_expire(t->ft, now);
	t->due = next_due(t);
}

/* ---- API ---- */

struct trk *
trk_new(const struct sf_config *cfg, struct det_agg *agg,
    const struct trk_sink *sink)
{
	struct trk *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->cfg = cfg;
	t->agg = agg;
	t->zeek = cfg->format == FMT_ZEEK || cfg->format == FMT_ZEEK_JSON;
	t->quiet_ns = cfg->linger_ns + (t->zeek ? 7 * CONN_NS : 0);
	t->min_wait = cfg->idle_ns;
	if (cfg->linger_ns < t->min_wait)
		t->min_wait = cfg->linger_ns;
	if (t->quiet_ns < t->min_wait)
		t->min_wait = t->quiet_ns;
	if (cfg->syn_timeout_ns > 0 && cfg->syn_timeout_ns < t->min_wait)
		t->min_wait = cfg->syn_timeout_ns;
	t->due = INT64_MIN;
	t->lru_lazy = true;
	t->lru_until = INT64_MAX;
	if (sink != NULL)
		t->sink = *sink;
	if ((t->ft = flow_new(4096)) == NULL ||
	    (t->conns = pool_new(sizeof(struct conn),
	    _Alignof(struct conn))) == NULL ||
	    (t->tws = pool_new(sizeof(struct trk_tw),
	    _Alignof(struct trk_tw))) == NULL) {
		pool_free(t->conns);
		flow_free(t->ft);
		free(t);
		return NULL;
	}
	return t;
}

void
trk_free(struct trk *t)
{
	struct conn *c, *next;

	if (t == NULL)
		return;
	for (c = t->lru.head; c != NULL; c = next) {
		next = c->lru_next;
		conn_free_members(c);
		pool_put(t->conns, c);
	}
	pool_free(t->conns);
	pool_free(t->tws);
	big_free(heap_base(t), heap_bytes(t->capheap));
	flow_free(t->ft);
	free(t);
}

void
trk_segment(struct trk *t, const struct dec_seg *seg, uint64_t pkt)
{
	struct flow_key key;
	int dir;

	flow_key_make(seg, &key, &dir);
	trk_segment_key(t, seg, pkt, &key, flow_key_hash(&key), dir);
}

void
trk_prefetch(struct trk *t, uint32_t hash, int stage)
{
	const struct conn *c;

	if (stage < 2) {
		flow_prefetch(t->ft, hash, stage);
		return;
	}
	if (stage == 3) {
		/*
		 * The neighbours on the LRU (once it is kept in order) and
		 * on the timer list, which the segment's relinking writes:
		 * cache misses otherwise (the connection itself came in at
		 * stage 2).
		 */
		if ((c = flow_peek(t->ft, hash)) != NULL) {
			if (!t->lru_lazy && c->lru_prev != NULL)
				__builtin_prefetch(&c->lru_prev->lru_prev, 1);
			if (!t->lru_lazy && c->lru_next != NULL)
				__builtin_prefetch(&c->lru_next->lru_prev, 1);
			if (c->tl_prev != NULL)
				__builtin_prefetch(&c->tl_prev->tl_prev, 1);
			if (c->tl_next != NULL)
				__builtin_prefetch(&c->tl_next->tl_prev, 1);
		}
		return;
	}
	/* The connection's head and the head of each endpoint. */
	if ((c = flow_peek(t->ft, hash)) != NULL) {
		__builtin_prefetch(c);
		__builtin_prefetch(&c->ep[0]);
		__builtin_prefetch(&c->ep[1]);
	}
}

void
trk_prefetch_fin(struct trk *t, const struct flow_key *key, uint32_t hash,
    int dir)
{
	const struct conn *c;
	int side;

	if ((c = flow_peek(t->ft, hash)) == NULL)
		return;
	/* The second FIN: its receiver sent the first. */
	side = dir == c->client_kside ? CONN_CLIENT : CONN_SERVER;
	if (c->fins == 1u << !side)
		det_tw_prefetch(t->agg, key->af, key->addr[!dir],
		    key->addr[dir], key->port[!c->client_kside]);
}

void
trk_segment_key(struct trk *t, const struct dec_seg *seg, uint64_t pkt,
    const struct flow_key *key, uint32_t h, int dir)
{
	struct flow_slot *slot;
	struct conn *c, *old;
	struct det_prior prior;
	int side, from, holder = -1;
	int64_t now = seg->ts_ns;
	bool syn;

	t->st.segments++;
	if (t->st.first_ts == 0 || now < t->st.first_ts)
		t->st.first_ts = now;
	if (t->lru_lazy && now < t->lru_until - t->cfg->idle_ns) {
		t->lru_until = now + t->cfg->idle_ns;
		due_by(t, t->lru_until);
	}
	if (now > t->st.last_ts)
		t->st.last_ts = now;
	trk_advance(t, now);

	slot = flow_find(t->ft, key, h);
	syn = (seg->flags & (DEC_TH_SYN | DEC_TH_ACK | DEC_TH_RST)) ==
	    DEC_TH_SYN;
	c = slot != NULL ? slot->conn : NULL;

	if (c != NULL) {
		/*
		 * Unchanged, c is on the right list already (retime()).  Most
		 * segments find no TIME_WAIT: the test is inline.
		 */
		if (any_tw(c) && expire_tw(t, c, now))
			retime(t, c);
		side = dir == c->client_kside ? CONN_CLIENT : CONN_SERVER;
		if (syn && opens_new(c, side, seg)) {
			old = c;
			if ((c = conn_create(t, slot, now, pkt, old)) == NULL) {
				slot->conn = old;
				t->due = INT64_MIN;
				return;
			}
			init_conn(t, c, seg, dir, pkt);
			det_reuse(old, c, seg, t->cfg->msl_ns,
			    t->cfg->max_events);
			old->slot = NULL;
			finish(t, old, TRK_END_SUPERSEDED, now);
			if (t->sink.finding != NULL && c->nfindings > 0)
				t->sink.finding(t->sink.arg, c,
				    &c->findings[c->nfindings - 1]);
		}
	} else {
		if (slot != NULL && slot->tw != NULL &&
		    !tw_segment(t, slot->tw, seg, dir, syn, &prior, &from,
		    &holder))
			return;
		if (slot == NULL &&
		    (slot = flow_insert(t->ft, key, h)) == NULL) {
			t->st.alloc_failures++;
			return;
		}
		if ((c = conn_create(t, slot, now, pkt, NULL)) == NULL) {
			if (slot->incarnations == 0) {
				if (slot->tomb_until != 0)
					t->due = INT64_MIN;
				flow_remove(t->ft, slot);
			}
			return;
		}
		init_conn(t, c, seg, dir, pkt);
		if (holder >= 0) {
			det_reuse_tw(&prior, from, holder, c, seg,
			    t->cfg->msl_ns, t->cfg->max_events);
			if (t->sink.finding != NULL && c->nfindings > 0)
				t->sink.finding(t->sink.arg, c,
				    &c->findings[c->nfindings - 1]);
		}
	}
	side = dir == c->client_kside ? CONN_CLIENT : CONN_SERVER;
	apply(t, c, side, seg, pkt);
}

/*
 * The records left at the end: each holder was still in TIME_WAIT (for
 * --at, from the writing of its connection on).  Their connections were
 * written already, so the records just go.
 */
static void
tw_finish(struct trk *t)
{
	struct trk_tw *r;
	const struct flow_key *k;
	size_t i;
	int s;

	/* Records lie in heap order, all over memory: fetch them ahead. */
	for (i = 0; i < t->nheap; i++) {
		if (i + 8 < t->nheap)
			__builtin_prefetch(t->heap[i + 8].r);
		if (i + 4 < t->nheap)
			__builtin_prefetch(&t->heap[i + 4].r->slot->key);
		r = t->heap[i].r;
		k = &r->slot->key;
		for (s = 0; s < 2; s++) {
			if (r->deadline[s] == TW_NONE || (t->cfg->at_set &&
			    t->cfg->at_ns < r->written))
				continue;
			det_host_add(t->agg, k->af, k->addr[tw_kside(r, s)],
			    FSM_ST_TIME_WAIT);
		}
		r->slot->tw = NULL;
	}
	if (!pool_drop(t->tws))
		for (i = 0; i < t->nheap; i++)
			pool_put(t->tws, t->heap[i].r);
	t->nheap = 0;
	t->st.live -= t->st.tw_live;
	t->st.tw_live = 0;
	pool_trim(t->tws);
}

void
trk_finish(struct trk *t)
{
	struct by_id *v;
	struct conn *c;
	size_t n = 0, i;
	/* A live capture ends when it is stopped, not at its last packet. */
	int64_t end = t->clock > t->st.last_ts ? t->clock : t->st.last_ts;

	trk_advance(t, end);
	/* Every live connection but the compact records is on the LRU. */
	n = (size_t)(t->st.live - t->st.tw_live);
	/* Room for the sort's second array too. */
	v = n > 0 && n <= SIZE_MAX / (2 * sizeof(*v)) ?
	    malloc(2 * n * sizeof(*v)) : NULL;
	if (v == NULL && n > 0) {
		t->st.alloc_failures++;
		lru_keep_order(t);
		while ((c = t->lru.head) != NULL)
			finish(t, c, both_closed(c) ? TRK_END_CLOSED :
			    TRK_END_CAPTURE, end);
	}
	if (v != NULL) {
		for (i = 0, c = t->lru.head; c != NULL && i < n;
		    c = c->lru_next, i++) {
			v[i].id = c->id;
			v[i].c = c;
			c->slot = NULL;
		}
		n = i;
		sort_by_id(v, v + n, n);
		/*
		 * In id order the connections lie all over memory: each is
		 * warmed a few ahead, for finish() writes to it (7.6-11.8 ms
		 * for 20,133 of them at the end of the 100k capture, then
		 * 4.4-5.1 ms).
		 */
		for (i = 0; i < n; i++) {
			if (i + 3 < n)
				big_warm_w(v[i + 3].c, sizeof(*c));
			finish(t, v[i].c, both_closed(v[i].c) ?
			    TRK_END_CLOSED : TRK_END_CAPTURE, end);
		}
	}
	/*
	 * The compact records' holders go to the netstat view while the
	 * formatting thread writes the connections just handed over (the
	 * report let them all wait: rpt_final_flush()).  No segment comes
	 * any more, so no lookup: then the table, which holds the records'
	 * keys, goes, and its memory is there again for the summary's.
	 */
	tw_finish(t);
	flow_clear(t->ft);
	free(v);
	det_agg_settle(t->agg);
	trk_trim(t);	/* a no-op while a sink still holds some */
}

void
trk_foreach(struct trk *t, void (*fn)(void *, const struct conn *),
    void (*tw)(void *, uint8_t, const uint8_t *), void *arg)
{
	const struct trk_tw *r;
	const struct flow_key *k;
	struct conn *c;
	size_t i;
	int s;

	if (t->lru_lazy)
		lru_order(t);
	for (c = t->lru.head; c != NULL; c = c->lru_next)
		fn(arg, c);
	for (i = 0; tw != NULL && i < t->nheap; i++) {
		r = t->heap[i].r;
		k = &r->slot->key;
		for (s = 0; s < 2; s++)
			if (r->deadline[s] != TW_NONE)
				tw(arg, k->af, k->addr[tw_kside(r, s)]);
	}
}

const struct trk_stats *
trk_stats(const struct trk *t)
{
	return &t->st;
}

const char *
trk_end_name(enum trk_end why)
{
	static const char *const names[] = {
		[TRK_END_CLOSED] = "closed",
		[TRK_END_SUPERSEDED] = "superseded",
		[TRK_END_IDLE] = "idle",
		[TRK_END_EVICTED] = "evicted",
		[TRK_END_TIME_WAIT] = "time_wait",
		[TRK_END_CAPTURE] = "capture_end",
	};

	if ((unsigned)why >= TRK_END_MAX)
		return "unknown";
	return names[why];
}

const char *
trk_anomaly_name(enum trk_anomaly an)
{
	static const char *const names[TRK_AN_MAX] = {
		[TRK_AN_INVALID_TRANSITION] = "invalid_transition",
		[TRK_AN_SYN_RETRANSMIT] = "syn_retransmit",
		[TRK_AN_FIN_RETRANSMIT] = "fin_retransmit",
		[TRK_AN_DATA_RETRANSMIT] = "data_retransmit",
		[TRK_AN_KEEPALIVE] = "keepalive",
		[TRK_AN_OUT_OF_ORDER] = "out_of_order",
		[TRK_AN_RST_IGNORED] = "rst_ignored",
		[TRK_AN_DATA_AFTER_FIN] = "data_after_fin",
		[TRK_AN_SEG_AFTER_CLOSE] = "segment_after_close",
		[TRK_AN_SEG_AFTER_WRITE] = "segment_after_write",
	};

	if ((unsigned)an >= TRK_AN_MAX)
		return "unknown";
	return names[an];
}
