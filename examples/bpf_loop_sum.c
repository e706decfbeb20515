// bpf_loop_sum.c - a bpf_loop user (Linux 5.17+): an XDP program that adds
// up the first bytes of the packet in a bpf_loop callback and keeps, in an
// array map, the number of packets seen and the sum of the last one.
//   anybpf run build/examples/bpf_loop_sum.o data=examples/packet.bin --dump-maps
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NBYTES 32

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 2); // 0: packets seen, 1: byte sum of the last one
} stats SEC(".maps");

struct sum_ctx {
	const __u8 *data;
	const __u8 *data_end;
	__u64 sum;
};

// bpf_loop's callback: index i, the context; 0 goes on, 1 stops the loop
static long add_byte(__u32 i, void *arg)
{
	struct sum_ctx *c = arg;
	const __u8 *p = c->data + (i & (NBYTES - 1));
	if (p + 1 > c->data_end)
		return 1; // the packet is shorter: stop
	c->sum += *p;
	return 0;
}

SEC("xdp")
int loop_sum(struct xdp_md *ctx)
{
	struct sum_ctx c = {
		.data = (const __u8 *)(long)ctx->data,
		.data_end = (const __u8 *)(long)ctx->data_end,
		.sum = 0,
	};
	bpf_loop(NBYTES, add_byte, &c, 0);

	__u32 key = 0;
	__u64 *seen = bpf_map_lookup_elem(&stats, &key);
	if (seen)
		__atomic_fetch_add(seen, 1, __ATOMIC_RELAXED);
	key = 1;
	__u64 *sum = bpf_map_lookup_elem(&stats, &key);
	if (sum)
		*sum = c.sum;
	return XDP_PASS;
}

char __license[] SEC("license") = "Dual MIT/GPL";
