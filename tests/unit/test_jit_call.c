/* test_jit_call.c - callbacks (anybpf_run_call) in JIT runs, against the
 * fast interpreter: a bpf_loop-like helper calls a function of the
 * running program; results, budget charges, memory and errors must be the
 * same on both engines, including errors raised inside the callback
 * (budget, call depth, a helper's error), a helper stopping the run from a
 * callback, callbacks of callbacks (nested native entries) and a callback
 * started from a bpf-to-bpf callee (its frame below the callee's). */
#include <stdio.h>
#include <string.h>

#include "anybpf.h"
#include "isa.h"
#include "unit.h"
#include "vm/vm_internal.h"

#define I(id, d, s, o, imm) isa_encode(ISA_##id, d, s, o, imm)
#define HI(v) ((struct anybpf_insn){ .imm = (int32_t)(v) })
#define MOV(d, v) I(MOV64_K, d, 0, 0, v)
#define EXIT I(EXIT, 0, 0, 0, 0)
/* r{d} = address of the function `o` slots after this lddw's second slot */
#define FUNC(d, o) I(LDDW_FUNC, d, 0, 0, (o) + 1), HI(0)

#if defined(__x86_64__)
#define HAVE_JIT 1
#else
#define HAVE_JIT 0
#endif

enum { H_LOOP = 120, H_STOP = 121, H_FAIL = 122, H_DIRECT = 123 };

static int loop_errors;
/* loop(fn, n, ctx): fn(i, ctx) for i < n until it returns non-zero;
 * returns the number of calls, or the error. */
static uint64_t h_loop(uint64_t fn, uint64_t n, uint64_t ctx, uint64_t d, uint64_t e,
		       anybpf_run *run)
{
	(void)d; (void)e;
	uint64_t i;
	for (i = 0; i < n; i++) {
		uint64_t args[5] = { i, ctx, 0, 0, 0 }, ret = 0;
		int r = anybpf_run_call(run, fn, args, &ret);
		if (r < 0) {
			loop_errors++;
			return (uint64_t)(int64_t)r;
		}
		if (r > 0 || ret)
			return i + 1;
	}
	return i;
}
static uint64_t h_stop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, anybpf_run *run)
{
	(void)b; (void)c; (void)d; (void)e;
	anybpf_run_stop(run, a);
	return 0;
}
static uint64_t h_fail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, anybpf_run *run)
{
	(void)a; (void)b; (void)c; (void)d; (void)e;
	run->err = -ANYBPF_E_OOB; /* as anybpf_run_check would in checked mode */
	return 0;
}
/* vm_jit_call itself (JIT runs only): call fn (an instruction index) with
 * r1 = a; returns its r0 + 1000, or the error. */
static uint64_t h_direct(uint64_t pc, uint64_t a, uint64_t c, uint64_t d, uint64_t e,
			 anybpf_run *run)
{
	(void)c; (void)d; (void)e;
	uint64_t args[5] = { a, 0, 0, 0, 0 }, ret = 0;
	int r = vm_jit_call(run, (size_t)pc, args, &ret);
	return r < 0 ? (uint64_t)(int64_t)r : ret + 1000;
}

struct out {
	int err;
	uint64_t ret, insns;
	uint8_t mem[64];
};

/* a verified VM: the JIT charges no budget (insns 0), zeroes no frames */
static int verified;

static struct out run1(const struct anybpf_insn *p, size_t n, enum anybpf_exec_mode mode,
		       uint64_t budget, unsigned depth)
{
	struct out o;
	memset(&o, 0, sizeof(o));
	for (size_t i = 0; i < sizeof(o.mem); i++)
		o.mem[i] = (uint8_t)(i * 7);
	struct anybpf_vm_opts vo = { .sz = sizeof(vo), .call_depth = depth, .verified = verified };
	anybpf_vm *vm = anybpf_vm_new(&vo);
	anybpf_vm_register_helper(vm, H_LOOP, h_loop, NULL);
	anybpf_vm_register_helper(vm, H_STOP, h_stop, NULL);
	anybpf_vm_register_helper(vm, H_FAIL, h_fail, NULL);
	anybpf_vm_register_helper(vm, H_DIRECT, h_direct, NULL);
	struct anybpf_log log = { .err_pc = -1, .err_line = -1 };
	o.err = anybpf_vm_load(vm, p, n, &log);
	if (!o.err) {
		struct anybpf_exec_opts eo = {
			.sz = sizeof(eo), .mode = mode, .budget = budget,
			.args = { (uint64_t)(uintptr_t)o.mem, sizeof(o.mem) },
		};
		struct anybpf_exec_result res = { 0, 0 };
		o.err = anybpf_vm_exec(vm, &eo, &res, &log);
		o.ret = res.retval;
		o.insns = res.insns;
	}
	anybpf_vm_free(vm);
	return o;
}

/* Both engines; the interpreter's result (checked to equal the JIT's). */
static struct out diff_(const struct anybpf_insn *p, size_t n, uint64_t budget, unsigned depth,
			const char *what, int line)
{
	struct out i = run1(p, n, ANYBPF_EXEC_FAST, budget, depth);
	if (!HAVE_JIT)
		return i;
	struct out j = run1(p, n, ANYBPF_EXEC_JIT, budget, depth);
	int same = i.err == j.err && i.ret == j.ret && (verified ? j.insns == 0 : i.insns == j.insns) &&
		   memcmp(i.mem, j.mem, sizeof(i.mem)) == 0;
	if (!unit_check(same, what, __FILE__, line))
		fprintf(stderr, "    interp err %d r0 0x%llx insns %llu; jit err %d r0 0x%llx insns %llu%s\n",
			i.err, (unsigned long long)i.ret, (unsigned long long)i.insns, j.err,
			(unsigned long long)j.ret, (unsigned long long)j.insns,
			memcmp(i.mem, j.mem, sizeof(i.mem)) ? "; memory differs" : "");
	return i;
}
#define DIFF(p, b, d, what) diff_(p, sizeof(p) / sizeof((p)[0]), b, d, what, __LINE__)

TEST(jit_callback_matches_interpreter)
{
	/* main + cb + add3(x) = 3x + 1 */
	struct anybpf_insn p[] = {
		I(MOV64_X, 6, 1, 0, 0),                 /* 0: r6 = mem */
		FUNC(1, 9),                             /* 1-2: r1 = cb (pc 12) */
		MOV(2, 10),                             /* 3 */
		I(MOV64_X, 3, 6, 0, 0),                 /* 4: r3 = mem */
		I(CALL, 0, 0, 0, H_LOOP),               /* 5 */
		I(MUL64_K, 0, 0, 0, 1000),              /* 6 */
		I(LDXDW, 1, 6, 0, 0),                   /* 7: r1 = mem[0] */
		I(ADD64_X, 0, 1, 0, 0),                 /* 8 */
		I(LDXDW, 1, 6, 8, 0),                   /* 9: r1 = mem[8] (the last i seen) */
		I(ADD64_X, 0, 1, 0, 0),                 /* 10 */
		EXIT,                                   /* 11 */
		/* cb(i, ctx), pc 12 */
		I(STXDW, 10, 1, -8, 0),                 /* 12: [r10-8] = i */
		I(MOV64_X, 6, 2, 0, 0),                 /* 13: r6 = ctx */
		I(CALL_LOCAL, 0, 0, 0, 9),              /* 14: r0 = add3(i), pc 24 */
		I(LDXDW, 1, 6, 0, 0),                   /* 15 */
		I(ADD64_X, 1, 0, 0, 0),                 /* 16 */
		I(STXDW, 6, 1, 0, 0),                   /* 17: ctx[0] += 3i + 1 */
		I(LDXDW, 1, 10, -8, 0),                 /* 18: r1 = i (own frame intact) */
		I(STXDW, 6, 1, 8, 0),                   /* 19: ctx[8] = i */
		MOV(0, 0),                              /* 20 */
		I(JNE_K, 1, 0, 1, 6),                   /* 21: i != 6: return 0 */
		MOV(0, 1),                              /* 22: i == 6: stop the loop */
		EXIT,                                   /* 23 */
		/* add3(x), pc 24 */
		I(MOV64_X, 0, 1, 0, 0),                 /* 24 */
		I(MUL64_K, 0, 0, 0, 3),                 /* 25 */
		I(ADD64_K, 0, 0, 0, 1),                 /* 26 */
		EXIT,                                   /* 27 */
	};
	/* 7 calls (i = 0..6): mem[0] += sum(3i + 1), mem[8] = 6 */
	struct out o = DIFF(p, 0, 0, "callback loop");
	CHECK_EQ(o.err, 0);
	uint64_t m0;
	uint8_t init[8];
	for (int i = 0; i < 8; i++)
		init[i] = (uint8_t)(i * 7);
	memcpy(&m0, init, 8);
	uint64_t want = m0;
	for (uint64_t i = 0; i < 7; i++)
		want += 3 * i + 1;
	CHECK_EQ(o.ret, 7 * 1000 + want + 6);

	/* the same from a bpf-to-bpf callee (depth 1 at the helper call): the
	 * callback's frame lies below the callee's, whose stack survives */
	struct anybpf_insn q[] = {
		I(MOV64_X, 6, 1, 0, 0),                 /* 0: r6 = mem */
		I(STDW, 10, 0, -8, 4242),               /* 1: main's frame */
		I(CALL_LOCAL, 0, 0, 0, 3),              /* 2: f(), pc 6 */
		I(LDXDW, 1, 10, -8, 0),                 /* 3 */
		I(ADD64_X, 0, 1, 0, 0),                 /* 4 */
		EXIT,                                   /* 5 */
		/* f, pc 6 */
		I(STDW, 10, 0, -16, 777),               /* 6: f's frame */
		FUNC(1, 9),                             /* 7-8: r1 = cb, pc 18 */
		MOV(2, 5),                              /* 9 */
		I(MOV64_X, 3, 6, 0, 0),                 /* 10 */
		I(CALL, 0, 0, 0, H_LOOP),               /* 11 */
		I(LDXDW, 1, 10, -16, 0),                /* 12 */
		I(ADD64_X, 0, 1, 0, 0),                 /* 13: r0 = 5 + 777 */
		I(LDXDW, 1, 6, 0, 0),                   /* 14 */
		I(MUL64_K, 0, 0, 0, 10),                /* 15 */
		I(ADD64_X, 0, 1, 0, 0),                 /* 16 */
		EXIT,                                   /* 17 */
		/* cb(i, ctx), pc 18: writes all over its frame */
		I(STDW, 10, 0, -8, -1), I(STDW, 10, 0, -16, -1), I(STDW, 10, 0, -512, -1),
		I(LDXDW, 3, 2, 0, 0), I(ADD64_X, 3, 1, 0, 0), I(STXDW, 2, 3, 0, 0),
		MOV(0, 0), EXIT,
	};
	o = DIFF(q, 0, 0, "callback from a callee");
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.ret, (5 + 777) * 10 + m0 + 0 + 1 + 2 + 3 + 4 + 4242);
}

TEST(jit_callback_errors_match_interpreter)
{
	/* cb loops forever: the budget runs out inside the callback */
	struct anybpf_insn p[] = {
		FUNC(1, 5), MOV(2, 3), MOV(3, 0), I(CALL, 0, 0, 0, H_LOOP),
		I(ADD64_K, 0, 0, 0, 1), EXIT,
		/* cb, pc 7 */
		I(ADD64_K, 1, 0, 0, 1), I(JA, 0, 0, -2, 0), MOV(0, 0), EXIT,
	};
	loop_errors = 0;
	struct out o = DIFF(p, 10000, 0, "budget inside a callback");
	CHECK_EQ(o.err, -ANYBPF_E_BUDGET);
	CHECK(loop_errors >= (HAVE_JIT ? 2 : 1)); /* the helper saw it on both engines */

	/* the budget runs out at the callback's charge */
	struct anybpf_insn p2[] = {
		FUNC(1, 5), MOV(2, 100000), MOV(3, 0), I(CALL, 0, 0, 0, H_LOOP),
		EXIT, EXIT,
		/* cb, pc 7 */
		MOV(0, 0), MOV(0, 0), MOV(0, 0), EXIT,
	};
	o = DIFF(p2, 1000, 0, "budget at the callback's charge");
	CHECK_EQ(o.err, -ANYBPF_E_BUDGET);

	/* cb calls loop(cb) again: callbacks of callbacks until the depth
	 * limit (native entries nest and unwind one by one) */
	struct anybpf_insn d[] = {
		FUNC(1, 5), MOV(2, 2), MOV(3, 0), I(CALL, 0, 0, 0, H_LOOP),
		I(ADD64_K, 0, 0, 0, 1), EXIT,
		/* cb, pc 7 */
		I(LDDW_FUNC, 1, 0, 0, -1), HI(0), MOV(2, 2), MOV(3, 0), I(CALL, 0, 0, 0, H_LOOP),
		MOV(0, 0), EXIT,
	};
	o = DIFF(d, 0, 6, "callbacks nested to the depth limit");
	CHECK_EQ(o.err, -ANYBPF_E_CALL_DEPTH);

	/* the same nesting within the limit: the loop helper's counts */
	struct anybpf_insn d2[] = {
		MOV(6, 3),
		FUNC(1, 5), MOV(2, 2), MOV(3, 3), I(CALL, 0, 0, 0, H_LOOP),
		I(ADD64_X, 0, 6, 0, 0), EXIT,
		/* cb(i, depth_left), pc 8 */
		MOV(0, 0), I(JEQ_K, 2, 0, 6, 0),
		I(MOV64_X, 3, 2, 0, 0), I(SUB64_K, 3, 0, 0, 1),
		I(LDDW_FUNC, 1, 0, 0, -5), HI(0), MOV(2, 2), I(CALL, 0, 0, 0, H_LOOP),
		MOV(0, 0), EXIT,
	};
	/* ctx = how deep to nest: cb(i, 0) returns 0 at once */
	o = DIFF(d2, 0, 8, "callbacks nested within the limit");
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.ret, 2 + 3);

	/* a helper raising an error inside the callback ends the run with it */
	struct anybpf_insn f[] = {
		FUNC(1, 5), MOV(2, 3), MOV(3, 0), I(CALL, 0, 0, 0, H_LOOP),
		MOV(0, 55), EXIT,
		/* cb, pc 7 */
		I(CALL, 0, 0, 0, H_FAIL), MOV(0, 0), EXIT,
	};
	o = DIFF(f, 0, 0, "a helper's error inside a callback");
	CHECK_EQ(o.err, -ANYBPF_E_OOB);

	/* a helper stopping the run from inside the callback */
	struct anybpf_insn s[] = {
		FUNC(1, 5), MOV(2, 3), MOV(3, 0), I(CALL, 0, 0, 0, H_LOOP),
		MOV(0, 55), EXIT,
		/* cb, pc 7 */
		MOV(1, 31337), I(CALL, 0, 0, 0, H_STOP), MOV(0, 0), EXIT,
	};
	o = DIFF(s, 0, 0, "a stop inside a callback");
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.ret, 31337);
}

/* vm_jit_call straight from a helper, with an instruction index */
TEST(jit_call_direct)
{
	if (!HAVE_JIT)
		return;
	struct anybpf_insn p[] = {
		MOV(1, 6), MOV(2, 20), I(CALL, 0, 0, 0, H_DIRECT), EXIT,
		MOV(6, 0), EXIT,
		/* f(a), pc 6: reached only by CALL_LOCAL-style starts */
		I(MOV64_X, 0, 1, 0, 0), I(MUL64_K, 0, 0, 0, 2), EXIT,
	};
	/* make pc 6 a function start: a never-taken local call */
	p[4] = I(CALL_LOCAL, 0, 0, 0, 1);
	struct out o = run1(p, sizeof(p) / sizeof(p[0]), ANYBPF_EXEC_JIT, 0, 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.ret, 40 + 1000); /* f(20) */
	/* not a function start: refused, and the run ends with the error */
	p[0] = MOV(1, 7);
	o = run1(p, sizeof(p) / sizeof(p[0]), ANYBPF_EXEC_JIT, 0, 0);
	CHECK_EQ(o.err, -ANYBPF_E_INVAL);
}

/* The callbacks of verified programs (those that only read what they
 * wrote): no budget charge, no frame zeroing, the same results */
TEST(jit_callback_verified)
{
	verified = 1;
	jit_callback_matches_interpreter();
	verified = 0;
}
