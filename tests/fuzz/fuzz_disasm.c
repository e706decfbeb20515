/* fuzz_disasm.c - libFuzzer target for the disassembler (input: raw 8-byte
 * instruction slots).  Every pc is disassembled in both syntaxes, into
 * buffers of several sizes; every well-formed instruction (a row of
 * isa.def with its reserved fields 0) must assemble back from its text. */
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "isa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does the instruction at pc carry only what its text prints? */
static int well_formed(const struct anybpf_insn *in, size_t n, size_t pc, int row)
{
	const struct isa_row *r = &isa_rows[row];
	const struct isa_fmt_rule *f = &isa_fmt_rules[r->fmt];
	const struct anybpf_insn *x = &in[pc];
	if ((f->dst == F_ZERO && x->dst) ||
	    (f->src == F_ZERO && r->mfield != MF_SRC && x->src) ||
	    (f->off == F_ZERO && r->mfield != MF_OFF && x->off) ||
	    (f->imm == F_ZERO && r->mfield != MF_IMM && x->imm))
		return 0;
	if (r->fmt == FMT_LDDW) {
		const struct anybpf_insn *y = &in[pc + 1];
		if (pc + 1 >= n || y->code || y->dst || y->src || y->off)
			return 0;
	}
	return 1;
}

static void reassemble(const char *text, const struct anybpf_insn *want, int slots)
{
	struct anybpf_insn *out = NULL;
	size_t m = 0;
	if (anybpf_assemble(text, strlen(text), &out, &m, NULL) || m != (size_t)slots ||
	    memcmp(out, want, (size_t)slots * sizeof(*want)))
		abort();
	anybpf_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct anybpf_insn);
	struct anybpf_insn *insns = malloc(n ? n * sizeof(*insns) : 1);
	if (!insns)
		return 0;
	if (n)
		memcpy(insns, data, n * sizeof(*insns));
	char buf[256], tiny[7];
	for (size_t pc = 0; pc < n; pc++) {
		int u = anybpf_disasm_insn(insns, n, pc, ANYBPF_SYNTAX_UBPF, buf, sizeof(buf));
		char l[256];
		int k = anybpf_disasm_insn(insns, n, pc, ANYBPF_SYNTAX_LLVM, l, sizeof(l));
		if (u != k || strlen(buf) >= sizeof(buf) - 1 || strlen(l) >= sizeof(l) - 1)
			abort(); /* same verdict in both syntaxes; texts well short */
		anybpf_disasm_insn(insns, n, pc, ANYBPF_SYNTAX_LLVM, tiny, sizeof(tiny));
		if (strlen(tiny) >= sizeof(tiny) || strncmp(tiny, l, strlen(tiny)))
			abort(); /* truncated, never overflowed */
		if (u < 0) {
			if (strcmp(buf, "<unknown>"))
				abort();
			continue;
		}
		int row = isa_lookup(&insns[pc]);
		if (!well_formed(insns, n, pc, row))
			continue;
		reassemble(buf, &insns[pc], u);
		/* llvm-objdump's text says "call N" for all three call kinds */
		if (row != ISA_CALL_LOCAL && row != ISA_CALL_KFUNC)
			reassemble(l, &insns[pc], u);
	}
	free(insns);
	return 0;
}
