/* btf.c - the .BTF parser: header, strings, every kind, lookups and
 * BTF-defined map definitions.
 *
 * Why hand-written and not Debian libbpf-dev's btf__new():
 *  - anybpf must build anywhere, including a future Windows profile where
 *    libbpf (and its Linux uapi headers) is not available;
 *  - we need one precise message per malformed field ("BTF type 12 (STRUCT
 *    'foo'): member 3 type id 99 out of range (max 40)") with our own error
 *    codes in the caller's log; libbpf reports errno values and prints
 *    through a global callback;
 *  - .BTF.ext line info (file, line, column, source text per instruction)
 *    and CO-RE records are not exposed by libbpf 1.1's public API;
 *  - the format is small and stable (the kernel's include/uapi/linux/btf.h),
 *    so the parser is a few hundred lines of bounds checks.
 *
 * Validation happens once, in btf_new(): the bytes are copied (so they are
 * 4-byte aligned and outlive the caller's buffer), every type record is
 * located (pass 1: sizes and vlen records inside the type section), then
 * every field is checked (pass 2: names, referenced ids, kinds, sizes).
 * One check, one message, one code (-ANYBPF_E_BTF).  Afterwards accessors
 * trust the object.  Type cycles are legal through pointers, so walks that
 * follow references (resolve, size) stop after BTF_MAX_RESOLVE_DEPTH steps.
 */
#include <string.h>

#include "common/common.h"
#include "btf/btf_internal.h"

#define BTF_HDR_LEN 24u
#define BTF_MAX_TYPES 0x000fffffu   /* as the kernel's BTF_MAX_TYPE */

static const char *const kind_names[BTF_KIND_MAX + 1] = {
	[BTF_KIND_UNKN] = "UNKN", [BTF_KIND_INT] = "INT", [BTF_KIND_PTR] = "PTR",
	[BTF_KIND_ARRAY] = "ARRAY", [BTF_KIND_STRUCT] = "STRUCT",
	[BTF_KIND_UNION] = "UNION", [BTF_KIND_ENUM] = "ENUM", [BTF_KIND_FWD] = "FWD",
	[BTF_KIND_TYPEDEF] = "TYPEDEF", [BTF_KIND_VOLATILE] = "VOLATILE",
	[BTF_KIND_CONST] = "CONST", [BTF_KIND_RESTRICT] = "RESTRICT",
	[BTF_KIND_FUNC] = "FUNC", [BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
	[BTF_KIND_VAR] = "VAR", [BTF_KIND_DATASEC] = "DATASEC",
	[BTF_KIND_FLOAT] = "FLOAT", [BTF_KIND_DECL_TAG] = "DECL_TAG",
	[BTF_KIND_TYPE_TAG] = "TYPE_TAG", [BTF_KIND_ENUM64] = "ENUM64",
};

const char *btf_kind_str(unsigned kind)
{
	return kind <= BTF_KIND_MAX ? kind_names[kind] : "UNKN";
}

/* ------------------------------------------------------------------------
 * Basic accessors
 * ---------------------------------------------------------------------- */
uint32_t btf_type_count(const struct btf *btf) { return btf ? btf->ntypes : 0; }

const struct btf_type *btf_type_by_id(const struct btf *btf, uint32_t id)
{
	if (!btf || id == 0 || id >= btf->ntypes)
		return NULL;
	return (const struct btf_type *)(btf->types + btf->type_offs[id]);
}

int btf_str_valid(const struct btf *btf, uint32_t off)
{
	return btf && off < btf->str_len;
}

const char *btf_str(const struct btf *btf, uint32_t off)
{
	return btf_str_valid(btf, off) ? btf->strs + off : "";
}

const char *btf_type_name(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	return t ? btf_str(btf, t->name_off) : "";
}

/* ------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------- */
static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Bytes of records after the common header, for a kind and vlen. */
static uint64_t extra_size(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_ARRAY: return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: return (uint64_t)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM: return (uint64_t)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO: return (uint64_t)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR: return sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return (uint64_t)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64: return (uint64_t)vlen * sizeof(struct btf_enum64);
	default: return 0;
	}
}

/* Name for messages: only valid offsets are dereferenced. */
static const char *msg_name(const struct btf *btf, uint32_t off)
{
	if (off == 0)
		return "(anon)";
	return btf_str_valid(btf, off) ? btf->strs + off : "(invalid name)";
}

/* "BTF type 12 (STRUCT 'foo'): " prefix, then the message. */
#define TERR(btf, log, id, t, fmt, ...)                                         \
	ab_err(log, -ANYBPF_E_BTF, -1, "BTF type %u (%s '%s'): " fmt, (id),      \
	       btf_kind_str(btf_kind(t)), msg_name(btf, (t)->name_off), ##__VA_ARGS__)

static int parse_header(struct btf *btf, size_t size, struct anybpf_log *log)
{
	const uint8_t *d = btf->data;

	if (size < 8)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: header truncated (%zu bytes, need at least %u)",
			      size, BTF_HDR_LEN);
	uint16_t magic = (uint16_t)(d[0] | d[1] << 8);
	if (magic == 0x9feb)
		return ab_err(log, -ANYBPF_E_NOT_SUPPORTED, -1,
			      "BTF: big-endian BTF (magic 0x%04x) is not supported", magic);
	if (magic != BTF_MAGIC)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: bad magic 0x%04x (expected 0x%04x)", magic, BTF_MAGIC);
	if (d[2] != 1)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: unsupported version %u (expected 1)", d[2]);
	if (d[3] != 0)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: unsupported flags 0x%x (expected 0)", d[3]);
	uint32_t hdr_len = rd32(d + 4);
	if (hdr_len < BTF_HDR_LEN)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: header length %u too small (need %u)", hdr_len, BTF_HDR_LEN);
	if (hdr_len > size)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: header length %u past the end of the section (%zu bytes)",
			      hdr_len, size);
	for (uint32_t i = BTF_HDR_LEN; i < hdr_len; i++)
		if (d[i])
			return ab_err(log, -ANYBPF_E_BTF, -1,
				      "BTF: unknown header field at byte %u is not zero", i);
	uint32_t type_off = rd32(d + 8), type_len = rd32(d + 12);
	uint32_t str_off = rd32(d + 16), str_len = rd32(d + 20);
	uint64_t body = size - hdr_len;

	if ((uint64_t)type_off + type_len > body)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: type section [%u, +%u) past the end of the data (%llu bytes)",
			      type_off, type_len, (unsigned long long)body);
	if ((uint64_t)str_off + str_len > body)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: string section [%u, +%u) past the end of the data (%llu bytes)",
			      str_off, str_len, (unsigned long long)body);
	if (type_off % 4 || (hdr_len % 4))
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: type section offset %u (after a %u-byte header) is not 4-byte aligned",
			      type_off, hdr_len);
	if (type_len % 4)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: type section length %u is not a multiple of 4", type_len);
	if (type_len && str_len &&
	    (uint64_t)type_off < (uint64_t)str_off + str_len &&
	    (uint64_t)str_off < (uint64_t)type_off + type_len)
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: type section [%u, +%u) overlaps string section [%u, +%u)",
			      type_off, type_len, str_off, str_len);
	if (str_len == 0)
		return ab_err(log, -ANYBPF_E_BTF, -1, "BTF: string section is empty");
	btf->strs = (const char *)d + hdr_len + str_off;
	btf->str_len = str_len;
	if (btf->strs[0] != '\0')
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: string section does not start with an empty string");
	if (btf->strs[str_len - 1] != '\0')
		return ab_err(log, -ANYBPF_E_BTF, -1,
			      "BTF: string section is not NUL-terminated");
	btf->types = d + hdr_len + type_off;
	btf->type_len = type_len;
	return 0;
}

/* Pass 1: find every type record and check it fits. */
static int index_types(struct btf *btf, struct anybpf_log *log)
{
	size_t cap = 0;
	uint32_t off = 0, id = 1;

	btf->ntypes = 1;
	if (ab_grow((void **)&btf->type_offs, &cap, 1, sizeof(uint32_t)))
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "BTF: out of memory");
	btf->type_offs[0] = 0;
	while (off < btf->type_len) {
		uint32_t left = btf->type_len - off;
		if (left < sizeof(struct btf_type))
			return ab_err(log, -ANYBPF_E_BTF, -1,
				      "BTF type %u: header truncated at type section offset %u (%u bytes left, need %zu)",
				      id, off, left, sizeof(struct btf_type));
		if (id > BTF_MAX_TYPES)
			return ab_err(log, -ANYBPF_E_BTF, -1,
				      "BTF: more than %u types", BTF_MAX_TYPES);
		const struct btf_type *t = (const struct btf_type *)(btf->types + off);
		unsigned kind = btf_kind(t);
		if (kind == BTF_KIND_UNKN || kind > BTF_KIND_MAX)
			return ab_err(log, -ANYBPF_E_BTF, -1,
				      "BTF type %u: unknown kind %u at type section offset %u",
				      id, kind, off);
		uint64_t need = sizeof(struct btf_type) + extra_size(kind, btf_vlen(t));
		if (need > left)
			return ab_err(log, -ANYBPF_E_BTF, -1,
				      "BTF type %u (%s): vlen %u overruns the type section (record needs %llu bytes, %u left)",
				      id, btf_kind_str(kind), btf_vlen(t),
				      (unsigned long long)need, left);
		if (ab_grow((void **)&btf->type_offs, &cap, (size_t)id + 1, sizeof(uint32_t)))
			return ab_err(log, -ANYBPF_E_NOMEM, -1, "BTF: out of memory");
		btf->type_offs[id] = off;
		off += (uint32_t)need;
		id++;
		btf->ntypes = id;
	}
	return 0;
}

/* Referenced type id must exist; `what` names the field. */
#define CHECK_ID(what, tid, allow_void)                                          \
	do {                                                                     \
		if ((tid) >= btf->ntypes)                                        \
			return TERR(btf, log, id, t, "%s type id %u out of range (max %u)", \
				    what, (tid), btf->ntypes - 1);               \
		if (!(allow_void) && (tid) == 0)                                 \
			return TERR(btf, log, id, t, "%s refers to void (type id 0)", what); \
	} while (0)

static int check_name(const struct btf *btf, uint32_t id, const struct btf_type *t,
		      int required, int forbidden, struct anybpf_log *log)
{
	if (!btf_str_valid(btf, t->name_off))
		return TERR(btf, log, id, t, "name offset %u out of range (string section is %u bytes)",
			    t->name_off, btf->str_len);
	if (required && btf->strs[t->name_off] == '\0')
		return TERR(btf, log, id, t, "name is required");
	if (forbidden && t->name_off != 0)
		return TERR(btf, log, id, t, "must not have a name");
	return 0;
}

static unsigned kind_of(const struct btf *btf, uint32_t tid)
{
	const struct btf_type *t = btf_type_by_id(btf, tid);
	return t ? btf_kind(t) : BTF_KIND_UNKN;
}

static int check_type(const struct btf *btf, uint32_t id, const struct btf_type *t,
		      struct anybpf_log *log)
{
	unsigned kind = btf_kind(t), vlen = btf_vlen(t);
	int kflag = btf_kflag(t);
	int err;

	if (t->info & 0x60ff0000u)
		return TERR(btf, log, id, t, "reserved info bits set (info 0x%08x)", t->info);

	/* kinds that carry no vlen records and no kind_flag */
	switch (kind) {
	case BTF_KIND_INT: case BTF_KIND_PTR: case BTF_KIND_ARRAY:
	case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_VAR: case BTF_KIND_FLOAT:
		if (vlen)
			return TERR(btf, log, id, t, "vlen %u must be 0", vlen);
		if (kflag)
			return TERR(btf, log, id, t, "kind_flag must be 0");
		break;
	/* kind_flag: FWD union; DECL_TAG/TYPE_TAG attribute form (newer LLVM) */
	case BTF_KIND_FWD: case BTF_KIND_DECL_TAG: case BTF_KIND_TYPE_TAG:
		if (vlen)
			return TERR(btf, log, id, t, "vlen %u must be 0", vlen);
		break;
	case BTF_KIND_FUNC: case BTF_KIND_FUNC_PROTO: case BTF_KIND_DATASEC:
		if (kflag)
			return TERR(btf, log, id, t, "kind_flag must be 0");
		break;
	default:
		break;
	}

	switch (kind) {
	case BTF_KIND_INT: {
		if ((err = check_name(btf, id, t, 1, 0, log)))
			return err;
		uint32_t v = *(const uint32_t *)btf_type_extra(t);
		unsigned enc = BTF_INT_ENCODING(v), bits = BTF_INT_BITS(v), boff = BTF_INT_OFFSET(v);
		if (t->size_type != 1 && t->size_type != 2 && t->size_type != 4 &&
		    t->size_type != 8 && t->size_type != 16)
			return TERR(btf, log, id, t, "size %u is not 1, 2, 4, 8 or 16", t->size_type);
		if (v & 0xf000ff00u)
			return TERR(btf, log, id, t, "reserved int data bits set (0x%08x)", v);
		if (bits == 0 || bits > 128)
			return TERR(btf, log, id, t, "nr_bits %u not in 1..128", bits);
		if (boff + bits > t->size_type * 8)
			return TERR(btf, log, id, t, "bits_offset %u + nr_bits %u exceed size %u bytes",
				    boff, bits, t->size_type);
		if (enc != 0 && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR && enc != BTF_INT_BOOL)
			return TERR(btf, log, id, t, "encoding 0x%x is not SIGNED, CHAR or BOOL", enc);
		return 0;
	}
	case BTF_KIND_PTR: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
		if ((err = check_name(btf, id, t, 0, 1, log)))
			return err;
		CHECK_ID("referenced", t->size_type, 1);
		return 0;
	case BTF_KIND_TYPEDEF: case BTF_KIND_TYPE_TAG:
		if ((err = check_name(btf, id, t, 1, 0, log)))
			return err;
		CHECK_ID("referenced", t->size_type, 1);
		return 0;
	case BTF_KIND_ARRAY: {
		if ((err = check_name(btf, id, t, 0, 1, log)))
			return err;
		if (t->size_type)
			return TERR(btf, log, id, t, "size %u must be 0", t->size_type);
		const struct btf_array *a = btf_type_extra(t);
		CHECK_ID("element", a->type, 0);
		CHECK_ID("index", a->index_type, 0);
		return 0;
	}
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
		if ((err = check_name(btf, id, t, 0, 0, log)))
			return err;
		const struct btf_member *m = btf_type_extra(t);
		uint64_t size_bits = (uint64_t)t->size_type * 8;
		for (unsigned i = 0; i < vlen; i++, m++) {
			if (!btf_str_valid(btf, m->name_off))
				return TERR(btf, log, id, t, "member %u name offset %u out of range (string section is %u bytes)",
					    i, m->name_off, btf->str_len);
			if (m->type >= btf->ntypes)
				return TERR(btf, log, id, t, "member %u type id %u out of range (max %u)",
					    i, m->type, btf->ntypes - 1);
			if (m->type == 0)
				return TERR(btf, log, id, t, "member %u refers to void (type id 0)", i);
			uint32_t boff = kflag ? (m->offset & 0xffffff) : m->offset;
			uint32_t bsz = kflag ? (m->offset >> 24) : 0;
			if (kind == BTF_KIND_UNION && boff)
				return TERR(btf, log, id, t, "member %u bit offset %u must be 0 in a union", i, boff);
			if ((uint64_t)boff + bsz > size_bits)
				return TERR(btf, log, id, t, "member %u bit offset %u + bitfield size %u past the end (size %u bytes)",
					    i, boff, bsz, t->size_type);
		}
		return 0;
	}
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: {
		if ((err = check_name(btf, id, t, 0, 0, log)))
			return err;
		if (t->size_type != 1 && t->size_type != 2 && t->size_type != 4 && t->size_type != 8)
			return TERR(btf, log, id, t, "size %u is not 1, 2, 4 or 8", t->size_type);
		size_t rec = kind == BTF_KIND_ENUM ? sizeof(struct btf_enum) : sizeof(struct btf_enum64);
		const uint8_t *e = btf_type_extra(t);
		for (unsigned i = 0; i < vlen; i++, e += rec) {
			uint32_t noff = rd32(e);
			if (!btf_str_valid(btf, noff))
				return TERR(btf, log, id, t, "value %u name offset %u out of range (string section is %u bytes)",
					    i, noff, btf->str_len);
			if (btf->strs[noff] == '\0')
				return TERR(btf, log, id, t, "value %u has no name", i);
		}
		return 0;
	}
	case BTF_KIND_FWD:
		if ((err = check_name(btf, id, t, 1, 0, log)))
			return err;
		if (t->size_type)
			return TERR(btf, log, id, t, "type %u must be 0", t->size_type);
		return 0;
	case BTF_KIND_FUNC:
		if ((err = check_name(btf, id, t, 1, 0, log)))
			return err;
		if (vlen > BTF_FUNC_EXTERN)
			return TERR(btf, log, id, t, "linkage %u is not static, global or extern", vlen);
		CHECK_ID("prototype", t->size_type, 0);
		if (kind_of(btf, t->size_type) != BTF_KIND_FUNC_PROTO)
			return TERR(btf, log, id, t, "type id %u is %s, not FUNC_PROTO",
				    t->size_type, btf_kind_str(kind_of(btf, t->size_type)));
		return 0;
	case BTF_KIND_FUNC_PROTO: {
		if ((err = check_name(btf, id, t, 0, 1, log)))
			return err;
		CHECK_ID("return", t->size_type, 1);
		const struct btf_param *p = btf_type_extra(t);
		for (unsigned i = 0; i < vlen; i++, p++) {
			if (!btf_str_valid(btf, p->name_off))
				return TERR(btf, log, id, t, "param %u name offset %u out of range (string section is %u bytes)",
					    i, p->name_off, btf->str_len);
			if (p->type >= btf->ntypes)
				return TERR(btf, log, id, t, "param %u type id %u out of range (max %u)",
					    i, p->type, btf->ntypes - 1);
			/* void is only allowed as the last, unnamed "..." */
			if (p->type == 0 && (i + 1 != vlen || p->name_off))
				return TERR(btf, log, id, t, "param %u is void but not a trailing unnamed vararg", i);
		}
		return 0;
	}
	case BTF_KIND_VAR: {
		if ((err = check_name(btf, id, t, 1, 0, log)))
			return err;
		CHECK_ID("variable", t->size_type, 0);
		const struct btf_var *v = btf_type_extra(t);
		if (v->linkage > BTF_VAR_GLOBAL_EXTERN)
			return TERR(btf, log, id, t, "linkage %u is not static, global or extern", v->linkage);
		return 0;
	}
	case BTF_KIND_DATASEC: {
		if ((err = check_name(btf, id, t, 1, 0, log)))
			return err;
		const struct btf_var_secinfo *v = btf_type_extra(t);
		for (unsigned i = 0; i < vlen; i++, v++) {
			if (v->type >= btf->ntypes || v->type == 0)
				return TERR(btf, log, id, t, "variable %u type id %u out of range (1..%u)",
					    i, v->type, btf->ntypes - 1);
			unsigned vk = kind_of(btf, v->type);
			if (vk != BTF_KIND_VAR && vk != BTF_KIND_FUNC)
				return TERR(btf, log, id, t, "variable %u type id %u is %s, not VAR or FUNC",
					    i, v->type, btf_kind_str(vk));
			/* objects straight from clang may have size 0 (libbpf
			 * fixes sizes up from the ELF section): check only a
			 * declared size */
			if (t->size_type && (uint64_t)v->offset + v->size > t->size_type)
				return TERR(btf, log, id, t, "variable %u [%u, +%u) past the section size %u",
					    i, v->offset, v->size, t->size_type);
		}
		return 0;
	}
	case BTF_KIND_FLOAT:
		if ((err = check_name(btf, id, t, 1, 0, log)))
			return err;
		if (t->size_type != 2 && t->size_type != 4 && t->size_type != 8 &&
		    t->size_type != 12 && t->size_type != 16)
			return TERR(btf, log, id, t, "size %u is not 2, 4, 8, 12 or 16", t->size_type);
		return 0;
	case BTF_KIND_DECL_TAG: {
		if ((err = check_name(btf, id, t, 1, 0, log)))
			return err;
		CHECK_ID("tagged", t->size_type, 0);
		int32_t idx = ((const struct btf_decl_tag *)btf_type_extra(t))->component_idx;
		if (idx < -1)
			return TERR(btf, log, id, t, "component_idx %d is below -1", idx);
		if (idx >= 0) {
			const struct btf_type *tt = btf_type_by_id(btf, t->size_type);
			unsigned tk = btf_kind(tt);
			unsigned n = 0;
			if (tk == BTF_KIND_STRUCT || tk == BTF_KIND_UNION) {
				n = btf_vlen(tt);
			} else if (tk == BTF_KIND_FUNC) {
				const struct btf_type *p = btf_type_by_id(btf, tt->size_type);
				n = p ? btf_vlen(p) : 0;
			} else {
				return TERR(btf, log, id, t, "component_idx %d on %s type %u (needs STRUCT, UNION or FUNC)",
					    idx, btf_kind_str(tk), t->size_type);
			}
			if ((uint32_t)idx >= n)
				return TERR(btf, log, id, t, "component_idx %d out of range (type %u has %u)",
					    idx, t->size_type, n);
		}
		return 0;
	}
	default:
		return TERR(btf, log, id, t, "unknown kind");
	}
}

int btf_new(const void *data, size_t size, struct btf **out, struct anybpf_log *log)
{
	*out = NULL;
	if (!data && size)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "BTF: NULL data");
	if (size > UINT32_MAX)
		return ab_err(log, -ANYBPF_E_BTF, -1, "BTF: section too large (%zu bytes)", size);
	struct btf *btf = ab_calloc(1, sizeof(*btf));
	if (!btf)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "BTF: out of memory");
	btf->data = ab_malloc(size + 1);
	if (!btf->data) {
		ab_free(btf);
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "BTF: out of memory");
	}
	if (size)
		memcpy(btf->data, data, size);
	btf->size = size;
	int err = parse_header(btf, size, log);
	if (!err)
		err = index_types(btf, log);
	for (uint32_t id = 1; !err && id < btf->ntypes; id++)
		err = check_type(btf, id, btf_type_by_id(btf, id), log);
	if (err) {
		btf_free(btf);
		return err;
	}
	*out = btf;
	return 0;
}

void btf_free(struct btf *btf)
{
	if (!btf)
		return;
	ab_free(btf->type_offs);
	ab_free(btf->data);
	ab_free(btf);
}

/* ------------------------------------------------------------------------
 * Lookups
 * ---------------------------------------------------------------------- */
int64_t btf_find_by_name_kind(const struct btf *btf, const char *name, int kind)
{
	if (!btf || !name)
		return -ANYBPF_E_NOT_FOUND;
	for (uint32_t id = 1; id < btf->ntypes; id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		if (kind >= 0 && btf_kind(t) != (unsigned)kind)
			continue;
		if (strcmp(btf_str(btf, t->name_off), name) == 0)
			return id;
	}
	return -ANYBPF_E_NOT_FOUND;
}

static int is_modifier(unsigned kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_CONST || kind == BTF_KIND_RESTRICT ||
	       kind == BTF_KIND_TYPE_TAG;
}

int64_t btf_resolve(const struct btf *btf, uint32_t id)
{
	for (int depth = 0; depth < BTF_MAX_RESOLVE_DEPTH; depth++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		if (!t)
			return id == 0 ? 0 : -ANYBPF_E_BTF;
		if (!is_modifier(btf_kind(t)))
			return id;
		id = t->size_type;
	}
	return -ANYBPF_E_BTF;
}

int64_t btf_resolve_size(const struct btf *btf, uint32_t id)
{
	uint64_t mult = 1;

	for (int depth = 0; depth < BTF_MAX_RESOLVE_DEPTH; depth++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		if (!t)
			return -ANYBPF_E_BTF;
		uint64_t sz;
		switch (btf_kind(t)) {
		case BTF_KIND_INT: case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_DATASEC:
		case BTF_KIND_FLOAT:
			sz = t->size_type;
			break;
		case BTF_KIND_PTR:
			sz = 8; /* BPF is a 64-bit target */
			break;
		case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: case BTF_KIND_VAR:
			id = t->size_type;
			continue;
		case BTF_KIND_ARRAY: {
			const struct btf_array *a = btf_type_extra(t);
			if (a->nelems && mult > (uint64_t)INT64_MAX / a->nelems)
				return -ANYBPF_E_BTF;
			mult *= a->nelems;
			id = a->type;
			continue;
		}
		default:
			return -ANYBPF_E_BTF;
		}
		if (sz && mult > (uint64_t)INT64_MAX / sz)
			return -ANYBPF_E_BTF;
		return (int64_t)(sz * mult);
	}
	return -ANYBPF_E_BTF;
}

static const struct btf_type *resolved_type(const struct btf *btf, uint32_t id, uint32_t *rid)
{
	int64_t r = btf_resolve(btf, id);
	if (r <= 0)
		return NULL;
	if (rid)
		*rid = (uint32_t)r;
	return btf_type_by_id(btf, (uint32_t)r);
}

int btf_member_count(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = resolved_type(btf, id, NULL);
	if (!t || (btf_kind(t) != BTF_KIND_STRUCT && btf_kind(t) != BTF_KIND_UNION))
		return -ANYBPF_E_INVAL;
	return (int)btf_vlen(t);
}

int btf_member_at(const struct btf *btf, uint32_t id, unsigned i, struct btf_member_info *out)
{
	const struct btf_type *t = resolved_type(btf, id, NULL);
	if (!t || (btf_kind(t) != BTF_KIND_STRUCT && btf_kind(t) != BTF_KIND_UNION) ||
	    i >= btf_vlen(t))
		return -ANYBPF_E_INVAL;
	const struct btf_member *m = (const struct btf_member *)btf_type_extra(t) + i;
	out->name = btf_str(btf, m->name_off);
	out->type = m->type;
	out->bit_offset = btf_kflag(t) ? (m->offset & 0xffffff) : m->offset;
	out->bitfield_size = btf_kflag(t) ? (m->offset >> 24) : 0;
	return 0;
}

int64_t btf_find_datasec(const struct btf *btf, const char *secname)
{
	return btf_find_by_name_kind(btf, secname, BTF_KIND_DATASEC);
}

static const struct btf_type *datasec(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	return t && btf_kind(t) == BTF_KIND_DATASEC ? t : NULL;
}

int btf_datasec_var_count(const struct btf *btf, uint32_t datasec_id)
{
	const struct btf_type *t = datasec(btf, datasec_id);
	return t ? (int)btf_vlen(t) : -ANYBPF_E_INVAL;
}

int btf_datasec_var_at(const struct btf *btf, uint32_t datasec_id, unsigned i,
		       struct btf_datasec_var *out)
{
	const struct btf_type *t = datasec(btf, datasec_id);
	if (!t || i >= btf_vlen(t))
		return -ANYBPF_E_INVAL;
	const struct btf_var_secinfo *v = (const struct btf_var_secinfo *)btf_type_extra(t) + i;
	const struct btf_type *vt = btf_type_by_id(btf, v->type);
	out->var_id = v->type;
	out->name = btf_str(btf, vt->name_off);
	out->type = vt->size_type;
	out->linkage = btf_kind(vt) == BTF_KIND_VAR ?
		((const struct btf_var *)btf_type_extra(vt))->linkage : btf_vlen(vt);
	out->offset = v->offset;
	out->size = v->size;
	return 0;
}

int btf_datasec_find_var(const struct btf *btf, uint32_t datasec_id, const char *name,
			 struct btf_datasec_var *out)
{
	int n = btf_datasec_var_count(btf, datasec_id);
	for (int i = 0; i < n; i++) {
		if (btf_datasec_var_at(btf, datasec_id, (unsigned)i, out) == 0 &&
		    strcmp(out->name, name) == 0)
			return 0;
	}
	return -ANYBPF_E_NOT_FOUND;
}
