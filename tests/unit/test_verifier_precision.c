/* test_verifier_precision.c - the precision analysis (src/verifier/relevance.c)
 * on C programs compiled with clang -O2 -target bpf at test time
 * (the .c files of tests/verifier/precision): natural loops whose counters and
 * accumulators never reach a check are accepted well within the budget
 * (exploration comparing every number exactly needs more than the 1M
 * default for each), and an unsafe twin whose counter becomes an index is
 * rejected.  Skipped (with a message) when clang cannot build them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "anybpf.h"
#include "unit.h"
#include "unit_run.h"

#define SRC_DIR "tests/verifier/precision"

/* compile SRC_DIR/name.c (with extra flags) to dir/out.o; 0 when built */
static int build(const char *dir, const char *name, const char *flags, const char *out)
{
	const char *clang = getenv("CLANG") ? getenv("CLANG") : "clang";
	struct utsname u;
	char cmd[1024];

	if (uname(&u))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "%s -O2 -g -target bpf -I/usr/include/%s-linux-gnu %s -c %s/%s.c -o %s/%s.o 2>/dev/null",
		 clang, u.machine, flags, SRC_DIR, name, dir, out);
	return system(cmd) == 0 ? 0 : -1;
}

/* verify the only program of dir/name.o as xdp; NULL when it cannot load */
static struct anybpf_verify_result *verify_obj(const char *dir, const char *name)
{
	char path[512];
	anybpf_object *obj = NULL;
	struct anybpf_verify_result *res = NULL;

	snprintf(path, sizeof(path), "%s/%s.o", dir, name);
	if (anybpf_object_open_file(path, NULL, &obj, NULL))
		return NULL;
	anybpf_prog *prog = anybpf_object_find_prog(obj, "xdp", NULL);
	size_t n = 0, nm = anybpf_object_map_count(obj);
	const struct anybpf_insn *insns = prog ? anybpf_prog_insns(prog, &n) : NULL;
	struct anybpf_map_desc *md = unit_map_descs(obj, 1);
	struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = "xdp", .maps = md,
					.nmaps = nm, .max_errors = 1 };
	if (insns && md && anybpf_verify(insns, n, &o, &res))
		res = NULL;
	free(md);
	anybpf_object_close(obj);
	return res;
}

TEST(verifier_precision_c_programs)
{
	char dir[] = "/tmp/anybpf-prec-XXXXXX";
	static const char *const safe[] = { "popcount", "accumulate", "tcp_options" };

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	if (build(dir, "popcount", "", "popcount")) {
		printf("verifier_precision_c_programs: skipped (clang -target bpf cannot build %s/popcount.c)\n",
		       SRC_DIR);
		rmdir(dir);
		return;
	}
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++) {
		CHECK_EQ(build(dir, safe[i], "", safe[i]), 0);
		struct anybpf_verify_result *res = verify_obj(dir, safe[i]);
		CHECK(res != NULL);
		if (!res)
			continue;
		if (!res->verified && res->ndiags)
			fprintf(stderr, "  %s: %lld: %s\n", safe[i], (long long)res->diags[0].pc,
				res->diags[0].message);
		CHECK(res->verified);
		/* a few thousand explored instructions: far from the budget */
		CHECK(res->insns_processed < 50000);
		CHECK(res->max_path > 0);
		anybpf_verify_result_free(res);
	}
	/* the unsafe twin: a per-kind counter indexes the map value */
	CHECK_EQ(build(dir, "tcp_options", "-DUNSAFE=1", "tcp_unsafe"), 0);
	struct anybpf_verify_result *res = verify_obj(dir, "tcp_unsafe");
	CHECK(res != NULL);
	if (res) {
		CHECK(!res->verified);
		CHECK(res->ndiags >= 1 &&
		      strstr(res->diags[0].message, "map value access out of bounds") != NULL);
		anybpf_verify_result_free(res);
	}
	char p[600];
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s.o", dir, safe[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/tcp_unsafe.o", dir);
	unlink(p);
	rmdir(dir);
}
