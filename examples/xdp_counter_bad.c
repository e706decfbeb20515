// xdp_counter_bad.c - the counter without its NULL check, and a read of the
// Ethernet type without a bounds check: `anybpf show verification` rejects
// it and says where and why.
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
	unsigned char *data = (unsigned char *)(long)ctx->data;
	__u32 key = data[12];   // no 'data + 13 <= data_end' check
	__u64 *count = bpf_map_lookup_elem(&pkt_count, &key);
	__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);   // count may be NULL
	return XDP_PASS;
}

char __license[] SEC("license") = "Dual MIT/GPL";
