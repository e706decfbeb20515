/* win_helpers.c - the helpers a program type calls, at run time: Linux
 * types get the Linux helpers (src/helpers); eBPF-for-Windows types get,
 * at Windows' ids (win_helpers.def), the Linux implementations of the
 * helpers that mean the same thing; the Windows-only helpers with a
 * WIN_PROTO row get Windows' own implementation (win_helpers_rt.c).  A
 * Windows helper with neither is left unregistered (the verifier refuses
 * calls to it). */
#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "helpers/win_helpers_rt.h"
#include "hooks.h"

/* helpers.def argument kinds -> what the VM's checking mode checks */
static const struct {
	const char *name;
	enum anybpf_arg_kind args[5];
} protos[] = {
#define NONE ANYBPF_ARG_NONE
#define MEM_R ANYBPF_ARG_MEM_R
#define MEM_W ANYBPF_ARG_MEM_W
#define SIZE ANYBPF_ARG_SIZE
#define SIZE0 ANYBPF_ARG_SIZE
#define ANY ANYBPF_ARG_ANY
#define CTX ANYBPF_ARG_ANY
#define MAP ANYBPF_ARG_ANY
#define MAP_PROG ANYBPF_ARG_ANY
#define MAP_PERF ANYBPF_ARG_ANY
#define MAP_RB ANYBPF_ARG_ANY
#define MAP_CGARR ANYBPF_ARG_ANY
#define MAP_CGSTOR ANYBPF_ARG_ANY
#define MAP_SOCKMAP ANYBPF_ARG_ANY
#define MAP_SOCKHASH ANYBPF_ARG_ANY
#define MEM_RW ANYBPF_ARG_MEM_R
#define CONST_STR ANYBPF_ARG_ANY
#define KEY ANYBPF_ARG_ANY
#define VALUE ANYBPF_ARG_ANY
#define VALUE_W ANYBPF_ARG_ANY
#define MEM_RN ANYBPF_ARG_ANY   /* may be NULL with size 0: not checked */
#define SIZE_K ANYBPF_ARG_ANY
#define FIX4 ANYBPF_ARG_ANY
#define RB_MEM ANYBPF_ARG_ANY
#define FUNC ANYBPF_ARG_ANY
#define HELPER(id, name, ret, groups, flags, a1, a2, a3, a4, a5) \
	[id] = { #name, { a1, a2, a3, a4, a5 } },
#include "helpers/helpers.def"
#undef HELPER
};

/* the Windows-only helpers' argument kinds (win_helpers.def's WIN_PROTO) */
static const struct {
	uint32_t id;
	enum anybpf_arg_kind args[5];
} wprotos[] = {
#define WIN_HELPER(id, name, hooks, lx)
#define WIN_PROTO(id, name, ret, a1, a2, a3, a4, a5) { id, { a1, a2, a3, a4, a5 } },
#include "win_helpers.def"
#undef WIN_PROTO
#undef WIN_HELPER
};
#undef NONE
#undef MEM_R
#undef MEM_W
#undef SIZE
#undef SIZE0
#undef ANY
#undef CTX
#undef MAP
#undef MAP_PROG
#undef MAP_PERF
#undef MAP_RB
#undef MAP_CGARR
#undef MAP_CGSTOR
#undef MAP_SOCKMAP
#undef MAP_SOCKHASH
#undef MEM_RW
#undef CONST_STR
#undef KEY
#undef VALUE
#undef VALUE_W
#undef MEM_RN
#undef SIZE_K
#undef FIX4
#undef RB_MEM
#undef FUNC

int hook_register_helpers(const struct hook *h, anybpf_vm *vm, const struct anybpf_helper_env *env)
{
	if (!h || !vm)
		return -ANYBPF_E_INVAL;
	if (!(h->flags & HOOK_WIN))
		return anybpf_helpers_register_linux(vm, env);
	const struct win_helper *w;
	for (unsigned i = 0; (w = hook_win_helper_at(h, i)) != NULL; i = hook_win_helper_index(w) + 1) {
		struct anybpf_helper_proto proto = { sizeof(proto), w->name, { 0 } };
		anybpf_helper_fn fn = NULL;
		if (w->linux_id > 0) {
			fn = anybpf_helper_linux_fn((uint32_t)w->linux_id);
			if ((size_t)w->linux_id < sizeof(protos) / sizeof(protos[0]))
				for (int a = 0; a < 5; a++)
					proto.args[a] = protos[w->linux_id].args[a];
		} else {
			for (size_t p = 0; p < sizeof(wprotos) / sizeof(wprotos[0]); p++)
				if (wprotos[p].id == w->id && w->id < 0x10000) {
					fn = anybpf_helper_win_fn(w->id);
					for (int a = 0; a < 5; a++)
						proto.args[a] = wprotos[p].args[a];
				}
		}
		if (!fn)
			continue;
		int err = anybpf_vm_register_helper(vm, w->id, fn, &proto);
		if (err)
			return err;
	}
	return 0;
}
