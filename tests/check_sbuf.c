/*
 * check_sbuf.c: the output buffer's number and address formatting, which
 * avoids printf, against printf and inet_ntop(): timestamps (nine
 * decimals, negative ones, seconds that alternate and change, so that
 * the cache of the seconds' text is exercised), integers at every length,
 * and addresses, and printf-style appends.  The golden reports depend on
 * these byte for byte.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "sbuf.h"

/* A 64-bit splitmix generator: the same values on every run. */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* What sb_ts() must write for ns. */
static void
ts_ref(int64_t ns, char *buf, size_t len)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	snprintf(buf, len, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "",
	    u / 1000000000, u % 1000000000);
}

static void
check_ts(struct sbuf *b, int64_t ns)
{
	char want[64];
	size_t at = b->len;

	ts_ref(ns, want, sizeof(want));
	sb_ts(b, ns);
	ck_assert_uint_eq(b->len - at, strlen(want));
	ck_assert_msg(memcmp(b->p + at, want, strlen(want)) == 0,
	    "%" PRId64 ": got %.*s, want %s", ns, (int)(b->len - at),
	    b->p + at, want);
}

START_TEST(test_ts)
{
	static const int64_t fixed[] = {
		0, 1, 9, 10, 99999999, 100000000, 999999999, 1000000000,
		1000000001, 1700000000000000000LL, 1700000000999999999LL,
		1700000001000000000LL, -1, -999999999, -1000000000,
		-1700000000123456789LL, INT64_MAX, INT64_MIN + 1, INT64_MIN,
	};
	struct sbuf b;
	uint64_t s = 1;
	int64_t base = 1700000000LL * 1000000000LL;
	size_t i;

	sb_init(&b);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_ts(&b, fixed[i]);
	/* Within one second, two alternating, then ever new ones. */
	for (i = 0; i < 20000; i++) {
		uint64_t r = next(&s);

		check_ts(&b, base + (int64_t)(r % 1000000000));
		check_ts(&b, base + 60 * 1000000000LL +
		    (int64_t)(r % 1000000000) * (i % 2 ? 1 : 0));
		check_ts(&b, (int64_t)(r % 4000000000000000000ULL) *
		    (i % 3 ? 1 : -1));
		/* Durations, either side of 10 s, between times of day. */
		check_ts(&b, (int64_t)(r % 20000000000ULL) *
		    (i % 5 ? 1 : -1));
	}
	ck_assert_int_eq(b.oom, 0);
	sb_free(&b);
}
END_TEST

START_TEST(test_u64)
{
	struct sbuf b;
	char want[32];
	uint64_t s = 7, v, p10 = 1;
	int i, k;

	sb_init(&b);
	for (i = 0; i < 60000; i++) {
		v = next(&s);
		k = i % 21;		/* every length, 1 to 20 digits */
		if (k < 20) {
			for (p10 = 1; k > 0; k--)
				p10 *= 10;
			v %= p10 * 10;
			if (i % 7 == 0)
				v = p10 - (i % 2);	/* 10^k and 10^k - 1 */
		}
		b.len = 0;
		sb_u64(&b, v);
		snprintf(want, sizeof(want), "%" PRIu64, v);
		ck_assert_uint_eq(b.len, strlen(want));
		ck_assert(memcmp(b.p, want, b.len) == 0);
		b.len = 0;
		sb_i64(&b, (int64_t)v);
		snprintf(want, sizeof(want), "%" PRId64, (int64_t)v);
		ck_assert_uint_eq(b.len, strlen(want));
		ck_assert(memcmp(b.p, want, b.len) == 0);
	}
	/*
	 * Appended one after another, so that the buffer grows under every
	 * length at every offset (a short number is stored as a whole word).
	 */
	{
		static char ref[20000 * 22];
		size_t rl = 0;
		struct sbuf a;

		sb_init(&a);
		for (i = 0; i < 20000; i++) {
			v = next(&s) % 1000000000ULL;
			v >>= i % 30;
			sb_u64(&a, v);
			sb_putc(&a, ',');
			rl += (size_t)snprintf(ref + rl, sizeof(ref) - rl,
			    "%" PRIu64 ",", v);
		}
		ck_assert_uint_eq(a.len, rl);
		ck_assert(memcmp(a.p, ref, rl) == 0);
		sb_free(&a);
	}
	b.len = 0;
	sb_u64(&b, UINT64_MAX);
	sb_putc(&b, ' ');
	sb_i64(&b, INT64_MIN);
	sb_putc(&b, '\0');
	ck_assert_str_eq(b.p, "18446744073709551615 -9223372036854775808");
	sb_free(&b);
}
END_TEST

static void
check_addr(struct sbuf *b, uint8_t af, const uint8_t *a)
{
	char want[INET6_ADDRSTRLEN];

	ck_assert_ptr_nonnull(inet_ntop(af == 6 ? AF_INET6 : AF_INET, a,
	    want, sizeof(want)));
	b->len = 0;
	sb_addr(b, af, a);
	sb_putc(b, '\0');
	ck_assert_str_eq(b->p, want);
}

/* Addresses with runs of zero groups anywhere, mapped and compatible. */
START_TEST(test_addr)
{
	struct sbuf b;
	uint8_t a[16];
	uint64_t s = 3, r;
	int i, j;

	sb_init(&b);
	for (i = 0; i < 50000; i++) {
		r = next(&s);
		for (j = 0; j < 16; j += 8) {
			uint64_t w = next(&s);

			memcpy(a + j, &w, 8);
		}
		for (j = 0; j < 8; j++)		/* zero some groups */
			if ((r >> j) & (r >> (j + 8)) & 1)
				a[2 * j] = a[2 * j + 1] = 0;
		if (i % 50 == 0) {		/* ::ffff:a.b.c.d, ::a.b.c.d */
			memset(a, 0, 10);
			a[10] = a[11] = (uint8_t)(i % 100 == 0 ? 0xff : 0);
		}
		check_addr(&b, 6, a);
		check_addr(&b, 4, a);
	}
	memset(a, 0, 16);
	check_addr(&b, 6, a);
	check_addr(&b, 4, a);
	memset(a, 0xff, 16);
	check_addr(&b, 6, a);
	check_addr(&b, 4, a);
	sb_free(&b);
}
END_TEST

/*
 * The cursor writers keep within the bounds that callers reserve for
 * them (sbuf.h), scratch bytes included: each writes its longest cases
 * into a block of exactly that size (under AddressSanitizer a byte past
 * it fails the test), and gives what the checked appends give.
 */
static void
check_at(const char *what, char *blk, const char *end, const char *want)
{
	size_t n = (size_t)(end - blk);

	ck_assert_msg(n == strlen(want) && memcmp(blk, want, n) == 0,
	    "%s: \"%.*s\", want \"%s\"", what, (int)n, blk, want);
}

START_TEST(test_at_bounds)
{
	static const int64_t ts[] = {
		INT64_MIN, INT64_MIN + 1, -1, INT64_MAX, 0, 999999999,
		1700000000123456789LL, -1700000000123456789LL
	};
	static const uint64_t u[] = {
		UINT64_MAX, 0, 9, 99, 100, 99999999, 100000000,
		UINT64_MAX / 10
	};
	uint8_t a6[4][16], a4[4] = { 255, 255, 255, 255 };
	struct sbuf b, ref;
	char *blk, want[64];
	size_t i;

	memset(a6[0], 0xff, 16);			/* 39 bytes */
	memset(a6[1], 0, 16);
	memset(a6[1] + 10, 0xff, 6);	/* ::ffff:255.255.255.255 */
	memset(a6[2], 0, 16);
	memset(a6[2] + 12, 0xff, 4);			/* ::255.255.255.255 */
	memset(a6[3], 0x12, 16);
	sb_init(&b);
	sb_init(&ref);
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		ref.len = 0;
		sb_ts(&ref, ts[i]);
		snprintf(want, sizeof(want), "%.*s", (int)ref.len, ref.p);
		blk = malloc(SB_TS_MAX);
		check_at("ts", blk, sb_ts_at(&b, blk, ts[i]), want);
		free(blk);
	}
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		snprintf(want, sizeof(want), "%" PRIu64, u[i]);
		blk = malloc(SB_U64_MAX);
		check_at("u64", blk, sb_u64_at(blk, u[i]), want);
		free(blk);
	}
	for (i = 0; i < 4; i++) {
		inet_ntop(AF_INET6, a6[i], want, sizeof(want));
		blk = malloc(SB_ADDR_MAX);
		check_at("addr6", blk, sb_addr_at(blk, 6, a6[i]), want);
		free(blk);
	}
	blk = malloc(SB_ADDR_MAX);
	check_at("addr4", blk, sb_addr_at(blk, 4, a4), "255.255.255.255");
	free(blk);
	sb_free(&b);
	sb_free(&ref);
}
END_TEST

/* JSON escaping, one byte at a time, as the report always wrote it. */
static void
jstr_ref(char *o, const unsigned char *p)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = '"';
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p == '\n') {
			memcpy(o, "\\n", 2);
			o += 2;
		} else if (*p == '\t') {
			memcpy(o, "\\t", 2);
			o += 2;
		} else if (*p < 0x20) {
			o += sprintf(o, "\\u00%c%c", hex[*p >> 4],
				    hex[*p & 15]);
		} else {
			*o++ = (char)*p;
		}
	}
	*o++ = '"';
	*o = '\0';
}

/*
 * sb_jstr() looks at eight bytes at once: strings of every length up to
 * 80 with the bytes that need an escape (and bytes next to them: 0x1f,
 * 0x20, '!', '#', '[', ']', 0x7f, 0x80, 0xff) anywhere, and none.
 */
START_TEST(test_jstr)
{
	static const unsigned char pick[] = {
		0x01, 0x09, 0x0a, 0x1f, 0x20, '!', '"', '#', '[', '\\', ']',
		0x7f, 0x80, 0xff, 'a', 'b'
	};
	unsigned char in[81];
	char want[81 * 6 + 3];
	struct sbuf b;
	uint64_t s = 11, r;
	int i, len, j;

	sb_init(&b);
	for (i = 0; i < 100000; i++) {
		r = next(&s);
		len = (int)(r % 81);
		for (j = 0; j < len; j++) {
			r = next(&s);
			/* Mostly plain letters, so that whole words pass. */
			in[j] = r % 4 == 0 ? pick[(r >> 8) % sizeof(pick)] :
			    (unsigned char)('a' + (r >> 8) % 26);
		}
		in[len] = '\0';
		jstr_ref(want, in);
		b.len = 0;
		sb_jstr(&b, (const char *)in);
		ck_assert_msg(b.len == strlen(want) &&
		    memcmp(b.p, want, b.len) == 0, "case %d: %.*s, want %s",
		    i, (int)b.len, b.p, want);
	}
	sb_free(&b);
}
END_TEST

/*
 * sb_printf() formats into the room left in one pass, or grows first:
 * appends that fit, that end exactly at the buffer's end and that are
 * longer than the whole buffer give what snprintf() gives.
 */
START_TEST(test_printf)
{
	static char big[200000];
	struct sbuf b;
	char want[64];
	size_t at, i;

	sb_init(&b);
	memset(big, 'x', sizeof(big) - 1);
	for (i = 0; i < 100000; i++) {
		at = b.len;
		snprintf(want, sizeof(want), "%zu:%s;", i, i % 3 ? "ab" : "");
		sb_printf(&b, "%zu:%s;", i, i % 3 ? "ab" : "");
		ck_assert_uint_eq(b.len - at, strlen(want));
		ck_assert(memcmp(b.p + at, want, strlen(want)) == 0);
		if (i == 5000) {		/* longer than the buffer */
			at = b.len;
			sb_printf(&b, "[%s]", big);
			ck_assert_uint_eq(b.len - at, sizeof(big) + 1);
			ck_assert(b.p[at] == '[' && b.p[b.len - 1] == ']');
			ck_assert(b.p[at + 1000] == 'x');
		}
	}
	ck_assert(b.len < b.cap && b.p[b.len] == '\0');
	ck_assert_int_eq(b.oom, 0);
	sb_free(&b);
}
END_TEST

/*
 * sb_fix_sec() gives what printf("%.Nf", ns / 1e9) gives: around each
 * rounding boundary (ties are printf()'s to decide), for negative times,
 * and past 10^15 ns, where it asks printf().
 */
START_TEST(test_fix_sec)
{
	static const int64_t base[] = {
		0, 1, 999, 1000000, 1500000, 2500000, 123456789,
		999500000, 1000000000, 30000000000LL, 59999500000LL,
		1700000000123456789LL, 999999999999999LL,
		1000000000000000LL, 4611686018427387903LL,
		INT64_MAX - 1000
	};
	char want[64], got[64];
	struct sb_fix f;
	size_t i;
	int d, k;

	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		for (k = -7; k <= 6; k++)
			for (d = 0; d <= 9; d++) {
				/* base - 3 to base + 3, then their negatives */
				int64_t ns = base[i] + (k < 0 ? k + 4 : k - 3);

				if (k < 0)
					ns = -ns;
				snprintf(want, sizeof(want), "%.*f", d,
				    (double)ns / 1e9);
				sb_fix_init(&f, got, sizeof(got));
				sb_fix_sec(&f, ns, d);
				ck_assert_str_eq(got, want);
				ck_assert_int_eq(sb_fix_end(&f),
				    (int)strlen(want));
			}
	/* Every tie of three decimals below 2 s, and its neighbours. */
	for (i = 0; i < 2000; i++)
		for (k = -1; k <= 1; k++) {
			int64_t ns = (int64_t)i * 1000000 + 500000 + k;

			snprintf(want, sizeof(want), "%.3f", (double)ns / 1e9);
			sb_fix_init(&f, got, sizeof(got));
			sb_fix_sec(&f, ns, 3);
			ck_assert_str_eq(got, want);
		}
}
END_TEST

/*
 * The fixed buffer is cut as snprintf() cuts: len - 1 bytes and a NUL,
 * nothing at all for len 0, and the whole length given back.
 */
START_TEST(test_fix_cut)
{
	char want[32], got[32];
	struct sb_fix f;
	size_t len;

	for (len = 0; len <= 20; len++) {
		memset(want, 'x', sizeof(want));
		memset(got, 'x', sizeof(got));
		snprintf(want, len, "abc %llu def %lld %.3f!",
		    18446744073709551615ULL, -42LL, 1.25);
		sb_fix_init(&f, got, len);
		sb_fix_puts(&f, "abc ");
		sb_fix_u64(&f, UINT64_MAX);
		sb_fix_puts(&f, " def ");
		sb_fix_i64(&f, -42);
		sb_fix_puts(&f, " ");
		sb_fix_sec(&f, 1250000000, 3);
		sb_fix_puts(&f, "!");
		ck_assert(memcmp(got, want, sizeof(got)) == 0);
		ck_assert_int_eq(sb_fix_end(&f), 39);
	}
}
END_TEST

Suite *
make_suite_sbuf(void)
{
	Suite *s = suite_create("sbuf");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_ts);
	tcase_add_test(tc, test_u64);
	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_at_bounds);
	tcase_add_test(tc, test_jstr);
	tcase_add_test(tc, test_printf);
	tcase_add_test(tc, test_fix_sec);
	tcase_add_test(tc, test_fix_cut);
	suite_add_tcase(s, tc);
	return s;
}
