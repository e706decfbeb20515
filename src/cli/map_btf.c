/* map_btf.c - map keys and values printed through the object's BTF, as
 * bpftool's `map dump` formats them: integers as numbers (bool as
 * true/false), char arrays as strings, arrays as [...], structs and unions
 * as {"field": ...} (bitfields extracted), enums by name, pointers as
 * numbers; global-data maps (.data, .bss, .rodata) as {"var": ...}.
 * Either one compact line on a FILE (text output) or through the JSON
 * writer (--json: an element's "formatted" object). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "btf/btf.h"
#include "elf/elf.h"
#include "map_btf.h"
#include "run.h"

#define MAX_DEPTH 16

struct emit {
	struct json *j;          /* JSON writer, or */
	FILE *f;                 /* compact text */
	int depth;
	int count[MAX_DEPTH + 2];
	int after_key;
};

static void pre(struct emit *e)
{
	if (e->j)
		return;
	if (e->after_key) {
		e->after_key = 0;
		return;
	}
	if (e->depth > 0 && e->count[e->depth]++)
		fputs(", ", e->f);
}

static void e_open(struct emit *e, int obj)
{
	if (e->j) {
		obj ? json_obj(e->j) : json_arr(e->j);
	} else {
		pre(e);
		fputc(obj ? '{' : '[', e->f);
	}
	if (e->depth < MAX_DEPTH + 1)
		e->count[++e->depth] = 0;
}

static void e_close(struct emit *e, int obj)
{
	if (e->j)
		json_end(e->j);
	else
		fputc(obj ? '}' : ']', e->f);
	if (e->depth > 0)
		e->depth--;
}

static void e_key(struct emit *e, const char *k)
{
	if (e->j) {
		json_key(e->j, k);
		return;
	}
	pre(e);
	fprintf(e->f, "\"%s\": ", k);
	e->after_key = 1;
}

static void e_int(struct emit *e, int64_t v)
{
	if (e->j) {
		json_int(e->j, v);
		return;
	}
	pre(e);
	fprintf(e->f, "%" PRId64, v);
}

static void e_uint(struct emit *e, uint64_t v)
{
	if (e->j) {
		json_uint(e->j, v);
		return;
	}
	pre(e);
	fprintf(e->f, "%" PRIu64, v);
}

static void e_bool(struct emit *e, int v)
{
	if (e->j) {
		json_bool(e->j, v);
		return;
	}
	pre(e);
	fputs(v ? "true" : "false", e->f);
}

static void e_str(struct emit *e, const char *s, size_t n)
{
	char buf[512];
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (e->j) {
		json_str(e->j, buf);
		return;
	}
	pre(e);
	fputc('"', e->f);
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(e->f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(e->f, "\\u%04x", *p);
		else
			fputc(*p, e->f);
	}
	fputc('"', e->f);
}

static uint64_t load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t bits_at(const uint8_t *base, uint32_t bit_off, uint32_t nbits)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < nbits && i < 64; i++) {
		uint32_t b = bit_off + i;
		if (base[b / 8] >> (b % 8) & 1)
			v |= 1ull << i;
	}
	return v;
}

static void value(struct emit *e, const struct btf *btf, uint32_t id, const uint8_t *p,
		  size_t avail, int depth);

static void hex_bytes(struct emit *e, const uint8_t *p, size_t n)
{
	e_open(e, 0);
	for (size_t i = 0; i < n; i++) {
		char h[8];
		snprintf(h, sizeof(h), "0x%02x", p[i]);
		e_str(e, h, strlen(h));
	}
	e_close(e, 0);
}

static int is_char(const struct btf *btf, uint32_t id)
{
	int64_t r = btf_resolve(btf, id);
	const struct btf_type *t = r > 0 ? btf_type_by_id(btf, (uint32_t)r) : NULL;
	if (!t || btf_kind(t) != BTF_KIND_INT || t->size_type != 1)
		return 0;
	uint32_t enc;
	memcpy(&enc, btf_type_extra(t), 4);
	return (BTF_INT_ENCODING(enc) & BTF_INT_CHAR) || !strcmp(btf_type_name(btf, (uint32_t)r), "char");
}

static void int_value(struct emit *e, const struct btf_type *t, const uint8_t *p,
		      uint32_t bit_off, uint32_t bits)
{
	uint32_t enc;
	memcpy(&enc, btf_type_extra(t), 4);
	unsigned flags = BTF_INT_ENCODING(enc);
	uint32_t nbits = bits ? bits : BTF_INT_BITS(enc);
	uint64_t v = bits_at(p, bit_off + BTF_INT_OFFSET(enc), nbits > 64 ? 64 : nbits);
	if (flags & BTF_INT_BOOL) {
		e_bool(e, v != 0);
	} else if ((flags & BTF_INT_SIGNED) && nbits && nbits < 64 && (v >> (nbits - 1) & 1)) {
		e_int(e, (int64_t)(v | ~((1ull << nbits) - 1)));
	} else if (flags & BTF_INT_SIGNED) {
		e_int(e, (int64_t)v);
	} else {
		e_uint(e, v);
	}
}

static void enum_value(struct emit *e, const struct btf *btf, const struct btf_type *t,
		       uint64_t v)
{
	unsigned n = btf_vlen(t);
	int is64 = btf_kind(t) == BTF_KIND_ENUM64;
	for (unsigned i = 0; i < n; i++) {
		uint64_t ev;
		uint32_t name;
		if (is64) {
			const struct btf_enum64 *x = (const struct btf_enum64 *)btf_type_extra(t) + i;
			ev = (uint64_t)x->val_hi32 << 32 | x->val_lo32;
			name = x->name_off;
		} else {
			const struct btf_enum *x = (const struct btf_enum *)btf_type_extra(t) + i;
			ev = (uint64_t)(uint32_t)x->val;
			name = x->name_off;
		}
		if (ev == v) {
			const char *s = btf_str(btf, name);
			e_str(e, s ? s : "", s ? strlen(s) : 0);
			return;
		}
	}
	e_uint(e, v);
}

static void value(struct emit *e, const struct btf *btf, uint32_t id, const uint8_t *p,
		  size_t avail, int depth)
{
	int64_t r = btf_resolve(btf, id);
	const struct btf_type *t = r > 0 ? btf_type_by_id(btf, (uint32_t)r) : NULL;
	int64_t sz = r > 0 ? btf_resolve_size(btf, (uint32_t)r) : -1;
	if (!t || sz < 0 || (uint64_t)sz > avail || depth > MAX_DEPTH) {
		hex_bytes(e, p, avail < 64 ? avail : 64);
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		int_value(e, t, p, 0, 0);
		return;
	case BTF_KIND_PTR:
		e_uint(e, load_le(p, 8));
		return;
	case BTF_KIND_FLOAT: {
		char b[64];
		double d = 0;
		if (sz == 8) {
			memcpy(&d, p, 8);
		} else if (sz == 4) {
			float fl;
			memcpy(&fl, p, 4);
			d = fl;
		}
		snprintf(b, sizeof(b), "%g", d);
		if (e->j) {
			json_str(e->j, b);
		} else {
			pre(e);
			fputs(b, e->f);
		}
		return;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		enum_value(e, btf, t, load_le(p, (size_t)sz));
		return;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_type_extra(t);
		int64_t esz = btf_resolve_size(btf, a->type);
		if (esz == 1 && is_char(btf, a->type)) {
			size_t n = strnlen((const char *)p, a->nelems);
			int printable = 1;
			for (size_t i = 0; i < n; i++)
				printable &= p[i] >= 0x20 && p[i] < 0x7f;
			if (printable) {
				e_str(e, (const char *)p, n);
				return;
			}
		}
		e_open(e, 0);
		for (uint32_t i = 0; esz > 0 && i < a->nelems; i++)
			value(e, btf, a->type, p + (size_t)esz * i, (size_t)esz, depth + 1);
		e_close(e, 0);
		return;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		e_open(e, 1);
		int n = btf_member_count(btf, (uint32_t)r);
		for (int i = 0; i < n; i++) {
			struct btf_member_info mi;
			if (btf_member_at(btf, (uint32_t)r, (unsigned)i, &mi))
				break;
			char anon[24];
			const char *name = mi.name;
			if (!name || !*name) {
				snprintf(anon, sizeof(anon), "<anon%d>", i);
				name = anon;
			}
			e_key(e, name);
			int64_t mr = btf_resolve(btf, mi.type);
			const struct btf_type *mt = mr > 0 ? btf_type_by_id(btf, (uint32_t)mr) : NULL;
			if (mi.bitfield_size && mt && btf_kind(mt) == BTF_KIND_INT) {
				int_value(e, mt, p, mi.bit_offset, mi.bitfield_size);
			} else if (mi.bitfield_size) {
				e_uint(e, bits_at(p, mi.bit_offset, mi.bitfield_size));
			} else {
				size_t off = mi.bit_offset / 8;
				value(e, btf, mi.type, p + off, off < (size_t)sz ? (size_t)sz - off : 0,
				      depth + 1);
			}
		}
		e_close(e, 1);
		return;
	}
	case BTF_KIND_DATASEC: {
		e_open(e, 1);
		int n = btf_datasec_var_count(btf, (uint32_t)r);
		for (int i = 0; i < n; i++) {
			struct btf_datasec_var v;
			if (btf_datasec_var_at(btf, (uint32_t)r, (unsigned)i, &v) ||
			    (uint64_t)v.offset + v.size > avail)
				continue;
			e_key(e, v.name ? v.name : "");
			value(e, btf, v.type, p + v.offset, v.size, depth + 1);
		}
		e_close(e, 1);
		return;
	}
	default:
		hex_bytes(e, p, (size_t)sz);
		return;
	}
}

int cli_map_btf_types(const anybpf_object *obj, size_t i, const struct btf **btf,
		      uint32_t *key_type, uint32_t *value_type)
{
	const struct btf *b = elf_object_btf(obj);
	const anybpf_map *m = i < anybpf_object_map_count(obj) ? anybpf_object_map(obj, i) : NULL;
	*btf = NULL;
	*key_type = *value_type = 0;
	if (!b || !m)
		return 0;
	const char *sec = anybpf_map_section(m);
	if (anybpf_map_origin(m) == ANYBPF_MAP_DATA && sec) {
		int64_t ds = btf_find_datasec(b, sec);
		if (ds <= 0)
			return 0;
		*value_type = (uint32_t)ds;
	} else {
		int64_t ds = btf_find_datasec(b, ".maps");
		struct btf_datasec_var v;
		struct btf_map_def d;
		if (ds <= 0 || btf_datasec_find_var(b, (uint32_t)ds, anybpf_map_name(m), &v) ||
		    btf_map_def_decode(b, v.type, anybpf_map_name(m), &d, NULL))
			return 0;
		*key_type = d.key_type;
		*value_type = d.value_type;
	}
	*btf = b;
	return *key_type || *value_type;
}

void cli_btf_value(struct json *j, FILE *f, const struct btf *btf, uint32_t type,
		   const uint8_t *p, size_t n)
{
	struct emit e = { .j = j, .f = f };
	if (!type) {
		/* untyped: a number for 1-8 byte keys (bpftool shows hex bytes) */
		if (n && n <= 8 && (n & (n - 1)) == 0)
			e_uint(&e, load_le(p, n));
		else
			hex_bytes(&e, p, n);
		return;
	}
	value(&e, btf, type, p, n, 0);
}

int cli_btf_find_record_type(const anybpf_object *obj, const char *name, const struct btf **btf,
			     uint32_t *type)
{
	static const struct {
		const char *prefix;
		int kind;
	} kinds[] = { { "struct ", BTF_KIND_STRUCT }, { "union ", BTF_KIND_UNION },
		      { "", BTF_KIND_STRUCT }, { "", BTF_KIND_UNION }, { "", BTF_KIND_TYPEDEF } };
	const struct btf *b = obj ? elf_object_btf(obj) : NULL;
	*btf = NULL;
	*type = 0;
	if (!b || !name)
		return -1;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t pl = strlen(kinds[i].prefix);
		if (strncmp(name, kinds[i].prefix, pl))
			continue;
		int64_t id = btf_find_by_name_kind(b, name + pl, kinds[i].kind);
		if (id > 0) {
			*btf = b;
			*type = (uint32_t)id;
			return 0;
		}
		if (pl) /* "struct X" names the kind */
			return -1;
	}
	return -1;
}
