/* test_callbacks.c - anybpf_run_call and the helpers built on it (bpf_loop,
 * bpf_for_each_map_elem) through the VM: every interpreter variant
 * (computed goto / switch, fast / checked) and the JIT, which must all
 * agree; errors (flags, a callback that is not a function, call depth,
 * budget, out-of-bounds access to a map value in checking mode). */
#include <errno.h>
#include <string.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "unit.h"
#include "unit_run.h"
#include "vm/vm_internal.h"

#define P(x) ((uint64_t)(uintptr_t)(x))

enum { V_GOTO_CHECKED, V_GOTO_FAST, V_SWITCH_CHECKED, V_SWITCH_FAST, V_JIT, NVARIANTS };
static const char *const vname[NVARIANTS] = { "goto/checked", "goto/fast", "switch/checked",
					      "switch/fast", "jit" };

static int check_eq_v(unsigned long long a, unsigned long long b, const char *expr, int v,
		      const char *file, int line)
{
	int ok = unit_check(a == b, expr, file, line);
	if (!ok)
		fprintf(stderr, "    [%s] got 0x%llx, want 0x%llx\n", vname[v], a, b);
	return ok;
}

static int check_v(int ok, const char *expr, int v, const char *file, int line)
{
	if (!unit_check(ok, expr, file, line))
		fprintf(stderr, "    [%s]\n", vname[v]);
	return ok;
}

#define CHECK_EQ_V(a, b, v) \
	check_eq_v((unsigned long long)(a), (unsigned long long)(b), #a " == " #b, v, __FILE__, __LINE__)
#define CHECK_V(cond, v) check_v(!!(cond), #cond, v, __FILE__, __LINE__)

struct cbfix {
	anybpf_vm *vm;
	struct anybpf_helper_env env;
	struct anybpf_helper_run hr;
	anybpf_rtmap *maps[2];
	char logbuf[1024];
	struct anybpf_log log;
	int jit_ok;
};

static int cb_setup(struct cbfix *f, const char *text, unsigned call_depth)
{
	memset(f, 0, sizeof(*f));
	f->env.sz = sizeof(f->env);
	f->env.maps = f->maps;
	f->log = (struct anybpf_log){ .buf = f->logbuf, .size = sizeof(f->logbuf) };
	struct anybpf_vm_opts vo = { .sz = sizeof(vo), .call_depth = call_depth };
	int err = unit_linux_vm(&f->vm, &vo, &f->env, text, &f->log);
	if (err)
		return err;
	f->jit_ok = anybpf_vm_jit_compile(f->vm, NULL) == 0;
	return 0;
}

static void cb_free(struct cbfix *f)
{
	anybpf_vm_free(f->vm);
	for (int i = 0; i < 2; i++)
		anybpf_rtmap_free(f->maps[i]);
}

/* One run in variant v: 0 and *ret, or the error (message in f->logbuf). */
static int cb_run(struct cbfix *f, int v, uint64_t r1, uint64_t r2, uint64_t budget,
		  uint64_t *ret)
{
	anybpf_helper_run_init(&f->hr, &f->env);
	vm_set_dispatch(f->vm, v == V_SWITCH_CHECKED || v == V_SWITCH_FAST ? VM_DISPATCH_SWITCH
									  : VM_DISPATCH_DEFAULT);
	enum anybpf_exec_mode mode = v == V_JIT ? ANYBPF_EXEC_JIT
				     : v == V_GOTO_FAST || v == V_SWITCH_FAST ? ANYBPF_EXEC_FAST
									      : ANYBPF_EXEC_CHECKED;
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = mode, .budget = budget,
				       .args = { r1, r2 }, .user = &f->hr };
	struct anybpf_exec_result res = { 0, 0 };
	f->logbuf[0] = 0;
	f->log.len = 0;
	int err = anybpf_vm_exec(f->vm, &eo, &res, &f->log);
	*ret = res.retval;
	return err;
}

/* Run in every variant (JIT when it compiled): expect `want`. */
static void expect_all(struct cbfix *f, uint64_t r1, uint64_t r2, uint64_t want)
{
	for (int v = 0; v < NVARIANTS; v++) {
		if (v == V_JIT && !f->jit_ok)
			continue;
		uint64_t r = 0;
		int err = cb_run(f, v, r1, r2, 0, &r);
		if (!CHECK_EQ_V(err, 0, v) || !CHECK_EQ_V(r, want, v))
			fprintf(stderr, "    %s", f->logbuf);
	}
}

/* Run in every variant: expect error `code` with `text` in the message. */
static void expect_err_all(struct cbfix *f, uint64_t r1, uint64_t r2, uint64_t budget, int code,
			   const char *text)
{
	for (int v = 0; v < NVARIANTS; v++) {
		if (v == V_JIT && !f->jit_ok)
			continue;
		uint64_t r = 0;
		int err = cb_run(f, v, r1, r2, budget, &r);
		CHECK_EQ_V(err, code, v);
		if (!CHECK_V(strstr(f->logbuf, text) != NULL, v))
			fprintf(stderr, "    log: %s\n", f->logbuf);
	}
}

static int jit_noted;

static void note_jit(const struct cbfix *f)
{
	if (!f->jit_ok && !jit_noted++)
		fprintf(stderr, "  note: the JIT is not available here: callbacks tested in the interpreters only\n");
}

/* bpf_loop(r1 = n, cb, &sum on the stack, flags r2): sum += index; the
 * callback stops after index 100.  r0 = the helper's result << 32 | sum. */
static const char loop_prog[] =
	"r6 = r1\n"                   /* 0 */
	"r7 = r2\n"                   /* 1 */
	"r1 = 0\n"                    /* 2 */
	"*(u64 *)(r10 - 8) = r1\n"    /* 3 */
	"r1 = r6\n"                   /* 4 */
	"lddw %r2, func 10\n"         /* 5-6: the callback at 16 */
	"r3 = r10\n"                  /* 7 */
	"r3 += -8\n"                  /* 8 */
	"r4 = r7\n"                   /* 9 */
	"call 181\n"                  /* 10: bpf_loop */
	"r1 = *(u64 *)(r10 - 8)\n"    /* 11 */
	"r0 <<= 32\n"                 /* 12 */
	"r1 &= 0xffffffff\n"          /* 13 */
	"r0 |= r1\n"                  /* 14 */
	"exit\n"                      /* 15 */
	"r3 = *(u64 *)(r2 + 0)\n"     /* 16: callback(index r1, ctx r2) */
	"r3 += r1\n"
	"*(u64 *)(r2 + 0) = r3\n"
	"r0 = 0\n"
	"if r1 != 100 goto +1\n"
	"r0 = 1\n"
	"exit\n";

#define LOOP_RET(ret, sum) ((uint64_t)(uint32_t)(ret) << 32 | (uint32_t)(sum))

TEST(callback_bpf_loop)
{
	struct cbfix f;
	CHECK_EQ(cb_setup(&f, loop_prog, 0), 0);
	note_jit(&f);
	expect_all(&f, 0, 0, LOOP_RET(0, 0));
	expect_all(&f, 10, 0, LOOP_RET(10, 45));
	/* stopped by the callback at index 100: 101 iterations done */
	expect_all(&f, 1000, 0, LOOP_RET(101, 5050));
	/* flags must be 0; more than 1 << 23 loops is -E2BIG; nr_loops is a u32 */
	expect_all(&f, 10, 1, LOOP_RET(-EINVAL, 0));
	expect_all(&f, (1u << 23) + 1, 0, LOOP_RET(-E2BIG, 0));
	expect_all(&f, (1ull << 32) | 3, 0, LOOP_RET(3, 3));
	cb_free(&f);
}

TEST(callback_bpf_loop_budget)
{
	/* the callbacks' instructions count against the run's budget */
	struct cbfix f;
	CHECK_EQ(cb_setup(&f, loop_prog, 0), 0);
	expect_err_all(&f, 90, 0, 300, -ANYBPF_E_BUDGET, "budget of 300 exhausted");
	/* enough budget: the same run succeeds */
	for (int v = 0; v < NVARIANTS; v++) {
		if (v == V_JIT && !f.jit_ok)
			continue;
		uint64_t r = 0;
		CHECK_EQ_V(cb_run(&f, v, 90, 0, 2000, &r), 0, v);
		CHECK_EQ_V(r, LOOP_RET(90, 4005), v);
	}
	cb_free(&f);
}

TEST(callback_not_a_function)
{
	/* r2 = 12345 (from the argument): not the address of a function */
	static const char prog[] =
		"r6 = r1\n"
		"r1 = 3\n"
		"r2 = r6\n"
		"r3 = 0\n"
		"r4 = 0\n"
		"call 181\n"
		"exit\n";
	struct cbfix f;
	CHECK_EQ(cb_setup(&f, prog, 0), 0);
	expect_err_all(&f, 12345, 0, 0, -ANYBPF_E_CALLX,
		       "loop: callback 0x3039 is not the address of a function");
	/* the address of an instruction inside a function is no better */
	expect_err_all(&f, P(&f.vm->prog.code[1]), 0, 0, -ANYBPF_E_CALLX, "callback 0x");
	/* with no iterations the callback is never called */
	static const char none[] =
		"r2 = r1\n"
		"r1 = 0\n"
		"r3 = 0\n"
		"r4 = 0\n"
		"call 181\n"
		"r0 += 7\n"
		"exit\n";
	cb_free(&f);
	CHECK_EQ(cb_setup(&f, none, 0), 0);
	expect_all(&f, 12345, 0, 7);
	cb_free(&f);
}

/* Nested: an outer bpf_loop of r1 iterations whose callback runs an inner
 * bpf_loop of r2 iterations adding 1 to a counter each time. */
TEST(callback_nested)
{
	struct cbfix f;
	static const char prog[] =
		"r6 = r1\n"                    /* 0: outer count */
		"r1 = 0\n"                     /* 1 */
		"*(u64 *)(r10 - 8) = r1\n"     /* 2: counter */
		"*(u64 *)(r10 - 16) = r2\n"    /* 3: inner count */
		"r1 = r6\n"                    /* 4 */
		"lddw %r2, func 7\n"           /* 5-6: outer cb at 13 */
		"r3 = r10\n"                   /* 7 */
		"r3 += -16\n"                  /* 8: ctx = &{inner, counter} */
		"r4 = 0\n"                     /* 9 */
		"call 181\n"                   /* 10 */
		"r0 = *(u64 *)(r10 - 8)\n"     /* 11 */
		"exit\n"                       /* 12 */
		"r1 = *(u64 *)(r2 + 0)\n"      /* 13: outer cb(i, ctx): inner loop */
		"r3 = r2\n"                    /* 14 */
		"r3 += 8\n"                    /* 15: &counter */
		"lddw %r2, func 5\n"           /* 16-17: inner cb at 22 */
		"r4 = 0\n"                     /* 18 */
		"call 181\n"                   /* 19 */
		"r0 = 0\n"                     /* 20 */
		"exit\n"                       /* 21 */
		"r1 = *(u64 *)(r2 + 0)\n"      /* 22: inner cb(i, &counter) */
		"r1 += 1\n"
		"*(u64 *)(r2 + 0) = r1\n"
		"r0 = 0\n"
		"exit\n";
	CHECK_EQ(cb_setup(&f, prog, 0), 0);
	expect_all(&f, 7, 9, 63);
	expect_all(&f, 0, 9, 0);
	cb_free(&f);
	/* three frames (main, outer, inner) do not fit a call depth of 2 */
	CHECK_EQ(cb_setup(&f, prog, 2), 0);
	expect_err_all(&f, 7, 9, 0, -ANYBPF_E_CALL_DEPTH, "the limit is 2");
	expect_all(&f, 0, 9, 0);
	cb_free(&f);
	CHECK_EQ(cb_setup(&f, prog, 3), 0);
	expect_all(&f, 3, 4, 12);
	cb_free(&f);
}

/* bpf_for_each_map_elem(map r1, cb, &ctx, flags r2): the callback adds
 * key * 1000 + value to ctx, multiplies the value by 10 and stops at key
 * 2.  r0 = the helper's result << 32 | ctx. */
static const char each_prog[] =
	"r6 = r1\n"                    /* 0 */
	"r4 = r2\n"                    /* 1 */
	"r1 = 0\n"                     /* 2 */
	"*(u64 *)(r10 - 8) = r1\n"     /* 3 */
	"r1 = r6\n"                    /* 4 */
	"lddw %r2, func 10\n"          /* 5-6: cb at 16 */
	"r3 = r10\n"                   /* 7 */
	"r3 += -8\n"                   /* 8 */
	"call 164\n"                   /* 9 */
	"r1 = *(u64 *)(r10 - 8)\n"     /* 10 */
	"r0 <<= 32\n"                  /* 11 */
	"r1 &= 0xffffffff\n"           /* 12 */
	"r0 |= r1\n"                   /* 13 */
	"exit\n"                       /* 14 */
	"exit\n"                       /* 15 (unreached) */
	"r5 = *(u32 *)(r2 + 0)\n"      /* 16: cb(map, key, value, ctx) */
	"r6 = r5\n"
	"r5 *= 1000\n"
	"r0 = *(u64 *)(r3 + 0)\n"
	"r5 += r0\n"
	"r0 *= 10\n"
	"*(u64 *)(r3 + 0) = r0\n"
	"r0 = *(u64 *)(r4 + 0)\n"
	"r0 += r5\n"
	"*(u64 *)(r4 + 0) = r0\n"
	"r0 = 0\n"
	"if r6 != 2 goto +1\n"
	"r0 = 1\n"
	"exit\n";

static anybpf_rtmap *mkmap(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = type, .key_size = ks,
				       .value_size = vs, .max_entries = max, .ncpus = 1 };
	anybpf_rtmap *m = NULL;
	return anybpf_rtmap_new(&o, &m) ? NULL : m;
}

TEST(callback_for_each_map_elem_array)
{
	struct cbfix f;
	CHECK_EQ(cb_setup(&f, each_prog, 0), 0);
	note_jit(&f);
	f.maps[0] = mkmap(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 4);
	f.env.nmaps = 1;
	CHECK(f.maps[0] != NULL);
	for (int v = 0; v < NVARIANTS; v++) {
		if (v == V_JIT && !f.jit_ok)
			continue;
		for (uint32_t k = 0; k < 4; k++) {
			uint64_t val = k + 1;
			anybpf_rtmap_update(f.maps[0], &k, &val, ANYBPF_ANY);
		}
		uint64_t r = 0;
		/* keys 0, 1, 2 visited (2 stops): 1 + 1002 + 2003 */
		CHECK_EQ_V(cb_run(&f, v, P(f.maps[0]), 0, 0, &r), 0, v);
		CHECK_EQ_V(r, LOOP_RET(3, 3006), v);
		uint64_t vals[4] = { 0 };
		for (uint32_t k = 0; k < 4; k++)
			anybpf_rtmap_lookup(f.maps[0], &k, &vals[k]);
		CHECK_EQ_V(vals[0], 10, v);
		CHECK_EQ_V(vals[2], 30, v);
		CHECK_EQ_V(vals[3], 4, v); /* not visited */
	}
	/* flags must be 0; a map the program was not given is -EINVAL */
	expect_all(&f, P(f.maps[0]), 1, LOOP_RET(-EINVAL, 0));
	anybpf_rtmap *other = mkmap(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 4);
	expect_all(&f, P(other), 0, LOOP_RET(-EINVAL, 0));
	anybpf_rtmap_free(other);
	cb_free(&f);
}

TEST(callback_for_each_map_elem_hash)
{
	struct cbfix f;
	CHECK_EQ(cb_setup(&f, each_prog, 0), 0);
	f.maps[0] = mkmap(ANYBPF_MAP_TYPE_HASH, 4, 8, 8);
	f.env.nmaps = 1;
	uint32_t keys[2] = { 5, 7 };
	for (int v = 0; v < NVARIANTS; v++) {
		if (v == V_JIT && !f.jit_ok)
			continue;
		for (int i = 0; i < 2; i++) {
			uint64_t val = 1;
			anybpf_rtmap_update(f.maps[0], &keys[i], &val, ANYBPF_ANY);
		}
		uint64_t r = 0;
		/* no key 2: both visited, 5001 + 7001 */
		CHECK_EQ_V(cb_run(&f, v, P(f.maps[0]), 0, 0, &r), 0, v);
		CHECK_EQ_V(r, LOOP_RET(2, 12002), v);
		uint64_t val = 0;
		anybpf_rtmap_lookup(f.maps[0], &keys[1], &val);
		CHECK_EQ_V(val, 10, v);
	}
	/* an empty map: no call, 0 */
	anybpf_rtmap_delete(f.maps[0], &keys[0]);
	anybpf_rtmap_delete(f.maps[0], &keys[1]);
	expect_all(&f, P(f.maps[0]), 0, LOOP_RET(0, 0));
	cb_free(&f);
}

TEST(callback_for_each_map_elem_checked_value)
{
	/* the callback writes 8 bytes past its 8-byte value: the checking
	 * mode stops it (the value is a region only while the callback runs) */
	static const char prog[] =
		"r3 = 0\n"
		"r4 = 0\n"
		"lddw %r2, func 3\n"
		"call 164\n"
		"exit\n"
		"r1 = 1\n"                    /* cb */
		"*(u64 *)(r3 + 8) = r1\n"
		"r0 = 0\n"
		"exit\n";
	struct cbfix f;
	CHECK_EQ(cb_setup(&f, prog, 0), 0);
	f.maps[0] = mkmap(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 2);
	f.env.nmaps = 1;
	uint64_t r = 0;
	CHECK_EQ(cb_run(&f, V_GOTO_CHECKED, P(f.maps[0]), 0, 0, &r), -ANYBPF_E_OOB);
	CHECK(strstr(f.logbuf, "out-of-bounds store of 8 bytes") != NULL);
	CHECK_EQ(cb_run(&f, V_SWITCH_CHECKED, P(f.maps[0]), 0, 0, &r), -ANYBPF_E_OOB);
	cb_free(&f);
}
