// popcount.c - bits set in the first 256 bytes of the packet: 32 64-bit
// words, each counted bit by bit (64 rounds of c += x & 1, x >>= 1; the
// inner loop kept a loop on both sides).  A compute loop: about 2,000
// iterations per run.  (Kernighan's x &= x - 1 loop, whose trip count
// depends on the data, makes a path per count: neither the kernel's
// verifier nor ours prunes those paths fast enough.)
#include "bench_prog.h"

#define POP_WORDS 32

static __always_inline __u32 popcount_work(const __u8 *p, const __u8 *end)
{
	__u32 c = 0;
	for (int i = 0; i < POP_WORDS; i++) {
		if (p + 8 > end)
			break;
		__u64 x = *(const __u64 *)p;
		p += 8;
#pragma clang loop unroll(disable)
		for (int j = 0; j < 64; j++) {
			c += x & 1;
			x >>= 1;
		}
	}
	return c;
}

BENCH_ENTRIES(popcount, popcount_work)
