/*
 * capture.h: reading packets with libpcap, from saved files (pcap and
 * pcapng, nanosecond timestamps where the file has them) or a live
 * interface, with an optional BPF filter.
 */
#ifndef SYNFIN_CAPTURE_H
#define SYNFIN_CAPTURE_H

#include <stdint.h>

#include "err.h"
#include "report.h"

struct sf_config;
struct trk;
struct rpt;
struct cap_live;

/* Outcome of reading one source. */
enum cap_status {
	CAP_OK = 0,		/* read to the end */
	CAP_DAMAGED,		/* stopped early: damaged or cut short */
	CAP_OPEN_FAILED,	/* could not open or not a capture */
	CAP_BAD_FILTER,		/* the filter does not compile */
	CAP_STOPPED		/* -c COUNT reached */
};

/*
 * Read one file ("-" is stdin) and feed every TCP segment to t (or, with
 * --packets, print it).  Counters accumulate in pc.  err gets the message.
 */
enum cap_status	cap_read_file(const struct sf_config *cfg, const char *path,
		    struct trk *t, struct rpt_counters *pc, struct sf_err *err);

/*
 * Open cfg->iface (libpcap's default device when NULL) for live capture:
 * snapshot length, promiscuous mode, immediate mode, buffer size and
 * nanosecond timestamps, then the filter and the -w file.  Activation
 * warnings are printed and do not fail.  CAP_OPEN_FAILED (missing device,
 * no permission, -w file) or CAP_BAD_FILTER, with err filled.
 */
enum cap_status	cap_open_live(const struct sf_config *cfg,
		    struct cap_live **out, struct sf_err *err);
const char	*cap_live_device(const struct cap_live *l);
/*
 * When running as root, become user (NULL: "nobody" if it exists; a user
 * whose uid is 0 keeps root): initgroups, setgid, setuid, each checked.
 * A -w file created by cap_open_live() is given to a user named here.
 */
int		cap_drop_privileges(struct cap_live *l, const char *user,
		    struct sf_err *err)
		    __attribute__((warn_unused_result));
/*
 * Capture until SIGINT or SIGTERM (CAP_OK), --duration (CAP_OK), -c
 * (CAP_STOPPED) or a read or -w write error (CAP_DAMAGED).  Timers run
 * on the wall clock while idle; r gets the CLOSE_WAIT watch and the
 * --interval views; pc gets the kernel drop counts at the end.
 */
enum cap_status	cap_run_live(struct cap_live *l, struct trk *t,
		    struct rpt *r, struct rpt_counters *pc,
		    struct sf_err *err);
/* Close the device and the -w file; restore the signal handlers. */
void		cap_close_live(struct cap_live *l);

#endif /* SYNFIN_CAPTURE_H */
