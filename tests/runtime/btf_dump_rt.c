/* btf_dump_rt.c - `run --dump-maps` with BTF-typed values: a struct value
 * with a bitfield and a char array, a per-CPU map, global data (.data,
 * .bss).  Every run counts the packet and its bytes under key 7. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct stats {
	__u64 packets;
	__u64 bytes;
	__u16 port;
	__u8 flag : 1, kind : 3;
	char name[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct stats);
	__uint(max_entries, 4);
} stats_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __s32);
	__uint(max_entries, 1);
} last_len SEC(".maps");

__u64 total = 0;
int verdict = 2;

SEC("xdp")
int count(struct xdp_md *ctx)
{
	__u32 k = 7, z = 0;
	__u64 len = ctx->data_end - ctx->data;
	struct stats *s = bpf_map_lookup_elem(&stats_map, &k);
	if (s) {
		s->packets++;
		s->bytes += len;
	} else {
		struct stats n = { .packets = 1, .bytes = len, .port = 53, .flag = 1, .kind = 5,
				   .name = "dns" };
		bpf_map_update_elem(&stats_map, &k, &n, BPF_ANY);
	}
	__s32 *l = bpf_map_lookup_elem(&last_len, &z);
	if (l)
		*l = -(__s32)len;
	total += 1;
	return verdict;
}

char __license[] SEC("license") = "GPL";
