/*
 * ring.c: a bounded single-producer, single-consumer queue.
 *
 * Key design: the slots live in one array and two counters run over it,
 * head (slots pushed) and tail (slots consumed), both only growing and
 * read modulo the size.  Each side writes its own counter, an atomic on
 * a cache line of its own, and reads the other's: passing a slot takes
 * no lock.  Slot contents are touched outside any lock: a slot in [tail,
 * head) belongs to the consumer, every other one to the producer, and
 * the release store of a counter with the acquire load of it on the
 * other side orders the hand-over.  Only a side that must wait (the
 * consumer on an empty ring, the producer on a full one) takes the mutex
 * and sleeps on a condition variable, after saying so in a flag; the
 * other side looks at the flag after moving its counter and signals
 * under the mutex.  Both the flag and the counter use sequentially
 * consistent operations, so that of "I sleep, is there still nothing?"
 * and "I pushed, does it sleep?" at least one sees the other: no wake-up
 * is lost.  A sleeping consumer is signalled only for a batch of slots,
 * and a blocked producer only once as many slots are free, so that
 * wake-ups stay cheap next to the work done per slot.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

struct ring {
	pthread_mutex_t	mu;
	pthread_cond_t	more;		/* slots to consume, or closed */
	pthread_cond_t	room;		/* a slot was given back */
	size_t		nslots;
	size_t		size;
	size_t		wake;
	atomic_size_t	limit;		/* slots in flight at most */
	unsigned char	*slots;
	atomic_bool	closed;
	/* The producer's line. */
	_Alignas(64) atomic_size_t head;	/* slots pushed */
	atomic_bool	blocked;	/* the producer waits on room */
	size_t		tail_seen;	/* the producer's last look at tail */
	/* The consumer's line. */
	_Alignas(64) atomic_size_t tail;	/* slots consumed */
	atomic_bool	asleep;		/* the consumer waits on more */
	char		pad[64 - sizeof(atomic_size_t) - sizeof(atomic_bool)];
};

struct ring *
ring_new(size_t nslots, size_t size, size_t wake)
{
	struct ring *r;

	if (nslots == 0 || (r = aligned_alloc(_Alignof(struct ring),
	    sizeof(*r))) == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	atomic_init(&r->closed, false);
	atomic_init(&r->head, 0);
	atomic_init(&r->blocked, false);
	atomic_init(&r->tail, 0);
	atomic_init(&r->asleep, false);
	r->nslots = nslots;
	r->size = size;
	r->wake = wake == 0 ? 1 : wake > nslots ? nslots : wake;
	atomic_init(&r->limit, nslots);
	/*
	 * On a cache line's boundary, so that a slot whose type asks for
	 * that alignment (capture.c's batches) has it.
	 */
	if (size > (SIZE_MAX - 63) / nslots || (r->slots = aligned_alloc(64,
	    (nslots * size + 63) & ~(size_t)63)) == NULL)
		goto fail_slots;
	memset(r->slots, 0, nslots * size);
	if (pthread_mutex_init(&r->mu, NULL) != 0)
		goto fail_mu;
	if (pthread_cond_init(&r->more, NULL) != 0)
		goto fail_more;
	if (pthread_cond_init(&r->room, NULL) != 0)
		goto fail_room;
	return r;
fail_room:
	pthread_cond_destroy(&r->more);
fail_more:
	pthread_mutex_destroy(&r->mu);
fail_mu:
	free(r->slots);
fail_slots:
	free(r);
	return NULL;
}

void
ring_free(struct ring *r)
{
	if (r == NULL)
		return;
	pthread_cond_destroy(&r->room);
	pthread_cond_destroy(&r->more);
	pthread_mutex_destroy(&r->mu);
	free(r->slots);
	free(r);
}

void *
ring_slot_at(struct ring *r, size_t i)
{
	return r->slots + (i % r->nslots) * r->size;
}

size_t
ring_size(const struct ring *r)
{
	return r->nslots;
}

void
ring_set_limit(struct ring *r, size_t limit)
{
	if (limit == 0)
		limit = 1;
	atomic_store_explicit(&r->limit, limit > r->nslots ? r->nslots :
	    limit, memory_order_relaxed);
}

size_t
ring_consumed(struct ring *r)
{
	return atomic_load_explicit(&r->tail, memory_order_acquire);
}

/* Free slots that wake a blocked producer: wake, or all under a limit. */
static size_t
room_wake(const struct ring *r, size_t lim)
{
	return r->wake < lim ? r->wake : lim;
}

void *
ring_slot(struct ring *r)
{
	size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t lim = atomic_load_explicit(&r->limit, memory_order_relaxed);

	if (h - r->tail_seen >= lim) {
		r->tail_seen = atomic_load_explicit(&r->tail,
		    memory_order_acquire);
		if (h - r->tail_seen >= lim) {
			pthread_mutex_lock(&r->mu);
			atomic_store(&r->blocked, true);
			/* Woken for wake free slots, as the consumer is. */
			while (h - atomic_load(&r->tail) >
			    lim - room_wake(r, lim))
				pthread_cond_wait(&r->room, &r->mu);
			atomic_store(&r->blocked, false);
			pthread_mutex_unlock(&r->mu);
			r->tail_seen = atomic_load_explicit(&r->tail,
			    memory_order_acquire);
		}
	}
	return ring_slot_at(r, h);
}

void
ring_push(struct ring *r)
{
	size_t h = atomic_load_explicit(&r->head, memory_order_relaxed) + 1;
	size_t lim = atomic_load_explicit(&r->limit, memory_order_relaxed);

	/* A batch is wake slots, or all that the limit lets in. */
	atomic_store(&r->head, h);
	if (atomic_load(&r->asleep) &&
	    h - atomic_load_explicit(&r->tail, memory_order_relaxed) >=
	    room_wake(r, lim)) {
		pthread_mutex_lock(&r->mu);
		pthread_cond_signal(&r->more);
		pthread_mutex_unlock(&r->mu);
	}
}

void
ring_close(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	atomic_store(&r->closed, true);
	pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->mu);
}

size_t
ring_wait(struct ring *r)
{
	size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t h = atomic_load_explicit(&r->head, memory_order_acquire);

	if (h != t)
		return h - t;
	pthread_mutex_lock(&r->mu);
	atomic_store(&r->asleep, true);
	/* A full ring is always a batch: the producer cannot add more. */
	while ((h = atomic_load(&r->head)) == t && !atomic_load(&r->closed))
		pthread_cond_wait(&r->more, &r->mu);
	atomic_store(&r->asleep, false);
	pthread_mutex_unlock(&r->mu);
	/* Closed: what was pushed before the close is all there. */
	return atomic_load_explicit(&r->head, memory_order_acquire) - t;
}

size_t
ring_room(struct ring *r)
{
	size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t lim = atomic_load_explicit(&r->limit, memory_order_relaxed);

	return h - t >= lim ? 0 : lim - (h - t);
}

size_t
ring_ready(struct ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	    atomic_load_explicit(&r->tail, memory_order_relaxed);
}

void *
ring_at(struct ring *r, size_t i)
{
	/* Only the consumer moves tail. */
	return ring_slot_at(r, atomic_load_explicit(&r->tail,
	    memory_order_relaxed) + i);
}

void
ring_pop(struct ring *r, size_t n)
{
	size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed) + n;
	size_t lim = atomic_load_explicit(&r->limit, memory_order_relaxed);

	atomic_store(&r->tail, t);
	if (atomic_load(&r->blocked) &&
	    atomic_load_explicit(&r->head, memory_order_relaxed) - t <=
	    lim - room_wake(r, lim)) {
		pthread_mutex_lock(&r->mu);
		pthread_cond_signal(&r->room);
		pthread_mutex_unlock(&r->mu);
	}
}

void
ring_helper_thread(void)
{
#ifdef SCHED_BATCH
	struct sched_param sp = { .sched_priority = 0 };

	(void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
#endif
}
