/* fuzz_interp.c - libFuzzer target: the interpreter in checking mode.
 *
 * Input: 32 bytes of memory (handed to the program as r1/r2, as a region
 * and as the packet for LD_ABS/LD_IND), then instructions.  Programs the
 * validator accepts run with the test helpers, a small budget and every
 * access checked; whatever the program does, the run must end cleanly.
 * Both dispatch variants (computed goto, switch) run it from the same
 * memory and must agree on the error, r0, the instruction count and the
 * memory left behind.
 */
#include <stdint.h>
#include <string.h>

#include "anybpf.h"
#include "vm/vm_internal.h"

#define MEM_LEN 32

static uint8_t mem[MEM_LEN];

/* pseudo lddw: everything resolves to the memory (a "map value") */
static int resolve(void *user, unsigned src, int32_t imm, int32_t imm2, uint64_t *value)
{
	(void)user, (void)src, (void)imm;
	if (imm2 == 1)
		return -ANYBPF_E_NOT_SUPPORTED;
	*value = (uint64_t)(uintptr_t)mem;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < MEM_LEN + sizeof(struct anybpf_insn))
		return 0;
	memcpy(mem, data, MEM_LEN);
	size_t n = (size - MEM_LEN) / sizeof(struct anybpf_insn);
	if (n > 4096)
		return 0;
	struct anybpf_insn insns[4096];
	memcpy(insns, data + MEM_LEN, n * sizeof(*insns));

	struct anybpf_vm_opts vo = { .sz = sizeof(vo), .call_depth = 1 + data[0] % 8,
				     .resolve_lddw = data[1] & 1 ? resolve : NULL };
	anybpf_vm *vm = anybpf_vm_new(&vo);
	if (!vm)
		return 0;
	char buf[1024];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	if (anybpf_vm_register_test_helpers(vm) == 0 && anybpf_vm_load(vm, insns, n, &log) == 0) {
		int err[2];
		struct anybpf_exec_result res[2] = { { 0, 0 }, { 0, 0 } };
		uint8_t after[2][MEM_LEN];
		for (int v = 0; v < 2; v++) {
			memcpy(mem, data, MEM_LEN);
			vm_set_dispatch(vm, v ? VM_DISPATCH_SWITCH : VM_DISPATCH_DEFAULT);
			struct anybpf_region reg = { mem, MEM_LEN, data[2] & 1 ? ANYBPF_REGION_R
									       : ANYBPF_REGION_RW, "mem" };
			struct anybpf_exec_opts eo = {
				.sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED, .budget = 20000,
				.args = { (uintptr_t)mem, MEM_LEN, data[3], data[4], data[5] },
				.regions = &reg, .nregions = 1, .pkt = mem, .pkt_len = MEM_LEN,
			};
			log.len = 0;
			log.err = 0;
			err[v] = anybpf_vm_exec(vm, &eo, &res[v], &log);
			/* a failure always says why */
			if (err[v] && (log.len == 0 || log.err != err[v]))
				__builtin_trap();
			memcpy(after[v], mem, MEM_LEN);
		}
		/* r0 may hold a stack address, which differs between runs only if
		 * the stack moved; both runs use the same frame of this function */
		if (err[0] != err[1] || res[0].insns != res[1].insns ||
		    res[0].retval != res[1].retval || memcmp(after[0], after[1], MEM_LEN))
			__builtin_trap();
	}
	anybpf_vm_free(vm);
	return 0;
}
