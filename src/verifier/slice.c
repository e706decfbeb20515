/* slice.c - level informational: the failure slice, the instructions on the
 * failing path that the failing instruction depends on, each with the fact
 * the verifier knew right after it.
 *
 * At that level the explorer keeps the current path as a trail (struct
 * hist_entry: pc, frame depth and the register the instruction wrote or
 * refined, as it was afterwards).  Exploration is depth first, so a pending
 * path's prefix is still the trail's first entries when it is popped
 * (explore.c truncates the trail to the length saved when it was pushed).
 *
 * The slice walks the trail backwards from the error, in the error's frame:
 * an instruction is kept when it writes a register (or a stack slot of the
 * frame, through r10) that a kept instruction reads, or when it is a
 * conditional jump on such a register (the checks that refined it); its
 * reads then become wanted in turn.  Calls to bpf-to-bpf functions are kept
 * as a whole (they write r0); the walk stops at the function's entry.
 * A path longer than HIST_MAX instructions turns the trail off for the run
 * (its errors then come without a slice). */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

#define SLICE_MAX 24   /* instructions shown, the nearest the error first kept */
#define HIST_MAX (1u << 16) /* a longer path: no slices in this run (memory) */

static int fact_reg(unsigned fmt, const struct anybpf_insn *in)
{
	switch (fmt) {
	case FMT_ALU_K: case FMT_ALU_X: case FMT_MOV_K: case FMT_MOV_X: case FMT_UNARY:
	case FMT_LDDW: case FMT_LDX: case FMT_JCC_K: case FMT_JCC_X:
		return in->dst;
	case FMT_CALL: case FMT_LDABS: case FMT_LDIND:
		return 0;
	default:
		return -1;
	}
}

int hist_push(struct verifier *v, const struct vstate *s)
{
	if (v->hist_off)
		return 0;
	if (v->nhist >= HIST_MAX) {
		v->hist_off = 1;
		ab_free(v->hist);
		v->hist = NULL;
		v->nhist = v->caphist = 0;
		return 0;
	}
	if (ab_grow((void **)&v->hist, &v->caphist, v->nhist + 1, sizeof(*v->hist))) {
		v->oom = 1;
		return -1;
	}
	struct hist_entry *h = &v->hist[v->nhist++];
	h->pc = s->pc;
	h->frame = (uint8_t)s->cur;
	h->reg = -1;
	return 0;
}

void hist_fact(struct verifier *v, const struct vstate *s)
{
	if (!v->hist || !v->nhist)
		return;
	struct hist_entry *h = &v->hist[v->nhist - 1];
	int row = v->cfg.row[h->pc];
	int r = row >= 0 ? fact_reg(isa_rows[row].fmt, &v->insns[h->pc]) : -1;
	h->reg = -1;
	if (r >= 0 && s->cur == h->frame) {
		h->reg = (int8_t)r;
		h->val = s->fr[s->cur]->regs[r];
	}
}

/* stack slot (of the frame) an r10-relative access at off touches, or -1 */
static int fp_slot(int16_t off)
{
	return off < 0 && off >= -STACK_SIZE ? (-off - 1) / 8 : -1;
}

char *slice_text(struct verifier *v, int64_t pc)
{
	if (!v->hist || !v->nhist || v->hist[v->nhist - 1].pc != pc)
		return NULL;
	size_t last = v->nhist - 1, keep[SLICE_MAX], nkeep = 0;
	unsigned frame = v->hist[last].frame;
	uint16_t use, def;
	uint64_t slots = 0;

	cfg_use_def(v, pc, &use, &def);
	uint16_t want = use & 0x3ff;  /* r10 is known */
	const struct anybpf_insn *in = &v->insns[pc];
	int row = v->cfg.row[pc];
	unsigned fmt = row >= 0 ? isa_rows[row].fmt : 0;
	if (fmt == FMT_LDX && in->src == 10 && fp_slot(in->off) >= 0)
		slots |= 1ull << fp_slot(in->off);
	for (size_t i = last; i-- > 0 && nkeep < SLICE_MAX && (want || slots);) {
		const struct hist_entry *h = &v->hist[i];
		if (h->frame < frame)
			break;             /* the function's entry */
		if (h->frame > frame)
			continue;          /* inside a callee: its call is the step */
		in = &v->insns[h->pc];
		row = v->cfg.row[h->pc];
		if (row < 0)
			continue;
		fmt = isa_rows[row].fmt;
		cfg_use_def(v, h->pc, &use, &def);
		use &= 0x3ff;
		int kept = 0;
		if (fmt == FMT_ST || fmt == FMT_STX) {
			int sl = in->dst == 10 ? fp_slot(in->off) : -1;
			if (sl >= 0 && (slots >> sl & 1)) {
				slots &= ~(1ull << sl);
				want |= fmt == FMT_STX ? (uint16_t)(1u << in->src) & 0x3ff : 0;
				kept = 1;
			}
		} else if (fmt == FMT_JCC_K || fmt == FMT_JCC_X) {
			if (use & want) {
				want |= use;
				kept = 1;
			}
		} else if (def & want) {
			want = (uint16_t)((want & ~def) | use);
			if (fmt == FMT_LDX && in->src == 10 && fp_slot(in->off) >= 0)
				slots |= 1ull << fp_slot(in->off);
			kept = 1;
		}
		if (kept)
			keep[nkeep++] = i;
	}
	if (!nkeep)
		return NULL;
	size_t size = 320 * (nkeep + 1), len = 0;
	char *out = ab_malloc(size);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t k = nkeep; k-- > 0;) {
		const struct hist_entry *h = &v->hist[keep[k]];
		char ins[96], val[160] = "";
		anybpf_disasm_insn(v->insns, v->n, (size_t)h->pc, ANYBPF_SYNTAX_LLVM, ins, sizeof(ins));
		for (char *t = ins; (t = strchr(t, '\t'));)
			*t = ' ';
		if (h->reg >= 0) {
			int w = snprintf(val, sizeof(val), "  ; r%d=", h->reg);
			reg_str(v, &h->val, val + w, sizeof(val) - (size_t)w);
		}
		int w = snprintf(out + len, size - len, "%s%lld: %s%s", len ? "\n" : "",
				 (long long)h->pc, ins, val);
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
	return out;
}
