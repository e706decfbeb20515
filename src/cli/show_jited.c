/*
 * show_jited.c - `anybpf show jited FILE [SECTION] [program=NAME]
 * [unverified] [opcodes] [syntax=intel|att] [blind=0|1] [--json]`, bpftool's
 * `prog dump jited`: the x86-64 code the JIT makes of a program, as
 * libcapstone disassembles it, each eBPF instruction (`show disassembly`'s
 * text, `; file:line` and `; source` before a new source line) above its
 * native instructions; the entry code before the first instruction, the
 * shared exit paths, error stubs and callback entry after the last, and
 * the code size.
 *
 * The code shown is the code `run` executes: the runtime's own VM for the
 * program (anybpf_runtime_prog_vm: verified, a rejected program only with
 * `unverified`, context-rewritten, its maps live in this process, array
 * lookups inlined), compiled by the JIT.
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "elf/elf.h"
#include "json.h"
#include "show_common.h"

struct jited_opts {
	int opcodes, att, blind, unverified;
};

/* The native instructions in [from, to) of the code. */
static void print_native(csh cs, const uint8_t *code, size_t from, size_t to,
			 const struct jited_opts *o, struct json *j)
{
	cs_insn *ins = NULL;
	size_t cnt = to > from ? cs_disasm(cs, code + from, to - from, from, 0, &ins) : 0;
	size_t done = from;
	for (size_t i = 0; i < cnt; i++) {
		char bytes[64] = "";
		for (size_t b = 0, k = 0; b < ins[i].size && k + 4 < sizeof(bytes); b++)
			k += (size_t)snprintf(bytes + k, sizeof(bytes) - k, "%s%02x", b ? " " : "",
					      ins[i].bytes[b]);
		if (j) {
			json_obj(j);
			json_kuint(j, "offset", ins[i].address);
			json_kstr(j, "bytes", bytes);
			char text[192];
			snprintf(text, sizeof(text), "%s%s%s", ins[i].mnemonic, ins[i].op_str[0] ? " " : "",
				 ins[i].op_str);
			json_kstr(j, "asm", text);
			json_end(j);
		} else if (o->opcodes) {
			printf("%6" PRIx64 ":\t%-30s\t%s\t%s\n", ins[i].address, bytes, ins[i].mnemonic,
			       ins[i].op_str);
		} else {
			printf("%6" PRIx64 ":\t%s\t%s\n", ins[i].address, ins[i].mnemonic, ins[i].op_str);
		}
		done = (size_t)ins[i].address + ins[i].size;
	}
	if (cnt)
		cs_free(ins, cnt);
	if (done < to && !j) /* capstone stopped: say so rather than hide bytes */
		printf("%6zx:\t(%zu bytes capstone cannot decode)\n", done, to - done);
}

static void print_prog(csh cs, const anybpf_object *obj, const anybpf_prog *p, anybpf_vm *vm,
		       const struct jited_opts *o, struct json *j)
{
	size_t n;
	anybpf_prog_insns(p, &n);
	const void *codep;
	size_t size = anybpf_vm_jit_code(vm, &codep);
	const uint8_t *code = codep;
	char text[320];
	struct show_src src = { 0 };
	if (j) {
		json_obj(j);
		json_kstr(j, "section", anybpf_prog_section(p));
		json_kstr(j, "program", anybpf_prog_name(p));
		json_kstr(j, "type", anybpf_prog_type_name(p));
		json_kuint(j, "code_size", size);
		json_key(j, "entry");
		json_arr(j);
	} else {
		printf("; entry\n");
	}
	print_native(cs, code, 0, anybpf_vm_jit_insn_offset(vm, 0), o, j);
	if (j) {
		json_end(j);
		json_key(j, "instructions");
		json_arr(j);
	}
	for (size_t pc = 0; pc < n;) {
		int s = show_prog_insn(obj, p, pc, &src, !j, text, sizeof(text));
		struct anybpf_line l;
		size_t next = pc + (size_t)s;
		size_t from = anybpf_vm_jit_insn_offset(vm, pc), to = anybpf_vm_jit_insn_offset(vm, next);
		if (j) {
			json_obj(j);
			json_kuint(j, "pc", pc);
			json_kstr(j, "text", text);
			if (anybpf_prog_line_for(p, pc, &l)) {
				json_kstr(j, "file", l.file);
				json_kuint(j, "line", l.line);
				json_kstr(j, "source", l.text);
			}
			json_key(j, "native");
			json_arr(j);
			print_native(cs, code, from, to, o, j);
			json_end(j);
			json_end(j);
		} else {
			printf(";%6zu: %s\n", pc, text);
			print_native(cs, code, from, to, o, NULL);
		}
		pc = next;
	}
	if (j) {
		json_end(j);
		json_key(j, "tail");
		json_arr(j);
	} else {
		printf("; exit paths, error stubs, frame zeroing, callback entry\n");
	}
	print_native(cs, code, anybpf_vm_jit_insn_offset(vm, n), size, o, j);
	if (j) {
		json_end(j);
		json_end(j);
	} else {
		printf("; code size: %zu bytes for %zu eBPF instruction slots\n", size, n);
	}
}

/* Verify, build and print one program; an exit code. */
static int jited_one(struct cli *c, csh cs, const anybpf_object *obj, anybpf_prog *p,
		     const struct jited_opts *o, struct json *j)
{
	char logbuf[4096] = "";
	struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf), .err_pc = -1, .err_line = -1 };
	struct anybpf_runtime_opts ro = { .sz = sizeof(ro), .ncpus = 1, .unverified = o->unverified,
					  .prog_type = cli_get(c, "type") };
	anybpf_runtime *rt = NULL;
	int err = anybpf_runtime_new(obj, &ro, &rt, &log);
	if (!err)
		err = anybpf_runtime_load(rt, p, &log);
	anybpf_vm *vm = err < 0 ? NULL : anybpf_runtime_prog_vm(rt, p, &log);
	err = err < 0 ? err : !vm ? -ANYBPF_E_INVAL : anybpf_vm_set_jit_blinding(vm, o->blind);
	if (!err)
		err = anybpf_vm_jit_compile(vm, &log);
	int rc = EXIT_OK;
	if (err) {
		cli_print_log(c, &log);
		if (!log.len)
			cli_fail(c, 0, "%s", anybpf_strerror(err));
		rc = err == -ANYBPF_E_VERIFY ? EXIT_FAIL : EXIT_USAGE;
	} else {
		print_prog(cs, obj, p, vm, o, j);
	}
	anybpf_runtime_free(rt); /* and its VM */
	return rc;
}

int cmd_show_jited(struct cli *c)
{
	struct jited_opts o = { 0, 0, 0, 0 };
	const char *name = cli_get(c, "program"), *syntax = cli_get(c, "syntax");
	const char *blind = cli_get(c, "blind");
	cli_get(c, "type");
	o.opcodes = show_take_word(c, 1, "opcodes");
	o.unverified = show_take_word(c, 1, "unverified");
	if (cli_unused(c))
		return EXIT_USAGE;
	if (syntax && strcmp(syntax, "intel") && strcmp(syntax, "att"))
		return cli_usage(c, "syntax=%s: expected intel or att", syntax);
	o.att = syntax && !strcmp(syntax, "att");
	if (blind && strcmp(blind, "0") && strcmp(blind, "1"))
		return cli_usage(c, "blind=%s: expected 0 or 1", blind);
	o.blind = blind && !strcmp(blind, "1");
	if (c->npos < 1 || c->npos > 2)
		return cli_usage(c, "expected an object file and optionally a section");
#if !defined(__x86_64__)
	return cli_fail(c, EXIT_USAGE, "the JIT needs an x86-64 host");
#endif
	csh cs;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return cli_fail(c, EXIT_USAGE, "libcapstone cannot disassemble x86-64");
	if (o.att)
		cs_option(cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	anybpf_object *obj;
	const char *section = c->npos > 1 ? c->pos[1] : NULL;
	anybpf_prog **v;
	size_t nv;
	int rc = show_open_select(c, c->pos[0], section, name, &obj, &v, &nv);
	if (rc) {
		cs_close(&cs);
		return rc;
	}
	if (!section && !name) /* as show disassembly: the first program */
		nv = 1;
	struct json j;
	if (c->json)
		show_json_programs(&j, c->pos[0]);
	for (size_t i = 0; i < nv && !rc; i++) {
		if (!c->json && nv > 1)
			printf("%s%s:\n", i ? "\n" : "", show_prog_name(v[i]));
		rc = jited_one(c, cs, obj, v[i], &o, c->json ? &j : NULL);
	}
	if (c->json) {
		json_end(&j);
		json_end(&j);
		if (!rc)
			json_done(&j);
		else
			printf("\n");
	}
	ab_free(v);
	anybpf_object_close(obj);
	cs_close(&cs);
	return rc;
}
