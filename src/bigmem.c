/*
 * bigmem.c: see bigmem.h.
 *
 * Key design: an array of at least BIG_MIN bytes is an anonymous mapping
 * rounded up to 2 MiB, on a 2 MiB boundary, advised MADV_HUGEPAGE once
 * huge pages are found cheap to get here (big_hp below; Linux gives huge
 * pages there with THP set to "madvise" or "always"; anywhere else the
 * hint changes nothing).  mremap() grows it without a copy and
 * the new pages come zeroed, so a growing index or record array never
 * copies and never clears by hand.  Below BIG_MIN, and wherever mremap()
 * is missing, malloc() serves: the size of the array alone says which,
 * so nothing is stored beside it.  Measured on the 100k benchmark
 * capture: 8,900 page faults, over half of them the TIME_WAIT
 * aggregate's growing arrays on the engine's thread
 * (doc/performance-history.md, eighth round).
 *
 * While big_ahead_start() is in force a thread of its own faults memory
 * in before the caller first touches it: clearing fresh huge pages was a
 * tenth to a quarter of the engine's time on machines that hand freed
 * memory back to their host (doc/performance-history.md, twelfth
 * round), and it was the engine that waited for them.  That thread
 * keeps the pools' next 2 MiB chunks ready, makes the tables that
 * big_ahead() says are coming, and faults in the next pages of arrays
 * filled in order (big_ahead_used()), two pages past their last used.
 * It only faults pages in (MADV_POPULATE_WRITE, or a zero written to
 * each page of a mapping nobody else has yet), never changes a byte
 * another thread may use, and a mapping is only moved or unmapped once
 * nothing of it is waiting to be faulted in or being faulted in: all
 * under one mutex, taken once a chunk, a table or a page.
 *
 * Under AddressSanitizer every array is malloc()'s, so that overflows and
 * leaks are still caught.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>

#include "bigmem.h"
#include "ring.h"

#if defined(SYNFIN_ASAN) || !defined(MREMAP_MAYMOVE) || \
    !defined(MAP_ANONYMOUS)
#define BIG_PLAIN	1
#endif

#define BIG_MIN		((size_t)256 << 10)	/* bytes */
#define BIG_HP_SLOW_NS	2000000LL	/* for 2 MiB: see big_hp */
#define BIG_ALIGN	((size_t)2 << 20)	/* a huge page */

#ifndef BIG_PLAIN
static size_t
map_len(size_t size)
{
	return (size + BIG_ALIGN - 1) & ~(BIG_ALIGN - 1);
}

/*
 * Whether new mappings are advised to be huge pages.  A huge page is
 * faster to use (one TLB entry, one page fault for 2 MiB), but where the
 * host takes back the memory a guest frees (free page reporting), it
 * must back each fresh 2 MiB page again: 4.5 to 27 ms a page on the
 * benchmark's machine, against 0.5 to 1 ms for the same 2 MiB in 4 KiB
 * pages, and 0.1 to 0.3 ms for a huge page freed moments before and
 * not yet handed back.  The 100k benchmark capture ran in 0.54-0.67 s
 * started 5 s after another run, 0.20-0.33 s right after one, and in
 * 0.22-0.43 s either way with 4 KiB pages (doc/performance-history.md,
 * twenty-fourth round).  So mappings start in 4 KiB pages, and the
 * helper (below) times the first chunk it makes as a huge page: huge
 * pages are taken from then on if that took at most BIG_HP_SLOW_NS, and
 * given up again as soon as one it makes takes longer.  Given up, new
 * mappings are advised against them, for a kernel that gives them
 * unasked (transparent huge pages "always").
 */
static atomic_int big_hp = -1;	/* big_huge_pages() */

static int64_t
mono_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A new mapping starting on a 2 MiB boundary, so that all of it can be
 * huge pages (advised so when huge): over-mapped by 2 MiB and trimmed
 * (newer kernels align such mappings themselves, older ones do not).
 * mremap() may move a grown array off the boundary: then only its
 * aligned 2 MiB ranges are huge.
 */
static void *
map_new(size_t size, bool huge)
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
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
	/* Found dear: not even where the kernel gives them unasked. */
	if (huge)
		(void)madvise(p, len, MADV_HUGEPAGE);
	else if (big_huge_pages() == 0)
		(void)madvise(p, len, MADV_NOHUGEPAGE);
#else
	(void)huge;
#endif
	return p;
}
#endif

/* ---- made ahead ---- */

#define BIG_STOCK	2	/* pool chunks kept ready */
#define BIG_MADE	4	/* tables big_ahead() asked for at once */
#define BIG_NFILL	8	/* ranges waiting to be faulted in */
#define BIG_FILL_AHEAD	(2 * BIG_CHUNK)	/* faulted in past the last used */
#define BIG_PAGE	4096	/* a step of touch() */
#define BIG_STACK	((size_t)256 << 10)	/* the thread's stack */

struct big_range {
	unsigned char	*p;
	size_t		len;
};

/*
 * The one helper of the process: memory is the process's, like
 * malloc()'s, and every pool and table takes from it.  All under mu.
 * made[] holds the tables asked for, p NULL until made; making is the
 * length of the one being made now (0: none); fill[] the ranges of
 * arrays to fault in, busy the step of one being faulted in now.
 */
static struct {
	pthread_mutex_t	mu;
	pthread_cond_t	work;		/* for the helper: work, or stop */
	pthread_cond_t	done;		/* from the helper: a step ended */
	pthread_t	tid;
	bool		on;
	bool		stop;
	unsigned	nchunk;
	void		*chunk[BIG_STOCK];
	unsigned	nmade;
	struct big_range made[BIG_MADE];
	size_t		making;
	unsigned	nfill;
	struct big_range fill[BIG_NFILL];
	struct big_range busy;
} ahead = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

#ifndef BIG_PLAIN
/*
 * Fault in len bytes at p writably, so that each (huge) page is there.
 * MADV_POPULATE_WRITE (Linux 5.14) changes no byte, so it may run on
 * memory another thread is using; the fallback writes a zero on each
 * page, so it is only for a mapping nobody else has yet (mine).
 */
static void
touch(unsigned char *p, size_t len, bool mine)
{
	size_t i;

#ifdef MADV_POPULATE_WRITE
	if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
		return;
#endif
	if (mine)
		for (i = 0; i < len; i += BIG_PAGE)
			((volatile unsigned char *)p)[i] = 0;
}

/* Whether [a, a + alen) and [b, b + blen) share a byte. */
static bool
overlaps(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * A new mapping of len bytes (a multiple of 2 MiB), faulted in, or NULL;
 * called and returning with mu held, which it lets go meanwhile.  The
 * first is made of huge pages, and each made of huge pages is timed to
 * decide whether the next ones are (big_hp).
 */
static unsigned char *
make(size_t len)
{
	bool huge = big_huge_pages() != 0;
	unsigned char *p;
	int64_t t;

	pthread_mutex_unlock(&ahead.mu);
	if ((p = map_new(len, huge)) != NULL) {
		t = mono_ns();
		touch(p, len, true);
		if (huge)
			atomic_store_explicit(&big_hp,
			    big_huge_cheap(mono_ns() - t, len) ? 1 : 0,
			    memory_order_relaxed);
	}
	pthread_mutex_lock(&ahead.mu);
	return p;
}

static void *
ahead_main(void *arg)
{
	unsigned char *p;
	size_t len;
	unsigned i;

	(void)arg;
	ring_helper_thread();
	pthread_mutex_lock(&ahead.mu);
	while (!ahead.stop) {
		/* First the pools' chunks, which are taken all the time. */
		if (ahead.nchunk < BIG_STOCK) {
			if ((p = make(BIG_CHUNK)) == NULL)
				break;	/* big_chunk() finds out itself */
			ahead.chunk[ahead.nchunk++] = p;
			continue;
		}
		for (i = 0; i < ahead.nmade && ahead.made[i].p != NULL; i++)
			;
		if (i < ahead.nmade) {
			len = ahead.made[i].len;
			ahead.making = len;
			p = make(len);
			ahead.making = 0;
			/* big_calloc() may have given up on it meanwhile. */
			for (i = 0; i < ahead.nmade; i++)
				if (ahead.made[i].p == NULL &&
				    ahead.made[i].len == len)
					break;
			if (i < ahead.nmade && p != NULL)
				ahead.made[i].p = p;
			else if (i < ahead.nmade)
				ahead.made[i] = ahead.made[--ahead.nmade];
			else if (p != NULL)
				(void)munmap(p, len);
			pthread_cond_broadcast(&ahead.done);
			continue;
		}
		if (ahead.nfill > 0) {
			/* One 2 MiB step, so that hold() waits little. */
			ahead.busy = ahead.fill[0];
			if (ahead.busy.len > BIG_CHUNK)
				ahead.busy.len = BIG_CHUNK;
			ahead.fill[0].p += ahead.busy.len;
			if ((ahead.fill[0].len -= ahead.busy.len) == 0)
				ahead.fill[0] = ahead.fill[--ahead.nfill];
			pthread_mutex_unlock(&ahead.mu);
			touch(ahead.busy.p, ahead.busy.len, false);
			pthread_mutex_lock(&ahead.mu);
			ahead.busy.p = NULL;
			ahead.busy.len = 0;
			pthread_cond_broadcast(&ahead.done);
			continue;
		}
		pthread_cond_wait(&ahead.work, &ahead.mu);
	}
	pthread_mutex_unlock(&ahead.mu);
	return NULL;
}

/*
 * A table of len bytes that big_ahead() asked for and the helper made, or
 * NULL (then it is no longer asked for).  If it is being made now, wait:
 * that is quicker than making it again.
 */
static unsigned char *
take_made(size_t len)
{
	unsigned char *p = NULL;
	unsigned i;

	pthread_mutex_lock(&ahead.mu);
	for (;;) {
		for (i = 0; i < ahead.nmade; i++)
			if (ahead.made[i].len == len)
				break;
		if (i == ahead.nmade)
			break;
		if (ahead.made[i].p == NULL && ahead.making == len) {
			pthread_cond_wait(&ahead.done, &ahead.mu);
			continue;
		}
		p = ahead.made[i].p;
		ahead.made[i] = ahead.made[--ahead.nmade];
		break;
	}
	pthread_mutex_unlock(&ahead.mu);
	return p;
}

/*
 * The mapping [p, p + len) is about to move or go: nothing of it may wait
 * to be faulted in, nor be faulted in now.
 */
static void
hold(unsigned char *p, size_t len)
{
	unsigned i;

	pthread_mutex_lock(&ahead.mu);
	for (i = 0; i < ahead.nfill;) {
		if (overlaps(ahead.fill[i].p, ahead.fill[i].len, p, len))
			ahead.fill[i] = ahead.fill[--ahead.nfill];
		else
			i++;
	}
	while (ahead.busy.p != NULL &&
	    overlaps(ahead.busy.p, ahead.busy.len, p, len))
		pthread_cond_wait(&ahead.done, &ahead.mu);
	pthread_mutex_unlock(&ahead.mu);
}

#endif /* !BIG_PLAIN */

/* ---- arrays ---- */

bool
big_huge_cheap(int64_t ns, size_t len)
{
	size_t pages = len / ((size_t)2 << 20);

	return ns / (int64_t)(pages > 0 ? pages : 1) <= BIG_HP_SLOW_NS;
}

int
big_huge_pages(void)
{
#ifndef BIG_PLAIN
	return atomic_load_explicit(&big_hp, memory_order_relaxed);
#else
	return 0;
#endif
}

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
	unsigned char *p;

	if (size >= BIG_MIN) {
		if ((p = take_made(map_len(size))) != NULL)
			return p;
		return map_new(size, big_huge_pages() == 1);
	}
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
		if (map_len(size) != map_len(old)) {
			hold(p, map_len(old));
			if ((q = mremap(p, map_len(old), map_len(size),
			    MREMAP_MAYMOVE)) == MAP_FAILED)
				return NULL;
#ifdef MADV_HUGEPAGE
			/* Mapped before huge pages were found cheap. */
			if (big_huge_pages() == 1)
				(void)madvise(q, map_len(size), MADV_HUGEPAGE);
#endif
		}
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
		hold(p, map_len(size));
		(void)munmap(p, map_len(size));
		return;
	}
#else
	(void)size;
#endif
	free(p);
}

void *
big_chunk(void)
{
	void *p = NULL;

	pthread_mutex_lock(&ahead.mu);
	if (ahead.nchunk > 0) {
		p = ahead.chunk[--ahead.nchunk];
		pthread_cond_signal(&ahead.work);
	}
	pthread_mutex_unlock(&ahead.mu);
	return p != NULL ? p : big_calloc(BIG_CHUNK);
}

void
big_ahead(size_t size)
{
#ifndef BIG_PLAIN
	size_t len = map_len(size);
	unsigned i;

	if (size < BIG_MIN)
		return;
	pthread_mutex_lock(&ahead.mu);
	for (i = 0; i < ahead.nmade && ahead.made[i].len != len; i++)
		;
	if (ahead.on && i == ahead.nmade && ahead.nmade < BIG_MADE) {
		ahead.made[ahead.nmade].p = NULL;
		ahead.made[ahead.nmade++].len = len;
		pthread_cond_signal(&ahead.work);
	}
	pthread_mutex_unlock(&ahead.mu);
#else
	(void)size;
#endif
}

void
big_ahead_used(void *p, size_t size, size_t used)
{
#ifndef BIG_PLAIN
	size_t from, to;

	if (size < BIG_MIN)
		return;
	from = (used & ~(BIG_CHUNK - 1)) + BIG_CHUNK;
	to = from + BIG_FILL_AHEAD;
	if (to > map_len(size))
		to = map_len(size);
	if (from >= to)
		return;
	pthread_mutex_lock(&ahead.mu);
	if (ahead.on && ahead.nfill < BIG_NFILL) {
		ahead.fill[ahead.nfill].p = (unsigned char *)p + from;
		ahead.fill[ahead.nfill++].len = to - from;
		pthread_cond_signal(&ahead.work);
	}
	pthread_mutex_unlock(&ahead.mu);
#else
	(void)p;
	(void)size;
	(void)used;
#endif
}

int
big_ahead_start(void)
{
#ifndef BIG_PLAIN
	pthread_attr_t at;
	int rc = 0;

	/*
	 * Its calls need little stack: 256 KiB of address space, not the
	 * default 8 MiB, where a ulimit -v counts it.
	 */
	if (pthread_attr_init(&at) != 0)
		return -1;
	(void)pthread_attr_setstacksize(&at, BIG_STACK);
	pthread_mutex_lock(&ahead.mu);
	if (!ahead.on) {
		ahead.stop = false;
		if (pthread_create(&ahead.tid, &at, ahead_main, NULL) == 0) {
			(void)pthread_setname_np(ahead.tid, "synfin-mem");
			ahead.on = true;
		} else
			rc = -1;
	}
	pthread_mutex_unlock(&ahead.mu);
	pthread_attr_destroy(&at);
	return rc;
#else
	return -1;
#endif
}

void
big_huge_probe(void)
{
#ifndef BIG_PLAIN
	unsigned char *p;

	pthread_mutex_lock(&ahead.mu);
	if (!ahead.on && ahead.nchunk < BIG_STOCK && big_huge_pages() == -1 &&
	    (p = make(BIG_CHUNK)) != NULL)
		ahead.chunk[ahead.nchunk++] = p;
	pthread_mutex_unlock(&ahead.mu);
#endif
}

void
big_ahead_stop(void)
{
	pthread_mutex_lock(&ahead.mu);
	if (ahead.on) {
		ahead.stop = true;
		pthread_cond_signal(&ahead.work);
		pthread_mutex_unlock(&ahead.mu);
		pthread_join(ahead.tid, NULL);
		pthread_mutex_lock(&ahead.mu);
	}
	ahead.on = false;
	ahead.nfill = 0;
	while (ahead.nchunk > 0)
		(void)munmap(ahead.chunk[--ahead.nchunk], BIG_CHUNK);
	while (ahead.nmade > 0) {
		ahead.nmade--;
		if (ahead.made[ahead.nmade].p != NULL)
			(void)munmap(ahead.made[ahead.nmade].p,
			    ahead.made[ahead.nmade].len);
	}
	pthread_mutex_unlock(&ahead.mu);
}
