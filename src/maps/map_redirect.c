/* map_redirect.c - the XDP redirect targets: devmap, devmap_hash, cpumap,
 * xskmap.
 *
 * In Linux their values name kernel objects (a net device by ifindex, a
 * CPU with a queue size, an AF_XDP socket by fd) and the update checks
 * that the object exists.  Here there are no such objects: a slot simply
 * holds the value as given, so bpf_redirect_map() can find its target and
 * the runtime can record it as the verdict's target.  What Linux checks
 * without the object (sizes, flags, indexes, CPU numbers, qsize) is
 * checked the same way, with the same errno.
 *
 * devmap, cpumap and xskmap are arrays of optional slots (a spin lock for
 * writers, a published flag for lock-free program lookups); devmap_hash
 * is the hash table core. */
#include "common/common.h"
#include "map_internal.h"

#define DEV_CREATE_FLAGS (ANYBPF_F_NUMA_NODE | ANYBPF_F_RDONLY | ANYBPF_F_WRONLY)
#define CPUMAP_MAX_QSIZE 16384u
#define NR_CPUS 8192u

struct slots {
	abm_spin lock;
	_Atomic uint8_t *used;
	uint8_t *vals;
};

/* dev_map_alloc_check, cpu_map_alloc, xsk_map_alloc */
static int redirect_check(const struct anybpf_rtmap_opts *o)
{
	uint32_t vs = o->value_size;
	if (o->max_entries == 0 || o->key_size != 4)
		return -EINVAL;
	switch (o->type) {
	case ANYBPF_MAP_TYPE_DEVMAP:
	case ANYBPF_MAP_TYPE_DEVMAP_HASH: /* {ifindex} or {ifindex, prog fd} */
		if ((vs != 4 && vs != 8) || (o->map_flags & ~DEV_CREATE_FLAGS))
			return -EINVAL;
		return 0;
	case ANYBPF_MAP_TYPE_CPUMAP:      /* {qsize} or {qsize, prog fd} */
		if ((vs != 4 && vs != 8) || (o->map_flags & ~ANYBPF_F_NUMA_NODE))
			return -EINVAL;
		return o->max_entries > NR_CPUS ? -E2BIG : 0;
	default:                          /* xskmap: {socket fd} */
		if (vs != 4 || (o->map_flags & ~DEV_CREATE_FLAGS))
			return -EINVAL;
		return 0;
	}
}

static int slots_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	(void)o;
	struct slots *s = ab_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	m->impl = s;
	s->used = ab_calloc(m->max_entries, sizeof(*s->used));
	s->vals = ab_calloc(m->max_entries, m->stride);
	return s->used && s->vals ? 0 : -ENOMEM;
}

static void slots_free(anybpf_rtmap *m)
{
	struct slots *s = m->impl;
	ab_free((void *)s->used);
	ab_free(s->vals);
	ab_free(s);
}

static uint32_t u32_at(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void *slots_lookup(anybpf_rtmap *m, const void *key, unsigned cpu)
{
	(void)cpu;
	struct slots *s = m->impl;
	uint32_t i = u32_at(key);
	if (i >= m->max_entries || !atomic_load_explicit(&s->used[i], memory_order_acquire))
		return NULL;
	return s->vals + (size_t)i * m->stride;
}

/* Fill slot i with value, or empty it (value NULL). */
static void slot_set(anybpf_rtmap *m, uint32_t i, const void *value)
{
	struct slots *s = m->impl;
	abm_spin_lock(&s->lock);
	if (value) {
		memcpy(s->vals + (size_t)i * m->stride, value, m->value_size);
		atomic_store_explicit(&s->used[i], 1, memory_order_release);
	} else {
		atomic_store_explicit(&s->used[i], 0, memory_order_release);
	}
	abm_spin_unlock(&s->lock);
}

static int slots_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	struct slots *s = m->impl;
	uint32_t i = u32_at(key), v0 = u32_at(value);
	if (flags > ANYBPF_EXIST)
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	switch (m->type) {
	case ANYBPF_MAP_TYPE_DEVMAP:
		/* __dev_map_update_elem: every slot "exists" */
		if (flags == ANYBPF_NOEXIST)
			return -EEXIST;
		if (!v0) {
			if (m->value_size == 8 && (int32_t)u32_at((const uint8_t *)value + 4) > 0)
				return -EINVAL; /* no program without a device */
			slot_set(m, i, NULL);
			return 0;
		}
		break;
	case ANYBPF_MAP_TYPE_CPUMAP:
		if (flags == ANYBPF_NOEXIST)
			return -EEXIST;
		if (v0 > CPUMAP_MAX_QSIZE)
			return -EOVERFLOW;
		if (i >= m->ncpus)
			return -ENODEV; /* not a CPU we have */
		if (!v0) {
			slot_set(m, i, NULL); /* qsize 0: same as delete */
			return 0;
		}
		break;
	default: { /* xskmap */
		int used = atomic_load(&s->used[i]);
		if (used && flags == ANYBPF_NOEXIST)
			return -EEXIST;
		if (!used && flags == ANYBPF_EXIST)
			return -ENOENT;
		break;
	}
	}
	slot_set(m, i, value);
	return 0;
}

static int slots_delete(anybpf_rtmap *m, const void *key)
{
	uint32_t i = u32_at(key);
	if (i >= m->max_entries)
		return -EINVAL;
	slot_set(m, i, NULL); /* Linux: 0 whether or not the slot was set */
	return 0;
}

static int slots_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	struct slots *s = m->impl;
	uint32_t i = u32_at(key);
	if (m->type == ANYBPF_MAP_TYPE_XSKMAP)
		return -EOPNOTSUPP; /* xsk_map_lookup_elem_sys */
	abm_spin_lock(&s->lock);
	int used = i < m->max_entries && atomic_load(&s->used[i]);
	if (used)
		memcpy(value, s->vals + (size_t)i * m->stride, m->value_size);
	abm_spin_unlock(&s->lock);
	return used ? 0 : -ENOENT;
}

static int slots_next_key(anybpf_rtmap *m, const void *key, void *next)
{
	uint32_t i = key ? u32_at(key) : UINT32_MAX, n;
	if (i >= m->max_entries)
		n = 0;
	else if (i == m->max_entries - 1)
		return -ENOENT;
	else
		n = i + 1;
	memcpy(next, &n, 4);
	return 0;
}

#define SLOTS_OPS                              \
	.unsupported = -EOPNOTSUPP,            \
	.alloc_check = redirect_check,         \
	.alloc = slots_alloc,                  \
	.free = slots_free,                    \
	.lookup = slots_lookup,                \
	.sys_lookup = slots_sys_lookup,        \
	.sys_update = slots_update,            \
	.sys_delete = slots_delete,            \
	.get_next_key = slots_next_key

const struct abm_ops abm_devmap_ops = { SLOTS_OPS };
const struct abm_ops abm_cpumap_ops = { SLOTS_OPS };
const struct abm_ops abm_xskmap_ops = { SLOTS_OPS };

/* ---- devmap_hash ------------------------------------------------------- */

static void fill_dev(anybpf_rtmap *m, uint8_t *val, int is_new, const void *arg)
{
	(void)is_new;
	memcpy(val, arg, m->value_size);
}

/* __dev_map_hash_update_elem: NOEXIST is honoured, EXIST is not checked;
 * a device is required (ifindex 0 names none: -EINVAL). */
static int devhash_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	if (flags > ANYBPF_EXIST)
		return -EINVAL;
	if (!u32_at(value))
		return -EINVAL;
	return abm_hash_upsert(m, key, flags == ANYBPF_EXIST ? ANYBPF_ANY : flags, fill_dev, value);
}

static void *devhash_lookup(anybpf_rtmap *m, const void *key, unsigned cpu)
{
	(void)cpu;
	return abm_hash_find(m, key, 0);
}

static int devhash_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	return abm_hash_copy(m, key, value, m->value_size);
}

static int devhash_delete(anybpf_rtmap *m, const void *key)
{
	return abm_hash_remove(m, key, NULL, 0);
}

/* get_next_key over the hash core: the hash types' order */
static int devhash_next_key(anybpf_rtmap *m, const void *key, void *next)
{
	uint8_t **keys, **vals;
	long n = abm_hash_snapshot(m, &keys, &vals);
	if (n < 0)
		return (int)n;
	long at = 0;
	if (key)
		for (long i = 0; i < n; i++)
			if (!memcmp(keys[i], key, m->key_size)) {
				at = i + 1;
				break;
			}
	int err = -ENOENT;
	if (at < n) {
		memcpy(next, keys[at], m->key_size);
		err = 0;
	}
	ab_free(keys);
	ab_free(vals);
	return err;
}

const struct abm_ops abm_devmap_hash_ops = {
	.unsupported = -EOPNOTSUPP,
	.alloc_check = redirect_check,
	.alloc = abm_hash_alloc,
	.free = abm_hash_free,
	.lookup = devhash_lookup,
	.sys_lookup = devhash_sys_lookup,
	.sys_update = devhash_update,
	.sys_delete = devhash_delete,
	.get_next_key = devhash_next_key,
};
