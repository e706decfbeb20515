/*
 * show_disasm.c - `anybpf show disassembly FILE [SECTION] [program=NAME]
 * [raw | format=raw]`.
 *
 * Normal mode, as netsh ebpf: each instruction of the linked program as
 * "%8zu:       text" in llvm-objdump syntax, map loads as `r1 = map_fd 1`
 * (map name as a comment), helper calls with name, id and argument kinds;
 * when the object has line info, a new source line is announced by
 * `; file:line` and `; <source text>`.  Linked subprograms start with a
 * `name:` label.
 *
 * Raw mode: for every program of the section in order, the instructions of
 * the program's own function, numbered by their slot in the section, as
 * "N: text" with exactly the disassembler's llvm-objdump text (pseudo map
 * loads in LLVM's `ld_pseudo` form): what tests/objects/run.sh compares
 * with llvm-objdump -d.
 */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "elf/elf.h"
#include "json.h"
#include "show_common.h"

static void print_raw(const anybpf_prog *p)
{
	size_t n;
	const struct anybpf_insn *in = anybpf_prog_insns(p, &n);
	size_t main = anybpf_prog_main_insn_count(p);
	size_t base = (size_t)(anybpf_prog_section_offset(p) / sizeof(struct anybpf_insn));
	char text[256];
	for (size_t pc = 0; pc < main;) {
		int s = anybpf_disasm_insn(in, n, pc, ANYBPF_SYNTAX_LLVM, text, sizeof(text));
		printf("%zu: %s\n", base + pc, text);
		pc += s == 2 ? 2 : 1;
	}
}

static void print_prog(const anybpf_object *obj, const anybpf_prog *p, struct json *j)
{
	size_t n;
	anybpf_prog_insns(p, &n);
	char text[320];
	struct show_src src = { 0 };
	if (j) {
		json_obj(j);
		json_kstr(j, "section", anybpf_prog_section(p));
		json_kstr(j, "program", anybpf_prog_name(p));
		json_kstr(j, "type", anybpf_prog_type_name(p));
		json_key(j, "instructions");
		json_arr(j);
	}
	for (size_t pc = 0; pc < n;) {
		int s = show_prog_insn(obj, p, pc, &src, !j, text, sizeof(text));
		struct anybpf_line l;
		if (j) {
			json_obj(j);
			json_kuint(j, "pc", pc);
			json_kstr(j, "text", text);
			if (anybpf_prog_line_for(p, pc, &l)) {
				json_kstr(j, "file", l.file);
				json_kuint(j, "line", l.line);
				json_kuint(j, "column", l.col);
				json_kstr(j, "source", l.text);
			}
			json_end(j);
		} else {
			printf("%8zu:       %s\n", pc, text);
		}
		pc += (size_t)s;
	}
	if (j) {
		json_end(j);
		json_end(j);
	}
}

int cmd_show_disassembly(struct cli *c)
{
	int raw = show_take_word(c, 1, "raw");
	const char *format = cli_get(c, "format");
	const char *name = cli_get(c, "program");
	cli_get(c, "type");
	if (cli_unused(c))
		return EXIT_USAGE;
	if (format && strcmp(format, "raw") == 0)
		raw = 1;
	else if (format && strcmp(format, "llvm") != 0)
		return cli_usage(c, "format=%s: expected llvm or raw", format);
	if (c->npos < 1 || c->npos > 2)
		return cli_usage(c, "expected an object file and optionally a section");
	anybpf_object *obj;
	const char *section = c->npos > 1 ? c->pos[1] : NULL;
	anybpf_prog **v;
	size_t nv;
	int rc = show_open_select(c, c->pos[0], section, name, &obj, &v, &nv);
	if (rc)
		return rc;
	/* netsh: without a section, the first program (and its section's) */
	if (!section && !name) {
		section = anybpf_prog_section(v[0]);
		size_t k = 0;
		for (size_t i = 0; i < nv; i++)
			if (strcmp(anybpf_prog_section(v[i]), section) == 0)
				v[k++] = v[i];
		nv = raw ? k : 1;
	}
	if (c->json) {
		struct json j;
		show_json_programs(&j, c->pos[0]);
		for (size_t i = 0; i < nv; i++)
			print_prog(obj, v[i], &j);
		json_done(&j);
	} else {
		for (size_t i = 0; i < nv; i++) {
			if (raw) {
				print_raw(v[i]);
				continue;
			}
			if (nv > 1)
				printf("%s%s:\n", i ? "\n" : "", show_prog_name(v[i]));
			print_prog(obj, v[i], NULL);
		}
	}
	ab_free(v);
	anybpf_object_close(obj);
	return EXIT_OK;
}
