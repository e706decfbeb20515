/* test_verifier_rodata.c - read-only maps end to end: the C program of
 * tests/verifier/rodata/strncmp.c, compiled with clang -O2 -target bpf at
 * test time, goes through the runtime (src/runtime fills the verifier's map
 * descriptors with map_flags and the frozen .rodata bytes): bpf_strncmp
 * against a constant string in .rodata (or a literal) is verified and runs;
 * the twin writing into .rodata and the one keeping the string in .data are
 * rejected by the verifier.  Skipped (with a message) when clang cannot
 * build for BPF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "anybpf.h"
#include "unit.h"

#define SRC "tests/verifier/rodata/strncmp.c"

static int build(const char *flags, const char *out)
{
	const char *clang = getenv("CLANG") ? getenv("CLANG") : "clang";
	struct utsname u;
	char cmd[1024];

	if (uname(&u))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s -O2 -g -target bpf -I/usr/include/%s-linux-gnu %s -c %s -o %s 2>/dev/null",
		 clang, u.machine, flags, SRC, out);
	return system(cmd) == 0 ? 0 : -1;
}

/* load path's xdp program in a runtime: the load's result; with runs, the
 * XDP action on a frame starting "abcd" and on one starting "abce" */
static int load_run(const char *path, char *why, size_t whysz, uint32_t *match, uint32_t *miss)
{
	anybpf_object *obj = NULL;
	anybpf_runtime *rt = NULL;
	struct anybpf_log log = { .buf = why, .size = whysz };
	int r = -1000;

	why[0] = 0;
	if (anybpf_object_open_file(path, NULL, &obj, NULL))
		return r;
	const anybpf_prog *prog = anybpf_object_find_prog(obj, "xdp", NULL);
	if (prog && !anybpf_runtime_new(obj, NULL, &rt, &log)) {
		r = anybpf_runtime_load(rt, prog, &log);
		uint8_t frame[64];
		memset(frame, 0, sizeof(frame));
		for (int k = 0; r == 0 && k < 2; k++) {
			memcpy(frame, k ? "abce" : "abcd", 4);
			struct anybpf_test_run_opts o = { .sz = sizeof(o), .data_in = frame,
							  .data_size_in = sizeof(frame), .log = &log };
			int e = anybpf_prog_test_run(rt, prog, &o);
			*(k ? miss : match) = e ? 0xffffffffu : o.retval;
		}
	}
	anybpf_runtime_free(rt);
	anybpf_object_close(obj);
	return r;
}

TEST(verifier_rodata_strncmp)
{
	char dir[] = "/tmp/anybpf-rodata-XXXXXX", path[600], why[512];
	static const struct { const char *flags, *out, *error; } v[] = {
		{ "", "rodata", NULL },
		{ "-DLITERAL", "literal", NULL },
		{ "-DUNSAFE=1", "write", "write into read-only map" },
		{ "-DUNSAFE=2", "data", "is writable" },
	};

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/rodata.o", dir);
	if (build("", path)) {
		printf("verifier_rodata_strncmp: skipped (clang -target bpf cannot build %s)\n", SRC);
		rmdir(dir);
		return;
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.o", dir, v[i].out);
		CHECK_EQ(build(v[i].flags, path), 0);
		uint32_t match = 0, miss = 0;
		int r = load_run(path, why, sizeof(why), &match, &miss);
		if (!v[i].error) {
			if (r)
				fprintf(stderr, "  %s: %s\n", v[i].out, why);
			CHECK_EQ(r, 0);
			CHECK_EQ(match, 1);   /* XDP_DROP */
			CHECK_EQ(miss, 2);    /* XDP_PASS */
		} else {
			CHECK_EQ(r, -ANYBPF_E_VERIFY);
			if (!strstr(why, v[i].error))
				fprintf(stderr, "  %s: want '%s' in: %s\n", v[i].out, v[i].error, why);
			CHECK(strstr(why, v[i].error) != NULL);
		}
		unlink(path);
	}
	rmdir(dir);
}
