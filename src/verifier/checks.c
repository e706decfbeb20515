/* checks.c - the memory rules, per pointer type, and helper arguments.
 *
 * Every load, store, atomic and helper memory argument comes here with the
 * pointer register, the constant offset and the width.  Each pointer type
 * has one rule: stack within the frame (512 bytes) and initialized when
 * read, spilled registers kept whole; ctx only at fields the program type's
 * descriptor allows at that width; packet only below a proven
 * `data + N <= data_end`; map values within value_size; helper memory
 * within its size.  Scalars, map pointers, packet_end and maybe-NULL
 * pointers are never dereferenced. */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

/* The return statement a hint suggests for this program type. */
static const char *drop_stmt(const struct verifier *v)
{
	if (!strcmp(v->hook->name, "xdp"))
		return "return XDP_DROP;";
	if (!strcmp(v->hook->name, "sched_cls") || !strcmp(v->hook->name, "sched_act"))
		return "return TC_ACT_SHOT;";
	return "return 0;";
}

static const char *access_word(int write)
{
	return write ? "write" : "read";
}

/* "" for a constant-0 variable part, else "+[0, 60]" */
static void var_str(const struct reg *r, char *buf, size_t size)
{
	buf[0] = 0;
	if (!sc_is_const(&r->v) || sc_val(&r->v)) {
		char t[80];
		sc_str(t, sizeof(t), &r->v);
		snprintf(buf, size, "+%s", t);
	}
}

static struct scalar loaded_scalar(unsigned size, bool sext)
{
	struct scalar s = size >= 8 ? sc_unknown() : sc_umax(((uint64_t)1 << (size * 8)) - 1);
	return sext && size < 8 ? sc_sext(&s, size * 8) : s;
}

/* ---- stack --------------------------------------------------------------- */

static void update_stack_depth(struct verifier *v, const struct frame *f, int64_t lo)
{
	struct func_info *fi = &v->cfg.funcs[f->func];
	if ((uint64_t)-lo > fi->stack_depth)
		fi->stack_depth = (uint32_t)-lo;
}

static int combined_depth(const struct verifier *v, const struct vstate *s)
{
	int total = 0;
	for (int i = 0; i <= s->cur; i++)
		total += (int)((v->cfg.funcs[s->fr[i]->func].stack_depth + 7) & ~7u);
	return total;
}

static struct slot *slot_at(struct frame *f, int64_t fpoff, unsigned *idx)
{
	/* fpoff in [-512, -1]: byte at fp + fpoff */
	unsigned from_top = (unsigned)(-fpoff - 1);     /* 0 for fp-1 */
	unsigned slot = from_top / 8;
	*idx = 7 - from_top % 8;                        /* kind[0] lowest address */
	return &f->slots[slot];
}

/* forget a spill (its bytes become plain initialized data) */
static void kill_spill(struct slot *sl)
{
	if (!sl->spill_size)
		return;
	uint8_t k = sl->spill.type == R_SCALAR && sc_is_const(&sl->spill.v) && !sc_val(&sl->spill.v)
			    ? SB_ZERO : SB_MISC;
	for (unsigned i = sl->spill_off; i < sl->spill_off + sl->spill_size; i++)
		if (sl->kind[i] == SB_SPILL)
			sl->kind[i] = k;
	sl->spill_size = 0;
}

static int stack_write(struct verifier *v, struct frame *f, int64_t pc, int64_t lo,
		       unsigned size, const struct reg *val, bool var)
{
	unsigned idx;
	if (frame_grow(f, (uint32_t)((-lo + 7) / 8)))
		return verr(v, pc, "nomem", "", "out of memory");
	/* a variable-offset write may land on any of these bytes: it can
	 * only destroy what they held */
	if (var || !val) {
		for (int64_t b = lo; b < lo + (int64_t)size; b++) {
			struct slot *sl = slot_at(f, b, &idx);
			if (sl->kind[idx] == SB_SPILL)
				kill_spill(sl);
			if (!var || sl->kind[idx] == SB_ZERO)
				sl->kind[idx] = SB_MISC;
		}
		return 0;
	}
	if (reg_is_ptr(val) && (size != 8 || lo % 8))
		return verr(v, pc, "stack_spill", "Spill pointers with 8-byte stores at 8-byte aligned offsets.",
			    "partial spill of a pointer: %u-byte store of %s at fp%lld; a pointer is kept on the stack only by an aligned 8-byte store",
			    size, rtype_name(val->type), (long long)lo);
	struct slot *first = slot_at(f, lo, &idx);
	struct slot *last = slot_at(f, lo + size - 1, &idx);
	if (first == last && lo % (int64_t)size == 0) {
		unsigned start;
		slot_at(f, lo, &start);
		/* a spill: the register is kept as it is (scalars truncated) */
		if (first->spill_size && (first->spill_off != start || first->spill_size != size)) {
			/* overlapping an older spill: kill it */
			unsigned os = first->spill_off, oe = os + first->spill_size;
			if (os < start + size && start < oe)
				kill_spill(first);
			else if (first->spill_size)
				kill_spill(first);
		}
		first->spill = *val;
		if (val->type == R_SCALAR && size < 8) {
			uint64_t mask = ((uint64_t)1 << (size * 8)) - 1;
			struct scalar m = sc_const(mask);
			first->spill.v = sc_alu(SC_AND, &val->v, &m, 64);
			first->spill.id = 0;
		}
		first->spill_off = (uint8_t)start;
		first->spill_size = (uint8_t)size;
		for (unsigned i = start; i < start + size; i++)
			first->kind[i] = SB_SPILL;
		return 0;
	}
	/* an unaligned or slot-crossing scalar store: plain data */
	bool zero = val->type == R_SCALAR && sc_is_const(&val->v) && !sc_val(&val->v);
	for (int64_t b = lo; b < lo + (int64_t)size; b++) {
		struct slot *sl = slot_at(f, b, &idx);
		if (sl->kind[idx] == SB_SPILL)
			kill_spill(sl);
		sl->kind[idx] = zero ? SB_ZERO : SB_MISC;
	}
	return 0;
}

static int stack_read(struct verifier *v, struct frame *f, int64_t pc, int regno, int64_t lo,
		      unsigned size, struct reg *out, bool sext, bool var, int64_t hi_var)
{
	unsigned idx;
	int64_t hi = var ? hi_var : lo + size;
	bool all_zero = true;

	/* allow_uninit_stack: never-written bytes read as unknown data */
	if (v->allow_uninit_stack && frame_grow(f, (uint32_t)((-lo + 7) / 8)))
		return verr(v, pc, "nomem", "", "out of memory");
	for (int64_t b = lo; b < hi; b++) {
		uint8_t k = SB_INVALID;
		unsigned from_top = (unsigned)(-b - 1);
		if (from_top / 8 < f->nslots) {
			struct slot *sl = slot_at(f, b, &idx);
			k = sl->kind[idx];
		}
		if (k == SB_INVALID && v->allow_uninit_stack) {
			all_zero = false;
			continue;
		}
		if (k == SB_INVALID) {
			char h[160];
			snprintf(h, sizeof(h), "Initialize the bytes (e.g. '*(u64 *)(r10 - %lld) = 0' or a memset) before reading them.",
				 -(long long)(b & ~7LL));
			return verr(v, pc, "uninit_stack", h,
				    "read of uninitialized stack: %u-byte read through r%d at fp%lld%s, byte fp%lld was never written on this path",
				    size, regno, (long long)lo, var ? " (variable offset)" : "", (long long)b);
		}
		if (k != SB_ZERO) {
			/* a spilled constant 0 reads as zero bytes too */
			struct slot *sl = slot_at(f, b, &idx);
			if (!(k == SB_SPILL && sl->spill.type == R_SCALAR && sc_is_const(&sl->spill.v) &&
			      !sc_val(&sl->spill.v)))
				all_zero = false;
		}
	}
	if (!out)
		return 0;
	if (!var) {
		struct slot *sl = slot_at(f, lo, &idx);
		struct slot *sl2 = slot_at(f, lo + size - 1, &idx);
		unsigned start;
		slot_at(f, lo, &start);
		if (sl == sl2 && sl->spill_size && sl->spill_off == start && sl->spill_size == size &&
		    sl->kind[start] == SB_SPILL) {
			*out = sl->spill;
			if (out->type == R_SCALAR && sext && size < 8)
				out->v = sc_sext(&out->v, size * 8);
			if (out->type == R_SCALAR && !sc_is_const(&out->v) && !out->id && size == 8) {
				/* the fill and the spill are copies */
				sl->spill.id = out->id = new_id(v);
			}
			return 0;
		}
		/* a partial read of a spilled pointer */
		for (int64_t b = lo; b < lo + (int64_t)size; b++) {
			struct slot *x = slot_at(f, b, &idx);
			if (x->kind[idx] == SB_SPILL && reg_is_ptr(&x->spill))
				return verr(v, pc, "stack_fill", "Read spilled pointers back with the same 8-byte load.",
					    "partial read of a spilled pointer: %u-byte read at fp%lld of the %s spilled at fp%lld",
					    size, (long long)lo, rtype_name(x->spill.type),
					    (long long)(b - idx + x->spill_off));
		}
	} else {
		for (int64_t b = lo; b < hi; b++) {
			struct slot *x = slot_at(f, b, &idx);
			if (x->kind[idx] == SB_SPILL && reg_is_ptr(&x->spill))
				return verr(v, pc, "stack_fill", "",
					    "variable-offset read of a spilled pointer at fp%lld", (long long)b);
		}
	}
	memset(out, 0, sizeof(*out));
	out->type = R_SCALAR;
	out->v = all_zero ? sc_const(0) : loaded_scalar(size, sext);
	return 0;
}

static int stack_access(struct verifier *v, struct vstate *s, const struct reg *p, int regno,
			int32_t off, unsigned size, int write, const struct reg *val,
			struct reg *out, bool sext)
{
	int64_t pc = s->pc;
	if (p->frame > s->cur)
		return verr(v, pc, "internal", "", "stack pointer into frame %d, which is not active", p->frame);
	struct frame *f = s->fr[p->frame];
	bool var = !sc_is_const(&p->v);
	int64_t lo = (int64_t)p->off + off + (var ? p->v.smin : (int64_t)sc_val(&p->v));
	int64_t hi = (int64_t)p->off + off + (var ? p->v.smax : (int64_t)sc_val(&p->v)) + size;

	if (var && (p->v.smin < -MAX_VAR_OFF || p->v.smax > MAX_VAR_OFF))
		return verr(v, pc, "stack_bounds", "Bound the index with a comparison before using it.",
			    "stack access with an unbounded variable offset through r%d", regno);
	if (lo < -STACK_SIZE || hi > 0) {
		char h[128];
		snprintf(h, sizeof(h), "The stack is %d bytes: offsets from r10 must lie in [-%d, -1].",
			 STACK_SIZE, STACK_SIZE);
		return verr(v, pc, "stack_bounds", h,
			    "stack access out of bounds: %s of %u bytes through r%d at fp%+lld%s, allowed [fp-%d, fp)",
			    access_word(write), size, regno, lo < -STACK_SIZE ? (long long)lo : (long long)hi - size,
			    var ? " (a possible offset)" : "", STACK_SIZE);
	}
	if (write && val && val->type == R_STACK && val->frame > p->frame)
		return verr(v, pc, "stack_escape", "Keep pointers to a function's stack inside that function and its callees.",
			    "storing a pointer to frame %d's stack into frame %d's stack would outlive it",
			    val->frame, p->frame);
	update_stack_depth(v, f, lo);
	if (combined_depth(v, s) > STACK_SIZE)
		return verr(v, pc, "stack_depth", "Use less stack in the called functions.",
			    "combined stack of the %d active frames is %d bytes, more than %d",
			    s->cur + 1, combined_depth(v, s), STACK_SIZE);
	if (write)
		return stack_write(v, f, pc, lo, var ? (unsigned)(hi - lo) : size, val, var);
	return stack_read(v, f, pc, regno, lo, size, out, sext, var, hi);
}

/* ---- the other regions ---------------------------------------------------- */

static int ctx_access(struct verifier *v, struct vstate *s, const struct reg *p, int regno,
		      int32_t off, unsigned size, int write, struct reg *out, bool sext)
{
	int64_t pc = s->pc;
	const struct ctx_field *fld;
	char why[160];

	if (!sc_is_const(&p->v) || sc_val(&p->v))
		return verr(v, pc, "ctx_var", "Access context fields at constant offsets from the original ctx pointer.",
			    "variable offset into the context through r%d", regno);
	if (p->off)
		return verr(v, pc, "ctx_modified", "Use the original ctx pointer with the field's offset in the instruction.",
			    "dereference of a modified ctx pointer: r%d is ctx%+d; the context is accessed only as ctx + constant in the load or store",
			    regno, p->off);
	if (hook_ctx_access(v->hook, off, size, write, &fld, why, sizeof(why))) {
		char h[160];
		if (fld)
			snprintf(h, sizeof(h), "Field '%s' is at offset %u, %u bytes.", fld->name,
				 fld->off, fld->elem);
		else
			snprintf(h, sizeof(h), "Check the %s context layout (%u bytes).", v->hook->name,
				 v->hook->ctx_size);
		return verr(v, pc, "ctx_access", h, "invalid context access: %s of %u bytes at ctx+%d: %s",
			    access_word(write), size, off, why);
	}
	if (write || !out)
		return 0;
	if (sext && fld && (fld->kind == CTXK_PKT || fld->kind == CTXK_PKT_END || fld->kind == CTXK_PKT_META))
		return verr(v, pc, "ctx_access", "Load packet pointers with a plain (zero-extending) load: 'rX = *(u32 *)(ctx + off)'.",
			    "invalid context access: sign-extending load of %u bytes at ctx+%d: field '%s' is a packet pointer",
			    size, off, fld->name);
	memset(out, 0, sizeof(*out));
	out->v = sc_const(0);
	if (fld && fld->kind == CTXK_PKT) {
		out->type = R_PKT;
	} else if (fld && fld->kind == CTXK_PKT_END) {
		out->type = R_PKT_END;
	} else if (fld && fld->kind == CTXK_PKT_META) {
		out->type = R_PKT_META;
	} else {
		out->type = R_SCALAR;
		out->v = loaded_scalar(size, sext);
	}
	return 0;
}

static int pkt_access(struct verifier *v, struct vstate *s, const struct reg *p, int regno,
		      int32_t off, unsigned size, int write, struct reg *out, bool sext)
{
	int64_t pc = s->pc;
	bool meta = p->type == R_PKT_META;
	const char *base = meta ? "data_meta" : "data", *end = meta ? "data" : "data_end";
	char var[96];
	int64_t lo = (int64_t)p->off + off, hi = lo + size;

	if (write && !(v->hook->flags & HOOK_PKT_W))
		return verr(v, pc, "pkt_write", "Use a helper such as bpf_skb_store_bytes where the type allows it.",
			    "%s programs may not write packet data directly", v->hook->name);
	if (p->v.smin < 0)
		return verr(v, pc, "pkt_bounds", "Bound the offset to be non-negative before adding it.",
			    "packet access through r%d with a possibly negative variable offset", regno);
	if (p->v.umax + (uint64_t)(hi > 0 ? hi : 0) > MAX_PKT_OFF)
		return verr(v, pc, "pkt_bounds", "Bound the offset with a comparison before adding it to the packet pointer.",
			    "packet access through r%d with an offset that may exceed %d", regno, MAX_PKT_OFF);
	var_str(p, var, sizeof(var));
	if (lo < 0 || hi > (int64_t)p->range) {
		char h[200];
		snprintf(h, sizeof(h), "Add a check such as 'if (%s%s + %lld > %s) %s' before this line.",
			 base, var, (long long)hi, end, drop_stmt(v));
		if (lo < 0)
			return verr(v, pc, "pkt_bounds", h, "packet access out of bounds: %s of %u bytes at %s%s%+lld is before the start of the %s",
				    access_word(write), size, base, var, (long long)lo, meta ? "metadata" : "packet");
		if (p->range)
			return verr(v, pc, "pkt_bounds", h,
				    "packet access out of bounds: %s of %u bytes at %s%s+%lld needs %s%s+%lld <= %s; proven: %s%s+%u <= %s.",
				    access_word(write), size, base, var, (long long)lo, base, var, (long long)hi,
				    end, base, var, p->range, end);
		return verr(v, pc, "pkt_bounds", h,
			    "packet access out of bounds: %s of %u bytes at %s%s+%lld needs %s%s+%lld <= %s; nothing is proven about the packet size on this path.",
			    access_word(write), size, base, var, (long long)lo, base, var, (long long)hi, end);
	}
	if (out && !write) {
		memset(out, 0, sizeof(*out));
		out->type = R_SCALAR;
		out->v = loaded_scalar(size, sext);
	}
	return 0;
}

/* map values and helper memory: [0, limit) */
static int sized_access(struct verifier *v, struct vstate *s, const struct reg *p, int regno,
			int32_t off, unsigned size, int write, struct reg *out, bool sext)
{
	int64_t pc = s->pc;
	bool mapv = p->type == R_MAP_VALUE || p->type == R_MAP_KEY;
	uint64_t limit = p->type == R_MAP_VALUE ? v->maps[p->map].value_size :
			 p->type == R_MAP_KEY ? v->maps[p->map].key_size : p->range;
	const char *what = p->type == R_MAP_VALUE ? "map value" : p->type == R_MAP_KEY ? "map key" :
			   "helper memory";
	char var[96];

	if (write && p->type == R_MAP_KEY)
		return verr(v, pc, "readonly", "Copy the key to the stack to change it.",
			    "write of %u bytes through r%d into a map key, which is read-only", size, regno);
	if (p->type == R_MAP_VALUE) {
		const struct anybpf_map_desc *md = &v->maps[p->map];
		if (write && (md->map_flags & ANYBPF_F_RDONLY_PROG))
			return verr(v, pc, "readonly_map",
				    "Keep data the program changes in a writable map (.data, .bss or a map without BPF_F_RDONLY_PROG); .rodata is constant.",
				    "write into read-only map %u (%s): %u bytes at offset %d through r%d, but the map has BPF_F_RDONLY_PROG",
				    p->map, md->name ? md->name : "?", size, p->off + off, regno);
		if (!write && (md->map_flags & ANYBPF_F_WRONLY_PROG))
			return verr(v, pc, "writeonly_map", "Do not read a map created with BPF_F_WRONLY_PROG.",
				    "read from write-only map %u (%s): %u bytes at offset %d through r%d, but the map has BPF_F_WRONLY_PROG",
				    p->map, md->name ? md->name : "?", size, p->off + off, regno);
	}

	var_str(p, var, sizeof(var));
	if (p->v.smin < -MAX_VAR_OFF || p->v.smax > MAX_VAR_OFF)
		return verr(v, pc, mapv ? "map_bounds" : "mem_bounds",
			    "Bound the index with a comparison (e.g. 'if (i >= N) return 0;') before adding it.",
			    "%s access through r%d with an unbounded offset %s", what, regno, var + 1);
	int64_t lo = (int64_t)p->off + off + p->v.smin;
	int64_t hi = (int64_t)p->off + off + p->v.smax + size;
	if (lo < 0 || hi > (int64_t)limit) {
		char h[160];
		snprintf(h, sizeof(h), "The %s is %llu bytes: keep offset + size within it%s.", what,
			 (unsigned long long)limit, var[0] ? " for every possible index" : "");
		return verr(v, pc, mapv ? "map_bounds" : "mem_bounds", h,
			    "%s access out of bounds: %s of %u bytes at offset %d%s (r%d), allowed [0, %llu); possible range [%lld, %lld)",
			    what, access_word(write), size, p->off + off, var, regno,
			    (unsigned long long)limit, (long long)lo, (long long)hi);
	}
	if (out && !write) {
		memset(out, 0, sizeof(*out));
		out->type = R_SCALAR;
		out->v = loaded_scalar(size, sext);
	}
	return 0;
}

int check_mem_access(struct verifier *v, struct vstate *s, int regno, int32_t off,
		     unsigned size, int write, struct reg *value_out, int value_regno,
		     bool sign_ext)
{
	const struct reg *p = &REGS(s)[regno];
	const struct reg *val = value_regno >= 0 ? &REGS(s)[value_regno] : (const struct reg *)value_out;
	int64_t pc = s->pc;
	char h[160];

	if (write && val && reg_is_ptr(val) && v->strict && p->type != R_STACK)
		return verr(v, pc, "ptr_leak", "Unprivileged programs may keep pointers only in registers and on the stack.",
			    "pointer leak: storing %s into %s memory is not allowed in strict mode",
			    rtype_name(val->type), rtype_name(p->type));
	if (v->ctx_off && pc >= 0 && (size_t)pc < v->n) {
		/* for the runtime's context rewrite: which pcs touch ctx, where */
		int32_t *c = &v->ctx_off[pc];
		if (p->type == R_CTX)
			*c = off >= 0 && (*c == ANYBPF_CTX_NONE || *c == off) ? off : ANYBPF_CTX_MIXED;
		else if (*c == ANYBPF_CTX_NONE)
			*c = CTX_OTHER;
		else if (*c != CTX_OTHER)
			*c = ANYBPF_CTX_MIXED;
	}
	switch (p->type) {
	case R_STACK:
		return stack_access(v, s, p, regno, off, size, write, val, write ? NULL : value_out, sign_ext);
	case R_CTX:
		if (write && val && reg_is_ptr(val) && v->strict)
			return verr(v, pc, "ptr_leak", "", "pointer leak into the context");
		return ctx_access(v, s, p, regno, off, size, write, write ? NULL : value_out, sign_ext);
	case R_PKT: case R_PKT_META:
		return pkt_access(v, s, p, regno, off, size, write, write ? NULL : value_out, sign_ext);
	case R_MAP_VALUE: case R_MEM: case R_MAP_KEY:
		return sized_access(v, s, p, regno, off, size, write, write ? NULL : value_out, sign_ext);
	case R_MAP_VALUE_OR_NULL: case R_MEM_OR_NULL: case R_MAP_PTR_OR_NULL:
		snprintf(h, sizeof(h), "Compare r%d with 0 first, e.g. 'if (!value) return 0;' after the %s.",
			 regno, p->type == R_MEM_OR_NULL ? "helper call" : "lookup");
		return verr(v, pc, "null_deref", h,
			    "possible NULL dereference: r%d is %s and has not been checked against 0 on this path",
			    regno, rtype_name(p->type));
	case R_NOT_INIT:
		return verr(v, pc, "uninit_reg", "", "r%d is used as a pointer but was never written", regno);
	case R_SCALAR:
		sc_str(h, sizeof(h), &p->v);
		return verr(v, pc, "scalar_deref", "Only pointers (ctx, stack, packet, map values) may be dereferenced.",
			    "dereference of a scalar: r%d is a number (%s), not a pointer", regno, h);
	case R_MAP_PTR:
		return verr(v, pc, "map_ptr_deref", "Use bpf_map_lookup_elem to get a pointer to a value.",
			    "dereference of a map pointer: r%d points to a map, not to its data", regno);
	case R_PKT_END:
		return verr(v, pc, "pkt_end_deref", "Compare pointers with data_end; never read through it.",
			    "dereference of packet_end: r%d marks the end of the packet", regno);
	default:
		return verr(v, pc, "bad_deref", "", "r%d of type %s may not be dereferenced", regno,
			    rtype_name(p->type));
	}
}

/* ---- helper calls ---------------------------------------------------------- */

enum hret { HR_INT, HR_VOID, HR_MAPV_NULL, HR_MAPV, HR_MEM_NULL, HR_UNMODELED };
enum harg { HA_NONE, HA_ANY, HA_CTX, HA_MAP, HA_MAP_PROG, HA_MAP_PERF, HA_MAP_RB, HA_MAP_CGARR,
	    HA_MAP_CGSTOR, HA_MAP_SOCKMAP, HA_MAP_SOCKHASH, HA_KEY, HA_VALUE, HA_VALUE_W, HA_MEM_R,
	    HA_MEM_RN, HA_MEM_W, HA_MEM_RW, HA_SIZE, HA_SIZE0, HA_SIZE_K, HA_FIX4, HA_RB_MEM, HA_FUNC,
	    HA_CONST_STR };
enum { HF_PKT = 1, HF_RELEASE = 2, HF_CALLBACK = 4 };

struct helper_proto {
	const char *name;
	uint8_t ret;
	uint8_t args[5];
	uint32_t groups;
	uint8_t flags;
};

static const struct helper_proto helper_protos[] = {
#define INT HR_INT
#define VOID HR_VOID
#define MAPV_NULL HR_MAPV_NULL
#define MAPV HR_MAPV
#define MEM_NULL HR_MEM_NULL
#define UNMODELED HR_UNMODELED
#define XDP HG_XDP
#define SKF HG_SKF
#define TC HG_TC
#define CGS HG_CGS
#define KP HG_KP
#define TP HG_TP
#define RTP HG_RTP
#define PE HG_PE
#define SOPS HG_SOPS
#define CGSOCK HG_CGSOCK
#define CGSA HG_CGSA
#define LWT HG_LWT
#define SKB HG_SKB
#define NET HG_NET
#define TRACE HG_TRACE
#define ALL HG_ALL
#define PKT HF_PKT
#define RELEASE HF_RELEASE
#define CALLBACK HF_CALLBACK
#define HELPER(id, name, ret, groups, flags, a1, a2, a3, a4, a5) \
	[id] = { #name, ret, { HA_##a1, HA_##a2, HA_##a3, HA_##a4, HA_##a5 }, groups, flags },
#include "helpers/helpers.def"
#undef HELPER
};
#undef INT
#undef VOID
#undef MAPV_NULL
#undef MAPV
#undef MEM_NULL
#undef UNMODELED
#undef XDP
#undef SKF
#undef TC
#undef CGS
#undef KP
#undef TP
#undef RTP
#undef PE
#undef SOPS
#undef CGSOCK
#undef CGSA
#undef LWT
#undef SKB
#undef NET
#undef TRACE
#undef ALL
#undef PKT
#undef RELEASE
#undef CALLBACK

#define NHELPERS (sizeof(helper_protos) / sizeof(helper_protos[0]))

/* the eBPF-for-Windows helpers without a Linux twin: their own prototypes
 * (win_helpers.def's WIN_PROTO rows; general helpers, ids < 0x10000) */
static const struct {
	uint32_t id;
	struct helper_proto p;
} win_protos[] = {
#define WIN_HELPER(id, name, hooks, lx)
#define WIN_PROTO(id, name, ret, a1, a2, a3, a4, a5) \
	{ id, { #name, HR_##ret, { HA_##a1, HA_##a2, HA_##a3, HA_##a4, HA_##a5 }, 0, 0 } },
#include "hooks/win_helpers.def"
#undef WIN_PROTO
#undef WIN_HELPER
};

static const struct helper_proto *win_proto(uint32_t id)
{
	for (size_t i = 0; id < 0x10000 && i < sizeof(win_protos) / sizeof(win_protos[0]); i++)
		if (win_protos[i].id == id)
			return &win_protos[i].p;
	return NULL;
}

const char *helper_name(int32_t id)
{
	return id > 0 && (size_t)id < NHELPERS ? helper_protos[id].name : NULL;
}

/* the map types a HA_MAP_* argument takes (bit n: BPF_MAP_TYPE n) */
#define MT(n) (1ull << (n))
static const uint64_t map_types_of_arg[] = {
	[HA_MAP_PROG] = MT(3), [HA_MAP_PERF] = MT(4), [HA_MAP_RB] = MT(27), [HA_MAP_CGARR] = MT(8),
	[HA_MAP_CGSTOR] = MT(19) | MT(21), [HA_MAP_SOCKMAP] = MT(15), [HA_MAP_SOCKHASH] = MT(18),
};
static const char *const map_type_word[] = {
	[HA_MAP_PROG] = "prog_array", [HA_MAP_PERF] = "perf_event_array", [HA_MAP_RB] = "ringbuf",
	[HA_MAP_CGARR] = "cgroup_array", [HA_MAP_CGSTOR] = "cgroup_storage or percpu_cgroup_storage",
	[HA_MAP_SOCKMAP] = "sockmap", [HA_MAP_SOCKHASH] = "sockhash",
};

static bool map_type_in(uint32_t type, uint64_t set)
{
	return type < 64 && (set >> type & 1);
}

/* Linux check_map_func_compatibility, the map's side: the map types
 * that only some helpers may take (the others: every MAP helper) */
static const struct {
	uint32_t type;
	int32_t ids[8];   /* 0-terminated */
} map_helpers[] = {
	{ 3, { 12 } },                          /* prog_array: tail_call */
	{ 4, { 22, 25, 55, 111, 121 } },        /* perf_event_array */
	{ 7, { 27 } },                          /* stack_trace: get_stackid */
	{ 8, { 33, 37 } },                      /* cgroup_array */
	{ 12, { 1 } }, { 13, { 1 } },           /* of-maps: lookup */
	{ 14, { 51, 1 } }, { 25, { 51, 1 } },   /* devmap, devmap_hash */
	{ 16, { 51 } },                         /* cpumap */
	{ 17, { 51, 1 } },                      /* xskmap */
	{ 15, { 52, 53, 60, 82, 1, 2, 3 } },    /* sockmap */
	{ 18, { 72, 70, 71, 82, 1, 2, 3 } },    /* sockhash */
	{ 19, { 81 } }, { 21, { 81 } },         /* (percpu_)cgroup_storage */
	{ 20, { 82 } },                         /* reuseport_sockarray */
	{ 22, { 87, 88, 89 } }, { 23, { 87, 88, 89 } },   /* queue, stack */
	{ 24, { 107, 108 } },                   /* sk_storage */
	{ 27, { 130, 131, 134, 198 } },         /* ringbuf */
	{ 28, { 145, 146 } },                   /* inode_storage */
	{ 29, { 156, 157 } },                   /* task_storage */
	{ 30, { 87, 89 } },                     /* bloom_filter: push, peek */
	{ 31, { 209 } },                        /* user_ringbuf */
	{ 32, { 210, 211 } },                   /* cgrp_storage */
};

/* ... and the helper's side, for helpers whose argument is a plain MAP */
static const struct {
	int32_t id;
	uint64_t types;
} helper_maps[] = {
	{ 27, MT(7) },                                  /* get_stackid */
	{ 51, MT(14) | MT(25) | MT(16) | MT(17) },      /* redirect_map */
	{ 87, MT(22) | MT(23) | MT(30) },               /* map_push_elem */
	{ 88, MT(22) | MT(23) },                        /* map_pop_elem */
	{ 89, MT(22) | MT(23) | MT(30) },               /* map_peek_elem */
};
#undef MT

static int check_map_func(struct verifier *v, int64_t pc, int map, int32_t id, const char *hname)
{
	const struct anybpf_map_desc *md = &v->maps[map];
	const char *tn = anybpf_map_type_id_name(md->type);
	const char *mn = md->name ? md->name : "?";
	/* eBPF for Windows numbers its map types its own way (and the
	 * descriptors may use that numbering): only the read-only rule */
	bool ok = true, win = (v->hook->flags & HOOK_WIN) != 0;
	char h[200];

	if (win)
		goto rdonly;
	if (!tn)
		tn = "unknown";
	for (size_t i = 0; i < sizeof(map_helpers) / sizeof(map_helpers[0]); i++) {
		if (map_helpers[i].type != md->type)
			continue;
		ok = false;
		size_t len = (size_t)snprintf(h, sizeof(h), "A %s map works only with", tn);
		for (unsigned k = 0; k < 8 && map_helpers[i].ids[k]; k++) {
			int32_t hid = map_helpers[i].ids[k];
			if (hid == id)
				ok = true;
			if (len < sizeof(h))
				len += (size_t)snprintf(h + len, sizeof(h) - len, "%s bpf_%s", k ? "," : "",
							helper_protos[hid].name);
		}
		if (len < sizeof(h))
			snprintf(h + len, sizeof(h) - len, ".");
	}
	for (size_t i = 0; ok && i < sizeof(helper_maps) / sizeof(helper_maps[0]); i++)
		if (helper_maps[i].id == id && !map_type_in(md->type, helper_maps[i].types)) {
			ok = false;
			snprintf(h, sizeof(h), "Pass %s a map of a type it works with.", hname);
		}
	if (!ok)
		return verr(v, pc, "map_func", h,
			    "cannot pass map_type %u into func %s#%d: map %d (%s) is a %s map", md->type, hname,
			    id, map, mn, tn);
	/* sockets are not modeled: lookups there return one, updates take one */
	if ((id == 1 && (md->type == 15 || md->type == 18 || md->type == 17)) ||
	    (id == 2 && (md->type == 15 || md->type == 18)))
		return verr(v, pc, "helper_unmodeled", "This verifier does not model socket pointers yet.",
			    "%s on map %d (%s), a %s map, %s a socket, which is not modeled", hname, map, mn, tn,
			    id == 1 ? "returns" : "takes");
rdonly:
	/* Linux record_func_map: helpers that change the elements */
	if ((md->map_flags & ANYBPF_F_RDONLY_PROG) && (id == 2 || id == 3 || id == 87 || id == 88))
		return verr(v, pc, "readonly_map", "Programs may not change a map created with BPF_F_RDONLY_PROG (such as .rodata).",
			    "write into read-only map %d (%s): %s changes its elements, but the map has BPF_F_RDONLY_PROG",
			    map, mn, hname);
	return 0;
}

/* bpf_strncmp's third argument (Linux ARG_PTR_TO_CONST_STR): a pointer at
 * a constant offset into a frozen read-only map's value, with a NUL
 * between there and the value's end */
static int const_str_arg(struct verifier *v, int64_t pc, const struct reg *a, int rn, unsigned argi,
			 const char *hname)
{
	const char *hint = "Pass a string constant (e.g. a literal in .rodata), not a buffer the program fills.";
	if (a->type != R_MAP_VALUE)
		return verr(v, pc, "helper_arg", hint,
			    "%s argument %u (r%d) must point to a constant string in a read-only map value; it is %s",
			    hname, argi, rn, rtype_name(a->type));
	const struct anybpf_map_desc *md = &v->maps[a->map];
	const char *mn = md->name ? md->name : "?";
	if (!(md->map_flags & ANYBPF_F_RDONLY_PROG))
		return verr(v, pc, "helper_arg", hint,
			    "%s argument %u (r%d) must point to a constant string, but map %u (%s) is writable (no BPF_F_RDONLY_PROG, not frozen)",
			    hname, argi, rn, a->map, mn);
	if (!sc_is_const(&a->v))
		return verr(v, pc, "helper_arg", "Use a fixed offset into the string's map.",
			    "%s argument %u (r%d) must point to a constant string at a constant offset; the offset is variable",
			    hname, argi, rn);
	int64_t off = (int64_t)a->off + (int64_t)sc_val(&a->v);
	if (off < 0 || off >= (int64_t)md->value_size)
		return verr(v, pc, "map_bounds", "",
			    "%s argument %u (r%d): offset %lld is outside map %u (%s)'s %u-byte value",
			    hname, argi, rn, (long long)off, a->map, mn, md->value_size);
	if (!md->value)
		return verr(v, pc, "helper_arg", "Describe the map's frozen contents (anybpf_map_desc.value).",
			    "%s argument %u (r%d): the contents of read-only map %u (%s) are unknown, so the string cannot be checked",
			    hname, argi, rn, a->map, mn);
	if (!memchr((const char *)md->value + off, 0, md->value_size - (size_t)off))
		return verr(v, pc, "helper_arg", "End the string with a NUL inside the map value.",
			    "%s argument %u (r%d): the string at offset %lld of map %u (%s) is not NUL-terminated within its %u-byte value",
			    hname, argi, rn, (long long)off, a->map, mn, md->value_size);
	return 0;
}

/* memory argument: `size` bytes (0: nothing to check) through register r */
static int helper_mem(struct verifier *v, struct vstate *s, int regno, unsigned argi,
		      uint64_t size, int write, const char *hname)
{
	struct reg *p = &REGS(s)[regno];
	int64_t pc = s->pc;

	switch (p->type) {
	case R_STACK: case R_PKT: case R_PKT_META: case R_MAP_VALUE: case R_MEM: case R_MAP_KEY:
		break;
	default: {
		char kbuf[96];
		if (p->type == R_SCALAR)
			sc_str(kbuf, sizeof(kbuf), &p->v);
		else
			snprintf(kbuf, sizeof(kbuf), "%s", rtype_name(p->type));
		return verr(v, pc, "helper_arg", "Pass a pointer to the stack, a map value or checked packet data.",
			    "helper %s argument %u (r%d) must point to memory (stack, packet, map value); it is %s%s",
			    hname, argi, regno, p->type == R_SCALAR ? "the number " : "", kbuf);
	}
	}
	if (!size)
		return 0;
	if (size > (1u << 29))
		return verr(v, pc, "helper_arg", "", "helper %s memory size %llu is too large", hname,
			    (unsigned long long)size);
	/* check the range as one access of `size` bytes, byte granular for
	 * the stack; spilled pointers handed to a helper that reads raw bytes
	 * are fine in the privileged profile */
	if (p->type == R_STACK) {
		if (p->frame > s->cur)
			return verr(v, pc, "internal", "", "stack pointer into an inactive frame");
		struct frame *f = s->fr[p->frame];
		bool var = !sc_is_const(&p->v);
		int64_t lo = (int64_t)p->off + (var ? p->v.smin : (int64_t)sc_val(&p->v));
		int64_t hi = (int64_t)p->off + (var ? p->v.smax : (int64_t)sc_val(&p->v)) + (int64_t)size;
		if (var && (p->v.smin < -MAX_VAR_OFF || p->v.smax > MAX_VAR_OFF))
			return verr(v, pc, "stack_bounds", "", "helper %s argument %u: unbounded stack offset", hname, argi);
		if (lo < -STACK_SIZE || hi > 0)
			return verr(v, pc, "stack_bounds", "Make the buffer fit within the 512-byte stack.",
				    "helper %s argument %u (r%d): %llu bytes at fp%+lld run outside the stack [fp-%d, fp)",
				    hname, argi, regno, (unsigned long long)size, (long long)lo, STACK_SIZE);
		update_stack_depth(v, f, lo);
		if (write)
			return stack_write(v, f, pc, lo, (unsigned)(hi - lo), NULL, var);
		for (int64_t b = lo; b < hi; b++) {
			unsigned idx, from_top = (unsigned)(-b - 1);
			uint8_t k = SB_INVALID;
			if (from_top / 8 < f->nslots)
				k = slot_at(f, b, &idx)->kind[idx];
			if (k == SB_INVALID && !v->allow_uninit_stack) {
				char h[160];
				snprintf(h, sizeof(h), "Initialize all %llu bytes before the call (e.g. '__builtin_memset' or stores).",
					 (unsigned long long)size);
				return verr(v, pc, "uninit_stack", h,
					    "helper %s argument %u (r%d) reads %llu bytes at fp%lld, but byte fp%lld is uninitialized",
					    hname, argi, regno, (unsigned long long)size, (long long)lo, (long long)b);
			}
		}
		return 0;
	}
	/* the other regions: as a single access of `size` bytes at offset 0 */
	switch (p->type) {
	case R_PKT: case R_PKT_META:
		return pkt_access(v, s, p, regno, 0, (unsigned)size, write, NULL, false);
	default:
		return sized_access(v, s, p, regno, 0, (unsigned)size, write, NULL, false);
	}
}

static void invalidate_pkt(struct vstate *s)
{
	for (int f = 0; f <= s->cur; f++) {
		struct frame *fr = s->fr[f];
		for (int r = 0; r < 11; r++)
			if (fr->regs[r].type == R_PKT || fr->regs[r].type == R_PKT_END ||
			    fr->regs[r].type == R_PKT_META)
				reg_mark_unknown(&fr->regs[r]);
		for (unsigned i = 0; i < fr->nslots; i++) {
			struct reg *x = &fr->slots[i].spill;
			if (fr->slots[i].spill_size &&
			    (x->type == R_PKT || x->type == R_PKT_END || x->type == R_PKT_META))
				reg_mark_unknown(x);
		}
	}
}

static void release_id(struct vstate *s, uint32_t id)
{
	for (int f = 0; f <= s->cur; f++) {
		struct frame *fr = s->fr[f];
		for (int r = 0; r < 11; r++)
			if (fr->regs[r].id == id && reg_is_ptr(&fr->regs[r]))
				reg_mark_not_init(&fr->regs[r]);
		for (unsigned i = 0; i < fr->nslots; i++)
			if (fr->slots[i].spill_size && fr->slots[i].spill.id == id &&
			    reg_is_ptr(&fr->slots[i].spill))
				reg_mark_unknown(&fr->slots[i].spill);
	}
}

static bool holds_ref(const struct vstate *s, uint32_t id)
{
	for (unsigned i = 0; i < s->nrefs; i++)
		if (s->refs[i] == id)
			return true;
	return false;
}

void drop_ref(struct vstate *s, uint32_t id)
{
	for (unsigned i = 0; i < s->nrefs; i++)
		if (s->refs[i] == id) {
			memmove(&s->refs[i], &s->refs[i + 1], (s->nrefs - i - 1) * sizeof(s->refs[0]));
			memmove(&s->ref_pc[i], &s->ref_pc[i + 1], (s->nrefs - i - 1) * sizeof(s->ref_pc[0]));
			s->nrefs--;
			return;
		}
}

int check_helper_call(struct verifier *v, struct vstate *s, int32_t id)
{
	int64_t pc = s->pc;
	char hname[64], h[200];
	const struct helper_proto *hp = NULL;
	int map = -1;
	uint32_t rb_size = 0;
	struct reg *regs = REGS(s);
	int win = (v->hook->flags & HOOK_WIN) != 0;

	/* eBPF for Windows numbers its helpers its own way: the call is
	 * checked as the Linux helper with the same meaning (win_helpers.def),
	 * the type's own helper list standing for the group test. */
	if (win) {
		const struct win_helper *w = hook_win_helper(v->hook, (uint32_t)id);
		if (!w)
			return verr(v, pc, "helper_unknown", "Use a helper listed in ebpf-for-windows' ebpf_helpers.h for this program type.",
				    "call to unknown helper %d for %s programs", id, v->hook->name);
		if (w->linux_id <= 0 && !(hp = win_proto(w->id)))
			return verr(v, pc, "helper_unmodeled", "This verifier does not know this helper's argument and result kinds yet.",
				    "helper %d (%s) is not modeled", id, w->name);
		id = w->linux_id;   /* 0: Windows' own prototype, no Linux special case */
		snprintf(hname, sizeof(hname), "bpf_%s", w->name);
	}
	if (!hp && (id <= 0 || (size_t)id >= NHELPERS))
		return verr(v, pc, "helper_unknown", "Use a helper id listed in <linux/bpf.h>.",
			    "call to unknown helper %d: ids run from 1 to %zu", id, NHELPERS - 1);
	if (!hp)
		hp = &helper_protos[id];
	if (!win)
		snprintf(hname, sizeof(hname), "bpf_%s", hp->name);
	if (hp->ret == HR_UNMODELED)
		return verr(v, pc, "helper_unmodeled", "This verifier does not know this helper's argument and result kinds yet.",
			    "helper %d (%s) is not modeled", id, hp->name);
	if (!win && !(hp->groups & v->hook->group))
		return verr(v, pc, "helper_type", "Use helpers available to this program type.",
			    "helper %d (%s) is not allowed in %s programs", id, hp->name, v->hook->name);
	for (unsigned i = 0; i < 5 && hp->args[i] != HA_NONE; i++) {
		int rn = (int)i + 1;
		struct reg *a = &regs[rn];
		unsigned kind = hp->args[i];
		if (a->type == R_NOT_INIT && kind != HA_NONE) {
			snprintf(h, sizeof(h), "Set r%d to the %s's argument %u before the call.", rn, hname, i + 1);
			return verr(v, pc, "uninit_reg", h,
				    "r%d is read before it is written: %s takes it as argument %u", rn, hname, i + 1);
		}
		switch (kind) {
		case HA_ANY:
			if (v->strict && reg_is_ptr(a))
				return verr(v, pc, "ptr_leak", "", "pointer leak: %s argument %u is a %s (strict mode)",
					    hname, i + 1, rtype_name(a->type));
			break;
		case HA_CTX:
			if (a->type == R_CTX && (a->off || !sc_is_const(&a->v) || sc_val(&a->v)))
				return verr(v, pc, "ctx_modified", "Pass the program's context pointer (r1 at entry) unmodified.",
					    "%s argument %u (r%d) must be the context pointer itself; it is ctx%+d",
					    hname, i + 1, rn, a->off);
			if (a->type != R_CTX)
				return verr(v, pc, "helper_arg", "Pass the program's context pointer (r1 at entry) unmodified.",
					    "%s argument %u (r%d) must be the context pointer; it is %s%s", hname, i + 1,
					    rn, rtype_name(a->type), a->type == R_CTX ? " with an offset" : "");
			break;
		case HA_MAP: case HA_MAP_PROG: case HA_MAP_PERF: case HA_MAP_RB: case HA_MAP_CGARR:
		case HA_MAP_CGSTOR: case HA_MAP_SOCKMAP: case HA_MAP_SOCKHASH:
			if (a->type != R_MAP_PTR)
				return verr(v, pc, "helper_arg", "Load the map with 'r1 = map_fd N' (lddw) right before the call.",
					    "%s argument %u (r%d) must be a map pointer; it is %s", hname, i + 1, rn,
					    rtype_name(a->type));
			if (kind != HA_MAP && !map_type_in(v->maps[a->map].type, map_types_of_arg[kind]))
				return verr(v, pc, "helper_arg", "",
					    "%s argument %u (r%d) must be a %s map; map %u has type %u", hname, i + 1,
					    rn, map_type_word[kind], a->map, v->maps[a->map].type);
			map = a->map;
			break;
		case HA_KEY: case HA_VALUE: case HA_VALUE_W: {
			if (map < 0)
				return verr(v, pc, "helper_arg", "", "%s: key/value argument without a map", hname);
			uint32_t sz = kind == HA_KEY ? v->maps[map].key_size : v->maps[map].value_size;
			if (!sz) /* ringbuf and the like: nothing to look up (Linux: zero-sized read) */
				return verr(v, pc, "helper_size", "Use the helpers made for this map type (e.g. bpf_ringbuf_output for a ringbuf).",
					    "%s argument %u (r%d): map %d (%s) has no %s (its %s size is 0)",
					    hname, i + 1, rn, map, v->maps[map].name ? v->maps[map].name : "?",
					    kind == HA_KEY ? "keys" : "values", kind == HA_KEY ? "key" : "value");
			int e = helper_mem(v, s, rn, i + 1, sz, kind == HA_VALUE_W, hname);
			if (e)
				return e;
			break;
		}
		case HA_MEM_R: case HA_MEM_RN: case HA_MEM_W: case HA_MEM_RW: {
			struct reg *sz = &regs[rn + 1];
			unsigned sk = i + 1 < 5 ? hp->args[i + 1] : HA_NONE;
			if (sz->type == R_NOT_INIT)
				return verr(v, pc, "uninit_reg", "", "r%d (size of argument %u) is read before it is written",
					    rn + 1, i + 1);
			if (sz->type != R_SCALAR)
				return verr(v, pc, "helper_arg", "Pass a number as the size.",
					    "%s argument %u (r%d) must be a size; it is %s", hname, i + 2, rn + 1,
					    rtype_name(sz->type));
			if (sz->v.umax > (1u << 29)) {
				sc_str(h, sizeof(h), &sz->v);
				return verr(v, pc, "helper_size", "Bound the size with a comparison (e.g. 'if (n > sizeof(buf)) return 0;').",
					    "%s size argument %u (r%d) is unbounded (%s)", hname, i + 2, rn + 1, h);
			}
			if (sk == HA_SIZE && sz->v.umin == 0)
				return verr(v, pc, "helper_size", "Make sure the size is at least 1 (e.g. 'if (n == 0) return 0;').",
					    "%s size argument %u (r%d) may be 0", hname, i + 2, rn + 1);
			if (kind == HA_MEM_RN && a->type == R_SCALAR && sc_is_const(&a->v) && !sc_val(&a->v))
				break;
			/* MEM_RW: read (initialized) and then written */
			int e = helper_mem(v, s, rn, i + 1, sz->v.umax, kind == HA_MEM_W, hname);
			if (!e && kind == HA_MEM_RW)
				e = helper_mem(v, s, rn, i + 1, sz->v.umax, 1, hname);
			if (e)
				return e;
			break;
		}
		case HA_CONST_STR: {
			int e = const_str_arg(v, pc, a, rn, i + 1, hname);
			if (e)
				return e;
			break;
		}
		case HA_SIZE: case HA_SIZE0:
			break; /* checked with the memory argument */
		case HA_SIZE_K:
			if (a->type != R_SCALAR || !sc_is_const(&a->v))
				return verr(v, pc, "helper_size", "Pass a constant size.",
					    "%s argument %u (r%d) must be a constant", hname, i + 1, rn);
			rb_size = (uint32_t)sc_val(&a->v);
			break;
		case HA_FIX4: {
			int e = helper_mem(v, s, rn, i + 1, 4, 0, hname);
			if (e)
				return e;
			break;
		}
		case HA_FUNC:
			if (a->type != R_FUNC)
				return verr(v, pc, "helper_arg", "Pass a static function of the program as the callback.",
				    "%s argument %u (r%d) must be a function; it is %s", hname, i + 1, rn,
				    rtype_name(a->type));
			break;
		case HA_RB_MEM:
			if (a->type != R_MEM || a->off || !sc_is_const(&a->v) || sc_val(&a->v) || !a->id ||
			    !holds_ref(s, a->id))
				return verr(v, pc, "helper_arg", "Pass the pointer bpf_ringbuf_reserve returned, after its NULL check.",
					    "%s argument %u (r%d) must be memory from bpf_ringbuf_reserve; it is %s",
					    hname, i + 1, rn, rtype_name(a->type));
			break;
		}
	}
	if (map >= 0) {
		int e = check_map_func(v, pc, map, id, hname);
		if (e)
			return e;
	}
	if (id == 12 && s->nrefs) /* BPF_FUNC_tail_call: the records would leak */
		return verr(v, pc, "ref_leak", "Submit or discard the ringbuf record before the tail call.",
			    "tail call while holding the ringbuf record reserved at pc %lld",
			    (long long)s->ref_pc[0]);
	if (hp->flags & HF_CALLBACK) {
		uint64_t max, min;
		int64_t target;
		struct reg ctx, *flags = &regs[4];
		uint16_t map1 = 0;
		if (id == 164) {
			/* bpf_for_each_map_elem(map, callback, ctx, flags): the
			 * callback runs once per element (at most max_entries),
			 * with the map, the key, the value and ctx */
			uint32_t mt = v->maps[map].type;
			if (mt != 1 && mt != 2 && mt != 5 && mt != 6 && mt != 9 && mt != 10)
				return verr(v, pc, "helper_arg", "Iterate a hash or array map.",
					    "%s cannot iterate map %d (type %u): only hash, array and their percpu and LRU variants",
					    hname, map, mt);
			max = v->maps[map].max_entries;
			min = 0;   /* hash maps may hold fewer; the callback may stop */
			target = regs[2].off;
			ctx = regs[3];
			map1 = (uint16_t)(map + 1);
		} else {
			/* bpf_loop(nr, callback, ctx, flags): the callback runs
			 * up to nr times (at most 2^23), with its index and ctx */
			struct reg *nr = &regs[1];
			if (nr->type != R_SCALAR)
				return verr(v, pc, "helper_arg", "", "%s argument 1 (r1) must be a number", hname);
			max = nr->v.umax < (1u << 23) ? nr->v.umax : (1u << 23);
			min = nr->v.umin < max ? nr->v.umin : max;
			target = regs[2].off;
			ctx = regs[3];
			if (nr->v.umax > (1u << 23))
				min = 0;
		}
		/* flags other than 0 return at once, with no call */
		if (flags->type != R_SCALAR || !sc_is_const(&flags->v) || sc_val(&flags->v))
			min = 0;
		if (!max) { /* nr is 0: the callback never runs */
			for (int r = 1; r <= 5; r++)
				reg_mark_not_init(&regs[r]);
			reg_mark_unknown(&regs[0]);
			return 0;
		}
		/* zero iterations (nr may be 0, or flags invalid): on at once */
		if (!min) {
			struct vstate *after;
			if (push_branch(v, s, pc + 1, &after))
				return -1;
			for (int r = 1; r <= 5; r++)
				reg_mark_not_init(&REGS(after)[r]);
			reg_mark_unknown(&REGS(after)[0]);
		}
		return enter_callback(v, s, pc, target, 0, (uint32_t)min, (uint32_t)max, &ctx, map1) ? -1 : 3;
	}
	if (hp->flags & HF_RELEASE) {
		uint32_t ref = regs[1].id;
		release_id(s, ref);
		drop_ref(s, ref);
	}
	for (int r = 1; r <= 5; r++)
		reg_mark_not_init(&regs[r]);
	if (hp->flags & HF_PKT) {
		invalidate_pkt(s);
		v->pass_changes_pkt = 1;
	}
	struct reg *r0 = &regs[0];
	switch (hp->ret) {
	case HR_VOID:
		reg_mark_not_init(r0);
		break;
	case HR_MAPV_NULL: case HR_MAPV:
		if (map >= 0 && hp->ret == HR_MAPV_NULL &&
		    (v->maps[map].type == 12 || v->maps[map].type == 13)) {
			/* array_of_maps / hash_of_maps: the value is a map */
			uint32_t inner = v->maps[map].inner;
			if (!inner || inner > v->nmaps)
				return verr(v, pc, "map_in_map", "Describe the inner map (anybpf_map_desc.inner).",
					    "lookup in map-in-map %d whose inner map is unknown", map);
			memset(r0, 0, sizeof(*r0));
			r0->type = R_MAP_PTR_OR_NULL;
			r0->map = (uint16_t)(inner - 1);
			r0->v = sc_const(0);
			r0->id = new_id(v);
			break;
		}
		memset(r0, 0, sizeof(*r0));
		r0->type = hp->ret == HR_MAPV ? R_MAP_VALUE : R_MAP_VALUE_OR_NULL;
		r0->map = (uint16_t)(map < 0 ? 0 : map);
		r0->v = sc_const(0);
		r0->id = hp->ret == HR_MAPV ? 0 : new_id(v);
		break;
	case HR_MEM_NULL:
		if (s->nrefs == MAX_REFS)
			return verr(v, pc, "refs", "Submit or discard records before reserving more.",
				    "more than %d ringbuf records held at once", MAX_REFS);
		memset(r0, 0, sizeof(*r0));
		r0->type = R_MEM_OR_NULL;
		r0->range = rb_size;
		r0->v = sc_const(0);
		r0->id = new_id(v);
		s->refs[s->nrefs] = r0->id;
		s->ref_pc[s->nrefs++] = pc;
		break;
	default:
		reg_mark_unknown(r0);
	}
	return 0;
}

/* ---- global functions ------------------------------------------------------ */

/* The struct a program type's context is, for a global function's pointer
 * argument (Linux btf_get_prog_ctx_type). */
static const struct { const char *hook, *ctx; } ctx_structs[] = {
	{ "xdp", "xdp_md" }, { "socket_filter", "__sk_buff" }, { "sched_cls", "__sk_buff" },
	{ "sched_act", "__sk_buff" }, { "cgroup_skb", "__sk_buff" }, { "lwt_in", "__sk_buff" },
	{ "lwt_out", "__sk_buff" }, { "lwt_xmit", "__sk_buff" }, { "sk_skb", "__sk_buff" },
	{ "flow_dissector", "__sk_buff" }, { "sk_msg", "sk_msg_md" }, { "kprobe", "pt_regs" },
	{ "perf_event", "bpf_perf_event_data" }, { "raw_tracepoint", "bpf_raw_tracepoint_args" },
	{ "sock_ops", "bpf_sock_ops" }, { "cgroup_sock", "bpf_sock" },
	{ "cgroup_sock_addr", "bpf_sock_addr" },
};

int global_arg_class(const struct verifier *v, const struct anybpf_func_sig *sig, unsigned i)
{
	const struct anybpf_func_param *a = &sig->args[i];

	if (a->kind == ANYBPF_PARAM_SCALAR)
		return 1;
	if (a->kind != ANYBPF_PARAM_PTR)
		return 0;
	if (a->type_name && a->type_name[0])
		for (size_t k = 0; k < sizeof(ctx_structs) / sizeof(ctx_structs[0]); k++)
			if (!strcmp(ctx_structs[k].hook, v->hook->name) &&
			    !strcmp(ctx_structs[k].ctx, a->type_name))
				return 2;
	return a->size ? 3 : 0;
}

int check_global_call(struct verifier *v, struct vstate *s, uint32_t fn)
{
	struct func_info *fi = &v->cfg.funcs[fn];
	const struct anybpf_func_sig *sg = fi->sig;
	int64_t pc = s->pc;
	struct reg *regs = REGS(s);
	char name[80];

	snprintf(name, sizeof(name), "%s()", sg->name);
	if (!fi->checked)
		return verr(v, pc, "recursion", "Rewrite the recursion as a bounded loop.",
			    "recursive call: global function %s (pc %lld) is reached again through its own calls",
			    name, (long long)fi->start);
	if (s->cur + 1 + fi->frames > MAX_FRAMES)
		return verr(v, pc, "call_depth", "Flatten the call chain.",
			    "call chain too deep: %d frames with global function %s and its calls, at most %d",
			    s->cur + 1 + fi->frames, name, MAX_FRAMES);
	if (combined_depth(v, s) + (int)fi->total_stack > STACK_SIZE)
		return verr(v, pc, "stack_depth", "Use less stack in the called functions.",
			    "combined stack of %d bytes in the active frames and %u in global function %s and its calls is more than %d",
			    combined_depth(v, s), fi->total_stack, name, STACK_SIZE);
	for (unsigned i = 0; i < sg->nargs && i < 5; i++) {
		int rn = (int)i + 1;
		struct reg *a = &regs[rn];
		if (a->type == R_NOT_INIT)
			return verr(v, pc, "uninit_reg", "Set the argument before the call.",
				    "r%d is read before it is written: global function %s takes it as argument %u",
				    rn, name, i + 1);
		switch (global_arg_class(v, sg, i)) {
		case 1:
			if (a->type != R_SCALAR)
				return verr(v, pc, "global_arg", "Pass a number, as the function's BTF signature says.",
					    "global function %s argument %u (r%d) must be a number; it is %s",
					    name, i + 1, rn, rtype_name(a->type));
			break;
		case 2:
			if (a->type != R_CTX || a->off || !sc_is_const(&a->v) || sc_val(&a->v))
				return verr(v, pc, "global_arg", "Pass the program's context pointer unmodified.",
					    "global function %s argument %u (r%d) must be the context pointer; it is %s%s",
					    name, i + 1, rn, rtype_name(a->type),
					    a->type == R_CTX ? " with an offset" : "");
			break;
		case 3: {
			if (a->type == R_SCALAR && sc_is_const(&a->v) && !sc_val(&a->v))
				break;   /* NULL */
			uint8_t t = a->type;
			if (t == R_MAP_VALUE_OR_NULL)
				a->type = R_MAP_VALUE;
			else if (t == R_MEM_OR_NULL)
				a->type = R_MEM;
			/* the callee may read and write all of it */
			int e = helper_mem(v, s, rn, i + 1, sg->args[i].size, 0, name);
			if (!e)
				e = helper_mem(v, s, rn, i + 1, sg->args[i].size, 1, name);
			a->type = t;
			if (e)
				return e;
			break;
		}
		default:
			return verr(v, pc, "global_func", "", "global function %s argument %u is not supported",
				    name, i + 1);
		}
	}
	for (int r = 1; r <= 5; r++)
		reg_mark_not_init(&regs[r]);
	if (sg->ret == ANYBPF_PARAM_SCALAR)
		reg_mark_unknown(&regs[0]);
	else
		reg_mark_not_init(&regs[0]);
	if (fi->changes_pkt) {
		invalidate_pkt(s);
		v->pass_changes_pkt = 1;
	}
	s->steps += fi->max_path;
	return 0;
}

/* relevance.c: the argument registers helper `id` reads (bit i = ri), and
 * whether it runs a callback; every argument register when unknown (the
 * call is refused anyway) */
uint16_t helper_arg_regs(const struct verifier *v, int32_t id, bool *callback)
{
	const struct helper_proto *hp = NULL;
	*callback = true;
	if (v->hook && (v->hook->flags & HOOK_WIN)) {
		const struct win_helper *w = hook_win_helper(v->hook, (uint32_t)id);
		if (!w || (w->linux_id <= 0 && !(hp = win_proto(w->id))))
			return 0x3e;
		id = w->linux_id;
	}
	if (!hp && (id <= 0 || (size_t)id >= NHELPERS || helper_protos[id].ret == HR_UNMODELED))
		return 0x3e;
	if (!hp)
		hp = &helper_protos[id];
	uint16_t m = 0;
	for (unsigned i = 0; i < 5; i++)
		if (hp->args[i] != HA_NONE)
			m |= (uint16_t)(1u << (i + 1));
	*callback = (hp->flags & HF_CALLBACK) || hp->args[0] == HA_FUNC || hp->args[1] == HA_FUNC ||
		    hp->args[2] == HA_FUNC || hp->args[3] == HA_FUNC || hp->args[4] == HA_FUNC;
	return m;
}
