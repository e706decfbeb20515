// bsearch.c - binary search of 32 keys (u32, host order, at offset 128
// of the packet: the bench puts them in the payload) in a sorted table of
// 1024 u32 held in an array map (one element per entry, read with
// bpf_map_lookup_elem at every probe: 11 lookups per key, 352 per run).
// The search is the branchless form: the probe's outcome is arithmetic,
// not a jump ((u64)a - b >> 63 is a < b for u32 a, b; barrier_var keeps
// the compiler from turning it back into a compare and a jump), so a
// verifier sees one path per key instead of 2^10.  Returns found * 65536
// + the sum of the positions (lower bounds).  The bench fills the table
// with table[i] = 3 * i + 1 on every side.
#include "bench_prog.h"

#define BS_ENTRIES 1024
#define BS_KEYS 32
#define BS_KEYS_AT 128

#ifdef __bpf__
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, BS_ENTRIES);
} table SEC(".maps");

static __always_inline const __u32 *bs_lookup(__u32 i, const __u32 *aux)
{
	(void)aux;
	return bpf_map_lookup_elem(&table, &i);
}
#else
static __always_inline const __u32 *bs_lookup(__u32 i, const __u32 *aux)
{
	return i < BS_ENTRIES ? &aux[i] : 0;
}
#endif

static __always_inline __u32 bsearch_work(const __u8 *p, const __u8 *end, const __u32 *aux)
{
	__u32 found = 0, sum = 0;
	p += BS_KEYS_AT;
	for (int k = 0; k < BS_KEYS; k++) {
		if (p + 4 > end)
			break;
		__u64 key = *(const __u32 *)p;
		p += 4;
		/* the first entry not below key: idx + 1 while table[idx] < key */
		__u32 idx = 0;
		for (__u32 half = BS_ENTRIES / 2; half; half >>= 1) {
			const __u32 *v = bs_lookup(idx + half - 1, aux);
			if (!v)
				return 0;
			__u64 a = *v;
			barrier_var(a); /* keep it arithmetic: no compare and jump */
			idx += (__u32)((a - key) >> 63) * half; /* a < key */
		}
		const __u32 *v = bs_lookup(idx, aux);
		if (!v)
			return 0;
		__u64 a = *v;
		barrier_var(a);
		idx += (__u32)((a - key) >> 63);
		/* found when the entry at idx equals key (idx 1024: past the end) */
		const __u32 *w = bs_lookup(idx & (BS_ENTRIES - 1), aux);
		if (!w)
			return 0;
		__u64 b = *w;
		barrier_var(b);
		found += (__u32)(((b ^ key) - 1) >> 63) & ((idx >> 10) ^ 1); /* b == key */
		sum += idx;
	}
	return found * 65536 + sum;
}

#ifdef __bpf__
SEC("xdp")
int bench_bsearch(struct xdp_md *ctx)
{
	return bsearch_work(PKT_DATA(ctx), PKT_END(ctx), 0);
}
char LICENSE[] SEC("license") = "Dual MIT/GPL";
#else
__u32 bench_native_bsearch(const void *data, __u32 len, void *aux);
__u32 bench_native_bsearch(const void *data, __u32 len, void *aux)
{
	return bsearch_work(data, (const __u8 *)data + len, aux);
}
#endif
