/* map_stacktrace.c - BPF_MAP_TYPE_STACK_TRACE: stack ids to stacks of
 * u64 addresses, filled by bpf_get_stackid() (anybpf_rtmap_stackid()).
 *
 * As in Linux: a power-of-two number of buckets indexed by a hash of the
 * stack, one stack per bucket; the same stack gets the same id, a
 * different stack hashing to a taken bucket is -EEXIST unless
 * BPF_F_REUSE_STACKID replaces it.  Userspace reads a stack by id (the
 * rest of the value zeroed), deletes it, and walks the ids in order;
 * userspace updates are -EINVAL.  A bucket's stack is copied under the
 * map's spin lock. */
#include "common/common.h"
#include "map_internal.h"

#define STACK_BUILD_ID      (1u << 5)   /* BPF_F_STACK_BUILD_ID */
#define BUILD_ID_SIZE       32u         /* sizeof(struct bpf_stack_build_id) */
#define MAX_STACK           127u        /* sysctl_perf_event_max_stack */
#define F_SKIP_FIELD_MASK   0xffull
#define F_USER_STACK        (1ull << 8)
#define F_FAST_STACK_CMP    (1ull << 9)
#define F_REUSE_STACKID     (1ull << 10)

struct stk {
	abm_spin lock;
	uint32_t nbuckets;
	uint32_t *nr;        /* addresses in bucket i; 0: empty */
	uint64_t *ips;       /* nbuckets * value_size / 8 */
};

static int stk_check(const struct anybpf_rtmap_opts *o)
{
	uint32_t vs = o->value_size;
	if (o->map_flags & ~(ANYBPF_F_NUMA_NODE | ABM_ACCESS_MASK | STACK_BUILD_ID))
		return -EINVAL;
	if (o->max_entries == 0 || o->key_size != 4 || vs < 8 || vs % 8)
		return -EINVAL;
	if (o->map_flags & STACK_BUILD_ID) {
		if (vs % BUILD_ID_SIZE || vs / BUILD_ID_SIZE > MAX_STACK)
			return -EINVAL;
	} else if (vs / 8 > MAX_STACK) {
		return -EINVAL;
	}
	if (o->max_entries > (1u << 31))
		return -E2BIG;
	return 0;
}

static int stk_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	(void)o;
	struct stk *s = ab_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	m->impl = s;
	uint32_t n = 1;
	while (n < m->max_entries)
		n <<= 1;
	s->nbuckets = n;
	s->nr = ab_calloc(n, sizeof(*s->nr));
	s->ips = ab_calloc(n, m->value_size);
	return s->nr && s->ips ? 0 : -ENOMEM;
}

static void stk_free(anybpf_rtmap *m)
{
	struct stk *s = m->impl;
	ab_free(s->nr);
	ab_free(s->ips);
	ab_free(s);
}

static uint32_t stack_hash(const uint64_t *ips, uint32_t nr)
{
	uint64_t h = 0x84222325cbf29ce4ull ^ nr;
	for (uint32_t i = 0; i < nr; i++) {
		h = (h ^ ips[i]) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

int64_t anybpf_rtmap_stackid(anybpf_rtmap *map, const uint64_t *ips, uint32_t nr,
			     uint64_t flags)
{
	if (!map || map->type != ANYBPF_MAP_TYPE_STACK_TRACE)
		return -EINVAL;
	if (flags & ~(F_SKIP_FIELD_MASK | F_USER_STACK | F_FAST_STACK_CMP | F_REUSE_STACKID))
		return -EINVAL;
	if (map->flags & STACK_BUILD_ID)
		return -EOPNOTSUPP; /* no build ids without ELF images of the callers */
	struct stk *s = map->impl;
	uint32_t skip = (uint32_t)(flags & F_SKIP_FIELD_MASK);
	if (nr <= skip)
		return -EFAULT; /* no stack left after skipping */
	ips += skip;
	nr -= skip;
	if (nr > map->value_size / 8)
		nr = map->value_size / 8;
	uint32_t id = stack_hash(ips, nr) & (s->nbuckets - 1);
	uint64_t *slot = s->ips + (size_t)id * (map->value_size / 8);
	int64_t ret = id;
	abm_spin_lock(&s->lock);
	if (s->nr[id] == nr && !memcmp(slot, ips, (size_t)nr * 8)) {
		/* the same stack: the same id */
	} else if (s->nr[id] && !(flags & F_REUSE_STACKID)) {
		ret = -EEXIST;
	} else {
		memcpy(slot, ips, (size_t)nr * 8);
		s->nr[id] = nr;
	}
	abm_spin_unlock(&s->lock);
	return ret;
}

static int stk_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	struct stk *s = m->impl;
	uint32_t id;
	memcpy(&id, key, 4);
	if (id >= s->nbuckets)
		return -ENOENT;
	abm_spin_lock(&s->lock);
	uint32_t nr = s->nr[id];
	if (nr) {
		memcpy(value, s->ips + (size_t)id * (m->value_size / 8), (size_t)nr * 8);
		memset((uint8_t *)value + (size_t)nr * 8, 0, m->value_size - (size_t)nr * 8);
	}
	abm_spin_unlock(&s->lock);
	return nr ? 0 : -ENOENT;
}

static int stk_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	(void)m;
	(void)key;
	(void)value;
	(void)flags;
	return -EINVAL;
}

static int stk_delete(anybpf_rtmap *m, const void *key)
{
	struct stk *s = m->impl;
	uint32_t id;
	memcpy(&id, key, 4);
	if (id >= s->nbuckets)
		return -E2BIG;
	abm_spin_lock(&s->lock);
	uint32_t had = s->nr[id];
	s->nr[id] = 0;
	abm_spin_unlock(&s->lock);
	return had ? 0 : -ENOENT;
}

/* stack_map_get_next_key: the next taken id after key (from 0 when key is
 * NULL, out of range or empty). */
static int stk_next_key(anybpf_rtmap *m, const void *key, void *next)
{
	struct stk *s = m->impl;
	uint32_t id = 0;
	abm_spin_lock(&s->lock);
	if (key) {
		memcpy(&id, key, 4);
		id = id >= s->nbuckets || !s->nr[id] ? 0 : id + 1;
	}
	while (id < s->nbuckets && !s->nr[id])
		id++;
	abm_spin_unlock(&s->lock);
	if (id >= s->nbuckets)
		return -ENOENT;
	memcpy(next, &id, 4);
	return 0;
}

const struct abm_ops abm_stack_trace_ops = {
	.unsupported = -EOPNOTSUPP,
	.alloc_check = stk_check,
	.alloc = stk_alloc,
	.free = stk_free,
	.sys_lookup = stk_sys_lookup,
	.sys_update = stk_update,
	.sys_delete = stk_delete,
	.delete = stk_delete,
	.get_next_key = stk_next_key,
};
