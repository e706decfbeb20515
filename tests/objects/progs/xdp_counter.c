// An XDP packet counter: a BTF-defined array map, an atomic add, a .text
// subprogram and global data.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 2);
} counters SEC(".maps");

volatile const __u32 slot = 1;     // .rodata
__u64 packets_seen;                // .bss

static __attribute__((noinline)) int bump(__u32 key)
{
    __u64 *v = bpf_map_lookup_elem(&counters, &key);
    if (!v)
        return 0;
    __sync_fetch_and_add(v, 1);
    return 1;
}

SEC("xdp")
int count_packets(struct xdp_md *ctx)
{
    packets_seen++;
    bump(0);
    if (ctx->data_end - ctx->data > 64)
        bump(slot);
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
