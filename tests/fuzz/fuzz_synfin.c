/*
 * fuzz_synfin.c: a libFuzzer harness for synfin's whole input path.  The
 * fuzzer's bytes, less the first, are the contents of a capture file;
 * synfin's own main() (src/main.c built with -Dmain=synfin_main) reads it
 * in-process, so libpcap's savefile reader (pcap and pcapng), the decoder,
 * the flow table, the state machine, the detectors and the reports all
 * run as they do for a user.
 *
 * Key design: the first byte chooses the options (report format, small
 * caps, short timers, a filter, the file given twice), so that one
 * corpus reaches every report and every cap while the rest of the input
 * stays a capture that /tmp/fuzzb/synfin can read as it is (strip the
 * byte with "tail -c +2").  SYNFIN_FUZZ_ARGV=1 in the environment prints
 * the command line each input runs with.
 */
#define _GNU_SOURCE

#include <sys/mman.h>
#include <sys/types.h>

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FZ_MAXARGS	40

/* Bits 0-2 of the first byte: the report, as "synfin --help" lists. */
#define FZ_FMT_MASK	0x07
/* Bit 3: --max-flows 3 --max-events 4, so caps evict and truncate. */
#define FZ_CAPS		0x08
/* Bit 4: short timers, so TIME_WAIT, linger and idle expiry all fire. */
#define FZ_TIMERS	0x10
/* Bit 5: a pcap-filter(7) expression after the file. */
#define FZ_FILTER	0x20
/* Bit 6: the netstat view at a time, and a narrow port range. */
#define FZ_AT		0x40
/* Bit 7: the same file twice, so state carries from one to the next. */
#define FZ_TWICE	0x80

int	synfin_main(int, char **);
int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fz_fd = -1;		/* the memfd holding the capture */
static char	fz_path[64];		/* "/proc/self/fd/N" */
static FILE	*fz_null;		/* /dev/null, for synfin's output */
static int	fz_show_argv;

static const char *const fz_formats[8][4] = {
	{ NULL },
	{ "--json", NULL },
	{ "--format", "zeek", NULL },
	{ "--format", "zeek-json", NULL },
	{ "--packets", NULL },
	{ "--format", "text", "-c", "7" },
	{ "--format", "json", NULL },
	{ "--packets", "-c", "5", NULL },
};

/* The options of bits 3, 4 and 6 (see the #defines above). */
static const char *const fz_caps[] = {
	"--max-flows", "3", "--max-events", "4", NULL
};
static const char *const fz_timers[] = {
	"--msl", "0.5", "--linger", "0", "--idle-timeout", "2",
	"--syn-timeout", "1", "--close-wait", "0", NULL
};
static const char *const fz_at[] = {
	"--at", "1", "--port-range", "1000-2000", NULL
};
static const char *const fz_filter[] = { "tcp", "or", "vlan", NULL };
static const char *const fz_fixed[] = {
	"synfin", "--threads", "1", "--no-progress", NULL
};

/* Append the words of list, up to n of them (or to its NULL). */
static void
fz_push(char **argv, int *argc, const char *const *list, int n)
{
	int i;

	for (i = 0; i < n && list[i] != NULL; i++)
		if (*argc < FZ_MAXARGS - 1)
			argv[(*argc)++] = (char *)list[i];
}

/* Build synfin's argument vector for option byte opt. */
static int
fz_args(uint8_t opt, char **argv)
{
	const char *const path[] = { fz_path, NULL };
	int argc = 0;

	fz_push(argv, &argc, fz_fixed, FZ_MAXARGS);
	fz_push(argv, &argc, fz_formats[opt & FZ_FMT_MASK], 4);
	if (opt & FZ_CAPS)
		fz_push(argv, &argc, fz_caps, FZ_MAXARGS);
	if (opt & FZ_TIMERS)
		fz_push(argv, &argc, fz_timers, FZ_MAXARGS);
	if (opt & FZ_AT)
		fz_push(argv, &argc, fz_at, FZ_MAXARGS);
	fz_push(argv, &argc, path, 1);
	if (opt & FZ_TWICE)
		fz_push(argv, &argc, path, 1);
	if (opt & FZ_FILTER)
		fz_push(argv, &argc, fz_filter, FZ_MAXARGS);
	argv[argc] = NULL;
	return argc;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fz_fd = memfd_create("synfin-fuzz", 0)) == -1) {
		perror("memfd_create");
		abort();
	}
	snprintf(fz_path, sizeof(fz_path), "/proc/self/fd/%d", fz_fd);
	if ((fz_null = fopen("/dev/null", "w")) == NULL) {
		perror("/dev/null");
		abort();
	}
	fz_show_argv = getenv("SYNFIN_FUZZ_ARGV") != NULL;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FZ_MAXARGS];
	FILE *saved_out, *saved_err;
	int argc, i;

	if (size < 1)
		return 0;
	if (ftruncate(fz_fd, 0) == -1 ||
	    pwrite(fz_fd, data + 1, size - 1, 0) != (ssize_t)(size - 1)) {
		perror("memfd");
		abort();
	}
	argc = fz_args(data[0], argv);
	if (fz_show_argv) {
		for (i = 0; i < argc; i++)
			fprintf(stderr, "%s%s", i > 0 ? " " : "", argv[i]);
		fprintf(stderr, "\n");
	}

	/*
	 * glibc's getopt starts over, state and all, when optind is 0.
	 * synfin writes to stdout and stderr by stdio only, so swapping the
	 * FILE pointers silences it while libFuzzer and the sanitizers keep
	 * descriptor 2 (their reports, timeouts included, stay visible).
	 */
	optind = 0;
	fflush(stdout);
	fflush(stderr);
	saved_out = stdout;
	saved_err = stderr;
	stdout = fz_null;
	stderr = fz_null;
	(void)synfin_main(argc, argv);
	fflush(fz_null);
	clearerr(fz_null);
	stdout = saved_out;
	stderr = saved_err;
	return 0;
}
