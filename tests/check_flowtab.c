/*
 * check_flowtab.c: both directions find one slot, the lower address
 * first as memcmp() orders them; the table grows through incremental
 * rehash without losing a key; tombstones expire; a cleared table is
 * empty and usable; the object pools.
 */
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "flowtab.h"
#include "pool.h"

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

/* 16 bytes of a simple generator, with runs of equal bytes. */
static void
fill(uint8_t *a, uint32_t *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*x = *x * 1103515245u + 12345u;
		a[i] = (*x >> 16) % 3 == 0 ? 0 : (uint8_t)(*x >> 24);
	}
}

START_TEST(test_key_order)
{
	struct dec_seg s;
	struct flow_key k;
	uint32_t x = 1;
	int d, i, c, want;

	for (i = 0; i < 20000; i++) {
		memset(&s, 0, sizeof(s));
		s.af = i % 2 ? 6 : 4;
		fill(s.src, &x, s.af == 6 ? 16 : 4);
		if (i % 7 == 0)
			memcpy(s.dst, s.src, 16);	/* ports decide */
		else
			fill(s.dst, &x, s.af == 6 ? 16 : 4);
		s.sport = (uint16_t)(x >> 3);
		s.dport = (uint16_t)(x >> 11);
		flow_key_make(&s, &k, &d);
		c = memcmp(s.src, s.dst, 16);
		want = c < 0 || (c == 0 && s.sport <= s.dport) ? 0 : 1;
		ck_assert_int_eq(d, want);
		ck_assert_int_eq(k.af, s.af);
		ck_assert(memcmp(k.addr[0], d ? s.dst : s.src, 16) == 0);
		ck_assert(memcmp(k.addr[1], d ? s.src : s.dst, 16) == 0);
		ck_assert_uint_eq(k.port[0], d ? s.dport : s.sport);
		ck_assert_uint_eq(k.port[1], d ? s.sport : s.dport);
		ck_assert(k.pad[0] == 0 && k.pad[1] == 0 && k.pad[2] == 0);
	}
}
END_TEST

/* Cleared in the middle of a rehash, with tombstones: empty, usable. */
START_TEST(test_clear)
{
	struct flowtab *ft = flow_new(16);
	struct dec_seg s;
	struct flow_key k;
	struct flow_slot *sl;
	uint32_t i;
	int d;

	ck_assert_ptr_nonnull(ft);
	for (i = 0; i < 3000; i++) {
		mkseg(&s, i, 0x0200000a, 40000, 443);
		flow_key_make(&s, &k, &d);
		ck_assert_ptr_nonnull(sl = flow_insert(ft, &k,
		    flow_key_hash(&k)));
		if (i % 3 == 0)
			flow_tomb(ft, sl, 1000 + i);
	}
	flow_clear(ft);
	ck_assert_uint_eq(flow_count(ft), 0);
	for (i = 0; i < 3000; i++) {
		mkseg(&s, i, 0x0200000a, 40000, 443);
		flow_key_make(&s, &k, &d);
		ck_assert_ptr_null(flow_find(ft, &k, flow_key_hash(&k)));
	}
	flow_tomb_expire(ft, 1 << 20);		/* nothing left to expire */
	mkseg(&s, 7, 0x0200000a, 40000, 443);
	flow_key_make(&s, &k, &d);
	ck_assert_ptr_nonnull(sl = flow_insert(ft, &k, flow_key_hash(&k)));
	ck_assert_uint_eq(sl->incarnations, 0);
	ck_assert_ptr_eq(flow_find(ft, &k, flow_key_hash(&k)), sl);
	ck_assert_uint_eq(flow_count(ft), 1);
	flow_free(ft);
}
END_TEST

/*
 * Objects come zeroed, given back ones are reused, and pool_drop() takes
 * them all back at once where it can (else each is put).
 */
START_TEST(test_pool)
{
	struct pool *p = pool_new(100, 8);
	unsigned char *o[5000], *q;
	size_t i, j;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 5000; i++) {
		ck_assert_ptr_nonnull(o[i] = pool_get(p));
		for (j = 0; j < 100; j++)
			ck_assert_uint_eq(o[i][j], 0);
		memset(o[i], 0xa5, 100);
		ck_assert_uint_eq((uintptr_t)o[i] % 8, 0);
	}
	pool_put(p, o[17]);
	ck_assert_ptr_nonnull(q = pool_get(p));
	for (j = 0; j < 100; j++)
		ck_assert_uint_eq(q[j], 0);
	o[17] = q;
	if (!pool_drop(p)) {
		for (i = 0; i < 5000; i++)
			pool_put(p, o[i]);
		ck_assert(pool_drop(p));
	}
	ck_assert_ptr_nonnull(q = pool_get(p));
	for (j = 0; j < 100; j++)
		ck_assert_uint_eq(q[j], 0);
	pool_put(p, q);
	pool_free(p);
	ck_assert(pool_drop(NULL));
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
	tcase_add_test(tc, test_key_order);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_pool);
	suite_add_tcase(s, tc);
	return s;
}
