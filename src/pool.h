/*
 * pool.h: fixed-size object pools for the structures there is one of per
 * connection (struct conn, struct flow_slot).
 */
#ifndef SYNFIN_POOL_H
#define SYNFIN_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct pool;

/*
 * A pool of objects of size bytes aligned to align (a power of two, as
 * _Alignof gives it); NULL on allocation error.
 */
struct pool	*pool_new(size_t size, size_t align);
/* Free the pool and every object still taken from it. */
void		pool_free(struct pool *p);
/* Give the chunks back to the system if no object is out. */
void		pool_trim(struct pool *p);
/*
 * Take every object back at once, as if each had been put, and give the
 * chunks to the system: true.  Where each object is an allocation of its
 * own (the AddressSanitizer build) that cannot be done: false while any
 * object is out, doing nothing, and the caller puts each.  Nothing is
 * read from the objects, so a table of many goes without a cache miss
 * per object.
 */
bool		pool_drop(struct pool *p);
/* A zeroed object, or NULL on allocation error. */
void		*pool_get(struct pool *p);
/* Give an object back (NULL is ignored). */
void		pool_put(struct pool *p, void *obj);

#endif /* SYNFIN_POOL_H */
