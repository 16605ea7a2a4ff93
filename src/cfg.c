/*
 * cfg.c: the defaults of the configuration, in one place for the program
 * and its tests.  synfin(1) documents each of them.
 */
#include <string.h>

#include "cfg.h"
#include "conn.h"

void
cfg_init(struct sf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->msl_ns = 30 * CONN_NS;		/* Linux: 60 s TIME_WAIT */
	cfg->idle_ns = 3600 * CONN_NS;
	/*
	 * A client still trying sends a SYN at least every 120 s (Linux
	 * TCP_RTO_MAX); quiet longer, its connect() has failed.
	 */
	cfg->syn_timeout_ns = 130 * CONN_NS;
	cfg->close_wait_ns = 1 * CONN_NS;
	cfg->linger_ns = 5 * CONN_NS;		/* closed: absorbs stragglers */
	cfg->max_events = 64;
	cfg->port_lo = 32768;			/* Linux ip_local_port_range */
	cfg->port_hi = 60999;
	cfg->threads = 2;			/* a reading thread for files */
}
