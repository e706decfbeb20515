/* show_common.c - opening objects and choosing programs for `show ...`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "elf/elf.h"
#include "json.h"
#include "show_common.h"

int show_open(struct cli *c, const char *path, anybpf_object **obj)
{
	char buf[1024];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	struct anybpf_object_opts o = { .sz = sizeof(o), .prog_type = cli_get(c, "type") };
	buf[0] = '\0';
	if (anybpf_object_open_file(path, &o, obj, &log)) {
		cli_print_log(c, &log);
		return EXIT_USAGE;
	}
	return 0;
}

int show_open_select(struct cli *c, const char *path, const char *section, const char *name,
		     anybpf_object **obj, anybpf_prog ***out, size_t *n)
{
	int rc = show_open(c, path, obj);
	if (rc)
		return rc;
	rc = show_select(c, *obj, section, name, out, n);
	if (rc) {
		anybpf_object_close(*obj);
		*obj = NULL;
	}
	return rc;
}

int show_level(struct cli *c, int from, int *verbose)
{
	const char *level = cli_get(c, "level");
	*verbose = show_take_word(c, from, "verbose");
	if (level && strcmp(level, "verbose") == 0)
		*verbose = 1;
	else if (level && strcmp(level, "normal") != 0)
		return cli_usage(c, "level=%s: expected normal or verbose", level);
	return 0;
}

void show_json_programs(struct json *j, const char *path)
{
	json_init(j, stdout);
	json_obj(j);
	json_kstr(j, "file", path);
	json_key(j, "programs");
	json_arr(j);
}

int show_take_word(struct cli *c, int from, const char *word)
{
	for (int i = from; i < c->npos; i++)
		if (strcmp(c->pos[i], word) == 0) {
			for (int k = i; k + 1 < c->npos; k++)
				c->pos[k] = c->pos[k + 1];
			c->npos--;
			return 1;
		}
	return 0;
}

const char *show_prog_name(const anybpf_prog *p)
{
	const char *n = anybpf_prog_name(p);
	return n[0] ? n : "-";
}

int show_select(struct cli *c, const anybpf_object *obj, const char *section,
		const char *name, anybpf_prog ***out, size_t *n)
{
	size_t total = anybpf_object_prog_count(obj), k = 0;
	anybpf_prog **v = ab_calloc(total ? total : 1, sizeof(*v));
	if (!v)
		return cli_fail(c, EXIT_USAGE, "out of memory");
	int sec_seen = 0;
	for (size_t i = 0; i < total; i++) {
		anybpf_prog *p = anybpf_object_prog(obj, i);
		if (section && strcmp(anybpf_prog_section(p), section) != 0)
			continue;
		sec_seen = 1;
		if (name && strcmp(anybpf_prog_name(p), name) != 0 &&
		    strcmp(show_prog_name(p), name) != 0)
			continue;
		v[k++] = p;
	}
	if (k == 0) {
		ab_free(v);
		if (total == 0)
			return cli_fail(c, EXIT_USAGE, "%s: no programs in the object", c->pos[0]);
		if (section && !sec_seen)
			return cli_fail(c, EXIT_USAGE, "%s: no program section '%s'", c->pos[0], section);
		return cli_fail(c, EXIT_USAGE, "%s: no program '%s'%s%s", c->pos[0], name,
				section ? " in section " : "", section ? section : "");
	}
	*out = v;
	*n = k;
	return 0;
}

const anybpf_map *show_map_by_fd(const anybpf_object *obj, int32_t fd)
{
	for (size_t i = 0; i < anybpf_object_map_count(obj); i++)
		if (anybpf_map_fd(anybpf_object_map(obj, i)) == fd)
			return anybpf_object_map(obj, i);
	return NULL;
}

int show_insn_text(const anybpf_object *obj, const struct anybpf_insn *in, size_t n,
		   size_t pc, char *buf, size_t size)
{
	const struct anybpf_insn *x = &in[pc];
	if (x->code == 0x18 && pc + 1 < n && (x->src == 1 || x->src == 2)) {
		const anybpf_map *m = show_map_by_fd(obj, x->imm);
		int w;
		if (x->src == 1)
			w = snprintf(buf, size, "r%u = map_fd %d", (unsigned)x->dst, x->imm);
		else
			w = snprintf(buf, size, "r%u = map_value %d + %d", (unsigned)x->dst, x->imm,
				     in[pc + 1].imm);
		if (m && w > 0 && (size_t)w < size)
			snprintf(buf + w, size - (size_t)w, "  # %s", anybpf_map_name(m));
		return 2;
	}
	if (x->code == 0x85 && x->src == 0) {
		struct elf_helper hb;
		const struct elf_helper *h = elf_helper_by_id((uint32_t)x->imm, &hb) ? &hb : NULL;
		if (h && h->kinds) {
			int w = snprintf(buf, size, "r0 = %s:%d(", h->name, x->imm);
			const char *k = h->kinds;
			for (unsigned r = 1; *k && w > 0 && (size_t)w < size; r++) {
				size_t len = strcspn(k, ",");
				w += snprintf(buf + w, size - (size_t)w, "%s%.*s r%u", r > 1 ? ", " : "",
					      (int)len, k, r);
				k += len + (k[len] == ',');
			}
			if (w > 0 && (size_t)w < size)
				snprintf(buf + w, size - (size_t)w, ")");
			return 1;
		}
		if (h) {
			snprintf(buf, size, "call %s:%d", h->name, x->imm);
			return 1;
		}
	}
	int s = anybpf_disasm_insn(in, n, pc, ANYBPF_SYNTAX_LLVM, buf, size);
	return s == 2 ? 2 : 1;
}

int show_prog_insn(const anybpf_object *obj, const anybpf_prog *p, size_t pc,
		   struct show_src *src, int print, char *buf, size_t size)
{
	size_t n;
	const struct anybpf_insn *in = anybpf_prog_insns(p, &n);
	if (pc > 0 && elf_prog_func_start(p, pc)) {
		const char *fn = elf_prog_func_name(p, pc);
		if (print)
			printf("%s:\n", fn[0] ? fn : "<subprogram>");
		src->file = NULL;
	}
	struct anybpf_line l;
	int has_line = anybpf_prog_line_at(p, pc, &l) && l.line > 0;
	if (has_line && print &&
	    (!src->file || l.line != src->line || strcmp(l.file, src->file))) {
		printf("; %s:%u\n; %s\n", l.file, l.line, l.text);
		src->file = l.file;
		src->line = l.line;
	}
	int s = show_insn_text(obj, in, n, pc, buf, size);
	if (in[pc].code == 0x85 && in[pc].src == 1) { /* name the subprogram */
		int64_t t = (int64_t)pc + 1 + in[pc].imm;
		const char *fn = t >= 0 && (uint64_t)t < n ? elf_prog_func_name(p, (size_t)t) : "";
		size_t len = strlen(buf);
		if (fn[0] && len < size)
			snprintf(buf + len, size - len, "  # %s", fn);
	}
	return s;
}
