/*
 * show_section.c - `anybpf show section FILE SECTION [program=NAME]
 * [level=verbose]`: a program's details as netsh ebpf prints them and, with
 * level=verbose, the statistics block.  What each statistic counts is in
 * docs/stats.md (eBPF for Windows' / PREVAIL's names).
 */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "elf/elf.h"
#include "json.h"
#include "show_common.h"

/* X(name): the statistics, in the order they are printed (alphabetical, as
 * netsh prints them). */
#define STATS(X) X(arith) X(arith32) X(arith64) X(assign) X(basic_blocks) \
	X(call_1) X(call_mem) X(call_nomem) X(joins) X(jumps) X(load) \
	X(load_store) X(map_in_map) X(other) X(packet_access) X(reallocate) X(store)

struct stats {
	size_t instructions;
#define X(n) size_t n;
	STATS(X)
#undef X
};

enum { CLS_LD = 0, CLS_LDX = 1, CLS_ST = 2, CLS_STX = 3, CLS_ALU = 4, CLS_JMP = 5,
       CLS_JMP32 = 6, CLS_ALU64 = 7 };

/* Successors of the instruction at pc: fallthrough and/or jump target. */
static int succ(const struct anybpf_insn *in, size_t n, size_t pc, size_t *fall, size_t *jump)
{
	const struct anybpf_insn *x = &in[pc];
	unsigned cls = x->code & 7, op = x->code & 0xf0;
	size_t next = pc + (x->code == 0x18 ? 2 : 1);
	*fall = *jump = SIZE_MAX;
	if (cls != CLS_JMP && cls != CLS_JMP32) {
		*fall = next;
		return 0;
	}
	if (op == 0x90) /* exit */
		return 0;
	if (op == 0x80) { /* call (returns) */
		*fall = next;
		return 0;
	}
	int64_t t = (int64_t)pc + 1 + (cls == CLS_JMP32 && op == 0x00 ? x->imm : x->off);
	if (t >= 0 && (uint64_t)t < n)
		*jump = (size_t)t;
	if (op != 0x00) { /* conditional */
		*fall = next;
		return 1;
	}
	return 0;
}

static void compute(const anybpf_object *obj, const anybpf_prog *p, struct stats *s)
{
	size_t n;
	const struct anybpf_insn *in = anybpf_prog_insns(p, &n);
	memset(s, 0, sizeof(*s));
	uint8_t *leader = ab_calloc(n + 1, 1), *npred = ab_calloc(n + 1, 1);
	uint8_t *start = ab_calloc(n + 1, 1);
	if (!leader || !npred || !start)
		goto out;
	for (size_t pc = 0; pc < n; pc += in[pc].code == 0x18 ? 2 : 1)
		start[pc] = 1;
	if (n)
		leader[0] = 1;
	for (size_t pc = 0; pc < n; pc += in[pc].code == 0x18 ? 2 : 1) {
		const struct anybpf_insn *x = &in[pc];
		unsigned cls = x->code & 7, op = x->code & 0xf0, mode = x->code & 0xe0;
		size_t fall, jump;
		s->instructions++;
		if (succ(in, n, pc, &fall, &jump))
			s->jumps++;
		size_t next = pc + (x->code == 0x18 ? 2 : 1);
		if (jump != SIZE_MAX) {
			leader[jump] = 1;
			if (npred[jump] < 2)
				npred[jump]++;
		}
		if (fall < n && npred[fall] < 2)
			npred[fall]++;
		if ((jump != SIZE_MAX || fall == SIZE_MAX) && next < n)
			leader[next] = 1;
		if (x->code == 0x85 && x->src == 1) { /* local call: a new function */
			int64_t t = (int64_t)pc + 1 + x->imm;
			if (t >= 0 && (uint64_t)t < n)
				leader[t] = 1;
		}
		switch (cls) {
		case CLS_ALU:
		case CLS_ALU64:
			if (cls == CLS_ALU)
				s->arith32++;
			else
				s->arith64++;
			if (op == 0xb0)
				s->assign++;
			else
				s->arith++;
			break;
		case CLS_LD:
			if (x->code == 0x18) {
				s->assign++;
				if (x->src == 1 || x->src == 2) {
					const anybpf_map *m = show_map_by_fd(obj, x->imm);
					uint32_t t = m ? anybpf_map_type(m) : 0;
					int win = m && anybpf_map_origin(m) == ANYBPF_MAP_WINDOWS;
					if (m && (win ? (t == 6 || t == 7) : (t == 12 || t == 13)))
						s->map_in_map = 1;
				}
			} else {
				s->packet_access++;
			}
			break;
		case CLS_LDX:
			s->load++;
			break;
		case CLS_ST:
			s->store++;
			break;
		case CLS_STX:
			if (mode == 0xc0)
				s->load_store++;
			else
				s->store++;
			break;
		default:
			if (x->code == 0x85 && x->src == 0) {
				struct elf_helper hb;
				const struct elf_helper *h =
					elf_helper_by_id((uint32_t)x->imm, &hb) ? &hb : NULL;
				if (x->imm == 1)
					s->call_1++;
				else if (h && h->kinds && !strstr(h->kinds, "map") &&
					 !strstr(h->kinds, "mem") && !strstr(h->kinds, "ctx"))
					s->call_nomem++;
				else
					s->call_mem++;
				if (h && h->realloc)
					s->reallocate = 1;
			} else if (x->code == 0x05 || x->code == 0x06 || x->code == 0x95 ||
				   x->code == 0x85 || x->code == 0x8d) {
				s->other++; /* exit, ja, local and indirect calls */
			}
			/* conditional jumps count only as jumps */
		}
	}
	for (size_t pc = 0; pc < n; pc++)
		if (start[pc] && leader[pc]) {
			s->basic_blocks++;
			if (npred[pc] >= 2)
				s->joins++;
		}
out:
	ab_free(leader);
	ab_free(npred);
	ab_free(start);
}

int cmd_show_section(struct cli *c)
{
	int verbose;
	const char *name = cli_get(c, "program");
	cli_get(c, "type");
	int rc = show_level(c, 2, &verbose);
	if (rc || cli_unused(c))
		return EXIT_USAGE;
	if (c->npos != 2)
		return cli_usage(c, "expected an object file and a section");
	anybpf_object *obj;
	anybpf_prog **v;
	size_t nv;
	if ((rc = show_open_select(c, c->pos[0], c->pos[1], name, &obj, &v, &nv)))
		return rc;
	struct json j;
	if (c->json)
		show_json_programs(&j, c->pos[0]);
	for (size_t i = 0; i < nv; i++) {
		const anybpf_prog *p = v[i];
		struct stats s;
		size_t n;
		anybpf_prog_insns(p, &n);
		compute(obj, p, &s);
		if (c->json) {
			json_obj(&j);
			json_kstr(&j, "section", anybpf_prog_section(p));
			json_kstr(&j, "program", anybpf_prog_name(p));
			json_kstr(&j, "type", anybpf_prog_type_name(p));
			json_kuint(&j, "maps", anybpf_prog_map_refs(p));
			json_kuint(&j, "size", n);
			if (verbose) {
				json_key(&j, "stats");
				json_obj(&j);
				json_kuint(&j, "instructions", s.instructions);
#define X(n) json_kuint(&j, #n, s.n);
				STATS(X)
#undef X
				json_end(&j);
			}
			json_end(&j);
			continue;
		}
		if (i)
			putchar('\n');
		printf("Section      : %s\n", anybpf_prog_section(p));
		printf("Program      : %s\n", show_prog_name(p));
		printf("Program Type : %s\n", anybpf_prog_type_name(p));
		printf("# Maps       : %zu\n", anybpf_prog_map_refs(p));
		printf("Size         : %zu instructions\n", n);
		if (verbose) {
#define X(n) printf("%-13s: %zu\n", #n, s.n);
			STATS(X)
#undef X
		}
	}
	if (c->json)
		json_done(&j);
	ab_free(v);
	anybpf_object_close(obj);
	return EXIT_OK;
}
