/*
 * check_bigmem.c: an array grown from a few bytes to megabytes and back,
 * across the size where malloc() hands over to a mapping of its own and
 * across 2 MiB boundaries: what it held stays, every byte it gains is
 * zero (also after a shrink left bytes behind inside a kept page), and a
 * free of each kind is clean (the sanitizer builds check the malloc()
 * side for leaks and overflows).  A big array is a mapping of its own on
 * a 2 MiB boundary, advised to be huge pages where the kernel has them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

START_TEST(test_maps_huge)
{
	char flags[256];
	unsigned char *p;

	ck_assert(!big_maps(256 * KIB - 1));
#if defined(__linux__) && !defined(SYNFIN_ASAN)
	ck_assert(big_maps(256 * KIB));
#endif
	if (!big_maps(4 * MIB))
		return;
	ck_assert_ptr_nonnull(p = big_calloc(4 * MIB));
	/* On a huge page's boundary, so that all of it can be huge pages. */
	ck_assert_uint_eq((uintptr_t)p % (2 * MIB), 0);
	/* Advised, where the kernel has transparent huge pages at all. */
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) ==
	    0 && vm_flags(p, flags, sizeof(flags)))
		ck_assert_msg(strstr(flags, " hg") != NULL,
		    "VmFlags:%s", flags);
	big_free(p, 4 * MIB);
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
	suite_add_tcase(s, tc);
	return s;
}
