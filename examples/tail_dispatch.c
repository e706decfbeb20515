// tail_dispatch.c - a tail-call dispatcher: an XDP program that reads the
// packet's L4 protocol (IPv4 protocol or IPv6 next header) and tail-calls
// the program for it through a prog_array.  The programs sit in sections
// "xdp/N": the loader puts each at index N of the object's first map (the
// Linux samples' convention, docs/runtime.md), so no user-space code fills
// the table.  Each program counts its packets in `hits[N]`; hits[0] counts
// the packets no program took (not IP, or a protocol without a program).
//   anybpf run build/examples/tail_dispatch.o xdp pcap=examples/packets.pcap --dump-maps
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { PROG_NONE, PROG_TCP, PROG_UDP, PROG_ICMP, NPROGS };

// the first map: the loader fills it from the "xdp/N" sections
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, NPROGS);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NPROGS);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void count(__u32 prog)
{
	__u64 *n = bpf_map_lookup_elem(&hits, &prog);
	if (n)
		__atomic_fetch_add(n, 1, __ATOMIC_RELAXED);
}

SEC("xdp/1")
int handle_tcp(struct xdp_md *ctx)
{
	count(PROG_TCP);
	return XDP_PASS;
}

SEC("xdp/2")
int handle_udp(struct xdp_md *ctx)
{
	count(PROG_UDP);
	return XDP_PASS;
}

SEC("xdp/3")
int handle_icmp(struct xdp_md *ctx)
{
	count(PROG_ICMP);
	return XDP_DROP;   // this host does not answer pings
}

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 proto;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		// protocol: byte 9 of the IPv4 header
		if (data + sizeof(*eth) + 10 > data_end)
			return XDP_ABORTED;
		proto = *(__u8 *)(data + sizeof(*eth) + 9);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		// next header: byte 6 of the IPv6 header
		if (data + sizeof(*eth) + 7 > data_end)
			return XDP_ABORTED;
		proto = *(__u8 *)(data + sizeof(*eth) + 6);
	} else {
		count(PROG_NONE);
		return XDP_PASS;
	}

	__u32 prog = proto == IPPROTO_TCP ? PROG_TCP :
		     proto == IPPROTO_UDP ? PROG_UDP :
		     proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6 ? PROG_ICMP : PROG_NONE;
	if (prog != PROG_NONE)
		bpf_tail_call(ctx, &progs, prog);   // does not return when it works
	count(PROG_NONE);
	return XDP_PASS;
}

char __license[] SEC("license") = "Dual MIT/GPL";
