/* objtool.c - test driver for the object loader (built by tests/objects/run.sh).
 *
 *   objtool progs FILE...        "FILE<TAB>section<TAB>program<TAB>insns" per
 *                                program ("-" for an unnamed one)
 *   objtool maps FILE...         "FILE<TAB>name<TAB>type<TAB>key<TAB>value<TAB>max<TAB>flags"
 *   objtool linked FILE          every instruction of every linked program as
 *                                "section<TAB>slot<TAB>relocated<TAB>text": where
 *                                it came from, whether the loader rewrote it
 *                                (pseudo lddw, local call) and its LLVM text
 *   objtool mutate N SEED FILE...  N random byte flips / truncations of the
 *                                files, each loaded (and every accessor
 *                                walked) in-process; prints a summary
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "elf/elf.h"

static int progs(const char *path)
{
	char buf[512];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	anybpf_object *obj;
	if (anybpf_object_open_file(path, NULL, &obj, &log)) {
		fprintf(stderr, "%s", buf);
		return 1;
	}
	for (size_t i = 0; i < anybpf_object_prog_count(obj); i++) {
		anybpf_prog *p = anybpf_object_prog(obj, i);
		size_t n;
		anybpf_prog_insns(p, &n);
		const char *name = anybpf_prog_name(p);
		printf("%s\t%s\t%s\t%zu\n", path, anybpf_prog_section(p), name[0] ? name : "-", n);
	}
	anybpf_object_close(obj);
	return 0;
}

static int maps(const char *path)
{
	char buf[512];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	anybpf_object *obj;
	if (anybpf_object_open_file(path, NULL, &obj, &log)) {
		fprintf(stderr, "%s", buf);
		return 1;
	}
	for (size_t i = 0; i < anybpf_object_map_count(obj); i++) {
		anybpf_map *m = anybpf_object_map(obj, i);
		printf("%s\t%s\t%s\t%u\t%u\t%u\t%u\n", path, anybpf_map_name(m),
		       anybpf_map_type_name(m), anybpf_map_key_size(m), anybpf_map_value_size(m),
		       anybpf_map_max_entries(m), anybpf_map_flags(m));
	}
	anybpf_object_close(obj);
	return 0;
}

static int linked(const char *path)
{
	char buf[512], text[256];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
	anybpf_object *obj;
	if (anybpf_object_open_file(path, NULL, &obj, &log)) {
		fprintf(stderr, "%s", buf);
		return 1;
	}
	for (size_t i = 0; i < anybpf_object_prog_count(obj); i++) {
		anybpf_prog *p = anybpf_object_prog(obj, i);
		size_t n;
		const struct anybpf_insn *in = anybpf_prog_insns(p, &n);
		for (size_t pc = 0; pc < n;) {
			const char *sec;
			uint32_t slot;
			elf_prog_origin(p, pc, &sec, &slot);
			int s = anybpf_disasm_insn(in, n, pc, ANYBPF_SYNTAX_LLVM, text, sizeof(text));
			for (char *t = text; *t; t++)
				if (*t == '\t')
					*t = ' '; /* ld_pseudo's tab: the output is tab-separated */
			int rel = (in[pc].code == 0x18 && in[pc].src != 0) ||
				  (in[pc].code == 0x85 && in[pc].src == 1);
			printf("%s\t%u\t%d\t%s\n", sec, slot, rel, text);
			pc += s == 2 ? 2 : 1;
		}
	}
	anybpf_object_close(obj);
	return 0;
}

/* Touch everything a loaded object offers (so the sanitizers see it). */
static unsigned long walk(anybpf_object *obj)
{
	unsigned long h = 0;
	char text[128];
	for (size_t i = 0; i < anybpf_object_prog_count(obj); i++) {
		anybpf_prog *p = anybpf_object_prog(obj, i);
		size_t n;
		const struct anybpf_insn *in = anybpf_prog_insns(p, &n);
		h += strlen(anybpf_prog_name(p)) + strlen(anybpf_prog_section(p)) +
		     strlen(anybpf_prog_type_name(p));
		for (size_t pc = 0; pc < n; pc++) {
			struct anybpf_line l;
			h += in[pc].code;
			if (anybpf_prog_line_at(p, pc, &l))
				h += strlen(l.file) + strlen(l.text) + l.line;
			if (anybpf_prog_line_for(p, pc, &l))
				h += l.col;
			anybpf_disasm_insn(in, n, pc, ANYBPF_SYNTAX_LLVM, text, sizeof(text));
		}
	}
	for (size_t i = 0; i < anybpf_object_map_count(obj); i++) {
		anybpf_map *m = anybpf_object_map(obj, i);
		size_t sz;
		const unsigned char *b = anybpf_map_initial(m, &sz);
		h += strlen(anybpf_map_name(m)) + strlen(anybpf_map_type_name(m)) +
		     anybpf_map_key_size(m) + anybpf_map_value_size(m);
		for (size_t k = 0; b && k < sz; k++)
			h += b[k];
	}
	return h + strlen(anybpf_object_license(obj));
}

static unsigned long long rng = 88172645463325252ull;
static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int mutate(long n, unsigned long long seed, int nfiles, char **files)
{
	struct { unsigned char *b; size_t len; } f[256];
	int nf = 0;
	rng = seed ? seed : rng;
	for (int i = 0; i < nfiles && nf < 256; i++) {
		FILE *fp = fopen(files[i], "rb");
		if (!fp)
			continue;
		fseek(fp, 0, SEEK_END);
		long len = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		if (len <= 0) {
			fclose(fp);
			continue;
		}
		f[nf].b = malloc((size_t)len);
		f[nf].len = fread(f[nf].b, 1, (size_t)len, fp);
		fclose(fp);
		nf++;
	}
	if (!nf)
		return 2;
	long loaded = 0, refused = 0;
	unsigned long h = 0;
	for (long i = 0; i < n; i++) {
		int k = (int)(next() % (unsigned)nf);
		size_t len = f[k].len;
		unsigned char *b = malloc(len);
		memcpy(b, f[k].b, len);
		int kind = (int)(next() % 8);
		if (kind == 0) {
			len = (size_t)(next() % len);        /* truncate */
		} else {
			int flips = 1 + (int)(next() % 8);
			for (int j = 0; j < flips; j++) {
				/* bias towards the headers, where the structure is */
				size_t at = (next() & 1) ? (size_t)(next() % (len < 64 ? len : 64)) :
							  (size_t)(next() % len);
				if (kind == 1)
					b[at] = (unsigned char)next();
				else if (kind == 2)
					b[at] = 0xff;
				else
					b[at] ^= (unsigned char)(1u << (next() % 8));
			}
		}
		char buf[512];
		struct anybpf_log log = { .buf = buf, .size = sizeof(buf) };
		anybpf_object *obj;
		if (anybpf_object_open_mem(b, len, NULL, &obj, &log) == 0) {
			h += walk(obj);
			anybpf_object_close(obj);
			loaded++;
		} else {
			if (!log.len || strchr(buf, '\n') != buf + log.len - 1) {
				fprintf(stderr, "mutation %ld: error is not one line: '%s'\n", i, buf);
				return 1;
			}
			refused++;
		}
		free(b);
	}
	for (int i = 0; i < nf; i++)
		free(f[i].b);
	printf("%ld mutations: %ld loaded, %ld refused with one-line errors (walk %lu)\n", n,
	       loaded, refused, h % 1000);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int rc = 0;
	if (strcmp(argv[1], "progs") == 0) {
		for (int i = 2; i < argc; i++)
			rc |= progs(argv[i]);
	} else if (strcmp(argv[1], "linked") == 0) {
		for (int i = 2; i < argc; i++)
			rc |= linked(argv[i]);
	} else if (strcmp(argv[1], "maps") == 0) {
		for (int i = 2; i < argc; i++)
			rc |= maps(argv[i]);
	} else if (strcmp(argv[1], "mutate") == 0 && argc > 4) {
		rc = mutate(atol(argv[2]), strtoull(argv[3], NULL, 0), argc - 4, argv + 4);
	} else {
		return 2;
	}
	return rc;
}
