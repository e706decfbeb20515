// perf_rt.c - bpf_perf_event_output from XDP into a perf_event_array:
// `anybpf run --dump-maps` opens every slot (as libbpf's perf_buffer__new)
// and prints the samples; the helper's return code is kept in `rc`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sample {
	__u32 magic;   // 0x5eed0001
	__u32 len;     // frame length
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} rc SEC(".maps");

struct sample *unused_sample __attribute__((unused));

SEC("xdp")
int perf_out(struct xdp_md *ctx)
{
	struct sample s = { 0x5eed0001, ctx->data_end - ctx->data };
	__u32 key = 0;
	__s64 *r = bpf_map_lookup_elem(&rc, &key);
	long err = bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, &s, sizeof(s));
	if (r)
		*r = err;
	return XDP_PASS;
}

char __license[] SEC("license") = "GPL";
