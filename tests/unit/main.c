/* main.c - runs every TEST() linked into build/unit_tests.
 * Usage: unit_tests [SUBSTRING]   (run only tests whose name contains it) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define MAX_TESTS 4096
static struct { const char *name; void (*fn)(void); } tests[MAX_TESTS];
static int ntests, cur_failed;

void unit_register(const char *name, void (*fn)(void))
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "unit: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

int unit_check(int ok, const char *expr, const char *file, int line)
{
	if (!ok) {
		fprintf(stderr, "  %s:%d: CHECK failed: %s\n", file, line, expr);
		cur_failed = 1;
	}
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	qsort(tests, (size_t)ntests, sizeof(tests[0]), by_name);
	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		cur_failed = 0;
		tests[i].fn();
		if (cur_failed) {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
