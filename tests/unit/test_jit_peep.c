/* test_jit_peep.c - the JIT's peepholes over adjacent instructions
 * (jit_x86_64.c: peephole(), rotate()), each on a grid of edge values:
 *
 *  - the pattern applies (the later instructions' native code is empty,
 *    the fused code has the expected size or opcode), and does not where
 *    it must not (a jump target inside, counts not adding to 64, a 32-bit
 *    move before a 64-bit add, blinding for immediates);
 *  - r0, the error and the instruction count are those of the fast
 *    interpreter, in unverified and verified VMs, blinded or not. */
#include <stdio.h>
#include <string.h>

#include "anybpf.h"
#include "isa.h"
#include "unit.h"

#define I(id, d, s, o, imm) isa_encode(ISA_##id, d, s, o, imm)
#define HI(v) ((struct anybpf_insn){ .imm = (int32_t)(v) })
#define LDDW(d, v) I(LDDW, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)), HI((uint64_t)(v) >> 32)
#define MOV(d, v) I(MOV64_K, d, 0, 0, v)
#define EXIT I(EXIT, 0, 0, 0, 0)
#define N(p) (sizeof(p) / sizeof((p)[0]))

#if defined(__x86_64__)
static const uint64_t vals[] = {
	0, 1, 2, 0x7f, 0x80, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
	0x123456789abcdef0ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
	0xffffffff80000000ull, 0xfffffffffffffffeull, 0xffffffffffffffffull, 0xfedcba9876543210ull,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

struct res {
	int err;
	uint64_t ret, insns;
};

/* Runs of one program on one engine, r1 = a, r2 = b; jit: the JIT
 * (blind: with constant blinding).  The VM is made once per program. */
static anybpf_vm *vm_for(const struct anybpf_insn *p, size_t n, int blind, int verified, int *err)
{
	struct anybpf_vm_opts vo = { .sz = sizeof(vo), .verified = verified };
	anybpf_vm *vm = anybpf_vm_new(&vo);
	if (blind)
		anybpf_vm_set_jit_blinding(vm, 1);
	*err = anybpf_vm_load(vm, p, n, NULL);
	return vm;
}
static struct res exec1(anybpf_vm *vm, int err, uint64_t a, uint64_t b, int jit, uint64_t budget)
{
	struct res r = { err, 0, 0 };
	if (err)
		return r;
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .budget = budget, .args = { a, b },
		.mode = jit ? ANYBPF_EXEC_JIT : ANYBPF_EXEC_FAST };
	struct anybpf_exec_result er = { 0, 0 };
	r.err = anybpf_vm_exec(vm, &eo, &er, NULL);
	r.ret = er.retval;
	r.insns = er.insns;
	return r;
}

static int nshown;
/* The interpreter against the JIT (plain and blinded, unverified and
 * verified: only for programs that end) for every (a, b) of the grid; the
 * count of comparisons */
static int same_modes(const struct anybpf_insn *p, size_t n, const char *what, uint64_t budget,
		      int modes)
{
	int count = 0;
	for (int mode = 0; mode < modes; mode++) {
		int blind = mode & 1, verified = mode >> 1, ei, ej;
		anybpf_vm *vi = vm_for(p, n, 0, verified, &ei);
		anybpf_vm *vj = vm_for(p, n, blind, verified, &ej);
		for (size_t ai = 0; ai < NVALS; ai++)
			for (size_t bi = 0; bi < NVALS; bi++) {
				struct res i = exec1(vi, ei, vals[ai], vals[bi], 0, budget);
				struct res j = exec1(vj, ej, vals[ai], vals[bi], 1, budget);
				/* a verified VM's JIT counts no instructions (docs/jit.md) */
				int ok = i.err == j.err && i.ret == j.ret &&
					 (verified ? j.insns == 0 : i.insns == j.insns);
				if (!unit_check(ok, what, __FILE__, __LINE__) && nshown++ < 10)
					fprintf(stderr, "    a=0x%llx b=0x%llx blind=%d verified=%d: interp "
						"err %d r0 0x%llx insns %llu, jit err %d r0 0x%llx insns %llu\n",
						(unsigned long long)vals[ai], (unsigned long long)vals[bi],
						blind, verified, i.err, (unsigned long long)i.ret,
						(unsigned long long)i.insns, j.err, (unsigned long long)j.ret,
						(unsigned long long)j.insns);
				count++;
			}
		anybpf_vm_free(vi);
		anybpf_vm_free(vj);
	}
	return count;
}
#define same_all(p, n, what, budget) same_modes(p, n, what, budget, 4)

/* The JIT's code: bytes of instruction pc .. pc+k (inclusive) together,
 * and whether the ones after pc have none of their own. */
struct span {
	size_t size;
	int fused;
	uint8_t code[64];
};
static struct span span_of(const struct anybpf_insn *p, size_t n, size_t pc, size_t k, int blind)
{
	struct span s = { 0, 0, { 0 } };
	struct anybpf_vm_opts vo = { .sz = sizeof(vo) };
	anybpf_vm *vm = anybpf_vm_new(&vo);
	if (blind)
		anybpf_vm_set_jit_blinding(vm, 1);
	if (anybpf_vm_load(vm, p, n, NULL) == 0 && anybpf_vm_jit_compile(vm, NULL) == 0) {
		const void *code = NULL;
		anybpf_vm_jit_code(vm, &code);
		size_t from = anybpf_vm_jit_insn_offset(vm, pc);
		size_t first_end = anybpf_vm_jit_insn_offset(vm, pc + 1);
		size_t to = anybpf_vm_jit_insn_offset(vm, pc + k + 1);
		s.size = to - from;
		s.fused = first_end == to;
		if (s.size <= sizeof(s.code))
			memcpy(s.code, (const uint8_t *)code + from, s.size);
	}
	anybpf_vm_free(vm);
	return s;
}

/* x86 `rol r64, imm8`: REX.W(B) C1 /0 ib */
static int has_rol(const struct span *s, uint8_t n)
{
	for (size_t i = 0; i + 3 < s->size; i++)
		if ((s->code[i] & 0xf8) == 0x48 && s->code[i + 1] == 0xc1 &&
		    (s->code[i + 2] & 0xf8) == 0xc0 && s->code[i + 3] == n)
			return 1;
	return 0;
}
#endif

/* d = s; d <<= 32; d >>= 32 (or s>>= 32) -> mov d32, s32 (movsxd) */
TEST(jit_peep_zero_sign_extension)
{
#if defined(__x86_64__)
	static const int regs[][2] = { { 3, 1 }, { 0, 1 }, { 6, 2 }, { 4, 4 }, { 9, 0 }, { 7, 8 } };
	int count = 0;
	for (size_t ri = 0; ri < sizeof(regs) / sizeof(regs[0]); ri++)
		for (int arsh = 0; arsh <= 1; arsh++)
			for (int mov32 = 0; mov32 <= 1; mov32++) {
				int d = regs[ri][0], s = regs[ri][1];
				struct anybpf_insn p[] = {
					I(MOV64_X, s, 1, 0, 0), I(MOV64_X, d, 2, 0, 0),
					mov32 ? I(MOV32_X, d, s, 0, 0) : I(MOV64_X, d, s, 0, 0),
					I(LSH64_K, d, 0, 0, 32),
					arsh ? I(ARSH64_K, d, 0, 0, 32) : I(RSH64_K, d, 0, 0, 32),
					I(MOV64_X, 0, d, 0, 0), I(LSH64_K, 0, 0, 0, 1), I(XOR64_X, 0, s, 0, 0),
					EXIT,
				};
				char what[80];
				snprintf(what, sizeof(what), "zext d=r%d s=r%d arsh=%d mov32=%d", d, s, arsh, mov32);
				count += same_all(p, N(p), what, 0);
				struct span sp = span_of(p, N(p), 2, 2, 0);
				CHECK(sp.fused);
				CHECK(sp.size <= 3); /* one mov r32, r32 or movsxd */
				/* the shift pair alone (d <<= 32; d >>= 32) */
				sp = span_of(p, N(p), 3, 1, 0);
				CHECK(sp.fused);
			}
	CHECK(count > 1000);
	/* a jump target between the shifts: no fusion, the same results */
	struct anybpf_insn q[] = {
		MOV(5, 0), I(MOV64_X, 3, 1, 0, 0), I(LSH64_K, 3, 0, 0, 32),
		I(RSH64_K, 3, 0, 0, 32),                 /* 3: the loop's target */
		I(ADD64_K, 5, 0, 0, 1), I(JLT_K, 5, 0, -3, 2),
		I(MOV64_X, 0, 3, 0, 0), EXIT,
	};
	same_all(q, N(q), "zext with a jump target inside", 0);
	struct span sq = span_of(q, N(q), 1, 2, 0);
	CHECK(!sq.fused);
	/* shifts by other counts are not an extension */
	struct anybpf_insn r[] = {
		I(MOV64_X, 3, 1, 0, 0), I(LSH64_K, 3, 0, 0, 31), I(RSH64_K, 3, 0, 0, 32),
		I(MOV64_X, 0, 3, 0, 0), EXIT,
	};
	same_all(r, N(r), "shifts 31/32", 0);
	CHECK(!span_of(r, N(r), 0, 2, 0).fused);
#endif
}

/* d = s; d += s2|imm (d -= imm) -> lea */
TEST(jit_peep_lea)
{
#if defined(__x86_64__)
	/* (d, s, s2): rbp/r13 as base (r10, r7), s2 = d, s2 = s */
	static const int regs[][3] = { { 3, 1, 2 }, { 0, 2, 1 }, { 3, 1, 3 }, { 3, 1, 1 },
				       { 6, 7, 8 }, { 7, 6, 9 }, { 8, 9, 7 }, { 5, 0, 7 } };
	static const int32_t imms[] = { 0, 1, -1, 127, -128, 128, 0x7fffffff, INT32_MIN, -0x12345678 };
	static const int rows[][2] = { /* the move, the add */
		{ ISA_MOV64_X, ISA_ADD64_X }, { ISA_MOV64_X, ISA_ADD32_X }, { ISA_MOV32_X, ISA_ADD32_X },
		{ ISA_MOV64_X, ISA_ADD64_K }, { ISA_MOV64_X, ISA_SUB64_K }, { ISA_MOV32_X, ISA_ADD32_K },
		{ ISA_MOV64_X, ISA_SUB32_K }, { ISA_MOV32_X, ISA_ADD64_X }, { ISA_MOV32_X, ISA_ADD64_K },
	};
	int count = 0;
	for (size_t ri = 0; ri < sizeof(regs) / sizeof(regs[0]); ri++)
		for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
			for (size_t ii = 0; ii < sizeof(imms) / sizeof(imms[0]); ii++) {
				int d = regs[ri][0], s = regs[ri][1], s2 = regs[ri][2];
				int kform = k >= 3 && k != 7;
				if (!kform && ii)
					break;
				struct anybpf_insn p[] = {
					I(MOV64_X, s, 1, 0, 0), I(MOV64_X, s2, 2, 0, 0),
					I(MOV64_K, d, 0, 0, 0x55),
					isa_encode(rows[k][0], d, s, 0, 0),
					isa_encode(rows[k][1], d, kform ? 0 : s2, 0, kform ? imms[ii] : 0),
					/* r0 = d ^ s * 3 ^ s2 * 5: every register counts */
					I(MOV64_X, 0, s, 0, 0), I(MUL64_K, 0, 0, 0, 3), I(MOV64_X, 4, s2, 0, 0),
					I(MUL64_K, 4, 0, 0, 5), I(XOR64_X, 0, 4, 0, 0), I(XOR64_X, 0, d, 0, 0),
					EXIT,
				};
				char what[80];
				snprintf(what, sizeof(what), "lea d=r%d s=r%d s2=r%d rows %s %s imm=%d", d, s,
					 s2, isa_rows[rows[k][0]].id, isa_rows[rows[k][1]].id, imms[ii]);
				count += same_all(p, N(p), what, 0);
				/* fused unless a 32-bit move meets a 64-bit add, or a
				 * sub of INT32_MIN; with blinding, only the register form */
				int expect = k != 7 && k != 8 && d != s &&
					     !((k == 4 || k == 6) && imms[ii] == INT32_MIN);
				CHECK_EQ(span_of(p, N(p), 3, 1, 0).fused, expect);
				CHECK_EQ(span_of(p, N(p), 3, 1, 1).fused, expect && !kform);
			}
	CHECK(count > 10000);
	/* r10 as the base: lea into the stack, then stored through and read back */
	for (int idx = 0; idx <= 1; idx++) {
		struct anybpf_insn p[] = {
			MOV(7, -16), MOV(6, 0),
			I(MOV64_X, 3, 10, 0, 0),
			idx ? I(ADD64_X, 3, 7, 0, 0) : I(ADD64_K, 3, 0, 0, -16),
			I(STXDW, 3, 1, 0, 0), I(MOV64_X, 6, 10, 0, 0), I(ADD64_X, 6, 7, 0, 0),
			I(STXDW, 6, 2, 8, 0),
			I(LDXDW, 0, 10, -16, 0), I(LDXDW, 4, 10, -8, 0), I(XOR64_X, 0, 4, 0, 0),
			I(LSH64_K, 4, 0, 0, 1), I(ADD64_X, 0, 4, 0, 0), EXIT,
		};
		same_all(p, N(p), idx ? "lea [rbp + r13]" : "lea [rbp - 16]", 0);
		CHECK(span_of(p, N(p), 2, 1, 0).fused);
		CHECK(span_of(p, N(p), 5, 1, 0).fused);
	}
#endif
}

/* if (cond) goto +1; goto T -> if (!cond) goto T, every condition, with
 * the budget of a backward goto (unverified VMs) */
TEST(jit_peep_inverted_branch)
{
#if defined(__x86_64__)
	int count = 0, rows_seen = 0;
	for (int row = 0; row < ISA_COUNT; row++) {
		int fmt = isa_rows[row].fmt;
		if (fmt != FMT_JCC_K && fmt != FMT_JCC_X)
			continue;
		rows_seen++;
		static const int32_t imms[] = { -1, 0, 1, 20, 0x7fffffff, INT32_MIN };
		int kf = fmt == FMT_JCC_K;
		for (size_t ii = 0; ii < (kf ? sizeof(imms) / sizeof(imms[0]) : 1); ii++) {
			int32_t imm = kf ? imms[ii] : 0;
			/* forward: r0 = 2 when the condition holds, else 1 */
			struct anybpf_insn p[] = {
				MOV(0, 1), isa_encode(row, 1, kf ? 0 : 2, 1, imm), I(JA, 0, 0, 1, 0),
				MOV(0, 2), EXIT,
			};
			char what[80];
			snprintf(what, sizeof(what), "%s +1; ja imm=%d", isa_rows[row].id, imm);
			count += same_all(p, N(p), what, 0);
			CHECK(span_of(p, N(p), 1, 1, 0).fused);
		}
		/* backward: loop until the condition holds (r0 counts up, r1
		 * the limit), unverified: the budget counts, may run out, and
		 * ends the loops that would not */
		struct anybpf_insn q[] = {
			MOV(0, 0), I(AND64_K, 1, 0, 0, 31),
			I(ADD64_K, 0, 0, 0, 1), I(ADD64_K, 2, 0, 0, 1),
			isa_encode(row, 0, kf ? 0 : 1, 1, kf ? 20 : 0), I(JA, 0, 0, -4, 0),
			I(ADD64_X, 0, 2, 0, 0), EXIT,
		};
		for (uint64_t budget = 30; budget <= 1000; budget = budget == 30 ? 61 : budget == 61 ? 1000 : 2000) {
			char what[80];
			snprintf(what, sizeof(what), "%s +1; ja -4 budget %llu", isa_rows[row].id,
				 (unsigned long long)budget);
			count += same_modes(q, N(q), what, budget, 2);
		}
		CHECK(span_of(q, N(q), 4, 1, 0).fused);
	}
	CHECK_EQ(rows_seen, 44);
	CHECK(count > 10000);
	/* the goto is a jump target: kept as it is */
	struct anybpf_insn r[] = {
		MOV(0, 1), I(JEQ_K, 2, 0, 1, 5), I(JEQ_K, 1, 0, 1, 0), I(JA, 0, 0, 1, 0), MOV(0, 2), EXIT,
	};
	same_all(r, N(r), "jcc +1 over a goto that is a jump target", 0);
	CHECK(!span_of(r, N(r), 2, 1, 0).fused);
#endif
}

/* x = x << n | x >> (64 - n) as clang writes it -> rol */
TEST(jit_peep_rotate)
{
#if defined(__x86_64__)
	static const int ns[] = { 1, 13, 32, 51, 63 };
	/* (x, t, u): u = x is the 4-instruction form */
	static const int regs[][3] = { { 1, 4, 1 }, { 2, 0, 2 }, { 1, 4, 5 }, { 6, 7, 0 }, { 0, 9, 8 } };
	int count = 0;
	for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++)
		for (size_t ri = 0; ri < sizeof(regs) / sizeof(regs[0]); ri++)
			for (int left_first = 0; left_first <= 1; left_first++)
				for (int t_dead = 0; t_dead <= 1; t_dead++) {
					int n = ns[ni], x = regs[ri][0], t = regs[ri][1], u = regs[ri][2];
					int k1 = left_first ? n : 64 - n, k2 = 64 - k1;
					struct anybpf_insn p[12];
					size_t m = 0;
					p[m++] = I(MOV64_X, x, 1, 0, 0);
					p[m++] = I(MOV64_X, t, x, 0, 0);
					p[m++] = left_first ? I(LSH64_K, t, 0, 0, k1) : I(RSH64_K, t, 0, 0, k1);
					if (u != x)
						p[m++] = I(MOV64_X, u, x, 0, 0);
					p[m++] = left_first ? I(RSH64_K, u, 0, 0, k2) : I(LSH64_K, u, 0, 0, k2);
					p[m++] = I(OR64_X, u, t, 0, 0);
					if (t_dead)
						p[m++] = I(MOV64_K, t, 0, 0, 7);
					/* r0 = u ^ t * 3 ^ x * 5 (u and x may be r0: kept in r3 first) */
					p[m++] = I(MOV64_X, 3, t, 0, 0);
					p[m++] = I(MUL64_K, 3, 0, 0, 3);
					p[m++] = I(XOR64_X, 3, u, 0, 0);
					p[m++] = I(MOV64_X, 0, 3, 0, 0);
					p[m++] = EXIT;
					char what[80];
					snprintf(what, sizeof(what), "rotate n=%d x=r%d t=r%d u=r%d left=%d dead=%d",
						 n, x, t, u, left_first, t_dead);
					count += same_all(p, m, what, 0);
					size_t k = u != x ? 4 : 3;
					struct span sp = span_of(p, m, 1, k, 0);
					CHECK(sp.fused);
					CHECK(has_rol(&sp, (uint8_t)(left_first ? k1 : k2)));
					if (t_dead) /* rol (and mov u, x): no shift for t */
						CHECK(sp.size <= (u != x ? 7u : 4u));
					else
						CHECK(sp.size > (u != x ? 7u : 4u));
				}
	CHECK(count > 10000);
	/* counts not adding to 64, and an or of the other register: no rol */
	struct anybpf_insn q[] = {
		I(MOV64_X, 4, 1, 0, 0), I(RSH64_K, 4, 0, 0, 50), I(LSH64_K, 1, 0, 0, 13),
		I(OR64_X, 1, 4, 0, 0), I(MOV64_X, 0, 1, 0, 0), I(XOR64_X, 0, 4, 0, 0), EXIT,
	};
	same_all(q, N(q), "shifts 50/13", 0);
	CHECK(!span_of(q, N(q), 0, 3, 0).fused);
	struct anybpf_insn r[] = {
		I(MOV64_X, 4, 1, 0, 0), I(RSH64_K, 4, 0, 0, 51), I(LSH64_K, 1, 0, 0, 13),
		I(OR64_X, 4, 1, 0, 0), I(MOV64_X, 0, 1, 0, 0), I(XOR64_X, 0, 4, 0, 0), EXIT,
	};
	same_all(r, N(r), "or into t", 0);
	CHECK(!span_of(r, N(r), 0, 3, 0).fused);
	/* t read later through a store: kept */
	struct anybpf_insn s[] = {
		I(MOV64_X, 4, 1, 0, 0), I(RSH64_K, 4, 0, 0, 51), I(LSH64_K, 1, 0, 0, 13),
		I(OR64_X, 1, 4, 0, 0), I(STXDW, 10, 4, -8, 0), I(LDXDW, 0, 10, -8, 0),
		I(XOR64_X, 0, 1, 0, 0), EXIT,
	};
	same_all(s, N(s), "rotate, t stored", 0);
	CHECK(span_of(s, N(s), 0, 3, 0).size > 4);
	/* liveness through branches: both ways write t (dead), or one reads it */
	for (int read = 0; read <= 1; read++) {
		struct anybpf_insn b[] = {
			I(MOV64_X, 4, 1, 0, 0), I(RSH64_K, 4, 0, 0, 51), I(LSH64_K, 1, 0, 0, 13),
			I(OR64_X, 1, 4, 0, 0), I(JEQ_K, 2, 0, 2, 0),
			read ? I(MOV64_X, 0, 4, 0, 0) : MOV(4, 1), I(JA, 0, 0, 1, 0), MOV(4, 2),
			I(ADD64_X, 0, 4, 0, 0), I(XOR64_X, 0, 1, 0, 0), EXIT,
		};
		same_all(b, N(b), read ? "rotate, t read on one path" : "rotate, t written on both paths", 0);
		struct span sb = span_of(b, N(b), 0, 3, 0);
		CHECK(sb.fused);
		CHECK(read ? sb.size > 4 : sb.size == 4);
	}
#endif
}

/* `exit` in a function other than the first is a plain `ret` (it only
 * runs called); the first function's keeps the depth check, also when
 * the program calls it recursively */
TEST(jit_subprogram_exit_is_ret)
{
#if defined(__x86_64__)
	struct anybpf_insn p[] = {
		I(MOV64_X, 6, 1, 0, 0), I(CALL_LOCAL, 0, 0, 0, 2), I(ADD64_X, 0, 6, 0, 0), EXIT,
		I(XOR64_K, 1, 0, 0, 0x55),
		/* 4: f(x) = g(x ^ 0x55) * 3 */
		I(CALL_LOCAL, 0, 0, 0, 2), I(MUL64_K, 0, 0, 0, 3), EXIT,
		/* 8: g(x) = x + 1, its exit at pc 9 */
		I(MOV64_X, 0, 1, 0, 0), I(ADD64_K, 0, 0, 0, 1), EXIT,
	};
	same_all(p, N(p), "call chain", 0);
	struct span f = span_of(p, N(p), 7, 0, 0), g = span_of(p, N(p), 10, 0, 0);
	struct span m = span_of(p, N(p), 3, 0, 0);
	CHECK(f.size == 1 && f.code[0] == 0xc3);
	CHECK(g.size == 1 && g.code[0] == 0xc3);
	CHECK(m.size > 1); /* cmp dword [run.depth], 0; je done; ret */
	/* main calling itself: r0 = 3 through two nested entries of pc 0 */
	struct anybpf_insn q[] = {
		I(ADD64_K, 0, 0, 0, 1), I(JGE_K, 0, 0, 1, 3), I(CALL_LOCAL, 0, 0, 0, -3), EXIT,
	};
	same_all(q, N(q), "main called recursively", 0);
	int err;
	anybpf_vm *vm = vm_for(q, N(q), 0, 0, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(exec1(vm, err, 0, 0, 1, 0).ret, 3);
	anybpf_vm_free(vm);
#endif
}

#if defined(__x86_64__)
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}
#endif

/* Random programs made of the patterns' pieces (extensions, move-adds,
 * rotations with t read or not, inverted branches) mixed with forward
 * jumps that land anywhere, inside patterns too: the JIT against the
 * interpreter, plain and blinded, unverified and verified */
TEST(jit_peep_random_mixes)
{
#if defined(__x86_64__)
	enum { MAXN = 96 };
	int programs = 0, fused_any = 0; /* instructions fused */
	for (int iter = 0; iter < 400; iter++) {
		struct anybpf_insn p[MAXN + 40];
		size_t n = 0;
		for (unsigned r = 0; r <= 9; r++) {
			uint64_t v = (uint64_t)rnd(0xffffffffu) << 32 | rnd(0xffffffffu);
			if (rnd(3) == 0)
				v = vals[rnd(NVALS)];
			p[n++] = I(LDDW, r, 0, 0, (int32_t)(uint32_t)v);
			p[n++] = HI(v >> 32);
		}
		size_t body = n;
		while (n < MAXN) {
			unsigned d = rnd(10), s = rnd(10), t = rnd(10), u = rnd(10);
			int32_t imm = rnd(4) ? (int32_t)rnd(200) - 100 : (int32_t)rnd(0xffffffffu);
			switch (rnd(6)) {
			case 0: /* extension */
				p[n++] = rnd(2) ? I(MOV64_X, d, s, 0, 0) : I(MOV32_X, d, s, 0, 0);
				p[n++] = I(LSH64_K, d, 0, 0, rnd(4) ? 32 : 31);
				p[n++] = rnd(2) ? I(RSH64_K, d, 0, 0, 32) : I(ARSH64_K, d, 0, 0, 32);
				break;
			case 1: /* move and add */
				p[n++] = rnd(2) ? I(MOV64_X, d, s, 0, 0) : I(MOV32_X, d, s, 0, 0);
				switch (rnd(4)) {
				case 0: p[n++] = I(ADD64_X, d, t, 0, 0); break;
				case 1: p[n++] = I(ADD32_X, d, t, 0, 0); break;
				case 2: p[n++] = rnd(2) ? I(ADD64_K, d, 0, 0, imm) : I(SUB64_K, d, 0, 0, imm); break;
				default: p[n++] = rnd(2) ? I(ADD32_K, d, 0, 0, imm) : I(SUB32_K, d, 0, 0, imm);
				}
				break;
			case 2: { /* rotation */
				unsigned k = 1 + rnd(63);
				if (t == s)
					t = (s + 1) % 10;
				p[n++] = I(MOV64_X, t, s, 0, 0);
				p[n++] = rnd(2) ? I(RSH64_K, t, 0, 0, k) : I(LSH64_K, t, 0, 0, k);
				int left = p[n - 1].code == ISA_RSH64_K;
				if (rnd(2) && u != s && u != t) {
					p[n++] = I(MOV64_X, u, s, 0, 0);
				} else {
					u = s;
				}
				unsigned k2 = rnd(5) ? 64 - k : 1 + rnd(63);
				p[n++] = left ? I(LSH64_K, u, 0, 0, k2) : I(RSH64_K, u, 0, 0, k2);
				p[n++] = I(OR64_X, u, t, 0, 0);
				break;
			}
			case 3: /* a condition over a goto, forward */
				p[n++] = rnd(2) ? (rnd(2) ? I(JEQ_K, d, 0, 1, imm) : I(JSLT32_K, d, 0, 1, imm))
						: I(JGT_X, d, s, 1, 0);
				p[n++] = I(JA, 0, 0, (int16_t)rnd(4), 0);
				break;
			case 4: /* a forward jump landing anywhere */
				p[n++] = I(JSGT_X, d, s, (int16_t)rnd(6), 0);
				break;
			default: /* plain arithmetic, writes that kill rotation temps */
				p[n++] = rnd(2) ? I(MOV64_K, d, 0, 0, imm) : I(XOR64_X, d, s, 0, 0);
			}
		}
		/* r0 = a mix of r0-r9; jumps past the body land here */
		for (int i = 0; i < 6; i++)
			p[n++] = I(ADD64_K, 0, 0, 0, 1);
		for (unsigned r = 1; r <= 9; r++) {
			p[n++] = I(MUL64_K, 0, 0, 0, 31);
			p[n++] = I(XOR64_X, 0, r, 0, 0);
		}
		p[n++] = EXIT;
		for (int mode = 0; mode < 4; mode++) {
			int blind = mode & 1, verified = mode >> 1, ei, ej;
			anybpf_vm *vi = vm_for(p, n, 0, verified, &ei);
			anybpf_vm *vj = vm_for(p, n, blind, verified, &ej);
			struct res i = exec1(vi, ei, 0, 0, 0, 0), j = exec1(vj, ej, 0, 0, 1, 0);
			CHECK_EQ(i.err, 0);
			if (!unit_check(i.err == j.err && i.ret == j.ret, "random mix", __FILE__, __LINE__) &&
			    nshown++ < 10)
				fprintf(stderr, "    iter %d mode %d: interp 0x%llx jit 0x%llx\n", iter, mode,
					(unsigned long long)i.ret, (unsigned long long)j.ret);
			anybpf_vm_free(vi);
			anybpf_vm_free(vj);
		}
		/* count the body's instructions fused into an earlier one */
		int err;
		anybpf_vm *vm = vm_for(p, n, 0, 0, &err);
		if (!err && anybpf_vm_jit_compile(vm, NULL) == 0)
			for (size_t pc = body + 1; pc < n; pc++)
				fused_any += anybpf_vm_jit_insn_offset(vm, pc) ==
					     anybpf_vm_jit_insn_offset(vm, pc + 1);
		anybpf_vm_free(vm);
		programs++;
	}
	CHECK_EQ(programs, 400);
	CHECK(fused_any > 2000); /* the patterns do apply, often */
#endif
}
