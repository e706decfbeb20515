// calls.c - a chain of bpf-to-bpf calls: for each of 32 64-bit packet
// words the program calls f1, which calls f2, ... down to f6 (seven
// frames deep with the program's own: the kernel allows eight); each
// function works before and after its call, so no call is a tail call.
// Returns the mix of the 32 results folded to 32 bits.
#include "bench_prog.h"

#define CALL_WORDS 32

static __noinline __u64 f6(__u64 x, __u64 y)
{
	return (x ^ y) * 0x100000001b3ull;
}

static __noinline __u64 f5(__u64 x, __u64 y)
{
	return f6(x + 5, y) + (x >> 3);
}

static __noinline __u64 f4(__u64 x, __u64 y)
{
	return f5(x ^ 0x55, y + 4) - y;
}

static __noinline __u64 f3(__u64 x, __u64 y)
{
	return f4(x * 3, y) ^ (y << 2);
}

static __noinline __u64 f2(__u64 x, __u64 y)
{
	return f3(x + y, y - 2) + 7;
}

static __noinline __u64 f1(__u64 x, __u64 y)
{
	return f2(x, y ^ 1) ^ x;
}

static __always_inline __u32 calls_work(const __u8 *p, const __u8 *end)
{
	__u64 acc = 0;
	for (int i = 0; i < CALL_WORDS; i++) {
		if (p + 8 > end)
			break;
		acc += f1(*(const __u64 *)p, i);
		p += 8;
	}
	return (__u32)(acc ^ acc >> 32);
}

BENCH_ENTRIES(calls, calls_work)
