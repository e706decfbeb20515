// parser.c - a VLAN / IPv4 / TCP-options parser: Ethernet, up to two VLAN
// tags (802.1ad, 802.1Q), IPv4 with its IHL (options skipped), TCP with
// its data offset, then up to 20 TCP options (EOL, NOP, MSS, window scale,
// SACK-permitted, SACK blocks, timestamps; others skipped by length).
// Every header and option is bounds-checked against the packet's end.
// Returns a hash of the fields found (0 for a packet it does not parse).
//
// The fields go into one hash seeded from the source MAC (not into one
// variable per field starting at 0): a verifier then sees the same state
// whichever options a path found, where one variable per field makes a
// state per combination (too many for the kernel's verifier too).  For
// the same reason the option offset is masked (& 63, a no-op) after each
// step and the bytes left are compared through a copy (barrier_var): the
// offset's range is then the same on every path that read a length.
#include "bench_prog.h"

#define MAX_OPTS 20

static __always_inline __u32 be16_at(const __u8 *p)
{
	return (__u32)p[0] << 8 | p[1];
}

static __always_inline __u32 be32_at(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static __always_inline __u64 mix(__u64 h, __u64 v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static __always_inline __u32 parser_work(const __u8 *p, const __u8 *end)
{
	if (p + 14 > end)
		return 0;
	__u64 h = be32_at(p + 8);
	__u32 proto = be16_at(p + 12);
	p += 14;
	for (int i = 0; i < 2; i++) {
		if (proto != 0x8100 && proto != 0x88a8)
			break;
		if (p + 4 > end)
			return 0;
		h = mix(h, be16_at(p) & 0xfff);
		proto = be16_at(p + 2);
		p += 4;
	}
	if (proto != 0x0800)
		return 0;
	if (p + 20 > end)
		return 0;
	__u32 ihl = (p[0] & 15) * 4;
	if (p[0] >> 4 != 4 || ihl < 20 || p[9] != 6)
		return 0;
	h = mix(h, be32_at(p + 12));
	p += ihl;
	if (p + 20 > end)
		return 0;
	h = mix(h, be16_at(p + 2));
	__u32 doff = (p[12] >> 4) * 4;
	if (doff < 20)
		return 0;
	__u32 optlen = doff - 20, off = 0;
	const __u8 *opt = p + 20;
	for (int i = 0; i < MAX_OPTS; i++) {
		__u32 rem = optlen - off; /* option bytes left */
		barrier_var(rem);
		if ((__s32)rem <= 0)
			break;
		const __u8 *o = opt + off;
		if (o + 1 > end)
			break;
		__u32 kind = o[0];
		if (kind == 0) /* end of options */
			break;
		if (kind == 1) { /* NOP */
			off = (off + 1) & 63;
			continue;
		}
		if (o + 2 > end)
			break;
		__u32 len = o[1];
		if (len < 2 || len > rem)
			break;
		if (kind == 2 && len == 4) { /* MSS */
			if (o + 4 > end)
				break;
			h = mix(h, be16_at(o + 2) << 16);
		} else if (kind == 3 && len == 3) { /* window scale */
			if (o + 3 > end)
				break;
			h = mix(h, o[2] << 12);
		} else if (kind == 4 && len == 2) { /* SACK permitted */
			h = mix(h, 1 << 11);
		} else if (kind == 5) { /* SACK blocks */
			h = mix(h, (len - 2) / 8 << 8);
		} else if (kind == 8 && len == 10) { /* timestamps */
			if (o + 10 > end)
				break;
			h = mix(h, be32_at(o + 2));
		}
		off = (off + len) & 63; /* a no-op: off + len <= optlen <= 40 */
	}
	return (__u32)(h ^ h >> 32);
}

BENCH_ENTRIES(parser, parser_work)
