/* map_perf.c - BPF_MAP_TYPE_PERF_EVENT_ARRAY with a userspace consumer.
 *
 * In Linux each slot holds a perf event fd whose ring buffer receives
 * bpf_perf_event_output() samples.  Here a slot is enabled by storing any
 * u32 in it (the "fd") and owns a byte FIFO of perf_buffer_size bytes;
 * a sample is stored as {u32 size, data} with size padded the way perf
 * pads raw samples (size + 4 a multiple of 8).  A full FIFO drops the
 * sample and counts it lost (-ENOSPC), as a full perf buffer does.
 * Each slot has its own spin lock: outputs to different slots (CPUs)
 * never contend. */
#include "common/common.h"
#include "map_internal.h"

#define PERF_DEFAULT_BUF (64u * 1024u)

struct pslot {
	abm_spin lock;
	int enabled;
	uint8_t *buf;
	size_t head, used;       /* FIFO of used bytes starting at head */
	uint64_t lost;
};

struct perf {
	size_t cap;
	struct pslot *s;
};

static int perf_check(const struct anybpf_rtmap_opts *o)
{
	/* fd_array_map_alloc_check, then array_map_alloc_check */
	if (o->value_size != 4 || (o->map_flags & (ANYBPF_F_RDONLY_PROG | ANYBPF_F_WRONLY_PROG)))
		return -EINVAL;
	if (o->max_entries == 0 || o->key_size != 4 ||
	    (o->map_flags & ~(ANYBPF_F_NUMA_NODE | ABM_ACCESS_MASK | ANYBPF_F_PRESERVE_ELEMS)))
		return -EINVAL;
	if (o->perf_buffer_size > ((size_t)1 << 30))
		return -E2BIG;
	return 0;
}

static int perf_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	struct perf *p = ab_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	m->impl = p;
	p->cap = o->perf_buffer_size ? o->perf_buffer_size : PERF_DEFAULT_BUF;
	p->s = ab_calloc(m->max_entries, sizeof(*p->s));
	return p->s ? 0 : -ENOMEM;
}

static void perf_free(anybpf_rtmap *m)
{
	struct perf *p = m->impl;
	if (p->s)
		for (uint32_t i = 0; i < m->max_entries; i++)
			ab_free(p->s[i].buf);
	ab_free(p->s);
	ab_free(p);
}

static void fifo_put(struct perf *p, struct pslot *s, const void *src, size_t n)
{
	size_t at = (s->head + s->used) % p->cap, first = p->cap - at;
	if (first > n)
		first = n;
	memcpy(s->buf + at, src, first);
	memcpy(s->buf, (const uint8_t *)src + first, n - first);
	s->used += n;
}

static void fifo_zero(struct perf *p, struct pslot *s, size_t n)
{
	static const uint8_t zeros[8];
	fifo_put(p, s, zeros, n);
}

static void fifo_get(struct perf *p, struct pslot *s, void *dst, size_t n)
{
	size_t first = p->cap - s->head;
	if (first > n)
		first = n;
	memcpy(dst, s->buf + s->head, first);
	memcpy((uint8_t *)dst + first, s->buf, n - first);
	s->head = (s->head + n) % p->cap;
	s->used -= n;
}

int anybpf_perf_event_output(anybpf_rtmap *map, uint64_t flags, const void *data,
			     uint64_t size, unsigned cpu)
{
	if (!map || map->type != ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return -EINVAL;
	if (flags & ~ANYBPF_F_INDEX_MASK)
		return -EINVAL;
	uint64_t index = flags & ANYBPF_F_INDEX_MASK;
	if (index == ANYBPF_F_CURRENT_CPU)
		index = cpu;
	if (index >= map->max_entries)
		return -E2BIG;
	struct perf *p = map->impl;
	struct pslot *s = &p->s[index];
	/* perf's raw sample: u32 size + data, padded to 8 bytes in all */
	uint64_t padded = ((size + 4 + 7) & ~7ull) - 4;
	int err = 0;
	abm_spin_lock(&s->lock);
	if (!s->enabled) {
		err = -ENOENT;
	} else if (padded > UINT32_MAX || 4 + padded > p->cap - s->used) {
		s->lost++;
		err = -ENOSPC;
	} else {
		uint32_t sz = (uint32_t)padded;
		fifo_put(p, s, &sz, 4);
		fifo_put(p, s, data, size);
		fifo_zero(p, s, padded - size);
	}
	abm_spin_unlock(&s->lock);
	return err;
}

int anybpf_perf_consume(anybpf_rtmap *map, anybpf_perf_sample_cb sample_cb,
			anybpf_perf_lost_cb lost_cb, void *ctx)
{
	if (!map || map->type != ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY || !sample_cb)
		return -EINVAL;
	struct perf *p = map->impl;
	uint8_t *tmp = ab_malloc(p->cap);
	if (!tmp)
		return -ENOMEM;
	int n = 0;
	for (uint32_t i = 0; i < map->max_entries; i++) {
		struct pslot *s = &p->s[i];
		for (;;) {
			uint32_t sz = 0;
			abm_spin_lock(&s->lock);
			int have = s->used >= 4;
			if (have) {
				fifo_get(p, s, &sz, 4);
				fifo_get(p, s, tmp, sz);
			}
			abm_spin_unlock(&s->lock);
			if (!have)
				break;
			sample_cb(ctx, i, tmp, sz);
			n++;
		}
		abm_spin_lock(&s->lock);
		uint64_t lost = s->lost;
		s->lost = 0;
		abm_spin_unlock(&s->lock);
		if (lost && lost_cb)
			lost_cb(ctx, i, lost);
	}
	ab_free(tmp);
	return n;
}

static int perf_sys_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	(void)value;
	struct perf *p = m->impl;
	uint32_t i;
	memcpy(&i, key, 4);
	if (flags != ANYBPF_ANY)
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	struct pslot *s = &p->s[i];
	uint8_t *buf = NULL;
	if (!s->buf && !(buf = ab_malloc(p->cap)))
		return -ENOMEM;
	abm_spin_lock(&s->lock);
	if (!s->buf) {
		s->buf = buf;
		buf = NULL;
	}
	s->enabled = 1;
	abm_spin_unlock(&s->lock);
	ab_free(buf);
	return 0;
}

/* Closing the event: its unread samples go with it. */
static int perf_sys_delete(anybpf_rtmap *m, const void *key)
{
	struct perf *p = m->impl;
	uint32_t i;
	memcpy(&i, key, 4);
	if (i >= m->max_entries)
		return -E2BIG;
	struct pslot *s = &p->s[i];
	abm_spin_lock(&s->lock);
	int was = s->enabled;
	s->enabled = 0;
	s->head = s->used = 0;
	abm_spin_unlock(&s->lock);
	return was ? 0 : -ENOENT;
}

static int perf_next_key(anybpf_rtmap *m, const void *key, void *next)
{
	uint32_t i = UINT32_MAX, n;
	if (key)
		memcpy(&i, key, 4);
	if (i >= m->max_entries)
		n = 0;
	else if (i == m->max_entries - 1)
		return -ENOENT;
	else
		n = i + 1;
	memcpy(next, &n, 4);
	return 0;
}

const struct abm_ops abm_perf_ops = {
	.unsupported = -ABM_ENOTSUPP,
	.alloc_check = perf_check,
	.alloc = perf_alloc,
	.free = perf_free,
	.sys_update = perf_sys_update,
	.sys_delete = perf_sys_delete,
	.get_next_key = perf_next_key,
};
