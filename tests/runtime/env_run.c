/* env_run.c - tests/runtime/run.sh env-*: anybpf_runtime_opts.helper_env
 * reaches the helpers.  Usage: env_run OBJ PROGRAM DATA [default]: runs
 * PROGRAM on DATA through anybpf_prog_test_run with a helper env whose
 * route realm is 7 and net_cls classid 3 (with "default": no env) and
 * prints "retval: N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: env_run OBJ PROGRAM DATA [default]\n");
		return 2;
	}
	static uint8_t data[65536];
	FILE *f = fopen(argv[3], "rb");
	if (!f) {
		fprintf(stderr, "env_run: cannot open %s\n", argv[3]);
		return 2;
	}
	size_t n = fread(data, 1, sizeof(data), f);
	fclose(f);
	char lb[4096] = "";
	struct anybpf_log log = { .buf = lb, .size = sizeof(lb), .err_pc = -1, .err_line = -1 };
	anybpf_object *obj = NULL;
	anybpf_runtime *rt = NULL;
	if (anybpf_object_open_file(argv[1], NULL, &obj, &log)) {
		fprintf(stderr, "env_run: %s\n", lb);
		return 2;
	}
	anybpf_prog *prog = anybpf_object_find_prog(obj, NULL, argv[2]);
	struct anybpf_helper_env env = { .sz = sizeof(env), .route_realm = 7, .cgroup_classid = 3 };
	struct anybpf_runtime_opts ro = { .sz = sizeof(ro), .ncpus = 1,
					  .helper_env = argc > 4 && !strcmp(argv[4], "default") ? NULL : &env };
	int err = prog ? anybpf_runtime_new(obj, &ro, &rt, &log) : -1;
	struct anybpf_test_run_opts t = { .sz = sizeof(t), .data_in = data, .data_size_in = (uint32_t)n,
					  .log = &log };
	if (!err)
		err = anybpf_prog_test_run(rt, prog, &t);
	if (err)
		fprintf(stderr, "env_run: %s (%d)\n", prog ? lb : "no such program", err);
	else
		printf("retval: %u\n", t.retval);
	anybpf_runtime_free(rt);
	anybpf_object_close(obj);
	return err ? 1 : 0;
}
