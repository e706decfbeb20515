/* helper_names.c - helper names and argument kinds for disassembly and
 * statistics, expanded from the one helper table, src/helpers/helpers.def,
 * with its argument kinds spelled in PREVAIL's / netsh's words. */
#include <stddef.h>
#include <string.h>

#include "common/common.h"
#include "elf.h"

struct row {
	uint32_t id;
	const char *name, *ret, *flags, *args[5];
};

static const struct row rows[] = {
#define HELPER(id, name, ret, groups, flags, a1, a2, a3, a4, a5) \
	{ id, "bpf_" #name, #ret, #flags, { #a1, #a2, #a3, #a4, #a5 } },
#include "helpers/helpers.def"
#undef HELPER
};

/* helpers.def argument kind -> the word `show disassembly` prints */
static const char *word(const char *kind)
{
	static const struct { const char *kind, *word; } w[] = {
		{ "ANY", "uint64_t" }, { "CTX", "ctx" }, { "MAP", "map_fd" },
		{ "MAP_PERF", "map_fd" }, { "MAP_RB", "map_fd" },
		{ "MAP_PROG", "map_fd_programs" }, { "KEY", "map_key" },
		{ "VALUE", "map_value" }, { "VALUE_W", "map_value" }, { "MEM_R", "mem" },
		{ "MEM_RN", "mem_or_null" }, { "MEM_W", "out_mem" }, { "SIZE", "size" },
		{ "SIZE0", "size_or_zero" }, { "SIZE_K", "const_size" }, { "FIX4", "mem" },
		{ "RB_MEM", "ringbuf_mem" }, { "FUNC", "func" }, { "MAP_CGARR", "map_fd" },
		{ "MAP_CGSTOR", "map_fd" }, { "MAP_SOCKMAP", "map_fd" }, { "MAP_SOCKHASH", "map_fd" },
		{ "MEM_RW", "mem" }, { "CONST_STR", "const_str" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(w); i++)
		if (strcmp(w[i].kind, kind) == 0)
			return w[i].word;
	return "uint64_t";
}

static int make(size_t i, struct elf_helper *h)
{
	const struct row *r = &rows[i];
	h->id = r->id;
	h->name = r->name;
	h->realloc = strstr(r->flags, "PKT") != NULL;
	h->kinds = NULL; /* prototype unknown */
	if (strcmp(r->ret, "UNMODELED") == 0)
		return 1;
	size_t len = 0;
	h->kinds_buf[0] = '\0';
	for (int a = 0; a < 5 && strcmp(r->args[a], "NONE") != 0; a++) {
		const char *wd = word(r->args[a]);
		size_t n = strlen(wd);
		if (len + n + 2 >= sizeof(h->kinds_buf))
			break;
		if (a)
			h->kinds_buf[len++] = ',';
		memcpy(h->kinds_buf + len, wd, n + 1);
		len += n;
	}
	h->kinds = h->kinds_buf;
	return 1;
}

int elf_helper_by_id(uint32_t id, struct elf_helper *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].id == id && id != 0)
			return make(i, out);
	return 0;
}

int elf_helper_by_name(const char *name, struct elf_helper *out)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(rows); i++)
		if (rows[i].id && strcmp(rows[i].name, name) == 0)
			return make(i, out);
	return 0;
}
