// helpers_rt.c - helpers that move or rewrite the packet, run through the
// test-run path (the native context's packet pointers shared with the
// helpers) and compared with the kernel by tests/runtime/run.sh.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// 4 bytes of new headroom (0xaa), 8 bytes of metadata, 10 bytes cut at the end
SEC("xdp")
int xdp_adjust(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -4))
		return XDP_ABORTED;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 4 > data_end)
		return XDP_ABORTED;
	__builtin_memset(data, 0xaa, 4);
	if (bpf_xdp_adjust_tail(ctx, -10))
		return XDP_DROP;
	if (bpf_xdp_adjust_meta(ctx, -8))
		return XDP_DROP;
	void *meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if (meta + 8 > data)
		return XDP_DROP;
	__builtin_memset(meta, 0x5c, 8);
	return XDP_PASS;
}

// the destination MAC rewritten, the EtherType read through helpers
SEC("tc")
int tc_store(struct __sk_buff *skb)
{
	unsigned short proto = 0;
	unsigned char mac[6] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 };
	if (bpf_skb_load_bytes(skb, 12, &proto, 2))
		return 100;
	if (bpf_skb_store_bytes(skb, 0, mac, 6, 0))
		return 101;
	return proto;
}

char __license[] SEC("license") = "GPL";
