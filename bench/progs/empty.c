// empty.c - the floor: an XDP program that does nothing but return
// XDP_PASS.  Its time per run is each engine's fixed cost of a test run
// (context set-up, entry, exit); the other programs' own work is their
// time minus this one.
#include "bench_prog.h"

#ifdef __bpf__
SEC("xdp")
int bench_empty(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "Dual MIT/GPL";
#else
__u32 bench_native_empty(const void *data, __u32 len, void *aux);
__u32 bench_native_empty(const void *data, __u32 len, void *aux)
{
	(void)data; (void)len; (void)aux;
	return 2; /* XDP_PASS */
}
#endif
