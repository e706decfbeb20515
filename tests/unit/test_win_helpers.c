/* test_win_helpers.c - the eBPF-for-Windows helpers without a Linux twin
 * (src/helpers/win_helpers_rt.c, registered by src/hooks/win_helpers.c
 * from win_helpers.def's WIN_PROTO rows): small windows/... programs run
 * in the VM's checking mode, their results and memory checked, and the
 * checking mode's refusal of a buffer too small for its size argument.
 * The verifier's side is tests/verifier/windows.txt. */
#include <errno.h>
#include <string.h>

#include "anybpf.h"
#include "helpers/linux_helpers.h"
#include "helpers/win_helpers_rt.h"
#include "hooks/ctx.h"
#include "unit.h"
#include "unit_run.h"

static uint64_t fixed_clock(void *user, enum anybpf_clock which)
{
	(void)user;
	return which == ANYBPF_CLOCK_BOOTTIME ? 7000999999ull : 5000123456ull;
}

/* Run `text` as a windows/sample program (not verified: the verifier
 * checks these helpers once it reads WIN_PROTO rows) in checking mode;
 * *err: 0 or the error of the run. */
static uint64_t run_win(const char *type, const char *text, int *err)
{
	char msg[256] = "";
	struct anybpf_log log = { .buf = msg, .size = sizeof(msg), .err_pc = -1, .err_line = -1 };
	const struct hook *h = hook_find(type);
	struct anybpf_insn *insns = NULL;
	size_t n = 0;
	anybpf_vm *vm = NULL;
	struct ctx_run cr;
	memset(&cr, 0, sizeof(cr));
	struct anybpf_helper_env env = { .sz = sizeof(env), .prog_type = type, .clock = fixed_clock };
	uint64_t ret = 0;
	static const char data[] = "pattern";
	*err = -1;
	if (!h || (*err = anybpf_assemble(text, strlen(text), &insns, &n, &log)) != 0)
		goto out;
	struct anybpf_vm_opts vmo = { .sz = sizeof(vmo) };
	vm = anybpf_vm_new(&vmo);
	if (!vm || (*err = hook_register_helpers(h, vm, &env)) != 0 ||
	    (*err = anybpf_vm_load(vm, insns, n, &log)) != 0)
		goto out;
	if ((*err = ctx_run_build(&cr, h, data, 7, NULL, 0, &log)) != 0)
		goto out;
	*err = unit_hook_exec(vm, &cr, &env, 0, &ret, &log);
out:
	ctx_run_free(&cr);
	anybpf_vm_free(vm);
	anybpf_free(insns);
	return ret;
}

#define NEG(e) ((uint64_t)(int64_t)-(e))
/* fp-16: "abc\0" then 0xff x4; fp-8: 0xff x8 */
#define SETUP \
	"r3 = 0x636261\n*(u64 *)(r10 - 16) = r3\n" \
	"r3 = 0xffffffff\n*(u32 *)(r10 - 12) = r3\n" \
	"r3 = -1\n*(u64 *)(r10 - 8) = r3\n"
#define DST(sz) "r1 = r10\nr1 += -8\nr2 = " #sz "\n"
#define SRC(sz) "r3 = r10\nr3 += -16\nr4 = " #sz "\n"
#define RESULT_AND_DST "r6 = r0\nr0 = *(u64 *)(r10 - 8)\n"

TEST(win_helpers_registered_for_windows_types_only)
{
	CHECK(anybpf_helper_win_fn(22) != NULL);
	CHECK(anybpf_helper_win_fn(31) != NULL);
	CHECK(anybpf_helper_win_fn(1) == NULL);    /* map_lookup_elem: the Linux twin */
	CHECK(anybpf_helper_win_fn(20) == NULL);   /* get_current_logon_id: not modeled */
	int err;
	/* windows/xdp gets them too (general helpers) */
	CHECK_EQ(run_win("windows/xdp", SETUP DST(8) SRC(8) "call 22\nexit\n", &err), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(run_win("windows/xdp", SETUP DST(8) SRC(8) "call 22\n" RESULT_AND_DST "exit\n", &err),
		 0xffffffff00636261ull);
}

TEST(win_helpers_memcpy_memmove)
{
	int err;
	CHECK_EQ(run_win("windows/sample", SETUP DST(8) SRC(8) "call 22\n" RESULT_AND_DST "r0 += r6\nexit\n", &err),
		 0xffffffff00636261ull);
	CHECK_EQ(err, 0);
	/* source larger than the destination: -EINVAL, nothing copied */
	CHECK_EQ(run_win("windows/sample", SETUP DST(4) SRC(8) "call 22\nr0 <<= 32\nr0 s>>= 32\nexit\n", &err),
		 NEG(EINVAL));
	CHECK_EQ(run_win("windows/sample", SETUP DST(4) SRC(8) "call 22\n" RESULT_AND_DST "exit\n", &err),
		 ~0ull);
	/* a short copy into a larger destination leaves the rest */
	CHECK_EQ(run_win("windows/sample", SETUP DST(8) SRC(2) "call 25\n" RESULT_AND_DST "r0 += r6\nexit\n", &err),
		 0xffffffffffff6261ull);
	CHECK_EQ(err, 0);
	/* overlapping (memmove_s): fp-16..fp-9 moved one byte up */
	CHECK_EQ(run_win("windows/sample", SETUP "r1 = r10\nr1 += -15\nr2 = 7\n" SRC(7)
			 "call 25\nr6 = r0\nr0 = *(u64 *)(r10 - 16)\nr0 += r6\nexit\n", &err),
		 0xffffff0063626161ull);
	/* the checking mode refuses a destination past the stack (size 16 at fp-8) */
	run_win("windows/sample", SETUP DST(16) SRC(8) "call 22\nexit\n", &err);
	CHECK(err != 0);
}

TEST(win_helpers_memcmp_memset)
{
	int err;
	/* "abc\0\xff.." vs 0xff x8: the first byte decides (0x61 < 0xff) */
	CHECK_EQ(run_win("windows/sample", SETUP "r1 = r10\nr1 += -16\nr2 = 8\nr3 = r10\nr3 += -8\nr4 = 8\n"
			 "call 23\nexit\n", &err), ~0ull);
	CHECK_EQ(run_win("windows/sample", SETUP DST(8) SRC(8) "call 23\nexit\n", &err), 1);
	CHECK_EQ(run_win("windows/sample", SETUP DST(8) "r3 = r10\nr3 += -8\nr4 = 8\ncall 23\nexit\n", &err), 0);
	/* equal prefix: the shorter region is the smaller */
	CHECK_EQ(run_win("windows/sample", SETUP DST(4) "r3 = r10\nr3 += -8\nr4 = 8\ncall 23\nexit\n", &err), ~0ull);
	CHECK_EQ(err, 0);
	/* memset(mem, size, value) returns mem */
	CHECK_EQ(run_win("windows/sample", SETUP "r1 = r10\nr1 += -8\nr2 = 6\nr3 = 0x1ab\ncall 24\n"
			 "r0 -= r10\nexit\n", &err), (uint64_t)-8);
	CHECK_EQ(run_win("windows/sample", SETUP "r1 = r10\nr1 += -8\nr2 = 6\nr3 = 0x1ab\ncall 24\n"
			 "r0 = *(u64 *)(r10 - 8)\nexit\n", &err), 0xffffababababababull);
	CHECK_EQ(err, 0);
	run_win("windows/sample", SETUP "r1 = r10\nr1 += -8\nr2 = 9\nr3 = 0\ncall 24\nexit\n", &err);
	CHECK(err != 0);
}

TEST(win_helpers_strings)
{
	int err;
	/* strncpy_s: copied, NUL-terminated, zero-filled behind */
	CHECK_EQ(run_win("windows/sample", SETUP DST(8) SRC(8) "call 27\n" RESULT_AND_DST "r0 += r6\nexit\n", &err),
		 0x636261ull);
	CHECK_EQ(err, 0);
	/* count stops the copy */
	CHECK_EQ(run_win("windows/sample", SETUP DST(8) SRC(2) "call 27\n" RESULT_AND_DST "r0 += r6\nexit\n", &err),
		 0x6261ull);
	/* too small: -ERANGE, truncated "ab\0", bytes past dst_size untouched */
	CHECK_EQ(run_win("windows/sample", SETUP DST(3) SRC(8) "call 27\nr0 <<= 32\nr0 s>>= 32\nexit\n", &err),
		 NEG(ERANGE));
	CHECK_EQ(run_win("windows/sample", SETUP DST(3) SRC(8) "call 27\n" RESULT_AND_DST "exit\n", &err),
		 0xffffffffff006261ull);
	/* strncat_s: "ab" + "abc" */
	const char *ab = "r3 = 0x6261\n*(u64 *)(r10 - 8) = r3\n";
	char prog[512];
	snprintf(prog, sizeof(prog), "%s%s%s%s", SETUP, ab, DST(8) SRC(8), "call 28\n" RESULT_AND_DST "r0 += r6\nexit\n");
	CHECK_EQ(run_win("windows/sample", prog, &err), 0x6362616261ull);
	CHECK_EQ(err, 0);
	snprintf(prog, sizeof(prog), "%s%s%s%s", SETUP, ab, DST(4) SRC(8), "call 28\nr0 <<= 32\nr0 s>>= 32\nexit\n");
	CHECK_EQ(run_win("windows/sample", prog, &err), NEG(ERANGE));
	snprintf(prog, sizeof(prog), "%s%s%s%s", SETUP, ab, DST(4) SRC(8), "call 28\n" RESULT_AND_DST "exit\n");
	CHECK_EQ(run_win("windows/sample", prog, &err), 0x616261ull);   /* "aba\0" */
	/* no NUL in the destination: -EINVAL */
	CHECK_EQ(run_win("windows/sample", SETUP DST(8) SRC(8) "call 28\nr0 <<= 32\nr0 s>>= 32\nexit\n", &err),
		 NEG(EINVAL));
	/* strnlen_s */
	CHECK_EQ(run_win("windows/sample", SETUP "r1 = r10\nr1 += -16\nr2 = 8\ncall 29\nexit\n", &err), 3);
	CHECK_EQ(run_win("windows/sample", SETUP "r1 = r10\nr1 += -16\nr2 = 2\ncall 29\nexit\n", &err), 2);
	CHECK_EQ(run_win("windows/sample", SETUP "r1 = r10\nr1 += -8\nr2 = 8\ncall 29\nexit\n", &err), 8);
	CHECK_EQ(err, 0);
	run_win("windows/sample", SETUP "r1 = r10\nr1 += -8\nr2 = 12\ncall 29\nexit\n", &err);
	CHECK(err != 0);
}

TEST(win_helpers_clocks_ms)
{
	int err;
	CHECK_EQ(run_win("windows/sample", "call 31\nexit\n", &err), 5000);
	CHECK_EQ(err, 0);
	CHECK_EQ(run_win("windows/sample", "call 30\nexit\n", &err), 7000);
	CHECK_EQ(err, 0);
	/* ids Windows has no implementation for stay unregistered */
	run_win("windows/sample", "call 20\nexit\n", &err);
	CHECK(err != 0);
}
