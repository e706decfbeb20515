/* test_verifier.c - the verifier: its domains (tnum, ranges) directly, and
 * the table-driven cases in tests/verifier/NAME.txt.
 *
 * Case file format (one or more cases per file):
 *   == name                 starts a case
 *   type: xdp               program type (default socket_filter)
 *   maps: hash 4 8 16; array 4 48 1    type key_size value_size max_entries
 *                           [inner=N: map-in-map, N = 1 + inner map index]
 *                           [flags=N: map_flags; rdonly = flags=0x80,
 *                           BPF_F_RDONLY_PROG] [str=TEXT: the value's
 *                           bytes (zero-padded, cut at value_size)]
 *   opts: strict allow_unreachable uninit_stack budget=N
 *   global: PC NAME RET ARG...  a function at PC with this BTF signature,
 *                           global (verified on its own); RET int | void;
 *                           ARG int | ptr=N (pointer to N bytes) |
 *                           ptr=N:STRUCT | void* ; `static:` the same for a
 *                           static function
 *   expect: accept | reject | invalid (options refused)
 *   error: text             (reject) some diagnostic contains it
 *   pc: N                   (reject) ... at this pc
 *   bound: N                (accept) "terminates within N instructions"
 *   --                      the program follows (assembler syntax) until
 *                           the next "==" or the end of the file
 * Lines starting with '#' outside programs are comments.
 * ANYBPF_VERIFIER_SHOW=1 prints every case's diagnostics. */
#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "unit.h"
#include "verifier/range.h"
#include "verifier/tnum.h"

#define CASE_DIR "tests/verifier"

/* ---- domains ------------------------------------------------------------- */

TEST(verifier_tnum_basics)
{
	struct tnum a = tnum_const(5), b = tnum_range(0, 7);
	CHECK(tnum_is_const(a));
	CHECK_EQ(b.value, 0);
	CHECK_EQ(b.mask, 7);
	CHECK(tnum_in(b, a));
	CHECK(!tnum_in(a, b));
	struct tnum s = tnum_add(a, tnum_const(3));
	CHECK(tnum_equals_const(s, 8));
	struct tnum an = tnum_and(tnum_unknown, tnum_const(0xff));
	CHECK_EQ(an.mask, 0xff);
	CHECK_EQ(an.value, 0);
	struct tnum m = tnum_mul(tnum_const(6), tnum_const(7));
	CHECK(tnum_equals_const(m, 42));
	struct tnum sh = tnum_lshift(tnum_range(0, 3), 4);
	CHECK_EQ(sh.mask, 0x30);
	struct tnum ar = tnum_arshift(tnum_const((uint64_t)-16), 2, 64);
	CHECK(tnum_equals_const(ar, (uint64_t)-4));
	struct tnum u = tnum_union(tnum_const(4), tnum_const(6));
	CHECK_EQ(u.value, 4);
	CHECK_EQ(u.mask, 2);
	CHECK(tnum_disjoint(tnum_const(1), tnum_const(2)));
	CHECK(tnum_is_aligned(tnum_lshift(tnum_unknown, 3), 8));
	/* exhaustive soundness on 4-bit tnums for add/sub/and/or/xor/mul */
	int bad = 0;
	for (uint64_t av = 0; av < 16; av++)
		for (uint64_t am = 0; am < 16; am++) {
			if (av & am)
				continue;
			for (uint64_t bv = 0; bv < 16; bv++)
				for (uint64_t bm = 0; bm < 16; bm++) {
					if (bv & bm)
						continue;
					struct tnum ta = TNUM(av, am), tb = TNUM(bv, bm);
					struct tnum r[6] = { tnum_add(ta, tb), tnum_sub(ta, tb), tnum_and(ta, tb),
							     tnum_or(ta, tb), tnum_xor(ta, tb), tnum_mul(ta, tb) };
					for (uint64_t x = 0; x < 16; x++) {
						if ((x & ~am) != av)
							continue;
						for (uint64_t y = 0; y < 16; y++) {
							if ((y & ~bm) != bv)
								continue;
							uint64_t c[6] = { x + y, x - y, x & y, x | y, x ^ y, x * y };
							for (int k = 0; k < 6; k++)
								bad += !tnum_in(r[k], tnum_const(c[k]));
						}
					}
				}
		}
	CHECK_EQ(bad, 0);
}

static int sc_has(const struct scalar *s, uint64_t x)
{
	return tnum_in(s->var, tnum_const(x)) && x >= s->umin && x <= s->umax &&
	       (int64_t)x >= s->smin && (int64_t)x <= s->smax && (uint32_t)x >= s->u32min &&
	       (uint32_t)x <= s->u32max && (int32_t)x >= s->s32min && (int32_t)x <= s->s32max;
}

/* the instruction set's semantics, written independently of range.c */
static uint64_t ref_alu(int op, uint64_t a, uint64_t b, unsigned bits)
{
	if (bits == 32) {
		uint32_t x = (uint32_t)a, y = (uint32_t)b, r = 0;
		switch (op) {
		case SC_ADD: r = x + y; break;
		case SC_SUB: r = x - y; break;
		case SC_MUL: r = x * y; break;
		case SC_DIV: r = y ? x / y : 0; break;
		case SC_MOD: r = y ? x % y : x; break;
		case SC_SDIV: r = !y ? 0 : (int32_t)y == -1 ? -x : (uint32_t)((int32_t)x / (int32_t)y); break;
		case SC_SMOD: r = !y ? x : (int32_t)y == -1 ? 0 : (uint32_t)((int32_t)x % (int32_t)y); break;
		case SC_OR: r = x | y; break;
		case SC_AND: r = x & y; break;
		case SC_LSH: r = x << (y & 31); break;
		case SC_RSH: r = x >> (y & 31); break;
		case SC_ARSH: r = (uint32_t)((int32_t)x >> (y & 31)); break;
		case SC_XOR: r = x ^ y; break;
		}
		return r;
	}
	switch (op) {
	case SC_ADD: return a + b;
	case SC_SUB: return a - b;
	case SC_MUL: return a * b;
	case SC_DIV: return b ? a / b : 0;
	case SC_MOD: return b ? a % b : a;
	case SC_SDIV: return !b ? 0 : (int64_t)b == -1 ? -a : (uint64_t)((int64_t)a / (int64_t)b);
	case SC_SMOD: return !b ? a : (int64_t)b == -1 ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
	case SC_OR: return a | b;
	case SC_AND: return a & b;
	case SC_LSH: return a << (b & 63);
	case SC_RSH: return a >> (b & 63);
	case SC_ARSH: return (uint64_t)((int64_t)a >> (b & 63));
	case SC_XOR: return a ^ b;
	}
	return 0;
}

TEST(verifier_range_ops_sound)
{
	/* small value sets through every operator at both widths */
	static const uint64_t vals[] = { 0, 1, 2, 3, 7, 8, 15, 16, 255, 0x7fffffff, 0x80000000,
					 0xffffffff, 0x100000000ull, (uint64_t)-1, (uint64_t)-2,
					 (uint64_t)-100, 0x7fffffffffffffffull, 0x8000000000000000ull };
	size_t nv = sizeof(vals) / sizeof(vals[0]);
	int bad = 0;
	for (int op = SC_ADD; op <= SC_XOR; op++)
		for (unsigned bits = 32; bits <= 64; bits += 32)
			for (size_t i = 0; i + 1 < nv; i++)
				for (size_t j = 0; j + 1 < nv; j++) {
					/* a = {vals[i], vals[i+1]} joined, b likewise */
					struct scalar a1 = sc_const(vals[i]), a2 = sc_const(vals[i + 1]);
					struct scalar b1 = sc_const(vals[j]), b2 = sc_const(vals[j + 1]);
					struct scalar a = sc_join(&a1, &a2), b = sc_join(&b1, &b2);
					struct scalar r = sc_alu(op, &a, &b, bits);
					for (int x = 0; x < 2; x++)
						for (int y = 0; y < 2; y++) {
							uint64_t c = ref_alu(op, vals[i + x], vals[j + y], bits);
							if (!sc_has(&r, c)) {
								if (bad++ < 5)
									fprintf(stderr, "  op %d bits %u: %llx op %llx = %llx not in result\n",
										op, bits, (unsigned long long)vals[i + x],
										(unsigned long long)vals[j + y],
										(unsigned long long)c);
							}
						}
				}
	CHECK_EQ(bad, 0);
}

TEST(verifier_range_refine)
{
	struct scalar a = sc_unknown(), k = sc_const(10);
	CHECK(sc_refine(&a, &k, SC_JLT, 64));
	CHECK_EQ(a.umax, 9);
	CHECK_EQ(a.umin, 0);
	CHECK_EQ(sc_branch_taken(&a, &k, SC_JLT, 64), 1);
	struct scalar b = sc_unknown(), z = sc_const(0);
	CHECK(sc_refine(&b, &z, SC_JSGE, 64));
	CHECK_EQ(b.smin, 0);
	struct scalar c = sc_const(5), d = sc_const(5);
	CHECK(!sc_refine(&c, &d, SC_JNE, 64) || sc_empty(&c));
	struct scalar w = sc_unknown(), k32 = sc_const(100);
	CHECK(sc_refine(&w, &k32, SC_JLE, 32));
	CHECK_EQ(w.u32max, 100);
	struct scalar e = sc_umax(255);
	CHECK_EQ(sc_branch_taken(&e, &k32, SC_JGT, 64), -1);
	struct scalar big = sc_const(300);
	CHECK_EQ(sc_branch_taken(&e, &big, SC_JGT, 64), 0);
}

/* ---- the case files ------------------------------------------------------ */

struct vcase {
	char name[128];
	char type[32];
	struct anybpf_map_desc maps[8];
	char values[8][64];          /* str=TEXT */
	size_t nmaps;
	int strict, allow_unreachable, allow_uninit_stack, expect_accept;
	uint64_t budget;
	struct anybpf_func_sig sigs[4];
	char signames[4][5][32];     /* NAME, then struct names of args 1-4 */
	size_t nsigs;
	char error[256];
	long long pc, bound;
	char *prog;
	size_t proglen, progcap;
	int line;
};

static const struct { const char *name; uint32_t type; } map_types[] = {
	{ "hash", 1 }, { "array", 2 }, { "prog_array", 3 }, { "perf_event_array", 4 },
	{ "percpu_hash", 5 }, { "percpu_array", 6 }, { "stack_trace", 7 }, { "lru_hash", 9 },
	{ "lpm_trie", 11 }, { "array_of_maps", 12 }, { "hash_of_maps", 13 }, { "devmap", 14 }, { "queue", 22 }, { "stack", 23 }, { "ringbuf", 27 },
	{ "cgroup_array", 8 }, { "sockmap", 15 }, { "cpumap", 16 }, { "xskmap", 17 }, { "sockhash", 18 },
	{ "cgroup_storage", 19 }, { "percpu_cgroup_storage", 21 }, { "bloom_filter", 30 },
};

static int parse_maps(struct vcase *c, const char *s)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char tname[32];
		unsigned k, val, ent, inner = 0, flags = 0;
		int used = 0;
		int got = sscanf(tok, " %31s %u %u %u%n", tname, &k, &val, &ent, &used);
		if (got < 4 || c->nmaps == 8)
			return -1;
		const void *value = NULL;
		char *save2 = NULL;
		for (char *w = strtok_r(tok + used, " ", &save2); w; w = strtok_r(NULL, " ", &save2)) {
			if (!strncmp(w, "inner=", 6))
				inner = (unsigned)strtoul(w + 6, NULL, 0);
			else if (!strncmp(w, "flags=", 6))
				flags = (unsigned)strtoul(w + 6, NULL, 0);
			else if (!strcmp(w, "rdonly"))
				flags |= ANYBPF_F_RDONLY_PROG;
			else if (!strncmp(w, "str=", 4) && val <= sizeof(c->values[0])) {
				char *b = c->values[c->nmaps];
				memset(b, 0, sizeof(c->values[0]));
				memcpy(b, w + 4, strlen(w + 4) < val ? strlen(w + 4) : val);
				value = b;
			} else
				return -1;
		}
		uint32_t t = 0;
		for (size_t i = 0; i < sizeof(map_types) / sizeof(map_types[0]); i++)
			if (!strcmp(tname, map_types[i].name))
				t = map_types[i].type;
		if (!t)
			return -1;
		c->maps[c->nmaps++] = (struct anybpf_map_desc){ t, k, val, ent, NULL, inner, flags, value };
	}
	return 0;
}

/* "PC NAME RET ARG..." (see the top); 0 or -1 */
static int parse_sig(struct vcase *c, const char *s, int global)
{
	char buf[256], *save = NULL;
	if (c->nsigs == 4)
		return -1;
	struct anybpf_func_sig *sg = &c->sigs[c->nsigs];
	memset(sg, 0, sizeof(*sg));
	snprintf(buf, sizeof(buf), "%s", s);
	char *pc = strtok_r(buf, " ", &save), *name = strtok_r(NULL, " ", &save);
	char *ret = strtok_r(NULL, " ", &save);
	if (!pc || !name || !ret)
		return -1;
	sg->pc = (size_t)atoll(pc);
	snprintf(c->signames[c->nsigs][0], 32, "%s", name);
	sg->name = c->signames[c->nsigs][0];
	sg->global = global;
	sg->ret = !strcmp(ret, "int") ? ANYBPF_PARAM_SCALAR : !strcmp(ret, "void") ? 0 : ANYBPF_PARAM_OTHER;
	for (char *a; (a = strtok_r(NULL, " ", &save));) {
		unsigned i = sg->nargs++;
		if (i >= 5)
			continue;
		struct anybpf_func_param *fp = &sg->args[i];
		fp->type_name = "";
		if (!strcmp(a, "int")) {
			fp->kind = ANYBPF_PARAM_SCALAR;
		} else if (!strcmp(a, "void*")) {
			fp->kind = ANYBPF_PARAM_PTR;
		} else if (!strncmp(a, "ptr=", 4)) {
			fp->kind = ANYBPF_PARAM_PTR;
			fp->size = (uint32_t)atoi(a + 4);
			char *colon = strchr(a, ':');
			if (colon && i < 4) {
				snprintf(c->signames[c->nsigs][i + 1], 32, "%s", colon + 1);
				fp->type_name = c->signames[c->nsigs][i + 1];
			}
		} else {
			fp->kind = ANYBPF_PARAM_OTHER;
		}
	}
	c->nsigs++;
	return 0;
}

static void add_prog_line(struct vcase *c, const char *line)
{
	size_t l = strlen(line);
	if (c->proglen + l + 2 > c->progcap) {
		c->progcap = (c->proglen + l + 2) * 2;
		c->prog = realloc(c->prog, c->progcap);
	}
	memcpy(c->prog + c->proglen, line, l);
	c->proglen += l;
	c->prog[c->proglen++] = '\n';
	c->prog[c->proglen] = 0;
}

static int ncases_run, ncases_failed;

/* run one case: 1 passed, 0 failed (reason printed) */
static int run_case(const char *file, struct vcase *c)
{
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	char lbuf[512] = "";
	struct anybpf_log log = { .buf = lbuf, .size = sizeof(lbuf) };
	int ok = 1;

	ncases_run++;
	if (c->expect_accept == 2) { /* expect: invalid - refused as bad input */
		struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = c->type };
		struct anybpf_verify_result *res = NULL;
		static const struct anybpf_insn ret0[2] = { { .code = 0xb7 }, { .code = 0x95 } };
		int e = anybpf_verify(ret0, 2, &o, &res);
		anybpf_verify_result_free(res);
		if (e >= 0) {
			fprintf(stderr, "  %s:%d: case '%s': expected a refusal, got %d\n", file, c->line, c->name, e);
			ncases_failed++;
			return 0;
		}
		return 1;
	}
	if (!c->prog || anybpf_assemble(c->prog, c->proglen, &insns, &n, &log)) {
		fprintf(stderr, "  %s:%d: case '%s': does not assemble: %s\n", file, c->line, c->name, lbuf);
		ncases_failed++;
		return 0;
	}
	struct anybpf_verify_opts o = { .sz = sizeof(o) };
	o.prog_type = c->type[0] ? c->type : NULL;
	o.maps = c->maps;
	o.nmaps = c->nmaps;
	o.strict = c->strict;
	o.allow_unreachable = c->allow_unreachable;
	o.allow_uninit_stack = c->allow_uninit_stack;
	o.budget = c->budget;
	o.funcs = c->nsigs ? c->sigs : NULL;
	o.nfuncs = c->nsigs;
	struct anybpf_verify_result *res = NULL;
	int e = anybpf_verify(insns, n, &o, &res);
	if (res && getenv("ANYBPF_VERIFIER_SHOW")) { /* print every case's diagnostics */
		for (size_t i = 0; i < res->ndiags; i++)
			printf("%s: %s: %lld: %s %s\n", file, c->name, (long long)res->diags[i].pc,
			       res->diags[i].message, res->diags[i].hint);
	}
	if (e || !res) {
		fprintf(stderr, "  %s:%d: case '%s': anybpf_verify returned %d\n", file, c->line, c->name, e);
		ok = 0;
	} else if (c->expect_accept != res->verified) {
		fprintf(stderr, "  %s:%d: case '%s': expected %s, got %s\n", file, c->line, c->name,
			c->expect_accept ? "accept" : "reject", res->verified ? "accept" : "reject");
		for (size_t i = 0; i < res->ndiags; i++)
			fprintf(stderr, "      %lld: %s %s\n", (long long)res->diags[i].pc,
				res->diags[i].message, res->diags[i].hint);
		ok = 0;
	} else if (!res->verified && (c->error[0] || c->pc >= 0)) {
		int found = 0;
		for (size_t i = 0; i < res->ndiags; i++)
			if ((!c->error[0] || strstr(res->diags[i].message, c->error)) &&
			    (c->pc < 0 || res->diags[i].pc == c->pc))
				found = 1;
		if (!found) {
			fprintf(stderr, "  %s:%d: case '%s': no diagnostic '%s' at pc %lld; got:\n", file,
				c->line, c->name, c->error, c->pc);
			for (size_t i = 0; i < res->ndiags; i++)
				fprintf(stderr, "      %lld: %s\n", (long long)res->diags[i].pc,
					res->diags[i].message);
			ok = 0;
		}
	} else if (res->verified && c->bound >= 0 && (long long)res->max_path != c->bound) {
		fprintf(stderr, "  %s:%d: case '%s': bound %llu, expected %lld\n", file, c->line, c->name,
			(unsigned long long)res->max_path, c->bound);
		ok = 0;
	}
	anybpf_verify_result_free(res);
	anybpf_free(insns);
	if (!ok)
		ncases_failed++;
	return ok;
}

static void case_reset(struct vcase *c)
{
	free(c->prog);
	memset(c, 0, sizeof(*c));
	c->pc = -1;
	c->bound = -1;
	c->expect_accept = -1;
}

/* run every case of a file; returns the number that failed */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	struct vcase c;
	int failed = 0, in_prog = 0, have = 0, lineno = 0, bad = 0;

	if (!f) {
		fprintf(stderr, "  cannot open %s\n", path);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	case_reset(&c);
	for (;;) {
		char *got = fgets(line, sizeof(line), f);
		lineno++;
		if (got) {
			size_t l = strlen(line);
			while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
				line[--l] = 0;
		}
		if (!got || !strncmp(line, "==", 2)) {
			if (have) {
				if (c.expect_accept < 0) {
					fprintf(stderr, "  %s:%d: case '%s' has no expect: line\n", path, c.line, c.name);
					failed++;
				} else {
					failed += !run_case(path, &c);
				}
			}
			if (!got)
				break;
			case_reset(&c);
			have = 1;
			in_prog = 0;
			c.line = lineno;
			snprintf(c.name, sizeof(c.name), "%s", line + 2 + strspn(line + 2, " "));
			continue;
		}
		if (in_prog) {
			add_prog_line(&c, line);
			continue;
		}
		if (!line[0] || line[0] == '#')
			continue;
		if (!strcmp(line, "--")) {
			in_prog = 1;
			continue;
		}
		char *val = strchr(line, ':');
		if (!val) {
			fprintf(stderr, "  %s:%d: bad line '%s'\n", path, lineno, line);
			bad++;
			continue;
		}
		*val++ = 0;
		val += strspn(val, " ");
		if (!strcmp(line, "type"))
			snprintf(c.type, sizeof(c.type), "%s", val);
		else if (!strcmp(line, "maps"))
			bad += parse_maps(&c, val) ? (fprintf(stderr, "  %s:%d: bad maps\n", path, lineno), 1) : 0;
		else if (!strcmp(line, "opts")) {
			c.strict = strstr(val, "strict") != NULL;
			c.allow_unreachable = strstr(val, "allow_unreachable") != NULL;
			c.allow_uninit_stack = strstr(val, "uninit_stack") != NULL;
			if (strstr(val, "budget="))
				c.budget = strtoull(strstr(val, "budget=") + 7, NULL, 10);
		} else if (!strcmp(line, "expect"))
			c.expect_accept = !strcmp(val, "accept") ? 1 : !strcmp(val, "reject") ? 0 :
					  !strcmp(val, "invalid") ? 2 : -1;
		else if (!strcmp(line, "error"))
			snprintf(c.error, sizeof(c.error), "%s", val);
		else if (!strcmp(line, "pc"))
			c.pc = atoll(val);
		else if (!strcmp(line, "global") || !strcmp(line, "static"))
			bad += parse_sig(&c, val, !strcmp(line, "global")) ? (fprintf(stderr, "  %s:%d: bad signature\n", path, lineno), 1) : 0;
		else if (!strcmp(line, "bound"))
			c.bound = atoll(val);
		else {
			fprintf(stderr, "  %s:%d: unknown key '%s'\n", path, lineno, line);
			bad++;
		}
	}
	case_reset(&c);
	fclose(f);
	return failed + bad;
}

static void run_named(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s.txt", CASE_DIR, name);
	int before = ncases_run;
	CHECK_EQ(run_file(path), 0);
	CHECK(ncases_run > before);
}

#define CASE_FILE(name) TEST(verifier_cases_##name) { run_named(#name); }
#include "../verifier/cases.def"
#undef CASE_FILE

/* every case file is listed in tests/verifier/cases.def */
TEST(verifier_cases_all_listed)
{
	static const char *const listed[] = {
#define CASE_FILE(name) #name ".txt",
#include "../verifier/cases.def"
#undef CASE_FILE
	};
	DIR *d = opendir(CASE_DIR);
	CHECK(d != NULL);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".txt"))
			continue;
		int found = 0;
		for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++)
			found |= !strcmp(listed[i], e->d_name);
		if (!found)
			fprintf(stderr, "  %s/%s is not listed in tests/verifier/cases.def\n", CASE_DIR, e->d_name);
		CHECK(found);
	}
	closedir(d);
}

/* sorts after the case files: how many cases ran */
TEST(verifier_cases_zz_summary)
{
	printf("verifier cases: %d run, %d failed\n", ncases_run, ncases_failed);
	CHECK_EQ(ncases_failed, 0);
}

/* ---- the API and the report ------------------------------------------------ */

static struct anybpf_verify_result *verify_text(const char *text, const char *type,
						enum anybpf_verify_level level, struct anybpf_log *log)
{
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	struct anybpf_verify_result *res = NULL;
	if (anybpf_assemble(text, strlen(text), &insns, &n, NULL))
		return NULL;
	struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = type, .level = level, .log = log };
	if (anybpf_verify(insns, n, &o, &res))
		res = NULL;
	anybpf_free(insns);
	return res;
}

TEST(verifier_report_success)
{
	char buf[512] = "";
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	struct anybpf_verify_result *res = verify_text("r0 = 0\nexit\n", "xdp", ANYBPF_VERIFY_NORMAL, NULL);
	CHECK(res != NULL);
	if (!res)
		return;
	CHECK(res->verified);
	CHECK_EQ(res->ndiags, 0);
	CHECK_EQ(res->max_path, 2);
	CHECK_EQ(res->insns_processed, 2);
	anybpf_verify_report(res, NULL, &log);
	CHECK(!strcmp(buf, "Verification succeeded\nProgram terminates within 2 instructions\n"));
	anybpf_verify_result_free(res);
}

TEST(verifier_report_failure)
{
	char buf[2048] = "";
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	struct anybpf_verify_result *res = verify_text(
		"r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr0 = *(u64 *)(r2 + 32)\nexit\n",
		"xdp", ANYBPF_VERIFY_NORMAL, NULL);
	CHECK(res != NULL);
	if (!res)
		return;
	CHECK(!res->verified);
	CHECK_EQ(res->ndiags, 1);
	CHECK_EQ(res->diags[0].pc, 2);
	CHECK(!strcmp(res->diags[0].check, "pkt_bounds"));
	CHECK(strstr(res->diags[0].hint, "if (data + 40 > data_end) return XDP_DROP;") != NULL);
	anybpf_verify_report(res, NULL, &log);
	const char *want = "Verification failed\n\nVerification report:\n\n2: packet access out of bounds";
	CHECK(!strncmp(buf, want, strlen(want)));
	CHECK(strstr(buf, "\n\n1 errors\n") != NULL);
	anybpf_verify_result_free(res);
	anybpf_verify_result_free(NULL);
}

TEST(verifier_informational_shows_state)
{
	struct anybpf_verify_result *res = verify_text("r0 = *(u64 *)(r10 - 8)\nexit\n", NULL,
						       ANYBPF_VERIFY_INFORMATIONAL, NULL);
	CHECK(res != NULL);
	if (!res)
		return;
	CHECK_EQ(res->ndiags, 1);
	CHECK(res->ndiags && strstr(res->diags[0].message, "[known: r1=ctx(off=0) r10=stack(fp0+0)]") != NULL);
	anybpf_verify_result_free(res);
}

TEST(verifier_verbose_invariants)
{
	static char buf[8192];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	buf[0] = 0;
	struct anybpf_verify_result *res = verify_text(
		"r0 = *(u32 *)(r1 + 0)\nif r0 > 3 goto +1\nr0 = 1\nexit\n", NULL, ANYBPF_VERIFY_VERBOSE, &log);
	CHECK(res && res->verified);
	CHECK(strstr(buf, "Pre-invariant : [\n    r1.type=ctx, r1.ctx_offset=0,\n    r10.type=stack, r10.stack_offset=512]\n0:\n") != NULL);
	CHECK(strstr(buf, "r0.type=number, r0.value=[0, 4294967295]") != NULL);
	/* the exit block is entered with r0 = 1 or r0 > 3 */
	CHECK(strstr(buf, "Post-invariant: [\n    r0.type=number, r0.value=[1, 4294967295]") != NULL);
	anybpf_verify_result_free(res);
}

TEST(verifier_bad_options)
{
	static const struct anybpf_insn ret0[2] = { { .code = 0xb7 }, { .code = 0x95 } };
	struct anybpf_verify_result *res = NULL;
	struct anybpf_verify_opts o = { .sz = sizeof(o), .nmaps = 1 };
	CHECK(anybpf_verify(ret0, 2, &o, &res) < 0);
	CHECK(res == NULL);
	CHECK(anybpf_verify(ret0, 2, NULL, NULL) < 0);
	/* an old, smaller options struct still works */
	struct anybpf_verify_opts small = { .sz = offsetof(struct anybpf_verify_opts, maps) };
	CHECK_EQ(anybpf_verify(ret0, 2, &small, &res), 0);
	CHECK(res && res->verified);
	anybpf_verify_result_free(res);
	/* garbage is refused by the validator, as a diagnostic */
	static const struct anybpf_insn junk[1] = { { .code = 0xff } };
	CHECK_EQ(anybpf_verify(junk, 1, NULL, &res), 0);
	CHECK(res && !res->verified && res->ndiags == 1 && strstr(res->diags[0].message, "unknown opcode"));
	anybpf_verify_result_free(res);
	CHECK_EQ(anybpf_verify(NULL, 0, NULL, &res), 0);
	CHECK(res && !res->verified);
	anybpf_verify_result_free(res);
}
