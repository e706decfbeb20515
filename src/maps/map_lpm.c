/* map_lpm.c - BPF_MAP_TYPE_LPM_TRIE: longest-prefix match.
 *
 * Keys are {u32 prefixlen (host order), data[key_size - 4]}; prefix bits
 * are taken from data most significant bit first (network order).  Two
 * keys name the same entry when their prefixlen and first prefixlen bits
 * agree; a lookup finds the entry with the longest prefix that matches
 * the first key.prefixlen bits of the key.
 *
 * Linux uses a Patricia trie.  We store the entries in the hash table
 * core (map_hash.c) keyed by the key with the bits past prefixlen
 * cleared, keep a count of entries per prefix length, and look up by
 * trying the populated prefix lengths from the longest down: at most
 * 8 * (key_size - 4) + 1 hash probes (33 for IPv4, usually a few), and
 * the hash core's stable values and locking come for free.  The key as
 * given is kept after the value, because get_next_key returns it.
 *
 * get_next_key walks the entries in the trie's post order, as Linux does:
 * a more specific prefix comes before a prefix containing it, and
 * prefixes diverging at some bit come 0-branch first. */
#include <pthread.h>
#include <stdlib.h>

#include "common/common.h"
#include "map_internal.h"

#define LPM_DATA_MAX 256u
#define LPM_KEY_MIN (4u + 1u)
#define LPM_KEY_MAX (4u + LPM_DATA_MAX)
#define LPM_VAL_MAX (ABM_KMALLOC_MAX - LPM_DATA_MAX - 48u)
#define LPM_CREATE_FLAGS (ANYBPF_F_NO_PREALLOC | ANYBPF_F_NUMA_NODE | ABM_ACCESS_MASK)

struct lpm {
	pthread_mutex_t lock;      /* writers: the counts and the store agree */
	uint32_t max_plen;
	_Atomic uint32_t *count;   /* entries per prefix length */
};

/* trie_alloc's checks */
static int lpm_check(const struct anybpf_rtmap_opts *o)
{
	if (o->max_entries == 0 || !(o->map_flags & ANYBPF_F_NO_PREALLOC) ||
	    (o->map_flags & ~LPM_CREATE_FLAGS) || o->key_size < LPM_KEY_MIN ||
	    o->key_size > LPM_KEY_MAX || o->value_size < 1 || o->value_size > LPM_VAL_MAX)
		return -EINVAL;
	return 0;
}

static int lpm_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	int err = abm_hash_alloc(m, o);
	if (err)
		return err;
	struct lpm *l = ab_calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	m->ext = l;
	pthread_mutex_init(&l->lock, NULL);
	l->max_plen = 8 * (m->key_size - 4);
	l->count = ab_calloc(l->max_plen + 1, sizeof(*l->count));
	return l->count ? 0 : -ENOMEM;
}

static void lpm_free(anybpf_rtmap *m)
{
	struct lpm *l = m->ext;
	if (l) {
		pthread_mutex_destroy(&l->lock);
		ab_free((void *)l->count);
		ab_free(l);
	}
	abm_hash_free(m);
}

static uint32_t plen_of(const void *key)
{
	uint32_t p;
	memcpy(&p, key, 4);
	return p;
}

/* out = {plen, data with the bits past plen cleared} */
static void mask_key(anybpf_rtmap *m, const uint8_t *key, uint32_t plen, uint8_t *out)
{
	size_t dlen = m->key_size - 4, full = plen / 8;
	memcpy(out, &plen, 4);
	memcpy(out + 4, key + 4, full);
	memset(out + 4 + full, 0, dlen - full);
	if (plen % 8)
		out[4 + full] = key[4 + full] & (uint8_t)(0xff00u >> (plen % 8));
}

/* The value of the longest prefix matching key, or NULL. */
static uint8_t *lpm_match(anybpf_rtmap *m, const void *key)
{
	struct lpm *l = m->ext;
	uint8_t mk[LPM_KEY_MAX];
	uint32_t p = plen_of(key);
	if (p > l->max_plen)
		p = l->max_plen;
	for (;; p--) {
		if (atomic_load_explicit(&l->count[p], memory_order_acquire)) {
			mask_key(m, key, p, mk);
			uint8_t *v = abm_hash_find(m, mk, 0);
			if (v)
				return v;
		}
		if (p == 0)
			return NULL;
	}
}

static void *lpm_lookup(anybpf_rtmap *m, const void *key, unsigned cpu)
{
	(void)cpu;
	return lpm_match(m, key);
}

static int lpm_sys_lookup(anybpf_rtmap *m, const void *key, void *value)
{
	struct lpm *l = m->ext;
	/* under the writers' lock so the value cannot change mid-copy */
	pthread_mutex_lock(&l->lock);
	uint8_t *v = lpm_match(m, key);
	if (v)
		memcpy(value, v, m->value_size);
	pthread_mutex_unlock(&l->lock);
	return v ? 0 : -ENOENT;
}

struct lpm_fill {
	const void *value, *key;
};

static void fill_lpm(anybpf_rtmap *m, uint8_t *val, int is_new, const void *arg)
{
	(void)is_new;
	const struct lpm_fill *f = arg;
	memcpy(val, f->value, m->value_size);
	memcpy(val + m->stride, f->key, m->key_size);
}

static int lpm_update(anybpf_rtmap *m, const void *key, const void *value,
		      uint64_t flags, unsigned cpu)
{
	(void)cpu;
	struct lpm *l = m->ext;
	uint8_t mk[LPM_KEY_MAX];
	uint32_t p = plen_of(key);
	if (flags > ANYBPF_EXIST || p > l->max_plen)
		return -EINVAL;
	mask_key(m, key, p, mk);
	struct lpm_fill f = { value, key };
	pthread_mutex_lock(&l->lock);
	uint32_t before = abm_hash_count(m);
	int err = abm_hash_upsert(m, mk, flags, fill_lpm, &f);
	if (err == -E2BIG)
		err = -ENOSPC; /* a full trie */
	if (!err && abm_hash_count(m) != before)
		atomic_fetch_add_explicit(&l->count[p], 1, memory_order_release);
	pthread_mutex_unlock(&l->lock);
	return err;
}

static int lpm_sys_update(anybpf_rtmap *m, const void *key, const void *value, uint64_t flags)
{
	return lpm_update(m, key, value, flags, 0);
}

static int lpm_delete(anybpf_rtmap *m, const void *key)
{
	struct lpm *l = m->ext;
	uint8_t mk[LPM_KEY_MAX];
	uint32_t p = plen_of(key);
	if (p > l->max_plen)
		return -EINVAL;
	mask_key(m, key, p, mk);
	pthread_mutex_lock(&l->lock);
	int err = abm_hash_remove(m, mk, NULL, 0);
	if (!err)
		atomic_fetch_sub_explicit(&l->count[p], 1, memory_order_release);
	pthread_mutex_unlock(&l->lock);
	return err;
}

/* Post order of the trie over masked keys a and b. */
static int post_order(const uint8_t *a, const uint8_t *b)
{
	uint32_t pa = plen_of(a), pb = plen_of(b), common = pa < pb ? pa : pb;
	for (size_t i = 0; i * 8 < common; i++) {
		uint8_t d = a[4 + i] ^ b[4 + i];
		if (!d)
			continue;
		unsigned bit = 0;
		while (!(d & (0x80u >> bit)))
			bit++;
		if (i * 8 + bit >= common)
			break;
		return (a[4 + i] & (0x80u >> bit)) ? 1 : -1;
	}
	if (pa == pb)
		return 0;
	return pa > pb ? -1 : 1; /* the longer (descendant) first */
}

static int cmp_keys(const void *x, const void *y)
{
	return post_order(*(uint8_t *const *)x, *(uint8_t *const *)y);
}

static int lpm_next_key(anybpf_rtmap *m, const void *key, void *next)
{
	struct lpm *l = m->ext;
	uint8_t **keys, **vals, mk[LPM_KEY_MAX];
	pthread_mutex_lock(&l->lock);
	long n = abm_hash_snapshot(m, &keys, &vals);
	if (n < 0) {
		pthread_mutex_unlock(&l->lock);
		return (int)n;
	}
	/* sort (masked key, value area) pairs by the masked key */
	uint8_t **pairs = ab_malloc((size_t)(n ? n : 1) * 2 * sizeof(*pairs));
	int err = -ENOENT;
	if (!pairs) {
		err = -ENOMEM;
		goto out;
	}
	for (long i = 0; i < n; i++) {
		pairs[2 * i] = keys[i];
		pairs[2 * i + 1] = vals[i];
	}
	qsort(pairs, (size_t)n, 2 * sizeof(*pairs), cmp_keys);
	long at = 0;
	if (key && plen_of(key) <= l->max_plen) {
		mask_key(m, key, plen_of(key), mk);
		for (long i = 0; i < n; i++)
			if (!memcmp(pairs[2 * i], mk, m->key_size)) {
				at = i + 1;
				break;
			}
	}
	if (at < n) {
		memcpy(next, pairs[2 * at + 1] + m->stride, m->key_size);
		err = 0;
	}
out:
	pthread_mutex_unlock(&l->lock);
	ab_free(pairs);
	ab_free(keys);
	ab_free(vals);
	return err;
}

const struct abm_ops abm_lpm_ops = {
	.unsupported = -ABM_ENOTSUPP,
	.alloc_check = lpm_check,
	.alloc = lpm_alloc,
	.free = lpm_free,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.sys_lookup = lpm_sys_lookup,
	.sys_update = lpm_sys_update,
	.sys_delete = lpm_delete,
	.get_next_key = lpm_next_key,
};
