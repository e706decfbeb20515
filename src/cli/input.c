/* input.c - reading files and programs named on the command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/common.h"

int cli_read_file(const struct cli *c, const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return cli_fail(c, EXIT_USAGE, "%s: %s", path, strerror(errno));
	char *b = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (ab_grow((void **)&b, &cap, n + 65536 + 1, 1)) {
			fclose(f);
			ab_free(b);
			return cli_fail(c, EXIT_USAGE, "%s: out of memory", path);
		}
		size_t got = fread(b + n, 1, 65536, f);
		n += got;
		if (got < 65536)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		ab_free(b);
		return cli_fail(c, EXIT_USAGE, "%s: read error", path);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Text is what an assembler file looks like: no NUL, mostly printable. */
static int looks_like_text(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b[i];
		if (ch == 0 || (ch < 32 && ch != '\n' && ch != '\r' && ch != '\t'))
			return 0;
	}
	return 1;
}

int cli_load_prog(const struct cli *c, const char *path, struct cli_prog *p)
{
	memset(p, 0, sizeof(*p));
	int rc = cli_read_file(c, path, &p->text, &p->len);
	if (rc)
		return rc;
	if (p->len >= 4 && memcmp(p->text, "\x7f" "ELF", 4) == 0) {
		cli_prog_free(p);
		return cli_fail(c, EXIT_USAGE,
				"%s: an object file; '%s' takes assembly (.s/.asm) or raw instructions (.bin) "
				"(running objects needs maps and program types, not implemented yet)",
				path, c->cmd);
	}
	if (ends_with(path, ".bin") || !looks_like_text(p->text, p->len)) {
		if (p->len % sizeof(struct anybpf_insn)) {
			size_t len = p->len;
			cli_prog_free(p);
			return cli_fail(c, EXIT_USAGE,
					"%s: %zu bytes is not a whole number of 8-byte instructions", path, len);
		}
		p->n = p->len / sizeof(struct anybpf_insn);
		p->insns = ab_malloc(p->len);
		if (!p->insns) {
			cli_prog_free(p);
			return cli_fail(c, EXIT_USAGE, "%s: out of memory", path);
		}
		memcpy(p->insns, p->text, p->len);
		return 0;
	}
	char logbuf[4096];
	struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf), .err_pc = -1, .err_line = -1 };
	int err = anybpf_assemble(p->text, p->len, &p->insns, &p->n, &log);
	if (err) {
		fprintf(stderr, "anybpf %s: %s: ", c->cmd, path);
		fprintf(stderr, "%s", log.len ? logbuf : "cannot assemble\n");
		cli_prog_free(p);
		return EXIT_USAGE;
	}
	return 0;
}

void cli_prog_free(struct cli_prog *p)
{
	ab_free(p->insns);
	ab_free(p->text);
	memset(p, 0, sizeof(*p));
}
