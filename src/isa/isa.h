/* isa.h - the instruction table (isa.def) as C data, and the decoder. */
#ifndef ANYBPF_ISA_H
#define ANYBPF_ISA_H

#include <stddef.h>
#include <stdint.h>
#include "anybpf.h"

/* Row ids: ISA_ADD64_K, ...; a pre-decoded instruction carries one in `code`. */
enum isa_id {
#define ISA(id, opc, mf, mv, fmt, op, bits, ubpf, llvm) ISA_##id,
#include "isa.def"
#undef ISA
	ISA_COUNT
};
_Static_assert(ISA_COUNT <= 255, "a row id must fit the opcode byte");

/* Which field tells apart rows sharing an opcode byte. */
enum isa_mfield { MF_NONE, MF_OFF, MF_IMM, MF_SRC };

/* Operand formats: how each of dst, src, off and imm is used. */
#define ISA_FORMATS(F) \
	/*  name        dst      src      off      imm    */ \
	F(ALU_K,      F_RW,    F_ZERO,  F_ZERO,  F_ANY)  /* dst op= imm          */ \
	F(ALU_X,      F_RW,    F_REG,   F_ZERO,  F_ZERO) /* dst op= src          */ \
	F(MOV_K,      F_W,     F_ZERO,  F_ZERO,  F_ANY)  /* dst = imm            */ \
	F(MOV_X,      F_W,     F_REG,   F_ZERO,  F_ZERO) /* dst = src            */ \
	F(UNARY,      F_RW,    F_ZERO,  F_ZERO,  F_ZERO) /* dst = op dst         */ \
	F(JA,         F_ZERO,  F_ZERO,  F_JMP,   F_ZERO) /* pc += off            */ \
	F(JA32,       F_ZERO,  F_ZERO,  F_ZERO,  F_JMP)  /* pc += imm            */ \
	F(JCC_K,      F_R,     F_ZERO,  F_JMP,   F_ANY)  /* if dst op imm        */ \
	F(JCC_X,      F_R,     F_REG,   F_JMP,   F_ZERO) /* if dst op src        */ \
	F(CALL,       F_ZERO,  F_ZERO,  F_ZERO,  F_ANY)  /* helper/kfunc id      */ \
	F(CALL_LOCAL, F_ZERO,  F_ZERO,  F_ZERO,  F_JMP)  /* pc += imm, new frame */ \
	F(CALLX,      F_R,     F_ZERO,  F_ZERO,  F_ZERO) /* call *dst            */ \
	F(EXIT,       F_ZERO,  F_ZERO,  F_ZERO,  F_ZERO) /* return r0            */ \
	F(LDDW,       F_W,     F_ZERO,  F_ZERO,  F_ANY)  /* dst = imm64 (2 slots)*/ \
	F(LDABS,      F_ZERO,  F_ZERO,  F_ZERO,  F_ANY)  /* r0 = pkt[imm]        */ \
	F(LDIND,      F_ZERO,  F_REG,   F_ZERO,  F_ANY)  /* r0 = pkt[src + imm]  */ \
	F(LDX,        F_W,     F_REG,   F_ANY,   F_ZERO) /* dst = *(src + off)   */ \
	F(ST,         F_R,     F_ZERO,  F_ANY,   F_ANY)  /* *(dst + off) = imm   */ \
	F(STX,        F_R,     F_REG,   F_ANY,   F_ZERO) /* *(dst + off) = src   */ \
	F(ATOMIC,     F_R,     F_REG,   F_ANY,   F_ZERO) /* *(dst + off) op= src */

/* Field rules.  F_ZERO: reserved, must be 0; F_REG: a register r0-r10 that is
 * read; F_R: dst read (r10 allowed); F_W / F_RW: dst written (r10 refused);
 * F_ANY: any value; F_JMP: a jump offset that must land inside the program.
 * A row's MFIELD overrides its format's rule for that field. */
enum isa_field_rule { F_ZERO, F_REG, F_R, F_W, F_RW, F_ANY, F_JMP };

enum isa_fmt {
#define F(name, d, s, o, i) FMT_##name,
	ISA_FORMATS(F)
#undef F
	FMT_COUNT
};

struct isa_fmt_rule {
	uint8_t dst, src, off, imm;
	const char *name;
};
extern const struct isa_fmt_rule isa_fmt_rules[FMT_COUNT];

struct isa_row {
	uint8_t opcode;
	uint8_t mfield;      /* enum isa_mfield */
	uint8_t fmt;         /* enum isa_fmt */
	uint8_t bits;
	int32_t mval;
	const char *id;      /* "ADD64_K" */
	const char *op;      /* "ADD" */
	const char *ubpf;    /* pattern, see isa.def */
	const char *llvm;    /* pattern, see isa.def */
};
extern const struct isa_row isa_rows[ISA_COUNT];

/* Instruction classes and the parts of the opcode byte (RFC 9669). */
enum {
	BPF_CLASS_LD = 0, BPF_CLASS_LDX = 1, BPF_CLASS_ST = 2, BPF_CLASS_STX = 3,
	BPF_CLASS_ALU = 4, BPF_CLASS_JMP = 5, BPF_CLASS_JMP32 = 6, BPF_CLASS_ALU64 = 7,
};
static inline unsigned isa_class(uint8_t opcode) { return opcode & 7u; }

/* Row of an instruction slot.  Returns the row id (>= 0) or a negative
 * ANYBPF_E_* code: ANYBPF_E_OPCODE when no row has this opcode byte,
 * ANYBPF_E_BAD_OFF / _BAD_IMM / _BAD_SRC when rows have it but the field
 * that tells them apart matches none. */
int isa_lookup(const struct anybpf_insn *insn);

/* An instruction of row `row` from its fields: the row's distinguishing
 * field is set, fields its format does not use are 0 (for tests and code
 * generators). */
struct anybpf_insn isa_encode(int row, int dst, int src, int off, int32_t imm);

/* Number of slots the instruction at pc occupies (2 for lddw, else 1). */
static inline size_t isa_slots(const struct anybpf_insn *insn)
{
	return insn->code == 0x18 ? 2 : 1;
}

#endif
