/* fuzz_asm.c - libFuzzer target for the assembler (input: assembly text).
 * No crash, no sanitizer report; and what assembles is stable: its uBPF
 * listing assembles back to the same instructions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct anybpf_insn *insns = NULL, *again = NULL;
	size_t n = 0, m = 0;
	char log[256];
	struct anybpf_log lg = { .buf = log, .size = sizeof(log) };
	if (anybpf_assemble((const char *)data, size, &insns, &n, &lg)) {
		if (insns || n || lg.err_line < 1 || !memchr(log, '\n', sizeof(log)))
			abort(); /* an error: no output, a line number, a message */
		return 0;
	}
	size_t cap = n * 80 + 1, len = 0;
	char *text = malloc(cap), line[128];
	if (!text)
		abort();
	text[0] = '\0';
	for (size_t pc = 0; pc < n;) {
		int r = anybpf_disasm_insn(insns, n, pc, ANYBPF_SYNTAX_UBPF, line, sizeof(line));
		if (r < 0) /* the assembler only makes instructions of isa.def */
			abort();
		len += (size_t)snprintf(text + len, cap - len, "%s\n", line);
		pc += (size_t)r;
	}
	if (anybpf_assemble(text, len, &again, &m, NULL) || m != n ||
	    (n && memcmp(again, insns, n * sizeof(*insns))))
		abort();
	free(text);
	anybpf_free(insns);
	anybpf_free(again);
	return 0;
}
