/* runtime.c - an object made live: maps from their definitions, programs
 * verified, context-rewritten and loaded into a VM with the Linux helpers,
 * and BPF_PROG_TEST_RUN (anybpf_prog_test_run). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/common.h"
#include "helpers/linux_helpers.h"
#include "hooks/ctx.h"

struct rt_prog {
	const anybpf_prog *prog;
	const struct hook *hook;
	anybpf_vm *vm;
	int loaded, verified;
	int load_failed;         /* a tail call found it unloadable: not retried per call */
	int rerun;               /* repeats need rt_rerun (LD_ABS/LD_IND, tail calls) */
	int tail;                /* the program makes tail calls */
	int callees_ready;       /* 1 callees loaded, 2 and JIT-compiled (prepare_callees) */
	struct anybpf_helper_env env;
	/* anybpf_helper_run_init(&hr0, &env), done once: each run copies it */
	struct anybpf_helper_run hr0;
};

struct anybpf_runtime {
	const anybpf_object *obj;
	struct anybpf_runtime_opts opts;
	anybpf_rtmap **maps;
	size_t nmaps;
	struct anybpf_map_desc *descs;
	/* global-data values the programs address directly (map_value lddw) */
	struct anybpf_region *gregions;
	size_t ngregions, gcap;
	struct rt_prog *progs;
	size_t nprogs;
	struct anybpf_log *trace;     /* the current run's trace sink */
	/* the current test run, for tail calls */
	const struct anybpf_exec_opts *cur_eo;
	const struct hook *cur_hook;
	struct anybpf_log *cur_log;
};

static void populate_prog_array(anybpf_runtime *rt);

/* A test run's per-run state: what the helpers see (first, so it is the
 * exec's `user`) and the context, for rerun and tail calls. */
struct rt_testrun {
	struct anybpf_helper_run hr;
	struct ctx_run *cr;
};

/* ---- maps ------------------------------------------------------------------ */

static int make_map(anybpf_runtime *rt, size_t i, unsigned depth, struct anybpf_log *log)
{
	if (rt->maps[i])
		return 0;
	const anybpf_map *def = anybpf_object_map(rt->obj, i);
	int64_t inner = anybpf_map_inner(def);
	const anybpf_rtmap *in = NULL;
	if (inner >= 0) {
		if ((size_t)inner >= rt->nmaps || depth > 4)
			return ab_err(log, -ANYBPF_E_ELF_MAP, -1, "map '%s': bad inner map", anybpf_map_name(def));
		int err = make_map(rt, (size_t)inner, depth + 1, log);
		if (err)
			return err;
		in = rt->maps[inner];
	}
	int err = anybpf_rtmap_new_from_def(def, rt->opts.ncpus, in, &rt->maps[i]);
	if (err)
		return ab_err(log, -ANYBPF_E_ELF_MAP, -1, "map '%s' (%s): cannot create it: %s",
			      anybpf_map_name(def), anybpf_map_type_name(def), strerror(-err));
	return 0;
}

int anybpf_runtime_new(const anybpf_object *obj, const struct anybpf_runtime_opts *opts,
		       anybpf_runtime **out, struct anybpf_log *log)
{
	if (!obj || !out)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "anybpf_runtime_new: NULL object or result");
	*out = NULL;
	anybpf_runtime *rt = ab_calloc(1, sizeof(*rt));
	if (!rt)
		return -ANYBPF_E_NOMEM;
	if (opts)
		memcpy(&rt->opts, opts, opts->sz < sizeof(rt->opts) ? opts->sz : sizeof(rt->opts));
	rt->opts.sz = sizeof(rt->opts);
	if (!rt->opts.ncpus)
		rt->opts.ncpus = 1;
	rt->obj = obj;
	rt->nmaps = anybpf_object_map_count(obj);
	rt->nprogs = anybpf_object_prog_count(obj);
	rt->maps = ab_calloc(rt->nmaps + 1, sizeof(*rt->maps));
	rt->descs = ab_calloc(rt->nmaps + 1, sizeof(*rt->descs));
	rt->progs = ab_calloc(rt->nprogs + 1, sizeof(*rt->progs));
	int err = 0;
	if (!rt->maps || !rt->descs || !rt->progs)
		err = -ANYBPF_E_NOMEM;
	for (size_t i = 0; !err && i < rt->nmaps; i++) {
		const anybpf_map *m = anybpf_object_map(obj, i);
		int64_t inner = anybpf_map_inner(m);
		if ((err = make_map(rt, i, 0, log)))
			break;
		/* the live type: Windows numbering is translated by new_from_def */
		rt->descs[i].type = anybpf_rtmap_type(rt->maps[i]);
		rt->descs[i].key_size = anybpf_map_key_size(m);
		rt->descs[i].value_size = anybpf_map_value_size(m);
		rt->descs[i].max_entries = anybpf_map_max_entries(m);
		rt->descs[i].name = anybpf_map_name(m);
		rt->descs[i].inner = inner >= 0 ? (uint32_t)inner + 1 : 0;
		rt->descs[i].map_flags = anybpf_rtmap_flags(rt->maps[i]);
		rt->descs[i].value = anybpf_map_initial(m, NULL);
	}
	for (size_t i = 0; !err && i < rt->nprogs; i++)
		rt->progs[i].prog = anybpf_object_prog(obj, i);
	if (!err)
		populate_prog_array(rt);
	if (err) {
		anybpf_runtime_free(rt);
		return err;
	}
	*out = rt;
	return 0;
}

void anybpf_runtime_free(anybpf_runtime *rt)
{
	if (!rt)
		return;
	for (size_t i = 0; rt->progs && i < rt->nprogs; i++)
		anybpf_vm_free(rt->progs[i].vm);
	for (size_t i = 0; rt->maps && i < rt->nmaps; i++)
		anybpf_rtmap_free(rt->maps[i]);
	ab_free(rt->progs);
	ab_free(rt->maps);
	ab_free(rt->descs);
	ab_free(rt->gregions);
	ab_free(rt);
}

size_t anybpf_runtime_map_count(const anybpf_runtime *rt)
{
	return rt ? rt->nmaps : 0;
}

anybpf_rtmap *anybpf_runtime_map(const anybpf_runtime *rt, size_t i)
{
	return rt && i < rt->nmaps ? rt->maps[i] : NULL;
}

/* ---- loading ----------------------------------------------------------------- */

static int add_gregion(anybpf_runtime *rt, anybpf_rtmap *m, void *value)
{
	for (size_t i = 0; i < rt->ngregions; i++)
		if (rt->gregions[i].base == value)
			return 0;
	if (ab_grow((void **)&rt->gregions, &rt->gcap, rt->ngregions + 1, sizeof(*rt->gregions)))
		return -ANYBPF_E_NOMEM;
	rt->gregions[rt->ngregions++] = (struct anybpf_region){
		value, anybpf_rtmap_value_size(m),
		anybpf_rtmap_flags(m) & ANYBPF_F_RDONLY_PROG ? ANYBPF_REGION_R : ANYBPF_REGION_RW,
		anybpf_rtmap_name(m) };
	return 0;
}

/* map_fd N / map_idx N: the live map; map_value / map_idx_value: the
 * address of the (single-entry array's) value + offset. */
static int resolve_lddw(void *user, unsigned src, int32_t imm, int32_t imm2, uint64_t *value)
{
	anybpf_runtime *rt = user;
	int64_t idx = src == 1 || src == 2 ? (int64_t)imm - ANYBPF_MAP_FD_BASE : imm;
	if ((src != 1 && src != 2 && src != 5 && src != 6) || idx < 0 || (size_t)idx >= rt->nmaps)
		return -ANYBPF_E_PSEUDO;
	anybpf_rtmap *m = rt->maps[idx];
	if (src == 1 || src == 5) {
		*value = (uint64_t)(uintptr_t)m;
		return 0;
	}
	uint32_t key = 0;
	uint8_t *v = anybpf_rtmap_lookup_elem_prog(m, &key, 0);
	if (!v || imm2 < 0 || (uint32_t)imm2 >= anybpf_rtmap_value_size(m))
		return -ANYBPF_E_PSEUDO;
	if (add_gregion(rt, m, v))
		return -ANYBPF_E_NOMEM;
	*value = (uint64_t)(uintptr_t)(v + imm2);
	return 0;
}

static void rt_trace(void *user, const char *msg, size_t len)
{
	anybpf_runtime *rt = user;
	/* one line per message, as trace_pipe shows them */
	if (rt->trace)
		ab_logf(rt->trace, "%.*s%s", (int)len, msg, len && msg[len - 1] == '\n' ? "" : "\n");
}

static int load(anybpf_runtime *rt, struct rt_prog *p, struct anybpf_log *log);
static void prepare_callees(anybpf_runtime *rt, const struct rt_prog *caller, int jit);

/* bpf_tail_call: program ids are 1 + the program's index in the object
 * (anybpf_runtime_prog_id); the callee runs with the caller's context and
 * helper state, in checking mode unless it is verified too.  1: no such
 * program (the call falls through), 0 and *retval, or the run's error. */
static int rt_tail_call(void *user, anybpf_run *run, uint32_t prog_id, uint64_t ctx,
			uint64_t *retval)
{
	anybpf_runtime *rt = user;
	if (!rt->cur_eo || !prog_id || prog_id > rt->nprogs)
		return 1;
	struct rt_prog *p = &rt->progs[prog_id - 1];
	if (!p->loaded && (p->load_failed || (p->load_failed = load(rt, p, NULL) != 0)))
		return 1;
	if (p->hook != rt->cur_hook)   /* Linux: prog_array holds one type */
		return 1;
	struct anybpf_exec_opts eo = *rt->cur_eo;
	eo.args[0] = ctx;
	eo.repeat = 0; /* the callee runs once per tail call */
	eo.rerun = NULL;
	/* LD_ABS/LD_IND in the callee: the packet as it is now */
	const struct rt_testrun *tr = anybpf_run_user(run);
	if (tr && tr->cr) {
		size_t len = 0;
		eo.pkt = ctx_run_data(tr->cr, &len);
		eo.pkt_len = len;
	}
	if (!p->verified)
		eo.mode = ANYBPF_EXEC_CHECKED;
	struct anybpf_exec_result res = { 0, 0 };
	const struct anybpf_exec_opts *saved = rt->cur_eo;
	rt->cur_eo = &eo;
	int err = anybpf_vm_exec(p->vm, &eo, &res, rt->cur_log);
	rt->cur_eo = saved;
	if (err)
		return err;
	*retval = res.retval;
	return 0;
}

uint32_t anybpf_runtime_prog_id(const anybpf_runtime *rt, const anybpf_prog *prog)
{
	for (size_t i = 0; rt && i < rt->nprogs; i++)
		if (rt->progs[i].prog == prog)
			return (uint32_t)i + 1;
	return 0;
}

/* The Linux samples' loader convention (samples/bpf/bpf_load.c): a program
 * in section "TYPE/N" goes to index N of the object's first map when that
 * is a prog_array. */
static void populate_prog_array(anybpf_runtime *rt)
{
	if (!rt->nmaps || anybpf_rtmap_type(rt->maps[0]) != ANYBPF_MAP_TYPE_PROG_ARRAY)
		return;
	for (size_t i = 0; i < rt->nprogs; i++) {
		const char *sec = anybpf_prog_section(rt->progs[i].prog), *slash = strrchr(sec, '/');
		if (!slash || !slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
		    strlen(slash + 1) > 6)
			continue;
		uint32_t idx = (uint32_t)atoi(slash + 1), id = (uint32_t)i + 1;
		if (idx < anybpf_rtmap_max_entries(rt->maps[0]))
			anybpf_rtmap_update(rt->maps[0], &idx, &id, ANYBPF_ANY);
	}
}

static struct rt_prog *find_prog(anybpf_runtime *rt, const anybpf_prog *prog)
{
	for (size_t i = 0; i < rt->nprogs; i++)
		if (rt->progs[i].prog == prog)
			return &rt->progs[i];
	return NULL;
}

static int load(anybpf_runtime *rt, struct rt_prog *p, struct anybpf_log *log)
{
	const char *type = rt->opts.prog_type ? rt->opts.prog_type : anybpf_prog_type_name(p->prog);
	if (!strcmp(type, "unspec"))
		type = "socket_filter";
	p->hook = hook_find(type);
	if (!p->hook)
		return ab_err(log, -ANYBPF_E_NOT_SUPPORTED, -1,
			      "%s: '%s' is not a program type anybpf describes (docs/verifier.md lists them)",
			      anybpf_prog_section(p->prog), type);
	size_t n;
	const struct anybpf_insn *insns = anybpf_prog_insns(p->prog, &n);
	/* Global functions are verified alone from their BTF signatures, as
	 * Linux does; without BTF every function is verified in context. */
	struct anybpf_func_sig *sigs = NULL;
	size_t nsigs = 0;
	if (anybpf_prog_func_sigs(p->prog, &sigs, &nsigs))
		sigs = NULL, nsigs = 0;
	struct anybpf_verify_opts vo = { .sz = sizeof(vo), .prog_type = p->hook->name,
					 .maps = rt->descs, .nmaps = rt->nmaps,
					 .funcs = sigs, .nfuncs = nsigs };
	struct anybpf_verify_result *res = NULL;
	int err = anybpf_verify(insns, n, &vo, &res);
	anybpf_free(sigs);
	if (err)
		return ab_err(log, err, -1, "%s: cannot verify: %s", anybpf_prog_section(p->prog),
			      anybpf_strerror(err));
	p->verified = res->verified;
	if (!res->verified && !rt->opts.unverified) {
		const struct anybpf_verify_diag *d = res->ndiags ? &res->diags[0] : NULL;
		err = ab_err(log, -ANYBPF_E_VERIFY, d ? d->pc : -1,
			     "%s/%s: rejected by the verifier%s%s%s (run it with `unverified` to execute it in checking mode anyway)",
			     anybpf_prog_section(p->prog), anybpf_prog_name(p->prog), d ? ": " : "",
			     d ? d->message : "", "");
		anybpf_verify_result_free(res);
		return err;
	}
	/* Between repetitions, the packet LD_ABS/LD_IND read may have moved
	 * and the tail-call count starts again: only programs with those
	 * instructions pay for rt_rerun. */
	p->rerun = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t op = insns[i].code;
		if ((op & 0x07) == 0 && ((op & 0xe0) == 0x20 || (op & 0xe0) == 0x40))
			p->rerun = 1; /* BPF_LD | BPF_ABS / BPF_IND */
		if (op == 0x85 && insns[i].src == 0 && insns[i].imm == LH_ID_tail_call)
			p->rerun = p->tail = 1;
	}
	struct anybpf_insn *code = ab_malloc((n ? n : 1) * sizeof(*code));
	if (!code) {
		anybpf_verify_result_free(res);
		return -ANYBPF_E_NOMEM;
	}
	if (n)
		memcpy(code, insns, n * sizeof(*code));
	err = ctx_rewrite(p->hook, code, n, res->nctx_off == n ? res->ctx_off : NULL, log);
	anybpf_verify_result_free(res);
	struct anybpf_vm_opts o = { .sz = sizeof(o), .resolve_lddw = resolve_lddw, .resolve_user = rt,
				    .verified = p->verified };
	p->env = (struct anybpf_helper_env){
		.sz = sizeof(p->env), .prog_type = p->hook->name, .maps = rt->maps, .nmaps = rt->nmaps,
		.trace = rt_trace, .trace_user = rt, .tail_call = rt_tail_call, .tail_call_user = rt,
	};
	anybpf_helper_env_fake_from(&p->env, rt->opts.helper_env);
	anybpf_helper_run_init(&p->hr0, &p->env);
	if (!err && !(p->vm = anybpf_vm_new(&o)))
		err = -ANYBPF_E_NOMEM;
	if (!err)
		err = hook_register_helpers(p->hook, p->vm, &p->env);
	if (!err) /* the maps lddw loads are rt->maps, which p->env holds */
		err = anybpf_vm_set_jit_inline_maps(p->vm, 1);
	if (!err)
		err = anybpf_vm_load(p->vm, code, n, log);
	ab_free(code);
	if (err) {
		anybpf_vm_free(p->vm);
		p->vm = NULL;
		return err;
	}
	p->loaded = 1;
	return 0;
}

int anybpf_runtime_load(anybpf_runtime *rt, const anybpf_prog *prog, struct anybpf_log *log)
{
	struct rt_prog *p = rt ? find_prog(rt, prog) : NULL;
	if (!p)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "the program is not one of the runtime's object");
	if (!p->loaded) {
		int err = load(rt, p, log);
		if (err)
			return err;
	}
	if (p->tail && !p->callees_ready) { /* its tail calls' targets too */
		prepare_callees(rt, p, 0);
		p->callees_ready = 1;
	}
	return p->verified ? 0 : 1;
}

anybpf_vm *anybpf_runtime_prog_vm(anybpf_runtime *rt, const anybpf_prog *prog,
				  struct anybpf_log *log)
{
	return anybpf_runtime_load(rt, prog, log) < 0 ? NULL : find_prog(rt, prog)->vm;
}

const char *anybpf_runtime_prog_type(const anybpf_runtime *rt, const anybpf_prog *prog)
{
	for (size_t i = 0; rt && i < rt->nprogs; i++)
		if (rt->progs[i].prog == prog)
			return rt->progs[i].loaded ? rt->progs[i].hook->name : NULL;
	return NULL;
}

/* ---- test run ------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Before each repetition after the first: the kernel re-runs the program
 * on the same context and packet, with a new tail-call count; a failed
 * tail call (hr.err) ends the loop. */
static int rt_rerun(void *user, const void **pkt, size_t *pkt_len)
{
	struct rt_testrun *tr = user;
	if (tr->hr.err)
		return tr->hr.err;
	tr->hr.tail_calls = 0;
	*pkt = ctx_run_data(tr->cr, pkt_len);
	return 0;
}

/* A program that makes tail calls: load (verify, rewrite) and, for a JIT
 * run, compile every program a tail call could reach (the object's
 * programs of the caller's type) before the clock starts, once per
 * runtime.  Otherwise the first tail call to each callee paid for its
 * verification and compilation inside the run (tens of microseconds, the
 * whole cost of a short pcap replay).  Failures are left for the tail
 * call itself (it falls through, or the run fails as before). */
static void prepare_callees(anybpf_runtime *rt, const struct rt_prog *caller, int jit)
{
	const char *type = anybpf_prog_type_name(caller->prog);
	for (size_t i = 0; i < rt->nprogs; i++) {
		struct rt_prog *q = &rt->progs[i];
		if (q == caller || q->load_failed ||
		    (!rt->opts.prog_type && strcmp(anybpf_prog_type_name(q->prog), type)))
			continue;
		if (!q->loaded && (q->load_failed = load(rt, q, NULL) != 0))
			continue;
		if (jit && q->verified && q->hook == caller->hook)
			anybpf_vm_jit_compile(q->vm, NULL);
	}
}

static int copy_out(void *dst, uint32_t *cap_and_size, const void *src, size_t len)
{
	uint32_t cap = *cap_and_size;
	*cap_and_size = (uint32_t)len;
	if (!dst)
		return 0;
	memcpy(dst, src, len < cap ? len : cap);
	return len > cap ? -ANYBPF_E_NOSPC : 0;
}

int anybpf_prog_test_run(anybpf_runtime *rt, const anybpf_prog *prog,
			 struct anybpf_test_run_opts *opts)
{
	if (!opts)
		return -ANYBPF_E_INVAL;
	struct anybpf_log *log = opts->log;
	int err = anybpf_runtime_load(rt, prog, log);
	if (err < 0)
		return err;
	struct rt_prog *p = find_prog(rt, prog);
	if (opts->flags)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "test run flags 0x%x: none are supported", opts->flags);
	if (opts->cpu >= rt->opts.ncpus)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "cpu %u: the runtime has %u", opts->cpu, rt->opts.ncpus);
	if (opts->jit && (opts->checked || !p->verified))
		return ab_err(log, -ANYBPF_E_INVAL, -1, "the JIT runs only verified programs, without checks");
	struct ctx_run cr;
	err = ctx_run_build(&cr, p->hook, opts->data_in, opts->data_size_in, opts->ctx_in,
			    opts->ctx_size_in, log);
	if (err) {
		ctx_run_free(&cr);
		return err;
	}
	/* regions for checking mode: the context's fields, the packet exactly
	 * (ctx_regions.c), global data; the fast modes do not read them */
	int checked = !opts->jit && !(p->verified && !opts->checked);
	size_t nreg = CTX_CHECK_REGIONS_MAX + rt->ngregions;
	struct anybpf_region reg_local[CTX_CHECK_REGIONS_MAX + 8]; /* no allocation per call for most objects */
	struct anybpf_region *reg = nreg <= ARRAY_SIZE(reg_local) ? reg_local
								   : ab_calloc(nreg, sizeof(*reg));
	if (!reg) {
		ctx_run_free(&cr);
		return -ANYBPF_E_NOMEM;
	}
	size_t k = checked ? ctx_check_regions(&cr, reg, CTX_CHECK_REGIONS_MAX) : 0;
	if (rt->ngregions)
		memcpy(reg + k, rt->gregions, rt->ngregions * sizeof(*reg));
	k += rt->ngregions;

	if (p->tail && p->callees_ready < (opts->jit ? 2 : 1)) {
		prepare_callees(rt, p, opts->jit);
		p->callees_ready = opts->jit ? 2 : 1;
	}
	struct rt_testrun tr;
	memcpy(&tr.hr, &p->hr0, sizeof(tr.hr)); /* anybpf_helper_run_init, done at load */
	tr.cr = &cr;
	tr.hr.cpu = opts->cpu;
	tr.hr.ctx = (uint64_t)(uintptr_t)cr.ctx;
	tr.hr.pkt = ctx_pkt(&cr);
	uint32_t repeat = opts->repeat ? opts->repeat : 1;
	size_t len = 0;
	const void *pkt = ctx_run_data(&cr, &len);
	/* the repetitions run inside the VM, with its set-up done once */
	struct anybpf_exec_opts eo = {
		.sz = sizeof(eo),
		.mode = opts->jit ? ANYBPF_EXEC_JIT : checked ? ANYBPF_EXEC_CHECKED : ANYBPF_EXEC_FAST,
		.budget = opts->budget, .args = { (uint64_t)(uintptr_t)cr.ctx },
		.regions = reg, .nregions = k, .user = &tr, .pkt = pkt, .pkt_len = len,
		.repeat = repeat, .rerun = p->rerun ? rt_rerun : NULL,
	};
	struct anybpf_exec_result res = { 0, 0 };
	/* compiled before the clock starts: duration is the runs' alone */
	if (opts->jit && (err = anybpf_vm_jit_compile(p->vm, log))) {
		if (reg != reg_local)
			ab_free(reg);
		ctx_run_free(&cr);
		return err;
	}
	rt->trace = opts->trace;
	rt->cur_eo = &eo;
	rt->cur_hook = p->hook;
	rt->cur_log = log;
	uint64_t t0 = now_ns();
	err = anybpf_vm_exec(p->vm, &eo, &res, log);
	if (!err && tr.hr.err)
		err = tr.hr.err;
	uint64_t t1 = now_ns();
	rt->trace = NULL;
	rt->cur_eo = NULL;
	if (reg != reg_local)
		ab_free(reg);
	if (err) {
		ctx_run_free(&cr);
		return err;
	}
	opts->retval = (uint32_t)res.retval;
	opts->duration = (t1 - t0) / repeat;
	opts->insns = res.insns;
	opts->redirect_kind = (uint32_t)tr.hr.redirect.kind;
	opts->redirect_target = tr.hr.redirect.ifindex;
	uint8_t *data;
	size_t dlen, clen;
	_Alignas(8) uint8_t ctx_local[512];
	size_t ctxcap = cr.ctx_size + 192;
	uint8_t *ctxbuf = ctxcap <= sizeof(ctx_local) ? ctx_local : ab_malloc(ctxcap);
	if (ctxbuf)
		memset(ctxbuf, 0, ctxcap);
	if (!ctxbuf) {
		ctx_run_free(&cr);
		return -ANYBPF_E_NOMEM;
	}
	err = ctx_run_output(&cr, &data, &dlen, ctxbuf, ctxcap, &clen);
	if (err)
		err = ab_err(log, err, -1, "after the run the packet pointers are outside the packet buffer");
	int e1 = 0, e2 = 0;
	if (!err) {
		if (data)
			e1 = copy_out(opts->data_out, &opts->data_size_out, data, dlen);
		else
			opts->data_size_out = 0;
		e2 = copy_out(opts->ctx_out, &opts->ctx_size_out, ctxbuf, clen);
		if (e1 || e2)
			err = ab_err(log, -ANYBPF_E_NOSPC, -1, "%s_out: %u bytes do not fit the buffer given",
				     e1 ? "data" : "ctx", e1 ? opts->data_size_out : opts->ctx_size_out);
	}
	if (ctxbuf != ctx_local)
		ab_free(ctxbuf);
	ctx_run_free(&cr);
	return err;
}

const char *anybpf_xdp_action_name(uint32_t retval)
{
	static const char *const names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					     "XDP_REDIRECT" };
	return retval < ARRAY_SIZE(names) ? names[retval] : NULL;
}
