/* test_vm.c - the interpreter: RFC 9669 edge cases per isa.def row, calls,
 * frames, budget, the checking mode and helpers.  Every program runs in
 * both dispatch variants (computed goto and switch) and, when it must
 * succeed, in both the fast and the checking mode.  Expected values come
 * from the specification, worked out in the comments. */
#include <string.h>

#include "anybpf.h"
#include "isa.h"
#include "unit.h"
#include "vm/vm_internal.h"

/* An instruction of row `row` (isa.def), from src/isa/isa.c. */
#define mk isa_encode
#define I(id, d, s, o, imm) mk(ISA_##id, d, s, o, imm)
#define HI(v) ((struct anybpf_insn){ .imm = (int32_t)(v) }) /* lddw second slot */
#define LDDW(d, v) I(LDDW, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)), HI((uint64_t)(v) >> 32)
#define MOV(d, v) I(MOV64_K, d, 0, 0, v)
#define EXIT I(EXIT, 0, 0, 0, 0)

struct t_cfg {
	const struct anybpf_exec_opts *opts; /* NULL: defaults */
	unsigned call_depth;
	int (*resolve)(void *user, unsigned src, int32_t imm, int32_t imm2, uint64_t *value);
	int (*setup)(anybpf_vm *vm);          /* extra helpers */
};

struct t_out {
	int err;      /* load or exec error */
	int load_err; /* 1 if the error came from load */
	uint64_t ret, insns;
	char log[1024];
};

static void t_run(const struct anybpf_insn *p, size_t n, const struct t_cfg *cfg,
		  enum anybpf_exec_mode mode, int sw, struct t_out *out)
{
	memset(out, 0, sizeof(*out));
	struct anybpf_vm_opts vo = { .sz = sizeof(vo) };
	if (cfg) {
		vo.call_depth = cfg->call_depth;
		vo.resolve_lddw = cfg->resolve;
	}
	anybpf_vm *vm = anybpf_vm_new(&vo);
	CHECK(vm != NULL);
	if (!vm)
		return;
	vm_set_dispatch(vm, sw ? VM_DISPATCH_SWITCH : VM_DISPATCH_DEFAULT);
	CHECK_EQ(anybpf_vm_register_test_helpers(vm), 0);
	if (cfg && cfg->setup)
		CHECK_EQ(cfg->setup(vm), 0);
	struct anybpf_log log = { .buf = out->log, .size = sizeof(out->log) };
	out->err = anybpf_vm_load(vm, p, n, &log);
	if (out->err) {
		out->load_err = 1;
	} else {
		struct anybpf_exec_opts eo = { .sz = sizeof(eo) };
		if (cfg && cfg->opts)
			eo = *cfg->opts;
		eo.mode = mode;
		struct anybpf_exec_result res = { 0 };
		out->err = anybpf_vm_exec(vm, &eo, &res, &log);
		out->ret = res.retval;
		out->insns = res.insns;
	}
	anybpf_vm_free(vm);
}

static const char *const variant[] = { "goto/checked", "goto/fast", "switch/checked",
				       "switch/fast" };

/* Run in all four variants; each must succeed with `want`.  Returns the
 * checking mode's exact instruction count. */
static uint64_t expect_ret_(const struct anybpf_insn *p, size_t n, const struct t_cfg *cfg,
			    uint64_t want, int line)
{
	uint64_t insns = 0;
	for (int v = 0; v < 4; v++) {
		struct t_out o;
		t_run(p, n, cfg, v & 1 ? ANYBPF_EXEC_FAST : ANYBPF_EXEC_CHECKED, v >> 1, &o);
		if (!CHECK(o.err == 0 && o.ret == want))
			fprintf(stderr, "    line %d, %s: err %d (%s), got 0x%llx, want 0x%llx\n    %s",
				line, variant[v], o.err, anybpf_errname(o.err),
				(unsigned long long)o.ret, (unsigned long long)want, o.log);
		if (v == 0)
			insns = o.insns;
		else if (!(v & 1))
			CHECK_EQ(o.insns, insns);
	}
	return insns;
}
#define EXPECT_RET(prog, want) expect_ret_(prog, ARRAY_SIZE(prog), NULL, want, __LINE__)
#define EXPECT_RET_CFG(prog, cfg, want) expect_ret_(prog, ARRAY_SIZE(prog), cfg, want, __LINE__)

/* Run in both dispatch variants in `mode`; each must fail with `want` and a
 * log containing `text`. */
static void expect_err_(const struct anybpf_insn *p, size_t n, const struct t_cfg *cfg,
			enum anybpf_exec_mode mode, int want, const char *text, int line)
{
	for (int sw = 0; sw < 2; sw++) {
		struct t_out o;
		t_run(p, n, cfg, mode, sw, &o);
		if (!CHECK(o.err == want && strstr(o.log, text)))
			fprintf(stderr, "    line %d, %s: err %d (%s), want %s; log: %s",
				line, sw ? "switch" : "goto", o.err, anybpf_errname(o.err),
				anybpf_errname(want), o.log);
	}
}
#define EXPECT_ERR(prog, want, text) \
	expect_err_(prog, ARRAY_SIZE(prog), NULL, ANYBPF_EXEC_CHECKED, -ANYBPF_E_##want, text, __LINE__)
#define EXPECT_ERR_CFG(prog, cfg, mode, want, text) \
	expect_err_(prog, ARRAY_SIZE(prog), cfg, mode, -ANYBPF_E_##want, text, __LINE__)

/* ---- ALU ---------------------------------------------------------------- */

TEST(vm_div_mod_by_zero)
{
	/* unsigned: x / 0 = 0 */
	struct anybpf_insn d64k[] = { MOV(0, 7), I(DIV64_K, 0, 0, 0, 0), EXIT };
	EXPECT_RET(d64k, 0);
	struct anybpf_insn d64x[] = { MOV(0, 7), MOV(1, 0), I(DIV64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(d64x, 0);
	/* 32-bit: the result 0 zero-extended, upper bits of r0 gone */
	struct anybpf_insn d32[] = { MOV(0, -1), MOV(1, 0), I(DIV32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(d32, 0);
	/* the divisor's upper half is ignored by div32: 0x100000000 is 0 */
	struct anybpf_insn d32hi[] = { MOV(0, 9), LDDW(1, 0x100000000ull), I(DIV32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(d32hi, 0);
	/* x % 0 = x; 64-bit keeps all of it */
	struct anybpf_insn m64[] = { LDDW(0, 0x100000007ull), I(MOD64_K, 0, 0, 0, 0), EXIT };
	EXPECT_RET(m64, 0x100000007ull);
	/* 32-bit: the dividend's low 32 bits, zero-extended */
	struct anybpf_insn m32[] = { LDDW(0, 0x100000007ull), MOV(1, 0), I(MOD32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(m32, 7);
	struct anybpf_insn m32b[] = { MOV(0, -1), I(MOD32_K, 0, 0, 0, 0), EXIT };
	EXPECT_RET(m32b, 0xffffffffull);
	/* ordinary unsigned division: -1 is 2^64 - 1 */
	struct anybpf_insn du[] = { MOV(0, -1), I(DIV64_K, 0, 0, 0, 2), EXIT };
	EXPECT_RET(du, 0x7fffffffffffffffull);
	struct anybpf_insn mu[] = { MOV(0, 100), I(MOD64_K, 0, 0, 0, 7), EXIT };
	EXPECT_RET(mu, 2);
	/* K is sign-extended: 64-bit div by imm -1 divides by 2^64 - 1 */
	struct anybpf_insn dk[] = { MOV(0, -1), I(DIV64_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(dk, 1);
	/* 32-bit: imm -1 is 0xffffffff; 0xfffffffe / 0xffffffff = 0 */
	struct anybpf_insn dk32[] = { I(MOV32_K, 0, 0, 0, -2), I(DIV32_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(dk32, 0);
}

TEST(vm_signed_div_mod)
{
	/* INT64_MIN / -1 = INT64_MIN, INT64_MIN % -1 = 0 */
	struct anybpf_insn s1[] = { LDDW(0, 0x8000000000000000ull), I(SDIV64_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(s1, 0x8000000000000000ull);
	struct anybpf_insn s2[] = { LDDW(0, 0x8000000000000000ull), MOV(1, -1),
				    I(SMOD64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(s2, 0);
	/* 32-bit INT_MIN / -1 = INT_MIN (0x80000000 zero-extended) */
	struct anybpf_insn s3[] = { I(MOV32_K, 0, 0, 0, INT32_MIN), I(SDIV32_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(s3, 0x80000000ull);
	struct anybpf_insn s4[] = { I(MOV32_K, 0, 0, 0, INT32_MIN), I(SMOD32_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(s4, 0);
	/* by zero as unsigned: quotient 0, remainder the dividend */
	struct anybpf_insn s5[] = { MOV(0, -5), I(SDIV64_K, 0, 0, 0, 0), EXIT };
	EXPECT_RET(s5, 0);
	struct anybpf_insn s6[] = { MOV(0, -5), MOV(1, 0), I(SMOD64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(s6, (uint64_t)-5);
	struct anybpf_insn s6b[] = { MOV(0, -5), I(SMOD32_K, 0, 0, 0, 0), EXIT };
	EXPECT_RET(s6b, 0xfffffffbull);
	/* truncation toward zero: -7 / 2 = -3, -7 % 2 = -1 (sign of dividend) */
	struct anybpf_insn s7[] = { MOV(0, -7), I(SDIV64_K, 0, 0, 0, 2), EXIT };
	EXPECT_RET(s7, (uint64_t)-3);
	struct anybpf_insn s8[] = { MOV(0, -7), I(SMOD64_K, 0, 0, 0, 2), EXIT };
	EXPECT_RET(s8, (uint64_t)-1);
	struct anybpf_insn s9[] = { MOV(0, 7), I(SMOD64_K, 0, 0, 0, -2), EXIT };
	EXPECT_RET(s9, 1);
	/* 32-bit: only the low halves count, the result is zero-extended:
	 * low(r0) = -7, -7 / 2 = -3 = 0xfffffffd */
	struct anybpf_insn s10[] = { LDDW(0, 0xdeadbeeffffffff9ull), MOV(1, 2),
				     I(SDIV32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(s10, 0xfffffffdull);
	struct anybpf_insn s11[] = { MOV(0, -7), I(SMOD32_K, 0, 0, 0, 2), EXIT };
	EXPECT_RET(s11, 0xffffffffull);
}

TEST(vm_shifts)
{
	struct anybpf_insn a[] = { MOV(0, 5), I(LSH64_K, 0, 0, 0, 0), EXIT };
	EXPECT_RET(a, 5);
	struct anybpf_insn b[] = { MOV(0, 1), I(LSH64_K, 0, 0, 0, 63), EXIT };
	EXPECT_RET(b, 0x8000000000000000ull);
	/* counts are masked: 64 & 63 = 0, 65 & 63 = 1 */
	struct anybpf_insn c[] = { MOV(0, 3), MOV(1, 64), I(LSH64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(c, 3);
	struct anybpf_insn d[] = { MOV(0, 3), MOV(1, 65), I(LSH64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(d, 6);
	struct anybpf_insn e[] = { MOV(0, -1), I(RSH64_K, 0, 0, 0, 63), EXIT };
	EXPECT_RET(e, 1);
	struct anybpf_insn f[] = { MOV(0, -1), MOV(1, 64), I(RSH64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(f, ~0ull);
	/* 32-bit: mask 31 and zero-extend */
	struct anybpf_insn g[] = { MOV(0, 1), I(LSH32_K, 0, 0, 0, 31), EXIT };
	EXPECT_RET(g, 0x80000000ull);
	struct anybpf_insn h[] = { LDDW(0, 0x100000001ull), MOV(1, 32), I(LSH32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(h, 1);
	struct anybpf_insn h2[] = { MOV(0, 1), MOV(1, 33), I(LSH32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(h2, 2);
	struct anybpf_insn i[] = { MOV(0, -1), I(RSH32_K, 0, 0, 0, 31), EXIT };
	EXPECT_RET(i, 1);
	struct anybpf_insn i2[] = { MOV(0, -1), I(RSH32_K, 0, 0, 0, 0), EXIT };
	EXPECT_RET(i2, 0xffffffffull);
	/* arithmetic right shift */
	struct anybpf_insn j[] = { LDDW(0, 0x8000000000000000ull), I(ARSH64_K, 0, 0, 0, 63), EXIT };
	EXPECT_RET(j, ~0ull);
	struct anybpf_insn k[] = { LDDW(0, 0x8000000000000000ull), MOV(1, 64), I(ARSH64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(k, 0x8000000000000000ull);
	struct anybpf_insn l[] = { I(MOV32_K, 0, 0, 0, INT32_MIN), I(ARSH32_K, 0, 0, 0, 31), EXIT };
	EXPECT_RET(l, 0xffffffffull);
	struct anybpf_insn m[] = { I(MOV32_K, 0, 0, 0, INT32_MIN), MOV(1, 32), I(ARSH32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(m, 0x80000000ull);
	/* arsh32 sees only the low half: 0x00000000_80000000 >> 4 = 0xf8000000 */
	struct anybpf_insn n2[] = { LDDW(0, 0x1280000000ull), I(ARSH32_K, 0, 0, 0, 4), EXIT };
	EXPECT_RET(n2, 0xf8000000ull);
}

TEST(vm_alu_widths_and_immediates)
{
	struct anybpf_insn a[] = { MOV(0, -1), I(ADD32_K, 0, 0, 0, 1), EXIT };
	EXPECT_RET(a, 0);
	struct anybpf_insn b[] = { MOV(0, -1), I(ADD32_K, 0, 0, 0, 0), EXIT };
	EXPECT_RET(b, 0xffffffffull);
	struct anybpf_insn c[] = { I(MOV32_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(c, 0xffffffffull);
	struct anybpf_insn d[] = { MOV(0, -1), EXIT };
	EXPECT_RET(d, ~0ull);
	struct anybpf_insn e[] = { MOV(0, 1), I(NEG32, 0, 0, 0, 0), EXIT };
	EXPECT_RET(e, 0xffffffffull);
	struct anybpf_insn f[] = { MOV(0, 1), I(NEG64, 0, 0, 0, 0), EXIT };
	EXPECT_RET(f, ~0ull);
	struct anybpf_insn g[] = { MOV(0, 0x10000), I(MUL32_K, 0, 0, 0, 0x10000), EXIT };
	EXPECT_RET(g, 0);
	struct anybpf_insn h[] = { LDDW(0, 0x100000000ull), LDDW(1, 0x100000003ull), I(MUL64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(h, 0x300000000ull);
	/* K sign-extended to 64 bits */
	struct anybpf_insn i[] = { MOV(0, 0), I(OR64_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(i, ~0ull);
	struct anybpf_insn j[] = { MOV(0, -1), I(AND64_K, 0, 0, 0, INT32_MIN), EXIT };
	EXPECT_RET(j, 0xffffffff80000000ull);
	struct anybpf_insn k[] = { MOV(0, 0), I(XOR32_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(k, 0xffffffffull);
	struct anybpf_insn l[] = { MOV(0, 5), I(SUB64_K, 0, 0, 0, 7), EXIT };
	EXPECT_RET(l, (uint64_t)-2);
	struct anybpf_insn m[] = { MOV(0, 5), MOV(1, 7), I(SUB32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(m, 0xfffffffeull);
	struct anybpf_insn n[] = { LDDW(1, 0x1234567800000001ull), I(MOV32_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(n, 1);
	struct anybpf_insn o[] = { LDDW(0, 0xff00ff00ff00ff00ull), LDDW(1, 0x0ff00ff00ff00ff0ull),
				   I(XOR64_X, 0, 1, 0, 0), I(AND32_K, 0, 0, 0, -1), EXIT };
	EXPECT_RET(o, 0xf0f0f0f0ull); /* ff00 ^ 0ff0 = f0f0 */
	/* lddw: all 64 bits */
	struct anybpf_insn p[] = { LDDW(0, 0x8123456789abcdefull), EXIT };
	EXPECT_RET(p, 0x8123456789abcdefull);
}

TEST(vm_movsx)
{
	struct anybpf_insn a[] = { MOV(1, 0x80), I(MOVSX8_64, 0, 1, 0, 0), EXIT };
	EXPECT_RET(a, 0xffffffffffffff80ull);
	struct anybpf_insn b[] = { MOV(1, 0x7f), I(MOVSX8_64, 0, 1, 0, 0), EXIT };
	EXPECT_RET(b, 0x7f);
	struct anybpf_insn c[] = { MOV(1, 0x180), I(MOVSX8_32, 0, 1, 0, 0), EXIT };
	EXPECT_RET(c, 0xffffff80ull);
	struct anybpf_insn d[] = { MOV(1, 0x8000), I(MOVSX16_64, 0, 1, 0, 0), EXIT };
	EXPECT_RET(d, 0xffffffffffff8000ull);
	struct anybpf_insn e[] = { MOV(1, 0x18000), I(MOVSX16_32, 0, 1, 0, 0), EXIT };
	EXPECT_RET(e, 0xffff8000ull);
	struct anybpf_insn f[] = { I(MOV32_K, 1, 0, 0, INT32_MIN), I(MOVSX32_64, 0, 1, 0, 0), EXIT };
	EXPECT_RET(f, 0xffffffff80000000ull);
	struct anybpf_insn g[] = { LDDW(1, 0xffffffff7fffffffull), I(MOVSX32_64, 0, 1, 0, 0), EXIT };
	EXPECT_RET(g, 0x7fffffffull);
}

TEST(vm_byte_swaps)
{
	const uint64_t v = 0x0123456789abcdefull;
	struct { int row; uint64_t want; } t[] = {
		/* le on a little-endian host: truncate to the width */
		{ ISA_LE16, 0xcdef }, { ISA_LE32, 0x89abcdef }, { ISA_LE64, v },
		{ ISA_BE16, 0xefcd }, { ISA_BE32, 0xefcdab89 }, { ISA_BE64, 0xefcdab8967452301ull },
		{ ISA_BSWAP16, 0xefcd }, { ISA_BSWAP32, 0xefcdab89 },
		{ ISA_BSWAP64, 0xefcdab8967452301ull },
	};
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	t[0].want = 0xefcd, t[1].want = 0xefcdab89, t[2].want = 0xefcdab8967452301ull;
	t[3].want = 0xcdef, t[4].want = 0x89abcdef, t[5].want = v;
#endif
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct anybpf_insn p[] = { LDDW(0, v), mk(t[i].row, 0, 0, 0, 0), EXIT };
		EXPECT_RET(p, t[i].want);
	}
}

/* ---- jumps --------------------------------------------------------------- */

/* r0 = 1 if the jump `j` is taken, else 0; r1, r2 preset */
static uint64_t taken(struct anybpf_insn j, uint64_t r1, uint64_t r2, int line)
{
	j.dst = 1;
	j.off = 1;
	struct anybpf_insn p[] = { LDDW(1, r1), LDDW(2, r2), MOV(0, 1), j, MOV(0, 0), EXIT };
	struct t_out o;
	t_run(p, ARRAY_SIZE(p), NULL, ANYBPF_EXEC_CHECKED, 0, &o);
	uint64_t r = o.ret;
	expect_ret_(p, ARRAY_SIZE(p), NULL, r, line); /* all variants agree */
	return o.err ? 99 : r;
}
#define TAKEN(row, src, imm, r1, r2) taken(mk(ISA_##row, 1, src, 1, imm), r1, r2, __LINE__)

TEST(vm_jumps)
{
	/* jset */
	CHECK_EQ(TAKEN(JSET_K, 0, 0x11, 0x10, 0), 1);
	CHECK_EQ(TAKEN(JSET_K, 0, 0x01, 0x10, 0), 0);
	CHECK_EQ(TAKEN(JSET_X, 2, 0, 0x100000000ull, 0x100000000ull), 1);
	CHECK_EQ(TAKEN(JSET32_X, 2, 0, 0x100000000ull, 0x100000000ull), 0);
	CHECK_EQ(TAKEN(JSET32_K, 0, -1, 0x100000001ull, 0), 1);
	/* JMP32 compares the low halves */
	CHECK_EQ(TAKEN(JEQ32_K, 0, 0, 0x100000000ull, 0), 1);
	CHECK_EQ(TAKEN(JEQ_K, 0, 0, 0x100000000ull, 0), 0);
	CHECK_EQ(TAKEN(JNE32_X, 2, 0, 0x500000007ull, 0x7ull), 0);
	CHECK_EQ(TAKEN(JNE_X, 2, 0, 0x500000007ull, 0x7ull), 1);
	CHECK_EQ(TAKEN(JSGT32_K, 0, 0, 0x80000000ull, 0), 0);
	CHECK_EQ(TAKEN(JGT32_K, 0, 0, 0x80000000ull, 0), 1);
	CHECK_EQ(TAKEN(JSGT_K, 0, 0, 0x80000000ull, 0), 1);
	CHECK_EQ(TAKEN(JSLT_K, 0, 0, ~0ull, 0), 1);
	CHECK_EQ(TAKEN(JLT_K, 0, 0, ~0ull, 0), 0);
	CHECK_EQ(TAKEN(JSLE32_X, 2, 0, 0xffffffffull, 0x1ffffffffull), 1); /* -1 <= -1 */
	CHECK_EQ(TAKEN(JSLT32_X, 2, 0, 0xffffffffull, 0x1ffffffffull), 0);
	CHECK_EQ(TAKEN(JSGE32_K, 0, -1, 0xffffffffull, 0), 1);
	CHECK_EQ(TAKEN(JSGE_K, 0, -1, 0xffffffffull, 0), 1); /* 4294967295 >= -1 */
	CHECK_EQ(TAKEN(JSGE_X, 2, 0, ~0ull, 0), 0);           /* -1 >= 0 */
	CHECK_EQ(TAKEN(JGE_X, 2, 0, ~0ull, 0), 1);
	CHECK_EQ(TAKEN(JLE_K, 0, 5, 5, 0), 1);
	CHECK_EQ(TAKEN(JLE32_K, 0, 5, 0x700000006ull, 0), 0);
	CHECK_EQ(TAKEN(JLT32_X, 2, 0, 0x700000005ull, 0x6ull), 1);
	CHECK_EQ(TAKEN(JGE32_X, 2, 0, 0x5ull, 0x700000006ull), 0);
	CHECK_EQ(TAKEN(JGT_X, 2, 0, 0x100000000ull, 0xffffffffull), 1);
	CHECK_EQ(TAKEN(JGT32_X, 2, 0, 0x100000000ull, 0xffffffffull), 0);
	CHECK_EQ(TAKEN(JSLE_K, 0, -2, (uint64_t)-3, 0), 1);
	CHECK_EQ(TAKEN(JSLE32_K, 0, -2, 0xfffffffdull, 0), 1);
	CHECK_EQ(TAKEN(JSGT32_X, 2, 0, 1, 0xffffffffull), 1);  /* 1 > -1 */
	CHECK_EQ(TAKEN(JSLT_X, 2, 0, (uint64_t)-2, (uint64_t)-1), 1);
	CHECK_EQ(TAKEN(JSLT32_K, 0, 0, 0x80000000ull, 0), 1);
	CHECK_EQ(TAKEN(JLE_X, 2, 0, 3, 2), 0);
	CHECK_EQ(TAKEN(JLE32_X, 2, 0, 0x100000003ull, 3), 1);
	CHECK_EQ(TAKEN(JGE_K, 0, -1, ~0ull, 0), 1);  /* imm -1 is 2^64 - 1 */
	CHECK_EQ(TAKEN(JGE32_K, 0, -1, ~0ull, 0), 1);
	CHECK_EQ(TAKEN(JLT32_K, 0, -1, 0xfffffffeull, 0), 1);
	CHECK_EQ(TAKEN(JNE32_K, 0, 7, 0x100000007ull, 0), 0);
	CHECK_EQ(TAKEN(JSGE32_X, 2, 0, 0x80000000ull, 0), 0);
	CHECK_EQ(TAKEN(JEQ_X, 2, 0, 0x100000000ull, 0), 0);
	CHECK_EQ(TAKEN(JEQ32_X, 2, 0, 0x100000000ull, 0), 1);
	/* imm sign-extension: -1 matches r1 = 2^64-1 but not 0xffffffff in
	 * 64 bits; in 32 bits it does */
	CHECK_EQ(TAKEN(JEQ_K, 0, -1, ~0ull, 0), 1);
	CHECK_EQ(TAKEN(JEQ_K, 0, -1, 0xffffffffull, 0), 0);
	CHECK_EQ(TAKEN(JEQ32_K, 0, -1, 0xffffffffull, 0), 1);
	CHECK_EQ(TAKEN(JNE_K, 0, -1, 0xffffffffull, 0), 1);
	CHECK_EQ(TAKEN(JGT_K, 0, 0, 1, 0), 1);
	CHECK_EQ(TAKEN(JSGT_X, 2, 0, (uint64_t)-1, (uint64_t)-2), 1);
}

TEST(vm_ja_ja32_and_loops)
{
	/* ja +1 and ja32 +1 skip one instruction */
	struct anybpf_insn a[] = { MOV(0, 1), I(JA, 0, 0, 1, 0), MOV(0, 2), EXIT };
	EXPECT_RET(a, 1);
	struct anybpf_insn b[] = { MOV(0, 1), I(JA32, 0, 0, 0, 1), MOV(0, 2), EXIT };
	EXPECT_RET(b, 1);
	/* ja32 backward in a loop: r0 += 3 five times.
	 * 0: r0 = 0; 1: r1 = 5; 2: if r1 == 0 goto +3 (exit at 6)
	 * 3: r0 += 3; 4: r1 -= 1; 5: gotol -4 (to 2); 6: exit */
	struct anybpf_insn c[] = { MOV(0, 0), MOV(1, 5), I(JEQ_K, 1, 0, 3, 0), I(ADD64_K, 0, 0, 0, 3),
				   I(SUB64_K, 1, 0, 0, 1), I(JA32, 0, 0, 0, -4), EXIT };
	/* executed: 2 + 5 * 4 + 1 (final compare) + 1 (exit) = 24 */
	CHECK_EQ(EXPECT_RET(c, 15), 24);
	/* the fast mode charges the distance of each taken backward jump:
	 * 5 times 4 */
	for (int sw = 0; sw < 2; sw++) {
		struct t_out o;
		t_run(c, ARRAY_SIZE(c), NULL, ANYBPF_EXEC_FAST, sw, &o);
		CHECK(o.err == 0 && o.ret == 15);
		CHECK_EQ(o.insns, 20);
	}
}

/* ---- memory -------------------------------------------------------------- */

TEST(vm_loads_stores)
{
	/* sign-extending loads */
	struct anybpf_insn a[] = { I(STB, 10, 0, -1, 0x80), I(LDXSB, 0, 10, -1, 0), EXIT };
	EXPECT_RET(a, 0xffffffffffffff80ull);
	struct anybpf_insn b[] = { I(STB, 10, 0, -1, 0x80), I(LDXB, 0, 10, -1, 0), EXIT };
	EXPECT_RET(b, 0x80);
	struct anybpf_insn c[] = { I(STH, 10, 0, -2, 0x8001), I(LDXSH, 0, 10, -2, 0), EXIT };
	EXPECT_RET(c, 0xffffffffffff8001ull);
	struct anybpf_insn d[] = { I(STW, 10, 0, -4, INT32_MIN), I(LDXSW, 0, 10, -4, 0), EXIT };
	EXPECT_RET(d, 0xffffffff80000000ull);
	struct anybpf_insn e[] = { I(STW, 10, 0, -4, INT32_MIN), I(LDXW, 0, 10, -4, 0), EXIT };
	EXPECT_RET(e, 0x80000000ull);
	/* stdw sign-extends its imm; stb truncates */
	struct anybpf_insn f[] = { I(STDW, 10, 0, -8, -2), I(LDXDW, 0, 10, -8, 0), EXIT };
	EXPECT_RET(f, (uint64_t)-2);
	struct anybpf_insn g[] = { MOV(1, 0x1ff), I(STXB, 10, 1, -3, 0), I(LDXB, 0, 10, -3, 0), EXIT };
	EXPECT_RET(g, 0xff);
	/* unaligned, little-endian */
	struct anybpf_insn h[] = { LDDW(1, 0x1122334455667788ull), I(STXDW, 10, 1, -13, 0),
				   I(LDXH, 0, 10, -12, 0), EXIT };
	EXPECT_RET(h, 0x6677); /* bytes from r10 - 13: 88 77 66 ... */
	/* the stack starts zeroed */
	struct anybpf_insn i[] = { I(LDXDW, 0, 10, -512, 0), EXIT };
	EXPECT_RET(i, 0);
	/* r1 = the memory region passed in */
	uint8_t mem[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct anybpf_region reg = { mem, sizeof(mem), ANYBPF_REGION_RW, "mem" };
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .args = { (uintptr_t)mem, sizeof(mem) },
				       .regions = &reg, .nregions = 1 };
	struct t_cfg cfg = { .opts = &eo };
	struct anybpf_insn j[] = { I(LDXW, 0, 1, 4, 0), I(STXW, 1, 0, 0, 0), EXIT };
	EXPECT_RET_CFG(j, &cfg, 0x08070605);
	CHECK(mem[0] == 5 && mem[3] == 8);
}

TEST(vm_atomics)
{
	/* fetch add 64: old value into src, sum into memory */
	struct anybpf_insn a[] = { I(STDW, 10, 0, -8, 10), MOV(1, 5), I(AFADD64, 10, 1, -8, 0),
				   I(LDXDW, 0, 10, -8, 0), I(LSH64_K, 0, 0, 0, 8), I(OR64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(a, 15 << 8 | 10);
	/* add without fetch leaves src alone */
	struct anybpf_insn b[] = { I(STDW, 10, 0, -8, 10), MOV(1, 5), I(AADD64, 10, 1, -8, 0),
				   I(LDXDW, 0, 10, -8, 0), I(LSH64_K, 0, 0, 0, 8), I(OR64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(b, 15 << 8 | 5);
	/* 32-bit fetch add: wraps in 32 bits, leaves the next word, and the
	 * old value comes back zero-extended */
	struct anybpf_insn c[] = { I(STW, 10, 0, -8, -1), I(STW, 10, 0, -4, 0x77), LDDW(1, 0xaaaaaaaa00000001ull),
				   I(AFADD32, 10, 1, -8, 0), I(LDXDW, 0, 10, -8, 0), I(ADD64_X, 0, 1, 0, 0), EXIT };
	/* memory: low word 0, high word 0x77 -> 0x7700000000; r1 = 0xffffffff */
	EXPECT_RET(c, 0x77ffffffffull);
	/* or / and / xor, with and without fetch */
	struct anybpf_insn d[] = { I(STDW, 10, 0, -8, 0x0c), MOV(1, 0x0a), I(AFOR64, 10, 1, -8, 0),
				   MOV(2, 0x06), I(AAND64, 10, 2, -8, 0), MOV(3, 0xff), I(AFXOR64, 10, 3, -8, 0),
				   I(LDXDW, 0, 10, -8, 0), I(LSH64_K, 0, 0, 0, 16), I(OR64_X, 0, 1, 0, 0),
				   I(LSH64_K, 0, 0, 0, 8), I(OR64_X, 0, 3, 0, 0), EXIT };
	/* 0xc | 0xa = 0xe (r1 = 0xc); 0xe & 6 = 6; 6 ^ 0xff = 0xf9 (r3 = 6);
	 * r0 = 0xf9 << 16 | 0xc, << 8 | 6 */
	EXPECT_RET(d, 0xf9000c06ull);
	struct anybpf_insn e[] = { I(STW, 10, 0, -4, 0x0c), MOV(1, 0x0a), I(AFAND32, 10, 1, -4, 0),
				   MOV(2, 0x01), I(AOR32, 10, 2, -4, 0), MOV(3, 0x3), I(AXOR32, 10, 3, -4, 0),
				   MOV(4, 1), I(AFOR32, 10, 4, -4, 0), MOV(5, 2), I(AFXOR32, 10, 5, -4, 0),
				   I(LDXW, 0, 10, -4, 0), I(LSH64_K, 0, 0, 0, 8), I(OR64_X, 0, 1, 0, 0),
				   I(LSH64_K, 0, 0, 0, 8), I(OR64_X, 0, 4, 0, 0), I(LSH64_K, 0, 0, 0, 8),
				   I(OR64_X, 0, 5, 0, 0), EXIT };
	/* c & a = 8 (r1 = c); 8 | 1 = 9; 9 ^ 3 = a; a | 1 = b (r4 = a);
	 * b ^ 2 = 9 (r5 = b) -> 0x090c0a0b */
	EXPECT_RET(e, 0x090c0a0bull);
	/* xchg */
	struct anybpf_insn f[] = { I(STDW, 10, 0, -8, 3), MOV(1, 4), I(AXCHG64, 10, 1, -8, 0),
				   I(LDXDW, 0, 10, -8, 0), I(LSH64_K, 0, 0, 0, 8), I(OR64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(f, 0x403);
	struct anybpf_insn f32[] = { I(STDW, 10, 0, -8, -1), LDDW(1, 0x1200000004ull), I(AXCHG32, 10, 1, -8, 0),
				     I(LDXDW, 0, 10, -8, 0), I(ADD64_X, 0, 1, 0, 0), EXIT };
	/* memory: 0xffffffff_00000004; r1 = 0xffffffff; sum wraps to 0x3 + 2^32*0xffffffff... */
	EXPECT_RET(f32, 0xffffffff00000004ull + 0xffffffffull);
	/* cmpxchg: equal -> store, r0 = old */
	struct anybpf_insn g[] = { I(STDW, 10, 0, -8, 7), MOV(0, 7), MOV(1, 9), I(ACMPXCHG64, 10, 1, -8, 0),
				   I(LDXDW, 2, 10, -8, 0), I(LSH64_K, 2, 0, 0, 8), I(OR64_X, 0, 2, 0, 0), EXIT };
	EXPECT_RET(g, 0x907);
	/* not equal -> memory unchanged, r0 = old */
	struct anybpf_insn h[] = { I(STDW, 10, 0, -8, 7), MOV(0, 6), MOV(1, 9), I(ACMPXCHG64, 10, 1, -8, 0),
				   I(LDXDW, 2, 10, -8, 0), I(LSH64_K, 2, 0, 0, 8), I(OR64_X, 0, 2, 0, 0), EXIT };
	EXPECT_RET(h, 0x707);
	/* 32-bit: compares the low half of r0, old value zero-extended */
	struct anybpf_insn i[] = { I(STW, 10, 0, -4, -2), LDDW(0, 0x55fffffffeull), MOV(1, 1),
				   I(ACMPXCHG32, 10, 1, -4, 0), I(LDXW, 2, 10, -4, 0), I(LSH64_K, 2, 0, 0, 32),
				   I(OR64_X, 0, 2, 0, 0), EXIT };
	EXPECT_RET(i, 0x1fffffffeull);
	/* misaligned atomics are done on a copy: same result */
	struct anybpf_insn j[] = { I(STDW, 10, 0, -9, 10), MOV(1, 5), I(AFADD64, 10, 1, -9, 0),
				   I(LDXDW, 0, 10, -9, 0), I(LSH64_K, 0, 0, 0, 8), I(OR64_X, 0, 1, 0, 0), EXIT };
	EXPECT_RET(j, 15 << 8 | 10);
}

TEST(vm_ld_abs_ind)
{
	static const uint8_t pkt[5] = { 0x12, 0x34, 0x56, 0x78, 0x9a };
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .pkt = pkt, .pkt_len = sizeof(pkt) };
	struct t_cfg cfg = { .opts = &eo };
	struct anybpf_insn a[] = { I(LDABSW, 0, 0, 0, 0), EXIT };
	EXPECT_RET_CFG(a, &cfg, 0x12345678);
	struct anybpf_insn b[] = { I(LDABSH, 0, 0, 0, 3), EXIT };
	EXPECT_RET_CFG(b, &cfg, 0x789a);
	struct anybpf_insn c[] = { I(LDABSB, 0, 0, 0, 4), EXIT };
	EXPECT_RET_CFG(c, &cfg, 0x9a);
	struct anybpf_insn d[] = { MOV(1, 1), I(LDINDH, 0, 1, 0, 1), EXIT };
	EXPECT_RET_CFG(d, &cfg, 0x5678);
	struct anybpf_insn d2[] = { MOV(6, 3), I(LDINDB, 0, 6, 0, 1), EXIT };
	EXPECT_RET_CFG(d2, &cfg, 0x9a);
	struct anybpf_insn d3[] = { MOV(6, 1), I(LDINDW, 0, 6, 0, 0), EXIT };
	EXPECT_RET_CFG(d3, &cfg, 0x3456789a);
	/* out of bounds ends the program with r0 = 0, not reaching r0 = 99 */
	struct anybpf_insn e[] = { MOV(0, 7), I(LDABSW, 0, 0, 0, 2), MOV(0, 99), EXIT };
	EXPECT_RET_CFG(e, &cfg, 0);
	struct anybpf_insn f[] = { MOV(0, 7), I(LDABSB, 0, 0, 0, 5), MOV(0, 99), EXIT };
	EXPECT_RET_CFG(f, &cfg, 0);
	struct anybpf_insn g[] = { MOV(0, 7), MOV(1, -1), I(LDINDB, 0, 1, 0, 0), MOV(0, 99), EXIT };
	EXPECT_RET_CFG(g, &cfg, 0);
	struct anybpf_insn h[] = { MOV(0, 7), I(LDABSB, 0, 0, 0, -1), MOV(0, 99), EXIT };
	EXPECT_RET_CFG(h, &cfg, 0);
	/* no packet at all */
	struct anybpf_insn i[] = { MOV(0, 7), I(LDABSB, 0, 0, 0, 0), MOV(0, 99), EXIT };
	EXPECT_RET(i, 0);
	/* inside a bpf-to-bpf call it ends the whole program */
	struct anybpf_insn j[] = { MOV(0, 7), I(CALL_LOCAL, 0, 0, 0, 2), MOV(0, 99), EXIT,
				   I(LDABSB, 0, 0, 0, 9), EXIT };
	EXPECT_RET_CFG(j, &cfg, 0);
}

/* ---- calls and frames ---------------------------------------------------- */

TEST(vm_local_calls)
{
	/* the callee has its own frame (call_local_use_stack) and r6-r9 are
	 * restored; r0 is the callee's */
	struct anybpf_insn a[] = {
		MOV(0, 0x55), I(STXW, 10, 0, -4, 0), MOV(6, 1), MOV(9, 4),
		I(CALL_LOCAL, 0, 0, 0, 5),
		I(LDXW, 0, 10, -4, 0), I(ADD64_X, 0, 6, 0, 0), I(ADD64_X, 0, 9, 0, 0),
		I(ADD64_X, 0, 1, 0, 0), EXIT,
		/* 10: func */
		MOV(0, 0x66), I(STXW, 10, 0, -4, 0), MOV(6, 100), MOV(9, 100), MOV(1, 0x1000), EXIT,
	};
	/* 0x55 + 1 + 4 + 0x1000 (r1 is not restored) */
	EXPECT_RET(a, 0x55 + 1 + 4 + 0x1000);
	/* a callee may use its caller's frame through a pointer */
	struct anybpf_insn b[] = {
		MOV(1, 0), I(STXDW, 10, 1, -8, 0), I(MOV64_X, 1, 10, 0, 0), I(ADD64_K, 1, 0, 0, -8),
		I(CALL_LOCAL, 0, 0, 0, 2), I(LDXDW, 0, 10, -8, 0), EXIT,
		/* 7 */
		MOV(2, 42), I(STXDW, 1, 2, 0, 0), EXIT,
	};
	EXPECT_RET(b, 42);
	/* r10 of the callee is 512 below the caller's */
	struct anybpf_insn c2[] = {
		I(MOV64_X, 6, 10, 0, 0), I(CALL_LOCAL, 0, 0, 0, 3), I(SUB64_X, 6, 0, 0, 0),
		I(MOV64_X, 0, 6, 0, 0), EXIT,
		I(MOV64_X, 0, 10, 0, 0), EXIT,
	};
	EXPECT_RET(c2, 512);
}

TEST(vm_call_depth)
{
	/* f(r1) = r1 == 0 ? 0 : f(r1 - 1) + 1, called with r1 = N:
	 * 0: call f (+1 -> 2); 1: exit
	 * 2: r0 = 0; 3: if r1 == 0 goto +3; 4: r1 -= 1; 5: call f (-4 -> 2);
	 * 6: r0 += 1; 7: exit  -- but the jump at 3 lands on 7: r0 = 0 */
	struct anybpf_insn p[] = {
		I(CALL_LOCAL, 0, 0, 0, 1), EXIT,
		MOV(0, 0), I(JEQ_K, 1, 0, 3, 0), I(SUB64_K, 1, 0, 0, 1), I(CALL_LOCAL, 0, 0, 0, -4),
		I(ADD64_K, 0, 0, 0, 1), EXIT,
	};
	/* default 8 frames: main + f(6) .. f(0) = 8 frames */
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .args = { 6 } };
	struct t_cfg cfg = { .opts = &eo };
	EXPECT_RET_CFG(p, &cfg, 6);
	eo.args[0] = 7; /* 9 frames */
	EXPECT_ERR_CFG(p, &cfg, ANYBPF_EXEC_CHECKED, CALL_DEPTH, "call depth limit");
	EXPECT_ERR_CFG(p, &cfg, ANYBPF_EXEC_FAST, CALL_DEPTH, "the limit is 8");
	/* configurable: 3 frames allow f(1), not f(2) */
	struct t_cfg c3 = { .opts = &eo, .call_depth = 3 };
	eo.args[0] = 1;
	EXPECT_RET_CFG(p, &c3, 1);
	eo.args[0] = 2;
	EXPECT_ERR_CFG(p, &c3, ANYBPF_EXEC_CHECKED, CALL_DEPTH, "pc 5: call depth");
	/* deeper than the on-stack default: 100 frames (main + f(98)..f(0)) */
	struct t_cfg c100 = { .opts = &eo, .call_depth = 100 };
	eo.args[0] = 98;
	EXPECT_RET_CFG(p, &c100, 98);
	eo.args[0] = 99;
	EXPECT_ERR_CFG(p, &c100, ANYBPF_EXEC_FAST, CALL_DEPTH, "the limit is 100");
}

TEST(vm_callx)
{
	/* lddw r1 = func (src 4), callx r1 */
	struct anybpf_insn a[] = {
		I(LDDW_FUNC, 1, 0, 0, 4), HI(0), I(CALLX, 1, 0, 0, 0), I(ADD64_K, 0, 0, 0, 1), EXIT,
		/* 6: f */ MOV(0, 41), EXIT,
	};
	EXPECT_RET(a, 42);
	/* a plain number is not a function */
	struct anybpf_insn b[] = { MOV(1, 12345), I(CALLX, 1, 0, 0, 0), EXIT };
	EXPECT_ERR(b, CALLX, "callx r1 = 0x3039 is not the address of a function");
	/* nor is the second instruction of a function */
	struct anybpf_insn c[] = {
		I(LDDW_FUNC, 2, 0, 0, 4), HI(0), I(ADD64_K, 2, 0, 0, 8), I(CALLX, 2, 0, 0, 0), EXIT,
		/* 6: f */ MOV(0, 41), EXIT,
	};
	EXPECT_ERR(c, CALLX, "callx r2");
	struct anybpf_insn d[] = {
		I(LDDW_FUNC, 2, 0, 0, 4), HI(0), I(ADD64_K, 2, 0, 0, 1), I(CALLX, 2, 0, 0, 0), EXIT,
		/* 6: f */ MOV(0, 41), EXIT,
	};
	EXPECT_ERR_CFG(d, NULL, ANYBPF_EXEC_FAST, CALLX, "callx r2");
}

TEST(vm_budget)
{
	/* 0: r0 = 0; 1: r0 += 1; 2: if r1 != 1 goto -2 (never stops) */
	struct anybpf_insn loop[] = { MOV(0, 0), I(ADD64_K, 0, 0, 0, 1), I(JNE_K, 1, 0, -2, 1), EXIT };
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .budget = 1000 };
	struct t_cfg cfg = { .opts = &eo };
	EXPECT_ERR_CFG(loop, &cfg, ANYBPF_EXEC_CHECKED, BUDGET, "instruction budget of 1000 exhausted");
	EXPECT_ERR_CFG(loop, &cfg, ANYBPF_EXEC_FAST, BUDGET, "budget");
	/* the default budget also ends it */
	EXPECT_ERR_CFG(loop, NULL, ANYBPF_EXEC_FAST, BUDGET, "budget");
	/* checking mode counts exactly: 3 instructions fit a budget of 3 */
	struct anybpf_insn three[] = { MOV(0, 1), MOV(0, 2), EXIT };
	eo.budget = 3;
	CHECK_EQ(EXPECT_RET_CFG(three, &cfg, 2), 3);
	eo.budget = 2;
	EXPECT_ERR_CFG(three, &cfg, ANYBPF_EXEC_CHECKED, BUDGET, "pc 2: instruction budget of 2");
	/* infinite recursion through a loop of calls: the budget, not a hang */
	struct anybpf_insn rec[] = { I(CALL_LOCAL, 0, 0, 0, 1), I(JA, 0, 0, -2, 0), MOV(0, 1), EXIT };
	eo.budget = 100000;
	EXPECT_ERR_CFG(rec, &cfg, ANYBPF_EXEC_FAST, BUDGET, "budget");
	EXPECT_ERR_CFG(rec, &cfg, ANYBPF_EXEC_CHECKED, BUDGET, "budget");
}

/* ---- checking mode ------------------------------------------------------- */

TEST(vm_checked_stack)
{
	struct anybpf_insn a[] = { I(STB, 10, 0, 16, 0), EXIT };
	EXPECT_ERR(a, OOB, "pc 0: out-of-bounds store of 1 byte at 0x");
	EXPECT_ERR(a, OOB, ": 16 bytes past the end of stack frame 0 [0x");
	struct anybpf_insn b[] = { I(LDXDW, 0, 10, -520, 0), EXIT };
	EXPECT_ERR(b, OOB, "out-of-bounds load of 8 bytes at 0x");
	EXPECT_ERR(b, OOB, "bytes before the start of stack frame 0");
	struct anybpf_insn c[] = { I(STW, 10, 0, -2, 0), EXIT };
	EXPECT_ERR(c, OOB, "crosses the end of stack frame 0");
	/* at the edges: fine */
	struct anybpf_insn d[] = { I(STDW, 10, 0, -512, 1), I(STB, 10, 0, -1, 1), I(LDXDW, 0, 10, -512, 0), EXIT };
	EXPECT_RET(d, 1);
	/* the caller's frame is in use during a call; the next frame is not */
	struct anybpf_insn e[] = { I(STB, 10, 0, -513, 0), EXIT };
	EXPECT_ERR(e, OOB, "1 byte before the start of stack frame 0");
	/* after the callee returns, its frame is no longer in use */
	struct anybpf_insn f[] = { I(CALL_LOCAL, 0, 0, 0, 2), I(LDXB, 1, 0, 0, 0), EXIT,
				   I(MOV64_X, 0, 10, 0, 0), I(ADD64_K, 0, 0, 0, -1), EXIT };
	EXPECT_ERR(f, OOB, "pc 1: out-of-bounds load of 1 byte");
	/* the fast mode does not check: the same store inside the buffer works */
	struct anybpf_insn g[] = { I(STB, 10, 0, -600, 7), I(LDXB, 0, 10, -600, 0), EXIT };
	EXPECT_ERR(g, OOB, "stack frame 0");
	struct t_out o;
	t_run(g, ARRAY_SIZE(g), NULL, ANYBPF_EXEC_FAST, 0, &o);
	CHECK(o.err == 0 && o.ret == 7);
}

TEST(vm_checked_regions_and_overflow)
{
	uint8_t ctx[16] = { 0 }, ro[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct anybpf_region regs[] = {
		{ ctx, sizeof(ctx), ANYBPF_REGION_RW, "ctx" },
		{ ro, sizeof(ro), ANYBPF_REGION_R, "ro" },
	};
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .args = { (uintptr_t)ctx, (uintptr_t)ro },
				       .regions = regs, .nregions = 2 };
	struct t_cfg cfg = { .opts = &eo };
	struct anybpf_insn a[] = { I(LDXW, 0, 1, 12, 0), I(LDXDW, 3, 2, 0, 0), I(ADD64_X, 0, 3, 0, 0), EXIT };
	EXPECT_RET_CFG(a, &cfg, 0x0807060504030201ull);
	struct anybpf_insn b[] = { I(LDXW, 0, 1, 14, 0), EXIT };
	EXPECT_ERR_CFG(b, &cfg, ANYBPF_EXEC_CHECKED, OOB, "out-of-bounds load of 4 bytes at 0x");
	EXPECT_ERR_CFG(b, &cfg, ANYBPF_EXEC_CHECKED, OOB, "crosses the end of ctx [0x");
	struct anybpf_insn c[] = { I(STB, 2, 0, 0, 1), EXIT };
	EXPECT_ERR_CFG(c, &cfg, ANYBPF_EXEC_CHECKED, OOB, "ro [0x");
	EXPECT_ERR_CFG(c, &cfg, ANYBPF_EXEC_CHECKED, OOB, "is read-only");
	struct anybpf_insn c2[] = { MOV(3, 1), I(AADD32, 2, 3, 0, 0), EXIT };
	EXPECT_ERR_CFG(c2, &cfg, ANYBPF_EXEC_CHECKED, OOB, "out-of-bounds atomic access of 4 bytes");
	CHECK_EQ(ro[0], 1);
	/* wild pointers */
	struct anybpf_insn d[] = { MOV(1, 0), I(LDXB, 0, 1, 0, 0), EXIT };
	EXPECT_ERR(d, OOB, "pc 1: out-of-bounds load of 1 byte at 0x0: ");
	/* address arithmetic overflow: 0xffffffffffffffff + 1, -16 + 16 */
	struct anybpf_insn e[] = { MOV(1, -1), I(LDXB, 0, 1, 1, 0), EXIT };
	EXPECT_ERR(e, OOB, "at 0xffffffffffffffff + 1: the address arithmetic overflows");
	struct anybpf_insn f[] = { MOV(6, -16), I(STB, 6, 0, 16, 0), EXIT };
	EXPECT_ERR(f, OOB, "pc 1: out-of-bounds store of 1 byte at 0xfffffffffffffff0 + 16");
	struct anybpf_insn g[] = { MOV(6, 1), I(STB, 6, 0, -2, 0), EXIT };
	EXPECT_ERR(g, OOB, "at 0x1 - 2: the address arithmetic overflows");
	/* the last bytes of the address space: the range wraps */
	struct anybpf_insn h[] = { MOV(6, -2), I(LDXW, 0, 6, 0, 0), EXIT };
	EXPECT_ERR(h, OOB, "wraps around");
}

/* a helper that hands out a buffer; with r1 != 0 it also registers it */
static uint8_t hbuf[4] = { 9, 8, 7, 6 };
static uint64_t give_buf(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 anybpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (r1)
		CHECK_EQ(anybpf_run_add_region(run, hbuf, sizeof(hbuf), ANYBPF_REGION_R, "hbuf"), 0);
	return (uintptr_t)hbuf;
}
/* reads r2 bytes at r1 after asking the run */
static uint64_t read_mem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 anybpf_run *run)
{
	(void)r3, (void)r4, (void)r5;
	if (anybpf_run_check(run, r1, r2, 0))
		return 0;
	return *(uint8_t *)(uintptr_t)r1;
}
static uint64_t user_val(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 anybpf_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	return *(uint64_t *)anybpf_run_user(run);
}
static int setup_helpers(anybpf_vm *vm)
{
	struct anybpf_helper_proto p = { .sz = sizeof(p), .name = "give_buf" };
	int err = anybpf_vm_register_helper(vm, 70000, give_buf, &p);
	if (!err)
		err = anybpf_vm_register_helper(vm, 7, read_mem, NULL);
	if (!err)
		err = anybpf_vm_register_helper(vm, 299, user_val, NULL);
	return err;
}

TEST(vm_helpers)
{
	/* gather_bytes(1..5) */
	struct anybpf_insn a[] = { MOV(1, 1), MOV(2, 2), MOV(3, 3), MOV(4, 4), MOV(5, 0x105),
				   I(CALL, 0, 0, 0, 0), EXIT };
	EXPECT_RET(a, 0x0102030405ull);
	/* sqrti */
	struct anybpf_insn b[] = { MOV(1, 16), I(CALL, 0, 0, 0, 3), EXIT };
	EXPECT_RET(b, 4);
	struct anybpf_insn b2[] = { MOV(1, -1), I(CALL, 0, 0, 0, 3), EXIT };
	EXPECT_RET(b2, 0xffffffffull);
	struct anybpf_insn b3[] = { MOV(1, 24), I(CALL, 0, 0, 0, 3), EXIT };
	EXPECT_RET(b3, 4);
	/* memfrob over 2 bytes on the stack: 0x2a ^ 42 = 0, 0x00 ^ 42 = 0x2a */
	struct anybpf_insn c[] = { I(STH, 10, 0, -2, 0x002a), I(MOV64_X, 1, 10, 0, 0), I(ADD64_K, 1, 0, 0, -2),
				   MOV(2, 2), I(CALL, 0, 0, 0, 1), I(LDXH, 0, 10, -2, 0), EXIT };
	EXPECT_RET(c, 0x2a00);
	/* strcmp_ext on stack strings "ab" and "ac" */
	struct anybpf_insn d[] = { I(STW, 10, 0, -4, 0x6261), I(STW, 10, 0, -8, 0x6361),
				   I(MOV64_X, 1, 10, 0, 0), I(ADD64_K, 1, 0, 0, -4), I(MOV64_X, 2, 10, 0, 0),
				   I(ADD64_K, 2, 0, 0, -8), I(CALL, 0, 0, 0, 4), I(MOV64_X, 1, 0, 0, 0),
				   MOV(0, 1), I(JSLT_K, 1, 0, 1, 0), MOV(0, 0), EXIT };
	EXPECT_RET(d, 1); /* "ab" < "ac" */
	struct anybpf_insn d2[] = { I(STW, 10, 0, -4, 0x6261), I(MOV64_X, 1, 10, 0, 0),
				    I(ADD64_K, 1, 0, 0, -4), I(MOV64_X, 2, 1, 0, 0), I(CALL, 0, 0, 0, 4), EXIT };
	EXPECT_RET(d2, 0);
	/* unwind(0) ends the program with r0 = 0; unwind(3) returns 3 */
	struct anybpf_insn e[] = { MOV(1, 0), I(CALL, 0, 0, 0, 5), MOV(0, 2), EXIT };
	EXPECT_RET(e, 0);
	struct anybpf_insn e2[] = { MOV(1, 3), I(CALL, 0, 0, 0, 5), I(ADD64_K, 0, 0, 0, 2), EXIT };
	EXPECT_RET(e2, 5);
	/* unwind from inside a local call ends everything */
	struct anybpf_insn e3[] = { I(CALL_LOCAL, 0, 0, 0, 2), MOV(0, 2), EXIT,
				    MOV(1, 0), I(CALL, 0, 0, 0, 5), MOV(0, 9), EXIT };
	EXPECT_RET(e3, 0);
	/* r6-r9 survive a helper call */
	struct anybpf_insn f[] = { MOV(6, 1), MOV(9, 2), MOV(1, 5), I(CALL, 0, 0, 0, 2),
				   I(MOV64_X, 0, 6, 0, 0), I(ADD64_X, 0, 9, 0, 0), EXIT };
	EXPECT_RET(f, 3);
	/* sparse ids, regions added by a helper, anybpf_run_user */
	uint64_t uv = 0x1234;
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .user = &uv };
	struct t_cfg cfg = { .opts = &eo, .setup = setup_helpers };
	struct anybpf_insn g[] = { MOV(1, 1), I(CALL, 0, 0, 0, 70000), I(LDXB, 0, 0, 3, 0), EXIT };
	EXPECT_RET_CFG(g, &cfg, 6);
	struct anybpf_insn g2[] = { MOV(1, 0), I(CALL, 0, 0, 0, 70000), I(LDXB, 0, 0, 3, 0), EXIT };
	EXPECT_ERR_CFG(g2, &cfg, ANYBPF_EXEC_CHECKED, OOB, "pc 2: out-of-bounds load of 1 byte");
	struct anybpf_insn g3[] = { MOV(1, 1), I(CALL, 0, 0, 0, 70000), I(STB, 0, 0, 3, 0), EXIT };
	EXPECT_ERR_CFG(g3, &cfg, ANYBPF_EXEC_CHECKED, OOB, "hbuf [0x");
	struct anybpf_insn h[] = { I(CALL, 0, 0, 0, 299), EXIT };
	EXPECT_RET_CFG(h, &cfg, 0x1234);
	/* a helper's own check failing ends the run with the error */
	struct anybpf_insn i[] = { MOV(1, 8), MOV(2, 1), I(CALL, 0, 0, 0, 7), MOV(0, 1), EXIT };
	EXPECT_ERR_CFG(i, &cfg, ANYBPF_EXEC_CHECKED, OOB, "pc 2: helper read of 1 byte at 0x8");
	struct anybpf_insn i2[] = { I(MOV64_X, 1, 10, 0, 0), I(ADD64_K, 1, 0, 0, -1), MOV(2, 1),
				    I(CALL, 0, 0, 0, 7), EXIT };
	EXPECT_RET_CFG(i2, &cfg, 0);
}

TEST(vm_helper_arg_checks)
{
	/* memfrob writes 16 bytes from r10 - 8: past the end of the frame */
	struct anybpf_insn a[] = { I(MOV64_X, 1, 10, 0, 0), I(ADD64_K, 1, 0, 0, -8), MOV(2, 16),
				   I(CALL, 0, 0, 0, 1), EXIT };
	EXPECT_ERR(a, OOB, "pc 3: helper memfrob (id 1) argument 1 (r1): out-of-bounds write of 16 bytes");
	EXPECT_ERR(a, OOB, "crosses the end of stack frame 0");
	/* into a read-only region */
	uint8_t ro[8] = { 0 };
	struct anybpf_region reg = { ro, sizeof(ro), ANYBPF_REGION_R, "ro" };
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .args = { (uintptr_t)ro, 4 },
				       .regions = &reg, .nregions = 1 };
	struct t_cfg cfg = { .opts = &eo };
	struct anybpf_insn b[] = { I(CALL, 0, 0, 0, 1), EXIT };
	EXPECT_ERR_CFG(b, &cfg, ANYBPF_EXEC_CHECKED, OOB, "ro [0x");
	EXPECT_ERR_CFG(b, &cfg, ANYBPF_EXEC_CHECKED, OOB, "is read-only");
	CHECK_EQ(ro[0], 0);
	/* a size of 0 touches nothing */
	eo.args[0] = 0;
	eo.args[1] = 0;
	EXPECT_RET_CFG(b, &cfg, 0);
	/* strcmp_ext: a string running to the end of the region without NUL */
	uint8_t s[4] = { 'a', 'b', 'c', 'd' };
	struct anybpf_region sreg = { s, sizeof(s), ANYBPF_REGION_R, "str" };
	struct anybpf_exec_opts eo2 = { .sz = sizeof(eo2), .args = { (uintptr_t)s, (uintptr_t)s },
					.regions = &sreg, .nregions = 1 };
	struct t_cfg cfg2 = { .opts = &eo2 };
	struct anybpf_insn c[] = { I(CALL, 0, 0, 0, 4), EXIT };
	EXPECT_ERR_CFG(c, &cfg2, ANYBPF_EXEC_CHECKED, OOB,
		       "helper strcmp_ext (id 4) argument 1 (r1): string at 0x");
	EXPECT_ERR_CFG(c, &cfg2, ANYBPF_EXEC_CHECKED, OOB, "has no NUL before the end of str");
	s[3] = 0;
	EXPECT_RET_CFG(c, &cfg2, 0);
	/* a wild string pointer */
	struct anybpf_insn d[] = { MOV(1, 64), I(MOV64_X, 2, 1, 0, 0), I(CALL, 0, 0, 0, 4), EXIT };
	EXPECT_ERR(d, OOB, "argument 1 (r1): out-of-bounds string of 1 byte at 0x40");
}

/* ---- loading ------------------------------------------------------------- */

static int resolver(void *user, unsigned src, int32_t imm, int32_t imm2, uint64_t *value)
{
	(void)user;
	if (imm == 13)
		return -ANYBPF_E_NOT_SUPPORTED;
	*value = (uint64_t)src << 56 | (uint64_t)(uint32_t)imm << 16 | (uint16_t)imm2;
	return 0;
}

TEST(vm_load_errors)
{
	struct anybpf_insn a[] = { I(LDDW_MAP_FD, 1, 0, 0, 0x55667788), HI(0), MOV(0, 0), EXIT };
	EXPECT_ERR(a, PSEUDO, "pc 0: lddw src 1 (map fd 0x55667788) needs a map, and this program has none");
	struct anybpf_insn a3[] = { MOV(0, 0), I(LDDW_VAR, 1, 0, 0, 9), HI(0), EXIT };
	EXPECT_ERR(a3, PSEUDO, "pc 1: lddw src 3 (variable, BTF id 0x9) needs a variable");
	/* with a resolver: the value it gives */
	struct t_cfg cfg = { .resolve = resolver };
	struct anybpf_insn b[] = { I(LDDW_MAP_IDX_VAL, 0, 0, 0, 0x1234), HI(5), EXIT };
	EXPECT_RET_CFG(b, &cfg, 6ull << 56 | 0x1234ull << 16 | 5);
	struct anybpf_insn b2[] = { I(LDDW_MAP_FD, 0, 0, 0, 13), HI(0), EXIT };
	EXPECT_ERR_CFG(b2, &cfg, ANYBPF_EXEC_CHECKED, NOT_SUPPORTED, "pc 0: lddw src 1 (map fd 0xd)");
	struct anybpf_insn c[] = { MOV(0, 0), MOV(1, 0), MOV(2, 0), MOV(3, 0), MOV(4, 0),
				   I(CALL, 0, 0, 0, 64), EXIT };
	EXPECT_ERR(c, HELPER, "pc 5: call to unknown helper 64");
	struct anybpf_insn d[] = { I(CALL_KFUNC, 0, 0, 0, 1234), EXIT };
	EXPECT_ERR(d, KFUNC, "pc 0: call to kfunc with BTF id 1234: kfunc calls are not supported");
	/* the validator runs first */
	struct anybpf_insn e[] = { MOV(0, 0) };
	struct t_out o;
	t_run(e, 1, NULL, ANYBPF_EXEC_CHECKED, 0, &o);
	CHECK(o.load_err && o.err == -ANYBPF_E_FALLTHROUGH);
	struct anybpf_insn f[] = { { .code = 0xff }, EXIT };
	t_run(f, 2, NULL, ANYBPF_EXEC_CHECKED, 0, &o);
	CHECK(o.load_err && o.err == -ANYBPF_E_OPCODE);
	/* exec without a program, free(NULL) */
	anybpf_vm *vm = anybpf_vm_new(NULL);
	struct anybpf_exec_result res;
	CHECK_EQ(anybpf_vm_exec(vm, NULL, &res, NULL), -ANYBPF_E_INVAL);
	CHECK_EQ(anybpf_vm_register_helper(vm, 1, NULL, NULL), -ANYBPF_E_INVAL);
	anybpf_vm_free(vm);
	anybpf_vm_free(NULL);
}

TEST(vm_helper_replace_and_reload)
{
	anybpf_vm *vm = anybpf_vm_new(NULL);
	CHECK_EQ(anybpf_vm_register_test_helpers(vm), 0);
	struct anybpf_insn p[] = { MOV(1, 3), I(CALL, 0, 0, 0, 5), EXIT };
	CHECK_EQ(anybpf_vm_load(vm, p, ARRAY_SIZE(p), NULL), 0);
	struct anybpf_exec_result res = { 0 };
	CHECK_EQ(anybpf_vm_exec(vm, NULL, &res, NULL), 0);
	CHECK_EQ(res.retval, 3);
	CHECK_EQ(res.insns, 3);
	/* replacing helper 5 takes effect for the loaded program */
	CHECK_EQ(anybpf_vm_register_helper(vm, 5, give_buf, NULL), 0);
	CHECK_EQ(anybpf_vm_exec(vm, NULL, &res, NULL), 0);
	CHECK_EQ(res.retval, (uintptr_t)hbuf);
	/* one program per VM: a second load needs an unload first */
	struct anybpf_insn q[] = { MOV(0, 77), EXIT };
	CHECK_EQ(anybpf_vm_load(vm, q, ARRAY_SIZE(q), NULL), -ANYBPF_E_LOADED);
	CHECK_EQ(anybpf_vm_exec(vm, NULL, &res, NULL), 0);
	CHECK_EQ(res.retval, (uintptr_t)hbuf);
	anybpf_vm_unload(vm);
	CHECK_EQ(anybpf_vm_exec(vm, NULL, &res, NULL), -ANYBPF_E_INVAL);
	CHECK_EQ(anybpf_vm_load(vm, q, ARRAY_SIZE(q), NULL), 0);
	CHECK_EQ(anybpf_vm_exec(vm, NULL, &res, NULL), 0);
	CHECK_EQ(res.retval, 77);
	/* a failed load leaves no program */
	struct anybpf_insn r[] = { I(CALL, 0, 0, 0, 1000), EXIT };
	anybpf_vm_unload(vm);
	anybpf_vm_unload(vm); /* twice is fine */
	CHECK_EQ(anybpf_vm_load(vm, r, ARRAY_SIZE(r), NULL), -ANYBPF_E_HELPER);
	CHECK_EQ(anybpf_vm_exec(vm, NULL, &res, NULL), -ANYBPF_E_INVAL);
	anybpf_vm_free(vm);
}

/* Every isa.def row has a handler in both dispatch variants: a program with
 * one instance of every row (kept harmless) runs identically in all four
 * variants. */
TEST(vm_every_row_runs)
{
	struct anybpf_insn p[1024];
	size_t n = 0;
	p[n++] = MOV(0, 0);
	p[n++] = I(MOV64_X, 6, 10, 0, 0);
	p[n++] = I(ADD64_K, 6, 0, 0, -64); /* r6: scratch on the stack */
	for (int row = 0; row < ISA_COUNT; row++) {
		const struct isa_row *r = &isa_rows[row];
		switch (r->fmt) {
		case FMT_CALL: case FMT_CALL_LOCAL: case FMT_CALLX: case FMT_EXIT:
		case FMT_LDABS: case FMT_LDIND: case FMT_JA: case FMT_JA32:
			continue;
		case FMT_LDDW:
			if (row != ISA_LDDW)
				continue;
			p[n++] = mk(row, 1, 0, 0, row);
			p[n++] = HI(row);
			break;
		case FMT_LDX: p[n++] = mk(row, 1, 6, 8, 0); break;
		case FMT_ST: p[n++] = mk(row, 6, 0, 8, row); break;
		case FMT_STX: case FMT_ATOMIC: p[n++] = mk(row, 6, 1, 16, 0); break;
		case FMT_JCC_K: case FMT_JCC_X: p[n++] = mk(row, 1, 2, 1, 3); p[n++] = I(ADD64_K, 0, 0, 0, row); break;
		default: p[n++] = mk(row, 1, 2, 0, 3); break;
		}
		p[n++] = I(MOV64_K, 2, 0, 0, row * 7 + 1);
		p[n++] = I(XOR64_X, 0, 1, 0, 0);
		p[n++] = I(MUL64_K, 0, 0, 0, 31);
	}
	p[n++] = EXIT;
	CHECK(n <= ARRAY_SIZE(p));
	struct t_out o[4];
	for (int v = 0; v < 4; v++) {
		t_run(p, n, NULL, v & 1 ? ANYBPF_EXEC_FAST : ANYBPF_EXEC_CHECKED, v >> 1, &o[v]);
		if (!CHECK(o[v].err == 0))
			fprintf(stderr, "    %s: %s", variant[v], o[v].log);
		CHECK_EQ(o[v].ret, o[0].ret);
	}
}
