/*
 * sbuf.h: a growable output buffer, flushed with one write per many
 * records.  Number formatting avoids printf on the hot path.
 */
#ifndef SYNFIN_SBUF_H
#define SYNFIN_SBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sbuf {
	char	*p;
	size_t	len;
	size_t	cap;
	int	oom;		/* an allocation failed: output is short */
	/*
	 * The seconds of the last two timestamps written, as text: they
	 * rarely change from one timestamp to the next, and a connection's
	 * times are often in two seconds (its start and its TIME_WAIT end).
	 */
	uint64_t ts_sec[2];
	uint8_t	ts_len[2];
	uint8_t	ts_next;	/* the entry to replace */
	char	ts_txt[2][23];
};

void	sb_init(struct sbuf *b);
void	sb_free(struct sbuf *b);
/* Make room for n more bytes (and a NUL); -1 when memory ran out. */
int	sb_grow(struct sbuf *b, size_t n);

/*
 * The hot path is inline, always: most appends fit in the buffer already,
 * and a literal's strlen() folds only where sb_puts() is inlined (with
 * -flto GCC made it a function of its own: 14 % more instructions in the
 * formatting thread).
 */
#define SB_INLINE	static inline __attribute__((always_inline))

SB_INLINE void
sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap && sb_grow(b, n) == -1)
		return;
	__builtin_memcpy(b->p + b->len, s, n);
	b->len += n;
}

SB_INLINE void
sb_putc(struct sbuf *b, char c)
{
	if (b->len + 2 > b->cap && sb_grow(b, 1) == -1)
		return;
	b->p[b->len++] = c;
}

SB_INLINE void
sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, __builtin_strlen(s));
}

/* A string literal, its length known at compile time. */
#define SB_LIT(b, lit)	sb_putn((b), "" lit, sizeof(lit) - 1)

/*
 * Writing at a cursor.  sb_room() makes room for n bytes at once and
 * returns where the next byte goes (NULL when memory ran out); the
 * sb_*_at() writers take that cursor and return it moved past what they
 * wrote, with no check of their own; sb_done() takes the final cursor as
 * the buffer's end.  A run of pieces whose sizes are bounded then costs
 * one check and one store of the length, not one of each per piece: the
 * JSON report, about 90 pieces a connection, was a quarter cheaper so
 * (the formatting thread ran 178.7 M instructions on the 20k benchmark
 * capture, then 135.3 M).
 *
 * The bounds below are what each writer may touch past the cursor, its
 * scratch bytes included (some store eight or sixteen bytes whole and
 * keep only the first n).
 */
#define SB_U64_MAX	20	/* sb_u64_at(): 20 digits at most */
#define SB_TS_MAX	34	/* sb_ts_at(): sign, 23 copied whole, 10 */
#define SB_ADDR_MAX	48	/* sb_addr_at(): 45 bytes of IPv6 text */
#define SB_NAME_MAX	16	/* sb_name16_at() */

SB_INLINE char *
sb_room(struct sbuf *b, size_t n)
{
	if (b->len + n + 1 > b->cap && sb_grow(b, n) == -1)
		return NULL;
	return b->p + b->len;
}

SB_INLINE void
sb_done(struct sbuf *b, char *o)
{
	b->len = (size_t)(o - b->p);
}

SB_INLINE char *
sb_putn_at(char *o, const char *s, size_t n)
{
	__builtin_memcpy(o, s, n);
	return o + n;
}

/* A literal at a cursor: a copy of fixed size, no call. */
#define SB_AT(o, lit)	sb_putn_at((o), "" lit, sizeof(lit) - 1)

/*
 * n < 16 bytes of s, which has 16 readable bytes: copied as 16, a copy
 * of fixed size, so no call.
 */
SB_INLINE char *
sb_name16_at(char *o, const char *s, size_t n)
{
	__builtin_memcpy(o, s, 16);
	return o + n;
}

char	*sb_u64_at(char *o, uint64_t v);
/* The six digits of v < 10^6, leading zeros too; 8 bytes touched. */
char	*sb_frac6_at(char *o, uint32_t v);
#define SB_FRAC6_MAX	8
/* b keeps the text of the last seconds written (struct sbuf). */
char	*sb_ts_at(struct sbuf *b, char *o, int64_t ns);
char	*sb_addr_at(char *o, uint8_t af, const uint8_t *addr);
void	sb_printf(struct sbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	sb_u64(struct sbuf *b, uint64_t v);
void	sb_i64(struct sbuf *b, int64_t v);
/* Seconds with nine decimals from nanoseconds: "1700000000.123456789". */
void	sb_ts(struct sbuf *b, int64_t ns);
/* A JSON string, quoted and escaped. */
void	sb_jstr(struct sbuf *b, const char *s);
/* An address as text: IPv4 dotted, IPv6 as inet_ntop writes it. */
void	sb_addr(struct sbuf *b, uint8_t af, const uint8_t *addr);
/*
 * Text into a fixed buffer, as snprintf() writes it: at most len - 1
 * bytes and a NUL (nothing when len is 0), and sb_fix_end() gives the
 * length the whole text has.  For the explanations of RSTs and findings,
 * a few pieces each, without printf(): through snprintf() they took 2.6 %
 * of all the instructions of a run (100k benchmark capture, one thread).
 */
struct sb_fix {
	char	*p;
	size_t	len;
	size_t	n;		/* the text's length so far */
};

void	sb_fix_init(struct sb_fix *f, char *buf, size_t len);
void	sb_fix_puts(struct sb_fix *f, const char *s);
void	sb_fix_u64(struct sb_fix *f, uint64_t v);
void	sb_fix_i64(struct sb_fix *f, int64_t v);
/*
 * ns nanoseconds as seconds with 0 to 9 decimals, the text printf()'s
 * "%.Nf" gives for (double)ns / 1e9.
 */
void	sb_fix_sec(struct sb_fix *f, int64_t ns, int decimals);
int	sb_fix_end(const struct sb_fix *f);

/* Write and empty the buffer; -1 on a write error. */
int	sb_flush(struct sbuf *b, FILE *f);
/* A nameless temporary file in $TMPDIR, else /tmp; NULL if none. */
FILE	*sb_spool(void);
/*
 * Append b to a spool: 0, or -1 with errno set and what the file did not
 * take left in b.
 */
int	sb_spool_put(struct sbuf *b, FILE *spool);
/*
 * Give up a spool that took no more: head (may be NULL), the spool, then
 * rest to out; the spool is closed and set to NULL; -1 if out failed.
 */
int	sb_spill(FILE **spool, FILE *out, struct sbuf *head, struct sbuf *rest);
/* Copy a temporary file, from its start, to an output; -1 on error. */
int	sb_copy_file(FILE *from, FILE *to);

#endif /* SYNFIN_SBUF_H */
