/* bench_kernel.c - the host kernel's side of `make bench` (see
 * bench_kernel.h): libbpf loads the object (maps created, relocations
 * applied, the kernel's verifier and JIT run), BPF_PROG_TEST_RUN times it. */
#include "bench_kernel.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int kern_jit_enabled(void)
{
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v < 0 ? -1 : v > 0;
}

#ifdef BENCH_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct kprog {
	struct bpf_object *obj;
	int fd;
};

static char last_msg[256];

/* keep libbpf's last warning line (why a load failed), print nothing */
static int keep_last(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[sizeof(last_msg)];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = 0;
	if (n)
		memcpy(last_msg, line, n + 1);
	return 0;
}

struct kprog *kern_load(const char *path, const char *name, char *why, size_t whylen)
{
	libbpf_set_print(keep_last);
	last_msg[0] = 0;
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		snprintf(why, whylen, "libbpf cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	char log[4096] = "";
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);
	if (prog)
		bpf_program__set_log_buf(prog, log, sizeof(log));
	if (!prog || bpf_object__load(obj)) {
		int e = errno;
		/* the verifier's last line says why it refused */
		char *end = log + strlen(log), *start;
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			*--end = 0;
		start = strrchr(log, '\n');
		start = start ? start + 1 : log;
		const char *detail = *start ? start : e == EPERM ?
			"bpf() needs root (or CAP_BPF with CAP_NET_ADMIN)" : last_msg;
		snprintf(why, whylen, "the kernel cannot load %s: %s%s%s", name,
			 prog ? strerror(e) : "no such program", *detail ? ": " : "", detail);
		bpf_object__close(obj);
		return NULL;
	}
	struct kprog *kp = calloc(1, sizeof(*kp));
	if (!kp) {
		bpf_object__close(obj);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	kp->obj = obj;
	kp->fd = bpf_program__fd(prog);
	return kp;
}

void kern_close(struct kprog *kp)
{
	if (!kp)
		return;
	bpf_object__close(kp->obj);
	free(kp);
}

static int map_fd(struct kprog *kp, const char *map, struct bpf_map **out)
{
	struct bpf_map *m = bpf_object__find_map_by_name(kp->obj, map);
	*out = m;
	return m ? bpf_map__fd(m) : -1;
}

int kern_map_update(struct kprog *kp, const char *map, const void *key, const void *value)
{
	struct bpf_map *m;
	int fd = map_fd(kp, map, &m);
	if (fd < 0)
		return -ENOENT;
	return bpf_map_update_elem(fd, key, value, BPF_ANY) ? -errno : 0;
}

int kern_map_lookup(struct kprog *kp, const char *map, const void *key, void *value)
{
	struct bpf_map *m;
	int fd = map_fd(kp, map, &m);
	if (fd < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(fd, key, value) ? -errno : 0;
}

int kern_run(struct kprog *kp, const void *data, uint32_t len, uint32_t repeat,
	     uint32_t *retval, double *wall_ns, uint32_t *dur_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = data, .data_size_in = len,
		    .repeat = repeat);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int err = bpf_prog_test_run_opts(kp->fd, &t);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (err)
		return -errno;
	*retval = t.retval;
	*dur_ns = t.duration;
	*wall_ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	return 0;
}

#else /* no libbpf */

struct kprog *kern_load(const char *path, const char *name, char *why, size_t whylen)
{
	(void)path; (void)name;
	snprintf(why, whylen, "built without libbpf (install libbpf-dev and rebuild)");
	return NULL;
}

void kern_close(struct kprog *kp)
{
	(void)kp;
}

int kern_map_update(struct kprog *kp, const char *map, const void *key, const void *value)
{
	(void)kp; (void)map; (void)key; (void)value;
	return -ENOSYS;
}

int kern_map_lookup(struct kprog *kp, const char *map, const void *key, void *value)
{
	(void)kp; (void)map; (void)key; (void)value;
	return -ENOSYS;
}

int kern_run(struct kprog *kp, const void *data, uint32_t len, uint32_t repeat,
	     uint32_t *retval, double *wall_ns, uint32_t *dur_ns)
{
	(void)kp; (void)data; (void)len; (void)repeat; (void)retval; (void)wall_ns;
	(void)dur_ns;
	return -ENOSYS;
}
#endif
