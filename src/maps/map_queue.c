/* map_queue.c - queue (FIFO) and stack (LIFO): key_size 0, a ring of
 * max_entries values under a spin lock (Linux uses a raw spin lock too).
 * Values are copied in and out, so nothing here hands out pointers.
 *
 * push: BPF_ANY fails with -E2BIG when full; BPF_EXIST then overwrites the
 * oldest value; BPF_NOEXIST is -EINVAL.  pop/peek: -ENOENT when empty
 * (and the value zeroed).
 * From userspace, lookup is peek, update is push, lookup_and_delete pop. */
#include "common/common.h"
#include "map_internal.h"

#define QS_CREATE_FLAGS (ANYBPF_F_NUMA_NODE | ABM_ACCESS_MASK)

struct qs {
	abm_spin lock;
	uint32_t head;   /* index of the oldest value */
	uint32_t count;
	uint8_t *vals;
};

/* queue_stack_map_alloc_check */
static int qs_check(const struct anybpf_rtmap_opts *o)
{
	if (o->max_entries == 0 || o->key_size != 0 || o->value_size == 0 ||
	    (o->map_flags & ~QS_CREATE_FLAGS))
		return -EINVAL;
	if (o->value_size > ABM_KMALLOC_MAX)
		return -E2BIG;
	return 0;
}

static int qs_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	(void)o;
	struct qs *q = ab_calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	m->impl = q;
	q->vals = ab_calloc(m->max_entries, m->stride);
	return q->vals ? 0 : -ENOMEM;
}

static void qs_free(anybpf_rtmap *m)
{
	struct qs *q = m->impl;
	ab_free(q->vals);
	ab_free(q);
}

static uint8_t *at(anybpf_rtmap *m, struct qs *q, uint32_t i)
{
	return q->vals + (size_t)((q->head + i) % m->max_entries) * m->stride;
}

static int qs_push(anybpf_rtmap *m, const void *value, uint64_t flags)
{
	struct qs *q = m->impl;
	if ((flags & ANYBPF_NOEXIST) || flags > ANYBPF_EXIST)
		return -EINVAL;
	int err = 0;
	abm_spin_lock(&q->lock);
	if (q->count == m->max_entries) {
		if (!(flags & ANYBPF_EXIST)) {
			err = -E2BIG;
			goto out;
		}
		q->head = (q->head + 1) % m->max_entries; /* drop the oldest */
		q->count--;
	}
	memcpy(at(m, q, q->count), value, m->value_size);
	q->count++;
out:
	abm_spin_unlock(&q->lock);
	return err;
}

/* The value pop/peek takes: the oldest (queue) or the newest (stack). */
static int qs_take(anybpf_rtmap *m, void *value, int remove)
{
	struct qs *q = m->impl;
	int stack = m->type == ANYBPF_MAP_TYPE_STACK;
	abm_spin_lock(&q->lock);
	if (!q->count) {
		abm_spin_unlock(&q->lock);
		memset(value, 0, m->value_size); /* as Linux does */
		return -ENOENT;
	}
	uint8_t *v = stack ? at(m, q, q->count - 1) : at(m, q, 0);
	memcpy(value, v, m->value_size);
	if (remove) {
		if (!stack)
			q->head = (q->head + 1) % m->max_entries;
		q->count--;
	}
	abm_spin_unlock(&q->lock);
	return 0;
}

static int qs_pop(anybpf_rtmap *m, void *value) { return qs_take(m, value, 1); }
static int qs_peek(anybpf_rtmap *m, void *value) { return qs_take(m, value, 0); }

static void *qs_lookup(anybpf_rtmap *m, const void *key, unsigned cpu)
{
	(void)m;
	(void)key;
	(void)cpu;
	return NULL;
}

static int qs_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	(void)key;
	return qs_peek(m, value);
}

static int qs_sys_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	(void)key;
	return qs_push(m, value, flags);
}

static int qs_sys_pop(anybpf_rtmap *m, const void *key, void *value)
{
	(void)key;
	return qs_pop(m, value);
}

#define QS_OPS                                 \
	.unsupported = -EINVAL,                \
	.alloc_check = qs_check,               \
	.alloc = qs_alloc,                     \
	.free = qs_free,                       \
	.lookup = qs_lookup,                   \
	.sys_lookup = qs_sys_lookup,           \
	.sys_update = qs_sys_update,           \
	.sys_lookup_and_delete = qs_sys_pop,   \
	.push = qs_push,                       \
	.pop = qs_pop,                         \
	.peek = qs_peek

const struct abm_ops abm_queue_ops = { QS_OPS };
const struct abm_ops abm_stack_ops = { QS_OPS };
