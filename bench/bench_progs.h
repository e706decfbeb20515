/* bench_progs.h - `make bench`, part 2 (bench_progs.c). */
#ifndef BENCH_PROGS_H
#define BENCH_PROGS_H

/* Time the eBPF object programs (dir: the build directory, holding
 * bench-progs/ and examples/xdp_counter.o) on every engine and print the
 * table; about `seconds` per program.  0, or -1 when a program failed or
 * the engines disagreed (said on stdout/stderr). */
int bench_programs(const char *dir, double seconds);

#endif
