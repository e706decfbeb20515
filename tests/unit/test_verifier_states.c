/* test_verifier_states.c - anybpf_verify_opts.want_states: the per-instruction
 * states of the result (the join of the explored paths before each pc). */
#include <stdint.h>
#include <string.h>

#include "anybpf.h"
#include "unit.h"

/* assemble + verify; *res NULL on failure (counted as a failed check) */
static struct anybpf_verify_result *verify(const char *src, int want_states,
					   int allow_unreachable, size_t *n_out)
{
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	char lbuf[256] = "";
	struct anybpf_log log = { .buf = lbuf, .size = sizeof(lbuf) };
	struct anybpf_verify_result *res = NULL;

	if (!CHECK(anybpf_assemble(src, strlen(src), &insns, &n, &log) == 0)) {
		fprintf(stderr, "    %s\n", lbuf);
		return NULL;
	}
	struct anybpf_verify_opts o = { .sz = sizeof(o), .want_states = want_states,
					.allow_unreachable = allow_unreachable };
	CHECK_EQ(anybpf_verify(insns, n, &o, &res), 0);
	anybpf_free(insns);
	if (n_out)
		*n_out = n;
	return res;
}

static const char branchy[] =
	"r0 = *(u32 *)(r1 + 0)\n"   /* 0: skb->len */
	"r2 = 5\n"                  /* 1 */
	"if r0 > 10 goto +2\n"      /* 2 */
	"r3 = r0\n"                 /* 3: r0 in [0, 10] */
	"goto +1\n"                 /* 4 */
	"r0 = 20\n"                 /* 5: r0 in [11, 0xffffffff] */
	"r6 = r0\n"                 /* 6: merge, r0 in [0, 20] */
	"r5 = 0\n"                  /* 7 */
	"if r5 == 0 goto +1\n"      /* 8: always taken */
	"r6 = 99\n"                 /* 9: never reached */
	"r0 = r6\n"                 /* 10 */
	"exit\n";                   /* 11 */

TEST(verifier_states_facts)
{
	size_t n = 0;
	struct anybpf_verify_result *res = verify(branchy, 1, 0, &n);
	if (!CHECK(res != NULL))
		return;
	CHECK(res->verified);
	CHECK_EQ(n, 12);
	CHECK_EQ(res->nstates, 12);
	if (!CHECK(res->states != NULL) || res->nstates != 12) {
		anybpf_verify_result_free(res);
		return;
	}
	const struct anybpf_verify_insn_state *st = res->states;

	/* pc 0: r1 the context at offset 0, r10 the frame pointer, r0 not set */
	CHECK(st[0].reached);
	CHECK_EQ(st[0].regs[1].kind, ANYBPF_VREG_POINTER);
	CHECK(!strcmp(st[0].regs[1].type, "ctx"));
	CHECK_EQ(st[0].regs[1].off, 0);
	CHECK_EQ(st[0].regs[1].umax, 0);
	CHECK(st[0].regs[1].live);
	CHECK_EQ(st[0].regs[0].kind, ANYBPF_VREG_UNINIT);
	CHECK(!strcmp(st[0].regs[0].type, "uninitialized"));
	CHECK(!strcmp(st[0].regs[10].type, "stack"));
	CHECK_EQ(st[0].regs[10].off, 0);
	CHECK(strstr(st[0].text, "r1.type=ctx, r1.ctx_offset=0") != NULL);
	CHECK(strstr(st[0].text, "r10.type=stack, r10.stack_offset=512") != NULL);
	CHECK(strstr(st[0].text, "r0.") == NULL);

	/* pc 2: the constant after mov, and the 32-bit load's range */
	const struct anybpf_verify_reg *r2 = &st[2].regs[2];
	CHECK_EQ(r2->kind, ANYBPF_VREG_SCALAR);
	CHECK(!strcmp(r2->type, "scalar"));
	CHECK_EQ(r2->umin, 5);
	CHECK_EQ(r2->umax, 5);
	CHECK_EQ(r2->smin, 5);
	CHECK_EQ(r2->smax, 5);
	CHECK_EQ(r2->tnum_value, 5);
	CHECK_EQ(r2->tnum_mask, 0);
	CHECK(strstr(st[2].text, "r2.type=number, r2.value=5") != NULL);
	CHECK_EQ(st[2].regs[0].umin, 0);
	CHECK_EQ(st[2].regs[0].umax, 0xffffffffu);
	CHECK_EQ(st[2].regs[0].tnum_mask, 0xffffffffu);

	/* the bounds check: [0, 10] on the fall-through, [11, ...] taken */
	CHECK_EQ(st[3].regs[0].umin, 0);
	CHECK_EQ(st[3].regs[0].umax, 10);
	CHECK_EQ(st[3].regs[0].tnum_mask, 0xf);
	CHECK(strstr(st[3].text, "r0.type=number, r0.value=[0, 10]") != NULL);
	CHECK_EQ(st[5].regs[0].umin, 11);
	CHECK_EQ(st[5].regs[0].umax, 0xffffffffu);
	/* the merge joins [0, 10] and 20 */
	CHECK_EQ(st[6].regs[0].kind, ANYBPF_VREG_SCALAR);
	CHECK_EQ(st[6].regs[0].umin, 0);
	CHECK_EQ(st[6].regs[0].umax, 20);
	CHECK_EQ(st[6].regs[0].smax, 20);
	CHECK_EQ(st[6].regs[0].tnum_mask, 0x1f);
	CHECK(st[6].regs[0].live);
	CHECK(!st[6].regs[3].live);   /* r3 is never read */
	CHECK(strstr(st[6].text, "r0.type=number, r0.value=[0, 20]") != NULL);

	/* the always-taken jump: pc 9 is never reached, pc 10 is */
	CHECK(st[8].reached);
	CHECK(!st[9].reached);
	CHECK(!strcmp(st[9].text, ""));
	CHECK_EQ(st[9].regs[1].kind, ANYBPF_VREG_UNINIT);
	CHECK(st[10].reached);
	CHECK_EQ(st[10].regs[6].umax, 20);
	CHECK(st[11].reached);
	anybpf_verify_result_free(res);
}

TEST(verifier_states_not_requested)
{
	struct anybpf_verify_result *res = verify(branchy, 0, 0, NULL);
	if (!CHECK(res != NULL))
		return;
	CHECK(res->verified);
	CHECK(res->states == NULL);
	CHECK_EQ(res->nstates, 0);
	anybpf_verify_result_free(res);
}

TEST(verifier_states_unreachable_and_pointers)
{
	/* a jump over code (allowed by the option); a stack pointer with a
	 * fixed offset; the second slot of an lddw */
	static const char src[] =
		"goto +1\n"                 /* 0 */
		"r0 = 1\n"                  /* 1: unreachable */
		"r2 = r10\n"                /* 2 */
		"r2 += -8\n"                /* 3 */
		"r3 = 0x100000000 ll\n"     /* 4, 5 */
		"r0 = 0\n"                  /* 6: r2 fp-8, r3 2^32 */
		"exit\n";                   /* 7 */
	size_t n = 0;
	struct anybpf_verify_result *res = verify(src, 1, 1, &n);
	if (!CHECK(res != NULL))
		return;
	CHECK(res->verified);
	if (!CHECK(res->states != NULL && res->nstates == n && n == 8)) {
		anybpf_verify_result_free(res);
		return;
	}
	const struct anybpf_verify_insn_state *st = res->states;
	CHECK(st[0].reached);
	CHECK(!st[1].reached);
	CHECK(st[2].reached);
	CHECK(!st[5].reached);
	CHECK(!strcmp(st[6].regs[2].type, "stack"));
	CHECK_EQ(st[6].regs[2].off, -8);
	CHECK_EQ(st[6].regs[2].frame, 0);
	CHECK(strstr(st[6].text, "r2.type=stack, r2.stack_offset=504") != NULL);
	CHECK_EQ(st[6].regs[3].umin, 0x100000000ull);
	CHECK_EQ(st[6].regs[3].tnum_value, 0x100000000ull);
	anybpf_verify_result_free(res);

	/* a rejected program: states up to where exploration stopped */
	res = verify("r0 = r2\nexit\n", 1, 0, &n);
	if (!CHECK(res != NULL))
		return;
	CHECK(!res->verified);
	CHECK(res->states != NULL && res->nstates == 2);
	if (res->states && res->nstates == 2)
		CHECK(res->states[0].reached);
	anybpf_verify_result_free(res);
}
