/*
 * elf_maps.c - map definitions, the three ways objects write them:
 *
 *  (a) a legacy `maps` (or `maps/...`) section of fixed-size structs, one
 *      symbol each; the stride is the section size / the number of symbols
 *      in it (libbpf's rule).  Three layouts, told apart by the stride and
 *      the first field:
 *        eBPF for Windows  {size, type, key_size, value_size, max_entries,
 *                           inner_map_idx, pinning, id, inner_id}: the first
 *                           field is the stride itself;
 *        iproute2          struct bpf_elf_map {type, size_key, size_value,
 *                           max_elem, flags, id, pinning, inner_id,
 *                           inner_idx}: 36 bytes;
 *        Linux             struct bpf_map_def {type, key_size, value_size,
 *                           max_entries, map_flags, inner_map_idx,
 *                           numa_node}: any other stride of 16 bytes or more,
 *                           missing trailing fields read as 0.
 *  (b) BTF-defined `.maps` (elf_btf.c);
 *  (c) global data `.data*`, `.rodata*`, `.bss*`: one single-entry array
 *      map per section whose value is the section's bytes.
 */
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "elf_internal.h"

static const char *const linux_types[] = {
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap",
	"xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray",
	"percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
	"struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter",
	"user_ringbuf", "cgrp_storage", "arena",
};

/* eBPF for Windows numbers its map types differently (ebpf_structs.h). */
static const char *const windows_types[] = {
	"unspec", "hash", "array", "prog_array", "percpu_hash", "percpu_array",
	"hash_of_maps", "array_of_maps", "lru_hash", "lpm_trie", "queue",
	"lru_percpu_hash", "stack", "ringbuf",
};

const char *map_type_str(enum anybpf_map_origin origin, uint32_t type)
{
	if (origin == ANYBPF_MAP_WINDOWS)
		return type < ARRAY_SIZE(windows_types) ? windows_types[type] : "unknown";
	return type < ARRAY_SIZE(linux_types) ? linux_types[type] : "unknown";
}

static int is_map_in_map(enum anybpf_map_origin origin, uint32_t type)
{
	if (origin == ANYBPF_MAP_WINDOWS)
		return type == 6 || type == 7;
	return type == 12 || type == 13;
}

int elf_map_add(anybpf_object *obj, struct anybpf_map **out)
{
	if (ab_grow((void **)&obj->maps, &obj->maps_cap, obj->nmaps + 1, sizeof(*obj->maps)))
		return -ANYBPF_E_NOMEM;
	struct anybpf_map *m = &obj->maps[obj->nmaps];
	memset(m, 0, sizeof(*m));
	m->inner = -1;
	m->fd = (int32_t)obj->nmaps + ANYBPF_MAP_FD_BASE;
	obj->nmaps++;
	*out = m;
	return 0;
}

int64_t elf_map_at(const anybpf_object *obj, uint32_t sec, uint64_t off)
{
	for (size_t i = 0; i < obj->nmaps; i++)
		if (obj->maps[i].sec == sec && obj->maps[i].sec_off == off)
			return (int64_t)i;
	return -1;
}

static uint32_t field(const uint8_t *def, size_t stride, size_t i)
{
	uint32_t v = 0;
	if ((i + 1) * 4 <= stride)
		memcpy(&v, def + i * 4, 4);
	return v;
}

/* Symbols naming map definitions in section `sec` (count only when idx is
 * NULL). */
static size_t map_symbols(const anybpf_object *obj, uint32_t sec, size_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < obj->nsyms; i++) {
		const struct ab_sym *s = &obj->syms[i];
		if (s->shndx != sec || s->type == STT_SECTION || s->type == STT_FILE ||
		    !s->name[0])
			continue;
		if (idx)
			idx[n] = i;
		n++;
	}
	return n;
}

struct symkey { uint64_t value; size_t idx; };

static int by_value(const void *a, const void *b)
{
	const struct symkey *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int legacy_maps(anybpf_object *obj, uint32_t sec, struct anybpf_log *log)
{
	char lb[96];
	const struct ab_sec *s = &obj->secs[sec];
	sec_label(obj, sec, lb, sizeof(lb));
	size_t nsym = map_symbols(obj, sec, NULL);
	if (s->size == 0)
		return 0;
	if (nsym == 0)
		return ab_err(log, -ANYBPF_E_ELF_MAP, -1,
			      "%s: %s: %llu bytes of map definitions but no symbol names one",
			      obj->name, lb, (unsigned long long)s->size);
	if (s->size % nsym)
		return ab_err(log, -ANYBPF_E_ELF_MAP, -1,
			      "%s: %s: size %llu is not a multiple of its %zu map symbols",
			      obj->name, lb, (unsigned long long)s->size, nsym);
	size_t stride = (size_t)(s->size / nsym);
	if (stride < 16)
		return ab_err(log, -ANYBPF_E_ELF_MAP, -1,
			      "%s: %s: %zu-byte map definitions (at least type, key_size, value_size and max_entries: 16)",
			      obj->name, lb, stride);
	if (!s->data)
		return ab_err(log, -ANYBPF_E_ELF_MAP, -1, "%s: %s: map definitions have no bytes (SHT_NOBITS)",
			      obj->name, lb);
	size_t *idx = ab_calloc(nsym, sizeof(*idx));
	if (!idx)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	map_symbols(obj, sec, idx);
	struct symkey *keys = ab_malloc(nsym * sizeof(*keys));
	if (!keys) {
		ab_free(idx);
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	}
	for (size_t k = 0; k < nsym; k++)
		keys[k] = (struct symkey){ obj->syms[idx[k]].value, idx[k] };
	qsort(keys, nsym, sizeof(*keys), by_value);
	for (size_t k = 0; k < nsym; k++)
		idx[k] = keys[k].idx;
	ab_free(keys);
	size_t base = obj->nmaps;
	int rc = 0;
	for (size_t k = 0; k < nsym && !rc; k++) {
		const struct ab_sym *sym = &obj->syms[idx[k]];
		if (sym->value > s->size || s->size - sym->value < stride) {
			rc = ab_err(log, -ANYBPF_E_ELF_MAP, -1,
				    "%s: %s: map '%s' at offset %llu: %zu-byte definition past the end of the section (%llu bytes)",
				    obj->name, lb, sym->name, (unsigned long long)sym->value, stride,
				    (unsigned long long)s->size);
			break;
		}
		const uint8_t *d = s->data + sym->value;
		struct anybpf_map *m;
		if (elf_map_add(obj, &m)) {
			rc = ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
			break;
		}
		m->name = ab_strdup(sym->name);
		if (!m->name) {
			rc = ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
			break;
		}
		m->section = s->name;
		m->sec = sec;
		m->sec_off = sym->value;
		uint32_t inner_idx = 0;
		if (stride >= 20 && field(d, stride, 0) == stride) {
			m->origin = ANYBPF_MAP_WINDOWS;
			m->type = field(d, stride, 1);
			m->key_size = field(d, stride, 2);
			m->value_size = field(d, stride, 3);
			m->max_entries = field(d, stride, 4);
			inner_idx = field(d, stride, 5);
			m->inner_idx = inner_idx;
			m->pinning = field(d, stride, 6);
			m->id = field(d, stride, 7);
			m->inner_id = field(d, stride, 8);
		} else {
			m->origin = stride == 36 ? ANYBPF_MAP_IPROUTE2 : ANYBPF_MAP_LEGACY;
			m->type = field(d, stride, 0);
			m->key_size = field(d, stride, 1);
			m->value_size = field(d, stride, 2);
			m->max_entries = field(d, stride, 3);
			m->flags = field(d, stride, 4);
			if (m->origin == ANYBPF_MAP_IPROUTE2) {
				m->id = field(d, stride, 5);
				m->pinning = field(d, stride, 6);
				m->inner_id = field(d, stride, 7);
				inner_idx = m->inner_idx = field(d, stride, 8);
			} else {
				inner_idx = m->inner_idx = field(d, stride, 5);
				m->numa_node = field(d, stride, 6);
			}
		}
		if (is_map_in_map(m->origin, m->type) && inner_idx < nsym)
			m->inner = (int64_t)(base + inner_idx);
	}
	ab_free(idx);
	return rc;
}

static int data_map(anybpf_object *obj, uint32_t sec, struct anybpf_log *log)
{
	struct ab_sec *s = &obj->secs[sec];
	if (s->size == 0)
		return 0;
	if (s->size > ELF_MAX_DATA) {
		char lb[96];
		return ab_err(log, -ANYBPF_E_ELF_MAP, -1, "%s: %s: %llu bytes of global data (at most 16 MiB)",
			      obj->name, sec_label(obj, sec, lb, sizeof(lb)),
			      (unsigned long long)s->size);
	}
	struct anybpf_map *m;
	if (elf_map_add(obj, &m))
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	s->map = (int64_t)obj->nmaps - 1;
	m->name = ab_strdup(s->name);
	m->initial = ab_calloc(1, (size_t)s->size);
	if (!m->name || !m->initial)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	if (s->data)
		memcpy(m->initial, s->data, (size_t)s->size);
	m->section = s->name;
	m->sec = sec;
	m->origin = ANYBPF_MAP_DATA;
	m->type = 2; /* array */
	m->key_size = 4;
	m->value_size = (uint32_t)s->size;
	m->max_entries = 1;
	if (s->kind == SEC_RODATA)
		m->flags = 0x80; /* BPF_F_RDONLY_PROG */
	return 0;
}

int elf_maps(anybpf_object *obj, struct anybpf_log *log)
{
	int rc = 0;
	for (uint32_t i = 1; i < obj->nsecs && !rc; i++) {
		if (obj->secs[i].kind == SEC_MAPS_LEGACY)
			rc = legacy_maps(obj, i, log);
		else if (obj->secs[i].kind == SEC_MAPS_BTF)
			rc = elf_btf_maps(obj, i, log);
	}
	/* An inner_map_idx past its own section (one `maps/NAME` section per
	 * map, as PREVAIL's samples write them) counts legacy maps across the
	 * object, in section order. */
	for (size_t i = 0; i < obj->nmaps && !rc; i++) {
		struct anybpf_map *m = &obj->maps[i];
		if (m->inner >= 0 || !is_map_in_map(m->origin, m->type) ||
		    m->origin == ANYBPF_MAP_BTF || m->origin == ANYBPF_MAP_DATA)
			continue;
		for (size_t j = 0, nth = 0; j < obj->nmaps; j++) {
			enum anybpf_map_origin o = obj->maps[j].origin;
			if (o == ANYBPF_MAP_BTF || o == ANYBPF_MAP_DATA)
				continue;
			if (nth++ == m->inner_idx) {
				if (j != i)
					m->inner = (int64_t)j;
				break;
			}
		}
	}
	for (uint32_t i = 1; i < obj->nsecs && !rc; i++) {
		enum sec_kind k = obj->secs[i].kind;
		if (k == SEC_DATA || k == SEC_RODATA || k == SEC_BSS)
			rc = data_map(obj, i, log);
	}
	return rc;
}
