/*
 * sbuf.c: growable output buffer.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbuf.h"

void
sb_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
sb_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int
sb_grow(struct sbuf *b, size_t n)
{
	size_t ncap;
	char *p;

	if (b->len + n + 1 <= b->cap)
		return 0;
	ncap = b->cap == 0 ? 65536 : b->cap;
	while (ncap < b->len + n + 1)
		ncap *= 2;
	if ((p = realloc(b->p, ncap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = ncap;
	return 0;
}

/*
 * Formatted straight into the room left, in one pass when it fits (it
 * almost always does: the buffer is flushed at 64 KiB); a second pass
 * only after growing.
 */
void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		if (sb_grow(b, (size_t)n) == -1)
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

static const char digits2[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Write v right-aligned ending at end; returns the first byte written. */
static char *
u64_text(uint64_t v, char *end)
{
	char *p = end;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		*--p = digits2[d + 1];
		*--p = digits2[d];
	}
	if (v >= 10) {
		*--p = digits2[v * 2 + 1];
		*--p = digits2[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SB_SWAR	1
/*
 * The eight digits of v < 10^8 as the bytes of one word, all at once:
 * the number is split into two 4-digit lanes of a 64-bit word, each into
 * two 2-digit lanes, each into two digits, dividing by 100 and 10 with a
 * multiply and a shift that are exact in that range (v * 10486 >> 20 is
 * v / 100 for v < 10^4, v * 103 >> 10 is v / 10 for v < 100).  On a
 * little-endian machine the word's bytes are then the digits in order.
 */
static inline uint64_t
digits8_word(uint32_t v)
{
	uint64_t x, y;

	x = (uint64_t)(v / 10000) | (uint64_t)(v % 10000) << 32;
	y = (x * 10486) >> 20 & 0x0000007f0000007fULL;
	x = y | (x - y * 100) << 16;
	y = (x * 103) >> 10 & 0x000f000f000f000fULL;
	return (y | (x - y * 10) << 8) + 0x3030303030303030ULL;
}
#endif

/* The eight digits of v < 10^8, leading zeros too, written at o. */
static inline void
digits8(char *o, uint32_t v)
{
#ifdef SB_SWAR
	uint64_t x = digits8_word(v);

	memcpy(o, &x, 8);
#else
	int i;

	for (i = 3; i >= 0; i--) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		o[2 * i] = digits2[d];
		o[2 * i + 1] = digits2[d + 1];
	}
#endif
}

/* Decimal digits of v. */
static unsigned
u64_digits(uint64_t v)
{
	unsigned n = 1;

	while (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	if (v >= 1000)
		return n + 3;
	if (v >= 100)
		return n + 2;
	return v >= 10 ? n + 1 : n;
}

/*
 * Numbers and timestamps are written straight into the buffer, with no
 * copy of a variable length (a call to memcpy for a dozen bytes cost
 * more than the digits).
 */
char *
sb_u64_at(char *o, uint64_t v)
{
	unsigned n;

	if (v < 100) {
		/* Counts, mostly: one or two digits. */
		if (v < 10) {
			*o = (char)('0' + v);
			return o + 1;
		}
		memcpy(o, digits2 + 2 * v, 2);
		return o + 2;
	}
#ifdef SB_SWAR
	/*
	 * Below 10^8 (ids, ports, packet numbers): the eight digits as one
	 * word, its leading zeros shifted out, stored whole (there is room).
	 * The length from the highest bit: bits * 1233 >> 12 is within one
	 * of log10 below 2^27.
	 */
	if (v < 100000000) {
		static const uint32_t p10[9] = {
			1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
			100000000
		};
		uint32_t w = (uint32_t)v, l;
		uint64_t x;

		l = ((uint32_t)(32 - __builtin_clz(w)) * 1233) >> 12;
		n = l + 1 - (w < p10[l]);
		x = digits8_word(w) >> (8 * (8 - n));
		memcpy(o, &x, 8);
		return o + n;
	}
#endif
	n = u64_digits(v);
	u64_text(v, o + n);
	return o + n;
}

char *
sb_frac6_at(char *o, uint32_t v)
{
#ifdef SB_SWAR
	/* "00dddddd" as a word: its first two bytes shifted out. */
	uint64_t x = digits8_word(v) >> 16;

	memcpy(o, &x, 8);
#else
	int i;

	for (i = 5; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
#endif
	return o + 6;
}

void
sb_u64(struct sbuf *b, uint64_t v)
{
	char *o;

	if ((o = sb_room(b, SB_U64_MAX)) != NULL)
		sb_done(b, sb_u64_at(o, v));
}

void
sb_i64(struct sbuf *b, int64_t v)
{
	if (v < 0) {
		sb_putc(b, '-');
		sb_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		sb_u64(b, (uint64_t)v);
	}
}


_Static_assert(1 + sizeof(((struct sbuf *)0)->ts_txt[0]) <= SB_TS_MAX &&
    1 + 20 + 10 <= SB_TS_MAX, "sb_ts_at() keeps within SB_TS_MAX");

char *
sb_ts_at(struct sbuf *b, char *o, int64_t ns)
{
	uint64_t u;
	uint32_t f;
	int k;

	/* Sign, seconds, point, nine digits: at most 1 + 23 + 10 bytes. */
	if (ns < 0)
		*o++ = '-';
	u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	f = (uint32_t)(u % 1000000000);
	u /= 1000000000;
	if (u < 10) {
		/*
		 * A duration, mostly: one digit, and the cache is left to
		 * the times of day (durations took it from them: 35 % of
		 * the lookups missed).
		 */
		*o++ = (char)('0' + u);
	} else {
		if (b->ts_len[0] != 0 && u == b->ts_sec[0]) {
			k = 0;
		} else if (b->ts_len[1] != 0 && u == b->ts_sec[1]) {
			k = 1;
		} else {
			char *end = b->ts_txt[b->ts_next] +
			    sizeof(b->ts_txt[0]);
			char *q = u64_text(u, end);

			k = b->ts_next;
			b->ts_next = (uint8_t)!k;
			b->ts_len[k] = (uint8_t)(end - q);
			memmove(b->ts_txt[k], q, b->ts_len[k]);
			b->ts_sec[k] = u;
		}
		memcpy(o, b->ts_txt[k], sizeof(b->ts_txt[0]));	/* fixed */
		o += b->ts_len[k];
	}
	o[0] = '.';
	o[1] = (char)('0' + f / 100000000);
	digits8(o + 2, f % 100000000);
	return o + 10;
}

void
sb_ts(struct sbuf *b, int64_t ns)
{
	char *o;

	if ((o = sb_room(b, SB_TS_MAX)) != NULL)
		sb_done(b, sb_ts_at(b, o, ns));
}

void
sb_fix_init(struct sb_fix *f, char *buf, size_t len)
{
	f->p = buf;
	f->len = len;
	f->n = 0;
	if (len > 0)
		buf[0] = '\0';
}

static void
sb_fix_putn(struct sb_fix *f, const char *s, size_t n)
{
	size_t k;

	if (f->n + 1 < f->len) {
		k = f->len - 1 - f->n;
		if (k > n)
			k = n;
		memcpy(f->p + f->n, s, k);
		f->p[f->n + k] = '\0';
	}
	f->n += n;
}

void
sb_fix_puts(struct sb_fix *f, const char *s)
{
	sb_fix_putn(f, s, strlen(s));
}

void
sb_fix_u64(struct sb_fix *f, uint64_t v)
{
	char t[SB_U64_MAX];

	sb_fix_putn(f, t, (size_t)(sb_u64_at(t, v) - t));
}

void
sb_fix_i64(struct sb_fix *f, int64_t v)
{
	if (v < 0) {
		sb_fix_putn(f, "-", 1);
		sb_fix_u64(f, (uint64_t)0 - (uint64_t)v);
	} else {
		sb_fix_u64(f, (uint64_t)v);
	}
}

/*
 * Below 10^15 ns (11.6 days) the double nearest ns / 10^9 lies within
 * 6e-11 of it, and a rounding boundary of d decimals is a whole number of
 * nanoseconds away from ns, at least 1e-9 s unless ns sits right on it:
 * rounding the integer then gives what printf() gives for the double,
 * which it rounds exactly.  On a boundary (a tie) the double decides,
 * and printf() is asked.
 */
#define SB_FIX_EXACT	1000000000000000LL

void
sb_fix_sec(struct sb_fix *f, int64_t ns, int decimals)
{
	static const int64_t p10[10] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
		100000000, 1000000000
	};
	char t[SB_U64_MAX + 16], *o;
	int64_t unit, q, r;
	int i;

	if (decimals < 0 || decimals > 9)
		decimals = decimals < 0 ? 0 : 9;
	unit = p10[9 - decimals];
	q = ns / unit;
	r = ns % unit;
	if (ns < 0 || ns >= SB_FIX_EXACT || (unit > 1 && r * 2 == unit)) {
		int n = snprintf(t, sizeof(t), "%.*f", decimals,
		    (double)ns / 1e9);

		if (n > 0)
			sb_fix_putn(f, t, (size_t)n < sizeof(t) ? (size_t)n :
			    sizeof(t) - 1);
		return;
	}
	if (r * 2 > unit)
		q++;
	o = sb_u64_at(t, (uint64_t)(q / p10[decimals]));
	if (decimals > 0) {
		q %= p10[decimals];
		*o++ = '.';
		for (i = decimals - 1; i >= 0; i--, q /= 10)
			o[i] = (char)('0' + q % 10);
		o += decimals;
	}
	sb_fix_putn(f, t, (size_t)(o - t));
}

int
sb_fix_end(const struct sb_fix *f)
{
	return f->n > INT_MAX ? INT_MAX : (int)f->n;
}

/*
 * IPv6 text as glibc's inet_ntop() writes it (RFC 5952 compression): the
 * longest run of two or more zero groups becomes "::" (the first such run
 * on a tie), hex digits in lower case without leading zeros, and an
 * IPv4-compatible or IPv4-mapped address ends in dotted decimal.
 */
static char *
addr6_at(char *o, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t w[8];
	int i, best = -1, blen = 0, cur = -1, clen = 0;

	for (i = 0; i < 8; i++) {
		w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
		if (w[i] == 0) {
			if (cur == -1) {
				cur = i;
				clen = 1;
			} else {
				clen++;
			}
			if (clen > blen) {
				best = cur;
				blen = clen;
			}
		} else {
			cur = -1;
		}
	}
	if (blen < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (best != -1 && i >= best && i < best + blen) {
			if (i == best)
				*o++ = ':';
			continue;
		}
		if (i != 0)
			*o++ = ':';
		if (i == 6 && best == 0 && (blen == 6 ||
		    (blen == 5 && w[5] == 0xffff))) {
			char tmp[16], *q = tmp + sizeof(tmp);
			int k;

			for (k = 15; k >= 12; k--) {
				q = u64_text(a[k], q);
				if (k > 12)
					*--q = '.';
			}
			return sb_putn_at(o, q,
			    (size_t)(tmp + sizeof(tmp) - q));
		}
		if (w[i] >= 0x1000)
			*o++ = hex[w[i] >> 12];
		if (w[i] >= 0x100)
			*o++ = hex[(w[i] >> 8) & 15];
		if (w[i] >= 0x10)
			*o++ = hex[(w[i] >> 4) & 15];
		*o++ = hex[w[i] & 15];
	}
	if (best != -1 && best + blen == 8)
		*o++ = ':';
	return o;
}

/* Dotted decimal, written forward: no copy of a variable length. */
char *
sb_addr_at(char *o, uint8_t af, const uint8_t *a)
{
	int i;

	if (af == 6)
		return addr6_at(o, a);
	for (i = 0; i < 4; i++) {
		o = sb_u64_at(o, a[i]);	/* 8 bytes touched at most */
		*o++ = '.';
	}
	return o - 1;
}

void
sb_addr(struct sbuf *b, uint8_t af, const uint8_t *a)
{
	char *o;

	if ((o = sb_room(b, SB_ADDR_MAX)) != NULL)
		sb_done(b, sb_addr_at(o, af, a));
}

/* A byte of x below 0x20, or equal to '"' or '\\' (any, not which). */
static inline uint64_t
jstr_special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');

	return ((x - ones * 0x20) & ~x & high) |
	    ((q - ones) & ~q & high) | ((bs - ones) & ~bs & high);
}

/*
 * Runs that need no escape are found eight bytes at a time (the length
 * is known first, so no word is read past the string) and copied whole.
 */
void
sb_jstr(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, from = 0;
	uint64_t w;

	sb_putc(b, '"');
	while (i < n) {
		if (i + 8 <= n) {
			memcpy(&w, p + i, 8);
			if (jstr_special8(w) == 0) {
				i += 8;
				continue;
			}
		}
		if (p[i] >= 0x20 && p[i] != '"' && p[i] != '\\') {
			i++;
			continue;
		}
		sb_putn(b, s + from, i - from);
		switch (p[i]) {
		case '"':
			sb_puts(b, "\\\"");
			break;
		case '\\':
			sb_puts(b, "\\\\");
			break;
		case '\n':
			sb_puts(b, "\\n");
			break;
		case '\t':
			sb_puts(b, "\\t");
			break;
		default: {
			char u[6] = { '\\', 'u', '0', '0',
			    hex[p[i] >> 4], hex[p[i] & 15] };

			sb_putn(b, u, 6);
		}
		}
		from = ++i;
	}
	sb_putn(b, s + from, n - from);
	sb_putc(b, '"');
}

int
sb_flush(struct sbuf *b, FILE *f)
{
	int rv = 0;

	if (b->len > 0 && fwrite(b->p, 1, b->len, f) != b->len)
		rv = -1;
	b->len = 0;
	return rv;
}

/*
 * A temporary file for a report's body, in $TMPDIR when it names a
 * directory that takes one (tmpfile() always uses /tmp, which may be
 * small), else in /tmp; it has no name, so it goes when closed or when
 * the process ends.  NULL when neither takes one.
 */
FILE *
sb_spool(void)
{
	const char *dirs[2] = { getenv("TMPDIR"), "/tmp" };
	char path[4096];
	FILE *f;
	int i, fd;

	for (i = 0; i < 2; i++) {
		if (dirs[i] == NULL || dirs[i][0] == '\0')
			continue;
		if (snprintf(path, sizeof(path), "%s/synfin-XXXXXX",
		    dirs[i]) >= (int)sizeof(path))
			continue;
		if ((fd = mkstemp(path)) == -1)
			continue;
		(void)unlink(path);
		if ((f = fdopen(fd, "w+")) != NULL)
			return f;
		close(fd);
	}
	return NULL;
}

/*
 * Append b to a spool made by sb_spool(), by write(2) on its descriptor,
 * so that the file holds exactly what was taken: 0 and b emptied, or -1
 * (errno says why: ENOSPC, EFBIG, EIO) with what was not taken left in b.
 */
int
sb_spool_put(struct sbuf *b, FILE *spool)
{
	size_t done = 0;
	int fd = fileno(spool);

	while (done < b->len) {
		ssize_t k = write(fd, b->p + done, b->len - done);

		if (k > 0) {
			done += (size_t)k;
			continue;
		}
		if (k == -1 && errno == EINTR)
			continue;
		if (k == 0)
			errno = ENOSPC;
		memmove(b->p, b->p + done, b->len - done);
		b->len -= done;
		return -1;
	}
	b->len = 0;
	return 0;
}

/*
 * Give up a spool that took no more: write head (if any), what the spool
 * holds and rest to out, in that order, empty both buffers, close the
 * spool and set it to NULL; -1 if out failed.
 */
int
sb_spill(FILE **spool, FILE *out, struct sbuf *head, struct sbuf *rest)
{
	int rv = 0;

	if ((head != NULL && sb_flush(head, out) == -1) ||
	    sb_copy_file(*spool, out) == -1 || sb_flush(rest, out) == -1)
		rv = -1;
	fclose(*spool);
	*spool = NULL;
	return rv;
}

/*
 * Copy a temporary file, from its start, to an output.  The kernel
 * copies it where it can (sendfile(2): no pass through this process,
 * which on a capture of millions of connections is a gigabyte read and
 * written again); where it cannot (a terminal, or a system without it),
 * or from the first byte it did not take, a read and write loop.
 */
int
sb_copy_file(FILE *from, FILE *to)
{
	char buf[65536];
	size_t n;
	off_t off = 0;

	if (fflush(from) != 0 || fflush(to) != 0)
		return -1;
#ifdef __linux__
	{
		struct stat st;
		int in = fileno(from), out = fileno(to);

		if (in != -1 && out != -1 && fstat(in, &st) == 0) {
			while (off < st.st_size) {
				size_t want = (size_t)(st.st_size - off);
				ssize_t k;

				if (want > (size_t)1 << 30)
					want = (size_t)1 << 30;
				k = sendfile(out, in, &off, want);
				if (k > 0)
					continue;
				if (k == -1 && errno == EINTR)
					continue;
				if (k == -1 && errno != EINVAL &&
				    errno != ENOSYS && errno != EOPNOTSUPP)
					return -1;	/* EPIPE, ENOSPC, EIO */
				break;			/* not here: the loop */
			}
			if (off >= st.st_size)
				return 0;
		}
	}
#endif
	if (fseeko(from, off, SEEK_SET) != 0)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			return -1;
	return ferror(from) ? -1 : 0;
}
