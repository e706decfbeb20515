/* test_jit.c - the x86-64 JIT against the fast interpreter, differentially.
 *
 * 1. Every ALU, MOV, unary and jump row of isa.def on a grid of edge values
 *    (0, ±1, INT_MIN/INT_MAX at 32 and 64 bits, shift counts past the width,
 *    ...) as register and as immediate operands: r0, the registers and the
 *    error code must be the same on both engines.
 * 2. Atomics, loads/stores of every width, LD_ABS/LD_IND in and out of
 *    bounds, helpers (and a helper that stops the run), bpf-to-bpf calls,
 *    the call depth limit, callx, the budget.
 * 3. Every .data file under tests/data and uBPF's vectors: run checked
 *    first; where that does not fault (so the program is memory-safe on its
 *    input), fast and JIT must agree on r0, the error and the memory.
 * On hosts without the JIT, the tests check that it says so. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "anybpf.h"
#include "isa.h"
#include "unit.h"
#include "vm/vm_internal.h"

/* An instruction of row `row` (isa.def), from src/isa/isa.c. */
#define mk isa_encode
#define I(id, d, s, o, imm) mk(ISA_##id, d, s, o, imm)
#define HI(v) ((struct anybpf_insn){ .imm = (int32_t)(v) })
#define LDDW(d, v) I(LDDW, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)), HI((uint64_t)(v) >> 32)
#define MOV(d, v) I(MOV64_K, d, 0, 0, v)
#define EXIT I(EXIT, 0, 0, 0, 0)

#if defined(__x86_64__)
#define HAVE_JIT 1
#else
#define HAVE_JIT 0
#endif

struct out {
	int err;
	uint64_t ret, insns;
};

static int stop_helper_calls, misaligned_calls;
/* The System V ABI: rsp + 8 is 16-byte aligned at a function's entry, so
 * its frame address (rbp after push rbp) is 16-byte aligned. */
static uint64_t h_add(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, anybpf_run *run)
{
	(void)run;
	if ((uintptr_t)__builtin_frame_address(0) % 16 != 0)
		misaligned_calls++;
	return a + 2 * b + 3 * c + 4 * d + 5 * e;
}
static uint64_t h_stop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, anybpf_run *run)
{
	(void)b; (void)c; (void)d; (void)e;
	stop_helper_calls++;
	if (a)
		anybpf_run_stop(run, a);
	return 7;
}
static uint64_t h_fail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, anybpf_run *run)
{
	(void)a; (void)b; (void)c; (void)d; (void)e;
	run->err = -ANYBPF_E_OOB; /* as anybpf_run_check would in checked mode */
	return 9;
}

/* JIT runs with constant blinding (the blinded tests below) */
static int jit_blind;

/* Run on one engine; mem (copied per engine by the caller) in r1/r2. */
static struct out run1(const struct anybpf_insn *p, size_t n, enum anybpf_exec_mode mode,
		       void *mem, size_t len, uint64_t budget, unsigned depth)
{
	struct out o = { 0, 0, 0 };
	struct anybpf_vm_opts vo = { .sz = sizeof(vo), .call_depth = depth };
	anybpf_vm *vm = anybpf_vm_new(&vo);
	anybpf_vm_register_test_helpers(vm);
	anybpf_vm_register_helper(vm, 100, h_add, NULL);
	anybpf_vm_register_helper(vm, 101, h_stop, NULL);
	anybpf_vm_register_helper(vm, 102, h_fail, NULL);
	if (jit_blind && mode == ANYBPF_EXEC_JIT)
		anybpf_vm_set_jit_blinding(vm, 1);
	struct anybpf_log log = { .err_pc = -1, .err_line = -1 };
	o.err = anybpf_vm_load(vm, p, n, &log);
	if (!o.err) {
		struct anybpf_region r = { mem, len, ANYBPF_REGION_RW, "mem" };
		struct anybpf_exec_opts eo = {
			.sz = sizeof(eo), .mode = mode, .budget = budget,
			.args = { (uint64_t)(uintptr_t)mem, len },
			.regions = mem ? &r : NULL, .nregions = mem ? 1 : 0,
			.pkt = mem, .pkt_len = len,
		};
		struct anybpf_exec_result res = { 0, 0 };
		o.err = anybpf_vm_exec(vm, &eo, &res, &log);
		o.ret = res.retval;
		o.insns = res.insns;
	}
	anybpf_vm_free(vm);
	return o;
}

static int ndiff;
/* Fast interpreter vs JIT on the same program and memory; returns the
 * interpreter's result.  Memory after the run is compared too. */
static struct out diff_(const struct anybpf_insn *p, size_t n, const void *mem, size_t len,
			uint64_t budget, unsigned depth, const char *what, int line)
{
	uint8_t a[512], b[512];
	if (len > sizeof(a))
		len = sizeof(a);
	if (mem)
		memcpy(a, mem, len), memcpy(b, mem, len);
	struct out i = run1(p, n, ANYBPF_EXEC_FAST, mem ? a : NULL, len, budget, depth);
	if (!HAVE_JIT)
		return i;
	struct out j = run1(p, n, ANYBPF_EXEC_JIT, mem ? b : NULL, len, budget, depth);
	int same = i.err == j.err && i.ret == j.ret && i.insns == j.insns &&
		   (!mem || memcmp(a, b, len) == 0);
	if (!unit_check(same, what, __FILE__, line)) {
		if (ndiff++ < 20)
			fprintf(stderr, "    interp err %d r0 0x%llx insns %llu; jit err %d r0 0x%llx insns %llu%s\n",
				i.err, (unsigned long long)i.ret, (unsigned long long)i.insns, j.err,
				(unsigned long long)j.ret, (unsigned long long)j.insns,
				mem && memcmp(a, b, len) ? "; memory differs" : "");
	}
	return i;
}
#define DIFF(p, what) diff_(p, sizeof(p) / sizeof((p)[0]), NULL, 0, 0, 0, what, __LINE__)

static const uint64_t vals[] = {
	0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 0xff, 0x80, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x123456789abcdef0ull,
	0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffff80000000ull,
	0xfffffffffffffffeull, 0xffffffffffffffffull, 0xfedcba9876543210ull, 0x80000001ull,
};
static const int32_t imms[] = { 0, 1, -1, 2, -2, 3, 7, 31, 32, 33, 63, 64, 100, -100,
				0x7fffffff, INT32_MIN, 0x12345678, -0x12345678, 0xff, 0x8000 };

/* r0 = result of row `row` on r3 (= a), with r5 (= b) or imm; r3 and r5
 * are the registers that collide with rdx/r8 in the JIT (division, shift
 * counts in rcx are tried through r4 too). */
TEST(jit_alu_rows_match_interpreter)
{
	int checked = 0;
	for (int row = 0; row < ISA_COUNT; row++) {
		int fmt = isa_rows[row].fmt;
		if (fmt != FMT_ALU_K && fmt != FMT_ALU_X && fmt != FMT_MOV_K && fmt != FMT_MOV_X &&
		    fmt != FMT_UNARY)
			continue;
		int kform = fmt == FMT_ALU_K || fmt == FMT_MOV_K;
		/* register pairs: (dst, src) including r0/r3/r4 that the JIT's
		 * div and shift sequences use */
		static const int pairs[][2] = { { 6, 7 }, { 0, 3 }, { 3, 0 }, { 4, 1 }, { 1, 4 },
						{ 3, 4 }, { 4, 4 }, { 0, 0 }, { 5, 9 } };
		for (size_t pi = 0; pi < sizeof(pairs) / sizeof(pairs[0]); pi++) {
			int d = pairs[pi][0], s = pairs[pi][1];
			size_t step = pi == 0 ? 1 : 3; /* the full grid on one pair */
			for (size_t ai = 0; ai < sizeof(vals) / sizeof(vals[0]); ai += step) {
				size_t nb = kform ? sizeof(imms) / sizeof(imms[0]) : sizeof(vals) / sizeof(vals[0]);
				for (size_t bi = 0; bi < nb; bi += step) {
					if (fmt == FMT_UNARY && bi)
						break;
					uint64_t a = vals[ai], b = kform ? 0 : vals[bi];
					struct anybpf_insn p[] = {
						LDDW(0, 0x5555), LDDW(d, a), LDDW(s == d ? 8 : s, b),
						mk(row, d, s, 0, kform ? imms[bi] : 0),
						/* r0 ^= dst * 3 ^ src, so every register counts */
						I(MOV64_X, 9, d, 0, 0), I(MUL64_K, 9, 0, 0, 3),
						I(XOR64_X, 9, s, 0, 0), I(XOR64_X, 0, 9, 0, 0), EXIT,
					};
					char what[96];
					snprintf(what, sizeof(what), "%s d=r%d s=r%d a=0x%llx b=0x%llx imm=%d",
						 isa_rows[row].id, d, s, (unsigned long long)a,
						 (unsigned long long)b, kform ? imms[bi] : 0);
					diff_(p, sizeof(p) / sizeof(p[0]), NULL, 0, 0, 0, what, __LINE__);
					checked++;
				}
			}
		}
	}
	CHECK(checked > 10000);
}

TEST(jit_jump_rows_match_interpreter)
{
	for (int row = 0; row < ISA_COUNT; row++) {
		int fmt = isa_rows[row].fmt;
		if (fmt != FMT_JCC_K && fmt != FMT_JCC_X)
			continue;
		for (size_t ai = 0; ai < sizeof(vals) / sizeof(vals[0]); ai++)
			for (size_t bi = 0; bi < sizeof(vals) / sizeof(vals[0]); bi++) {
				int32_t imm = imms[bi % (sizeof(imms) / sizeof(imms[0]))];
				struct anybpf_insn p[] = {
					LDDW(1, vals[ai]), LDDW(2, vals[bi]), MOV(0, 0),
					mk(row, 1, 2, 1, imm), EXIT, MOV(0, 1), EXIT,
				};
				char what[96];
				snprintf(what, sizeof(what), "%s a=0x%llx b=0x%llx imm=%d",
					 isa_rows[row].id, (unsigned long long)vals[ai],
					 (unsigned long long)vals[bi], imm);
				diff_(p, sizeof(p) / sizeof(p[0]), NULL, 0, 0, 0, what, __LINE__);
			}
	}
}

TEST(jit_loads_stores_atomics)
{
	uint8_t mem[64];
	for (size_t i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)(0x81 + 37 * i);
	for (int row = 0; row < ISA_COUNT; row++) {
		int fmt = isa_rows[row].fmt;
		if (fmt != FMT_LDX && fmt != FMT_ST && fmt != FMT_STX && fmt != FMT_ATOMIC)
			continue;
		for (size_t vi = 0; vi < sizeof(vals) / sizeof(vals[0]); vi += 3) {
			/* on the region (r1) and on the stack (r10), with r0 and
			 * r3 as the value register */
			for (int s = 0; s < 4; s += 3) {
				int base = 1, off = 8;
				struct anybpf_insn p[] = {
					LDDW(0, 0x1122334455667788ull), LDDW(s, vals[vi]),
					I(MOV64_X, 6, 1, 0, 0), I(ADD64_K, 6, 0, 0, 0),
					fmt == FMT_LDX ? mk(row, s, base, off, 0)
						       : mk(row, base, s, off, (int32_t)vals[vi]),
					I(LDXDW, 7, 1, 8, 0), I(XOR64_X, 0, 7, 0, 0),
					I(MOV64_X, 8, s, 0, 0), I(LSH64_K, 8, 0, 0, 1),
					I(XOR64_X, 0, 8, 0, 0), EXIT,
				};
				char what[96];
				snprintf(what, sizeof(what), "%s s=r%d v=0x%llx", isa_rows[row].id, s,
					 (unsigned long long)vals[vi]);
				diff_(p, sizeof(p) / sizeof(p[0]), mem, sizeof(mem), 0, 0, what, __LINE__);
				/* the same on the stack */
				struct anybpf_insn q[] = {
					LDDW(0, 0x0102030405060708ull), LDDW(s, vals[vi]),
					I(STDW, 10, 0, -16, 0x55aa55aa), I(STDW, 10, 0, -8, -3),
					fmt == FMT_LDX ? mk(row, s, 10, -16, 0)
						       : mk(row, 10, s, -16, (int32_t)vals[vi]),
					I(LDXDW, 7, 10, -16, 0), I(XOR64_X, 0, 7, 0, 0),
					I(XOR64_X, 0, s, 0, 0), EXIT,
				};
				diff_(q, sizeof(q) / sizeof(q[0]), NULL, 0, 0, 0, what, __LINE__);
			}
		}
	}
}

/* cmpxchg that succeeds: the 32-bit form still zero-extends r0 */
TEST(jit_cmpxchg_success)
{
	for (int w = 0; w < 2; w++) {
		struct anybpf_insn p[] = {
			I(STDW, 10, 0, -8, 5), LDDW(0, 0xdeadbeef00000005ull), MOV(2, 9),
			w ? I(ACMPXCHG64, 10, 2, -8, 0) : I(ACMPXCHG32, 10, 2, -8, 0),
			I(LDXDW, 3, 10, -8, 0), I(LSH64_K, 3, 0, 0, 40), I(ADD64_X, 0, 3, 0, 0), EXIT,
		};
		struct out o = DIFF(p, "cmpxchg success");
		CHECK_EQ(o.ret, w ? 5 + (5ull << 40) : 5 + (9ull << 40)); /* 64: 0xdeadbeef00000005 != 5 */
	}
}

TEST(jit_ld_abs_ind)
{
	uint8_t pkt[16];
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(0xa0 + i);
	static const int32_t offs[] = { 0, 1, 11, 12, 13, 14, 15, 16, 17, -1, INT32_MIN, 0x7fffffff };
	for (int row = 0; row < ISA_COUNT; row++) {
		int fmt = isa_rows[row].fmt;
		if (fmt != FMT_LDABS && fmt != FMT_LDIND)
			continue;
		for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
			for (int32_t base = -2; base <= 2; base += 2) {
				struct anybpf_insn p[] = {
					I(MOV64_X, 6, 1, 0, 0), MOV(7, base), MOV(0, 0x77),
					mk(row, 0, 7, 0, offs[i]), I(ADD64_K, 0, 0, 0, 1), EXIT,
				};
				diff_(p, sizeof(p) / sizeof(p[0]), pkt, sizeof(pkt), 0, 0,
				      isa_rows[row].id, __LINE__);
			}
	}
}

TEST(jit_helpers_and_stop)
{
	/* r1-r5 to the helper; r1-r5 and r6-r9 after it; r0 its result */
	struct anybpf_insn p[] = {
		MOV(1, 1), MOV(2, 10), MOV(3, 100), MOV(4, 1000), MOV(5, 10000), MOV(6, 6),
		I(CALL, 0, 0, 0, 100), I(ADD64_X, 0, 1, 0, 0), I(ADD64_X, 0, 5, 0, 0),
		I(ADD64_X, 0, 6, 0, 0), EXIT,
	};
	misaligned_calls = 0;
	struct out o = DIFF(p, "helper arguments");
	CHECK_EQ(o.ret, 1 + 20 + 300 + 4000 + 50000 + 1 + 10000 + 6);
	/* the same helper from two and three frames deep: the stack stays
	 * aligned for it */
	struct anybpf_insn deep[] = {
		I(CALL_LOCAL, 0, 0, 0, 1), EXIT,
		I(CALL, 0, 0, 0, 100), I(CALL_LOCAL, 0, 0, 0, 1), EXIT,
		I(CALL, 0, 0, 0, 100), EXIT,
	};
	DIFF(deep, "helpers in callees");
	CHECK_EQ(misaligned_calls, 0);
	/* stop from inside a bpf-to-bpf call, 3 frames deep */
	struct anybpf_insn q[] = {
		I(CALL_LOCAL, 0, 0, 0, 2), MOV(0, 99), EXIT,
		I(CALL_LOCAL, 0, 0, 0, 1), EXIT,
		MOV(1, 0), I(CALL, 0, 0, 0, 101), MOV(1, 42), I(CALL, 0, 0, 0, 101), MOV(0, 5), EXIT,
	};
	stop_helper_calls = 0;
	o = DIFF(q, "anybpf_run_stop in a callee");
	CHECK_EQ(o.ret, 42);
	CHECK_EQ(stop_helper_calls, HAVE_JIT ? 4 : 2);
	/* a helper raising an error */
	struct anybpf_insn r[] = { MOV(0, 3), I(CALL, 0, 0, 0, 102), MOV(0, 1), EXIT };
	o = DIFF(r, "helper error");
	CHECK_EQ(o.err, -ANYBPF_E_OOB);
	/* the uBPF unwind helper */
	struct anybpf_insn u[] = { MOV(1, 0), I(CALL, 0, 0, 0, 5), MOV(0, 8), EXIT };
	DIFF(u, "unwind");
}

TEST(jit_calls_depth_callx_budget)
{
	/* recursion: f(n) = n ? n + f(n-1) : 0, frames zeroed and private */
	struct anybpf_insn f[] = {
		MOV(1, 6), I(STDW, 10, 0, -8, 77), I(CALL_LOCAL, 0, 0, 0, 3),
		I(LDXDW, 2, 10, -8, 0), I(ADD64_X, 0, 2, 0, 0), EXIT,
		/* f(r1): */
		I(LDXDW, 0, 10, -8, 0),              /* 0: the fresh frame */
		I(JEQ_K, 1, 0, 6, 0),
		I(STXDW, 10, 1, -8, 0), I(MOV64_X, 6, 1, 0, 0), I(ADD64_K, 1, 0, 0, -1),
		I(CALL_LOCAL, 0, 0, 0, -6), I(ADD64_X, 0, 6, 0, 0), EXIT,
		EXIT,
	};
	for (unsigned depth = 2; depth <= 10; depth++) {
		struct out o = diff_(f, sizeof(f) / sizeof(f[0]), NULL, 0, 0, depth, "recursion", __LINE__);
		if (depth >= 8)
			CHECK_EQ(o.ret, 21 + 77);
		else
			CHECK_EQ(o.err, -ANYBPF_E_CALL_DEPTH);
	}
	/* callx: to a function (lddw func), to garbage, to a non-start */
	for (int64_t delta = -16; delta <= 16; delta += 8) {
		struct anybpf_insn c[] = {
			I(LDDW_FUNC, 2, 0, 0, 4), HI(0), I(ADD64_K, 2, 0, 0, (int32_t)delta),
			I(CALLX, 2, 0, 0, 0), EXIT,
			/* the function: */
			MOV(0, 33), MOV(0, 34), EXIT,
		};
		diff_(c, sizeof(c) / sizeof(c[0]), NULL, 0, 0, 0, "callx", __LINE__);
	}
	struct anybpf_insn cz[] = { MOV(3, 12345), I(CALLX, 3, 0, 0, 0), EXIT };
	struct out o = DIFF(cz, "callx garbage");
	CHECK_EQ(o.err, -ANYBPF_E_CALLX);
	/* budget: an endless loop stops, with the same charge; loops that
	 * finish just inside and just outside the budget */
	struct anybpf_insn loop[] = { MOV(0, 0), I(ADD64_K, 0, 0, 0, 1), I(JA, 0, 0, -2, 0), EXIT };
	o = DIFF(loop, "endless loop");
	CHECK_EQ(o.err, -ANYBPF_E_BUDGET);
	struct anybpf_insn cnt[] = {
		MOV(1, 100), MOV(0, 0), I(ADD64_K, 0, 0, 0, 1), I(ADD64_K, 1, 0, 0, -1),
		I(JNE_K, 1, 0, -3, 0), EXIT,
	};
	for (uint64_t b = 290; b <= 310; b++)
		diff_(cnt, sizeof(cnt) / sizeof(cnt[0]), NULL, 0, b, 0, "budget edge", __LINE__);
	/* endless recursion: the depth limit, then with a small budget */
	struct anybpf_insn inf[] = { I(CALL_LOCAL, 0, 0, 0, -1), EXIT };
	o = DIFF(inf, "endless recursion");
	CHECK_EQ(o.err, -ANYBPF_E_CALL_DEPTH);
	diff_(inf, 2, NULL, 0, 5, 1000, "recursion budget", __LINE__);
}

/* ---- the .data files ---- */

/* The program ("-- asm" or "-- raw") and memory ("-- mem") of a .data
 * file; 0 if it has none we can run. */
static int parse_data(char *text, struct anybpf_insn **insns, size_t *n, uint8_t *mem, size_t *mlen)
{
	char *asm_s = NULL, *raw = NULL, *memtext = NULL;
	for (char *l = text; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(l, "-- ", 3) == 0) {
			*l = '\0';
			if (strcmp(l + 3, "asm") == 0)
				asm_s = nl ? nl + 1 : NULL;
			else if (strcmp(l + 3, "raw") == 0)
				raw = nl ? nl + 1 : NULL;
			else if (strcmp(l + 3, "mem") == 0)
				memtext = nl ? nl + 1 : NULL;
		}
		if (nl)
			*nl = '\n';
		l = nl ? nl + 1 : NULL;
	}
	/* each section ends where the next "-- " began: those were cut to '\0' */
	*mlen = 0;
	if (memtext) {
		char *p = memtext;
		while (*p && *mlen < 256) {
			char *end;
			unsigned long v = strtoul(p, &end, 16);
			if (end == p) {
				if (*p == '#') {
					while (*p && *p != '\n')
						p++;
				} else {
					p++;
				}
				continue;
			}
			mem[(*mlen)++] = (uint8_t)v;
			p = end;
		}
	}
	struct anybpf_log log = { .err_pc = -1, .err_line = -1 };
	if (asm_s)
		return anybpf_assemble(asm_s, strlen(asm_s), insns, n, &log) == 0 ? 1 : 0;
	if (!raw)
		return 0;
	size_t cap = 0;
	*n = 0;
	*insns = NULL;
	for (char *p = raw; *p;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 16);
		if (end == p) {
			p++;
			continue;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*insns = realloc(*insns, cap * sizeof(**insns));
		}
		memcpy(&(*insns)[(*n)++], &v, sizeof(v));
		p = end;
	}
	return *n > 0 ? 2 : 0;
}

static int files_run, files_compared;

static void data_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	static char text[1 << 16];
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	struct anybpf_insn *insns = NULL;
	size_t n = 0, mlen = 0;
	uint8_t mem[256];
	int kind = parse_data(text, &insns, &n, mem, &mlen);
	if (kind) {
		files_run++;
		uint8_t m[256];
		memcpy(m, mem, mlen);
		struct out c = run1(insns, n, ANYBPF_EXEC_CHECKED, mlen ? m : NULL, mlen, 0, 0);
		if (c.err != -ANYBPF_E_OOB) {
			files_compared++;
			diff_(insns, n, mlen ? mem : NULL, mlen, 0, 0, path, __LINE__);
		}
	}
	if (kind == 1)
		anybpf_free(insns);
	else
		free(insns);
}

static void data_dir(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d || depth > 4) {
		if (d)
			closedir(d);
		return;
	}
	struct dirent *ent;
	while ((ent = readdir(d))) {
		if (ent->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		struct stat st;
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			data_dir(path, depth + 1);
		else if (strlen(ent->d_name) > 5 && !strcmp(ent->d_name + strlen(ent->d_name) - 5, ".data"))
			data_file(path);
	}
	closedir(d);
}

TEST(jit_data_files_match_interpreter)
{
	files_run = files_compared = 0;
	data_dir("tests/data", 0);
	data_dir("../shared/testdata/ubpf", 0);
	CHECK(files_run > 100);
	CHECK(files_compared > 100);
}

TEST(jit_compile_api)
{
	struct anybpf_insn p[] = { MOV(0, 1), EXIT };
	anybpf_vm *vm = anybpf_vm_new(NULL);
	CHECK(anybpf_vm_jit_compile(vm, NULL) == -ANYBPF_E_INVAL); /* nothing loaded */
	CHECK(anybpf_vm_load(vm, p, 2, NULL) == 0);
	const void *code = NULL;
	CHECK_EQ(anybpf_vm_jit_code(vm, &code), 0);
	int err = anybpf_vm_jit_compile(vm, NULL);
	if (HAVE_JIT) {
		CHECK_EQ(err, 0);
		CHECK(anybpf_vm_jit_code(vm, &code) > 0 && code != NULL);
		/* unload frees the code; a new program compiles anew */
		anybpf_vm_unload(vm);
		CHECK_EQ(anybpf_vm_jit_code(vm, &code), 0);
		struct anybpf_insn q[] = { MOV(0, 2), EXIT };
		CHECK(anybpf_vm_load(vm, q, 2, NULL) == 0);
		struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_JIT };
		struct anybpf_exec_result res = { 0, 0 };
		CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
		CHECK_EQ(res.retval, 2);
	} else {
		CHECK_EQ(err, -ANYBPF_E_NOT_SUPPORTED);
	}
	anybpf_vm_free(vm);
}

/* A long program: forward jumps over more than 127 bytes (rel32) next to
 * short ones, and backward ones, must all land. */
TEST(jit_long_and_short_jumps)
{
	enum { N = 400 };
	static struct anybpf_insn p[N + 8];
	size_t k = 0;
	p[k++] = MOV(0, 0);
	p[k++] = MOV(1, 5);
	p[k++] = I(JEQ_K, 1, 0, N - 1, 5);   /* far forward: over the block */
	for (int i = 0; i < N - 2; i++)
		p[k++] = I(ADD64_K, 0, 0, 0, i);
	p[k++] = I(ADD64_K, 1, 0, 0, -1);     /* target of a far backward jump */
	p[k++] = I(JNE_K, 1, 0, -2, 0);
	p[k++] = EXIT;
	struct out o = diff_(p, k, NULL, 0, 0, 0, "long jumps", __LINE__);
	CHECK_EQ(o.err, 0);
	struct anybpf_insn q[N + 8];
	k = 0;
	q[k++] = MOV(0, 0);
	q[k++] = MOV(1, 3);
	for (int i = 0; i < N - 2; i++)
		q[k++] = I(ADD64_K, 0, 0, 0, 1);
	q[k++] = I(ADD64_K, 1, 0, 0, -1);
	q[k++] = I(JNE_K, 1, 0, -N, 0); /* far backward */
	q[k++] = EXIT;
	o = diff_(q, k, NULL, 0, 0, 0, "far backward", __LINE__);
	CHECK_EQ(o.ret, 3 * (N - 2));
}

/* The same differential tests with constant blinding on */
TEST(jit_blinded_matches_interpreter)
{
	jit_blind = 1;
	jit_alu_rows_match_interpreter();
	jit_jump_rows_match_interpreter();
	jit_loads_stores_atomics();
	jit_ld_abs_ind();
	jit_helpers_and_stop();
	jit_calls_depth_callx_budget();
	jit_data_files_match_interpreter();
	jit_blind = 0;
}

/* Does the code contain these 4 bytes? */
static int code_has(const anybpf_vm *vm, uint32_t v)
{
	const void *code;
	size_t size = anybpf_vm_jit_code(vm, &code);
	for (size_t i = 0; i + 4 <= size; i++)
		if (memcmp((const uint8_t *)code + i, &v, 4) == 0)
			return 1;
	return 0;
}

/* Blinded code holds none of the program's distinctive immediates, and
 * still computes the same */
TEST(jit_blinding_hides_immediates)
{
	if (!HAVE_JIT)
		return;
	const int32_t K = 0x3c5a7e91;
	const uint64_t K64 = 0x1badb0021f2e3d4cull;
	uint64_t mem[4] = { 0, 0, 0, 0 };
	struct anybpf_insn p[] = {
		MOV(0, K), I(ADD64_K, 0, 0, 0, K), I(XOR32_K, 0, 0, 0, K), I(MUL64_K, 0, 0, 0, K),
		I(DIV64_K, 0, 0, 0, K), I(STDW, 1, 0, 0, K), I(JEQ_K, 0, 0, 1, K),
		I(JSET_K, 0, 0, 0, K), LDDW(2, K64), I(ADD64_X, 0, 2, 0, 0),
		I(LDXDW, 3, 1, 0, 0), I(ADD64_X, 0, 3, 0, 0), EXIT,
	};
	uint64_t want = 0;
	for (int blind = 0; blind <= 1; blind++) {
		anybpf_vm *vm = anybpf_vm_new(NULL);
		CHECK_EQ(anybpf_vm_set_jit_blinding(vm, blind), 0);
		CHECK_EQ(anybpf_vm_load(vm, p, sizeof(p) / sizeof(p[0]), NULL), 0);
		CHECK_EQ(anybpf_vm_jit_compile(vm, NULL), 0);
		/* unblinded, the constants are there to find (the check works) */
		CHECK_EQ(code_has(vm, (uint32_t)K), !blind);
		CHECK_EQ(code_has(vm, (uint32_t)K64), !blind);
		CHECK_EQ(code_has(vm, (uint32_t)(K64 >> 32)), !blind);
		struct anybpf_region r = { mem, sizeof(mem), ANYBPF_REGION_RW, "mem" };
		struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_JIT,
					       .args = { (uint64_t)(uintptr_t)mem },
					       .regions = &r, .nregions = 1 };
		struct anybpf_exec_result res = { 0, 0 };
		mem[0] = 0;
		CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
		if (!blind)
			want = res.retval;
		CHECK_EQ(res.retval, want);
		CHECK_EQ(mem[0], (uint64_t)(int64_t)K);
		/* switching blinding off again recompiles without it */
		if (blind) {
			CHECK_EQ(anybpf_vm_set_jit_blinding(vm, 0), 0);
			CHECK_EQ(anybpf_vm_jit_compile(vm, NULL), 0);
			CHECK(code_has(vm, (uint32_t)K));
		}
		anybpf_vm_free(vm);
	}
	/* the interpreter agrees */
	anybpf_vm *vm = anybpf_vm_new(NULL);
	CHECK_EQ(anybpf_vm_load(vm, p, sizeof(p) / sizeof(p[0]), NULL), 0);
	struct anybpf_region r = { mem, sizeof(mem), ANYBPF_REGION_RW, "mem" };
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED,
				       .args = { (uint64_t)(uintptr_t)mem }, .regions = &r, .nregions = 1 };
	struct anybpf_exec_result res = { 0, 0 };
	CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
	CHECK_EQ(res.retval, want);
	anybpf_vm_free(vm);
}

/* A verified VM (anybpf_vm_opts.verified): the JIT charges no budget (the
 * verifier proved termination) and zeroes no frames; same results. */
TEST(jit_verified_drops_budget)
{
	if (!HAVE_JIT)
		return;
	/* r0 = sum of 0..999 in a loop, through a bpf-to-bpf call that calls
	 * a helper (h_add(1, 2, 3, 4, 5) = 55: r1-r5 need no saving, the
	 * stack stays aligned) */
	struct anybpf_insn p[] = {
		MOV(0, 0), MOV(1, 0),
		I(ADD64_X, 0, 1, 0, 0), I(ADD64_K, 1, 0, 0, 1), I(JLT_K, 1, 0, -3, 1000),
		I(STXDW, 10, 0, -8, 0), I(CALL_LOCAL, 0, 0, 0, 3), I(LDXDW, 6, 10, -8, 0),
		I(ADD64_X, 0, 6, 0, 0), EXIT,
		MOV(1, 1), MOV(2, 2), MOV(3, 3), MOV(4, 4), MOV(5, 5), I(CALL, 0, 0, 0, 100), EXIT,
	};
	int misaligned = misaligned_calls;
	size_t n = sizeof(p) / sizeof(p[0]);
	size_t size[2] = { 0, 0 };
	for (int verified = 0; verified <= 1; verified++) {
		struct anybpf_vm_opts vo = { .sz = sizeof(vo), .verified = verified };
		anybpf_vm *vm = anybpf_vm_new(&vo);
		anybpf_vm_register_helper(vm, 100, h_add, NULL);
		CHECK_EQ(anybpf_vm_load(vm, p, n, NULL), 0);
		struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_JIT };
		struct anybpf_exec_result res = { 0, 0 };
		CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
		CHECK_EQ(res.retval, 999 * 1000 / 2 + 55);
		CHECK_EQ(res.insns, verified ? 0 : 3 * 999 + 7); /* loop body per backward jump, callee */
		size[verified] = anybpf_vm_jit_code(vm, NULL);
		/* a budget smaller than the loop stops only the unverified run */
		eo.budget = 100;
		CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), verified ? 0 : -ANYBPF_E_BUDGET);
		anybpf_vm_free(vm);
	}
	CHECK(size[1] + 20 < size[0]); /* no budget checks, zeroing, saving r1-r5 */
	CHECK_EQ(misaligned_calls, misaligned);
}
