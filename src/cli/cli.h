/* cli.h - what every command file gets from main.c. */
#ifndef ANYBPF_CLI_H
#define ANYBPF_CLI_H

#include <stddef.h>
#include <stdint.h>
#include "anybpf.h"

/* Exit codes of every command. */
enum { EXIT_OK = 0, EXIT_FAIL = 1 /* program or verification failure */,
       EXIT_USAGE = 2 /* usage or input error */ };

/* A parsed command line: the words after the command phrase. */
struct cli {
	const char *cmd;     /* full command phrase, e.g. "show sections" */
	const char *usage;   /* its usage line from commands.def */
	int npos;            /* positional words */
	char **pos;
	int nkv;             /* key=value words */
	char **key, **val;
	unsigned char *used; /* which keys a command asked for */
	int json;            /* --json given */
};

/* Value of key=value (NULL if absent); marks the key used. */
const char *cli_get(struct cli *c, const char *key);
/* Like cli_get, but parses an unsigned number; 0 ok, else a usage error. */
int cli_get_u64(struct cli *c, const char *key, uint64_t *out, int *given);
/* Print "anybpf CMD: message" and the usage line to stderr; returns 2. */
int cli_usage(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "anybpf CMD: message" to stderr; returns `code`. */
int cli_fail(const struct cli *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* After reading its keys: a usage error for any key the command did not ask for. */
int cli_unused(struct cli *c);
/* Print a library log to stderr, each line prefixed by "anybpf CMD: ". */
void cli_print_log(const struct cli *c, const struct anybpf_log *log);

/* Whole file into a malloc'd buffer (NUL-terminated; len excludes it). */
int cli_read_file(const struct cli *c, const char *path, char **buf, size_t *len);

/* A program given on the command line: assembly text (.s/.asm or any
 * text), raw 8-byte little-endian slots (.bin), or an object file. */
struct cli_prog {
	struct anybpf_insn *insns;
	size_t n;
	char *text;          /* the file's bytes */
	size_t len;
};
int cli_load_prog(const struct cli *c, const char *path, struct cli_prog *p);
void cli_prog_free(struct cli_prog *p);

/* One function per command (commands.def). */
#define CMD(phrase, fn, usage, help) int fn(struct cli *c);
#include "commands.def"
#undef CMD

#endif
