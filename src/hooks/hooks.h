/* hooks.h - program type descriptors (hooks.def) as data. */
#ifndef ANYBPF_HOOKS_H
#define ANYBPF_HOOKS_H

#include <stdint.h>

/* helper groups: one bit per program-type family (helpers.def GROUPS) */
enum {
	HG_XDP = 1 << 0, HG_SKF = 1 << 1, HG_TC = 1 << 2, HG_CGS = 1 << 3,
	HG_KP = 1 << 4, HG_TP = 1 << 5, HG_RTP = 1 << 6, HG_PE = 1 << 7,
	HG_SOPS = 1 << 8, HG_CGSOCK = 1 << 9, HG_CGSA = 1 << 10, HG_LWT = 1 << 11,
	HG_SKSKB = 1 << 12, HG_SKMSG = 1 << 13, HG_FLOW = 1 << 14,
	/* the eBPF-for-Windows types: outside HG_ALL, as no row of the Linux
	 * table (helpers.def) applies to them; src/hooks/win_helpers.def does */
	HG_WIN = 1 << 16,
};
#define HG_SKB   (HG_SKF | HG_TC | HG_CGS)
#define HG_NET   (HG_SKB | HG_XDP)
#define HG_TRACE (HG_KP | HG_TP | HG_RTP | HG_PE)
#define HG_CG    (HG_CGS | HG_CGSOCK | HG_CGSA | HG_SOPS)   /* cgroup-attached */
#define HG_ALL   0xffffu

enum ctx_kind { CTXK_PLAIN, CTXK_PLAIN_FULL, CTXK_PKT, CTXK_PKT_END, CTXK_PKT_META };
enum { CTXA_R = 1, CTXA_RW = 3 };
enum { HOOK_RET = 1, HOOK_PKT_W = 2, HOOK_LD_ABS = 4, HOOK_OPAQUE = 8,
       HOOK_WIN = 16 /* an eBPF-for-Windows type ("windows/NAME") */ };

struct ctx_field {
	const char *ctx;     /* the layout it belongs to ("xdp", "tc", ...) */
	const char *name;
	uint16_t off, size, elem;
	uint8_t access;      /* CTXA_* */
	uint8_t kind;        /* enum ctx_kind */
};

struct hook {
	const char *name;
	uint32_t group;      /* HG_* */
	uint32_t ctx_size;
	const char *ctx;     /* the FIELD rows with this CTX, or "none" */
	int64_t ret_min, ret_max;
	unsigned flags;      /* HOOK_* */
};

/* The descriptor of a type by Linux name ("xdp") or alias ("tc",
 * "classifier", "socket", "kretprobe", "raw_tp", "sk_skb/stream_verdict",
 * ...), or an eBPF-for-Windows type as "windows/xdp", "windows/bind",
 * "windows/sock_addr", "windows/sock_ops", "windows/sample" (aliases "bind",
 * "sample_ext"); NULL if unknown. */
const struct hook *hook_find(const char *name);
const struct hook *hook_at(unsigned i);   /* NULL past the end */

/* What an access of `size` bytes at ctx offset `off` may do: 0 if allowed
 * (*field set), else -1 with *field the field the bytes fall in (or NULL)
 * and why[] saying what is wrong. */
int hook_ctx_access(const struct hook *h, int64_t off, unsigned size, int write,
		    const struct ctx_field **field, char *why, unsigned long whylen);

/* eBPF for Windows helpers (win_helpers.def).  Windows numbers its helpers
 * its own way (1 map_lookup_elem ... 32 perf_event_output, program-type
 * helpers from 0x10000, the same id meaning different helpers for
 * different types).  hook_win_helper() gives the row of helper `id` for a
 * Windows hook h (NULL: no such helper for that type): its name and
 * `linux_id`, the Linux helper id with the same arguments, result and
 * semantics (the verifier checks the call as that Linux helper and the
 * runtime runs that Linux implementation), or 0 when Windows has no Linux
 * twin (not modeled yet). */
struct win_helper {
	uint32_t id;
	const char *name;
	const char *hooks;   /* "all" or the Windows type it belongs to */
	int32_t linux_id;    /* the Linux twin's id, or 0 */
};
const struct win_helper *hook_win_helper(const struct hook *h, uint32_t id);
/* The first row at or after table index i that applies to h (NULL: none
 * left); iterate with i = (previous row's index) + 1 via hook_win_helper_index. */
const struct win_helper *hook_win_helper_at(const struct hook *h, unsigned i);
unsigned hook_win_helper_index(const struct win_helper *w);

/* The nth field (0, 1, ...) of h's context of kind `kind` (CTXK_*), or NULL. */
const struct ctx_field *hook_field_of_kind(const struct hook *h, unsigned kind, unsigned nth);

/* Does a test run of this type take a packet (data_in)?  0 for the types
 * whose context is all there is (tracing, cgroup_sock, cgroup_sock_addr,
 * windows/sock_addr, windows/sock_ops). */
int hook_takes_packet(const struct hook *h);

/* Register the helpers a program of type h calls into vm (before
 * anybpf_vm_load): the Linux ones (anybpf_helpers_register_linux), or for a
 * Windows type each Windows id whose Linux twin is implemented, at the
 * Windows id.  env as for anybpf_helpers_register_linux.  0 or a negative
 * ANYBPF_E_* code. */
struct anybpf_vm;
struct anybpf_helper_env;
int hook_register_helpers(const struct hook *h, struct anybpf_vm *vm,
			  const struct anybpf_helper_env *env);

#endif
