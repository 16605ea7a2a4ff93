/*
 * pool.c: fixed-size object pools.
 *
 * Key design: objects are carved from 2 MiB chunks and a freed object
 * goes on a LIFO free list, reused before the chunk is cut further.
 * Compared with one malloc() per connection there is no per-object
 * header and no fragmentation from the variable-size allocations that
 * come and go in between.  Each chunk is a big_chunk() (bigmem.c), so a
 * huge page where the system gives one: one page fault and one TLB entry
 * per 2 MiB, taken ahead by bigmem's thread while one runs.  Chunks are
 * only given back by pool_trim() once every object is back, or
 * pool_free(), so the pool's size follows the peak number of objects
 * alive, not the number ever made.
 *
 * Under AddressSanitizer every object is its own calloc()/free(), so
 * that use after free and leaks are still caught per object.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "pool.h"

#ifdef SYNFIN_ASAN
#define POOL_PLAIN	1
#endif

/* The head of a chunk; the objects follow it. */
struct pool_chunk {
	struct pool_chunk *next;
};

/* A free object's first bytes. */
struct pool_free {
	struct pool_free *next;
};

struct pool {
	size_t		size;		/* object size, a multiple of align */
	struct pool_chunk *chunks;
	struct pool_free *free;		/* objects given back */
	unsigned char	*cut;		/* next object never used */
	unsigned char	*end;		/* end of the current chunk */
	size_t		taken;		/* objects out of the pool */
};

/* Room for the chunk head, keeping the first object aligned. */
#define POOL_HEAD	64

struct pool *
pool_new(size_t size, size_t align)
{
	struct pool *p;

	if (align < _Alignof(struct pool_free))
		align = _Alignof(struct pool_free);
	if (size < sizeof(struct pool_free))
		size = sizeof(struct pool_free);
	size = (size + align - 1) & ~(align - 1);
	/* A chunk is aligned as malloc() aligns (a mapping: a page). */
	if (align > _Alignof(max_align_t) || size > BIG_CHUNK - POOL_HEAD)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->size = size;
	return p;
}

void
pool_free(struct pool *p)
{
	struct pool_chunk *ch, *next;

	if (p == NULL)
		return;
	for (ch = p->chunks; ch != NULL; ch = next) {
		next = ch->next;
		big_free(ch, BIG_CHUNK);
	}
	free(p);
}

void
pool_trim(struct pool *p)
{
	struct pool_chunk *ch, *next;

	if (p == NULL || p->taken != 0)
		return;
	for (ch = p->chunks; ch != NULL; ch = next) {
		next = ch->next;
		big_free(ch, BIG_CHUNK);
	}
	p->chunks = NULL;
	p->free = NULL;
	p->cut = p->end = NULL;
}

bool
pool_drop(struct pool *p)
{
#ifdef POOL_PLAIN
	return p == NULL || p->taken == 0;
#else
	if (p == NULL)
		return true;
	p->taken = 0;
	pool_trim(p);
	return true;
#endif
}

#ifndef POOL_PLAIN
/* Start a new chunk; false on allocation error. */
static bool
pool_grow(struct pool *p)
{
	struct pool_chunk *ch;

	if ((ch = big_chunk()) == NULL)
		return false;
	ch->next = p->chunks;
	p->chunks = ch;
	p->cut = (unsigned char *)ch + POOL_HEAD;
	p->end = (unsigned char *)ch + BIG_CHUNK;
	return true;
}
#endif

#ifdef POOL_PLAIN

void *
pool_get(struct pool *p)
{
	void *obj = calloc(1, p->size);

	if (obj != NULL)
		p->taken++;
	return obj;
}

void
pool_put(struct pool *p, void *obj)
{
	if (obj == NULL)
		return;
	p->taken--;
	free(obj);
}

#else

void *
pool_get(struct pool *p)
{
	void *obj;

	if (p->free != NULL) {
		obj = p->free;
		p->free = p->free->next;
		/*
		 * The object the next call hands out, warmed for writing
		 * some time before its zeroing: a freed connection was last
		 * written on the formatting thread's core.
		 */
		if (p->free != NULL)
			big_warm_w(p->free, p->size);
	} else {
		if ((p->cut == NULL || (size_t)(p->end - p->cut) < p->size) &&
		    !pool_grow(p))
			return NULL;
		obj = p->cut;
		p->cut += p->size;
	}
	p->taken++;
	memset(obj, 0, p->size);
	return obj;
}

void
pool_put(struct pool *p, void *obj)
{
	struct pool_free *f = obj;

	if (obj == NULL)
		return;
	p->taken--;
	f->next = p->free;
	p->free = f;
}

#endif /* POOL_PLAIN */
