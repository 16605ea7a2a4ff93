/*
 * seq.h: 32-bit serial-number arithmetic for TCP sequence numbers.
 *
 * Sequence numbers wrap at 2^32 (RFC 9293 3.4); comparisons are made on
 * the signed difference, as RFC 1982 serial arithmetic does, so a value
 * just past the wrap is "after" one just before it.
 */
#ifndef SYNFIN_SEQ_H
#define SYNFIN_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool
seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool
seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* True when lo <= x < hi, in serial order (a window of hi - lo bytes). */
static inline bool
seq_in(uint32_t x, uint32_t lo, uint32_t hi)
{
	return (uint32_t)(x - lo) < (uint32_t)(hi - lo);
}

#endif /* SYNFIN_SEQ_H */
