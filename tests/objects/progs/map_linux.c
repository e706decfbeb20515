// The seed tutorial's map example written for Linux: <linux/bpf.h> and
// libbpf's bpf_helpers.h, with a BTF-defined map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 512);
} map SEC(".maps");

SEC("myprog")
int func1(void *ctx)
{
    __u32 key = 0;
    __u32 value = 42;
    int result = bpf_map_update_elem(&map, &key, &value, 0);
    return result;
}

char _license[] SEC("license") = "GPL";
