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
 * Records sit in one array, in insertion order until some are freed;
 * the index is open addressing with linear probing over (record + 1,
 * hash) pairs, at most half full.  Records are freed only all at once
 * (amap_forget() makes the index again), so there are no deletion marks;
 * a freed record stays where it lies, zeroed, its place on a stack of
 * free ones for the next key, and every other record keeps its place, so
 * that its index is a handle (det_tw_change()).  Reports see the records
 * in their array's order, and sort what they show.  A record costs its
 * size plus 16 bytes of index at most, and 4 on the free stack once
 * records are freed.
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
	size_t		n, cap;		/* records used or freed, room */
	unsigned char	*recs;
	size_t		nslots;		/* power of two, 2 * cap */
	struct amap_slot *slots;
	uint32_t	*freev;		/* indices of freed records, a stack */
	size_t		nfree, capfree;
	bool		unindexed;	/* records from amap_put(), no index */
};

/* Records holding a key. */
static inline size_t
amap_live(const struct amap *m)
{
	return m->n - m->nfree;
}

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
 * Room for n records in a map that never had one, for amap_put() to
 * fill in order, with no index until amap_get() needs one: false on no
 * memory.
 */
static bool
amap_bulk(struct amap *m, size_t n)
{
	size_t ncap = 64;
	unsigned char *r;

	if (m->n != 0 || n >= UINT32_MAX)
		return false;
	while (ncap < n)
		ncap *= 2;
	if (ncap > m->cap) {
		if ((r = big_realloc(m->recs, m->cap * m->reclen,
		    ncap * m->reclen)) == NULL)
			return false;
		m->recs = r;
		m->cap = ncap;
	}
	big_free(m->slots, m->nslots * sizeof(*m->slots));
	m->slots = NULL;
	m->nslots = 0;
	m->unindexed = true;
	return true;
}

/* The next record after amap_bulk(), zeroed but for its key. */
static void *
amap_put(struct amap *m, const void *key)
{
	unsigned char *rec = m->recs + m->n++ * m->reclen;

	memset(rec, 0, m->reclen);
	memcpy(rec, key, m->keylen);
	return rec;
}

/* The index of the records amap_put() made; false on no memory. */
static bool
amap_reindex(struct amap *m)
{
	size_t i;

	if (!m->unindexed)
		return true;
	if ((m->slots = big_calloc(2 * m->cap * sizeof(*m->slots))) == NULL)
		return false;
	m->nslots = 2 * m->cap;
	for (i = 0; i < m->n; i++)
		amap_index(m, i, amap_hash(m->recs + i * m->reclen,
		    m->keylen));
	m->unindexed = false;
	return true;
}

/* Room on the free stack for n indices; false on no memory. */
static bool
amap_reserve_free(struct amap *m, size_t n)
{
	uint32_t *v;

	if (n <= m->capfree)
		return true;
	if ((v = realloc(m->freev, n * sizeof(*v))) == NULL)
		return false;
	m->freev = v;
	m->capfree = n;
	return true;
}

/*
 * Free the records keep() says no to, where they lie (zeroed, their
 * indices on the free stack), and index the others again.  The stack
 * must have room for every record freed (amap_reserve_free()).  How many
 * were freed now, not before.
 */
static size_t
amap_forget(struct amap *m, bool (*keep)(const void *rec))
{
	size_t i, before = m->nfree;
	unsigned char *rec;

	if (!amap_reindex(m))
		return 0;
	m->nfree = 0;
	if (m->nslots != 0)
		memset(m->slots, 0, m->nslots * sizeof(*m->slots));
	for (i = 0; i < m->n; i++) {
		rec = m->recs + i * m->reclen;
		if (keep(rec)) {
			amap_index(m, i, amap_hash(rec, m->keylen));
		} else {
			memset(rec, 0, m->reclen);
			m->freev[m->nfree++] = (uint32_t)i;
		}
	}
	return m->nfree - before;
}

/* The record for key, created zeroed if absent; NULL on no memory. */
static void *
amap_get(struct amap *m, const void *key)
{
	uint32_t h = amap_hash(key, m->keylen);
	unsigned char *rec;
	size_t b = 0;

	if (!amap_reindex(m))
		return NULL;
	if ((rec = amap_lookup(m, key, h, &b)) != NULL)
		return rec;
	if (m->max != 0 && amap_live(m) >= m->max) {
		m->untracked++;
		return NULL;
	}
	if (m->nfree > 0) {
		size_t i = m->freev[--m->nfree];

		rec = m->recs + i * m->reclen;
		memset(rec, 0, m->reclen);
		memcpy(rec, key, m->keylen);
		m->slots[b].idx = (uint32_t)i + 1;
		m->slots[b].hash = h;
		return rec;
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
	free(m->freev);
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
#define CW_SAMPLES		4096
/* Hosts: DET_HOST_MAX (detect.h). */

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

/*
 * The netstat view's endpoints not yet counted (det_host_add()): IPv4
 * ones as the address's 32 bits above the state's 8, IPv6 ones whole.
 */
struct host_mark6 {
	uint64_t	hi, lo;		/* dec_addr_half() 0 and 1 */
	uint32_t	st;		/* or a record's index (host_order()) */
};

struct host_tally {
	uint64_t	*v4;
	struct host_mark6 *v6;
	size_t		n4, cap4, n6, cap6;
};

struct det_agg {
	const struct sf_config *cfg;
	uint64_t	rng;		/* reservoir sampling, fixed seed */
	struct amap	cw;
	struct amap	tw;
	struct amap	host;
	struct host_tally tally;	/* endpoints waiting for host */
	size_t		host_ordered;	/* host records in address order */
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
	a->host.max = DET_HOST_MAX;
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
	big_free(a->tally.v4, a->tally.cap4 * sizeof(*a->tally.v4));
	big_free(a->tally.v6, a->tally.cap6 * sizeof(*a->tally.v6));
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
cmp_tw_peak(const struct det_tw_stat *a, const struct det_tw_stat *b)
{
	if (a->peak != b->peak)
		return a->peak < b->peak ? 1 : -1;
	return memcmp(a, b, TW_KEYLEN);
}

static int
cmp_ptr(const void *x, const void *y)
{
	uintptr_t a = (uintptr_t)*(const void *const *)x;
	uintptr_t b = (uintptr_t)*(const void *const *)y;

	return a < b ? -1 : a > b;
}

/*
 * Move h[i] down the heap h of n, whose root is the last in
 * cmp_tw_peak() order.
 */
static void
tw_sift(struct det_tw_stat **h, size_t n, size_t i)
{
	struct det_tw_stat *x = h[i];
	size_t k;

	while ((k = 2 * i + 1) < n) {
		if (k + 1 < n && cmp_tw_peak(h[k + 1], h[k]) > 0)
			k++;
		if (cmp_tw_peak(h[k], x) <= 0)
			break;
		h[i] = h[k];
		i = k;
	}
	h[i] = x;
}

/*
 * The TW_KEEP first of the n records v[] (in array order) in
 * cmp_tw_peak() order, into keep[], in array order too.  A heap of
 * TW_KEEP whose root is the last of them: each record is read once, in
 * order, against it, where a sort of every pointer read the records in
 * random order, a cache miss each, some 18 times each (at 1.6M
 * connections the sort was 2.5 % of the engine's samples, and memcmp(),
 * which it shared with the lookups, 5.1 %: doc/performance-history.md).
 */
static void
tw_first(struct det_tw_stat **v, size_t n, struct det_tw_stat **keep)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (k < TW_KEEP) {
			size_t j = k++;

			/* Up from the bottom: the parent goes after it. */
			while (j > 0 &&
			    cmp_tw_peak(keep[(j - 1) / 2], v[i]) < 0) {
				keep[j] = keep[(j - 1) / 2];
				j = (j - 1) / 2;
			}
			keep[j] = v[i];
		} else if (cmp_tw_peak(v[i], keep[0]) < 0) {
			keep[0] = v[i];
			tw_sift(keep, k, 0);
		}
	}
	qsort(keep, k, sizeof(*keep), cmp_ptr);
}

/* Marked to be forgotten: a record's total is never 0 otherwise. */
static bool
tw_kept(const void *rec)
{
	return ((const struct det_tw_stat *)rec)->total != 0;
}

/*
 * Forget the keys with no socket in TIME_WAIT now that did not warn,
 * but for the TW_KEEP of highest peak.  Their records are freed where
 * they lie, so that the handles of the sockets still in TIME_WAIT stay
 * good.
 */
static void
tw_prune(struct det_agg *a)
{
	struct det_tw_stat *recs = (struct det_tw_stat *)(void *)a->tw.recs;
	struct det_tw_stat **v, **keep = NULL;
	size_t i, j, nv = 0, live = amap_live(&a->tw);

	if ((v = malloc(live * sizeof(*v))) == NULL ||
	    (keep = malloc(TW_KEEP * sizeof(*keep))) == NULL ||
	    !amap_reserve_free(&a->tw, a->tw.nfree + live)) {
		free(v);
		free(keep);
		a->tw_prune_at *= 2;
		return;
	}
	for (i = 0; i < a->tw.n; i++)
		if (recs[i].total != 0 && recs[i].current == 0 &&
		    !recs[i].warned)
			v[nv++] = &recs[i];
	if (nv > TW_KEEP) {
		tw_first(v, nv, keep);
		for (i = j = 0; i < nv; i++) {
			if (j < TW_KEEP && v[i] == keep[j])
				j++;
			else
				v[i]->total = 0;
		}
		a->tw_forgotten += amap_forget(&a->tw, tw_kept);
	}
	free(v);
	free(keep);
	live = amap_live(&a->tw);
	a->tw_prune_at = live * 2 > TW_PRUNE_AT ? live * 2 : TW_PRUNE_AT;
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
det_tw_leave(struct det_agg *a, uint32_t rec)
{
	struct det_tw_stat *r;

	if (rec == 0)
		return;
	r = (struct det_tw_stat *)(void *)(a->tw.recs +
	    (size_t)(rec - 1) * a->tw.reclen);
	if (r->current > 0)
		r->current--;
}

void
det_tw_prefetch(const struct det_agg *a, uint8_t af, const uint8_t *local,
    const uint8_t *remote, uint16_t rport)
{
	const struct amap *m = &a->tw;
	struct det_tw_stat key;
	uint32_t h;

	if (m->nslots == 0)
		return;
	tw_key(&key, af, local, remote, rport);
	h = amap_hash(&key, m->keylen);
	__builtin_prefetch(&m->slots[h & (m->nslots - 1)]);
}

void
det_tw_warm(const struct det_agg *a, uint32_t rec)
{
	if (rec != 0)
		__builtin_prefetch(a->tw.recs + (size_t)(rec - 1) *
		    a->tw.reclen, 1);
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
		det_tw_leave(a, c->tw_rec[side]);
		c->tw_rec[side] = 0;
		return;
	}
	if (amap_live(&a->tw) >= a->tw_prune_at)
		tw_prune(a);
	tw_key(&key, c->af, me->addr, peer->addr, c->ep[CONN_SERVER].port);
	c->tw_rec[side] = 0;
	if ((r = amap_get(&a->tw, &key)) == NULL)
		return;
	c->tw_rec[side] = (uint32_t)(((unsigned char *)r - a->tw.recs) /
	    a->tw.reclen) + 1;
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

/* Freed records are among them, zeroed: total 0. */
size_t
det_agg_timewait(const struct det_agg *a, const struct det_tw_stat **out)
{
	*out = (const struct det_tw_stat *)(const void *)a->tw.recs;
	return a->tw.n;
}

/* ---- netstat view ---- */

/*
 * At the capture's end the netstat view counts both ends of each
 * connection still open and the holder of each TIME_WAIT record: 88,832
 * endpoints of 61,428 hosts at the end of the 100k benchmark capture,
 * each one a lookup in the host map, most of them cache misses (a
 * quarter of the engine's time there).  They wait in a tally instead,
 * filled in order, and det_agg_settle() sorts it and counts each host
 * once, the new ones appended to the map in address order.
 *
 * The tally holds no more endpoints than the map's cap has room for
 * hosts.  That bounds its memory, and each endpoint in it is sure of its
 * record, so the order they are counted in cannot change which hosts the
 * cap refuses.
 */

/* The element array v of *cap elements of esize bytes, grown; or NULL. */
static void *
tally_grow(void *v, size_t *cap, size_t esize)
{
	size_t ncap = *cap == 0 ? 4096 : *cap * 2;
	void *p;

	if ((p = big_realloc(v, *cap * esize, ncap * esize)) != NULL)
		*cap = ncap;
	return p;
}

/* Into the tally: false when it cannot grow. */
static bool
tally_add(struct host_tally *t, uint8_t af, const uint8_t *addr,
    unsigned st)
{
	void *p;

	if (af == 4) {
		if (t->n4 == t->cap4) {
			if ((p = tally_grow(t->v4, &t->cap4,
			    sizeof(*t->v4))) == NULL)
				return false;
			t->v4 = p;
		}
		t->v4[t->n4++] = (dec_addr_half(addr, 0) >> 32) << 8 | st;
		return true;
	}
	if (t->n6 == t->cap6) {
		if ((p = tally_grow(t->v6, &t->cap6, sizeof(*t->v6))) == NULL)
			return false;
		t->v6 = p;
	}
	t->v6[t->n6].hi = dec_addr_half(addr, 0);
	t->v6[t->n6].lo = dec_addr_half(addr, 1);
	t->v6[t->n6++].st = st;
	return true;
}

/*
 * Count the run of one host's endpoints, their states added up: into a
 * record of its own after amap_bulk() (bulk), else through the index.
 */
static void
host_count_run(struct det_agg *a, bool bulk, uint8_t af,
    const uint8_t *addr, const uint32_t *cnt)
{
	struct det_host_stat key, *r;
	unsigned st;

	memset(&key, 0, sizeof(key));
	key.af = af;
	memcpy(key.addr, addr, 16);
	if (bulk)
		r = amap_put(&a->host, &key);
	else if ((r = amap_get(&a->host, &key)) == NULL)
		return;
	for (st = 0; st < FSM_ST_MAX; st++)
		r->count[st] += cnt[st];
}

void
det_host_add(struct det_agg *a, uint8_t af, const uint8_t *addr,
    enum fsm_state st)
{
	struct host_tally *t = &a->tally;
	uint32_t cnt[FSM_ST_MAX];

	if (st == FSM_ST_CLOSED || st == FSM_ST_LISTEN)
		return;
	if ((af == 4 || af == 6) &&
	    amap_live(&a->host) + t->n4 + t->n6 < a->host.max &&
	    tally_add(t, af, addr, (unsigned)st))
		return;
	/* Near the cap, or no memory: at once, after those waiting. */
	det_agg_settle(a);
	memset(cnt, 0, sizeof(cnt));
	cnt[st] = 1;
	host_count_run(a, false, af, addr, cnt);
}

/* The address of a v4 tally entry. */
static void
v4_addr(uint64_t e, uint8_t *addr)
{
	memset(addr, 0, 16);
	addr[0] = (uint8_t)(e >> 32);
	addr[1] = (uint8_t)(e >> 24);
	addr[2] = (uint8_t)(e >> 16);
	addr[3] = (uint8_t)(e >> 8);
}

static void
v6_addr(const struct host_mark6 *e, uint8_t *addr)
{
	int i;

	for (i = 0; i < 8; i++) {
		addr[i] = (uint8_t)(e->hi >> (56 - 8 * i));
		addr[8 + i] = (uint8_t)(e->lo >> (56 - 8 * i));
	}
}

/* A radix sort's counts of each byte value made the offsets of each. */
static void
radix_offsets(size_t *cnt)
{
	size_t x, c, sum = 0;

	for (x = 0; x < 256; x++) {
		c = cnt[x];
		cnt[x] = sum;
		sum += c;
	}
}

/*
 * Sort v (n entries) by address into v, with tmp of n: a least
 * significant byte first radix sort over the address bytes in which some
 * entry differs from the first (a few, for the hosts of one network).
 */
static void
sort_v4(uint64_t *v, uint64_t *tmp, size_t n)
{
	size_t cnt[256], i;
	uint64_t diff = 0, *src = v, *dst = tmp, *sw;
	unsigned b;

	for (i = 1; i < n; i++)
		diff |= v[i] ^ v[0];
	for (b = 1; b <= 4; b++) {
		if (((diff >> (8 * b)) & 0xff) == 0)
			continue;
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(src[i] >> (8 * b)) & 0xff]++;
		radix_offsets(cnt);
		for (i = 0; i < n; i++)
			dst[cnt[(src[i] >> (8 * b)) & 0xff]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

/* Whether two IPv6 entries are of one host. */
static bool
mark6_eq(const struct host_mark6 *x, const struct host_mark6 *y)
{
	return x->hi == y->hi && x->lo == y->lo;
}

static unsigned
mark6_byte(const struct host_mark6 *e, unsigned b)
{
	return (unsigned)((b < 8 ? e->lo >> (8 * b) : e->hi >> (8 * (b - 8))) &
	    0xff);
}

static void
sort_v6(struct host_mark6 *v, struct host_mark6 *tmp, size_t n)
{
	size_t cnt[256], i;
	struct host_mark6 *src = v, *dst = tmp, *sw;
	uint64_t dhi = 0, dlo = 0;
	unsigned b;

	for (i = 1; i < n; i++) {
		dhi |= v[i].hi ^ v[0].hi;
		dlo |= v[i].lo ^ v[0].lo;
	}
	for (b = 0; b < 16; b++) {
		if (((b < 8 ? dlo >> (8 * b) : dhi >> (8 * (b - 8))) & 0xff) ==
		    0)
			continue;
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[mark6_byte(&src[i], b)]++;
		radix_offsets(cnt);
		for (i = 0; i < n; i++)
			dst[cnt[mark6_byte(&src[i], b)]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

static void
count_v4(struct det_agg *a, bool bulk, const uint64_t *v, size_t n)
{
	uint32_t cnt[FSM_ST_MAX];
	uint8_t addr[16];
	size_t i, j;

	for (i = 0; i < n; i = j) {
		memset(cnt, 0, sizeof(cnt));
		for (j = i; j < n && v[j] >> 8 == v[i] >> 8; j++)
			cnt[v[j] & 0xff]++;
		v4_addr(v[i], addr);
		host_count_run(a, bulk, 4, addr, cnt);
	}
}

static void
count_v6(struct det_agg *a, bool bulk, const struct host_mark6 *v, size_t n)
{
	uint32_t cnt[FSM_ST_MAX];
	uint8_t addr[16];
	size_t i, j;

	for (i = 0; i < n; i = j) {
		memset(cnt, 0, sizeof(cnt));
		for (j = i; j < n && mark6_eq(&v[j], &v[i]); j++)
			cnt[v[j].st]++;
		v6_addr(&v[i], addr);
		host_count_run(a, bulk, 6, addr, cnt);
	}
}

/* The tally sorted by address; false on no memory. */
static bool
tally_sort(struct host_tally *t)
{
	size_t s4 = t->n4 * sizeof(*t->v4), s6 = t->n6 * sizeof(*t->v6);
	size_t size = s4 > s6 ? s4 : s6;
	void *tmp;

	if ((tmp = big_calloc(size)) == NULL)
		return false;
	sort_v4(t->v4, tmp, t->n4);
	sort_v6(t->v6, tmp, t->n6);
	big_free(tmp, size);
	return true;
}

static int
cmp_host(const void *x, const void *y)
{
	const struct det_host_stat *a = x, *b = y;

	if (a->af != b->af)
		return a->af - b->af;
	return memcmp(a->addr, b->addr, 16);
}

/* Record i's address, with i for its place. */
static void
record_mark(struct host_mark6 *k, const struct det_host_stat *r, size_t i)
{
	k->hi = dec_addr_half(r[i].addr, 0);
	k->lo = dec_addr_half(r[i].addr, 1);
	k->st = (uint32_t)i;
}

/*
 * The host map's records in address order, IPv4 first, as the reports
 * list them: sorted by key and moved, their index made again when next
 * needed.  Nothing to do when no record came since the last time: they
 * never move otherwise (the host map never frees one, so no index of the
 * free stack goes stale either).
 */
static void
host_order(struct det_agg *a)
{
	struct amap *m = &a->host;
	struct det_host_stat *r = (struct det_host_stat *)(void *)m->recs, *p;
	struct host_mark6 *k;
	size_t n = m->n, i, j, n4;

	if (n == a->host_ordered)
		return;
	a->host_ordered = n;
	for (i = 1; i < n && cmp_host(&r[i - 1], &r[i]) < 0; i++)
		;
	if (i >= n)
		return;
	big_free(m->slots, m->nslots * sizeof(*m->slots));
	m->slots = NULL;
	m->nslots = 0;
	m->unindexed = true;
	p = NULL;
	if ((k = big_calloc(2 * n * sizeof(*k))) == NULL ||
	    (p = big_calloc(m->cap * m->reclen)) == NULL) {
		big_free(k, 2 * n * sizeof(*k));
		qsort(r, n, sizeof(*r), cmp_host);
		return;
	}
	for (i = 0, n4 = 0; i < n; i++)
		if (r[i].af == 4)
			record_mark(&k[n4++], r, i);
	for (i = 0, j = n4; i < n; i++)
		if (r[i].af != 4)
			record_mark(&k[j++], r, i);
	sort_v6(k, k + n, n4);
	sort_v6(k + n4, k + n + n4, n - n4);
	for (i = 0; i < n; i++)
		p[i] = r[k[i].st];
	big_free(m->recs, m->cap * m->reclen);
	m->recs = (unsigned char *)p;
	big_free(k, 2 * n * sizeof(*k));
}

void
det_agg_settle(struct det_agg *a)
{
	struct host_tally *t = &a->tally;
	size_t i, hosts;
	bool bulk = false;

	if (t->n4 + t->n6 > 0 && tally_sort(t)) {
		for (i = 0, hosts = 0; i < t->n4; i++)
			hosts += i == 0 || t->v4[i] >> 8 != t->v4[i - 1] >> 8;
		for (i = 0; i < t->n6; i++)
			hosts += i == 0 || !mark6_eq(&t->v6[i], &t->v6[i - 1]);
		/*
		 * Into a map that never had a record (the capture's end),
		 * the records go in address order, IPv4 first, and stay so.
		 */
		bulk = amap_bulk(&a->host, hosts);
	}
	/* Unsorted (no memory for the sort), runs are shorter: same counts. */
	count_v4(a, bulk, t->v4, t->n4);
	count_v6(a, bulk, t->v6, t->n6);
	big_free(t->v4, t->cap4 * sizeof(*t->v4));
	big_free(t->v6, t->cap6 * sizeof(*t->v6));
	memset(t, 0, sizeof(*t));
	if (bulk)
		a->host_ordered = a->host.n;
	else
		host_order(a);
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
