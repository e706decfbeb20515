/* json.c - see json.h. */
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void indent(struct json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before any value: a comma and a new line unless it follows a key. */
static void pre(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0) {
		if (j->count[j->depth - 1]++)
			fputc(',', j->f);
		indent(j);
	}
}

static void open(struct json *j, char ch)
{
	pre(j);
	fputc(ch, j->f);
	if (j->depth < JSON_MAX_DEPTH) {
		j->count[j->depth] = 0;
		j->close[j->depth] = ch == '[' ? ']' : '}';
		j->depth++;
	}
}

void json_obj(struct json *j) { open(j, '{'); }
void json_arr(struct json *j) { open(j, '['); }

void json_end(struct json *j)
{
	if (j->depth == 0)
		return;
	int had = j->count[j->depth - 1];
	j->depth--;
	if (had)
		indent(j);
	fputc(j->close[j->depth], j->f);
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	pre(j);
	put_string(j->f, key);
	fputs(": ", j->f);
	j->after_key = 1;
}

void json_str(struct json *j, const char *s) { pre(j); put_string(j->f, s); }
void json_int(struct json *j, int64_t v) { pre(j); fprintf(j->f, "%" PRId64, v); }
void json_uint(struct json *j, uint64_t v) { pre(j); fprintf(j->f, "%" PRIu64, v); }
void json_bool(struct json *j, int v) { pre(j); fputs(v ? "true" : "false", j->f); }
void json_null(struct json *j) { pre(j); fputs("null", j->f); }
void json_kstr(struct json *j, const char *k, const char *s) { json_key(j, k); json_str(j, s); }
void json_kint(struct json *j, const char *k, int64_t v) { json_key(j, k); json_int(j, v); }
void json_kuint(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_uint(j, v); }
void json_kbool(struct json *j, const char *k, int v) { json_key(j, k); json_bool(j, v); }

void json_done(struct json *j)
{
	while (j->depth > 0)
		json_end(j);
	fputc('\n', j->f);
}
