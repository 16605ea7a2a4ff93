/*
 * synfin-gen.c: a deterministic synthetic capture generator for `make bench`.
 *
 * It writes a classic pcap file (nanosecond magic, DLT_EN10MB, snaplen 128
 * unless --snaplen says otherwise) holding a chosen number of TCP
 * connections, and optionally a truth file of key=value lines saying what
 * the capture holds, so that the benchmark can check synfin's verdicts.
 * The same arguments always give the same bytes: every random choice comes
 * from our own splitmix64 generator, seeded by --seed, and the file is
 * written in little-endian byte order whatever the host.
 *
 * Connection mix, in percent of scenario slots (a slot picks one scenario;
 * every scenario makes one connection except reused_tuple, which makes two
 * incarnations of one 5-tuple):
 *
 *   normal_client_close 42  handshake, data, client FIN first, 4-way close
 *   normal_server_close 15  the same with the server's FIN first
 *   simultaneous_close   3  both FINs cross (neither acknowledges the other)
 *   abort                6  client RST/ACK after data
 *   refused              5  SYN answered by RST/ACK
 *   unanswered           3  SYN and 2 retransmissions at 1 s and 3 s
 *   close_wait_open      4  client FIN acknowledged, the server never closes
 *   half_close           5  client FIN, server sends more data, server FIN
 *   lost_final_ack       4  client's last ACK lost after the capture point:
 *                           the server retransmits its FIN, the client
 *                           ACKs again from TIME_WAIT
 *   syn_retransmit       5  SYN retransmitted after 1 s, then SYN-ACK,
 *                           data and a client-first close
 *   reused_tuple         8  a client-first close, then ~1 s later (inside
 *                           2MSL) the client reconnects from the same port
 *                           to the same server port with a higher ISN
 *
 * About 10% of slots use IPv6 and 5% carry an 802.1Q tag.  Clients come
 * from 10.0.0.0/9 (2^18 hosts) and fd00::/64 (2^16 hosts), each with its
 * own ephemeral port counter (32768-60999), so a 5-tuple repeats only by
 * the deliberate reuse; servers are 16 hosts (172.16.1.0/24,
 * fd00:0:0:1::/64) on ports 80, 443 and 5432.  Slot start times are spaced
 * by gaps drawn uniformly from [0, 2/rate), so --rate is the mean number
 * of new tuples per second; reuse reconnects come on top.  A connection
 * lasts about 10-200 ms; sequence and acknowledgment numbers are exact
 * (SYN and FIN each take one), SYNs carry MSS, SACK-permitted, timestamps
 * and window scale, other segments carry timestamps, and IPv4 header and
 * TCP checksums are valid.
 *
 * Key design choice: memory is bounded by the connections in flight, not by
 * the capture.  A slot's packets are built all at once as small event
 * records (no bytes) in a binary min-heap ordered by (time, creation
 * order).  Slot start times never decrease, so before slot i is built
 * every event earlier than its start is final and is written out.  Payload
 * bytes are read from a fixed pseudo-random table at the stream's offset,
 * and the table's prefix sums give the checksum of a full payload in
 * constant time, although only the first snaplen bytes are stored.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- constants ---- */

#define GEN_MS		INT64_C(1000000)	/* nanoseconds */
#define GEN_US		INT64_C(1000)
#define GEN_SEC		INT64_C(1000000000)
#define GEN_EPOCH	(INT64_C(1700000000) * GEN_SEC)	/* capture start */
#define GEN_MSL2	(60 * GEN_SEC)	/* 2*MSL, TIME_WAIT lifetime */
#define GEN_NEVER	INT64_MAX
/*
 * synfin's default --syn-timeout: a handshake quiet that long after its
 * last SYN is given up, and its client leaves the netstat view.
 */
#define GEN_SYN_TIMEOUT	(130 * GEN_SEC)
/*
 * A TIME_WAIT here lasts 2*MSL from the holder's last ACK; synfin starts
 * it at the FIN that ACK answers, up to one round trip earlier (16 ms at
 * most).  One that ends this close to the capture's last packet may be
 * counted at the end or not: the truth gives a range.
 */
#define GEN_TW_SLACK	(20 * GEN_MS)

#define GEN_CLIENT	0
#define GEN_SERVER	1

#define GEN_V4_CLIENTS	(1U << 18)
#define GEN_V6_CLIENTS	(1U << 16)
#define GEN_SERVERS	16
#define GEN_PORT_LO	32768
#define GEN_PORT_N	28232		/* 32768-60999, as Linux */

#define GEN_PAYTAB	65536		/* payload table, plus a wrap copy */
#define GEN_PAYMAX	1448		/* largest payload we build */
#define GEN_FRAME_MAX	(18 + 40 + 60 + GEN_PAYMAX)

/* TCP flags as on the wire. */
#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10

/* Which options a segment carries. */
#define GEN_OPT_NONE	0
#define GEN_OPT_TS	1		/* NOP, NOP, timestamps: 12 bytes */
#define GEN_OPT_SYN	2		/* MSS, SACK_PERM, TS, NOP, WS: 20 */

enum gen_kind {
	GEN_K_NORMAL_CLIENT,
	GEN_K_NORMAL_SERVER,
	GEN_K_SIMULTANEOUS,
	GEN_K_ABORT,
	GEN_K_REFUSED,
	GEN_K_UNANSWERED,
	GEN_K_CLOSE_WAIT,
	GEN_K_HALF_CLOSE,
	GEN_K_LOST_FINAL_ACK,
	GEN_K_SYN_RETRANSMIT,
	GEN_K_REUSED,
	GEN_K_MAX
};

static const char *const gen_kind_names[GEN_K_MAX] = {
	[GEN_K_NORMAL_CLIENT] = "normal_client_close",
	[GEN_K_NORMAL_SERVER] = "normal_server_close",
	[GEN_K_SIMULTANEOUS] = "simultaneous_close",
	[GEN_K_ABORT] = "abort",
	[GEN_K_REFUSED] = "refused",
	[GEN_K_UNANSWERED] = "unanswered",
	[GEN_K_CLOSE_WAIT] = "close_wait_open",
	[GEN_K_HALF_CLOSE] = "half_close",
	[GEN_K_LOST_FINAL_ACK] = "lost_final_ack",
	[GEN_K_SYN_RETRANSMIT] = "syn_retransmit",
	[GEN_K_REUSED] = "reused_tuple",
};

/* Percent of slots; the sum is 100 (checked in main). */
static const unsigned gen_kind_pct[GEN_K_MAX] = {
	[GEN_K_NORMAL_CLIENT] = 42,
	[GEN_K_NORMAL_SERVER] = 15,
	[GEN_K_SIMULTANEOUS] = 3,
	[GEN_K_ABORT] = 6,
	[GEN_K_REFUSED] = 5,
	[GEN_K_UNANSWERED] = 3,
	[GEN_K_CLOSE_WAIT] = 4,
	[GEN_K_HALF_CLOSE] = 5,
	[GEN_K_LOST_FINAL_ACK] = 4,
	[GEN_K_SYN_RETRANSMIT] = 5,
	[GEN_K_REUSED] = 8,
};

#define GEN_PCT_IPV6	10
#define GEN_PCT_VLAN	5

/* ---- types ---- */

/* One connection's fixed facts, shared by its packet events. */
struct gen_conn {
	uint32_t	refs;		/* events still pointing here */
	uint8_t		af;		/* 4 or 6 */
	uint16_t	vlan;		/* 802.1Q id, 0 for untagged */
	uint8_t		addr[2][16];	/* [GEN_CLIENT], [GEN_SERVER] */
	uint16_t	port[2];
	uint8_t		mac[2][6];
	uint8_t		ttl[2];
	uint16_t	ipid[2];	/* next IPv4 id of each side */
	uint32_t	flow[2];	/* IPv6 flow label of each side */
	uint32_t	isn[2];
	uint16_t	paykey[2];	/* payload table offset of each side */
	uint16_t	mss;
};

/* One packet to write: everything that is not fixed per connection. */
struct gen_ev {
	int64_t		t;		/* capture time, ns */
	uint64_t	ord;		/* creation order, breaks time ties */
	struct gen_conn	*c;
	uint32_t	seq;
	uint32_t	ack;
	uint32_t	tsval;
	uint32_t	tsecr;
	uint16_t	len;		/* TCP payload bytes */
	uint16_t	win;
	uint8_t		dir;		/* sender: GEN_CLIENT or GEN_SERVER */
	uint8_t		flags;
	uint8_t		opts;		/* GEN_OPT_* */
};

struct gen_opts {
	uint64_t	connections;
	uint64_t	rate;
	uint64_t	seed;
	uint32_t	snaplen;
	const char	*out;
	const char	*truth;
};

/* A min-heap of times. */
struct gen_heap {
	int64_t		*v;
	size_t		n, cap;
};

/* The generator: output, event heap, counters. */
struct gen {
	const struct gen_opts *opt;
	FILE		*fp;
	uint64_t	rng;		/* global stream: gaps and clients */
	uint64_t	ord;

	struct gen_ev	*ev;		/* min-heap of pending packets */
	size_t		nev;
	size_t		evcap;
	size_t		evpeak;

	struct gen_heap	alive;		/* alive-until times of the slots */
	struct gen_heap	tw;		/* TIME_WAIT end of each socket */
	struct gen_heap	synsent;	/* give-up time of unanswered SYNs */
	uint64_t	peak_alive;
	int64_t		peak_alive_t;

	uint16_t	*port4;		/* next port of each client, 0 unset */
	uint16_t	*port6;

	uint64_t	conns;
	uint64_t	slots;
	uint64_t	kind[GEN_K_MAX];
	uint64_t	ipv6;
	uint64_t	vlan;
	uint64_t	syn_rtx;
	uint64_t	port_wraps;
	uint64_t	packets;
	uint64_t	ipv6_packets;
	uint64_t	vlan_packets;
	uint64_t	cut_packets;
	uint64_t	bytes;
	int64_t		first_t;
	int64_t		last_t;
	uint64_t	live_conns;	/* struct gen_conn allocated */
	uint64_t	live_peak;
	/* The netstat view at the capture's end (end_state()). */
	uint64_t	end_tw_min, end_tw_max, end_syn_sent;
};

/* Per-connection builder state while a scenario lays out its packets. */
struct gen_bld {
	struct gen	*g;
	struct gen_conn	*c;
	uint64_t	*rng;
	int64_t		t0;		/* first packet of the slot */
	uint32_t	nxt[2];		/* next sequence number of each side */
	uint32_t	tsoff[2];	/* timestamp clock offsets */
	uint32_t	tsrecent[2];	/* last tsval each side received */
	int64_t		rt[2];		/* capture point -> side -> capture */
	int64_t		end;		/* last packet built */
};

/* ---- private prototypes ---- */

static uint64_t	rng_next(uint64_t *);
static uint32_t	rng_below(uint64_t *, uint32_t);
static int64_t	rng_span(uint64_t *, int64_t, int64_t);
static void	paytab_init(void);
static uint32_t	pay_sum(uint32_t, uint32_t);
static void	*xrealloc(void *, size_t, size_t);
static void	ev_push(struct gen *, const struct gen_ev *);
static void	ev_pop(struct gen *, struct gen_ev *);
static void	heap_push(struct gen_heap *, int64_t);
static void	heap_pop(struct gen_heap *);
static void	heap_drop_until(struct gen_heap *, int64_t);
static void	alive_add(struct gen *, int64_t, int64_t);
static void	end_add(struct gen *, enum gen_kind, int64_t, int64_t);
static void	end_state(struct gen *);
static void	pkt(struct gen_bld *, int64_t, int, uint8_t, uint32_t,
		    uint32_t, uint16_t, uint8_t);
static int64_t	pause_for(struct gen_bld *, int64_t);
static int64_t	handshake(struct gen_bld *, int64_t, int);
static int64_t	data(struct gen_bld *, int64_t, int, int64_t);
static int64_t	server_burst(struct gen_bld *, int64_t, uint32_t, int);
static int64_t	fin_close(struct gen_bld *, int64_t, int, int64_t *);
static int64_t	build_conn(struct gen *, struct gen_conn *, uint64_t *,
		    enum gen_kind, int64_t, uint32_t, uint32_t *, int64_t *);
static void	pick_client(struct gen *, struct gen_conn *);
static void	slot(struct gen *, int64_t, enum gen_kind, uint64_t);
static int	emit(struct gen *, const struct gen_ev *);
static int	write_truth(const struct gen *, const char *);
static void	put16(uint8_t *, uint16_t);
static void	put32(uint8_t *, uint32_t);
static void	le32(uint8_t *, uint32_t);
static uint16_t	fold(uint64_t);
static uint64_t	sum_bytes(const uint8_t *, size_t);
static int	parse_u64(const char *, const char *, uint64_t, uint64_t,
		    uint64_t *);
static void	usage(void) __attribute__((noreturn));

/* ---- random numbers ---- */

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, full period. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z;

	z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A number in [0, n), by multiply-shift; the bias is below 2^-32. */
static uint32_t
rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rng_next(s) >> 32) * (uint64_t)n) >> 32);
}

/* A time in [lo, hi]. */
static int64_t
rng_span(uint64_t *s, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

/* ---- payload table ---- */

/*
 * Payload byte i of a stream with key k is paytab[k + i].  The table has
 * a copy of its head after its end, so k + i never wraps for i below
 * GEN_PAYMAX.  paysum[p][j] is the sum of paytab[m] for m < j with m % 2
 * == p, which gives the one's-complement sum of any payload at once.
 */
static uint8_t	paytab[GEN_PAYTAB + GEN_PAYMAX + 2];
static uint32_t	paysum[2][GEN_PAYTAB + GEN_PAYMAX + 3];

static void
paytab_init(void)
{
	uint64_t s = UINT64_C(0x73796e66696e);	/* fixed: "synfin" */
	size_t i;

	for (i = 0; i < GEN_PAYTAB; i++) {
		/* Printable text mostly, like an HTTP or SQL stream. */
		paytab[i] = (uint8_t)(0x20 + rng_below(&s, 0x5f));
		if (rng_below(&s, 16) == 0)
			paytab[i] = (uint8_t)rng_below(&s, 256);
	}
	for (; i < sizeof(paytab); i++)
		paytab[i] = paytab[i - GEN_PAYTAB];
	paysum[0][0] = paysum[1][0] = 0;
	for (i = 0; i < sizeof(paytab); i++) {
		paysum[0][i + 1] = paysum[0][i];
		paysum[1][i + 1] = paysum[1][i];
		paysum[i % 2][i + 1] += paytab[i];
	}
}

/*
 * Sum of the payload paytab[a .. a+len) read as big-endian 16-bit words
 * from its first byte (TCP payload starts at an even offset), not folded.
 */
static uint32_t
pay_sum(uint32_t a, uint32_t len)
{
	uint32_t b = a + len;
	uint32_t hi, lo;

	/* Bytes at even distance from the start are high bytes. */
	hi = paysum[a % 2][b] - paysum[a % 2][a];
	lo = paysum[(a + 1) % 2][b] - paysum[(a + 1) % 2][a];
	return hi * 256 + lo;
}

/* ---- heaps ---- */

static void *
xrealloc(void *p, size_t n, size_t size)
{
	void *q;

	if (n != 0 && size > SIZE_MAX / n) {
		fprintf(stderr, "synfin-gen: out of memory\n");
		exit(3);
	}
	if ((q = realloc(p, n * size)) == NULL) {
		fprintf(stderr, "synfin-gen: out of memory\n");
		exit(3);
	}
	return q;
}

static inline bool
ev_before(const struct gen_ev *a, const struct gen_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->ord < b->ord);
}

static void
ev_push(struct gen *g, const struct gen_ev *e)
{
	size_t i, p;

	if (g->nev == g->evcap) {
		g->evcap = g->evcap ? g->evcap * 2 : 4096;
		g->ev = xrealloc(g->ev, g->evcap, sizeof(*g->ev));
	}
	i = g->nev++;
	while (i > 0) {
		p = (i - 1) / 2;
		if (!ev_before(e, &g->ev[p]))
			break;
		g->ev[i] = g->ev[p];
		i = p;
	}
	g->ev[i] = *e;
	if (g->nev > g->evpeak)
		g->evpeak = g->nev;
}

static void
ev_pop(struct gen *g, struct gen_ev *out)
{
	struct gen_ev last;
	size_t i, c, n;

	*out = g->ev[0];
	last = g->ev[--g->nev];
	n = g->nev;
	i = 0;
	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && ev_before(&g->ev[c + 1], &g->ev[c]))
			c++;
		if (!ev_before(&g->ev[c], &last))
			break;
		g->ev[i] = g->ev[c];
		i = c;
	}
	if (n > 0)
		g->ev[i] = last;
}

static void
heap_push(struct gen_heap *h, int64_t t)
{
	size_t i, p;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 4096;
		h->v = xrealloc(h->v, h->cap, sizeof(*h->v));
	}
	i = h->n++;
	while (i > 0) {
		p = (i - 1) / 2;
		if (h->v[p] <= t)
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = t;
}

static void
heap_pop(struct gen_heap *h)
{
	int64_t last;
	size_t i, c, n;

	last = h->v[--h->n];
	n = h->n;
	i = 0;
	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= last)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (n > 0)
		h->v[i] = last;
}

/* Take off every time at or before t. */
static void
heap_drop_until(struct gen_heap *h, int64_t t)
{
	while (h->n > 0 && h->v[0] <= t)
		heap_pop(h);
}

/*
 * Count a slot alive from start to until.  Starts never decrease, so the
 * connections still alive at this start are those whose until is later.
 */
static void
alive_add(struct gen *g, int64_t start, int64_t until)
{
	heap_drop_until(&g->alive, start);
	heap_push(&g->alive, until);
	if (g->alive.n > g->peak_alive) {
		g->peak_alive = g->alive.n;
		g->peak_alive_t = start;
	}
}

/*
 * The sockets a slot of kind k leaves for the netstat view at the end:
 * its TIME_WAIT holders (two after a simultaneous close) until `until`,
 * an unanswered client in SYN_SENT until synfin gives it up.  CLOSE_WAIT
 * and its peer in FIN_WAIT_2 last to the end (counted from the kinds).
 * What has surely ended before this slot's start is dropped, so the
 * heaps follow the sockets alive, not the capture's length.
 */
static void
end_add(struct gen *g, enum gen_kind k, int64_t start, int64_t until)
{
	heap_drop_until(&g->tw, start - GEN_TW_SLACK);
	heap_drop_until(&g->synsent, start);
	switch (k) {
	case GEN_K_REFUSED:
	case GEN_K_ABORT:
	case GEN_K_CLOSE_WAIT:
		break;
	case GEN_K_UNANSWERED:
		heap_push(&g->synsent, until + GEN_SYN_TIMEOUT);
		break;
	case GEN_K_SIMULTANEOUS:
		heap_push(&g->tw, until);
		heap_push(&g->tw, until);
		break;
	default:
		heap_push(&g->tw, until);
		break;
	}
}

/* What is left at the last packet: the netstat view's truth. */
static void
end_state(struct gen *g)
{
	heap_drop_until(&g->tw, g->last_t - GEN_TW_SLACK);
	g->end_tw_max = g->tw.n;
	heap_drop_until(&g->tw, g->last_t + GEN_TW_SLACK);
	g->end_tw_min = g->tw.n;
	heap_drop_until(&g->synsent, g->last_t);
	g->end_syn_sent = g->synsent.n;
}

/* ---- scenarios ---- */

/*
 * Queue one segment from side dir at capture time t.  The timestamp clock
 * of each side ticks once a millisecond from its own offset (RFC 7323
 * 5.4); TSecr echoes the last TSval the sender has received.
 */
static void
pkt(struct gen_bld *b, int64_t t, int dir, uint8_t flags, uint32_t seq,
    uint32_t ack, uint16_t len, uint8_t opts)
{
	struct gen_ev e;

	e.t = t;
	e.ord = b->g->ord++;
	e.c = b->c;
	e.seq = seq;
	e.ack = ack;
	e.len = len;
	e.dir = (uint8_t)dir;
	e.flags = flags;
	e.opts = opts;
	e.tsval = b->tsoff[dir] + (uint32_t)((t - b->t0) / GEN_MS);
	e.tsecr = (flags & TH_ACK) ? b->tsrecent[dir] : 0;
	if (opts != GEN_OPT_NONE)
		b->tsrecent[!dir] = e.tsval;
	if (flags & TH_SYN)
		e.win = dir == GEN_CLIENT ? 64240 : 65160;
	else if (flags & TH_RST)
		e.win = 0;
	else
		e.win = dir == GEN_CLIENT ? 502 : 509;
	b->c->refs++;
	ev_push(b->g, &e);
	if (t > b->end)
		b->end = t;
}

/*
 * An application's pause of about think (half to one and a half times),
 * never shorter than the few microseconds a stack needs to send again.
 */
static int64_t
pause_for(struct gen_bld *b, int64_t think)
{
	return rng_span(b->rng, think / 2, think * 3 / 2) +
	    rng_span(b->rng, 5 * GEN_US, 50 * GEN_US);
}

/*
 * Three-way handshake from t (RFC 9293 3.5), with rtx SYN retransmissions
 * at 1 s, then 2 s more (RFC 6298 5.5 backoff from a 1 s initial RTO).
 * Returns the time of the client's ACK.
 */
static int64_t
handshake(struct gen_bld *b, int64_t t, int rtx)
{
	struct gen_conn *c = b->c;
	int64_t rto = GEN_SEC;
	int i;

	pkt(b, t, GEN_CLIENT, TH_SYN, c->isn[GEN_CLIENT], 0, 0, GEN_OPT_SYN);
	for (i = 0; i < rtx; i++) {
		t += rto;
		rto *= 2;
		pkt(b, t, GEN_CLIENT, TH_SYN, c->isn[GEN_CLIENT], 0, 0,
		    GEN_OPT_SYN);
	}
	b->nxt[GEN_CLIENT] = c->isn[GEN_CLIENT] + 1;
	t += b->rt[GEN_SERVER] + rng_span(b->rng, 10 * GEN_US, 100 * GEN_US);
	pkt(b, t, GEN_SERVER, TH_SYN | TH_ACK, c->isn[GEN_SERVER],
	    b->nxt[GEN_CLIENT], 0, GEN_OPT_SYN);
	b->nxt[GEN_SERVER] = c->isn[GEN_SERVER] + 1;
	t += b->rt[GEN_CLIENT] + rng_span(b->rng, 5 * GEN_US, 50 * GEN_US);
	pkt(b, t, GEN_CLIENT, TH_ACK, b->nxt[GEN_CLIENT], b->nxt[GEN_SERVER],
	    0, GEN_OPT_TS);
	return t;
}

/*
 * Server sends nseg segments from t, the last one pushed; the client
 * acknowledges every second segment and the last (RFC 9293 3.8.6.3).
 * Returns the time of the client's last ACK.
 */
static int64_t
server_burst(struct gen_bld *b, int64_t t, uint32_t bytes, int nseg)
{
	uint32_t ends[8];
	int64_t times[8], ack;
	uint16_t len, mseg = (uint16_t)(b->c->mss - 12);
	int i;

	for (i = 0; i < nseg && bytes > 0; i++) {
		len = bytes > mseg ? mseg : (uint16_t)bytes;
		bytes -= len;
		pkt(b, t, GEN_SERVER,
		    TH_ACK | (bytes == 0 ? TH_PSH : 0), b->nxt[GEN_SERVER],
		    b->nxt[GEN_CLIENT], len, GEN_OPT_TS);
		b->nxt[GEN_SERVER] += len;
		ends[i] = b->nxt[GEN_SERVER];
		times[i] = t;
		t += rng_span(b->rng, 10 * GEN_US, 60 * GEN_US);
	}
	nseg = i;
	t = 0;
	for (i = 0; i < nseg; i++) {
		if (i % 2 == 0 && i != nseg - 1)
			continue;
		ack = times[i] + b->rt[GEN_CLIENT] +
		    rng_span(b->rng, 5 * GEN_US, 40 * GEN_US);
		/* ACKs leave the client in order. */
		t = ack > t ? ack : t + GEN_US;
		pkt(b, t, GEN_CLIENT, TH_ACK, b->nxt[GEN_CLIENT], ends[i], 0,
		    GEN_OPT_TS);
	}
	return t;
}

/*
 * Request/response rounds from t: a client request, the server's answer
 * after a think time, the client's ACKs.  think spreads the client's
 * pauses so the connection lasts about its target.  Returns the time of
 * the last ACK.
 */
static int64_t
data(struct gen_bld *b, int64_t t, int rounds, int64_t think)
{
	uint32_t req, resp;
	int r, nseg;

	for (r = 0; r < rounds; r++) {
		if (r == 0)
			t += rng_span(b->rng, 20 * GEN_US, 200 * GEN_US);
		else
			t += pause_for(b, think);
		req = 40 + rng_below(b->rng, 760);
		pkt(b, t, GEN_CLIENT, TH_ACK | TH_PSH, b->nxt[GEN_CLIENT],
		    b->nxt[GEN_SERVER], (uint16_t)req, GEN_OPT_TS);
		b->nxt[GEN_CLIENT] += req;
		t += b->rt[GEN_SERVER] + rng_span(b->rng, 50 * GEN_US,
		    5 * GEN_MS);
		nseg = 1 + (int)rng_below(b->rng, 4);
		resp = (uint32_t)(nseg - 1) * (b->c->mss - 12U) + 1 +
		    rng_below(b->rng, b->c->mss - 12U);
		t = server_burst(b, t, resp, nseg);
	}
	return t;
}

/*
 * Four-way close started by side a at t (RFC 9293 3.6): FIN, the peer's
 * ACK (or FIN+ACK at once), the peer's FIN, the last ACK.  Returns the
 * time of the last ACK and sets *pfin to the time of the peer's FIN.
 */
static int64_t
fin_close(struct gen_bld *b, int64_t t, int a, int64_t *pfin)
{
	int p = !a;

	pkt(b, t, a, TH_FIN | TH_ACK, b->nxt[a], b->nxt[p], 0, GEN_OPT_TS);
	b->nxt[a]++;
	t += b->rt[p] + rng_span(b->rng, 10 * GEN_US, 80 * GEN_US);
	if (rng_below(b->rng, 2) == 0) {
		pkt(b, t, p, TH_ACK, b->nxt[p], b->nxt[a], 0, GEN_OPT_TS);
		t += rng_span(b->rng, 100 * GEN_US, 5 * GEN_MS);
	}
	pkt(b, t, p, TH_FIN | TH_ACK, b->nxt[p], b->nxt[a], 0, GEN_OPT_TS);
	b->nxt[p]++;
	*pfin = t;
	t += b->rt[a] + rng_span(b->rng, 5 * GEN_US, 50 * GEN_US);
	pkt(b, t, a, TH_ACK, b->nxt[a], b->nxt[p], 0, GEN_OPT_TS);
	return t;
}

/*
 * Lay out one connection of kind k (GEN_K_REUSED builds the first
 * incarnation as a client-first close) starting at t.  Returns the time
 * until which the connection counts as alive: its last packet, plus 2MSL
 * when an endpoint is left in TIME_WAIT, GEN_NEVER when it never closes.
 * *lastseq gets the client's final sequence number, *end the last packet.
 */
static int64_t
build_conn(struct gen *g, struct gen_conn *c, uint64_t *rng,
    enum gen_kind k, int64_t t, uint32_t tsoff, uint32_t *lastseq,
    int64_t *end)
{
	struct gen_bld b;
	int64_t target, minimum, think, pfin, until;
	int rounds, nseg;
	uint32_t s, echo, tmp;

	memset(&b, 0, sizeof(b));
	b.g = g;
	b.c = c;
	b.rng = rng;
	b.t0 = t;
	b.tsoff[GEN_CLIENT] = tsoff;
	b.tsoff[GEN_SERVER] = (uint32_t)rng_next(rng);
	b.rt[GEN_CLIENT] = 2 * rng_span(rng, 500 * GEN_US, 8 * GEN_MS);
	b.rt[GEN_SERVER] = 2 * rng_span(rng, 50 * GEN_US, 1500 * GEN_US);
	rounds = 1 + (int)rng_below(rng, 3);
	target = rng_span(rng, 10 * GEN_MS, 200 * GEN_MS);
	minimum = (rounds + 2) * (b.rt[GEN_CLIENT] + b.rt[GEN_SERVER]);
	think = target > minimum ? (target - minimum) / (rounds + 1) : 0;
	until = GEN_NEVER;

	switch (k) {
	case GEN_K_REFUSED:
		/* RFC 9293 3.10.7.1: RST/ACK, seq 0, ack = SYN + 1. */
		pkt(&b, t, GEN_CLIENT, TH_SYN, c->isn[GEN_CLIENT], 0, 0,
		    GEN_OPT_SYN);
		t += b.rt[GEN_SERVER] + rng_span(rng, 10 * GEN_US,
		    60 * GEN_US);
		pkt(&b, t, GEN_SERVER, TH_RST | TH_ACK, 0,
		    c->isn[GEN_CLIENT] + 1, 0, GEN_OPT_NONE);
		until = t;
		break;
	case GEN_K_UNANSWERED:
		pkt(&b, t, GEN_CLIENT, TH_SYN, c->isn[GEN_CLIENT], 0, 0,
		    GEN_OPT_SYN);
		pkt(&b, t + GEN_SEC, GEN_CLIENT, TH_SYN, c->isn[GEN_CLIENT], 0,
		    0, GEN_OPT_SYN);
		pkt(&b, t + 3 * GEN_SEC, GEN_CLIENT, TH_SYN,
		    c->isn[GEN_CLIENT], 0, 0, GEN_OPT_SYN);
		g->syn_rtx += 2;
		until = t + 3 * GEN_SEC;
		break;
	case GEN_K_ABORT:
		t = handshake(&b, t, 0);
		t = data(&b, t, rounds, think);
		t += pause_for(&b, think);
		pkt(&b, t, GEN_CLIENT, TH_RST | TH_ACK, b.nxt[GEN_CLIENT],
		    b.nxt[GEN_SERVER], 0, GEN_OPT_TS);
		until = t;
		break;
	case GEN_K_SIMULTANEOUS:
		/*
		 * RFC 9293 3.6 case 2: each FIN leaves before the other
		 * arrives, so neither acknowledges the other; both ends go
		 * through CLOSING to TIME_WAIT.
		 */
		t = handshake(&b, t, 0);
		t = data(&b, t, rounds, think);
		t += pause_for(&b, think);
		s = b.nxt[GEN_SERVER];
		echo = b.tsrecent[GEN_SERVER];
		pkt(&b, t, GEN_CLIENT, TH_FIN | TH_ACK, b.nxt[GEN_CLIENT], s, 0,
		    GEN_OPT_TS);
		/* The server's FIN leaves before the client's arrives. */
		tmp = b.tsrecent[GEN_SERVER];
		b.tsrecent[GEN_SERVER] = echo;
		pfin = t + rng_span(rng, GEN_US, b.rt[GEN_SERVER] - GEN_US);
		pkt(&b, pfin, GEN_SERVER, TH_FIN | TH_ACK, s,
		    b.nxt[GEN_CLIENT], 0, GEN_OPT_TS);
		b.tsrecent[GEN_SERVER] = tmp;
		b.nxt[GEN_CLIENT]++;
		b.nxt[GEN_SERVER]++;
		pkt(&b, t + b.rt[GEN_SERVER] + 20 * GEN_US, GEN_SERVER, TH_ACK,
		    b.nxt[GEN_SERVER], b.nxt[GEN_CLIENT], 0, GEN_OPT_TS);
		pkt(&b, pfin + b.rt[GEN_CLIENT] + 20 * GEN_US, GEN_CLIENT,
		    TH_ACK, b.nxt[GEN_CLIENT], b.nxt[GEN_SERVER], 0,
		    GEN_OPT_TS);
		until = b.end + GEN_MSL2;
		break;
	case GEN_K_CLOSE_WAIT:
		t = handshake(&b, t, 0);
		t = data(&b, t, rounds, think);
		t += pause_for(&b, think);
		pkt(&b, t, GEN_CLIENT, TH_FIN | TH_ACK, b.nxt[GEN_CLIENT],
		    b.nxt[GEN_SERVER], 0, GEN_OPT_TS);
		b.nxt[GEN_CLIENT]++;
		t += b.rt[GEN_SERVER] + rng_span(rng, 10 * GEN_US,
		    80 * GEN_US);
		pkt(&b, t, GEN_SERVER, TH_ACK, b.nxt[GEN_SERVER],
		    b.nxt[GEN_CLIENT], 0, GEN_OPT_TS);
		until = GEN_NEVER;
		break;
	case GEN_K_HALF_CLOSE:
		/* RFC 9293 3.6: CLOSE_WAIT may still send. */
		t = handshake(&b, t, 0);
		t = data(&b, t, rounds, think);
		t += pause_for(&b, think);
		pkt(&b, t, GEN_CLIENT, TH_FIN | TH_ACK, b.nxt[GEN_CLIENT],
		    b.nxt[GEN_SERVER], 0, GEN_OPT_TS);
		b.nxt[GEN_CLIENT]++;
		t += b.rt[GEN_SERVER] + rng_span(rng, 10 * GEN_US,
		    80 * GEN_US);
		pkt(&b, t, GEN_SERVER, TH_ACK, b.nxt[GEN_SERVER],
		    b.nxt[GEN_CLIENT], 0, GEN_OPT_TS);
		t += rng_span(rng, 200 * GEN_US, 5 * GEN_MS);
		nseg = 2 + (int)rng_below(rng, 3);
		t = server_burst(&b, t, (uint32_t)(nseg - 1) *
		    (c->mss - 12U) + 1 + rng_below(rng, c->mss - 12U), nseg);
		t += pause_for(&b, think);
		pkt(&b, t, GEN_SERVER, TH_FIN | TH_ACK, b.nxt[GEN_SERVER],
		    b.nxt[GEN_CLIENT], 0, GEN_OPT_TS);
		b.nxt[GEN_SERVER]++;
		t += b.rt[GEN_CLIENT] + rng_span(rng, 5 * GEN_US, 50 * GEN_US);
		pkt(&b, t, GEN_CLIENT, TH_ACK, b.nxt[GEN_CLIENT],
		    b.nxt[GEN_SERVER], 0, GEN_OPT_TS);
		until = t + GEN_MSL2;
		break;
	case GEN_K_LOST_FINAL_ACK:
		/*
		 * The client's last ACK is seen here and lost beyond the
		 * capture point; the server retransmits its FIN after its
		 * RTO (at least 200 ms on Linux) and the client, in
		 * TIME_WAIT, acknowledges it again (RFC 9293 3.10.7.4).
		 */
		t = handshake(&b, t, 0);
		t = data(&b, t, rounds, think);
		t += pause_for(&b, think);
		(void)fin_close(&b, t, GEN_CLIENT, &pfin);
		t = pfin + 200 * GEN_MS + b.rt[GEN_CLIENT] +
		    b.rt[GEN_SERVER] + rng_span(rng, 0, 20 * GEN_MS);
		pkt(&b, t, GEN_SERVER, TH_FIN | TH_ACK, b.nxt[GEN_SERVER] - 1,
		    b.nxt[GEN_CLIENT], 0, GEN_OPT_TS);
		t += b.rt[GEN_CLIENT] + rng_span(rng, 5 * GEN_US, 50 * GEN_US);
		pkt(&b, t, GEN_CLIENT, TH_ACK, b.nxt[GEN_CLIENT],
		    b.nxt[GEN_SERVER], 0, GEN_OPT_TS);
		until = t + GEN_MSL2;
		break;
	case GEN_K_NORMAL_SERVER:
		t = handshake(&b, t, 0);
		t = data(&b, t, rounds, think);
		t += pause_for(&b, think);
		t = fin_close(&b, t, GEN_SERVER, &pfin);
		until = t + GEN_MSL2;
		break;
	case GEN_K_SYN_RETRANSMIT:
	case GEN_K_NORMAL_CLIENT:
	case GEN_K_REUSED:
	default:
		t = handshake(&b, t, k == GEN_K_SYN_RETRANSMIT ? 1 : 0);
		if (k == GEN_K_SYN_RETRANSMIT)
			g->syn_rtx++;
		t = data(&b, t, rounds, think);
		t += pause_for(&b, think);
		t = fin_close(&b, t, GEN_CLIENT, &pfin);
		until = t + GEN_MSL2;
		break;
	}
	*lastseq = b.nxt[GEN_CLIENT];
	*end = b.end;
	return until;
}

/* Draw one client address and its next ephemeral port. */
static void
pick_client(struct gen *g, struct gen_conn *c)
{
	uint64_t h;
	uint32_t idx, host;
	uint16_t *slotp, start;

	if (c->af == 4) {
		idx = rng_below(&g->rng, GEN_V4_CLIENTS);
		/* An odd multiplier is a bijection mod 2^23: no two clients
		 * share an address, none is 10.0.0.0. */
		host = (uint32_t)(((uint64_t)(idx + 1) * 2654435761U) &
		    0x7fffff);
		c->addr[GEN_CLIENT][0] = 10;
		c->addr[GEN_CLIENT][1] = (uint8_t)(host >> 16);
		c->addr[GEN_CLIENT][2] = (uint8_t)(host >> 8);
		c->addr[GEN_CLIENT][3] = (uint8_t)host;
		slotp = &g->port4[idx];
	} else {
		idx = rng_below(&g->rng, GEN_V6_CLIENTS);
		c->addr[GEN_CLIENT][0] = 0xfd;
		h = idx;
		h = rng_next(&h);
		put32(&c->addr[GEN_CLIENT][8], (uint32_t)(h >> 32));
		put32(&c->addr[GEN_CLIENT][12], (uint32_t)h);
		/* Keep the interface ids distinct: the low 16 bits are idx. */
		put16(&c->addr[GEN_CLIENT][14], (uint16_t)idx);
		slotp = &g->port6[idx];
	}
	h = (uint64_t)idx * 2 + (c->af == 6);
	start = (uint16_t)(GEN_PORT_LO + rng_next(&h) % GEN_PORT_N);
	if (*slotp == 0)
		*slotp = start;
	c->port[GEN_CLIENT] = *slotp;
	*slotp = (uint16_t)(*slotp + 1 == GEN_PORT_LO + GEN_PORT_N ?
	    GEN_PORT_LO : *slotp + 1);
	if (*slotp == start)
		g->port_wraps++;
	c->mac[GEN_CLIENT][0] = 0x02;
	c->mac[GEN_CLIENT][5] = 0x01;
}

/* Build slot number sn of kind k, its first SYN at t. */
static void
slot(struct gen *g, int64_t t, enum gen_kind k, uint64_t sn)
{
	struct gen_conn *c, *c2;
	uint64_t rng;
	uint32_t srv, lastseq, tsoff, u;
	int64_t until, end, t2;

	rng = g->opt->seed ^ (sn * UINT64_C(0xd1342543de82ef95));
	(void)rng_next(&rng);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		fprintf(stderr, "synfin-gen: out of memory\n");
		exit(3);
	}
	g->live_conns++;
	c->af = rng_below(&rng, 100) < GEN_PCT_IPV6 ? 6 : 4;
	c->vlan = rng_below(&rng, 100) < GEN_PCT_VLAN ?
	    (uint16_t)(100 + rng_below(&rng, 8)) : 0;
	pick_client(g, c);
	srv = rng_below(&rng, GEN_SERVERS);
	if (c->af == 4) {
		c->addr[GEN_SERVER][0] = 172;
		c->addr[GEN_SERVER][1] = 16;
		c->addr[GEN_SERVER][2] = 1;
		c->addr[GEN_SERVER][3] = (uint8_t)(10 + srv);
		c->mss = 1460;
	} else {
		c->addr[GEN_SERVER][0] = 0xfd;
		c->addr[GEN_SERVER][7] = 1;
		c->addr[GEN_SERVER][15] = (uint8_t)(10 + srv);
		c->mss = 1440;
	}
	u = rng_below(&rng, 100);
	c->port[GEN_SERVER] = u < 30 ? 80 : u < 90 ? 443 : 5432;
	c->mac[GEN_SERVER][0] = 0x02;
	c->mac[GEN_SERVER][4] = 0x01;
	c->mac[GEN_SERVER][5] = (uint8_t)srv;
	c->ttl[GEN_CLIENT] = 61;
	c->ttl[GEN_SERVER] = 63;
	c->ipid[GEN_CLIENT] = (uint16_t)rng_next(&rng);
	c->ipid[GEN_SERVER] = (uint16_t)rng_next(&rng);
	c->flow[GEN_CLIENT] = (uint32_t)rng_next(&rng) & 0xfffff;
	c->flow[GEN_SERVER] = (uint32_t)rng_next(&rng) & 0xfffff;
	c->isn[GEN_CLIENT] = (uint32_t)rng_next(&rng);
	c->isn[GEN_SERVER] = (uint32_t)rng_next(&rng);
	c->paykey[GEN_CLIENT] = (uint16_t)rng_next(&rng);
	c->paykey[GEN_SERVER] = (uint16_t)rng_next(&rng);
	tsoff = (uint32_t)rng_next(&rng);

	g->slots++;
	g->kind[k]++;
	g->conns++;
	g->ipv6 += c->af == 6;
	g->vlan += c->vlan != 0;
	c->refs = 1;		/* ours until the slot is laid out */
	until = build_conn(g, c, &rng, k, t, tsoff, &lastseq, &end);

	if (k == GEN_K_REUSED) {
		/*
		 * A new incarnation inside the old one's TIME_WAIT: same
		 * tuple, an ISN above the old sequence space, timestamps
		 * from the same clock (RFC 6191, RFC 9293 3.10.7.4).
		 */
		if ((c2 = malloc(sizeof(*c2))) == NULL) {
			fprintf(stderr, "synfin-gen: out of memory\n");
			exit(3);
		}
		g->live_conns++;
		*c2 = *c;
		c2->refs = 1;
		c2->isn[GEN_CLIENT] = lastseq + 64000 +
		    rng_below(&rng, 1U << 24);
		c2->isn[GEN_SERVER] = (uint32_t)rng_next(&rng);
		c2->paykey[GEN_CLIENT] = (uint16_t)rng_next(&rng);
		c2->paykey[GEN_SERVER] = (uint16_t)rng_next(&rng);
		g->conns++;
		g->ipv6 += c2->af == 6;
		g->vlan += c2->vlan != 0;
		t2 = end + rng_span(&rng, 900 * GEN_MS, 1100 * GEN_MS);
		until = build_conn(g, c2, &rng, GEN_K_NORMAL_CLIENT, t2,
		    tsoff + (uint32_t)((t2 - t) / GEN_MS), &lastseq, &end);
		if (--c2->refs == 0) {
			free(c2);
			g->live_conns--;
		}
	}
	if (--c->refs == 0) {
		free(c);
		g->live_conns--;
	}
	if (g->live_conns > g->live_peak)
		g->live_peak = g->live_conns;
	alive_add(g, t, until);
	end_add(g, k, t, until);
}

/* ---- output ---- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Little-endian, for the pcap headers. */
static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Fold a 64-bit sum of 16-bit words to one's complement (RFC 1071). */
static uint16_t
fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint64_t
sum_bytes(const uint8_t *p, size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n % 2)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/* Build the frame of one event and write its pcap record. */
static int
emit(struct gen *g, const struct gen_ev *e)
{
	struct gen_conn *c = e->c;
	uint8_t f[GEN_FRAME_MAX], rec[16];
	uint8_t *ip, *th, *o;
	size_t l2, iphl, thl, frame, cap, paycopy;
	uint32_t k, tcplen;
	uint64_t sum;
	int s = e->dir, d = !e->dir;

	/* Ethernet, and an 802.1Q tag when the connection has one. */
	memcpy(f, c->mac[d], 6);
	memcpy(f + 6, c->mac[s], 6);
	l2 = 12;
	if (c->vlan != 0) {
		put16(f + l2, 0x8100);
		put16(f + l2 + 2, c->vlan);
		l2 += 4;
	}
	put16(f + l2, c->af == 4 ? 0x0800 : 0x86dd);
	l2 += 2;

	thl = e->opts == GEN_OPT_SYN ? 40 : e->opts == GEN_OPT_TS ? 32 : 20;
	tcplen = (uint32_t)thl + e->len;
	ip = f + l2;
	iphl = c->af == 4 ? 20 : 40;
	th = ip + iphl;

	/* TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018). */
	put16(th, c->port[s]);
	put16(th + 2, c->port[d]);
	put32(th + 4, e->seq);
	put32(th + 8, e->ack);
	th[12] = (uint8_t)(thl / 4 << 4);
	th[13] = e->flags;
	put16(th + 14, e->win);
	put16(th + 16, 0);
	put16(th + 18, 0);
	o = th + 20;
	if (e->opts == GEN_OPT_SYN) {
		/* MSS, SACK permitted, timestamps, NOP, window scale 7. */
		memcpy(o, "\x02\x04\x00\x00\x04\x02\x08\x0a", 8);
		put16(o + 2, c->mss);
		put32(o + 8, e->tsval);
		put32(o + 12, e->tsecr);
		memcpy(o + 16, "\x01\x03\x03\x07", 4);
	} else if (e->opts == GEN_OPT_TS) {
		memcpy(o, "\x01\x01\x08\x0a", 4);
		put32(o + 4, e->tsval);
		put32(o + 8, e->tsecr);
	}

	/* IP header, and the pseudo-header sum for TCP. */
	if (c->af == 4) {
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (uint16_t)(20 + tcplen));
		put16(ip + 4, c->ipid[s]++);
		put16(ip + 6, 0x4000);
		ip[8] = c->ttl[s];
		ip[9] = 6;
		put16(ip + 10, 0);
		memcpy(ip + 12, c->addr[s], 4);
		memcpy(ip + 16, c->addr[d], 4);
		put16(ip + 10, (uint16_t)~fold(sum_bytes(ip, 20)));
		sum = sum_bytes(ip + 12, 8) + 6 + tcplen;
	} else {
		put32(ip, 0x60000000U | c->flow[s]);
		put16(ip + 4, (uint16_t)tcplen);
		ip[6] = 6;
		ip[7] = c->ttl[s] + 1;
		memcpy(ip + 8, c->addr[s], 16);
		memcpy(ip + 24, c->addr[d], 16);
		sum = sum_bytes(ip + 8, 32) + 6 + tcplen;
	}

	/*
	 * Payload: only what the snaplen keeps is copied, the checksum covers
	 * all of it.  Short frames are padded to the Ethernet minimum.
	 */
	frame = l2 + iphl + tcplen;
	if (frame < 60) {
		memset(f + frame, 0, 60 - frame);
		frame = 60;
	}
	cap = frame;
	if (g->opt->snaplen != 0 && cap > g->opt->snaplen)
		cap = g->opt->snaplen;
	sum += sum_bytes(th, thl);
	if (e->len > 0) {
		k = ((uint32_t)c->paykey[s] + (e->seq - (c->isn[s] + 1))) %
		    GEN_PAYTAB;
		paycopy = cap > l2 + iphl + thl ? cap - (l2 + iphl + thl) : 0;
		if (paycopy > e->len)
			paycopy = e->len;
		memcpy(th + thl, &paytab[k], paycopy);
		sum += pay_sum(k, e->len);
	}
	put16(th + 16, (uint16_t)~fold(sum));

	le32(rec, (uint32_t)(e->t / GEN_SEC));
	le32(rec + 4, (uint32_t)(e->t % GEN_SEC));
	le32(rec + 8, (uint32_t)cap);
	le32(rec + 12, (uint32_t)frame);
	if (fwrite(rec, 1, 16, g->fp) != 16 ||
	    fwrite(f, 1, cap, g->fp) != cap)
		return -1;

	g->packets++;
	g->bytes += 16 + cap;
	g->ipv6_packets += c->af == 6;
	g->vlan_packets += c->vlan != 0;
	g->cut_packets += cap < frame;
	if (g->packets == 1)
		g->first_t = e->t;
	g->last_t = e->t;
	if (--c->refs == 0) {
		free(c);
		g->live_conns--;
	}
	return 0;
}

static int
write_truth(const struct gen *g, const char *path)
{
	const struct gen_opts *o = g->opt;
	FILE *fp;
	uint64_t complete;
	int64_t dur;
	int k;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	dur = g->packets ? g->last_t - g->first_t : 0;
	complete = g->conns - g->kind[GEN_K_REFUSED] -
	    g->kind[GEN_K_UNANSWERED];
	fprintf(fp, "# synfin-gen truth: key=value, counts of the capture.\n");
	fprintf(fp, "# Kind counts are scenario slots; a reused_tuple slot "
	    "makes two incarnations,\n# so connections = sum of kinds + "
	    "reused_tuple.\n");
	fprintf(fp, "seed=%" PRIu64 "\n", o->seed);
	fprintf(fp, "rate=%" PRIu64 "\n", o->rate);
	fprintf(fp, "snaplen=%" PRIu32 "\n", o->snaplen);
	fprintf(fp, "connections=%" PRIu64 "\n", g->conns);
	for (k = 0; k < GEN_K_MAX; k++)
		fprintf(fp, "%s=%" PRIu64 "\n", gen_kind_names[k], g->kind[k]);
	fprintf(fp, "packets=%" PRIu64 "\n", g->packets);
	fprintf(fp, "ipv6=%" PRIu64 "\n", g->ipv6);
	fprintf(fp, "vlan=%" PRIu64 "\n", g->vlan);
	fprintf(fp, "peak_alive=%" PRIu64 "\n", g->peak_alive);
	fprintf(fp, "# Expected verdicts, derived from the kinds: a refused "
	    "connection closes by\n# reset, an unanswered one stays open, "
	    "close_wait_open is half_closed,\n# half_close and lost_final_ack "
	    "close normally.\n");
	fprintf(fp, "handshake_complete=%" PRIu64 "\n", complete);
	fprintf(fp, "handshake_refused=%" PRIu64 "\n",
	    g->kind[GEN_K_REFUSED]);
	fprintf(fp, "handshake_timeout=%" PRIu64 "\n",
	    g->kind[GEN_K_UNANSWERED]);
	fprintf(fp, "syn_retransmits=%" PRIu64 "\n", g->syn_rtx);
	fprintf(fp, "close_normal=%" PRIu64 "\n", complete -
	    g->kind[GEN_K_SIMULTANEOUS] - g->kind[GEN_K_ABORT] -
	    g->kind[GEN_K_CLOSE_WAIT]);
	fprintf(fp, "close_simultaneous=%" PRIu64 "\n",
	    g->kind[GEN_K_SIMULTANEOUS]);
	fprintf(fp, "close_reset=%" PRIu64 "\n", g->kind[GEN_K_ABORT] +
	    g->kind[GEN_K_REFUSED]);
	fprintf(fp, "close_half_closed=%" PRIu64 "\n",
	    g->kind[GEN_K_CLOSE_WAIT]);
	fprintf(fp, "close_open=%" PRIu64 "\n", g->kind[GEN_K_UNANSWERED]);
	fprintf(fp, "rst_abort=%" PRIu64 "\n", g->kind[GEN_K_ABORT]);
	fprintf(fp, "fin_retransmits=%" PRIu64 "\n",
	    g->kind[GEN_K_LOST_FINAL_ACK]);
	fprintf(fp, "incarnation_gt1=%" PRIu64 "\n", g->kind[GEN_K_REUSED]);
	fprintf(fp, "# The netstat view at the last packet, summed over the "
	    "hosts: a TIME_WAIT that\n# ends within %" PRId64 " ms of it "
	    "may be counted or not; unanswered SYNs count\n# until synfin's "
	    "--syn-timeout (%" PRId64 " s) after the last one.\n",
	    GEN_TW_SLACK / GEN_MS, GEN_SYN_TIMEOUT / GEN_SEC);
	fprintf(fp, "netstat_time_wait_min=%" PRIu64 "\n", g->end_tw_min);
	fprintf(fp, "netstat_time_wait_max=%" PRIu64 "\n", g->end_tw_max);
	fprintf(fp, "netstat_close_wait=%" PRIu64 "\n",
	    g->kind[GEN_K_CLOSE_WAIT]);
	fprintf(fp, "netstat_fin_wait_2=%" PRIu64 "\n",
	    g->kind[GEN_K_CLOSE_WAIT]);
	fprintf(fp, "netstat_syn_sent=%" PRIu64 "\n", g->end_syn_sent);
	fprintf(fp, "# Capture facts.\n");
	fprintf(fp, "slots=%" PRIu64 "\n", g->slots);
	fprintf(fp, "ipv6_packets=%" PRIu64 "\n", g->ipv6_packets);
	fprintf(fp, "vlan_packets=%" PRIu64 "\n", g->vlan_packets);
	fprintf(fp, "cut_packets=%" PRIu64 "\n", g->cut_packets);
	fprintf(fp, "file_bytes=%" PRIu64 "\n", g->bytes);
	fprintf(fp, "first_ts_ns=%" PRId64 "\n", g->first_t);
	fprintf(fp, "last_ts_ns=%" PRId64 "\n", g->last_t);
	fprintf(fp, "duration_s=%" PRId64 ".%03" PRId64 "\n",
	    dur / GEN_SEC, dur % GEN_SEC / GEN_MS);
	fprintf(fp, "peak_alive_ts_ns=%" PRId64 "\n", g->peak_alive_t);
	fprintf(fp, "msl2_s=%" PRId64 "\n", GEN_MSL2 / GEN_SEC);
	fprintf(fp, "port_wraps=%" PRIu64 "\n", g->port_wraps);
	fprintf(fp, "gen_peak_events=%zu\n", g->evpeak);
	fprintf(fp, "gen_peak_conns=%" PRIu64 "\n", g->live_peak);
	fprintf(fp, "# Mix, percent of slots.\n");
	for (k = 0; k < GEN_K_MAX; k++)
		fprintf(fp, "mix_%s=%u\n", gen_kind_names[k], gen_kind_pct[k]);
	fprintf(fp, "mix_ipv6=%d\nmix_vlan=%d\n", GEN_PCT_IPV6, GEN_PCT_VLAN);
	if (ferror(fp)) {
		(void)fclose(fp);
		return -1;
	}
	return fclose(fp);
}

/* ---- main ---- */

static int
parse_u64(const char *name, const char *s, uint64_t lo, uint64_t hi,
    uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < lo || v > hi) {
		fprintf(stderr, "synfin-gen: %s: bad value '%s' (%" PRIu64
		    "..%" PRIu64 ")\n", name, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: synfin-gen [-n connections] [-r rate] [-s seed] "
	    "[-S snaplen]\n"
	    "                  [-t truth-file] [-o file]\n"
	    "  -n, --connections N  connections, counting incarnations "
	    "(default 100000)\n"
	    "  -r, --rate R         new tuples per second (default 5000)\n"
	    "  -s, --seed S         PRNG seed (default 1)\n"
	    "  -S, --snaplen L      bytes kept per packet, 0 = all "
	    "(default 128)\n"
	    "  -t, --truth FILE     write key=value counts to FILE\n"
	    "  -o, --output FILE    pcap output (default standard output)\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connections", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "snaplen", required_argument, NULL, 'S' },
		{ "truth", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen_opts opt;
	struct gen g;
	struct gen_ev e;
	uint8_t hdr[24];
	uint64_t v, iv;
	int64_t t;
	unsigned sum, u;
	int ch, k;
	enum gen_kind kind;

	memset(&opt, 0, sizeof(opt));
	opt.connections = 100000;
	opt.rate = 5000;
	opt.seed = 1;
	opt.snaplen = 128;
	while ((ch = getopt_long(argc, argv, "hn:o:r:S:s:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (parse_u64("connections", optarg, 1,
			    UINT64_C(1) << 40, &opt.connections) == -1)
				usage();
			break;
		case 'o':
			opt.out = optarg;
			break;
		case 'r':
			if (parse_u64("rate", optarg, 1, 100000000,
			    &opt.rate) == -1)
				usage();
			break;
		case 'S':
			if (parse_u64("snaplen", optarg, 0, 262144, &v) == -1)
				usage();
			if (v != 0 && v < 60) {
				fprintf(stderr, "synfin-gen: snaplen below "
				    "60 is not supported\n");
				usage();
			}
			opt.snaplen = (uint32_t)v;
			break;
		case 's':
			if (parse_u64("seed", optarg, 0, UINT64_MAX,
			    &opt.seed) == -1)
				usage();
			break;
		case 't':
			opt.truth = optarg;
			break;
		case 'h':
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	for (sum = 0, k = 0; k < GEN_K_MAX; k++)
		sum += gen_kind_pct[k];
	if (sum != 100) {
		fprintf(stderr, "synfin-gen: mix adds up to %u%%\n", sum);
		return 1;
	}

	memset(&g, 0, sizeof(g));
	g.opt = &opt;
	g.rng = opt.seed;
	(void)rng_next(&g.rng);
	g.port4 = calloc(GEN_V4_CLIENTS, sizeof(*g.port4));
	g.port6 = calloc(GEN_V6_CLIENTS, sizeof(*g.port6));
	if (g.port4 == NULL || g.port6 == NULL) {
		fprintf(stderr, "synfin-gen: out of memory\n");
		return 3;
	}
	paytab_init();

	if (opt.out == NULL || strcmp(opt.out, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "synfin-gen: will not write a "
			    "capture to a terminal; use -o FILE\n");
			return 1;
		}
		opt.out = "(stdout)";
		g.fp = stdout;
	} else if ((g.fp = fopen(opt.out, "wb")) == NULL) {
		fprintf(stderr, "synfin-gen: %s: %s\n", opt.out,
		    strerror(errno));
		return 2;
	}
	if (setvbuf(g.fp, NULL, _IOFBF, 1 << 20) != 0) {
		fprintf(stderr, "synfin-gen: %s: cannot set buffer\n",
		    opt.out);
		return 2;
	}

	/* Classic pcap header, nanosecond variant. */
	le32(hdr, 0xa1b23c4d);
	hdr[4] = 2;			/* version 2.4, little-endian */
	hdr[5] = 0;
	hdr[6] = 4;
	hdr[7] = 0;
	le32(hdr + 8, 0);		/* thiszone */
	le32(hdr + 12, 0);		/* sigfigs */
	le32(hdr + 16, opt.snaplen ? opt.snaplen : 262144);
	le32(hdr + 20, 1);		/* DLT_EN10MB */
	if (fwrite(hdr, 1, sizeof(hdr), g.fp) != sizeof(hdr))
		goto werr;
	g.bytes = sizeof(hdr);

	/*
	 * Slots start at gaps uniform in [0, 2*iv], mean iv = 1/rate.  Every
	 * packet of a later slot comes at or after its start, so all events
	 * before it can be written.
	 */
	iv = (uint64_t)GEN_SEC / opt.rate;
	t = GEN_EPOCH;
	while (g.conns < opt.connections) {
		t += (int64_t)(rng_next(&g.rng) % (2 * iv + 1));
		while (g.nev > 0 && g.ev[0].t < t) {
			ev_pop(&g, &e);
			if (emit(&g, &e) == -1)
				goto werr;
		}
		u = rng_below(&g.rng, 100);
		for (kind = 0; kind < GEN_K_MAX - 1; kind++) {
			if (u < gen_kind_pct[kind])
				break;
			u -= gen_kind_pct[kind];
		}
		if (kind == GEN_K_REUSED && g.conns + 2 > opt.connections)
			kind = GEN_K_NORMAL_CLIENT;
		slot(&g, t, kind, g.slots);
	}
	while (g.nev > 0) {
		ev_pop(&g, &e);
		if (emit(&g, &e) == -1)
			goto werr;
	}
	if (fflush(g.fp) == EOF || ferror(g.fp))
		goto werr;
	if (g.fp != stdout && fclose(g.fp) == EOF) {
		g.fp = NULL;
		goto werr;
	}
	end_state(&g);
	if (opt.truth != NULL && write_truth(&g, opt.truth) == -1) {
		fprintf(stderr, "synfin-gen: %s: %s\n", opt.truth,
		    strerror(errno));
		return 2;
	}
	free(g.ev);
	free(g.alive.v);
	free(g.tw.v);
	free(g.synsent.v);
	free(g.port4);
	free(g.port6);
	return 0;

werr:
	fprintf(stderr, "synfin-gen: %s: write error: %s\n", opt.out,
	    strerror(errno));
	return 2;
}
