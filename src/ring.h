/*
 * ring.h: a bounded queue of fixed-size slots between one producer thread
 * and one consumer thread, in order.  The reading thread hands batches
 * of decoded segments to the engine through one (capture.c); the engine
 * hands finished connections to the formatting thread through another
 * (report.c).
 */
#ifndef SYNFIN_RING_H
#define SYNFIN_RING_H

#include <stddef.h>

struct ring;

/*
 * A ring of nslots slots of size bytes each, zeroed, the first on a
 * 64-byte boundary (each, when size is a multiple of 64).  A sleeping
 * consumer is woken once wake slots wait (or at ring_close()), and a
 * producer that found the ring full once wake slots are free again, so
 * that small slots do not cost a wake-up each.  NULL on allocation error.
 */
struct ring	*ring_new(size_t nslots, size_t size, size_t wake);
void		ring_free(struct ring *r);

/*
 * Producer: the next slot to fill, waiting while every slot is taken.
 * It keeps what it held when it was last consumed, so a producer can
 * find there what it gave away then.
 */
void		*ring_slot(struct ring *r);
/*
 * Producer: at most limit slots in flight from now on (1 to nslots; a new
 * ring has nslots), so that a large ring can be kept mostly unused.  Both
 * wake thresholds are held to it.
 */
void		ring_set_limit(struct ring *r, size_t limit);
/* Producer: how many slots it may fill now without waiting. */
size_t		ring_room(struct ring *r);
/* Producer: how many slots the consumer has given back in all. */
size_t		ring_consumed(struct ring *r);
/* Producer: hand the slot from ring_slot() over. */
void		ring_push(struct ring *r);
/* Producer: nothing more will come. */
void		ring_close(struct ring *r);

/*
 * Consumer: wait for slots; their number, 0 once the ring is closed and
 * everything in it consumed.  ring_at(r, i) is the i-th of them, oldest
 * first; ring_pop() gives the n oldest back to the producer.
 */
size_t		ring_wait(struct ring *r);
/* Consumer: how many slots wait now, without waiting for any. */
size_t		ring_ready(struct ring *r);
void		*ring_at(struct ring *r, size_t i);
void		ring_pop(struct ring *r, size_t n);

/*
 * The calling thread is a helper of a pipeline whose other thread is the
 * slower one (the engine): where the system has SCHED_BATCH, the helper
 * no longer preempts that thread when it is woken.
 */
void		ring_helper_thread(void);

/* Any thread, once both are done with the ring: slot i of all. */
void		*ring_slot_at(struct ring *r, size_t i);
size_t		ring_size(const struct ring *r);

#endif /* SYNFIN_RING_H */
