/* json.h - a tiny streaming JSON writer for `--json` output.
 *
 *   struct json j; json_init(&j, stdout);
 *   json_obj(&j); json_key(&j, "name"); json_str(&j, "x");
 *   json_key(&j, "list"); json_arr(&j); json_int(&j, 1); json_end(&j);
 *   json_end(&j); json_done(&j);           -> {"name": "x", "list": [1]}
 *
 * Commas and indentation are handled here; strings are escaped (control
 * characters as \u00XX, bytes >= 0x80 passed through).  Nesting deeper than
 * JSON_MAX_DEPTH is a programming error and is clamped. */
#ifndef ANYBPF_JSON_H
#define ANYBPF_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	int count[JSON_MAX_DEPTH]; /* values written at each level */
	char close[JSON_MAX_DEPTH]; /* '}' or ']' */
	int after_key;
};

void json_init(struct json *j, FILE *f);
void json_obj(struct json *j);            /* { */
void json_arr(struct json *j);            /* [ */
void json_end(struct json *j);            /* } or ] */
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Shorthands: key and value. */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, int64_t v);
void json_kuint(struct json *j, const char *key, uint64_t v);
void json_kbool(struct json *j, const char *key, int v);
/* End the document with a newline. */
void json_done(struct json *j);

#endif
