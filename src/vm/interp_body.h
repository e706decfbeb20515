/* interp_body.h - the interpreter, expanded from isa.def.
 *
 * Included by interp.c and interp_switch.c with
 *   INTERP_FN       name of the function to define
 *   INTERP_CHECKED  1: check every memory access and count every
 *                   instruction; 0: no checks, the budget is charged only
 *                   at taken backward jumps (the jump distance) and calls
 *                   (the callee's length), which bounds the instructions
 *                   executed by budget + program length without a
 *                   per-instruction counter
 * and ANYBPF_NO_COMPUTED_GOTO selecting a switch instead of computed goto.
 *
 * INTERP_FN(run, entry, args) runs the function at `entry` one frame below
 * the frames in use (run->depth) until it exits: the program itself (entry
 * = code, depth 0) or a helper's callback (anybpf_run_call).  At the exit
 * of the program itself, runs left of a `repeat` start again from pc 0
 * without leaving the function (the test-run floor).
 *
 * Every handler is one isa.def row: ISA(...) expands to FMT_<fmt>(op, bits),
 * and the format macros call per-operation macros OP_<op>, CMP_<op>, ...
 * No opcode is named here by hand.
 *
 * Semantics (RFC 9669): 32-bit ALU results are zero-extended; shift counts
 * are masked to the width; x / 0 = 0 and x % 0 = x (32-bit: the low 32
 * bits); signed INT_MIN / -1 = INT_MIN and INT_MIN % -1 = 0; K-form
 * immediates are sign-extended to 64 bits and truncated for 32-bit ops.
 * All arithmetic is on unsigned types, so there is no C undefined behaviour;
 * memory is accessed with memcpy (programs may access unaligned data).
 */

#if defined(__GNUC__) && !defined(ANYBPF_NO_COMPUTED_GOTO)
#define IB_GOTO 1
#else
#define IB_GOTO 0
#endif

typedef uint8_t ib_u8;
typedef uint16_t ib_u16;
typedef uint32_t ib_u32;
typedef uint64_t ib_u64;
typedef int8_t ib_s8;
typedef int16_t ib_s16;
typedef int32_t ib_s32;
typedef int64_t ib_s64;
#define UT(B) ib_u##B
#define ST(B) ib_s##B

int INTERP_FN(struct anybpf_run *run, const struct anybpf_insn *entry, const uint64_t *args)
{
	const struct anybpf_insn *const code = run->code;
	const struct anybpf_insn *pc = entry;
	uint64_t R[11];
	/* depth of the entry frame: 0, or a callback's below its caller's */
	const unsigned base = run->depth;
	unsigned depth = base;
	const unsigned max_depth = run->max_depth;
	struct vm_frame *const frames = run->frames;
	const struct vm_helper *const helpers = run->helpers;
	const uint8_t *pkt = run->pkt;     /* a rerun hook may change them */
	uint64_t pkt_len = run->pkt_len;
#if INTERP_CHECKED
	uint64_t count = run->count;
	const uint64_t budget = run->budget;
#else
	int64_t left = run->left;
	const uint32_t *const func_len = run->func_len;
#endif
	int err = 0;

	R[0] = 0;
	vm_load_args(&R[1], args);
	R[6] = R[7] = R[8] = R[9] = 0;
	R[10] = run->stack_lo + VM_STACK_SIZE;

	/* ---- counting and dispatch ---- */
#if INTERP_CHECKED
#define COUNT()                                                               \
	do {                                                                  \
		if (VM_UNLIKELY(++count > budget))                            \
			goto budget_err;                                      \
	} while (0)
#define CHARGE(n) ((void)0)
#else
#define COUNT() ((void)0)
#define CHARGE(n)                                                             \
	do {                                                                  \
		left -= (int64_t)(n);                                         \
		if (VM_UNLIKELY(left < 0))                                    \
			goto budget_err;                                      \
	} while (0)
#endif

	/* around a helper call: a callback it makes charges the same budget */
#if INTERP_CHECKED
#define SAVE_BUDGET() (run->count = count)
#define LOAD_BUDGET() (count = run->count)
#else
#define SAVE_BUDGET() (run->left = left)
#define LOAD_BUDGET() (left = run->left)
#endif

#if IB_GOTO
	static const void *const labels[ISA_COUNT] = {
#define ISA(id, opc, mf, mv, fmt, op, bits, ubpf, llvm) [ISA_##id] = &&L_##id,
#include "isa.def"
#undef ISA
	};
#define CASE(id) L_##id:
#define GO()                                                                  \
	do {                                                                  \
		COUNT();                                                      \
		goto *labels[pc->code];                                       \
	} while (0)
#else
#define CASE(id) case ISA_##id:
#define GO()                                                                  \
	do {                                                                  \
		COUNT();                                                      \
		goto dispatch;                                                \
	} while (0)
#endif
#define NEXT()                                                                \
	do {                                                                  \
		pc++;                                                         \
		GO();                                                         \
	} while (0)

	/* A taken jump: pc += o (NEXT adds the 1).  Backward jumps pay their
	 * distance in fast mode. */
#define JUMP(o)                                                               \
	do {                                                                  \
		int64_t o_ = (o);                                             \
		pc += o_;                                                     \
		if (o_ < 0)                                                   \
			CHARGE(-o_);                                          \
	} while (0)

	/* ---- memory ---- */
#if INTERP_CHECKED
#define MEMCHK(a, base, off, size, kind)                                       \
	do {                                                                  \
		int wrapped_ = (off) >= 0 ? (a) < (base) : (a) > (base);      \
		if (VM_UNLIKELY(wrapped_ || !vm_access_ok(run, (a), (size)))) \
			if ((err = vm_check_access(run, pc, (base), (off), (size), (kind)))) \
				goto err_out;                                 \
	} while (0)
#else
#define MEMCHK(a, base, off, size, kind) ((void)0)
#endif
#define MEMPTR(a) ((void *)(uintptr_t)(a))

	/* ---- operations: a, b are UT(B) values ---- */
#define OP_ADD(B, a, b) ((UT(B))((a) + (b)))
#define OP_SUB(B, a, b) ((UT(B))((a) - (b)))
#define OP_MUL(B, a, b) ((UT(B))((a) * (b)))
#define OP_OR(B, a, b) ((a) | (b))
#define OP_AND(B, a, b) ((a) & (b))
#define OP_XOR(B, a, b) ((a) ^ (b))
#define OP_LSH(B, a, b) ((UT(B))((a) << ((b) & (B - 1))))
#define OP_RSH(B, a, b) ((UT(B))((a) >> ((b) & (B - 1))))
#define OP_ARSH(B, a, b) ((UT(B))((ST(B))(a) >> ((b) & (B - 1))))
#define OP_DIV(B, a, b) ((b) ? (UT(B))((a) / (b)) : (UT(B))0)
#define OP_MOD(B, a, b) ((b) ? (UT(B))((a) % (b)) : (a))
	/* Signed: by 0 as unsigned; by -1 negate (INT_MIN / -1 = INT_MIN) and
	 * remainder 0, computed unsigned so nothing overflows. */
#define OP_SDIV(B, a, b)                                                      \
	((b) == 0 ? (UT(B))0                                                  \
	 : (ST(B))(b) == -1 ? (UT(B))(0 - (a))                                \
	 : (UT(B))((ST(B))(a) / (ST(B))(b)))
#define OP_SMOD(B, a, b)                                                      \
	((b) == 0 ? (a)                                                       \
	 : (ST(B))(b) == -1 ? (UT(B))0                                        \
	 : (UT(B))((ST(B))(a) % (ST(B))(b)))
	/* mov / movsx: x is the source register */
#define MV_MOV(B, x) ((UT(B))(x))
#define MV_MOVSX8(B, x) ((UT(B))(ib_s8)(ib_u8)(x))
#define MV_MOVSX16(B, x) ((UT(B))(ib_s16)(ib_u16)(x))
#define MV_MOVSX32(B, x) ((UT(B))(ib_s32)(ib_u32)(x))
	/* unary ops on dst: B is the operation or swap width */
#define UN_NEG(B, x) ((uint64_t)(UT(B))(0 - (UT(B))(x)))
#define UN_BSWAP(B, x) ((uint64_t)ib_bswap##B((UT(B))(x)))
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define UN_LE(B, x) ((uint64_t)ib_bswap##B((UT(B))(x)))
#define UN_BE(B, x) ((uint64_t)(UT(B))(x))
#else
#define UN_LE(B, x) ((uint64_t)(UT(B))(x))
#define UN_BE(B, x) ((uint64_t)ib_bswap##B((UT(B))(x)))
#endif
	/* compares on UT(B) values */
#define CMP_JEQ(B, a, b) ((a) == (b))
#define CMP_JNE(B, a, b) ((a) != (b))
#define CMP_JGT(B, a, b) ((a) > (b))
#define CMP_JGE(B, a, b) ((a) >= (b))
#define CMP_JLT(B, a, b) ((a) < (b))
#define CMP_JLE(B, a, b) ((a) <= (b))
#define CMP_JSET(B, a, b) (((a) & (b)) != 0)
#define CMP_JSGT(B, a, b) ((ST(B))(a) > (ST(B))(b))
#define CMP_JSGE(B, a, b) ((ST(B))(a) >= (ST(B))(b))
#define CMP_JSLT(B, a, b) ((ST(B))(a) < (ST(B))(b))
#define CMP_JSLE(B, a, b) ((ST(B))(a) <= (ST(B))(b))
	/* loaded value v (UT(B)) to a register */
#define LD_LDX(B, v) ((uint64_t)(v))
#define LD_LDXS(B, v) ((uint64_t)(int64_t)(ST(B))(v))
	/* atomics on p (UT(B) *, aligned): the result goes to src or r0 */
#define AT_SEQ __ATOMIC_SEQ_CST
#define AT_AADD(B, p, v) (void)__atomic_fetch_add(p, v, AT_SEQ)
#define AT_AOR(B, p, v) (void)__atomic_fetch_or(p, v, AT_SEQ)
#define AT_AAND(B, p, v) (void)__atomic_fetch_and(p, v, AT_SEQ)
#define AT_AXOR(B, p, v) (void)__atomic_fetch_xor(p, v, AT_SEQ)
#define AT_AFADD(B, p, v) R[pc->src] = (uint64_t)__atomic_fetch_add(p, v, AT_SEQ)
#define AT_AFOR(B, p, v) R[pc->src] = (uint64_t)__atomic_fetch_or(p, v, AT_SEQ)
#define AT_AFAND(B, p, v) R[pc->src] = (uint64_t)__atomic_fetch_and(p, v, AT_SEQ)
#define AT_AFXOR(B, p, v) R[pc->src] = (uint64_t)__atomic_fetch_xor(p, v, AT_SEQ)
#define AT_AXCHG(B, p, v) R[pc->src] = (uint64_t)__atomic_exchange_n(p, v, AT_SEQ)
#define AT_ACMPXCHG(B, p, v)                                                  \
	do {                                                                  \
		UT(B) e_ = (UT(B))R[0];                                       \
		(void)__atomic_compare_exchange_n(p, &e_, v, 0, AT_SEQ, AT_SEQ); \
		R[0] = (uint64_t)e_;                                          \
	} while (0)

	/* ---- formats: one handler body per isa.def FMT ---- */
#define FMT_ALU_K(op, B)                                                      \
	R[pc->dst] = (uint64_t)OP_##op(B, (UT(B))R[pc->dst], (UT(B))(int64_t)pc->imm); \
	NEXT();
#define FMT_ALU_X(op, B)                                                      \
	R[pc->dst] = (uint64_t)OP_##op(B, (UT(B))R[pc->dst], (UT(B))R[pc->src]); \
	NEXT();
#define FMT_MOV_K(op, B)                                                      \
	R[pc->dst] = (uint64_t)(UT(B))(int64_t)pc->imm;                       \
	NEXT();
#define FMT_MOV_X(op, B)                                                      \
	R[pc->dst] = (uint64_t)MV_##op(B, R[pc->src]);                        \
	NEXT();
#define FMT_UNARY(op, B)                                                      \
	R[pc->dst] = UN_##op(B, R[pc->dst]);                                  \
	NEXT();
#define FMT_JA(op, B)                                                         \
	JUMP(pc->off);                                                        \
	NEXT();
#define FMT_JA32(op, B)                                                       \
	JUMP(pc->imm);                                                        \
	NEXT();
#define FMT_JCC_K(op, B)                                                      \
	if (CMP_##op(B, (UT(B))R[pc->dst], (UT(B))(int64_t)pc->imm))          \
		JUMP(pc->off);                                                \
	NEXT();
#define FMT_JCC_X(op, B)                                                      \
	if (CMP_##op(B, (UT(B))R[pc->dst], (UT(B))R[pc->src]))                \
		JUMP(pc->off);                                                \
	NEXT();
#define FMT_CALL(op, B) CALL_##op
#define CALL_CALL                                                             \
	{                                                                     \
		const struct vm_helper *h_ = &helpers[pc->imm];               \
		run->pc = (size_t)(pc - code);                                \
		if (INTERP_CHECKED &&                                         \
		    (err = vm_check_helper_args(run, h_, R)))                 \
			goto err_out;                                         \
		SAVE_BUDGET();                                                \
		R[0] = h_->fn(R[1], R[2], R[3], R[4], R[5], run);             \
		LOAD_BUDGET();                                                \
		pkt = run->pkt; /* a helper may move the packet (LD_ABS) */   \
		pkt_len = run->pkt_len;                                       \
		if (VM_UNLIKELY(run->stop | run->err)) {                      \
			if ((err = run->err))                                 \
				goto err_out;                                 \
			R[0] = run->stop_val;                                 \
			goto done;                                            \
		}                                                             \
	}                                                                     \
	NEXT();
	/* refused by anybpf_vm_load; kept so a row cannot go unhandled */
#define CALL_CALL_KFUNC                                                       \
	err = ab_err(run->log, -ANYBPF_E_KFUNC, pc - code, "kfunc calls are not supported"); \
	goto err_out;
#define ENTER(target)                                                         \
	do {                                                                  \
		if (VM_UNLIKELY(depth + 1 >= max_depth))                      \
			goto depth_err;                                       \
		struct vm_frame *f_ = &frames[depth++];                       \
		memcpy(f_->saved, &R[6], sizeof(f_->saved));                  \
		f_->ret = pc + 1;                                             \
		R[10] -= VM_STACK_SIZE;                                       \
		run->stack_lo -= VM_STACK_SIZE;                               \
		run->depth = depth;                                           \
		if (run->zero_bytes)                                          \
			memset(MEMPTR(run->stack_lo), 0, run->zero_bytes);    \
		pc = (target);                                                \
		CHARGE(func_len[pc - code]);                                  \
	} while (0)
#define FMT_CALL_LOCAL(op, B)                                                 \
	ENTER(pc + pc->imm + 1);                                              \
	GO();
#define FMT_CALLX(op, B)                                                      \
	{                                                                     \
		uint64_t t_ = R[pc->dst] - (uint64_t)(uintptr_t)code;        \
		if (VM_UNLIKELY(t_ % sizeof(*code) != 0 ||                    \
				t_ / sizeof(*code) >= run->n ||               \
				run->func_len[t_ / sizeof(*code)] == 0))      \
			goto callx_err;                                       \
		ENTER(code + t_ / sizeof(*code));                             \
	}                                                                     \
	GO();
#define FMT_EXIT(op, B)                                                       \
	if (depth == base)                                                    \
		goto done;                                                    \
	{                                                                     \
		struct vm_frame *f_ = &frames[--depth];                       \
		memcpy(&R[6], f_->saved, sizeof(f_->saved));                  \
		pc = f_->ret;                                                 \
		run->stack_lo += VM_STACK_SIZE;                               \
		run->depth = depth;                                           \
	}                                                                     \
	GO();
	/* lddw: the loader left the 64-bit value in the two imm fields */
#define FMT_LDDW(op, B)                                                       \
	R[pc->dst] = (uint64_t)(uint32_t)pc->imm | (uint64_t)(uint32_t)pc[1].imm << 32; \
	pc++;                                                                 \
	NEXT();
	/* legacy packet loads, network byte order; out of bounds ends the
	 * program with r0 = 0 (as Linux does).  The offset is 32-bit signed
	 * like the kernel's. */
#define PKT_LOAD(B, o)                                                        \
	do {                                                                  \
		int32_t o_ = (int32_t)(o);                                    \
		if (o_ < 0 || (uint64_t)o_ >= pkt_len ||                      \
		    B / 8 > pkt_len - (uint64_t)o_) {                         \
			R[0] = 0;                                             \
			goto done;                                            \
		}                                                             \
		uint64_t v_ = 0;                                              \
		for (unsigned i_ = 0; i_ < B / 8; i_++)                       \
			v_ = v_ << 8 | pkt[(uint64_t)o_ + i_];                \
		R[0] = v_;                                                    \
	} while (0)
#define FMT_LDABS(op, B)                                                      \
	PKT_LOAD(B, (uint32_t)pc->imm);                                       \
	NEXT();
#define FMT_LDIND(op, B)                                                      \
	PKT_LOAD(B, (uint32_t)R[pc->src] + (uint32_t)pc->imm);                \
	NEXT();
#define FMT_LDX(op, B)                                                        \
	{                                                                     \
		uint64_t b_ = R[pc->src], a_ = b_ + (uint64_t)(int64_t)pc->off; \
		MEMCHK(a_, b_, pc->off, B / 8, VM_LOAD);                      \
		UT(B) v_;                                                     \
		memcpy(&v_, MEMPTR(a_), B / 8);                               \
		R[pc->dst] = LD_##op(B, v_);                                  \
	}                                                                     \
	NEXT();
#define STORE(B, v)                                                           \
	{                                                                     \
		uint64_t b_ = R[pc->dst], a_ = b_ + (uint64_t)(int64_t)pc->off; \
		MEMCHK(a_, b_, pc->off, B / 8, VM_STORE);                     \
		UT(B) v_ = (v);                                               \
		memcpy(MEMPTR(a_), &v_, B / 8);                               \
	}                                                                     \
	NEXT();
#define FMT_ST(op, B) STORE(B, (UT(B))(int64_t)pc->imm)
#define FMT_STX(op, B) STORE(B, (UT(B))R[pc->src])
	/* Atomic on an aligned address; a misaligned one (which a verifier
	 * refuses) is done on a copy, so it is correct but not atomic. */
#define FMT_ATOMIC(op, B)                                                     \
	{                                                                     \
		uint64_t b_ = R[pc->dst], a_ = b_ + (uint64_t)(int64_t)pc->off; \
		MEMCHK(a_, b_, pc->off, B / 8, VM_ATOMIC);                    \
		UT(B) s_ = (UT(B))R[pc->src];                                 \
		if (VM_LIKELY(a_ % (B / 8) == 0)) {                           \
			AT_##op(B, (UT(B) *)MEMPTR(a_), s_);                  \
		} else {                                                      \
			UT(B) m_;                                             \
			memcpy(&m_, MEMPTR(a_), B / 8);                       \
			AT_##op(B, &m_, s_);                                  \
			memcpy(MEMPTR(a_), &m_, B / 8);                       \
		}                                                             \
	}                                                                     \
	NEXT();

	/* ---- the dispatch ---- */
#if IB_GOTO
	GO();
#define ISA(id, opc, mf, mv, fmt, op, bits, ubpf, llvm) CASE(id) FMT_##fmt(op, bits)
#include "isa.def"
#undef ISA
#else
	COUNT();
dispatch:
	switch ((enum isa_id)pc->code) {
#define ISA(id, opc, mf, mv, fmt, op, bits, ubpf, llvm) CASE(id) FMT_##fmt(op, bits)
#include "isa.def"
#undef ISA
	default:
		err = ab_err(run->log, -ANYBPF_E_OPCODE, pc - code, "no handler for row %u", pc->code);
		goto err_out;
	}
#endif

done:
	/* the next of `repeat` runs: from the top, as a new run */
	if (base == 0 && VM_UNLIKELY(run->reps_left != 0)) {
		run->reps_left--;
		if (VM_UNLIKELY(run->rerun != NULL || run->zero_bytes != 0)) {
			if ((err = vm_next_run(run)))
				goto err_out;
			pkt = run->pkt;
			pkt_len = run->pkt_len;
		} else {
			run->nextra = 0;
			run->stop = 0;
			run->depth = 0;
			run->stack_lo = run->stack_top - VM_STACK_SIZE;
		}
		depth = 0;
#if INTERP_CHECKED
		count = 0;
#else
		left = run->budget > INT64_MAX ? INT64_MAX : (int64_t)run->budget;
#endif
		R[0] = 0;
		for (int i = 0; i < 5; i++)
			R[1 + i] = run->args[i];
		R[6] = R[7] = R[8] = R[9] = 0;
		R[10] = run->stack_top;
		pc = code;
		GO();
	}
	run->retval = R[0];
#if INTERP_CHECKED
	run->insns = run->count = count;
#else
	run->left = left;
	run->insns = run->budget - (uint64_t)left;
#endif
	return 0;

budget_err:
	err = ab_err(run->log, -ANYBPF_E_BUDGET, pc - code,
		     "instruction budget of %llu exhausted", (unsigned long long)run->budget);
	goto err_out;
depth_err:
	err = ab_err(run->log, -ANYBPF_E_CALL_DEPTH, pc - code,
		     "call depth limit exceeded: %u frames in use, the limit is %u",
		     depth + 1, max_depth);
	goto err_out;
callx_err:
	err = ab_err(run->log, -ANYBPF_E_CALLX, pc - code,
		     "callx r%u = 0x%llx is not the address of a function of this program",
		     (unsigned)pc->dst, (unsigned long long)R[pc->dst]);
	goto err_out;
err_out:
	run->retval = R[0];
#if INTERP_CHECKED
	run->insns = run->count = count;
#else
	run->left = left;
	run->insns = run->budget - (uint64_t)(left < 0 ? 0 : left);
#endif
	return err;
}

#undef IB_GOTO
#undef UT
#undef ST
#undef COUNT
#undef CHARGE
#undef SAVE_BUDGET
#undef LOAD_BUDGET
#undef CASE
#undef GO
#undef NEXT
#undef JUMP
#undef MEMCHK
#undef MEMPTR
#undef OP_ADD
#undef OP_SUB
#undef OP_MUL
#undef OP_OR
#undef OP_AND
#undef OP_XOR
#undef OP_LSH
#undef OP_RSH
#undef OP_ARSH
#undef OP_DIV
#undef OP_MOD
#undef OP_SDIV
#undef OP_SMOD
#undef MV_MOV
#undef MV_MOVSX8
#undef MV_MOVSX16
#undef MV_MOVSX32
#undef UN_NEG
#undef UN_BSWAP
#undef UN_LE
#undef UN_BE
#undef CMP_JEQ
#undef CMP_JNE
#undef CMP_JGT
#undef CMP_JGE
#undef CMP_JLT
#undef CMP_JLE
#undef CMP_JSET
#undef CMP_JSGT
#undef CMP_JSGE
#undef CMP_JSLT
#undef CMP_JSLE
#undef LD_LDX
#undef LD_LDXS
#undef AT_SEQ
#undef AT_AADD
#undef AT_AOR
#undef AT_AAND
#undef AT_AXOR
#undef AT_AFADD
#undef AT_AFOR
#undef AT_AFAND
#undef AT_AFXOR
#undef AT_AXCHG
#undef AT_ACMPXCHG
#undef FMT_ALU_K
#undef FMT_ALU_X
#undef FMT_MOV_K
#undef FMT_MOV_X
#undef FMT_UNARY
#undef FMT_JA
#undef FMT_JA32
#undef FMT_JCC_K
#undef FMT_JCC_X
#undef FMT_CALL
#undef CALL_CALL
#undef CALL_CALL_KFUNC
#undef ENTER
#undef FMT_CALL_LOCAL
#undef FMT_CALLX
#undef FMT_EXIT
#undef FMT_LDDW
#undef PKT_LOAD
#undef FMT_LDABS
#undef FMT_LDIND
#undef FMT_LDX
#undef STORE
#undef FMT_ST
#undef FMT_STX
#undef FMT_ATOMIC
#undef INTERP_FN
#undef INTERP_CHECKED
