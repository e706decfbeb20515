/* disassemble.c - `anybpf disassemble FILE [syntax=llvm|ubpf]`, one line
 * per instruction in llvm-objdump's own layout ("%8zu:\t%s"). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common/common.h"

int cmd_disassemble(struct cli *c)
{
	const char *syn = cli_get(c, "syntax");
	if (cli_unused(c))
		return EXIT_USAGE;
	if (c->npos != 1)
		return cli_usage(c, "expected one input file");
	enum anybpf_syntax syntax = ANYBPF_SYNTAX_LLVM;
	if (syn && strcmp(syn, "ubpf") == 0)
		syntax = ANYBPF_SYNTAX_UBPF;
	else if (syn && strcmp(syn, "llvm") != 0)
		return cli_usage(c, "syntax=%s: expected llvm or ubpf", syn);
	struct cli_prog p;
	int rc = cli_load_prog(c, c->pos[0], &p);
	if (rc)
		return rc;
	char text[256];
	for (size_t pc = 0; pc < p.n;) {
		int slots = anybpf_disasm_insn(p.insns, p.n, pc, syntax, text, sizeof(text));
		printf("%8zu:\t%s\n", pc, text);
		pc += slots == 2 ? 2 : 1;
	}
	cli_prog_free(&p);
	return EXIT_OK;
}
