/* strncmp.c - bpf_strncmp against a constant string in .rodata
 * (tests/unit/test_verifier_rodata.c compiles it with clang -O2 -target bpf):
 * XDP_DROP when the frame starts with "abcd", else XDP_PASS.
 * -DLITERAL: the string is a literal (.rodata.str1.1);
 * -DUNSAFE=1: also writes into the .rodata string (must be rejected:
 * "write into read-only map");
 * -DUNSAFE=2: the string is in .data (writable: rejected for bpf_strncmp). */
#include <linux/bpf.h>

#define SEC(x) __attribute__((section(x), used))
static long (*bpf_strncmp)(const char *s1, __u32 s1_sz, const char *s2) = (void *)182;

#if UNSAFE == 2
volatile char want[8] = "abcd";
#else
const volatile char want[8] = "abcd";
#endif

SEC("xdp")
int match(struct xdp_md *ctx)
{
	char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	char buf[4];

	if (data + 4 > end)
		return XDP_PASS;
	__builtin_memcpy(buf, data, 4);
#if UNSAFE == 1
	((volatile char *)want)[0] = buf[0];
#endif
#ifdef LITERAL
	return bpf_strncmp(buf, 4, "abcd") == 0 ? XDP_DROP : XDP_PASS;
#else
	return bpf_strncmp(buf, 4, (const char *)want) == 0 ? XDP_DROP : XDP_PASS;
#endif
}

char _license[] SEC("license") = "GPL";
