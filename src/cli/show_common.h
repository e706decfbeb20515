/* show_common.h - what the `show ...` commands share (show_common.c). */
#ifndef ANYBPF_SHOW_COMMON_H
#define ANYBPF_SHOW_COMMON_H

#include <stddef.h>
#include "anybpf.h"
#include "cli.h"

/* Open the object at path (honouring type=); errors printed, returns
 * EXIT_USAGE. */
int show_open(struct cli *c, const char *path, anybpf_object **obj);
/* Is word (a positional, e.g. "verbose") present after the first `from`
 * positionals?  It is then removed from c->pos. */
int show_take_word(struct cli *c, int from, const char *word);
/* Programs of `section` (every section when NULL) named `name` (any when
 * NULL) into a malloc'd array; errors printed (no such section / program),
 * returns EXIT_USAGE. */
int show_select(struct cli *c, const anybpf_object *obj, const char *section,
		const char *name, anybpf_prog ***out, size_t *n);
/* show_open, then show_select (closing the object when that fails). */
int show_open_select(struct cli *c, const char *path, const char *section, const char *name,
		     anybpf_object **obj, anybpf_prog ***out, size_t *n);
/* level=normal|verbose (or the word "verbose" after `from` positionals)
 * into *verbose; a usage error for any other level. */
int show_level(struct cli *c, int from, int *verbose);
struct json;
/* Begin the --json document of a per-program command:
 * {"file": path, "programs": [   (closed by two json_end and json_done) */
void show_json_programs(struct json *j, const char *path);
/* "-" for an unnamed program. */
const char *show_prog_name(const anybpf_prog *p);
/* Map with pseudo fd `fd`, or NULL. */
const anybpf_map *show_map_by_fd(const anybpf_object *obj, int32_t fd);
/* Instruction text for `show disassembly`: llvm-objdump syntax, with map
 * loads as `r1 = map_fd 1  # name` and helper calls with name, id and
 * argument kinds.  Returns the slots (1 or 2). */
int show_insn_text(const anybpf_object *obj, const struct anybpf_insn *in, size_t n,
		   size_t pc, char *buf, size_t size);
/* The source line last announced by show_prog_insn (start zeroed). */
struct show_src {
	const char *file;
	uint32_t line;
};
/* Instruction pc of program p as `show disassembly` and `show jited` print
 * it: first, when print is set, a subprogram's `name:` label where one
 * starts and `; file:line` / `; source` where the source line changes;
 * then show_insn_text into buf, with `  # name` after a call of a
 * subprogram.  Returns the slots (1 or 2). */
int show_prog_insn(const anybpf_object *obj, const anybpf_prog *p, size_t pc,
		   struct show_src *src, int print, char *buf, size_t size);

#endif
