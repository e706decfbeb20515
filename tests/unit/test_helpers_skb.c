/* test_helpers_skb.c - the helpers of src/helpers/linux_skb.c and
 * linux_misc.c, each called by an assembled program through the VM with
 * the Linux helpers registered (checking and fast mode): return values,
 * errno cases, packet bytes and pointers, the __sk_buff fields that follow
 * (len, protocol, vlan_*), what the run records. */
#include <arpa/inet.h>
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

/* A tc-like run: r1 = a struct __sk_buff image (hr.ctx), r2 = mem (a
 * scratch buffer the program passes to helpers), the packet in buf. */
struct sk {
	anybpf_vm *vm;
	struct anybpf_helper_env env;
	struct anybpf_helper_run hr;
	struct anybpf_helper_pkt pkt;
	uint8_t uapi[192];
	uint8_t buf[512];
	uint8_t mem[512];
	char logbuf[512];
	struct anybpf_log log;
};

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Eth + IPv4 (10.0.0.1 -> 10.0.0.2) + UDP, 60 bytes; ethertype et. */
static size_t frame4(uint8_t *f, uint16_t et)
{
	memset(f, 0, 60);
	for (int i = 0; i < 6; i++) {
		f[i] = (uint8_t)(0xa0 + i);
		f[6 + i] = (uint8_t)(0xb0 + i);
	}
	f[12] = (uint8_t)(et >> 8);
	f[13] = (uint8_t)et;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 46;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[15] = 1;
	ip[16] = 10, ip[19] = 2;
	ip[20] = 0x12, ip[21] = 0x34, ip[22] = 0x00, ip[23] = 0x35;
	for (int i = 28; i < 46; i++)
		ip[i] = (uint8_t)i;
	return 60;
}

/* Build "r6 = r1; r7 = r2; rN = ...; call id; exit".  An argument is a
 * number, "ctx" (r1 at entry), "mem" or "mem+N" (the scratch buffer), or
 * NULL (r1: ctx; others: left alone). */
static void gen(char *out, size_t n, int id, const char *a1, const char *a2, const char *a3,
		const char *a4, const char *a5)
{
	const char *a[5] = { a1 ? a1 : "ctx", a2, a3, a4, a5 };
	size_t k = (size_t)snprintf(out, n, "r6 = r1\nr7 = r2\n");
	for (int i = 0; i < 5; i++) {
		if (!a[i])
			continue;
		if (!strcmp(a[i], "ctx"))
			k += (size_t)snprintf(out + k, n - k, "r%d = r6\n", i + 1);
		else if (!strncmp(a[i], "mem", 3))
			k += (size_t)snprintf(out + k, n - k, "r%d = r7\nr%d += %d\n", i + 1, i + 1,
					      a[i][3] == '+' ? atoi(a[i] + 4) : 0);
		else
			k += (size_t)snprintf(out + k, n - k, "r%d = %s ll\n", i + 1, a[i]);
	}
	snprintf(out + k, n - k, "call %d\nexit\n", id);
}

static int sk_load(struct sk *x, const char *text)
{
	memset(x, 0, sizeof(*x));
	x->env.sz = sizeof(x->env);
	x->log = (struct anybpf_log){ .buf = x->logbuf, .size = sizeof(x->logbuf) };
	return unit_linux_vm(&x->vm, NULL, &x->env, text, &x->log);
}

static int sk_call(struct sk *x, int id, const char *a1, const char *a2, const char *a3,
		   const char *a4, const char *a5)
{
	char text[1024];
	gen(text, sizeof(text), id, a1, a2, a3, a4, a5);
	return sk_load(x, text);
}

/* the packet: frame at headroom 64, tc-style (data at the MAC header) */
static void sk_packet(struct sk *x, const uint8_t *f, size_t len)
{
	memset(x->buf, 0, sizeof(x->buf));
	memcpy(x->buf + 64, f, len);
	x->pkt = (struct anybpf_helper_pkt){ .data = x->buf + 64, .data_end = x->buf + 64 + len,
					     .buf = x->buf, .buf_end = x->buf + sizeof(x->buf),
					     .mac_len = 14 };
	memcpy(&x->pkt.protocol, f + 12, 2);
	memset(x->uapi, 0, sizeof(x->uapi));
	uint32_t l = (uint32_t)len;
	memcpy(x->uapi, &l, 4);
	memcpy(x->uapi + 16, f + 12, 2);
}

/* One run in mode; the helper run is fresh (hr records what it did). */
static int sk_run_mode(struct sk *x, enum anybpf_exec_mode mode, uint64_t *ret)
{
	anybpf_helper_run_init(&x->hr, &x->env);
	x->hr.pkt = &x->pkt;
	x->hr.ctx = P(x->uapi);
	struct anybpf_region reg[3] = {
		{ x->uapi, sizeof(x->uapi), ANYBPF_REGION_RW, "ctx" },
		{ x->buf, sizeof(x->buf), ANYBPF_REGION_RW, "packet" },
		{ x->mem, sizeof(x->mem), ANYBPF_REGION_RW, "mem" },
	};
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = mode,
				       .args = { P(x->uapi), P(x->mem) },
				       .regions = reg, .nregions = 3, .user = &x->hr };
	struct anybpf_exec_result res = { 0, 0 };
	x->logbuf[0] = 0;
	x->log.len = 0;
	int err = anybpf_vm_exec(x->vm, &eo, &res, &x->log);
	*ret = res.retval;
	if (err)
		fprintf(stderr, "    run: %s\n", x->logbuf);
	return err;
}

static uint64_t sk_run(struct sk *x)
{
	uint64_t r = 0xdeadbeef;
	if (sk_run_mode(x, ANYBPF_EXEC_CHECKED, &r))
		return 0xdeadbeef;
	return r;
}

static void sk_free(struct sk *x)
{
	anybpf_vm_free(x->vm);
	x->vm = NULL;
}

static size_t sk_len(const struct sk *x)
{
	return (size_t)(x->pkt.data_end - x->pkt.data);
}

/* One checked run of "call id" (args as sk_call's) on the packet f of len
 * bytes, in a VM of its own: the result (0xdeadbeef if it did not load or
 * run; the load is checked). */
static uint64_t sk_once(int id, const char *a1, const char *a2, const char *a3, const char *a4,
			const char *a5, const uint8_t *f, size_t len)
{
	struct sk x;
	uint64_t r = 0xdeadbeef;
	if (CHECK(sk_call(&x, id, a1, a2, a3, a4, a5) == 0)) {
		sk_packet(&x, f, len);
		r = sk_run(&x);
	}
	sk_free(&x);
	return r;
}

/* ---- VLAN ----------------------------------------------------------------- */

TEST(helper_skb_vlan_push_pop)
{
	struct sk x;
	uint8_t f[64];
	size_t n = frame4(f, 0x0800);
	/* push 802.1Q tci 5: the hw-accel tag, the bytes unchanged */
	CHECK_EQ(sk_call(&x, LH_ID_skb_vlan_push, NULL, "0x0081", "5", NULL, NULL), 0);
	sk_packet(&x, f, n);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(sk_len(&x), 60);
	CHECK(!memcmp(x.pkt.data, f, 60));
	CHECK_EQ(u32_at(x.uapi + 20), 1);         /* vlan_present */
	CHECK_EQ(u32_at(x.uapi + 24), 5);         /* vlan_tci */
	CHECK_EQ(u32_at(x.uapi + 28), 0x0081);    /* vlan_proto, network order */
	/* a second push: tag 5 goes into the bytes, the new one (an unknown
	 * proto: 802.1Q) is the hw tag; len follows */
	sk_free(&x);
	struct sk y;
	CHECK_EQ(sk_call(&y, LH_ID_skb_vlan_push, NULL, "0x1234", "7", NULL, NULL), 0);
	y.pkt = x.pkt;
	memcpy(y.buf, x.buf, sizeof(y.buf));
	y.pkt.data = y.buf + (x.pkt.data - x.buf);
	y.pkt.data_end = y.pkt.data + 60;
	y.pkt.buf = y.buf;
	y.pkt.buf_end = y.buf + sizeof(y.buf);
	memcpy(y.uapi, x.uapi, sizeof(y.uapi));
	CHECK_EQ(sk_run(&y), 0);
	CHECK_EQ(sk_len(&y), 64);
	CHECK(y.pkt.data == y.buf + 60);
	CHECK(!memcmp(y.pkt.data, f, 12));
	CHECK(y.pkt.data[12] == 0x81 && y.pkt.data[13] == 0x00 && y.pkt.data[15] == 5);
	CHECK(y.pkt.data[16] == 0x08 && y.pkt.data[17] == 0x00 && y.pkt.data[18] == 0x45);
	CHECK_EQ(u32_at(y.uapi), 64);             /* __sk_buff.len */
	CHECK_EQ(u32_at(y.uapi + 24), 7);
	CHECK_EQ(y.pkt.protocol, htons(0x8100));
	struct anybpf_helper_pkt pushed = y.pkt;
	uint8_t pushed_buf[512];
	memcpy(pushed_buf, y.buf, sizeof(pushed_buf));
	sk_free(&y);

	/* pop: the hw tag goes, then tag 5 moves from the bytes to the hw tag */
	CHECK_EQ(sk_call(&x, LH_ID_skb_vlan_pop, NULL, NULL, NULL, NULL, NULL), 0);
	memcpy(x.buf, pushed_buf, sizeof(x.buf));
	x.pkt = pushed;
	x.pkt.data = x.buf + 60;
	x.pkt.data_end = x.buf + 124;
	x.pkt.buf = x.buf;
	x.pkt.buf_end = x.buf + sizeof(x.buf);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(sk_len(&x), 60);
	CHECK(!memcmp(x.pkt.data, f, 60));
	CHECK_EQ(x.pkt.vlan_present, 1);
	CHECK_EQ(x.pkt.vlan_tci, 5);
	CHECK_EQ(x.pkt.protocol, htons(0x0800));
	CHECK_EQ(u32_at(x.uapi), 60);
	/* pop again: the hw tag; then nothing left (0, unchanged) */
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(x.pkt.vlan_present, 0);
	CHECK_EQ(u32_at(x.uapi + 20), 0);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(sk_len(&x), 60);
	/* a frame tagged in its bytes (as data_in): pop removes the tag */
	uint8_t t[64];
	memcpy(t, f, 12);
	t[12] = 0x81, t[13] = 0, t[14] = 0, t[15] = 9, t[16] = 0x08, t[17] = 0;
	memcpy(t + 18, f + 14, 42);
	sk_packet(&x, t, 60);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(sk_len(&x), 56);
	CHECK(!memcmp(x.pkt.data, f, 56));
	CHECK_EQ(x.pkt.vlan_present, 0);
	CHECK_EQ(u32_at(x.uapi), 56);
	CHECK_EQ(u32_at(x.uapi + 16), 0x0008);    /* __sk_buff.protocol */
	/* too short to hold the tag it claims */
	sk_packet(&x, t, 16);
	CHECK_EQ(sk_run(&x), NEG(ENOMEM));
	sk_free(&x);
}

/* ---- change_proto / change_type / adjust_room ------------------------------ */

TEST(helper_skb_change_proto)
{
	struct sk x;
	uint8_t f[64];
	size_t n = frame4(f, 0x0800);
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_proto, NULL, "0xdd86", "0", NULL, NULL), 0);
	sk_packet(&x, f, n);
	x.pkt.hash = 77;
	uint64_t r = 0;
	CHECK_EQ(sk_run_mode(&x, ANYBPF_EXEC_FAST, &r), 0);
	CHECK_EQ(r, 0);
	/* 20 zero bytes after the MAC header; the MAC header moved, the
	 * ethertype is the program's to write */
	CHECK_EQ(sk_len(&x), 80);
	CHECK(x.pkt.data == x.buf + 44);
	CHECK(!memcmp(x.pkt.data, f, 14));
	static const uint8_t z[20];
	CHECK(!memcmp(x.pkt.data + 14, z, 20));
	CHECK(!memcmp(x.pkt.data + 34, f + 14, 46));
	CHECK_EQ(x.pkt.protocol, htons(0x86dd));
	CHECK_EQ(x.pkt.hash, 0);
	CHECK_EQ(u32_at(x.uapi), 80);
	CHECK_EQ(u32_at(x.uapi + 16), 0xdd86);
	sk_free(&x);
	/* back: 6 -> 4 removes the 20 bytes again */
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_proto, NULL, "0x0008", "0", NULL, NULL), 0);
	uint8_t g[80];
	memcpy(g, f, 14);
	memset(g + 14, 0, 20);
	memcpy(g + 34, f + 14, 46);
	g[12] = 0x86, g[13] = 0xdd;
	sk_packet(&x, g, 80);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(sk_len(&x), 60);
	CHECK(!memcmp(x.pkt.data + 14, f + 14, 46));
	CHECK_EQ(x.pkt.protocol, htons(0x0800));
	CHECK_EQ(u32_at(x.uapi), 60);
	/* IPv4 -> IPv4 and other protocols: -ENOTSUPP; flags: -EINVAL */
	CHECK_EQ(sk_run(&x), (uint64_t)-ANYBPF_ENOTSUPP);
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_proto, NULL, "0xdd86", "1", NULL, NULL), 0);
	sk_packet(&x, f, n);
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	CHECK_EQ(sk_len(&x), 60);
	/* no headroom for 20 more bytes: -ENOMEM */
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_proto, NULL, "0xdd86", "0", NULL, NULL), 0);
	sk_packet(&x, f, n);
	x.pkt.buf = x.pkt.data - 10;
	CHECK_EQ(sk_run(&x), NEG(ENOMEM));
	sk_free(&x);
}

TEST(helper_skb_change_type)
{
	struct sk x;
	uint8_t f[64];
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_type, NULL, "3", NULL, NULL, NULL), 0);
	sk_packet(&x, f, frame4(f, 0x0800));
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.uapi + 4), 3);          /* PACKET_OTHERHOST */
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_type, NULL, "4", NULL, NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), NEG(EINVAL));        /* PACKET_LOOPBACK: not allowed */
	CHECK_EQ(u32_at(x.uapi + 4), 0);
	sk_free(&x);
}

TEST(helper_skb_adjust_room)
{
	struct sk x;
	uint8_t f[64];
	size_t n = frame4(f, 0x0800);
	/* BPF_ADJ_ROOM_NET, +8: 8 zero bytes after the IPv4 header */
	CHECK_EQ(sk_call(&x, LH_ID_skb_adjust_room, NULL, "8", "0", "0", NULL), 0);
	sk_packet(&x, f, n);
	x.pkt.ip_summed = 1;
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(sk_len(&x), 68);
	CHECK(!memcmp(x.pkt.data, f, 34));
	static const uint8_t z[8];
	CHECK(!memcmp(x.pkt.data + 34, z, 8));
	CHECK(!memcmp(x.pkt.data + 42, f + 34, 26));
	CHECK_EQ(u32_at(x.uapi), 68);
	CHECK_EQ(x.pkt.ip_summed, 0);             /* checksum state reset */
	sk_free(&x);
	/* BPF_ADJ_ROOM_NET, -8 on that packet: back to the original */
	CHECK_EQ(sk_call(&x, LH_ID_skb_adjust_room, NULL, "-8", "0", "0", NULL), 0);
	uint8_t g[68];
	memcpy(g, f, 34);
	memset(g + 34, 0, 8);
	memcpy(g + 42, f + 34, 26);
	sk_packet(&x, g, 68);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(sk_len(&x), 60);
	CHECK(!memcmp(x.pkt.data, f, 60));
	sk_free(&x);
	/* encap IPv4 in IPv6 at the MAC header: protocol switches to IPv6;
	 * a second encap is -EALREADY */
	CHECK_EQ(sk_call(&x, LH_ID_skb_adjust_room, NULL, "40", "1", "4", NULL), 0);
	sk_packet(&x, f, n);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(sk_len(&x), 100);
	CHECK_EQ(x.pkt.protocol, htons(0x86dd));
	CHECK_EQ(x.pkt.encapsulation, 1);
	CHECK_EQ(u32_at(x.uapi + 16), 0xdd86);
	sk_packet(&x, f, n);
	x.pkt.encapsulation = 1;
	CHECK_EQ(sk_run(&x), NEG(EALREADY));
	CHECK_EQ(sk_len(&x), 60);
	sk_free(&x);
	/* errors: mode 2, |diff| > 0xfff, unknown flag, shrink below the
	 * IPv4 header, decap flag when growing, both L3 encaps */
	static const struct { const char *diff, *mode, *flags; uint64_t want; } bad[] = {
		{ "8", "2", "0", (uint64_t)-ANYBPF_ENOTSUPP },
		{ "4096", "0", "0", NEG(EFAULT) },
		{ "8", "0", "0x200", NEG(EINVAL) },
		{ "-40", "1", "0", (uint64_t)-ANYBPF_ENOTSUPP },
		{ "8", "1", "0x80", NEG(EINVAL) },
		{ "8", "1", "6", NEG(EINVAL) },
		{ "-8", "1", "2", NEG(EINVAL) },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(sk_call(&x, LH_ID_skb_adjust_room, NULL, bad[i].diff, bad[i].mode,
				 bad[i].flags, NULL), 0);
		sk_packet(&x, f, n);
		CHECK_EQ(sk_run(&x), bad[i].want);
		CHECK_EQ(sk_len(&x), 60);
		sk_free(&x);
	}
	/* not IP: -ENOTSUPP */
	CHECK_EQ(sk_once(LH_ID_skb_adjust_room, NULL, "8", "1", "0", NULL, f, frame4(f, 0x0806)),
		 (uint64_t)-ANYBPF_ENOTSUPP);
}

TEST(helper_skb_csum_level)
{
	struct sk x;
	uint8_t f[64];
	static const struct { const char *level; uint64_t want; uint8_t summed, lvl; } steps[] = {
		{ "0", NEG(EACCES), 0, 0 },   /* CHECKSUM_NONE */
		{ "1", 0, 1, 0 },             /* INC: UNNECESSARY, level 0 */
		{ "0", 0, 1, 0 },
		{ "1", 0, 1, 1 },
		{ "0", 1, 1, 1 },
		{ "2", 0, 1, 0 },             /* DEC */
		{ "2", 0, 0, 0 },
		{ "1", 0, 1, 0 },
		{ "3", 0, 0, 0 },             /* RESET */
		{ "4", NEG(EINVAL), 0, 0 },
	};
	frame4(f, 0x0800);
	struct anybpf_helper_pkt keep = { .ip_summed = 0 };
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		CHECK_EQ(sk_call(&x, LH_ID_csum_level, NULL, steps[i].level, NULL, NULL, NULL), 0);
		sk_packet(&x, f, 60);
		if (i) {
			x.pkt.ip_summed = keep.ip_summed;
			x.pkt.csum_level = keep.csum_level;
		}
		CHECK_EQ(sk_run(&x), steps[i].want);
		CHECK_EQ(x.pkt.ip_summed, steps[i].summed);
		CHECK_EQ(x.pkt.csum_level, steps[i].lvl);
		keep = x.pkt;
		sk_free(&x);
	}
}

TEST(helper_skb_set_tstamp)
{
	struct sk x;
	uint8_t f[64];
	CHECK_EQ(sk_call(&x, LH_ID_skb_set_tstamp, NULL, "123456789", "1", NULL, NULL), 0);
	sk_packet(&x, f, frame4(f, 0x0800));
	CHECK_EQ(sk_run(&x), 0);
	uint64_t ts;
	memcpy(&ts, x.uapi + 152, 8);
	CHECK_EQ(ts, 123456789);
	CHECK_EQ(x.uapi[180], 1);                 /* tstamp_type: MONOTONIC */
	sk_packet(&x, f, frame4(f, 0x0806));
	CHECK_EQ(sk_run(&x), NEG(EOPNOTSUPP));    /* not IP */
	sk_free(&x);
	/* TAI needs a time */
	CHECK_EQ(sk_once(LH_ID_skb_set_tstamp, NULL, "0", "2", NULL, NULL, f, frame4(f, 0x0800)),
		 NEG(EINVAL));
	CHECK_EQ(sk_once(LH_ID_skb_set_tstamp, NULL, "5", "3", NULL, NULL, f, 60), NEG(EINVAL));
	CHECK_EQ(sk_once(LH_ID_skb_set_tstamp, NULL, "0", "0", NULL, NULL, f, 60), 0); /* REALTIME 0: clears */
}

/* ---- redirects, classids, cgroups ------------------------------------------ */

TEST(helper_skb_clone_redirect)
{
	struct sk x;
	uint8_t f[64];
	CHECK_EQ(sk_call(&x, LH_ID_clone_redirect, NULL, "1", "1", NULL, NULL), 0);
	sk_packet(&x, f, frame4(f, 0x0800));
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(x.hr.nclones, 1);
	CHECK_EQ(x.hr.clone.kind, ANYBPF_REDIRECT_IFINDEX);
	CHECK_EQ(x.hr.clone.ifindex, 1);
	CHECK_EQ(x.hr.clone.flags, 1);
	CHECK_EQ(x.hr.redirect.kind, ANYBPF_REDIRECT_NONE);
	CHECK(!memcmp(x.pkt.data, f, 60));        /* the packet goes on */
	sk_free(&x);
	/* ifindex 7 exists only when the env says so; flags: -EINVAL */
	CHECK_EQ(sk_call(&x, LH_ID_clone_redirect, NULL, "7", "0", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	CHECK_EQ(x.hr.nclones, 0);
	static const uint32_t devs[] = { 7 };
	x.env.ifindexes = devs;
	x.env.nifindexes = 1;
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(x.hr.clone.ifindex, 7);
	sk_free(&x);
	CHECK_EQ(sk_once(LH_ID_clone_redirect, NULL, "1", "2", NULL, NULL, f, 60), NEG(EINVAL));
}

TEST(helper_skb_classid_realm)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	static const int ids[] = { LH_ID_get_cgroup_classid, LH_ID_skb_cgroup_classid,
				   LH_ID_get_route_realm };
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(sk_call(&x, ids[i], NULL, NULL, NULL, NULL, NULL), 0);
		sk_packet(&x, f, 60);
		CHECK_EQ(sk_run(&x), 0);          /* a test-run skb: none */
		x.env.cgroup_classid = 0x100001;
		x.env.route_realm = 42;
		CHECK_EQ(sk_run(&x), i < 2 ? 0x100001 : 42);
		sk_free(&x);
	}
}

TEST(helper_skb_cgroups)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	static const uint64_t path[] = { 1, 50, 77 };
	/* ancestors: level 0 the root, 2 the cgroup itself, 3 none */
	static const char *lv[] = { "0", "1", "2", "3", "-1" };
	static const uint64_t want[] = { 1, 50, 77, 0, 0 };
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(sk_call(&x, LH_ID_skb_ancestor_cgroup_id, NULL, lv[i], NULL, NULL, NULL), 0);
		sk_packet(&x, f, 60);
		x.env.cgroup_path = path;
		x.env.ncgroup_path = 3;
		CHECK_EQ(sk_run(&x), want[i]);
		sk_free(&x);
		CHECK_EQ(sk_call(&x, LH_ID_get_current_ancestor_cgroup_id, lv[i], NULL, NULL, NULL,
				 NULL), 0);
		sk_packet(&x, f, 60);
		x.env.cgroup_path = path;
		x.env.ncgroup_path = 3;
		CHECK_EQ(sk_run(&x), want[i]);
		sk_free(&x);
	}
	/* default: the root alone; cgroup_id alone puts it under the root */
	CHECK_EQ(sk_call(&x, LH_ID_get_current_ancestor_cgroup_id, "1", NULL, NULL, NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), 0);
	x.env.cgroup_id = 9;
	CHECK_EQ(sk_run(&x), 9);
	sk_free(&x);

	/* under_cgroup: slots of a cgroup_array hold env->cgroup_array ids */
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_CGROUP_ARRAY,
				       .key_size = 4, .value_size = 4, .max_entries = 4, .ncpus = 1 };
	anybpf_rtmap *ca = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &ca), 0);
	anybpf_rtmap *maps[] = { ca };
	static const uint64_t slots[] = { 50, 0, 99, 77 };
	char mp[32];
	snprintf(mp, sizeof(mp), "%llu", (unsigned long long)P(ca));
	static const char *idx[] = { "0", "1", "2", "3", "4" };
	static const uint64_t under[] = { 1, NEG(EAGAIN), 0, 1, NEG(E2BIG) };
	for (int i = 0; i < 10; i++) {
		/* skb_under_cgroup(skb, map, idx), then current_task_under_cgroup(map, idx) */
		if (i % 2 == 0)
			CHECK_EQ(sk_call(&x, LH_ID_skb_under_cgroup, NULL, mp, idx[i / 2], NULL, NULL), 0);
		else
			CHECK_EQ(sk_call(&x, LH_ID_current_task_under_cgroup, mp, idx[i / 2], NULL, NULL,
					 NULL), 0);
		sk_packet(&x, f, 60);
		x.env.maps = maps;
		x.env.nmaps = 1;
		x.env.cgroup_path = path;
		x.env.ncgroup_path = 3;
		x.env.cgroup_array = slots;
		x.env.ncgroup_array = 4;
		CHECK_EQ(sk_run(&x), under[i / 2]);
		sk_free(&x);
	}
	/* a map that is not a cgroup_array, or not the program's: -EINVAL */
	CHECK_EQ(sk_once(LH_ID_skb_under_cgroup, NULL, mp, "0", NULL, NULL, f, 60), NEG(EINVAL));
	anybpf_rtmap_free(ca);
}

/* ---- tunnels, xfrm ------------------------------------------------------------ */

TEST(helper_skb_tunnel_key)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	/* a test-run skb has no tunnel metadata: -EINVAL, key zeroed */
	CHECK_EQ(sk_call(&x, LH_ID_skb_get_tunnel_key, NULL, "mem", "44", "0", NULL), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0xee, sizeof(x.mem));
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	CHECK(x.mem[0] == 0 && x.mem[43] == 0 && x.mem[44] == 0xee);
	/* received IPv4 metadata */
	struct anybpf_tunnel_info t = { .id = 0x1122334455ull, .tos = 3, .ttl = 64,
					.flags = 0x0004 };
	t.src[0] = 192, t.src[1] = 168, t.src[3] = 1;
	t.dst[0] = 192, t.dst[1] = 168, t.dst[3] = 2;
	x.env.tunnel = &t;
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.mem), 0x22334455);      /* tunnel_id: a u32 */
	CHECK_EQ(u32_at(x.mem + 4), 0xc0a80001);  /* remote_ipv4, host order */
	CHECK_EQ(u32_at(x.mem + 28), 0xc0a80002);
	CHECK(x.mem[20] == 3 && x.mem[21] == 64);
	CHECK(x.mem[22] == 0 && x.mem[23] == 0);  /* no BPF_F_TUNINFO_FLAGS */
	sk_free(&x);
	/* BPF_F_TUNINFO_IPV6 on IPv4 metadata: -EPROTO; flags shown with 0x10 */
	CHECK_EQ(sk_call(&x, LH_ID_skb_get_tunnel_key, NULL, "mem", "44", "1", NULL), 0);
	sk_packet(&x, f, 60);
	x.env.tunnel = &t;
	CHECK_EQ(sk_run(&x), NEG(EPROTO));
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_skb_get_tunnel_key, NULL, "mem", "44", "16", NULL), 0);
	sk_packet(&x, f, 60);
	x.env.tunnel = &t;
	CHECK_EQ(sk_run(&x), 0);
	CHECK(x.mem[22] == 0 && x.mem[23] == 4);  /* be16 TUNNEL_KEY */
	sk_free(&x);
	/* old layout sizes work; others are -EINVAL */
	CHECK_EQ(sk_call(&x, LH_ID_skb_get_tunnel_key, NULL, "mem", "24", "0", NULL), 0);
	sk_packet(&x, f, 60);
	x.env.tunnel = &t;
	memset(x.mem, 0xee, sizeof(x.mem));
	CHECK_EQ(sk_run(&x), 0);
	CHECK(x.mem[23] == 0 && x.mem[24] == 0xee);
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_skb_get_tunnel_key, NULL, "mem", "40", "0", NULL), 0);
	sk_packet(&x, f, 60);
	x.env.tunnel = &t;
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	sk_free(&x);

	/* set, then get in one program: the TX metadata (remote is its dst,
	 * read back as the source: Linux's swap), tunnel_id 5 */
	static const char setget[] =
		"r6 = r1\nr7 = r2\n"
		"r2 = r7\nr3 = 44\nr4 = 2\ncall 21\n"          /* BPF_F_ZERO_CSUM_TX */
		"if r0 != 0 goto +8\n"
		"r1 = r6\nr2 = r7\nr2 += 64\nr3 = 44\nr4 = 16\ncall 20\n"
		"if r0 != 0 goto +1\n"
		"r0 = *(u16 *)(r7 + 86)\n"                    /* tunnel_flags */
		"exit\n";
	CHECK_EQ(sk_load(&x, setget), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0, sizeof(x.mem));
	x.mem[0] = 5;
	x.mem[4] = 7, x.mem[28] = 8;              /* remote 7, local 8 (host order) */
	CHECK_EQ(sk_run(&x), htons(0x2004));      /* KEY | NOCACHE, no CSUM */
	CHECK_EQ(x.hr.tun_set, 1);
	CHECK_EQ(x.hr.tun.id, 5);
	CHECK_EQ(x.hr.tun.dst[3], 7);
	CHECK_EQ(u32_at(x.mem + 64), 5);
	CHECK_EQ(u32_at(x.mem + 64 + 4), 8);      /* remote = src = the local given */
	/* set: a label without IPv6, tunnel_ext, bad flags, bad size */
	sk_free(&x);
	static const struct { const char *size, *flags; int label, ext; } bad[] = {
		{ "44", "0", 1, 0 }, { "44", "0", 0, 1 }, { "44", "0x20", 0, 0 }, { "43", "0", 0, 0 },
	};
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(sk_call(&x, LH_ID_skb_set_tunnel_key, NULL, "mem", bad[i].size, bad[i].flags,
				 NULL), 0);
		sk_packet(&x, f, 60);
		memset(x.mem, 0, sizeof(x.mem));
		x.mem[24] = (uint8_t)bad[i].label;
		x.mem[22] = (uint8_t)bad[i].ext;
		CHECK_EQ(sk_run(&x), NEG(EINVAL));
		CHECK_EQ(x.hr.tun_set, 0);
		sk_free(&x);
	}
}

TEST(helper_skb_tunnel_opt)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	/* get without metadata / without options: -ENOENT, zeroed */
	CHECK_EQ(sk_call(&x, LH_ID_skb_get_tunnel_opt, NULL, "mem", "16", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0xee, sizeof(x.mem));
	CHECK_EQ(sk_run(&x), NEG(ENOENT));
	CHECK(x.mem[0] == 0 && x.mem[15] == 0 && x.mem[16] == 0xee);
	struct anybpf_tunnel_info t = { .flags = 0x0800, .opts_len = 8 };
	memcpy(t.opts, "GENEVEop", 8);
	x.env.tunnel = &t;
	CHECK_EQ(sk_run(&x), 8);
	CHECK(!memcmp(x.mem, "GENEVEop", 8) && x.mem[8] == 0 && x.mem[15] == 0);
	t.opts_len = 20;
	CHECK_EQ(sk_run(&x), NEG(ENOMEM));        /* 16 bytes cannot hold 20 */
	sk_free(&x);
	/* set needs set_tunnel_key first (-EINVAL), then works; the options
	 * read back */
	CHECK_EQ(sk_once(LH_ID_skb_set_tunnel_opt, NULL, "mem", "8", NULL, NULL, f, 60), NEG(EINVAL));
	static const char prog[] =
		"r6 = r1\nr7 = r2\n"
		"r2 = r7\nr2 += 64\nr3 = 44\nr4 = 0\ncall 21\n"
		"r1 = r6\nr2 = r7\nr3 = 8\ncall 30\n"
		"if r0 != 0 goto +5\n"
		"r1 = r6\nr2 = r7\nr2 += 16\nr3 = 12\ncall 29\n"   /* get_tunnel_opt */
		"exit\n";
	CHECK_EQ(sk_load(&x, prog), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0, sizeof(x.mem));
	memcpy(x.mem, "abcdefgh", 8);
	CHECK_EQ(sk_run(&x), 8);
	CHECK(!memcmp(x.mem + 16, "abcdefgh", 8) && x.mem[24] == 0);
	sk_free(&x);
	/* sizes: not a multiple of 4 -EINVAL, > 255 -ENOMEM */
	static const char big[] =
		"r6 = r1\nr7 = r2\n"
		"r2 = r7\nr2 += 64\nr3 = 44\nr4 = 0\ncall 21\n"
		"r1 = r6\nr2 = r7\nr3 = 6\ncall 30\n"
		"r8 = r0\n"
		"r1 = r6\nr2 = r7\nr3 = 256\ncall 30\n"
		"r0 <<= 32\nr8 <<= 32\nr8 >>= 32\nr0 |= r8\n"
		"exit\n";
	CHECK_EQ(sk_load(&x, big), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), (uint64_t)(uint32_t)-ENOMEM << 32 | (uint32_t)-EINVAL);
	sk_free(&x);
}

TEST(helper_skb_xfrm_state)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	CHECK_EQ(sk_call(&x, LH_ID_skb_get_xfrm_state, NULL, "0", "mem", "28", "0"), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0xee, sizeof(x.mem));
	CHECK_EQ(sk_run(&x), NEG(EINVAL));        /* no sec path */
	CHECK(x.mem[0] == 0 && x.mem[27] == 0 && x.mem[28] == 0xee);
	struct anybpf_xfrm_state st = { .reqid = 3, .spi = htonl(0x1000), .family = 2,
					.daddr = { 10, 1, 2, 3 } };
	x.env.xfrm = &st;
	x.env.nxfrm = 1;
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.mem), 3);
	CHECK_EQ(u32_at(x.mem + 4), htonl(0x1000));
	CHECK(x.mem[8] == 2 && x.mem[12] == 10 && x.mem[15] == 3 && x.mem[16] == 0);
	sk_free(&x);
	/* index past the path, flags, size: -EINVAL */
	static const char *args[][3] = { { "1", "28", "0" }, { "0", "28", "1" }, { "0", "24", "0" } };
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(sk_call(&x, LH_ID_skb_get_xfrm_state, NULL, args[i][0], "mem", args[i][1],
				 args[i][2]), 0);
		sk_packet(&x, f, 60);
		x.env.xfrm = &st;
		x.env.nxfrm = 1;
		CHECK_EQ(sk_run(&x), NEG(EINVAL));
		sk_free(&x);
	}
}

/* ---- fib_lookup ----------------------------------------------------------------- */

static void fib_params(uint8_t *m, uint8_t family, uint32_t ifindex, uint16_t tot_len,
		       const uint8_t *dst, unsigned alen)
{
	memset(m, 0, 64);
	m[0] = family;
	memcpy(m + 6, &tot_len, 2);
	memcpy(m + 8, &ifindex, 4);
	memcpy(m + 32, dst, alen);
}

TEST(helper_skb_fib_lookup)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	static const uint8_t d1[4] = { 10, 0, 0, 2 }, d2[4] = { 10, 9, 9, 9 };
	struct anybpf_fib_route routes[3] = {
		{ .family = 2, .prefix_len = 8, .prefix = { 10 }, .ifindex = 1, .mtu = 1500,
		  .metric = 100, .gateway = { 10, 0, 0, 254 }, .smac = { 1, 2, 3, 4, 5, 6 },
		  .dmac = { 6, 5, 4, 3, 2, 1 } },
		{ .family = 2, .prefix_len = 24, .prefix = { 10, 0, 0 }, .ifindex = 1, .mtu = 9000,
		  .metric = 5, .smac = { 1 }, .dmac = { 2 } },
		{ .family = 2, .prefix_len = 16, .prefix = { 10, 9 }, .ret = 1 },
	};
	CHECK_EQ(sk_call(&x, LH_ID_fib_lookup, NULL, "mem", "64", "0", NULL), 0);
	sk_packet(&x, f, 60);
	/* no routes: NOT_FWDED */
	fib_params(x.mem, 2, 1, 0, d1, 4);
	CHECK_EQ(sk_run(&x), 4);
	x.env.fib = routes;
	x.env.nfib = 3;
	/* the /24 wins: directly connected, ifindex, metric, MACs, mtu_result */
	fib_params(x.mem, 2, 1, 0, d1, 4);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.mem + 12), 5);
	CHECK(x.mem[32] == 10 && x.mem[35] == 2);
	CHECK(x.mem[52] == 1 && x.mem[58] == 2);
	CHECK_EQ(x.mem[6] | x.mem[7] << 8, 9000);
	/* the /8: the gateway becomes ipv4_dst */
	static const uint8_t d3[4] = { 10, 7, 0, 1 };
	fib_params(x.mem, 2, 1, 0, d3, 4);
	CHECK_EQ(sk_run(&x), 0);
	CHECK(x.mem[32] == 10 && x.mem[35] == 254);
	CHECK_EQ(u32_at(x.mem + 12), 100);
	/* tot_len past the MTU: FRAG_NEEDED with the MTU */
	fib_params(x.mem, 2, 1, 1600, d3, 4);
	CHECK_EQ(sk_run(&x), 8);
	CHECK_EQ(x.mem[6] | x.mem[7] << 8, 1500);
	/* a blackhole route, forwarding off, no neighbour, no device */
	fib_params(x.mem, 2, 1, 0, d2, 4);
	CHECK_EQ(sk_run(&x), 1);
	routes[0].no_neigh = 1;
	fib_params(x.mem, 2, 1, 0, d3, 4);
	CHECK_EQ(sk_run(&x), 7);
	x.env.fib_no_forwarding = 1;
	fib_params(x.mem, 2, 1, 0, d1, 4);
	CHECK_EQ(sk_run(&x), 5);
	fib_params(x.mem, 2, 3, 0, d1, 4);
	CHECK_EQ(sk_run(&x), NEG(ENODEV));
	fib_params(x.mem, 7, 1, 0, d1, 4);
	CHECK_EQ(sk_run(&x), NEG(EAFNOSUPPORT));
	sk_free(&x);
	/* plen < 64, unknown flags: -EINVAL */
	CHECK_EQ(sk_call(&x, LH_ID_fib_lookup, NULL, "mem", "60", "0", NULL), 0);
	sk_packet(&x, f, 60);
	fib_params(x.mem, 2, 1, 0, d1, 4);
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_fib_lookup, NULL, "mem", "64", "0x40", NULL), 0);
	sk_packet(&x, f, 60);
	fib_params(x.mem, 2, 1, 0, d1, 4);
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	sk_free(&x);
	/* IPv6, BPF_FIB_LOOKUP_SRC without a source: NO_SRC_ADDR */
	struct anybpf_fib_route r6 = { .family = 10, .prefix_len = 16, .prefix = { 0x20, 0x01 },
				       .ifindex = 1 };
	static const uint8_t d6[16] = { 0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	CHECK_EQ(sk_call(&x, LH_ID_fib_lookup, NULL, "mem", "64", "16", NULL), 0);
	sk_packet(&x, f, 60);
	x.env.fib = &r6;
	x.env.nfib = 1;
	fib_params(x.mem, 10, 1, 0, d6, 16);
	CHECK_EQ(sk_run(&x), 9);
	r6.src[0] = 0xfe;
	fib_params(x.mem, 10, 1, 0, d6, 16);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(x.mem[16], 0xfe);
	sk_free(&x);
}

/* ---- perf counters, branches ------------------------------------------------- */

TEST(helper_misc_perf_event_read)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY,
				       .key_size = 4, .value_size = 4, .max_entries = 2, .ncpus = 1 };
	anybpf_rtmap *pa = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &pa), 0);
	anybpf_rtmap *maps[] = { pa };
	static const struct anybpf_perf_value ctr[] = { { 1000, 20, 10 }, { 5, 6, 7 } };
	char mp[32];
	snprintf(mp, sizeof(mp), "%llu", (unsigned long long)P(pa));
	static const struct { const char *flags; uint64_t want; } rd[] = {
		{ "0", 1000 }, { "1", 5 }, { "0xffffffff", 1000 } /* the run's cpu 0 */,
		{ "2", NEG(E2BIG) }, { "0x100000000", NEG(EINVAL) },
	};
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(sk_call(&x, LH_ID_perf_event_read, mp, rd[i].flags, NULL, NULL, NULL), 0);
		sk_packet(&x, f, 60);
		x.env.maps = maps;
		x.env.nmaps = 1;
		x.env.perf_counters = ctr;
		x.env.nperf_counters = 2;
		CHECK_EQ(sk_run(&x), rd[i].want);
		x.env.nperf_counters = 1;
		if (i == 1)
			CHECK_EQ(sk_run(&x), NEG(ENOENT));   /* no event in slot 1 */
		sk_free(&x);
	}
	/* read_value: all three; size != 24 -EINVAL with buf zeroed */
	CHECK_EQ(sk_call(&x, LH_ID_perf_event_read_value, mp, "1", "mem", "24", NULL), 0);
	sk_packet(&x, f, 60);
	x.env.maps = maps;
	x.env.nmaps = 1;
	x.env.perf_counters = ctr;
	x.env.nperf_counters = 2;
	CHECK_EQ(sk_run(&x), 0);
	uint64_t v[3];
	memcpy(v, x.mem, 24);
	CHECK(v[0] == 5 && v[1] == 6 && v[2] == 7);
	x.env.nperf_counters = 0;
	CHECK_EQ(sk_run(&x), NEG(ENOENT));
	memcpy(v, x.mem, 24);
	CHECK(v[0] == 0 && v[2] == 0);
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_perf_event_read_value, mp, "0", "mem", "16", NULL), 0);
	sk_packet(&x, f, 60);
	x.env.maps = maps;
	x.env.nmaps = 1;
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	sk_free(&x);
	/* perf_prog_read_value: the program's own event */
	CHECK_EQ(sk_call(&x, LH_ID_perf_prog_read_value, NULL, "mem", "24", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	x.env.perf_prog_value = (struct anybpf_perf_value){ 11, 22, 33 };
	CHECK_EQ(sk_run(&x), 0);
	memcpy(v, x.mem, 24);
	CHECK(v[0] == 11 && v[1] == 22 && v[2] == 33);
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_perf_prog_read_value, NULL, "mem", "8", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0xee, 8);
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	CHECK_EQ(x.mem[0], 0);
	sk_free(&x);
	anybpf_rtmap_free(pa);
}

TEST(helper_misc_branch_snapshot)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	CHECK_EQ(sk_call(&x, LH_ID_get_branch_snapshot, "mem", "72", "0", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), NEG(ENOENT));        /* no LBR */
	static const uint64_t br[4][3] = { { 1, 2, 0 }, { 3, 4, 0 }, { 5, 6, 0 }, { 7, 8, 0 } };
	x.env.branches = br;
	x.env.nbranches = 4;
	CHECK_EQ(sk_run(&x), 72);                 /* 3 entries fit */
	uint64_t e[9];
	memcpy(e, x.mem, sizeof(e));
	CHECK(e[0] == 1 && e[7] == 6);
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_get_branch_snapshot, "mem", "48", "1", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	x.env.branches = br;
	x.env.nbranches = 4;
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	sk_free(&x);
}

/* ---- signals, override, cookie, cb flags -------------------------------------- */

TEST(helper_misc_signals)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	static const int ids[] = { LH_ID_send_signal, LH_ID_send_signal_thread };
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(sk_call(&x, ids[i], "10", NULL, NULL, NULL, NULL), 0);
		sk_packet(&x, f, 60);
		x.env.task.pid = x.env.task.tgid = 1234;
		CHECK_EQ(sk_run(&x), 0);
		CHECK_EQ(x.hr.signal, 10);
		CHECK_EQ(x.hr.nsignals, 1);
		CHECK_EQ(x.hr.signal_thread, i);
		x.env.task.tgid = 1;                  /* init: never */
		CHECK_EQ(sk_run(&x), NEG(EPERM));
		CHECK_EQ(x.hr.nsignals, 0);
		sk_free(&x);
		CHECK_EQ(sk_once(ids[i], "65", NULL, NULL, NULL, NULL, f, 60), NEG(EINVAL));
		CHECK_EQ(sk_call(&x, ids[i], "0", NULL, NULL, NULL, NULL), 0);
		sk_packet(&x, f, 60);
		CHECK_EQ(sk_run(&x), 0);
		CHECK_EQ(x.hr.nsignals, 0);           /* sig 0 sends nothing */
		sk_free(&x);
	}
}

TEST(helper_misc_override_cookie_cbflags)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	CHECK_EQ(sk_call(&x, LH_ID_override_return, NULL, "-12", NULL, NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(x.hr.override_set, 1);
	CHECK_EQ(x.hr.override_rc, NEG(12));
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_get_attach_cookie, NULL, NULL, NULL, NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), 0);
	x.env.attach_cookie = 0xc00c1e;
	CHECK_EQ(sk_run(&x), 0xc00c1e);
	sk_free(&x);
	/* known flags set, unknown bits returned */
	CHECK_EQ(sk_call(&x, LH_ID_sock_ops_cb_flags_set, NULL, "0x185", NULL, NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), 0x180);
	CHECK_EQ(x.hr.sock_ops_cb_flags, 0x05);
	sk_free(&x);
}

/* ---- sockets ---------------------------------------------------------------- */

TEST(helper_misc_sockopt)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	/* SO_MARK = 0x77 then read back in one program; SO_SNDBUF doubles */
	static const char prog[] =
		"r6 = r1\nr7 = r2\n"
		"r1 = 0x77\n*(u32 *)(r7 + 0) = r1\n"
		"r1 = r6\nr2 = 1\nr3 = 36\nr4 = r7\nr5 = 4\ncall 49\n"
		"if r0 != 0 goto +15\n"
		"r1 = r6\nr2 = 1\nr3 = 36\nr4 = r7\nr4 += 8\nr5 = 4\ncall 57\n"
		"if r0 != 0 goto +7\n"
		"r1 = r6\nr2 = 6\nr3 = 13\nr4 = r7\nr4 += 16\nr5 = 8\ncall 57\n"
		"exit\n";
	CHECK_EQ(sk_load(&x, prog), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0xee, sizeof(x.mem));
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.mem + 8), 0x77);
	CHECK(!memcmp(x.mem + 16, "cubic\0\0\0", 8));
	CHECK_EQ(x.hr.nsockopts, 1);
	sk_free(&x);
	static const struct { const char *level, *name, *len; int set; uint64_t want; } c[] = {
		{ "1", "7", "4", 1, 0 },              /* SO_SNDBUF */
		{ "1", "99", "4", 1, NEG(EINVAL) },   /* unknown */
		{ "1", "36", "8", 1, NEG(EINVAL) },   /* not an int */
		{ "0", "1", "4", 1, 0 },              /* IP_TOS on AF_INET */
		{ "41", "67", "4", 1, NEG(EINVAL) },  /* IPV6_TCLASS on AF_INET */
		{ "6", "1001", "4", 1, 0 },           /* TCP_BPF_IW */
		{ "6", "1001", "4", 0, NEG(EINVAL) }, /* ... cannot be read */
		{ "1", "25", "4", 0, NEG(EINVAL) },   /* SO_BINDTODEVICE: no get */
		{ "9", "1", "4", 1, NEG(EINVAL) },    /* level */
		{ "6", "4", "4", 0, 0 },              /* TCP_KEEPIDLE default */
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CHECK_EQ(sk_call(&x, c[i].set ? LH_ID_setsockopt : LH_ID_getsockopt, NULL, c[i].level,
				 c[i].name, "mem", c[i].len), 0);
		sk_packet(&x, f, 60);
		memset(x.mem, 0, sizeof(x.mem));
		x.mem[0] = 100;
		CHECK_EQ(sk_run(&x), c[i].want);
		if (i == 0)
			CHECK_EQ(x.hr.sockopts[0].val[0] | x.hr.sockopts[0].val[1] << 8, 4608);
		if (i == 9)
			CHECK_EQ(u32_at(x.mem), 7200);
		sk_free(&x);
	}
	/* TCP_CONGESTION: reno ok, an unknown one -ENOENT, on UDP -EINVAL */
	CHECK_EQ(sk_call(&x, LH_ID_setsockopt, NULL, "6", "13", "mem", "5"), 0);
	sk_packet(&x, f, 60);
	memcpy(x.mem, "reno", 5);
	CHECK_EQ(sk_run(&x), 0);
	memcpy(x.mem, "bbrx", 5);
	CHECK_EQ(sk_run(&x), NEG(ENOENT));
	memcpy(x.mem, "reno", 5);
	x.env.sk_protocol = 17;
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	sk_free(&x);
	/* SO_BINDTODEVICE: lo exists, eth9 does not */
	CHECK_EQ(sk_call(&x, LH_ID_setsockopt, NULL, "1", "25", "mem", "5"), 0);
	sk_packet(&x, f, 60);
	memcpy(x.mem, "lo\0\0", 5);
	CHECK_EQ(sk_run(&x), 0);
	memcpy(x.mem, "eth9", 5);
	CHECK_EQ(sk_run(&x), NEG(ENODEV));
	sk_free(&x);
}

TEST(helper_misc_bind)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	CHECK_EQ(sk_call(&x, LH_ID_bind, NULL, "mem", "16", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0, sizeof(x.mem));
	x.mem[0] = 2;                             /* AF_INET, port 0, 127.0.0.1 */
	x.mem[4] = 127, x.mem[7] = 1;
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(x.hr.bind_len, 16);
	CHECK_EQ(x.hr.bind_addr[4], 127);
	x.mem[0] = 10;                            /* AF_INET6 needs 24 bytes */
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	x.mem[0] = 1;                             /* AF_UNIX */
	CHECK_EQ(sk_run(&x), NEG(EAFNOSUPPORT));
	sk_free(&x);
	/* bound to a port: a second bind is -EINVAL */
	static const char twice[] =
		"r6 = r1\nr7 = r2\n"
		"r2 = r7\nr3 = 16\ncall 64\n"
		"r1 = r6\nr2 = r7\nr3 = 16\ncall 64\n"
		"exit\n";
	CHECK_EQ(sk_load(&x, twice), 0);
	sk_packet(&x, f, 60);
	memset(x.mem, 0, sizeof(x.mem));
	x.mem[0] = 2, x.mem[3] = 80;
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	CHECK_EQ(x.hr.bind_addr[3], 80);
	sk_free(&x);
	CHECK_EQ(sk_once(LH_ID_bind, NULL, "mem", "1", NULL, NULL, f, 60), NEG(EINVAL));
}

TEST(helper_misc_get_local_storage)
{
	/* cgroup_storage maps cannot be created yet: the helper stops the run
	 * with a clear error instead of handing out NULL (the verifier says
	 * it never is) */
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	anybpf_rtmap *h = NULL;
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_HASH,
				       .key_size = 16, .value_size = 8, .max_entries = 2, .ncpus = 1 };
	CHECK_EQ(anybpf_rtmap_new(&o, &h), 0);
	anybpf_rtmap *maps[] = { h };
	char mp[32];
	snprintf(mp, sizeof(mp), "%llu", (unsigned long long)P(h));
	CHECK_EQ(sk_call(&x, LH_ID_get_local_storage, mp, "0", NULL, NULL, NULL), 0);
	sk_packet(&x, f, 60);
	x.env.maps = maps;
	x.env.nmaps = 1;
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(x.hr.err, -ANYBPF_E_NOT_SUPPORTED);
	sk_free(&x);
	anybpf_rtmap_free(h);
}

/* ---- __sk_buff.len after the older length-changing helpers --------------------- */

TEST(helper_skb_len_follows)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_tail, NULL, "100", "0", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.uapi), 100);
	sk_free(&x);
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_head, NULL, "14", "0", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.uapi), 74);
	sk_free(&x);
	/* a sock_ops context is no __sk_buff: len is not written there */
	CHECK_EQ(sk_call(&x, LH_ID_skb_change_tail, NULL, "100", "0", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	x.env.prog_type = "sock_ops";
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.uapi), 60);
	x.env.prog_type = "sched_cls";
	CHECK_EQ(sk_run(&x), 0);
	CHECK_EQ(u32_at(x.uapi), 100);
	sk_free(&x);
	/* an XDP run has no __sk_buff: nothing is written there */
	CHECK_EQ(sk_call(&x, LH_ID_skb_vlan_push, NULL, "0x0081", "5", NULL, NULL), 0);
	sk_packet(&x, f, 60);
	x.env.prog_type = "xdp";
	CHECK_EQ(sk_run(&x), NEG(EINVAL));
	CHECK_EQ(u32_at(x.uapi + 20), 0);
	sk_free(&x);
}

/* ---- bpf_tail_call's failures: the program goes on, r0 a negative errno ---- */

static int no_prog(void *user, anybpf_run *run, uint32_t id, uint64_t ctx, uint64_t *retval)
{
	(void)user, (void)run, (void)id, (void)ctx, (void)retval;
	return 1;
}

TEST(helper_tail_call_errno)
{
	struct sk x;
	uint8_t f[64];
	frame4(f, 0x0800);
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_PROG_ARRAY,
				       .key_size = 4, .value_size = 4, .max_entries = 2, .ncpus = 1 };
	anybpf_rtmap *pa = NULL, *arr = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &pa), 0);
	o.type = ANYBPF_MAP_TYPE_ARRAY;
	CHECK_EQ(anybpf_rtmap_new(&o, &arr), 0);
	uint32_t k1 = 1, id = 5;
	CHECK_EQ(anybpf_rtmap_update(pa, &k1, &id, 0), 0);
	anybpf_rtmap *maps[] = { pa, arr };
	char mp[32], ma[32];
	snprintf(mp, sizeof(mp), "%llu", (unsigned long long)P(pa));
	snprintf(ma, sizeof(ma), "%llu", (unsigned long long)P(arr));
	static const struct { int arr; const char *idx; uint64_t want; unsigned after; } c[] = {
		{ 0, "0", NEG(ENOENT), 1 },        /* empty slot: counted */
		{ 0, "1", NEG(ENOENT), 1 },        /* the hook has no such program */
		{ 0, "2", NEG(E2BIG), 0 },         /* out of range: not counted */
		{ 1, "0", NEG(EINVAL), 0 },        /* not a prog_array */
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CHECK_EQ(sk_call(&x, LH_ID_tail_call, NULL, c[i].arr ? ma : mp, c[i].idx, NULL, NULL), 0);
		sk_packet(&x, f, 60);
		x.env.maps = maps;
		x.env.nmaps = 2;
		x.env.tail_call = no_prog;
		uint64_t r = 0;
		CHECK_EQ(sk_run_mode(&x, ANYBPF_EXEC_CHECKED, &r), 0);
		CHECK_EQ(r, c[i].want);
		CHECK_EQ(x.hr.tail_calls, c[i].after);
		sk_free(&x);
	}
	/* 34 failing tail calls in a loop: 33 are counted, the 34th is past
	 * the limit */
	static const char loop[] =
		"r6 = r1\nr7 = r2\nr8 = 0\n"
		"r1 = r6\nr2 = r7\nr3 = 0\ncall 12\n"
		"r8 += 1\nif r8 < 34 goto -6\n"
		"exit\n";
	CHECK_EQ(sk_load(&x, loop), 0);
	sk_packet(&x, f, 60);
	x.env.maps = maps;
	x.env.nmaps = 2;
	anybpf_helper_run_init(&x.hr, &x.env);
	x.hr.ctx = P(x.uapi);
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_FAST,
				       .args = { P(x.uapi), P(pa) }, .user = &x.hr };
	struct anybpf_exec_result res = { 0, 0 };
	CHECK_EQ(anybpf_vm_exec(x.vm, &eo, &res, &x.log), 0);
	CHECK_EQ(res.retval, NEG(ELOOP));
	CHECK_EQ(x.hr.tail_calls, ANYBPF_MAX_TAIL_CALLS);
	sk_free(&x);
	anybpf_rtmap_free(pa);
	anybpf_rtmap_free(arr);
}

/* ---- every new helper with random arguments, in checking mode: a helper
 * touches only the memory its arguments give it (the VM checked that
 * much before the call), never crashes, and the run ends normally or
 * with a checking-mode error ---- */

TEST(helper_skb_misc_random_args)
{
	static const int ids[] = {
#define ID(name) LH_ID_##name,
		LH_SKB_HELPERS(ID) LH_MISC_HELPERS(ID)
#undef ID
	};
	static const char *vals[] = { "0", "1", "2", "4", "8", "16", "24", "28", "44", "64", "255",
				      "256", "-1", "-8", "0xffffffff", "0x8100", "0xdd86", "0x0008",
				      "mem", "mem+60", "mem+500", "ctx" };
	const size_t nv = sizeof(vals) / sizeof(vals[0]);
	uint64_t seed = 99;
	unsigned runs = 0, bad = 0;
	uint8_t f[64];
	frame4(f, 0x0800);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		for (int it = 0; it < 40; it++) {
			const char *a[5];
			for (int k = 0; k < 5; k++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				a[k] = vals[(seed >> 33) % nv];
			}
			struct sk x;
			if (sk_call(&x, ids[i], a[0], a[1], a[2], a[3], a[4])) {
				bad++;
				sk_free(&x);
				continue;
			}
			sk_packet(&x, f, 60);
			anybpf_helper_run_init(&x.hr, &x.env);
			x.hr.pkt = &x.pkt;
			x.hr.ctx = P(x.uapi);
			struct anybpf_region reg[3] = {
				{ x.uapi, sizeof(x.uapi), ANYBPF_REGION_RW, "ctx" },
				{ x.buf, sizeof(x.buf), ANYBPF_REGION_RW, "packet" },
				{ x.mem, sizeof(x.mem), ANYBPF_REGION_RW, "mem" },
			};
			struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED,
						       .args = { P(x.uapi), P(x.mem) },
						       .regions = reg, .nregions = 3, .user = &x.hr };
			struct anybpf_exec_result res = { 0, 0 };
			int err = anybpf_vm_exec(x.vm, &eo, &res, NULL);
			/* ok, or a checking-mode stop on a bad pointer / size */
			if (err && err != -ANYBPF_E_OOB)
				bad++;
			/* the packet stays inside its buffer */
			if (x.pkt.data < x.buf || x.pkt.data_end > x.buf + sizeof(x.buf) ||
			    x.pkt.data > x.pkt.data_end)
				bad++;
			runs++;
			sk_free(&x);
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(runs > 1000);
}
