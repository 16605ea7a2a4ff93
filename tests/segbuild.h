/*
 * segbuild.h: hand-built TCP segments for the engine's unit tests, between
 * a client 10.0.0.1 and a server 10.0.0.2 on the ports given.
 */
#ifndef SYNFIN_SEGBUILD_H
#define SYNFIN_SEGBUILD_H

#include <stdint.h>

#include "decode.h"

#define SB_T0	(1700000000LL * 1000000000LL)

struct tb_ends {
	uint16_t	cport;
	uint16_t	sport;
	uint16_t	win;
};

/* A segment from the client (c2s) or the server, t ns after SB_T0. */
void	tb_seg(struct dec_seg *s, const struct tb_ends *e, int c2s, int64_t t,
	    uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len);

struct trk;

/*
 * The same between 10.0.0.1:cport and 10.0.0.2:80, fed to the engine as
 * packet ++*pktno.
 */
void	tb_feed(struct trk *trk, uint64_t *pktno, uint16_t cport, int c2s,
	    int64_t t, uint8_t flags, uint32_t seq, uint32_t ack,
	    uint32_t len);

#endif
