// A loop over 256 packet bytes: an accumulator changed by constants on
// each branch (|=, &=, ^=) and a counter, both only stored into a map value.
#include "prec.h"

struct {
	int (*type)[BPF_MAP_TYPE_ARRAY];
	int (*max_entries)[1];
	unsigned *key;
	unsigned long long (*value)[2];
} out SEC(".maps");

SEC("xdp") int accumulate(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	unsigned long long acc = 0, cnt = 0;
	for (int i = 0; i < 256; i++) {
		if (data + i + 1 > end)
			break;
		unsigned char b = data[i];
		if (b & 1)
			acc |= 0x10;
		else
			acc &= ~0x3ull;
		if (b & 2)
			acc |= 0x1;
		else
			acc ^= 0x8;
		if (b & 4)
			cnt += 3;
		else
			cnt += 1;
	}
	unsigned k = 0;
	unsigned long long *v = bpf_map_lookup_elem(&out, &k);
	if (v) {
		v[0] = acc;
		v[1] = cnt;
	}
	return XDP_PASS;
}
