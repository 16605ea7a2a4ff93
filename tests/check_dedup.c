/*
 * check_dedup.c: capture duplicates (dedup.c).  A copy of a segment, as a
 * second capture point on the path sees it, is found within its window
 * whatever a hop changed; a retransmission, or any other segment, is not.
 */
#include <check.h>
#include <string.h>

#include "check_suites.h"
#include "dedup.h"
#include "segbuild.h"

#define US	1000LL
#define MS	1000000LL

static const struct tb_ends ends = { 40000, 80, 64240 };

/* A data segment of the client, with an IPv4 ID and a checksum. */
static void
seg4(struct dec_seg *s, int64_t t, uint16_t id)
{
	tb_seg(s, &ends, 1, t, DEC_TH_PSH | DEC_TH_ACK, 1001, 5001, 100);
	s->ip_id = id;
	s->tcp_sum = 0x1234;
}

/* A new table that has seen a, the client's segment at 0 with ID 7. */
static struct dup_table *
start(struct dec_seg *a)
{
	struct dup_table *d = dup_new();

	ck_assert_ptr_nonnull(d);
	seg4(a, 0, 7);
	ck_assert(!dup_seen(d, a));
	return d;
}

START_TEST(test_copy_found)
{
	struct dec_seg a, b;
	struct dup_table *d = start(&a);

	/* A copy 10 us later, one hop on: TTL, VLAN and cut differ. */
	b = a;
	b.ts_ns += 10 * US;
	b.ttl--;
	b.vlan = 12;
	b.trunc = DEC_TRUNC_PAYLOAD;
	b.wirelen += 4;
	ck_assert(dup_seen(d, &b));
	/* A third copy, still measured against the first. */
	b.ts_ns += 10 * US;
	ck_assert(dup_seen(d, &b));
	/* Its retransmission carries a new ID. */
	seg4(&b, 200 * MS, 8);
	ck_assert(!dup_seen(d, &b));
	dup_free(d);
}
END_TEST

/* What differs between a copy and another segment, one field at a time. */
START_TEST(test_field_differs)
{
	struct dec_seg a, b;
	struct dup_table *d = start(&a);

	b = a;
	switch (_i) {
	case 0:
		b.seq++;
		break;
	case 1:
		b.ack++;
		break;
	case 2:
		b.flags |= DEC_TH_FIN;
		break;
	case 3:
		b.win--;
		break;
	case 4:
		b.paylen--;
		break;
	case 5:
		b.ip_id++;
		break;
	case 10:
		b.tcp_sum++;
		break;
	case 6:
		b.opt.has_ts = true;
		b.opt.tsval = 1;
		break;
	case 7:
		b.sport++;
		break;
	case 8:
		b.dport++;
		break;
	case 9:
		b.src[3]++;
		break;
	default:
		b.dst[3]++;
		break;
	}
	b.ts_ns += 10 * US;
	ck_assert_msg(!dup_seen(d, &b), "field %d", _i);
	dup_free(d);
}
END_TEST

/* With an IPv4 ID the window is 50 ms, without one 1 ms. */
START_TEST(test_windows)
{
	struct dec_seg a, b;
	struct dup_table *d = start(&a);

	b = a;
	b.ts_ns = SB_T0 + DUP_WINDOW_ID_NS;
	ck_assert(dup_seen(d, &b));
	b.ts_ns = SB_T0 + DUP_WINDOW_ID_NS + 1;
	ck_assert(!dup_seen(d, &b));	/* and b is remembered now */
	/* ID 0, as a Linux SYN-ACK: only 1 ms. */
	seg4(&a, 0, 0);
	a.seq = 9;
	ck_assert(!dup_seen(d, &a));
	b = a;
	b.ts_ns = SB_T0 + DUP_WINDOW_NS;
	ck_assert(dup_seen(d, &b));
	b.ts_ns = SB_T0 + 2 * MS;
	ck_assert(!dup_seen(d, &b));
	/* IPv6: no ID at all. */
	seg4(&a, 0, 0);
	a.af = 6;
	memset(a.src, 0x20, 16);
	ck_assert(!dup_seen(d, &a));
	b = a;
	b.ts_ns = SB_T0 + 900 * US;
	ck_assert(dup_seen(d, &b));
	b.ts_ns = SB_T0 + 1100 * US + DUP_WINDOW_NS;
	ck_assert(!dup_seen(d, &b));
	dup_free(d);
}
END_TEST

/*
 * Capture order is not time order: a copy from another interface may be
 * stamped a little before the segment it follows in the file.  Other
 * segments in between do not hide a copy.
 */
START_TEST(test_order)
{
	struct dup_table *d = dup_new();
	struct dec_seg a, b, o;
	int i;

	ck_assert_ptr_nonnull(d);
	seg4(&a, 100 * US, 7);
	ck_assert(!dup_seen(d, &a));
	for (i = 0; i < 20; i++) {
		tb_seg(&o, &ends, i & 1, 100 * US + i, DEC_TH_ACK,
		    (uint32_t)i * 1000, 1, 0);
		o.ip_id = (uint16_t)(100 + i);
		ck_assert(!dup_seen(d, &o));
	}
	b = a;
	b.ts_ns = SB_T0 + 95 * US;
	ck_assert(dup_seen(d, &b));
	dup_free(d);
}
END_TEST

/*
 * The decoder fills the IPv4 ID, 0 for IPv6 in IPv4 (6in4), and the TCP
 * checksum.
 */
START_TEST(test_decoder_fields)
{
	/* IPv4, ID 0xbeef, a SYN, as a raw-IP frame (LINKTYPE_IPV4). */
	static const uint8_t pkt[40] = {
		0x45, 0, 0, 40, 0xbe, 0xef, 0x40, 0, 64, 6, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0,
		0x50, 0x02, 0xff, 0xff, 0xca, 0xfe, 0, 0,
	};
	uint8_t six[80];
	struct dec_seg s;

	ck_assert_int_eq(dec_packet(228, pkt, sizeof(pkt), sizeof(pkt), &s),
	    DEC_OK);
	ck_assert_uint_eq(s.ip_id, 0xbeef);
	ck_assert_uint_eq(s.tcp_sum, 0xcafe);
	/* The same TCP header in IPv6, in IPv4 (protocol 41). */
	memcpy(six, pkt, 20);
	six[3] = 80;
	six[9] = 41;
	memset(six + 20, 0, 40);
	six[20] = 0x60;
	six[25] = 20;		/* payload length */
	six[26] = 6;
	six[27] = 64;
	six[35] = 1;
	six[51] = 2;
	memcpy(six + 60, pkt + 20, 20);
	ck_assert_int_eq(dec_packet(228, six, sizeof(six), sizeof(six), &s),
	    DEC_OK);
	ck_assert_uint_eq(s.af, 6);
	ck_assert_uint_eq(s.ip_id, 0);
	ck_assert_uint_eq(s.tcp_sum, 0xcafe);
}
END_TEST

Suite *
make_suite_dedup(void)
{
	Suite *s = suite_create("dedup");
	TCase *tc = tcase_create("Dedup");

	tcase_add_test(tc, test_copy_found);
	tcase_add_loop_test(tc, test_field_differs, 0, 12);
	tcase_add_test(tc, test_windows);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_decoder_fields);
	suite_add_tcase(s, tc);
	return s;
}
