/* isa.c - the rows of isa.def as data, and the row lookup. */
#include <pthread.h>

#include "isa.h"

const struct isa_fmt_rule isa_fmt_rules[FMT_COUNT] = {
#define F(name, d, s, o, i) [FMT_##name] = { d, s, o, i, #name },
	ISA_FORMATS(F)
#undef F
};

const struct isa_row isa_rows[ISA_COUNT] = {
#define ISA(id, opc, mf, mv, fmt, op, bits, ubpf, llvm) \
	[ISA_##id] = { opc, MF_##mf, FMT_##fmt, bits, mv, #id, #op, ubpf, llvm },
#include "isa.def"
#undef ISA
};

/* For each opcode byte, the first row with it and how many rows follow
 * with the same byte (rows sharing a byte are adjacent in isa.def; the
 * unit test checks that).  Built once. */
static struct { uint8_t first, count; } by_opcode[256];
static pthread_once_t by_opcode_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
	for (int r = ISA_COUNT - 1; r >= 0; r--) {
		uint8_t o = isa_rows[r].opcode;
		by_opcode[o].first = (uint8_t)r;
		by_opcode[o].count++;
	}
}

static int32_t mfield_value(const struct anybpf_insn *insn, unsigned mf)
{
	switch (mf) {
	case MF_OFF: return insn->off;
	case MF_IMM: return insn->imm;
	case MF_SRC: return insn->src;
	default: return 0;
	}
}

int isa_lookup(const struct anybpf_insn *insn)
{
	static const int mismatch[] = {
		[MF_NONE] = -ANYBPF_E_OPCODE, [MF_OFF] = -ANYBPF_E_BAD_OFF,
		[MF_IMM] = -ANYBPF_E_BAD_IMM, [MF_SRC] = -ANYBPF_E_BAD_SRC,
	};
	pthread_once(&by_opcode_once, build_index);
	unsigned first = by_opcode[insn->code].first, n = by_opcode[insn->code].count;
	if (n == 0)
		return -ANYBPF_E_OPCODE;
	for (unsigned r = first; r < first + n; r++)
		if (isa_rows[r].mfield == MF_NONE ||
		    mfield_value(insn, isa_rows[r].mfield) == isa_rows[r].mval)
			return (int)r;
	return mismatch[isa_rows[first].mfield];
}

struct anybpf_insn isa_encode(int row, int dst, int src, int off, int32_t imm)
{
	const struct isa_row *r = &isa_rows[row];
	const struct isa_fmt_rule *f = &isa_fmt_rules[r->fmt];
	struct anybpf_insn i = { .code = r->opcode, .dst = (uint8_t)(dst & 15),
				 .src = (uint8_t)(src & 15), .off = (int16_t)off, .imm = imm };
	if (f->dst == F_ZERO)
		i.dst = 0;
	if (f->src == F_ZERO)
		i.src = 0;
	if (f->off == F_ZERO)
		i.off = 0;
	if (f->imm == F_ZERO)
		i.imm = 0;
	if (r->mfield == MF_OFF)
		i.off = (int16_t)r->mval;
	else if (r->mfield == MF_IMM)
		i.imm = r->mval;
	else if (r->mfield == MF_SRC)
		i.src = (uint8_t)r->mval;
	return i;
}
