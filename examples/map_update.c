// map_update.c - the seed tutorial's helper and map program (eBPF for
// Windows tutorial, "4.3 Maps"): a legacy `maps` section holding a per-CPU
// array in eBPF for Windows' layout, and a program in a section of its own
// ("myprog") that writes 42 at key 0 with bpf_map_update_elem (helper 2).
// The tutorial includes the Windows bpf_helpers.h; the few lines it needs
// are spelled out here so that the file builds anywhere.
//   anybpf show disassembly build/examples/map_update.o
//   anybpf show verification build/examples/map_update.o type=xdp
//   anybpf run build/examples/map_update.o type=xdp --dump-maps
#include <linux/types.h>

typedef __u32 uint32_t;
typedef __s64 int64_t;
typedef __u64 uint64_t;

#define SEC(name) __attribute__((section(name), used))

// eBPF for Windows' map definition (ebpf_structs.h) and map type number
struct bpf_map {
	uint32_t size;        // sizeof(struct bpf_map)
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t inner_map_idx;
	uint32_t pinning;
	uint32_t id;
	uint32_t inner_id;
};
#define BPF_MAP_TYPE_PERCPU_ARRAY 5   // Windows numbering (Linux: 6)

// helper 2, as the Windows headers declare it
#define EBPF_HELPER(return_type, name, args) typedef return_type(*name##_t) args
EBPF_HELPER(int64_t, bpf_map_update_elem,
	    (struct bpf_map *map, void *key, void *value, uint64_t flags));
static bpf_map_update_elem_t bpf_map_update_elem = (bpf_map_update_elem_t)2;

// The tutorial writes a key size of 2; array maps take 4-byte keys (Linux
// refuses any other size with EINVAL, and the program's key is a uint32_t),
// so 4 here.
SEC("maps")
struct bpf_map map =
    {sizeof(struct bpf_map), BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 512};

SEC("myprog")
int func1()
{
	uint32_t key = 0;
	uint32_t value = 42;
	int result = bpf_map_update_elem(&map, &key, &value, 0);
	return result;
}
