/* unit_run.c - see unit_run.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"

int unit_linux_vm(anybpf_vm **vm, const struct anybpf_vm_opts *vo,
		  const struct anybpf_helper_env *env, const char *text, struct anybpf_log *log)
{
	*vm = anybpf_vm_new(vo);
	if (!*vm || anybpf_helpers_register_linux(*vm, env))
		return -1;
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	int err = anybpf_assemble(text, strlen(text), &insns, &n, log);
	if (!err)
		err = anybpf_vm_load(*vm, insns, n, log);
	anybpf_free(insns);
	if (err)
		fprintf(stderr, "    %s\n", log->buf);
	return err;
}

int unit_hook_exec(anybpf_vm *vm, struct ctx_run *cr, const struct anybpf_helper_env *env,
		   int pkt_w, uint64_t *retval, struct anybpf_log *log)
{
	struct anybpf_region reg[2] = { { cr->ctx, cr->ctx_size, ANYBPF_REGION_R | ANYBPF_REGION_W, "ctx" } };
	size_t nreg = 1;
	if (cr->buf)
		reg[nreg++] = (struct anybpf_region){ cr->buf, cr->cap,
			pkt_w ? ANYBPF_REGION_R | ANYBPF_REGION_W : ANYBPF_REGION_R, "packet" };
	struct anybpf_helper_run hr;
	anybpf_helper_run_init(&hr, env);
	hr.ctx = (uint64_t)(uintptr_t)cr->ctx;
	hr.pkt = ctx_pkt(cr);
	size_t plen = 0;
	const void *pkt = ctx_run_data(cr, &plen);
	struct anybpf_exec_opts eo = { .sz = sizeof(eo), .mode = ANYBPF_EXEC_CHECKED,
				       .args = { (uint64_t)(uintptr_t)cr->ctx }, .regions = reg,
				       .nregions = nreg, .pkt = pkt, .pkt_len = plen, .user = &hr };
	struct anybpf_exec_result er = { 0, 0 };
	int err = anybpf_vm_exec(vm, &eo, &er, log);
	if (!err)
		*retval = er.retval;
	return err;
}

struct anybpf_map_desc *unit_map_descs(anybpf_object *obj, int level)
{
	size_t nm = anybpf_object_map_count(obj);
	struct anybpf_map_desc *md = calloc(nm + 1, sizeof(*md));
	for (size_t i = 0; md && i < nm; i++) {
		anybpf_map *m = anybpf_object_map(obj, i);
		md[i].type = anybpf_map_type(m);
		md[i].key_size = anybpf_map_key_size(m);
		md[i].value_size = anybpf_map_value_size(m);
		md[i].max_entries = anybpf_map_max_entries(m);
		if (level >= 1) {
			md[i].name = anybpf_map_name(m);
			md[i].map_flags = anybpf_map_flags(m);
		}
		if (level >= 2) {
			md[i].inner = anybpf_map_inner(m) >= 0 ? (uint32_t)anybpf_map_inner(m) + 1 : 0;
			md[i].value = anybpf_map_initial(m, NULL);
		}
	}
	return md;
}
