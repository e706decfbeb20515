/* hooks.h - program type descriptors (hooks.def) as data. */
#ifndef ANYBPF_HOOKS_H
#define ANYBPF_HOOKS_H

#include <stdint.h>

/* helper groups: one bit per program-type family (helpers.def GROUPS) */
enum {
	HG_XDP = 1 << 0, HG_SKF = 1 << 1, HG_TC = 1 << 2, HG_CGS = 1 << 3,
	HG_KP = 1 << 4, HG_TP = 1 << 5, HG_RTP = 1 << 6, HG_PE = 1 << 7,
	HG_SOPS = 1 << 8, HG_CGSOCK = 1 << 9, HG_CGSA = 1 << 10, HG_LWT = 1 << 11,
};
#define HG_SKB   (HG_SKF | HG_TC | HG_CGS)
#define HG_NET   (HG_SKB | HG_XDP)
#define HG_TRACE (HG_KP | HG_TP | HG_RTP | HG_PE)
#define HG_CG    (HG_CGS | HG_CGSOCK | HG_CGSA | HG_SOPS)   /* cgroup-attached */
#define HG_ALL   0xffffu

enum ctx_kind { CTXK_PLAIN, CTXK_PLAIN_FULL, CTXK_PKT, CTXK_PKT_END, CTXK_PKT_META };
enum { CTXA_R = 1, CTXA_RW = 3 };
enum { HOOK_RET = 1, HOOK_PKT_W = 2, HOOK_LD_ABS = 4, HOOK_OPAQUE = 8 };

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
 * "classifier", "socket", "kretprobe", "raw_tp", ...); NULL if unknown. */
const struct hook *hook_find(const char *name);
const struct hook *hook_at(unsigned i);   /* NULL past the end */

/* What an access of `size` bytes at ctx offset `off` may do: 0 if allowed
 * (*field set), else -1 with *field the field the bytes fall in (or NULL)
 * and why[] saying what is wrong. */
int hook_ctx_access(const struct hook *h, int64_t off, unsigned size, int write,
		    const struct ctx_field **field, char *why, unsigned long whylen);

#endif
