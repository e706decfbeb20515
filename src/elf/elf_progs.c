/*
 * elf_progs.c - programs: which functions are entry points, and linking.
 *
 * As libbpf: every global function of a non-empty executable section is a
 * program (a section without one is a single program, unnamed); `.text`
 * holds subprograms, and its global functions are programs only when the
 * object has no other code section and nothing calls them.  A function
 * spans from its symbol to the next function symbol of its section (symbol
 * sizes are not trusted).
 *
 * Linking gives each program its own copy: its function first, then every
 * function reached through local calls (or function-pointer lddw), each
 * appended once, with call immediates rewritten to the new distances.
 */
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "elf_internal.h"

/* A function symbol: STT_FUNC, or a global STT_NOTYPE as old clang wrote
 * for entry points (local NOTYPE symbols are branch labels). */
static int is_func(const struct ab_sym *y)
{
	return y->type == STT_FUNC ||
	       (y->type == STT_NOTYPE && (y->bind == STB_GLOBAL || y->bind == STB_WEAK));
}

static int is_entry(const struct ab_sym *y)
{
	return is_func(y) && (y->bind == STB_GLOBAL || y->bind == STB_WEAK);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Function starts of every code section: slot 0 and every STT_FUNC symbol. */
static int find_bounds(anybpf_object *obj, struct anybpf_log *log)
{
	for (uint32_t i = 1; i < obj->nsecs; i++) {
		struct ab_sec *s = &obj->secs[i];
		if (!s->ninsns)
			continue;
		size_t n = 1;
		for (size_t k = 0; k < obj->nsyms; k++)
			if (obj->syms[k].shndx == i && is_func(&obj->syms[k]))
				n++;
		s->bounds = ab_malloc(n * sizeof(*s->bounds));
		if (!s->bounds)
			return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
		s->bounds[0] = 0;
		n = 1;
		for (size_t k = 0; k < obj->nsyms; k++) {
			const struct ab_sym *y = &obj->syms[k];
			if (y->shndx != i || !is_func(y))
				continue;
			if (y->value % sizeof(struct anybpf_insn) || y->value >= s->size) {
				char lb[96];
				return ab_err(log, -ANYBPF_E_ELF_SYMBOL, -1,
					      "%s: symbol %zu '%s': function offset %llu is not an instruction of %s (%zu instructions)",
					      obj->name, k, y->name, (unsigned long long)y->value,
					      sec_label(obj, i, lb, sizeof(lb)), s->ninsns);
			}
			s->bounds[n++] = (uint32_t)(y->value / sizeof(struct anybpf_insn));
		}
		qsort(s->bounds, n, sizeof(*s->bounds), cmp_u32);
		size_t u = 0;
		for (size_t k = 0; k < n; k++)
			if (u == 0 || s->bounds[u - 1] != s->bounds[k])
				s->bounds[u++] = s->bounds[k];
		s->nbounds = u;
	}
	return 0;
}

/* The function holding `slot`: [*start, *end). */
static void func_extent(const struct ab_sec *s, uint32_t slot, uint32_t *start, uint32_t *end)
{
	size_t lo = 0, hi = s->nbounds; /* bounds[0] == 0 <= slot */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->bounds[mid] <= slot)
			lo = mid;
		else
			hi = mid;
	}
	*start = s->bounds[lo];
	*end = lo + 1 < s->nbounds ? s->bounds[lo + 1] : (uint32_t)s->ninsns;
}

void elf_prog_free(struct anybpf_prog *p)
{
	if (!p)
		return;
	ab_free(p->name);
	ab_free(p->insns);
	ab_free(p->orig_sec);
	ab_free(p->orig_slot);
	ab_free(p->func_start);
	ab_free(p);
}

struct linked_func { uint32_t sec, start, end; size_t base; };

struct linker {
	anybpf_object *obj;
	struct anybpf_prog *p;
	size_t cap;
	struct linked_func *funcs;
	size_t nfuncs, fcap;
	size_t *sorted;            /* funcs[1..] indexes by (sec, start) */
	size_t nsorted, scap;
	struct anybpf_log *log;
};

static int func_cmp(const struct linked_func *f, uint32_t sec, uint32_t start)
{
	if (f->sec != sec)
		return f->sec < sec ? -1 : 1;
	return f->start < start ? -1 : f->start > start;
}

/* Position of (sec, start) in l->sorted: *found set when it is there. */
static size_t sorted_find(const struct linker *l, uint32_t sec, uint32_t start, int *found)
{
	size_t lo = 0, hi = l->nsorted;
	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = func_cmp(&l->funcs[l->sorted[mid]], sec, start);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int append_func(struct linker *l, uint32_t sec, uint32_t start, uint32_t end, size_t *base)
{
	struct anybpf_prog *p = l->p;
	const struct ab_sec *s = &l->obj->secs[sec];
	size_t n = end - start;
	if (p->ninsns + n > ELF_MAX_PROG_INSNS)
		return ab_err(l->log, -ANYBPF_E_TOO_LONG, -1,
			      "%s: program '%s' in section '%s': more than %u instructions once linked",
			      l->obj->name, p->name, p->section, ELF_MAX_PROG_INSNS);
	if (l->obj->linked_total + n > ELF_MAX_LINKED_INSNS)
		return ab_err(l->log, -ANYBPF_E_TOO_LONG, -1,
			      "%s: programs total more than %u instructions once linked",
			      l->obj->name, ELF_MAX_LINKED_INSNS);
	l->obj->linked_total += n;
	size_t cap = l->cap;
	if (ab_grow((void **)&p->insns, &cap, p->ninsns + n, sizeof(*p->insns)))
		return -ANYBPF_E_NOMEM;
	cap = l->cap;
	if (ab_grow((void **)&p->orig_sec, &cap, p->ninsns + n, sizeof(*p->orig_sec)))
		return -ANYBPF_E_NOMEM;
	cap = l->cap;
	if (ab_grow((void **)&p->orig_slot, &cap, p->ninsns + n, sizeof(*p->orig_slot)))
		return -ANYBPF_E_NOMEM;
	cap = l->cap;
	if (ab_grow((void **)&p->func_start, &cap, p->ninsns + n, sizeof(*p->func_start)))
		return -ANYBPF_E_NOMEM;
	l->cap = cap;
	if (ab_grow((void **)&l->funcs, &l->fcap, l->nfuncs + 1, sizeof(*l->funcs)))
		return -ANYBPF_E_NOMEM;
	*base = p->ninsns;
	memcpy(p->insns + p->ninsns, s->insns + start, n * sizeof(*p->insns));
	for (size_t k = 0; k < n; k++) {
		p->orig_sec[p->ninsns + k] = sec;
		p->orig_slot[p->ninsns + k] = start + (uint32_t)k;
		p->func_start[p->ninsns + k] = (uint32_t)*base;
	}
	p->ninsns += n;
	l->funcs[l->nfuncs++] = (struct linked_func){ sec, start, end, *base };
	if (l->nfuncs > 1) { /* the program's own function is looked up first */
		int found;
		size_t at = sorted_find(l, sec, start, &found);
		if (ab_grow((void **)&l->sorted, &l->scap, l->nsorted + 1, sizeof(*l->sorted)))
			return -ANYBPF_E_NOMEM;
		memmove(l->sorted + at + 1, l->sorted + at, (l->nsorted - at) * sizeof(*l->sorted));
		l->sorted[at] = l->nfuncs - 1;
		l->nsorted++;
	}
	return 0;
}

static int link_prog(struct linker *l)
{
	size_t base;
	int rc = append_func(l, l->p->sec, (uint32_t)(l->p->sec_off / sizeof(struct anybpf_insn)),
			     (uint32_t)(l->p->sec_off / sizeof(struct anybpf_insn) + l->p->nmain), &base);
	for (size_t f = 0; !rc && f < l->nfuncs; f++) {
		struct linked_func fn = l->funcs[f];
		const struct ab_sec *s = &l->obj->secs[fn.sec];
		for (uint32_t k = fn.start; !rc && k < fn.end; k++) {
			if (s->call_sec[k] < 0)
				continue;
			uint32_t tsec = (uint32_t)s->call_sec[k], tslot = s->call_slot[k];
			size_t target;
			const struct linked_func *m = &l->funcs[0];
			uint32_t st, en;
			int found;
			if (m->sec == tsec && tslot >= m->start && tslot < m->end) {
				target = m->base + (tslot - m->start);
			} else {
				func_extent(&l->obj->secs[tsec], tslot, &st, &en);
				size_t at = sorted_find(l, tsec, st, &found);
				if (found) {
					target = l->funcs[l->sorted[at]].base + (tslot - st);
				} else {
					rc = append_func(l, tsec, st, en, &base);
					if (rc)
						break;
					target = base + (tslot - st);
				}
			}
			size_t pc = fn.base + (k - fn.start);
			l->p->insns[pc].imm = (int32_t)((int64_t)target - (int64_t)pc - 1);
		}
	}
	if (rc == -ANYBPF_E_NOMEM)
		ab_err(l->log, rc, -1, "%s: out of memory", l->obj->name);
	return rc;
}

static size_t count_map_refs(const struct anybpf_prog *p)
{
	size_t n = 0;
	for (size_t i = 0; i + 1 < p->ninsns; i++) {
		const struct anybpf_insn *in = &p->insns[i];
		if (in->code != 0x18 || (in->src != 1 && in->src != 2))
			continue;
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = p->insns[j].code == 0x18 && (p->insns[j].src == 1 || p->insns[j].src == 2) &&
			       p->insns[j].imm == in->imm;
		n += !seen;
		i++;
	}
	return n;
}

static int add_prog(anybpf_object *obj, uint32_t sec, const char *name, uint32_t start,
		    uint32_t end, struct anybpf_log *log)
{
	struct anybpf_prog *p = ab_calloc(1, sizeof(*p));
	if (!p || ab_grow((void **)&obj->progs, &obj->progs_cap, obj->nprogs + 1, sizeof(*obj->progs))) {
		ab_free(p);
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	}
	obj->progs[obj->nprogs++] = p;
	p->obj = obj;
	p->name = ab_strdup(name);
	if (!p->name)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	p->section = obj->secs[sec].name;
	p->sec = sec;
	p->sec_off = (uint64_t)start * sizeof(struct anybpf_insn);
	p->nmain = end - start;
	p->type = obj->type_override >= 0 ? obj->type_override :
					   prog_type_from_section(p->section);
	struct linker l = { .obj = obj, .p = p, .log = log };
	int rc = link_prog(&l);
	ab_free(l.funcs);
	ab_free(l.sorted);
	if (!rc)
		p->nmap_refs = count_map_refs(p);
	return rc;
}

struct symref { uint64_t value; size_t k; };

static int cmp_symref(const void *a, const void *b)
{
	const struct symref *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

static int section_progs(anybpf_object *obj, uint32_t sec, int text, struct anybpf_log *log)
{
	const struct ab_sec *s = &obj->secs[sec];
	size_t n = 0;
	for (size_t k = 0; k < obj->nsyms; k++) {
		const struct ab_sym *y = &obj->syms[k];
		if (y->shndx == sec && is_entry(y))
			n++;
	}
	if (n == 0)
		return add_prog(obj, sec, "", 0, (uint32_t)s->ninsns, log);
	struct symref *idx = ab_malloc(n * sizeof(*idx));
	uint8_t *called = text ? ab_calloc(s->ninsns, 1) : NULL;
	if (!idx || (text && !called)) {
		ab_free(idx);
		ab_free(called);
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	}
	n = 0;
	for (size_t k = 0; k < obj->nsyms; k++) {
		const struct ab_sym *y = &obj->syms[k];
		if (y->shndx == sec && is_entry(y))
			idx[n++] = (struct symref){ y->value, k };
	}
	qsort(idx, n, sizeof(*idx), cmp_symref);
	if (called)
		for (uint32_t i = 1; i < obj->nsecs; i++)
			for (size_t k = 0; k < obj->secs[i].ninsns; k++)
				if (obj->secs[i].call_sec[k] == (int64_t)sec)
					called[obj->secs[i].call_slot[k]] = 1;
	int rc = 0;
	for (size_t j = 0; j < n && !rc; j++) {
		const struct ab_sym *y = &obj->syms[idx[j].k];
		uint32_t start = (uint32_t)(y->value / sizeof(struct anybpf_insn));
		if (j > 0 && idx[j - 1].value == y->value)
			continue; /* aliases at one offset: one program */
		if (called && called[start])
			continue;
		uint32_t st, en;
		func_extent(s, start, &st, &en);
		rc = add_prog(obj, sec, y->name, st, en, log);
	}
	ab_free(idx);
	ab_free(called);
	return rc;
}

int elf_progs(anybpf_object *obj, struct anybpf_log *log)
{
	int rc = find_bounds(obj, log);
	if (rc)
		return rc;
	int other = 0;
	for (uint32_t i = 1; i < obj->nsecs; i++)
		if (obj->secs[i].ninsns && strcmp(obj->secs[i].name, ".text") != 0)
			other = 1;
	for (uint32_t i = 1; i < obj->nsecs && !rc; i++) {
		const struct ab_sec *s = &obj->secs[i];
		if (!s->ninsns)
			continue;
		int text = strcmp(s->name, ".text") == 0;
		if (text && other)
			continue;
		rc = section_progs(obj, i, text, log);
	}
	return rc;
}
