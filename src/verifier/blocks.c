/* blocks.c - the verifier's control-flow graph as basic blocks, for users
 * (`anybpf show cfg`) and tools: anybpf_cfg_build() validates the code, runs
 * the CFG pass (cfg.c: functions, reachability) and cuts the instructions
 * into basic blocks at every leader - pc 0, function entries, jump targets
 * and the instruction after a jump, exit or bpf-to-bpf call - with edges
 * labelled fallthrough, taken, call and callback. */
#include <string.h>

#include "common/common.h"
#include "verifier.h"

static const char *const edge_names[] = {
	[ANYBPF_EDGE_FALLTHROUGH] = "fallthrough",
	[ANYBPF_EDGE_TAKEN] = "taken",
	[ANYBPF_EDGE_CALL] = "call",
	[ANYBPF_EDGE_CALLBACK] = "callback",
};

const char *anybpf_cfg_edge_kind_name(enum anybpf_cfg_edge_kind k)
{
	return (unsigned)k < ARRAY_SIZE(edge_names) ? edge_names[k] : "?";
}

void anybpf_cfg_free(struct anybpf_cfg *g)
{
	if (!g)
		return;
	ab_free(g->blocks);
	ab_free(g->edges);
	ab_free(g->func_start);
	ab_free(g);
}

static int64_t target_of(const struct anybpf_insn *in, int64_t pc, unsigned fmt)
{
	return pc + 1 + (fmt == FMT_JA32 || fmt == FMT_CALL_LOCAL || fmt == FMT_LDDW ? in->imm : in->off);
}

static int add_edge(struct anybpf_cfg *g, size_t *cap, size_t from, size_t to,
		    enum anybpf_cfg_edge_kind kind)
{
	if (ab_grow((void **)&g->edges, cap, g->nedges + 1, sizeof(*g->edges)))
		return -ANYBPF_E_NOMEM;
	g->edges[g->nedges].from = from;
	g->edges[g->nedges].to = to;
	g->edges[g->nedges].kind = kind;
	g->nedges++;
	return 0;
}

static int cut_blocks(struct anybpf_cfg *g, const struct cfg *c, const struct anybpf_insn *insns)
{
	size_t n = c->n, capedges = 0;
	uint8_t *leader = ab_calloc(n, 1);
	size_t *block_of = ab_calloc(n, sizeof(*block_of));
	int err = 0;

	if (!leader || !block_of) {
		err = -ANYBPF_E_NOMEM;
		goto out;
	}
	leader[0] = 1;
	for (size_t pc = 0; pc < n; pc++) {
		if (c->row[pc] < 0)
			continue;
		unsigned fmt = isa_rows[c->row[pc]].fmt;
		size_t next = pc + (fmt == FMT_LDDW ? 2 : 1);
		if (c->flags[pc] & PC_FUNC)
			leader[pc] = 1;
		switch (fmt) {
		case FMT_JA: case FMT_JA32: case FMT_JCC_K: case FMT_JCC_X:
			leader[target_of(&insns[pc], (int64_t)pc, fmt)] = 1;
			/* fall through */
		case FMT_EXIT: case FMT_CALL_LOCAL:
			if (next < n)
				leader[next] = 1;
			break;
		default:
			break;
		}
	}
	size_t nb = 0;
	for (size_t pc = 0; pc < n; pc++)
		nb += leader[pc];
	g->blocks = ab_calloc(nb, sizeof(*g->blocks));
	if (!g->blocks) {
		err = -ANYBPF_E_NOMEM;
		goto out;
	}
	for (size_t pc = 0; pc < n; pc++) {
		if (leader[pc]) {
			struct anybpf_cfg_block *b = &g->blocks[g->nblocks++];
			b->start = pc;
			b->func = c->func_of[pc];
			b->reachable = !!(c->flags[pc] & PC_REACH);
			if (g->nblocks > 1)
				g->blocks[g->nblocks - 2].end = pc;
		}
		block_of[pc] = g->nblocks - 1;
	}
	g->blocks[g->nblocks - 1].end = n;
	/* edges, in block order: the last instruction's successors, and the
	 * callbacks `lddw rX, func` anywhere in the block refers to */
	for (size_t bi = 0; bi < g->nblocks && !err; bi++) {
		struct anybpf_cfg_block *b = &g->blocks[bi];
		size_t last = b->start;
		for (size_t pc = b->start; pc < b->end; pc++) {
			if (c->row[pc] < 0)
				continue;
			last = pc;
			if (c->row[pc] == ISA_LDDW_FUNC)
				err = add_edge(g, &capedges, bi,
					       block_of[target_of(&insns[pc], (int64_t)pc, FMT_LDDW)],
					       ANYBPF_EDGE_CALLBACK);
		}
		unsigned fmt = isa_rows[c->row[last]].fmt;
		size_t next = last + (fmt == FMT_LDDW ? 2 : 1);
		int64_t t = target_of(&insns[last], (int64_t)last, fmt);
		switch (fmt) {
		case FMT_EXIT:
			b->exits = 1;
			break;
		case FMT_JA: case FMT_JA32:
			err = err ? err : add_edge(g, &capedges, bi, block_of[t], ANYBPF_EDGE_TAKEN);
			break;
		case FMT_JCC_K: case FMT_JCC_X:
			if (!err && next < n)
				err = add_edge(g, &capedges, bi, block_of[next], ANYBPF_EDGE_FALLTHROUGH);
			err = err ? err : add_edge(g, &capedges, bi, block_of[t], ANYBPF_EDGE_TAKEN);
			break;
		case FMT_CALL_LOCAL:
			err = err ? err : add_edge(g, &capedges, bi, block_of[t], ANYBPF_EDGE_CALL);
			/* and to the return site: */
			/* fall through */
		default:
			if (!err && next < n)
				err = add_edge(g, &capedges, bi, block_of[next], ANYBPF_EDGE_FALLTHROUGH);
			break;
		}
	}
	g->func_start = ab_calloc(c->nfuncs ? c->nfuncs : 1, sizeof(*g->func_start));
	if (!g->func_start) {
		err = -ANYBPF_E_NOMEM;
		goto out;
	}
	for (size_t f = 0; f < c->nfuncs; f++)
		g->func_start[f] = (size_t)c->funcs[f].start;
	g->nfuncs = c->nfuncs;
out:
	ab_free(leader);
	ab_free(block_of);
	return err;
}

int anybpf_cfg_build(const struct anybpf_insn *insns, size_t n, struct anybpf_cfg **out,
		     struct anybpf_log *log)
{
	struct verifier v;
	struct anybpf_cfg *g;
	int err;

	if (!out)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "anybpf_cfg_build: no result pointer");
	*out = NULL;
	if (!insns || !n)
		return ab_err(log, -ANYBPF_E_INVAL, -1, "anybpf_cfg_build: empty program");
	if ((err = anybpf_validate(insns, n, NULL, log)))
		return err;
	memset(&v, 0, sizeof(v));
	v.insns = insns;
	v.n = n;
	g = ab_calloc(1, sizeof(*g));
	if (!g)
		return ab_err(log, -ANYBPF_E_NOMEM, -1, "anybpf_cfg_build: %s", anybpf_strerror(-ANYBPF_E_NOMEM));
	err = cfg_build(&v);
	if (!err)
		err = cut_blocks(g, &v.cfg, insns);
	cfg_free(&v.cfg);
	if (err) {
		anybpf_cfg_free(g);
		return ab_err(log, err, -1, "anybpf_cfg_build: %s", anybpf_strerror(err));
	}
	*out = g;
	return 0;
}
