/* fuzz_jit.c - libFuzzer: the x86-64 JIT against the fast interpreter.
 *
 * The input drives a generator of programs that are memory-safe by
 * construction, so the unchecked engines can run them: registers start
 * from input values; every row of isa.def may appear except those that
 * need pointers other than the stack (the memory forms use r10 with an
 * in-frame, size-aligned offset and never store or compute with r10 itself,
 * so no address leaks into a result); jumps land inside their function,
 * backward ones too (the budget stops endless loops); a second function
 * is called with call local and callx; LD_ABS/LD_IND read a packet from the
 * input at any offset; helpers are a pure one and one that stops the run.
 * The JIT compiles with constant blinding or without, and both engines
 * run the program 1-3 times in one call (`repeat`: the JIT loops inside
 * its code), as the input says.  Any difference in r0, the error or the
 * budget charged aborts.
 *
 *   clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *     -Isrc -Isrc/isa tests/fuzz/fuzz_jit.c $(find src -name \*.c ! -path src/cli/\*) \
 *     -lelf -lpthread -lm -o /tmp/fj
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "isa.h"

struct in {
	const uint8_t *p;
	size_t n;
};
static uint8_t byte(struct in *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}
static uint32_t word(struct in *s)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | byte(s);
	return v;
}

/* An instruction of row `row` (isa.def), from src/isa/isa.c. */
#define mk isa_encode

static uint64_t h_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, anybpf_run *run)
{
	(void)run;
	return a * 3 + (b ^ c) + (d << 1) - e;
}
static uint64_t h_stop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, anybpf_run *run)
{
	(void)b; (void)c; (void)d; (void)e;
	if (a & 1)
		anybpf_run_stop(run, a);
	return a + 1;
}

#define MAXP 160

/* An interesting immediate */
static int32_t imm_of(struct in *s)
{
	static const int32_t special[] = { 0, 1, -1, 2, 31, 32, 63, 64, INT32_MIN, INT32_MAX, 8, 16 };
	uint8_t k = byte(s);
	if (k < 128)
		return special[k % (sizeof(special) / sizeof(special[0]))];
	return (int32_t)word(s);
}

/* One body instruction at p[pc] of the function [lo, hi) (hi is its exit) */
static struct anybpf_insn gen(struct in *s, size_t pc, size_t lo, size_t hi, size_t func2)
{
	for (int tries = 0; tries < 8; tries++) {
		int row = byte(s) % ISA_COUNT;
		const struct isa_row *r = &isa_rows[row];
		int d = byte(s) % 10, x = byte(s) % 10;
		switch (r->fmt) {
		case FMT_ALU_K: case FMT_MOV_K:
			return mk(row, d, 0, 0, imm_of(s));
		case FMT_ALU_X: case FMT_MOV_X: case FMT_UNARY:
			return mk(row, d, x, 0, 0);
		case FMT_JA: case FMT_JCC_K: case FMT_JCC_X: case FMT_JA32: {
			size_t t = lo + byte(s) % (hi - lo + 1);
			int64_t off = (int64_t)t - (int64_t)pc - 1;
			if (r->fmt == FMT_JA32)
				return mk(row, 0, 0, 0, (int32_t)off);
			return mk(row, d, x, (int)off, imm_of(s));
		}
		case FMT_CALL:
			if (row != ISA_CALL)
				continue;
			return mk(row, 0, 0, 0, byte(s) & 1 ? 1000 : 1001);
		case FMT_CALL_LOCAL:
			if (!func2 || pc >= func2)
				continue; /* only the main function calls */
			return mk(row, 0, 0, 0, (int32_t)((int64_t)func2 - (int64_t)pc - 1));
		case FMT_LDABS: case FMT_LDIND:
			return mk(row, 0, x, 0, (int32_t)(byte(s) % 80) - 8);
		case FMT_LDX: case FMT_ST: case FMT_STX: case FMT_ATOMIC: {
			int size = r->bits / 8;
			int off = -(int)(((byte(s) % (512 / size)) + 1) * (unsigned)size);
			if (r->fmt == FMT_LDX)
				return mk(row, d, 10, off, 0);
			return mk(row, 10, x, off, imm_of(s));
		}
		default: /* lddw (only in the prologue), callx (generated below), exit */
			continue;
		}
	}
	return mk(ISA_ADD64_K, 0, 0, 0, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in s = { data, size };
	struct anybpf_insn p[MAXP];
	size_t n = 0;
	/* r0-r9 from the input */
	for (int r = 0; r < 10; r++) {
		uint64_t v = (uint64_t)word(&s) << 32 | word(&s);
		if (byte(&s) & 1)
			v = (uint64_t)(int64_t)(int8_t)v; /* small values are interesting */
		p[n] = mk(ISA_LDDW, r, 0, 0, (int32_t)(uint32_t)v);
		p[n + 1] = (struct anybpf_insn){ .imm = (int32_t)(v >> 32) };
		n += 2;
	}
	size_t nmain = 1 + byte(&s) % 60, nf = byte(&s) % 24;
	size_t lo = n, hi = lo + nmain;      /* main body, its exit at hi */
	size_t func2 = nf ? hi + 1 : 0;      /* second function: [func2, func2 + nf], exit */
	int use_callx = nf && (byte(&s) & 1);
	size_t callx_at = use_callx ? lo + byte(&s) % nmain : 0;
	for (size_t pc = lo; pc < hi; pc++)
		p[pc] = gen(&s, pc, lo, hi, func2);
	if (use_callx && callx_at + 2 < hi) {
		/* lddw r9, func2; callx r9 */
		p[callx_at] = mk(ISA_LDDW_FUNC, 9, 0, 0, (int32_t)((int64_t)func2 - (int64_t)callx_at - 1));
		p[callx_at + 1] = (struct anybpf_insn){ 0 };
		p[callx_at + 2] = mk(ISA_CALLX, 9, 0, 0, 0);
		/* no jump may land in the middle of the lddw */
		for (size_t pc = lo; pc < hi; pc++) {
			struct anybpf_insn *in = &p[pc];
			if (pc == callx_at || pc == callx_at + 1)
				continue;
			int64_t t = -1;
			int jrow = isa_lookup(in);
			if (jrow >= 0 && (isa_rows[jrow].fmt == FMT_JA || isa_rows[jrow].fmt == FMT_JCC_K ||
					  isa_rows[jrow].fmt == FMT_JCC_X))
				t = (int64_t)pc + in->off + 1;
			else if (jrow == ISA_JA32)
				t = (int64_t)pc + in->imm + 1;
			if (t == (int64_t)callx_at + 1)
				*in = mk(ISA_ADD64_K, 1, 0, 0, 1);
		}
	}
	p[hi] = mk(ISA_EXIT, 0, 0, 0, 0);
	n = hi + 1;
	if (nf) {
		for (size_t pc = func2; pc < func2 + nf; pc++)
			p[pc] = gen(&s, pc, func2, func2 + nf, 0);
		p[func2 + nf] = mk(ISA_EXIT, 0, 0, 0, 0);
		n = func2 + nf + 1;
	}
	uint8_t pkt[64];
	size_t plen = byte(&s) % sizeof(pkt);
	for (size_t i = 0; i < plen; i++)
		pkt[i] = byte(&s);
	uint64_t budget = 1 + (word(&s) & 0xfff);
	unsigned depth = 1 + byte(&s) % 4;
	uint8_t opt = byte(&s);
	int blind = opt & 1;
	uint64_t repeat = 1 + (opt >> 1) % 3;

	/* one VM for both engines: code addresses (lddw func) are the same */
	int err[2];
	uint64_t ret[2], insns[2];
	struct anybpf_vm_opts vo = { .sz = sizeof(vo), .call_depth = depth };
	anybpf_vm *vm = anybpf_vm_new(&vo);
	anybpf_vm_register_helper(vm, 1000, h_mix, NULL);
	anybpf_vm_register_helper(vm, 1001, h_stop, NULL);
	anybpf_vm_set_jit_blinding(vm, blind);
	if (anybpf_vm_load(vm, p, n, NULL)) { /* something the validator refuses */
		anybpf_vm_free(vm);
		return 0;
	}
	for (int e = 0; e < 2; e++) {
		struct anybpf_exec_opts eo = {
			.sz = sizeof(eo), .mode = e ? ANYBPF_EXEC_JIT : ANYBPF_EXEC_FAST,
			.budget = budget, .pkt = pkt, .pkt_len = plen, .repeat = repeat,
		};
		struct anybpf_exec_result res = { 0, 0 };
		err[e] = anybpf_vm_exec(vm, &eo, &res, NULL);
		ret[e] = res.retval;
		insns[e] = res.insns;
	}
	anybpf_vm_free(vm);
	if (err[0] != err[1] || ret[0] != ret[1] || insns[0] != insns[1]) {
		fprintf(stderr, "fuzz_jit (blind %d, repeat %llu): interpreter err %d r0 0x%llx insns %llu, "
			"JIT err %d r0 0x%llx insns %llu\n", blind, (unsigned long long)repeat,
			err[0], (unsigned long long)ret[0], (unsigned long long)insns[0], err[1],
			(unsigned long long)ret[1], (unsigned long long)insns[1]);
		for (size_t i = 0; i < n; i++) {
			char buf[128];
			anybpf_disasm_insn(p, n, i, ANYBPF_SYNTAX_LLVM, buf, sizeof(buf));
			fprintf(stderr, "  %3zu: %s\n", i, buf);
		}
		abort();
	}
	return 0;
}
