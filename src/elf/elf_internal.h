/* elf_internal.h - the loaded object, shared by the files of src/elf/.
 *
 * Loading runs in stages, one file each:
 *   elf_read.c   ELF header, section table, symbol table (libelf), with every
 *                offset and index checked before it is used;
 *   elf_maps.c   map definitions (legacy `maps`, BTF `.maps`, global data);
 *   elf_reloc.c  relocations applied to private copies of the code sections;
 *   elf_progs.c  programs found, subprograms linked, types given;
 *   object.c     open/close and the public accessors.
 */
#ifndef ANYBPF_ELF_INTERNAL_H
#define ANYBPF_ELF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "anybpf.h"

struct btf;
struct btf_ext;

/* Limits that keep a hostile file from costing unbounded work. */
#define ELF_MAX_SECTIONS   65280u     /* below SHN_LORESERVE */
#define ELF_MAX_SYMBOLS    1000000u
#define ELF_MAX_PROG_INSNS (1u << 20) /* linked program, in slots */
#define ELF_MAX_LINKED_INSNS (1u << 24) /* all programs together */
#define ELF_MAX_DATA       (16u << 20) /* one global-data section (.bss has no file bytes) */

/* BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def). */
enum {
	RELO_NONE = 0, RELO_64_64 = 1, RELO_64_ABS64 = 2, RELO_64_ABS32 = 3,
	RELO_64_NODYLD32 = 4, RELO_64_32 = 10,
};

enum sec_kind {
	SEC_OTHER, SEC_CODE, SEC_MAPS_LEGACY, SEC_MAPS_BTF, SEC_DATA, SEC_RODATA,
	SEC_BSS, SEC_LICENSE, SEC_VERSION, SEC_BTF, SEC_BTF_EXT,
};

struct ab_sec {
	const char *name;          /* inside the section-name table */
	uint32_t type, link, info;
	uint64_t flags, offset, size, entsize;
	const uint8_t *data;       /* NULL for SHT_NOBITS and empty sections */
	enum sec_kind kind;
	/* SEC_CODE: private copy with relocations applied, and for each slot
	 * the call target (section index, slot) of a local call or -1. */
	struct anybpf_insn *insns;
	size_t ninsns;
	int64_t *call_sec;         /* -1: not a resolved local call */
	uint32_t *call_slot;
	uint32_t *bounds;          /* sorted slots where functions start (0 first) */
	size_t nbounds;
	int64_t map;               /* SEC_DATA/RODATA/BSS: its map index, or -1 */
};

struct ab_sym {
	const char *name;
	uint64_t value, size;
	uint32_t shndx;            /* SHN_UNDEF, SHN_ABS, ... or a section */
	uint8_t type, bind;
};

struct anybpf_map {
	char *name;
	const char *section;
	enum anybpf_map_origin origin;
	uint32_t type, key_size, value_size, max_entries, flags, pinning;
	uint32_t id, inner_id, inner_idx, numa_node;
	int64_t inner;             /* inner map index or -1 */
	uint32_t sec;              /* defining section */
	uint64_t sec_off;          /* offset of the definition in it */
	uint32_t btf_key_type, btf_value_type;
	int32_t fd;
	uint8_t *initial;          /* DATA: value_size bytes */
};

struct anybpf_prog {
	const anybpf_object *obj;
	char *name;
	const char *section;
	uint32_t sec;
	uint64_t sec_off;          /* bytes */
	size_t nmain;              /* the function's own slots */
	struct anybpf_insn *insns; /* linked */
	size_t ninsns;
	uint32_t *orig_sec;        /* per slot: where it came from */
	uint32_t *orig_slot;
	uint32_t *func_start;      /* per slot: linked index of its function start */
	size_t nmap_refs;
	int type;                  /* prog_types index */
};

struct anybpf_object {
	uint8_t *image;            /* private copy of the file */
	size_t size;
	char *name;                /* for messages */
	void *elf;                 /* Elf * */
	struct ab_sec *secs;
	size_t nsecs;
	struct ab_sym *syms;
	size_t nsyms;
	uint32_t symtab;           /* section index of .symtab, 0 if none */
	struct anybpf_prog **progs;
	size_t nprogs, progs_cap;
	struct anybpf_map *maps;
	size_t nmaps, maps_cap;
	char license[128];
	uint32_t kversion;
	struct btf *btf;
	struct btf_ext *btf_ext;
	size_t linked_total;       /* slots of all linked programs */
	int type_override;         /* prog_types index, -1: none */
};

/* elf_read.c */
int elf_read(anybpf_object *obj, struct anybpf_log *log);
void elf_release(anybpf_object *obj);
/* "section 5 'xdp'" into a static-free caller buffer. */
const char *sec_label(const anybpf_object *obj, size_t idx, char *buf, size_t size);

/* elf_btf.c: .BTF / .BTF.ext (0 when absent; errors are load errors) */
int elf_btf_load(anybpf_object *obj, struct anybpf_log *log);
int elf_btf_maps(anybpf_object *obj, uint32_t sec, struct anybpf_log *log);
void elf_btf_release(anybpf_object *obj);

/* elf_maps.c */
int elf_maps(anybpf_object *obj, struct anybpf_log *log);
int elf_map_add(anybpf_object *obj, struct anybpf_map **out);
/* Map defined at (section, offset), or -1. */
int64_t elf_map_at(const anybpf_object *obj, uint32_t sec, uint64_t off);
const char *map_type_str(enum anybpf_map_origin origin, uint32_t type);

/* elf_reloc.c */
int elf_relocate(anybpf_object *obj, struct anybpf_log *log);

/* elf_progs.c */
int elf_progs(anybpf_object *obj, struct anybpf_log *log);
void elf_prog_free(struct anybpf_prog *prog);

/* prog_types.c */
int prog_type_from_section(const char *section);   /* index; 0 = unspec */
int prog_type_by_name(const char *name);           /* index or -1 */
const char *prog_type_str(int idx);

#endif
