/* test_verifier_samples.c - the verifier on the sample corpus: every program
 * ../shared/testdata/ebpf-samples/EXPECTED.tsv lists, under the Linux
 * profile as a root loader (global functions on their own from BTF,
 * uninitialized stack readable), against the verdict a 6.18 kernel gave as
 * root; where both reject, the Linux message's class must contain our first
 * diagnostic's check.  Differences are allowed only where listed below, each
 * with its reason.  Programs of types the verifier does not describe yet are
 * counted as skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anybpf.h"
#include "unit.h"
#include "unit_run.h"

/* Known differences of verdict: file, section, why. */
static const struct { const char *file, *section, *why; } known[] = {
	/* Linux rejects for reasons that do not apply to a userspace runtime */
	{ "linux/test_probe_write_user_kern.o", "kprobe/sys_connect",
	  "kernel lockdown refuses bpf_probe_write_user; not a safety property" },
	{ "linux/tracex7_kern.o", "kprobe/open_ctree",
	  "bpf_override_return needs CONFIG_BPF_KPROBE_OVERRIDE in the kernel" },
};

/* The reason of a rejection: the class of the Linux message (a substring of
 * it) and the checks of ours that report the same kind of fault. */
static const struct { const char *linux_msg, *checks; } classes[] = {
	{ "invalid mem access 'mem_or_null'", "null_deref" },
	{ "invalid mem access 'map_value_or_null'", "null_deref" },
	{ "invalid mem access", "scalar_deref bad_deref null_deref map_ptr_deref pkt_end_deref" },
	{ "outside of the packet", "pkt_bounds" },
	{ "unreachable insn", "unreachable" },
	{ "pointer += pointer prohibited", "ptr_arith" },
	{ "pointer arithmetic on", "ptr_arith" },
	{ "cannot use helper", "helper_type" },
	{ "dereference of modified ctx ptr", "ctx_modified" },
	{ "invalid bpf_context access", "ctx_access ctx_var ctx_modified" },
	{ "min value is outside of the allowed memory range", "map_bounds" },
	{ "max value is outside of the allowed memory range", "map_bounds" },
	{ "invalid write to stack", "stack_bounds" },
	{ "invalid read from stack", "uninit_stack stack_bounds" },
	{ "invalid zero-sized read", "helper_size" },
	{ "R0 !read_ok", "uninit_reg" },
	{ "!read_ok", "uninit_reg" },
	{ "expected prog array map", "helper_arg" },
	{ "cannot pass map_type", "map_func helper_arg" },
	{ "write into map forbidden", "readonly_map" },
	{ "read from map forbidden", "writeonly_map" },
	{ "requires a constant string", "helper_arg" },
	{ "expected=map_ptr", "helper_arg" },
	{ "expected=ctx", "helper_arg" },
	{ "last insn is not an exit or jmp", "invalid" },
	{ "unbounded", "loop helper_size stack_bounds" },
	{ "back-edge", "loop" },
	{ "infinite loop", "loop" },
	{ "unreleased reference", "ref_leak" },
};

/* Known differences of reason (both reject): file, section, why. */
static const struct { const char *file, *section, *why; } known_reason[] = {
	{ "invalid/dac31099c3bb5b6395908c82cc8540e77a6a1849", "bind",
	  "a bind program loaded as socket_filter: ours reports the same ctx field differently" },
};

static const char *class_checks(const char *linux_msg)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strstr(linux_msg, classes[i].linux_msg))
			return classes[i].checks;
	return NULL;
}

/* 1 when `check` is one of the space-separated names */
static int in_list(const char *list, const char *check)
{
	size_t n = strlen(check);
	for (const char *p = list; (p = strstr(p, check)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
	return 0;
}

static const char *known_reason_why(const char *file, const char *section)
{
	for (size_t i = 0; i < sizeof(known_reason) / sizeof(known_reason[0]); i++)
		if (!strcmp(known_reason[i].file, file) && !strcmp(known_reason[i].section, section))
			return known_reason[i].why;
	return NULL;
}

static const char *known_why(const char *file, const char *section)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(known[i].file, file) && !strcmp(known[i].section, section))
			return known[i].why;
	return NULL;
}

static const char *samples_dir(void)
{
	const char *d = getenv("ANYBPF_SAMPLES");
	return d ? d : "../shared/testdata/ebpf-samples";
}

TEST(verifier_samples_match_linux)
{
	char path[1024], line[8192];
	snprintf(path, sizeof(path), "%s/EXPECTED.tsv", samples_dir());
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("verifier samples: skipped (%s not found)\n", path);
		return;
	}
	int compared = 0, skipped = 0, acc = 0, acc_ok = 0, rej = 0, rej_ok = 0, bad = 0;
	int reason_ok = 0, bad_reason = 0;
	double total_ms = 0, max_ms = 0;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *col[9] = { 0 };
		int nc = 0;
		line[strcspn(line, "\n")] = 0;
		for (char *p = line; nc < 9; nc++) {
			col[nc] = p;
			char *t = strchr(p, '\t');
			if (!t) {
				nc++;
				break;
			}
			*t = 0;
			p = t + 1;
		}
		if (nc < 6)
			continue;
		int linux_accepts = !strcmp(col[5], "accept");
		if (!linux_accepts && strcmp(col[5], "reject")) {
			skipped++; /* the kernel's loader refused it: not a verifier verdict */
			continue;
		}
		char opath[1024];
		snprintf(opath, sizeof(opath), "%s/%s", samples_dir(), col[0]);
		anybpf_object *obj = NULL;
		if (anybpf_object_open_file(opath, NULL, &obj, NULL)) {
			skipped++;
			continue;
		}
		anybpf_prog *prog = anybpf_object_find_prog(obj, col[1], col[2]);
		if (!prog) {
			anybpf_object_close(obj);
			skipped++;
			continue;
		}
		size_t n, nm = anybpf_object_map_count(obj);
		const struct anybpf_insn *insns = anybpf_prog_insns(prog, &n);
		struct anybpf_map_desc *md = unit_map_descs(obj, 2);
		/* as a privileged Linux loader: global functions verified alone
		 * from BTF, uninitialized stack readable */
		struct anybpf_func_sig *sigs = NULL;
		size_t nsigs = 0;
		CHECK_EQ(anybpf_prog_func_sigs(prog, &sigs, &nsigs), 0);
		struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = col[3], .maps = md,
						.nmaps = nm, .max_errors = 1, .funcs = sigs,
						.nfuncs = nsigs, .allow_uninit_stack = 1 };
		struct anybpf_verify_result *res = NULL;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int e = anybpf_verify(insns, n, &o, &res);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (e) {
			skipped++; /* a program type not described yet */
		} else {
			compared++;
			total_ms += ms;
			if (ms > max_ms)
				max_ms = ms;
			acc += linux_accepts;
			rej += !linux_accepts;
			int same = res->verified == linux_accepts;
			acc_ok += same && linux_accepts;
			rej_ok += same && !linux_accepts;
			if (!same && !known_why(col[0], col[1])) {
				fprintf(stderr, "  %s %s (%s): Linux %ss, we %s: %s\n", col[0], col[1], col[3],
					col[5], res->verified ? "accept" : "reject",
					res->ndiags ? res->diags[0].message : "");
				bad++;
			}
			/* same verdict, rejected: the same kind of reason */
			if (same && !linux_accepts) {
				const char *cl = nc > 6 ? class_checks(col[6]) : NULL;
				const char *ours = res->ndiags ? res->diags[0].check : "";
				if (cl && in_list(cl, ours)) {
					reason_ok++;
				} else if (!known_reason_why(col[0], col[1])) {
					fprintf(stderr, "  %s %s: Linux: \"%s\"%s, we: %s: %s\n", col[0], col[1],
						nc > 6 ? col[6] : "", cl ? "" : " (no class in the table)", ours,
						res->ndiags ? res->diags[0].message : "");
					bad_reason++;
				}
			}
		}
		anybpf_verify_result_free(res);
		anybpf_free(sigs);
		free(md);
		anybpf_object_close(obj);
	}
	fclose(f);
	printf("verifier samples: %d compared (Linux-accepted we accept %d/%d, Linux-rejected we reject %d/%d, %d for the same kind of reason), %d skipped; %.0f ms total, %.1f ms max\n",
	       compared, acc_ok, acc, rej_ok, rej, reason_ok, skipped, total_ms, max_ms);
	CHECK_EQ(bad, 0);
	CHECK_EQ(bad_reason, 0);
	CHECK(compared > 0);
}

/* anybpf_prog_func_sigs() on build/bpf2bpf.o: func(void *ctx) calls the
 * global add1(int *x), which dereferences x unchecked (Linux: "R1 invalid
 * mem access 'mem_or_null'"); in context (no signatures) it is safe. */
TEST(verifier_global_functions_from_btf)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/build/bpf2bpf.o", samples_dir());
	anybpf_object *obj = NULL;
	if (anybpf_object_open_file(path, NULL, &obj, NULL)) {
		printf("verifier globals: skipped (%s not found)\n", path);
		return;
	}
	anybpf_prog *prog = anybpf_object_find_prog(obj, "test", "func");
	CHECK(prog != NULL);
	struct anybpf_func_sig *sigs = NULL;
	size_t nsigs = 0, n;
	CHECK(anybpf_prog_func_sigs(NULL, &sigs, &nsigs) < 0);
	CHECK_EQ(anybpf_prog_func_sigs(prog, &sigs, &nsigs), 0);
	CHECK(nsigs >= 2);
	const struct anybpf_func_sig *add1 = NULL;
	for (size_t i = 0; i < nsigs; i++)
		if (!strcmp(sigs[i].name, "add1"))
			add1 = &sigs[i];
	CHECK(sigs[0].pc == 0 && !strcmp(sigs[0].name, "func"));
	CHECK(add1 != NULL);
	if (add1) {
		CHECK(add1->global);
		CHECK(add1->pc > 0);
		CHECK_EQ(add1->nargs, 1);
		CHECK_EQ(add1->args[0].kind, ANYBPF_PARAM_PTR);
		CHECK_EQ(add1->args[0].size, 4);
		CHECK_EQ(add1->ret, ANYBPF_PARAM_SCALAR);
	}
	const struct anybpf_insn *insns = anybpf_prog_insns(prog, &n);
	struct anybpf_verify_result *res = NULL;
	struct anybpf_verify_opts o = { .sz = sizeof(o), .funcs = sigs, .nfuncs = nsigs };
	CHECK_EQ(anybpf_verify(insns, n, &o, &res), 0);
	CHECK(res && !res->verified && res->ndiags >= 1);
	if (res && res->ndiags) {
		CHECK(!strcmp(res->diags[0].check, "null_deref"));
		CHECK(strstr(res->diags[0].message, "r1 is mem_or_null") != NULL);
		CHECK(add1 && res->diags[0].pc >= (int64_t)add1->pc);
	}
	anybpf_verify_result_free(res);
	/* without signatures: every call in its context, accepted */
	o.funcs = NULL;
	o.nfuncs = 0;
	CHECK_EQ(anybpf_verify(insns, n, &o, &res), 0);
	CHECK(res && res->verified);
	anybpf_verify_result_free(res);
	/* nfuncs without funcs is refused */
	o.nfuncs = 1;
	CHECK(anybpf_verify(insns, n, &o, &res) < 0);
	anybpf_free(sigs);
	anybpf_object_close(obj);

	/* an object without BTF has no signatures */
	snprintf(path, sizeof(path), "%s/linux/cpustat_kern.o", samples_dir());
	if (!anybpf_object_open_file(path, NULL, &obj, NULL)) {
		CHECK_EQ(anybpf_prog_func_sigs(anybpf_object_prog(obj, 0), &sigs, &nsigs), 0);
		CHECK_EQ(nsigs, 0);
		CHECK(sigs == NULL);
		anybpf_object_close(obj);
	}
}

/* build/ringbuf_uninit.o hands 8 never-written stack bytes to
 * bpf_ringbuf_output: an error by default, accepted with allow_uninit_stack
 * (privileged Linux). */
TEST(verifier_uninit_stack_option)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/build/ringbuf_uninit.o", samples_dir());
	anybpf_object *obj = NULL;
	if (anybpf_object_open_file(path, NULL, &obj, NULL)) {
		printf("verifier uninit: skipped (%s not found)\n", path);
		return;
	}
	anybpf_prog *prog = anybpf_object_prog(obj, 0);
	size_t n, nm = anybpf_object_map_count(obj);
	const struct anybpf_insn *insns = anybpf_prog_insns(prog, &n);
	struct anybpf_map_desc *md = unit_map_descs(obj, 0);
	struct anybpf_verify_result *res = NULL;
	struct anybpf_verify_opts o = { .sz = sizeof(o), .maps = md, .nmaps = nm };
	CHECK_EQ(anybpf_verify(insns, n, &o, &res), 0);
	CHECK(res && !res->verified && res->ndiags && !strcmp(res->diags[0].check, "uninit_stack"));
	anybpf_verify_result_free(res);
	o.allow_uninit_stack = 1;
	CHECK_EQ(anybpf_verify(insns, n, &o, &res), 0);
	CHECK(res && res->verified);
	anybpf_verify_result_free(res);
	free(md);
	anybpf_object_close(obj);
}
