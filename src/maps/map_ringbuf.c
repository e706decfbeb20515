/* map_ringbuf.c - BPF_MAP_TYPE_RINGBUF: a multi-producer, single-consumer
 * ring of variable-size records, with Linux's layout and protocol:
 *
 *  - max_entries (a power-of-2 multiple of the page size) bytes of data;
 *    consumer and producer positions count bytes forever (masked to index);
 *  - a record is an 8-byte header {u32 len with BUSY/DISCARD bits, u32
 *    offset back to the ring} and the sample, padded to 8 bytes;
 *  - reserve takes the producer lock, checks the space against the
 *    consumer position, writes the header with BUSY set and advances the
 *    producer position; submit/discard clear BUSY (release store) with no
 *    lock; the consumer reads records in order up to the first BUSY one
 *    and then publishes its new position (release store).
 *
 * Linux maps the data pages twice so a record that wraps past the end
 * is still contiguous.  We get the same effect portably: the data area is
 * twice the ring size and a record at index i always occupies
 * [i, i + len) of it; a wrapping record simply runs into the second half,
 * which no other record uses, while the accounting stays that of a ring.
 * The header's offset field is the header's distance from the ring in
 * 8-byte units, so submit finds the ring from the sample pointer alone. */
#include "common/common.h"
#include "map_internal.h"

#define RB_MAX_RECORD (UINT32_MAX / 4)

struct rb {
	abm_spin lock;            /* producers */
	uint64_t mask;
	_Atomic uint64_t cons;
	_Atomic uint64_t prod;
	uint64_t data[];          /* 2 * (mask + 1) bytes */
};

struct rb_hdr {
	uint32_t len;
	uint32_t off;             /* (hdr - ring) / 8 */
};

static int rb_check(const struct anybpf_rtmap_opts *o)
{
	uint32_t n = o->max_entries;
	if (o->map_flags & ~ANYBPF_F_NUMA_NODE)
		return -EINVAL;
	if (o->key_size || o->value_size || n == 0 || (n & (n - 1)) || (n % ABM_PAGE_SIZE))
		return -EINVAL;
	return 0;
}

static int rb_alloc(anybpf_rtmap *m, const struct anybpf_rtmap_opts *o)
{
	(void)o;
	struct rb *r = ab_calloc(1, sizeof(*r) + 2 * (size_t)m->max_entries);
	if (!r)
		return -ENOMEM;
	r->mask = m->max_entries - 1;
	atomic_init(&r->cons, 0);
	atomic_init(&r->prod, 0);
	m->impl = r;
	return 0;
}

static void rb_free(anybpf_rtmap *m)
{
	ab_free(m->impl);
}

static struct rb *ring_of(anybpf_rtmap *map)
{
	return map && map->type == ANYBPF_MAP_TYPE_RINGBUF ? map->impl : NULL;
}

void *anybpf_ringbuf_reserve(anybpf_rtmap *map, uint64_t size, uint64_t flags)
{
	struct rb *r = ring_of(map);
	if (!r || flags || size > RB_MAX_RECORD)
		return NULL;
	uint64_t len = (size + ANYBPF_RINGBUF_HDR_SZ + 7) & ~7ull;
	if (len > r->mask + 1)
		return NULL;
	abm_spin_lock(&r->lock);
	uint64_t cons = atomic_load_explicit(&r->cons, memory_order_acquire);
	uint64_t prod = atomic_load_explicit(&r->prod, memory_order_relaxed);
	/* the producer never gets more than size - 1 bytes ahead (Linux) */
	if (prod + len - cons > r->mask) {
		abm_spin_unlock(&r->lock);
		return NULL;
	}
	uint8_t *base = (uint8_t *)r->data;
	struct rb_hdr *h = (struct rb_hdr *)(base + (prod & r->mask));
	h->off = (uint32_t)(((uint8_t *)h - (uint8_t *)r) / 8);
	__atomic_store_n(&h->len, (uint32_t)size | ANYBPF_RINGBUF_BUSY_BIT, __ATOMIC_RELAXED);
	atomic_store_explicit(&r->prod, prod + len, memory_order_release);
	abm_spin_unlock(&r->lock);
	return h + 1;
}

static void commit(void *sample, int discard)
{
	if (!sample)
		return;
	struct rb_hdr *h = (struct rb_hdr *)sample - 1;
	uint32_t len = __atomic_load_n(&h->len, __ATOMIC_RELAXED) & ~ANYBPF_RINGBUF_BUSY_BIT;
	if (discard)
		len |= ANYBPF_RINGBUF_DISCARD_BIT;
	__atomic_store_n(&h->len, len, __ATOMIC_RELEASE);
}

/* Wakeup flags have nothing to wake here: consumers poll. */
void anybpf_ringbuf_submit(void *sample, uint64_t flags)
{
	(void)flags;
	commit(sample, 0);
}

void anybpf_ringbuf_discard(void *sample, uint64_t flags)
{
	(void)flags;
	commit(sample, 1);
}

int anybpf_ringbuf_output(anybpf_rtmap *map, const void *data, uint64_t size, uint64_t flags)
{
	if (flags & ~(ANYBPF_RB_NO_WAKEUP | ANYBPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	if (!ring_of(map))
		return -EINVAL;
	void *s = anybpf_ringbuf_reserve(map, size, 0);
	if (!s)
		return -EAGAIN;
	memcpy(s, data, size);
	commit(s, 0);
	return 0;
}

uint64_t anybpf_ringbuf_query(anybpf_rtmap *map, uint64_t flags)
{
	struct rb *r = ring_of(map);
	if (!r)
		return 0;
	uint64_t cons = atomic_load(&r->cons), prod = atomic_load(&r->prod);
	switch (flags) {
	case ANYBPF_RB_AVAIL_DATA: return prod - cons;
	case ANYBPF_RB_RING_SIZE:  return r->mask + 1;
	case ANYBPF_RB_CONS_POS:   return cons;
	case ANYBPF_RB_PROD_POS:   return prod;
	default:                   return 0;
	}
}

int anybpf_ringbuf_consume(anybpf_rtmap *map, anybpf_ringbuf_cb cb, void *ctx)
{
	struct rb *r = ring_of(map);
	if (!r || !cb)
		return -EINVAL;
	uint8_t *base = (uint8_t *)r->data;
	uint64_t cons = atomic_load_explicit(&r->cons, memory_order_relaxed);
	int n = 0;
	for (;;) {
		uint64_t prod = atomic_load_explicit(&r->prod, memory_order_acquire);
		if (cons >= prod)
			break;
		struct rb_hdr *h = (struct rb_hdr *)(base + (cons & r->mask));
		uint32_t word = __atomic_load_n(&h->len, __ATOMIC_ACQUIRE);
		if (word & ANYBPF_RINGBUF_BUSY_BIT)
			break;
		uint32_t len = word & ~ANYBPF_RINGBUF_DISCARD_BIT;
		cons += (len + ANYBPF_RINGBUF_HDR_SZ + 7) & ~7ull;
		int rc = 0;
		if (!(word & ANYBPF_RINGBUF_DISCARD_BIT)) {
			rc = cb(ctx, h + 1, len);
			n++;
		}
		atomic_store_explicit(&r->cons, cons, memory_order_release);
		if (rc < 0)
			return rc;
	}
	return n;
}

const struct abm_ops abm_ringbuf_ops = {
	.unsupported = -ABM_ENOTSUPP,
	.alloc_check = rb_check,
	.alloc = rb_alloc,
	.free = rb_free,
};
