/*
 * check_main.c: runs every module's suite in one SRunner with TAP output
 * (automake's tap-driver.sh lists each test).  Fork mode stays on, so a
 * crashing test fails alone; CK_FORK=no runs them in-process for gdb.
 */
#include <stdlib.h>

#include "check_suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(make_suite_decode());
	srunner_add_suite(sr, make_suite_fsm());
	srunner_add_suite(sr, make_suite_flowtab());
	srunner_add_suite(sr, make_suite_track());
	srunner_add_suite(sr, make_suite_zeek());
	srunner_add_suite(sr, make_suite_ring());
	srunner_add_suite(sr, make_suite_report());
	srunner_add_suite(sr, make_suite_sbuf());
	srunner_add_suite(sr, make_suite_bigmem());
	srunner_add_suite(sr, make_suite_dedup());
	srunner_add_suite(sr, make_suite_capture());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
