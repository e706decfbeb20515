/*
 * disasm.c - instruction to text, in LLVM or uBPF syntax.
 *
 * No opcode list here: isa_lookup() names the row of isa.def, and the row's
 * text pattern (LLVM or uBPF column) is filled in from the fields.  The
 * LLVM column reproduces `llvm-objdump -d --no-show-raw-insn` exactly for
 * what LLVM 14 decodes (tests/llvm/run.sh compares the two), minus the
 * trailing ` <label>` llvm-objdump adds to jumps.  The assembler (asm.c)
 * reads the same patterns back, so what is printed here re-assembles to the
 * same bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "isa.h"

/* A bounded string builder: writes what fits, always NUL-terminated. */
struct sbuf {
	char *buf;
	size_t size, len;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	if (sb->size == 0 || sb->len >= sb->size - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	sb->len += (size_t)w;
	if (sb->len >= sb->size)
		sb->len = sb->size - 1;
}

static void sb_putc(struct sbuf *sb, char c)
{
	if (sb->size == 0 || sb->len >= sb->size - 1)
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

/* Magnitude of a signed 32-bit value without overflow on INT32_MIN. */
static uint32_t mag32(int32_t v)
{
	return v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
}

static void fill(struct sbuf *sb, const char *pat, const struct anybpf_insn *in,
		 const struct anybpf_insn *second)
{
	for (const char *p = pat; *p; p++) {
		if (p[0] != '{' || !p[1] || p[2] != '}') {
			sb_putc(sb, *p);
			continue;
		}
		switch (p[1]) {
		case 'D': sb_printf(sb, "%u", (unsigned)in->dst); break;
		case 'S': sb_printf(sb, "%u", (unsigned)in->src); break;
		case 'I': sb_printf(sb, "%" PRId32, in->imm); break;
		case 'U': sb_printf(sb, "%" PRIu32, (uint32_t)in->imm); break;
		case 'L': {
			uint64_t v = (uint64_t)(uint32_t)in->imm |
				     (uint64_t)(uint32_t)second->imm << 32;
			sb_printf(sb, "%" PRId64, (int64_t)v);
			break;
		}
		case 'O': /* llvm-objdump: "+ 4", "- 4", "+ 0" */
			sb_printf(sb, "%c %u", in->off < 0 ? '-' : '+',
				  in->off < 0 ? (unsigned)-in->off : (unsigned)in->off);
			break;
		case 'o': /* uBPF: "+4", "-4", nothing for 0 */
			if (in->off)
				sb_printf(sb, "%+d", in->off);
			break;
		case 'J': sb_printf(sb, "%+d", in->off); break;
		case 'K': sb_printf(sb, "%+" PRId32, in->imm); break;
		case 'i':
			if (in->imm)
				sb_printf(sb, " %c %" PRIu32, in->imm < 0 ? '-' : '+',
					  mag32(in->imm));
			break;
		case 'h':
			if (second->imm)
				sb_printf(sb, ", %" PRId32, second->imm);
			break;
		default: /* not a placeholder: copy as text */
			sb_putc(sb, *p);
			continue;
		}
		p += 2;
	}
}

int anybpf_disasm_insn(const struct anybpf_insn *insns, size_t n, size_t pc,
		       enum anybpf_syntax syntax, char *buf, size_t size)
{
	struct sbuf sb = { buf, buf ? size : 0, 0 };
	if (sb.size)
		buf[0] = '\0';
	if (!insns || pc >= n) {
		sb_printf(&sb, "<unknown>");
		return -ANYBPF_E_INVAL;
	}
	int r = isa_lookup(&insns[pc]);
	if (r >= 0 && isa_rows[r].fmt == FMT_LDDW && pc + 1 >= n)
		r = -ANYBPF_E_LDDW_INCOMPLETE;
	if (r < 0) {
		sb_printf(&sb, "<unknown>");
		return r;
	}
	const struct isa_row *row = &isa_rows[r];
	int slots = row->fmt == FMT_LDDW ? 2 : 1;
	fill(&sb, syntax == ANYBPF_SYNTAX_UBPF ? row->ubpf : row->llvm, &insns[pc],
	     &insns[pc + (size_t)slots - 1]);
	return slots;
}
