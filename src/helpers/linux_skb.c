/* linux_skb.c - the skb helpers that change the packet's shape or read
 * kernel state a userspace run does not have (tunnel metadata, routes,
 * cgroups, xfrm), following net/core/filter.c:
 *
 *   skb_vlan_push/pop, skb_change_proto, skb_adjust_room (bytes really
 *   inserted / removed, packet pointers moved in struct anybpf_helper_pkt),
 *   skb_change_type, csum_level, skb_set_tstamp, clone_redirect,
 *   skb_get/set_tunnel_key/opt, skb_get_xfrm_state, fib_lookup,
 *   get_cgroup_classid, skb_cgroup_classid, get_route_realm,
 *   skb_under_cgroup, skb_ancestor_cgroup_id.
 *
 * The kernel objects come from struct anybpf_helper_env (its comments say
 * what each default means: by default what a BPF_PROG_TEST_RUN skb on lo
 * sees); what the helpers did is recorded in struct anybpf_helper_run.
 * After a change, lh_skb_sync() keeps the program's struct __sk_buff (at
 * hr->ctx) current: len, protocol, vlan_present/tci/proto. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/common.h"
#include "helpers/linux_helpers.h"

#define ETH_HLEN 14u
#define VLAN_HLEN 4u
#define SKB_MAX_LEN 16064u          /* BPF_SKB_MAX_LEN */

/* struct __sk_buff offsets */
enum { U_LEN = 0, U_PKT_TYPE = 4, U_PROTOCOL = 16, U_VLAN_PRESENT = 20, U_VLAN_TCI = 24,
       U_VLAN_PROTO = 28, U_TSTAMP = 152, U_TSTAMP_TYPE = 180 };

static inline struct anybpf_helper_run *hr_of(anybpf_run *run)
{
	return (struct anybpf_helper_run *)anybpf_run_user(run);
}

static inline struct anybpf_helper_pkt *skb_of(anybpf_run *run)
{
	struct anybpf_helper_run *hr = hr_of(run);
	return hr && !hr->xdp ? hr->pkt : NULL;
}

static inline const struct anybpf_helper_env *env_of(anybpf_run *run)
{
	struct anybpf_helper_run *hr = hr_of(run);
	static const struct anybpf_helper_env none = { .sz = sizeof(none) };
	return hr && hr->env ? hr->env : &none;
}

static inline uint64_t plen(const struct anybpf_helper_pkt *p)
{
	return (uint64_t)(p->data_end - p->data);
}

static inline void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

uint8_t *lh_skb_uapi(anybpf_run *run)
{
	struct anybpf_helper_run *hr = hr_of(run);
	/* hr->ctx is the runtime's native context (a whole __sk_buff and
	 * more): the run's regions may give the program only some fields of
	 * it (checking mode), or none at all (the fast modes) */
	if (!hr || hr->xdp || !hr->skb_ctx || !hr->pkt || !hr->ctx)
		return NULL;
	return (uint8_t *)(uintptr_t)hr->ctx;
}

void lh_skb_sync(anybpf_run *run)
{
	struct anybpf_helper_pkt *p = skb_of(run);
	if (!p)
		return;
	uint8_t *u = lh_skb_uapi(run);
	if (u) {
		wr32(u + U_LEN, (uint32_t)plen(p));
		wr32(u + U_PROTOCOL, p->protocol);
		wr32(u + U_VLAN_PRESENT, p->vlan_present);
		wr32(u + U_VLAN_TCI, p->vlan_present ? p->vlan_tci : 0);
		wr32(u + U_VLAN_PROTO, p->vlan_present ? p->vlan_proto : 0);
	}
	/* checking mode: the program may reach the whole (moved) packet */
	size_t len = (size_t)plen(p);
	/* LD_ABS / LD_IND read the packet as it is now (skb->data on) */
	anybpf_run_set_pkt(run, p->data, len);
	if (lh_checked(run) && len && lh_accessible(run, (uint64_t)(uintptr_t)p->data, 1) < len)
		anybpf_run_add_region(run, p->data, len, ANYBPF_REGION_RW, "packet");
}

int lh_dev_exists(const struct anybpf_helper_env *env, uint32_t ifindex)
{
	if (!ifindex)
		return 0;
	if (ifindex == (env && env->ifindex ? env->ifindex : 1u))
		return 1;
	for (uint32_t i = 0; env && env->ifindexes && i < env->nifindexes; i++)
		if (env->ifindexes[i] == ifindex)
			return 1;
	return 0;
}

const uint64_t *lh_cgroup_path(const struct anybpf_helper_env *env, uint64_t *tmp2, uint32_t *n)
{
	if (env && env->cgroup_path && env->ncgroup_path) {
		*n = env->ncgroup_path;
		return env->cgroup_path;
	}
	tmp2[0] = 1;
	tmp2[1] = env ? env->cgroup_id : 0;
	*n = tmp2[1] && tmp2[1] != 1 ? 2 : 1;
	return tmp2;
}

/* Insert len zero bytes at offset off of the packet (moving [data, off)
 * down into the headroom): bpf_skb_generic_push.  -ENOMEM without room. */
static int pkt_push(struct anybpf_helper_pkt *p, uint32_t off, uint32_t len)
{
	if ((uint64_t)(p->data - p->buf) < len || off > plen(p))
		return -ENOMEM;
	p->data -= len;
	memmove(p->data, p->data + len, off);
	memset(p->data + off, 0, len);
	if (p->data_meta)
		p->data_meta = p->data;
	return 0;
}

/* Remove len bytes at offset off: bpf_skb_generic_pop (-ENOMEM past the packet). */
static int pkt_pop(struct anybpf_helper_pkt *p, uint32_t off, uint32_t len)
{
	if ((uint64_t)off + len > plen(p))
		return -ENOMEM;
	memmove(p->data + len, p->data, off);
	p->data += len;
	if (p->data_meta)
		p->data_meta = p->data;
	return 0;
}

static inline int eth_type_vlan(uint16_t be)
{
	return be == htons(0x8100) || be == htons(0x88a8);
}

/* ---- VLAN ------------------------------------------------------------------ */

/* bpf_skb_vlan_push(skb, vlan_proto, vlan_tci): skb_vlan_push.  The tag
 * becomes the skb's hw-accel tag (pkt->vlan_*, __sk_buff.vlan_*; not in
 * the bytes, so not in data_out, as Linux); a tag already there goes into
 * the packet first (4 bytes after the MAC addresses).  A proto other than
 * 802.1Q / 802.1ad is taken as 802.1Q. */
uint64_t lh_skb_vlan_push(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = skb_of(run);
	uint16_t proto = (uint16_t)r2, tci = (uint16_t)r3;
	if (!p)
		return (uint64_t)-EINVAL;
	if (!eth_type_vlan(proto))
		proto = htons(0x8100);
	if (p->vlan_present) {
		if (p->mac_len < ETH_HLEN || plen(p) < ETH_HLEN)
			return (uint64_t)-EINVAL;   /* data not at the MAC header */
		if ((uint64_t)(p->data - p->buf) < VLAN_HLEN)
			return (uint64_t)-ENOMEM;
		p->data -= VLAN_HLEN;
		if (p->data_meta)
			p->data_meta = p->data;
		memmove(p->data, p->data + VLAN_HLEN, 12);
		uint16_t t = htons(p->vlan_tci);
		memcpy(p->data + 12, &p->vlan_proto, 2);
		memcpy(p->data + 14, &t, 2);
		p->protocol = p->vlan_proto;
		p->mac_len = (uint16_t)(p->mac_len + VLAN_HLEN);
	}
	p->vlan_present = 1;
	p->vlan_proto = proto;
	p->vlan_tci = tci;
	lh_skb_sync(run);
	return 0;
}

/* __skb_vlan_pop: remove the tag in the bytes; *tci gets it; the inner
 * ethertype becomes skb->protocol (vlan_set_encap_proto). */
static int vlan_pop_bytes(struct anybpf_helper_pkt *p, uint16_t *tci)
{
	if (p->mac_len < ETH_HLEN)
		return -EINVAL;
	if (plen(p) < ETH_HLEN + VLAN_HLEN)
		return -ENOMEM;
	uint16_t t, inner;
	memcpy(&t, p->data + 14, 2);
	memcpy(&inner, p->data + 16, 2);
	*tci = ntohs(t);
	memmove(p->data + VLAN_HLEN, p->data, 12);
	p->data += VLAN_HLEN;
	if (p->data_meta)
		p->data_meta = p->data;
	if (ntohs(inner) >= 0x600) {
		p->protocol = inner;
	} else {
		uint16_t raw = 0;
		if (plen(p) >= ETH_HLEN + 2)
			memcpy(&raw, p->data + ETH_HLEN, 2);
		p->protocol = raw == 0xffff ? htons(0x0001) /* ETH_P_802_3 */
					    : htons(0x0004); /* ETH_P_802_2 */
	}
	if (p->mac_len >= ETH_HLEN + VLAN_HLEN)
		p->mac_len = (uint16_t)(p->mac_len - VLAN_HLEN);
	return 0;
}

/* bpf_skb_vlan_pop(skb): skb_vlan_pop.  The hw-accel tag if there is one,
 * else the outer tag in the bytes; then a next tag in the bytes moves to
 * the hw-accel tag.  0 for a packet without a tag. */
uint64_t lh_skb_vlan_pop(LH_ARGS)
{
	LH_UNUSED5;
	struct anybpf_helper_pkt *p = skb_of(run);
	uint16_t tci;
	if (!p)
		return (uint64_t)-EINVAL;
	if (p->vlan_present) {
		p->vlan_present = 0;
		p->vlan_proto = 0;
		p->vlan_tci = 0;
	} else {
		if (!eth_type_vlan(p->protocol))
			return 0;
		int err = vlan_pop_bytes(p, &tci);
		if (err) {
			lh_skb_sync(run);
			return (uint64_t)(int64_t)err;
		}
	}
	int err = 0;
	if (eth_type_vlan(p->protocol)) {
		uint16_t proto = p->protocol;
		err = vlan_pop_bytes(p, &tci);
		if (!err) {
			p->vlan_present = 1;
			p->vlan_proto = proto;
			p->vlan_tci = tci;
		}
	}
	lh_skb_sync(run);
	return (uint64_t)(int64_t)err;
}

/* ---- protocol, type, room ------------------------------------------------------- */

/* bpf_skb_change_proto(skb, proto, flags): IPv4 <-> IPv6 only: 20 zero
 * bytes inserted after the MAC header (4 to 6) or the first 20 of the
 * network header removed (6 to 4); skb->protocol changes, the Ethernet
 * type and the headers are the program's to write; hash cleared. */
uint64_t lh_skb_change_proto(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = skb_of(run);
	uint16_t to = (uint16_t)r2;
	if (r3)
		return (uint64_t)-EINVAL;
	if (!p)
		return (uint64_t)-EINVAL;
	int err;
	if (p->protocol == htons(0x0800) && to == htons(0x86dd)) {
		err = pkt_push(p, p->mac_len, 20);
	} else if (p->protocol == htons(0x86dd) && to == htons(0x0800)) {
		err = pkt_pop(p, p->mac_len, 20);
	} else {
		return (uint64_t)-ANYBPF_ENOTSUPP;
	}
	if (!err) {
		p->protocol = to;
		p->hash = 0;
	}
	lh_skb_sync(run);
	return (uint64_t)(int64_t)err;
}

/* bpf_skb_change_type(skb, type): pkt_type among PACKET_HOST (0) ..
 * PACKET_OTHERHOST (3), from one of them: 0, else -EINVAL. */
uint64_t lh_skb_change_type(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	uint8_t *u = lh_skb_uapi(run);
	uint32_t cur = u ? rd32(u + U_PKT_TYPE) : 0;
	if (cur > 3 || (uint32_t)r2 > 3)
		return (uint64_t)-EINVAL;
	if (u)
		wr32(u + U_PKT_TYPE, (uint32_t)r2);
	return 0;
}

#define ADJ_FIXED_GSO     (1ull << 0)
#define ADJ_ENCAP_L3_IPV4 (1ull << 1)
#define ADJ_ENCAP_L3_IPV6 (1ull << 2)
#define ADJ_ENCAP_L4_GRE  (1ull << 3)
#define ADJ_ENCAP_L4_UDP  (1ull << 4)
#define ADJ_NO_CSUM_RESET (1ull << 5)
#define ADJ_ENCAP_L2_ETH  (1ull << 6)
#define ADJ_DECAP_L3_IPV4 (1ull << 7)
#define ADJ_DECAP_L3_IPV6 (1ull << 8)
#define ADJ_ENCAP_L2_SHIFT 56
#define ADJ_ENCAP_L3_MASK (ADJ_ENCAP_L3_IPV4 | ADJ_ENCAP_L3_IPV6)
#define ADJ_DECAP_L3_MASK (ADJ_DECAP_L3_IPV4 | ADJ_DECAP_L3_IPV6)
#define ADJ_MASK (ADJ_FIXED_GSO | ADJ_ENCAP_L3_MASK | ADJ_ENCAP_L4_GRE | ADJ_ENCAP_L4_UDP | \
		  ADJ_ENCAP_L2_ETH | (0xffull << ADJ_ENCAP_L2_SHIFT) | ADJ_DECAP_L3_MASK)

static uint32_t net_base_len(uint16_t proto)
{
	return proto == htons(0x0800) ? 20u : proto == htons(0x86dd) ? 40u : 0u;
}

static int adjust_grow(struct anybpf_helper_pkt *p, uint32_t off, uint32_t diff, uint64_t flags)
{
	uint8_t inner_mac_len = (uint8_t)(flags >> ADJ_ENCAP_L2_SHIFT);
	int encap = (flags & ADJ_ENCAP_L3_MASK) != 0;
	if ((uint64_t)(p->data - p->buf) < diff)
		return -ENOMEM;
	if (encap) {
		if ((flags & ADJ_ENCAP_L3_IPV4) && (flags & ADJ_ENCAP_L3_IPV6))
			return -EINVAL;
		if ((flags & ADJ_ENCAP_L4_GRE) && (flags & ADJ_ENCAP_L4_UDP))
			return -EINVAL;
		if ((flags & ADJ_ENCAP_L2_ETH) && inner_mac_len < ETH_HLEN)
			return -EINVAL;
		if (p->encapsulation)
			return -EALREADY;
		if (inner_mac_len > diff)
			return -EINVAL;
	}
	int err = pkt_push(p, off, diff);
	if (err)
		return err;
	if (encap) {
		p->encapsulation = 1;
		if (p->protocol == htons(0x0800) && (flags & ADJ_ENCAP_L3_IPV6))
			p->protocol = htons(0x86dd);
		else if (p->protocol == htons(0x86dd) && (flags & ADJ_ENCAP_L3_IPV4))
			p->protocol = htons(0x0800);
	}
	return 0;
}

static int adjust_shrink(struct anybpf_helper_pkt *p, uint32_t off, uint32_t diff, uint64_t flags)
{
	if (flags & ~(ADJ_FIXED_GSO | ADJ_DECAP_L3_MASK | ADJ_NO_CSUM_RESET))
		return -EINVAL;
	int err = pkt_pop(p, off, diff);
	if (err)
		return err;
	if (flags & ADJ_DECAP_L3_IPV4)
		p->protocol = htons(0x0800);
	else if (flags & ADJ_DECAP_L3_IPV6)
		p->protocol = htons(0x86dd);
	return 0;
}

/* bpf_skb_adjust_room(skb, len_diff, mode, flags): grow (zeroed bytes) or
 * shrink the room at the MAC header's end (BPF_ADJ_ROOM_MAC, 1) or after
 * the network header (BPF_ADJ_ROOM_NET, 0), IPv4 / IPv6 packets only
 * (-ENOTSUPP), |len_diff| <= 0xfff (-EFAULT); encap flags mark the skb
 * encapsulated and may switch skb->protocol; the checksum state is reset
 * unless BPF_F_ADJ_ROOM_NO_CSUM_RESET. */
uint64_t lh_skb_adjust_room(LH_ARGS)
{
	(void)r1, (void)r5;
	struct anybpf_helper_pkt *p = skb_of(run);
	int32_t diff = (int32_t)r2;
	uint32_t mode = (uint32_t)r3;
	uint64_t flags = r4;
	if (!p)
		return (uint64_t)-EINVAL;
	uint32_t abs_diff = diff < 0 ? (uint32_t)-(int64_t)diff : (uint32_t)diff;
	uint32_t len_min = net_base_len(p->protocol);
	int shrink = diff < 0;
	if (flags & ~(ADJ_MASK | ADJ_NO_CSUM_RESET))
		return (uint64_t)-EINVAL;
	if (abs_diff > 0xfff)
		return (uint64_t)-EFAULT;
	if (p->protocol != htons(0x0800) && p->protocol != htons(0x86dd))
		return (uint64_t)-ANYBPF_ENOTSUPP;
	uint32_t off = p->mac_len;
	if (mode == 0)
		off += net_base_len(p->protocol);
	else if (mode != 1)
		return (uint64_t)-ANYBPF_ENOTSUPP;
	if (flags & ADJ_DECAP_L3_MASK) {
		if (!shrink)
			return (uint64_t)-EINVAL;
		switch (flags & ADJ_DECAP_L3_MASK) {
		case ADJ_DECAP_L3_IPV4: len_min = 20; break;
		case ADJ_DECAP_L3_IPV6: len_min = 40; break;
		default: return (uint64_t)-EINVAL;
		}
	}
	uint64_t len_cur = plen(p) > p->mac_len ? plen(p) - p->mac_len : 0;
	if ((shrink && (abs_diff >= len_cur || len_cur - abs_diff < len_min)) ||
	    (!shrink && plen(p) + abs_diff > SKB_MAX_LEN))
		return (uint64_t)-ANYBPF_ENOTSUPP;
	int err = shrink ? adjust_shrink(p, off, abs_diff, flags) : adjust_grow(p, off, abs_diff, flags);
	if (!err && !(flags & ADJ_NO_CSUM_RESET) && p->ip_summed == 1) {
		p->ip_summed = 0;
		p->csum_level = 0;
	}
	lh_skb_sync(run);
	return (uint64_t)(int64_t)err;
}

/* bpf_csum_level(skb, level): BPF_CSUM_LEVEL_QUERY (0) the level when
 * CHECKSUM_UNNECESSARY, else -EACCES (a test-run skb is CHECKSUM_NONE);
 * INC (1), DEC (2), RESET (3): 0; -EINVAL otherwise. */
uint64_t lh_csum_level(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = skb_of(run);
	if (!p)
		return (uint64_t)-EINVAL;
	switch (r2) {
	case 0:
		return p->ip_summed == 1 ? p->csum_level : (uint64_t)-EACCES;
	case 1:
		if (p->ip_summed == 1) {
			if (p->csum_level < 3)
				p->csum_level++;
		} else {
			p->ip_summed = 1;
			p->csum_level = 0;
		}
		return 0;
	case 2:
		if (p->ip_summed == 1) {
			if (!p->csum_level)
				p->ip_summed = 0;
			else
				p->csum_level--;
		}
		return 0;
	case 3:
		p->ip_summed = 0;
		p->csum_level = 0;
		return 0;
	default:
		return (uint64_t)-EINVAL;
	}
}

/* bpf_skb_set_tstamp(skb, tstamp, type): IPv4/IPv6 skbs only
 * (-EOPNOTSUPP); BPF_SKB_CLOCK_REALTIME (0) any value, MONOTONIC (1) and
 * TAI (2) a non-zero one; sets __sk_buff.tstamp and tstamp_type. */
uint64_t lh_skb_set_tstamp(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	struct anybpf_helper_pkt *p = skb_of(run);
	if (!p || (p->protocol != htons(0x0800) && p->protocol != htons(0x86dd)))
		return (uint64_t)-EOPNOTSUPP;
	uint32_t type = (uint32_t)r3;
	if (type > 2 || (type && !r2))
		return (uint64_t)-EINVAL;
	uint8_t *u = lh_skb_uapi(run);
	if (u) {
		memcpy(u + U_TSTAMP, &r2, 8);
		u[U_TSTAMP_TYPE] = (uint8_t)type;
	}
	return 0;
}

/* ---- redirect, classids, cgroups ----------------------------------------------- */

#define F_INGRESS 1ull

/* bpf_clone_redirect(skb, ifindex, flags): a copy of the packet goes to
 * the device (recorded in hr->clone / nclones); 0, -EINVAL for flags but
 * BPF_F_INGRESS or a device that does not exist. */
uint64_t lh_clone_redirect(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	if (r3 & ~F_INGRESS)
		return (uint64_t)-EINVAL;
	if (!lh_dev_exists(env_of(run), (uint32_t)r2))
		return (uint64_t)-EINVAL;
	if (hr) {
		hr->clone = (struct anybpf_redirect){ ANYBPF_REDIRECT_IFINDEX, (uint32_t)r2, r3, NULL };
		hr->nclones++;
	}
	return 0;
}

/* bpf_get_cgroup_classid(skb) (the task's net_cls classid) and
 * bpf_skb_cgroup_classid(skb) (the socket's): env->cgroup_classid. */
uint64_t lh_get_cgroup_classid(LH_ARGS)
{
	LH_UNUSED5;
	return env_of(run)->cgroup_classid;
}

uint64_t lh_skb_cgroup_classid(LH_ARGS)
{
	LH_UNUSED5;
	return env_of(run)->cgroup_classid;
}

/* bpf_get_route_realm(skb): the route's tclassid, env->route_realm. */
uint64_t lh_get_route_realm(LH_ARGS)
{
	LH_UNUSED5;
	return env_of(run)->route_realm;
}

/* bpf_skb_ancestor_cgroup_id(skb, level): the id of the socket's cgroup's
 * ancestor at level (0: the root), 0 past the cgroup's own level.  The
 * test-run socket's cgroup is the current task's (env->cgroup_path), so
 * this is bpf_get_current_ancestor_cgroup_id(level). */
uint64_t lh_skb_ancestor_cgroup_id(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	return lh_get_current_ancestor_cgroup_id(r2, 0, 0, 0, 0, run);
}

/* A cgroup_array slot: 0 and the cgroup id, -E2BIG, -EAGAIN (empty),
 * -EINVAL (not a cgroup_array). */
static int cgroup_slot(anybpf_run *run, uint64_t map, uint32_t idx, uint64_t *id)
{
	const struct anybpf_helper_env *env = env_of(run);
	anybpf_rtmap *m = (anybpf_rtmap *)(uintptr_t)map;
	size_t i;
	for (i = 0; m && i < env->nmaps && env->maps[i] != m; i++)
		;
	if (!m || i == env->nmaps || anybpf_rtmap_type(m) != ANYBPF_MAP_TYPE_CGROUP_ARRAY)
		return -EINVAL;
	if (idx >= anybpf_rtmap_max_entries(m))
		return -E2BIG;
	*id = env->cgroup_array && idx < env->ncgroup_array ? env->cgroup_array[idx] : 0;
	return *id ? 0 : -EAGAIN;
}

int lh_under_cgroup(anybpf_run *run, uint64_t map, uint32_t idx)
{
	uint64_t id, tmp[2];
	int err = cgroup_slot(run, map, idx, &id);
	if (err)
		return err;
	uint32_t n;
	const uint64_t *path = lh_cgroup_path(env_of(run), tmp, &n);
	for (uint32_t i = 0; i < n; i++)
		if (path[i] == id)
			return 1;
	return 0;
}

/* bpf_skb_under_cgroup(skb, map, index): 1 when the socket's cgroup is
 * the slot's cgroup or below it, 0 if not, -E2BIG, -EAGAIN (empty slot). */
uint64_t lh_skb_under_cgroup(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	return (uint64_t)(int64_t)lh_under_cgroup(run, r2, (uint32_t)r3);
}

/* ---- tunnels ------------------------------------------------------------------ */

#define TUN_F_IPV6        (1ull << 0)
#define TUN_F_ZERO_CSUM   (1ull << 1)
#define TUN_F_DONT_FRAG   (1ull << 2)
#define TUN_F_SEQ_NUMBER  (1ull << 3)
#define TUN_F_NO_KEY      (1ull << 4)
#define TUN_F_FLAGS       (1ull << 4)     /* get: BPF_F_TUNINFO_FLAGS */
#define TUNNEL_CSUM       0x0001u
#define TUNNEL_KEY        0x0004u
#define TUNNEL_SEQ        0x0008u
#define TUNNEL_DONT_FRAG  0x0100u
#define TUNNEL_NOCACHE    0x2000u
#define TUNNEL_OPTS       (0x0800u | 0x1000u | 0x4000u | 0x8000u)
#define TUNKEY_SIZE 44u                   /* sizeof(struct bpf_tunnel_key) */
/* offsetof(struct bpf_tunnel_key, ...) */
enum { TK_ID = 0, TK_REMOTE = 4, TK_TOS = 20, TK_TTL = 21, TK_EXT = 22, TK_LABEL = 24,
       TK_LOCAL = 28 };

static const struct anybpf_tunnel_info *tun_info(anybpf_run *run)
{
	struct anybpf_helper_run *hr = hr_of(run);
	if (hr && hr->tun_set)
		return &hr->tun;
	return env_of(run)->tunnel;
}

/* bpf_skb_get_tunnel_key(skb, key, size, flags): the tunnel metadata as a
 * struct bpf_tunnel_key (or one of its older, shorter layouts); -EINVAL
 * (no metadata: a test-run skb; flags; size), -EPROTO (the other family);
 * the key is zeroed on errors. */
uint64_t lh_skb_get_tunnel_key(LH_ARGS)
{
	(void)r1, (void)r5;
	const struct anybpf_tunnel_info *t = tun_info(run);
	uint8_t *to = (uint8_t *)(uintptr_t)r2;
	uint32_t size = (uint32_t)r3;
	uint8_t k[TUNKEY_SIZE];
	int err = -EINVAL;
	if (!t || (r4 & ~(TUN_F_IPV6 | TUN_F_FLAGS)))
		goto clear;
	if (t->ipv6 != ((r4 & TUN_F_IPV6) != 0)) {
		err = -EPROTO;
		goto clear;
	}
	if (size != TUNKEY_SIZE && size != TK_LOCAL && size != TK_LABEL && size != TK_EXT &&
	    !(size == 8 && !t->ipv6))
		goto clear;
	memset(k, 0, sizeof(k));
	wr32(k + TK_ID, (uint32_t)t->id);
	k[TK_TOS] = t->tos;
	k[TK_TTL] = t->ttl;
	if (r4 & TUN_F_FLAGS) {
		uint16_t f = htons(t->flags);
		memcpy(k + TK_EXT, &f, 2);
	}
	if (t->ipv6) {
		memcpy(k + TK_REMOTE, t->src, 16);
		memcpy(k + TK_LOCAL, t->dst, 16);
		wr32(k + TK_LABEL, t->label & 0xfffff);
	} else {
		wr32(k + TK_REMOTE, ntohl(rd32(t->src)));
		wr32(k + TK_LOCAL, ntohl(rd32(t->dst)));
	}
	memcpy(to, k, size);
	return 0;
clear:
	if (size)
		memset(to, 0, size);
	return (uint64_t)(int64_t)err;
}

/* bpf_skb_set_tunnel_key(skb, key, size, flags): the skb's tunnel
 * metadata for the encapsulating device (hr->tun, what get_tunnel_key
 * reads from then on): 0, or -EINVAL (flags, size, a label without
 * BPF_F_TUNINFO_IPV6, tunnel_ext set). */
uint64_t lh_skb_set_tunnel_key(LH_ARGS)
{
	(void)r1, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	uint32_t size = (uint32_t)r3;
	uint8_t k[TUNKEY_SIZE] = { 0 };
	if (r4 & ~(TUN_F_IPV6 | TUN_F_ZERO_CSUM | TUN_F_DONT_FRAG | TUN_F_SEQ_NUMBER | TUN_F_NO_KEY))
		return (uint64_t)-EINVAL;
	if (size != TUNKEY_SIZE && size != TK_LOCAL && size != TK_LABEL && size != TK_EXT &&
	    size != 8)
		return (uint64_t)-EINVAL;
	memcpy(k, (const void *)(uintptr_t)r2, size);
	uint16_t ext;
	memcpy(&ext, k + TK_EXT, 2);
	if ((!(r4 & TUN_F_IPV6) && rd32(k + TK_LABEL)) || ext)
		return (uint64_t)-EINVAL;
	if (!hr)
		return 0;
	struct anybpf_tunnel_info *t = &hr->tun;
	memset(t, 0, sizeof(*t));
	hr->tun_set = 1;
	t->flags = TUNNEL_KEY | TUNNEL_CSUM | TUNNEL_NOCACHE;
	if (r4 & TUN_F_DONT_FRAG)
		t->flags |= TUNNEL_DONT_FRAG;
	if (r4 & TUN_F_ZERO_CSUM)
		t->flags &= (uint16_t)~TUNNEL_CSUM;
	if (r4 & TUN_F_SEQ_NUMBER)
		t->flags |= TUNNEL_SEQ;
	if (r4 & TUN_F_NO_KEY)
		t->flags &= (uint16_t)~TUNNEL_KEY;
	t->id = rd32(k + TK_ID);
	t->tos = k[TK_TOS];
	t->ttl = k[TK_TTL];
	if (r4 & TUN_F_IPV6) {
		t->ipv6 = 1;
		memcpy(t->dst, k + TK_REMOTE, 16);
		memcpy(t->src, k + TK_LOCAL, 16);
		t->label = rd32(k + TK_LABEL) & 0xfffff;
	} else {
		uint32_t a = htonl(rd32(k + TK_REMOTE)), b = htonl(rd32(k + TK_LOCAL));
		memcpy(t->dst, &a, 4);
		memcpy(t->src, &b, 4);
	}
	return 0;
}

/* bpf_skb_get_tunnel_opt(skb, opt, size): the options' length, with opt
 * zero-padded; -ENOENT (no metadata or no options), -ENOMEM (size too
 * small); opt zeroed on errors. */
uint64_t lh_skb_get_tunnel_opt(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	const struct anybpf_tunnel_info *t = tun_info(run);
	uint8_t *to = (uint8_t *)(uintptr_t)r2;
	uint32_t size = (uint32_t)r3;
	int err = -ENOENT;
	if (t && (t->flags & TUNNEL_OPTS)) {
		uint32_t n = t->opts_len < sizeof(t->opts) ? t->opts_len : (uint32_t)sizeof(t->opts);
		if (size >= n) {
			memcpy(to, t->opts, n);
			memset(to + n, 0, size - n);
			return n;
		}
		err = -ENOMEM;
	}
	if (size)
		memset(to, 0, size);
	return (uint64_t)(int64_t)err;
}

/* bpf_skb_set_tunnel_opt(skb, opt, size): only after set_tunnel_key in
 * this run; size a multiple of 4 (-EINVAL), at most 255 (-ENOMEM). */
uint64_t lh_skb_set_tunnel_opt(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	uint32_t size = (uint32_t)r3;
	if (!hr || !hr->tun_set || (size & 3))
		return (uint64_t)-EINVAL;
	if (size > 255)
		return (uint64_t)-ENOMEM;
	hr->tun.opts_len = size;
	if (size) {
		memcpy(hr->tun.opts, (const void *)(uintptr_t)r2, size);
		hr->tun.flags |= TUNNEL_OPTS;
	}
	return 0;
}

/* bpf_skb_get_xfrm_state(skb, index, state, size, flags): state index of
 * the skb's sec path (env->xfrm) as a struct bpf_xfrm_state (28 bytes);
 * -EINVAL (no sec path: a test-run skb; index; flags; size), zeroed. */
uint64_t lh_skb_get_xfrm_state(LH_ARGS)
{
	(void)r1;
	const struct anybpf_helper_env *env = env_of(run);
	uint8_t *to = (uint8_t *)(uintptr_t)r3;
	uint32_t idx = (uint32_t)r2, size = (uint32_t)r4;
	if (!env->xfrm || idx >= env->nxfrm || r5 || size != 28) {
		if (size)
			memset(to, 0, size);
		return (uint64_t)-EINVAL;
	}
	const struct anybpf_xfrm_state *x = &env->xfrm[idx];
	memset(to, 0, 28);
	wr32(to, x->reqid);
	wr32(to + 4, x->spi);
	memcpy(to + 8, &x->family, 2);
	memcpy(to + 12, x->daddr, x->family == 10 ? 16 : 4);
	return 0;
}

/* ---- fib_lookup ---------------------------------------------------------------- */

#define FIB_DIRECT    (1u << 0)
#define FIB_OUTPUT    (1u << 1)
#define FIB_SKIP_NEIGH (1u << 2)
#define FIB_TBID      (1u << 3)
#define FIB_SRC       (1u << 4)
#define FIB_MARK      (1u << 5)
#define FIB_MASK      (FIB_DIRECT | FIB_OUTPUT | FIB_SKIP_NEIGH | FIB_TBID | FIB_SRC | FIB_MARK)
enum { FIB_RET_SUCCESS, FIB_RET_BLACKHOLE, FIB_RET_UNREACHABLE, FIB_RET_PROHIBIT,
       FIB_RET_NOT_FWDED, FIB_RET_FWD_DISABLED, FIB_RET_UNSUPP_LWT, FIB_RET_NO_NEIGH,
       FIB_RET_FRAG_NEEDED, FIB_RET_NO_SRC_ADDR };
/* struct bpf_fib_lookup offsets */
enum { FL_FAMILY = 0, FL_TOT_LEN = 6, FL_IFINDEX = 8, FL_METRIC = 12, FL_SRC = 16, FL_DST = 32,
       FL_VLAN_PROTO = 48, FL_VLAN_TCI = 50, FL_TBID = 48, FL_SMAC = 52, FL_DMAC = 58,
       FL_SIZE = 64 };

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full))
		return 0;
	if (rest && ((a[full] ^ b[full]) & (0xff00u >> rest) & 0xff))
		return 0;
	return 1;
}

static const struct anybpf_fib_route *fib_find(const struct anybpf_helper_env *env,
					       uint8_t family, const uint8_t *dst,
					       int tbid, uint32_t table)
{
	const struct anybpf_fib_route *best = NULL;
	unsigned alen = family == 2 ? 4 : 16;
	for (uint32_t i = 0; env->fib && i < env->nfib; i++) {
		const struct anybpf_fib_route *r = &env->fib[i];
		uint32_t t = r->table ? r->table : 254;
		if (r->family != family || r->prefix_len > alen * 8 || (tbid && t != table))
			continue;
		if (prefix_match(dst, r->prefix, r->prefix_len) &&
		    (!best || r->prefix_len > best->prefix_len))
			best = r;
	}
	return best;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* bpf_fib_lookup(ctx, params, plen, flags) over env->fib (see the env):
 * a BPF_FIB_LKUP_RET_* code with params filled as the kernel fills them
 * (ifindex, rt_metric, the gateway as dst, smac / dmac, mtu_result), or
 * -EINVAL (plen < 64, flags), -EAFNOSUPPORT (family), -ENODEV (no such
 * input device).  For skb programs without tot_len the packet itself is
 * checked against the output device's MTU. */
uint64_t lh_fib_lookup(LH_ARGS)
{
	(void)r1, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	const struct anybpf_helper_env *env = env_of(run);
	uint8_t *fl = (uint8_t *)(uintptr_t)r2;
	uint32_t flags = (uint32_t)r4;
	if ((int32_t)r3 < (int32_t)FL_SIZE || (flags & ~FIB_MASK))
		return (uint64_t)-EINVAL;
	/* the VM checked the params readable (MEM_R); they are written too */
	if (anybpf_run_check(run, r2, FL_SIZE, 1))
		return (uint64_t)-EFAULT;
	uint8_t family = fl[FL_FAMILY];
	if (family != 2 && family != 10)
		return (uint64_t)-EAFNOSUPPORT;
	unsigned alen = family == 2 ? 4 : 16;
	int xdp = hr && hr->xdp;
	uint16_t tot_len;
	memcpy(&tot_len, fl + FL_TOT_LEN, 2);
	int check_mtu = xdp || tot_len;
	if (!lh_dev_exists(env, rd32(fl + FL_IFINDEX)))
		return (uint64_t)-ENODEV;
	if (env->fib_no_forwarding)
		return FIB_RET_FWD_DISABLED;
	const struct anybpf_fib_route *r =
		fib_find(env, family, fl + FL_DST, (flags & FIB_TBID) != 0, rd32(fl + FL_TBID));
	if (!r)
		return FIB_RET_NOT_FWDED;
	if (r->ret)
		return r->ret;
	uint32_t mtu = r->mtu ? r->mtu : 1500;
	if (check_mtu && tot_len > mtu) {
		uint16_t m = (uint16_t)mtu;
		memcpy(fl + FL_TOT_LEN, &m, 2);
		return FIB_RET_FRAG_NEEDED;
	}
	wr32(fl + FL_METRIC, r->metric);
	wr32(fl + FL_IFINDEX, r->ifindex);
	if (flags & FIB_SRC) {
		if (all_zero(r->src, alen))
			return FIB_RET_NO_SRC_ADDR;
		memcpy(fl + FL_SRC, r->src, alen);
	}
	if (!all_zero(r->gateway, alen))
		memcpy(fl + FL_DST, r->gateway, alen);
	if (!(flags & FIB_SKIP_NEIGH)) {
		if (r->no_neigh)
			return FIB_RET_NO_NEIGH;
		memcpy(fl + FL_DMAC, r->dmac, 6);
		memcpy(fl + FL_SMAC, r->smac, 6);
	}
	/* bpf_fib_set_fwd_params */
	memset(fl + FL_VLAN_PROTO, 0, 4);
	uint16_t m = (uint16_t)mtu;
	memcpy(fl + FL_TOT_LEN, &m, 2);
	struct anybpf_helper_pkt *p = skb_of(run);
	if (!check_mtu && p && plen(p) > (uint64_t)mtu + ETH_HLEN + VLAN_HLEN)
		return FIB_RET_FRAG_NEEDED;   /* !is_skb_forwardable */
	return FIB_RET_SUCCESS;
}
