/* cfg.c - the control-flow pass: decode every slot to its isa.def row, find
 * the functions (pc 0 and every bpf-to-bpf call or `lddw func` target), the
 * prune points (jump targets, fall-throughs of conditional jumps, return
 * sites, function entries), loop heads (targets of backward jumps), the
 * instructions reachable from pc 0, and which registers are live before each
 * instruction (a backward dataflow fixpoint per function).  Liveness lets
 * pruning ignore registers no later instruction reads. */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

#define ALL_CALLER_SAVED 0x3f    /* r0-r5 */
#define ARG_REGS 0x3e            /* r1-r5 */
#define FP_BIT (1u << 10)

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t jump_target(const struct anybpf_insn *in, int64_t pc, unsigned fmt)
{
	return pc + 1 + (fmt == FMT_JA32 || fmt == FMT_CALL_LOCAL || fmt == FMT_LDDW ? in->imm : in->off);
}

/* registers read and written by one instruction */
static void use_def(const struct anybpf_insn *in, int row, uint16_t *use, uint16_t *def)
{
	const struct isa_row *r = &isa_rows[row];
	uint16_t d = (uint16_t)(1u << in->dst), s = (uint16_t)(1u << in->src);

	*use = *def = 0;
	switch (r->fmt) {
	case FMT_ALU_K: case FMT_UNARY: *use = d; *def = d; break;
	case FMT_ALU_X: *use = d | s; *def = d; break;
	case FMT_MOV_K: case FMT_LDDW: *def = d; break;
	case FMT_MOV_X: *use = s; *def = d; break;
	case FMT_JCC_K: *use = d; break;
	case FMT_JCC_X: *use = d | s; break;
	case FMT_CALL: case FMT_CALL_LOCAL: *use = ARG_REGS; *def = ALL_CALLER_SAVED; break;
	case FMT_CALLX: *use = ARG_REGS | d; *def = ALL_CALLER_SAVED; break;
	case FMT_EXIT: *use = 1; break;
	case FMT_LDABS: *use = 1u << 6; *def = ALL_CALLER_SAVED; break;
	case FMT_LDIND: *use = (uint16_t)((1u << 6) | s); *def = ALL_CALLER_SAVED; break;
	case FMT_LDX: *use = s; *def = d; break;
	case FMT_ST: *use = d; break;
	case FMT_STX: *use = d | s; break;
	case FMT_ATOMIC:
		*use = d | s;
		if (r->mval == 0xf1) {
			*use |= 1;
			*def = 1;
		} else if (r->mval & 1) {
			*def = s;
		}
		break;
	default: break;
	}
}

/* successors of pc inside its function; returns their count */
static int successors(const struct cfg *c, const struct anybpf_insn *insns, int64_t pc,
		      int64_t succ[2])
{
	int row = c->row[pc];
	unsigned fmt = isa_rows[row].fmt;
	int64_t next = pc + (fmt == FMT_LDDW ? 2 : 1);

	switch (fmt) {
	case FMT_EXIT: return 0;
	case FMT_JA: case FMT_JA32:
		succ[0] = jump_target(&insns[pc], pc, fmt);
		return 1;
	case FMT_JCC_K: case FMT_JCC_X:
		succ[0] = next;
		succ[1] = jump_target(&insns[pc], pc, fmt);
		return 2;
	default:
		succ[0] = next;
		return next < (int64_t)c->n ? 1 : 0;
	}
}

static int liveness(struct cfg *c, const struct anybpf_insn *insns)
{
	int changed = 1;

	/* iterate to the fixpoint; backward order converges fast */
	while (changed) {
		changed = 0;
		for (int64_t pc = (int64_t)c->n - 1; pc >= 0; pc--) {
			if (c->row[pc] < 0)
				continue;
			int64_t succ[2];
			int ns = successors(c, insns, pc, succ);
			uint16_t out = 0, use, def;
			for (int i = 0; i < ns; i++)
				out |= c->live[succ[i]];
			use_def(&insns[pc], c->row[pc], &use, &def);
			uint16_t in = (uint16_t)(use | (out & ~def) | FP_BIT);
			if (in != c->live[pc]) {
				c->live[pc] = in;
				changed = 1;
			}
		}
	}
	return 0;
}

static int reachability(struct cfg *c, const struct anybpf_insn *insns)
{
	int64_t *work = ab_calloc(c->n + 1, sizeof(*work));
	size_t nw = 0;

	if (!work)
		return -ANYBPF_E_NOMEM;
	work[nw++] = 0;
	c->flags[0] |= PC_REACH;
	while (nw) {
		int64_t pc = work[--nw], succ[3];
		int ns = successors(c, insns, pc, succ);
		unsigned fmt = isa_rows[c->row[pc]].fmt;
		if (fmt == FMT_CALL_LOCAL || c->row[pc] == ISA_LDDW_FUNC)
			succ[ns++] = jump_target(&insns[pc], pc, fmt);
		for (int i = 0; i < ns; i++) {
			if (succ[i] < 0 || succ[i] >= (int64_t)c->n || (c->flags[succ[i]] & PC_REACH))
				continue;
			c->flags[succ[i]] |= PC_REACH;
			work[nw++] = succ[i];
		}
	}
	ab_free(work);
	return 0;
}

int cfg_build(struct verifier *v)
{
	struct cfg *c = &v->cfg;
	const struct anybpf_insn *insns = v->insns;
	size_t n = v->n, nstarts = 1;
	int64_t *starts;

	c->n = n;
	c->row = ab_calloc(n, sizeof(*c->row));
	c->flags = ab_calloc(n, sizeof(*c->flags));
	c->func_of = ab_calloc(n, sizeof(*c->func_of));
	c->live = ab_calloc(n, sizeof(*c->live));
	starts = ab_calloc(n + 1, sizeof(*starts));
	if (!c->row || !c->flags || !c->func_of || !c->live || !starts) {
		ab_free(starts);
		return -ANYBPF_E_NOMEM;
	}
	starts[0] = 0;
	for (size_t pc = 0; pc < n; pc++) {
		if (pc && c->row[pc - 1] >= 0 && isa_rows[c->row[pc - 1]].fmt == FMT_LDDW &&
		    !(c->flags[pc - 1] & PC_LDDW2)) {
			c->row[pc] = -1;
			c->flags[pc] |= PC_LDDW2;
			continue;
		}
		int row = isa_lookup(&insns[pc]);
		c->row[pc] = (int16_t)row;   /* validated: row >= 0 */
		unsigned fmt = isa_rows[row].fmt;
		if (fmt == FMT_CALL_LOCAL || row == ISA_LDDW_FUNC)
			starts[nstarts++] = jump_target(&insns[pc], (int64_t)pc, fmt);
	}
	qsort(starts, nstarts, sizeof(*starts), cmp_i64);
	c->funcs = ab_calloc(nstarts, sizeof(*c->funcs));
	if (!c->funcs) {
		ab_free(starts);
		return -ANYBPF_E_NOMEM;
	}
	for (size_t i = 0; i < nstarts; i++) {
		if (i && starts[i] == starts[i - 1])
			continue;
		c->funcs[c->nfuncs].start = starts[i];
		c->flags[starts[i]] |= PC_FUNC | PC_PRUNE;
		c->nfuncs++;
	}
	ab_free(starts);
	for (size_t f = 0; f < c->nfuncs; f++) {
		c->funcs[f].end = f + 1 < c->nfuncs ? c->funcs[f + 1].start : (int64_t)n;
		for (int64_t pc = c->funcs[f].start; pc < c->funcs[f].end; pc++)
			c->func_of[pc] = (uint32_t)f;
	}
	for (size_t pc = 0; pc < n; pc++) {
		if (c->row[pc] < 0)
			continue;
		unsigned fmt = isa_rows[c->row[pc]].fmt;
		if (fmt == FMT_JA || fmt == FMT_JA32 || fmt == FMT_JCC_K || fmt == FMT_JCC_X) {
			int64_t t = jump_target(&insns[pc], (int64_t)pc, fmt);
			c->flags[t] |= PC_PRUNE;
			if (t <= (int64_t)pc)
				c->flags[t] |= PC_LOOP_HEAD;
			if (fmt == FMT_JCC_K || fmt == FMT_JCC_X)
				c->flags[pc + 1] |= PC_PRUNE;
		}
		if ((fmt == FMT_CALL_LOCAL || fmt == FMT_CALL) && pc + 1 < n)
			c->flags[pc + 1] |= PC_PRUNE;
	}
	liveness(c, insns);
	int err = reachability(c, insns);
	return err ? err : cfg_relevance(v);
}

void cfg_use_def(const struct verifier *v, int64_t pc, uint16_t *use, uint16_t *def)
{
	use_def(&v->insns[pc], v->cfg.row[pc], use, def);
}

void cfg_free(struct cfg *c)
{
	ab_free(c->row);
	ab_free(c->flags);
	ab_free(c->func_of);
	ab_free(c->live);
	ab_free(c->rel);
	ab_free(c->srel);
	ab_free(c->funcs);
	memset(c, 0, sizeof(*c));
}
