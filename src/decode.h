/*
 * decode.h: link, IP and TCP header decoding.
 *
 * The decoder is pure: it reads one captured frame, never allocates and
 * never reads past caplen.  It fills a struct dec_seg with what a TCP
 * segment says (addresses, ports, sequence numbers, flags, options) and
 * returns a result code.  Every packet that is not a usable TCP segment is
 * given one reason from enum dec_res, which the caller counts.
 *
 * Payload length always comes from the IP length fields, never from the
 * captured length, so a snaplen-cut packet still yields the header fields
 * it holds (seg->trunc says what was cut).
 */
#ifndef SYNFIN_DECODE_H
#define SYNFIN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP flag bits, as on the wire (RFC 9293 3.1, RFC 3168 for ECE/CWR). */
#define DEC_TH_FIN	0x01
#define DEC_TH_SYN	0x02
#define DEC_TH_RST	0x04
#define DEC_TH_PSH	0x08
#define DEC_TH_ACK	0x10
#define DEC_TH_URG	0x20
#define DEC_TH_ECE	0x40
#define DEC_TH_CWR	0x80

/* At most four SACK blocks fit in 40 bytes of options (RFC 2018). */
#define DEC_MAX_SACK	4

/*
 * Result of decoding one frame.  DEC_OK is the only result that yields a
 * segment; every other value is a reason to count and skip.  Keep
 * dec_res_names[] (decode.c) in the same order.
 */
enum dec_res {
	DEC_OK = 0,
	DEC_NOT_IP,		/* link payload not IPv4/IPv6 (ARP...) */
	DEC_NOT_TCP,		/* IP, but not TCP (UDP, ICMP, ...) */
	DEC_UNSUPPORTED_LINK,	/* the capture's link type is not decoded */
	DEC_TRUNC_LINK,		/* frame shorter than its link header */
	DEC_TRUNC_IP,		/* IP header cut by snaplen */
	DEC_TRUNC_TCP,		/* TCP fixed header cut by snaplen */
	DEC_BAD_IP_VERSION,	/* version nibble is neither 4 nor 6 */
	DEC_BAD_IP_HLEN,	/* IPv4 IHL < 5 or beyond the packet */
	DEC_BAD_IP_LEN,		/* IP total/payload length impossible */
	DEC_BAD_IP6_EXT,	/* IPv6 extension chain malformed or too long */
	DEC_FRAGMENT,		/* non-first fragment: no TCP header in it */
	DEC_FRAG_SPLIT_TCP,	/* first fragment too short for a TCP header */
	DEC_BAD_TCP_OFF,	/* TCP data offset < 5 or past IP payload */
	DEC_BAD_TUNNEL,		/* encapsulation header malformed */
	DEC_TUNNEL_DEPTH,	/* encapsulations nested too deep */
	DEC_TRUNC_TUNNEL,	/* encapsulation header cut by snaplen */
	DEC_BAD_TIME,		/* capture time before 1970 or from 2106 on
				   (the reader's, not the decoder's) */
	DEC_RES_MAX
};

/* Why a segment is incomplete, as bits of dec_seg.trunc. */
#define DEC_TRUNC_OPTS		0x01	/* TCP options cut by snaplen */
#define DEC_TRUNC_PAYLOAD	0x02	/* payload cut by snaplen (common) */
#define DEC_TRUNC_FRAG		0x04	/* first IP fragment: paylen counts
					   only the bytes of this fragment */

/* Options kept in wire order for printing: 40 bytes hold at most 40. */
#define DEC_MAX_OPTLIST	40

/* TCP options that synfin uses (RFC 9293 3.2, RFC 7323, RFC 2018). */
struct dec_tcp_opts {
	bool		has_mss;
	bool		has_wscale;
	bool		sack_ok;
	bool		has_ts;
	bool		bad;		/* an option's length was malformed */
	uint8_t		wscale;
	uint8_t		nsack;		/* SACK blocks held in sack[] */
	uint16_t	mss;
	uint32_t	tsval;
	uint32_t	tsecr;
	uint32_t	sack[DEC_MAX_SACK][2];	/* left, right edges */
	uint8_t		nlist;		/* option kinds held in list[] */
	uint8_t		list[DEC_MAX_OPTLIST];	/* kinds in wire order */
};

/*
 * One decoded TCP segment.  Addresses are kept in network byte order in
 * 16 bytes; an IPv4 address uses the first 4 bytes and the rest are zero,
 * so two addresses compare with memcmp() once af is equal.
 *
 * What the engine reads for every segment comes first, up to opt.sack
 * (68 bytes): the reading thread hands the engine that much and the
 * addresses, which the engine reads only for a connection's first
 * segment (see DEC_SEG_HOT and capture.c's struct cap_item).  The SACK
 * blocks and the option list are for the --packets view alone.
 */
struct dec_seg {
	int64_t		ts_ns;		/* capture time, ns since the epoch */
	uint32_t	seq;
	uint32_t	ack;
	uint32_t	paylen;		/* TCP payload bytes, from IP lengths */
	uint32_t	ip_bytes;	/* IP total length (header + payload) */
	uint32_t	wirelen;	/* frame length on the wire */
	uint16_t	sport;
	uint16_t	dport;
	uint16_t	win;		/* raw window field, unscaled */
	uint16_t	vlan;		/* innermost 802.1Q VLAN id, 0: none */
	uint16_t	ip_id;		/* IPv4 identification, 0 for IPv6 */
	uint16_t	tcp_sum;	/* TCP checksum field, as captured */
	uint8_t		af;		/* 4 or 6 */
	uint8_t		flags;		/* DEC_TH_* */
	uint8_t		trunc;		/* DEC_TRUNC_* bits */
	uint8_t		tunnel;		/* encapsulations removed (0 = none);
					   VLAN and VN-Tag tags do not count */
	uint8_t		ttl;		/* IPv4 TTL or IPv6 hop limit */
	struct dec_tcp_opts opt;
	uint8_t		src[16];
	uint8_t		dst[16];
};

/* The bytes of a struct dec_seg before the SACK blocks (see above). */
#define DEC_SEG_HOT	(offsetof(struct dec_seg, opt) + \
			    offsetof(struct dec_tcp_opts, sack))

/*
 * Half h (0 or 1) of a 16-byte address as a big-endian number: comparing
 * the two halves orders addresses as memcmp() does, without a call.
 */
static inline uint64_t
dec_addr_half(const uint8_t *addr, int h)
{
	const uint8_t *p = addr + 8 * h;

	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	    (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/*
 * Decode one frame of link type dlt (a DLT_* value as pcap_datalink()
 * gives it).  pkt holds caplen bytes; wirelen is the frame's length on the
 * wire.  On DEC_OK *out is filled except ts_ns, which the caller sets.
 * With any other result *out is unspecified.
 */
enum dec_res	dec_packet(int dlt, const uint8_t *pkt, uint32_t caplen,
		    uint32_t wirelen, struct dec_seg *out);

/* True when dec_packet() knows the link type. */
bool		dec_link_supported(int dlt);

/* Short stable name of a result ("trunc_ip"), for counters and JSON. */
const char	*dec_res_name(enum dec_res res);

/* Text of an address ("192.0.2.1", "2001:db8::1"); buf of 46 bytes. */
const char	*dec_addr_str(uint8_t af, const uint8_t *addr, char *buf,
		    size_t len);

/*
 * Format one segment as a single line, without newline, as the --packets
 * view prints it: time, endpoints, flags, seq, ack, length, options.
 * Returns the length written (snprintf semantics).
 */
int		dec_format_seg(const struct dec_seg *seg, char *buf,
		    size_t len);

#endif /* SYNFIN_DECODE_H */
