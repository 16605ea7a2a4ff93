/*
 * check_ring.c: a producer thread and a consumer pass 200,000 numbered
 * slots through rings far smaller than that, so that every slot is
 * reused many times and both sides wait for each other: each number
 * arrives once and in order, a reused slot still holds what it held
 * when it was consumed, and a closed ring drains before it ends.  A
 * producer that found the ring full waits for wake free slots.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <check.h>

#include "check_suites.h"
#include "ring.h"

#define N	200000

struct slot {
	uint64_t	seq;
	uint64_t	prev;		/* what the producer found there */
};

struct prod {
	struct ring	*r;
	uint64_t	reused;		/* slots found holding an old seq */
	int		bad;		/* old content not the expected one */
};

static void *
producer(void *arg)
{
	struct prod *p = arg;
	struct slot *s;
	uint64_t i, size = ring_size(p->r);

	for (i = 1; i <= N; i++) {
		s = ring_slot(p->r);
		/* Slot reuse: it holds the number from one lap before. */
		if (s->seq != 0) {
			p->reused++;
			if (s->seq != i - size)
				p->bad++;
		}
		s->prev = s->seq;
		s->seq = i;
		ring_push(p->r);
	}
	ring_close(p->r);
	return NULL;
}

static void
run_limited(size_t nslots, size_t limit, size_t wake, size_t take)
{
	struct prod p = { NULL, 0, 0 };
	pthread_t tid;
	uint64_t want = 1;
	size_t n, i;
	const struct slot *s;

	p.r = ring_new(nslots, sizeof(struct slot), wake);
	ck_assert_ptr_nonnull(p.r);
	ring_set_limit(p.r, limit);
	ck_assert_int_eq(pthread_create(&tid, NULL, producer, &p), 0);
	while ((n = ring_wait(p.r)) > 0) {
		ck_assert_uint_le(n, limit);
		if (n > take)
			n = take;
		for (i = 0; i < n; i++) {
			s = ring_at(p.r, i);
			ck_assert_uint_eq(s->seq, want);
			want++;
		}
		ring_pop(p.r, n);
	}
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert_uint_eq(want, N + 1);
	ck_assert_uint_eq(p.reused, N - nslots);
	ck_assert_int_eq(p.bad, 0);
	ck_assert_uint_eq(ring_consumed(p.r), N);
	ring_free(p.r);
}

static void
run(size_t nslots, size_t wake, size_t take)
{
	run_limited(nslots, nslots, wake, take);
}

/* Consumer takes one slot at a time; a wake-up per slot. */
START_TEST(test_one_by_one)
{
	run(4, 1, 1);
}
END_TEST

/* Consumer takes all it is given; woken for batches of 3 of 4. */
START_TEST(test_batches)
{
	run(4, 3, SIZE_MAX);
}
END_TEST

/* A wake threshold above the size is clamped, never a deadlock. */
START_TEST(test_wake_clamped)
{
	run(2, 64, SIZE_MAX);
}
END_TEST

/* Consumer takes fewer slots than the producer waits for: no deadlock. */
START_TEST(test_take_below_wake)
{
	run(8, 6, 1);
}
END_TEST

static void *
fill(void *arg)
{
	struct ring *r = arg;
	int i;

	for (i = 0; i < 7; i++) {
		*(uint64_t *)ring_slot(r) = (uint64_t)i;
		ring_push(r);
	}
	ring_close(r);
	return NULL;
}

/*
 * A producer that found the ring full goes on only once wake slots are
 * free: with one slot given back it stays blocked, with the third it
 * fills the ring again.
 */
START_TEST(test_producer_woken_for_wake)
{
	struct ring *r = ring_new(4, sizeof(uint64_t), 3);
	struct timespec ms = { 0, 1000000 };
	pthread_t tid;
	size_t n;
	int i;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(pthread_create(&tid, NULL, fill, r), 0);
	while ((n = ring_wait(r)) < 4)
		nanosleep(&ms, NULL);
	ring_pop(r, 1);
	for (i = 0; i < 30; i++)
		nanosleep(&ms, NULL);
	ck_assert_uint_eq(ring_wait(r), 3);
	ck_assert_uint_eq(*(uint64_t *)ring_at(r, 0), 1);
	ring_pop(r, 2);
	while ((n = ring_wait(r)) < 4)
		nanosleep(&ms, NULL);
	ck_assert_uint_eq(*(uint64_t *)ring_at(r, 0), 3);
	ck_assert_uint_eq(*(uint64_t *)ring_at(r, 3), 6);
	ring_pop(r, 4);
	ck_assert_uint_eq(ring_wait(r), 0);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ring_free(r);
}
END_TEST

/*
 * A limit below the size: never more slots in flight, every slot of the
 * ring still used in turn, and a wake threshold above the limit clamped.
 */
START_TEST(test_limit)
{
	run_limited(64, 8, 4, SIZE_MAX);
	run_limited(64, 3, 16, 2);
}
END_TEST

/* Closed with slots still in it: they are consumed first. */
START_TEST(test_close_drains)
{
	struct ring *r = ring_new(8, sizeof(uint64_t), 8);
	uint64_t *v;
	size_t n;

	ck_assert_ptr_nonnull(r);
	v = ring_slot(r);
	*v = 7;
	ring_push(r);
	ring_close(r);
	n = ring_wait(r);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(*(uint64_t *)ring_at(r, 0), 7);
	ring_pop(r, 1);
	ck_assert_uint_eq(ring_wait(r), 0);
	ring_free(r);
}
END_TEST

Suite *
make_suite_ring(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_one_by_one);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_wake_clamped);
	tcase_add_test(tc, test_take_below_wake);
	tcase_add_test(tc, test_producer_woken_for_wake);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_close_drains);
	suite_add_tcase(s, tc);
	return s;
}
