/* linux_helpers.h - the Linux helper functions at run time (ids and names
 * from helpers.def), and what the runtime hands them.
 *
 * How a runtime uses them:
 *   1. once per VM: fill a `struct anybpf_helper_env` (it must outlive the
 *      VM's runs) and call anybpf_helpers_register_linux(vm, env) before
 *      anybpf_vm_load();
 *   2. resolve `lddw rX, map_fd N` / `map_idx N` (src 1 / 5) to the map
 *      pointer itself: (uint64_t)(uintptr_t)env->maps[N - ANYBPF_MAP_FD_BASE]
 *      (map_idx: env->maps[N]).  Helpers take map arguments as such
 *      pointers and refuse any other value (-EINVAL, or NULL for lookups);
 *   3. per run: anybpf_helper_run_init(&hr, env), then set hr.cpu, hr.ctx
 *      and, for packet programs, hr.pkt (pointing at the packet pointers
 *      the runtime's native context holds, so the context loads and the
 *      helpers see the same data / data_end after xdp_adjust_head & co.);
 *      for skb programs hr.ctx is the native struct __sk_buff (uapi
 *      layout, all 192 bytes), whose len, protocol, pkt_type, vlan_* and
 *      tstamp the skb helpers keep current (sk_msg: the sk_msg_md, whose
 *      size msg_push/pop_data keep);
 *      pass &hr as anybpf_exec_opts.user; after the run read hr.err (a
 *      nested tail call that failed), hr.redirect (the verdict's target)
 *      and the packet bounds in *hr.pkt.
 *
 * Errors the helpers return to programs are negative errno values, as
 * Linux's helpers return them.
 */
#ifndef ANYBPF_LINUX_HELPERS_H
#define ANYBPF_LINUX_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "anybpf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Helper ids: LH_ID_<name> from helpers.def (LH_ID_map_lookup_elem = 1). */
enum {
#define HELPER(ID, NAME, ...) LH_ID_##NAME = ID,
#include "helpers/helpers.def"
#undef HELPER
};

/* Clocks the time helpers read (the env's clock callback gets one). */
enum anybpf_clock {
	ANYBPF_CLOCK_MONOTONIC,  /* ktime_get_ns */
	ANYBPF_CLOCK_BOOTTIME,   /* ktime_get_boot_ns; jiffies64 from it */
	ANYBPF_CLOCK_COARSE,     /* ktime_get_coarse_ns */
	ANYBPF_CLOCK_TAI,        /* ktime_get_tai_ns */
};

#define ANYBPF_HZ 250u              /* jiffies64 = boot ns / (1e9 / HZ) */
#define ANYBPF_TASK_COMM_LEN 16u
#define ANYBPF_MAX_TAIL_CALLS 33u   /* MAX_TAIL_CALL_CNT */

/* The fake current task (get_current_pid_tgid/uid_gid/comm/task). */
struct anybpf_fake_task {
	uint32_t pid, tgid;          /* pid_tgid = tgid << 32 | pid */
	uint32_t uid, gid;           /* uid_gid = gid << 32 | uid */
	char comm[ANYBPF_TASK_COMM_LEN];
	uint64_t task;               /* get_current_task's value; 0: a fixed
				      * non-zero fake address (never mapped) */
};

/* Tunnel metadata (struct ip_tunnel_info's key and options). */
struct anybpf_tunnel_info {
	uint64_t id;                 /* tun_id */
	uint8_t ipv6;                /* outer family: 0 IPv4, 1 IPv6 */
	uint8_t tos, ttl;
	uint16_t flags;              /* TUNNEL_* bits (TUNNEL_KEY 0x4, TUNNEL_CSUM 0x1,
				      * ...; options present: 0x0800 0x1000 0x4000 0x8000) */
	uint32_t label;              /* IPv6 flow label */
	uint8_t src[16], dst[16];    /* outer addresses, network order (IPv4: the first
				      * 4 bytes).  Received: src is the remote peer;
				      * skb_set_tunnel_key: dst is the remote, as Linux */
	uint32_t opts_len;
	uint8_t opts[256];
};

/* One xfrm state of a sec path (skb_get_xfrm_state). */
struct anybpf_xfrm_state {
	uint32_t reqid;
	uint32_t spi;                /* network order, as bpf_xfrm_state */
	uint16_t family;             /* AF_INET 2, AF_INET6 10 */
	uint8_t daddr[16];           /* the state's destination, network order */
};

/* A route for fib_lookup. */
struct anybpf_fib_route {
	uint8_t family;              /* AF_INET 2, AF_INET6 10 */
	uint8_t prefix_len;
	uint8_t prefix[16];          /* network order */
	uint8_t ret;                 /* 0 a unicast route, else the BPF_FIB_LKUP_RET_*
				      * code it gives: 1 BLACKHOLE, 2 UNREACHABLE,
				      * 3 PROHIBIT, 6 UNSUPP_LWT */
	uint8_t no_neigh;            /* 1: the next hop has no neighbour entry (NO_NEIGH) */
	uint32_t ifindex;            /* the output device */
	uint32_t mtu;                /* 0: 1500 */
	uint32_t metric;             /* rt_metric */
	uint32_t table;              /* table id (BPF_FIB_LOOKUP_TBID); 0: main (254) */
	uint8_t gateway[16];         /* next hop; all zero: directly connected */
	uint8_t src[16];             /* preferred source (BPF_FIB_LOOKUP_SRC); zero: none */
	uint8_t smac[6], dmac[6];    /* the device's and the next hop's MAC */
};

/* struct bpf_perf_event_value */
struct anybpf_perf_value {
	uint64_t counter, enabled, running;
};

struct anybpf_sockopt {
	int32_t level, optname;
	uint32_t len;
	uint8_t val[16];
};

/* What the helpers need, per VM (owned by the runtime, read-only here). */
struct anybpf_helper_env {
	size_t sz;                   /* sizeof(struct anybpf_helper_env) */
	const char *prog_type;       /* Linux name ("xdp", ...): "xdp*" gives redirect
				      * its XDP return values (hr.xdp) */
	/* The program's maps, indexed by pseudo fd - ANYBPF_MAP_FD_BASE. */
	anybpf_rtmap *const *maps;
	size_t nmaps;
	/* trace_printk / snprintf-to-trace output: one call per message, the
	 * formatted text (not NUL-terminated, newline as the program wrote
	 * it).  NULL: dropped (the helper still returns the length). */
	void (*trace)(void *user, const char *msg, size_t len);
	void *trace_user;
	struct anybpf_fake_task task;
	/* Clock override for deterministic runs; NULL: the host's clocks. */
	uint64_t (*clock)(void *user, enum anybpf_clock which);
	void *clock_user;
	uint64_t prandom_seed;       /* get_prandom_u32 state seed; 0: a fixed seed */
	uint32_t numa_node;          /* get_numa_node_id */
	uint64_t func_ip;            /* get_func_ip (kprobe: the probed address) */
	uint64_t socket_cookie;      /* get_socket_cookie; 0: 1 (Linux never gives 0
				      * for a socket that exists) */
	/* bpf_tail_call: run program `prog_id` (a prog_array value) with ctx
	 * and the same `struct anybpf_helper_run` (the runtime's own exec
	 * opts) and give its r0 in *retval.  The hook returns 0 (the caller
	 * then ends with that r0: the program never resumes after a tail call
	 * that succeeded), 1 when there is no such program (the call fails),
	 * or a negative ANYBPF_E_* code when the callee's run failed (the
	 * caller's run then stops and hr.err holds it).
	 * A tail call that fails returns to the program, which goes on with
	 * the next instruction (as Linux's); the helper's r0 is then a
	 * negative errno (the verifier makes r0 unreadable after the call, so
	 * only unverified programs could see it): -E2BIG index out of range,
	 * -ELOOP past ANYBPF_MAX_TAIL_CALLS, -ENOENT empty slot (or the hook
	 * answered 1), -EINVAL not a prog_array.  As the kernel's interpreter
	 * and JITs, a call counts towards the limit (hr.tail_calls) once the
	 * index is in range, before the slot is read.  NULL hook: every slot
	 * is empty. */
	int (*tail_call)(void *user, anybpf_run *run, uint32_t prog_id, uint64_t ctx,
			 uint64_t *retval);
	void *tail_call_user;
	uint64_t cgroup_id;          /* get_current_cgroup_id; 0: 1 (the root) */
	/* The stacks get_stackid / get_stack report (innermost first): the
	 * kernel one, and with BPF_F_USER_STACK the user one; empty: -EFAULT. */
	const uint64_t *kstack, *ustack;
	uint32_t nkstack, nustack;
	/* get_ns_current_pid_tgid: the task's pid namespace (dev, ino); the
	 * task's pid / tgid in it are task.pid / task.tgid. */
	uint64_t pidns_dev, pidns_ino;
	uint32_t socket_uid;         /* get_socket_uid (a test-run socket's is 0) */
	/* The device the packet is on (check_mtu): ifindex 0 or this one;
	 * 0: 1 (loopback, Linux's test-run device); mtu 0: 65536 (lo's). */
	uint32_t ifindex, mtu;
	/* ---- the kernel objects a userspace run does not have: what the
	 * helpers of linux_skb.c / linux_misc.c report instead ---- */
	uint32_t cgroup_classid;     /* get_cgroup_classid, skb_cgroup_classid:
				      * the net_cls classid (0: none, as a test run) */
	uint32_t route_realm;        /* get_route_realm: the skb's route's tclassid
				      * (0: the test-run skb has no route) */
	/* The current task's cgroup v2 ancestry (also the test-run socket's):
	 * ids from the root (level 0) down to the current cgroup.  Empty: the
	 * root alone ({1}), or {1, cgroup_id} when cgroup_id is another id.
	 * get_current_ancestor_cgroup_id, skb_ancestor_cgroup_id,
	 * skb_under_cgroup, current_task_under_cgroup read it. */
	const uint64_t *cgroup_path;
	uint32_t ncgroup_path;
	/* cgroup_array maps (Linux: cgroup fds): slot i of every cgroup_array
	 * holds cgroup id cgroup_array[i]; 0 or i >= ncgroup_array: an empty
	 * slot (-EAGAIN).  Still bounded by the map's max_entries (-E2BIG). */
	const uint64_t *cgroup_array;
	uint32_t ncgroup_array;
	/* Devices that exist besides the run's own (ifindex above):
	 * clone_redirect and fib_lookup refuse any other ifindex. */
	const uint32_t *ifindexes;
	uint32_t nifindexes;
	/* The tunnel metadata the skb arrived with (skb_get_tunnel_key/opt);
	 * NULL: none (a test-run skb has none: -EINVAL / -ENOENT). */
	const struct anybpf_tunnel_info *tunnel;
	/* The skb's IPsec sec path (skb_get_xfrm_state); none: -EINVAL. */
	const struct anybpf_xfrm_state *xfrm;
	uint32_t nxfrm;
	/* fib_lookup's routes (longest prefix wins; none: NOT_FWDED) and
	 * whether forwarding is off on the input device (FWD_DISABLED, the
	 * kernel's answer with net.ipv4.ip_forward = 0). */
	const struct anybpf_fib_route *fib;
	uint32_t nfib;
	int fib_no_forwarding;
	/* perf_event_read(_value): slot i of a perf_event_array reads
	 * perf_counters[i]; i >= nperf_counters: no event there (-ENOENT).
	 * perf_prog_read_value: the perf_event program's own event. */
	const struct anybpf_perf_value *perf_counters;
	uint32_t nperf_counters;
	struct anybpf_perf_value perf_prog_value;
	uint64_t attach_cookie;      /* get_attach_cookie (the link's bpf_cookie) */
	/* get_branch_snapshot's LBR entries ({from, to, flags} each); none:
	 * -ENOENT, as a machine without LBR */
	const uint64_t (*branches)[3];
	uint32_t nbranches;
	/* The socket of sock_ops / cgroup_sock_addr programs (setsockopt,
	 * getsockopt, bind): family (0: AF_INET) and protocol (0: TCP). */
	uint16_t sk_family;
	uint8_t sk_protocol;
};

/* Packet bounds of xdp / skb programs.  The runtime keeps them in (or
 * points them into) its native context, so after a helper moves data or
 * data_end the program's next `ctx->data` load sees the new value. */
struct anybpf_helper_pkt {
	uint8_t *data, *data_end;
	uint8_t *data_meta;          /* xdp: <= data; == data when no metadata */
	uint8_t *buf, *buf_end;      /* the whole buffer: headroom is [buf, data
				      * (or data_meta)), tailroom [data_end, buf_end).
				      * XDP: buf is data_hard_start, where Linux keeps
				      * a 40-byte xdp_frame (adjust_head/meta stop
				      * above it); buf_end is data_hard_end.  Linux's
				      * test run: headroom 256, frame_sz 4096,
				      * data_hard_end = buf + 4096 - 320
				      * (skb_shared_info), so adjust_tail may grow a
				      * frame to 3520 bytes. */
	/* skb programs */
	uint32_t hash;               /* skb->hash; 0: not computed (get_hash_recalc
				      * computes it from the packet) */
	uint16_t protocol;           /* skb->protocol, network order (skb_change_*
				      * keep it) */
	uint16_t mac_len;            /* bytes of link-layer header before L3 in
				      * [data..): 14 for tc / Ethernet, 0 cgroup_skb */
	/* skb state the packet helpers keep (zero: as a test-run skb) */
	uint16_t vlan_proto;         /* the hw-accel VLAN tag (network order):   */
	uint16_t vlan_tci;           /* skb_vlan_push puts a tag here (not in the */
	uint8_t vlan_present;        /* bytes), as Linux; a second push moves it in */
	uint8_t ip_summed;           /* 0 CHECKSUM_NONE, 1 CHECKSUM_UNNECESSARY */
	uint8_t csum_level;          /* csum_level / adjust_room */
	uint8_t encapsulation;       /* skb_adjust_room with BPF_F_ADJ_ROOM_ENCAP_* */
};

enum anybpf_redirect_kind {
	ANYBPF_REDIRECT_NONE,
	ANYBPF_REDIRECT_IFINDEX,     /* bpf_redirect(ifindex, flags) */
	ANYBPF_REDIRECT_MAP,         /* bpf_redirect_map(map, key, flags) */
	ANYBPF_REDIRECT_PEER,        /* bpf_redirect_peer(ifindex, 0) */
	ANYBPF_REDIRECT_NEIGH,       /* bpf_redirect_neigh(ifindex, params, plen, 0);
				      * flags: 1 when a next hop was given */
	ANYBPF_REDIRECT_SOCK,        /* sk_redirect_map/hash, msg_redirect_map/hash:
				      * the socket in map at key (ifindex: the key,
				      * a sockhash's first 4 key bytes); flags:
				      * BPF_F_INGRESS or 0 */
};

struct anybpf_redirect {
	enum anybpf_redirect_kind kind;
	uint32_t ifindex;            /* IFINDEX; MAP: the devmap's/cpumap's key */
	uint64_t flags;
	anybpf_rtmap *map;           /* MAP */
};

/* One run (anybpf_exec_opts.user). */
struct anybpf_helper_run {
	const struct anybpf_helper_env *env;
	unsigned cpu;                /* per-CPU slot, get_smp_processor_id */
	int xdp;                     /* XDP semantics (redirect's return values);
				      * set by init from env->prog_type "xdp*" */
	int skb_ctx;                 /* ctx is a struct __sk_buff (set by init from
				      * env->prog_type; no type: assumed) */
	uint64_t ctx;                /* r1 at entry (tail calls pass it on) */
	struct anybpf_helper_pkt *pkt; /* NULL: no packet */
	struct anybpf_redirect redirect; /* the last redirect asked for */
	unsigned tail_calls;         /* taken so far (nested runs share it) */
	int err;                     /* 0, or the error that stopped the run */
	uint64_t prandom;            /* get_prandom_u32 state */
	/* inner maps handed out by map-in-map lookups this run (accepted as
	 * map arguments afterwards) */
	anybpf_rtmap *inner[8];
	unsigned ninner;
	uint32_t locks_held;         /* bpf_spin_lock nesting (must be 0 at exit) */
	/* ---- what the helpers of linux_skb.c / linux_misc.c record ---- */
	struct anybpf_redirect clone; /* the last clone_redirect (kind IFINDEX) */
	unsigned nclones;            /* clone_redirects that succeeded */
	uint32_t signal;             /* the last signal send_signal(_thread) sent */
	unsigned nsignals;           /* signals sent (sig 0 sends none) */
	int signal_thread;           /* the last one went to the thread only */
	int override_set;            /* override_return was called ... */
	uint64_t override_rc;        /* ... with this value */
	uint32_t sock_ops_cb_flags;  /* sock_ops_cb_flags_set's value */
	int tun_set;                 /* skb_set_tunnel_key ran: tun is the skb's */
	struct anybpf_tunnel_info tun;
	struct anybpf_sockopt sockopts[8]; /* setsockopt's values (getsockopt reads) */
	unsigned nsockopts;
	uint8_t bind_addr[28];       /* the address bpf_bind bound (sockaddr) */
	uint32_t bind_len;
	/* ---- sk_msg (linux_sock.c): the message as the kernel's scatterlist
	 * holds it, over one linear buffer: msg_start, then msg_nelem
	 * elements of msg_elem[] bytes (the first msg helper takes *pkt's
	 * data..data_end as one element); data..data_end is the first
	 * element after push/pop, the pulled window after pull_data ---- */
	int msg_init;
	uint8_t *msg_start;
	uint32_t msg_elem[17];       /* MAX_MSG_FRAGS */
	unsigned msg_nelem;
	int msg_apply_set, msg_cork_set; /* msg_apply_bytes / msg_cork_bytes ran */
	uint32_t msg_apply_bytes, msg_cork_bytes;
};

/* Copy the fake kernel objects of `from` (a caller's env, NULL: nothing;
 * read up to from->sz) into env, keeping env's own sz, prog_type, maps,
 * trace and tail_call hooks (the runtime's: anybpf_runtime_opts.helper_env). */
void anybpf_helper_env_fake_from(struct anybpf_helper_env *env,
				 const struct anybpf_helper_env *from);

/* Zero hr and set its env (prandom seeded from env). */
void anybpf_helper_run_init(struct anybpf_helper_run *hr,
			    const struct anybpf_helper_env *env);

/* Register every Linux helper implemented here into vm (ids from
 * helpers.def).  env may be NULL; it is not kept (each run's
 * anybpf_helper_run carries it).  0 or a negative ANYBPF_E_* code. */
int anybpf_helpers_register_linux(anybpf_vm *vm, const struct anybpf_helper_env *env);

/* Is helper `id` implemented here (1) or not (0)? */
int anybpf_helper_linux_implemented(uint32_t id);

/* The function of helper id, or NULL (tests call them directly). */
anybpf_helper_fn anybpf_helper_linux_fn(uint32_t id);

/* trace_printk's formatter, exposed for tests: the kernel's limited
 * format (%d %i %u %x %X %ld %li %lu %lx %lld %lli %llu %llx %p %pK %px
 * %s %c %%, width/flags '-', '0', digits) with at most 3 arguments.
 * Writes at most size-1 bytes and a NUL; returns the full length, or
 * -EINVAL for a bad format.  String (%s) arguments are read through
 * `read_str` (NULL: taken as host pointers). */
int anybpf_helper_format(char *out, size_t size, const char *fmt, size_t fmt_len,
			 const uint64_t *args, size_t nargs,
			 int (*read_str)(void *u, uint64_t addr, char *dst, size_t n),
			 void *read_user);

/* ---- internal: shared by src/helpers/linux_*.c ------------------------ */
#define LH_ARGS uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, \
		anybpf_run *run
#define LH_UNUSED5 (void)r1, (void)r2, (void)r3, (void)r4, (void)r5
/* Bytes from addr on that the run lets a helper read (write: write) in
 * one accessible span (stack frames in use, regions), 0 if none; in fast
 * mode as well (probe_read must not fault on a stray address). */
size_t lh_accessible(anybpf_run *run, uint64_t addr, int write);
int lh_checked(anybpf_run *run);
/* The helpers, by file (ids in helpers.def). */
#define LH_DECL(name) uint64_t lh_##name(LH_ARGS);
#define LH_FORMAT_HELPERS(X) X(trace_printk) X(snprintf) X(probe_read) \
	X(probe_read_kernel) X(probe_read_user) X(probe_read_str) \
	X(probe_read_kernel_str) X(probe_read_user_str) X(strncmp) X(strtol) X(strtoul) X(trace_vprintk) X(probe_write_user)
#define LH_PKT_HELPERS(X) X(csum_diff) X(l3_csum_replace) X(l4_csum_replace) \
	X(skb_load_bytes) X(skb_store_bytes) X(skb_pull_data) X(skb_change_tail) \
	X(skb_change_head) X(xdp_adjust_head) X(xdp_adjust_tail) X(xdp_adjust_meta) \
	X(redirect) X(redirect_map) X(get_hash_recalc) X(xdp_get_buff_len) \
	X(xdp_load_bytes) X(xdp_store_bytes) X(set_hash) X(set_hash_invalid) \
	X(csum_update) X(skb_load_bytes_relative) \
	X(redirect_peer) X(redirect_neigh) X(skb_ecn_set_ce) X(get_socket_uid) X(skb_cgroup_id) X(check_mtu)
#define LH_CALLBACK_HELPERS(X) X(loop) X(for_each_map_elem) /* linux_callbacks.c */
#define LH_SKB_HELPERS(X) X(clone_redirect) X(get_cgroup_classid) X(skb_vlan_push) \
	X(skb_vlan_pop) X(skb_get_tunnel_key) X(skb_set_tunnel_key) X(get_route_realm) \
	X(skb_get_tunnel_opt) X(skb_set_tunnel_opt) X(skb_change_proto) X(skb_change_type) \
	X(skb_under_cgroup) X(skb_adjust_room) X(skb_get_xfrm_state) X(fib_lookup) \
	X(skb_ancestor_cgroup_id) X(csum_level) X(skb_cgroup_classid) X(skb_set_tstamp)
#define LH_MISC_HELPERS(X) X(perf_event_read) X(current_task_under_cgroup) \
	X(setsockopt) X(perf_event_read_value) X(perf_prog_read_value) X(getsockopt) \
	X(override_return) X(sock_ops_cb_flags_set) X(bind) X(get_local_storage) \
	X(send_signal) X(send_signal_thread) X(get_current_ancestor_cgroup_id) \
	X(get_attach_cookie) X(get_branch_snapshot)
#define LH_SOCK_HELPERS(X) X(sk_redirect_map) X(sk_redirect_hash) X(msg_redirect_map) \
	X(msg_redirect_hash) X(msg_apply_bytes) X(msg_cork_bytes) X(msg_pull_data) \
	X(msg_push_data) X(msg_pop_data) X(sock_map_update) X(sock_hash_update) /* linux_sock.c */
LH_FORMAT_HELPERS(LH_DECL)
LH_SOCK_HELPERS(LH_DECL)
LH_PKT_HELPERS(LH_DECL)
LH_SKB_HELPERS(LH_DECL)
LH_MISC_HELPERS(LH_DECL)
/* skb programs: the uapi struct __sk_buff at hr->ctx, NULL otherwise
 * (xdp, no ctx, no packet). */
uint8_t *lh_skb_uapi(anybpf_run *run);
/* After a helper changed the packet or the skb state: __sk_buff.len,
 * protocol and vlan_* follow, and checking mode may reach the packet. */
void lh_skb_sync(anybpf_run *run);
/* The env's cgroup ancestry (root first); *n its length (>= 1). */
const uint64_t *lh_cgroup_path(const struct anybpf_helper_env *env, uint64_t *tmp2, uint32_t *n);
/* Is the env's cgroup under slot idx of cgroup_array map (1 / 0), or
 * -EINVAL (not such a map), -E2BIG, -EAGAIN (empty slot)? */
int lh_under_cgroup(anybpf_run *run, uint64_t map, uint32_t idx);
/* Does ifindex name a device of the run (env->ifindex or 1, ifindexes)? */
int lh_dev_exists(const struct anybpf_helper_env *env, uint32_t ifindex);
LH_CALLBACK_HELPERS(LH_DECL)

#ifdef __cplusplus
}
#endif
#endif
