// checksum.c - the Internet checksum (RFC 1071) of a whole 1500-byte
// packet: a loop of 750 16-bit loads, each bounds-checked against the
// packet's end, into a 64-bit sum folded to 16 bits.  Returns the
// complemented sum.  A compute loop.
#include "bench_prog.h"

#define CSUM_WORDS 750 /* 1500 bytes */

static __always_inline __u32 csum_work(const __u8 *p, const __u8 *end)
{
	__u64 sum = 0;
	for (int i = 0; i < CSUM_WORDS; i++) {
		if (p + 2 > end)
			break;
		sum += *(const __u16 *)p;
		p += 2;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

BENCH_ENTRIES(checksum, csum_work)
