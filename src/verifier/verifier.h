/* verifier.h - the verifier's internal types, shared by its passes:
 *   cfg.c       decode + control flow: functions, jump targets, prune
 *               points, reachability, static register liveness
 *   relevance.c which registers / stack slots may matter for safety (precision)
 *   state.c     abstract state: registers, stack, copy, subsumption, printing
 *   transfer.c  the effect of each instruction on a state (by isa.def row)
 *   checks.c    memory access rules per pointer type, helper arguments
 *   explore.c   path exploration with pruning, loops, calls; the API
 *   report.c    diagnostics and the text report */
#ifndef ANYBPF_VERIFIER_H
#define ANYBPF_VERIFIER_H

#include <stdbool.h>
#include <stdint.h>

#include "anybpf.h"
#include "hooks/hooks.h"
#include "isa.h"
#include "range.h"

#define MAX_FRAMES  8      /* call depth, as Linux */
#define STACK_SIZE  512    /* bytes per program (all frames together) */
#define NSLOTS      (STACK_SIZE / 8)
#define MAX_VAR_OFF (1 << 29)   /* variable offsets beyond this are refused */
#define MAX_PKT_OFF 0xffff
#define MAX_REFS    8      /* references a path may hold at once */

/* What a register holds. */
enum rtype {
	R_NOT_INIT,          /* never written on this path */
	R_SCALAR,            /* a number: v */
	R_CTX,               /* context + off + v */
	R_STACK,             /* frame `frame`'s top + off + v (off <= 0) */
	R_PKT,               /* packet start + off + v; `range` bytes proven from start + v */
	R_PKT_META,          /* metadata start + off + v; `range` proven before data */
	R_PKT_END,           /* packet end */
	R_MAP_PTR,           /* map `map` */
	R_MAP_VALUE,         /* value of map `map` + off + v */
	R_MAP_VALUE_OR_NULL, /* ... or NULL; `id` ties copies for the null check */
	R_MEM,               /* helper memory of `range` bytes + off + v */
	R_MEM_OR_NULL,
	R_MAP_PTR_OR_NULL,   /* map-in-map lookup result */
	R_FUNC,              /* a function of the program: `off` is its pc */
	R_MAP_KEY,           /* a key of map `map` (key_size bytes, read-only) + off + v */
	R_COUNT
};

struct reg {
	uint8_t type;        /* enum rtype */
	uint8_t frame;       /* R_STACK: frame number */
	uint16_t map;        /* R_MAP_*: map index */
	uint32_t id;         /* scalars: copies share it; pointers: null/packet group */
	int32_t off;         /* fixed offset of pointers */
	uint32_t range;      /* R_PKT*: proven bytes; R_MEM*: size */
	struct scalar v;     /* R_SCALAR: the value; pointers: the variable offset */
};

/* Stack bytes, 8 to a slot; slot i holds bytes [fp - 8(i+1), fp - 8i). */
enum { SB_INVALID, SB_MISC, SB_ZERO, SB_SPILL };

struct slot {
	uint8_t kind[8];     /* per byte, kind[0] the lowest address */
	uint8_t spill_off;   /* the spilled register's bytes: [spill_off, +size) */
	uint8_t spill_size;  /* 0: none */
	struct reg spill;
};

struct frame {
	struct reg regs[11];
	int64_t callsite;    /* pc of the call that made it, -1 for the main one */
	uint32_t func;       /* function index (cfg) */
	uint32_t nslots;     /* slots in use, from the top */
	struct slot *slots;  /* slots[i]: see struct slot */
	/* a bpf_loop callback: iteration cb_iter of at most cb_max, with the
	 * context argument cb_ctx; cb_max 0 for ordinary calls */
	uint32_t cb_iter, cb_min, cb_max;   /* nr is in [cb_min, cb_max] */
	struct reg cb_ctx;
	uint16_t cb_map1;    /* bpf_for_each_map_elem: the map + 1; 0 bpf_loop */
};

struct vstate {
	struct frame *fr[MAX_FRAMES];
	int cur;             /* current frame */
	int64_t pc;
	uint64_t steps;      /* instructions executed on this path */
	struct checkpoint *parent;   /* the last checkpoint on this path */
	int64_t loop_head;   /* the last back-edge target entered, for messages */
	uint8_t nrefs;       /* references held (ringbuf records): ids, where */
	uint32_t refs[MAX_REFS];
	int64_t ref_pc[MAX_REFS];
};

/* A stored state at a prune point. */
struct checkpoint {
	struct checkpoint *next;     /* same pc */
	struct checkpoint *parent;   /* previous checkpoint on its path */
	struct vstate st;
	uint32_t branches;           /* unfinished paths below it */
	uint64_t steps;              /* steps when it was stored */
	uint64_t tail;               /* longest path found below it */
	/* a quick filter: the current frame's live, relevant registers that
	 * hold a constant number (bit i = ri) and a hash of their values; a
	 * state matches only with the same constants there */
	uint16_t cmask;
	uint64_t csig;
};

/* ---- cfg.c ------------------------------------------------------------ */
enum { PC_PRUNE = 1, PC_FUNC = 2, PC_REACH = 4, PC_LOOP_HEAD = 8, PC_LDDW2 = 16 };

struct func_info {
	int64_t start, end;          /* [start, end) */
	uint32_t stack_depth;        /* deepest stack byte used, seen so far */
	/* a global function (BTF), verified on its own: its signature, and
	 * once checked the longest path, the stack and frames it may use
	 * with its callees, and whether it may move packet data */
	const struct anybpf_func_sig *sig;
	uint8_t global, checked, frames, changes_pkt;
	uint32_t total_stack;
	uint64_t max_path;
};

struct cfg {
	size_t n;
	int16_t *row;                /* isa row per pc, -1 for an lddw second slot */
	uint8_t *flags;              /* PC_* */
	uint32_t *func_of;           /* function index per pc */
	uint16_t *live;              /* registers live before pc (bit i = ri) */
	/* relevance.c: registers (bit i = ri) and own stack slots (bit i =
	 * slot i) whose value may matter for safety, before pc */
	uint16_t *rel;
	uint64_t *srel;
	struct func_info *funcs;
	size_t nfuncs;
};

struct verifier;
int cfg_build(struct verifier *v);
void cfg_free(struct cfg *c);
/* relevance.c: fills cfg.rel / cfg.srel (after cfg_build) */
int cfg_relevance(struct verifier *v);
/* registers (bit i = ri) the instruction at pc reads and writes */
void cfg_use_def(const struct verifier *v, int64_t pc, uint16_t *use, uint16_t *def);

/* ---- the run ------------------------------------------------------------ */
struct diag_buf {
	int64_t pc;
	const char *check;
	char *message, *hint;
	char *slice;                 /* level informational, else NULL */
};

/* level informational: one instruction of the current path (slice.c) */
struct hist_entry {
	int64_t pc;
	uint8_t frame;               /* frame depth when it ran */
	int8_t reg;                  /* register written or refined, -1 none */
	struct reg val;              /* reg right after it */
};

struct verifier {
	const struct anybpf_insn *insns;
	size_t n;
	const struct hook *hook;
	const struct anybpf_map_desc *maps;
	size_t nmaps;
	int strict, allow_unreachable, allow_uninit_stack;
	const struct anybpf_func_sig *sigs;
	size_t nsigs;
	uint32_t pass_func;          /* the function explored from its entry */
	uint8_t pass_changes_pkt;    /* this pass called a packet-moving helper */
	enum anybpf_verify_level level;
	/* pruning ignores irrelevant numbers (relevance.c); off at level
	 * verbose, whose invariants must describe every path */
	int precision;
	uint64_t budget;
	size_t max_errors;
	struct anybpf_log *log;

	struct cfg cfg;
	struct checkpoint **explored;  /* per pc, newest first */
	uint32_t *nexplored;           /* per pc: checkpoints stored */
	uint32_t *since_store;         /* per pc: visits since the last store */
	struct vstate **stack;         /* paths waiting to be explored */
	size_t nstack, capstack;
	uint32_t id_gen;
	uint64_t processed, stored, pruned, max_path;
	int oom;

	struct diag_buf *diags;
	size_t ndiags, capdiags;
	const struct vstate *cur_state; /* for messages */
	void *inv_pre, *inv_post;      /* invariants.c, level verbose */
	int want_states;               /* opts.want_states: keeps inv_pre */
	/* per pc: ctx offset accessed, ANYBPF_CTX_NONE/MIXED, or CTX_OTHER
	 * (other memory only so far); exported as the result's ctx_off */
	int32_t *ctx_off;
	/* memory accounting (explore.c): bytes of the per-pc arrays, the
	 * checkpoints, the pending paths (as pushed; stack_bytes[i] for
	 * stack[i]); the peak is sampled whenever one of them grows */
	uint64_t mem_fixed, mem_cps, mem_pending, mem_peak;
	uint32_t *stack_bytes;
	size_t capstack_bytes;
	/* level informational: the current path (slice.c); stack_hist[i] is
	 * the trail's length when stack[i] was pushed */
	struct hist_entry *hist;
	size_t nhist, caphist;
	size_t *stack_hist;
	size_t capstack_hist;
	int hist_off;                /* the trail grew too long: no slices */
};
#define CTX_OTHER (-3)

/* ---- state.c ---------------------------------------------------------- */
struct vstate *state_new(void);
struct vstate *state_copy(const struct vstate *s);
int state_copy_into(struct vstate *dst, const struct vstate *src);
void state_release(struct vstate *s);      /* the frames only */
void state_free(struct vstate *s);
struct frame *frame_new(void);
void frame_free(struct frame *f);
int frame_grow(struct frame *f, uint32_t nslots);
void reg_mark_unknown(struct reg *r);
void reg_mark_const(struct reg *r, uint64_t v);
void reg_mark_not_init(struct reg *r);
bool reg_is_ptr(const struct reg *r);
bool reg_may_be_null(const struct reg *r);
const char *rtype_name(unsigned t);
/* old subsumes cur at pc (registers dead at pc are ignored); exact: equal */
bool state_subsumes(struct verifier *v, const struct vstate *old, const struct vstate *cur,
		    bool exact);
/* "r1=ctx r2=pkt(off=14,r=14) r10=fp0 fp-8=0" into buf */
void state_str(struct verifier *v, const struct vstate *s, char *buf, size_t size);
void reg_str(const struct verifier *v, const struct reg *r, char *buf, size_t size);

/* ---- transfer.c / checks.c -------------------------------------------- */
/* Execute the instruction at s->pc: update s, set s->pc to the next one,
 * push other branches.  Returns 0, 1 when the path ended (program exit),
 * 2 when the branch is dead, or -1 after an error was reported. */
int transfer(struct verifier *v, struct vstate *s);
int push_branch(struct verifier *v, const struct vstate *s, int64_t pc, struct vstate **out);

/* memory access through register `regno`'s pointer at insn offset off */
int check_mem_access(struct verifier *v, struct vstate *s, int regno, int32_t off,
		     unsigned size, int write, struct reg *value_out, int value_regno,
		     bool sign_ext);
int check_helper_call(struct verifier *v, struct vstate *s, int32_t id);
/* a new frame running the callback at `target` (iteration iter of max) */
int enter_callback(struct verifier *v, struct vstate *s, int64_t callsite, int64_t target,
		   uint32_t iter, uint32_t min, uint32_t max, const struct reg *ctx, uint16_t map1);
/* "bpf_loop" or "bpf_for_each_map_elem" for a callback frame */
#define cb_helper(f) ((f)->cb_map1 ? "bpf_for_each_map_elem" : "bpf_loop")
const char *helper_name(int32_t id);
/* a call of global function fn (verified on its own): arguments against its
 * signature; r0 an unknown number */
int check_global_call(struct verifier *v, struct vstate *s, uint32_t fn);
/* what a global function's argument i is, "" when supported (cls: 1 scalar,
 * 2 ctx, 3 memory or NULL of sig->args[i].size bytes) */
int global_arg_class(const struct verifier *v, const struct anybpf_func_sig *sig, unsigned i);
void drop_ref(struct vstate *s, uint32_t id);   /* a reference ends */
/* the argument registers helper id reads (bit i = ri); *callback: it may
 * run a callback (or is unknown) */
uint16_t helper_arg_regs(const struct verifier *v, int32_t id, bool *callback);
/* ids: a fresh one */
static inline uint32_t new_id(struct verifier *v) { return ++v->id_gen; }

/* ---- invariants.c (level verbose) --------------------------------------- */
int inv_init(struct verifier *v);
void inv_pre(struct verifier *v, const struct vstate *s);
void inv_post(struct verifier *v, int64_t pc, const struct vstate *s);
void inv_print(struct verifier *v);
void inv_free(struct verifier *v);
/* opts.want_states: res->states from the Pre joins (one allocation) */
int inv_states(struct verifier *v, struct anybpf_verify_result *res);

/* ---- slice.c (level informational) ------------------------------------ */
int hist_push(struct verifier *v, const struct vstate *s);   /* before s->pc runs */
void hist_fact(struct verifier *v, const struct vstate *s);  /* after it ran */
/* the failure slice at pc as text lines, malloc'd; NULL when none */
char *slice_text(struct verifier *v, int64_t pc);

/* ---- report.c ---------------------------------------------------------- */
int verr(struct verifier *v, int64_t pc, const char *check, const char *hint,
	 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define cur_frame(s) ((s)->fr[(s)->cur])
#define REGS(s) (cur_frame(s)->regs)

#endif
