/*
 * bigmem.c: see bigmem.h.
 *
 * Key design: an array of at least BIG_MIN bytes is an anonymous mapping
 * rounded up to 2 MiB, on a 2 MiB boundary, advised MADV_HUGEPAGE (Linux
 * gives huge pages there with THP set to "madvise" or "always"; anywhere
 * else the hint changes nothing).  mremap() grows it without a copy and
 * the new pages come zeroed, so a growing index or record array never
 * copies and never clears by hand.  Below BIG_MIN, and wherever mremap()
 * is missing, malloc() serves: the size of the array alone says which,
 * so nothing is stored beside it.  Measured on the 100k benchmark
 * capture: 8,900 page faults, over half of them the TIME_WAIT
 * aggregate's growing arrays on the engine's thread (doc/performance.md,
 * eighth round).
 *
 * Under AddressSanitizer every array is malloc()'s, so that overflows and
 * leaks are still caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "bigmem.h"

#if defined(SYNFIN_ASAN) || !defined(MREMAP_MAYMOVE) || \
    !defined(MAP_ANONYMOUS)
#define BIG_PLAIN	1
#endif

#define BIG_MIN		((size_t)256 << 10)	/* bytes */
#define BIG_ALIGN	((size_t)2 << 20)	/* a huge page */

#ifndef BIG_PLAIN
static size_t
map_len(size_t size)
{
	return (size + BIG_ALIGN - 1) & ~(BIG_ALIGN - 1);
}

/*
 * A new mapping starting on a 2 MiB boundary, so that all of it can be
 * huge pages: over-mapped by 2 MiB and trimmed (newer kernels align such
 * mappings themselves, older ones do not).  mremap() may move a grown
 * array off the boundary: then only its aligned 2 MiB ranges are huge.
 */
static void *
map_new(size_t size)
{
	size_t len = map_len(size), head;
	unsigned char *p;

	p = mmap(NULL, len + BIG_ALIGN, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (BIG_ALIGN - ((uintptr_t)p & (BIG_ALIGN - 1))) &
	    (BIG_ALIGN - 1);
	if (head > 0)
		(void)munmap(p, head);
	(void)munmap(p + head + len, BIG_ALIGN - head);
	p += head;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}
#endif

bool
big_maps(size_t size)
{
#ifndef BIG_PLAIN
	return size >= BIG_MIN;
#else
	(void)size;
	return false;
#endif
}

void *
big_calloc(size_t size)
{
#ifndef BIG_PLAIN
	if (size >= BIG_MIN)
		return map_new(size);
#endif
	return calloc(1, size);
}

void *
big_realloc(void *p, size_t old, size_t size)
{
	unsigned char *q;

	if (p == NULL)
		return big_calloc(size);
#ifndef BIG_PLAIN
	if (old >= BIG_MIN && size >= BIG_MIN) {
		/*
		 * Both mapped.  A mapping is zero past the array's size (new
		 * pages come zeroed, and a shrink clears what it gives up
		 * inside the last page kept), so a growth touches no page.
		 */
		q = p;
		if (map_len(size) != map_len(old) &&
		    (q = mremap(p, map_len(old), map_len(size),
		    MREMAP_MAYMOVE)) == MAP_FAILED)
			return NULL;
		if (size < old)
			memset(q + size, 0, (old < map_len(size) ? old :
			    map_len(size)) - size);
		return q;
	}
	if (old >= BIG_MIN || size >= BIG_MIN) {
		/* From one kind to the other: a copy. */
		if ((q = big_calloc(size)) == NULL)
			return NULL;
		memcpy(q, p, old < size ? old : size);
		big_free(p, old);
		return q;
	}
#endif
	if ((q = realloc(p, size)) == NULL)
		return NULL;
	if (size > old)
		memset(q + old, 0, size - old);
	return q;
}

void
big_free(void *p, size_t size)
{
	if (p == NULL)
		return;
#ifndef BIG_PLAIN
	if (size >= BIG_MIN) {
		(void)munmap(p, map_len(size));
		return;
	}
#else
	(void)size;
#endif
	free(p);
}
