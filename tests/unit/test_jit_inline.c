/* test_jit_inline.c - what the JIT does without calling out: array-map
 * lookups inlined (anybpf_vm_set_jit_inline_maps), and `repeat` looping
 * inside the generated code.
 *
 * 1. bpf_map_lookup_elem on array maps (strides 8 and 24, so the shift and
 *    the multiply) and a per-CPU array (the run's cpu in range and not) for
 *    keys in range, at the edge and far out of range:
 *    the JIT returns the very pointer (or NULL) the fast interpreter's
 *    helper call returns, blinded or not, and its code for the call holds
 *    no call instruction; where the map is not known (a jump target
 *    between the lddw and the call, a map in a register copy, a hash map,
 *    an unverified VM) the helper is called, with the same results.
 * 2. anybpf_rtmap_array_layout on each map type; bpf_get_smp_processor_id
 *    inlined (the run's cpu, as the helper reads it).
 * 3. repeat: LD_ABS out of bounds deep in bpf-to-bpf calls ends a run and
 *    the next one starts cleanly at depth 0, as in the interpreter (the
 *    call depth limit would stop a run that did not). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "isa.h"
#include "unit.h"
#include "vm/vm_internal.h"

#define I(id, d, s, o, imm) isa_encode(ISA_##id, d, s, o, imm)
#define HI(v) ((struct anybpf_insn){ .imm = (int32_t)(v) })
#define EXIT I(EXIT, 0, 0, 0, 0)
/* r1 = map number k (pseudo fd) */
#define LD_MAP(d, k) I(LDDW_MAP_FD, d, 1, 0, ANYBPF_MAP_FD_BASE + (k)), HI(0)

struct fixture {
	/* array vs 20 (stride 24), array vs 8, hash, percpu_array (3 cpus) */
	anybpf_rtmap *maps[4];
	struct anybpf_helper_env env;
	struct anybpf_helper_run hr;
};

static int resolve(void *user, unsigned src, int32_t imm, int32_t imm2, uint64_t *value)
{
	struct fixture *f = user;
	(void)imm2;
	int64_t k = (int64_t)imm - ANYBPF_MAP_FD_BASE;
	if (src != 1 || k < 0 || k >= 4)
		return -ANYBPF_E_PSEUDO;
	*value = (uint64_t)(uintptr_t)f->maps[k];
	return 0;
}

static int fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	static const struct { uint32_t type, ks, vs, max; } defs[4] = {
		{ ANYBPF_MAP_TYPE_ARRAY, 4, 20, 5 },
		{ ANYBPF_MAP_TYPE_ARRAY, 4, 8, 7 },
		{ ANYBPF_MAP_TYPE_HASH, 4, 8, 16 },
		{ ANYBPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 6 },
	};
	for (int i = 0; i < 4; i++) {
		struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = defs[i].type,
					       .key_size = defs[i].ks, .value_size = defs[i].vs,
					       .max_entries = defs[i].max, .ncpus = 3 };
		if (anybpf_rtmap_new(&o, &f->maps[i]))
			return -1;
	}
	for (uint32_t k = 0; k < 7; k++) {
		uint8_t v[24];
		memset(v, (int)(0x11 * (k + 1)), sizeof(v));
		if (k < 5)
			anybpf_rtmap_update(f->maps[0], &k, v, ANYBPF_ANY);
		anybpf_rtmap_update(f->maps[1], &k, v, ANYBPF_ANY);
		if (k % 2)
			anybpf_rtmap_update(f->maps[2], &k, v, ANYBPF_ANY);
	}
	f->env.sz = sizeof(f->env);
	f->env.maps = f->maps;
	f->env.nmaps = 4;
	anybpf_helper_run_init(&f->hr, &f->env);
	return 0;
}

static void fixture_free(struct fixture *f)
{
	for (int i = 0; i < 4; i++)
		anybpf_rtmap_free(f->maps[i]);
}

static anybpf_vm *mkvm(struct fixture *f, const struct anybpf_insn *p, size_t n, int verified,
		       int inl, int blind)
{
	struct anybpf_vm_opts vo = { .sz = sizeof(vo), .resolve_lddw = resolve, .resolve_user = f,
				     .verified = verified };
	anybpf_vm *vm = anybpf_vm_new(&vo);
	if (!vm || anybpf_helpers_register_linux(vm, &f->env) ||
	    anybpf_vm_set_jit_inline_maps(vm, inl) || anybpf_vm_set_jit_blinding(vm, blind) ||
	    anybpf_vm_load(vm, p, n, NULL) || anybpf_vm_jit_compile(vm, NULL)) {
		anybpf_vm_free(vm);
		return NULL;
	}
	return vm;
}

static uint64_t run(anybpf_vm *vm, struct fixture *f, enum anybpf_exec_mode mode, uint64_t key,
		    int *err)
{
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = mode, .args = { key },
				       .user = &f->hr };
	struct anybpf_exec_result res = { 0, 0 };
	*err = anybpf_vm_exec(vm, &eo, &res, NULL);
	return res.retval;
}

/* Does the native code of instruction pc call a helper (call [r10+disp],
 * REX.B FF /2)? */
static int calls_out(const anybpf_vm *vm, size_t pc)
{
	const void *code;
	anybpf_vm_jit_code(vm, &code);
	size_t a = anybpf_vm_jit_insn_offset(vm, pc), b = anybpf_vm_jit_insn_offset(vm, pc + 1);
	const uint8_t *c = code;
	for (size_t i = a; i + 2 < b; i++)
		if (c[i] == 0x41 && c[i + 1] == 0xff && (c[i + 2] >> 3 & 7) == 2)
			return 1;
	return 0;
}

static const uint64_t keys[] = { 0, 1, 4, 5, 6, 7, 8, 0x7fffffff, 0x80000000, 0xffffffff,
				 0x100000002ull /* only the low 32 bits are the key */ };

/* Each key through `p` (call at pc `call_pc`): fast interpreter vs JIT,
 * the same r0; inlined or not as `want_inline` says. */
static void compare(struct fixture *f, const struct anybpf_insn *p, size_t n, size_t call_pc,
		    int verified, int want_inline, const char *what)
{
	for (int blind = 0; blind < 2; blind++) {
		anybpf_vm *vm = mkvm(f, p, n, verified, 1, blind);
		CHECK(vm != NULL);
		if (!vm)
			return;
		if (!unit_check(calls_out(vm, call_pc) == !want_inline, what, __FILE__, __LINE__))
			fprintf(stderr, "    %s: the lookup is %s\n", what,
				want_inline ? "called, not inlined" : "inlined");
		for (size_t k = 0; k < 4 * sizeof(keys) / sizeof(keys[0]); k++) {
			/* the per-CPU slot of cpu 0-2, and a cpu past ncpus */
			f->hr.cpu = (unsigned)(k / (sizeof(keys) / sizeof(keys[0])));
			int e1, e2;
			uint64_t key = keys[k % (sizeof(keys) / sizeof(keys[0]))];
			uint64_t r1 = run(vm, f, verified ? ANYBPF_EXEC_FAST : ANYBPF_EXEC_CHECKED,
					  key, &e1);
			uint64_t r2 = run(vm, f, ANYBPF_EXEC_JIT, key, &e2);
			if (!unit_check(e1 == 0 && e2 == 0 && r1 == r2, what, __FILE__, __LINE__))
				fprintf(stderr, "    key 0x%llx cpu %u blind %d: interp %d 0x%llx, jit %d 0x%llx\n",
					(unsigned long long)key, f->hr.cpu, blind, e1,
					(unsigned long long)r1, e2, (unsigned long long)r2);
		}
		f->hr.cpu = 0;
		anybpf_vm_free(vm);
	}
}

TEST(jit_inline_array_lookup)
{
	if (!anybpf_jit_available())
		return;
	struct fixture f;
	CHECK(fixture_init(&f) == 0);
	for (int m = 0; m < 4; m++) {
		/* r0 = lookup(map m, &(u32)r1): the pointer itself */
		const struct anybpf_insn ptr[] = {
			I(STXW, 10, 1, -4, 0), LD_MAP(1, m), I(MOV64_X, 2, 10, 0, 0),
			I(ADD64_K, 2, 0, 0, -4), I(CALL, 0, 0, 0, 1), EXIT,
		};
		compare(&f, ptr, sizeof(ptr) / sizeof(ptr[0]), 5, 1, m != 2,
			m != 2 ? "array lookup inlined, same pointer" : "hash lookup called");
		/* the value's first 8 bytes, or -1 when NULL */
		const struct anybpf_insn val[] = {
			I(STXW, 10, 1, -4, 0), I(MOV64_X, 2, 10, 0, 0), LD_MAP(1, m),
			I(ADD64_K, 2, 0, 0, -4), I(CALL, 0, 0, 0, 1),
			I(JNE_K, 0, 0, 2, 0), I(MOV64_K, 0, 0, 0, -1), EXIT,
			I(LDXDW, 0, 0, 0, 0), EXIT,
		};
		compare(&f, val, sizeof(val) / sizeof(val[0]), 5, 1, m != 2, "array lookup value");
	}
	/* a jump target between the lddw and the call: the map is not known */
	const struct anybpf_insn tgt[] = {
		I(STXW, 10, 1, -4, 0), LD_MAP(1, 0), I(MOV64_X, 2, 10, 0, 0),
		I(ADD64_K, 2, 0, 0, -4), I(JA, 0, 0, 0, 0), I(CALL, 0, 0, 0, 1), EXIT,
	};
	compare(&f, tgt, sizeof(tgt) / sizeof(tgt[0]), 6, 1, 0, "jump target: lookup called");
	/* r1 overwritten after the lddw (through a copy): not known */
	const struct anybpf_insn cpy[] = {
		I(STXW, 10, 1, -4, 0), LD_MAP(3, 1), LD_MAP(1, 0), I(MOV64_X, 1, 3, 0, 0),
		I(MOV64_X, 2, 10, 0, 0), I(ADD64_K, 2, 0, 0, -4), I(CALL, 0, 0, 0, 1), EXIT,
	};
	compare(&f, cpy, sizeof(cpy) / sizeof(cpy[0]), 8, 1, 0, "r1 rewritten: lookup called");
	/* two lookups in one block, the second after a call clobbered r1 and
	 * a new lddw set it: both inlined */
	const struct anybpf_insn two[] = {
		I(STXW, 10, 1, -4, 0), LD_MAP(1, 0), I(MOV64_X, 2, 10, 0, 0),
		I(ADD64_K, 2, 0, 0, -4), I(CALL, 0, 0, 0, 1), I(MOV64_X, 6, 0, 0, 0),
		LD_MAP(1, 1), I(MOV64_X, 2, 10, 0, 0), I(ADD64_K, 2, 0, 0, -4),
		I(CALL, 0, 0, 0, 1), I(SUB64_X, 0, 6, 0, 0), EXIT,
	};
	compare(&f, two, sizeof(two) / sizeof(two[0]), 11, 1, 1, "second lookup inlined");
	compare(&f, two, sizeof(two) / sizeof(two[0]), 5, 1, 1, "first lookup inlined");
	/* an unverified VM: never inlined (checking mode compares) */
	const struct anybpf_insn ptr0[] = {
		I(STXW, 10, 1, -4, 0), LD_MAP(1, 0), I(MOV64_X, 2, 10, 0, 0),
		I(ADD64_K, 2, 0, 0, -4), I(CALL, 0, 0, 0, 1), EXIT,
	};
	anybpf_vm *vm = mkvm(&f, ptr0, 7, 0, 1, 0);
	CHECK(vm != NULL && calls_out(vm, 5));
	anybpf_vm_free(vm);
	/* inlining off: called */
	vm = mkvm(&f, ptr0, 7, 1, 0, 0);
	CHECK(vm != NULL && calls_out(vm, 5));
	anybpf_vm_free(vm);
	fixture_free(&f);
}

TEST(rtmap_array_layout)
{
	struct anybpf_rtmap_array_layout l;
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_ARRAY, .key_size = 4,
				       .value_size = 13, .max_entries = 9 };
	anybpf_rtmap *m = NULL;
	CHECK(anybpf_rtmap_new(&o, &m) == 0);
	CHECK(anybpf_rtmap_array_layout(m, &l) == 0);
	CHECK_EQ(l.stride, 16);
	CHECK_EQ(l.max_entries, 9);
	CHECK_EQ(l.value_size, 13);
	CHECK_EQ(l.ncpus, 0);
	uint32_t k = 8;
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 0) == (uint8_t *)l.base + 8 * 16);
	CHECK(anybpf_rtmap_array_layout(NULL, &l) == -EINVAL);
	anybpf_rtmap_free(m);
	/* per-CPU: cpu c's slot of index i at (i * ncpus + c) * stride */
	o.type = ANYBPF_MAP_TYPE_PERCPU_ARRAY;
	o.ncpus = 3;
	CHECK(anybpf_rtmap_new(&o, &m) == 0);
	CHECK(anybpf_rtmap_array_layout(m, &l) == 0);
	CHECK_EQ(l.ncpus, 3);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 2) == (uint8_t *)l.base + (8 * 3 + 2) * 16);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 3) == NULL);
	anybpf_rtmap_free(m);
	/* hashes, prog arrays and write-only arrays: not inlinable */
	static const struct { uint32_t type, flags, vs; } no[] = {
		{ ANYBPF_MAP_TYPE_HASH, 0, 13 }, { ANYBPF_MAP_TYPE_ARRAY, ANYBPF_F_WRONLY_PROG, 13 },
		{ ANYBPF_MAP_TYPE_PROG_ARRAY, 0, 4 },
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		o.type = no[i].type;
		o.map_flags = no[i].flags;
		o.value_size = no[i].vs;
		m = NULL;
		CHECK(anybpf_rtmap_new(&o, &m) == 0);
		CHECK(anybpf_rtmap_array_layout(m, &l) == -ENOTSUP);
		anybpf_rtmap_free(m);
	}
}

/* LD_ABS out of bounds in a callee two calls deep ends the run (r0 = 0);
 * with repeat, every run counts in memory and starts at depth 0. */
TEST(jit_repeat_pkt_oob_in_callee)
{
	if (!anybpf_jit_available())
		return;
	const struct anybpf_insn p[] = {
		/* 0 */ I(LDXDW, 2, 1, 0, 0), I(ADD64_K, 2, 0, 0, 1), I(STXDW, 1, 2, 0, 0),
		/* 3 */ I(MOV64_K, 6, 0, 0, 5), I(CALL_LOCAL, 0, 1, 0, 2), I(MOV64_K, 0, 0, 0, 77), EXIT,
		/* 7 f1 */ I(CALL_LOCAL, 0, 1, 0, 1), EXIT,
		/* 9 f2 */ I(LDABSB, 0, 0, 0, 100), I(MOV64_K, 0, 0, 0, 55), EXIT,
	};
	for (int v = 0; v < 2; v++) {
		struct anybpf_vm_opts vo = { .sz = sizeof(vo), .verified = v };
		anybpf_vm *vm = anybpf_vm_new(&vo);
		CHECK(vm && anybpf_vm_load(vm, p, sizeof(p) / sizeof(p[0]), NULL) == 0);
		uint64_t mem[2] = { 0, 0 };
		uint8_t pkt[8] = { 1, 2, 3 };
		struct anybpf_region reg = { mem, sizeof(mem), ANYBPF_REGION_RW, "mem" };
		for (int mode = 0; mode < 2; mode++) {
			struct anybpf_exec_opts eo = {
				.sz = sizeof(eo), .mode = mode ? ANYBPF_EXEC_JIT : ANYBPF_EXEC_FAST,
				.repeat = 100, .args = { (uint64_t)(uintptr_t)mem }, .regions = &reg,
				.nregions = 1, .pkt = pkt, .pkt_len = sizeof(pkt),
			};
			struct anybpf_exec_result res = { 1, 1 };
			mem[0] = 0;
			CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
			CHECK_EQ(mem[0], 100);
			CHECK_EQ(res.retval, 0);
		}
		anybpf_vm_free(vm);
	}
}

/* bpf_get_smp_processor_id: inlined in every VM, the run's cpu (0 with no
 * helper run), as the helper returns it; r1-r5 kept as a call keeps them. */
TEST(jit_inline_cpu_id)
{
	if (!anybpf_jit_available())
		return;
	struct fixture f;
	CHECK(fixture_init(&f) == 0);
	const struct anybpf_insn p[] = {
		I(MOV64_K, 3, 0, 0, 40), I(CALL, 0, 0, 0, 8), I(ADD64_X, 0, 3, 0, 0), EXIT,
	};
	for (int verified = 0; verified < 2; verified++) {
		anybpf_vm *vm = mkvm(&f, p, 4, verified, 0, 0);
		CHECK(vm != NULL && !calls_out(vm, 1));
		for (unsigned cpu = 0; vm && cpu < 3; cpu++) {
			f.hr.cpu = cpu * 7;
			for (int mode = 0; mode < 2; mode++) {
				struct anybpf_exec_opts eo = {
					.sz = sizeof(eo), .user = cpu == 2 ? NULL : &f.hr,
					.mode = mode ? ANYBPF_EXEC_JIT
						     : verified ? ANYBPF_EXEC_FAST : ANYBPF_EXEC_CHECKED,
				};
				struct anybpf_exec_result res = { 0, 0 };
				CHECK_EQ(anybpf_vm_exec(vm, &eo, &res, NULL), 0);
				CHECK_EQ(res.retval, cpu == 2 ? 40 : 40 + cpu * 7);
			}
		}
		anybpf_vm_free(vm);
	}
	fixture_free(&f);
}
