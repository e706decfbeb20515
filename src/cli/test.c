#define _GNU_SOURCE /* strcasestr */
/*
 * test.c - `anybpf test FILE.data...`: the uBPF / bpf_conformance test
 * format.  Sections start with a line "-- NAME":
 *   asm [@ FILE]    the program in assembler syntax (or from FILE)
 *   raw             the program as 64-bit hex words; with asm, both must agree
 *   mem [@ FILE]    hex bytes (tcpdump -x style offsets allowed); r1 points
 *                   to a copy, r2 is its length
 *   result          the expected r0
 *   error [pattern] the expected failure (load or run)
 *   reload          load the program a second time into the same VM (which
 *                   must fail: unload first); unload: unload, then reload
 *   c, no jit, no register offset, ...   ignored
 * A file with asm and raw but neither result nor error is an assembler
 * test: the asm must assemble to the raw words.
 * An expected error passes when our failure is the same kind: the text is
 * mapped to an error code (uBPF's phrasing and ours), or appears in our log.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "common/common.h"
#include "run.h"

/* uBPF's error phrases (and a few of our own) and the code each means. */
static const struct { const char *phrase; int code; } error_kinds[] = {
	{ "invalid source register for lddw", ANYBPF_E_PSEUDO },
	{ "unknown opcode",                   ANYBPF_E_OPCODE },
	{ "invalid destination register",     ANYBPF_E_DST_REG },
	{ "invalid source register",          ANYBPF_E_SRC_REG },
	{ "invalid endian immediate",         ANYBPF_E_BAD_IMM },
	{ "incomplete lddw",                  ANYBPF_E_LDDW_INCOMPLETE },
	{ "invalid lddw second half",         ANYBPF_E_LDDW_SECOND },
	{ "jump out of bounds",               ANYBPF_E_JMP_RANGE },
	{ "jump to middle of lddw",           ANYBPF_E_JMP_LDDW },
	{ "infinite loop",                    ANYBPF_E_INFINITE_LOOP },
	{ "too many instructions",            ANYBPF_E_TOO_LONG },
	{ "call to nonexistent function",     ANYBPF_E_HELPER },
	{ "does not end with exit",           ANYBPF_E_FALLTHROUGH },
	{ "out of bounds memory",             ANYBPF_E_OOB },
	{ "address overflow",                 ANYBPF_E_OOB },
	{ "address underflow",                ANYBPF_E_OOB },
	{ "integer overflow",                 ANYBPF_E_OOB },
	{ "out-of-bounds",                    ANYBPF_E_OOB },
	{ "already been loaded",              ANYBPF_E_LOADED },
	{ "call depth",                       ANYBPF_E_CALL_DEPTH },
	{ "budget",                           ANYBPF_E_BUDGET },
};

struct data_test {
	char *asm_text;       /* owned copy */
	struct anybpf_insn *raw;
	size_t nraw, rawcap;
	int has_raw;
	unsigned char *mem;
	size_t nmem, memcap;
	int has_result, has_error, reload, unload;
	uint64_t result;
	char error[512];
};

static void data_test_free(struct data_test *t)
{
	ab_free(t->asm_text);
	ab_free(t->raw);
	ab_free(t->mem);
	memset(t, 0, sizeof(*t));
}

/* Append the text of `path` relative to the directory of `base`. */
static int read_relative(const char *base, const char *name, char **out, size_t *len)
{
	char path[4096];
	const char *slash = strrchr(base, '/');
	int dir = slash ? (int)(slash - base + 1) : 0;
	if (snprintf(path, sizeof(path), "%.*s%s", dir, base, name) >= (int)sizeof(path))
		return -1;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 0, n = 0;
	char *b = NULL;
	for (;;) {
		if (ab_grow((void **)&b, &cap, n + 4097, 1)) {
			fclose(f);
			ab_free(b);
			return -1;
		}
		size_t got = fread(b + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	fclose(f);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

static int append_text(char **dst, const char *s, size_t n)
{
	size_t old = *dst ? strlen(*dst) : 0;
	char *p = ab_realloc(*dst, old + n + 2);
	if (!p)
		return -1;
	memcpy(p + old, s, n);
	p[old + n] = '\n';
	p[old + n + 1] = '\0';
	*dst = p;
	return 0;
}

/* Hex bytes of one mem line; "0x0010:" offsets are skipped; groups of 4
 * hex digits (tcpdump -x) are two bytes in order. */
static int parse_mem_line(struct data_test *t, const char *s, char *why, size_t whylen)
{
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			break;
		const char *start = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		size_t n = (size_t)(s - start);
		if (start[n - 1] == ':')
			continue; /* an offset */
		if (n > 2 && start[0] == '0' && (start[1] == 'x' || start[1] == 'X')) {
			start += 2;
			n -= 2;
		}
		if (n % 2) {
			snprintf(why, whylen, "mem: '%.*s' is not whole hex bytes", (int)n, start);
			return -1;
		}
		for (size_t i = 0; i < n; i += 2) {
			char hex[3] = { start[i], start[i + 1], 0 };
			char *end;
			unsigned long v = strtoul(hex, &end, 16);
			if (*end) {
				snprintf(why, whylen, "mem: '%.*s' is not hex", (int)n, start);
				return -1;
			}
			if (ab_grow((void **)&t->mem, &t->memcap, t->nmem + 1, 1))
				return -1;
			t->mem[t->nmem++] = (unsigned char)v;
		}
	}
	return 0;
}

static int parse_raw_line(struct data_test *t, const char *s, char *why, size_t whylen)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 16);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || end == s || (*end && *end != '#')) {
		snprintf(why, whylen, "raw: '%s' is not a 64-bit hex word", s);
		return -1;
	}
	if (ab_grow((void **)&t->raw, &t->rawcap, t->nraw + 1, sizeof(*t->raw)))
		return -1;
	memcpy(&t->raw[t->nraw++], &v, sizeof(v)); /* little-endian host */
	return 0;
}

enum section { S_NONE, S_ASM, S_RAW, S_MEM, S_RESULT, S_ERROR, S_IGNORED };

/* Sections that are only a flag. */
static int flag_section(struct data_test *t, const char *name)
{
	if (strcmp(name, "reload") == 0)
		return t->reload = 1;
	if (strcmp(name, "unload") == 0)
		return t->unload = 1;
	return 0;
}

static int parse_data(const char *path, char *text, struct data_test *t, char *why, size_t whylen)
{
	enum section sec = S_NONE;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (strncmp(line, "-- ", 3) == 0) {
			const char *name = line + 3;
			const char *at = strstr(name, " @ ");
			if (strncmp(name, "asm", 3) == 0) {
				sec = S_ASM;
			} else if (strncmp(name, "raw", 3) == 0) {
				sec = S_RAW;
				t->has_raw = 1;
			} else if (strncmp(name, "mem", 3) == 0) {
				sec = S_MEM;
			} else if (strncmp(name, "result", 6) == 0) {
				sec = S_RESULT;
			} else if (strncmp(name, "error", 5) == 0) {
				sec = S_ERROR;
				t->has_error = 1;
			} else {
				flag_section(t, name);
				sec = S_IGNORED;
			}
			if (at && (sec == S_ASM || sec == S_MEM)) {
				char *inc;
				size_t inclen;
				if (read_relative(path, at + 3, &inc, &inclen)) {
					snprintf(why, whylen, "cannot read '%s' named by '-- %s'", at + 3, name);
					return -1;
				}
				int rc = 0;
				if (sec == S_ASM)
					rc = append_text(&t->asm_text, inc, inclen);
				else
					for (char *l = strtok(inc, "\n"); l && !rc; l = strtok(NULL, "\n"))
						rc = parse_mem_line(t, l, why, whylen);
				ab_free(inc);
				if (rc)
					return -1;
				sec = S_IGNORED;
			}
		} else if (sec == S_ASM) {
			if (append_text(&t->asm_text, line, len))
				return -1;
		} else if (sec == S_RAW) {
			if (parse_raw_line(t, line, why, whylen))
				return -1;
		} else if (sec == S_MEM) {
			if (parse_mem_line(t, line, why, whylen))
				return -1;
		} else if (sec == S_RESULT) {
			char *s = line;
			while (isspace((unsigned char)*s))
				s++;
			if (*s && *s != '#') {
				char *end;
				errno = 0;
				t->result = strtoull(s, &end, 0);
				if (errno || end == s) {
					snprintf(why, whylen, "result: '%s' is not a number", s);
					return -1;
				}
				t->has_result = 1;
			}
		} else if (sec == S_ERROR) {
			if (len && !t->error[0])
				snprintf(t->error, sizeof(t->error), "%s", line);
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!t->asm_text && !t->has_raw) {
		snprintf(why, whylen, "no '-- asm' or '-- raw' section");
		return -1;
	}
	if (!t->has_result && !t->has_error && !(t->asm_text && t->has_raw)) {
		snprintf(why, whylen, "no '-- result' or '-- error' section (nor both asm and raw)");
		return -1;
	}
	return 0;
}

/* Is our failure `err` (with log text) the one the file expects? */
static int error_matches(const char *expected, int err, const char *logtext)
{
	for (size_t i = 0; i < ARRAY_SIZE(error_kinds); i++)
		if (strcasestr(expected, error_kinds[i].phrase))
			return -err == error_kinds[i].code;
	return strcasestr(logtext, expected) || strcasestr(expected, anybpf_strerror(err));
}

/* Does the expected failure need checking mode (a wild access)? */
static int needs_checking(const char *expected)
{
	for (size_t i = 0; i < ARRAY_SIZE(error_kinds); i++)
		if (strcasestr(expected, error_kinds[i].phrase))
			return error_kinds[i].code == ANYBPF_E_OOB;
	return 0;
}

enum verdict { PASS, FAIL, SKIP };

static enum verdict run_one(const char *path, const struct cli_engine *e, char *why, size_t whylen)
{
	struct data_test t;
	memset(&t, 0, sizeof(t));
	char *text;
	size_t len;
	if (read_relative("", path, &text, &len)) {
		snprintf(why, whylen, "cannot read: %s", strerror(errno));
		return FAIL;
	}
	enum verdict v = FAIL;
	char logbuf[4096];
	struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf), .err_pc = -1, .err_line = -1 };
	logbuf[0] = '\0';
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	if (parse_data(path, text, &t, why, whylen))
		goto out;
	if (t.has_error && e->mode == ANYBPF_EXEC_FAST && needs_checking(t.error)) {
		snprintf(why, whylen, "expects a wild access to be caught, which needs check=on");
		v = SKIP;
		goto out;
	}
	int err = 0;
	if (t.asm_text) {
		err = anybpf_assemble(t.asm_text, strlen(t.asm_text), &insns, &n, &log);
		if (!err && t.has_raw &&
		    (n != t.nraw || memcmp(insns, t.raw, n * sizeof(*insns)) != 0)) {
			snprintf(why, whylen, "'-- asm' assembles to %zu slots that differ from the %zu of '-- raw'",
				 n, t.nraw);
			goto out;
		}
	} else {
		insns = t.raw;
		n = t.nraw;
		t.raw = NULL;
	}
	if (!err && !t.has_result && !t.has_error) {
		v = PASS; /* an assembler test, and asm == raw */
		goto out;
	}
	struct anybpf_exec_result res = { 0, 0 };
	if (!err) {
		unsigned char *mem = t.nmem ? t.mem : NULL;
		struct cli_run_flags flags = { .reload = t.reload, .unload = t.unload };
		err = cli_run_raw_flags(insns, n, mem, t.nmem, e, &flags, &res, &log);
	}
	char *nl = strchr(logbuf, '\n');
	if (nl)
		*nl = '\0';
	if (t.has_error) {
		if (!err)
			snprintf(why, whylen, "expected error '%.200s', but it ran and returned 0x%llx",
				 t.error, (unsigned long long)res.retval);
		else if (!error_matches(t.error, err, logbuf))
			snprintf(why, whylen, "expected error '%.200s', got %s: %.400s", t.error,
				 anybpf_errname(err), logbuf);
		else
			v = PASS;
	} else if (err) {
		snprintf(why, whylen, "expected 0x%llx, got error %s: %.400s",
			 (unsigned long long)t.result, anybpf_errname(err), logbuf);
	} else if (res.retval != t.result) {
		snprintf(why, whylen, "expected 0x%llx, got 0x%llx",
			 (unsigned long long)t.result, (unsigned long long)res.retval);
	} else {
		v = PASS;
	}
out:
	ab_free(insns);
	ab_free(text);
	data_test_free(&t);
	return v;
}

int cmd_test(struct cli *c)
{
	struct cli_engine e;
	int rc = cli_parse_engine(c, &e);
	if (rc || (rc = cli_unused(c)))
		return rc;
	if (c->npos < 1)
		return cli_usage(c, "expected one or more .data files");
	int counts[3] = { 0, 0, 0 };
	for (int i = 0; i < c->npos; i++) {
		char why[1024] = "";
		enum verdict v = run_one(c->pos[i], &e, why, sizeof(why));
		counts[v]++;
		if (v == PASS)
			printf("PASS %s\n", c->pos[i]);
		else
			printf("%s %s: %s\n", v == FAIL ? "FAIL" : "SKIP", c->pos[i], why);
	}
	if (counts[SKIP])
		printf("%d passed, %d failed, %d skipped\n", counts[PASS], counts[FAIL], counts[SKIP]);
	else
		printf("%d passed, %d failed\n", counts[PASS], counts[FAIL]);
	return counts[FAIL] ? EXIT_FAIL : EXIT_OK;
}
