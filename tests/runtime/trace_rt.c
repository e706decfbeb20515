// trace_rt.c - a raw tracepoint reading its context (u64 args[]) from the
// bytes given as ctx_in.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw_tracepoint/sys_enter")
int rtp_sum(struct bpf_raw_tracepoint_args *ctx)
{
	return (int)(ctx->args[0] + ctx->args[1] * 2);
}

char __license[] SEC("license") = "GPL";
