/* maps.c - legacy map definitions, helper calls, atomics, bpf-to-bpf calls. */
#include "common.h"

struct bpf_map_def SEC("maps") counters = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 16,
};
struct bpf_map_def SEC("maps") flows = {
	.type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 16, .max_entries = 1024,
};

struct flow { __u64 packets, bytes; };

static __u64 global_total;

static __noinline int bump(__u32 key, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	if (!v)
		return -1;
	__sync_fetch_and_add(v, by);
	return 0;
}

static __noinline int account(__u64 key, __u32 len)
{
	struct flow *f = bpf_map_lookup_elem(&flows, &key);
	if (f) {
		__sync_fetch_and_add(&f->packets, 1);
		__sync_fetch_and_add(&f->bytes, len);
		return 1;
	}
	struct flow n = { 1, len };
	bpf_map_update_elem(&flows, &key, &n, 0);
	return 0;
}

SEC("xdp")
int count(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	bump(len & 15, len);
	account(((__u64)ctx->ingress_ifindex << 32) | ctx->rx_queue_index, len);
	__sync_fetch_and_add(&global_total, len);
	__u64 old = __sync_fetch_and_add(&global_total, 0);
	__sync_fetch_and_or(&global_total, 1);
	__sync_fetch_and_and(&global_total, ~2ull);
	__sync_fetch_and_xor(&global_total, 4);
	__u64 prev = __sync_val_compare_and_swap(&global_total, old, old + 1);
	__u64 x = __sync_lock_test_and_set(&global_total, prev);
	__u32 k = 3;
	__u32 *w = bpf_map_lookup_elem(&counters, &k);
	if (w) {
		__sync_fetch_and_add(w, 7);
#if BPF_CPU >= 3 /* 32-bit fetch atomics need -mcpu=v3 (run.sh sets BPF_CPU) */
		__u32 o = __sync_fetch_and_add(w, 1);
		__sync_fetch_and_or(w, o);
		__sync_lock_test_and_set(w, o + 1);
		__sync_val_compare_and_swap(w, o, 5);
#endif
	}
	if (bpf_get_prandom_u32() & 1) {
		static const char fmt[] = "len %u at %llu\n";
		bpf_trace_printk(fmt, sizeof(fmt), len, bpf_ktime_get_ns());
	}
	return (int)(x & 3);
}

char _license[] SEC("license") = "GPL";
