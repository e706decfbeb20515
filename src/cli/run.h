/* run.h - running raw programs, shared by `run` and `test`. */
#ifndef ANYBPF_CLI_RUN_H
#define ANYBPF_CLI_RUN_H

#include "cli.h"

struct cli_engine {
	/* CHECKED or FAST; mode=jit is FAST (unchecked, as the skips of
	 * `anybpf test` expect) run on the JIT */
	enum anybpf_exec_mode mode;
	int jit;
	int blind;       /* blind=1: the JIT's constant blinding */
	uint64_t budget; /* 0: the library default */
};

/* mode=, check=, budget= */
int cli_parse_engine(struct cli *c, struct cli_engine *e);

/* Load with the uBPF test helpers and run: r1 = mem, r2 = mem_len. */
int cli_run_raw(const struct anybpf_insn *insns, size_t n, void *mem, size_t mem_len,
		const struct cli_engine *e, struct anybpf_exec_result *res, struct anybpf_log *log);

/* The same, loading the program again before running: reload (into the
 * loaded VM: must fail) or unload-then-load.  For the .data tests. */
struct cli_run_flags {
	int reload, unload;
};
int cli_run_raw_flags(const struct anybpf_insn *insns, size_t n, void *mem, size_t mem_len,
		      const struct cli_engine *e, const struct cli_run_flags *flags,
		      struct anybpf_exec_result *res, struct anybpf_log *log);

/* `run FILE.o ...`: an object file's program through the test-run API
 * (run_object.c). */
int cli_run_object(struct cli *c);
/* bpftool-style dump of one map; j NULL: text to stdout. */
struct json;
void cli_dump_map(struct json *j, anybpf_rtmap *m);
/* pcap replay (run_pcap.c) */
struct cli_pcap_opts {
	const char *pcap, *write;
	int checked, dump, jit;
	uint64_t budget;
	const anybpf_object *obj;  /* the program's object: BTF-typed map dump */
};
int cli_run_pcap(struct cli *c, anybpf_runtime *rt, const anybpf_prog *prog, const char *type,
		 int verified, const struct cli_pcap_opts *po);
/* Does path start with the ELF magic? */
int cli_is_elf(const char *path);

#endif
