/*
 * sbuf.c: growable output buffer.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

static int
reserve(struct sbuf *b, size_t n)
{
	size_t ncap;
	char *p;

	if (b->len + n + 1 <= b->cap)
		return 0;
	ncap = b->cap == 0 ? 4096 : b->cap;
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

void
sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (reserve(b, n) == -1)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sb_putc(struct sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

void
sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
sb_u64(struct sbuf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	sb_putn(b, tmp + i, sizeof(tmp) - i);
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

void
sb_ts(struct sbuf *b, int64_t ns)
{
	char frac[10];
	int64_t f;
	int i;

	if (ns < 0) {
		sb_putc(b, '-');
		ns = -ns;
	}
	sb_u64(b, (uint64_t)(ns / 1000000000));
	f = ns % 1000000000;
	for (i = 8; i >= 0; i--) {
		frac[i] = (char)('0' + f % 10);
		f /= 10;
	}
	frac[9] = '\0';
	sb_putc(b, '.');
	sb_putn(b, frac, 9);
}

void
sb_jstr(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	sb_putc(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
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
		default:
			if (*p < 0x20) {
				char u[6] = { '\\', 'u', '0', '0',
				    hex[*p >> 4], hex[*p & 15] };

				sb_putn(b, u, 6);
			} else {
				sb_putc(b, (char)*p);
			}
		}
	}
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
