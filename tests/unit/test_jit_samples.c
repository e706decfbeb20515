/* test_jit_samples.c - the real-world sample objects (../shared/testdata/
 * ebpf-samples, the rows Linux accepts of the packet program types) run
 * through the test-run API on the fast interpreter and on the JIT (each
 * engine with its own runtime, so its own maps), on the same sequence of
 * frames: the error, retval, data_out and every map's contents after each
 * frame must be the same.  Programs our verifier rejects are not run (the
 * JIT runs verified programs only); programs calling time or random
 * helpers are skipped (their results differ between any two runs), and
 * so are those that store a pointer into a map (exposeptr*: the addresses
 * are each runtime's own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "unit.h"

static const char *samples_dir(void)
{
	const char *d = getenv("ANYBPF_SAMPLES");
	return d ? d : "../shared/testdata/ebpf-samples";
}

/* Ethernet frames: IPv4/UDP, IPv4/TCP, IPv6/UDP, a short ARP-type one */
static size_t frame(int k, uint8_t *f)
{
	memset(f, 0, 128);
	for (int i = 0; i < 12; i++)
		f[i] = (uint8_t)(0x10 + i);
	switch (k) {
	case 0:
	case 1: {
		static const uint8_t ip[20] = { 0x45, 0, 0, 60, 0, 1, 0, 0, 64, 17, 0, 0,
						10, 0, 0, 1, 10, 0, 0, 2 };
		f[12] = 0x08;
		memcpy(f + 14, ip, sizeof(ip));
		if (k == 1)
			f[14 + 9] = 6; /* TCP */
		f[34] = 0x30; f[35] = 0x39; f[36] = 0x00; f[37] = 0x35;
		f[38] = 0; f[39] = 40;
		for (int i = 42; i < 74; i++)
			f[i] = (uint8_t)(i * 13);
		return 74;
	}
	case 2:
		f[12] = 0x86; f[13] = 0xdd;
		f[14] = 0x60; f[18] = 0; f[19] = 16; f[20] = 17; f[21] = 64;
		f[37] = 1; f[53] = 2;
		f[54] = 0x12; f[55] = 0x34; f[56] = 0; f[57] = 53; f[59] = 16;
		return 78;
	default:
		f[12] = 0x08; f[13] = 0x06;
		return 42;
	}
}

/* Helpers whose results differ between runs: ktime_get_ns 5,
 * get_prandom_u32 7, ktime_get_boot_ns 125, ktime_get_coarse_ns 160,
 * jiffies64 118, ktime_get_tai_ns 208 */
static int nondeterministic(const anybpf_prog *p)
{
	size_t n;
	const struct anybpf_insn *in = anybpf_prog_insns(p, &n);
	for (size_t i = 0; i < n; i++)
		if (in[i].code == 0x85 && in[i].src == 0 &&
		    (in[i].imm == 5 || in[i].imm == 7 || in[i].imm == 125 || in[i].imm == 160 ||
		     in[i].imm == 118 || in[i].imm == 208))
			return 1;
	return 0;
}

/* Every map of a's runtime equals b's (keys and values). */
static int maps_equal(anybpf_runtime *a, anybpf_runtime *b)
{
	for (size_t m = 0; m < anybpf_runtime_map_count(a); m++) {
		anybpf_rtmap *ma = anybpf_runtime_map(a, m), *mb = anybpf_runtime_map(b, m);
		uint32_t ks = anybpf_rtmap_key_size(ma);
		size_t vs = anybpf_rtmap_value_buf_size(ma);
		if (!ks || vs > 65536 || ks > 512)
			continue;
		uint8_t key[512], next[512], *va = malloc(vs + 1), *vb = malloc(vs + 1);
		const void *prev = NULL;
		int same = va && vb;
		while (same && anybpf_rtmap_get_next_key(ma, prev, next) == 0) {
			memcpy(key, next, ks);
			prev = key;
			int ra = anybpf_rtmap_lookup(ma, key, va), rb = anybpf_rtmap_lookup(mb, key, vb);
			if (ra != rb || (!ra && memcmp(va, vb, vs)))
				same = 0;
		}
		free(va);
		free(vb);
		if (!same)
			return 0;
	}
	return 1;
}

struct engine {
	anybpf_runtime *rt;
	int err;
	uint32_t retval, out_size;
	uint8_t out[4096];
};

/* One program: 0 compared, 1 skipped (our verifier rejects it, ...). */
static int compare_prog(const anybpf_object *obj, anybpf_prog *p, const char *type,
			const char *what)
{
	struct engine e[2];
	memset(e, 0, sizeof(e));
	int skip = 0;
	for (int k = 0; k < 2 && !skip; k++) {
		struct anybpf_runtime_opts ro = { .sz = sizeof(ro), .ncpus = 1, .prog_type = type };
		if (anybpf_runtime_new(obj, &ro, &e[k].rt, NULL) || anybpf_runtime_load(e[k].rt, p, NULL))
			skip = 1;
	}
	for (int f = 0; f < 4 && !skip; f++) {
		uint8_t in[128];
		size_t len = frame(f, in);
		for (int k = 0; k < 2; k++) {
			struct anybpf_test_run_opts t = {
				.sz = sizeof(t), .data_in = in, .data_size_in = (uint32_t)len,
				.data_out = e[k].out, .data_size_out = sizeof(e[k].out), .repeat = 1,
				.jit = k,
			};
			e[k].err = anybpf_prog_test_run(e[k].rt, p, &t);
			e[k].retval = t.retval;
			e[k].out_size = t.data_size_out;
		}
		int same = e[0].err == e[1].err && e[0].retval == e[1].retval &&
			   e[0].out_size == e[1].out_size &&
			   memcmp(e[0].out, e[1].out, e[0].out_size < sizeof(e[0].out) ? e[0].out_size : 0) == 0 &&
			   maps_equal(e[0].rt, e[1].rt);
		if (!unit_check(same, what, __FILE__, __LINE__)) {
			fprintf(stderr, "    frame %d: interp err %d retval %u out %u; jit err %d retval %u out %u\n",
				f, e[0].err, e[0].retval, e[0].out_size, e[1].err, e[1].retval, e[1].out_size);
			break;
		}
	}
	for (int k = 0; k < 2; k++)
		anybpf_runtime_free(e[k].rt);
	return skip;
}

TEST(jit_samples_match_interpreter)
{
	if (!anybpf_jit_available())
		return;
	char path[1024], line[8192];
	snprintf(path, sizeof(path), "%s/EXPECTED.tsv", samples_dir());
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("jit samples: skipped (%s not found)\n", path);
		return;
	}
	int compared = 0, skipped = 0;
	while (fgets(line, sizeof(line), f)) {
		char *col[6] = { 0 };
		line[strcspn(line, "\n")] = 0;
		char *s = line;
		for (int i = 0; i < 6 && s; i++) {
			col[i] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = 0;
		}
		if (!col[5] || strcmp(col[5], "accept") || !strncmp(col[0], "invalid/", 8))
			continue;
		if (strstr(col[0], "exposeptr")) {
			skipped++;
			continue;
		}
		const char *ty = col[3];
		if (strcmp(ty, "xdp") && strcmp(ty, "socket_filter") && strcmp(ty, "sched_cls") &&
		    strcmp(ty, "cgroup_skb") && strcmp(ty, "lwt_out"))
			continue;
		char obj_path[1200];
		snprintf(obj_path, sizeof(obj_path), "%s/%s", samples_dir(), col[0]);
		anybpf_object *obj = NULL;
		struct anybpf_object_opts oo = { .sz = sizeof(oo) };
		if (anybpf_object_open_file(obj_path, &oo, &obj, NULL))
			continue;
		for (size_t i = 0; i < anybpf_object_prog_count(obj); i++) {
			anybpf_prog *p = anybpf_object_prog(obj, i);
			if (strcmp(anybpf_prog_section(p), col[1]) ||
			    (strcmp(col[2], "-") && strcmp(anybpf_prog_name(p), col[2])))
				continue;
			if (nondeterministic(p)) {
				skipped++;
				continue;
			}
			char what[256];
			snprintf(what, sizeof(what), "%s %s/%s", col[0], col[1], col[2]);
			if (compare_prog(obj, p, ty, what))
				skipped++;
			else
				compared++;
		}
		anybpf_object_close(obj);
	}
	fclose(f);
	printf("jit samples: %d programs compared on 4 frames, %d skipped\n", compared, skipped);
	CHECK(compared >= 20);
}
