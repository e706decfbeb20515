/* btf_map.c - decode BTF-defined map definitions (the `.maps` section),
 * following libbpf's conventions in bpf_helpers.h:
 *   __uint(name, val)  -> int (*name)[val]   the value is the array length
 *   __type(name, T)    -> T *name            the type is the pointee
 *   __array(name, T)   -> T *name[]          inner maps / programs
 */
#include <string.h>

#include "common/common.h"
#include "btf/btf_internal.h"

/* BPF_MAP_TYPE_* values that take `values` (uapi/linux/bpf.h). */
enum { MAP_PROG_ARRAY = 3, MAP_ARRAY_OF_MAPS = 12, MAP_HASH_OF_MAPS = 13 };

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *rid)
{
	int64_t r = btf_resolve(btf, id);
	if (r <= 0)
		return NULL;
	*rid = (uint32_t)r;
	return btf_type_by_id(btf, (uint32_t)r);
}

#define MERR(fmt, ...) \
	ab_err(log, -ANYBPF_E_BTF_MAP, -1, "map '%s': " fmt, name, ##__VA_ARGS__)

/* __uint(field, value): PTR -> ARRAY with nelems = value. */
static int get_uint(const struct btf *btf, const char *name, const struct btf_member_info *m,
		    uint32_t *val, struct anybpf_log *log)
{
	uint32_t rid;
	const struct btf_type *t = skip_mods(btf, m->type, &rid);
	if (!t || btf_kind(t) != BTF_KIND_PTR)
		return MERR("member '%s' is not __uint() (type id %u is %s, not PTR)", m->name,
			    m->type, t ? btf_kind_str(btf_kind(t)) : "void");
	uint32_t aid;
	const struct btf_type *a = skip_mods(btf, t->size_type, &aid);
	if (!a || btf_kind(a) != BTF_KIND_ARRAY)
		return MERR("member '%s' is not __uint() (pointee type id %u is %s, not ARRAY)",
			    m->name, t->size_type, a ? btf_kind_str(btf_kind(a)) : "void");
	*val = ((const struct btf_array *)btf_type_extra(a))->nelems;
	return 0;
}

/* __type(field, T): PTR -> T; returns T's id and size. */
static int get_type(const struct btf *btf, const char *name, const struct btf_member_info *m,
		    uint32_t *type_id, uint32_t *size, struct anybpf_log *log)
{
	uint32_t rid;
	const struct btf_type *t = skip_mods(btf, m->type, &rid);
	if (!t || btf_kind(t) != BTF_KIND_PTR)
		return MERR("member '%s' is not __type() (type id %u is %s, not PTR)", m->name,
			    m->type, t ? btf_kind_str(btf_kind(t)) : "void");
	int64_t sz = btf_resolve_size(btf, t->size_type);
	if (sz < 0 || sz > UINT32_MAX)
		return MERR("member '%s': type id %u has no size", m->name, t->size_type);
	*type_id = t->size_type;
	*size = (uint32_t)sz;
	return 0;
}

int btf_map_def_decode(const struct btf *btf, uint32_t type_id, const char *name,
		       struct btf_map_def *out, struct anybpf_log *log)
{
	memset(out, 0, sizeof(*out));
	if (!name)
		name = "(anon)";
	uint32_t sid = 0;
	const struct btf_type *st = skip_mods(btf, type_id, &sid);
	if (!st || btf_kind(st) != BTF_KIND_STRUCT)
		return MERR("definition type id %u is %s, not a STRUCT", type_id,
			    st ? btf_kind_str(btf_kind(st)) : "void or invalid");

	int n = btf_member_count(btf, sid);
	for (int i = 0; i < n; i++) {
		struct btf_member_info m;
		btf_member_at(btf, sid, (unsigned)i, &m);
		uint32_t v = 0, bit = 0, *dst = NULL;
		int err;

		if (!strcmp(m.name, "type")) { bit = BTF_MAP_F_TYPE; dst = &out->type; }
		else if (!strcmp(m.name, "max_entries")) { bit = BTF_MAP_F_MAX_ENTRIES; dst = &out->max_entries; }
		else if (!strcmp(m.name, "map_flags")) { bit = BTF_MAP_F_MAP_FLAGS; dst = &out->map_flags; }
		else if (!strcmp(m.name, "numa_node")) { bit = BTF_MAP_F_NUMA_NODE; dst = &out->numa_node; }
		else if (!strcmp(m.name, "pinning")) { bit = BTF_MAP_F_PINNING; dst = &out->pinning; }
		else if (!strcmp(m.name, "key_size")) { bit = BTF_MAP_F_KEY_SIZE; }
		else if (!strcmp(m.name, "value_size")) { bit = BTF_MAP_F_VALUE_SIZE; }
		else if (!strcmp(m.name, "map_extra")) { bit = BTF_MAP_F_MAP_EXTRA; }

		if (bit) {
			if ((err = get_uint(btf, name, &m, &v, log)))
				return err;
			if (dst) {
				*dst = v;
			} else if (bit == BTF_MAP_F_MAP_EXTRA) {
				out->map_extra = v;
			} else {
				uint32_t *sz = bit == BTF_MAP_F_KEY_SIZE ? &out->key_size : &out->value_size;
				if (*sz && *sz != v)
					return MERR("conflicting %s %u != %u", m.name, *sz, v);
				*sz = v;
			}
			out->fields |= bit;
		} else if (!strcmp(m.name, "key") || !strcmp(m.name, "value")) {
			int is_key = m.name[0] == 'k';
			uint32_t tid = 0, sz = 0;
			if ((err = get_type(btf, name, &m, &tid, &sz, log)))
				return err;
			uint32_t *size = is_key ? &out->key_size : &out->value_size;
			if (*size && *size != sz)
				return MERR("conflicting %s size %u != %u", m.name, *size, sz);
			*size = sz;
			if (is_key)
				out->key_type = tid;
			else
				out->value_type = tid;
			out->fields |= is_key ? BTF_MAP_F_KEY : BTF_MAP_F_VALUE;
		} else if (!strcmp(m.name, "values")) {
			uint32_t aid = 0, pid = 0, eid = 0;
			const struct btf_type *a = skip_mods(btf, m.type, &aid);
			if (!a || btf_kind(a) != BTF_KIND_ARRAY)
				return MERR("member 'values' is not __array() (type id %u is %s, not ARRAY)",
					    m.type, a ? btf_kind_str(btf_kind(a)) : "void");
			const struct btf_array *arr = btf_type_extra(a);
			const struct btf_type *p = skip_mods(btf, arr->type, &pid);
			if (!p || btf_kind(p) != BTF_KIND_PTR)
				return MERR("member 'values' element type id %u is %s, not PTR",
					    arr->type, p ? btf_kind_str(btf_kind(p)) : "void");
			const struct btf_type *e = skip_mods(btf, p->size_type, &eid);
			if (e && btf_kind(e) == BTF_KIND_STRUCT)
				out->inner_def = eid;
			else if (!e || btf_kind(e) != BTF_KIND_FUNC_PROTO)
				return MERR("member 'values' points to %s (type id %u), not a map STRUCT or a FUNC_PROTO",
					    e ? btf_kind_str(btf_kind(e)) : "void", p->size_type);
			out->values_nelems = arr->nelems;
			out->fields |= BTF_MAP_F_VALUES;
		} else {
			return MERR("unknown field '%s' (member %d)", m.name, i);
		}
	}

	if (out->fields & BTF_MAP_F_VALUES) {
		int maps = out->inner_def != 0;
		if (out->fields & BTF_MAP_F_TYPE) {
			if (maps && out->type != MAP_ARRAY_OF_MAPS && out->type != MAP_HASH_OF_MAPS)
				return MERR("inner map 'values' need map type ARRAY_OF_MAPS or HASH_OF_MAPS, not %u",
					    out->type);
			if (!maps && out->type != MAP_PROG_ARRAY)
				return MERR("program 'values' need map type PROG_ARRAY, not %u", out->type);
		}
		/* slots hold a map/program id, as libbpf sets it */
		if (out->value_size && out->value_size != 4)
			return MERR("value_size %u with 'values' (must be 4)", out->value_size);
		out->value_size = 4;
		if (!out->key_size)
			out->key_size = 4;
	}
	return 0;
}
