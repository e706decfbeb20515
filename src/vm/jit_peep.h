/* jit_peep.h - the x86-64 JIT's peepholes over adjacent eBPF instructions
 * (docs/jit.md, "Peepholes").  Included once, by jit_x86_64.c, after the
 * compiler's state (struct jc), the dispatch table (rows) and the single
 * instructions' emitters (jcmp, branch) it builds on. */
#ifndef ANYBPF_JIT_PEEP_H
#define ANYBPF_JIT_PEEP_H

/* ---- peepholes over adjacent instructions (none crosses a jump target
 * or function start, so the pair or triple always runs whole) ----
 * Returns how many instructions after pc it consumed (0: none applies,
 * pc is emitted alone). */
static int rowis(const struct anybpf_insn *in, int fmt, int op, int bits)
{
	return rows[in->code].fmt == fmt && rows[in->code].op == op &&
	       (!bits || rows[in->code].bits == bits);
}

/* Register r is dead at pc: on every path from pc the first instruction
 * that names it writes it without reading it.  Paths are followed through
 * gotos and both ways of conditional jumps, at most *steps instructions in
 * all; anything else (a call, exit, atomic, packet load, callx, the steps
 * running out, the program's end) counts as a read. */
static int dead_at(const struct jc *c, size_t pc, unsigned r, int *steps)
{
	while (pc < c->n && (*steps)-- > 0) {
		const struct anybpf_insn *in = &c->code[pc];
		int fmt = rows[in->code].fmt;
		switch (fmt) {
		case FMT_MOV_K: case FMT_LDDW:
			if (in->dst == r)
				return 1;
			pc += fmt == FMT_LDDW ? 2 : 1;
			continue;
		case FMT_MOV_X: case FMT_LDX:
			if (in->src == r)
				return 0;
			if (in->dst == r)
				return 1;
			break;
		case FMT_ALU_K: case FMT_UNARY: case FMT_ST:
			if (in->dst == r)
				return 0;
			break;
		case FMT_ALU_X: case FMT_STX:
			if (in->dst == r || in->src == r)
				return 0;
			break;
		case FMT_JA: case FMT_JA32: {
			int64_t to = (int64_t)pc + 1 + (fmt == FMT_JA ? in->off : in->imm);
			if (to < 0)
				return 0;
			pc = (size_t)to;
			continue;
		}
		case FMT_JCC_K: case FMT_JCC_X: {
			int64_t to = (int64_t)pc + 1 + in->off;
			if (in->dst == r || (fmt == FMT_JCC_X && in->src == r) || to < 0 ||
			    !dead_at(c, (size_t)to, r, steps))
				return 0;
			break;
		}
		default:
			return 0;
		}
		pc++;
	}
	return 0;
}

static int dead_from(const struct jc *c, size_t pc, unsigned r)
{
	int steps = 64;
	return dead_at(c, pc, r, &steps);
}

/* A 64-bit shift of dst by 1..63 (imm); 1 left, 2 right, 0 neither */
static int shift64(const struct anybpf_insn *in, unsigned dst)
{
	if (in->dst != dst || in->imm < 1 || in->imm > 63)
		return 0;
	return rowis(in, FMT_ALU_K, JOP_LSH, 64) ? 1 : rowis(in, FMT_ALU_K, JOP_RSH, 64) ? 2 : 0;
}

/* Rotations as clang writes x = x << n | x >> (64 - n):
 *   t = x; t >>= 64-n; x <<= n; x |= t         (4: x rotated, t = x >> 64-n)
 *   t = x; t >>= 64-n; u = x; u <<= n; u |= t  (5: u rotated, t, x kept)
 * (either shift direction first) -> rol, with t's shift kept only when t
 * is read later.  Returns the instructions after pc consumed, 0: none. */
static int rotate(struct jc *c, size_t pc)
{
	struct jit_emit *e = &c->e;
	const struct anybpf_insn *in = &c->code[pc];
	if (pc + 3 >= c->n || !rowis(in, FMT_MOV_X, JOP_MOV, 64) || in->dst == in->src)
		return 0;
	for (size_t i = 1; i <= 3; i++)
		if (c->target[pc + i])
			return 0;
	unsigned t = in->dst, x = in->src;
	const struct anybpf_insn *i1 = &c->code[pc + 1], *i2 = &c->code[pc + 2], *i3 = &c->code[pc + 3];
	int k1 = shift64(i1, t);
	if (!k1)
		return 0;
	unsigned u = x; /* the register rotated */
	size_t last = pc + 3;
	if (i2->dst != x) { /* the 5-instruction form: u = x; u <<= n */
		if (pc + 4 >= c->n || c->target[pc + 4] || !rowis(i2, FMT_MOV_X, JOP_MOV, 64) ||
		    i2->src != x || i2->dst == x || i2->dst == t)
			return 0;
		u = i2->dst;
		i2 = i3;
		i3 = &c->code[pc + 4];
		last = pc + 4;
	}
	int k2 = shift64(i2, u);
	if (!k2 || k1 == k2 || i1->imm + i2->imm != 64 ||
	    !rowis(i3, FMT_ALU_X, JOP_OR, 64) || i3->dst != u || i3->src != t)
		return 0;
	unsigned n = (unsigned)(k2 == 1 ? i2->imm : i1->imm); /* the left count */
	if (!dead_from(c, last + 1, t)) { /* t = x shifted, as the program left it */
		x_mov_rr(e, 1, RM[t], RM[x]);                                 /* mov t, x */
		x_shift_ri(e, k1 == 1 ? SH_SHL : SH_SHR, 1, RM[t], (uint8_t)i1->imm); /* shl|shr t, k */
	}
	if (u != x)
		x_mov_rr(e, 1, RM[u], RM[x]);                                 /* mov u, x */
	x_shift_ri(e, SH_ROL, 1, RM[u], (uint8_t)n);                          /* rol u, n */
	return (int)(last - pc);
}

static int peephole(struct jc *c, size_t pc)
{
	int r = rotate(c, pc);
	if (r)
		return r;
	struct jit_emit *e = &c->e;
	const struct anybpf_insn *in = &c->code[pc];
	if (pc + 1 >= c->n || c->target[pc + 1])
		return 0;
	const struct anybpf_insn *n1 = &c->code[pc + 1];
	int fmt = rows[in->code].fmt, op = rows[in->code].op, bits = rows[in->code].bits;
	int d = RM[in->dst], s = RM[in->src];
	/* d = s; d <<= 32; d >>= 32 (s>>= 32): clang's zero (sign) extension
	 * of a 32-bit value -> mov d32, s32 (movsxd d, s32) */
	int mov_x = fmt == FMT_MOV_X && op == JOP_MOV;
	if (mov_x && pc + 2 < c->n && !c->target[pc + 2] &&
	    rowis(n1, FMT_ALU_K, JOP_LSH, 64) && n1->dst == in->dst && n1->imm == 32) {
		const struct anybpf_insn *n2 = &c->code[pc + 2];
		if (n2->dst == in->dst && n2->imm == 32 &&
		    (rowis(n2, FMT_ALU_K, JOP_RSH, 64) || rowis(n2, FMT_ALU_K, JOP_ARSH, 64))) {
			if (rows[n2->code].op == JOP_RSH)
				x_mov_rr(e, 0, d, s);                         /* mov d32, s32 */
			else
				x_movsx_rr(e, 1, 32, d, s);                   /* movsxd d, s32 */
			return 2;
		}
	}
	/* d <<= 32; d >>= 32 (s>>= 32) -> mov d32, d32 (movsxd d, d32) */
	if (fmt == FMT_ALU_K && op == JOP_LSH && bits == 64 && in->imm == 32 &&
	    n1->dst == in->dst && n1->imm == 32 &&
	    (rowis(n1, FMT_ALU_K, JOP_RSH, 64) || rowis(n1, FMT_ALU_K, JOP_ARSH, 64))) {
		if (rows[n1->code].op == JOP_RSH)
			x_mov_rr(e, 0, d, d);                                 /* mov d32, d32 */
		else
			x_movsx_rr(e, 1, 32, d, d);                           /* movsxd d, d32 */
		return 1;
	}
	/* d = s; d += imm|s2 (d -= imm) -> lea d, [s + imm|s2]: a 64-bit
	 * move, or a 32-bit add (the address's low half is the 32-bit sum) */
	if (mov_x && in->dst != in->src && n1->dst == in->dst &&
	    (bits == 64 || rows[n1->code].bits == 32)) {
		int w = rows[n1->code].bits == 64;
		if (rowis(n1, FMT_ALU_X, JOP_ADD, 0)) {
			int s2 = n1->src == in->dst ? s : RM[n1->src];        /* d + d = s + s */
			x_lea_bi(e, w, d, s, s2);                             /* lea d, [s + s2] */
			return 1;
		}
		if (!c->blind && rowis(n1, FMT_ALU_K, JOP_ADD, 0)) {
			x_lea_w(e, w, d, s, n1->imm);                         /* lea d, [s + imm] */
			return 1;
		}
		if (!c->blind && rowis(n1, FMT_ALU_K, JOP_SUB, 0) && n1->imm != INT32_MIN) {
			x_lea_w(e, w, d, s, -n1->imm);                        /* lea d, [s - imm] */
			return 1;
		}
	}
	/* if (cond) goto +1; goto T -> if (!cond) goto T (x86's condition
	 * codes come in pairs: cc ^ 1 is the opposite) */
	if ((fmt == FMT_JCC_K || fmt == FMT_JCC_X) && in->off == 1 && rows[n1->code].fmt == FMT_JA) {
		jcmp(c, in, op, bits, fmt == FMT_JCC_X);
		branch(c, cond(op) ^ 1, pc + 1, n1->off);                     /* j!cc T */
		return 1;
	}
	return 0;
}

#endif
