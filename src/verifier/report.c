/* report.c - diagnostics: collected per run (one per pc and check), with
 * the requirement, what was known and a hint; and the seed's text report. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "verifier.h"

int verr(struct verifier *v, int64_t pc, const char *check, const char *hint,
	 const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	for (size_t i = 0; i < v->ndiags; i++)
		if (v->diags[i].pc == pc && !strcmp(v->diags[i].check, check))
			return -1;
	if (v->ndiags >= v->max_errors)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v->level >= ANYBPF_VERIFY_INFORMATIONAL && v->cur_state) {
		size_t len = strlen(msg);
		char st[768];
		state_str(v, v->cur_state, st, sizeof(st));
		snprintf(msg + len, sizeof(msg) - len, " [known:%s]", st);
	}
	if (ab_grow((void **)&v->diags, &v->capdiags, v->ndiags + 1, sizeof(*v->diags))) {
		v->oom = 1;
		return -1;
	}
	struct diag_buf *d = &v->diags[v->ndiags];
	d->pc = pc;
	d->check = check;
	d->message = ab_strdup(msg);
	d->hint = ab_strdup(hint ? hint : "");
	d->slice = v->level >= ANYBPF_VERIFY_INFORMATIONAL ? slice_text(v, pc) : NULL;
	if (!d->message || !d->hint) {
		ab_free(d->message);
		ab_free(d->hint);
		ab_free(d->slice);
		v->oom = 1;
		return -1;
	}
	v->ndiags++;
	return -1;
}

void anybpf_verify_result_free(struct anybpf_verify_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->ndiags; i++) {
		ab_free((void *)res->diags[i].message);
		ab_free((void *)res->diags[i].hint);
		ab_free((void *)res->diags[i].slice);
	}
	ab_free(res->diags);
	ab_free(res->ctx_off);
	ab_free(res->states);     /* one block with the texts (invariants.c) */
	ab_free(res);
}

/* Between a message and its hint: a full stop unless the message has one. */
static const char *hint_sep(const struct anybpf_verify_diag *d)
{
	size_t n = strlen(d->message);
	if (!*d->hint)
		return "";
	return n && (d->message[n - 1] == '.' || d->message[n - 1] == ';') ? " " : ". ";
}

void anybpf_verify_report(const struct anybpf_verify_result *res, const anybpf_prog *prog,
			  struct anybpf_log *log)
{
	if (!res)
		return;
	if (res->verified) {
		ab_logf(log, "Verification succeeded\n");
		ab_logf(log, "Program terminates within %llu instructions\n",
			(unsigned long long)res->max_path);
		return;
	}
	ab_logf(log, "Verification failed\n");
	ab_logf(log, "\n");
	ab_logf(log, "Verification report:\n");
	ab_logf(log, "\n");
	for (size_t i = 0; i < res->ndiags; i++) {
		const struct anybpf_verify_diag *d = &res->diags[i];
		struct anybpf_line line;
		if (prog && d->pc >= 0 && anybpf_prog_line_for(prog, (size_t)d->pc, &line)) {
			ab_logf(log, "; %s:%u\n", line.file, line.line);
			if (line.text && *line.text)
				ab_logf(log, ";     %s\n", line.text);
		}
		if (d->pc >= 0)
			ab_logf(log, "%lld: %s%s%s\n", (long long)d->pc, d->message, hint_sep(d), d->hint);
		else
			ab_logf(log, "%s%s%s\n", d->message, hint_sep(d), d->hint);
		if (d->slice && *d->slice) {
			/* level informational: the path's instructions leading here */
			ab_logf(log, "    Failure slice (the instructions on this path it depends on, with what was known after each):\n");
			for (const char *p = d->slice; *p;) {
				size_t len = strcspn(p, "\n");
				ab_logf(log, "      %.*s\n", (int)len, p);
				p += len + (p[len] == '\n');
			}
		}
	}
	ab_logf(log, "\n");
	ab_logf(log, "%zu errors\n", res->ndiags);
}
