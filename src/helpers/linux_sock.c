/* linux_sock.c - the socket-map helpers of sk_skb, sk_msg and sock_ops
 * programs, following net/core/filter.c and net/core/sock_map.c:
 *
 *   sk_redirect_map, sk_redirect_hash, msg_redirect_map, msg_redirect_hash:
 *     SK_DROP for flags other than BPF_F_INGRESS, or when the map holds no
 *     socket at the key; else the socket is recorded as the verdict's
 *     target (hr->redirect, kind ANYBPF_REDIRECT_SOCK) and SK_PASS.
 *     sockmap / sockhash maps cannot be created here yet (the maps layer
 *     refuses them with -EOPNOTSUPP), so a map the program was given is
 *     never one of them and the answer is SK_DROP; any other value is
 *     refused the same way, never dereferenced.
 *   sock_map_update, sock_hash_update (sock_ops): -EINVAL unless the map
 *     is such a map; -EOPNOTSUPP outside the established / listen
 *     callbacks, as the kernel; a test run's socket cannot join a map.
 *   msg_apply_bytes, msg_cork_bytes: recorded in the run.
 *   msg_pull_data, msg_push_data, msg_pop_data: the message's bytes and
 *     the kernel's scatterlist layout (element lengths over one linear
 *     buffer, at most MAX_MSG_FRAGS elements; an element that has no
 *     slot left absorbs the change as the kernel's copy path does), so
 *     data / data_end and sk_msg_md.size are what the kernel gives:
 *     pull_data: the window [start, end); push_data / pop_data: the first
 *     element.  Pushed bytes are zeroed (the kernel leaves them as the
 *     page allocator gave them). */
#include <errno.h>
#include <string.h>

#include "common/common.h"
#include "helpers/linux_helpers.h"

#define SK_DROP 0u
#define SK_PASS 1u
#define F_INGRESS 1ull
#define F_EXIST 2ull               /* BPF_EXIST: the largest update flag */
#define MSG_SIZE_OFF 68u           /* struct sk_msg_md: size */
#define MAX_MSG_FRAGS 17u
#define SOPS_ACTIVE_ESTABLISHED 4u /* BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB */
#define SOPS_PASSIVE_ESTABLISHED 5u
#define SOPS_TCP_LISTEN 11u

static inline struct anybpf_helper_run *hr_of(anybpf_run *run)
{
	return (struct anybpf_helper_run *)anybpf_run_user(run);
}

/* The map the program passes, if it is one of the env's of `type`. */
static anybpf_rtmap *env_map_of(anybpf_run *run, uint64_t v, uint32_t type)
{
	struct anybpf_helper_run *hr = hr_of(run);
	anybpf_rtmap *m = (anybpf_rtmap *)(uintptr_t)v;
	if (!hr || !hr->env || !m)
		return NULL;
	for (size_t i = 0; i < hr->env->nmaps; i++)
		if (hr->env->maps[i] == m)
			return anybpf_rtmap_type(m) == type ? m : NULL;
	return NULL;
}

/* ---- redirects ------------------------------------------------------------- */

/* key: the u32 key (map variants) or a pointer to the key (hash). */
static uint64_t sock_redirect(anybpf_run *run, uint64_t map, uint64_t key, uint64_t flags,
			      int hash)
{
	struct anybpf_helper_run *hr = hr_of(run);
	if (flags & ~F_INGRESS)
		return SK_DROP;
	anybpf_rtmap *m = env_map_of(run, map, hash ? ANYBPF_MAP_TYPE_SOCKHASH : ANYBPF_MAP_TYPE_SOCKMAP);
	if (!m)
		return SK_DROP;
	uint32_t k32 = (uint32_t)key, ks = anybpf_rtmap_key_size(m);
	const void *kp = &k32;
	if (hash) {
		if (anybpf_run_check(run, key, ks, 0))
			return SK_DROP;
		kp = (const void *)(uintptr_t)key;
		k32 = 0;
		memcpy(&k32, kp, ks < 4 ? ks : 4);
	}
	if (!anybpf_rtmap_lookup_elem_prog(m, kp, hr->cpu))
		return SK_DROP;
	hr->redirect = (struct anybpf_redirect){ ANYBPF_REDIRECT_SOCK, k32, flags & F_INGRESS, m };
	return SK_PASS;
}

uint64_t lh_sk_redirect_map(LH_ARGS)
{
	(void)r1, (void)r5;
	return sock_redirect(run, r2, r3, r4, 0);
}

uint64_t lh_sk_redirect_hash(LH_ARGS)
{
	(void)r1, (void)r5;
	return sock_redirect(run, r2, r3, r4, 1);
}

uint64_t lh_msg_redirect_map(LH_ARGS)
{
	(void)r1, (void)r5;
	return sock_redirect(run, r2, r3, r4, 0);
}

uint64_t lh_msg_redirect_hash(LH_ARGS)
{
	(void)r1, (void)r5;
	return sock_redirect(run, r2, r3, r4, 1);
}

/* bpf_sock_map_update / bpf_sock_hash_update(skops, map, key, flags) */
static uint64_t sock_update(anybpf_run *run, uint64_t ctx, uint64_t map, uint64_t flags, int hash)
{
	if (!env_map_of(run, map, hash ? ANYBPF_MAP_TYPE_SOCKHASH : ANYBPF_MAP_TYPE_SOCKMAP))
		return (uint64_t)-EINVAL;
	uint32_t op = 0;
	if (ctx && lh_accessible(run, ctx, 0) >= 4)
		memcpy(&op, (const void *)(uintptr_t)ctx, 4);
	if (op != SOPS_ACTIVE_ESTABLISHED && op != SOPS_PASSIVE_ESTABLISHED && op != SOPS_TCP_LISTEN)
		return (uint64_t)-EOPNOTSUPP;
	if (flags > F_EXIST)
		return (uint64_t)-EINVAL;
	return (uint64_t)-EOPNOTSUPP; /* a test run's socket cannot join a map */
}

uint64_t lh_sock_map_update(LH_ARGS)
{
	(void)r3, (void)r5;
	return sock_update(run, r1, r2, r4, 0);
}

uint64_t lh_sock_hash_update(LH_ARGS)
{
	(void)r3, (void)r5;
	return sock_update(run, r1, r2, r4, 1);
}

/* ---- sk_msg ---------------------------------------------------------------- */

uint64_t lh_msg_apply_bytes(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	if (hr) {
		hr->msg_apply_set = 1;
		hr->msg_apply_bytes = (uint32_t)r2;
	}
	return 0;
}

uint64_t lh_msg_cork_bytes(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	if (hr) {
		hr->msg_cork_set = 1;
		hr->msg_cork_bytes = (uint32_t)r2;
	}
	return 0;
}

/* The run's message (taken from *pkt on first use), or NULL. */
static struct anybpf_helper_run *msg_of(anybpf_run *run)
{
	struct anybpf_helper_run *hr = hr_of(run);
	if (!hr || !hr->pkt || !hr->pkt->data || hr->pkt->data_end < hr->pkt->data)
		return NULL;
	if (!hr->msg_init) {
		uint32_t size = (uint32_t)(hr->pkt->data_end - hr->pkt->data);
		hr->msg_init = 1;
		hr->msg_start = hr->pkt->data;
		hr->msg_nelem = size ? 1 : 0;
		hr->msg_elem[0] = size;
	}
	return hr;
}

static uint32_t msg_size(const struct anybpf_helper_run *hr)
{
	uint32_t s = 0;
	for (unsigned i = 0; i < hr->msg_nelem; i++)
		s += hr->msg_elem[i];
	return s;
}

/* The kernel's first loop: element i holding byte `start` (i == nelem,
 * off/len those of the last element, when start is past the end). */
static unsigned msg_find(const struct anybpf_helper_run *hr, uint32_t start, uint32_t *off,
			 uint32_t *len)
{
	uint32_t o = 0, l = 0;
	unsigned i = 0;
	if (!hr->msg_nelem) {
		*off = *len = 0;
		return 0;
	}
	do {
		o += l;
		l = hr->msg_elem[i];
		if (start < o + l)
			break;
		i++;
	} while (i < hr->msg_nelem);
	*off = o;
	*len = l;
	return i;
}

static void elem_insert(struct anybpf_helper_run *hr, unsigned at, uint32_t len)
{
	memmove(&hr->msg_elem[at + 1], &hr->msg_elem[at], (hr->msg_nelem - at) * sizeof(uint32_t));
	hr->msg_elem[at] = len;
	hr->msg_nelem++;
}

static void elem_remove(struct anybpf_helper_run *hr, unsigned at, unsigned count)
{
	memmove(&hr->msg_elem[at], &hr->msg_elem[at + count],
		(hr->msg_nelem - at - count) * sizeof(uint32_t));
	hr->msg_nelem -= count;
}

/* After push / pop: sk_msg_md.size, data..data_end = the first element
 * (sk_msg_compute_data_pointers), the bytes reachable in checking mode. */
static void msg_sync(anybpf_run *run, struct anybpf_helper_run *hr)
{
	struct anybpf_helper_pkt *p = hr->pkt;
	uint32_t size = msg_size(hr);
	p->data = hr->msg_start;
	p->data_end = hr->msg_start + (hr->msg_nelem ? hr->msg_elem[0] : 0);
	if (p->data_meta)
		p->data_meta = p->data;
	if (hr->ctx && hr->env && hr->env->prog_type && !strcmp(hr->env->prog_type, "sk_msg"))
		memcpy((uint8_t *)(uintptr_t)hr->ctx + MSG_SIZE_OFF, &size, 4);
	if (lh_checked(run) && size && lh_accessible(run, (uint64_t)(uintptr_t)hr->msg_start, 1) < size)
		anybpf_run_add_region(run, hr->msg_start, size, ANYBPF_REGION_RW, "packet");
}

/* bpf_msg_pull_data(msg, start, end, flags): data..data_end = bytes
 * [start, end) of the message, the elements they span merged into one. */
uint64_t lh_msg_pull_data(LH_ARGS)
{
	(void)r1, (void)r5;
	struct anybpf_helper_run *hr = msg_of(run);
	uint32_t start = (uint32_t)r2, end = (uint32_t)r3, off, len;
	if (!hr || r4 || end <= start)
		return (uint64_t)-EINVAL;
	unsigned i = msg_find(hr, start, &off, &len);
	if (start >= off + len)
		return (uint64_t)-EINVAL;
	uint32_t bytes = end - start;
	uint64_t total = (uint64_t)(start - off) + bytes;
	if (total > len) {
		uint64_t copy = 0;
		unsigned j = i;
		do {
			copy += hr->msg_elem[j++];
			if (total <= copy)
				break;
		} while (j < hr->msg_nelem);
		if (total > copy)
			return (uint64_t)-EINVAL;
		hr->msg_elem[i] = (uint32_t)copy;
		elem_remove(hr, i + 1, j - i - 1);
	}
	hr->pkt->data = hr->msg_start + start;
	hr->pkt->data_end = hr->pkt->data + bytes;
	if (lh_checked(run) && lh_accessible(run, (uint64_t)(uintptr_t)hr->pkt->data, 1) < bytes)
		anybpf_run_add_region(run, hr->pkt->data, bytes, ANYBPF_REGION_RW, "packet");
	return 0;
}

/* The message that bpf_msg_push_data / bpf_msg_pop_data edit; NULL with
 * *rc = -EINVAL (no message, or flags set) or 0 (len 0: nothing to do). */
static struct anybpf_helper_run *msg_edit_of(anybpf_run *run, uint64_t flags, uint32_t len,
					     uint64_t *rc)
{
	struct anybpf_helper_run *hr = msg_of(run);
	*rc = (uint64_t)-EINVAL;
	if (!hr || flags)
		return NULL;
	*rc = 0;
	return len ? hr : NULL;
}

/* bpf_msg_push_data(msg, start, len, flags): len (zeroed) bytes inserted
 * at start, in an element of their own when a slot is free. */
uint64_t lh_msg_push_data(LH_ARGS)
{
	(void)r1, (void)r5;
	uint32_t start = (uint32_t)r2, len = (uint32_t)r3, off, l;
	uint64_t rc;
	struct anybpf_helper_run *hr = msg_edit_of(run, r4, len, &rc);
	if (!hr)
		return rc;
	unsigned i = msg_find(hr, start, &off, &l);
	if (start > off + l)
		return (uint64_t)-EINVAL;
	/* room in the buffer: the tail first, then the head */
	struct anybpf_helper_pkt *p = hr->pkt;
	uint32_t size = msg_size(hr);
	if (!p->buf || !p->buf_end || p->buf > hr->msg_start || p->buf_end < hr->msg_start + size)
		return (uint64_t)-ENOMEM;
	uint64_t tail = (uint64_t)(p->buf_end - (hr->msg_start + size));
	uint64_t head = (uint64_t)(hr->msg_start - p->buf);
	if (len > tail + head)
		return (uint64_t)-ENOMEM;
	if (len > tail) {
		uint8_t *to = hr->msg_start - (len - tail);
		memmove(to, hr->msg_start, size);
		hr->msg_start = to;
	}
	memmove(hr->msg_start + start + len, hr->msg_start + start, size - start);
	memset(hr->msg_start + start, 0, len);
	unsigned space = MAX_MSG_FRAGS - hr->msg_nelem;
	if (!space || (space == 1 && start != off)) {
		hr->msg_elem[i == hr->msg_nelem ? i - 1 : i] += len; /* the copy path */
	} else if (start != off) {
		if (i == hr->msg_nelem)
			i--;
		uint32_t front = start - off, rest = hr->msg_elem[i] - front;
		hr->msg_elem[i] = front;
		elem_insert(hr, i + 1, len);
		if (rest)
			elem_insert(hr, i + 2, rest);
	} else {
		elem_insert(hr, i, len);
	}
	msg_sync(run, hr);
	return 0;
}

/* bpf_msg_pop_data(msg, start, len, flags): len bytes at start removed. */
uint64_t lh_msg_pop_data(LH_ARGS)
{
	(void)r1, (void)r5;
	uint32_t start = (uint32_t)r2, len = (uint32_t)r3, off, l;
	uint64_t rc;
	struct anybpf_helper_run *hr = msg_edit_of(run, r4, len, &rc);
	if (!hr)
		return rc;
	unsigned i = msg_find(hr, start, &off, &l);
	uint32_t size = msg_size(hr);
	if (start >= off + l || (uint64_t)start + len > size)
		return (uint64_t)-EINVAL;
	memmove(hr->msg_start + start, hr->msg_start + start + len, size - start - len);
	uint32_t pop = len;
	unsigned space = MAX_MSG_FRAGS - hr->msg_nelem;
	if (start != off) {
		uint32_t a = start - off;
		int64_t b = (int64_t)hr->msg_elem[i] - pop - a;
		if (b > 0) {
			if (space) {
				hr->msg_elem[i] = a;
				elem_insert(hr, i + 1, (uint32_t)b);
			} else {
				hr->msg_elem[i] = a + (uint32_t)b;
			}
			pop = 0;
		} else {
			pop -= hr->msg_elem[i] - a;
			hr->msg_elem[i] = a;
			i++;
		}
	}
	while (pop && i < hr->msg_nelem) {
		if (pop < hr->msg_elem[i]) {
			hr->msg_elem[i] -= pop;
			pop = 0;
		} else {
			pop -= hr->msg_elem[i];
			elem_remove(hr, i, 1);
		}
	}
	msg_sync(run, hr);
	return 0;
}
