/* fuzz_validate.c - libFuzzer target: any bytes as instruction slots through
 * the decoder and validator.  Checks that the verdict is stable and that a
 * failure always leaves an error code and a message in the log. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"
#include "isa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct anybpf_insn);
	struct anybpf_insn *insns = malloc(n ? n * sizeof(*insns) : 1);
	if (!insns)
		return 0;
	memcpy(insns, data, n * sizeof(*insns));
	for (size_t i = 0; i < n; i++)
		(void)isa_lookup(&insns[i]);
	char buf[512];
	struct anybpf_log log = { .buf = buf, .size = sizeof(buf), .err_pc = -1, .err_line = -1 };
	struct anybpf_validate_opts opts = { .sz = sizeof(opts), .max_insns = 4096 };
	int err = anybpf_validate(insns, n, &opts, &log);
	if (err && (log.err != err || log.len == 0))
		abort(); /* a failure without its message */
	if (err && log.err_pc >= (int64_t)n)
		abort(); /* an error pc outside the program */
	if (anybpf_validate(insns, n, &opts, NULL) != err)
		abort(); /* the verdict must not depend on the log */
	free(insns);
	return 0;
}
