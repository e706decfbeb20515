/* map_hash.c - hash, percpu_hash, lru_hash, lru_percpu_hash, hash_of_maps
 * (and the store under the LPM trie).
 *
 * Layout: a power-of-two array of buckets, each a chain of elements; an
 * element is one allocation {links, hash, key, value area} with the value
 * 8-byte aligned.  Elements are made on demand up to max_entries (so
 * BPF_F_NO_PREALLOC changes nothing observable) and never freed before
 * the map: a deleted one goes to a free list and is reused, oldest first,
 * so a pointer a program got from a lookup always points into memory the
 * map owns (Linux's preallocated hash tables behave the same way) and
 * values never move.  The hash seed is fixed, so iteration order (and map
 * dumps) are reproducible.
 *
 * Concurrency, chosen for being simple and obviously correct:
 *  - writers (update, delete, get_next_key) serialize on one map-wide
 *    mutex, so an update can never lose an element to a racing one, the
 *    count and the LRU list need no further locking, and lock ordering is
 *    trivial (mutex, then at most one bucket lock at a time);
 *  - a chain is changed only with its bucket's spin lock held, and readers
 *    (program lookups, userspace lookups) take just that bucket lock for
 *    the walk: uncontended it costs one atomic exchange, and lookups of
 *    different buckets never contend.  A lock-free RCU-style reader would
 *    be faster but needs safe memory reclamation we do not have.
 * Values themselves are plain memory: programs use atomics on them.
 *
 * LRU: a list from most to least recently used, maintained by writers;
 * a program lookup only sets the element's `ref` bit.  When a full LRU map
 * needs room it takes elements off the cold end: one with its ref bit set
 * gets a second chance (moved to the hot end, bit cleared), the first one
 * without is evicted.  Like Linux's, this approximates LRU; with no
 * concurrent lookups it evicts exactly the least recently used element. */
#include <pthread.h>
#include <stdlib.h>

#include "common/common.h"
#include "map_internal.h"

#define HTAB_CREATE_FLAGS (ANYBPF_F_NO_PREALLOC | ANYBPF_F_NO_COMMON_LRU | ANYBPF_F_NUMA_NODE | \
			   ABM_ACCESS_MASK | ANYBPF_F_ZERO_SEED)
#define HTAB_ELEM_KSIZE 48u  /* sizeof(struct htab_elem) in the E2BIG rule */
#define MAX_BUCKETS (1u << 20)

struct helem {
	struct helem *next;              /* chain; bucket lock */
	struct helem *lru_prev, *lru_next; /* writers' mutex */
	struct helem *all_next;          /* every element, for freeing */
	uint32_t hash;
	atomic_uchar ref;                /* LRU: used since last looked at */
	/* key at KEY_OFF, value area at h->voff */
};

#define KEY_OFF ((sizeof(struct helem) + 7u) & ~(size_t)7u)

struct bucket {
	abm_spin lock;
	struct helem *head;
};

struct htab {
	struct bucket *b;
	uint32_t mask;
	pthread_mutex_t wlock;
	struct helem *free, *free_tail, *all;
	uint32_t count, nalloc;
	struct helem *hot, *cold;        /* LRU ends */
	size_t voff, vsize, elem_size;
	int lru;
};

static inline uint8_t *ekey(struct helem *e) { return (uint8_t *)e + KEY_OFF; }

static inline uint8_t *eval(const struct htab *h, struct helem *e)
{
	return (uint8_t *)e + h->voff;
}

static int is_lru(uint32_t t)
{
	return t == ANYBPF_MAP_TYPE_LRU_HASH || t == ANYBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int is_pcpu(uint32_t t)
{
	return t == ANYBPF_MAP_TYPE_PERCPU_HASH || t == ANYBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* htab_map_alloc_check (fd_htab_map_alloc_check first for hash_of_maps). */
static int hash_check(const struct anybpf_rtmap_opts *o)
{
	int lru = is_lru(o->type), percpu = is_pcpu(o->type);
	int prealloc = !(o->map_flags & ANYBPF_F_NO_PREALLOC);
	int percpu_lru = !!(o->map_flags & ANYBPF_F_NO_COMMON_LRU);
	if (o->type == ANYBPF_MAP_TYPE_HASH_OF_MAPS && o->value_size != 4)
		return -EINVAL;
	if (o->map_flags & ~HTAB_CREATE_FLAGS)
		return -EINVAL;
	if (!lru && percpu_lru)
		return -EINVAL;
	if (lru && !prealloc)
		return -ABM_ENOTSUPP;
	if ((o->map_flags & ANYBPF_F_NUMA_NODE) && (percpu || percpu_lru))
		return -EINVAL;
	if (o->max_entries == 0 || o->key_size == 0 || o->value_size == 0)
		return -EINVAL;
	/* (no key_size <= MAX_BPF_STACK rule since Linux 5.11) */
	if ((uint64_t)o->key_size + o->value_size >= ABM_KMALLOC_MAX - HTAB_ELEM_KSIZE)
		return -E2BIG;
	if (percpu && abm_round8(o->value_size) > ABM_PCPU_MIN_UNIT)
		return -E2BIG;
	if (o->max_entries > (1u << 31))
		return -E2BIG;
	return 0;
}

int abm_hash_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	(void)o;
	struct htab *h = ab_calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	m->impl = h;
	pthread_mutex_init(&h->wlock, NULL);
	h->lru = is_lru(m->type);
	if (is_pcpu(m->type))
		h->vsize = (size_t)m->stride * m->ncpus;
	else if (m->type == ANYBPF_MAP_TYPE_HASH_OF_MAPS)
		h->vsize = sizeof(_Atomic(anybpf_rtmap *));
	else if (m->type == ANYBPF_MAP_TYPE_LPM_TRIE)
		h->vsize = m->stride + abm_round8(m->key_size);
	else
		h->vsize = m->stride;
	h->voff = KEY_OFF + abm_round8(m->key_size);
	h->elem_size = h->voff + h->vsize;
	uint32_t n = 1;
	while (n < m->max_entries && n < MAX_BUCKETS)
		n <<= 1;
	h->mask = n - 1;
	h->b = ab_calloc(n, sizeof(*h->b));
	return h->b ? 0 : -ENOMEM;
}

static void of_maps_release(anybpf_rtmap *m, uint8_t *val)
{
	(void)m;
	abm_put(atomic_exchange((_Atomic(anybpf_rtmap *) *)val, NULL));
}

void abm_hash_free(anybpf_rtmap *m)
{
	struct htab *h = m->impl;
	if (h->b && m->type == ANYBPF_MAP_TYPE_HASH_OF_MAPS)
		for (uint32_t i = 0; i <= h->mask; i++)
			for (struct helem *e = h->b[i].head; e; e = e->next)
				of_maps_release(m, eval(h, e));
	for (struct helem *e = h->all, *n; e; e = n) {
		n = e->all_next;
		ab_free(e);
	}
	ab_free(h->b);
	pthread_mutex_destroy(&h->wlock);
	ab_free(h);
}

/* A 64-bit multiply-xorshift hash over the key bytes; the seed is fixed
 * so iteration order (and map dumps) are reproducible. */
static uint32_t hash_key(const void *key, uint32_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		p += 8;
		len -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static struct helem *chain_find(anybpf_rtmap *m, struct helem *e, const void *key, uint32_t hash)
{
	for (; e; e = e->next)
		if (e->hash == hash && !memcmp(ekey(e), key, m->key_size))
			return e;
	return NULL;
}

/* ---- LRU list (writers' mutex held) ------------------------------------- */

static void lru_unlink(struct htab *h, struct helem *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		h->hot = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		h->cold = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_hot(struct htab *h, struct helem *e)
{
	e->lru_prev = NULL;
	e->lru_next = h->hot;
	if (h->hot)
		h->hot->lru_prev = e;
	h->hot = e;
	if (!h->cold)
		h->cold = e;
	atomic_store_explicit(&e->ref, 0, memory_order_relaxed);
}

/* Unlink e from its bucket (writers' mutex held). */
static void chain_unlink(struct htab *h, struct helem *e)
{
	struct bucket *b = &h->b[e->hash & h->mask];
	abm_spin_lock(&b->lock);
	for (struct helem **pp = &b->head; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	abm_spin_unlock(&b->lock);
}

/* Second-chance eviction from the cold end; returns the freed element.
 * After a full round of second chances (programs may keep setting ref
 * bits meanwhile) the coldest element goes regardless. */
static struct helem *lru_evict(anybpf_rtmap *m, struct htab *h)
{
	for (uint32_t chances = 0;; chances++) {
		struct helem *e = h->cold;
		if (!e)
			return NULL;
		lru_unlink(h, e);
		if (chances < h->count && atomic_load_explicit(&e->ref, memory_order_relaxed)) {
			lru_push_hot(h, e);
			continue;
		}
		chain_unlink(h, e);
		if (m->type == ANYBPF_MAP_TYPE_HASH_OF_MAPS)
			of_maps_release(m, eval(h, e));
		h->count--;
		return e;
	}
}

/* Deleted elements are reused oldest first, and only once the map has
 * made max_entries of them: a program still holding a pointer into a
 * deleted element sees it reused as late as possible. */
static void free_push(struct htab *h, struct helem *e)
{
	e->next = NULL;
	if (h->free_tail)
		h->free_tail->next = e;
	else
		h->free = e;
	h->free_tail = e;
}

static struct helem *elem_get(anybpf_rtmap *m, struct htab *h)
{
	struct helem *e;
	if (h->count >= m->max_entries) {
		if (!h->lru)
			return NULL;
		e = lru_evict(m, h);
		if (!e)
			return NULL;
	} else if (h->nalloc < m->max_entries || !h->free) {
		e = ab_malloc(h->elem_size);
		if (!e)
			return NULL;
		e->all_next = h->all;
		h->all = e;
		h->nalloc++;
	} else {
		e = h->free;
		h->free = e->next;
		if (!h->free)
			h->free_tail = NULL;
	}
	return e;
}

int abm_hash_upsert(anybpf_rtmap *m, const void *key, uint64_t flags,
		    abm_fill_fn fill, const void *arg)
{
	struct htab *h = m->impl;
	if ((flags & ~ANYBPF_F_LOCK) > ANYBPF_EXIST)
		return -EINVAL;
	uint32_t hash = hash_key(key, m->key_size);
	struct bucket *b = &h->b[hash & h->mask];
	int err = 0;
	pthread_mutex_lock(&h->wlock);
	struct helem *e = chain_find(m, b->head, key, hash);
	if (e && (flags & ANYBPF_NOEXIST)) {
		err = -EEXIST;
	} else if (!e && (flags & ANYBPF_EXIST)) {
		err = -ENOENT;
	} else if (e) {
		fill(m, eval(h, e), 0, arg);
		if (h->lru) {
			lru_unlink(h, e);
			lru_push_hot(h, e);
		}
	} else {
		int full = h->count >= m->max_entries;
		e = elem_get(m, h);
		if (!e) {
			err = full ? -E2BIG : -ENOMEM;
		} else {
			e->hash = hash;
			e->lru_prev = e->lru_next = NULL;
			atomic_init(&e->ref, 0);
			memcpy(ekey(e), key, m->key_size);
			memset(eval(h, e), 0, h->vsize);
			fill(m, eval(h, e), 1, arg);
			abm_spin_lock(&b->lock);
			e->next = b->head;
			b->head = e;
			abm_spin_unlock(&b->lock);
			h->count++;
			if (h->lru)
				lru_push_hot(h, e);
		}
	}
	pthread_mutex_unlock(&h->wlock);
	return err;
}

uint8_t *abm_hash_find(anybpf_rtmap *m, const void *key, int touch)
{
	struct htab *h = m->impl;
	uint32_t hash = hash_key(key, m->key_size);
	struct bucket *b = &h->b[hash & h->mask];
	abm_spin_lock(&b->lock);
	struct helem *e = chain_find(m, b->head, key, hash);
	if (e && touch && h->lru && !atomic_load_explicit(&e->ref, memory_order_relaxed))
		atomic_store_explicit(&e->ref, 1, memory_order_relaxed);
	abm_spin_unlock(&b->lock);
	return e ? eval(h, e) : NULL;
}

int abm_hash_copy(anybpf_rtmap *m, const void *key, void *out, size_t n)
{
	struct htab *h = m->impl;
	uint32_t hash = hash_key(key, m->key_size);
	struct bucket *b = &h->b[hash & h->mask];
	abm_spin_lock(&b->lock);
	struct helem *e = chain_find(m, b->head, key, hash);
	if (e)
		memcpy(out, eval(h, e), n);
	abm_spin_unlock(&b->lock);
	return e ? 0 : -ENOENT;
}

int abm_hash_remove(anybpf_rtmap *m, const void *key, void *out, size_t n)
{
	struct htab *h = m->impl;
	uint32_t hash = hash_key(key, m->key_size);
	struct bucket *b = &h->b[hash & h->mask];
	pthread_mutex_lock(&h->wlock);
	struct helem *e = chain_find(m, b->head, key, hash);
	if (e) {
		if (out)
			memcpy(out, eval(h, e), n);
		chain_unlink(h, e);
		if (h->lru)
			lru_unlink(h, e);
		if (m->type == ANYBPF_MAP_TYPE_HASH_OF_MAPS)
			of_maps_release(m, eval(h, e));
		free_push(h, e);
		h->count--;
	}
	pthread_mutex_unlock(&h->wlock);
	return e ? 0 : -ENOENT;
}

uint32_t abm_hash_count(anybpf_rtmap *m)
{
	struct htab *h = m->impl;
	pthread_mutex_lock(&h->wlock);
	uint32_t n = h->count;
	pthread_mutex_unlock(&h->wlock);
	return n;
}

void abm_hash_writers_lock(anybpf_rtmap *m)
{
	pthread_mutex_lock(&((struct htab *)m->impl)->wlock);
}

void abm_hash_writers_unlock(anybpf_rtmap *m)
{
	pthread_mutex_unlock(&((struct htab *)m->impl)->wlock);
}

long abm_hash_snapshot(anybpf_rtmap *m, uint8_t ***keys, uint8_t ***vals)
{
	struct htab *h = m->impl;
	*keys = *vals = NULL;
	pthread_mutex_lock(&h->wlock);
	size_t n = h->count, i = 0;
	uint8_t **k = ab_malloc((n ? n : 1) * sizeof(*k));
	uint8_t **v = ab_malloc((n ? n : 1) * sizeof(*v));
	if (k && v)
		for (uint32_t bi = 0; bi <= h->mask; bi++)
			for (struct helem *e = h->b[bi].head; e && i < n; e = e->next) {
				k[i] = ekey(e);
				v[i++] = eval(h, e);
			}
	pthread_mutex_unlock(&h->wlock);
	if (!k || !v) {
		ab_free(k);
		ab_free(v);
		return -ENOMEM;
	}
	*keys = k;
	*vals = v;
	return (long)i;
}

/* ---- the hash types' ops ------------------------------------------------ */

struct fill_arg {
	const void *value;
	unsigned cpu;
};

/* A program's update: the value, or this CPU's slot (a new element's
 * other slots stay zero, as pcpu_init_value does). */
static void fill_prog(anybpf_rtmap *m, uint8_t *val, int is_new, const void *arg)
{
	(void)is_new;
	const struct fill_arg *a = arg;
	size_t off = is_pcpu(m->type) ? (size_t)a->cpu * m->stride : 0;
	memcpy(val + off, a->value, m->value_size);
}

/* Userspace's update: per-CPU maps take every CPU's slot. */
static void fill_sys(anybpf_rtmap *m, uint8_t *val, int is_new, const void *arg)
{
	(void)is_new;
	const struct fill_arg *a = arg;
	if (!is_pcpu(m->type)) {
		memcpy(val, a->value, m->value_size);
		return;
	}
	for (unsigned c = 0; c < m->ncpus; c++)
		memcpy(val + (size_t)c * m->stride, (const uint8_t *)a->value + (size_t)c * m->stride,
		       m->value_size);
}

static int hash_update(anybpf_rtmap *m, const void *key, const void *value,
		       uint64_t flags, unsigned cpu)
{
	if (is_pcpu(m->type) && cpu >= m->ncpus)
		return -EINVAL;
	struct fill_arg a = { value, cpu };
	return abm_hash_upsert(m, key, flags, fill_prog, &a);
}

static int hash_sys_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	struct fill_arg a = { value, 0 };
	return abm_hash_upsert(m, key, flags, fill_sys, &a);
}

static void *hash_lookup(anybpf_rtmap *m, const void *key, unsigned cpu)
{
	if (is_pcpu(m->type) && cpu >= m->ncpus)
		return NULL;
	uint8_t *v = abm_hash_find(m, key, 1);
	if (v && is_pcpu(m->type))
		v += (size_t)cpu * m->stride;
	return v;
}

static size_t sys_size(anybpf_rtmap *m)
{
	return is_pcpu(m->type) ? (size_t)m->stride * m->ncpus : m->value_size;
}

static int hash_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	return abm_hash_copy(m, key, value, sys_size(m));
}

static int hash_delete(anybpf_rtmap *m, const void *key)
{
	return abm_hash_remove(m, key, NULL, 0);
}

static int hash_lookup_and_delete(anybpf_rtmap *m, const void *key, void *value)
{
	return abm_hash_remove(m, key, value, sys_size(m));
}

/* htab_map_get_next_key: the element after key in table order; the first
 * one when key is NULL or not in the map; -ENOENT after the last. */
static int hash_next_key(anybpf_rtmap *m, const void *key, void *next)
{
	struct htab *h = m->impl;
	struct helem *e = NULL;
	uint32_t bi = 0;
	pthread_mutex_lock(&h->wlock);
	if (key) {
		uint32_t hash = hash_key(key, m->key_size);
		struct helem *cur = chain_find(m, h->b[hash & h->mask].head, key, hash);
		if (cur) {
			e = cur->next;
			bi = (hash & h->mask) + 1;
		}
	}
	for (; !e && bi <= h->mask; bi++)
		e = h->b[bi].head;
	if (e)
		memcpy(next, ekey(e), m->key_size);
	pthread_mutex_unlock(&h->wlock);
	return e ? 0 : -ENOENT;
}

/* bpf_for_each_map_elem over a snapshot, so the callback may update or
 * delete elements of this very map (Linux allows it for hash maps). */
static long hash_for_each(anybpf_rtmap *m, anybpf_rtmap_elem_cb cb, void *ctx, unsigned cpu)
{
	if (is_pcpu(m->type) && cpu >= m->ncpus)
		return -EINVAL;
	uint8_t **keys, **vals;
	long n = abm_hash_snapshot(m, &keys, &vals), i;
	if (n < 0)
		return n;
	size_t off = is_pcpu(m->type) ? (size_t)cpu * m->stride : 0;
	long visited = 0;
	for (i = 0; i < n; i++) {
		visited++;
		if (cb(m, keys[i], vals[i] + off, ctx))
			break;
	}
	ab_free(keys);
	ab_free(vals);
	return visited;
}

#define HASH_OPS                                          \
	.unsupported = -EINVAL,                           \
	.alloc_check = hash_check,                        \
	.alloc = abm_hash_alloc,                          \
	.free = abm_hash_free,                            \
	.lookup = hash_lookup,                            \
	.update = hash_update,                            \
	.delete = hash_delete,                            \
	.for_each = hash_for_each,                        \
	.sys_lookup = hash_sys_lookup,                    \
	.sys_update = hash_sys_update,                    \
	.sys_delete = hash_delete,                        \
	.sys_lookup_and_delete = hash_lookup_and_delete,  \
	.get_next_key = hash_next_key

const struct abm_ops abm_hash_ops = { HASH_OPS };
const struct abm_ops abm_percpu_hash_ops = { HASH_OPS };
const struct abm_ops abm_lru_hash_ops = { HASH_OPS };
const struct abm_ops abm_lru_percpu_hash_ops = { HASH_OPS };

/* ---- hash_of_maps: the value area holds the inner map ------------------ */

static void fill_inner(anybpf_rtmap *m, uint8_t *val, int is_new, const void *arg)
{
	(void)m;
	(void)is_new;
	anybpf_rtmap *in = (anybpf_rtmap *)arg;
	abm_put(atomic_exchange((_Atomic(anybpf_rtmap *) *)val, in));
}

static int hom_sys_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	uint32_t id;
	anybpf_rtmap *in;
	if ((flags & ~ANYBPF_F_LOCK) > ANYBPF_EXIST)
		return -EINVAL;
	memcpy(&id, value, 4);
	int err = abm_inner_get(m, id, &in);
	if (err)
		return err;
	err = abm_hash_upsert(m, key, flags, fill_inner, in);
	if (err)
		abm_put(in);
	return err;
}

static void *hom_lookup(anybpf_rtmap *m, const void *key, unsigned cpu)
{
	(void)cpu;
	uint8_t *v = abm_hash_find(m, key, 1);
	return v ? atomic_load((_Atomic(anybpf_rtmap *) *)v) : NULL;
}

/* Userspace reads the inner map's id, with the writers held off: they
 * release replaced inner maps. */
static int hom_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	anybpf_rtmap *in = NULL;
	abm_hash_writers_lock(m);
	int err = abm_hash_copy(m, key, &in, sizeof(in));
	uint32_t id = in ? in->id : 0;
	abm_hash_writers_unlock(m);
	if (err)
		return err;
	memcpy(value, &id, 4);
	return 0;
}

const struct abm_ops abm_hash_of_maps_ops = {
	.unsupported = -EOPNOTSUPP,
	.alloc_check = hash_check,
	.alloc = abm_hash_alloc,
	.free = abm_hash_free,
	.lookup = hom_lookup,
	.sys_lookup = hom_sys_lookup,
	.sys_update = hom_sys_update,
	.sys_delete = hash_delete,
	.get_next_key = hash_next_key,
};
