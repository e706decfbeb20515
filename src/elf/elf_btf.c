/*
 * elf_btf.c - the object's BTF: .BTF and .BTF.ext parsed by src/btf/,
 * BTF-defined maps of `.maps`, and line info for linked programs.
 */
#include <stdio.h>
#include <string.h>

#include <libelf.h>

#include "btf/btf.h"
#include "common/common.h"
#include "elf.h"
#include "elf_internal.h"

/* src/btf/ reports into a scratch log; its message goes on with the file
 * name in front, on one line (BTF names may hold any byte). */
static int relog(const anybpf_object *obj, struct anybpf_log *log, int rc, const char *what,
		 struct anybpf_log *tmp)
{
	char *m = tmp->buf;
	size_t n = tmp->len < tmp->size ? tmp->len : tmp->size - 1;
	m[n] = '\0';
	while (n > 0 && m[n - 1] == '\n')
		m[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)m[i] < 0x20 || m[i] == 0x7f)
			m[i] = '?';
	return ab_err(log, rc, -1, "%s: %s: %s", obj->name, what, n ? m : anybpf_strerror(rc));
}

#define SCRATCH(name) char name##_buf[512] = ""; \
	struct anybpf_log name = { .buf = name##_buf, .size = sizeof(name##_buf) }

int elf_btf_load(anybpf_object *obj, struct anybpf_log *log)
{
	const struct ab_sec *b = NULL, *e = NULL;
	for (size_t i = 1; i < obj->nsecs; i++) {
		if (obj->secs[i].kind == SEC_BTF && !b)
			b = &obj->secs[i];
		else if (obj->secs[i].kind == SEC_BTF_EXT && !e)
			e = &obj->secs[i];
	}
	if (!b || !b->data)
		return 0;
	SCRATCH(tmp);
	int rc = btf_new(b->data, (size_t)b->size, &obj->btf, &tmp);
	if (rc)
		return relog(obj, log, rc, ".BTF", &tmp);
	if (e && e->data) {
		rc = btf_ext_new(e->data, (size_t)e->size, obj->btf, &obj->btf_ext, &tmp);
		if (rc)
			return relog(obj, log, rc, ".BTF.ext", &tmp);
	}
	return 0;
}

void elf_btf_release(anybpf_object *obj)
{
	btf_ext_free(obj->btf_ext);
	btf_free(obj->btf);
	obj->btf_ext = NULL;
	obj->btf = NULL;
}

static int set_name(anybpf_object *obj, struct anybpf_map *m, const char *a, const char *b,
		    struct anybpf_log *log)
{
	size_t n = strlen(a) + strlen(b) + 1;
	m->name = ab_malloc(n);
	if (!m->name)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	snprintf(m->name, n, "%s%s", a, b);
	for (char *p = m->name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return 0;
}

static void fill(struct anybpf_map *m, const struct btf_map_def *d)
{
	m->origin = ANYBPF_MAP_BTF;
	m->type = d->type;
	m->key_size = d->key_size;
	m->value_size = d->value_size;
	m->max_entries = d->max_entries;
	m->flags = d->map_flags;
	m->pinning = d->pinning;
	m->numa_node = d->numa_node;
	m->btf_key_type = d->key_type;
	m->btf_value_type = d->value_type;
}

int elf_btf_maps(anybpf_object *obj, uint32_t sec, struct anybpf_log *log)
{
	char lb[96];
	const struct ab_sec *s = &obj->secs[sec];
	sec_label(obj, sec, lb, sizeof(lb));
	if (!obj->btf)
		return ab_err(log, -ANYBPF_E_ELF_MAP, -1,
			      "%s: %s: BTF-defined maps need the object's .BTF section, which is missing",
			      obj->name, lb);
	int64_t ds = btf_find_datasec(obj->btf, ".maps");
	if (ds < 0) {
		if (s->size == 0)
			return 0;
		return ab_err(log, -ANYBPF_E_ELF_MAP, -1,
			      "%s: %s: .BTF has no DATASEC '.maps' describing it", obj->name, lb);
	}
	int n = btf_datasec_var_count(obj->btf, (uint32_t)ds);
	for (int i = 0; i < n; i++) {
		struct btf_datasec_var v;
		struct btf_map_def d;
		int rc = btf_datasec_var_at(obj->btf, (uint32_t)ds, (unsigned)i, &v);
		if (rc)
			return ab_err(log, -ANYBPF_E_ELF_MAP, -1, "%s: %s: BTF variable %d unreadable",
				      obj->name, lb, i);
		/* the symbol's offset, as libbpf (DATASEC offsets may be unset) */
		for (size_t k = 0; k < obj->nsyms; k++)
			if (obj->syms[k].shndx == sec && obj->syms[k].type != STT_SECTION &&
			    strcmp(obj->syms[k].name, v.name) == 0 && obj->syms[k].value <= UINT32_MAX) {
				v.offset = (uint32_t)obj->syms[k].value;
				break;
			}
		if ((uint64_t)v.offset + v.size > s->size) {
			char nm[64];
			snprintf(nm, sizeof(nm), "%s", v.name);
			for (char *p = nm; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = '?';
			return ab_err(log, -ANYBPF_E_ELF_MAP, -1,
				      "%s: %s: map '%s' at offset %u + %u bytes past the section end (%llu bytes)",
				      obj->name, lb, nm, v.offset, v.size,
				      (unsigned long long)s->size);
		}
		SCRATCH(tmp);
		rc = btf_map_def_decode(obj->btf, v.type, v.name, &d, &tmp);
		if (rc)
			return relog(obj, log, rc, lb, &tmp);
		struct anybpf_map *m;
		if (elf_map_add(obj, &m))
			return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
		size_t outer = obj->nmaps - 1;
		fill(m, &d);
		m->section = s->name;
		m->sec = sec;
		m->sec_off = v.offset;
		if ((rc = set_name(obj, m, v.name, "", log)))
			return rc;
		if (d.inner_def) {
			/* the inner map's template, as libbpf's "<outer>.inner" */
			struct btf_map_def id;
			rc = btf_map_def_decode(obj->btf, d.inner_def, v.name, &id, &tmp);
			if (rc)
				return relog(obj, log, rc, lb, &tmp);
			struct anybpf_map *im;
			if (elf_map_add(obj, &im))
				return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
			fill(im, &id);
			im->section = s->name;
			im->sec = 0; /* not a definition relocations can name */
			obj->maps[outer].inner = (int64_t)obj->nmaps - 1;
			if ((rc = set_name(obj, im, v.name, ".inner", log)))
				return rc;
		}
	}
	return 0;
}

const struct btf *elf_object_btf(const anybpf_object *obj)
{
	return obj ? obj->btf : NULL;
}

const struct btf_ext *elf_object_btf_ext(const anybpf_object *obj)
{
	return obj ? obj->btf_ext : NULL;
}

int anybpf_object_has_btf(const anybpf_object *obj)
{
	return obj && obj->btf;
}

int anybpf_object_has_lines(const anybpf_object *obj)
{
	if (!obj || !obj->btf_ext)
		return 0;
	for (size_t i = 0; i < btf_ext_sec_count(obj->btf_ext); i++)
		if (btf_ext_sec_at(obj->btf_ext, i)->nlines)
			return 1;
	return 0;
}

static const struct btf_ext_sec *ext_sec(const anybpf_prog *p, size_t pc)
{
	if (!p || pc >= p->ninsns || !p->obj->btf_ext)
		return NULL;
	return btf_ext_find_sec(p->obj->btf_ext, p->obj->secs[p->orig_sec[pc]].name);
}

static void to_line(const struct btf_line *l, struct anybpf_line *out)
{
	out->file = l->file ? l->file : "";
	out->text = l->text ? l->text : "";
	out->line = l->line;
	out->col = l->col;
}

int anybpf_prog_line_at(const anybpf_prog *prog, size_t pc, struct anybpf_line *out)
{
	const struct btf_ext_sec *es = ext_sec(prog, pc);
	const struct btf_line *l = es ? btf_ext_line_at(es, prog->orig_slot[pc]) : NULL;
	if (!l)
		return 0;
	to_line(l, out);
	return 1;
}

int anybpf_prog_line_for(const anybpf_prog *prog, size_t pc, struct anybpf_line *out)
{
	const struct btf_ext_sec *es = ext_sec(prog, pc);
	const struct btf_line *l = es ? btf_ext_line_for(es, prog->orig_slot[pc]) : NULL;
	if (!l || l->insn < prog->orig_slot[prog->func_start[pc]])
		return 0;
	to_line(l, out);
	return 1;
}
