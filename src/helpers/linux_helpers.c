/* linux_helpers.c - the Linux helper functions: registry, maps, time, the
 * fake task, ring buffer / perf output, tail calls, spin locks.  Formatting
 * and probe reads are in linux_format.c, packet helpers in linux_pkt.c and
 * linux_skb.c, the tracing / socket / cgroup ones in linux_misc.c.
 *
 * Every helper follows the kernel's helper of the same name (see
 * kernel/bpf/helpers.c, net/core/filter.c, kernel/trace/bpf_trace.c):
 * same return values, same errno, same flag checks.  Arguments the
 * verifier proves for Linux (map pointers, keys, values) are checked here
 * too, since unverified programs may run in checking mode. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "helpers/linux_helpers.h"
#include "vm/vm_internal.h"

static const struct anybpf_helper_env lh_no_env = { .sz = sizeof(struct anybpf_helper_env) };

static inline struct anybpf_helper_run *hr_of(anybpf_run *run)
{
	return (struct anybpf_helper_run *)anybpf_run_user(run);
}

static inline const struct anybpf_helper_env *env_of(const struct anybpf_helper_run *hr)
{
	return hr && hr->env ? hr->env : &lh_no_env;
}

int lh_checked(anybpf_run *run)
{
	return run && run->checked;
}

size_t lh_accessible(anybpf_run *run, uint64_t addr, int write)
{
	if (!run)
		return 0;
	unsigned need = write ? ANYBPF_REGION_W : ANYBPF_REGION_R;
	uint64_t lo = run->stack_top - (uint64_t)(run->depth + 1u) * VM_STACK_SIZE;
	if (run->stack && addr >= lo && addr < run->stack_top)
		return (size_t)(run->stack_top - addr);
	for (size_t i = 0; i < run->nregions + run->nextra; i++) {
		const struct anybpf_region *r =
			i < run->nregions ? &run->regions[i] : &run->extra[i - run->nregions];
		uint64_t b = (uint64_t)(uintptr_t)r->base;
		if ((r->flags & need) == need && addr >= b && addr - b < r->len)
			return (size_t)(r->len - (addr - b));
	}
	return 0;
}

/* In checking mode, a helper's pointer argument must be accessible
 * (fatal for the run otherwise, as a bad memory access is). */
static inline int arg_ok(anybpf_run *run, uint64_t addr, size_t len, int write)
{
	return anybpf_run_check(run, addr, len, write) == 0;
}

void anybpf_helper_run_init(struct anybpf_helper_run *hr, const struct anybpf_helper_env *env)
{
	memset(hr, 0, sizeof(*hr));
	hr->env = env;
	hr->prandom = env && env->prandom_seed ? env->prandom_seed : 0x9e3779b97f4a7c15ull;
	hr->xdp = env && env->prog_type && !strncmp(env->prog_type, "xdp", 3);
	/* program types whose context is a struct __sk_buff (no type: any) */
	static const char *const skb_types[] = { "socket_filter", "sched_cls", "sched_act",
						 "cgroup_skb", "lwt_in", "lwt_out", "lwt_xmit",
						 "lwt_seg6local", "sk_skb", "flow_dissector" };
	hr->skb_ctx = !env || !env->prog_type;
	for (size_t i = 0; !hr->skb_ctx && i < ARRAY_SIZE(skb_types); i++)
		hr->skb_ctx = !strcmp(env->prog_type, skb_types[i]);
}

void anybpf_helper_env_fake_from(struct anybpf_helper_env *env,
				 const struct anybpf_helper_env *from)
{
	if (!env || !from || from == env || from->sz < offsetof(struct anybpf_helper_env, maps))
		return;
	struct anybpf_helper_env own = *env;
	size_t n = from->sz < sizeof(*env) ? from->sz : sizeof(*env);
	memcpy(env, from, n);
	env->sz = own.sz;
	env->prog_type = own.prog_type;
	env->maps = own.maps;
	env->nmaps = own.nmaps;
	env->trace = own.trace;
	env->trace_user = own.trace_user;
	env->tail_call = own.tail_call;
	env->tail_call_user = own.tail_call_user;
}

/* ---- maps --------------------------------------------------------------- */

/* The map a program passes: one of the env's maps or an inner map a
 * lookup handed out this run; NULL for anything else. */
static anybpf_rtmap *map_arg(anybpf_run *run, uint64_t v)
{
	struct anybpf_helper_run *hr = hr_of(run);
	const struct anybpf_helper_env *env = env_of(hr);
	anybpf_rtmap *m = (anybpf_rtmap *)(uintptr_t)v;
	if (!m)
		return NULL;
	for (size_t i = 0; i < env->nmaps; i++)
		if (env->maps[i] == m)
			return m;
	if (hr)
		for (unsigned i = 0; i < hr->ninner; i++)
			if (hr->inner[i] == m)
				return m;
	return NULL;
}

static int is_of_maps(const anybpf_rtmap *m)
{
	uint32_t t = anybpf_rtmap_type(m);
	return t == ANYBPF_MAP_TYPE_ARRAY_OF_MAPS || t == ANYBPF_MAP_TYPE_HASH_OF_MAPS;
}

static uint64_t lh_map_lookup_elem(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m || !arg_ok(run, r2, anybpf_rtmap_key_size(m), 0))
		return 0;
	struct anybpf_helper_run *hr = hr_of(run);
	void *v = anybpf_rtmap_lookup_elem_prog(m, (const void *)(uintptr_t)r2, hr ? hr->cpu : 0);
	if (!v)
		return 0;
	if (is_of_maps(m)) {
		/* an inner map: usable as a map argument from now on */
		if (!hr)
			return 0;
		anybpf_rtmap *in = v;
		unsigned i;
		for (i = 0; i < hr->ninner && hr->inner[i] != in; i++)
			;
		if (i == hr->ninner) {
			if (hr->ninner == ARRAY_SIZE(hr->inner))
				memmove(hr->inner, hr->inner + 1, sizeof(hr->inner) - sizeof(hr->inner[0]));
			else
				hr->ninner++;
			hr->inner[hr->ninner - 1] = in;
		}
		return (uint64_t)(uintptr_t)v;
	}
	if (lh_checked(run)) {
		uint32_t vs = anybpf_rtmap_value_size(m);
		int ro = (anybpf_rtmap_flags(m) & ANYBPF_F_RDONLY_PROG) != 0;
		if (lh_accessible(run, (uint64_t)(uintptr_t)v, !ro) < vs)
			anybpf_run_add_region(run, v, vs, ro ? ANYBPF_REGION_R : ANYBPF_REGION_RW,
					      "map value");
	}
	return (uint64_t)(uintptr_t)v;
}

static uint64_t lh_map_update_elem(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m)
		return (uint64_t)-EINVAL;
	if (!arg_ok(run, r2, anybpf_rtmap_key_size(m), 0) ||
	    !arg_ok(run, r3, anybpf_rtmap_value_size(m), 0))
		return (uint64_t)-EFAULT;
	struct anybpf_helper_run *hr = hr_of(run);
	return (uint64_t)(int64_t)anybpf_rtmap_update_elem_prog(
		m, (const void *)(uintptr_t)r2, (const void *)(uintptr_t)r3, r4, hr ? hr->cpu : 0);
}

static uint64_t lh_map_delete_elem(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m)
		return (uint64_t)-EINVAL;
	if (!arg_ok(run, r2, anybpf_rtmap_key_size(m), 0))
		return (uint64_t)-EFAULT;
	return (uint64_t)(int64_t)anybpf_rtmap_delete_elem_prog(m, (const void *)(uintptr_t)r2);
}

static uint64_t lh_map_push_elem(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m)
		return (uint64_t)-EINVAL;
	if (!arg_ok(run, r2, anybpf_rtmap_value_size(m), 0))
		return (uint64_t)-EFAULT;
	return (uint64_t)(int64_t)anybpf_rtmap_push_elem_prog(m, (const void *)(uintptr_t)r2, r3);
}

static uint64_t lh_map_pop_elem(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m)
		return (uint64_t)-EINVAL;
	if (!arg_ok(run, r2, anybpf_rtmap_value_size(m), 1))
		return (uint64_t)-EFAULT;
	return (uint64_t)(int64_t)anybpf_rtmap_pop_elem_prog(m, (void *)(uintptr_t)r2);
}

static uint64_t lh_map_peek_elem(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m)
		return (uint64_t)-EINVAL;
	if (!arg_ok(run, r2, anybpf_rtmap_value_size(m), 1))
		return (uint64_t)-EFAULT;
	return (uint64_t)(int64_t)anybpf_rtmap_peek_elem_prog(m, (void *)(uintptr_t)r2);
}

/* ---- time, cpu, random --------------------------------------------------- */

static uint64_t clock_ns(anybpf_run *run, enum anybpf_clock which)
{
	const struct anybpf_helper_env *env = env_of(hr_of(run));
	if (env->clock)
		return env->clock(env->clock_user, which);
	clockid_t id = CLOCK_MONOTONIC;
	switch (which) {
	case ANYBPF_CLOCK_MONOTONIC: id = CLOCK_MONOTONIC; break;
#ifdef CLOCK_BOOTTIME
	case ANYBPF_CLOCK_BOOTTIME: id = CLOCK_BOOTTIME; break;
#endif
#ifdef CLOCK_MONOTONIC_COARSE
	case ANYBPF_CLOCK_COARSE: id = CLOCK_MONOTONIC_COARSE; break;
#endif
#ifdef CLOCK_TAI
	case ANYBPF_CLOCK_TAI: id = CLOCK_TAI; break;
#endif
	default: break;
	}
	struct timespec ts;
	if (clock_gettime(id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The clock helpers: one clock each (the env's override or the host's). */
#define LH_CLOCK_HELPER(NAME, CLOCK)                                          \
	static uint64_t lh_##NAME(LH_ARGS)                                    \
	{                                                                     \
		LH_UNUSED5;                                                   \
		return clock_ns(run, CLOCK);                                  \
	}
LH_CLOCK_HELPER(ktime_get_ns, ANYBPF_CLOCK_MONOTONIC)
LH_CLOCK_HELPER(ktime_get_boot_ns, ANYBPF_CLOCK_BOOTTIME)
LH_CLOCK_HELPER(ktime_get_coarse_ns, ANYBPF_CLOCK_COARSE)
LH_CLOCK_HELPER(ktime_get_tai_ns, ANYBPF_CLOCK_TAI)
#undef LH_CLOCK_HELPER

static uint64_t lh_jiffies64(LH_ARGS)
{
	LH_UNUSED5;
	return clock_ns(run, ANYBPF_CLOCK_BOOTTIME) / (1000000000ull / ANYBPF_HZ);
}

/* A per-run xorshift64* stream (the kernel's is a per-CPU prandom state;
 * any u32 is a correct answer, a seeded one is reproducible). */
static uint64_t lh_get_prandom_u32(LH_ARGS)
{
	LH_UNUSED5;
	struct anybpf_helper_run *hr = hr_of(run);
	static _Thread_local uint64_t fallback = 0x9e3779b97f4a7c15ull;
	uint64_t *s = hr ? &hr->prandom : &fallback;
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

static uint64_t lh_get_smp_processor_id(LH_ARGS)
{
	LH_UNUSED5;
	struct anybpf_helper_run *hr = hr_of(run);
	return hr ? hr->cpu : 0;
}

static uint64_t lh_get_numa_node_id(LH_ARGS)
{
	LH_UNUSED5;
	return env_of(hr_of(run))->numa_node;
}

/* ---- the fake task ------------------------------------------------------ */

static uint64_t lh_get_current_pid_tgid(LH_ARGS)
{
	LH_UNUSED5;
	const struct anybpf_helper_env *env = env_of(hr_of(run));
	return (uint64_t)env->task.tgid << 32 | env->task.pid;
}

static uint64_t lh_get_current_uid_gid(LH_ARGS)
{
	LH_UNUSED5;
	const struct anybpf_helper_env *env = env_of(hr_of(run));
	return (uint64_t)env->task.gid << 32 | env->task.uid;
}

/* strscpy_pad(buf, comm, size): the name, NUL-padded to size; 0. */
static uint64_t lh_get_current_comm(LH_ARGS)
{
	LH_UNUSED5;
	const struct anybpf_helper_env *env = env_of(hr_of(run));
	char *buf = (char *)(uintptr_t)r1;
	if (r2 == 0 || !arg_ok(run, r1, r2, 1))
		return (uint64_t)-EINVAL;
	/* task->comm holds at most TASK_COMM_LEN - 1 characters */
	size_t n = strnlen(env->task.comm, sizeof(env->task.comm) - 1);
	if (n > r2 - 1)
		n = r2 - 1;
	memcpy(buf, env->task.comm, n);
	memset(buf + n, 0, r2 - n);
	return 0;
}

#define LH_FAKE_TASK 0xffff888000100000ull /* a kernel-looking, unmapped address */

static uint64_t lh_get_current_task(LH_ARGS)
{
	LH_UNUSED5;
	const struct anybpf_helper_env *env = env_of(hr_of(run));
	return env->task.task ? env->task.task : LH_FAKE_TASK;
}

static uint64_t lh_get_func_ip(LH_ARGS)
{
	LH_UNUSED5;
	return env_of(hr_of(run))->func_ip;
}

static uint64_t lh_get_socket_cookie(LH_ARGS)
{
	LH_UNUSED5;
	uint64_t c = env_of(hr_of(run))->socket_cookie;
	return c ? c : 1;
}

static uint64_t lh_get_current_cgroup_id(LH_ARGS)
{
	LH_UNUSED5;
	uint64_t id = env_of(hr_of(run))->cgroup_id;
	return id ? id : 1;
}

/* bpf_get_ns_current_pid_tgid(dev, ino, nsdata, size): 0 and {pid, tgid}
 * when (dev, ino) is the task's pid namespace, else -EINVAL with nsdata
 * zeroed (also for size != 8 or a dev that is not a dev_t). */
static uint64_t lh_get_ns_current_pid_tgid(LH_ARGS)
{
	LH_UNUSED5;
	const struct anybpf_helper_env *env = env_of(hr_of(run));
	if (!arg_ok(run, r3, r4, 1))
		return (uint64_t)-EFAULT;
	if (r4 != 8 || (uint32_t)r1 != r1 || r1 != env->pidns_dev || r2 != env->pidns_ino) {
		memset((void *)(uintptr_t)r3, 0, (size_t)r4);
		return (uint64_t)-EINVAL;
	}
	uint32_t v[2] = { env->task.pid, env->task.tgid };
	memcpy((void *)(uintptr_t)r3, v, 8);
	return 0;
}

/* ---- stacks -------------------------------------------------------------- */

#define LH_F_SKIP_FIELD_MASK 0xffull
#define LH_F_USER_STACK      (1ull << 8)
#define LH_F_USER_BUILD_ID   (1ull << 11)
#define LH_MAX_STACK         127u      /* sysctl_perf_event_max_stack */

/* bpf_get_stackid(ctx, map, flags): the stack_trace map's id for the
 * env's stack (anybpf_rtmap_stackid has the errors). */
static uint64_t lh_get_stackid(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	const struct anybpf_helper_env *env = env_of(hr_of(run));
	anybpf_rtmap *m = map_arg(run, r2);
	if (!m)
		return (uint64_t)-EINVAL;
	int user = (r3 & LH_F_USER_STACK) != 0;
	const uint64_t *ips = user ? env->ustack : env->kstack;
	uint32_t nr = user ? env->nustack : env->nkstack;
	if (nr > LH_MAX_STACK)
		nr = LH_MAX_STACK;
	return (uint64_t)anybpf_rtmap_stackid(m, ips, ips ? nr : 0, r3);
}

/* bpf_get_stack(ctx, buf, size, flags): bytes of addresses copied (the
 * rest of buf zeroed), -EINVAL (flags, size not a multiple of 8; build
 * ids are not supported here), -EFAULT (no stack past the skip count). */
static uint64_t lh_get_stack(LH_ARGS)
{
	(void)r1, (void)r5;
	const struct anybpf_helper_env *env = env_of(hr_of(run));
	uint8_t *buf = (uint8_t *)(uintptr_t)r2;
	uint64_t size = r3, flags = r4;
	int user = (flags & LH_F_USER_STACK) != 0;
	int64_t err = -EINVAL;
	if (!arg_ok(run, r2, (size_t)size, 1))
		return (uint64_t)-EFAULT;
	if (flags & ~(LH_F_SKIP_FIELD_MASK | LH_F_USER_STACK | LH_F_USER_BUILD_ID) ||
	    (flags & LH_F_USER_BUILD_ID) || size % 8)
		goto clear;
	uint32_t skip = (uint32_t)(flags & LH_F_SKIP_FIELD_MASK);
	const uint64_t *ips = user ? env->ustack : env->kstack;
	uint64_t nr = ips ? (user ? env->nustack : env->nkstack) : 0;
	uint64_t max_depth = size / 8 + skip;
	if (max_depth > LH_MAX_STACK)
		max_depth = LH_MAX_STACK;
	if (nr > max_depth)
		nr = max_depth;
	if (!nr || nr < skip) {
		err = -EFAULT;
		goto clear;
	}
	uint64_t n = nr - skip;
	if (n > size / 8)
		n = size / 8;
	memcpy(buf, ips + skip, (size_t)(n * 8));
	if (size > n * 8)
		memset(buf + n * 8, 0, (size_t)(size - n * 8));
	return n * 8;
clear:
	if (size)
		memset(buf, 0, (size_t)size);
	return (uint64_t)err;
}

/* ---- ring buffer, perf event output ------------------------------------- */

static uint64_t lh_ringbuf_output(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m || anybpf_rtmap_type(m) != ANYBPF_MAP_TYPE_RINGBUF)
		return (uint64_t)-EINVAL;
	if (!arg_ok(run, r2, r3, 0))
		return (uint64_t)-EFAULT;
	return (uint64_t)(int64_t)anybpf_ringbuf_output(m, (const void *)(uintptr_t)r2, r3, r4);
}

static uint64_t lh_ringbuf_reserve(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m || anybpf_rtmap_type(m) != ANYBPF_MAP_TYPE_RINGBUF)
		return 0;
	void *p = anybpf_ringbuf_reserve(m, r2, r3);
	if (p && lh_checked(run) &&
	    anybpf_run_add_region(run, p, (size_t)r2, ANYBPF_REGION_RW, "ringbuf record")) {
		anybpf_ringbuf_discard(p, 0);
		return 0;
	}
	return (uint64_t)(uintptr_t)p;
}

/* The record must be one this run reserved: in checking mode, a region
 * named "ringbuf record" starting exactly there.  Unverified programs
 * cannot submit twice: the region is renamed once released. */
static int rb_record_ok(anybpf_run *run, uint64_t p)
{
	if (!lh_checked(run))
		return 1;
	for (size_t i = 0; i < run->nextra; i++) {
		struct anybpf_region *r = &run->extra[i];
		if ((uint64_t)(uintptr_t)r->base == p && r->name &&
		    !strcmp(r->name, "ringbuf record")) {
			r->name = "released ringbuf record";
			r->len = 0;
			return 1;
		}
	}
	anybpf_run_check(run, p, 1, 1); /* not a live record: fail the run */
	return 0;
}

static uint64_t lh_ringbuf_submit(LH_ARGS)
{
	LH_UNUSED5;
	if (r1 && rb_record_ok(run, r1))
		anybpf_ringbuf_submit((void *)(uintptr_t)r1, r2);
	return 0;
}

static uint64_t lh_ringbuf_discard(LH_ARGS)
{
	LH_UNUSED5;
	if (r1 && rb_record_ok(run, r1))
		anybpf_ringbuf_discard((void *)(uintptr_t)r1, r2);
	return 0;
}

static uint64_t lh_ringbuf_query(LH_ARGS)
{
	LH_UNUSED5;
	anybpf_rtmap *m = map_arg(run, r1);
	if (!m || anybpf_rtmap_type(m) != ANYBPF_MAP_TYPE_RINGBUF)
		return 0;
	return anybpf_ringbuf_query(m, r2);
}

#define LH_F_CTXLEN_MASK (0xfffffull << 32)

/* bpf_perf_event_output(ctx, map, flags, data, size); for skb and xdp
 * programs the top flag bits ask for that many packet bytes appended to
 * the sample (bpf_skb_event_output / bpf_xdp_event_output). */
static uint64_t lh_perf_event_output(LH_ARGS)
{
	(void)r1;
	struct anybpf_helper_run *hr = hr_of(run);
	anybpf_rtmap *m = map_arg(run, r2);
	if (!m || anybpf_rtmap_type(m) != ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return (uint64_t)-EINVAL;
	if (!arg_ok(run, r4, r5, 0))
		return (uint64_t)-EFAULT;
	uint64_t ctxlen = (r3 & LH_F_CTXLEN_MASK) >> 32;
	uint64_t flags = r3 & ~LH_F_CTXLEN_MASK;
	unsigned cpu = hr ? hr->cpu : 0;
	if (!ctxlen)
		return (uint64_t)(int64_t)anybpf_perf_event_output(
			m, flags, (const void *)(uintptr_t)r4, r5, cpu);
	if (!hr || !hr->pkt)
		return (uint64_t)-EINVAL;
	if (ctxlen > (uint64_t)(hr->pkt->data_end - hr->pkt->data))
		return (uint64_t)-EFAULT;
	if (r5 > UINT32_MAX)
		return (uint64_t)-E2BIG;
	uint8_t *buf = ab_malloc(r5 + ctxlen ? (size_t)(r5 + ctxlen) : 1);
	if (!buf)
		return (uint64_t)-ENOMEM;
	if (r5)
		memcpy(buf, (const void *)(uintptr_t)r4, (size_t)r5);
	memcpy(buf + r5, hr->pkt->data, (size_t)ctxlen);
	int err = anybpf_perf_event_output(m, flags, buf, r5 + ctxlen, cpu);
	ab_free(buf);
	return (uint64_t)(int64_t)err;
}

/* ---- tail calls ---------------------------------------------------------- */

/* bpf_tail_call(ctx, prog_array, index): on success the caller never
 * resumes and the callee's r0 is the result.  On failure the program goes
 * on after the call, with a negative errno in r0 (linux_helpers.h, the
 * env's tail_call).  The order of the checks is the kernel's interpreter's
 * (JMP_TAIL_CALL): index, then the count, counted before the slot is read. */
static uint64_t lh_tail_call(LH_ARGS)
{
	(void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	const struct anybpf_helper_env *env = env_of(hr);
	anybpf_rtmap *m = map_arg(run, r2);
	if (!m || anybpf_rtmap_type(m) != ANYBPF_MAP_TYPE_PROG_ARRAY)
		return (uint64_t)-EINVAL;
	if ((uint32_t)r3 >= anybpf_rtmap_max_entries(m))
		return (uint64_t)-E2BIG;
	if (!hr)
		return (uint64_t)-ENOENT;
	if (hr->tail_calls >= ANYBPF_MAX_TAIL_CALLS)
		return (uint64_t)-ELOOP;
	hr->tail_calls++;
	uint32_t id;
	if (!env->tail_call || anybpf_rtmap_prog_at(m, (uint32_t)r3, &id))
		return (uint64_t)-ENOENT;
	uint64_t ret = 0;
	int err = env->tail_call(env->tail_call_user, run, id, r1, &ret);
	if (err == 1)
		return (uint64_t)-ENOENT;
	if (err < 0) {
		if (!hr->err)
			hr->err = err;
		anybpf_run_stop(run, 0);
		return 0;
	}
	anybpf_run_stop(run, ret);
	return 0;
}

/* ---- spin locks ---------------------------------------------------------- */

/* struct bpf_spin_lock is a u32 in a map value; a real lock here, since
 * several threads may run programs on one map. */
static uint64_t lh_spin_lock(LH_ARGS)
{
	LH_UNUSED5;
	if (!arg_ok(run, r1, 4, 1) || (r1 & 3))
		return 0;
	uint32_t *l = (uint32_t *)(uintptr_t)r1;
	while (__atomic_exchange_n(l, 1u, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			sched_yield();
	struct anybpf_helper_run *hr = hr_of(run);
	if (hr)
		hr->locks_held++;
	return 0;
}

static uint64_t lh_spin_unlock(LH_ARGS)
{
	LH_UNUSED5;
	if (!arg_ok(run, r1, 4, 1) || (r1 & 3))
		return 0;
	__atomic_store_n((uint32_t *)(uintptr_t)r1, 0u, __ATOMIC_RELEASE);
	struct anybpf_helper_run *hr = hr_of(run);
	if (hr && hr->locks_held)
		hr->locks_held--;
	return 0;
}

/* ---- the registry ------------------------------------------------------- */

/* helpers.def argument kinds -> what the VM's checking mode checks before
 * the call (map keys and values are checked by the helpers themselves). */
#define LHK_NONE     ANYBPF_ARG_NONE
#define LHK_ANY      ANYBPF_ARG_ANY
#define LHK_CTX      ANYBPF_ARG_ANY
#define LHK_MAP      ANYBPF_ARG_ANY
#define LHK_MAP_PROG ANYBPF_ARG_ANY
#define LHK_MAP_PERF ANYBPF_ARG_ANY
#define LHK_MAP_RB   ANYBPF_ARG_ANY
#define LHK_MAP_CGARR ANYBPF_ARG_ANY
#define LHK_MAP_CGSTOR ANYBPF_ARG_ANY
#define LHK_MAP_SOCKMAP ANYBPF_ARG_ANY
#define LHK_MAP_SOCKHASH ANYBPF_ARG_ANY
#define LHK_KEY      ANYBPF_ARG_ANY
#define LHK_VALUE    ANYBPF_ARG_ANY
#define LHK_VALUE_W  ANYBPF_ARG_ANY
#define LHK_MEM_R    ANYBPF_ARG_MEM_R
#define LHK_MEM_RN   ANYBPF_ARG_MEM_R
#define LHK_MEM_W    ANYBPF_ARG_MEM_W
#define LHK_MEM_RW   ANYBPF_ARG_MEM_R   /* read and written (the helper checks its writes) */
#define LHK_CONST_STR ANYBPF_ARG_STR
#define LHK_SIZE     ANYBPF_ARG_SIZE
#define LHK_SIZE0    ANYBPF_ARG_SIZE
#define LHK_SIZE_K   ANYBPF_ARG_ANY
#define LHK_FIX4     ANYBPF_ARG_ANY
#define LHK_RB_MEM   ANYBPF_ARG_ANY
#define LHK_FUNC     ANYBPF_ARG_ANY

struct lh_def {
	const char *name;
	enum anybpf_arg_kind args[5];
};

static const struct lh_def lh_defs[] = {
#define HELPER(ID, NAME, RET, GROUPS, FLAGS, A1, A2, A3, A4, A5) \
	[ID] = { #NAME, { LHK_##A1, LHK_##A2, LHK_##A3, LHK_##A4, LHK_##A5 } },
#include "helpers/helpers.def"
#undef HELPER
};

#define A_ ANYBPF_ARG_ANY
#define N_ ANYBPF_ARG_NONE
/* The helpers helpers.def leaves unmodeled (the verifier refuses them;
 * unverified programs may call them): their arguments by hand. */
static const struct {
	uint32_t id;
	enum anybpf_arg_kind args[5];
} lh_unmodeled_args[] = {
	{ LH_ID_spin_lock, { A_, N_, N_, N_, N_ } },
	{ LH_ID_spin_unlock, { A_, N_, N_, N_, N_ } },
	{ LH_ID_strtol, { ANYBPF_ARG_MEM_R, ANYBPF_ARG_SIZE, A_, ANYBPF_ARG_MEM_W, N_ } },
	{ LH_ID_strtoul, { ANYBPF_ARG_MEM_R, ANYBPF_ARG_SIZE, A_, ANYBPF_ARG_MEM_W, N_ } },
	{ LH_ID_snprintf, { ANYBPF_ARG_MEM_W, ANYBPF_ARG_SIZE, ANYBPF_ARG_STR, A_, A_ } },
	{ LH_ID_trace_vprintk, { ANYBPF_ARG_MEM_R, ANYBPF_ARG_SIZE, A_, A_, N_ } },
	{ LH_ID_strncmp, { ANYBPF_ARG_MEM_R, ANYBPF_ARG_SIZE, ANYBPF_ARG_STR, N_, N_ } },
};

static const struct {
	uint32_t id;
	anybpf_helper_fn fn;
} lh_impl[] = {
#define I(name) { LH_ID_##name, lh_##name },
	I(map_lookup_elem) I(map_update_elem) I(map_delete_elem)
	I(map_push_elem) I(map_pop_elem) I(map_peek_elem)
	I(ktime_get_ns) I(ktime_get_boot_ns) I(ktime_get_coarse_ns) I(ktime_get_tai_ns)
	I(jiffies64) I(get_prandom_u32) I(get_smp_processor_id) I(get_numa_node_id)
	I(get_current_pid_tgid) I(get_current_uid_gid) I(get_current_comm)
	I(get_current_task) I(get_func_ip) I(get_socket_cookie) I(get_current_cgroup_id)
	I(get_ns_current_pid_tgid) I(get_stackid) I(get_stack)
	I(ringbuf_output) I(ringbuf_reserve) I(ringbuf_submit) I(ringbuf_discard)
	I(ringbuf_query) I(perf_event_output) I(tail_call) I(spin_lock) I(spin_unlock)
	LH_FORMAT_HELPERS(I)
	LH_PKT_HELPERS(I)
	LH_SKB_HELPERS(I)
	LH_MISC_HELPERS(I)
	LH_CALLBACK_HELPERS(I)
	LH_SOCK_HELPERS(I)
#undef I
};

anybpf_helper_fn anybpf_helper_linux_fn(uint32_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(lh_impl); i++)
		if (lh_impl[i].id == id)
			return lh_impl[i].fn;
	return NULL;
}

int anybpf_helper_linux_implemented(uint32_t id)
{
	return anybpf_helper_linux_fn(id) != NULL;
}

int anybpf_helpers_register_linux(anybpf_vm *vm, const struct anybpf_helper_env *env)
{
	(void)env;
	if (!vm)
		return -ANYBPF_E_INVAL;
	for (size_t i = 0; i < ARRAY_SIZE(lh_impl); i++) {
		uint32_t id = lh_impl[i].id;
		struct anybpf_helper_proto proto = { sizeof(proto), NULL, { N_, N_, N_, N_, N_ } };
		if (id < ARRAY_SIZE(lh_defs) && lh_defs[id].name) {
			proto.name = lh_defs[id].name;
			memcpy(proto.args, lh_defs[id].args, sizeof(proto.args));
		}
		for (size_t k = 0; k < ARRAY_SIZE(lh_unmodeled_args); k++)
			if (lh_unmodeled_args[k].id == id)
				memcpy(proto.args, lh_unmodeled_args[k].args, sizeof(proto.args));
		int err = anybpf_vm_register_helper(vm, id, lh_impl[i].fn, &proto);
		if (err)
			return err;
	}
	return 0;
}
