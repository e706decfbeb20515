/* unit_run.h - helpers shared by the unit tests that assemble a program,
 * load it into a VM with the Linux helpers, or run it on a hook's native
 * context (the pipeline of src/runtime/runtime.c, in checking mode). */
#ifndef ANYBPF_UNIT_RUN_H
#define ANYBPF_UNIT_RUN_H

#include <stdint.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "hooks/ctx.h"

/* *vm = a new VM (options vo, may be NULL) with every Linux helper
 * registered (env), then `text` assembled and loaded; on an error of the
 * assembler or loader the log is printed to stderr.  0 or an error (-1 when
 * the VM could not be made); *vm is set whenever it was made. */
int unit_linux_vm(anybpf_vm **vm, const struct anybpf_vm_opts *vo,
		  const struct anybpf_helper_env *env, const char *text, struct anybpf_log *log);

/* Run vm (loaded) in checking mode on the context cr built for hook h:
 * r1 = ctx, regions ctx (rw) and the packet (writable when pkt_w), helper
 * run from env with its ctx and packet.  0 and *retval, or the error. */
int unit_hook_exec(anybpf_vm *vm, struct ctx_run *cr, const struct anybpf_helper_env *env,
		   int pkt_w, uint64_t *retval, struct anybpf_log *log);

/* The map descriptions of obj's maps for anybpf_verify (nm + 1 zeroed
 * entries, calloc'ed, NULL if that fails): type and sizes; with level >= 1
 * also name and flags; with level >= 2 also the inner map and the initial
 * value (as a loader passes them). */
struct anybpf_map_desc *unit_map_descs(anybpf_object *obj, int level);

#endif
