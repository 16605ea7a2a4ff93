/*
 * capture.c: the libpcap read loops, for saved files and for a live
 * interface.
 *
 * A savefile is read with pcap_dispatch(), many records a call: it
 * returns 0 at the end of the file and PCAP_ERROR with text for a damaged
 * record; each maps to its own outcome.  A file cut off mid-record is
 * reported with the number of the packet that could not be read, and
 * everything before it has been fed to the analysis already.
 *
 * A live interface is opened with pcap_create() and the pcap_set_*()
 * calls, in immediate mode, and read without blocking: the loop polls
 * the selectable descriptor with a timeout, so the engine's timers, the
 * --interval view and --duration run on the wall clock even when no
 * packet arrives.  SIGINT and SIGTERM only set a flag and break the loop;
 * the caller then writes the final report.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <config.h>
#ifdef HAVE_STDIO_EXT_H
#include <stdio_ext.h>
#endif
#include "bigmem.h"
#include "capture.h"
#include "cfg.h"
#include "decode.h"
#include "dedup.h"
#include "flowtab.h"
#include "ring.h"
#include "track.h"

static void
count_result(struct rpt_counters *pc, enum dec_res res, uint8_t trunc)
{
	pc->by_reason[res]++;
	switch (res) {
	case DEC_OK:
		pc->tcp++;
		if (trunc & DEC_TRUNC_OPTS)
			pc->truncated++;
		break;
	case DEC_NOT_IP:
	case DEC_NOT_TCP:
	case DEC_FRAGMENT:
		pc->other++;
		break;
	case DEC_UNSUPPORTED_LINK:
		pc->unsupported_link++;
		pc->other++;
		break;
	case DEC_TRUNC_LINK:
	case DEC_TRUNC_IP:
	case DEC_TRUNC_TCP:
	case DEC_TRUNC_TUNNEL:
	case DEC_FRAG_SPLIT_TCP:
		pc->truncated++;
		break;
	default:
		pc->malformed++;
		break;
	}
}

/*
 * A capture time synfin can hold: seconds from 1970 up to 2^32 (2106,
 * where classic pcap's unsigned 32-bit seconds end), in nanoseconds an
 * int64_t with room for every difference and timeout added to it.  A
 * pcapng file may say anything, and a damaged one does.
 */
#define CAP_MAX_SECS	((int64_t)1 << 32)

/*
 * Count one packet and decode it: true, with *seg and its time, when it
 * is a TCP segment that does not copy one just seen (dedup.h).
 */
static bool
decode_one(struct rpt_counters *pc, int dlt, int nano,
    const struct pcap_pkthdr *h, const u_char *data, struct dec_seg *seg)
{
	enum dec_res res;

	pc->packets++;
	if (h->ts.tv_sec < 0 || (int64_t)h->ts.tv_sec >= CAP_MAX_SECS ||
	    h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000)
		res = DEC_BAD_TIME;
	else
		res = dec_packet(dlt, data, h->caplen, h->len, seg);
	count_result(pc, res, res == DEC_OK ? seg->trunc : 0);
	if (res != DEC_OK)
		return false;
	seg->ts_ns = (int64_t)h->ts.tv_sec * 1000000000 +
	    (int64_t)h->ts.tv_usec * (nano ? 1 : 1000);
	if (pc->dedup != NULL && dup_seen(pc->dedup, seg)) {
		pc->duplicates++;
		return false;
	}
	return true;
}

/*
 * The bulk reader of a classic pcap file (magic a1b2c3d4 or a1b23c4d in
 * this host's byte order, version 2.4): records are taken from a buffer
 * filled 288 KiB at a time with pread() (room for the longest record it
 * takes; a megabyte was no faster) and handed to the callback where they
 * lie, instead of two fread() calls and a copy per record in libpcap
 * (the reading thread runs a third fewer instructions: 276 M to 182 M on
 * the 20k benchmark capture).  Any record that libpcap would treat
 * specially (longer than the snapshot length, a time stamp it would
 * convert otherwise, a header or data cut by the end of the file, a read
 * error) is given to libpcap itself: its stream is set to the record's
 * offset and read with pcap_dispatch(), so the outcome, message
 * included, is libpcap's own.  pcapng, other byte orders, other versions
 * and the standard input are read by libpcap alone.
 */
#ifndef CAP_BULK_BUF
#define CAP_BULK_BUF	(288 * 1024)	/* smaller in a fuzzing build */
#endif
#define CAP_REC_HDR	16
/* The longest record taken: libpcap's smallest maximum, if it fits. */
#define CAP_BULK_MAXCAP	(CAP_BULK_BUF - CAP_REC_HDR < 262144 ? \
			    CAP_BULK_BUF - CAP_REC_HDR : 262144)
_Static_assert(CAP_BULK_BUF > CAP_REC_HDR, "room for a record header");
#define CAP_ERR_SEEK	INT_MIN		/* not one of libpcap's results */

enum { BULK_NO, BULK_USEC, BULK_NSEC };

struct cap_bulk {
	FILE		*fp;		/* libpcap's stream */
	int		fd;		/* its descriptor, read with pread() */
	unsigned char	*buf;
	size_t		pos, len;	/* next record; end of the data */
	off_t		off;		/* the file's offset of buf[0] */
	uint32_t	snap;		/* pcap_snapshot() */
	uint32_t	frac_max;	/* 10^6 (microseconds) or 10^9 */
	uint32_t	scale;		/* to nanoseconds: 1000 or 1 */
	struct bpf_program prog;	/* the filter, when bulk->filter */
	bool		filter;
	uint64_t	taken, handed;	/* records read here, by libpcap */
};

/*
 * Records handed to libpcap after which, if they are more than one in
 * BULK_GIVE_UP_RATIO of all, libpcap reads the rest of the file alone:
 * each costs a seek and a look at the position, 0.1 s against 0.03 s
 * for a 34 MB file of microsecond stamps past a second.
 */
#define BULK_GIVE_UP	1024
#define BULK_GIVE_UP_RATIO 16

/*
 * One open savefile being read: the libpcap handle, what the records
 * need to be decoded, the counters and the progress line.  Only the
 * thread that reads the file touches it until the read is over.
 */
struct cap_reader {
	const struct sf_config *cfg;
	const char	*path;
	pcap_t		*p;
	int		dlt;
	int		nano;		/* timestamps in nanoseconds */
	struct rpt_counters *pc;
	struct sf_err	*err;
	enum cap_status	st;
	uint64_t	n;		/* records read from this file */
	FILE		*fp;		/* for the progress line, or NULL */
	char		*iobuf;		/* the file's stdio buffer, or NULL */
	struct cap_bulk	*bulk;		/* the bulk reader (below), or NULL */
	int		bulk_kind;	/* bulk_kind() of the file */
	long		fsize;
	double		t0, tlast;
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress(struct cap_reader *r)
{
	double now = mono_now();
	long pos;

	if (now - r->tlast < 0.5)
		return;
	/* The bulk reader's blocks leave libpcap's stream where it was. */
	pos = r->bulk != NULL ? (long)(r->bulk->off + (off_t)r->bulk->pos) :
	    ftell(r->fp);
	fprintf(stderr, "\rsynfin: %s: %3.0f%%  %.0f packets/s ", r->path,
	    pos > 0 ? 100.0 * (double)pos / (double)r->fsize : 0.0,
	    (double)r->n / (now - r->t0));
	r->tlast = now;
}

/*
 * Count one record read from r (and show progress now and then), and
 * decode it: true, with *seg and its time, when it is a TCP segment.
 */
static inline bool
rd_record(struct cap_reader *r, const struct pcap_pkthdr *h,
    const u_char *data, struct dec_seg *seg)
{
	r->n++;
	if (r->fp != NULL && (r->n & 0xffff) == 0)
		progress(r);
	return decode_one(r->pc, r->dlt, r->nano, h, data, seg);
}

/*
 * End the bulk reader of r, its counts added to r's counters: libpcap
 * reads the rest, if any.
 */
static void
bulk_free(struct cap_reader *r)
{
	if (r->bulk == NULL)
		return;
	r->pc->bulk_read += r->bulk->taken;
	r->pc->bulk_handed += r->bulk->handed;
	if (r->bulk->filter)
		pcap_freecode(&r->bulk->prog);
	free(r->bulk->buf);
	free(r->bulk);
	r->bulk = NULL;
}

/*
 * Give the record at the bulk reader's position to libpcap: its stream
 * is set to it and pcap_dispatch() reads it (and, with a filter, the
 * records after it up to one that passes), then the bulk reader goes on
 * where libpcap stopped, in the same buffer when that is still in it.
 * pcap_dispatch()'s result.
 */
static int
bulk_by_pcap(struct cap_reader *r, pcap_handler cb, void *arg)
{
	struct cap_bulk *b = r->bulk;
	off_t at = b->off + (off_t)b->pos;
	int rv;

	if (fseeko(b->fp, at, SEEK_SET) != 0)
		return CAP_ERR_SEEK;
	rv = pcap_dispatch(r->p, 1, cb, (u_char *)arg);
	if (rv > 0) {
		if ((at = ftello(b->fp)) < 0)
			return CAP_ERR_SEEK;
		if (at >= b->off && at <= b->off + (off_t)b->len) {
			/* Still in the buffer: no read again. */
			b->pos = (size_t)(at - b->off);
		} else {
			b->off = at;
			b->pos = b->len = 0;
		}
	}
	return rv;
}

/*
 * Move what is left of the buffer to its start and fill the rest from
 * the file, with pread(): libpcap's stream, its buffer and its position
 * are left as they are, so that a record handed to libpcap near the last
 * one costs no read.  Short only at the end of the file or on an error,
 * which bulk_by_pcap() will meet again through libpcap.
 */
static void
bulk_fill(struct cap_bulk *b)
{
	size_t left = b->len - b->pos;
	ssize_t got;

	if (b->pos > 0) {
		memmove(b->buf, b->buf + b->pos, left);
		b->off += (off_t)b->pos;
		b->pos = 0;
		b->len = left;
	}
	while (b->len < CAP_BULK_BUF) {
		got = pread(b->fd, b->buf + b->len, CAP_BULK_BUF - b->len,
		    b->off + (off_t)b->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		b->len += (size_t)got;
	}
}

/*
 * The next record of the buffer, in *h and *data, if the bulk reader
 * takes it (see above); false leaves it to libpcap.
 */
static bool
bulk_next(struct cap_bulk *b, struct pcap_pkthdr *h, const u_char **data)
{
	uint32_t f[4];

	if (b->len - b->pos < CAP_REC_HDR)
		bulk_fill(b);
	if (b->len - b->pos < CAP_REC_HDR)
		return false;
	/* ts_sec, ts_usec (or nsec), incl_len, orig_len. */
	memcpy(f, b->buf + b->pos, sizeof(f));
	if (f[2] > b->snap || f[2] > CAP_BULK_MAXCAP || f[0] > INT32_MAX ||
	    f[1] >= b->frac_max)
		return false;
	if (b->len - b->pos < CAP_REC_HDR + f[2]) {
		bulk_fill(b);
		if (b->len - b->pos < CAP_REC_HDR + f[2])
			return false;
	}
	*data = b->buf + b->pos + CAP_REC_HDR;
	b->pos += CAP_REC_HDR + f[2];
	h->ts.tv_sec = (time_t)f[0];
	h->ts.tv_usec = (suseconds_t)f[1] * b->scale;
	h->caplen = f[2];
	h->len = f[3];
	return true;
}

/*
 * pcap_dispatch() for the bulk reader: up to max records that pass the
 * filter through cb; their count, 0 at the end of the file, or a
 * negative PCAP_ERROR_* (CAP_ERR_SEEK: the file could not be set back
 * to a record, see rd_dispatch()).
 */
static int
bulk_dispatch(struct cap_reader *r, int max, pcap_handler cb, void *arg)
{
	struct cap_bulk *b = r->bulk;
	struct pcap_pkthdr h;
	const u_char *data;
	int n = 0, rv;

	while (n < max) {
		if (!bulk_next(b, &h, &data)) {
			if ((rv = bulk_by_pcap(r, cb, arg)) <= 0)
				return rv < 0 || n == 0 ? rv : n;
			n += rv;
			/* libpcap's stream is at the next record. */
			if (++b->handed >= BULK_GIVE_UP &&
			    b->handed * BULK_GIVE_UP_RATIO > b->taken) {
				bulk_free(r);
				return n;
			}
			continue;
		}
		b->taken++;
		if (!b->filter ||
		    pcap_offline_filter(&b->prog, &h, data) != 0) {
			cb((u_char *)arg, &h, data);
			n++;
		}
	}
	return n;
}

/*
 * Read up to max records through cb, which calls rd_record() for each:
 * true when max were read, false at the end of the file, at -c COUNT or
 * on a damaged record (r->st says which).  One pcap_dispatch() for many
 * records instead of one pcap_next_ex() each: no call and no copy of the
 * header per record (the reading thread runs 10 % fewer instructions,
 * 1.476 G to 1.324 G on the 100k benchmark capture).  pcap_dispatch()
 * returns 0 at the end of a savefile and PCAP_ERROR for a damaged one,
 * whatever it read before.
 */
static bool
rd_dispatch(struct cap_reader *r, int max, pcap_handler cb, void *arg)
{
	int64_t left;
	int rv;

	if (r->cfg->count > 0) {
		left = r->cfg->count - (int64_t)r->pc->packets;
		if (left <= 0) {
			r->st = CAP_STOPPED;
			return false;
		}
		if (left < max)
			max = (int)left;
	}
	if (r->bulk != NULL)
		rv = bulk_dispatch(r, max, cb, arg);
	else
		rv = pcap_dispatch(r->p, max, cb, (u_char *)arg);
	if (rv == 0 || rv == PCAP_ERROR_BREAK)
		return false;
	if (rv < 0) {
		sf_seterr(r->err, "%s: packet %llu: %s", r->path,
		    (unsigned long long)(r->n + 1), rv == PCAP_ERROR ?
		    pcap_geterr(r->p) : rv == CAP_ERR_SEEK ?
		    strerror(errno) : "unexpected read result");
		r->st = CAP_DAMAGED;
		return false;
	}
	return true;
}

/* Records read at once when nothing bounds them (one thread). */
#define CAP_DISPATCH	1024

/* --threads 1: each segment goes to the engine as it is read. */
struct cap_direct {
	struct cap_reader *rd;
	struct trk	*t;
};

static void
direct_one(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct cap_direct *d = (struct cap_direct *)(void *)arg;
	struct dec_seg seg;

	if (rd_record(d->rd, h, data, &seg))
		trk_segment(d->t, &seg, d->rd->pc->packets);
}

/* --packets: each segment printed as a line. */
static void
line_one(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct cap_reader *r = (struct cap_reader *)(void *)arg;
	struct dec_seg seg;
	char line[512];

	if (rd_record(r, h, data, &seg)) {
		dec_format_seg(&seg, line, sizeof(line));
		puts(line);
	}
}

/* ---- the reading thread ---- */

/*
 * With --threads 2 one thread reads and decodes while the caller's
 * thread runs the engine and the reports: decoded segments travel in
 * batches through a ring (ring.c), in file order, so the output is the
 * same byte for byte as with one thread.  The ring bounds the memory.
 */
#define CAP_BATCH	256
#define CAP_RING	16
/*
 * A waiting engine is woken for 4 batches, not each: woken per batch it
 * caught up with the reader at once and slept again, a futex wake-up on
 * both sides for every 256 segments (-5 % wall time when it waits for 4).
 */
#define CAP_WAKE	4

/*
 * A segment on its way to the engine.  Every byte the engine reads for
 * every segment is in the item's first two cache lines: its lookup, then
 * the segment up to its SACK blocks (DEC_SEG_HOT).  Only that much and
 * the addresses (read for a connection's first segment) are copied in,
 * so that the other lines stay in the reading core's cache.  Laid out
 * as before (the segment first, every byte of it copied, 232 bytes on
 * any boundary), the cache lines that went from core to core took 3 to
 * 16 % of the run's wall time (doc/performance-history.md, fifteenth
 * round).
 */
struct cap_item {
	_Alignas(64) uint64_t pktno;
	uint32_t	hash;
	int		dir;
	struct flow_key	key;		/* made by the reading thread */
	struct dec_seg	seg;		/* SACK blocks and option list unset */
};

_Static_assert(offsetof(struct cap_item, seg) + DEC_SEG_HOT <= 128,
    "what the engine reads of an item fits in two cache lines");

struct cap_batch {
	unsigned	n;
	struct cap_item	it[CAP_BATCH];
};

/* Segments ahead of the engine whose lookups are warmed (stages 0-3). */
#define CAP_AHEAD0	12
#define CAP_AHEAD1	8
#define CAP_AHEAD2	4
#define CAP_AHEAD3	2

/*
 * The reading thread starts on another CPU than the engine's, and may go
 * anywhere after CAP_PLACE_BATCHES batches.  Started on the engine's own,
 * as Linux places a new thread, the two took turns there for 10-30 ms
 * while the other CPU idled: each mostly waited for the other, so that
 * CPU seldom had two tasks ready to spread (doc/performance-history.md,
 * twenty-first round).
 */
#if defined(HAVE_PTHREAD_ATTR_SETAFFINITY_NP) && \
    defined(HAVE_SCHED_GETCPU) && defined(CPU_SET)
#define CAP_PLACE	1
#endif
#define CAP_PLACE_BATCHES	256

/*
 * The reading thread counts packets in counters of its own, on cache
 * lines of their own: next to the configuration that the engine reads
 * all the time, each count written would cost the engine a cache miss.
 */
struct cap_pipe {
	struct cap_reader *rd;
	struct ring	*ring;
#ifdef CAP_PLACE
	cpu_set_t	cpus;		/* where it may run, after the start */
	bool		placed;		/* started away from the engine */
#endif
	_Alignas(64) struct rpt_counters pc;
	char		pad[64];
};

/* What fill_one() adds to: the batch being filled. */
struct cap_fill {
	struct cap_reader *rd;
	struct cap_batch *b;
};

/*
 * The reading thread's callback: a TCP segment goes into the batch with
 * its flow key.  It is decoded on the stack and then copied: the batch
 * was last read by the engine's core, and the decoder reads fields it
 * wrote.
 */
static void
fill_one(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct cap_fill *f = (struct cap_fill *)(void *)arg;
	struct cap_item *it;
	struct dec_seg seg;

	if (!rd_record(f->rd, h, data, &seg))
		return;
	it = &f->b->it[f->b->n++];
	it->pktno = f->rd->pc->packets;
	flow_key_make(&seg, &it->key, &it->dir);
	it->hash = flow_key_hash(&it->key);
	memcpy(&it->seg, &seg, DEC_SEG_HOT);
	memcpy(it->seg.src, seg.src, sizeof(seg.src));
	memcpy(it->seg.dst, seg.dst, sizeof(seg.dst));
}

/*
 * Fill b with up to CAP_BATCH segments: false once the read is over (see
 * rd_dispatch()).  Each call reads as many records as the batch has room
 * for, since a record gives at most one segment.
 */
static bool
fill_batch(struct cap_reader *r, struct cap_batch *b)
{
	struct cap_fill f = { r, b };

	b->n = 0;
	while (b->n < CAP_BATCH)
		if (!rd_dispatch(r, (int)(CAP_BATCH - b->n), fill_one, &f))
			return false;
	return true;
}

static void *
pipe_reader(void *arg)
{
	struct cap_pipe *cp = arg;
	struct cap_batch *b;
	bool more = true;
#ifdef CAP_PLACE
	unsigned n = 0;
#endif

	ring_helper_thread();
	while (more) {
#ifdef CAP_PLACE
		if (cp->placed && ++n == CAP_PLACE_BATCHES)
			(void)pthread_setaffinity_np(pthread_self(),
			    sizeof(cp->cpus), &cp->cpus);
#endif
		b = ring_slot(cp->ring);
		more = fill_batch(cp->rd, b);
		ring_push(cp->ring);
	}
	ring_close(cp->ring);
	return NULL;
}

/* Feed one batch to the engine, warming the lookups to come. */
static void
feed_batch(struct trk *t, const struct cap_batch *b)
{
	const struct cap_item *it = b->it;
	unsigned k, n = b->n;

	for (k = 0; k < n; k++) {
		if (k + CAP_AHEAD0 < n)
			trk_prefetch(t, it[k + CAP_AHEAD0].hash, 0);
		if (k + CAP_AHEAD1 < n)
			trk_prefetch(t, it[k + CAP_AHEAD1].hash, 1);
		if (k + CAP_AHEAD2 < n)
			trk_prefetch(t, it[k + CAP_AHEAD2].hash, 2);
		if (k + CAP_AHEAD3 < n) {
			trk_prefetch(t, it[k + CAP_AHEAD3].hash, 3);
			if (it[k + CAP_AHEAD3].seg.flags & DEC_TH_FIN)
				trk_prefetch_fin(t, &it[k + CAP_AHEAD3].key,
				    it[k + CAP_AHEAD3].hash,
				    it[k + CAP_AHEAD3].dir);
		}
		trk_segment_key(t, &it[k].seg, it[k].pktno, &it[k].key,
		    it[k].hash, it[k].dir);
	}
}

/* Run the read with a reading thread; false if it could not start. */
static bool
read_piped(struct cap_reader *r, struct trk *t)
{
	struct cap_pipe cp;
	pthread_attr_t at;
	pthread_t tid;
	size_t n, i;
	int rc;
#ifdef CAP_PLACE
	cpu_set_t away;
	int cpu;
#endif

	struct rpt_counters *pc = r->pc;

	cp.rd = r;
	cp.pc = *pc;
	/*
	 * Only the reading thread touches the file until it is joined, so
	 * stdio need not lock it for each fread(): in a process of more
	 * than one thread glibc does, twice per packet (7 % of the CPU).
	 */
#if defined(HAVE_STDIO_EXT_H) && defined(HAVE___FSETLOCKING)
	if (pcap_file(r->p) != NULL)
		(void)__fsetlocking(pcap_file(r->p), FSETLOCKING_BYCALLER);
#endif
	if ((cp.ring = ring_new(CAP_RING, sizeof(struct cap_batch),
	    CAP_WAKE)) == NULL)
		return false;
	if (pthread_attr_init(&at) != 0) {
		ring_free(cp.ring);
		return false;
	}
	r->pc = &cp.pc;
#ifdef CAP_PLACE
	cp.placed = false;
	if (sched_getaffinity(0, sizeof(cp.cpus), &cp.cpus) == 0 &&
	    CPU_COUNT(&cp.cpus) >= 2 && (cpu = sched_getcpu()) >= 0 &&
	    cpu < CPU_SETSIZE && CPU_ISSET(cpu, &cp.cpus)) {
		away = cp.cpus;
		CPU_CLR(cpu, &away);
		cp.placed = pthread_attr_setaffinity_np(&at, sizeof(away),
		    &away) == 0;
	}
#endif
	rc = pthread_create(&tid, &at, pipe_reader, &cp);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		r->pc = pc;
		ring_free(cp.ring);
		return false;
	}
	(void)pthread_setname_np(tid, "synfin-read");
	/*
	 * The helper that faults memory in ahead (bigmem.h) starts only now.
	 * Its MADV_POPULATE_WRITE holds the process's mmap lock while the
	 * pages are cleared, 25-29 ms a 2 MiB page once the host has taken
	 * the memory back, and each mmap() waits for it: started before,
	 * it held the ring's mapping up, and with it the reading thread's
	 * start, for 20-30 ms of such a run.
	 */
	(void)big_ahead_start();
	for (;;) {
		/*
		 * Nothing read yet: the sink may format connections it held
		 * back (report.c) before this thread sleeps.
		 */
		if ((n = ring_ready(cp.ring)) == 0) {
			while (trk_idle(t) && (n = ring_ready(cp.ring)) == 0)
				;
			if (n == 0 && (n = ring_wait(cp.ring)) == 0)
				break;
		}
		/* Give each batch back at once: the reader refills it. */
		for (i = 0; i < n; i++) {
			feed_batch(t, ring_at(cp.ring, 0));
			ring_pop(cp.ring, 1);
		}
	}
	pthread_join(tid, NULL);
	*pc = cp.pc;
	r->pc = pc;
	ring_free(cp.ring);
	return true;
}

/* ---- saved files ---- */

/*
 * stdio's buffer for a capture file: with the default (st_blksize, 4 KiB
 * here) libpcap's freads cost one read() per 4 KiB, 42,000 system calls
 * for a 165 MB capture; with 256 KiB, 660.
 */
#define CAP_FILE_BUF	(256 * 1024)

/*
 * What fp, not yet read, is for the bulk reader: BULK_USEC or BULK_NSEC
 * for a classic pcap file in this host's byte order, version 2.4, else
 * BULK_NO.  Its header is read with pread(), which leaves fp as it is
 * (and fails on a pipe, which the bulk reader could not set back).
 */
static int
bulk_kind(FILE *fp)
{
	uint32_t magic;
	uint16_t ver[2];
	unsigned char fh[24];

	if (pread(fileno(fp), fh, sizeof(fh), 0) != (ssize_t)sizeof(fh))
		return BULK_NO;
	memcpy(&magic, fh, 4);
	memcpy(ver, fh + 4, 4);
	if (ver[0] != 2 || ver[1] != 4)
		return BULK_NO;
	return magic == 0xa1b2c3d4 ? BULK_USEC : magic == 0xa1b23c4d ?
	    BULK_NSEC : BULK_NO;
}

/*
 * Set up the bulk reader for r once libpcap has opened a file that
 * bulk_kind() took (its magic in this host's byte order: libpcap does not
 * swap it) with nanoseconds asked for, as open_offline() asks; prog is
 * the compiled filter or NULL, and is the bulk reader's from now on.
 * Without memory libpcap reads alone.
 */
static void
bulk_start(struct cap_reader *r, struct bpf_program *prog)
{
	struct cap_bulk *b = NULL;
	int snap = pcap_snapshot(r->p);

	if (r->bulk_kind == BULK_NO ||
	    pcap_get_tstamp_precision(r->p) != PCAP_TSTAMP_PRECISION_NANO ||
	    snap <= 0 || (b = calloc(1, sizeof(*b))) == NULL ||
	    (b->buf = malloc(CAP_BULK_BUF)) == NULL ||
	    (b->off = ftello(pcap_file(r->p))) < 0) {
		if (b != NULL)
			free(b->buf);
		free(b);
		if (prog != NULL)
			pcap_freecode(prog);
		return;
	}
	b->fp = pcap_file(r->p);
	b->fd = fileno(b->fp);
	b->snap = (uint32_t)snap;
	b->frac_max = r->bulk_kind == BULK_NSEC ? 1000000000 : 1000000;
	b->scale = r->bulk_kind == BULK_NSEC ? 1 : 1000;
	if (prog != NULL) {
		b->prog = *prog;
		b->filter = true;
	}
	r->bulk = b;
}

/*
 * Open a saved capture for libpcap, with a stdio buffer of CAP_FILE_BUF
 * ("-" is the standard input, as libpcap has it).  NULL with errbuf set
 * on failure: the file's own error, without libpcap's repeat of its name.
 */
static pcap_t *
open_offline(struct cap_reader *r, const char *path, char *errbuf)
{
	FILE *fp;
	pcap_t *p;

	if (strcmp(path, "-") == 0)
		return pcap_open_offline_with_tstamp_precision(path,
		    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	r->bulk_kind = bulk_kind(fp);
	/* glibc ignores the size unless it is given the buffer too. */
	if ((r->iobuf = malloc(CAP_FILE_BUF)) != NULL &&
	    setvbuf(fp, r->iobuf, _IOFBF, CAP_FILE_BUF) != 0) {
		free(r->iobuf);
		r->iobuf = NULL;
	}
	/* libpcap closes fp with the handle, but not when it fails. */
	if ((p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf)) == NULL) {
		fclose(fp);
		free(r->iobuf);
		r->iobuf = NULL;
	}
	return p;
}

/* Close the file and free its buffer, which stdio used until then. */
static void
close_offline(struct cap_reader *r)
{
	bulk_free(r);
	pcap_close(r->p);
	r->p = NULL;
	free(r->iobuf);
	r->iobuf = NULL;
}

enum cap_status
cap_read_file(const struct sf_config *cfg, const char *path, struct trk *t,
    struct rpt_counters *pc, struct sf_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct cap_reader r;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.path = path;
	r.pc = pc;
	r.err = err;
	r.st = CAP_OK;
	errbuf[0] = '\0';
	if ((r.p = open_offline(&r, path, errbuf)) == NULL) {
		sf_seterr(err, "%s: %s", path, errbuf);
		return CAP_OPEN_FAILED;
	}
	r.nano = pcap_get_tstamp_precision(r.p) == PCAP_TSTAMP_PRECISION_NANO;
	if (cfg->filter != NULL) {
		if (pcap_compile(r.p, &prog, cfg->filter, 1,
		    PCAP_NETMASK_UNKNOWN) == -1) {
			sf_seterr(err, "bad filter \"%s\": %s", cfg->filter,
			    pcap_geterr(r.p));
			close_offline(&r);
			return CAP_BAD_FILTER;
		}
		if (pcap_setfilter(r.p, &prog) == -1) {
			sf_seterr(err, "%s: cannot set filter: %s", path,
			    pcap_geterr(r.p));
			pcap_freecode(&prog);
			close_offline(&r);
			return CAP_BAD_FILTER;
		}
	}
	bulk_start(&r, cfg->filter != NULL ? &prog : NULL);
	r.dlt = pcap_datalink(r.p);
	if (!dec_link_supported(r.dlt)) {
		const char *name = pcap_datalink_val_to_name(r.dlt);

		fprintf(stderr, "synfin: %s: link type %d (%s) is not "
		    "supported; its packets are skipped and counted\n", path,
		    r.dlt, name != NULL ? name : "unknown");
	}
	if (cfg->progress && cfg->format != FMT_PACKETS &&
	    strcmp(path, "-") != 0 && (r.fp = pcap_file(r.p)) != NULL) {
		long pos = ftell(r.fp);

		if (pos >= 0 && fseek(r.fp, 0, SEEK_END) == 0) {
			r.fsize = ftell(r.fp);
			if (fseek(r.fp, pos, SEEK_SET) != 0)
				r.fsize = 0;
		}
		if (r.fsize <= 0)
			r.fp = NULL;
		r.t0 = r.tlast = mono_now();
	}
	pc->files++;
	if (cfg->format == FMT_PACKETS) {
		while (rd_dispatch(&r, CAP_DISPATCH, line_one, &r))
			;
	} else if (cfg->threads < 2 || !read_piped(&r, t)) {
		struct cap_direct d = { &r, t };

		while (rd_dispatch(&r, CAP_DISPATCH, direct_one, &d))
			;
	}
	if (r.fp != NULL && r.tlast != r.t0)
		fputs("\r\033[K", stderr);
	close_offline(&r);
	return r.st;
}

/* ---- live capture ---- */

/*
 * Timers run this far behind the wall clock, so that a packet still in
 * the kernel's ring when the clock is read is not older than the engine's
 * notion of now (a TIME_WAIT must not expire under a FIN in flight).
 */
#define LIVE_SLACK_NS	(500 * 1000000LL)
#define LIVE_TICK	1.0	/* seconds between timer runs when idle */
#define LIVE_TIMEOUT_MS	100	/* buffer timeout, if immediate mode is not */
#define LIVE_USER	"nobody"	/* -Z default when started as root */

struct cap_live {
	const struct sf_config *cfg;
	pcap_t		*p;
	pcap_dumper_t	*dump;		/* -w, or NULL */
	char		*dev;		/* interface name */
	int		dlt;
	int		nano;		/* timestamps in nanoseconds */
	int		fd;		/* selectable descriptor, or -1 */
	bool		created;	/* the -w file is ours */
	bool		stats_warned;
	bool		sig_set;
	struct sigaction old_int;
	struct sigaction old_term;
	struct trk	*t;
	struct rpt_counters *pc;
};

/*
 * The only mutable globals besides the configuration: a signal handler
 * can reach nothing else.  The handler sets the flag and breaks the loop,
 * nothing more (both are async-signal-safe).
 */
static volatile sig_atomic_t live_stop;
static pcap_t *volatile live_pcap;

static void
on_signal(int sig)
{
	(void)sig;
	live_stop = 1;
	if (live_pcap != NULL)
		pcap_breakloop(live_pcap);
}

static int64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* libpcap's default: the first device pcap_findalldevs() lists. */
static int
default_device(char **dev, struct sf_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_if_t *all;

	errbuf[0] = '\0';
	if (pcap_findalldevs(&all, errbuf) == -1)
		return sf_seterr(err, "cannot list capture devices: %s",
		    errbuf);
	if (all == NULL)
		return sf_seterr(err, "no capture device found; give one "
		    "with -i");
	*dev = strdup(all->name);
	pcap_freealldevs(all);
	if (*dev == NULL)
		return sf_seterr(err, "out of memory");
	return 0;
}

/* One sentence for an activation status, with libpcap's own details. */
static void
status_text(pcap_t *p, int rv, char *buf, size_t len)
{
	const char *detail = pcap_geterr(p);

	if (rv == PCAP_ERROR || rv == PCAP_WARNING)
		snprintf(buf, len, "%s", detail);
	else if (detail != NULL && *detail != '\0' &&
	    strcmp(detail, pcap_statustostr(rv)) != 0)
		snprintf(buf, len, "%s (%s)", pcap_statustostr(rv), detail);
	else
		snprintf(buf, len, "%s", pcap_statustostr(rv));
}

static int
set_options(struct cap_live *l, struct sf_err *err)
{
	const struct sf_config *cfg = l->cfg;
	int promisc = !cfg->promisc_off && strcmp(l->dev, "any") != 0;
	int rv;

	/* Each setter fails only on an activated handle; check anyway. */
	if ((rv = pcap_set_snaplen(l->p, cfg->snaplen)) != 0 ||
	    (rv = pcap_set_promisc(l->p, promisc)) != 0 ||
	    (rv = pcap_set_timeout(l->p, LIVE_TIMEOUT_MS)) != 0)
		goto fail;
#ifdef HAVE_PCAP_SET_IMMEDIATE_MODE
	if ((rv = pcap_set_immediate_mode(l->p, 1)) != 0)
		goto fail;
#endif
	if (cfg->bufsize > 0 &&
	    (rv = pcap_set_buffer_size(l->p, cfg->bufsize * 1024)) != 0)
		goto fail;
	rv = pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_NANO);
	if (rv != 0 && rv != PCAP_ERROR_TSTAMP_PRECISION_NOTSUP)
		goto fail;
	return 0;
fail:
	return sf_seterr(err, "%s: cannot set capture options: %s", l->dev,
	    pcap_statustostr(rv));
}

static int
set_filter(struct cap_live *l, struct sf_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	bpf_u_int32 net, mask;
	const char *f = l->cfg->filter;

	/* The netmask only matters for "ip broadcast". */
	if (pcap_lookupnet(l->dev, &net, &mask, errbuf) == -1)
		mask = PCAP_NETMASK_UNKNOWN;
	if (pcap_compile(l->p, &prog, f, 1, mask) == -1)
		return sf_seterr(err, "%s: bad filter \"%s\": %s", l->dev, f,
		    pcap_geterr(l->p));
	if (pcap_setfilter(l->p, &prog) == -1) {
		sf_seterr(err, "%s: cannot set filter \"%s\": %s", l->dev, f,
		    pcap_geterr(l->p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

enum cap_status
cap_open_live(const struct sf_config *cfg, struct cap_live **out,
    struct sf_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE], msg[PCAP_ERRBUF_SIZE + 128];
	struct cap_live *l;
	struct stat sb;
	enum cap_status st = CAP_OPEN_FAILED;
	int rv;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		sf_seterr(err, "out of memory");
		return CAP_OPEN_FAILED;
	}
	l->cfg = cfg;
	l->fd = -1;
	if (cfg->iface == NULL) {
		if (default_device(&l->dev, err) == -1)
			goto fail;
	} else if ((l->dev = strdup(cfg->iface)) == NULL) {
		sf_seterr(err, "out of memory");
		goto fail;
	}
	errbuf[0] = '\0';
	if ((l->p = pcap_create(l->dev, errbuf)) == NULL) {
		sf_seterr(err, "%s: %s", l->dev, errbuf);
		goto fail;
	}
	if (set_options(l, err) == -1)
		goto fail;
	rv = pcap_activate(l->p);
	status_text(l->p, rv, msg, sizeof(msg));
	if (rv < 0) {
		if (rv == PCAP_ERROR_PERM_DENIED ||
		    rv == PCAP_ERROR_PROMISC_PERM_DENIED)
			sf_seterr(err, "%s: %s; run as root or with "
			    "CAP_NET_RAW", l->dev, msg);
		else
			sf_seterr(err, "%s: %s", l->dev, msg);
		goto fail;
	}
	if (rv > 0)
		fprintf(stderr, "synfin: %s: warning: %s\n", l->dev, msg);
	l->nano = pcap_get_tstamp_precision(l->p) ==
	    PCAP_TSTAMP_PRECISION_NANO;
	l->dlt = pcap_datalink(l->p);
	if (!dec_link_supported(l->dlt)) {
		const char *name = pcap_datalink_val_to_name(l->dlt);

		fprintf(stderr, "synfin: %s: link type %d (%s) is not "
		    "supported; its packets are skipped and counted\n",
		    l->dev, l->dlt, name != NULL ? name : "unknown");
	}
	if (cfg->filter != NULL && set_filter(l, err) == -1) {
		st = CAP_BAD_FILTER;
		goto fail;
	}
	/*
	 * Without a selectable descriptor the handle stays blocking and the
	 * buffer timeout paces the loop.
	 */
	if ((l->fd = pcap_get_selectable_fd(l->p)) >= 0 &&
	    pcap_setnonblock(l->p, 1, errbuf) == -1) {
		sf_seterr(err, "%s: %s", l->dev, errbuf);
		goto fail;
	}
	if (cfg->write_file != NULL) {
		l->created = stat(cfg->write_file, &sb) == -1 &&
		    errno == ENOENT;
		if ((l->dump = pcap_dump_open(l->p, cfg->write_file)) ==
		    NULL) {
			sf_seterr(err, "%s: %s", cfg->write_file,
			    pcap_geterr(l->p));
			goto fail;
		}
	}
	*out = l;
	return CAP_OK;
fail:
	cap_close_live(l);
	return st;
}

const char *
cap_live_device(const struct cap_live *l)
{
	return l->dev;
}

int
cap_drop_privileges(struct cap_live *l, const char *user,
    struct sf_err *err)
{
	struct passwd *pw;
	char *name;
	uid_t uid;
	gid_t gid;
	int rv = 0;

	if (getuid() != 0 && geteuid() != 0)
		return 0;	/* nothing to give up */
	errno = 0;
	if ((pw = getpwnam(user != NULL ? user : LIVE_USER)) == NULL) {
		if (user != NULL)
			return sf_seterr(err, "-Z %s: no such user", user);
		fprintf(stderr, "synfin: warning: no user \"%s\"; the "
		    "capture runs as root (give -Z USER)\n", LIVE_USER);
		return 0;
	}
	if (pw->pw_uid == 0)
		return 0;	/* -Z root: stay */
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if ((name = strdup(pw->pw_name)) == NULL)
		return sf_seterr(err, "out of memory");
	/* A -w file we created belongs to the user named with -Z. */
	if (user != NULL && l->dump != NULL && l->created &&
	    fchown(fileno(pcap_dump_file(l->dump)), uid, gid) == -1)
		rv = sf_seterr(err, "%s: cannot give it to %s: %s",
		    l->cfg->write_file, name, strerror(errno));
	else if (initgroups(name, gid) == -1)
		rv = sf_seterr(err, "-Z %s: initgroups: %s", name,
		    strerror(errno));
	else if (setgid(gid) == -1)
		rv = sf_seterr(err, "-Z %s: setgid: %s", name,
		    strerror(errno));
	else if (setuid(uid) == -1)
		rv = sf_seterr(err, "-Z %s: setuid: %s", name,
		    strerror(errno));
	else if (setuid(0) != -1)
		rv = sf_seterr(err, "-Z %s: root privileges could be "
		    "regained", name);
	free(name);
	return rv;
}

static void
live_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct cap_live *l = (struct cap_live *)(void *)arg;
	struct dec_seg seg;
	char line[512];

	if (l->dump != NULL)
		pcap_dump((u_char *)l->dump, h, data);
	if (!decode_one(l->pc, l->dlt, l->nano, h, data, &seg))
		return;
	if (l->cfg->format == FMT_PACKETS) {
		dec_format_seg(&seg, line, sizeof(line));
		puts(line);
	} else {
		trk_segment(l->t, &seg, l->pc->packets);
	}
}

/* Kernel drop counters, cumulative since activation. */
static void
live_stats(struct cap_live *l)
{
	struct pcap_stat ps;

	if (pcap_stats(l->p, &ps) == 0) {
		l->pc->kernel_drops = ps.ps_drop;
		l->pc->if_drops = ps.ps_ifdrop;
	} else if (!l->stats_warned) {
		fprintf(stderr, "synfin: %s: warning: no drop counts: %s\n",
		    l->dev, pcap_geterr(l->p));
		l->stats_warned = true;
	}
}

static int
live_signals(struct cap_live *l, struct sf_err *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: poll(2) returns EINTR */
	live_stop = 0;
	live_pcap = l->p;
	if (sigaction(SIGINT, &sa, &l->old_int) == -1)
		return sf_seterr(err, "sigaction: %s", strerror(errno));
	if (sigaction(SIGTERM, &sa, &l->old_term) == -1) {
		sf_seterr(err, "sigaction: %s", strerror(errno));
		sigaction(SIGINT, &l->old_int, NULL);
		return -1;
	}
	l->sig_set = true;
	return 0;
}

/* Packets left for -c, as pcap_dispatch() counts them (-1: all). */
static int
live_budget(const struct cap_live *l)
{
	int64_t left;

	if (l->cfg->count <= 0)
		return -1;
	left = l->cfg->count - (int64_t)l->pc->packets;
	return left > INT_MAX ? INT_MAX : (int)left;
}

enum cap_status
cap_run_live(struct cap_live *l, struct trk *t, struct rpt *r,
    struct rpt_counters *pc, struct sf_err *err)
{
	const struct sf_config *cfg = l->cfg;
	const char *name = pcap_datalink_val_to_name(l->dlt);
	const char *desc = pcap_datalink_val_to_description(l->dlt);
	bool engine = cfg->format != FMT_PACKETS;
	enum cap_status st = CAP_OK;
	struct pollfd pfd;
	double now, next_tick, next_iv, end, wake;
	int64_t prev_wall, wall;
	int n, timeout;

	l->t = t;
	l->pc = pc;
	pc->live = 1;
	if (live_signals(l, err) == -1)
		return CAP_OPEN_FAILED;
	fprintf(stderr, "synfin: listening on %s, link-type %s (%s), "
	    "snapshot length %d bytes\n", l->dev, name != NULL ? name : "?",
	    desc != NULL ? desc : "?", pcap_snapshot(l->p));
	now = mono_now();
	next_tick = now + LIVE_TICK;
	next_iv = cfg->interval > 0 ? now + cfg->interval : 0;
	end = cfg->duration > 0 ? now + cfg->duration : 0;
	prev_wall = wall_ns();
	for (;;) {
		if (live_stop)
			break;
		if (cfg->count > 0 && (int64_t)pc->packets >= cfg->count) {
			st = CAP_STOPPED;
			break;
		}
		if (l->fd >= 0) {
			wake = next_tick;
			if (next_iv > 0 && next_iv < wake)
				wake = next_iv;
			if (end > 0 && end < wake)
				wake = end;
			timeout = (int)((wake - mono_now()) * 1000.0) + 1;
			if (timeout < 0)
				timeout = 0;
			pfd.fd = l->fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, timeout) == -1 && errno != EINTR) {
				sf_seterr(err, "%s: poll: %s", l->dev,
				    strerror(errno));
				st = CAP_DAMAGED;
				break;
			}
		}
		n = pcap_dispatch(l->p, live_budget(l), live_packet,
		    (u_char *)l);
		if (n == PCAP_ERROR_BREAK)
			continue;	/* live_stop is set */
		if (n < 0) {
			sf_seterr(err, "%s: %s", l->dev, pcap_geterr(l->p));
			st = CAP_DAMAGED;
			break;
		}
		if (n > 0 && l->dump != NULL &&
		    pcap_dump_flush(l->dump) == -1) {
			sf_seterr(err, "%s: %s", cfg->write_file,
			    strerror(errno));
			st = CAP_DAMAGED;
			break;
		}
		if (n > 0 && !engine)
			fflush(stdout);
		now = mono_now();
		if (now >= next_tick) {
			wall = wall_ns();
			if (engine) {
				trk_advance(t, wall - LIVE_SLACK_NS);
				rpt_live_tick(r, t, prev_wall, wall);
			}
			prev_wall = wall;
			next_tick = now + LIVE_TICK;
		}
		if (next_iv > 0 && now >= next_iv) {
			live_stats(l);
			rpt_interval(r, t, pc, wall_ns());
			while (next_iv <= now)
				next_iv += cfg->interval;
		}
		if (end > 0 && now >= end)
			break;
	}
	/*
	 * Packets the kernel queued before the signal are analysed too: one
	 * more pass over the ring (the first may only consume the break).
	 */
	if (live_stop && l->fd >= 0 && st == CAP_OK) {
		n = pcap_dispatch(l->p, live_budget(l), live_packet,
		    (u_char *)l);
		if (n == PCAP_ERROR_BREAK)
			n = pcap_dispatch(l->p, live_budget(l), live_packet,
			    (u_char *)l);
	}
	if (l->dump != NULL && pcap_dump_flush(l->dump) == -1 &&
	    st != CAP_DAMAGED) {
		sf_seterr(err, "%s: %s", cfg->write_file, strerror(errno));
		st = CAP_DAMAGED;
	}
	live_stats(l);
	if (engine)
		trk_advance(t, wall_ns());
	return st;
}

void
cap_close_live(struct cap_live *l)
{
	if (l == NULL)
		return;
	if (l->sig_set) {
		sigaction(SIGINT, &l->old_int, NULL);
		sigaction(SIGTERM, &l->old_term, NULL);
	}
	live_pcap = NULL;
	if (l->dump != NULL)
		pcap_dump_close(l->dump);
	if (l->p != NULL)
		pcap_close(l->p);
	free(l->dev);
	free(l);
}
