/* test_maps.c - the map runtime (src/maps) against Linux's bpf(2)
 * semantics: creation rules, every errno the man page and the kernel
 * give, each type's behaviour, maps made from object files.  The
 * two-thread stress tests are in test_maps_stress.c. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "unit.h"

/* ---- helpers ------------------------------------------------------------ */

static int mk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags,
	      anybpf_rtmap **out)
{
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = type, .key_size = ks,
				       .value_size = vs, .max_entries = max,
				       .map_flags = flags, .ncpus = 2, .name = "t" };
	return anybpf_rtmap_new(&o, out);
}

static anybpf_rtmap *mkok(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	anybpf_rtmap *m = NULL;
	int err = mk(type, ks, vs, max, flags, &m);
	CHECK_EQ(err, 0);
	return m;
}

static int create_err(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	anybpf_rtmap *m = NULL;
	int err = mk(type, ks, vs, max, flags, &m);
	anybpf_rtmap_free(m);
	return err;
}

/* u32 key, u64 value (every CPU's slot, for per-CPU maps of ncpus 2) */
static int upd32(anybpf_rtmap *m, uint32_t k, uint64_t v, uint64_t flags)
{
	uint64_t vals[2] = { v, v };
	return anybpf_rtmap_update(m, &k, vals, flags);
}

/* ---- creation ------------------------------------------------------------ */

TEST(map_create_rules)
{
	enum { HASH = ANYBPF_MAP_TYPE_HASH, ARRAY = ANYBPF_MAP_TYPE_ARRAY };
	anybpf_rtmap *m = (anybpf_rtmap *)1;
	CHECK_EQ(anybpf_rtmap_new(NULL, &m), -EINVAL);   /* type 0: unspec */
	CHECK(m == NULL);
	CHECK_EQ(create_err(99, 4, 4, 1, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_SOCKMAP, 4, 4, 1, 0), -EOPNOTSUPP); /* not here */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_ARENA, 0, 0, 1, 0), -EOPNOTSUPP);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0), -EOPNOTSUPP);
	/* array: key 4, value > 0, max_entries > 0 */
	CHECK_EQ(create_err(ARRAY, 8, 4, 1, 0), -EINVAL);
	CHECK_EQ(create_err(ARRAY, 4, 0, 1, 0), -EINVAL);
	CHECK_EQ(create_err(ARRAY, 4, 4, 0, 0), -EINVAL);
	CHECK_EQ(create_err(ARRAY, 4, 4, 1, ANYBPF_F_NO_PREALLOC), -EINVAL);
	CHECK_EQ(create_err(ARRAY, 4, 4, 1, ANYBPF_F_PRESERVE_ELEMS), -EINVAL);
	CHECK_EQ(create_err(ARRAY, 4, 4, 1, 1u << 20), -EINVAL);
	CHECK_EQ(create_err(ARRAY, 4, 4, 1, ANYBPF_F_MMAPABLE), 0);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, ANYBPF_F_MMAPABLE), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 1, 0), -E2BIG);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 1, 0), 0);
	/* access flags that contradict each other */
	CHECK_EQ(create_err(ARRAY, 4, 4, 1, ANYBPF_F_RDONLY | ANYBPF_F_WRONLY), -EINVAL);
	CHECK_EQ(create_err(HASH, 4, 4, 1, ANYBPF_F_RDONLY_PROG | ANYBPF_F_WRONLY_PROG), -EINVAL);
	/* hash: key and value > 0, key on the BPF stack */
	CHECK_EQ(create_err(HASH, 0, 4, 1, 0), -EINVAL);
	CHECK_EQ(create_err(HASH, 4, 0, 1, 0), -EINVAL);
	CHECK_EQ(create_err(HASH, 4, 4, 0, 0), -EINVAL);
	CHECK_EQ(create_err(HASH, 513, 4, 1, 0), 0);             /* no stack limit since 5.11 */
	CHECK_EQ(create_err(HASH, 4, 4, (1u << 31) + 1, 0), -E2BIG);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PERCPU_HASH, 4, 4, 1, ANYBPF_F_NUMA_NODE), -EINVAL);
	CHECK_EQ(create_err(HASH, 4, 1u << 22, 1, 0), -E2BIG);
	CHECK_EQ(create_err(HASH, 4, 4, 1, ANYBPF_F_NO_COMMON_LRU), -EINVAL);
	CHECK_EQ(create_err(HASH, 4, 4, 1, ANYBPF_F_NO_PREALLOC), 0);
	CHECK_EQ(create_err(HASH, 4, 4, 1, ANYBPF_F_MMAPABLE), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 1, 0), -E2BIG);
	/* LRU must be preallocated: the kernel's ENOTSUPP */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_LRU_HASH, 4, 4, 1, ANYBPF_F_NO_PREALLOC),
		 -ANYBPF_ENOTSUPP);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_LRU_HASH, 4, 4, 1, ANYBPF_F_NO_COMMON_LRU), 0);
	/* queue/stack: no key */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_QUEUE, 4, 4, 1, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_STACK, 0, 0, 1, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_QUEUE, 0, 4, 0, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_STACK, 0, 4, 1, ANYBPF_F_NO_PREALLOC), -EINVAL);
	/* ringbuf: power-of-2 page multiple, no key or value */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 4096 * 3, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 1024, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_RINGBUF, 0, 4, 4096, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, ANYBPF_F_RDONLY_PROG), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 8192, 0), 0);
	/* lpm: BPF_F_NO_PREALLOC required, key = 4 + 1..256 bytes */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_LPM_TRIE, 8, 4, 1, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_LPM_TRIE, 4, 4, 1, ANYBPF_F_NO_PREALLOC), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_LPM_TRIE, 261, 4, 1, ANYBPF_F_NO_PREALLOC), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_LPM_TRIE, 8, 0, 1, ANYBPF_F_NO_PREALLOC), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_LPM_TRIE, 260, 4, 1, ANYBPF_F_NO_PREALLOC), 0);
	/* fd arrays: u32 values, no program access flags */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PROG_ARRAY, 4, 8, 1, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, ANYBPF_F_RDONLY_PROG), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 1, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, ANYBPF_F_PRESERVE_ELEMS), 0);
	/* of-maps need a template (Linux: a valid inner_map_fd) */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 1, 0), -EBADF);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 1, 0), -EBADF);
	/* a too small opts struct */
	struct anybpf_rtmap_opts small = { .sz = 4 };
	CHECK_EQ(anybpf_rtmap_new(&small, &m), -EINVAL);
}

TEST(map_accessors_and_ids)
{
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_PERCPU_HASH,
				       .key_size = 4, .value_size = 12, .max_entries = 7,
				       .map_flags = ANYBPF_F_NO_PREALLOC, .name = "counts",
				       .ncpus = 3 };
	anybpf_rtmap *m = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &m), 0);
	if (!m)
		return;
	CHECK_EQ(anybpf_rtmap_type(m), ANYBPF_MAP_TYPE_PERCPU_HASH);
	CHECK(!strcmp(anybpf_rtmap_type_name(m), "percpu_hash"));
	CHECK_EQ(anybpf_rtmap_key_size(m), 4);
	CHECK_EQ(anybpf_rtmap_value_size(m), 12);
	CHECK_EQ(anybpf_rtmap_max_entries(m), 7);
	CHECK_EQ(anybpf_rtmap_flags(m), ANYBPF_F_NO_PREALLOC);
	CHECK(!strcmp(anybpf_rtmap_name(m), "counts"));
	CHECK_EQ(anybpf_rtmap_ncpus(m), 3);
	CHECK_EQ(anybpf_rtmap_value_buf_size(m), 3 * 16);
	uint32_t id = anybpf_rtmap_id(m);
	CHECK(id != 0);
	CHECK(anybpf_rtmap_from_id(id) == m);
	CHECK(!strcmp(anybpf_map_type_id_name(ANYBPF_MAP_TYPE_LPM_TRIE), "lpm_trie"));
	CHECK(!strcmp(anybpf_map_type_id_name(33), "arena"));
	CHECK(anybpf_map_type_id_name(1000) == NULL);
	anybpf_rtmap_free(m);
	CHECK(anybpf_rtmap_from_id(id) == NULL);
	anybpf_rtmap_free(NULL);

	/* ncpus 0: one slot per online CPU */
	o.ncpus = 0;
	CHECK_EQ(anybpf_rtmap_new(&o, &m), 0);
	CHECK(anybpf_rtmap_ncpus(m) >= 1);
	anybpf_rtmap_free(m);
}

/* ---- array ------------------------------------------------------------------ */

TEST(map_array_semantics)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	if (!m)
		return;
	uint32_t k = 2;
	uint64_t v = 0xdead, out = 1;
	/* every element exists, zeroed */
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(out, 0);
	CHECK_EQ(upd32(m, 2, 0xdead, ANYBPF_ANY), 0);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(out, 0xdead);
	CHECK_EQ(upd32(m, 2, 7, ANYBPF_EXIST), 0);
	CHECK_EQ(upd32(m, 2, 7, ANYBPF_NOEXIST), -EEXIST);
	CHECK_EQ(upd32(m, 4, 7, ANYBPF_ANY), -E2BIG);          /* index past the end */
	CHECK_EQ(upd32(m, 4, 7, 3), -EINVAL);                  /* flags before index */
	CHECK_EQ(upd32(m, 1, 7, ANYBPF_F_LOCK), -EINVAL);      /* no spin lock */
	k = 4;
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), -ENOENT);
	k = 1;
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -EINVAL);         /* arrays cannot delete */
	CHECK_EQ(anybpf_rtmap_delete_elem_prog(m, &k), -EINVAL);
	CHECK_EQ(anybpf_rtmap_lookup(m, NULL, &out), -EINVAL);
	CHECK_EQ(anybpf_rtmap_lookup_and_delete(m, &k, &out), -ANYBPF_ENOTSUPP);
	CHECK_EQ(anybpf_rtmap_push(m, &v, 0), -EINVAL);

	/* program side: a stable pointer into the value */
	k = 2;
	uint64_t *p = anybpf_rtmap_lookup_elem_prog(m, &k, 0);
	CHECK(p != NULL);
	if (p) {
		CHECK_EQ(*p, 7);
		*p = 99;
		CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
		CHECK_EQ(out, 99);
		CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 1) == p);
	}
	k = 4;
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 0) == NULL);
	v = 5;
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, 0, 0), -E2BIG);
	k = 0;
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, ANYBPF_NOEXIST, 0), -EEXIST);
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, 0, 0), 0);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(out, 5);

	/* get_next_key: NULL or out of range -> 0, then in order, ENOENT at the end */
	uint32_t next = 77, seen = 0;
	CHECK_EQ(anybpf_rtmap_get_next_key(m, NULL, &next), 0);
	CHECK_EQ(next, 0);
	while (anybpf_rtmap_get_next_key(m, seen ? &next : NULL, &next) == 0)
		seen++;
	CHECK_EQ(seen, 4);
	CHECK_EQ(next, 3);
	k = 3;
	CHECK_EQ(anybpf_rtmap_get_next_key(m, &k, &next), -ENOENT);
	k = 1000;
	CHECK_EQ(anybpf_rtmap_get_next_key(m, &k, &next), 0);
	CHECK_EQ(next, 0);
	anybpf_rtmap_free(m);
}

TEST(map_array_values_aligned)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 3, 5, 0);
	if (!m)
		return;
	for (uint32_t k = 0; k < 5; k++) {
		uint8_t *p = anybpf_rtmap_lookup_elem_prog(m, &k, 0);
		CHECK(p && ((uintptr_t)p & 7) == 0);
	}
	uint8_t v[3] = { 1, 2, 3 }, out[3] = { 0 };
	uint32_t k = 4;
	CHECK_EQ(anybpf_rtmap_update(m, &k, v, 0), 0);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, out), 0);
	CHECK(!memcmp(v, out, 3));
	anybpf_rtmap_free(m);
}

TEST(map_percpu_array)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 0); /* ncpus 2 */
	if (!m)
		return;
	CHECK_EQ(anybpf_rtmap_value_buf_size(m), 16);
	uint32_t k = 1, v = 0x11, buf[4];
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, 0, 1), 0);
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), 0);
	CHECK_EQ(buf[0], 0);      /* cpu 0 */
	CHECK_EQ(buf[2], 0x11);   /* cpu 1, at round_up(4, 8) */
	uint32_t *p0 = anybpf_rtmap_lookup_elem_prog(m, &k, 0);
	uint32_t *p1 = anybpf_rtmap_lookup_elem_prog(m, &k, 1);
	CHECK(p0 && p1 && p0 != p1);
	if (p1)
		CHECK_EQ(*p1, 0x11);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 2) == NULL); /* no such cpu */
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, 0, 2), -EINVAL);
	/* userspace writes every CPU's slot */
	uint32_t in[4] = { 5, 0, 6, 0 };
	CHECK_EQ(anybpf_rtmap_update(m, &k, in, 0), 0);
	if (p0 && p1) {
		CHECK_EQ(*p0, 5);
		CHECK_EQ(*p1, 6);
	}
	k = 2;
	CHECK_EQ(anybpf_rtmap_update(m, &k, in, 0), -E2BIG);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -EINVAL);
	anybpf_rtmap_free(m);
}

/* ---- hash ------------------------------------------------------------------- */

TEST(map_hash_semantics)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_HASH, 4, 8, 3, 0);
	if (!m)
		return;
	uint32_t k = 1;
	uint64_t out = 0;
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), -ENOENT);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -ENOENT);
	CHECK_EQ(upd32(m, 1, 10, ANYBPF_EXIST), -ENOENT);      /* must exist */
	CHECK_EQ(upd32(m, 1, 10, ANYBPF_NOEXIST), 0);
	CHECK_EQ(upd32(m, 1, 11, ANYBPF_NOEXIST), -EEXIST);
	CHECK_EQ(upd32(m, 1, 12, ANYBPF_EXIST), 0);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(out, 12);
	CHECK_EQ(upd32(m, 1, 12, 3), -EINVAL);
	CHECK_EQ(upd32(m, 1, 12, 8), -EINVAL);
	CHECK_EQ(upd32(m, 1, 12, ANYBPF_F_LOCK), -EINVAL);
	CHECK_EQ(upd32(m, 2, 20, ANYBPF_ANY), 0);
	CHECK_EQ(upd32(m, 3, 30, ANYBPF_ANY), 0);
	/* full: a new key is -E2BIG, an existing one still updates */
	CHECK_EQ(upd32(m, 4, 40, ANYBPF_ANY), -E2BIG);
	CHECK_EQ(upd32(m, 4, 40, ANYBPF_NOEXIST), -E2BIG);
	CHECK_EQ(upd32(m, 3, 31, ANYBPF_ANY), 0);
	uint64_t v = 41;
	k = 4;
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, 0, 0), -E2BIG);
	k = 2;
	CHECK_EQ(anybpf_rtmap_delete(m, &k), 0);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -ENOENT);
	CHECK_EQ(upd32(m, 4, 40, ANYBPF_ANY), 0);
	/* lookup_and_delete */
	k = 4;
	CHECK_EQ(anybpf_rtmap_lookup_and_delete(m, &k, &out), 0);
	CHECK_EQ(out, 40);
	CHECK_EQ(anybpf_rtmap_lookup_and_delete(m, &k, &out), -ENOENT);
	/* program side */
	k = 3;
	uint64_t *p = anybpf_rtmap_lookup_elem_prog(m, &k, 0);
	CHECK(p && ((uintptr_t)p & 7) == 0);
	if (p)
		CHECK_EQ(*p, 31);
	CHECK_EQ(anybpf_rtmap_delete_elem_prog(m, &k), 0);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 0) == NULL);
	CHECK_EQ(anybpf_rtmap_delete_elem_prog(m, &k), -ENOENT);
	anybpf_rtmap_free(m);
}

TEST(map_hash_iterate_all_keys)
{
	enum { N = 500 };
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_HASH, 4, 4, N, ANYBPF_F_NO_PREALLOC);
	if (!m)
		return;
	for (uint32_t i = 0; i < N; i++)
		CHECK_EQ(upd32(m, i * 7919u, i, 0), 0);
	static uint8_t seen[N];
	memset(seen, 0, sizeof(seen));
	uint32_t key, next, n = 0;
	int err = anybpf_rtmap_get_next_key(m, NULL, &next);
	while (!err) {
		uint32_t v;
		CHECK_EQ(next % 7919u, 0);
		if (next / 7919u < N)
			seen[next / 7919u]++;
		CHECK_EQ(anybpf_rtmap_lookup(m, &next, &v), 0);
		CHECK_EQ(v * 7919u, next);
		n++;
		key = next;
		err = anybpf_rtmap_get_next_key(m, &key, &next);
	}
	CHECK_EQ(err, -ENOENT);
	CHECK_EQ(n, N);
	int all_once = 1;
	for (int i = 0; i < N; i++)
		all_once &= seen[i] == 1;
	CHECK(all_once);
	/* a key not in the map restarts at the first key */
	uint32_t first, missing = 1;
	CHECK_EQ(anybpf_rtmap_get_next_key(m, NULL, &first), 0);
	CHECK_EQ(anybpf_rtmap_get_next_key(m, &missing, &next), 0);
	CHECK_EQ(next, first);
	/* empty map */
	anybpf_rtmap *e = mkok(ANYBPF_MAP_TYPE_HASH, 4, 4, 4, 0);
	CHECK_EQ(anybpf_rtmap_get_next_key(e, NULL, &next), -ENOENT);
	anybpf_rtmap_free(e);
	anybpf_rtmap_free(m);
}

TEST(map_hash_values_stay_put)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_HASH, 8, 16, 2000, 0);
	if (!m)
		return;
	uint64_t k = 42, v[2] = { 1, 2 };
	CHECK_EQ(anybpf_rtmap_update(m, &k, v, 0), 0);
	uint64_t *p = anybpf_rtmap_lookup_elem_prog(m, &k, 0);
	CHECK(p != NULL);
	for (uint64_t i = 1000; i < 2999; i++)
		anybpf_rtmap_update(m, &i, v, 0);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 0) == p);
	v[0] = 9;
	CHECK_EQ(anybpf_rtmap_update(m, &k, v, ANYBPF_EXIST), 0); /* in place */
	if (p)
		CHECK_EQ(p[0], 9);
	anybpf_rtmap_free(m);
}

TEST(map_percpu_hash)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, 0); /* ncpus 2 */
	if (!m)
		return;
	uint32_t k = 9, v = 3, buf[4];
	/* a program's insert sets its CPU's slot and zeroes the others */
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, ANYBPF_NOEXIST, 1), 0);
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), 0);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[2], 3);
	v = 4;
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, ANYBPF_EXIST, 0), 0);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), 0);
	CHECK_EQ(buf[0], 4);
	CHECK_EQ(buf[2], 3);
	uint32_t *p1 = anybpf_rtmap_lookup_elem_prog(m, &k, 1);
	CHECK(p1 && *p1 == 3);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 2) == NULL);
	uint32_t in[4] = { 7, 0, 8, 0 };
	CHECK_EQ(anybpf_rtmap_update(m, &k, in, ANYBPF_EXIST), 0);
	if (p1)
		CHECK_EQ(*p1, 8);
	CHECK_EQ(anybpf_rtmap_lookup_and_delete(m, &k, buf), 0);
	CHECK_EQ(buf[0], 7);
	CHECK_EQ(buf[2], 8);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), -ENOENT);
	anybpf_rtmap_free(m);
}

TEST(map_lru_hash_evicts_least_recent)
{
	uint32_t types[2] = { ANYBPF_MAP_TYPE_LRU_HASH, ANYBPF_MAP_TYPE_LRU_PERCPU_HASH };
	for (int t = 0; t < 2; t++) {
		anybpf_rtmap *m = mkok(types[t], 4, 8, 4, 0);
		if (!m)
			return;
		uint64_t buf[2];
		for (uint32_t k = 1; k <= 4; k++)
			CHECK_EQ(upd32(m, k, k, 0), 0);
		/* a program touches 1: 2 is now the least recently used */
		uint32_t k = 1;
		CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 0) != NULL);
		CHECK_EQ(upd32(m, 5, 5, 0), 0);          /* full: evicts, never E2BIG */
		k = 2;
		CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), -ENOENT);
		k = 1;
		CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), 0);
		/* then 3, then 4 */
		CHECK_EQ(upd32(m, 6, 6, 0), 0);
		k = 3;
		CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), -ENOENT);
		/* an update counts as a use: refresh 4, then 1 goes */
		CHECK_EQ(upd32(m, 4, 44, ANYBPF_EXIST), 0);
		CHECK_EQ(upd32(m, 7, 7, 0), 0);
		k = 1;
		CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), -ENOENT);
		k = 4;
		CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), 0);
		CHECK_EQ(buf[0], 44);
		CHECK_EQ(upd32(m, 4, 1, ANYBPF_NOEXIST), -EEXIST);
		CHECK_EQ(upd32(m, 99, 1, ANYBPF_EXIST), -ENOENT);
		/* still exactly 4 entries */
		uint32_t n = 0, next, cur;
		int err = anybpf_rtmap_get_next_key(m, NULL, &next);
		while (!err) {
			n++;
			cur = next;
			err = anybpf_rtmap_get_next_key(m, &cur, &next);
		}
		CHECK_EQ(n, 4);
		anybpf_rtmap_free(m);
	}
}

/* ---- permissions -------------------------------------------------------------- */

TEST(map_freeze_and_access_flags)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	if (!m)
		return;
	uint32_t k = 1;
	uint64_t v = 5, out;
	CHECK_EQ(upd32(m, 1, 1, 0), 0);
	CHECK_EQ(anybpf_rtmap_freeze(m), 0);
	CHECK_EQ(anybpf_rtmap_freeze(m), -EPERM);   /* frozen: no write access left */
	CHECK_EQ(upd32(m, 2, 1, 0), -EPERM);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -EPERM);
	CHECK_EQ(anybpf_rtmap_lookup_and_delete(m, &k, &out), -EPERM);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(out, 1);
	/* programs may still write a frozen map (unless BPF_F_RDONLY_PROG) */
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, 0, 0), 0);
	anybpf_rtmap_free(m);

	m = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 1, ANYBPF_F_RDONLY);
	k = 0;
	CHECK_EQ(anybpf_rtmap_update(m, &k, &v, 0), -EPERM);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(anybpf_rtmap_freeze(m), -EPERM);
	anybpf_rtmap_free(m);

	m = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 1, ANYBPF_F_WRONLY);
	CHECK_EQ(anybpf_rtmap_update(m, &k, &v, 0), 0);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), -EPERM);
	CHECK_EQ(anybpf_rtmap_get_next_key(m, NULL, &k), -EPERM);
	anybpf_rtmap_free(m);

	m = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 1, ANYBPF_F_RDONLY_PROG);
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, 0, 0), -EPERM);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 0) != NULL);
	CHECK_EQ(anybpf_rtmap_update(m, &k, &v, 0), 0);
	anybpf_rtmap_free(m);

	m = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 1, ANYBPF_F_WRONLY_PROG);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 0) == NULL);
	CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, &v, 0, 0), 0);
	anybpf_rtmap_free(m);
}

/* ---- queue and stack ------------------------------------------------------------ */

TEST(map_queue_fifo)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_QUEUE, 0, 4, 3, 0);
	if (!m)
		return;
	uint32_t v, k = 0;
	CHECK_EQ(anybpf_rtmap_pop(m, &v), -ENOENT);
	CHECK_EQ(anybpf_rtmap_peek(m, &v), -ENOENT);
	CHECK_EQ(anybpf_rtmap_pop_elem_prog(m, &v), -ENOENT);
	for (v = 1; v <= 3; v++)
		CHECK_EQ(anybpf_rtmap_push(m, &v, 0), 0);
	v = 4;
	CHECK_EQ(anybpf_rtmap_push(m, &v, 0), -E2BIG);
	CHECK_EQ(anybpf_rtmap_push(m, &v, ANYBPF_NOEXIST), -EINVAL);
	CHECK_EQ(anybpf_rtmap_push(m, &v, 4), -EINVAL);
	CHECK_EQ(anybpf_rtmap_push(m, &v, ANYBPF_EXIST), 0);  /* drops the oldest (1) */
	CHECK_EQ(anybpf_rtmap_peek(m, &v), 0);
	CHECK_EQ(v, 2);
	CHECK_EQ(anybpf_rtmap_lookup(m, NULL, &v), 0);          /* lookup = peek */
	CHECK_EQ(v, 2);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &v), -EINVAL);      /* no key allowed */
	CHECK_EQ(anybpf_rtmap_delete(m, NULL), -EINVAL);
	CHECK_EQ(anybpf_rtmap_get_next_key(m, NULL, &k), -EINVAL);
	CHECK_EQ(anybpf_rtmap_pop(m, &v), 0);
	CHECK_EQ(v, 2);
	CHECK_EQ(anybpf_rtmap_pop_elem_prog(m, &v), 0);
	CHECK_EQ(v, 3);
	CHECK_EQ(anybpf_rtmap_peek_elem_prog(m, &v), 0);
	CHECK_EQ(v, 4);
	v = 5;
	CHECK_EQ(anybpf_rtmap_push_elem_prog(m, &v, 0), 0);
	v = 6;
	CHECK_EQ(anybpf_rtmap_update(m, NULL, &v, 0), 0);       /* update = push */
	CHECK_EQ(anybpf_rtmap_lookup_and_delete(m, NULL, &v), 0);
	CHECK_EQ(v, 4);
	CHECK_EQ(anybpf_rtmap_pop(m, &v), 0);
	CHECK_EQ(v, 5);
	CHECK_EQ(anybpf_rtmap_pop(m, &v), 0);
	CHECK_EQ(v, 6);
	CHECK_EQ(anybpf_rtmap_pop(m, &v), -ENOENT);
	CHECK(anybpf_rtmap_lookup_elem_prog(m, NULL, 0) == NULL);
	CHECK_EQ(anybpf_rtmap_freeze(m), 0);
	CHECK_EQ(anybpf_rtmap_push(m, &v, 0), -EPERM);
	CHECK_EQ(anybpf_rtmap_pop(m, &v), -EPERM);
	anybpf_rtmap_free(m);
}

TEST(map_stack_lifo)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_STACK, 0, 8, 3, 0);
	if (!m)
		return;
	uint64_t v;
	for (v = 1; v <= 3; v++)
		CHECK_EQ(anybpf_rtmap_push_elem_prog(m, &v, 0), 0);
	CHECK_EQ(anybpf_rtmap_push_elem_prog(m, &v, 0), -E2BIG);
	v = 4;
	CHECK_EQ(anybpf_rtmap_push(m, &v, ANYBPF_EXIST), 0);  /* drops the oldest (1) */
	CHECK_EQ(anybpf_rtmap_peek(m, &v), 0);
	CHECK_EQ(v, 4);
	uint64_t want[3] = { 4, 3, 2 };
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(anybpf_rtmap_pop(m, &v), 0);
		CHECK_EQ(v, want[i]);
	}
	v = 9;
	CHECK_EQ(anybpf_rtmap_pop(m, &v), -ENOENT);
	CHECK_EQ(v, 0);                                       /* zeroed, as Linux */
	CHECK_EQ(anybpf_rtmap_peek_elem_prog(m, &v), -ENOENT);
	anybpf_rtmap_free(m);
}

/* ---- ring buffer ---------------------------------------------------------------- */

struct rb_seen {
	int n;
	uint32_t sizes[64];
	uint8_t first[64];
	int stop_at;
};

static int rb_cb(void *ctx, void *data, size_t size)
{
	struct rb_seen *s = ctx;
	if (s->n < 64) {
		s->sizes[s->n] = (uint32_t)size;
		s->first[s->n] = size ? *(uint8_t *)data : 0;
	}
	s->n++;
	return s->n == s->stop_at ? -7 : 0;
}

TEST(map_ringbuf_records)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	if (!m)
		return;
	CHECK_EQ(anybpf_ringbuf_query(m, ANYBPF_RB_RING_SIZE), 4096);
	CHECK_EQ(anybpf_ringbuf_query(m, ANYBPF_RB_AVAIL_DATA), 0);
	CHECK_EQ(anybpf_ringbuf_query(m, 99), 0);
	uint8_t *a = anybpf_ringbuf_reserve(m, 5, 0);
	CHECK(a != NULL);
	CHECK(((uintptr_t)a & 7) == 0);
	if (!a)
		return;
	a[0] = 0xa;
	/* header: len with the busy bit, 8 bytes before the sample */
	uint32_t hdr;
	memcpy(&hdr, a - 8, 4);
	CHECK_EQ(hdr, 5u | ANYBPF_RINGBUF_BUSY_BIT);
	CHECK_EQ(anybpf_ringbuf_query(m, ANYBPF_RB_PROD_POS), 16);  /* 8 + 5 -> 16 */
	uint8_t *b = anybpf_ringbuf_reserve(m, 8, 0);
	uint8_t *c = anybpf_ringbuf_reserve(m, 1, 0);
	CHECK(b && c);
	if (!b || !c)
		return;
	b[0] = 0xb;
	c[0] = 0xc;
	struct rb_seen s = { 0 };
	/* a is still reserved: the consumer stops there */
	anybpf_ringbuf_submit(b, 0);
	CHECK_EQ(anybpf_ringbuf_consume(m, rb_cb, &s), 0);
	anybpf_ringbuf_submit(a, ANYBPF_RB_NO_WAKEUP);
	anybpf_ringbuf_discard(c, 0);
	memcpy(&hdr, c - 8, 4);
	CHECK_EQ(hdr, 1u | ANYBPF_RINGBUF_DISCARD_BIT);
	CHECK_EQ(anybpf_ringbuf_consume(m, rb_cb, &s), 2);    /* a, b; c discarded */
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.sizes[0], 5);
	CHECK_EQ(s.first[0], 0xa);
	CHECK_EQ(s.sizes[1], 8);
	CHECK_EQ(s.first[1], 0xb);
	CHECK_EQ(anybpf_ringbuf_query(m, ANYBPF_RB_AVAIL_DATA), 0);
	CHECK_EQ(anybpf_ringbuf_query(m, ANYBPF_RB_CONS_POS), 48);

	/* reserve: flags must be 0; no record of the ring's size fits */
	CHECK(anybpf_ringbuf_reserve(m, 8, 1) == NULL);
	CHECK(anybpf_ringbuf_reserve(m, 4096, 0) == NULL);
	CHECK(anybpf_ringbuf_reserve(m, 4096 - 8, 0) == NULL); /* size - 1 ahead at most */
	uint8_t data[100];
	memset(data, 0x5a, sizeof(data));
	CHECK_EQ(anybpf_ringbuf_output(m, data, 10, 4), -EINVAL);
	/* fill it up: -EAGAIN when there is no room */
	int ok = 0, err = 0;
	while ((err = anybpf_ringbuf_output(m, data, 100, ANYBPF_RB_FORCE_WAKEUP)) == 0)
		ok++;
	CHECK_EQ(err, -EAGAIN);
	CHECK_EQ(ok, 4095 / 112);
	/* a negative callback return stops and is returned */
	struct rb_seen s2 = { .stop_at = 2 };
	CHECK_EQ(anybpf_ringbuf_consume(m, rb_cb, &s2), -7);
	CHECK_EQ(s2.n, 2);
	struct rb_seen s3 = { 0 };
	CHECK_EQ(anybpf_ringbuf_consume(m, rb_cb, &s3), ok - 2);

	/* the map commands are not for ring buffers */
	uint32_t v;
	CHECK_EQ(anybpf_rtmap_lookup(m, NULL, &v), -ANYBPF_ENOTSUPP);
	CHECK_EQ(anybpf_rtmap_get_next_key(m, NULL, &v), -ANYBPF_ENOTSUPP);
	anybpf_rtmap_free(m);
}

static int rb_check_cb(void *ctx, void *data, size_t size)
{
	uint32_t *expect = ctx;
	const uint8_t *p = data;
	int good = size == 20 + (*expect % 50);
	for (size_t i = 0; i < size; i++)
		good &= p[i] == (uint8_t)(*expect + i);
	(*expect)++;
	return good ? 0 : -1;
}

TEST(map_ringbuf_wraps_around)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	if (!m)
		return;
	uint32_t produced = 0, consumed = 0;
	int bad = 0;
	for (int round = 0; round < 200; round++) {
		for (int j = 0; j < 7; j++, produced++) {
			uint32_t size = 20 + produced % 50;
			uint8_t *p = anybpf_ringbuf_reserve(m, size, 0);
			if (!p) {
				bad = 1;
				break;
			}
			for (uint32_t i = 0; i < size; i++)
				p[i] = (uint8_t)(produced + i);
			anybpf_ringbuf_submit(p, 0);
		}
		if (anybpf_ringbuf_consume(m, rb_check_cb, &consumed) < 0)
			bad = 1;
	}
	CHECK(!bad);
	CHECK_EQ(consumed, produced);
	CHECK(anybpf_ringbuf_query(m, ANYBPF_RB_PROD_POS) > 4 * 4096);  /* it wrapped */
	anybpf_rtmap_free(m);
}

/* ---- perf event array -------------------------------------------------------------- */

struct perf_seen {
	int n;
	unsigned idx[8];
	uint32_t size[8];
	uint8_t first[8];
	uint64_t lost;
};

static void perf_cb(void *ctx, unsigned index, void *data, uint32_t size)
{
	struct perf_seen *s = ctx;
	if (s->n < 8) {
		s->idx[s->n] = index;
		s->size[s->n] = size;
		s->first[s->n] = *(uint8_t *)data;
	}
	s->n++;
}

static void lost_cb(void *ctx, unsigned index, uint64_t lost)
{
	(void)index;
	((struct perf_seen *)ctx)->lost += lost;
}

TEST(map_perf_event_array)
{
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY,
				       .key_size = 4, .value_size = 4, .max_entries = 2,
				       .ncpus = 2, .perf_buffer_size = 64 };
	anybpf_rtmap *m = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &m), 0);
	if (!m)
		return;
	uint8_t data[40] = { 0x77 };
	CHECK_EQ(anybpf_perf_event_output(m, 0, data, 4, 0), -ENOENT);  /* not enabled */
	uint32_t k = 1, fd = 3;
	CHECK_EQ(anybpf_rtmap_update(m, &k, &fd, ANYBPF_NOEXIST), -EINVAL);
	CHECK_EQ(anybpf_rtmap_update(m, &k, &fd, 0), 0);
	k = 2;
	CHECK_EQ(anybpf_rtmap_update(m, &k, &fd, 0), -E2BIG);
	CHECK_EQ(anybpf_perf_event_output(m, 2, data, 4, 0), -E2BIG);
	CHECK_EQ(anybpf_perf_event_output(m, 1ull << 32, data, 4, 0), -EINVAL);
	CHECK_EQ(anybpf_perf_event_output(m, 1, data, 5, 0), 0);
	data[0] = 0x78;
	CHECK_EQ(anybpf_perf_event_output(m, ANYBPF_F_CURRENT_CPU, data, 12, 1), 0);
	/* 64 bytes: 8 + 16 used; a 40-byte sample no longer fits */
	CHECK_EQ(anybpf_perf_event_output(m, 1, data, 40, 0), -ENOSPC);
	uint32_t v;
	k = 1;
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &v), -ANYBPF_ENOTSUPP);
	struct perf_seen s = { 0 };
	CHECK_EQ(anybpf_perf_consume(m, perf_cb, lost_cb, &s), 2);
	CHECK_EQ(s.idx[0], 1);
	CHECK_EQ(s.size[0], 12);   /* 5 + 4 padded to 16, minus the 4 */
	CHECK_EQ(s.first[0], 0x77);
	CHECK_EQ(s.size[1], 12);
	CHECK_EQ(s.first[1], 0x78);
	CHECK_EQ(s.lost, 1);
	CHECK_EQ(anybpf_perf_consume(m, perf_cb, lost_cb, &s), 0);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), 0);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -ENOENT);
	CHECK_EQ(anybpf_perf_event_output(m, 1, data, 4, 0), -ENOENT);
	anybpf_rtmap_free(m);
}

/* ---- prog_array and maps of maps ----------------------------------------------------- */

TEST(map_prog_array)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	if (!m)
		return;
	uint32_t k = 1, id = 17, out = 0;
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), -ENOENT);
	CHECK_EQ(anybpf_rtmap_prog_at(m, 1, &out), -ENOENT);
	CHECK_EQ(anybpf_rtmap_update(m, &k, &id, ANYBPF_NOEXIST), -EINVAL);
	CHECK_EQ(anybpf_rtmap_update(m, &k, &id, 0), 0);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(out, 17);
	CHECK_EQ(anybpf_rtmap_prog_at(m, 1, &out), 0);
	CHECK_EQ(anybpf_rtmap_prog_at(m, 4, &out), -E2BIG);
	k = 4;
	CHECK_EQ(anybpf_rtmap_update(m, &k, &id, 0), -E2BIG);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -E2BIG);
	k = 1;
	CHECK_EQ(anybpf_rtmap_delete(m, &k), 0);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -ENOENT);
	CHECK_EQ(anybpf_rtmap_prog_at(m, 1, &out), -ENOENT);
	anybpf_rtmap *a = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
	CHECK_EQ(anybpf_rtmap_prog_at(a, 0, &out), -EINVAL);
	anybpf_rtmap_free(a);
	anybpf_rtmap_free(m);
}

static void maps_of_maps(uint32_t outer_type)
{
	anybpf_rtmap *tmpl = mkok(ANYBPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	anybpf_rtmap *in1 = mkok(ANYBPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	anybpf_rtmap *wrong = mkok(ANYBPF_MAP_TYPE_HASH, 4, 8, 32, 0);
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = outer_type, .key_size = 4,
				       .value_size = 4, .max_entries = 4, .inner_map = tmpl };
	anybpf_rtmap *outer = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &outer), 0);
	if (!outer || !in1 || !wrong || !tmpl)
		return;
	/* a map of maps cannot hold maps of maps */
	struct anybpf_rtmap_opts o2 = o;
	o2.inner_map = outer;
	anybpf_rtmap *bad = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o2, &bad), -EINVAL);

	uint32_t k = 2, id = anybpf_rtmap_id(in1), out = 0;
	uint32_t wid = anybpf_rtmap_id(wrong), nid = 0xfffffff0u;
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &wid, 0), -EINVAL);   /* max_entries differ */
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &nid, 0), -EBADF);    /* no such map */
	CHECK_EQ(anybpf_rtmap_lookup(outer, &k, &out), -ENOENT);
	CHECK(anybpf_rtmap_lookup_elem_prog(outer, &k, 0) == NULL);
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id, 0), 0);
	CHECK_EQ(anybpf_rtmap_lookup(outer, &k, &out), 0);
	CHECK_EQ(out, id);                                            /* userspace reads the id */
	/* programs get the inner map itself and use it */
	anybpf_rtmap *got = anybpf_rtmap_lookup_elem_prog(outer, &k, 0);
	CHECK(got == in1);
	uint32_t ik = 5;
	uint64_t iv = 55, ov = 0;
	CHECK_EQ(anybpf_rtmap_update_elem_prog(got, &ik, &iv, 0, 0), 0);
	/* the outer map keeps the inner one alive after its creator lets go */
	anybpf_rtmap_free(in1);
	CHECK(anybpf_rtmap_from_id(id) == got);
	CHECK_EQ(anybpf_rtmap_lookup(got, &ik, &ov), 0);
	CHECK_EQ(ov, 55);
	/* an inner map with BPF_F_INNER_MAP in the template may differ in size */
	anybpf_rtmap_free(wrong);
	CHECK_EQ(anybpf_rtmap_delete(outer, &k), 0);
	CHECK(anybpf_rtmap_from_id(id) == NULL);                     /* released */
	CHECK_EQ(anybpf_rtmap_delete(outer, &k), -ENOENT);
	/* leave one inside: freeing the outer map releases it (ASan checks) */
	anybpf_rtmap *in2 = mkok(ANYBPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	uint32_t id2 = anybpf_rtmap_id(in2);
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id2, 0), 0);
	anybpf_rtmap_free(in2);
	anybpf_rtmap_free(outer);
	CHECK(anybpf_rtmap_from_id(id2) == NULL);
	anybpf_rtmap_free(tmpl);
}

TEST(map_array_of_maps)
{
	maps_of_maps(ANYBPF_MAP_TYPE_ARRAY_OF_MAPS);
	/* index out of range */
	anybpf_rtmap *tmpl = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_ARRAY_OF_MAPS,
				       .key_size = 4, .value_size = 4, .max_entries = 1,
				       .inner_map = tmpl };
	anybpf_rtmap *outer = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &outer), 0);
	uint32_t k = 1, id = anybpf_rtmap_id(tmpl);
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id, 0), -E2BIG);
	k = 0;
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id, ANYBPF_EXIST), -EINVAL);
	anybpf_rtmap_free(outer);
	anybpf_rtmap_free(tmpl);
}

TEST(map_hash_of_maps)
{
	maps_of_maps(ANYBPF_MAP_TYPE_HASH_OF_MAPS);
	/* BPF_F_INNER_MAP in the template: inner max_entries may differ */
	struct anybpf_rtmap_opts t = { .sz = sizeof(t), .type = ANYBPF_MAP_TYPE_ARRAY,
				       .key_size = 4, .value_size = 4, .max_entries = 1,
				       .map_flags = ANYBPF_F_INNER_MAP };
	anybpf_rtmap *tmpl = NULL, *big = NULL, *outer = NULL;
	CHECK_EQ(anybpf_rtmap_new(&t, &tmpl), 0);
	t.max_entries = 100;
	CHECK_EQ(anybpf_rtmap_new(&t, &big), 0);
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_HASH_OF_MAPS,
				       .key_size = 4, .value_size = 4, .max_entries = 1,
				       .inner_map = tmpl };
	CHECK_EQ(anybpf_rtmap_new(&o, &outer), 0);
	uint32_t k = 7, id = anybpf_rtmap_id(big);
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id, ANYBPF_NOEXIST), 0);
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id, ANYBPF_NOEXIST), -EEXIST);
	k = 8;
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id, 0), -E2BIG);    /* full */
	anybpf_rtmap_free(outer);
	anybpf_rtmap_free(big);
	anybpf_rtmap_free(tmpl);
}

TEST(map_of_ringbufs)
{
	/* ring buffers as inner maps: one per consumer, picked by the program */
	anybpf_rtmap *tmpl = mkok(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	anybpf_rtmap *rb = mkok(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	anybpf_rtmap *small = mkok(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 8192, 0);
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_ARRAY_OF_MAPS,
				       .key_size = 4, .value_size = 4, .max_entries = 2,
				       .inner_map = tmpl };
	anybpf_rtmap *outer = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &outer), 0);
	if (!outer || !rb || !small)
		return;
	uint32_t k = 1, id = anybpf_rtmap_id(rb), sid = anybpf_rtmap_id(small);
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &sid, 0), -EINVAL);  /* size differs */
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id, 0), 0);
	anybpf_rtmap *got = anybpf_rtmap_lookup_elem_prog(outer, &k, 0);
	CHECK(got == rb);
	uint64_t v = 42;
	CHECK_EQ(anybpf_ringbuf_output(got, &v, sizeof(v), 0), 0);
	struct rb_seen s = { 0 };
	CHECK_EQ(anybpf_ringbuf_consume(rb, rb_cb, &s), 1);
	CHECK_EQ(s.first[0], 42);
	anybpf_rtmap_free(outer);
	anybpf_rtmap_free(rb);
	anybpf_rtmap_free(small);
	anybpf_rtmap_free(tmpl);
}

/* ---- redirect targets, stack traces, cgroup arrays ------------------------------------ */

TEST(map_devmap_cpumap_xskmap)
{
	/* creation: {ifindex} or {ifindex, prog}; no program-access flags */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_DEVMAP, 4, 6, 4, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0), 0);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_DEVMAP, 4, 4, 4, ANYBPF_F_RDONLY_PROG), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_DEVMAP_HASH, 8, 4, 4, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_CPUMAP, 4, 12, 4, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_CPUMAP, 4, 4, 8193, 0), -E2BIG);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_XSKMAP, 4, 8, 4, 0), -EINVAL);

	anybpf_rtmap *dev = mkok(ANYBPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0);
	if (!dev)
		return;
	uint32_t k = 1, ifindex = 7, out = 0;
	CHECK(anybpf_rtmap_lookup_elem_prog(dev, &k, 0) == NULL);    /* no device yet */
	CHECK_EQ(anybpf_rtmap_lookup(dev, &k, &out), -ENOENT);
	CHECK_EQ(anybpf_rtmap_update(dev, &k, &ifindex, ANYBPF_NOEXIST), -EEXIST);
	CHECK_EQ(anybpf_rtmap_update(dev, &k, &ifindex, 3), -EINVAL);
	k = 4;
	CHECK_EQ(anybpf_rtmap_update(dev, &k, &ifindex, 0), -E2BIG);
	k = 1;
	CHECK_EQ(anybpf_rtmap_update(dev, &k, &ifindex, 0), 0);
	uint32_t *p = anybpf_rtmap_lookup_elem_prog(dev, &k, 0);
	CHECK(p && *p == 7);
	CHECK_EQ(anybpf_rtmap_lookup(dev, &k, &out), 0);
	CHECK_EQ(out, 7);
	uint32_t zero = 0;                                           /* ifindex 0 clears */
	CHECK_EQ(anybpf_rtmap_update(dev, &k, &zero, 0), 0);
	CHECK(anybpf_rtmap_lookup_elem_prog(dev, &k, 0) == NULL);
	CHECK_EQ(anybpf_rtmap_delete(dev, &k), 0);                    /* 0 even when empty */
	k = 9;
	CHECK_EQ(anybpf_rtmap_delete(dev, &k), -EINVAL);
	anybpf_rtmap_free(dev);

	anybpf_rtmap *dh = mkok(ANYBPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 2, 0);
	k = 100;
	CHECK_EQ(anybpf_rtmap_update(dh, &k, &zero, 0), -EINVAL);    /* needs a device */
	CHECK_EQ(anybpf_rtmap_update(dh, &k, &ifindex, ANYBPF_EXIST), 0);
	CHECK_EQ(anybpf_rtmap_update(dh, &k, &ifindex, ANYBPF_NOEXIST), -EEXIST);
	k = 200;
	CHECK_EQ(anybpf_rtmap_update(dh, &k, &ifindex, 0), 0);
	k = 300;
	CHECK_EQ(anybpf_rtmap_update(dh, &k, &ifindex, 0), -E2BIG);
	k = 200;
	CHECK(anybpf_rtmap_lookup_elem_prog(dh, &k, 0) != NULL);
	uint32_t next, n = 0, cur;
	int err = anybpf_rtmap_get_next_key(dh, NULL, &next);
	while (!err) {
		n++;
		cur = next;
		err = anybpf_rtmap_get_next_key(dh, &cur, &next);
	}
	CHECK_EQ(n, 2);
	CHECK_EQ(anybpf_rtmap_delete(dh, &k), 0);
	CHECK_EQ(anybpf_rtmap_delete(dh, &k), -ENOENT);
	anybpf_rtmap_free(dh);

	anybpf_rtmap *cpu = mkok(ANYBPF_MAP_TYPE_CPUMAP, 4, 4, 4, 0);  /* ncpus 2 */
	uint32_t qsize = 192, big = 16385;
	k = 1;
	CHECK_EQ(anybpf_rtmap_update(cpu, &k, &big, 0), -EOVERFLOW);
	CHECK_EQ(anybpf_rtmap_update(cpu, &k, &qsize, ANYBPF_NOEXIST), -EEXIST);
	CHECK_EQ(anybpf_rtmap_update(cpu, &k, &qsize, 0), 0);
	CHECK_EQ(anybpf_rtmap_lookup(cpu, &k, &out), 0);
	CHECK_EQ(out, 192);
	k = 3;
	CHECK_EQ(anybpf_rtmap_update(cpu, &k, &qsize, 0), -ENODEV);   /* no CPU 3 */
	k = 1;
	CHECK_EQ(anybpf_rtmap_update(cpu, &k, &zero, 0), 0);          /* qsize 0: delete */
	CHECK_EQ(anybpf_rtmap_lookup(cpu, &k, &out), -ENOENT);
	anybpf_rtmap_free(cpu);

	anybpf_rtmap *xsk = mkok(ANYBPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0);
	uint32_t fd = 5;
	k = 0;
	CHECK_EQ(anybpf_rtmap_update(xsk, &k, &fd, ANYBPF_EXIST), -ENOENT);
	CHECK_EQ(anybpf_rtmap_update(xsk, &k, &fd, ANYBPF_NOEXIST), 0);
	CHECK_EQ(anybpf_rtmap_update(xsk, &k, &fd, ANYBPF_NOEXIST), -EEXIST);
	CHECK(anybpf_rtmap_lookup_elem_prog(xsk, &k, 0) != NULL);
	CHECK_EQ(anybpf_rtmap_lookup(xsk, &k, &out), -EOPNOTSUPP);
	CHECK_EQ(anybpf_rtmap_delete(xsk, &k), 0);
	CHECK(anybpf_rtmap_lookup_elem_prog(xsk, &k, 0) == NULL);
	anybpf_rtmap_free(xsk);
}

TEST(map_stack_trace)
{
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_STACK_TRACE, 4, 12, 4, 0), -EINVAL);  /* u64s */
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_STACK_TRACE, 4, 128 * 8, 4, 0), -EINVAL);
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_STACK_TRACE, 4, 127 * 8, 4, 0), 0);
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_STACK_TRACE, 4, 4 * 8, 100, 0);
	if (!m)
		return;
	uint64_t a[3] = { 0x1000, 0x2000, 0x3000 }, b[2] = { 0x4000, 0x5000 };
	int64_t ia = anybpf_rtmap_stackid(m, a, 3, 0);
	CHECK(ia >= 0 && ia < 128);
	CHECK_EQ(anybpf_rtmap_stackid(m, a, 3, 0), ia);              /* same stack, same id */
	int64_t ib = anybpf_rtmap_stackid(m, b, 2, 0);
	CHECK(ib >= 0 && ib != ia);
	CHECK_EQ(anybpf_rtmap_stackid(m, a, 3, 3), -EFAULT);         /* all skipped */
	CHECK_EQ(anybpf_rtmap_stackid(m, a, 3, 1ull << 11), -EINVAL);
	int64_t skip1 = anybpf_rtmap_stackid(m, a, 3, 1);            /* {0x2000, 0x3000} */
	CHECK(skip1 >= 0);
	uint64_t out[4];
	uint32_t k = (uint32_t)ia;
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, out), 0);
	CHECK(out[0] == 0x1000 && out[1] == 0x2000 && out[2] == 0x3000 && out[3] == 0);
	CHECK_EQ(anybpf_rtmap_update(m, &k, out, 0), -EINVAL);       /* programs fill it */
	/* ids in order, then ENOENT */
	uint32_t next, cur, n = 0;
	int err = anybpf_rtmap_get_next_key(m, NULL, &next);
	while (!err) {
		CHECK(n == 0 || next > cur);
		n++;
		cur = next;
		err = anybpf_rtmap_get_next_key(m, &cur, &next);
	}
	CHECK_EQ(n, 3);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), 0);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -ENOENT);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, out), -ENOENT);
	k = 128;
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -E2BIG);
	/* a colliding stack: -EEXIST unless BPF_F_REUSE_STACKID */
	anybpf_rtmap *one = mkok(ANYBPF_MAP_TYPE_STACK_TRACE, 4, 8, 1, 0);
	CHECK_EQ(anybpf_rtmap_stackid(one, a, 1, 0), 0);
	CHECK_EQ(anybpf_rtmap_stackid(one, b, 1, 0), -EEXIST);
	CHECK_EQ(anybpf_rtmap_stackid(one, b, 1, 1ull << 10), 0);
	k = 0;
	CHECK_EQ(anybpf_rtmap_lookup(one, &k, out), 0);
	CHECK_EQ(out[0], 0x4000);
	anybpf_rtmap_free(one);
	anybpf_rtmap_free(m);
}

TEST(map_cgroup_array)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 2, 0);
	if (!m)
		return;
	uint32_t k = 0, cg = 12, out;
	CHECK_EQ(anybpf_rtmap_update(m, &k, &cg, ANYBPF_NOEXIST), -EINVAL);
	CHECK_EQ(anybpf_rtmap_update(m, &k, &cg, 0), 0);
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), -ANYBPF_ENOTSUPP);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), 0);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -ENOENT);
	anybpf_rtmap_free(m);
}

TEST(map_bloom_filter)
{
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_BLOOM_FILTER,
				       .value_size = 8, .max_entries = 100, .map_extra = 3 };
	anybpf_rtmap *m = NULL;
	o.key_size = 4;
	CHECK_EQ(anybpf_rtmap_new(&o, &m), -EINVAL);               /* no key */
	o.key_size = 0;
	o.map_extra = 16;
	CHECK_EQ(anybpf_rtmap_new(&o, &m), -EINVAL);               /* 4 bits of hashes */
	o.map_extra = 3;
	CHECK_EQ(anybpf_rtmap_new(&o, &m), 0);
	if (!m)
		return;
	CHECK_EQ(create_err(ANYBPF_MAP_TYPE_ARRAY, 4, 4, 1, 0), 0);
	struct anybpf_rtmap_opts bad = { .sz = sizeof(bad), .type = ANYBPF_MAP_TYPE_ARRAY,
					 .key_size = 4, .value_size = 4, .max_entries = 1,
					 .map_extra = 1 };
	anybpf_rtmap *b = NULL;
	CHECK_EQ(anybpf_rtmap_new(&bad, &b), -EINVAL);             /* map_extra: bloom only */
	/* no false negatives; few false positives at this load */
	for (uint64_t v = 0; v < 100; v++)
		CHECK_EQ(anybpf_rtmap_push_elem_prog(m, &v, 0), 0);
	int missing = 0, false_pos = 0;
	for (uint64_t v = 0; v < 100; v++)
		missing += anybpf_rtmap_peek(m, &v) != 0;
	for (uint64_t v = 1000; v < 2000; v++)
		false_pos += anybpf_rtmap_peek_elem_prog(m, &v) == 0;
	CHECK_EQ(missing, 0);
	CHECK(false_pos < 200);
	uint64_t v = 5000;
	CHECK_EQ(anybpf_rtmap_lookup(m, NULL, &v), -ENOENT);       /* lookup = peek */
	CHECK_EQ(anybpf_rtmap_update(m, NULL, &v, 0), 0);          /* update = push */
	CHECK_EQ(anybpf_rtmap_lookup(m, NULL, &v), 0);
	CHECK_EQ(anybpf_rtmap_push(m, &v, ANYBPF_EXIST), -EINVAL);
	CHECK_EQ(anybpf_rtmap_pop(m, &v), -ANYBPF_ENOTSUPP);
	CHECK_EQ(anybpf_rtmap_pop_elem_prog(m, &v), -EOPNOTSUPP);
	CHECK_EQ(anybpf_rtmap_delete(m, NULL), -EOPNOTSUPP);
	CHECK_EQ(anybpf_rtmap_get_next_key(m, NULL, NULL), -EOPNOTSUPP);
	anybpf_rtmap_free(m);
}

/* ---- LPM trie ------------------------------------------------------------------------ */

struct v4key {
	uint32_t plen;
	uint8_t a[4];
};

static int lpm_put(anybpf_rtmap *m, uint32_t plen, uint8_t a, uint8_t b, uint8_t c,
		   uint8_t d, uint32_t val, uint64_t flags)
{
	struct v4key k = { plen, { a, b, c, d } };
	return anybpf_rtmap_update(m, &k, &val, flags);
}

static int64_t lpm_get(anybpf_rtmap *m, uint32_t plen, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct v4key k = { plen, { a, b, c, d } };
	uint32_t v;
	int err = anybpf_rtmap_lookup(m, &k, &v);
	uint32_t *p = anybpf_rtmap_lookup_elem_prog(m, &k, 0);
	if ((err == 0) != (p != NULL) || (p && *p != v))
		return -1000; /* the two sides disagree */
	return err ? err : (int64_t)v;
}

TEST(map_lpm_longest_match)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_LPM_TRIE, 8, 4, 5, ANYBPF_F_NO_PREALLOC);
	if (!m)
		return;
	CHECK_EQ(lpm_get(m, 32, 10, 1, 2, 3), -ENOENT);
	CHECK_EQ(lpm_put(m, 8, 10, 0, 0, 0, 1, 0), 0);
	CHECK_EQ(lpm_put(m, 16, 10, 1, 0, 0, 2, 0), 0);
	CHECK_EQ(lpm_put(m, 24, 10, 1, 2, 0, 3, 0), 0);
	CHECK_EQ(lpm_get(m, 32, 10, 1, 2, 3), 3);
	CHECK_EQ(lpm_get(m, 32, 10, 1, 9, 9), 2);
	CHECK_EQ(lpm_get(m, 32, 10, 9, 9, 9), 1);
	CHECK_EQ(lpm_get(m, 32, 11, 1, 2, 3), -ENOENT);
	/* the lookup key's prefixlen bounds the match */
	CHECK_EQ(lpm_get(m, 20, 10, 1, 2, 3), 2);
	CHECK_EQ(lpm_get(m, 8, 10, 1, 2, 3), 1);
	/* bits past the prefix do not matter: same entry, replaced */
	CHECK_EQ(lpm_put(m, 8, 10, 7, 7, 7, 11, ANYBPF_NOEXIST), -EEXIST);
	CHECK_EQ(lpm_put(m, 8, 10, 7, 7, 7, 11, ANYBPF_EXIST), 0);
	CHECK_EQ(lpm_get(m, 32, 10, 9, 9, 9), 11);
	CHECK_EQ(lpm_put(m, 12, 10, 0x10, 0, 0, 12, ANYBPF_EXIST), -ENOENT);
	/* a default route, a host route, odd prefix lengths */
	CHECK_EQ(lpm_put(m, 0, 0, 0, 0, 0, 4, 0), 0);
	CHECK_EQ(lpm_get(m, 32, 192, 168, 0, 1), 4);
	CHECK_EQ(lpm_put(m, 33, 1, 2, 3, 4, 5, 0), -EINVAL);   /* past max prefixlen */
	CHECK_EQ(lpm_put(m, 8, 1, 2, 3, 4, 5, 4), -EINVAL);    /* bad flags */
	CHECK_EQ(lpm_put(m, 12, 10, 0x10, 0, 0, 12, 0), 0);    /* 10.16.0.0/12 */
	CHECK_EQ(lpm_get(m, 32, 10, 0x1f, 1, 1), 12);
	CHECK_EQ(lpm_get(m, 32, 10, 0x20, 1, 1), 11);
	/* full: -ENOSPC, but replacing works */
	CHECK_EQ(lpm_put(m, 32, 1, 1, 1, 1, 6, 0), -ENOSPC);
	CHECK_EQ(lpm_put(m, 24, 10, 1, 2, 0, 33, 0), 0);
	CHECK_EQ(lpm_get(m, 32, 10, 1, 2, 3), 33);
	/* delete is exact */
	struct v4key k = { 16, { 10, 1, 0xff, 0xff } };
	CHECK_EQ(anybpf_rtmap_delete(m, &k), 0);
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -ENOENT);
	k.plen = 40;
	CHECK_EQ(anybpf_rtmap_delete(m, &k), -EINVAL);
	CHECK_EQ(lpm_get(m, 32, 10, 1, 9, 9), 11);
	CHECK_EQ(lpm_get(m, 32, 10, 1, 2, 9), 33);
	anybpf_rtmap_free(m);
}

TEST(map_lpm_get_next_key_post_order)
{
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, ANYBPF_F_NO_PREALLOC);
	if (!m)
		return;
	/* inserted out of order; the key bytes past the prefix are kept */
	CHECK_EQ(lpm_put(m, 8, 192, 0, 0, 0, 1, 0), 0);
	CHECK_EQ(lpm_put(m, 16, 192, 168, 0, 0, 2, 0), 0);
	CHECK_EQ(lpm_put(m, 24, 192, 168, 1, 77, 3, 0), 0);
	CHECK_EQ(lpm_put(m, 24, 192, 168, 0, 0, 4, 0), 0);
	CHECK_EQ(lpm_put(m, 8, 10, 0, 0, 0, 5, 0), 0);
	CHECK_EQ(lpm_put(m, 0, 0, 0, 0, 0, 6, 0), 0);
	/* post order: children (0-branch first) before their parent */
	struct v4key want[6] = {
		{ 8, { 10, 0, 0, 0 } },  { 24, { 192, 168, 0, 0 } }, { 24, { 192, 168, 1, 77 } },
		{ 16, { 192, 168, 0, 0 } }, { 8, { 192, 0, 0, 0 } }, { 0, { 0, 0, 0, 0 } },
	};
	struct v4key cur, next;
	int i = 0, err = anybpf_rtmap_get_next_key(m, NULL, &next);
	while (!err && i < 6) {
		CHECK(!memcmp(&next, &want[i], sizeof(next)));
		i++;
		cur = next;
		err = anybpf_rtmap_get_next_key(m, &cur, &next);
	}
	CHECK_EQ(i, 6);
	CHECK_EQ(err, -ENOENT);
	/* a key not in the trie starts over */
	struct v4key missing = { 30, { 1, 2, 3, 4 } };
	CHECK_EQ(anybpf_rtmap_get_next_key(m, &missing, &next), 0);
	CHECK(!memcmp(&next, &want[0], sizeof(next)));
	anybpf_rtmap_free(m);
}

TEST(map_lpm_ipv6_keys)
{
	struct { uint32_t plen; uint8_t a[16]; } k;
	anybpf_rtmap *m = mkok(ANYBPF_MAP_TYPE_LPM_TRIE, sizeof(k), 8, 8, ANYBPF_F_NO_PREALLOC);
	if (!m)
		return;
	uint64_t v = 64, out = 0;
	memset(&k, 0, sizeof(k));
	k.plen = 64;
	k.a[0] = 0x20;
	k.a[1] = 0x01;
	k.a[2] = 0x0d;
	k.a[3] = 0xb8;
	CHECK_EQ(anybpf_rtmap_update(m, &k, &v, 0), 0);
	v = 127;
	k.plen = 127;
	CHECK_EQ(anybpf_rtmap_update(m, &k, &v, 0), 0);
	k.plen = 128;
	k.a[15] = 1;
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(out, 127);
	k.a[15] = 2;
	CHECK_EQ(anybpf_rtmap_lookup(m, &k, &out), 0);
	CHECK_EQ(out, 64);
	k.plen = 129;
	CHECK_EQ(anybpf_rtmap_update(m, &k, &v, 0), -EINVAL);
	anybpf_rtmap_free(m);
}

/* ---- for_each --------------------------------------------------------------------------- */

struct fe {
	uint64_t sum;
	int stop_after;
	int calls;
};

static long fe_cb(anybpf_rtmap *map, const void *key, void *value, void *ctx)
{
	(void)map;
	(void)key;
	struct fe *f = ctx;
	f->sum += *(uint64_t *)value;
	return ++f->calls == f->stop_after;
}

static long fe_delete_cb(anybpf_rtmap *map, const void *key, void *value, void *ctx)
{
	(void)value;
	(void)ctx;
	return anybpf_rtmap_delete_elem_prog(map, key) ? 1 : 0;
}

TEST(map_for_each_elem)
{
	anybpf_rtmap *a = mkok(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 5, 0);
	anybpf_rtmap *h = mkok(ANYBPF_MAP_TYPE_HASH, 4, 8, 10, 0);
	if (!a || !h)
		return;
	for (uint32_t i = 0; i < 5; i++) {
		CHECK_EQ(upd32(a, i, i + 1, 0), 0);
		CHECK_EQ(upd32(h, i * 3, 10 * (i + 1), 0), 0);
	}
	struct fe f = { 0 };
	CHECK_EQ(anybpf_rtmap_for_each_prog(a, fe_cb, &f, 0, 0), 5);
	CHECK_EQ(f.sum, 15);
	struct fe g = { .stop_after = 2 };
	CHECK_EQ(anybpf_rtmap_for_each_prog(a, fe_cb, &g, 0, 0), 2);
	struct fe hf = { 0 };
	CHECK_EQ(anybpf_rtmap_for_each_prog(h, fe_cb, &hf, 0, 0), 5);
	CHECK_EQ(hf.sum, 150);
	CHECK_EQ(anybpf_rtmap_for_each_prog(h, fe_cb, &hf, 1, 0), -EINVAL);
	/* the callback may delete from the map it walks */
	CHECK_EQ(anybpf_rtmap_for_each_prog(h, fe_delete_cb, NULL, 0, 0), 5);
	uint32_t k;
	CHECK_EQ(anybpf_rtmap_get_next_key(h, NULL, &k), -ENOENT);
	anybpf_rtmap *q = mkok(ANYBPF_MAP_TYPE_QUEUE, 0, 8, 4, 0);
	CHECK_EQ(anybpf_rtmap_for_each_prog(q, fe_cb, &f, 0, 0), -EINVAL);
	anybpf_rtmap_free(q);
	anybpf_rtmap_free(a);
	anybpf_rtmap_free(h);
}

/* ---- maps from object files ---------------------------------------------------------- */

static anybpf_object *open_sample(const char *rel)
{
	const char *d = getenv("ANYBPF_SAMPLES");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", d ? d : "../shared/testdata/ebpf-samples", rel);
	anybpf_object *obj = NULL;
	if (anybpf_object_open_file(path, NULL, &obj, NULL)) {
		fprintf(stderr, "  note: %s not loaded; set ANYBPF_SAMPLES\n", path);
		return NULL;
	}
	return obj;
}

/* Every map of the object, of-maps with a template made from their
 * inner definition; returns how many were created. */
static size_t create_all(anybpf_object *obj, anybpf_rtmap **rt, size_t max)
{
	size_t n = anybpf_object_map_count(obj), made = 0;
	for (size_t i = 0; i < n && i < max; i++) {
		const anybpf_map *d = anybpf_object_map(obj, i);
		anybpf_rtmap *inner = NULL;
		if (anybpf_map_inner(d) >= 0)
			CHECK_EQ(anybpf_rtmap_new_from_def(anybpf_object_map(obj, (size_t)anybpf_map_inner(d)),
							   2, NULL, &inner), 0);
		rt[i] = NULL;
		if (anybpf_rtmap_new_from_def(d, 2, inner, &rt[i]) == 0)
			made++;
		anybpf_rtmap_free(inner);
	}
	return made;
}

TEST(map_from_object_definitions)
{
	anybpf_rtmap *rt[16];
	/* global data: the section's bytes, .rodata frozen and read-only */
	anybpf_object *obj = open_sample("linux/tcp_bufs_kern.o");
	if (obj) {
		const anybpf_map *d = anybpf_object_find_map(obj, ".rodata.str1.1");
		CHECK(d != NULL);
		anybpf_rtmap *m = NULL;
		if (d && anybpf_rtmap_new_from_def(d, 2, NULL, &m) == 0) {
			size_t isize = 0;
			const void *init = anybpf_map_initial(d, &isize);
			uint8_t buf[64] = { 0 };
			uint32_t k = 0;
			CHECK(isize > 0 && isize <= sizeof(buf));
			CHECK_EQ(anybpf_rtmap_lookup(m, &k, buf), 0);
			CHECK(init && !memcmp(buf, init, isize));
			CHECK_EQ(anybpf_rtmap_update(m, &k, buf, 0), -EPERM);       /* frozen */
			CHECK_EQ(anybpf_rtmap_update_elem_prog(m, &k, buf, 0, 0), -EPERM);
			CHECK(anybpf_rtmap_lookup_elem_prog(m, &k, 0) != NULL);
			CHECK(!strcmp(anybpf_rtmap_name(m), ".rodata.str1.1"));
		}
		anybpf_rtmap_free(m);
		anybpf_object_close(obj);
	}
	/* maps of maps with their templates; an inner map goes in by id */
	obj = open_sample("linux/test_map_in_map_kern.o");
	if (obj) {
		size_t n = anybpf_object_map_count(obj);
		CHECK(n > 0 && n <= 16);
		CHECK_EQ(create_all(obj, rt, 16), n);
		for (size_t i = 0; i < n && i < 16; i++) {
			if (!rt[i] || anybpf_rtmap_type(rt[i]) != ANYBPF_MAP_TYPE_ARRAY_OF_MAPS)
				continue;
			const anybpf_map *in = anybpf_object_map(obj, (size_t)anybpf_map_inner(
							anybpf_object_find_map(obj, anybpf_rtmap_name(rt[i]))));
			anybpf_rtmap *fresh = NULL;
			CHECK_EQ(anybpf_rtmap_new_from_def(in, 2, NULL, &fresh), 0);
			uint32_t k = 0, id = anybpf_rtmap_id(fresh), out = 0;
			CHECK_EQ(anybpf_rtmap_update(rt[i], &k, &id, 0), 0);
			CHECK_EQ(anybpf_rtmap_lookup(rt[i], &k, &out), 0);
			CHECK_EQ(out, id);
			anybpf_rtmap_free(fresh);
		}
		for (size_t i = 0; i < n && i < 16; i++)
			anybpf_rtmap_free(rt[i]);
		anybpf_object_close(obj);
	}
	/* an LPM trie and per-CPU arrays from a legacy `maps` section */
	obj = open_sample("linux/xdp_router_ipv4_kern.o");
	if (obj) {
		anybpf_rtmap *m = NULL;
		const anybpf_map *d = anybpf_object_find_map(obj, "lpm_map");
		CHECK(d != NULL);
		CHECK_EQ(anybpf_rtmap_new_from_def(d, 2, NULL, &m), 0);
		if (m)
			CHECK_EQ(anybpf_rtmap_type(m), ANYBPF_MAP_TYPE_LPM_TRIE);
		anybpf_rtmap_free(m);
		/* a devmap */
		d = anybpf_object_find_map(obj, "tx_port");
		CHECK(d != NULL);
		CHECK_EQ(anybpf_rtmap_new_from_def(d, 2, NULL, &m), 0);
		if (m)
			CHECK_EQ(anybpf_rtmap_type(m), ANYBPF_MAP_TYPE_DEVMAP);
		anybpf_rtmap_free(m);
		anybpf_object_close(obj);
	}
}
