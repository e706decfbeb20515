/* hooks.c - program type descriptors: the rows of hooks.def, the lookup by
 * name (with section-style aliases) and the context access rule; the
 * eBPF-for-Windows helper ids (win_helpers.def). */
#include <stdio.h>
#include <string.h>

#include "hooks.h"

enum { PLAIN = CTXK_PLAIN, PLAIN_FULL = CTXK_PLAIN_FULL, PKT = CTXK_PKT,
       PKT_END = CTXK_PKT_END, PKT_META = CTXK_PKT_META, R = CTXA_R, RW = CTXA_RW,
       RET = HOOK_RET, PKT_W = HOOK_PKT_W, LD_ABS = HOOK_LD_ABS, OPAQUE = HOOK_OPAQUE,
       XDP = HG_XDP, SKF = HG_SKF, TC = HG_TC, CGS = HG_CGS, KP = HG_KP, TP = HG_TP,
       RTP = HG_RTP, PE = HG_PE, SOPS = HG_SOPS, CGSOCK = HG_CGSOCK, CGSA = HG_CGSA,
       LWT = HG_LWT, SKSKB = HG_SKSKB, SKMSG = HG_SKMSG, FLOW = HG_FLOW, WIN = HG_WIN };

static const struct ctx_field fields[] = {
#define FIELD(ctx, name, off, size, elem, acc, kind) { #ctx, #name, off, size, elem, acc, kind },
#include "hooks.def"
#undef FIELD
};

static const struct hook hooks[] = {
#define HOOK(name, group, ctx, size, rmin, rmax, flags) \
	{ #name, group, size, #ctx, rmin, rmax, flags },
#define WHOOK(name, group, ctx, size, rmin, rmax, flags) \
	{ "windows/" #name, group, size, #ctx, rmin, rmax, (flags) | HOOK_WIN },
#include "hooks.def"
#undef HOOK
#undef WHOOK
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
	{ "cgroup/bind6", "cgroup_sock_addr" }, { "sk_skb/stream_parser", "sk_skb" },
	{ "sk_skb/stream_verdict", "sk_skb" }, { "sk_skb/verdict", "sk_skb" },
	/* eBPF for Windows: its section names where Linux has no such type */
	{ "bind", "windows/bind" }, { "sample_ext", "windows/sample" },
	{ "cgroup/recv_accept4", "windows/sock_addr" }, { "cgroup/recv_accept6", "windows/sock_addr" },
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

/* the Linux ids of the twins (helpers.def) */
enum {
#define HELPER(id, name, ...) LX_##name = id,
#include "helpers/helpers.def"
#undef HELPER
	LX_none = 0,
};

static const struct win_helper win_helpers[] = {
#define WIN_HELPER(id, name, hooks, lx) { id, #name, #hooks, LX_##lx },
#include "win_helpers.def"
#undef WIN_HELPER
};

const struct win_helper *hook_win_helper_at(const struct hook *h, unsigned i)
{
	if (!h || !(h->flags & HOOK_WIN))
		return NULL;
	const char *type = h->name + strlen("windows/");
	for (; i < sizeof(win_helpers) / sizeof(win_helpers[0]); i++)
		if (!strcmp(win_helpers[i].hooks, "all") || !strcmp(win_helpers[i].hooks, type))
			return &win_helpers[i];
	return NULL;
}

unsigned hook_win_helper_index(const struct win_helper *w)
{
	return (unsigned)(w - win_helpers);
}

const struct win_helper *hook_win_helper(const struct hook *h, uint32_t id)
{
	const struct win_helper *w;
	for (unsigned i = 0; (w = hook_win_helper_at(h, i)) != NULL; i = (unsigned)(w - win_helpers) + 1)
		if (w->id == id)
			return w;
	return NULL;
}

const struct ctx_field *hook_field_of_kind(const struct hook *h, unsigned kind, unsigned nth)
{
	for (unsigned i = 0; h && i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i].ctx, h->ctx) && fields[i].kind == kind && !nth--)
			return &fields[i];
	return NULL;
}

int hook_takes_packet(const struct hook *h)
{
	if (!h || (h->flags & HOOK_OPAQUE))
		return 0;
	return hook_field_of_kind(h, CTXK_PKT, 0) || !strcmp(h->name, "socket_filter");
}
