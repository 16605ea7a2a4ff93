/*
 * detect_agg.c: capture-wide aggregates built from finished connections
 * and from TIME_WAIT entries and exits as they happen:
 *   - CLOSE_WAIT findings, and per server endpoint their count, median
 *     and maximum ("your application does not close its sockets");
 *   - TIME_WAIT pressure per (holder, peer address, server port): how
 *     many sockets sat in TIME_WAIT at once, the peak and when, against
 *     the ephemeral port range;
 *   - the netstat view: per host address, its connections per state at
 *     the end of the capture (or at --at);
 *   - verdict counts with the first connection ids of each.
 * Aggregates are kept in small open-addressing hash maps keyed by bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "cfg.h"
#include "detect.h"

/* ---- a small map from fixed-size keys to records ---- */

/*
 * Records sit in one array in insertion order (the order reports see);
 * the index is open addressing with linear probing over (record + 1,
 * hash) pairs, at most half full.  Records are removed only all at once
 * (amap_filter() packs them and makes the index again), so there are no
 * deletion marks.  A record costs its size plus 16 bytes of index at most.
 */
struct amap_slot {
	uint32_t	idx;		/* record index + 1, 0 = empty */
	uint32_t	hash;
};

struct amap {
	size_t		keylen;
	size_t		reclen;		/* record size; key is its prefix */
	size_t		max;		/* most records kept, 0 = no cap */
	uint64_t	untracked;	/* keys refused because of max */
	size_t		n, cap;
	unsigned char	*recs;
	size_t		nslots;		/* power of two, 2 * cap */
	struct amap_slot *slots;
};

static inline uint64_t
amap_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* The key eight bytes at a time, the tail zero-padded. */
static uint32_t
amap_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = amap_mix(h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, p, len);
		h = amap_mix(h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h = amap_mix(h);
	return (uint32_t)(h ^ (h >> 32));
}

/* Records room after the next growth; the index has twice as many slots. */
static size_t
amap_next_cap(const struct amap *m)
{
	return m->cap == 0 ? 64 : m->cap * 2;
}

static bool
amap_grow(struct amap *m)
{
	size_t ncap = amap_next_cap(m), nslots = ncap * 2, i, b;
	unsigned char *r;
	struct amap_slot *sl;

	if (ncap >= UINT32_MAX)
		return false;
	/* The index first: a failure then leaves both arrays as they were. */
	if ((sl = big_calloc(nslots * sizeof(*sl))) == NULL)
		return false;
	if ((r = big_realloc(m->recs, m->cap * m->reclen,
	    ncap * m->reclen)) == NULL) {
		big_free(sl, nslots * sizeof(*sl));
		return false;
	}
	m->recs = r;
	for (i = 0; i < m->nslots; i++) {
		if (m->slots[i].idx == 0)
			continue;
		for (b = m->slots[i].hash & (nslots - 1); sl[b].idx != 0;
		    b = (b + 1) & (nslots - 1))
			;
		sl[b] = m->slots[i];
	}
	big_free(m->slots, m->nslots * sizeof(*m->slots));
	m->slots = sl;
	m->nslots = nslots;
	m->cap = ncap;
	return true;
}

/*
 * The record for key, or NULL with *bp at the free index slot where it
 * would go (when there is an index).
 */
static void *
amap_lookup(const struct amap *m, const void *key, uint32_t h, size_t *bp)
{
	unsigned char *rec;
	size_t b = 0;

	if (m->nslots != 0) {
		for (b = h & (m->nslots - 1); m->slots[b].idx != 0;
		    b = (b + 1) & (m->nslots - 1)) {
			rec = m->recs + (m->slots[b].idx - 1) * m->reclen;
			if (m->slots[b].hash == h &&
			    memcmp(rec, key, m->keylen) == 0)
				return rec;
		}
	}
	*bp = b;
	return NULL;
}

/* The record for key, or NULL. */
static void *
amap_find(const struct amap *m, const void *key)
{
	size_t b;

	return amap_lookup(m, key, amap_hash(key, m->keylen), &b);
}

/* Index record i (0-based) under hash h. */
static void
amap_index(struct amap *m, size_t i, uint32_t h)
{
	size_t b;

	for (b = h & (m->nslots - 1); m->slots[b].idx != 0;
	    b = (b + 1) & (m->nslots - 1))
		;
	m->slots[b].idx = (uint32_t)i + 1;
	m->slots[b].hash = h;
}

/*
 * Keep the records keep() says yes to, in their order, and index them
 * again.  The arrays keep their size: what is freed is used again.
 */
static size_t
amap_filter(struct amap *m, bool (*keep)(const void *rec))
{
	size_t i, n = 0, removed;
	unsigned char *rec;

	for (i = 0; i < m->n; i++) {
		rec = m->recs + i * m->reclen;
		if (!keep(rec))
			continue;
		if (n != i)
			memcpy(m->recs + n * m->reclen, rec, m->reclen);
		n++;
	}
	removed = m->n - n;
	m->n = n;
	if (m->nslots != 0)
		memset(m->slots, 0, m->nslots * sizeof(*m->slots));
	for (i = 0; i < n; i++)
		amap_index(m, i, amap_hash(m->recs + i * m->reclen,
		    m->keylen));
	return removed;
}

/* The record for key, created zeroed if absent; NULL on no memory. */
static void *
amap_get(struct amap *m, const void *key)
{
	uint32_t h = amap_hash(key, m->keylen);
	unsigned char *rec;
	size_t b = 0;

	if ((rec = amap_lookup(m, key, h, &b)) != NULL)
		return rec;
	if (m->max != 0 && m->n >= m->max) {
		m->untracked++;
		return NULL;
	}
	/* The next index is made ahead (bigmem.h), an eighth before. */
	if (m->n == m->cap - m->cap / 8)
		big_ahead(amap_next_cap(m) * 2 * sizeof(*m->slots));
	if (m->n == m->cap) {
		if (!amap_grow(m))
			return NULL;
		for (b = h & (m->nslots - 1); m->slots[b].idx != 0;
		    b = (b + 1) & (m->nslots - 1))
			;
	}
	rec = m->recs + m->n * m->reclen;
	big_ahead_at(m->recs, m->cap * m->reclen, m->n * m->reclen, m->reclen);
	memset(rec, 0, m->reclen);
	memcpy(rec, key, m->keylen);
	m->slots[b].idx = (uint32_t)++m->n;
	m->slots[b].hash = h;
	return rec;
}

static void
amap_free(struct amap *m)
{
	big_free(m->recs, m->cap * m->reclen);
	big_free(m->slots, m->nslots * sizeof(*m->slots));
}

/* ---- records ---- */

struct cw_rec {
	struct det_cw_stat st;		/* key: af, addr, port (prefix) */
	size_t		n, cap;
	int64_t		*d;		/* durations, for the median */
};

#define CW_KEYLEN	offsetof(struct det_cw_stat, count)
#define TW_KEYLEN	offsetof(struct det_tw_stat, total)
#define HOST_KEYLEN	offsetof(struct det_host_stat, count)

/*
 * Caps that keep a run of days bounded: records per aggregate, and the
 * CLOSE_WAIT durations kept per endpoint for its median (a uniform
 * reservoir sample beyond that; count and maximum stay exact).
 */
#define CW_MAX_ENDPOINTS	(1u << 16)
#define TW_MAX_KEYS		(1u << 20)
#define HOST_MAX		(1u << 20)
#define CW_SAMPLES		4096

/*
 * TIME_WAIT keys follow the sockets in TIME_WAIT, not the length of the
 * capture: once the map holds TW_PRUNE_AT keys (then twice what the last
 * pruning kept), the keys with no socket in TIME_WAIT are forgotten,
 * except the TW_KEEP of highest peak and those that warned.  The report
 * lists the 20 highest peaks and every warning, so it loses nothing;
 * the total of a key forgotten and seen again starts from zero.
 */
#define TW_PRUNE_AT		(1u << 16)
#define TW_KEEP			4096

struct det_agg {
	const struct sf_config *cfg;
	uint64_t	rng;		/* reservoir sampling, fixed seed */
	struct amap	cw;
	struct amap	tw;
	struct amap	host;
	struct det_summary sum;
	struct det_cw_stat *cw_out;
	size_t		tw_prune_at;
	uint64_t	tw_forgotten;
};

struct det_agg *
det_agg_new(const struct sf_config *cfg)
{
	struct det_agg *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->cfg = cfg;
	a->rng = 0x9e3779b97f4a7c15ULL;
	a->cw.max = CW_MAX_ENDPOINTS;
	a->tw.max = TW_MAX_KEYS;
	a->host.max = HOST_MAX;
	a->tw_prune_at = TW_PRUNE_AT;
	a->cw.keylen = CW_KEYLEN;
	a->cw.reclen = sizeof(struct cw_rec);
	a->tw.keylen = TW_KEYLEN;
	a->tw.reclen = sizeof(struct det_tw_stat);
	a->host.keylen = HOST_KEYLEN;
	a->host.reclen = sizeof(struct det_host_stat);
	return a;
}

void
det_agg_free(struct det_agg *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->cw.n; i++)
		free(((struct cw_rec *)(void *)(a->cw.recs +
		    i * a->cw.reclen))->d);
	amap_free(&a->cw);
	amap_free(&a->tw);
	amap_free(&a->host);
	free(a->cw_out);
	free(a);
}

static void
count_verdict(struct det_verdict *v, uint64_t id)
{
	v->count++;
	if (v->nids < DET_MAX_IDS &&
	    (v->nids == 0 || v->ids[v->nids - 1] != id))
		v->ids[v->nids++] = id;
}

/* ---- CLOSE_WAIT ---- */

static void
closewait(struct det_agg *a, struct conn *c)
{
	struct conn_finding f;
	struct cw_rec key, *r;
	const struct conn_ep *e, *sv = &c->ep[CONN_SERVER];
	int64_t start, *d;
	int side;

	for (side = 0; side < 2; side++) {
		e = &c->ep[side];
		if ((start = det_entered(e, FSM_ST_CLOSE_WAIT)) == 0)
			continue;
		memset(&f, 0, sizeof(f));
		f.kind = FIND_CLOSE_WAIT;
		f.side = (uint8_t)side;
		f.safe = -1;
		f.at = start;
		f.duration = conn_time_in(c, side, FSM_ST_CLOSE_WAIT);
		f.open_at_end = e->state == FSM_ST_CLOSE_WAIT &&
		    !c->superseded;
		f.half_close = det_half_close(c, side, NULL);
		if (f.duration <= a->cfg->close_wait_ns && !f.open_at_end)
			continue;
		conn_add_finding(c, &f, a->cfg->max_events);

		memset(&key, 0, sizeof(key));
		key.st.af = c->af;
		memcpy(key.st.addr, sv->addr, 16);
		key.st.port = sv->port;
		if ((r = amap_get(&a->cw, &key)) == NULL)
			continue;
		r->st.count++;
		if (f.open_at_end)
			r->st.open_at_end++;
		if (f.duration > r->st.max)
			r->st.max = f.duration;
		if (r->n == CW_SAMPLES) {
			/* Algorithm R: keep each later one with n/count. */
			a->rng ^= a->rng << 13;
			a->rng ^= a->rng >> 7;
			a->rng ^= a->rng << 17;
			if (a->rng % r->st.count < CW_SAMPLES)
				r->d[a->rng % r->st.count] = f.duration;
			continue;
		}
		if (r->n == r->cap) {
			size_t ncap = r->cap == 0 ? 8 : r->cap * 2;

			if ((d = realloc(r->d, ncap * sizeof(*d))) == NULL)
				continue;
			r->d = d;
			r->cap = ncap;
		}
		r->d[r->n++] = f.duration;
	}
}

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

size_t
det_agg_closewait(const struct det_agg *ca, const struct det_cw_stat **out)
{
	struct det_agg *a = (struct det_agg *)(uintptr_t)ca;
	struct cw_rec *r;
	size_t i;

	free(a->cw_out);
	a->cw_out = NULL;
	*out = NULL;
	if (a->cw.n == 0)
		return 0;
	if ((a->cw_out = calloc(a->cw.n, sizeof(*a->cw_out))) == NULL)
		return 0;
	for (i = 0; i < a->cw.n; i++) {
		r = (struct cw_rec *)(void *)(a->cw.recs + i * a->cw.reclen);
		if (r->n > 0) {
			qsort(r->d, r->n, sizeof(*r->d), cmp_i64);
			r->st.median = (r->n % 2) ? r->d[r->n / 2] :
			    (r->d[r->n / 2 - 1] + r->d[r->n / 2]) / 2;
		}
		a->cw_out[i] = r->st;
	}
	*out = a->cw_out;
	return a->cw.n;
}

/* ---- TIME_WAIT pressure ---- */

/* Highest peak first, then by key: the report's order. */
static int
cmp_tw_peak(const void *x, const void *y)
{
	const struct det_tw_stat *a = *(const struct det_tw_stat *const *)x;
	const struct det_tw_stat *b = *(const struct det_tw_stat *const *)y;

	if (a->peak != b->peak)
		return a->peak < b->peak ? 1 : -1;
	return memcmp(a, b, TW_KEYLEN);
}

/* Marked to be forgotten: a record's total is never 0 otherwise. */
static bool
tw_kept(const void *rec)
{
	return ((const struct det_tw_stat *)rec)->total != 0;
}

static void
tw_prune(struct det_agg *a)
{
	struct det_tw_stat *recs = (struct det_tw_stat *)(void *)a->tw.recs;
	struct det_tw_stat **v;
	size_t i, nv = 0;

	if ((v = malloc(a->tw.n * sizeof(*v))) == NULL) {
		a->tw_prune_at *= 2;
		return;
	}
	for (i = 0; i < a->tw.n; i++)
		if (recs[i].current == 0 && !recs[i].warned)
			v[nv++] = &recs[i];
	if (nv > TW_KEEP) {
		qsort(v, nv, sizeof(*v), cmp_tw_peak);
		for (i = TW_KEEP; i < nv; i++)
			v[i]->total = 0;
		a->tw_forgotten += amap_filter(&a->tw, tw_kept);
	}
	free(v);
	a->tw_prune_at = a->tw.n * 2 > TW_PRUNE_AT ? a->tw.n * 2 : TW_PRUNE_AT;
}

/* The key of (holder, peer, server port). */
static void
tw_key(struct det_tw_stat *key, uint8_t af, const uint8_t *local,
    const uint8_t *remote, uint16_t rport)
{
	memset(key, 0, sizeof(*key));
	key->af = af;
	memcpy(key->local, local, 16);
	memcpy(key->remote, remote, 16);
	key->rport = rport;
}

void
det_tw_leave(struct det_agg *a, uint8_t af, const uint8_t *local,
    const uint8_t *remote, uint16_t rport)
{
	struct det_tw_stat key, *r;

	tw_key(&key, af, local, remote, rport);
	if ((r = amap_find(&a->tw, &key)) != NULL && r->current > 0)
		r->current--;
}

void
det_tw_change(struct det_agg *a, struct conn *c, int side, int delta,
    int64_t at)
{
	struct det_tw_stat key, *r;
	const struct conn_ep *me = &c->ep[side], *peer = &c->ep[!side];
	struct conn_finding f;
	uint64_t range, limit;

	if (delta < 0) {
		det_tw_leave(a, c->af, me->addr, peer->addr,
		    c->ep[CONN_SERVER].port);
		return;
	}
	if (a->tw.n >= a->tw_prune_at)
		tw_prune(a);
	tw_key(&key, c->af, me->addr, peer->addr, c->ep[CONN_SERVER].port);
	if ((r = amap_get(&a->tw, &key)) == NULL)
		return;
	r->total++;
	if (me->t_fin != 0 && (peer->t_fin == 0 || me->t_fin <= peer->t_fin))
		r->active_closer_self++;
	if (++r->current > r->peak) {
		r->peak = r->current;
		r->peak_at = at;
	}
	/*
	 * Warn once per key when the sockets in TIME_WAIT reach 80 % of the
	 * ephemeral port range: connect() to this server is about to fail
	 * with EADDRNOTAVAIL.
	 */
	range = (uint64_t)a->cfg->port_hi - a->cfg->port_lo + 1;
	limit = range - range / 5;
	if (!r->warned && side == CONN_CLIENT && r->current >= limit) {
		r->warned = true;
		memset(&f, 0, sizeof(f));
		f.kind = FIND_TIME_WAIT_PRESSURE;
		f.side = (uint8_t)side;
		f.safe = -1;
		f.at = at;
		f.duration = (int64_t)r->current;
		conn_add_finding(c, &f, a->cfg->max_events);
	}
}

size_t
det_agg_timewait(const struct det_agg *a, const struct det_tw_stat **out)
{
	*out = (const struct det_tw_stat *)(const void *)a->tw.recs;
	return a->tw.n;
}

/* ---- netstat view ---- */

void
det_host_add(struct det_agg *a, uint8_t af, const uint8_t *addr,
    enum fsm_state st)
{
	struct det_host_stat key, *r;

	if (st == FSM_ST_CLOSED || st == FSM_ST_LISTEN)
		return;
	memset(&key, 0, sizeof(key));
	key.af = af;
	memcpy(key.addr, addr, 16);
	if ((r = amap_get(&a->host, &key)) != NULL)
		r->count[st]++;
}

static void
hoststates(struct det_agg *a, const struct conn *c)
{
	int64_t t = a->cfg->at_ns;
	int side;

	/*
	 * A connection written while in TIME_WAIT goes on as a compact
	 * record: the engine counts it when that record ends, except for
	 * an instant before it was written, which its timeline tells.  A
	 * handshake given up (--syn-timeout) is held by no host from its
	 * t_end on, as a superseded or evicted connection.
	 */
	if (c->tw_record && (!a->cfg->at_set || t >= c->t_final))
		return;
	for (side = 0; side < 2; side++) {
		if (!c->ep[side].seen && c->ep[side].nstates == 0)
			continue;
		if (a->cfg->at_set) {
			if (c->first_seen > t || (c->t_end != 0 &&
			    c->t_end <= t))
				continue;
			det_host_add(a, c->af, c->ep[side].addr,
			    conn_state_at(c, side, t));
		} else if (!c->superseded && !c->evicted &&
		    !c->syn_given_up) {
			det_host_add(a, c->af, c->ep[side].addr,
			    (enum fsm_state)c->ep[side].state);
		}
	}
}

size_t
det_agg_hosts(const struct det_agg *a, const struct det_host_stat **out)
{
	*out = (const struct det_host_stat *)(const void *)a->host.recs;
	return a->host.n;
}

/* ---- per connection ---- */

void
det_agg_conn(struct det_agg *a, struct conn *c, int64_t end)
{
	uint32_t i;

	(void)end;
	closewait(a, c);
	hoststates(a, c);
	for (i = 0; i < c->nrsts; i++)
		count_verdict(&a->sum.rst[c->rsts[i].cls], c->id);
	for (i = 0; i < c->nfindings; i++)
		count_verdict(&a->sum.finding[c->findings[i].kind], c->id);
	count_verdict(&a->sum.hs[c->hs_status], c->id);
	count_verdict(&a->sum.close[c->close_status], c->id);
}

const struct det_summary *
det_agg_summary(const struct det_agg *a)
{
	return &a->sum;
}

uint64_t
det_agg_tw_forgotten(const struct det_agg *a)
{
	return a->tw_forgotten;
}

uint64_t
det_agg_untracked(const struct det_agg *a)
{
	return a->cw.untracked + a->tw.untracked + a->host.untracked;
}
