/* ctx.h - native contexts per program type (what a program's r1 points to
 * at run time) and the context rewrite, the kernel's convert_ctx_access.
 *
 * A native context begins with the uapi layout of the type (struct xdp_md,
 * struct __sk_buff, or plain bytes for the tracing types), so every plain
 * field is read and written where the program's compiler put it.  The
 * uapi packet pointers are __u32 fields that cannot hold a 64-bit address;
 * the native context appends a struct anybpf_helper_pkt (the helpers'
 * packet bounds: data, data_end, data_meta, buffer, ...) after the uapi
 * part (rounded up to 8), so the helpers and the program see the same
 * pointers, and the
 * rewrite turns every verified 4-byte load of data / data_end / data_meta
 * into an 8-byte load of the matching u64.  Helpers that move the packet
 * (adjust_head, change_tail, ...) update those u64s (and `len`). */
#ifndef ANYBPF_HOOKS_CTX_H
#define ANYBPF_HOOKS_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "hooks.h"

/* XDP: struct xdp_md; SKB: struct __sk_buff (4-byte packet fields, the
 * rewrite); RAW: ctx_in bytes, no packet (tracing types, cgroup_sock,
 * cgroup_sock_addr, windows/sock_addr, windows/sock_ops); PTRS: ctx_in
 * bytes whose 8-byte packet pointer fields the runtime sets to a packet
 * from data_in (sock_ops' skb_data, sk_msg, windows/xdp, windows/bind's
 * app id, windows/sample). */
enum ctx_class { CTXC_XDP, CTXC_SKB, CTXC_RAW, CTXC_PTRS };

#define CTX_XDP_HEADROOM 256u   /* XDP_PACKET_HEADROOM */
#define CTX_TAILROOM     512u   /* room for adjust_tail / change_tail */
#define CTX_ETH_HLEN     14u
#define CTX_MAX_DATA     (1u << 16)

/* Offset of the struct anybpf_helper_pkt in a native context of hook h. */
static inline size_t ctx_ptrs_off(const struct hook *h)
{
	return ((size_t)h->ctx_size + 7) & ~(size_t)7;
}
enum { CTX_PTR_DATA = offsetof(struct anybpf_helper_pkt, data),
       CTX_PTR_DATA_END = offsetof(struct anybpf_helper_pkt, data_end),
       CTX_PTR_DATA_META = offsetof(struct anybpf_helper_pkt, data_meta) };

/* One test run's context and packet, built from BPF_PROG_TEST_RUN inputs. */
struct ctx_run {
	const struct hook *hook;
	enum ctx_class cls;
	uint8_t *buf;        /* packet buffer: headroom, frame, tailroom */
	size_t cap;          /* bytes of buf */
	size_t hh_len;       /* Ethernet header consumed before the run (and
			      * given back zeroed in data_out): socket_filter,
			      * cgroup_skb, as the kernel's test run */
	uint8_t *ctx;        /* the native context */
	size_t ctx_size;     /* bytes of ctx (uapi part + pointers) */
	uint32_t xdp_ifindex, xdp_rxq;  /* xdp_md inputs, echoed in ctx_out */
};

enum ctx_class ctx_class_of(const struct hook *h);

/* The packet bounds inside r's native context (NULL for CTXC_RAW). */
static inline struct anybpf_helper_pkt *ctx_pkt(const struct ctx_run *r)
{
	return r->cls == CTXC_RAW || !r->ctx ? NULL
		: (struct anybpf_helper_pkt *)(void *)(r->ctx + ctx_ptrs_off(r->hook));
}

/* Build the context and packet for a run of h: data_in/ctx_in mean what
 * they mean to the kernel's BPF_PROG_TEST_RUN.  0 or a negative ANYBPF_E_*
 * with the reason in log.  ctx_run_free() releases (also half-built). */
int ctx_run_build(struct ctx_run *r, const struct hook *h, const void *data_in,
		  size_t data_len, const void *ctx_in, size_t ctx_len, struct anybpf_log *log);
void ctx_run_free(struct ctx_run *r);

/* The regions a checking-mode run of r may access (ctx_regions.c): each
 * context field with its rights (hooks.def), the readable runs of an opaque
 * context, the real packet pointers read-only and the packet exactly
 * [data_meta, data_end).  Returns how many were written to out (at most
 * max; CTX_CHECK_REGIONS_MAX is always enough). */
#define CTX_CHECK_REGIONS_MAX 64u
size_t ctx_check_regions(const struct ctx_run *r, struct anybpf_region *out, size_t max);

/* Current packet bounds from the native context's pointers. */
uint8_t *ctx_run_data(const struct ctx_run *r, size_t *len);
/* After the run, writable fields back into the uapi image: the output
 * frame (kernel semantics: XDP from data_meta; socket_filter/cgroup_skb
 * with a zeroed Ethernet header in front) and ctx_out.  *data_len /
 * *ctx_len are the full sizes; NULL buffers copy nothing. */
int ctx_run_output(struct ctx_run *r, uint8_t **data, size_t *data_len,
		   uint8_t *ctx_out, size_t ctx_cap, size_t *ctx_len);

/* The rewrite: insns[pc] with ctx_off[pc] >= 0 (from the verifier) that
 * load a packet pointer field become 8-byte loads from the native
 * pointers (8-byte pointer fields, as sk_msg_md's or Windows', keep their
 * 8-byte load and read the same native pointers).  0, or -ANYBPF_E_INVAL
 * (a pointer field accessed through other memory on another path, or not
 * with a load of its size). */
int ctx_rewrite(const struct hook *h, struct anybpf_insn *insns, size_t n,
		const int32_t *ctx_off, struct anybpf_log *log);

#endif
