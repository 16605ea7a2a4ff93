/*
 * cfg.h: the parsed command line, the one piece of global state.
 */
#ifndef SYNFIN_CFG_H
#define SYNFIN_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sf_format {
	FMT_TEXT = 0,
	FMT_JSON,
	FMT_ZEEK,
	FMT_ZEEK_JSON,
	FMT_PACKETS
};

struct sf_config {
	char		**files;	/* input files, NULL-terminated */
	int		nfiles;
	const char	*iface;		/* -i */
	char		*filter;	/* trailing BPF expression */
	const char	*write_file;	/* -w */
	const char	*user;		/* -Z */
	enum sf_format	format;
	bool		numeric;	/* -n: accepted, always numeric */
	bool		promisc_off;	/* -p */
	bool		progress;	/* progress line on a terminal */
	bool		at_set;
	bool		live_verdicts;	/* print verdicts as they happen */
	bool		keep_dups;	/* --keep-duplicates */
	int64_t		count;		/* -c, 0 = no limit */
	int		snaplen;	/* -s */
	int		bufsize;	/* -B, KiB */
	double		duration;	/* --duration, 0 = none */
	double		interval;	/* --interval, 0 = none */
	int64_t		msl_ns;		/* --msl */
	int64_t		idle_ns;	/* --idle-timeout */
	int64_t		syn_timeout_ns;	/* --syn-timeout, 0 = none */
	int64_t		close_wait_ns;	/* --close-wait */
	int64_t		linger_ns;	/* keep closed connections */
	int64_t		at_ns;		/* --at */
	size_t		max_flows;	/* --max-flows, 0 = none */
	unsigned	max_events;	/* --max-events per endpoint */
	unsigned	port_lo;	/* --port-range */
	unsigned	port_hi;
	int		threads;	/* --threads: 1, or 2 to read apart */
};

/* Fill cfg with the documented defaults. */
void	cfg_init(struct sf_config *cfg);

#endif /* SYNFIN_CFG_H */
