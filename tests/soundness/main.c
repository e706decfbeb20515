/* main.c - the soundness suite (issue 4 section 4, tests/soundness/run.sh).
 *
 * 1. Every program of EXPECTED.tsv our verifier accepts runs on
 *    SOUND_INPUTS (default 1000) random inputs in strict checking mode
 *    (sound.h): random and structured Ethernet/IPv4/IPv6/TCP/UDP/... frames
 *    of random lengths, random ctx_in fields, random map contents.
 * 2. Mutation fuzzing: SOUND_MUTANTS (default 20) mutants per accepted
 *    program (drop a check, shift an offset, widen a size, flip a
 *    comparison, swap a register, change an immediate); every mutant the
 *    verifier accepts runs on SOUND_MUTANT_INPUTS (default 200) inputs.
 *
 * Any violation (out-of-bounds access, a write to read-only memory, a run
 * longer than the verifier's bound, ...) is a verifier bug: FAIL with the
 * program, mutation, seed, input, log and code.  Programs that call a
 * helper the runtime does not implement, or whose type has no native
 * context yet, are skipped and counted by reason.
 *
 * Environment: ANYBPF_SAMPLES (../shared/testdata/ebpf-samples),
 * SOUND_SEED (1), SOUND_INPUTS, SOUND_MUTANTS, SOUND_MUTANT_INPUTS,
 * SOUND_STACK (mutations per mutant, 1), SOUND_SELFCHECK (rejected mutants
 * the self-check runs, 200), SOUND_FILTER (only programs whose file:section/function contains it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sound.h"

static unsigned env_uint(const char *name, unsigned def)
{
	const char *v = getenv(name);
	return v && *v ? (unsigned)strtoul(v, NULL, 0) : def;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* skip reasons, counted */
#define MAX_REASONS 64
static struct { char why[160]; unsigned n; } reasons[MAX_REASONS];
static unsigned nreasons;

static void count_skip(const char *why)
{
	for (unsigned i = 0; i < nreasons; i++)
		if (!strcmp(reasons[i].why, why)) {
			reasons[i].n++;
			return;
		}
	if (nreasons < MAX_REASONS) {
		snprintf(reasons[nreasons].why, sizeof(reasons[0].why), "%s", why);
		reasons[nreasons++].n = 1;
	}
}

int main(void)
{
	const char *dir = getenv("ANYBPF_SAMPLES");
	if (!dir)
		dir = "../shared/testdata/ebpf-samples";
	const char *filter = getenv("SOUND_FILTER");
	uint64_t seed = env_uint("SOUND_SEED", 1);
	unsigned ninputs = env_uint("SOUND_INPUTS", 1000);
	unsigned nmutants = env_uint("SOUND_MUTANTS", 20);
	unsigned nminputs = env_uint("SOUND_MUTANT_INPUTS", 200);
	unsigned nstack = env_uint("SOUND_STACK", 1);
	char path[1024], line[8192], why[512];
	snprintf(path, sizeof(path), "%s/EXPECTED.tsv", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("soundness: %s not found\n0 passed, 0 failed, 1 skipped\n", path);
		return 0;
	}
	double t0 = now_s(), t_prog = 0;
	unsigned rows = 0, accepted = 0, rejected = 0, run = 0, pass = 0, fail = 0, skip = 0;
	unsigned mgen = 0, macc = 0, mrun = 0, mskip = 0, mviol = 0, mprobed = 0, mreached = 0;
	struct sd_stats st = { 0 }, mst = { 0 };
	unsigned kgen[SD_MUT_COUNT] = { 0 }, kacc[SD_MUT_COUNT] = { 0 };
	unsigned selfcheck_left = env_uint("SOUND_SELFCHECK", 200), sc_run = 0, sc_viol = 0;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *col[9] = { 0 };
		int nc = 0;
		line[strcspn(line, "\n")] = 0;
		for (char *p = line; nc < 9; nc++) {
			col[nc] = p;
			char *t = strchr(p, '\t');
			if (!t) {
				nc++;
				break;
			}
			*t = 0;
			p = t + 1;
		}
		if (nc < 6 || !strncmp(col[0], "invalid/", 8) || !strcmp(col[3], "-"))
			continue;
		rows++;
		char opath[1024];
		snprintf(opath, sizeof(opath), "%s/%s", dir, col[0]);
		struct sd_prog p;
		int err = sd_open(&p, opath, col[1], col[2], col[3], why, sizeof(why));
		why[strcspn(why, "\n")] = 0;
		/* a shorter name for messages: the path inside the samples */
		snprintf(p.name, sizeof(p.name), "%s:%s/%s", col[0], col[1], col[2]);
		if (filter && !strstr(p.name, filter)) {
			sd_close(&p);
			continue;
		}
		if (err) {
			/* no such program, a type that cannot run, an object
			 * that does not open (tests/verifier reports those) */
			printf("SKIP %s: %s\n", p.name, why);
			count_skip(why);
			skip++;
			sd_close(&p);
			continue;
		}
		struct anybpf_verify_result *res = NULL;
		err = sd_verify(&p, p.insns, p.n, &res);
		if (err || !res->verified) {
			rejected++;
			anybpf_verify_result_free(res);
			sd_close(&p);
			continue;
		}
		accepted++;
		struct sd_exec *e = NULL;
		uint32_t helper = 0;
		err = sd_load(&p, p.insns, p.n, res, &e, &helper, why, sizeof(why));
		struct anybpf_verify_result *res0 = res; /* for the reach probes */
		if (err)
			anybpf_verify_result_free(res0);
		if (err && !helper && strstr(why, "context rewrite")) {
			printf("FAIL %s: accepted, but %s\n", p.name, why);
			fail++;
			sd_close(&p);
			continue;
		}
		if (err) {
			printf("SKIP %s: %s\n", p.name, why);
			char r[160];
			if (helper)
				snprintf(r, sizeof(r), "helper %u not implemented", helper);
			else
				snprintf(r, sizeof(r), "%.150s", why);
			count_skip(r);
			skip++;
			sd_close(&p);
			continue;
		}
		run++;
		uint64_t pseed = seed ^ hash_str(p.name);
		double ts = now_s();
		uint64_t runs0 = st.runs;
		int v = sd_run_inputs(&p, e, pseed, ninputs, "", stdout, &st);
		t_prog += now_s() - ts;
		sd_exec_free(e);
		if (v) {
			fail++;
		} else if (st.runs == runs0) {
			run--;
			snprintf(why, sizeof(why), "type %s: the context builder refuses every input",
				 col[3]);
			printf("SKIP %s: %s\n", p.name, why);
			count_skip(why);
			skip++;
			anybpf_verify_result_free(res0);
			sd_close(&p);
			continue;
		} else {
			pass++;
			printf("PASS %s (%u inputs)\n", p.name, ninputs);
		}

		/* mutants */
		struct anybpf_insn *mut = malloc((p.n ? p.n : 1) * sizeof(*mut));
		unsigned bad = 0, here_acc = 0;
		for (unsigned m = 0; mut && m < nmutants; m++) {
			uint64_t r = pseed ^ (0x9e3779b97f4a7c15ull * (m + 1));
			char desc[1200];
			int changed = 0;
			size_t at = 0;
			enum sd_mut_kind k = SD_MUT_DROP_CHECK;
			for (int tries = 0; tries < 8 && !changed; tries++) {
				memcpy(mut, p.insns, p.n * sizeof(*mut));
				k = (enum sd_mut_kind)((m + (unsigned)tries) % SD_MUT_COUNT);
				uint64_t pick = sd_rand(&r), param = sd_rand(&r);
				changed = sd_mutate(mut, p.n, k, pick, param, desc, sizeof(desc), &at);
			}
			if (!changed)
				continue;
			/* SOUND_STACK > 1: more mutations on top (random kinds) */
			for (unsigned j = 1; j < nstack; j++) {
				char more[400];
				enum sd_mut_kind k2 = (enum sd_mut_kind)sd_below(&r, SD_MUT_COUNT);
				uint64_t pick = sd_rand(&r), param = sd_rand(&r);
				if (sd_mutate(mut, p.n, k2, pick, param, more, sizeof(more), NULL)) {
					size_t dl = strlen(desc);
					snprintf(desc + dl, sizeof(desc) - dl, "; %s", more);
				}
			}
			mgen++;
			kgen[k]++;
			res = NULL;
			if (sd_verify(&p, mut, p.n, &res) || !res->verified) {
				/* the oracle's self-check: some rejected mutants
				 * must make out-of-bounds accesses when run anyway, or the harness is
				 * blind */
				if (res && selfcheck_left && !sd_load(&p, mut, p.n, res, &e, &helper, why, sizeof(why))) {
					struct sd_stats sc = { 0 };
					selfcheck_left--;
					sc_run++;
					sd_set_budget(e, 100000);
					sd_run_inputs(&p, e, pseed ^ m, nminputs, "", getenv("SOUND_SELFCHECK_SHOW") ? stdout : NULL, &sc);
					sc_viol += sc.oob != 0;
					sd_exec_free(e);
				}
				anybpf_verify_result_free(res);
				continue;
			}
			macc++;
			kacc[k]++;
			here_acc++;
			err = sd_load(&p, mut, p.n, res, &e, &helper, why, sizeof(why));
			anybpf_verify_result_free(res);
			if (err && !helper && strstr(why, "context rewrite")) {
				/* the verifier accepted a context access the
				 * runtime cannot perform (e.g. a sign-extending
				 * load of ctx->data, which Linux rejects as an
				 * invalid bpf_context access): a verifier bug */
				printf("FAIL %s [mutant %u: %s]: accepted, but %s\n", p.name, m, desc, why);
				bad++;
				mviol++;
				continue;
			}
			if (err) {
				printf("NOTE %s [mutant %u: %s] accepted but not loadable: %s\n", p.name, m,
				       desc, why);
				mskip++;
				continue;
			}
			mrun++;
			char label[1300];
			snprintf(label, sizeof(label), "[mutant %u: %s]", m, desc);
			if (sd_run_inputs(&p, e, pseed ^ m, nminputs, label, stdout, &mst)) {
				bad++;
				mviol++;
			}
			sd_exec_free(e);
			/* did the inputs reach the (first) mutated instruction?
			 * the original with a fault there, on the same inputs */
			struct sd_exec *pe = NULL;
			if (!sd_load_probe(&p, res0, at, &pe)) {
				struct sd_stats ps = { 0 };
				sd_set_budget(pe, 1000000);
				sd_run_inputs(&p, pe, pseed ^ m, nminputs, "", NULL, &ps);
				mreached += ps.oob != 0;
				mprobed++;
				sd_exec_free(pe);
			}
		}
		free(mut);
		anybpf_verify_result_free(res0);
		if (!nmutants) {
			sd_close(&p);
			continue;
		}
		if (bad) {
			fail++;
			printf("FAIL %s: %u of %u accepted mutants violate memory safety\n", p.name, bad,
			       here_acc);
		} else {
			pass++;
			printf("PASS %s mutants (%u accepted of %u)\n", p.name, here_acc, nmutants);
		}
		sd_close(&p);
	}
	fclose(f);
	double t1 = now_s();
	printf("\nsoundness: %u sample programs: %u accepted by our verifier, %u rejected; "
	       "%u run on %u inputs each (%llu runs, %llu inputs regenerated, %llu given up, %llu instructions) in %.1f s\n",
	       rows, accepted, rejected, run, ninputs, (unsigned long long)st.runs,
	       (unsigned long long)st.refused, (unsigned long long)st.unbuilt,
	       (unsigned long long)st.insns, t_prog);
	for (unsigned i = 0; i < nreasons; i++)
		printf("soundness: skipped %u: %s\n", reasons[i].n, reasons[i].why);
	printf("soundness: mutants: %u generated, %u accepted by the verifier, %u run on %u inputs each "
	       "(%u not loadable), %llu runs\n",
	       mgen, macc, mrun, nminputs, mskip, (unsigned long long)mst.runs);
	printf("soundness: mutants run whose mutated instruction the inputs reach: %u of %u\n",
	       mreached, mprobed);
	printf("soundness: mutants accepted by kind:");
	for (unsigned k = 0; k < SD_MUT_COUNT; k++)
		printf(" %s %u/%u%s", sd_mut_name((enum sd_mut_kind)k), kacc[k], kgen[k],
		       k + 1 < SD_MUT_COUNT ? "," : "\n");
	printf("soundness: violations: %llu in the programs, %u in mutants; %.1f s in all\n",
	       (unsigned long long)st.violations, mviol, t1 - t0);
	/* the oracle catches what the verifier rejects */
	printf("soundness: self-check: %u of %u mutants the verifier rejects make out-of-bounds accesses when run anyway\n",
	       sc_viol, sc_run);
	if (sc_run && sc_viol * 10 < sc_run) {
		printf("FAIL self-check: the checking-mode oracle catches too few rejected mutants\n");
		fail++;
	} else if (sc_run) {
		pass++;
	}
	printf("%u passed, %u failed, %u skipped\n", pass, fail, skip);
	return fail ? 1 : 0;
}
