/* bench.c - `make bench`: the interpreter and the x86-64 JIT on
 * compute-bound programs (the JIT columns read "-" where it is missing).
 *
 * Each program is assembly text (assembled with anybpf_assemble), run in
 * the fast and the checking mode.  The checking mode counts executed
 * instructions exactly; ns per instruction = time / that count (time: this
 * thread's CPU clock, so other processes on a busy machine do not count).
 * Each timing loop runs for about SECONDS; the ratio checked/fast is
 * measured in the same run, so it does not depend on the machine.
 *
 * Part 2 (bench_progs.c): eBPF objects compiled from C (bench/progs/) on
 * the interpreter, the JIT, the host kernel and natively.
 *
 * Usage: bench [-d BUILD_DIR] [SECONDS_PER_LOOP]
 *   BUILD_DIR holds bench-progs/ and examples/ (default: the directory of
 *   this program).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anybpf.h"
#include "bench_progs.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* not the time others take the CPU */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* sum of r1 .. 1: three instructions per iteration */
static const char loop_sum_s[] =
	"  r0 = 0\n"
	"loop:\n"
	"  r0 += r1\n"
	"  r1 += -1\n"
	"  if r1 != 0 goto loop\n"
	"  exit\n";

/* h = h * 31 + byte over the buffer r1 of r2 bytes */
static const char checksum_s[] =
	"  r0 = 0\n"
	"  r3 = r1\n"
	"  r3 += r2\n"
	"loop:\n"
	"  if r1 >= r3 goto done\n"
	"  r4 = *(u8 *)(r1 + 0)\n"
	"  r0 *= 31\n"
	"  r0 += r4\n"
	"  r1 += 1\n"
	"  goto loop\n"
	"done:\n"
	"  exit\n";

/* fib(r1) mod 2^64, iteratively */
static const char fib_s[] =
	"  r0 = 0\n"
	"  r2 = 1\n"
	"loop:\n"
	"  if r1 == 0 goto done\n"
	"  r3 = r0\n"
	"  r3 += r2\n"
	"  r0 = r2\n"
	"  r2 = r3\n"
	"  r1 += -1\n"
	"  goto loop\n"
	"done:\n"
	"  exit\n";

/* Ethernet / IPv4 / TCP: r0 = 1 for a TCP packet to port 80, else 0.
 * r1 = packet, r2 = its length; every header is bounds-checked. */
static const char parser_s[] =
	"  r0 = 0\n"
	"  r3 = r1\n"
	"  r3 += r2\n"              /* r3 = end */
	"  r4 = r1\n"
	"  r4 += 14\n"
	"  if r4 > r3 goto out\n"
	"  r5 = *(u16 *)(r1 + 12)\n"
	"  r5 = be16 r5\n"
	"  if r5 != 0x800 goto out\n"
	"  r4 = r1\n"
	"  r4 += 34\n"
	"  if r4 > r3 goto out\n"
	"  r5 = *(u8 *)(r1 + 14)\n"  /* version / IHL */
	"  r6 = r5\n"
	"  r6 >>= 4\n"
	"  if r6 != 4 goto out\n"
	"  r5 &= 15\n"
	"  r5 <<= 2\n"
	"  if r5 < 20 goto out\n"
	"  r6 = *(u8 *)(r1 + 23)\n"  /* protocol */
	"  if r6 != 6 goto out\n"
	"  r4 = r1\n"
	"  r4 += 14\n"
	"  r4 += r5\n"               /* TCP header */
	"  r7 = r4\n"
	"  r7 += 20\n"
	"  if r7 > r3 goto out\n"
	"  r6 = *(u16 *)(r4 + 2)\n"  /* destination port */
	"  r6 = be16 r6\n"
	"  if r6 != 80 goto out\n"
	"  r6 = *(u8 *)(r4 + 13)\n"  /* TCP flags, read and masked */
	"  r6 &= 0x12\n"
	"  r0 = 1\n"
	"out:\n"
	"  exit\n";

/* The same work in C, the baseline measured in the same run (the compiler
 * may not fold it away: inputs come through a volatile, results go to one). */
static volatile uint64_t sink;
static volatile uint64_t r1_in;

static uint64_t native_sum(const uint8_t *p, size_t len)
{
	(void)p; (void)len;
	uint64_t s = 0;
	for (uint64_t i = r1_in; i; i--)
		s += i;
	return s;
}

static uint64_t native_checksum(const uint8_t *p, size_t len)
{
	uint64_t h = 0;
	for (size_t i = 0; i < len; i++)
		h = h * 31 + p[i];
	return h;
}

static uint64_t native_fib(const uint8_t *p, size_t len)
{
	(void)p; (void)len;
	uint64_t a = 0, b = 1;
	for (uint64_t i = r1_in; i; i--) {
		uint64_t c = a + b;
		a = b;
		b = c;
	}
	return a;
}

static uint64_t native_parser(const uint8_t *p, size_t len)
{
	if (len < 34 || p[12] != 0x08 || p[13] != 0x00 || p[14] >> 4 != 4)
		return 0;
	size_t ihl = (size_t)(p[14] & 15) * 4;
	if (ihl < 20 || p[23] != 6 || 14 + ihl + 20 > len)
		return 0;
	const uint8_t *t = p + 14 + ihl;
	return ((unsigned)t[2] << 8 | t[3]) == 80;
}

struct bench {
	const char *name;
	uint64_t (*native)(const uint8_t *p, size_t len);
	const char *text;
	uint64_t r1;        /* r1, or 0 to pass the buffer */
	size_t buf_len;     /* buffer passed in r1/r2 */
	uint64_t want;      /* expected r0, checked once */
	int check_want;
};

static uint8_t buf[4096];

static double time_mode(anybpf_vm *vm, struct anybpf_exec_opts *eo, enum anybpf_exec_mode mode,
			double seconds, uint64_t *reps_out)
{
	struct anybpf_exec_result res;
	eo->mode = mode;
	uint64_t reps = 1;
	double t;
	for (;;) { /* grow reps until a loop takes seconds / 8, then scale */
		double t0 = now();
		for (uint64_t i = 0; i < reps; i++)
			if (anybpf_vm_exec(vm, eo, &res, NULL)) {
				fprintf(stderr, "bench: exec failed\n");
				exit(1);
			}
		t = now() - t0;
		if (t >= seconds / 8 || reps > (1ull << 40))
			break;
		reps *= 2;
	}
	uint64_t more = (uint64_t)((double)reps * (seconds / (t > 1e-9 ? t : 1e-9)));
	if (more > reps) {
		reps = more;
		double t0 = now();
		for (uint64_t i = 0; i < reps; i++)
			(void)anybpf_vm_exec(vm, eo, &res, NULL);
		t = now() - t0;
	}
	*reps_out = reps;
	return t;
}

int main(int argc, char **argv)
{
	double seconds = 0.2;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", argv[0]);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-d") && i + 1 < argc)
			snprintf(dir, sizeof(dir), "%s", argv[++i]);
		else if (atof(argv[i]) > 0)
			seconds = atof(argv[i]);
		else {
			fprintf(stderr, "usage: bench [-d BUILD_DIR] [SECONDS_PER_LOOP]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	/* a TCP SYN to port 80 at the start of buf for the parser */
	static const uint8_t pkt[54] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,           /* ethernet */
		0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, /* ipv4 */
		0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};
	static uint8_t pbuf[64];
	memcpy(pbuf, pkt, sizeof(pkt));

	/* expected results, computed in C */
	uint64_t sum = 0, ck = 0, fa = 0, fb = 1;
	for (uint64_t i = 1000; i; i--)
		sum += i;
	for (size_t i = 0; i < sizeof(buf); i++)
		ck = ck * 31 + buf[i];
	for (int i = 0; i < 90; i++) {
		uint64_t c = fa + fb;
		fa = fb;
		fb = c;
	}
	struct bench b[] = {
		{ "loop sum (1000)", native_sum, loop_sum_s, 1000, 0, sum, 1 },
		{ "byte checksum (4 KiB)", native_checksum, checksum_s, 0, sizeof(buf), ck, 1 },
		{ "fibonacci (90)", native_fib, fib_s, 90, 0, fa, 1 },
		{ "packet parser (54 B)", native_parser, parser_s, 0, sizeof(pkt), 1, 1 },
	};

	printf("Raw programs (assembly, anybpf_vm_exec): the fast and the checking interpreter,"
	       " the JIT and C\n");
	printf("%-24s %10s %12s %12s %9s %12s %12s %9s %11s %11s %9s %8s\n", "program",
	       "insns/run", "fast ns/insn", "check ns/insn", "chk/fast", "fast ns/run", "C ns/run",
	       "fast/C", "jit ns/insn", "jit ns/run", "fast/jit", "jit/C");
	for (size_t k = 0; k < sizeof(b) / sizeof(b[0]); k++) {
		char logbuf[512];
		struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf) };
		struct anybpf_insn *insns;
		size_t n;
		if (anybpf_assemble(b[k].text, strlen(b[k].text), &insns, &n, &log)) {
			fprintf(stderr, "bench: %s: %s", b[k].name, logbuf);
			return 1;
		}
		anybpf_vm *vm = anybpf_vm_new(NULL);
		if (!vm || anybpf_vm_load(vm, insns, n, &log)) {
			fprintf(stderr, "bench: %s: %s", b[k].name, logbuf);
			return 1;
		}
		anybpf_free(insns);
		uint8_t *mem = b[k].text == parser_s ? pbuf : buf;
		struct anybpf_region reg = { mem, b[k].buf_len, ANYBPF_REGION_R, "buf" };
		struct anybpf_exec_opts eo = { .sz = sizeof(eo) };
		if (b[k].buf_len) {
			eo.args[0] = (uintptr_t)mem;
			eo.args[1] = b[k].buf_len;
			eo.regions = &reg;
			eo.nregions = 1;
		} else {
			eo.args[0] = b[k].r1;
		}
		/* correctness and the exact count, in both modes */
		struct anybpf_exec_result rc, rf;
		eo.mode = ANYBPF_EXEC_CHECKED;
		int e1 = anybpf_vm_exec(vm, &eo, &rc, &log);
		eo.mode = ANYBPF_EXEC_FAST;
		int e2 = anybpf_vm_exec(vm, &eo, &rf, &log);
		if (e1 || e2 || rc.retval != rf.retval || (b[k].check_want && rc.retval != b[k].want)) {
			fprintf(stderr, "bench: %s: wrong result 0x%llx / 0x%llx (want 0x%llx) %s\n",
				b[k].name, (unsigned long long)rc.retval, (unsigned long long)rf.retval,
				(unsigned long long)b[k].want, logbuf);
			return 1;
		}
		uint64_t rf_n, rc_n;
		double tf = time_mode(vm, &eo, ANYBPF_EXEC_FAST, seconds, &rf_n);
		double tc = time_mode(vm, &eo, ANYBPF_EXEC_CHECKED, seconds, &rc_n);
		double nf = tf * 1e9 / ((double)rf_n * (double)rc.insns);
		double nc = tc * 1e9 / ((double)rc_n * (double)rc.insns);
		/* baseline: the same work compiled natively, same run */
		r1_in = b[k].r1;
		if (b[k].native(mem, b[k].buf_len) != rc.retval) {
			fprintf(stderr, "bench: %s: the C baseline disagrees\n", b[k].name);
			return 1;
		}
		uint64_t cn = 1;
		double tcn;
		for (;;) {
			double t0 = now();
			for (uint64_t i = 0; i < cn; i++)
				sink = b[k].native(mem, b[k].buf_len);
			tcn = now() - t0;
			if (tcn >= seconds || cn > (1ull << 40))
				break;
			cn *= 2;
		}
		double run_f = tf * 1e9 / (double)rf_n, run_c = tcn * 1e9 / (double)cn;
		printf("%-24s %10llu %12.2f %12.2f %9.2f %12.1f %12.1f %9.1f", b[k].name,
		       (unsigned long long)rc.insns, nf, nc, nc / nf, run_f, run_c, run_f / run_c);
		/* the JIT: same result, then timed like the others */
		struct anybpf_exec_result rj;
		eo.mode = ANYBPF_EXEC_JIT;
		if (anybpf_vm_jit_compile(vm, &log) == 0) {
			if (anybpf_vm_exec(vm, &eo, &rj, &log) || rj.retval != rc.retval) {
				fprintf(stderr, "\nbench: %s: the JIT returned 0x%llx, the interpreter 0x%llx\n",
					b[k].name, (unsigned long long)rj.retval,
					(unsigned long long)rc.retval);
				return 1;
			}
			uint64_t rj_n;
			double tj = time_mode(vm, &eo, ANYBPF_EXEC_JIT, seconds, &rj_n);
			double nj = tj * 1e9 / ((double)rj_n * (double)rc.insns);
			double run_j = tj * 1e9 / (double)rj_n;
			printf(" %11.3f %11.1f %9.1f %8.2f\n", nj, run_j, run_f / run_j, run_j / run_c);
		} else {
			printf(" %11s %11s %9s %8s\n", "-", "-", "-", "-");
		}
		anybpf_vm_free(vm);
	}
	return bench_programs(dir, seconds) ? 1 : 0;
}
