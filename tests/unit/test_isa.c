/* test_isa.c - the instruction table, the assembler and the disassembler. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "anybpf.h"
#include "isa.h"
#include "unit.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------ */

static struct anybpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct anybpf_insn in = { 0 };
	in.code = code;
	in.dst = dst & 15;
	in.src = src & 15;
	in.off = off;
	in.imm = imm;
	return in;
}

static int same_insns(const struct anybpf_insn *a, const struct anybpf_insn *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].code != b[i].code || a[i].dst != b[i].dst || a[i].src != b[i].src ||
		    a[i].off != b[i].off || a[i].imm != b[i].imm)
			return 0;
	return 1;
}

/* Assemble text; returns the error code, fills insns/n and the log. */
static int as(const char *text, struct anybpf_insn **insns, size_t *n, char *logbuf,
	      size_t logsize, int64_t *line)
{
	struct anybpf_log log = { .buf = logbuf, .size = logsize };
	if (logbuf && logsize)
		logbuf[0] = '\0';
	int e = anybpf_assemble(text, strlen(text), insns, n, &log);
	if (line)
		*line = log.err_line;
	return e;
}

/* Disassembly of one instruction (or an lddw pair) in a syntax. */
static const char *dis(const struct anybpf_insn *in, size_t n, enum anybpf_syntax syn)
{
	static char buf[256];
	anybpf_disasm_insn(in, n, 0, syn, buf, sizeof(buf));
	return buf;
}

/* ---- (a) table integrity ------------------------------------------------ */

TEST(isa_rows_sharing_an_opcode_are_adjacent)
{
	int bad = 0;
	for (int r = 0; r < ISA_COUNT; r++)
		for (int q = r + 2; q < ISA_COUNT; q++)
			if (isa_rows[q].opcode == isa_rows[r].opcode &&
			    isa_rows[q - 1].opcode != isa_rows[r].opcode) {
				fprintf(stderr, "  rows %s and %s share 0x%02x but are apart\n",
					isa_rows[r].id, isa_rows[q].id, isa_rows[r].opcode);
				bad++;
			}
	CHECK_EQ(bad, 0);
}

TEST(isa_no_two_rows_match_one_instruction)
{
	for (int r = 0; r < ISA_COUNT; r++)
		for (int q = r + 1; q < ISA_COUNT && isa_rows[q].opcode == isa_rows[r].opcode; q++) {
			/* same byte: both must be told apart by the same field, by value */
			CHECK(isa_rows[r].mfield != MF_NONE);
			CHECK_EQ(isa_rows[q].mfield, isa_rows[r].mfield);
			CHECK(isa_rows[q].mval != isa_rows[r].mval);
		}
	/* and the lookup finds each row from an instruction built for it */
	for (int r = 0; r < ISA_COUNT; r++) {
		struct anybpf_insn in = mk(isa_rows[r].opcode, 1, 2, 0, 0);
		if (isa_rows[r].mfield == MF_OFF) in.off = (int16_t)isa_rows[r].mval;
		if (isa_rows[r].mfield == MF_IMM) in.imm = isa_rows[r].mval;
		if (isa_rows[r].mfield == MF_SRC) in.src = (uint8_t)isa_rows[r].mval;
		if (isa_lookup(&in) != r)
			fprintf(stderr, "  row %s: lookup gives %d\n", isa_rows[r].id, isa_lookup(&in));
		CHECK_EQ(isa_lookup(&in), r);
	}
}

/* Is placeholder c allowed in a row, and which field does it print? */
static int placeholder_ok(const struct isa_row *row, char c)
{
	const struct isa_fmt_rule *f = &isa_fmt_rules[row->fmt];
	int lddw = row->fmt == FMT_LDDW;
	switch (c) {
	case 'D': return f->dst != F_ZERO;
	case 'S': return f->src != F_ZERO && row->mfield != MF_SRC;
	case 'I': case 'U': return f->imm != F_ZERO && row->mfield != MF_IMM;
	case 'K': return f->imm == F_JMP;
	case 'i': return row->fmt == FMT_LDIND;
	case 'L': return lddw && row->mval == 0;
	case 'h': return lddw && row->mval != 0;
	case 'O': case 'o': return f->off == F_ANY && row->mfield != MF_OFF;
	case 'J': return f->off == F_JMP;
	default: return 0;
	}
}

TEST(isa_patterns_use_valid_placeholders)
{
	for (int r = 0; r < ISA_COUNT; r++) {
		const struct isa_row *row = &isa_rows[r];
		const char *pats[2] = { row->ubpf, row->llvm };
		for (int k = 0; k < 2; k++) {
			int seen_imm = 0, seen_off = 0, seen_d = 0, seen_s = 0;
			for (const char *p = pats[k]; *p; p++) {
				CHECK(*p != '}');
				if (*p != '{')
					continue;
				int ok = p[1] && p[2] == '}' && placeholder_ok(row, p[1]);
				if (!ok)
					fprintf(stderr, "  row %s: bad placeholder in \"%s\"\n", row->id, pats[k]);
				CHECK(ok);
				if (!ok)
					break;
				seen_imm |= strchr("IUKiL", p[1]) != NULL;
				seen_off |= strchr("OoJ", p[1]) != NULL;
				seen_d |= p[1] == 'D';
				seen_s |= p[1] == 'S';
				p += 2;
			}
			/* and every field the format uses is printed (lossless) */
			const struct isa_fmt_rule *f = &isa_fmt_rules[row->fmt];
			int lost = (f->dst != F_ZERO && !seen_d) ||
				   (f->src != F_ZERO && row->mfield != MF_SRC && !seen_s) ||
				   (f->imm != F_ZERO && row->mfield != MF_IMM && !seen_imm) ||
				   (f->off != F_ZERO && row->mfield != MF_OFF && !seen_off);
			if (lost)
				fprintf(stderr, "  row %s: \"%s\" drops a field\n", row->id, pats[k]);
			CHECK(!lost);
		}
	}
}

/* ---- (b) exact text, and the round trip over every row ------------------ */

struct text_case {
	struct anybpf_insn in[2];
	size_t n;
	const char *llvm, *ubpf;
};

/* Texts measured with llvm-objdump 14 (-d --no-show-raw-insn). */
static const struct text_case text_cases[] = {
	{ { { 0xb7, 0, 0, 0, 0 } }, 1, "r0 = 0", "mov %r0, 0" },
	{ { { 0x07, 1, 0, 0, -3 } }, 1, "r1 += -3", "add %r1, -3" },
	{ { { 0xb4, 1, 0, 0, -1 } }, 1, "w1 = -1", "mov32 %r1, -1" },
	{ { { 0xb7, 1, 0, 0, INT32_MAX } }, 1, "r1 = 2147483647", "mov %r1, 2147483647" },
	{ { { 0x18, 1, 0, 0, -1 }, { 0, 0, 0, 0, -1 } }, 2, "r1 = -1 ll", "lddw %r1, -1" },
	{ { { 0x18, 1, 0, 0, -1 }, { 0, 0, 0, 0, 0 } }, 2, "r1 = 4294967295 ll",
	  "lddw %r1, 4294967295" },
	{ { { 0x18, 1, 5, 0, 5 }, { 0, 0, 0, 0, 0 } }, 2, "ld_pseudo\tr1, 5, 5",
	  "lddw %r1, map_idx 5" },
	{ { { 0x18, 1, 2, 0, -1 }, { 0, 0, 0, 0, 8 } }, 2, "ld_pseudo\tr1, 2, 4294967295, 8",
	  "lddw %r1, map_value -1, 8" },
	{ { { 0x05, 0, 0, 0, 0 } }, 1, "goto +0", "ja +0" },
	{ { { 0x15, 1, 0, -32768, 0 } }, 1, "if r1 == 0 goto -32768", "jeq %r1, 0, -32768" },
	{ { { 0x5e, 1, 2, 3, 0 } }, 1, "if w1 != w2 goto +3", "jne32 %r1, %r2, +3" },
	{ { { 0x61, 1, 2, 0, 0 } }, 1, "r1 = *(u32 *)(r2 + 0)", "ldxw %r1, [%r2]" },
	{ { { 0x61, 1, 2, -4, 0 } }, 1, "r1 = *(u32 *)(r2 - 4)", "ldxw %r1, [%r2-4]" },
	{ { { 0x63, 1, 2, -4, 0 } }, 1, "*(u32 *)(r1 - 4) = r2", "stxw [%r1-4], %r2" },
	{ { { 0x7a, 10, 0, -8, 7 } }, 1, "*(u64 *)(r10 - 8) = 7", "stdw [%r10-8], 7" },
	{ { { 0xc3, 1, 2, 8, 0 } }, 1, "lock *(u32 *)(r1 + 8) += r2", "lock add32 [%r1+8], %r2" },
	{ { { 0xdb, 1, 2, 0, 0xf1 } }, 1, "r0 = cmpxchg_64(r1 + 0, r0, r2)",
	  "lock cmpxchg [%r1], %r2" },
	{ { { 0x28, 0, 0, 0, 12 } }, 1, "r0 = *(u16 *)skb[12]", "ldabsh 12" },
	{ { { 0x50, 0, 1, 0, 0 } }, 1, "r0 = *(u8 *)skb[r1]", "ldindb %r1, 0" },
	{ { { 0x40, 0, 1, 0, -4 } }, 1, "r0 = *(u32 *)skb[r1 - 4]", "ldindw %r1, -4" },
	{ { { 0x85, 0, 0, 0, 1 } }, 1, "call 1", "call 1" },
	{ { { 0x85, 0, 1, 0, -1 } }, 1, "call -1", "call local -1" },
	{ { { 0x85, 0, 2, 0, 7 } }, 1, "call 7", "call runtime 7" },
	{ { { 0x95, 0, 0, 0, 0 } }, 1, "exit", "exit" },
	{ { { 0x06, 0, 0, 0, -5 } }, 1, "gotol -5", "ja32 -5" },
	{ { { 0xbf, 1, 2, 8, 0 } }, 1, "r1 = (s8)r2", "movsx864 %r1, %r2" },
	{ { { 0xd7, 3, 0, 0, 16 } }, 1, "r3 = bswap16 r3", "bswap16 %r3" },
	{ { { 0xdc, 3, 0, 0, 32 } }, 1, "r3 = be32 r3", "be32 %r3" },
	{ { { 0x3f, 1, 2, 1, 0 } }, 1, "r1 s/= r2", "sdiv %r1, %r2" },
};

TEST(disasm_exact_text)
{
	for (size_t i = 0; i < ARRAY_LEN(text_cases); i++) {
		const struct text_case *t = &text_cases[i];
		const char *l = dis(t->in, t->n, ANYBPF_SYNTAX_LLVM);
		if (strcmp(l, t->llvm))
			fprintf(stderr, "  case %zu: llvm \"%s\", want \"%s\"\n", i, l, t->llvm);
		CHECK(!strcmp(l, t->llvm));
		const char *u = dis(t->in, t->n, ANYBPF_SYNTAX_UBPF);
		if (strcmp(u, t->ubpf))
			fprintf(stderr, "  case %zu: ubpf \"%s\", want \"%s\"\n", i, u, t->ubpf);
		CHECK(!strcmp(u, t->ubpf));
		/* and both texts assemble back */
		const char *texts[2] = { t->llvm, t->ubpf };
		for (int k = 0; k < 2; k++) {
			struct anybpf_insn *out = NULL;
			size_t n = 0;
			char log[256];
			int e = as(texts[k], &out, &n, log, sizeof(log), NULL);
			/* llvm "call 7" is a helper call: llvm-objdump loses the kind */
			int want_same = !(k == 0 && t->in[0].code == 0x85 && t->in[0].src);
			if (e || n != t->n || (want_same && !same_insns(out, t->in, n)))
				fprintf(stderr, "  case %zu: \"%s\" does not assemble back (%s)\n", i,
					texts[k], log);
			CHECK_EQ(e, 0);
			CHECK_EQ(n, t->n);
			if (want_same && n == t->n)
				CHECK(same_insns(out, t->in, n));
			anybpf_free(out);
		}
	}
}

TEST(disasm_invalid)
{
	char buf[64];
	struct anybpf_insn bad[] = { mk(0x06 ^ 0xff, 0, 0, 0, 0), mk(0xd4, 1, 0, 0, 8),
				     mk(0x37, 1, 0, 2, 1), mk(0x18, 1, 7, 0, 0), mk(0, 0, 0, 0, 0) };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		CHECK(anybpf_disasm_insn(&bad[i], 2, 0, ANYBPF_SYNTAX_LLVM, buf, sizeof(buf)) < 0);
		CHECK(!strcmp(buf, "<unknown>"));
	}
	/* lddw without its second slot */
	struct anybpf_insn ld = mk(0x18, 1, 0, 0, 5);
	CHECK_EQ(anybpf_disasm_insn(&ld, 1, 0, ANYBPF_SYNTAX_UBPF, buf, sizeof(buf)),
		 -ANYBPF_E_LDDW_INCOMPLETE);
	CHECK(!strcmp(buf, "<unknown>"));
	/* pc past the end, tiny buffers: never an overflow */
	CHECK(anybpf_disasm_insn(&ld, 1, 1, ANYBPF_SYNTAX_UBPF, buf, sizeof(buf)) < 0);
	struct anybpf_insn st = mk(0x7a, 10, 0, -8, INT32_MIN);
	char small[8];
	memset(small, 'x', sizeof(small));
	CHECK_EQ(anybpf_disasm_insn(&st, 1, 0, ANYBPF_SYNTAX_LLVM, small, 5), 1);
	CHECK(!strcmp(small, "*(u6"));
	CHECK(small[5] == 'x');
	CHECK_EQ(anybpf_disasm_insn(&st, 1, 0, ANYBPF_SYNTAX_LLVM, NULL, 0), 1);
}

/* Fill an instruction for row r from edge values, leaving reserved fields 0. */
static size_t build_row(int r, unsigned dst, unsigned src, int16_t off, int32_t imm,
			uint64_t imm64, struct anybpf_insn out[2])
{
	const struct isa_row *row = &isa_rows[r];
	const struct isa_fmt_rule *f = &isa_fmt_rules[row->fmt];
	out[0] = mk(row->opcode, f->dst == F_ZERO ? 0 : (uint8_t)dst,
		    f->src == F_ZERO ? 0 : (uint8_t)src, f->off == F_ZERO ? 0 : off,
		    f->imm == F_ZERO ? 0 : imm);
	if (row->mfield == MF_OFF) out[0].off = (int16_t)row->mval;
	if (row->mfield == MF_IMM) out[0].imm = row->mval;
	if (row->mfield == MF_SRC) out[0].src = (uint8_t)row->mval;
	if (row->fmt != FMT_LDDW)
		return 1;
	out[1] = mk(0, 0, 0, 0, 0);
	if (row->mval == 0) {
		out[0].imm = (int32_t)(uint32_t)imm64;
		out[1].imm = (int32_t)(uint32_t)(imm64 >> 32);
	} else {
		out[1].imm = (int32_t)(uint32_t)imm64;
	}
	return 2;
}

/* assemble(disassemble(x)) == x for every row over edge values. */
static void round_trip(enum anybpf_syntax syn)
{
	static const unsigned regs[][2] = { { 0, 1 }, { 1, 9 }, { 9, 10 }, { 10, 0 } };
	static const int32_t imms[] = { 0, 1, -1, INT32_MIN, INT32_MAX };
	static const int16_t offs[] = { 0, 1, -1, INT16_MAX, INT16_MIN };
	static const uint64_t imm64s[] = { 0, 1, UINT64_MAX, 0x8000000000000000ull,
					   0x7fffffffffffffffull, 0xffffffffull,
					   0x100000000ull, 0x80000000ull };
	int cases = 0, fails = 0;
	for (int r = 0; r < ISA_COUNT; r++) {
		/* llvm-objdump prints the three call kinds alike ("call N"), so
		 * the LLVM text of a local or kfunc call cannot carry its src
		 * field back: those two rows are checked in uBPF syntax only */
		if (syn == ANYBPF_SYNTAX_LLVM && (r == ISA_CALL_LOCAL || r == ISA_CALL_KFUNC))
			continue;
		for (size_t g = 0; g < ARRAY_LEN(regs); g++)
		for (size_t i = 0; i < ARRAY_LEN(imms); i++)
		for (size_t o = 0; o < ARRAY_LEN(offs); o++)
		for (size_t w = 0; w < (isa_rows[r].fmt == FMT_LDDW ? ARRAY_LEN(imm64s) : 1); w++) {
			struct anybpf_insn in[2], *out = NULL;
			size_t n = build_row(r, regs[g][0], regs[g][1], offs[o], imms[i], imm64s[w], in), m = 0;
			char text[256], log[256];
			int k = anybpf_disasm_insn(in, n, 0, syn, text, sizeof(text));
			int e = as(text, &out, &m, log, sizeof(log), NULL);
			cases++;
			if (k != (int)n || e || m != n || !same_insns(in, out, n)) {
				if (fails++ < 10)
					fprintf(stderr, "  row %s: \"%s\" -> %s\n", isa_rows[r].id,
						text, e ? log : "other bytes");
			}
			anybpf_free(out);
		}
	}
	CHECK_EQ(fails, 0);
	CHECK(cases > ISA_COUNT * 50);
}

TEST(round_trip_ubpf_every_row) { round_trip(ANYBPF_SYNTAX_UBPF); }
TEST(round_trip_llvm_every_row) { round_trip(ANYBPF_SYNTAX_LLVM); }

/* ---- (c) assembler: accepted forms and errors --------------------------- */

struct asm_case {
	const char *text;
	size_t n;
	struct anybpf_insn want[4];
};

static const struct asm_case asm_cases[] = {
	/* whitespace, comments, both syntaxes mixed */
	{ "  mov %r0 , 1 # comment\n\n; line\n// other\nr0 += 2 // c\n", 2,
	  { { 0xb7, 0, 0, 0, 1 }, { 0x07, 0, 0, 0, 2 } } },
	{ "ldxw %r1, [%r2 + 4]\nr1 = *(u32*)(r2+4)\nstxdw [%r10-8],%r1\n", 3,
	  { { 0x61, 1, 2, 4, 0 }, { 0x61, 1, 2, 4, 0 }, { 0x7b, 10, 1, -8, 0 } } },
	{ "ldxb %r0, [%r1]\n", 1, { { 0x71, 0, 1, 0, 0 } } },
	/* immediates: hex, negative, 0xffffffff is -1 */
	{ "mov32 %r1, 0xffffffff\nadd %r1, -0x10\nmov %r2, 4294967295\n", 3,
	  { { 0xb4, 1, 0, 0, -1 }, { 0x07, 1, 0, 0, -16 }, { 0xb7, 2, 0, 0, -1 } } },
	{ "lddw %r1, 0x123456789\n", 2, { { 0x18, 1, 0, 0, 0x23456789 }, { 0, 0, 0, 0, 1 } } },
	{ "r1 = -2 ll\n", 2, { { 0x18, 1, 0, 0, -2 }, { 0, 0, 0, 0, -1 } } },
	/* labels, in both syntaxes; the first exit is the label exit */
	{ "jeq %r1, 0, exit\nja done\nmov %r0, 1\ndone:\nexit\n", 4,
	  { { 0x15, 1, 0, 2, 0 }, { 0x05, 0, 0, 1, 0 }, { 0xb7, 0, 0, 0, 1 }, { 0x95, 0, 0, 0, 0 } } },
	{ "LBB0_1: r1 += 1\nif r1 < 10 goto LBB0_1 <LBB0_1>\ngoto +0 <x>\nexit\n", 4,
	  { { 0x07, 1, 0, 0, 1 }, { 0xa5, 1, 0, -2, 10 }, { 0x05, 0, 0, 0, 0 }, { 0x95, 0, 0, 0, 0 } } },
	{ "call local f\nexit\nf:\ncall runtime 3\nja32 f\n", 4,
	  { { 0x85, 0, 1, 0, 1 }, { 0x95, 0, 0, 0, 0 }, { 0x85, 0, 2, 0, 3 }, { 0x06, 0, 0, 0, -2 } } },
	{ "call %r2\ncallx r3\ncall 0x1\n", 3,
	  { { 0x8d, 2, 0, 0, 0 }, { 0x8d, 3, 0, 0, 0 }, { 0x85, 0, 0, 0, 1 } } },
	/* listing prefixes "  12:" re-assemble */
	{ "       0:\tr0 = 1\n       1:\texit\n", 2, { { 0xb7, 0, 0, 0, 1 }, { 0x95, 0, 0, 0, 0 } } },
	/* and llvm-objdump's listing with raw bytes */
	{ "       0:\tb7 01 00 00 05 00 00 00\tr1 = 5\n"
	  "       1:\t18 01 00 00 01 00 00 00 00 00 00 00 00 00 00 00\tr1 = 1 ll\n", 3,
	  { { 0xb7, 1, 0, 0, 5 }, { 0x18, 1, 0, 0, 1 }, { 0, 0, 0, 0, 0 } } },
	/* aliases and atomics */
	{ "swap16 %r1\nbswap64 %r2\nlock fetch add [%r1+8], %r2\nlock cmpxchg32 [%r1], %r3\n", 4,
	  { { 0xd7, 1, 0, 0, 16 }, { 0xd7, 2, 0, 0, 64 }, { 0xdb, 1, 2, 8, 1 },
	    { 0xc3, 1, 3, 0, 0xf1 } } },
	/* r11..r15 are left for the validator */
	{ "mov %r11, 1\n", 1, { { 0xb7, 11, 0, 0, 1 } } },
	{ "r0 = *(u32 *)skb[r1 + 3]\nldabsb 0x10\n", 2, { { 0x40, 0, 1, 0, 3 }, { 0x30, 0, 0, 0, 16 } } },
	{ "", 0, { { 0, 0, 0, 0, 0 } } },
};

TEST(asm_accepts)
{
	for (size_t i = 0; i < ARRAY_LEN(asm_cases); i++) {
		const struct asm_case *c = &asm_cases[i];
		struct anybpf_insn *out = NULL;
		size_t n = 0;
		char log[256];
		int e = as(c->text, &out, &n, log, sizeof(log), NULL);
		if (e || n != c->n || !same_insns(out, c->want, n))
			fprintf(stderr, "  case %zu: e=%d n=%zu %s\n", i, e, n, log);
		CHECK_EQ(e, 0);
		CHECK_EQ(n, c->n);
		if (n == c->n)
			CHECK(same_insns(out, c->want, n));
		anybpf_free(out);
	}
}

struct asm_error_case {
	const char *text;
	int line;
	const char *msg;
};

static const struct asm_error_case asm_errors[] = {
	{ "exit\nexit\nfoo %r1\n", 3, "line 3: unknown instruction 'foo %r1'" },
	{ "ja done\nexit\n", 1, "line 1: undefined label 'done'" },
	{ "exit\nmov %r1, 0x1ffffffff\n", 2, "line 2: immediate 0x1ffffffff does not fit in 32 bits" },
	{ "mov %r1, -2147483649\n", 1, "line 1: immediate -2147483649 does not fit in 32 bits" },
	{ "lddw %r1, 0x10000000000000000\n", 1,
	  "line 1: immediate 0x10000000000000000 does not fit in 64 bits" },
	{ "ja +32768\n", 1, "line 1: jump offset +32768 does not fit in 16 bits" },
	{ "if r1 > 2 goto -32769\n", 1, "line 1: jump offset -32769 does not fit in 16 bits" },
	{ "ldxw %r1, [%r2+32768]\n", 1, "line 1: offset +32768 does not fit in 16 bits" },
	{ "r1 = *(u8 *)(r2 - 32769)\n", 1, "line 1: offset - 32769 does not fit in 16 bits" },
	{ "stb [%r1+70000], 1\n", 1, "line 1: offset +70000 does not fit in 16 bits" },
	{ "ldxdw %r1, [%r2-0x8001]\n", 1, "line 1: offset -0x8001 does not fit in 16 bits" },
	{ "call local 0x80000000\n", 1, "line 1: jump offset 0x80000000 does not fit in 32 bits" },
	{ "r0 = *(u32 *)skb[r1 - 0x80000001]\n", 1,
	  "line 1: immediate - 0x80000001 does not fit in 32 bits" },
	{ "mov %r16, 1\n", 1, "line 1: unknown instruction 'mov %r16, 1'" },
	{ "a:\nexit\na: exit\n", 3, "line 3: duplicate label 'a' (first on line 1)" },
	{ "mov %r1\n", 1, "line 1: unknown instruction 'mov %r1'" },
	{ "add %r1, 2 3\n", 1, "line 1: unknown instruction 'add %r1, 2 3'" },
	{ "<unknown>\n", 1, "line 1: unknown instruction '<unknown>'" },
	{ "r1 = -r2\n", 1, "line 1: unknown instruction 'r1 = -r2'" },
	{ "mov %r1, 12abc\n", 1, "line 1: unknown instruction 'mov %r1, 12abc'" },
	{ "exit\nmov %r0,\0 1\n", 2, "line 2: NUL byte in the source text" },
};

TEST(asm_error_messages)
{
	for (size_t i = 0; i < ARRAY_LEN(asm_errors); i++) {
		const struct asm_error_case *c = &asm_errors[i];
		struct anybpf_insn *out = (struct anybpf_insn *)1;
		size_t n = 7;
		char log[256];
		int64_t line = 0;
		size_t len = strlen(c->text);
		if (i == ARRAY_LEN(asm_errors) - 1) /* the NUL case */
			len = 17;
		struct anybpf_log lg = { .buf = log, .size = sizeof(log) };
		int e = anybpf_assemble(c->text, len, &out, &n, &lg);
		line = lg.err_line;
		char want[300];
		snprintf(want, sizeof(want), "%s\n", c->msg);
		if (strcmp(log, want))
			fprintf(stderr, "  case %zu: log \"%s\", want \"%s\"\n", i, log, c->msg);
		CHECK_EQ(e, -ANYBPF_E_ASM);
		CHECK(!strcmp(log, want));
		CHECK_EQ(line, c->line);
		CHECK(out == NULL);
		CHECK_EQ(n, 0);
	}
}

TEST(asm_label_too_far)
{
	/* a label jump past 32767 slots does not fit in off; call local does */
	size_t count = 40000, len = 0;
	char *text = malloc(count * 5 + 64);
	CHECK(text != NULL);
	if (!text)
		return;
	len += (size_t)sprintf(text, "ja far\ncall local far\n");
	for (size_t i = 0; i < count; i++)
		len += (size_t)sprintf(text + len, "exit\n");
	sprintf(text + len, "far: exit\n");
	struct anybpf_insn *out = NULL;
	size_t n = 0;
	char log[256];
	int64_t line;
	CHECK_EQ(as(text, &out, &n, log, sizeof(log), &line), -ANYBPF_E_ASM);
	CHECK(!strcmp(log, "line 1: jump to 'far' (+40001) does not fit in 16 bits\n"));
	CHECK_EQ(line, 1);
	CHECK_EQ(as(text + 7, &out, &n, log, sizeof(log), &line), 0);
	CHECK_EQ(n, count + 2);
	if (n == count + 2)
		CHECK_EQ(out[0].imm, 40000);
	anybpf_free(out);
	free(text);
}

/* ---- (d) uBPF's .data files: -- asm assembles to -- raw ------------------ */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, k;
	char chunk[4096];
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (n + k + 1 > cap) {
			cap = (n + k + 1) * 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		memcpy(buf + n, chunk, k);
		n += k;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* The body of section "-- name" (up to the next "-- "), or NULL. */
static const char *section(const char *text, const char *name, size_t *len)
{
	char hdr[64];
	snprintf(hdr, sizeof(hdr), "-- %s\n", name);
	const char *s = text;
	while ((s = strstr(s, hdr)) && s != text && s[-1] != '\n')
		s++;
	if (!s)
		return NULL;
	s += strlen(hdr);
	const char *e = s;
	while (*e && !(e[0] == '-' && e[1] == '-' && e[2] == ' ' && (e == s || e[-1] == '\n')))
		e++;
	*len = (size_t)(e - s);
	return s;
}

struct data_stats {
	int files, with_raw, asm_fail, raw_fail;
};

static void check_data_file(const char *path, struct data_stats *st)
{
	size_t flen, alen, rlen;
	char *text = read_file(path, &flen);
	if (!text)
		return;
	const char *a = section(text, "asm", &alen);
	const char *raw = section(text, "raw", &rlen);
	if (!a) {
		free(text);
		return;
	}
	st->files++;
	struct anybpf_insn *out = NULL;
	size_t n = 0;
	char log[256] = "";
	struct anybpf_log lg = { .buf = log, .size = sizeof(log) };
	if (anybpf_assemble(a, alen, &out, &n, &lg)) {
		fprintf(stderr, "  %s: %s", path, log);
		st->asm_fail++;
		free(text);
		return;
	}
	if (raw) {
		st->with_raw++;
		size_t i = 0;
		int ok = 1;
		char *p = (char *)raw, *end = (char *)raw + rlen;
		while (p < end) {
			char *q;
			unsigned long long v = strtoull(p, &q, 16);
			if (q == p) {
				p++;
				continue;
			}
			p = q;
			struct anybpf_insn in = mk((uint8_t)v, (uint8_t)(v >> 8) & 15,
						   (uint8_t)(v >> 12) & 15, (int16_t)(v >> 16),
						   (int32_t)(v >> 32));
			if (i >= n || !same_insns(&in, &out[i], 1)) {
				fprintf(stderr, "  %s: slot %zu differs from -- raw\n", path, i);
				ok = 0;
				break;
			}
			i++;
		}
		if (ok && i != n) {
			fprintf(stderr, "  %s: %zu slots, -- raw has %zu\n", path, n, i);
			ok = 0;
		}
		st->raw_fail += !ok;
	}
	anybpf_free(out);
	free(text);
}

static void walk_data(const char *dir, struct data_stats *st, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(path, &sb))
			continue;
		size_t l = strlen(e->d_name);
		if (S_ISDIR(sb.st_mode) && depth < 3)
			walk_data(path, st, depth + 1);
		else if (l > 5 && !strcmp(e->d_name + l - 5, ".data"))
			check_data_file(path, st);
	}
	closedir(d);
}

TEST(asm_ubpf_data_files)
{
	/* ANYBPF_UBPF_DATA, else $SHARED/testdata/ubpf as tests/run.sh sets it */
	const char *dir = getenv("ANYBPF_UBPF_DATA"), *shared = getenv("SHARED");
	char path[1024];
	snprintf(path, sizeof(path), "%s/testdata/ubpf", shared ? shared : "../shared");
	if (!dir)
		dir = path;
	struct stat sb;
	if (stat(dir, &sb)) {
		fprintf(stderr, "  note: %s not found; set ANYBPF_UBPF_DATA\n", dir);
		return;
	}
	struct data_stats st = { 0 };
	walk_data(dir, &st, 0);
	/* every -- asm section assembles; where -- raw is given, to those bytes */
	CHECK(st.files >= 50);
	CHECK(st.with_raw >= 6);
	CHECK_EQ(st.asm_fail, 0);
	CHECK_EQ(st.raw_fail, 0);
}
