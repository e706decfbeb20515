/* btf_dump.c - `show btf`: the raw listing (bpftool's `btf dump file X`
 * format, as its tools/bpf/bpftool/btf.c prints it) and a C header.
 *
 * The C dump emits, in order: a forward declaration of every named struct
 * and union (so pointers to them need nothing else), then every named
 * type's definition in id order, each preceded by the definitions it needs
 * complete (by-value members, array elements, typedef targets used by
 * value): a depth-first walk with in-progress marks so cycles (legal only
 * through pointers) terminate.  Anonymous structs, unions and enums are
 * printed inline where they are used.  C declarators are built inside-out
 * (pointer prefixes, array/function suffixes, parentheses when a pointer
 * meets an array or function).  Names that C would reject as duplicates
 * (two different structs 'foo' after linking, repeated enumerators) get a
 * "___N" suffix, as libbpf's btf_dump does.  FUNC and VAR types are listed
 * as comments.  A struct whose size or member offsets do not follow natural
 * alignment is marked __attribute__((packed)).  Not emitted: explicit
 * padding for over-aligned members (aligned(N)), so such layouts may differ.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "btf/btf_internal.h"

/* ------------------------------------------------------------------------
 * Raw
 * ---------------------------------------------------------------------- */
static const char *raw_name(const struct btf *btf, uint32_t off)
{
	return off ? btf_str(btf, off) : "(anon)";
}

static const char *int_enc_str(unsigned enc)
{
	switch (enc) {
	case 0: return "(none)";
	case BTF_INT_SIGNED: return "SIGNED";
	case BTF_INT_CHAR: return "CHAR";
	case BTF_INT_BOOL: return "BOOL";
	default: return "UNKN";
	}
}

static const char *linkage_str(uint32_t l)
{
	switch (l) {
	case 0: return "static";
	case 1: return "global";
	case 2: return "extern";
	default: return "(unknown)";
	}
}

static void dump_raw_type(const struct btf *btf, uint32_t id, FILE *f)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	unsigned kind = btf_kind(t), vlen = btf_vlen(t);

	fprintf(f, "[%u] %s '%s'", id, btf_kind_str(kind), raw_name(btf, t->name_off));
	switch (kind) {
	case BTF_KIND_INT: {
		uint32_t v = *(const uint32_t *)btf_type_extra(t);
		fprintf(f, " size=%u bits_offset=%u nr_bits=%u encoding=%s", t->size_type,
			BTF_INT_OFFSET(v), BTF_INT_BITS(v), int_enc_str(BTF_INT_ENCODING(v)));
		break;
	}
	case BTF_KIND_PTR: case BTF_KIND_CONST: case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPEDEF: case BTF_KIND_TYPE_TAG:
		fprintf(f, " type_id=%u", t->size_type);
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_type_extra(t);
		fprintf(f, " type_id=%u index_type_id=%u nr_elems=%u", a->type, a->index_type,
			a->nelems);
		break;
	}
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
		fprintf(f, " size=%u vlen=%u", t->size_type, vlen);
		for (unsigned i = 0; i < vlen; i++) {
			struct btf_member_info m;
			btf_member_at(btf, id, i, &m);
			const struct btf_member *rm = (const struct btf_member *)btf_type_extra(t) + i;
			fprintf(f, "\n\t'%s' type_id=%u bits_offset=%u", raw_name(btf, rm->name_off),
				m.type, m.bit_offset);
			if (m.bitfield_size)
				fprintf(f, " bitfield_size=%u", m.bitfield_size);
		}
		break;
	}
	case BTF_KIND_ENUM: {
		const struct btf_enum *e = btf_type_extra(t);
		fprintf(f, " encoding=%s size=%u vlen=%u", btf_kflag(t) ? "SIGNED" : "UNSIGNED",
			t->size_type, vlen);
		for (unsigned i = 0; i < vlen; i++, e++) {
			if (btf_kflag(t))
				fprintf(f, "\n\t'%s' val=%d", btf_str(btf, e->name_off), e->val);
			else
				fprintf(f, "\n\t'%s' val=%u", btf_str(btf, e->name_off), (uint32_t)e->val);
		}
		break;
	}
	case BTF_KIND_ENUM64: {
		const struct btf_enum64 *e = btf_type_extra(t);
		fprintf(f, " encoding=%s size=%u vlen=%u", btf_kflag(t) ? "SIGNED" : "UNSIGNED",
			t->size_type, vlen);
		for (unsigned i = 0; i < vlen; i++, e++) {
			uint64_t v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
			if (btf_kflag(t))
				fprintf(f, "\n\t'%s' val=%lldLL", btf_str(btf, e->name_off), (long long)v);
			else
				fprintf(f, "\n\t'%s' val=%lluULL", btf_str(btf, e->name_off),
					(unsigned long long)v);
		}
		break;
	}
	case BTF_KIND_FWD:
		fprintf(f, " fwd_kind=%s", btf_kflag(t) ? "union" : "struct");
		break;
	case BTF_KIND_FUNC:
		fprintf(f, " type_id=%u linkage=%s", t->size_type, linkage_str(vlen));
		break;
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = btf_type_extra(t);
		fprintf(f, " ret_type_id=%u vlen=%u", t->size_type, vlen);
		for (unsigned i = 0; i < vlen; i++, p++)
			fprintf(f, "\n\t'%s' type_id=%u", raw_name(btf, p->name_off), p->type);
		break;
	}
	case BTF_KIND_VAR:
		fprintf(f, " type_id=%u, linkage=%s", t->size_type,
			linkage_str(((const struct btf_var *)btf_type_extra(t))->linkage));
		break;
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = btf_type_extra(t);
		fprintf(f, " size=%u vlen=%u", t->size_type, vlen);
		for (unsigned i = 0; i < vlen; i++, v++) {
			const struct btf_type *vt = btf_type_by_id(btf, v->type);
			fprintf(f, "\n\ttype_id=%u offset=%u size=%u (%s '%s')", v->type, v->offset,
				v->size, btf_kind_str(btf_kind(vt)), raw_name(btf, vt->name_off));
		}
		break;
	}
	case BTF_KIND_FLOAT:
		fprintf(f, " size=%u", t->size_type);
		break;
	case BTF_KIND_DECL_TAG:
		fprintf(f, " type_id=%u component_idx=%d", t->size_type,
			((const struct btf_decl_tag *)btf_type_extra(t))->component_idx);
		break;
	default:
		break;
	}
	fputc('\n', f);
}

int btf_dump_raw(const struct btf *btf, FILE *f)
{
	for (uint32_t id = 1; id < btf_type_count(btf); id++)
		dump_raw_type(btf, id, f);
	return ferror(f) ? -ANYBPF_E_IO : 0;
}

/* ------------------------------------------------------------------------
 * C: string buffer and a string set for names
 * ---------------------------------------------------------------------- */
struct sb {
	char *p;
	size_t len, cap;
	int err;
	size_t *budget;         /* bytes the whole dump may still append */
};

static void sb_add(struct sb *s, const char *str, size_t n)
{
	if (s->err)
		return;
	if (s->budget) {
		if (*s->budget < n) {
			s->err = -ANYBPF_E_NOT_SUPPORTED;
			return;
		}
		*s->budget -= n;
	}
	if (ab_grow((void **)&s->p, &s->cap, s->len + n + 1, 1)) {
		s->err = -ANYBPF_E_NOMEM;
		return;
	}
	memcpy(s->p + s->len, str, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void sb_puts(struct sb *s, const char *str) { sb_add(s, str, strlen(str)); }

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *s, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_add(s, small, (size_t)n);
		return;
	}
	char *big = ab_malloc((size_t)n + 1);
	if (!big) {
		s->err = -ANYBPF_E_NOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(s, big, (size_t)n);
	ab_free(big);
}

static const char *sb_str(const struct sb *s) { return s->p ? s->p : ""; }

/* Open-addressing set of owned strings. */
struct strset {
	char **v;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* 1 if added, 0 if present, negative on allocation failure. */
static int strset_add(struct strset *set, const char *s)
{
	if ((set->n + 1) * 2 > set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 64;
		char **nv = ab_calloc(ncap, sizeof(char *));
		if (!nv)
			return -ANYBPF_E_NOMEM;
		for (size_t i = 0; i < set->cap; i++) {
			if (!set->v[i])
				continue;
			size_t j = hash_str(set->v[i]) & (ncap - 1);
			while (nv[j])
				j = (j + 1) & (ncap - 1);
			nv[j] = set->v[i];
		}
		ab_free(set->v);
		set->v = nv;
		set->cap = ncap;
	}
	size_t j = hash_str(s) & (set->cap - 1);
	while (set->v[j]) {
		if (strcmp(set->v[j], s) == 0)
			return 0;
		j = (j + 1) & (set->cap - 1);
	}
	if (!(set->v[j] = ab_strdup(s)))
		return -ANYBPF_E_NOMEM;
	set->n++;
	return 1;
}

static void strset_free(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		ab_free(set->v[i]);
	ab_free(set->v);
}

/* ------------------------------------------------------------------------
 * C dump
 * ---------------------------------------------------------------------- */
#define DUMP_MAX_DEPTH 64
/* Bytes a C dump may build (intermediate strings included): hostile BTF
 * can make inline anonymous types expand exponentially. */
#define DUMP_MAX_BYTES (8u << 20)

struct cdump {
	const struct btf *btf;
	FILE *f;
	char **names;           /* C name per id (tags and typedefs), owned */
	uint8_t *state;         /* 0 pending, 1 in progress, 2 emitted */
	uint8_t *refd;          /* referenced by another type */
	uint8_t *ens;           /* ensure() done: bit 1 by reference, bit 2 by value */
	uint8_t *align, *natural; /* struct/union alignment cache (0: unknown) */
	uint8_t *busy;          /* types being printed by decl() (cycle guard) */
	size_t budget;
	struct strset tags, idents;
	int err;
};

#define SB(d) { .budget = &(d)->budget }

static const struct btf_type *T(const struct cdump *d, uint32_t id)
{
	return btf_type_by_id(d->btf, id);
}

static const char *nm(const struct cdump *d, uint32_t id)
{
	return d->names[id] ? d->names[id] : "__anybpf_unnamed";
}

static int is_qual(unsigned k)
{
	return k == BTF_KIND_CONST || k == BTF_KIND_VOLATILE || k == BTF_KIND_RESTRICT ||
	       k == BTF_KIND_TYPE_TAG;
}

/* Unique name in a set: name, name___2, name___3, ... (owned copy). */
static char *unique_name(struct cdump *d, struct strset *set, const char *name)
{
	struct sb s = {0};
	for (unsigned n = 1; n < 100000; n++) {
		s.len = 0;
		if (n == 1)
			sb_puts(&s, name);
		else
			sb_printf(&s, "%s___%u", name, n);
		if (s.err)
			break;
		int r = strset_add(set, s.p);
		if (r < 0)
			break;
		if (r == 1)
			return s.p;
	}
	ab_free(s.p);
	d->err = -ANYBPF_E_NOMEM;
	return NULL;
}

static void decl(struct cdump *d, struct sb *out, uint32_t id, const char *inner,
		 int indent, int depth);

static void indent_to(struct sb *out, int indent)
{
	for (int i = 0; i < indent; i++)
		sb_puts(out, "\t");
}

static int is_packed(struct cdump *d, uint32_t id, int depth);

/* Alignment of a type on BPF (64-bit), for packed detection; cached. */
static uint32_t type_align(struct cdump *d, uint32_t id, int depth)
{
	int64_t r = btf_resolve(d->btf, id);
	const struct btf_type *t = r > 0 ? T(d, (uint32_t)r) : NULL;
	if (!t || depth > DUMP_MAX_DEPTH)
		return 1;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FLOAT:
		return t->size_type >= 8 ? 8 : t->size_type ? t->size_type : 1;
	case BTF_KIND_PTR:
		return 8;
	case BTF_KIND_ARRAY:
		return type_align(d, ((const struct btf_array *)btf_type_extra(t))->type, depth + 1);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		if (!d->align[r])
			d->align[r] = is_packed(d, (uint32_t)r, depth + 1) ? 1 : d->natural[r];
		return d->align[r];
	default:
		return 1;
	}
}

/* Would C lay the struct out differently without __attribute__((packed))?
 * Also records its natural alignment (largest member alignment). */
static int is_packed(struct cdump *d, uint32_t id, int depth)
{
	const struct btf_type *t = T(d, id);
	uint32_t align = 1;
	int packed = 0;
	if (depth > DUMP_MAX_DEPTH)
		return 0;
	d->natural[id] = 1; /* provisional, against cycles */
	d->align[id] = 1;
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		struct btf_member_info m;
		btf_member_at(d->btf, id, i, &m);
		uint32_t a = type_align(d, m.type, depth + 1);
		align = a > align ? a : align;
		if (!m.bitfield_size && m.bit_offset % (a * 8))
			packed = 1;
	}
	d->natural[id] = (uint8_t)align;
	d->align[id] = 0;
	return packed || t->size_type % align;
}

/* Inline body of a struct/union/enum (anonymous or named definition). */
static void body(struct cdump *d, struct sb *out, uint32_t id, int indent, int depth)
{
	const struct btf *btf = d->btf;
	const struct btf_type *t = T(d, id);
	unsigned kind = btf_kind(t), vlen = btf_vlen(t);

	if (kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64) {
		sb_puts(out, "enum ");
		if (t->name_off)
			sb_printf(out, "%s ", nm(d, id));
		sb_puts(out, "{\n");
		for (unsigned i = 0; i < vlen && !out->err; i++) {
			uint64_t v;
			uint32_t noff;
			if (kind == BTF_KIND_ENUM) {
				const struct btf_enum *e = (const struct btf_enum *)btf_type_extra(t) + i;
				noff = e->name_off;
				v = btf_kflag(t) ? (uint64_t)(int64_t)e->val : (uint32_t)e->val;
			} else {
				const struct btf_enum64 *e = (const struct btf_enum64 *)btf_type_extra(t) + i;
				noff = e->name_off;
				v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
			}
			char *nmv = unique_name(d, &d->idents, btf_str(btf, noff));
			if (!nmv)
				return;
			indent_to(out, indent + 1);
			if (kind == BTF_KIND_ENUM && btf_kflag(t))
				sb_printf(out, "%s = %d,\n", nmv, (int32_t)v);
			else if (kind == BTF_KIND_ENUM)
				sb_printf(out, "%s = %u,\n", nmv, (uint32_t)v);
			else if (btf_kflag(t))
				sb_printf(out, "%s = %lldLL,\n", nmv, (long long)v);
			else
				sb_printf(out, "%s = %lluULL,\n", nmv, (unsigned long long)v);
			ab_free(nmv);
		}
		indent_to(out, indent);
		sb_puts(out, "}");
		return;
	}
	sb_puts(out, kind == BTF_KIND_UNION ? "union " : "struct ");
	if (t->name_off)
		sb_printf(out, "%s ", nm(d, id));
	sb_puts(out, "{\n");
	for (unsigned i = 0; i < vlen && !out->err; i++) {
		struct btf_member_info m;
		btf_member_at(btf, id, i, &m);
		uint32_t bits = m.bitfield_size;
		if (!bits) { /* old-style bitfield: an INT narrower than its size */
			int64_t r = btf_resolve(btf, m.type);
			const struct btf_type *rt = r > 0 ? T(d, (uint32_t)r) : NULL;
			if (rt && btf_kind(rt) == BTF_KIND_INT) {
				uint32_t v = *(const uint32_t *)btf_type_extra(rt);
				if (BTF_INT_BITS(v) != rt->size_type * 8)
					bits = BTF_INT_BITS(v);
			}
		}
		indent_to(out, indent + 1);
		decl(d, out, m.type, m.name, indent + 1, depth + 1);
		if (bits)
			sb_printf(out, ": %u", bits);
		sb_puts(out, ";\n");
	}
	indent_to(out, indent);
	sb_puts(out, is_packed(d, id, 0) ? "} __attribute__((packed))" : "}");
}

/* Append "<base> <declarator>" for type id around declarator `inner`. */
static void decl(struct cdump *d, struct sb *out, uint32_t id, const char *inner,
		 int indent, int depth)
{
	if (out->err || d->budget == 0) { /* stop walking once over budget */
		out->err = out->err ? out->err : -ANYBPF_E_NOT_SUPPORTED;
		return;
	}
	struct sb in = SB(d), quals = SB(d);
	uint32_t marked[DUMP_MAX_DEPTH + 2];
	int nmarked = 0;
	sb_puts(&in, inner);

	for (int steps = 0;; steps++) {
		const struct btf_type *t = T(d, id);
		if (steps > DUMP_MAX_DEPTH || depth > DUMP_MAX_DEPTH) {
			sb_puts(out, "void /* type chain too deep */");
			goto done;
		}
		if (!t) {
			sb_printf(out, "%svoid", sb_str(&quals));
			break;
		}
		/* a type inside its own declarator: only hostile BTF (C breaks
		 * cycles with struct tags, which print by name) */
		if (d->busy[id]) {
			sb_printf(out, "%svoid /* recursive type %u */", sb_str(&quals), id);
			break;
		}
		d->busy[id] = 1;
		marked[nmarked++] = id;
		unsigned kind = btf_kind(t);
		if (is_qual(kind)) {
			/* what the qualifier applies to: skip further qualifiers */
			uint32_t nid = t->size_type;
			int n = 0;
			while (T(d, nid) && is_qual(btf_kind(T(d, nid))) && n++ < DUMP_MAX_DEPTH)
				nid = T(d, nid)->size_type;
			const char *q = kind == BTF_KIND_CONST ? "const" :
				kind == BTF_KIND_VOLATILE ? "volatile" :
				kind == BTF_KIND_RESTRICT ? "restrict" : NULL;
			if (q) {
				if (T(d, nid) && btf_kind(T(d, nid)) == BTF_KIND_PTR) {
					struct sb tmp = SB(d);
					sb_printf(&tmp, "%s %s", q, sb_str(&in));
					ab_free(in.p);
					in = tmp;
				} else {
					sb_printf(&quals, "%s ", q);
				}
			}
			id = t->size_type;
			continue;
		}
		switch (kind) {
		case BTF_KIND_PTR: {
			uint32_t nid = t->size_type;
			int n = 0;
			while (T(d, nid) && is_qual(btf_kind(T(d, nid))) && n++ < DUMP_MAX_DEPTH)
				nid = T(d, nid)->size_type;
			unsigned nk = T(d, nid) ? btf_kind(T(d, nid)) : BTF_KIND_UNKN;
			struct sb tmp = SB(d);
			if (nk == BTF_KIND_ARRAY || nk == BTF_KIND_FUNC_PROTO)
				sb_printf(&tmp, "(*%s)", sb_str(&in));
			else
				sb_printf(&tmp, "*%s", sb_str(&in));
			ab_free(in.p);
			in = tmp;
			id = t->size_type;
			continue;
		}
		case BTF_KIND_ARRAY: {
			const struct btf_array *a = btf_type_extra(t);
			sb_printf(&in, "[%u]", a->nelems);
			id = a->type;
			continue;
		}
		case BTF_KIND_FUNC_PROTO: {
			const struct btf_param *p = btf_type_extra(t);
			unsigned vlen = btf_vlen(t);
			sb_puts(&in, "(");
			if (vlen == 0)
				sb_puts(&in, "void");
			for (unsigned i = 0; i < vlen && !in.err; i++, p++) {
				if (i)
					sb_puts(&in, ", ");
				if (p->type == 0)
					sb_puts(&in, "...");
				else
					decl(d, &in, p->type, btf_str(d->btf, p->name_off), indent,
					     depth + 1);
			}
			sb_puts(&in, ")");
			id = t->size_type;
			continue;
		}
		case BTF_KIND_INT: case BTF_KIND_FLOAT:
			sb_printf(out, "%s%s", sb_str(&quals), btf_str(d->btf, t->name_off));
			break;
		case BTF_KIND_TYPEDEF:
			sb_printf(out, "%s%s", sb_str(&quals), nm(d, id));
			break;
		case BTF_KIND_FWD:
			sb_printf(out, "%s%s %s", sb_str(&quals), btf_kflag(t) ? "union" : "struct",
				  nm(d, id));
			break;
		case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			sb_puts(out, sb_str(&quals));
			if (t->name_off)
				sb_printf(out, "%s %s", kind == BTF_KIND_UNION ? "union" :
					  kind == BTF_KIND_STRUCT ? "struct" : "enum", nm(d, id));
			else
				body(d, out, id, indent, depth + 1);
			break;
		default: /* FUNC, VAR, DATASEC, DECL_TAG: not a C type here */
			sb_printf(out, "%svoid /* %s */", sb_str(&quals), btf_kind_str(kind));
			break;
		}
		break;
	}
	if (in.len)
		sb_printf(out, " %s", sb_str(&in));
done:
	while (nmarked > 0)
		d->busy[marked[--nmarked]] = 0;
	if (in.err || quals.err)
		out->err = in.err ? in.err : quals.err;
	ab_free(in.p);
	ab_free(quals.p);
}

static void emit_def(struct cdump *d, uint32_t id, int depth);

/* Make sure what type id needs is emitted; `complete`: used by value. */
static void ensure(struct cdump *d, uint32_t id, int complete, int depth)
{
	const struct btf_type *t = T(d, id);
	uint8_t bit = complete ? 2 : 1;
	if (!t || depth > DUMP_MAX_DEPTH || d->err || (d->ens[id] & bit))
		return;
	d->ens[id] |= bit; /* also stops cycles */
	unsigned kind = btf_kind(t);
	switch (kind) {
	case BTF_KIND_PTR:
		ensure(d, t->size_type, 0, depth + 1);
		break;
	case BTF_KIND_ARRAY:
		ensure(d, ((const struct btf_array *)btf_type_extra(t))->type, 1, depth + 1);
		break;
	case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		ensure(d, t->size_type, complete, depth + 1);
		break;
	case BTF_KIND_TYPEDEF:
		emit_def(d, id, depth + 1);
		if (complete)
			ensure(d, t->size_type, 1, depth + 1);
		break;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		if (t->name_off) {
			if (complete)
				emit_def(d, id, depth + 1);
		} else {
			for (unsigned i = 0; i < btf_vlen(t); i++) {
				const struct btf_member *m = (const struct btf_member *)btf_type_extra(t) + i;
				ensure(d, m->type, 1, depth + 1);
			}
		}
		break;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		if (t->name_off)
			emit_def(d, id, depth + 1);
		break;
	case BTF_KIND_FUNC: case BTF_KIND_FUNC_PROTO: {
		if (kind == BTF_KIND_FUNC) {
			ensure(d, t->size_type, 0, depth + 1);
			break;
		}
		ensure(d, t->size_type, 0, depth + 1);
		const struct btf_param *p = btf_type_extra(t);
		for (unsigned i = 0; i < btf_vlen(t); i++, p++)
			ensure(d, p->type, 0, depth + 1);
		break;
	}
	default:
		break;
	}
}

/* Emit the top-level definition of a named struct/union/enum/typedef. */
static void emit_def(struct cdump *d, uint32_t id, int depth)
{
	const struct btf_type *t = T(d, id);
	if (!t || d->state[id] || depth > DUMP_MAX_DEPTH || d->err)
		return;
	d->state[id] = 1;
	unsigned kind = btf_kind(t);
	struct sb out = SB(d);
	switch (kind) {
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (unsigned i = 0; i < btf_vlen(t); i++) {
			const struct btf_member *m = (const struct btf_member *)btf_type_extra(t) + i;
			ensure(d, m->type, 1, depth + 1);
		}
		body(d, &out, id, 0, 0);
		sb_puts(&out, ";\n\n");
		break;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		body(d, &out, id, 0, 0);
		sb_puts(&out, ";\n\n");
		break;
	case BTF_KIND_TYPEDEF:
		ensure(d, t->size_type, 0, depth + 1);
		sb_puts(&out, "typedef ");
		decl(d, &out, t->size_type, nm(d, id), 0, 0);
		sb_puts(&out, ";\n\n");
		break;
	default:
		break;
	}
	if (out.err)
		d->err = out.err;
	else if (out.len)
		fputs(out.p, d->f);
	ab_free(out.p);
	d->state[id] = 2;
}

/* Mark every type another type refers to (to find top-level anonymous enums). */
static void mark_refs(struct cdump *d)
{
	for (uint32_t id = 1; id < btf_type_count(d->btf); id++) {
		const struct btf_type *t = T(d, id);
		uint32_t n = btf_type_count(d->btf);
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT: case BTF_KIND_UNION:
			for (unsigned i = 0; i < btf_vlen(t); i++) {
				uint32_t r = ((const struct btf_member *)btf_type_extra(t))[i].type;
				if (r < n) d->refd[r] = 1;
			}
			break;
		case BTF_KIND_FUNC_PROTO:
			for (unsigned i = 0; i < btf_vlen(t); i++) {
				uint32_t r = ((const struct btf_param *)btf_type_extra(t))[i].type;
				if (r < n) d->refd[r] = 1;
			}
			d->refd[t->size_type < n ? t->size_type : 0] = 1;
			break;
		case BTF_KIND_ARRAY:
			d->refd[((const struct btf_array *)btf_type_extra(t))->type] = 1;
			break;
		case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
		case BTF_KIND_VAR:
			d->refd[t->size_type] = 1;
			break;
		default:
			break;
		}
	}
}

static int assign_names(struct cdump *d)
{
	for (uint32_t id = 1; id < btf_type_count(d->btf) && !d->err; id++) {
		const struct btf_type *t = T(d, id);
		const char *name = btf_str(d->btf, t->name_off);
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			if (*name)
				d->names[id] = unique_name(d, &d->tags, name);
			break;
		case BTF_KIND_FWD:
			d->names[id] = ab_strdup(name); /* refers to the tag of that name */
			if (!d->names[id])
				d->err = -ANYBPF_E_NOMEM;
			break;
		case BTF_KIND_TYPEDEF:
			d->names[id] = unique_name(d, &d->idents, name);
			break;
		default:
			break;
		}
	}
	return d->err;
}

int btf_dump_c(const struct btf *btf, FILE *f)
{
	uint32_t n = btf_type_count(btf);
	struct cdump d = { .btf = btf, .f = f, .budget = DUMP_MAX_BYTES };

	d.names = ab_calloc(n, sizeof(char *));
	d.state = ab_calloc(n, 1);
	d.refd = ab_calloc(n, 1);
	d.ens = ab_calloc(n, 1);
	d.align = ab_calloc(n, 1);
	d.natural = ab_calloc(n, 1);
	d.busy = ab_calloc(n, 1);
	if (!d.names || !d.state || !d.refd || !d.ens || !d.align || !d.natural || !d.busy) {
		d.err = -ANYBPF_E_NOMEM;
		goto out;
	}
	mark_refs(&d);
	if (assign_names(&d))
		goto out;

	fputs("/* BTF as C, generated by anybpf (show btf format=c) */\n"
	      "#ifndef __ANYBPF_BTF_H__\n#define __ANYBPF_BTF_H__\n\n", f);
	/* forward declarations: every struct/union tag, once */
	struct strset fwd = {0};
	for (uint32_t id = 1; id < n && !d.err; id++) {
		const struct btf_type *t = T(&d, id);
		unsigned k = btf_kind(t);
		int is_union = k == BTF_KIND_UNION || (k == BTF_KIND_FWD && btf_kflag(t));
		if (!d.names[id] || !(k == BTF_KIND_STRUCT || k == BTF_KIND_UNION || k == BTF_KIND_FWD))
			continue;
		struct sb s = SB(&d);
		sb_printf(&s, "%s %s;\n", is_union ? "union" : "struct", d.names[id]);
		int r = s.err ? s.err : strset_add(&fwd, s.p);
		if (r < 0)
			d.err = r;
		else if (r == 1)
			fputs(s.p, f);
		ab_free(s.p);
	}
	strset_free(&fwd);
	fputs("\n", f);

	for (uint32_t id = 1; id < n && !d.err; id++) {
		const struct btf_type *t = T(&d, id);
		unsigned k = btf_kind(t);
		if (d.names[id] && k != BTF_KIND_FWD) {
			emit_def(&d, id, 0);
		} else if ((k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64) && !d.refd[id]) {
			struct sb s = SB(&d);
			body(&d, &s, id, 0, 0);
			sb_puts(&s, ";\n\n");
			if (s.err)
				d.err = s.err;
			else
				fputs(s.p, f);
			ab_free(s.p);
		}
	}

	/* functions and variables, for reference */
	for (uint32_t id = 1; id < n && !d.err; id++) {
		const struct btf_type *t = T(&d, id);
		unsigned k = btf_kind(t);
		if (k != BTF_KIND_FUNC && k != BTF_KIND_VAR)
			continue;
		struct sb s = SB(&d);
		const char *vname = btf_str(btf, t->name_off);
		unsigned linkage = k == BTF_KIND_FUNC ? btf_vlen(t) :
			((const struct btf_var *)btf_type_extra(t))->linkage;
		sb_printf(&s, "/* %s %s: ", k == BTF_KIND_FUNC ? "func" : "var", linkage_str(linkage));
		ensure(&d, t->size_type, k == BTF_KIND_VAR, 0);
		decl(&d, &s, t->size_type, vname, 0, 0);
		sb_puts(&s, "; */\n");
		if (s.err)
			d.err = s.err;
		else if (!strstr(s.p + 2, "*/") || strstr(s.p + 2, "*/") == s.p + s.len - 3)
			fputs(s.p, f); /* skip names that would end the comment */
		ab_free(s.p);
	}
	fputs("\n#endif /* __ANYBPF_BTF_H__ */\n", f);
out:
	if (d.names)
		for (uint32_t i = 0; i < n; i++)
			ab_free(d.names[i]);
	ab_free(d.names);
	ab_free(d.state);
	ab_free(d.refd);
	ab_free(d.ens);
	ab_free(d.align);
	ab_free(d.natural);
	ab_free(d.busy);
	strset_free(&d.tags);
	strset_free(&d.idents);
	if (d.err)
		return d.err;
	return ferror(f) ? -ANYBPF_E_IO : 0;
}
