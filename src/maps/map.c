/* map.c - the map runtime's front door: the type registry (maps.def), map
 * ids, creation checks common to every type, and the public calls, which
 * apply the syscall side's permission rules (frozen, BPF_F_RDONLY,
 * BPF_F_WRONLY) before handing over to the type's ops.
 *
 * Errors are negative errno values as Linux returns them. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/common.h"
#include "map_internal.h"

const struct abm_ops abm_none_ops = { .unsupported = -EINVAL };

struct abm_type {
	uint32_t num;
	const char *name;
	const struct abm_ops *ops;
};

#define none abm_none_ops
static const struct abm_type types[] = {
#define X(num, NAME, name, ops) { num, name, &ops },
#include "maps.def"
#undef X
};
#undef none

/* The numbers in maps.def and in anybpf.h must agree. */
#define CHECK_HDR(NAME)                                                  \
	_Static_assert((int)ANYBPF_MAP_TYPE_##NAME == (int)types_num_##NAME, \
		       "maps.def and anybpf.h disagree on " #NAME);
enum {
#define X(num, NAME, name, ops) types_num_##NAME = num,
#include "maps.def"
#undef X
};
#define X(num, NAME, name, ops) CHECK_HDR(NAME)
#include "maps.def"
#undef X

static const struct abm_type *type_of(uint32_t num)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (types[i].num == num)
			return &types[i];
	return NULL;
}

const char *anybpf_map_type_id_name(uint32_t type)
{
	const struct abm_type *t = type_of(type);
	return t ? t->name : NULL;
}

/* ---- ids: a process-wide table, like the kernel's map IDR ------------- */

static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;
static anybpf_rtmap **live;
static size_t nlive, live_cap;
static uint32_t next_id = 1;

static int ids_add(anybpf_rtmap *m)
{
	int err = 0;
	pthread_mutex_lock(&ids_lock);
	if (ab_grow((void **)&live, &live_cap, nlive + 1, sizeof(*live))) {
		err = -ENOMEM;
	} else {
		m->id = next_id++;
		live[nlive++] = m;
	}
	pthread_mutex_unlock(&ids_lock);
	return err;
}

static anybpf_rtmap *ids_find(uint32_t id)
{
	for (size_t i = 0; i < nlive; i++)
		if (live[i]->id == id)
			return live[i];
	return NULL;
}

anybpf_rtmap *anybpf_rtmap_from_id(uint32_t id)
{
	pthread_mutex_lock(&ids_lock);
	anybpf_rtmap *m = ids_find(id);
	pthread_mutex_unlock(&ids_lock);
	return m;
}

static void destroy(anybpf_rtmap *m)
{
	if (m->ops && m->ops->free && m->impl)
		m->ops->free(m);
	ab_free(m->name);
	ab_free(m);
}

/* Dropping the last reference takes the map out of the id table under
 * the table's lock, so abm_inner_get never revives a dying map. */
void abm_put(anybpf_rtmap *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&ids_lock);
	int last = atomic_fetch_sub(&m->refs, 1) == 1;
	if (last)
		for (size_t i = 0; i < nlive; i++)
			if (live[i] == m) {
				live[i] = live[--nlive];
				break;
			}
	if (last && nlive == 0) {
		ab_free(live);
		live = NULL;
		live_cap = 0;
	}
	pthread_mutex_unlock(&ids_lock);
	if (last)
		destroy(m);
}

void anybpf_rtmap_free(anybpf_rtmap *map)
{
	abm_put(map);
}

static int is_of_maps(uint32_t type)
{
	return type == ANYBPF_MAP_TYPE_ARRAY_OF_MAPS || type == ANYBPF_MAP_TYPE_HASH_OF_MAPS;
}

/* bpf_map_meta_equal: what an inner map must share with the template. */
int abm_inner_get(anybpf_rtmap *outer, uint32_t id, anybpf_rtmap **inner)
{
	int err = 0;
	pthread_mutex_lock(&ids_lock);
	anybpf_rtmap *m = ids_find(id);
	if (!m)
		err = -EBADF;
	else if (m->type != outer->in_type || m->key_size != outer->in_key ||
		 m->value_size != outer->in_value || m->flags != outer->in_flags ||
		 (!(outer->in_flags & ANYBPF_F_INNER_MAP) && m->max_entries != outer->in_max))
		err = -EINVAL;
	else
		atomic_fetch_add(&m->refs, 1);
	pthread_mutex_unlock(&ids_lock);
	*inner = err ? NULL : m;
	return err;
}

int abm_flags_access_ok(uint32_t flags)
{
	return !((flags & ANYBPF_F_RDONLY) && (flags & ANYBPF_F_WRONLY)) &&
	       !((flags & ANYBPF_F_RDONLY_PROG) && (flags & ANYBPF_F_WRONLY_PROG));
}

static unsigned default_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n >= 1 && n <= 4096 ? (unsigned)n : 1;
}

int anybpf_rtmap_new(const struct anybpf_rtmap_opts *opts, anybpf_rtmap **out)
{
	struct anybpf_rtmap_opts o;
	memset(&o, 0, sizeof(o));
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (opts) {
		if (opts->sz < offsetof(struct anybpf_rtmap_opts, inner_map))
			return -EINVAL;
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	o.sz = sizeof(o);
	const struct abm_type *t = type_of(o.type);
	if (!t || o.type == ANYBPF_MAP_TYPE_UNSPEC)
		return -EINVAL;
	if (t->ops == &abm_none_ops)
		return -EOPNOTSUPP; /* a Linux map type not implemented here */
	if (!abm_flags_access_ok(o.map_flags))
		return -EINVAL;
	if (o.map_extra && o.type != ANYBPF_MAP_TYPE_BLOOM_FILTER)
		return -EINVAL;
	if (o.ncpus == 0)
		o.ncpus = default_ncpus();
	if (o.ncpus > 4096)
		return -EINVAL;
	int err = t->ops->alloc_check ? t->ops->alloc_check(&o) : 0;
	if (err)
		return err;
	if (is_of_maps(o.type)) {
		const anybpf_rtmap *in = o.inner_map;
		if (!in)
			return -EBADF;
		if (is_of_maps(in->type))
			return -EINVAL; /* one level of map-in-map only */
	}

	anybpf_rtmap *m = ab_calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ops = t->ops;
	m->type_name = t->name;
	m->type = o.type;
	m->key_size = o.key_size;
	m->value_size = o.value_size;
	m->max_entries = o.max_entries;
	m->flags = o.map_flags;
	m->stride = abm_round8(o.value_size);
	m->ncpus = o.ncpus;
	atomic_init(&m->refs, 1);
	atomic_init(&m->frozen, 0);
	if (is_of_maps(o.type)) {
		m->in_type = o.inner_map->type;
		m->in_key = o.inner_map->key_size;
		m->in_value = o.inner_map->value_size;
		m->in_max = o.inner_map->max_entries;
		m->in_flags = o.inner_map->flags;
	}
	m->name = ab_strdup(o.name ? o.name : "");
	if (!m->name) {
		destroy(m);
		return -ENOMEM;
	}
	err = t->ops->alloc(m, &o);
	if (!err)
		err = ids_add(m);
	if (err) {
		destroy(m);
		return err;
	}
	*out = m;
	return 0;
}

/* ---- accessors --------------------------------------------------------- */

uint32_t anybpf_rtmap_type(const anybpf_rtmap *map) { return map->type; }
const char *anybpf_rtmap_type_name(const anybpf_rtmap *map) { return map->type_name; }
uint32_t anybpf_rtmap_key_size(const anybpf_rtmap *map) { return map->key_size; }
uint32_t anybpf_rtmap_value_size(const anybpf_rtmap *map) { return map->value_size; }
uint32_t anybpf_rtmap_max_entries(const anybpf_rtmap *map) { return map->max_entries; }
uint32_t anybpf_rtmap_flags(const anybpf_rtmap *map) { return map->flags; }
const char *anybpf_rtmap_name(const anybpf_rtmap *map) { return map->name; }
unsigned anybpf_rtmap_ncpus(const anybpf_rtmap *map) { return map->ncpus; }
uint32_t anybpf_rtmap_id(const anybpf_rtmap *map) { return map->id; }

static int is_percpu(uint32_t type)
{
	return type == ANYBPF_MAP_TYPE_PERCPU_ARRAY || type == ANYBPF_MAP_TYPE_PERCPU_HASH ||
	       type == ANYBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

size_t anybpf_rtmap_value_buf_size(const anybpf_rtmap *map)
{
	if (is_percpu(map->type))
		return (size_t)map->stride * map->ncpus;
	return map->value_size;
}

/* ---- userspace side ----------------------------------------------------- */

/* map_get_sys_perms: a frozen map is read-only for userspace. */
static int can_read(const anybpf_rtmap *m)
{
	return !(m->flags & ANYBPF_F_WRONLY);
}

static int can_write(const anybpf_rtmap *m)
{
	return !(m->flags & ANYBPF_F_RDONLY) && !atomic_load(&m->frozen);
}

/* __bpf_copy_key: a key for a map with keys, none for one without. */
static int key_ok(const anybpf_rtmap *m, const void *key)
{
	return m->key_size ? key != NULL : key == NULL;
}

#define CALL(m, fn, ...) ((m)->ops->fn ? (m)->ops->fn(__VA_ARGS__) : (m)->ops->unsupported)

int anybpf_rtmap_lookup(anybpf_rtmap *map, const void *key, void *value)
{
	if (!map || !value)
		return -EINVAL;
	if (!can_read(map))
		return -EPERM;
	if (!key_ok(map, key))
		return -EINVAL;
	return CALL(map, sys_lookup, map, key, value);
}

int anybpf_rtmap_update(anybpf_rtmap *map, const void *key, const void *value,
			uint64_t flags)
{
	if (!map || !value)
		return -EINVAL;
	if (!can_write(map))
		return -EPERM;
	if (flags & ANYBPF_F_LOCK)
		return -EINVAL; /* no value has a bpf_spin_lock */
	if (!key_ok(map, key))
		return -EINVAL;
	return CALL(map, sys_update, map, key, value, flags);
}

int anybpf_rtmap_delete(anybpf_rtmap *map, const void *key)
{
	if (!map)
		return -EINVAL;
	if (!can_write(map))
		return -EPERM;
	if (!key_ok(map, key))
		return -EINVAL;
	return CALL(map, sys_delete, map, key);
}

int anybpf_rtmap_lookup_and_delete(anybpf_rtmap *map, const void *key, void *value)
{
	if (!map || !value)
		return -EINVAL;
	if (!can_read(map) || !can_write(map))
		return -EPERM;
	if (!key_ok(map, key))
		return -EINVAL;
	if (!map->ops->sys_lookup_and_delete)
		return -ABM_ENOTSUPP;
	return map->ops->sys_lookup_and_delete(map, key, value);
}

int anybpf_rtmap_get_next_key(anybpf_rtmap *map, const void *key, void *next_key)
{
	if (!map || (!next_key && map->key_size))
		return -EINVAL;
	if (!can_read(map))
		return -EPERM;
	if (!map->key_size && key)
		return -EINVAL;
	return CALL(map, get_next_key, map, key, next_key);
}

static int has_push(const anybpf_rtmap *m)
{
	return m && (m->type == ANYBPF_MAP_TYPE_QUEUE || m->type == ANYBPF_MAP_TYPE_STACK ||
		     m->type == ANYBPF_MAP_TYPE_BLOOM_FILTER);
}

int anybpf_rtmap_push(anybpf_rtmap *map, const void *value, uint64_t flags)
{
	return has_push(map) ? anybpf_rtmap_update(map, NULL, value, flags) : -EINVAL;
}

int anybpf_rtmap_pop(anybpf_rtmap *map, void *value)
{
	return has_push(map) ? anybpf_rtmap_lookup_and_delete(map, NULL, value) : -EINVAL;
}

int anybpf_rtmap_peek(anybpf_rtmap *map, void *value)
{
	return has_push(map) ? anybpf_rtmap_lookup(map, NULL, value) : -EINVAL;
}

int anybpf_rtmap_freeze(anybpf_rtmap *map)
{
	if (!map)
		return -EINVAL;
	/* a frozen map has lost its write permission: freezing again is
	 * -EPERM, as in Linux (the -EBUSY there is for a racing freeze). */
	if (!can_write(map))
		return -EPERM;
	int expected = 0;
	if (!atomic_compare_exchange_strong(&map->frozen, &expected, 1))
		return -EBUSY;
	return 0;
}

/* ---- program side -------------------------------------------------------- */

void *anybpf_rtmap_lookup_elem_prog(anybpf_rtmap *map, const void *key, unsigned cpu)
{
	if (!map || !map->ops->lookup || (map->flags & ANYBPF_F_WRONLY_PROG))
		return NULL;
	return map->ops->lookup(map, key, cpu);
}

int anybpf_rtmap_update_elem_prog(anybpf_rtmap *map, const void *key,
				  const void *value, uint64_t flags, unsigned cpu)
{
	if (!map)
		return -EINVAL;
	if (map->flags & ANYBPF_F_RDONLY_PROG)
		return -EPERM;
	if (flags & ANYBPF_F_LOCK)
		return -EINVAL;
	return CALL(map, update, map, key, value, flags, cpu);
}

int anybpf_rtmap_delete_elem_prog(anybpf_rtmap *map, const void *key)
{
	if (!map)
		return -EINVAL;
	if (map->flags & ANYBPF_F_RDONLY_PROG)
		return -EPERM;
	return CALL(map, delete, map, key);
}

int anybpf_rtmap_push_elem_prog(anybpf_rtmap *map, const void *value, uint64_t flags)
{
	if (!map)
		return -EINVAL;
	if (map->flags & ANYBPF_F_RDONLY_PROG)
		return -EPERM;
	return CALL(map, push, map, value, flags);
}

int anybpf_rtmap_pop_elem_prog(anybpf_rtmap *map, void *value)
{
	if (!map)
		return -EINVAL;
	if (map->flags & (ANYBPF_F_RDONLY_PROG | ANYBPF_F_WRONLY_PROG))
		return -EPERM;
	return CALL(map, pop, map, value);
}

int anybpf_rtmap_peek_elem_prog(anybpf_rtmap *map, void *value)
{
	if (!map)
		return -EINVAL;
	if (map->flags & ANYBPF_F_WRONLY_PROG)
		return -EPERM;
	return CALL(map, peek, map, value);
}

long anybpf_rtmap_for_each_prog(anybpf_rtmap *map, anybpf_rtmap_elem_cb cb,
				void *ctx, uint64_t flags, unsigned cpu)
{
	if (!map || !cb || flags || !map->ops->for_each)
		return -EINVAL;
	return map->ops->for_each(map, cb, ctx, cpu);
}
