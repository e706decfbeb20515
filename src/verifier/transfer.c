/* transfer.c - what each instruction does to an abstract state, driven by
 * the instruction's isa.def row: its format says which operands exist, its
 * OP column which operation, its BITS column the width.
 *
 * ALU on scalars goes to range.c; ALU on pointers follows the pointer rules
 * (pointer +/- bounded scalar, pointer - pointer of one region); loads and
 * stores go to checks.c; conditional jumps split the path, each side
 * refined by the condition (scalar bounds, NULL checks, packet ranges);
 * calls enter helpers (checks.c) or new frames; exit returns or ends. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

/* ---- row -> operation, resolved once from the OP column ----------------- */
static int8_t row_alu[ISA_COUNT], row_cond[ISA_COUNT];
static pthread_once_t rows_once = PTHREAD_ONCE_INIT;

static void resolve_rows(void)
{
	static const struct { const char *name; int8_t op; } alu[] = {
		{ "ADD", SC_ADD }, { "SUB", SC_SUB }, { "MUL", SC_MUL }, { "DIV", SC_DIV },
		{ "SDIV", SC_SDIV }, { "MOD", SC_MOD }, { "SMOD", SC_SMOD }, { "OR", SC_OR },
		{ "AND", SC_AND }, { "LSH", SC_LSH }, { "RSH", SC_RSH }, { "ARSH", SC_ARSH },
		{ "XOR", SC_XOR }, { "NEG", SC_NEG }, { "MOV", SC_MOV },
	};
	static const struct { const char *name; int8_t c; } cond[] = {
		{ "JEQ", SC_JEQ }, { "JNE", SC_JNE }, { "JGT", SC_JGT }, { "JGE", SC_JGE },
		{ "JLT", SC_JLT }, { "JLE", SC_JLE }, { "JSGT", SC_JSGT }, { "JSGE", SC_JSGE },
		{ "JSLT", SC_JSLT }, { "JSLE", SC_JSLE }, { "JSET", SC_JSET },
	};
	for (int r = 0; r < ISA_COUNT; r++) {
		row_alu[r] = row_cond[r] = -1;
		for (size_t i = 0; i < sizeof(alu) / sizeof(alu[0]); i++)
			if (!strcmp(isa_rows[r].op, alu[i].name))
				row_alu[r] = alu[i].op;
		for (size_t i = 0; i < sizeof(cond) / sizeof(cond[0]); i++)
			if (!strcmp(isa_rows[r].op, cond[i].name))
				row_cond[r] = cond[i].c;
	}
}

static const char *const alu_sym[] = {
	[SC_ADD] = "+=", [SC_SUB] = "-=", [SC_MUL] = "*=", [SC_DIV] = "/=", [SC_SDIV] = "s/=",
	[SC_MOD] = "%=", [SC_SMOD] = "s%=", [SC_OR] = "|=", [SC_AND] = "&=", [SC_LSH] = "<<=",
	[SC_RSH] = ">>=", [SC_ARSH] = "s>>=", [SC_XOR] = "^=", [SC_NEG] = "neg", [SC_MOV] = "=",
};

static int need_init(struct verifier *v, struct vstate *s, int regno)
{
	if (REGS(s)[regno].type != R_NOT_INIT)
		return 0;
	char h[200];
	if (regno >= 1 && regno <= 5)
		snprintf(h, sizeof(h), "Assign r%d before this instruction; note that every call clears r1-r5.", regno);
	else if (regno == 0)
		snprintf(h, sizeof(h), "Assign r0 before this instruction (at exit it is the return value).");
	else
		snprintf(h, sizeof(h), "Assign r%d before this instruction.", regno);
	return verr(v, s->pc, "uninit_reg", h, "r%d is read before it is written (uninitialized register)",
		    regno);
}

/* every register and spilled copy, in every frame */
#define FOR_EACH_REG(s, x, body)                                                   \
	for (int f_ = 0; f_ <= (s)->cur; f_++) {                                   \
		struct frame *fr_ = (s)->fr[f_];                                   \
		for (int r_ = 0; r_ < 11; r_++) {                                  \
			struct reg *x = &fr_->regs[r_];                            \
			body                                                       \
		}                                                                  \
		for (unsigned i_ = 0; i_ < fr_->nslots; i_++) {                    \
			if (!fr_->slots[i_].spill_size)                            \
				continue;                                          \
			struct reg *x = &fr_->slots[i_].spill;                     \
			body                                                       \
		}                                                                  \
	}

/* copies of a scalar learn what a branch taught one of them */
static void propagate_scalar(struct vstate *s, const struct reg *src)
{
	if (src->type != R_SCALAR || !src->id)
		return;
	FOR_EACH_REG(s, x, {
		if (x != src && x->type == R_SCALAR && x->id == src->id)
			x->v = src->v;
	})
}

/* ---- ALU ------------------------------------------------------------------ */

static int ptr_alu(struct verifier *v, struct vstate *s, int op, int dreg, struct reg *dst,
		   const struct reg *src, unsigned bits)
{
	int64_t pc = s->pc;
	const struct reg *ptr = reg_is_ptr(dst) ? dst : src;
	const struct reg *sc = ptr == dst ? src : dst;

	if (bits == 32)
		return verr(v, pc, "ptr_arith", "Do arithmetic on pointers with 64-bit instructions.",
			    "32-bit arithmetic on a pointer (%s) is not allowed", rtype_name(ptr->type));
	if (op != SC_ADD && op != SC_SUB)
		return verr(v, pc, "ptr_arith", "Only pointer + number and pointer - number are allowed.",
			    "operator %s on a pointer (%s) is not allowed", alu_sym[op], rtype_name(ptr->type));
	if (reg_is_ptr(dst) && reg_is_ptr(src)) {
		/* two pointers: a number (as Linux does for privileged loaders);
		 * the distance is known within one region */
		if (op == SC_ADD)
			return verr(v, pc, "ptr_arith", "Add a number to a pointer, not another pointer.",
				    "pointer + pointer is not allowed (r%d is %s, the other %s)", dreg,
				    rtype_name(dst->type), rtype_name(src->type));
		if (v->strict)
			return verr(v, pc, "ptr_leak", "Unprivileged programs may not combine two pointers.",
				    "pointer - pointer (%s, %s) is not allowed in strict mode",
				    rtype_name(dst->type), rtype_name(src->type));
		bool same = op == SC_SUB && dst->type == src->type &&
			    (dst->type == R_PKT || dst->type == R_PKT_META || dst->type == R_STACK ||
			     dst->type == R_MAP_VALUE || dst->type == R_CTX || dst->type == R_MEM ||
			     dst->type == R_MAP_KEY) &&
			    dst->map == src->map && dst->frame == src->frame &&
			    (dst->type != R_PKT || dst->id == src->id);
		struct scalar res = sc_unknown();
		if (same) {
			struct scalar a = dst->v, b = src->v;
			struct scalar d = sc_alu(SC_SUB, &a, &b, 64);
			struct scalar k = sc_const((uint64_t)((int64_t)dst->off - src->off));
			res = sc_alu(SC_ADD, &d, &k, 64);
		}
		reg_mark_unknown(dst);
		dst->v = res;
		return 0;
	}
	if (sc == dst && op == SC_SUB)
		return verr(v, pc, "ptr_arith", "", "number - pointer is not allowed (r%d - %s)", dreg,
			    rtype_name(ptr->type));
	switch (ptr->type) {
	case R_PKT_END: case R_MAP_PTR: case R_MAP_VALUE_OR_NULL: case R_MEM_OR_NULL:
	case R_MAP_PTR_OR_NULL: case R_FUNC: {
		char h[160] = "";
		if (reg_may_be_null(ptr))
			snprintf(h, sizeof(h), "Compare the pointer with 0 before computing with it.");
		return verr(v, pc, "ptr_arith", h, "arithmetic on a %s pointer is not allowed",
			    rtype_name(ptr->type));
	}
	default:
		break;
	}
	struct reg res = *ptr;
	if (sc_is_const(&sc->v)) {
		int64_t k = (int64_t)sc_val(&sc->v);
		int64_t off = op == SC_ADD ? (int64_t)res.off + k : (int64_t)res.off - k;
		if (off <= -MAX_VAR_OFF || off >= MAX_VAR_OFF)
			return verr(v, pc, "ptr_arith", "", "pointer offset %lld out of range (r%d is %s)",
				    (long long)off, dreg, rtype_name(ptr->type));
		res.off = (int32_t)off;
	} else {
		if (sc->v.smin <= -MAX_VAR_OFF || sc->v.smax >= MAX_VAR_OFF) {
			char t[96];
			sc_str(t, sizeof(t), &sc->v);
			return verr(v, pc, "ptr_arith", "Bound the value with a comparison before adding it to a pointer.",
				    "%s pointer %s a number not bounded to +-2^29 (%s) is not allowed",
				    rtype_name(ptr->type), op == SC_ADD ? "+" : "-", t);
		}
		res.v = sc_alu(op, &ptr->v, &sc->v, 64);
		if (res.v.smin <= -MAX_VAR_OFF || res.v.smax >= MAX_VAR_OFF)
			return verr(v, pc, "ptr_arith", "", "pointer variable offset out of range");
		if (res.type == R_PKT || res.type == R_PKT_META) {
			res.id = new_id(v);
			res.range = 0;
		}
	}
	*dst = res;
	return 0;
}

static int do_alu(struct verifier *v, struct vstate *s, const struct anybpf_insn *in, int row)
{
	const struct isa_row *r = &isa_rows[row];
	struct reg *regs = REGS(s), *dst = &regs[in->dst];
	unsigned bits = r->bits;
	int op = row_alu[row], e;
	struct reg src;

	switch (r->fmt) {
	case FMT_MOV_K:
		reg_mark_const(dst, bits == 32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
		return 0;
	case FMT_MOV_X: {
		if ((e = need_init(v, s, in->src)))
			return e;
		struct reg *sr = &regs[in->src];
		if (op == SC_MOV) {
			if (bits == 64) {
				if (sr->type == R_SCALAR && !sc_is_const(&sr->v) && !sr->id)
					sr->id = new_id(v);
				*dst = *sr;
				return 0;
			}
			if (reg_is_ptr(sr)) {
				if (v->strict)
					return verr(v, s->pc, "ptr_leak", "", "32-bit copy of a pointer (strict mode)");
				reg_mark_unknown(dst);
				dst->v = sc_umax(0xffffffffu);
				return 0;
			}
			struct scalar t = sc_zext32(&sr->v);
			reg_mark_unknown(dst);
			dst->v = t;
			return 0;
		}
		/* movsx */
		unsigned from = !strcmp(r->op, "MOVSX8") ? 8 : !strcmp(r->op, "MOVSX16") ? 16 : 32;
		if (reg_is_ptr(sr)) {
			if (v->strict)
				return verr(v, s->pc, "ptr_leak", "", "sign extension of a pointer (strict mode)");
			reg_mark_unknown(dst);
			return 0;
		}
		struct scalar t = sc_sext(&sr->v, from);
		if (bits == 32)
			t = sc_zext32(&t);
		reg_mark_unknown(dst);
		dst->v = t;
		return 0;
	}
	case FMT_UNARY:
		if ((e = need_init(v, s, in->dst)))
			return e;
		if (reg_is_ptr(dst)) {
			if (op == SC_NEG || v->strict)
				return verr(v, s->pc, "ptr_arith", "", "%s of a pointer (%s) is not allowed",
					    op == SC_NEG ? "negation" : "byte swap", rtype_name(dst->type));
			reg_mark_unknown(dst);
			return 0;
		}
		if (op == SC_NEG) {
			struct scalar z = sc_const(0);
			dst->v = sc_alu(SC_NEG, &dst->v, &z, bits);
		} else {
			bool swap = !strcmp(r->op, "BSWAP") || !strcmp(r->op, "BE");
			dst->v = sc_endian(&dst->v, r->bits, swap);
		}
		dst->id = 0;
		return 0;
	default:
		break;
	}
	/* ALU_K / ALU_X: dst op= src */
	if ((e = need_init(v, s, in->dst)))
		return e;
	if (r->fmt == FMT_ALU_X) {
		if ((e = need_init(v, s, in->src)))
			return e;
		src = regs[in->src];
	} else {
		reg_mark_const(&src, bits == 32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
	}
	if (reg_is_ptr(dst) || reg_is_ptr(&src))
		return ptr_alu(v, s, op, in->dst, dst, &src, bits);
	dst->v = sc_alu(op, &dst->v, &src.v, bits);
	dst->id = 0;
	return 0;
}

/* ---- loads and stores ------------------------------------------------------ */

static int do_ldx(struct verifier *v, struct vstate *s, const struct anybpf_insn *in, int row)
{
	const struct isa_row *r = &isa_rows[row];
	struct reg val;
	int e;

	if ((e = need_init(v, s, in->src)))
		return e;
	reg_mark_unknown(&val);
	if ((e = check_mem_access(v, s, in->src, in->off, r->bits / 8, 0, &val, -1,
				  !strcmp(r->op, "LDXS"))))
		return e;
	REGS(s)[in->dst] = val;
	return 0;
}

static int do_store(struct verifier *v, struct vstate *s, const struct anybpf_insn *in, int row)
{
	const struct isa_row *r = &isa_rows[row];
	unsigned size = r->bits / 8;
	struct reg imm;
	int e;

	if ((e = need_init(v, s, in->dst)))
		return e;
	if (r->fmt == FMT_STX) {
		if ((e = need_init(v, s, in->src)))
			return e;
		return check_mem_access(v, s, in->dst, in->off, size, 1, NULL, in->src, false);
	}
	if (REGS(s)[in->dst].type == R_CTX)
		return verr(v, s->pc, "ctx_store_imm", "Store a register instead: 'r1 = imm; *(u32 *)(ctx + off) = r1'.",
			    "immediate store (BPF_ST) into the context is not allowed");
	uint64_t k = (uint64_t)(int64_t)in->imm;
	if (size < 8)
		k &= ((uint64_t)1 << (size * 8)) - 1;
	reg_mark_const(&imm, k);
	return check_mem_access(v, s, in->dst, in->off, size, 1, &imm, -1, false);
}

static int do_atomic(struct verifier *v, struct vstate *s, const struct anybpf_insn *in, int row)
{
	const struct isa_row *r = &isa_rows[row];
	unsigned size = r->bits / 8;
	struct reg *regs = REGS(s), *p = &regs[in->dst], *sr = &regs[in->src];
	bool cmpxchg = r->mval == 0xf1, fetch = (r->mval & 1) != 0;
	int e;

	if ((e = need_init(v, s, in->dst)) || (e = need_init(v, s, in->src)) ||
	    (cmpxchg && (e = need_init(v, s, 0))))
		return e;
	if (p->type != R_STACK && p->type != R_MAP_VALUE && p->type != R_MEM) {
		if (p->type == R_SCALAR || p->type == R_MAP_VALUE_OR_NULL || p->type == R_MEM_OR_NULL)
			return check_mem_access(v, s, in->dst, in->off, size, 0, NULL, -1, false);
		return verr(v, s->pc, "atomic", "Atomic operations work on the stack and on map values.",
			    "atomic operation on %s memory is not allowed", rtype_name(p->type));
	}
	if (reg_is_ptr(sr))
		return verr(v, s->pc, "atomic", "", "atomic operation with a pointer operand (r%d is %s)",
			    in->src, rtype_name(sr->type));
	/* it reads (must be initialized, not a spilled pointer) and writes */
	struct reg old;
	if ((e = check_mem_access(v, s, in->dst, in->off, size, 0, &old, -1, false)))
		return e;
	if (old.type != R_SCALAR)
		return verr(v, s->pc, "atomic", "", "atomic operation on a spilled pointer");
	/* a write of an unknown number (a spill there becomes plain data) */
	if ((e = check_mem_access(v, s, in->dst, in->off, size, 1, NULL, -1, false)))
		return e;
	if (cmpxchg) {
		reg_mark_unknown(&regs[0]);
		if (size == 4)
			regs[0].v = sc_umax(0xffffffffu);
	} else if (fetch) {
		reg_mark_unknown(sr);
		if (size == 4)
			sr->v = sc_umax(0xffffffffu);
	}
	return 0;
}

static int do_ldabs(struct verifier *v, struct vstate *s, const struct anybpf_insn *in, int row)
{
	const struct isa_row *r = &isa_rows[row];
	struct reg *regs = REGS(s);
	int e;

	if (!(v->hook->flags & HOOK_LD_ABS))
		return verr(v, s->pc, "ld_abs", "Use direct packet access or bpf_skb_load_bytes.",
			    "legacy packet loads (LD_ABS/LD_IND) are not allowed in %s programs", v->hook->name);
	if ((e = need_init(v, s, 6)))
		return e;
	if (regs[6].type != R_CTX)
		return verr(v, s->pc, "ld_abs", "Keep the context pointer in r6 for LD_ABS/LD_IND.",
			    "LD_ABS/LD_IND needs the context in r6; r6 is %s", rtype_name(regs[6].type));
	if (r->fmt == FMT_LDIND) {
		if ((e = need_init(v, s, in->src)))
			return e;
		if (regs[in->src].type != R_SCALAR)
			return verr(v, s->pc, "ld_abs", "", "LD_IND offset r%d must be a number", in->src);
	}
	for (int i = 1; i <= 5; i++)
		reg_mark_not_init(&regs[i]);
	reg_mark_unknown(&regs[0]);
	regs[0].v = sc_umax(r->bits == 32 ? 0xffffffffu : r->bits == 16 ? 0xffff : 0xff);
	return 0;
}

static int do_lddw(struct verifier *v, struct vstate *s, const struct anybpf_insn *in, int row)
{
	struct reg *dst = &REGS(s)[in->dst];
	uint64_t imm64 = (uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32);
	int64_t idx;

	switch (row) {
	case ISA_LDDW:
		reg_mark_const(dst, imm64);
		return 0;
	case ISA_LDDW_MAP_FD: case ISA_LDDW_MAP_VAL:
		idx = (int64_t)in->imm - ANYBPF_MAP_FD_BASE;
		break;
	case ISA_LDDW_MAP_IDX: case ISA_LDDW_MAP_IDX_VAL:
		idx = in->imm;
		break;
	case ISA_LDDW_FUNC:
		memset(dst, 0, sizeof(*dst));
		dst->type = R_FUNC;
		dst->off = (int32_t)(s->pc + 1 + in->imm);
		dst->v = sc_const(0);
		return 0;
	default:
		return verr(v, s->pc, "lddw", "", "lddw with src %u (%s) is not supported by the verifier yet",
			    in->src, isa_rows[row].id);
	}
	if (idx < 0 || (size_t)idx >= v->nmaps)
		return verr(v, s->pc, "map_ref", "Describe every map the program uses in the verifier options.",
			    "lddw refers to %s %d (map index %lld), but the program has %zu map%s",
			    row == ISA_LDDW_MAP_FD || row == ISA_LDDW_MAP_VAL ? "map_fd" : "map_idx", in->imm,
			    (long long)idx, v->nmaps, v->nmaps == 1 ? "" : "s");
	memset(dst, 0, sizeof(*dst));
	dst->map = (uint16_t)idx;
	dst->v = sc_const(0);
	if (row == ISA_LDDW_MAP_FD || row == ISA_LDDW_MAP_IDX) {
		dst->type = R_MAP_PTR;
		return 0;
	}
	if ((uint32_t)in[1].imm >= v->maps[idx].value_size)
		return verr(v, s->pc, "map_bounds", "", "lddw map value offset %u is past the %u-byte value",
			    (uint32_t)in[1].imm, v->maps[idx].value_size);
	dst->type = R_MAP_VALUE;
	dst->off = in[1].imm;
	return 0;
}

/* ---- conditional jumps ------------------------------------------------------ */

static bool never_null(const struct reg *r)
{
	return reg_is_ptr(r) && !reg_may_be_null(r);
}

static bool is_zero(const struct reg *r)
{
	return r->type == R_SCALAR && sc_is_const(&r->v) && !sc_val(&r->v);
}

/* the null check: in one branch every copy is NULL, in the other never */
static void mark_null(struct vstate *s, uint32_t id, bool is_null)
{
	FOR_EACH_REG(s, x, {
		if (!reg_may_be_null(x) || x->id != id)
			continue;
		if (is_null) {
			reg_mark_const(x, 0);
		} else {
			x->type = x->type == R_MAP_VALUE_OR_NULL ? R_MAP_VALUE :
				  x->type == R_MAP_PTR_OR_NULL ? R_MAP_PTR : R_MEM;
			if (x->type != R_MEM)
				x->id = 0;
		}
	})
}

/* `a` (a packet/meta pointer) is now known to satisfy a + a.off + range' <= end */
static void set_pkt_range(struct vstate *s, const struct reg *a, uint32_t range)
{
	uint8_t type = a->type;
	uint32_t id = a->id;
	FOR_EACH_REG(s, x, {
		if (x->type == type && x->id == id && x->range < range)
			x->range = range;
	})
}

/* packet comparisons: which branch learns what */
static void pkt_compare(struct vstate *taken_s, struct vstate *fall_s, const struct reg *a,
			int cond)
{
	/* `a cond end`; proven bytes from a's base: a.off (<=) or a.off + 1 (<) */
	if (a->off < 0 || a->v.umax > MAX_PKT_OFF || a->v.umax + (uint64_t)a->off > MAX_PKT_OFF)
		return;
	uint32_t le = (uint32_t)a->off, lt = (uint32_t)a->off + 1;
	switch (cond) {
	case SC_JGT: if (fall_s) set_pkt_range(fall_s, a, le); break;   /* fall: a <= end */
	case SC_JGE: if (fall_s) set_pkt_range(fall_s, a, lt); break;   /* fall: a < end */
	case SC_JLT: if (taken_s) set_pkt_range(taken_s, a, lt); break;
	case SC_JLE: if (taken_s) set_pkt_range(taken_s, a, le); break;
	default: break;
	}
}

static int do_jcc(struct verifier *v, struct vstate *s, const struct anybpf_insn *in, int row)
{
	const struct isa_row *r = &isa_rows[row];
	struct reg *regs = REGS(s);
	int64_t pc = s->pc, target = pc + 1 + in->off;
	int cond = row_cond[row], e;
	unsigned bits = r->bits;
	struct reg src, *dst = &regs[in->dst];

	if ((e = need_init(v, s, in->dst)))
		return e;
	if (r->fmt == FMT_JCC_X) {
		if ((e = need_init(v, s, in->src)))
			return e;
		src = regs[in->src];
	} else {
		reg_mark_const(&src, bits == 32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
	}

	if (dst->type == R_SCALAR && src.type == R_SCALAR) {
		int t = sc_branch_taken(&dst->v, &src.v, cond, bits);
		if (t >= 0) {
			s->pc = t ? target : pc + 1;
			return 0;
		}
		struct vstate *other;
		if ((e = push_branch(v, s, target, &other)))
			return e;
		struct reg *od = &REGS(other)[in->dst];
		struct reg *os = r->fmt == FMT_JCC_X ? &REGS(other)[in->src] : NULL;
		struct reg ok = src, fk = src;
		bool other_ok = sc_refine(&od->v, os ? &os->v : &ok.v, cond, bits);
		bool self_ok = sc_refine(&dst->v, r->fmt == FMT_JCC_X ? &regs[in->src].v : &fk.v,
					 sc_cond_negate(cond), bits);
		if (other_ok) {
			propagate_scalar(other, od);
			if (os)
				propagate_scalar(other, os);
		} else {
			other->pc = -2; /* dead: explore.c drops it */
		}
		if (!self_ok)
			return 2;
		propagate_scalar(s, dst);
		if (r->fmt == FMT_JCC_X)
			propagate_scalar(s, &regs[in->src]);
		s->pc = pc + 1;
		return 0;
	}

	/* pointer against 0: NULL checks and never-NULL pointers */
	if ((cond == SC_JEQ || cond == SC_JNE) && (is_zero(&src) || is_zero(dst))) {
		struct reg *p = is_zero(&src) ? dst : (r->fmt == FMT_JCC_X ? &regs[in->src] : NULL);
		if (p && never_null(p)) {
			s->pc = cond == SC_JNE ? target : pc + 1;
			return 0;
		}
		if (p && reg_may_be_null(p) && bits == 64) {
			uint32_t id = p->id;
			struct vstate *other;
			if ((e = push_branch(v, s, target, &other)))
				return e;
			mark_null(other, id, cond == SC_JEQ);
			mark_null(s, id, cond != SC_JEQ);
			drop_ref(cond == SC_JEQ ? other : s, id); /* NULL holds nothing */
			s->pc = pc + 1;
			return 0;
		}
	}
	if (reg_may_be_null(dst) || (r->fmt == FMT_JCC_X && reg_may_be_null(&src))) {
		if (v->strict)
			return verr(v, pc, "ptr_cmp", "", "comparison of a maybe-NULL pointer with a value other than 0");
	}
	/* packet against packet end (or meta against data) */
	const struct reg *a = NULL;
	int acond = cond;
	if (r->fmt == FMT_JCC_X && bits == 64) {
		const struct reg *b = &src;
		if ((dst->type == R_PKT && b->type == R_PKT_END) ||
		    (dst->type == R_PKT_META && b->type == R_PKT && b->off == 0 && sc_is_const(&b->v) &&
		     !sc_val(&b->v))) {
			a = dst;
		} else if ((b->type == R_PKT && dst->type == R_PKT_END) ||
			   (b->type == R_PKT_META && dst->type == R_PKT && dst->off == 0 &&
			    sc_is_const(&dst->v) && !sc_val(&dst->v))) {
			a = b;
			acond = sc_cond_swap(cond);
		}
	}
	if (!a && v->strict && (reg_is_ptr(dst) || reg_is_ptr(&src)))
		return verr(v, pc, "ptr_cmp", "Unprivileged programs may compare pointers only with 0 or packet ends.",
			    "pointer comparison (%s with %s) is not allowed in strict mode",
			    rtype_name(dst->type), rtype_name(src.type));
	struct vstate *other;
	struct reg acopy = a ? *a : src;
	if ((e = push_branch(v, s, target, &other)))
		return e;
	if (a)
		pkt_compare(other, s, &acopy, acond);
	s->pc = pc + 1;
	return 0;
}

/* ---- calls and exit -------------------------------------------------------- */

static int do_call_local(struct verifier *v, struct vstate *s, const struct anybpf_insn *in)
{
	int64_t pc = s->pc, target = pc + 1 + in->imm;
	uint32_t fn = v->cfg.func_of[target];

	if (v->cfg.funcs[fn].global) {   /* verified on its own */
		if (check_global_call(v, s, fn))
			return -1;
		s->pc = pc + 1;
		return 0;
	}

	if (s->cur + 1 >= MAX_FRAMES)
		return verr(v, pc, "call_depth", "Flatten the call chain.",
			    "call chain too deep: %d frames, at most %d", s->cur + 2, MAX_FRAMES);
	for (int f = 0; f <= s->cur; f++)
		if (s->fr[f]->func == fn)
			return verr(v, pc, "recursion", "Rewrite the recursion as a bounded loop.",
				    "recursive call: the function at pc %lld is already active (frame %d)",
				    (long long)target, f);
	struct frame *nf = frame_new();
	if (!nf)
		return verr(v, pc, "nomem", "", "out of memory");
	struct frame *caller = cur_frame(s);
	for (int r = 1; r <= 5; r++)
		nf->regs[r] = caller->regs[r];
	nf->regs[10].type = R_STACK;
	nf->regs[10].frame = (uint8_t)(s->cur + 1);
	nf->regs[10].v = sc_const(0);
	nf->callsite = pc;
	nf->func = fn;
	s->fr[++s->cur] = nf;
	s->pc = target;
	return 0;
}

int enter_callback(struct verifier *v, struct vstate *s, int64_t callsite, int64_t target,
		   uint32_t iter, uint32_t min, uint32_t max, const struct reg *ctx, uint16_t map1)
{
	int64_t pc = s->pc;
	uint32_t fn = v->cfg.func_of[target];

	if (s->cur + 1 >= MAX_FRAMES)
		return verr(v, pc, "call_depth", "", "call chain too deep for the callback: %d frames, at most %d",
			    s->cur + 2, MAX_FRAMES);
	for (int f = 0; f <= s->cur; f++)
		if (s->fr[f]->func == fn)
			return verr(v, pc, "recursion", "", "recursive callback: the function at pc %lld is already active",
				    (long long)target);
	struct frame *nf = frame_new();
	if (!nf)
		return verr(v, pc, "nomem", "", "out of memory");
	if (map1) {    /* bpf_for_each_map_elem: map, key, value, ctx */
		struct reg *r = nf->regs;
		r[1].type = R_MAP_PTR;
		r[2].type = R_MAP_KEY;
		r[3].type = R_MAP_VALUE;
		for (int i = 1; i <= 3; i++) {
			r[i].map = (uint16_t)(map1 - 1);
			r[i].v = sc_const(0);
		}
		r[4] = *ctx;
	} else {
		reg_mark_const(&nf->regs[1], iter);   /* the index */
		nf->regs[2] = *ctx;
	}
	nf->regs[10].type = R_STACK;
	nf->regs[10].frame = (uint8_t)(s->cur + 1);
	nf->regs[10].v = sc_const(0);
	nf->callsite = callsite;
	nf->func = fn;
	nf->cb_iter = iter;
	nf->cb_min = min;
	nf->cb_max = max;
	nf->cb_ctx = *ctx;
	nf->cb_map1 = map1;
	s->fr[++s->cur] = nf;
	s->pc = target;
	return 0;
}

/* a bpf_loop callback returned: the loop ends, or runs it again */
static int callback_return(struct verifier *v, struct vstate *s)
{
	struct frame *cb = cur_frame(s);
	struct reg *r0 = &cb->regs[0];

	if (r0->type != R_SCALAR || r0->v.smin < 0 || r0->v.smax > 1) {
		char t[96] = "";
		if (r0->type == R_SCALAR)
			sc_str(t, sizeof(t), &r0->v);
		return verr(v, s->pc, "ret_range", "Return 0 to continue the loop or 1 to stop it.",
			    "a %s callback must return 0 or 1; r0 may be %s", cb_helper(cb),
			    r0->type == R_SCALAR ? t : rtype_name(r0->type));
	}
	/* it stops when the callback says so or when nr (in [min, max]) may
	 * be reached; it goes on when the callback may say so and nr may be
	 * larger */
	bool may_stop = r0->v.smax == 1 || cb->cb_iter + 1 >= cb->cb_min;
	bool may_go_on = r0->v.smin == 0 && cb->cb_iter + 1 < cb->cb_max;
	int64_t site = cb->callsite, target = v->cfg.funcs[cb->func].start;
	uint32_t iter = cb->cb_iter, min = cb->cb_min, max = cb->cb_max;
	struct reg ctx = cb->cb_ctx;
	uint16_t map1 = cb->cb_map1;
	frame_free(cb);
	s->fr[s->cur--] = NULL;
	struct reg *regs = REGS(s);
	for (int r = 1; r <= 5; r++)
		reg_mark_not_init(&regs[r]);
	reg_mark_unknown(&regs[0]);      /* iterations done, or an error code */
	if (!may_stop)
		return enter_callback(v, s, site, target, iter + 1, min, max, &ctx, map1);
	s->pc = site + 1;
	if (may_go_on) {
		/* the next iteration waits on the stack (one at a time: the loop's
		 * end is explored first) */
		struct vstate *again;
		if (push_branch(v, s, site, &again))
			return -1;
		if (enter_callback(v, again, site, target, iter + 1, min, max, &ctx, map1)) {
			again->pc = -2;
			return -1;
		}
	}
	return 0;
}

static int do_exit(struct verifier *v, struct vstate *s)
{
	int e;
	struct reg *r0 = &REGS(s)[0];

	const struct anybpf_func_sig *gsig = s->cur == 0 && v->pass_func ? v->cfg.funcs[v->pass_func].sig : NULL;
	if ((!gsig || gsig->ret) && (e = need_init(v, s, 0)))
		return e;
	if (s->cur > 0 && cur_frame(s)->cb_max)
		return callback_return(v, s) ? -1 : 3;
	if (s->cur > 0) {
		if (r0->type == R_STACK && r0->frame == s->cur)
			return verr(v, s->pc, "ret_stack", "Return values, or pointers the caller owns.",
				    "returning a pointer to the callee's own stack");
		struct frame *callee = cur_frame(s);
		struct reg ret = *r0;
		int64_t site = callee->callsite;
		frame_free(callee);
		s->fr[s->cur--] = NULL;
		struct reg *regs = REGS(s);
		regs[0] = ret;
		for (int r = 1; r <= 5; r++)
			reg_mark_not_init(&regs[r]);
		s->pc = site + 1;
		return 0;
	}
	if (s->nrefs)
		return verr(v, s->pc, "ref_leak", "Call bpf_ringbuf_submit or bpf_ringbuf_discard on every path.",
			    "unreleased reference: the ringbuf record reserved at pc %lld is neither submitted nor discarded on this path",
			    (long long)s->ref_pc[0]);
	if (v->strict && reg_is_ptr(r0))
		return verr(v, s->pc, "ptr_leak", "Return a number.",
			    "pointer leak: r0 is %s at exit (strict mode)", rtype_name(r0->type));
	if (gsig) {
		if (gsig->ret && r0->type != R_SCALAR)
			return verr(v, s->pc, "ret_type", "Return a number from a global function.",
				    "global function %s() must return a number; r0 is %s at its exit",
				    gsig->name, rtype_name(r0->type));
		return 1;
	}
	if (v->hook->flags & HOOK_RET) {
		char t[96];
		if (r0->type != R_SCALAR)
			return verr(v, s->pc, "ret_range", "Return a number.",
				    "r0 at exit must be a number in [%lld, %lld] for %s programs; it is %s",
				    (long long)v->hook->ret_min, (long long)v->hook->ret_max, v->hook->name,
				    rtype_name(r0->type));
		if (r0->v.smin < v->hook->ret_min || r0->v.smax > v->hook->ret_max) {
			sc_str(t, sizeof(t), &r0->v);
			char h[160];
			snprintf(h, sizeof(h), "Return a value in [%lld, %lld] on every path.",
				 (long long)v->hook->ret_min, (long long)v->hook->ret_max);
			return verr(v, s->pc, "ret_range", h,
				    "return value out of range: %s programs must return [%lld, %lld]; r0 may be %s",
				    v->hook->name, (long long)v->hook->ret_min, (long long)v->hook->ret_max, t);
		}
	}
	return 1;
}

int transfer(struct verifier *v, struct vstate *s)
{
	pthread_once(&rows_once, resolve_rows);
	int64_t pc = s->pc;
	const struct anybpf_insn *in = &v->insns[pc];
	int row = v->cfg.row[pc], e;
	const struct isa_row *r = &isa_rows[row];

	switch (r->fmt) {
	case FMT_ALU_K: case FMT_ALU_X: case FMT_MOV_K: case FMT_MOV_X: case FMT_UNARY:
		e = do_alu(v, s, in, row);
		break;
	case FMT_LDX:
		e = do_ldx(v, s, in, row);
		break;
	case FMT_ST: case FMT_STX:
		e = do_store(v, s, in, row);
		break;
	case FMT_ATOMIC:
		e = do_atomic(v, s, in, row);
		break;
	case FMT_LDABS: case FMT_LDIND:
		e = do_ldabs(v, s, in, row);
		break;
	case FMT_LDDW:
		if ((e = do_lddw(v, s, in, row)))
			return -1;
		s->pc = pc + 2;
		return 0;
	case FMT_JA: case FMT_JA32:
		s->pc = pc + 1 + (r->fmt == FMT_JA ? in->off : in->imm);
		return 0;
	case FMT_JCC_K: case FMT_JCC_X:
		e = do_jcc(v, s, in, row);
		return e < 0 ? -1 : e;
	case FMT_CALL:
		if (row == ISA_CALL_KFUNC)
			return verr(v, pc, "kfunc", "", "kfunc calls are not supported by the verifier yet"), -1;
		e = check_helper_call(v, s, in->imm);
		if (e == 3)
			return 0; /* a callback was entered: pc is set */
		break;
	case FMT_CALL_LOCAL:
		return do_call_local(v, s, in) ? -1 : 0;
	case FMT_CALLX:
		return verr(v, pc, "callx", "", "indirect calls (callx) are not supported"), -1;
	case FMT_EXIT:
		e = do_exit(v, s);
		return e < 0 ? -1 : e == 3 ? 0 : e;
	default:
		return verr(v, pc, "opcode", "", "instruction %s is not handled", r->id), -1;
	}
	if (e)
		return -1;
	s->pc = pc + 1;
	return 0;
}
