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
};

void	sb_init(struct sbuf *b);
void	sb_free(struct sbuf *b);
void	sb_putc(struct sbuf *b, char c);
void	sb_puts(struct sbuf *b, const char *s);
void	sb_putn(struct sbuf *b, const char *s, size_t n);
void	sb_printf(struct sbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	sb_u64(struct sbuf *b, uint64_t v);
void	sb_i64(struct sbuf *b, int64_t v);
/* Seconds with nine decimals from nanoseconds: "1700000000.123456789". */
void	sb_ts(struct sbuf *b, int64_t ns);
/* A JSON string, quoted and escaped. */
void	sb_jstr(struct sbuf *b, const char *s);
/* Write and empty the buffer; -1 on a write error. */
int	sb_flush(struct sbuf *b, FILE *f);

#endif /* SYNFIN_SBUF_H */
