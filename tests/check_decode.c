/*
 * check_decode.c: unit tests of the frame decoder (decode.c).
 *
 * Frames are built inside out by a small builder: a TCP segment first,
 * then each header is wrapped around what is there (IP, UDP, a tunnel
 * header, Ethernet).  Table-driven cases cover every link type and
 * encapsulation; single tests cover the header corners, the TCP options
 * and the --packets line.  The last case feeds every prefix of every frame
 * and a few thousand pseudo-random buffers to the decoder, each in a
 * buffer of exactly its length, so that a sanitizer build catches any read
 * past caplen.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define BUF_MAX		2048

/* Link types as pcap_datalink() gives them on this platform. */
#define T_NULL		0
#define T_EN10MB	1
#define T_PPP		9
#define T_FDDI		10
#define T_RAW		12
#define T_PPP_SERIAL	50
#define T_PPP_ETHER	51
#define T_LINKTYPE_RAW	101
#define T_C_HDLC	104
#define T_LOOP		108
#define T_SLL		113
#define T_IPV4		228
#define T_IPV6		229
#define T_SLL2		276

/* The innermost segment of every frame. */
#define SPORT		40000
#define DPORT		80
#define SEQ		123
#define ACK		456
#define WIN		64240
#define PAYLEN		10

struct buf {
	size_t	len;
	uint8_t	b[BUF_MAX];
};

static const uint8_t in4_src[4] = { 10, 0, 0, 1 };
static const uint8_t in4_dst[4] = { 10, 0, 0, 2 };
static const uint8_t out4_src[4] = { 192, 0, 2, 1 };
static const uint8_t out4_dst[4] = { 192, 0, 2, 2 };
static const uint8_t in6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t in6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t out6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff,
    [15] = 1 };
static const uint8_t out6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff,
    [15] = 2 };

/* ---- frame builder ---- */

/* Put hdr in front of what b holds. */
static void
wrap(struct buf *b, const uint8_t *hdr, size_t hlen)
{
	ck_assert_uint_le(b->len + hlen, BUF_MAX);
	memmove(b->b + hlen, b->b, b->len);
	memcpy(b->b, hdr, hlen);
	b->len += hlen;
}

static void
set16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
set32(uint8_t *p, uint32_t v)
{
	set16(p, v >> 16);
	set16(p + 2, v & 0xffff);
}

/* A TCP segment with the given options and payload length. */
static void
mk_tcp(struct buf *b, uint8_t flags, const uint8_t *opt, size_t optlen,
    size_t paylen)
{
	uint8_t *p;

	ck_assert_uint_eq(optlen % 4, 0);
	memset(b, 0, sizeof(*b));
	p = b->b;
	set16(p, SPORT);
	set16(p + 2, DPORT);
	set32(p + 4, SEQ);
	set32(p + 8, ACK);
	p[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	p[13] = flags;
	set16(p + 14, WIN);
	if (optlen > 0)
		memcpy(p + 20, opt, optlen);
	memset(p + 20 + optlen, 'x', paylen);
	b->len = 20 + optlen + paylen;
}

/* The usual segment: PSH|ACK with PAYLEN bytes. */
static void
mk_seg(struct buf *b)
{
	mk_tcp(b, DEC_TH_PSH | DEC_TH_ACK, NULL, 0, PAYLEN);
}

static void
w_ip4a(struct buf *b, uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
	uint8_t h[20] = { 0x45, 0 };

	set16(h + 2, (unsigned)(20 + b->len));
	set16(h + 4, 1);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	wrap(b, h, sizeof(h));
}

static void
w_ip4(struct buf *b, uint8_t proto)
{
	w_ip4a(b, proto, in4_src, in4_dst);
}

static void
w_ip4o(struct buf *b, uint8_t proto)
{
	w_ip4a(b, proto, out4_src, out4_dst);
}

static void
w_ip6a(struct buf *b, uint8_t nxt, const uint8_t *src, const uint8_t *dst)
{
	uint8_t h[40] = { 0x60, 0 };

	set16(h + 4, (unsigned)b->len);
	h[6] = nxt;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	wrap(b, h, sizeof(h));
}

static void
w_ip6(struct buf *b, uint8_t nxt)
{
	w_ip6a(b, nxt, in6_src, in6_dst);
}

static void
w_ip6o(struct buf *b, uint8_t nxt)
{
	w_ip6a(b, nxt, out6_src, out6_dst);
}

/* An IPv6 extension header of 8 * units bytes. */
static void
w_ext6(struct buf *b, uint8_t nxt, unsigned units)
{
	uint8_t h[64] = { 0 };

	ck_assert_uint_le(units * 8, sizeof(h));
	h[0] = nxt;
	h[1] = (uint8_t)(units - 1);
	h[2] = 1;			/* PadN over the rest */
	h[3] = (uint8_t)(units * 8 - 4);
	wrap(b, h, units * 8);
}

static void
w_frag6(struct buf *b, uint8_t nxt, unsigned offset, bool more)
{
	uint8_t h[8] = { 0 };

	h[0] = nxt;
	set16(h + 2, (offset << 3) | (more ? 1 : 0));
	set32(h + 4, 0x12345678);
	wrap(b, h, sizeof(h));
}

static void
w_udp(struct buf *b, unsigned sport, unsigned dport)
{
	uint8_t h[8] = { 0 };

	set16(h, sport);
	set16(h + 2, dport);
	set16(h + 4, (unsigned)(8 + b->len));
	wrap(b, h, sizeof(h));
}

static void
w_eth(struct buf *b, unsigned type)
{
	uint8_t h[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	set16(h + 12, type);
	wrap(b, h, sizeof(h));
}

/* A 4-byte tag (802.1Q TCI or the like) followed by the next type. */
static void
w_tag(struct buf *b, unsigned tci, unsigned type)
{
	uint8_t h[4];

	set16(h, tci);
	set16(h + 2, type);
	wrap(b, h, sizeof(h));
}

static void
w_bytes(struct buf *b, const char *hex)
{
	uint8_t h[256];
	size_t n;
	unsigned v;

	for (n = 0; *hex != '\0';) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		ck_assert(sscanf(hex, "%2x", &v) == 1);
		ck_assert_uint_lt(n, sizeof(h));
		h[n++] = (uint8_t)v;
		hex += 2;
	}
	wrap(b, h, n);
}

static void
w_mpls(struct buf *b, unsigned label, bool bos)
{
	uint8_t h[4];

	set32(h, label << 12 | (bos ? 0x100 : 0) | 64);
	wrap(b, h, sizeof(h));
}

static void
w_pppoe(struct buf *b, unsigned pppproto)
{
	uint8_t h[8] = { 0x11, 0x00, 0x00, 0x01 };

	set16(h + 4, (unsigned)(2 + b->len));
	set16(h + 6, pppproto);
	wrap(b, h, sizeof(h));
}

/* ---- frames of the tables ---- */

static void
f_v4(struct buf *b)
{
	mk_seg(b);
	w_ip4(b, 6);
}

static void
f_v6(struct buf *b)
{
	mk_seg(b);
	w_ip6(b, 6);
}

static void
f_eth4(struct buf *b)
{
	f_v4(b);
	w_eth(b, 0x0800);
}

static void
f_eth6(struct buf *b)
{
	f_v6(b);
	w_eth(b, 0x86dd);
}

static void
f_vlan(struct buf *b)
{
	f_v4(b);
	w_tag(b, 0x2000 | 100, 0x0800);
	w_eth(b, 0x8100);
}

static void
f_qinq(struct buf *b)
{
	f_v6(b);
	w_tag(b, 200, 0x86dd);
	w_tag(b, 100, 0x8100);
	w_eth(b, 0x88a8);
}

static void
f_q9100(struct buf *b)
{
	f_v4(b);
	w_tag(b, 300, 0x0800);
	w_tag(b, 30, 0x8100);
	w_tag(b, 3, 0x8100);
	w_eth(b, 0x9100);
}

static void
f_tags9(struct buf *b)
{
	int i;

	f_v4(b);
	w_tag(b, 9, 0x0800);
	for (i = 0; i < 8; i++)
		w_tag(b, 1, 0x8100);
	w_eth(b, 0x8100);
}

static void
f_snap(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "aaaa03 000000 0800");
	w_eth(b, (unsigned)b->len);
}

static void
f_llc_stp(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "424203");
	w_eth(b, (unsigned)b->len);
}

static void
f_arp(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	w_bytes(b, "0001 0800 06 04 0001 020000000001 0a000001 "
	    "000000000000 0a000002");
	w_eth(b, 0x0806);
}

static void
f_udp(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	w_bytes(b, "0102030405060708");
	w_udp(b, 53, 53);
	w_ip4(b, 17);
	w_eth(b, 0x0800);
}

static void
f_icmp6(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	w_bytes(b, "80000000 00010001");
	w_ip6(b, 58);
	w_eth(b, 0x86dd);
}

static void
f_sll4(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "0000 0001 0006 020000000001 0000 0800");
}

static void
f_sll6(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "0004 0001 0006 020000000001 0000 86dd");
}

static void
f_sll2_4(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "0800 0000 00000002 0001 00 06 020000000001 0000");
}

static void
f_sll2_6(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "86dd 0000 00000002 0001 04 06 020000000001 0000");
}

static void
f_raw5(struct buf *b)
{
	f_v4(b);
	b->b[0] = 0x55;
}

static void
f_null_le4(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "02000000");
}

static void
f_null_be4(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "00000002");
}

static void
f_null_le6(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "1e000000");	/* 30, Darwin */
}

static void
f_null_be6(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "0000001c");	/* 28, FreeBSD */
}

static void
f_null_linux6(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "0a000000");
}

static void
f_null_other(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "07000000");
}

static void
f_loop4(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "00000002");
}

static void
f_loop6(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "00000018");	/* 24, OpenBSD */
}

static void
f_ppp4(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "ff03 0021");
}

static void
f_ppp6(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "0057");
}

static void
f_ppp_pfc(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "ff03 21");
}

static void
f_ppp_lcp(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "ff03 c021");
}

static void
f_ppp_mpls(struct buf *b)
{
	f_v4(b);
	w_mpls(b, 24, true);
	w_bytes(b, "ff03 0281");
}

static void
f_chdlc(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "0f00 0800");
}

static void
f_fddi(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "50 020000000002 020000000001 aaaa03 000000 0800");
}

static void
f_ppp_ether(struct buf *b)
{
	f_v4(b);
	w_pppoe(b, 0x0021);
}

/* Tunnels. */

static void
f_mpls(struct buf *b)
{
	f_v4(b);
	w_mpls(b, 16, true);
	w_eth(b, 0x8847);
}

static void
f_mpls2_6(struct buf *b)
{
	f_v6(b);
	w_mpls(b, 17, true);
	w_mpls(b, 16, false);
	w_eth(b, 0x8847);
}

static void
f_mpls_vlan(struct buf *b)
{
	f_v4(b);
	w_mpls(b, 16, true);
	w_tag(b, 42, 0x8847);
	w_eth(b, 0x8100);
}

static void
f_mpls_pw(struct buf *b)
{
	f_eth4(b);
	b->b[0] = 0x00;			/* a 00: MAC, as most are */
	w_mpls(b, 16, true);
	w_eth(b, 0x8847);
}

static void
f_mpls_pwcw(struct buf *b)
{
	f_eth6(b);
	b->b[0] = 0x40;			/* would look like IPv4 ... */
	w_bytes(b, "00000001");		/* ... but the control word says */
	w_mpls(b, 16, true);
	w_eth(b, 0x8847);
}

static void
f_mpls_deep(struct buf *b)
{
	int i;

	f_v4(b);
	for (i = 0; i < 17; i++)
		w_mpls(b, 16, false);
	w_eth(b, 0x8847);
}

static void
f_pbb(struct buf *b)
{
	f_eth4(b);
	w_bytes(b, "00 012345");	/* I-tag: flags, I-SID */
	w_tag(b, 5, 0x88e7);		/* B-tag */
	w_eth(b, 0x88a8);
}

static void
f_fabricpath(struct buf *b)
{
	f_eth4(b);
	w_bytes(b, "0001");		/* FTag, TTL */
	w_eth(b, 0x8903);
}

static void
f_vntag(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "00010002 0800");
	w_eth(b, 0x8926);
}

static void
f_vntag_sandwich(struct buf *b)
{
	f_v4(b);
	w_tag(b, 20, 0x0800);
	w_bytes(b, "00010002 8100");
	w_tag(b, 10, 0x8926);
	w_eth(b, 0x8100);
}

static void
f_pppoe(struct buf *b)
{
	f_v4(b);
	w_pppoe(b, 0x0021);
	w_eth(b, 0x8864);
}

static void
f_pppoe_qinq6(struct buf *b)
{
	f_v6(b);
	w_pppoe(b, 0x0057);
	w_tag(b, 7, 0x8864);
	w_tag(b, 6, 0x8100);
	w_eth(b, 0x88a8);
}

static void
f_pppoe_lcp(struct buf *b)
{
	f_v4(b);
	w_pppoe(b, 0xc021);
	w_eth(b, 0x8864);
}

static void
f_gre(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "0000 0800");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_cks(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "b000 86dd 00000000 0000002a 00000007");
	w_ip6o(b, 47);
	w_eth(b, 0x86dd);
}

static void
f_gre_teb(struct buf *b)
{
	f_eth4(b);
	w_bytes(b, "2000 6558 00000001");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_erspan2(struct buf *b)
{
	f_eth4(b);
	w_bytes(b, "10000001 00000002");	/* ERSPAN II header */
	w_bytes(b, "1000 88be 00000009");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_erspan1(struct buf *b)
{
	f_eth4(b);
	w_bytes(b, "0000 88be");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_erspan3(struct buf *b)
{
	f_eth6(b);
	w_bytes(b, "20000001 00000000 0000 0000");
	w_bytes(b, "1000 22eb 00000009");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_erspan3o(struct buf *b)
{
	f_eth6(b);
	w_bytes(b, "20000001 00000000 0000 0001 0000000000000000");
	w_bytes(b, "1000 22eb 00000009");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_wccp(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "05590048");		/* WCCPv2 redirect header */
	w_bytes(b, "0000 883e");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_wccp1(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "0000 883e");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_route(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "4000 0800 00000000");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_pptp(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "ff03 0021");
	w_bytes(b, "3081 880b 0030 0001 00000005 00000004");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_aruba(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "aaaa03 000000 0800");
	/* QoS data, From DS: FC, duration, 3 addresses, sequence, QoS. */
	w_bytes(b, "8802 0000 020000000002 020000000003 020000000001 0000 "
	    "0000");
	w_bytes(b, "0000 8210");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_gre_aruba_amsdu(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "aaaa03 000000 0800");
	/* Subframe header: DA, SA, then the length of the MSDU. */
	w_tag(b, 0x0001, (unsigned)b->len);
	w_bytes(b, "020000000002 02000000");
	w_bytes(b, "8802 0000 020000000002 020000000003 020000000001 0000 "
	    "8000");
	w_bytes(b, "0000 8210");
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
}

static void
f_vxlan(struct buf *b)
{
	f_eth4(b);
	w_bytes(b, "08000000 00000100");
	w_udp(b, 51000, 4789);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_vxlan_vlan(struct buf *b)
{
	f_v6(b);
	w_tag(b, 77, 0x86dd);
	w_eth(b, 0x8100);
	w_bytes(b, "08000000 00000100");
	w_udp(b, 51000, 4789);
	w_ip6o(b, 17);
	w_tag(b, 5, 0x86dd);
	w_eth(b, 0x8100);
}

static void
f_geneve(struct buf *b)
{
	f_eth4(b);
	w_bytes(b, "02006558 00000100 01020301 00000000");
	w_udp(b, 51000, 6081);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_geneve_ip(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "000086dd 00000100");
	w_udp(b, 51000, 6081);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_geneve_v1(struct buf *b)
{
	f_eth4(b);
	w_bytes(b, "40006558 00000100");
	w_udp(b, 51000, 6081);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_gtp(struct buf *b)
{
	uint8_t h[8] = { 0x30, 0xff };

	f_v4(b);
	set16(h + 2, (unsigned)b->len);
	set32(h + 4, 0x11223344);
	wrap(b, h, sizeof(h));
	w_udp(b, 2152, 2152);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_gtp_ext(struct buf *b)
{
	uint8_t h[12] = { 0x36, 0xff };

	f_v6(b);
	/* PDU session container, one 4-byte unit, then none. */
	w_bytes(b, "01 0009 00");
	set16(h + 2, (unsigned)(4 + b->len));
	set32(h + 4, 0x11223344);
	set16(h + 8, 77);		/* sequence number */
	h[11] = 0x85;
	wrap(b, h, sizeof(h));
	w_udp(b, 40000, 2152);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_gtp_echo(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	w_bytes(b, "32 01 0004 00000000 0001 0000");
	w_udp(b, 2152, 2152);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_teredo(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "0000 f227 3fffd7fe");	/* origin indication */
	w_udp(b, 3544, 51000);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_teredo_auth(struct buf *b)
{
	f_v6(b);
	w_bytes(b, "0000 f227 3fffd7fe");
	/* Indicator, ID-len 2, AU-len 3, ID, AU, nonce, confirmation. */
	w_bytes(b, "0001 02 03 aaaa bbbbbb 0102030405060708 00");
	w_udp(b, 51000, 3544);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_teredo_bubble(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	w_ip6(b, 59);
	w_udp(b, 51000, 3544);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_ayiya(struct buf *b)
{
	f_v6(b);
	/* IDlen 4 (16 bytes), SigLen 5 (20), forward, next header 41. */
	w_bytes(b, "41 52 11 29 00000000 "
	    "20010db8000000000000000000000003 "
	    "0102030405060708090a0b0c0d0e0f1011121314");
	w_udp(b, 5072, 5072);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_ipip(struct buf *b)
{
	f_v4(b);
	w_ip4o(b, 4);
	w_eth(b, 0x0800);
}

static void
f_6in4(struct buf *b)
{
	f_v6(b);
	w_ip4o(b, 41);
	w_eth(b, 0x0800);
}

static void
f_4in6(struct buf *b)
{
	f_v4(b);
	w_ip6o(b, 4);
	w_eth(b, 0x86dd);
}

static void
f_ipip_wrongv(struct buf *b)
{
	f_v6(b);
	w_ip4o(b, 4);
	w_eth(b, 0x0800);
}

static void
f_gre_udp(struct buf *b)
{
	f_v4(b);
	w_bytes(b, "0000 0800");
	w_udp(b, 51000, 4754);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

static void
f_gre_vxlan(struct buf *b)
{
	f_vxlan(b);
	w_bytes(b, "0000 6558");
	w_ip6o(b, 47);
	w_eth(b, 0x86dd);
}

static void
f_ipip8(struct buf *b)
{
	int i;

	f_v4(b);
	for (i = 0; i < 8; i++)
		w_ip4o(b, 4);
	w_eth(b, 0x0800);
}

static void
f_ipip9(struct buf *b)
{
	f_ipip8(b);
	memmove(b->b, b->b + 14, b->len - 14);
	b->len -= 14;
	w_ip4o(b, 4);
	w_eth(b, 0x0800);
}

/* ---- table of link types and encapsulations ---- */

struct frame_case {
	const char	*name;
	int		 dlt;
	void		(*build)(struct buf *);
	enum dec_res	 res;
	uint8_t		 af;		/* of the innermost IP */
	uint8_t		 tunnel;
	uint16_t	 vlan;
};

static const struct frame_case link_cases[] = {
	{ "en10mb v4", T_EN10MB, f_eth4, DEC_OK, 4, 0, 0 },
	{ "en10mb v6", T_EN10MB, f_eth6, DEC_OK, 6, 0, 0 },
	{ "802.1q", T_EN10MB, f_vlan, DEC_OK, 4, 0, 100 },
	{ "802.1ad qinq", T_EN10MB, f_qinq, DEC_OK, 6, 0, 200 },
	{ "0x9100 stack", T_EN10MB, f_q9100, DEC_OK, 4, 0, 300 },
	{ "nine tags", T_EN10MB, f_tags9, DEC_TUNNEL_DEPTH, 0, 0, 0 },
	{ "802.3 snap", T_EN10MB, f_snap, DEC_OK, 4, 0, 0 },
	{ "802.3 stp", T_EN10MB, f_llc_stp, DEC_NOT_IP, 0, 0, 0 },
	{ "arp", T_EN10MB, f_arp, DEC_NOT_IP, 0, 0, 0 },
	{ "udp", T_EN10MB, f_udp, DEC_NOT_TCP, 0, 0, 0 },
	{ "icmp6", T_EN10MB, f_icmp6, DEC_NOT_TCP, 0, 0, 0 },
	{ "sll v4", T_SLL, f_sll4, DEC_OK, 4, 0, 0 },
	{ "sll v6", T_SLL, f_sll6, DEC_OK, 6, 0, 0 },
	{ "sll2 v4", T_SLL2, f_sll2_4, DEC_OK, 4, 0, 0 },
	{ "sll2 v6", T_SLL2, f_sll2_6, DEC_OK, 6, 0, 0 },
	{ "raw v4", T_RAW, f_v4, DEC_OK, 4, 0, 0 },
	{ "raw v6", T_RAW, f_v6, DEC_OK, 6, 0, 0 },
	{ "linktype raw v4", T_LINKTYPE_RAW, f_v4, DEC_OK, 4, 0, 0 },
	{ "linktype raw v6", T_LINKTYPE_RAW, f_v6, DEC_OK, 6, 0, 0 },
	{ "raw version 5", T_RAW, f_raw5, DEC_BAD_IP_VERSION, 0, 0, 0 },
	{ "ipv4", T_IPV4, f_v4, DEC_OK, 4, 0, 0 },
	{ "ipv4 holding v6", T_IPV4, f_v6, DEC_BAD_IP_VERSION, 0, 0, 0 },
	{ "ipv6", T_IPV6, f_v6, DEC_OK, 6, 0, 0 },
	{ "ipv6 holding v4", T_IPV6, f_v4, DEC_BAD_IP_VERSION, 0, 0, 0 },
	{ "null le v4", T_NULL, f_null_le4, DEC_OK, 4, 0, 0 },
	{ "null be v4", T_NULL, f_null_be4, DEC_OK, 4, 0, 0 },
	{ "null le v6", T_NULL, f_null_le6, DEC_OK, 6, 0, 0 },
	{ "null be v6", T_NULL, f_null_be6, DEC_OK, 6, 0, 0 },
	{ "null linux v6", T_NULL, f_null_linux6, DEC_OK, 6, 0, 0 },
	{ "null other af", T_NULL, f_null_other, DEC_NOT_IP, 0, 0, 0 },
	{ "loop v4", T_LOOP, f_loop4, DEC_OK, 4, 0, 0 },
	{ "loop v6", T_LOOP, f_loop6, DEC_OK, 6, 0, 0 },
	{ "ppp v4", T_PPP, f_ppp4, DEC_OK, 4, 0, 0 },
	{ "ppp v6", T_PPP, f_ppp6, DEC_OK, 6, 0, 0 },
	{ "ppp pfc", T_PPP, f_ppp_pfc, DEC_OK, 4, 0, 0 },
	{ "ppp lcp", T_PPP, f_ppp_lcp, DEC_NOT_IP, 0, 0, 0 },
	{ "ppp mpls", T_PPP, f_ppp_mpls, DEC_OK, 4, 1, 0 },
	{ "ppp serial", T_PPP_SERIAL, f_ppp4, DEC_OK, 4, 0, 0 },
	{ "ppp serial chdlc", T_PPP_SERIAL, f_chdlc, DEC_OK, 4, 0, 0 },
	{ "c_hdlc", T_C_HDLC, f_chdlc, DEC_OK, 4, 0, 0 },
	{ "fddi", T_FDDI, f_fddi, DEC_OK, 4, 0, 0 },
	{ "ppp_ether", T_PPP_ETHER, f_ppp_ether, DEC_OK, 4, 1, 0 },
	{ "unsupported", 147, f_eth4, DEC_UNSUPPORTED_LINK, 0, 0, 0 },
};

static const struct frame_case tunnel_cases[] = {
	{ "mpls", T_EN10MB, f_mpls, DEC_OK, 4, 1, 0 },
	{ "mpls two labels v6", T_EN10MB, f_mpls2_6, DEC_OK, 6, 1, 0 },
	{ "mpls in vlan", T_EN10MB, f_mpls_vlan, DEC_OK, 4, 1, 42 },
	{ "mpls eth pw", T_EN10MB, f_mpls_pw, DEC_OK, 4, 1, 0 },
	{ "mpls eth pw cw", T_EN10MB, f_mpls_pwcw, DEC_OK, 6, 1, 0 },
	{ "mpls 17 labels", T_EN10MB, f_mpls_deep, DEC_TUNNEL_DEPTH, 0, 0,
	    0 },
	{ "pbb", T_EN10MB, f_pbb, DEC_OK, 4, 1, 5 },
	{ "fabricpath", T_EN10MB, f_fabricpath, DEC_OK, 4, 1, 0 },
	{ "vn-tag", T_EN10MB, f_vntag, DEC_OK, 4, 0, 0 },
	{ "vn-tag sandwich", T_EN10MB, f_vntag_sandwich, DEC_OK, 4, 0, 20 },
	{ "pppoe", T_EN10MB, f_pppoe, DEC_OK, 4, 1, 0 },
	{ "pppoe qinq v6", T_EN10MB, f_pppoe_qinq6, DEC_OK, 6, 1, 7 },
	{ "pppoe lcp", T_EN10MB, f_pppoe_lcp, DEC_NOT_IP, 0, 0, 0 },
	{ "gre", T_EN10MB, f_gre, DEC_OK, 4, 1, 0 },
	{ "gre csum key seq v6", T_EN10MB, f_gre_cks, DEC_OK, 6, 1, 0 },
	{ "gre teb", T_EN10MB, f_gre_teb, DEC_OK, 4, 1, 0 },
	{ "gre erspan1", T_EN10MB, f_gre_erspan1, DEC_OK, 4, 1, 0 },
	{ "gre erspan2", T_EN10MB, f_gre_erspan2, DEC_OK, 4, 1, 0 },
	{ "gre erspan3", T_EN10MB, f_gre_erspan3, DEC_OK, 6, 1, 0 },
	{ "gre erspan3 opt", T_EN10MB, f_gre_erspan3o, DEC_OK, 6, 1, 0 },
	{ "gre wccp2", T_EN10MB, f_gre_wccp, DEC_OK, 4, 1, 0 },
	{ "gre wccp1", T_EN10MB, f_gre_wccp1, DEC_OK, 4, 1, 0 },
	{ "gre routing", T_EN10MB, f_gre_route, DEC_BAD_TUNNEL, 0, 0, 0 },
	{ "gre pptp", T_EN10MB, f_gre_pptp, DEC_OK, 4, 1, 0 },
	{ "gre aruba", T_EN10MB, f_gre_aruba, DEC_OK, 4, 1, 0 },
	{ "gre aruba a-msdu", T_EN10MB, f_gre_aruba_amsdu, DEC_OK, 4, 1,
	    0 },
	{ "vxlan", T_EN10MB, f_vxlan, DEC_OK, 4, 1, 0 },
	{ "vxlan vlans v6", T_EN10MB, f_vxlan_vlan, DEC_OK, 6, 1, 77 },
	{ "geneve", T_EN10MB, f_geneve, DEC_OK, 4, 1, 0 },
	{ "geneve ip", T_EN10MB, f_geneve_ip, DEC_OK, 6, 1, 0 },
	{ "geneve version 1", T_EN10MB, f_geneve_v1, DEC_BAD_TUNNEL, 0, 0,
	    0 },
	{ "gtp-u", T_EN10MB, f_gtp, DEC_OK, 4, 1, 0 },
	{ "gtp-u ext", T_EN10MB, f_gtp_ext, DEC_OK, 6, 1, 0 },
	{ "gtp echo", T_EN10MB, f_gtp_echo, DEC_NOT_TCP, 0, 0, 0 },
	{ "teredo", T_EN10MB, f_teredo, DEC_OK, 6, 1, 0 },
	{ "teredo auth", T_EN10MB, f_teredo_auth, DEC_OK, 6, 1, 0 },
	{ "teredo bubble", T_EN10MB, f_teredo_bubble, DEC_NOT_TCP, 0, 0, 0 },
	{ "ayiya", T_EN10MB, f_ayiya, DEC_OK, 6, 1, 0 },
	{ "ipip", T_EN10MB, f_ipip, DEC_OK, 4, 1, 0 },
	{ "6in4", T_EN10MB, f_6in4, DEC_OK, 6, 1, 0 },
	{ "4in6", T_EN10MB, f_4in6, DEC_OK, 4, 1, 0 },
	{ "ipip holding v6", T_EN10MB, f_ipip_wrongv, DEC_BAD_IP_VERSION, 0,
	    0, 0 },
	{ "gre in udp", T_EN10MB, f_gre_udp, DEC_OK, 4, 1, 0 },
	{ "vxlan in gre", T_EN10MB, f_gre_vxlan, DEC_OK, 4, 2, 0 },
	{ "ipip 8 deep", T_EN10MB, f_ipip8, DEC_OK, 4, 8, 0 },
	{ "ipip 9 deep", T_EN10MB, f_ipip9, DEC_TUNNEL_DEPTH, 0, 0, 0 },
};

#define NLINK	(sizeof(link_cases) / sizeof(link_cases[0]))
#define NTUN	(sizeof(tunnel_cases) / sizeof(tunnel_cases[0]))

/*
 * Decode b from a buffer of exactly caplen bytes, so that a sanitizer sees
 * any read past it.
 */
static enum dec_res
decode(int dlt, const struct buf *b, size_t caplen, size_t wirelen,
    struct dec_seg *seg)
{
	enum dec_res res;
	uint8_t *p;

	p = malloc(caplen > 0 ? caplen : 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, b->b, caplen);
	memset(seg, 0xa5, sizeof(*seg));
	res = dec_packet(dlt, caplen > 0 ? p : NULL, (uint32_t)caplen,
	    (uint32_t)wirelen, seg);
	free(p);
	ck_assert_int_ge(res, DEC_OK);
	ck_assert_int_lt(res, DEC_RES_MAX);
	return res;
}

/* The segment every table frame carries. */
static void
check_seg(const struct dec_seg *seg, uint8_t af)
{
	ck_assert_uint_eq(seg->af, af);
	if (af == 4) {
		ck_assert_mem_eq(seg->src, in4_src, 4);
		ck_assert_mem_eq(seg->dst, in4_dst, 4);
		ck_assert_uint_eq(seg->src[4] | seg->dst[15], 0);
	} else {
		ck_assert_mem_eq(seg->src, in6_src, 16);
		ck_assert_mem_eq(seg->dst, in6_dst, 16);
	}
	ck_assert_uint_eq(seg->sport, SPORT);
	ck_assert_uint_eq(seg->dport, DPORT);
	ck_assert_uint_eq(seg->seq, SEQ);
	ck_assert_uint_eq(seg->ack, ACK);
	ck_assert_uint_eq(seg->flags, DEC_TH_PSH | DEC_TH_ACK);
	ck_assert_uint_eq(seg->win, WIN);
	ck_assert_uint_eq(seg->paylen, PAYLEN);
	ck_assert_uint_eq(seg->trunc, 0);
	ck_assert_uint_eq(seg->ttl, 64);
	ck_assert_uint_eq(seg->ip_bytes, (af == 4 ? 20 : 40) + 20 + PAYLEN);
	ck_assert_uint_eq(seg->opt.nlist, 0);
}

static void
run_case(const struct frame_case *fc)
{
	struct buf b;
	struct dec_seg seg;
	enum dec_res res;

	fc->build(&b);
	res = decode(fc->dlt, &b, b.len, b.len, &seg);
	ck_assert_msg(res == fc->res, "%s: got %s, want %s", fc->name,
	    dec_res_name(res), dec_res_name(fc->res));
	if (res != DEC_OK)
		return;
	check_seg(&seg, fc->af);
	ck_assert_msg(seg.tunnel == fc->tunnel, "%s: tunnel %u, want %u",
	    fc->name, seg.tunnel, fc->tunnel);
	ck_assert_msg(seg.vlan == fc->vlan, "%s: vlan %u, want %u",
	    fc->name, seg.vlan, fc->vlan);
	ck_assert_uint_eq(seg.wirelen, b.len);
	ck_assert(dec_link_supported(fc->dlt));
}

START_TEST(test_link)
{
	run_case(&link_cases[_i]);
}
END_TEST

START_TEST(test_tunnel)
{
	run_case(&tunnel_cases[_i]);
}
END_TEST

/*
 * Teredo between a client and a relay, on ports that are not 3544: found
 * by its shape (a bare IPv6 packet to or from 2001::/32 filling the
 * datagram), as in Zeek's tunnels_Teredo.pcap.
 */
static const uint8_t teredo_client[16] = { 0x20, 0x01, 0x00, 0x00, 0x41,
    0x37, 0x9e, 0x50, 0x80, 0x00, 0xf1, 0x2a, 0xb9, 0xc8, 0x28, 0x15 };
static const uint8_t teredo_peer[16] = { 0x20, 0x01, 0x48, 0x60, 0, 0,
    0x20, 0x01, [15] = 0x68 };

/* What the frame's variant changes: 0 none, 1 addresses, 2 a byte more. */
static void
f_teredo_relay(struct buf *b, int variant)
{
	mk_seg(b);
	if (variant == 1)
		w_ip6a(b, 6, in6_src, in6_dst);
	else
		w_ip6a(b, 6, teredo_client, teredo_peer);
	if (variant == 2)
		b->b[b->len++] = 0;
	w_udp(b, 3797, 32900);
	w_ip4o(b, 17);
	w_eth(b, 0x0800);
}

START_TEST(test_teredo_any_port)
{
	struct buf b;
	struct dec_seg seg;

	f_teredo_relay(&b, 0);
	ck_assert_int_eq(decode(T_EN10MB, &b, b.len, b.len, &seg), DEC_OK);
	ck_assert_uint_eq(seg.af, 6);
	ck_assert_uint_eq(seg.tunnel, 1);
	ck_assert_mem_eq(seg.src, teredo_client, 16);
	ck_assert_mem_eq(seg.dst, teredo_peer, 16);
	ck_assert_uint_eq(seg.sport, SPORT);
	ck_assert_uint_eq(seg.paylen, PAYLEN);
	/* The relay's answer: the Teredo address is the destination. */
	mk_seg(&b);
	w_ip6a(&b, 6, teredo_peer, teredo_client);
	w_udp(&b, 32900, 3797);
	w_ip4o(&b, 17);
	w_eth(&b, 0x0800);
	ck_assert_int_eq(decode(T_EN10MB, &b, b.len, b.len, &seg), DEC_OK);
	ck_assert_mem_eq(seg.dst, teredo_client, 16);
	/*
	 * Not Teredo: other addresses, or a payload the packet does not
	 * fill.
	 */
	f_teredo_relay(&b, 1);
	ck_assert_int_eq(decode(T_EN10MB, &b, b.len, b.len, &seg),
	    DEC_NOT_TCP);
	f_teredo_relay(&b, 2);
	ck_assert_int_eq(decode(T_EN10MB, &b, b.len, b.len, &seg),
	    DEC_NOT_TCP);
	/* Cut inside the IPv6 header: nothing to judge by, so not TCP. */
	f_teredo_relay(&b, 0);
	ck_assert_int_eq(decode(T_EN10MB, &b, 14 + 20 + 8 + 39, b.len, &seg),
	    DEC_NOT_TCP);
	/* Cut after it: Teredo, its TCP header cut. */
	ck_assert_int_eq(decode(T_EN10MB, &b, 14 + 20 + 8 + 40 + 10, b.len,
	    &seg), DEC_TRUNC_TCP);
}
END_TEST

START_TEST(test_link_supported)
{
	ck_assert(dec_link_supported(T_EN10MB));
	ck_assert(dec_link_supported(T_SLL2));
	ck_assert(!dec_link_supported(147));
	ck_assert(!dec_link_supported(-1));
}
END_TEST

/* ---- header corners ---- */

/* An Ethernet IPv4 frame; the IP header starts at 14. */
#define IP	14
#define TCPO	(14 + 20)

struct corner {
	const char	*name;
	void		(*build)(struct buf *);
	long		 caplen;	/* < 0: the whole frame */
	enum dec_res	 res;
	uint8_t		 trunc;
	uint32_t	 paylen;
};

static void
c_ihl4(struct buf *b)
{
	f_eth4(b);
	b->b[IP] = 0x44;
}

static void
c_ihl_beyond(struct buf *b)
{
	mk_tcp(b, DEC_TH_SYN, NULL, 0, 0);
	w_ip4(b, 6);
	w_eth(b, 0x0800);
	b->b[IP] = 0x4f;		/* 60 bytes in a 40-byte packet */
}

static void
c_total_lt_ihl(struct buf *b)
{
	f_eth4(b);
	set16(b->b + IP + 2, 16);
}

static void
c_total_lt_ihl_opts(struct buf *b)
{
	f_eth4(b);
	b->b[IP] = 0x46;		/* 24-byte header, total 22 */
	set16(b->b + IP + 2, 22);
}

static void
c_total_beyond(struct buf *b)
{
	f_eth4(b);
	set16(b->b + IP + 2, 20 + 20 + PAYLEN + 100);
}

static void
c_total_zero(struct buf *b)
{
	f_eth4(b);
	set16(b->b + IP + 2, 0);
}

static void
c_padded(struct buf *b)
{
	mk_tcp(b, DEC_TH_ACK, NULL, 0, 0);
	w_ip4(b, 6);
	w_eth(b, 0x0800);
	memset(b->b + b->len, 0, 6 + 4);	/* padding to 60, FCS */
	b->len += 10;
}

static void
c_ip_short_for_tcp(struct buf *b)
{
	f_eth4(b);
	set16(b->b + IP + 2, 20 + 12);
}

static void
c_frag_later(struct buf *b)
{
	f_eth4(b);
	set16(b->b + IP + 6, 185);
}

static void
c_frag_later_mf(struct buf *b)
{
	f_eth4(b);
	set16(b->b + IP + 6, 0x2000 | 1);
}

static void
c_frag_split(struct buf *b)
{
	mk_tcp(b, DEC_TH_SYN, NULL, 0, 0);
	b->len = 16;			/* 16 bytes of the TCP header */
	w_ip4(b, 6);
	w_eth(b, 0x0800);
	set16(b->b + IP + 6, 0x2000);
}

static void
c_frag_first(struct buf *b)
{
	f_eth4(b);
	set16(b->b + IP + 6, 0x2000);
}

static void
c_frag_first_opts_split(struct buf *b)
{
	static const uint8_t opt[12] = { 1, 1, 8, 10 };

	mk_tcp(b, DEC_TH_ACK, opt, sizeof(opt), 0);
	b->len = 24;			/* 4 of 12 option bytes */
	w_ip4(b, 6);
	w_eth(b, 0x0800);
	set16(b->b + IP + 6, 0x2000);
}

/* A first fragment holding a whole GRE packet's head. */
static void
c_frag_gre(struct buf *b)
{
	mk_tcp(b, DEC_TH_ACK, NULL, 0, 1000);
	w_ip4(b, 6);
	w_bytes(b, "0000 0800");
	b->len = 4 + 20 + 20 + 100;	/* the rest is in later fragments */
	w_ip4o(b, 47);
	w_eth(b, 0x0800);
	set16(b->b + IP + 6, 0x2000);
}

static void
c_frag_gre_split(struct buf *b)
{
	c_frag_gre(b);
	set16(b->b + IP + 2, 20 + 4 + 20 + 10);
	b->len = IP + 20 + 4 + 20 + 10;
}

static void
c_v6_chain(struct buf *b)
{
	mk_seg(b);
	w_frag6(b, 6, 0, false);	/* atomic fragment, RFC 6946 */
	w_ext6(b, 44, 2);		/* destination options */
	w_ext6(b, 60, 1);		/* hop-by-hop */
	w_ip6(b, 0);
	w_eth(b, 0x86dd);
}

static void
c_v6_first_frag(struct buf *b)
{
	mk_seg(b);
	w_frag6(b, 6, 0, true);
	w_ext6(b, 44, 1);
	w_ip6(b, 60);
	w_eth(b, 0x86dd);
}

static void
c_v6_later_frag(struct buf *b)
{
	mk_seg(b);
	w_frag6(b, 6, 100, false);
	w_ip6(b, 44);
	w_eth(b, 0x86dd);
}

static void
c_v6_frag_split(struct buf *b)
{
	mk_seg(b);
	b->len = 12;
	w_frag6(b, 6, 0, true);
	w_ip6(b, 44);
	w_eth(b, 0x86dd);
}

static void
c_v6_ah(struct buf *b)
{
	uint8_t ah[24] = { 6, 4 };

	mk_seg(b);
	wrap(b, ah, sizeof(ah));
	w_ext6(b, 51, 1);
	w_ip6(b, 60);
	w_eth(b, 0x86dd);
}

static void
c_v6_long_chain(struct buf *b)
{
	int i;

	mk_seg(b);
	w_ext6(b, 6, 1);
	for (i = 0; i < 8; i++)
		w_ext6(b, 60, 1);
	w_ip6(b, 60);
	w_eth(b, 0x86dd);
}

static void
c_v6_hbh_late(struct buf *b)
{
	mk_seg(b);
	w_ext6(b, 6, 1);
	w_ext6(b, 0, 1);
	w_ip6(b, 60);
	w_eth(b, 0x86dd);
}

static void
c_v6_ext_beyond(struct buf *b)
{
	mk_tcp(b, DEC_TH_SYN, NULL, 0, 0);
	w_ext6(b, 6, 1);
	w_ip6(b, 60);
	w_eth(b, 0x86dd);
	b->b[14 + 40 + 1] = 200;	/* 1608 bytes of options */
}

static void
c_v6_none(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	w_ip6(b, 59);
	w_eth(b, 0x86dd);
}

static void
c_v6_jumbo(struct buf *b)
{
	mk_seg(b);
	w_bytes(b, "06 00 c2 04 00000026");	/* 8 + 20 + 10 bytes */
	w_ip6(b, 0);
	w_eth(b, 0x86dd);
	set16(b->b + 14 + 4, 0);
}

static void
c_v6_jumbo_long(struct buf *b)
{
	c_v6_jumbo(b);
	b->b[14 + 40 + 7] = 0x27;
}

static void
c_v6_jumbo_none(struct buf *b)
{
	mk_seg(b);
	w_bytes(b, "06 00 01 04 00000026");	/* PadN, no jumbo option */
	w_ip6(b, 0);
	w_eth(b, 0x86dd);
	set16(b->b + 14 + 4, 0);
}

static void
c_v6_zero_len(struct buf *b)
{
	f_eth6(b);
	set16(b->b + 14 + 4, 0);
}

static void
c_v6_len_beyond(struct buf *b)
{
	f_eth6(b);
	set16(b->b + 14 + 4, 20 + PAYLEN + 1);
}

static void
c_doff4(struct buf *b)
{
	f_eth4(b);
	b->b[TCPO + 12] = 0x40;
}

static void
c_doff_beyond(struct buf *b)
{
	mk_tcp(b, DEC_TH_SYN, NULL, 0, 8);
	w_ip4(b, 6);
	w_eth(b, 0x0800);
	b->b[TCPO + 12] = 0xf0;		/* 60 bytes in a 28-byte payload */
}

static void
c_big_payload(struct buf *b)
{
	mk_tcp(b, DEC_TH_ACK, NULL, 0, 1400);
	w_ip4(b, 6);
	w_eth(b, 0x0800);
}

static void
c_opts(struct buf *b)
{
	static const uint8_t opt[20] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
		1, 3, 3, 7
	};

	mk_tcp(b, DEC_TH_SYN, opt, sizeof(opt), 0);
	w_ip4(b, 6);
	w_eth(b, 0x0800);
}

static const struct corner corners[] = {
	{ "ihl 4", c_ihl4, -1, DEC_BAD_IP_HLEN, 0, 0 },
	{ "ihl beyond packet", c_ihl_beyond, -1, DEC_BAD_IP_HLEN, 0, 0 },
	{ "ihl beyond packet, cut", c_ihl_beyond, IP + 30, DEC_BAD_IP_HLEN,
	    0, 0 },
	{ "total < ihl", c_total_lt_ihl, -1, DEC_BAD_IP_LEN, 0, 0 },
	{ "total < ihl with options", c_total_lt_ihl_opts, -1,
	    DEC_BAD_IP_LEN, 0, 0 },
	{ "total beyond frame", c_total_beyond, -1, DEC_BAD_IP_LEN, 0, 0 },
	{ "total beyond frame, cut", c_total_beyond, TCPO + 20, DEC_OK,
	    DEC_TRUNC_PAYLOAD, PAYLEN + 100 },
	{ "total zero (tso)", c_total_zero, -1, DEC_OK, 0, PAYLEN },
	{ "ethernet padding", c_padded, -1, DEC_OK, 0, 0 },
	{ "ip too short for tcp", c_ip_short_for_tcp, -1, DEC_BAD_IP_LEN, 0,
	    0 },
	{ "non-first fragment", c_frag_later, -1, DEC_FRAGMENT, 0, 0 },
	{ "middle fragment", c_frag_later_mf, -1, DEC_FRAGMENT, 0, 0 },
	{ "first fragment splits tcp", c_frag_split, -1, DEC_FRAG_SPLIT_TCP,
	    0, 0 },
	{ "first fragment", c_frag_first, -1, DEC_OK, DEC_TRUNC_FRAG,
	    PAYLEN },
	{ "first fragment splits options", c_frag_first_opts_split, -1,
	    DEC_FRAG_SPLIT_TCP, 0, 0 },
	{ "first fragment of gre", c_frag_gre, -1, DEC_OK,
	    DEC_TRUNC_PAYLOAD, 1000 },
	{ "first fragment of gre splits tcp", c_frag_gre_split, -1,
	    DEC_FRAG_SPLIT_TCP, 0, 0 },
	{ "v6 hbh dst frag", c_v6_chain, -1, DEC_OK, 0, PAYLEN },
	{ "v6 first fragment", c_v6_first_frag, -1, DEC_OK, DEC_TRUNC_FRAG,
	    PAYLEN },
	{ "v6 non-first fragment", c_v6_later_frag, -1, DEC_FRAGMENT, 0, 0 },
	{ "v6 first fragment splits tcp", c_v6_frag_split, -1,
	    DEC_FRAG_SPLIT_TCP, 0, 0 },
	{ "v6 ah", c_v6_ah, -1, DEC_OK, 0, PAYLEN },
	{ "v6 chain too long", c_v6_long_chain, -1, DEC_BAD_IP6_EXT, 0, 0 },
	{ "v6 hbh not first", c_v6_hbh_late, -1, DEC_BAD_IP6_EXT, 0, 0 },
	{ "v6 ext beyond payload", c_v6_ext_beyond, -1, DEC_BAD_IP6_EXT, 0,
	    0 },
	{ "v6 ext cut", c_v6_chain, 14 + 40 + 4, DEC_TRUNC_IP, 0, 0 },
	{ "v6 no next header", c_v6_none, -1, DEC_NOT_TCP, 0, 0 },
	{ "v6 jumbo", c_v6_jumbo, -1, DEC_OK, 0, PAYLEN },
	{ "v6 jumbo beyond frame", c_v6_jumbo_long, -1, DEC_BAD_IP_LEN, 0,
	    0 },
	{ "v6 zero length, hbh without jumbo", c_v6_jumbo_none, -1,
	    DEC_BAD_IP_LEN, 0, 0 },
	{ "v6 zero length (tso)", c_v6_zero_len, -1, DEC_OK, 0, PAYLEN },
	{ "v6 length beyond frame", c_v6_len_beyond, -1, DEC_BAD_IP_LEN, 0,
	    0 },
	{ "v6 length beyond frame, cut", c_v6_len_beyond, 14 + 40 + 20,
	    DEC_OK, DEC_TRUNC_PAYLOAD, PAYLEN + 1 },
	{ "doff 4", c_doff4, -1, DEC_BAD_TCP_OFF, 0, 0 },
	{ "doff beyond payload", c_doff_beyond, -1, DEC_BAD_TCP_OFF, 0, 0 },
	{ "payload cut", c_big_payload, TCPO + 20 + 10, DEC_OK,
	    DEC_TRUNC_PAYLOAD, 1400 },
	{ "payload cut to nothing", c_big_payload, TCPO + 20, DEC_OK,
	    DEC_TRUNC_PAYLOAD, 1400 },
	{ "options cut", c_opts, TCPO + 20 + 6, DEC_OK,
	    DEC_TRUNC_OPTS, 0 },
	{ "options cut at their start", c_opts, TCPO + 20, DEC_OK,
	    DEC_TRUNC_OPTS, 0 },
	{ "tcp header cut", c_big_payload, TCPO + 19, DEC_TRUNC_TCP, 0, 0 },
	{ "tcp header cut to nothing", c_big_payload, TCPO, DEC_TRUNC_TCP,
	    0, 0 },
	{ "ip header cut", c_big_payload, IP + 19, DEC_TRUNC_IP, 0, 0 },
	{ "ip options cut", c_total_lt_ihl_opts, IP + 22, DEC_TRUNC_IP, 0,
	    0 },
	{ "ethernet cut", c_big_payload, 13, DEC_TRUNC_LINK, 0, 0 },
	{ "caplen 0", c_big_payload, 0, DEC_TRUNC_LINK, 0, 0 },
	{ "vlan tag cut", f_vlan, 16, DEC_TRUNC_LINK, 0, 0 },
	{ "vxlan header cut", f_vxlan, 14 + 20 + 8 + 4, DEC_TRUNC_TUNNEL, 0,
	    0 },
	{ "vxlan inner ethernet cut", f_vxlan, 14 + 20 + 8 + 8 + 10,
	    DEC_TRUNC_LINK, 0, 0 },
	{ "gre tcp cut", f_gre, 14 + 20 + 4 + 20 + 10, DEC_TRUNC_TCP, 0, 0 },
};

#define NCORNER	(sizeof(corners) / sizeof(corners[0]))

START_TEST(test_corner)
{
	const struct corner *cc = &corners[_i];
	struct buf b;
	struct dec_seg seg;
	enum dec_res res;
	size_t caplen;
	uint8_t want;

	cc->build(&b);
	caplen = cc->caplen < 0 ? b.len : (size_t)cc->caplen;
	ck_assert_uint_le(caplen, b.len);
	res = decode(T_EN10MB, &b, caplen, b.len, &seg);
	ck_assert_msg(res == cc->res, "%s: got %s, want %s", cc->name,
	    dec_res_name(res), dec_res_name(cc->res));
	if (res != DEC_OK)
		return;
	want = cc->trunc;
	ck_assert_msg(seg.trunc == want, "%s: trunc %u, want %u", cc->name,
	    seg.trunc, want);
	ck_assert_msg(seg.paylen == cc->paylen, "%s: paylen %u, want %u",
	    cc->name, seg.paylen, cc->paylen);
}
END_TEST

START_TEST(test_wirelen_zero)
{
	struct buf b;
	struct dec_seg seg;

	/* A wire length below the captured one is taken as the captured. */
	f_eth4(&b);
	ck_assert_int_eq(decode(T_EN10MB, &b, b.len, 0, &seg), DEC_OK);
	ck_assert_uint_eq(seg.paylen, PAYLEN);
	ck_assert_uint_eq(seg.trunc, 0);
	ck_assert_uint_eq(seg.wirelen, 0);
	ck_assert_int_eq(decode(T_EN10MB, &b, 0, 0, &seg), DEC_TRUNC_LINK);
	ck_assert_int_eq(decode(T_RAW, &b, 0, 0, &seg), DEC_TRUNC_IP);
	ck_assert_int_eq(dec_packet(T_EN10MB, NULL, 0, 60, &seg),
	    DEC_TRUNC_LINK);
}
END_TEST

START_TEST(test_ts_kept)
{
	struct buf b;
	struct dec_seg seg;

	f_eth4(&b);
	seg.ts_ns = 42;
	ck_assert_int_eq(dec_packet(T_EN10MB, b.b, (uint32_t)b.len,
	    (uint32_t)b.len, &seg), DEC_OK);
	ck_assert_int_eq(seg.ts_ns, 42);
}
END_TEST

START_TEST(test_options_cut_parsed)
{
	struct buf b;
	struct dec_seg seg;

	/* Cut after MSS and the SACK-permitted option. */
	c_opts(&b);
	ck_assert_int_eq(decode(T_EN10MB, &b, TCPO + 20 + 6, b.len, &seg),
	    DEC_OK);
	ck_assert(seg.opt.has_mss);
	ck_assert_uint_eq(seg.opt.mss, 1460);
	ck_assert(seg.opt.sack_ok);
	ck_assert(!seg.opt.has_ts);
	ck_assert(!seg.opt.has_wscale);
	ck_assert(!seg.opt.bad);
	ck_assert_uint_eq(seg.opt.nlist, 2);
	/* Cut inside the timestamps: not malformed, not parsed. */
	ck_assert_int_eq(decode(T_EN10MB, &b, TCPO + 20 + 10, b.len, &seg),
	    DEC_OK);
	ck_assert(!seg.opt.has_ts);
	ck_assert(!seg.opt.bad);
	ck_assert_uint_eq(seg.trunc, DEC_TRUNC_OPTS);
}
END_TEST

/* ---- TCP options ---- */

/* Decode a SYN with the given options; they are padded with EOL to 4. */
static enum dec_res
opt_seg(const uint8_t *opt, size_t len, struct dec_seg *seg)
{
	uint8_t padded[40] = { 0 };
	struct buf b;

	ck_assert_uint_le(len, sizeof(padded));
	memcpy(padded, opt, len);
	mk_tcp(&b, DEC_TH_SYN, padded, (len + 3) / 4 * 4, 0);
	w_ip4(&b, 6);
	return decode(T_RAW, &b, b.len, b.len, seg);
}

START_TEST(test_opt_all)
{
	static const uint8_t opt[] = {
		2, 4, 0x05, 0xb4,		/* mss 1460 */
		4, 2,				/* sackOK */
		8, 10, 0, 0, 0, 1, 0, 0, 0, 2,	/* TS 1 2 */
		1,				/* nop */
		3, 3, 7,			/* wscale 7 */
		30, 4, 0xab, 0xcd,		/* mptcp, skipped */
		0				/* eol */
	};
	struct dec_seg seg;

	ck_assert_int_eq(opt_seg(opt, sizeof(opt), &seg), DEC_OK);
	ck_assert(seg.opt.has_mss && seg.opt.mss == 1460);
	ck_assert(seg.opt.sack_ok);
	ck_assert(seg.opt.has_ts);
	ck_assert_uint_eq(seg.opt.tsval, 1);
	ck_assert_uint_eq(seg.opt.tsecr, 2);
	ck_assert(seg.opt.has_wscale && seg.opt.wscale == 7);
	ck_assert(!seg.opt.bad);
	ck_assert_uint_eq(seg.opt.nsack, 0);
	ck_assert_uint_eq(seg.opt.nlist, 7);
	ck_assert_uint_eq(seg.opt.list[0], 2);
	ck_assert_uint_eq(seg.opt.list[3], 1);
	ck_assert_uint_eq(seg.opt.list[5], 30);
	ck_assert_uint_eq(seg.opt.list[6], 0);
	ck_assert_uint_eq(seg.trunc, 0);
}
END_TEST

START_TEST(test_opt_sack4)
{
	uint8_t opt[36] = { 1, 1, 5, 34 };
	struct dec_seg seg;
	int k;

	for (k = 0; k < 8; k++)
		set32(opt + 4 + 4 * k, (uint32_t)(1000 * (k + 1)));
	ck_assert_int_eq(opt_seg(opt, sizeof(opt), &seg), DEC_OK);
	ck_assert(!seg.opt.bad);
	ck_assert_uint_eq(seg.opt.nsack, 4);
	for (k = 0; k < 4; k++) {
		ck_assert_uint_eq(seg.opt.sack[k][0], 1000 * (2 * k + 1));
		ck_assert_uint_eq(seg.opt.sack[k][1], 1000 * (2 * k + 2));
	}
}
END_TEST

START_TEST(test_opt_sack1)
{
	static const uint8_t opt[] = { 1, 1, 5, 10, 0, 0, 0, 5, 0, 0, 0, 9 };
	struct dec_seg seg;

	ck_assert_int_eq(opt_seg(opt, sizeof(opt), &seg), DEC_OK);
	ck_assert_uint_eq(seg.opt.nsack, 1);
	ck_assert_uint_eq(seg.opt.sack[0][0], 5);
	ck_assert_uint_eq(seg.opt.sack[0][1], 9);
}
END_TEST

START_TEST(test_opt_eol_stops)
{
	static const uint8_t opt[] = { 1, 0, 2, 4, 0x05, 0xb4, 0, 0 };
	struct dec_seg seg;

	ck_assert_int_eq(opt_seg(opt, sizeof(opt), &seg), DEC_OK);
	ck_assert(!seg.opt.has_mss);
	ck_assert(!seg.opt.bad);
	ck_assert_uint_eq(seg.opt.nlist, 2);
}
END_TEST

/*
 * NOP, NOP, timestamps: the layout the decoder takes whole, recorded as
 * the option loop records it; a wrong length, more options after it and
 * a list cut after it each as the loop has them.
 */
START_TEST(test_opt_nop_nop_ts)
{
	static const uint8_t ts[] = {
		1, 1, 8, 10, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0
	};
	static const uint8_t badlen[] = {
		1, 1, 8, 11, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0
	};
	static const uint8_t more[] = {
		1, 1, 8, 10, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0, 1, 1, 1, 0
	};
	struct dec_seg seg;
	struct buf b;

	ck_assert_int_eq(opt_seg(ts, sizeof(ts), &seg), DEC_OK);
	ck_assert(seg.opt.has_ts && !seg.opt.bad && !seg.opt.has_mss);
	ck_assert_uint_eq(seg.opt.tsval, 0x01020304);
	ck_assert_uint_eq(seg.opt.tsecr, 0xa0b0c0d0);
	ck_assert_uint_eq(seg.opt.nlist, 3);
	ck_assert_uint_eq(seg.opt.list[0], 1);
	ck_assert_uint_eq(seg.opt.list[1], 1);
	ck_assert_uint_eq(seg.opt.list[2], 8);
	ck_assert_uint_eq(seg.trunc, 0);

	ck_assert_int_eq(opt_seg(badlen, sizeof(badlen), &seg), DEC_OK);
	ck_assert(seg.opt.bad && !seg.opt.has_ts);
	ck_assert_uint_eq(seg.opt.nlist, 2);

	ck_assert_int_eq(opt_seg(more, sizeof(more), &seg), DEC_OK);
	ck_assert(seg.opt.has_ts && !seg.opt.bad);
	ck_assert_uint_eq(seg.opt.tsecr, 0xa0b0c0d0);
	ck_assert_uint_eq(seg.opt.nlist, 7);
	ck_assert_uint_eq(seg.opt.list[6], 0);

	/* The same 16 bytes of options, the capture cut after 12. */
	mk_tcp(&b, DEC_TH_SYN, more, sizeof(more), 0);
	w_ip4(&b, 6);
	ck_assert_int_eq(decode(T_RAW, &b, b.len - 4, b.len, &seg), DEC_OK);
	ck_assert(seg.opt.has_ts && !seg.opt.bad);
	ck_assert_uint_eq(seg.opt.tsval, 0x01020304);
	ck_assert_uint_eq(seg.opt.nlist, 3);
	ck_assert_uint_eq(seg.trunc, DEC_TRUNC_OPTS);
}
END_TEST

/* Malformed options: each sets bad and stops the parse. */
static const struct {
	const char	*name;
	uint8_t		 opt[12];
	size_t		 len;
	bool		 mss_after;	/* an MSS before the bad one */
} bad_opts[] = {
	{ "len 0", { 2, 4, 5, 0xb4, 30, 0 }, 6, true },
	{ "len 1", { 30, 1, 2, 4, 5, 0xb4 }, 6, false },
	{ "mss len 3", { 2, 3, 5, 1, 1, 1 }, 6, false },
	{ "mss len 5", { 2, 5, 5, 0xb4, 0 }, 5, false },
	{ "wscale len 4", { 2, 4, 5, 0xb4, 3, 4, 7, 0 }, 8, true },
	{ "sackok len 3", { 4, 3, 0, 1 }, 4, false },
	{ "sack len 2", { 5, 2, 1, 1 }, 4, false },
	{ "sack len 11", { 5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 }, 12, false },
	{ "ts len 9", { 8, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0 }, 12, false },
	{ "past the header", { 2, 4, 5, 0xb4, 30, 9, 0, 0 }, 8, true },
	{ "no length byte", { 1, 1, 1, 30 }, 4, false },
};

START_TEST(test_opt_bad)
{
	struct dec_seg seg;

	ck_assert_int_eq(opt_seg(bad_opts[_i].opt, bad_opts[_i].len, &seg),
	    DEC_OK);
	ck_assert_msg(seg.opt.bad, "%s: not flagged", bad_opts[_i].name);
	ck_assert_msg(seg.opt.has_mss == bad_opts[_i].mss_after, "%s: mss",
	    bad_opts[_i].name);
	ck_assert(!seg.opt.has_wscale && !seg.opt.has_ts &&
	    seg.opt.nsack == 0 && !seg.opt.sack_ok);
}
END_TEST

START_TEST(test_opt_many_nops)
{
	uint8_t opt[40];
	struct dec_seg seg;

	memset(opt, 1, sizeof(opt));
	ck_assert_int_eq(opt_seg(opt, sizeof(opt), &seg), DEC_OK);
	ck_assert_uint_eq(seg.opt.nlist, 40);
	ck_assert(!seg.opt.bad);
}
END_TEST

/* ---- formatting and names ---- */

static void
fmt_seg(struct dec_seg *seg, uint8_t af)
{
	memset(seg, 0, sizeof(*seg));
	seg->ts_ns = 1700000000123456789LL;
	seg->af = af;
	if (af == 4) {
		memcpy(seg->src, in4_src, 4);
		memcpy(seg->dst, in4_dst, 4);
	} else {
		memcpy(seg->src, in6_src, 16);
		memcpy(seg->dst, in6_dst, 16);
	}
	seg->sport = SPORT;
	seg->dport = DPORT;
	seg->seq = SEQ;
	seg->ack = ACK;
	seg->win = WIN;
}

START_TEST(test_format_synack)
{
	static const uint8_t opt[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
		1, 3, 3, 7
	};
	struct dec_seg seg;
	char line[256];
	int n;

	ck_assert_int_eq(opt_seg(opt, sizeof(opt), &seg), DEC_OK);
	seg.ts_ns = 1700000000123456789LL;
	seg.flags |= DEC_TH_ACK;
	n = dec_format_seg(&seg, line, sizeof(line));
	ck_assert_str_eq(line, "1700000000.123456789 10.0.0.1:40000 > "
	    "10.0.0.2:80 [S.] seq 123 ack 456 win 64240 len 0 "
	    "<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>");
	ck_assert_int_eq(n, (int)strlen(line));
}
END_TEST

START_TEST(test_format_v6)
{
	struct dec_seg seg;
	char line[256];

	fmt_seg(&seg, 6);
	seg.flags = DEC_TH_FIN | DEC_TH_ACK;
	seg.paylen = 5;
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_str_eq(line, "1700000000.123456789 [2001:db8::1]:40000 > "
	    "[2001:db8::2]:80 [F.] seq 123 ack 456 win 64240 len 5");
}
END_TEST

START_TEST(test_format_flags)
{
	struct dec_seg seg;
	char line[256];

	fmt_seg(&seg, 4);
	seg.flags = 0;
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_str_eq(line, "1700000000.123456789 10.0.0.1:40000 > "
	    "10.0.0.2:80 [none] seq 123 win 64240 len 0");
	seg.flags = 0xff;
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, " [FSRP.UEW] seq 123 ack 456 "));
	seg.flags = DEC_TH_RST;
	seg.ts_ns = -1;
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_str_eq(line, "-1.999999999 10.0.0.1:40000 > "
	    "10.0.0.2:80 [R] seq 123 win 64240 len 0");
}
END_TEST

START_TEST(test_format_opts)
{
	static const uint8_t sack[] = { 1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2,
	    0, 0, 0, 3, 0, 0, 0, 4 };
	static const uint8_t bad[] = { 2, 4, 5, 0xb4, 3, 4, 7, 0 };
	static const uint8_t other[] = { 19, 2, 99, 2, 34, 2, 0 };
	struct dec_seg seg;
	struct buf b;
	char line[256];

	ck_assert_int_eq(opt_seg(sack, sizeof(sack), &seg), DEC_OK);
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, " <nop,nop,sack 2 {1:2}{3:4}>"));
	ck_assert_int_eq(opt_seg(bad, sizeof(bad), &seg), DEC_OK);
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, " <mss 1460,[bad opt]>"));
	ck_assert_int_eq(opt_seg(other, sizeof(other), &seg), DEC_OK);
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, " <md5,unknown-99,tfo,eol>"));
	c_opts(&b);
	ck_assert_int_eq(decode(T_EN10MB, &b, TCPO + 20 + 6, b.len, &seg),
	    DEC_OK);
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, " <mss 1460,sackOK,[|tcp]>"));
	ck_assert_int_eq(decode(T_EN10MB, &b, TCPO + 20, b.len, &seg),
	    DEC_OK);
	dec_format_seg(&seg, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, " len 0 <[|tcp]>"));
}
END_TEST

START_TEST(test_format_short_buffer)
{
	struct dec_seg seg;
	char full[256], part[16];
	int n, m;

	fmt_seg(&seg, 6);
	seg.flags = DEC_TH_SYN;
	n = dec_format_seg(&seg, full, sizeof(full));
	memset(part, 'z', sizeof(part));
	m = dec_format_seg(&seg, part, sizeof(part));
	ck_assert_int_eq(n, m);
	ck_assert_uint_eq(strlen(part), sizeof(part) - 1);
	ck_assert(strncmp(full, part, sizeof(part) - 1) == 0);
	ck_assert_int_eq(dec_format_seg(&seg, NULL, 0), n);
}
END_TEST

START_TEST(test_res_names)
{
	static const char *const want[] = {
		"ok", "not_ip", "not_tcp", "unsupported_link", "trunc_link",
		"trunc_ip", "trunc_tcp", "bad_ip_version", "bad_ip_hlen",
		"bad_ip_len", "bad_ip6_ext", "fragment", "frag_split_tcp",
		"bad_tcp_off", "bad_tunnel", "tunnel_depth", "trunc_tunnel",
		"bad_timestamp"
	};
	const char *s;
	int i, j;

	ck_assert_int_eq(sizeof(want) / sizeof(want[0]), DEC_RES_MAX);
	for (i = 0; i < DEC_RES_MAX; i++) {
		ck_assert_str_eq(dec_res_name((enum dec_res)i), want[i]);
		for (s = want[i]; *s != '\0'; s++)
			ck_assert((*s >= 'a' && *s <= 'z') ||
			    (*s >= '0' && *s <= '9') || *s == '_');
		for (j = 0; j < i; j++)
			ck_assert_str_ne(want[i], want[j]);
	}
	ck_assert_str_eq(dec_res_name(DEC_RES_MAX), "unknown");
}
END_TEST

START_TEST(test_addr_str)
{
	static const uint8_t v6[16] = { 0xfe, 0x80, [15] = 0x0a };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 192, 0,
	    2, 7 };
	char buf[46];

	ck_assert_str_eq(dec_addr_str(4, in4_src, buf, sizeof(buf)),
	    "10.0.0.1");
	ck_assert_str_eq(dec_addr_str(6, v6, buf, sizeof(buf)), "fe80::a");
	ck_assert_str_eq(dec_addr_str(6, mapped, buf, sizeof(buf)),
	    "::ffff:192.0.2.7");
	ck_assert_str_eq(dec_addr_str(5, v6, buf, sizeof(buf)), "?");
	ck_assert_str_eq(dec_addr_str(6, in6_src, buf, 4), "?");
}
END_TEST

/* ---- robustness ---- */

/* A small fixed-seed generator (xorshift32), the same on every host. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
all_frames(void (*fn)(int, const struct buf *, void *), void *arg)
{
	struct buf b;
	size_t i;

	for (i = 0; i < NLINK; i++) {
		link_cases[i].build(&b);
		fn(link_cases[i].dlt, &b, arg);
	}
	for (i = 0; i < NTUN; i++) {
		tunnel_cases[i].build(&b);
		fn(tunnel_cases[i].dlt, &b, arg);
	}
	for (i = 0; i < NCORNER; i++) {
		corners[i].build(&b);
		fn(T_EN10MB, &b, arg);
	}
}

static void
prefixes(int dlt, const struct buf *b, void *arg)
{
	struct dec_seg seg;
	size_t n;

	(void)arg;
	for (n = 0; n <= b->len; n++) {
		if (decode(dlt, b, n, b->len, &seg) == DEC_OK)
			ck_assert_uint_le(seg.paylen, 0xffff);
		decode(dlt, b, n, n, &seg);
	}
}

START_TEST(test_fuzz_prefixes)
{
	all_frames(prefixes, NULL);
}
END_TEST

static void
mutants(int dlt, const struct buf *b, void *arg)
{
	uint32_t *seed = arg;
	struct dec_seg seg;
	struct buf m;
	int i, k, nflip;

	for (i = 0; i < 40; i++) {
		m = *b;
		nflip = 1 + (int)(rnd(seed) % 4);
		for (k = 0; k < nflip; k++)
			m.b[rnd(seed) % m.len] = (uint8_t)rnd(seed);
		decode(dlt, &m, m.len, m.len, &seg);
		decode(dlt, &m, rnd(seed) % (m.len + 1), m.len, &seg);
	}
}

START_TEST(test_fuzz_mutants)
{
	uint32_t seed = 0x5eed1234;

	all_frames(mutants, &seed);
}
END_TEST

START_TEST(test_fuzz_random)
{
	static const int dlts[] = {
		T_NULL, T_EN10MB, T_PPP, T_FDDI, T_RAW, T_PPP_SERIAL,
		T_PPP_ETHER, T_C_HDLC, T_LOOP, T_SLL, T_IPV4, T_IPV6, T_SLL2
	};
	struct dec_seg seg;
	struct buf b;
	uint32_t seed = 12345;
	size_t k;
	int i;

	for (i = 0; i < 5000; i++) {
		memset(&b, 0, sizeof(b));
		b.len = rnd(&seed) % 300;
		for (k = 0; k < b.len; k++)
			b.b[k] = (uint8_t)rnd(&seed);
		/* Make deep paths likely: a plausible version nibble. */
		if (b.len > 0 && (i & 1))
			b.b[0] = (uint8_t)(0x45 + 0x20 * (i & 2));
		decode(dlts[i % (int)(sizeof(dlts) / sizeof(dlts[0]))], &b,
		    b.len, b.len + rnd(&seed) % 3, &seg);
	}
}
END_TEST

/* ---- suite ---- */

Suite *
make_suite_decode(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("decode");

	tc = tcase_create("Link");
	tcase_add_loop_test(tc, test_link, 0, (int)NLINK);
	tcase_add_test(tc, test_link_supported);
	suite_add_tcase(s, tc);

	tc = tcase_create("Tunnel");
	tcase_add_loop_test(tc, test_tunnel, 0, (int)NTUN);
	tcase_add_test(tc, test_teredo_any_port);
	suite_add_tcase(s, tc);

	tc = tcase_create("Corners");
	tcase_add_loop_test(tc, test_corner, 0, (int)NCORNER);
	tcase_add_test(tc, test_wirelen_zero);
	tcase_add_test(tc, test_ts_kept);
	tcase_add_test(tc, test_options_cut_parsed);
	suite_add_tcase(s, tc);

	tc = tcase_create("Options");
	tcase_add_test(tc, test_opt_all);
	tcase_add_test(tc, test_opt_sack4);
	tcase_add_test(tc, test_opt_sack1);
	tcase_add_test(tc, test_opt_eol_stops);
	tcase_add_test(tc, test_opt_nop_nop_ts);
	tcase_add_loop_test(tc, test_opt_bad, 0,
	    (int)(sizeof(bad_opts) / sizeof(bad_opts[0])));
	tcase_add_test(tc, test_opt_many_nops);
	suite_add_tcase(s, tc);

	tc = tcase_create("Format");
	tcase_add_test(tc, test_format_synack);
	tcase_add_test(tc, test_format_v6);
	tcase_add_test(tc, test_format_flags);
	tcase_add_test(tc, test_format_opts);
	tcase_add_test(tc, test_format_short_buffer);
	tcase_add_test(tc, test_res_names);
	tcase_add_test(tc, test_addr_str);
	suite_add_tcase(s, tc);

	tc = tcase_create("Fuzz");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fuzz_prefixes);
	tcase_add_test(tc, test_fuzz_mutants);
	tcase_add_test(tc, test_fuzz_random);
	suite_add_tcase(s, tc);

	return s;
}
