/* test_runtime.c - the test-run machinery below the CLI: the verifier's
 * export of context accesses, the context rewrite, and the native
 * contexts built from BPF_PROG_TEST_RUN inputs (src/hooks/ctx_net.c) with
 * the kernel's semantics.  End-to-end runs of objects are in
 * tests/runtime/run.sh. */
#include <string.h>

#include "anybpf.h"
#include "hooks/ctx.h"
#include "unit.h"

static struct anybpf_verify_result *verify_asm(const char *text, const char *type,
					       struct anybpf_insn **insns, size_t *n)
{
	struct anybpf_verify_result *res = NULL;
	*insns = NULL;
	if (anybpf_assemble(text, strlen(text), insns, n, NULL))
		return NULL;
	struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = type };
	if (anybpf_verify(*insns, *n, &o, &res))
		return NULL;
	return res;
}

TEST(runtime_verifier_exports_ctx_accesses)
{
	struct anybpf_insn *insns;
	size_t n;
	struct anybpf_verify_result *res = verify_asm(
		"r2 = *(u32 *)(r1 + 0)\n"
		"r3 = *(u32 *)(r1 + 4)\n"
		"r4 = *(u32 *)(r1 + 12)\n"
		"r0 = 2\n"
		"r5 = r2\n"
		"r5 += 14\n"
		"if r5 > r3 goto +1\n"
		"r0 = *(u8 *)(r2 + 12)\n"
		"r0 = 2\n"
		"exit\n", "xdp", &insns, &n);
	CHECK(res && res->verified);
	if (res && res->ctx_off) {
		CHECK_EQ(res->nctx_off, n);
		CHECK_EQ(res->ctx_off[0], 0);
		CHECK_EQ(res->ctx_off[1], 4);
		CHECK_EQ(res->ctx_off[2], 12);
		CHECK_EQ(res->ctx_off[3], ANYBPF_CTX_NONE);
		CHECK_EQ(res->ctx_off[7], ANYBPF_CTX_NONE); /* a packet load */
		/* the rewrite: data and data_end become 8-byte loads of the
		 * native pointers; ingress_ifindex stays */
		const struct hook *h = hook_find("xdp");
		CHECK_EQ(ctx_rewrite(h, insns, n, res->ctx_off, NULL), 0);
		CHECK_EQ(insns[0].code, 0x79);
		CHECK_EQ(insns[0].off, ctx_ptrs_off(h) + CTX_PTR_DATA);
		CHECK_EQ(insns[1].code, 0x79);
		CHECK_EQ(insns[1].off, ctx_ptrs_off(h) + CTX_PTR_DATA_END);
		CHECK_EQ(insns[2].code, 0x61);
		CHECK_EQ(insns[2].off, 12);
		CHECK_EQ(ctx_ptrs_off(h), 24);
	} else {
		CHECK(!"no ctx_off");
	}
	anybpf_verify_result_free(res);
	anybpf_free(insns);
}

TEST(runtime_rewrite_tc_fields)
{
	struct anybpf_insn *insns;
	size_t n;
	struct anybpf_verify_result *res = verify_asm(
		"r2 = *(u32 *)(r1 + 76)\n"      /* data */
		"r3 = *(u32 *)(r1 + 80)\n"      /* data_end */
		"r4 = *(u32 *)(r1 + 140)\n"     /* data_meta */
		"r5 = *(u16 *)(r1 + 16)\n"      /* protocol, narrow */
		"*(u32 *)(r1 + 8) = r5\n"       /* mark */
		"r0 = 0\n"
		"exit\n", "sched_cls", &insns, &n);
	CHECK(res && res->verified);
	if (res && res->ctx_off) {
		CHECK_EQ(res->ctx_off[4], 8);
		const struct hook *h = hook_find("sched_cls");
		CHECK_EQ(ctx_rewrite(h, insns, n, res->ctx_off, NULL), 0);
		CHECK_EQ(ctx_ptrs_off(h), 192);
		CHECK_EQ(insns[0].off, 192 + CTX_PTR_DATA);
		CHECK_EQ(insns[1].off, 192 + CTX_PTR_DATA_END);
		CHECK_EQ(insns[2].off, 192 + CTX_PTR_DATA_META);
		CHECK_EQ(insns[2].code, 0x79);
		/* protocol: read from the helpers' packet state (a u16) */
		CHECK_EQ(insns[3].code, 0x69);
		CHECK_EQ(insns[3].off, 192 + offsetof(struct anybpf_helper_pkt, protocol));
		CHECK_EQ(insns[4].off, 8);       /* mark: untouched */
	}
	anybpf_verify_result_free(res);
	anybpf_free(insns);
	/* a context load also used on other memory: refused */
	int32_t mixed[2] = { ANYBPF_CTX_MIXED, ANYBPF_CTX_NONE };
	struct anybpf_insn two[2] = { { 0x61, 2, 1, 0, 0 }, { 0x95, 0, 0, 0, 0 } };
	char buf[256];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf), .err_pc = -1 };
	CHECK_EQ(ctx_rewrite(hook_find("xdp"), two, 2, mixed, &log), -ANYBPF_E_INVAL);
	CHECK(strstr(buf, "pc 0") != NULL);
}

static const uint8_t udp_frame[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
	0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	0x30, 0x39, 0, 53, 0, 8, 0, 0,
};

static uint32_t u32at(const uint8_t *p, size_t off)
{
	uint32_t v;
	memcpy(&v, p + off, 4);
	return v;
}

TEST(runtime_ctx_xdp)
{
	struct ctx_run r;
	const struct hook *h = hook_find("xdp");
	CHECK_EQ(ctx_run_build(&r, h, udp_frame, sizeof(udp_frame), NULL, 0, NULL), 0);
	struct anybpf_helper_pkt *k = ctx_pkt(&r);
	CHECK_EQ(k->data_end - k->data, sizeof(udp_frame));
	CHECK(k->data_meta == k->data);
	CHECK_EQ(k->data - r.buf, CTX_XDP_HEADROOM);
	CHECK(!memcmp(k->data, udp_frame, sizeof(udp_frame)));
	CHECK_EQ(u32at(r.ctx, 12), 1);  /* ingress_ifindex: lo */
	/* a program's adjust_head(-8) seen in data_out and ctx_out */
	k->data -= 8;
	k->data_meta = k->data;
	memset(k->data, 0xab, 8);
	uint8_t *d, md[24];
	size_t dl, cl;
	CHECK_EQ(ctx_run_output(&r, &d, &dl, md, sizeof(md), &cl), 0);
	CHECK_EQ(dl, sizeof(udp_frame) + 8);
	CHECK_EQ(d[0], 0xab);
	CHECK_EQ(cl, 24);
	CHECK_EQ(u32at(md, 0), 0);
	CHECK_EQ(u32at(md, 4), sizeof(udp_frame) + 8);
	ctx_run_free(&r);

	/* metadata from ctx_in */
	uint8_t in[24] = { 0 };
	in[0] = 8;
	in[4] = sizeof(udp_frame);
	CHECK_EQ(ctx_run_build(&r, h, udp_frame, sizeof(udp_frame), in, sizeof(in), NULL), 0);
	k = ctx_pkt(&r);
	CHECK_EQ(k->data - k->data_meta, 8);
	CHECK_EQ(k->data_end - k->data, sizeof(udp_frame) - 8);
	ctx_run_free(&r);
	in[0] = 6; /* not a multiple of 4 */
	CHECK_EQ(ctx_run_build(&r, h, udp_frame, sizeof(udp_frame), in, sizeof(in), NULL),
		 -ANYBPF_E_INVAL);
	ctx_run_free(&r);
	CHECK_EQ(ctx_run_build(&r, h, udp_frame, 13, NULL, 0, NULL), -ANYBPF_E_INVAL);
	ctx_run_free(&r);
}

TEST(runtime_ctx_skb)
{
	struct ctx_run r;
	uint8_t in[192] = { 0 };
	in[8] = 0x42;              /* mark */
	in[48] = 7;                /* cb[0] */
	/* tc: L2 frame, protocol and pkt_type from the header */
	CHECK_EQ(ctx_run_build(&r, hook_find("sched_cls"), udp_frame, sizeof(udp_frame), in,
			       sizeof(in), NULL), 0);
	struct anybpf_helper_pkt *k = ctx_pkt(&r);
	CHECK_EQ(u32at(r.ctx, 0), sizeof(udp_frame));
	CHECK_EQ(u32at(r.ctx, 4), 2);        /* PACKET_MULTICAST: lo's broadcast is 0 */
	CHECK_EQ(u32at(r.ctx, 8), 0x42);
	CHECK_EQ(u32at(r.ctx, 16), 0x0008);  /* htons(ETH_P_IP) */
	CHECK_EQ(u32at(r.ctx, 40), 1);       /* ifindex: lo */
	CHECK_EQ(u32at(r.ctx, 48), 7);
	CHECK_EQ(u32at(r.ctx, 88), 2);       /* AF_INET */
	CHECK_EQ(k->data_end - k->data, sizeof(udp_frame));
	CHECK_EQ(k->mac_len, 14);
	r.ctx[8] = 0x43;                     /* the program sets mark */
	r.ctx[4] = 9;                        /* pkt_type: not an output field */
	uint8_t *d, out[192];
	size_t dl, cl;
	CHECK_EQ(ctx_run_output(&r, &d, &dl, out, sizeof(out), &cl), 0);
	CHECK_EQ(cl, 192);
	CHECK_EQ(u32at(out, 8), 0x43);
	CHECK_EQ(u32at(out, 4), 0);
	CHECK_EQ(u32at(out, 48), 7);
	CHECK_EQ(u32at(out, 160), sizeof(udp_frame)); /* wire_len */
	CHECK_EQ(dl, sizeof(udp_frame));
	ctx_run_free(&r);

	/* cgroup_skb: data at the network header; data_out gets a zeroed L2 */
	CHECK_EQ(ctx_run_build(&r, hook_find("cgroup_skb"), udp_frame, sizeof(udp_frame), NULL, 0,
			       NULL), 0);
	k = ctx_pkt(&r);
	CHECK_EQ(u32at(r.ctx, 0), sizeof(udp_frame) - 14);
	CHECK_EQ(k->data[0], 0x45);
	CHECK_EQ(u32at(r.ctx, 96), u32at(udp_frame, 26)); /* local_ip4 = saddr */
	CHECK_EQ(u32at(r.ctx, 92), u32at(udp_frame, 30)); /* remote_ip4 = daddr */
	CHECK_EQ(ctx_run_output(&r, &d, &dl, NULL, 0, &cl), 0);
	CHECK_EQ(dl, sizeof(udp_frame));
	CHECK_EQ(d[0] | d[6] | d[12], 0);
	CHECK_EQ(d[14], 0x45);
	ctx_run_free(&r);

	/* ctx_in may not set len, protocol, ...; ifindex must name lo */
	memset(in, 0, sizeof(in));
	in[16] = 8;
	CHECK_EQ(ctx_run_build(&r, hook_find("socket_filter"), udp_frame, sizeof(udp_frame), in,
			       sizeof(in), NULL), -ANYBPF_E_INVAL);
	ctx_run_free(&r);
	memset(in, 0, sizeof(in));
	in[40] = 3;
	CHECK_EQ(ctx_run_build(&r, hook_find("socket_filter"), udp_frame, sizeof(udp_frame), in,
			       sizeof(in), NULL), -ANYBPF_E_INVAL);
	ctx_run_free(&r);
}

TEST(runtime_ctx_raw)
{
	struct ctx_run r;
	uint8_t in[16] = { 1, 2, 3 };
	const struct hook *h = hook_find("raw_tracepoint");
	CHECK_EQ(ctx_run_build(&r, h, NULL, 0, in, sizeof(in), NULL), 0);
	CHECK_EQ(r.ctx_size, h->ctx_size);
	CHECK_EQ(r.ctx[2], 3);
	CHECK(ctx_pkt(&r) == NULL);
	ctx_run_free(&r);
	uint8_t big[200] = { 0 };
	CHECK_EQ(ctx_run_build(&r, h, NULL, 0, big, sizeof(big), NULL), -ANYBPF_E_INVAL);
	ctx_run_free(&r);
	CHECK_EQ(ctx_run_build(&r, h, udp_frame, sizeof(udp_frame), NULL, 0, NULL),
		 -ANYBPF_E_INVAL);
	ctx_run_free(&r);
	ctx_run_free(NULL);
}

TEST(runtime_xdp_action_names)
{
	CHECK(!strcmp(anybpf_xdp_action_name(2), "XDP_PASS"));
	CHECK(!strcmp(anybpf_xdp_action_name(4), "XDP_REDIRECT"));
	CHECK(anybpf_xdp_action_name(5) == NULL);
}
