// xdp_counter_native.c - the native twin of examples/xdp_counter.c (the
// seed's packet counter): an atomic add on the counter (aux: the u64 the
// eBPF side finds with bpf_map_lookup_elem), then XDP_PASS.
#include "bench_prog.h"

__u32 bench_native_xdp_counter(const void *data, __u32 len, void *aux);
__u32 bench_native_xdp_counter(const void *data, __u32 len, void *aux)
{
	(void)data; (void)len;
	__u64 *count = aux;
	if (count)
		__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
	return 2; /* XDP_PASS */
}
