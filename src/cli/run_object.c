/*
 * run_object.c - `anybpf run FILE.o [SECTION] [section=S] [program=NAME]
 * [type=T] [data=IN] [ctx=IN] [repeat=N] [out=OUT] [ctx_out=OUT]
 * [mode=jit|interp|fast|checked] [check=on|off] [budget=N] [unverified]
 * [--dump-maps] [--json]` and `... pcap=IN.pcap [write=OUT.pcap]` (run_pcap.c): run one program of an object file the way the kernel's
 * BPF_PROG_TEST_RUN does (anybpf_prog_test_run): verified first, the
 * object's maps live, Linux helpers.  Prints retval (and the XDP action),
 * the duration per run, the trace log, data_out when the program changed
 * the packet, ctx_out when ctx= was given, and with --dump-maps every map
 * (bpftool `map dump` style).  Exit status: 0 ran, 1 the program was
 * rejected or failed while running, 2 bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "hooks/hooks.h"
#include "json.h"
#include "map_btf.h"
#include "redirect.h"
#include "run.h"
#include "show_common.h"

/* Without data=: a 64-byte Ethernet + IPv4 + UDP frame. */
static const uint8_t default_frame[64] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x32, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x7a, 0xb8,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x1e, 0x00, 0x00,
	'h', 'e', 'l', 'l', 'o', ' ', 'a', 'n', 'y', 'b', 'p', 'f', '!', '\n',
	0, 0, 0, 0, 0, 0, 0, 0,
};

static void hex_line(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%02x", i ? " " : "", p[i]);
}

static void hex_dump(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 16) {
		printf("  %04zx: ", i);
		hex_line(stdout, p + i, n - i < 16 ? n - i : 16);
		printf("\n");
	}
}

static char *hex_str(const uint8_t *p, size_t n)
{
	char *s = ab_malloc(n * 2 + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = 0;
	return s;
}

/* One element formatted through BTF (kt / vt: 0 untyped). */
static void dump_typed(struct json *j, const struct btf *btf, uint32_t kt, uint32_t vt,
		       const uint8_t *key, uint32_t ks, const uint8_t *val, size_t slot,
		       uint32_t vs, unsigned ncpus, int percpu)
{
	if (j) {
		json_key(j, "formatted");
		json_obj(j);
		json_key(j, "key");
		cli_btf_value(j, NULL, btf, kt, key, ks);
		json_key(j, percpu ? "values" : "value");
	} else {
		printf("{\"key\": ");
		cli_btf_value(NULL, stdout, btf, kt, key, ks);
		printf(percpu ? ", \"values\": " : ", \"value\": ");
	}
	if (percpu) {
		if (j)
			json_arr(j);
		else
			printf("[");
		for (unsigned c = 0; c < ncpus; c++) {
			if (j) {
				json_obj(j);
				json_kuint(j, "cpu", c);
				json_key(j, "value");
				cli_btf_value(j, NULL, btf, vt, val + c * slot, vs);
				json_end(j);
			} else {
				printf("%s{\"cpu\": %u, \"value\": ", c ? ", " : "", c);
				cli_btf_value(NULL, stdout, btf, vt, val + c * slot, vs);
				printf("}");
			}
		}
		if (j)
			json_end(j);
		else
			printf("]");
	} else {
		cli_btf_value(j, j ? NULL : stdout, btf, vt, val, vs);
	}
	if (j)
		json_end(j);
	else
		printf("}\n");
}

/* Ring buffer and perf_event_array records, consumed (as a user-space
 * reader would: they are gone afterwards) and printed in order: hex, and
 * through BTF with record=TYPE (a ringbuf map cannot name its record type:
 * Linux refuses a value type on one; a perf_event_array's value is the
 * perf event fd). */
struct rec_dump {
	struct json *j;
	const struct btf *btf;
	uint32_t vt;
	int perf;
	size_t n;
	uint64_t lost;
};

static void rec_print(struct rec_dump *d, int index, const uint8_t *p, size_t size)
{
	if (d->j) {
		char *h = hex_str(p, size);
		json_obj(d->j);
		if (index >= 0)
			json_kuint(d->j, "index", (unsigned)index);
		json_kuint(d->j, "size", size);
		json_kstr(d->j, "data", h ? h : "");
		ab_free(h);
		if (d->vt) {
			json_key(d->j, "formatted");
			cli_btf_value(d->j, NULL, d->btf, d->vt, p, size);
		}
		json_end(d->j);
	} else {
		if (index >= 0)
			printf("record %zu (slot %d, %zu bytes):", d->n, index, size);
		else
			printf("record %zu (%zu bytes):", d->n, size);
		for (size_t i = 0; i < size; i += 16) {
			printf("\n  %04zx: ", i);
			hex_line(stdout, p + i, size - i < 16 ? size - i : 16);
		}
		printf("\n");
		if (d->vt) {
			printf("  ");
			cli_btf_value(NULL, stdout, d->btf, d->vt, p, size);
			printf("\n");
		}
	}
	d->n++;
}

static int rb_record(void *ctx, void *data, size_t size)
{
	rec_print(ctx, -1, data, size);
	return 0;
}

static void perf_sample(void *ctx, unsigned index, void *data, uint32_t size)
{
	rec_print(ctx, (int)index, data, size);
}

static void perf_lost(void *ctx, unsigned index, uint64_t lost)
{
	struct rec_dump *d = ctx;
	(void)index;
	d->lost += lost;
}

static const struct btf *rec_btf;  /* record=TYPE */
static uint32_t rec_type;

void cli_dump_set_record_type(const struct btf *btf, uint32_t type)
{
	rec_btf = btf;
	rec_type = btf ? type : 0;
}

/* {"name": .., "type": .., "elements": [   (closed by two json_end) */
static void map_json_begin(struct json *j, anybpf_rtmap *m)
{
	json_obj(j);
	json_kstr(j, "name", anybpf_rtmap_name(m));
	json_kstr(j, "type", anybpf_rtmap_type_name(m));
	json_key(j, "elements");
	json_arr(j);
}

static void dump_records(struct json *j, anybpf_rtmap *m)
{
	struct rec_dump d = { .j = j, .btf = rec_btf, .vt = rec_type };
	d.perf = anybpf_rtmap_type(m) == ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY;
	if (j) {
		map_json_begin(j, m);
	} else {
		printf("map '%s' (%s, max_entries %u): records in order\n", anybpf_rtmap_name(m),
		       anybpf_rtmap_type_name(m), anybpf_rtmap_max_entries(m));
	}
	if (d.perf)
		anybpf_perf_consume(m, perf_sample, perf_lost, &d);
	else
		anybpf_ringbuf_consume(m, rb_record, &d);
	if (j) {
		json_end(j);
		json_kuint(j, "records", d.n);
		if (d.perf)
			json_kuint(j, "lost", d.lost);
		json_end(j);
	} else {
		printf("Found %zu record%s", d.n, d.n == 1 ? "" : "s");
		if (d.perf && d.lost)
			printf(" (%llu lost)", (unsigned long long)d.lost);
		printf("\n");
	}
}

/* bpftool map dump: "key: .. value: ..", per-CPU values per CPU. */
void cli_dump_map(struct json *j, anybpf_rtmap *m)
{
	cli_dump_map_obj(j, m, NULL, 0);
}

void cli_dump_map_obj(struct json *j, anybpf_rtmap *m, const anybpf_object *obj, size_t mi)
{
	const struct btf *btf = NULL;
	uint32_t kt = 0, vt = 0;
	int typed = obj && cli_map_btf_types(obj, mi, &btf, &kt, &vt);
	uint32_t ks = anybpf_rtmap_key_size(m);
	size_t vs = anybpf_rtmap_value_buf_size(m);
	uint32_t type = anybpf_rtmap_type(m);
	if (type == ANYBPF_MAP_TYPE_RINGBUF || type == ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		dump_records(j, m);
		return;
	}
	int percpu = type == ANYBPF_MAP_TYPE_PERCPU_ARRAY || type == ANYBPF_MAP_TYPE_PERCPU_HASH ||
		     type == ANYBPF_MAP_TYPE_LRU_PERCPU_HASH;
	unsigned ncpus = percpu ? anybpf_rtmap_ncpus(m) : 1;
	size_t slot = percpu ? (anybpf_rtmap_value_size(m) + 7u) & ~7u : vs;
	uint8_t *key = ab_calloc(1, ks + 1), *next = ab_calloc(1, ks + 1), *val = ab_calloc(1, vs + 1);
	if (j) {
		map_json_begin(j, m);
	} else {
		printf("map '%s' (%s, key %u, value %u, max_entries %u):\n", anybpf_rtmap_name(m),
		       anybpf_rtmap_type_name(m), ks, anybpf_rtmap_value_size(m), anybpf_rtmap_max_entries(m));
	}
	size_t found = 0;
	int dumpable = ks > 0 && type != ANYBPF_MAP_TYPE_RINGBUF && type != ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY &&
		       type != ANYBPF_MAP_TYPE_PROG_ARRAY && type != ANYBPF_MAP_TYPE_ARRAY_OF_MAPS &&
		       type != ANYBPF_MAP_TYPE_HASH_OF_MAPS && type != ANYBPF_MAP_TYPE_STACK_TRACE;
	const void *prev = NULL;
	while (dumpable && key && next && val && anybpf_rtmap_get_next_key(m, prev, next) == 0) {
		memcpy(key, next, ks);
		prev = key;
		if (anybpf_rtmap_lookup(m, key, val))
			continue;
		found++;
		if (j) {
			char *hk = hex_str(key, ks);
			json_obj(j);
			json_kstr(j, "key", hk ? hk : "");
			ab_free(hk);
			if (percpu) {
				json_key(j, "values");
				json_arr(j);
				for (unsigned c = 0; c < ncpus; c++) {
					char *hv = hex_str(val + c * slot, anybpf_rtmap_value_size(m));
					json_str(j, hv ? hv : "");
					ab_free(hv);
				}
				json_end(j);
			} else {
				char *hv = hex_str(val, anybpf_rtmap_value_size(m));
				json_kstr(j, "value", hv ? hv : "");
				ab_free(hv);
			}
			if (typed)
				dump_typed(j, btf, kt, vt, key, ks, val, slot, anybpf_rtmap_value_size(m),
					   ncpus, percpu);
			json_end(j);
			continue;
		}
		if (percpu) {
			printf("key:\n");
			hex_line(stdout, key, ks);
			printf("\n");
			for (unsigned c = 0; c < ncpus; c++) {
				printf("value (CPU %02u): ", c);
				hex_line(stdout, val + c * slot, anybpf_rtmap_value_size(m));
				printf("\n");
			}
		} else {
			printf("key: ");
			hex_line(stdout, key, ks);
			printf("  value: ");
			hex_line(stdout, val, anybpf_rtmap_value_size(m));
			printf("\n");
		}
		if (typed)
			dump_typed(NULL, btf, kt, vt, key, ks, val, slot, anybpf_rtmap_value_size(m),
				   ncpus, percpu);
	}
	if (j) {
		json_end(j);
		json_end(j);
	} else if (dumpable) {
		printf("Found %zu element%s\n", found, found == 1 ? "" : "s");
	} else {
		printf("(%s maps are not dumped)\n", anybpf_rtmap_type_name(m));
	}
	ab_free(key);
	ab_free(next);
	ab_free(val);
}

/* --dump-maps reads perf_event_array samples: a reader on every slot, as
 * libbpf's perf_buffer__new opens one per CPU (without it no slot is open
 * and bpf_perf_event_output is -ENOENT, as in the kernel's test run). */
static void open_perf_slots(anybpf_runtime *rt)
{
	for (size_t i = 0; i < anybpf_runtime_map_count(rt); i++) {
		anybpf_rtmap *m = anybpf_runtime_map(rt, i);
		if (anybpf_rtmap_type(m) != ANYBPF_MAP_TYPE_PERF_EVENT_ARRAY)
			continue;
		for (uint32_t k = 0; k < anybpf_rtmap_max_entries(m) && k < 4096; k++)
			anybpf_rtmap_update(m, &k, &k, ANYBPF_ANY);
	}
}

static int pick_prog(struct cli *c, const anybpf_object *obj, const char *section,
		     const char *name, anybpf_prog **out)
{
	anybpf_prog **v;
	size_t n;
	int rc = show_select(c, obj, section, name, &v, &n);
	if (rc)
		return rc;
	if (n != 1) {
		fprintf(stderr, "anybpf %s: %s has %zu programs; choose one with SECTION and/or program=NAME:\n",
			c->cmd, c->pos[0], n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s  program=%s\n", anybpf_prog_section(v[i]), show_prog_name(v[i]));
		ab_free(v);
		return EXIT_USAGE;
	}
	*out = v[0];
	ab_free(v);
	return 0;
}

static int write_file(const struct cli *c, const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		if (f)
			fclose(f);
		return cli_fail(c, EXIT_USAGE, "%s: cannot write: %s", path, strerror(errno));
	}
	return 0;
}

int cli_run_object(struct cli *c)
{
	const char *sec_kv = cli_get(c, "section"), *name = cli_get(c, "program");
	const char *data_path = cli_get(c, "data"), *ctx_path = cli_get(c, "ctx");
	const char *out_path = cli_get(c, "out"), *ctx_out_path = cli_get(c, "ctx_out");
	const char *mode = cli_get(c, "mode"), *check = cli_get(c, "check");
	const char *pcap_path = cli_get(c, "pcap"), *write_path = cli_get(c, "write");
	const char *record = cli_get(c, "record");
	uint64_t repeat = 1, budget = 0;
	int given, rc;
	cli_get(c, "type"); /* read by show_open */
	if ((rc = cli_get_u64(c, "repeat", &repeat, &given)) || (rc = cli_get_u64(c, "budget", &budget, &given)))
		return rc;
	int dump = show_take_word(c, 1, "--dump-maps");
	int unverified = show_take_word(c, 1, "unverified");
	if ((rc = cli_unused(c)))
		return rc;
	if (c->npos > 2)
		return cli_usage(c, "expected an object file and optionally a section");
	if (c->npos == 2 && sec_kv)
		return cli_usage(c, "the section is given twice (SECTION and section=)");
	if (repeat == 0 || repeat > 100000000)
		return cli_usage(c, "repeat=%llu: expected 1 to 100000000", (unsigned long long)repeat);
	int checked = 0, jit = mode && !strcmp(mode, "jit");
	if (mode && !jit && strcmp(mode, "interpret") && strcmp(mode, "interpreter") && strcmp(mode, "interp") &&
	    strcmp(mode, "fast") && strcmp(mode, "checked") && strcmp(mode, "checking"))
		return cli_usage(c, "mode=%s: expected jit (the default for verified programs on x86-64), interp (fast when verified), fast, checked", mode);
	if (jit && (unverified || (check && !strcmp(check, "on"))))
		return cli_usage(c, "mode=jit runs only verified programs, without checks");
	if ((mode && mode[0] == 'c') || (check && !strcmp(check, "on")))
		checked = 1;
	else if (check && strcmp(check, "off"))
		return cli_usage(c, "check=%s: expected on or off", check);
	if (write_path && !pcap_path)
		return cli_usage(c, "write= needs pcap=");
	if (pcap_path && (data_path || out_path || repeat != 1))
		return cli_usage(c, "pcap= replaces data=, out= and repeat=");
	if (check && !strcmp(check, "off") && unverified)
		return cli_usage(c, "check=off with unverified: unverified programs run only in checking mode");
	/* no mode chosen: the JIT for a verified program where there is one,
	 * else the fast interpreter (decided once the program is verified) */
	int jit_default = !mode && !checked && !unverified && anybpf_jit_available();

	anybpf_object *obj;
	if ((rc = show_open(c, c->pos[0], &obj)))
		return rc;
	if (record) {
		const struct btf *rb;
		uint32_t rt_id;
		if (!dump) {
			anybpf_object_close(obj);
			return cli_usage(c, "record=%s: needs --dump-maps", record);
		}
		if (cli_btf_find_record_type(obj, record, &rb, &rt_id)) {
			anybpf_object_close(obj);
			return cli_usage(c, "record=%s: %s has no BTF struct, union or typedef of that name",
					 record, c->pos[0]);
		}
		cli_dump_set_record_type(rb, rt_id);
	}
	anybpf_prog *prog = NULL;
	if ((rc = pick_prog(c, obj, c->npos == 2 ? c->pos[1] : sec_kv, name, &prog))) {
		anybpf_object_close(obj);
		return rc;
	}
	char *data = NULL, *ctx = NULL;
	size_t data_len = 0, ctx_len = 0;
	if ((data_path && (rc = cli_read_file(c, data_path, &data, &data_len))) ||
	    (ctx_path && (rc = cli_read_file(c, ctx_path, &ctx, &ctx_len)))) {
		ab_free(data);
		anybpf_object_close(obj);
		return rc;
	}
	const char *type = anybpf_prog_type_name(prog);
	const char *tflag = cli_get(c, "type");
	/* types whose context is all there is (tracing, cgroup_sock, ...) */
	const struct hook *hk = hook_find(tflag ? tflag : type);
	int rawctx = hk && !hook_takes_packet(hk);
	const uint8_t *in = (const uint8_t *)data;
	if (!data_path && !rawctx) {
		in = default_frame;
		data_len = sizeof(default_frame);
	}

	char *logbuf = ab_malloc(1 << 16), *trbuf = ab_malloc(1 << 20);
	size_t out_cap = data_len + 4096, ctx_cap = 4096;
	uint8_t *dout = ab_malloc(out_cap), *cout = ab_calloc(1, ctx_cap);
	anybpf_runtime *rt = NULL;
	struct anybpf_log log = { .buf = logbuf, .size = 1 << 16, .err_pc = -1, .err_line = -1 };
	struct anybpf_log trace = { .buf = trbuf, .size = 1 << 20, .err_pc = -1, .err_line = -1 };
	int err = -ANYBPF_E_NOMEM, loaded = -1;
	if (logbuf && trbuf && dout && cout) {
		logbuf[0] = trbuf[0] = 0;
		struct anybpf_runtime_opts ro = { .sz = sizeof(ro), .ncpus = 1, .unverified = unverified,
						  .prog_type = tflag };
		err = anybpf_runtime_new(obj, &ro, &rt, &log);
		if (!err && dump)
			open_perf_slots(rt);
		if (!err)
			err = loaded = anybpf_runtime_load(rt, prog, &log);
	}
	if (jit_default && loaded == 0)
		jit = 1;
	if (pcap_path && err >= 0) {
		const char *pt = anybpf_runtime_prog_type(rt, prog);
		struct cli_pcap_opts po = { pcap_path, write_path, checked, dump, jit, budget, obj };
		rc = rawctx ? cli_usage(c, "pcap=: %s programs take no packets", pt)
			    : cli_run_pcap(c, rt, prog, pt, loaded == 0, &po);
		goto done;
	}
	struct anybpf_test_run_opts t = {
		.sz = sizeof(t), .data_in = data_path || !rawctx ? in : NULL,
		.data_size_in = (uint32_t)data_len, .data_out = dout, .data_size_out = (uint32_t)out_cap,
		.ctx_in = ctx, .ctx_size_in = (uint32_t)ctx_len, .ctx_out = cout,
		.ctx_size_out = (uint32_t)ctx_cap, .repeat = (uint32_t)repeat, .checked = checked, .jit = jit,
		.budget = budget, .trace = &trace, .log = &log,
	};
	if (err >= 0)
		err = anybpf_prog_test_run(rt, prog, &t);
	if (err == -ANYBPF_E_NOT_SUPPORTED && jit && !mode) {
		/* the default JIT cannot run here (no executable memory, ...):
		 * the fast interpreter, as on hosts without a JIT */
		log = (struct anybpf_log){ .buf = logbuf, .size = 1 << 16, .err_pc = -1, .err_line = -1 };
		logbuf[0] = 0;
		t.jit = jit = 0;
		err = anybpf_prog_test_run(rt, prog, &t);
	}
	rc = EXIT_OK;
	if (err) {
		cli_print_log(c, &log);
		if (!log.len)
			cli_fail(c, 0, "%s", anybpf_strerror(err));
		if (loaded == 1)
			cli_fail(c, 0, "%s/%s was NOT verified: it ran in checking mode, which stopped it",
				 anybpf_prog_section(prog), show_prog_name(prog));
		rc = err == -ANYBPF_E_INVAL || err == -ANYBPF_E_NOT_SUPPORTED || err == -ANYBPF_E_NOMEM ||
		     err == -ANYBPF_E_HELPER || err == -ANYBPF_E_ELF_MAP || err == -ANYBPF_E_PSEUDO
			     ? EXIT_USAGE : EXIT_FAIL;
	} else {
		const char *act = NULL;
		const char *ht = anybpf_runtime_prog_type(rt, prog);
		if (!ht)
			ht = type;
		if (!strcmp(ht, "xdp"))
			act = anybpf_xdp_action_name(t.retval);
		/* socket_filter and cgroup_skb give the Ethernet header back zeroed
		 * (as the kernel's test run): not a change the program made */
		size_t skip = !strcmp(ht, "socket_filter") || !strcmp(ht, "cgroup_skb") ? 14 : 0;
		int redir = cli_redirect_taken(ht, t.retval, t.redirect_kind);
		int changed = !rawctx && (data_len != t.data_size_out ||
					  (data_len > skip && memcmp(in + skip, dout + skip, data_len - skip)));
		if (c->json) {
			struct json j;
			json_init(&j, stdout);
			json_obj(&j);
			json_kstr(&j, "file", c->pos[0]);
			json_kstr(&j, "section", anybpf_prog_section(prog));
			json_kstr(&j, "program", anybpf_prog_name(prog));
			json_kstr(&j, "type", ht);
			json_kbool(&j, "verified", loaded == 0);
			json_kstr(&j, "mode", jit ? "jit" : loaded == 0 && !checked ? "fast" : "checked");
			json_kuint(&j, "retval", t.retval);
			if (act)
				json_kstr(&j, "action", act);
			else {
				json_key(&j, "action");
				json_null(&j);
			}
			json_key(&j, "redirect");
			if (redir) {
				json_obj(&j);
				json_kstr(&j, "helper", cli_redirect_kind(t.redirect_kind));
				json_kuint(&j, cli_redirect_target(t.redirect_kind), t.redirect_target);
				json_end(&j);
			} else {
				json_null(&j);
			}
			json_kuint(&j, "duration_ns", t.duration);
			json_kuint(&j, "repeat", repeat);
			char *h = rawctx ? NULL : hex_str(dout, t.data_size_out);
			if (h)
				json_kstr(&j, "data_out", h);
			json_kbool(&j, "data_changed", !rawctx && changed);
			ab_free(h);
			h = hex_str(cout, t.ctx_size_out);
			json_kstr(&j, "ctx_out", h ? h : "");
			ab_free(h);
			json_kstr(&j, "trace", trbuf);
			if (dump) {
				json_key(&j, "maps");
				json_arr(&j);
				for (size_t i = 0; i < anybpf_runtime_map_count(rt); i++)
					cli_dump_map_obj(&j, anybpf_runtime_map(rt, i), obj, i);
				json_end(&j);
			}
			json_end(&j);
			json_done(&j);
		} else {
			printf("Program: %s/%s (%s, %s)\n", anybpf_prog_section(prog), show_prog_name(prog), ht,
			       loaded == 0 ? (checked ? "verified, checking mode" : jit ? "verified, JIT" : "verified, fast path")
					   : "NOT verified, checking mode");
			if (act)
				printf("retval: %u (%s)\n", t.retval, act);
			else
				printf("retval: %u (0x%x)\n", t.retval, t.retval);
			if (redir)
				printf("redirect: %s %s %u (not followed)\n", cli_redirect_kind(t.redirect_kind),
				       cli_redirect_target(t.redirect_kind), t.redirect_target);
			printf("duration: %llu ns per run (%llu run%s)\n", (unsigned long long)t.duration,
			       (unsigned long long)repeat, repeat == 1 ? "" : "s");
			if (trbuf[0]) {
				printf("trace:\n%s", trbuf);
				if (trbuf[strlen(trbuf) - 1] != '\n')
					printf("\n");
			}
			if (!rawctx && changed) {
				printf("data_out: %u bytes (changed)\n", t.data_size_out);
				hex_dump(dout, t.data_size_out);
			} else if (!rawctx) {
				printf("data_out: unchanged (%u bytes)\n", t.data_size_out);
			}
			if (ctx_path) {
				printf("ctx_out: %u bytes\n", t.ctx_size_out);
				hex_dump(cout, t.ctx_size_out);
			}
			if (dump)
				for (size_t i = 0; i < anybpf_runtime_map_count(rt); i++)
					cli_dump_map_obj(NULL, anybpf_runtime_map(rt, i), obj, i);
		}
		if (out_path && !rawctx)
			rc = write_file(c, out_path, dout, t.data_size_out);
		if (!rc && ctx_out_path)
			rc = write_file(c, ctx_out_path, cout, t.ctx_size_out);
	}
done:
	cli_dump_set_record_type(NULL, 0);
	anybpf_runtime_free(rt);
	anybpf_object_close(obj);
	ab_free(data);
	ab_free(ctx);
	ab_free(logbuf);
	ab_free(trbuf);
	ab_free(dout);
	ab_free(cout);
	return rc;
}
