/* elf.h - what other parts of anybpf (the CLI, later the verifier) may use
 * of a loaded object beyond the public API: its BTF, and where each
 * instruction of a linked program came from. */
#ifndef ANYBPF_ELF_H
#define ANYBPF_ELF_H

#include <stddef.h>
#include <stdint.h>
#include "anybpf.h"

struct btf;
struct btf_ext;

/* NULL when the object has no .BTF / .BTF.ext. */
const struct btf *elf_object_btf(const anybpf_object *obj);
const struct btf_ext *elf_object_btf_ext(const anybpf_object *obj);

/* Section name and slot in it of linked instruction pc; 0 or -1. */
int elf_prog_origin(const anybpf_prog *prog, size_t pc, const char **section,
		    uint32_t *slot);
/* 1 if pc starts a function (the program's or a linked subprogram's). */
int elf_prog_func_start(const anybpf_prog *prog, size_t pc);

/* Linux helpers (src/helpers/helpers.def). */
struct elf_helper {
	uint32_t id;
	const char *name;      /* "bpf_map_lookup_elem" */
	int realloc;           /* may move or resize the packet */
	const char *kinds;     /* "map_fd,map_key"; "" none; NULL unknown */
	char kinds_buf[96];    /* where kinds points */
};
/* 1 and *out for a known helper id / name, else 0. */
int elf_helper_by_id(uint32_t id, struct elf_helper *out);
int elf_helper_by_name(const char *name, struct elf_helper *out);

/* Name of the function symbol starting at linked instruction pc ("" if
 * none). */
const char *elf_prog_func_name(const anybpf_prog *prog, size_t pc);

#endif
