/* win_helpers_rt.c - the eBPF-for-Windows helpers without a Linux twin,
 * with the semantics eBPF for Windows documents (include/bpf_helper_defs.h)
 * and implements (libs/execution_context/ebpf_core.c, ebpf_strings.c:
 * RtlStringCbCopyNExA / RtlStringCbCatNExA with STRSAFE_FILL_BEHIND_NULL).
 * Errors are negative errno values, as Windows' helpers return them.
 *
 * Memory arguments are host pointers the verifier (or the VM's checking
 * mode, by win_helpers.def's WIN_PROTO kinds) proved to span their sizes. */
#include <errno.h>
#include <string.h>

#include "helpers/linux_helpers.h"
#include "helpers/win_helpers_rt.h"

#define WARGS uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, anybpf_run *run
#define PTR(x) ((void *)(uintptr_t)(x))
#define NEG(e) ((uint64_t)(int64_t)-(e))

/* memcpy_s(dst, dst_size, src, src_size): 0, or -EINVAL when src_size >
 * dst_size (dst unchanged) */
static uint64_t wh_memcpy_s(WARGS)
{
	(void)r5, (void)run;
	if (r4 > r2)
		return NEG(EINVAL);
	if (r4)
		memmove(PTR(r1), PTR(r3), (size_t)r4);   /* overlap: as memmove */
	return 0;
}

/* memmove_s: as memcpy_s, overlapping regions allowed */
static uint64_t wh_memmove_s(WARGS)
{
	return wh_memcpy_s(r1, r2, r3, r4, r5, run);
}

/* memcmp_s(m1, size1, m2, size2): the common prefix compared bytewise
 * (unsigned), then the shorter region is the smaller; -1, 0 or 1 */
static uint64_t wh_memcmp_s(WARGS)
{
	(void)r5, (void)run;
	size_t n = (size_t)(r2 < r4 ? r2 : r4);
	int c = n ? memcmp(PTR(r1), PTR(r3), n) : 0;
	if (!c)
		c = r2 < r4 ? -1 : r2 > r4;
	return c < 0 ? (uint64_t)-1 : c > 0;
}

/* memset(mem, size, value): the pointer, as Windows returns it */
static uint64_t wh_memset(WARGS)
{
	(void)r4, (void)r5, (void)run;
	if (r2)
		memset(PTR(r1), (int)(uint8_t)r3, (size_t)r2);
	return r1;
}

/* strncpy_s(dst, dst_size, src, count): copies src up to its NUL or count
 * bytes, NUL-terminates and zero-fills dst behind the NUL; 0, or -ERANGE
 * when dst cannot hold it (dst then holds the truncated string), -EINVAL
 * for dst_size 0 */
static uint64_t wh_strncpy_s(WARGS)
{
	(void)r5, (void)run;
	char *d = PTR(r1);
	size_t dsz = (size_t)r2, n = r3 ? strnlen(PTR(r3), (size_t)r4) : 0;
	if (!dsz)
		return NEG(EINVAL);
	int trunc = n >= dsz;
	if (trunc)
		n = dsz - 1;
	memmove(d, PTR(r3), n);
	memset(d + n, 0, dsz - n);
	return trunc ? NEG(ERANGE) : 0;
}

/* strncat_s(dst, dst_size, src, count): appends src (up to its NUL or
 * count bytes) to the string in dst, NUL-terminates and zero-fills behind;
 * 0, -ERANGE when it does not fit (dst then holds the truncated result),
 * -EINVAL when dst holds no NUL within dst_size */
static uint64_t wh_strncat_s(WARGS)
{
	(void)r5, (void)run;
	char *d = PTR(r1);
	size_t dsz = (size_t)r2, len = strnlen(d, dsz);
	if (len == dsz)
		return NEG(EINVAL);
	size_t n = r3 ? strnlen(PTR(r3), (size_t)r4) : 0, room = dsz - 1 - len;
	int trunc = n > room;
	if (trunc)
		n = room;
	memmove(d + len, PTR(r3), n);
	memset(d + len + n, 0, dsz - len - n);
	return trunc ? NEG(ERANGE) : 0;
}

/* strnlen_s(str, size): the length of the string, size when it has no
 * NUL within size bytes, 0 for NULL */
static uint64_t wh_strnlen_s(WARGS)
{
	(void)r3, (void)r4, (void)r5, (void)run;
	return r1 ? strnlen(PTR(r1), (size_t)r2) : 0;
}

/* the millisecond clocks: the Linux ones (the env's clock override
 * included) in ms */
static uint64_t wh_ktime_get_boot_ms(WARGS)
{
	return anybpf_helper_linux_fn(LH_ID_ktime_get_boot_ns)(r1, r2, r3, r4, r5, run) / 1000000u;
}

static uint64_t wh_ktime_get_ms(WARGS)
{
	return anybpf_helper_linux_fn(LH_ID_ktime_get_ns)(r1, r2, r3, r4, r5, run) / 1000000u;
}

anybpf_helper_fn anybpf_helper_win_fn(uint32_t win_id)
{
	switch (win_id) {
	case 22: return wh_memcpy_s;
	case 23: return wh_memcmp_s;
	case 24: return wh_memset;
	case 25: return wh_memmove_s;
	case 27: return wh_strncpy_s;
	case 28: return wh_strncat_s;
	case 29: return wh_strnlen_s;
	case 30: return wh_ktime_get_boot_ms;
	case 31: return wh_ktime_get_ms;
	default: return NULL;
	}
}
