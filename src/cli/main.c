/* main.c - anybpf: find the command phrase (netsh-style abbreviations),
 * split the rest into positional words and key=value pairs, dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/common.h"

#define ANYBPF_VERSION "0.1.0"

static const struct command {
	const char *phrase, *usage, *help;
	int (*fn)(struct cli *c);
} commands[] = {
#define CMD(phrase, fn, usage, help) { phrase, usage, help, fn },
#include "commands.def"
#undef CMD
};

/* Does argv word `w` abbreviate the phrase word starting at p (length n)? */
static int word_fits(const char *w, const char *p, size_t n)
{
	size_t wl = strlen(w);
	return wl > 0 && wl <= n && strncmp(w, p, wl) == 0;
}

/* Number of argv words the phrase takes if they abbreviate it, else 0. */
static int phrase_fits(const char *phrase, char **argv, int argc)
{
	int used = 0;
	const char *p = phrase;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (used >= argc || !word_fits(argv[used], p, n))
			return 0;
		used++;
		p += n;
		while (*p == ' ')
			p++;
	}
	return used;
}

static const struct command *find_command(char **argv, int argc, int *used)
{
	/* an exact phrase first, then the first that fits abbreviated */
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		int u = phrase_fits(commands[i].phrase, argv, argc);
		if (u) {
			int exact = 1;
			const char *p = commands[i].phrase;
			for (int k = 0; k < u; k++) {
				size_t n = strcspn(p, " ");
				if (strlen(argv[k]) != n)
					exact = 0;
				p += n;
				while (*p == ' ')
					p++;
			}
			if (exact) {
				*used = u;
				return &commands[i];
			}
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		int u = phrase_fits(commands[i].phrase, argv, argc);
		if (u) {
			*used = u;
			return &commands[i];
		}
	}
	return NULL;
}

const char *cli_get(struct cli *c, const char *key)
{
	const char *v = NULL;
	for (int i = 0; i < c->nkv; i++)
		if (strcmp(c->key[i], key) == 0) {
			c->used[i] = 1;
			v = c->val[i];
		}
	return v;
}

int cli_get_u64(struct cli *c, const char *key, uint64_t *out, int *given)
{
	const char *v = cli_get(c, key);
	if (given)
		*given = v != NULL;
	if (!v)
		return 0;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (errno || end == v || *end || v[0] == '-')
		return cli_usage(c, "%s=%s: not an unsigned number", key, v);
	*out = x;
	return 0;
}

static void vmsg(const struct cli *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "anybpf %s: ", c->cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_usage(const struct cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: anybpf %s\n", c->usage);
	return EXIT_USAGE;
}

int cli_fail(const struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return code;
}

int cli_unused(struct cli *c)
{
	for (int i = 0; i < c->nkv; i++)
		if (!c->used[i])
			return cli_usage(c, "unknown option '%s='", c->key[i]);
	return 0;
}

void cli_print_log(const struct cli *c, const struct anybpf_log *log)
{
	if (!log->buf)
		return;
	const char *p = log->buf;
	while (*p) {
		size_t n = strcspn(p, "\n");
		fprintf(stderr, "anybpf %s: %.*s\n", c->cmd, (int)n, p);
		p += n;
		if (*p)
			p++;
	}
	if (log->truncated)
		fprintf(stderr, "anybpf %s: (log truncated)\n", c->cmd);
}

int cmd_help(struct cli *c)
{
	if (c->npos || cli_unused(c))
		return cli_usage(c, "takes no arguments");
	printf("anybpf - eBPF anywhere, in userspace\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  anybpf %s\n      %s\n", commands[i].usage, commands[i].help);
	printf("\nEvery word of a command may be abbreviated (anybpf dis x.bin).\n"
	       "Exit status: 0 ok, 1 program or verification failure, 2 usage or input error.\n");
	return EXIT_OK;
}

int cmd_version(struct cli *c)
{
	if (c->npos || cli_unused(c))
		return cli_usage(c, "takes no arguments");
	printf("anybpf %s\n", ANYBPF_VERSION);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli c = { .cmd = "", .usage = "COMMAND ..." };
	char **words = calloc((size_t)argc + 1, sizeof(*words));
	int nwords = 0;
	if (!words)
		return EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			words[nwords++] = "help";
		else if (strcmp(argv[i], "--version") == 0)
			words[nwords++] = "version";
		else
			words[nwords++] = argv[i];
	}
	if (nwords == 0) {
		fprintf(stderr, "anybpf: no command given; try 'anybpf help'\n");
		free(words);
		return EXIT_USAGE;
	}
	int used = 0;
	const struct command *cmd = find_command(words, nwords, &used);
	if (!cmd) {
		fprintf(stderr, "anybpf: unknown command '%s'; try 'anybpf help'\n", words[0]);
		free(words);
		return EXIT_USAGE;
	}
	c.cmd = cmd->phrase;
	c.usage = cmd->usage;
	int rest = nwords - used;
	c.pos = calloc((size_t)rest + 1, sizeof(char *));
	c.key = calloc((size_t)rest + 1, sizeof(char *));
	c.val = calloc((size_t)rest + 1, sizeof(char *));
	c.used = calloc((size_t)rest + 1, 1);
	if (!c.pos || !c.key || !c.val || !c.used) {
		fprintf(stderr, "anybpf: out of memory\n");
		return EXIT_USAGE;
	}
	for (int i = used; i < nwords; i++) {
		char *eq = strchr(words[i], '=');
		/* key=value, but not a path such as ./a=b.bin */
		if (eq && eq != words[i] && !memchr(words[i], '/', (size_t)(eq - words[i]))) {
			*eq = '\0';
			c.key[c.nkv] = words[i];
			c.val[c.nkv++] = eq + 1;
		} else {
			c.pos[c.npos++] = words[i];
		}
	}
	int rc = cmd->fn(&c);
	free(c.pos);
	free(c.key);
	free(c.val);
	free(c.used);
	free(words);
	return rc;
}
