/*
 * check_flowtab.c: both directions find one slot; the table grows
 * through incremental rehash without losing a key; tombstones expire.
 */
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "flowtab.h"

static void
mkseg(struct dec_seg *s, uint32_t a, uint32_t b, uint16_t sp, uint16_t dp)
{
	memset(s, 0, sizeof(*s));
	s->af = 4;
	memcpy(s->src, &a, 4);
	memcpy(s->dst, &b, 4);
	s->sport = sp;
	s->dport = dp;
}

START_TEST(test_both_directions)
{
	struct dec_seg s1, s2;
	struct flow_key k1, k2;
	int d1, d2;

	mkseg(&s1, 0x0100000a, 0x0200000a, 40000, 80);
	mkseg(&s2, 0x0200000a, 0x0100000a, 80, 40000);
	flow_key_make(&s1, &k1, &d1);
	flow_key_make(&s2, &k2, &d2);
	ck_assert(memcmp(&k1, &k2, sizeof(k1)) == 0);
	ck_assert_int_ne(d1, d2);
	ck_assert_uint_eq(flow_key_hash(&k1), flow_key_hash(&k2));
	/* Same address, ports differ: still canonical. */
	mkseg(&s1, 0x0100007f, 0x0100007f, 5000, 6000);
	mkseg(&s2, 0x0100007f, 0x0100007f, 6000, 5000);
	flow_key_make(&s1, &k1, &d1);
	flow_key_make(&s2, &k2, &d2);
	ck_assert(memcmp(&k1, &k2, sizeof(k1)) == 0);
	ck_assert_int_ne(d1, d2);
}
END_TEST

START_TEST(test_grow_and_find)
{
	struct flowtab *ft = flow_new(16);
	struct dec_seg s;
	struct flow_key k;
	struct flow_slot *sl;
	uint32_t i, h;
	int d;

	ck_assert_ptr_nonnull(ft);
	for (i = 0; i < 50000; i++) {
		mkseg(&s, i, 0x0200000a, (uint16_t)(i * 7), 443);
		flow_key_make(&s, &k, &d);
		h = flow_key_hash(&k);
		ck_assert_ptr_null(flow_find(ft, &k, h));
		sl = flow_insert(ft, &k, h);
		ck_assert_ptr_nonnull(sl);
		sl->last_id = i + 1;
	}
	ck_assert_uint_eq(flow_count(ft), 50000);
	ck_assert_uint_ge(flow_buckets(ft), 50000);
	for (i = 0; i < 50000; i++) {
		mkseg(&s, 0x0200000a, i, 443, (uint16_t)(i * 7));
		flow_key_make(&s, &k, &d);
		sl = flow_find(ft, &k, flow_key_hash(&k));
		ck_assert_ptr_nonnull(sl);
		ck_assert_uint_eq(sl->last_id, i + 1);
		if (i % 2 == 0)
			flow_remove(ft, sl);
	}
	ck_assert_uint_eq(flow_count(ft), 25000);
	flow_free(ft);
}
END_TEST

START_TEST(test_tombstones)
{
	struct flowtab *ft = flow_new(16);
	struct dec_seg s;
	struct flow_key k;
	struct flow_slot *sl;
	int d;

	mkseg(&s, 1, 2, 3, 4);
	flow_key_make(&s, &k, &d);
	sl = flow_insert(ft, &k, flow_key_hash(&k));
	flow_tomb(ft, sl, 100);
	flow_tomb_expire(ft, 99);
	ck_assert_ptr_nonnull(flow_find(ft, &k, flow_key_hash(&k)));
	flow_tomb_expire(ft, 100);
	ck_assert_ptr_null(flow_find(ft, &k, flow_key_hash(&k)));
	ck_assert_uint_eq(flow_count(ft), 0);
	flow_free(ft);
}
END_TEST

Suite *
make_suite_flowtab(void)
{
	Suite *s = suite_create("flowtab");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_both_directions);
	tcase_add_test(tc, test_grow_and_find);
	tcase_add_test(tc, test_tombstones);
	suite_add_tcase(s, tc);
	return s;
}
