/* fuzz_maps.c - libFuzzer target: the input is a stream of map commands
 * run against a live map (src/maps) and against a small reference model of
 * the same semantics; any difference in a return code, a value, or an
 * iteration aborts.  Byte 0 picks the map: hash, percpu_hash, array,
 * queue, stack or lpm_trie. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXE 8          /* max_entries: small, so "full" happens */
#define NCPUS 2

struct in {
	const uint8_t *p;
	size_t n;
};

static int next(struct in *in, uint8_t *b)
{
	if (!in->n)
		return 0;
	*b = *in->p++;
	in->n--;
	return 1;
}

static void check(int ok)
{
	if (!ok)
		abort();
}

/* ---- hash / percpu_hash / array: keys 0..15, u32 values ------------------ */

struct kv_model {
	int present[16];
	uint32_t val[16][NCPUS];
	int count;
};

static int expect_update(struct kv_model *md, int array, uint8_t k, uint64_t flags)
{
	if (flags & ANYBPF_F_LOCK)
		return -EINVAL;
	if (flags > ANYBPF_EXIST)
		return -EINVAL;
	if (array) {
		if (k >= MAXE)
			return -E2BIG;
		return flags == ANYBPF_NOEXIST ? -EEXIST : 0;
	}
	if (md->present[k] && flags == ANYBPF_NOEXIST)
		return -EEXIST;
	if (!md->present[k] && flags == ANYBPF_EXIST)
		return -ENOENT;
	if (!md->present[k] && md->count == MAXE)
		return -E2BIG;
	return 0;
}

static void run_kv(anybpf_rtmap *m, struct in *in, int array, int percpu)
{
	struct kv_model md;
	memset(&md, 0, sizeof(md));
	if (array)
		for (int k = 0; k < MAXE; k++)
			md.present[k] = 1;
	uint8_t op, a, b;
	while (next(in, &op) && next(in, &a) && next(in, &b)) {
		uint32_t k = a & 15, v[NCPUS] = { b, (uint32_t)b << 8 };
		uint32_t out[2 * NCPUS];
		uint64_t flags = (op >> 3) & 7;
		unsigned cpu = (op >> 6) & 1;
		switch (op & 7) {
		case 0: { /* userspace update */
			int want = expect_update(&md, array, (uint8_t)k, flags);
			uint32_t buf[2 * NCPUS] = { v[0], 0, v[1], 0 };
			int got = anybpf_rtmap_update(m, &k, percpu ? (void *)buf : (void *)v, flags);
			check(got == want);
			if (!got) {
				if (!md.present[k])
					md.count++;
				md.present[k] = 1;
				md.val[k][0] = v[0];
				md.val[k][1] = percpu ? v[1] : v[0];
			}
			break;
		}
		case 1: { /* program update on one CPU */
			int want = expect_update(&md, array, (uint8_t)k, flags);
			int got = anybpf_rtmap_update_elem_prog(m, &k, v, flags, cpu);
			check(got == want);
			if (!got) {
				if (!md.present[k]) {
					md.count++;
					md.val[k][0] = md.val[k][1] = 0;
				}
				md.present[k] = 1;
				if (percpu)
					md.val[k][cpu] = v[0];
				else
					md.val[k][0] = md.val[k][1] = v[0];
			}
			break;
		}
		case 2: { /* delete */
			int want = array ? -EINVAL : md.present[k] ? 0 : -ENOENT;
			check(anybpf_rtmap_delete(m, &k) == want);
			if (!want) {
				md.present[k] = 0;
				md.count--;
			}
			break;
		}
		case 3: { /* userspace lookup */
			int got = anybpf_rtmap_lookup(m, &k, out);
			int have = array ? k < MAXE : md.present[k];
			check(got == (have ? 0 : -ENOENT));
			if (have && !got) {
				check(out[0] == md.val[k][0]);
				if (percpu)
					check(out[2] == md.val[k][1]);
			}
			break;
		}
		case 4: { /* program lookup */
			uint32_t *p = anybpf_rtmap_lookup_elem_prog(m, &k, cpu);
			int have = array ? k < MAXE : md.present[k];
			check(!!p == have);
			if (p)
				check(*p == md.val[k][percpu ? cpu : 0]);
			break;
		}
		case 5: { /* iterate: every present key once */
			int seen[16] = { 0 }, n = 0;
			uint32_t cur, nk;
			int err = anybpf_rtmap_get_next_key(m, NULL, &nk);
			while (!err && n <= 64) {
				check(nk < 16 && md.present[nk] && !seen[nk]);
				seen[nk] = 1;
				n++;
				cur = nk;
				err = anybpf_rtmap_get_next_key(m, &cur, &nk);
			}
			check(err == -ENOENT && n == (array ? MAXE : md.count));
			break;
		}
		default: /* program delete */
			if (array) {
				check(anybpf_rtmap_delete_elem_prog(m, &k) == -EINVAL);
			} else {
				int want = md.present[k] ? 0 : -ENOENT;
				check(anybpf_rtmap_delete_elem_prog(m, &k) == want);
				if (!want) {
					md.present[k] = 0;
					md.count--;
				}
			}
			break;
		}
	}
}

/* ---- queue / stack -------------------------------------------------------- */

static void run_qs(anybpf_rtmap *m, struct in *in, int stack)
{
	uint32_t model[MAXE];
	int n = 0;
	uint8_t op, a;
	while (next(in, &op) && next(in, &a)) {
		uint32_t v = a, out = 0;
		uint64_t flags = (op >> 2) & 7;
		if ((op & 3) == 0) {
			int want = (flags & ANYBPF_NOEXIST) || flags > ANYBPF_EXIST ? -EINVAL :
				   n == MAXE && !(flags & ANYBPF_EXIST) ? -E2BIG : 0;
			check(anybpf_rtmap_push(m, &v, flags) == want);
			if (!want) {
				if (n == MAXE) {
					memmove(model, model + 1, (MAXE - 1) * sizeof(*model));
					n--;
				}
				model[n++] = v;
			}
		} else {
			int pop = (op & 3) == 1;
			int got = pop ? anybpf_rtmap_pop(m, &out) : anybpf_rtmap_peek(m, &out);
			check(got == (n ? 0 : -ENOENT));
			if (n) {
				uint32_t want = stack ? model[n - 1] : model[0];
				check(out == want);
				if (pop) {
					if (!stack)
						memmove(model, model + 1, (size_t)(n - 1) * sizeof(*model));
					n--;
				}
			}
		}
	}
}

/* ---- lpm_trie: 2 data bytes (16-bit prefixes) against brute force ---------- */

struct lkey {
	uint32_t plen;
	uint8_t d[2];
};

static uint16_t bits(const uint8_t d[2]) { return (uint16_t)(d[0] << 8 | d[1]); }

static uint16_t mask(uint32_t plen) { return plen ? (uint16_t)(0xffffu << (16 - plen)) : 0; }

static void run_lpm(anybpf_rtmap *m, struct in *in)
{
	struct { int used; uint32_t plen; uint16_t pfx; uint32_t val; } md[MAXE];
	memset(md, 0, sizeof(md));
	int count = 0;
	uint8_t op, a, b, c;
	while (next(in, &op) && next(in, &a) && next(in, &b) && next(in, &c)) {
		struct lkey k = { (uint32_t)(op >> 3) % 18, { a, b } };
		uint32_t v = c, out = 0;
		int slot = -1;
		for (int i = 0; i < MAXE; i++)
			if (md[i].used && md[i].plen == k.plen &&
			    md[i].pfx == (bits(k.d) & mask(k.plen)))
				slot = i;
		switch (op & 1 ? 2 : (op >> 1) & 1) {
		case 0: { /* update */
			uint64_t flags = (op >> 2) & 1 ? ANYBPF_NOEXIST :
					 (op & 0x80) ? ANYBPF_EXIST : ANYBPF_ANY;
			int want = k.plen > 16 ? -EINVAL :
				   slot >= 0 && flags == ANYBPF_NOEXIST ? -EEXIST :
				   slot < 0 && flags == ANYBPF_EXIST ? -ENOENT :
				   slot < 0 && count == MAXE ? -ENOSPC : 0;
			check(anybpf_rtmap_update(m, &k, &v, flags) == want);
			if (!want) {
				if (slot < 0) {
					for (slot = 0; md[slot].used; slot++)
						;
					count++;
				}
				md[slot].used = 1;
				md[slot].plen = k.plen;
				md[slot].pfx = bits(k.d) & mask(k.plen);
				md[slot].val = v;
			}
			break;
		}
		case 1: { /* delete */
			int want = k.plen > 16 ? -EINVAL : slot >= 0 ? 0 : -ENOENT;
			check(anybpf_rtmap_delete(m, &k) == want);
			if (!want) {
				md[slot].used = 0;
				count--;
			}
			break;
		}
		default: { /* longest-prefix lookup */
			int best = -1;
			uint32_t lim = k.plen > 16 ? 16 : k.plen;
			for (int i = 0; i < MAXE; i++)
				if (md[i].used && md[i].plen <= lim &&
				    (bits(k.d) & mask(md[i].plen)) == md[i].pfx &&
				    (best < 0 || md[i].plen > md[best].plen))
					best = i;
			int got = anybpf_rtmap_lookup(m, &k, &out);
			check(got == (best >= 0 ? 0 : -ENOENT));
			if (best >= 0)
				check(out == md[best].val);
			break;
		}
		}
	}
	/* iteration visits every entry once */
	struct lkey cur, nk;
	int n = 0, err = anybpf_rtmap_get_next_key(m, NULL, &nk);
	while (!err && n <= MAXE) {
		n++;
		cur = nk;
		err = anybpf_rtmap_get_next_key(m, &cur, &nk);
	}
	check(err == -ENOENT && n == count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct in in = { data + 1, size - 1 };
	static const uint32_t types[6] = {
		ANYBPF_MAP_TYPE_HASH, ANYBPF_MAP_TYPE_PERCPU_HASH, ANYBPF_MAP_TYPE_ARRAY,
		ANYBPF_MAP_TYPE_QUEUE, ANYBPF_MAP_TYPE_STACK, ANYBPF_MAP_TYPE_LPM_TRIE,
	};
	uint32_t type = types[data[0] % 6];
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = type, .key_size = 4,
				       .value_size = 4, .max_entries = MAXE, .ncpus = NCPUS };
	if (type == ANYBPF_MAP_TYPE_QUEUE || type == ANYBPF_MAP_TYPE_STACK)
		o.key_size = 0;
	if (type == ANYBPF_MAP_TYPE_LPM_TRIE) {
		o.key_size = 6; /* u32 prefixlen + 2 data bytes */
		o.map_flags = ANYBPF_F_NO_PREALLOC;
	}
	anybpf_rtmap *m = NULL;
	check(anybpf_rtmap_new(&o, &m) == 0);
	switch (type) {
	case ANYBPF_MAP_TYPE_QUEUE: run_qs(m, &in, 0); break;
	case ANYBPF_MAP_TYPE_STACK: run_qs(m, &in, 1); break;
	case ANYBPF_MAP_TYPE_LPM_TRIE: run_lpm(m, &in); break;
	default:
		run_kv(m, &in, type == ANYBPF_MAP_TYPE_ARRAY, type == ANYBPF_MAP_TYPE_PERCPU_HASH);
	}
	anybpf_rtmap_free(m);
	return 0;
}
