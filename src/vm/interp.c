/* interp.c - the interpreter in its two modes, fast and checking, each
 * expanded from isa.def by interp_body.h (computed goto under GCC/clang,
 * a switch with ANYBPF_NO_COMPUTED_GOTO). */
#include "vm_internal.h"

#define INTERP_FN vm_interp_fast
#define INTERP_CHECKED 0
#include "interp_body.h"

#define INTERP_FN vm_interp_checked
#define INTERP_CHECKED 1
#include "interp_body.h"
