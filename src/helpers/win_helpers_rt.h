/* win_helpers_rt.h - the eBPF-for-Windows helpers that have no Linux twin,
 * at run time (win_helpers_rt.c): memcpy_s, memcmp_s, memset, memmove_s,
 * strncpy_s, strncat_s, strnlen_s, ktime_get_boot_ms, ktime_get_ms.
 * src/hooks/win_helpers.c registers them, at Windows' ids, for the
 * windows/... program types; win_helpers.def's WIN_PROTO rows give their
 * argument kinds. */
#ifndef ANYBPF_WIN_HELPERS_RT_H
#define ANYBPF_WIN_HELPERS_RT_H

#include <stdint.h>

#include "anybpf.h"

/* Windows' own implementation of general helper `win_id` (ebpf_structs.h's
 * ebpf_helper_id_t), or NULL when it has none (a helper run as its Linux
 * twin, or one not implemented). */
anybpf_helper_fn anybpf_helper_win_fn(uint32_t win_id);

#endif
