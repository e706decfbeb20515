/* map_bloom.c - BPF_MAP_TYPE_BLOOM_FILTER: key_size 0; push adds a value,
 * peek answers "maybe present" (0) or "certainly absent" (-ENOENT).
 *
 * As in Linux: map_extra's low 4 bits give the number of hash functions
 * (0: 5); the bit array holds max_entries * nr_hashes / ln 2 bits rounded
 * up to a power of two; push only takes BPF_ANY; pop, delete and
 * get_next_key are -EOPNOTSUPP.  From userspace, update is push and
 * lookup is peek with the value as input.  Bits are set with atomic ORs,
 * so pushes and peeks need no lock. */
#include "common/common.h"
#include "map_internal.h"

#define BLOOM_CREATE_FLAGS (ANYBPF_F_NUMA_NODE | ANYBPF_F_ZERO_SEED | ABM_ACCESS_MASK)

struct bloom {
	uint32_t nr_hashes;
	uint64_t mask;           /* bits - 1 */
	_Atomic uint64_t *bits;
};

static int bloom_check(const struct anybpf_rtmap_opts *o)
{
	if (o->key_size || !o->value_size || !o->max_entries ||
	    (o->map_flags & ~BLOOM_CREATE_FLAGS) || (o->map_extra & ~0xfull))
		return -EINVAL;
	if (o->value_size > ABM_KMALLOC_MAX)
		return -E2BIG;
	return 0;
}

static int bloom_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	struct bloom *b = ab_calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	m->impl = b;
	b->nr_hashes = (uint32_t)(o->map_extra & 0xf);
	if (!b->nr_hashes)
		b->nr_hashes = 5;
	/* bits = max_entries * nr_hashes / ln(2), as 7/5 (1.4 >= 1/ln 2) */
	uint64_t want = (uint64_t)m->max_entries * b->nr_hashes * 7 / 5, nbits = 64;
	while (nbits < want && nbits < (1ull << 32))
		nbits <<= 1;
	b->mask = nbits - 1;
	b->bits = ab_calloc(nbits / 64, sizeof(*b->bits));
	return b->bits ? 0 : -ENOMEM;
}

static void bloom_free(anybpf_rtmap *m)
{
	struct bloom *b = m->impl;
	ab_free((void *)b->bits);
	ab_free(b);
}

/* Hash i of the value: two 64-bit mixes combined (Kirsch-Mitzenmacher). */
static uint64_t bloom_hash(const uint8_t *v, uint32_t len, uint32_t i)
{
	uint64_t h1 = 0x9e3779b97f4a7c15ull ^ len, h2 = 0xc2b2ae3d27d4eb4full;
	for (uint32_t k = 0; k < len; k++) {
		h1 = (h1 ^ v[k]) * 0x100000001b3ull;
		h2 = (h2 + v[k]) * 0xff51afd7ed558ccdull;
		h2 ^= h2 >> 31;
	}
	h1 ^= h1 >> 33;
	return h1 + i * (h2 | 1);
}

static int bloom_push(anybpf_rtmap *m, const void *value, uint64_t flags)
{
	struct bloom *b = m->impl;
	if (flags != ANYBPF_ANY)
		return -EINVAL;
	for (uint32_t i = 0; i < b->nr_hashes; i++) {
		uint64_t bit = bloom_hash(value, m->value_size, i) & b->mask;
		atomic_fetch_or_explicit(&b->bits[bit / 64], 1ull << (bit % 64),
					 memory_order_relaxed);
	}
	return 0;
}

static int bloom_peek(anybpf_rtmap *m, void *value)
{
	struct bloom *b = m->impl;
	for (uint32_t i = 0; i < b->nr_hashes; i++) {
		uint64_t bit = bloom_hash(value, m->value_size, i) & b->mask;
		if (!(atomic_load_explicit(&b->bits[bit / 64], memory_order_relaxed) &
		      (1ull << (bit % 64))))
			return -ENOENT;
	}
	return 0;
}

static int bloom_pop(anybpf_rtmap *m, void *value)
{
	(void)m;
	(void)value;
	return -EOPNOTSUPP;
}

static int bloom_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	(void)key;
	return bloom_peek(m, value);
}

static int bloom_sys_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	(void)key;
	return bloom_push(m, value, flags);
}

const struct abm_ops abm_bloom_ops = {
	.unsupported = -EOPNOTSUPP,
	.alloc_check = bloom_check,
	.alloc = bloom_alloc,
	.free = bloom_free,
	.sys_lookup = bloom_sys_lookup,
	.sys_update = bloom_sys_update,
	.push = bloom_push,
	.pop = bloom_pop,
	.peek = bloom_peek,
};
