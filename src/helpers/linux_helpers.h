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
	 * opts) and give its r0 in *retval: return 0 (the caller then ends
	 * with that r0), 1 when there is no such program (the call falls
	 * through, as Linux's does), or a negative ANYBPF_E_* code when the
	 * callee's run failed (the caller's run then stops and hr.err holds
	 * it).  The helper counts tail calls in hr.tail_calls and falls
	 * through past ANYBPF_MAX_TAIL_CALLS.  NULL: every tail call falls
	 * through. */
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
};

enum anybpf_redirect_kind {
	ANYBPF_REDIRECT_NONE,
	ANYBPF_REDIRECT_IFINDEX,     /* bpf_redirect(ifindex, flags) */
	ANYBPF_REDIRECT_MAP,         /* bpf_redirect_map(map, key, flags) */
	ANYBPF_REDIRECT_PEER,        /* bpf_redirect_peer(ifindex, 0) */
	ANYBPF_REDIRECT_NEIGH,       /* bpf_redirect_neigh(ifindex, params, plen, 0);
				      * flags: 1 when a next hop was given */
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
};

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
LH_FORMAT_HELPERS(LH_DECL)
LH_PKT_HELPERS(LH_DECL)

#ifdef __cplusplus
}
#endif
#endif
