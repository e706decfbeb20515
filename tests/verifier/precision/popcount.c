// Kernighan's popcount of up to 8 packet words: the trip count of the
// inner loop depends on the data, `count` is only returned (XDP has no
// return range), so pruning may ignore it.
#include "prec.h"

SEC("xdp") int popcount(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	unsigned long long *p = data;
	unsigned count = 0;
	for (int w = 0; w < 8; w++) {
		if ((void *)(p + w + 1) > end)
			break;
		unsigned long long x = p[w];
		for (int i = 0; i < 64 && x; i++) {
			x &= x - 1;
			count++;
		}
	}
	return count;
}
