/* bench_kernel.h - the host kernel's side of `make bench`: load an object
 * with libbpf and time one program with BPF_PROG_TEST_RUN.  Built without
 * libbpf (BENCH_LIBBPF undefined), every call fails with a reason. */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

struct kprog;

/* Load the object at path into the kernel and find the program `name`.
 * NULL with the reason in why (never fatal: the kernel column reads "-"). */
struct kprog *kern_load(const char *path, const char *name, char *why, size_t whylen);
void kern_close(struct kprog *kp);
/* Update one element of map `map`: 0 or -errno. */
int kern_map_update(struct kprog *kp, const char *map, const void *key, const void *value);
/* Read one element: 0 or -errno. */
int kern_map_lookup(struct kprog *kp, const char *map, const void *key, void *value);
/* One BPF_PROG_TEST_RUN with `repeat` runs on data: 0, *retval, *wall_ns
 * (wall clock around the syscall, all runs) and *dur_ns (the kernel's own
 * duration per run, whole ns); or -errno. */
int kern_run(struct kprog *kp, const void *data, uint32_t len, uint32_t repeat,
	     uint32_t *retval, double *wall_ns, uint32_t *dur_ns);
/* The kernel's JIT state from /proc/sys/net/core/bpf_jit_enable: 1 on, 0
 * off (the kernel's interpreter), -1 unknown. */
int kern_jit_enabled(void);

#endif
