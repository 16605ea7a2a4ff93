/*
 * err.h: the error text a failing function leaves for its caller.
 *
 * As in libpcap, functions return 0 or -1 (or a status) and write a
 * sentence into a caller's struct sf_err; only main() prints and exits.
 */
#ifndef SYNFIN_ERR_H
#define SYNFIN_ERR_H

#include <stdarg.h>
#include <stdio.h>

#define SF_ERRBUF_SIZE	512

/* Exit statuses, documented in synfin(1) EXIT STATUS. */
enum sf_exit {
	SF_EXIT_OK = 0,		/* every input read in full */
	SF_EXIT_USAGE = 1,	/* bad option, bad filter, nothing to read */
	SF_EXIT_INPUT = 2,	/* an input missing, damaged or cut short */
	SF_EXIT_LIMIT = 3	/* a resource limit stopped the analysis */
};

struct sf_err {
	char	msg[SF_ERRBUF_SIZE];
};

/* Write a message into err (printf format); returns -1 for tail calls. */
static inline int
sf_seterr(struct sf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int
sf_seterr(struct sf_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

#endif /* SYNFIN_ERR_H */
