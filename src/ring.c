/*
 * ring.c: a bounded single-producer, single-consumer queue.
 *
 * Key design: the slots live in one array and two counters run over it,
 * head (slots pushed) and tail (slots consumed), both only growing and
 * read modulo the size; a mutex guards them and two condition variables
 * put a thread to sleep when the ring is full or empty.  Slot contents
 * are touched outside the lock: a slot in [tail, head) belongs to the
 * consumer, every other one to the producer, and the mutex orders the
 * hand-over.  A thread signals the other only when that one sleeps, and
 * a sleeping consumer only for a batch of slots, so that the lock and
 * the wake-ups stay cheap next to the work done per slot.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ring.h"

struct ring {
	pthread_mutex_t	mu;
	pthread_cond_t	more;		/* slots to consume, or closed */
	pthread_cond_t	room;		/* a slot was given back */
	size_t		nslots;
	size_t		size;
	size_t		wake;
	size_t		head;		/* slots pushed */
	size_t		tail;		/* slots consumed */
	bool		closed;
	bool		asleep;		/* the consumer waits on more */
	bool		blocked;	/* the producer waits on room */
	unsigned char	*slots;
};

struct ring *
ring_new(size_t nslots, size_t size, size_t wake)
{
	struct ring *r;

	if (nslots == 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->nslots = nslots;
	r->size = size;
	r->wake = wake == 0 ? 1 : wake > nslots ? nslots : wake;
	if ((r->slots = calloc(nslots, size)) == NULL)
		goto fail_slots;
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

void *
ring_slot(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	while (r->head - r->tail == r->nslots) {
		r->blocked = true;
		pthread_cond_wait(&r->room, &r->mu);
	}
	r->blocked = false;
	pthread_mutex_unlock(&r->mu);
	/* Only the producer moves head: reading it unlocked is safe. */
	return ring_slot_at(r, r->head);
}

void
ring_push(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->head++;
	if (r->asleep && r->head - r->tail >= r->wake)
		pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->mu);
}

void
ring_close(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->closed = true;
	pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->mu);
}

size_t
ring_wait(struct ring *r)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	/* A full ring is always a batch: the producer cannot add more. */
	while (r->head == r->tail && !r->closed) {
		r->asleep = true;
		pthread_cond_wait(&r->more, &r->mu);
	}
	r->asleep = false;
	n = r->head - r->tail;
	pthread_mutex_unlock(&r->mu);
	return n;
}

void *
ring_at(struct ring *r, size_t i)
{
	/* Only the consumer moves tail. */
	return ring_slot_at(r, r->tail + i);
}

void
ring_pop(struct ring *r, size_t n)
{
	pthread_mutex_lock(&r->mu);
	r->tail += n;
	if (r->blocked)
		pthread_cond_signal(&r->room);
	pthread_mutex_unlock(&r->mu);
}
