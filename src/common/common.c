/* common.c - allocation, error names, the caller-owned log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

void *ab_malloc(size_t n) { return malloc(n ? n : 1); }
void *ab_calloc(size_t count, size_t size) { return calloc(count ? count : 1, size ? size : 1); }
void *ab_realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
void ab_free(void *p) { free(p); }
void anybpf_free(void *p) { ab_free(p); }

char *ab_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = ab_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

int ab_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ANYBPF_E_NOMEM;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return -ANYBPF_E_NOMEM;
	void *np = ab_realloc(*p, ncap * elem);
	if (!np)
		return -ANYBPF_E_NOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static const char *const err_text[] = {
#define X(name, text) text,
	ANYBPF_ERRORS(X)
#undef X
};
static const char *const err_name[] = {
#define X(name, text) #name,
	ANYBPF_ERRORS(X)
#undef X
};

const char *anybpf_strerror(int err)
{
	unsigned e = (unsigned)(err < 0 ? -err : err);
	return e < ANYBPF_E_COUNT ? err_text[e] : "unknown error";
}

const char *anybpf_errname(int err)
{
	unsigned e = (unsigned)(err < 0 ? -err : err);
	return e < ANYBPF_E_COUNT ? err_name[e] : "UNKNOWN";
}

void ab_vlogf(struct anybpf_log *log, const char *fmt, va_list ap)
{
	if (!log || !log->buf || log->size == 0)
		return;
	if (log->len >= log->size - 1) {
		log->truncated = 1;
		return;
	}
	size_t room = log->size - log->len;
	int n = vsnprintf(log->buf + log->len, room, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		log->len = log->size - 1;
		log->truncated = 1;
	} else {
		log->len += (size_t)n;
	}
}

void ab_logf(struct anybpf_log *log, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ab_vlogf(log, fmt, ap);
	va_end(ap);
}

int ab_err(struct anybpf_log *log, int err, int64_t pc, const char *fmt, ...)
{
	if (!log)
		return err;
	log->err = err;
	log->err_pc = pc;
	if (pc >= 0)
		ab_logf(log, "pc %lld: ", (long long)pc);
	va_list ap;
	va_start(ap, fmt);
	ab_vlogf(log, fmt, ap);
	va_end(ap);
	ab_logf(log, "\n");
	return err;
}
