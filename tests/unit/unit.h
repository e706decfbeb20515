/* unit.h - a tiny unit test framework: TEST(name) { CHECK(...); } */
#ifndef ANYBPF_UNIT_H
#define ANYBPF_UNIT_H

#include <stdint.h>
#include <stdio.h>

void unit_register(const char *name, void (*fn)(void));
int unit_check(int ok, const char *expr, const char *file, int line);

#define TEST(name)                                                        \
	static void name(void);                                           \
	__attribute__((constructor)) static void reg_##name(void)         \
	{ unit_register(#name, name); }                                   \
	static void name(void)

/* Each CHECK counts as one assertion; a test fails if any of its fail. */
#define CHECK(cond) unit_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(a, b)                                                    \
	do {                                                              \
		unsigned long long a_ = (unsigned long long)(a);          \
		unsigned long long b_ = (unsigned long long)(b);          \
		if (!unit_check(a_ == b_, #a " == " #b, __FILE__, __LINE__)) \
			fprintf(stderr, "    got 0x%llx, want 0x%llx\n", a_, b_); \
	} while (0)

#endif
