/*
 * validate.c - is this a well-formed eBPF program?  (RFC 9669, plus v4)
 *
 * Two passes over the slots, both driven by isa.def:
 *  1. each instruction alone: a row exists for it, and every field obeys the
 *     rule its format (isa.h ISA_FORMATS) or its row's MFIELD gives it;
 *     lddw has a proper second slot; jumps and calls land on an instruction.
 *  2. the program as functions: function starts are pc 0 and every target
 *     of a local call or of `lddw rX, func`; a jump must stay inside its
 *     function, and every function must end in exit or an unconditional
 *     jump (no falling into the next one or off the end).
 * The first error wins; it is logged as "pc N: <what>, <why>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "isa.h"

#define BPF_REG_MAX 10 /* r0..r10 */
#define BPF_REG_FP  10 /* the read-only frame pointer */
#define BPF_FETCH   0x01
#define BPF_CMPXCHG 0xf1

static const char *const field_name[] = { [MF_OFF] = "offset", [MF_IMM] = "imm", [MF_SRC] = "src" };

/* "16, 32 or 64": the values of the field that tells apart the rows of an
 * opcode byte, for the message when none matches. */
static void row_values(uint8_t opcode, char *buf, size_t size)
{
	size_t len = 0;
	int count = 0, total = 0;
	buf[0] = '\0';
	for (unsigned r = 0; r < ISA_COUNT; r++)
		total += isa_rows[r].opcode == opcode;
	for (unsigned r = 0; r < ISA_COUNT && len < size; r++) {
		if (isa_rows[r].opcode != opcode)
			continue;
		count++;
		const char *sep = count == 1 ? "" : count == total ? " or " : ", ";
		int w = snprintf(buf + len, size - len, "%s%d", sep, isa_rows[r].mval);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* Jump/call target of the instruction at pc, for F_JMP fields. */
static int64_t jump_target(const struct anybpf_insn *insn, int64_t pc, int in_imm)
{
	return pc + 1 + (in_imm ? (int64_t)insn->imm : (int64_t)insn->off);
}

static int check_target(const struct anybpf_insn *insns, size_t n, int64_t pc,
			int64_t target, const char *what, struct anybpf_log *log)
{
	if (target < 0 || target >= (int64_t)n)
		return ab_err(log, -ANYBPF_E_JMP_RANGE, pc,
			      "jump out of range: %s to pc %lld, outside the program [0, %zu)",
			      what, (long long)target, n);
	if (target > 0 && insns[target - 1].code == 0x18 && isa_lookup(&insns[target - 1]) >= 0) {
		/* only a real lddw's second slot: walk from the start to be sure */
		size_t p = 0;
		while (p < (size_t)target)
			p += isa_slots(&insns[p]);
		if (p != (size_t)target)
			return ab_err(log, -ANYBPF_E_JMP_LDDW, pc,
				      "jump into the middle of lddw: %s to pc %lld, the second slot of the lddw at pc %lld",
				      what, (long long)target, (long long)target - 1);
	}
	return 0;
}

/* One field against its rule; fname "dst" picks the register messages. */
static int check_field(const struct anybpf_insn *insn, int64_t pc, const char *fname,
		       int64_t value, unsigned rule, struct anybpf_log *log)
{
	int is_dst = strcmp(fname, "dst") == 0;
	switch (rule) {
	case F_ZERO:
		if (value != 0)
			return ab_err(log, -ANYBPF_E_RESERVED, pc,
				      "reserved field is not zero: %s is %lld in opcode 0x%02x, must be 0",
				      fname, (long long)value, insn->code);
		return 0;
	case F_REG: case F_R: case F_W: case F_RW:
		if (value > BPF_REG_MAX)
			return ab_err(log, is_dst ? -ANYBPF_E_DST_REG : -ANYBPF_E_SRC_REG, pc,
				      "invalid %s register r%lld (registers are r0-r10)",
				      is_dst ? "destination" : "source", (long long)value);
		if ((rule == F_W || rule == F_RW) && value == BPF_REG_FP)
			return ab_err(log, -ANYBPF_E_WRITE_R10, pc,
				      "write to the read-only frame pointer r10 (opcode 0x%02x)", insn->code);
		return 0;
	default:
		return 0;
	}
}

/* Pass 1 for one instruction: returns its slot count, or a negative code. */
static int check_insn(const struct anybpf_insn *insns, size_t n, size_t pc,
		      struct anybpf_log *log)
{
	const struct anybpf_insn *insn = &insns[pc];
	int64_t ipc = (int64_t)pc;
	int row = isa_lookup(insn);
	if (row == -ANYBPF_E_OPCODE)
		return ab_err(log, row, ipc, "unknown opcode 0x%02x", insn->code);
	if (row < 0) {
		char vals[64];
		unsigned mf = row == -ANYBPF_E_BAD_OFF ? MF_OFF : row == -ANYBPF_E_BAD_IMM ? MF_IMM : MF_SRC;
		int64_t v = mf == MF_OFF ? insn->off : mf == MF_IMM ? insn->imm : insn->src;
		row_values(insn->code, vals, sizeof(vals));
		return ab_err(log, row, ipc, "invalid %s %lld for opcode 0x%02x (must be %s)",
			      field_name[mf], (long long)v, insn->code, vals);
	}
	const struct isa_row *r = &isa_rows[row];
	struct isa_fmt_rule rule = isa_fmt_rules[r->fmt];
	/* the discriminating field was matched by isa_lookup: no rule left */
	if (r->mfield == MF_OFF)
		rule.off = F_ANY;
	if (r->mfield == MF_IMM)
		rule.imm = F_ANY;
	if (r->mfield == MF_SRC)
		rule.src = F_ANY;
	int err;
	if ((err = check_field(insn, ipc, "dst", insn->dst, rule.dst, log)) ||
	    (err = check_field(insn, ipc, "src", insn->src, rule.src, log)) ||
	    (err = check_field(insn, ipc, "offset", insn->off, rule.off, log)) ||
	    (err = check_field(insn, ipc, "imm", insn->imm, rule.imm, log)))
		return err;
	/* atomics with FETCH (but cmpxchg, which writes r0) write src back */
	if (r->fmt == FMT_ATOMIC && (r->mval & BPF_FETCH) && r->mval != BPF_CMPXCHG &&
	    insn->src == BPF_REG_FP)
		return ab_err(log, -ANYBPF_E_WRITE_R10, ipc,
			      "write to the read-only frame pointer r10 (atomic fetch into r10)");
	if (rule.off == F_JMP || rule.imm == F_JMP) {
		int64_t t = jump_target(insn, ipc, rule.imm == F_JMP);
		if (r->fmt == FMT_JA || r->fmt == FMT_JA32) {
			if (t == ipc)
				return ab_err(log, -ANYBPF_E_INFINITE_LOOP, ipc,
					      "infinite loop: unconditional jump to itself");
		}
		if ((err = check_target(insns, n, ipc, t,
					r->fmt == FMT_CALL_LOCAL ? "call" : "jump", log)))
			return err;
	}
	if (r->fmt != FMT_LDDW)
		return 1;
	if (pc + 1 >= n || insns[pc + 1].code != 0)
		return ab_err(log, -ANYBPF_E_LDDW_INCOMPLETE, ipc,
			      "incomplete lddw: the second slot %s",
			      pc + 1 >= n ? "is missing" : "has a nonzero opcode");
	const struct anybpf_insn *hi = &insns[pc + 1];
	if (hi->dst || hi->src || hi->off)
		return ab_err(log, -ANYBPF_E_LDDW_SECOND, ipc + 1,
			      "invalid lddw second slot: dst %u, src %u, offset %d must all be 0",
			      hi->dst, hi->src, hi->off);
	if (row == ISA_LDDW_FUNC &&
	    (err = check_target(insns, n, ipc, ipc + 1 + insn->imm, "function address", log)))
		return err;
	return 2;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* Pass 2: functions.  `starts` has room for n + 1 entries. */
static int check_functions(const struct anybpf_insn *insns, size_t n, size_t *starts,
			   struct anybpf_log *log)
{
	size_t nf = 0;
	starts[nf++] = 0;
	for (size_t pc = 0; pc < n; pc += isa_slots(&insns[pc])) {
		int row = isa_lookup(&insns[pc]);
		if (row == ISA_CALL_LOCAL || row == ISA_LDDW_FUNC)
			starts[nf++] = (size_t)((int64_t)pc + 1 + insns[pc].imm);
	}
	qsort(starts, nf, sizeof(*starts), cmp_size);
	size_t f = 0; /* index of the function holding pc */
	for (size_t pc = 0; pc < n; pc += isa_slots(&insns[pc])) {
		while (f + 1 < nf && starts[f + 1] <= pc)
			f++;
		size_t lo = starts[f], hi = f + 1 < nf ? starts[f + 1] : n;
		const struct isa_row *r = &isa_rows[isa_lookup(&insns[pc])];
		if (r->fmt == FMT_JA || r->fmt == FMT_JCC_K || r->fmt == FMT_JCC_X || r->fmt == FMT_JA32) {
			int64_t t = jump_target(&insns[pc], (int64_t)pc, r->fmt == FMT_JA32);
			if (t < (int64_t)lo || t >= (int64_t)hi)
				return ab_err(log, -ANYBPF_E_JMP_RANGE, (int64_t)pc,
					      "jump out of range: to pc %lld, outside its function [%zu, %zu)",
					      (long long)t, lo, hi);
		}
		size_t next = pc + isa_slots(&insns[pc]);
		if (next >= hi) { /* pc is the last instruction of its function */
			if (r->fmt != FMT_EXIT && r->fmt != FMT_JA && r->fmt != FMT_JA32)
				return ab_err(log, -ANYBPF_E_FALLTHROUGH, (int64_t)pc,
					      "falls through the end of the %s: the last instruction of [%zu, %zu) must be exit or an unconditional jump",
					      hi == n && lo == 0 ? "program" : "function", lo, hi);
		}
	}
	return 0;
}

int anybpf_validate(const struct anybpf_insn *insns, size_t n,
		    const struct anybpf_validate_opts *opts, struct anybpf_log *log)
{
	size_t max = ANYBPF_MAX_INSNS_DEFAULT;
	if (opts && opts->sz >= offsetof(struct anybpf_validate_opts, max_insns) + sizeof(size_t) &&
	    opts->max_insns)
		max = opts->max_insns;
	if (!insns && n)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "no instructions given");
	if (n == 0)
		return ab_err(log, -ANYBPF_E_EMPTY, -1, "empty program: no instructions");
	if (n > max)
		return ab_err(log, -ANYBPF_E_TOO_LONG, -1,
			      "program too long: %zu instructions, more than the limit of %zu", n, max);
	for (size_t pc = 0; pc < n;) {
		int slots = check_insn(insns, n, pc, log);
		if (slots < 0)
			return slots;
		pc += (size_t)slots;
	}
	size_t *starts = ab_calloc(n + 1, sizeof(*starts));
	if (!starts)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "out of memory");
	int err = check_functions(insns, n, starts, log);
	ab_free(starts);
	return err;
}
