/* linux_format.c - trace_printk, trace_vprintk, snprintf (the kernel's
 * bpf_bprintf_prepare rules, kernel/bpf/helpers.c), the probe_read family
 * (bounded copies that answer -EFAULT and zero the destination for memory
 * the run does not allow, as copy_from_kernel_nofault does), strncmp,
 * strtol, strtoul. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "helpers/linux_helpers.h"

#define LH_BPRINTF_BUF 1024u        /* MAX_BPRINTF_BUF */
#define LH_BPRINTF_VARARGS 12u      /* MAX_BPRINTF_VARARGS */
#define LH_TRACE_PRINTK_VARARGS 3u  /* MAX_TRACE_PRINTK_VARARGS */

/* Append to out[size] at *pos, counting what does not fit. */
struct fbuf {
	char *out;
	size_t size, pos;
};

static void fput(struct fbuf *b, const char *s, size_t n)
{
	if (b->pos < b->size) {
		size_t room = b->size - b->pos;
		memcpy(b->out + b->pos, s, n < room ? n : room);
	}
	b->pos += n;
}

static void fputf(struct fbuf *b, const char *spec, ...) __attribute__((format(printf, 2, 3)));
static void fputf(struct fbuf *b, const char *spec, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, spec);
	int n = vsnprintf(tmp, sizeof(tmp), spec, ap);
	va_end(ap);
	if (n > 0)
		fput(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A string argument: through read_str, or a host pointer. */
static size_t get_str(uint64_t addr, char *dst, size_t n,
		      int (*read_str)(void *u, uint64_t addr, char *dst, size_t n), void *ru)
{
	dst[0] = 0;
	if (read_str) {
		if (read_str(ru, addr, dst, n) < 0)
			dst[0] = 0;
	} else if (addr) {
		strncpy(dst, (const char *)(uintptr_t)addr, n - 1);
		dst[n - 1] = 0;
	}
	return strlen(dst);
}

/* Bytes of an address argument (%pI4 & co.): through read_str's memory. */
static int get_bytes(uint64_t addr, uint8_t *dst, size_t n,
		     int (*read_str)(void *u, uint64_t addr, char *dst, size_t n), void *ru)
{
	if (!read_str) {
		if (!addr)
			return -1;
		memcpy(dst, (const void *)(uintptr_t)addr, n);
		return 0;
	}
	/* read_str stops at NUL bytes: read byte by byte */
	for (size_t i = 0; i < n; i++) {
		char c[2];
		if (read_str(ru, addr + i, c, 2) < 0)
			return -1;
		dst[i] = (uint8_t)c[0];
	}
	return 0;
}

static int format_(char *out, size_t size, const char *fmt, size_t fmt_len,
		   const uint64_t *args, size_t nargs,
		   int (*read_str)(void *u, uint64_t addr, char *dst, size_t n), void *read_user)
{
	struct fbuf b = { out, size ? size - 1 : 0, 0 };
	size_t nspec = 0;
	char str[LH_BPRINTF_BUF];
	/* the format ends at its NUL */
	const char *end = memchr(fmt, 0, fmt_len);
	if (!end)
		return -EINVAL;
	fmt_len = (size_t)(end - fmt);
	for (size_t i = 0; i < fmt_len; i++) {
		unsigned char c = (unsigned char)fmt[i];
		if (!isascii(c) || (!isprint(c) && !isspace(c)))
			return -EINVAL;
		if (c != '%') {
			fput(&b, &fmt[i], 1);
			continue;
		}
		if (fmt[i + 1] == '%') {
			fput(&b, "%", 1);
			i++;
			continue;
		}
		if (nspec >= nargs)
			return -EINVAL;
		uint64_t arg = args[nspec];
		/* the spec, rebuilt for the host's printf: flags and width */
		char spec[32];
		size_t sl = 0;
		spec[sl++] = '%';
		i++;
		while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ') {
			if (sl < 8)
				spec[sl++] = fmt[i];
			i++;
		}
		if (fmt[i] >= '1' && fmt[i] <= '9') {
			size_t w0 = i;
			while (fmt[i] >= '0' && fmt[i] <= '9')
				i++;
			if (i - w0 > 4) /* a width past 9999 is not worth printing */
				return -EINVAL;
			memcpy(spec + sl, fmt + w0, i - w0);
			sl += i - w0;
		}
		/* fmt[fmt_len] is the NUL: look no further */
		char n1 = i < fmt_len ? fmt[i + 1] : 0;
		char n2 = i + 2 <= fmt_len ? fmt[i + 2] : 0;
		if (fmt[i] == 'p') {
			if ((n1 == 'k' || n1 == 'u') && n2 == 's') {
				i += 2;
				goto fmt_str;
			}
			if (n1 == 0 || isspace((unsigned char)n1) || ispunct((unsigned char)n1) ||
			    n1 == 'K' || n1 == 'x' || n1 == 's' || n1 == 'S' || n1 == 'B') {
				/* kernel pointers and symbols: the raw value (no
				 * hashing, no symbol table here) */
				if (n1 == 'K' || n1 == 'x' || n1 == 's' || n1 == 'S' || n1 == 'B')
					i++;
				char tmp[32];
				snprintf(tmp, sizeof(tmp), "%016" PRIx64, arg);
				fput(&b, tmp, strlen(tmp));
				goto next;
			}
			if ((n1 != 'i' && n1 != 'I') || (n2 != '4' && n2 != '6'))
				return -EINVAL;
			i += 2;
			uint8_t ip[16];
			size_t len = n2 == '4' ? 4 : 16;
			if (get_bytes(arg, ip, len, read_str, read_user)) {
				memset(ip, 0, sizeof(ip));
			}
			if (len == 4) {
				fputf(&b, n1 == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u", ip[0],
				      ip[1], ip[2], ip[3]);
			} else {
				for (unsigned k = 0; k < 16; k += 2)
					fputf(&b, n1 == 'I' && k ? ":%02x%02x" : "%02x%02x", ip[k],
					      ip[k + 1]);
			}
			goto next;
		} else if (fmt[i] == 's') {
		fmt_str:
			n1 = fmt[i + 1];
			if (n1 != 0 && !isspace((unsigned char)n1) && !ispunct((unsigned char)n1))
				return -EINVAL;
			get_str(arg, str, sizeof(str), read_str, read_user);
			spec[sl++] = 's';
			spec[sl] = 0;
			{
				char tmp[LH_BPRINTF_BUF + 16];
				int n = snprintf(tmp, sizeof(tmp), spec, str);
				if (n > 0)
					fput(&b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
			}
			goto next;
		} else if (fmt[i] == 'c') {
			spec[sl++] = 'c';
			spec[sl] = 0;
			fputf(&b, spec, (int)(unsigned char)arg);
			goto next;
		}
		int longs = 0;
		if (fmt[i] == 'l') {
			longs = 1;
			i++;
		}
		if (fmt[i] == 'l') {
			longs = 2;
			i++;
		}
		char conv = fmt[i];
		if (conv != 'i' && conv != 'd' && conv != 'u' && conv != 'x' && conv != 'X')
			return -EINVAL;
		memcpy(spec + sl, "ll", 2);
		sl += 2;
		spec[sl++] = conv;
		spec[sl] = 0;
		if (conv == 'i' || conv == 'd') {
			long long v = longs ? (long long)(int64_t)arg : (long long)(int32_t)arg;
			fputf(&b, spec, v);
		} else {
			unsigned long long v = longs ? (unsigned long long)arg
						     : (unsigned long long)(uint32_t)arg;
			fputf(&b, spec, v);
		}
	next:
		nspec++;
	}
	if (size)
		out[b.pos < size - 1 ? b.pos : size - 1] = 0;
	return b.pos > INT32_MAX ? INT32_MAX : (int)b.pos;
}

/* As Linux checks the whole format (bpf_bprintf_prepare) before it
 * prints anything, a bad format leaves out untouched. */
int anybpf_helper_format(char *out, size_t size, const char *fmt, size_t fmt_len,
			 const uint64_t *args, size_t nargs,
			 int (*read_str)(void *u, uint64_t addr, char *dst, size_t n),
			 void *read_user)
{
	int n = format_(NULL, 0, fmt, fmt_len, args, nargs, read_str, read_user);
	if (n < 0 || !size)
		return n;
	return format_(out, size, fmt, fmt_len, args, nargs, read_str, read_user);
}

/* ---- reading program memory ---------------------------------------------- */

/* Copy a NUL-terminated string at addr into dst[n] (NUL included, cut at
 * n - 1): its length with the NUL, or -EFAULT when a byte before the NUL
 * is not memory the run allows. */
static int read_str_run(void *u, uint64_t addr, char *dst, size_t n)
{
	anybpf_run *run = u;
	if (!n)
		return 0;
	size_t avail = lh_accessible(run, addr, 0);
	const char *src = (const char *)(uintptr_t)addr;
	size_t lim = n - 1 < avail ? n - 1 : avail;
	const char *z = lim ? memchr(src, 0, lim) : NULL;
	if (z) {
		size_t len = (size_t)(z - src);
		memcpy(dst, src, len + 1);
		return (int)(len + 1);
	}
	if (lim < n - 1) /* ran out of accessible bytes before the NUL */
		return -EFAULT;
	memcpy(dst, src, lim);
	dst[lim] = 0;
	return (int)n;
}

static uint64_t trace_out(anybpf_run *run, const char *fmt, uint64_t fmt_size,
			  const uint64_t *args, size_t nargs)
{
	struct anybpf_helper_run *hr = anybpf_run_user(run);
	char buf[LH_BPRINTF_BUF];
	int n = anybpf_helper_format(buf, sizeof(buf), fmt, (size_t)fmt_size, args, nargs,
				     read_str_run, run);
	if (n < 0)
		return (uint64_t)(int64_t)n;
	if (hr && hr->env && hr->env->trace) {
		size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
		hr->env->trace(hr->env->trace_user, buf, len);
	}
	return (uint64_t)n;
}

/* bpf_trace_printk(fmt, fmt_size, a1, a2, a3): the formatted length, or
 * -EINVAL (unsupported conversion, more than 3 of them, no NUL). */
uint64_t lh_trace_printk(LH_ARGS)
{
	uint64_t args[LH_TRACE_PRINTK_VARARGS] = { r3, r4, r5 };
	if (!r2)
		return (uint64_t)-EINVAL;
	return trace_out(run, (const char *)(uintptr_t)r1, r2, args, LH_TRACE_PRINTK_VARARGS);
}

static int data_args(anybpf_run *run, uint64_t data, uint64_t len, uint64_t *args)
{
	if (len % 8 || len > LH_BPRINTF_VARARGS * 8 || (len && !data))
		return -EINVAL;
	if (len && anybpf_run_check(run, data, (size_t)len, 0))
		return -EFAULT;
	if (len)
		memcpy(args, (const void *)(uintptr_t)data, (size_t)len);
	return 0;
}

/* bpf_trace_vprintk(fmt, fmt_size, data, data_len): up to 12 u64s. */
uint64_t lh_trace_vprintk(LH_ARGS)
{
	(void)r5;
	uint64_t args[LH_BPRINTF_VARARGS];
	int err = data_args(run, r3, r4, args);
	if (err)
		return (uint64_t)(int64_t)err;
	if (!r2)
		return (uint64_t)-EINVAL;
	return trace_out(run, (const char *)(uintptr_t)r1, r2, args, (size_t)(r4 / 8));
}

/* bpf_snprintf(str, str_size, fmt, data, data_len): the length with the
 * NUL (> str_size: str holds a cut, NUL-terminated string). */
uint64_t lh_snprintf(LH_ARGS)
{
	uint64_t args[LH_BPRINTF_VARARGS];
	int err = data_args(run, r4, r5, args);
	if (err)
		return (uint64_t)(int64_t)err;
	size_t flen = lh_accessible(run, r3, 0);
	if (!lh_checked(run) && r3)
		flen = strlen((const char *)(uintptr_t)r3) + 1;
	if (!flen)
		return (uint64_t)-EINVAL;
	int n = anybpf_helper_format((char *)(uintptr_t)r1, (size_t)r2, (const char *)(uintptr_t)r3,
				     flen, args, (size_t)(r5 / 8), read_str_run, run);
	if (n < 0)
		return (uint64_t)(int64_t)n;
	return (uint64_t)n + 1;
}

/* ---- probe_read ---------------------------------------------------------- */

static uint64_t probe_read(anybpf_run *run, uint64_t dst, uint64_t size, uint64_t src)
{
	if (!size)
		return 0;
	if (!dst)
		return (uint64_t)-EFAULT;
	if (lh_accessible(run, src, 0) < size) {
		memset((void *)(uintptr_t)dst, 0, (size_t)size);
		return (uint64_t)-EFAULT;
	}
	memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, (size_t)size);
	return 0;
}

static uint64_t probe_read_str(anybpf_run *run, uint64_t dst, uint64_t size, uint64_t src)
{
	if (!size)
		return 0;
	if (!dst)
		return (uint64_t)-EFAULT;
	if (size > INT32_MAX)
		size = INT32_MAX;
	int n = read_str_run(run, src, (char *)(uintptr_t)dst, (size_t)size);
	if (n < 0)
		memset((void *)(uintptr_t)dst, 0, (size_t)size);
	return (uint64_t)(int64_t)n;
}

uint64_t lh_probe_read(LH_ARGS)
{
	(void)r4, (void)r5;
	return probe_read(run, r1, r2, r3);
}

uint64_t lh_probe_read_str(LH_ARGS)
{
	(void)r4, (void)r5;
	return probe_read_str(run, r1, r2, r3);
}

/* Userspace has one address space: the _kernel and _user variants are the
 * same bounded copies. */
#define LH_ALIAS(name, base) \
	uint64_t lh_##name(LH_ARGS) { return lh_##base(r1, r2, r3, r4, r5, run); }
LH_ALIAS(probe_read_kernel, probe_read)
LH_ALIAS(probe_read_user, probe_read)
LH_ALIAS(probe_read_kernel_str, probe_read_str)
LH_ALIAS(probe_read_user_str, probe_read_str)
#undef LH_ALIAS

/* bpf_probe_write_user(dst, src, size): 0, or -EFAULT when dst is not
 * memory the run lets the program write. */
uint64_t lh_probe_write_user(LH_ARGS)
{
	(void)r4, (void)r5;
	if (!r3)
		return 0;
	if (lh_accessible(run, r1, 1) < r3)
		return (uint64_t)-EFAULT;
	memmove((void *)(uintptr_t)r1, (const void *)(uintptr_t)r2, (size_t)r3);
	return 0;
}

/* ---- strings --------------------------------------------------------------- */

/* bpf_strncmp(s1, s1_sz, s2): the kernel's strncmp, -1, 0 or 1. */
uint64_t lh_strncmp(LH_ARGS)
{
	(void)r4, (void)r5, (void)run;
	const unsigned char *a = (const unsigned char *)(uintptr_t)r1;
	const unsigned char *b = (const unsigned char *)(uintptr_t)r3;
	for (uint64_t i = 0; i < r2; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? (uint64_t)-1 : 1;
		if (!a[i])
			break;
	}
	return 0;
}

#define LH_STRTOX_BASE_MASK 0x1Fu

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

/* __bpf_strtoull: the characters consumed, or -EINVAL / -ERANGE. */
static int strtoull_(const char *buf, uint64_t buf_len, uint64_t flags, uint64_t *res, int *neg)
{
	unsigned base = (unsigned)(flags & LH_STRTOX_BASE_MASK);
	if (!buf || !buf_len)
		return -EINVAL;
	if (base != 0 && base != 8 && base != 10 && base != 16)
		return -EINVAL;
	if (flags & ~(uint64_t)LH_STRTOX_BASE_MASK)
		return -EINVAL;
	uint64_t cur = 0;
	while (cur < buf_len && isspace((unsigned char)buf[cur]))
		cur++;
	*neg = cur < buf_len && buf[cur] == '-';
	if (*neg)
		cur++;
	uint64_t consumed = cur, len = buf_len - cur;
	if (!len)
		return -EINVAL;
	char str[64];
	if (len > sizeof(str) - 1)
		len = sizeof(str) - 1;
	memcpy(str, buf + cur, (size_t)len);
	str[len] = 0;
	const char *s = str;
	/* _parse_integer_fixup_radix */
	if (base == 0) {
		if (s[0] == '0') {
			base = tolower((unsigned char)s[1]) == 'x' && isxdigit((unsigned char)s[2]) ? 16 : 8;
		} else {
			base = 10;
		}
	}
	if (base == 16 && s[0] == '0' && tolower((unsigned char)s[1]) == 'x')
		s += 2;
	/* _parse_integer */
	uint64_t v = 0;
	int overflow = 0;
	const char *p = s;
	for (;; p++) {
		unsigned d = (unsigned)hexval((unsigned char)*p);
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			overflow = 1;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (p == s)
		return -EINVAL;
	*res = v;
	consumed += (uint64_t)(p - str);
	return (int)consumed;
}

/* What strtol and strtoul share: the result pointer r4 must be writable
 * (8 bytes); parse buf r1 of r2 bytes with flags r3.  The characters
 * consumed, or a negative errno. */
static int strto_args(anybpf_run *run, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
		      uint64_t *v, int *neg)
{
	if (!r4)
		return -EINVAL;
	if (anybpf_run_check(run, r4, 8, 1))
		return -EFAULT;
	return strtoull_((const char *)(uintptr_t)r1, r2, r3, v, neg);
}

/* bpf_strtol(buf, buf_len, flags, res): characters consumed; *res set. */
uint64_t lh_strtol(LH_ARGS)
{
	(void)r5;
	uint64_t v = 0;
	int neg = 0;
	int n = strto_args(run, r1, r2, r3, r4, &v, &neg);
	if (n < 0)
		return (uint64_t)(int64_t)n;
	int64_t s;
	if (neg) {
		if ((int64_t)(0 - v) > 0)
			return (uint64_t)-ERANGE;
		s = (int64_t)(0 - v);
	} else {
		if ((int64_t)v < 0)
			return (uint64_t)-ERANGE;
		s = (int64_t)v;
	}
	memcpy((void *)(uintptr_t)r4, &s, sizeof(s));
	return (uint64_t)(int64_t)n;
}

/* bpf_strtoul: as strtol, a '-' is -EINVAL. */
uint64_t lh_strtoul(LH_ARGS)
{
	(void)r5;
	uint64_t v = 0;
	int neg = 0;
	int n = strto_args(run, r1, r2, r3, r4, &v, &neg);
	if (n < 0)
		return (uint64_t)(int64_t)n;
	if (neg)
		return (uint64_t)-EINVAL;
	memcpy((void *)(uintptr_t)r4, &v, sizeof(v));
	return (uint64_t)(int64_t)n;
}
