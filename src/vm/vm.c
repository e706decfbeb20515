/* vm.c - the VM: helper registry, loading (validate, then pre-decode),
 * execution set-up, and the checking mode's region checks. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vm_internal.h"

anybpf_vm *anybpf_vm_new(const struct anybpf_vm_opts *opts)
{
	anybpf_vm *vm = ab_calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->max_insns = ANYBPF_MAX_INSNS_DEFAULT;
	vm->call_depth = VM_CALL_DEPTH_DEFAULT;
	vm->zero_bytes = VM_STACK_SIZE;
	if (opts) {
		struct anybpf_vm_opts o = { 0 };
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
		if (o.max_insns)
			vm->max_insns = o.max_insns;
		if (o.call_depth) /* at most 64 Ki frames (32 MiB of stack) */
			vm->call_depth = o.call_depth < VM_CALL_DEPTH_MAX ? o.call_depth
									: VM_CALL_DEPTH_MAX;
		vm->resolve_lddw = o.resolve_lddw;
		vm->resolve_user = o.resolve_user;
		vm->verified = o.verified != 0;
	}
	return vm;
}

static void prog_free(struct vm_prog *p)
{
	ab_free(p->code);
	ab_free(p->func_len);
	vm_jit_free(p->jit);
	memset(p, 0, sizeof(*p));
}

void anybpf_vm_free(anybpf_vm *vm)
{
	if (!vm)
		return;
	prog_free(&vm->prog);
	ab_free(vm->helpers);
	ab_free(vm);
}

void vm_set_dispatch(anybpf_vm *vm, enum vm_dispatch d)
{
	vm->dispatch = d;
}

static struct vm_helper *helper_find(anybpf_vm *vm, uint32_t id, size_t *index)
{
	for (size_t i = 0; i < vm->nhelpers; i++)
		if (vm->helpers[i].id == id) {
			if (index)
				*index = i;
			return &vm->helpers[i];
		}
	return NULL;
}

int anybpf_vm_register_helper(anybpf_vm *vm, uint32_t id, anybpf_helper_fn fn,
			      const struct anybpf_helper_proto *proto)
{
	if (!vm || !fn)
		return -ANYBPF_E_INVAL;
	struct vm_helper *h = helper_find(vm, id, NULL);
	if (!h) {
		/* the index is what a loaded program's call holds: keep it */
		if (vm->nhelpers >= INT32_MAX)
			return -ANYBPF_E_NOMEM;
		void *p = vm->helpers;
		if (ab_grow(&p, &vm->helpers_cap, vm->nhelpers + 1, sizeof(*vm->helpers)))
			return -ANYBPF_E_NOMEM;
		vm->helpers = p;
		h = &vm->helpers[vm->nhelpers++];
	}
	memset(h, 0, sizeof(*h));
	h->id = id;
	h->fn = fn;
	if (proto)
		memcpy(&h->proto, proto, proto->sz < sizeof(h->proto) ? proto->sz : sizeof(h->proto));
	h->proto.sz = sizeof(h->proto);
	snprintf(h->defname, sizeof(h->defname), "helper_%" PRIu32, id);
	if (!h->proto.name)
		h->proto.name = h->defname;
	return 0;
}

/* What each pseudo lddw kind (src 1..6) refers to, for messages. */
static const struct { const char *what, *needs; } lddw_kinds[] = {
	[1] = { "map fd", "a map" },
	[2] = { "value of map fd", "a map" },
	[3] = { "variable, BTF id", "a variable" },
	[4] = { "function at", "a function" },
	[5] = { "map index", "a map" },
	[6] = { "value of map index", "a map" },
};

/* Without a resolver, a pseudo lddw naming a map or variable cannot load.
 * Checked before the validator, as the kernel resolves pseudo lddw before
 * its CFG checks: the missing object is the first thing wrong with such a
 * program (uBPF's err-lddw-invalid-src.data). */
static int check_unresolvable(const anybpf_vm *vm, const struct anybpf_insn *insns, size_t n,
			      struct anybpf_log *log)
{
	if (vm->resolve_lddw)
		return 0;
	for (size_t pc = 0; pc + 1 < n; pc++) {
		unsigned src = insns[pc].src;
		if (insns[pc].code != 0x18 || src == 0 || src == 4 || src >= ARRAY_SIZE(lddw_kinds) ||
		    isa_lookup(&insns[pc]) < 0)
			continue;
		return ab_err(log, -ANYBPF_E_PSEUDO, (int64_t)pc,
			      "lddw src %u (%s 0x%x) needs %s, and this program has none",
			      src, lddw_kinds[src].what, (unsigned)insns[pc].imm, lddw_kinds[src].needs);
	}
	return 0;
}

/* Mark the functions: pc 0 and every local call / lddw func target; then
 * each one's length in slots up to the next start. */
static int mark_functions(struct vm_prog *p, const struct anybpf_insn *insns,
			  struct anybpf_log *log)
{
	p->func_len = ab_calloc(p->n, sizeof(*p->func_len));
	if (!p->func_len)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "out of memory");
	p->func_len[0] = 1;
	for (size_t pc = 0; pc < p->n; pc++) {
		unsigned fmt = isa_rows[p->code[pc].code].fmt;
		int is_func_ref = p->code[pc].code == ISA_LDDW_FUNC || fmt == FMT_CALL_LOCAL;
		if (is_func_ref) {
			int64_t t = (int64_t)pc + 1 + insns[pc].imm;
			if (t < 0 || t >= (int64_t)p->n)
				return ab_err(log, -ANYBPF_E_JMP_RANGE, (int64_t)pc,
					      "function target pc %" PRId64 " is outside the program", t);
			p->func_len[t] = 1;
		}
		if (fmt == FMT_LDDW)
			pc++;
	}
	size_t start = 0;
	for (size_t pc = 1; pc <= p->n; pc++)
		if (pc == p->n || p->func_len[pc]) {
			p->func_len[start] = (uint32_t)(pc - start);
			start = pc;
		}
	return 0;
}

int anybpf_vm_load(anybpf_vm *vm, const struct anybpf_insn *insns, size_t n,
		   struct anybpf_log *log)
{
	if (!vm)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "no VM");
	if (vm->prog.code)
		return ab_err(log, -ANYBPF_E_LOADED, -1,
			      "a program is already loaded into this VM; anybpf_vm_unload() it first");
	struct anybpf_validate_opts vo = { .sz = sizeof(vo), .max_insns = vm->max_insns };
	int err = check_unresolvable(vm, insns, n, log);
	if (!err)
		err = anybpf_validate(insns, n, &vo, log);
	if (err)
		return err;
	prog_free(&vm->prog);
	struct vm_prog p = { 0 };
	p.n = n;
	p.code = ab_calloc(n, sizeof(*p.code));
	if (!p.code)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "out of memory");
	memcpy(p.code, insns, n * sizeof(*insns));
	for (size_t pc = 0; pc < n; pc++) {
		int row = isa_lookup(&insns[pc]);
		if (row < 0) { /* anybpf_validate refused these already */
			err = ab_err(log, row, (int64_t)pc, "invalid instruction (opcode 0x%02x)",
				     insns[pc].code);
			goto fail;
		}
		struct anybpf_insn *d = &p.code[pc];
		const struct isa_row *r = &isa_rows[row];
		d->code = (uint8_t)row;
		if (r->fmt == FMT_LDDW) {
			if (pc + 1 >= n) {
				err = ab_err(log, -ANYBPF_E_LDDW_INCOMPLETE, (int64_t)pc, "incomplete lddw");
				goto fail;
			}
			unsigned src = insns[pc].src;
			uint64_t v = (uint32_t)insns[pc].imm | (uint64_t)(uint32_t)insns[pc + 1].imm << 32;
			if (row == ISA_LDDW_FUNC) {
				/* p.code never moves: the address of the target slot */
				v = (uint64_t)(uintptr_t)&p.code[(int64_t)pc + 1 + insns[pc].imm];
			} else if (src != 0) {
				int64_t ipc = (int64_t)pc;
				if (!vm->resolve_lddw) {
					err = ab_err(log, -ANYBPF_E_PSEUDO, ipc,
						     "lddw src %u (%s 0x%x) needs %s, and this program has none",
						     src, lddw_kinds[src].what, (unsigned)insns[pc].imm,
						     lddw_kinds[src].needs);
					goto fail;
				}
				err = vm->resolve_lddw(vm->resolve_user, src, insns[pc].imm,
						       insns[pc + 1].imm, &v);
				if (err) {
					err = ab_err(log, err < 0 ? err : -ANYBPF_E_PSEUDO, ipc,
						     "lddw src %u (%s 0x%x): %s", src,
						     lddw_kinds[src].what, (unsigned)insns[pc].imm,
						     anybpf_strerror(err));
					goto fail;
				}
			}
			d->imm = (int32_t)(uint32_t)v;
			p.code[pc + 1] = insns[pc + 1];
			p.code[pc + 1].code = (uint8_t)row;
			p.code[pc + 1].imm = (int32_t)(uint32_t)(v >> 32);
			pc++;
		} else if (row == ISA_CALL) {
			size_t idx;
			if (!helper_find(vm, (uint32_t)insns[pc].imm, &idx)) {
				err = ab_err(log, -ANYBPF_E_HELPER, (int64_t)pc,
					     "call to unknown helper %" PRIu32, (uint32_t)insns[pc].imm);
				goto fail;
			}
			d->imm = (int32_t)idx;
		} else if (row == ISA_CALL_KFUNC) {
			err = ab_err(log, -ANYBPF_E_KFUNC, (int64_t)pc,
				     "call to kfunc with BTF id %d: kfunc calls are not supported",
				     insns[pc].imm);
			goto fail;
		}
	}
	if ((err = mark_functions(&p, insns, log)))
		goto fail;
	vm->prog = p;
	return 0;
fail:
	prog_free(&p);
	return err;
}

/* ------------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------------- */

/* The interpreter of a run: checking or fast, computed goto or switch. */
static vm_interp_fn *interp_of(const anybpf_vm *vm, int checked)
{
	if (vm->dispatch == VM_DISPATCH_SWITCH)
		return checked ? vm_interp_checked_switch : vm_interp_fast_switch;
	return checked ? vm_interp_checked : vm_interp_fast;
}

/* Reset what one run changes, for the next one. */
static inline void run_restart(struct anybpf_run *run)
{
	run->depth = 0;
	run->stack_lo = run->stack_top - VM_STACK_SIZE;
	run->nextra = 0;
	run->stop = 0;
	run->pc = 0;
	run->left = run->budget > INT64_MAX ? INT64_MAX : (int64_t)run->budget;
	run->count = 0;
	if (run->zero_bytes)
		memset((void *)(uintptr_t)run->stack_lo, 0, run->zero_bytes);
}

int vm_next_run(struct anybpf_run *run)
{
	if (run->rerun) {
		const void *pkt = run->pkt;
		size_t len = run->pkt_len;
		int err = run->rerun(run->user, &pkt, &len);
		if (err)
			return err;
		run->pkt = pkt;
		run->pkt_len = pkt ? len : 0;
	}
	run_restart(run);
	return 0;
}

int anybpf_vm_exec(anybpf_vm *vm, const struct anybpf_exec_opts *opts,
		   struct anybpf_exec_result *res, struct anybpf_log *log)
{
	if (!vm)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "no VM");
	if (!vm->prog.code)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "no program loaded");
	/* Every default is 0: an older caller's shorter opts (or none) are
	 * completed with zeros once; a current caller's are read in place,
	 * field by field (this runs once per packet). */
	struct anybpf_exec_opts full;
	if (!opts || opts->sz < sizeof(full)) {
		memset(&full, 0, sizeof(full));
		if (opts)
			memcpy(&full, opts, opts->sz);
		opts = &full;
	}
	struct anybpf_run run;
	run.vm = vm;
	run.code = vm->prog.code;
	run.n = vm->prog.n;
	run.func_len = vm->prog.func_len;
	run.helpers = vm->helpers;
	enum anybpf_exec_mode mode = opts->mode;
	run.checked = mode != ANYBPF_EXEC_FAST && mode != ANYBPF_EXEC_JIT;
	run.jit = mode == ANYBPF_EXEC_JIT;
	run.budget = opts->budget ? opts->budget : ANYBPF_BUDGET_DEFAULT;
	run.max_depth = vm->call_depth;
	for (int i = 0; i < 5; i++)
		run.args[i] = opts->args[i];
	run.pkt = opts->pkt;
	run.pkt_len = run.pkt ? opts->pkt_len : 0;
	run.user = opts->user;
	run.log = log;
	run.regions = opts->regions;
	run.nregions = run.regions ? opts->nregions : 0;
	run.reps_left = opts->repeat > 1 ? opts->repeat - 1 : 0;
	run.rerun = opts->rerun;
	run.extra = NULL;
	run.extra_cap = 0;
	run.stop_val = 0;
	run.err = 0;
	run.retval = run.insns = 0;
	/* A verified program never reads stack it did not write: its frames
	 * need no zeroing.  Others get zeroed frames in every mode, so that
	 * all modes give the same results on them. */
	run.zero_bytes = vm->verified ? 0 : vm->zero_bytes;
	if (run.jit && !vm->prog.jit) {
		int jerr = vm_jit_compile(vm, log);
		if (jerr)
			return jerr;
	}

	/* The stack: frames of 512 bytes, frame 0 at the top, callees below. */
	_Alignas(16) uint8_t local_stack[VM_CALL_DEPTH_DEFAULT * VM_STACK_SIZE];
	struct vm_frame local_frames[VM_CALL_DEPTH_DEFAULT];
	void *heap = NULL;
	if (run.max_depth <= VM_CALL_DEPTH_DEFAULT) {
		run.stack = local_stack;
		run.frames = local_frames;
	} else {
		size_t ssz = (size_t)run.max_depth * VM_STACK_SIZE;
		heap = ab_malloc(ssz + (size_t)run.max_depth * sizeof(struct vm_frame));
		if (!heap)
			return ab_err(log, -ANYBPF_E_NOMEM, -1, "out of memory for the stack");
		run.stack = heap;
		run.frames = (struct vm_frame *)(void *)((uint8_t *)heap + ssz);
	}
	run.stack_top = (uint64_t)(uintptr_t)(run.stack + (size_t)run.max_depth * VM_STACK_SIZE);

	/* The interpreters do the repeats themselves (a jump back to pc 0 at
	 * exit, without leaving the function); so does the JIT code while
	 * nothing is to be done between runs (run.jit_reps), the rest (a
	 * rerun hook, frames to zero, a run a helper stopped) loops here. */
	int err;
	run_restart(&run);
	if (!run.jit) {
		err = interp_of(vm, run.checked)(&run, run.code, run.args);
	} else {
		const int inner = run.rerun == NULL && run.zero_bytes == 0;
		for (;;) {
			run.jit_reps = inner ? run.reps_left : 0;
			err = vm_jit_run(&run);
			if (inner) /* UINT64_MAX: it did them all */
				run.reps_left = run.jit_reps == UINT64_MAX ? 0 : run.jit_reps;
			if (err || !run.reps_left)
				break;
			run.reps_left--;
			if (VM_UNLIKELY(run.rerun != NULL || run.zero_bytes != 0)) {
				if ((err = vm_next_run(&run)))
					break;
			} else { /* what a JIT run may leave behind */
				run.depth = 0;
				run.nextra = 0;
				run.stop = 0;
			}
		}
	}
	if (res) {
		/* Two 8-byte copies: the engines stored the fields one by one,
		 * and the 16-byte load a compiler merges these copies into
		 * cannot be forwarded from those stores (a stall of some ten
		 * cycles on every run, half the cost of an empty program). */
		res->retval = run.retval;
		VM_BARRIER();
		res->insns = run.insns;
	}
	if (run.extra)
		ab_free(run.extra);
	if (heap)
		ab_free(heap);
	return err;
}

void *anybpf_run_user(anybpf_run *run)
{
	return run ? run->user : NULL;
}

void anybpf_run_stop(anybpf_run *run, uint64_t retval)
{
	if (!run)
		return;
	run->stop = 1;
	run->stop_val = retval;
}

int anybpf_run_add_region(anybpf_run *run, void *base, size_t len, unsigned flags,
			  const char *name)
{
	if (!run || (!base && len))
		return -ANYBPF_E_INVAL;
	void *p = run->extra;
	if (ab_grow(&p, &run->extra_cap, run->nextra + 1, sizeof(*run->extra)))
		return -ANYBPF_E_NOMEM;
	run->extra = p;
	run->extra[run->nextra++] = (struct anybpf_region){ base, len, flags, name };
	return 0;
}

size_t anybpf_run_region_count(const anybpf_run *run)
{
	return run ? run->nextra : 0;
}

void anybpf_run_region_release(anybpf_run *run, size_t count)
{
	if (run && count < run->nextra)
		run->nextra = count;
}

/* The name of the helper being called, for messages. */
static const char *current_helper(const struct anybpf_run *run)
{
	const struct anybpf_insn *c = run->pc < run->n ? &run->code[run->pc] : NULL;
	if (!c || c->code != ISA_CALL)
		return "helper";
	return run->helpers[c->imm].proto.name;
}

int anybpf_run_call(anybpf_run *run, uint64_t fn, const uint64_t args[5], uint64_t *ret)
{
	if (!run)
		return -ANYBPF_E_INVAL;
	if (run->err)
		return run->err;
	static const uint64_t no_args[5];
	uint64_t a[5], r0 = 0;
	vm_load_args(a, args ? args : no_args);
	const size_t pc = run->pc; /* the helper's call, restored for it */
	uint64_t t = fn - (uint64_t)(uintptr_t)run->code;
	int err;
	if (t % sizeof(*run->code) != 0 || t / sizeof(*run->code) >= run->n ||
	    run->func_len[t / sizeof(*run->code)] == 0) {
		err = ab_err(run->log, -ANYBPF_E_CALLX, (int64_t)pc,
			     "%s: callback 0x%llx is not the address of a function of this program",
			     current_helper(run), (unsigned long long)fn);
	} else if (run->depth + 1 >= run->max_depth) {
		err = ab_err(run->log, -ANYBPF_E_CALL_DEPTH, (int64_t)pc,
			     "call depth limit exceeded: %u frames in use, the limit is %u "
			     "(%s callback)", run->depth + 1, run->max_depth, current_helper(run));
	} else if (run->jit) {
		err = vm_jit_call(run, (size_t)(t / sizeof(*run->code)), a, &r0);
	} else {
		const struct anybpf_insn *entry = &run->code[t / sizeof(*run->code)];
		unsigned depth = run->depth;
		uint64_t lo = run->stack_lo, saved_ret = run->retval, saved_insns = run->insns;
		run->depth = depth + 1;
		run->stack_lo = lo - VM_STACK_SIZE;
		if (run->zero_bytes)
			memset((void *)(uintptr_t)run->stack_lo, 0, run->zero_bytes);
		err = 0;
		/* fast mode charges a call the callee's length, as a local call */
		if (!run->checked) {
			run->left -= (int64_t)run->func_len[entry - run->code];
			if (run->left < 0)
				err = ab_err(run->log, -ANYBPF_E_BUDGET, (int64_t)pc,
					     "instruction budget of %llu exhausted",
					     (unsigned long long)run->budget);
		}
		if (!err)
			err = interp_of(run->vm, run->checked)(run, entry, a);
		r0 = run->retval;
		run->retval = saved_ret;
		run->insns = saved_insns;
		run->depth = depth;
		run->stack_lo = lo;
	}
	run->pc = pc;
	if (err) {
		if (!run->err)
			run->err = err;
		return err;
	}
	if (ret)
		*ret = r0;
	return run->stop ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Checking mode
 * ---------------------------------------------------------------------- */

/* A region the program may access, as the checks see it. */
struct span {
	uint64_t lo, len;
	unsigned flags;
	const char *name;
	long idx; /* stack frame number, or -1 */
};

/* The i-th accessible span: the frames in use first (frame 0 on top),
 * then the exec regions, then the helper-added ones.  0 past the end. */
static int span_get(const struct anybpf_run *run, size_t i, struct span *s)
{
	size_t nframes = run->depth + 1u;
	if (i < nframes) {
		s->lo = run->stack_top - (uint64_t)(i + 1) * VM_STACK_SIZE;
		s->len = VM_STACK_SIZE;
		s->flags = ANYBPF_REGION_RW;
		s->name = "stack frame";
		s->idx = (long)i;
		return 1;
	}
	i -= nframes;
	const struct anybpf_region *r;
	if (i < run->nregions)
		r = &run->regions[i];
	else if (i - run->nregions < run->nextra)
		r = &run->extra[i - run->nregions];
	else
		return 0;
	s->lo = (uint64_t)(uintptr_t)r->base;
	s->len = r->len;
	s->flags = r->flags;
	s->name = r->name ? r->name : "region";
	s->idx = r->name ? -1 : (long)i;
	return 1;
}

static int span_holds(const struct span *s, uint64_t a, uint64_t size)
{
	return a >= s->lo && a - s->lo <= s->len && size <= s->len - (a - s->lo);
}

static void span_text(const struct span *s, char *buf, size_t size)
{
	if (s->idx >= 0)
		snprintf(buf, size, "%s %ld [0x%" PRIx64 ",0x%" PRIx64 ")", s->name, s->idx,
			 s->lo, s->lo + s->len);
	else
		snprintf(buf, size, "%s [0x%" PRIx64 ",0x%" PRIx64 ")", s->name, s->lo,
			 s->lo + s->len);
}

/* Where [a, a+size) lies relative to the nearest span, into buf. */
static void nearest_text(const struct anybpf_run *run, uint64_t a, uint64_t size, char *buf,
			 size_t bsize)
{
	struct span s, best = { 0 };
	uint64_t best_d = UINT64_MAX;
	int have = 0;
	for (size_t i = 0; span_get(run, i, &s); i++) {
		uint64_t d;
		if (a >= s.lo + s.len)
			d = a - (s.lo + s.len);
		else if (a + size <= s.lo)
			d = s.lo - a;
		else
			d = 0; /* overlaps it partly */
		if (!have || d < best_d) {
			best = s;
			best_d = d;
			have = 1;
		}
	}
	char name[128];
	span_text(&best, name, sizeof(name));
	const char *pl = best_d == 1 ? "" : "s";
	if (a >= best.lo + best.len)
		snprintf(buf, bsize, "%" PRIu64 " byte%s past the end of %s", best_d, pl, name);
	else if (a + size <= best.lo)
		snprintf(buf, bsize, "%" PRIu64 " byte%s before the start of %s", best_d, pl, name);
	else if (a < best.lo)
		snprintf(buf, bsize, "crosses the start of %s", name);
	else
		snprintf(buf, bsize, "crosses the end of %s", name);
}

static const char *const access_name[] = { "load", "store", "atomic access" };

static int region_ok(const struct anybpf_region *r, size_t n, uint64_t a, uint64_t size,
		     unsigned need)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t lo = (uint64_t)(uintptr_t)r[i].base;
		if (a >= lo && a - lo <= r[i].len && size <= r[i].len - (a - lo))
			return (r[i].flags & need) == need;
	}
	return 0;
}

/* The quiet check: may [a, a+size) be read (or written)?  Size > 0. */
static int range_ok(const struct anybpf_run *run, uint64_t a, uint64_t size, int write)
{
	if (size > UINT64_MAX - a)
		return 0;
	if (a >= run->stack_lo && a - run->stack_lo <= run->stack_top - run->stack_lo &&
	    size <= run->stack_top - a)
		return 1;
	unsigned need = write ? ANYBPF_REGION_W : ANYBPF_REGION_R;
	return region_ok(run->regions, run->nregions, a, size, need) ||
	       region_ok(run->extra, run->nextra, a, size, need);
}

/* Check [a, a+size) and explain a failure.  `prefix` starts the message
 * ("out-of-bounds store", or a helper argument's). */
static int check_range(struct anybpf_run *run, int64_t pc, const char *prefix, uint64_t a,
		       uint64_t size, int write)
{
	char where[256];
	if (range_ok(run, a, size, write))
		return 0;
	if (size > UINT64_MAX - a)
		return ab_err(run->log, -ANYBPF_E_OOB, pc,
			      "%s of %" PRIu64 " byte%s at 0x%" PRIx64 ": the address range wraps around",
			      prefix, size, size == 1 ? "" : "s", a);
	struct span s;
	for (size_t i = 0; span_get(run, i, &s); i++) {
		if (!span_holds(&s, a, size))
			continue;
		unsigned need = write ? ANYBPF_REGION_W : ANYBPF_REGION_R;
		if ((s.flags & need) == need)
			continue; /* (a later region may overlap it) */
		span_text(&s, where, sizeof(where));
		return ab_err(run->log, -ANYBPF_E_OOB, pc,
			      "%s of %" PRIu64 " byte%s at 0x%" PRIx64 ": %s is %s", prefix, size,
			      size == 1 ? "" : "s", a, where,
			      write ? "read-only" : "not readable");
	}
	nearest_text(run, a, size, where, sizeof(where));
	return ab_err(run->log, -ANYBPF_E_OOB, pc, "%s of %" PRIu64 " byte%s at 0x%" PRIx64 ": %s",
		      prefix, size, size == 1 ? "" : "s", a, where);
}

int vm_check_access(struct anybpf_run *run, const struct anybpf_insn *pc, uint64_t base,
		    int64_t off, unsigned size, enum vm_access kind)
{
	int64_t ipc = pc - run->code;
	uint64_t a = base + (uint64_t)off;
	if (off >= 0 ? a < base : a > base)
		return ab_err(run->log, -ANYBPF_E_OOB, ipc,
			      "out-of-bounds %s of %u byte%s at 0x%" PRIx64 " %c %" PRId64
			      ": the address arithmetic overflows",
			      access_name[kind], size, size == 1 ? "" : "s", base,
			      off < 0 ? '-' : '+', off < 0 ? -off : off);
	if (range_ok(run, a, size, kind != VM_LOAD) &&
	    (kind != VM_ATOMIC || range_ok(run, a, size, 0)))
		return 0;
	char prefix[48];
	snprintf(prefix, sizeof(prefix), "out-of-bounds %s", access_name[kind]);
	int err = check_range(run, ipc, prefix, a, size, kind != VM_LOAD);
	if (!err && kind == VM_ATOMIC)
		err = check_range(run, ipc, prefix, a, size, 0);
	return err;
}

int vm_check_helper_args(struct anybpf_run *run, const struct vm_helper *h, const uint64_t *regs)
{
	const enum anybpf_arg_kind *args = h->proto.args;
	int64_t pc = (int64_t)run->pc;
	char prefix[160];
	for (unsigned i = 0; i < 5; i++) {
		uint64_t v = regs[1 + i];
		if (args[i] == ANYBPF_ARG_MEM_R || args[i] == ANYBPF_ARG_MEM_W) {
			int write = args[i] == ANYBPF_ARG_MEM_W;
			uint64_t size = i + 1 < 5 && args[i + 1] == ANYBPF_ARG_SIZE ? regs[2 + i] : 1;
			if (size == 0 || range_ok(run, v, size, write))
				continue;
			size_t plen = (size_t)snprintf(prefix, sizeof(prefix),
				"helper %s (id %" PRIu32 ") argument %u (r%u): ",
				h->proto.name, h->id, i + 1, i + 1);
			if (plen >= sizeof(prefix))
				plen = sizeof(prefix) - 1;
			snprintf(prefix + plen, sizeof(prefix) - plen, "%s",
				 write ? "out-of-bounds write" : "out-of-bounds read");
			int err = check_range(run, pc, prefix, v, size, write);
			if (err)
				return err;
		} else if (args[i] == ANYBPF_ARG_STR) {
			size_t plen = (size_t)snprintf(prefix, sizeof(prefix),
				"helper %s (id %" PRIu32 ") argument %u (r%u): ",
				h->proto.name, h->id, i + 1, i + 1);
			if (plen >= sizeof(prefix))
				plen = sizeof(prefix) - 1;
			struct span s;
			size_t k;
			for (k = 0; span_get(run, k, &s); k++)
				if (span_holds(&s, v, 1) && (s.flags & ANYBPF_REGION_R))
					break;
			if (!span_get(run, k, &s)) {
				snprintf(prefix + plen, sizeof(prefix) - plen, "out-of-bounds string");
				return check_range(run, pc, prefix, v, 1, 0);
			}
			const void *p = (const void *)(uintptr_t)v;
			if (!memchr(p, 0, s.len - (v - s.lo))) {
				char where[128];
				span_text(&s, where, sizeof(where));
				return ab_err(run->log, -ANYBPF_E_OOB, pc,
					      "%sstring at 0x%" PRIx64 " has no NUL before the end of %s",
					      prefix, v, where);
			}
		}
	}
	return 0;
}

int anybpf_run_check(anybpf_run *run, uint64_t addr, size_t len, int write)
{
	if (!run)
		return -ANYBPF_E_INVAL;
	if (!run->checked || len == 0)
		return 0;
	int err = check_range(run, (int64_t)run->pc, write ? "helper write" : "helper read", addr,
			      len, write);
	if (err && !run->err)
		run->err = err;
	return err;
}

int anybpf_vm_jit_compile(anybpf_vm *vm, struct anybpf_log *log)
{
	if (!vm)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "no VM");
	return vm_jit_compile(vm, log);
}

size_t anybpf_vm_jit_code(const anybpf_vm *vm, const void **code)
{
	return vm_jit_code(vm ? vm->prog.jit : NULL, code);
}

void anybpf_vm_unload(anybpf_vm *vm)
{
	if (vm)
		prog_free(&vm->prog);
}

void anybpf_run_set_pkt(anybpf_run *run, const void *pkt, size_t len)
{
	if (run) {
		run->pkt = pkt;
		run->pkt_len = pkt ? len : 0;
	}
}
