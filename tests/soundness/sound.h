/* sound.h - the soundness harness (issue 4 section 4): run a program the
 * verifier accepted on random packets, contexts and map contents in the
 * interpreter's checking mode, with the accessible memory cut to exactly
 * what the program may touch; any violation is a verifier bug.  Also the
 * mutation operators of the mutation fuzzer.  Used by tests/soundness/
 * main.c (the test suite) and tests/fuzz/fuzz_mutate.c (libFuzzer).
 *
 * Why not anybpf_prog_test_run(checked=1): its checking mode lets a
 * program reach the whole packet buffer (256 bytes of headroom, 512 of
 * tailroom) and the whole native context (every __sk_buff byte and the
 * real packet pointers after it, writable), so a packet read a few bytes
 * past data_end, or a write to a read-only context field, passes.  This
 * harness loads the program the way src/runtime/runtime.c does (verify,
 * context rewrite, Linux helpers, the runtime's live maps) but runs it
 * with one region per context field the program type allows (read-only
 * or read-write as hooks.def says), the real packet pointers read-only,
 * and the packet as [data_meta, data_end) only.  It also checks the
 * verifier's termination bound: the run's budget is the "terminates
 * within N instructions" it proved. */
#ifndef ANYBPF_TESTS_SOUND_H
#define ANYBPF_TESTS_SOUND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "anybpf.h"

/* splitmix64: deterministic, seedable, good enough for inputs */
static inline uint64_t sd_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t sd_below(uint64_t *s, uint64_t n)
{
	return n ? sd_rand(s) % n : 0;
}

/* A sample program opened for the harness. */
struct sd_prog {
	char name[512];                 /* file:section/function */
	anybpf_object *obj;
	const anybpf_prog *prog;
	const struct hook *hook;
	anybpf_runtime *rt;             /* its live maps */
	struct anybpf_map_desc *descs;
	anybpf_rtmap **maps;
	size_t nmaps;
	const struct anybpf_insn *insns;
	size_t n;
	uint64_t verify_budget;         /* explored instructions; 0: the default */
};

enum { SD_OK = 0, SD_SKIP = 1 };

/* Open program `func` ("-" or NULL: the section's first) of section in
 * the object at path, to run as `type`.  0, or SD_SKIP with the reason in
 * why (no such program, no descriptor for the type, maps that cannot be
 * created), or a negative
 * code (the object does not open). */
int sd_open(struct sd_prog *p, const char *path, const char *section, const char *func,
	    const char *type, char *why, size_t whylen);
void sd_close(struct sd_prog *p);

/* Verify insns (the program or a mutant of it) as p's type with p's maps;
 * 0 and *res (the verdict in (*res)->verified), or a negative code. */
int sd_verify(const struct sd_prog *p, const struct anybpf_insn *insns, size_t n,
	      struct anybpf_verify_result **res);

struct sd_exec;
/* Load verified insns for runs: 0, SD_SKIP (a helper the runtime does not
 * implement: its id in *helper; or the context rewrite refuses the code,
 * *helper = 0), or a negative code; why says which. */
int sd_load(struct sd_prog *p, const struct anybpf_insn *insns, size_t n,
	    const struct anybpf_verify_result *res, struct sd_exec **out, uint32_t *helper,
	    char *why, size_t whylen);
void sd_exec_free(struct sd_exec *e);
/* Instructions a run may execute (default: the verifier's bound). */
void sd_set_budget(struct sd_exec *e, uint64_t budget);

struct sd_stats {
	uint64_t runs;          /* inputs run */
	uint64_t refused;       /* inputs the context builder refused (regenerated) */
	uint64_t unbuilt;       /* inputs given up after 16 refusals (not run) */
	uint64_t insns;         /* instructions executed in all */
	uint64_t violations;
	uint64_t oob;           /* of which out-of-bounds accesses */
};

/* Run `count` random inputs (input i from seed and i) through e; stop at
 * the first violation, described on out (program, label, seed, input,
 * the log, the code around the pc; out NULL: quiet).  Returns the number of violations
 * (0 or 1). */
int sd_run_inputs(struct sd_prog *p, struct sd_exec *e, uint64_t seed, unsigned count,
		  const char *label, FILE *out, struct sd_stats *st);

/* ---- mutations -------------------------------------------------------- */
enum sd_mut_kind {
	SD_MUT_DROP_CHECK,   /* conditional jump -> ja (always) or ja +0 (never) */
	SD_MUT_SHIFT_OFF,    /* load/store offset +-1..8 */
	SD_MUT_WIDEN,        /* load/store size one step wider */
	SD_MUT_FLIP_CMP,     /* conditional jump: another comparison */
	SD_MUT_SWAP_REG,     /* another dst or src register */
	SD_MUT_CHANGE_IMM,   /* an immediate +-1..8, negated, 0 or random */
	SD_MUT_ALU_OP,       /* another ALU operation (add -> sub, and -> or, ...) */
	SD_MUT_WIDTH,        /* ALU64 <-> ALU32, JMP <-> JMP32 */
	SD_MUT_RETARGET,     /* a jump's offset +-1..3 (loops included) */
	SD_MUT_SIGN_EXT,     /* a load becomes sign-extending, or the reverse */
	SD_MUT_SWAP_OPS,     /* a register comparison with its operands swapped */
	SD_MUT_COUNT
};
const char *sd_mut_name(enum sd_mut_kind k);

/* Apply one mutation of kind k to insns (n slots) at a pc picked with r
 * (pick % eligible pcs), param choosing the variant; writes a one-line
 * description (kind, pc, before -> after) into desc and the pc into *at
 * (unless NULL).  1 when insns
 * changed, 0 when no instruction of that kind exists. */
int sd_mutate(struct anybpf_insn *insns, size_t n, enum sd_mut_kind k, uint64_t pick,
	      uint64_t param, char *desc, size_t desclen, size_t *at);

/* The probe of pc: insns with insns[pc] replaced by a load above the stack
 * frame, which faults in checking mode as soon as pc is reached (to tell
 * whether random inputs reach a mutated instruction).  Loaded with the
 * original's verification result `res` (its ctx_off entry for pc
 * dropped).  0, or SD_SKIP / a negative code as sd_load. */
int sd_load_probe(struct sd_prog *p, const struct anybpf_verify_result *res, size_t pc,
		  struct sd_exec **out);

#endif
