/* fuzz_btf.c - libFuzzer target for the BTF / BTF.ext parser (src/btf).
 * Input: u32 little-endian split n, then n bytes of .BTF, then the rest as
 * .BTF.ext (seeds: tests/fuzz/seeds/fuzz_btf, real sections of the sample
 * objects in that format).  Whatever parses is walked with every lookup,
 * every map-definition decode and both dumps (to /dev/null); the log must
 * stay NUL-terminated and a failure must carry a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "btf/btf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull(void)
{
	static FILE *f;
	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

static void walk_btf(const struct btf *btf, struct anybpf_log *log)
{
	uint32_t n = btf_type_count(btf);
	for (uint32_t id = 0; id <= n; id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		const char *name = btf_type_name(btf, id);
		if (!name || ((id == 0 || id >= n) && t))
			abort();
		int64_t r = btf_resolve(btf, id);
		if (r > 0 && (uint64_t)r >= n)
			abort();
		(void)btf_resolve_size(btf, id);
		int m = btf_member_count(btf, id);
		for (int i = 0; i < m; i++) {
			struct btf_member_info mi;
			if (btf_member_at(btf, id, (unsigned)i, &mi) || !mi.name || mi.type >= n)
				abort();
		}
		if (t && *name && btf_find_by_name_kind(btf, name, (int)btf_kind(t)) < 0)
			abort();
		int nv = btf_datasec_var_count(btf, id);
		for (int i = 0; i < nv; i++) {
			struct btf_datasec_var v;
			if (btf_datasec_var_at(btf, id, (unsigned)i, &v) || !v.name)
				abort();
			struct btf_map_def d;
			if (btf_map_def_decode(btf, v.type, v.name, &d, log) == 0 && d.inner_def)
				(void)btf_map_def_decode(btf, d.inner_def, "inner", &d, log);
		}
		if (t && btf_kind(t) == BTF_KIND_STRUCT) {
			struct btf_map_def d;
			(void)btf_map_def_decode(btf, id, name, &d, log);
		}
	}
	if (btf_dump_raw(btf, devnull()))
		abort();
	int err = btf_dump_c(btf, devnull());
	if (err && err != -ANYBPF_E_NOT_SUPPORTED)
		abort();
}

static void walk_ext(const struct btf_ext *ext, struct anybpf_log *log)
{
	for (size_t i = 0; i < btf_ext_sec_count(ext); i++) {
		const struct btf_ext_sec *s = btf_ext_sec_at(ext, i);
		if (!s || btf_ext_find_sec(ext, s->name) == NULL)
			abort();
		for (size_t j = 0; j < s->nlines; j++) {
			const struct btf_line *l = btf_ext_line_for(s, s->lines[j].insn);
			if (!l || l->insn != s->lines[j].insn || !l->file || !l->text)
				abort();
			if (!btf_ext_line_at(s, s->lines[j].insn))
				abort();
			if (j && s->lines[j - 1].insn > s->lines[j].insn)
				abort(); /* sorted */
		}
		for (size_t j = 0; j < s->nfuncs; j++)
			if (!btf_ext_func_at(s, s->funcs[j].insn) || !s->funcs[j].name)
				abort();
		for (size_t j = 0; j < s->nrelocs; j++)
			if (!s->relocs[j].access || !btf_core_kind_str(s->relocs[j].kind))
				abort();
		(void)btf_ext_check_sec(ext, s->name, 64, log);
	}
}

static void check_log(const struct anybpf_log *log, int err)
{
	if (log->len >= log->size || log->buf[log->len] != '\0')
		abort();
	if (err && (log->len == 0 || log->err == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	buf[0] = '\0';
	if (size < 4)
		return 0;
	uint32_t split;
	memcpy(&split, data, 4);
	data += 4;
	size -= 4;
	if (split > size)
		split = (uint32_t)(split % (size + 1));

	struct btf *btf = NULL;
	int err = btf_new(data, split, &btf, &log);
	check_log(&log, err);
	if (err)
		return 0;
	walk_btf(btf, &log);

	struct btf_ext *ext = NULL;
	struct anybpf_log xlog = { .buf = buf, .size = sizeof(buf) };
	buf[0] = '\0';
	err = btf_ext_new(data + split, size - split, btf, &ext, &xlog);
	check_log(&xlog, err);
	if (!err)
		walk_ext(ext, &xlog);
	btf_ext_free(ext);
	btf_free(btf);
	return 0;
}
