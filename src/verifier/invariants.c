/* invariants.c - what held at each basic block, for level=verbose.
 *
 * Exploration sees each instruction once per path; the invariant of a block
 * is the join of every state that entered it (Pre) and of every state that
 * left its last instruction (Post), over the current frame's registers.  The
 * listing follows the seed: "Pre-invariant : [...]", the block's
 * instructions, "Post-invariant: [...]", with facts such as
 * "r1.type=ctx, r1.ctx_offset=0" and "r0.type=number, r0.value=[0, 255]". */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

#define R_MIXED R_COUNT   /* different types on different paths */

struct inv {
	uint8_t seen;
	struct reg regs[11];
};

int inv_init(struct verifier *v)
{
	if (v->level < ANYBPF_VERIFY_VERBOSE || !v->log)
		return 0;
	v->inv_pre = ab_calloc(v->n, sizeof(struct inv));
	v->inv_post = ab_calloc(v->n, sizeof(struct inv));
	return v->inv_pre && v->inv_post ? 0 : -ANYBPF_E_NOMEM;
}

void inv_free(struct verifier *v)
{
	ab_free(v->inv_pre);
	ab_free(v->inv_post);
	v->inv_pre = v->inv_post = NULL;
}

static void reg_join(struct reg *into, const struct reg *r)
{
	if (into->type == R_MIXED)
		return;
	if (into->type != r->type) {
		into->type = R_MIXED;
		return;
	}
	switch (r->type) {
	case R_NOT_INIT: case R_PKT_END:
		return;
	case R_SCALAR:
		into->v = sc_join(&into->v, &r->v);
		return;
	default:
		if (into->map != r->map || into->frame != r->frame) {
			into->type = R_MIXED;
			return;
		}
		if (into->off != r->off) {
			/* fold the fixed offsets into the variable part */
			struct scalar a = into->v, b = r->v, ka = sc_const((uint64_t)(int64_t)into->off),
				      kb = sc_const((uint64_t)(int64_t)r->off);
			a = sc_alu(SC_ADD, &a, &ka, 64);
			b = sc_alu(SC_ADD, &b, &kb, 64);
			into->off = 0;
			into->v = sc_join(&a, &b);
		} else {
			into->v = sc_join(&into->v, &r->v);
		}
		if (r->range < into->range)
			into->range = r->range;
	}
}

static void record(struct inv *at, const struct vstate *s)
{
	const struct frame *f = cur_frame(s);
	if (!at->seen) {
		memcpy(at->regs, f->regs, sizeof(at->regs));
		at->seen = 1;
		return;
	}
	for (int r = 0; r < 11; r++)
		reg_join(&at->regs[r], &f->regs[r]);
}

void inv_pre(struct verifier *v, const struct vstate *s)
{
	if (v->inv_pre)
		record(&((struct inv *)v->inv_pre)[s->pc], s);
}

void inv_post(struct verifier *v, int64_t pc, const struct vstate *s)
{
	if (v->inv_post && s->fr[0])
		record(&((struct inv *)v->inv_post)[pc], s);
}

/* "r1.type=ctx, r1.ctx_offset=0" */
static void facts(struct verifier *v, const struct inv *at)
{
	char val[96];
	int first = 1;

	ab_logf(v->log, "[");
	for (int r = 0; r < 11; r++) {
		const struct reg *x = &at->regs[r];
		if (x->type == R_NOT_INIT)
			continue;
		ab_logf(v->log, "%s\n    ", first ? "" : ",");
		first = 0;
		if (x->type == R_MIXED) {
			ab_logf(v->log, "r%d.type=any", r);
			continue;
		}
		if (x->type == R_SCALAR) {
			sc_str(val, sizeof(val), &x->v);
			ab_logf(v->log, "r%d.type=number, r%d.value=%s", r, r, val);
			continue;
		}
		ab_logf(v->log, "r%d.type=%s", r, rtype_name(x->type));
		if (x->type == R_PKT_END)
			continue;
		val[0] = 0;
		if (!sc_is_const(&x->v) || sc_val(&x->v))
			sc_str(val, sizeof(val), &x->v);
		const char *region = x->type == R_CTX ? "ctx" : x->type == R_STACK ? "stack" :
				     x->type == R_PKT ? "packet" : x->type == R_PKT_META ? "meta" :
				     x->type == R_MAP_PTR || x->type == R_MAP_PTR_OR_NULL ? NULL :
				     x->type == R_MAP_VALUE || x->type == R_MAP_VALUE_OR_NULL ? "value" : "mem";
		if (x->type == R_MAP_PTR || x->type == R_MAP_PTR_OR_NULL || x->type == R_MAP_VALUE ||
		    x->type == R_MAP_VALUE_OR_NULL)
			ab_logf(v->log, ", r%d.map=%u", r, x->map);
		if (region)
			ab_logf(v->log, ", r%d.%s_offset=%d%s%s", r, region,
				x->type == R_STACK ? STACK_SIZE + x->off : x->off, val[0] ? "+" : "", val);
		if (x->type == R_PKT || x->type == R_PKT_META)
			ab_logf(v->log, ", r%d.%s_range=%u", r, region, x->range);
	}
	ab_logf(v->log, "]\n");
}

static bool ends_block(const struct verifier *v, size_t pc)
{
	unsigned fmt = isa_rows[v->cfg.row[pc]].fmt;
	return fmt == FMT_JA || fmt == FMT_JA32 || fmt == FMT_JCC_K || fmt == FMT_JCC_X ||
	       fmt == FMT_EXIT;
}

void inv_print(struct verifier *v)
{
	const struct inv *pre = v->inv_pre, *post = v->inv_post;
	char text[128];

	if (!pre)
		return;
	for (size_t pc = 0; pc < v->n;) {
		/* a block: from pc to the next jump/exit or the next jump target */
		size_t end = pc;
		while (end < v->n) {
			size_t next = end + (isa_rows[v->cfg.row[end]].fmt == FMT_LDDW ? 2 : 1);
			if (ends_block(v, end) || next >= v->n ||
			    (v->cfg.flags[next] & (PC_PRUNE | PC_FUNC)))
				break;
			end = next;
		}
		if (pre[pc].seen) {
			ab_logf(v->log, "Pre-invariant : ");
			facts(v, &pre[pc]);
			ab_logf(v->log, "%zu:\n", pc);
			for (size_t i = pc; i <= end; i++) {
				if (v->cfg.row[i] < 0)
					continue;
				anybpf_disasm_insn(v->insns, v->n, i, ANYBPF_SYNTAX_LLVM, text, sizeof(text));
				ab_logf(v->log, "  %zu: %s\n", i, text);
			}
			if (post[end].seen) {
				ab_logf(v->log, "\nPost-invariant: ");
				facts(v, &post[end]);
			}
			ab_logf(v->log, "\n");
		}
		pc = end + (isa_rows[v->cfg.row[end]].fmt == FMT_LDDW ? 2 : 1);
	}
}
