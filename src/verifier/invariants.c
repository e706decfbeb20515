/* invariants.c - what held at each basic block, for level=verbose, and at
 * each instruction, for opts.want_states.
 *
 * Exploration sees each instruction once per path; the invariant of a block
 * is the join of every state that entered it (Pre) and of every state that
 * left its last instruction (Post), over the current frame's registers.  The
 * listing follows the seed: "Pre-invariant : [...]", the block's
 * instructions, "Post-invariant: [...]", with facts such as
 * "r1.type=ctx, r1.ctx_offset=0" and "r0.type=number, r0.value=[0, 255]".
 * The Pre joins are kept for every pc, so opts.want_states exports them as
 * the result's states (inv_states). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

#define R_MIXED R_COUNT   /* different types on different paths */

struct inv {
	uint8_t seen;
	struct reg regs[11];
};

/* level verbose with a log: the block listing */
static bool printing(const struct verifier *v)
{
	return v->level >= ANYBPF_VERIFY_VERBOSE && v->log;
}

int inv_init(struct verifier *v)
{
	if (printing(v)) {
		v->inv_post = ab_calloc(v->n, sizeof(struct inv));
		if (!v->inv_post)
			return -ANYBPF_E_NOMEM;
	}
	if (printing(v) || v->want_states) {
		v->inv_pre = ab_calloc(v->n, sizeof(struct inv));
		if (!v->inv_pre)
			return -ANYBPF_E_NOMEM;
	}
	return 0;
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

/* appends to buf[*len..size), truncating */
static void add(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	if (*len >= size)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (k > 0)
		*len = *len + (size_t)k < size ? *len + (size_t)k : size - 1;
}

/* "r1.type=ctx, r1.ctx_offset=0": each register's facts preceded by
 * `first` (the first one) or `sep`; returns the length */
static size_t facts_str(char *buf, size_t size, const struct inv *at, const char *first,
			const char *sep)
{
	char val[96];
	size_t len = 0;
	int n = 0;

	buf[0] = 0;
	for (int r = 0; r < 11; r++) {
		const struct reg *x = &at->regs[r];
		if (x->type == R_NOT_INIT)
			continue;
		add(buf, size, &len, "%s", n++ ? sep : first);
		if (x->type == R_MIXED) {
			add(buf, size, &len, "r%d.type=any", r);
			continue;
		}
		if (x->type == R_SCALAR) {
			sc_str(val, sizeof(val), &x->v);
			add(buf, size, &len, "r%d.type=number, r%d.value=%s", r, r, val);
			continue;
		}
		add(buf, size, &len, "r%d.type=%s", r, rtype_name(x->type));
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
			add(buf, size, &len, ", r%d.map=%u", r, x->map);
		if (region)
			add(buf, size, &len, ", r%d.%s_offset=%d%s%s", r, region,
			    x->type == R_STACK ? STACK_SIZE + x->off : x->off, val[0] ? "+" : "", val);
		if (x->type == R_PKT || x->type == R_PKT_META)
			add(buf, size, &len, ", r%d.%s_range=%u", r, region, x->range);
	}
	return len;
}

#define FACTS_MAX 2048   /* 11 registers of at most ~130 characters */

static void facts(struct verifier *v, const struct inv *at)
{
	char buf[FACTS_MAX];
	facts_str(buf, sizeof(buf), at, "\n    ", ",\n    ");
	ab_logf(v->log, "[%s]\n", buf);
}

static void export_reg(struct anybpf_verify_reg *o, const struct reg *x)
{
	memset(o, 0, sizeof(*o));
	if (x->type == R_MIXED) {
		o->kind = ANYBPF_VREG_MIXED;
		o->type = "mixed";
		return;
	}
	o->type = rtype_name(x->type);
	if (x->type == R_NOT_INIT)
		return;   /* ANYBPF_VREG_UNINIT */
	o->kind = x->type == R_SCALAR ? ANYBPF_VREG_SCALAR : ANYBPF_VREG_POINTER;
	if (x->type != R_PKT_END) {
		o->umin = x->v.umin;
		o->umax = x->v.umax;
		o->smin = x->v.smin;
		o->smax = x->v.smax;
		o->tnum_value = x->v.var.value;
		o->tnum_mask = x->v.var.mask;
	}
	if (x->type == R_SCALAR)
		return;
	o->off = x->off;
	o->range = x->type == R_PKT || x->type == R_PKT_META || x->type == R_MEM ||
		   x->type == R_MEM_OR_NULL ? x->range : 0;
	o->map = x->type == R_MAP_PTR || x->type == R_MAP_PTR_OR_NULL || x->type == R_MAP_VALUE ||
		 x->type == R_MAP_VALUE_OR_NULL || x->type == R_MAP_KEY ? x->map : 0;
	o->frame = x->type == R_STACK ? x->frame : 0;
}

int inv_states(struct verifier *v, struct anybpf_verify_result *res)
{
	const struct inv *pre = v->inv_pre;
	char buf[FACTS_MAX];
	size_t total = 0;

	if (!v->want_states || !pre)
		return 0;
	/* one block: the states, then their texts */
	for (size_t pc = 0; pc < v->n; pc++)
		total += (pre[pc].seen ? facts_str(buf, sizeof(buf), &pre[pc], "", ", ") : 0) + 1;
	size_t head = v->n * sizeof(*res->states);
	struct anybpf_verify_insn_state *st = ab_calloc(1, head + total);
	if (!st)
		return -ANYBPF_E_NOMEM;
	char *text = (char *)st + head;
	for (size_t pc = 0; pc < v->n; pc++) {
		st[pc].text = text;
		if (!pre[pc].seen) {
			for (int r = 0; r < 11; r++)
				st[pc].regs[r].type = rtype_name(R_NOT_INIT);
			*text++ = 0;
			continue;
		}
		st[pc].reached = 1;
		for (int r = 0; r < 11; r++) {
			export_reg(&st[pc].regs[r], &pre[pc].regs[r]);
			st[pc].regs[r].live = !!(v->cfg.live[pc] & (1u << r));
		}
		size_t len = facts_str(buf, sizeof(buf), &pre[pc], "", ", ");
		memcpy(text, buf, len + 1);
		text += len + 1;
	}
	res->states = st;
	res->nstates = v->n;
	return 0;
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

	if (!pre || !post || !printing(v))
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
