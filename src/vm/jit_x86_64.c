/* jit_x86_64.c - the x86-64 JIT: the pre-decoded program to native code.
 *
 * Exact as the fast interpreter (interp_body.h): the same results, the
 * same errors, the same budget charges (taken backward jumps pay their
 * distance, calls the callee's length), so a differential test can compare
 * the two bit for bit.  No checking mode: a JIT run is the fast path.
 *
 * Registers.  eBPF r0-r5 live where the System V ABI wants a helper's
 * return value and arguments, r6-r9 and r10 in callee-saved registers:
 *   r0 rax  r1 rdi  r2 rsi  r3 rdx  r4 rcx  r5 r8
 *   r6 rbx  r7 r13  r8 r14  r9 r15  r10 rbp
 *   r9 (x86) the budget left, r12 the struct anybpf_run, r10/r11 scratch.
 *
 * Frames.  A bpf-to-bpf call pushes r6-r10 on the native stack, moves r10
 * down 512 bytes (a zeroed frame, as the interpreter gives it) and uses a
 * native `call`; `exit` returns with `ret` unless the depth (run->depth) is
 * 0.  Every way out (exit at depth 0, errors, a helper's stop) goes through
 * one epilogue that restores the native stack pointer saved at entry, so
 * an error deep in calls unwinds at once.  Failures leave through
 * out-of-line stubs that record the instruction and a status; C turns the
 * status into the interpreter's error and message (vm_jit_run).
 *
 * Callbacks.  A helper calling a function of the program (bpf_loop, ...:
 * anybpf_run_call -> vm_jit_call) enters the code again through a second
 * entry that saves its own native stack pointer in run->jit_rsp, so an
 * error in the callback unwinds to that entry; C restores the outer one.
 *
 * Options.  Constant blinding (anybpf_vm_set_jit_blinding) loads every
 * immediate the program chose as `imm ^ key` xored back with the key.  A
 * verified VM (anybpf_vm_opts.verified) gets no budget accounting, no
 * frame zeroing and no saving of r1-r5 around helper calls: the verifier
 * proved termination and that no such value is read (docs/jit.md).
 * Inlined helpers: bpf_map_lookup_elem on (per-CPU) array maps a lddw
 * loaded in the same basic block (anybpf_vm_set_jit_inline_maps, verified
 * programs), bpf_get_smp_processor_id.
 *
 * Repeats.  `repeat` runs loop inside the code (done -> again) while
 * run->jit_reps lasts; C loops only when something must happen between
 * runs (vm.c).
 *
 * Emission is repeated until the label offsets stop moving, so forward
 * jumps become rel8 where they fit (jit_emit.h).  The code is mapped RW,
 * copied, then mprotect'ed RX: never writable and executable at once.
 *
 * The dispatch is expanded from isa.def: each row's OP names a jit_op
 * below, so a new operation in the table fails to compile here.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "helpers/linux_helpers.h"
#include "vm_internal.h"

#if defined(__x86_64__) && (defined(__linux__) || defined(__APPLE__) || defined(__FreeBSD__))
#include <sys/mman.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#else
#include <stdlib.h> /* arc4random_buf */
#endif

#include "jit_emit.h"

/* the operations isa.def's OP column names */
enum jit_op {
	JOP_ADD, JOP_SUB, JOP_MUL, JOP_DIV, JOP_SDIV, JOP_OR, JOP_AND, JOP_LSH, JOP_RSH,
	JOP_NEG, JOP_MOD, JOP_SMOD, JOP_XOR, JOP_MOV, JOP_MOVSX8, JOP_MOVSX16, JOP_MOVSX32,
	JOP_ARSH, JOP_BSWAP, JOP_LE, JOP_BE,
	JOP_JA, JOP_JEQ, JOP_JGT, JOP_JGE, JOP_JSET, JOP_JNE, JOP_JSGT, JOP_JSGE, JOP_JLT,
	JOP_JLE, JOP_JSLT, JOP_JSLE,
	JOP_CALL, JOP_CALL_LOCAL, JOP_CALL_KFUNC, JOP_CALLX, JOP_EXIT,
	JOP_LDDW, JOP_LDDW_MAP_FD, JOP_LDDW_MAP_VAL, JOP_LDDW_VAR, JOP_LDDW_FUNC,
	JOP_LDDW_MAP_IDX, JOP_LDDW_MAP_IDX_VAL, JOP_LDABS, JOP_LDIND,
	JOP_LDX, JOP_LDXS, JOP_ST, JOP_STX,
	JOP_AADD, JOP_AOR, JOP_AAND, JOP_AXOR, JOP_AFADD, JOP_AFOR, JOP_AFAND, JOP_AFXOR,
	JOP_AXCHG, JOP_ACMPXCHG,
};

static const struct { uint8_t fmt, op, bits; } rows[ISA_COUNT] = {
#define ISA(id, opc, mf, mv, fmt, op, bits, ubpf, llvm) \
	[ISA_##id] = { FMT_##fmt, JOP_##op, bits },
#include "isa.def"
#undef ISA
};

/* eBPF register -> x86 register */
static const uint8_t RM[11] = { RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP };
#define BUDGET R9
#define CTX R12
#define RUNOFF(f) ((int32_t)offsetof(struct anybpf_run, f))

/* How a run ended, returned by the generated code */
enum jit_status { JS_DONE, JS_BUDGET, JS_DEPTH, JS_CALLX, JS_HELPER, JS_KFUNC };

struct vm_jit {
	void *mem;             /* the RX mapping */
	size_t mem_size;
	int (*fn)(struct anybpf_run *run);
	/* the callback entry (vm_jit_call): run the function at native
	 * address `target` with r1-r5 = args[] and r10 = fp */
	int (*cb)(struct anybpf_run *run, uint64_t target, const uint64_t *args, uint64_t fp);
	uint64_t *addr;        /* native address of each instruction (callx) */
	size_t code_size;      /* bytes of code */
	size_t body_end;       /* offset where the instructions' code ends */
};

struct stub {
	uint8_t status;        /* enum jit_status */
	uint8_t reg;           /* JS_CALLX: x86 register holding the target */
	int64_t pc;
};

/* Label ids: the shared tails, then one per instruction, then the stubs. */
enum { L_DONE, L_EPI, L_ZERO, L_PKT0, L_CB, L_END, L_AGAIN, L_RET, L_INSN0 };

struct jc {
	struct jit_emit e;
	int verified;          /* vm->verified: no budget, no frame zeroing */
	int blind;             /* constant blinding with key / key64 */
	uint32_t key;
	uint64_t key64;
	const struct anybpf_insn *code;
	size_t n;
	const uint32_t *func_len;
	uint64_t *addr;
	struct stub *stubs;
	size_t nstubs, max_stubs;
	/* inlined bpf_map_lookup_elem (verified programs, the runtime's
	 * maps): target[pc] marks jump targets and function starts, where
	 * what is known of r1 is forgotten; lookup_fn is the helper */
	int inline_maps;
	const struct vm_helper *helpers;
	size_t nhelpers;
	uint8_t *target;
	anybpf_helper_fn lookup_fn, cpu_fn;
	uint64_t r1_map;       /* r1 holds this map (lddw), 0: unknown */
};

static size_t L_insn(const struct jc *c, size_t pc) { (void)c; return L_INSN0 + pc; }

/* A new out-of-line failure stub; its label */
static size_t stub(struct jc *c, enum jit_status st, int64_t pc, int reg)
{
	if (c->nstubs >= c->max_stubs) {
		if (!c->e.err)
			c->e.err = -ANYBPF_E_NOMEM;
		return 0;
	}
	c->stubs[c->nstubs] = (struct stub){ (uint8_t)st, (uint8_t)reg, pc };
	return L_INSN0 + c->n + c->nstubs++;
}

/* ---- immediates: r = imm (64-bit: sign-extended, 32-bit: zero-
 * extended); blinded, `mov r, imm ^ key; xor r, key`, so no constant the
 * program chose appears in the code (JIT spraying) ---- */
static void imm_to(struct jc *c, int r, int32_t imm, int w)
{
	struct jit_emit *e = &c->e;
	if (!c->blind) {
		if (w)
			x_mov_ri(e, r, (uint64_t)(int64_t)imm);               /* mov r, imm */
		else
			x_mov_ri32(e, r, (uint32_t)imm);                      /* mov r32, imm */
		return;
	}
	int32_t k = (int32_t)c->key;
	if (w)
		x_mov_ri_sx32(e, r, imm ^ k);                                 /* mov r, imm^key */
	else
		x_mov_ri32(e, r, (uint32_t)(imm ^ k));                        /* mov r32, imm^key */
	x_alu_ri(e, ALU_XOR, w, r, k);                                        /* xor r, key */
}

/* ---- budget: sub r9, n; js budget stub (none for verified programs:
 * the verifier proved they terminate) ---- */
static void charge_imm(struct jc *c, int64_t n, int64_t pc)
{
	if (c->verified)
		return;
	if (n <= INT32_MAX) {
		x_alu_ri(&c->e, ALU_SUB, 1, BUDGET, (int32_t)n);       /* sub r9, n */
	} else {
		x_mov_ri(&c->e, R11, (uint64_t)n);                      /* mov r11, n */
		x_alu_rr(&c->e, ALU_SUB, 1, BUDGET, R11);               /* sub r9, r11 */
	}
	x_jump(&c->e, CC_S, stub(c, JS_BUDGET, pc, 0));                /* js budget */
}

/* A taken jump from pc by o (target pc + o + 1); cc -1: always */
static void branch(struct jc *c, int cc, size_t pc, int64_t o)
{
	size_t target = (size_t)((int64_t)pc + o + 1);
	if (o >= 0 || c->verified) {
		x_jump(&c->e, cc, L_insn(c, target));                 /* jcc/jmp target */
		return;
	}
	size_t skip = 0;
	if (cc >= 0)
		skip = x_jcc8_fwd(&c->e, cc ^ 1);                     /* j!cc .skip */
	charge_imm(c, -o, (int64_t)pc + o);                          /* sub r9, -o; js */
	x_jump(&c->e, -1, L_insn(c, target));                         /* jmp target */
	if (cc >= 0)
		x_patch8(&c->e, skip);                                /* .skip: */
}

/* ---- ALU ---- */
static void alu_div(struct jc *c, int op, int w, int d, int xform, int s, int32_t imm)
{
	struct jit_emit *e = &c->e;
	int sgn = op == JOP_SDIV || op == JOP_SMOD;
	int is_div = op == JOP_DIV || op == JOP_SDIV;
	if (!xform) { /* constant divisor: the special cases at compile time */
		if (imm == 0) {
			if (is_div)
				x_alu_rr(e, ALU_XOR, 0, d, d);                /* xor d32, d32 */
			else if (!w)
				x_mov_rr(e, 0, d, d);                         /* mov d32, d32 */
			return;
		}
		if (sgn && imm == -1) {
			if (is_div)
				x_f7(e, F7_NEG, w, d);                        /* neg d */
			else
				x_alu_rr(e, ALU_XOR, 0, d, d);                /* xor d32, d32 */
			return;
		}
		imm_to(c, R11, imm, w);                                       /* mov r11, imm */
	} else {
		x_mov_rr(e, w, R11, s);                                       /* mov r11, s */
	}
	size_t end1 = 0, end2 = 0;
	if (xform) {
		x_test_rr(e, w, R11, R11);                                    /* test r11, r11 */
		size_t nz = x_jcc8_fwd(e, CC_NE);                             /* jnz .nz */
		if (is_div)
			x_alu_rr(e, ALU_XOR, 0, d, d);                        /* xor d32, d32 */
		else if (!w)
			x_mov_rr(e, 0, d, d);                                 /* mov d32, d32 */
		end1 = x_jcc8_fwd(e, -1);                                     /* jmp .end */
		x_patch8(e, nz);                                              /* .nz: */
		if (sgn) {
			x_alu_ri(e, ALU_CMP, w, R11, -1);                     /* cmp r11, -1 */
			size_t normal = x_jcc8_fwd(e, CC_NE);                 /* jne .normal */
			if (is_div)
				x_f7(e, F7_NEG, w, d);                        /* neg d */
			else
				x_alu_rr(e, ALU_XOR, 0, d, d);                /* xor d32, d32 */
			end2 = x_jcc8_fwd(e, -1);                             /* jmp .end */
			x_patch8(e, normal);                                  /* .normal: */
		}
	}
	x_push(e, RAX);                                                       /* push rax */
	x_push(e, RDX);                                                       /* push rdx */
	x_mov_rr(e, w, RAX, d);                                               /* mov rax, d */
	if (sgn)
		x_cqo(e, w);                                                  /* cqo / cdq */
	else
		x_alu_rr(e, ALU_XOR, 0, RDX, RDX);                            /* xor edx, edx */
	x_f7(e, sgn ? F7_IDIV : F7_DIV, w, R11);                              /* (i)div r11 */
	x_mov_rr(e, w, R11, is_div ? RAX : RDX);                              /* mov r11, rax|rdx */
	x_pop(e, RDX);                                                        /* pop rdx */
	x_pop(e, RAX);                                                        /* pop rax */
	x_mov_rr(e, 1, d, R11);                                               /* mov d, r11 */
	if (end1)
		x_patch8(e, end1);                                            /* .end: */
	if (end2)
		x_patch8(e, end2);
}

static void alu_shift(struct jc *c, int op, int w, int bits, int d, int xform, int s, int32_t imm)
{
	struct jit_emit *e = &c->e;
	int sh = op == JOP_LSH ? SH_SHL : op == JOP_RSH ? SH_SHR : SH_SAR;
	if (!xform) {
		unsigned n = (unsigned)imm & (unsigned)(bits - 1);
		if (n)
			x_shift_ri(e, sh, w, d, (uint8_t)n);                  /* shl|shr|sar d, n */
		else if (!w)
			x_mov_rr(e, 0, d, d);                                 /* mov d32, d32 */
		return;
	}
	if (s == RCX) {
		x_shift_cl(e, sh, w, d);                                      /* shl|shr|sar d, cl */
		return;
	}
	x_mov_rr(e, 1, R10, RCX);                                             /* mov r10, rcx */
	x_mov_rr(e, 1, RCX, s);                                               /* mov rcx, s */
	x_shift_cl(e, sh, w, d == RCX ? R10 : d);                             /* shl|shr|sar d, cl */
	x_mov_rr(e, 1, RCX, R10);                                             /* mov rcx, r10 */
}

static void alu(struct jc *c, const struct anybpf_insn *in, int op, int bits, int xform)
{
	struct jit_emit *e = &c->e;
	int w = bits == 64, d = RM[in->dst], s = RM[in->src];
	int32_t imm = in->imm;
	switch (op) {
	case JOP_ADD: case JOP_SUB: case JOP_OR: case JOP_AND: case JOP_XOR: {
		int a = op == JOP_ADD ? ALU_ADD : op == JOP_SUB ? ALU_SUB : op == JOP_OR ? ALU_OR
			: op == JOP_AND ? ALU_AND : ALU_XOR;
		if (xform) {
			x_alu_rr(e, a, w, d, s);                              /* op d, s */
		} else if (c->blind) {
			imm_to(c, R11, imm, 1);                               /* r11 = imm */
			x_alu_rr(e, a, w, d, R11);                            /* op d, r11 */
		} else {
			x_alu_ri(e, a, w, d, imm);                            /* op d, imm */
		}
		break;
	}
	case JOP_MUL:
		if (xform) {
			x_imul_rr(e, w, d, s);                                /* imul d, s */
		} else if (c->blind) {
			imm_to(c, R11, imm, 1);                               /* r11 = imm */
			x_imul_rr(e, w, d, R11);                              /* imul d, r11 */
		} else {
			x_imul_rri(e, w, d, d, imm);                          /* imul d, d, imm */
		}
		break;
	case JOP_DIV: case JOP_SDIV: case JOP_MOD: case JOP_SMOD:
		alu_div(c, op, w, d, xform, s, imm);
		break;
	case JOP_LSH: case JOP_RSH: case JOP_ARSH:
		alu_shift(c, op, w, bits, d, xform, s, imm);
		break;
	default:
		e->err = -ANYBPF_E_INVAL;
	}
}

static void mov(struct jc *c, const struct anybpf_insn *in, int op, int bits, int xform)
{
	struct jit_emit *e = &c->e;
	int w = bits == 64, d = RM[in->dst], s = RM[in->src];
	if (!xform) {
		if (in->imm == 0)
			x_alu_rr(e, ALU_XOR, 0, d, d);                        /* xor d32, d32 */
		else if (c->blind)
			imm_to(c, d, in->imm, w);                             /* d = imm */
		else if (w)
			x_mov_ri(e, d, (uint64_t)(int64_t)in->imm);           /* mov d, imm */
		else
			x_mov_ri32(e, d, (uint32_t)in->imm);                  /* mov d32, imm */
		return;
	}
	switch (op) {
	case JOP_MOV:
		if (!w || d != s)
			x_mov_rr(e, w, d, s);                                 /* mov d, s */
		break;
	case JOP_MOVSX8:
		x_movsx_rr(e, w, 8, d, s);                                    /* movsx d, s8 */
		break;
	case JOP_MOVSX16:
		x_movsx_rr(e, w, 16, d, s);                                   /* movsx d, s16 */
		break;
	case JOP_MOVSX32:
		x_movsx_rr(e, 1, 32, d, s);                                   /* movsxd d, s32 */
		break;
	default:
		e->err = -ANYBPF_E_INVAL;
	}
}

static void unary(struct jc *c, const struct anybpf_insn *in, int op, int bits)
{
	struct jit_emit *e = &c->e;
	int d = RM[in->dst];
	if (op == JOP_NEG) {
		x_f7(e, F7_NEG, bits == 64, d);                               /* neg d */
		return;
	}
	int swap = op == JOP_BSWAP || op == JOP_BE; /* the host is little-endian */
	if (bits == 16) {
		if (swap)
			x_rol16_8(e, d);                                      /* rol d16, 8 */
		x_movzx16_rr(e, d, d);                                        /* movzx d32, d16 */
	} else if (bits == 32) {
		if (swap)
			x_bswap(e, 0, d);                                     /* bswap d32 */
		else
			x_mov_rr(e, 0, d, d);                                 /* mov d32, d32 */
	} else if (swap) {
		x_bswap(e, 1, d);                                             /* bswap d */
	}
}

static int cond(int op)
{
	switch (op) {
	case JOP_JEQ: return CC_E;
	case JOP_JNE: return CC_NE;
	case JOP_JSET: return CC_NE;
	case JOP_JGT: return CC_A;
	case JOP_JGE: return CC_AE;
	case JOP_JLT: return CC_B;
	case JOP_JLE: return CC_BE;
	case JOP_JSGT: return CC_G;
	case JOP_JSGE: return CC_GE;
	case JOP_JSLT: return CC_L;
	case JOP_JSLE: return CC_LE;
	}
	return -1;
}

/* The comparison of a conditional jump (flags set for cond(op)) */
static void jcmp(struct jc *c, const struct anybpf_insn *in, int op, int bits, int xform)
{
	struct jit_emit *e = &c->e;
	int w = bits == 64, d = RM[in->dst], s = RM[in->src];
	if (op == JOP_JSET) {
		if (xform) {
			x_test_rr(e, w, d, s);                                /* test d, s */
		} else if (c->blind) {
			imm_to(c, R11, in->imm, 1);                           /* r11 = imm */
			x_test_rr(e, w, d, R11);                              /* test d, r11 */
		} else {
			x_test_ri(e, w, d, in->imm);                          /* test d, imm */
		}
	} else if (xform) {
		x_alu_rr(e, ALU_CMP, w, d, s);                                /* cmp d, s */
	} else if (in->imm == 0) {
		x_test_rr(e, w, d, d);                                        /* test d, d (= cmp d, 0) */
	} else if (c->blind) {
		imm_to(c, R11, in->imm, 1);                                   /* r11 = imm */
		x_alu_rr(e, ALU_CMP, w, d, R11);                              /* cmp d, r11 */
	} else {
		x_alu_ri(e, ALU_CMP, w, d, in->imm);                          /* cmp d, imm */
	}
}

static void jcc(struct jc *c, size_t pc, const struct anybpf_insn *in, int op, int bits, int xform)
{
	jcmp(c, in, op, bits, xform);
	branch(c, cond(op), pc, in->off);
}

#include "jit_peep.h" /* peephole(): groups of instructions as one */

/* ---- calls ---- */
/* Enter a new frame and call: the target is label `l`, or (dynamic) the
 * instruction index in r10 (callx). */
static void enter(struct jc *c, size_t pc, int dynamic, size_t target)
{
	struct jit_emit *e = &c->e;
	int t = dynamic ? R11 : R10;
	x_load(e, 4, 0, t, CTX, RUNOFF(depth));                              /* mov t32, [run.depth] */
	x_alu_ri(e, ALU_ADD, 0, t, 1);                                        /* add t32, 1 */
	x_alu_rm(e, ALU_CMP, 0, t, CTX, RUNOFF(max_depth));                   /* cmp t32, [run.max_depth] */
	x_jump(e, CC_AE, stub(c, JS_DEPTH, (int64_t)pc, 0));                 /* jae depth */
	x_store_r(e, 4, CTX, RUNOFF(depth), t);                               /* mov [run.depth], t32 */
	x_push(e, RBX); x_push(e, R13); x_push(e, R14); x_push(e, R15);    /* push r6-r9 */
	x_push(e, RBP);                                                       /* push r10 */
	x_alu_ri(e, ALU_SUB, 1, RBP, (int32_t)VM_STACK_SIZE);                 /* sub rbp, 512 */
	if (!c->verified) /* a verified program never reads what it did not write */
		x_jump(e, -2, L_ZERO);                                        /* call zero_frame */
	if (dynamic) {
		if (!c->verified) {
			x_mov_ri(e, R11, (uint64_t)(uintptr_t)c->func_len);   /* mov r11, func_len */
			x_load32_sib4(e, R11, R11, R10);                      /* mov r11d, [r11 + r10*4] */
			x_alu_rr(e, ALU_SUB, 1, BUDGET, R11);                 /* sub r9, r11 */
			x_jump(e, CC_S, stub(c, JS_BUDGET, (int64_t)pc, 0)); /* js budget */
		}
		x_mov_ri(e, R11, (uint64_t)(uintptr_t)c->addr);               /* mov r11, addr */
		x_call_sib8(e, R11, R10);                                     /* call [r11 + r10*8] */
	} else {
		charge_imm(c, c->func_len[target], (int64_t)target);         /* sub r9, len; js */
		x_jump(e, -2, L_insn(c, target));                             /* call target */
	}
	x_pop(e, RBP);                                                        /* pop r10 */
	x_pop(e, R15); x_pop(e, R14); x_pop(e, R13); x_pop(e, RBX);        /* pop r9-r6 */
	x_alu_mi(e, ALU_SUB, 0, CTX, RUNOFF(depth), 1);                       /* sub dword [run.depth], 1 */
}

static void call_helper(struct jc *c, size_t pc, const struct anybpf_insn *in)
{
	struct jit_emit *e = &c->e;
	int64_t disp = (int64_t)in->imm * (int64_t)sizeof(struct vm_helper) +
		       (int64_t)offsetof(struct vm_helper, fn);
	if (in->imm < 0 || disp > INT32_MAX || pc > INT32_MAX) {
		e->err = -ANYBPF_E_INVAL;
		return;
	}
	/* r1-r5 survive the call, as in the interpreter (6 pushes keep the
	 * stack 16-byte aligned); a verified program never reads them after
	 * a call (the verifier clears them), so there they need no saving */
	static const uint8_t keep[6] = { RDI, RSI, RDX, RCX, R8, R8 };
	int save = !c->verified;
	for (int i = 0; save && i < 6; i++)
		x_push(e, keep[i]);                                           /* push r1-r5, pad */
	x_store_r(e, 8, CTX, RUNOFF(jit_left), BUDGET);                       /* mov [run.jit_left], r9 */
	x_store_i(e, 8, CTX, RUNOFF(pc), (int32_t)pc);                        /* mov qword [run.pc], pc */
	x_mov_rr(e, 1, R9, CTX);                                              /* mov r9, r12 (6th arg) */
	x_load(e, 8, 0, R10, CTX, RUNOFF(helpers));                           /* mov r10, [run.helpers] */
	x_call_mem(e, R10, (int32_t)disp);                                    /* call [r10 + idx*size + fn] */
	x_load(e, 8, 0, BUDGET, CTX, RUNOFF(jit_left));                       /* mov r9, [run.jit_left] */
	for (int i = 5; save && i >= 0; i--)
		x_pop(e, keep[i]);                                            /* pop pad, r5-r1 */
	x_load(e, 4, 0, R10, CTX, RUNOFF(stop));                              /* mov r10d, [run.stop] */
	x_alu_rm(e, ALU_OR, 0, R10, CTX, RUNOFF(err));                        /* or r10d, [run.err] */
	x_jump(e, CC_NE, stub(c, JS_HELPER, (int64_t)pc, 0));                /* jnz helper_stop */
}

/* bpf_map_lookup_elem(map, key) with r1 = an array map known here (a
 * lddw in the same basic block): Linux's array_map_gen_lookup, the value
 * at base + key * stride or NULL past max_entries, with no call.  Exactly
 * what the helper returns in a fast run (anybpf_rtmap_array_layout); the
 * verifier proved r2 points at the 4 initialized bytes of the key, and
 * that r1-r5 are not read after the call, so only r0 (and r11) change.
 * 1: emitted; 0: not inlinable (the helper is called). */
static int map_lookup_inline(struct jc *c, const struct anybpf_insn *in)
{
	struct jit_emit *e = &c->e;
	struct anybpf_rtmap_array_layout l;
	if (!c->inline_maps || !c->r1_map || in->imm < 0 || (size_t)in->imm >= c->nhelpers ||
	    c->helpers[in->imm].fn != c->lookup_fn ||
	    anybpf_rtmap_array_layout((const anybpf_rtmap *)(uintptr_t)c->r1_map, &l) != 0 ||
	    l.stride == 0 || l.stride > INT32_MAX || l.max_entries == 0 || l.ncpus > INT32_MAX)
		return 0;
	unsigned sh = 0;
	while (sh < 31 && (1u << sh) < l.stride)
		sh++;
	int pow2 = (1u << sh) == l.stride;
	x_load(e, 4, 0, RAX, RSI, 0);                                         /* mov eax, [rsi] (key) */
	if (c->blind) {
		imm_to(c, R11, (int32_t)l.max_entries, 0);                    /* r11d = max_entries */
		x_alu_rr(e, ALU_CMP, 0, RAX, R11);                            /* cmp eax, r11d */
	} else {
		x_alu_ri(e, ALU_CMP, 0, RAX, (int32_t)l.max_entries);         /* cmp eax, max_entries */
	}
	size_t null = x_jcc8_fwd(e, CC_AE);                                   /* jae .null */
	size_t null2 = 0;
	if (l.ncpus) { /* per-CPU: index i * ncpus + the run's cpu, as the helper
			* reads it (the run's user is its helper run; NULL: 0) */
		x_load(e, 8, 0, R11, CTX, RUNOFF(user));                      /* mov r11, [run.user] */
		x_test_rr(e, 1, R11, R11);                                    /* test r11, r11 */
		size_t cpu0 = x_jcc8_fwd(e, CC_E);                            /* jz .cpu0 (r11 = 0) */
		x_load(e, 4, 0, R11, R11,
		       (int32_t)offsetof(struct anybpf_helper_run, cpu));     /* mov r11d, [r11 + cpu] */
		x_alu_ri(e, ALU_CMP, 0, R11, (int32_t)l.ncpus);               /* cmp r11d, ncpus */
		null2 = x_jcc8_fwd(e, CC_AE);                                 /* jae .null */
		x_patch8(e, cpu0);                                            /* .cpu0: */
		if (l.ncpus > 1)
			x_imul_rri(e, 1, RAX, RAX, (int32_t)l.ncpus);         /* imul rax, rax, ncpus */
		x_alu_rr(e, ALU_ADD, 1, RAX, R11);                            /* add rax, r11 */
	}
	if (pow2 && sh) {
		x_shift_ri(e, SH_SHL, 1, RAX, (uint8_t)sh);                   /* shl rax, log2(stride) */
	} else if (!pow2) {
		if (c->blind) {
			imm_to(c, R11, (int32_t)l.stride, 1);                 /* r11 = stride */
			x_imul_rr(e, 1, RAX, R11);                            /* imul rax, r11 */
		} else {
			x_imul_rri(e, 1, RAX, RAX, (int32_t)l.stride);        /* imul rax, rax, stride */
		}
	}
	/* the map's address is not a constant the program chose: unblinded */
	x_mov_ri(e, R11, (uint64_t)(uintptr_t)l.base);                        /* mov r11, base */
	x_alu_rr(e, ALU_ADD, 1, RAX, R11);                                    /* add rax, r11 */
	size_t end = x_jcc8_fwd(e, -1);                                       /* jmp .end */
	x_patch8(e, null);                                                    /* .null: */
	if (null2)
		x_patch8(e, null2);
	x_alu_rr(e, ALU_XOR, 0, RAX, RAX);                                    /* xor eax, eax */
	x_patch8(e, end);                                                     /* .end: */
	return 1;
}

/* bpf_get_smp_processor_id (the Linux helper): the run's cpu, read where
 * the helper reads it (the run's user is its struct anybpf_helper_run,
 * NULL: 0).  1: emitted; 0: another helper. */
static int cpu_id_inline(struct jc *c, const struct anybpf_insn *in)
{
	struct jit_emit *e = &c->e;
	if (in->imm < 0 || (size_t)in->imm >= c->nhelpers || !c->cpu_fn ||
	    c->helpers[in->imm].fn != c->cpu_fn)
		return 0;
	x_load(e, 8, 0, RAX, CTX, RUNOFF(user));                              /* mov rax, [run.user] */
	x_test_rr(e, 1, RAX, RAX);                                            /* test rax, rax */
	size_t none = x_jcc8_fwd(e, CC_E);                                    /* jz .none (eax = 0) */
	x_load(e, 4, 0, RAX, RAX,
	       (int32_t)offsetof(struct anybpf_helper_run, cpu));             /* mov eax, [rax + cpu] */
	x_patch8(e, none);                                                    /* .none: */
	return 1;
}

static void callx(struct jc *c, size_t pc, const struct anybpf_insn *in, uintptr_t code_base)
{
	struct jit_emit *e = &c->e;
	int d = RM[in->dst];
	size_t bad = stub(c, JS_CALLX, (int64_t)pc, d);
	x_mov_rr(e, 1, R10, d);                                               /* mov r10, d */
	x_mov_ri(e, R11, (uint64_t)code_base);                                /* mov r11, code */
	x_alu_rr(e, ALU_SUB, 1, R10, R11);                                    /* sub r10, r11 */
	x_test_ri(e, 0, R10, 7);                                              /* test r10d, 7 */
	x_jump(e, CC_NE, bad);                                                /* jnz bad */
	x_shift_ri(e, SH_SHR, 1, R10, 3);                                     /* shr r10, 3 */
	if (c->n > INT32_MAX) {
		e->err = -ANYBPF_E_INVAL;
		return;
	}
	x_alu_ri(e, ALU_CMP, 1, R10, (int32_t)c->n);                          /* cmp r10, n */
	x_jump(e, CC_AE, bad);                                                /* jae bad */
	x_mov_ri(e, R11, (uint64_t)(uintptr_t)c->func_len);                   /* mov r11, func_len */
	x_load32_sib4(e, R11, R11, R10);                                      /* mov r11d, [r11 + r10*4] */
	x_test_rr(e, 0, R11, R11);                                            /* test r11d, r11d */
	x_jump(e, CC_E, bad);                                                 /* jz bad */
	enter(c, pc, 1, 0);
}

/* ---- memory ---- */
static void pkt_load(struct jc *c, const struct anybpf_insn *in, int bits, int ind)
{
	struct jit_emit *e = &c->e;
	if (ind) {
		x_mov_rr(e, 0, R10, RM[in->src]);                             /* mov r10d, s32 */
		if (c->blind) {
			imm_to(c, R11, in->imm, 0);                           /* r11d = imm */
			x_alu_rr(e, ALU_ADD, 0, R10, R11);                    /* add r10d, r11d */
		} else {
			x_alu_ri(e, ALU_ADD, 0, R10, in->imm);                /* add r10d, imm */
		}
	} else {
		imm_to(c, R10, in->imm, 0);                                   /* mov r10d, imm */
	}
	x_movsx_rr(e, 1, 32, R10, R10);                                       /* movsxd r10, r10d */
	x_test_rr(e, 1, R10, R10);                                            /* test r10, r10 */
	x_jump(e, CC_S, L_PKT0);                                              /* js pkt0 */
	x_load(e, 8, 0, R11, CTX, RUNOFF(pkt_len));                           /* mov r11, [run.pkt_len] */
	x_alu_rr(e, ALU_CMP, 1, R10, R11);                                    /* cmp r10, r11 */
	x_jump(e, CC_AE, L_PKT0);                                             /* jae pkt0 */
	x_alu_rr(e, ALU_SUB, 1, R11, R10);                                    /* sub r11, r10 */
	x_alu_ri(e, ALU_CMP, 1, R11, bits / 8);                               /* cmp r11, size */
	x_jump(e, CC_B, L_PKT0);                                              /* jb pkt0 */
	x_alu_rm(e, ALU_ADD, 1, R10, CTX, RUNOFF(pkt));                       /* add r10, [run.pkt] */
	if (bits == 8) {
		x_load(e, 1, 0, RAX, R10, 0);                                 /* movzx eax, byte [r10] */
	} else if (bits == 16) {
		x_load(e, 2, 0, RAX, R10, 0);                                 /* movzx eax, word [r10] */
		x_rol16_8(e, RAX);                                            /* rol ax, 8 */
	} else {
		x_load(e, 4, 0, RAX, R10, 0);                                 /* mov eax, [r10] */
		x_bswap(e, 0, RAX);                                           /* bswap eax */
	}
}

static void atomic(struct jc *c, const struct anybpf_insn *in, int op, int bits)
{
	struct jit_emit *e = &c->e;
	int w = bits == 64, d = RM[in->dst], s = RM[in->src];
	int32_t off = in->off;
	switch (op) {
	case JOP_AADD: case JOP_AOR: case JOP_AAND: case JOP_AXOR: {
		int a = op == JOP_AADD ? ALU_ADD : op == JOP_AOR ? ALU_OR : op == JOP_AAND ? ALU_AND
			: ALU_XOR;
		x_lock(e);
		x_alu_mr(e, a, w, d, off, s);                                 /* lock op [d+off], s */
		return;
	}
	case JOP_AFADD:
		x_lock(e);
		x_xadd_m(e, w, d, off, s);                                    /* lock xadd [d+off], s */
		return;
	case JOP_AXCHG:
		x_xchg_m(e, w, d, off, s);                                    /* xchg [d+off], s (locks) */
		return;
	case JOP_ACMPXCHG:
		x_lock(e);
		x_cmpxchg_m(e, w, d, off, s);                                 /* lock cmpxchg [d+off], s */
		if (!w)
			x_mov_rr(e, 0, RAX, RAX);                             /* mov eax, eax */
		return;
	case JOP_AFOR: case JOP_AFAND: case JOP_AFXOR: {
		/* a cmpxchg loop; rax and r9 spilled to the run */
		int a = op == JOP_AFOR ? ALU_OR : op == JOP_AFAND ? ALU_AND : ALU_XOR;
		x_store_r(e, 8, CTX, RUNOFF(jit_scratch[0]), R9);             /* mov [scratch0], r9 */
		x_store_r(e, 8, CTX, RUNOFF(jit_scratch[1]), RAX);            /* mov [scratch1], rax */
		x_lea(e, R10, d, off);                                        /* lea r10, [d+off] */
		x_mov_rr(e, 1, R9, s);                                        /* mov r9, s */
		x_load(e, bits / 8, 0, RAX, R10, 0);                          /* mov rax, [r10] */
		size_t retry = e->len;                                        /* .retry: */
		x_mov_rr(e, w, R11, RAX);                                     /* mov r11, rax */
		x_alu_rr(e, a, w, R11, R9);                                   /* op r11, r9 */
		x_lock(e);
		x_cmpxchg_m(e, w, R10, 0, R11);                               /* lock cmpxchg [r10], r11 */
		x_jcc8_back(e, CC_NE, retry);                                 /* jne .retry */
		x_mov_rr(e, w, R11, RAX);                                     /* mov r11, rax */
		x_load(e, 8, 0, RAX, CTX, RUNOFF(jit_scratch[1]));            /* mov rax, [scratch1] */
		x_mov_rr(e, 1, s, R11);                                       /* mov s, r11 */
		x_load(e, 8, 0, R9, CTX, RUNOFF(jit_scratch[0]));             /* mov r9, [scratch0] */
		return;
	}
	}
	e->err = -ANYBPF_E_INVAL;
}

/* ---- the program ---- */
/* Save the callee-saved registers, keep the run in r12 and the native
 * stack pointer in run->jit_rsp (the epilogue's way back), the budget in r9. */
static void enter_native(struct jc *c)
{
	struct jit_emit *e = &c->e;
	static const uint8_t saved[6] = { RBP, RBX, R12, R13, R14, R15 };
	for (int i = 0; i < 6; i++)
		x_push(e, saved[i]);                                          /* push callee-saved */
	x_alu_ri(e, ALU_SUB, 1, RSP, 8);                                      /* sub rsp, 8 (align) */
	x_mov_rr(e, 1, CTX, RDI);                                             /* mov r12, rdi */
	x_store_r(e, 8, CTX, RUNOFF(jit_rsp), RSP);                           /* mov [run.jit_rsp], rsp */
	x_load(e, 8, 0, BUDGET, CTX, RUNOFF(jit_left));                       /* mov r9, [run.jit_left] */
}

static void zero_r0_r6_r9(struct jc *c)
{
	static const uint8_t zero[5] = { RAX, RBX, R13, R14, R15 };
	for (int i = 0; i < 5; i++)
		x_alu_rr(&c->e, ALU_XOR, 0, zero[i], zero[i]);                /* xor r0, r6-r9 */
}

static void prologue(struct jc *c)
{
	struct jit_emit *e = &c->e;
	enter_native(c);
	label_place(e, L_AGAIN);                                              /* again: (the next repeat) */
	x_load(e, 8, 0, RBP, CTX, RUNOFF(stack_top));                         /* mov rbp, [run.stack_top] */
	for (int i = 1; i <= 5; i++)                                          /* mov r1-r5, [run.args] */
		x_load(e, 8, 0, RM[i], CTX, RUNOFF(args) + (int32_t)(8 * (i - 1)));
	zero_r0_r6_r9(c);
}

/* The callback entry, cb(run, target, args, fp) from C (vm_jit_call): a
 * native frame of its own (run->jit_rsp now points here, so an error in
 * the callback unwinds to this entry, not the outer one), r1-r5 from
 * args[], r10 = fp, then a native call of the function as a bpf-to-bpf
 * call makes it (its `exit` returns here: the depth is at least 1).  The
 * stack pointer is aligned as in enter(): 40 bytes for r6-r10's slots. */
static void callback_entry(struct jc *c)
{
	struct jit_emit *e = &c->e;
	label_place(e, L_CB);                                                 /* cb: */
	enter_native(c);
	x_mov_rr(e, 1, RBP, RCX);                                             /* mov rbp, rcx (fp) */
	x_mov_rr(e, 1, R10, RSI);                                             /* mov r10, rsi (target) */
	x_mov_rr(e, 1, R11, RDX);                                             /* mov r11, rdx (args) */
	for (int i = 1; i <= 5; i++)                                          /* mov r1-r5, [r11 + 8*i] */
		x_load(e, 8, 0, RM[i], R11, (int32_t)(8 * (i - 1)));
	zero_r0_r6_r9(c);
	x_alu_ri(e, ALU_SUB, 1, RSP, 40);                                     /* sub rsp, 40 */
	x_call_r(e, R10);                                                     /* call r10 */
	x_jump(e, -1, L_RET);                                                 /* jmp ret (no repeats) */
}

static void tails(struct jc *c)
{
	struct jit_emit *e = &c->e;
	/* LD_ABS/LD_IND out of bounds: r0 = 0 and the program ends, maybe
	 * deep in calls: back to the entry's native frame, depth 0 */
	label_place(e, L_PKT0);                                               /* pkt0: */
	x_alu_rr(e, ALU_XOR, 0, RAX, RAX);                                    /* xor eax, eax */
	x_load(e, 8, 0, RSP, CTX, RUNOFF(jit_rsp));                           /* mov rsp, [run.jit_rsp] */
	x_store_i(e, 4, CTX, RUNOFF(depth), 0);                               /* mov dword [run.depth], 0 */
	/* the end of a run at depth 0: the next of `repeat` runs starts over
	 * without leaving the code while run->jit_reps lasts (vm_jit_run) */
	label_place(e, L_DONE);                                               /* done: */
	x_alu_mi(e, ALU_SUB, 1, CTX, RUNOFF(jit_reps), 1);                    /* sub qword [run.jit_reps], 1 */
	x_jump(e, CC_B, L_RET);                                               /* jb ret (none left) */
	x_store_i(e, 8, CTX, RUNOFF(nextra), 0);                              /* mov qword [run.nextra], 0 */
	if (!c->verified)
		x_load(e, 8, 0, BUDGET, CTX, RUNOFF(jit_budget));             /* mov r9, [run.jit_budget] */
	x_jump(e, -1, L_AGAIN);                                               /* jmp again */
	label_place(e, L_RET);                                                /* ret: */
	x_store_r(e, 8, CTX, RUNOFF(retval), RAX);                            /* mov [run.retval], rax */
	x_alu_rr(e, ALU_XOR, 0, RAX, RAX);                                    /* xor eax, eax (JS_DONE) */
	label_place(e, L_EPI);                                                /* epilogue: */
	x_store_r(e, 8, CTX, RUNOFF(jit_left), BUDGET);                       /* mov [run.jit_left], r9 */
	x_load(e, 8, 0, RSP, CTX, RUNOFF(jit_rsp));                           /* mov rsp, [run.jit_rsp] */
	x_alu_ri(e, ALU_ADD, 1, RSP, 8);                                      /* add rsp, 8 */
	static const uint8_t saved[6] = { R15, R14, R13, R12, RBX, RBP };
	for (int i = 0; i < 6; i++)
		x_pop(e, saved[i]);                                           /* pop callee-saved */
	x_ret(e);                                                             /* ret */

	for (size_t i = 0; i < c->nstubs; i++) {
		const struct stub *s = &c->stubs[i];
		label_place(e, L_INSN0 + c->n + i);
		x_store_r(e, 8, CTX, RUNOFF(retval), RAX);                    /* mov [run.retval], rax */
		x_store_i(e, 8, CTX, RUNOFF(jit_err_pc), (int32_t)s->pc);     /* mov [run.jit_err_pc], pc */
		if (s->status == JS_CALLX)
			x_store_r(e, 8, CTX, RUNOFF(jit_aux), s->reg);        /* mov [run.jit_aux], d */
		x_mov_ri32(e, RAX, s->status);                                /* mov eax, status */
		x_jump(e, -1, L_EPI);                                         /* jmp epilogue */
	}

	/* last: the stubs' jumps stay short; verified programs need none */
	if (!c->verified) {
		label_place(e, L_ZERO);                      /* zero_frame: [rbp-512, rbp) = 0 */
		x_pxor_xmm0(e);                                               /* pxor xmm0, xmm0 */
		for (int32_t o = -(int32_t)VM_STACK_SIZE; o < 0; o += 16)
			x_movdqu_store_xmm0(e, RBP, o);                       /* movdqu [rbp+o], xmm0 */
		x_ret(e);                                                     /* ret */
	}

	callback_entry(c);
}

/* What r1 holds after the instruction: the map a lddw loaded, or unknown
 * once anything may have changed it (within a basic block: jump targets
 * forget it, emit_program). */
static void track_r1(struct jc *c, const struct anybpf_insn *in, int fmt, int op)
{
	switch (fmt) {
	case FMT_ALU_K: case FMT_ALU_X: case FMT_MOV_K: case FMT_MOV_X: case FMT_UNARY:
	case FMT_LDX:
		if (in->dst == 1)
			c->r1_map = 0;
		break;
	case FMT_LDDW:
		if (in->dst == 1)
			c->r1_map = op == JOP_LDDW_MAP_FD || op == JOP_LDDW_MAP_IDX
				? ((uint64_t)(uint32_t)in->imm | (uint64_t)(uint32_t)in[1].imm << 32) : 0;
		break;
	case FMT_ATOMIC: /* the fetching ones write src */
		if (in->src == 1)
			c->r1_map = 0;
		break;
	case FMT_ST: case FMT_STX: case FMT_JA: case FMT_JA32: case FMT_JCC_K: case FMT_JCC_X:
	case FMT_LDABS: case FMT_LDIND:
		break;
	default: /* calls (r1-r5 are clobbered), exit, anything else */
		c->r1_map = 0;
	}
}

static void emit_program(struct jc *c, uintptr_t code_base)
{
	struct jit_emit *e = &c->e;
	prologue(c);
	c->r1_map = 0;
	size_t func = 0; /* the start of the function holding pc */
	for (size_t pc = 0; pc < c->n && !e->err; pc++) {
		const struct anybpf_insn *in = &c->code[pc];
		label_place(e, L_insn(c, pc));
		int fmt = rows[in->code].fmt, op = rows[in->code].op, bits = rows[in->code].bits;
		if (c->target[pc])
			c->r1_map = 0;
		if (c->func_len[pc])
			func = pc;
		int k = peephole(c, pc);
		if (k) { /* pc .. pc + k as one: the later ones' code is empty */
			for (int i = 0; i <= k; i++)
				track_r1(c, &c->code[pc + (size_t)i], rows[c->code[pc + (size_t)i].code].fmt,
					 rows[c->code[pc + (size_t)i].code].op);
			for (int i = 1; i <= k; i++)
				label_place(e, L_insn(c, pc + (size_t)i));
			pc += (size_t)k;
			continue;
		}
		switch (fmt) {
		case FMT_ALU_K: alu(c, in, op, bits, 0); break;
		case FMT_ALU_X: alu(c, in, op, bits, 1); break;
		case FMT_MOV_K: mov(c, in, op, bits, 0); break;
		case FMT_MOV_X: mov(c, in, op, bits, 1); break;
		case FMT_UNARY: unary(c, in, op, bits); break;
		case FMT_JA: branch(c, -1, pc, in->off); break;
		case FMT_JA32: branch(c, -1, pc, in->imm); break;
		case FMT_JCC_K: jcc(c, pc, in, op, bits, 0); break;
		case FMT_JCC_X: jcc(c, pc, in, op, bits, 1); break;
		case FMT_CALL:
			if (op == JOP_CALL) {
				/* array lookups and the cpu id inline */
				if (!map_lookup_inline(c, in) && !cpu_id_inline(c, in))
					call_helper(c, pc, in);
			} else /* kfuncs: refused by anybpf_vm_load */
				x_jump(e, -1, stub(c, JS_KFUNC, (int64_t)pc, 0));
			break;
		case FMT_CALL_LOCAL: {
			size_t t = (size_t)((int64_t)pc + in->imm + 1);
			enter(c, pc, 0, t);
			break;
		}
		case FMT_CALLX: callx(c, pc, in, code_base); break;
		case FMT_EXIT:
			/* a function other than the first runs only when called
			 * (depth >= 1): anybpf_validate keeps every jump inside
			 * its function and lets none fall into the next one */
			if (func) {
				x_ret(e);                                     /* ret */
				break;
			}
			x_alu_mi(e, ALU_CMP, 0, CTX, RUNOFF(depth), 0);       /* cmp dword [run.depth], 0 */
			x_jump(e, CC_E, L_DONE);                              /* je done */
			x_ret(e);                                             /* ret */
			break;
		case FMT_LDDW: {
			uint64_t v = (uint64_t)(uint32_t)in->imm | (uint64_t)(uint32_t)in[1].imm << 32;
			if (c->blind) {
				x_movabs(e, RM[in->dst], v ^ c->key64);       /* movabs d, v^key64 */
				x_movabs(e, R11, c->key64);                   /* movabs r11, key64 */
				x_alu_rr(e, ALU_XOR, 1, RM[in->dst], R11);    /* xor d, r11 */
			} else {
				x_mov_ri(e, RM[in->dst], v);                  /* mov d, imm64 */
			}
			pc++;
			label_place(e, L_insn(c, pc));
			break;
		}
		case FMT_LDABS: pkt_load(c, in, bits, 0); break;
		case FMT_LDIND: pkt_load(c, in, bits, 1); break;
		case FMT_LDX:
			x_load(e, bits / 8, op == JOP_LDXS && bits < 64, RM[in->dst], RM[in->src],
			       in->off);                                      /* mov|movzx|movsx d, [s+off] */
			break;
		case FMT_ST:
			if (c->blind) {
				imm_to(c, R11, in->imm, 1);                   /* r11 = imm */
				x_store_r(e, bits / 8, RM[in->dst], in->off, R11); /* mov [d+off], r11 */
			} else {
				x_store_i(e, bits / 8, RM[in->dst], in->off, in->imm); /* mov [d+off], imm */
			}
			break;
		case FMT_STX:
			x_store_r(e, bits / 8, RM[in->dst], in->off, RM[in->src]); /* mov [d+off], s */
			break;
		case FMT_ATOMIC: atomic(c, in, op, bits); break;
		default:
			e->err = -ANYBPF_E_OPCODE;
		}
		track_r1(c, in, fmt, op);
	}
	label_place(e, L_END);
	tails(c);
}

#define JIT_MAX_PASSES 64

/* 1 at every jump target and function start (NULL: out of memory) */
static uint8_t *jump_targets(const struct vm_prog *p)
{
	uint8_t *t = ab_calloc(p->n + 1, 1);
	if (!t)
		return NULL;
	for (size_t pc = 0; pc < p->n; pc++) {
		const struct anybpf_insn *in = &p->code[pc];
		int fmt = rows[in->code].fmt;
		int64_t to = -1;
		if (p->func_len[pc])
			t[pc] = 1;
		if (fmt == FMT_JA || fmt == FMT_JCC_K || fmt == FMT_JCC_X)
			to = (int64_t)pc + in->off + 1;
		else if (fmt == FMT_JA32)
			to = (int64_t)pc + in->imm + 1;
		else if (fmt == FMT_LDDW)
			pc++;
		if (to >= 0 && (uint64_t)to < p->n)
			t[to] = 1;
	}
	return t;
}

/* 8 random bytes from the system, for the blinding key */
static int random_key(uint64_t *k)
{
#if defined(__linux__)
	return getrandom(k, sizeof(*k), 0) == (ssize_t)sizeof(*k) ? 0 : -1;
#else
	arc4random_buf(k, sizeof(*k));
	return 0;
#endif
}

int vm_jit_compile(anybpf_vm *vm, struct anybpf_log *log)
{
	struct vm_prog *p = &vm->prog;
	if (!p->code)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "no program loaded");
	if (p->jit)
		return 0;
	if (p->n > INT32_MAX / 4)
		return ab_err(log, -ANYBPF_E_TOO_LONG, -1, "program too long for the JIT");
	struct jc c;
	memset(&c, 0, sizeof(c));
	c.code = p->code;
	c.n = p->n;
	c.func_len = p->func_len;
	c.verified = vm->verified;
	c.blind = vm->jit_blind;
	if (c.blind && random_key(&c.key64))
		return ab_err(log, -ANYBPF_E_NOT_SUPPORTED, -1,
			      "JIT: no random numbers for constant blinding");
	c.key = (uint32_t)c.key64 ? (uint32_t)c.key64 : 0x9e3779b9u;
	c.max_stubs = 3 * p->n + 8;
	c.helpers = vm->helpers;
	c.nhelpers = vm->nhelpers;
	c.inline_maps = vm->jit_inline_maps && vm->verified;
	c.lookup_fn = anybpf_helper_linux_fn(LH_ID_map_lookup_elem);
	c.cpu_fn = anybpf_helper_linux_fn(LH_ID_get_smp_processor_id);
	c.e.nlabels = L_INSN0 + c.n + c.max_stubs;
	struct vm_jit *j = ab_calloc(1, sizeof(*j));
	c.addr = ab_calloc(c.n, sizeof(*c.addr));
	c.stubs = ab_calloc(c.max_stubs, sizeof(*c.stubs));
	c.e.cur = ab_calloc(c.e.nlabels, sizeof(int64_t));
	c.e.prev = ab_calloc(c.e.nlabels, sizeof(int64_t));
	c.target = jump_targets(p); /* inlined lookups and peepholes */
	int err = 0;
	if (!j || !c.addr || !c.stubs || !c.e.cur || !c.e.prev || !c.target) {
		err = ab_err(log, -ANYBPF_E_NOMEM, -1, "out of memory for the JIT");
		goto out;
	}
	int converged = 0;
	for (int pass = 0; pass < JIT_MAX_PASSES; pass++) {
		c.e.len = 0;
		c.e.nsites = 0;
		c.e.bad_short = 0;
		c.e.first_pass = pass == 0;
		c.nstubs = 0;
		for (size_t i = 0; i < c.e.nlabels; i++)
			c.e.cur[i] = -1;
		emit_program(&c, (uintptr_t)p->code);
		if (c.e.err)
			break;
		if (pass > 0 && memcmp(c.e.cur, c.e.prev, c.e.nlabels * sizeof(int64_t)) == 0) {
			converged = 1;
			break;
		}
		int64_t *t = c.e.prev;
		c.e.prev = c.e.cur;
		c.e.cur = t;
	}
	if (c.e.err || !converged || c.e.bad_short) {
		err = c.e.err == -ANYBPF_E_NOMEM
			      ? ab_err(log, -ANYBPF_E_NOMEM, -1, "out of memory for the JIT")
			      : ab_err(log, -ANYBPF_E_INVAL, -1,
				       "JIT: could not compile the program (%s)",
				       c.e.err ? anybpf_strerror(c.e.err)
					       : !converged ? "jump sizes did not converge"
							    : "short jump out of range");
		goto out;
	}
	long page = sysconf(_SC_PAGESIZE);
	size_t psz = page > 0 ? (size_t)page : 4096;
	size_t size = (c.e.len + psz - 1) / psz * psz;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		err = ab_err(log, -ANYBPF_E_NOMEM, -1, "JIT: cannot map %zu bytes of code", size);
		goto out;
	}
	memcpy(mem, c.e.buf, c.e.len);
	if (mprotect(mem, size, PROT_READ | PROT_EXEC) != 0) {
		munmap(mem, size);
		err = ab_err(log, -ANYBPF_E_NOT_SUPPORTED, -1,
			     "JIT: the system refuses executable memory (mprotect)");
		goto out;
	}
	for (size_t pc = 0; pc < c.n; pc++)
		c.addr[pc] = (uint64_t)(uintptr_t)mem + (uint64_t)c.e.cur[L_INSN0 + pc];
	j->mem = mem;
	j->mem_size = size;
	j->code_size = c.e.len;
	j->body_end = (size_t)c.e.cur[L_END];
	j->addr = c.addr;
	c.addr = NULL;
	/* object pointer to function pointer: POSIX guarantees this works */
	memcpy(&j->fn, &mem, sizeof(mem));
	void *cb = (uint8_t *)mem + c.e.cur[L_CB];
	memcpy(&j->cb, &cb, sizeof(cb));
	p->jit = j;
	j = NULL;
out:
	ab_free(c.addr);
	ab_free(c.target);
	ab_free(c.stubs);
	ab_free(c.e.cur);
	ab_free(c.e.prev);
	ab_free(c.e.buf);
	ab_free(c.e.short_site);
	ab_free(j);
	return err;
}

void vm_jit_free(struct vm_jit *j)
{
	if (!j)
		return;
	if (j->mem)
		munmap(j->mem, j->mem_size);
	ab_free(j->addr);
	ab_free(j);
}

/* The error of a status the generated code returned (0: none). */
static int status_err(struct anybpf_run *run, int st)
{
	int64_t pc = run->jit_err_pc;
	switch (st) {
	case JS_DONE:
		return 0;
	case JS_BUDGET:
		return ab_err(run->log, -ANYBPF_E_BUDGET, pc, "instruction budget of %llu exhausted",
			      (unsigned long long)run->budget);
	case JS_DEPTH:
		return ab_err(run->log, -ANYBPF_E_CALL_DEPTH, pc,
			      "call depth limit exceeded: %u frames in use, the limit is %u",
			      run->depth + 1, run->max_depth);
	case JS_CALLX:
		return ab_err(run->log, -ANYBPF_E_CALLX, pc,
			      "callx r%u = 0x%llx is not the address of a function of this program",
			      (unsigned)run->code[pc].dst, (unsigned long long)run->jit_aux);
	case JS_HELPER:
		if (run->err)
			return run->err;
		run->retval = run->stop_val;
		return 0;
	case JS_KFUNC:
		return ab_err(run->log, -ANYBPF_E_KFUNC, pc, "kfunc calls are not supported");
	}
	return ab_err(run->log, -ANYBPF_E_INVAL, pc, "JIT: unknown exit status %d", st);
}

int vm_jit_run(struct anybpf_run *run)
{
	struct vm_jit *j = run->vm->prog.jit;
	run->jit_left = run->budget > INT64_MAX ? INT64_MAX : (int64_t)run->budget;
	run->jit_budget = run->jit_left;
	run->jit_err_pc = -1;
	int st = j->fn(run);
	int64_t left = run->jit_left;
	run->insns = run->budget - (uint64_t)(left < 0 ? 0 : left);
	return status_err(run, st);
}

/* A helper (called from the JIT code, so run->jit_left holds the budget
 * left) calls the function at pc: the checks and charges of a bpf-to-bpf
 * call (enter()), then the callback entry.  The frames in use are the
 * depth's (the JIT keeps r10 = stack_top - 512 * depth, not stack_lo).
 * The outer native stack pointer, depth and helper pc are restored
 * whatever happens; an error is also left in run->err so the outer code
 * ends the run with it once the helper returns. */
int vm_jit_call(struct anybpf_run *run, size_t pc, const uint64_t args[5], uint64_t *ret)
{
	struct vm_jit *j = run->vm->prog.jit;
	int err;
	if (!j || pc >= run->n || !run->func_len[pc]) {
		err = ab_err(run->log, -ANYBPF_E_INVAL, (int64_t)run->pc,
			     "JIT: no compiled function at pc %zu", pc);
		goto fail;
	}
	unsigned depth = run->depth;
	if (depth + 1 >= run->max_depth) {
		err = ab_err(run->log, -ANYBPF_E_CALL_DEPTH, (int64_t)run->pc,
			     "call depth limit exceeded: %u frames in use, the limit is %u",
			     depth + 1, run->max_depth);
		goto fail;
	}
	int verified = run->vm->verified;
	if (!verified)
		run->jit_left -= (int64_t)run->func_len[pc];
	if (run->jit_left < 0) {
		err = ab_err(run->log, -ANYBPF_E_BUDGET, (int64_t)run->pc,
			     "instruction budget of %llu exhausted", (unsigned long long)run->budget);
		goto fail;
	}
	uint64_t fp = run->stack_top - (uint64_t)(depth + 1) * VM_STACK_SIZE;
	if (!verified)
		memset((void *)(uintptr_t)(fp - VM_STACK_SIZE), 0, VM_STACK_SIZE);
	uint64_t saved_rsp = run->jit_rsp, saved_lo = run->stack_lo, saved_reps = run->jit_reps;
	size_t saved_pc = run->pc;
	run->depth = depth + 1;
	run->stack_lo = fp - VM_STACK_SIZE;
	run->jit_err_pc = -1;
	run->jit_reps = 0; /* a callback runs once */
	int st = j->cb(run, j->addr[pc], args, fp);
	err = status_err(run, st); /* before the depth goes back: JS_DEPTH's message */
	run->jit_rsp = saved_rsp;
	run->jit_reps = saved_reps;
	run->stack_lo = saved_lo;
	run->depth = depth;
	run->pc = saved_pc;
	if (err)
		goto fail;
	*ret = st == JS_HELPER ? run->stop_val : run->retval; /* a stop ends the outer run too */
	return 0;
fail:
	if (!run->err)
		run->err = err;
	return err;
}

size_t vm_jit_code(const struct vm_jit *j, const void **code)
{
	if (code)
		*code = j ? j->mem : NULL;
	return j ? j->code_size : 0;
}

int anybpf_jit_available(void)
{
	return 1;
}

int anybpf_vm_set_jit_blinding(anybpf_vm *vm, int on)
{
	if (!vm)
		return -ANYBPF_E_INVAL;
	if ((vm->jit_blind != 0) != (on != 0)) { /* compiled the other way: again */
		vm_jit_free(vm->prog.jit);
		vm->prog.jit = NULL;
	}
	vm->jit_blind = on != 0;
	return 0;
}

int anybpf_vm_set_jit_inline_maps(anybpf_vm *vm, int on)
{
	if (!vm)
		return -ANYBPF_E_INVAL;
	if ((vm->jit_inline_maps != 0) != (on != 0)) {
		vm_jit_free(vm->prog.jit);
		vm->prog.jit = NULL;
	}
	vm->jit_inline_maps = on != 0;
	return 0;
}

size_t anybpf_vm_jit_insn_offset(const anybpf_vm *vm, size_t pc)
{
	const struct vm_jit *j = vm ? vm->prog.jit : NULL;
	if (!j || pc > vm->prog.n)
		return (size_t)-1;
	if (pc == vm->prog.n)
		return j->body_end;
	return (size_t)(j->addr[pc] - (uint64_t)(uintptr_t)j->mem);
}

#else /* not x86-64 */

int vm_jit_compile(anybpf_vm *vm, struct anybpf_log *log)
{
	(void)vm;
	return ab_err(log, -ANYBPF_E_NOT_SUPPORTED, -1, "the JIT needs an x86-64 host");
}

int vm_jit_run(struct anybpf_run *run)
{
	return ab_err(run->log, -ANYBPF_E_NOT_SUPPORTED, -1, "the JIT needs an x86-64 host");
}

void vm_jit_free(struct vm_jit *j)
{
	(void)j;
}

int vm_jit_call(struct anybpf_run *run, size_t pc, const uint64_t args[5], uint64_t *ret)
{
	(void)pc; (void)args; (void)ret;
	return ab_err(run->log, -ANYBPF_E_NOT_SUPPORTED, -1, "the JIT needs an x86-64 host");
}

size_t vm_jit_code(const struct vm_jit *j, const void **code)
{
	(void)j;
	if (code)
		*code = NULL;
	return 0;
}

size_t anybpf_vm_jit_insn_offset(const anybpf_vm *vm, size_t pc)
{
	(void)vm; (void)pc;
	return (size_t)-1;
}

int anybpf_vm_set_jit_blinding(anybpf_vm *vm, int on)
{
	if (!vm)
		return -ANYBPF_E_INVAL;
	vm->jit_blind = on != 0;
	return 0;
}

int anybpf_vm_set_jit_inline_maps(anybpf_vm *vm, int on)
{
	if (!vm)
		return -ANYBPF_E_INVAL;
	vm->jit_inline_maps = on != 0;
	return 0;
}

int anybpf_jit_available(void)
{
	return 0;
}

#endif
