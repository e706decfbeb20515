// straight.c - a large straight-line block: 48 SipHash-style ARX rounds
// (add, rotate, xor on four 64-bit words read from the packet), fully
// unrolled: about 900 eBPF instructions without a branch.  Returns the
// four words mixed and folded to 32 bits.
#include "bench_prog.h"

#define ROUNDS 48
#define ROTL(x, n) ((x) << (n) | (x) >> (64 - (n)))

static __always_inline __u32 straight_work(const __u8 *p, const __u8 *end)
{
	if (p + 32 > end)
		return 0;
	__u64 v0 = ((const __u64 *)p)[0], v1 = ((const __u64 *)p)[1];
	__u64 v2 = ((const __u64 *)p)[2], v3 = ((const __u64 *)p)[3];
#pragma unroll
	for (int r = 0; r < ROUNDS; r++) {
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);
	}
	__u64 h = v0 ^ v1 ^ v2 ^ v3;
	return (__u32)(h ^ h >> 32);
}

BENCH_ENTRIES(straight, straight_work)
