/* prog_types.c - program type from a section name (prog_types.def). */
#include <string.h>

#include "common/common.h"
#include "elf_internal.h"

static const struct { const char *prefix, *type; } types[] = {
	{ "", "unspec" }, /* index 0: no prefix matched */
#define PT(prefix, type) { prefix, type },
#include "prog_types.def"
#undef PT
};

int prog_type_from_section(const char *section)
{
	int best = 0;
	size_t best_len = 0;
	for (size_t i = 1; i < ARRAY_SIZE(types); i++) {
		size_t n = strlen(types[i].prefix);
		if (n > best_len && strncmp(section, types[i].prefix, n) == 0) {
			best = (int)i;
			best_len = n;
		}
	}
	return best;
}

int prog_type_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (strcmp(types[i].type, name) == 0)
			return (int)i;
	/* a section prefix names its type too: type=kprobe/ or type=tc */
	for (size_t i = 1; i < ARRAY_SIZE(types); i++)
		if (strcmp(types[i].prefix, name) == 0)
			return (int)i;
	return -1;
}

const char *prog_type_str(int idx)
{
	if (idx < 0 || (size_t)idx >= ARRAY_SIZE(types))
		return "unspec";
	return types[idx].type;
}
