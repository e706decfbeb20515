/* test_helpers_sock.c - the sk_skb / sk_msg / sock_ops helpers of
 * src/helpers/linux_sock.c called by assembled programs through the VM
 * (checking and fast mode): msg_apply/cork_bytes, msg_pull/push/pop_data
 * (bytes, data / data_end as the kernel's scatterlist gives them,
 * sk_msg_md.size), the redirect helpers and sock_map/hash_update with the
 * maps a run can have; their verifier model (helpers.def); LD_ABS after a
 * helper moved the packet (anybpf_run_set_pkt); the runtime's helper_env
 * option. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "unit.h"
#include "unit_run.h"

#define P(x) ((uint64_t)(uintptr_t)(x))
#define NEG(e) ((uint64_t)(int64_t)-(e))

/* An sk_msg-like run: r1 = an sk_msg_md image (80 bytes, size at 68), the
 * message in buf at headroom 16 (room 64 bytes in all), r2 = an rtmap. */
struct ms {
	anybpf_vm *vm;
	anybpf_rtmap *map;
	anybpf_rtmap *maps[1];
	struct anybpf_helper_env env;
	struct anybpf_helper_run hr;
	struct anybpf_helper_pkt pkt;
	uint8_t md[80];
	uint8_t buf[64];
	char logbuf[512];
	struct anybpf_log log;
};

static int ms_load(struct ms *x, const char *type, const char *text)
{
	memset(x, 0, sizeof(*x));
	struct anybpf_rtmap_opts mo = { .sz = sizeof(mo), .type = ANYBPF_MAP_TYPE_ARRAY, .key_size = 4,
					.value_size = 8, .max_entries = 4 };
	if (anybpf_rtmap_new(&mo, &x->map))
		return -1;
	x->maps[0] = x->map;
	x->env = (struct anybpf_helper_env){ .sz = sizeof(x->env), .prog_type = type, .maps = x->maps,
					     .nmaps = 1 };
	x->log = (struct anybpf_log){ .buf = x->logbuf, .size = sizeof(x->logbuf) };
	return unit_linux_vm(&x->vm, NULL, &x->env, text, &x->log);
}

/* the message: "0123456789..." of len bytes at buf + 16 */
static void ms_msg(struct ms *x, size_t len)
{
	memset(x->buf, 0xee, sizeof(x->buf));
	for (size_t i = 0; i < len; i++)
		x->buf[16 + i] = (uint8_t)('0' + i % 10);
	x->pkt = (struct anybpf_helper_pkt){ .data = x->buf + 16, .data_end = x->buf + 16 + len,
					     .buf = x->buf, .buf_end = x->buf + sizeof(x->buf) };
	memset(x->md, 0, sizeof(x->md));
	uint32_t l = (uint32_t)len;
	memcpy(x->md + 68, &l, 4);
}

static int ms_run_mode(struct ms *x, enum anybpf_exec_mode mode, uint64_t *ret)
{
	anybpf_helper_run_init(&x->hr, &x->env);
	x->hr.pkt = &x->pkt;
	x->hr.ctx = P(x->md);
	struct anybpf_region reg[2] = {
		{ x->md, sizeof(x->md), ANYBPF_REGION_R, "ctx" },
		{ x->pkt.data, (size_t)(x->pkt.data_end - x->pkt.data), ANYBPF_REGION_RW, "packet" },
	};
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = mode, .args = { P(x->md), P(x->map) },
				       .regions = reg, .nregions = 2, .user = &x->hr };
	struct anybpf_exec_result res = { 0, 0 };
	x->log.len = 0;
	x->logbuf[0] = 0;
	int err = anybpf_vm_exec(x->vm, &eo, &res, &x->log);
	*ret = res.retval;
	if (err)
		fprintf(stderr, "    run: %s\n", x->logbuf);
	return err;
}

static uint64_t ms_run(struct ms *x)
{
	uint64_t r = 0xdeadbeef;
	return ms_run_mode(x, ANYBPF_EXEC_CHECKED, &r) ? 0xdeadbeef : r;
}

static void ms_free(struct ms *x)
{
	anybpf_vm_free(x->vm);
	anybpf_rtmap_free(x->map);
}

static uint32_t md_size(const struct ms *x)
{
	uint32_t v;
	memcpy(&v, x->md + 68, 4);
	return v;
}

/* "call id" with r1 = ctx and r2..r4 = the numbers given */
static void call_text(char *out, size_t n, int id, long a2, long a3, long a4)
{
	snprintf(out, n, "r2 = %ld ll\nr3 = %ld ll\nr4 = %ld ll\ncall %d\nexit\n", a2, a3, a4, id);
}

static uint64_t msg_call(struct ms *x, size_t len, int id, long a2, long a3, long a4)
{
	char t[256];
	call_text(t, sizeof(t), id, a2, a3, a4);
	if (ms_load(x, "sk_msg", t))
		return 0xdeadbeef;
	ms_msg(x, len);
	return ms_run(x);
}

/* msg_call on a 10-byte message: its result, then (size >= 0) the
 * message's size */
struct msg_case {
	int id;
	long a2, a3, a4;
	uint64_t want;
	int size;
};

static void msg_cases(const struct msg_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ms x;
		CHECK_EQ(msg_call(&x, 10, c[i].id, c[i].a2, c[i].a3, c[i].a4), c[i].want);
		if (c[i].size >= 0)
			CHECK_EQ(md_size(&x), c[i].size);
		ms_free(&x);
	}
}

TEST(helper_sock_msg_apply_cork)
{
	struct ms x;
	static const char prog[] = "r6 = r1\nr2 = 100\ncall 61\nr1 = r6\nr2 = 7\ncall 62\nexit\n";
	CHECK_EQ(ms_load(&x, "sk_msg", prog), 0);
	ms_msg(&x, 10);
	CHECK_EQ(ms_run(&x), 0);
	CHECK(x.hr.msg_apply_set && x.hr.msg_cork_set);
	CHECK_EQ(x.hr.msg_apply_bytes, 100);
	CHECK_EQ(x.hr.msg_cork_bytes, 7);
	ms_free(&x);
}

TEST(helper_sock_msg_pull_data)
{
	struct ms x;
	/* [4, 10) of a 40-byte message */
	CHECK_EQ(msg_call(&x, 40, 63, 4, 10, 0), 0);
	CHECK(x.pkt.data == x.buf + 20 && x.pkt.data_end == x.buf + 26);
	ms_free(&x);
	/* the window can move back to the start */
	static const char two[] = "r6 = r1\nr2 = 30\nr3 = 31\nr4 = 0\ncall 63\n"
				  "r1 = r6\nr2 = 0\nr3 = 40\nr4 = 0\ncall 63\nexit\n";
	CHECK_EQ(ms_load(&x, "sk_msg", two), 0);
	ms_msg(&x, 40);
	CHECK_EQ(ms_run(&x), 0);
	CHECK(x.pkt.data == x.buf + 16 && x.pkt.data_end == x.buf + 56);
	ms_free(&x);
	/* flags, end <= start, start or end past the message */
	CHECK_EQ(msg_call(&x, 40, 63, 0, 4, 1), NEG(EINVAL));
	ms_free(&x);
	CHECK_EQ(msg_call(&x, 40, 63, 5, 5, 0), NEG(EINVAL));
	ms_free(&x);
	CHECK_EQ(msg_call(&x, 40, 63, 40, 41, 0), NEG(EINVAL));
	ms_free(&x);
	CHECK_EQ(msg_call(&x, 40, 63, 39, 41, 0), NEG(EINVAL));
	CHECK(x.pkt.data == x.buf + 16 && x.pkt.data_end == x.buf + 56); /* unchanged */
	ms_free(&x);
}

TEST(helper_sock_msg_push_data)
{
	struct ms x;
	/* 3 zero bytes at 2 of "0123456789": elements [2, 3, 8] -> data_end
	 * covers the first (2 bytes); size 13 */
	CHECK_EQ(msg_call(&x, 10, 90, 2, 3, 0), 0);
	CHECK_EQ(md_size(&x), 13);
	CHECK(memcmp(x.pkt.data, "01\0\0\0" "23456789", 13) == 0);
	CHECK_EQ((long)(x.pkt.data_end - x.pkt.data), 2);
	CHECK_EQ(x.hr.msg_nelem, 3);
	ms_free(&x);
	/* push at 0, then pull the whole message: one element again */
	static const char seq[] = "r6 = r1\nr2 = 0\nr3 = 4\nr4 = 0\ncall 90\n"
				  "r1 = r6\nr2 = 0\nr3 = 14\nr4 = 0\ncall 63\n"
				  "r0 = *(u32 *)(r6 + 68)\nexit\n";
	CHECK_EQ(ms_load(&x, "sk_msg", seq), 0);
	ms_msg(&x, 10);
	CHECK_EQ(ms_run(&x), 14);
	CHECK_EQ((long)(x.pkt.data_end - x.pkt.data), 14);
	CHECK_EQ(x.hr.msg_nelem, 1);
	CHECK(memcmp(x.pkt.data, "\0\0\0\0" "0123456789", 14) == 0);
	ms_free(&x);
	/* at the end: appended; more than the tail room: the message moves
	 * into the headroom (38 bytes of room after a 10-byte message) */
	CHECK_EQ(msg_call(&x, 10, 90, 10, 40, 0), 0);
	CHECK_EQ(md_size(&x), 50);
	CHECK(x.pkt.data == x.buf + 14);
	CHECK(memcmp(x.pkt.data, "0123456789", 10) == 0 && x.pkt.data[10] == 0 && x.pkt.data[49] == 0);
	ms_free(&x);
	/* flags, start past the end, no room, len 0 (nothing) */
	static const struct msg_case push_bad[] = {
		{ 90, 0, 4, 2, NEG(EINVAL), -1 }, { 90, 11, 4, 0, NEG(EINVAL), -1 },
		{ 90, 0, 55, 0, NEG(ENOMEM), 10 }, { 90, 0, 0, 0, 0, 10 } };
	msg_cases(push_bad, sizeof(push_bad) / sizeof(push_bad[0]));
}

TEST(helper_sock_msg_push_copy_path)
{
	/* 16 pushes of 1 byte at 1 fill the 17 element slots; the 17th lands
	 * in the element holding start (the kernel's copy path) */
	char t[2048];
	size_t k = (size_t)snprintf(t, sizeof(t), "r6 = r1\n");
	for (int i = 0; i < 17; i++)
		k += (size_t)snprintf(t + k, sizeof(t) - k, "r1 = r6\nr2 = 0\nr3 = 1\nr4 = 0\ncall 90\n");
	snprintf(t + k, sizeof(t) - k, "r0 = *(u32 *)(r6 + 68)\nexit\n");
	struct ms x;
	CHECK_EQ(ms_load(&x, "sk_msg", t), 0);
	ms_msg(&x, 10);
	CHECK_EQ(ms_run(&x), 27);
	CHECK_EQ(x.hr.msg_nelem, 17);
	CHECK_EQ((long)(x.pkt.data_end - x.pkt.data), 2); /* [0] grew by the last push */
	ms_free(&x);
}

TEST(helper_sock_msg_pop_data)
{
	struct ms x;
	/* 3 bytes at 2 of "0123456789": "0156789", elements [2, 5] */
	CHECK_EQ(msg_call(&x, 10, 91, 2, 3, 0), 0);
	CHECK_EQ(md_size(&x), 7);
	CHECK(memcmp(x.pkt.data, "0156789", 7) == 0);
	CHECK_EQ((long)(x.pkt.data_end - x.pkt.data), 2);
	ms_free(&x);
	/* from the start: one element left */
	CHECK_EQ(msg_call(&x, 10, 91, 0, 4, 0), 0);
	CHECK_EQ(md_size(&x), 6);
	CHECK(x.pkt.data_end - x.pkt.data == 6 && memcmp(x.pkt.data, "456789", 6) == 0);
	ms_free(&x);
	/* to the end, across elements: push makes [2, 1, 8], pop 2..11 */
	static const char seq[] = "r6 = r1\nr2 = 2\nr3 = 1\nr4 = 0\ncall 90\n"
				  "r1 = r6\nr2 = 2\nr3 = 9\nr4 = 0\ncall 91\n"
				  "r0 = *(u32 *)(r6 + 68)\nexit\n";
	CHECK_EQ(ms_load(&x, "sk_msg", seq), 0);
	ms_msg(&x, 10);
	CHECK_EQ(ms_run(&x), 2);
	CHECK_EQ(x.hr.msg_nelem, 1);
	CHECK(memcmp(x.pkt.data, "01", 2) == 0);
	ms_free(&x);
	/* flags, start at the end, past the end, len 0 */
	static const struct msg_case pop_bad[] = {
		{ 91, 0, 1, 1, NEG(EINVAL), -1 }, { 91, 10, 1, 0, NEG(EINVAL), -1 },
		{ 91, 5, 6, 0, NEG(EINVAL), 10 }, { 91, 5, 0, 0, 0, 10 } };
	msg_cases(pop_bad, sizeof(pop_bad) / sizeof(pop_bad[0]));
}

TEST(helper_sock_redirects_without_sockmaps)
{
	/* sockmap / sockhash cannot be created yet: every redirect is SK_DROP
	 * and records nothing, whatever the map argument is */
	anybpf_rtmap *m = NULL;
	struct anybpf_rtmap_opts mo = { .sz = sizeof(mo), .type = ANYBPF_MAP_TYPE_SOCKMAP, .key_size = 4,
					.value_size = 4, .max_entries = 4 };
	CHECK_EQ(anybpf_rtmap_new(&mo, &m), -EOPNOTSUPP);
	static const struct { int id; const char *type; } h[] = {
		{ 52, "sk_skb" }, { 72, "sk_skb" }, { 60, "sk_msg" }, { 71, "sk_msg" } };
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		/* r2 = the env's array map, a stray value, NULL; flags 0 and 2 */
		static const char *const maps[] = { "r2 = r7", "r2 = 0x1234 ll", "r2 = 0" };
		for (size_t k = 0; k < 3; k++) {
			for (int fl = 0; fl <= 2; fl += 2) {
				char t[256];
				snprintf(t, sizeof(t), "r7 = r2\n%s\nr3 = r10\nr3 += -8\n*(u64 *)(r10 - 8) = 0\n"
					 "r4 = %d\ncall %d\nexit\n", maps[k], fl, h[i].id);
				if (h[i].id == 52 || h[i].id == 60)
					snprintf(t, sizeof(t), "r7 = r2\n%s\nr3 = 1\nr4 = %d\ncall %d\nexit\n",
						 maps[k], fl, h[i].id);
				struct ms x;
				CHECK_EQ(ms_load(&x, h[i].type, t), 0);
				ms_msg(&x, 10);
				CHECK_EQ(ms_run(&x), 0); /* SK_DROP */
				CHECK_EQ(x.hr.redirect.kind, ANYBPF_REDIRECT_NONE);
				ms_free(&x);
			}
		}
	}
}

TEST(helper_sock_map_update)
{
	/* sock_ops: the map must be a sockmap / sockhash (-EINVAL otherwise) */
	for (int id = 53; id <= 70; id += 17) {
		static const char *const maps[] = { "r2 = r7", "r2 = 0x1234 ll" };
		for (size_t k = 0; k < 2; k++) {
			char t[256];
			snprintf(t, sizeof(t), "r7 = r2\n%s\n*(u32 *)(r10 - 4) = 0\nr3 = r10\nr3 += -4\n"
				 "r4 = 0\ncall %d\nexit\n", maps[k], id);
			struct ms x;
			CHECK_EQ(ms_load(&x, "sock_ops", t), 0);
			ms_msg(&x, 0);
			x.md[0] = 4; /* op: BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB */
			CHECK_EQ(ms_run(&x), NEG(EINVAL));
			ms_free(&x);
		}
	}
}

/* the verifier's model of these helpers (helpers.def) */
static int verify_text(const char *type, const char *text, const struct anybpf_map_desc *maps,
		       size_t nmaps, char *msg, size_t msz)
{
	char lb[256];
	struct anybpf_log log = { .buf = lb, .size = sizeof(lb) };
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	msg[0] = 0;
	if (anybpf_assemble(text, strlen(text), &insns, &n, &log))
		return -1;
	struct anybpf_verify_opts vo = { .sz = sizeof(vo), .prog_type = type, .maps = maps, .nmaps = nmaps };
	struct anybpf_verify_result *res = NULL;
	int v = -1;
	if (!anybpf_verify(insns, n, &vo, &res)) {
		v = res->verified;
		if (res->ndiags)
			snprintf(msg, msz, "%s", res->diags[0].message);
	}
	anybpf_verify_result_free(res);
	anybpf_free(insns);
	return v;
}

TEST(helper_sock_verifier_model)
{
	char msg[512];
	struct anybpf_map_desc sm = { .type = ANYBPF_MAP_TYPE_SOCKMAP, .key_size = 4, .value_size = 4,
				      .max_entries = 4 };
	static const char upd[] = "*(u32 *)(r10 - 4) = 0\nr3 = r10\nr3 += -4\nlddw %r2, map_fd 1\n"
				  "r4 = 0\ncall 53\nr0 = 1\nexit\n";
	CHECK_EQ(verify_text("sock_ops", upd, &sm, 1, msg, sizeof(msg)), 1);
	CHECK_EQ(verify_text("xdp", upd, &sm, 1, msg, sizeof(msg)), 0);
	CHECK(strstr(msg, "not allowed in xdp") != NULL);
	/* the key is read: it must be initialized */
	static const char nokey[] = "r3 = r10\nr3 += -4\nlddw %r2, map_fd 1\nr4 = 0\ncall 53\nr0 = 1\nexit\n";
	CHECK_EQ(verify_text("sock_ops", nokey, &sm, 1, msg, sizeof(msg)), 0);
	CHECK(strstr(msg, "uninitialized") != NULL);
	/* ctx + 8 is not the context (Linux: "dereference of modified ctx ptr") */
	static const char off[] = "*(u32 *)(r10 - 4) = 0\nr3 = r10\nr3 += -4\nlddw %r2, map_fd 1\n"
				  "r1 += 8\nr4 = 0\ncall 53\nr0 = 1\nexit\n";
	CHECK_EQ(verify_text("sock_ops", off, &sm, 1, msg, sizeof(msg)), 0);
	CHECK(strstr(msg, "context pointer") != NULL);
	/* privileged Linux lets every type call bpf_get_current_comm; a
	 * buffer outside the stack is refused as a stack bound */
	static const char comm[] = "r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = 0\nexit\n";
	CHECK_EQ(verify_text("socket_filter", comm, NULL, 0, msg, sizeof(msg)), 1);
	static const char comm_bad[] = "r1 = r10\nr1 += -1\nr2 = 20\ncall 16\nr0 = 0\nexit\n";
	CHECK_EQ(verify_text("socket_filter", comm_bad, NULL, 0, msg, sizeof(msg)), 0);
	CHECK(strstr(msg, "outside the stack") != NULL);
	/* fib_lookup reads its parameters: uninitialized ones are refused */
	static const char fib[] = "r2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\ncall 69\nr0 = 0\nexit\n";
	CHECK_EQ(verify_text("sched_cls", fib, NULL, 0, msg, sizeof(msg)), 0);
	CHECK(strstr(msg, "uninitialized") != NULL);
}

/* ---- LD_ABS after a helper moved the packet ---------------------------------- */

/* A socket_filter-like run through the VM: r1 = a __sk_buff image. */
static int ldabs_run(const char *text, enum anybpf_exec_mode mode, uint64_t *ret)
{
	uint8_t uapi[192] = { 0 }, buf[256];
	char lb[512];
	struct anybpf_log log = { .buf = lb, .size = sizeof(lb) };
	struct anybpf_helper_env env = { .sz = sizeof(env), .prog_type = "socket_filter" };
	struct anybpf_helper_run hr;
	memset(buf, 0, sizeof(buf));
	for (int i = 0; i < 40; i++)
		buf[64 + i] = (uint8_t)(0x10 + i);
	struct anybpf_helper_pkt pkt = { .data = buf + 64, .data_end = buf + 104, .buf = buf,
					 .buf_end = buf + sizeof(buf) };
	uint32_t len = 40;
	memcpy(uapi, &len, 4);
	anybpf_vm *vm = anybpf_vm_new(NULL);
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	int err = -1;
	if (!vm || anybpf_helpers_register_linux(vm, &env) ||
	    anybpf_assemble(text, strlen(text), &insns, &n, &log) || anybpf_vm_load(vm, insns, n, &log))
		goto out;
	anybpf_helper_run_init(&hr, &env);
	hr.pkt = &pkt;
	hr.ctx = P(uapi);
	struct anybpf_region reg[2] = { { uapi, sizeof(uapi), ANYBPF_REGION_RW, "ctx" },
					{ buf + 64, 40, ANYBPF_REGION_RW, "packet" } };
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = mode, .args = { P(uapi) },
				       .regions = reg, .nregions = 2, .user = &hr,
				       .pkt = buf + 64, .pkt_len = 40 };
	struct anybpf_exec_result res = { 0, 0 };
	err = anybpf_vm_exec(vm, &eo, &res, &log);
	*ret = res.retval;
	if (err)
		fprintf(stderr, "    %s\n", lb);
out:
	anybpf_free(insns);
	anybpf_vm_free(vm);
	return err;
}

TEST(helper_ldabs_sees_moved_packet)
{
	/* skb_change_head(ctx, 4, 0): LD_ABS 4 is the old byte 0 (0x10);
	 * skb_change_tail(ctx, 100, 0): LD_ABS 96 is inside the packet now (a
	 * zero byte), so the program goes on to return 7 */
	static const char head[] = "r6 = r1\nr2 = 4\nr3 = 0\ncall 43\nr0 = *(u8 *)skb[4]\nexit\n";
	static const char tail[] = "r6 = r1\nr2 = 100\nr3 = 0\ncall 38\nr0 = *(u8 *)skb[96]\nr0 += 7\nexit\n";
	static const enum anybpf_exec_mode modes[] = { ANYBPF_EXEC_FAST, ANYBPF_EXEC_CHECKED,
						       ANYBPF_EXEC_JIT };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		uint64_t r = 0;
		if (modes[i] == ANYBPF_EXEC_JIT && !anybpf_jit_available())
			continue;
		CHECK_EQ(ldabs_run(head, modes[i], &r), 0);
		CHECK_EQ(r, 0x10);
		CHECK_EQ(ldabs_run(tail, modes[i], &r), 0);
		CHECK_EQ(r, 7);
	}
}

/* ---- anybpf_runtime_opts.helper_env ----------------------------------------- */

TEST(helper_env_fake_from)
{
	static const uint64_t path[] = { 1, 55, 77 };
	struct anybpf_helper_env user = { .sz = sizeof(user), .prog_type = "user", .cgroup_classid = 9,
					  .route_realm = 3, .cgroup_path = path, .ncgroup_path = 3 };
	user.task.pid = 42;
	anybpf_rtmap *maps[1] = { NULL };
	struct anybpf_helper_env env = { .sz = sizeof(env), .prog_type = "sched_cls", .maps = maps,
					 .nmaps = 1 };
	anybpf_helper_env_fake_from(&env, &user);
	CHECK(!strcmp(env.prog_type, "sched_cls"));
	CHECK(env.maps == maps && env.nmaps == 1);
	CHECK_EQ(env.cgroup_classid, 9);
	CHECK_EQ(env.route_realm, 3);
	CHECK_EQ(env.task.pid, 42);
	CHECK(env.cgroup_path == path && env.ncgroup_path == 3);
	/* an older caller's shorter struct: the fields past it stay */
	struct anybpf_helper_env e2 = { .sz = sizeof(e2), .route_realm = 5 };
	user.sz = offsetof(struct anybpf_helper_env, route_realm);
	anybpf_helper_env_fake_from(&e2, &user);
	CHECK_EQ(e2.cgroup_classid, 9);
	CHECK_EQ(e2.route_realm, 5);
	anybpf_helper_env_fake_from(&e2, NULL); /* nothing */
	CHECK_EQ(e2.route_realm, 5);
}

/* every helper of linux_sock.c with random arguments, in checking mode:
 * no crash, the run ends normally or with a checking-mode stop, the
 * message stays inside its buffer and its elements add up to its size */
TEST(helper_sock_random_args)
{
	static const int ids[] = {
#define ID(name) LH_ID_##name,
		LH_SOCK_HELPERS(ID)
#undef ID
	};
	static const char *vals[] = { "0", "1", "2", "3", "5", "9", "10", "11", "16", "40", "64",
				      "-1", "0xffffffff", "r7", "r10" };
	const size_t nv = sizeof(vals) / sizeof(vals[0]);
	uint64_t seed = 7;
	unsigned runs = 0, bad = 0;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		for (int it = 0; it < 60; it++) {
			char t[512];
			size_t k = (size_t)snprintf(t, sizeof(t), "r7 = r2\n*(u64 *)(r10 - 8) = 0\n");
			for (int a = 2; a <= 4; a++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				const char *v = vals[(seed >> 33) % nv];
				if (v[0] == 'r')
					k += (size_t)snprintf(t + k, sizeof(t) - k, "r%d = %s\n", a, v);
				else
					k += (size_t)snprintf(t + k, sizeof(t) - k, "r%d = %s ll\n", a, v);
				if (!strcmp(v, "r10"))
					k += (size_t)snprintf(t + k, sizeof(t) - k, "r%d += -8\n", a);
			}
			/* two calls: the second sees what the first changed */
			snprintf(t + k, sizeof(t) - k, "r6 = r1\ncall %d\nr1 = r6\nr2 = 1\nr3 = 3\nr4 = 0\ncall %d\nexit\n",
				 ids[i], ids[(i + 1) % (sizeof(ids) / sizeof(ids[0]))]);
			struct ms x;
			if (ms_load(&x, "sk_msg", t)) {
				bad++;
				ms_free(&x);
				continue;
			}
			ms_msg(&x, 10);
			uint64_t r;
			int err = ms_run_mode(&x, ANYBPF_EXEC_CHECKED, &r);
			if (err && err != -ANYBPF_E_OOB)
				bad++;
			if (x.pkt.data < x.buf || x.pkt.data_end > x.buf + sizeof(x.buf) ||
			    x.pkt.data > x.pkt.data_end)
				bad++;
			if (x.hr.msg_init) {
				uint32_t sum = 0;
				for (unsigned e = 0; e < x.hr.msg_nelem; e++)
					sum += x.hr.msg_elem[e];
				if (sum != md_size(&x) || x.hr.msg_start < x.buf ||
				    x.hr.msg_start + sum > x.buf + sizeof(x.buf) || x.hr.msg_nelem > 17)
					bad++;
			}
			runs++;
			ms_free(&x);
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(runs >= 600);
}

TEST(helper_fib_lookup_params_written)
{
	/* fib_lookup's params are read (MEM_R in helpers.def) and written: in
	 * checking mode, read-only memory (here the 80-byte ctx region) stops
	 * the run at the call instead of being written */
	static const char prog[] = "r2 = r1\nr3 = 64\nr4 = 0\ncall 69\nexit\n";
	struct ms x;
	CHECK_EQ(ms_load(&x, "sched_cls", prog), 0);
	ms_msg(&x, 10);
	x.md[0] = 2; /* AF_INET: the helper would write the result */
	uint64_t r = 0;
	fprintf(stderr, "    (a checking-mode stop is expected below)\n");
	CHECK_EQ(ms_run_mode(&x, ANYBPF_EXEC_CHECKED, &r), -ANYBPF_E_OOB);
	CHECK(strstr(x.logbuf, "helper write") != NULL);
	ms_free(&x);
}
