/*
 * anybpf.h - eBPF, anywhere, in userspace: the public API of libanybpf.
 *
 * Conventions:
 *  - functions return 0 (or a count) on success and a negative ANYBPF_E_*
 *    code on failure; anybpf_strerror() names the code;
 *  - text explaining a failure goes to a caller-owned struct anybpf_log,
 *    never to stderr;
 *  - options structs begin with `size_t sz` (set it to sizeof the struct;
 *    a NULL options pointer means all defaults), so fields can be added
 *    without breaking callers;
 *  - handles are opaque, made by x_new() and released by x_free();
 *    x_free(NULL) is a no-op.
 */
#ifndef ANYBPF_H
#define ANYBPF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

/* X(NAME, text): every error the library reports, once. */
#define ANYBPF_ERRORS(X)                                                        \
	X(OK,              "success")                                          \
	X(NOMEM,           "out of memory")                                    \
	X(INVAL,           "invalid argument")                                 \
	X(IO,              "input/output error")                               \
	X(NOT_SUPPORTED,   "not supported")                                    \
	/* instruction validation (src/isa/validate.c) */                      \
	X(EMPTY,           "empty program")                                    \
	X(TOO_LONG,        "program too long")                                 \
	X(OPCODE,          "unknown opcode")                                   \
	X(DST_REG,         "invalid destination register")                     \
	X(SRC_REG,         "invalid source register")                          \
	X(WRITE_R10,       "write to the read-only frame pointer r10")         \
	X(RESERVED,        "reserved field is not zero")                       \
	X(BAD_OFF,         "offset field names no instruction")                \
	X(BAD_IMM,         "immediate field names no instruction")             \
	X(BAD_SRC,         "source field names no instruction")                \
	X(LDDW_INCOMPLETE, "incomplete lddw")                                  \
	X(LDDW_SECOND,     "invalid lddw second slot")                         \
	X(JMP_RANGE,       "jump out of range")                                \
	X(JMP_LDDW,        "jump into the middle of lddw")                     \
	X(INFINITE_LOOP,   "infinite loop")                                    \
	X(FALLTHROUGH,     "falls through the end of the code")                \
	/* loading into a VM (src/vm) */                                       \
	X(HELPER,          "call to an unknown helper")                        \
	X(PSEUDO,          "lddw refers to an object the program does not have") \
	X(KFUNC,           "kfunc calls are not supported")                    \
	X(LOADED,          "a program is already loaded into this VM")         \
	/* assembler (src/isa/asm.c) */                                        \
	X(ASM,             "assembler syntax error")                           \
	/* execution (src/vm) */                                               \
	X(OOB,             "memory access out of bounds")                      \
	X(BUDGET,          "instruction budget exhausted")                     \
	X(CALL_DEPTH,      "call depth limit exceeded")                        \
	X(CALLX,           "callx target is not a function")                     \
	/* BTF (src/btf) */                                                    \
	X(BTF,             "malformed BTF")                                    \
	X(BTF_EXT,         "malformed BTF.ext")                                \
	X(BTF_MAP,         "invalid BTF map definition")                       \
	X(NOT_FOUND,       "not found")                                        \
	/* object files (src/elf) */                                           \
	X(ELF_HEADER,      "bad ELF header")                                   \
	X(ELF_SECTION,     "bad ELF section")                                  \
	X(ELF_SYMBOL,      "bad ELF symbol")                                   \
	X(ELF_RELOC,       "bad ELF relocation")                               \
	X(ELF_MAP,         "bad map definition")                               \
	/* test runs (src/runtime) */                                          \
	X(VERIFY,          "program rejected by the verifier")                 \
	X(NOSPC,           "output buffer too small")

enum anybpf_err {
#define ANYBPF_X_(name, text) ANYBPF_E_##name,
	ANYBPF_ERRORS(ANYBPF_X_)
#undef ANYBPF_X_
	ANYBPF_E_COUNT
};

/* Text of an error code (either sign). */
const char *anybpf_strerror(int err);
/* Short name of an error code: "OPCODE" for -ANYBPF_E_OPCODE. */
const char *anybpf_errname(int err);

/* ------------------------------------------------------------------------
 * Log: a caller-owned buffer the library appends lines to (like the kernel
 * verifier log).  Text past `size` is dropped and `truncated` set.
 * ---------------------------------------------------------------------- */
struct anybpf_log {
	char *buf;        /* may be NULL: then only err/err_pc are kept */
	size_t size;      /* capacity of buf */
	size_t len;       /* bytes written, excluding the NUL */
	int truncated;
	int err;          /* last error logged (negative), 0 if none */
	int64_t err_pc;   /* instruction of that error, -1 if none */
	int64_t err_line; /* source line (assembler), -1 if none */
};

/* ------------------------------------------------------------------------
 * Instructions (RFC 9669): the in-memory layout of the kernel's bpf_insn.
 * ---------------------------------------------------------------------- */
struct anybpf_insn {
	uint8_t code;     /* opcode */
	uint8_t dst : 4;  /* destination register */
	uint8_t src : 4;  /* source register */
	int16_t off;      /* signed offset */
	int32_t imm;      /* signed immediate */
};

#define ANYBPF_MAX_INSNS_DEFAULT 65536u

struct anybpf_validate_opts {
	size_t sz;
	size_t max_insns; /* 0: ANYBPF_MAX_INSNS_DEFAULT */
};

/* Check every field of every instruction: opcodes, registers, reserved
 * fields, lddw pairs, jump and call targets (a jump stays inside its
 * function), the final exit.  Returns 0 or the first error. */
int anybpf_validate(const struct anybpf_insn *insns, size_t n,
		    const struct anybpf_validate_opts *opts, struct anybpf_log *log);

/* Assemble text in LLVM syntax (`r0 = 1`) or uBPF syntax (`mov %r0, 1`),
 * freely mixed.  *out is malloc'd; release with anybpf_free(). */
int anybpf_assemble(const char *text, size_t len, struct anybpf_insn **out,
		    size_t *n, struct anybpf_log *log);

enum anybpf_syntax {
	ANYBPF_SYNTAX_LLVM, /* as llvm-objdump -d prints it */
	ANYBPF_SYNTAX_UBPF, /* as uBPF / bpf_conformance .data files write it */
};

/* Text of the instruction at insns[pc] into buf (always NUL-terminated).
 * Returns the slots it takes (1, or 2 for lddw) or a negative code for an
 * invalid instruction, whose text is then "<unknown>". */
int anybpf_disasm_insn(const struct anybpf_insn *insns, size_t n, size_t pc,
		       enum anybpf_syntax syntax, char *buf, size_t size);

void anybpf_free(void *p);

/* ------------------------------------------------------------------------
 * Virtual machine: interpreter with a fast and a checking mode.
 * ---------------------------------------------------------------------- */
typedef struct anybpf_vm anybpf_vm;
typedef struct anybpf_run anybpf_run; /* one execution; helpers receive it */

typedef uint64_t (*anybpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3,
				     uint64_t r4, uint64_t r5, anybpf_run *run);

/* What a helper argument is; the checking mode checks MEM/STR arguments
 * against the regions the program may access before the helper runs. */
enum anybpf_arg_kind {
	ANYBPF_ARG_NONE,     /* unused */
	ANYBPF_ARG_ANY,      /* any value */
	ANYBPF_ARG_MEM_R,    /* pointer read by the helper; size in next arg */
	ANYBPF_ARG_MEM_W,    /* pointer written by the helper; size in next arg */
	ANYBPF_ARG_SIZE,     /* size of the preceding MEM argument */
	ANYBPF_ARG_STR,      /* NUL-terminated string read by the helper */
};

struct anybpf_helper_proto {
	size_t sz;
	const char *name;
	enum anybpf_arg_kind args[5];
};

struct anybpf_vm_opts {
	size_t sz;
	size_t max_insns;     /* 0: ANYBPF_MAX_INSNS_DEFAULT */
	unsigned call_depth;  /* bpf-to-bpf frames, the entry one included;
			       * 0: 8; at most 65536 */
	/* Resolve a pseudo lddw (src 1..6) to the 64-bit value it loads; NULL:
	 * such programs are refused with ANYBPF_E_PSEUDO. */
	int (*resolve_lddw)(void *user, unsigned src, int32_t imm, int32_t imm2,
			    uint64_t *value);
	void *resolve_user;
	/* The programs loaded are verified (they never read stack bytes they
	 * did not write): every mode then skips zeroing stack frames.  0:
	 * every frame starts zeroed in every mode, so unverified
	 * programs give the same results in all of them.  The JIT also trusts
	 * that they terminate and never read r1-r5 after a call: it charges
	 * no budget (anybpf_exec_result.insns is 0) and keeps no r1-r5
	 * across helper calls (docs/jit.md). */
	int verified;
};

anybpf_vm *anybpf_vm_new(const struct anybpf_vm_opts *opts);
void anybpf_vm_free(anybpf_vm *vm);

/* Register helper `id` (replacing any earlier one). */
int anybpf_vm_register_helper(anybpf_vm *vm, uint32_t id, anybpf_helper_fn fn,
			      const struct anybpf_helper_proto *proto);
/* The uBPF test helpers: 0 gather_bytes, 1 memfrob, 2 no_op, 3 sqrti,
 * 4 strcmp_ext, 5 unwind. */
int anybpf_vm_register_test_helpers(anybpf_vm *vm);

/* Validate and pre-decode a program into the VM; helper ids must be
 * registered first.  A VM holds one program: loading another fails with
 * ANYBPF_E_LOADED until anybpf_vm_unload(). */
int anybpf_vm_load(anybpf_vm *vm, const struct anybpf_insn *insns, size_t n,
		   struct anybpf_log *log);
void anybpf_vm_unload(anybpf_vm *vm);

enum anybpf_region_flags { ANYBPF_REGION_R = 1, ANYBPF_REGION_W = 2,
			   ANYBPF_REGION_RW = 3 };

/* Memory the program may access besides its stack (checking mode). */
struct anybpf_region {
	void *base;
	size_t len;
	unsigned flags;       /* enum anybpf_region_flags */
	const char *name;     /* for error messages: "ctx", "packet", ... */
};

enum anybpf_exec_mode {
	ANYBPF_EXEC_CHECKED, /* check every access; count every instruction */
	ANYBPF_EXEC_FAST,    /* no checks: only for verified programs */
	ANYBPF_EXEC_JIT,     /* x86-64 native code, as FAST (compiled on the
			      * first such run, or by anybpf_vm_jit_compile) */
};

#define ANYBPF_BUDGET_DEFAULT 100000000ull

struct anybpf_exec_opts {
	size_t sz;
	enum anybpf_exec_mode mode;
	uint64_t budget;      /* executed instructions allowed; 0: default */
	uint64_t args[5];     /* r1..r5 at entry */
	const struct anybpf_region *regions;
	size_t nregions;
	const void *pkt;      /* packet for LD_ABS/LD_IND */
	size_t pkt_len;
	void *user;           /* anybpf_run_user() */
	/* Run the program `repeat` times (0: once) with the set-up done once,
	 * as the kernel's BPF_PROG_TEST_RUN loop does: each run starts from
	 * the same args (the memory they point to is not reset); the first
	 * error ends the loop; *res holds the last run's results. */
	uint64_t repeat;
	/* Called before each run after the first (NULL: nothing): reset what
	 * `user` keeps per run; it may change the packet LD_ABS/LD_IND read.
	 * 0, or a negative code that ends the loop (anybpf_vm_exec returns it). */
	int (*rerun)(void *user, const void **pkt, size_t *pkt_len);
};

struct anybpf_exec_result {
	uint64_t retval;      /* r0 at exit */
	uint64_t insns;       /* instructions executed (exact in checked mode;
			       * fast mode: the budget charged, i.e. loop
			       * bodies at taken backward jumps and callee
			       * lengths at calls) */
};

/* Run the loaded program.  Returns 0 and fills *res, or a negative code
 * (out-of-bounds access, budget, call depth) with the reason in log. */
int anybpf_vm_exec(anybpf_vm *vm, const struct anybpf_exec_opts *opts,
		   struct anybpf_exec_result *res, struct anybpf_log *log);

/* Compile the loaded program to x86-64 code now (the first JIT run does it
 * otherwise: call this first when several threads run one VM); returns
 * -ANYBPF_E_NOT_SUPPORTED on other hosts.  The code is freed with the
 * program.  A JIT run gives the fast interpreter's results, errors and
 * budget charges; bpf-to-bpf calls use 48 bytes of the caller's native
 * stack per frame (call_depth 65536: 3 MiB). */
int anybpf_vm_jit_compile(anybpf_vm *vm, struct anybpf_log *log);
/* The compiled code and its size in bytes; 0 when not compiled. */
size_t anybpf_vm_jit_code(const anybpf_vm *vm, const void **code);
/* Where instruction pc's native code starts, as an offset into that code
 * (a lddw's second slot: where the lddw's code ends); pc = the program's
 * length: where the instructions' code ends (the shared exit paths and
 * error stubs follow).  (size_t)-1 when not compiled or pc is past that. */
size_t anybpf_vm_jit_insn_offset(const anybpf_vm *vm, size_t pc);
/* Constant blinding (against JIT spraying), off by default: every
 * immediate the program chose (ALU, store, jump compare, lddw, LD_ABS/IND
 * offsets; not shift counts) is emitted xored with a random per-program
 * key and xored back at run time, so no such constant appears in the
 * code.  Results are the same.  Takes effect at the next compilation (code
 * compiled the other way is dropped).  0 or -ANYBPF_E_INVAL. */
int anybpf_vm_set_jit_blinding(anybpf_vm *vm, int on);
/* Inline bpf_map_lookup_elem on array and per-CPU array maps in the JIT
 * code of verified programs (a bounds check and an address, no call; the
 * per-CPU slot of the run's helper state's cpu), as Linux's JIT does.
 * The caller promises what the runtime guarantees: a pseudo lddw of a map
 * (map fd / map index) loads an anybpf_rtmap that outlives the VM, and
 * the Linux bpf_map_lookup_elem helper accepts it in every run (its env
 * holds the map).  Off by default; takes effect at the next compilation.
 * 0 or -ANYBPF_E_INVAL. */
int anybpf_vm_set_jit_inline_maps(anybpf_vm *vm, int on);
/* 1 when this build has the JIT (x86-64 hosts), else 0. */
int anybpf_jit_available(void);

/* For helpers, during a run. */
void *anybpf_run_user(anybpf_run *run);
/* End the program once this helper returns, with r0 = retval. */
void anybpf_run_stop(anybpf_run *run, uint64_t retval);
/* 0 if [addr, addr+len) may be accessed (always 0 in fast mode), else
 * -ANYBPF_E_OOB with the reason logged; the run then ends with that error
 * once the helper returns. */
int anybpf_run_check(anybpf_run *run, uint64_t addr, size_t len, int write);
/* A helper moved or resized the packet (skb_change_tail, adjust_room,
 * vlan_pop, ...): LD_ABS / LD_IND read [pkt, pkt + len) from now on. */
void anybpf_run_set_pkt(anybpf_run *run, const void *pkt, size_t len);
/* Let the program access memory a helper hands it (until the run ends). */
int anybpf_run_add_region(anybpf_run *run, void *base, size_t len,
			  unsigned flags, const char *name);
/* How many regions helpers have added in this run, and forgetting those
 * added after such a count (a callback's key and value once it returns). */
size_t anybpf_run_region_count(const anybpf_run *run);
void anybpf_run_region_release(anybpf_run *run, size_t count);
/* Call a function of the running program from a helper (a callback of
 * bpf_loop, bpf_for_each_map_elem, ...): `fn` is the value the program
 * passed (from `lddw rX, func`), r1..r5 = args, in a new frame below the
 * current ones (the call depth limit counts it), charged to the run's
 * budget like a bpf-to-bpf call; *ret = its r0.  0; 1 when the callee
 * ended the program (anybpf_run_stop by a helper it called, e.g. a tail
 * call); or a negative code (not a function of this program, call depth,
 * budget, a violation in checking mode).  On 1 or an error the helper must
 * return at once: the run ends with the stop value or the error. */
int anybpf_run_call(anybpf_run *run, uint64_t fn, const uint64_t args[5], uint64_t *ret);

/* ------------------------------------------------------------------------
 * Object files (src/elf): ELF64 little-endian EM_BPF relocatable objects
 * as `clang -O2 -g -target bpf -c` writes them.
 *
 * Programs are found libbpf style: one per global function of every
 * non-empty executable section (the whole section when it has none);
 * `.text` functions called from a program are linked into that program's
 * own copy after its code; uncalled `.text` functions are programs only
 * when the object has no other program section.  Relocations are applied:
 * a map load becomes `lddw dst, map_fd N` (src 1, imm = the map's pseudo
 * fd, see ANYBPF_MAP_FD_BASE), a global-data load `lddw dst, map_value N
 * + off` (src 2, second imm = offset), a local call gets its pc-relative
 * imm in the linked program.
 * ---------------------------------------------------------------------- */
typedef struct anybpf_object anybpf_object;
typedef struct anybpf_prog anybpf_prog;
typedef struct anybpf_map anybpf_map;

/* Pseudo fd of map i (0-based, object order) is i + ANYBPF_MAP_FD_BASE:
 * the first map is `map_fd 1`, as PREVAIL and netsh number them. */
#define ANYBPF_MAP_FD_BASE 1

struct anybpf_object_opts {
	size_t sz;
	/* Program type name for every program ("xdp", "socket_filter", ...),
	 * instead of the one the section name implies; NULL: by section. */
	const char *prog_type;
	/* Name used in messages for open_mem (open_file uses the path). */
	const char *name;
};

/* Open an object; 0 and *out, or a negative code with one line in log
 * naming what is wrong and where ("section 5 'xdp': offset 0x40 + size
 * 0x200 past the end of the file (0x180 bytes)"). */
int anybpf_object_open_file(const char *path, const struct anybpf_object_opts *opts,
			    anybpf_object **out, struct anybpf_log *log);
int anybpf_object_open_mem(const void *data, size_t size,
			   const struct anybpf_object_opts *opts,
			   anybpf_object **out, struct anybpf_log *log);
void anybpf_object_close(anybpf_object *obj);

const char *anybpf_object_license(const anybpf_object *obj);  /* "" if none */
/* Kernel version from the `version` section; 0 if none. */
uint32_t anybpf_object_kversion(const anybpf_object *obj);
/* 1 if the object has .BTF (and .BTF.ext line info), else 0. */
int anybpf_object_has_btf(const anybpf_object *obj);
int anybpf_object_has_lines(const anybpf_object *obj);

size_t anybpf_object_prog_count(const anybpf_object *obj);
anybpf_prog *anybpf_object_prog(const anybpf_object *obj, size_t i);
/* First program in `section` (and named `name` unless NULL), or NULL. */
anybpf_prog *anybpf_object_find_prog(const anybpf_object *obj, const char *section,
				     const char *name);

/* Function name ("" when the section has no function symbol). */
const char *anybpf_prog_name(const anybpf_prog *prog);
const char *anybpf_prog_section(const anybpf_prog *prog);
/* Type name: "xdp", "kprobe", "bind", ...; "unspec" when unknown. */
const char *anybpf_prog_type_name(const anybpf_prog *prog);
/* Instructions, subprograms linked in, relocations applied. */
const struct anybpf_insn *anybpf_prog_insns(const anybpf_prog *prog, size_t *n);
/* Instructions of the function itself (the linked subprograms follow). */
size_t anybpf_prog_main_insn_count(const anybpf_prog *prog);
/* Byte offset of the function in its section. */
uint64_t anybpf_prog_section_offset(const anybpf_prog *prog);
/* Number of distinct maps the program refers to. */
size_t anybpf_prog_map_refs(const anybpf_prog *prog);

/* Source line of instruction pc (from .BTF.ext line info). */
struct anybpf_line {
	const char *file;   /* "" when unknown */
	const char *text;   /* the source line; "" when unknown */
	uint32_t line, col;
};
/* 1 and *out when a line-info record starts at pc (where a disassembly
 * prints `; file:line`), 0 otherwise (also without line info). */
int anybpf_prog_line_at(const anybpf_prog *prog, size_t pc, struct anybpf_line *out);
/* 1 and *out with the line pc belongs to (the last record at or before
 * it, within the same function), 0 when there is none. */
int anybpf_prog_line_for(const anybpf_prog *prog, size_t pc, struct anybpf_line *out);

/* Where a map definition came from. */
enum anybpf_map_origin {
	ANYBPF_MAP_LEGACY,      /* `maps` section, Linux struct bpf_map_def */
	ANYBPF_MAP_IPROUTE2,    /* `maps` section, iproute2 struct bpf_elf_map */
	ANYBPF_MAP_WINDOWS,     /* `maps` section, eBPF for Windows layout */
	ANYBPF_MAP_BTF,         /* `.maps`, BTF-defined */
	ANYBPF_MAP_DATA,        /* .data, .rodata..., .bss global data (1 entry) */
};

size_t anybpf_object_map_count(const anybpf_object *obj);
anybpf_map *anybpf_object_map(const anybpf_object *obj, size_t i);
anybpf_map *anybpf_object_find_map(const anybpf_object *obj, const char *name);

const char *anybpf_map_name(const anybpf_map *map);
const char *anybpf_map_section(const anybpf_map *map);
enum anybpf_map_origin anybpf_map_origin(const anybpf_map *map);
/* The type number as the object wrote it (Windows numbering for
 * ANYBPF_MAP_WINDOWS, Linux otherwise), and its name ("hash",
 * "percpu_array", ...; "unknown" for numbers no table has). */
uint32_t anybpf_map_type(const anybpf_map *map);
const char *anybpf_map_type_name(const anybpf_map *map);
uint32_t anybpf_map_key_size(const anybpf_map *map);
uint32_t anybpf_map_value_size(const anybpf_map *map);
uint32_t anybpf_map_max_entries(const anybpf_map *map);
uint32_t anybpf_map_flags(const anybpf_map *map);
uint32_t anybpf_map_pinning(const anybpf_map *map);
/* Index of the inner (template) map of a map-in-map, or -1. */
int64_t anybpf_map_inner(const anybpf_map *map);
/* Pseudo fd the programs use for this map (index + ANYBPF_MAP_FD_BASE). */
int32_t anybpf_map_fd(const anybpf_map *map);
/* Initial bytes of a global-data map (value_size bytes), else NULL. */
const void *anybpf_map_initial(const anybpf_map *map, size_t *size);

/* ------------------------------------------------------------------------
 * Maps at run time (src/maps): live maps with the bpf(2) map commands'
 * semantics, for programs (through the helpers), tests and embedders.
 *
 * `anybpf_map` above is a map *definition* read from an object file; a
 * live map is an `anybpf_rtmap`.  Unlike the rest of this API, the map
 * functions below return 0 (or a count) or a NEGATIVE ERRNO exactly as
 * Linux's bpf(2) returns it (-ENOENT, -EEXIST, -E2BIG, -EINVAL, -EPERM,
 * -EBUSY, -ENOMEM, ...), not ANYBPF_E_* codes; -ANYBPF_ENOTSUPP is the
 * kernel's internal ENOTSUPP (524) where Linux returns that.
 * ---------------------------------------------------------------------- */
typedef struct anybpf_rtmap anybpf_rtmap;

#define ANYBPF_ENOTSUPP 524

/* Map types: Linux's BPF_MAP_TYPE_* numbers (uapi/linux/bpf.h).  Those
 * src/maps/maps.def gives ops to can be created; the other Linux types
 * give -EOPNOTSUPP (not implemented here), unknown numbers -EINVAL. */
enum anybpf_map_type_id {
	ANYBPF_MAP_TYPE_UNSPEC = 0,
	ANYBPF_MAP_TYPE_HASH = 1,
	ANYBPF_MAP_TYPE_ARRAY = 2,
	ANYBPF_MAP_TYPE_PROG_ARRAY = 3,
	ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	ANYBPF_MAP_TYPE_PERCPU_HASH = 5,
	ANYBPF_MAP_TYPE_PERCPU_ARRAY = 6,
	ANYBPF_MAP_TYPE_STACK_TRACE = 7,
	ANYBPF_MAP_TYPE_CGROUP_ARRAY = 8,
	ANYBPF_MAP_TYPE_LRU_HASH = 9,
	ANYBPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
	ANYBPF_MAP_TYPE_LPM_TRIE = 11,
	ANYBPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	ANYBPF_MAP_TYPE_HASH_OF_MAPS = 13,
	ANYBPF_MAP_TYPE_DEVMAP = 14,
	ANYBPF_MAP_TYPE_SOCKMAP = 15,
	ANYBPF_MAP_TYPE_CPUMAP = 16,
	ANYBPF_MAP_TYPE_XSKMAP = 17,
	ANYBPF_MAP_TYPE_SOCKHASH = 18,
	ANYBPF_MAP_TYPE_CGROUP_STORAGE = 19,
	ANYBPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20,
	ANYBPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21,
	ANYBPF_MAP_TYPE_QUEUE = 22,
	ANYBPF_MAP_TYPE_STACK = 23,
	ANYBPF_MAP_TYPE_SK_STORAGE = 24,
	ANYBPF_MAP_TYPE_DEVMAP_HASH = 25,
	ANYBPF_MAP_TYPE_STRUCT_OPS = 26,
	ANYBPF_MAP_TYPE_RINGBUF = 27,
	ANYBPF_MAP_TYPE_INODE_STORAGE = 28,
	ANYBPF_MAP_TYPE_TASK_STORAGE = 29,
	ANYBPF_MAP_TYPE_BLOOM_FILTER = 30,
	ANYBPF_MAP_TYPE_USER_RINGBUF = 31,
	ANYBPF_MAP_TYPE_CGRP_STORAGE = 32,
	ANYBPF_MAP_TYPE_ARENA = 33,
};

/* Update flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK). */
#define ANYBPF_ANY     0ull
#define ANYBPF_NOEXIST 1ull
#define ANYBPF_EXIST   2ull
#define ANYBPF_F_LOCK  4ull   /* refused with -EINVAL: values have no spin lock */

/* map_flags at creation (BPF_F_*). */
#define ANYBPF_F_NO_PREALLOC    (1u << 0)
#define ANYBPF_F_NO_COMMON_LRU  (1u << 1)
#define ANYBPF_F_NUMA_NODE      (1u << 2)
#define ANYBPF_F_RDONLY         (1u << 3)   /* userspace may not write */
#define ANYBPF_F_WRONLY         (1u << 4)   /* userspace may not read */
#define ANYBPF_F_ZERO_SEED      (1u << 6)
#define ANYBPF_F_RDONLY_PROG    (1u << 7)   /* programs may not write */
#define ANYBPF_F_WRONLY_PROG    (1u << 8)   /* programs may not read */
#define ANYBPF_F_MMAPABLE       (1u << 10)
#define ANYBPF_F_PRESERVE_ELEMS (1u << 11)
#define ANYBPF_F_INNER_MAP      (1u << 12)

struct anybpf_rtmap_opts {
	size_t sz;
	uint32_t type;          /* enum anybpf_map_type_id */
	uint32_t key_size, value_size, max_entries, map_flags;
	/* array_of_maps / hash_of_maps: the template inner maps must match
	 * (type, key_size, value_size, map_flags and, unless it has
	 * ANYBPF_F_INNER_MAP, max_entries); NULL there: -EBADF. */
	const anybpf_rtmap *inner_map;
	const char *name;       /* copied; NULL: "" */
	/* Per-CPU slots: one per runner thread (the `cpu` argument of the
	 * program-side calls); 0: the number of online CPUs. */
	unsigned ncpus;
	/* perf_event_array: bytes buffered per slot; 0: 64 KiB. */
	size_t perf_buffer_size;
	/* bloom_filter: number of hash functions in bits 0-3 (0: 5); must be
	 * 0 for the other types (BPF_MAP_CREATE's map_extra). */
	uint64_t map_extra;
};

/* Create a map; 0 and *out, or a negative errno as BPF_MAP_CREATE gives
 * it (-EINVAL for a bad size/flag/type, -E2BIG for too large values), or
 * -EOPNOTSUPP for a Linux map type this runtime does not implement. */
int anybpf_rtmap_new(const struct anybpf_rtmap_opts *opts, anybpf_rtmap **out);
/* Drop the caller's reference; the map goes when no outer map holds it. */
void anybpf_rtmap_free(anybpf_rtmap *map);

uint32_t anybpf_rtmap_type(const anybpf_rtmap *map);
const char *anybpf_rtmap_type_name(const anybpf_rtmap *map);
uint32_t anybpf_rtmap_key_size(const anybpf_rtmap *map);
uint32_t anybpf_rtmap_value_size(const anybpf_rtmap *map);
uint32_t anybpf_rtmap_max_entries(const anybpf_rtmap *map);
uint32_t anybpf_rtmap_flags(const anybpf_rtmap *map);
const char *anybpf_rtmap_name(const anybpf_rtmap *map);
unsigned anybpf_rtmap_ncpus(const anybpf_rtmap *map);
/* Bytes a userspace lookup writes: value_size, or for per-CPU maps
 * ncpus slots of value_size rounded up to 8 (as Linux). */
size_t anybpf_rtmap_value_buf_size(const anybpf_rtmap *map);
/* Unique id (like the kernel's map id, never reused); of-maps store and
 * return inner maps by id, as Linux stores fds and returns ids. */
uint32_t anybpf_rtmap_id(const anybpf_rtmap *map);
/* The live map with that id (not a new reference), or NULL. */
anybpf_rtmap *anybpf_rtmap_from_id(uint32_t id);
/* Name of a type number ("hash", ...), NULL if unknown. */
const char *anybpf_map_type_id_name(uint32_t type);
/* A live map from an object's map definition, as libbpf makes it: the
 * type by name (Windows numbering too), perf_event_array defaults (u32
 * key/value, max_entries = ncpus), global data's initial bytes, .rodata
 * (BPF_F_RDONLY_PROG) frozen.  Of-maps need `inner`, a live map made from
 * the definition's inner map (anybpf_map_inner()); NULL otherwise. */
int anybpf_rtmap_new_from_def(const anybpf_map *def, unsigned ncpus,
			      const anybpf_rtmap *inner, anybpf_rtmap **out);

/* Userspace side (BPF_MAP_*_ELEM).  Value buffers: value_buf_size bytes;
 * prog_array values are program ids, of-map values map ids (u32).
 * queue/stack/bloom_filter: lookup = peek, update = push (key NULL); a
 * bloom filter's peek takes the value to test and answers 0 or -ENOENT.
 * A frozen or ANYBPF_F_RDONLY map refuses writes with -EPERM. */
int anybpf_rtmap_lookup(anybpf_rtmap *map, const void *key, void *value);
int anybpf_rtmap_update(anybpf_rtmap *map, const void *key, const void *value,
			uint64_t flags);
int anybpf_rtmap_delete(anybpf_rtmap *map, const void *key);
/* queue/stack: pop (key NULL); hash types: lookup then delete. */
int anybpf_rtmap_lookup_and_delete(anybpf_rtmap *map, const void *key, void *value);
/* key NULL (or not in the map): the first key; -ENOENT after the last. */
int anybpf_rtmap_get_next_key(anybpf_rtmap *map, const void *key, void *next_key);
int anybpf_rtmap_push(anybpf_rtmap *map, const void *value, uint64_t flags);
int anybpf_rtmap_pop(anybpf_rtmap *map, void *value);
int anybpf_rtmap_peek(anybpf_rtmap *map, void *value);
/* No more userspace writes (BPF_MAP_FREEZE); -EPERM when already frozen. */
int anybpf_rtmap_freeze(anybpf_rtmap *map);

/* Program side: what the helpers call.  `cpu` < ncpus is the runner's
 * slot for per-CPU maps (ignored by the others).  Values are 8-byte
 * aligned and stay where they are while their element exists. */
/* bpf_map_lookup_elem: the value (this CPU's slot), the inner map
 * (of-maps), or NULL.  As in Linux, an element deleted (or, in an LRU map,
 * evicted) while a program holds its value pointer may be reused for
 * another key: the memory stays valid until the map is freed.  An inner
 * map stays alive while an outer map or its creator holds it. */
void *anybpf_rtmap_lookup_elem_prog(anybpf_rtmap *map, const void *key, unsigned cpu);
/* Where an array map's values are, for a JIT inlining lookups: the value
 * of index i < max_entries is at base + i * stride (percpu_array: cpu c's
 * slot, c < ncpus, at base + (i * ncpus + c) * stride), for the map's
 * whole life: what anybpf_rtmap_lookup_elem_prog returns, NULL past
 * max_entries or ncpus.  0; -ENOTSUP for other types and for maps
 * programs may not read (BPF_F_WRONLY_PROG); -EINVAL for NULL. */
struct anybpf_rtmap_array_layout {
	void *base;
	uint32_t stride, max_entries, value_size;
	uint32_t ncpus;       /* percpu_array: slots per index; array: 0 */
};
int anybpf_rtmap_array_layout(const anybpf_rtmap *map, struct anybpf_rtmap_array_layout *out);
/* bpf_map_update_elem: per-CPU maps set this CPU's slot (a new element's
 * other slots are zeroed). */
int anybpf_rtmap_update_elem_prog(anybpf_rtmap *map, const void *key,
				  const void *value, uint64_t flags, unsigned cpu);
int anybpf_rtmap_delete_elem_prog(anybpf_rtmap *map, const void *key);
int anybpf_rtmap_push_elem_prog(anybpf_rtmap *map, const void *value, uint64_t flags);
int anybpf_rtmap_pop_elem_prog(anybpf_rtmap *map, void *value);
int anybpf_rtmap_peek_elem_prog(anybpf_rtmap *map, void *value);
/* bpf_for_each_map_elem: cb returns 0 to go on, 1 to stop; returns the
 * number of elements visited, or -EINVAL (flags != 0, unsupported type). */
typedef long (*anybpf_rtmap_elem_cb)(anybpf_rtmap *map, const void *key,
				     void *value, void *ctx);
long anybpf_rtmap_for_each_prog(anybpf_rtmap *map, anybpf_rtmap_elem_cb cb,
				void *ctx, uint64_t flags, unsigned cpu);
/* bpf_tail_call's lookup: 0 and the program id at index, or -ENOENT
 * (empty slot), -E2BIG (index out of range), -EINVAL (not a prog_array). */
int anybpf_rtmap_prog_at(anybpf_rtmap *map, uint32_t index, uint32_t *prog_id);
/* bpf_get_stackid on a stack_trace map, given the stack's addresses
 * (innermost first): the stack id, or -EINVAL (flags, map type), -EFAULT
 * (nothing left after the skip count in flags), -EEXIST (another stack
 * holds the id; BPF_F_REUSE_STACKID (1 << 10) replaces it). */
int64_t anybpf_rtmap_stackid(anybpf_rtmap *map, const uint64_t *ips, uint32_t nr,
			     uint64_t flags);

/* Ring buffer (BPF_MAP_TYPE_RINGBUF): records are 8-byte aligned, after
 * an 8-byte header {u32 len | BUSY | DISCARD, u32 offset}. */
#define ANYBPF_RINGBUF_BUSY_BIT    (1u << 31)
#define ANYBPF_RINGBUF_DISCARD_BIT (1u << 30)
#define ANYBPF_RINGBUF_HDR_SZ      8u
#define ANYBPF_RB_NO_WAKEUP    1ull
#define ANYBPF_RB_FORCE_WAKEUP 2ull
enum { ANYBPF_RB_AVAIL_DATA, ANYBPF_RB_RING_SIZE, ANYBPF_RB_CONS_POS,
       ANYBPF_RB_PROD_POS };

/* NULL when flags != 0 or there is no room. */
void *anybpf_ringbuf_reserve(anybpf_rtmap *map, uint64_t size, uint64_t flags);
void anybpf_ringbuf_submit(void *sample, uint64_t flags);
void anybpf_ringbuf_discard(void *sample, uint64_t flags);
/* 0, -EINVAL (flags), -EAGAIN (no room). */
int anybpf_ringbuf_output(anybpf_rtmap *map, const void *data, uint64_t size,
			  uint64_t flags);
uint64_t anybpf_ringbuf_query(anybpf_rtmap *map, uint64_t flags);
/* Userspace consumer (libbpf's ring_buffer__consume): calls cb on every
 * submitted record in order, skipping discarded ones, stopping at one
 * still reserved; a negative cb return stops and is returned.  Returns
 * the number of records consumed. */
typedef int (*anybpf_ringbuf_cb)(void *ctx, void *data, size_t size);
int anybpf_ringbuf_consume(anybpf_rtmap *map, anybpf_ringbuf_cb cb, void *ctx);

/* perf_event_array: userspace enables slot i by storing any u32 in it
 * (Linux stores a perf event fd) and disables it by deleting it. */
#define ANYBPF_F_INDEX_MASK  0xffffffffull
#define ANYBPF_F_CURRENT_CPU 0xffffffffull
/* bpf_perf_event_output: 0, -EINVAL (flags), -E2BIG (index), -ENOENT
 * (slot not enabled), -ENOSPC (slot buffer full: the sample is lost). */
int anybpf_perf_event_output(anybpf_rtmap *map, uint64_t flags, const void *data,
			     uint64_t size, unsigned cpu);
/* Drain every slot in index order (libbpf's perf_buffer__consume): the
 * sample as Linux hands it (size padded so size + 4 is a multiple of 8),
 * then lost-sample counts.  Returns the number of samples. */
typedef void (*anybpf_perf_sample_cb)(void *ctx, unsigned index, void *data,
				      uint32_t size);
typedef void (*anybpf_perf_lost_cb)(void *ctx, unsigned index, uint64_t lost);
int anybpf_perf_consume(anybpf_rtmap *map, anybpf_perf_sample_cb sample_cb,
			anybpf_perf_lost_cb lost_cb, void *ctx);

/* ------------------------------------------------------------------------
 * Verifier (src/verifier): proves, before anything runs, that a program
 * cannot crash or corrupt its host, reads only what it may, and terminates;
 * explains every rejection.  docs/verifier.md describes the design.
 * ---------------------------------------------------------------------- */

/* A map as the verifier sees it.  `lddw rX, map_fd N` (src 1) names map
 * N - ANYBPF_MAP_FD_BASE, `map_idx N` (src 5) map N; `map_value` (src 2)
 * and `map_idx_value` (src 6) point into that map's value at imm2. */
struct anybpf_map_desc {
	uint32_t type;        /* Linux BPF_MAP_TYPE_* number: 1 hash, 2 array... */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	const char *name;     /* for messages; may be NULL */
	uint32_t inner;       /* map-in-map: index + 1 of the inner (template) map; 0: none */
	/* BPF_F_* creation flags (anybpf_map_flags()): ANYBPF_F_RDONLY_PROG
	 * (a frozen .rodata): programs may not write the values;
	 * ANYBPF_F_WRONLY_PROG: nor read them. */
	uint32_t map_flags;
	/* ANYBPF_F_RDONLY_PROG maps: the value's value_size bytes as frozen
	 * (anybpf_map_initial()), for bpf_strncmp's constant string; NULL:
	 * unknown (such strings are refused). */
	const void *value;
};

/* A function's signature, from the object's BTF FUNC / FUNC_PROTO. */
enum anybpf_param_kind {
	ANYBPF_PARAM_SCALAR = 1,    /* an integer or enum */
	ANYBPF_PARAM_PTR,           /* a pointer: to `size` bytes (0: unknown, e.g. void *) */
	ANYBPF_PARAM_OTHER,         /* anything else (structs by value, ...) */
};
struct anybpf_func_param {
	uint8_t kind;             /* enum anybpf_param_kind */
	uint32_t size;            /* ANYBPF_PARAM_PTR: the pointee's size in bytes */
	const char *type_name;    /* ANYBPF_PARAM_PTR: the pointee struct's name, else "" */
};
struct anybpf_func_sig {
	size_t pc;                /* the function's first instruction in the program */
	const char *name;
	int global;               /* BTF linkage global: verified on its own */
	unsigned nargs;           /* as declared (more than 5 is an error) */
	struct anybpf_func_param args[5];
	uint8_t ret;              /* enum anybpf_param_kind of the result; 0: void */
};
/* The signatures of the functions of a linked program (its own and the
 * subprograms linked in), for anybpf_verify_opts.funcs: 0 with *out (free
 * with anybpf_free()) and *n (0 when the object has no BTF func info), or a
 * negative code.  Strings point into the object. */
int anybpf_prog_func_sigs(const anybpf_prog *prog, struct anybpf_func_sig **out, size_t *n);
/* The object's maps as anybpf_verify_opts.maps takes them (entry i is map i,
 * loaded as `map_fd i + ANYBPF_MAP_FD_BASE`), *n of them; free with
 * anybpf_free().  NULL only when out of memory. */
struct anybpf_map_desc *anybpf_object_map_descs(const anybpf_object *obj, size_t *n);

enum anybpf_verify_level {
	ANYBPF_VERIFY_NORMAL,        /* verdict and errors */
	ANYBPF_VERIFY_INFORMATIONAL, /* + the facts at each error */
	ANYBPF_VERIFY_VERBOSE,       /* + per basic block Pre/Post-invariants in the log */
	ANYBPF_VERIFY_TRACE,         /* + every explored instruction with its state */
};

#define ANYBPF_VERIFY_BUDGET_DEFAULT 1000000u

struct anybpf_verify_opts {
	size_t sz;
	/* Program type: a Linux name ("xdp", "socket_filter", "sched_cls",
	 * "sched_act", "cgroup_skb", "cgroup_sock", "cgroup_sock_addr",
	 * "sock_ops", "lwt_in", "lwt_out", "lwt_xmit", "kprobe", "tracepoint",
	 * "raw_tracepoint", "perf_event") or an alias ("tc", "socket",
	 * "raw_tp", "sockops", ...).  NULL: "socket_filter". */
	const char *prog_type;
	const struct anybpf_map_desc *maps;
	size_t nmaps;
	int strict;               /* add the unprivileged rules (no pointer leaks) */
	int allow_unreachable;    /* accept unreachable instructions (Linux: no) */
	enum anybpf_verify_level level;
	uint64_t budget;          /* explored instructions; 0: the default (1M) */
	size_t max_errors;        /* distinct errors to collect; 0: 16 */
	struct anybpf_log *log;   /* levels VERBOSE/TRACE write here; may be NULL */
	/* Optional, from the object's BTF (anybpf_prog_func_sigs()): the
	 * functions' signatures.  Global ones are verified once on their own
	 * from their signature, as Linux does; the others in each calling
	 * context.  NULL: every function in context. */
	const struct anybpf_func_sig *funcs;
	size_t nfuncs;
	/* Reading uninitialized stack bytes is an error unless this is set
	 * (privileged Linux allows it; the bytes read are unknown numbers).
	 * A program accepted only with it must run with zeroed stack frames
	 * (the runtime verifies without it and then skips the zeroing). */
	int allow_uninit_stack;
	/* Set: the result carries per-instruction states (->states).  Turns
	 * off the precision shortcut of pruning (as level VERBOSE does), so
	 * exploration may take longer; nothing is kept when 0. */
	int want_states;
};

/* One register in a struct anybpf_verify_insn_state. */
enum anybpf_verify_reg_kind {
	ANYBPF_VREG_UNINIT,       /* not written on any path reaching pc */
	ANYBPF_VREG_SCALAR,       /* a number on every path */
	ANYBPF_VREG_POINTER,      /* the same kind of pointer on every path */
	ANYBPF_VREG_MIXED,        /* different types on different paths */
};

struct anybpf_verify_reg {
	enum anybpf_verify_reg_kind kind;
	/* "scalar", "ctx", "stack", "packet", "packet_meta", "packet_end",
	 * "map_ptr", "map_value", "map_value_or_null", "mem", "mem_or_null",
	 * "map_key", "func", ...; "uninitialized", "mixed" (static strings) */
	const char *type;
	/* Scalars: the value; pointers: the variable part of the offset
	 * (0 when none).  Zero for UNINIT, MIXED and packet_end. */
	uint64_t umin, umax;
	int64_t smin, smax;
	uint64_t tnum_value, tnum_mask;  /* known bits: value; unknown: mask */
	/* Pointers: the fixed offset (stack: from the frame's top, <= 0;
	 * func: the function's pc); offsets that differ between paths are
	 * folded into the variable part (off 0). */
	int32_t off;
	uint32_t range;           /* packet*: bytes proven; mem*: size */
	uint32_t map;             /* map_*: the map's index in opts.maps */
	uint32_t frame;           /* stack: the frame it points into (0 main) */
	/* 1: the register may be read at or after pc before it is written
	 * (static liveness).  0: dead; pruning ignores dead registers, so
	 * their facts may leave out paths pruned at or before pc. */
	int live;
};

/* The abstract state before the instruction at pc: the join over every
 * explored path reaching pc, of the current frame's registers r0-r10 (the
 * callee's inside a bpf-to-bpf call; stack contents are not included). */
struct anybpf_verify_insn_state {
	int reached;              /* 0: no explored path reached pc (regs zero) */
	struct anybpf_verify_reg regs[11];
	/* the facts as level VERBOSE prints them: "r1.type=ctx,
	 * r1.ctx_offset=0, r10.type=stack, r10.stack_offset=512"; "" when
	 * not reached */
	const char *text;
};

struct anybpf_verify_diag {
	int64_t pc;               /* instruction, -1 for the whole program */
	const char *check;        /* short name of the check: "uninit_reg", ... */
	const char *message;      /* requirement and what was known */
	const char *hint;         /* how to fix it; "" when none */
	/* level INFORMATIONAL: the failure slice, lines "PC: insn  ; rN=fact",
	 * the instructions on the failing path (in its function) that this
	 * one depends on through registers and stack slots, and the checks on
	 * them, oldest first; NULL when none or at other levels */
	const char *slice;
};

struct anybpf_verify_result {
	int verified;             /* 1: safe; 0: rejected (see diags) */
	size_t ndiags;
	struct anybpf_verify_diag *diags;
	uint64_t max_path;        /* worst-case executed instructions (when verified) */
	uint64_t insns_processed; /* abstract instructions explored */
	uint64_t states_stored;   /* pruning checkpoints kept */
	uint64_t states_pruned;
	/* Context accesses, for the runtime's context rewrite: ctx_off[pc]
	 * (nctx_off = the program's length) is the ctx offset the load or store
	 * at pc accesses on every explored path that reaches it, or
	 * ANYBPF_CTX_NONE (not a ctx access), ANYBPF_CTX_MIXED (ctx on some
	 * paths, other memory on others).  NULL when verification stopped
	 * before exploring (invalid code). */
	int32_t *ctx_off;
	size_t nctx_off;
	/* Peak bytes the verifier held for this program: per-instruction
	 * tables, pruning checkpoints and pending paths (states as stored or
	 * pushed; allocator overhead, level=verbose invariants and the
	 * informational path trail not counted).  0 when verification stopped before exploring. */
	uint64_t peak_bytes;
	/* opts.want_states: states[pc] for every pc (nstates = the program's
	 * length; an lddw's second slot is never reached).  After a rejection
	 * only what was explored before exploration stopped.  NULL when not
	 * requested or verification stopped before exploring (invalid code,
	 * unreachable instructions). */
	struct anybpf_verify_insn_state *states;
	size_t nstates;
};
#define ANYBPF_CTX_NONE  (-1)
#define ANYBPF_CTX_MIXED (-2)

/* Verify insns as a program of opts->prog_type.  Returns 0 when verification
 * ran (the verdict is in (*out)->verified), or a negative code for bad
 * arguments (unknown program type, NULL pointers) or no memory, with the
 * reason in opts->log.  *out is released with anybpf_verify_result_free(). */
int anybpf_verify(const struct anybpf_insn *insns, size_t n,
		  const struct anybpf_verify_opts *opts, struct anybpf_verify_result **out);
void anybpf_verify_result_free(struct anybpf_verify_result *res);

/* The seed's text report into log: "Verification succeeded" + "Program
 * terminates within N instructions", or "Verification failed", a blank line,
 * "Verification report:", a blank line, per error the `; file:line` and
 * `;     source` lines (when prog has line info; prog may be NULL) and
 * "PC: message hint", a blank line, and "N errors". */
void anybpf_verify_report(const struct anybpf_verify_result *res, const anybpf_prog *prog,
			  struct anybpf_log *log);

/* The control-flow graph the verifier works on, as basic blocks: maximal
 * runs of instructions entered only at their first and left only after their
 * last.  Leaders are pc 0, function entries (bpf-to-bpf call and `lddw rX,
 * func` targets), jump targets and the instruction after a jump, an exit or
 * a bpf-to-bpf call.  Blocks and edges are in pc order. */
enum anybpf_cfg_edge_kind {
	ANYBPF_EDGE_FALLTHROUGH, /* to the next instruction (a conditional jump
				  * not taken, a call's return site) */
	ANYBPF_EDGE_TAKEN,       /* a jump taken (conditional or not) */
	ANYBPF_EDGE_CALL,        /* a bpf-to-bpf call, to the callee's entry */
	ANYBPF_EDGE_CALLBACK,    /* `lddw rX, func`: a callback's entry (bpf_loop) */
};

struct anybpf_cfg_block {
	size_t start, end;        /* instruction slots [start, end) */
	size_t func;              /* index into func_start */
	int reachable;            /* reachable from pc 0 (calls included) */
	int exits;                /* ends with exit */
};

struct anybpf_cfg_edge {
	size_t from, to;          /* block indices */
	enum anybpf_cfg_edge_kind kind;
};

struct anybpf_cfg {
	size_t nblocks;
	struct anybpf_cfg_block *blocks;
	size_t nedges;
	struct anybpf_cfg_edge *edges;
	size_t nfuncs;
	size_t *func_start;       /* entry pc of each function; [0] = 0 */
};

/* Validate insns (as anybpf_validate) and build its CFG into *out, released
 * with anybpf_cfg_free().  Returns 0, or a negative code with the reason
 * (the validator's message for invalid code) in log. */
int anybpf_cfg_build(const struct anybpf_insn *insns, size_t n, struct anybpf_cfg **out,
		     struct anybpf_log *log);
void anybpf_cfg_free(struct anybpf_cfg *cfg);
/* "fallthrough", "taken", "call", "callback" */
const char *anybpf_cfg_edge_kind_name(enum anybpf_cfg_edge_kind kind);

/* ------------------------------------------------------------------------
 * Test run (src/runtime, src/hooks/ctx_*.c): an object made live (its maps
 * created from their definitions, global data initialized) and its
 * programs run as the kernel's BPF_PROG_TEST_RUN runs them.
 *
 * A program is verified (as its section's type, with the object's maps)
 * when it first runs; a rejected program runs only when the runtime was
 * made with `unverified`, and then only in checking mode.  After
 * verification the context rewrite turns the program's 4-byte loads of
 * ctx->data / data_end / data_meta into loads of real 64-bit pointers, so
 * unmodified Linux objects run.  Linux helpers are available.
 * ---------------------------------------------------------------------- */
typedef struct anybpf_runtime anybpf_runtime;

struct anybpf_helper_env;
struct anybpf_runtime_opts {
	size_t sz;
	unsigned ncpus;          /* per-CPU map slots; 0: 1 */
	int unverified;          /* run programs the verifier rejects (checking mode only) */
	/* Program type for every program ("xdp", ...), instead of the
	 * section's; NULL: the section's ("unspec" runs as socket_filter). */
	const char *prog_type;
	/* The fake kernel objects the helpers report instead of a kernel's
	 * (struct anybpf_helper_env, src/helpers/linux_helpers.h: the current
	 * task, clocks, cgroups, routes, tunnel key, perf counters ...; its sz
	 * set), copied when a program is loaded; what it points to must
	 * outlive the runtime.  The runtime keeps its own maps, trace sink,
	 * tail calls and program type.  NULL: the defaults (a
	 * BPF_PROG_TEST_RUN skb on lo). */
	const struct anybpf_helper_env *helper_env;
};

/* Create every map of obj (which must outlive the runtime). */
int anybpf_runtime_new(const anybpf_object *obj, const struct anybpf_runtime_opts *opts,
		       anybpf_runtime **out, struct anybpf_log *log);
void anybpf_runtime_free(anybpf_runtime *rt);
/* The live maps, in object order (pseudo fd - ANYBPF_MAP_FD_BASE). */
size_t anybpf_runtime_map_count(const anybpf_runtime *rt);
anybpf_rtmap *anybpf_runtime_map(const anybpf_runtime *rt, size_t i);
/* Verify and load prog (done by the first test run otherwise): 0 loaded
 * verified, 1 loaded unverified (checking mode only), or a negative code:
 * -ANYBPF_E_VERIFY (the first reason in log), -ANYBPF_E_NOT_SUPPORTED (a
 * program type that cannot run), load errors (unknown helper, ...). */
int anybpf_runtime_load(anybpf_runtime *rt, const anybpf_prog *prog, struct anybpf_log *log);
/* The VM the runtime runs prog in (loaded first if need be, as
 * anybpf_runtime_load; NULL with the reason in log when that fails), for
 * inspection: anybpf_vm_jit_compile / anybpf_vm_jit_code show exactly the
 * code test runs execute.  The runtime owns it (freed with the runtime);
 * run the program through anybpf_prog_test_run, which gives its helpers
 * the state they need. */
anybpf_vm *anybpf_runtime_prog_vm(anybpf_runtime *rt, const anybpf_prog *prog,
				  struct anybpf_log *log);
/* The id of prog for prog_array maps (bpf_tail_call): 1 + its index in
 * the object; 0 if it is not the runtime's.  A tail call runs the callee
 * on the caller's context (checking mode unless the callee is verified);
 * programs of another type fall through.  When the object's first map is
 * a prog_array, programs in sections "TYPE/N" are put at index N (the
 * Linux samples' loader convention). */
uint32_t anybpf_runtime_prog_id(const anybpf_runtime *rt, const anybpf_prog *prog);
/* The program type a loaded program runs as ("xdp", ...), NULL before. */
const char *anybpf_runtime_prog_type(const anybpf_runtime *rt, const anybpf_prog *prog);

/* BPF_PROG_TEST_RUN's fields.  Inputs mean what they mean to the kernel:
 *  - xdp: data_in is the frame (at least 14 bytes); ctx_in an optional
 *    struct xdp_md (data = metadata length at the start of data_in,
 *    data_end = data_size_in, ingress_ifindex 0/1, rx_queue_index 0);
 *    data_out is the frame from data_meta, ctx_out the xdp_md after;
 *  - socket_filter, sched_cls, sched_act, cgroup_skb, lwt_*: an __sk_buff
 *    built from the frame as the kernel builds it (protocol and pkt_type
 *    from the Ethernet header, device lo, ifindex 1; socket_filter and
 *    cgroup_skb start at the network header, and get the Ethernet header
 *    back zeroed in data_out); ctx_in may set mark, priority,
 *    ingress_ifindex, ifindex, cb[], tstamp, wire_len, gso_segs, gso_size,
 *    hwtstamp (other non-zero bytes: -ANYBPF_E_INVAL); ctx_out has them
 *    after the run;
 *  - kprobe, tracepoint, raw_tracepoint, perf_event: no data; ctx_in is
 *    the context's bytes (zero-padded), ctx_out the same after. */
struct anybpf_test_run_opts {
	size_t sz;
	const void *data_in;
	uint32_t data_size_in;
	void *data_out;            /* NULL: not copied */
	uint32_t data_size_out;    /* in: capacity of data_out; out: full size
				    * (larger than the capacity: -ANYBPF_E_NOSPC,
				    * the first bytes copied, as Linux) */
	const void *ctx_in;
	uint32_t ctx_size_in;
	void *ctx_out;
	uint32_t ctx_size_out;     /* as data_size_out */
	uint32_t repeat;           /* runs on the same context; 0: 1 */
	uint32_t flags;            /* BPF_F_TEST_*: none supported, must be 0 */
	uint32_t cpu;              /* per-CPU slot of the runner */
	int checked;               /* checking mode even for verified programs */
	int jit;                   /* verified programs: the JIT instead of the
				    * fast interpreter (-ANYBPF_E_INVAL with
				    * checked or for an unverified program) */
	uint64_t budget;           /* instructions per run (checking mode); 0: default */
	struct anybpf_log *trace;  /* bpf_trace_printk output; may be NULL */
	struct anybpf_log *log;    /* why it failed */
	/* results */
	uint32_t retval;
	uint64_t duration;         /* ns per run (wall clock, averaged over repeat) */
	uint64_t insns;            /* instructions executed by the last run */
	uint32_t redirect_kind;    /* 0 none, 1 bpf_redirect(ifindex), 2 redirect_map,
				    * 3 redirect_peer, 4 redirect_neigh, 5 a socket
				    * (sk/msg_redirect_map/hash) */
	uint32_t redirect_target;  /* ifindex, or the map's key */
};

/* Run prog (a program of rt's object) once or `repeat` times; one run at a
 * time per runtime (threads running at once need a runtime each, or
 * their own locking; the maps are safe to share).  0 and the
 * results, or a negative ANYBPF_E_* code with the reason in opts->log:
 * bad inputs (INVAL), a rejected program (VERIFY), an execution error in
 * checking mode (OOB, BUDGET, ...), NOSPC (outputs truncated). */
int anybpf_prog_test_run(anybpf_runtime *rt, const anybpf_prog *prog,
			 struct anybpf_test_run_opts *opts);

/* XDP action name of a retval ("XDP_PASS", ...), NULL if none. */
const char *anybpf_xdp_action_name(uint32_t retval);

#ifdef __cplusplus
}
#endif
#endif
