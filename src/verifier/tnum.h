/* tnum.h - tristate numbers: what is known about the bits of a value.
 *
 * A tnum is a (value, mask) pair: bits set in mask are unknown, the other
 * bits are known and equal to the bits of value (value & mask == 0).  The
 * operators return a tnum that contains every result of applying the
 * operation to members of the operands (a sound over-approximation). */
#ifndef ANYBPF_VERIFIER_TNUM_H
#define ANYBPF_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct tnum {
	uint64_t value;
	uint64_t mask;
};

#define TNUM(v, m) ((struct tnum){ .value = (v), .mask = (m) })

extern const struct tnum tnum_unknown;

struct tnum tnum_const(uint64_t value);
/* The smallest tnum holding every value in [min, max]. */
struct tnum tnum_range(uint64_t min, uint64_t max);

struct tnum tnum_lshift(struct tnum a, uint8_t shift);
struct tnum tnum_rshift(struct tnum a, uint8_t shift);
/* Arithmetic shift of a value `insn_bitness` (32 or 64) bits wide. */
struct tnum tnum_arshift(struct tnum a, uint8_t min_shift, uint8_t insn_bitness);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_neg(struct tnum a);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
/* Values in both a and b (a meet); only meaningful when they overlap. */
struct tnum tnum_intersect(struct tnum a, struct tnum b);
/* Values in a or b (a join). */
struct tnum tnum_union(struct tnum a, struct tnum b);
/* Truncate to the low `size` bytes (zero-extending). */
struct tnum tnum_cast(struct tnum a, uint8_t size);
struct tnum tnum_subreg(struct tnum a);             /* low 32 bits */
struct tnum tnum_clear_subreg(struct tnum a);       /* high 32 bits only */
struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg);
struct tnum tnum_const_subreg(struct tnum a, uint32_t value);

static inline bool tnum_is_const(struct tnum a) { return !a.mask; }
static inline bool tnum_equals_const(struct tnum a, uint64_t b) { return !a.mask && a.value == b; }
static inline bool tnum_is_unknown(struct tnum a) { return !~a.mask; }
/* b is contained in a: every value of b is a value of a. */
bool tnum_in(struct tnum a, struct tnum b);
/* No value satisfies both: a and b disagree on a bit both know. */
static inline bool tnum_disjoint(struct tnum a, struct tnum b)
{
	return ((a.value ^ b.value) & ~(a.mask | b.mask)) != 0;
}
/* The value is a multiple of `size` (a power of 2) for every member. */
bool tnum_is_aligned(struct tnum a, uint64_t size);
/* "0x10", "(0x0; 0xff)": the value, or (value; mask) when not constant. */
int tnum_str(char *buf, unsigned long size, struct tnum a);

#endif
