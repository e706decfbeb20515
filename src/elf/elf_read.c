/*
 * elf_read.c - the ELF container: header, section table, symbol table.
 *
 * libelf (elfutils) reads the headers and names; before libelf sees the
 * image, the identification bytes and the section header table are checked
 * here against the file size, and afterwards every section's bytes, every
 * name offset and every symbol's section index, so each malformed case gets
 * its own message naming the section or symbol.  Section bytes are used in
 * place (the object owns a private copy of the file).
 */
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "elf_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

const char *sec_label(const anybpf_object *obj, size_t idx, char *buf, size_t size)
{
	const char *name = idx < obj->nsecs && obj->secs && obj->secs[idx].name ?
				   obj->secs[idx].name : "";
	snprintf(buf, size, "section %zu '%s'", idx, name);
	return buf;
}

static const char *elf_type_str(unsigned t)
{
	switch (t) {
	case ET_NONE: return "no file type";
	case ET_EXEC: return "an executable";
	case ET_DYN: return "a shared object";
	case ET_CORE: return "a core file";
	default: return "an unknown file type";
	}
}

/* The parts of the header libelf would otherwise accept or reject without
 * saying why. */
static int check_ident(const anybpf_object *obj, struct anybpf_log *log)
{
	const uint8_t *b = obj->image;
	const char *nm = obj->name;
	if (obj->size < 4 || memcmp(b, ELFMAG, SELFMAG) != 0)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: not an ELF file (bad magic bytes)", nm);
	if (obj->size < EI_NIDENT)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: file too short for the ELF identification (%zu bytes)", nm,
			      obj->size);
	if (b[EI_CLASS] != ELFCLASS64)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: ELF class %u: only 64-bit objects (ELFCLASS64) hold eBPF", nm,
			      b[EI_CLASS]);
	if (b[EI_DATA] != ELFDATA2LSB)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: ELF byte order %u: only little-endian objects (ELFDATA2LSB) are supported",
			      nm, b[EI_DATA]);
	if (b[EI_VERSION] != EV_CURRENT)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: ELF identification version %u (expected %u)", nm, b[EI_VERSION],
			      EV_CURRENT);
	if (obj->size < sizeof(Elf64_Ehdr))
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: file too short for the ELF header (%zu bytes, need %zu)", nm,
			      obj->size, sizeof(Elf64_Ehdr));
	Elf64_Ehdr eh;
	memcpy(&eh, b, sizeof(eh));
	if (eh.e_type != ET_REL)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: ELF type %u (%s): only relocatable objects (ET_REL) are loaded",
			      nm, eh.e_type, elf_type_str(eh.e_type));
	if (eh.e_machine != EM_BPF)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: ELF machine %u is not eBPF (EM_BPF, 247)", nm, eh.e_machine);
	if (eh.e_version != EV_CURRENT)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1, "%s: ELF version %u (expected %u)",
			      nm, eh.e_version, EV_CURRENT);
	if (eh.e_ehsize != sizeof(Elf64_Ehdr))
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: ELF header size %u (expected %zu)", nm, eh.e_ehsize,
			      sizeof(Elf64_Ehdr));
	if (eh.e_shoff == 0)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1, "%s: no section header table", nm);
	if (eh.e_shentsize != sizeof(Elf64_Shdr))
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: section header size %u (expected %zu)", nm, eh.e_shentsize,
			      sizeof(Elf64_Shdr));
	if (eh.e_shoff > obj->size || obj->size - eh.e_shoff < sizeof(Elf64_Shdr))
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: section header table offset 0x%llx past the end of the file (0x%zx bytes)",
			      nm, (unsigned long long)eh.e_shoff, obj->size);
	if (eh.e_shoff % 8)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: section header table offset 0x%llx is not 8-byte aligned", nm,
			      (unsigned long long)eh.e_shoff);
	/* e_shnum 0 means the count is in section 0's sh_size */
	Elf64_Shdr sh0;
	memcpy(&sh0, b + eh.e_shoff, sizeof(sh0));
	uint64_t shnum = eh.e_shnum ? eh.e_shnum : sh0.sh_size;
	if (shnum > ELF_MAX_SECTIONS)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: too many sections (%llu, at most %u)", nm,
			      (unsigned long long)shnum, ELF_MAX_SECTIONS);
	if (shnum == 0 || (obj->size - eh.e_shoff) / sizeof(Elf64_Shdr) < shnum)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: section header table (0x%llx + %llu * %zu bytes) past the end of the file (0x%zx bytes)",
			      nm, (unsigned long long)eh.e_shoff, (unsigned long long)shnum,
			      sizeof(Elf64_Shdr), obj->size);
	uint64_t shstrndx = eh.e_shstrndx == SHN_XINDEX ? sh0.sh_link : eh.e_shstrndx;
	if (shstrndx == SHN_UNDEF || shstrndx >= shnum)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1,
			      "%s: section-name string table index %llu out of range (%llu sections)",
			      nm, (unsigned long long)shstrndx, (unsigned long long)shnum);
	return 0;
}

/* A string table: its bytes must end in NUL so every offset inside is a
 * string. */
static int check_strtab(const anybpf_object *obj, size_t idx, const char *what,
			struct anybpf_log *log)
{
	char lb[96];
	const struct ab_sec *s = &obj->secs[idx];
	if (s->type != SHT_STRTAB)
		return ab_err(log, -ANYBPF_E_ELF_SECTION, -1,
			      "%s: %s: %s is not a string table (type %u)", obj->name,
			      what, sec_label(obj, idx, lb, sizeof(lb)), s->type);
	if (s->size == 0 || !s->data || s->data[s->size - 1] != '\0')
		return ab_err(log, -ANYBPF_E_ELF_SECTION, -1,
			      "%s: %s: %s is empty or not NUL-terminated", obj->name, what,
			      sec_label(obj, idx, lb, sizeof(lb)));
	/* names end up in messages and tables, one line each: control
	 * characters (never in a compiler's output) become '?' */
	uint8_t *p = obj->image + s->offset;
	for (uint64_t i = 0; i + 1 < s->size; i++)
		if (p[i] && (p[i] < 0x20 || p[i] == 0x7f))
			p[i] = '?';
	return 0;
}

static int prefix_is(const char *s, const char *p)
{
	size_t n = strlen(p);
	return strncmp(s, p, n) == 0 && (s[n] == '\0' || s[n] == '.' || s[n] == '/');
}

static enum sec_kind classify(const struct ab_sec *s)
{
	if (s->type == SHT_PROGBITS && (s->flags & SHF_EXECINSTR))
		return SEC_CODE;
	if (s->type != SHT_PROGBITS && s->type != SHT_NOBITS)
		return SEC_OTHER;
	const char *n = s->name;
	if (strcmp(n, "maps") == 0 || strncmp(n, "maps/", 5) == 0)
		return SEC_MAPS_LEGACY;
	if (strcmp(n, ".maps") == 0)
		return SEC_MAPS_BTF;
	if (strcmp(n, "license") == 0)
		return SEC_LICENSE;
	if (strcmp(n, "version") == 0)
		return SEC_VERSION;
	if (strcmp(n, ".BTF") == 0)
		return SEC_BTF;
	if (strcmp(n, ".BTF.ext") == 0)
		return SEC_BTF_EXT;
	if (prefix_is(n, ".data"))
		return SEC_DATA;
	if (prefix_is(n, ".rodata"))
		return SEC_RODATA;
	if (prefix_is(n, ".bss"))
		return SEC_BSS;
	return SEC_OTHER;
}

static int read_sections(anybpf_object *obj, Elf *elf, struct anybpf_log *log)
{
	char lb[96];
	size_t shnum, shstrndx;
	if (elf_getshdrnum(elf, &shnum) || elf_getshdrstrndx(elf, &shstrndx))
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1, "%s: libelf: %s", obj->name,
			      elf_errmsg(-1));
	obj->secs = ab_calloc(shnum, sizeof(*obj->secs));
	if (!obj->secs)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	obj->nsecs = shnum;
	for (size_t i = 0; i < shnum; i++) {
		struct ab_sec *s = &obj->secs[i];
		s->name = "";
		s->map = -1;
		Elf_Scn *scn = elf_getscn(elf, i);
		Elf64_Shdr *sh = scn ? elf64_getshdr(scn) : NULL;
		if (!sh)
			return ab_err(log, -ANYBPF_E_ELF_SECTION, -1, "%s: section %zu: libelf: %s",
				      obj->name, i, elf_errmsg(-1));
		s->type = sh->sh_type;
		s->flags = sh->sh_flags;
		s->offset = sh->sh_offset;
		s->size = sh->sh_size;
		s->link = sh->sh_link;
		s->info = sh->sh_info;
		s->entsize = sh->sh_entsize;
		if (i == 0)
			continue;
		if (s->type != SHT_NOBITS && s->type != SHT_NULL &&
		    (s->offset > obj->size || s->size > obj->size - s->offset))
			return ab_err(log, -ANYBPF_E_ELF_SECTION, -1,
				      "%s: section %zu: offset 0x%llx + size 0x%llx past the end of the file (0x%zx bytes)",
				      obj->name, i, (unsigned long long)s->offset,
				      (unsigned long long)s->size, obj->size);
		if (s->type != SHT_NOBITS && s->type != SHT_NULL && s->size)
			s->data = obj->image + s->offset;
	}
	int rc = check_strtab(obj, shstrndx, "section names", log);
	if (rc)
		return rc;
	const struct ab_sec *names = &obj->secs[shstrndx];
	for (size_t i = 1; i < shnum; i++) {
		Elf64_Shdr *sh = elf64_getshdr(elf_getscn(elf, i));
		if (sh->sh_name >= names->size)
			return ab_err(log, -ANYBPF_E_ELF_SECTION, -1,
				      "%s: section %zu: name offset %u out of the section-name table (%llu bytes)",
				      obj->name, i, sh->sh_name, (unsigned long long)names->size);
		obj->secs[i].name = (const char *)names->data + sh->sh_name;
		obj->secs[i].kind = classify(&obj->secs[i]);
	}
	for (size_t i = 1; i < shnum; i++) {
		struct ab_sec *s = &obj->secs[i];
		if (s->kind == SEC_CODE && s->size % sizeof(struct anybpf_insn))
			return ab_err(log, -ANYBPF_E_ELF_SECTION, -1,
				      "%s: %s: size %llu is not a whole number of 8-byte instructions",
				      obj->name, sec_label(obj, i, lb, sizeof(lb)),
				      (unsigned long long)s->size);
		if (s->type == SHT_SYMTAB) {
			if (obj->symtab)
				return ab_err(log, -ANYBPF_E_ELF_SECTION, -1,
					      "%s: %s: a second symbol table (the first is section %u)",
					      obj->name, sec_label(obj, i, lb, sizeof(lb)), obj->symtab);
			obj->symtab = (uint32_t)i;
		}
		if (s->type == SHT_REL || s->type == SHT_RELA) {
			if (s->info >= shnum)
				return ab_err(log, -ANYBPF_E_ELF_SECTION, -1,
					      "%s: %s: relocated section index %u out of range (%zu sections)",
					      obj->name, sec_label(obj, i, lb, sizeof(lb)), s->info, shnum);
		}
	}
	return 0;
}

static int read_symbols(anybpf_object *obj, struct anybpf_log *log)
{
	char lb[96];
	if (!obj->symtab)
		return 0; /* no symbols: sections become programs whole */
	const struct ab_sec *st = &obj->secs[obj->symtab];
	sec_label(obj, obj->symtab, lb, sizeof(lb));
	if (st->entsize != sizeof(Elf64_Sym))
		return ab_err(log, -ANYBPF_E_ELF_SYMBOL, -1,
			      "%s: %s: entry size %llu (expected %zu)", obj->name, lb,
			      (unsigned long long)st->entsize, sizeof(Elf64_Sym));
	if (st->size % sizeof(Elf64_Sym))
		return ab_err(log, -ANYBPF_E_ELF_SYMBOL, -1,
			      "%s: %s: size %llu is not a multiple of %zu", obj->name, lb,
			      (unsigned long long)st->size, sizeof(Elf64_Sym));
	if (st->link == 0 || st->link >= obj->nsecs)
		return ab_err(log, -ANYBPF_E_ELF_SYMBOL, -1,
			      "%s: %s: string table index %u out of range (%zu sections)",
			      obj->name, lb, st->link, obj->nsecs);
	int rc = check_strtab(obj, st->link, "symbol names", log);
	if (rc)
		return rc;
	const struct ab_sec *strs = &obj->secs[st->link];
	size_t n = st->size / sizeof(Elf64_Sym);
	if (n > ELF_MAX_SYMBOLS)
		return ab_err(log, -ANYBPF_E_ELF_SYMBOL, -1, "%s: %s: too many symbols (%zu, at most %u)",
			      obj->name, lb, n, ELF_MAX_SYMBOLS);
	obj->syms = ab_calloc(n ? n : 1, sizeof(*obj->syms));
	if (!obj->syms)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", obj->name);
	obj->nsyms = n;
	for (size_t i = 0; i < n; i++) {
		Elf64_Sym es;
		memcpy(&es, st->data + i * sizeof(es), sizeof(es));
		struct ab_sym *s = &obj->syms[i];
		if (es.st_name >= strs->size)
			return ab_err(log, -ANYBPF_E_ELF_SYMBOL, -1,
				      "%s: symbol %zu: name offset %u out of the string table (%llu bytes)",
				      obj->name, i, es.st_name, (unsigned long long)strs->size);
		s->name = (const char *)strs->data + es.st_name;
		s->value = es.st_value;
		s->size = es.st_size;
		s->shndx = es.st_shndx;
		s->type = ELF64_ST_TYPE(es.st_info);
		s->bind = ELF64_ST_BIND(es.st_info);
		if (es.st_shndx == SHN_XINDEX)
			return ab_err(log, -ANYBPF_E_ELF_SYMBOL, -1,
				      "%s: symbol %zu '%s': extended section indexes (SHN_XINDEX) are not supported",
				      obj->name, i, s->name);
		if (es.st_shndx != SHN_UNDEF && es.st_shndx < SHN_LORESERVE &&
		    es.st_shndx >= obj->nsecs)
			return ab_err(log, -ANYBPF_E_ELF_SYMBOL, -1,
				      "%s: symbol %zu '%s': section index %u out of range (%zu sections)",
				      obj->name, i, s->name, es.st_shndx, obj->nsecs);
		/* a section symbol takes its section's name */
		if (s->type == STT_SECTION && s->shndx < obj->nsecs && !s->name[0])
			s->name = obj->secs[s->shndx].name;
	}
	return 0;
}

static int read_special(anybpf_object *obj, struct anybpf_log *log)
{
	char lb[96];
	for (size_t i = 1; i < obj->nsecs; i++) {
		const struct ab_sec *s = &obj->secs[i];
		if (s->kind == SEC_LICENSE && s->data) {
			size_t n = s->size < sizeof(obj->license) - 1 ? s->size : sizeof(obj->license) - 1;
			memcpy(obj->license, s->data, n);
			obj->license[n] = '\0';
			for (char *p = obj->license; *p; p++)
				if ((unsigned char)*p < 32 || (unsigned char)*p > 126)
					*p = '?';
		} else if (s->kind == SEC_VERSION) {
			if (s->size != 4 || !s->data)
				return ab_err(log, -ANYBPF_E_ELF_SECTION, -1,
					      "%s: %s: %llu bytes (a kernel version is 4)", obj->name,
					      sec_label(obj, i, lb, sizeof(lb)),
					      (unsigned long long)s->size);
			memcpy(&obj->kversion, s->data, 4);
		}
	}
	return 0;
}

int elf_read(anybpf_object *obj, struct anybpf_log *log)
{
	int rc = check_ident(obj, log);
	if (rc)
		return rc;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ab_err(log, -ANYBPF_E_NOT_SUPPORTED, -1, "libelf: %s", elf_errmsg(-1));
	Elf *elf = elf_memory((char *)obj->image, obj->size);
	if (!elf)
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1, "%s: libelf: %s", obj->name,
			      elf_errmsg(-1));
	obj->elf = elf;
	if (elf_kind(elf) != ELF_K_ELF || !elf64_getehdr(elf))
		return ab_err(log, -ANYBPF_E_ELF_HEADER, -1, "%s: libelf: %s", obj->name,
			      elf_errmsg(-1));
	rc = read_sections(obj, elf, log);
	if (!rc)
		rc = read_symbols(obj, log);
	if (!rc)
		rc = read_special(obj, log);
	return rc;
}

void elf_release(anybpf_object *obj)
{
	if (obj->elf)
		elf_end(obj->elf);
	obj->elf = NULL;
}
