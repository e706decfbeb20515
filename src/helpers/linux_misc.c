/* linux_misc.c - the tracing, socket and cgroup helpers whose kernel
 * objects (perf counters, signals, sockets, cgroups, LBR) a userspace run
 * does not have, following kernel/trace/bpf_trace.c, net/core/filter.c
 * and kernel/bpf/helpers.c:
 *
 *   perf_event_read, perf_event_read_value, perf_prog_read_value,
 *   current_task_under_cgroup, get_current_ancestor_cgroup_id,
 *   send_signal, send_signal_thread, override_return, get_attach_cookie,
 *   get_branch_snapshot, setsockopt, getsockopt, sock_ops_cb_flags_set,
 *   bind, get_local_storage.
 *
 * What they read comes from struct anybpf_helper_env; what they do is
 * recorded in struct anybpf_helper_run for the caller.  Argument checks
 * and errno values are the kernel's. */
#include <errno.h>
#include <string.h>

#include "common/common.h"
#include "helpers/linux_helpers.h"

static inline struct anybpf_helper_run *hr_of(anybpf_run *run)
{
	return (struct anybpf_helper_run *)anybpf_run_user(run);
}

static inline const struct anybpf_helper_env *env_of(anybpf_run *run)
{
	struct anybpf_helper_run *hr = hr_of(run);
	static const struct anybpf_helper_env none = { .sz = sizeof(none) };
	return hr && hr->env ? hr->env : &none;
}

static int env_map(anybpf_run *run, uint64_t v, uint32_t type, anybpf_rtmap **out)
{
	const struct anybpf_helper_env *env = env_of(run);
	anybpf_rtmap *m = (anybpf_rtmap *)(uintptr_t)v;
	for (size_t i = 0; m && i < env->nmaps; i++)
		if (env->maps[i] == m) {
			*out = m;
			return anybpf_rtmap_type(m) == type ? 0 : -EINVAL;
		}
	return -EINVAL;
}

/* ---- perf counters --------------------------------------------------------- */

/* get_map_perf_counter: the counter of the perf_event_array's slot in
 * flags (BPF_F_CURRENT_CPU: the run's cpu): env->perf_counters[slot]. */
static int perf_counter(anybpf_run *run, uint64_t map, uint64_t flags,
			struct anybpf_perf_value *v)
{
	const struct anybpf_helper_env *env = env_of(run);
	struct anybpf_helper_run *hr = hr_of(run);
	anybpf_rtmap *m;
	if (env_map(run, map, ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY, &m))
		return -EINVAL;
	if (flags & ~ANYBPF_F_INDEX_MASK)
		return -EINVAL;
	uint64_t idx = flags & ANYBPF_F_INDEX_MASK;
	if (idx == ANYBPF_F_CURRENT_CPU)
		idx = hr ? hr->cpu : 0;
	if (idx >= anybpf_rtmap_max_entries(m))
		return -E2BIG;
	if (!env->perf_counters || idx >= env->nperf_counters)
		return -ENOENT;
	*v = env->perf_counters[idx];
	return 0;
}

/* bpf_perf_event_read(map, flags): the counter, or a negative errno
 * (the uapi's ambiguity: counters in [-22, -2] look like errors). */
uint64_t lh_perf_event_read(LH_ARGS)
{
	(void)r3, (void)r4, (void)r5;
	struct anybpf_perf_value v;
	int err = perf_counter(run, r1, r2, &v);
	return err ? (uint64_t)(int64_t)err : v.counter;
}

#define PERF_VALUE_SIZE 24u   /* sizeof(struct bpf_perf_event_value) */

/* bpf_perf_event_read_value(map, flags, buf, size): {counter, enabled,
 * running}; size must be 24 (-EINVAL); buf zeroed on errors. */
uint64_t lh_perf_event_read_value(LH_ARGS)
{
	(void)r5;
	struct anybpf_perf_value v;
	int err = r4 != PERF_VALUE_SIZE ? -EINVAL : perf_counter(run, r1, r2, &v);
	if (err) {
		if (r4)
			memset((void *)(uintptr_t)r3, 0, (size_t)r4);
		return (uint64_t)(int64_t)err;
	}
	memcpy((void *)(uintptr_t)r3, &v, PERF_VALUE_SIZE);
	return 0;
}

/* bpf_perf_prog_read_value(ctx, buf, size): the perf_event program's
 * event, env->perf_prog_value; size must be 24 (-EINVAL, buf zeroed). */
uint64_t lh_perf_prog_read_value(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	if (r3 != PERF_VALUE_SIZE) {
		if (r3)
			memset((void *)(uintptr_t)r2, 0, (size_t)r3);
		return (uint64_t)-EINVAL;
	}
	memcpy((void *)(uintptr_t)r2, &env_of(run)->perf_prog_value, PERF_VALUE_SIZE);
	return 0;
}

/* bpf_get_branch_snapshot(buf, size, flags): up to size / 24 of the
 * env's LBR entries, copied before flags are checked (as Linux): their
 * bytes, -EINVAL (flags), -ENOENT (none). */
uint64_t lh_get_branch_snapshot(LH_ARGS)
{
	(void)r4, (void)r5;
	const struct anybpf_helper_env *env = env_of(run);
	uint32_t cnt = (uint32_t)r2 / 24u;
	if (!env->branches)
		cnt = 0;
	else if (cnt > env->nbranches)
		cnt = env->nbranches;
	if (cnt)
		memcpy((void *)(uintptr_t)r1, env->branches, (size_t)cnt * 24u);
	if (r3)
		return (uint64_t)-EINVAL;
	if (!cnt)
		return (uint64_t)-ENOENT;
	return (uint64_t)cnt * 24u;
}

/* ---- cgroups -------------------------------------------------------------- */

/* bpf_current_task_under_cgroup(map, index): 1 / 0, -E2BIG, -EAGAIN. */
uint64_t lh_current_task_under_cgroup(LH_ARGS)
{
	(void)r3, (void)r4, (void)r5;
	return (uint64_t)(int64_t)lh_under_cgroup(run, r1, (uint32_t)r2);
}

/* bpf_get_current_ancestor_cgroup_id(level): 0 past the task's level. */
uint64_t lh_get_current_ancestor_cgroup_id(LH_ARGS)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	uint64_t tmp[2];
	uint32_t n;
	const uint64_t *path = lh_cgroup_path(env_of(run), tmp, &n);
	int32_t level = (int32_t)r1;
	return level < 0 || (uint32_t)level >= n ? 0 : path[level];
}

#define CGROUP_STORAGE_KEY 16u  /* struct bpf_cgroup_storage_key {u64 id; u32 type;} */

/* bpf_get_local_storage(map, flags): the current cgroup's element of the
 * cgroup_storage map (key {cgroup id, attach type 0}), created zeroed.
 * Never NULL (the verifier relies on it): when the map cannot give one,
 * the run stops with -ANYBPF_E_NOT_SUPPORTED in hr->err. */
uint64_t lh_get_local_storage(LH_ARGS)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	anybpf_rtmap *m = NULL;
	if (env_map(run, r1, ANYBPF_MAP_TYPE_CGROUP_STORAGE, &m) &&
	    env_map(run, r1, ANYBPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, &m))
		m = NULL;
	void *v = NULL;
	if (m && hr && anybpf_rtmap_key_size(m) <= CGROUP_STORAGE_KEY) {
		uint64_t tmp[2];
		uint32_t n;
		const uint64_t *path = lh_cgroup_path(hr->env, tmp, &n);
		uint8_t key[CGROUP_STORAGE_KEY] = { 0 };
		memcpy(key, &path[n - 1], 8);
		v = anybpf_rtmap_lookup_elem_prog(m, key, hr->cpu);
		if (!v) {
			uint32_t vs = anybpf_rtmap_value_size(m);
			uint8_t *zero = ab_calloc(1, vs ? vs : 1);
			if (zero && !anybpf_rtmap_update_elem_prog(m, key, zero, ANYBPF_NOEXIST, hr->cpu))
				v = anybpf_rtmap_lookup_elem_prog(m, key, hr->cpu);
			ab_free(zero);
		}
		if (v && lh_checked(run) &&
		    lh_accessible(run, (uint64_t)(uintptr_t)v, 1) < anybpf_rtmap_value_size(m))
			anybpf_run_add_region(run, v, anybpf_rtmap_value_size(m), ANYBPF_REGION_RW,
					      "cgroup storage");
	}
	if (!v) {
		if (hr && !hr->err)
			hr->err = -ANYBPF_E_NOT_SUPPORTED;
		anybpf_run_stop(run, 0);
		return 0;
	}
	return (uint64_t)(uintptr_t)v;
}

/* ---- signals, kprobe overrides, cookies ------------------------------------ */

/* bpf_send_signal(sig) / bpf_send_signal_thread(sig): the signal is
 * recorded in hr (signal, nsignals, signal_thread); sig 0 only checks;
 * -EINVAL past 64 (_NSIG), -EPERM for init (tgid 1). */
static uint64_t send_signal(anybpf_run *run, uint64_t sig, int thread)
{
	struct anybpf_helper_run *hr = hr_of(run);
	if (env_of(run)->task.tgid == 1)
		return (uint64_t)-EPERM;
	if ((uint32_t)sig > 64)
		return (uint64_t)-EINVAL;
	if ((uint32_t)sig && hr) {
		hr->signal = (uint32_t)sig;
		hr->signal_thread = thread;
		hr->nsignals++;
	}
	return 0;
}

uint64_t lh_send_signal(LH_ARGS)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	return send_signal(run, r1, 0);
}

uint64_t lh_send_signal_thread(LH_ARGS)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	return send_signal(run, r1, 1);
}

/* bpf_override_return(regs, rc): the probed function returns rc instead
 * of running (recorded: hr->override_set, override_rc); 0. */
uint64_t lh_override_return(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	if (hr) {
		hr->override_set = 1;
		hr->override_rc = r2;
	}
	return 0;
}

/* bpf_get_attach_cookie(ctx): env->attach_cookie (0: none). */
uint64_t lh_get_attach_cookie(LH_ARGS)
{
	LH_UNUSED5;
	return env_of(run)->attach_cookie;
}

/* ---- sockets ---------------------------------------------------------------- */

#define SOCK_OPS_ALL_CB_FLAGS 0x7f

/* bpf_sock_ops_cb_flags_set(sock_ops, argval): the flags Linux knows are
 * set (hr->sock_ops_cb_flags); the bits it does not know are returned. */
uint64_t lh_sock_ops_cb_flags_set(LH_ARGS)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	int32_t arg = (int32_t)r2;
	if (hr)
		hr->sock_ops_cb_flags = (uint32_t)(arg & SOCK_OPS_ALL_CB_FLAGS);
	return (uint64_t)(int64_t)(arg & ~SOCK_OPS_ALL_CB_FLAGS);
}

enum { SOL_IP_ = 0, SOL_SOCKET_ = 1, SOL_TCP_ = 6, SOL_IPV6_ = 41 };
enum { SO_SNDBUF_ = 7, SO_RCVBUF_ = 8, SO_BINDTODEVICE_ = 25 };
enum { TCP_KEEPIDLE_ = 4, TCP_KEEPINTVL_ = 5, TCP_KEEPCNT_ = 6, TCP_SYNCNT_ = 7,
       TCP_CONGESTION_ = 13, TCP_BPF_IW_ = 1001, TCP_BPF_RTO_MIN_ = 1004 };

static int in_list(int v, const int *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return 1;
	return 0;
}

/* The kernel's sol_*_sockopt checks: 0 (an int option), 1 (a string:
 * SO_BINDTODEVICE, TCP_CONGESTION), -EINVAL. */
static int sockopt_kind(anybpf_run *run, int32_t level, int32_t name, int32_t len, int get)
{
	static const int sol_socket[] = { 2, 7, 8, 9, 12, 15, 18, 36, 47, 62, 74 };
	static const int sol_tcp[] = { 1, 2, 4, 5, 6, 7, 10, 16, 18, 25, 27 };
	const struct anybpf_helper_env *env = env_of(run);
	uint16_t family = env->sk_family ? env->sk_family : 2;
	uint8_t proto = env->sk_protocol ? env->sk_protocol : 6;
	switch (level) {
	case SOL_SOCKET_:
		if (name == SO_BINDTODEVICE_)
			return get ? -EINVAL : 1;
		if (!in_list(name, sol_socket, ARRAY_SIZE(sol_socket)) || len != 4)
			return -EINVAL;
		return 0;
	case SOL_IP_:
		return family == 2 && name == 1 /* IP_TOS */ && len == 4 ? 0 : -EINVAL;
	case SOL_IPV6_:
		return family == 10 && (name == 67 || name == 70) && len == 4 ? 0 : -EINVAL;
	case SOL_TCP_:
		if (proto != 6)
			return -EINVAL;
		if (name == TCP_CONGESTION_)
			return len < 2 ? -EINVAL : 1;
		if (in_list(name, sol_tcp, ARRAY_SIZE(sol_tcp)))
			return len == 4 ? 0 : -EINVAL;
		if (!get && name >= TCP_BPF_IW_ && name <= TCP_BPF_RTO_MIN_)
			return len == 4 ? 0 : -EINVAL;
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

static struct anybpf_sockopt *sockopt_find(struct anybpf_helper_run *hr, int32_t level,
					   int32_t name)
{
	for (unsigned i = 0; i < hr->nsockopts; i++)
		if (hr->sockopts[i].level == level && hr->sockopts[i].optname == name)
			return &hr->sockopts[i];
	return NULL;
}

/* bpf_setsockopt(ctx, level, optname, optval, optlen): the options Linux
 * lets BPF set (SOL_SOCKET, SOL_IP on AF_INET, SOL_IPV6 on AF_INET6,
 * SOL_TCP on TCP sockets; the env's socket), recorded in hr->sockopts
 * for getsockopt: 0, -EINVAL (level, name, length), -ENOENT (an unknown
 * TCP_CONGESTION: cubic and reno exist), -ENOTSUPP ("cdg"). */
uint64_t lh_setsockopt(LH_ARGS)
{
	(void)r1;
	struct anybpf_helper_run *hr = hr_of(run);
	int32_t level = (int32_t)r2, name = (int32_t)r3, len = (int32_t)r5;
	const uint8_t *val = (const uint8_t *)(uintptr_t)r4;
	if (len < 0)
		return (uint64_t)-EINVAL;
	int kind = sockopt_kind(run, level, name, len, 0);
	if (kind < 0)
		return (uint64_t)(int64_t)kind;
	uint8_t buf[16] = { 0 };
	uint32_t n = len > 15 ? 15u : (uint32_t)len;
	memcpy(buf, val, n);
	if (kind == 1 && level == SOL_TCP_) {
		if (!strncmp((const char *)buf, "cdg", n))
			return (uint64_t)-ANYBPF_ENOTSUPP;
		if (strcmp((const char *)buf, "cubic") && strcmp((const char *)buf, "reno"))
			return (uint64_t)-ENOENT;
	}
	/* SO_BINDTODEVICE: "" unbinds; the only device is lo */
	if (kind == 1 && level == SOL_SOCKET_ && buf[0] && strcmp((const char *)buf, "lo"))
		return (uint64_t)-ENODEV;
	if (kind == 0 && level == SOL_SOCKET_ && (name == SO_SNDBUF_ || name == SO_RCVBUF_)) {
		/* sk_setsockopt stores twice the value, at least the minimum */
		int32_t v;
		memcpy(&v, buf, 4);
		uint32_t min = name == SO_SNDBUF_ ? 4608u : 2304u;
		uint64_t d = v < 0 ? 0 : (uint64_t)v * 2;
		v = (int32_t)(d < min ? min : d > INT32_MAX ? INT32_MAX : d);
		memcpy(buf, &v, 4);
	}
	if (!hr)
		return 0;
	struct anybpf_sockopt *o = sockopt_find(hr, level, name);
	if (!o) {
		if (hr->nsockopts == ARRAY_SIZE(hr->sockopts)) {
			memmove(hr->sockopts, hr->sockopts + 1,
				sizeof(hr->sockopts) - sizeof(hr->sockopts[0]));
			hr->nsockopts--;
		}
		o = &hr->sockopts[hr->nsockopts++];
	}
	o->level = level;
	o->optname = name;
	o->len = kind == 1 ? (uint32_t)strlen((const char *)buf) + 1 : 4;
	memcpy(o->val, buf, sizeof(o->val));
	return 0;
}

/* bpf_getsockopt(ctx, level, optname, optval, optlen): the value set in
 * this run, else the socket's default (TCP_CONGESTION "cubic",
 * TCP_KEEPIDLE 7200, TCP_KEEPINTVL 75, TCP_KEEPCNT 9, TCP_SYNCNT 6, 0);
 * errors as setsockopt's, with optval zeroed. */
uint64_t lh_getsockopt(LH_ARGS)
{
	(void)r1;
	struct anybpf_helper_run *hr = hr_of(run);
	int32_t level = (int32_t)r2, name = (int32_t)r3, len = (int32_t)r5;
	uint8_t *out = (uint8_t *)(uintptr_t)r4;
	if (len < 0)
		return (uint64_t)-EINVAL;
	int kind = sockopt_kind(run, level, name, len, 1);
	if (kind < 0) {
		if (len)
			memset(out, 0, (size_t)len);
		return (uint64_t)(int64_t)kind;
	}
	uint8_t val[16] = { 0 };
	uint32_t n = 4;
	const struct anybpf_sockopt *o = hr ? sockopt_find(hr, level, name) : NULL;
	if (o) {
		memcpy(val, o->val, sizeof(val));
		n = o->len;
	} else if (kind == 1) {
		memcpy(val, "cubic", 6);
		n = 6;
	} else if (level == SOL_TCP_) {
		int32_t d = name == TCP_KEEPIDLE_ ? 7200 : name == TCP_KEEPINTVL_ ? 75
			  : name == TCP_KEEPCNT_ ? 9 : name == TCP_SYNCNT_ ? 6 : 0;
		memcpy(val, &d, 4);
	}
	if (n > (uint32_t)len)
		n = (uint32_t)len;
	memcpy(out, val, n);
	if ((uint32_t)len > n)
		memset(out + n, 0, (size_t)len - n);
	return 0;
}

/* bpf_bind(ctx, addr, addr_len): binds the cgroup_sock_addr program's
 * socket (recorded in hr->bind_addr / bind_len): 0, -EINVAL (short
 * address; a socket already bound to a port), -EAFNOSUPPORT (family). */
uint64_t lh_bind(LH_ARGS)
{
	(void)r1, (void)r4, (void)r5;
	struct anybpf_helper_run *hr = hr_of(run);
	const uint8_t *a = (const uint8_t *)(uintptr_t)r2;
	int32_t len = (int32_t)r3;
	if (len < 2)
		return (uint64_t)-EINVAL;
	uint16_t family;
	memcpy(&family, a, 2);
	uint32_t need = family == 2 ? 16u : family == 10 ? 24u : 0u;
	if (!need)
		return (uint64_t)-EAFNOSUPPORT;
	if ((uint32_t)len < need)
		return (uint64_t)-EINVAL;
	if (hr) {
		uint16_t port = 0;
		if (hr->bind_len)
			memcpy(&port, hr->bind_addr + 2, 2);
		if (port)
			return (uint64_t)-EINVAL;   /* inet_num already set */
		hr->bind_len = (uint32_t)len < sizeof(hr->bind_addr) ? (uint32_t)len
								       : (uint32_t)sizeof(hr->bind_addr);
		memcpy(hr->bind_addr, a, hr->bind_len);
	}
	return 0;
}
