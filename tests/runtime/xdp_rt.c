// xdp_rt.c - XDP programs for the test-run tests (tests/runtime/run.sh):
// direct packet access through the rewritten ctx->data/data_end loads, a
// hash map, a packet rewrite (XDP_TX), trace_printk.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 16);
} proto_count SEC(".maps");

// DNS (UDP port 53) dropped, TCP bounced back with the MACs swapped,
// everything else passed; per IP protocol packet counts.
SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	__u32 key = ip->protocol;
	__u64 one = 1, *n = bpf_map_lookup_elem(&proto_count, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&proto_count, &key, &one, BPF_ANY);
	if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = (void *)(ip + 1);
		if ((void *)(udp + 1) > data_end)
			return XDP_PASS;
		if (udp->dest == bpf_htons(53)) {
			bpf_printk("drop dns from %x", bpf_ntohl(ip->saddr));
			return XDP_DROP;
		}
	}
	if (ip->protocol == IPPROTO_TCP) {
		unsigned char tmp[ETH_ALEN];
		__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
		__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
		return XDP_TX;
	}
	return XDP_PASS;
}

// The frame length, the metadata length, the device (as retval bits).
SEC("xdp")
int xdp_sizes(struct xdp_md *ctx)
{
	long len = (long)ctx->data_end - (long)ctx->data;
	long meta = (long)ctx->data - (long)ctx->data_meta;
	return (int)(len | meta << 16 | (long)ctx->ingress_ifindex << 24);
}

char __license[] SEC("license") = "GPL";
