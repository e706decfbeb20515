/* vm_internal.h - the VM's data: the loaded program, the helper registry and
 * one run; shared by vm.c (load, exec, checks) and the interpreter bodies. */
#ifndef ANYBPF_VM_INTERNAL_H
#define ANYBPF_VM_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "anybpf.h"
#include "common/common.h"
#include "isa.h"

#define VM_STACK_SIZE 512u     /* bytes per frame */
#define VM_CALL_DEPTH_DEFAULT 8u
#define VM_CALL_DEPTH_MAX 65536u

#if defined(__GNUC__)
#define VM_LIKELY(x) __builtin_expect(!!(x), 1)
#define VM_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* keeps the compiler from merging the accesses on either side */
#define VM_BARRIER() __asm__ __volatile__("" ::: "memory")
/* x, kept in a general register: stops a compiler from merging loads of
 * neighbouring values into one vector load, which stalls when the values
 * were just stored one by one (store forwarding fails) */
#define VM_SCALAR(x) __asm__("" : "+r"(x))
#else
#define VM_LIKELY(x) (x)
#define VM_UNLIKELY(x) (x)
#define VM_BARRIER() ((void)0)
#define VM_SCALAR(x) ((void)0)
#endif

/* args[0..4], one 8-byte load each (see VM_SCALAR) */
static inline void vm_load_args(uint64_t *dst, const uint64_t *args)
{
	for (int i = 0; i < 5; i++) {
		uint64_t v = args[i];
		VM_SCALAR(v);
		dst[i] = v;
	}
}

struct vm_helper {
	uint32_t id;
	anybpf_helper_fn fn;
	struct anybpf_helper_proto proto; /* name never NULL */
	char defname[24];                 /* "helper_64" when the proto has none */
};

/* The pre-decoded program: instructions in the kernel layout, but `code`
 * holds the isa.def row id; lddw's two imm fields hold the final 64-bit
 * value (pseudo lddw resolved); a helper call's imm is the registry index. */
struct vm_prog {
	struct anybpf_insn *code;
	size_t n;
	/* func_len[pc]: slots of the function starting at pc, 0 when pc starts
	 * none.  Functions start at 0 and at every local call / lddw func
	 * target; callx may only go to such a start. */
	uint32_t *func_len;
	struct vm_jit *jit;       /* compiled on the first JIT run; freed with it */
};

struct anybpf_vm {
	size_t max_insns;
	unsigned call_depth;
	int (*resolve_lddw)(void *user, unsigned src, int32_t imm, int32_t imm2,
			    uint64_t *value);
	void *resolve_user;
	struct vm_helper *helpers;
	size_t nhelpers, helpers_cap;
	struct vm_prog prog;
	int dispatch;             /* enum vm_dispatch, for the tests */
	int verified;             /* anybpf_vm_opts.verified: no need to zero
				   * stack frames */
	/* VM_STACK_SIZE, but not a constant the compiler sees: a memset of a
	 * known 512 bytes is inlined as `rep stos`, which starts slowly on
	 * many x86 cores; the libc memset is several times faster. */
	size_t zero_bytes;
	int jit_blind;            /* anybpf_vm_set_jit_blinding (jit_x86_64.c) */
	int jit_inline_maps;      /* anybpf_vm_set_jit_inline_maps */
};

struct vm_frame {
	uint64_t saved[5];        /* r6..r9, r10 */
	const struct anybpf_insn *ret;
};

enum vm_access { VM_LOAD, VM_STORE, VM_ATOMIC };

/* One execution. */
struct anybpf_run {
	anybpf_vm *vm;
	const struct anybpf_insn *code;
	size_t n;
	const uint32_t *func_len;
	const struct vm_helper *helpers;
	int checked;
	int jit;                  /* a JIT run (anybpf_run_call -> vm_jit_call) */
	uint64_t budget;
	unsigned max_depth;       /* frames, including the entry frame */
	uint64_t args[5];
	const uint8_t *pkt;
	uint64_t pkt_len;
	void *user;
	struct anybpf_log *log;

	uint8_t *stack;           /* max_depth frames; frame 0 is the top one */
	uint64_t stack_top;       /* address just past frame 0 */
	uint64_t stack_lo;        /* lowest address of the frames in use */
	unsigned depth;           /* current frame (0 = entry) */
	struct vm_frame *frames;

	const struct anybpf_region *regions;
	size_t nregions;
	struct anybpf_region *extra; /* added by helpers */
	size_t nextra, extra_cap;

	size_t pc;                /* instruction of the current helper call */
	int stop;                 /* anybpf_run_stop() was called */
	uint64_t stop_val;
	int err;                  /* error a helper raised (anybpf_run_check) */

	uint64_t retval;
	uint64_t insns;
	size_t zero_bytes;        /* bytes of a new frame to zero: vm->zero_bytes,
				   * 0 for a verified program */
	/* The interpreter's budget state while a helper runs, so a callback
	 * (anybpf_run_call) charges the same budget: fast mode's left,
	 * checking mode's count of executed instructions. */
	int64_t left;
	uint64_t count;
	/* anybpf_exec_opts.repeat: runs still to do after this one, and the
	 * caller's hook between runs */
	uint64_t reps_left;
	int (*rerun)(void *user, const void **pkt, size_t *pkt_len);

	/* JIT state (jit_x86_64.c reaches these by offsetof) */
	int64_t jit_left;         /* budget left, in and out */
	uint64_t jit_rsp;         /* native stack pointer at entry */
	int64_t jit_err_pc;       /* instruction of a failure */
	uint64_t jit_aux;         /* callx: the refused target */
	uint64_t jit_scratch[2];  /* spills of fetch-or/and/xor */
	uint64_t jit_reps;        /* repeats the code does itself (at exit: the
				   * ones not done; UINT64_MAX: all done) */
	int64_t jit_budget;       /* the budget each of those starts with */
};

/* The interpreter entry points (interp.c, interp_switch.c): run the loaded
 * program's function at `entry` with r1..r5 = args, r10 = the top of the
 * frame [run->stack_lo, +512) at depth run->depth, until that function
 * exits; budget from run->left (fast) / run->count (checked).  The entry
 * run is entry = code, depth 0; a callback (anybpf_run_call) runs one
 * frame below the current ones.  Return 0 (run->retval, run->insns set) or
 * a negative ANYBPF_E_* code with the reason logged. */
typedef int vm_interp_fn(struct anybpf_run *run, const struct anybpf_insn *entry,
			 const uint64_t *args);
vm_interp_fn vm_interp_fast, vm_interp_checked, vm_interp_fast_switch,
	vm_interp_checked_switch;

/* Between two runs of a repeat (vm.c): the caller's rerun hook, then the
 * frames reset (and zeroed when they must be).  0 or the hook's error. */
int vm_next_run(struct anybpf_run *run);

/* The x86-64 JIT (jit_x86_64.c): compile the loaded program into
 * vm->prog.jit (0 or a negative code logged; -ANYBPF_E_NOT_SUPPORTED on
 * other hosts), run it like the fast interpreter, free it. */
struct vm_jit;
int vm_jit_compile(anybpf_vm *vm, struct anybpf_log *log);
int vm_jit_run(struct anybpf_run *run);
void vm_jit_free(struct vm_jit *jit);
/* anybpf_run_call() in a JIT run: call the function starting at `pc` (a
 * start in func_len) of the running JIT code with r1..r5 = args in a new
 * frame below run->stack_lo; *ret = its r0.  0 or a negative code logged
 * (the same errors the fast interpreter gives). */
int vm_jit_call(struct anybpf_run *run, size_t pc, const uint64_t args[5], uint64_t *ret);
/* The compiled code and its size in bytes (0 when none). */
size_t vm_jit_code(const struct vm_jit *jit, const void **code);

enum vm_dispatch { VM_DISPATCH_DEFAULT, VM_DISPATCH_SWITCH };
/* Select the dispatch variant (the tests run both). */
void vm_set_dispatch(anybpf_vm *vm, enum vm_dispatch d);

/* Checking mode: may the instruction at pc access `size` bytes at
 * base + off?  0, or -ANYBPF_E_OOB logged (address overflow included). */
int vm_check_access(struct anybpf_run *run, const struct anybpf_insn *pc, uint64_t base,
		    int64_t off, unsigned size, enum vm_access kind);
/* Checking mode: the arguments of helper h by its prototype. */
int vm_check_helper_args(struct anybpf_run *run, const struct vm_helper *h,
			 const uint64_t *regs);

/* Byte swaps (the compilers turn these into one instruction). */
static inline uint16_t ib_bswap16(uint16_t x) { return (uint16_t)(x >> 8 | x << 8); }
static inline uint32_t ib_bswap32(uint32_t x)
{
	return x >> 24 | (x >> 8 & 0xff00u) | (x << 8 & 0xff0000u) | x << 24;
}
static inline uint64_t ib_bswap64(uint64_t x)
{
	return (uint64_t)ib_bswap32((uint32_t)x) << 32 | ib_bswap32((uint32_t)(x >> 32));
}

/* Inline fast path of vm_check_access: inside the frames in use. */
static inline int vm_access_ok(const struct anybpf_run *run, uint64_t addr, unsigned size)
{
	uint64_t span = run->stack_top - run->stack_lo;
	return addr >= run->stack_lo && addr - run->stack_lo <= span - size;
}

#endif
