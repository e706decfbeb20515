/* assemble.c - `anybpf assemble IN.s [OUT.bin]`: text to raw slots. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/common.h"

int cmd_assemble(struct cli *c)
{
	if (cli_unused(c))
		return EXIT_USAGE;
	if (c->npos < 1 || c->npos > 2)
		return cli_usage(c, "expected an input file and optionally an output file");
	const char *in = c->pos[0];
	char outbuf[4096];
	const char *out = c->npos == 2 ? c->pos[1] : NULL;
	if (!out) { /* IN.s -> IN.bin */
		const char *dot = strrchr(in, '.');
		const char *slash = strrchr(in, '/');
		size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - in) : strlen(in);
		if (stem + 5 > sizeof(outbuf))
			return cli_usage(c, "input file name too long");
		memcpy(outbuf, in, stem);
		strcpy(outbuf + stem, ".bin");
		out = outbuf;
	}
	struct cli_prog p;
	int rc = cli_load_prog(c, in, &p);
	if (rc)
		return rc;
	FILE *f = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
	if (!f) {
		cli_prog_free(&p);
		return cli_fail(c, EXIT_USAGE, "%s: cannot open for writing", out);
	}
	size_t wrote = fwrite(p.insns, sizeof(*p.insns), p.n, f);
	int bad = wrote != p.n || (f != stdout ? fclose(f) : fflush(f)) != 0;
	size_t n = p.n;
	cli_prog_free(&p);
	if (bad)
		return cli_fail(c, EXIT_USAGE, "%s: write error", out);
	if (f != stdout)
		fprintf(stderr, "anybpf assemble: wrote %zu instruction slots to %s\n", n, out);
	return EXIT_OK;
}
