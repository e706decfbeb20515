/* dis.c - helper for tests/llvm/run.sh: the same listing as
 * `anybpf disassemble FILE.bin [syntax=...]` ("%8zu:\t%s" per instruction),
 * with --round-trip FILE.bin, a check that the uBPF-syntax listing assembles
 * back to the same bytes, with --asm-listing OBJDUMP.txt FILE.bin, a check
 * that llvm-objdump's own listing assembles to the section's bytes, and
 * with --gen (--gen-reserved), a llvm-mc source of `.byte` lines with every row of
 * isa.def over edge field values (for the llvm-objdump comparison). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "isa.h"

static void gen_one(const struct anybpf_insn *in)
{
	const uint8_t *b = (const uint8_t *)in;
	printf("\t.byte");
	for (int i = 0; i < 8; i++)
		printf("%s0x%02x", i ? ", " : " ", b[i]);
	printf("\n");
}

/* Rows LLVM 14 decodes, but as something else: it ignores the v4 field
 * that tells them apart (sdiv as div, movsx as mov, 32-bit fetch-add as
 * lock add) or reads callx's register from imm instead of dst.  Rows it
 * cannot decode at all come out as <unknown> and are skipped by run.sh. */
static const char *const llvm14_differs[] = {
	"SDIV64_K", "SDIV64_X", "SDIV32_K", "SDIV32_X", "MOVSX8_64", "MOVSX16_64",
	"MOVSX32_64", "MOVSX8_32", "MOVSX16_32", "AFADD32", "CALLX",
};

static int differs(const char *id)
{
	for (size_t i = 0; i < sizeof(llvm14_differs) / sizeof(llvm14_differs[0]); i++)
		if (!strcmp(id, llvm14_differs[i]))
			return 1;
	return 0;
}

/* With reserved != 0, the same rows with their reserved fields not 0:
 * llvm-objdump ignores those fields, and so do we. */
static int gen(int reserved)
{
	static const int32_t imms[] = { 0, 1, -1, 7, INT32_MIN, INT32_MAX, 0x12345678 };
	static const int16_t offs[] = { 0, 1, -1, 4, INT16_MAX, INT16_MIN };
	static const uint8_t regs[][2] = { { 0, 1 }, { 1, 9 }, { 9, 10 }, { 10, 0 } };
	if (reserved)
		printf("\t.section reserved,\"ax\",@progbits\n");
	else
		printf("\t.text\n");
	for (int r = 0; r < ISA_COUNT; r++) {
		const struct isa_row *row = &isa_rows[r];
		if (differs(row->id))
			continue;
		for (size_t k = 0; k < sizeof(imms) / sizeof(imms[0]); k++) {
			struct anybpf_insn in = { 0 };
			in.code = row->opcode;
			in.dst = regs[k % 4][0];
			in.src = regs[k % 4][1];
			in.imm = imms[k];
			in.off = offs[k % 6];
			const struct isa_fmt_rule *f = &isa_fmt_rules[row->fmt];
			if (f->dst == F_ZERO) in.dst = 0;
			if (f->src == F_ZERO) in.src = 0;
			if (f->off == F_ZERO) in.off = 0;
			if (f->imm == F_ZERO) in.imm = 0;
			if (row->fmt == FMT_LDIND) /* llvm-objdump drops imm */
				in.imm = 0;
			if (row->mfield == MF_OFF) in.off = (int16_t)row->mval;
			if (row->mfield == MF_IMM) in.imm = row->mval;
			if (row->mfield == MF_SRC) in.src = (uint8_t)row->mval;
			if (reserved) { /* reserved fields not 0 */
				if (f->dst == F_ZERO) in.dst = 5;
				if (f->src == F_ZERO && row->mfield != MF_SRC) in.src = 3;
				if (f->off == F_ZERO && row->mfield != MF_OFF) in.off = 4;
				if (f->imm == F_ZERO && row->mfield != MF_IMM) in.imm = 7;
			}
			gen_one(&in);
			if (row->fmt == FMT_LDDW) {
				struct anybpf_insn hi = { 0 };
				/* llvm-objdump drops a pseudo lddw's imm2 */
				hi.imm = row->mval ? 0 : imms[(k + 3) % 7];
				gen_one(&hi);
			}
		}
	}
	return 0;
}

/* Disassemble in uBPF syntax, assemble the listing, compare the bytes. */
static int round_trip(const struct anybpf_insn *insns, size_t n)
{
	size_t cap = n * 96 + 1, len = 0;
	char *text = malloc(cap), line[256];
	if (!text)
		return 2;
	for (size_t pc = 0; pc < n;) {
		int r = anybpf_disasm_insn(insns, n, pc, ANYBPF_SYNTAX_UBPF, line, sizeof(line));
		len += (size_t)snprintf(text + len, cap - len, "%8zu:\t%s\n", pc, line);
		pc += r > 0 ? (size_t)r : 1;
	}
	struct anybpf_insn *out = NULL;
	size_t m = 0;
	char log[512] = "";
	struct anybpf_log lg = { .buf = log, .size = sizeof(log) };
	int e = anybpf_assemble(text, len, &out, &m, &lg);
	int ok = !e && m == n && (!n || !memcmp(out, insns, n * sizeof(*insns)));
	if (!ok) {
		printf("round trip differs: %s", e ? log : "other bytes\n");
		for (size_t i = 0; !e && i < n; i++)
			if (i >= m || memcmp(&out[i], &insns[i], sizeof(*insns))) {
				printf("first at slot %zu\n", i);
				break;
			}
	}
	anybpf_free(out);
	free(text);
	return ok ? 0 : 1;
}

/* Assemble llvm-objdump's own listing (raw bytes, labels and all) and
 * compare with the section's bytes.  llvm-objdump prints the three call
 * kinds alike ("call N"), so a local or kfunc call read back as a helper
 * call with the same imm counts as equal. */
static int asm_listing(const char *path, const struct anybpf_insn *insns, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 2;
	}
	static char text[1 << 22];
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	struct anybpf_insn *out = NULL;
	size_t m = 0;
	char log[512] = "";
	struct anybpf_log lg = { .buf = log, .size = sizeof(log) };
	if (anybpf_assemble(text, len, &out, &m, &lg)) {
		printf("%s: %s", path, log);
		return 1;
	}
	int ok = m == n;
	for (size_t i = 0; ok && i < n; i++) {
		struct anybpf_insn a = out[i], b = insns[i];
		if (a.code == 0x85 && b.code == 0x85 && a.src == 0)
			a.src = b.src;
		if (memcmp(&a, &b, sizeof(a))) {
			printf("slot %zu differs\n", i);
			ok = 0;
		}
	}
	if (m != n)
		printf("%zu slots, the section has %zu\n", m, n);
	anybpf_free(out);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--gen"))
		return gen(0);
	if (argc == 2 && !strcmp(argv[1], "--gen-reserved"))
		return gen(1);
	const char *listing = NULL;
	if (argc > 3 && !strcmp(argv[1], "--asm-listing")) {
		listing = argv[2];
		argv += 2;
		argc -= 2;
	}
	int rt = argc > 2 && !strcmp(argv[1], "--round-trip");
	if (rt) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: dis FILE.bin [syntax=llvm|ubpf] | dis --gen\n");
		return 2;
	}
	enum anybpf_syntax syn = ANYBPF_SYNTAX_LLVM;
	if (argc > 2 && !strcmp(argv[2], "syntax=ubpf"))
		syn = ANYBPF_SYNTAX_UBPF;
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	static struct anybpf_insn insns[1 << 20];
	size_t n = fread(insns, sizeof(insns[0]), sizeof(insns) / sizeof(insns[0]), f);
	fclose(f);
	if (rt)
		return round_trip(insns, n);
	if (listing)
		return asm_listing(listing, insns, n);
	char buf[256];
	for (size_t pc = 0; pc < n;) {
		int r = anybpf_disasm_insn(insns, n, pc, syn, buf, sizeof(buf));
		printf("%8zu:\t%s\n", pc, buf);
		pc += r > 0 ? (size_t)r : 1;
	}
	return 0;
}
