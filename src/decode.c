/*
 * decode.c: link, tunnel, IP and TCP header decoding.
 *
 * A frame is walked as a chain of headers: link header, tags (802.1Q,
 * VN-Tag), encapsulations (MPLS, PBB, FabricPath, PPPoE, GRE, VXLAN,
 * Geneve, GTP-U, Teredo, AYIYA, IP in IP), IP and finally TCP.  Each
 * header has one parser; a parser checks its bytes, advances the cursor
 * and calls the parser of what follows.  Every encapsulation passes through
 * dec_enter(), which bounds the nesting, so the recursion is bounded too.
 *
 * Key design choice: every read is checked against two limits kept in the
 * cursor.  "end" is where the current layer ends according to the length
 * fields of the headers around it; "cap" is where the captured bytes end.
 * A header that does not fit before "end" is malformed (a DEC_BAD_* result);
 * one that fits before "end" but not before "cap" was cut by the snaplen (a
 * DEC_TRUNC_* result) or, in the first fragment of an IP datagram, by the
 * fragmentation (DEC_FRAG_SPLIT_TCP).  Fields are assembled from single
 * bytes, so the frame need not be aligned, and nothing is allocated.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <pcap/dlt.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

/* ---- constants ---- */

/* Link types that some <pcap/dlt.h> lack. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif
#ifndef DLT_LOOP
#define DLT_LOOP	108
#endif
#ifndef DLT_PPP_SERIAL
#define DLT_PPP_SERIAL	50
#endif
#ifndef DLT_PPP_ETHER
#define DLT_PPP_ETHER	51
#endif
#ifndef DLT_C_HDLC
#define DLT_C_HDLC	104
#endif
#ifndef DLT_FDDI
#define DLT_FDDI	10
#endif

/* LINKTYPE_RAW as written in a file; libpcap reports it as DLT_RAW. */
#define DEC_LINKTYPE_RAW	101
/* LINKTYPE_LOOP in a file; OpenBSD's DLT_LOOP is 12. */
#define DEC_LINKTYPE_LOOP	108

/* Ethertypes (IEEE registry) and the protocol types of GRE and Geneve. */
#define ET_IPV4		0x0800
#define ET_ARP		0x0806
#define ET_TEB		0x6558	/* transparent Ethernet bridging, RFC 1701 */
#define ET_VLAN		0x8100	/* IEEE 802.1Q */
#define ET_IPV6		0x86dd
#define ET_PPP		0x880b	/* PPP in enhanced GRE, RFC 2637 */
#define ET_WCCP		0x883e	/* Cisco WCCP redirection in GRE */
#define ET_MPLS		0x8847	/* RFC 3032 */
#define ET_MPLS_MC	0x8848
#define ET_PPPOE_SESS	0x8864	/* RFC 2516 */
#define ET_QINQ		0x88a8	/* IEEE 802.1ad */
#define ET_ERSPAN2	0x88be	/* ERSPAN type I and II */
#define ET_PBB		0x88e7	/* IEEE 802.1ah I-tag */
#define ET_FABRICPATH	0x8903	/* Cisco FabricPath */
#define ET_VNTAG	0x8926	/* IEEE 802.1Qbh VN-Tag */
#define ET_QINQ_OLD	0x9100	/* pre-standard stacked VLAN */
#define ET_ERSPAN3	0x22eb	/* ERSPAN type III */

/* IP protocol numbers (IANA). */
#define IPP_HOPOPTS	0
#define IPP_IPIP	4
#define IPP_TCP		6
#define IPP_UDP		17
#define IPP_IPV6	41
#define IPP_ROUTING	43
#define IPP_FRAGMENT	44
#define IPP_GRE		47
#define IPP_AH		51
#define IPP_NONE	59
#define IPP_DSTOPTS	60

/* UDP ports of the tunnels that are decoded. */
#define PORT_GTPU	2152	/* 3GPP TS 29.281 */
#define PORT_TEREDO	3544	/* RFC 4380 */
#define PORT_GRE_UDP	4754	/* RFC 8086 */
#define PORT_VXLAN	4789	/* RFC 7348 */
#define PORT_AYIYA	5072	/* draft-massar-v6ops-ayiya */
#define PORT_GENEVE	6081	/* RFC 8926 */

/* PPP protocol numbers (RFC 1661, RFC 5072). */
#define PPP_IPV4	0x0021
#define PPP_IPV6	0x0057
#define PPP_MPLS	0x0281	/* RFC 3032 4.3 */
#define PPP_MPLS_MC	0x0283

/* TCP option kinds (IANA; RFC 9293 3.2, RFC 7323, RFC 2018). */
#define TO_EOL		0
#define TO_NOP		1
#define TO_MSS		2
#define TO_WSCALE	3
#define TO_SACK_OK	4
#define TO_SACK		5
#define TO_TS		8

/* Bounds on what one frame may hold. */
#define DEC_MAX_DEPTH	8	/* encapsulations */
#define DEC_MAX_TAGS	8	/* VLAN and VN-Tag tags in a row */
#define DEC_MAX_LABELS	16	/* MPLS labels in a stack */
#define DEC_MAX_IP6_EXT	8	/* IPv6 extension headers */
#define DEC_MAX_GTP_EXT	16	/* GTP-U extension headers */

#define TCP_HLEN	20
#define IP4_HLEN	20
#define IP6_HLEN	40
#define ETH_HLEN	14

/* ---- types ---- */

/*
 * Where the decoder stands in a frame.  All offsets are from the start of
 * the frame and kept in 64 bits so that adding a 16-bit length cannot wrap.
 */
struct dec_cur {
	const uint8_t	*pkt;		/* the frame */
	uint64_t	 off;		/* start of the next header */
	uint64_t	 end;		/* end of this layer, from lengths */
	uint64_t	 cap;		/* end of the bytes at hand */
	uint64_t	 fragend;	/* end of a first fragment (if frag) */
	bool		 frag;		/* in a first fragment: end unknown */
	bool		 capfrag;	/* cap is a fragment's end */
	unsigned	 depth;		/* encapsulations entered */
};

/* ---- private prototypes ---- */

static uint16_t		 get16(const uint8_t *);
static uint32_t		 get32(const uint8_t *);
static const uint8_t	*at(const struct dec_cur *);
static enum dec_res	 need(const struct dec_cur *, uint64_t, enum dec_res,
			    enum dec_res);
static enum dec_res	 need_link(const struct dec_cur *, uint64_t);
static enum dec_res	 need_tun(const struct dec_cur *, uint64_t);
static enum dec_res	 need_guess(const struct dec_cur *, uint64_t);
static void		 set_end(struct dec_cur *, uint64_t);
static void		 set_frag(struct dec_cur *);
static enum dec_res	 dec_enter(struct dec_cur *, struct dec_seg *);
static bool		 known_ethertype(uint16_t);
static enum dec_res	 dec_ether(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_llc(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_ethertype(struct dec_cur *, uint16_t,
			    struct dec_seg *);
static enum dec_res	 dec_mpls(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_pppoe(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_ppp(struct dec_cur *, bool, struct dec_seg *);
static enum dec_res	 dec_wlan(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_null(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_ip(struct dec_cur *, int, struct dec_seg *);
static enum dec_res	 dec_ip4(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_ip6(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_jumbo(const struct dec_cur *, uint64_t *);
static enum dec_res	 dec_proto(struct dec_cur *, uint8_t,
			    struct dec_seg *);
static enum dec_res	 dec_udp(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_gre(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_vxlan(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_geneve(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_gtp(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_teredo(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_ayiya(struct dec_cur *, struct dec_seg *);
static enum dec_res	 dec_tcp(struct dec_cur *, struct dec_seg *);
static void		 dec_tcp_opts(const uint8_t *, uint64_t, bool,
			    struct dec_tcp_opts *);

/* ---- names ---- */

static const char *const dec_res_names[DEC_RES_MAX] = {
	[DEC_OK] = "ok",
	[DEC_NOT_IP] = "not_ip",
	[DEC_NOT_TCP] = "not_tcp",
	[DEC_UNSUPPORTED_LINK] = "unsupported_link",
	[DEC_TRUNC_LINK] = "trunc_link",
	[DEC_TRUNC_IP] = "trunc_ip",
	[DEC_TRUNC_TCP] = "trunc_tcp",
	[DEC_BAD_IP_VERSION] = "bad_ip_version",
	[DEC_BAD_IP_HLEN] = "bad_ip_hlen",
	[DEC_BAD_IP_LEN] = "bad_ip_len",
	[DEC_BAD_IP6_EXT] = "bad_ip6_ext",
	[DEC_FRAGMENT] = "fragment",
	[DEC_FRAG_SPLIT_TCP] = "frag_split_tcp",
	[DEC_BAD_TCP_OFF] = "bad_tcp_off",
	[DEC_BAD_TUNNEL] = "bad_tunnel",
	[DEC_TUNNEL_DEPTH] = "tunnel_depth",
	[DEC_TRUNC_TUNNEL] = "trunc_tunnel",
	[DEC_BAD_TIME] = "bad_timestamp",
};

/* ---- byte access and bounds ---- */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The next header's first byte; only valid after need() said so. */
static const uint8_t *
at(const struct dec_cur *c)
{
	return c->pkt + c->off;
}

/*
 * Check that n bytes from the cursor belong to the current layer and were
 * captured.  Beyond the layer's end the header is malformed (bad); beyond
 * the captured bytes it was cut, by the snaplen (trunc) or by the
 * fragmentation of an enclosing IP datagram.
 */
static enum dec_res
need(const struct dec_cur *c, uint64_t n, enum dec_res bad,
    enum dec_res trunc)
{
	if (c->off + n > c->end)
		return bad;
	if (c->off + n > c->cap)
		return c->capfrag ? DEC_FRAG_SPLIT_TCP : trunc;
	return DEC_OK;
}

/*
 * A link header or tag: a frame too short for it on the wire is as cut as
 * one cut by the snaplen, but inside a tunnel it means the tunnel lied.
 */
static enum dec_res
need_link(const struct dec_cur *c, uint64_t n)
{
	return need(c, n, c->depth > 0 ? DEC_BAD_TUNNEL : DEC_TRUNC_LINK,
	    DEC_TRUNC_LINK);
}

/* A tunnel header. */
static enum dec_res
need_tun(const struct dec_cur *c, uint64_t n)
{
	return need(c, n, DEC_BAD_TUNNEL, DEC_TRUNC_TUNNEL);
}

/*
 * A header of a tunnel known only by its port: if it does not fit, the
 * datagram was not that tunnel.
 */
static enum dec_res
need_guess(const struct dec_cur *c, uint64_t n)
{
	return need(c, n, DEC_NOT_TCP, DEC_TRUNC_TUNNEL);
}

/*
 * A length field says the current layer ends at e.  The callers have
 * checked that e is within the enclosing layer, or that the enclosing layer
 * was cut so that the check cannot be made.  Bytes past e (Ethernet
 * padding, trailers) are not part of the layer.
 */
static void
set_end(struct dec_cur *c, uint64_t e)
{
	c->end = e;
	c->frag = false;
	if (e < c->cap) {
		c->cap = e;
		c->capfrag = false;
	}
}

/*
 * The current layer is the first fragment of an IP datagram: its end is
 * where the fragment ends, but the headers inside describe the whole
 * datagram, so their lengths are checked against nothing until one of
 * them (an inner IP or UDP header) gives a new end.
 */
static void
set_frag(struct dec_cur *c)
{
	c->fragend = c->end;
	c->frag = true;
	c->end = UINT64_MAX;
	if (c->fragend <= c->cap) {
		c->cap = c->fragend;
		c->capfrag = true;
	}
}

/* One more encapsulation; bounds the nesting (and the recursion). */
static enum dec_res
dec_enter(struct dec_cur *c, struct dec_seg *out)
{
	if (c->depth >= DEC_MAX_DEPTH)
		return DEC_TUNNEL_DEPTH;
	c->depth++;
	out->tunnel = (uint8_t)c->depth;
	return DEC_OK;
}

/* ---- link layers ---- */

/* Ethertypes that make a plausible next header after an Ethernet header. */
static bool
known_ethertype(uint16_t type)
{
	switch (type) {
	case ET_IPV4:
	case ET_IPV6:
	case ET_ARP:
	case ET_VLAN:
	case ET_QINQ:
	case ET_QINQ_OLD:
	case ET_MPLS:
	case ET_MPLS_MC:
	case ET_PPPOE_SESS:
		return true;
	default:
		return false;
	}
}

/* Ethernet II or IEEE 802.3 with LLC (IEEE 802.3 clause 3). */
static enum dec_res
dec_ether(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	uint16_t type;

	if ((res = need_link(c, ETH_HLEN)) != DEC_OK)
		return res;
	type = get16(at(c) + 12);
	c->off += ETH_HLEN;
	if (type <= 1500)
		return dec_llc(c, out);
	if (type < 1536)
		return DEC_NOT_IP;
	return dec_ethertype(c, type, out);
}

/*
 * IEEE 802.2 LLC: only SNAP with a zero OUI (RFC 1042) carries an
 * ethertype; every other LLC frame is not IP for us.
 */
static enum dec_res
dec_llc(struct dec_cur *c, struct dec_seg *out)
{
	static const uint8_t snap[6] = { 0xaa, 0xaa, 0x03, 0, 0, 0 };

	if (c->off + 8 > c->end || c->off + 8 > c->cap)
		return DEC_NOT_IP;
	if (memcmp(at(c), snap, sizeof(snap)) != 0)
		return DEC_NOT_IP;
	c->off += 8;
	return dec_ethertype(c, get16(at(c) - 2), out);
}

/*
 * What follows an ethertype: tags are stripped in a loop, everything else
 * is handed to its parser.
 */
static enum dec_res
dec_ethertype(struct dec_cur *c, uint16_t type, struct dec_seg *out)
{
	enum dec_res res;
	int ntags;

	for (ntags = 0;; ntags++) {
		switch (type) {
		case ET_VLAN:
		case ET_QINQ:
		case ET_QINQ_OLD:
			/* TCI (PCP, DEI, VID) then the next type. */
			if (ntags >= DEC_MAX_TAGS)
				return DEC_TUNNEL_DEPTH;
			if ((res = need_link(c, 4)) != DEC_OK)
				return res;
			out->vlan = get16(at(c)) & 0x0fff;
			type = get16(at(c) + 2);
			c->off += 4;
			continue;
		case ET_VNTAG:
			/* Four bytes of tag, then the next type. */
			if (ntags >= DEC_MAX_TAGS)
				return DEC_TUNNEL_DEPTH;
			if ((res = need_link(c, 6)) != DEC_OK)
				return res;
			type = get16(at(c) + 4);
			c->off += 6;
			continue;
		case ET_IPV4:
			return dec_ip(c, 4, out);
		case ET_IPV6:
			return dec_ip(c, 6, out);
		case ET_MPLS:
		case ET_MPLS_MC:
			return dec_mpls(c, out);
		case ET_PPPOE_SESS:
			return dec_pppoe(c, out);
		case ET_FABRICPATH:
			/*
			 * The 16-byte outer header ends with two bytes of
			 * FTag and TTL after this type; the original frame
			 * follows.
			 */
			if ((res = dec_enter(c, out)) != DEC_OK)
				return res;
			if ((res = need_link(c, 2)) != DEC_OK)
				return res;
			c->off += 2;
			return dec_ether(c, out);
		case ET_PBB:
			/* IEEE 802.1ah: a 4-byte I-tag, then the C-frame. */
			if ((res = dec_enter(c, out)) != DEC_OK)
				return res;
			if ((res = need_link(c, 4)) != DEC_OK)
				return res;
			c->off += 4;
			return dec_ether(c, out);
		default:
			if (type <= 1500)
				return dec_llc(c, out);
			return DEC_NOT_IP;
		}
	}
}

/*
 * MPLS label stack (RFC 3032 2.1).  The payload's protocol is not written
 * down; as routers do, guess it from the first nibble: 4 and 6 are IP, 0
 * is an Ethernet pseudowire (RFC 4448), with or without the control word
 * of RFC 4385, which also starts with a zero nibble.
 */
static enum dec_res
dec_mpls(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	int n;
	bool bos;

	if ((res = dec_enter(c, out)) != DEC_OK)
		return res;
	for (n = 0, bos = false; !bos; n++) {
		if (n >= DEC_MAX_LABELS)
			return DEC_TUNNEL_DEPTH;
		if ((res = need_tun(c, 4)) != DEC_OK)
			return res;
		bos = (at(c)[2] & 0x01) != 0;
		c->off += 4;
	}
	if ((res = need(c, 1, DEC_NOT_IP, DEC_TRUNC_IP)) != DEC_OK)
		return res;
	switch (at(c)[0] >> 4) {
	case 4:
		return dec_ip(c, 4, out);
	case 6:
		return dec_ip(c, 6, out);
	case 0:
		if (need_link(c, ETH_HLEN) == DEC_OK &&
		    known_ethertype(get16(at(c) + 12)))
			return dec_ether(c, out);
		if (need_link(c, 4 + ETH_HLEN) == DEC_OK &&
		    known_ethertype(get16(at(c) + 16))) {
			c->off += 4;
			return dec_ether(c, out);
		}
		return DEC_NOT_IP;
	default:
		return DEC_NOT_IP;
	}
}

/*
 * PPPoE session stage (RFC 2516 section 5.3, 6-byte header), then PPP.
 * Its length field is not used: access concentrators are seen to get it
 * wrong, and the IP length that follows bounds the packet anyway.
 */
static enum dec_res
dec_pppoe(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;

	if ((res = dec_enter(c, out)) != DEC_OK)
		return res;
	if ((res = need_tun(c, 6)) != DEC_OK)
		return res;
	/* Version 1, type 1, code 0 for session data. */
	if (at(c)[0] != 0x11 || at(c)[1] != 0x00)
		return DEC_BAD_TUNNEL;
	c->off += 6;
	return dec_ppp(c, false, out);
}

/*
 * PPP protocol field (RFC 1661 section 2), after the address and control
 * bytes of HDLC-like framing (RFC 1662 section 3) if hdlc is set and they
 * are present.  The field may be compressed to one byte (RFC 1661 6.5).
 */
static enum dec_res
dec_ppp(struct dec_cur *c, bool hdlc, struct dec_seg *out)
{
	enum dec_res res;
	uint16_t proto;

	if (hdlc && need(c, 2, DEC_NOT_IP, DEC_TRUNC_LINK) == DEC_OK &&
	    at(c)[0] == 0xff && at(c)[1] == 0x03)
		c->off += 2;
	if ((res = need(c, 1, DEC_NOT_IP, DEC_TRUNC_LINK)) != DEC_OK)
		return res;
	if (at(c)[0] & 0x01) {
		proto = at(c)[0];
		c->off += 1;
	} else {
		if ((res = need(c, 2, DEC_NOT_IP, DEC_TRUNC_LINK)) != DEC_OK)
			return res;
		proto = get16(at(c));
		c->off += 2;
	}
	switch (proto) {
	case PPP_IPV4:
		return dec_ip(c, 4, out);
	case PPP_IPV6:
		return dec_ip(c, 6, out);
	case PPP_MPLS:
	case PPP_MPLS_MC:
		return dec_mpls(c, out);
	default:
		return DEC_NOT_IP;
	}
}

/*
 * An IEEE 802.11 data frame (IEEE 802.11-2020 9.3.2.1), as Aruba access
 * points forward them in GRE: MAC header, then an LLC/SNAP header, or an
 * A-MSDU whose first subframe is decoded (one frame yields one segment).
 */
static enum dec_res
dec_wlan(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	const uint8_t *p;
	uint64_t hlen;
	uint8_t fc0, fc1;
	bool amsdu;

	if ((res = need_link(c, 24)) != DEC_OK)
		return res;
	p = at(c);
	fc0 = p[0];
	fc1 = p[1];
	/* Type 2 is data; subtypes with bit 2 set carry no data. */
	if (((fc0 >> 2) & 0x03) != 2 || (fc0 & 0x40) != 0)
		return DEC_NOT_IP;
	/* A protected frame's body is encrypted. */
	if (fc1 & 0x40)
		return DEC_NOT_IP;
	hlen = 24;
	if ((fc1 & 0x03) == 0x03)
		hlen += 6;		/* Address 4 */
	amsdu = false;
	if (fc0 & 0x80) {
		/* QoS data: QoS Control, bit 7 flags an A-MSDU. */
		if ((res = need_link(c, hlen + 2)) != DEC_OK)
			return res;
		amsdu = (p[hlen] & 0x80) != 0;
		hlen += 2;
		if (fc1 & 0x80)
			hlen += 4;	/* HT Control */
	}
	if ((res = need_link(c, hlen)) != DEC_OK)
		return res;
	c->off += hlen;
	if (amsdu) {
		/* Subframe header: DA, SA, length of the MSDU. */
		if ((res = need_link(c, ETH_HLEN)) != DEC_OK)
			return res;
		hlen = get16(at(c) + 12);
		c->off += ETH_HLEN;
		if (c->off + hlen > c->end)
			return DEC_BAD_TUNNEL;
		set_end(c, c->off + hlen);
	}
	return dec_llc(c, out);
}

/*
 * BSD loopback: a 4-byte address family in the byte order of the machine
 * that wrote the file (DLT_NULL) or in network order (DLT_LOOP); both are
 * accepted since a file may travel.  AF_INET is 2 everywhere; AF_INET6 is
 * 10 on Linux, 24 on NetBSD and OpenBSD, 28 on FreeBSD, 30 on Darwin.
 */
static enum dec_res
dec_null(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	uint32_t af;

	if ((res = need_link(c, 4)) != DEC_OK)
		return res;
	af = get32(at(c));
	if ((af & 0xffff0000) != 0)
		af = (af >> 24) | ((af >> 8) & 0xff00) |
		    ((af << 8) & 0xff0000) | (af << 24);
	c->off += 4;
	switch (af) {
	case 2:
		return dec_ip(c, 4, out);
	case 10:
	case 24:
	case 28:
	case 30:
		return dec_ip(c, 6, out);
	default:
		return DEC_NOT_IP;
	}
}

/* ---- IP ---- */

/* IPv4 or IPv6; want is the version the outer header announced, or 0. */
static enum dec_res
dec_ip(struct dec_cur *c, int want, struct dec_seg *out)
{
	enum dec_res res;
	int v;

	if ((res = need(c, 1, DEC_TRUNC_IP, DEC_TRUNC_IP)) != DEC_OK)
		return res;
	v = at(c)[0] >> 4;
	if ((want != 0 && v != want) || (v != 4 && v != 6))
		return DEC_BAD_IP_VERSION;
	return v == 4 ? dec_ip4(c, out) : dec_ip6(c, out);
}

/* IPv4 (RFC 791 3.1). */
static enum dec_res
dec_ip4(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	const uint8_t *p;
	uint64_t start, hlen, total;
	uint16_t fo;

	if ((res = need(c, IP4_HLEN, DEC_TRUNC_IP, DEC_TRUNC_IP)) != DEC_OK)
		return res;
	p = at(c);
	start = c->off;
	hlen = (uint64_t)(p[0] & 0x0f) * 4;
	if (hlen < IP4_HLEN)
		return DEC_BAD_IP_HLEN;
	if ((res = need(c, hlen, DEC_BAD_IP_HLEN, DEC_TRUNC_IP)) != DEC_OK)
		return res;
	total = get16(p + 2);
	if (total == 0 && !c->frag) {
		/*
		 * A capture taken before TCP segmentation offload (TSO,
		 * GSO) holds a super-packet whose total length the stack
		 * left at zero; the frame's length is the datagram's.
		 */
		total = c->end - start;
	}
	if (total < hlen)
		return DEC_BAD_IP_LEN;
	/* Longer than the frame is only believable if the frame was cut. */
	if (start + total > c->end && c->cap >= c->end)
		return DEC_BAD_IP_LEN;

	fo = get16(p + 6);
	if ((fo & 0x1fff) != 0)
		return DEC_FRAGMENT;

	out->af = 4;
	memset(out->src, 0, sizeof(out->src));
	memset(out->dst, 0, sizeof(out->dst));
	memcpy(out->src, p + 12, 4);
	memcpy(out->dst, p + 16, 4);
	out->ttl = p[8];
	out->ip_id = get16(p + 4);
	out->ip_bytes = (uint32_t)(total > UINT32_MAX ? UINT32_MAX : total);

	c->off = start + hlen;
	set_end(c, start + total);
	if (fo & 0x2000) {
		/* First fragment (RFC 791 3.2). */
		if (p[9] == IPP_TCP && total - hlen < TCP_HLEN)
			return DEC_FRAG_SPLIT_TCP;
		set_frag(c);
	}
	return dec_proto(c, p[9], out);
}

/* IPv6 (RFC 8200 section 3) and its extension headers (section 4). */
static enum dec_res
dec_ip6(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	const uint8_t *p;
	uint64_t start, plen, elen;
	uint16_t fo;
	uint8_t nxt;
	int n;

	if ((res = need(c, IP6_HLEN, DEC_TRUNC_IP, DEC_TRUNC_IP)) != DEC_OK)
		return res;
	p = at(c);
	start = c->off;
	plen = get16(p + 4);
	nxt = p[6];
	if (plen == 0 && nxt == IPP_HOPOPTS) {
		/* A jumbogram, as Linux BIG TCP sends them (RFC 2675). */
		if ((res = dec_jumbo(c, &plen)) != DEC_OK)
			return res;
	} else if (plen == 0) {
		/*
		 * Without a hop-by-hop header, a zero length comes from a
		 * capture taken before segmentation offload (as later
		 * Linux BIG TCP leaves it); the frame's length is the
		 * packet's.
		 */
		if (c->frag)
			return DEC_BAD_IP_LEN;
		plen = c->end - start - IP6_HLEN;
	}
	if (start + IP6_HLEN + plen > c->end && c->cap >= c->end)
		return DEC_BAD_IP_LEN;

	out->af = 6;
	memcpy(out->src, p + 8, 16);
	memcpy(out->dst, p + 24, 16);
	out->ttl = p[7];
	out->ip_id = 0;
	out->ip_bytes = (uint32_t)(plen > UINT32_MAX - IP6_HLEN ? UINT32_MAX :
	    IP6_HLEN + plen);

	c->off = start + IP6_HLEN;
	set_end(c, start + IP6_HLEN + plen);
	for (n = 0;; n++) {
		switch (nxt) {
		case IPP_HOPOPTS:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
		case IPP_AH:
			/* Hop-by-hop options must come first (4.3). */
			if (nxt == IPP_HOPOPTS && n != 0)
				return DEC_BAD_IP6_EXT;
			break;
		case IPP_FRAGMENT:
			break;
		case IPP_NONE:
			return DEC_NOT_TCP;
		default:
			return dec_proto(c, nxt, out);
		}
		if (n >= DEC_MAX_IP6_EXT)
			return DEC_BAD_IP6_EXT;
		if ((res = need(c, 8, DEC_BAD_IP6_EXT, DEC_TRUNC_IP)) !=
		    DEC_OK)
			return res;
		p = at(c);
		if (nxt == IPP_FRAGMENT) {
			/* RFC 8200 4.5: offset in 8-byte units, M flag. */
			fo = get16(p + 2);
			if ((fo & 0xfff8) != 0)
				return DEC_FRAGMENT;
			nxt = p[0];
			c->off += 8;
			if ((fo & 0x0001) != 0 && !c->frag)
				set_frag(c);
			continue;
		}
		/* AH counts 4-byte units less 2 (RFC 4302 2.2). */
		if (nxt == IPP_AH)
			elen = ((uint64_t)p[1] + 2) * 4;
		else
			elen = ((uint64_t)p[1] + 1) * 8;
		if ((res = need(c, elen, DEC_BAD_IP6_EXT, DEC_TRUNC_IP)) !=
		    DEC_OK)
			return res;
		nxt = p[0];
		c->off += elen;
	}
}

/*
 * The Jumbo Payload option (RFC 2675 section 2) of the hop-by-hop header
 * that follows the IPv6 header at the cursor: the packet's length less
 * the IPv6 header.  Without it a zero payload length is impossible.
 */
static enum dec_res
dec_jumbo(const struct dec_cur *c, uint64_t *plen)
{
	enum dec_res res;
	const uint8_t *p;
	uint64_t hlen, i;

	if ((res = need(c, IP6_HLEN + 2, DEC_BAD_IP_LEN, DEC_TRUNC_IP)) !=
	    DEC_OK)
		return res;
	p = at(c) + IP6_HLEN;
	hlen = ((uint64_t)p[1] + 1) * 8;
	if ((res = need(c, IP6_HLEN + hlen, DEC_BAD_IP_LEN, DEC_TRUNC_IP)) !=
	    DEC_OK)
		return res;
	for (i = 2; i < hlen;) {
		if (p[i] == 0) {		/* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > hlen || i + 2 + p[i + 1] > hlen)
			break;
		if (p[i] == 0xc2 && p[i + 1] == 4) {
			*plen = get32(p + i + 2);
			return DEC_OK;
		}
		i += 2 + (uint64_t)p[i + 1];
	}
	return DEC_BAD_IP_LEN;
}

/* What an IP header's protocol field announces. */
static enum dec_res
dec_proto(struct dec_cur *c, uint8_t proto, struct dec_seg *out)
{
	enum dec_res res;

	switch (proto) {
	case IPP_TCP:
		return dec_tcp(c, out);
	case IPP_UDP:
		return dec_udp(c, out);
	case IPP_GRE:
		return dec_gre(c, out);
	case IPP_IPIP:
		/* IPv4 in IP, RFC 2003. */
		if ((res = dec_enter(c, out)) != DEC_OK)
			return res;
		return dec_ip(c, 4, out);
	case IPP_IPV6:
		/* IPv6 in IP, RFC 4213 3.5. */
		if ((res = dec_enter(c, out)) != DEC_OK)
			return res;
		return dec_ip(c, 6, out);
	default:
		return DEC_NOT_TCP;
	}
}

/* ---- tunnels ---- */

/*
 * Teredo between a client and a relay (RFC 4380 5.2.3, 5.4.1) runs on
 * whatever ports the NAT and the relay chose; only the qualification with
 * the server uses 3544.  Such a datagram is a bare IPv6 packet that fills
 * the UDP payload exactly, to or from a Teredo address (2001::/32,
 * RFC 4380 4).  p holds the first 40 bytes of a payload of len bytes.
 */
static bool
teredo_shape(const uint8_t *p, uint64_t len)
{
	static const uint8_t prefix[4] = { 0x20, 0x01, 0x00, 0x00 };

	return (p[0] >> 4) == 6 && 40 + (uint64_t)get16(p + 4) == len &&
	    (memcmp(p + 8, prefix, 4) == 0 || memcmp(p + 24, prefix, 4) == 0);
}

/*
 * UDP (RFC 768): only a tunnel on its registered port is of interest.
 * VXLAN, Geneve and GRE-in-UDP are recognised by the destination port
 * (their source ports carry flow entropy); GTP-U, Teredo and AYIYA by
 * either port, since servers answer from theirs; Teredo also by its shape
 * (teredo_shape()) on any port, as Zeek finds it.
 */
static enum dec_res
dec_udp(struct dec_cur *c, struct dec_seg *out)
{
	uint64_t start, ulen;
	uint16_t sport, dport;

	if (need(c, 8, DEC_NOT_TCP, DEC_NOT_TCP) != DEC_OK)
		return DEC_NOT_TCP;
	start = c->off;
	sport = get16(at(c));
	dport = get16(at(c) + 2);
	ulen = get16(at(c) + 4);
	switch (dport) {
	case PORT_VXLAN:
	case PORT_GENEVE:
	case PORT_GRE_UDP:
	case PORT_GTPU:
	case PORT_TEREDO:
	case PORT_AYIYA:
		break;
	default:
		if (sport == PORT_GTPU || sport == PORT_TEREDO ||
		    sport == PORT_AYIYA)
			dport = sport;
		else if (ulen >= 8 + 40 && start + 8 + 40 <= c->cap &&
		    start + ulen <= c->end &&
		    teredo_shape(at(c) + 8, ulen - 8))
			dport = PORT_TEREDO;
		else
			return DEC_NOT_TCP;
		break;
	}
	if (ulen == 0 && !c->frag)
		ulen = c->end - start;	/* segmentation offload, as IP */
	if (ulen < 8)
		return DEC_BAD_TUNNEL;
	if (start + ulen > c->end && c->cap >= c->end)
		return DEC_BAD_TUNNEL;
	c->off = start + 8;
	set_end(c, start + ulen);
	switch (dport) {
	case PORT_VXLAN:
		return dec_vxlan(c, out);
	case PORT_GENEVE:
		return dec_geneve(c, out);
	case PORT_GRE_UDP:
		return dec_gre(c, out);
	case PORT_GTPU:
		return dec_gtp(c, out);
	case PORT_TEREDO:
		return dec_teredo(c, out);
	default:
		return dec_ayiya(c, out);
	}
}

/*
 * GRE (RFC 2784, with the key and sequence number of RFC 2890) and the
 * enhanced GRE of PPTP (RFC 2637 4.1).  The protocol type is an
 * ethertype; ERSPAN and Aruba's 802.11 forwarding have their own.
 */
static enum dec_res
dec_gre(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	uint64_t hlen;
	uint16_t flags, proto;
	int ver;

	if ((res = dec_enter(c, out)) != DEC_OK)
		return res;
	if ((res = need_tun(c, 4)) != DEC_OK)
		return res;
	flags = get16(at(c));
	proto = get16(at(c) + 2);
	ver = flags & 0x0007;
	/* RFC 1701 source routing is deprecated by RFC 2784. */
	if (ver > 1 || (flags & 0x4000) != 0)
		return DEC_BAD_TUNNEL;
	hlen = 4;
	if (flags & 0x8000)
		hlen += 4;		/* checksum and reserved1 */
	if (flags & 0x2000)
		hlen += 4;		/* key (PPTP: length and call id) */
	if (flags & 0x1000)
		hlen += 4;		/* sequence number */
	if (ver == 1 && (flags & 0x0080) != 0)
		hlen += 4;		/* PPTP acknowledgment number */
	if ((res = need_tun(c, hlen)) != DEC_OK)
		return res;
	c->off += hlen;
	if (ver == 1) {
		if (proto != ET_PPP)
			return DEC_BAD_TUNNEL;
		return dec_ppp(c, true, out);
	}
	switch (proto) {
	case ET_TEB:
		return dec_ether(c, out);
	case ET_ERSPAN2:
		/* Type II has an 8-byte header and a sequence number. */
		if (flags & 0x1000) {
			if ((res = need_tun(c, 8)) != DEC_OK)
				return res;
			c->off += 8;
		}
		return dec_ether(c, out);
	case ET_ERSPAN3:
		/* 12 bytes, and 8 more when the O flag is set. */
		if ((res = need_tun(c, 12)) != DEC_OK)
			return res;
		hlen = (at(c)[11] & 0x01) ? 20 : 12;
		if ((res = need_tun(c, hlen)) != DEC_OK)
			return res;
		c->off += hlen;
		return dec_ether(c, out);
	case ET_PPP:
		return dec_ppp(c, true, out);
	case ET_WCCP:
		/*
		 * WCCPv2 puts a 4-byte redirect header before the packet;
		 * WCCPv1 does not, and its packet starts with version 4.
		 */
		if ((res = need_tun(c, 1)) != DEC_OK)
			return res;
		if ((at(c)[0] >> 4) != 4) {
			if ((res = need_tun(c, 4)) != DEC_OK)
				return res;
			c->off += 4;
		}
		return dec_ip(c, 4, out);
	default:
		if ((proto & 0xff0f) == 0x8200 ||
		    ((proto & 0xff0f) == 0x8300 && proto <= 0x8370) ||
		    proto == 0x9000)
			return dec_wlan(c, out);
		return dec_ethertype(c, proto, out);
	}
}

/* VXLAN (RFC 7348 5): 8-byte header, then the inner Ethernet frame. */
static enum dec_res
dec_vxlan(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;

	if ((res = dec_enter(c, out)) != DEC_OK)
		return res;
	if ((res = need_tun(c, 8)) != DEC_OK)
		return res;
	c->off += 8;
	return dec_ether(c, out);
}

/*
 * Geneve (RFC 8926 3.4): 8-byte header with the length of the options in
 * 4-byte units, then a frame of the given protocol type.
 */
static enum dec_res
dec_geneve(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	uint64_t hlen;
	uint16_t proto;

	if ((res = dec_enter(c, out)) != DEC_OK)
		return res;
	if ((res = need_tun(c, 8)) != DEC_OK)
		return res;
	if ((at(c)[0] >> 6) != 0)
		return DEC_BAD_TUNNEL;
	hlen = 8 + (uint64_t)(at(c)[0] & 0x3f) * 4;
	proto = get16(at(c) + 2);
	if ((res = need_tun(c, hlen)) != DEC_OK)
		return res;
	c->off += hlen;
	if (proto == ET_TEB)
		return dec_ether(c, out);
	return dec_ethertype(c, proto, out);
}

/*
 * GTPv1-U (3GPP TS 29.281 5.1, 5.2).  Only G-PDUs (type 255) carry user
 * packets; echo, error and end-marker messages are not TCP.  The E, S and
 * PN flags add four bytes; extension headers are chained by their last
 * byte and measured in 4-byte units.
 */
static enum dec_res
dec_gtp(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	const uint8_t *p;
	uint64_t start, hlen, elen;
	uint8_t nxt;
	int n;

	if ((res = need_tun(c, 8)) != DEC_OK)
		return res;
	p = at(c);
	start = c->off;
	/* Version 1 with the protocol type bit set (GTP, not GTP'). */
	if ((p[0] & 0xf0) != 0x30 || p[1] != 0xff)
		return DEC_NOT_TCP;
	if ((res = dec_enter(c, out)) != DEC_OK)
		return res;
	if (start + 8 + get16(p + 2) > c->end)
		return DEC_BAD_TUNNEL;
	set_end(c, start + 8 + get16(p + 2));
	hlen = 8;
	if (p[0] & 0x07) {
		if ((res = need_tun(c, 12)) != DEC_OK)
			return res;
		hlen = 12;
		nxt = (p[0] & 0x04) ? p[11] : 0;
		for (n = 0; nxt != 0; n++) {
			if (n >= DEC_MAX_GTP_EXT)
				return DEC_BAD_TUNNEL;
			if ((res = need_tun(c, hlen + 1)) != DEC_OK)
				return res;
			elen = (uint64_t)p[hlen] * 4;
			if (elen == 0)
				return DEC_BAD_TUNNEL;
			if ((res = need_tun(c, hlen + elen)) != DEC_OK)
				return res;
			nxt = p[hlen + elen - 1];
			hlen += elen;
		}
	}
	c->off += hlen;
	if ((res = need(c, 1, DEC_NOT_IP, DEC_TRUNC_IP)) != DEC_OK)
		return res;
	switch (at(c)[0] >> 4) {
	case 4:
	case 6:
		return dec_ip(c, 0, out);
	default:
		return DEC_NOT_IP;
	}
}

/*
 * Teredo (RFC 4380 5.1.1): an optional authentication header, an optional
 * origin indication, then an IPv6 packet.  Anything else on the port is not
 * a Teredo packet, so it is not TCP.
 */
static enum dec_res
dec_teredo(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	const uint8_t *p;
	bool auth, origin;

	for (auth = origin = false;;) {
		if ((res = need_guess(c, 2)) != DEC_OK)
			return res;
		p = at(c);
		if (p[0] == 0x00 && p[1] == 0x01 && !auth && !origin) {
			/* Indicator, ID-len, AU-len, ID, AU, nonce, conf. */
			if ((res = need_guess(c, 4)) != DEC_OK ||
			    (res = need_guess(c, 13 + (uint64_t)p[2] + p[3])) !=
			    DEC_OK)
				return res;
			c->off += 13 + (uint64_t)p[2] + p[3];
			auth = true;
		} else if (p[0] == 0x00 && p[1] == 0x00 && !origin) {
			/* Indicator, obscured port, obscured address. */
			if ((res = need_guess(c, 8)) != DEC_OK)
				return res;
			c->off += 8;
			origin = true;
		} else if ((p[0] >> 4) == 6) {
			if ((res = dec_enter(c, out)) != DEC_OK)
				return res;
			return dec_ip6(c, out);
		} else
			return DEC_NOT_TCP;
	}
}

/*
 * AYIYA (draft-massar-v6ops-ayiya-02 section 6): an 8-byte header, an
 * identity of 2^IDlen bytes and a signature of SigLen 4-byte words.  Only
 * the "forward" operation carries a packet, of the next-header protocol.
 */
static enum dec_res
dec_ayiya(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	const uint8_t *p;
	uint64_t hlen;

	if ((res = need_guess(c, 8)) != DEC_OK)
		return res;
	p = at(c);
	hlen = 8 + ((uint64_t)1 << (p[0] >> 4)) + (uint64_t)(p[1] >> 4) * 4;
	if ((p[2] & 0x0f) != 1)
		return DEC_NOT_TCP;
	if ((res = dec_enter(c, out)) != DEC_OK)
		return res;
	if ((res = need_tun(c, hlen)) != DEC_OK)
		return res;
	c->off += hlen;
	switch (p[3]) {
	case IPP_IPV6:
		return dec_ip(c, 6, out);
	case IPP_IPIP:
		return dec_ip(c, 4, out);
	case IPP_NONE:
		return DEC_NOT_TCP;
	default:
		return DEC_NOT_IP;
	}
}

/* ---- TCP ---- */

/*
 * TCP header (RFC 9293 3.1).  The payload length comes from the IP
 * lengths; in a first fragment only this fragment's part is known.
 */
static enum dec_res
dec_tcp(struct dec_cur *c, struct dec_seg *out)
{
	enum dec_res res;
	const uint8_t *p;
	uint64_t thl, iplen, optcap, pay;

	if ((res = need(c, TCP_HLEN, DEC_BAD_IP_LEN, DEC_TRUNC_TCP)) !=
	    DEC_OK)
		return res;
	p = at(c);
	iplen = (c->frag ? c->fragend : c->end) - c->off;
	if (c->frag && iplen < TCP_HLEN)
		return DEC_FRAG_SPLIT_TCP;
	thl = (uint64_t)(p[12] >> 4) * 4;
	if (thl < TCP_HLEN)
		return DEC_BAD_TCP_OFF;
	if (thl > iplen)
		return c->frag ? DEC_FRAG_SPLIT_TCP : DEC_BAD_TCP_OFF;

	out->sport = get16(p);
	out->dport = get16(p + 2);
	out->seq = get32(p + 4);
	out->ack = get32(p + 8);
	out->flags = p[13];
	out->win = get16(p + 14);
	out->tcp_sum = get16(p + 16);

	optcap = thl - TCP_HLEN;
	if (c->off + thl > c->cap) {
		out->trunc |= DEC_TRUNC_OPTS;
		optcap = c->cap - c->off - TCP_HLEN;
	}
	dec_tcp_opts(p + TCP_HLEN, optcap, optcap < thl - TCP_HLEN, &out->opt);

	pay = iplen - thl;
	out->paylen = (uint32_t)(pay > UINT32_MAX ? UINT32_MAX : pay);
	if (c->frag)
		out->trunc |= DEC_TRUNC_FRAG;
	if (pay > 0 && c->off + thl + pay > c->cap)
		out->trunc |= DEC_TRUNC_PAYLOAD;
	return DEC_OK;
}

/*
 * TCP options (RFC 9293 3.2): EOL ends the list, NOP is one byte, every
 * other option has a length byte that counts the kind and itself.  len is
 * how many option bytes are at hand; cut says the list goes on beyond
 * them, so an option running past them is cut, not malformed.  A
 * malformed length stops the parse and sets bad.
 */
static void
dec_tcp_opts(const uint8_t *p, uint64_t len, bool cut,
    struct dec_tcp_opts *o)
{
	uint64_t i, olen;
	unsigned n, k;

	/*
	 * NOP, NOP, timestamps (RFC 7323 appendix A's layout): the options
	 * of nearly every segment after a handshake between stacks that
	 * use timestamps, Linux's among them.  Taken whole at once, with
	 * what the loop below would record for them.
	 */
	if (len == 12 && o->nlist == 0 && get32(p) ==
	    ((uint32_t)TO_NOP << 24 | (uint32_t)TO_NOP << 16 |
	    (uint32_t)TO_TS << 8 | 10)) {
		o->list[0] = TO_NOP;
		o->list[1] = TO_NOP;
		o->list[2] = TO_TS;
		o->nlist = 3;
		o->has_ts = true;
		o->tsval = get32(p + 4);
		o->tsecr = get32(p + 8);
		return;
	}
	for (i = 0; i < len;) {
		if (p[i] == TO_EOL || p[i] == TO_NOP) {
			if (o->nlist < DEC_MAX_OPTLIST)
				o->list[o->nlist++] = p[i];
			if (p[i] == TO_EOL)
				return;
			i++;
			continue;
		}
		if (i + 1 >= len) {
			if (!cut)
				o->bad = true;
			break;
		}
		olen = p[i + 1];
		if (olen < 2) {
			o->bad = true;
			break;
		}
		if (i + olen > len) {
			if (!cut)
				o->bad = true;
			break;
		}
		switch (p[i]) {
		case TO_MSS:
			if (olen != 4)
				goto bad;
			o->has_mss = true;
			o->mss = get16(p + i + 2);
			break;
		case TO_WSCALE:
			/* RFC 7323 2.3: the raw shift; > 14 is the user's. */
			if (olen != 3)
				goto bad;
			o->has_wscale = true;
			o->wscale = p[i + 2];
			break;
		case TO_SACK_OK:
			if (olen != 2)
				goto bad;
			o->sack_ok = true;
			break;
		case TO_SACK:
			/* RFC 2018 3: 2 + 8n bytes, n from 1 to 4. */
			if (olen < 10 || (olen - 2) % 8 != 0 ||
			    (olen - 2) / 8 > DEC_MAX_SACK)
				goto bad;
			n = (unsigned)(olen - 2) / 8;
			for (k = 0; k < n; k++) {
				o->sack[k][0] = get32(p + i + 2 + 8 * k);
				o->sack[k][1] = get32(p + i + 6 + 8 * k);
			}
			o->nsack = (uint8_t)n;
			break;
		case TO_TS:
			/* RFC 7323 3.2. */
			if (olen != 10)
				goto bad;
			o->has_ts = true;
			o->tsval = get32(p + i + 2);
			o->tsecr = get32(p + i + 6);
			break;
		default:
			break;
		}
		if (o->nlist < DEC_MAX_OPTLIST)
			o->list[o->nlist++] = p[i];
		i += olen;
	}
	return;
bad:
	o->bad = true;
}

/* ---- API implementation ---- */

bool
dec_link_supported(int dlt)
{
	switch (dlt) {
	case DLT_NULL:
	case DLT_EN10MB:
	case DLT_PPP:
	case DLT_FDDI:
	case DLT_RAW:
	case DLT_PPP_SERIAL:
	case DLT_PPP_ETHER:
	case DEC_LINKTYPE_RAW:
	case DLT_C_HDLC:
	case DLT_LOOP:
#if DLT_LOOP != DEC_LINKTYPE_LOOP
	case DEC_LINKTYPE_LOOP:
#endif
	case DLT_LINUX_SLL:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

enum dec_res
dec_packet(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
    struct dec_seg *out)
{
	struct dec_cur c;
	enum dec_res res;
	int64_t ts;

	/*
	 * Zero what a decode does not always write: the fields up to the
	 * SACK blocks and the option count.  The SACK blocks and the option
	 * list are read only up to nsack and nlist, and both paths to
	 * DEC_OK write the addresses whole: zeroing those 104 bytes as well
	 * made this memset a string instruction, 6 % of the baseline's time.
	 */
	ts = out->ts_ns;
	memset(out, 0, DEC_SEG_HOT);
	out->opt.nlist = 0;
	out->ts_ns = ts;
	out->wirelen = wirelen;

	memset(&c, 0, sizeof(c));
	c.pkt = pkt;
	c.cap = pkt == NULL ? 0 : caplen;
	/* A length on the wire below the captured one is not believed. */
	c.end = wirelen > c.cap ? wirelen : c.cap;

	switch (dlt) {
	case DLT_EN10MB:
		return dec_ether(&c, out);
	case DLT_LINUX_SLL:
		/* Packet type, ARPHRD type, address length and address. */
		if ((res = need_link(&c, 16)) != DEC_OK)
			return res;
		c.off = 16;
		if (get16(pkt + 14) == 0x0004)
			return dec_llc(&c, out);	/* ETH_P_802_2 */
		return dec_ethertype(&c, get16(pkt + 14), out);
	case DLT_LINUX_SLL2:
		/* Protocol first, then the rest of a 20-byte header. */
		if ((res = need_link(&c, 20)) != DEC_OK)
			return res;
		c.off = 20;
		if (get16(pkt) == 0x0004)
			return dec_llc(&c, out);
		return dec_ethertype(&c, get16(pkt), out);
	case DLT_RAW:
	case DEC_LINKTYPE_RAW:
		return dec_ip(&c, 0, out);
	case DLT_IPV4:
		return dec_ip(&c, 4, out);
	case DLT_IPV6:
		return dec_ip(&c, 6, out);
	case DLT_NULL:
	case DLT_LOOP:
#if DLT_LOOP != DEC_LINKTYPE_LOOP
	case DEC_LINKTYPE_LOOP:
#endif
		return dec_null(&c, out);
	case DLT_PPP:
	case DLT_PPP_SERIAL:
		/* PPP_SERIAL may also hold Cisco HDLC (RFC 1547 4.3.1). */
		if (c.cap >= 1 && (pkt[0] == 0x0f || pkt[0] == 0x8f))
			goto chdlc;
		return dec_ppp(&c, true, out);
	case DLT_PPP_ETHER:
		return dec_pppoe(&c, out);
	case DLT_C_HDLC:
chdlc:
		/* Address, control, then an ethertype. */
		if ((res = need_link(&c, 4)) != DEC_OK)
			return res;
		c.off = 4;
		return dec_ethertype(&c, get16(pkt + 2), out);
	case DLT_FDDI:
		/* Frame control, destination, source, then LLC. */
		if ((res = need_link(&c, 13)) != DEC_OK)
			return res;
		c.off = 13;
		return dec_llc(&c, out);
	default:
		return DEC_UNSUPPORTED_LINK;
	}
}

const char *
dec_res_name(enum dec_res res)
{
	if ((unsigned)res >= DEC_RES_MAX || dec_res_names[res] == NULL)
		return "unknown";
	return dec_res_names[res];
}

const char *
dec_addr_str(uint8_t af, const uint8_t *addr, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return "";
	if ((af != 4 && af != 6) || addr == NULL ||
	    inet_ntop(af == 4 ? AF_INET : AF_INET6, addr, buf,
	    (socklen_t)(len > 256 ? 256 : len)) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* ---- formatting ---- */

/* An output buffer with snprintf semantics. */
struct dec_fmt {
	char	*buf;
	size_t	 len;
	size_t	 pos;		/* bytes the full text needs so far */
};

static void	fmt_put(struct dec_fmt *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
fmt_put(struct dec_fmt *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (f->pos < f->len)
		n = vsnprintf(f->buf + f->pos, f->len - f->pos, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->pos += (size_t)n;
}

/* Names of options tcpdump knows but synfin does not decode. */
static const char *
opt_name(uint8_t kind)
{
	switch (kind) {
	case 19:
		return "md5";
	case 28:
		return "utimeout";
	case 29:
		return "tcp-ao";
	case 30:
		return "mptcp";
	case 34:
		return "tfo";
	case 253:
	case 254:
		return "exp";
	default:
		return NULL;
	}
}

/*
 * The options as tcpdump prints them, in wire order:
 * "<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>".
 */
static void
fmt_opts(struct dec_fmt *f, const struct dec_tcp_opts *o, uint8_t trunc)
{
	const char *sep, *name;
	unsigned i, k;

	if (o->nlist == 0 && !o->bad && (trunc & DEC_TRUNC_OPTS) == 0)
		return;
	fmt_put(f, " <");
	sep = "";
	for (i = 0; i < o->nlist; i++, sep = ",") {
		fmt_put(f, "%s", sep);
		switch (o->list[i]) {
		case TO_EOL:
			fmt_put(f, "eol");
			break;
		case TO_NOP:
			fmt_put(f, "nop");
			break;
		case TO_MSS:
			fmt_put(f, "mss %u", o->mss);
			break;
		case TO_WSCALE:
			fmt_put(f, "wscale %u", o->wscale);
			break;
		case TO_SACK_OK:
			fmt_put(f, "sackOK");
			break;
		case TO_SACK:
			fmt_put(f, "sack %u ", o->nsack);
			for (k = 0; k < o->nsack; k++)
				fmt_put(f, "{%" PRIu32 ":%" PRIu32 "}",
				    o->sack[k][0], o->sack[k][1]);
			break;
		case TO_TS:
			fmt_put(f, "TS val %" PRIu32 " ecr %" PRIu32,
			    o->tsval, o->tsecr);
			break;
		default:
			if ((name = opt_name(o->list[i])) != NULL)
				fmt_put(f, "%s", name);
			else
				fmt_put(f, "unknown-%u", o->list[i]);
			break;
		}
	}
	/* The option that was malformed or cut is not listed. */
	if (o->bad)
		fmt_put(f, "%s[bad opt]", sep);
	else if (trunc & DEC_TRUNC_OPTS)
		fmt_put(f, "%s[|tcp]", sep);
	fmt_put(f, ">");
}

int
dec_format_seg(const struct dec_seg *seg, char *buf, size_t len)
{
	static const struct {
		uint8_t	 bit;
		char	 c;
	} flagc[] = {
		{ DEC_TH_FIN, 'F' }, { DEC_TH_SYN, 'S' }, { DEC_TH_RST, 'R' },
		{ DEC_TH_PSH, 'P' }, { DEC_TH_ACK, '.' }, { DEC_TH_URG, 'U' },
		{ DEC_TH_ECE, 'E' }, { DEC_TH_CWR, 'W' },
	};
	struct dec_fmt f;
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
	char flags[sizeof(flagc) / sizeof(flagc[0]) + 1];
	int64_t sec, ns;
	size_t i, n;

	f.buf = buf;
	f.len = buf == NULL ? 0 : len;
	f.pos = 0;
	if (f.len > 0)
		buf[0] = '\0';

	sec = seg->ts_ns / 1000000000;
	ns = seg->ts_ns % 1000000000;
	if (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	dec_addr_str(seg->af, seg->src, sa, sizeof(sa));
	dec_addr_str(seg->af, seg->dst, da, sizeof(da));
	for (i = n = 0; i < sizeof(flagc) / sizeof(flagc[0]); i++)
		if (seg->flags & flagc[i].bit)
			flags[n++] = flagc[i].c;
	flags[n] = '\0';

	fmt_put(&f, "%" PRId64 ".%09" PRId64 " ", sec, ns);
	if (seg->af == 6)
		fmt_put(&f, "[%s]:%u > [%s]:%u", sa, seg->sport, da,
		    seg->dport);
	else
		fmt_put(&f, "%s:%u > %s:%u", sa, seg->sport, da, seg->dport);
	fmt_put(&f, " [%s] seq %" PRIu32, n > 0 ? flags : "none", seg->seq);
	if (seg->flags & DEC_TH_ACK)
		fmt_put(&f, " ack %" PRIu32, seg->ack);
	fmt_put(&f, " win %u len %" PRIu32, seg->win, seg->paylen);
	fmt_opts(&f, &seg->opt, seg->trunc);
	return f.pos > INT32_MAX ? INT32_MAX : (int)f.pos;
}
