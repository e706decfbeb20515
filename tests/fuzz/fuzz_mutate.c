/* fuzz_mutate.c - libFuzzer target: the verifier's mutation fuzzer (issue 4
 * section 4).  The input picks a sample program our verifier accepts and
 * up to four mutations of it (tests/soundness/sound.h: drop a check, shift
 * an offset, widen a size, flip a comparison, swap a register, change an
 * immediate); a mutant the verifier accepts runs on 32 random inputs in
 * the strict checking mode of tests/soundness/sound.c.  A violation is a
 * verifier bug: the program, the mutations, the input and the log are
 * printed and the target aborts; so does an accepted mutant whose context
 * accesses the runtime's rewrite refuses.
 *
 * Input bytes: [0..1] program (little-endian, modulo the count), [2] the
 * number of mutations (1 + b % 4), then per mutation 17 bytes (kind, 8
 * bytes choosing the pc, 8 choosing the variant; missing bytes are 0),
 * then 8 bytes of input seed.  Programs come from ANYBPF_SAMPLES
 * (default ../shared/testdata/ebpf-samples)/EXPECTED.tsv; without it every
 * input is a no-op. */
#include "../soundness/sound.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sd_prog *fz_progs;
static size_t fz_n;

static void fz_init(void)
{
	const char *dir = getenv("ANYBPF_SAMPLES");
	char path[1024], line[8192], why[512];
	snprintf(path, sizeof(path), "%s/EXPECTED.tsv", dir ? dir : "../shared/testdata/ebpf-samples");
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "fuzz_mutate: %s not found: nothing to mutate\n", path);
		return;
	}
	size_t cap = 0;
	while (fgets(line, sizeof(line), f)) {
		char *col[6] = { 0 };
		int nc = 0;
		line[strcspn(line, "\n")] = 0;
		for (char *p = line; nc < 6 && p; nc++) {
			col[nc] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		if (nc < 6 || !strcmp(col[0], "file") || !strncmp(col[0], "invalid/", 8))
			continue;
		if (fz_n == cap) {
			cap = cap ? 2 * cap : 64;
			struct sd_prog *np = realloc(fz_progs, cap * sizeof(*np));
			if (!np)
				break;
			fz_progs = np;
		}
		char opath[1200];
		snprintf(opath, sizeof(opath), "%s/%s", dir ? dir : "../shared/testdata/ebpf-samples", col[0]);
		struct sd_prog *p = &fz_progs[fz_n];
		if (sd_open(p, opath, col[1], col[2], col[3], why, sizeof(why))) {
			sd_close(p);
			continue;
		}
		struct anybpf_verify_result *res = NULL;
		struct sd_exec *e = NULL;
		uint32_t helper;
		if (sd_verify(p, p->insns, p->n, &res) || !res->verified ||
		    sd_load(p, p->insns, p->n, res, &e, &helper, why, sizeof(why))) {
			anybpf_verify_result_free(res);
			sd_close(p);
			continue;
		}
		anybpf_verify_result_free(res);
		sd_exec_free(e);
		/* a mutant loop the verifier cannot bound costs the whole
		 * budget: 1M explored instructions take ~1 s, ~12 s under ASan
		 * (past -timeout=10); rejecting more mutants stays sound */
		p->verify_budget = 200000;
		fz_n++;
	}
	fclose(f);
	fprintf(stderr, "fuzz_mutate: %zu runnable sample programs\n", fz_n);
}

static uint64_t take(const uint8_t **d, size_t *left, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = 0;
		if (*left) {
			b = **d;
			(*d)++;
			(*left)--;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	if (!inited) {
		inited = 1;
		fz_init();
	}
	if (!fz_n || size < 3)
		return 0;
	const uint8_t *d = data;
	size_t left = size;
	struct sd_prog *p = &fz_progs[take(&d, &left, 2) % fz_n];
	unsigned nmut = 1 + (unsigned)(take(&d, &left, 1) % 4);
	struct anybpf_insn *mut = malloc((p->n ? p->n : 1) * sizeof(*mut));
	if (!mut)
		return 0;
	memcpy(mut, p->insns, p->n * sizeof(*mut));
	char desc[4][400], label[1700] = "[mutant:";
	int changed = 0;
	for (unsigned i = 0; i < nmut; i++) {
		enum sd_mut_kind k = (enum sd_mut_kind)(take(&d, &left, 1) % SD_MUT_COUNT);
		uint64_t pick = take(&d, &left, 8), param = take(&d, &left, 8);
		if (sd_mutate(mut, p->n, k, pick, param, desc[i], sizeof(desc[i]), NULL)) {
			changed = 1;
			strncat(label, " ", sizeof(label) - strlen(label) - 1);
			strncat(label, desc[i], sizeof(label) - strlen(label) - 1);
			strncat(label, ";", sizeof(label) - strlen(label) - 1);
		}
	}
	strncat(label, "]", sizeof(label) - strlen(label) - 1);
	uint64_t seed = take(&d, &left, 8);
	struct anybpf_verify_result *res = NULL;
	if (changed && !sd_verify(p, mut, p->n, &res) && res->verified) {
		struct sd_exec *e = NULL;
		uint32_t helper;
		char why[512];
		int err = sd_load(p, mut, p->n, res, &e, &helper, why, sizeof(why));
		if (err == SD_SKIP && !helper && strstr(why, "context rewrite")) {
			/* accepted a context access the runtime cannot do (Linux
			 * rejects it): a verifier bug too */
			fprintf(stderr, "FAIL %s %s: accepted, but %s\n", p->name, label, why);
			abort();
		}
		if (!err) {
			struct sd_stats st = { 0 };
			if (sd_run_inputs(p, e, seed, 32, label, stderr, &st))
				abort(); /* a verifier bug: accepted, yet unsafe */
			sd_exec_free(e);
		}
	}
	anybpf_verify_result_free(res);
	free(mut);
	return 0;
}
