/* state.c - the abstract state: registers and stack per frame; copying,
 * the subsumption test pruning relies on, and printing.
 *
 * Subsumption (old covers cur) is what makes pruning sound: if every
 * concrete state cur describes is also described by old, and old was fully
 * explored without error, cur needs no further exploration.  Registers not
 * live at the pc are ignored; ids (null-check groups, packet range groups,
 * scalar copies) must correspond one to one. */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

static const char *const rtype_names[R_COUNT] = {
	[R_NOT_INIT] = "uninitialized", [R_SCALAR] = "scalar", [R_CTX] = "ctx",
	[R_STACK] = "stack", [R_PKT] = "packet", [R_PKT_META] = "packet_meta",
	[R_PKT_END] = "packet_end", [R_MAP_PTR] = "map_ptr", [R_MAP_VALUE] = "map_value",
	[R_MAP_VALUE_OR_NULL] = "map_value_or_null", [R_MEM] = "mem", [R_MAP_KEY] = "map_key",
	[R_MEM_OR_NULL] = "mem_or_null", [R_MAP_PTR_OR_NULL] = "map_ptr_or_null",
	[R_FUNC] = "func",
};

const char *rtype_name(unsigned t)
{
	return t < R_COUNT ? rtype_names[t] : "?";
}

void reg_mark_unknown(struct reg *r)
{
	memset(r, 0, sizeof(*r));
	r->type = R_SCALAR;
	r->v = sc_unknown();
}

void reg_mark_const(struct reg *r, uint64_t val)
{
	memset(r, 0, sizeof(*r));
	r->type = R_SCALAR;
	r->v = sc_const(val);
}

void reg_mark_not_init(struct reg *r)
{
	memset(r, 0, sizeof(*r));
	r->v = sc_unknown();
}

bool reg_is_ptr(const struct reg *r)
{
	return r->type != R_NOT_INIT && r->type != R_SCALAR;
}

bool reg_may_be_null(const struct reg *r)
{
	return r->type == R_MAP_VALUE_OR_NULL || r->type == R_MEM_OR_NULL ||
	       r->type == R_MAP_PTR_OR_NULL;
}

struct frame *frame_new(void)
{
	struct frame *f = ab_calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	for (int i = 0; i < 11; i++)
		reg_mark_not_init(&f->regs[i]);
	return f;
}

void frame_free(struct frame *f)
{
	if (!f)
		return;
	ab_free(f->slots);
	ab_free(f);
}

int frame_grow(struct frame *f, uint32_t nslots)
{
	if (nslots <= f->nslots)
		return 0;
	struct slot *s = ab_realloc(f->slots, nslots * sizeof(*s));
	if (!s)
		return -ANYBPF_E_NOMEM;
	memset(s + f->nslots, 0, (nslots - f->nslots) * sizeof(*s));
	f->slots = s;
	f->nslots = nslots;
	return 0;
}

static struct frame *frame_copy(const struct frame *src)
{
	struct frame *f = ab_malloc(sizeof(*f));
	if (!f)
		return NULL;
	*f = *src;
	f->slots = NULL;
	if (src->nslots) {
		f->slots = ab_malloc(src->nslots * sizeof(*f->slots));
		if (!f->slots) {
			ab_free(f);
			return NULL;
		}
		memcpy(f->slots, src->slots, src->nslots * sizeof(*f->slots));
	}
	return f;
}

struct vstate *state_new(void)
{
	return ab_calloc(1, sizeof(struct vstate));
}

void state_release(struct vstate *s)
{
	for (int i = 0; i < MAX_FRAMES; i++) {
		frame_free(s->fr[i]);
		s->fr[i] = NULL;
	}
}

void state_free(struct vstate *s)
{
	if (!s)
		return;
	state_release(s);
	ab_free(s);
}

int state_copy_into(struct vstate *dst, const struct vstate *src)
{
	state_release(dst);
	*dst = *src;
	memset(dst->fr, 0, sizeof(dst->fr));
	for (int i = 0; i <= src->cur; i++) {
		dst->fr[i] = frame_copy(src->fr[i]);
		if (!dst->fr[i])
			return -ANYBPF_E_NOMEM;
	}
	return 0;
}

struct vstate *state_copy(const struct vstate *s)
{
	struct vstate *c = state_new();
	if (!c)
		return NULL;
	if (state_copy_into(c, s)) {
		state_free(c);
		return NULL;
	}
	return c;
}

/* ---- subsumption ------------------------------------------------------- */

struct idmap {
	uint32_t old[64], cur[64];
	unsigned n;
};

/* old id a and cur id b must always be paired the same way */
static bool ids_match(struct idmap *m, uint32_t a, uint32_t b)
{
	if (!a && !b)
		return true;
	if (!a || !b)
		return !a; /* old had no link: anything goes; cur had none: not ok */
	for (unsigned i = 0; i < m->n; i++) {
		if (m->old[i] == a)
			return m->cur[i] == b;
		if (m->cur[i] == b)
			return false;
	}
	if (m->n == 64)
		return false;
	m->old[m->n] = a;
	m->cur[m->n++] = b;
	return true;
}

static bool regsafe(const struct reg *old, const struct reg *cur, struct idmap *m, bool exact)
{
	if (exact) {
		if (old->type != cur->type)
			return false;
		if (old->type == R_NOT_INIT)
			return true;
	} else if (old->type == R_NOT_INIT) {
		return true;
	}
	if (old->type != cur->type)
		return false;
	switch (old->type) {
	case R_SCALAR:
		if (exact)
			return sc_equal(&old->v, &cur->v) && ids_match(m, old->id, cur->id);
		/* a link in old (a later branch refines copies together) must
		 * exist in cur too */
		return sc_in(&old->v, &cur->v) && ids_match(m, old->id, cur->id);
	case R_MAP_PTR:
		return old->map == cur->map;
	case R_PKT_END:
		return true;
	default:
		break;
	}
	if (old->off != cur->off || old->map != cur->map || old->frame != cur->frame)
		return false;
	if (exact ? !sc_equal(&old->v, &cur->v) : !sc_in(&old->v, &cur->v))
		return false;
	switch (old->type) {
	case R_PKT: case R_PKT_META:
		if (exact ? old->range != cur->range : cur->range < old->range)
			return false;
		return ids_match(m, old->id, cur->id);
	case R_MAP_VALUE_OR_NULL: case R_MEM_OR_NULL: case R_MEM: case R_MAP_PTR_OR_NULL:
		return old->range == cur->range && ids_match(m, old->id, cur->id);
	default:
		return true;
	}
}

static uint8_t byte_kind(const struct frame *f, unsigned b)
{
	unsigned slot = b / 8;
	return slot < f->nslots ? f->slots[slot].kind[b % 8] : SB_INVALID;
}

/* srel: the slots whose values matter (relevance.c); the others' spilled
 * numbers are not compared (their kinds still are) */
static bool stacksafe(const struct frame *old, const struct frame *cur, struct idmap *m,
		      bool exact, uint64_t srel)
{
	unsigned nold = old->nslots, ncur = cur->nslots;
	unsigned nmax = nold > ncur ? nold : ncur;

	for (unsigned i = 0; i < nmax * 8; i++) {
		uint8_t ko = byte_kind(old, i), kc = byte_kind(cur, i);
		if (exact) {
			if (ko != kc)
				return false;
			continue;
		}
		if (ko == SB_INVALID || ko == kc)
			continue;
		if (ko == SB_MISC && kc == SB_ZERO)
			continue;
		if (ko == SB_MISC && kc == SB_SPILL && cur->slots[i / 8].spill.type == R_SCALAR)
			continue;
		return false;
	}
	for (unsigned s = 0; s < nold; s++) {
		const struct slot *so = &old->slots[s];
		if (!so->spill_size)
			continue;
		if (so->kind[so->spill_off] != SB_SPILL)
			continue;
		if (s >= ncur)
			return false;
		const struct slot *sc = &cur->slots[s];
		if (sc->spill_size != so->spill_size || sc->spill_off != so->spill_off)
			return false;
		if (!exact && s < NSLOTS && !(srel >> s & 1) && so->spill.type == R_SCALAR &&
		    sc->spill.type == R_SCALAR)
			continue;
		if (!regsafe(&so->spill, &sc->spill, m, exact))
			return false;
	}
	return true;
}

bool state_subsumes(struct verifier *v, const struct vstate *old, const struct vstate *cur,
		    bool exact)
{
	struct idmap m;

	if (old->cur != cur->cur || old->pc != cur->pc)
		return false;
	m.n = 0;
	if (old->nrefs != cur->nrefs)
		return false;
	for (int f = 0; f <= old->cur; f++) {
		const struct frame *fo = old->fr[f], *fc = cur->fr[f];
		if (fo->callsite != fc->callsite || fo->func != fc->func || fo->cb_max != fc->cb_max ||
		    fo->cb_map1 != fc->cb_map1 ||
		    fo->cb_min != fc->cb_min)
			return false;
		/* a callback with fewer iterations done has every future of one
		 * with more, when the loop may stop after any of them */
		if ((exact || fo->cb_min) ? fo->cb_iter != fc->cb_iter : fo->cb_iter > fc->cb_iter)
			return false;
		/* live registers: at pc for the current frame, at the return
		 * site (r6-r9) for the callers */
		int64_t at = f == old->cur ? cur->pc : old->fr[f + 1]->callsite + 1;
		uint16_t live = f == old->cur ? v->cfg.live[at] : (uint16_t)(v->cfg.live[at] & 0x7c0);
		/* precision (relevance.c): a live number whose value cannot
		 * matter for safety is any number; a callee may read its
		 * callers' stack through pointers, so theirs is compared whole */
		uint16_t rel = v->precision ? v->cfg.rel[at] : 0xffff;
		uint64_t srel = f == old->cur && v->precision ? v->cfg.srel[at] : ~0ull;
		for (int r = 0; r < 11; r++) {
			if (!(live & (1u << r)))
				continue;
			if (!exact && !(rel & (1u << r)) && fo->regs[r].type == R_SCALAR &&
			    fc->regs[r].type == R_SCALAR)
				continue;
			if (!regsafe(&fo->regs[r], &fc->regs[r], &m, exact))
				return false;
		}
		if (fo->cb_max && !regsafe(&fo->cb_ctx, &fc->cb_ctx, &m, exact))
			return false;
		if (!stacksafe(fo, fc, &m, exact, srel))
			return false;
	}
	for (unsigned i = 0; i < old->nrefs; i++)
		if (!ids_match(&m, old->refs[i], cur->refs[i]))
			return false;
	return true;
}

/* ---- printing ------------------------------------------------------------ */

void reg_str(const struct verifier *v, const struct reg *r, char *buf, size_t size)
{
	char val[96];
	const char *mapname = "";

	if (r->type == R_SCALAR) {
		sc_str(buf, size, &r->v);
		return;
	}
	if (r->type == R_NOT_INIT) {
		snprintf(buf, size, "uninitialized");
		return;
	}
	if ((r->type == R_MAP_PTR || r->type == R_MAP_VALUE || r->type == R_MAP_VALUE_OR_NULL ||
	     r->type == R_MAP_KEY ||
	     r->type == R_MAP_PTR_OR_NULL) &&
	    r->map < v->nmaps && v->maps[r->map].name)
		mapname = v->maps[r->map].name;
	val[0] = 0;
	if (!sc_is_const(&r->v) || sc_val(&r->v)) {
		char t[80];
		sc_str(t, sizeof(t), &r->v);
		snprintf(val, sizeof(val), "+%s", t);
	}
	switch (r->type) {
	case R_STACK:
		snprintf(buf, size, "stack(fp%d%+d%s)", r->frame, r->off, val);
		break;
	case R_MAP_PTR:
		snprintf(buf, size, "map_ptr(map %u%s%s)", r->map, *mapname ? " " : "", mapname);
		break;
	case R_PKT: case R_PKT_META:
		snprintf(buf, size, "%s(off=%d%s, range=%u)", rtype_name(r->type), r->off, val,
			 r->range);
		break;
	case R_PKT_END:
		snprintf(buf, size, "packet_end");
		break;
	default:
		snprintf(buf, size, "%s(off=%d%s)", rtype_name(r->type), r->off, val);
	}
}

void state_str(struct verifier *v, const struct vstate *s, char *buf, size_t size)
{
	size_t len = 0;
	char t[160];

	buf[0] = 0;
	for (int f = 0; f <= s->cur; f++) {
		const struct frame *fr = s->fr[f];
		if (s->cur)
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%sframe%d:",
						f ? " " : "", f);
		for (int r = 0; r < 11 && len < size; r++) {
			if (fr->regs[r].type == R_NOT_INIT)
				continue;
			reg_str(v, &fr->regs[r], t, sizeof(t));
			len += (size_t)snprintf(buf + len, size - len, " r%d=%s", r, t);
		}
		for (unsigned sl = 0; sl < fr->nslots && len < size; sl++) {
			const struct slot *x = &fr->slots[sl];
			int any = 0;
			for (int b = 0; b < 8; b++)
				any |= x->kind[b] != SB_INVALID;
			if (!any)
				continue;
			if (x->spill_size && x->kind[x->spill_off] == SB_SPILL) {
				reg_str(v, &x->spill, t, sizeof(t));
				len += (size_t)snprintf(buf + len, size - len, " fp%d=%s",
							-(int)(sl * 8 + 8) + x->spill_off, t);
			} else {
				char k[9];
				for (int b = 0; b < 8; b++)
					k[b] = "?m0r"[x->kind[b]];
				k[8] = 0;
				len += (size_t)snprintf(buf + len, size - len, " fp%d=%s",
							-(int)(sl * 8 + 8), k);
			}
		}
	}
}
