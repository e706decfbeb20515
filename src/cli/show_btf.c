/*
 * show_btf.c - `anybpf show btf FILE [format=raw|c]` (the dumps of
 * src/btf/) and `anybpf show lines FILE [SECTION]` (the line table of
 * .BTF.ext, per program: instruction, file:line:column, source text).
 */
#include <stdio.h>
#include <string.h>

#include "btf/btf.h"
#include "common/common.h"
#include "elf/elf.h"
#include "json.h"
#include "show_common.h"

int cmd_show_btf(struct cli *c)
{
	const char *format = cli_get(c, "format");
	if (cli_unused(c))
		return EXIT_USAGE;
	if (c->npos != 1)
		return cli_usage(c, "expected one object file");
	int as_c = 0;
	if (format && strcmp(format, "c") == 0)
		as_c = 1;
	else if (format && strcmp(format, "raw") != 0)
		return cli_usage(c, "format=%s: expected raw or c", format);
	anybpf_object *obj;
	int rc = show_open(c, c->pos[0], &obj);
	if (rc)
		return rc;
	const struct btf *btf = elf_object_btf(obj);
	if (!btf) {
		anybpf_object_close(obj);
		return cli_fail(c, EXIT_USAGE, "%s: no .BTF section (compile with clang -g)", c->pos[0]);
	}
	if (c->json) {
		/* one entry per type id: kind, name, size or referenced type */
		struct json j;
		json_init(&j, stdout);
		json_obj(&j);
		json_kstr(&j, "file", c->pos[0]);
		json_key(&j, "types");
		json_arr(&j);
		for (uint32_t id = 1; id < btf_type_count(btf); id++) {
			const struct btf_type *t = btf_type_by_id(btf, id);
			if (!t)
				continue;
			unsigned k = btf_kind(t);
			json_obj(&j);
			json_kuint(&j, "id", id);
			json_kstr(&j, "kind", btf_kind_str(k));
			json_kstr(&j, "name", btf_type_name(btf, id));
			int sized = k == BTF_KIND_INT || k == BTF_KIND_ENUM || k == BTF_KIND_STRUCT ||
				    k == BTF_KIND_UNION || k == BTF_KIND_DATASEC ||
				    k == BTF_KIND_FLOAT || k == BTF_KIND_ENUM64;
			if (k != BTF_KIND_ARRAY && k != BTF_KIND_FWD)
				json_kuint(&j, sized ? "size" : "type_id", t->size_type);
			if (btf_vlen(t))
				json_kuint(&j, "vlen", btf_vlen(t));
			json_end(&j);
		}
		json_done(&j);
		anybpf_object_close(obj);
		return EXIT_OK;
	}
	rc = as_c ? btf_dump_c(btf, stdout) : btf_dump_raw(btf, stdout);
	anybpf_object_close(obj);
	if (rc)
		return cli_fail(c, EXIT_USAGE, "%s: %s", c->pos[0], anybpf_strerror(rc));
	return EXIT_OK;
}

int cmd_show_lines(struct cli *c)
{
	cli_get(c, "type");
	const char *name = cli_get(c, "program");
	if (cli_unused(c))
		return EXIT_USAGE;
	if (c->npos < 1 || c->npos > 2)
		return cli_usage(c, "expected an object file and optionally a section");
	anybpf_object *obj;
	int rc = show_open(c, c->pos[0], &obj);
	if (rc)
		return rc;
	if (!anybpf_object_has_lines(obj)) {
		anybpf_object_close(obj);
		return cli_fail(c, EXIT_USAGE, "%s: no line info (.BTF.ext; compile with clang -g)",
				c->pos[0]);
	}
	anybpf_prog **v;
	size_t nv;
	rc = show_select(c, obj, c->npos > 1 ? c->pos[1] : NULL, name, &v, &nv);
	if (rc) {
		anybpf_object_close(obj);
		return rc;
	}
	struct json j;
	if (c->json)
		show_json_programs(&j, c->pos[0]);
	for (size_t i = 0; i < nv; i++) {
		const anybpf_prog *p = v[i];
		size_t n;
		anybpf_prog_insns(p, &n);
		if (c->json) {
			json_obj(&j);
			json_kstr(&j, "section", anybpf_prog_section(p));
			json_kstr(&j, "program", anybpf_prog_name(p));
			json_key(&j, "lines");
			json_arr(&j);
		} else {
			printf("%s%s/%s:\n", i ? "\n" : "", anybpf_prog_section(p), show_prog_name(p));
			printf("%8s  %s\n", "insn", "file:line:column  source");
		}
		for (size_t pc = 0; pc < n; pc++) {
			struct anybpf_line l;
			if (!anybpf_prog_line_at(p, pc, &l))
				continue;
			if (c->json) {
				json_obj(&j);
				json_kuint(&j, "pc", pc);
				json_kstr(&j, "file", l.file);
				json_kuint(&j, "line", l.line);
				json_kuint(&j, "column", l.col);
				json_kstr(&j, "source", l.text);
				json_end(&j);
			} else {
				const char *t = l.text;
				while (*t == ' ' || *t == '\t')
					t++;
				printf("%8zu  %s:%u:%u  %s\n", pc, l.file, l.line, l.col, t);
			}
		}
		if (c->json) {
			json_end(&j);
			json_end(&j);
		}
	}
	if (c->json)
		json_done(&j);
	ab_free(v);
	anybpf_object_close(obj);
	return EXIT_OK;
}
