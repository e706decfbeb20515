/* common.h - the one allocator, overflow-checked growth, and the log. */
#ifndef ANYBPF_COMMON_H
#define ANYBPF_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "anybpf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The allocator every module uses (so a test can swap it in one place). */
void *ab_malloc(size_t n);
void *ab_calloc(size_t count, size_t size);
void *ab_realloc(void *p, size_t n);
void ab_free(void *p);
char *ab_strdup(const char *s);

/* Make room for `need` elements of `elem` bytes in *p (capacity *cap),
 * growing geometrically; 0 or -ANYBPF_E_NOMEM (also on size overflow). */
int ab_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Append a formatted line to log (a newline is added).  pc < 0: no pc.
 * Records err/err_pc.  Returns err, so `return ab_err(log, -E, pc, ...)`. */
int ab_err(struct anybpf_log *log, int err, int64_t pc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Append text without recording an error. */
void ab_logf(struct anybpf_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ab_vlogf(struct anybpf_log *log, const char *fmt, va_list ap);

#endif
