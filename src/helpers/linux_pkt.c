/* linux_pkt.c - the packet helpers of skb (tc, socket filter, cgroup_skb)
 * and xdp programs, following net/core/filter.c, over the packet bounds
 * the runtime hands in (struct anybpf_helper_pkt: one linear buffer with
 * headroom and tailroom, as BPF_PROG_TEST_RUN builds it), and the
 * checksum helpers (the x86-64 kernel's csum arithmetic).
 *
 * Where the kernel would reallocate an skb (more headroom or tailroom
 * than the buffer has), these answer -ENOMEM, the kernel's answer when
 * that allocation fails; runtimes give generous room to avoid it. */
#include <errno.h>
#include <string.h>

#include "common/common.h"
#include "helpers/linux_helpers.h"

#define LH_ETH_HLEN 14u
#define LH_XDP_FRAME_SZ 40u          /* sizeof(struct xdp_frame), Linux >= 6.12
				      * x86-64: kept at data_hard_start */
#define LH_XDP_META_MAX 32u          /* xdp_metalen_invalid */
#define LH_SKB_MAX_LEN 16064u        /* BPF_SKB_MAX_LEN = SKB_MAX_ALLOC (4 KiB pages) */
#define LH_SKB_DEV_MAX_LEN (65536u + LH_ETH_HLEN) /* loopback mtu + hard header */

#define LH_F_RECOMPUTE_CSUM   (1ull << 0)
#define LH_F_INVALIDATE_HASH  (1ull << 1)
#define LH_F_HDR_FIELD_MASK   0xfull
#define LH_F_PSEUDO_HDR       (1ull << 4)
#define LH_F_MARK_MANGLED_0   (1ull << 5)
#define LH_F_MARK_ENFORCE     (1ull << 6)
#define LH_F_IPV6             (1ull << 7)
#define LH_F_INGRESS          (1ull << 0)
#define LH_F_BROADCAST        (1ull << 3)
#define LH_F_EXCLUDE_INGRESS  (1ull << 4)
#define LH_F_ACTION_MASK      3ull   /* XDP_ABORTED | DROP | PASS | TX */
#define LH_CSUM_MANGLED_0     0xffffu

enum { LH_XDP_ABORTED = 0, LH_XDP_REDIRECT = 4 };
enum { LH_TC_ACT_SHOT = 2, LH_TC_ACT_REDIRECT = 7 };

static inline struct anybpf_helper_run *hr_of(anybpf_run *run)
{
	return (struct anybpf_helper_run *)anybpf_run_user(run);
}

static inline struct anybpf_helper_pkt *pkt_of(anybpf_run *run)
{
	struct anybpf_helper_run *hr = hr_of(run);
	return hr ? hr->pkt : NULL;
}

static inline uint64_t pkt_len(const struct anybpf_helper_pkt *p)
{
	return (uint64_t)(p->data_end - p->data);
}

/* After the packet grew, let the program (checking mode) reach all of
 * it; what it shrank away the program can no longer reach once it
 * reloads data / data_end, which the verifier makes it do. */
static void pkt_regions(anybpf_run *run, const struct anybpf_helper_pkt *p, int meta)
{
	if (!lh_checked(run))
		return;
	uint8_t *lo = meta && p->data_meta ? p->data_meta : p->data;
	size_t len = (size_t)(p->data_end - lo);
	if (len && lh_accessible(run, (uint64_t)(uintptr_t)lo, 1) < len)
		anybpf_run_add_region(run, lo, len, ANYBPF_REGION_RW, "packet");
}

/* ---- checksums ----------------------------------------------------------- */

static inline uint32_t csum_add(uint32_t a, uint32_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint32_t csum_sub(uint32_t a, uint32_t b)
{
	return csum_add(a, ~b);
}

static inline uint16_t csum_fold(uint32_t c)
{
	c = (c & 0xffffu) + (c >> 16);
	c = (c & 0xffffu) + (c >> 16);
	return (uint16_t)~c;
}

static inline uint16_t csum16_add(uint16_t c, uint16_t a)
{
	uint16_t r = (uint16_t)(c + a);
	return (uint16_t)(r + (r < a));
}

static inline uint16_t ld16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline void st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void csum_replace4(uint8_t *sum, uint32_t from, uint32_t to)
{
	uint32_t tmp = csum_sub(~(uint32_t)ld16(sum), from);
	st16(sum, csum_fold(csum_add(tmp, to)));
}

static void csum_replace2(uint8_t *sum, uint16_t from, uint16_t to)
{
	uint16_t s = (uint16_t)~ld16(sum);
	s = csum16_add(s, (uint16_t)~from);
	st16(sum, (uint16_t)~csum16_add(s, to));
}

static void csum_replace_by_diff(uint8_t *sum, uint32_t diff)
{
	st16(sum, csum_fold(csum_add(diff, ~(uint32_t)ld16(sum))));
}

/* bpf_csum_diff(from, from_size, to, to_size, seed): the one's complement
 * sum of `to`'s words minus `from`'s, plus seed, folded to 16 bits (not
 * complemented) as Linux >= 6.13 returns it on every architecture (the
 * older x86-64 value was the unfolded 32-bit sum, equal modulo 0xffff);
 * -EINVAL for sizes not multiples of 4 or more than 512 bytes in all. */
uint64_t lh_csum_diff(LH_ARGS)
{
	(void)run;
	if (((r2 | r4) & 3) || r2 > 512 || r4 > 512 || r2 + r4 > 512)
		return (uint64_t)-EINVAL;
	uint64_t s = (uint32_t)r5;
	const uint8_t *from = (const uint8_t *)(uintptr_t)r1;
	const uint8_t *to = (const uint8_t *)(uintptr_t)r3;
	for (uint64_t i = 0; i < r2; i += 4) {
		uint32_t w;
		memcpy(&w, from + i, 4);
		s += (uint32_t)~w;
	}
	for (uint64_t i = 0; i < r4; i += 4) {
		uint32_t w;
		memcpy(&w, to + i, 4);
		s += w;
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	/* csum_from32to16 */
	uint32_t x = (uint32_t)s;
	x += x >> 16 | x << 16;
	return (uint16_t)(x >> 16);
}

/* The 2-byte checksum field at offset for l3/l4_csum_replace, or NULL
 * (-EFAULT: out of the packet, odd, past 0xffff). */
static uint8_t *csum_field(anybpf_run *run, uint64_t off)
{
	struct anybpf_helper_pkt *p = pkt_of(run);
	if (!p || off > 0xffff || (off & 1) || off + 2 > pkt_len(p))
		return NULL;
	return p->data + off;
}

/* The field update both csum_replace helpers share: size 0 adds the diff
 * `to` (from must be 0), 2 and 4 replace `from` by `to`; the L4 helper
 * treats 16-bit values as 32-bit ones, as the kernel's
 * inet_proto_csum_replace2 does.  0, or -1 for a bad size or diff. */
static int csum_update(uint8_t *sum, uint64_t size, uint64_t from, uint64_t to, int l4)
{
	switch (size) {
	case 0:
		if (from)
			return -1;
		csum_replace_by_diff(sum, (uint32_t)to);
		return 0;
	case 2:
		if (l4)
			csum_replace4(sum, (uint16_t)from, (uint16_t)to);
		else
			csum_replace2(sum, (uint16_t)from, (uint16_t)to);
		return 0;
	case 4:
		csum_replace4(sum, (uint32_t)from, (uint32_t)to);
		return 0;
	}
	return -1;
}

/* bpf_l3_csum_replace(skb, offset, from, to, flags): flags = the field's
 * size (0: `to` is a csum_diff result, 2, 4). */
uint64_t lh_l3_csum_replace(LH_ARGS)
{
	(void)r1;
	if (r5 & ~LH_F_HDR_FIELD_MASK)
		return (uint64_t)-EINVAL;
	uint8_t *sum = csum_field(run, r2);
	if (!sum)
		return (uint64_t)-EFAULT;
	return csum_update(sum, r5 & LH_F_HDR_FIELD_MASK, r3, r4, 0) ? (uint64_t)-EINVAL : 0;
}

/* bpf_l4_csum_replace: as l3, plus BPF_F_PSEUDO_HDR (the change is in the
 * pseudo header; a test-run skb is not CHECKSUM_PARTIAL, so the field is
 * updated the same way), BPF_F_MARK_MANGLED_0 (a 0 checksum, UDP's "none",
 * stays 0; a result of 0 becomes 0xffff), BPF_F_MARK_ENFORCE, BPF_F_IPV6. */
uint64_t lh_l4_csum_replace(LH_ARGS)
{
	(void)r1;
	int mmzero = (r5 & LH_F_MARK_MANGLED_0) != 0, mforce = (r5 & LH_F_MARK_ENFORCE) != 0;
	if (r5 & ~(LH_F_MARK_MANGLED_0 | LH_F_MARK_ENFORCE | LH_F_PSEUDO_HDR | LH_F_IPV6 |
		   LH_F_HDR_FIELD_MASK))
		return (uint64_t)-EINVAL;
	uint8_t *sum = csum_field(run, r2);
	if (!sum)
		return (uint64_t)-EFAULT;
	if (mmzero && !mforce && !ld16(sum))
		return 0;
	if (csum_update(sum, r5 & LH_F_HDR_FIELD_MASK, r3, r4, 1))
		return (uint64_t)-EINVAL;
	if (mmzero && !ld16(sum))
		st16(sum, LH_CSUM_MANGLED_0);
	return 0;
}

/* ---- skb ----------------------------------------------------------------- */

/* bpf_skb_load_bytes(skb, offset, to, len): 0, or -EFAULT with `to`
 * zeroed when [offset, offset + len) is not in the packet. */
uint64_t lh_skb_load_bytes(LH_ARGS)
{
	(void)r1, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	void *to = (void *)(uintptr_t)r3;
	if (!p || off > INT32_MAX || (uint64_t)off + len > pkt_len(p)) {
		if (to && len)
			memset(to, 0, len);
		return (uint64_t)-EFAULT;
	}
	memcpy(to, p->data + off, len);
	return 0;
}

/* bpf_skb_store_bytes(skb, offset, from, len, flags) */
uint64_t lh_skb_store_bytes(LH_ARGS)
{
	(void)r1;
	struct anybpf_helper_pkt *p = pkt_of(run);
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	if (r5 & ~(LH_F_RECOMPUTE_CSUM | LH_F_INVALIDATE_HASH))
		return (uint64_t)-EINVAL;
	if (!p || off > INT32_MAX || (uint64_t)off + len > pkt_len(p))
		return (uint64_t)-EFAULT;
	memmove(p->data + off, (const void *)(uintptr_t)r3, len);
	if (r5 & LH_F_INVALIDATE_HASH)
		p->hash = 0;
	return 0;
}

/* bpf_skb_pull_data(skb, len): make len bytes direct-readable: 0, or
 * -ENOMEM past the packet (every byte here is linear already). */
uint64_t lh_skb_pull_data(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	if (!p || (uint32_t)r2 > pkt_len(p))
		return (uint64_t)-ENOMEM;
	return 0;
}

/* bpf_skb_change_tail(skb, new_len, flags): trim or grow (zeroed) to
 * new_len; -EINVAL for flags, past the device's max or into the headers. */
uint64_t lh_skb_change_tail(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	uint32_t new_len = (uint32_t)r2;
	if (!p)
		return (uint64_t)-EINVAL;
	if (r3 || new_len > LH_SKB_DEV_MAX_LEN || new_len < p->mac_len)
		return (uint64_t)-EINVAL;
	if (new_len > (uint64_t)(p->buf_end - p->data))
		return (uint64_t)-ENOMEM;
	uint64_t old = pkt_len(p);
	if (new_len > old)
		memset(p->data_end, 0, new_len - old);
	p->data_end = p->data + new_len;
	pkt_regions(run, p, 0);
	lh_skb_sync(run);
	return 0;
}

/* bpf_skb_change_head(skb, head_room, flags): head_room zeroed bytes in
 * front; the new bytes start the MAC header. */
uint64_t lh_skb_change_head(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	uint32_t room = (uint32_t)r2;
	if (!p)
		return (uint64_t)-EINVAL;
	uint64_t new_len = pkt_len(p) + room;
	if (r3 || new_len > LH_SKB_MAX_LEN)
		return (uint64_t)-EINVAL;
	if (room > (uint64_t)(p->data - p->buf))
		return (uint64_t)-ENOMEM;
	p->data -= room;
	memset(p->data, 0, room);
	if (p->data_meta)
		p->data_meta = p->data;
	p->mac_len = (uint16_t)(p->mac_len + room);
	pkt_regions(run, p, 0);
	lh_skb_sync(run);
	return 0;
}

/* bpf_skb_load_bytes_relative(skb, offset, to, len, start_header):
 * offset from the MAC (0) or network (1) header; -EFAULT, `to` zeroed,
 * past the packet, for offset > 0xffff or another start.  Without a MAC
 * header in [data..) (cgroup_skb, socket filter: data is the network
 * header), the Ethernet header the kernel consumed is the 14 bytes before
 * data, when the buffer has them. */
uint64_t lh_skb_load_bytes_relative(LH_ARGS)
{
	(void)r1;
	struct anybpf_helper_pkt *p = pkt_of(run);
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	void *to = (void *)(uintptr_t)r3;
	const uint8_t *start = NULL;
	if (p && off <= 0xffff) {
		if (r5 == 1)
			start = p->data + p->mac_len;
		else if (r5 == 0 && p->mac_len)
			start = p->data;
		else if (r5 == 0 && p->data - p->buf >= LH_ETH_HLEN)
			start = p->data - LH_ETH_HLEN;
	}
	if (!start || (uint64_t)(p->data_end - start) < (uint64_t)off + len) {
		if (to && len)
			memset(to, 0, len);
		return (uint64_t)-EFAULT;
	}
	memcpy(to, start + off, len);
	return 0;
}

/* bpf_set_hash(skb, hash), bpf_set_hash_invalid(skb): 0. */
uint64_t lh_set_hash(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	if (p)
		p->hash = (uint32_t)r2;
	return 0;
}

uint64_t lh_set_hash_invalid(LH_ARGS)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	if (p)
		p->hash = 0;
	return 0;
}

/* bpf_csum_update(skb, csum): only CHECKSUM_COMPLETE skbs carry a csum to
 * update; a test-run skb is CHECKSUM_NONE: -ENOTSUPP, as Linux answers. */
uint64_t lh_csum_update(LH_ARGS)
{
	LH_UNUSED5, (void)run;
	return (uint64_t)-ANYBPF_ENOTSUPP;
}

/* A flow hash of the addresses, ports and protocol (the kernel's uses a
 * boot-time random key; any stable non-zero value is a correct answer). */
static uint32_t mix32(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

static uint32_t flow_hash(const struct anybpf_helper_pkt *p)
{
	const uint8_t *d = p->data;
	uint64_t len = pkt_len(p), l3 = p->mac_len;
	uint16_t proto = p->protocol;
	if (p->mac_len >= LH_ETH_HLEN && len >= LH_ETH_HLEN)
		memcpy(&proto, d + 12, 2);
	uint32_t h = 0x2d358dccu;
	h = mix32(h, proto);
	const uint8_t *n = d + l3;
	uint64_t nl = len > l3 ? len - l3 : 0;
	uint8_t ipproto = 0;
	uint64_t l4 = 0;
	if (proto == 0x0008 && nl >= 20) {          /* ETH_P_IP, network order */
		for (unsigned i = 12; i < 20; i += 4) {
			uint32_t w;
			memcpy(&w, n + i, 4);
			h = mix32(h, w);
		}
		ipproto = n[9];
		l4 = (uint64_t)(n[0] & 15) * 4;
	} else if (proto == 0xdd86 && nl >= 40) {   /* ETH_P_IPV6 */
		for (unsigned i = 8; i < 40; i += 4) {
			uint32_t w;
			memcpy(&w, n + i, 4);
			h = mix32(h, w);
		}
		ipproto = n[6];
		l4 = 40;
	}
	h = mix32(h, ipproto);
	if ((ipproto == 6 || ipproto == 17 || ipproto == 132) && l4 && nl >= l4 + 4) {
		uint32_t ports;
		memcpy(&ports, n + l4, 4);
		h = mix32(h, ports);
	}
	return h ? h : 1;
}

/* bpf_get_hash_recalc(skb): skb->hash, computed from the packet if unset. */
uint64_t lh_get_hash_recalc(LH_ARGS)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	if (!p)
		return 0;
	if (!p->hash)
		p->hash = flow_hash(p);
	return p->hash;
}

/* ---- xdp ----------------------------------------------------------------- */

static uint64_t metalen(const struct anybpf_helper_pkt *p)
{
	return p->data_meta && p->data_meta < p->data ? (uint64_t)(p->data - p->data_meta) : 0;
}

/* bpf_xdp_adjust_head(xdp, delta): move data by delta (negative: grow),
 * keeping the metadata just before it; -EINVAL past the headroom (after
 * the xdp_frame the kernel keeps there) or under an Ethernet header. */
uint64_t lh_xdp_adjust_head(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	int64_t off = (int64_t)(int32_t)r2;
	if (!p)
		return (uint64_t)-EINVAL;
	uint64_t ml = metalen(p);
	int64_t lo = (int64_t)LH_XDP_FRAME_SZ + (int64_t)ml - (p->data - p->buf);
	int64_t hi = (int64_t)pkt_len(p) - (int64_t)LH_ETH_HLEN;
	if (off < lo || off > hi)
		return (uint64_t)-EINVAL;
	if (ml)
		memmove(p->data_meta + off, p->data_meta, ml);
	p->data += off;
	p->data_meta = p->data_meta ? p->data_meta + off : p->data;
	pkt_regions(run, p, 1);
	return 0;
}

/* bpf_xdp_adjust_tail(xdp, delta): grown bytes are zeroed; -EINVAL past
 * buf_end (the hard end) or under an Ethernet header. */
uint64_t lh_xdp_adjust_tail(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	int64_t off = (int64_t)(int32_t)r2;
	if (!p)
		return (uint64_t)-EINVAL;
	if (off > p->buf_end - p->data_end || off < (int64_t)LH_ETH_HLEN - (int64_t)pkt_len(p))
		return (uint64_t)-EINVAL;
	if (off > 0)
		memset(p->data_end, 0, (size_t)off);
	p->data_end += off;
	pkt_regions(run, p, 1);
	return 0;
}

/* bpf_xdp_adjust_meta(xdp, delta): data_meta += delta; the metadata must
 * stay between the xdp_frame and data, a multiple of 4, at most 32 bytes
 * (-EACCES). */
uint64_t lh_xdp_adjust_meta(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	int64_t off = (int64_t)(int32_t)r2;
	if (!p)
		return (uint64_t)-EINVAL;
	if (!p->data_meta)
		return (uint64_t)-ANYBPF_ENOTSUPP;
	int64_t meta = (p->data_meta - p->buf) + off; /* relative to buf */
	int64_t data = p->data - p->buf;
	if (meta < (int64_t)LH_XDP_FRAME_SZ || meta > data)
		return (uint64_t)-EINVAL;
	uint64_t ml = (uint64_t)(data - meta);
	if ((ml & 3) || ml > LH_XDP_META_MAX)
		return (uint64_t)-EACCES;
	p->data_meta = p->buf + meta;
	pkt_regions(run, p, 1);
	return 0;
}

/* bpf_xdp_get_buff_len(xdp): the frame's length (no fragments here). */
uint64_t lh_xdp_get_buff_len(LH_ARGS)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	return p ? pkt_len(p) : 0;
}

static int xdp_span(anybpf_run *run, uint64_t off, uint64_t len, uint8_t **ptr)
{
	struct anybpf_helper_pkt *p = pkt_of(run);
	if (!p || (uint32_t)off > 0xffff || (uint32_t)len > 0xffff)
		return -EFAULT;
	if ((uint32_t)off + (uint64_t)(uint32_t)len > pkt_len(p))
		return -EINVAL;
	*ptr = p->data + (uint32_t)off;
	return 0;
}

/* bpf_xdp_load_bytes(xdp, offset, buf, len): 0, -EFAULT (offset or len
 * past 0xffff), -EINVAL (past the frame). */
uint64_t lh_xdp_load_bytes(LH_ARGS)
{
	(void)r1, (void)r5;
	uint8_t *src;
	int err = xdp_span(run, r2, r4, &src);
	if (err)
		return (uint64_t)(int64_t)err;
	memcpy((void *)(uintptr_t)r3, src, (uint32_t)r4);
	return 0;
}

uint64_t lh_xdp_store_bytes(LH_ARGS)
{
	(void)r1, (void)r5;
	uint8_t *dst;
	int err = xdp_span(run, r2, r4, &dst);
	if (err)
		return (uint64_t)(int64_t)err;
	memmove(dst, (const void *)(uintptr_t)r3, (uint32_t)r4);
	return 0;
}

/* ---- redirects ----------------------------------------------------------- */

/* bpf_redirect(ifindex, flags): XDP: XDP_REDIRECT, or XDP_ABORTED for any
 * flag; tc: TC_ACT_REDIRECT, or TC_ACT_SHOT for flags but BPF_F_INGRESS.
 * The target is recorded in hr->redirect. */
uint64_t lh_redirect(LH_ARGS)
{
	(void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	int xdp = hr && hr->xdp;
	if (xdp ? r2 != 0 : (r2 & ~LH_F_INGRESS) != 0)
		return xdp ? LH_XDP_ABORTED : LH_TC_ACT_SHOT;
	if (hr)
		hr->redirect = (struct anybpf_redirect){ ANYBPF_REDIRECT_IFINDEX, (uint32_t)r1, r2,
							 NULL };
	return xdp ? LH_XDP_REDIRECT : LH_TC_ACT_REDIRECT;
}

/* bpf_redirect_map(map, key, flags): XDP_REDIRECT when the devmap /
 * cpumap / xskmap slot is set (or with BPF_F_BROADCAST on a devmap), else
 * the low two flag bits (an XDP action); XDP_ABORTED for other flags. */
uint64_t lh_redirect_map(LH_ARGS)
{
	(void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	const struct anybpf_helper_env *env = hr ? hr->env : NULL;
	anybpf_rtmap *m = (anybpf_rtmap *)(uintptr_t)r1;
	size_t i = 0;
	if (env)
		for (i = 0; i < env->nmaps && env->maps[i] != m; i++)
			;
	if (!m || !env || i == env->nmaps)
		return LH_XDP_ABORTED;
	uint32_t t = anybpf_rtmap_type(m);
	uint64_t mask;
	if (t == ANYBPF_MAP_TYPE_DEVMAP || t == ANYBPF_MAP_TYPE_DEVMAP_HASH)
		mask = LH_F_BROADCAST | LH_F_EXCLUDE_INGRESS;
	else if (t == ANYBPF_MAP_TYPE_CPUMAP || t == ANYBPF_MAP_TYPE_XSKMAP)
		mask = 0;
	else
		return LH_XDP_ABORTED;
	if (r3 & ~(LH_F_ACTION_MASK | mask))
		return LH_XDP_ABORTED;
	uint32_t key = (uint32_t)r2;
	void *v = anybpf_rtmap_lookup_elem_prog(m, &key, hr->cpu);
	if (!v && !(r3 & LH_F_BROADCAST))
		return r3 & LH_F_ACTION_MASK;
	hr->redirect = (struct anybpf_redirect){ ANYBPF_REDIRECT_MAP, key, r3, m };
	return LH_XDP_REDIRECT;
}

/* bpf_redirect_peer(ifindex, flags): TC_ACT_REDIRECT, TC_ACT_SHOT for any flag. */
uint64_t lh_redirect_peer(LH_ARGS)
{
	(void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	if (r2)
		return LH_TC_ACT_SHOT;
	if (hr)
		hr->redirect = (struct anybpf_redirect){ ANYBPF_REDIRECT_PEER, (uint32_t)r1, 0, NULL };
	return LH_TC_ACT_REDIRECT;
}

#define LH_REDIR_NEIGH_SZ 20u        /* sizeof(struct bpf_redir_neigh) */

/* bpf_redirect_neigh(ifindex, params, plen, flags): TC_ACT_REDIRECT, or
 * TC_ACT_SHOT for flags or a params size other than 0 / >= 20. */
uint64_t lh_redirect_neigh(LH_ARGS)
{
	(void)r2, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	if ((r3 && r3 < LH_REDIR_NEIGH_SZ) || r4)
		return LH_TC_ACT_SHOT;
	if (hr)
		hr->redirect = (struct anybpf_redirect){ ANYBPF_REDIRECT_NEIGH, (uint32_t)r1,
							 r3 ? 1 : 0, NULL };
	return LH_TC_ACT_REDIRECT;
}

/* bpf_skb_ecn_set_ce(skb): mark an ECN-capable IPv4/IPv6 packet
 * "congestion experienced" (IPv4: checksum updated as IP_ECN_set_ce
 * does): 1 if it is CE now, 0 if not ECN-capable or not IP. */
uint64_t lh_skb_ecn_set_ce(LH_ARGS)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = pkt_of(run);
	if (!p)
		return 0;
	uint16_t proto = p->protocol;
	if (p->mac_len >= LH_ETH_HLEN && pkt_len(p) >= LH_ETH_HLEN)
		memcpy(&proto, p->data + 12, 2);
	uint8_t *ip = p->data + p->mac_len;
	uint64_t nl = pkt_len(p) > p->mac_len ? pkt_len(p) - p->mac_len : 0;
	if (proto == 0x0008) {               /* ETH_P_IP */
		if (nl < 20)
			return 0;
		unsigned ecn = (ip[1] + 1u) & 3u;
		if (!(ecn & 2))
			return !ecn;
		/* check += htons(0xFFFB) + htons(ecn), in 16-bit one's complement */
		uint16_t add = (uint16_t)(0xfffbu + ecn), c;
		memcpy(&c, ip + 10, 2);
		uint16_t be_add = (uint16_t)(add >> 8 | add << 8);
		c = csum16_add(c, be_add);
		memcpy(ip + 10, &c, 2);
		ip[1] |= 3;
		return 1;
	}
	if (proto == 0xdd86) {               /* ETH_P_IPV6 */
		if (nl < 40)
			return 0;
		/* traffic class: low nibble of byte 0, high nibble of byte 1;
		 * its ECN bits are bits 4-5 of byte 1 */
		if (!((ip[1] >> 4) & 3))
			return 0;
		ip[1] |= 3 << 4;
		return 1;
	}
	return 0;
}

/* bpf_get_socket_uid(skb): the uid of the skb's socket (env). */
uint64_t lh_get_socket_uid(LH_ARGS)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	return hr && hr->env ? hr->env->socket_uid : 0;
}

/* bpf_skb_cgroup_id(skb): the cgroup v2 id of the skb's socket, the
 * env's cgroup (the root, 1, by default). */
uint64_t lh_skb_cgroup_id(LH_ARGS)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	uint64_t id = hr && hr->env ? hr->env->cgroup_id : 0;
	return id ? id : 1;
}

#define LH_MTU_CHK_SEGS 1ull
enum { LH_MTU_CHK_RET_SUCCESS, LH_MTU_CHK_RET_FRAG_NEEDED };

/* bpf_check_mtu(ctx, ifindex, &mtu_len, len_diff, flags): whether the
 * packet (or an L3 length *mtu_len) plus len_diff fits the device's MTU
 * plus its 14-byte header: 0, 1 (BPF_MTU_CHK_RET_FRAG_NEEDED), -EINVAL
 * (flags; XDP takes none, tc BPF_MTU_CHK_SEGS alone), -ENODEV (another
 * device); *mtu_len gets the MTU (tc: 0 on errors; XDP: untouched). */
uint64_t lh_check_mtu(LH_ARGS)
{
	(void)r1;
	struct anybpf_helper_run *hr = hr_of(run);
	const struct anybpf_helper_env *env = hr ? hr->env : NULL;
	struct anybpf_helper_pkt *p = pkt_of(run);
	int xdp = hr && hr->xdp;
	if (anybpf_run_check(run, r3, 4, 1))
		return (uint64_t)-EFAULT;
	uint32_t in, mtu = 0;
	memcpy(&in, (const void *)(uintptr_t)r3, 4);
	int64_t ret;
	uint32_t dev = env && env->ifindex ? env->ifindex : 1;
	if (xdp ? r5 != 0 : (r5 & ~LH_MTU_CHK_SEGS) || ((r5 & LH_MTU_CHK_SEGS) && ((int32_t)r4 || in))) {
		ret = -EINVAL;
	} else if ((uint32_t)r2 && (uint32_t)r2 != dev) {
		ret = -ENODEV;
	} else {
		mtu = env && env->mtu ? env->mtu : 65536;
		int64_t dev_len = (int64_t)mtu + LH_ETH_HLEN;
		int64_t len = in ? (int64_t)in + LH_ETH_HLEN : (p ? (int64_t)pkt_len(p) : 0);
		len += (int32_t)r4;
		ret = len > dev_len ? LH_MTU_CHK_RET_FRAG_NEEDED : LH_MTU_CHK_RET_SUCCESS;
	}
	if (!xdp || ret >= 0)
		memcpy((void *)(uintptr_t)r3, &mtu, 4);
	return (uint64_t)ret;
}
