/* map_internal.h - the map runtime's shared parts: the live map, the ops
 * table every type fills in (maps.def lists them), a tiny spin lock.
 *
 * Errors here are negative errno values, as Linux's bpf(2) returns them
 * (see the Maps section of anybpf.h). */
#ifndef ANYBPF_MAP_INTERNAL_H
#define ANYBPF_MAP_INTERNAL_H

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "anybpf.h"

#define ABM_ENOTSUPP        ANYBPF_ENOTSUPP
#define ABM_KMALLOC_MAX     (1u << 22)  /* x86-64 KMALLOC_MAX_SIZE */
#define ABM_PCPU_MIN_UNIT   32768u      /* PCPU_MIN_UNIT_SIZE */
#define ABM_PAGE_SIZE       4096u
#define ABM_ACCESS_MASK     (ANYBPF_F_RDONLY | ANYBPF_F_WRONLY | \
			     ANYBPF_F_RDONLY_PROG | ANYBPF_F_WRONLY_PROG)

static inline uint32_t abm_round8(uint32_t n) { return (n + 7u) & ~7u; }

/* A test-and-test-and-set spin lock for short critical sections (a bucket
 * walk, a queue slot copy); yields after a while so two threads on two
 * cores under a sanitizer don't starve each other. */
typedef atomic_uint abm_spin;

static inline void abm_spin_lock(abm_spin *l)
{
	unsigned spins = 0;
	while (atomic_exchange_explicit(l, 1, memory_order_acquire)) {
		while (atomic_load_explicit(l, memory_order_relaxed))
			if (++spins > 64)
				sched_yield();
	}
}

static inline void abm_spin_unlock(abm_spin *l)
{
	atomic_store_explicit(l, 0, memory_order_release);
}

struct abm_ops;

struct anybpf_rtmap {
	const struct abm_ops *ops;
	const char *type_name;
	uint32_t type, key_size, value_size, max_entries, flags;
	uint32_t stride;          /* value_size rounded up to 8 */
	unsigned ncpus;
	uint32_t id;
	char *name;
	atomic_int refs;          /* the creator's + one per outer map slot */
	atomic_int frozen;
	/* of-maps: the template inner maps must match */
	uint32_t in_type, in_key, in_value, in_max, in_flags;
	void *impl;               /* the type's own state */
	void *ext;                /* more of it (the LPM trie's, over a hash) */
};

/* One table per type; a NULL entry answers `unsupported`. */
struct abm_ops {
	int unsupported;          /* errno for NULL entries (negative) */
	int (*alloc_check)(const struct anybpf_rtmap_opts *o);
	int (*alloc)(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o);
	void (*free)(anybpf_rtmap *m);
	/* program side */
	void *(*lookup)(anybpf_rtmap *m, const void *key, unsigned cpu);
	int (*update)(anybpf_rtmap *m, const void *key, const void *value,
		      uint64_t flags, unsigned cpu);
	int (*delete)(anybpf_rtmap *m, const void *key);
	long (*for_each)(anybpf_rtmap *m, anybpf_rtmap_elem_cb cb, void *ctx,
			 unsigned cpu);
	/* userspace side (value buffers of anybpf_rtmap_value_buf_size) */
	int (*sys_lookup)(anybpf_rtmap *m, const void *key, void *value);
	int (*sys_update)(anybpf_rtmap *m, const void *key, const void *value,
			  uint64_t flags);
	int (*sys_delete)(anybpf_rtmap *m, const void *key);
	int (*sys_lookup_and_delete)(anybpf_rtmap *m, const void *key, void *value);
	int (*get_next_key)(anybpf_rtmap *m, const void *key, void *next);
	/* queue / stack */
	int (*push)(anybpf_rtmap *m, const void *value, uint64_t flags);
	int (*pop)(anybpf_rtmap *m, void *value);
	int (*peek)(anybpf_rtmap *m, void *value);
};

/* `none` rows of maps.def point at abm_none_ops (every entry NULL). */
#define none abm_none_ops
extern const struct abm_ops abm_none_ops;
#define X(num, NAME, name, ops) extern const struct abm_ops ops;
#include "maps.def"
#undef X
#undef none

/* map.c: BPF_F_RDONLY and BPF_F_WRONLY (or their _PROG pair) together. */
int abm_flags_access_ok(uint32_t flags);
/* Of-maps: take a reference on the map with that id if it matches the
 * outer map's template; -EBADF (no such map), -EINVAL (mismatch). */
int abm_inner_get(anybpf_rtmap *outer, uint32_t id, anybpf_rtmap **inner);
void abm_put(anybpf_rtmap *m);

/* map_hash.c: the hash table core, also the LPM trie's store.  An
 * element's "value area" is what the type keeps per key: the value, the
 * ncpus slots of a per-CPU value, an inner map pointer, or (LPM) the
 * value followed by the key as given. */
int abm_hash_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o);
void abm_hash_free(anybpf_rtmap *m);
/* Fill a value area: is_new says the element was just made (zeroed). */
typedef void (*abm_fill_fn)(anybpf_rtmap *m, uint8_t *val, int is_new, const void *arg);
/* Insert or replace under BPF_ANY/NOEXIST/EXIST rules: -EINVAL (flags),
 * -EEXIST, -ENOENT, -E2BIG (full, not LRU), -ENOMEM. */
int abm_hash_upsert(anybpf_rtmap *m, const void *key, uint64_t flags,
		    abm_fill_fn fill, const void *arg);
/* The value area of key, or NULL; `touch` marks it used (LRU). */
uint8_t *abm_hash_find(anybpf_rtmap *m, const void *key, int touch);
/* Copy n bytes of key's value area out: 0 or -ENOENT. */
int abm_hash_copy(anybpf_rtmap *m, const void *key, void *out, size_t n);
/* Unlink key: 0 or -ENOENT; `out` (if not NULL) gets n bytes first. */
int abm_hash_remove(anybpf_rtmap *m, const void *key, void *out, size_t n);
/* Snapshot of the live elements (in table order): *keys and *vals are
 * ab_malloc'd arrays of pointers into the elements; returns the count or
 * -ENOMEM.  Elements are never freed before the map, so the pointers stay
 * valid (a concurrently deleted element is simply stale). */
long abm_hash_snapshot(anybpf_rtmap *m, uint8_t ***keys, uint8_t ***vals);
uint32_t abm_hash_count(anybpf_rtmap *m);
/* Hold off the writers (update, delete): e.g. to read an inner map that
 * a racing update would otherwise release. */
void abm_hash_writers_lock(anybpf_rtmap *m);
void abm_hash_writers_unlock(anybpf_rtmap *m);

#endif
