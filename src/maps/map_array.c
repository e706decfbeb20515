/* map_array.c - array, percpu_array, prog_array, cgroup_array and
 * array_of_maps.
 *
 * An array is one block of max_entries values, each rounded up to 8 bytes
 * (per-CPU arrays: ncpus slots per index), allocated once and zeroed, so
 * value addresses never move and lookups need no lock: like Linux, a
 * value is plain memory and concurrent writers are the program's business.
 * Elements always exist: delete is -EINVAL, BPF_NOEXIST is -EEXIST.
 *
 * prog_array, cgroup_array and array_of_maps hold a u32 program id, a
 * u32 cgroup id (Linux: fds) or an inner map per slot, swapped atomically; a slot's writers serialize on a spin lock so
 * the references on inner maps are taken and dropped exactly once. */
#include "common/common.h"
#include "map_internal.h"

#define ARRAY_CREATE_FLAGS (ANYBPF_F_NUMA_NODE | ANYBPF_F_MMAPABLE | ABM_ACCESS_MASK | \
			    ANYBPF_F_PRESERVE_ELEMS | ANYBPF_F_INNER_MAP)

struct arr {
	uint8_t *vals;                     /* array, percpu_array */
	_Atomic uint32_t *ids;             /* prog_array, cgroup_array */
	_Atomic(anybpf_rtmap *) *maps;     /* array_of_maps */
	abm_spin wlock;
};

/* array_map_alloc_check */
static int array_check(const struct anybpf_rtmap_opts *o)
{
	int percpu = o->type == ANYBPF_MAP_TYPE_PERCPU_ARRAY;
	if (o->max_entries == 0 || o->key_size != 4 || o->value_size == 0 ||
	    (o->map_flags & ~ARRAY_CREATE_FLAGS) ||
	    (percpu && (o->map_flags & ANYBPF_F_NUMA_NODE)))
		return -EINVAL;
	if (o->type != ANYBPF_MAP_TYPE_ARRAY &&
	    (o->map_flags & (ANYBPF_F_MMAPABLE | ANYBPF_F_INNER_MAP)))
		return -EINVAL;
	if (o->type != ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY && (o->map_flags & ANYBPF_F_PRESERVE_ELEMS))
		return -EINVAL;
	if (o->value_size > 0x7fffffffu)
		return -E2BIG;
	if (percpu && abm_round8(o->value_size) > ABM_PCPU_MIN_UNIT)
		return -E2BIG;
	return 0;
}

/* fd_array_map_alloc_check: the value is a u32 (an fd in Linux). */
static int fd_array_check(const struct anybpf_rtmap_opts *o)
{
	if (o->value_size != 4 || (o->map_flags & (ANYBPF_F_RDONLY_PROG | ANYBPF_F_WRONLY_PROG)))
		return -EINVAL;
	return array_check(o);
}

static int array_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	(void)o;
	struct arr *a = ab_calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	m->impl = a;
	size_t per = (size_t)m->stride * (m->type == ANYBPF_MAP_TYPE_PERCPU_ARRAY ? m->ncpus : 1);
	if (m->max_entries > SIZE_MAX / per)
		return -ENOMEM;
	a->vals = ab_calloc(m->max_entries, per);
	return a->vals ? 0 : -ENOMEM;
}

static void array_free(anybpf_rtmap *m)
{
	struct arr *a = m->impl;
	if (a->maps)
		for (uint32_t i = 0; i < m->max_entries; i++)
			abm_put(atomic_load(&a->maps[i]));
	ab_free(a->vals);
	ab_free((void *)a->ids);
	ab_free((void *)a->maps);
	ab_free(a);
}

static inline uint32_t key_index(const void *key)
{
	uint32_t i;
	memcpy(&i, key, 4);
	return i;
}

static uint8_t *slot(anybpf_rtmap *m, uint32_t i, unsigned cpu)
{
	struct arr *a = m->impl;
	if (m->type == ANYBPF_MAP_TYPE_PERCPU_ARRAY)
		return a->vals + ((size_t)i * m->ncpus + cpu) * m->stride;
	return a->vals + (size_t)i * m->stride;
}

static void *array_lookup(anybpf_rtmap *m, const void *key, unsigned cpu)
{
	uint32_t i = key_index(key);
	if (i >= m->max_entries || (m->type == ANYBPF_MAP_TYPE_PERCPU_ARRAY && cpu >= m->ncpus))
		return NULL;
	return slot(m, i, cpu);
}

/* array_map_update_elem: flags first, then the index, then NOEXIST. */
static int array_check_update(anybpf_rtmap *m, const void *key, uint64_t flags)
{
	if ((flags & ~ANYBPF_F_LOCK) > ANYBPF_EXIST)
		return -EINVAL;
	if (key_index(key) >= m->max_entries)
		return -E2BIG;
	if (flags & ANYBPF_NOEXIST)
		return -EEXIST;
	return 0;
}

static int array_update(anybpf_rtmap *m, const void *key, const void *value,
			uint64_t flags, unsigned cpu)
{
	int err = array_check_update(m, key, flags);
	if (err)
		return err;
	if (m->type == ANYBPF_MAP_TYPE_PERCPU_ARRAY && cpu >= m->ncpus)
		return -EINVAL;
	memcpy(slot(m, key_index(key), cpu), value, m->value_size);
	return 0;
}

static int array_delete(anybpf_rtmap *m, const void *key)
{
	(void)m;
	(void)key;
	return -EINVAL;
}

static long array_for_each(anybpf_rtmap *m, anybpf_rtmap_elem_cb cb, void *ctx, unsigned cpu)
{
	if (m->type == ANYBPF_MAP_TYPE_PERCPU_ARRAY && cpu >= m->ncpus)
		return -EINVAL;
	long n = 0;
	for (uint32_t i = 0; i < m->max_entries; i++) {
		uint32_t k = i;
		n++;
		if (cb(m, &k, slot(m, i, cpu), ctx))
			break;
	}
	return n;
}

static int array_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	uint32_t i = key_index(key);
	if (i >= m->max_entries)
		return -ENOENT;
	if (m->type == ANYBPF_MAP_TYPE_PERCPU_ARRAY)
		memcpy(value, slot(m, i, 0), (size_t)m->stride * m->ncpus);
	else
		memcpy(value, slot(m, i, 0), m->value_size);
	return 0;
}

static int array_sys_update(anybpf_rtmap *m, const void *key, const void *value,
			    uint64_t flags)
{
	int err = array_check_update(m, key, flags);
	if (err)
		return err;
	uint32_t i = key_index(key);
	if (m->type != ANYBPF_MAP_TYPE_PERCPU_ARRAY) {
		memcpy(slot(m, i, 0), value, m->value_size);
		return 0;
	}
	for (unsigned c = 0; c < m->ncpus; c++)
		memcpy(slot(m, i, c), (const uint8_t *)value + (size_t)c * m->stride, m->value_size);
	return 0;
}

/* array_map_get_next_key: NULL or out of range -> 0; the last -> ENOENT. */
static int array_next_key(anybpf_rtmap *m, const void *key, void *next)
{
	uint32_t i = key ? key_index(key) : UINT32_MAX;
	uint32_t n;
	if (i >= m->max_entries)
		n = 0;
	else if (i == m->max_entries - 1)
		return -ENOENT;
	else
		n = i + 1;
	memcpy(next, &n, 4);
	return 0;
}

const struct abm_ops abm_array_ops = {
	.unsupported = -EINVAL,
	.alloc_check = array_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.for_each = array_for_each,
	.sys_lookup = array_sys_lookup,
	.sys_update = array_sys_update,
	.sys_delete = array_delete,
	.get_next_key = array_next_key,
};

const struct abm_ops abm_percpu_array_ops = {
	.unsupported = -EINVAL,
	.alloc_check = array_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.for_each = array_for_each,
	.sys_lookup = array_sys_lookup,
	.sys_update = array_sys_update,
	.sys_delete = array_delete,
	.get_next_key = array_next_key,
};

/* ---- prog_array and array_of_maps (Linux's fd arrays) ---------------- */

static int fd_array_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	(void)o;
	struct arr *a = ab_calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	m->impl = a;
	if (m->type != ANYBPF_MAP_TYPE_ARRAY_OF_MAPS) {
		a->ids = ab_calloc(m->max_entries, sizeof(*a->ids));
		return a->ids ? 0 : -ENOMEM;
	}
	a->maps = ab_calloc(m->max_entries, sizeof(*a->maps));
	return a->maps ? 0 : -ENOMEM;
}

/* fd_array_map_update_elem: only BPF_ANY. */
static int fd_array_sys_update(anybpf_rtmap *m, const void *key, const void *value,
			       uint64_t flags)
{
	struct arr *a = m->impl;
	if (flags != ANYBPF_ANY)
		return -EINVAL;
	uint32_t i = key_index(key), id;
	if (i >= m->max_entries)
		return -E2BIG;
	memcpy(&id, value, 4);
	if (a->ids) {
		if (id == 0)
			return -EBADF; /* no program or cgroup has id 0 */
		atomic_store(&a->ids[i], id);
		return 0;
	}
	anybpf_rtmap *inner;
	int err = abm_inner_get(m, id, &inner);
	if (err)
		return err;
	abm_spin_lock(&a->wlock);
	anybpf_rtmap *old = atomic_exchange(&a->maps[i], inner);
	abm_spin_unlock(&a->wlock);
	abm_put(old);
	return 0;
}

static int fd_array_sys_delete(anybpf_rtmap *m, const void *key)
{
	struct arr *a = m->impl;
	uint32_t i = key_index(key);
	if (i >= m->max_entries)
		return -E2BIG;
	if (a->ids)
		return atomic_exchange(&a->ids[i], 0) ? 0 : -ENOENT;
	abm_spin_lock(&a->wlock);
	anybpf_rtmap *old = atomic_exchange(&a->maps[i], NULL);
	abm_spin_unlock(&a->wlock);
	if (!old)
		return -ENOENT;
	abm_put(old);
	return 0;
}

/* Userspace reads the id: a program id, or the inner map's id. */
static int fd_array_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	struct arr *a = m->impl;
	uint32_t i = key_index(key), id = 0;
	if (i >= m->max_entries)
		return -ENOENT;
	if (a->ids) {
		id = atomic_load(&a->ids[i]);
	} else {
		abm_spin_lock(&a->wlock);
		anybpf_rtmap *in = atomic_load(&a->maps[i]);
		id = in ? in->id : 0;
		abm_spin_unlock(&a->wlock);
	}
	if (!id)
		return -ENOENT;
	memcpy(value, &id, 4);
	return 0;
}

/* Programs get the inner map itself (array_of_map_lookup_elem). */
static void *of_array_lookup(anybpf_rtmap *m, const void *key, unsigned cpu)
{
	(void)cpu;
	struct arr *a = m->impl;
	uint32_t i = key_index(key);
	if (i >= m->max_entries)
		return NULL;
	return atomic_load(&a->maps[i]);
}

int anybpf_rtmap_prog_at(anybpf_rtmap *map, uint32_t index, uint32_t *prog_id)
{
	if (!map || map->type != ANYBPF_MAP_TYPE_PROG_ARRAY)
		return -EINVAL;
	struct arr *a = map->impl;
	if (index >= map->max_entries)
		return -E2BIG;
	uint32_t id = atomic_load(&a->ids[index]);
	if (!id)
		return -ENOENT;
	if (prog_id)
		*prog_id = id;
	return 0;
}

const struct abm_ops abm_prog_array_ops = {
	.unsupported = -EOPNOTSUPP,
	.alloc_check = fd_array_check,
	.alloc = fd_array_alloc,
	.free = array_free,
	.sys_lookup = fd_array_sys_lookup,
	.sys_update = fd_array_sys_update,
	.sys_delete = fd_array_sys_delete,
	.get_next_key = array_next_key,
};

/* bpf_skb_under_cgroup and friends read the slot; userspace cannot
 * (no map_fd_sys_lookup_elem in Linux: ENOTSUPP). */
const struct abm_ops abm_cgroup_array_ops = {
	.unsupported = -ABM_ENOTSUPP,
	.alloc_check = fd_array_check,
	.alloc = fd_array_alloc,
	.free = array_free,
	.sys_update = fd_array_sys_update,
	.sys_delete = fd_array_sys_delete,
	.get_next_key = array_next_key,
};

const struct abm_ops abm_array_of_maps_ops = {
	.unsupported = -EOPNOTSUPP,
	.alloc_check = fd_array_check,
	.alloc = fd_array_alloc,
	.free = array_free,
	.lookup = of_array_lookup,
	.sys_lookup = fd_array_sys_lookup,
	.sys_update = fd_array_sys_update,
	.sys_delete = fd_array_sys_delete,
	.get_next_key = array_next_key,
};

/* For a JIT inlining bpf_map_lookup_elem (jit_x86_64.c): an array's values
 * never move (allocated once at creation), so value i is at a fixed
 * address.  Exactly what array_lookup and slot() do. */
int anybpf_rtmap_array_layout(const anybpf_rtmap *map, struct anybpf_rtmap_array_layout *out)
{
	if (!map || !out)
		return -EINVAL;
	int percpu = map->type == ANYBPF_MAP_TYPE_PERCPU_ARRAY;
	if ((map->type != ANYBPF_MAP_TYPE_ARRAY || map->ops != &abm_array_ops) &&
	    (!percpu || map->ops != &abm_percpu_array_ops))
		return -ENOTSUP;
	if (map->ops->lookup != array_lookup || (map->flags & ANYBPF_F_WRONLY_PROG))
		return -ENOTSUP;
	const struct arr *a = map->impl;
	if (!a || !a->vals)
		return -ENOTSUP;
	out->base = a->vals;
	out->stride = map->stride;
	out->max_entries = map->max_entries;
	out->value_size = map->value_size;
	out->ncpus = percpu ? map->ncpus : 0;
	return 0;
}
