/*
 * segbuild.c: hand-built TCP segments for the unit tests.
 */
#include <string.h>

#include "segbuild.h"
#include "track.h"

void
tb_seg(struct dec_seg *s, const struct tb_ends *e, int c2s, int64_t t,
    uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };

	memset(s, 0, sizeof(*s));
	s->af = 4;
	s->ts_ns = SB_T0 + t;
	memcpy(s->src, c2s ? a : b, 4);
	memcpy(s->dst, c2s ? b : a, 4);
	s->sport = c2s ? e->cport : e->sport;
	s->dport = c2s ? e->sport : e->cport;
	s->flags = flags;
	s->seq = seq;
	s->ack = ack;
	s->paylen = len;
	s->win = e->win;
	s->ip_bytes = 40 + len;
}

void
tb_feed(struct trk *trk, uint64_t *pktno, uint16_t cport, int c2s, int64_t t,
    uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	struct tb_ends e = { cport, 80, 65535 };
	struct dec_seg s;

	tb_seg(&s, &e, c2s, t, flags, seq, ack, len);
	trk_segment(trk, &s, ++*pktno);
}
