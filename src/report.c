/*
 * report.c: the text and JSON-lines reports.
 *
 * Connections arrive as they finish (streaming), so the output order is
 * the order in which connections ended, not their ids.  JSON writes one
 * line per connection at once.  The text report opens with the verdict
 * counts, which are only known at the end: its connection blocks go to a
 * temporary file first and are copied after the header, so memory stays
 * bounded whatever the length of the capture.
 *
 * Live capture (cfg->live_verdicts) writes everything as it happens and
 * flushes: a line per RST and per finding when the engine sees it, the
 * connection blocks straight to the output, the --interval views; the
 * verdict counts come at the end with the summary.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bigmem.h"
#include "cfg.h"
#include "detect.h"
#include "report.h"
#include "ring.h"
#include "sbuf.h"
#include "zeek.h"

/*
 * The formatting thread.  Reading files, the engine hands finished
 * connections over through a ring (ring.c) instead of formatting them
 * itself, and a thread of the report's formats them in the same order,
 * so the output is the same byte for byte.  Only the engine's thread may
 * give a formatted connection back (trk_recycle()): it does so for every
 * slot the thread has passed, each time it hands a new one over.  The
 * thread frees what the connection owns (timelines, RSTs, findings) right
 * after formatting, while those lines are in its cache; freed by the
 * engine, each was a cache miss there (1.6 % of a run's samples).  While
 * the capture is read, RPT_LIMIT connections at most are in flight, so
 * that memory follows the connections alive; at its end the engine hands
 * over all that are left (tens of thousands) and the ring's RPT_RING
 * slots let it go on to the summary while the thread formats them.  The
 * thread is woken for RPT_WAKE connections, not each one.
 */
#define RPT_RING	65536
#define RPT_LIMIT	1024
#define RPT_WAKE	64

/*
 * The engine's share (JSON and text).  On two CPUs the three threads
 * cannot split evenly: the CPU that the formatting thread shares is the
 * busy one, and the thread alone on the other waits for it, about a
 * quarter of its time (doc/performance-history.md, twenty-first round).
 * So the engine holds up to RPT_HOLD finished connections back.  When it
 * would wait for the reading thread, or when handing one over would wait
 * for the formatting thread, it formats them itself into a chunk of text
 * that takes one slot of the ring, and the formatting thread writes the
 * chunk in its turn.  When it has no time for them, the oldest goes over
 * as it is once RPT_HOLD wait.  Either way the text and its order are
 * the same.  A chunk goes over once RPT_CHUNK_FULL bytes long, when the
 * ring has room; meanwhile it grows, but the engine's text not yet
 * written stays under RPT_TEXT_MAX (beyond, the engine waits as before:
 * text takes about three times the memory of the connection it tells).
 * RPT_CHUNKS chunks at most, reused once written.
 */
#define RPT_HOLD	1024
#define RPT_CHUNKS	8
#define RPT_CHUNK_FULL	((size_t)64 << 10)
#define RPT_TEXT_MAX	((size_t)2 << 20)
#define RPT_IDLE_STEP	4	/* connections formatted per trk_idle() */

struct rpt_chunk {
	struct sbuf	b;
	size_t		pushed;		/* its length when handed over */
	struct rpt_chunk *next;		/* on the free list */
};

struct rpt_slot {
	struct conn	*c;		/* NULL, or to give back */
	struct rpt_chunk *txt;		/* the engine's text, or NULL */
	enum trk_end	why;
};

struct rpt_held {
	struct conn	*c;
	enum trk_end	why;
};

struct rpt_worker {
	pthread_t	tid;
	struct ring	*ring;
	struct trk	*t;
	size_t		recycled;	/* slots given back to the engine */
};

struct rpt {
	const struct sf_config *cfg;
	FILE		*out;
	FILE		*body;		/* text: connection blocks */
	int		spill_errno;	/* the body's file failed: streamed */
	struct sbuf	b;
	struct zk_log	*zk;		/* --format zeek, zeek-json */
	int		err;
	bool		threaded;	/* format on a thread of its own */
	struct rpt_worker *w;		/* started at the first connection */
	/*
	 * The engine's share (RPT_HOLD), the engine's thread's alone: the
	 * connections held back, oldest at held[hfirst], after the text of
	 * those it formatted into chunk.
	 */
	bool		hold;		/* hold connections back now */
	size_t		hfirst;
	size_t		nheld;
	struct rpt_held	held[RPT_HOLD];
	struct rpt_chunk *chunk;	/* being filled, or NULL */
	struct rpt_chunk *cfree;	/* chunks free to fill */
	size_t		nchunk;		/* chunks made */
	size_t		txt_out;	/* bytes of text handed over, unwritten */
};

static void	json_conn(struct sbuf *, const struct conn *, enum trk_end);
static void	text_conn(struct sbuf *, const struct conn *, enum trk_end);
static void	chunk_put(struct rpt *, struct rpt_chunk *);
static void	hold_stop(struct rpt *);
static void	live_findings(struct rpt *, const struct conn *);
static void	live_flush(struct rpt *);
static void	sink_rst(void *, const struct conn *, const struct conn_rst *);
static void	sink_finding(void *, const struct conn *,
		    const struct conn_finding *);

/* States whose time the close report gives, in teardown order. */
static const uint8_t close_states[] = {
	FSM_ST_FIN_WAIT_1, FSM_ST_FIN_WAIT_2, FSM_ST_CLOSE_WAIT,
	FSM_ST_LAST_ACK, FSM_ST_CLOSING, FSM_ST_TIME_WAIT
};

const char *
rpt_addr(const struct conn *c, int side, char *buf, size_t len)
{
	return dec_addr_str(c->af, c->ep[side].addr, buf, len);
}

/* A state's name at a cursor: SB_NAME_MAX bytes at most. */
SB_INLINE char *
state_at(char *o, unsigned st)
{
	const char *s;
	size_t n;

	if ((s = fsm_state_name16((enum fsm_state)st, &n)) != NULL)
		return sb_name16_at(o, s, n);
	s = fsm_state_name((enum fsm_state)st);	/* "SAME", "INVALID" */
	return sb_putn_at(o, s, strlen(s));
}

/* A state's name. */
static void
put_state(struct sbuf *b, unsigned st)
{
	char *o;

	if ((o = sb_room(b, SB_NAME_MAX)) != NULL)
		sb_done(b, state_at(o, st));
}

/* The side that went on sending after the other's FIN, or -1. */
static int
half_close_side(const struct conn *c, struct det_half_close *hc)
{
	int side;

	for (side = 0; side < 2; side++)
		if (det_half_close(c, side, hc))
			return side;
	return -1;
}

static void
flush_if_big(struct rpt *r, FILE *f)
{
	if (r->b.len >= 1 << 16 && sb_flush(&r->b, f) == -1)
		r->err = 1;
}

/*
 * Text blocks b to the text report's temporary file.  When it takes no
 * more (its file system is full), the report goes on as when there is
 * none: the blocks so far, then the rest as they come, the verdict
 * counts after them; the report stays whole and rpt_spill_errno() tells
 * why.
 */
static void
spool_put(struct rpt *r, struct sbuf *b)
{
	if (sb_spool_put(b, r->body) == 0)
		return;
	r->spill_errno = errno;
	if (sb_spill(&r->body, r->out, NULL, b) == -1)
		r->err = 1;
}

/* The text blocks so far to the temporary file (spool_put()). */
static void
body_put(struct rpt *r)
{
	spool_put(r, &r->b);
}

/*
 * Text the engine formatted (the engine's share), after what this thread
 * formatted before it: to the output, or to the text report's temporary
 * file while it takes them, as body_put() does.
 */
static void
chunk_write(struct rpt *r, struct sbuf *t)
{
	if (r->body != NULL)
		body_put(r);
	if (r->body != NULL)
		spool_put(r, t);
	else if (sb_flush(&r->b, r->out) == -1 || sb_flush(t, r->out) == -1)
		r->err = 1;
}

static void
format_conn(struct rpt *r, const struct conn *c, enum trk_end why)
{

	switch (r->cfg->format) {
	case FMT_JSON:
		if (r->cfg->live_verdicts)
			live_findings(r, c);
		json_conn(&r->b, c, why);
		flush_if_big(r, r->out);
		break;
	case FMT_TEXT:
		if (r->cfg->live_verdicts)
			live_findings(r, c);
		text_conn(&r->b, c, why);
		if (r->body == NULL)
			flush_if_big(r, r->out);
		else if (r->b.len >= 1 << 16)
			body_put(r);
		break;
	case FMT_ZEEK:
	case FMT_ZEEK_JSON:
		if (r->zk != NULL)
			zk_log_conn(r->zk, c);
		return;
	default:
		return;
	}
	if (r->cfg->live_verdicts)
		live_flush(r);
}

static void
sink_conn(void *arg, const struct conn *c, enum trk_end why)
{
	format_conn(arg, c, why);
}

static void *
worker_main(void *arg)
{
	struct rpt *r = arg;
	struct ring *ring = r->w->ring;
	const struct rpt_slot *sl, *next;
	size_t n, i;

	ring_helper_thread();
	while ((n = ring_wait(ring)) > 0) {
		for (i = 0; i < n; i++) {
			sl = ring_at(ring, i);
			/*
			 * The next connection, which the engine's core wrote
			 * last: the first read of each of its lines is a miss.
			 */
			next = i + 1 < n ? ring_at(ring, i + 1) : NULL;
			if (next != NULL && next->c != NULL)
				big_warm(next->c, sizeof(struct conn));
			if (sl->txt != NULL) {
				chunk_write(r, &sl->txt->b);
				continue;
			}
			format_conn(r, sl->c, sl->why);
			conn_free_members(sl->c);
		}
		ring_pop(ring, n);
	}
	return NULL;
}

static bool
worker_start(struct rpt *r, struct trk *t)
{
	struct rpt_worker *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return false;
	w->t = t;
	if ((w->ring = ring_new(RPT_RING, sizeof(struct rpt_slot),
	    RPT_WAKE)) == NULL) {
		free(w);
		return false;
	}
	ring_set_limit(w->ring, RPT_LIMIT);
	r->w = w;
	if (pthread_create(&w->tid, NULL, worker_main, r) == 0) {
		(void)pthread_setname_np(w->tid, "synfin-format");
		return true;
	}
	r->w = NULL;
	ring_free(w->ring);
	free(w);
	return false;
}

/* Let the thread format everything, give all back, stop it. */
static void
worker_stop(struct rpt *r)
{
	struct rpt_worker *w = r->w;
	struct rpt_slot *sl;
	size_t i;

	if (w == NULL)
		return;
	hold_stop(r);
	ring_close(w->ring);
	pthread_join(w->tid, NULL);
	for (i = 0; i < ring_size(w->ring); i++) {
		sl = ring_slot_at(w->ring, i);
		if (sl->c != NULL)
			trk_recycle(w->t, sl->c);
		if (sl->txt != NULL)
			chunk_put(r, sl->txt);
	}
	r->txt_out = 0;
	trk_trim(w->t);
	ring_free(w->ring);
	free(w);
	r->w = NULL;
}

static void
chunk_put(struct rpt *r, struct rpt_chunk *k)
{
	k->b.len = 0;
	/* One that grew while the ring was full does not stay that big. */
	if (k->b.cap > 2 * RPT_CHUNK_FULL)
		sb_free(&k->b);
	k->next = r->cfree;
	r->cfree = k;
}

/*
 * Give back every connection the thread has formatted since the last,
 * and every chunk it has written.
 */
static void
recycle_formatted(struct rpt *r)
{
	struct rpt_worker *w = r->w;
	struct rpt_slot *sl;
	size_t done = ring_consumed(w->ring);

	for (; w->recycled < done; w->recycled++) {
		sl = ring_slot_at(w->ring, w->recycled);
		if (sl->c != NULL) {
			trk_recycle(w->t, sl->c);
			sl->c = NULL;
		}
		if (sl->txt != NULL) {
			r->txt_out -= sl->txt->pushed;
			chunk_put(r, sl->txt);
			sl->txt = NULL;
		}
	}
}

/* Hand a connection, or a chunk of text, over to the thread. */
static void
push_slot(struct rpt *r, struct conn *c, struct rpt_chunk *txt,
    enum trk_end why)
{
	struct rpt_slot *sl = ring_slot(r->w->ring);

	/* This slot's last connection is among them: the ring gave it back. */
	recycle_formatted(r);
	sl->c = c;
	sl->txt = txt;
	sl->why = why;
	ring_push(r->w->ring);
}

/*
 * The text the engine formatted so far, before anything after it; unless
 * wait, only if the ring has room for it now.
 */
static void
push_chunk(struct rpt *r, bool wait)
{
	struct rpt_chunk *k = r->chunk;

	if (k != NULL && k->b.len > 0 &&
	    (wait || ring_room(r->w->ring) > 0)) {
		k->pushed = k->b.len;
		r->txt_out += k->pushed;
		push_slot(r, NULL, k, TRK_END_CLOSED);
		r->chunk = NULL;
	}
}

/* Whether the engine's text not yet written has reached RPT_TEXT_MAX. */
static bool
text_full(const struct rpt *r)
{
	return r->txt_out + (r->chunk != NULL ? r->chunk->b.len : 0) >=
	    RPT_TEXT_MAX;
}

/* The oldest connection held back, as it is (after the text before it). */
static void
hand_oldest(struct rpt *r)
{
	const struct rpt_held *h = &r->held[r->hfirst];

	push_chunk(r, true);
	push_slot(r, h->c, NULL, h->why);
	r->hfirst = (r->hfirst + 1) % RPT_HOLD;
	r->nheld--;
}

/* Stop holding back: everything held goes over, in order. */
static void
hold_stop(struct rpt *r)
{
	if (r->w == NULL)
		return;
	push_chunk(r, true);
	while (r->nheld > 0)
		hand_oldest(r);
	r->hold = false;
}

/*
 * Format up to n of the connections held back, oldest first, into the
 * chunk being filled, on the engine's thread; false when no chunk is free
 * (every one waits in the ring to be written).
 */
static bool
format_held(struct rpt *r, struct trk *t, size_t n)
{
	struct rpt_chunk *k;
	const struct rpt_held *h;

	if ((k = r->chunk) == NULL) {
		recycle_formatted(r);
		if ((k = r->cfree) != NULL)
			r->cfree = k->next;
		else if (r->nchunk < RPT_CHUNKS &&
		    (k = calloc(1, sizeof(*k))) != NULL) {
			sb_init(&k->b);
			r->nchunk++;
		} else
			return false;
		r->chunk = k;
	}
	for (; n > 0 && r->nheld > 0; n--) {
		h = &r->held[r->hfirst];
		if (r->cfg->format == FMT_JSON)
			json_conn(&k->b, h->c, h->why);
		else
			text_conn(&k->b, h->c, h->why);
		trk_release(t, h->c);
		r->hfirst = (r->hfirst + 1) % RPT_HOLD;
		r->nheld--;
	}
	if (k->b.len >= RPT_CHUNK_FULL)
		push_chunk(r, false);
	return true;
}

/*
 * The engine would wait for segments: format RPT_IDLE_STEP of the
 * connections held back.  True while some are left; when none is, the
 * chunk goes over if the ring has room (the engine is about to sleep).
 */
static bool
sink_idle(void *arg, struct trk *t)
{
	struct rpt *r = arg;

	if (r->w == NULL)
		return false;
	if (r->nheld == 0 || text_full(r) ||
	    !format_held(r, t, RPT_IDLE_STEP)) {
		push_chunk(r, false);
		return false;
	}
	if (r->nheld == 0)
		push_chunk(r, false);
	return r->nheld > 0;
}

void
rpt_final_flush(struct rpt *r)
{
	hold_stop(r);
	if (r->w != NULL)
		ring_set_limit(r->w->ring, RPT_RING);
}

static void
sink_take(void *arg, struct trk *t, struct conn *c, enum trk_end why)
{
	struct rpt *r = arg;

	if (r->w == NULL && (!r->threaded || !worker_start(r, t))) {
		/* No thread: format here and now. */
		r->threaded = false;
		format_conn(r, c, why);
		trk_release(t, c);
		return;
	}
	if (r->hold) {
		/*
		 * The oldest goes over as it is, unless the thread is so far
		 * behind that handing it over would wait: then the engine
		 * formats it rather than wait, up to RPT_TEXT_MAX.
		 */
		if (r->nheld == RPT_HOLD && (ring_room(r->w->ring) >= 2 ||
		    text_full(r) || !format_held(r, t, 1)))
			hand_oldest(r);
		r->held[(r->hfirst + r->nheld) % RPT_HOLD].c = c;
		r->held[(r->hfirst + r->nheld) % RPT_HOLD].why = why;
		r->nheld++;
		return;
	}
	push_slot(r, c, NULL, why);
}

struct rpt *
rpt_new(const struct sf_config *cfg, FILE *out)
{
	struct rpt *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->cfg = cfg;
	r->out = out;
	r->threaded = cfg->threads >= 2 && cfg->nfiles > 0 &&
	    !cfg->live_verdicts && cfg->format != FMT_PACKETS;
	r->hold = r->threaded &&
	    (cfg->format == FMT_JSON || cfg->format == FMT_TEXT);
	sb_init(&r->b);
	if (cfg->format == FMT_TEXT && !cfg->live_verdicts)
		r->body = sb_spool();	/* NULL: write blocks straight out */
	if ((cfg->format == FMT_ZEEK || cfg->format == FMT_ZEEK_JSON) &&
	    (r->zk = zk_log_new(cfg, out)) == NULL) {
		rpt_free(r);
		return NULL;
	}
	return r;
}

void
rpt_free(struct rpt *r)
{
	struct rpt_chunk *k;

	if (r == NULL)
		return;
	worker_stop(r);
	if (r->chunk != NULL) {
		chunk_put(r, r->chunk);
		r->chunk = NULL;
	}
	while (r->cfree != NULL) {
		k = r->cfree;
		r->cfree = k->next;
		sb_free(&k->b);
		free(k);
	}
	if (r->body != NULL)
		fclose(r->body);
	zk_log_free(r->zk);
	sb_free(&r->b);
	free(r);
}

void
rpt_sink(struct rpt *r, struct trk_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	if (r->threaded) {
		sink->take = sink_take;
		if (r->hold)
			sink->idle = sink_idle;
	} else
		sink->conn = sink_conn;
	if (r->cfg->live_verdicts) {
		sink->rst = sink_rst;
		sink->finding = sink_finding;
	}
	sink->arg = r;
}

/* ---- JSON ---- */

/* {"ip":"ADDR","port":N}: 20 bytes and the address and port. */
#define J_EP_MAX	(20 + SB_ADDR_MAX + SB_U64_MAX)

static char *
j_ep_at(char *o, const struct conn *c, int side)
{
	o = SB_AT(o, "{\"ip\":\"");
	o = sb_addr_at(o, c->af, c->ep[side].addr);
	o = SB_AT(o, "\",\"port\":");
	o = sb_u64_at(o, c->ep[side].port);
	*o++ = '}';
	return o;
}

static void
j_ep(struct sbuf *b, const struct conn *c, int side)
{
	char *o;

	if ((o = sb_room(b, J_EP_MAX)) != NULL)
		sb_done(b, j_ep_at(o, c, side));
}

/*
 * The same at a cursor (sbuf.h), for json_conn(): each writes at most
 * its key, the quotes and colon, and SB_TS_MAX, SB_ADDR_MAX + SB_U64_MAX
 * or SB_NAME_MAX bytes.
 */
#define J_TIME_AT(b, o, key, ns)					\
	j_time_at((b), SB_AT((o), "\"" key "\":"), (ns))

SB_INLINE char *
j_time_at(struct sbuf *b, char *o, int64_t ns)
{
	return ns == 0 ? SB_AT(o, "null") : sb_ts_at(b, o, ns);
}

/* {"client":A,"server":B}: 21 bytes and the numbers. */
#define J_PAIR_MAX	(21 + 2 * SB_U64_MAX)

static char *
j_pair_at(char *o, uint64_t client, uint64_t server)
{
	o = SB_AT(o, "{\"client\":");
	o = sb_u64_at(o, client);
	o = SB_AT(o, ",\"server\":");
	o = sb_u64_at(o, server);
	*o++ = '}';
	return o;
}

/*
 * One state record: {"state":"NAME","at":TS,"packet":N,"inferred":true},
 * 40 bytes and the name, time and number.
 */
#define J_STATE_MAX	(40 + SB_NAME_MAX + SB_TS_MAX + SB_U64_MAX)

static void
json_states(struct sbuf *b, const struct conn *c, int side)
{
	const struct conn_ep *e = &c->ep[side];
	uint32_t i;
	char *o;

	sb_putc(b, '[');
	for (i = 0; i < e->nstates; i++) {
		const struct conn_state_rec *s = &e->states[i];

		if ((o = sb_room(b, J_STATE_MAX)) == NULL)
			return;
		if (i > 0)
			*o++ = ',';
		o = SB_AT(o, "{\"state\":\"");
		o = state_at(o, s->state);
		o = SB_AT(o, "\",\"at\":");
		o = sb_ts_at(b, o, s->at);
		o = SB_AT(o, ",\"packet\":");
		if (s->pkt == 0)
			o = SB_AT(o, "null");
		else
			o = sb_u64_at(o, conn_rec_pkt(c, s));
		if (s->inferred)
			o = SB_AT(o, ",\"inferred\":true");
		*o++ = '}';
		sb_done(b, o);
	}
	sb_putc(b, ']');
}

static void
json_durations(struct sbuf *b, const struct conn *c, int side)
{
	int64_t sum[FSM_ST_MAX];
	unsigned reached = conn_times(c, side, sum);
	size_t i;
	int n = 0;
	char *o;

	/* {"NAME":TS,...}: 5 bytes a state, and the braces. */
	if ((o = sb_room(b, 2 + sizeof(close_states) *
	    (5 + SB_NAME_MAX + SB_TS_MAX))) == NULL)
		return;
	*o++ = '{';
	for (i = 0; i < sizeof(close_states); i++) {
		uint8_t st = close_states[i];

		if (!(reached & (1u << st)))
			continue;
		if (n++ > 0)
			*o++ = ',';
		*o++ = '"';
		o = state_at(o, st);
		o = SB_AT(o, "\":");
		o = sb_ts_at(b, o, sum[st]);
	}
	*o++ = '}';
	sb_done(b, o);
}

/* The members of one RST object, without its braces. */
static void
json_rst(struct sbuf *b, const struct conn_rst *r)
{
	char ex[512];

	sb_puts(b, "\"at\":");
	sb_ts(b, r->at);
	sb_puts(b, ",\"packet\":");
	sb_u64(b, r->pkt);
	sb_puts(b, ",\"from\":\"");
	sb_puts(b, conn_side_name(r->from));
	sb_puts(b, "\",\"class\":\"");
	sb_puts(b, conn_rst_class_name(r->cls));
	sb_puts(b, "\",\"sender_state\":\"");
	put_state(b, r->sender_state);
	sb_puts(b, "\",\"receiver_state\":\"");
	put_state(b, r->receiver_state);
	sb_puts(b, "\"");
	if (r->cls == RST_AFTER_PREMATURE_CLOSE) {
		sb_puts(b, ",\"premature_from\":\"");
		put_state(b, r->premature_from);
		sb_puts(b, "\",\"since\":");
		sb_ts(b, r->since);
	}
	if (r->cls == RST_ABORT)
		sb_puts(b, r->unread ? ",\"unread_data\":true" :
		    ",\"unread_data\":false");
	sb_puts(b, ",\"stateless\":");
	sb_puts(b, r->has_ack ? "false" : "true");
	det_rst_explain(r, ex, sizeof(ex));
	sb_puts(b, ",\"explanation\":");
	sb_jstr(b, ex);
}

static void
json_rsts(struct sbuf *b, const struct conn *c)
{
	uint32_t i;

	sb_putc(b, '[');
	for (i = 0; i < c->nrsts; i++) {
		if (i > 0)
			sb_putc(b, ',');
		sb_putc(b, '{');
		json_rst(b, &c->rsts[i]);
		sb_putc(b, '}');
	}
	sb_putc(b, ']');
}

/* The members of one finding object, without its braces. */
static void
json_finding(struct sbuf *b, const struct conn *c,
    const struct conn_finding *f)
{
	char ex[768];

	sb_puts(b, "\"kind\":\"");
	sb_puts(b, conn_finding_name(f->kind));
	sb_puts(b, "\",\"at\":");
	sb_ts(b, f->at);
	switch (f->kind) {
	case FIND_TWO_MSL_VIOLATION:
		sb_puts(b, ",\"previous_id\":");
		sb_u64(b, f->previous_id);
		sb_puts(b, ",\"holder\":\"");
		sb_puts(b, conn_side_name(f->side));
		sb_puts(b, "\",\"gap\":");
		sb_ts(b, f->duration);
		sb_puts(b, ",\"msl\":");
		sb_ts(b, f->msl);
		sb_puts(b, ",\"safe\":");
		sb_puts(b, f->safe < 0 ? "null" : f->safe ? "true" :
		    "false");
		sb_puts(b, ",\"basis\":");
		sb_puts(b, f->basis == 1 ? "\"isn\"" : f->basis == 2 ?
		    "\"timestamp\"" : "null");
		break;
	case FIND_OPEN_TUPLE_REUSE:
		sb_puts(b, ",\"previous_id\":");
		sb_u64(b, f->previous_id);
		sb_puts(b, ",\"previous_state\":\"");
		put_state(b, f->prev_state);
		sb_puts(b, "\"");
		break;
	case FIND_CLOSE_WAIT:
		sb_puts(b, ",\"side\":\"");
		sb_puts(b, conn_side_name(f->side));
		sb_puts(b, "\",\"duration\":");
		sb_ts(b, f->duration);
		sb_puts(b, ",\"open_at_end\":");
		sb_puts(b, f->open_at_end ? "true" : "false");
		sb_puts(b, ",\"half_close\":");
		sb_puts(b, f->half_close ? "true" : "false");
		break;
	case FIND_TIME_WAIT_PRESSURE:
		sb_puts(b, ",\"side\":\"");
		sb_puts(b, conn_side_name(f->side));
		sb_puts(b, "\",\"count\":");
		sb_i64(b, f->duration);
		break;
	default:
		break;
	}
	det_finding_explain(c, f, ex, sizeof(ex));
	sb_puts(b, ",\"explanation\":");
	sb_jstr(b, ex);
}

static void
json_findings(struct sbuf *b, const struct conn *c)
{
	uint32_t i;

	sb_putc(b, '[');
	for (i = 0; i < c->nfindings; i++) {
		if (i > 0)
			sb_putc(b, ',');
		sb_putc(b, '{');
		json_finding(b, c, &c->findings[i]);
		sb_putc(b, '}');
	}
	sb_putc(b, ']');
}

static void
json_conn(struct sbuf *b, const struct conn *c, enum trk_end why)
{
	const struct conn_ep *cl = &c->ep[CONN_CLIENT];
	const struct conn_ep *sv = &c->ep[CONN_SERVER];
	struct det_half_close hc;
	int64_t last = c->t_syn_last != 0 ? c->t_syn_last : c->t_syn;
	const char *end = trk_end_name(why);
	const char *hs = conn_hs_status_name(c->hs_status);
	const char *cs = conn_close_status_name(c->close_status);
	size_t nend = strlen(end), nhs = strlen(hs), ncs = strlen(cs);
	char *o;

	/*
	 * Written at a cursor (sbuf.h) in sections of bounded size: up to
	 * the handshake's status, 300 bytes of keys, two endpoints, eight
	 * numbers, two times and the name of the end; up to the close's
	 * status, 300 bytes of keys, three times, three durations, two
	 * numbers and the handshake's status.
	 */
	if ((o = sb_room(b, 300 + 2 * J_EP_MAX + 8 * SB_U64_MAX +
	    2 * SB_TS_MAX + nend)) == NULL)
		return;
	o = SB_AT(o, "{\"type\":\"connection\",\"id\":");
	o = sb_u64_at(o, c->id);
	o = SB_AT(o, ",\"incarnation\":");
	o = sb_u64_at(o, c->incarnation);
	o = SB_AT(o, ",\"previous_id\":");
	if (c->previous_id == 0)
		o = SB_AT(o, "null");
	else
		o = sb_u64_at(o, c->previous_id);
	o = SB_AT(o, ",\"client\":");
	o = j_ep_at(o, c, CONN_CLIENT);
	o = SB_AT(o, ",\"server\":");
	o = j_ep_at(o, c, CONN_SERVER);
	if (c->roles_inferred)
		o = SB_AT(o, ",\"roles\":\"inferred\"");
	else
		o = SB_AT(o, ",\"roles\":\"observed\"");
	if (c->partial)
		o = SB_AT(o, ",\"partial\":true,");
	else
		o = SB_AT(o, ",\"partial\":false,");
	o = J_TIME_AT(b, o, "first_seen", c->first_seen);
	*o++ = ',';
	o = J_TIME_AT(b, o, "last_seen", c->last_seen);
	o = SB_AT(o, ",\"ended_by\":\"");
	o = sb_putn_at(o, end, nend);
	o = SB_AT(o, "\",\"packets\":");
	o = j_pair_at(o, cl->pkts, sv->pkts);
	o = SB_AT(o, ",\"bytes\":");
	o = j_pair_at(o, cl->payload, sv->payload);
	o = SB_AT(o, ",\"handshake\":{\"status\":\"");
	sb_done(b, o);

	if ((o = sb_room(b, 300 + 6 * SB_TS_MAX + 2 * SB_U64_MAX + nhs)) ==
	    NULL)
		return;
	o = sb_putn_at(o, hs, nhs);
	o = SB_AT(o, "\",");
	o = J_TIME_AT(b, o, "syn", c->t_syn);
	*o++ = ',';
	o = J_TIME_AT(b, o, "syn_ack", c->t_synack);
	*o++ = ',';
	o = J_TIME_AT(b, o, "ack", c->t_ack);
	if (c->t_ack != 0 && c->t_synack != 0 && last != 0 &&
	    c->t_synack >= last && c->t_ack >= c->t_synack) {
		o = SB_AT(o, ",\"rtt\":");
		o = sb_ts_at(b, o, c->t_ack - last);
		o = SB_AT(o, ",\"rtt_server_side\":");
		o = sb_ts_at(b, o, c->t_synack - last);
		o = SB_AT(o, ",\"rtt_client_side\":");
		o = sb_ts_at(b, o, c->t_ack - c->t_synack);
	} else {
		o = SB_AT(o, ",\"rtt\":null,\"rtt_server_side\":null,"
		    "\"rtt_client_side\":null");
	}
	o = SB_AT(o, ",\"syn_retransmits\":");
	o = sb_u64_at(o, c->syn_retx);
	o = SB_AT(o, ",\"syn_ack_retransmits\":");
	o = sb_u64_at(o, c->synack_retx);
	if (c->simultaneous_open)
		o = SB_AT(o, ",\"simultaneous_open\":true");
	else
		o = SB_AT(o, ",\"simultaneous_open\":false");
	o = SB_AT(o, "},\"close\":{\"status\":\"");
	sb_done(b, o);

	/*
	 * Up to the durations: 300 bytes of keys, the close's status, the
	 * closer's name (8 at most), four times and four numbers.
	 */
	if ((o = sb_room(b, 300 + ncs + 4 * SB_TS_MAX + 4 * SB_U64_MAX)) ==
	    NULL)
		return;
	o = sb_putn_at(o, cs, ncs);
	o = SB_AT(o, "\",\"active_closer\":");
	switch (c->active_closer) {
	case 1:
		o = SB_AT(o, "\"client\",");
		break;
	case 2:
		o = SB_AT(o, "\"server\",");
		break;
	case 3:
		o = SB_AT(o, "\"both\",");
		break;
	default:
		o = SB_AT(o, "null,");
		break;
	}
	o = J_TIME_AT(b, o, "client_fin", cl->t_fin);
	*o++ = ',';
	o = J_TIME_AT(b, o, "client_fin_acked", cl->t_fin_ack);
	*o++ = ',';
	o = J_TIME_AT(b, o, "server_fin", sv->t_fin);
	*o++ = ',';
	o = J_TIME_AT(b, o, "server_fin_acked", sv->t_fin_ack);
	o = SB_AT(o, ",\"fin_retransmits\":");
	o = j_pair_at(o, cl->fin_tx > 0 ? cl->fin_tx - 1 : 0,
	    sv->fin_tx > 0 ? sv->fin_tx - 1 : 0);
	o = SB_AT(o, ",\"fin_acks_lost\":");
	o = j_pair_at(o, cl->fin_acks_lost, sv->fin_acks_lost);
	o = SB_AT(o, ",\"durations\":{\"client\":");
	sb_done(b, o);
	json_durations(b, c, CONN_CLIENT);
	SB_LIT(b, ",\"server\":");
	json_durations(b, c, CONN_SERVER);
	if (half_close_side(c, &hc) >= 0) {
		if ((o = sb_room(b, 100 + SB_U64_MAX + SB_TS_MAX)) == NULL)
			return;
		o = SB_AT(o, "},\"half_close\":true,\"half_close_bytes\":");
		o = sb_u64_at(o, hc.bytes);
		o = SB_AT(o, ",\"half_close_duration\":");
		o = sb_ts_at(b, o, hc.duration);
		sb_done(b, o);
	} else {
		SB_LIT(b, "},\"half_close\":false,\"half_close_bytes\":null,"
		    "\"half_close_duration\":null");
	}
	SB_LIT(b, "},\"states\":{\"client\":");
	json_states(b, c, CONN_CLIENT);
	SB_LIT(b, ",\"server\":");
	json_states(b, c, CONN_SERVER);
	if ((o = sb_room(b, 60 + 2 * SB_NAME_MAX)) == NULL)
		return;
	o = SB_AT(o, "},\"final\":{\"client\":\"");
	o = state_at(o, cl->state);
	o = SB_AT(o, "\",\"server\":\"");
	o = state_at(o, sv->state);
	o = SB_AT(o, "\"},\"rsts\":");
	sb_done(b, o);
	json_rsts(b, c);
	SB_LIT(b, ",\"findings\":");
	json_findings(b, c);
	/* 60 bytes of keys, two pairs and a number. */
	if ((o = sb_room(b, 60 + 2 * J_PAIR_MAX + SB_U64_MAX)) == NULL)
		return;
	o = SB_AT(o, ",\"retransmits\":");
	o = j_pair_at(o, cl->retransmits, sv->retransmits);
	o = SB_AT(o, ",\"keepalives\":");
	o = j_pair_at(o, cl->keepalives, sv->keepalives);
	if (c->events_dropped > 0 || c->rsts_dropped > 0) {
		o = SB_AT(o, ",\"events_dropped\":");
		o = sb_u64_at(o, (uint64_t)c->events_dropped +
		    c->rsts_dropped);
	}
	o = SB_AT(o, "}\n");
	sb_done(b, o);
}

/* ---- text ---- */

/*
 * A time relative to the connection's first packet, "+S.uuuuuu" (or
 * "-S.uuuuuu"), at a cursor: REL_MAX bytes at most.
 */
#define REL_MAX		(2 + SB_U64_MAX + SB_FRAC6_MAX)

static char *
rel_at(char *o, const struct conn *c, int64_t t)
{
	int64_t d = t - c->first_seen;

	*o++ = d < 0 ? '-' : '+';
	if (d < 0)
		d = -d;
	o = sb_u64_at(o, (uint64_t)(d / CONN_NS));
	*o++ = '.';
	return sb_frac6_at(o, (uint32_t)(d % CONN_NS / 1000));
}

static void
rel(struct sbuf *b, const struct conn *c, int64_t t)
{
	char *o;

	if ((o = sb_room(b, REL_MAX)) != NULL)
		sb_done(b, rel_at(o, c, t));
}

/*
 * A duration in milliseconds ("12.345 ms"), or seconds from 10 s on, at
 * a cursor: MSEC_MAX bytes at most.
 */
#define MSEC_MAX	(SB_U64_MAX + 4 + 3)

static char *
msec_at(char *o, int64_t ns)
{
	int64_t v, div = 1000;		/* to thousandths of the unit */
	bool s = ns >= 10 * CONN_NS;

	if (s)
		div = 1000000;
	/* Rounded to the nearest thousandth, as %.3f does. */
	v = ns < 0 ? 0 : (ns + div / 2) / div;
	o = sb_u64_at(o, (uint64_t)(v / 1000));
	o[0] = '.';
	o[1] = (char)('0' + v / 100 % 10);
	o[2] = (char)('0' + v / 10 % 10);
	o[3] = (char)('0' + v % 10);
	o += 4;
	return s ? SB_AT(o, " s") : SB_AT(o, " ms");
}

static void
msec(struct sbuf *b, int64_t ns)
{
	char *o;

	if ((o = sb_room(b, MSEC_MAX)) != NULL)
		sb_done(b, msec_at(o, ns));
}

/* a / b rounded down (b > 0): times before 1970 too. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* The UTC day of a packet time, counted from the epoch. */
static int64_t
utc_day(int64_t ns)
{
	return floor_div(floor_div(ns, CONN_NS), 86400);
}

/*
 * A packet time in UTC for the text report: "HH:MM:SS.ffffff", with
 * "YYYY-MM-DD " before it when date is set.  The time of day is plain
 * arithmetic (a line per connection has one); the date asks gmtime_r().
 */
static void
utc_time(struct sbuf *b, int64_t ns, bool date)
{
	int64_t sec = floor_div(ns, CONN_NS);
	int64_t sod = sec - floor_div(sec, 86400) * 86400;
	char o[15 + 2];		/* sb_frac6_at() touches 8 bytes */

	if (date) {
		time_t t = (time_t)sec;
		struct tm tm;

		if (gmtime_r(&t, &tm) != NULL)
			sb_printf(b, "%04d-%02d-%02d ", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday);
	}
	o[0] = (char)('0' + sod / 36000);
	o[1] = (char)('0' + sod / 3600 % 10);
	o[2] = ':';
	o[3] = (char)('0' + sod / 600 % 6);
	o[4] = (char)('0' + sod / 60 % 10);
	o[5] = ':';
	o[6] = (char)('0' + sod % 60 / 10);
	o[7] = (char)('0' + sod % 10);
	o[8] = '.';
	(void)sb_frac6_at(o + 9, (uint32_t)((ns - sec * CONN_NS) / 1000));
	sb_putn(b, o, 15);
}

/* "connection" or "connections", after the count. */
static const char *
conns(uint64_t n)
{
	return n == 1 ? " connection" : " connections";
}

/* "#12 10.0.0.1:40000 -> 10.0.0.2:80", IPv6 addresses in brackets. */
static void
text_tuple(struct sbuf *b, const struct conn *c)
{
	int side;
	char *o;

	if ((o = sb_room(b, 1 + SB_U64_MAX +
	    2 * (7 + SB_ADDR_MAX + SB_U64_MAX))) == NULL)
		return;
	*o++ = '#';
	o = sb_u64_at(o, c->id);
	for (side = CONN_CLIENT; side <= CONN_SERVER; side++) {
		o = side == CONN_CLIENT ? SB_AT(o, " ") : SB_AT(o, " -> ");
		if (c->af == 6)
			*o++ = '[';
		o = sb_addr_at(o, c->af, c->ep[side].addr);
		if (c->af == 6)
			*o++ = ']';
		*o++ = ':';
		o = sb_u64_at(o, c->ep[side].port);
	}
	sb_done(b, o);
}

/*
 * What follows the time of a closing state that an endpoint still held
 * when synfin stopped following the connection: that time is the time so
 * far, not the length of the state.  A closed connection's states all
 * ended, and a superseded incarnation's ended at the new SYN: no words.
 */
static const char *
still_held(enum trk_end why)
{
	switch (why) {
	case TRK_END_CAPTURE:
		return " (still at capture end)";
	case TRK_END_IDLE:
		return " (still when it expired idle)";
	case TRK_END_EVICTED:
		return " (still when evicted)";
	case TRK_END_TIME_WAIT:
		return " (still when written; 2*MSL ends ";
	default:
		return NULL;
	}
}

/*
 * The close line: for each side that sent a FIN or reached CLOSE_WAIT,
 * its FIN and the time it spent in each closing state.  A state still
 * held at the end is given even at 0 ms, with still_held()'s words.  A
 * half close ends it: which side sent how much, for how long, after the
 * other's FIN (close status "normal" does not say it), or, when the FIN's
 * sender reset the connection for that data, "data after close".
 */
static void
text_close(struct sbuf *b, const struct conn *c, enum trk_end why)
{
	const char *still = still_held(why);
	const char *sep = " ";
	struct det_half_close hc;
	int side;
	char *o;

	sb_puts(b, "    close:  ");
	for (side = 0; side < 2; side++) {
		const struct conn_ep *e = &c->ep[side];
		int64_t sum[FSM_ST_MAX];
		bool held;
		size_t k;

		/* Its time up to the end is in its last record's state. */
		held = still != NULL && e->state >= FSM_ST_CLOSE_WAIT &&
		    e->nstates > 0 && e->states[e->nstates - 1].state ==
		    e->state;
		(void)conn_times(c, side, sum);
		if (!e->fin_seen && sum[FSM_ST_CLOSE_WAIT] == 0 && !held)
			continue;
		sb_puts(b, sep);
		sep = "; ";
		sb_puts(b, conn_side_name(side));
		if (e->fin_seen) {
			sb_puts(b, " FIN ");
			rel(b, c, e->t_fin);
			if (e->fin_tx > 1 && e->fin_acks_lost > 0)
				sb_printf(b, " (sent %u times, again after %u "
				    "ACK%s of it: lost beyond the capture "
				    "point)", e->fin_tx, e->fin_acks_lost,
				    e->fin_acks_lost > 1 ? "s" : "");
			else if (e->fin_tx > 1) {
				SB_LIT(b, " (sent ");
				sb_u64(b, e->fin_tx);
				SB_LIT(b, " times)");
			}
			else if (e->fin_acks_lost > 0)
				sb_puts(b, " (sent again after an ACK of it: "
				    "lost beyond the capture point)");
			if (e->t_fin_ack != 0) {
				sb_puts(b, " acked ");
				rel(b, c, e->t_fin_ack);
			} else {
				sb_puts(b, " no ACK seen");
			}
		} else {
			sb_puts(b, " no FIN");
		}
		for (k = 0; k < sizeof(close_states); k++) {
			enum fsm_state st = close_states[k];
			int64_t d = sum[st];
			bool now = held && st == e->state;

			if (d == 0 && !now)
				continue;
			if ((o = sb_room(b, 3 + SB_NAME_MAX + MSEC_MAX)) ==
			    NULL)
				break;
			o = SB_AT(o, ", ");
			o = state_at(o, st);
			*o++ = ' ';
			sb_done(b, msec_at(o, d));
			if (now)
				sb_puts(b, still);
			if (now && why == TRK_END_TIME_WAIT) {
				rel(b, c, e->tw_deadline);
				sb_putc(b, ')');
			}
		}
	}
	if ((side = half_close_side(c, &hc)) >= 0) {
		/*
		 * The FIN's sender reset the connection for that data: its
		 * FIN had closed the socket, not just its sending half.
		 */
		bool full = det_rst_seen(c, !side, RST_DATA_AFTER_CLOSE);

		sb_printf(b, "; %s: the %s sent ", full ? "data after close" :
		    "half close", conn_side_name(side));
		sb_u64(b, hc.bytes);
		sb_puts(b, " bytes over ");
		msec(b, hc.duration);
		sb_printf(b, " after the %s's FIN", conn_side_name(!side));
		if (full)
			sb_printf(b, "; the %s had closed fully, not half "
			    "(it reset)", conn_side_name(!side));
	}
	sb_putc(b, '\n');
}

/* " (N retransmitted)" */
static void
retransmitted(struct sbuf *b, uint64_t n)
{
	SB_LIT(b, " (");
	sb_u64(b, n);
	SB_LIT(b, " retransmitted)");
}

static void
text_conn(struct sbuf *b, const struct conn *c, enum trk_end why)
{
	char ex[768];
	int side;
	uint32_t i;
	int64_t last = c->t_syn_last != 0 ? c->t_syn_last : c->t_syn;

	text_tuple(b, c);
	/* No printf for what every connection has: it was the text's cost. */
	SB_LIT(b, "  at ");
	utc_time(b, c->first_seen, false);
	SB_LIT(b, " UTC  handshake ");
	sb_puts(b, conn_hs_status_name(c->hs_status));
	SB_LIT(b, ", close ");
	sb_puts(b, conn_close_status_name(c->close_status));
	if (c->active_closer == 1 || c->active_closer == 2) {
		SB_LIT(b, " (");
		sb_puts(b, conn_side_name(c->active_closer - 1));
		SB_LIT(b, " closed first)");
	} else if (c->active_closer == 3)
		sb_puts(b, " (FINs crossed)");
	if (c->incarnation > 1) {
		SB_LIT(b, "  incarnation ");
		sb_u64(b, c->incarnation);
		SB_LIT(b, " after #");
		sb_u64(b, c->previous_id);
	}
	if (c->roles_inferred)
		sb_puts(b, "  [roles inferred]");
	if (why != TRK_END_CLOSED) {
		SB_LIT(b, "  [");
		sb_puts(b, trk_end_name(why));
		sb_putc(b, ']');
	}
	sb_putc(b, '\n');

	if (c->t_syn != 0 || c->t_synack != 0) {
		sb_puts(b, "    handshake:");
		if (c->t_syn != 0) {
			sb_puts(b, " SYN ");
			rel(b, c, c->t_syn);
			if (c->syn_retx > 0)
				retransmitted(b, c->syn_retx);
		}
		if (c->t_synack != 0) {
			sb_puts(b, ", SYN-ACK ");
			rel(b, c, c->t_synack);
			if (c->synack_retx > 0)
				retransmitted(b, c->synack_retx);
		}
		if (c->t_ack != 0) {
			sb_puts(b, ", ACK ");
			rel(b, c, c->t_ack);
		}
		if (c->t_ack != 0 && c->t_synack >= last && last != 0 &&
		    c->t_ack >= c->t_synack) {
			sb_puts(b, "; RTT ");
			msec(b, c->t_ack - last);
			sb_puts(b, " (server side ");
			msec(b, c->t_synack - last);
			sb_puts(b, ", client side ");
			msec(b, c->t_ack - c->t_synack);
			sb_putc(b, ')');
		}
		if (c->simultaneous_open)
			sb_puts(b, "; simultaneous open");
		sb_putc(b, '\n');
	}
	for (side = 0; side < 2; side++) {
		const struct conn_ep *e = &c->ep[side];

		/* "    %-7s": the names are shorter than 7. */
		SB_LIT(b, "    ");
		sb_puts(b, conn_side_name(side));
		sb_putn(b, "       ", 7 - strlen(conn_side_name(side)));
		for (i = 0; i < e->nstates; i++) {
			char *o = sb_room(b, 5 + SB_NAME_MAX + REL_MAX);

			if (o == NULL)
				break;
			o = i == 0 ? SB_AT(o, " ") : SB_AT(o, " > ");
			o = state_at(o, e->states[i].state);
			*o++ = ' ';
			o = rel_at(o, c, e->states[i].at);
			if (e->states[i].inferred)
				*o++ = '?';
			sb_done(b, o);
		}
		sb_putc(b, '\n');
	}
	if (c->ep[0].fin_seen || c->ep[1].fin_seen)
		text_close(b, c, why);
	for (i = 0; i < c->nrsts; i++) {
		const struct conn_rst *rs = &c->rsts[i];

		det_rst_explain(rs, ex, sizeof(ex));
		sb_puts(b, "    RST ");
		rel(b, c, rs->at);
		/* " from %s [%s] (%s in %s, %s in %s): %s\n", no printf */
		SB_LIT(b, " from ");
		sb_puts(b, conn_side_name(rs->from));
		SB_LIT(b, " [");
		sb_puts(b, conn_rst_class_name(rs->cls));
		SB_LIT(b, "] (");
		sb_puts(b, conn_side_name(rs->from));
		SB_LIT(b, " in ");
		sb_puts(b, fsm_state_name((enum fsm_state)rs->sender_state));
		SB_LIT(b, ", ");
		sb_puts(b, conn_side_name(!rs->from));
		SB_LIT(b, " in ");
		sb_puts(b, fsm_state_name((enum fsm_state)rs->receiver_state));
		SB_LIT(b, "): ");
		sb_puts(b, ex);
		sb_putc(b, '\n');
	}
	for (i = 0; i < c->nfindings; i++) {
		det_finding_explain(c, &c->findings[i], ex, sizeof(ex));
		SB_LIT(b, "    finding [");
		sb_puts(b, conn_finding_name(c->findings[i].kind));
		SB_LIT(b, "]: ");
		sb_puts(b, ex);
		sb_putc(b, '\n');
	}
}

/* ---- live verdicts ---- */

/* "HH:MM:SS.ffffff" in local time, as tcpdump prints it. */
static void
clock_time(struct sbuf *b, int64_t ns)
{
	struct tm tm;
	time_t sec = (time_t)(ns / CONN_NS);

	if (localtime_r(&sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	sb_printf(b, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (long long)((ns % CONN_NS) / 1000));
}

/* The opening of a verdict line: type, connection id and endpoints. */
static void
json_head(struct sbuf *b, const struct conn *c, const char *type)
{
	sb_puts(b, "{\"type\":\"");
	sb_puts(b, type);
	sb_puts(b, "\",\"id\":");
	sb_u64(b, c->id);
	sb_puts(b, ",\"client\":");
	j_ep(b, c, CONN_CLIENT);
	sb_puts(b, ",\"server\":");
	j_ep(b, c, CONN_SERVER);
	sb_putc(b, ',');
}

static void
live_flush(struct rpt *r)
{
	if (sb_flush(&r->b, r->out) == -1 || fflush(r->out) != 0)
		r->err = 1;
}

static void
sink_rst(void *arg, const struct conn *c, const struct conn_rst *rs)
{
	struct rpt *r = arg;
	struct sbuf *b = &r->b;
	char ex[512];

	switch (r->cfg->format) {
	case FMT_JSON:
		json_head(b, c, "rst");
		json_rst(b, rs);
		sb_puts(b, "}\n");
		break;
	case FMT_TEXT:
		det_rst_explain(rs, ex, sizeof(ex));
		clock_time(b, rs->at);
		sb_printf(b, " RST %s ", conn_rst_class_name(rs->cls));
		text_tuple(b, c);
		sb_printf(b, " from %s: %s\n", conn_side_name(rs->from), ex);
		break;
	default:
		return;
	}
	live_flush(r);
}

static void
finding_line(struct rpt *r, const struct conn *c,
    const struct conn_finding *f)
{
	struct sbuf *b = &r->b;
	char ex[768];
	int64_t at = f->at;

	switch (r->cfg->format) {
	case FMT_JSON:
		json_head(b, c, "finding");
		json_finding(b, c, f);
		sb_puts(b, "}\n");
		break;
	case FMT_TEXT:
		/* A CLOSE_WAIT is known when it ends, or at the end. */
		if (f->kind == FIND_CLOSE_WAIT)
			at += f->duration;
		det_finding_explain(c, f, ex, sizeof(ex));
		clock_time(b, at);
		sb_printf(b, " finding %s ", conn_finding_name(f->kind));
		text_tuple(b, c);
		sb_printf(b, ": %s\n", ex);
		break;
	default:
		break;
	}
}

/* 2*MSL violations and open tuple reuse, when the new SYN arrives. */
static void
sink_finding(void *arg, const struct conn *c, const struct conn_finding *f)
{
	struct rpt *r = arg;

	finding_line(r, c, f);
	live_flush(r);
}

/* Findings known only when a connection ends (CLOSE_WAIT, eviction). */
static void
live_findings(struct rpt *r, const struct conn *c)
{
	uint32_t i;

	for (i = 0; i < c->nfindings; i++) {
		const struct conn_finding *f = &c->findings[i];

		if (f->kind != FIND_TWO_MSL_VIOLATION &&
		    f->kind != FIND_OPEN_TUPLE_REUSE)
			finding_line(r, c, f);
	}
}

struct cw_watch {
	struct rpt	*r;
	int64_t		from;
	int64_t		to;
};

/*
 * A CLOSE_WAIT that crossed --close-wait in [from, to): each crossing
 * falls in exactly one window, so it is announced once, with no state.
 */
static void
cw_visit(void *arg, const struct conn *c)
{
	struct cw_watch *w = arg;
	struct rpt *r = w->r;
	struct sbuf *b = &r->b;
	const struct conn_ep *e;
	int64_t cross, dur;
	bool half;
	int side;
	char ex[384];

	for (side = 0; side < 2; side++) {
		e = &c->ep[side];
		if (e->state != FSM_ST_CLOSE_WAIT)
			continue;
		cross = e->t_entered + r->cfg->close_wait_ns;
		if (cross < w->from || cross >= w->to)
			continue;
		dur = w->to - e->t_entered;
		half = det_half_close(c, side, NULL);
		snprintf(ex, sizeof(ex), "the %s has been in CLOSE_WAIT for "
		    "%.3f s (over %.3f s)%s", conn_side_name(side),
		    (double)dur / 1e9, (double)r->cfg->close_wait_ns / 1e9,
		    half ? ", but it keeps sending data: perhaps a half "
		    "close" : ": the peer closed, and the application has "
		    "not closed its socket yet");
		if (r->cfg->format == FMT_JSON) {
			json_head(b, c, "finding");
			sb_puts(b, "\"kind\":\"close_wait\",\"at\":");
			sb_ts(b, e->t_entered);
			sb_puts(b, ",\"side\":\"");
			sb_puts(b, conn_side_name(side));
			sb_puts(b, "\",\"duration\":");
			sb_ts(b, dur);
			sb_puts(b, ",\"ongoing\":true,\"half_close\":");
			sb_puts(b, half ? "true" : "false");
			sb_puts(b, ",\"explanation\":");
			sb_jstr(b, ex);
			sb_puts(b, "}\n");
		} else {
			clock_time(b, cross);
			sb_puts(b, " finding close_wait ");
			text_tuple(b, c);
			sb_printf(b, ": %s\n", ex);
		}
		flush_if_big(r, r->out);
	}
}

void
rpt_live_tick(struct rpt *r, struct trk *t, int64_t from, int64_t to)
{
	struct cw_watch w;

	if (!r->cfg->live_verdicts || (r->cfg->format != FMT_TEXT &&
	    r->cfg->format != FMT_JSON) || to <= from)
		return;
	w.r = r;
	w.from = from;
	w.to = to;
	trk_foreach(t, cw_visit, NULL, &w);
	live_flush(r);
}

/* ---- end of report ---- */

static void
verdict_line(struct sbuf *b, const char *name, const struct det_verdict *v)
{
	uint32_t i;

	if (v->count == 0)
		return;
	sb_printf(b, "  %-24s %6llu  #", name, (unsigned long long)v->count);
	for (i = 0; i < v->nids; i++)
		sb_printf(b, "%s%llu", i > 0 ? " #" : "",
		    (unsigned long long)v->ids[i]);
	if (v->count > v->nids)
		sb_puts(b, " ...");
	sb_putc(b, '\n');
}

/* The verdict counts; before the blocks, or after them when live. */
static void
text_header(struct rpt *r, const struct det_agg *agg, bool before)
{
	const struct det_summary *s = det_agg_summary(agg);
	struct sbuf *b = &r->b;
	unsigned i;

	sb_puts(b, before ? "Verdicts\n" : "\nVerdicts\n");
	for (i = 0; i < RST_CLASS_MAX; i++) {
		char name[48];

		snprintf(name, sizeof(name), "rst %s", conn_rst_class_name(i));
		verdict_line(b, name, &s->rst[i]);
	}
	for (i = 0; i < FIND_KIND_MAX; i++)
		verdict_line(b, conn_finding_name(i), &s->finding[i]);
	for (i = 0; i < HS_STATUS_MAX; i++) {
		char name[48];

		snprintf(name, sizeof(name), "handshake %s",
		    conn_hs_status_name(i));
		verdict_line(b, name, &s->hs[i]);
	}
	for (i = 0; i < CL_STATUS_MAX; i++) {
		char name[48];

		snprintf(name, sizeof(name), "close %s",
		    conn_close_status_name(i));
		verdict_line(b, name, &s->close[i]);
	}
	if (s->hs[HS_COMPLETE].count + s->hs[HS_PARTIAL].count +
	    s->hs[HS_NOT_SEEN].count + s->hs[HS_REFUSED].count +
	    s->hs[HS_TIMEOUT].count == 0)
		sb_puts(b, "  (no TCP connection)\n");
	if (before)
		sb_puts(b, "\nConnections\n");
}

static int
cmp_tw(const void *x, const void *y)
{
	const struct det_tw_stat *a = x, *b = y;

	if (a->peak != b->peak)
		return a->peak < b->peak ? 1 : -1;
	return memcmp(a, b, offsetof(struct det_tw_stat, total));
}

static int
cmp_cw(const void *x, const void *y)
{
	const struct det_cw_stat *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return memcmp(a, b, offsetof(struct det_cw_stat, count));
}

/* Sorted copies, so the report does not depend on hash order. */
static void *
sorted(const void *v, size_t n, size_t sz, int (*cmp)(const void *,
    const void *))
{
	void *p;

	if (n == 0 || (p = malloc(n * sz)) == NULL)
		return NULL;
	memcpy(p, v, n * sz);
	qsort(p, n, sz, cmp);
	return p;
}

#define TW_SHOW	20

/*
 * The TIME_WAIT keys the summary shows: the TW_SHOW first in cmp_tw()
 * order and every key that warned, sorted; *m is how many, *keys (when
 * keys is not NULL) how many keys there are; NULL when there is none.
 * A selection, not a sort of every key: a long capture has one key per
 * client host.  Freed records (total 0) are not keys.
 */
static struct det_tw_stat *
tw_shown(const struct det_tw_stat *v, size_t n, size_t *m, size_t *keys)
{
	const struct det_tw_stat *top[TW_SHOW];
	struct det_tw_stat *p;
	size_t i, j, ntop = 0, nw = 0, live = 0;

	*m = 0;
	for (i = 0; i < n; i++) {
		nw += v[i].warned;
		live += v[i].total != 0;
	}
	if (keys != NULL)
		*keys = live;
	if (live == 0 || (p = malloc((TW_SHOW + nw) * sizeof(*p))) == NULL)
		return NULL;
	for (i = 0, nw = 0; i < n; i++) {
		if (v[i].total == 0)
			continue;
		if (v[i].warned) {
			p[nw++] = v[i];
			continue;
		}
		if (ntop == TW_SHOW && cmp_tw(&v[i], top[TW_SHOW - 1]) >= 0)
			continue;
		j = ntop < TW_SHOW ? ntop++ : TW_SHOW - 1;
		for (; j > 0 && cmp_tw(&v[i], top[j - 1]) < 0; j--)
			top[j] = top[j - 1];
		top[j] = &v[i];
	}
	for (j = 0; j < ntop; j++)
		p[nw + j] = *top[j];
	*m = nw + ntop;
	qsort(p, *m, sizeof(*p), cmp_tw);
	return p;
}

static void
text_summary(struct rpt *r, struct sbuf *b, const struct trk_stats *ts,
    const struct det_agg *agg, const struct rpt_counters *pc)
{
	const struct det_host_stat *hs;
	const struct det_tw_stat *tv;
	const struct det_cw_stat *cv;
	struct det_tw_stat *tws;
	struct det_cw_stat *cws;
	size_t n, m, i;
	unsigned st, k;
	char a1[64], a2[64];

	sb_printf(b, "\nSummary\n  %llu packets read, %llu TCP segments, "
	    "%llu other packets, %llu truncated, %llu malformed\n",
	    (unsigned long long)pc->packets, (unsigned long long)pc->tcp,
	    (unsigned long long)pc->other,
	    (unsigned long long)pc->truncated,
	    (unsigned long long)pc->malformed);
	if (pc->duplicates > 0)
		sb_printf(b, "  %llu capture duplicates (copies of a segment "
		    "just seen) left out of the analysis\n",
		    (unsigned long long)pc->duplicates);
	for (k = 1; k < DEC_RES_MAX; k++) {
		if (pc->by_reason[k] == 0 || k == DEC_NOT_IP ||
		    k == DEC_NOT_TCP)
			continue;
		sb_printf(b, "    %-20s %llu\n", dec_res_name(k),
		    (unsigned long long)pc->by_reason[k]);
	}
	if (ts->first_ts != 0) {
		SB_LIT(b, "  TCP segments from ");
		utc_time(b, ts->first_ts, true);
		SB_LIT(b, " to ");
		/* The date again only when the day changed. */
		utc_time(b, ts->last_ts, utc_day(ts->last_ts) !=
		    utc_day(ts->first_ts));
		SB_LIT(b, " UTC (");
		msec(b, ts->last_ts - ts->first_ts);
		SB_LIT(b, ")\n");
	}
	sb_printf(b, "  %llu%s (peak %llu open at once); MSL "
	    "%.0f s, TIME_WAIT %.0f s\n",
	    (unsigned long long)ts->connections, conns(ts->connections),
	    (unsigned long long)ts->peak_open,
	    (double)r->cfg->msl_ns / 1e9, 2.0 * (double)r->cfg->msl_ns / 1e9);
	if (det_agg_untracked(agg) != 0)
		sb_printf(b, "  %llu records past the aggregates' caps were "
		    "not tracked\n",
		    (unsigned long long)det_agg_untracked(agg));
	if (ts->ended[TRK_END_IDLE] || ts->ended[TRK_END_EVICTED]) {
		sb_printf(b, "  %llu expired idle", (unsigned long long)
		    ts->ended[TRK_END_IDLE]);
		if (ts->syn_timeouts != 0)
			sb_printf(b, " (%llu of them handshakes that got no "
			    "further for --syn-timeout %.0f s)",
			    (unsigned long long)ts->syn_timeouts,
			    (double)r->cfg->syn_timeout_ns / 1e9);
		sb_printf(b, ", %llu evicted by --max-flows\n",
		    (unsigned long long)ts->ended[TRK_END_EVICTED]);
	}
	/* The anomalies seen, by the summary's JSON names. */
	for (k = 0, m = 0; k < TRK_AN_MAX; k++) {
		if (ts->anomaly[k] == 0)
			continue;
		sb_printf(b, "%s %s %llu", m++ == 0 ? "  anomalies:" : ",",
		    trk_anomaly_name((enum trk_anomaly)k),
		    (unsigned long long)ts->anomaly[k]);
	}
	if (m != 0)
		SB_LIT(b, "\n");
	if (pc->live)
		sb_printf(b, "  kernel drops %llu, interface drops %llu\n",
		    (unsigned long long)pc->kernel_drops,
		    (unsigned long long)pc->if_drops);

	n = det_agg_closewait(agg, &cv);
	if ((cws = sorted(cv, n, sizeof(*cws), cmp_cw)) != NULL) {
		sb_printf(b, "\nCLOSE_WAIT over %.3f s or still open at the "
		    "end, per server endpoint\n",
		    (double)r->cfg->close_wait_ns / 1e9);
		for (i = 0; i < n; i++) {
			dec_addr_str(cws[i].af, cws[i].addr, a1, sizeof(a1));
			sb_printf(b, "  %s:%u  %llu%s, median "
			    "%.3f s, max %.3f s, %llu still open at end\n",
			    a1, cws[i].port,
			    (unsigned long long)cws[i].count,
			    conns(cws[i].count),
			    (double)cws[i].median / 1e9,
			    (double)cws[i].max / 1e9,
			    (unsigned long long)cws[i].open_at_end);
		}
		free(cws);
	}
	n = det_agg_timewait(agg, &tv);
	if ((tws = tw_shown(tv, n, &m, &n)) != NULL) {
		sb_printf(b, "\nTIME_WAIT per holder, peer and server port "
		    "(ephemeral range %u-%u)\n", r->cfg->port_lo,
		    r->cfg->port_hi);
		for (i = 0; i < m && i < TW_SHOW; i++) {
			dec_addr_str(tws[i].af, tws[i].local, a1, sizeof(a1));
			dec_addr_str(tws[i].af, tws[i].remote, a2, sizeof(a2));
			sb_printf(b, "  %s holds toward %s, server port %u: "
			    "peak %llu at ", a1, a2, tws[i].rport,
			    (unsigned long long)tws[i].peak);
			utc_time(b, tws[i].peak_at, true);
			SB_LIT(b, " UTC");
			sb_printf(b, ", %llu in all, it closed first in %llu%s"
			    "\n", (unsigned long long)tws[i].total,
			    (unsigned long long)tws[i].active_closer_self,
			    tws[i].warned ? "  WARNING: near port "
			    "exhaustion" : "");
		}
		if (n > TW_SHOW)
			sb_printf(b, "  ... %zu more\n", n - TW_SHOW);
		if (det_agg_tw_forgotten(agg) != 0)
			sb_printf(b, "  (%llu records of keys with nothing "
			    "in TIME_WAIT forgotten on the way, to bound "
			    "memory)\n",
			    (unsigned long long)det_agg_tw_forgotten(agg));
		free(tws);
	}
	n = det_agg_hosts(agg, &hs);
	if (r->cfg->at_set) {
		sb_puts(b, "\nStates per host at ");
		utc_time(b, r->cfg->at_ns, true);
		SB_LIT(b, " UTC (--at ");
		sb_ts(b, r->cfg->at_ns);
		SB_LIT(b, ")\n");
	} else {
		sb_puts(b, "\nStates per host at capture end (netstat view)\n");
	}
	if (n > 0) {
		/* A line per host, tens of thousands: no printf. */
		for (i = 0; i < n; i++) {
			SB_LIT(b, "  ");
			sb_addr(b, hs[i].af, hs[i].addr);
			for (st = 0; st < FSM_ST_MAX; st++) {
				if (hs[i].count[st] == 0)
					continue;
				SB_LIT(b, "  ");
				put_state(b, st);
				sb_putc(b, ' ');
				sb_u64(b, hs[i].count[st]);
			}
			sb_putc(b, '\n');
		}
	} else {
		sb_puts(b, "  (no open connections)\n");
	}
}

static void
json_summary(struct rpt *r, struct sbuf *b, const struct trk_stats *ts,
    const struct det_agg *agg, const struct rpt_counters *pc)
{
	const struct det_summary *s = det_agg_summary(agg);
	const struct det_host_stat *hs;
	const struct det_tw_stat *tv;
	const struct det_cw_stat *cv;
	struct det_tw_stat *tws;
	struct det_cw_stat *cws;
	size_t n, i;
	unsigned k, st;
	int m;
	char a1[64];

	sb_puts(b, "{\"type\":\"summary\",\"connections\":");
	sb_u64(b, ts->connections);
	sb_puts(b, ",\"packets\":");
	sb_u64(b, pc->packets);
	sb_puts(b, ",\"tcp_segments\":");
	sb_u64(b, pc->tcp);
	sb_puts(b, ",\"other_packets\":");
	sb_u64(b, pc->other);
	sb_puts(b, ",\"truncated\":");
	sb_u64(b, pc->truncated);
	sb_puts(b, ",\"malformed\":");
	sb_u64(b, pc->malformed);
	sb_puts(b, ",\"duplicates\":");
	sb_u64(b, pc->duplicates);
	sb_puts(b, ",\"malformed_by_reason\":{");
	for (k = 1, m = 0; k < DEC_RES_MAX; k++) {
		if (pc->by_reason[k] == 0 || k == DEC_NOT_IP ||
		    k == DEC_NOT_TCP)
			continue;
		sb_printf(b, "%s\"%s\":%llu", m++ ? "," : "", dec_res_name(k),
		    (unsigned long long)pc->by_reason[k]);
	}
	sb_puts(b, "},\"input_error\":");
	sb_puts(b, pc->input_error ? "true" : "false");
	sb_puts(b, ",\"first_seen\":");
	if (ts->first_ts == 0)
		sb_puts(b, "null");
	else
		sb_ts(b, ts->first_ts);
	sb_puts(b, ",\"last_seen\":");
	if (ts->last_ts == 0)
		sb_puts(b, "null");
	else
		sb_ts(b, ts->last_ts);
	sb_puts(b, ",\"msl\":");
	sb_ts(b, r->cfg->msl_ns);
	sb_puts(b, ",\"peak_open\":");
	sb_u64(b, ts->peak_open);
	if (det_agg_untracked(agg) != 0) {
		sb_puts(b, ",\"aggregates_untracked\":");
		sb_u64(b, det_agg_untracked(agg));
	}
	if (det_agg_tw_forgotten(agg) != 0) {
		sb_puts(b, ",\"time_wait_forgotten\":");
		sb_u64(b, det_agg_tw_forgotten(agg));
	}
	sb_puts(b, ",\"ended_by\":{");
	for (k = 0; k < TRK_END_MAX; k++)
		sb_printf(b, "%s\"%s\":%llu", k ? "," : "",
		    trk_end_name(k), (unsigned long long)ts->ended[k]);
	sb_puts(b, "},\"anomalies\":{");
	for (k = 0; k < TRK_AN_MAX; k++)
		sb_printf(b, "%s\"%s\":%llu", k ? "," : "",
		    trk_anomaly_name(k), (unsigned long long)ts->anomaly[k]);
	sb_puts(b, "},\"handshake\":{");
	for (k = 0, m = 0; k < HS_STATUS_MAX; k++)
		if (s->hs[k].count)
			sb_printf(b, "%s\"%s\":%llu", m++ ? "," : "",
			    conn_hs_status_name(k),
			    (unsigned long long)s->hs[k].count);
	sb_puts(b, "},\"close\":{");
	for (k = 0, m = 0; k < CL_STATUS_MAX; k++)
		if (s->close[k].count)
			sb_printf(b, "%s\"%s\":%llu", m++ ? "," : "",
			    conn_close_status_name(k),
			    (unsigned long long)s->close[k].count);
	sb_puts(b, "},\"rst_classes\":{");
	for (k = 0; k < RST_CLASS_MAX; k++)
		sb_printf(b, "%s\"%s\":%llu", k ? "," : "",
		    conn_rst_class_name(k),
		    (unsigned long long)s->rst[k].count);
	sb_puts(b, "},\"findings\":{");
	for (k = 0; k < FIND_KIND_MAX; k++)
		sb_printf(b, "%s\"%s\":%llu", k ? "," : "",
		    conn_finding_name(k),
		    (unsigned long long)s->finding[k].count);
	sb_puts(b, "},\"close_wait\":[");
	n = det_agg_closewait(agg, &cv);
	if ((cws = sorted(cv, n, sizeof(*cws), cmp_cw)) != NULL) {
		for (i = 0; i < n; i++) {
			dec_addr_str(cws[i].af, cws[i].addr, a1, sizeof(a1));
			sb_printf(b, "%s{\"server\":{\"ip\":\"%s\",\"port\":%u}"
			    ",\"count\":%llu,\"open_at_end\":%llu,\"median\":",
			    i ? "," : "", a1, cws[i].port,
			    (unsigned long long)cws[i].count,
			    (unsigned long long)cws[i].open_at_end);
			sb_ts(b, cws[i].median);
			sb_puts(b, ",\"max\":");
			sb_ts(b, cws[i].max);
			sb_putc(b, '}');
		}
		free(cws);
	}
	sb_puts(b, "],\"time_wait\":[");
	n = det_agg_timewait(agg, &tv);
	if ((tws = tw_shown(tv, n, &n, NULL)) != NULL) {
		for (i = 0; i < n; i++) {
			sb_puts(b, i ? ",{\"holder\":\"" : "{\"holder\":\"");
			sb_addr(b, tws[i].af, tws[i].local);
			sb_puts(b, "\",\"peer\":\"");
			sb_addr(b, tws[i].af, tws[i].remote);
			sb_printf(b, "\",\"server_port\":%u,\"peak\":%llu,"
			    "\"peak_at\":", tws[i].rport,
			    (unsigned long long)tws[i].peak);
			sb_ts(b, tws[i].peak_at);
			sb_printf(b, ",\"total\":%llu,\"closed_first\":%llu,"
			    "\"near_exhaustion\":%s}",
			    (unsigned long long)tws[i].total,
			    (unsigned long long)tws[i].active_closer_self,
			    tws[i].warned ? "true" : "false");
		}
		free(tws);
	}
	sb_puts(b, "],\"port_range\":");
	sb_printf(b, "[%u,%u]", r->cfg->port_lo, r->cfg->port_hi);
	if (r->cfg->at_set) {
		sb_puts(b, ",\"netstat_at\":");
		sb_ts(b, r->cfg->at_ns);
	}
	sb_puts(b, ",\"netstat\":{");
	n = det_agg_hosts(agg, &hs);
	if (n > 0) {
		for (i = 0, m = 0; i < n; i++) {
			int sm = 0;

			sb_puts(b, m++ ? ",\"" : "\"");
			sb_addr(b, hs[i].af, hs[i].addr);
			sb_puts(b, "\":{");
			for (st = 0; st < FSM_ST_MAX; st++) {
				if (hs[i].count[st] == 0)
					continue;
				sb_puts(b, sm++ ? ",\"" : "\"");
				put_state(b, st);
				sb_puts(b, "\":");
				sb_u64(b, hs[i].count[st]);
			}
			sb_putc(b, '}');
		}
	}
	sb_puts(b, "}");
	if (pc->live)
		sb_printf(b, ",\"kernel_drops\":%llu,\"interface_drops\":%llu",
		    (unsigned long long)pc->kernel_drops,
		    (unsigned long long)pc->if_drops);
	sb_puts(b, "}\n");
}


int
rpt_end(struct rpt *r, const struct trk_stats *ts, const struct det_agg *agg,
    const struct rpt_counters *pc)
{
	enum sf_format fmt = r->cfg->format;
	struct sbuf sum;

	/*
	 * The summary reads only the engine's counts, complete once the
	 * capture is finished: it is made while the formatting thread (if
	 * any) writes the last connections, and written after them.
	 */
	sb_init(&sum);
	if (fmt == FMT_JSON)
		json_summary(r, &sum, ts, agg, pc);
	else if (fmt == FMT_TEXT)
		text_summary(r, &sum, ts, agg, pc);
	worker_stop(r);
	switch (fmt) {
	case FMT_JSON:
		if (sb_flush(&r->b, r->out) == -1)
			r->err = 1;
		break;
	case FMT_TEXT:
		if (r->body != NULL)
			body_put(r);	/* may give the file up: streamed */
		if (r->body != NULL) {
			text_header(r, agg, true);
			if (sb_flush(&r->b, r->out) == -1 ||
			    sb_copy_file(r->body, r->out) == -1)
				r->err = 1;
		} else {
			text_header(r, agg, false);
		}
		if (sb_flush(&r->b, r->out) == -1)
			r->err = 1;
		break;
	case FMT_ZEEK:
	case FMT_ZEEK_JSON:
		if (zk_log_end(r->zk, ts->first_ts, ts->last_ts) == -1)
			r->err = 1;
		break;
	default:
		break;
	}
	if (sb_flush(&sum, r->out) == -1)
		r->err = 1;
	sb_free(&sum);
	if (fflush(r->out) != 0)
		r->err = 1;
	return r->err ? -1 : 0;
}

/* ---- periodic view (live --interval) ---- */

/* One endpoint of a live connection, for the netstat view. */
struct iv_ep {
	uint8_t		af;
	uint8_t		addr[16];
	uint8_t		state;
};

struct iv_fill {
	struct iv_ep	*v;
	size_t		n;
	size_t		cap;
};

static void
iv_visit(void *arg, const struct conn *c)
{
	struct iv_fill *f = arg;
	int side;

	for (side = 0; side < 2; side++) {
		const struct conn_ep *e = &c->ep[side];

		/* As in the end-of-capture view: no CLOSED, no LISTEN. */
		if ((!e->seen && e->nstates == 0) ||
		    e->state == FSM_ST_CLOSED || e->state == FSM_ST_LISTEN ||
		    f->n == f->cap)
			continue;
		f->v[f->n].af = c->af;
		memcpy(f->v[f->n].addr, e->addr, 16);
		f->v[f->n].state = e->state;
		f->n++;
	}
}

/* An endpoint in TIME_WAIT of a connection written already. */
static void
iv_visit_tw(void *arg, uint8_t af, const uint8_t *addr)
{
	struct iv_fill *f = arg;

	if (f->n == f->cap)
		return;
	f->v[f->n].af = af;
	memcpy(f->v[f->n].addr, addr, 16);
	f->v[f->n].state = FSM_ST_TIME_WAIT;
	f->n++;
}

static int
cmp_iv(const void *x, const void *y)
{
	const struct iv_ep *a = x, *b = y;
	int d;

	if (a->af != b->af)
		return a->af - b->af;
	if ((d = memcmp(a->addr, b->addr, 16)) != 0)
		return d;
	return a->state - b->state;
}

/*
 * The netstat view of the connections alive now, and the counters so
 * far.  Endpoints are gathered and sorted, so the view costs one pass
 * over the table and no state between calls.
 */
void
rpt_interval(struct rpt *r, struct trk *t, const struct rpt_counters *pc,
    int64_t now)
{
	const struct trk_stats *ts = trk_stats(t);
	struct sbuf *b = &r->b;
	struct iv_fill f;
	size_t i, j, k, m;
	int json = r->cfg->format == FMT_JSON;
	char a[64];
	/* Open: held, but not both ends CLOSED (as the summary's peak_open). */
	uint64_t open = ts->live - ts->done_live;

	if (!json && r->cfg->format != FMT_TEXT)
		return;
	f.n = 0;
	f.cap = (size_t)ts->live * 2;
	f.v = f.cap > 0 ? malloc(f.cap * sizeof(*f.v)) : NULL;
	if (f.v != NULL) {
		trk_foreach(t, iv_visit, iv_visit_tw, &f);
		qsort(f.v, f.n, sizeof(*f.v), cmp_iv);
	}
	if (json) {
		sb_puts(b, "{\"type\":\"interval\",\"at\":");
		sb_ts(b, now);
		sb_printf(b, ",\"packets\":%llu,\"tcp_segments\":%llu,"
		    "\"connections\":%llu,\"open\":%llu,\"kernel_drops\":%llu,"
		    "\"interface_drops\":%llu,\"netstat\":{",
		    (unsigned long long)pc->packets,
		    (unsigned long long)pc->tcp,
		    (unsigned long long)ts->connections,
		    (unsigned long long)open,
		    (unsigned long long)pc->kernel_drops,
		    (unsigned long long)pc->if_drops);
	} else {
		clock_time(b, now);
		sb_printf(b, " interval: %llu packets, %llu TCP segments, "
		    "%llu connections, %llu open; kernel drops %llu, "
		    "interface drops %llu\n",
		    (unsigned long long)pc->packets,
		    (unsigned long long)pc->tcp,
		    (unsigned long long)ts->connections,
		    (unsigned long long)open,
		    (unsigned long long)pc->kernel_drops,
		    (unsigned long long)pc->if_drops);
	}
	for (i = 0; f.v != NULL && i < f.n; i = j) {
		for (j = i; j < f.n && f.v[j].af == f.v[i].af &&
		    memcmp(f.v[j].addr, f.v[i].addr, 16) == 0; j++)
			;
		dec_addr_str(f.v[i].af, f.v[i].addr, a, sizeof(a));
		if (json)
			sb_printf(b, "%s\"%s\":{", i > 0 ? "," : "", a);
		else
			sb_printf(b, "  %s", a);
		for (k = i; k < j; k = m) {
			for (m = k; m < j && f.v[m].state == f.v[k].state; m++)
				;
			sb_printf(b, json ? "%s\"%s\":%zu" : "%s%s %zu",
			    json ? (k > i ? "," : "") : "  ",
			    fsm_state_name((enum fsm_state)f.v[k].state),
			    m - k);
		}
		sb_puts(b, json ? "}" : "\n");
	}
	if (f.cap > 0 && f.v == NULL)
		sb_puts(b, json ? "},\"netstat_error\":\"out of memory\"}\n" :
		    "  (no netstat view: out of memory)\n");
	else
		sb_puts(b, json ? "}}\n" : "");
	free(f.v);
	live_flush(r);
}

int
rpt_spill_errno(const struct rpt *r)
{
	if (r->spill_errno != 0)
		return r->spill_errno;
	return r->zk != NULL ? zk_log_spill_errno(r->zk) : 0;
}
