/*
 * bigmem.h: arrays that grow to megabytes (hash indexes, aggregate
 * records, the TIME_WAIT heap): from 256 KiB up they are mappings of
 * their own, advised to be huge pages and grown by mremap(), so that the
 * engine's thread takes one page fault per 2 MiB it first touches, not
 * one per 4 KiB.  Smaller arrays come from malloc().  The caller keeps
 * each array's size in bytes and passes it back.
 */
#ifndef SYNFIN_BIGMEM_H
#define SYNFIN_BIGMEM_H

#include <stdbool.h>
#include <stddef.h>

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

#endif /* SYNFIN_BIGMEM_H */
