/*
 * dedup.c: see dedup.h.
 *
 * Key design: a direct-mapped table of DUP_SLOTS fingerprints, each with
 * the time of its segment.  A copy comes right after its original (the
 * same packet seen at two points of one host, microseconds apart), so a
 * slot taken over by another segment in between loses little; the table
 * is 64 KiB whatever the capture, and a segment costs one hash and one
 * slot.
 *
 * The fingerprint covers the addresses and ports, the sequence and
 * acknowledgement numbers, flags, window, payload length, the IPv4
 * identification, both timestamps and the TCP checksum, which stands for
 * the payload and every option (two RSTs that differ only in an MPTCP
 * option's reason, dupACKs with other SACK blocks): 64 bits of a mix of
 * them, never 0 (0 marks a free slot).  A hop does not change the TCP
 * checksum; checksum offload leaves it unfinished, alike in every copy,
 * unless a device between two capture points finishes it.
 */
#include <stdlib.h>
#include <string.h>

#include "dedup.h"

#define DUP_SLOTS	4096	/* a power of two */

struct dup_slot {
	uint64_t	fp;
	int64_t		ts_ns;
};

struct dup_table {
	struct dup_slot	slot[DUP_SLOTS];
};

static inline uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

static uint64_t
fingerprint(const struct dec_seg *s)
{
	uint64_t a[4], h;

	memcpy(&a[0], s->src, 8);
	memcpy(&a[2], s->dst, 8);
	h = mix(0x243f6a8885a308d3ULL, a[0]);
	h = mix(h, a[2]);
	if (s->af == 6) {
		/* An IPv4 address ends in zeros (decode.h). */
		memcpy(&a[1], s->src + 8, 8);
		memcpy(&a[3], s->dst + 8, 8);
		h = mix(h, a[1]);
		h = mix(h, a[3]);
	}
	h = mix(h, (uint64_t)s->sport << 48 | (uint64_t)s->dport << 32 |
	    (uint64_t)s->af << 24 | (uint64_t)s->flags << 16 | s->win);
	h = mix(h, (uint64_t)s->seq << 32 | s->ack);
	h = mix(h, (uint64_t)s->paylen << 32 | (uint64_t)s->ip_id << 16 |
	    s->tcp_sum);
	if (s->opt.has_ts)
		h = mix(h, (uint64_t)s->opt.tsval << 32 | s->opt.tsecr);
	return h != 0 ? h : 1;
}

struct dup_table *
dup_new(void)
{
	return calloc(1, sizeof(struct dup_table));
}

void
dup_free(struct dup_table *d)
{
	free(d);
}

bool
dup_seen(struct dup_table *d, const struct dec_seg *seg)
{
	uint64_t fp = fingerprint(seg);
	struct dup_slot *e = &d->slot[(fp >> 32) & (DUP_SLOTS - 1)];
	int64_t dt, win;

	if (e->fp == fp) {
		win = seg->af == 4 && seg->ip_id != 0 ? DUP_WINDOW_ID_NS :
		    DUP_WINDOW_NS;
		dt = seg->ts_ns - e->ts_ns;
		if (dt >= -win && dt <= win)
			return true;
	}
	e->fp = fp;
	e->ts_ns = seg->ts_ns;
	return false;
}
