/*
 * bigmem.h: arrays that grow to megabytes (hash indexes, aggregate
 * records, the TIME_WAIT heap): from 256 KiB up they are mappings of
 * their own, grown by mremap(), and advised to be huge pages where these
 * are found cheap to get (bigmem.c), so that the engine's thread takes
 * one page fault per 2 MiB it first touches, not one per 4 KiB.  Smaller
 * arrays come from malloc().  The caller keeps each array's size in
 * bytes and passes it back.
 */
#ifndef SYNFIN_BIGMEM_H
#define SYNFIN_BIGMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Defined in AddressSanitizer builds, where memory is malloc()'s object
 * by object, so that overflows, use after free and leaks are caught.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SYNFIN_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYNFIN_ASAN	1
#endif
#endif

/*
 * Whether an array of size bytes is a mapping of its own, on a 2 MiB
 * boundary and advised to be huge pages (else it is malloc()'s).
 */
bool	big_maps(size_t size);

/*
 * Whether new mappings are advised to be huge pages: -1 not known yet
 * (they are not), 0 no, 1 yes.  The helper that makes memory ahead
 * (big_ahead_start()), or big_huge_probe() without it, decides from the
 * time its first chunk, made of huge pages, took to be faulted in; 0
 * where arrays are never mappings (see big_maps()).
 */
int	big_huge_pages(void);
/*
 * The rule of that decision: whether huge pages that took ns nanoseconds
 * to fault in, len bytes of them, are cheap (at most 2 ms for 2 MiB).
 */
bool	big_huge_cheap(int64_t ns, size_t len);

/* size zeroed bytes (size > 0), or NULL on allocation error. */
void	*big_calloc(size_t size);
/*
 * p (of old bytes, NULL with old 0) grown or shrunk to size > 0 bytes:
 * the first min(old, size) kept, the rest zeroed.  NULL on allocation
 * error, p then untouched.
 */
void	*big_realloc(void *p, size_t old, size_t size);
/* Free p of size bytes (NULL is ignored). */
void	big_free(void *p, size_t size);

/* The size of a big_chunk(): 2 MiB, one huge page. */
#define BIG_CHUNK	((size_t)2 << 20)

/*
 * A zeroed BIG_CHUNK of bytes on a 2 MiB boundary, freed with big_free(p,
 * BIG_CHUNK); NULL on allocation error.  While big_ahead_start() is in
 * force it comes, when one is ready, from those another thread mapped
 * and faulted in ahead, so that the caller's first touch of it takes no
 * page fault.
 */
void	*big_chunk(void);
/*
 * A big_calloc(size) is coming (a table about to grow): while
 * big_ahead_start() is in force, the thread makes it ahead, faulted in,
 * and that big_calloc() takes it.  Nothing for an array that is not a
 * mapping (!big_maps(size)), nor for one already asked for.
 */
void	big_ahead(size_t size);
/*
 * The array p of size bytes, filled in order, now has its bytes up to
 * used in use: while big_ahead_start() is in force, the thread faults in
 * the pages that follow, up to 4 MiB past the 2 MiB page of used.  Call
 * it when used enters a new 2 MiB page; nothing for an array that is not
 * a mapping.
 */
void	big_ahead_used(void *p, size_t size, size_t used);
/*
 * An element of len bytes is about to be written at offset off of the
 * array p of size bytes, filled in order: big_ahead_used() when it is
 * the first to start in its 2 MiB page.  Inline, as it runs per element.
 */
static inline void
big_ahead_at(void *p, size_t size, size_t off, size_t len)
{
	if ((off & (BIG_CHUNK - 1)) < len)
		big_ahead_used(p, size, off);
}
/*
 * Start the thread that makes memory ahead: the pools' chunks, the tables
 * big_ahead() announces and the pages big_ahead_used() says come next.
 * 0, or -1 if it could not start (then every array is mapped and faulted
 * in by its user, as without it).  A second start while one is in force
 * does nothing.
 */
int	big_ahead_start(void);
/*
 * Without that thread, decide big_huge_pages() as it would: one chunk
 * made of huge pages and timed, kept for big_chunk().  Nothing once it
 * is decided, or while the thread is in force.
 */
void	big_huge_probe(void);
/*
 * Stop that thread, if any, and free what it or big_huge_probe() made
 * that was not taken.
 */
void	big_ahead_stop(void);

/*
 * Warm the cache lines of [p, p + len) ahead of their use: for reading,
 * or for writing (big_warm_w()), which also takes each line from another
 * core's cache.  A hint: nothing is read, and any address will do.
 */
#define BIG_WARM(p, len, rw) do {					\
	uintptr_t big_a_ = (uintptr_t)(const void *)(p) & ~(uintptr_t)63; \
	uintptr_t big_e_ = (uintptr_t)(const void *)(p) + (len);	\
									\
	for (; big_a_ < big_e_; big_a_ += 64)				\
		__builtin_prefetch((const void *)big_a_, (rw));		\
} while (0)

static inline void
big_warm(const void *p, size_t len)
{
	BIG_WARM(p, len, 0);
}

static inline void
big_warm_w(const void *p, size_t len)
{
	BIG_WARM(p, len, 1);
}

#endif /* SYNFIN_BIGMEM_H */
