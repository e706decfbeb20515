/*
 * asm.c - text to instructions, in LLVM syntax, uBPF syntax, or both mixed.
 *
 * There is no mnemonic table here: each line is matched against the text
 * patterns of isa.def (both columns of every row), the very patterns the
 * disassembler fills in, so whatever disasm.c prints assembles back to the
 * same bytes.  A pattern is literal text with placeholders ({D} {S} {I}
 * {U} {L} {O} {o} {J} {K} {i} {h}, see isa.def); matching is whitespace
 * tolerant: a space in a pattern matches any run of blanks (or none), and
 * blanks are also skipped before punctuation, so `[%r1 + 4]`, `(r1+4)` and
 * `add %r1 , 2` all match.
 *
 * The first row whose pattern matches the whole line wins (so the LLVM
 * text `call 1`, shared by the three call rows, means a helper call).
 * A value out of range for its field does not stop the match; it is
 * remembered and reported if the rest of the line matches, so the message
 * is "immediate 0x1ffffffff does not fit in 32 bits" rather than "unknown
 * instruction".
 *
 * Labels (`name:`) and label operands of jumps and local calls are
 * resolved after the last line; the first `exit` is an implicit label
 * `exit` (uBPF).  Comments start with `#`, `;` or `//`; a leading pc
 * (`  12:`, as the disassembler's listing prints) with or without
 * llvm-objdump's raw bytes after it, and a trailing `<...>` (llvm-objdump's
 * jump target label) are ignored.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "isa.h"

/* Longest source line quoted in an error message. */
#define QUOTE_MAX 60

struct label {
	size_t name, len; /* in asm_state.names */
	size_t pc;
	long line;
};

/* A jump or local call waiting for its label: the field is off (16 bits,
 * wide == 0) or imm (32 bits, wide == 1) of insns[pc]. */
struct fixup {
	size_t name, len;
	size_t pc;
	long line;
	int wide;
};

struct asm_state {
	struct anybpf_log *log;
	long line;
	char *lbuf; /* the current line, cleaned up, NUL-terminated */
	size_t lcap;
	struct anybpf_insn *insns;
	size_t n, cap;
	char *names;
	size_t nnames, cnames;
	struct label *labels;
	size_t nlabels, clabels;
	struct fixup *fixups;
	size_t nfixups, cfixups;
	size_t first_exit; /* pc of the first exit, or SIZE_MAX */
};

/* What a pattern match found. */
struct match {
	int have_d, have_s;
	unsigned d, s;
	int32_t imm, imm2;
	int16_t off;
	uint64_t imm64;
	const char *label; /* label operand of {J} / {K}, in the line */
	size_t label_len;
	int label_wide;
	char err[128]; /* first out-of-range value; empty if none */
};

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_ident0(char c) { return is_alpha(c) || c == '_' || c == '.' || c == '$'; }
static int is_ident(char c) { return is_ident0(c) || is_digit(c); }

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static int asm_err(struct asm_state *st, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int asm_err(struct asm_state *st, long line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ab_err(st->log, -ANYBPF_E_ASM, -1, "line %ld: %s", line, msg);
	if (st->log)
		st->log->err_line = line;
	return -ANYBPF_E_ASM;
}

/* ---- numbers ------------------------------------------------------------ */

/* Parse [+-]digits or [+-]0xhex at *ps.  Returns 1 and advances *ps, 0 if
 * there is no number here (nothing consumed).  *neg and *mag get the sign
 * and magnitude; *ovf is set if the magnitude does not fit 64 bits.  The
 * number must not run into an identifier ("12ab"). */
static int parse_num(const char **ps, int *neg, uint64_t *mag, int *ovf)
{
	const char *s = *ps;
	*neg = 0;
	*ovf = 0;
	*mag = 0;
	if (*s == '-' || *s == '+') {
		*neg = *s == '-';
		s++;
	}
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (hex)
		s += 2;
	const char *digits = s;
	for (;; s++) {
		unsigned v;
		if (is_digit(*s))
			v = (unsigned)(*s - '0');
		else if (hex && *s >= 'a' && *s <= 'f')
			v = (unsigned)(*s - 'a' + 10);
		else if (hex && *s >= 'A' && *s <= 'F')
			v = (unsigned)(*s - 'A' + 10);
		else
			break;
		unsigned base = hex ? 16 : 10;
		if (*mag > (UINT64_MAX - v) / base)
			*ovf = 1;
		else
			*mag = *mag * base + v;
	}
	if (s == digits || is_ident(*s))
		return 0;
	*ps = s;
	return 1;
}

/* Record the first range error of a match, quoting the number as written. */
static void range_err(struct match *m, const char *what, const char *tok,
		      const char *end, int bits)
{
	if (m->err[0])
		return;
	int len = (int)(end - tok);
	if (len > QUOTE_MAX)
		len = QUOTE_MAX;
	snprintf(m->err, sizeof(m->err), "%s %.*s does not fit in %d bits", what,
		 len, tok, bits);
}

/* A 32-bit immediate: -2^31..2^32-1, so 0xffffffff means -1 as in uBPF. */
static int parse_int32(const char **ps, struct match *m, const char *what,
		       int32_t *out)
{
	const char *tok = *ps;
	int neg, ovf;
	uint64_t mag;
	if (!parse_num(ps, &neg, &mag, &ovf))
		return 0;
	if (ovf || (neg ? mag > 0x80000000u : mag > 0xffffffffu))
		range_err(m, what, tok, *ps, 32);
	*out = (int32_t)(uint32_t)(neg ? 0 - mag : mag);
	return 1;
}

/* A signed number in [-2^(bits-1), 2^(bits-1)-1]: offsets. */
static int parse_signed(const char **ps, struct match *m, const char *what,
			int bits, int64_t *out)
{
	const char *tok = *ps;
	int neg, ovf;
	uint64_t mag, lim = (uint64_t)1 << (bits - 1);
	if (!parse_num(ps, &neg, &mag, &ovf))
		return 0;
	if (ovf || (neg ? mag > lim : mag > lim - 1)) {
		range_err(m, what, tok, *ps, bits);
		mag = 0;
	}
	*out = neg ? -(int64_t)mag : (int64_t)mag;
	return 1;
}

/* ---- matching one pattern ---------------------------------------------- */

static int match_reg(const char **ps, int *have, unsigned *reg)
{
	const char *s = *ps;
	unsigned v = 0;
	int nd = 0;
	while (is_digit(*s) && nd < 3) {
		v = v * 10 + (unsigned)(*s - '0');
		s++;
		nd++;
	}
	/* r0-r15 fit the 4-bit field; the validator refuses r11+ */
	if (nd == 0 || is_ident(*s) || v > 15)
		return 0;
	if (*have && *reg != v) /* "r1 = -r1": both must be the same */
		return 0;
	*have = 1;
	*reg = v;
	*ps = s;
	return 1;
}

/* Jump target: +N / -N / N, or a label (resolved later). */
static int match_target(const char **ps, struct match *m, int wide)
{
	const char *s = skip_blanks(*ps);
	if (is_ident0(*s)) {
		const char *b = s;
		while (is_ident(*s))
			s++;
		m->label = b;
		m->label_len = (size_t)(s - b);
		m->label_wide = wide;
		*ps = s;
		return 1;
	}
	int64_t v;
	if (!parse_signed(&s, m, "jump offset", wide ? 32 : 16, &v))
		return 0;
	if (wide)
		m->imm = (int32_t)v;
	else
		m->off = (int16_t)v;
	*ps = s;
	return 1;
}

/* Memory offset: "+ 4", "-4", or nothing (0). */
static int match_off(const char **ps, struct match *m)
{
	const char *s = skip_blanks(*ps);
	if (*s != '+' && *s != '-') {
		m->off = 0;
		return 1;
	}
	int neg = *s == '-', ignored, ovf;
	const char *tok = s;
	uint64_t mag;
	s = skip_blanks(s + 1);
	if (*s == '+' || *s == '-' || !parse_num(&s, &ignored, &mag, &ovf))
		return 0;
	if (ovf || mag > (neg ? 32768u : 32767u)) {
		range_err(m, "offset", tok, s, 16);
		mag = 0;
	}
	m->off = (int16_t)(neg ? -(int32_t)mag : (int32_t)mag);
	*ps = s;
	return 1;
}

static int match_placeholder(char ph, const char **ps, struct match *m)
{
	const char *s = *ps;
	switch (ph) {
	case 'D': return match_reg(ps, &m->have_d, &m->d);
	case 'S': return match_reg(ps, &m->have_s, &m->s);
	case 'I':
	case 'U': /* printed unsigned; either reads -2^31..2^32-1 */
		s = skip_blanks(s);
		if (!parse_int32(&s, m, "immediate", &m->imm))
			return 0;
		break;
	case 'L': {
		s = skip_blanks(s);
		const char *tok = s;
		int neg, ovf;
		uint64_t mag;
		if (!parse_num(&s, &neg, &mag, &ovf))
			return 0;
		if (ovf || (neg && mag > (uint64_t)1 << 63))
			range_err(m, "immediate", tok, s, 64);
		m->imm64 = neg ? 0 - mag : mag;
		break;
	}
	case 'O':
	case 'o':
		return match_off(ps, m);
	case 'J': return match_target(ps, m, 0);
	case 'K': return match_target(ps, m, 1);
	case 'i': { /* " + imm" or nothing */
		s = skip_blanks(s);
		if (*s != '+' && *s != '-') {
			m->imm = 0;
			return 1;
		}
		int neg = *s == '-';
		const char *tok = s;
		s = skip_blanks(s + 1);
		int32_t v;
		if (*s == '+' || *s == '-' || !parse_int32(&s, m, "immediate", &v))
			return 0;
		if (neg && (uint32_t)v > 0x80000000u && !m->err[0])
			range_err(m, "immediate", tok, s, 32);
		m->imm = neg ? (int32_t)(0 - (uint32_t)v) : v;
		break;
	}
	case 'h': /* ", imm2" or nothing */
		s = skip_blanks(s);
		if (*s != ',') {
			m->imm2 = 0;
			return 1;
		}
		s = skip_blanks(s + 1);
		if (!parse_int32(&s, m, "immediate", &m->imm2))
			return 0;
		break;
	default:
		return 0;
	}
	*ps = s;
	return 1;
}

/* Match the whole line s against pattern pat. */
static int match_pattern(const char *pat, const char *s, struct match *m)
{
	memset(m, 0, sizeof(*m));
	s = skip_blanks(s);
	for (const char *p = pat; *p;) {
		if (is_blank(*p)) {
			s = skip_blanks(s);
			p++;
		} else if (p[0] == '{' && p[1] && p[2] == '}') {
			if (!match_placeholder(p[1], &s, m))
				return 0;
			p += 3;
		} else {
			if (!is_ident(*p))
				s = skip_blanks(s);
			if (*s != *p)
				return 0;
			/* a word must end where the pattern's word ends:
			 * "add" does not match the start of "add32" */
			if (is_ident(*p) && !is_ident(p[1]) && p[1] != '{' &&
			    is_ident(s[1]))
				return 0;
			s++;
			p++;
		}
	}
	return *skip_blanks(s) == '\0';
}

/* ---- the assembler ------------------------------------------------------ */

static int add_name(struct asm_state *st, const char *s, size_t len, size_t *at)
{
	if (ab_grow((void **)&st->names, &st->cnames, st->nnames + len + 1, 1))
		return -ANYBPF_E_NOMEM;
	memcpy(st->names + st->nnames, s, len);
	st->names[st->nnames + len] = '\0';
	*at = st->nnames;
	st->nnames += len + 1;
	return 0;
}

static struct label *find_label(struct asm_state *st, const char *s, size_t len)
{
	for (size_t i = 0; i < st->nlabels; i++)
		if (st->labels[i].len == len && !memcmp(st->names + st->labels[i].name, s, len))
			return &st->labels[i];
	return NULL;
}

static int define_label(struct asm_state *st, const char *s, size_t len)
{
	struct label *old = find_label(st, s, len);
	if (old)
		return asm_err(st, st->line, "duplicate label '%.*s' (first on line %ld)",
			       (int)(len > QUOTE_MAX ? QUOTE_MAX : len), s, old->line);
	if (ab_grow((void **)&st->labels, &st->clabels, st->nlabels + 1, sizeof(*st->labels)))
		return -ANYBPF_E_NOMEM;
	struct label *l = &st->labels[st->nlabels];
	if (add_name(st, s, len, &l->name))
		return -ANYBPF_E_NOMEM;
	l->len = len;
	l->pc = st->n;
	l->line = st->line;
	st->nlabels++;
	return 0;
}

static int emit(struct asm_state *st, const struct anybpf_insn *in)
{
	if (ab_grow((void **)&st->insns, &st->cap, st->n + 1, sizeof(*st->insns)))
		return -ANYBPF_E_NOMEM;
	st->insns[st->n++] = *in;
	return 0;
}

/* Build the instruction(s) of row r from a match and append them. */
static int emit_row(struct asm_state *st, int r, const struct match *m)
{
	const struct isa_row *row = &isa_rows[r];
	struct anybpf_insn in = { 0 };
	in.code = row->opcode;
	in.dst = m->d & 15;
	in.src = m->s & 15;
	in.off = m->off;
	in.imm = m->imm;
	switch (row->mfield) {
	case MF_OFF: in.off = (int16_t)row->mval; break;
	case MF_IMM: in.imm = row->mval; break;
	case MF_SRC: in.src = (uint8_t)(row->mval & 15); break;
	default: break;
	}
	if (m->label) {
		if (ab_grow((void **)&st->fixups, &st->cfixups, st->nfixups + 1,
			    sizeof(*st->fixups)))
			return -ANYBPF_E_NOMEM;
		struct fixup *f = &st->fixups[st->nfixups];
		if (add_name(st, m->label, m->label_len, &f->name))
			return -ANYBPF_E_NOMEM;
		f->len = m->label_len;
		f->pc = st->n;
		f->line = st->line;
		f->wide = m->label_wide;
		st->nfixups++;
	}
	if (row->fmt == FMT_EXIT && st->first_exit == SIZE_MAX)
		st->first_exit = st->n;
	if (row->fmt != FMT_LDDW)
		return emit(st, &in);
	struct anybpf_insn hi = { 0 };
	if (row->mval == 0) { /* plain lddw: the 64-bit value in two halves */
		in.imm = (int32_t)(uint32_t)m->imm64;
		hi.imm = (int32_t)(uint32_t)(m->imm64 >> 32);
	} else {
		hi.imm = m->imm2;
	}
	int e = emit(st, &in);
	return e ? e : emit(st, &hi);
}

/* Assemble one cleaned-up instruction text. */
static int assemble_insn(struct asm_state *st, const char *text)
{
	struct match m, bad;
	int bad_row = -1;
	/* uBPF spells bswap also "swap16/32/64": read that as the same row */
	char alias[16];
	const char *alt = NULL;
	const char *t = skip_blanks(text);
	if (!strncmp(t, "swap", 4) && is_digit(t[4]) && strlen(t) < sizeof(alias) - 1) {
		snprintf(alias, sizeof(alias), "b%s", t);
		alt = alias;
	}
	for (int r = 0; r < ISA_COUNT; r++) {
		const char *pats[2] = { isa_rows[r].ubpf, isa_rows[r].llvm };
		for (int k = 0; k < 2; k++) {
			const char *in = alt ? alt : t, *pat = pats[k];
			if (k == 1 && !strcmp(pats[1], pats[0]))
				continue;
			/* quick reject: a literal first character must be there */
			if (pat[0] != '{' && !is_blank(pat[0]) && pat[0] != in[0])
				continue;
			if (!match_pattern(pat, in, &m))
				continue;
			if (!m.err[0])
				return emit_row(st, r, &m);
			if (bad_row < 0) {
				bad = m;
				bad_row = r;
			}
		}
	}
	if (bad_row >= 0)
		return asm_err(st, st->line, "%s", bad.err);
	size_t len = strlen(t);
	while (len && is_blank(t[len - 1]))
		len--;
	if (len > QUOTE_MAX)
		return asm_err(st, st->line, "unknown instruction '%.*s...'", QUOTE_MAX, t);
	return asm_err(st, st->line, "unknown instruction '%.*s'", (int)len, t);
}

/* Copy the line [b, e) into st->lbuf without its comment, NUL-terminated. */
static int clean_line(struct asm_state *st, const char *b, const char *e)
{
	size_t len = 0;
	if (memchr(b, '\0', (size_t)(e - b)))
		return asm_err(st, st->line, "NUL byte in the source text");
	while (b + len < e && b[len] != '#' && b[len] != ';' &&
	       !(b[len] == '/' && b + len + 1 < e && b[len + 1] == '/'))
		len++;
	if (ab_grow((void **)&st->lbuf, &st->lcap, len + 1, 1))
		return -ANYBPF_E_NOMEM;
	/* runs of blanks become one space: matching stays linear in the line */
	size_t k = 0;
	for (size_t i = 0; i < len; i++)
		if (!is_blank(b[i]))
			st->lbuf[k++] = b[i];
		else if (k == 0 || st->lbuf[k - 1] != ' ')
			st->lbuf[k++] = ' ';
	len = k;
	while (len && is_blank(st->lbuf[len - 1]))
		len--;
	st->lbuf[len] = '\0';
	/* llvm-objdump's " <LBB0_2>" after a jump: drop it if there is an
	 * instruction before it ("<unknown>" alone stays, and fails) */
	if (len && st->lbuf[len - 1] == '>') {
		char *lt = strrchr(st->lbuf, '<');
		if (lt && lt > st->lbuf && is_blank(lt[-1]) &&
		    *skip_blanks(st->lbuf) != '<') {
			while (lt > st->lbuf && is_blank(lt[-1]))
				lt--;
			*lt = '\0';
		}
	}
	return 0;
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* After a pc prefix, llvm-objdump without --no-show-raw-insn prints the
 * instruction bytes ("b7 01 00 00 05 00 00 00"): 8 or 16 two-digit hex
 * groups.  Skip them if they are there. */
static const char *skip_raw_bytes(const char *s)
{
	const char *p = s;
	int groups = 0;
	while (is_hex(p[0]) && is_hex(p[1]) && (p[2] == ' ' || p[2] == '\0')) {
		groups++;
		p = skip_blanks(p + 2);
	}
	return groups == 8 || groups == 16 ? p : s;
}

static int assemble_line(struct asm_state *st)
{
	const char *s = skip_blanks(st->lbuf);
	/* a pc prefix "  12:" as a listing prints it */
	const char *d = s;
	while (is_digit(*d))
		d++;
	if (d > s && *skip_blanks(d) == ':') {
		s = skip_blanks(skip_blanks(d) + 1);
		s = skip_raw_bytes(s);
	}
	/* labels "name:" (several may share a line) */
	for (;;) {
		const char *e = s;
		if (!is_ident0(*e))
			break;
		while (is_ident(*e))
			e++;
		const char *c = skip_blanks(e);
		if (*c != ':')
			break;
		int err = define_label(st, s, (size_t)(e - s));
		if (err)
			return err;
		s = skip_blanks(c + 1);
	}
	if (*s == '\0')
		return 0;
	return assemble_insn(st, s);
}

static int resolve(struct asm_state *st)
{
	for (size_t i = 0; i < st->nfixups; i++) {
		const struct fixup *f = &st->fixups[i];
		const char *name = st->names + f->name;
		struct label *l = find_label(st, name, f->len);
		size_t target;
		if (l)
			target = l->pc;
		else if (f->len == 4 && !memcmp(name, "exit", 4) && st->first_exit != SIZE_MAX)
			target = st->first_exit;
		else
			return asm_err(st, f->line, "undefined label '%.*s'",
				       (int)(f->len > QUOTE_MAX ? QUOTE_MAX : f->len), name);
		/* both fit in int64: n is bounded by memory */
		int64_t rel = (int64_t)target - (int64_t)f->pc - 1;
		if (f->wide) {
			if (rel < INT32_MIN || rel > INT32_MAX)
				return asm_err(st, f->line, "jump to '%.*s' does not fit in 32 bits",
					       (int)(f->len > QUOTE_MAX ? QUOTE_MAX : f->len), name);
			st->insns[f->pc].imm = (int32_t)rel;
		} else {
			if (rel < INT16_MIN || rel > INT16_MAX)
				return asm_err(st, f->line,
					       "jump to '%.*s' (%+" PRId64 ") does not fit in 16 bits",
					       (int)(f->len > QUOTE_MAX ? QUOTE_MAX : f->len), name, rel);
			st->insns[f->pc].off = (int16_t)rel;
		}
	}
	return 0;
}

int anybpf_assemble(const char *text, size_t len, struct anybpf_insn **out,
		    size_t *n, struct anybpf_log *log)
{
	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (log)
		log->err_line = -1;
	if ((!text && len) || !out || !n)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "assemble: NULL argument");
	struct asm_state st = { .log = log, .first_exit = SIZE_MAX };
	int err = 0;
	const char *p = text, *end = text ? text + len : text;
	while (p < end && !err) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		st.line++;
		err = clean_line(&st, p, e);
		if (!err)
			err = assemble_line(&st);
		p = e + 1;
	}
	if (!err)
		err = resolve(&st);
	if (err == -ANYBPF_E_NOMEM)
		ab_err(log, err, -1, "assemble: out of memory");
	ab_free(st.lbuf);
	ab_free(st.names);
	ab_free(st.labels);
	ab_free(st.fixups);
	if (err) {
		ab_free(st.insns);
		return err;
	}
	*out = st.insns;
	*n = st.n;
	return 0;
}
