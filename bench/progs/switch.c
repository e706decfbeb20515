// switch.c - a switch dispatch: 256 packet bytes (after the first 8), each one's low four bits
// choosing one of 16 different operations on a 64-bit accumulator (an
// interpreter's inner loop).  Returns the accumulator folded to 32 bits.
// The accumulator starts from the packet's first 8 bytes and every
// operation leaves an unknown value unknown (no or/and with constants): a
// verifier then sees one state per iteration whatever case ran, where a
// constant start would make one state per path (ours does not yet drop
// the precision the kernel's does).
#include "bench_prog.h"

#define SW_BYTES 256

static __always_inline __u32 switch_work(const __u8 *p, const __u8 *end)
{
	if (p + 8 > end)
		return 0;
	__u64 acc = *(const __u64 *)p;
	p += 8;
	for (int i = 0; i < SW_BYTES; i++) {
		if (p + 1 > end)
			break;
		__u64 b = *p++;
		switch (b & 15) {
		case 0: acc += b; break;
		case 1: acc ^= b << 7; break;
		case 2: acc *= 3; break;
		case 3: acc -= b * 5; break;
		case 4: acc = acc << 5 | acc >> 59; break;
		case 5: acc ^= acc >> 13; break;
		case 6: acc += acc << 3; break;
		case 7: acc ^= b << 40; break;
		case 8: acc += b << 3; break;
		case 9: acc = ~acc; break;
		case 10: acc += 0x1234567; break;
		case 11: acc ^= 0xdeadbeefull << 16; break;
		case 12: acc -= acc >> 7; break;
		case 13: acc *= b | 1; break;
		case 14: acc = acc >> 3 | acc << 61; break;
		default: acc += i; break;
		}
	}
	return (__u32)(acc ^ acc >> 32);
}

BENCH_ENTRIES(switch, switch_work)
