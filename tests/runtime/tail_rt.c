// tail_rt.c - bpf_tail_call through a prog_array filled by the Linux
// samples' loader convention (section "xdp/N" -> index N of the first
// map): the first byte of the frame picks the program.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

SEC("xdp/1")
int leaf_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp/2")
int leaf_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 2 > data_end)
		return XDP_ABORTED;
	((unsigned char *)data)[1] = 0x77;   // the callee sees the same packet
	return XDP_TX;
}

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 1 > data_end)
		return XDP_ABORTED;
	bpf_tail_call(ctx, &jmp, *(unsigned char *)data);
	return XDP_PASS;   // empty slot or out of range: falls through
}

char __license[] SEC("license") = "GPL";
