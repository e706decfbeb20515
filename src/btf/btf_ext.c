/* btf_ext.c - the .BTF.ext parser: func_info, line_info and CO-RE
 * relocation records, grouped by ELF section name.
 *
 * Layout (kernel/libbpf "btf_ext_header"): magic 0xeb9f, version 1, flags
 * 0, hdr_len, then (offset, length) pairs relative to the end of the header
 * for func_info, line_info and (when hdr_len >= 32) core_relo.  Each
 * sub-section is `u32 rec_size` followed by blocks { u32 sec_name_off;
 * u32 num_info; rec_size * num_info bytes }.  Records may be larger than the
 * struct we know (newer producers append fields): we honour rec_size and
 * read only the prefix we understand.  Instruction offsets are in bytes.
 * Strings (section, file, source line, access string) live in .BTF's
 * string section, type ids in .BTF: both are checked here, once.
 */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "btf/btf_internal.h"

struct ext_sec {
	struct btf_ext_sec pub;
	struct btf_func *funcs; size_t fcap;
	struct btf_line *lines; size_t lcap;
	struct btf_core_reloc *relocs; size_t rcap;
};

struct btf_ext {
	const struct btf *btf;
	struct ext_sec *secs;
	size_t nsecs, cap;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

enum { SUB_FUNC, SUB_LINE, SUB_CORE };
static const char *const sub_names[] = { "func_info", "line_info", "core_relo" };
static const uint32_t sub_min_rec[] = { 8, 16, 16 };

static const char *const core_kinds[] = {
	"byte_off", "byte_sz", "field_exists", "signed", "lshift_u64", "rshift_u64",
	"local_type_id", "target_type_id", "type_exists", "type_size",
	"enumval_exists", "enumval_value", "type_matches",
};

const char *btf_core_kind_str(uint32_t kind)
{
	return kind < ARRAY_SIZE(core_kinds) ? core_kinds[kind] : "unknown";
}

static struct ext_sec *get_sec(struct btf_ext *ext, const char *name)
{
	for (size_t i = 0; i < ext->nsecs; i++)
		if (strcmp(ext->secs[i].pub.name, name) == 0)
			return &ext->secs[i];
	if (ab_grow((void **)&ext->secs, &ext->cap, ext->nsecs + 1, sizeof(*ext->secs)))
		return NULL;
	struct ext_sec *s = &ext->secs[ext->nsecs++];
	memset(s, 0, sizeof(*s));
	s->pub.name = name;
	return s;
}

#define XERR(fmt, ...) ab_err(log, -ANYBPF_E_BTF_EXT, -1, "BTF.ext: " fmt, ##__VA_ARGS__)

/* One record of sub-section `sub`, for section `s`. */
static int parse_rec(struct btf_ext *ext, int sub, struct ext_sec *s, uint32_t idx,
		     const uint8_t *r, struct anybpf_log *log)
{
	const struct btf *btf = ext->btf;
	const char *sn = s->pub.name, *what = sub_names[sub];
	uint32_t insn_off = rd32(r);

	if (insn_off % 8)
		return XERR("%s section '%s' record %u: insn_off %u is not a multiple of 8",
			    what, sn, idx, insn_off);
	switch (sub) {
	case SUB_FUNC: {
		uint32_t tid = rd32(r + 4);
		const struct btf_type *t = btf_type_by_id(btf, tid);
		if (!t)
			return XERR("func_info section '%s' record %u: type id %u out of range (max %u)",
				    sn, idx, tid, btf_type_count(btf) - 1);
		if (btf_kind(t) != BTF_KIND_FUNC)
			return XERR("func_info section '%s' record %u: type id %u is %s, not FUNC",
				    sn, idx, tid, btf_kind_str(btf_kind(t)));
		if (ab_grow((void **)&s->funcs, &s->fcap, s->pub.nfuncs + 1, sizeof(*s->funcs)))
			return -ANYBPF_E_NOMEM;
		s->funcs[s->pub.nfuncs++] = (struct btf_func){
			.insn = insn_off / 8, .type_id = tid, .name = btf_str(btf, t->name_off) };
		s->pub.funcs = s->funcs;
		return 0;
	}
	case SUB_LINE: {
		uint32_t file = rd32(r + 4), line = rd32(r + 8), lc = rd32(r + 12);
		if (!btf_str_valid(btf, file))
			return XERR("line_info section '%s' record %u: file name offset %u out of range",
				    sn, idx, file);
		if (!btf_str_valid(btf, line))
			return XERR("line_info section '%s' record %u: line text offset %u out of range",
				    sn, idx, line);
		if (ab_grow((void **)&s->lines, &s->lcap, s->pub.nlines + 1, sizeof(*s->lines)))
			return -ANYBPF_E_NOMEM;
		s->lines[s->pub.nlines++] = (struct btf_line){
			.insn = insn_off / 8, .file = btf_str(btf, file), .text = btf_str(btf, line),
			.line = lc >> 10, .col = lc & 0x3ff };
		s->pub.lines = s->lines;
		return 0;
	}
	default: {
		uint32_t tid = rd32(r + 4), acc = rd32(r + 8), kind = rd32(r + 12);
		if (tid == 0 || tid >= btf_type_count(btf))
			return XERR("core_relo section '%s' record %u: type id %u out of range (1..%u)",
				    sn, idx, tid, btf_type_count(btf) - 1);
		if (!btf_str_valid(btf, acc) || btf_str(btf, acc)[0] == '\0')
			return XERR("core_relo section '%s' record %u: access string offset %u invalid",
				    sn, idx, acc);
		if (kind >= ARRAY_SIZE(core_kinds))
			return XERR("core_relo section '%s' record %u: unknown kind %u",
				    sn, idx, kind);
		if (ab_grow((void **)&s->relocs, &s->rcap, s->pub.nrelocs + 1, sizeof(*s->relocs)))
			return -ANYBPF_E_NOMEM;
		s->relocs[s->pub.nrelocs++] = (struct btf_core_reloc){
			.insn = insn_off / 8, .type_id = tid, .access = btf_str(btf, acc), .kind = kind };
		s->pub.relocs = s->relocs;
		return 0;
	}
	}
}

static int parse_sub(struct btf_ext *ext, int sub, const uint8_t *body, size_t body_len,
		     uint32_t off, uint32_t len, struct anybpf_log *log)
{
	const char *what = sub_names[sub];

	if (len == 0)
		return 0;
	if ((uint64_t)off + len > body_len)
		return XERR("%s [%u, +%u) past the end of the data (%zu bytes)", what, off, len, body_len);
	if (off % 4)
		return XERR("%s offset %u is not 4-byte aligned", what, off);
	if (len < 4)
		return XERR("%s length %u too small for rec_size", what, len);
	const uint8_t *p = body + off, *end = p + len;
	uint32_t rec_size = rd32(p);
	if (rec_size < sub_min_rec[sub] || rec_size % 4)
		return XERR("%s rec_size %u invalid (need a multiple of 4, at least %u)",
			    what, rec_size, sub_min_rec[sub]);
	p += 4;
	while (p < end) {
		uint32_t at = (uint32_t)(p - body);
		if ((size_t)(end - p) < 8)
			return XERR("%s section header truncated at offset %u (%zu bytes left)",
				    what, at, (size_t)(end - p));
		uint32_t name_off = rd32(p), num = rd32(p + 4);
		if (!btf_str_valid(ext->btf, name_off) || btf_str(ext->btf, name_off)[0] == '\0')
			return XERR("%s section name offset %u invalid (at offset %u)", what, name_off, at);
		const char *sn = btf_str(ext->btf, name_off);
		if (num == 0)
			return XERR("%s section '%s' has no records", what, sn);
		p += 8;
		if ((uint64_t)num * rec_size > (uint64_t)(end - p))
			return XERR("%s section '%s': %u records of %u bytes overrun the sub-section (%zu bytes left)",
				    what, sn, num, rec_size, (size_t)(end - p));
		struct ext_sec *s = get_sec(ext, sn);
		if (!s)
			return ab_err(log, -ANYBPF_E_NOMEM, -1, "BTF.ext: out of memory");
		for (uint32_t i = 0; i < num; i++, p += rec_size) {
			int err = parse_rec(ext, sub, s, i, p, log);
			if (err == -ANYBPF_E_NOMEM)
				return ab_err(log, err, -1, "BTF.ext: out of memory");
			if (err)
				return err;
		}
	}
	return 0;
}

static int cmp_func(const void *a, const void *b)
{
	const struct btf_func *x = a, *y = b;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

/* Stable sort by instruction: clang emits sorted records, so check first. */
static void sort_sec(struct ext_sec *s)
{
	size_t i;
	for (i = 1; i < s->pub.nlines && s->lines[i - 1].insn <= s->lines[i].insn; i++)
		;
	if (i < s->pub.nlines) {
		/* insertion sort keeps equal keys in file order (stable) */
		for (size_t j = 1; j < s->pub.nlines; j++) {
			struct btf_line v = s->lines[j];
			size_t k = j;
			while (k > 0 && s->lines[k - 1].insn > v.insn) {
				s->lines[k] = s->lines[k - 1];
				k--;
			}
			s->lines[k] = v;
		}
	}
	for (i = 1; i < s->pub.nfuncs && s->funcs[i - 1].insn <= s->funcs[i].insn; i++)
		;
	if (i < s->pub.nfuncs)
		qsort(s->funcs, s->pub.nfuncs, sizeof(*s->funcs), cmp_func);
}

int btf_ext_new(const void *data, size_t size, const struct btf *btf,
		struct btf_ext **out, struct anybpf_log *log)
{
	const uint8_t *d = data;

	*out = NULL;
	if (!btf)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "BTF.ext: no .BTF to refer to");
	if (!d && size)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "BTF.ext: NULL data");
	if (size < 8)
		return XERR("header truncated (%zu bytes, need at least 24)", size);
	uint16_t magic = (uint16_t)(d[0] | d[1] << 8);
	if (magic == 0x9feb)
		return ab_err(log, -ANYBPF_E_NOT_SUPPORTED, -1,
			      "BTF.ext: big-endian BTF.ext (magic 0x%04x) is not supported", magic);
	if (magic != BTF_MAGIC)
		return XERR("bad magic 0x%04x (expected 0x%04x)", magic, BTF_MAGIC);
	if (d[2] != 1)
		return XERR("unsupported version %u (expected 1)", d[2]);
	if (d[3] != 0)
		return XERR("unsupported flags 0x%x (expected 0)", d[3]);
	uint32_t hdr_len = rd32(d + 4);
	if (hdr_len < 24)
		return XERR("header length %u too small (need 24)", hdr_len);
	if (hdr_len > size)
		return XERR("header length %u past the end of the section (%zu bytes)", hdr_len, size);
	if (size > UINT32_MAX)
		return XERR("section too large (%zu bytes)", size);

	struct btf_ext *ext = ab_calloc(1, sizeof(*ext));
	if (!ext)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "BTF.ext: out of memory");
	ext->btf = btf;
	const uint8_t *body = d + hdr_len;
	size_t body_len = size - hdr_len;
	int err = parse_sub(ext, SUB_FUNC, body, body_len, rd32(d + 8), rd32(d + 12), log);
	if (!err)
		err = parse_sub(ext, SUB_LINE, body, body_len, rd32(d + 16), rd32(d + 20), log);
	if (!err && hdr_len >= 32)
		err = parse_sub(ext, SUB_CORE, body, body_len, rd32(d + 24), rd32(d + 28), log);
	if (err) {
		btf_ext_free(ext);
		return err;
	}
	for (size_t i = 0; i < ext->nsecs; i++)
		sort_sec(&ext->secs[i]);
	*out = ext;
	return 0;
}

void btf_ext_free(struct btf_ext *ext)
{
	if (!ext)
		return;
	for (size_t i = 0; i < ext->nsecs; i++) {
		ab_free(ext->secs[i].funcs);
		ab_free(ext->secs[i].lines);
		ab_free(ext->secs[i].relocs);
	}
	ab_free(ext->secs);
	ab_free(ext);
}

size_t btf_ext_sec_count(const struct btf_ext *ext) { return ext ? ext->nsecs : 0; }

const struct btf_ext_sec *btf_ext_sec_at(const struct btf_ext *ext, size_t i)
{
	return ext && i < ext->nsecs ? &ext->secs[i].pub : NULL;
}

const struct btf_ext_sec *btf_ext_find_sec(const struct btf_ext *ext, const char *secname)
{
	for (size_t i = 0; ext && secname && i < ext->nsecs; i++)
		if (strcmp(ext->secs[i].pub.name, secname) == 0)
			return &ext->secs[i].pub;
	return NULL;
}

int btf_ext_check_sec(const struct btf_ext *ext, const char *secname, size_t ninsns,
		      struct anybpf_log *log)
{
	const struct btf_ext_sec *s = btf_ext_find_sec(ext, secname);
	if (!s)
		return 0;
	for (size_t i = 0; i < s->nfuncs; i++)
		if (s->funcs[i].insn >= ninsns)
			return XERR("func_info section '%s': '%s' at instruction %u beyond the section (%zu instructions)",
				    secname, s->funcs[i].name, s->funcs[i].insn, ninsns);
	for (size_t i = 0; i < s->nlines; i++)
		if (s->lines[i].insn >= ninsns)
			return XERR("line_info section '%s': line %u at instruction %u beyond the section (%zu instructions)",
				    secname, s->lines[i].line, s->lines[i].insn, ninsns);
	for (size_t i = 0; i < s->nrelocs; i++)
		if (s->relocs[i].insn >= ninsns)
			return XERR("core_relo section '%s': record at instruction %u beyond the section (%zu instructions)",
				    secname, s->relocs[i].insn, ninsns);
	return 0;
}

/* Index of the first line with insn > x (lines are sorted). */
static size_t upper(const struct btf_ext_sec *s, uint32_t x)
{
	size_t lo = 0, hi = s->nlines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->lines[mid].insn <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct btf_line *btf_ext_line_for(const struct btf_ext_sec *sec, uint32_t insn)
{
	if (!sec || !sec->nlines)
		return NULL;
	size_t u = upper(sec, insn);
	return u ? &sec->lines[u - 1] : NULL;
}

const struct btf_line *btf_ext_line_at(const struct btf_ext_sec *sec, uint32_t insn)
{
	const struct btf_line *l = btf_ext_line_for(sec, insn);
	/* several entries may start at one instruction: the last one wins,
	 * as in btf_ext_line_for() */
	return l && l->insn == insn ? l : NULL;
}

const struct btf_func *btf_ext_func_at(const struct btf_ext_sec *sec, uint32_t insn)
{
	size_t lo = 0, hi = sec ? sec->nfuncs : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sec->funcs[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return sec && lo < sec->nfuncs && sec->funcs[lo].insn == insn ? &sec->funcs[lo] : NULL;
}
