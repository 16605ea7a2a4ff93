/* check_suites.h: one Check suite per module, gathered by check_main.c. */
#ifndef SYNFIN_CHECK_SUITES_H
#define SYNFIN_CHECK_SUITES_H

#include <check.h>

Suite	*make_suite_decode(void);
Suite	*make_suite_fsm(void);
Suite	*make_suite_flowtab(void);
Suite	*make_suite_track(void);
Suite	*make_suite_zeek(void);
Suite	*make_suite_ring(void);
Suite	*make_suite_report(void);
Suite	*make_suite_sbuf(void);
Suite	*make_suite_bigmem(void);
Suite	*make_suite_dedup(void);
Suite	*make_suite_capture(void);

#endif
