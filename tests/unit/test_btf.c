/* test_btf.c - the .BTF / .BTF.ext parser (src/btf): real objects from
 * ../shared/testdata/ebpf-samples/build (sections read with libelf here),
 * hand-built buffers for every malformed-input check, and the dumps. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "common/common.h"
#include "btf/btf.h"

/* ------------------------------------------------------------------------
 * Helpers: sections of real objects, log, memstream
 * ---------------------------------------------------------------------- */
static const char *samples_dir(void)
{
	const char *d = getenv("ANYBPF_SAMPLES");
	return d ? d : "../shared/testdata/ebpf-samples";
}

/* Copy of section `name` of build/<obj>.o, or NULL (with a note). */
static void *read_section(const char *obj, const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/build/%s", samples_dir(), obj);
	void *out = NULL;
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "  note: %s not found; set ANYBPF_SAMPLES\n", path);
		return NULL;
	}
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t shstr;
	if (e && elf_getshdrstrndx(e, &shstr) == 0) {
		Elf_Scn *s = NULL;
		while ((s = elf_nextscn(e, s))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(s, &sh))
				continue;
			const char *n = elf_strptr(e, shstr, sh.sh_name);
			if (!n || strcmp(n, name))
				continue;
			Elf_Data *d = elf_getdata(s, NULL);
			if (d && d->d_buf) {
				out = malloc(d->d_size);
				memcpy(out, d->d_buf, d->d_size);
				*len = d->d_size;
			}
			break;
		}
	}
	elf_end(e);
	close(fd);
	return out;
}

/* CHECK_EQ as an expression (value: 1 if equal), for early returns. */
#define CHECK_EQV(a, b)                                                          \
	({                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);              \
		int ok_ = unit_check(a_ == b_, #a " == " #b, __FILE__, __LINE__); \
		if (!ok_)                                                         \
			fprintf(stderr, "    got %lld, want %lld\n", a_, b_);        \
		ok_;                                                              \
	})

static char logbuf[4096];
static struct anybpf_log mklog(void)
{
	logbuf[0] = '\0';
	return (struct anybpf_log){ .buf = logbuf, .size = sizeof(logbuf) };
}

/* Parse .BTF (and .BTF.ext when ext != NULL) of a sample object. */
static struct btf *load_obj(const char *obj, struct btf_ext **ext)
{
	size_t n = 0, xn = 0;
	void *b = read_section(obj, ".BTF", &n);
	if (!b)
		return NULL;
	struct anybpf_log log = mklog();
	struct btf *btf = NULL;
	int err = btf_new(b, n, &btf, &log);
	free(b);
	if (!CHECK_EQV(err, 0)) {
		fprintf(stderr, "    %s: %s", obj, logbuf);
		return NULL;
	}
	if (ext) {
		void *x = read_section(obj, ".BTF.ext", &xn);
		*ext = NULL;
		err = x ? btf_ext_new(x, xn, btf, ext, &log) : -1;
		free(x);
		if (!CHECK_EQV(err, 0))
			fprintf(stderr, "    %s: %s", obj, logbuf);
	}
	return btf;
}

/* Output of a dump into a malloc'd string. */
static char *dump(const struct btf *btf, int c)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	CHECK_EQ(c ? btf_dump_c(btf, f) : btf_dump_raw(btf, f), 0);
	fclose(f);
	return p;
}

/* ------------------------------------------------------------------------
 * Real objects
 * ---------------------------------------------------------------------- */
static int64_t map_var(const struct btf *btf, const char *name, struct btf_map_def *d)
{
	int64_t ds = btf_find_datasec(btf, ".maps");
	struct btf_datasec_var v;
	if (ds < 0 || btf_datasec_find_var(btf, (uint32_t)ds, name, &v))
		return -1;
	struct anybpf_log log = mklog();
	int err = btf_map_def_decode(btf, v.type, v.name, d, &log);
	if (err)
		fprintf(stderr, "    %s\n", logbuf);
	return err;
}

TEST(btf_twomaps_btf_types_and_maps)
{
	struct btf *btf = load_obj("twomaps_btf.o", NULL);
	if (!btf)
		return;
	/* bpftool btf dump: 23 types, [22] FUNC 'func', [23] DATASEC '.maps' */
	CHECK_EQ(btf_type_count(btf), 24);
	CHECK_EQ(btf_find_by_name_kind(btf, "func", BTF_KIND_FUNC), 22);
	CHECK_EQ(btf_find_by_name_kind(btf, "uint64_t", BTF_KIND_TYPEDEF), 7);
	CHECK_EQ(btf_find_by_name_kind(btf, "uint64_t", BTF_KIND_STRUCT), -ANYBPF_E_NOT_FOUND);
	CHECK_EQ(btf_resolve(btf, 7), 8);
	CHECK_EQ(btf_resolve_size(btf, 7), 8);
	CHECK(!strcmp(btf_type_name(btf, 8), "long unsigned int"));
	int64_t ds = btf_find_datasec(btf, ".maps");
	CHECK_EQ(ds, 23);
	CHECK_EQ(btf_datasec_var_count(btf, (uint32_t)ds), 2);

	/* source: map1 = { HASH, key int, value uint64_t, max_entries 1 },
	 * map2 = { HASH, key_size 4, value_size 8, max_entries 2 }
	 * (llvm-objdump shows both as 32-byte .maps entries) */
	struct btf_map_def d;
	CHECK_EQ(map_var(btf, "map1", &d), 0);
	CHECK_EQ(d.type, 2);
	CHECK_EQ(d.key_size, 4);
	CHECK_EQ(d.value_size, 8);
	CHECK_EQ(d.max_entries, 1);
	CHECK_EQ(d.key_type, 2);
	CHECK_EQ(d.value_type, 7);
	CHECK(d.fields & BTF_MAP_F_KEY);
	CHECK(!(d.fields & BTF_MAP_F_KEY_SIZE));
	CHECK_EQ(map_var(btf, "map2", &d), 0);
	CHECK_EQ(d.type, 2);
	CHECK_EQ(d.key_size, 4);
	CHECK_EQ(d.value_size, 8);
	CHECK_EQ(d.max_entries, 2);
	CHECK_EQ(d.key_type, 0);
	CHECK(d.fields & BTF_MAP_F_KEY_SIZE);

	/* struct member iteration on map2's definition */
	struct btf_datasec_var v;
	CHECK_EQ(btf_datasec_find_var(btf, (uint32_t)ds, "map2", &v), 0);
	CHECK_EQ(btf_member_count(btf, v.type), 4);
	struct btf_member_info m;
	CHECK_EQ(btf_member_at(btf, v.type, 2, &m), 0);
	CHECK(!strcmp(m.name, "value_size"));
	CHECK_EQ(m.bit_offset, 128);
	CHECK_EQ(btf_member_at(btf, v.type, 4, &m), -ANYBPF_E_INVAL);
	CHECK_EQ(btf_datasec_find_var(btf, (uint32_t)ds, "nope", &v), -ANYBPF_E_NOT_FOUND);
	btf_free(btf);
}

TEST(btf_map_in_map_inner_definitions)
{
	struct btf *btf = load_obj("map_in_map.o", NULL);
	if (!btf)
		return;
	struct btf_map_def d, in;
	struct anybpf_log log = mklog();
	CHECK_EQ(map_var(btf, "array_of_maps", &d), 0);
	CHECK_EQ(d.type, 12); /* BPF_MAP_TYPE_ARRAY_OF_MAPS */
	CHECK_EQ(d.key_size, 4);
	CHECK_EQ(d.value_size, 4);
	CHECK_EQ(d.max_entries, 1);
	CHECK(d.fields & BTF_MAP_F_VALUES);
	CHECK(d.inner_def != 0);
	CHECK_EQ(btf_map_def_decode(btf, d.inner_def, "inner", &in, &log), 0);
	CHECK_EQ(in.type, 2); /* ARRAY */
	CHECK_EQ(in.key_size, 4);
	CHECK_EQ(in.value_size, 4);
	CHECK_EQ(in.max_entries, 1);
	CHECK_EQ(map_var(btf, "inner_map", &d), 0);
	CHECK_EQ(d.type, 2);
	btf_free(btf);

	/* the same through a typedef'd inner definition */
	btf = load_obj("map_in_map_typedef.o", NULL);
	if (!btf)
		return;
	CHECK_EQ(map_var(btf, "outer_map_2", &d), 0);
	CHECK_EQ(d.type, 12);
	CHECK_EQ(btf_map_def_decode(btf, d.inner_def, "inner", &in, &log), 0);
	CHECK_EQ(in.type, 2);
	CHECK_EQ(in.max_entries, 1);
	btf_free(btf);

	btf = load_obj("ringbuf_in_map.o", NULL);
	if (!btf)
		return;
	CHECK_EQ(map_var(btf, "array_of_maps", &d), 0);
	CHECK_EQ(btf_map_def_decode(btf, d.inner_def, "inner", &in, &log), 0);
	CHECK_EQ(in.type, 27); /* RINGBUF */
	CHECK_EQ(in.max_entries, 256 * 1024);
	CHECK_EQ(in.key_size, 0);
	btf_free(btf);

	btf = load_obj("prog_array.o", NULL);
	if (!btf)
		return;
	CHECK_EQ(map_var(btf, "prog_array_map", &d), 0);
	CHECK_EQ(d.type, 3); /* PROG_ARRAY with __array(values, int (void *)) */
	CHECK_EQ(d.inner_def, 0);
	CHECK(d.fields & BTF_MAP_F_VALUES);
	CHECK_EQ(d.max_entries, 4);
	CHECK_EQ(d.value_size, 4);
	btf_free(btf);
}

TEST(btf_global_variable_datasecs)
{
	struct btf *btf = load_obj("global_variable.o", NULL);
	if (!btf)
		return;
	/* global_var, global_var_2 in .bss; global_array[10] in .data;
	 * const global_const_var in .rodata (llvm-readelf: .data is 0x28 bytes) */
	int64_t bss = btf_find_datasec(btf, ".bss");
	int64_t data = btf_find_datasec(btf, ".data");
	int64_t ro = btf_find_datasec(btf, ".rodata");
	CHECK(bss > 0 && data > 0 && ro > 0);
	CHECK_EQ(btf_datasec_var_count(btf, (uint32_t)bss), 2);
	struct btf_datasec_var v;
	CHECK_EQ(btf_datasec_find_var(btf, (uint32_t)bss, "global_var_2", &v), 0);
	CHECK_EQ(v.offset, 4);
	CHECK_EQ(v.linkage, BTF_VAR_STATIC);
	CHECK_EQ(btf_resolve_size(btf, v.type), v.size);
	CHECK_EQ(btf_datasec_find_var(btf, (uint32_t)data, "global_array", &v), 0);
	CHECK_EQ(v.size, 40);
	CHECK_EQ(btf_resolve_size(btf, v.type), 40);
	CHECK_EQ(btf_resolve_size(btf, v.var_id), 40);
	CHECK_EQ(btf_datasec_find_var(btf, (uint32_t)ro, "global_const_var", &v), 0);
	CHECK_EQ(v.size, 4);
	CHECK_EQ(btf_kind(btf_type_by_id(btf, v.type)), BTF_KIND_CONST);
	CHECK_EQ(btf_datasec_var_count(btf, 1), -ANYBPF_E_INVAL); /* not a DATASEC */
	btf_free(btf);
}

TEST(btf_ext_line_info_twomaps)
{
	struct btf_ext *ext = NULL;
	struct btf *btf = load_obj("twomaps_btf.o", &ext);
	if (!btf)
		return;
	if (!CHECK(ext)) {
		btf_free(btf);
		return;
	}
	CHECK_EQ(btf_ext_sec_count(ext), 1);
	const struct btf_ext_sec *s = btf_ext_find_sec(ext, ".text");
	if (!CHECK(s))
		goto out;
	CHECK(btf_ext_find_sec(ext, "xdp") == NULL);
	CHECK_EQ(s->nfuncs, 1);
	CHECK_EQ(s->funcs[0].insn, 0);
	CHECK(!strcmp(s->funcs[0].name, "func"));
	CHECK(btf_ext_func_at(s, 0) == &s->funcs[0]);
	CHECK(btf_ext_func_at(s, 1) == NULL);
	/* `llvm-objdump -d -l` gives lines 39 40 40 42 43 44 48 49 at insns
	 * 0 1 4 8 11 14 15 16; BTF has one more entry per column change and a
	 * line-0 entry at insn 10: 9 in all */
	CHECK_EQ(s->nlines, 9);
	static const uint32_t want_insn[] = { 0, 1, 2, 8, 10, 11, 14, 15, 16 };
	static const uint32_t want_line[] = { 39, 40, 40, 42, 0, 43, 44, 48, 49 };
	for (size_t i = 0; i < s->nlines && i < 9; i++) {
		CHECK_EQ(s->lines[i].insn, want_insn[i]);
		CHECK_EQ(s->lines[i].line, want_line[i]);
	}
	const struct btf_line *l = btf_ext_line_at(s, 11);
	if (CHECK(l)) {
		CHECK(!strcmp(l->file, "E:/ebpf-samples/src/twomaps_btf.c"));
		CHECK(!strcmp(l->text, "    uint64_t* value = (uint64_t*)bpf_map_lookup_elem(map, &key);"));
		CHECK_EQ(l->line, 43);
		CHECK_EQ(l->col, 34);
	}
	CHECK(btf_ext_line_at(s, 12) == NULL);
	CHECK(btf_ext_line_for(s, 13) == l);
	CHECK(btf_ext_line_for(s, 100) == &s->lines[8]);
	struct anybpf_log log = mklog();
	CHECK_EQ(btf_ext_check_sec(ext, ".text", 17, &log), 0); /* .text is 0x88 bytes */
	CHECK_EQ(btf_ext_check_sec(ext, ".text", 16, &log), -ANYBPF_E_BTF_EXT);
	CHECK(strstr(logbuf, "line_info section '.text': line 49 at instruction 16 beyond the section (16 instructions)"));
out:
	btf_ext_free(ext);
	btf_free(btf);
}

TEST(btf_every_sample_parses)
{
	static const char *const objs[] = {
		"twomaps_btf.o", "map_in_map.o", "map_in_map_anonymous.o",
		"map_in_map_typedef.o", "ringbuf_in_map.o", "global_variable.o",
		"global_variable_2.o", "prog_array.o", "bpf2bpf.o", "tail_call.o",
	};
	for (size_t i = 0; i < ARRAY_SIZE(objs); i++) {
		size_t n;
		void *b = read_section(objs[i], ".BTF", &n);
		if (!b)
			continue;
		free(b);
		struct btf_ext *ext = NULL;
		struct btf *btf = load_obj(objs[i], &ext);
		if (!btf)
			continue;
		/* every object has a FUNC for each program and line info for it */
		size_t lines = 0;
		for (size_t j = 0; j < btf_ext_sec_count(ext); j++)
			lines += btf_ext_sec_at(ext, j)->nlines;
		CHECK(lines > 0);
		char *r = dump(btf, 0), *c = dump(btf, 1);
		CHECK(r && strstr(r, "[1] "));
		CHECK(c && strstr(c, "#endif /* __ANYBPF_BTF_H__ */"));
		free(r);
		free(c);
		btf_ext_free(ext);
		btf_free(btf);
	}
}

/* ------------------------------------------------------------------------
 * A BTF builder for hand-made inputs
 * ---------------------------------------------------------------------- */
struct bb {
	uint8_t types[2048];
	size_t tlen;
	char strs[512];
	size_t slen;
};

static void bb_init(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->slen = 1;
}

static uint32_t bb_str(struct bb *b, const char *s)
{
	uint32_t off = (uint32_t)b->slen;
	memcpy(b->strs + b->slen, s, strlen(s) + 1);
	b->slen += strlen(s) + 1;
	return off;
}

static void bb_u32(struct bb *b, uint32_t v)
{
	memcpy(b->types + b->tlen, &v, 4);
	b->tlen += 4;
}

static void bb_type(struct bb *b, const char *name, unsigned kind, int kflag, unsigned vlen,
		    uint32_t size_type)
{
	bb_u32(b, name ? bb_str(b, name) : 0);
	bb_u32(b, (uint32_t)kflag << 31 | kind << 24 | vlen);
	bb_u32(b, size_type);
}

/* Header + types + strings into out; returns the size. */
static size_t bb_finish(const struct bb *b, uint8_t *out)
{
	uint32_t hdr[6] = { 0x0001eb9fu, 24, 0, (uint32_t)b->tlen, (uint32_t)b->tlen,
			    (uint32_t)b->slen };
	memcpy(out, hdr, 24);
	memcpy(out + 24, b->types, b->tlen);
	memcpy(out + 24 + b->tlen, b->strs, b->slen);
	return 24 + b->tlen + b->slen;
}

/* Types 1..18, one of every kind:
 *  [1] INT int  [2] PTR->1  [3] STRUCT foo {a:1@0, b:1@32}  [4] FUNC_PROTO
 *  [5] FUNC f  [6] VAR v  [7] DATASEC .maps  [8] ENUM e  [9] TYPEDEF t->3
 *  [10] CONST->9  [11] ARRAY 1[4]  [12] FLOAT  [13] DECL_TAG  [14] TYPE_TAG
 *  [15] ENUM64  [16] FWD  [17] VOLATILE->1  [18] RESTRICT->2 */
static void bb_all_kinds(struct bb *b)
{
	bb_init(b);
	bb_type(b, "int", BTF_KIND_INT, 0, 0, 4);
	bb_u32(b, BTF_INT_SIGNED << 24 | 32);
	bb_type(b, NULL, BTF_KIND_PTR, 0, 0, 1);
	bb_type(b, "foo", BTF_KIND_STRUCT, 0, 2, 8);
	bb_u32(b, bb_str(b, "a")); bb_u32(b, 1); bb_u32(b, 0);
	bb_u32(b, bb_str(b, "b")); bb_u32(b, 1); bb_u32(b, 32);
	bb_type(b, NULL, BTF_KIND_FUNC_PROTO, 0, 1, 1);
	bb_u32(b, bb_str(b, "x")); bb_u32(b, 2);
	bb_type(b, "f", BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL, 4);
	bb_type(b, "v", BTF_KIND_VAR, 0, 0, 3);
	bb_u32(b, BTF_VAR_GLOBAL_ALLOCATED);
	bb_type(b, ".maps", BTF_KIND_DATASEC, 0, 1, 0);
	bb_u32(b, 6); bb_u32(b, 0); bb_u32(b, 8);
	bb_type(b, "e", BTF_KIND_ENUM, 0, 2, 4);
	bb_u32(b, bb_str(b, "A")); bb_u32(b, 0);
	bb_u32(b, bb_str(b, "B")); bb_u32(b, 7);
	bb_type(b, "t", BTF_KIND_TYPEDEF, 0, 0, 3);
	bb_type(b, NULL, BTF_KIND_CONST, 0, 0, 9);
	bb_type(b, NULL, BTF_KIND_ARRAY, 0, 0, 0);
	bb_u32(b, 1); bb_u32(b, 1); bb_u32(b, 4);
	bb_type(b, "float", BTF_KIND_FLOAT, 0, 0, 4);
	bb_type(b, "tag", BTF_KIND_DECL_TAG, 0, 0, 3);
	bb_u32(b, 0);
	bb_type(b, "user", BTF_KIND_TYPE_TAG, 0, 0, 1);
	bb_type(b, "e64", BTF_KIND_ENUM64, 1, 1, 8);
	bb_u32(b, bb_str(b, "BIG")); bb_u32(b, 0xffffffffu); bb_u32(b, 0x7fffffffu);
	bb_type(b, "fw", BTF_KIND_FWD, 0, 0, 0);
	bb_type(b, NULL, BTF_KIND_VOLATILE, 0, 0, 1);
	bb_type(b, NULL, BTF_KIND_RESTRICT, 0, 0, 2);
}

static int parse(const uint8_t *buf, size_t len, struct btf **out)
{
	struct anybpf_log log = mklog();
	struct btf *btf = NULL;
	int err = btf_new(buf, len, &btf, &log);
	if (out)
		*out = btf;
	else
		btf_free(btf);
	return err;
}

/* The buffer must fail with exactly this code and a message containing msg. */
#define EXPECT_BTF_ERR(buf, len, code, msg)                                       \
	do {                                                                      \
		int e_ = parse(buf, len, NULL);                                   \
		CHECK_EQ(e_, -(code));                                            \
		if (!CHECK(strstr(logbuf, msg)))                                  \
			fprintf(stderr, "    log: %s    want: %s\n", logbuf, msg);   \
	} while (0)

TEST(btf_builder_all_kinds_valid)
{
	struct bb b;
	uint8_t buf[4096];
	bb_all_kinds(&b);
	size_t n = bb_finish(&b, buf);
	struct btf *btf;
	if (!CHECK_EQV(parse(buf, n, &btf), 0)) {
		fprintf(stderr, "    %s", logbuf);
		return;
	}
	CHECK_EQ(btf_type_count(btf), 19);
	CHECK_EQ(btf_kind(btf_type_by_id(btf, 15)), BTF_KIND_ENUM64);
	CHECK(btf_type_by_id(btf, 0) == NULL);
	CHECK(btf_type_by_id(btf, 19) == NULL);
	CHECK_EQ(btf_resolve(btf, 10), 3);       /* CONST -> TYPEDEF -> STRUCT */
	CHECK_EQ(btf_resolve(btf, 0), 0);
	CHECK_EQ(btf_resolve_size(btf, 10), 8);
	CHECK_EQ(btf_resolve_size(btf, 11), 16); /* int[4] */
	CHECK_EQ(btf_resolve_size(btf, 2), 8);
	CHECK_EQ(btf_resolve_size(btf, 5), -ANYBPF_E_BTF); /* FUNC has no size */
	CHECK_EQ(btf_resolve_size(btf, 0), -ANYBPF_E_BTF);
	CHECK_EQ(btf_find_by_name_kind(btf, "foo", -1), 3);
	CHECK_EQ(btf_find_by_name_kind(btf, "foo", BTF_KIND_UNION), -ANYBPF_E_NOT_FOUND);
	CHECK(!strcmp(btf_str(btf, 100000), ""));
	CHECK_EQ(btf_member_count(btf, 10), 2); /* through CONST/TYPEDEF */
	CHECK_EQ(btf_member_count(btf, 1), -ANYBPF_E_INVAL);

	char *r = dump(btf, 0);
	CHECK(strstr(r, "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n"));
	CHECK(strstr(r, "[2] PTR '(anon)' type_id=1\n"));
	CHECK(strstr(r, "[3] STRUCT 'foo' size=8 vlen=2\n\t'a' type_id=1 bits_offset=0\n\t'b' type_id=1 bits_offset=32\n"));
	CHECK(strstr(r, "[4] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'x' type_id=2\n"));
	CHECK(strstr(r, "[5] FUNC 'f' type_id=4 linkage=global\n"));
	CHECK(strstr(r, "[6] VAR 'v' type_id=3, linkage=global\n"));
	CHECK(strstr(r, "[7] DATASEC '.maps' size=0 vlen=1\n\ttype_id=6 offset=0 size=8 (VAR 'v')\n"));
	CHECK(strstr(r, "[8] ENUM 'e' encoding=UNSIGNED size=4 vlen=2\n\t'A' val=0\n\t'B' val=7\n"));
	CHECK(strstr(r, "[11] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=4\n"));
	CHECK(strstr(r, "[12] FLOAT 'float' size=4\n"));
	CHECK(strstr(r, "[13] DECL_TAG 'tag' type_id=3 component_idx=0\n"));
	CHECK(strstr(r, "[14] TYPE_TAG 'user' type_id=1\n"));
	CHECK(strstr(r, "[15] ENUM64 'e64' encoding=SIGNED size=8 vlen=1\n\t'BIG' val=9223372036854775807LL\n"));
	CHECK(strstr(r, "[16] FWD 'fw' fwd_kind=struct\n"));
	free(r);
	char *c = dump(btf, 1);
	CHECK(strstr(c, "struct foo {\n\tint a;\n\tint b;\n};\n"));
	CHECK(strstr(c, "typedef struct foo t;\n"));
	CHECK(strstr(c, "enum e {\n\tA = 0,\n\tB = 7,\n};\n"));
	CHECK(strstr(c, "struct fw;\n"));
	CHECK(strstr(c, "/* func global: int f(int *x); */"));
	free(c);
	btf_free(btf);
}

TEST(btf_malformed_header)
{
	struct bb b;
	uint8_t buf[4096];
	bb_all_kinds(&b);
	size_t n = bb_finish(&b, buf);
	uint8_t t[4096];
	uint32_t v;

	EXPECT_BTF_ERR(buf, 4, ANYBPF_E_BTF, "BTF: header truncated (4 bytes");
	memcpy(t, buf, n); t[0] = 0x12;
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "BTF: bad magic 0xeb12 (expected 0xeb9f)");
	memcpy(t, buf, n); t[0] = 0xeb; t[1] = 0x9f;
	EXPECT_BTF_ERR(t, n, ANYBPF_E_NOT_SUPPORTED, "big-endian");
	memcpy(t, buf, n); t[2] = 2;
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "BTF: unsupported version 2 (expected 1)");
	memcpy(t, buf, n); t[3] = 1;
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "BTF: unsupported flags 0x1");
	memcpy(t, buf, n); v = 16; memcpy(t + 4, &v, 4);
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "BTF: header length 16 too small (need 24)");
	memcpy(t, buf, n); v = 100000; memcpy(t + 4, &v, 4);
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "BTF: header length 100000 past the end of the section");
	EXPECT_BTF_ERR(buf, 20, ANYBPF_E_BTF, "BTF: header length 24 past the end of the section (20 bytes)");
	memcpy(t, buf, n); v = (uint32_t)b.tlen + 4; memcpy(t + 12, &v, 4);
	EXPECT_BTF_ERR(t, n - b.slen, ANYBPF_E_BTF, "BTF: type section [0, +");
	memcpy(t, buf, n);
	EXPECT_BTF_ERR(t, n - 1, ANYBPF_E_BTF, "BTF: string section [");
	memcpy(t, buf, n); v = 2; memcpy(t + 8, &v, 4);
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "BTF: type section offset 2 (after a 24-byte header) is not 4-byte aligned");
	memcpy(t, buf, n); v = (uint32_t)b.tlen - 2; memcpy(t + 12, &v, 4);
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "is not a multiple of 4");
	memcpy(t, buf, n); v = 0; memcpy(t + 16, &v, 4);
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "overlaps string section");
	memcpy(t, buf, n); v = 0; memcpy(t + 20, &v, 4);
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "BTF: string section is empty");
	memcpy(t, buf, n); t[24 + b.tlen] = 'x';
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "does not start with an empty string");
	memcpy(t, buf, n); t[n - 1] = 'x';
	EXPECT_BTF_ERR(t, n, ANYBPF_E_BTF, "BTF: string section is not NUL-terminated");
	/* a longer header is fine when the unknown part is zero */
	memset(t, 0, sizeof(t));
	memcpy(t, buf, 24);
	v = 32; memcpy(t + 4, &v, 4);
	memcpy(t + 32, buf + 24, n - 24);
	CHECK_EQ(parse(t, n + 8, NULL), 0);
	t[30] = 1;
	EXPECT_BTF_ERR(t, n + 8, ANYBPF_E_BTF, "BTF: unknown header field at byte 30 is not zero");
	EXPECT_BTF_ERR(NULL, 0, ANYBPF_E_BTF, "BTF: header truncated (0 bytes");
}

/* One bad type appended after the valid 18, or a valid base with a patch. */
static size_t with_extra(struct bb *b, uint8_t *buf)
{
	return bb_finish(b, buf);
}

TEST(btf_malformed_types)
{
	struct bb b;
	uint8_t buf[4096];
	size_t n;

#define BAD(setup, code, msg)                                                    \
	do {                                                                     \
		bb_all_kinds(&b);                                                \
		setup;                                                           \
		n = with_extra(&b, buf);                                         \
		EXPECT_BTF_ERR(buf, n, code, msg);                               \
	} while (0)

	BAD(bb_u32(&b, 0); bb_u32(&b, 0), ANYBPF_E_BTF,
	    "BTF type 19: header truncated at type section offset");
	BAD(bb_type(&b, "x", 20, 0, 0, 0), ANYBPF_E_BTF, "BTF type 19: unknown kind 20");
	BAD(bb_type(&b, "x", 0, 0, 0, 0), ANYBPF_E_BTF, "BTF type 19: unknown kind 0");
	BAD(bb_type(&b, "s", BTF_KIND_STRUCT, 0, 3, 4); bb_u32(&b, 0),
	    ANYBPF_E_BTF, "BTF type 19 (STRUCT): vlen 3 overruns the type section (record needs 48 bytes, 16 left)");
	BAD(bb_u32(&b, 9999); bb_u32(&b, BTF_KIND_PTR << 24); bb_u32(&b, 1),
	    ANYBPF_E_BTF, "BTF type 19 (PTR '(invalid name)'): name offset 9999 out of range");
	BAD(bb_type(&b, "s2", BTF_KIND_STRUCT, 0, 1, 4);
	    bb_u32(&b, 0); bb_u32(&b, 99); bb_u32(&b, 0),
	    ANYBPF_E_BTF, "BTF type 19 (STRUCT 's2'): member 0 type id 99 out of range (max 19)");
	BAD(bb_type(&b, "s2", BTF_KIND_STRUCT, 0, 1, 4);
	    bb_u32(&b, 0); bb_u32(&b, 0); bb_u32(&b, 0),
	    ANYBPF_E_BTF, "BTF type 19 (STRUCT 's2'): member 0 refers to void");
	BAD(bb_type(&b, "s2", BTF_KIND_STRUCT, 0, 1, 4);
	    bb_u32(&b, 7777); bb_u32(&b, 1); bb_u32(&b, 0),
	    ANYBPF_E_BTF, "BTF type 19 (STRUCT 's2'): member 0 name offset 7777 out of range");
	BAD(bb_type(&b, "s2", BTF_KIND_STRUCT, 0, 1, 4);
	    bb_u32(&b, 0); bb_u32(&b, 1); bb_u32(&b, 64),
	    ANYBPF_E_BTF, "BTF type 19 (STRUCT 's2'): member 0 bit offset 64 + bitfield size 0 past the end (size 4 bytes)");
	BAD(bb_type(&b, "u", BTF_KIND_UNION, 0, 1, 4);
	    bb_u32(&b, 0); bb_u32(&b, 1); bb_u32(&b, 8),
	    ANYBPF_E_BTF, "BTF type 19 (UNION 'u'): member 0 bit offset 8 must be 0 in a union");
	BAD(bb_type(&b, NULL, BTF_KIND_PTR, 0, 0, 20), ANYBPF_E_BTF,
	    "BTF type 19 (PTR '(anon)'): referenced type id 20 out of range (max 19)");
	BAD(bb_type(&b, NULL, BTF_KIND_PTR, 1, 0, 1), ANYBPF_E_BTF,
	    "BTF type 19 (PTR '(anon)'): kind_flag must be 0");
	BAD(bb_type(&b, "p", BTF_KIND_PTR, 0, 0, 1), ANYBPF_E_BTF,
	    "BTF type 19 (PTR 'p'): must not have a name");
	BAD(bb_type(&b, NULL, BTF_KIND_TYPEDEF, 0, 0, 1), ANYBPF_E_BTF,
	    "BTF type 19 (TYPEDEF '(anon)'): name is required");
	BAD(bb_type(&b, "i", BTF_KIND_INT, 0, 1, 4); bb_u32(&b, 32), ANYBPF_E_BTF,
	    "BTF type 19 (INT 'i'): vlen 1 must be 0");
	BAD(bb_type(&b, "i", BTF_KIND_INT, 0, 0, 3); bb_u32(&b, 24), ANYBPF_E_BTF,
	    "BTF type 19 (INT 'i'): size 3 is not 1, 2, 4, 8 or 16");
	BAD(bb_type(&b, "i", BTF_KIND_INT, 0, 0, 4); bb_u32(&b, 40), ANYBPF_E_BTF,
	    "BTF type 19 (INT 'i'): bits_offset 0 + nr_bits 40 exceed size 4 bytes");
	BAD(bb_type(&b, "i", BTF_KIND_INT, 0, 0, 4); bb_u32(&b, 3u << 24 | 32), ANYBPF_E_BTF,
	    "BTF type 19 (INT 'i'): encoding 0x3 is not SIGNED, CHAR or BOOL");
	BAD(bb_type(&b, "i", BTF_KIND_INT, 0, 0, 4); bb_u32(&b, 0x100 | 32), ANYBPF_E_BTF,
	    "BTF type 19 (INT 'i'): reserved int data bits set");
	BAD(bb_u32(&b, 0); bb_u32(&b, BTF_KIND_PTR << 24 | 1u << 16); bb_u32(&b, 1),
	    ANYBPF_E_BTF, "BTF type 19 (PTR '(anon)'): reserved info bits set");
	BAD(bb_type(&b, NULL, BTF_KIND_ARRAY, 0, 0, 0); bb_u32(&b, 0); bb_u32(&b, 1); bb_u32(&b, 2),
	    ANYBPF_E_BTF, "BTF type 19 (ARRAY '(anon)'): element refers to void");
	BAD(bb_type(&b, NULL, BTF_KIND_ARRAY, 0, 0, 0); bb_u32(&b, 1); bb_u32(&b, 50); bb_u32(&b, 2),
	    ANYBPF_E_BTF, "BTF type 19 (ARRAY '(anon)'): index type id 50 out of range (max 19)");
	BAD(bb_type(&b, "g", BTF_KIND_FUNC, 0, 0, 1), ANYBPF_E_BTF,
	    "BTF type 19 (FUNC 'g'): type id 1 is INT, not FUNC_PROTO");
	BAD(bb_type(&b, "g", BTF_KIND_FUNC, 0, 3, 4), ANYBPF_E_BTF,
	    "BTF type 19 (FUNC 'g'): linkage 3 is not static, global or extern");
	BAD(bb_type(&b, NULL, BTF_KIND_FUNC_PROTO, 0, 2, 1);
	    bb_u32(&b, 0); bb_u32(&b, 0); bb_u32(&b, 0); bb_u32(&b, 1),
	    ANYBPF_E_BTF, "BTF type 19 (FUNC_PROTO '(anon)'): param 0 is void but not a trailing unnamed vararg");
	BAD(bb_type(&b, NULL, BTF_KIND_FUNC_PROTO, 0, 1, 1); bb_u32(&b, 0); bb_u32(&b, 44),
	    ANYBPF_E_BTF, "BTF type 19 (FUNC_PROTO '(anon)'): param 0 type id 44 out of range (max 19)");
	BAD(bb_type(&b, "w", BTF_KIND_VAR, 0, 0, 1); bb_u32(&b, 3), ANYBPF_E_BTF,
	    "BTF type 19 (VAR 'w'): linkage 3 is not static, global or extern");
	BAD(bb_type(&b, ".d", BTF_KIND_DATASEC, 0, 1, 0); bb_u32(&b, 1); bb_u32(&b, 0); bb_u32(&b, 4),
	    ANYBPF_E_BTF, "BTF type 19 (DATASEC '.d'): variable 0 type id 1 is INT, not VAR or FUNC");
	BAD(bb_type(&b, ".d", BTF_KIND_DATASEC, 0, 1, 4); bb_u32(&b, 6); bb_u32(&b, 2); bb_u32(&b, 4),
	    ANYBPF_E_BTF, "BTF type 19 (DATASEC '.d'): variable 0 [2, +4) past the section size 4");
	BAD(bb_type(&b, "en", BTF_KIND_ENUM, 0, 1, 4); bb_u32(&b, 0); bb_u32(&b, 1),
	    ANYBPF_E_BTF, "BTF type 19 (ENUM 'en'): value 0 has no name");
	BAD(bb_type(&b, "en", BTF_KIND_ENUM, 0, 0, 3), ANYBPF_E_BTF,
	    "BTF type 19 (ENUM 'en'): size 3 is not 1, 2, 4 or 8");
	BAD(bb_type(&b, "fl", BTF_KIND_FLOAT, 0, 0, 5), ANYBPF_E_BTF,
	    "BTF type 19 (FLOAT 'fl'): size 5 is not 2, 4, 8, 12 or 16");
	BAD(bb_type(&b, "dt", BTF_KIND_DECL_TAG, 0, 0, 3); bb_u32(&b, 2), ANYBPF_E_BTF,
	    "BTF type 19 (DECL_TAG 'dt'): component_idx 2 out of range (type 3 has 2)");
	BAD(bb_type(&b, "dt", BTF_KIND_DECL_TAG, 0, 0, 1); bb_u32(&b, 0), ANYBPF_E_BTF,
	    "BTF type 19 (DECL_TAG 'dt'): component_idx 0 on INT type 1 (needs STRUCT, UNION or FUNC)");
	BAD(bb_type(&b, "fw2", BTF_KIND_FWD, 0, 0, 1), ANYBPF_E_BTF,
	    "BTF type 19 (FWD 'fw2'): type 1 must be 0");
#undef BAD
}

/* Type cycles are not rejected at parse time; walks must stop anyway. */
TEST(btf_cycles_terminate)
{
	struct bb b;
	uint8_t buf[4096];
	bb_init(&b);
	bb_type(&b, "a", BTF_KIND_TYPEDEF, 0, 0, 2);
	bb_type(&b, NULL, BTF_KIND_CONST, 0, 0, 1);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, 0, 3);      /* points to itself */
	bb_type(&b, NULL, BTF_KIND_ARRAY, 0, 0, 0);
	bb_u32(&b, 4); bb_u32(&b, 4); bb_u32(&b, 2);    /* array of itself */
	size_t n = bb_finish(&b, buf);
	struct btf *btf;
	if (!CHECK_EQV(parse(buf, n, &btf), 0))
		return;
	CHECK_EQ(btf_resolve(btf, 1), -ANYBPF_E_BTF);
	CHECK_EQ(btf_resolve_size(btf, 2), -ANYBPF_E_BTF);
	CHECK_EQ(btf_resolve_size(btf, 3), 8);
	CHECK_EQ(btf_resolve_size(btf, 4), -ANYBPF_E_BTF);
	char *c = dump(btf, 1);
	CHECK(c != NULL);
	free(c);
	free(dump(btf, 0));
	btf_free(btf);
}

/* C dump details: packed layouts, pointer-to-array/function declarators,
 * anonymous members inline, duplicate names renamed. */
TEST(btf_dump_c_declarators)
{
	struct bb b;
	uint8_t buf[4096];
	bb_init(&b);
	bb_type(&b, "int", BTF_KIND_INT, 0, 0, 4);                 /* 1 */
	bb_u32(&b, BTF_INT_SIGNED << 24 | 32);
	bb_type(&b, "char", BTF_KIND_INT, 0, 0, 1);                /* 2 */
	bb_u32(&b, BTF_INT_SIGNED << 24 | 8);
	bb_type(&b, "p", BTF_KIND_STRUCT, 0, 2, 5);                /* 3: packed */
	bb_u32(&b, bb_str(&b, "x")); bb_u32(&b, 1); bb_u32(&b, 0);
	bb_u32(&b, bb_str(&b, "y")); bb_u32(&b, 2); bb_u32(&b, 32);
	bb_type(&b, NULL, BTF_KIND_ARRAY, 0, 0, 0);                /* 4: int[3] */
	bb_u32(&b, 1); bb_u32(&b, 1); bb_u32(&b, 3);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, 0, 4);                  /* 5: int (*)[3] */
	bb_type(&b, NULL, BTF_KIND_FUNC_PROTO, 0, 2, 1);           /* 6: int (int, ...) */
	bb_u32(&b, 0); bb_u32(&b, 1); bb_u32(&b, 0); bb_u32(&b, 0);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, 0, 6);                  /* 7 */
	bb_type(&b, NULL, BTF_KIND_CONST, 0, 0, 7);                /* 8: const fn ptr */
	bb_type(&b, NULL, BTF_KIND_UNION, 0, 1, 4);                /* 9: anon union */
	bb_u32(&b, bb_str(&b, "u")); bb_u32(&b, 1); bb_u32(&b, 0);
	bb_type(&b, "s", BTF_KIND_STRUCT, 0, 4, 32);               /* 10 */
	bb_u32(&b, bb_str(&b, "pa")); bb_u32(&b, 5); bb_u32(&b, 0);
	bb_u32(&b, bb_str(&b, "fn")); bb_u32(&b, 8); bb_u32(&b, 64);
	bb_u32(&b, bb_str(&b, "in")); bb_u32(&b, 9); bb_u32(&b, 128);
	bb_u32(&b, bb_str(&b, "pk")); bb_u32(&b, 3); bb_u32(&b, 160);
	bb_type(&b, "p", BTF_KIND_STRUCT, 0, 0, 0);                /* 11: second 'p' */
	size_t n = bb_finish(&b, buf);
	struct btf *btf;
	if (!CHECK_EQV(parse(buf, n, &btf), 0)) {
		fprintf(stderr, "    %s", logbuf);
		return;
	}
	char *c = dump(btf, 1);
	CHECK(strstr(c, "struct p {\n\tint x;\n\tchar y;\n} __attribute__((packed));\n"));
	CHECK(strstr(c, "\tint (*pa)[3];\n"));
	CHECK(strstr(c, "\tint (*const fn)(int, ...);\n"));
	CHECK(strstr(c, "\tunion {\n\t\tint u;\n\t} in;\n"));
	CHECK(strstr(c, "\tstruct p pk;\n"));
	CHECK(strstr(c, "struct p___2 {\n};\n"));
	/* struct p is defined before struct s, which embeds it */
	CHECK(strstr(c, "struct p {") && strstr(c, "struct s {") &&
	      strstr(c, "struct p {") < strstr(c, "struct s {"));
	if (!CHECK(strstr(c, "struct s {\n")))
		fprintf(stderr, "%s\n", c);
	free(c);
	btf_free(btf);
}

/* Anonymous structs print inline: 40 levels of two by-value members of the
 * next one would be 2^40 lines; the dump must stop at its byte budget. */
TEST(btf_dump_c_exponential_is_bounded)
{
	static struct bb b;
	static uint8_t buf[4096];
	bb_init(&b);
	bb_type(&b, "int", BTF_KIND_INT, 0, 0, 4);
	bb_u32(&b, BTF_INT_SIGNED << 24 | 32);
	for (uint32_t i = 2; i <= 41; i++) {
		bb_type(&b, NULL, BTF_KIND_STRUCT, 0, 2, 8);
		uint32_t next = i == 41 ? 1 : i + 1;
		bb_u32(&b, bb_str(&b, "l")); bb_u32(&b, next); bb_u32(&b, 0);
		bb_u32(&b, bb_str(&b, "r")); bb_u32(&b, next); bb_u32(&b, 32);
	}
	bb_type(&b, "top", BTF_KIND_TYPEDEF, 0, 0, 2);
	size_t n = bb_finish(&b, buf);
	struct btf *btf;
	if (!CHECK_EQV(parse(buf, n, &btf), 0))
		return;
	FILE *f = fopen("/dev/null", "w");
	if (CHECK(f)) {
		CHECK_EQ(btf_dump_c(btf, f), -ANYBPF_E_NOT_SUPPORTED);
		CHECK_EQ(btf_dump_raw(btf, f), 0);
		fclose(f);
	}
	btf_free(btf);
}

/* ------------------------------------------------------------------------
 * Map definitions, hand-built
 * ---------------------------------------------------------------------- */
/* [1] int [2] int[2] [3] PTR->2 [4] PTR->1 [5] int[8] [6] PTR->5
 * [7] STRUCT def { members given by the caller } */
static void bb_map(struct bb *b, const char *const *names, const uint32_t *types, unsigned n)
{
	bb_init(b);
	bb_type(b, "int", BTF_KIND_INT, 0, 0, 4);
	bb_u32(b, BTF_INT_SIGNED << 24 | 32);
	bb_type(b, NULL, BTF_KIND_ARRAY, 0, 0, 0);
	bb_u32(b, 1); bb_u32(b, 1); bb_u32(b, 2);
	bb_type(b, NULL, BTF_KIND_PTR, 0, 0, 2);
	bb_type(b, NULL, BTF_KIND_PTR, 0, 0, 1);
	bb_type(b, NULL, BTF_KIND_ARRAY, 0, 0, 0);
	bb_u32(b, 1); bb_u32(b, 1); bb_u32(b, 8);
	bb_type(b, NULL, BTF_KIND_PTR, 0, 0, 5);
	bb_type(b, "def", BTF_KIND_STRUCT, 0, n, 8 * n);
	for (unsigned i = 0; i < n; i++) {
		bb_u32(b, bb_str(b, names[i])); bb_u32(b, types[i]); bb_u32(b, 64 * i);
	}
}

static int decode_map(const char *const *names, const uint32_t *types, unsigned n,
		      struct btf_map_def *d)
{
	struct bb b;
	uint8_t buf[4096];
	bb_map(&b, names, types, n);
	size_t len = bb_finish(&b, buf);
	struct btf *btf;
	if (!CHECK_EQV(parse(buf, len, &btf), 0))
		return -1;
	struct anybpf_log log = mklog();
	int err = btf_map_def_decode(btf, 7, "m", d, &log);
	btf_free(btf);
	return err;
}

TEST(btf_map_def_decode_errors)
{
	struct btf_map_def d;
	static const char *const ok_n[] = { "type", "key", "value_size", "max_entries", "map_flags", "pinning" };
	static const uint32_t ok_t[] = { 3, 4, 6, 3, 3, 3 };
	CHECK_EQ(decode_map(ok_n, ok_t, 6, &d), 0);
	CHECK_EQ(d.type, 2);
	CHECK_EQ(d.key_size, 4);
	CHECK_EQ(d.key_type, 1);
	CHECK_EQ(d.value_size, 8);
	CHECK_EQ(d.max_entries, 2);
	CHECK_EQ(d.map_flags, 2);
	CHECK_EQ(d.pinning, 2);
	CHECK_EQ(d.fields, BTF_MAP_F_TYPE | BTF_MAP_F_KEY | BTF_MAP_F_VALUE_SIZE |
		 BTF_MAP_F_MAX_ENTRIES | BTF_MAP_F_MAP_FLAGS | BTF_MAP_F_PINNING);

	static const char *const unk_n[] = { "type", "bogus" };
	static const uint32_t unk_t[] = { 3, 3 };
	CHECK_EQ(decode_map(unk_n, unk_t, 2, &d), -ANYBPF_E_BTF_MAP);
	CHECK(strstr(logbuf, "map 'm': unknown field 'bogus' (member 1)"));

	static const char *const np_n[] = { "type" };
	static const uint32_t np_t[] = { 1 };
	CHECK_EQ(decode_map(np_n, np_t, 1, &d), -ANYBPF_E_BTF_MAP);
	CHECK(strstr(logbuf, "map 'm': member 'type' is not __uint() (type id 1 is INT, not PTR)"));

	static const char *const na_n[] = { "max_entries" };
	static const uint32_t na_t[] = { 4 };
	CHECK_EQ(decode_map(na_n, na_t, 1, &d), -ANYBPF_E_BTF_MAP);
	CHECK(strstr(logbuf, "map 'm': member 'max_entries' is not __uint() (pointee type id 1 is INT, not ARRAY)"));

	static const char *const cf_n[] = { "key", "key_size" };
	static const uint32_t cf_t[] = { 4, 6 };
	CHECK_EQ(decode_map(cf_n, cf_t, 2, &d), -ANYBPF_E_BTF_MAP);
	CHECK(strstr(logbuf, "map 'm': conflicting key_size 4 != 8"));

	static const char *const nt_n[] = { "key" };
	static const uint32_t nt_t[] = { 2 };
	CHECK_EQ(decode_map(nt_n, nt_t, 1, &d), -ANYBPF_E_BTF_MAP);
	CHECK(strstr(logbuf, "map 'm': member 'key' is not __type() (type id 2 is ARRAY, not PTR)"));

	static const char *const va_n[] = { "values" };
	static const uint32_t va_t[] = { 3 };
	CHECK_EQ(decode_map(va_n, va_t, 1, &d), -ANYBPF_E_BTF_MAP);
	CHECK(strstr(logbuf, "map 'm': member 'values' is not __array() (type id 3 is PTR, not ARRAY)"));

	/* the definition itself must be a struct */
	struct bb b;
	uint8_t buf[4096];
	bb_map(&b, ok_n, ok_t, 1);
	size_t len = bb_finish(&b, buf);
	struct btf *btf;
	if (CHECK_EQV(parse(buf, len, &btf), 0)) {
		struct anybpf_log log = mklog();
		CHECK_EQ(btf_map_def_decode(btf, 3, "m", &d, &log), -ANYBPF_E_BTF_MAP);
		CHECK(strstr(logbuf, "map 'm': definition type id 3 is PTR, not a STRUCT"));
		btf_free(btf);
	}
}

/* ------------------------------------------------------------------------
 * .BTF.ext, hand-built on top of bb_all_kinds (FUNC 'f' is type 5)
 * ---------------------------------------------------------------------- */
struct xb {
	uint8_t d[1024];
	size_t len;
};

static void xb_u32(struct xb *x, uint32_t v)
{
	memcpy(x->d + x->len, &v, 4);
	x->len += 4;
}

/* header (32 bytes) + func_info (1 rec) + line_info (2 recs of line_rec
 * bytes) + core_relo (1 rec); offsets set to match. */
static void xb_build(struct xb *x, uint32_t sec, uint32_t file, uint32_t text,
		     uint32_t acc, uint32_t line_rec)
{
	memset(x, 0, sizeof(*x));
	xb_u32(x, 0x0001eb9fu);
	xb_u32(x, 32);
	uint32_t f_len = 4 + 8 + 8, l_len = 4 + 8 + 2 * line_rec, c_len = 4 + 8 + 16;
	xb_u32(x, 0); xb_u32(x, f_len);
	xb_u32(x, f_len); xb_u32(x, l_len);
	xb_u32(x, f_len + l_len); xb_u32(x, c_len);
	/* func_info */
	xb_u32(x, 8); xb_u32(x, sec); xb_u32(x, 1);
	xb_u32(x, 0); xb_u32(x, 5);
	/* line_info */
	xb_u32(x, line_rec); xb_u32(x, sec); xb_u32(x, 2);
	for (int i = 0; i < 2; i++) {
		xb_u32(x, (uint32_t)(i * 16)); xb_u32(x, file); xb_u32(x, text);
		xb_u32(x, (uint32_t)(10 + i) << 10 | (uint32_t)(3 + i));
		for (uint32_t k = 16; k < line_rec; k += 4)
			xb_u32(x, 0xdeadbeef);
	}
	/* core_relo */
	xb_u32(x, 16); xb_u32(x, sec); xb_u32(x, 1);
	xb_u32(x, 8); xb_u32(x, 3); xb_u32(x, acc); xb_u32(x, 0);
}

static struct btf *ext_base(uint32_t *sec, uint32_t *file, uint32_t *text, uint32_t *acc)
{
	struct bb b;
	uint8_t buf[4096];
	bb_all_kinds(&b);
	*sec = bb_str(&b, "xdp");
	*file = bb_str(&b, "prog.c");
	*text = bb_str(&b, "  return XDP_PASS;");
	*acc = bb_str(&b, "0:1");
	size_t n = bb_finish(&b, buf);
	struct btf *btf = NULL;
	CHECK_EQ(parse(buf, n, &btf), 0);
	return btf;
}

static int parse_ext(const struct btf *btf, const struct xb *x, size_t len, struct btf_ext **out)
{
	struct anybpf_log log = mklog();
	struct btf_ext *ext = NULL;
	int err = btf_ext_new(x->d, len, btf, &ext, &log);
	if (out)
		*out = ext;
	else
		btf_ext_free(ext);
	return err;
}

#define EXPECT_EXT_ERR(x, len, code, msg)                                         \
	do {                                                                      \
		CHECK_EQ(parse_ext(btf, x, len, NULL), -(code));                  \
		if (!CHECK(strstr(logbuf, msg)))                                  \
			fprintf(stderr, "    log: %s    want: %s\n", logbuf, msg);   \
	} while (0)

TEST(btf_ext_builder_valid_and_rec_size)
{
	uint32_t sec, file, text, acc;
	struct btf *btf = ext_base(&sec, &file, &text, &acc);
	if (!btf)
		return;
	struct xb x;
	for (uint32_t rec = 16; rec <= 24; rec += 8) { /* rec_size larger than known: honoured */
		xb_build(&x, sec, file, text, acc, rec);
		struct btf_ext *ext;
		if (!CHECK_EQV(parse_ext(btf, &x, x.len, &ext), 0)) {
			fprintf(stderr, "    %s", logbuf);
			continue;
		}
		const struct btf_ext_sec *s = btf_ext_find_sec(ext, "xdp");
		if (CHECK(s)) {
			CHECK_EQ(s->nfuncs, 1);
			CHECK(!strcmp(s->funcs[0].name, "f"));
			CHECK_EQ(s->nlines, 2);
			CHECK_EQ(s->lines[1].insn, 2);
			CHECK_EQ(s->lines[1].line, 11);
			CHECK_EQ(s->lines[1].col, 4);
			CHECK(!strcmp(s->lines[0].file, "prog.c"));
			CHECK(!strcmp(s->lines[0].text, "  return XDP_PASS;"));
			CHECK_EQ(s->nrelocs, 1);
			CHECK_EQ(s->relocs[0].insn, 1);
			CHECK(!strcmp(s->relocs[0].access, "0:1"));
			CHECK(!strcmp(btf_core_kind_str(s->relocs[0].kind), "byte_off"));
			CHECK(btf_ext_line_for(s, 1) == &s->lines[0]);
		}
		btf_ext_free(ext);
	}
	/* a 24-byte header (no CO-RE) ignores the core_relo part */
	xb_build(&x, sec, file, text, acc, 16);
	uint32_t v = 24;
	memcpy(x.d + 4, &v, 4);
	memmove(x.d + 24, x.d + 32, x.len - 32);
	struct btf_ext *ext;
	if (CHECK_EQV(parse_ext(btf, &x, x.len - 8, &ext), 0)) {
		CHECK_EQ(btf_ext_find_sec(ext, "xdp")->nrelocs, 0);
		btf_ext_free(ext);
	}
	btf_free(btf);
}

TEST(btf_ext_malformed)
{
	uint32_t sec, file, text, acc;
	struct btf *btf = ext_base(&sec, &file, &text, &acc);
	if (!btf)
		return;
	struct xb x, t;
	uint32_t v;
	xb_build(&x, sec, file, text, acc, 16);
	/* offsets of the pieces inside x.d */
	const size_t fi = 32, li = 32 + 20, ci = 32 + 20 + 44;

#define PATCH(off, val) do { t = x; v = (val); memcpy(t.d + (off), &v, 4); } while (0)
	EXPECT_EXT_ERR(&x, 6, ANYBPF_E_BTF_EXT, "BTF.ext: header truncated (6 bytes");
	PATCH(0, 0x0001eb00u);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: bad magic 0xeb00");
	PATCH(0, 0x0002eb9fu);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: unsupported version 2");
	PATCH(4, 8);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: header length 8 too small (need 24)");
	PATCH(4, 4000);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: header length 4000 past the end");
	PATCH(20, 4000);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info [20, +4000) past the end of the data");
	PATCH(8, 2);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: func_info offset 2 is not 4-byte aligned");
	PATCH(12, 2);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: func_info length 2 too small for rec_size");
	PATCH(li, 12);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info rec_size 12 invalid (need a multiple of 4, at least 16)");
	PATCH(li, 18);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info rec_size 18 invalid");
	PATCH(fi, 4);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: func_info rec_size 4 invalid");
	PATCH(li + 4, 5000);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info section name offset 5000 invalid");
	PATCH(li + 4, 0);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info section name offset 0 invalid");
	PATCH(li + 8, 0);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info section 'xdp' has no records");
	PATCH(li + 8, 3);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info section 'xdp': 3 records of 16 bytes overrun the sub-section (32 bytes left)");
	PATCH(20, 44 + 4);      /* 4 stray bytes after the block: a truncated block header */
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info section header truncated at offset");
	PATCH(li + 12, 12);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info section 'xdp' record 0: insn_off 12 is not a multiple of 8");
	PATCH(li + 16, 9999);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info section 'xdp' record 0: file name offset 9999 out of range");
	PATCH(li + 20, 9999);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: line_info section 'xdp' record 0: line text offset 9999 out of range");
	PATCH(fi + 16, 1);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: func_info section 'xdp' record 0: type id 1 is INT, not FUNC");
	PATCH(fi + 16, 77);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: func_info section 'xdp' record 0: type id 77 out of range (max 18)");
	PATCH(ci + 16, 0);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: core_relo section 'xdp' record 0: type id 0 out of range (1..18)");
	PATCH(ci + 20, 0);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: core_relo section 'xdp' record 0: access string offset 0 invalid");
	PATCH(ci + 24, 13);
	EXPECT_EXT_ERR(&t, t.len, ANYBPF_E_BTF_EXT, "BTF.ext: core_relo section 'xdp' record 0: unknown kind 13");
#undef PATCH
	/* beyond the section: only the ELF loader knows its size */
	struct btf_ext *ext;
	if (CHECK_EQV(parse_ext(btf, &x, x.len, &ext), 0)) {
		struct anybpf_log log = mklog();
		CHECK_EQ(btf_ext_check_sec(ext, "xdp", 3, &log), 0);
		CHECK_EQ(btf_ext_check_sec(ext, "xdp", 2, &log), -ANYBPF_E_BTF_EXT);
		CHECK(strstr(logbuf, "line_info section 'xdp': line 11 at instruction 2 beyond the section (2 instructions)"));
		CHECK_EQ(btf_ext_check_sec(ext, "other", 0, &log), 0);
		btf_ext_free(ext);
	}
	CHECK_EQ(btf_ext_new(x.d, x.len, NULL, &ext, NULL), -ANYBPF_E_INVAL);
	btf_free(btf);
}

TEST(btf_free_null_is_safe)
{
	btf_free(NULL);
	btf_ext_free(NULL);
	CHECK_EQ(btf_type_count(NULL), 0);
	CHECK(btf_type_by_id(NULL, 1) == NULL);
	CHECK_EQ(btf_ext_sec_count(NULL), 0);
	CHECK(btf_ext_find_sec(NULL, "x") == NULL);
	CHECK(btf_ext_line_for(NULL, 0) == NULL);
	CHECK(btf_ext_func_at(NULL, 0) == NULL);
}
