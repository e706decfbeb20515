/* interp_switch.c - the same interpreter with the portable switch dispatch,
 * always built so the tests run both variants against each other. */
#ifndef ANYBPF_NO_COMPUTED_GOTO
#define ANYBPF_NO_COMPUTED_GOTO 1
#endif
#include "vm_internal.h"

#define INTERP_FN vm_interp_fast_switch
#define INTERP_CHECKED 0
#include "interp_body.h"

#define INTERP_FN vm_interp_checked_switch
#define INTERP_CHECKED 1
#include "interp_body.h"
