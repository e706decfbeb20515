/* linux_callbacks.c - the helpers that call a function of the program:
 * bpf_loop (181) and bpf_for_each_map_elem (164).
 *
 * The callback is the value the program passed (`lddw rX, func`); the VM
 * runs it in a new frame below the caller's (anybpf_run_call), charged to
 * the same budget and call-depth limit, with the checking mode's region
 * checks.  Semantics as kernel/bpf/bpf_iter.c (bpf_loop) and the maps'
 * map_for_each_callback (kernel/bpf/arraymap.c, hashtab.c): flags must be
 * 0 (-EINVAL); the callback returns 0 to go on, 1 to stop; the helper
 * returns the number of iterations / elements visited, the stopping one
 * included.  When the callback fails (or ends the program) the helper
 * returns at once and the run ends with that error. */
#include <errno.h>

#include "helpers/linux_helpers.h"

#define LH_MAX_LOOPS (1u << 23) /* BPF_MAX_LOOPS */

static inline struct anybpf_helper_run *cb_hr(anybpf_run *run)
{
	return (struct anybpf_helper_run *)anybpf_run_user(run);
}

/* bpf_loop(nr_loops, callback_fn, callback_ctx, flags):
 * callback_fn(index, callback_ctx) for index 0..nr_loops-1. */
uint64_t lh_loop(LH_ARGS)
{
	(void)r5;
	if (r4 != 0)
		return (uint64_t)(int64_t)-EINVAL;
	uint32_t n = (uint32_t)r1; /* a u32 argument */
	if (n > LH_MAX_LOOPS)
		return (uint64_t)(int64_t)-E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t args[5] = { i, r3, 0, 0, 0 }, ret = 0;
		int err = anybpf_run_call(run, r2, args, &ret);
		if (err) /* the run ends: an error, or the callee stopped it */
			return (uint64_t)(int64_t)-EINVAL;
		if (ret)
			return (uint64_t)i + 1;
	}
	return n;
}

/* The map a program passes: one of the env's maps, or an inner map a
 * lookup handed out this run (as linux_helpers.c's map arguments). */
static anybpf_rtmap *cb_map_arg(anybpf_run *run, uint64_t v)
{
	struct anybpf_helper_run *hr = cb_hr(run);
	anybpf_rtmap *m = (anybpf_rtmap *)(uintptr_t)v;
	if (!m || !hr)
		return NULL;
	for (size_t i = 0; hr->env && i < hr->env->nmaps; i++)
		if (hr->env->maps[i] == m)
			return m;
	for (unsigned i = 0; i < hr->ninner; i++)
		if (hr->inner[i] == m)
			return m;
	return NULL;
}

struct each_ctx {
	anybpf_run *run;
	uint64_t fn, ctx;
	uint32_t key_size, value_size;
	unsigned value_flags;
	int err;          /* -ENOMEM, or 1: the run ends (the callback failed) */
};

static long each_elem(anybpf_rtmap *m, const void *key, void *value, void *user)
{
	struct each_ctx *c = user;
	/* the callback may read the key and read (write) the value: regions
	 * for the checking mode and probe reads, dropped after it returns
	 * unless it added regions of its own meanwhile */
	size_t mark = anybpf_run_region_count(c->run);
	if (anybpf_run_add_region(c->run, (void *)(uintptr_t)key, c->key_size, ANYBPF_REGION_R,
				  "map key") ||
	    anybpf_run_add_region(c->run, value, c->value_size, c->value_flags, "map value")) {
		anybpf_run_region_release(c->run, mark);
		c->err = -ENOMEM;
		return 1;
	}
	uint64_t args[5] = { (uint64_t)(uintptr_t)m, (uint64_t)(uintptr_t)key,
			     (uint64_t)(uintptr_t)value, c->ctx, 0 }, ret = 0;
	int err = anybpf_run_call(c->run, c->fn, args, &ret);
	if (anybpf_run_region_count(c->run) == mark + 2)
		anybpf_run_region_release(c->run, mark);
	if (err) {
		c->err = 1;
		return 1;
	}
	return ret != 0;
}

/* bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags):
 * callback_fn(map, &key, &value, callback_ctx) per element; per-CPU maps
 * give this CPU's value. */
uint64_t lh_for_each_map_elem(LH_ARGS)
{
	(void)r5;
	anybpf_rtmap *m = cb_map_arg(run, r1);
	if (!m || r4 != 0)
		return (uint64_t)(int64_t)-EINVAL;
	struct anybpf_helper_run *hr = cb_hr(run);
	struct each_ctx c = {
		.run = run, .fn = r2, .ctx = r3,
		.key_size = anybpf_rtmap_key_size(m), .value_size = anybpf_rtmap_value_size(m),
		.value_flags = anybpf_rtmap_flags(m) & ANYBPF_F_RDONLY_PROG ? ANYBPF_REGION_R
									   : ANYBPF_REGION_RW,
	};
	long n = anybpf_rtmap_for_each_prog(m, each_elem, &c, 0, hr->cpu);
	if (c.err < 0)
		return (uint64_t)(int64_t)c.err;
	return (uint64_t)(int64_t)n;
}
