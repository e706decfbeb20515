/* fuzz_testrun.c - libFuzzer target for the test-run inputs (data_in and
 * ctx_in, as BPF_PROG_TEST_RUN takes them) of each program type's native
 * context (src/hooks/ctx_net.c).  Input: byte 0 picks the type, byte 1
 * where data_in ends and ctx_in begins.  No crash, no sanitizer report;
 * a context that builds gives its frame back unchanged (no program ran):
 * xdp from data_meta, sched_cls as is, socket_filter/cgroup_skb with the
 * Ethernet header zeroed. */
#include <stdlib.h>
#include <string.h>

#include "hooks/ctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "xdp", "socket_filter", "sched_cls", "cgroup_skb",
					     "lwt_out", "raw_tracepoint", "kprobe", "tracepoint" };
	if (size < 2)
		return 0;
	const struct hook *h = hook_find(types[data[0] % (sizeof(types) / sizeof(types[0]))]);
	size_t split = 2 + (size_t)data[1] * (size - 2) / 255;
	const uint8_t *din = data + 2, *cin = data + split;
	size_t dlen = split - 2, clen = size - split;
	if (ctx_class_of(h) == CTXC_RAW)
		dlen = 0;
	struct ctx_run r;
	char log[256];
	struct anybpf_log lg = { .buf = log, .size = sizeof(log) };
	int err = ctx_run_build(&r, h, dlen ? din : NULL, dlen, clen ? cin : NULL, clen, &lg);
	if (err) {
		if (err != -ANYBPF_E_INVAL && err != -ANYBPF_E_NOMEM)
			abort();
		ctx_run_free(&r);
		return 0;
	}
	uint8_t *out, ctx_out[256];
	size_t olen, colen;
	if (ctx_run_output(&r, &out, &olen, ctx_out, sizeof(ctx_out), &colen))
		abort();
	if (r.cls == CTXC_XDP && (olen != dlen || memcmp(out, din, dlen)))
		abort();
	if (r.cls == CTXC_SKB) {
		size_t skip = r.hh_len;
		if (olen != dlen || memcmp(out + skip, din + skip, dlen - skip))
			abort();
		for (size_t i = 0; i < skip; i++)
			if (out[i])
				abort();
	}
	if (r.cls == CTXC_RAW && colen != h->ctx_size)
		abort();
	ctx_run_free(&r);
	return 0;
}
