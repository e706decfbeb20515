/* test_helpers.c - the uBPF test helper set (ids 0-5), used by raw programs
 * and the .data suites.  Each has a prototype, so the checking mode checks
 * the memory it is handed before it runs. */
#include <string.h>

#include "anybpf.h"
#include "common/common.h"

/* 0: the low bytes of a..e packed: gather_bytes(1, 2, 3, 4, 5) = 0x0102030405 */
static uint64_t gather_bytes(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			     anybpf_run *run)
{
	(void)run;
	return (a & 0xff) << 32 | (b & 0xff) << 24 | (c & 0xff) << 16 | (d & 0xff) << 8 |
	       (e & 0xff);
}

/* 1: xor n bytes at p with 42 */
static uint64_t memfrob_(uint64_t p, uint64_t n, uint64_t r3, uint64_t r4, uint64_t r5,
			 anybpf_run *run)
{
	(void)r3, (void)r4, (void)r5, (void)run;
	uint8_t *m = (uint8_t *)(uintptr_t)p;
	for (uint64_t i = 0; i < n; i++)
		m[i] ^= 42;
	return 0;
}

/* 2 */
static uint64_t no_op(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      anybpf_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return 0;
}

/* 3: floor(sqrt(x)), exact for every 64-bit x (bit by bit, no floating point) */
static uint64_t sqrti(uint64_t x, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      anybpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	uint64_t res = 0, bit = (uint64_t)1 << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= res + bit) {
			x -= res + bit;
			res = (res >> 1) + bit;
		} else {
			res >>= 1;
		}
		bit >>= 2;
	}
	return res;
}

/* 4: strcmp of two NUL-terminated strings */
static uint64_t strcmp_ext(uint64_t a, uint64_t b, uint64_t r3, uint64_t r4, uint64_t r5,
			   anybpf_run *run)
{
	(void)r3, (void)r4, (void)r5, (void)run;
	return (uint64_t)(int64_t)strcmp((const char *)(uintptr_t)a, (const char *)(uintptr_t)b);
}

/* 5: returns x; x == 0 ends the program at once with r0 = 0 */
static uint64_t unwind(uint64_t x, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       anybpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (x == 0)
		anybpf_run_stop(run, 0);
	return x;
}

#define A_ ANYBPF_ARG_ANY
#define N_ ANYBPF_ARG_NONE
static const struct {
	anybpf_helper_fn fn;
	struct anybpf_helper_proto proto;
} test_helpers[] = {
	{ gather_bytes, { sizeof(struct anybpf_helper_proto), "gather_bytes", { A_, A_, A_, A_, A_ } } },
	{ memfrob_, { sizeof(struct anybpf_helper_proto), "memfrob",
		      { ANYBPF_ARG_MEM_W, ANYBPF_ARG_SIZE, N_, N_, N_ } } },
	{ no_op, { sizeof(struct anybpf_helper_proto), "no_op", { N_, N_, N_, N_, N_ } } },
	{ sqrti, { sizeof(struct anybpf_helper_proto), "sqrti", { A_, N_, N_, N_, N_ } } },
	{ strcmp_ext, { sizeof(struct anybpf_helper_proto), "strcmp_ext",
			{ ANYBPF_ARG_STR, ANYBPF_ARG_STR, N_, N_, N_ } } },
	{ unwind, { sizeof(struct anybpf_helper_proto), "unwind", { A_, N_, N_, N_, N_ } } },
};

int anybpf_vm_register_test_helpers(anybpf_vm *vm)
{
	for (size_t i = 0; i < ARRAY_SIZE(test_helpers); i++) {
		int err = anybpf_vm_register_helper(vm, (uint32_t)i, test_helpers[i].fn,
						    &test_helpers[i].proto);
		if (err)
			return err;
	}
	return 0;
}
