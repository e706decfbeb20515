/* relevance.c - which scalar values can matter for safety (the precision
 * analysis pruning uses; docs/verifier.md, "Precision").
 *
 * A register or stack slot is *relevant* at pc when its value may flow,
 * through moves, ALU operations, spills and fills, into something the
 * verifier checks or decides by value: a memory address (the base register
 * of a load/store/atomic), a pointer arithmetic operand, a helper or callee
 * argument, a conditional jump, the value a callee or callback returns, or
 * r0 at the program's exit when the program type has a return range (or in
 * strict mode).  Values that never get there - counters, checksums,
 * accumulators that are only returned, or stored into map values, packets
 * or the context - cannot change what the verifier checks nor which way a
 * branch goes, so pruning may ignore them (state.c treats an irrelevant
 * scalar of a fully explored checkpoint as "any number").
 *
 * Two passes over each function's CFG, computed once per program:
 *
 * 1. forward: which registers may hold a stack pointer (MS), any pointer
 *    (MP), or the context (MC).  Loads through a possibly-stack base give
 *    whatever kinds were ever stored through one (fixpoint over the whole
 *    program), loads through the context may give packet pointers, loads
 *    through other pointers give numbers; helper results may be pointers
 *    (never to the stack); callees' results and arguments may be anything.
 *
 * 2. backward (a liveness-like fixpoint): relevant registers (bit i = ri)
 *    and relevant stack slots of the function's own frame (bit i = slot i,
 *    bytes [fp-8(i+1), fp-8i)).  Stores into the stack through r10 + const
 *    make the stored value relevant only when the slot is relevant after
 *    (an aligned 8-byte store kills the slot's relevance); stores through
 *    any other possibly-stack pointer always do, and loads through one make
 *    every slot relevant.  Stores through pointers that cannot point into
 *    the stack do not: the verifier reads such memory back as unknown
 *    numbers.  Calls of bpf-to-bpf functions and of helpers taking a
 *    callback make every slot relevant (the callee may read the frame
 *    through a pointer).
 *
 * This is stricter than Linux's precision tracking (a branch on a value
 * makes it relevant even when the verifier could not decide the branch),
 * but it is static, needs no history, and is sound by construction: two
 * states that agree on every relevant value (and on all types, stack byte
 * kinds and pointers) take the same branches and meet the same checks with
 * the same outcome. */
#include <string.h>

#include "common/common.h"
#include "verifier.h"

#define R10 (1u << 10)
#define ARGS 0x3eu          /* r1-r5 */
#define CLOBBER 0x3fu       /* r0-r5 */

struct kinds {
	uint16_t ms, mp, mc;    /* may be: stack pointer, any pointer, ctx */
};

static int succs(const struct cfg *c, const struct anybpf_insn *insns, int64_t pc, int64_t s[2])
{
	const struct isa_row *r = &isa_rows[c->row[pc]];
	int64_t next = pc + (r->fmt == FMT_LDDW ? 2 : 1);
	int n = 0;

	switch (r->fmt) {
	case FMT_EXIT:
		return 0;
	case FMT_JA:
		s[0] = pc + 1 + insns[pc].off;
		return 1;
	case FMT_JA32:
		s[0] = pc + 1 + insns[pc].imm;
		return 1;
	case FMT_JCC_K: case FMT_JCC_X:
		s[n++] = pc + 1 + insns[pc].off;
		break;
	default:
		break;
	}
	if (next < (int64_t)c->n && c->func_of[next] == c->func_of[pc])
		s[n++] = next;
	return n;
}

static void set_kind(struct kinds *k, unsigned reg, bool ms, bool mp, bool mc)
{
	uint16_t b = (uint16_t)(1u << reg);
	k->ms = (uint16_t)(ms ? k->ms | b : k->ms & ~b);
	k->mp = (uint16_t)(mp ? k->mp | b : k->mp & ~b);
	k->mc = (uint16_t)(mc ? k->mc | b : k->mc & ~b);
}

/* the kinds after pc; *stored accumulates what is stored through stack
 * pointers */
static void fwd_step(const struct cfg *c, const struct anybpf_insn *in, int64_t pc,
		     struct kinds *k, struct kinds *stored)
{
	const struct isa_row *r = &isa_rows[c->row[pc]];
	unsigned d = in->dst, s = in->src;
	uint16_t db = (uint16_t)(1u << d), sb = (uint16_t)(1u << s);

	switch (r->fmt) {
	case FMT_MOV_K:
		set_kind(k, d, 0, 0, 0);
		break;
	case FMT_MOV_X:
		if (r->bits == 32)
			set_kind(k, d, 0, 0, 0);
		else
			set_kind(k, d, k->ms & sb, k->mp & sb, k->mc & sb);
		break;
	case FMT_ALU_K: case FMT_UNARY:
		if (r->bits == 32)
			set_kind(k, d, 0, 0, 0);
		break;
	case FMT_ALU_X:
		if (r->bits == 32)
			set_kind(k, d, 0, 0, 0);
		else
			set_kind(k, d, (k->ms & (db | sb)) != 0, (k->mp & (db | sb)) != 0,
				 (k->mc & (db | sb)) != 0);
		break;
	case FMT_LDDW:
		set_kind(k, d, 0, c->row[pc] != ISA_LDDW, 0);
		break;
	case FMT_LDX: {
		/* a fill gives what was stored; ctx fields may be packet pointers */
		bool st = (k->ms & sb) || s == 10, ctx = k->mc & sb;
		set_kind(k, d, st && stored->ms, (st && stored->mp) || ctx, st && stored->mc);
		break;
	}
	case FMT_STX: case FMT_ATOMIC:
		if ((k->ms & db) || d == 10) {
			stored->ms |= (uint16_t)((k->ms & sb) ? 1 : 0);
			stored->mp |= (uint16_t)((k->mp & sb) ? 1 : 0);
			stored->mc |= (uint16_t)((k->mc & sb) ? 1 : 0);
		}
		if (r->fmt == FMT_ATOMIC) {
			if (r->mval == 0xf1)
				set_kind(k, 0, 0, 0, 0);
			else if (r->mval & 1)
				set_kind(k, s, 0, 0, 0);
		}
		break;
	case FMT_CALL:
		for (unsigned i = 1; i <= 5; i++)
			set_kind(k, i, 0, 0, 0);
		set_kind(k, 0, 0, 1, 0);
		break;
	case FMT_CALL_LOCAL: case FMT_CALLX:
		for (unsigned i = 1; i <= 5; i++)
			set_kind(k, i, 0, 0, 0);
		set_kind(k, 0, 1, 1, 1);
		break;
	case FMT_LDABS: case FMT_LDIND:
		for (unsigned i = 0; i <= 5; i++)
			set_kind(k, i, 0, 0, 0);
		break;
	default:
		break;
	}
}

static bool kinds_or(struct kinds *dst, const struct kinds *src)
{
	struct kinds o = *dst;
	dst->ms |= src->ms;
	dst->mp |= src->mp;
	dst->mc |= src->mc;
	return memcmp(&o, dst, sizeof(o)) != 0;
}

/* stack slots [off, off + size) of r10 touch; *full: exactly one slot */
static uint64_t slots_of(int32_t off, unsigned size, bool *full)
{
	*full = false;
	if (off >= 0 || off < -STACK_SIZE || !size)
		return ~0ull;      /* an error anyway; be conservative */
	int64_t lo = -(int64_t)off - (int64_t)size;  /* bytes below fp: [lo, hi) as positive */
	int64_t hi = -(int64_t)off;
	if (lo < 0)
		lo = 0;
	uint64_t m = 0;
	for (int64_t sl = lo / 8; sl <= (hi - 1) / 8 && sl < NSLOTS; sl++)
		m |= 1ull << sl;
	*full = size == 8 && off % 8 == 0;
	return m;
}

/* relevant registers and slots before pc, from those after it */
static void bwd_step(const struct verifier *v, int64_t pc, const struct kinds *k,
		     uint16_t out, uint64_t sout, uint16_t *rin, uint64_t *sin)
{
	const struct cfg *c = &v->cfg;
	const struct anybpf_insn *in = &v->insns[pc];
	const struct isa_row *r = &isa_rows[c->row[pc]];
	unsigned d = in->dst, s = in->src;
	uint16_t db = (uint16_t)(1u << d), sb = (uint16_t)(1u << s);
	uint16_t rel = out;
	uint64_t srel = sout;
	bool full;
	uint64_t t;

	switch (r->fmt) {
	case FMT_ALU_K: case FMT_UNARY: case FMT_JA: case FMT_JA32:
		break;
	case FMT_ALU_X:
		if ((out & db) || (k->mp & (db | sb)))
			rel |= db | sb;
		break;
	case FMT_MOV_K: case FMT_LDDW:
		rel &= (uint16_t)~db;
		break;
	case FMT_MOV_X:
		rel &= (uint16_t)~db;
		if ((out & db) || (k->mp & sb))
			rel |= sb;
		break;
	case FMT_LDX:
		rel = (uint16_t)((rel & ~db) | sb);
		if (out & db) {
			if (s == 10)
				srel |= slots_of(in->off, r->bits / 8, &full);
			else if (k->ms & sb)
				srel = ~0ull;
		}
		break;
	case FMT_ST: case FMT_STX:
		rel |= db;
		if (d == 10) {
			t = slots_of(in->off, r->bits / 8, &full);
			if (r->fmt == FMT_STX && ((sout & t) || (k->mp & sb)))
				rel |= sb;
			if (full)
				srel &= ~t;
		} else if (r->fmt == FMT_STX && ((k->ms & db) || (k->mp & sb))) {
			rel |= sb;
		}
		break;
	case FMT_ATOMIC:
		rel |= db | sb;
		if (r->mval == 0xf1)
			rel |= 1;
		if (d == 10)
			srel |= slots_of(in->off, r->bits / 8, &full);
		else if (k->ms & db)
			srel = ~0ull;
		break;
	case FMT_JCC_K:
		rel |= db;
		break;
	case FMT_JCC_X:
		rel |= db | sb;
		break;
	case FMT_CALL: {
		/* the arguments the helper reads; a callback may read the
		 * frame through a pointer */
		bool cb;
		rel = (uint16_t)((rel & ~CLOBBER) | helper_arg_regs(v, in->imm, &cb));
		if (cb)
			srel = ~0ull;
		break;
	}
	case FMT_CALL_LOCAL: case FMT_CALLX:
		rel = (uint16_t)((rel & ~CLOBBER) | ARGS | (r->fmt == FMT_CALLX ? db : 0));
		srel = ~0ull;
		break;
	case FMT_LDABS: case FMT_LDIND:
		rel = (uint16_t)((rel & ~CLOBBER) | (1u << 6) | (r->fmt == FMT_LDIND ? sb : 0));
		break;
	case FMT_EXIT:
		rel = 0;
		srel = 0;
		if (c->func_of[pc] != 0 || v->strict || !v->hook || (v->hook->flags & HOOK_RET))
			rel = 1;
		break;
	default:
		/* anything else: everything it may touch matters */
		rel = 0x7ff;
		srel = ~0ull;
		break;
	}
	*rin = rel;
	*sin = srel;
}

int cfg_relevance(struct verifier *v)
{
	struct cfg *c = &v->cfg;
	const struct anybpf_insn *insns = v->insns;
	size_t n = c->n;
	struct kinds *kin = ab_calloc(n + 1, sizeof(*kin));
	struct kinds stored = { 0 }, prev;
	int changed;

	c->rel = ab_calloc(n + 1, sizeof(*c->rel));
	c->srel = ab_calloc(n + 1, sizeof(*c->srel));
	if (!kin || !c->rel || !c->srel) {
		ab_free(kin);
		return -ANYBPF_E_NOMEM;
	}
	/* pass 1: forward kinds, until they and what the stack holds settle */
	do {
		prev = stored;
		memset(kin, 0, n * sizeof(*kin));
		for (size_t f = 0; f < c->nfuncs; f++) {
			struct kinds *e = &kin[c->funcs[f].start];
			if (f == 0) {
				e->ms = R10;
				e->mp = R10 | 2;
				e->mc = 2;
			} else {
				e->ms = R10 | ARGS;
				e->mp = R10 | ARGS;
				e->mc = ARGS;
			}
		}
		do {
			changed = 0;
			for (int64_t pc = 0; pc < (int64_t)n; pc++) {
				if (c->row[pc] < 0 || !(c->flags[pc] & PC_REACH))
					continue;
				struct kinds k = kin[pc];
				int64_t s[2];
				fwd_step(c, &insns[pc], pc, &k, &stored);
				int ns = succs(c, insns, pc, s);
				for (int i = 0; i < ns; i++)
					if (s[i] >= 0 && s[i] < (int64_t)n)
						changed |= kinds_or(&kin[s[i]], &k);
			}
		} while (changed);
	} while (memcmp(&prev, &stored, sizeof(prev)));

	/* pass 2: backward relevance */
	do {
		changed = 0;
		for (int64_t pc = (int64_t)n - 1; pc >= 0; pc--) {
			if (c->row[pc] < 0 || !(c->flags[pc] & PC_REACH))
				continue;
			int64_t s[2];
			int ns = succs(c, insns, pc, s);
			uint16_t out = 0, rin;
			uint64_t sout = 0, sin;
			for (int i = 0; i < ns; i++) {
				if (s[i] < 0 || s[i] >= (int64_t)n)
					continue;
				out |= c->rel[s[i]];
				sout |= c->srel[s[i]];
			}
			bwd_step(v, pc, &kin[pc], out, sout, &rin, &sin);
			rin |= c->rel[pc];      /* monotone */
			sin |= c->srel[pc];
			if (rin != c->rel[pc] || sin != c->srel[pc]) {
				c->rel[pc] = rin;
				c->srel[pc] = sin;
				changed = 1;
			}
		}
	} while (changed);
	ab_free(kin);
	return 0;
}
