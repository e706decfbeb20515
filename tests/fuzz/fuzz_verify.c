/* fuzz_verify.c - libFuzzer target: the verifier on any instruction bytes.
 * The first byte picks the program type, the rest are instruction slots;
 * two maps (an array and a hash) are available to map loads.  The verifier
 * must never crash, hang or leak, a verdict must carry its diagnostics, and
 * every accepted kprobe program that needs no helpers or maps must run in
 * the checking interpreter without an out-of-bounds access (soundness). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = { "socket_filter", "xdp", "sched_cls", "kprobe",
				     "cgroup_skb", "tracepoint" };

/* A kprobe's context is opaque readable bytes (struct pt_regs, 168 on
 * x86-64), so an accepted kprobe program that calls no helper and loads no
 * map can run as it is: any out-of-bounds access is a verifier bug. */
static void run_checked(const struct anybpf_insn *insns, size_t n, const uint8_t *data,
			size_t size)
{
	anybpf_vm *vm = anybpf_vm_new(NULL);
	if (!vm)
		return;
	if (anybpf_vm_load(vm, insns, n, NULL) == 0) { /* else: helpers or maps */
		uint8_t ctx[168];
		for (size_t i = 0; i < sizeof(ctx); i++)
			ctx[i] = data[i % size];
		struct anybpf_region r = { ctx, sizeof(ctx), ANYBPF_REGION_R, "ctx" };
		struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED,
					       .budget = 10000000, .args = { (uintptr_t)ctx },
					       .regions = &r, .nregions = 1 };
		struct anybpf_exec_result er;
		int err = anybpf_vm_exec(vm, &eo, &er, NULL);
		if (err == -ANYBPF_E_OOB)
			abort(); /* the verifier accepted an out-of-bounds access */
	}
	anybpf_vm_free(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	size_t n = (size - 1) / sizeof(struct anybpf_insn);
	if (n > 512)
		return 0;
	struct anybpf_insn *insns = malloc(n ? n * sizeof(*insns) : 1);
	if (!insns)
		return 0;
	memcpy(insns, data + 1, n * sizeof(*insns));
	static const struct anybpf_map_desc maps[] = {
		{ .type = 2, .key_size = 4, .value_size = 16, .max_entries = 4, .name = "arr" },
		{ .type = 1, .key_size = 8, .value_size = 8, .max_entries = 16, .name = "hash" },
	};
	struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = type, .maps = maps,
					.nmaps = 2, .budget = 20000 };
	struct anybpf_verify_result *res = NULL;
	int err = anybpf_verify(insns, n, &o, &res);
	if (!err) {
		if (!res || (!res->verified && res->ndiags == 0))
			abort(); /* a rejection without a reason */
		char buf[4096];
		struct anybpf_log log = { .buf = buf, .size = sizeof(buf), .err_pc = -1, .err_line = -1 };
		anybpf_verify_report(res, NULL, &log);
		if (res->verified && strcmp(type, "kprobe") == 0)
			run_checked(insns, n, data, size);
	}
	anybpf_verify_result_free(res);
	free(insns);
	return 0;
}
