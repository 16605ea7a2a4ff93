/*
 * zeek.h: Zeek's view of a TCP connection, kept beside synfin's own, and
 * the writer of Zeek-compatible conn.log rows (TSV or JSON lines).
 *
 * The engine hands every segment to zk_update() right after its own
 * accounting.  The view follows Zeek's passive model: seven endpoint
 * states per host, the history letters with Zeek's repetition rules,
 * Zeek's choice of originator, sequence-span byte counts and content
 * gaps, and Zeek's timers.  Where Zeek would have flushed a connection
 * and started a new one with the same 5-tuple (an unanswered SYN after
 * 5 s, 5 s after a close, a SYN after a close, inactivity), the view
 * closes a row and starts the next inside the same synfin connection, so
 * one synfin connection can give several conn.log rows.  doc/zeek.md
 * explains each rule.
 */
#ifndef SYNFIN_ZEEK_H
#define SYNFIN_ZEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct conn;
struct dec_seg;
struct sf_config;

/* Longest history kept; Zeek's own is unbounded, ours is cut here. */
#define ZK_HIST_MAX	63

/* Zeek's endpoint states, in Zeek's order (TCP_Endpoint.h). */
enum zk_ep_state {
	ZK_INACTIVE = 0,	/* nothing sent yet */
	ZK_SYN_SENT,		/* sent a SYN, no SYN-ACK seen */
	ZK_SYN_ACK_SENT,	/* originator sent a SYN-ACK first */
	ZK_PARTIAL,		/* sent data or ACK, no SYN seen */
	ZK_ESTABLISHED,		/* handshake seen (either half) */
	ZK_CLOSED,		/* sent a FIN */
	ZK_RESET,		/* sent a RST */
	ZK_EP_MAX
};

/* conn_state codes; keep zk_conn_state_names[] (zeek.c) in order. */
enum zk_conn_state {
	ZK_S0 = 0,
	ZK_S1,
	ZK_SF,
	ZK_REJ,
	ZK_S2,
	ZK_S3,
	ZK_RSTO,
	ZK_RSTR,
	ZK_RSTOS0,
	ZK_RSTRH,
	ZK_SH,
	ZK_SHR,
	ZK_OTH,
	ZK_CS_MAX
};

/*
 * One conn.log row: a connection as Zeek would have logged it.  Arrays
 * of two are indexed by role: [0] originator, [1] responder.
 */
struct zk_row {
	int64_t		ts;		/* first packet, ns since the epoch */
	int64_t		duration;	/* last packet - first packet, ns */
	uint32_t	index;		/* row number inside the synfin conn */
	uint8_t		orig;		/* synfin side of Zeek's originator */
	uint8_t		state[2];	/* enum zk_ep_state at the end */
	uint8_t		conn_state;	/* enum zk_conn_state */
	uint64_t	bytes[2];	/* payload bytes, by sequence numbers */
	uint64_t	pkts[2];
	uint64_t	ip_bytes[2];
	uint64_t	missed;		/* bytes in content gaps */
	char		history[ZK_HIST_MAX + 1];
};

/* Apply one segment from side (CONN_CLIENT/CONN_SERVER) to c's view. */
void		zk_update(struct conn *c, int side, const struct dec_seg *seg);
/* Release c's view (conn_free_members() calls it). */
void		zk_free(struct conn *c);
/* Rows of a connection: finished ones first, then the open one. */
size_t		zk_row_count(const struct conn *c);
bool		zk_row(const struct conn *c, size_t i, struct zk_row *out);

const char	*zk_conn_state_name(unsigned cs);
const char	*zk_ep_state_name(unsigned st);
/* True for a port in synfin's copy of Zeek's likely_server_ports. */
bool		zk_likely_server_port(uint16_t port);

/* The conn.log writer (report.c drives it for --format zeek[-json]). */
struct zk_log;

struct zk_log	*zk_log_new(const struct sf_config *cfg, FILE *out);
void		zk_log_conn(struct zk_log *l, const struct conn *c);
/* Write what is left (header, rows, #close); -1 on a write error. */
int		zk_log_end(struct zk_log *l, int64_t first_ts, int64_t last_ts);
/* Why the rows' temporary file took no more (an errno), or 0. */
int		zk_log_spill_errno(const struct zk_log *l);
void		zk_log_free(struct zk_log *l);

#endif /* SYNFIN_ZEEK_H */
