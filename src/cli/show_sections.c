/*
 * show_sections.c - `anybpf show sections FILE [level=verbose]` and
 * `anybpf show maps FILE`: netsh ebpf's tables, right-aligned columns under
 * `====` rules, widths grown to fit the longest cell.
 */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "json.h"
#include "show_common.h"

#define MAX_COLS 8

struct table {
	int ncols;
	const char *head1[MAX_COLS], *head2[MAX_COLS]; /* two header lines */
	int width[MAX_COLS];
	int left[MAX_COLS];                            /* left-aligned column */
};

static int imax(int a, int b) { return a > b ? a : b; }

static void table_fit(struct table *t, int col, const char *cell)
{
	t->width[col] = imax(t->width[col], (int)strlen(cell));
}

static void table_row(const struct table *t, const char *const *cells)
{
	char line[1024];
	size_t len = 0;
	for (int i = 0; i < t->ncols && len < sizeof(line); i++) {
		const char *sep = i ? "  " : "";
		int w;
		if (t->left[i])
			w = snprintf(line + len, sizeof(line) - len, "%s%-*s", sep, t->width[i], cells[i]);
		else
			w = snprintf(line + len, sizeof(line) - len, "%s%*s", sep, t->width[i], cells[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	while (len > 0 && line[len - 1] == ' ')
		len--;
	printf("%.*s\n", (int)len, line);
}

static void table_head(struct table *t)
{
	int two = 0;
	for (int i = 0; i < t->ncols; i++) {
		table_fit(t, i, t->head1[i]);
		table_fit(t, i, t->head2[i]);
		two |= t->head1[i][0] != '\0';
	}
	if (two)
		table_row(t, t->head1);
	table_row(t, t->head2);
	for (int i = 0; i < t->ncols; i++) {
		printf("%s", i ? "  " : "");
		for (int k = 0; k < t->width[i]; k++)
			putchar('=');
	}
	putchar('\n');
}

static void map_cells(const anybpf_map *m, char num[4][24], const char *cells[5])
{
	snprintf(num[0], 24, "%u", anybpf_map_key_size(m));
	snprintf(num[1], 24, "%u", anybpf_map_value_size(m));
	snprintf(num[2], 24, "%u", anybpf_map_max_entries(m));
	cells[0] = anybpf_map_type_name(m);
	cells[1] = num[0];
	cells[2] = num[1];
	cells[3] = num[2];
	cells[4] = anybpf_map_name(m);
}

static void maps_table(const anybpf_object *obj)
{
	struct table t = { .ncols = 5,
		.head1 = { "", "Key", "Value", "Max", "" },
		.head2 = { "Map Type", "Size", "Size", "Entries", "Name" },
		.width = { 18, 4, 5, 7, 4 }, .left = { 0, 0, 0, 0, 1 } };
	char num[4][24];
	const char *cells[5];
	for (size_t i = 0; i < anybpf_object_map_count(obj); i++) {
		map_cells(anybpf_object_map(obj, i), num, cells);
		for (int k = 0; k < 5; k++)
			table_fit(&t, k, cells[k]);
	}
	table_head(&t);
	for (size_t i = 0; i < anybpf_object_map_count(obj); i++) {
		map_cells(anybpf_object_map(obj, i), num, cells);
		table_row(&t, cells);
	}
}

static const char *origin_str(enum anybpf_map_origin o)
{
	switch (o) {
	case ANYBPF_MAP_LEGACY: return "legacy";
	case ANYBPF_MAP_IPROUTE2: return "iproute2";
	case ANYBPF_MAP_WINDOWS: return "windows";
	case ANYBPF_MAP_BTF: return "btf";
	case ANYBPF_MAP_DATA: return "data";
	}
	return "?";
}

static void json_maps(struct json *j, const anybpf_object *obj)
{
	json_key(j, "maps");
	json_arr(j);
	for (size_t i = 0; i < anybpf_object_map_count(obj); i++) {
		const anybpf_map *m = anybpf_object_map(obj, i);
		json_obj(j);
		json_kstr(j, "name", anybpf_map_name(m));
		json_kstr(j, "section", anybpf_map_section(m));
		json_kstr(j, "definition", origin_str(anybpf_map_origin(m)));
		json_kint(j, "fd", anybpf_map_fd(m));
		json_kstr(j, "type", anybpf_map_type_name(m));
		json_kuint(j, "type_id", anybpf_map_type(m));
		json_kuint(j, "key_size", anybpf_map_key_size(m));
		json_kuint(j, "value_size", anybpf_map_value_size(m));
		json_kuint(j, "max_entries", anybpf_map_max_entries(m));
		json_kuint(j, "flags", anybpf_map_flags(m));
		json_kuint(j, "pinning", anybpf_map_pinning(m));
		int64_t inner = anybpf_map_inner(m);
		json_key(j, "inner");
		if (inner >= 0)
			json_str(j, anybpf_map_name(anybpf_object_map(obj, (size_t)inner)));
		else
			json_null(j);
		json_end(j);
	}
	json_end(j);
}

static void maps_verbose(const anybpf_object *obj)
{
	for (size_t i = 0; i < anybpf_object_map_count(obj); i++) {
		const anybpf_map *m = anybpf_object_map(obj, i);
		int64_t inner = anybpf_map_inner(m);
		printf("map_fd %d %s: %s definition in '%s', flags 0x%x, pinning %u%s%s\n",
		       anybpf_map_fd(m), anybpf_map_name(m), origin_str(anybpf_map_origin(m)),
		       anybpf_map_section(m), anybpf_map_flags(m), anybpf_map_pinning(m),
		       inner >= 0 ? ", inner map " : "",
		       inner >= 0 ? anybpf_map_name(anybpf_object_map(obj, (size_t)inner)) : "");
	}
}

int cmd_show_sections(struct cli *c)
{
	int verbose;
	cli_get(c, "type");
	if (show_level(c, 1, &verbose) || cli_unused(c))
		return EXIT_USAGE;
	if (c->npos != 1)
		return cli_usage(c, "expected one object file");
	anybpf_object *obj;
	int rc = show_open(c, c->pos[0], &obj);
	if (rc)
		return rc;
	size_t np = anybpf_object_prog_count(obj);
	if (c->json) {
		struct json j;
		json_init(&j, stdout);
		json_obj(&j);
		json_kstr(&j, "file", c->pos[0]);
		json_kstr(&j, "license", anybpf_object_license(obj));
		json_kuint(&j, "kernel_version", anybpf_object_kversion(obj));
		json_kbool(&j, "btf", anybpf_object_has_btf(obj));
		json_kbool(&j, "line_info", anybpf_object_has_lines(obj));
		json_key(&j, "programs");
		json_arr(&j);
		for (size_t i = 0; i < np; i++) {
			const anybpf_prog *p = anybpf_object_prog(obj, i);
			size_t n;
			anybpf_prog_insns(p, &n);
			json_obj(&j);
			json_kstr(&j, "section", anybpf_prog_section(p));
			json_kstr(&j, "program", anybpf_prog_name(p));
			json_kstr(&j, "type", anybpf_prog_type_name(p));
			json_kuint(&j, "size", n);
			json_kuint(&j, "main_size", anybpf_prog_main_insn_count(p));
			json_kuint(&j, "offset", anybpf_prog_section_offset(p));
			json_kuint(&j, "maps", anybpf_prog_map_refs(p));
			json_end(&j);
		}
		json_end(&j);
		json_maps(&j, obj);
		json_done(&j);
		anybpf_object_close(obj);
		return EXIT_OK;
	}
	struct table t = { .ncols = 5,
		.head1 = { "", "", "", "Size", "" },
		.head2 = { "Section", "Program", "Type", "(insns)", "# Maps" },
		.width = { 20, 7, 6, 6, 6 } };
	char num[2][24];
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			table_head(&t);
		for (size_t i = 0; i < np; i++) {
			const anybpf_prog *p = anybpf_object_prog(obj, i);
			size_t n;
			anybpf_prog_insns(p, &n);
			snprintf(num[0], sizeof(num[0]), "%zu", n);
			snprintf(num[1], sizeof(num[1]), "%zu", anybpf_prog_map_refs(p));
			const char *cells[5] = { anybpf_prog_section(p), show_prog_name(p),
						 anybpf_prog_type_name(p), num[0], num[1] };
			if (pass)
				table_row(&t, cells);
			else
				for (int k = 0; k < 5; k++)
					table_fit(&t, k, cells[k]);
		}
	}
	if (anybpf_object_map_count(obj)) {
		putchar('\n');
		maps_table(obj);
	}
	if (verbose) {
		printf("\nLicense       : %s\n", anybpf_object_license(obj));
		printf("Kernel version: %u\n", anybpf_object_kversion(obj));
		printf("BTF           : %s\n", anybpf_object_has_btf(obj) ?
			(anybpf_object_has_lines(obj) ? "yes, with line info" : "yes") : "no");
		for (size_t i = 0; i < np; i++) {
			const anybpf_prog *p = anybpf_object_prog(obj, i);
			size_t n;
			anybpf_prog_insns(p, &n);
			printf("%s/%s: offset %llu, %zu instructions of its own, %zu linked\n",
			       anybpf_prog_section(p), show_prog_name(p),
			       (unsigned long long)anybpf_prog_section_offset(p),
			       anybpf_prog_main_insn_count(p), n - anybpf_prog_main_insn_count(p));
		}
		maps_verbose(obj);
	}
	anybpf_object_close(obj);
	return EXIT_OK;
}

int cmd_show_maps(struct cli *c)
{
	cli_get(c, "type");
	if (cli_unused(c))
		return EXIT_USAGE;
	if (c->npos != 1)
		return cli_usage(c, "expected one object file");
	anybpf_object *obj;
	int rc = show_open(c, c->pos[0], &obj);
	if (rc)
		return rc;
	if (c->json) {
		struct json j;
		json_init(&j, stdout);
		json_obj(&j);
		json_kstr(&j, "file", c->pos[0]);
		json_maps(&j, obj);
		json_done(&j);
	} else if (anybpf_object_map_count(obj) == 0) {
		printf("No maps.\n");
	} else {
		maps_table(obj);
		putchar('\n');
		maps_verbose(obj);
	}
	anybpf_object_close(obj);
	return EXIT_OK;
}
