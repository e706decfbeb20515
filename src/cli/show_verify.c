/*
 * show_verify.c - `anybpf show verification FILE [SECTION] [program=NAME]
 * [type=T] [level=normal|informational|verbose|trace] [uninit_stack=allow|reject]
 * [--json]`: run the
 * verifier on each selected program and print the seed's report
 * ("Verification succeeded" + "Program terminates within N instructions",
 * or "Verification failed" and the numbered errors with their source lines).
 * Exit status: 0 every program verified, 1 one was rejected, 2 bad input.
 */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "json.h"
#include "show_common.h"

static const struct { const char *name; enum anybpf_verify_level level; } levels[] = {
	{ "normal", ANYBPF_VERIFY_NORMAL },
	{ "informational", ANYBPF_VERIFY_INFORMATIONAL },
	{ "verbose", ANYBPF_VERIFY_VERBOSE },
	{ "trace", ANYBPF_VERIFY_TRACE },
};

static void print_json(struct json *j, const anybpf_prog *p, const char *type,
		       const struct anybpf_verify_result *res)
{
	json_obj(j);
	json_kstr(j, "section", anybpf_prog_section(p));
	json_kstr(j, "program", anybpf_prog_name(p));
	json_kstr(j, "type", type);
	json_kbool(j, "verified", res->verified);
	if (res->verified)
		json_kuint(j, "terminates_within", res->max_path);
	json_kuint(j, "insns_processed", res->insns_processed);
	json_key(j, "errors");
	json_arr(j);
	for (size_t i = 0; i < res->ndiags; i++) {
		const struct anybpf_verify_diag *d = &res->diags[i];
		struct anybpf_line l;
		json_obj(j);
		json_kint(j, "pc", d->pc);
		if (d->pc >= 0 && anybpf_prog_line_for(p, (size_t)d->pc, &l)) {
			json_kstr(j, "file", l.file);
			json_kuint(j, "line", l.line);
			json_kstr(j, "source", l.text);
		}
		json_kstr(j, "check", d->check);
		json_kstr(j, "message", d->message);
		json_kstr(j, "hint", d->hint);
		if (d->slice) /* level=informational: the failure slice, one line each */
			json_kstr(j, "slice", d->slice);
		json_end(j);
	}
	json_end(j);
	if (res->states) { /* level=verbose: the state before each reached pc */
		json_key(j, "states");
		json_arr(j);
		for (size_t pc = 0; pc < res->nstates; pc++) {
			if (!res->states[pc].reached)
				continue;
			json_obj(j);
			json_kuint(j, "pc", pc);
			json_kstr(j, "facts", res->states[pc].text);
			json_end(j);
		}
		json_end(j);
	}
	json_end(j);
}

int cmd_show_verification(struct cli *c)
{
	const char *name = cli_get(c, "program");
	const char *lvl = cli_get(c, "level");
	const char *uninit = cli_get(c, "uninit_stack");
	cli_get(c, "type"); /* read by show_open */
	if (cli_unused(c))
		return EXIT_USAGE;
	if (c->npos < 1 || c->npos > 2)
		return cli_usage(c, "expected an object file and optionally a section");
	if (uninit && strcmp(uninit, "allow") && strcmp(uninit, "reject"))
		return cli_usage(c, "uninit_stack=%s: expected allow or reject", uninit);
	enum anybpf_verify_level level = ANYBPF_VERIFY_NORMAL;
	if (lvl) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(levels) && strcmp(levels[i].name, lvl); i++)
			;
		if (i == ARRAY_SIZE(levels))
			return cli_usage(c, "level=%s: expected normal, informational, verbose or trace", lvl);
		level = levels[i].level;
	}
	anybpf_object *obj;
	anybpf_prog **v;
	size_t nv, nmaps;
	int rc = show_open_select(c, c->pos[0], c->npos > 1 ? c->pos[1] : NULL, name, &obj, &v, &nv);
	if (rc)
		return rc;
	struct anybpf_map_desc *md = anybpf_object_map_descs(obj, &nmaps);
	size_t logsize = level >= ANYBPF_VERIFY_VERBOSE ? (size_t)16 << 20 : (size_t)1 << 20;
	char *logbuf = ab_malloc(logsize);
	struct json j;
	if (c->json)
		show_json_programs(&j, c->pos[0]);
	int rejected = 0;
	rc = EXIT_OK;
	for (size_t i = 0; i < nv && md && logbuf && rc == EXIT_OK; i++) {
		const anybpf_prog *p = v[i];
		const char *type = anybpf_prog_type_name(p);
		int guessed = strcmp(type, "unspec") == 0;
		if (guessed) /* no program type in the section name: as PREVAIL does */
			type = "socket_filter";
		struct anybpf_log log = { .buf = logbuf, .size = logsize, .err_pc = -1, .err_line = -1 };
		logbuf[0] = '\0';
		struct anybpf_func_sig *sigs = NULL;
		size_t nsigs = 0;
		if (anybpf_prog_func_sigs(p, &sigs, &nsigs)) {
			rc = cli_fail(c, EXIT_USAGE, "out of memory");
			break;
		}
		struct anybpf_verify_opts o = { .sz = sizeof(o), .prog_type = type, .maps = md,
						.nmaps = nmaps, .level = level, .log = &log,
						.funcs = sigs, .nfuncs = nsigs,
						.allow_uninit_stack = uninit && !strcmp(uninit, "allow"),
						.want_states = c->json && level >= ANYBPF_VERIFY_VERBOSE };
		struct anybpf_verify_result *res = NULL;
		size_t n;
		const struct anybpf_insn *insns = anybpf_prog_insns(p, &n);
		int err = anybpf_verify(insns, n, &o, &res);
		anybpf_free(sigs);
		if (err) {
			cli_print_log(c, &log);
			cli_fail(c, 0, "%s/%s: cannot verify as %s: %s", anybpf_prog_section(p),
				 show_prog_name(p), type, anybpf_strerror(err));
			rc = EXIT_USAGE;
			break;
		}
		rejected |= !res->verified;
		if (c->json) {
			print_json(&j, p, type, res);
		} else {
			if (nv > 1 || guessed)
				printf("%sSection: %s  Program: %s  Type: %s%s\n", i ? "\n" : "",
				       anybpf_prog_section(p), show_prog_name(p), type,
				       guessed ? " (the section names no type; give type= to choose)" : "");
			if (log.len)
				fputs(logbuf, stdout); /* verbose invariants, trace */
			struct anybpf_log rep = { .buf = logbuf, .size = logsize, .err_pc = -1, .err_line = -1 };
			logbuf[0] = '\0';
			anybpf_verify_report(res, p, &rep);
			fputs(logbuf, stdout);
		}
		anybpf_verify_result_free(res);
	}
	if (!md || !logbuf)
		rc = cli_fail(c, EXIT_USAGE, "out of memory");
	if (c->json && rc == EXIT_OK) {
		json_end(&j);
		json_end(&j);
		json_done(&j);
	}
	ab_free(logbuf);
	ab_free(md);
	ab_free(v);
	anybpf_object_close(obj);
	return rc != EXIT_OK ? rc : rejected ? EXIT_FAIL : EXIT_OK;
}
