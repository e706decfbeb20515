/*
 * object.c - opening and closing an object, and the public accessors.
 * The stages are in elf_read.c, elf_btf.c, elf_maps.c, elf_reloc.c and
 * elf_progs.c, run in that order on a private copy of the file.
 */
#include <errno.h>
#include <stdio.h>
#include <libelf.h>
#include <string.h>

#include "common/common.h"
#include "elf.h"
#include "elf_internal.h"

#define OBJ_MAX_FILE (256u << 20) /* refuse files past 256 MiB */

void anybpf_object_close(anybpf_object *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->nprogs; i++)
		elf_prog_free(obj->progs[i]);
	ab_free(obj->progs);
	for (size_t i = 0; i < obj->nmaps; i++) {
		ab_free(obj->maps[i].name);
		ab_free(obj->maps[i].initial);
	}
	ab_free(obj->maps);
	for (size_t i = 0; obj->secs && i < obj->nsecs; i++) {
		ab_free(obj->secs[i].insns);
		ab_free(obj->secs[i].call_sec);
		ab_free(obj->secs[i].call_slot);
		ab_free(obj->secs[i].bounds);
	}
	ab_free(obj->secs);
	ab_free(obj->syms);
	elf_btf_release(obj);
	elf_release(obj);
	ab_free(obj->image);
	ab_free(obj->name);
	ab_free(obj);
}

static int open_image(uint8_t *image, size_t size, const char *name,
		      const struct anybpf_object_opts *opts, anybpf_object **out,
		      struct anybpf_log *log)
{
	anybpf_object *obj = ab_calloc(1, sizeof(*obj));
	if (!obj) {
		ab_free(image);
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "out of memory");
	}
	obj->image = image;
	obj->size = size;
	obj->type_override = -1;
	obj->name = ab_strdup(name);
	if (!obj->name) {
		anybpf_object_close(obj);
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "out of memory");
	}
	const char *type = opts && opts->sz > offsetof(struct anybpf_object_opts, prog_type) ?
				   opts->prog_type : NULL;
	int rc = 0;
	if (type) {
		obj->type_override = prog_type_by_name(type);
		if (obj->type_override < 0)
			rc = ab_err(log, -ANYBPF_E_INVAL, -1, "unknown program type '%s'", type);
	}
	if (!rc)
		rc = elf_read(obj, log);
	if (!rc)
		rc = elf_btf_load(obj, log);
	if (!rc)
		rc = elf_maps(obj, log);
	if (!rc)
		rc = elf_relocate(obj, log);
	if (!rc)
		rc = elf_progs(obj, log);
	if (rc) {
		anybpf_object_close(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

int anybpf_object_open_mem(const void *data, size_t size, const struct anybpf_object_opts *opts,
			   anybpf_object **out, struct anybpf_log *log)
{
	if (!out || (!data && size))
		return ab_err(log, -ANYBPF_E_INVAL, -1, "anybpf_object_open_mem: no data or no result pointer");
	*out = NULL;
	const char *name = opts && opts->sz > offsetof(struct anybpf_object_opts, name) &&
					   opts->name ? opts->name : "<memory>";
	uint8_t *image = ab_malloc(size ? size : 1);
	if (!image)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", name);
	if (size)
		memcpy(image, data, size);
	return open_image(image, size, name, opts, out, log);
}

int anybpf_object_open_file(const char *path, const struct anybpf_object_opts *opts,
			    anybpf_object **out, struct anybpf_log *log)
{
	if (!out || !path)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "anybpf_object_open_file: no path or no result pointer");
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return ab_err(log, -ANYBPF_E_IO, -1, "%s: %s", path, strerror(errno));
	uint8_t *b = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n >= OBJ_MAX_FILE) {
			fclose(f);
			ab_free(b);
			return ab_err(log, -ANYBPF_E_IO, -1, "%s: larger than %u MiB", path,
				      OBJ_MAX_FILE >> 20);
		}
		if (ab_grow((void **)&b, &cap, n + 65536, 1)) {
			fclose(f);
			ab_free(b);
			return ab_err(log, -ANYBPF_E_NOMEM, -1, "%s: out of memory", path);
		}
		size_t got = fread(b + n, 1, 65536, f);
		n += got;
		if (got < 65536)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		ab_free(b);
		return ab_err(log, -ANYBPF_E_IO, -1, "%s: read error", path);
	}
	return open_image(b, n, path, opts, out, log);
}

const char *anybpf_object_license(const anybpf_object *obj) { return obj ? obj->license : ""; }
uint32_t anybpf_object_kversion(const anybpf_object *obj) { return obj ? obj->kversion : 0; }
size_t anybpf_object_prog_count(const anybpf_object *obj) { return obj ? obj->nprogs : 0; }

anybpf_prog *anybpf_object_prog(const anybpf_object *obj, size_t i)
{
	return obj && i < obj->nprogs ? obj->progs[i] : NULL;
}

anybpf_prog *anybpf_object_find_prog(const anybpf_object *obj, const char *section,
				     const char *name)
{
	for (size_t i = 0; obj && i < obj->nprogs; i++) {
		const anybpf_prog *p = obj->progs[i];
		if ((!section || strcmp(p->section, section) == 0) &&
		    (!name || strcmp(p->name, name) == 0))
			return obj->progs[i];
	}
	return NULL;
}

const char *anybpf_prog_name(const anybpf_prog *p) { return p ? p->name : ""; }
const char *anybpf_prog_section(const anybpf_prog *p) { return p ? p->section : ""; }
const char *anybpf_prog_type_name(const anybpf_prog *p) { return prog_type_str(p ? p->type : 0); }
size_t anybpf_prog_main_insn_count(const anybpf_prog *p) { return p ? p->nmain : 0; }
uint64_t anybpf_prog_section_offset(const anybpf_prog *p) { return p ? p->sec_off : 0; }
size_t anybpf_prog_map_refs(const anybpf_prog *p) { return p ? p->nmap_refs : 0; }

const struct anybpf_insn *anybpf_prog_insns(const anybpf_prog *p, size_t *n)
{
	if (n)
		*n = p ? p->ninsns : 0;
	return p ? p->insns : NULL;
}

int elf_prog_origin(const anybpf_prog *p, size_t pc, const char **section, uint32_t *slot)
{
	if (!p || pc >= p->ninsns)
		return -1;
	if (section)
		*section = p->obj->secs[p->orig_sec[pc]].name;
	if (slot)
		*slot = p->orig_slot[pc];
	return 0;
}

int elf_prog_func_start(const anybpf_prog *p, size_t pc)
{
	return p && pc < p->ninsns && p->func_start[pc] == pc;
}

size_t anybpf_object_map_count(const anybpf_object *obj) { return obj ? obj->nmaps : 0; }

anybpf_map *anybpf_object_map(const anybpf_object *obj, size_t i)
{
	return obj && i < obj->nmaps ? &obj->maps[i] : NULL;
}

anybpf_map *anybpf_object_find_map(const anybpf_object *obj, const char *name)
{
	for (size_t i = 0; obj && i < obj->nmaps; i++)
		if (strcmp(obj->maps[i].name, name) == 0)
			return &obj->maps[i];
	return NULL;
}

const char *anybpf_map_name(const anybpf_map *m) { return m ? m->name : ""; }
const char *anybpf_map_section(const anybpf_map *m) { return m ? m->section : ""; }
enum anybpf_map_origin anybpf_map_origin(const anybpf_map *m) { return m ? m->origin : ANYBPF_MAP_LEGACY; }
uint32_t anybpf_map_type(const anybpf_map *m) { return m ? m->type : 0; }
const char *anybpf_map_type_name(const anybpf_map *m) { return m ? map_type_str(m->origin, m->type) : "unknown"; }
uint32_t anybpf_map_key_size(const anybpf_map *m) { return m ? m->key_size : 0; }
uint32_t anybpf_map_value_size(const anybpf_map *m) { return m ? m->value_size : 0; }
uint32_t anybpf_map_max_entries(const anybpf_map *m) { return m ? m->max_entries : 0; }
uint32_t anybpf_map_flags(const anybpf_map *m) { return m ? m->flags : 0; }
uint32_t anybpf_map_pinning(const anybpf_map *m) { return m ? m->pinning : 0; }
int64_t anybpf_map_inner(const anybpf_map *m) { return m ? m->inner : -1; }
int32_t anybpf_map_fd(const anybpf_map *m) { return m ? m->fd : -1; }

const void *anybpf_map_initial(const anybpf_map *m, size_t *size)
{
	if (size)
		*size = m && m->initial ? m->value_size : 0;
	return m ? m->initial : NULL;
}

const char *elf_prog_func_name(const anybpf_prog *p, size_t pc)
{
	if (!p || pc >= p->ninsns)
		return "";
	const anybpf_object *obj = p->obj;
	uint64_t off = (uint64_t)p->orig_slot[pc] * sizeof(struct anybpf_insn);
	for (size_t i = 0; i < obj->nsyms; i++) {
		const struct ab_sym *y = &obj->syms[i];
		if (y->shndx == p->orig_sec[pc] && y->value == off &&
		    (y->type == STT_FUNC || (y->type == STT_NOTYPE && y->bind != STB_LOCAL)))
			return y->name;
	}
	return "";
}
