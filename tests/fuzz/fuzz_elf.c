/* fuzz_elf.c - libFuzzer target for the object loader (src/elf).
 * Input: an object file (seeds: tests/fuzz/seeds/fuzz_elf, small sample
 * objects).  Whatever loads is walked through every public accessor, every
 * instruction is disassembled and line info looked up; a refusal must carry
 * exactly one NUL-terminated log line and a negative code. */
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(anybpf_object *obj)
{
	char text[256];
	for (size_t i = 0; i < anybpf_object_prog_count(obj); i++) {
		anybpf_prog *p = anybpf_object_prog(obj, i);
		size_t n;
		const struct anybpf_insn *in = anybpf_prog_insns(p, &n);
		if (!p || (n && !in) || anybpf_prog_main_insn_count(p) > n)
			abort();
		if (strlen(anybpf_prog_name(p)) + strlen(anybpf_prog_section(p)) +
		    strlen(anybpf_prog_type_name(p)) == (size_t)-1)
			abort();
		if (anybpf_object_find_prog(obj, anybpf_prog_section(p), anybpf_prog_name(p)) == NULL)
			abort();
		/* the BTF function signatures the verifier takes (funcsig.c) */
		struct anybpf_func_sig *sigs = NULL;
		size_t nsigs = 0;
		if (anybpf_prog_func_sigs(p, &sigs, &nsigs) == 0) {
			for (size_t k = 0; k < nsigs; k++)
				if (sigs[k].pc >= n)
					abort();
			anybpf_free(sigs);
		}
		for (size_t pc = 0; pc < n; pc++) {
			struct anybpf_line l;
			anybpf_disasm_insn(in, n, pc, ANYBPF_SYNTAX_LLVM, text, sizeof(text));
			if (anybpf_prog_line_at(p, pc, &l) && (!l.file || !l.text))
				abort();
			if (anybpf_prog_line_for(p, pc, &l) && (!l.file || !l.text))
				abort();
		}
	}
	for (size_t i = 0; i < anybpf_object_map_count(obj); i++) {
		anybpf_map *m = anybpf_object_map(obj, i);
		size_t sz;
		const unsigned char *b = anybpf_map_initial(m, &sz);
		volatile unsigned sum = 0;
		for (size_t k = 0; b && k < sz; k++)
			sum += b[k];
		if (anybpf_map_inner(m) >= (int64_t)anybpf_object_map_count(obj) ||
		    !anybpf_map_name(m) || !anybpf_map_type_name(m))
			abort();
		(void)sum;
	}
	(void)anybpf_object_license(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[1024];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	anybpf_object *obj = NULL;
	int rc = anybpf_object_open_mem(data, size, NULL, &obj, &log);
	if (rc == 0) {
		if (!obj)
			abort();
		walk(obj);
		anybpf_object_close(obj);
		return 0;
	}
	if (rc > 0 || obj || log.len == 0 || log.len >= sizeof(buf) ||
	    memchr(buf, '\n', log.len) != buf + log.len - 1)
		abort();
	return 0;
}
