/* map_btf.h - map keys and values through the object's BTF (map_btf.c),
 * for `run ... --dump-maps`. */
#ifndef ANYBPF_CLI_MAP_BTF_H
#define ANYBPF_CLI_MAP_BTF_H

#include <stdint.h>
#include <stdio.h>

#include "anybpf.h"
#include "json.h"

struct btf;

/* The BTF key and value types of the object's map i (a .maps definition's
 * __type(key/value), or a global-data section's DATASEC as the value):
 * 1 when there is at least one, else 0 (*btf NULL when no BTF). */
int cli_map_btf_types(const anybpf_object *obj, size_t i, const struct btf **btf,
		      uint32_t *key_type, uint32_t *value_type);
/* n bytes at p as BTF type `type` (0: a number for 1/2/4/8 bytes, else
 * hex bytes): through the JSON writer j, or compact on f when j is NULL. */
void cli_btf_value(struct json *j, FILE *f, const struct btf *btf, uint32_t type,
		   const uint8_t *p, size_t n);
/* cli_dump_map with the element also formatted through the BTF of the
 * object's map i (text: a `{"key": ..., "value": ...}` line after each
 * element; --json: a "formatted" object in each element, as bpftool). */
void cli_dump_map_obj(struct json *j, anybpf_rtmap *m, const anybpf_object *obj, size_t i);
/* The BTF type named `name` ("struct X", "union X", or X: a struct, union
 * or typedef) in the object's BTF: 0, or -1 when there is none. */
int cli_btf_find_record_type(const anybpf_object *obj, const char *name, const struct btf **btf,
			     uint32_t *type);
/* record=TYPE of `run`: ringbuf / perf_event_array records are also
 * printed as this BTF type (NULL: hex only; a ringbuf map cannot name
 * its record type, Linux refuses a value type on it). */
void cli_dump_set_record_type(const struct btf *btf, uint32_t type);

#endif
