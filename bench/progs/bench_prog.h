/* bench_prog.h - shared by the benchmark programs (bench/progs/NAME.c).
 *
 * Every program is one C file compiled twice:
 *  - for eBPF (`clang -O2 -g -target bpf`): __bpf__ is defined and the file
 *    provides an XDP program, run by anybpf (interpreter, JIT) and by the
 *    host kernel (BPF_PROG_TEST_RUN);
 *  - natively (`clang -O2`): the file provides
 *        __u32 bench_native_NAME(const void *data, __u32 len, void *aux)
 *    the baseline, computing the same result from the same packet (aux:
 *    the table the eBPF side reads from its map, or NULL).
 * The work itself is one always-inline function both entries call, so
 * both sides compile the same source, bounds checks included.
 */
#ifndef BENCH_PROG_H
#define BENCH_PROG_H

#include <linux/types.h>

#ifdef __bpf__
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define PKT_DATA(ctx) ((const __u8 *)(long)(ctx)->data)
#define PKT_END(ctx)  ((const __u8 *)(long)(ctx)->data_end)
#else
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
/* as libbpf's bpf_helpers.h: the compiler forgets what it knew of var */
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

/* The two entries of a program whose work is WORK(data, data_end): the XDP
 * program bench_NAME and the native baseline bench_native_NAME. */
#ifdef __bpf__
#define BENCH_ENTRIES(NAME, WORK)                                             \
	SEC("xdp") int bench_##NAME(struct xdp_md *ctx)                       \
	{                                                                     \
		return WORK(PKT_DATA(ctx), PKT_END(ctx));                     \
	}                                                                     \
	char LICENSE[] SEC("license") = "Dual MIT/GPL";
#else
#define BENCH_ENTRIES(NAME, WORK)                                             \
	__u32 bench_native_##NAME(const void *data, __u32 len, void *aux);    \
	__u32 bench_native_##NAME(const void *data, __u32 len, void *aux)     \
	{                                                                     \
		(void)aux;                                                    \
		return WORK(data, (const __u8 *)data + len);                  \
	}
#endif

#endif
