/*
 * dedup.h: capture duplicates, the copies of one segment that a capture
 * holds more than once.
 *
 * tcpdump -i any on a host with a bridge sees a packet on the bridge port
 * and again on the bridge; a SPAN port that mirrors both ports of a path
 * sees it on its way in and on its way out; a capture on a tunnel's
 * interface and on the physical one sees it before and after the
 * encapsulation.  Left in, each copy looks like a retransmission: SYN and
 * FIN retransmissions, data sent twice.  A copy is found by a fingerprint
 * of what the sender put in the segment and nothing a hop on the path
 * changes (not the TTL, the IP checksum, the link header or its VLAN tag).
 */
#ifndef SYNFIN_DEDUP_H
#define SYNFIN_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"

/*
 * A copy counts when it comes within this time of the segment it copies.
 * With a nonzero IPv4 identification the time can be long: senders give
 * each datagram of a connection an ID of its own (Linux counts per
 * socket, others count globally or draw at random), so a retransmission
 * has a new one.  Otherwise (IPv6, or the ID 0 that Linux sends on a
 * SYN-ACK and from TIME_WAIT) only the time tells a copy from a
 * retransmission, which comes a round trip or more after the original,
 * 200 ms or more for a timeout (Linux's minimum RTO; RFC 6298 2.4 asks
 * for 1 s); a copy comes microseconds after it.
 */
#define DUP_WINDOW_ID_NS	(50 * 1000000LL)
#define DUP_WINDOW_NS		(1000000LL)

struct dup_table;

/* An empty table, or NULL on allocation error. */
struct dup_table	*dup_new(void);
void			 dup_free(struct dup_table *d);

/*
 * True when seg copies a segment seen within the window before or after
 * it (capture order, whose times may step back a little); the original
 * stays remembered, so a third copy is measured against it too.  False
 * otherwise, and seg is remembered.
 */
bool			 dup_seen(struct dup_table *d,
			    const struct dec_seg *seg);

#endif /* SYNFIN_DEDUP_H */
