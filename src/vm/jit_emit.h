/* jit_emit.h - the x86-64 emitter in layers, for jit_x86_64.c.
 *
 *   1. bytes:        emit1/2/4/8 into a growable buffer, sticky error
 *   2. encoding:     REX prefix, ModRM for register and [base + disp]
 *                    operands (SIB for rsp/r12 bases, disp8 for rbp/r13)
 *   3. instructions: one function per x86 form, its mnemonic in a comment
 *
 * Labels and jumps: a label is an index into the offset table the compiler
 * keeps (jit_x86_64.c); `x_jcc`/`x_jmp`/`x_call` resolve them with the
 * offsets of the previous pass for forward targets (rel8 where a jump fits,
 * sticky once chosen), and the compiler re-emits until offsets stop moving.
 * Jumps inside one instruction's sequence use x_jcc8_fwd / x_patch8.
 */
#ifndef ANYBPF_JIT_EMIT_H
#define ANYBPF_JIT_EMIT_H

#include <stdint.h>
#include <string.h>

#include "common/common.h"

/* x86-64 registers, by encoding */
enum {
	RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

/* condition codes (the low nibble of Jcc / SETcc) */
enum {
	CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6, CC_A = 0x7,
	CC_S = 0x8, CC_NS = 0x9, CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

struct jit_emit {
	uint8_t *buf;
	size_t len, cap;
	int err;                 /* sticky: the first failure */
	/* labels: cur[] this pass (-1 until placed), prev[] the last pass */
	int64_t *cur, *prev;
	size_t nlabels;
	/* jump sites, in emission order: 1 once chosen short */
	uint8_t *short_site;
	size_t nsites, sites_cap;
	int first_pass;
	size_t bad_short;        /* short jumps out of range this pass */
};

/* ---- layer 1: bytes ---- */
static inline void emit1(struct jit_emit *e, uint8_t b)
{
	if (e->err)
		return;
	if (e->len == e->cap) {
		void *p = e->buf;
		if (ab_grow(&p, &e->cap, e->len + 1, 1)) {
			e->err = -ANYBPF_E_NOMEM;
			return;
		}
		e->buf = p;
	}
	e->buf[e->len++] = b;
}
static inline void emit2(struct jit_emit *e, uint16_t v) { emit1(e, (uint8_t)v); emit1(e, (uint8_t)(v >> 8)); }
static inline void emit4(struct jit_emit *e, uint32_t v) { emit2(e, (uint16_t)v); emit2(e, (uint16_t)(v >> 16)); }
static inline void emit8(struct jit_emit *e, uint64_t v) { emit4(e, (uint32_t)v); emit4(e, (uint32_t)(v >> 32)); }

/* ---- layer 2: REX and ModRM/SIB ---- */
/* REX.W for 64-bit operands, .R extends ModRM.reg, .B extends rm/base;
 * `byte_regs`: an 8-bit access to spl/bpl/sil/dil needs a REX to not mean
 * ah/ch/dh/bh. */
static inline void rex(struct jit_emit *e, int w, int reg, int rm, int byte_regs)
{
	uint8_t r = (uint8_t)(0x40 | (w ? 8 : 0) | (reg & 8 ? 4 : 0) | (rm & 8 ? 1 : 0));
	if (r != 0x40 || (byte_regs && ((reg >= 4 && reg < 8) || (rm >= 4 && rm < 8))))
		emit1(e, r);
}
/* mod=11: register operand */
static inline void modrm_rr(struct jit_emit *e, int reg, int rm)
{
	emit1(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}
/* [base + disp]: disp8 when it fits; rbp/r13 cannot use mod=00; rsp/r12
 * need a SIB byte */
static inline void modrm_mem(struct jit_emit *e, int reg, int base, int32_t disp)
{
	int mod = disp == 0 && (base & 7) != RBP ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
	emit1(e, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == RSP)
		emit1(e, 0x24); /* SIB: no index, base */
	if (mod == 1)
		emit1(e, (uint8_t)(int8_t)disp);
	else if (mod == 2)
		emit4(e, (uint32_t)disp);
}
/* [base + index*scale] (no disp; base not rbp/r13) */
static inline void modrm_sib(struct jit_emit *e, int reg, int base, int index, int scale_log2)
{
	emit1(e, (uint8_t)((reg & 7) << 3 | 4));
	emit1(e, (uint8_t)(scale_log2 << 6 | (index & 7) << 3 | (base & 7)));
}

/* ---- layer 3: instructions ---- */
/* ALU ops by their /digit and their r/m,reg opcode */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };

/* op r/m, reg  (add/or/and/sub/xor/cmp r/m32|64, r32|64) */
static inline void x_alu_rr(struct jit_emit *e, int op, int w, int dst, int src)
{
	rex(e, w, src, dst, 0);
	emit1(e, (uint8_t)(op << 3 | 1));
	modrm_rr(e, src, dst);
}
/* op r/m, imm  (83 /op ib when it fits, else 81 /op id) */
static inline void x_alu_ri(struct jit_emit *e, int op, int w, int dst, int32_t imm)
{
	rex(e, w, 0, dst, 0);
	if (imm >= -128 && imm <= 127) {
		emit1(e, 0x83);
		modrm_rr(e, op, dst);
		emit1(e, (uint8_t)(int8_t)imm);
	} else {
		emit1(e, 0x81);
		modrm_rr(e, op, dst);
		emit4(e, (uint32_t)imm);
	}
}
/* op qword [base + disp], imm  (sub/cmp on memory) */
static inline void x_alu_mi(struct jit_emit *e, int op, int w, int base, int32_t disp, int32_t imm)
{
	rex(e, w, 0, base, 0);
	if (imm >= -128 && imm <= 127) {
		emit1(e, 0x83);
		modrm_mem(e, op, base, disp);
		emit1(e, (uint8_t)(int8_t)imm);
	} else {
		emit1(e, 0x81);
		modrm_mem(e, op, base, disp);
		emit4(e, (uint32_t)imm);
	}
}
/* op reg, [base + disp]  (03/0b/23/2b/33/3b: add/or/and/sub/xor/cmp r, r/m) */
static inline void x_alu_rm(struct jit_emit *e, int op, int w, int reg, int base, int32_t disp)
{
	rex(e, w, reg, base, 0);
	emit1(e, (uint8_t)(op << 3 | 3));
	modrm_mem(e, reg, base, disp);
}
/* test r/m, reg */
static inline void x_test_rr(struct jit_emit *e, int w, int a, int b)
{
	rex(e, w, b, a, 0);
	emit1(e, 0x85);
	modrm_rr(e, b, a);
}
/* test r/m, imm32  (F7 /0 id) */
static inline void x_test_ri(struct jit_emit *e, int w, int a, int32_t imm)
{
	rex(e, w, 0, a, 0);
	emit1(e, 0xf7);
	modrm_rr(e, 0, a);
	emit4(e, (uint32_t)imm);
}
/* mov r/m, reg  (89 /r); w=0 zero-extends */
static inline void x_mov_rr(struct jit_emit *e, int w, int dst, int src)
{
	rex(e, w, src, dst, 0);
	emit1(e, 0x89);
	modrm_rr(e, src, dst);
}
/* mov r32, imm32 (B8+r, zero-extends) / mov r/m64, imm32 (C7 /0, sign-
 * extends) / movabs r64, imm64 (REX.W B8+r) - the shortest that fits */
static inline void x_mov_ri(struct jit_emit *e, int dst, uint64_t v)
{
	if (v <= 0xffffffffu) {
		rex(e, 0, 0, dst, 0);
		emit1(e, (uint8_t)(0xb8 | (dst & 7)));
		emit4(e, (uint32_t)v);
	} else if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
		rex(e, 1, 0, dst, 0);
		emit1(e, 0xc7);
		modrm_rr(e, 0, dst);
		emit4(e, (uint32_t)v);
	} else {
		rex(e, 1, 0, dst, 0);
		emit1(e, (uint8_t)(0xb8 | (dst & 7)));
		emit8(e, v);
	}
}
/* mov r/m64, imm32 exactly (REX.W C7 /0 id): r = the sign-extended imm */
static inline void x_mov_ri_sx32(struct jit_emit *e, int dst, int32_t v)
{
	rex(e, 1, 0, dst, 0);
	emit1(e, 0xc7);
	modrm_rr(e, 0, dst);
	emit4(e, (uint32_t)v);
}
/* movabs r64, imm64 exactly (REX.W B8+r io) */
static inline void x_movabs(struct jit_emit *e, int dst, uint64_t v)
{
	rex(e, 1, 0, dst, 0);
	emit1(e, (uint8_t)(0xb8 | (dst & 7)));
	emit8(e, v);
}
/* mov r32, imm32 exactly (B8+r), for a zero-extended 32-bit result */
static inline void x_mov_ri32(struct jit_emit *e, int dst, uint32_t v)
{
	rex(e, 0, 0, dst, 0);
	emit1(e, (uint8_t)(0xb8 | (dst & 7)));
	emit4(e, v);
}
/* load: size 1/2 movzx (0F B6/B7), 4 mov r32 (8B), 8 mov r64 (REX.W 8B);
 * sign-extending: movsx (REX.W 0F BE/BF), movsxd (REX.W 63) */
static inline void x_load(struct jit_emit *e, int size, int sx, int dst, int base, int32_t disp)
{
	if (sx) {
		rex(e, 1, dst, base, 0);
		if (size == 4) {
			emit1(e, 0x63);               /* movsxd r64, dword [m] */
		} else {
			emit1(e, 0x0f);
			emit1(e, size == 1 ? 0xbe : 0xbf); /* movsx r64, byte|word [m] */
		}
	} else if (size == 1 || size == 2) {
		rex(e, 0, dst, base, 0);
		emit1(e, 0x0f);
		emit1(e, size == 1 ? 0xb6 : 0xb7);  /* movzx r32, byte|word [m] */
	} else {
		rex(e, size == 8, dst, base, 0);
		emit1(e, 0x8b);                     /* mov r32|r64, [m] */
	}
	modrm_mem(e, dst, base, disp);
}
/* store reg: mov byte|word|dword|qword [m], r  (88 / 66 89 / 89 / REX.W 89) */
static inline void x_store_r(struct jit_emit *e, int size, int base, int32_t disp, int src)
{
	if (size == 2)
		emit1(e, 0x66);
	rex(e, size == 8, src, base, size == 1);
	emit1(e, size == 1 ? 0x88 : 0x89);
	modrm_mem(e, src, base, disp);
}
/* store imm: mov byte|word|dword|qword [m], imm  (C6 / 66 C7 / C7 / REX.W C7) */
static inline void x_store_i(struct jit_emit *e, int size, int base, int32_t disp, int32_t imm)
{
	if (size == 2)
		emit1(e, 0x66);
	rex(e, size == 8, 0, base, 0);
	emit1(e, size == 1 ? 0xc6 : 0xc7);
	modrm_mem(e, 0, base, disp);
	if (size == 1)
		emit1(e, (uint8_t)imm);
	else if (size == 2)
		emit2(e, (uint16_t)imm);
	else
		emit4(e, (uint32_t)imm);
}
/* lea r64, [base + disp] */
static inline void x_lea(struct jit_emit *e, int dst, int base, int32_t disp)
{
	rex(e, 1, dst, base, 0);
	emit1(e, 0x8d);
	modrm_mem(e, dst, base, disp);
}
/* lea r32|64, [base + disp]  (32-bit: the address's low half, zero-extended) */
static inline void x_lea_w(struct jit_emit *e, int w, int dst, int base, int32_t disp)
{
	rex(e, w, dst, base, 0);
	emit1(e, 0x8d);
	modrm_mem(e, dst, base, disp);
}
/* lea r32|64, [base + index]  (index not rsp; rbp/r13 as base need a
 * disp8 of 0, so they go to the index when the other can be the base) */
static inline void x_lea_bi(struct jit_emit *e, int w, int dst, int base, int index)
{
	if ((base & 7) == RBP && (index & 7) != RBP) {
		int t = base;
		base = index;
		index = t;
	}
	uint8_t r = (uint8_t)(0x40 | (w ? 8 : 0) | (dst & 8 ? 4 : 0) | (index & 8 ? 2 : 0) |
			      (base & 8 ? 1 : 0));
	if (r != 0x40)
		emit1(e, r);
	emit1(e, 0x8d);
	int mod = (base & 7) == RBP ? 1 : 0;
	emit1(e, (uint8_t)(mod << 6 | (dst & 7) << 3 | 4));
	emit1(e, (uint8_t)((index & 7) << 3 | (base & 7)));
	if (mod)
		emit1(e, 0);
}
/* shifts by /digit: shl 4, shr 5, sar 7; rol 0 */
enum { SH_ROL = 0, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };
/* shl|shr|sar r/m, imm8  (C1 /d ib) */
static inline void x_shift_ri(struct jit_emit *e, int op, int w, int dst, uint8_t n)
{
	rex(e, w, 0, dst, 0);
	emit1(e, 0xc1);
	modrm_rr(e, op, dst);
	emit1(e, n);
}
/* shl|shr|sar r/m, cl  (D3 /d) */
static inline void x_shift_cl(struct jit_emit *e, int op, int w, int dst)
{
	rex(e, w, 0, dst, 0);
	emit1(e, 0xd3);
	modrm_rr(e, op, dst);
}
/* imul r, r/m  (0F AF /r) */
static inline void x_imul_rr(struct jit_emit *e, int w, int dst, int src)
{
	rex(e, w, dst, src, 0);
	emit1(e, 0x0f);
	emit1(e, 0xaf);
	modrm_rr(e, dst, src);
}
/* imul r, r/m, imm32  (69 /r id) */
static inline void x_imul_rri(struct jit_emit *e, int w, int dst, int src, int32_t imm)
{
	rex(e, w, dst, src, 0);
	emit1(e, 0x69);
	modrm_rr(e, dst, src);
	emit4(e, (uint32_t)imm);
}
/* F7 group: neg /3, div /6, idiv /7 on a register */
enum { F7_NEG = 3, F7_DIV = 6, F7_IDIV = 7 };
static inline void x_f7(struct jit_emit *e, int op, int w, int r)
{
	rex(e, w, 0, r, 0);
	emit1(e, 0xf7);
	modrm_rr(e, op, r);
}
/* cqo (REX.W 99) / cdq (99): sign-extend rax into rdx */
static inline void x_cqo(struct jit_emit *e, int w)
{
	if (w)
		emit1(e, 0x48);
	emit1(e, 0x99);
}
/* movsx r, r/m8|16 (0F BE/BF), movsxd r64, r/m32 (REX.W 63) */
static inline void x_movsx_rr(struct jit_emit *e, int w, int from_bits, int dst, int src)
{
	if (from_bits == 32) {
		rex(e, 1, dst, src, 0);
		emit1(e, 0x63);
	} else {
		rex(e, w, dst, src, from_bits == 8);
		emit1(e, 0x0f);
		emit1(e, from_bits == 8 ? 0xbe : 0xbf);
	}
	modrm_rr(e, dst, src);
}
/* movzx r32, r/m16  (0F B7) */
static inline void x_movzx16_rr(struct jit_emit *e, int dst, int src)
{
	rex(e, 0, dst, src, 0);
	emit1(e, 0x0f);
	emit1(e, 0xb7);
	modrm_rr(e, dst, src);
}
/* rol r/m16, 8  (66 C1 /0 08): swap the two low bytes */
static inline void x_rol16_8(struct jit_emit *e, int r)
{
	emit1(e, 0x66);
	rex(e, 0, 0, r, 0);
	emit1(e, 0xc1);
	modrm_rr(e, SH_ROL, r);
	emit1(e, 8);
}
/* bswap r32|r64  (0F C8+r) */
static inline void x_bswap(struct jit_emit *e, int w, int r)
{
	rex(e, w, 0, r, 0);
	emit1(e, 0x0f);
	emit1(e, (uint8_t)(0xc8 | (r & 7)));
}
/* push r64 (50+r) / pop r64 (58+r) */
static inline void x_push(struct jit_emit *e, int r)
{
	rex(e, 0, 0, r, 0);
	emit1(e, (uint8_t)(0x50 | (r & 7)));
}
static inline void x_pop(struct jit_emit *e, int r)
{
	rex(e, 0, 0, r, 0);
	emit1(e, (uint8_t)(0x58 | (r & 7)));
}
/* ret (C3) */
static inline void x_ret(struct jit_emit *e) { emit1(e, 0xc3); }
/* call r/m64: call [base + disp]  (FF /2) */
static inline void x_call_mem(struct jit_emit *e, int base, int32_t disp)
{
	rex(e, 0, 0, base, 0);
	emit1(e, 0xff);
	modrm_mem(e, 2, base, disp);
}
/* call r64  (FF /2, mod=11) */
static inline void x_call_r(struct jit_emit *e, int r)
{
	rex(e, 0, 0, r, 0);
	emit1(e, 0xff);
	modrm_rr(e, 2, r);
}
/* call [base + index*8]  (FF /2 with SIB) */
static inline void x_call_sib8(struct jit_emit *e, int base, int index)
{
	uint8_t r = (uint8_t)(0x40 | (index & 8 ? 2 : 0) | (base & 8 ? 1 : 0));
	if (r != 0x40)
		emit1(e, r);
	emit1(e, 0xff);
	modrm_sib(e, 2, base, index, 3);
}
/* mov r32, dword [base + index*4]  (8B /r with SIB) */
static inline void x_load32_sib4(struct jit_emit *e, int dst, int base, int index)
{
	uint8_t r = (uint8_t)(0x40 | (dst & 8 ? 4 : 0) | (index & 8 ? 2 : 0) | (base & 8 ? 1 : 0));
	if (r != 0x40)
		emit1(e, r);
	emit1(e, 0x8b);
	modrm_sib(e, dst, base, index, 2);
}
/* lock prefix (F0) */
static inline void x_lock(struct jit_emit *e) { emit1(e, 0xf0); }
/* op [base + disp], reg  (01/09/21/31 add/or/and/xor r/m, r), with lock */
static inline void x_alu_mr(struct jit_emit *e, int op, int w, int base, int32_t disp, int src)
{
	rex(e, w, src, base, 0);
	emit1(e, (uint8_t)(op << 3 | 1));
	modrm_mem(e, src, base, disp);
}
/* xadd [m], r (0F C1) / cmpxchg [m], r (0F B1) / xchg [m], r (87) */
static inline void x_xadd_m(struct jit_emit *e, int w, int base, int32_t disp, int src)
{
	rex(e, w, src, base, 0);
	emit1(e, 0x0f);
	emit1(e, 0xc1);
	modrm_mem(e, src, base, disp);
}
static inline void x_cmpxchg_m(struct jit_emit *e, int w, int base, int32_t disp, int src)
{
	rex(e, w, src, base, 0);
	emit1(e, 0x0f);
	emit1(e, 0xb1);
	modrm_mem(e, src, base, disp);
}
static inline void x_xchg_m(struct jit_emit *e, int w, int base, int32_t disp, int src)
{
	rex(e, w, src, base, 0);
	emit1(e, 0x87);
	modrm_mem(e, src, base, disp);
}
/* pxor xmm0, xmm0 (66 0F EF C0); movdqu [base + disp], xmm0 (F3 0F 7F /r) */
static inline void x_pxor_xmm0(struct jit_emit *e)
{
	emit1(e, 0x66); emit1(e, 0x0f); emit1(e, 0xef); emit1(e, 0xc0);
}
static inline void x_movdqu_store_xmm0(struct jit_emit *e, int base, int32_t disp)
{
	emit1(e, 0xf3);
	rex(e, 0, 0, base, 0);
	emit1(e, 0x0f);
	emit1(e, 0x7f);
	modrm_mem(e, 0, base, disp);
}

/* ---- jumps ---- */
/* Intra-sequence forward jump: jcc rel8 (70+cc) with a placeholder, or
 * jmp rel8 (EB) when cc < 0; x_patch8 points it at the current position. */
static inline size_t x_jcc8_fwd(struct jit_emit *e, int cc)
{
	emit1(e, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc));
	emit1(e, 0);
	return e->len;
}
static inline void x_patch8(struct jit_emit *e, size_t at)
{
	if (e->err)
		return;
	size_t d = e->len - at;
	if (d > 127) {
		e->err = -ANYBPF_E_INVAL;
		return;
	}
	e->buf[at - 1] = (uint8_t)d;
}
/* Intra-sequence backward jump to `to` (an offset already emitted): jcc rel8 */
static inline void x_jcc8_back(struct jit_emit *e, int cc, size_t to)
{
	int64_t d = (int64_t)to - (int64_t)(e->len + 2);
	if (d < -128) {
		e->err = -ANYBPF_E_INVAL;
		return;
	}
	emit1(e, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc));
	emit1(e, (uint8_t)(int8_t)d);
}

static inline void label_place(struct jit_emit *e, size_t l)
{
	if (l < e->nlabels)
		e->cur[l] = (int64_t)e->len;
}

/* Jump (cc >= 0: jcc; cc = -1: jmp; cc = -2: call) to label l.  Backward
 * targets are exact; forward ones use the previous pass's offset, an upper
 * bound of the distance (everything only shrinks between passes), so a
 * site chosen short stays in range; the caller re-emits until stable. */
static inline void x_jump(struct jit_emit *e, int cc, size_t l)
{
	if (e->err)
		return;
	if (l >= e->nlabels) {
		e->err = -ANYBPF_E_INVAL;
		return;
	}
	size_t site = e->nsites++;
	if (site >= e->sites_cap) {
		void *p = e->short_site;
		size_t old = e->sites_cap;
		if (ab_grow(&p, &e->sites_cap, site + 1, 1)) {
			e->err = -ANYBPF_E_NOMEM;
			return;
		}
		e->short_site = p;
		memset(e->short_site + old, 0, e->sites_cap - old);
	}
	int64_t target = e->cur[l] >= 0 ? e->cur[l] : e->first_pass ? -1 : e->prev[l];
	int known = target >= 0;
	if (cc != -2 && known && !e->short_site[site]) {
		int64_t d = target - (int64_t)(e->len + 2);
		if (d >= -128 && d <= 127)
			e->short_site[site] = 1;
	}
	if (cc != -2 && e->short_site[site]) {
		int64_t d = target - (int64_t)(e->len + 2);
		if (d < -128 || d > 127) {
			e->bad_short++;            /* fatal only once converged */
			d = 0;
		}
		emit1(e, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc)); /* jmp|jcc rel8 */
		emit1(e, (uint8_t)(int8_t)d);
		return;
	}
	if (cc == -2)
		emit1(e, 0xe8);                    /* call rel32 */
	else if (cc == -1)
		emit1(e, 0xe9);                    /* jmp rel32 */
	else {
		emit1(e, 0x0f);                    /* jcc rel32 (0F 80+cc) */
		emit1(e, (uint8_t)(0x80 | cc));
	}
	int64_t end = (int64_t)e->len + 4;
	emit4(e, (uint32_t)(int32_t)(known ? target - end : 0));
}

#endif
