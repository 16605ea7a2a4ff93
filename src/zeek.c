/*
 * zeek.c: Zeek's view of each TCP connection and the conn.log writer.
 *
 * Key design: the view is a second, small passive observer fed with the
 * same segments as synfin's RFC 9293 machine, but with Zeek's rules, so
 * that conn_state and history mean what they mean in Zeek's conn.log.
 * Zeek keeps seven states per endpoint (what the host sent: nothing, a
 * SYN, a SYN-ACK first, data without a SYN, the handshake, a FIN, a RST)
 * and decides conn_state from the two states when the connection is
 * logged; history is a string of letters, one per kind of packet and
 * direction, with repetition rules.  Zeek's timers decide when a
 * connection is flushed: a later packet of the same 5-tuple then starts
 * a new connection, which here closes a row and opens the next one.
 *
 * Sequence numbers are kept as Zeek keeps them (32-bit values with a
 * wrap count, relative to a start that a missing SYN makes up), because
 * the repetition of S/H/F/R letters, the byte counts and the gaps depend
 * on them.  The model of Zeek's reassembler is reduced to what gaps
 * need: the edge of contiguous data and a few blocks above a hole.
 *
 * Behaviour follows Zeek's documentation and the meanings listed in the
 * reference corpus (corpus/zeek/README.md); doc/zeek.md lists each rule
 * and where synfin's answer differs on purpose.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "conn.h"
#include "decode.h"
#include "sbuf.h"
#include "zeek.h"

#define ZK_S		1000000000LL

/* Zeek's default timers (scripts/base/init-bare.zeek). */
#define ZK_ATTEMPT	(5 * ZK_S)	/* tcp_attempt_delay */
#define ZK_SYN_TIMEOUT	(5 * ZK_S)	/* tcp_SYN_timeout: first check */
#define ZK_SESSION	(6 * ZK_S)	/* tcp_session_timer */
#define ZK_LINGER	(5 * ZK_S)	/* tcp_connection_linger */
#define ZK_CLOSE_DELAY	(5 * ZK_S)	/* tcp_close_delay, tcp_reset_delay */
#define ZK_IDLE_HS	(60 * ZK_S)	/* udp_inactivity_timeout, handshake */
#define ZK_IDLE		(300 * ZK_S)	/* tcp_inactivity_timeout */
#define ZK_IDLE_LONG	(3600 * ZK_S)	/* ports 21, 22, 23, 513 */

/* Sequence jumps Zeek distrusts on SYN and RST (TOO_LARGE_SEQ_DELTA). */
#define ZK_BIG_DELTA	1048576

/* Data above a hole that Zeek buffers before giving up on it. */
#define ZK_MAX_ABOVE_HOLE	16384

/* History letters seen, one bit per kind; the responder's bits << 16. */
enum {
	HM_SYN = 0x01,
	HM_FIN = 0x02,
	HM_RST = 0x04,
	HM_FIN_RST = 0x08,
	HM_DATA = 0x10,
	HM_ACK = 0x20,
	HM_MULTI = 0x40
};

/* Letters counted logarithmically (1st, 10th, 100th...). */
enum { SC_RXMIT = 0, SC_WIN0, SC_GAP, SC_MAX };

static const char sc_letter[SC_MAX] = {
	[SC_RXMIT] = 'T', [SC_WIN0] = 'W', [SC_GAP] = 'G'
};

#define ZK_MAX_BLOCKS	4

/* Rows kept per synfin connection; beyond, its last row goes on. */
#define ZK_MAX_ROWS	4096

/* Data seen above the contiguous edge, [lo, hi) in relative sequence. */
struct zk_blk {
	uint64_t	lo, hi;
};

/* One host as Zeek's TCP analyzer sees it. */
struct zk_ep {
	uint8_t		state;		/* enum zk_ep_state */
	uint8_t		prev;		/* the state before */
	bool		did_close;	/* its FIN or RST was reported */
	bool		skip;		/* reassembly gave up */
	uint8_t		nblk;
	uint32_t	fin_cnt;
	int64_t		start;		/* sequence number of its (real or
					   made-up) SYN */
	uint32_t	last;		/* one past the highest sequence sent */
	uint32_t	ack;		/* highest ACK of its data received */
	uint32_t	last_wraps;
	uint32_t	ack_wraps;
	uint64_t	h_syn;		/* relative sequence of the last SYN, */
	uint64_t	h_fin;		/* FIN (end of it) and RST letters */
	uint64_t	h_rst;
	uint64_t	fin_rel;	/* one past its FIN, relative */
	uint32_t	cnt[SC_MAX];
	uint32_t	thresh[SC_MAX];
	uint64_t	edge;		/* contiguous data up to here */
	uint64_t	trim;		/* acknowledged up to here */
	struct zk_blk	blk[ZK_MAX_BLOCKS];
	uint64_t	base_pkts;	/* synfin's counters when the row */
	uint64_t	base_ip;	/* began */
};

/* The Zeek connection now open on a synfin connection, and the rows. */
struct zk_view {
	bool		open;		/* a Zeek connection is open */
	bool		active;		/* Zeek's is_active */
	bool		partial;	/* Zeek's is_partial */
	bool		est_event;	/* connection_established pending */
	uint8_t		orig;		/* synfin side of the originator */
	uint8_t		first_seen;	/* roles seen: 1 orig, 2 resp */
	uint8_t		hlen;
	char		hist[ZK_HIST_MAX + 1];
	uint32_t	hseen;		/* HM_* bits, responder's << 16 */
	int64_t		start;		/* first packet */
	int64_t		last;		/* Zeek's last_time */
	int64_t		idle;		/* inactivity timeout */
	int64_t		t_attempt;	/* attempt timer, 0 = none */
	int64_t		t_delete;	/* close delay runs out, 0 = none */
	int64_t		t_expire[2];	/* next ticks of the expire timers */
	uint64_t	missed;
	struct zk_ep	ep[2];		/* by synfin side */
	uint32_t	nrows;
	uint32_t	caprows;
	struct zk_row	*rows;		/* finished rows */
};

static const char *const zk_conn_state_names[ZK_CS_MAX] = {
	[ZK_S0] = "S0", [ZK_S1] = "S1", [ZK_SF] = "SF", [ZK_REJ] = "REJ",
	[ZK_S2] = "S2", [ZK_S3] = "S3", [ZK_RSTO] = "RSTO",
	[ZK_RSTR] = "RSTR", [ZK_RSTOS0] = "RSTOS0", [ZK_RSTRH] = "RSTRH",
	[ZK_SH] = "SH", [ZK_SHR] = "SHR", [ZK_OTH] = "OTH"
};

static const char *const zk_ep_state_names[ZK_EP_MAX] = {
	[ZK_INACTIVE] = "INACTIVE", [ZK_SYN_SENT] = "SYN_SENT",
	[ZK_SYN_ACK_SENT] = "SYN_ACK_SENT", [ZK_PARTIAL] = "PARTIAL",
	[ZK_ESTABLISHED] = "ESTABLISHED", [ZK_CLOSED] = "CLOSED",
	[ZK_RESET] = "RESET"
};

/*
 * Zeek fills likely_server_ports from the ports its protocol scripts
 * register (Analyzer::register_for_ports), so the set depends on the
 * scripts loaded.  This is the TCP part of the set a default (non -b)
 * Zeek loads: base/protocols/{dce-rpc,dnp3,dns,finger,ftp,http,imap,irc,
 * krb,ldap,modbus,mqtt,mysql,postgresql,rdp,redis,smb,smtp,socks,ssh,
 * ssl,syslog,xmpp}.  Sorted for bsearch().
 */
static const uint16_t likely_ports[] = {
	21, 22, 25, 53, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 465,
	502, 514, 563, 585, 587, 614, 631, 636, 989, 990, 992, 993, 995,
	1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269,
	5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000
};

/* Ports whose connections get a one-hour inactivity timeout. */
static const uint16_t long_idle_ports[] = { 21, 22, 23, 513 };

static void	flip(struct zk_view *);

/* ---- small helpers ---- */

static int
cmp_port(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

bool
zk_likely_server_port(uint16_t port)
{
	return bsearch(&port, likely_ports,
	    sizeof(likely_ports) / sizeof(likely_ports[0]),
	    sizeof(likely_ports[0]), cmp_port) != NULL;
}

static bool
long_idle_port(uint16_t port)
{
	size_t i;

	for (i = 0; i < sizeof(long_idle_ports) / sizeof(long_idle_ports[0]);
	    i++)
		if (long_idle_ports[i] == port)
			return true;
	return false;
}

static bool
handshake(uint8_t st)
{
	return st == ZK_INACTIVE || st == ZK_SYN_SENT ||
	    st == ZK_SYN_ACK_SENT;
}

static bool
quiet(uint8_t st)
{
	return st == ZK_INACTIVE || st == ZK_PARTIAL;
}

static int
role(const struct zk_view *z, int side)
{
	return side == z->orig ? 0 : 1;
}

/* ---- history ---- */

static void
hist_add(struct zk_view *z, char ch)
{
	if (z->hlen < ZK_HIST_MAX) {
		z->hist[z->hlen++] = ch;
		z->hist[z->hlen] = '\0';
	}
}

/* The letter as the sender's role writes it: lower case for responder. */
static char
hist_case(const struct zk_view *z, int side, char code)
{
	if (role(z, side) == 1 && code >= 'A' && code <= 'Z')
		code = (char)(code - 'A' + 'a');
	return code;
}

static void
hist_letter(struct zk_view *z, int side, char code)
{
	hist_add(z, hist_case(z, side, code));
}

/*
 * Record a letter the first time its kind is seen in a direction; true
 * if it was seen before.  An ACK or data packet after a lone SYN-ACK
 * ("H") shows the SYN-ACK was a real answer, not a scan: Zeek swaps the
 * roles then and rewrites the history to "^h" (the SYN-ACK now comes
 * from the responder).
 */
static bool
hist_check(struct zk_view *z, int side, uint32_t mask, char code)
{
	if ((code == 'A' || code == 'D') && strcmp(z->hist, "H") == 0) {
		flip(z);
		strcpy(z->hist, "^h");
		z->hlen = 2;
		z->first_seen |= 1;
	}
	if (role(z, side) == 1)
		mask <<= 16;
	if ((z->hseen & mask) == 0) {
		z->hseen |= mask;
		hist_letter(z, side, code);
		return false;
	}
	return true;
}

/* Count an event; add its letter at the 1st, 10th, 100th... time. */
static void
hist_scaled(struct zk_view *z, int side, int which)
{
	struct zk_ep *e = &z->ep[side];

	if (++e->cnt[which] != e->thresh[which])
		return;
	hist_letter(z, side, sc_letter[which]);
	if (e->thresh[which] <= UINT32_MAX / 10)
		e->thresh[which] *= 10;
	else
		e->cnt[which] = 0;
}

static void
history(struct zk_view *z, int side, uint8_t fl, uint64_t rel, uint32_t len)
{
	struct zk_ep *e = &z->ep[side];
	int bits = !!(fl & DEC_TH_SYN) + !!(fl & DEC_TH_FIN) +
	    !!(fl & DEC_TH_RST);
	char code;

	if (bits > 1) {
		if ((fl & DEC_TH_FIN) && (fl & DEC_TH_RST))
			hist_check(z, side, HM_FIN_RST, 'I');
		else
			hist_check(z, side, HM_MULTI, 'Q');
	} else if (fl & DEC_TH_SYN) {
		code = (fl & DEC_TH_ACK) ? 'H' : 'S';
		if (hist_check(z, side, HM_SYN, code) && rel != e->h_syn)
			hist_letter(z, side, code);
		e->h_syn = rel;
	} else if (fl & DEC_TH_FIN) {
		/* A FIN's number is the end of the data it carries. */
		if (hist_check(z, side, HM_FIN, 'F') && rel + len != e->h_fin)
			hist_letter(z, side, 'F');
		e->h_fin = rel + len;
	} else if (fl & DEC_TH_RST) {
		if (hist_check(z, side, HM_RST, 'R') && rel != e->h_rst)
			hist_letter(z, side, 'R');
		e->h_rst = rel;
	} else if (len > 0) {
		hist_check(z, side, HM_DATA, 'D');
	} else if (fl & DEC_TH_ACK) {
		hist_check(z, side, HM_ACK, 'A');
	}
}

/* ---- roles ---- */

/* Swap originator and responder; the letters so far keep their case. */
static void
flip(struct zk_view *z)
{
	z->orig = (uint8_t)!z->orig;
	z->first_seen = (uint8_t)(((z->first_seen & 1) << 1) |
	    ((z->first_seen & 2) >> 1));
	z->partial = false;
	hist_add(z, '^');
}

/*
 * Zeek's originator of a connection whose first packet is not a pure SYN
 * (it has no SYN, or it is a SYN-ACK): the sender, unless its source port
 * is a likely server port and the destination port is not.  When both
 * are, the roles are swapped only for a packet without SYN whose source
 * port is the lower one.
 */
static bool
want_flip(const struct dec_seg *seg)
{
	uint8_t fl = seg->flags;

	if ((fl & DEC_TH_SYN) && !(fl & DEC_TH_ACK))
		return false;
	if (!zk_likely_server_port(seg->sport))
		return false;
	if (zk_likely_server_port(seg->dport))
		return !(fl & DEC_TH_SYN) && seg->sport < seg->dport;
	return true;
}

/* ---- sequence numbers (Zeek's relative 64-bit space) ---- */

static uint64_t
full(uint32_t seq, uint32_t wraps)
{
	return ((uint64_t)wraps << 32) + seq;
}

/* seq relative to e's start, guessing its wrap from the last one. */
static uint64_t
relative(const struct zk_ep *e, uint32_t seq, uint32_t last, uint32_t wraps,
    bool *under)
{
	int32_t d = (int32_t)(seq - last);

	if (d < 0) {
		if (wraps > 0 && seq > last)
			wraps--;
	} else if (d > 0) {
		if (seq < last)
			wraps++;
	}
	if (wraps == 0) {
		d = (int32_t)(seq - (uint32_t)e->start);
		if (d < 0)
			*under = true;
		return (uint64_t)(int64_t)d;
	}
	return full(seq, wraps) - (uint64_t)e->start;
}

static void
init_seq(struct zk_ep *e, uint32_t start, uint32_t last)
{
	e->start = start;
	e->ack = start;
	e->last = last;
}

/* Sequence numbers of an endpoint, by the state it is in (Zeek). */
static void
init_ep(struct zk_ep *e, uint8_t fl, uint32_t seq, uint32_t end)
{
	switch (e->state) {
	case ZK_INACTIVE:
		if (fl & DEC_TH_SYN)
			init_seq(e, seq, end);
		else	/* As if a SYN came just before: data starts at 1. */
			init_seq(e, seq - 1, seq);
		break;
	case ZK_SYN_SENT:
	case ZK_SYN_ACK_SENT:
		if ((fl & DEC_TH_SYN) && seq != (uint32_t)e->start)
			init_seq(e, seq, end);
		break;
	case ZK_ESTABLISHED:
	case ZK_PARTIAL:
		/* A SYN now is taken as the one that really opens it. */
		if (fl & DEC_TH_SYN)
			init_seq(e, seq, end);
		break;
	case ZK_RESET:
		if ((fl & DEC_TH_SYN) && e->prev == ZK_INACTIVE)
			init_seq(e, seq, end);
		break;
	default:
		break;
	}
}

static void
update_ack(struct zk_ep *e, uint32_t ack)
{
	int32_t d = (int32_t)(ack - e->ack);

	if (ack == 0 && d > ZK_BIG_DELTA)
		return;		/* a broken ACK more likely than a wrap */
	if (d > 0) {
		if (ack < e->ack)
			e->ack_wraps++;
		e->ack = ack;
	}
}

static void
update_last_raw(struct zk_ep *e, uint32_t end)
{
	if (end < e->last)
		e->last_wraps++;
	e->last = end;
}

/* Advance the highest sequence sent; a repeat of payload is a 'T'. */
static void
update_last(struct zk_view *z, int side, uint32_t end, uint8_t fl,
    uint32_t len)
{
	struct zk_ep *e = &z->ep[side];
	int32_t d = (int32_t)(end - e->last);

	if ((fl & (DEC_TH_SYN | DEC_TH_RST)) &&
	    (d > ZK_BIG_DELTA || d < -ZK_BIG_DELTA))
		return;
	if ((fl & DEC_TH_FIN) && e->last == (uint32_t)(e->start + 1))
		update_last_raw(e, end);
	else if (e->state == ZK_RESET)
		return;
	else if (d > 0)
		update_last_raw(e, end);
	else if (len > 0)
		hist_scaled(z, side, SC_RXMIT);
}

static bool
no_data_acked(const struct zk_ep *e)
{
	uint64_t a = full(e->ack, e->ack_wraps);

	return a == (uint64_t)e->start || a == (uint64_t)e->start + 1;
}

/* Zeek's size of an endpoint: its sequence span less SYN and FIN. */
static uint64_t
ep_size(const struct zk_ep *e, const struct zk_ep *peer)
{
	uint64_t last = full(e->last, e->last_wraps);
	uint64_t ack = full(e->ack, e->ack_wraps);
	uint64_t size;

	/* A half-open connection found and aborted: its numbers lie. */
	if (e->prev == ZK_SYN_SENT && e->state == ZK_RESET &&
	    peer->state == ZK_INACTIVE && !no_data_acked(e))
		return 0;
	size = (last > ack ? last : ack) - (uint64_t)e->start;
	if (size != 0)
		size--;
	if (e->fin_cnt > 0 && size != 0)
		size--;
	return size;
}

/* ---- content gaps (a reduced model of Zeek's reassembler) ---- */

static bool
clean(const struct zk_ep *e)
{
	return e->state == ZK_ESTABLISHED ||
	    (e->state == ZK_CLOSED && e->prev == ZK_ESTABLISHED);
}

/* Bytes never seen: a 'G' and missed_bytes, if the connection is clean. */
static void
gap(struct zk_view *z, int side, uint64_t len)
{
	if (!clean(&z->ep[side]) || !clean(&z->ep[!side]))
		return;
	hist_scaled(z, side, SC_GAP);
	z->missed += len;
}

/* Move the edge over blocks that now touch it. */
static void
deliver(struct zk_ep *e)
{
	unsigned i;
	bool moved;

	do {
		moved = false;
		for (i = 0; i < e->nblk; i++) {
			if (e->blk[i].lo > e->edge)
				continue;
			if (e->blk[i].hi > e->edge)
				e->edge = e->blk[i].hi;
			e->blk[i] = e->blk[--e->nblk];
			moved = true;
			break;
		}
	} while (moved);
}

static uint64_t
above_hole(const struct zk_ep *e)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < e->nblk; i++)
		n += e->blk[i].hi - e->blk[i].lo;
	return n;
}

/* Payload [lo, lo + len) from side reaches the reassembler. */
static void
data_sent(struct zk_ep *e, uint64_t lo, uint64_t len)
{
	uint64_t hi = lo + len, acked;
	unsigned i, far;

	if (e->skip)
		return;
	acked = full(e->ack, e->ack_wraps) - (uint64_t)e->start;
	if (lo < acked) {
		if (hi <= acked)
			return;
		lo = acked;
	}
	if (hi <= e->trim)
		return;
	if (lo < e->trim)
		lo = e->trim;
	if (lo <= e->edge) {
		if (hi > e->edge)
			e->edge = hi;
		deliver(e);
	} else {
		for (i = 0; i < e->nblk; i++) {
			if (lo <= e->blk[i].hi && hi >= e->blk[i].lo) {
				if (lo < e->blk[i].lo)
					e->blk[i].lo = lo;
				if (hi > e->blk[i].hi)
					e->blk[i].hi = hi;
				break;
			}
		}
		if (i == e->nblk) {
			if (e->nblk < ZK_MAX_BLOCKS) {
				e->blk[e->nblk].lo = lo;
				e->blk[e->nblk++].hi = hi;
			} else {
				/* Full: forget the block farthest up. */
				for (far = 0, i = 1; i < e->nblk; i++)
					if (e->blk[i].lo > e->blk[far].lo)
						far = i;
				if (lo < e->blk[far].lo) {
					e->blk[far].lo = lo;
					e->blk[far].hi = hi;
				}
			}
		}
	}
	if (no_data_acked(e) && above_hole(e) > ZK_MAX_ABOVE_HOLE) {
		e->nblk = 0;
		e->skip = true;
	}
}

/* The peer acknowledged side's data up to rel: report what was skipped. */
static void
ack_received(struct zk_view *z, int side, uint64_t rel)
{
	struct zk_ep *e = &z->ep[side];
	unsigned i, lowest;

	if (e->fin_cnt > 0 && rel >= e->fin_rel)
		rel = e->fin_rel - 1;
	if (rel <= e->trim)
		return;
	if (rel > e->edge && !(rel <= 2 && z->partial)) {
		if (!e->skip) {
			while (e->nblk > 0) {
				for (lowest = 0, i = 1; i < e->nblk; i++)
					if (e->blk[i].lo < e->blk[lowest].lo)
						lowest = i;
				if (e->blk[lowest].lo >= rel)
					break;
				gap(z, side, e->blk[lowest].lo - e->edge);
				e->edge = e->blk[lowest].lo;
				deliver(e);
			}
			if (rel > e->edge)
				gap(z, side, rel - e->edge);
		}
		if (rel > e->edge) {
			e->edge = rel;
			deliver(e);
		}
	}
	e->trim = rel;
	for (i = 0; i < e->nblk; )
		if (e->blk[i].hi <= rel)
			e->blk[i] = e->blk[--e->nblk];
		else
			i++;
}

/* ---- endpoint state machine (Zeek's) ---- */

static void
set_state(struct zk_view *z, int side, uint8_t st)
{
	struct zk_ep *e = &z->ep[side];

	if (st == e->state)
		return;
	/* Leaving the handshake switches to the TCP inactivity timeout. */
	if (!handshake(st) && handshake(e->state) &&
	    handshake(z->ep[!side].state))
		z->idle = ZK_IDLE;
	e->prev = e->state;
	e->state = st;
}

/* Nothing sent before this segment. */
static void
from_inactive(struct zk_view *z, int side, const struct dec_seg *seg,
    bool is_orig, bool *do_close, bool *gen)
{
	struct zk_ep *e = &z->ep[side], *p = &z->ep[!side];
	uint8_t fl = seg->flags;
	bool reject;

	if (fl & DEC_TH_SYN) {
		if (is_orig) {
			set_state(z, side, (fl & DEC_TH_ACK) ?
			    ZK_SYN_ACK_SENT : ZK_SYN_SENT);
			if (z->t_attempt == 0)
				z->t_attempt = seg->ts_ns + ZK_ATTEMPT;
		} else {
			if (!(fl & DEC_TH_ACK) && p->state == ZK_SYN_ACK_SENT &&
			    seg->seq == (uint32_t)e->start) {
				/* SYN-ACK seen before its SYN: swap roles. */
				z->partial = false;
				flip(z);
				set_state(z, !side, ZK_ESTABLISHED);
				z->first_seen |= 1;
			}
			if (p->state == ZK_SYN_SENT)
				set_state(z, !side, ZK_ESTABLISHED);
			set_state(z, side, ZK_ESTABLISHED);
			if (p->state != ZK_PARTIAL)
				z->est_event = true;
		}
	}
	if (fl & DEC_TH_FIN) {
		set_state(z, side, ZK_CLOSED);
		*do_close = *gen = true;
	}
	if (fl & DEC_TH_RST) {
		set_state(z, side, ZK_RESET);
		if (is_orig)	/* a SYN-ACK without SYN was answered */
			reject = p->state == ZK_ESTABLISHED;
		else
			reject = p->state == ZK_SYN_SENT ||
			    p->state == ZK_SYN_ACK_SENT;
		*do_close = true;
		*gen = !reject;
	}
	if (e->state != ZK_INACTIVE)
		return;
	if (!is_orig && seg->paylen == 0 &&
	    z->ep[z->orig].state == ZK_SYN_SENT) {
		/* Some stacks ACK a SYN before answering it: not data. */
	} else if ((fl & DEC_TH_ACK) && p->state == ZK_ESTABLISHED) {
		/* The SYN went unseen but the SYN-ACK did. */
		set_state(z, side, ZK_ESTABLISHED);
		z->partial = false;
		z->first_seen |= is_orig ? 1 : 2;
	} else {
		set_state(z, side, ZK_PARTIAL);
	}
}

static void
machine(struct zk_view *z, int side, const struct dec_seg *seg, bool is_orig,
    bool *do_close, bool *gen)
{
	struct zk_ep *e = &z->ep[side], *p = &z->ep[!side];
	uint8_t fl = seg->flags;

	*do_close = *gen = false;
	switch (e->state) {
	case ZK_INACTIVE:
		from_inactive(z, side, seg, is_orig, do_close, gen);
		break;
	case ZK_SYN_SENT:
	case ZK_SYN_ACK_SENT:
		if (fl & DEC_TH_FIN) {
			set_state(z, side, ZK_CLOSED);
			*do_close = *gen = true;
		}
		if (fl & DEC_TH_RST) {
			set_state(z, side, ZK_RESET);
			z->active = false;
			*do_close = true;
		}
		break;
	case ZK_ESTABLISHED:
	case ZK_PARTIAL:
		if ((fl & DEC_TH_SYN) && e->state == ZK_PARTIAL &&
		    p->state == ZK_INACTIVE && !(fl & DEC_TH_ACK))
			set_state(z, side, ZK_SYN_SENT);
		if ((fl & DEC_TH_FIN) && !(fl & DEC_TH_RST)) {
			set_state(z, side, ZK_CLOSED);
			/* A FIN then a RST from the peer was a normal close. */
			if (p->state == ZK_RESET && p->prev == ZK_CLOSED)
				set_state(z, !side, ZK_CLOSED);
			*do_close = *gen = true;
		}
		if (fl & DEC_TH_RST) {
			set_state(z, side, ZK_RESET);
			*do_close = true;
			if (p->state != ZK_RESET || p->prev != ZK_ESTABLISHED)
				z->active = false;
		}
		break;
	case ZK_CLOSED:
		/* After a FIN exchange a RST changes nothing. */
		if ((fl & DEC_TH_RST) && p->state != ZK_CLOSED) {
			set_state(z, side, ZK_RESET);
			if (!e->did_close)
				*do_close = true;
		}
		break;
	default:
		break;
	}
}

/* side's FIN or RST: is the connection over, and when is it flushed? */
static void
closed(struct zk_view *z, int side, bool gen)
{
	struct zk_ep *e = &z->ep[side], *p = &z->ep[!side];

	if (e->did_close)
		return;
	e->did_close = true;
	if (e->state == ZK_RESET || p->did_close || p->state == ZK_INACTIVE) {
		if (gen && (e->prev != ZK_INACTIVE || p->state != ZK_INACTIVE))
			z->active = false;
		z->t_attempt = 0;
		z->t_expire[0] = z->t_expire[1] = 0;
		z->t_delete = z->last + ZK_CLOSE_DELAY;
	} else if (e->prev != ZK_INACTIVE) {
		/* Look again later for the other side's close. */
		if (z->t_expire[1] == 0)
			z->t_expire[1] = z->last + ZK_SESSION;
		else if (z->t_expire[0] == 0)
			z->t_expire[0] = z->last + ZK_SESSION;
	}
}

/* The inactivity timeout once the handshake is seen (inactivity.zeek). */
static void
established_event(struct zk_view *z, const struct conn *c)
{
	const struct conn_ep *o = &c->ep[z->orig], *r = &c->ep[!z->orig];
	uint16_t port = r->port;

	z->est_event = false;
	if (z->ep[z->orig].state == ZK_INACTIVE &&
	    !zk_likely_server_port(r->port) && zk_likely_server_port(o->port))
		port = o->port;
	if (long_idle_port(port))
		z->idle = ZK_IDLE_LONG;
}

/* ---- one packet (Zeek's TCP analyzer, in its order) ---- */

static void
packet(struct zk_view *z, const struct conn *c, int side,
    const struct dec_seg *seg)
{
	struct zk_ep *e = &z->ep[side], *p = &z->ep[!side];
	uint8_t fl = seg->flags;
	bool syn = fl & DEC_TH_SYN, fin = fl & DEC_TH_FIN;
	bool rst = fl & DEC_TH_RST, ack = fl & DEC_TH_ACK;
	bool is_orig = side == z->orig, under = false, aunder = false;
	bool do_close, gen;
	uint32_t len = seg->paylen, seglen, end;
	uint64_t rel, rel_ack = 0;

	/* Partial: the first packet of a role is not a clean SYN. */
	if (is_orig) {
		if (!(z->first_seen & 1))
			z->partial = !syn || ack;
	} else if (!(z->first_seen & 2) && !z->partial) {
		z->partial = !syn;
	}
	seglen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
	if (rst)
		seglen -= len;	/* a RST's payload is not stream data */
	end = seg->seq + seglen;
	init_ep(e, fl, seg->seq, end);
	rel = relative(e, seg->seq, e->last, e->last_wraps, &under);
	history(z, side, fl, rel, len);
	/* The history may have swapped the roles; is_orig stays stale. */
	if (seg->win == 0 && !rst && p->state != ZK_CLOSED &&
	    e->state != ZK_RESET)
		hist_scaled(z, side, SC_WIN0);
	if (!z->ep[0].did_close || !z->ep[1].did_close)
		z->last = seg->ts_ns;
	if (fin) {
		e->fin_cnt++;
		e->fin_rel = rel + seglen;
	}
	if (ack) {
		if (p->state == ZK_INACTIVE) {
			rel_ack = 1;
			init_seq(p, seg->ack - 1, seg->ack - 1);
		} else {
			rel_ack = relative(p, seg->ack, p->ack, p->ack_wraps,
			    &aunder);
			if (aunder)
				rel_ack = 0;
			else if (!rst)
				update_ack(p, seg->ack);
		}
	}
	update_last(z, side, end, fl, len);
	machine(z, side, seg, is_orig, &do_close, &gen);
	if (ack)
		ack_received(z, !side, rel_ack);
	/* Payload cut by the snap length never reaches the reassembler. */
	if (len > 0 && !rst && !under && !(seg->trunc & DEC_TRUNC_PAYLOAD))
		data_sent(e, syn ? rel + 1 : rel, len);
	if (do_close)
		closed(z, side, gen);
	z->first_seen |= is_orig ? 1 : 2;
	if (z->est_event)
		established_event(z, c);
}

/* ---- timers and reuse: when Zeek would start a new connection ---- */

/* An expire tick removes a quiet connection that one side closed. */
static bool
expire_cond(const struct zk_view *z)
{
	const struct zk_ep *a = &z->ep[0], *b = &z->ep[1];

	if (a->did_close || b->did_close) {
		if ((a->did_close && b->did_close) ||
		    a->state == ZK_RESET || b->state == ZK_RESET ||
		    a->state == ZK_INACTIVE || b->state == ZK_INACTIVE)
			return true;
	}
	return a->state == ZK_INACTIVE && b->state == ZK_INACTIVE;
}

/*
 * Did one of Zeek's timers flush the connection before now?  Nothing
 * changes between two packets of a connection, so each timer can be
 * judged alone from the state after the last packet.
 */
static bool
expired(struct zk_view *z, int64_t now)
{
	const struct zk_ep *o = &z->ep[z->orig], *r = &z->ep[!z->orig];
	int64_t t, first;
	int k;

	if (z->t_delete != 0 && z->t_delete <= now)
		return true;
	if (z->last + z->idle <= now)
		return true;
	if (z->t_attempt != 0 && z->t_attempt <= now) {
		/* The SYN (or first SYN-ACK) was never answered. */
		if (z->active && (o->state == ZK_SYN_SENT ||
		    o->state == ZK_SYN_ACK_SENT) && r->state == ZK_INACTIVE)
			return true;
		z->t_attempt = 0;
	}
	for (k = 0; k < 2; k++) {
		t = z->t_expire[k];
		if (t == 0 || t > now)
			continue;
		if (!z->active) {
			z->t_expire[k] = 0;	/* the timer stops */
			continue;
		}
		if (expire_cond(z)) {
			/* First tick after the linger time: t + n * 6 s. */
			first = t;
			if (first <= z->last + ZK_LINGER)
				first += ((z->last + ZK_LINGER - first) /
				    ZK_SESSION + 1) * ZK_SESSION;
			if (first <= now)
				return true;
		}
		z->t_expire[k] = t + ((now - t) / ZK_SESSION + 1) * ZK_SESSION;
	}
	return false;
}

/*
 * A SYN (or a SYN-ACK when the originator never spoke) that Zeek takes
 * as a new connection on the same 5-tuple: after any close, or with a
 * sequence number other than the one the connection started with.
 */
static bool
reused(const struct zk_view *z, const struct dec_seg *seg)
{
	const struct zk_ep *o = &z->ep[z->orig], *r = &z->ep[!z->orig];
	const struct zk_ep *co = o;
	uint8_t fl = seg->flags;

	if (!(fl & DEC_TH_SYN))
		return false;
	if (fl & DEC_TH_ACK) {
		if (o->state != ZK_INACTIVE)
			return false;
		co = r;
	}
	if (z->ep[0].did_close || z->ep[1].did_close)
		return true;
	if (seg->seq == (uint32_t)co->start)
		return false;
	/* The SYN of a SYN-ACK seen first: the roles will be swapped. */
	if (!(fl & DEC_TH_ACK) && co->state == ZK_SYN_ACK_SENT &&
	    r->state == ZK_INACTIVE && seg->seq == (uint32_t)r->start)
		return false;
	return true;
}

/* ---- rows ---- */

static uint8_t
conn_state(const struct zk_view *z, uint64_t osize, uint64_t rsize)
{
	uint8_t os = z->ep[z->orig].state, rs = z->ep[!z->orig].state;
	const char *h = z->hist;

	if (rs == ZK_RESET) {
		if (os == ZK_SYN_SENT || os == ZK_SYN_ACK_SENT ||
		    (os == ZK_RESET && osize == 0 && rsize == 0))
			return ZK_REJ;
		return quiet(os) ? ZK_RSTRH : ZK_RSTR;
	}
	if (os == ZK_RESET) {
		if (!quiet(rs))
			return ZK_RSTO;
		/* History /^\^?S[^HAFGIQ]*R.*$/: SYN, then RST, no answer. */
		if (*h == '^')
			h++;
		if (*h++ != 'S')
			return ZK_OTH;
		for (; *h != '\0'; h++) {
			if (*h == 'R')
				return ZK_RSTOS0;
			if (strchr("HAFGIQ", *h) != NULL)
				break;
		}
		return ZK_OTH;
	}
	if (os == ZK_CLOSED && rs == ZK_CLOSED)
		return ZK_SF;
	if (os == ZK_CLOSED)
		return quiet(rs) ? ZK_SH : ZK_S2;
	if (rs == ZK_CLOSED)
		return quiet(os) ? ZK_SHR : ZK_S3;
	if (os == ZK_SYN_SENT && rs == ZK_INACTIVE)
		return ZK_S0;
	if (os == ZK_ESTABLISHED && rs == ZK_ESTABLISHED)
		return ZK_S1;
	return ZK_OTH;
}

/*
 * The row of the open Zeek connection.  less[] holds what synfin's
 * counters include beyond it (the packet that starts the next one).
 */
static void
make_row(const struct zk_view *z, const struct conn *c, uint32_t index,
    const uint64_t less_pkts[2], const uint64_t less_ip[2],
    struct zk_row *r)
{
	int rl, s;

	memset(r, 0, sizeof(*r));
	r->ts = z->start;
	/* Zeek's times have microseconds: the duration is their difference. */
	r->duration = (z->last / 1000 - z->start / 1000) * 1000;
	r->index = index;
	r->orig = z->orig;
	for (rl = 0; rl < 2; rl++) {
		s = rl == 0 ? z->orig : !z->orig;
		r->state[rl] = z->ep[s].state;
		r->bytes[rl] = ep_size(&z->ep[s], &z->ep[!s]);
		r->pkts[rl] = c->ep[s].pkts - less_pkts[s] - z->ep[s].base_pkts;
		r->ip_bytes[rl] = c->ep[s].ip_bytes - less_ip[s] -
		    z->ep[s].base_ip;
	}
	r->missed = z->missed;
	r->conn_state = conn_state(z, r->bytes[0], r->bytes[1]);
	memcpy(r->history, z->hist, sizeof(r->history));
}

/*
 * Zeek flushed the open connection: keep its row.  When the row cannot
 * be kept (the cap, or no memory) the connection goes on as one row
 * instead: false.
 */
static bool
close_row(struct zk_view *z, const struct conn *c, int side,
    const struct dec_seg *seg)
{
	uint64_t lp[2] = { 0, 0 }, li[2] = { 0, 0 };
	struct zk_row *rows;
	uint32_t ncap;

	if (z->nrows == z->caprows) {
		if (z->caprows >= ZK_MAX_ROWS)
			return false;
		ncap = z->caprows == 0 ? 2 : z->caprows * 2;
		if ((rows = realloc(z->rows, ncap * sizeof(*rows))) == NULL)
			return false;
		z->rows = rows;
		z->caprows = ncap;
	}
	lp[side] = 1;
	li[side] = seg->ip_bytes;
	make_row(z, c, z->nrows, lp, li, &z->rows[z->nrows]);
	z->nrows++;
	z->open = false;
	return true;
}

/* The first packet of a Zeek connection. */
static void
open_row(struct zk_view *z, const struct conn *c, int side,
    const struct dec_seg *seg)
{
	int s;

	memset(z->ep, 0, sizeof(z->ep));
	for (s = 0; s < 2; s++) {
		struct zk_ep *e = &z->ep[s];
		int k;

		for (k = 0; k < SC_MAX; k++)
			e->thresh[k] = 1;
		e->edge = e->trim = 1;
		e->base_pkts = c->ep[s].pkts - (s == side ? 1 : 0);
		e->base_ip = c->ep[s].ip_bytes -
		    (s == side ? seg->ip_bytes : 0);
	}
	z->open = true;
	z->active = true;
	z->partial = false;
	z->est_event = false;
	z->orig = (uint8_t)side;
	z->first_seen = 0;
	z->hlen = 0;
	z->hist[0] = '\0';
	z->hseen = 0;
	z->start = z->last = seg->ts_ns;
	z->idle = ZK_IDLE_HS;
	z->t_attempt = z->t_delete = 0;
	z->t_expire[0] = seg->ts_ns + ZK_SYN_TIMEOUT;
	z->t_expire[1] = 0;
	z->missed = 0;
	if (want_flip(seg))
		flip(z);
}

/* ---- API ---- */

void
zk_update(struct conn *c, int side, const struct dec_seg *seg)
{
	struct zk_view *z = c->zk;

	if (z == NULL) {
		if ((z = calloc(1, sizeof(*z))) == NULL)
			return;
		c->zk = z;
	}
	if (z->open && (expired(z, seg->ts_ns) || reused(z, seg)))
		(void)close_row(z, c, side, seg);
	if (!z->open)
		open_row(z, c, side, seg);
	if (seg->trunc & DEC_TRUNC_OPTS) {
		/*
		 * Zeek drops a segment whose TCP header the snap length cut:
		 * the connection exists, the packet counts nowhere.
		 */
		z->ep[side].base_pkts++;
		z->ep[side].base_ip += seg->ip_bytes;
		return;
	}
	packet(z, c, side, seg);
}

void
zk_free(struct conn *c)
{
	if (c->zk == NULL)
		return;
	free(c->zk->rows);
	free(c->zk);
	c->zk = NULL;
}

size_t
zk_row_count(const struct conn *c)
{
	if (c->zk == NULL)
		return 0;
	return c->zk->nrows + (c->zk->open ? 1 : 0);
}

bool
zk_row(const struct conn *c, size_t i, struct zk_row *out)
{
	static const uint64_t none[2] = { 0, 0 };
	const struct zk_view *z = c->zk;

	if (z == NULL || i >= zk_row_count(c))
		return false;
	if (i < z->nrows)
		*out = z->rows[i];
	else
		make_row(z, c, z->nrows, none, none, out);
	return true;
}

const char *
zk_conn_state_name(unsigned cs)
{
	return cs < ZK_CS_MAX ? zk_conn_state_names[cs] : "OTH";
}

const char *
zk_ep_state_name(unsigned st)
{
	return st < ZK_EP_MAX ? zk_ep_state_names[st] : "unknown";
}

/* ---- the conn.log writer ---- */

struct zk_log {
	const struct sf_config *cfg;
	FILE		*out;
	FILE		*body;		/* TSV rows until the header is known */
	int		spill_errno;	/* body's file failed: streamed since */
	int64_t		first_row_ts;	/* of the first row in body */
	bool		any_row;
	struct sbuf	b;
	bool		json;
	bool		header;		/* header written (streaming) */
	int		err;
};

static const char zk_fields[] =
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto"
    "\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig"
    "\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes"
    "\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n";

static const char zk_types[] =
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval"
    "\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount"
    "\tcount\tcount\tset[string]\n";

/* Zeek's log time stamp, YYYY-MM-DD-HH-MM-SS, in UTC. */
static void
stamp(struct sbuf *b, const char *tag, int64_t ns)
{
	time_t t = (time_t)(ns / ZK_S);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d-%H-%M-%S", &tm) == 0)
		strcpy(buf, "1970-01-01-00-00-00");
	sb_puts(b, tag);
	sb_putc(b, '\t');
	sb_puts(b, buf);
	sb_putc(b, '\n');
}

static void
header(struct zk_log *l, int64_t first_ts)
{
	sb_puts(&l->b, "#separator \\x09\n#set_separator\t,\n"
	    "#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n");
	stamp(&l->b, "#open", first_ts);
	sb_puts(&l->b, zk_fields);
	sb_puts(&l->b, zk_types);
	l->header = true;
}

/*
 * Seconds with six decimals, as Zeek's times are (libpcap's default
 * microsecond precision); JSON drops trailing zeros as rapidjson does.
 */
static void
secs(struct sbuf *b, int64_t ns, bool trim)
{
	char buf[32];
	int64_t us = ns / 1000;
	int n;

	n = snprintf(buf, sizeof(buf), "%lld.%06lld",
	    (long long)(us / 1000000), (long long)(us % 1000000));
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return;
	if (trim)
		while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
			buf[--n] = '\0';
	sb_putn(b, buf, (size_t)n);
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A number, most significant byte first: the same uid on any host. */
static uint64_t
fnv_num(uint64_t h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)(v & 0xff);
	return fnv(h, b, sizeof(b));
}

/*
 * A stable uid: "C" and 17 base62 digits of two FNV-1a hashes of the
 * synfin connection id, the row number, the oriented 5-tuple and the
 * start time.  Same input, same uids; Zeek's own are random.
 */
static void
uid(struct sbuf *b, const struct conn *c, const struct zk_row *r)
{
	static const char d62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	const struct conn_ep *o = &c->ep[r->orig], *p = &c->ep[!r->orig];
	uint64_t h[2];
	char out[18];
	int i, k;

	for (k = 0; k < 2; k++) {
		h[k] = fnv_num(0xcbf29ce484222325ULL + (uint64_t)k, c->id);
		h[k] = fnv_num(h[k], r->index);
		h[k] = fnv(h[k], o->addr, sizeof(o->addr));
		h[k] = fnv_num(h[k], o->port);
		h[k] = fnv(h[k], p->addr, sizeof(p->addr));
		h[k] = fnv_num(h[k], p->port);
		h[k] = fnv_num(h[k], (uint64_t)r->ts);
	}
	out[0] = 'C';
	for (i = 0; i < 11; i++) {
		out[1 + i] = d62[h[0] % 62];
		h[0] /= 62;
	}
	for (i = 0; i < 6; i++) {
		out[12 + i] = d62[h[1] % 62];
		h[1] /= 62;
	}
	sb_putn(b, out, sizeof(out));
}

static void
tsv_row(struct sbuf *b, const struct conn *c, const struct zk_row *r)
{
	char a[64];
	int rl;

	secs(b, r->ts, false);
	sb_putc(b, '\t');
	uid(b, c, r);
	for (rl = 0; rl < 2; rl++) {
		int s = rl == 0 ? r->orig : !r->orig;

		sb_putc(b, '\t');
		sb_puts(b, dec_addr_str(c->af, c->ep[s].addr, a, sizeof(a)));
		sb_putc(b, '\t');
		sb_u64(b, c->ep[s].port);
	}
	sb_puts(b, "\ttcp\t-\t");
	if (r->duration / 1000 > 0) {
		secs(b, r->duration, false);
		sb_putc(b, '\t');
		sb_u64(b, r->bytes[0]);
		sb_putc(b, '\t');
		sb_u64(b, r->bytes[1]);
	} else {
		sb_puts(b, "-\t-\t-");
	}
	sb_putc(b, '\t');
	sb_puts(b, zk_conn_state_name(r->conn_state));
	sb_puts(b, "\t-\t-\t");
	sb_u64(b, r->missed);
	sb_putc(b, '\t');
	sb_puts(b, r->history[0] != '\0' ? r->history : "-");
	for (rl = 0; rl < 2; rl++) {
		sb_putc(b, '\t');
		sb_u64(b, r->pkts[rl]);
		sb_putc(b, '\t');
		sb_u64(b, r->ip_bytes[rl]);
	}
	sb_puts(b, "\t-\n");
}

static void
j_count(struct sbuf *b, const char *key, uint64_t v)
{
	sb_puts(b, ",\"");
	sb_puts(b, key);
	sb_puts(b, "\":");
	sb_u64(b, v);
}

/* Zeek's JSON logs: dotted keys, unset fields left out. */
static void
json_row(struct sbuf *b, const struct conn *c, const struct zk_row *r)
{
	static const char *const hk[2] = { "id.orig_h", "id.resp_h" };
	static const char *const pk[2] = { "id.orig_p", "id.resp_p" };
	char a[64];
	int rl;

	sb_puts(b, "{\"ts\":");
	secs(b, r->ts, true);
	sb_puts(b, ",\"uid\":\"");
	uid(b, c, r);
	sb_putc(b, '"');
	for (rl = 0; rl < 2; rl++) {
		int s = rl == 0 ? r->orig : !r->orig;

		sb_puts(b, ",\"");
		sb_puts(b, hk[rl]);
		sb_puts(b, "\":");
		sb_jstr(b, dec_addr_str(c->af, c->ep[s].addr, a, sizeof(a)));
		j_count(b, pk[rl], c->ep[s].port);
	}
	sb_puts(b, ",\"proto\":\"tcp\"");
	if (r->duration / 1000 > 0) {
		sb_puts(b, ",\"duration\":");
		secs(b, r->duration, true);
		j_count(b, "orig_bytes", r->bytes[0]);
		j_count(b, "resp_bytes", r->bytes[1]);
	}
	sb_puts(b, ",\"conn_state\":\"");
	sb_puts(b, zk_conn_state_name(r->conn_state));
	sb_putc(b, '"');
	j_count(b, "missed_bytes", r->missed);
	if (r->history[0] != '\0') {
		sb_puts(b, ",\"history\":");
		sb_jstr(b, r->history);
	}
	j_count(b, "orig_pkts", r->pkts[0]);
	j_count(b, "orig_ip_bytes", r->ip_bytes[0]);
	j_count(b, "resp_pkts", r->pkts[1]);
	j_count(b, "resp_ip_bytes", r->ip_bytes[1]);
	sb_puts(b, "}\n");
}

struct zk_log *
zk_log_new(const struct sf_config *cfg, FILE *out)
{
	struct zk_log *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->cfg = cfg;
	l->out = out;
	l->json = cfg->format == FMT_ZEEK_JSON;
	sb_init(&l->b);
	/*
	 * The #open line gives the first packet's time, known only at the
	 * end: rows wait in a temporary file (NULL: stream them, and take
	 * the first row's time instead).  A live capture streams.
	 */
	if (!l->json && cfg->iface == NULL)
		l->body = sb_spool();
	return l;
}

/*
 * The rows so far to their temporary file.  When it takes no more, the
 * log goes on as a live one does: the header with the first row's time,
 * the rows so far, then the rest as they come.
 */
static void
body_put(struct zk_log *l)
{
	struct sbuf rest;

	if (sb_spool_put(&l->b, l->body) == 0)
		return;
	l->spill_errno = errno;
	rest = l->b;		/* header() writes to l->b */
	sb_init(&l->b);
	header(l, l->first_row_ts);
	if (sb_spill(&l->body, l->out, &l->b, &rest) == -1)
		l->err = 1;
	sb_free(&l->b);
	l->b = rest;
}

int
zk_log_spill_errno(const struct zk_log *l)
{
	return l->spill_errno;
}

void
zk_log_conn(struct zk_log *l, const struct conn *c)
{
	struct zk_row r;
	size_t i, n = zk_row_count(c);

	for (i = 0; i < n; i++) {
		if (!zk_row(c, i, &r))
			continue;
		if (l->json) {
			json_row(&l->b, c, &r);
			continue;
		}
		if (l->body == NULL && !l->header)
			header(l, r.ts);
		if (l->body != NULL && !l->any_row) {
			l->first_row_ts = r.ts;
			l->any_row = true;
		}
		tsv_row(&l->b, c, &r);
	}
	if (l->body != NULL) {
		if (l->b.len >= 1 << 16)
			body_put(l);
	} else if (l->b.len >= 1 << 16 || l->cfg->iface != NULL) {
		/* Live: each row as its connection ends. */
		if (sb_flush(&l->b, l->out) == -1 ||
		    (l->cfg->iface != NULL && fflush(l->out) != 0))
			l->err = 1;
	}
}


int
zk_log_end(struct zk_log *l, int64_t first_ts, int64_t last_ts)
{
	if (!l->json) {
		if (l->body != NULL)
			body_put(l);	/* may give the file up: streamed */
		if (l->body != NULL) {
			header(l, first_ts);
			if (sb_flush(&l->b, l->out) == -1 ||
			    sb_copy_file(l->body, l->out) == -1)
				l->err = 1;
		} else if (!l->header) {
			header(l, first_ts);
		}
		stamp(&l->b, "#close", last_ts);
	}
	if (sb_flush(&l->b, l->out) == -1)
		l->err = 1;
	return l->err ? -1 : 0;
}

void
zk_log_free(struct zk_log *l)
{
	if (l == NULL)
		return;
	if (l->body != NULL)
		fclose(l->body);
	sb_free(&l->b);
	free(l);
}
