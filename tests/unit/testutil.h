/* Shared helpers for the cmocka unit tests. */
#ifndef WARROOM_TESTUTIL_H
#define WARROOM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* UNIT_FILTER runs only the test cases whose names match it ('*' and '?' as
 * in a shell): read before main, so every test binary honours it as is. */
__attribute__((constructor)) static void testutil_filter_from_env(void)
{
	const char *pattern = getenv("UNIT_FILTER");
	if (pattern && *pattern)
		cmocka_set_test_filter(pattern);
}

/* A fresh private folder under $TMPDIR; removed by testutil_rmtree. */
static inline void testutil_tmpdir(char *buf, size_t len)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, len, "%s/warroom-test-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(buf))
		fail_msg("mkdtemp failed");
}

static inline void testutil_rmtree(const char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		print_message("could not remove %s\n", dir);
}

/* Path of a shared real-world fixture, or NULL when ../shared is absent
 * (a user's clone): such tests skip themselves. */
static inline const char *testutil_fixture(char *buf, size_t len, const char *rel)
{
	const char *root = getenv("WARROOM_SHARED");
	snprintf(buf, len, "%s/fixtures/real-world/%s", root && *root ? root : "../shared", rel);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

#endif
