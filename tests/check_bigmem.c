/*
 * check_bigmem.c: an array grown from a few bytes to megabytes and back,
 * across the size where malloc() hands over to a mapping of its own and
 * across 2 MiB boundaries: what it held stays, every byte it gains is
 * zero (also after a shrink left bytes behind inside a kept page), and a
 * free of each kind is clean (the sanitizer builds check the malloc()
 * side for leaks and overflows).  A big array is a mapping of its own on
 * a 2 MiB boundary, advised to be huge pages where the kernel has them.
 * With the helper thread started, the memory it makes ahead (the pools'
 * chunks, announced tables, the pages after an array's last used) comes
 * zeroed and already resident, and arrays grown, shrunk and freed while
 * it works on them keep their bytes (the thread-sanitizer build checks
 * its locking).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sys/mman.h>

#include <unistd.h>

#include <check.h>

#include "bigmem.h"
#include "check_suites.h"

#define KIB	((size_t)1 << 10)
#define MIB	((size_t)1 << 20)

/* Byte i of the pattern. */
static unsigned char
pat(size_t i)
{
	return (unsigned char)(i * 131 + 7);
}

static void
fill(unsigned char *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		p[i] = pat(i);
}

/* Bytes [0, keep) hold the pattern and [keep, size) are zero. */
static void
check_content(const unsigned char *p, size_t keep, size_t size)
{
	size_t i;

	for (i = 0; i < keep; i++)
		if (p[i] != pat(i))
			ck_abort_msg("byte %zu lost (size %zu)", i, size);
	for (i = keep; i < size; i++)
		if (p[i] != 0)
			ck_abort_msg("byte %zu not zero (size %zu)", i, size);
}

START_TEST(test_calloc_zero)
{
	static const size_t sizes[] = { 1, 100, 256 * KIB - 1, 256 * KIB,
	    2 * MIB - 1, 2 * MIB, 3 * MIB + 5 };
	size_t i;
	unsigned char *p;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_ptr_nonnull(p = big_calloc(sizes[i]));
		check_content(p, 0, sizes[i]);
		fill(p, 0, sizes[i]);
		big_free(p, sizes[i]);
	}
	big_free(NULL, 5 * MIB);
}
END_TEST

START_TEST(test_grow_keeps_and_zeroes)
{
	size_t size = 0, next;
	unsigned char *p = NULL;

	/* Doubling from 64 bytes to 16 MiB, filled at each size. */
	for (next = 64; next <= 16 * MIB; next *= 2) {
		ck_assert_ptr_nonnull(p = big_realloc(p, size, next));
		check_content(p, size, next);
		fill(p, size, next);
		size = next;
	}
	check_content(p, size, size);
	big_free(p, size);
}
END_TEST

START_TEST(test_shrink_then_grow)
{
	/* Each step: from, to; the bytes given up must come back zero. */
	static const size_t steps[][2] = {
		{ 5 * MIB, 3 * MIB + 100 },	/* mapped, fewer huge pages */
		{ 3 * MIB + 100, 3 * MIB + 50 },	/* same length mapped */
		{ 3 * MIB + 50, 6 * MIB },	/* grown again */
		{ 6 * MIB, 300 * KIB },		/* still mapped, one page */
		{ 300 * KIB, 100 * KIB },	/* back to malloc() */
		{ 100 * KIB, 90 * KIB },	/* malloc() shrink */
		{ 90 * KIB, 2 * MIB + 1 },	/* to a mapping again */
	};
	size_t i, from, to;
	unsigned char *p;

	ck_assert_ptr_nonnull(p = big_calloc(steps[0][0]));
	fill(p, 0, steps[0][0]);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		from = steps[i][0];
		to = steps[i][1];
		ck_assert_ptr_nonnull(p = big_realloc(p, from, to));
		check_content(p, from < to ? from : to, to);
		if (to < from) {
			/* Grown back over what was given up: zero. */
			ck_assert_ptr_nonnull(p = big_realloc(p, to, from));
			check_content(p, to, from);
			ck_assert_ptr_nonnull(p = big_realloc(p, from, to));
		}
		fill(p, 0, to);
	}
	big_free(p, steps[i - 1][1]);
}
END_TEST

START_TEST(test_realloc_null)
{
	unsigned char *p;

	ck_assert_ptr_nonnull(p = big_realloc(NULL, 0, 4 * MIB));
	check_content(p, 0, 4 * MIB);
	big_free(p, 4 * MIB);
	ck_assert_ptr_nonnull(p = big_realloc(NULL, 0, 16));
	check_content(p, 0, 16);
	big_free(p, 16);
}
END_TEST

/*
 * The VmFlags of the mapping that holds p (from /proc/self/smaps) into
 * flags; false when there is no such file or mapping.
 */
static bool
vm_flags(const void *p, char *flags, size_t len)
{
	char line[512];
	unsigned long lo, hi, a = (unsigned long)(uintptr_t)p;
	bool in = false, found = false;
	FILE *f;

	if ((f = fopen("/proc/self/smaps", "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = lo <= a && a < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, len, "%s", line + 8);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/*
 * Whether the mapping that holds p is advised to be huge pages (VmFlags
 * "hg"); -1 when that cannot be told (no transparent huge pages, no
 * smaps).
 */
static int
advised_huge(const void *p)
{
	char flags[256];

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0 ||
	    !vm_flags(p, flags, sizeof(flags)))
		return -1;
	return strstr(flags, " hg") != NULL;
}

/*
 * Mappings are on a huge page's boundary, and advised to be huge pages
 * only once the helper has timed its first chunk, made of huge pages,
 * and found it quick enough (bigmem.c).
 */
START_TEST(test_maps_huge)
{
	unsigned char *p;
	int before, after, i;

	ck_assert(!big_maps(256 * KIB - 1));
#if defined(__linux__) && !defined(SYNFIN_ASAN)
	ck_assert(big_maps(256 * KIB));
#endif
	if (!big_maps(4 * MIB))
		return;
	ck_assert_int_eq(big_huge_pages(), -1);
	ck_assert_ptr_nonnull(p = big_calloc(4 * MIB));
	ck_assert_uint_eq((uintptr_t)p % (2 * MIB), 0);
	ck_assert_int_ne(advised_huge(p), 1);
	big_free(p, 4 * MIB);

	ck_assert_int_eq(big_ahead_start(), 0);
	for (i = 0; i < 10000 && big_huge_pages() < 0; i++)
		usleep(1000);
	ck_assert_int_ge(before = big_huge_pages(), 0);
	/* The helper's chunks, like every mapping, on a huge page's boundary. */
	ck_assert_ptr_nonnull(p = big_chunk());
	ck_assert_uint_eq((uintptr_t)p % (2 * MIB), 0);
	big_free(p, BIG_CHUNK);
	before = big_huge_pages();
	ck_assert_ptr_nonnull(p = big_calloc(4 * MIB));
	after = big_huge_pages();
	/* Unless the helper changed its mind meanwhile. */
	if (before == after && advised_huge(p) != -1)
		ck_assert_int_eq(advised_huge(p), before == 1);
	big_free(p, 4 * MIB);
	big_ahead_stop();
}
END_TEST

static bool	resident(const void *, size_t);

/*
 * Huge pages are cheap up to 2 ms for 2 MiB: a reused one (0.1-0.3 ms)
 * or 4 KiB pages (0.5-1 ms), not a fresh one on a guest whose host took
 * the memory back (4.5 ms and more).
 */
START_TEST(test_huge_cheap)
{
	ck_assert(big_huge_cheap(0, 2 * MIB));
	ck_assert(big_huge_cheap(300000, 2 * MIB));
	ck_assert(big_huge_cheap(2000000, 2 * MIB));
	ck_assert(!big_huge_cheap(2000001, 2 * MIB));
	ck_assert(!big_huge_cheap(4500000, 2 * MIB));
	/* Per 2 MiB: 4 ms for 4 MiB is as cheap as 2 ms for 2. */
	ck_assert(big_huge_cheap(4000000, 4 * MIB));
	ck_assert(!big_huge_cheap(4000004, 4 * MIB));
	ck_assert(big_huge_cheap(2000000, 1 * MIB));
	ck_assert(!big_huge_cheap(2000001, 1 * MIB));
}
END_TEST

/*
 * Without the helper, big_huge_probe() decides at once, keeps its chunk
 * for big_chunk(), and does nothing a second time.
 */
START_TEST(test_huge_probe)
{
	unsigned char *p;
	int d;

	if (!big_maps(4 * MIB))
		return;
	ck_assert_int_eq(big_huge_pages(), -1);
	big_huge_probe();
	ck_assert_int_ge(d = big_huge_pages(), 0);
	ck_assert_ptr_nonnull(p = big_chunk());
	ck_assert_uint_eq((uintptr_t)p % (2 * MIB), 0);
	/* Made of huge pages whatever it decided, to time them. */
	ck_assert_int_ne(advised_huge(p), 0);
	ck_assert(resident(p, BIG_CHUNK));
	big_free(p, BIG_CHUNK);
	big_huge_probe();
	ck_assert_int_eq(big_huge_pages(), d);
	big_ahead_stop();
}
END_TEST

/* Whether every 4 KiB page of [p, p + len) is resident (mincore(2)). */
static bool
resident(const void *p, size_t len)
{
	static unsigned char vec[(64 * MIB) / 4096];
	size_t i, n = (len + 4095) / 4096;

	ck_assert_uint_le(n, sizeof(vec));
	if (mincore((void *)(uintptr_t)p, len, vec) != 0)
		return false;
	for (i = 0; i < n; i++)
		if ((vec[i] & 1) == 0)
			return false;
	return true;
}

/*
 * Whether the kernel has MADV_POPULATE_WRITE (Linux 5.14), without which
 * the helper cannot fault in pages of an array in use.
 */
static bool
has_populate(void)
{
	bool ok = false;
#ifdef MADV_POPULATE_WRITE
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED) {
		ok = madvise(p, 4096, MADV_POPULATE_WRITE) == 0;
		munmap(p, 4096);
	}
#endif
	return ok;
}

START_TEST(test_ahead_chunks)
{
	unsigned char *p;
	int i, warm = 0;

	if (big_ahead_start() != 0) {
		/* No helper (the AddressSanitizer build): plain chunks. */
		ck_assert_ptr_nonnull(p = big_chunk());
		check_content(p, 0, BIG_CHUNK);
		big_free(p, BIG_CHUNK);
		big_ahead_stop();
		return;
	}
	ck_assert_int_eq(big_ahead_start(), 0);	/* a second start: nothing */
	for (i = 0; i < 200 && warm < 4; i++) {
		ck_assert_ptr_nonnull(p = big_chunk());
		ck_assert_uint_eq((uintptr_t)p % (2 * MIB), 0);
		if (resident(p, BIG_CHUNK))
			warm++;
		check_content(p, 0, BIG_CHUNK);
		fill(p, 0, BIG_CHUNK);
		big_free(p, BIG_CHUNK);
		usleep(10000);
	}
	ck_assert_int_ge(warm, 4);
	/* Stopped with chunks in stock: they are freed; twice is harmless. */
	big_ahead_stop();
	big_ahead_stop();
	ck_assert_ptr_nonnull(p = big_chunk());
	check_content(p, 0, BIG_CHUNK);
	big_free(p, BIG_CHUNK);
}
END_TEST

START_TEST(test_ahead_table)
{
	const size_t size = 8 * MIB + 12;
	unsigned char *p;
	int i;
	bool warm = false;

	if (big_ahead_start() != 0) {
		big_ahead(size);
		ck_assert_ptr_nonnull(p = big_calloc(size));
		check_content(p, 0, size);
		big_free(p, size);
		return;
	}
	for (i = 0; i < 50 && !warm; i++) {
		big_ahead(size);
		big_ahead(size);	/* asked for again while pending */
		usleep(20000 * (useconds_t)(i + 1));
		ck_assert_ptr_nonnull(p = big_calloc(size));
		warm = resident(p, size);
		check_content(p, 0, size);
		fill(p, 0, size);
		big_free(p, size);
	}
	ck_assert(warm);
	/* Asked for and never taken, then stopped: freed by the stop. */
	big_ahead(size);
	big_ahead(32 * MIB);
	big_ahead(100);		/* not a mapping: nothing */
	usleep(20000);
	big_ahead_stop();
}
END_TEST

START_TEST(test_ahead_used)
{
	size_t size = 4 * MIB, next, used;
	unsigned char *p;
	int i;
	bool warm = false;

	(void)big_ahead_start();
	ck_assert_ptr_nonnull(p = big_calloc(size));
	fill(p, 0, size);
	/*
	 * Grown, and said to be used into the growth, again and again while
	 * the helper faults the pages after the last used in.
	 */
	for (next = 8 * MIB; next <= 64 * MIB; next *= 2) {
		ck_assert_ptr_nonnull(p = big_realloc(p, size, next));
		check_content(p, 4096, 4096);
		for (i = 0; i < 4096; i++)
			ck_assert_uint_eq(p[size + (size_t)i], 0);
		fill(p, size, size + 4096);
		big_ahead_used(p, next, size);
		size = next;
	}
	/* The two pages after 32 MiB's, and nothing past the end. */
	big_ahead_used(p, size, 32 * MIB + 5);
	big_ahead_used(p, size, size - 1);
	for (i = 0; i < 200 && !warm && has_populate(); i++) {
		warm = resident(p + 34 * MIB, 4 * MIB);
		usleep(10000);
	}
#ifndef SYNFIN_ASAN
	ck_assert(warm || !has_populate());
#endif
	/* Only those: the page after them was never touched. */
	ck_assert(!resident(p + 38 * MIB, 2 * MIB));
	/* What each growth kept, and what the helper faulted in is zero. */
	check_content(p, 4 * MIB + 4096, 4 * MIB + 4096);
	for (i = 0; i < (int)(32 * MIB - 4096); i++)
		if (p[32 * MIB + 4096 + (size_t)i] != 0)
			ck_abort_msg("byte %d past 32 MiB not zero", i);
	/* Shrunk, grown and freed at once: none of it waits for the helper. */
	for (used = 0; used < size; used += 2 * MIB)
		big_ahead_used(p, size, used);
	ck_assert_ptr_nonnull(p = big_realloc(p, size, 6 * MIB));
	big_ahead_used(p, 6 * MIB, 0);
	ck_assert_ptr_nonnull(p = big_realloc(p, 6 * MIB, 40 * MIB));
	big_ahead_used(p, 40 * MIB, 0);
	big_free(p, 40 * MIB);
	big_ahead_used(NULL, 100, 0);	/* not a mapping: nothing */
	big_ahead_stop();
}
END_TEST

Suite *
make_suite_bigmem(void)
{
	Suite *s = suite_create("bigmem");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_calloc_zero);
	tcase_add_test(tc, test_grow_keeps_and_zeroes);
	tcase_add_test(tc, test_shrink_then_grow);
	tcase_add_test(tc, test_realloc_null);
	tcase_add_test(tc, test_maps_huge);
	tcase_add_test(tc, test_huge_probe);
	tcase_add_test(tc, test_huge_cheap);
	tcase_add_test(tc, test_ahead_chunks);
	tcase_add_test(tc, test_ahead_table);
	tcase_add_test(tc, test_ahead_used);
	suite_add_tcase(s, tc);
	return s;
}
