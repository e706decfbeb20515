/* prec.h - shared by the precision programs (tests/unit/test_verifier_precision.c
 * compiles them with clang -O2 -target bpf). */
#include <linux/bpf.h>
#define SEC(x) __attribute__((section(x), used))
#define barrier_var(v) asm volatile("" : "+r"(v))
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
