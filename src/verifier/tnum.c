/* tnum.c - tristate numbers (see tnum.h).
 *
 * The idea: track, bit by bit, whether a value's bit is known 0, known 1 or
 * unknown.  Bitwise operations follow directly.  Addition propagates the
 * uncertainty through the carries: the sum of the lowest and of the highest
 * possible values differ exactly where a carry might or might not happen,
 * and those bits, plus the operands' unknown bits, are unknown in the result.
 * Multiplication is shift-and-add over the known and unknown bits of one
 * operand.  Everything is small, by value, and allocation-free. */
#include <stdio.h>

#include "tnum.h"

const struct tnum tnum_unknown = { .value = 0, .mask = ~(uint64_t)0 };

struct tnum tnum_const(uint64_t value)
{
	return TNUM(value, 0);
}

struct tnum tnum_range(uint64_t min, uint64_t max)
{
	uint64_t chi = min ^ max, delta;
	unsigned bits = chi ? 64 - (unsigned)__builtin_clzll(chi) : 0;

	/* the bits above the highest differing one are common; below, any */
	if (bits > 63)
		return tnum_unknown;
	delta = ((uint64_t)1 << bits) - 1;
	return TNUM(min & ~delta, delta);
}

struct tnum tnum_lshift(struct tnum a, uint8_t shift)
{
	shift &= 63;
	return TNUM(a.value << shift, a.mask << shift);
}

struct tnum tnum_rshift(struct tnum a, uint8_t shift)
{
	shift &= 63;
	return TNUM(a.value >> shift, a.mask >> shift);
}

struct tnum tnum_arshift(struct tnum a, uint8_t min_shift, uint8_t insn_bitness)
{
	/* the sign bit, known or not, is copied into the vacated bits */
	if (insn_bitness == 32)
		return TNUM((uint32_t)((int32_t)a.value >> (min_shift & 31)),
			    (uint32_t)((int32_t)a.mask >> (min_shift & 31)));
	return TNUM((uint64_t)((int64_t)a.value >> (min_shift & 63)),
		    (uint64_t)((int64_t)a.mask >> (min_shift & 63)));
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	uint64_t sm = a.mask + b.mask, sv = a.value + b.value;
	uint64_t sigma = sm + sv, chi = sigma ^ sv;
	uint64_t mu = chi | a.mask | b.mask;

	return TNUM(sv & ~mu, mu);
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	uint64_t dv = a.value - b.value;
	uint64_t alpha = dv + a.mask, beta = dv - b.mask;
	uint64_t chi = alpha ^ beta, mu = chi | a.mask | b.mask;

	return TNUM(dv & ~mu, mu);
}

struct tnum tnum_neg(struct tnum a)
{
	return tnum_sub(tnum_const(0), a);
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	uint64_t alpha = a.value | a.mask, beta = b.value | b.mask;
	uint64_t v = a.value & b.value;

	return TNUM(v, alpha & beta & ~v);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value, mu = a.mask | b.mask;

	return TNUM(v, mu & ~v);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	uint64_t v = a.value ^ b.value, mu = a.mask | b.mask;

	return TNUM(v & ~mu, mu);
}

struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	/* known bits of a times b, plus, for each unknown bit of a, b's
	 * possible bits (all unknown) at that position */
	struct tnum acc_v = tnum_const(a.value * b.value);
	struct tnum acc_m = tnum_const(0);

	while (a.value || a.mask) {
		if (a.value & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.mask));
		else if (a.mask & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.value | b.mask));
		a = tnum_rshift(a, 1);
		b = tnum_lshift(b, 1);
	}
	return tnum_add(acc_v, acc_m);
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value, mu = a.mask & b.mask;

	return TNUM(v & ~mu, mu);
}

struct tnum tnum_union(struct tnum a, struct tnum b)
{
	uint64_t mu = a.mask | b.mask | (a.value ^ b.value);

	return TNUM(a.value & ~mu, mu);
}

struct tnum tnum_cast(struct tnum a, uint8_t size)
{
	if (size >= 8)
		return a;
	uint64_t keep = ((uint64_t)1 << (size * 8)) - 1;
	return TNUM(a.value & keep, a.mask & keep);
}

struct tnum tnum_subreg(struct tnum a)
{
	return tnum_cast(a, 4);
}

struct tnum tnum_clear_subreg(struct tnum a)
{
	return tnum_lshift(tnum_rshift(a, 32), 32);
}

struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg)
{
	return tnum_or(tnum_clear_subreg(reg), tnum_subreg(subreg));
}

struct tnum tnum_const_subreg(struct tnum a, uint32_t value)
{
	return tnum_with_subreg(a, tnum_const(value));
}

bool tnum_in(struct tnum a, struct tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	b.value &= ~a.mask;
	return a.value == b.value;
}

bool tnum_is_aligned(struct tnum a, uint64_t size)
{
	if (!size)
		return true;
	return !((a.value | a.mask) & (size - 1));
}

int tnum_str(char *buf, unsigned long size, struct tnum a)
{
	if (tnum_is_const(a))
		return snprintf(buf, size, "%#llx", (unsigned long long)a.value);
	return snprintf(buf, size, "(%#llx; %#llx)", (unsigned long long)a.value,
			(unsigned long long)a.mask);
}
