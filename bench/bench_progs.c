/* bench_progs.c - `make bench`, part 2: eBPF object programs (C compiled
 * with `clang -O2 -g -target bpf`, bench/progs/) on every engine:
 *
 *   interp  anybpf's fast interpreter  (anybpf_prog_test_run)
 *   jit     anybpf's x86-64 JIT        (anybpf_prog_test_run, jit = 1)
 *   kernel  the host kernel's JIT      (BPF_PROG_TEST_RUN through libbpf;
 *           "-" with the reason where bpf() is not available)
 *   C       the same source compiled natively with `clang -O2`
 *
 * Every program is an XDP program run on the same 1500-byte frame (a
 * VLAN/IPv4/TCP frame with options; the payload bytes are fixed
 * pseudo-random ones and carry the binary search's keys).  Before timing,
 * the results are compared: interpreter (checking mode too), JIT, kernel
 * and C must return the same value; a difference is printed loudly and
 * the bench exits non-zero.
 *
 * Times are ns per run: each engine runs the program `repeat` times in one
 * call (calibrated so a call takes about a tenth of SECONDS), rounds
 * interleave the engines, and the best round counts.  anybpf and C are
 * timed with the thread's CPU clock (time other processes take the CPU is
 * not counted), the kernel reports its own duration per run (in whole ns;
 * it leaves out the time it yields the CPU).  The empty program is each
 * side's floor (the fixed cost of a test run); a program's own work is
 * its time minus its side's floor.  docs/bench.md explains the columns.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "anybpf.h"
#include "bench_kernel.h"
#include "bench_progs.h"

typedef uint32_t native_fn(const void *data, uint32_t len, void *aux);
native_fn bench_native_empty, bench_native_checksum, bench_native_popcount,
	bench_native_bsearch, bench_native_parser, bench_native_switch, bench_native_calls,
	bench_native_straight, bench_native_xdp_counter;

enum { AUX_NONE, AUX_TABLE, AUX_COUNTER };

struct pdef {
	const char *label;
	const char *file;     /* object, relative to the build directory */
	const char *func;     /* the program's function */
	native_fn *native;
	int aux;              /* AUX_*: what the program reads from a map */
	int compute;          /* a compute loop (the JIT >= 20x interpreter target) */
};

static const struct pdef progs[] = {
	{ "empty (floor)", "bench-progs/empty.o", "bench_empty", bench_native_empty, AUX_NONE, 0 },
	{ "checksum 1500 B", "bench-progs/checksum.o", "bench_checksum", bench_native_checksum,
	  AUX_NONE, 1 },
	{ "popcount 256 B", "bench-progs/popcount.o", "bench_popcount", bench_native_popcount,
	  AUX_NONE, 1 },
	{ "bsearch 32 keys", "bench-progs/bsearch.o", "bench_bsearch", bench_native_bsearch,
	  AUX_TABLE, 0 },
	{ "vlan/ip/tcp parser", "bench-progs/parser.o", "bench_parser", bench_native_parser,
	  AUX_NONE, 0 },
	{ "switch 256 B", "bench-progs/switch.o", "bench_switch", bench_native_switch, AUX_NONE,
	  1 },
	{ "bpf2bpf calls x32", "bench-progs/calls.o", "bench_calls", bench_native_calls, AUX_NONE,
	  0 },
	{ "straight-line", "bench-progs/straight.o", "bench_straight", bench_native_straight,
	  AUX_NONE, 0 },
	{ "xdp_counter", "examples/xdp_counter.o", "count_packets", bench_native_xdp_counter,
	  AUX_COUNTER, 0 },
};
#define NPROGS (sizeof(progs) / sizeof(progs[0]))

enum { E_INTERP, E_JIT, E_KERNEL, E_NATIVE, NENGINES };
static const char *const engine_name[NENGINES] = { "interpreter", "JIT", "kernel", "C -O2" };

#define TABLE_ENTRIES 1024
#define FRAME_LEN 1500

struct prun {
	const struct pdef *d;
	anybpf_object *obj;
	anybpf_runtime *rt;
	const anybpf_prog *prog;
	struct kprog *kp;
	void *aux;
	uint64_t insns;                 /* executed, checking mode */
	uint32_t result;                /* what every engine returned */
	uint32_t repeat[NENGINES];
	double ns[NENGINES];            /* best ns per run; < 0: not measured */
	int have[NENGINES];
};

static uint8_t frame[FRAME_LEN];
static uint32_t table[TABLE_ENTRIES];
static uint64_t counter;
static volatile uint32_t sink;

/* snprintf without the truncation warning: messages may be cut short */
__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet, 802.1ad + 802.1Q tags, IPv4 (IHL 6: one option word), TCP
 * with 40 bytes of options, then pseudo-random payload; the binary
 * search's 32 keys at offset 128 (u32, host order, below 3200: about a
 * third of them in the table). */
static void make_frame(void)
{
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < FRAME_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		frame[i] = (uint8_t)(x >> 24);
	}
	uint8_t *p = frame;
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2 };
	memcpy(p, macs, 12);
	put16(p + 12, 0x88a8);
	put16(p + 14, 100);         /* outer VLAN 100 */
	put16(p + 16, 0x8100);
	put16(p + 18, 200);         /* inner VLAN 200 */
	put16(p + 20, 0x0800);
	uint8_t *ip = p + 22;
	memset(ip, 0, 24);
	ip[0] = 0x46;               /* IPv4, IHL 6 */
	put16(ip + 2, FRAME_LEN - 22);
	ip[8] = 64;
	ip[9] = 6;                  /* TCP */
	static const uint8_t addrs[8] = { 10, 0, 0, 1, 10, 0, 0, 2 };
	memcpy(ip + 12, addrs, 8);
	ip[20] = 1; ip[21] = 1; ip[22] = 1; ip[23] = 0; /* NOP NOP NOP EOL */
	uint8_t *tcp = ip + 24;
	memset(tcp, 0, 20);
	put16(tcp, 43210);
	put16(tcp + 2, 443);
	tcp[12] = 15 << 4;          /* data offset: 60 bytes */
	tcp[13] = 0x02;             /* SYN */
	static const uint8_t opts[40] = {
		2, 4, 0x05, 0xb4,                   /* MSS 1460 */
		1, 3, 3, 7,                         /* NOP, window scale 7 */
		4, 2,                               /* SACK permitted */
		8, 10, 0, 1, 0xe2, 0x40, 0, 0, 0, 0, /* timestamps */
		1, 1,                               /* NOP NOP */
		5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, /* 2 SACK blocks */
	};
	memcpy(tcp + 20, opts, sizeof(opts));
	for (uint32_t k = 0; k < 32; k++) {
		uint32_t key = (uint32_t)((k * 2654435761u) % 3200);
		memcpy(frame + 128 + 4 * k, &key, 4);
	}
	for (uint32_t i = 0; i < TABLE_ENTRIES; i++)
		table[i] = 3 * i + 1;
}

static int open_prog(struct prun *r, const char *dir, char *why, size_t whylen)
{
	char path[4096], logbuf[1024];
	struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf) };
	snprintf(path, sizeof(path), "%s/%s", dir, r->d->file);
	if (anybpf_object_open_file(path, NULL, &r->obj, &log)) {
		say(why, whylen, "%s: %s", path, logbuf);
		return -1;
	}
	r->prog = anybpf_object_find_prog(r->obj, "xdp", r->d->func);
	if (!r->prog) {
		say(why, whylen, "%s: no XDP program %s", path, r->d->func);
		return -1;
	}
	if (anybpf_runtime_new(r->obj, NULL, &r->rt, &log)) {
		say(why, whylen, "%s: %s", path, logbuf);
		return -1;
	}
	int err = anybpf_runtime_load(r->rt, r->prog, &log);
	if (err != 0) { /* the runtime is made without `unverified`: never 1 */
		say(why, whylen, "%s: %s: %s", path, anybpf_strerror(err), logbuf);
		return -1;
	}
	if (r->d->aux == AUX_TABLE) {
		anybpf_map *m = anybpf_object_find_map(r->obj, "table");
		anybpf_rtmap *rm = m ? anybpf_runtime_map(r->rt, (size_t)(anybpf_map_fd(m) -
								   ANYBPF_MAP_FD_BASE)) : NULL;
		for (uint32_t i = 0; rm && i < TABLE_ENTRIES; i++)
			if (anybpf_rtmap_update(rm, &i, &table[i], 0))
				rm = NULL;
		if (!rm) {
			say(why, whylen, "%s: cannot fill the map 'table'", path);
			return -1;
		}
		r->aux = table;
	} else if (r->d->aux == AUX_COUNTER) {
		r->aux = &counter;
	}
	/* the kernel side: any failure only empties its column */
	char kwhy[512];
	r->kp = kern_load(path, r->d->func, kwhy, sizeof(kwhy));
	if (!r->kp) {
		say(why, whylen, "%s", kwhy);
		return 1;
	}
	for (uint32_t i = 0; r->d->aux == AUX_TABLE && i < TABLE_ENTRIES; i++) {
		int e = kern_map_update(r->kp, "table", &i, &table[i]);
		if (e) {
			say(why, whylen, "cannot fill the kernel's map 'table': %s", strerror(-e));
			kern_close(r->kp);
			r->kp = NULL;
			return 1;
		}
	}
	return 0;
}

/* One timed call of `repeat` runs on engine e: ns per run, or -1 (the
 * reason in why). */
static double run_once(struct prun *r, int e, uint32_t repeat, uint32_t *retval, char *why,
		       size_t whylen)
{
	if (e == E_NATIVE) {
		native_fn *volatile fn = r->d->native;
		uint32_t v = 0;
		double t0 = cpu_ns();
		for (uint32_t i = 0; i < repeat; i++)
			v = fn(frame, FRAME_LEN, r->aux);
		double t1 = cpu_ns();
		sink = v;
		*retval = v;
		return (t1 - t0) / repeat;
	}
	if (e == E_KERNEL) {
		double wall;
		uint32_t dur;
		int err = kern_run(r->kp, frame, FRAME_LEN, repeat, retval, &wall, &dur);
		if (err) {
			say(why, whylen, "BPF_PROG_TEST_RUN: %s", strerror(-err));
			return -1;
		}
		return dur;
	}
	char logbuf[512] = "";
	struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf) };
	struct anybpf_test_run_opts o = { .sz = sizeof(o), .data_in = frame,
		.data_size_in = FRAME_LEN, .repeat = repeat, .jit = e == E_JIT, .log = &log };
	double t0 = cpu_ns();
	int err = anybpf_prog_test_run(r->rt, r->prog, &o);
	double t1 = cpu_ns();
	if (err) {
		say(why, whylen, "%s: %s", anybpf_strerror(err), logbuf);
		return -1;
	}
	*retval = o.retval;
	return (t1 - t0) / repeat;
}

/* The results of every engine, and the exact instruction count (checking
 * mode).  0 when they agree, else -1 after saying so loudly. */
static int check_results(struct prun *r, char *kwhy, size_t kwhylen)
{
	uint32_t ret[NENGINES + 1];
	int have[NENGINES + 1];
	char why[600];
	char logbuf[512] = "";
	struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf) };
	struct anybpf_test_run_opts o = { .sz = sizeof(o), .data_in = frame,
		.data_size_in = FRAME_LEN, .checked = 1, .log = &log };
	if (anybpf_prog_test_run(r->rt, r->prog, &o)) {
		printf("\n*** %s: the checking interpreter failed: %s\n", r->d->label, logbuf);
		return -1;
	}
	r->insns = o.insns;
	r->result = o.retval;
	ret[NENGINES] = o.retval;
	have[NENGINES] = 1;
	for (int e = 0; e < NENGINES; e++) {
		have[e] = e != E_KERNEL || r->kp;
		if (!have[e])
			continue;
		if (run_once(r, e, 1, &ret[e], why, sizeof(why)) < 0) {
			if (e == E_KERNEL) { /* the kernel's column only */
				say(kwhy, kwhylen, "%s", why);
				kern_close(r->kp);
				r->kp = NULL;
				have[e] = 0;
				continue;
			}
			printf("\n*** %s: the %s failed: %s\n", r->d->label, engine_name[e], why);
			return -1;
		}
	}
	int bad = 0;
	for (int e = 0; e < NENGINES; e++)
		bad |= have[e] && ret[e] != ret[NENGINES];
	if (r->d->aux == AUX_COUNTER) {
		/* the checked, interpreter and JIT runs each added one; the kernel's
		 * map has its own run; the C twin's counter its own */
		uint32_t zero = 0;
		uint64_t v = 0, kv = 0;
		anybpf_rtmap *rm = anybpf_runtime_map(r->rt, 0);
		if (!rm || anybpf_rtmap_lookup(rm, &zero, &v) || v != 3) {
			printf("\n*** %s: anybpf's counter is %llu after 3 runs\n", r->d->label,
			       (unsigned long long)v);
			bad = 1;
		}
		if (r->kp && (kern_map_lookup(r->kp, "pkt_count", &zero, &kv) || kv != 1)) {
			printf("\n*** %s: the kernel's counter is %llu after 1 run\n", r->d->label,
			       (unsigned long long)kv);
			bad = 1;
		}
	}
	if (bad) {
		printf("\n*** MISMATCH in %s: checking interpreter 0x%x", r->d->label, ret[NENGINES]);
		for (int e = 0; e < NENGINES; e++)
			if (have[e])
				printf(", %s 0x%x", engine_name[e], ret[e]);
		printf(" ***\n");
		fprintf(stderr, "bench: %s: the engines disagree (see above)\n", r->d->label);
		return -1;
	}
	return 0;
}

/* repeat so that one call takes about `target` ns */
static int calibrate(struct prun *r, int e, double target, char *why, size_t whylen)
{
	uint32_t repeat = 16, v;
	for (;;) {
		double ns = run_once(r, e, repeat, &v, why, whylen);
		if (ns < 0)
			return -1;
		double total = ns * repeat;
		if (total >= target / 8 || repeat >= (1u << 30)) {
			double want = total > 0 ? repeat * target / total : (double)repeat * 8;
			r->repeat[e] = want < 16 ? 16 : want > 2e9 ? 2000000000u : (uint32_t)want;
			return 0;
		}
		repeat *= 4;
	}
}

static double geomean(const double *v, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += log(v[i]);
	return n ? exp(s / (double)n) : 0;
}

static void cell(double v, int width, int prec)
{
	if (v < 0 || isnan(v))
		printf(" %*s", width, "-");
	else
		printf(" %*.*f", width, prec, v);
}

/* own work of program r on engine e, or -1 */
static double own(const struct prun *r, const struct prun *floor_, int e)
{
	if (!r->have[e] || !floor_->have[e])
		return -1;
	return r->ns[e] - floor_->ns[e];
}

/* a / b of own work; -1 when either is missing or under 0.5 ns (noise) */
static double ratio(double a, double b)
{
	if (a < 0.5 || b < 0.5)
		return -1;
	return a / b;
}

/* Means leave out ratios whose own work is under MEAN_MIN_NS on a side:
 * the kernel reports whole ns, so 1 ns of own work can be 0.5 or 1.5. */
#define MEAN_MIN_NS 3.0

static int meaningful(double a, double b)
{
	return a >= MEAN_MIN_NS && b >= MEAN_MIN_NS;
}

/* a ratio cell, with a '*' when the means leave it out */
static void rcell(double v, int width, int prec, int in_mean)
{
	cell(v, width - 1, prec);
	putchar(v >= 0 && !in_mean ? '*' : ' ');
}

int bench_programs(const char *dir, double seconds)
{
	struct prun runs[NPROGS];
	char why[1024], kernel_note[1024] = "";
	int failed = 0;
	make_frame();
	memset(runs, 0, sizeof(runs));
	int jit_state = kern_jit_enabled();

	for (size_t i = 0; i < NPROGS; i++) {
		struct prun *r = &runs[i];
		r->d = &progs[i];
		int err = open_prog(r, dir, why, sizeof(why));
		if (err < 0) {
			fprintf(stderr, "bench: %s\n", why);
			printf("\n*** %s: cannot run: %s\n", r->d->label, why);
			failed = 1;
			kern_close(r->kp);
			r->kp = NULL;
			anybpf_runtime_free(r->rt);
			r->rt = NULL;
			continue;
		}
		if (err > 0 && !kernel_note[0])
			say(kernel_note, sizeof(kernel_note), "%s", why);
		if (check_results(r, why, sizeof(why))) {
			failed = 1;
			anybpf_runtime_free(r->rt);
			r->rt = NULL;
			continue;
		}
		if (!r->kp && !kernel_note[0])
			say(kernel_note, sizeof(kernel_note), "%s", why);
	}

	/* calibrate, then rounds over the engines; the best round counts */
	double target = seconds / 10 * 1e9;
	const int rounds = 7;
	for (size_t i = 0; i < NPROGS; i++) {
		struct prun *r = &runs[i];
		if (!r->rt)
			continue;
		for (int e = 0; e < NENGINES; e++) {
			r->ns[e] = -1;
			if (e == E_KERNEL && !r->kp)
				continue;
			if (calibrate(r, e, target, why, sizeof(why))) {
				fprintf(stderr, "bench: %s: %s: %s\n", r->d->label, engine_name[e], why);
				if (e != E_KERNEL)
					failed = 1;
				continue;
			}
			r->have[e] = 1;
		}
		for (int k = 0; k < rounds; k++)
			for (int e = 0; e < NENGINES; e++) {
				uint32_t v;
				if (!r->have[e])
					continue;
				double ns = run_once(r, e, r->repeat[e], &v, why, sizeof(why));
				if (ns >= 0 && (r->ns[e] < 0 || ns < r->ns[e]))
					r->ns[e] = ns;
			}
	}

	struct utsname un;
	if (uname(&un))
		snprintf(un.release, sizeof(un.release), "?");
	printf("\neBPF objects: XDP programs on one 1500-byte frame, ns per run (best of %d"
	       " rounds); kernel: Linux %s, %s\n", rounds, un.release,
	       jit_state > 0 ? "JIT on" : jit_state == 0 ? "JIT off (its interpreter)" :
	       "JIT state unknown");
	printf("  interp/jit, jit/kernel: whole runs;  own = ns minus the side's empty-program"
	       " floor (its test-run cost)\n");
	printf("%-19s %7s %9s %8s %8s %7s %8s %8s | %8s %8s %7s %9s %7s %9s\n", "program",
	       "insns", "interp", "jit", "kernel", "C -O2", "interp/", "jit/", "jit own",
	       "kern own", "C own", "jit/kern", "jit/C", "interp/");
	printf("%-19s %7s %9s %8s %8s %7s %8s %8s | %8s %8s %7s %9s %7s %9s\n", "", "", "", "",
	       "", "", "jit", "kernel", "", "", "", "own", "own", "jit own");
	const struct prun *fl = &runs[0];
	double g_kern[NPROGS], g_c[NPROGS], g_comp[NPROGS], g_whole[NPROGS];
	size_t n_kern = 0, n_c = 0, n_comp = 0, n_work = 0, n_whole = 0;
	double min_comp = -1;
	for (size_t i = 0; i < NPROGS; i++) {
		const struct prun *r = &runs[i];
		if (!r->rt)
			continue;
		printf("%-19s %7llu", r->d->label, (unsigned long long)r->insns);
		cell(r->have[E_INTERP] ? r->ns[E_INTERP] : -1, 9, 1);
		cell(r->have[E_JIT] ? r->ns[E_JIT] : -1, 8, 1);
		cell(r->have[E_KERNEL] ? r->ns[E_KERNEL] : -1, 8, 0);
		cell(r->have[E_NATIVE] ? r->ns[E_NATIVE] : -1, 7, 1);
		double ij = r->have[E_INTERP] && r->have[E_JIT] && r->ns[E_JIT] > 0 ?
			r->ns[E_INTERP] / r->ns[E_JIT] : -1;
		cell(ij, 8, 1);
		cell(r->have[E_JIT] && r->have[E_KERNEL] && r->ns[E_KERNEL] > 0 ?
		     r->ns[E_JIT] / r->ns[E_KERNEL] : -1, 8, 2);
		if (i == 0) {
			printf(" | %8s %8s %7s %9s %7s %9s\n", "(floor)", "", "", "", "", "");
			continue;
		}
		n_work++;
		if (r->have[E_JIT] && r->have[E_KERNEL] && r->ns[E_KERNEL] > 0 && r->ns[E_JIT] > 0)
			g_whole[n_whole++] = r->ns[E_JIT] / r->ns[E_KERNEL];
		double oj = own(r, fl, E_JIT), ok = own(r, fl, E_KERNEL);
		double oc = own(r, fl, E_NATIVE), oi = own(r, fl, E_INTERP);
		printf(" |");
		cell(oj, 8, 1);
		cell(ok, 8, 0);
		cell(oc, 7, 1);
		double rk = ratio(oj, ok), rc = ratio(oj, oc), ri = ratio(oi, oj);
		int mk = rk > 0 && meaningful(oj, ok), mc = rc > 0 && meaningful(oj, oc);
		rcell(rk, 9, 2, mk);
		rcell(rc, 7, 2, mc);
		cell(ri, 9, 1);
		printf("\n");
		if (mk)
			g_kern[n_kern++] = rk;
		if (mc)
			g_c[n_c++] = rc;
		if (r->d->compute && ri > 0) {
			g_comp[n_comp++] = ri;
			if (min_comp < 0 || ri < min_comp)
				min_comp = ri;
		}
	}

	printf("results (every engine the same):");
	for (size_t i = 1; i < NPROGS; i++)
		if (runs[i].rt)
			printf(" %s 0x%x%s", runs[i].d->func, runs[i].result, i + 1 < NPROGS ? "," : "");
	printf("\nfloors (empty XDP program, ns per run): interpreter");
	cell(fl->have[E_INTERP] ? fl->ns[E_INTERP] : -1, 0, 1);
	printf(", JIT");
	cell(fl->have[E_JIT] ? fl->ns[E_JIT] : -1, 0, 1);
	printf(", kernel");
	cell(fl->have[E_KERNEL] ? fl->ns[E_KERNEL] : -1, 0, 0);
	printf(", C call");
	cell(fl->have[E_NATIVE] ? fl->ns[E_NATIVE] : -1, 0, 1);
	printf("   (target: anybpf well under 5 ns)\n");
	if (n_whole)
		printf("whole runs, JIT / kernel JIT: geometric mean %.2f over %zu programs\n",
		       geomean(g_whole, n_whole), n_whole);
	if (n_kern)
		printf("own work, JIT / kernel JIT: geometric mean %.2f over %zu programs"
		       "   (target <= 1)\n", geomean(g_kern, n_kern), n_kern);
	else
		printf("own work, JIT / kernel JIT: -   (no kernel figures)\n");
	if (n_c)
		printf("own work, JIT / C -O2:      geometric mean %.2f over %zu programs"
		       "   (target <= 1.5)\n", geomean(g_c, n_c), n_c);
	if (n_comp)
		printf("compute loops (checksum, popcount, switch), own work interpreter / JIT:"
		       " geometric mean %.1f, lowest %.1f   (target >= 20)\n",
		       geomean(g_comp, n_comp), min_comp);
	if (n_kern < n_work || n_c < n_work)
		printf("(means leave out ratios marked * (a side's own work under %.0f ns: the kernel"
		       " reports whole ns) and \"-\" (missing or under 0.5 ns))\n", MEAN_MIN_NS);
	if (!fl->have[E_KERNEL] || !n_kern)
		printf("kernel: - because %s\n", kernel_note[0] ? kernel_note :
		       "no kernel figures were measured");
	else if (jit_state == 0)
		printf("kernel: /proc/sys/net/core/bpf_jit_enable is 0: the kernel column is its"
		       " interpreter, not its JIT\n");
	else if (kernel_note[0])
		printf("kernel: some programs did not run there: %s\n", kernel_note);

	for (size_t i = 0; i < NPROGS; i++) {
		kern_close(runs[i].kp);
		anybpf_runtime_free(runs[i].rt);
		anybpf_object_close(runs[i].obj);
	}
	return failed ? -1 : 0;
}
