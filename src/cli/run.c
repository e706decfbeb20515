/* run.c - `anybpf run FILE [mem=PATH] [mode=interpret|jit] [check=on|off]
 * [budget=N] [blind=0|1]`: run a raw program (assembly or .bin) in the
 * interpreter or the x86-64 JIT (mode=jit: no checks, like check=off;
 * blind=1: with constant blinding).
 * r1 points to the memory (or is 0), r2 is its length; the last line of
 * stdout is r0 as 0x%llx.  Raw programs are not verified, so they run in
 * checking mode unless check=off.  An object file (ELF) goes to
 * run_object.c: verified, with its maps and program type. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/common.h"
#include "run.h"

int cli_parse_engine(struct cli *c, struct cli_engine *e)
{
	const char *mode = cli_get(c, "mode");
	const char *check = cli_get(c, "check");
	const char *blind = cli_get(c, "blind");
	int given = 0;
	e->budget = 0;
	e->mode = ANYBPF_EXEC_CHECKED;
	e->jit = 0;
	e->blind = blind && !strcmp(blind, "1");
	int jit = mode && strcmp(mode, "jit") == 0;
	if (mode && !jit && strcmp(mode, "interpret") != 0 && strcmp(mode, "interpreter") != 0)
		return cli_usage(c, "mode=%s: expected interpret or jit", mode);
	if (check && strcmp(check, "off") == 0)
		e->mode = ANYBPF_EXEC_FAST;
	else if (check && strcmp(check, "on") != 0)
		return cli_usage(c, "check=%s: expected on or off", check);
	else if (check && jit)
		return cli_usage(c, "check=on: the JIT has no checking mode (use mode=interpret)");
	if (blind && strcmp(blind, "0") && strcmp(blind, "1"))
		return cli_usage(c, "blind=%s: expected 0 or 1", blind);
	if (e->blind && !jit)
		return cli_usage(c, "blind=1: constant blinding is the JIT's (add mode=jit)");
	if (jit) {
		e->mode = ANYBPF_EXEC_FAST;
		e->jit = 1;
	}
	return cli_get_u64(c, "budget", &e->budget, &given);
}

int cli_run_raw(const struct anybpf_insn *insns, size_t n, void *mem, size_t mem_len,
		const struct cli_engine *e, struct anybpf_exec_result *res, struct anybpf_log *log)
{
	struct cli_run_flags none = { 0, 0 };
	return cli_run_raw_flags(insns, n, mem, mem_len, e, &none, res, log);
}

int cli_run_raw_flags(const struct anybpf_insn *insns, size_t n, void *mem, size_t mem_len,
		      const struct cli_engine *e, const struct cli_run_flags *flags,
		      struct anybpf_exec_result *res, struct anybpf_log *log)
{
	anybpf_vm *vm = anybpf_vm_new(NULL);
	if (!vm)
		return -ANYBPF_E_NOMEM;
	int err = anybpf_vm_register_test_helpers(vm);
	if (!err && e->blind)
		err = anybpf_vm_set_jit_blinding(vm, 1);
	if (!err)
		err = anybpf_vm_load(vm, insns, n, log);
	if (!err && flags->unload)
		anybpf_vm_unload(vm);
	if (!err && (flags->reload || flags->unload))
		err = anybpf_vm_load(vm, insns, n, log);
	if (!err) {
		struct anybpf_region region = { mem, mem_len, ANYBPF_REGION_RW, "mem" };
		struct anybpf_exec_opts opts = {
			.sz = sizeof(opts), .mode = e->jit ? ANYBPF_EXEC_JIT : e->mode,
			.budget = e->budget,
			.args = { (uint64_t)(uintptr_t)mem, mem_len },
			.regions = mem ? &region : NULL, .nregions = mem ? 1 : 0,
			.pkt = mem, .pkt_len = mem_len,
		};
		err = anybpf_vm_exec(vm, &opts, res, log);
	}
	anybpf_vm_free(vm);
	return err;
}

int cli_is_elf(const char *path)
{
	unsigned char m[4] = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t got = fread(m, 1, 4, f);
	fclose(f);
	return got == 4 && !memcmp(m, "\x7f" "ELF", 4);
}

int cmd_run(struct cli *c)
{
	if (c->npos >= 1 && cli_is_elf(c->pos[0]))
		return cli_run_object(c);
	if (c->npos >= 1 && access(c->pos[0], R_OK) && strcmp(c->pos[0], "-"))
		return cli_fail(c, EXIT_USAGE, "%s: %s", c->pos[0], strerror(errno));
	struct cli_engine e;
	const char *mem_path = cli_get(c, "mem");
	int rc = cli_parse_engine(c, &e);
	if (rc || (rc = cli_unused(c)))
		return rc;
	if (c->npos != 1)
		return cli_usage(c, "expected one program file");
	struct cli_prog p;
	if ((rc = cli_load_prog(c, c->pos[0], &p)))
		return rc;
	char *mem = NULL;
	size_t mem_len = 0;
	if (mem_path && (rc = cli_read_file(c, mem_path, &mem, &mem_len))) {
		cli_prog_free(&p);
		return rc;
	}
	char logbuf[8192];
	struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf), .err_pc = -1, .err_line = -1 };
	struct anybpf_exec_result res = { 0, 0 };
	int err = cli_run_raw(p.insns, p.n, mem_len ? mem : NULL, mem_len, &e, &res, &log);
	cli_prog_free(&p);
	ab_free(mem);
	if (err) {
		cli_print_log(c, &log);
		if (!log.len)
			cli_fail(c, 0, "%s", anybpf_strerror(err));
		/* a program that cannot be loaded is bad input; one that fails
		 * while running is a program failure */
		return err == -ANYBPF_E_OOB || err == -ANYBPF_E_BUDGET || err == -ANYBPF_E_CALL_DEPTH ||
		       err == -ANYBPF_E_CALLX ? EXIT_FAIL : EXIT_USAGE;
	}
	printf("0x%llx\n", (unsigned long long)res.retval);
	return EXIT_OK;
}
