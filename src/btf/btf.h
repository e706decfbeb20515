/* btf.h - BTF (.BTF) and BTF.ext (.BTF.ext) parsing: types, BTF-defined
 * map definitions, func/line info and CO-RE relocation records, and the
 * `show btf` dumps.  Internal API of src/btf/ (hand-written parser: see the
 * comment at the top of btf.c for why not libbpf).
 *
 * Everything is validated once in btf_new()/btf_ext_new(); afterwards every
 * accessor may assume a well-formed object (ids in range, names NUL-terminated
 * inside the string section, vlen records inside the type section).  The
 * objects keep their own copy of the bytes: the caller's buffer may go away.
 *
 * Layout structs below are the kernel's (include/uapi/linux/btf.h); do not
 * include <linux/btf.h> in the same file.
 */
#ifndef ANYBPF_BTF_H
#define ANYBPF_BTF_H

#include <stdint.h>
#include <stdio.h>
#include "anybpf.h"

/* ------------------------------------------------------------------------
 * On-disk layout (host byte order; big-endian BTF is refused)
 * ---------------------------------------------------------------------- */
#define BTF_MAGIC 0xeb9f

enum btf_kind {
	BTF_KIND_UNKN = 0, BTF_KIND_INT = 1, BTF_KIND_PTR = 2,
	BTF_KIND_ARRAY = 3, BTF_KIND_STRUCT = 4, BTF_KIND_UNION = 5,
	BTF_KIND_ENUM = 6, BTF_KIND_FWD = 7, BTF_KIND_TYPEDEF = 8,
	BTF_KIND_VOLATILE = 9, BTF_KIND_CONST = 10, BTF_KIND_RESTRICT = 11,
	BTF_KIND_FUNC = 12, BTF_KIND_FUNC_PROTO = 13, BTF_KIND_VAR = 14,
	BTF_KIND_DATASEC = 15, BTF_KIND_FLOAT = 16, BTF_KIND_DECL_TAG = 17,
	BTF_KIND_TYPE_TAG = 18, BTF_KIND_ENUM64 = 19,
	BTF_KIND_MAX = 19,
};

struct btf_type {
	uint32_t name_off;
	/* bits 0-15 vlen, 24-28 kind, 31 kind_flag */
	uint32_t info;
	/* size (INT, ENUM, STRUCT, UNION, DATASEC, FLOAT, ENUM64) or type id
	 * (PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO return,
	 * VAR, DECL_TAG, TYPE_TAG) */
	uint32_t size_type;
};

/* INT: one u32 after btf_type */
#define BTF_INT_ENCODING(v) (((v) & 0x0f000000) >> 24)
#define BTF_INT_OFFSET(v)   (((v) & 0x00ff0000) >> 16)
#define BTF_INT_BITS(v)     ((v) & 0x000000ff)
#define BTF_INT_SIGNED (1 << 0)
#define BTF_INT_CHAR   (1 << 1)
#define BTF_INT_BOOL   (1 << 2)

struct btf_array { uint32_t type, index_type, nelems; };
/* offset: bit offset, or with kind_flag (bitfield_size << 24 | bit offset) */
struct btf_member { uint32_t name_off, type, offset; };
struct btf_enum { uint32_t name_off; int32_t val; };
struct btf_enum64 { uint32_t name_off, val_lo32, val_hi32; };
struct btf_param { uint32_t name_off, type; };
struct btf_var { uint32_t linkage; };
struct btf_var_secinfo { uint32_t type, offset, size; };
struct btf_decl_tag { int32_t component_idx; };

enum btf_func_linkage { BTF_FUNC_STATIC = 0, BTF_FUNC_GLOBAL = 1, BTF_FUNC_EXTERN = 2 };
enum btf_var_linkage { BTF_VAR_STATIC = 0, BTF_VAR_GLOBAL_ALLOCATED = 1,
		       BTF_VAR_GLOBAL_EXTERN = 2 };

static inline unsigned btf_kind(const struct btf_type *t) { return (t->info >> 24) & 0x1f; }
static inline unsigned btf_vlen(const struct btf_type *t) { return t->info & 0xffff; }
static inline int btf_kflag(const struct btf_type *t) { return (int)(t->info >> 31); }
/* The records following a type (valid only for the matching kind). */
static inline const void *btf_type_extra(const struct btf_type *t) { return t + 1; }

/* "INT", "STRUCT", ... ("UNKN" for anything else). */
const char *btf_kind_str(unsigned kind);

/* ------------------------------------------------------------------------
 * .BTF
 * ---------------------------------------------------------------------- */
struct btf;

/* Parse and validate a .BTF section.  0 and *out, or -ANYBPF_E_BTF (or
 * -ANYBPF_E_NOMEM / -ANYBPF_E_NOT_SUPPORTED) with one line in log naming the
 * type id and field, e.g. "BTF type 12 (STRUCT 'foo'): member 3 type id 99
 * out of range (max 40)". */
int btf_new(const void *data, size_t size, struct btf **out, struct anybpf_log *log);
void btf_free(struct btf *btf);

/* Number of type ids including void: valid ids are 0 .. btf_type_count()-1. */
uint32_t btf_type_count(const struct btf *btf);
/* NULL for 0 (void) and for ids out of range. */
const struct btf_type *btf_type_by_id(const struct btf *btf, uint32_t id);
/* String at offset (never NULL; "" when off is out of range). */
const char *btf_str(const struct btf *btf, uint32_t off);
/* Name of a type ("" for void and anonymous types). */
const char *btf_type_name(const struct btf *btf, uint32_t id);
/* 1 if off is a valid string offset. */
int btf_str_valid(const struct btf *btf, uint32_t off);

/* First type id with this name and kind (kind < 0: any kind), or
 * -ANYBPF_E_NOT_FOUND. */
int64_t btf_find_by_name_kind(const struct btf *btf, const char *name, int kind);
/* Skip TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG: the id of the first
 * other type (0 = void), or -ANYBPF_E_BTF on a modifier cycle. */
int64_t btf_resolve(const struct btf *btf, uint32_t id);
/* Size in bytes of a type (arrays multiplied out, through modifiers), or
 * -ANYBPF_E_BTF for types without a size (void, FUNC, FUNC_PROTO, FWD) or a
 * cycle / overflow. */
int64_t btf_resolve_size(const struct btf *btf, uint32_t id);

/* STRUCT / UNION members, decoded. */
struct btf_member_info {
	const char *name;       /* "" when anonymous */
	uint32_t type;
	uint32_t bit_offset;
	uint32_t bitfield_size; /* 0: not a bitfield */
};
/* Number of members of a STRUCT/UNION id (through modifiers), or negative. */
int btf_member_count(const struct btf *btf, uint32_t id);
/* Member i of a STRUCT/UNION id (through modifiers); 0 or -ANYBPF_E_INVAL. */
int btf_member_at(const struct btf *btf, uint32_t id, unsigned i,
		  struct btf_member_info *out);

/* DATASEC variables (e.g. the `.maps` section: one VAR per map). */
struct btf_datasec_var {
	uint32_t var_id;        /* the VAR type id (or FUNC for extern funcs in .ksyms) */
	const char *name;       /* the variable's name */
	uint32_t type;          /* the variable's type id */
	uint32_t linkage;       /* enum btf_var_linkage (VAR only) */
	uint32_t offset, size;  /* within the section (as the object has them) */
};
/* The DATASEC type id named `secname` (".maps", ".data", ...) or
 * -ANYBPF_E_NOT_FOUND. */
int64_t btf_find_datasec(const struct btf *btf, const char *secname);
int btf_datasec_var_count(const struct btf *btf, uint32_t datasec_id);
int btf_datasec_var_at(const struct btf *btf, uint32_t datasec_id, unsigned i,
		       struct btf_datasec_var *out);
/* Variable of that name in the DATASEC: 0 or -ANYBPF_E_NOT_FOUND. */
int btf_datasec_find_var(const struct btf *btf, uint32_t datasec_id, const char *name,
			 struct btf_datasec_var *out);

/* ------------------------------------------------------------------------
 * BTF-defined maps (libbpf's bpf_helpers.h conventions):
 *   __uint(name, val)  int (*name)[val]  -> PTR to ARRAY of nelems val
 *   __type(name, T)    T *name           -> PTR to T
 *   __array(name, T)   T *name[]         -> ARRAY (nelems 0) of PTR to T
 * ---------------------------------------------------------------------- */
enum btf_map_field {
	BTF_MAP_F_TYPE = 1 << 0, BTF_MAP_F_KEY_SIZE = 1 << 1,
	BTF_MAP_F_VALUE_SIZE = 1 << 2, BTF_MAP_F_MAX_ENTRIES = 1 << 3,
	BTF_MAP_F_MAP_FLAGS = 1 << 4, BTF_MAP_F_PINNING = 1 << 5,
	BTF_MAP_F_NUMA_NODE = 1 << 6, BTF_MAP_F_MAP_EXTRA = 1 << 7,
	BTF_MAP_F_KEY = 1 << 8, BTF_MAP_F_VALUE = 1 << 9, BTF_MAP_F_VALUES = 1 << 10,
};

struct btf_map_def {
	uint32_t fields;        /* enum btf_map_field bits: what the definition gave */
	uint32_t type;          /* __uint(type, BPF_MAP_TYPE_...) */
	uint32_t key_size;      /* __uint(key_size) or sizeof(__type(key)) */
	uint32_t value_size;    /* __uint(value_size) or sizeof(__type(value));
	                         * 4 with `values` (an fd/id per slot, as libbpf) */
	uint32_t max_entries, map_flags, pinning, numa_node;
	uint64_t map_extra;
	uint32_t key_type;      /* __type(key, T): T's id, else 0 */
	uint32_t value_type;    /* __type(value, T): T's id, else 0 */
	/* __array(values, struct inner): the inner map definition's STRUCT id
	 * (decode it with btf_map_def_decode again); 0 when there is none or
	 * the values are programs (prog array: PTR to FUNC_PROTO). */
	uint32_t inner_def;
	uint32_t values_nelems; /* declared element count of `values` (0: []) */
};

/* Decode a map definition given the `.maps` variable's type id (a STRUCT,
 * possibly behind typedef/const/volatile).  Unknown members are an error,
 * as in libbpf.  `name` is only used in messages.  0 or -ANYBPF_E_BTF_MAP. */
int btf_map_def_decode(const struct btf *btf, uint32_t type_id, const char *name,
		       struct btf_map_def *out, struct anybpf_log *log);

/* ------------------------------------------------------------------------
 * .BTF.ext
 * ---------------------------------------------------------------------- */
struct btf_ext;

struct btf_line {
	uint32_t insn;          /* instruction index in the section (insn_off / 8) */
	const char *file;       /* file name ("" when absent) */
	const char *text;       /* source line text ("" when absent) */
	uint32_t line, col;     /* line_col >> 10, line_col & 0x3ff */
};

struct btf_func {
	uint32_t insn;          /* instruction index in the section */
	uint32_t type_id;       /* a FUNC type */
	const char *name;       /* its name */
};

enum btf_core_kind {
	BTF_CORE_FIELD_BYTE_OFFSET = 0, BTF_CORE_FIELD_BYTE_SIZE = 1,
	BTF_CORE_FIELD_EXISTS = 2, BTF_CORE_FIELD_SIGNED = 3,
	BTF_CORE_FIELD_LSHIFT_U64 = 4, BTF_CORE_FIELD_RSHIFT_U64 = 5,
	BTF_CORE_TYPE_ID_LOCAL = 6, BTF_CORE_TYPE_ID_TARGET = 7,
	BTF_CORE_TYPE_EXISTS = 8, BTF_CORE_TYPE_SIZE = 9,
	BTF_CORE_ENUMVAL_EXISTS = 10, BTF_CORE_ENUMVAL_VALUE = 11,
	BTF_CORE_TYPE_MATCHES = 12,
};

struct btf_core_reloc {
	uint32_t insn;          /* instruction index in the section */
	uint32_t type_id;       /* root type */
	const char *access;     /* access string, e.g. "0:1:2" */
	uint32_t kind;          /* enum btf_core_kind */
};

/* Everything .BTF.ext says about one ELF section (sorted as in the file). */
struct btf_ext_sec {
	const char *name;       /* ELF section name, e.g. "xdp" or ".text" */
	const struct btf_func *funcs;        size_t nfuncs;
	const struct btf_line *lines;        size_t nlines;
	const struct btf_core_reloc *relocs; size_t nrelocs;
};

/* Parse and validate .BTF.ext against its .BTF (string offsets and type ids
 * refer to it; `btf` must outlive the result).  0 and *out, or
 * -ANYBPF_E_BTF_EXT with one line in log naming the sub-section, section
 * name, record and field. */
int btf_ext_new(const void *data, size_t size, const struct btf *btf,
		struct btf_ext **out, struct anybpf_log *log);
void btf_ext_free(struct btf_ext *ext);

size_t btf_ext_sec_count(const struct btf_ext *ext);
const struct btf_ext_sec *btf_ext_sec_at(const struct btf_ext *ext, size_t i);
/* NULL when the section has no func/line/CO-RE records. */
const struct btf_ext_sec *btf_ext_find_sec(const struct btf_ext *ext, const char *secname);
/* Check that every record of section `secname` names an instruction below
 * `ninsns` (the ELF loader knows the section size; btf_ext_new() does not):
 * 0 or -ANYBPF_E_BTF_EXT.  A section without records passes. */
int btf_ext_check_sec(const struct btf_ext *ext, const char *secname, size_t ninsns,
		      struct anybpf_log *log);
/* Lines and funcs are sorted by instruction (stable) after parsing. */
/* The line entry that starts exactly at instruction `insn`, or NULL. */
const struct btf_line *btf_ext_line_at(const struct btf_ext_sec *sec, uint32_t insn);
/* The last line entry at or before `insn` (the source line it belongs to). */
const struct btf_line *btf_ext_line_for(const struct btf_ext_sec *sec, uint32_t insn);
/* The func record starting exactly at `insn`, or NULL. */
const struct btf_func *btf_ext_func_at(const struct btf_ext_sec *sec, uint32_t insn);
const char *btf_core_kind_str(uint32_t kind);

/* ------------------------------------------------------------------------
 * Dumps for `show btf`
 * ---------------------------------------------------------------------- */
/* Every type like `bpftool btf dump file X` (format raw). 0 or -ANYBPF_E_IO. */
int btf_dump_raw(const struct btf *btf, FILE *f);
/* A compilable C header of every named type (format c), like
 * `bpftool btf dump file X format c`.  0 or -ANYBPF_E_NOMEM / -ANYBPF_E_IO,
 * or -ANYBPF_E_NOT_SUPPORTED when hostile BTF would expand past 8 MiB. */
int btf_dump_c(const struct btf *btf, FILE *f);

#endif
