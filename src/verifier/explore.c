/* explore.c - path exploration with state pruning (the Linux design), and
 * the public entry point.
 *
 * One path is followed instruction by instruction; a conditional jump that
 * the state cannot decide pushes the other side on a stack, each side
 * refined by the condition.  At prune points (cfg.c) the state is compared
 * with the checkpoints stored there: a fully explored checkpoint that
 * subsumes it ends the path (everything it can do was already proven safe);
 * an ancestor checkpoint exactly equal to it means the path came back to
 * the same place in the same state, so the loop cannot be shown to end.
 * Bounded loops are explored iteration by iteration until their exit
 * condition is decided; the explored-instruction budget stops the rest.
 *
 * The bound reported ("terminates within N instructions") is the longest
 * path: each checkpoint learns the longest tail below it as its paths end
 * (final once all have), so a pruned path counts the tail of the complete
 * checkpoint that pruned it. */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

/* checkpoints compared per visit, newest first (a constant filter skips
 * most of them cheaply: see const_sig) */
#ifndef MAX_COMPARE
#define MAX_COMPARE 64
#endif

/* bytes a state holds (its frames and their stack slots) */
static uint64_t state_bytes(const struct vstate *s)
{
	uint64_t b = sizeof(*s);
	for (int i = 0; i < MAX_FRAMES; i++)
		if (s->fr[i])
			b += sizeof(*s->fr[i]) + (uint64_t)s->fr[i]->nslots * sizeof(struct slot);
	return b;
}

/* the memory in use now, with the path being explored (cur) */
static void mem_sample(struct verifier *v, const struct vstate *cur)
{
	uint64_t m = v->mem_fixed + v->mem_cps + v->mem_pending +
		     v->capstack * (sizeof(*v->stack) + sizeof(*v->stack_bytes)) +
		     (cur ? state_bytes(cur) : 0);
	if (m > v->mem_peak)
		v->mem_peak = m;
}

int push_branch(struct verifier *v, const struct vstate *s, int64_t pc, struct vstate **out)
{
	struct vstate *c = state_copy(s);

	*out = NULL;
	if (!c || ab_grow((void **)&v->stack, &v->capstack, v->nstack + 1, sizeof(*v->stack)) ||
	    ab_grow((void **)&v->stack_bytes, &v->capstack_bytes, v->nstack + 1, sizeof(*v->stack_bytes))) {
		state_free(c);
		v->oom = 1;
		return verr(v, s->pc, "nomem", "", "out of memory");
	}
	c->pc = pc;
	if (c->parent)
		c->parent->branches++;
	if (v->level >= ANYBPF_VERIFY_INFORMATIONAL) {
		if (ab_grow((void **)&v->stack_hist, &v->capstack_hist, v->nstack + 1,
			    sizeof(*v->stack_hist))) {
			state_free(c);
			v->oom = 1;
			return verr(v, s->pc, "nomem", "", "out of memory");
		}
		v->stack_hist[v->nstack] = v->nhist;
	}
	v->stack_bytes[v->nstack] = (uint32_t)state_bytes(c);
	v->mem_pending += v->stack_bytes[v->nstack];
	v->stack[v->nstack++] = c;
	mem_sample(v, s);
	*out = c;
	return 0;
}

/* a path ended: `total` instructions when it reached an exit (or a pruning
 * checkpoint's longest tail), 0 when it died or failed */
static void path_end(struct verifier *v, struct vstate *s, uint64_t total)
{
	struct checkpoint *a = s->parent;

	if (total > v->max_path)
		v->max_path = total;
	if (a && total && total - a->steps > a->tail)
		a->tail = total - a->steps;
	/* a checkpoint whose paths all ended is complete: its tail is final
	 * and counts for its parent */
	while (a && --a->branches == 0) {
		struct checkpoint *p = a->parent;
		if (p && a->steps + a->tail - p->steps > p->tail)
			p->tail = a->steps + a->tail - p->steps;
		a = p;
	}
}

/* the hash of the constants of s's current-frame registers in mask;
 * false when one of them is not a constant number */
static bool const_sig(const struct vstate *s, uint16_t mask, uint64_t *sig)
{
	const struct reg *regs = REGS(s);
	uint64_t h = 0xcbf29ce484222325ull;

	for (int r = 0; r < 11; r++) {
		if (!(mask & (1u << r)))
			continue;
		if (regs[r].type != R_SCALAR || !sc_is_const(&regs[r].v))
			return false;
		h = (h ^ (sc_val(&regs[r].v) + (uint64_t)r)) * 0x100000001b3ull;
	}
	*sig = h;
	return true;
}

/* the registers whose constants a checkpoint of s at its pc records: live
 * and relevant ones (both comparisons require them equal) */
static uint16_t const_mask(const struct verifier *v, const struct vstate *s)
{
	uint16_t m = v->cfg.live[s->pc] & (v->precision ? v->cfg.rel[s->pc] : 0xffff);
	uint16_t out = 0;
	for (int r = 0; r < 11; r++)
		if ((m & (1u << r)) && REGS(s)[r].type == R_SCALAR && sc_is_const(&REGS(s)[r].v))
			out |= (uint16_t)(1u << r);
	return out;
}

/* 1: pruned (*tail set), 0: go on, -1: error */
static int visit(struct verifier *v, struct vstate *s, uint64_t *tail)
{
	int64_t pc = s->pc;
	unsigned compared = 0;
	uint16_t sig_mask = 0;
	uint64_t sig = 0;
	bool sig_ok = const_sig(s, 0, &sig);

	/* only the newest checkpoints are compared: a missed prune costs time,
	 * never soundness, and a repeating state is always among the newest */
	for (struct checkpoint *cp = v->explored[pc]; cp && compared < MAX_COMPARE;
	     cp = cp->next, compared++) {
		if (cp->st.cur != s->cur)
			continue;
		if (cp->cmask != sig_mask) {
			sig_mask = cp->cmask;
			sig_ok = const_sig(s, sig_mask, &sig);
		}
		if (!sig_ok || sig != cp->csig)
			continue;   /* a recorded constant differs: neither matches */
		if (cp->branches) {
			if (cp->st.cur == s->cur && state_subsumes(v, &cp->st, s, true)) {
				char h[200];
				snprintf(h, sizeof(h), "Make the loop's exit condition depend on a counter that changes every iteration and has a constant bound.");
				return verr(v, pc, "loop", h,
					    "cannot prove the loop at pc %lld terminates: execution returns here in exactly the same state (after %llu more instructions)",
					    (long long)pc, (unsigned long long)(s->steps - cp->steps));
			}
			continue;
		}
		if (state_subsumes(v, &cp->st, s, false)) {
			*tail = cp->tail;
			v->pruned++;
			return 1;
		}
	}
	/* in long loops store ever fewer checkpoints (memory, time) */
	if (v->nexplored[pc] >= MAX_COMPARE && ++v->since_store[pc] < v->nexplored[pc] / MAX_COMPARE)
		return 0;
	v->since_store[pc] = 0;
	struct checkpoint *cp = ab_calloc(1, sizeof(*cp));
	if (!cp || state_copy_into(&cp->st, s)) {
		if (cp)
			state_release(&cp->st);
		ab_free(cp);
		v->oom = 1;
		return verr(v, pc, "nomem", "", "out of memory");
	}
	cp->branches = 1;
	cp->cmask = const_mask(v, s);
	const_sig(s, cp->cmask, &cp->csig);   /* succeeds: constants only */
	cp->steps = s->steps;
	cp->parent = s->parent;
	cp->next = v->explored[pc];
	v->explored[pc] = cp;
	v->nexplored[pc]++;
	s->parent = cp;
	v->stored++;
	v->mem_cps += sizeof(*cp) - sizeof(cp->st) + state_bytes(&cp->st);
	mem_sample(v, s);
	return 0;
}

static void trace(struct verifier *v, const struct vstate *s)
{
	char ins[96], st[1024];
	anybpf_disasm_insn(v->insns, v->n, (size_t)s->pc, ANYBPF_SYNTAX_LLVM, ins, sizeof(ins));
	state_str(v, s, st, sizeof(st));
	ab_logf(v->log, "%lld: %s ;%s\n", (long long)s->pc, ins, st);
}

static struct vstate *pop(struct verifier *v)
{
	if (!v->nstack)
		return NULL;
	v->mem_pending -= v->stack_bytes[--v->nstack];
	if (v->stack_hist && v->hist) {
		/* depth first: the trail up to the branch is still in place */
		v->nhist = v->stack_hist[v->nstack];
		hist_fact(v, v->stack[v->nstack]);
	}
	return v->stack[v->nstack];
}

/* The registers at the entry of function fn: the program's (r1 = ctx), or
 * a global function's from its signature.  0 or -1 (reported). */
static int entry_regs(struct verifier *v, struct vstate *s, uint32_t fn)
{
	struct frame *f = s->fr[0];
	const struct anybpf_func_sig *sg = v->cfg.funcs[fn].sig;

	f->func = fn;
	s->pc = v->cfg.funcs[fn].start;
	if (!fn || !sg) {
		f->regs[1].type = R_CTX;
		f->regs[1].v = sc_const(0);
		return 0;
	}
	if (sg->nargs > 5)
		return verr(v, s->pc, "global_func", "Pass at most 5 arguments (e.g. group them in a struct and pass its address).",
			    "global function %s() takes %u arguments; at most 5 are passed in registers",
			    sg->name, sg->nargs);
	if (sg->ret != 0 && sg->ret != ANYBPF_PARAM_SCALAR)
		return verr(v, s->pc, "global_func", "Return an integer, or make the function static.",
			    "global function %s() must return a number (an integer or enum) or nothing",
			    sg->name);
	for (unsigned i = 0; i < sg->nargs; i++) {
		struct reg *r = &f->regs[i + 1];
		switch (global_arg_class(v, sg, i)) {
		case 1:
			reg_mark_unknown(r);
			break;
		case 2:
			r->type = R_CTX;
			r->v = sc_const(0);
			break;
		case 3:
			r->type = R_MEM_OR_NULL;
			r->range = sg->args[i].size;
			r->v = sc_const(0);
			r->id = new_id(v);
			break;
		default:
			return verr(v, s->pc, "global_func",
				    "Give the argument a sized type (not void *), pass a number or the program's context, or make the function static.",
				    "argument %u of global function %s() is %s: a global function is verified on its own, from its BTF signature",
				    i + 1, sg->name, sg->args[i].kind == ANYBPF_PARAM_PTR
					    ? "a pointer to data of unknown size" : "neither a number nor a pointer");
		}
	}
	return 0;
}

static int explore(struct verifier *v, uint32_t fn)
{
	struct vstate *s = state_new();
	struct frame *f = frame_new();

	if (!s || !f) {
		state_free(s);
		frame_free(f);
		return -ANYBPF_E_NOMEM;
	}
	s->fr[0] = f;
	f->callsite = -1;
	f->regs[10].type = R_STACK;
	f->regs[10].v = sc_const(0);
	s->loop_head = -1;
	v->pass_func = fn;
	v->pass_changes_pkt = 0;
	v->max_path = 0;
	v->nhist = 0;
	if (entry_regs(v, s, fn)) {
		state_free(s);
		return 0;
	}

	while (s) {
		uint64_t tail = 0;
		int r;

		if (s->pc == -2) {           /* a branch found infeasible */
			path_end(v, s, 0);
			state_free(s);
			s = pop(v);
			continue;
		}
		if (v->processed >= v->budget) {
			const struct frame *cb = NULL;
			for (int fi = s->cur; fi > 0 && !cb; fi--)
				if (s->fr[fi]->cb_max)
					cb = s->fr[fi];
			if (cb)
				verr(v, s->pc, "loop", cb->cb_map1 ? "Iterate a map with fewer max_entries, or make the callback shorter." : "Pass bpf_loop a smaller iteration count the verifier can see.",
				     "cannot prove the %s at pc %lld terminates within the budget: its callback ran %u of up to %u times after %llu explored instructions",
				     cb_helper(cb), (long long)cb->callsite, cb->cb_iter + 1, cb->cb_max,
				     (unsigned long long)v->budget);
			else if (s->loop_head >= 0)
				verr(v, s->pc, "loop", "Give the loop a constant bound the verifier can see (e.g. 'for (i = 0; i < 64; i++)'), or make it smaller.",
				     "cannot prove the loop at pc %lld terminates: it was still running after %llu explored instructions (the budget)",
				     (long long)s->loop_head, (unsigned long long)v->budget);
			else
				verr(v, s->pc, "complexity", "Split the program or reduce its branching.",
				     "program too complex: more than %llu instructions explored",
				     (unsigned long long)v->budget);
			state_free(s);
			break;
		}
		v->cur_state = s;
		if (v->cfg.flags[s->pc] & PC_PRUNE) {
			r = visit(v, s, &tail);
			if (r) {
				path_end(v, s, r > 0 ? s->steps + tail : 0);
				state_free(s);
				if (v->ndiags >= v->max_errors || v->oom)
					break;
				s = pop(v);
				continue;
			}
		}
		if (v->cfg.flags[s->pc] & PC_LOOP_HEAD)
			s->loop_head = s->pc;
		if (v->level >= ANYBPF_VERIFY_TRACE && v->log)
			trace(v, s);
		int64_t pc = s->pc;
		size_t depth = v->nstack;
		inv_pre(v, s);
		if (v->level >= ANYBPF_VERIFY_INFORMATIONAL && hist_push(v, s)) {
			state_free(s);
			break;
		}
		v->processed++;
		s->steps++;
		r = transfer(v, s);
		if (v->hist && r == 0)
			hist_fact(v, s);
		if (r >= 0 && r != 2)
			inv_post(v, pc, s);
		if (v->nstack > depth && v->stack[v->nstack - 1]->pc >= 0)
			inv_post(v, pc, v->stack[v->nstack - 1]);
		if (r == 0)
			continue;
		path_end(v, s, r == 1 ? s->steps : 0);
		state_free(s);
		if (v->ndiags >= v->max_errors || v->oom)
			break;
		s = pop(v);
	}
	v->cur_state = NULL;
	while ((s = pop(v)))
		state_free(s);
	return v->oom ? -ANYBPF_E_NOMEM : 0;
}

/* The functions reached from f through calls and callbacks, depth first:
 * the global ones are appended to order[] after their callees. */
static void order_globals(struct verifier *v, uint32_t f, uint8_t *seen, uint32_t *order,
			  size_t *n, unsigned depth)
{
	const struct func_info *fi = &v->cfg.funcs[f];

	seen[f] = 1;
	for (int64_t pc = fi->start; pc < fi->end && depth < 64; pc++) {
		int row = v->cfg.row[pc];
		if (row < 0 || (isa_rows[row].fmt != FMT_CALL_LOCAL && row != ISA_LDDW_FUNC))
			continue;
		uint32_t t = v->cfg.func_of[pc + 1 + v->insns[pc].imm];
		if (!seen[t])
			order_globals(v, t, seen, order, n, depth + 1);
	}
	if (fi->global)
		order[(*n)++] = f;
}

/* The stack and frames function f may use with its callees (as explored
 * so far), memo[] 0 when not computed yet. */
static void func_totals(struct verifier *v, uint32_t f, uint8_t *memo, uint32_t *stk,
			uint8_t *frames, unsigned depth)
{
	struct func_info *fi = &v->cfg.funcs[f];
	uint32_t best_s = 0;
	uint8_t best_f = 0;

	if (memo[f] == 2)
		return;
	memo[f] = 1;
	if (fi->global && fi->checked && f != v->pass_func) {
		stk[f] = fi->total_stack;
		frames[f] = fi->frames;
		memo[f] = 2;
		return;
	}
	for (int64_t pc = fi->start; pc < fi->end && depth < 64; pc++) {
		int row = v->cfg.row[pc];
		if (row < 0 || (isa_rows[row].fmt != FMT_CALL_LOCAL && row != ISA_LDDW_FUNC))
			continue;
		uint32_t t = v->cfg.func_of[pc + 1 + v->insns[pc].imm];
		if (memo[t] == 1)
			continue;   /* recursion: rejected where it is explored */
		func_totals(v, t, memo, stk, frames, depth + 1);
		if (stk[t] > best_s)
			best_s = stk[t];
		if (frames[t] > best_f)
			best_f = frames[t];
	}
	stk[f] = ((fi->stack_depth + 7) & ~7u) + best_s;
	frames[f] = (uint8_t)(best_f + 1 < 255 ? best_f + 1 : 255);
	memo[f] = 2;
}

static int explore_all(struct verifier *v)
{
	struct cfg *c = &v->cfg;
	uint8_t *called = ab_calloc(c->nfuncs + 1, 1);
	uint32_t *order = ab_calloc(c->nfuncs + 1, sizeof(*order));
	uint32_t *stk = ab_calloc(c->nfuncs + 1, sizeof(*stk));
	uint8_t *frames = ab_calloc(c->nfuncs + 1, 1);
	size_t norder = 0;
	int err = 0;

	if (!called || !order || !stk || !frames) {
		err = -ANYBPF_E_NOMEM;
		goto out;
	}
	/* global: a function called (not only a callback) whose BTF says so */
	for (size_t pc = 0; pc < c->n; pc++)
		if (c->row[pc] >= 0 && isa_rows[c->row[pc]].fmt == FMT_CALL_LOCAL)
			called[c->func_of[(int64_t)pc + 1 + v->insns[pc].imm]] = 1;
	for (size_t i = 0; i < v->nsigs; i++) {
		const struct anybpf_func_sig *sg = &v->sigs[i];
		if (sg->pc >= c->n || !(c->flags[sg->pc] & PC_FUNC))
			continue;
		uint32_t f = c->func_of[sg->pc];
		c->funcs[f].sig = sg;
		c->funcs[f].global = f && sg->global && called[f];
	}
	memset(called, 0, c->nfuncs);
	order_globals(v, 0, called, order, &norder, 0);
	for (size_t i = 0; i < norder && !err && !v->ndiags; i++) {
		uint32_t g = order[i];
		if ((err = explore(v, g)))
			break;
		memset(called, 0, c->nfuncs);
		func_totals(v, g, called, stk, frames, 0);
		c->funcs[g].total_stack = stk[g];
		c->funcs[g].frames = frames[g];
		c->funcs[g].max_path = v->max_path;
		c->funcs[g].changes_pkt = v->pass_changes_pkt;
		c->funcs[g].checked = 1;
	}
	if (!err && !v->ndiags)
		err = explore(v, 0);
out:
	ab_free(called);
	ab_free(order);
	ab_free(stk);
	ab_free(frames);
	return err;
}

static void verifier_free(struct verifier *v)
{
	if (v->explored) {
		for (size_t pc = 0; pc < v->n; pc++) {
			struct checkpoint *cp = v->explored[pc];
			while (cp) {
				struct checkpoint *next = cp->next;
				state_release(&cp->st);
				ab_free(cp);
				cp = next;
			}
		}
	}
	inv_free(v);
	ab_free(v->explored);
	ab_free(v->nexplored);
	ab_free(v->since_store);
	ab_free(v->stack);
	ab_free(v->stack_bytes);
	ab_free(v->stack_hist);
	ab_free(v->hist);
	ab_free(v->ctx_off);
	for (size_t i = 0; i < v->ndiags; i++) {
		ab_free(v->diags[i].message);
		ab_free(v->diags[i].hint);
		ab_free(v->diags[i].slice);
	}
	ab_free(v->diags);
	cfg_free(&v->cfg);
}

/* the result takes the diagnostics */
static int make_result(struct verifier *v, struct anybpf_verify_result **out)
{
	struct anybpf_verify_result *res = ab_calloc(1, sizeof(*res));
	if (!res || inv_states(v, res)) {
		ab_free(res);
		return -ANYBPF_E_NOMEM;
	}
	if (v->ndiags) {
		res->diags = ab_calloc(v->ndiags, sizeof(*res->diags));
		if (!res->diags) {
			ab_free(res->states);
			ab_free(res);
			return -ANYBPF_E_NOMEM;
		}
	}
	for (size_t i = 0; i < v->ndiags; i++) {
		res->diags[i].pc = v->diags[i].pc;
		res->diags[i].check = v->diags[i].check;
		res->diags[i].message = v->diags[i].message;
		res->diags[i].hint = v->diags[i].hint;
		res->diags[i].slice = v->diags[i].slice;
	}
	res->ndiags = v->ndiags;
	v->ndiags = 0;
	res->verified = res->ndiags == 0;
	res->max_path = res->verified ? v->max_path : 0;
	res->insns_processed = v->processed;
	res->states_stored = v->stored;
	res->states_pruned = v->pruned;
	res->peak_bytes = v->mem_peak;
	if (v->ctx_off) {
		for (size_t pc = 0; pc < v->n; pc++)
			if (v->ctx_off[pc] == CTX_OTHER)
				v->ctx_off[pc] = ANYBPF_CTX_NONE;
		res->ctx_off = v->ctx_off;
		res->nctx_off = v->n;
		v->ctx_off = NULL;
	}
	*out = res;
	return 0;
}

int anybpf_verify(const struct anybpf_insn *insns, size_t n,
		  const struct anybpf_verify_opts *opts, struct anybpf_verify_result **out)
{
	struct anybpf_verify_opts o = { 0 };
	struct verifier v;
	int err;

	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!out)
		return ab_err(o.log, -ANYBPF_E_INVAL, -1, "anybpf_verify: no result pointer");
	*out = NULL;
	memset(&v, 0, sizeof(v));
	v.insns = insns;
	v.n = n;
	v.hook = hook_find(o.prog_type ? o.prog_type : "socket_filter");
	if (!v.hook)
		return ab_err(o.log, -ANYBPF_E_INVAL, -1,
			      "unknown program type '%s' (known: xdp, socket_filter, sched_cls, sched_act, cgroup_skb, kprobe, tracepoint, raw_tracepoint, perf_event)",
			      o.prog_type);
	if (o.nmaps && !o.maps)
		return ab_err(o.log, -ANYBPF_E_INVAL, -1, "anybpf_verify: nmaps is %zu but maps is NULL", o.nmaps);
	if (o.nmaps > 0xffff)
		return ab_err(o.log, -ANYBPF_E_INVAL, -1, "anybpf_verify: too many maps (%zu)", o.nmaps);
	v.maps = o.maps;
	v.nmaps = o.nmaps;
	v.strict = o.strict;
	v.allow_unreachable = o.allow_unreachable;
	v.allow_uninit_stack = o.allow_uninit_stack;
	if (o.nfuncs && !o.funcs)
		return ab_err(o.log, -ANYBPF_E_INVAL, -1, "anybpf_verify: nfuncs is %zu but funcs is NULL", o.nfuncs);
	v.sigs = o.funcs;
	v.nsigs = o.nfuncs;
	v.level = o.level;
	v.precision = o.level < ANYBPF_VERIFY_VERBOSE && !o.want_states;
	v.want_states = o.want_states;
	v.budget = o.budget ? o.budget : ANYBPF_VERIFY_BUDGET_DEFAULT;
	v.max_errors = o.max_errors ? o.max_errors : 16;
	v.log = o.log;

	/* pass 1: well-formed code */
	char vbuf[512] = "";
	struct anybpf_log vlog = { .buf = vbuf, .size = sizeof(vbuf) };
	if (anybpf_validate(insns, n, NULL, &vlog)) {
		size_t len = strlen(vbuf);
		while (len && vbuf[len - 1] == '\n')
			vbuf[--len] = 0;
		/* the validator writes "pc N: ..."; keep the text after it */
		const char *msg = vbuf;
		if (!strncmp(msg, "pc ", 3) && strstr(msg, ": "))
			msg = strstr(msg, ": ") + 2;
		verr(&v, vlog.err_pc, "invalid", "", "%s", msg);
		goto done;
	}
	/* pass 2: control flow */
	if ((err = cfg_build(&v)))
		goto fail;
	if (!v.allow_unreachable) {
		for (size_t pc = 0; pc < n; pc++)
			if (!(v.cfg.flags[pc] & (PC_REACH | PC_LDDW2)))
				verr(&v, (int64_t)pc, "unreachable",
				     "Remove dead code (Linux rejects it), or allow it in the options.",
				     "instruction %zu is unreachable", pc);
		if (v.ndiags)
			goto done;
	}
	v.explored = ab_calloc(n, sizeof(*v.explored));
	v.nexplored = ab_calloc(n, sizeof(*v.nexplored));
	v.since_store = ab_calloc(n, sizeof(*v.since_store));
	v.ctx_off = ab_calloc(n, sizeof(*v.ctx_off));
	if (!v.explored || !v.nexplored || !v.since_store || !v.ctx_off) {
		err = -ANYBPF_E_NOMEM;
		goto fail;
	}
	for (size_t pc = 0; pc < n; pc++)
		v.ctx_off[pc] = ANYBPF_CTX_NONE;
	v.mem_fixed = n * (sizeof(*v.explored) + sizeof(*v.nexplored) + sizeof(*v.since_store) +
			   sizeof(*v.ctx_off) + sizeof(*v.cfg.row) + sizeof(*v.cfg.flags) +
			   sizeof(*v.cfg.func_of) + sizeof(*v.cfg.live) +
			   sizeof(*v.cfg.rel) + sizeof(*v.cfg.srel)) +
		      v.cfg.nfuncs * sizeof(*v.cfg.funcs);
	/* pass 3: exploration (transfer + checks at every step): the global
 	 * functions on their own, callees first, then the program */
	if ((err = inv_init(&v)) || (err = explore_all(&v)))
		goto fail;
	inv_print(&v);
done:
	err = make_result(&v, out);
	if (err)
		goto fail;
	verifier_free(&v);
	return 0;
fail:
	verifier_free(&v);
	return ab_err(o.log, err, -1, "verifier: %s", anybpf_strerror(err));
}
