/* test_repeat.c - anybpf_exec_opts.repeat: N runs with the set-up done once
 * (every interpreter variant and the JIT): each run starts from the same
 * args with fresh registers and, unless the VM is told the program is
 * verified, zeroed stack; memory the args point to is not reset; the rerun
 * hook runs between runs and its error ends the loop; a helper's stop ends
 * one run only; the budget is per run; *res is the last run's. */
#include <string.h>

#include "anybpf.h"
#include "unit.h"
#include "vm/vm_internal.h"

#define NV 5 /* goto/checked, goto/fast, switch/checked, switch/fast, jit */

static anybpf_vm *rp_vm(const char *text, int verified, int v)
{
	struct anybpf_vm_opts vo = { .sz = sizeof(vo), .verified = verified };
	anybpf_vm *vm = anybpf_vm_new(&vo);
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	if (!vm || anybpf_vm_register_test_helpers(vm) ||
	    anybpf_assemble(text, strlen(text), &insns, &n, NULL) ||
	    anybpf_vm_load(vm, insns, n, NULL)) {
		anybpf_free(insns);
		anybpf_vm_free(vm);
		return NULL;
	}
	anybpf_free(insns);
	vm_set_dispatch(vm, v == 2 || v == 3 ? VM_DISPATCH_SWITCH : VM_DISPATCH_DEFAULT);
	if (v == 4 && anybpf_vm_jit_compile(vm, NULL)) {
		anybpf_vm_free(vm);
		return NULL;
	}
	return vm;
}

static enum anybpf_exec_mode rp_mode(int v)
{
	return v == 4 ? ANYBPF_EXEC_JIT : v & 1 ? ANYBPF_EXEC_FAST : ANYBPF_EXEC_CHECKED;
}

static int jit_here(void)
{
	anybpf_vm *vm = rp_vm("r0 = 0\nexit\n", 1, 4);
	anybpf_vm_free(vm);
	return vm != NULL;
}

/* Run on(vm, v) for every variant v (the JIT's when it is here) with
 * `text` loaded by rp_vm(text, verified, v); the VM is freed after. */
static void rp_each(const char *text, int verified, void (*on)(anybpf_vm *vm, int v))
{
	for (int v = 0; v < NV; v++) {
		if (v == 4 && !jit_here())
			continue;
		anybpf_vm *vm = rp_vm(text, verified, v);
		if (CHECK(vm != NULL))
			on(vm, v);
		anybpf_vm_free(vm);
	}
}

/* eo: r1 = mem, one region over it (RW), variant v's mode, repeat runs */
static void rp_mem_opts(struct anybpf_exec_opts *eo, struct anybpf_region *reg, uint64_t *mem,
			size_t len, int v, uint64_t repeat)
{
	*reg = (struct anybpf_region){ mem, len, ANYBPF_REGION_RW, "mem" };
	*eo = (struct anybpf_exec_opts){ .sz = sizeof(*eo), .mode = rp_mode(v), .repeat = repeat,
					 .args = { (uint64_t)(uintptr_t)mem },
					 .regions = reg, .nregions = 1 };
}

static void repeat_counts_runs_in_memory_on(anybpf_vm *vm, int v)
{
	uint64_t mem[1] = { 0 };
	struct anybpf_region reg;
	struct anybpf_exec_opts eo;
	rp_mem_opts(&eo, &reg, mem, sizeof(mem), v, 1000);
	struct anybpf_exec_result res = { 0, 0 };
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	CHECK_EQ(mem[0], 1000);
	CHECK_EQ(res.retval, 999);
	/* repeat 0 and 1: one run */
	eo.repeat = 0;
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	eo.repeat = 1;
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	CHECK_EQ(mem[0], 1002);
	/* an old caller's opts without the field: one run */
	eo.repeat = 50;
	eo.sz = offsetof(struct anybpf_exec_opts, repeat);
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	CHECK_EQ(mem[0], 1003);
}

TEST(repeat_counts_runs_in_memory)
{
	/* mem[0] += 1 each run; r0 = the value read before the add, so the
	 * last run's r0 is repeat - 1 */
	static const char prog[] =
		"r0 = *(u64 *)(r1 + 0)\n"
		"r2 = r0\n"
		"r2 += 1\n"
		"*(u64 *)(r1 + 0) = r2\n"
		"exit\n";
	rp_each(prog, 1, repeat_counts_runs_in_memory_on);
}

static void repeat_fresh_registers_and_stack_on(anybpf_vm *vm, int v)
{
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = rp_mode(v), .repeat = 3 };
	struct anybpf_exec_result res = { 1, 0 };
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	CHECK_EQ(res.retval, 0);
}

TEST(repeat_fresh_registers_and_stack)
{
	/* reads r6 and a stack slot, then writes both: every run must see
	 * them zero again (an unverified program: the stack is zeroed in
	 * every mode) */
	static const char prog[] =
		"r0 = *(u64 *)(r10 - 8)\n"
		"r0 += r6\n"
		"r1 = 77\n"
		"*(u64 *)(r10 - 8) = r1\n"
		"r6 = 5\n"
		"exit\n";
	rp_each(prog, 0, repeat_fresh_registers_and_stack_on);
}

struct hook_state {
	int calls, fail_at;
	const void *pkt2;
};

static int hook(void *user, const void **pkt, size_t *len)
{
	struct hook_state *h = user;
	if (++h->calls == h->fail_at)
		return -ANYBPF_E_INVAL;
	*pkt = h->pkt2;
	*len = 2;
	return 0;
}

static void repeat_rerun_hook_on(anybpf_vm *vm, int v)
{
	static const uint8_t p1[2] = { 11, 0 }, p2[2] = { 22, 0 };
	struct hook_state h = { 0, 0, p2 };
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = rp_mode(v), .repeat = 4,
				       .pkt = p1, .pkt_len = 2, .user = &h,
				       .rerun = hook };
	struct anybpf_exec_result res = { 0, 0 };
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	CHECK_EQ(h.calls, 3);
	CHECK_EQ(res.retval, 22);
	/* its error ends the loop and is the result */
	h = (struct hook_state){ 0, 2, p2 };
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), -ANYBPF_E_INVAL);
	CHECK_EQ(h.calls, 2);
}

TEST(repeat_rerun_hook)
{
	/* r0 = the packet's byte 0 (LD_ABS): the hook swaps the packet after
	 * the first run */
	static const char prog[] = "r6 = r1\nr0 = *(u8 *)skb[0]\nexit\n";
	rp_each(prog, 1, repeat_rerun_hook_on);
}

static void repeat_budget_per_run_and_errors_stop_on(anybpf_vm *vm, int v)
{
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = rp_mode(v), .repeat = 100,
				       .budget = 400 };
	struct anybpf_exec_result res = { 0, 0 };
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	CHECK_EQ(res.retval, 1275);
	if (!CHECK(res.insns > 100 && res.insns <= 400)) /* the last run's */
		fprintf(stderr, "    variant %d: insns %llu\n", v, (unsigned long long)res.insns);
	eo.budget = 100;
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), -ANYBPF_E_BUDGET);
}

TEST(repeat_budget_per_run_and_errors_stop)
{
	/* 50 iterations of a 3-instruction loop: about 150 instructions a
	 * run; a budget of 400 is per run, so 100 runs pass (an unverified
	 * program: the JIT drops the budget checks of verified ones) */
	static const char prog[] =
		"r0 = 0\n"
		"r1 = 50\n"
		"loop:\n"
		"r0 += r1\n"
		"r1 += -1\n"
		"if r1 != 0 goto loop\n"
		"exit\n";
	rp_each(prog, 0, repeat_budget_per_run_and_errors_stop_on);
}

static void repeat_helper_stop_ends_one_run_on(anybpf_vm *vm, int v)
{
	uint64_t mem[1] = { 0 };
	struct anybpf_region reg;
	struct anybpf_exec_opts eo;
	rp_mem_opts(&eo, &reg, mem, sizeof(mem), v, 6);
	struct anybpf_exec_result res = { 1, 0 };
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	CHECK_EQ(mem[0], 6);
	CHECK_EQ(res.retval, 0); /* unwind's stop value */
}

TEST(repeat_helper_stop_ends_one_run)
{
	/* the uBPF test helper 5 (unwind) stops the run when its argument is
	 * 0: r0 = mem[0]++ and unwind(0) each run; every run counts */
	static const char prog[] =
		"r6 = *(u64 *)(r1 + 0)\n"
		"r2 = r6\n"
		"r2 += 1\n"
		"*(u64 *)(r1 + 0) = r2\n"
		"r1 = 0\n"
		"call 5\n"
		"r0 = 99\n"
		"exit\n";
	rp_each(prog, 1, repeat_helper_stop_ends_one_run_on);
}
