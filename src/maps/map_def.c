/* map_def.c - a live map from an object file's map definition, the way
 * libbpf creates one: the type found by name (so eBPF-for-Windows numbers
 * map to Linux ones), a perf_event_array without max_entries gets one slot
 * per CPU and u32 keys/values, a BTF map-in-map u32 values, global data maps start with the section's
 * bytes and .rodata (BPF_F_RDONLY_PROG) is frozen after that. */
#include "common/common.h"
#include "map_internal.h"

int anybpf_rtmap_new_from_def(const anybpf_map *def, unsigned ncpus,
			      const anybpf_rtmap *inner, anybpf_rtmap **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!def)
		return -EINVAL;
	const char *tname = anybpf_map_type_name(def);
	uint32_t type = UINT32_MAX;
	for (uint32_t t = 0; t < 64 && type == UINT32_MAX; t++) {
		const char *n = anybpf_map_type_id_name(t);
		if (n && tname && !strcmp(n, tname))
			type = t;
	}
	if (type == UINT32_MAX)
		return -EINVAL;
	struct anybpf_rtmap_opts o = {
		.sz = sizeof(o),
		.type = type,
		.key_size = anybpf_map_key_size(def),
		.value_size = anybpf_map_value_size(def),
		.max_entries = anybpf_map_max_entries(def),
		.map_flags = anybpf_map_flags(def),
		.inner_map = inner,
		.name = anybpf_map_name(def),
		.ncpus = ncpus,
	};
	/* BTF map-in-map definitions give `values` instead of a value size */
	if ((type == ANYBPF_MAP_TYPE_ARRAY_OF_MAPS || type == ANYBPF_MAP_TYPE_HASH_OF_MAPS) &&
	    !o.value_size)
		o.value_size = 4;
	if (type == ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		if (!o.key_size)
			o.key_size = 4;
		if (!o.value_size)
			o.value_size = 4;
	}
	anybpf_rtmap *m = NULL;
	int err;
	if (type == ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY && !o.max_entries) {
		o.max_entries = 1; /* ncpus resolved by creating first */
		err = anybpf_rtmap_new(&o, &m);
		if (err)
			return err;
		o.max_entries = anybpf_rtmap_ncpus(m);
		anybpf_rtmap_free(m);
		m = NULL;
	}
	err = anybpf_rtmap_new(&o, &m);
	if (err)
		return err;
	size_t isize = 0;
	const void *init = anybpf_map_initial(def, &isize);
	if (init && type == ANYBPF_MAP_TYPE_ARRAY && isize <= m->value_size) {
		uint32_t k = 0;
		uint8_t *v = m->ops->lookup(m, &k, 0); /* not subject to *_PROG flags */
		if (v)
			memcpy(v, init, isize);
	}
	if (init && (m->flags & ANYBPF_F_RDONLY_PROG))
		atomic_store(&m->frozen, 1);
	*out = m;
	return 0;
}
