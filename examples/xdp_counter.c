// xdp_counter.c - the seed's packet counter: an XDP program that counts
// packets in a BTF-defined array map with an atomic add.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} pkt_count SEC(".maps");

SEC("xdp")
int count_packets(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&pkt_count, &key);
	if (count) // the verifier insists on this check
		__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
	return XDP_PASS;
}

char __license[] SEC("license") = "Dual MIT/GPL";
