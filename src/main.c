/*
 * main.c: options, usage and exit statuses of synfin(1).  No analysis
 * logic lives here: it parses the command line into struct sf_config,
 * wires capture -> engine -> reports, and maps outcomes to exit codes.
 */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <config.h>
#include "bigmem.h"
#include "capture.h"
#include "dedup.h"
#include "detect.h"
#include "err.h"
#include "report.h"
#include "track.h"

/*
 * 262 bytes hold every header synfin reads: a link header with two VLAN
 * tags (or Linux cooked v2), IPv6 with extension headers or a tunnel, and
 * a TCP header with 40 bytes of options.  Payload is never needed: its
 * length comes from the IP header.
 */
#define SNAPLEN_DEFAULT	262
#define SNAPLEN_MAX	262144

enum {
	OPT_JSON = 256, OPT_FORMAT, OPT_PACKETS, OPT_MSL, OPT_IDLE,
	OPT_SYN_TIMEOUT, OPT_LINGER, OPT_CLOSE_WAIT, OPT_MAX_FLOWS,
	OPT_MAX_EVENTS, OPT_PORT_RANGE, OPT_AT,
	OPT_HELP, OPT_VERSION, OPT_NO_PROGRESS, OPT_DURATION, OPT_INTERVAL,
	OPT_THREADS, OPT_KEEP_DUPS
};

static const struct option longopts[] = {
	{ "at", required_argument, NULL, OPT_AT },
	{ "close-wait", required_argument, NULL, OPT_CLOSE_WAIT },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "syn-timeout", required_argument, NULL, OPT_SYN_TIMEOUT },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "interface", required_argument, NULL, 'i' },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "keep-duplicates", no_argument, NULL, OPT_KEEP_DUPS },
	{ "max-events", required_argument, NULL, OPT_MAX_EVENTS },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "msl", required_argument, NULL, OPT_MSL },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "packets", no_argument, NULL, OPT_PACKETS },
	{ "port-range", required_argument, NULL, OPT_PORT_RANGE },
	{ "read", required_argument, NULL, 'r' },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: synfin [-np] [-B size] [-c count] [-i interface] [-r file]\n"
"              [-s snaplen] [-w file] [-Z user] [--json | --format fmt]\n"
"              [--packets] [--duration seconds] [--interval seconds]\n"
"              [--msl seconds] [--idle-timeout seconds]\n"
"              [--syn-timeout seconds] [--linger seconds]\n"
"              [--close-wait seconds] [--max-flows n] [--max-events n]\n"
"              [--port-range lo-hi] [--at time] [--threads n]\n"
"              [--keep-duplicates] [file ...] [expression]\n"
"       synfin --help | --version\n");
}

static void
help(void)
{
	usage(stdout);
	printf(
"\nReads pcap/pcapng captures, or captures live on an interface, and explains\n"
"every TCP connection's handshake and close, every RST, 2*MSL violations,\n"
"CLOSE_WAIT and TIME_WAIT.\n\n"
"  -r FILE              read FILE (\"-\" is stdin); files may also follow\n"
"  -i IFACE             capture live on IFACE (\"any\": all); without -i and\n"
"                       without a file, libpcap's default device\n"
"  -c COUNT             stop after COUNT packets\n"
"  -n                   accepted for tcpdump habits; output is numeric\n"
"  -p                   live: do not put the interface in promiscuous mode\n"
"  -s SNAPLEN           live: bytes kept per packet (262: every header)\n"
"  -B KIB               live: kernel capture buffer size in KiB\n"
"  -w FILE              live: also save the raw packets to FILE (pcap)\n"
"  -Z USER              live, as root: run as USER once the device and the\n"
"                       -w file are open (default nobody; root: stay root)\n"
"  --duration SECONDS   live: stop after SECONDS\n"
"  --interval SECONDS   live: print counters and the netstat view this often\n"
"  --json               JSON lines: one object per connection, then a summary\n"
"  --format FMT         text (default), json, zeek (Zeek's conn.log) or\n"
"                       zeek-json (conn.log as Zeek's JSON lines)\n"
"  --packets            print one decoded line per TCP segment, nothing else\n"
"  --msl SECONDS        maximum segment lifetime; TIME_WAIT is 2*MSL (30)\n"
"  --idle-timeout SECS  expire idle connections (3600)\n"
"  --syn-timeout SECS   expire a handshake that got no further this long\n"
"                       after its last segment (130; 0: --idle-timeout)\n"
"  --linger SECS        keep a closed connection, or one in TIME_WAIT, whole\n"
"                       this long after its last segment before it is\n"
"                       written (5; from 2*MSL on, TIME_WAIT is kept whole)\n"
"  --close-wait SECS    report CLOSE_WAIT longer than this (1)\n"
"  --max-flows N        cap on open connections; oldest idle evicted"
    " (0: none)\n"
"  --max-events N       cap on states and RSTs kept per endpoint (64)\n"
"  --port-range LO-HI   ephemeral port range for TIME_WAIT pressure\n"
"                       (32768-60999)\n"
"  --at TIME            netstat view at TIME (seconds since the epoch)\n"
"  --no-progress        no progress line on a terminal\n"
"  --threads N          files: 2 reads and decodes in a thread of its own\n"
"                       while the analysis runs (default), 1 does both in\n"
"                       one thread; the output is the same\n"
"  --keep-duplicates    analyse every copy of a segment that the capture"
    " holds\n"
"                       more than once (default: copies seen within 50 ms, or\n"
"                       1 ms without an IPv4 ID, are counted and left out)\n"
"  EXPRESSION           a pcap-filter(7) expression, as with tcpdump\n\n"
"Live capture prints RSTs and findings as they happen and each connection\n"
"as it ends; SIGINT or SIGTERM stops it and prints the final report.\n\n"
"Exit status: 0 ok, 1 usage, bad filter or unknown -Z user, 2 input missing\n"
"or damaged, or interface that cannot be opened (the report covers what was\n"
"read), 3 resource limit.\n");
}

/*
 * A plain decimal number of seconds ("1795424701.4612"), digit by digit
 * to the nanosecond (rounded on the tenth decimal): a double holds about
 * 16 digits, and that one came out as 1795424701.461199872.  0 if s is
 * not of that form, -1 if it is but above max seconds.
 */
static int
decimal_secs(const char *s, int64_t max, int64_t *ns)
{
	const unsigned char *p = (const unsigned char *)s;
	int64_t sec = 0, frac = 0, scale = 100000000;
	bool any = false;

	if (*p == '+')
		p++;
	for (; isdigit(*p); p++, any = true)
		if ((sec = sec * 10 + (*p - '0')) > max)
			return -1;
	if (*p == '.')
		for (p++; isdigit(*p); p++, any = true) {
			if (scale > 0)
				frac += (*p - '0') * scale;
			else if (scale == 0 && *p >= '5')
				frac++;
			scale = scale > 0 ? scale / 10 : -1;
		}
	if (!any || *p != '\0')
		return 0;
	if (frac == 1000000000) {
		sec++;
		frac = 0;
	}
	if (sec > max || (sec == max && frac > 0))
		return -1;
	*ns = sec * 1000000000 + frac;
	return 1;
}

/*
 * The largest values, in seconds, so that a capture time (below 2^32 s,
 * capture.c) plus any of them stays in an int64_t of nanoseconds: a
 * span (a timeout, an MSL, an interval) up to 10^9 s, about 31 years, and
 * an instant (--at) up to 2^32 s, in 2106, where capture times end.
 */
#define SECS_SPAN_MAX	1000000000LL
#define SECS_AT_MAX	4294967296LL

static int
parse_secs_max(const char *s, const char *opt, int64_t max, int64_t *ns)
{
	char *end;
	double v;
	int rc;

	if ((rc = decimal_secs(s, max, ns)) == 1)
		return 0;
	if (rc == 0) {
		/* Not a plain decimal (an exponent, say): strtod() reads it. */
		errno = 0;
		v = strtod(s, &end);
		if (errno == 0 && end != s && *end == '\0' && isfinite(v) &&
		    v >= 0 && v <= (double)max) {
			*ns = (int64_t)llround(v * 1e9);
			return 0;
		}
	}
	fprintf(stderr, "synfin: %s: bad number of seconds \"%s\" (0 to "
	    "%lld)\n", opt, s, (long long)max);
	return -1;
}

static int
parse_secs(const char *s, const char *opt, int64_t *ns)
{
	return parse_secs_max(s, opt, SECS_SPAN_MAX, ns);
}

static int
parse_u64(const char *s, const char *opt, unsigned long long max,
    unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || *s == '-') {
		fprintf(stderr, "synfin: %s: bad number \"%s\"\n", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Join the trailing arguments that are not files into one filter. */
static char *
join_filter(char **argv, int argc)
{
	size_t len = 1;
	char *f;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((f = malloc(len)) == NULL)
		return NULL;
	f[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(f, " ");
		strcat(f, argv[i]);
	}
	return f;
}

/*
 * tcpdump takes files with -r only; synfin also takes them as operands.
 * Leading operands that name existing files (or "-") are inputs; the
 * rest, if any, is the filter expression.
 */
static int
split_operands(struct sf_config *cfg, char **argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") != 0 && access(argv[i], F_OK) != 0) {
			if (i == 0 && cfg->nfiles == 0 &&
			    strchr(argv[i], '.') != NULL &&
			    strchr(argv[i], ' ') == NULL)
				break;	/* likely a missing file: say so */
			break;
		}
		cfg->files[cfg->nfiles++] = argv[i];
	}
	if (i < argc) {
		/* A missing "file.pcap" is an input error, not a filter. */
		if (cfg->nfiles == 0 && argc - i == 1 &&
		    (strstr(argv[i], ".pcap") != NULL ||
		    strchr(argv[i], '/') != NULL)) {
			cfg->files[cfg->nfiles++] = argv[i];
			return 0;
		}
		if ((cfg->filter = join_filter(argv + i, argc - i)) == NULL)
			return -1;
	}
	return 0;
}

/* Free what the parsed configuration holds and pass the status on. */
static int
cfg_done(struct sf_config *cfg, int status)
{
	free(cfg->filter);
	free(cfg->files);
	cfg->filter = NULL;
	cfg->files = NULL;
	return status;
}

int
main(int argc, char **argv)
{
	struct sf_config cfg;
	struct rpt_counters pc;
	struct trk_sink sink;
	struct sf_err err;
	struct det_agg *agg = NULL;
	struct rpt *rpt = NULL;
	struct trk *trk = NULL;
	struct cap_live *lv = NULL;
	const char *live_opt = NULL;	/* an option only live capture takes */
	unsigned long long u;
	enum cap_status cs;
	int64_t ns;
	int ch, i, status = SF_EXIT_OK;
	bool snaplen_set = false;
	unsigned lo, hi;
	bool live;

	cfg_init(&cfg);
	memset(&pc, 0, sizeof(pc));
	cfg.snaplen = SNAPLEN_DEFAULT;
	cfg.progress = isatty(STDERR_FILENO);
	if ((cfg.files = calloc((size_t)argc + 1, sizeof(char *))) == NULL) {
		fprintf(stderr, "synfin: out of memory\n");
		return SF_EXIT_LIMIT;
	}

	while ((ch = getopt_long(argc, argv, "+B:c:i:npr:s:w:Z:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'B':
			if (parse_u64(optarg, "-B", INT_MAX / 1024, &u) == -1 ||
			    u == 0) {
				fprintf(stderr, "synfin: -B: a size in KiB, at "
				    "least 1\n");
				return cfg_done(&cfg, SF_EXIT_USAGE);
			}
			cfg.bufsize = (int)u;
			live_opt = "-B";
			break;
		case 'c':
			if (parse_u64(optarg, "-c", LLONG_MAX, &u) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			cfg.count = (int64_t)u;
			break;
		case 'i':
			cfg.iface = optarg;
			break;
		case 'n':
			cfg.numeric = true;
			break;
		case 'p':
			cfg.promisc_off = true;
			live_opt = "-p";
			break;
		case 'r':
			cfg.files[cfg.nfiles++] = optarg;
			break;
		case 's':
			/* As tcpdump: 0 means the largest, 262144. */
			if (parse_u64(optarg, "-s", SNAPLEN_MAX, &u) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			cfg.snaplen = u == 0 ? SNAPLEN_MAX : (int)u;
			snaplen_set = true;
			live_opt = "-s";
			break;
		case 'w':
			if (strcmp(optarg, "-") == 0) {
				fprintf(stderr, "synfin: -w: standard output "
				    "carries the report; name a file\n");
				return cfg_done(&cfg, SF_EXIT_USAGE);
			}
			cfg.write_file = optarg;
			live_opt = "-w";
			break;
		case 'Z':
			cfg.user = optarg;
			live_opt = "-Z";
			break;
		case OPT_DURATION:
			if (parse_secs(optarg, "--duration", &ns) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			cfg.duration = (double)ns / 1e9;
			live_opt = "--duration";
			break;
		case OPT_INTERVAL:
			if (parse_secs(optarg, "--interval", &ns) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			cfg.interval = (double)ns / 1e9;
			live_opt = "--interval";
			break;
		case OPT_JSON:
			cfg.format = FMT_JSON;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				cfg.format = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				cfg.format = FMT_JSON;
			else if (strcmp(optarg, "zeek") == 0)
				cfg.format = FMT_ZEEK;
			else if (strcmp(optarg, "zeek-json") == 0)
				cfg.format = FMT_ZEEK_JSON;
			else {
				fprintf(stderr, "synfin: --format: unknown "
				    "format \"%s\" (text, json, zeek, "
				    "zeek-json)\n", optarg);
				return cfg_done(&cfg, SF_EXIT_USAGE);
			}
			break;
		case OPT_PACKETS:
			cfg.format = FMT_PACKETS;
			break;
		case OPT_MSL:
			if (parse_secs(optarg, "--msl", &cfg.msl_ns) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			break;
		case OPT_IDLE:
			if (parse_secs(optarg, "--idle-timeout",
			    &cfg.idle_ns) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			break;
		case OPT_SYN_TIMEOUT:
			if (parse_secs(optarg, "--syn-timeout",
			    &cfg.syn_timeout_ns) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			break;
		case OPT_LINGER:
			if (parse_secs(optarg, "--linger",
			    &cfg.linger_ns) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			break;
		case OPT_CLOSE_WAIT:
			if (parse_secs(optarg, "--close-wait",
			    &cfg.close_wait_ns) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			break;
		case OPT_MAX_FLOWS:
			if (parse_u64(optarg, "--max-flows", SIZE_MAX,
			    &u) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			cfg.max_flows = (size_t)u;
			break;
		case OPT_MAX_EVENTS:
			if (parse_u64(optarg, "--max-events", 1u << 20,
			    &u) == -1 || u < 4) {
				fprintf(stderr, "synfin: --max-events: at "
				    "least 4\n");
				return cfg_done(&cfg, SF_EXIT_USAGE);
			}
			cfg.max_events = (unsigned)u;
			break;
		case OPT_PORT_RANGE:
			if (sscanf(optarg, "%u-%u", &lo, &hi) != 2 || lo == 0 ||
			    hi > 65535 || lo > hi) {
				fprintf(stderr, "synfin: --port-range: "
				    "expected LO-HI, e.g. 32768-60999\n");
				return cfg_done(&cfg, SF_EXIT_USAGE);
			}
			cfg.port_lo = lo;
			cfg.port_hi = hi;
			break;
		case OPT_AT:
			if (parse_secs_max(optarg, "--at", SECS_AT_MAX,
			    &cfg.at_ns) == -1)
				return cfg_done(&cfg, SF_EXIT_USAGE);
			cfg.at_set = true;
			break;
		case OPT_NO_PROGRESS:
			cfg.progress = false;
			break;
		case OPT_KEEP_DUPS:
			cfg.keep_dups = true;
			break;
		case OPT_THREADS:
			if (parse_u64(optarg, "--threads", 2, &u) == -1 ||
			    u < 1) {
				fprintf(stderr, "synfin: --threads: 1 or 2\n");
				return cfg_done(&cfg, SF_EXIT_USAGE);
			}
			cfg.threads = (int)u;
			break;
		case OPT_HELP:
			help();
			return cfg_done(&cfg, SF_EXIT_OK);
		case OPT_VERSION:
			printf("synfin %s\n", PACKAGE_VERSION);
			return cfg_done(&cfg, SF_EXIT_OK);
		default:
			usage(stderr);
			return cfg_done(&cfg, SF_EXIT_USAGE);
		}
	}
	/* With -i every operand is the filter; without, files come first. */
	if (cfg.iface != NULL && cfg.nfiles > 0) {
		fprintf(stderr, "synfin: -i and -r (or file operands) "
		    "exclude each other\n");
		usage(stderr);
		return cfg_done(&cfg, SF_EXIT_USAGE);
	}
	if (cfg.iface != NULL && optind < argc)
		cfg.filter = join_filter(argv + optind, argc - optind);
	if ((cfg.iface != NULL && optind < argc && cfg.filter == NULL) ||
	    (cfg.iface == NULL &&
	    split_operands(&cfg, argv + optind, argc - optind) == -1)) {
		fprintf(stderr, "synfin: out of memory\n");
		return cfg_done(&cfg, SF_EXIT_LIMIT);
	}
	live = cfg.nfiles == 0;
	/*
	 * Zeek's history and missed_bytes count payload the capture did not
	 * keep as a gap, so its formats capture whole packets unless -s says
	 * otherwise.
	 */
	if (live && !snaplen_set && (cfg.format == FMT_ZEEK ||
	    cfg.format == FMT_ZEEK_JSON))
		cfg.snaplen = SNAPLEN_MAX;
	if (!live && live_opt != NULL) {
		fprintf(stderr, "synfin: %s: only for live capture (-i)\n",
		    live_opt);
		return cfg_done(&cfg, SF_EXIT_USAGE);
	}
	if (live && cfg.user != NULL && getpwnam(cfg.user) == NULL) {
		fprintf(stderr, "synfin: -Z %s: no such user\n", cfg.user);
		return cfg_done(&cfg, SF_EXIT_USAGE);
	}
	if (live) {
		cfg.progress = false;
		cfg.live_verdicts = cfg.format == FMT_TEXT ||
		    cfg.format == FMT_JSON;
		err.msg[0] = '\0';
		if ((cs = cap_open_live(&cfg, &lv, &err)) != CAP_OK) {
			fprintf(stderr, "synfin: %s\n", err.msg);
			return cfg_done(&cfg, cs == CAP_BAD_FILTER ?
			    SF_EXIT_USAGE : SF_EXIT_INPUT);
		}
		/* Nothing is read or written as root from here on. */
		if (cap_drop_privileges(lv, cfg.user, &err) == -1) {
			fprintf(stderr, "synfin: %s\n", err.msg);
			cap_close_live(lv);
			return cfg_done(&cfg, SF_EXIT_INPUT);
		}
	}

	if ((agg = det_agg_new(&cfg)) == NULL ||
	    (rpt = rpt_new(&cfg, stdout)) == NULL) {
		fprintf(stderr, "synfin: out of memory\n");
		return SF_EXIT_LIMIT;
	}
	rpt_sink(rpt, &sink);
	/*
	 * Capture duplicates are left out of synfin's own reports; the Zeek
	 * formats keep them, as Zeek does (they are its T and t letters).
	 */
	if (cfg.format != FMT_TEXT && cfg.format != FMT_JSON)
		cfg.keep_dups = true;
	if ((trk = trk_new(&cfg, agg, &sink)) == NULL ||
	    (!cfg.keep_dups && (pc.dedup = dup_new()) == NULL)) {
		fprintf(stderr, "synfin: out of memory\n");
		return SF_EXIT_LIMIT;
	}

	if (live) {
		err.msg[0] = '\0';
		cs = cap_run_live(lv, trk, rpt, &pc, &err);
		if (cs == CAP_OPEN_FAILED || cs == CAP_DAMAGED) {
			fprintf(stderr, "synfin: %s\n", err.msg);
			pc.input_error = 1;
			status = SF_EXIT_INPUT;
		}
	}
	/*
	 * Reading files on more than one thread, the memory the engine grows
	 * into is faulted in off its thread while they are read, by a helper
	 * that read_piped() (capture.c) starts once the reading thread runs.
	 * Not for the end of the capture: there it spared the engine's
	 * thread a few tens of milliseconds of page clearing but raised the
	 * peak RSS by 8 MB at 400k connections and 17-20 MB at 1.6M
	 * (doc/performance-history.md, twelfth round).  On one thread,
	 * whether huge pages are cheap here is found out at once (bigmem.h).
	 */
	if (cfg.nfiles > 0 && cfg.threads < 2 && cfg.format != FMT_PACKETS)
		big_huge_probe();
	for (i = 0; i < cfg.nfiles; i++) {
		err.msg[0] = '\0';
		cs = cap_read_file(&cfg, cfg.files[i], trk, &pc, &err);
		if (cs == CAP_BAD_FILTER) {
			fprintf(stderr, "synfin: %s\n", err.msg);
			status = SF_EXIT_USAGE;
			break;
		}
		if (cs == CAP_OPEN_FAILED || cs == CAP_DAMAGED) {
			fprintf(stderr, "synfin: %s\n", err.msg);
			pc.input_error = 1;
			status = SF_EXIT_INPUT;
		}
		if (cs == CAP_STOPPED)
			break;
	}
	big_ahead_stop();

	if (cfg.format != FMT_PACKETS) {
		rpt_final_flush(rpt);
		trk_finish(trk);
		if (rpt_end(rpt, trk_stats(trk), agg, &pc) == -1) {
			fprintf(stderr, "synfin: writing the report: %s\n",
			    strerror(errno));
			if (status == SF_EXIT_OK)
				status = SF_EXIT_INPUT;
		}
		if (rpt_spill_errno(rpt) != 0)
			fprintf(stderr, "synfin: warning: the report's "
			    "temporary file (in $TMPDIR, else /tmp) took no "
			    "more: %s; the rest was written as it came, %s\n",
			    strerror(rpt_spill_errno(rpt)),
			    cfg.format == FMT_TEXT ?
			    "the verdict counts after the connections" :
			    "#open from the first row's time");
		if (trk_stats(trk)->alloc_failures > 0) {
			fprintf(stderr, "synfin: out of memory: %llu "
			    "segments could not be tracked\n",
			    (unsigned long long)trk_stats(trk)->alloc_failures);
			if (status == SF_EXIT_OK)
				status = SF_EXIT_LIMIT;
		}
	} else if (fflush(stdout) != 0) {
		status = SF_EXIT_INPUT;
	}
	cap_close_live(lv);
	rpt_free(rpt);		/* gives back what its thread still holds */
	trk_free(trk);
	det_agg_free(agg);
	dup_free(pc.dedup);
	free(cfg.filter);
	free(cfg.files);
	return status;
}
