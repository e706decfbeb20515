/* common.h - the few kernel definitions the llvm-objdump comparison
 * programs need, so that they build with clang alone (no libbpf headers). */
#ifndef LLVM_TEST_COMMON_H
#define LLVM_TEST_COMMON_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;

#define SEC(name) __attribute__((section(name), used))
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))

/* legacy map definitions ("maps" section) */
struct bpf_map_def {
	unsigned int type, key_size, value_size, max_entries, map_flags;
};
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_ARRAY 2

/* helpers by id */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
				   __u64 flags) = (void *)2;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static long (*bpf_trace_printk)(const char *fmt, __u32 fmt_size, ...) = (void *)6;
static __u32 (*bpf_get_prandom_u32)(void) = (void *)7;

struct xdp_md {
	__u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};
struct __sk_buff {
	__u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci,
		vlan_proto, priority, ingress_ifindex, ifindex, tc_index, cb[5], hash,
		tc_classid, data, data_end;
};

struct ethhdr {
	__u8 h_dest[6], h_source[6];
	__u16 h_proto;
} __attribute__((packed));
struct iphdr {
	__u8 ihl_version, tos;
	__u16 tot_len, id, frag_off;
	__u8 ttl, protocol;
	__u16 check;
	__u32 saddr, daddr;
};
struct tcphdr {
	__u16 source, dest;
	__u32 seq, ack_seq;
	__u16 flags, window, check, urg_ptr;
};

#endif
