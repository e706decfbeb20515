/* loops.c - loops, switch, byte swaps, 32-bit and signed arithmetic. */
#include "common.h"

SEC("socket")
int sum_loop(struct __sk_buff *skb)
{
	__u64 sum = 0;
	for (int i = 0; i < 64; i++) {
		sum += (__u64)i * skb->len;
		if (sum > 100000)
			sum ^= sum >> 3;
	}
	return (int)(sum & 0xffff);
}

static __noinline __u32 classify(__u32 x)
{
	switch (x & 15) {
	case 0: return 10;
	case 1: return 27;
	case 2: return x * 3;
	case 3: return x / 7;
	case 4: return x % 11;
	case 5: return (__u32)((__s32)x >> 3);
	case 7: return __builtin_bswap32(x);
	case 9: return __builtin_bswap16((__u16)x);
	case 12: return x << 9;
	default: return ~x;
	}
}

SEC("socket")
int arith(struct __sk_buff *skb)
{
	__u64 v = skb->len;
	__s64 s = (__s64)skb->mark - 100;
	v = __builtin_bswap64(v) + classify(skb->protocol);
	v = (v * 0x9e3779b97f4a7c15ull) >> 17;
	if (s < -5)
		v -= (__u64)(s / 3);
	if ((__s32)skb->priority >= 0x7fffffff)
		v += 0xffffffff00000000ull;
	return (int)(v ^ (v >> 32));
}

SEC("xdp")
int nested(struct xdp_md *ctx)
{
	__u32 acc = 1;
	for (__u32 i = 0; i < 8; i++)
		for (__u32 j = 0; j < i; j++)
			acc = acc * 31 + (ctx->ingress_ifindex ^ j);
	return acc & 3;
}

char _license[] SEC("license") = "GPL";
