/* btf_internal.h - the parsed objects, shared by the files of src/btf/. */
#ifndef ANYBPF_BTF_INTERNAL_H
#define ANYBPF_BTF_INTERNAL_H

#include "btf/btf.h"

/* Longest chain of modifiers/arrays followed before giving up (as the
 * kernel's MAX_RESOLVE_DEPTH, doubled); protects against cycles. */
#define BTF_MAX_RESOLVE_DEPTH 64

struct btf {
	uint8_t *data;          /* our copy of the section (aligned) */
	size_t size;
	const uint8_t *types;   /* type section inside data */
	uint32_t type_len;
	const char *strs;       /* string section inside data */
	uint32_t str_len;
	uint32_t ntypes;        /* including void */
	uint32_t *type_offs;    /* [id] -> offset in types */
};

#endif
