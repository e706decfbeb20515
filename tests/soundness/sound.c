/* sound.c - the soundness harness (see sound.h): strict checking-mode runs
 * of verified programs on random inputs, and the mutation operators. */
#include <stdlib.h>
#include <string.h>

#include "sound.h"

#include "helpers/linux_helpers.h"
#include "hooks/ctx.h"
#include "hooks/hooks.h"

#define SD_PKT_MAX 2048u
#define SD_CTX_MAX 2048u
#define SD_MAX_REGIONS 128u

/* ---- opening a sample program -------------------------------------------- */

int sd_open(struct sd_prog *p, const char *path, const char *section, const char *func,
	    const char *type, char *why, size_t whylen)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s:%s/%s", path, section, func ? func : "-");
	char lb[512];
	struct anybpf_log log = { .buf = lb, .size = sizeof(lb) };
	int err = anybpf_object_open_file(path, NULL, &p->obj, &log);
	if (err) {
		snprintf(why, whylen, "cannot open: %s", lb);
		return err;
	}
	p->prog = anybpf_object_find_prog(p->obj, section, func && strcmp(func, "-") ? func : NULL);
	if (!p->prog) {
		snprintf(why, whylen, "no program %s in section %s", func ? func : "-", section);
		return SD_SKIP;
	}
	p->hook = hook_find(type);
	if (!p->hook) {
		snprintf(why, whylen, "program type %s has no descriptor", type);
		return SD_SKIP;
	}
	struct anybpf_runtime_opts ro = { .sz = sizeof(ro), .prog_type = type };
	log.len = 0;
	err = anybpf_runtime_new(p->obj, &ro, &p->rt, &log);
	if (err) {
		snprintf(why, whylen, "maps: %s", lb);
		return SD_SKIP;
	}
	p->nmaps = anybpf_runtime_map_count(p->rt);
	p->descs = calloc(p->nmaps + 1, sizeof(*p->descs));
	p->maps = calloc(p->nmaps + 1, sizeof(*p->maps));
	if (!p->descs || !p->maps)
		return -ANYBPF_E_NOMEM;
	for (size_t i = 0; i < p->nmaps; i++) {
		const anybpf_map *m = anybpf_object_map(p->obj, i);
		p->maps[i] = anybpf_runtime_map(p->rt, i);
		p->descs[i].type = anybpf_rtmap_type(p->maps[i]);
		p->descs[i].key_size = anybpf_map_key_size(m);
		p->descs[i].value_size = anybpf_map_value_size(m);
		p->descs[i].max_entries = anybpf_map_max_entries(m);
		p->descs[i].name = anybpf_map_name(m);
		p->descs[i].inner = anybpf_map_inner(m) >= 0 ? (uint32_t)anybpf_map_inner(m) + 1 : 0;
	}
	p->insns = anybpf_prog_insns(p->prog, &p->n);
	return 0;
}

void sd_close(struct sd_prog *p)
{
	if (!p)
		return;
	anybpf_runtime_free(p->rt);
	anybpf_object_close(p->obj);
	free(p->descs);
	free(p->maps);
	memset(p, 0, sizeof(*p));
}

int sd_verify(const struct sd_prog *p, const struct anybpf_insn *insns, size_t n,
	      struct anybpf_verify_result **res)
{
	struct anybpf_verify_opts vo = { .sz = sizeof(vo), .prog_type = p->hook->name,
					 .maps = p->descs, .nmaps = p->nmaps, .max_errors = 1,
					 .budget = p->verify_budget };
	return anybpf_verify(insns, n, &vo, res);
}

/* ---- loading ------------------------------------------------------------- */

struct sd_exec {
	struct sd_prog *p;
	anybpf_vm *vm;
	struct anybpf_helper_env env;
	anybpf_helper_fn lookup;          /* the real map_lookup_elem */
	uint64_t budget;                  /* the verifier's bound */
	struct anybpf_region ctxreg[SD_MAX_REGIONS]; /* offsets from the context start */
	size_t nctxreg;
	struct anybpf_region greg[16];    /* global data the code addresses */
	size_t ngreg;
	uint64_t clock;
	struct anybpf_insn *code;         /* the instructions as verified */
	size_t n;
	uint8_t ptrbyte[SD_CTX_MAX];      /* 1: a packet pointer field's byte (PTRS
					   * contexts: ctx_in must leave it 0) */
};

/* One run: the helpers' run state first (anybpf_run_user gives it). */
struct sd_run {
	struct anybpf_helper_run hr;
	struct sd_exec *e;
	uint64_t rng;
	unsigned insert_pct;              /* map lookups that miss insert first */
};

static int resolve_lddw(void *user, unsigned src, int32_t imm, int32_t imm2, uint64_t *value)
{
	struct sd_exec *e = user;
	struct sd_prog *p = e->p;
	int64_t idx = src == 1 || src == 2 ? (int64_t)imm - ANYBPF_MAP_FD_BASE : imm;
	if ((src != 1 && src != 2 && src != 5 && src != 6) || idx < 0 || (size_t)idx >= p->nmaps)
		return -ANYBPF_E_PSEUDO;
	anybpf_rtmap *m = p->maps[idx];
	if (src == 1 || src == 5) {
		*value = (uint64_t)(uintptr_t)m;
		return 0;
	}
	uint32_t key = 0;
	uint8_t *v = anybpf_rtmap_lookup_elem_prog(m, &key, 0);
	if (!v || imm2 < 0 || (uint32_t)imm2 >= anybpf_rtmap_value_size(m))
		return -ANYBPF_E_PSEUDO;
	size_t i;
	for (i = 0; i < e->ngreg && e->greg[i].base != v; i++)
		;
	if (i == e->ngreg) {
		if (e->ngreg == sizeof(e->greg) / sizeof(e->greg[0]))
			return -ANYBPF_E_NOMEM;
		e->greg[e->ngreg++] = (struct anybpf_region){
			v, anybpf_rtmap_value_size(m),
			anybpf_rtmap_flags(m) & ANYBPF_F_RDONLY_PROG ? ANYBPF_REGION_R : ANYBPF_REGION_RW,
			anybpf_rtmap_name(m) };
	}
	*value = (uint64_t)(uintptr_t)(v + imm2);
	return 0;
}

static uint64_t sd_clock(void *user, enum anybpf_clock which)
{
	struct sd_exec *e = user;
	(void)which;
	return e->clock += 1000;
}

static int hash_like(uint32_t t)
{
	return t == ANYBPF_MAP_TYPE_HASH || t == ANYBPF_MAP_TYPE_PERCPU_HASH ||
	       t == ANYBPF_MAP_TYPE_LRU_HASH || t == ANYBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static void rand_bytes(uint64_t *r, uint8_t *b, size_t n)
{
	unsigned style = (unsigned)sd_below(r, 8);
	for (size_t i = 0; i < n; i++)
		b[i] = style == 0 ? 0 : style == 1 ? 0xff : (uint8_t)sd_rand(r);
	if (style == 2 && n >= 4) {              /* a small number */
		memset(b, 0, n);
		b[0] = (uint8_t)sd_below(r, 16);
	}
}

/* map_lookup_elem that, on a miss in a hash map, first inserts a random
 * value under the key asked for (some runs), so programs go past their
 * lookups; then the real helper. */
static uint64_t sd_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  anybpf_run *run)
{
	struct sd_run *s = anybpf_run_user(run);
	anybpf_rtmap *m = (anybpf_rtmap *)(uintptr_t)r1;
	if (s && s->insert_pct && sd_below(&s->rng, 100) < s->insert_pct) {
		for (size_t i = 0; i < s->e->p->nmaps; i++) {
			if (s->e->p->maps[i] != m || !hash_like(anybpf_rtmap_type(m)))
				continue;
			uint32_t ks = anybpf_rtmap_key_size(m);
			if (lh_accessible(run, r2, 0) < ks)
				break;
			uint8_t val[4096];
			size_t vs = anybpf_rtmap_value_buf_size(m);
			if (vs <= sizeof(val)) {
				rand_bytes(&s->rng, val, vs);
				anybpf_rtmap_update(m, (const void *)(uintptr_t)r2, val, ANYBPF_NOEXIST);
			}
			break;
		}
	}
	return s->e->lookup(r1, r2, r3, r4, r5, run);
}

/* The context's accessible bytes as regions: one per field of the type
 * (its rights from hooks.def), or the readable runs of an opaque context. */
static void ctx_regions(struct sd_exec *e, const struct hook *h)
{
	char why[128];
	const struct ctx_field *last = NULL;
	int64_t run_lo = -1;
	for (int64_t off = 0; off <= (int64_t)h->ctx_size && e->nctxreg < SD_MAX_REGIONS - 1; off++) {
		const struct ctx_field *f = NULL;
		int rd = off < (int64_t)h->ctx_size &&
			 hook_ctx_access(h, off, 1, 0, &f, why, sizeof(why)) == 0;
		if (f && off < (int64_t)SD_CTX_MAX)
			e->ptrbyte[off] = f->kind == CTXK_PKT || f->kind == CTXK_PKT_END ||
					  f->kind == CTXK_PKT_META;
		if (off < (int64_t)h->ctx_size && f && f != last) {
			last = f;
			e->ctxreg[e->nctxreg++] = (struct anybpf_region){
				(void *)(uintptr_t)f->off, f->size,
				f->access == CTXA_RW ? ANYBPF_REGION_RW : ANYBPF_REGION_R, f->name };
			continue;
		}
		if (f)
			continue;
		/* opaque contexts: runs of readable bytes */
		if (rd && run_lo < 0)
			run_lo = off;
		if (!rd && run_lo >= 0) {
			e->ctxreg[e->nctxreg++] = (struct anybpf_region){
				(void *)(uintptr_t)run_lo, (size_t)(off - run_lo), ANYBPF_REGION_R, "ctx" };
			run_lo = -1;
		}
	}
	if (ctx_class_of(h) != CTXC_RAW)  /* the real packet pointers: read only */
		e->ctxreg[e->nctxreg++] = (struct anybpf_region){
			(void *)(uintptr_t)ctx_ptrs_off(h), sizeof(struct anybpf_helper_pkt),
			ANYBPF_REGION_R, "ctx packet pointers" };
}

int sd_load(struct sd_prog *p, const struct anybpf_insn *insns, size_t n,
	    const struct anybpf_verify_result *res, struct sd_exec **out, uint32_t *helper,
	    char *why, size_t whylen)
{
	*out = NULL;
	*helper = 0;
	for (size_t pc = 0; pc < n; pc++)
		if (insns[pc].code == 0x85 && insns[pc].src == 0 &&
		    !anybpf_helper_linux_implemented((uint32_t)insns[pc].imm)) {
			*helper = (uint32_t)insns[pc].imm;
			snprintf(why, whylen, "helper %u not implemented", *helper);
			return SD_SKIP;
		}
	struct sd_exec *e = calloc(1, sizeof(*e));
	struct anybpf_insn *code = malloc((n ? n : 1) * sizeof(*code));
	if (!e || !code) {
		free(e);
		free(code);
		return -ANYBPF_E_NOMEM;
	}
	e->p = p;
	e->budget = res->max_path;
	memcpy(code, insns, n * sizeof(*code));
	if (!(e->code = malloc((n ? n : 1) * sizeof(*code)))) {
		free(code);
		free(e);
		return -ANYBPF_E_NOMEM;
	}
	memcpy(e->code, insns, n * sizeof(*code));
	e->n = n;
	char lb[512] = "";
	struct anybpf_log log = { .buf = lb, .size = sizeof(lb) };
	int err = ctx_rewrite(p->hook, code, n, res->nctx_off == n ? res->ctx_off : NULL, &log);
	if (err) {
		snprintf(why, whylen, "context rewrite refuses it: %s", lb);
		free(code);
		free(e->code);
		free(e);
		return SD_SKIP;
	}
	ctx_regions(e, p->hook);
	e->env = (struct anybpf_helper_env){
		.sz = sizeof(e->env), .prog_type = p->hook->name, .maps = p->maps, .nmaps = p->nmaps,
		.clock = sd_clock, .clock_user = e, .prandom_seed = 42,
	};
	struct anybpf_vm_opts o = { .sz = sizeof(o), .resolve_lddw = resolve_lddw, .resolve_user = e };
	struct anybpf_helper_proto lp = { sizeof(lp), "map_lookup_elem",
					  { ANYBPF_ARG_ANY, ANYBPF_ARG_ANY } };
	e->lookup = anybpf_helper_linux_fn(1);
	if (!(e->vm = anybpf_vm_new(&o)))
		err = -ANYBPF_E_NOMEM;
	if (!err)
		err = anybpf_helpers_register_linux(e->vm, &e->env);
	if (!err)
		err = anybpf_vm_register_helper(e->vm, 1, sd_lookup, &lp);
	if (!err)
		err = anybpf_vm_load(e->vm, code, n, &log);
	free(code);
	if (err) {
		snprintf(why, whylen, "load: %s", lb);
		sd_exec_free(e);
		return err;
	}
	*out = e;
	return 0;
}

void sd_set_budget(struct sd_exec *e, uint64_t budget)
{
	e->budget = budget;
}

void sd_exec_free(struct sd_exec *e)
{
	if (!e)
		return;
	anybpf_vm_free(e->vm);
	free(e->code);
	free(e);
}

/* ---- random inputs ----------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static uint16_t rand_port(uint64_t *r)
{
	static const uint16_t common[] = { 53, 80, 443, 22, 4789, 6081, 67, 68, 8080, 123, 0, 65535, 9 };
	return sd_below(r, 2) ? common[sd_below(r, sizeof(common) / sizeof(common[0]))]
			      : (uint16_t)sd_rand(r);
}

static size_t payload(uint64_t *r, uint8_t *p, size_t cap)
{
	size_t len = sd_below(r, 4) == 0 ? 0 : sd_below(r, 8) == 0 ? sd_below(r, 1400) : sd_below(r, 64);
	if (len > cap)
		len = cap;
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)sd_rand(r);
	return len;
}

static size_t gen_frame(uint64_t *r, uint8_t *p, size_t cap, int depth);
static size_t gen_ip4(uint64_t *r, uint8_t *p, size_t cap, int depth);
static size_t gen_ip6(uint64_t *r, uint8_t *p, size_t cap, int depth);

/* transport (or tunnel) header of protocol proto, and what follows */
static size_t gen_l4(uint64_t *r, uint8_t *p, size_t cap, unsigned proto, int depth)
{
	if (cap < 64)
		return 0;
	size_t at = 0;
	switch (proto) {
	case 6: { /* TCP */
		unsigned doff = sd_below(r, 4) == 0 ? 5 + (unsigned)sd_below(r, 11) : 5;
		put16(p, rand_port(r));
		put16(p + 2, rand_port(r));
		for (int i = 4; i < 12; i++)
			p[i] = (uint8_t)sd_rand(r);
		p[12] = (uint8_t)(doff << 4 | (sd_below(r, 8) == 0 ? sd_rand(r) & 15 : 0));
		p[13] = (uint8_t)sd_rand(r);
		for (int i = 14; i < 20; i++)
			p[i] = (uint8_t)sd_rand(r);
		for (unsigned i = 20; i < doff * 4; i++)
			p[i] = (uint8_t)(sd_below(r, 2) ? sd_below(r, 9) : sd_rand(r));
		at = doff * 4;
		break;
	}
	case 17: { /* UDP, maybe VXLAN with an inner frame */
		uint16_t dport = rand_port(r);
		put16(p, rand_port(r));
		put16(p + 2, dport);
		p[6] = (uint8_t)sd_rand(r);
		p[7] = (uint8_t)sd_rand(r);
		at = 8;
		if ((dport == 4789 || dport == 6081) && depth == 0) {
			for (int i = 0; i < 8; i++)
				p[at + (size_t)i] = (uint8_t)(i == 0 ? 0x08 : sd_rand(r));
			at += 8;
			at += gen_frame(r, p + at, cap - at, depth + 1);
		}
		put16(p + 4, sd_below(r, 8) ? (uint16_t)(at + 0) : (uint16_t)sd_rand(r));
		break;
	}
	case 1: case 58: /* ICMP, ICMPv6 */
		for (int i = 0; i < 8; i++)
			p[i] = (uint8_t)(i == 0 && sd_below(r, 2) ? (proto == 1 ? 8 : 128) : sd_rand(r));
		at = 8;
		break;
	case 4: /* IPIP */
		return depth ? 0 : gen_ip4(r, p, cap, depth + 1);
	case 41: /* IPv6 in IP */
		return depth ? 0 : gen_ip6(r, p, cap, depth + 1);
	case 47: /* GRE */
		p[0] = sd_below(r, 4) ? 0 : (uint8_t)sd_rand(r);
		p[1] = 0;
		put16(p + 2, sd_below(r, 2) ? 0x0800 : 0x6558);
		at = 4;
		if (!depth)
			at += p[2] == 0x08 ? gen_ip4(r, p + at, cap - at, 1) : gen_frame(r, p + at, cap - at, 1);
		return at;
	default:
		break;
	}
	return at + payload(r, p + at, cap - at - 16);
}

static unsigned rand_proto(uint64_t *r, int v6)
{
	unsigned x = (unsigned)sd_below(r, 16);
	return x < 6 ? 6 : x < 11 ? 17 : x == 11 ? (v6 ? 58 : 1) : x == 12 ? 4 : x == 13 ? 47
	       : x == 14 ? 41 : (unsigned)(uint8_t)sd_rand(r);
}

static void rand_addr(uint64_t *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)sd_rand(r);
	if (sd_below(r, 2)) { /* 10.0.0.x and friends */
		memset(p, 0, n);
		p[0] = 10;
		p[n - 1] = (uint8_t)sd_below(r, 4);
	}
}

static size_t gen_ip4(uint64_t *r, uint8_t *p, size_t cap, int depth)
{
	if (cap < 120)
		return 0;
	unsigned ihl = sd_below(r, 4) == 0 ? 5 + (unsigned)sd_below(r, 11) : 5;
	unsigned proto = rand_proto(r, 0);
	p[0] = sd_below(r, 32) ? (uint8_t)(0x40 | ihl) : (uint8_t)sd_rand(r);
	p[1] = (uint8_t)sd_rand(r);
	p[4] = (uint8_t)sd_rand(r);
	p[5] = (uint8_t)sd_rand(r);
	uint16_t frag = sd_below(r, 8) == 0 ? (uint16_t)sd_rand(r) : sd_below(r, 2) ? 0x4000 : 0;
	put16(p + 6, frag);
	p[8] = (uint8_t)sd_rand(r);
	p[9] = (uint8_t)proto;
	p[10] = (uint8_t)sd_rand(r);
	p[11] = (uint8_t)sd_rand(r);
	rand_addr(r, p + 12, 4);
	rand_addr(r, p + 16, 4);
	for (unsigned i = 20; i < ihl * 4; i++)
		p[i] = (uint8_t)sd_rand(r);
	size_t at = ihl * 4;
	at += gen_l4(r, p + at, cap - at, proto, depth);
	put16(p + 2, sd_below(r, 8) ? (uint16_t)at : (uint16_t)sd_rand(r));
	return at;
}

static size_t gen_ip6(uint64_t *r, uint8_t *p, size_t cap, int depth)
{
	if (cap < 200)
		return 0;
	p[0] = sd_below(r, 32) ? (uint8_t)(0x60 | (sd_rand(r) & 15)) : (uint8_t)sd_rand(r);
	p[1] = (uint8_t)sd_rand(r);
	p[2] = (uint8_t)sd_rand(r);
	p[3] = (uint8_t)sd_rand(r);
	p[7] = (uint8_t)sd_rand(r);
	rand_addr(r, p + 8, 16);
	rand_addr(r, p + 24, 16);
	size_t at = 40;
	uint8_t *next = p + 6;
	unsigned next_ext = sd_below(r, 4) == 0 ? 1 + (unsigned)sd_below(r, 2) : 0;
	for (unsigned k = 0; k < next_ext; k++) { /* extension headers */
		static const uint8_t ext[] = { 0, 43, 60, 44 };
		uint8_t t = ext[sd_below(r, 4)];
		*next = t;
		next = p + at;
		size_t len = t == 44 ? 8 : 8 * (1 + sd_below(r, 3));
		for (size_t i = 1; i < len; i++)
			p[at + i] = (uint8_t)sd_rand(r);
		if (t != 44)
			p[at + 1] = (uint8_t)(len / 8 - 1);
		at += len;
	}
	unsigned proto = rand_proto(r, 1);
	*next = (uint8_t)proto;
	at += gen_l4(r, p + at, cap - at, proto, depth);
	put16(p + 4, sd_below(r, 8) ? (uint16_t)(at - 40) : (uint16_t)sd_rand(r));
	return at;
}

static size_t gen_frame(uint64_t *r, uint8_t *p, size_t cap, int depth)
{
	if (cap < 300)
		return 0;
	unsigned d = (unsigned)sd_below(r, 4);
	for (int i = 0; i < 6; i++)
		p[i] = d == 0 ? 0xff : d == 1 ? 0 : (uint8_t)sd_rand(r);
	for (int i = 6; i < 12; i++)
		p[i] = (uint8_t)sd_rand(r);
	size_t at = 12;
	unsigned nvlan = sd_below(r, 8) == 0 ? 1 + (sd_below(r, 4) == 0) : 0;
	for (unsigned v = 0; v < nvlan; v++) {
		put16(p + at, v == 0 && nvlan == 2 ? 0x88a8 : 0x8100);
		put16(p + at + 2, (uint16_t)sd_rand(r));
		at += 4;
	}
	unsigned x = (unsigned)sd_below(r, 20);
	uint16_t et = x < 10 ? 0x0800 : x < 16 ? 0x86dd : x == 16 ? 0x0806 : x == 17 ? 0x8847
		      : (uint16_t)sd_rand(r);
	put16(p + at, et);
	at += 2;
	if (et == 0x0800)
		at += gen_ip4(r, p + at, cap - at, depth);
	else if (et == 0x86dd)
		at += gen_ip6(r, p + at, cap - at, depth);
	else if (et == 0x0806) {
		static const uint8_t arp[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
		memcpy(p + at, arp, 8);
		p[at + 7] = (uint8_t)(1 + sd_below(r, 2));
		for (int i = 8; i < 28; i++)
			p[at + (size_t)i] = (uint8_t)sd_rand(r);
		at += 28;
	} else
		at += payload(r, p + at, cap - at);
	return at;
}

struct sd_input {
	uint8_t data[SD_PKT_MAX];
	size_t dlen;
	uint8_t ctx[SD_CTX_MAX];
	size_t clen;
};

static void gen_input(uint64_t *r, const struct sd_exec *e, const struct hook *h,
		      struct sd_input *in)
{
	enum ctx_class cls = ctx_class_of(h);
	memset(in, 0, sizeof(*in));
	if (cls == CTXC_RAW || (cls == CTXC_PTRS && sd_below(r, 2))) {
		in->clen = sd_below(r, 4) == 0 ? sd_below(r, h->ctx_size + 1) : h->ctx_size;
		unsigned style = (unsigned)sd_below(r, 4);
		for (size_t i = 0; i + 8 <= in->clen; i += 8) {
			uint64_t v = style == 0 ? 0 : style == 1 ? ~0ull
				     : sd_below(r, 2) ? sd_rand(r) : sd_below(r, 256);
			memcpy(in->ctx + i, &v, 8);
		}
		for (size_t i = 0; i < in->clen && i < SD_CTX_MAX; i++)
			if (e->ptrbyte[i])
				in->ctx[i] = 0;
		if (cls == CTXC_RAW)
			return;
	}
	if (cls == CTXC_PTRS) { /* any packet, even an empty one */
		in->dlen = gen_frame(r, in->data, SD_PKT_MAX, 0);
		if (sd_below(r, 3) == 0)
			in->dlen = sd_below(r, in->dlen + 1);
		return;
	}
	if (sd_below(r, 8) == 0) { /* random bytes */
		in->dlen = 14 + sd_below(r, sd_below(r, 4) ? 100 : SD_PKT_MAX - 14);
		for (size_t i = 0; i < in->dlen; i++)
			in->data[i] = (uint8_t)sd_rand(r);
	} else {
		in->dlen = gen_frame(r, in->data, SD_PKT_MAX, 0);
		if (sd_below(r, 3) == 0) /* cut anywhere after the Ethernet header */
			in->dlen = 14 + sd_below(r, in->dlen - 14 + 1);
	}
	if (sd_below(r, 2))
		return; /* no ctx_in */
	if (cls == CTXC_XDP) {
		uint32_t md[6] = { 0 };
		uint32_t meta = sd_below(r, 4) == 0 ? 4 * (uint32_t)sd_below(r, 9) : 0;
		if (meta + 14 > in->dlen)
			meta = 0;
		md[0] = meta;
		md[1] = (uint32_t)in->dlen;
		md[3] = (uint32_t)sd_below(r, 2);
		memcpy(in->ctx, md, sizeof(md));
		in->clen = sizeof(md);
		return;
	}
	/* __sk_buff: the fields BPF_PROG_TEST_RUN lets ctx_in set */
	uint8_t *c = in->ctx;
	uint32_t v;
	v = (uint32_t)sd_rand(r); memcpy(c + 8, &v, 4);        /* mark */
	v = (uint32_t)sd_rand(r); memcpy(c + 32, &v, 4);       /* priority */
	v = (uint32_t)sd_below(r, 3); memcpy(c + 36, &v, 4);   /* ingress_ifindex */
	v = (uint32_t)sd_below(r, 2); memcpy(c + 40, &v, 4);   /* ifindex */
	for (int i = 48; i < 68; i++)                          /* cb[] */
		c[i] = (uint8_t)sd_rand(r);
	for (int i = 152; i < 160; i++)                        /* tstamp */
		c[i] = (uint8_t)sd_rand(r);
	v = sd_below(r, 2) ? 0 : (uint32_t)(in->dlen + sd_below(r, 1000)); /* wire_len */
	memcpy(c + 160, &v, 4);
	v = (uint32_t)sd_below(r, 65536); memcpy(c + 164, &v, 4); /* gso_segs */
	v = (uint32_t)sd_rand(r); memcpy(c + 176, &v, 4);      /* gso_size */
	for (int i = 184; i < 192; i++)                        /* hwtstamp */
		c[i] = (uint8_t)sd_rand(r);
	in->clen = 192;
}

/* Random map contents before a run: hash maps cleared sometimes and given
 * a few random entries, array slots set, queues pushed, LPM prefixes. */
static void seed_maps(uint64_t *r, struct sd_prog *p)
{
	uint8_t key[512], val[4096], next[512];
	for (size_t i = 0; i < p->nmaps; i++) {
		anybpf_rtmap *m = p->maps[i];
		uint32_t t = anybpf_rtmap_type(m), ks = anybpf_rtmap_key_size(m);
		uint32_t max = anybpf_rtmap_max_entries(m);
		size_t vs = anybpf_rtmap_value_buf_size(m);
		if (ks > sizeof(key) || vs > sizeof(val))
			continue;
		if (hash_like(t)) {
			if (sd_below(r, 4) == 0)
				while (anybpf_rtmap_get_next_key(m, NULL, next) == 0)
					if (anybpf_rtmap_delete(m, next))
						break;
			for (unsigned k = (unsigned)sd_below(r, 4); k; k--) {
				rand_bytes(r, key, ks);
				rand_bytes(r, val, vs);
				anybpf_rtmap_update(m, key, val, ANYBPF_ANY);
			}
		} else if (t == ANYBPF_MAP_TYPE_ARRAY || t == ANYBPF_MAP_TYPE_PERCPU_ARRAY) {
			for (unsigned k = (unsigned)sd_below(r, 4); k && max; k--) {
				uint32_t idx = sd_below(r, 2) ? 0 : (uint32_t)sd_below(r, max);
				rand_bytes(r, val, vs);
				anybpf_rtmap_update(m, &idx, val, ANYBPF_ANY); /* .rodata: -EPERM */
			}
		} else if (t == ANYBPF_MAP_TYPE_QUEUE || t == ANYBPF_MAP_TYPE_STACK) {
			if (sd_below(r, 2)) {
				rand_bytes(r, val, vs);
				anybpf_rtmap_push(m, val, 0);
			}
		} else if (t == ANYBPF_MAP_TYPE_LPM_TRIE && ks > 4) {
			for (unsigned k = (unsigned)sd_below(r, 3); k; k--) {
				rand_bytes(r, key, ks);
				uint32_t plen = (uint32_t)sd_below(r, (ks - 4) * 8 + 1);
				memcpy(key, &plen, 4);
				rand_bytes(r, val, vs);
				anybpf_rtmap_update(m, key, val, ANYBPF_ANY);
			}
		}
	}
}

/* ---- running ------------------------------------------------------------- */

static void hexdump(FILE *out, const char *what, const uint8_t *b, size_t n)
{
	fprintf(out, "  %s (%zu bytes):", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%02x", i % 32 ? " " : "\n    ", b[i]);
	fprintf(out, "\n");
}

static void show_code(FILE *out, const struct anybpf_insn *insns, size_t n, int64_t pc)
{
	size_t lo = pc > 6 ? (size_t)pc - 6 : 0, hi = (size_t)pc + 3 < n ? (size_t)pc + 3 : n;
	for (size_t i = lo; i < hi; i++) {
		char t[128];
		int w = anybpf_disasm_insn(insns, n, i, ANYBPF_SYNTAX_LLVM, t, sizeof(t));
		fprintf(out, "  %s%5zu: %s\n", (int64_t)i == pc ? ">" : " ", i, t);
		if (w == 2)
			i++;
	}
}

int sd_run_inputs(struct sd_prog *p, struct sd_exec *e, uint64_t seed, unsigned count,
		  const char *label, FILE *out, struct sd_stats *st)
{
	static struct sd_input in;
	const struct hook *h = p->hook;
	for (unsigned i = 0; i < count; i++) {
		uint64_t r = seed ^ (0xa0761d6478bd642full * (i + 1));
		sd_rand(&r);
		uint64_t iseed = r;
		struct ctx_run cr;
		char lb[1024] = "";
		struct anybpf_log log = { .buf = lb, .size = sizeof(lb) };
		int err = -1;
		for (int tries = 0; tries < 16 && err; tries++) {
			gen_input(&r, e, h, &in);
			log.len = 0;
			err = ctx_run_build(&cr, h, in.dlen ? in.data : NULL, in.dlen,
					    in.clen ? in.ctx : NULL, in.clen, &log);
			if (err) {
				ctx_run_free(&cr);
				st->refused++;
			}
		}
		if (err) {
			st->unbuilt++;
			continue;
		}
		seed_maps(&r, p);
		struct anybpf_region reg[SD_MAX_REGIONS + 24];
		size_t k = 0;
		for (size_t j = 0; j < e->nctxreg; j++) {
			reg[k] = e->ctxreg[j];
			reg[k++].base = cr.ctx + (uintptr_t)e->ctxreg[j].base;
		}
		struct anybpf_helper_pkt *pk = ctx_pkt(&cr);
		if (pk) {
			uint8_t *lo = pk->data_meta && pk->data_meta < pk->data ? pk->data_meta : pk->data;
			if (pk->data_end > lo)
				reg[k++] = (struct anybpf_region){ lo, (size_t)(pk->data_end - lo),
					h->flags & HOOK_PKT_W ? ANYBPF_REGION_RW : ANYBPF_REGION_R, "packet" };
		}
		for (size_t j = 0; j < e->ngreg; j++)
			reg[k++] = e->greg[j];
		struct sd_run s = { .e = e, .rng = r };
		s.insert_pct = (unsigned)(i % 3) * 50;
		anybpf_helper_run_init(&s.hr, &e->env);
		s.hr.ctx = (uint64_t)(uintptr_t)cr.ctx;
		s.hr.pkt = pk;
		size_t plen = 0;
		uint8_t *pdata = ctx_run_data(&cr, &plen);
		struct anybpf_exec_opts eo = {
			.sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED, .budget = e->budget,
			.args = { (uint64_t)(uintptr_t)cr.ctx }, .regions = reg, .nregions = k,
			.pkt = pdata, .pkt_len = plen, .user = &s,
		};
		struct anybpf_exec_result res = { 0, 0 };
		log.len = 0;
		err = anybpf_vm_exec(e->vm, &eo, &res, &log);
		if (!err && s.hr.err)
			err = s.hr.err;
		if (!err && (h->flags & HOOK_RET) &&
		    ((int64_t)res.retval < h->ret_min || (int64_t)res.retval > h->ret_max)) {
			/* the verifier proved r0 within the type's range */
			err = -ANYBPF_E_INVAL;
			log.err_pc = -1;
			snprintf(lb, sizeof(lb), "return value %lld outside the %s range [%lld, %lld]",
				 (long long)res.retval, h->name, (long long)h->ret_min,
				 (long long)h->ret_max);
		}
		if (!err) {
			uint8_t *od;
			size_t odl, ocl;
			if (ctx_run_output(&cr, &od, &odl, NULL, 0, &ocl)) {
				err = -ANYBPF_E_INVAL;
				log.err_pc = -1;
				snprintf(lb, sizeof(lb), "after the run the packet pointers are outside the packet buffer");
			}
		}
		st->runs++;
		st->insns += res.insns;
		ctx_run_free(&cr);
		if (!err)
			continue;
		st->violations++;
		st->oob += err == -ANYBPF_E_OOB;
		if (!out)
			return 1;
		fprintf(out, "FAIL %s%s%s: %s: %s\n", p->name, label && *label ? " " : "",
			label ? label : "", anybpf_errname(err), lb);
		fprintf(out, "  type %s, input %u of seed 0x%016llx (input seed 0x%016llx), verifier bound %llu\n",
			h->name, i, (unsigned long long)seed, (unsigned long long)iseed,
			(unsigned long long)e->budget);
		if (in.dlen)
			hexdump(out, "data_in", in.data, in.dlen);
		if (in.clen)
			hexdump(out, "ctx_in", in.ctx, in.clen);
		if (log.err_pc >= 0)
			show_code(out, e->code, e->n, log.err_pc);
		return 1;
	}
	return 0;
}

/* ---- mutations ----------------------------------------------------------- */

static const char *const mut_names[SD_MUT_COUNT] = {
	"drop-check", "shift-offset", "widen-size", "flip-compare", "swap-register", "change-imm",
	"alu-op", "width", "retarget", "sign-extend", "swap-operands",
};

const char *sd_mut_name(enum sd_mut_kind k)
{
	return k < SD_MUT_COUNT ? mut_names[k] : "?";
}

static int is_cond_jump(const struct anybpf_insn *x)
{
	unsigned cls = x->code & 7, op = x->code & 0xf0;
	return (cls == 5 || cls == 6) && op != 0x00 && op != 0x80 && op != 0x90 && op <= 0xd0;
}

static int is_mem(const struct anybpf_insn *x)
{
	unsigned cls = x->code & 7, mode = x->code & 0xe0;
	return (cls == 1 && (mode == 0x60 || mode == 0x80)) ||
	       ((cls == 2 || cls == 3) && (mode == 0x60 || mode == 0xc0));
}

static int eligible(const struct anybpf_insn *x, enum sd_mut_kind k)
{
	unsigned cls = x->code & 7;
	switch (k) {
	case SD_MUT_DROP_CHECK:
	case SD_MUT_FLIP_CMP:
		return is_cond_jump(x);
	case SD_MUT_SHIFT_OFF:
		return is_mem(x);
	case SD_MUT_WIDEN:
		return is_mem(x) && (x->code & 0x18) != 0x18 && (x->code & 0xe0) != 0xc0;
	case SD_MUT_SWAP_REG:
		return cls == 1 || cls == 2 || cls == 3 || cls == 4 || cls == 7 || is_cond_jump(x);
	case SD_MUT_CHANGE_IMM:
		return ((cls == 4 || cls == 7) && !(x->code & 0x08) && (x->code & 0xf0) != 0x80) ||
		       (is_cond_jump(x) && !(x->code & 0x08)) || (cls == 2 && (x->code & 0xe0) == 0x60);
	case SD_MUT_ALU_OP:
		return (cls == 4 || cls == 7) && (x->code & 0xf0) != 0x80 && (x->code & 0xf0) != 0xd0;
	case SD_MUT_WIDTH:
		return cls == 4 || cls == 7 || is_cond_jump(x);
	case SD_MUT_RETARGET:
		return x->code == 0x05 || is_cond_jump(x);
	case SD_MUT_SWAP_OPS:
		return is_cond_jump(x) && (x->code & 0x08) && x->dst != x->src;
	case SD_MUT_SIGN_EXT:
		return cls == 1 && ((x->code & 0xe0) == 0x60 || (x->code & 0xe0) == 0x80) &&
		       (x->code & 0x18) != 0x18;
	default:
		return 0;
	}
}

int sd_load_probe(struct sd_prog *p, const struct anybpf_verify_result *res, size_t pc,
		  struct sd_exec **out)
{
	*out = NULL;
	if (pc >= p->n)
		return -ANYBPF_E_INVAL;
	struct anybpf_insn *probe = malloc(p->n * sizeof(*probe));
	int32_t *ctx_off = res->ctx_off && res->nctx_off == p->n ? malloc(p->n * sizeof(*ctx_off)) : NULL;
	if (!probe || (res->ctx_off && res->nctx_off == p->n && !ctx_off)) {
		free(probe);
		free(ctx_off);
		return -ANYBPF_E_NOMEM;
	}
	memcpy(probe, p->insns, p->n * sizeof(*probe));
	probe[pc] = (struct anybpf_insn){ .code = 0x71, .dst = 0, .src = 10, .off = 8 }; /* r0 = *(u8 *)(r10 + 8) */
	struct anybpf_verify_result r = *res;
	if (ctx_off) {
		memcpy(ctx_off, res->ctx_off, p->n * sizeof(*ctx_off));
		ctx_off[pc] = ANYBPF_CTX_NONE;
		r.ctx_off = ctx_off;
	}
	uint32_t helper;
	char why[512];
	int err = sd_load(p, probe, p->n, &r, out, &helper, why, sizeof(why));
	free(probe);
	free(ctx_off);
	return err;
}

int sd_mutate(struct anybpf_insn *insns, size_t n, enum sd_mut_kind k, uint64_t pick,
	      uint64_t param, char *desc, size_t desclen, size_t *at)
{
	size_t cnt = 0;
	for (size_t pc = 0; pc < n; pc++) {
		if (eligible(&insns[pc], k))
			cnt++;
		if (insns[pc].code == 0x18)
			pc++; /* lddw: the second slot is no instruction */
	}
	if (!cnt)
		return 0;
	size_t want = (size_t)(pick % cnt), pc;
	for (pc = 0; pc < n; pc++) {
		if (eligible(&insns[pc], k) && want-- == 0)
			break;
		if (insns[pc].code == 0x18)
			pc++;
	}
	struct anybpf_insn *x = &insns[pc], old = *x;
	char before[128], after[128];
	anybpf_disasm_insn(insns, n, pc, ANYBPF_SYNTAX_LLVM, before, sizeof(before));
	int d = 1 + (int)(param % 8);
	switch (k) {
	case SD_MUT_DROP_CHECK:
		/* always taken or never taken */
		*x = (struct anybpf_insn){ .code = 0x05, .off = (param >> 8) & 1 ? old.off : 0 };
		break;
	case SD_MUT_SHIFT_OFF:
		x->off = (int16_t)(old.off + ((param >> 8) & 1 ? d : -d));
		break;
	case SD_MUT_WIDEN:
		/* W(0x00) -> DW(0x18), H(0x08) -> W, B(0x10) -> H */
		x->code = (uint8_t)((old.code & ~0x18) |
				    ((old.code & 0x18) == 0x00 ? 0x18 : (old.code & 0x18) == 0x08 ? 0x00 : 0x08));
		break;
	case SD_MUT_FLIP_CMP: {
		/* half the time the off-by-one partner (> vs >=), else any other */
		static const uint8_t ops[] = { 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0 };
		unsigned op = old.code & 0xf0, nop = op;
		if ((param >> 8) & 1) {
			switch (op) {
			case 0x20: nop = 0x30; break; case 0x30: nop = 0x20; break;
			case 0xa0: nop = 0xb0; break; case 0xb0: nop = 0xa0; break;
			case 0x60: nop = 0x70; break; case 0x70: nop = 0x60; break;
			case 0xc0: nop = 0xd0; break; case 0xd0: nop = 0xc0; break;
			case 0x10: nop = 0x50; break; case 0x50: nop = 0x10; break;
			default: nop = 0x50; break;
			}
		} else {
			nop = ops[(param >> 9) % sizeof(ops)];
			if (nop == op)
				nop = ops[((param >> 9) + 1) % sizeof(ops)];
		}
		x->code = (uint8_t)((old.code & 0x0f) | nop);
		break;
	}
	case SD_MUT_SWAP_REG: {
		unsigned reg = (unsigned)((param >> 8) % 11);
		int src = (param >> 16) & 1;
		unsigned cls = old.code & 7;
		/* a source register only where the instruction reads one */
		int has_src = cls == 1 || cls == 3 || ((cls == 4 || cls == 7 || cls == 5 || cls == 6) &&
						      (old.code & 0x08));
		if (src && has_src)
			x->src = (uint8_t)(reg == old.src ? (reg + 1) % 11 : reg);
		else
			x->dst = (uint8_t)(reg == old.dst ? (reg + 1) % 11 : reg);
		break;
	}
	case SD_MUT_CHANGE_IMM: {
		unsigned how = (unsigned)((param >> 8) % 5);
		uint32_t u = (uint32_t)old.imm; /* wrapping, not signed overflow */
		x->imm = (int32_t)(how == 0 ? u + (uint32_t)d : how == 1 ? u - (uint32_t)d
				   : how == 2 ? 0u - u : how == 3 ? 0u : (uint32_t)(param >> 16));
		break;
	}
	case SD_MUT_ALU_OP: {
		static const uint8_t ops[] = { 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90,
					       0xa0, 0xb0, 0xc0 };
		unsigned nop = ops[(param >> 8) % sizeof(ops)];
		if (nop == (old.code & 0xf0u))
			nop = ops[((param >> 8) + 1) % sizeof(ops)];
		x->code = (uint8_t)((old.code & 0x0f) | nop);
		break;
	}
	case SD_MUT_WIDTH: {
		unsigned cls = old.code & 7;
		unsigned ncls = cls == 4 ? 7 : cls == 7 ? 4 : cls == 5 ? 6 : 5;
		x->code = (uint8_t)((old.code & ~7u) | ncls);
		break;
	}
	case SD_MUT_RETARGET: {
		int dd = 1 + (int)(param % 3);
		x->off = (int16_t)(old.off + ((param >> 8) & 1 ? dd : -dd));
		break;
	}
	case SD_MUT_SIGN_EXT:
		x->code = (uint8_t)(old.code ^ 0x60 ^ 0x80); /* MEM <-> MEMSX */
		break;
	case SD_MUT_SWAP_OPS:
		x->dst = old.src;
		x->src = old.dst;
		break;
	default:
		return 0;
	}
	if (!memcmp(x, &old, sizeof(old)))
		return 0;
	anybpf_disasm_insn(insns, n, pc, ANYBPF_SYNTAX_LLVM, after, sizeof(after));
	snprintf(desc, desclen, "%s at pc %zu: '%s' -> '%s'", sd_mut_name(k), pc, before, after);
	if (at)
		*at = pc;
	return 1;
}
