/* ctx_net.c - native contexts for the packet types (xdp; socket_filter,
 * sched_cls/act, cgroup_skb, lwt: struct __sk_buff) and the raw-bytes
 * contexts of the tracing types, built from BPF_PROG_TEST_RUN inputs the
 * way the kernel's net/bpf/test_run.c builds them; and the context rewrite
 * (ctx.h explains the layout). */
#include <string.h>

#include "common/common.h"
#include "ctx.h"

/* struct __sk_buff offsets (uapi/linux/bpf.h) */
enum {
	SKB_LEN = 0, SKB_PKT_TYPE = 4, SKB_MARK = 8, SKB_QUEUE_MAPPING = 12, SKB_PROTOCOL = 16,
	SKB_PRIORITY = 32, SKB_INGRESS_IFINDEX = 36, SKB_IFINDEX = 40, SKB_TC_INDEX = 44,
	SKB_CB = 48, SKB_CB_END = 68, SKB_TC_CLASSID = 72, SKB_FAMILY = 88, SKB_REMOTE_IP4 = 92,
	SKB_LOCAL_IP4 = 96, SKB_REMOTE_IP6 = 100, SKB_LOCAL_IP6 = 116, SKB_TSTAMP = 152,
	SKB_WIRE_LEN = 160, SKB_GSO_SEGS = 164, SKB_GSO_SIZE = 176, SKB_HWTSTAMP = 184,
	SKB_SIZE = 192,
};
/* struct xdp_md */
enum { XDP_DATA = 0, XDP_DATA_END = 4, XDP_DATA_META = 8, XDP_INGRESS_IFINDEX = 12,
       XDP_RX_QUEUE_INDEX = 16, XDP_EGRESS_IFINDEX = 20, XDP_MD_SIZE = 24 };

#define LOOPBACK_IFINDEX 1u   /* the test run's device, as in the kernel */

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static int zero_range(const uint8_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i])
			return 0;
	return 1;
}

enum ctx_class ctx_class_of(const struct hook *h)
{
	if (!strcmp(h->name, "xdp"))
		return CTXC_XDP;
	if (h->flags & HOOK_OPAQUE)
		return CTXC_RAW;
	if (!hook_takes_packet(h))
		return CTXC_RAW;
	const struct ctx_field *f = hook_field_of_kind(h, CTXK_PKT, 0);
	return f && f->elem == 8 ? CTXC_PTRS : CTXC_SKB;
}

void ctx_run_free(struct ctx_run *r)
{
	if (!r)
		return;
	ab_free(r->buf);
	ab_free(r->ctx);
	memset(r, 0, sizeof(*r));
}

uint8_t *ctx_run_data(const struct ctx_run *r, size_t *len)
{
	if (r->cls == CTXC_RAW || !r->ctx) {
		*len = 0;
		return NULL;
	}
	const struct anybpf_helper_pkt *k = ctx_pkt(r);
	*len = k->data_end >= k->data ? (size_t)(k->data_end - k->data) : 0;
	return k->data;
}

static void set_ptrs(struct ctx_run *r, uint8_t *meta, uint8_t *data, size_t len)
{
	struct anybpf_helper_pkt *k = ctx_pkt(r);
	k->data = data;
	k->data_end = data + len;
	k->data_meta = meta;
	k->buf = r->buf;
	k->buf_end = r->buf + r->cap;
}

/* The buffer of a packet run (headroom, len bytes, tailroom) with data
 * copied to pre bytes before the headroom's end, and the context (the
 * hook's, then the helpers' packet), zeroed: where data went, or NULL when
 * out of memory. */
static uint8_t *pkt_alloc(struct ctx_run *r, const uint8_t *data, size_t len, size_t pre)
{
	r->cap = CTX_XDP_HEADROOM + len + CTX_TAILROOM;
	r->ctx_size = ctx_ptrs_off(r->hook) + sizeof(struct anybpf_helper_pkt);
	r->buf = ab_calloc(1, r->cap);
	r->ctx = ab_calloc(1, r->ctx_size);
	if (!r->buf || !r->ctx)
		return NULL;
	uint8_t *start = r->buf + CTX_XDP_HEADROOM - pre;
	if (len)
		memcpy(start, data, len);
	return start;
}

static int build_xdp(struct ctx_run *r, const uint8_t *data, size_t len, const uint8_t *ci,
		     size_t clen, struct anybpf_log *log)
{
	uint8_t md[XDP_MD_SIZE] = { 0 };
	size_t meta = 0;
	if (clen > XDP_MD_SIZE && !zero_range(ci, XDP_MD_SIZE, clen))
		return ab_err(log, -ANYBPF_E_INVAL, -1,
			      "ctx_in: %zu bytes, but struct xdp_md has %d (the rest must be zero)", clen, XDP_MD_SIZE);
	if (clen)
		memcpy(md, ci, clen < XDP_MD_SIZE ? clen : XDP_MD_SIZE);
	r->xdp_ifindex = LOOPBACK_IFINDEX;
	if (clen) {
		meta = rd32(md + XDP_DATA);
		if (rd32(md + XDP_DATA_META) || rd32(md + XDP_DATA_END) != len || meta > len)
			return ab_err(log, -ANYBPF_E_INVAL, -1,
				      "ctx_in: xdp_md needs data_meta 0, data_end = the data size (%zu), data <= data_end (data is the metadata length)", len);
		if (meta % 4 || meta > 32)
			return ab_err(log, -ANYBPF_E_INVAL, -1,
				      "ctx_in: xdp_md.data (metadata length) %zu must be a multiple of 4, at most 32", meta);
		if (rd32(md + XDP_EGRESS_IFINDEX))
			return ab_err(log, -ANYBPF_E_INVAL, -1, "ctx_in: xdp_md.egress_ifindex must be 0");
		uint32_t ifx = rd32(md + XDP_INGRESS_IFINDEX), rxq = rd32(md + XDP_RX_QUEUE_INDEX);
		if (!ifx && rxq)
			return ab_err(log, -ANYBPF_E_INVAL, -1, "ctx_in: xdp_md.rx_queue_index needs an ingress_ifindex");
		if (ifx && (ifx != LOOPBACK_IFINDEX || rxq))
			return ab_err(log, -ANYBPF_E_INVAL, -1,
				      "ctx_in: xdp_md: ingress_ifindex %u rx_queue_index %u: the only device is lo (ifindex 1, one queue)", ifx, rxq);
		if (ifx)
			r->xdp_ifindex = ifx;
		r->xdp_rxq = rxq;
	}
	uint8_t *start = pkt_alloc(r, data, len, meta);
	if (!start)
		return -ANYBPF_E_NOMEM;
	wr32(r->ctx + XDP_INGRESS_IFINDEX, r->xdp_ifindex);
	wr32(r->ctx + XDP_RX_QUEUE_INDEX, r->xdp_rxq);
	set_ptrs(r, start, start + meta, len - meta);
	return 0;
}

/* Which __sk_buff bytes ctx_in may set (convert___skb_to_skb). */
static const struct { uint16_t from, to; } skb_in_fields[] = {
	{ SKB_MARK, SKB_MARK + 4 }, { SKB_PRIORITY, SKB_IFINDEX + 4 }, { SKB_CB, SKB_CB_END },
	{ SKB_TSTAMP, SKB_GSO_SEGS + 4 }, { SKB_GSO_SIZE, SKB_GSO_SIZE + 4 },
	{ SKB_HWTSTAMP, SKB_SIZE },
};

static int skb_ctx_in_check(const uint8_t *ci, size_t clen, struct anybpf_log *log)
{
	size_t at = 0;
	for (size_t i = 0; i <= ARRAY_SIZE(skb_in_fields); i++) {
		size_t to = i < ARRAY_SIZE(skb_in_fields) ? skb_in_fields[i].from : clen;
		if (to > clen)
			to = clen;
		for (size_t b = at; b < to; b++)
			if (ci[b])
				return ab_err(log, -ANYBPF_E_INVAL, -1,
					      "ctx_in: __sk_buff byte %zu is not zero, but only mark, priority, ingress_ifindex, ifindex, cb[], tstamp, wire_len, gso_segs, gso_size and hwtstamp may be set", b);
		if (i < ARRAY_SIZE(skb_in_fields))
			at = skb_in_fields[i].to;
	}
	return 0;
}

/* sk_skb: data_in is the stream data the socket received (no link or
 * network header: the kernel has no test run for sk_skb, so this is ours);
 * ctx_in may set priority, tc_index, cb[] and the socket's family,
 * addresses and ports (88..140), the rest must be zero. */
static int build_stream(struct ctx_run *r, const uint8_t *data, size_t len, const uint8_t *ci,
			size_t clen, struct anybpf_log *log)
{
	for (size_t b = 0; b < clen; b++)
		if (ci[b] && !(b >= SKB_PRIORITY && b < SKB_PRIORITY + 4) &&
		    !(b >= SKB_TC_INDEX && b < SKB_CB_END) && !(b >= SKB_FAMILY && b < 140))
			return ab_err(log, -ANYBPF_E_INVAL, -1,
				      "ctx_in: __sk_buff byte %zu is not zero, but an sk_skb ctx_in may set only priority, tc_index, cb[], family, remote/local_ip4/ip6 and remote/local_port", b);
	uint8_t *d = pkt_alloc(r, data, len, 0);
	if (!d)
		return -ANYBPF_E_NOMEM;
	if (clen)
		memcpy(r->ctx, ci, clen < SKB_SIZE ? clen : SKB_SIZE);
	wr32(r->ctx + SKB_LEN, (uint32_t)len);
	wr32(r->ctx + SKB_IFINDEX, LOOPBACK_IFINDEX);
	set_ptrs(r, d, d, len);
	return 0;
}

/* The 8-byte packet pointer fields of a PTRS context. */
static const struct ctx_field *ptr_field(const struct hook *h, unsigned kind)
{
	return hook_field_of_kind(h, kind, 0);
}

/* PTRS: the context from ctx_in (its pointer fields zero: the runtime sets
 * them), the packet from data_in (may be empty). */
static int build_ptrs(struct ctx_run *r, const uint8_t *data, size_t len, const uint8_t *ci,
		      size_t clen, struct anybpf_log *log)
{
	const struct hook *h = r->hook;
	static const unsigned kinds[] = { CTXK_PKT, CTXK_PKT_END, CTXK_PKT_META };
	if (clen > h->ctx_size)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "ctx_in: %zu bytes, but the %s context has %u",
			      clen, h->name, h->ctx_size);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		const struct ctx_field *f = ptr_field(h, kinds[k]);
		if (f && clen > f->off && !zero_range(ci, f->off, clen < f->off + f->size ? clen : f->off + f->size))
			return ab_err(log, -ANYBPF_E_INVAL, -1,
				      "ctx_in: %s.%s (bytes %u-%u) is a pointer the runtime sets to the packet (data_in); leave it zero",
				      h->name, f->name, f->off, f->off + f->size - 1);
	}
	uint8_t *d = pkt_alloc(r, data, len, 0);
	if (!d)
		return -ANYBPF_E_NOMEM;
	if (clen)
		memcpy(r->ctx, ci, clen);
	set_ptrs(r, d, d, len);
	/* the uapi pointer fields hold the real pointers too (the rewrite
	 * makes the program read the helpers' copies, which helpers move) */
	const struct anybpf_helper_pkt *k = ctx_pkt(r);
	uint8_t *const vals[] = { k->data, k->data_end, k->data_meta };
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct ctx_field *f = ptr_field(h, kinds[i]);
		if (f && f->size == 8)
			memcpy(r->ctx + f->off, &vals[i], 8);
	}
	if (!strcmp(h->name, "sock_ops"))
		wr32(r->ctx + 208, (uint32_t)len);         /* skb_len */
	else if (!strcmp(h->name, "sk_msg") && !rd32(r->ctx + 68))
		wr32(r->ctx + 68, (uint32_t)len);          /* size */
	return 0;
}

static int build_skb(struct ctx_run *r, const uint8_t *data, size_t len, const uint8_t *ci,
		     size_t clen, struct anybpf_log *log)
{
	const char *t = r->hook->name;
	int is_l2 = !strcmp(t, "sched_cls") || !strcmp(t, "sched_act");
	if (!strcmp(t, "sk_skb"))
		return build_stream(r, data, len, ci, clen, log);
	int err = skb_ctx_in_check(ci, clen, log);
	if (err)
		return err;
	uint8_t in[SKB_SIZE] = { 0 };
	if (clen)
		memcpy(in, ci, clen < SKB_SIZE ? clen : SKB_SIZE);
	uint32_t ifx = rd32(in + SKB_IFINDEX);
	if (ifx > LOOPBACK_IFINDEX)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "ctx_in: __sk_buff.ifindex %u: the only device is lo (ifindex 1)", ifx);
	r->hh_len = is_l2 ? 0 : CTX_ETH_HLEN;
	uint8_t *frame = pkt_alloc(r, data, len, 0), *s = r->ctx;
	if (!frame)
		return -ANYBPF_E_NOMEM;
	/* eth_type_trans on the loopback device, whose address and broadcast
	 * address are both 00:00:00:00:00:00: ff:ff:ff:ff:ff:ff is multicast */
	uint32_t pkt_type = 0; /* PACKET_HOST */
	if (!zero_range(frame, 0, 6))
		pkt_type = frame[0] & 1 ? 2 /* PACKET_MULTICAST */ : 3 /* PACKET_OTHERHOST */;
	uint16_t proto;
	memcpy(&proto, frame + 12, 2); /* network order, as skb->protocol */
	uint8_t *net = frame + CTX_ETH_HLEN;
	size_t netlen = len - CTX_ETH_HLEN;
	/* the kernel's test run refuses IP frames without a whole IP header */
	if ((proto == 0x0008 && netlen < 20) || (proto == 0xdd86 && netlen < 40))
		return ab_err(log, -ANYBPF_E_INVAL, -1,
			      "data_in: an %s frame needs the whole %s header (%u bytes after the Ethernet header), as the kernel's skb test run requires; it has %zu",
			      proto == 0x0008 ? "IPv4" : "IPv6", proto == 0x0008 ? "IPv4" : "IPv6",
			      proto == 0x0008 ? 20u : 40u, netlen);
	if (proto == 0x0008) {                        /* ETH_P_IP */
		wr32(s + SKB_FAMILY, 2);                   /* AF_INET */
		memcpy(s + SKB_LOCAL_IP4, net + 12, 4);    /* sk_rcv_saddr = saddr */
		memcpy(s + SKB_REMOTE_IP4, net + 16, 4);   /* sk_daddr = daddr */
	} else if (proto == 0xdd86) {                 /* ETH_P_IPV6 */
		wr32(s + SKB_FAMILY, 10);                  /* AF_INET6 */
		memcpy(s + SKB_LOCAL_IP6, net + 8, 16);
		memcpy(s + SKB_REMOTE_IP6, net + 24, 16);
	}
	uint8_t *d = is_l2 ? frame : net;
	size_t dlen = is_l2 ? len : netlen;
	uint32_t wire = rd32(in + SKB_WIRE_LEN);
	if (wire && (wire < dlen || wire > 65536))
		return ab_err(log, -ANYBPF_E_INVAL, -1, "ctx_in: __sk_buff.wire_len %u is below len %zu or above 65536", wire, dlen);
	if (rd32(in + SKB_GSO_SEGS) > 65535)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "ctx_in: __sk_buff.gso_segs above 65535");
	wr32(s + SKB_LEN, (uint32_t)dlen);
	wr32(s + SKB_PKT_TYPE, pkt_type);
	memcpy(s + SKB_MARK, in + SKB_MARK, 4);
	memcpy(s + SKB_PROTOCOL, &proto, 2);
	memcpy(s + SKB_PRIORITY, in + SKB_PRIORITY, 4);
	memcpy(s + SKB_INGRESS_IFINDEX, in + SKB_INGRESS_IFINDEX, 4);
	wr32(s + SKB_IFINDEX, LOOPBACK_IFINDEX);
	memcpy(s + SKB_CB, in + SKB_CB, SKB_CB_END - SKB_CB);
	memcpy(s + SKB_TSTAMP, in + SKB_TSTAMP, 8);
	wr32(s + SKB_WIRE_LEN, wire ? wire : (uint32_t)dlen);
	memcpy(s + SKB_GSO_SEGS, in + SKB_GSO_SEGS, 4);
	memcpy(s + SKB_GSO_SIZE, in + SKB_GSO_SIZE, 4);
	memcpy(s + SKB_HWTSTAMP, in + SKB_HWTSTAMP, 8);
	set_ptrs(r, d, d, dlen);
	ctx_pkt(r)->protocol = proto;
	ctx_pkt(r)->mac_len = is_l2 ? CTX_ETH_HLEN : 0;
	return 0;
}

static int build_raw(struct ctx_run *r, const uint8_t *ci, size_t clen, struct anybpf_log *log)
{
	if (clen > r->hook->ctx_size)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "ctx_in: %zu bytes, but the %s context has %u",
			      clen, r->hook->name, r->hook->ctx_size);
	r->ctx_size = r->hook->ctx_size;
	r->ctx = ab_calloc(1, r->ctx_size);
	if (!r->ctx)
		return -ANYBPF_E_NOMEM;
	if (clen)
		memcpy(r->ctx, ci, clen);
	return 0;
}

int ctx_run_build(struct ctx_run *r, const struct hook *h, const void *data_in,
		  size_t data_len, const void *ctx_in, size_t ctx_len, struct anybpf_log *log)
{
	memset(r, 0, sizeof(*r));
	r->hook = h;
	r->cls = ctx_class_of(h);
	if (!ctx_in)
		ctx_len = 0;
	if (r->cls == CTXC_RAW) {
		if (data_len)
			return ab_err(log, -ANYBPF_E_INVAL, -1,
				      "%s programs take no packet (data_in): give the context bytes as ctx_in", h->name);
		return build_raw(r, ctx_in, ctx_len, log);
	}
	if (!strcmp(h->name, "flow_dissector"))
		return ab_err(log, -ANYBPF_E_NOT_SUPPORTED, -1,
			      "flow_dissector programs cannot be test-run yet (their flow_keys context field is not modeled)");
	if (data_len > CTX_MAX_DATA)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "data_in: %zu bytes, more than %u", data_len, CTX_MAX_DATA);
	if (r->cls == CTXC_PTRS)
		return build_ptrs(r, data_in, data_in ? data_len : 0, ctx_in, ctx_len, log);
	if (!strcmp(h->name, "sk_skb"))
		return build_skb(r, data_in, data_in ? data_len : 0, ctx_in, ctx_len, log);
	if (!data_in || data_len < CTX_ETH_HLEN)
		return ab_err(log, -ANYBPF_E_INVAL, -1,
			      "data_in: %zu bytes; a %s test run needs a frame of at least %u bytes (an Ethernet header)",
			      data_in ? data_len : 0, h->name, CTX_ETH_HLEN);
	return r->cls == CTXC_XDP ? build_xdp(r, data_in, data_len, ctx_in, ctx_len, log)
				  : build_skb(r, data_in, data_len, ctx_in, ctx_len, log);
}

int ctx_run_output(struct ctx_run *r, uint8_t **data, size_t *data_len,
		   uint8_t *ctx_out, size_t ctx_cap, size_t *ctx_len)
{
	size_t len = 0;
	*data = NULL;
	*data_len = 0;
	*ctx_len = 0;
	if (r->cls == CTXC_RAW) {
		*ctx_len = r->ctx_size;
		if (ctx_out)
			memcpy(ctx_out, r->ctx, ctx_cap < r->ctx_size ? ctx_cap : r->ctx_size);
		return 0;
	}
	uint8_t *d = ctx_run_data(r, &len);
	uint8_t *meta = ctx_pkt(r)->data_meta;
	/* pointers a helper moved stay inside the buffer; refuse otherwise */
	if (d < r->buf || d + len > r->buf + r->cap || meta < r->buf || meta > d)
		return -ANYBPF_E_INVAL;
	if (r->cls == CTXC_PTRS) {
		/* ctx_out: the context with its pointer fields zeroed again (no
		 * host address leaves the run) */
		static const unsigned kinds[] = { CTXK_PKT, CTXK_PKT_END, CTXK_PKT_META };
		size_t n = r->hook->ctx_size;
		*ctx_len = n;
		if (ctx_out) {
			memcpy(ctx_out, r->ctx, ctx_cap < n ? ctx_cap : n);
			for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
				const struct ctx_field *f = ptr_field(r->hook, kinds[i]);
				if (f && f->off < ctx_cap)
					memset(ctx_out + f->off, 0, ctx_cap - f->off < f->size ? ctx_cap - f->off : f->size);
			}
		}
		*data = d;
		*data_len = len;
		return 0;
	}
	if (r->cls == CTXC_XDP) {
		uint8_t md[XDP_MD_SIZE] = { 0 };
		wr32(md + XDP_DATA, (uint32_t)(d - meta));
		wr32(md + XDP_DATA_END, (uint32_t)(d + len - meta));
		wr32(md + XDP_INGRESS_IFINDEX, r->xdp_ifindex);
		wr32(md + XDP_RX_QUEUE_INDEX, r->xdp_rxq);
		*data = meta;
		*data_len = (size_t)(d + len - meta);
		*ctx_len = XDP_MD_SIZE;
		if (ctx_out)
			memcpy(ctx_out, md, ctx_cap < XDP_MD_SIZE ? ctx_cap : XDP_MD_SIZE);
		return 0;
	}
	/* skb: convert_skb_to___skb */
	uint8_t out[SKB_SIZE] = { 0 };
	const uint8_t *s = r->ctx;
	memcpy(out + SKB_MARK, s + SKB_MARK, 4);
	memcpy(out + SKB_PRIORITY, s + SKB_PRIORITY, 4);
	memcpy(out + SKB_INGRESS_IFINDEX, s + SKB_INGRESS_IFINDEX, 4);
	memcpy(out + SKB_IFINDEX, s + SKB_IFINDEX, 4);
	memcpy(out + SKB_CB, s + SKB_CB, SKB_CB_END - SKB_CB);
	memcpy(out + SKB_TSTAMP, s + SKB_TSTAMP, 8);
	memcpy(out + SKB_WIRE_LEN, s + SKB_WIRE_LEN, 4);
	memcpy(out + SKB_GSO_SEGS, s + SKB_GSO_SEGS, 4);
	memcpy(out + SKB_GSO_SIZE, s + SKB_GSO_SIZE, 4);
	memcpy(out + SKB_HWTSTAMP, s + SKB_HWTSTAMP, 8);
	*ctx_len = SKB_SIZE;
	if (ctx_out)
		memcpy(ctx_out, out, ctx_cap < SKB_SIZE ? ctx_cap : SKB_SIZE);
	if (r->hh_len) { /* the kernel pushes back a zeroed L2 header */
		if ((size_t)(d - r->buf) < r->hh_len)
			return -ANYBPF_E_INVAL;
		d -= r->hh_len;
		memset(d, 0, r->hh_len);
		len += r->hh_len;
	}
	*data = d;
	*data_len = len;
	return 0;
}

int ctx_rewrite(const struct hook *h, struct anybpf_insn *insns, size_t n,
		const int32_t *ctx_off, struct anybpf_log *log)
{
	if (ctx_class_of(h) == CTXC_RAW || !ctx_off)
		return 0;
	size_t base = ctx_ptrs_off(h);
	for (size_t pc = 0; pc < n; pc++) {
		const struct ctx_field *f = NULL;
		char why[128];
		int32_t off = ctx_off[pc];
		if (off == ANYBPF_CTX_NONE)
			continue;
		if (off == ANYBPF_CTX_MIXED)
			return ab_err(log, -ANYBPF_E_INVAL, (int64_t)pc,
				      "pc %zu: the same instruction accesses the context on one path and other memory on another; the context rewrite needs one kind per instruction (Linux rejects this too)", pc);
		hook_ctx_access(h, off, 4, 0, &f, why, sizeof(why));
		struct anybpf_insn *in = &insns[pc];
		if (f && ctx_class_of(h) == CTXC_SKB && (!strcmp(f->name, "hash") || !strcmp(f->name, "protocol")) &&
		    (in->code == 0x61 || in->code == 0x69 || in->code == 0x71) && in->off == off) {
			/* skb->hash and skb->protocol live in the helpers' packet
			 * state (get_hash_recalc, skb_change_proto update them):
			 * reads go there; protocol is a u16, its upper bytes 0 */
			int prot = f->name[0] == 'p';
			size_t at = base + (prot ? offsetof(struct anybpf_helper_pkt, protocol)
						 : offsetof(struct anybpf_helper_pkt, hash));
			unsigned rel = (unsigned)(off - f->off);
			if (prot && rel >= 2)
				continue;  /* always zero in the image */
			if (prot && in->code == 0x61)
				in->code = 0x69;  /* ldxh: zero-extended, as the u32 read */
			in->off = (int16_t)(at + rel);
			continue;
		}
		if (!f || (f->kind != CTXK_PKT && f->kind != CTXK_PKT_END && f->kind != CTXK_PKT_META))
			continue;
		/* ldxw (or ldxsw: the verifier types the result as the pointer,
		 * not a sign-extended number, so the pointer is what it must
		 * get) of a 4-byte field, ldxdw of an 8-byte one */
		int ok_code = f->size == 8 ? in->code == 0x79 : in->code == 0x61 || in->code == 0x81;
		if (!ok_code || (unsigned)off != f->off)
			return ab_err(log, -ANYBPF_E_INVAL, (int64_t)pc,
				      "pc %zu: context field '%s' must be read with a %u-byte load", pc, f->name, f->size);
		in->code = 0x79; /* ldxdw */
		in->off = (int16_t)(base + (f->kind == CTXK_PKT ? CTX_PTR_DATA :
					    f->kind == CTXK_PKT_END ? CTX_PTR_DATA_END : CTX_PTR_DATA_META));
	}
	return 0;
}
