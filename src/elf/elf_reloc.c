/*
 * elf_reloc.c - relocations, applied to private copies of the code sections.
 *
 *   R_BPF_64_64 on an lddw    map definition  -> src 1 (map fd), imm = fd
 *                             global data     -> src 2 (map value), imm = fd,
 *                                                second imm = offset
 *                             function        -> src 4 (function pointer),
 *                                                target resolved at linking
 *   R_BPF_64_32 on a call     function        -> src 1, target resolved at
 *                                                linking (each program links
 *                                                its own copy)
 *   R_BPF_64_ABS64/ABS32/NODYLD32 in data, .maps and BTF sections: checked
 *                             (addresses mean nothing outside a kernel).
 * A symbol the object does not define (an extern helper or kfunc) leaves the
 * instruction as it is: the object loads and the verifier refuses it.
 * Relocations of debug sections are not read.
 */
#include <libelf.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "elf_internal.h"

#define CALL_NONE   (-1)   /* not a local call */
#define CALL_EXTERN (-2)   /* relocated against an undefined symbol */

struct rctx {
	anybpf_object *obj;
	struct anybpf_log *log;
	uint32_t rsec, tsec;
	size_t i;              /* relocation number */
	char rl[96], tl[96];
};

static int rerr(struct rctx *c, const char *what)
{
	return ab_err(c->log, -ANYBPF_E_ELF_RELOC, -1, "%s: %s: relocation %zu (for %s): %s",
		      c->obj->name, c->rl, c->i, c->tl, what);
}

static int code_reloc(struct rctx *c, uint64_t off, uint32_t type, const struct ab_sym *sym)
{
	anybpf_object *obj = c->obj;
	struct ab_sec *s = &obj->secs[c->tsec];
	char msg[320];
	if (off % sizeof(struct anybpf_insn)) {
		snprintf(msg, sizeof(msg), "offset 0x%llx is not on an instruction boundary",
			 (unsigned long long)off);
		return rerr(c, msg);
	}
	size_t slot = (size_t)(off / sizeof(struct anybpf_insn));
	struct anybpf_insn *in = &s->insns[slot];
	switch (type) {
	case RELO_NONE:
		return 0;
	case RELO_64_64: {
		if (in->code != 0x18 || slot + 1 >= s->ninsns) {
			snprintf(msg, sizeof(msg),
				 "R_BPF_64_64 at instruction %zu (symbol '%s'): not an lddw (opcode 0x%02x)",
				 slot, sym->name, in->code);
			return rerr(c, msg);
		}
		if (sym->shndx == SHN_UNDEF)
			return 0;
		if (sym->shndx >= obj->nsecs) {
			snprintf(msg, sizeof(msg),
				 "lddw at instruction %zu: symbol '%s' has no section (index 0x%x)",
				 slot, sym->name, sym->shndx);
			return rerr(c, msg);
		}
		const struct ab_sec *ts = &obj->secs[sym->shndx];
		uint64_t toff = sym->value;
		if (sym->type == STT_SECTION)
			toff += (uint64_t)(int64_t)in->imm;
		switch (ts->kind) {
		case SEC_MAPS_LEGACY:
		case SEC_MAPS_BTF: {
			int64_t m = elf_map_at(obj, sym->shndx, toff);
			if (m < 0) {
				snprintf(msg, sizeof(msg),
					 "lddw at instruction %zu: symbol '%s' (offset %llu of section '%s') is no map definition",
					 slot, sym->name, (unsigned long long)toff, ts->name);
				return rerr(c, msg);
			}
			in->src = 1; /* BPF_PSEUDO_MAP_FD */
			in->imm = obj->maps[m].fd;
			in[1].imm = 0;
			return 0;
		}
		case SEC_DATA:
		case SEC_RODATA:
		case SEC_BSS: {
			int64_t v = (int64_t)sym->value + in->imm;
			if (ts->map < 0 || v < 0 || (uint64_t)v > ts->size) {
				snprintf(msg, sizeof(msg),
					 "lddw at instruction %zu: offset %lld of '%s' outside section '%s' (%llu bytes)",
					 slot, (long long)v, sym->name, ts->name,
					 (unsigned long long)ts->size);
				return rerr(c, msg);
			}
			in->src = 2; /* BPF_PSEUDO_MAP_VALUE */
			in->imm = obj->maps[ts->map].fd;
			in[1].imm = (int32_t)v;
			return 0;
		}
		case SEC_CODE: {
			uint64_t t = toff / sizeof(struct anybpf_insn);
			if (toff % sizeof(struct anybpf_insn) || t >= ts->size / sizeof(struct anybpf_insn)) {
				snprintf(msg, sizeof(msg),
					 "lddw at instruction %zu: function address %llu of '%s' outside section '%s'",
					 slot, (unsigned long long)toff, sym->name, ts->name);
				return rerr(c, msg);
			}
			in->src = 4; /* BPF_PSEUDO_FUNC */
			s->call_sec[slot] = sym->shndx;
			s->call_slot[slot] = (uint32_t)t;
			return 0;
		}
		default:
			snprintf(msg, sizeof(msg),
				 "lddw at instruction %zu: symbol '%s' is in section '%s', neither a map nor global data",
				 slot, sym->name, ts->name);
			return rerr(c, msg);
		}
	}
	case RELO_64_32: {
		if (in->code != 0x85) {
			snprintf(msg, sizeof(msg),
				 "R_BPF_64_32 at instruction %zu (symbol '%s'): not a call (opcode 0x%02x)",
				 slot, sym->name, in->code);
			return rerr(c, msg);
		}
		if (sym->shndx == SHN_UNDEF) {
			s->call_sec[slot] = CALL_EXTERN;
			return 0;
		}
		if (sym->shndx >= obj->nsecs || obj->secs[sym->shndx].kind != SEC_CODE) {
			snprintf(msg, sizeof(msg),
				 "call at instruction %zu: symbol '%s' is not in a code section", slot,
				 sym->name);
			return rerr(c, msg);
		}
		const struct ab_sec *ts = &obj->secs[sym->shndx];
		/* libbpf: target = symbol slot + imm + 1 (imm is -1 against a
		 * function symbol, the offset - 1 against a section symbol) */
		int64_t t = (int64_t)(sym->value / sizeof(struct anybpf_insn)) + in->imm + 1;
		if (sym->value % sizeof(struct anybpf_insn) || sym->value > ts->size || t < 0 ||
		    (uint64_t)t >= ts->size / sizeof(struct anybpf_insn)) {
			snprintf(msg, sizeof(msg),
				 "call at instruction %zu: target %lld of '%s' outside section '%s'",
				 slot, (long long)t, sym->name, ts->name);
			return rerr(c, msg);
		}
		in->src = 1; /* BPF_PSEUDO_CALL */
		s->call_sec[slot] = sym->shndx;
		s->call_slot[slot] = (uint32_t)t;
		return 0;
	}
	default:
		snprintf(msg, sizeof(msg), "relocation type %u at instruction %zu is not one of a code section's (R_BPF_64_64, R_BPF_64_32)",
			 type, slot);
		return rerr(c, msg);
	}
}

static int one_rel_section(anybpf_object *obj, uint32_t r, struct anybpf_log *log)
{
	const struct ab_sec *rs = &obj->secs[r];
	struct rctx c = { .obj = obj, .log = log, .rsec = r, .tsec = rs->info };
	sec_label(obj, r, c.rl, sizeof(c.rl));
	if (rs->info == 0 || rs->info >= obj->nsecs)
		return ab_err(log, -ANYBPF_E_ELF_RELOC, -1,
			      "%s: %s: relocated section index %u out of range (%zu sections)",
			      obj->name, c.rl, rs->info, obj->nsecs);
	struct ab_sec *ts = &obj->secs[rs->info];
	sec_label(obj, rs->info, c.tl, sizeof(c.tl));
	switch (ts->kind) {
	case SEC_CODE: case SEC_DATA: case SEC_RODATA: case SEC_MAPS_BTF:
	case SEC_MAPS_LEGACY: case SEC_BTF: case SEC_BTF_EXT:
		break;
	default:
		return 0; /* debug info and the like */
	}
	if (rs->type == SHT_RELA)
		return ab_err(log, -ANYBPF_E_ELF_RELOC, -1,
			      "%s: %s: RELA relocations are not used by eBPF objects", obj->name, c.rl);
	if (rs->entsize != sizeof(Elf64_Rel) || rs->size % sizeof(Elf64_Rel))
		return ab_err(log, -ANYBPF_E_ELF_RELOC, -1,
			      "%s: %s: entry size %llu / size %llu (entries are %zu bytes)", obj->name,
			      c.rl, (unsigned long long)rs->entsize, (unsigned long long)rs->size,
			      sizeof(Elf64_Rel));
	if (rs->link == 0 || rs->link != obj->symtab)
		return ab_err(log, -ANYBPF_E_ELF_RELOC, -1,
			      "%s: %s: symbol table index %u is not the symbol table (section %u)",
			      obj->name, c.rl, rs->link, obj->symtab);
	size_t n = (size_t)(rs->size / sizeof(Elf64_Rel));
	char msg[200];
	for (c.i = 0; c.i < n; c.i++) {
		Elf64_Rel rel;
		memcpy(&rel, rs->data + c.i * sizeof(rel), sizeof(rel));
		uint64_t sidx = ELF64_R_SYM(rel.r_info);
		uint32_t type = (uint32_t)ELF64_R_TYPE(rel.r_info);
		if (sidx == 0 || sidx >= obj->nsyms) {
			snprintf(msg, sizeof(msg), "symbol index %llu out of range (%zu symbols)",
				 (unsigned long long)sidx, obj->nsyms);
			return rerr(&c, msg);
		}
		/* bytes patched: an lddw pair in code, a pointer in data */
		unsigned width = type == RELO_64_64 ? (ts->kind == SEC_CODE ? 16 : 8) :
				 type == RELO_64_ABS64 ? 8 : type == RELO_NONE ? 0 : 4;
		if (rel.r_offset > ts->size || ts->size - rel.r_offset < width ||
		    (width == 0 && rel.r_offset >= ts->size)) {
			snprintf(msg, sizeof(msg), "offset 0x%llx (+%u bytes) outside the section (%llu bytes)",
				 (unsigned long long)rel.r_offset, width,
				 (unsigned long long)ts->size);
			return rerr(&c, msg);
		}
		const struct ab_sym *sym = &obj->syms[sidx];
		if (ts->kind == SEC_CODE) {
			int rc = code_reloc(&c, rel.r_offset, type, sym);
			if (rc)
				return rc;
			continue;
		}
		if (type != RELO_NONE && type != RELO_64_ABS64 && type != RELO_64_ABS32 &&
		    type != RELO_64_NODYLD32 && !(type == RELO_64_64 && ts->kind == SEC_MAPS_BTF)) {
			snprintf(msg, sizeof(msg),
				 "relocation type %u is not one of a data section's (R_BPF_64_ABS64, _ABS32, _NODYLD32; R_BPF_64_64 in .maps)",
				 type);
			return rerr(&c, msg);
		}
	}
	return 0;
}

int elf_relocate(anybpf_object *obj, struct anybpf_log *log)
{
	for (uint32_t i = 1; i < obj->nsecs; i++) {
		struct ab_sec *s = &obj->secs[i];
		if (s->kind != SEC_CODE || s->size == 0)
			continue;
		s->ninsns = (size_t)(s->size / sizeof(struct anybpf_insn));
		s->insns = ab_malloc((size_t)s->size);
		s->call_sec = ab_malloc(s->ninsns * sizeof(*s->call_sec));
		s->call_slot = ab_calloc(s->ninsns, sizeof(*s->call_slot));
		if (!s->insns || !s->call_sec || !s->call_slot)
			return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
		memcpy(s->insns, s->data, (size_t)s->size);
		for (size_t k = 0; k < s->ninsns; k++)
			s->call_sec[k] = CALL_NONE;
	}
	for (uint32_t i = 1; i < obj->nsecs; i++) {
		if (obj->secs[i].type != SHT_REL && obj->secs[i].type != SHT_RELA)
			continue;
		int rc = one_rel_section(obj, i, log);
		if (rc)
			return rc;
	}
	/* calls without a relocation: pc-relative inside their section */
	for (uint32_t i = 1; i < obj->nsecs; i++) {
		struct ab_sec *s = &obj->secs[i];
		for (size_t k = 0; k < s->ninsns; k++) {
			const struct anybpf_insn *in = &s->insns[k];
			if (in->code != 0x85 || in->src != 1 || s->call_sec[k] != CALL_NONE)
				continue;
			int64_t t = (int64_t)k + in->imm + 1;
			if (t >= 0 && (uint64_t)t < s->ninsns) {
				s->call_sec[k] = i;
				s->call_slot[k] = (uint32_t)t;
			}
		}
	}
	return 0;
}
