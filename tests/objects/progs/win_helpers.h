// A stand-in for eBPF for Windows' bpf_helpers.h, as far as the seed
// tutorial uses it: its legacy map layout and helper numbering.
// (no libc headers: -target bpf has none)
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;

#define SEC(name) __attribute__((section(name), used))

// ebpf_structs.h: map definitions in a "maps" section
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

// eBPF for Windows map types (they differ from Linux's numbering)
enum { BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2, BPF_MAP_TYPE_PROG_ARRAY = 3,
       BPF_MAP_TYPE_PERCPU_HASH = 4, BPF_MAP_TYPE_PERCPU_ARRAY = 5 };

#define EBPF_HELPER(return_type, name, args) typedef return_type(*name##_t) args
EBPF_HELPER(void *, bpf_map_lookup_elem, (struct bpf_map *map, void *key));
EBPF_HELPER(int64_t, bpf_map_update_elem, (struct bpf_map *map, void *key, void *value, uint64_t flags));
EBPF_HELPER(int64_t, bpf_map_delete_elem, (struct bpf_map *map, void *key));
static bpf_map_lookup_elem_t bpf_map_lookup_elem = (bpf_map_lookup_elem_t)1;
static bpf_map_update_elem_t bpf_map_update_elem = (bpf_map_update_elem_t)2;
static bpf_map_delete_elem_t bpf_map_delete_elem = (bpf_map_delete_elem_t)3;
