/* test_hooks.c - the program types added to src/hooks: sk_skb, sk_msg,
 * flow_dissector and the eBPF-for-Windows profile (descriptors, names,
 * helper ids), and runs of small programs on the native contexts of
 * sk_skb, sk_msg, sock_ops, cgroup_sock, cgroup_sock_addr and windows/xdp,
 * bind, sock_addr, sock_ops, sample: verify, rewrite, load with the type's
 * helpers, build the context from data_in/ctx_in, run in checking mode,
 * read ctx_out/data_out (the pipeline of src/runtime/runtime.c).  The
 * verifier's cases for these types are in tests/verifier/types.txt. */
#include <string.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "hooks/ctx.h"
#include "unit.h"
#include "unit_run.h"

/* r2 = data, r3 = data_end (ctx offsets 0 and 8 in these tests' types);
 * r0 = ret and skip `skip` instructions unless len bytes are there */
#define DATA_GUARD(len, ret, skip)                                        \
	"r2 = *(u64 *)(r1 + 0)\n"                                         \
	"r3 = *(u64 *)(r1 + 8)\n"                                         \
	"r4 = r2\n"                                                       \
	"r4 += " len "\n"                                                 \
	"r0 = " ret "\n"                                                  \
	"if r4 > r3 goto +" skip "\n"

struct hrun {
	int err;              /* 0, or where the pipeline stopped (negative) */
	uint64_t retval;
	uint8_t ctx_out[256];
	size_t ctx_len;
	uint8_t data_out[512];
	size_t data_len;
	char msg[512];
};

/* Run `text` as a program of `type` (verified unless `unverified`) on
 * data_in/ctx_in. */
static void run_prog(struct hrun *o, const char *type, const char *text, int unverified,
		     const void *data, size_t dlen, const void *ctx, size_t clen)
{
	memset(o, 0, sizeof(*o));
	struct anybpf_log log = { .buf = o->msg, .size = sizeof(o->msg), .err_pc = -1, .err_line = -1 };
	const struct hook *h = hook_find(type);
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	struct anybpf_verify_result *res = NULL;
	anybpf_vm *vm = NULL;
	struct ctx_run cr;
	memset(&cr, 0, sizeof(cr));
	struct anybpf_helper_env env = { .sz = sizeof(env), .prog_type = type };
	if (!h) {
		o->err = -1;
		return;
	}
	if ((o->err = anybpf_assemble(text, strlen(text), &insns, &n, &log)) != 0)
		goto out;
	struct anybpf_verify_opts vo = { .sz = sizeof(vo), .prog_type = type };
	if ((o->err = anybpf_verify(insns, n, &vo, &res)) != 0)
		goto out;
	if (!res->verified && !unverified) {
		snprintf(o->msg, sizeof(o->msg), "%s", res->ndiags ? res->diags[0].message : "rejected");
		o->err = -ANYBPF_E_VERIFY;
		goto out;
	}
	if (res->verified &&
	    (o->err = ctx_rewrite(h, insns, n, res->nctx_off == n ? res->ctx_off : NULL, &log)) != 0)
		goto out;
	struct anybpf_vm_opts vmo = { .sz = sizeof(vmo) };
	vm = anybpf_vm_new(&vmo);
	if (!vm || (o->err = hook_register_helpers(h, vm, &env)) != 0 ||
	    (o->err = anybpf_vm_load(vm, insns, n, &log)) != 0)
		goto out;
	if ((o->err = ctx_run_build(&cr, h, data, dlen, ctx, clen, &log)) != 0)
		goto out;
	if ((o->err = unit_hook_exec(vm, &cr, &env, h->flags & HOOK_PKT_W, &o->retval, &log)) != 0)
		goto out;
	uint8_t *d = NULL;
	if ((o->err = ctx_run_output(&cr, &d, &o->data_len, o->ctx_out, sizeof(o->ctx_out), &o->ctx_len)) != 0)
		goto out;
	if (d && o->data_len <= sizeof(o->data_out))
		memcpy(o->data_out, d, o->data_len);
out:
	if (o->err && !o->msg[0])
		snprintf(o->msg, sizeof(o->msg), "error %d", o->err);
	if (o->err)
		fprintf(stderr, "    %s: %s\n", type, o->msg);
	ctx_run_free(&cr);
	anybpf_vm_free(vm);
	anybpf_verify_result_free(res);
	anybpf_free(insns);
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

TEST(hooks_names_and_aliases)
{
	const struct hook *h = hook_find("windows/xdp");
	CHECK(h && (h->flags & HOOK_WIN) && h->ctx_size == 32 && h->group == HG_WIN);
	CHECK(!(HG_ALL & HG_WIN));   /* no Linux helper row applies to Windows */
	CHECK(hook_find("bind") == hook_find("windows/bind"));
	CHECK(hook_find("sample_ext") == hook_find("windows/sample"));
	CHECK(hook_find("cgroup/recv_accept4") == hook_find("windows/sock_addr"));
	CHECK(hook_find("sk_skb/stream_parser") == hook_find("sk_skb"));
	CHECK(hook_find("sk_skb/stream_verdict") == hook_find("sk_skb"));
	CHECK(hook_find("sk_msg") && hook_find("sk_msg")->ctx_size == 80);
	CHECK(hook_find("flow_dissector") != NULL);
	CHECK(hook_find("windows/nosuch") == NULL);
	CHECK(!(hook_find("sk_skb")->flags & HOOK_RET));   /* the kernel checks no range */
	/* which types take a packet */
	CHECK(hook_takes_packet(hook_find("sk_skb")));
	CHECK(hook_takes_packet(hook_find("socket_filter")));
	CHECK(hook_takes_packet(hook_find("windows/bind")));
	CHECK(!hook_takes_packet(hook_find("cgroup_sock_addr")));
	CHECK(!hook_takes_packet(hook_find("windows/sock_ops")));
	CHECK(!hook_takes_packet(hook_find("kprobe")));
	CHECK_EQ(ctx_class_of(hook_find("sk_skb")), CTXC_SKB);
	CHECK_EQ(ctx_class_of(hook_find("sk_msg")), CTXC_PTRS);
	CHECK_EQ(ctx_class_of(hook_find("sock_ops")), CTXC_PTRS);
	CHECK_EQ(ctx_class_of(hook_find("cgroup_sock")), CTXC_RAW);
	CHECK_EQ(ctx_class_of(hook_find("windows/xdp")), CTXC_PTRS);
	CHECK_EQ(ctx_class_of(hook_find("windows/sock_addr")), CTXC_RAW);
}

TEST(hooks_windows_helper_ids)
{
	const struct hook *x = hook_find("windows/xdp"), *sa = hook_find("windows/sock_addr");
	const struct win_helper *w = hook_win_helper(x, 1);
	CHECK(w && w->linux_id == LH_ID_map_lookup_elem);
	w = hook_win_helper(x, 9);   /* Windows 9 is ktime_get_ns (Linux 5) */
	CHECK(w && w->linux_id == LH_ID_ktime_get_ns && !strcmp(w->name, "ktime_get_ns"));
	w = hook_win_helper(x, 5);
	CHECK(w && w->linux_id == LH_ID_tail_call);
	w = hook_win_helper(x, 0x10000);   /* type helpers share ids */
	CHECK(w && w->linux_id == LH_ID_xdp_adjust_head);
	w = hook_win_helper(sa, 0x10000);
	CHECK(w && w->linux_id == LH_ID_get_current_pid_tgid);
	CHECK(hook_win_helper(hook_find("windows/bind"), 0x10000) == NULL);
	CHECK(hook_win_helper(hook_find("xdp"), 1) == NULL);   /* Linux: helpers.def */
	w = hook_win_helper(x, 22);
	CHECK(w && w->linux_id == 0 && !strcmp(w->name, "memcpy_s"));
	CHECK(hook_win_helper(x, 33) == NULL);
	/* every twin has a Linux implementation */
	unsigned twins = 0;
	for (unsigned i = 0; (w = hook_win_helper_at(sa, i)) != NULL; i = hook_win_helper_index(w) + 1)
		if (w->linux_id) {
			CHECK(anybpf_helper_linux_implemented((uint32_t)w->linux_id));
			twins++;
		}
	CHECK(twins >= 20);
}

TEST(hooks_run_sk_skb)
{
	/* the stream data as the packet, len, priority written back */
	static const char prog[] =
		"r2 = *(u32 *)(r1 + 76)\n"
		"r3 = *(u32 *)(r1 + 80)\n"
		"r4 = r2\n"
		"r4 += 2\n"
		"r0 = 0\n"
		"if r4 > r3 goto +6\n"
		"r0 = *(u8 *)(r2 + 1)\n"
		"r5 = *(u32 *)(r1 + 0)\n"
		"r5 <<= 8\n"
		"r0 |= r5\n"
		"r5 = 9\n"
		"*(u32 *)(r1 + 32) = r5\n"
		"exit\n";
	static const uint8_t data[] = "ABCDE";
	struct hrun o;
	run_prog(&o, "sk_skb", prog, 0, data, 5, NULL, 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 5u << 8 | 'B');
	CHECK_EQ(rd32(o.ctx_out + 32), 9);   /* priority */
	CHECK_EQ(o.data_len, 5);
	/* ctx_in: the socket's family may be set, mark may not */
	uint8_t ci[192] = { 0 };
	ci[88] = 2;
	run_prog(&o, "sk_skb", "r0 = *(u32 *)(r1 + 88)\nexit\n", 0, data, 5, ci, sizeof(ci));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 2);
	ci[8] = 1;
	run_prog(&o, "sk_skb", "r0 = 0\nexit\n", 0, data, 5, ci, sizeof(ci));
	CHECK_EQ(o.err, -ANYBPF_E_INVAL);
}

TEST(hooks_run_sk_msg)
{
	/* 8-byte data/data_end (rewritten to the native pointers), size */
	static const char prog[] =
		DATA_GUARD("1", "0", "3")
		"r0 = *(u8 *)(r2 + 0)\n"
		"r5 = *(u32 *)(r1 + 68)\n"
		"r0 += r5\n"
		"exit\n";
	struct hrun o;
	run_prog(&o, "sk_msg", prog, 0, "hello", 5, NULL, 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 'h' + 5);
	CHECK_EQ(o.ctx_len, 80);
	CHECK_EQ(rd64(o.ctx_out + 0), 0);   /* no host pointer in ctx_out */
	CHECK_EQ(rd32(o.ctx_out + 68), 5);
	/* an empty message: the bounds check fails, r0 stays 0 */
	run_prog(&o, "sk_msg", prog, 0, NULL, 0, NULL, 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 0);
	/* ctx_in may not set the pointers */
	uint8_t ci[80] = { 1 };
	run_prog(&o, "sk_msg", prog, 0, "hello", 5, ci, sizeof(ci));
	CHECK_EQ(o.err, -ANYBPF_E_INVAL);
	CHECK(strstr(o.msg, "sk_msg.data") != NULL);
}

TEST(hooks_run_sock_ops)
{
	/* op from ctx_in, reply written, the skb as skb_data..skb_data_end */
	static const char prog[] =
		"r6 = *(u32 *)(r1 + 0)\n"
		"r2 = 42\n"
		"*(u32 *)(r1 + 4) = r2\n"
		"r2 = *(u64 *)(r1 + 192)\n"
		"r3 = *(u64 *)(r1 + 200)\n"
		"r4 = r2\n"
		"r4 += 1\n"
		"r0 = 0\n"
		"if r4 > r3 goto +4\n"
		"r0 = *(u8 *)(r2 + 0)\n"
		"r5 = *(u32 *)(r1 + 208)\n"
		"r0 += r5\n"
		"r0 += r6\n"
		"r0 &= 1\n"
		"exit\n";
	uint8_t ci[224] = { 0 };
	ci[0] = 4;
	struct hrun o;
	run_prog(&o, "sock_ops", prog, 0, "\x01\x02\x03", 3, ci, sizeof(ci));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, (1 + 3 + 4) & 1);
	CHECK_EQ(rd32(o.ctx_out + 4), 42);   /* reply */
	CHECK_EQ(rd64(o.ctx_out + 192), 0);
	CHECK_EQ(rd32(o.ctx_out + 208), 3);  /* skb_len */
	/* without an skb the check fails: r0 0 */
	run_prog(&o, "sock_ops", prog, 0, NULL, 0, ci, sizeof(ci));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 0);
}

TEST(hooks_run_cgroup_sock)
{
	uint8_t ci[80] = { 0 };
	ci[12] = 6;   /* protocol */
	struct hrun o;
	run_prog(&o, "cgroup_sock",
		 "r0 = *(u32 *)(r1 + 12)\n"
		 "r2 = 7\n"
		 "*(u32 *)(r1 + 16) = r2\n"
		 "r0 &= 1\n"
		 "exit\n", 0, NULL, 0, ci, sizeof(ci));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 0);
	CHECK_EQ(rd32(o.ctx_out + 16), 7);   /* mark */
	CHECK_EQ(o.data_len, 0);
	/* no packet for this type */
	run_prog(&o, "cgroup_sock", "r0 = 1\nexit\n", 0, "abcdefghijklmnop", 16, ci, sizeof(ci));
	CHECK_EQ(o.err, -ANYBPF_E_INVAL);
}

TEST(hooks_run_cgroup_sock_addr)
{
	uint8_t ci[72] = { 0 };
	ci[24] = 0x1f; ci[25] = 0x90;   /* user_port 8080 (network order) */
	struct hrun o;
	run_prog(&o, "cgroup_sock_addr",
		 "r2 = *(u32 *)(r1 + 24)\n"
		 "r3 = 0x0100007f\n"
		 "*(u32 *)(r1 + 4) = r3\n"
		 "r0 = 1\n"
		 "exit\n", 0, NULL, 0, ci, sizeof(ci));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 1);
	CHECK_EQ(rd32(o.ctx_out + 4), 0x0100007f);   /* user_ip4 rewritten */
	CHECK_EQ(o.ctx_out[24], 0x1f);
}

TEST(hooks_run_windows_xdp)
{
	/* 8-byte pointers, a packet write, XDP_PASS (1 on Windows) */
	static const char prog[] =
		DATA_GUARD("14", "2", "3")
		"r5 = 0xaa\n"
		"*(u8 *)(r2 + 0) = r5\n"
		"r0 = 1\n"
		"exit\n";
	uint8_t frame[20] = { 0 };
	struct hrun o;
	run_prog(&o, "windows/xdp", prog, 0, frame, sizeof(frame), NULL, 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 1);
	CHECK_EQ(o.data_len, 20);
	CHECK_EQ(o.data_out[0], 0xaa);
	run_prog(&o, "windows/xdp", prog, 0, frame, 10, NULL, 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 2);   /* XDP_DROP: too short */
	/* helpers at Windows' ids: 0x10000 is xdp_adjust_head (the verifier
	 * does not read the Windows table yet: unverified, checking mode) */
	run_prog(&o, "windows/xdp",
		 "r2 = 4\n"
		 "call 0x10000\n"
		 "exit\n", 1, frame, sizeof(frame), NULL, 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 0);
	CHECK_EQ(o.data_len, 16);
	/* Windows 20 (get_current_logon_id) has no implementation: not registered */
	run_prog(&o, "windows/xdp", "call 20\nexit\n", 1, frame, sizeof(frame), NULL, 0);
	CHECK_EQ(o.err, -ANYBPF_E_HELPER);
}

TEST(hooks_run_windows_bind)
{
	/* the app id is the packet; deny "app..." (BIND_DENY 1) */
	static const char prog[] =
		DATA_GUARD("1", "0", "4")
		"r5 = *(u8 *)(r2 + 0)\n"
		"if r5 != 0x61 goto +2\n"
		"r0 = *(u8 *)(r1 + 48)\n"
		"r0 -= 5\n"
		"exit\n";
	uint8_t ci[56] = { 0 };
	ci[48] = 6;   /* IPPROTO_TCP */
	struct hrun o;
	run_prog(&o, "windows/bind", prog, 0, "app.exe", 7, ci, sizeof(ci));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 1);
	run_prog(&o, "windows/bind", prog, 0, "svc.exe", 7, ci, sizeof(ci));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 0);
	CHECK_EQ(o.ctx_out[48], 6);
	CHECK_EQ(rd64(o.ctx_out + 0), 0);
}

TEST(hooks_run_windows_sock_addr_ops_sample)
{
	uint8_t sa[64] = { 0 };
	sa[0] = 2;   /* AF_INET */
	struct hrun o;
	run_prog(&o, "windows/sock_addr",
		 "r3 = 0x5000\n"
		 "*(u16 *)(r1 + 40) = r3\n"
		 "r0 = *(u32 *)(r1 + 0)\n"
		 "r0 -= 1\n"
		 "exit\n", 0, NULL, 0, sa, sizeof(sa));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 1);   /* BPF_SOCK_ADDR_VERDICT_PROCEED */
	CHECK_EQ(o.ctx_out[40] | o.ctx_out[41] << 8, 0x5000);
	uint8_t so[64] = { 0 };
	so[0] = 2;   /* BPF_SOCK_OPS_CONNECTION_DELETED_CB */
	run_prog(&o, "windows/sock_ops", "r0 = *(u32 *)(r1 + 0)\nexit\n", 0, NULL, 0, so, sizeof(so));
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.retval, 2);
	run_prog(&o, "windows/sample",
		 "r2 = *(u64 *)(r1 + 0)\n"
		 "r3 = *(u64 *)(r1 + 8)\n"
		 "r3 -= r2\n"
		 "*(u32 *)(r1 + 16) = r3\n"
		 "r0 = 0\n"
		 "exit\n", 0, "pattern", 7, NULL, 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(rd32(o.ctx_out + 16), 7);   /* uint32_data = data_end - data_start */
	CHECK_EQ(o.ctx_len, 32);
}

TEST(hooks_run_flow_dissector_refused)
{
	struct hrun o;
	uint8_t frame[20] = { 0 };
	run_prog(&o, "flow_dissector", "r0 = 0\nexit\n", 0, frame, sizeof(frame), NULL, 0);
	CHECK_EQ(o.err, -ANYBPF_E_NOT_SUPPORTED);
	CHECK(strstr(o.msg, "flow_keys") != NULL);
}

TEST(hooks_sign_extending_pointer_load_refused)
{
	/* `*(s32 *)(r1 + 0)` of xdp_md.data: Linux refuses it ("invalid
	 * bpf_context access"), so does the verifier, so the runtime never
	 * has to rewrite it */
	static const char prog[] =
		"r2 = *(s32 *)(r1 + 0)\n"
		"r3 = *(s32 *)(r1 + 4)\n"
		"r4 = r2\n"
		"r4 += 1\n"
		"r0 = 0\n"
		"if r4 > r3 goto +1\n"
		"r0 = *(u8 *)(r2 + 0)\n"
		"exit\n";
	uint8_t frame[14] = { 0x5a };
	struct hrun o;
	run_prog(&o, "xdp", prog, 0, frame, sizeof(frame), NULL, 0);
	CHECK_EQ(o.err, -ANYBPF_E_VERIFY);
}
