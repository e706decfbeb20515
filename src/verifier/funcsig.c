/* funcsig.c - the signatures of a linked program's functions from the
 * object's BTF (.BTF.ext func info -> FUNC -> FUNC_PROTO), for the
 * verifier's global functions (anybpf_verify_opts.funcs).  The verifier
 * decides what each argument becomes (scalar, ctx, memory or NULL); this
 * file only reads the declarations. */
#include <string.h>

#include "btf/btf.h"
#include "common/common.h"
#include "elf/elf_internal.h"

static void describe(const struct btf *btf, uint32_t type, struct anybpf_func_param *a)
{
	int64_t id = btf_resolve(btf, type);
	const struct btf_type *t = id > 0 ? btf_type_by_id(btf, (uint32_t)id) : NULL;

	a->kind = ANYBPF_PARAM_OTHER;
	a->size = 0;
	a->type_name = "";
	if (!t)
		return;   /* void: ret stays OTHER here; the caller maps it */
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		a->kind = ANYBPF_PARAM_SCALAR;
		return;
	case BTF_KIND_PTR: {
		a->kind = ANYBPF_PARAM_PTR;
		int64_t pid = btf_resolve(btf, t->size_type);
		const struct btf_type *pt = pid > 0 ? btf_type_by_id(btf, (uint32_t)pid) : NULL;
		if (!pt)
			return;   /* void *: size unknown */
		int64_t sz = btf_resolve_size(btf, (uint32_t)pid);
		a->size = sz > 0 && sz <= 0x7fffffff ? (uint32_t)sz : 0;
		if (btf_kind(pt) == BTF_KIND_STRUCT || btf_kind(pt) == BTF_KIND_UNION ||
		    btf_kind(pt) == BTF_KIND_FWD)
			a->type_name = btf_type_name(btf, (uint32_t)pid);
		return;
	}
	default:
		return;
	}
}

int anybpf_prog_func_sigs(const anybpf_prog *prog, struct anybpf_func_sig **out, size_t *n)
{
	if (!prog || !out || !n)
		return -ANYBPF_E_INVAL;
	*out = NULL;
	*n = 0;
	const anybpf_object *obj = prog->obj;
	if (!obj->btf || !obj->btf_ext)
		return 0;
	size_t cap = 0;
	for (size_t pc = 0; pc < prog->ninsns; pc++) {
		if (prog->func_start[pc] != pc)
			continue;
		const struct btf_ext_sec *es =
			btf_ext_find_sec(obj->btf_ext, obj->secs[prog->orig_sec[pc]].name);
		const struct btf_func *bf = es ? btf_ext_func_at(es, prog->orig_slot[pc]) : NULL;
		const struct btf_type *ft = bf ? btf_type_by_id(obj->btf, bf->type_id) : NULL;
		if (!ft || btf_kind(ft) != BTF_KIND_FUNC)
			continue;
		const struct btf_type *proto = btf_type_by_id(obj->btf, ft->size_type);
		if (!proto || btf_kind(proto) != BTF_KIND_FUNC_PROTO)
			continue;
		if (ab_grow((void **)out, &cap, *n + 1, sizeof(**out))) {
			ab_free(*out);
			*out = NULL;
			*n = 0;
			return -ANYBPF_E_NOMEM;
		}
		struct anybpf_func_sig *sg = &(*out)[(*n)++];
		memset(sg, 0, sizeof(*sg));
		sg->pc = pc;
		sg->name = btf_str(obj->btf, ft->name_off);
		sg->global = btf_vlen(ft) == BTF_FUNC_GLOBAL;
		const struct btf_param *ps = btf_type_extra(proto);
		sg->nargs = btf_vlen(proto);
		for (unsigned i = 0; i < sg->nargs && i < 5; i++)
			describe(obj->btf, ps[i].type, &sg->args[i]);
		struct anybpf_func_param r;
		describe(obj->btf, proto->size_type, &r);
		sg->ret = proto->size_type == 0 ? 0 : r.kind;
	}
	return 0;
}

struct anybpf_map_desc *anybpf_object_map_descs(const anybpf_object *obj, size_t *n)
{
	*n = anybpf_object_map_count(obj);
	struct anybpf_map_desc *md = ab_calloc(*n + 1, sizeof(*md));
	for (size_t i = 0; md && i < *n; i++) {
		const anybpf_map *m = anybpf_object_map(obj, i);
		int64_t inner = anybpf_map_inner(m);
		md[i].type = anybpf_map_type(m);
		md[i].key_size = anybpf_map_key_size(m);
		md[i].value_size = anybpf_map_value_size(m);
		md[i].max_entries = anybpf_map_max_entries(m);
		md[i].name = anybpf_map_name(m);
		md[i].inner = inner >= 0 ? (uint32_t)inner + 1 : 0;
		md[i].map_flags = anybpf_map_flags(m);
		md[i].value = anybpf_map_initial(m, NULL);
	}
	return md;
}
