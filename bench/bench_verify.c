/* bench_verify.c - `make bench`: the verifier on the sample corpus.
 *
 * Every program ../shared/testdata/ebpf-samples/EXPECTED.tsv lists under
 * build/, linux/ and prototype-kernel/ is verified as the program type of
 * its column 4, with the object's maps, as the corpus test does.  Objects
 * are opened once, before timing; the whole corpus is then verified ROUNDS
 * times.  Printed: the best and the median time of a whole round, the
 * slowest program (its best time over the rounds), accepted / rejected /
 * not verifiable (a program type not described yet) counts, the most
 * instructions explored and checkpoints stored by one program, and the
 * peak memory: the most the verifier itself held for one program (its own
 * count, anybpf_verify_result.peak_bytes) and the growth of the process'
 * maximum resident set while verifying (getrusage ru_maxrss), which also
 * counts allocator overhead and fragmentation.
 * The targets: the corpus under 2 s, any program under 0.5 s,
 * under 50 MB.
 *
 * Usage: bench_verify [ROUNDS]   (environment: ANYBPF_SAMPLES = the corpus)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "anybpf.h"

#define DEFAULT_ROUNDS 5

struct job {
	char *file, *section, *func, *type;
	anybpf_object *obj;              /* shared by the jobs of one file */
	const struct anybpf_insn *insns;
	size_t n;
	struct anybpf_map_desc *md;      /* owned by the object's first job */
	size_t nmaps;
	double best;                     /* seconds, best over the rounds */
	int verdict;                     /* 1 accepted, 0 rejected, -1 cannot verify */
	uint64_t explored, stored, peak;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* split a TSV line in place; returns the column count (at most max) */
static int split(char *line, char **col, int max)
{
	int nc = 0;
	line[strcspn(line, "\r\n")] = 0;
	for (char *p = line; nc < max;) {
		col[nc++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = 0;
		p = t + 1;
	}
	return nc;
}

static int in_corpus(const char *file)
{
	return !strncmp(file, "build/", 6) || !strncmp(file, "linux/", 6) ||
	       !strncmp(file, "prototype-kernel/", 17);
}

/* one verification; 1 accepted, 0 rejected, -1 not verifiable */
static int verify(struct job *j, double *secs)
{
	struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = j->type, .maps = j->md,
					.nmaps = j->nmaps };
	struct anybpf_verify_result *res = NULL;
	double t0 = now();
	int err = anybpf_verify(j->insns, j->n, &o, &res);
	*secs = now() - t0;
	if (err)
		return -1;
	int v = res->verified;
	j->explored = res->insns_processed;
	j->stored = res->states_stored;
	j->peak = res->peak_bytes;
	anybpf_verify_result_free(res);
	return v;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("ANYBPF_SAMPLES");
	int rounds = argc > 1 ? atoi(argv[1]) : DEFAULT_ROUNDS;
	char path[4096], line[8192];

	if (!dir)
		dir = "../shared/testdata/ebpf-samples";
	if (rounds < 1)
		rounds = 1;
	snprintf(path, sizeof(path), "%s/EXPECTED.tsv", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("verifier bench: skipped (%s not found)\n", path);
		return 0;
	}
	struct job *jobs = NULL;
	size_t njobs = 0, cap = 0, unloadable = 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;  /* the header */
	while (fgets(line, sizeof(line), f)) {
		char *col[9];
		if (split(line, col, 9) < 4 || !in_corpus(col[0]))
			continue;
		if (njobs == cap) {
			cap = cap ? 2 * cap : 256;
			struct job *nj = realloc(jobs, cap * sizeof(*jobs));
			if (!nj) {
				fprintf(stderr, "bench_verify: out of memory\n");
				return 1;
			}
			jobs = nj;
		}
		struct job *j = &jobs[njobs];
		memset(j, 0, sizeof(*j));
		j->file = strdup(col[0]);
		j->section = strdup(col[1]);
		j->func = strdup(col[2]);
		j->type = strdup(col[3]);
		/* the previous job of the same file has the object open */
		struct job *same = njobs && !strcmp(jobs[njobs - 1].file, col[0]) ? &jobs[njobs - 1] : NULL;
		if (same && same->obj) {
			j->obj = same->obj;
			j->md = same->md;
			j->nmaps = same->nmaps;
		} else if (!same) {
			snprintf(path, sizeof(path), "%s/%s", dir, col[0]);
			if (anybpf_object_open_file(path, NULL, &j->obj, NULL) == 0)
				j->md = anybpf_object_map_descs(j->obj, &j->nmaps);
			else
				j->obj = NULL;
		}
		anybpf_prog *p = j->obj ? anybpf_object_find_prog(j->obj, j->section, j->func) : NULL;
		if (p)
			j->insns = anybpf_prog_insns(p, &j->n);
		else
			unloadable++;
		njobs++;
	}
	fclose(f);

	double *round_secs = calloc((size_t)rounds, sizeof(double));
	long rss0 = maxrss_kb();
	size_t acc = 0, rej = 0, nover = 0, nprogs = 0;
	uint64_t insns = 0;
	for (int r = 0; r < rounds; r++) {
		double total = 0;
		for (size_t i = 0; i < njobs; i++) {
			struct job *j = &jobs[i];
			double s;
			if (!j->insns)
				continue;
			int v = verify(j, &s);
			total += s;
			if (r == 0 || s < j->best)
				j->best = s;
			if (r == 0) {
				j->verdict = v;
				nprogs++;
				insns += j->n;
				acc += v == 1;
				rej += v == 0;
				nover += v < 0;
			} else if (v != j->verdict) {
				fprintf(stderr, "bench_verify: %s %s: verdict changed between rounds\n",
					j->file, j->section);
				return 1;
			}
		}
		round_secs[r] = total;
	}
	long rss1 = maxrss_kb();
	double best = round_secs[0];
	for (int r = 1; r < rounds; r++)
		if (round_secs[r] < best)
			best = round_secs[r];
	qsort(round_secs, (size_t)rounds, sizeof(double), cmp_double);
	double median = rounds % 2 ? round_secs[rounds / 2]
				   : (round_secs[rounds / 2 - 1] + round_secs[rounds / 2]) / 2;
	struct job *slow = NULL, *most = NULL, *big = NULL;
	for (size_t i = 0; i < njobs; i++) {
		if (!jobs[i].insns)
			continue;
		if (!slow || jobs[i].best > slow->best)
			slow = &jobs[i];
		if (!most || jobs[i].explored > most->explored)
			most = &jobs[i];
		if (!big || jobs[i].peak > big->peak)
			big = &jobs[i];
	}

	printf("verifier on the sample corpus (build/, linux/, prototype-kernel/ of EXPECTED.tsv), %d rounds\n",
	       rounds);
	printf("  programs        %zu (%zu instructions), %zu accepted, %zu rejected, %zu not verifiable (program type not described), %zu not loadable\n",
	       nprogs, (size_t)insns, acc, rej, nover, unloadable);
	printf("  corpus time     best %.1f ms, median %.1f ms   (target < 2000 ms)\n", best * 1e3,
	       median * 1e3);
	if (slow)
		printf("  slowest program %.2f ms: %s %s/%s (%s)   (target < 500 ms)\n", slow->best * 1e3,
		       slow->file, slow->section, slow->func, slow->type);
	if (most)
		printf("  most explored   %llu instructions, %llu checkpoints: %s %s/%s\n",
		       (unsigned long long)most->explored, (unsigned long long)most->stored, most->file,
		       most->section, most->func);
	if (big)
		printf("  peak memory     %.2f MB held by the verifier (its own count, largest program: %s %s/%s)\n",
		       (double)big->peak / (1 << 20), big->file, big->section, big->func);
	printf("                  +%.1f MB resident while verifying (ru_maxrss %.1f -> %.1f MB)   (target < 50 MB)\n",
	       (double)(rss1 - rss0) / 1024, (double)rss0 / 1024, (double)rss1 / 1024);

	for (size_t i = 0; i < njobs; i++) {
		if (jobs[i].obj && (i == 0 || jobs[i - 1].obj != jobs[i].obj)) {
			anybpf_object_close(jobs[i].obj);
			anybpf_free(jobs[i].md);
		}
		free(jobs[i].file);
		free(jobs[i].section);
		free(jobs[i].func);
		free(jobs[i].type);
	}
	free(jobs);
	free(round_secs);
	return 0;
}
