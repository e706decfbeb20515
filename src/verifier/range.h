/* range.h - a scalar's abstract value: a tnum plus signed and unsigned
 * intervals at 64 and 32 bits (the 32-bit ones describe the low half).
 *
 * Every member of the concretization satisfies all five facts at once; the
 * sync step makes each fact as tight as the others allow.  An empty
 * interval (min > max) means no value is possible: the path is dead. */
#ifndef ANYBPF_VERIFIER_RANGE_H
#define ANYBPF_VERIFIER_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "tnum.h"

struct scalar {
	struct tnum var;
	uint64_t umin, umax;
	int64_t smin, smax;
	uint32_t u32min, u32max;
	int32_t s32min, s32max;
};

struct scalar sc_unknown(void);
struct scalar sc_const(uint64_t v);
/* Unknown value known to lie in [0, max] (a zero-extended load). */
struct scalar sc_umax(uint64_t max);
/* Tighten every fact from the others (Linux's reg_bounds_sync). */
void sc_sync(struct scalar *s);
/* No value possible. */
bool sc_empty(const struct scalar *s);
static inline bool sc_is_const(const struct scalar *s) { return tnum_is_const(s->var); }
static inline uint64_t sc_val(const struct scalar *s) { return s->var.value; }
/* Every value of b is a value of a. */
bool sc_in(const struct scalar *a, const struct scalar *b);
bool sc_equal(const struct scalar *a, const struct scalar *b);
/* a join b */
struct scalar sc_join(const struct scalar *a, const struct scalar *b);
/* Only the low 32 bits, zero-extended. */
struct scalar sc_zext32(const struct scalar *s);
/* Sign-extend the low `bits` (8, 16, 32) bits to 64. */
struct scalar sc_sext(const struct scalar *s, unsigned bits);

/* Arithmetic on 64-bit values; alu32 variants go through sc_zext32. */
enum sc_op { SC_ADD, SC_SUB, SC_MUL, SC_DIV, SC_SDIV, SC_MOD, SC_SMOD, SC_OR,
	     SC_AND, SC_LSH, SC_RSH, SC_ARSH, SC_XOR, SC_NEG, SC_MOV };
/* dst = dst op src at `bits` (32 or 64) width. */
struct scalar sc_alu(enum sc_op op, const struct scalar *dst, const struct scalar *src,
		     unsigned bits);
/* Byte swap / endianness conversions: BSWAP/LE/BE to `width` bits;
 * `swap` says whether bytes are reversed on this (little-endian) host. */
struct scalar sc_endian(const struct scalar *s, unsigned width, bool swap);

/* Conditions, as the branch sees them. */
enum sc_cond { SC_JEQ, SC_JNE, SC_JGT, SC_JGE, SC_JLT, SC_JLE, SC_JSGT, SC_JSGE,
	       SC_JSLT, SC_JSLE, SC_JSET, SC_JNSET /* (a & b) == 0 */ };
/* 1 if `a cond b` holds for all values, 0 if for none, -1 if unknown. */
int sc_branch_taken(const struct scalar *a, const struct scalar *b, enum sc_cond c,
		    unsigned bits);
/* Refine a and b assuming `a cond b` holds (at 32 or 64 bits).  Returns
 * false when that is impossible. */
bool sc_refine(struct scalar *a, struct scalar *b, enum sc_cond c, unsigned bits);
enum sc_cond sc_cond_negate(enum sc_cond c);
enum sc_cond sc_cond_swap(enum sc_cond c);   /* a c b  <=>  b swap(c) a */

/* "[0, 255]", "7", "[-5, 5]" - for messages. */
int sc_str(char *buf, unsigned long size, const struct scalar *s);

#endif
