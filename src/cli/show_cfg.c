/*
 * show_cfg.c - `anybpf show cfg FILE [SECTION] [program=NAME]
 * [format=text|dot] [--json]`: each selected program's control-flow graph
 * from the verifier's CFG pass (anybpf_cfg_build): basic blocks with their
 * instruction ranges and disassembly, edges labelled fallthrough, taken,
 * call (bpf-to-bpf) and callback (`lddw rX, func`).  format=dot writes one
 * Graphviz digraph (a cluster per program, and per function when there are
 * several) for `dot -Tsvg`.  Exit status 0, or 2 for bad input.
 */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "json.h"
#include "show_common.h"

enum { FMT_TEXT_OUT, FMT_DOT_OUT };

/* as `show disassembly` writes it (anybpf_disasm_insn, with map names and
 * helper prototypes), tabs as spaces */
static void insn_text(const anybpf_object *obj, const struct anybpf_insn *insns, size_t n,
		      size_t pc, char *buf, size_t size)
{
	show_insn_text(obj, insns, n, pc, buf, size);
	for (char *t = buf; (t = strchr(t, '\t')); )
		*t = ' ';
}

/* 1 when pc is the second slot of an lddw (*skip_until: past the pair) */
static int lddw_tail(const struct anybpf_insn *insns, size_t pc, size_t *skip_until)
{
	if (pc < *skip_until)
		return 1;
	if (insns[pc].code == 0x18)
		*skip_until = pc + 2;
	return 0;
}

static void print_text(const anybpf_object *obj, const anybpf_prog *p, const struct anybpf_cfg *g,
		       const struct anybpf_insn *insns, size_t n)
{
	char buf[256];
	printf("Section: %s  Program: %s\n", anybpf_prog_section(p), show_prog_name(p));
	printf("%zu basic block%s, %zu edge%s, %zu function%s\n", g->nblocks,
	       g->nblocks == 1 ? "" : "s", g->nedges, g->nedges == 1 ? "" : "s", g->nfuncs,
	       g->nfuncs == 1 ? "" : "s");
	size_t e = 0;
	for (size_t bi = 0; bi < g->nblocks; bi++) {
		const struct anybpf_cfg_block *b = &g->blocks[bi];
		if (b->start == g->func_start[b->func])
			printf("\nfunction %zu at pc %zu%s\n", b->func, b->start,
			       b->func == 0 ? " (entry)" : "");
		printf("  block %zu: pc %zu-%zu%s\n", bi, b->start, b->end - 1,
		       !b->reachable && b->exits ? " (exit, unreachable)"
		       : !b->reachable ? " (unreachable)" : b->exits ? " (exit)" : "");
		size_t skip = 0;
		for (size_t pc = b->start; pc < b->end; pc++) {
			if (lddw_tail(insns, pc, &skip))
				continue;
			insn_text(obj, insns, n, pc, buf, sizeof(buf));
			printf("    %4zu: %s\n", pc, buf);
		}
		for (; e < g->nedges && g->edges[e].from == bi; e++)
			printf("    -> block %zu (%s)\n", g->edges[e].to,
			       anybpf_cfg_edge_kind_name(g->edges[e].kind));
	}
}

/* s as the inside of a DOT double-quoted string: quotes and backslashes
 * escaped (a backslash would start an escString sequence) */
static void dot_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s < 0x20)
			putchar(' ');
		else
			putchar(*s);
	}
}

static void print_dot_prog(const anybpf_object *obj, size_t pi, const anybpf_prog *p, const struct anybpf_cfg *g,
			   const struct anybpf_insn *insns, size_t n)
{
	char buf[256];
	printf("  subgraph cluster_p%zu {\n    label=\"", pi);
	dot_escaped(anybpf_prog_section(p));
	printf("/");
	dot_escaped(show_prog_name(p));
	printf("\";\n");
	for (size_t f = 0; f < g->nfuncs; f++) {
		const char *ind = g->nfuncs > 1 ? "      " : "    ";
		if (g->nfuncs > 1)
			printf("    subgraph cluster_p%zu_f%zu {\n      label=\"function at pc %zu\";\n", pi, f,
			       g->func_start[f]);
		for (size_t bi = 0; bi < g->nblocks; bi++) {
			const struct anybpf_cfg_block *b = &g->blocks[bi];
			if (b->func != f)
				continue;
			printf("%sp%zu_b%zu [label=\"block %zu: pc %zu-%zu%s\\l", ind, pi, bi, bi, b->start,
			       b->end - 1, b->reachable ? "" : " (unreachable)");
			size_t skip = 0;
			for (size_t pc = b->start; pc < b->end; pc++) {
				if (lddw_tail(insns, pc, &skip))
					continue;
				insn_text(obj, insns, n, pc, buf, sizeof(buf));
				printf("%zu: ", pc);
				dot_escaped(buf);
				printf("\\l");
			}
			printf("\"%s%s];\n", b->reachable ? "" : ", style=dashed",
			       bi == 0 ? ", penwidth=2" : "");
		}
		if (g->nfuncs > 1)
			printf("    }\n");
	}
	printf("  }\n");
	for (size_t e = 0; e < g->nedges; e++) {
		const struct anybpf_cfg_edge *x = &g->edges[e];
		const char *style = x->kind == ANYBPF_EDGE_TAKEN ? ", color=blue"
				    : x->kind == ANYBPF_EDGE_FALLTHROUGH ? "" : ", style=dashed";
		printf("  p%zu_b%zu -> p%zu_b%zu [label=\"%s\"%s];\n", pi, x->from, pi, x->to,
		       anybpf_cfg_edge_kind_name(x->kind), style);
	}
}

static void print_json(const anybpf_object *obj, struct json *j, const anybpf_prog *p, const struct anybpf_cfg *g,
		       const struct anybpf_insn *insns, size_t n)
{
	char buf[256];
	json_obj(j);
	json_kstr(j, "section", anybpf_prog_section(p));
	json_kstr(j, "program", anybpf_prog_name(p));
	json_key(j, "functions");
	json_arr(j);
	for (size_t f = 0; f < g->nfuncs; f++)
		json_uint(j, g->func_start[f]);
	json_end(j);
	json_key(j, "blocks");
	json_arr(j);
	for (size_t bi = 0; bi < g->nblocks; bi++) {
		const struct anybpf_cfg_block *b = &g->blocks[bi];
		json_obj(j);
		json_kuint(j, "id", bi);
		json_kuint(j, "start", b->start);
		json_kuint(j, "end", b->end);
		json_kuint(j, "function", b->func);
		json_kbool(j, "reachable", b->reachable);
		json_kbool(j, "exit", b->exits);
		json_key(j, "insns");
		json_arr(j);
		size_t skip = 0;
		for (size_t pc = b->start; pc < b->end; pc++) {
			if (lddw_tail(insns, pc, &skip))
				continue;
			insn_text(obj, insns, n, pc, buf, sizeof(buf));
			json_obj(j);
			json_kuint(j, "pc", pc);
			json_kstr(j, "text", buf);
			json_end(j);
		}
		json_end(j);
		json_end(j);
	}
	json_end(j);
	json_key(j, "edges");
	json_arr(j);
	for (size_t e = 0; e < g->nedges; e++) {
		json_obj(j);
		json_kuint(j, "from", g->edges[e].from);
		json_kuint(j, "to", g->edges[e].to);
		json_kstr(j, "kind", anybpf_cfg_edge_kind_name(g->edges[e].kind));
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

int cmd_show_cfg(struct cli *c)
{
	const char *name = cli_get(c, "program");
	const char *fmt = cli_get(c, "format");
	if (cli_unused(c))
		return EXIT_USAGE;
	if (c->npos < 1 || c->npos > 2)
		return cli_usage(c, "expected an object file and optionally a section");
	int out = FMT_TEXT_OUT;
	if (fmt && !strcmp(fmt, "dot"))
		out = FMT_DOT_OUT;
	else if (fmt && strcmp(fmt, "text"))
		return cli_usage(c, "format=%s: expected text or dot", fmt);
	if (c->json && out == FMT_DOT_OUT)
		return cli_usage(c, "--json and format=dot exclude each other");
	anybpf_object *obj;
	anybpf_prog **v;
	size_t nv;
	int rc = show_open_select(c, c->pos[0], c->npos > 1 ? c->pos[1] : NULL, name, &obj, &v, &nv);
	if (rc)
		return rc;
	struct anybpf_cfg **gs = ab_calloc(nv, sizeof(*gs));
	if (!gs)
		rc = cli_fail(c, EXIT_USAGE, "out of memory");
	/* build every graph first: an invalid program prints nothing half-done */
	for (size_t i = 0; i < nv && rc == EXIT_OK; i++) {
		char lbuf[512] = "";
		struct anybpf_log log = { .buf = lbuf, .size = sizeof(lbuf), .err_pc = -1, .err_line = -1 };
		size_t n;
		const struct anybpf_insn *insns = anybpf_prog_insns(v[i], &n);
		if (anybpf_cfg_build(insns, n, &gs[i], &log)) {
			size_t len = strlen(lbuf);
			while (len && lbuf[len - 1] == '\n')
				lbuf[--len] = '\0';
			rc = cli_fail(c, EXIT_USAGE, "%s/%s: invalid code: %s", anybpf_prog_section(v[i]),
				      show_prog_name(v[i]), lbuf[0] ? lbuf : "cannot build the CFG");
		}
	}
	if (rc == EXIT_OK) {
		struct json j;
		if (c->json)
			show_json_programs(&j, c->pos[0]);
		else if (out == FMT_DOT_OUT)
			printf("digraph cfg {\n  node [shape=box, fontname=\"monospace\"];\n");
		for (size_t i = 0; i < nv; i++) {
			size_t n;
			const struct anybpf_insn *insns = anybpf_prog_insns(v[i], &n);
			if (c->json)
				print_json(obj, &j, v[i], gs[i], insns, n);
			else if (out == FMT_DOT_OUT)
				print_dot_prog(obj, i, v[i], gs[i], insns, n);
			else {
				if (i)
					printf("\n");
				print_text(obj, v[i], gs[i], insns, n);
			}
		}
		if (c->json) {
			json_end(&j);
			json_end(&j);
			json_done(&j);
		} else if (out == FMT_DOT_OUT) {
			printf("}\n");
		}
	}
	for (size_t i = 0; gs && i < nv; i++)
		anybpf_cfg_free(gs[i]);
	ab_free(gs);
	ab_free(v);
	anybpf_object_close(obj);
	return rc;
}
