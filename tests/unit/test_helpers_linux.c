/* test_helpers_linux.c - the Linux helpers (src/helpers/linux_*.c): each
 * called directly with a fake run, and a few through programs in the VM
 * (both modes). */
#include <errno.h>
#include <string.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "unit.h"
#include "unit_run.h"
#include "vm/vm_internal.h"

/* A run that is not executing a program: regions the helpers may use,
 * a helper run with its env. */
struct fake {
	struct anybpf_run run;
	struct anybpf_helper_run hr;
	struct anybpf_helper_env env;
	struct anybpf_region regs[4];
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->env.sz = sizeof(f->env);
	anybpf_helper_run_init(&f->hr, &f->env);
	f->run.user = &f->hr;
	f->run.regions = f->regs;
}

static void fake_region(struct fake *f, void *base, size_t len, unsigned flags)
{
	f->regs[f->run.nregions++] = (struct anybpf_region){ base, len, flags, "test" };
}

#define P(x) ((uint64_t)(uintptr_t)(x))
#define CALL(f, name, a, b, c, d, e) \
	anybpf_helper_linux_fn(LH_ID_##name)((a), (b), (c), (d), (e), &(f)->run)
#define NEG(e) ((uint64_t)(int64_t)-(e))

static anybpf_rtmap *mkmap(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = type, .key_size = ks,
				       .value_size = vs, .max_entries = max, .ncpus = 2 };
	anybpf_rtmap *m = NULL;
	if (anybpf_rtmap_new(&o, &m))
		return NULL;
	return m;
}

TEST(helper_linux_registry)
{
	anybpf_vm *vm = anybpf_vm_new(NULL);
	CHECK_EQ(anybpf_helpers_register_linux(vm, NULL), 0);
	CHECK(anybpf_helper_linux_implemented(LH_ID_map_lookup_elem));
	CHECK(anybpf_helper_linux_implemented(LH_ID_xdp_adjust_head));
	CHECK(anybpf_helper_linux_implemented(LH_ID_loop)); /* linux_callbacks.c */
	CHECK(!anybpf_helper_linux_implemented(0));
	CHECK(anybpf_helper_linux_fn(9999) == NULL);
	CHECK_EQ(anybpf_helpers_register_linux(NULL, NULL), -ANYBPF_E_INVAL);
	anybpf_vm_free(vm);
}

TEST(helper_linux_map_elem)
{
	struct fake f;
	fake_init(&f);
	anybpf_rtmap *h = mkmap(ANYBPF_MAP_TYPE_HASH, 4, 8, 2);
	anybpf_rtmap *a = mkmap(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 4);
	anybpf_rtmap *pc = mkmap(ANYBPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1);
	anybpf_rtmap *other = mkmap(ANYBPF_MAP_TYPE_HASH, 4, 8, 2);
	anybpf_rtmap *maps[] = { h, a, pc };
	f.env.maps = maps;
	f.env.nmaps = 3;
	uint32_t k = 1, k2 = 2, k3 = 3;
	uint64_t v = 10, out;
	CHECK_EQ(CALL(&f, map_lookup_elem, P(h), P(&k), 0, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_update_elem, P(h), P(&k), P(&v), ANYBPF_EXIST, 0), NEG(ENOENT));
	CHECK_EQ(CALL(&f, map_update_elem, P(h), P(&k), P(&v), ANYBPF_NOEXIST, 0), 0);
	CHECK_EQ(CALL(&f, map_update_elem, P(h), P(&k), P(&v), ANYBPF_NOEXIST, 0), NEG(EEXIST));
	CHECK_EQ(CALL(&f, map_update_elem, P(h), P(&k2), P(&v), ANYBPF_ANY, 0), 0);
	CHECK_EQ(CALL(&f, map_update_elem, P(h), P(&k3), P(&v), ANYBPF_ANY, 0), NEG(E2BIG));
	CHECK_EQ(CALL(&f, map_update_elem, P(h), P(&k), P(&v), 7, 0), NEG(EINVAL));
	uint64_t *pv = (uint64_t *)(uintptr_t)CALL(&f, map_lookup_elem, P(h), P(&k), 0, 0, 0);
	CHECK(pv && *pv == 10);
	CHECK_EQ(CALL(&f, map_delete_elem, P(h), P(&k), 0, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_delete_elem, P(h), P(&k), 0, 0, 0), NEG(ENOENT));
	/* arrays: every index exists, none can be deleted */
	pv = (uint64_t *)(uintptr_t)CALL(&f, map_lookup_elem, P(a), P(&k3), 0, 0, 0);
	CHECK(pv && *pv == 0);
	uint32_t k9 = 9;
	CHECK_EQ(CALL(&f, map_lookup_elem, P(a), P(&k9), 0, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_delete_elem, P(a), P(&k3), 0, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, map_update_elem, P(a), P(&k9), P(&v), 0, 0), NEG(E2BIG));
	/* per-CPU: the run's cpu picks the slot */
	uint32_t k0 = 0;
	f.hr.cpu = 1;
	v = 5;
	CHECK_EQ(CALL(&f, map_update_elem, P(pc), P(&k0), P(&v), 0, 0), 0);
	f.hr.cpu = 0;
	pv = (uint64_t *)(uintptr_t)CALL(&f, map_lookup_elem, P(pc), P(&k0), 0, 0, 0);
	CHECK(pv && *pv == 0);
	f.hr.cpu = 1;
	pv = (uint64_t *)(uintptr_t)CALL(&f, map_lookup_elem, P(pc), P(&k0), 0, 0, 0);
	CHECK(pv && *pv == 5);
	uint64_t all[2];
	CHECK_EQ(anybpf_rtmap_lookup(pc, &k0, all), 0);
	CHECK_EQ(all[0], 0);
	CHECK_EQ(all[1], 5);
	/* a map the program was not given is refused */
	CHECK_EQ(CALL(&f, map_lookup_elem, P(other), P(&k0), 0, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_update_elem, P(other), P(&k0), P(&v), 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, map_delete_elem, P(other), P(&k0), 0, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, map_lookup_elem, 0, P(&k0), 0, 0, 0), 0);
	(void)out;
	anybpf_rtmap_free(h);
	anybpf_rtmap_free(a);
	anybpf_rtmap_free(pc);
	anybpf_rtmap_free(other);
}

TEST(helper_linux_map_of_maps)
{
	struct fake f;
	fake_init(&f);
	anybpf_rtmap *in = mkmap(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 2);
	struct anybpf_rtmap_opts o = { .sz = sizeof(o), .type = ANYBPF_MAP_TYPE_ARRAY_OF_MAPS,
				       .key_size = 4, .value_size = 4, .max_entries = 2,
				       .inner_map = in, .ncpus = 2 };
	anybpf_rtmap *outer = NULL;
	CHECK_EQ(anybpf_rtmap_new(&o, &outer), 0);
	uint32_t k = 0, id = anybpf_rtmap_id(in);
	CHECK_EQ(anybpf_rtmap_update(outer, &k, &id, 0), 0);
	anybpf_rtmap *maps[] = { outer };
	f.env.maps = maps;
	f.env.nmaps = 1;
	uint32_t k1 = 1;
	uint64_t v = 33;
	/* the inner map is not a map argument until a lookup hands it out */
	CHECK_EQ(CALL(&f, map_update_elem, P(in), P(&k1), P(&v), 0, 0), NEG(EINVAL));
	uint64_t im = CALL(&f, map_lookup_elem, P(outer), P(&k), 0, 0, 0);
	CHECK_EQ(im, P(in));
	CHECK_EQ(CALL(&f, map_update_elem, im, P(&k1), P(&v), 0, 0), 0);
	uint64_t got = 0;
	CHECK_EQ(anybpf_rtmap_lookup(in, &k1, &got), 0);
	CHECK_EQ(got, 33);
	anybpf_rtmap_free(outer);
	anybpf_rtmap_free(in);
}

TEST(helper_linux_push_pop_peek)
{
	struct fake f;
	fake_init(&f);
	anybpf_rtmap *q = mkmap(ANYBPF_MAP_TYPE_QUEUE, 0, 8, 2);
	anybpf_rtmap *s = mkmap(ANYBPF_MAP_TYPE_STACK, 0, 8, 2);
	anybpf_rtmap *maps[] = { q, s };
	f.env.maps = maps;
	f.env.nmaps = 2;
	uint64_t v1 = 1, v2 = 2, v3 = 3, out = 99;
	CHECK_EQ(CALL(&f, map_pop_elem, P(q), P(&out), 0, 0, 0), NEG(ENOENT));
	CHECK_EQ(CALL(&f, map_peek_elem, P(q), P(&out), 0, 0, 0), NEG(ENOENT));
	CHECK_EQ(CALL(&f, map_push_elem, P(q), P(&v1), 0, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_push_elem, P(q), P(&v2), 0, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_push_elem, P(q), P(&v3), 0, 0, 0), NEG(E2BIG));
	/* BPF_EXIST: a full queue drops its oldest */
	CHECK_EQ(CALL(&f, map_push_elem, P(q), P(&v3), ANYBPF_EXIST, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_peek_elem, P(q), P(&out), 0, 0, 0), 0);
	CHECK_EQ(out, 2);
	CHECK_EQ(CALL(&f, map_pop_elem, P(q), P(&out), 0, 0, 0), 0);
	CHECK_EQ(out, 2);
	CHECK_EQ(CALL(&f, map_pop_elem, P(q), P(&out), 0, 0, 0), 0);
	CHECK_EQ(out, 3);
	/* a stack pops the newest */
	CHECK_EQ(CALL(&f, map_push_elem, P(s), P(&v1), 0, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_push_elem, P(s), P(&v2), 0, 0, 0), 0);
	CHECK_EQ(CALL(&f, map_pop_elem, P(s), P(&out), 0, 0, 0), 0);
	CHECK_EQ(out, 2);
	CHECK_EQ(CALL(&f, map_push_elem, P(s), P(&v1), 9, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, map_pop_elem, 0, P(&out), 0, 0, 0), NEG(EINVAL));
	anybpf_rtmap_free(q);
	anybpf_rtmap_free(s);
}

static uint64_t fixed_clock(void *user, enum anybpf_clock which)
{
	(void)user;
	return 1000000000ull * 10 + (uint64_t)which;
}

TEST(helper_linux_time)
{
	struct fake f;
	fake_init(&f);
	/* host clocks: monotonic never goes back, boot >= monotonic */
	uint64_t t1 = CALL(&f, ktime_get_ns, 0, 0, 0, 0, 0);
	uint64_t t2 = CALL(&f, ktime_get_ns, 0, 0, 0, 0, 0);
	CHECK(t1 > 0 && t2 >= t1);
	CHECK(CALL(&f, ktime_get_boot_ns, 0, 0, 0, 0, 0) >= t1);
	CHECK(CALL(&f, ktime_get_coarse_ns, 0, 0, 0, 0, 0) > 0);
	CHECK(CALL(&f, jiffies64, 0, 0, 0, 0, 0) > 0);
	/* the override */
	f.env.clock = fixed_clock;
	CHECK_EQ(CALL(&f, ktime_get_ns, 0, 0, 0, 0, 0), 10000000000ull + ANYBPF_CLOCK_MONOTONIC);
	CHECK_EQ(CALL(&f, ktime_get_boot_ns, 0, 0, 0, 0, 0), 10000000000ull + ANYBPF_CLOCK_BOOTTIME);
	CHECK_EQ(CALL(&f, ktime_get_coarse_ns, 0, 0, 0, 0, 0), 10000000000ull + ANYBPF_CLOCK_COARSE);
	CHECK_EQ(CALL(&f, ktime_get_tai_ns, 0, 0, 0, 0, 0), 10000000000ull + ANYBPF_CLOCK_TAI);
	CHECK_EQ(CALL(&f, jiffies64, 0, 0, 0, 0, 0), 10ull * ANYBPF_HZ);
}

TEST(helper_linux_cpu_random)
{
	struct fake f, g;
	fake_init(&f);
	fake_init(&g);
	f.hr.cpu = 3;
	f.env.numa_node = 1;
	CHECK_EQ(CALL(&f, get_smp_processor_id, 0, 0, 0, 0, 0), 3);
	CHECK_EQ(CALL(&f, get_numa_node_id, 0, 0, 0, 0, 0), 1);
	f.env.prandom_seed = g.env.prandom_seed = 42;
	anybpf_helper_run_init(&f.hr, &f.env);
	anybpf_helper_run_init(&g.hr, &g.env);
	uint64_t a = CALL(&f, get_prandom_u32, 0, 0, 0, 0, 0);
	uint64_t b = CALL(&f, get_prandom_u32, 0, 0, 0, 0, 0);
	CHECK(a <= UINT32_MAX && b <= UINT32_MAX);
	CHECK(a != b);
	CHECK_EQ(CALL(&g, get_prandom_u32, 0, 0, 0, 0, 0), a); /* same seed, same stream */
	/* 1000 draws are not all even, not all below 2^31 */
	unsigned odd = 0, high = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t r = CALL(&f, get_prandom_u32, 0, 0, 0, 0, 0);
		odd += r & 1;
		high += r >> 31;
	}
	CHECK(odd > 400 && odd < 600);
	CHECK(high > 400 && high < 600);
}

TEST(helper_linux_task)
{
	struct fake f;
	fake_init(&f);
	f.env.task = (struct anybpf_fake_task){ .pid = 101, .tgid = 100, .uid = 1000, .gid = 50,
						.comm = "anybpf-test-long" };
	CHECK_EQ(CALL(&f, get_current_pid_tgid, 0, 0, 0, 0, 0), (100ull << 32) | 101);
	CHECK_EQ(CALL(&f, get_current_uid_gid, 0, 0, 0, 0, 0), (50ull << 32) | 1000);
	char buf[20];
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(CALL(&f, get_current_comm, P(buf), sizeof(buf), 0, 0, 0), 0);
	CHECK(!strcmp(buf, "anybpf-test-lon")); /* TASK_COMM_LEN - 1 characters at most */
	CHECK_EQ(buf[19], 0);                    /* padded */
	char small[5];
	CHECK_EQ(CALL(&f, get_current_comm, P(small), sizeof(small), 0, 0, 0), 0);
	CHECK(!strcmp(small, "anyb"));
	CHECK(CALL(&f, get_current_task, 0, 0, 0, 0, 0) != 0);
	f.env.task.task = 0xffff888012345678ull;
	CHECK_EQ(CALL(&f, get_current_task, 0, 0, 0, 0, 0), 0xffff888012345678ull);
	f.env.func_ip = 0xffffffff81000000ull;
	CHECK_EQ(CALL(&f, get_func_ip, 0, 0, 0, 0, 0), 0xffffffff81000000ull);
	CHECK_EQ(CALL(&f, get_socket_cookie, 0, 0, 0, 0, 0), 1);
	f.env.socket_cookie = 4097;
	CHECK_EQ(CALL(&f, get_socket_cookie, 0, 0, 0, 0, 0), 4097);
}

struct sink {
	char text[2048];
	size_t len;
	int calls;
};

static void sink_fn(void *user, const char *msg, size_t len)
{
	struct sink *s = user;
	if (s->len + len < sizeof(s->text)) {
		memcpy(s->text + s->len, msg, len);
		s->len += len;
		s->text[s->len] = 0;
	}
	s->calls++;
}

static int fmt(char *out, size_t size, const char *f, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t args[3] = { a, b, c };
	return anybpf_helper_format(out, size, f, strlen(f) + 1, args, 3, NULL, NULL);
}

TEST(helper_linux_format)
{
	char o[256];
	CHECK_EQ(fmt(o, sizeof(o), "a %d b %u c %x", (uint64_t)-5, 0xffffffffull, 255), 22);
	CHECK(!strcmp(o, "a -5 b 4294967295 c ff"));
	CHECK_EQ(fmt(o, sizeof(o), "%ld %lld %lu", (uint64_t)-1, (uint64_t)-2, 1ull << 40), 19);
	CHECK(!strcmp(o, "-1 -2 1099511627776"));
	CHECK(fmt(o, sizeof(o), "%lx %llx %X", 0xabcdef0123ull, 0x10, 0xab) > 0);
	CHECK(!strcmp(o, "abcdef0123 10 AB"));
	fmt(o, sizeof(o), "%i", 7, 0, 0);
	CHECK(!strcmp(o, "7"));
	/* int conversions take the low 32 bits */
	fmt(o, sizeof(o), "%d %x", 0x100000005ull, 0x1ffffffffull, 0);
	CHECK(!strcmp(o, "5 ffffffff"));
	fmt(o, sizeof(o), "[%5d|%-4u|%08x]", 42, 7, 0xbeef);
	CHECK(!strcmp(o, "[   42|7   |0000beef]"));
	fmt(o, sizeof(o), "%s=%c %%", P("key"), 'v', 0);
	CHECK(!strcmp(o, "key=v %"));
	fmt(o, sizeof(o), "%p %px", 0x1234, 0xffff888000000000ull, 0);
	CHECK(!strcmp(o, "0000000000001234 ffff888000000000"));
	uint8_t ip4[4] = { 10, 0, 0, 1 };
	fmt(o, sizeof(o), "%pI4 %pi4", P(ip4), P(ip4), 0);
	CHECK(!strcmp(o, "10.0.0.1 010.000.000.001"));
	uint8_t ip6[16] = { 0xfe, 0x80, [15] = 1 };
	fmt(o, sizeof(o), "%pI6", P(ip6), 0, 0);
	CHECK(!strcmp(o, "fe80:0000:0000:0000:0000:0000:0000:0001"));
	/* what the kernel refuses */
	CHECK_EQ(fmt(o, sizeof(o), "%f", 1, 0, 0), -EINVAL);
	CHECK_EQ(fmt(o, sizeof(o), "%.2d", 1, 0, 0), -EINVAL);
	CHECK_EQ(fmt(o, sizeof(o), "%d %d %d %d", 1, 2, 3), -EINVAL); /* 4 specs, 3 args */
	CHECK_EQ(fmt(o, sizeof(o), "%n", 1, 0, 0), -EINVAL);
	CHECK_EQ(fmt(o, sizeof(o), "%sx", P("a"), 0, 0), -EINVAL);  /* %s followed by a letter */
	CHECK_EQ(fmt(o, sizeof(o), "%pZ", 1, 0, 0), -EINVAL);
	CHECK_EQ(fmt(o, sizeof(o), "\x01", 0, 0, 0), -EINVAL);      /* not printable */
	uint64_t args[1] = { 1 };
	CHECK_EQ(anybpf_helper_format(o, sizeof(o), "abc", 3, args, 1, NULL, NULL), -EINVAL); /* no NUL */
	/* truncation: the full length, a NUL-terminated cut */
	char small[4];
	CHECK_EQ(fmt(small, sizeof(small), "%d", 123456, 0, 0), 6);
	CHECK(!strcmp(small, "123"));
}

TEST(helper_linux_trace_printk)
{
	struct fake f;
	struct sink s = { .len = 0 };
	fake_init(&f);
	f.env.trace = sink_fn;
	f.env.trace_user = &s;
	char fmtbuf[] = "pkt %d from %s\n";
	char name[] = "eth0";
	fake_region(&f, fmtbuf, sizeof(fmtbuf), ANYBPF_REGION_R);
	fake_region(&f, name, sizeof(name), ANYBPF_REGION_R);
	CHECK_EQ(CALL(&f, trace_printk, P(fmtbuf), sizeof(fmtbuf), 7, P(name), 0), 16);
	CHECK(!strcmp(s.text, "pkt 7 from eth0\n"));
	CHECK_EQ(s.calls, 1);
	/* a string the run may not read prints as empty */
	char hidden[] = "secret";
	CHECK_EQ(CALL(&f, trace_printk, P(fmtbuf), sizeof(fmtbuf), 8, P(hidden), 0), 12);
	CHECK(!strcmp(s.text + 16, "pkt 8 from \n"));
	/* bad formats: -EINVAL, nothing traced */
	char bad[] = "%d %d %d %d";
	CHECK_EQ(CALL(&f, trace_printk, P(bad), sizeof(bad), 1, 2, 3), NEG(EINVAL));
	CHECK_EQ(CALL(&f, trace_printk, P(fmtbuf), 4, 1, 2, 3), NEG(EINVAL)); /* no NUL in size */
	CHECK_EQ(s.calls, 2);
	/* trace_vprintk: up to 12 u64s */
	char vf[] = "%d-%d-%d-%d";
	uint64_t data[4] = { 1, 2, 3, 4 };
	fake_region(&f, data, sizeof(data), ANYBPF_REGION_R);
	CHECK_EQ(CALL(&f, trace_vprintk, P(vf), sizeof(vf), P(data), 32, 0), 7);
	CHECK(!strcmp(s.text + 28, "1-2-3-4"));
	CHECK_EQ(CALL(&f, trace_vprintk, P(vf), sizeof(vf), P(data), 12, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, trace_vprintk, P(vf), sizeof(vf), P(data), 24, 0), NEG(EINVAL));
}

TEST(helper_linux_snprintf)
{
	struct fake f;
	fake_init(&f);
	char out[8];
	char fm[] = "v=%d/%s";
	char str[] = "abc";
	uint64_t data[2] = { 12345, P(str) };
	fake_region(&f, fm, sizeof(fm), ANYBPF_REGION_R);
	fake_region(&f, str, sizeof(str), ANYBPF_REGION_R);
	fake_region(&f, data, sizeof(data), ANYBPF_REGION_R);
	/* "v=12345/abc" is 11 chars: 12 with the NUL; out holds a cut */
	CHECK_EQ(CALL(&f, snprintf, P(out), sizeof(out), P(fm), P(data), 16), 12);
	CHECK(!strcmp(out, "v=12345"));
	char big[32];
	CHECK_EQ(CALL(&f, snprintf, P(big), sizeof(big), P(fm), P(data), 16), 12);
	CHECK(!strcmp(big, "v=12345/abc"));
	CHECK_EQ(CALL(&f, snprintf, P(big), sizeof(big), P(fm), P(data), 8), NEG(EINVAL));
	CHECK_EQ(CALL(&f, snprintf, P(big), sizeof(big), P(fm), P(data), 7), NEG(EINVAL));
	CHECK_EQ(CALL(&f, snprintf, P(big), sizeof(big), P(fm), 0, 16), NEG(EINVAL));
}

TEST(helper_linux_probe_read)
{
	struct fake f;
	fake_init(&f);
	uint8_t src[16], dst[8];
	for (int i = 0; i < 16; i++)
		src[i] = (uint8_t)(i + 1);
	fake_region(&f, src, sizeof(src), ANYBPF_REGION_R);
	static const uint32_t ids[] = { LH_ID_probe_read, LH_ID_probe_read_kernel,
					LH_ID_probe_read_user };
	for (size_t k = 0; k < 3; k++) {
		anybpf_helper_fn fn = anybpf_helper_linux_fn(ids[k]);
		memset(dst, 0xee, sizeof(dst));
		CHECK_EQ(fn(P(dst), 8, P(src + 4), 0, 0, &f.run), 0);
		CHECK_EQ(dst[0], 5);
		CHECK_EQ(dst[7], 12);
		/* straddling the end of what the run allows: -EFAULT, zeroed */
		memset(dst, 0xee, sizeof(dst));
		CHECK_EQ(fn(P(dst), 8, P(src + 12), 0, 0, &f.run), NEG(EFAULT));
		CHECK(dst[0] == 0 && dst[7] == 0);
		memset(dst, 0xee, sizeof(dst));
		CHECK_EQ(fn(P(dst), 8, 0x1000, 0, 0, &f.run), NEG(EFAULT));
		CHECK(dst[0] == 0 && dst[7] == 0);
		CHECK_EQ(fn(P(dst), 8, 0, 0, 0, &f.run), NEG(EFAULT)); /* NULL */
		CHECK_EQ(fn(P(dst), 0, 0x1000, 0, 0, &f.run), 0);       /* size 0 */
	}
}

TEST(helper_linux_probe_read_str)
{
	struct fake f;
	fake_init(&f);
	char s[] = "hello";
	char unterminated[4] = { 'a', 'b', 'c', 'd' };
	fake_region(&f, s, sizeof(s), ANYBPF_REGION_R);
	fake_region(&f, unterminated, sizeof(unterminated), ANYBPF_REGION_R);
	static const uint32_t ids[] = { LH_ID_probe_read_str, LH_ID_probe_read_kernel_str,
					LH_ID_probe_read_user_str };
	for (size_t k = 0; k < 3; k++) {
		anybpf_helper_fn fn = anybpf_helper_linux_fn(ids[k]);
		char d[16];
		memset(d, 'x', sizeof(d));
		CHECK_EQ(fn(P(d), sizeof(d), P(s), 0, 0, &f.run), 6); /* with the NUL */
		CHECK(!strcmp(d, "hello"));
		CHECK_EQ(fn(P(d), 3, P(s), 0, 0, &f.run), 3);         /* cut: size */
		CHECK(!strcmp(d, "he"));
		CHECK_EQ(fn(P(d), 4, P(unterminated), 0, 0, &f.run), 4); /* 3 bytes + NUL */
		CHECK(!strcmp(d, "abc"));
		memset(d, 'x', sizeof(d));
		/* runs off the allowed bytes before a NUL: -EFAULT, zeroed */
		CHECK_EQ(fn(P(d), sizeof(d), P(unterminated), 0, 0, &f.run), NEG(EFAULT));
		CHECK(d[0] == 0 && d[15] == 0);
		CHECK_EQ(fn(P(d), sizeof(d), 0x10, 0, 0, &f.run), NEG(EFAULT));
		CHECK_EQ(fn(P(d), 0, P(s), 0, 0, &f.run), 0);
	}
}

TEST(helper_linux_strings)
{
	struct fake f;
	fake_init(&f);
	CHECK_EQ(CALL(&f, strncmp, P("abc"), 3, P("abd"), 0, 0), (uint64_t)-1);
	CHECK_EQ(CALL(&f, strncmp, P("abd"), 3, P("abc"), 0, 0), 1);
	CHECK_EQ(CALL(&f, strncmp, P("abc"), 2, P("abd"), 0, 0), 0);
	CHECK_EQ(CALL(&f, strncmp, P("ab"), 5, P("ab"), 0, 0), 0);
	CHECK_EQ(CALL(&f, strncmp, P("ab"), 5, P("abc"), 0, 0), (uint64_t)-1);

	int64_t r = 0;
	uint64_t u = 0;
#define STRTOL(s, fl) CALL(&f, strtol, P(s), strlen(s), (fl), P(&r), 0)
#define STRTOUL(s, fl) CALL(&f, strtoul, P(s), strlen(s), (fl), P(&u), 0)
	CHECK_EQ(STRTOL("  -123xyz", 0), 6);
	CHECK_EQ(r, -123);
	CHECK_EQ(STRTOL("0x1f", 0), 4);
	CHECK_EQ(r, 31);
	CHECK_EQ(STRTOL("017", 0), 3);
	CHECK_EQ(r, 15);
	CHECK_EQ(STRTOL("ff", 16), 2);
	CHECK_EQ(r, 255);
	CHECK_EQ(STRTOL("0x", 16), NEG(EINVAL));
	CHECK_EQ(STRTOL("9223372036854775807", 10), 19);
	CHECK_EQ(r, INT64_MAX);
	CHECK_EQ(STRTOL("9223372036854775808", 10), NEG(ERANGE));
	CHECK_EQ(STRTOL("-9223372036854775808", 10), 20);
	CHECK_EQ(r, INT64_MIN);
	CHECK_EQ(STRTOL("99999999999999999999", 10), NEG(ERANGE));
	CHECK_EQ(STRTOL("abc", 10), NEG(EINVAL));
	CHECK_EQ(STRTOL("12", 7), NEG(EINVAL));       /* base */
	CHECK_EQ(STRTOL("12", 0x20), NEG(EINVAL));    /* flags */
	CHECK_EQ(STRTOL("   ", 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, strtol, P("5"), 0, 0, P(&r), 0), NEG(EINVAL)); /* buf_len 0 */
	CHECK_EQ(CALL(&f, strtol, P("123"), 2, 10, P(&r), 0), 2); /* only buf_len bytes */
	CHECK_EQ(r, 12);
	CHECK_EQ(STRTOUL("18446744073709551615", 10), 20);
	CHECK_EQ(u, UINT64_MAX);
	CHECK_EQ(STRTOUL("-1", 10), NEG(EINVAL));
	CHECK_EQ(STRTOUL("\t42\n", 10), 3);
	CHECK_EQ(u, 42);
#undef STRTOL
#undef STRTOUL
}

static int rb_cb(void *ctx, void *data, size_t size)
{
	uint64_t *sum = ctx;
	uint64_t v = 0;
	memcpy(&v, data, size < 8 ? size : 8);
	*sum = *sum * 1000 + v;
	return 0;
}

TEST(helper_linux_ringbuf)
{
	struct fake f;
	fake_init(&f);
	anybpf_rtmap *rb = mkmap(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
	anybpf_rtmap *maps[] = { rb };
	f.env.maps = maps;
	f.env.nmaps = 1;
	CHECK(rb != NULL);
	uint64_t v = 7;
	CHECK_EQ(CALL(&f, ringbuf_output, P(rb), P(&v), 8, 0, 0), 0);
	CHECK_EQ(CALL(&f, ringbuf_output, P(rb), P(&v), 8, 4, 0), NEG(EINVAL));
	uint64_t p = CALL(&f, ringbuf_reserve, P(rb), 8, 0, 0, 0);
	CHECK(p != 0);
	uint64_t p2 = CALL(&f, ringbuf_reserve, P(rb), 8, 0, 0, 0);
	CHECK(p2 != 0);
	CHECK_EQ(CALL(&f, ringbuf_reserve, P(rb), 8, 1, 0, 0), 0);     /* flags */
	CHECK_EQ(CALL(&f, ringbuf_reserve, P(rb), 8192, 0, 0, 0), 0);  /* too big */
	*(uint64_t *)(uintptr_t)p = 8;
	*(uint64_t *)(uintptr_t)p2 = 9;
	CALL(&f, ringbuf_submit, p, 0, 0, 0, 0);
	CALL(&f, ringbuf_discard, p2, 0, 0, 0, 0);
	CHECK_EQ(CALL(&f, ringbuf_query, P(rb), ANYBPF_RB_RING_SIZE, 0, 0, 0), 4096);
	CHECK_EQ(CALL(&f, ringbuf_query, P(rb), ANYBPF_RB_AVAIL_DATA, 0, 0, 0), 3 * 16);
	uint64_t sum = 0;
	CHECK_EQ(anybpf_ringbuf_consume(rb, rb_cb, &sum), 2);
	CHECK_EQ(sum, 7008);
	CHECK_EQ(CALL(&f, ringbuf_query, P(rb), ANYBPF_RB_AVAIL_DATA, 0, 0, 0), 0);
	/* not a ringbuf */
	CHECK_EQ(CALL(&f, ringbuf_output, 0, P(&v), 8, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, ringbuf_reserve, 0, 8, 0, 0, 0), 0);
	anybpf_rtmap_free(rb);
}

struct perf_seen {
	unsigned n, index;
	uint8_t data[64];
	uint32_t size;
};

static void perf_cb(void *ctx, unsigned index, void *data, uint32_t size)
{
	struct perf_seen *s = ctx;
	s->n++;
	s->index = index;
	s->size = size;
	memcpy(s->data, data, size < 64 ? size : 64);
}

TEST(helper_linux_perf_event_output)
{
	struct fake f;
	fake_init(&f);
	anybpf_rtmap *pm = mkmap(ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2);
	anybpf_rtmap *maps[] = { pm };
	f.env.maps = maps;
	f.env.nmaps = 1;
	uint32_t k1 = 1, fd = 1;
	uint64_t v = 0x1122334455667788ull;
	CHECK_EQ(CALL(&f, perf_event_output, 0, P(pm), ANYBPF_F_CURRENT_CPU, P(&v), 8), NEG(ENOENT));
	CHECK_EQ(anybpf_rtmap_update(pm, &k1, &fd, 0), 0);
	f.hr.cpu = 1;
	CHECK_EQ(CALL(&f, perf_event_output, 0, P(pm), ANYBPF_F_CURRENT_CPU, P(&v), 8), 0);
	CHECK_EQ(CALL(&f, perf_event_output, 0, P(pm), 5, P(&v), 8), NEG(E2BIG));
	struct perf_seen s = { 0 };
	CHECK_EQ(anybpf_perf_consume(pm, perf_cb, NULL, &s), 1);
	CHECK_EQ(s.index, 1);
	CHECK(!memcmp(s.data, &v, 8));
	/* ctx bytes: the packet's first bytes after the data */
	uint8_t frame[32] = { 0xaa, 0xbb, 0xcc };
	struct anybpf_helper_pkt pkt = { .data = frame, .data_end = frame + 20, .buf = frame,
					 .buf_end = frame + 32 };
	f.hr.pkt = &pkt;
	CHECK_EQ(CALL(&f, perf_event_output, 0, P(pm), 1 | (3ull << 32), P(&v), 8), 0);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(anybpf_perf_consume(pm, perf_cb, NULL, &s), 1);
	CHECK(s.size >= 11);
	CHECK(!memcmp(s.data, &v, 8));
	CHECK(s.data[8] == 0xaa && s.data[9] == 0xbb && s.data[10] == 0xcc);
	CHECK_EQ(CALL(&f, perf_event_output, 0, P(pm), 1 | (21ull << 32), P(&v), 8), NEG(EFAULT));
	anybpf_rtmap_free(pm);
}

/* ---- packets ------------------------------------------------------------- */

/* The Internet checksum of n bytes (RFC 1071), as stored in a header. */
static uint16_t inet_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void set_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet + IPv4 + UDP, checksums valid.  Returns the frame length. */
static size_t build_udp(uint8_t *f)
{
	memset(f, 0, 64);
	set_be16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	set_be16(ip + 2, 20 + 8 + 4);
	ip[8] = 64;
	ip[9] = 17;
	uint8_t addrs[8] = { 10, 0, 0, 1, 10, 0, 0, 2 };
	memcpy(ip + 12, addrs, 8);
	set_be16(ip + 10, inet_csum(ip, 20));
	uint8_t *udp = ip + 20;
	set_be16(udp, 1234);
	set_be16(udp + 2, 53);
	set_be16(udp + 4, 12);
	memcpy(udp + 8, "ping", 4);
	/* UDP checksum with the pseudo header */
	uint8_t ph[12 + 12];
	memcpy(ph, addrs, 8);
	ph[8] = 0;
	ph[9] = 17;
	set_be16(ph + 10, 12);
	memcpy(ph + 12, udp, 12);
	set_be16(udp + 6, inet_csum(ph, sizeof(ph)));
	return 14 + 20 + 12;
}

static uint16_t udp_csum_now(const uint8_t *f)
{
	const uint8_t *ip = f + 14, *udp = ip + 20;
	uint8_t ph[24];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 17;
	set_be16(ph + 10, 12);
	memcpy(ph + 12, udp, 12);
	ph[12 + 6] = ph[12 + 7] = 0;
	return inet_csum(ph, sizeof(ph));
}

struct pktfix {
	struct fake f;
	uint8_t buf[512];
	struct anybpf_helper_pkt pkt;
};

static void pkt_init(struct pktfix *x, size_t headroom, int xdp)
{
	fake_init(&x->f);
	memset(x->buf, 0, sizeof(x->buf));
	size_t len = build_udp(x->buf + headroom);
	x->pkt = (struct anybpf_helper_pkt){ .data = x->buf + headroom,
					     .data_end = x->buf + headroom + len,
					     .buf = x->buf, .buf_end = x->buf + sizeof(x->buf),
					     .protocol = 0x0008, .mac_len = 14 };
	x->pkt.data_meta = xdp ? x->pkt.data : NULL;
	x->f.hr.pkt = &x->pkt;
	x->f.hr.xdp = xdp;
	fake_region(&x->f, x->buf, sizeof(x->buf), ANYBPF_REGION_RW);
}

TEST(helper_linux_csum_diff)
{
	struct fake f;
	fake_init(&f);
	uint8_t hdr[20];
	build_udp((uint8_t[64]){ 0 });
	uint8_t fr[64];
	build_udp(fr);
	memcpy(hdr, fr + 14, 20);
	uint16_t stored = get_be16(hdr + 10);
	set_be16(hdr + 10, 0);
	/* the sum of a header without its checksum folds to that checksum */
	uint32_t s = (uint32_t)CALL(&f, csum_diff, 0, 0, P(hdr), 20, 0);
	uint32_t c = (s & 0xffff) + (s >> 16);
	c = (c & 0xffff) + (c >> 16);
	uint16_t folded = (uint16_t)~c;
	CHECK_EQ((uint16_t)(folded >> 8 | folded << 8), stored); /* host order sum */
	/* from == to: the diff is 0 modulo 0xffff */
	uint32_t d = (uint32_t)CALL(&f, csum_diff, P(hdr), 20, P(hdr), 20, 0);
	CHECK(d % 0xffff == 0);
	CHECK(d <= 0xffff);
	CHECK_EQ(CALL(&f, csum_diff, 0, 0, 0, 0, 1234), 1234); /* the seed */
	/* Linux's selftest vectors (prog_tests/test_csum_diff.c, push) */
	uint64_t w1[2] = { 0xdeadbeefdeadbeefull, 0xbeefdeadbeefdeadull };
	CHECK_EQ(CALL(&f, csum_diff, 0, 0, P(w1), 8, 0), 0x3b3b);
	/* pulling what was pushed gives the seed back, modulo 0xffff */
	uint64_t pushed = CALL(&f, csum_diff, 0, 0, P(w1), 16, 0x1234);
	uint64_t pulled = CALL(&f, csum_diff, P(w1), 16, 0, 0, pushed);
	CHECK_EQ(pulled % 0xffff, 0x1234);
	CHECK_EQ(CALL(&f, csum_diff, P(hdr), 3, 0, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, csum_diff, P(hdr), 4, P(hdr), 6, 0), NEG(EINVAL));
	uint8_t big[516] = { 0 };
	CHECK_EQ(CALL(&f, csum_diff, P(big), 260, P(big), 256, 0), NEG(EINVAL));
	CHECK(CALL(&f, csum_diff, P(big), 256, P(big), 256, 0) != NEG(EINVAL));
}

TEST(helper_linux_l3_csum_replace)
{
	struct pktfix x;
	pkt_init(&x, 64, 0);
	uint8_t *ip = x.pkt.data + 14;
	/* 2-byte field: TTL/proto word */
	uint16_t old16, new16;
	memcpy(&old16, ip + 8, 2);
	ip[8] = 63;
	memcpy(&new16, ip + 8, 2);
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 24, old16, new16, 2), 0);
	uint16_t want = get_be16(ip + 10);
	set_be16(ip + 10, 0);
	CHECK_EQ(inet_csum(ip, 20), want);
	set_be16(ip + 10, want);
	/* 4-byte field: the source address */
	uint32_t olda, newa;
	memcpy(&olda, ip + 12, 4);
	ip[12] = 192, ip[13] = 168;
	memcpy(&newa, ip + 12, 4);
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 24, olda, newa, 4), 0);
	want = get_be16(ip + 10);
	set_be16(ip + 10, 0);
	CHECK_EQ(inet_csum(ip, 20), want);
	set_be16(ip + 10, want);
	/* size 0: `to` is a csum_diff */
	uint32_t na = newa;
	ip[15] = 9;
	uint32_t nb;
	memcpy(&nb, ip + 12, 4);
	uint64_t diff = CALL(&x.f, csum_diff, P(&na), 4, P(&nb), 4, 0);
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 24, 0, diff, 0), 0);
	want = get_be16(ip + 10);
	set_be16(ip + 10, 0);
	CHECK_EQ(inet_csum(ip, 20), want);
	/* errors */
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 24, 1, diff, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 24, 0, 0, 3), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 24, 0, 0, 0x12), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 25, 0, 0, 2), NEG(EFAULT));   /* odd */
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 46, 0, 0, 2), NEG(EFAULT));   /* past the end */
	CHECK_EQ(CALL(&x.f, l3_csum_replace, 0, 0x10000, 0, 0, 2), NEG(EFAULT));
}

TEST(helper_linux_l4_csum_replace)
{
	struct pktfix x;
	pkt_init(&x, 64, 0);
	uint8_t *ip = x.pkt.data + 14, *udp = ip + 20;
	size_t csum_off = 14 + 20 + 6;
	/* a port (2 bytes) */
	uint16_t oldp, newp;
	memcpy(&oldp, udp + 2, 2);
	set_be16(udp + 2, 5353);
	memcpy(&newp, udp + 2, 2);
	CHECK_EQ(CALL(&x.f, l4_csum_replace, 0, csum_off, oldp, newp, 2), 0);
	CHECK_EQ(get_be16(udp + 6), udp_csum_now(x.pkt.data));
	/* an address (pseudo header, 4 bytes) */
	uint32_t olda, newa;
	memcpy(&olda, ip + 16, 4);
	ip[19] = 77;
	memcpy(&newa, ip + 16, 4);
	CHECK_EQ(CALL(&x.f, l4_csum_replace, 0, csum_off, olda, newa, 4 | (1 << 4)), 0);
	CHECK_EQ(get_be16(udp + 6), udp_csum_now(x.pkt.data));
	/* BPF_F_MARK_MANGLED_0: a zero (no) UDP checksum stays zero */
	set_be16(udp + 6, 0);
	CHECK_EQ(CALL(&x.f, l4_csum_replace, 0, csum_off, olda, newa, 4 | (1 << 5)), 0);
	CHECK_EQ(get_be16(udp + 6), 0);
	/* ... unless enforced */
	CHECK_EQ(CALL(&x.f, l4_csum_replace, 0, csum_off, olda, newa, 4 | (1 << 5) | (1 << 6)), 0);
	CHECK(get_be16(udp + 6) != 0);
	CHECK_EQ(CALL(&x.f, l4_csum_replace, 0, csum_off, 0, 0, 1 << 8), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, l4_csum_replace, 0, csum_off, 1, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, l4_csum_replace, 0, 45, 0, 0, 2), NEG(EFAULT));
	x.f.hr.pkt = NULL;
	CHECK_EQ(CALL(&x.f, l4_csum_replace, 0, csum_off, 0, 0, 2), NEG(EFAULT));
}

TEST(helper_linux_skb_bytes)
{
	struct pktfix x;
	pkt_init(&x, 64, 0);
	uint8_t to[8];
	CHECK_EQ(CALL(&x.f, skb_load_bytes, 0, 12, P(to), 2, 0), 0);
	CHECK(to[0] == 0x08 && to[1] == 0x00);
	memset(to, 0xee, sizeof(to));
	CHECK_EQ(CALL(&x.f, skb_load_bytes, 0, 40, P(to), 8, 0), NEG(EFAULT)); /* 40 + 8 > 46 */
	CHECK(to[0] == 0 && to[7] == 0);
	CHECK_EQ(CALL(&x.f, skb_load_bytes, 0, 0x80000000u, P(to), 1, 0), NEG(EFAULT));
	CHECK_EQ(CALL(&x.f, skb_load_bytes, 0, 38, P(to), 8, 0), 0);
	CHECK(!memcmp(to + 4, "ping", 4));
	x.pkt.hash = 0x1234;
	CHECK_EQ(CALL(&x.f, skb_store_bytes, 0, 42, P("pong"), 4, 0), 0);
	CHECK(!memcmp(x.pkt.data + 42, "pong", 4));
	CHECK_EQ(x.pkt.hash, 0x1234);
	CHECK_EQ(CALL(&x.f, skb_store_bytes, 0, 42, P("PONG"), 4, 2), 0); /* invalidate hash */
	CHECK_EQ(x.pkt.hash, 0);
	CHECK_EQ(CALL(&x.f, skb_store_bytes, 0, 43, P("pong"), 4, 0), NEG(EFAULT));
	CHECK_EQ(CALL(&x.f, skb_store_bytes, 0, 0, P("pong"), 4, 4), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, skb_pull_data, 0, 46, 0, 0, 0), 0);
	CHECK_EQ(CALL(&x.f, skb_pull_data, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(CALL(&x.f, skb_pull_data, 0, 47, 0, 0, 0), NEG(ENOMEM));
}

TEST(helper_linux_skb_change)
{
	struct pktfix x;
	pkt_init(&x, 64, 0);
	uint8_t *old_data = x.pkt.data;
	CHECK_EQ(CALL(&x.f, skb_change_tail, 0, 60, 0, 0, 0), 0);
	CHECK_EQ(x.pkt.data_end - x.pkt.data, 60);
	CHECK_EQ(x.pkt.data[59], 0);
	CHECK_EQ(CALL(&x.f, skb_change_tail, 0, 20, 0, 0, 0), 0);
	CHECK_EQ(x.pkt.data_end - x.pkt.data, 20);
	CHECK_EQ(CALL(&x.f, skb_change_tail, 0, 13, 0, 0, 0), NEG(EINVAL)); /* into the MAC header */
	CHECK_EQ(CALL(&x.f, skb_change_tail, 0, 30, 1, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, skb_change_tail, 0, 70000, 0, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, skb_change_tail, 0, 1000, 0, 0, 0), NEG(ENOMEM)); /* no tailroom */
	CHECK_EQ(CALL(&x.f, skb_change_head, 0, 8, 0, 0, 0), 0);
	CHECK(x.pkt.data == old_data - 8);
	CHECK_EQ(x.pkt.data_end - x.pkt.data, 28);
	CHECK_EQ(x.pkt.data[0], 0);
	CHECK_EQ(x.pkt.mac_len, 22);
	CHECK_EQ(CALL(&x.f, skb_change_head, 0, 8, 1, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, skb_change_head, 0, 100, 0, 0, 0), NEG(ENOMEM)); /* headroom 56 */
	CHECK_EQ(CALL(&x.f, skb_change_head, 0, 20000, 0, 0, 0), NEG(EINVAL));
}

TEST(helper_linux_skb_misc)
{
	struct pktfix x;
	pkt_init(&x, 64, 0);
	uint8_t to[4];
	/* from the network header: the IPv4 version byte; from MAC: ethertype */
	CHECK_EQ(CALL(&x.f, skb_load_bytes_relative, 0, 0, P(to), 1, 1), 0);
	CHECK_EQ(to[0], 0x45);
	CHECK_EQ(CALL(&x.f, skb_load_bytes_relative, 0, 12, P(to), 2, 0), 0);
	CHECK(to[0] == 0x08 && to[1] == 0);
	memset(to, 0xee, sizeof(to));
	CHECK_EQ(CALL(&x.f, skb_load_bytes_relative, 0, 30, P(to), 4, 1), NEG(EFAULT)); /* 14+30+4 > 46 */
	CHECK(to[0] == 0 && to[3] == 0);
	CHECK_EQ(CALL(&x.f, skb_load_bytes_relative, 0, 0, P(to), 1, 2), NEG(EFAULT));
	CHECK_EQ(CALL(&x.f, skb_load_bytes_relative, 0, 0x10000, P(to), 1, 0), NEG(EFAULT));
	/* cgroup_skb-like: data at the network header, the MAC header before it */
	x.pkt.data += 14;
	x.pkt.mac_len = 0;
	CHECK_EQ(CALL(&x.f, skb_load_bytes_relative, 0, 12, P(to), 2, 0), 0);
	CHECK(to[0] == 0x08 && to[1] == 0);
	CHECK_EQ(CALL(&x.f, skb_load_bytes_relative, 0, 9, P(to), 1, 1), 0);
	CHECK_EQ(to[0], 17);
	/* hash */
	CHECK_EQ(CALL(&x.f, set_hash, 0, 0xabcdef, 0, 0, 0), 0);
	CHECK_EQ(x.pkt.hash, 0xabcdef);
	CHECK_EQ(CALL(&x.f, get_hash_recalc, 0, 0, 0, 0, 0), 0xabcdef);
	CHECK_EQ(CALL(&x.f, set_hash_invalid, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(x.pkt.hash, 0);
	CHECK_EQ(CALL(&x.f, csum_update, 0, 5, 0, 0, 0), (uint64_t)-ANYBPF_ENOTSUPP);
}

TEST(helper_linux_probe_write_user)
{
	struct fake f;
	fake_init(&f);
	uint8_t user[8] = { 0 }, ro[8] = { 0 };
	fake_region(&f, user, sizeof(user), ANYBPF_REGION_RW);
	fake_region(&f, ro, sizeof(ro), ANYBPF_REGION_R);
	CHECK_EQ(CALL(&f, probe_write_user, P(user + 4), P("abcd"), 4, 0, 0), 0);
	CHECK(!memcmp(user + 4, "abcd", 4));
	CHECK_EQ(CALL(&f, probe_write_user, P(user + 5), P("abcd"), 4, 0, 0), NEG(EFAULT));
	CHECK_EQ(CALL(&f, probe_write_user, P(ro), P("abcd"), 4, 0, 0), NEG(EFAULT));
	CHECK_EQ(ro[0], 0);
	CHECK_EQ(CALL(&f, get_current_cgroup_id, 0, 0, 0, 0, 0), 1);
	f.env.cgroup_id = 4242;
	CHECK_EQ(CALL(&f, get_current_cgroup_id, 0, 0, 0, 0, 0), 4242);
}

TEST(helper_linux_stacks)
{
	struct fake f;
	fake_init(&f);
	static const uint64_t ks[3] = { 0xffffffff81000010ull, 0xffffffff81000020ull,
					0xffffffff81000030ull };
	static const uint64_t us[1] = { 0x401000 };
	anybpf_rtmap *st = mkmap(ANYBPF_MAP_TYPE_STACK_TRACE, 4, 8 * 4, 16);
	anybpf_rtmap *maps[] = { st };
	f.env.maps = maps;
	f.env.nmaps = 1;
	/* no stack: -EFAULT */
	CHECK_EQ(CALL(&f, get_stackid, 0, P(st), 0, 0, 0), NEG(EFAULT));
	uint64_t buf[4];
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(CALL(&f, get_stack, 0, P(buf), sizeof(buf), 0, 0), NEG(EFAULT));
	CHECK_EQ(buf[0], 0);
	f.env.kstack = ks;
	f.env.nkstack = 3;
	f.env.ustack = us;
	f.env.nustack = 1;
	uint64_t id = CALL(&f, get_stackid, 0, P(st), 0, 0, 0);
	CHECK(id < 16);
	CHECK_EQ(CALL(&f, get_stackid, 0, P(st), 0, 0, 0), id); /* same stack, same id */
	uint64_t got[4];
	uint32_t key = (uint32_t)id;
	CHECK_EQ(anybpf_rtmap_lookup(st, &key, got), 0);
	CHECK_EQ(got[0], ks[0]);
	CHECK_EQ(got[2], ks[2]);
	CHECK_EQ(got[3], 0);
	CHECK_EQ(CALL(&f, get_stackid, 0, P(st), 3, 0, 0), NEG(EFAULT));  /* skip all */
	CHECK_EQ(CALL(&f, get_stackid, 0, P(st), 1 << 12, 0, 0), NEG(EINVAL));
	/* get_stack: bytes copied, the rest zeroed; skip; user stack */
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(CALL(&f, get_stack, 0, P(buf), sizeof(buf), 0, 0), 24);
	CHECK(buf[0] == ks[0] && buf[2] == ks[2] && buf[3] == 0);
	CHECK_EQ(CALL(&f, get_stack, 0, P(buf), 16, 1, 0), 16);
	CHECK(buf[0] == ks[1] && buf[1] == ks[2]);
	CHECK_EQ(CALL(&f, get_stack, 0, P(buf), 8, 0, 0), 8);
	CHECK_EQ(CALL(&f, get_stack, 0, P(buf), sizeof(buf), 1 << 8, 0), 8);
	CHECK_EQ(buf[0], us[0]);
	CHECK_EQ(CALL(&f, get_stack, 0, P(buf), 12, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&f, get_stack, 0, P(buf), 16, 1 << 12, 0), NEG(EINVAL));
	anybpf_rtmap_free(st);
	/* pid namespace */
	f.env.task.pid = 7;
	f.env.task.tgid = 6;
	f.env.pidns_dev = 4;
	f.env.pidns_ino = 0xeffffffc;
	uint32_t ns[2] = { 1, 1 };
	CHECK_EQ(CALL(&f, get_ns_current_pid_tgid, 4, 0xeffffffc, P(ns), 8, 0), 0);
	CHECK(ns[0] == 7 && ns[1] == 6);
	CHECK_EQ(CALL(&f, get_ns_current_pid_tgid, 4, 1, P(ns), 8, 0), NEG(EINVAL));
	CHECK(ns[0] == 0 && ns[1] == 0);
	CHECK_EQ(CALL(&f, get_ns_current_pid_tgid, 4, 0xeffffffc, P(ns), 4, 0), NEG(EINVAL));
}

TEST(helper_linux_hash_recalc)
{
	struct pktfix x, y;
	pkt_init(&x, 64, 0);
	pkt_init(&y, 64, 0);
	uint64_t h = CALL(&x.f, get_hash_recalc, 0, 0, 0, 0, 0);
	CHECK(h != 0 && h <= UINT32_MAX);
	CHECK_EQ(x.pkt.hash, h);
	CHECK_EQ(CALL(&y.f, get_hash_recalc, 0, 0, 0, 0, 0), h); /* same flow, same hash */
	/* another port, another flow */
	pkt_init(&y, 64, 0);
	set_be16(y.pkt.data + 14 + 20, 4321);
	CHECK(CALL(&y.f, get_hash_recalc, 0, 0, 0, 0, 0) != h);
	/* a set hash is kept */
	x.pkt.hash = 77;
	CHECK_EQ(CALL(&x.f, get_hash_recalc, 0, 0, 0, 0, 0), 77);
}

TEST(helper_linux_xdp_adjust)
{
	struct pktfix x;
	pkt_init(&x, 256, 1);
	uint8_t *d0 = x.pkt.data;
	CHECK_EQ(CALL(&x.f, xdp_adjust_head, 0, (uint64_t)-16, 0, 0, 0), 0);
	CHECK(x.pkt.data == d0 - 16 && x.pkt.data_meta == x.pkt.data);
	CHECK_EQ(CALL(&x.f, xdp_adjust_head, 0, 16 + 14, 0, 0, 0), 0);
	CHECK(x.pkt.data == d0 + 14);
	CHECK_EQ(x.pkt.data_end - x.pkt.data, 32);
	CHECK_EQ(CALL(&x.f, xdp_adjust_head, 0, 19, 0, 0, 0), NEG(EINVAL)); /* < ETH_HLEN left */
	CHECK_EQ(CALL(&x.f, xdp_adjust_head, 0, 18, 0, 0, 0), 0);
	CHECK_EQ(CALL(&x.f, xdp_adjust_head, 0, (uint64_t)-(256 + 32 - 40), 0, 0, 0), 0);
	CHECK(x.pkt.data == x.buf + 40);
	CHECK_EQ(CALL(&x.f, xdp_adjust_head, 0, (uint64_t)-1, 0, 0, 0), NEG(EINVAL)); /* xdp_frame */
	CHECK_EQ(CALL(&x.f, xdp_adjust_head, 0, 256 - 40, 0, 0, 0), 0);
	CHECK(x.pkt.data == x.buf + 256);
	/* metadata */
	CHECK_EQ(CALL(&x.f, xdp_adjust_meta, 0, (uint64_t)-8, 0, 0, 0), 0);
	CHECK_EQ(x.pkt.data - x.pkt.data_meta, 8);
	x.pkt.data_meta[0] = 0x5a;
	CHECK_EQ(CALL(&x.f, xdp_adjust_meta, 0, (uint64_t)-2, 0, 0, 0), NEG(EACCES));
	CHECK_EQ(CALL(&x.f, xdp_adjust_meta, 0, (uint64_t)-28, 0, 0, 0), NEG(EACCES)); /* > 32 */
	CHECK_EQ(CALL(&x.f, xdp_adjust_meta, 0, 12, 0, 0, 0), NEG(EINVAL)); /* past data */
	/* moving the head carries the metadata along */
	CHECK_EQ(CALL(&x.f, xdp_adjust_head, 0, (uint64_t)-4, 0, 0, 0), 0);
	CHECK_EQ(x.pkt.data - x.pkt.data_meta, 8);
	CHECK_EQ(x.pkt.data_meta[0], 0x5a);
	CHECK_EQ(CALL(&x.f, xdp_adjust_meta, 0, 8, 0, 0, 0), 0);
	CHECK(x.pkt.data_meta == x.pkt.data);
	/* tail */
	size_t len = (size_t)(x.pkt.data_end - x.pkt.data);
	x.pkt.data_end[0] = 0xff;
	CHECK_EQ(CALL(&x.f, xdp_adjust_tail, 0, 4, 0, 0, 0), 0);
	CHECK_EQ((size_t)(x.pkt.data_end - x.pkt.data), len + 4);
	CHECK_EQ(x.pkt.data_end[-4], 0); /* grown bytes zeroed */
	CHECK_EQ(CALL(&x.f, xdp_adjust_tail, 0, (uint64_t)-(int64_t)(len + 4 - 14), 0, 0, 0), 0);
	CHECK_EQ(x.pkt.data_end - x.pkt.data, 14);
	CHECK_EQ(CALL(&x.f, xdp_adjust_tail, 0, (uint64_t)-1, 0, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, xdp_adjust_tail, 0, 1000, 0, 0, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, xdp_get_buff_len, 0, 0, 0, 0, 0), 14);
	x.pkt.data_meta = NULL;
	CHECK_EQ(CALL(&x.f, xdp_adjust_meta, 0, (uint64_t)-4, 0, 0, 0), (uint64_t)-ANYBPF_ENOTSUPP);
}

TEST(helper_linux_xdp_bytes)
{
	struct pktfix x;
	pkt_init(&x, 256, 1);
	uint8_t b[4];
	CHECK_EQ(CALL(&x.f, xdp_load_bytes, 0, 42, P(b), 4, 0), 0);
	CHECK(!memcmp(b, "ping", 4));
	CHECK_EQ(CALL(&x.f, xdp_load_bytes, 0, 43, P(b), 4, 0), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, xdp_load_bytes, 0, 0x10000, P(b), 4, 0), NEG(EFAULT));
	CHECK_EQ(CALL(&x.f, xdp_store_bytes, 0, 42, P("PING"), 4, 0), 0);
	CHECK(!memcmp(x.pkt.data + 42, "PING", 4));
	CHECK_EQ(CALL(&x.f, xdp_store_bytes, 0, 44, P("PING"), 4, 0), NEG(EINVAL));
}

TEST(helper_linux_redirect)
{
	struct fake f;
	fake_init(&f);
	f.hr.xdp = 1;
	CHECK_EQ(CALL(&f, redirect, 5, 0, 0, 0, 0), 4); /* XDP_REDIRECT */
	CHECK_EQ(f.hr.redirect.kind, ANYBPF_REDIRECT_IFINDEX);
	CHECK_EQ(f.hr.redirect.ifindex, 5);
	CHECK_EQ(CALL(&f, redirect, 5, 1, 0, 0, 0), 0); /* XDP_ABORTED */
	f.hr.xdp = 0;
	CHECK_EQ(CALL(&f, redirect, 6, 1, 0, 0, 0), 7); /* TC_ACT_REDIRECT, ingress */
	CHECK_EQ(f.hr.redirect.ifindex, 6);
	CHECK_EQ(f.hr.redirect.flags, 1);
	CHECK_EQ(CALL(&f, redirect, 6, 2, 0, 0, 0), 2); /* TC_ACT_SHOT */
	/* env.prog_type "xdp" sets the XDP semantics */
	f.env.prog_type = "xdp";
	anybpf_helper_run_init(&f.hr, &f.env);
	CHECK_EQ(f.hr.xdp, 1);

	anybpf_rtmap *dm = mkmap(ANYBPF_MAP_TYPE_DEVMAP, 4, 4, 4);
	anybpf_rtmap *arr = mkmap(ANYBPF_MAP_TYPE_ARRAY, 4, 4, 4);
	anybpf_rtmap *maps[] = { dm, arr };
	f.env.maps = maps;
	f.env.nmaps = 2;
	uint32_t k = 2, ifx = 9;
	CHECK_EQ(anybpf_rtmap_update(dm, &k, &ifx, 0), 0);
	memset(&f.hr.redirect, 0, sizeof(f.hr.redirect));
	CHECK_EQ(CALL(&f, redirect_map, P(dm), 1, 0, 0, 0), 0);     /* empty: flags' action */
	CHECK_EQ(CALL(&f, redirect_map, P(dm), 1, 2, 0, 0), 2);     /* XDP_PASS */
	CHECK_EQ(f.hr.redirect.kind, ANYBPF_REDIRECT_NONE);
	CHECK_EQ(CALL(&f, redirect_map, P(dm), 2, 0, 0, 0), 4);
	CHECK_EQ(f.hr.redirect.kind, ANYBPF_REDIRECT_MAP);
	CHECK(f.hr.redirect.map == dm);
	CHECK_EQ(f.hr.redirect.ifindex, 2);
	CHECK_EQ(CALL(&f, redirect_map, P(dm), 1, 1 << 3, 0, 0), 4); /* broadcast */
	CHECK_EQ(CALL(&f, redirect_map, P(dm), 2, 1 << 5, 0, 0), 0); /* bad flag */
	CHECK_EQ(CALL(&f, redirect_map, P(arr), 2, 0, 0, 0), 0);     /* not a redirect map */
	anybpf_rtmap_free(dm);
	anybpf_rtmap_free(arr);
}

TEST(helper_linux_redirect_tc)
{
	struct fake f;
	fake_init(&f);
	CHECK_EQ(CALL(&f, redirect_peer, 3, 0, 0, 0, 0), 7);
	CHECK_EQ(f.hr.redirect.kind, ANYBPF_REDIRECT_PEER);
	CHECK_EQ(f.hr.redirect.ifindex, 3);
	CHECK_EQ(CALL(&f, redirect_peer, 3, 1, 0, 0, 0), 2);
	uint8_t params[20] = { 0 };
	CHECK_EQ(CALL(&f, redirect_neigh, 4, 0, 0, 0, 0), 7);
	CHECK_EQ(f.hr.redirect.kind, ANYBPF_REDIRECT_NEIGH);
	CHECK_EQ(f.hr.redirect.flags, 0);
	CHECK_EQ(CALL(&f, redirect_neigh, 4, P(params), 20, 0, 0), 7);
	CHECK_EQ(f.hr.redirect.flags, 1);
	CHECK_EQ(CALL(&f, redirect_neigh, 4, P(params), 8, 0, 0), 2);
	CHECK_EQ(CALL(&f, redirect_neigh, 4, 0, 0, 1, 0), 2);
	CHECK_EQ(CALL(&f, get_socket_uid, 0, 0, 0, 0, 0), 0);
	f.env.socket_uid = 1000;
	CHECK_EQ(CALL(&f, get_socket_uid, 0, 0, 0, 0, 0), 1000);
	CHECK_EQ(CALL(&f, skb_cgroup_id, 0, 0, 0, 0, 0), 1);
}

TEST(helper_linux_ecn_set_ce)
{
	struct pktfix x;
	pkt_init(&x, 64, 0);
	uint8_t *ip = x.pkt.data + 14;
	CHECK_EQ(CALL(&x.f, skb_ecn_set_ce, 0, 0, 0, 0, 0), 0); /* not ECT */
	CHECK_EQ(ip[1], 0);
	static const uint8_t ects[] = { 1, 2 };
	for (int i = 0; i < 2; i++) {
		pkt_init(&x, 64, 0);
		ip = x.pkt.data + 14;
		ip[1] = ects[i];
		set_be16(ip + 10, 0);
		set_be16(ip + 10, inet_csum(ip, 20));
		CHECK_EQ(CALL(&x.f, skb_ecn_set_ce, 0, 0, 0, 0, 0), 1);
		CHECK_EQ(ip[1], 3);
		uint16_t c = get_be16(ip + 10);
		set_be16(ip + 10, 0);
		CHECK_EQ(inet_csum(ip, 20), c); /* the checksum still holds */
		set_be16(ip + 10, c);
		CHECK_EQ(CALL(&x.f, skb_ecn_set_ce, 0, 0, 0, 0, 0), 1); /* CE already */
		CHECK_EQ(get_be16(ip + 10), c);
	}
	/* not IP */
	set_be16(x.pkt.data + 12, 0x0806);
	CHECK_EQ(CALL(&x.f, skb_ecn_set_ce, 0, 0, 0, 0, 0), 0);
}

TEST(helper_linux_check_mtu)
{
	struct pktfix x;
	pkt_init(&x, 64, 0); /* a 46-byte frame */
	uint32_t m = 0;
	x.f.env.mtu = 40;    /* 40 + 14 = 54 */
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 0, P(&m), 0, 0), 0);
	CHECK_EQ(m, 40);
	m = 0;
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 1, P(&m), 8, 0), 0);      /* 54: fits */
	m = 0;
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 1, P(&m), 9, 0), 1);      /* frag needed */
	m = 41;                                                      /* L3 length */
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 0, P(&m), 0, 0), 1);
	m = 41;
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 0, P(&m), (uint64_t)-1, 0), 0);
	CHECK_EQ(m, 40);
	m = 7;
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 5, P(&m), 0, 0), NEG(ENODEV));
	CHECK_EQ(m, 0);                                              /* tc: mtu 0 */
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 0, P(&m), 0, 2), NEG(EINVAL));
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 0, P(&m), 4, 1), NEG(EINVAL)); /* SEGS + len_diff */
	m = 0;
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 0, P(&m), 0, 1), 0);
	/* XDP: no flags at all; errors leave mtu_len alone */
	x.f.hr.xdp = 1;
	m = 7;
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 0, P(&m), 0, 1), NEG(EINVAL));
	CHECK_EQ(m, 7);
	m = 0;
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 0, P(&m), 9, 0), 1);
	CHECK_EQ(m, 40);
	/* defaults: loopback, mtu 65536 */
	x.f.env.mtu = 0;
	m = 0;
	CHECK_EQ(CALL(&x.f, check_mtu, 0, 1, P(&m), 65000, 0), 0);
	CHECK_EQ(m, 65536);
}

TEST(helper_linux_spin_lock)
{
	struct fake f;
	fake_init(&f);
	uint32_t lock[2] = { 0, 0 };
	CHECK_EQ(CALL(&f, spin_lock, P(&lock[0]), 0, 0, 0, 0), 0);
	CHECK_EQ(lock[0], 1);
	CHECK_EQ(f.hr.locks_held, 1);
	CHECK_EQ(CALL(&f, spin_unlock, P(&lock[0]), 0, 0, 0, 0), 0);
	CHECK_EQ(lock[0], 0);
	CHECK_EQ(f.hr.locks_held, 0);
}

/* ---- through the VM --------------------------------------------------------- */

struct vmfix {
	anybpf_vm *vm;
	struct anybpf_helper_env env;
	struct anybpf_helper_run hr;
	char logbuf[512];
	struct anybpf_log log;
};

static int vm_setup(struct vmfix *v, const char *text)
{
	memset(v, 0, sizeof(*v));
	v->env.sz = sizeof(v->env);
	v->log = (struct anybpf_log){ .buf = v->logbuf, .size = sizeof(v->logbuf) };
	return unit_linux_vm(&v->vm, NULL, &v->env, text, &v->log);
}

static int vm_run(struct vmfix *v, enum anybpf_exec_mode mode, uint64_t r1, uint64_t r2,
		  uint64_t *ret)
{
	anybpf_helper_run_init(&v->hr, &v->env);
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = mode, .args = { r1, r2 },
				       .user = &v->hr };
	struct anybpf_exec_result res = { 0, 0 };
	v->logbuf[0] = 0;
	v->log.len = 0;
	int err = anybpf_vm_exec(v->vm, &eo, &res, &v->log);
	*ret = res.retval;
	return err;
}

TEST(helper_linux_vm_map_counter)
{
	static const char prog[] =
		"r6 = r1\n"
		"r1 = 0\n"
		"*(u32 *)(r10 - 4) = r1\n"
		"r2 = r10\n"
		"r2 += -4\n"
		"r1 = r6\n"
		"call 1\n"
		"if r0 == 0 goto +3\n"
		"r1 = 1\n"
		"lock *(u64 *)(r0 + 0) += r1\n"
		"r0 = *(u64 *)(r0 + 0)\n"
		"exit\n";
	struct vmfix v;
	CHECK_EQ(vm_setup(&v, prog), 0);
	anybpf_rtmap *a = mkmap(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 1);
	anybpf_rtmap *maps[] = { a };
	v.env.maps = maps;
	v.env.nmaps = 1;
	uint64_t r = 0;
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_CHECKED, P(a), 0, &r), 0);
	CHECK_EQ(r, 1);
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_FAST, P(a), 0, &r), 0);
	CHECK_EQ(r, 2);
	uint32_t k = 0;
	uint64_t val = 0;
	CHECK_EQ(anybpf_rtmap_lookup(a, &k, &val), 0);
	CHECK_EQ(val, 2);
	/* a map pointer the program was not given: lookup answers NULL */
	anybpf_rtmap *b = mkmap(ANYBPF_MAP_TYPE_ARRAY, 4, 8, 1);
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_CHECKED, P(b), 0, &r), 0);
	CHECK_EQ(r, 0);
	anybpf_rtmap_free(a);
	anybpf_rtmap_free(b);
	anybpf_vm_free(v.vm);
}

TEST(helper_linux_vm_trace_printk)
{
	/* "x=%d\n" on the stack, trace_printk(fmt, 8, 42) */
	static const char prog[] =
		"r1 = 0xa64253d78 ll\n"
		"*(u64 *)(r10 - 8) = r1\n"
		"r1 = r10\n"
		"r1 += -8\n"
		"r2 = 8\n"
		"r3 = 42\n"
		"call 6\n"
		"exit\n";
	struct vmfix v;
	struct sink s = { .len = 0 };
	CHECK_EQ(vm_setup(&v, prog), 0);
	v.env.trace = sink_fn;
	v.env.trace_user = &s;
	uint64_t r = 0;
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_CHECKED, 0, 0, &r), 0);
	CHECK_EQ(r, 5);
	CHECK(!strcmp(s.text, "x=42\n"));
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_FAST, 0, 0, &r), 0);
	CHECK_EQ(r, 5);
	CHECK_EQ(s.calls, 2);
	anybpf_vm_free(v.vm);
}

TEST(helper_linux_vm_probe_read)
{
	/* probe_read_kernel(stack, 8, r1): 0 from the stack, -EFAULT (not a
	 * fault of the run) from anywhere else, in both modes */
	static const char prog[] =
		"r3 = r1\n"
		"r1 = -1\n"
		"*(u64 *)(r10 - 8) = r1\n"
		"r1 = r10\n"
		"r1 += -8\n"
		"r2 = 8\n"
		"call 113\n"
		"r1 = *(u64 *)(r10 - 8)\n"
		"r0 <<= 32\n"
		"r0 |= r1\n"
		"exit\n";
	struct vmfix v;
	CHECK_EQ(vm_setup(&v, prog), 0);
	static const enum anybpf_exec_mode modes[] = { ANYBPF_EXEC_CHECKED, ANYBPF_EXEC_FAST };
	for (int m = 0; m < 2; m++) {
		uint64_t r = 0;
		CHECK_EQ(vm_run(&v, modes[m], 0x4000, 0, &r), 0);
		CHECK_EQ(r, (uint64_t)(uint32_t)-EFAULT << 32); /* dst zeroed */
	}
	anybpf_vm_free(v.vm);
}

TEST(helper_linux_vm_ringbuf)
{
	static const char ok[] =
		"r2 = 8\n"
		"r3 = 0\n"
		"call 131\n"
		"if r0 == 0 goto +6\n"
		"r1 = 77\n"
		"*(u64 *)(r0 + 0) = r1\n"
		"r1 = r0\n"
		"r2 = 0\n"
		"call 132\n"
		"r0 = 1\n"
		"exit\n";
	/* writing past the reserved 8 bytes is an out-of-bounds store */
	static const char bad[] =
		"r2 = 8\n"
		"r3 = 0\n"
		"call 131\n"
		"if r0 == 0 goto +2\n"
		"r1 = 77\n"
		"*(u64 *)(r0 + 8) = r1\n"
		"exit\n";
	anybpf_rtmap *rb = mkmap(ANYBPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
	anybpf_rtmap *maps[] = { rb };
	struct vmfix v;
	CHECK_EQ(vm_setup(&v, ok), 0);
	v.env.maps = maps;
	v.env.nmaps = 1;
	uint64_t r = 0, sum = 0;
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_CHECKED, P(rb), 0, &r), 0);
	CHECK_EQ(r, 1);
	CHECK_EQ(anybpf_ringbuf_consume(rb, rb_cb, &sum), 1);
	CHECK_EQ(sum, 77);
	anybpf_vm_free(v.vm);
	CHECK_EQ(vm_setup(&v, bad), 0);
	v.env.maps = maps;
	v.env.nmaps = 1;
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_CHECKED, P(rb), 0, &r), -ANYBPF_E_OOB);
	anybpf_vm_free(v.vm);
	anybpf_rtmap_free(rb);
}

/* Tail calls: the test's hook runs the program with that id (1: returns
 * 7; 2: tail-calls slot 1 of its map again, i.e. itself) in the same
 * helper run. */
struct tailfix {
	anybpf_vm *vms[3];
	unsigned calls;
};

static int tail_hook(void *user, anybpf_run *run, uint32_t id, uint64_t ctx, uint64_t *retval)
{
	struct tailfix *t = user;
	if (id == 0 || id > 2)
		return 1;
	t->calls++;
	struct anybpf_helper_run *hr = anybpf_run_user(run);
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED,
				       .args = { ctx, run->args[1] }, .user = hr };
	struct anybpf_exec_result res = { 0, 0 };
	int err = anybpf_vm_exec(t->vms[id], &eo, &res, NULL);
	if (err)
		return err;
	*retval = res.retval;
	return 0;
}

TEST(helper_linux_vm_tail_call)
{
	/* r1 = ctx, r2 = prog_array; tail_call(ctx, map, r1 & 0xff) */
	static const char caller[] =
		"r3 = r1\n"
		"r3 &= 255\n"
		"call 12\n"
		"r0 = 99\n"
		"exit\n";
	static const char seven[] = "r0 = 7\nexit\n";
	struct vmfix v;
	struct tailfix t = { { NULL }, 0 };
	CHECK_EQ(vm_setup(&v, caller), 0);
	struct vmfix v1, v2;
	CHECK_EQ(vm_setup(&v1, seven), 0);
	CHECK_EQ(vm_setup(&v2, caller), 0);
	t.vms[1] = v1.vm;
	t.vms[2] = v2.vm;
	anybpf_rtmap *pa = mkmap(ANYBPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
	anybpf_rtmap *maps[] = { pa };
	uint32_t k0 = 0, k1 = 1, id1 = 1, id2 = 2;
	CHECK_EQ(anybpf_rtmap_update(pa, &k0, &id1, 0), 0);
	CHECK_EQ(anybpf_rtmap_update(pa, &k1, &id2, 0), 0);
	v.env.maps = maps;
	v.env.nmaps = 1;
	v.env.tail_call = tail_hook;
	v.env.tail_call_user = &t;
	uint64_t r = 0;
	/* slot 0: the callee's 7 is the result */
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_CHECKED, 0, P(pa), &r), 0);
	CHECK_EQ(r, 7);
	CHECK_EQ(v.hr.tail_calls, 1);
	/* slot 3 (empty) and slot 200 (out of range) fall through */
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_FAST, 3, P(pa), &r), 0);
	CHECK_EQ(r, 99);
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_FAST, 200, P(pa), &r), 0);
	CHECK_EQ(r, 99);
	CHECK_EQ(v.hr.tail_calls, 0);
	/* slot 1 tail-calls itself: 33 tail calls, the 34th falls through */
	v2.env = v.env;
	t.calls = 0;
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_CHECKED, 1, P(pa), &r), 0);
	CHECK_EQ(r, 99);
	CHECK_EQ(v.hr.tail_calls, ANYBPF_MAX_TAIL_CALLS);
	CHECK_EQ(t.calls, ANYBPF_MAX_TAIL_CALLS);
	/* no hook: falls through */
	v.env.tail_call = NULL;
	CHECK_EQ(vm_run(&v, ANYBPF_EXEC_CHECKED, 0, P(pa), &r), 0);
	CHECK_EQ(r, 99);
	anybpf_rtmap_free(pa);
	anybpf_vm_free(v.vm);
	anybpf_vm_free(v1.vm);
	anybpf_vm_free(v2.vm);
}

TEST(helper_linux_vm_xdp_adjust_head)
{
	/* r1 = ctx (unused), data/data_end from the helper run's packet after
	 * xdp_adjust_head(ctx, -4): the program writes the 4 new bytes
	 * (checking mode: the grown packet is a region) */
	static const char prog[] =
		"r6 = r2\n"
		"r2 = -4\n"
		"call 44\n"
		"if r0 != 0 goto +3\n"
		"r1 = *(u64 *)(r6 + 0)\n"
		"r2 = 0x11223344\n"
		"*(u32 *)(r1 + 0) = r2\n"
		"exit\n";
	struct vmfix v;
	CHECK_EQ(vm_setup(&v, prog), 0);
	uint8_t buf[128] = { 0 };
	struct anybpf_helper_pkt pkt = { .data = buf + 64, .data_end = buf + 64 + 20, .buf = buf,
					 .buf_end = buf + 128 };
	pkt.data_meta = pkt.data;
	anybpf_helper_run_init(&v.hr, &v.env);
	v.hr.pkt = &pkt;
	v.hr.xdp = 1;
	struct anybpf_region reg[2] = {
		{ &pkt, sizeof(pkt), ANYBPF_REGION_R, "ctx" },
		{ buf + 64, 20, ANYBPF_REGION_RW, "packet" },
	};
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED,
				       .args = { 0, P(&pkt) }, .regions = reg, .nregions = 2,
				       .user = &v.hr };
	struct anybpf_exec_result res = { 0, 0 };
	CHECK_EQ(anybpf_vm_exec(v.vm, &eo, &res, &v.log), 0);
	CHECK_EQ(res.retval, 0);
	CHECK(pkt.data == buf + 60);
	uint32_t w;
	memcpy(&w, buf + 60, 4);
	CHECK_EQ(w, 0x11223344);
	anybpf_vm_free(v.vm);
}

TEST(helper_linux_vm_registered)
{
	/* every implemented helper loads as `call id`; an unimplemented one
	 * (bpf_loop) is an unknown helper */
	unsigned n = 0;
	for (uint32_t id = 0; id < 256; id++) {
		anybpf_vm *vm = anybpf_vm_new(NULL);
		CHECK_EQ(anybpf_helpers_register_linux(vm, NULL), 0);
		struct anybpf_insn p[2] = { { .code = 0x85, .imm = (int32_t)id }, { .code = 0x95 } };
		int err = anybpf_vm_load(vm, p, 2, NULL);
		if (anybpf_helper_linux_implemented(id)) {
			CHECK_EQ(err, 0);
			n++;
		} else {
			CHECK_EQ(err, -ANYBPF_E_HELPER);
		}
		anybpf_vm_free(vm);
	}
	CHECK(n >= 70);
}

TEST(helper_linux_vm_skb_load_bytes)
{
	/* skb_load_bytes(ctx, 12, stack, 2): the ethertype; then into memory
	 * the program may not write: a checking-mode error, not a write */
	static const char ok[] =
		"r2 = 12\n"
		"r3 = r10\n"
		"r3 += -8\n"
		"r4 = 2\n"
		"call 26\n"
		"if r0 != 0 goto +1\n"
		"r0 = *(u16 *)(r10 - 8)\n"
		"exit\n";
	static const char bad[] =
		"r2 = 12\n"
		"r3 = r1\n"
		"r4 = 2\n"
		"call 26\n"
		"exit\n";
	struct pktfix x;
	pkt_init(&x, 64, 0);
	struct vmfix v;
	CHECK_EQ(vm_setup(&v, ok), 0);
	anybpf_helper_run_init(&v.hr, &v.env);
	v.hr.pkt = &x.pkt;
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED,
				       .args = { 0 }, .user = &v.hr };
	struct anybpf_exec_result res = { 0, 0 };
	CHECK_EQ(anybpf_vm_exec(v.vm, &eo, &res, &v.log), 0);
	CHECK_EQ(res.retval, 0x0008);
	anybpf_vm_free(v.vm);
	CHECK_EQ(vm_setup(&v, bad), 0);
	uint8_t ro[8] = { 0 };
	struct anybpf_region reg = { ro, sizeof(ro), ANYBPF_REGION_R, "ro" };
	eo.args[0] = P(ro);
	eo.regions = &reg;
	eo.nregions = 1;
	CHECK_EQ(anybpf_vm_exec(v.vm, &eo, &res, &v.log), -ANYBPF_E_OOB);
	CHECK_EQ(ro[0], 0);
	anybpf_vm_free(v.vm);
}

static int no_mem(void *u, uint64_t addr, char *dst, size_t n)
{
	(void)u, (void)addr, (void)dst, (void)n;
	return -EFAULT;
}

TEST(helper_linux_format_random)
{
	/* random formats from the kernel's alphabet: never past the buffer;
	 * the length and a NUL-terminated (cut) text, or -EINVAL and the
	 * buffer untouched */
	static const char alpha[] = "%%%%dixXulpsckKIi46 -+0123456789.abz\n";
	uint64_t seed = 12345;
	char f[24], out[32];
	uint64_t args[3] = { 65, 1, (uint64_t)-1 }; /* no %c of NUL: strlen below */
	for (int it = 0; it < 20000; it++) {
		size_t n = 0;
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		size_t len = (size_t)(seed >> 59) + 1;
		for (; n < len && n < sizeof(f) - 1; n++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			f[n] = alpha[(seed >> 33) % (sizeof(alpha) - 1)];
		}
		f[n] = 0;
		memset(out, 'x', sizeof(out));
		int r = anybpf_helper_format(out, sizeof(out), f, n + 1, args, 3, no_mem, NULL);
		int ok = r == -EINVAL ? out[0] == 'x' && out[31] == 'x'
				      : r >= 0 && memchr(out, 0, sizeof(out)) &&
						strlen(out) == ((size_t)r < 31 ? (size_t)r : 31);
		if (!ok) {
			CHECK(0);
			fprintf(stderr, "    format \"%s\" -> %d\n", f, r);
			break;
		}
	}
	CHECK(1);
}
