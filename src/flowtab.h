/*
 * flowtab.h: the flow table, a hash on the canonical 5-tuple.
 *
 * Both directions of a connection map to one slot.  A slot holds the
 * tuple's current incarnation (a struct conn) and, after that connection
 * ended, a small tombstone (its id and incarnation number) so that a
 * later SYN on the same tuple is numbered and linked to it; a tombstone
 * may carry the compact TIME_WAIT record the engine keeps for it.  The table
 * doubles when it fills past 3/4, moving a few buckets per insertion so
 * that growth never stalls a capture (Redis' incremental rehash).
 */
#ifndef SYNFIN_FLOWTAB_H
#define SYNFIN_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct conn;
struct trk_tw;

/* The canonical key: the lower (address, port) pair first. */
struct flow_key {
	uint8_t		af;
	uint8_t		pad[3];
	uint16_t	port[2];
	uint8_t		addr[2][16];
};

/*
 * A lookup reads the first 64 bytes only (hash, links and key), so they
 * come first: flow_prefetch() warms that range and nothing else.
 */
struct flow_slot {
	uint32_t	hash;
	uint32_t	incarnations;	/* incarnations seen on this tuple */
	struct conn	*conn;		/* current incarnation or NULL */
	struct flow_slot *next;		/* bucket chain */
	struct flow_key	key;
	uint64_t	last_id;	/* id of the latest incarnation */
	int64_t		tomb_until;	/* tombstone expiry, ns (no conn) */
	/*
	 * With conn NULL: the compact record of a connection written while
	 * an endpoint was still in TIME_WAIT (track.c), or NULL.
	 */
	struct trk_tw	*tw;
	struct flow_slot *tomb_next;	/* tombstone FIFO */
};

_Static_assert(offsetof(struct flow_slot, last_id) == 64,
    "a lookup's fields fill the slot's first 64 bytes");

struct flowtab;

/*
 * Make the canonical key of a segment.  *dir is 0 when the segment goes
 * from key side 0 to side 1, else 1.
 */
void		flow_key_make(const struct dec_seg *seg, struct flow_key *key,
		    int *dir);
uint32_t	flow_key_hash(const struct flow_key *key);

struct flowtab	*flow_new(size_t initial);
void		flow_free(struct flowtab *ft);

/* Find the slot of a key, or NULL. */
struct flow_slot *flow_find(struct flowtab *ft, const struct flow_key *key,
		    uint32_t hash);
/*
 * Warm the caches for a lookup of hash that comes soon: stage 0 fetches
 * the bucket, 1 the first slot of its chain.  Call them a few segments
 * apart, in order; a hint only.
 */
void		flow_prefetch(const struct flowtab *ft, uint32_t hash,
		    int stage);
/*
 * The connection of the first slot of hash's chain if its hash matches,
 * else NULL: a guess for prefetching, never for use.
 */
struct conn	*flow_peek(const struct flowtab *ft, uint32_t hash);
/* Insert a new slot for a key not in the table; NULL on allocation error. */
struct flow_slot *flow_insert(struct flowtab *ft, const struct flow_key *key,
		    uint32_t hash);
/* Remove and free a slot (its conn must already be detached). */
void		flow_remove(struct flowtab *ft, struct flow_slot *slot);

/* Keep a slot without conn as a tombstone until t; expire old ones. */
void		flow_tomb(struct flowtab *ft, struct flow_slot *slot,
		    int64_t until);
void		flow_tomb_expire(struct flowtab *ft, int64_t now);
/*
 * The first time flow_tomb_expire() has work: INT64_MAX with no
 * tombstone, INT64_MIN when the first has a connection again (it goes at
 * once), else its expiry.
 */
int64_t		flow_tomb_due(const struct flowtab *ft);

/*
 * Empty the table and give its slots' memory back; the connections that
 * slots pointed to are the caller's to detach first.
 */
void		flow_clear(struct flowtab *ft);

size_t		flow_count(const struct flowtab *ft);
size_t		flow_buckets(const struct flowtab *ft);

#endif /* SYNFIN_FLOWTAB_H */
