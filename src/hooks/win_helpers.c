/* win_helpers.c - the helpers a program type calls, at run time: Linux
 * types get the Linux helpers (src/helpers); eBPF-for-Windows types get,
 * at Windows' ids (win_helpers.def), the Linux implementations of the
 * helpers that mean the same thing.  A Windows helper without a Linux twin
 * is left unregistered (the verifier refuses calls to it). */
#include "anybpf.h"
#include "helpers/linux_helpers.h"
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
#undef KEY
#undef VALUE
#undef VALUE_W
#undef MEM_RN
#undef SIZE_K
#undef FIX4
#undef RB_MEM
#undef FUNC
};

int hook_register_helpers(const struct hook *h, anybpf_vm *vm, const struct anybpf_helper_env *env)
{
	if (!h || !vm)
		return -ANYBPF_E_INVAL;
	if (!(h->flags & HOOK_WIN))
		return anybpf_helpers_register_linux(vm, env);
	const struct win_helper *w;
	for (unsigned i = 0; (w = hook_win_helper_at(h, i)) != NULL; i = hook_win_helper_index(w) + 1) {
		anybpf_helper_fn fn = w->linux_id > 0 ? anybpf_helper_linux_fn((uint32_t)w->linux_id) : NULL;
		if (!fn)
			continue;
		struct anybpf_helper_proto proto = { sizeof(proto), w->name, { 0 } };
		if ((size_t)w->linux_id < sizeof(protos) / sizeof(protos[0]))
			for (int a = 0; a < 5; a++)
				proto.args[a] = protos[w->linux_id].args[a];
		int err = anybpf_vm_register_helper(vm, w->id, fn, &proto);
		if (err)
			return err;
	}
	return 0;
}
