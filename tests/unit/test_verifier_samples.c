/* test_verifier_samples.c - the verifier on the sample corpus: every program
 * ../shared/testdata/ebpf-samples/EXPECTED.tsv lists, under the Linux
 * profile, against the verdict a 6.18 kernel gave as root.  Differences are
 * allowed only where listed below, each with its reason.  Programs of types
 * the verifier does not describe yet are counted as skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anybpf.h"
#include "unit.h"

/* Known differences: file, section, why. */
static const struct { const char *file, *section, *why; } known[] = {
	/* Linux rejects for reasons that do not apply to a userspace runtime */
	{ "linux/test_probe_write_user_kern.o", "kprobe/sys_connect",
	  "kernel lockdown refuses bpf_probe_write_user; not a safety property" },
	{ "linux/tracex7_kern.o", "kprobe/open_ctree",
	  "bpf_override_return needs CONFIG_BPF_KPROBE_OVERRIDE in the kernel" },
	{ "build/bpf2bpf.o", "test",
	  "Linux verifies the global functions alone from BTF (pointer args may be NULL); "
	  "we verify each call in its context, which is sound - global functions TODO" },
	/* we reject what Linux accepts */
	{ "build/ringbuf_uninit.o", ".text",
	  "reads uninitialized stack, which Linux allows root and issue 4 forbids" },
	{ "build/map_in_map_legacy.o", ".text",
	  "legacy map-in-map: the object does not say which map is the inner one" },
};

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
		struct anybpf_map_desc *md = calloc(nm + 1, sizeof(*md));
		for (size_t i = 0; i < nm; i++) {
			anybpf_map *m = anybpf_object_map(obj, i);
			md[i].type = anybpf_map_type(m);
			md[i].key_size = anybpf_map_key_size(m);
			md[i].value_size = anybpf_map_value_size(m);
			md[i].max_entries = anybpf_map_max_entries(m);
			md[i].name = anybpf_map_name(m);
			md[i].inner = anybpf_map_inner(m) >= 0 ? (uint32_t)anybpf_map_inner(m) + 1 : 0;
		}
		struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = col[3], .maps = md,
						.nmaps = nm, .max_errors = 1 };
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
		}
		anybpf_verify_result_free(res);
		free(md);
		anybpf_object_close(obj);
	}
	fclose(f);
	printf("verifier samples: %d compared (Linux-accepted we accept %d/%d, Linux-rejected we reject %d/%d), %d skipped; %.0f ms total, %.1f ms max\n",
	       compared, acc_ok, acc, rej_ok, rej, skipped, total_ms, max_ms);
	CHECK_EQ(bad, 0);
	CHECK(compared > 0);
}
