/* parse.c - packet parsing: bounds checks, byte order, narrow loads,
 * stores of every width, and legacy LD_ABS/LD_IND packet loads. */
#include "common.h"

#define ETH_P_IP 0x0800
#define IPPROTO_TCP 6

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

SEC("xdp")
int parse_tcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return 1;
	if (eth->h_proto != __builtin_bswap16(ETH_P_IP))
		return 2;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end)
		return 1;
	if (ip->protocol != IPPROTO_TCP)
		return 2;
	__u32 ihl = (ip->ihl_version & 15) * 4;
	if (ihl < sizeof(*ip))
		return 1;
	struct tcphdr *tcp = (void *)ip + ihl;
	if ((void *)(tcp + 1) > end)
		return 1;
	if (tcp->dest == __builtin_bswap16(80)) {
		ip->ttl--;
		ip->check = 0;
		tcp->window = 0xffff;
		*(__u32 *)&tcp->seq = 0;
		*(__u64 *)eth = 0;
		eth->h_dest[0] = 0xaa;
		return 3;
	}
	return (__s8)ip->tos < 0 ? 4 : 2;
}

SEC("socket")
int legacy(struct __sk_buff *skb)
{
	__u64 proto = load_half(skb, 12);
	if (proto != ETH_P_IP)
		return 0;
	__u64 ihl = (load_byte(skb, 14) & 15) * 4;
	__u64 dport = load_half(skb, 14 + ihl + 2);
	__u64 w = load_word(skb, 26);
	return dport == 80 || w == 0x7f000001;
}

char _license[] SEC("license") = "GPL";
