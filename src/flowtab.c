/*
 * flowtab.c: chained hash table of 5-tuples with incremental rehash.
 *
 * Key design: two bucket arrays during a resize, as Redis' dict does.
 * Every insertion moves a few buckets from the old array to the new one,
 * and lookups search both, so no single packet pays for a full rehash of
 * millions of flows.  Slots without a connection stay a while as
 * tombstones, in a FIFO ordered by expiry time, so that incarnation
 * numbers and predecessor links survive a short gap between connections.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "flowtab.h"
#include "pool.h"

#define REHASH_STEP	4	/* old buckets moved per insertion */

struct flowtab {
	struct flow_slot **tab[2];
	size_t		size[2];	/* power of two, 0 = unused */
	size_t		used;
	size_t		rehash_idx;	/* next old bucket to move */
	struct flow_slot *tomb_head;
	struct flow_slot *tomb_tail;
	struct pool	*slots;		/* where every slot comes from */
};

/* ---- key and hash ---- */

/*
 * The lower address (then port) first.  An IPv4 address is zero past its
 * 4 bytes, so comparing all 16 as two numbers orders both families as
 * memcmp() would, without a call per packet.
 */
void
flow_key_make(const struct dec_seg *seg, struct flow_key *key, int *dir)
{
	uint64_t s0 = dec_addr_half(seg->src, 0);
	uint64_t d0 = dec_addr_half(seg->dst, 0);
	uint64_t s1 = dec_addr_half(seg->src, 1);
	uint64_t d1 = dec_addr_half(seg->dst, 1);
	int c;

	if (s0 != d0)
		c = s0 < d0 ? -1 : 1;
	else if (s1 != d1)
		c = s1 < d1 ? -1 : 1;
	else
		c = (int)seg->sport - (int)seg->dport;
	key->af = seg->af;
	memset(key->pad, 0, sizeof(key->pad));
	if (c <= 0) {
		memcpy(key->addr[0], seg->src, 16);
		memcpy(key->addr[1], seg->dst, 16);
		key->port[0] = seg->sport;
		key->port[1] = seg->dport;
		*dir = 0;
	} else {
		memcpy(key->addr[0], seg->dst, 16);
		memcpy(key->addr[1], seg->src, 16);
		key->port[0] = seg->dport;
		key->port[1] = seg->sport;
		*dir = 1;
	}
}

static inline uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint32_t
flow_key_hash(const struct flow_key *key)
{
	uint64_t w[5], h = 0x9e3779b97f4a7c15ULL;
	uint32_t a, b;
	size_t i;

	if (key->af == 4) {
		/* Two addresses and two ports: one 64-bit mix is enough. */
		memcpy(&a, key->addr[0], 4);
		memcpy(&b, key->addr[1], 4);
		h = mix64(((uint64_t)a << 32 | b) ^
		    ((uint64_t)key->port[0] << 16 | key->port[1]) *
		    0x9e3779b97f4a7c15ULL);
		return (uint32_t)(h ^ (h >> 32));
	}
	memcpy(w, key, sizeof(w));
	for (i = 0; i < 5; i++)
		h = mix64(h ^ w[i]) + i;
	return (uint32_t)(h ^ (h >> 32));
}

_Static_assert(sizeof(struct flow_key) == 5 * sizeof(uint64_t),
    "key_eq() compares the key as five 64-bit words");

/* The key as five words, no call and no early exit (the pad is zero). */
static inline bool
key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[5], y[5];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
	    (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

/* ---- table ---- */

struct flowtab *
flow_new(size_t initial)
{
	struct flowtab *ft;
	size_t n = 1024;

	while (n < initial && n < ((size_t)1 << 40))
		n <<= 1;
	if ((ft = calloc(1, sizeof(*ft))) == NULL)
		return NULL;
	if ((ft->tab[0] = big_calloc(n * sizeof(*ft->tab[0]))) == NULL ||
	    (ft->slots = pool_new(sizeof(struct flow_slot),
	    _Alignof(struct flow_slot))) == NULL) {
		big_free(ft->tab[0], n * sizeof(*ft->tab[0]));
		free(ft);
		return NULL;
	}
	ft->size[0] = n;
	return ft;
}

void
flow_clear(struct flowtab *ft)
{
	struct flow_slot *s, *next;
	size_t i;
	int t;

	if (pool_drop(ft->slots)) {
		for (t = 0; t < 2; t++)
			if (ft->size[t] != 0)
				memset(ft->tab[t], 0,
				    ft->size[t] * sizeof(*ft->tab[t]));
		ft->tomb_head = ft->tomb_tail = NULL;
		ft->used = 0;
		return;
	}
	/* Slots removed while queued as tombstones are only on the FIFO. */
	for (s = ft->tomb_head; s != NULL; s = next) {
		next = s->tomb_next;
		if (s->tomb_until == -1)
			pool_put(ft->slots, s);
	}
	ft->tomb_head = ft->tomb_tail = NULL;
	for (t = 0; t < 2; t++) {
		for (i = 0; i < ft->size[t]; i++) {
			for (s = ft->tab[t][i]; s != NULL; s = next) {
				next = s->next;
				pool_put(ft->slots, s);
			}
			ft->tab[t][i] = NULL;
		}
	}
	ft->used = 0;
	pool_trim(ft->slots);
}

void
flow_free(struct flowtab *ft)
{
	if (ft == NULL)
		return;
	flow_clear(ft);
	big_free(ft->tab[0], ft->size[0] * sizeof(*ft->tab[0]));
	big_free(ft->tab[1], ft->size[1] * sizeof(*ft->tab[1]));
	pool_free(ft->slots);
	free(ft);
}

static void
rehash_step(struct flowtab *ft, size_t n)
{
	struct flow_slot *s, *next;
	size_t b;

	while (n-- > 0 && ft->size[1] != 0) {
		if (ft->rehash_idx >= ft->size[0]) {
			big_free(ft->tab[0], ft->size[0] * sizeof(*ft->tab[0]));
			ft->tab[0] = ft->tab[1];
			ft->size[0] = ft->size[1];
			ft->tab[1] = NULL;
			ft->size[1] = 0;
			ft->rehash_idx = 0;
			return;
		}
		for (s = ft->tab[0][ft->rehash_idx]; s != NULL; s = next) {
			next = s->next;
			b = s->hash & (ft->size[1] - 1);
			s->next = ft->tab[1][b];
			ft->tab[1][b] = s;
		}
		ft->tab[0][ft->rehash_idx++] = NULL;
	}
}

struct flow_slot *
flow_find(struct flowtab *ft, const struct flow_key *key, uint32_t hash)
{
	struct flow_slot *s;
	size_t b;

	b = hash & (ft->size[0] - 1);
	if (ft->size[1] == 0 || b >= ft->rehash_idx) {
		for (s = ft->tab[0][b]; s != NULL; s = s->next)
			if (s->hash == hash && key_eq(&s->key, key))
				return s;
	}
	if (ft->size[1] != 0) {
		b = hash & (ft->size[1] - 1);
		for (s = ft->tab[1][b]; s != NULL; s = s->next)
			if (s->hash == hash && key_eq(&s->key, key))
				return s;
	}
	return NULL;
}

void
flow_prefetch(const struct flowtab *ft, uint32_t hash, int stage)
{
	struct flow_slot *const *bp;
	const struct flow_slot *s;
	int t = ft->size[1] != 0 ? 1 : 0;

	bp = &ft->tab[t][hash & (ft->size[t] - 1)];
	if (stage == 0)
		__builtin_prefetch(bp);
	else if ((s = *bp) != NULL) {
		/* Its first 64 bytes, on one cache line or across two. */
		__builtin_prefetch(s);
		__builtin_prefetch((const char *)s + 63);
	}
}

struct conn *
flow_peek(const struct flowtab *ft, uint32_t hash)
{
	const struct flow_slot *s;
	int t = ft->size[1] != 0 ? 1 : 0;

	s = ft->tab[t][hash & (ft->size[t] - 1)];
	return s != NULL && s->hash == hash ? s->conn : NULL;
}

struct flow_slot *
flow_insert(struct flowtab *ft, const struct flow_key *key, uint32_t hash)
{
	struct flow_slot *s;
	size_t b, next = ft->size[0] * 2 * sizeof(*ft->tab[1]);
	int t;

	/* The next table is made ahead (bigmem.h), a 32nd before. */
	if (ft->size[1] == 0 &&
	    ft->used == ft->size[0] - ft->size[0] / 4 - ft->size[0] / 32)
		big_ahead(next);
	if (ft->size[1] == 0 && ft->used >= ft->size[0] - ft->size[0] / 4) {
		ft->tab[1] = big_calloc(next);
		if (ft->tab[1] != NULL) {
			ft->size[1] = ft->size[0] * 2;
			ft->rehash_idx = 0;
		}
	}
	rehash_step(ft, REHASH_STEP);
	if ((s = pool_get(ft->slots)) == NULL)
		return NULL;
	s->key = *key;
	s->hash = hash;
	t = ft->size[1] != 0 ? 1 : 0;
	b = hash & (ft->size[t] - 1);
	s->next = ft->tab[t][b];
	ft->tab[t][b] = s;
	ft->used++;
	return s;
}

static bool
unlink_from(struct flow_slot **head, struct flow_slot *slot)
{
	struct flow_slot **pp;

	for (pp = head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == slot) {
			*pp = slot->next;
			return true;
		}
	}
	return false;
}

void
flow_remove(struct flowtab *ft, struct flow_slot *slot)
{
	size_t b;
	bool done = false;

	b = slot->hash & (ft->size[0] - 1);
	if (ft->size[1] == 0 || b >= ft->rehash_idx)
		done = unlink_from(&ft->tab[0][b], slot);
	if (!done && ft->size[1] != 0) {
		b = slot->hash & (ft->size[1] - 1);
		done = unlink_from(&ft->tab[1][b], slot);
	}
	if (done)
		ft->used--;
	/* A slot still queued as a tombstone is freed when it is popped. */
	if (slot->tomb_until != 0)
		slot->tomb_until = -1;
	else
		pool_put(ft->slots, slot);
}

/* ---- tombstones ---- */

void
flow_tomb(struct flowtab *ft, struct flow_slot *slot, int64_t until)
{
	bool queued = slot->tomb_until != 0;

	slot->tomb_until = until;
	if (queued)
		return;
	slot->tomb_next = NULL;
	if (ft->tomb_tail != NULL)
		ft->tomb_tail->tomb_next = slot;
	else
		ft->tomb_head = slot;
	ft->tomb_tail = slot;
}

/*
 * The bucket flow_remove() looks in first for slot s.  A slot inserted
 * while the table is rehashed can be in the new table instead: then the
 * warming below fetches the wrong bucket, and nothing else changes.
 */
static struct flow_slot **
bucket_of(const struct flowtab *ft, const struct flow_slot *s)
{
	size_t b = s->hash & (ft->size[0] - 1);

	if (ft->size[1] == 0 || b >= ft->rehash_idx)
		return &ft->tab[0][b];
	return &ft->tab[1][s->hash & (ft->size[1] - 1)];
}

/*
 * The FIFO's slots were last touched a minute ago, and each pop reads the
 * next one's link and unlinks the slot from its bucket: cache misses, one
 * after another (7 % of the engine's samples at the 1.6M benchmark
 * capture).  Each pop therefore warms two pops ahead: with h the new head
 * and n the one after it (both warmed before), the slot after n, n's
 * bucket, and the first slot of h's bucket, which the unlinking of h
 * walks.  (Written out in the loop: GCC takes a static function that
 * only reads and prefetches for a pure one, and drops its calls.)
 */
void
flow_tomb_expire(struct flowtab *ft, int64_t now)
{
	struct flow_slot *s, *h, *n, *f;

	while ((s = ft->tomb_head) != NULL) {
		if (s->tomb_until > now && s->conn == NULL)
			return;
		ft->tomb_head = h = s->tomb_next;
		if (h == NULL) {
			ft->tomb_tail = NULL;
		} else {
			if ((n = h->tomb_next) != NULL) {
				if (n->tomb_next != NULL) {
					__builtin_prefetch(n->tomb_next);
					__builtin_prefetch(
					    &n->tomb_next->tomb_next);
				}
				__builtin_prefetch(bucket_of(ft, n));
			}
			if ((f = *bucket_of(ft, h)) != NULL && f != h)
				__builtin_prefetch(f);
		}
		if (s->tomb_until == -1) {
			/* Removed while queued: free it now. */
			pool_put(ft->slots, s);
			continue;
		}
		s->tomb_until = 0;
		/* The engine frees a TIME_WAIT record before its tombstone. */
		if (s->conn == NULL && s->tw == NULL)
			flow_remove(ft, s);
	}
}

int64_t
flow_tomb_due(const struct flowtab *ft)
{
	const struct flow_slot *s = ft->tomb_head;

	if (s == NULL)
		return INT64_MAX;
	return s->conn != NULL ? INT64_MIN : s->tomb_until;
}

size_t
flow_count(const struct flowtab *ft)
{
	return ft->used;
}

size_t
flow_buckets(const struct flowtab *ft)
{
	return ft->size[0] + ft->size[1];
}
