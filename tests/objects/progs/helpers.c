// The seed tutorial's helper example (section 4.2): an invalid call.
#include "win_helpers.h"

int func()
{
    int result = bpf_map_update_elem((struct bpf_map*)0, (uint32_t*)0, (uint32_t*)0, 0);
    return result;
}
