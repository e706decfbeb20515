/* hooks.c - program type descriptors: the rows of hooks.def, the lookup by
 * name (with section-style aliases) and the context access rule. */
#include <stdio.h>
#include <string.h>

#include "hooks.h"

enum { PLAIN = CTXK_PLAIN, PLAIN_FULL = CTXK_PLAIN_FULL, PKT = CTXK_PKT,
       PKT_END = CTXK_PKT_END, PKT_META = CTXK_PKT_META, R = CTXA_R, RW = CTXA_RW,
       RET = HOOK_RET, PKT_W = HOOK_PKT_W, LD_ABS = HOOK_LD_ABS, OPAQUE = HOOK_OPAQUE,
       XDP = HG_XDP, SKF = HG_SKF, TC = HG_TC, CGS = HG_CGS, KP = HG_KP, TP = HG_TP,
       RTP = HG_RTP, PE = HG_PE, SOPS = HG_SOPS, CGSOCK = HG_CGSOCK, CGSA = HG_CGSA,
       LWT = HG_LWT };

static const struct ctx_field fields[] = {
#define FIELD(ctx, name, off, size, elem, acc, kind) { #ctx, #name, off, size, elem, acc, kind },
#include "hooks.def"
#undef FIELD
};

static const struct hook hooks[] = {
#define HOOK(name, group, ctx, size, rmin, rmax, flags) \
	{ #name, group, size, #ctx, rmin, rmax, flags },
#include "hooks.def"
#undef HOOK
};

/* section-style and common alternative names */
static const struct { const char *alias, *name; } aliases[] = {
	{ "socket", "socket_filter" }, { "tc", "sched_cls" }, { "classifier", "sched_cls" },
	{ "action", "sched_act" }, { "kretprobe", "kprobe" }, { "uprobe", "kprobe" },
	{ "uretprobe", "kprobe" }, { "tp", "tracepoint" }, { "raw_tp", "raw_tracepoint" },
	{ "cgroup/skb", "cgroup_skb" }, { "cgroup_skb/ingress", "cgroup_skb" },
	{ "cgroup_skb/egress", "cgroup_skb" }, { "sockops", "sock_ops" },
	{ "cgroup/sock", "cgroup_sock" }, { "cgroup/connect4", "cgroup_sock_addr" },
	{ "cgroup/connect6", "cgroup_sock_addr" }, { "cgroup/bind4", "cgroup_sock_addr" },
	{ "cgroup/bind6", "cgroup_sock_addr" },
};

const struct hook *hook_at(unsigned i)
{
	return i < sizeof(hooks) / sizeof(hooks[0]) ? &hooks[i] : NULL;
}

const struct hook *hook_find(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(name, aliases[i].alias))
			name = aliases[i].name;
	for (unsigned i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!strcmp(name, hooks[i].name))
			return &hooks[i];
	return NULL;
}

int hook_ctx_access(const struct hook *h, int64_t off, unsigned size, int write,
		    const struct ctx_field **field, char *why, unsigned long whylen)
{
	*field = NULL;
	if (off < 0 || off + size > h->ctx_size) {
		snprintf(why, whylen, "outside the %u-byte context", h->ctx_size);
		return -1;
	}
	if (off % size) {
		snprintf(why, whylen, "misaligned: offset %lld is not a multiple of %u",
			 (long long)off, size);
		return -1;
	}
	if (h->flags & HOOK_OPAQUE) {
		if (write) {
			snprintf(why, whylen, "the %s context is read-only", h->name);
			return -1;
		}
		if (!strcmp(h->name, "tracepoint") && off < 8) {
			snprintf(why, whylen, "the first 8 bytes of a tracepoint context are not readable");
			return -1;
		}
		return 0;
	}
	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct ctx_field *f = &fields[i];
		if (strcmp(f->ctx, h->ctx) || off < f->off || off >= f->off + f->size)
			continue;
		*field = f;
		if (off + size > (int64_t)f->off + f->size) {
			snprintf(why, whylen, "crosses the end of field '%s'", f->name);
			return -1;
		}
		if (write && f->access != CTXA_RW) {
			snprintf(why, whylen, "field '%s' is read-only for %s programs", f->name, h->name);
			return -1;
		}
		unsigned elem_off = (unsigned)(off - f->off) % f->elem;
		int full = write || f->kind != CTXK_PLAIN;
		if (full ? (size != f->elem || elem_off) : size > f->elem) {
			snprintf(why, whylen, "field '%s' must be %s with a %u-byte access%s", f->name,
				 write ? "written" : "read", f->elem, full ? "" : " or narrower");
			return -1;
		}
		return 0;
	}
	snprintf(why, whylen, "no field of the %s context is accessible there", h->name);
	return -1;
}
