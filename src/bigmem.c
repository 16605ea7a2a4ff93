/*
 * bigmem.c: see bigmem.h.
 *
 * Key design: an array of at least BIG_MIN bytes is an anonymous mapping
 * rounded up to 2 MiB, advised MADV_HUGEPAGE (Linux gives huge pages
 * there with THP set to "madvise" or "always"; anywhere else the hint
 * changes nothing).  mremap() grows it without a copy and the new pages
 * come zeroed, so a growing index or record array never copies and never
 * clears by hand.  Below BIG_MIN, and wherever mremap() is missing,
 * malloc() serves: the size of the array alone says which, so nothing is
 * stored beside it.  Measured on the 100k benchmark capture: 8,900 page
 * faults, over half of them the TIME_WAIT aggregate's growing arrays on
 * the engine's thread (doc/performance.md, eighth round).
 *
 * Under AddressSanitizer every array is malloc()'s, so that overflows and
 * leaks are still caught.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "bigmem.h"

#if defined(__SANITIZE_ADDRESS__)
#define BIG_PLAIN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIG_PLAIN	1
#endif
#endif
#if !defined(MREMAP_MAYMOVE) || !defined(MAP_ANONYMOUS)
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

static void *
map_new(size_t size)
{
	void *p;

	p = mmap(NULL, map_len(size), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, map_len(size), MADV_HUGEPAGE);
#endif
	return p;
}
#endif

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
