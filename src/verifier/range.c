/* range.c - scalar values: tnum + signed/unsigned 64/32-bit intervals.
 *
 * The idea: each fact alone is weak (a tnum cannot say "less than 10", an
 * unsigned interval cannot say "even", a signed one cannot cross the sign
 * boundary usefully), together they are precise enough for what compilers
 * emit: bounds checks, masks, shifts, 32-bit subregisters.  Operators compute
 * each fact soundly, then sc_sync() lets the facts tighten one another.
 * Small structs by value, no allocation. */
#include <stdio.h>

#include "range.h"

#define U32_MAX 0xffffffffu
#define S32_MIN ((int32_t)0x80000000)
#define S32_MAX 0x7fffffff
#define U64_MAX (~(uint64_t)0)
#define S64_MIN ((int64_t)((uint64_t)1 << 63))
#define S64_MAX ((int64_t)(U64_MAX >> 1))

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct scalar sc_unknown(void)
{
	return (struct scalar){ .var = tnum_unknown, .umin = 0, .umax = U64_MAX,
				.smin = S64_MIN, .smax = S64_MAX, .u32min = 0,
				.u32max = U32_MAX, .s32min = S32_MIN, .s32max = S32_MAX };
}

struct scalar sc_const(uint64_t v)
{
	return (struct scalar){ .var = tnum_const(v), .umin = v, .umax = v,
				.smin = (int64_t)v, .smax = (int64_t)v,
				.u32min = (uint32_t)v, .u32max = (uint32_t)v,
				.s32min = (int32_t)v, .s32max = (int32_t)v };
}

struct scalar sc_umax(uint64_t max)
{
	struct scalar s = sc_unknown();
	s.umax = max;
	s.var = tnum_range(0, max);
	sc_sync(&s);
	return s;
}

bool sc_empty(const struct scalar *s)
{
	return s->umin > s->umax || s->smin > s->smax || s->u32min > s->u32max ||
	       s->s32min > s->s32max;
}

/* bounds from the known bits */
static void from_tnum(struct scalar *s)
{
	struct tnum v = s->var, w = tnum_subreg(s->var);

	s->smin = MAX(s->smin, (int64_t)(v.value | (v.mask & (uint64_t)S64_MIN)));
	s->smax = MIN(s->smax, (int64_t)(v.value | (v.mask & (uint64_t)S64_MAX)));
	s->umin = MAX(s->umin, v.value);
	s->umax = MIN(s->umax, v.value | v.mask);
	s->s32min = MAX(s->s32min, (int32_t)(uint32_t)(w.value | (w.mask & 0x80000000u)));
	s->s32max = MIN(s->s32max, (int32_t)(uint32_t)(w.value | (w.mask & 0x7fffffffu)));
	s->u32min = MAX(s->u32min, (uint32_t)w.value);
	s->u32max = MIN(s->u32max, (uint32_t)(w.value | w.mask));
}

/* signed <-> unsigned where a range does not straddle the other's wrap
 * point, and 64 <-> 32 where the high halves agree */
static void deduce(struct scalar *s)
{
	if ((int32_t)s->u32min <= (int32_t)s->u32max) {
		s->s32min = MAX(s->s32min, (int32_t)s->u32min);
		s->s32max = MIN(s->s32max, (int32_t)s->u32max);
	}
	if ((uint32_t)s->s32min <= (uint32_t)s->s32max) {
		s->u32min = MAX(s->u32min, (uint32_t)s->s32min);
		s->u32max = MIN(s->u32max, (uint32_t)s->s32max);
	}
	if ((s->umin >> 32) == (s->umax >> 32) && (uint32_t)s->umin <= (uint32_t)s->umax) {
		s->u32min = MAX(s->u32min, (uint32_t)s->umin);
		s->u32max = MIN(s->u32max, (uint32_t)s->umax);
		if ((int32_t)s->umin <= (int32_t)s->umax) {
			s->s32min = MAX(s->s32min, (int32_t)s->umin);
			s->s32max = MIN(s->s32max, (int32_t)s->umax);
		}
	}
	if ((s->smin >> 32) == (s->smax >> 32)) {
		if ((int32_t)s->smin <= (int32_t)s->smax) {
			s->s32min = MAX(s->s32min, (int32_t)s->smin);
			s->s32max = MIN(s->s32max, (int32_t)s->smax);
		}
		if ((uint32_t)s->smin <= (uint32_t)s->smax) {
			s->u32min = MAX(s->u32min, (uint32_t)s->smin);
			s->u32max = MIN(s->u32max, (uint32_t)s->smax);
		}
	}
	/* 32 -> 64: with the high half fixed, the low half's bounds apply */
	if ((s->umin >> 32) == (s->umax >> 32)) {
		uint64_t hi = s->umin & ~(uint64_t)U32_MAX;
		s->umin = MAX(s->umin, hi | s->u32min);
		s->umax = MIN(s->umax, hi | s->u32max);
	}
	if ((s->smin >> 32) == (s->smax >> 32)) {
		uint64_t hi = (uint64_t)s->smin & ~(uint64_t)U32_MAX;
		s->smin = MAX(s->smin, (int64_t)(hi | s->u32min));
		s->smax = MIN(s->smax, (int64_t)(hi | s->u32max));
	}
	if ((int64_t)s->umin <= (int64_t)s->umax) {
		s->smin = MAX(s->smin, (int64_t)s->umin);
		s->smax = MIN(s->smax, (int64_t)s->umax);
	}
	if ((uint64_t)s->smin <= (uint64_t)s->smax) {
		s->umin = MAX(s->umin, (uint64_t)s->smin);
		s->umax = MIN(s->umax, (uint64_t)s->smax);
	}
}

/* known bits from the bounds */
static void to_tnum(struct scalar *s)
{
	struct tnum t = tnum_intersect(s->var, tnum_range(s->umin, s->umax));
	struct tnum w = tnum_intersect(tnum_subreg(t), tnum_range(s->u32min, s->u32max));

	s->var = tnum_with_subreg(t, w);
}

void sc_sync(struct scalar *s)
{
	for (int round = 0; round < 2; round++) {
		from_tnum(s);
		deduce(s);
		if (sc_empty(s))
			return;
		to_tnum(s);
	}
	from_tnum(s);
}

bool sc_in(const struct scalar *a, const struct scalar *b)
{
	return tnum_in(a->var, b->var) && a->umin <= b->umin && b->umax <= a->umax &&
	       a->smin <= b->smin && b->smax <= a->smax && a->u32min <= b->u32min &&
	       b->u32max <= a->u32max && a->s32min <= b->s32min && b->s32max <= a->s32max;
}

bool sc_equal(const struct scalar *a, const struct scalar *b)
{
	return sc_in(a, b) && sc_in(b, a);
}

struct scalar sc_join(const struct scalar *a, const struct scalar *b)
{
	struct scalar r = {
		.var = tnum_union(a->var, b->var),
		.umin = MIN(a->umin, b->umin), .umax = MAX(a->umax, b->umax),
		.smin = MIN(a->smin, b->smin), .smax = MAX(a->smax, b->smax),
		.u32min = MIN(a->u32min, b->u32min), .u32max = MAX(a->u32max, b->u32max),
		.s32min = MIN(a->s32min, b->s32min), .s32max = MAX(a->s32max, b->s32max),
	};
	sc_sync(&r);
	return r;
}

struct scalar sc_zext32(const struct scalar *s)
{
	struct scalar r = *s;

	r.var = tnum_subreg(s->var);
	r.umin = s->u32min;
	r.umax = s->u32max;
	r.smin = s->u32min;
	r.smax = s->u32max;
	sc_sync(&r);
	return r;
}

struct scalar sc_sext(const struct scalar *s, unsigned bits)
{
	if (sc_is_const(s)) {
		uint64_t v = sc_val(s);
		int64_t x = bits == 8 ? (int8_t)v : bits == 16 ? (int16_t)v : (int32_t)v;
		return sc_const((uint64_t)x);
	}
	struct scalar r = sc_unknown();
	uint64_t half = (uint64_t)1 << (bits - 1);
	uint64_t keep = bits == 64 ? U64_MAX : ((uint64_t)1 << bits) - 1;
	struct tnum low = tnum_cast(s->var, (uint8_t)(bits / 8));
	if (!((low.value | low.mask) & half)) {
		/* the sign bit is known 0: a zero extension */
		r.var = low;
	} else if ((low.value & half) != 0) {
		r.var = TNUM(low.value | ~keep, low.mask); /* known negative */
	} else {
		r.var = TNUM(low.value, low.mask | ~keep);
	}
	r.smin = -(int64_t)half;
	r.smax = (int64_t)(half - 1);
	sc_sync(&r);
	return r;
}

/* ---- arithmetic --------------------------------------------------------- */

static uint64_t eval(enum sc_op op, uint64_t a, uint64_t b, unsigned bits)
{
	unsigned sh = bits == 32 ? (unsigned)(b & 31) : (unsigned)(b & 63);

	switch (op) {
	case SC_ADD: return a + b;
	case SC_SUB: return a - b;
	case SC_MUL: return a * b;
	case SC_DIV: return b ? a / b : 0;
	case SC_MOD: return b ? a % b : a;
	case SC_SDIV:
		if (!b)
			return 0;
		if (bits == 32)
			return (int32_t)b == -1 ? (uint64_t)-(int64_t)(int32_t)a
						: (uint64_t)(int64_t)((int32_t)a / (int32_t)b);
		return (int64_t)b == -1 ? -a : (uint64_t)((int64_t)a / (int64_t)b);
	case SC_SMOD:
		if (!b)
			return a;
		if (bits == 32)
			return (int32_t)b == -1 ? 0 : (uint64_t)(int64_t)((int32_t)a % (int32_t)b);
		return (int64_t)b == -1 ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
	case SC_OR: return a | b;
	case SC_AND: return a & b;
	case SC_LSH: return a << sh;
	case SC_RSH: return (bits == 32 ? (uint32_t)a : a) >> sh;
	case SC_ARSH:
		if (bits == 32)
			return (uint64_t)(int64_t)((int32_t)a >> sh);
		return (uint64_t)((int64_t)a >> sh);
	case SC_XOR: return a ^ b;
	case SC_NEG: return -a;
	case SC_MOV: return b;
	}
	return 0;
}

/* 64-bit dst op src for non-constant operands */
static struct scalar alu64(enum sc_op op, const struct scalar *d, const struct scalar *s)
{
	struct scalar r = sc_unknown();
	bool nonneg = d->smin >= 0 && s->smin >= 0;
	uint64_t u1, u2;
	int64_t s1, s2;

	switch (op) {
	case SC_ADD:
		r.var = tnum_add(d->var, s->var);
		if (!__builtin_add_overflow(d->umin, s->umin, &u1) &&
		    !__builtin_add_overflow(d->umax, s->umax, &u2)) {
			r.umin = u1;
			r.umax = u2;
		}
		if (!__builtin_add_overflow(d->smin, s->smin, &s1) &&
		    !__builtin_add_overflow(d->smax, s->smax, &s2)) {
			r.smin = s1;
			r.smax = s2;
		}
		break;
	case SC_SUB:
		r.var = tnum_sub(d->var, s->var);
		if (d->umin >= s->umax) {
			r.umin = d->umin - s->umax;
			r.umax = d->umax - s->umin;
		}
		if (!__builtin_sub_overflow(d->smin, s->smax, &s1) &&
		    !__builtin_sub_overflow(d->smax, s->smin, &s2)) {
			r.smin = s1;
			r.smax = s2;
		}
		break;
	case SC_MUL:
		r.var = tnum_mul(d->var, s->var);
		if (!__builtin_mul_overflow(d->umax, s->umax, &u2)) {
			r.umin = d->umin * s->umin;
			r.umax = u2;
		}
		break;
	case SC_AND:
		r.var = tnum_and(d->var, s->var);
		r.umax = MIN(d->umax, s->umax);
		if (nonneg) {
			r.smin = 0;
			r.smax = (int64_t)r.umax;
		}
		break;
	case SC_OR:
		r.var = tnum_or(d->var, s->var);
		r.umin = MAX(d->umin, s->umin);
		break;
	case SC_XOR:
		r.var = tnum_xor(d->var, s->var);
		break;
	case SC_LSH:
		if (sc_is_const(s)) {
			unsigned k = (unsigned)(sc_val(s) & 63);
			r.var = tnum_lshift(d->var, (uint8_t)k);
			if (k == 0 || (d->umax >> (64 - k)) == 0) {
				r.umin = d->umin << k;
				r.umax = d->umax << k;
			}
		}
		break;
	case SC_RSH:
		if (sc_is_const(s)) {
			unsigned k = (unsigned)(sc_val(s) & 63);
			r.var = tnum_rshift(d->var, (uint8_t)k);
			r.umin = d->umin >> k;
			r.umax = d->umax >> k;
		} else {
			r.umax = d->umax; /* shifting right never grows a value */
		}
		break;
	case SC_ARSH:
		if (sc_is_const(s)) {
			unsigned k = (unsigned)(sc_val(s) & 63);
			r.var = tnum_arshift(d->var, (uint8_t)k, 64);
			r.smin = d->smin >> k;
			r.smax = d->smax >> k;
		}
		break;
	case SC_DIV:
		if (sc_is_const(s) && sc_val(s)) {
			r.umin = d->umin / sc_val(s);
			r.umax = d->umax / sc_val(s);
		} else {
			r.umax = d->umax; /* x / y <= x, x / 0 = 0 */
		}
		break;
	case SC_MOD:
		/* x % y <= x, and < y when y != 0; x % 0 = x */
		r.umax = d->umax;
		if (s->umin > 0)
			r.umax = MIN(d->umax, s->umax - 1);
		break;
	case SC_NEG:
		r.var = tnum_neg(d->var);
		break;
	case SC_SDIV: case SC_SMOD: case SC_MOV:
		break;
	}
	sc_sync(&r);
	return r;
}

struct scalar sc_alu(enum sc_op op, const struct scalar *dst, const struct scalar *src,
		     unsigned bits)
{
	if (op == SC_MOV)
		return bits == 32 ? sc_zext32(src) : *src;
	if (sc_is_const(dst) && (op == SC_NEG || sc_is_const(src))) {
		uint64_t a = sc_val(dst), b = op == SC_NEG ? 0 : sc_val(src);
		if (bits == 32) {
			a = (uint32_t)a;
			b = (uint32_t)b;
		}
		uint64_t v = eval(op, a, b, bits);
		return sc_const(bits == 32 ? (uint32_t)v : v);
	}
	if (bits == 64)
		return alu64(op, dst, src);
	/* 32 bits: compute on the low halves (sign-extended where the sign
	 * matters), then keep the low 32 bits of the result */
	bool sign = op == SC_ARSH || op == SC_SDIV || op == SC_SMOD;
	struct scalar d = sign ? sc_sext(dst, 32) : sc_zext32(dst);
	struct scalar s = sign ? sc_sext(src, 32) : sc_zext32(src);
	if ((op == SC_LSH || op == SC_RSH || op == SC_ARSH) && sc_is_const(&s))
		s = sc_const(sc_val(&s) & 31);
	else if (op == SC_LSH || op == SC_RSH || op == SC_ARSH)
		s = sc_unknown();
	struct scalar r = alu64(op, &d, &s);
	return sc_zext32(&r);
}

static uint64_t swap_bytes(uint64_t v, unsigned width)
{
	switch (width) {
	case 16: return __builtin_bswap16((uint16_t)v);
	case 32: return __builtin_bswap32((uint32_t)v);
	default: return __builtin_bswap64(v);
	}
}

struct scalar sc_endian(const struct scalar *s, unsigned width, bool swap)
{
	uint64_t keep = width == 64 ? U64_MAX : ((uint64_t)1 << width) - 1;
	struct tnum t = TNUM(s->var.value & keep, s->var.mask & keep);
	struct scalar r = sc_unknown();

	if (swap)
		t = TNUM(swap_bytes(t.value, width), swap_bytes(t.mask, width));
	if (tnum_is_const(t))
		return sc_const(t.value);
	r.var = t;
	sc_sync(&r);
	return r;
}

/* ---- conditions ---------------------------------------------------------- */

/* One width of a scalar: 64 bits, or the low 32 with their own bounds. */
struct view {
	struct tnum var;
	uint64_t umin, umax;
	int64_t smin, smax;
	uint64_t ulim;          /* largest unsigned value at this width */
	int64_t slo, shi;       /* signed limits at this width */
};

static struct view view_of(const struct scalar *s, unsigned bits)
{
	if (bits == 64)
		return (struct view){ s->var, s->umin, s->umax, s->smin, s->smax,
				      U64_MAX, S64_MIN, S64_MAX };
	return (struct view){ tnum_subreg(s->var), s->u32min, s->u32max, s->s32min, s->s32max,
			      U32_MAX, S32_MIN, S32_MAX };
}

static void view_store(struct scalar *s, const struct view *v, unsigned bits)
{
	if (bits == 64) {
		s->var = v->var;
		s->umin = v->umin;
		s->umax = v->umax;
		s->smin = v->smin;
		s->smax = v->smax;
	} else {
		s->var = tnum_with_subreg(s->var, v->var);
		s->u32min = (uint32_t)v->umin;
		s->u32max = (uint32_t)v->umax;
		s->s32min = (int32_t)v->smin;
		s->s32max = (int32_t)v->smax;
	}
}

enum sc_cond sc_cond_negate(enum sc_cond c)
{
	static const enum sc_cond neg[] = {
		[SC_JEQ] = SC_JNE, [SC_JNE] = SC_JEQ, [SC_JGT] = SC_JLE, [SC_JGE] = SC_JLT,
		[SC_JLT] = SC_JGE, [SC_JLE] = SC_JGT, [SC_JSGT] = SC_JSLE, [SC_JSGE] = SC_JSLT,
		[SC_JSLT] = SC_JSGE, [SC_JSLE] = SC_JSGT, [SC_JSET] = SC_JNSET, [SC_JNSET] = SC_JSET,
	};
	return neg[c];
}

enum sc_cond sc_cond_swap(enum sc_cond c)
{
	static const enum sc_cond sw[] = {
		[SC_JEQ] = SC_JEQ, [SC_JNE] = SC_JNE, [SC_JGT] = SC_JLT, [SC_JGE] = SC_JLE,
		[SC_JLT] = SC_JGT, [SC_JLE] = SC_JGE, [SC_JSGT] = SC_JSLT, [SC_JSGE] = SC_JSLE,
		[SC_JSLT] = SC_JSGT, [SC_JSLE] = SC_JSGE, [SC_JSET] = SC_JSET, [SC_JNSET] = SC_JNSET,
	};
	return sw[c];
}

static int taken(const struct view *a, const struct view *b, enum sc_cond c)
{
	switch (c) {
	case SC_JEQ:
		if (tnum_is_const(a->var) && tnum_is_const(b->var))
			return a->var.value == b->var.value;
		if (a->umin > b->umax || a->umax < b->umin || a->smin > b->smax ||
		    a->smax < b->smin || tnum_disjoint(a->var, b->var))
			return 0;
		return -1;
	case SC_JNE: {
		int t = taken(a, b, SC_JEQ);
		return t < 0 ? t : !t;
	}
	case SC_JGT:
		return a->umin > b->umax ? 1 : a->umax <= b->umin ? 0 : -1;
	case SC_JGE:
		return a->umin >= b->umax ? 1 : a->umax < b->umin ? 0 : -1;
	case SC_JSGT:
		return a->smin > b->smax ? 1 : a->smax <= b->smin ? 0 : -1;
	case SC_JSGE:
		return a->smin >= b->smax ? 1 : a->smax < b->smin ? 0 : -1;
	case SC_JLT: case SC_JLE: case SC_JSLT: case SC_JSLE:
		return taken(b, a, sc_cond_swap(c));
	case SC_JSET:
		if (a->var.value & b->var.value)
			return 1;
		if (!((a->var.value | a->var.mask) & (b->var.value | b->var.mask)))
			return 0;
		return -1;
	case SC_JNSET: {
		int t = taken(a, b, SC_JSET);
		return t < 0 ? t : !t;
	}
	}
	return -1;
}

int sc_branch_taken(const struct scalar *a, const struct scalar *b, enum sc_cond c,
		    unsigned bits)
{
	struct view x = view_of(a, bits), y = view_of(b, bits);
	return taken(&x, &y, c);
}

/* a > b (strict) or a >= b on one signedness, tightening both sides */
static bool refine_gt(struct view *a, struct view *b, bool strict, bool sign)
{
	if (sign) {
		int64_t lo = b->smin, hi = a->smax;
		if (strict && (lo == a->shi || hi == a->slo))
			return false;
		a->smin = MAX(a->smin, strict ? lo + 1 : lo);
		b->smax = MIN(b->smax, strict ? hi - 1 : hi);
	} else {
		uint64_t lo = b->umin, hi = a->umax;
		if (strict && (lo == a->ulim || hi == 0))
			return false;
		a->umin = MAX(a->umin, strict ? lo + 1 : lo);
		b->umax = MIN(b->umax, strict ? hi - 1 : hi);
	}
	return true;
}

/* a != k for a constant k: only an end of a's ranges can move */
static void refine_ne_const(struct view *a, uint64_t k)
{
	if (a->umin == k && a->umin < a->umax)
		a->umin++;
	else if (a->umax == k && a->umin < a->umax)
		a->umax--;
	int64_t sk = a->ulim == U32_MAX ? (int64_t)(int32_t)k : (int64_t)k;
	if (a->smin == sk && a->smin < a->smax)
		a->smin++;
	else if (a->smax == sk && a->smin < a->smax)
		a->smax--;
}

static bool refine(struct view *a, struct view *b, enum sc_cond c)
{
	switch (c) {
	case SC_JEQ:
		if (tnum_disjoint(a->var, b->var))
			return false;
		a->var = b->var = tnum_intersect(a->var, b->var);
		a->umin = b->umin = MAX(a->umin, b->umin);
		a->umax = b->umax = MIN(a->umax, b->umax);
		a->smin = b->smin = MAX(a->smin, b->smin);
		a->smax = b->smax = MIN(a->smax, b->smax);
		return true;
	case SC_JNE:
		if (tnum_is_const(a->var) && tnum_is_const(b->var) && a->var.value == b->var.value)
			return false;
		if (tnum_is_const(b->var))
			refine_ne_const(a, b->var.value);
		if (tnum_is_const(a->var))
			refine_ne_const(b, a->var.value);
		return true;
	case SC_JGT: return refine_gt(a, b, true, false);
	case SC_JGE: return refine_gt(a, b, false, false);
	case SC_JSGT: return refine_gt(a, b, true, true);
	case SC_JSGE: return refine_gt(a, b, false, true);
	case SC_JLT: case SC_JLE: case SC_JSLT: case SC_JSLE:
		return refine(b, a, sc_cond_swap(c));
	case SC_JSET:
		/* a single known bit tested: it is set */
		if (tnum_is_const(b->var) && b->var.value &&
		    !(b->var.value & (b->var.value - 1))) {
			a->var.value |= b->var.value;
			a->var.mask &= ~b->var.value;
		}
		return true;
	case SC_JNSET:
		if (tnum_is_const(b->var)) {
			a->var.value &= ~b->var.value;
			a->var.mask &= ~b->var.value;
		}
		return true;
	}
	return true;
}

bool sc_refine(struct scalar *a, struct scalar *b, enum sc_cond c, unsigned bits)
{
	struct view x = view_of(a, bits), y = view_of(b, bits);

	if (!refine(&x, &y, c))
		return false;
	if (x.umin > x.umax || x.smin > x.smax || y.umin > y.umax || y.smin > y.smax)
		return false;
	view_store(a, &x, bits);
	view_store(b, &y, bits);
	sc_sync(a);
	sc_sync(b);
	return !sc_empty(a) && !sc_empty(b);
}

int sc_str(char *buf, unsigned long size, const struct scalar *s)
{
	if (sc_is_const(s)) {
		if (s->smin < 0)
			return snprintf(buf, size, "%lld", (long long)s->smin);
		return snprintf(buf, size, "%llu", (unsigned long long)s->umin);
	}
	if (s->smin >= 0 || s->umax <= (uint64_t)S64_MAX)
		return snprintf(buf, size, "[%llu, %llu]", (unsigned long long)s->umin,
				(unsigned long long)s->umax);
	if (s->smin > S64_MIN || s->smax < S64_MAX)
		return snprintf(buf, size, "[%lld, %lld]", (long long)s->smin, (long long)s->smax);
	return snprintf(buf, size, "unknown");
}
